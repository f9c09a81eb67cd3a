// Rule-based rewards (R1 §2.2.2): accuracy and format, plus R1's language
// consistency reward. Each is computed and logged separately; the scalar used
// for advantages is their weighted sum.
#pragma once
#include <string>
#include <string_view>

#include "rl/task.h"

namespace r1::rl {

// 1 when the response is exactly "<think>R</think>" then "<answer>A</answer>"
// (whitespace allowed between and around), each tag once, R and A non-empty.
float format_reward(std::string_view response);

// Share of the words in the reasoning (the <think> block, else the whole
// response) written in the target language. "en": words whose letters are all
// ASCII; words without letters (numbers, "3+4=7") count as neutral and are
// ignored. No words with letters -> 1.
float language_consistency(std::string_view response, const std::string& lang = "en");

float accuracy_reward(const Problem& p, std::string_view response);

struct RewardWeights {
  float accuracy = 1.0f, format = 1.0f, language = 0.0f;  // R1-Zero: accuracy + format, equal weight
};

struct Rewards {
  float accuracy = 0, format = 0, language = 0, total = 0;
};

Rewards score(const Problem& p, std::string_view response, const RewardWeights& w);

// The reasoning text between <think> and </think> (empty when absent).
std::string reasoning_of(std::string_view response);

// Longest run of a repeated n-gram, as a fraction of response words: > 0.3 is a loop.
float repetition_score(std::string_view response, int n = 4);

}  // namespace r1::rl
