// Dense GQA models (Qwen2, Llama 3.1) against the R1-Distill goldens in
// tests/data/goldens (numpy float64 forward with HF semantics, cross-checked
// with llama.cpp): prefill and token-by-token decode logits within 2e-4, the
// residual stream per layer, chunked prefill, and the llama3 RoPE table.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdlib>
#include <fstream>

#include "base/json.h"
#include "formats/dense_config.h"
#include "model/dense.h"

using namespace r1;

namespace {

const std::string kDir = std::string(R1_SOURCE_DIR) + "/tests/data/goldens/";
constexpr float kTol = 2e-4f;

std::vector<float> read_f32(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  EXPECT_TRUE(f.good()) << path;
  std::vector<char> b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<float> v(b.size() / sizeof(float));
  std::memcpy(v.data(), b.data(), v.size() * sizeof(float));
  return v;
}

struct Golden {
  std::string dir;
  json outputs;
  std::vector<std::vector<int32_t>> tokens;
  std::vector<float> logits, hidden;
  int64_t B = 0, S = 0, V = 0, D = 0;
  explicit Golden(const std::string& name) : dir(kDir + name) {
    outputs = read_json_file(dir + "/outputs.json");
    json t = read_json_file(dir + "/tokens.json");
    for (auto& s : t["tokens"]) tokens.push_back(s.get<std::vector<int32_t>>());
    B = (int64_t)tokens.size();
    S = (int64_t)tokens[0].size();
    logits = read_f32(dir + "/logits.bin");
    hidden = read_f32(dir + "/hidden_layers.bin");
    V = (int64_t)logits.size() / (B * S);
    D = outputs["model_summary"]["hidden_size"].get<int64_t>();
  }
  const float* logit_row(int64_t b, int64_t s) const { return &logits[(b * S + s) * V]; }
};

float max_diff(const float* a, const float* b, int64_t n) {
  float m = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float d = std::fabs(a[i] - b[i]);
    if (!(d <= m)) m = d;  // NaN propagates as a failure
  }
  return m;
}

class DenseGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(DenseGolden, PrefillBatchLogitsAndResiduals) {
  Golden g(GetParam());
  auto m = DenseModel::load(g.dir);
  ASSERT_EQ(m->vocab_size(), g.V);
  KVCache cache = m->make_cache((int)g.B);
  std::vector<Chunk> ch;
  for (int b = 0; b < g.B; ++b) ch.push_back({b, g.tokens[b].data(), g.S});
  ForwardTrace tr;
  tr.hidden = true;
  ForwardOptions opt;
  opt.trace = &tr;
  Tensor lg = m->forward(ch, cache, opt);
  ASSERT_EQ(lg.shape(), Shape({g.B * g.S, g.V}));
  EXPECT_LE(max_diff(lg.f32(), g.logits.data(), g.B * g.S * g.V), kTol);
  // hidden_layers.bin: [layers+1, B, S, D]; our trace rows are (b, s) in chunk order.
  ASSERT_EQ((int64_t)tr.residual.size(), m->num_layers() + 1);
  for (size_t l = 0; l < tr.residual.size(); ++l)
    EXPECT_LE(max_diff(tr.residual[l].data(), &g.hidden[l * g.B * g.S * g.D], g.B * g.S * g.D), kTol) << "layer " << l;
  for (int b = 0; b < g.B; ++b) EXPECT_EQ(cache.length(b), g.S);
}

TEST_P(DenseGolden, DecodeTokenByTokenBothSlots) {
  Golden g(GetParam());
  auto m = DenseModel::load(g.dir);
  KVCache cache = m->make_cache((int)g.B);
  float worst = 0;
  for (int64_t s = 0; s < g.S; ++s) {
    std::vector<int> slots;
    std::vector<int32_t> last;
    for (int b = 0; b < g.B; ++b) slots.push_back(b), last.push_back(g.tokens[b][s]);
    Tensor lg = m->decode_step(slots, last, cache);
    ASSERT_EQ(lg.shape(), Shape({g.B, g.V}));
    for (int b = 0; b < g.B; ++b) worst = std::max(worst, max_diff(lg.f32() + b * g.V, g.logit_row(b, s), g.V));
  }
  EXPECT_LE(worst, kTol);
}

// A prompt split into a prefill chunk, a second chunk appended to the cache,
// then single-token steps, while the other slot decodes one token at a time:
// every row sees exactly its own causal prefix.
TEST_P(DenseGolden, ChunkedPrefillMixedWithDecode) {
  Golden g(GetParam());
  auto m = DenseModel::load(g.dir);
  KVCache cache = m->make_cache(2);
  const int64_t a = 7, b = g.S / 2 + 3;  // chunk boundaries for slot 0
  ForwardOptions last_only;
  last_only.all_logits = false;
  // Step 1: slot 0 gets tokens [0, a), slot 1 its first token.
  Tensor l1 = m->forward({{0, g.tokens[0].data(), a}, {1, g.tokens[1].data(), 1}}, cache, last_only);
  ASSERT_EQ(l1.shape(), Shape({2, g.V}));
  EXPECT_LE(max_diff(l1.f32(), g.logit_row(0, a - 1), g.V), kTol);
  EXPECT_LE(max_diff(l1.f32() + g.V, g.logit_row(1, 0), g.V), kTol);
  // Step 2: slot 0 appends [a, b) with all logits; slot 1 its second token.
  Tensor l2 = m->forward({{0, g.tokens[0].data() + a, b - a}, {1, g.tokens[1].data() + 1, 1}}, cache);
  for (int64_t i = 0; i < b - a; ++i) EXPECT_LE(max_diff(l2.f32() + i * g.V, g.logit_row(0, a + i), g.V), kTol) << i;
  EXPECT_LE(max_diff(l2.f32() + (b - a) * g.V, g.logit_row(1, 1), g.V), kTol);
  // Then the rest of slot 0 one token at a time.
  for (int64_t s = b; s < g.S; ++s) {
    Tensor l = m->decode_step({0}, {g.tokens[0][s]}, cache);
    EXPECT_LE(max_diff(l.f32(), g.logit_row(0, s), g.V), kTol) << s;
  }
  EXPECT_EQ(cache.length(0), g.S);
  EXPECT_EQ(cache.length(1), 2);
}

