#include "rl/sft.h"

#include <chrono>
#include <cmath>

#include "base/error.h"

namespace r1::rl {

TokenRows pack(const std::vector<const SftSample*>& samples, int row_len) {
  TokenRows rows;
  for (const SftSample* s : samples) {
    R1_CHECK(s->tokens.size() == s->loss_mask.size(), "pack: tokens and loss_mask differ in length");
    size_t r = 0;
    for (; r < rows.tokens.size(); r++)
      if (rows.tokens[r].size() + s->tokens.size() <= (size_t)row_len) break;
    if (r == rows.tokens.size()) {
      rows.tokens.emplace_back();
      rows.segment.emplace_back();
      rows.want.emplace_back();
    }
    int seg = rows.segment[r].empty() ? 1 : rows.segment[r].back() + 1;
    rows.tokens[r].insert(rows.tokens[r].end(), s->tokens.begin(), s->tokens.end());
    rows.segment[r].insert(rows.segment[r].end(), s->tokens.size(), seg);
    rows.want[r].insert(rows.want[r].end(), s->loss_mask.begin(), s->loss_mask.end());
  }
  return rows;
}

float lr_at(int step, int total, int warmup, float peak, float min_frac) {
  if (warmup > 0 && step < warmup) return peak * (float)(step + 1) / (float)warmup;
  double t = total > warmup ? (double)(step - warmup) / (double)(total - warmup) : 1.0;
  t = std::min(1.0, std::max(0.0, t));
  return (float)(peak * (min_frac + (1 - min_frac) * 0.5 * (1 + std::cos(M_PI * t))));
}

double sft_loss(Policy& p, const TokenRows& rows) {
  std::vector<std::vector<float>> lp;
  p.logprobs(rows, &lp, nullptr);
  double s = 0;
  int64_t n = 0;
  for (size_t r = 0; r < rows.tokens.size(); r++)
    for (size_t t = 1; t < rows.tokens[r].size(); t++)
      if (rows.want[r][t] && rows.segment[r][t] == rows.segment[r][t - 1]) s -= lp[r][t], n++;
  return n ? s / (double)n : 0.0;
}

SftLog sft_train(Policy& p, const std::vector<SftSample>& data, const SftConfig& cfg, uint64_t seed,
                 const std::function<void(int, double)>& on_step) {
  R1_CHECK(!data.empty(), "sft: no training samples");
  auto t0 = std::chrono::steady_clock::now();
  SftLog log;
  Rng rng(seed);
  std::vector<size_t> order(data.size());
  for (size_t i = 0; i < order.size(); i++) order[i] = i;
  size_t cursor = order.size();
  for (int step = 0; step < cfg.steps; step++) {
    std::vector<const SftSample*> batch;
    for (int b = 0; b < cfg.batch; b++) {
      if (cursor >= order.size()) {  // new epoch: reshuffle
        for (size_t i = order.size(); i > 1; i--) std::swap(order[i - 1], order[rng.below(i)]);
        cursor = 0;
      }
      batch.push_back(&data[order[cursor++]]);
    }
    TokenRows rows = pack(batch, cfg.row_len);
    OptimConfig o = cfg.opt;
    o.lr = lr_at(step, cfg.steps, cfg.warmup, cfg.opt.lr, cfg.min_lr_frac);
    if (cfg.lm_objective) {
      p.zero_grad();
      double l = p.backward_lm(rows);
      if (!std::isnan(l)) {
        R1_CHECK(std::isfinite(l), "sft: loss became non-finite at step ", step);
        p.step(o);
        log.step.push_back(step);
        log.loss.push_back(l);
        for (size_t r = 0; r < rows.tokens.size(); r++)
          for (size_t t = 1; t < rows.tokens[r].size(); t++) log.tokens += rows.segment[r][t] == rows.segment[r][t - 1];
        if (on_step) on_step(step, l);
        continue;
      }
    }
    std::vector<std::vector<float>> lp, d(rows.tokens.size());
    int64_t n = 0;
    for (size_t r = 0; r < rows.tokens.size(); r++)
      for (size_t t = 1; t < rows.tokens[r].size(); t++)
        n += rows.want[r][t] && rows.segment[r][t] == rows.segment[r][t - 1];
    if (n == 0) continue;
    for (size_t r = 0; r < rows.tokens.size(); r++) {
      d[r].assign(rows.tokens[r].size(), 0.0f);
      for (size_t t = 1; t < rows.tokens[r].size(); t++)
        if (rows.want[r][t] && rows.segment[r][t] == rows.segment[r][t - 1]) d[r][t] = (float)(-1.0 / (double)n);
    }
    p.zero_grad();
    p.backward(rows, d, &lp);
    double loss = 0;
    for (size_t r = 0; r < rows.tokens.size(); r++)
      for (size_t t = 1; t < rows.tokens[r].size(); t++)
        if (d[r][t] != 0.0f) loss -= lp[r][t];
    loss /= (double)n;
    R1_CHECK(std::isfinite(loss), "sft: loss became non-finite at step ", step);
    p.step(o);
    log.step.push_back(step);
    log.loss.push_back(loss);
    log.tokens += (double)n;
    if (on_step) on_step(step, loss);
  }
  log.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return log;
}

}  // namespace r1::rl
