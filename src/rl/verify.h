// Strict answer extraction and verification. A response scores only if it has
// exactly one final answer: an empty answer, two <answer> blocks, or an answer
// holding several candidates ("3 or 4") all score 0 (the reward hacks reported
// against lenient verifiers).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rl/rational.h"

namespace r1::rl {

struct Problem;

// The text inside the single <answer>...</answer> block; without any answer
// tag, the single \boxed{...}. nullopt when missing, empty, or not unique.
std::optional<std::string> extract_answer(std::string_view response);

// Math answer normalisation: integer, decimal, a/b, \frac{a}{b} (also \dfrac,
// \tfrac), optionally inside \boxed{} and/or $...$, with surrounding spaces
// and one trailing '.'. Anything else (two numbers, words, "1,000") -> nullopt.
std::optional<Rational> parse_math_answer(std::string_view s);

// Countdown: an arithmetic expression over + - * / and parentheses.
// Evaluates exactly; records the literal numbers used. nullopt on a syntax
// error or division by zero.
std::optional<Rational> eval_expression(std::string_view s, std::vector<int64_t>* numbers_used);

// Integer list "1 2 3", "1, 2, 3" or "[1, 2, 3]"; nullopt if anything else.
std::optional<std::vector<int64_t>> parse_int_list(std::string_view s);

// Whether an extracted answer solves the problem (per task kind).
bool check_answer(const Problem& p, std::string_view answer);

// extract_answer + check_answer: the accuracy reward.
bool verify_response(const Problem& p, std::string_view response);

std::string trim(std::string_view s);

}  // namespace r1::rl
