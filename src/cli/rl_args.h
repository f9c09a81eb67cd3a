// Shared flags of the RL commands (sft, grpo, distill, eval): where problems
// come from (generated task families or an imported JSONL set) and the prompt
// template.
#pragma once
#include <cstdio>
#include <string>
#include <vector>

#include "base/error.h"
#include "cli/common.h"
#include "rl/chat.h"
#include "rl/dataset.h"
#include "rl/task.h"

namespace r1::cli {

struct ProblemArgs {
  std::string tasks = "add,sort", data, split = "heldout", templ = "chat";
  int difficulty = 1, n = 200;
  uint64_t seed = 1;

  void add(CLI::App& app, const char* default_split) {
    split = default_split;
    app.add_option("--tasks", tasks, "generated task families (add,expr,countdown,lineq,word,sort,all)")->capture_default_str();
    app.add_option("--difficulty", difficulty, "difficulty 1..5")->capture_default_str();
    app.add_option("-n,--problems", n, "number of generated problems")->capture_default_str();
    app.add_option("--split", split, "train or heldout")->capture_default_str();
    app.add_option("--data", data, "JSONL problem set {\"prompt\",\"answer\"} instead of generated tasks");
    app.add_option("--template", templ, "chat (R1) or zero (R1-Zero)")->capture_default_str();
    app.add_option("--seed", seed)->capture_default_str();
  }
  rl::Template template_kind() const {
    R1_CHECK(templ == "chat" || templ == "zero", "--template must be chat or zero, got '", templ, "'");
    return templ == "chat" ? rl::Template::Chat : rl::Template::Zero;
  }
  std::vector<rl::Problem> load() const {
    std::vector<rl::Problem> ps;
    if (!data.empty()) {
      rl::ImportStats st = rl::import_jsonl(data, &ps);
      fprintf(stderr, "%s: %d lines, imported %d, skipped %d malformed, %d unanswerable, %d duplicate\n", data.c_str(),
              st.lines, st.imported, st.malformed, st.unanswerable, st.duplicate);
      R1_CHECK(!ps.empty(), data, ": no usable problems");
      return ps;
    }
    R1_CHECK(split == "train" || split == "heldout", "--split must be train or heldout, got '", split, "'");
    R1_CHECK(n > 0, "--problems must be positive");
    return rl::generate_set(rl::parse_task_list(tasks), difficulty, split == "train" ? rl::Split::Train : rl::Split::Heldout,
                            n, seed);
  }
};

}  // namespace r1::cli
