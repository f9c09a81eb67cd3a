#include "rl/window_lm.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "base/error.h"
#include "base/json.h"

namespace r1::rl {

struct WindowLM::Acts {
  std::vector<float> X, Z1, A1, Z2, A2, logits;
};

WindowLM::WindowLM(const WindowLMConfig& c, uint64_t seed) : c_(c) {
  R1_CHECK(c.vocab > 8 && c.window > 0 && c.d_emb > 0 && c.hidden > 0 && (c.layers == 1 || c.layers == 2),
           "window_lm: bad config (vocab ", c.vocab, ", window ", c.window, ", layers ", c.layers, ")");
  const size_t V = (size_t)c.vocab, D = (size_t)c.d_emb, H = (size_t)c.hidden, In = (size_t)c.window * D;
  size_t o = 0;
  oE_ = o, o += (V + 1) * D;
  oW1_ = o, o += H * In;
  ob1_ = o, o += H;
  oW2_ = o, o += c.layers == 2 ? H * H : 0;
  ob2_ = o, o += c.layers == 2 ? H : 0;
  oWo_ = o, o += V * H;
  obo_ = o, o += V;
  w_.assign(o, 0.0f);
  g_.assign(o, 0.0f);
  m_.assign(o, 0.0f);
  v_.assign(o, 0.0f);
  Rng rng(seed);
  auto fill = [&](size_t off, size_t n, double sd) {
    for (size_t i = 0; i < n; i++) w_[off + i] = (float)(rng.normal() * sd);
  };
  fill(oE_, (V + 1) * D, 1.0);
  fill(oW1_, H * In, std::sqrt(2.0 / (double)In));
  if (c.layers == 2) fill(oW2_, H * H, std::sqrt(2.0 / (double)H));
  fill(oWo_, V * H, 0.5 / std::sqrt((double)H));
}

void WindowLM::gather_context(const TokenRows& rows, int r, int t, int* out) const {
  const auto& tok = rows.tokens[(size_t)r];
  const auto& seg = rows.segment[(size_t)r];
  int s = seg[(size_t)t];
  for (int j = 1; j <= c_.window; j++) {
    int i = t - j;
    out[j - 1] = (i >= 0 && seg[(size_t)i] == s) ? tok[(size_t)i] : c_.vocab;  // vocab = pad id
  }
}

void WindowLM::forward_chunk(const std::vector<int>& ctx, int n, Acts& a) const {
  const int D = c_.d_emb, H = c_.hidden, V = c_.vocab, W = c_.window, In = W * D;
  a.X.resize((size_t)n * In);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < W; j++)
      std::copy_n(&w_[oE_ + (size_t)ctx[(size_t)i * W + j] * D], D, &a.X[(size_t)i * In + (size_t)j * D]);
  auto dense = [&](const std::vector<float>& in, int k, size_t oW, size_t ob, int m, std::vector<float>& z,
                   std::vector<float>* act) {
    z.resize((size_t)n * m);
    for (int i = 0; i < n; i++) std::copy_n(&w_[ob], m, &z[(size_t)i * m]);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, m, k, 1.0f, in.data(), k, &w_[oW], k, 1.0f, z.data(), m);
    if (act) {
      act->resize(z.size());
      for (size_t i = 0; i < z.size(); i++) (*act)[i] = z[i] > 0 ? z[i] : 0.0f;
    }
  };
  dense(a.X, In, oW1_, ob1_, H, a.Z1, &a.A1);
  const std::vector<float>* last = &a.A1;
  if (c_.layers == 2) {
    dense(a.A1, H, oW2_, ob2_, H, a.Z2, &a.A2);
    last = &a.A2;
  }
  dense(*last, H, oWo_, obo_, V, a.logits, nullptr);
}

static constexpr int kChunk = 2048;

void WindowLM::logprobs(const TokenRows& rows, std::vector<std::vector<float>>* logp,
                        std::vector<std::vector<float>>* ent) {
  const int V = c_.vocab;
  logp->assign(rows.tokens.size(), {});
  if (ent) ent->assign(rows.tokens.size(), {});
  std::vector<std::pair<int, int>> pos;
  for (size_t r = 0; r < rows.tokens.size(); r++) {
    (*logp)[r].assign(rows.tokens[r].size(), 0.0f);
    if (ent) (*ent)[r].assign(rows.tokens[r].size(), 0.0f);
    for (size_t t = 1; t < rows.tokens[r].size(); t++)
      if (rows.want[r][t] && rows.segment[r][t] > 0 && rows.segment[r][t - 1] == rows.segment[r][t])
        pos.push_back({(int)r, (int)t});
  }
  Acts a;
  std::vector<int> ctx;
  for (size_t c0 = 0; c0 < pos.size(); c0 += kChunk) {
    int n = (int)std::min(pos.size() - c0, (size_t)kChunk);
    ctx.resize((size_t)n * c_.window);
    for (int i = 0; i < n; i++) gather_context(rows, pos[c0 + i].first, pos[c0 + i].second, &ctx[(size_t)i * c_.window]);
    forward_chunk(ctx, n, a);
    for (int i = 0; i < n; i++) {
      const float* z = &a.logits[(size_t)i * V];
      auto [r, t] = pos[c0 + i];
      int y = rows.tokens[(size_t)r][(size_t)t];
      R1_CHECK(y >= 0 && y < V, "window_lm: token id ", y, " out of range (vocab ", V, ")");
      double mx = *std::max_element(z, z + V), s = 0;
      for (int k = 0; k < V; k++) s += std::exp(z[k] - mx);
      double lse = mx + std::log(s);
      (*logp)[(size_t)r][(size_t)t] = (float)(z[y] - lse);
      if (ent) {
        double h = 0;
        for (int k = 0; k < V; k++) {
          double lp = z[k] - lse;
          h -= std::exp(lp) * lp;
        }
        (*ent)[(size_t)r][(size_t)t] = (float)h;
      }
    }
  }
}

