// r1 sft: supervised fine-tuning of a model folder on reasoning traces,
// loss on the assistant turn only, samples packed without cross-attention.
#include <cstdio>

#include "base/json.h"
#include "base/progress.h"
#include "cli/registry.h"
#include "cli/rl_args.h"
#include "rl/checkpoint.h"
#include "rl/reward.h"
#include "rl/sft.h"
#include "rl/verify.h"

using namespace r1;

// JSONL lines {"prompt", "response"} (a full response with tags) or
// {"prompt", "trace", "answer"} (as `r1 recipe` writes its data sets).
static std::vector<rl::SftSample> load_sft(const std::string& path, const rl::CharVocab& v, rl::Template t) {
  std::vector<rl::SftSample> out;
  int bad = 0, n = 0;
  std::string text = read_text_file(path);
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find('\n', i);
    if (j == std::string::npos) j = text.size();
    std::string line = text.substr(i, j - i);
    i = j + 1;
    if (rl::trim(line).empty()) continue;
    n++;
    json o;
    try {
      o = json::parse(line);
    } catch (const std::exception&) {
      bad++;
      continue;
    }
    if (!o.is_object() || !o.contains("prompt") || !o["prompt"].is_string()) {
      bad++;
      continue;
    }
    std::string resp;
    if (o.contains("response") && o["response"].is_string()) resp = o["response"].get<std::string>();
    else if (o.contains("trace") && o["trace"].is_string() && o.contains("answer") && o["answer"].is_string())
      resp = rl::render_response(o["trace"].get<std::string>(), o["answer"].get<std::string>());
    if (resp.empty() || rl::format_reward(resp) < 1) {
      bad++;
      continue;
    }
    rl::Encoded e = rl::encode_example(v, t, o["prompt"].get<std::string>(), resp);
    out.push_back({e.tokens, e.loss_mask});
  }
  fprintf(stderr, "%s: %d lines, %zu samples, %d skipped (malformed or badly formatted response)\n", path.c_str(), n,
          out.size(), bad);
  R1_CHECK(!out.empty(), path, ": no usable SFT samples");
  return out;
}

static int cmd_sft(int argc, char** argv) {
  CLI::App app{"Supervised fine-tuning on reasoning traces (loss on assistant tokens only)", "r1 sft"};
  std::string model, data, out, templ = "chat";
  int threads = 0;
  uint64_t seed = 1;
  rl::SftConfig c;
  c.opt.lr = 1e-3f;
  app.add_option("--model", model, "model folder to start from")->required();
  app.add_option("--data", data, "JSONL {prompt, response} or {prompt, trace, answer}")->required();
  app.add_option("--out", out, "output model folder")->required();
  app.add_option("--steps", c.steps)->capture_default_str();
  app.add_option("--batch", c.batch, "samples per step")->capture_default_str();
  app.add_option("--lr", c.opt.lr)->capture_default_str();
  app.add_option("--template", templ, "chat or zero")->capture_default_str();
  app.add_option("--seed", seed)->capture_default_str();
  cli::add_threads_flag(app, threads);
  R1_PARSE(app, argc, argv);
  set_threads(threads);
  R1_CHECK(c.steps > 0 && c.batch > 0 && c.opt.lr > 0, "--steps, --batch and --lr must be positive");
  R1_CHECK(templ == "chat" || templ == "zero", "--template must be chat or zero");
  rl::Model m = rl::load_model(model);
  auto samples = load_sft(data, m.vocab, templ == "chat" ? rl::Template::Chat : rl::Template::Zero);
  Progress pr("sft", c.steps);
  auto log = rl::sft_train(*m.policy, samples, c, seed, [&](int s, double loss) {
    char b[48];
    snprintf(b, sizeof b, "loss %.4f", loss);
    if (s + 1 == c.steps) pr.finish(b);
    else pr.update(s + 1, b);
  });
  rl::save_model(out, *m.policy, m.vocab);
  printf("sft: %d steps, final loss %.4f, %.0f tokens trained, %.1fs -> %s\n", c.steps, log.loss.back(), log.tokens,
         log.wall_s, out.c_str());
  return 0;
}
R1_COMMAND("sft", "supervised fine-tuning on reasoning traces (cold start, rejection-sampled data)", cmd_sft);
