#include "rl/v3_policy.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <atomic>
#include <filesystem>
#include <map>

#include <unistd.h>

#include "base/error.h"
#include "base/json.h"
#include "model/model.h"

namespace r1::rl {

using train::ModelConfig;
using train::TrainModel;

train::ModelConfig tiny_v3_config(int vocab, int hidden, int layers, int mtp) {
  R1_CHECK(vocab > 1 && hidden >= 16 && hidden % 16 == 0 && layers >= 1 && mtp >= 0,
           "tiny_v3_config: bad sizes (vocab ", vocab, ", hidden ", hidden, ", layers ", layers, ")");
  json j = {{"vocab_size", vocab}, {"hidden_size", hidden}, {"intermediate_size", hidden * 2},
            {"moe_intermediate_size", hidden / 2}, {"num_hidden_layers", layers}, {"first_k_dense_replace", 1},
            {"num_attention_heads", 4}, {"n_routed_experts", 4}, {"n_shared_experts", 1},
            {"num_experts_per_tok", 2}, {"n_group", 2}, {"topk_group", 1}, {"routed_scaling_factor", 2.5},
            {"scoring_func", "sigmoid"}, {"norm_topk_prob", true}, {"topk_method", "noaux_tc"},
            {"q_lora_rank", hidden / 2}, {"kv_lora_rank", hidden / 4}, {"qk_nope_head_dim", hidden / 8},
            {"qk_rope_head_dim", hidden / 16 < 2 ? 2 : (hidden / 16) & ~1}, {"v_head_dim", hidden / 8},
            {"rope_theta", 10000.0}, {"max_position_embeddings", 4096}, {"rms_norm_eps", 1e-6},
            {"num_nextn_predict_layers", mtp}, {"initializer_range", 0.02}, {"tie_word_embeddings", false},
            {"bos_token_id", 0}, {"eos_token_id", 1}};
  return ModelConfig::from_json(j, "tiny_v3_config");
}

V3Policy::V3Policy(const ModelConfig& cfg, uint64_t seed) : m_(TrainModel::init(cfg, seed)) {}
V3Policy::V3Policy(TrainModel m) : m_(std::move(m)) {}

namespace {

// Rows [r0, r1) as one right-padded batch. Segment runs get distinct ids
// (padding included, so it is its own run); pos restarts in every run.
// targets[n] is the token that logits row n is scored against, -1 if none.
struct Packed {
  int64_t B = 0, T = 0;
  std::vector<int32_t> ids, seg, pos, targets;
};

Packed pack(const TokenRows& rows, size_t r0, size_t r1, int V) {
  Packed p;
  p.B = (int64_t)(r1 - r0);
  for (size_t r = r0; r < r1; r++) p.T = std::max<int64_t>(p.T, (int64_t)rows.tokens[r].size());
  const size_t N = (size_t)(p.B * p.T);
  p.ids.assign(N, 0);
  p.seg.assign(N, 0);
  p.pos.assign(N, 0);
  p.targets.assign(N, -1);
  int32_t run = 0;
  for (size_t r = r0; r < r1; r++) {
    const auto& tok = rows.tokens[r];
    const auto& sg = rows.segment[r];
    const auto& w = rows.want[r];
    R1_CHECK(sg.size() == tok.size() && w.size() == tok.size(), "v3_policy: row ", r, " has ", tok.size(),
             " tokens but ", sg.size(), " segment ids and ", w.size(), " want flags");
    const size_t L = tok.size(), base = (r - r0) * (size_t)p.T;
    for (size_t i = 0; i < (size_t)p.T; i++) {
      const size_t n = base + i;
      if (i >= L) {  // padding tail: one extra run
        if (i == L) run++;
        p.seg[n] = run;
        p.pos[n] = i == L ? 0 : p.pos[n - 1] + 1;
        continue;
      }
      R1_CHECK(tok[i] >= 0 && tok[i] < V, "v3_policy: token id ", tok[i], " out of range (vocab ", V, ")");
      p.ids[n] = tok[i];
      bool fresh = i == 0 || sg[i] != sg[i - 1];
      if (fresh) run++;
      p.seg[n] = run;
      p.pos[n] = fresh ? 0 : p.pos[n - 1] + 1;
      if (i + 1 < L && w[i + 1] && sg[i + 1] > 0 && sg[i + 1] == sg[i]) {
        R1_CHECK(tok[i + 1] >= 0 && tok[i + 1] < V, "v3_policy: token id ", tok[i + 1], " out of range");
        p.targets[n] = tok[i + 1];
      }
    }
  }
  return p;
}

// Row groups bounded by a token budget (the naive attention is T^2 per row).
std::vector<std::pair<size_t, size_t>> groups(const TokenRows& rows) {
  std::vector<std::pair<size_t, size_t>> out;
  const size_t budget = 4096;
  size_t r0 = 0, maxT = 0;
  for (size_t r = 0; r < rows.tokens.size(); r++) {
    size_t T = std::max(maxT, rows.tokens[r].size());
    if (r > r0 && T * (r - r0 + 1) > budget) {
      out.push_back({r0, r});
      r0 = r;
      T = rows.tokens[r].size();
    }
    maxT = T;
  }
  if (r0 < rows.tokens.size()) out.push_back({r0, rows.tokens.size()});
  return out;
}

// Entropy (nats) of softmax(z) over V logits.
float entropy_of(const float* z, int V) {
  double mx = *std::max_element(z, z + V), s = 0;
  for (int k = 0; k < V; k++) s += std::exp((double)z[k] - mx);
  double lse = mx + std::log(s), h = 0;
  for (int k = 0; k < V; k++) {
    double l = z[k] - lse;
    h -= std::exp(l) * l;
  }
  return (float)h;
}

// Row b of a packed forward: its log-probs (and entropies) at every scored
// position t = i + 1, zero elsewhere; lp_row and ent_row (may be null) are
// row-sized and zeroed by the caller.
void read_row(const Packed& p, int64_t b, const ag::Var& lp, const ag::Var& lg, int V, std::vector<float>& lp_row,
              std::vector<float>* ent_row) {
  for (int64_t i = 0; i + 1 < (int64_t)lp_row.size(); i++) {
    const int64_t n = b * p.T + i;
    if (p.targets[(size_t)n] < 0) continue;
    const float v = lp->val()[n];
    R1_CHECK(std::isfinite(v), "v3_policy: non-finite log-prob");
    lp_row[(size_t)i + 1] = v;
    if (ent_row) (*ent_row)[(size_t)i + 1] = entropy_of(lg->val() + n * V, V);
  }
}

// out[r] = zeros the length of row r
void zero_rows(const TokenRows& rows, std::vector<std::vector<float>>& out) {
  out.assign(rows.tokens.size(), {});
  for (size_t r = 0; r < rows.tokens.size(); r++) out[r].assign(rows.tokens[r].size(), 0.0f);
}

void check_rows(const TokenRows& rows) {
  R1_CHECK(rows.segment.size() == rows.tokens.size() && rows.want.size() == rows.tokens.size(),
           "v3_policy: TokenRows has ", rows.tokens.size(), " token rows, ", rows.segment.size(), " segment rows, ",
           rows.want.size(), " want rows");
}

}  // namespace

void V3Policy::logprobs(const TokenRows& rows, std::vector<std::vector<float>>* logp,
                        std::vector<std::vector<float>>* ent) {
  check_rows(rows);
  const int V = m_.cfg.vocab_size;
  zero_rows(rows, *logp);
  if (ent) zero_rows(rows, *ent);
  for (auto [r0, r1] : groups(rows)) {
    Packed p = pack(rows, r0, r1, V);
    ag::Tape tape;
    tape.enabled = false;
    ag::Var lg = m_.forward_logits(tape, p.ids, ag::AttnLayout{p.B, p.T, p.seg}, p.pos);
    ag::Var lp = ag::token_logprobs(tape, lg, p.targets);
    for (int64_t b = 0; b < p.B; b++)
      read_row(p, b, lp, lg, V, (*logp)[r0 + (size_t)b], ent ? &(*ent)[r0 + (size_t)b] : nullptr);
  }
}

void V3Policy::backward(const TokenRows& rows, const std::vector<std::vector<float>>& dlogp,
                        std::vector<std::vector<float>>* logp_out) {
  check_rows(rows);
  R1_CHECK(dlogp.size() == rows.tokens.size(), "v3_policy: dlogp has ", dlogp.size(), " rows, expected ",
           rows.tokens.size());
  for (size_t r = 0; r < rows.tokens.size(); r++)
    R1_CHECK(dlogp[r].size() == rows.tokens[r].size(), "v3_policy: dlogp row ", r, " has wrong length");
  if (logp_out) logp_out->assign(rows.tokens.size(), {});
  // Fixed weights are seeds that ignore the log-probs; logp_out keeps the weighted positions.
  backward_from_logprobs(rows, [&](size_t r, const std::vector<float>& lp, std::vector<float>& d) {
    d = dlogp[r];
    if (!logp_out) return;
    auto& o = (*logp_out)[r];
    o.assign(lp.size(), 0.0f);
    for (size_t t = 0; t < lp.size(); t++)
      if (dlogp[r][t] != 0.0f) o[t] = lp[t];
  });
}

void V3Policy::backward_from_logprobs(const TokenRows& rows, const SeedFn& seeds,
                                      std::vector<std::vector<float>>* ent) {
  check_rows(rows);
  const int V = m_.cfg.vocab_size;
  if (ent) zero_rows(rows, *ent);
  std::vector<float> row_lp, row_d;
  for (auto [r0, r1] : groups(rows)) {
    Packed p = pack(rows, r0, r1, V);
    if (std::all_of(p.targets.begin(), p.targets.end(), [](int32_t y) { return y < 0; })) {
      for (size_t r = r0; r < r1; r++) {  // nothing scored: no forward, the seeds see zeros
        row_lp.assign(rows.tokens[r].size(), 0.0f);
        row_d.assign(row_lp.size(), 0.0f);
        seeds(r, row_lp, row_d);
      }
      continue;
    }
    ag::Tape tape;
    ag::Var lg = m_.forward_logits(tape, p.ids, ag::AttnLayout{p.B, p.T, p.seg}, p.pos);
    ag::Var lp = ag::token_logprobs(tape, lg, p.targets);
    std::vector<float> seed((size_t)(p.B * p.T), 0.0f);
    for (int64_t b = 0; b < p.B; b++) {
      const size_t r = r0 + (size_t)b, len = rows.tokens[r].size();
      row_lp.assign(len, 0.0f);
      read_row(p, b, lp, lg, V, row_lp, ent ? &(*ent)[r] : nullptr);
      row_d.assign(len, 0.0f);
      seeds(r, row_lp, row_d);
      R1_CHECK(row_d.size() == len, "v3_policy: seeds for row ", r, " has ", row_d.size(), " entries, expected ", len);
      for (int64_t i = 0; i + 1 < (int64_t)len; i++)
        if (p.targets[(size_t)(b * p.T + i)] >= 0) seed[(size_t)(b * p.T + i)] = row_d[(size_t)i + 1];
    }
    tape.backward(lp, seed.data());
  }
}

double V3Policy::backward_lm(const TokenRows& rows) {
  check_rows(rows);
  const int V = m_.cfg.vocab_size;
  // Rows (runs of segments) as one Batch per group; padding gets seg -1.
  std::vector<std::pair<size_t, size_t>> gs = groups(rows);
  int64_t total = 0;
  std::vector<train::Batch> batches;
  for (auto [r0, r1] : gs) {
    train::Batch b;
    b.B = (int64_t)(r1 - r0);
    int64_t L = 2;
    for (size_t r = r0; r < r1; r++) L = std::max<int64_t>(L, (int64_t)rows.tokens[r].size());
    b.T = L - 1;
    b.tokens.assign((size_t)(b.B * L), 0);
    b.seg.assign((size_t)(b.B * L), -1);
    int32_t run = 0;
    for (size_t r = r0; r < r1; r++) {
      const auto& tok = rows.tokens[r];
      const auto& sg = rows.segment[r];
      for (size_t i = 0; i < tok.size(); i++) {
        R1_CHECK(tok[i] >= 0 && tok[i] < V, "v3_policy: token id ", tok[i], " out of range (vocab ", V, ")");
        if (sg[i] <= 0) continue;  // padding
        if (i == 0 || sg[i] != sg[i - 1]) run++;
        const size_t n = (r - r0) * (size_t)L + i;
        b.tokens[n] = tok[i];
        b.seg[n] = run;
        if (i > 0 && sg[i] == sg[i - 1]) total++;
      }
    }
    batches.push_back(std::move(b));
  }
  if (total == 0) return 0.0;
  double ce = 0;
  for (auto& b : batches) {
    ag::Tape tape;
    train::LossOptions lo;
    lo.mtp = true;
    lo.mtp_lambda = mtp_lambda;
    train::LossResult res = m_.loss(tape, b, lo);
    // loss() averages over this batch's targets; weight by its share of all targets.
    const float w = (float)res.n_targets / (float)total;
    ce += res.main_ce * w;
    std::vector<float> seed = {w};
    tape.backward(res.loss, seed.data());
    m_.update_bias(res.routes, bias_gamma);
  }
  infer_.reset();
  return ce;
}

void V3Policy::zero_grad() {
  for (auto& p : m_.params()) p.v->zero_grad();
}

float V3Policy::step(const OptimConfig& o) {
  // Optimizer built on first use; betas/eps/weight decay are fixed from then on.
  if (!opt_) opt_.emplace(m_.params(), train::AdamWConfig{o.beta1, o.beta2, o.eps, o.weight_decay});
  double norm = train::clip_grad_norm(opt_->params(), o.clip_norm);
  R1_CHECK(std::isfinite(norm), "v3_policy: non-finite gradient norm");
  opt_->step(o.lr);
  infer_.reset();  // the inference copy is stale
  return (float)norm;
}

std::unique_ptr<Policy> V3Policy::clone() const {
  auto& self = const_cast<TrainModel&>(m_);
  auto p = std::make_unique<V3Policy>(m_.cfg, 0);
  auto src = self.params(), dst = p->m_.params();
  R1_CHECK(src.size() == dst.size(), "v3_policy: clone parameter mismatch");
  for (size_t i = 0; i < src.size(); i++) dst[i].v->v = src[i].v->v.clone();
  auto sb = self.buffers(), db = p->m_.buffers();
  for (size_t i = 0; i < sb.size(); i++) *db[i].second = sb[i].second->clone();
  return p;
}

r1::Model& V3Policy::infer_model() {
  if (!infer_) {
    // TrainModel::save writes the HF folder that model/ loads; the folder is
    // removed once the weights are read (the tiny recipe models take ~ms).
    static std::atomic<int> counter{0};
    std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                ("r1_v3_policy_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
    m_.save(dir.string());
    try {
      infer_ = r1::load_model(dir.string());
    } catch (...) {
      std::filesystem::remove_all(dir);
      throw;
    }
    std::filesystem::remove_all(dir);
  }
  return *infer_;
}

std::vector<std::vector<int>> V3Policy::generate(const std::vector<std::vector<int>>& prompts, const GenConfig& cfg,
                                                 Rng& rng) {
  const int V = m_.cfg.vocab_size;
  const size_t n = prompts.size();
  std::vector<std::vector<int>> out(n);
  for (size_t i = 0; i < n; i++) {
    R1_CHECK(!prompts[i].empty(), "v3_policy: generate got an empty prompt (", i, ")");
    for (int t : prompts[i]) R1_CHECK(t >= 0 && t < V, "v3_policy: prompt token ", t, " out of range (vocab ", V, ")");
  }
  if (n == 0 || cfg.max_new <= 0) return out;
  r1::Model& model = infer_model();
  r1::KVCache cache = model.make_cache((int)n);
  r1::ForwardOptions fo;
  fo.all_logits = false;
  // Prefill each distinct prompt once (GRPO repeats every prompt G times);
  // copies get the cache rows and last-position logits of their first twin.
  std::vector<float> logits(n * (size_t)V);
  std::map<std::vector<int>, size_t> first;
  std::vector<size_t> twin(n);
  std::vector<size_t> uniq;
  for (size_t i = 0; i < n; i++) {
    auto [it, fresh] = first.emplace(prompts[i], i);
    twin[i] = it->second;
    if (fresh) uniq.push_back(i);
  }
  std::vector<std::vector<int32_t>> p32(n);
  for (size_t i : uniq) p32[i].assign(prompts[i].begin(), prompts[i].end());
  const size_t kTokens = 8192;  // prefill tokens per forward call
  for (size_t u0 = 0; u0 < uniq.size();) {
    std::vector<r1::Chunk> ch;
    size_t tok = 0, u1 = u0;
    for (; u1 < uniq.size() && (u1 == u0 || tok + p32[uniq[u1]].size() <= kTokens); u1++) {
      const size_t i = uniq[u1];
      ch.push_back(r1::Chunk{(int)i, p32[i].data(), (int64_t)p32[i].size()});
      tok += p32[i].size();
    }
    Tensor lg = model.forward(ch, cache, fo);
    for (size_t k = 0; k < ch.size(); k++)
      std::memcpy(&logits[(size_t)ch[k].slot * V], lg.f32() + k * (size_t)V, (size_t)V * sizeof(float));
    u0 = u1;
  }
  const int64_t L = model.num_layers();
  for (size_t i = 0; i < n; i++) {
    if (twin[i] == i) continue;
    const int64_t len = (int64_t)prompts[i].size();
    cache.ensure((int)i, len);
    for (int64_t l = 0; l < L; l++)
      std::memcpy(cache.row((int)i, l, 0), cache.row((int)twin[i], l, 0), (size_t)(len * cache.width()) * sizeof(float));
    cache.set_length((int)i, len);
    std::memcpy(&logits[i * V], &logits[twin[i] * V], (size_t)V * sizeof(float));
  }
  // Decode: sample every live sequence (in prompt order), then one forward for all of them.
  std::vector<size_t> active(n);
  for (size_t i = 0; i < n; i++) active[i] = i;
  std::vector<int32_t> last(n);
  for (int step = 0; step < cfg.max_new && !active.empty(); step++) {
    std::vector<size_t> still;
    for (size_t id : active) {
      int tok = sample_token(&logits[id * V], V, cfg.temperature, cfg.top_p, rng);
      out[id].push_back(tok);
      last[id] = tok;
      if (std::find(cfg.stop.begin(), cfg.stop.end(), tok) == cfg.stop.end()) still.push_back(id);
    }
    active.swap(still);
    if (active.empty() || step + 1 == cfg.max_new) break;
    std::vector<r1::Chunk> ch;
    for (size_t id : active) ch.push_back(r1::Chunk{(int)id, &last[id], 1});
    Tensor lg = model.forward(ch, cache, fo);
    for (size_t k = 0; k < active.size(); k++)
      std::memcpy(&logits[active[k] * V], lg.f32() + k * (size_t)V, (size_t)V * sizeof(float));
  }
  return out;
}

std::vector<std::vector<int>> V3Policy::generate_full(const std::vector<std::vector<int>>& prompts, const GenConfig& cfg,
                                                 Rng& rng) {
  const int V = m_.cfg.vocab_size;
  std::vector<std::vector<int>> seq = prompts, out(prompts.size());
  std::vector<size_t> active;
  for (size_t i = 0; i < prompts.size(); i++) {
    R1_CHECK(!prompts[i].empty(), "v3_policy: generate got an empty prompt (", i, ")");
    for (int t : prompts[i]) R1_CHECK(t >= 0 && t < V, "v3_policy: prompt token ", t, " out of range (vocab ", V, ")");
    active.push_back(i);
  }
  const size_t kBatch = 32;
  for (int step = 0; step < cfg.max_new && !active.empty(); step++) {
    std::vector<size_t> still;
    for (size_t a0 = 0; a0 < active.size(); a0 += kBatch) {
      const size_t a1 = std::min(active.size(), a0 + kBatch);
      int64_t B = (int64_t)(a1 - a0), T = 0;
      for (size_t a = a0; a < a1; a++) T = std::max<int64_t>(T, (int64_t)seq[active[a]].size());
      std::vector<int32_t> ids((size_t)(B * T), 0), sg((size_t)(B * T), 0), pos((size_t)(B * T), 0);
      for (int64_t b = 0; b < B; b++) {
        const auto& s = seq[active[a0 + (size_t)b]];
        for (int64_t i = 0; i < T; i++) {
          const size_t n = (size_t)(b * T + i);
          const bool real = i < (int64_t)s.size();
          ids[n] = real ? s[(size_t)i] : 0;
          sg[n] = (int32_t)(2 * b + (real ? 0 : 1));  // right padding is its own run
          pos[n] = real ? (int32_t)i : (int32_t)(i - (int64_t)s.size());
        }
      }
      ag::Tape tape;
      tape.enabled = false;
      ag::Var lg = m_.forward_logits(tape, ids, ag::AttnLayout{B, T, sg}, pos);
      for (int64_t b = 0; b < B; b++) {
        const size_t id = active[a0 + (size_t)b];
        const int64_t last = (int64_t)seq[id].size() - 1;
        int tok = sample_token(lg->val() + (b * T + last) * V, V, cfg.temperature, cfg.top_p, rng);
        seq[id].push_back(tok);
        out[id].push_back(tok);
        if (std::find(cfg.stop.begin(), cfg.stop.end(), tok) == cfg.stop.end()) still.push_back(id);
      }
    }
    active.swap(still);
  }
  return out;
}

void V3Policy::save(const std::string& dir) const {
  std::filesystem::create_directories(dir);
  m_.save(dir);
  json j = {{"kind", "v3"}, {"params", param_count()}};
  write_file_atomic(dir + "/policy.json", j.dump(2));
}

std::unique_ptr<V3Policy> V3Policy::load(const std::string& dir) {
  return std::make_unique<V3Policy>(TrainModel::load(dir));
}

std::unique_ptr<Policy> load_v3_policy(const std::string& dir) { return V3Policy::load(dir); }

}  // namespace r1::rl
