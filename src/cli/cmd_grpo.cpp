// r1 grpo: GRPO on verifiable problems from a model folder.
#include <cstdio>

#include "base/json.h"
#include "base/progress.h"
#include "cli/registry.h"
#include "cli/rl_args.h"
#include "rl/checkpoint.h"
#include "rl/grpo.h"

using namespace r1;

static int cmd_grpo(int argc, char** argv) {
  CLI::App app{"GRPO with rule-based rewards (accuracy, format, language consistency)", "r1 grpo"};
  std::string model, out, norm = "sequence", log_path;
  int threads = 0;
  bool dr = false;
  cli::ProblemArgs pa;
  pa.n = 2000;
  rl::GrpoConfig g;
  g.opt.lr = 5e-4f;
  g.opt.beta2 = 0.99f;
  app.add_option("--model", model, "model folder to start from")->required();
  app.add_option("--out", out, "output model folder")->required();
  pa.add(app, "train");
  app.add_option("--steps", g.steps)->capture_default_str();
  app.add_option("--prompts-per-step", g.prompts_per_step)->capture_default_str();
  app.add_option("-G,--group", g.G, "samples per prompt")->capture_default_str();
  app.add_option("--inner", g.inner, "policy updates per rollout batch")->capture_default_str();
  app.add_option("--max-new", g.max_new)->capture_default_str();
  app.add_option("--temperature", g.temperature)->capture_default_str();
  app.add_option("--eps", g.eps_lo, "clip range (low side; --eps-high for the upper)")->capture_default_str();
  app.add_option("--eps-high", g.eps_hi)->capture_default_str();
  app.add_option("--beta", g.beta, "k3 KL coefficient (0: no reference)")->capture_default_str();
  app.add_option("--ref-reset", g.ref_reset, "reset the reference every N steps (0: never)")->capture_default_str();
  app.add_option("--norm", norm, "sequence, token (DAPO) or constant (Dr.GRPO)")->capture_default_str();
  app.add_flag("--dr-grpo", dr, "Dr.GRPO: advantages without std scaling, constant normaliser");
  app.add_option("--lr", g.opt.lr)->capture_default_str();
  app.add_option("--warmup", g.warmup, "linear learning-rate warm-up steps")->capture_default_str();
  app.add_option("--w-format", g.weights.format, "format reward weight")->capture_default_str();
  app.add_option("--w-language", g.weights.language, "language consistency reward weight")->capture_default_str();
  app.add_option("--log", log_path, "write per-step logs (JSON) here");
  cli::add_threads_flag(app, threads);
  R1_PARSE(app, argc, argv);
  set_threads(threads);
  R1_CHECK(g.steps > 0 && g.prompts_per_step > 0 && g.G >= 2 && g.inner >= 1 && g.max_new > 0 && g.warmup >= 0,
           "grpo: --steps, --prompts-per-step, --inner, --max-new must be positive, --warmup >= 0 and -G >= 2");
  R1_CHECK(g.eps_lo > 0 && g.eps_lo < 1 && g.eps_hi > 0 && g.beta >= 0 && g.opt.lr > 0, "grpo: bad --eps/--beta/--lr");
  if (norm == "sequence") g.norm = rl::LossNorm::Sequence;
  else if (norm == "token") g.norm = rl::LossNorm::Token;
  else if (norm == "constant") g.norm = rl::LossNorm::Constant;
  else r1::fail("--norm must be sequence, token or constant, got '", norm, "'");
  if (dr) g.scale_by_std = false, g.norm = rl::LossNorm::Constant;
  g.templ = pa.template_kind();
  rl::Model m = rl::load_model(model);
  auto train = pa.load();
  Progress pr("grpo", g.steps);
  json logs = json::array();
  auto L = rl::grpo_train(*m.policy, m.vocab, train, g, pa.seed, [&](const rl::GrpoStepLog& s) {
    char b[200];
    snprintf(b, sizeof b, "reward %.3f acc %.3f fmt %.3f lang %.3f len %.1f kl %.4f clip %.3f ent %.3f zv %.2f",
             s.reward, s.accuracy, s.format, s.language, s.resp_len, s.kl, s.clip_frac, s.entropy, s.zero_var);
    if (s.step + 1 == g.steps) pr.finish(b);
    else pr.update(s.step + 1, b);
    logs.push_back({{"step", s.step}, {"reward", s.reward}, {"accuracy", s.accuracy}, {"format", s.format},
                    {"language", s.language}, {"response_len", s.resp_len}, {"kl", s.kl}, {"clip_frac", s.clip_frac},
                    {"entropy", s.entropy}, {"zero_var_share", s.zero_var}, {"rollout_s", s.rollout_s},
                    {"update_s", s.update_s}, {"rollout_tokens_per_s", s.rollout_tok_s}});
  });
  rl::save_model(out, *m.policy, m.vocab);
  double ro = 0, up = 0;
  for (auto& s : L) ro += s.rollout_s, up += s.update_s;
  printf("grpo: %d steps, last reward %.3f accuracy %.3f; time rollout %.1fs update %.1fs -> %s\n", g.steps,
         L.back().reward, L.back().accuracy, ro, up, out.c_str());
  if (!log_path.empty()) write_file_atomic(log_path, logs.dump(1) + "\n");
  return 0;
}
R1_COMMAND("grpo", "GRPO on verifiable tasks (group-normalised advantages, clipped ratio, k3 KL)", cmd_grpo);
