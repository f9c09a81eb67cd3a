// r1 logits: every position's logits for a batch of token sequences, as raw
// little-endian f32 [sequence][position][vocab], zero-padded to the longest.
#include <cstdio>
#include <cstring>

#include "base/error.h"
#include "base/json.h"
#include "cli/common.h"
#include "cli/registry.h"
#include "model/model.h"

namespace {

std::vector<std::vector<int32_t>> read_token_file(const std::string& path) {
  r1::json j = r1::read_json_file(path);
  R1_CHECK(j.is_object() && j.contains("tokens") && j["tokens"].is_array(), path, ": expected {\"tokens\": [[ids...], ...]}");
  std::vector<std::vector<int32_t>> seqs;
  for (size_t s = 0; s < j["tokens"].size(); ++s) {
    const auto& a = j["tokens"][s];
    R1_CHECK(a.is_array(), path, ": tokens[", s, "] is not an array");
    std::vector<int32_t> v;
    for (size_t i = 0; i < a.size(); ++i) {
      R1_CHECK(a[i].is_number_integer() && a[i].get<int64_t>() >= 0 && a[i].get<int64_t>() < (1ll << 31), path,
               ": tokens[", s, "][", i, "] = ", a[i].dump(), " is not a token id");
      v.push_back((int32_t)a[i].get<int64_t>());
    }
    seqs.push_back(std::move(v));
  }
  return seqs;
}

int cmd_logits(int argc, char** argv) {
  CLI::App app{"Write the logits at every position of token sequences (f32 LE [seq][pos][vocab], zero-padded)",
               "r1 logits"};
  std::string model_dir, tokens_path, out_path;
  bool decode = false;
  int threads = 0;
  app.add_option("--model", model_dir, "Hugging Face model folder")->required();
  app.add_option("--tokens", tokens_path, "JSON {\"tokens\": [[ids...], ...]}")->required();
  app.add_option("--out", out_path, "output file")->required();
  app.add_flag("--decode", decode, "feed every position one token at a time through the latent-cache decode path");
  r1::cli::add_threads_flag(app, threads);
  R1_PARSE(app, argc, argv);
  r1::set_threads(threads);

  auto seqs = read_token_file(tokens_path);
  R1_CHECK(!seqs.empty(), tokens_path, ": no sequences");
  auto model = r1::load_model(model_dir);
  const int64_t V = model->vocab_size();
  for (size_t s = 0; s < seqs.size(); ++s)
    for (size_t i = 0; i < seqs[s].size(); ++i)
      R1_CHECK(seqs[s][i] < V, tokens_path, ": tokens[", s, "][", i, "] = ", seqs[s][i],
               " is outside the vocabulary (vocab_size ", V, ")");
  size_t S = 0;
  for (auto& q : seqs) S = std::max(S, q.size());
  std::string out(seqs.size() * S * V * sizeof(float), '\0');
  float* o = (float*)out.data();
  const int B = (int)seqs.size();
  r1::KVCache cache = model->make_cache(B);
  if (!decode) {
    std::vector<r1::Chunk> ch;
    for (int b = 0; b < B; ++b) ch.push_back({b, seqs[b].data(), (int64_t)seqs[b].size()});
    r1::Tensor lg = model->forward(ch, cache);
    int64_t row = 0;
    for (int b = 0; b < B; ++b)
      for (size_t i = 0; i < seqs[b].size(); ++i, ++row)
        std::memcpy(o + ((size_t)b * S + i) * V, lg.f32() + row * V, V * sizeof(float));
  } else {
    r1::ForwardOptions opt;
    opt.attn = r1::AttnImpl::Absorb;
    for (size_t i = 0; i < S; ++i) {
      std::vector<int> slots;
      std::vector<int32_t> last;
      for (int b = 0; b < B; ++b)
        if (i < seqs[b].size()) {
          slots.push_back(b);
          last.push_back(seqs[b][i]);
        }
      r1::Tensor lg = model->decode_step(slots, last, cache, opt);
      for (size_t k = 0; k < slots.size(); ++k)
        std::memcpy(o + ((size_t)slots[k] * S + i) * V, lg.f32() + k * V, V * sizeof(float));
    }
  }
  r1::write_file_atomic(out_path, out);
  fprintf(stderr, "wrote %s: [%d, %zu, %lld] f32\n", out_path.c_str(), B, S, (long long)V);
  return 0;
}

}  // namespace

R1_COMMAND("logits", "write per-position logits for token sequences (prefill or --decode)", cmd_logits);
