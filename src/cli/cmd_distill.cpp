// r1 distill: a teacher's verified reasoning traces train a smaller dense
// student by SFT (R1 §2.4).
#include <cstdio>

#include "base/progress.h"
#include "cli/registry.h"
#include "cli/rl_args.h"
#include "rl/checkpoint.h"
#include "rl/rejection.h"
#include "rl/window_lm.h"

using namespace r1;

static int cmd_distill(int argc, char** argv) {
  CLI::App app{"Distil a teacher's sampled reasoning into a smaller dense student (SFT)", "r1 distill"};
  std::string teacher, student_dir, out;
  int threads = 0, hidden = 96, layers = 1;
  cli::ProblemArgs pa;
  pa.n = 1500;
  rl::RejectionConfig rc;
  rc.temperature = 0.6f;
  rl::SftConfig c;
  c.steps = 200;
  c.opt.lr = 2e-3f;
  app.add_option("--teacher", teacher, "teacher model folder")->required();
  app.add_option("--student", student_dir, "student model folder to start from (default: a fresh small model)");
  app.add_option("--out", out, "output student folder")->required();
  app.add_option("--hidden", hidden, "fresh student: hidden size")->capture_default_str();
  app.add_option("--layers", layers, "fresh student: hidden layers (1 or 2)")->capture_default_str();
  pa.add(app, "train");
  app.add_option("-k", rc.k, "teacher samples per prompt")->capture_default_str();
  app.add_option("--steps", c.steps)->capture_default_str();
  app.add_option("--lr", c.opt.lr)->capture_default_str();
  cli::add_threads_flag(app, threads);
  R1_PARSE(app, argc, argv);
  set_threads(threads);
  rl::Model t = rl::load_model(teacher);
  auto ps = pa.load();
  rc.templ = pa.template_kind();
  rl::RejectionStats st;
  auto data = rl::rejection_sample(*t.policy, t.vocab, ps, rc, pa.seed, &st);
  fprintf(stderr, "teacher traces: kept %d of %d (wrong %d, malformed %d, truncated %d)\n", st.kept, st.sampled, st.wrong,
          st.malformed, st.truncated);
  R1_CHECK(!data.empty(), "distill: the teacher produced no verified-correct traces");
  std::unique_ptr<rl::Policy> student;
  if (!student_dir.empty()) {
    rl::Model s = rl::load_model(student_dir);
    R1_CHECK(s.vocab.size() == t.vocab.size(), "distill: student and teacher vocabularies differ");
    student = std::move(s.policy);
  } else {
    rl::WindowLMConfig sc;
    sc.vocab = t.vocab.size();
    sc.hidden = hidden;
    sc.layers = layers;
    student = std::make_unique<rl::WindowLM>(sc, pa.seed);
  }
  Progress pr("distill", c.steps);
  auto log = rl::sft_train(*student, data, c, pa.seed + 1, [&](int s, double loss) {
    char b[48];
    snprintf(b, sizeof b, "loss %.4f", loss);
    if (s + 1 == c.steps) pr.finish(b);
    else pr.update(s + 1, b);
  });
  rl::save_model(out, *student, t.vocab);
  printf("distill: %zu teacher traces, student %lld params, final loss %.4f -> %s\n", data.size(),
         (long long)student->param_count(), log.loss.back(), out.c_str());
  return 0;
}
R1_COMMAND("distill", "distil a teacher's verified reasoning traces into a smaller dense student", cmd_distill);
