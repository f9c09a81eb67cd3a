// DeepSeek-V2/V3 forward against the goldens in tests/data/goldens (DeepSeek's
// model.py in float32): prefill and token-by-token latent-cache decode.
// Acceptance: max |dlogit| <= 2e-4, same routed expert sets per (layer, token),
// routing weights within 1e-5 after matching slots by expert id.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <set>

#include "base/json.h"
#include "base/threads.h"
#include "formats/safetensors.h"
#include "model/transformer.h"

using namespace r1;

namespace {

const std::string kDir = std::string(R1_SOURCE_DIR) + "/tests/data/goldens/";

template <class T>
std::vector<T> read_bin(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  EXPECT_TRUE(f.good()) << path;
  std::vector<char> b((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<T> v(b.size() / sizeof(T));
  std::memcpy(v.data(), b.data(), v.size() * sizeof(T));
  return v;
}

struct Golden {
  std::string dir;
  json outputs;
  std::vector<std::vector<int32_t>> tokens;
  std::vector<float> logits, weights, hidden;
  std::vector<int32_t> experts;
  int64_t B = 0, S = 0, K = 0;
  explicit Golden(const std::string& name) : dir(kDir + name) {
    outputs = read_json_file(dir + "/outputs.json");
    json t = read_json_file(dir + "/tokens.json");
    for (auto& s : t["tokens"]) tokens.push_back(s.get<std::vector<int32_t>>());
    B = tokens.size();
    S = tokens[0].size();
    logits = read_bin<float>(dir + "/logits.bin");
    hidden = read_bin<float>(dir + "/hidden_layers.bin");
    if (outputs["files"].contains("moe_expert_indices.bin")) {
      experts = read_bin<int32_t>(dir + "/moe_expert_indices.bin");
      weights = read_bin<float>(dir + "/moe_expert_weights.bin");
      K = outputs["files"]["moe_expert_indices.bin"]["shape"][3].get<int64_t>();
    }
  }
};

// Checks the routing record of one MoE layer for one (b, s) token.
void check_routing(const Golden& g, int64_t layer_slot, int64_t b, int64_t s, const int* idx, const float* w,
                   const std::string& what) {
  const int64_t K = g.K;
  const int32_t* ge = &g.experts[((layer_slot * g.B + b) * g.S + s) * K];
  const float* gw = &g.weights[((layer_slot * g.B + b) * g.S + s) * K];
  std::map<int, float> mine, ref;
  for (int64_t k = 0; k < K; ++k) {
    mine[idx[k]] = w[k];
    ref[ge[k]] = gw[k];
  }
  std::set<int> a, r;
  for (auto& [e, _] : mine) a.insert(e);
  for (auto& [e, _] : ref) r.insert(e);
  ASSERT_EQ(a, r) << what << ": expert set differs at moe layer " << layer_slot << " seq " << b << " pos " << s;
  for (auto& [e, v] : ref) EXPECT_NEAR(mine[e], v, 1e-5) << what << ": weight of expert " << e;
}

void run_case(const std::string& name, bool decode) {
  // Tiny models: one thread for the many 1-token decode steps keeps the test fast on a busy machine.
  set_threads(decode ? 1 : 2);
  Golden g(name);
  auto m = Transformer::load(g.dir);
  const int64_t V = m->vocab_size(), B = g.B, S = g.S, D = m->hidden_size();
  KVCache cache = m->make_cache((int)B);
  std::vector<float> got(B * S * V);
  std::vector<std::vector<int>> idx;    // per moe layer [B*S*K]
  std::vector<std::vector<float>> wts;
  const int64_t K = g.K;
  int n_moe = 0;
  for (int64_t i = 0; i < m->num_layers(); ++i) n_moe += m->config().is_moe_layer(i);
  idx.assign(n_moe, std::vector<int>(B * S * K));
  wts.assign(n_moe, std::vector<float>(B * S * K));
  ForwardTrace tr;
  ForwardOptions opt;
  opt.trace = &tr;
  if (!decode) {
    tr.hidden = true;
    std::vector<Chunk> ch;
    for (int b = 0; b < B; ++b) ch.push_back({b, g.tokens[b].data(), S});
    Tensor lg = m->forward(ch, cache, opt);
    std::memcpy(got.data(), lg.f32(), got.size() * sizeof(float));
    for (int l = 0; l < n_moe; ++l) {
      std::copy(tr.expert_idx[l].begin(), tr.expert_idx[l].end(), idx[l].begin());
      std::copy(tr.expert_w[l].begin(), tr.expert_w[l].end(), wts[l].begin());
    }
    // Residual stream at every layer boundary [L+1, B, S, D].
    ASSERT_EQ(tr.residual.size() * B * S * D, g.hidden.size());
    for (size_t l = 0; l < tr.residual.size(); ++l) {
      float mx = 0;
      for (int64_t i = 0; i < B * S * D; ++i) mx = std::max(mx, std::fabs(tr.residual[l][i] - g.hidden[l * B * S * D + i]));
      EXPECT_LE(mx, 1e-4) << name << ": residual after layer " << (int)l - 1;
    }
  } else {
    opt.attn = AttnImpl::Absorb;
    for (int64_t s = 0; s < S; ++s) {
      std::vector<int> slots;
      std::vector<int32_t> last;
      for (int b = 0; b < B; ++b) {
        slots.push_back(b);
        last.push_back(g.tokens[b][s]);
      }
      Tensor lg = m->decode_step(slots, last, cache, opt);
      for (int b = 0; b < B; ++b) {
        std::memcpy(&got[(b * S + s) * V], lg.f32() + b * V, V * sizeof(float));
        for (int l = 0; l < n_moe; ++l)
          for (int64_t k = 0; k < K; ++k) {
            idx[l][(b * S + s) * K + k] = tr.expert_idx[l][b * K + k];
            wts[l][(b * S + s) * K + k] = tr.expert_w[l][b * K + k];
          }
      }
    }
    for (int b = 0; b < B; ++b) EXPECT_EQ(cache.length(b), S);
  }
  ASSERT_EQ(got.size(), g.logits.size());
  float mx = 0;
  for (size_t i = 0; i < got.size(); ++i) mx = std::max(mx, std::fabs(got[i] - g.logits[i]));
  EXPECT_LE(mx, 2e-4) << name << (decode ? " decode" : " prefill") << ": max |dlogit|";
  for (int l = 0; l < n_moe; ++l)
    for (int64_t b = 0; b < B; ++b)
      for (int64_t s = 0; s < S; ++s)
        check_routing(g, l, b, s, &idx[l][(b * S + s) * K], &wts[l][(b * S + s) * K], name);
}

}  // namespace

TEST(ModelGoldens, V3TinyPrefill) { run_case("v3_tiny", false); }
TEST(ModelGoldens, V3TinyDecode) { run_case("v3_tiny", true); }
TEST(ModelGoldens, V2LiteTinyPrefill) { run_case("v2lite_tiny", false); }
TEST(ModelGoldens, V2LiteTinyDecode) { run_case("v2lite_tiny", true); }
TEST(ModelGoldens, DenseTinyPrefill) { run_case("dense_tiny", false); }
TEST(ModelGoldens, DenseTinyDecode) { run_case("dense_tiny", true); }
TEST(ModelGoldens, V3Bf16Prefill) { run_case("v3_bf16", false); }
TEST(ModelGoldens, V3Bf16Decode) { run_case("v3_bf16", true); }
TEST(ModelGoldens, V3Fp8Prefill) { run_case("v3_fp8", false); }
TEST(ModelGoldens, V3Fp8Decode) { run_case("v3_fp8", true); }

// Prefill half the sequence, then decode the rest (generate.py style), with
// sequences of different lengths in one batch: slot 1 holds a shorter prefix.
TEST(ModelGoldens, V3TinyChunkedPrefillThenDecodeMixedLengths) {
  Golden g("v3_tiny");
  auto m = Transformer::load(g.dir);
  const int64_t V = m->vocab_size(), S = g.S;
  KVCache cache = m->make_cache(2);
  const int64_t p0 = S / 2, p1 = S / 4;
  Tensor lg = m->forward({{0, g.tokens[0].data(), p0}, {1, g.tokens[1].data(), p1}}, cache);
  float mx = 0;
  for (int64_t s = 0; s < p0; ++s)
    for (int64_t v = 0; v < V; ++v) mx = std::max(mx, std::fabs(lg.f32()[s * V + v] - g.logits[s * V + v]));
  // Then a second prefill chunk for seq 1 (start_pos > 0) while seq 0 decodes.
  int64_t l0 = p0, l1 = p1;
  while (l0 < S || l1 < S) {
    std::vector<Chunk> ch;
    const int64_t n1 = std::min<int64_t>(3, S - l1);
    if (l0 < S) ch.push_back({0, &g.tokens[0][l0], 1});
    if (n1 > 0) ch.push_back({1, &g.tokens[1][l1], n1});
    Tensor out = m->forward(ch, cache);
    int64_t row = 0;
    if (l0 < S) {
      for (int64_t v = 0; v < V; ++v) mx = std::max(mx, std::fabs(out.f32()[v] - g.logits[l0 * V + v]));
      ++row, ++l0;
    }
    for (int64_t i = 0; i < n1; ++i, ++row)
      for (int64_t v = 0; v < V; ++v)
        mx = std::max(mx, std::fabs(out.f32()[row * V + v] - g.logits[((S) + l1 + i) * V + v]));
    l1 += n1;
  }
  EXPECT_LE(mx, 2e-4);
}

TEST(ModelGoldens, RopeTableMatchesClosedForm) {
  for (const char* name : {"v3_tiny", "v2lite_tiny", "dense_tiny", "v3_fp8"}) {
    Golden g(name);
    auto m = Transformer::load(g.dir);
    const json& cf = g.outputs["rope"]["closed_form_float64"];
    auto inv = cf["inv_freq"].get<std::vector<double>>();
    ASSERT_EQ(inv.size(), m->rope().inv_freq.size()) << name;
    for (size_t i = 0; i < inv.size(); ++i) EXPECT_NEAR(m->rope().inv_freq[i], inv[i], 1e-12 * std::max(1.0, inv[i])) << name;
    EXPECT_NEAR(m->config().softmax_scale(), g.outputs["rope"]["from_model_py"]["softmax_scale"].get<double>(), 1e-7) << name;
  }
}

TEST(ModelGoldens, Fp8MtpLayerKeptNotRun) {
  auto m = Transformer::load(kDir + "v3_fp8");
  EXPECT_EQ(m->num_layers(), 3);
  ASSERT_EQ(m->mtp_layers().size(), 1u);
  EXPECT_EQ(m->mtp_layers()[0].block.index, 3);
  EXPECT_EQ(m->mtp_layers()[0].eh_proj.rows(), 192);
  EXPECT_EQ(m->mtp_layers()[0].eh_proj.cols(), 384);
}
