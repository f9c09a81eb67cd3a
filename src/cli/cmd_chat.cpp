// r1 chat: talk to a model folder; the reasoning (<think>) is shown apart
// from the answer.
#include <cstdio>
#include <unistd.h>

#include <iostream>

#include "base/error.h"
#include "cli/common.h"
#include "cli/registry.h"
#include "rl/checkpoint.h"
#include "rl/grpo.h"
#include "rl/reward.h"
#include "rl/verify.h"

using namespace r1;

static void answer_one(rl::Model& m, const std::string& q, rl::Template t, const rl::GenConfig& g, Rng& rng) {
  auto prompt = m.vocab.encode(rl::render_prompt(t, q));
  auto out = m.policy->generate({prompt}, g, rng);
  std::string text = rl::completion_text(m.vocab, out[0]);
  std::string reasoning = rl::reasoning_of(text);
  auto ans = rl::extract_answer(text);
  printf("reasoning: %s\n", reasoning.empty() ? "(none)" : rl::trim(reasoning).c_str());
  printf("answer:    %s\n", ans ? ans->c_str() : "(no single final answer)");
  fflush(stdout);
}

static int cmd_chat(int argc, char** argv) {
  CLI::App app{"Chat with a model; reasoning and answer are shown apart", "r1 chat"};
  std::string model, prompt, templ = "chat";
  int threads = 0;
  uint64_t seed = 0;
  rl::GenConfig g;
  g.temperature = 0.6f;
  g.top_p = 0.95f;
  app.add_option("--model", model, "model folder")->required();
  app.add_option("-p,--prompt", prompt, "one question (otherwise read questions from stdin, one per line)");
  app.add_option("--temperature", g.temperature)->capture_default_str();
  app.add_option("--top-p", g.top_p)->capture_default_str();
  app.add_option("--max-new", g.max_new)->capture_default_str();
  app.add_option("--template", templ, "chat or zero")->capture_default_str();
  app.add_option("--seed", seed)->capture_default_str();
  cli::add_threads_flag(app, threads);
  R1_PARSE(app, argc, argv);
  set_threads(threads);
  R1_CHECK(templ == "chat" || templ == "zero", "--template must be chat or zero");
  R1_CHECK(g.max_new >= 1 && g.temperature >= 0 && g.top_p > 0 && g.top_p <= 1, "bad sampling settings");
  rl::Model m = rl::load_model(model);
  g.stop = {m.vocab.eos()};
  rl::Template t = templ == "chat" ? rl::Template::Chat : rl::Template::Zero;
  Rng rng(seed);
  if (!prompt.empty()) {
    answer_one(m, prompt, t, g, rng);
    return 0;
  }
  std::string line;
  if (isatty(0)) fprintf(stderr, "r1 chat: type a question (e.g. 47+85), empty line or Ctrl-D to quit\n> ");
  while (std::getline(std::cin, line)) {
    if (rl::trim(line).empty()) break;
    answer_one(m, rl::trim(line), t, g, rng);
    if (isatty(0)) fprintf(stderr, "> ");
  }
  return 0;
}
R1_COMMAND("chat", "chat with a model (reasoning shown apart from the answer)", cmd_chat);
