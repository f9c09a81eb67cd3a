// `r1 logits` end to end on the goldens: the written file must match logits.bin
// (f32 LE [seq][pos][vocab]) within 2e-4, in prefill and --decode modes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

std::vector<float> read_f32(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  std::vector<char> b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<float> v(b.size() / 4);
  if (!v.empty()) std::memcpy(v.data(), b.data(), v.size() * 4);
  return v;
}

void check(const std::string& name, bool decode) {
  const std::string dir = std::string(R1_SOURCE_DIR) + "/tests/data/goldens/" + name;
  const std::string out = testing::TempDir() + "/r1_logits_" + name + (decode ? "_dec" : "") + ".bin";
  const std::string cmd = std::string(R1_BINARY) + " logits --threads 2 --model " + dir + " --tokens " + dir +
                          "/tokens.json --out " + out + (decode ? " --decode" : "") + " 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto got = read_f32(out), want = read_f32(dir + "/logits.bin");
  ASSERT_EQ(got.size(), want.size());
  float mx = 0;
  for (size_t i = 0; i < got.size(); ++i) mx = std::max(mx, std::fabs(got[i] - want[i]));
  EXPECT_LE(mx, 2e-4) << name << (decode ? " --decode" : "");
}

}  // namespace

TEST(ModelCli, LogitsPrefillV3Fp8) { check("v3_fp8", false); }
TEST(ModelCli, LogitsDecodeV2Lite) { check("v2lite_tiny", true); }
TEST(ModelCli, LogitsPrefillDense) { check("dense_tiny", false); }