void WindowLM::backward(const TokenRows& rows, const std::vector<std::vector<float>>& dlogp,
                        std::vector<std::vector<float>>* logp_out) {
  const int D = c_.d_emb, H = c_.hidden, V = c_.vocab, W = c_.window, In = W * D;
  if (logp_out) {
    logp_out->assign(rows.tokens.size(), {});
    for (size_t r = 0; r < rows.tokens.size(); r++) (*logp_out)[r].assign(rows.tokens[r].size(), 0.0f);
  }
  std::vector<std::pair<int, int>> pos;
  for (size_t r = 0; r < rows.tokens.size(); r++)
    for (size_t t = 1; t < rows.tokens[r].size(); t++)
      if (rows.want[r][t] && dlogp[r][t] != 0.0f && rows.segment[r][t] > 0 &&
          rows.segment[r][t - 1] == rows.segment[r][t])
        pos.push_back({(int)r, (int)t});
  Acts a;
  std::vector<int> ctx;
  std::vector<float> dz, dA, dZ2, dX;
  for (size_t c0 = 0; c0 < pos.size(); c0 += kChunk) {
    int n = (int)std::min(pos.size() - c0, (size_t)kChunk);
    ctx.resize((size_t)n * W);
    for (int i = 0; i < n; i++) gather_context(rows, pos[c0 + i].first, pos[c0 + i].second, &ctx[(size_t)i * W]);
    forward_chunk(ctx, n, a);
    // d logp_y / d z = onehot(y) - softmax(z), scaled by the upstream weight
    dz.resize((size_t)n * V);
    for (int i = 0; i < n; i++) {
      const float* z = &a.logits[(size_t)i * V];
      auto [r, t] = pos[c0 + i];
      float g = dlogp[(size_t)r][(size_t)t];
      int y = rows.tokens[(size_t)r][(size_t)t];
      double mx = *std::max_element(z, z + V), s = 0;
      for (int k = 0; k < V; k++) s += std::exp(z[k] - mx);
      if (logp_out) (*logp_out)[(size_t)r][(size_t)t] = (float)(z[y] - mx - std::log(s));
      for (int k = 0; k < V; k++) dz[(size_t)i * V + k] = (float)(-g * std::exp(z[k] - mx) / s);
      dz[(size_t)i * V + y] += g;
    }
    const std::vector<float>& last = c_.layers == 2 ? a.A2 : a.A1;
    // output layer
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, V, H, n, 1.0f, dz.data(), V, last.data(), H, 1.0f, &g_[oWo_], H);
    for (int i = 0; i < n; i++)
      for (int k = 0; k < V; k++) g_[obo_ + k] += dz[(size_t)i * V + k];
    dA.assign((size_t)n * H, 0.0f);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, H, V, 1.0f, dz.data(), V, &w_[oWo_], H, 0.0f, dA.data(), H);
    if (c_.layers == 2) {
      for (size_t i = 0; i < dA.size(); i++) dA[i] = a.Z2[i] > 0 ? dA[i] : 0.0f;
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, H, H, n, 1.0f, dA.data(), H, a.A1.data(), H, 1.0f, &g_[oW2_], H);
      for (int i = 0; i < n; i++)
        for (int k = 0; k < H; k++) g_[ob2_ + k] += dA[(size_t)i * H + k];
      dZ2.assign((size_t)n * H, 0.0f);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, H, H, 1.0f, dA.data(), H, &w_[oW2_], H, 0.0f, dZ2.data(), H);
      dA.swap(dZ2);
    }
    for (size_t i = 0; i < dA.size(); i++) dA[i] = a.Z1[i] > 0 ? dA[i] : 0.0f;
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, H, In, n, 1.0f, dA.data(), H, a.X.data(), In, 1.0f, &g_[oW1_], In);
    for (int i = 0; i < n; i++)
      for (int k = 0; k < H; k++) g_[ob1_ + k] += dA[(size_t)i * H + k];
    dX.assign((size_t)n * In, 0.0f);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, In, H, 1.0f, dA.data(), H, &w_[oW1_], In, 0.0f, dX.data(), In);
    for (int i = 0; i < n; i++)
      for (int j = 0; j < W; j++) {
        float* ge = &g_[oE_ + (size_t)ctx[(size_t)i * W + j] * D];
        const float* src = &dX[(size_t)i * In + (size_t)j * D];
        for (int k = 0; k < D; k++) ge[k] += src[k];
      }
  }
}

