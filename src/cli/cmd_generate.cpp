// r1 generate: batched sampling from a checkpoint folder; prints text when the
// folder has tokenizer.json (and the tokenizer is built in), ids otherwise.
#include <sys/stat.h>

#include <cstdio>

#include "base/error.h"
#include "base/json.h"
#include "cli/common.h"
#include "cli/registry.h"
#include "infer/generator.h"
#include "model/model.h"
#if __has_include("tokenizer/tokenizer.h")
#include "tokenizer/tokenizer.h"
#define R1_HAVE_TOKENIZER 1
#endif

namespace {

bool exists(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0;
}

int cmd_generate(int argc, char** argv) {
  CLI::App app{"Generate continuations of one or more prompts", "r1 generate"};
  std::string model_dir, prompt, tokens_path;
  int64_t n = 64;
  int threads = 0, batch = 32;
  r1::SamplingParams sp;
  std::vector<std::string> stops;
  app.add_option("--model", model_dir, "Hugging Face model folder")->required();
  auto* po = app.add_option("--prompt", prompt, "prompt text (needs tokenizer.json in the model folder)");
  auto* to = app.add_option("--tokens", tokens_path, "JSON {\"tokens\": [[ids...], ...]}: one prompt per sequence");
  po->excludes(to);
  app.add_option("-n,--max-tokens", n, "maximum new tokens per sequence")->default_val(64);
  app.add_option("--temperature", sp.temperature, "sampling temperature (0 = greedy)")->default_val(0.0);
  app.add_option("--top-k", sp.top_k, "keep the k most likely tokens (0 = off)")->default_val(0);
  app.add_option("--top-p", sp.top_p, "nucleus sampling mass (1 = off)")->default_val(1.0);
  app.add_option("--min-p", sp.min_p, "drop tokens below min_p * p_max (0 = off)")->default_val(0.0);
  app.add_option("--repetition-penalty", sp.repetition_penalty, "HF-style repetition penalty (1 = off)")->default_val(1.0);
  app.add_option("--seed", sp.seed, "random seed")->default_val(0);
  app.add_option("--stop", stops, "stop sequence (text with a tokenizer, else space-separated ids); repeatable");
  app.add_option("--batch", batch, "maximum sequences decoded together")->default_val(32);
  r1::cli::add_threads_flag(app, threads);
  R1_PARSE(app, argc, argv);
  r1::set_threads(threads);
  R1_CHECK(!prompt.empty() || !tokens_path.empty(), "generate: give --prompt TEXT or --tokens FILE");
  R1_CHECK(n >= 0, "generate: --max-tokens must be >= 0");
  R1_CHECK(sp.top_p > 0 && sp.top_p <= 1, "generate: --top-p must be in (0, 1]");
  R1_CHECK(sp.repetition_penalty > 0, "generate: --repetition-penalty must be > 0");

  const bool has_tok_file = exists(model_dir + "/tokenizer.json");
#ifdef R1_HAVE_TOKENIZER
  std::unique_ptr<r1::Tokenizer> tok;
  if (has_tok_file) tok = std::make_unique<r1::Tokenizer>(r1::Tokenizer::load(model_dir + "/tokenizer.json"));
#endif
  std::vector<std::vector<int32_t>> prompts;
  if (!tokens_path.empty()) {
    r1::json j = r1::read_json_file(tokens_path);
    R1_CHECK(j.is_object() && j.contains("tokens") && j["tokens"].is_array(), tokens_path,
             ": expected {\"tokens\": [[ids...], ...]}");
    for (size_t s = 0; s < j["tokens"].size(); ++s) {
      const auto& a = j["tokens"][s];
      R1_CHECK(a.is_array() && !a.empty(), tokens_path, ": tokens[", s, "] is not a non-empty array");
      std::vector<int32_t> v;
      for (size_t i = 0; i < a.size(); ++i) {
        R1_CHECK(a[i].is_number_integer() && a[i].get<int64_t>() >= 0 && a[i].get<int64_t>() < (1ll << 31),
                 tokens_path, ": tokens[", s, "][", i, "] = ", a[i].dump(), " is not a token id");
        v.push_back((int32_t)a[i].get<int64_t>());
      }
      prompts.push_back(std::move(v));
    }
  } else {
#ifdef R1_HAVE_TOKENIZER
    R1_CHECK(tok != nullptr, model_dir, ": no tokenizer.json, so --prompt cannot be encoded; use --tokens");
    prompts.push_back(tok->encode(prompt, true));
#else
    r1::fail("generate: this build has no tokenizer; use --tokens");
#endif
  }
  auto model = r1::load_model(model_dir);
  for (size_t s = 0; s < prompts.size(); ++s)
    for (size_t i = 0; i < prompts[s].size(); ++i)
      R1_CHECK(prompts[s][i] < model->vocab_size(), (tokens_path.empty() ? "prompt" : tokens_path), ": tokens[", s, "][",
               i, "] = ", prompts[s][i], " is outside the vocabulary (vocab_size ", model->vocab_size(), ")");
  std::vector<std::vector<int32_t>> stop_ids;
  for (auto& s : stops) {
#ifdef R1_HAVE_TOKENIZER
    if (tok) {
      stop_ids.push_back(tok->encode(s, false));
      continue;
    }
#endif
    std::vector<int32_t> ids;
    size_t pos = 0;
    while (pos < s.size()) {
      size_t e = s.find(' ', pos);
      std::string w = s.substr(pos, e == std::string::npos ? std::string::npos : e - pos);
      if (!w.empty()) {
        R1_CHECK(w.find_first_not_of("0123456789") == std::string::npos && w.size() < 10, "--stop: '", s,
                 "' is not a list of token ids (no tokenizer)");
        ids.push_back(std::stoi(w));
      }
      if (e == std::string::npos) break;
      pos = e + 1;
    }
    stop_ids.push_back(ids);
  }
  std::vector<r1::GenRequest> reqs;
  for (size_t i = 0; i < prompts.size(); ++i) {
    r1::GenRequest r;
    r.prompt = prompts[i];
    r.sampling = sp;
    r.sampling.seed = sp.seed + i;
    r.max_new_tokens = n;
    r.stop_sequences = stop_ids;
    reqs.push_back(std::move(r));
  }
  r1::Generator gen(*model, batch);
  r1::GenStats st;
  auto res = gen.generate(reqs, &st);
  for (size_t i = 0; i < res.size(); ++i) {
    bool printed = false;
#ifdef R1_HAVE_TOKENIZER
    if (tok) {
      printf("[%zu] %s\n", i, tok->decode(res[i].tokens).c_str());
      printed = true;
    }
#endif
    if (!printed) {
      printf("[%zu]", i);
      for (int32_t t : res[i].tokens) printf(" %d", t);
      printf("\n");
    }
    fprintf(stderr, "[%zu] finish: %s, %zu tokens\n", i, r1::finish_reason_name(res[i].finish), res[i].tokens.size());
  }
  (void)has_tok_file;
  printf("stats: prompt %lld tok in %.3f s (%.1f tok/s), decode %lld tok in %.3f s (%.1f tok/s), "
         "KV cache %lld bytes/token, peak RSS %.1f MiB\n",
         (long long)st.prompt_tokens, st.prefill_seconds, st.prompt_tokens / std::max(st.prefill_seconds, 1e-9),
         (long long)st.decode_tokens, st.decode_seconds, st.decode_tokens / std::max(st.decode_seconds, 1e-9),
         (long long)st.kv_bytes_per_token, r1::peak_rss_bytes() / 1048576.0);
  return 0;
}

}  // namespace

R1_COMMAND("generate", "generate text or token ids from a model folder (batched, sampled)", cmd_generate);
