#include "eval/evaluate.h"

#include "rl/grpo.h"
#include "rl/reward.h"
#include "rl/verify.h"

namespace r1::eval {

Summary evaluate(rl::Policy& p, const rl::CharVocab& v, const std::vector<rl::Problem>& problems,
                 const EvalConfig& cfg, std::vector<ProblemResult>* per, std::vector<std::string>* first) {
  Rng rng(cfg.seed);
  rl::GenConfig gen;
  gen.max_new = cfg.max_new;
  gen.temperature = cfg.temperature;
  gen.top_p = cfg.top_p;
  gen.stop = {v.eos()};
  std::vector<ProblemResult> rs(problems.size());
  if (first) first->assign(problems.size(), "");
  const size_t chunk = 128;
  for (size_t c0 = 0; c0 < problems.size(); c0 += chunk) {
    std::vector<const rl::Problem*> batch;
    for (size_t i = c0; i < problems.size() && i < c0 + chunk; i++) batch.push_back(&problems[i]);
    auto ro = rl::rollout(p, v, batch, cfg.k, gen, cfg.templ, rl::RewardWeights{}, rng);
    std::vector<std::vector<std::string>> texts(batch.size());
    for (auto& r : ro) {
      auto& pr = rs[c0 + (size_t)r.problem];
      pr.n++;
      pr.correct += r.rewards.accuracy > 0;
      pr.formatted += r.rewards.format > 0;
      pr.mean_len += (double)r.completion.size();
      texts[(size_t)r.problem].push_back(r.text);
    }
    for (size_t i = 0; i < batch.size(); i++) {
      auto& pr = rs[c0 + i];
      if (pr.n) pr.mean_len /= pr.n;
      pr.cons = cons_at_k(*batch[i], texts[i]);
      if (first && !texts[i].empty()) (*first)[c0 + i] = texts[i][0];
    }
    if (cfg.greedy) {
      rl::GenConfig g = gen;
      g.temperature = 0;
      auto gr = rl::rollout(p, v, batch, 1, g, cfg.templ, rl::RewardWeights{}, rng);
      for (auto& r : gr) rs[c0 + (size_t)r.problem].greedy = r.rewards.accuracy > 0;
    }
  }
  if (per) *per = rs;
  return summarize(rs, cfg.k);
}

std::vector<ProbeResult> perturbation_probes(rl::Policy& p, const rl::CharVocab& v,
                                             const std::vector<rl::Problem>& problems, const EvalConfig& cfg) {
  Rng rng(cfg.seed ^ 0x5eed);
  std::vector<rl::Problem> num, shuf, dist;
  for (auto& q : problems) {
    num.push_back(rl::perturb_numbers(q, rng));
    shuf.push_back(rl::perturb_shuffle(q, rng));
    dist.push_back(rl::perturb_distract(q, rng));
  }
  EvalConfig c = cfg;
  c.greedy = false;
  std::vector<ProbeResult> out;
  double base = 0;
  for (auto& [name, set] : std::vector<std::pair<std::string, const std::vector<rl::Problem>*>>{
           {"original", &problems}, {"numbers", &num}, {"shuffle", &shuf}, {"distract", &dist}}) {
    ProbeResult r;
    r.name = name;
    r.problems = (int)set->size();
    r.pass1 = evaluate(p, v, *set, c).pass1;
    if (name == "original") base = r.pass1;
    r.drop = base - r.pass1;
    out.push_back(r);
  }
  return out;
}

DecompResult subtask_decomposition(rl::Policy& p, const rl::CharVocab& v, const std::vector<rl::Problem>& problems,
                                   const EvalConfig& cfg) {
  std::vector<rl::Problem> whole, parts;
  std::vector<std::pair<size_t, size_t>> span;  // parts of whole[i]
  for (auto& q : problems) {
    if (q.subtasks.empty()) continue;
    span.push_back({parts.size(), parts.size() + q.subtasks.size()});
    whole.push_back(q);
    for (auto& s : q.subtasks) parts.push_back(s);
  }
  DecompResult d;
  d.problems = (int)whole.size();
  d.parts = (int)parts.size();
  if (whole.empty()) return d;
  std::vector<ProblemResult> pw, pp;
  d.whole_pass1 = evaluate(p, v, whole, cfg, &pw).pass1;
  d.parts_pass1 = evaluate(p, v, parts, cfg, &pp).pass1;
  int n = 0;
  for (size_t i = 0; i < whole.size(); i++) {
    bool all = true;
    for (size_t j = span[i].first; j < span[i].second; j++) all &= pp[j].greedy;
    n += all && !pw[i].greedy;
  }
  d.all_parts_solved_whole_wrong = (double)n / (double)whole.size();
  return d;
}

}  // namespace r1::eval
