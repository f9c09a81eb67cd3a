// The trainable model's forward reproduces DeepSeek's model.py (goldens made
// by running the unmodified inference/model.py): max |dlogits| <= 2e-4.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "base/json.h"
#include "train/model.h"

using namespace r1;
using namespace r1::train;

static std::vector<float> read_f32(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::vector<char> b((std::istreambuf_iterator<char>(f)), {});
  std::vector<float> v(b.size() / 4);
  std::memcpy(v.data(), b.data(), v.size() * 4);
  return v;
}

static double golden_maxdiff(const std::string& name) {
  const std::string dir = std::string(R1_SOURCE_DIR) + "/tests/data/goldens/" + name;
  TrainModel m = TrainModel::load(dir);
  json tk = read_json_file(dir + "/tokens.json");
  const int64_t B = tk["batch_size"], T = tk["seq_len"];
  std::vector<int32_t> ids, pos;
  for (auto& row : tk["tokens"])
    for (int64_t i = 0; i < T; ++i) ids.push_back(row[i].get<int32_t>()), pos.push_back((int32_t)i);
  ag::Tape t;
  t.enabled = false;
  ag::Var lg = m.forward_logits(t, ids, ag::AttnLayout{B, T, {}}, pos);
  auto ref = read_f32(dir + "/logits.bin");
  EXPECT_EQ((int64_t)ref.size(), lg->numel());
  double mx = 0;
  for (size_t i = 0; i < ref.size() && (int64_t)i < lg->numel(); ++i)
    mx = std::max(mx, (double)std::fabs(ref[i] - lg->val()[i]));
  std::printf("%s max |dlogits| = %.3g\n", name.c_str(), mx);
  return mx;
}

TEST(TrainGolden, V3TinyLogits) { EXPECT_LE(golden_maxdiff("v3_tiny"), 2e-4); }
TEST(TrainGolden, V2LiteTinyLogits) { EXPECT_LE(golden_maxdiff("v2lite_tiny"), 2e-4); }
TEST(TrainGolden, DenseTinyLogits) { EXPECT_LE(golden_maxdiff("dense_tiny"), 2e-4); }