// R1_MMAP_WEIGHTS=1: zero-copy views, separate q/k/v and gate/up matmuls
// (the default copies weights and fuses them).
TEST_P(DenseGolden, MmapViewsUnfusedMatch) {
  Golden g(GetParam());
  setenv("R1_MMAP_WEIGHTS", "1", 1);
  auto m = DenseModel::load(g.dir);
  unsetenv("R1_MMAP_WEIGHTS");
  EXPECT_EQ(m->layers()[0].qkv.m.p, nullptr);
  auto f = DenseModel::load(g.dir);
  EXPECT_NE(f->layers()[0].qkv.m.p, nullptr);
  for (int b = 0; b < g.B; ++b) {
    Tensor lg = m->prefill(g.tokens[b]);
    EXPECT_LE(max_diff(lg.f32(), g.logit_row(b, 0), g.S * g.V), kTol);
    KVCache cache = m->make_cache(1);
    float worst = 0;
    for (int64_t s = 0; s < g.S; ++s) {
      Tensor l = m->decode_step({0}, {g.tokens[b][s]}, cache);
      worst = std::max(worst, max_diff(l.f32(), g.logit_row(b, s), g.V));
    }
    EXPECT_LE(worst, kTol);
  }
}

TEST_P(DenseGolden, SameThreadsSameBits) {
  Golden g(GetParam());
  auto m = DenseModel::load(g.dir);
  Tensor a = m->prefill(g.tokens[1]);
  Tensor b = m->prefill(g.tokens[1]);
  ASSERT_EQ(a.numel(), b.numel());
  EXPECT_EQ(std::memcmp(a.raw(), b.raw(), a.nbytes()), 0);
}

TEST_P(DenseGolden, LoadModelDispatchesAndKvWidthIsGqa) {
  Golden g(GetParam());
  auto m = load_model(g.dir);
  const json& ms = g.outputs["model_summary"];
  EXPECT_EQ(m->arch(), read_json_file(g.dir + "/config.json")["model_type"].get<std::string>());
  // K and V for each KV head: 2 * n_kv * head_dim per token per layer.
  EXPECT_EQ(m->cache_width(), 2 * ms["num_key_value_heads"].get<int64_t>() * ms["head_dim"].get<int64_t>());
  Tensor lg = m->prefill(g.tokens[0]);
  EXPECT_LE(max_diff(lg.f32(), g.logit_row(0, 0), g.S * g.V), kTol);
}

INSTANTIATE_TEST_SUITE_P(Cases, DenseGolden, ::testing::Values("qwen2_tiny", "qwen2_tied", "llama3_tiny"));

TEST(DenseRope, InvFreqMatchesGoldenTables) {
  for (const char* name : {"qwen2_tiny", "qwen2_tied", "llama3_tiny"}) {
    json o = read_json_file(kDir + name + "/outputs.json");
    DenseConfig c = load_dense_config(kDir + name);
    std::vector<double> f = dense_rope_inv_freq(c);
    auto want = o["rope"]["inv_freq_float64"].get<std::vector<double>>();
    ASSERT_EQ(f.size(), want.size()) << name;
    for (size_t i = 0; i < f.size(); ++i) EXPECT_NEAR(f[i] / want[i], 1.0, 1e-12) << name << " i=" << i;
  }
}

TEST(DenseConfig, ParsesGoldenConfigs) {
  DenseConfig q = load_dense_config(kDir + "qwen2_tied");
  EXPECT_EQ(q.arch, DenseArch::Qwen2);
  EXPECT_TRUE(q.qkv_bias);
  EXPECT_TRUE(q.tie_word_embeddings);
  EXPECT_EQ(q.head_dim, 16);
  EXPECT_EQ(q.group(), 3);
  EXPECT_EQ(q.num_parameters(), 289920);
  EXPECT_EQ(load_dense_config(kDir + "qwen2_tiny").num_parameters(), 339072);
  DenseConfig l = load_dense_config(kDir + "llama3_tiny");
  EXPECT_EQ(l.arch, DenseArch::Llama);
  EXPECT_FALSE(l.qkv_bias);
  EXPECT_EQ(l.rope_scaling.type, DenseRopeScaling::Type::Llama3);
  EXPECT_EQ(l.num_parameters(), 549760);
  // to_json round-trips.
  for (const DenseConfig& c : {q, l}) {
    DenseConfig r = parse_dense_config(c.to_json());
    EXPECT_EQ(r.num_parameters(), c.num_parameters());
    EXPECT_EQ(dense_rope_inv_freq(r), dense_rope_inv_freq(c));
    EXPECT_EQ(r.tie_word_embeddings, c.tie_word_embeddings);
    EXPECT_EQ(r.rms_norm_eps, c.rms_norm_eps);
  }
}

}  // namespace