void WindowLM::zero_grad() { std::fill(g_.begin(), g_.end(), 0.0f); }

float WindowLM::step(const OptimConfig& o) {
  double sq = 0;
  for (float x : g_) sq += (double)x * x;
  float norm = (float)std::sqrt(sq);
  R1_CHECK(std::isfinite(norm), "window_lm: non-finite gradient norm");
  float scale = (o.clip_norm > 0 && norm > o.clip_norm) ? o.clip_norm / norm : 1.0f;
  t_++;
  const double bc1 = 1.0 - std::pow(o.beta1, (double)t_), bc2 = 1.0 - std::pow(o.beta2, (double)t_);
  for (size_t i = 0; i < w_.size(); i++) {
    float g = g_[i] * scale;
    m_[i] = o.beta1 * m_[i] + (1 - o.beta1) * g;
    v_[i] = o.beta2 * v_[i] + (1 - o.beta2) * g * g;
    double upd = (m_[i] / bc1) / (std::sqrt(v_[i] / bc2) + o.eps);
    w_[i] -= (float)(o.lr * (upd + o.weight_decay * w_[i]));
  }
  return norm;
}

std::unique_ptr<Policy> WindowLM::clone() const {
  auto p = std::make_unique<WindowLM>(*this);
  std::fill(p->g_.begin(), p->g_.end(), 0.0f);
  std::fill(p->m_.begin(), p->m_.end(), 0.0f);
  std::fill(p->v_.begin(), p->v_.end(), 0.0f);
  p->t_ = 0;
  return p;
}

std::vector<std::vector<int>> WindowLM::generate(const std::vector<std::vector<int>>& prompts, const GenConfig& cfg,
                                                 Rng& rng) {
  const int W = c_.window, V = c_.vocab;
  std::vector<std::vector<int>> seq = prompts, out(prompts.size());
  std::vector<int> active;
  for (size_t i = 0; i < prompts.size(); i++) active.push_back((int)i);
  Acts a;
  std::vector<int> ctx;
  for (int step = 0; step < cfg.max_new && !active.empty(); step++) {
    int n = (int)active.size();
    ctx.resize((size_t)n * W);
    for (int i = 0; i < n; i++) {
      const auto& s = seq[(size_t)active[(size_t)i]];
      for (int j = 1; j <= W; j++) {
        long k = (long)s.size() - j;
        ctx[(size_t)i * W + j - 1] = k >= 0 ? s[(size_t)k] : V;
      }
    }
    forward_chunk(ctx, n, a);
    std::vector<int> still;
    for (int i = 0; i < n; i++) {
      int id = active[(size_t)i];
      int tok = sample_token(&a.logits[(size_t)i * V], V, cfg.temperature, cfg.top_p, rng);
      seq[(size_t)id].push_back(tok);
      out[(size_t)id].push_back(tok);
      if (std::find(cfg.stop.begin(), cfg.stop.end(), tok) == cfg.stop.end()) still.push_back(id);
    }
    active.swap(still);
  }
  return out;
}

void WindowLM::save(const std::string& dir) const {
  std::filesystem::create_directories(dir);
  json j = {{"kind", "window_lm"}, {"vocab", c_.vocab}, {"window", c_.window}, {"d_emb", c_.d_emb},
            {"hidden", c_.hidden}, {"layers", c_.layers}, {"params", w_.size()}};
  write_file_atomic(dir + "/policy.json", j.dump(2));
  write_file_atomic(dir + "/weights.bin", std::string((const char*)w_.data(), w_.size() * sizeof(float)));
}

std::unique_ptr<WindowLM> WindowLM::load(const std::string& dir) {
  json j = read_json_file(dir + "/policy.json");
  WindowLMConfig c;
  try {
    c.vocab = j.at("vocab").get<int>();
    c.window = j.at("window").get<int>();
    c.d_emb = j.at("d_emb").get<int>();
    c.hidden = j.at("hidden").get<int>();
    c.layers = j.at("layers").get<int>();
  } catch (const std::exception& e) {
    fail(dir, "/policy.json: ", e.what());
  }
  auto p = std::make_unique<WindowLM>(c, 0);
  std::string w = read_text_file(dir + "/weights.bin");
  R1_CHECK(w.size() == p->w_.size() * sizeof(float), dir, "/weights.bin: ", w.size(), " bytes, expected ",
           p->w_.size() * sizeof(float), " for the config in policy.json");
  std::copy_n((const float*)w.data(), p->w_.size(), p->w_.data());
  for (float x : p->w_) R1_CHECK(std::isfinite(x), dir, "/weights.bin: non-finite weight");
  return p;
}

}  // namespace r1::rl
