#include "train/model.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>

#include "base/error.h"
#include "base/json.h"
#include "base/rng.h"
#include "formats/safetensors_write.h"
#include "formats/safetensors.h"

namespace r1::train {

using namespace r1::ag;

double RouteStats::maxvio() const {
  if (load.empty()) return 0;
  double tot = 0, mx = 0;
  for (auto l : load) tot += (double)l, mx = std::max(mx, (double)l);
  double mean = tot / (double)load.size();
  return mean > 0 ? mx / mean - 1.0 : 0.0;
}

void Batch::finalize() {
  const int64_t L = T + 1;
  R1_CHECK(B > 0 && T > 0, "batch: B=", B, " T=", T);
  R1_CHECK((int64_t)tokens.size() == B * L, "batch: ", tokens.size(), " tokens for B=", B, " rows of T+1=", L);
  if (seg.empty()) seg.assign(B * L, 0);
  R1_CHECK((int64_t)seg.size() == B * L, "batch: seg ids size ", seg.size());
  if (pos.empty()) {
    pos.assign(B * L, 0);
    for (int64_t b = 0; b < B; ++b)
      for (int64_t i = 1; i < L; ++i)
        pos[b * L + i] = seg[b * L + i] == seg[b * L + i - 1] ? pos[b * L + i - 1] + 1 : 0;
  }
  R1_CHECK((int64_t)pos.size() == B * L, "batch: pos size ", pos.size());
}

// ---------------- parameter naming ----------------
using Visit = std::function<void(const std::string&, Var&, bool decay)>;

static void visit_mlp(Mlp& m, const std::string& p, const Visit& f) {
  f(p + "gate_proj.weight", m.gate, true);
  f(p + "up_proj.weight", m.up, true);
  f(p + "down_proj.weight", m.down, true);
}

static void visit_layer(const ModelConfig& c, Layer& L, const std::string& p, const Visit& f) {
  f(p + "input_layernorm.weight", L.in_norm, false);
  const std::string a = p + "self_attn.";
  if (c.q_lora_rank > 0) {
    f(a + "q_a_proj.weight", L.attn.q_a, true);
    f(a + "q_a_layernorm.weight", L.attn.q_a_norm, false);
    f(a + "q_b_proj.weight", L.attn.q_b, true);
  } else {
    f(a + "q_proj.weight", L.attn.q, true);
  }
  f(a + "kv_a_proj_with_mqa.weight", L.attn.kv_a, true);
  f(a + "kv_a_layernorm.weight", L.attn.kv_a_norm, false);
  f(a + "kv_b_proj.weight", L.attn.kv_b, true);
  f(a + "o_proj.weight", L.attn.o, true);
  f(p + "post_attention_layernorm.weight", L.post_norm, false);
  if (!L.is_moe) {
    visit_mlp(L.mlp, p + "mlp.", f);
    return;
  }
  f(p + "mlp.gate.weight", L.moe.gate, true);
  for (size_t e = 0; e < L.moe.experts.size(); ++e)
    visit_mlp(L.moe.experts[e], p + "mlp.experts." + std::to_string(e) + ".", f);
  if (L.moe.has_shared) visit_mlp(L.moe.shared, p + "mlp.shared_experts.", f);
}

static std::string layer_prefix(int i) { return "model.layers." + std::to_string(i) + "."; }

static void visit_all(TrainModel& m, const Visit& f) {
  f("model.embed_tokens.weight", m.embed, true);
  for (size_t i = 0; i < m.layers.size(); ++i) visit_layer(m.cfg, m.layers[i], layer_prefix((int)i), f);
  f("model.norm.weight", m.final_norm, false);
  f("lm_head.weight", m.lm_head, true);
  for (size_t k = 0; k < m.mtp.size(); ++k) {
    const std::string p = layer_prefix(m.cfg.num_hidden_layers + (int)k);
    MtpModule& M = m.mtp[k];
    f(p + "enorm.weight", M.enorm, false);
    f(p + "hnorm.weight", M.hnorm, false);
    f(p + "eh_proj.weight", M.eh_proj, true);
    f(p + "shared_head.norm.weight", M.head_norm, false);
    visit_layer(m.cfg, M.layer, p, f);
  }
}

std::vector<NamedParam> TrainModel::params() {
  std::vector<NamedParam> out;
  visit_all(*this, [&](const std::string& n, Var& v, bool d) { out.push_back({n, v, d}); });
  return out;
}

std::vector<std::pair<std::string, Tensor*>> TrainModel::buffers() {
  std::vector<std::pair<std::string, Tensor*>> out;
  if (!cfg.noaux_tc) return out;
  auto add = [&](Layer& L, int i) {
    if (L.is_moe) out.push_back({layer_prefix(i) + "mlp.gate.e_score_correction_bias", &L.moe.bias});
  };
  for (size_t i = 0; i < layers.size(); ++i) add(layers[i], (int)i);
  for (size_t k = 0; k < mtp.size(); ++k) add(mtp[k].layer, cfg.num_hidden_layers + (int)k);
  return out;
}

int64_t TrainModel::num_params() {
  int64_t n = 0;
  for (auto& p : params()) n += p.v->numel();
  return n;
}

// Shapes of every tensor, allocated zero; init() or load() fills them.
static Mlp make_mlp(int64_t C, int64_t F) {
  return {zeros({F, C}, true), zeros({F, C}, true), zeros({C, F}, true)};
}
static Layer make_layer(const ModelConfig& c, int i) {
  const int64_t C = c.hidden_size, H = c.num_attention_heads, dq = c.qk_nope_head_dim + c.qk_rope_head_dim;
  Layer L;
  L.in_norm = zeros({C}, true);
  L.post_norm = zeros({C}, true);
  if (c.q_lora_rank > 0) {
    L.attn.q_a = zeros({c.q_lora_rank, C}, true);
    L.attn.q_a_norm = zeros({c.q_lora_rank}, true);
    L.attn.q_b = zeros({H * dq, c.q_lora_rank}, true);
  } else {
    L.attn.q = zeros({H * dq, C}, true);
  }
  L.attn.kv_a = zeros({c.kv_lora_rank + c.qk_rope_head_dim, C}, true);
  L.attn.kv_a_norm = zeros({c.kv_lora_rank}, true);
  L.attn.kv_b = zeros({H * (c.qk_nope_head_dim + c.v_head_dim), c.kv_lora_rank}, true);
  L.attn.o = zeros({C, H * c.v_head_dim}, true);
  L.is_moe = c.is_moe_layer(i);
  if (!L.is_moe) {
    L.mlp = make_mlp(C, c.intermediate_size);
  } else {
    L.moe.gate = zeros({c.n_routed_experts, C}, true);
    L.moe.bias = Tensor::empty({c.n_routed_experts});
    for (int e = 0; e < c.n_routed_experts; ++e) L.moe.experts.push_back(make_mlp(C, c.moe_intermediate_size));
    L.moe.has_shared = c.n_shared_experts > 0;
    if (L.moe.has_shared) L.moe.shared = make_mlp(C, (int64_t)c.n_shared_experts * c.moe_intermediate_size);
  }
  return L;
}

static TrainModel make_shapes(const ModelConfig& c) {
  TrainModel m;
  m.cfg = c;
  const int64_t C = c.hidden_size;
  m.embed = zeros({c.vocab_size, C}, true);
  for (int i = 0; i < c.num_hidden_layers; ++i) m.layers.push_back(make_layer(c, i));
  m.final_norm = zeros({C}, true);
  m.lm_head = zeros({c.vocab_size, C}, true);
  for (int k = 0; k < c.num_nextn_predict_layers; ++k) {
    MtpModule M;
    M.enorm = zeros({C}, true);
    M.hnorm = zeros({C}, true);
    M.eh_proj = zeros({C, 2 * C}, true);
    M.head_norm = zeros({C}, true);
    M.layer = make_layer(c, c.num_hidden_layers + k);
    m.mtp.push_back(std::move(M));
  }
  return m;
}

TrainModel TrainModel::init(const ModelConfig& c, uint64_t seed) {
  TrainModel m = make_shapes(c);
  Rng rng(seed);
  for (auto& p : m.params()) {
    float* v = p.v->val();
    if (p.v->v.ndim() == 1) {
      std::fill(v, v + p.v->numel(), 1.0f);  // norm weights
    } else {
      for (int64_t i = 0; i < p.v->numel(); ++i) v[i] = (float)(rng.normal() * c.initializer_range);
    }
  }
  m.inv_freq_ = c.rope_inv_freq();
  return m;
}

TrainModel TrainModel::load(const std::string& dir) {
  ModelConfig c = ModelConfig::load(dir + "/config.json");
  TrainModel m = make_shapes(c);
  // The shared reader: F32/BF16/F16 widened, FP8 dequantized, sharded folders.
  Checkpoint ck = Checkpoint::open(dir);
  // clone: the reader may hand out read-only views of the mapping; training writes in place
  for (auto& p : m.params()) p.v->v = ck.f32(p.name, p.v->v.shape()).clone();
  for (auto& [n, b] : m.buffers()) *b = ck.f32(n, b->shape()).clone();
  m.inv_freq_ = c.rope_inv_freq();
  return m;
}

void TrainModel::save(const std::string& dir) const {
  std::filesystem::create_directories(dir);
  auto& self = const_cast<TrainModel&>(*this);
  std::vector<SafetensorsEntry> es;
  for (auto& p : self.params()) es.push_back({p.name, p.v->v});
  for (auto& [n, b] : self.buffers()) es.push_back({n, *b});
  // DeepSeek-V3 stores the shared embedding and head again in each MTP layer.
  for (size_t k = 0; k < mtp.size(); ++k) {
    const std::string p = layer_prefix(cfg.num_hidden_layers + (int)k);
    es.push_back({p + "embed_tokens.weight", embed->v});
    es.push_back({p + "shared_head.head.weight", lm_head->v});
  }
  write_safetensors(dir + "/model.safetensors", std::move(es));
  write_file_atomic(dir + "/config.json", cfg.to_json().dump(2) + "\n");
}

// ---------------- forward ----------------
static ExpertWeights weights_of(const Mlp& m) { return {m.gate, m.up, m.down}; }
static Var mlp_fwd(Tape& t, Mlp& m, const Var& x) { return swiglu_mlp(t, x, weights_of(m)); }

Var TrainModel::block(Tape& t, Layer& L, int idx, const Var& x, const AttnLayout& lay, const std::vector<int32_t>& pos,
                      std::vector<RouteStats>* stats, const LossOptions* lo, std::vector<Var>* aux) {
  const ModelConfig& c = cfg;
  const int64_t N = x->v.dim(0), H = c.num_attention_heads, dn = c.qk_nope_head_dim, r = c.qk_rope_head_dim,
                dv = c.v_head_dim, kc = c.kv_lora_rank;
  if (inv_freq_.empty()) inv_freq_ = c.rope_inv_freq();
  // --- MLA ---
  Var h = rmsnorm(t, x, L.in_norm, c.rms_norm_eps);
  Var q = c.q_lora_rank > 0
              ? linear(t, rmsnorm(t, linear(t, h, L.attn.q_a), L.attn.q_a_norm, c.rms_norm_eps), L.attn.q_b)
              : linear(t, h, L.attn.q);
  q = reshape(t, q, {N, H, dn + r});
  Var q_nope = narrow(t, q, 0, dn);
  Var q_pe = rope(t, narrow(t, q, dn, r), inv_freq_, pos);
  Var kva = linear(t, h, L.attn.kv_a);                      // [N, c + r]
  Var ckv = rmsnorm(t, narrow(t, kva, 0, kc), L.attn.kv_a_norm, c.rms_norm_eps);
  Var k_pe = rope(t, narrow(t, kva, kc, r), inv_freq_, pos);  // [N, r], one per token, shared by heads
  Var kv = reshape(t, linear(t, ckv, L.attn.kv_b), {N, H, dn + dv});
  Var att = mla_attention(t, q_nope, q_pe, narrow(t, kv, 0, dn), k_pe, narrow(t, kv, dn, dv), lay, c.softmax_scale());
  Var x2 = add(t, x, linear(t, att, L.attn.o));
  // --- FFN ---
  Var h2 = rmsnorm(t, x2, L.post_norm, c.rms_norm_eps);
  Var f;
  if (!L.is_moe) {
    f = mlp_fwd(t, L.mlp, h2);
  } else {
    RouteConfig rc;
    rc.E = c.n_routed_experts;
    rc.K = c.num_experts_per_tok;
    rc.sigmoid = c.scoring_sigmoid;
    rc.norm_topk = c.norm_topk_prob;
    rc.route_scale = c.routed_scaling_factor;
    rc.n_group = c.n_group;
    rc.topk_group = c.topk_group;
    rc.group_top2_sum = c.noaux_tc;
    // The gate stays in FP32 under BF16 mixed precision (as in V3's FP8 recipe).
    const bool bf = bf16_gemm();
    set_bf16_gemm(false);
    Var lg = linear(t, h2, L.moe.gate);
    set_bf16_gemm(bf);
    Routing R;
    Var w = moe_route(t, lg, c.noaux_tc ? L.moe.bias.f32() : nullptr, rc, &R);
    std::vector<ExpertWeights> ex;
    for (auto& m : L.moe.experts) ex.push_back(weights_of(m));
    const ExpertWeights sh = weights_of(L.moe.shared);
    f = moe_experts(t, h2, w, R, ex, L.moe.has_shared ? &sh : nullptr);
    if (stats) stats->push_back({idx, R.load()});
    if (lo && aux) {
      if (lo->seq_aux_alpha > 0) aux->push_back(balance_loss(t, lg, R, rc, lay.T, true, lo->seq_aux_alpha));
      if (lo->v2_aux_alpha > 0) aux->push_back(balance_loss(t, lg, R, rc, N, false, lo->v2_aux_alpha));
    }
  }
  return add(t, x2, f);
}

Var TrainModel::hidden(Tape& t, const std::vector<int32_t>& ids, const AttnLayout& lay, const std::vector<int32_t>& pos,
                       std::vector<RouteStats>* stats, const LossOptions* lo, std::vector<Var>* aux) {
  R1_CHECK((int64_t)ids.size() == lay.B * lay.T && pos.size() == ids.size(), "forward: ", ids.size(), " ids, ",
           pos.size(), " positions for B=", lay.B, " T=", lay.T);
  Var x = embedding(t, embed, ids);
  for (size_t i = 0; i < layers.size(); ++i) x = block(t, layers[i], (int)i, x, lay, pos, stats, lo, aux);
  return x;
}

Var TrainModel::logits(Tape& t, const Var& h) { return linear(t, rmsnorm(t, h, final_norm, cfg.rms_norm_eps), lm_head); }

Var TrainModel::forward_logits(Tape& t, const std::vector<int32_t>& ids, const AttnLayout& lay,
                               const std::vector<int32_t>& pos) {
  return logits(t, hidden(t, ids, lay, pos, nullptr));
}

LossResult TrainModel::loss(Tape& t, const Batch& b0, const LossOptions& lo) {
  Batch b = b0;
  b.finalize();
  const int64_t B = b.B, T = b.T, L = T + 1, N = B * T;
  std::vector<int32_t> ids(N), pos(N), targets(N);
  AttnLayout lay{B, T, std::vector<int32_t>(N)};
  for (int64_t r = 0; r < B; ++r)
    for (int64_t i = 0; i < T; ++i) {
      const int64_t n = r * T + i, m = r * L + i;
      ids[n] = b.tokens[m];
      pos[n] = b.pos[m];
      lay.seg[n] = b.seg[m];
      targets[n] = b.seg[m] >= 0 && b.seg[m + 1] == b.seg[m] ? b.tokens[m + 1] : -1;  // seg < 0: padding
    }
  LossResult res;
  std::vector<Var> aux;
  Var h = hidden(t, ids, lay, pos, &res.routes, &lo, &aux);
  Var ce = cross_entropy(t, logits(t, h), targets);
  res.main_ce = ce->val()[0];
  for (auto v : targets) res.n_targets += v >= 0;
  std::vector<Var> terms{ce};
  std::vector<float> wts{1.0f};
  if (lo.mtp && !mtp.empty()) {
    const int D = (int)mtp.size();
    // h^0 = the main model's normalised output (what vLLM/SGLang feed the MTP layer)
    Var hprev = rmsnorm(t, h, final_norm, cfg.rms_norm_eps);
    for (int k = 1; k <= D; ++k) {
      MtpModule& M = mtp[k - 1];
      std::vector<int32_t> e_ids(N), tg(N);
      for (int64_t r = 0; r < B; ++r)
        for (int64_t i = 0; i < T; ++i) {
          const int64_t n = r * T + i, m = r * L + i;
          e_ids[n] = i + k < L ? b.tokens[m + k] : 0;
          tg[n] = (i + k + 1 < L && b.seg[m] >= 0 && b.seg[m + k + 1] == b.seg[m]) ? b.tokens[m + k + 1] : -1;
        }
      // h'_i = eh_proj [enorm(Emb(t_{i+k})) ; hnorm(h^{k-1}_i)]  (V3 eq. 21, DeepSeek's storage order)
      Var e = embedding(t, embed, e_ids);
      Var hin = linear(t, concat_last(t, rmsnorm(t, e, M.enorm, cfg.rms_norm_eps),
                                      rmsnorm(t, hprev, M.hnorm, cfg.rms_norm_eps)),
                       M.eh_proj);
      Var hk = block(t, M.layer, cfg.num_hidden_layers + k - 1, hin, lay, pos, &res.routes, &lo, &aux);
      Var cek = cross_entropy(t, linear(t, rmsnorm(t, hk, M.head_norm, cfg.rms_norm_eps), lm_head), tg);
      res.mtp_ce.push_back(cek->val()[0]);
      terms.push_back(cek);
      wts.push_back(lo.mtp_lambda / (float)D);
      hprev = hk;
    }
  }
  for (auto& a : aux) {
    res.aux += a->val()[0];
    terms.push_back(a);
    wts.push_back(1.0f);
  }
  res.loss = weighted_sum(t, terms, wts);
  return res;
}

void TrainModel::update_bias(const std::vector<RouteStats>& stats, float gamma) {
  if (!cfg.noaux_tc || gamma == 0.0f) return;
  for (auto& s : stats) {
    Layer* L = s.index < cfg.num_hidden_layers ? &layers[s.index] : &mtp[s.index - cfg.num_hidden_layers].layer;
    R1_CHECK(L->is_moe && (int64_t)s.load.size() == L->moe.bias.numel(), "update_bias: layer ", s.index);
    double mean = 0;
    for (auto l : s.load) mean += (double)l;
    mean /= (double)s.load.size();
    float* b = L->moe.bias.f32();
    for (size_t e = 0; e < s.load.size(); ++e) {
      if ((double)s.load[e] > mean) b[e] -= gamma;
      else if ((double)s.load[e] < mean) b[e] += gamma;
    }
  }
}

std::vector<int32_t> sample_tokens(TrainModel& m, std::vector<int32_t> seq, int n_new, float temperature,
                                   uint64_t seed) {
  Rng rng(seed);
  R1_CHECK(!seq.empty(), "sample: empty prompt");
  for (int s = 0; s < n_new; ++s) {
    Tape t;
    t.enabled = false;
    const int64_t T = (int64_t)seq.size();
    std::vector<int32_t> pos(T);
    for (int64_t i = 0; i < T; ++i) pos[i] = (int32_t)i;
    Var lg = m.forward_logits(t, seq, AttnLayout{1, T, {}}, pos);
    const int64_t V = m.cfg.vocab_size;
    const float* l = lg->val() + (T - 1) * V;
    int32_t pick = 0;
    if (temperature <= 0) {
      pick = (int32_t)(std::max_element(l, l + V) - l);
    } else {
      float mx = *std::max_element(l, l + V);
      std::vector<double> p(V);
      double z = 0;
      for (int64_t v = 0; v < V; ++v) z += (p[v] = std::exp((l[v] - mx) / temperature));
      double u = rng.uniform() * z;
      for (int64_t v = 0; v < V; ++v) {
        u -= p[v];
        if (u <= 0) {
          pick = (int32_t)v;
          break;
        }
      }
    }
    seq.push_back(pick);
  }
  return seq;
}

}  // namespace r1::train
