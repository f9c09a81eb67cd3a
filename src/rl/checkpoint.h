// A model folder for the RL stages: the policy (policy.json + weights) and
// its tokenizer (vocab.json) side by side, so `r1 chat --model DIR` needs
// nothing else.
#pragma once
#include <memory>
#include <string>

#include "rl/chat.h"
#include "rl/policy.h"

namespace r1::rl {

struct Model {
  std::unique_ptr<Policy> policy;
  CharVocab vocab;
};

void save_model(const std::string& dir, const Policy& p, const CharVocab& v);
Model load_model(const std::string& dir);  // throws r1::Error naming the folder / file at fault

}  // namespace r1::rl
