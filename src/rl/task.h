// Verifiable tasks: procedural generators with difficulty levels, correct
// reasoning traces (for cold-start data), held-out splits, perturbation probes
// and sub-task decomposition.
//
// Splits are disjoint by construction: a problem's split is a pure function of
// a hash of its canonical key (task + the numbers that define it), so no
// held-out problem can ever be generated into the training split.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "base/rng.h"

namespace r1::rl {

enum class AnswerKind { Number, Countdown, List };
enum class Split { Train, Heldout };

struct Problem {
  std::string task;        // add, expr, countdown, lineq, word, sort, import
  int difficulty = 1;      // 1..5
  int templ = 0;           // template / shape id, kept by perturb_numbers
  std::string prompt;      // the question text
  std::string answer;      // reference answer (countdown: one valid expression)
  AnswerKind kind = AnswerKind::Number;
  std::string key;         // canonical identity, hashed for the split
  std::vector<int64_t> numbers;  // countdown: numbers to use; sort: the list
  int64_t target = 0;            // countdown target
  std::string trace;             // correct step-by-step reasoning (empty: none)
  std::vector<Problem> subtasks; // the steps as problems of their own
};

// Task families; "all" in a list expands to every family.
const std::vector<std::string>& task_names();
std::vector<std::string> parse_task_list(const std::string& csv);  // throws on unknown names

// Split of a canonical key: held out when hash(key) % 1000 < heldout_permille.
Split split_of(const std::string& key, int heldout_permille = 200);

// One problem of `task` at `difficulty` whose key lies in `split`
// (rejection sampling on the hash; deterministic given the rng state).
Problem generate(const std::string& task, int difficulty, Split split, Rng& rng);

// n problems, families drawn round-robin from `tasks`, keys unique within the set.
std::vector<Problem> generate_set(const std::vector<std::string>& tasks, int difficulty, Split split, int n,
                                  uint64_t seed);

// Perturbation probes (same task, template and difficulty):
Problem perturb_numbers(const Problem& p, Rng& rng);    // same problem shape, new numbers
Problem perturb_shuffle(const Problem& p, Rng& rng);    // independent clauses / operands reordered
Problem perturb_distract(const Problem& p, Rng& rng);   // an irrelevant clause added

}  // namespace r1::rl
