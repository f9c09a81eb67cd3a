#include "rl/checkpoint.h"

#include <filesystem>

#include "base/error.h"

namespace r1::rl {

void save_model(const std::string& dir, const Policy& p, const CharVocab& v) {
  std::filesystem::create_directories(dir);
  p.save(dir);
  v.save(dir + "/vocab.json");
}

Model load_model(const std::string& dir) {
  R1_CHECK(std::filesystem::is_directory(dir), dir, ": not a model folder (expected policy.json, weights.bin, vocab.json)");
  Model m;
  m.vocab = CharVocab::load(dir + "/vocab.json");
  m.policy = load_policy(dir);
  R1_CHECK(m.policy->vocab_size() == m.vocab.size(), dir, ": policy vocab ", m.policy->vocab_size(),
           " does not match vocab.json (", m.vocab.size(), " pieces)");
  return m;
}

}  // namespace r1::rl
