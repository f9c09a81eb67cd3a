#include "rl/grpo.h"

#include <chrono>
#include <cmath>

#include "base/error.h"

namespace r1::rl {

static double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::string completion_text(const CharVocab& v, const std::vector<int>& c) {
  std::vector<int> ids = c;
  if (!ids.empty() && ids.back() == v.eos()) ids.pop_back();
  return v.decode(ids);
}

std::vector<Rollout> rollout(Policy& p, const CharVocab& v, const std::vector<const Problem*>& problems, int G,
                             const GenConfig& gen, Template templ, const RewardWeights& w, Rng& rng) {
  std::vector<std::vector<int>> prompts;
  std::vector<Rollout> out;
  for (size_t i = 0; i < problems.size(); i++) {
    std::vector<int> pr = v.encode(render_prompt(templ, problems[i]->prompt));
    for (int g = 0; g < G; g++) {
      prompts.push_back(pr);
      Rollout r;
      r.problem = (int)i;
      r.prompt = pr;
      out.push_back(std::move(r));
    }
  }
  auto comps = p.generate(prompts, gen, rng);
  for (size_t i = 0; i < out.size(); i++) {
    out[i].completion = std::move(comps[i]);
    out[i].text = completion_text(v, out[i].completion);
    out[i].rewards = score(*problems[(size_t)out[i].problem], out[i].text, w);
  }
  return out;
}

std::vector<GrpoStepLog> grpo_train(Policy& p, const CharVocab& v, const std::vector<Problem>& train,
                                    const GrpoConfig& cfg, uint64_t seed,
                                    const std::function<void(const GrpoStepLog&)>& on_step) {
  R1_CHECK(!train.empty(), "grpo: no training problems");
  R1_CHECK(cfg.G >= 2, "grpo: G must be at least 2 (got ", cfg.G, ")");
  Rng rng(seed);
  std::unique_ptr<Policy> ref = cfg.beta != 0 ? p.clone() : nullptr;
  GenConfig gen;
  gen.max_new = cfg.max_new;
  gen.temperature = cfg.temperature;
  gen.top_p = cfg.top_p;
  gen.stop = {v.eos()};
  std::vector<GrpoStepLog> logs;
  std::vector<size_t> order(train.size());
  for (size_t i = 0; i < order.size(); i++) order[i] = i;
  size_t cursor = order.size();
  for (int step = 0; step < cfg.steps; step++) {
    if (ref && cfg.ref_reset > 0 && step > 0 && step % cfg.ref_reset == 0) ref = p.clone();
    GrpoStepLog L;
    L.step = step;
    std::vector<const Problem*> batch;
    for (int i = 0; i < cfg.prompts_per_step; i++) {
      if (cursor >= order.size()) {
        for (size_t k = order.size(); k > 1; k--) std::swap(order[k - 1], order[rng.below(k)]);
        cursor = 0;
      }
      batch.push_back(&train[order[cursor++]]);
    }
    auto t0 = std::chrono::steady_clock::now();
    std::vector<Rollout> ro = rollout(p, v, batch, cfg.G, gen, cfg.templ, cfg.weights, rng);
    L.rollout_s = seconds_since(t0);
    auto t1 = std::chrono::steady_clock::now();

    const size_t N = ro.size();
    std::vector<float> rewards(N);
    std::vector<int> lens(N);
    TokenRows rows;
    double gen_tokens = 0;
    for (size_t i = 0; i < N; i++) {
      rewards[i] = ro[i].rewards.total;
      L.reward += ro[i].rewards.total;
      L.accuracy += ro[i].rewards.accuracy;
      L.format += ro[i].rewards.format;
      L.language += ro[i].rewards.language;
      lens[i] = (int)ro[i].completion.size();
      L.resp_len += lens[i];
      gen_tokens += lens[i];
      std::vector<int> toks = ro[i].prompt;
      toks.insert(toks.end(), ro[i].completion.begin(), ro[i].completion.end());
      std::vector<uint8_t> want(toks.size(), 0);
      for (size_t t = ro[i].prompt.size(); t < toks.size(); t++) want[t] = 1;
      rows.segment.emplace_back(toks.size(), 1);
      rows.tokens.push_back(std::move(toks));
      rows.want.push_back(std::move(want));
    }
    L.rollout_tok_s = L.rollout_s > 0 ? gen_tokens / L.rollout_s : 0;
    L.reward /= N, L.accuracy /= N, L.format /= N, L.language /= N, L.resp_len /= N;
    L.zero_var = zero_variance_share(rewards, cfg.G);
    std::vector<float> adv = group_advantages(rewards, cfg.G, cfg.scale_by_std);
    std::vector<double> w = sequence_token_weights(lens, cfg.norm, cfg.max_new);

    // old_lp: the behaviour log-probs, recorded by the first inner pass (the
    // policy has not moved yet, so rho = 1 exactly there).
    std::vector<std::vector<float>> old_lp(N), ref_lp, ent;
    if (ref) ref->logprobs(rows, &ref_lp, nullptr);
    bool any_signal = false;
    for (float a : adv) any_signal |= a != 0.0f;
    double kl_sum = 0, clip_n = 0, term_n = 0;
    if (!any_signal && !ref) {  // every group had zero variance and no KL: nothing to learn
      p.logprobs(rows, &old_lp, &ent);
    } else {
      for (int it = 0; it < cfg.inner; it++) {
        const bool last = it == cfg.inner - 1;
        auto seeds = [&](size_t i, const std::vector<float>& lp, std::vector<float>& d) {
          if (it == 0) old_lp[i] = lp;
          for (size_t t = ro[i].prompt.size(); t < rows.tokens[i].size(); t++) {
            TokenTerm tt = grpo_token(lp[t], old_lp[i][t], ref ? ref_lp[i][t] : lp[t], adv[i], cfg.eps_lo,
                                      cfg.eps_hi, ref ? cfg.beta : 0.0);
            d[t] = (float)(w[i] * tt.grad);
            if (last) {
              kl_sum += tt.kl;
              clip_n += tt.clipped;
              term_n++;
            }
          }
        };
        p.zero_grad();
        p.backward_from_logprobs(rows, seeds, it == 0 ? &ent : nullptr);
        OptimConfig o = cfg.opt;
        if (step < cfg.warmup) o.lr *= (float)(step + 1) / (float)(cfg.warmup + 1);
        p.step(o);
      }
    }
    double ent_sum = 0, tok_n = 0;
    for (size_t i = 0; i < N; i++)
      for (size_t t = ro[i].prompt.size(); t < rows.tokens[i].size(); t++) ent_sum += ent[i][t], tok_n++;
    L.entropy = tok_n ? ent_sum / tok_n : 0;
    L.kl = term_n ? kl_sum / term_n : 0;
    L.clip_frac = term_n ? clip_n / term_n : 0;
    L.update_s = seconds_since(t1);
    logs.push_back(L);
    if (on_step) on_step(L);
  }
  return logs;
}

}  // namespace r1::rl
