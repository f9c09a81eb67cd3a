// r1 eval: R1's evaluation protocol on a model folder.
#include <cstdio>

#include "base/json.h"
#include "cli/registry.h"
#include "cli/rl_args.h"
#include "eval/evaluate.h"
#include "rl/checkpoint.h"

using namespace r1;

static int cmd_eval(int argc, char** argv) {
  CLI::App app{"Evaluate a model: pass@1 over k samples (T 0.6, top-p 0.95), cons@k, greedy accuracy, length",
               "r1 eval"};
  std::string model, json_out;
  int threads = 0;
  cli::ProblemArgs pa;
  eval::EvalConfig ec;
  bool probes = false;
  app.add_option("--model", model, "model folder (policy.json, weights, vocab.json)")->required();
  pa.add(app, "heldout");
  app.add_option("-k", ec.k, "samples per problem")->capture_default_str();
  app.add_option("--temperature", ec.temperature)->capture_default_str();
  app.add_option("--top-p", ec.top_p)->capture_default_str();
  app.add_option("--max-new", ec.max_new, "max response tokens")->capture_default_str();
  app.add_flag("--probes", probes, "also run perturbation probes and sub-task decomposition");
  app.add_option("--json", json_out, "write the results as JSON here");
  cli::add_threads_flag(app, threads);
  R1_PARSE(app, argc, argv);
  set_threads(threads);
  R1_CHECK(ec.k >= 1, "-k must be >= 1");
  R1_CHECK(ec.max_new >= 1, "--max-new must be >= 1");
  R1_CHECK(ec.temperature >= 0 && ec.top_p > 0 && ec.top_p <= 1, "--temperature >= 0 and 0 < --top-p <= 1");
  rl::Model m = rl::load_model(model);
  auto ps = pa.load();
  ec.templ = pa.template_kind();
  ec.seed = pa.seed;
  auto s = eval::evaluate(*m.policy, m.vocab, ps, ec);
  printf("problems %d  k %d\npass@1 %.4f  pass@%d %.4f  cons@%d %.4f  greedy %.4f  format %.4f  mean length %.1f\n",
         s.problems, s.k, s.pass1, s.k, s.pass_k, s.k, s.cons_k, s.greedy_acc, s.format_rate, s.mean_len);
  json j = {{"problems", s.problems}, {"k", s.k},           {"pass1", s.pass1},           {"pass_k", s.pass_k},
            {"cons_k", s.cons_k},     {"greedy", s.greedy_acc}, {"format_rate", s.format_rate}, {"mean_len", s.mean_len}};
  if (probes) {
    auto pr = eval::perturbation_probes(*m.policy, m.vocab, ps, ec);
    for (auto& p : pr) {
      printf("probe %-9s pass@1 %.4f  drop %+.4f\n", p.name.c_str(), p.pass1, p.drop);
      j["probes"][p.name] = {{"pass1", p.pass1}, {"drop", p.drop}};
    }
    auto d = eval::subtask_decomposition(*m.policy, m.vocab, ps, ec);
    printf("sub-tasks: whole pass@1 %.4f over %d problems, parts pass@1 %.4f over %d parts\n", d.whole_pass1,
           d.problems, d.parts_pass1, d.parts);
    j["subtasks"] = {{"whole_pass1", d.whole_pass1}, {"parts_pass1", d.parts_pass1}};
  }
  if (!json_out.empty()) write_file_atomic(json_out, j.dump(2) + "\n");
  return 0;
}
R1_COMMAND("eval", "evaluate a model on verifiable problems (pass@1, cons@k, greedy, length, probes)", cmd_eval);
