// Writes a seeded random dense model as a Hugging Face folder (config.json +
// BF16 model.safetensors), shaped like DeepSeek-R1-Distill-Qwen-1.5B by default,
// and optionally the same weights (bit for bit) as a llama.cpp GGUF, so both
// engines run identical BF16 numbers.
//
// The GGUF is written here because llama.cpp's convert_hf_to_gguf.py imports
// torch and transformers, which this machine's Debian has no package for
// (transformers). Mapping (the one convert_hf_to_gguf.py uses for Qwen2):
// token_embd, blk.N.{attn_norm, attn_q/k/v (+bias), attn_output, ffn_norm,
// ffn_gate, ffn_up, ffn_down}, output_norm, output; HF [out, in] row-major is
// ggml ne = [in, out] with the same bytes; 1-D tensors are stored F32. The
// vocabulary is synthetic (the 256 byte-level tokens + fillers): the benchmark
// feeds token ids, never text.
//
//   bench_dense_gen --out DIR [--gguf FILE] [--seed N] [--layers N] [--hidden N]
//                   [--heads N] [--kv-heads N] [--intermediate N] [--vocab N] [--arch qwen2|llama]
#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/json.h"
#include "base/rng.h"
#include "formats/dense_config.h"
#include "tensor/dtype.h"
#include "gguf_writer.h"

using namespace r1;

namespace {

struct Spec {
  std::string hf, gguf;  // names
  std::vector<int64_t> shape;  // HF shape [out, in] or [n]
  double std_ = 0, mean = 0;   // values: mean + std * U(-sqrt3, sqrt3)
  int64_t numel() const {
    int64_t n = 1;
    for (auto d : shape) n *= d;
    return n;
  }
};

std::vector<Spec> specs(const DenseConfig& c) {
  const int64_t D = c.hidden_size, I = c.intermediate_size;
  std::vector<Spec> s;
  s.push_back({"model.embed_tokens.weight", "token_embd.weight", {c.vocab_size, D}, 1.0, 0});
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".", g = "blk." + std::to_string(l) + ".";
    s.push_back({p + "input_layernorm.weight", g + "attn_norm.weight", {D}, 0.1, 1.0});
    s.push_back({p + "self_attn.q_proj.weight", g + "attn_q.weight", {c.q_dim(), D}, 1.0 / std::sqrt((double)D), 0});
    s.push_back({p + "self_attn.k_proj.weight", g + "attn_k.weight", {c.kv_dim(), D}, 1.0 / std::sqrt((double)D), 0});
    s.push_back({p + "self_attn.v_proj.weight", g + "attn_v.weight", {c.kv_dim(), D}, 1.0 / std::sqrt((double)D), 0});
    if (c.qkv_bias) {
      s.push_back({p + "self_attn.q_proj.bias", g + "attn_q.bias", {c.q_dim()}, 0.1, 0});
      s.push_back({p + "self_attn.k_proj.bias", g + "attn_k.bias", {c.kv_dim()}, 0.1, 0});
      s.push_back({p + "self_attn.v_proj.bias", g + "attn_v.bias", {c.kv_dim()}, 0.1, 0});
    }
    s.push_back({p + "self_attn.o_proj.weight", g + "attn_output.weight", {D, c.q_dim()}, 1.0 / std::sqrt((double)c.q_dim()), 0});
    s.push_back({p + "post_attention_layernorm.weight", g + "ffn_norm.weight", {D}, 0.1, 1.0});
    s.push_back({p + "mlp.gate_proj.weight", g + "ffn_gate.weight", {I, D}, 1.0 / std::sqrt((double)D), 0});
    s.push_back({p + "mlp.up_proj.weight", g + "ffn_up.weight", {I, D}, 1.0 / std::sqrt((double)D), 0});
    s.push_back({p + "mlp.down_proj.weight", g + "ffn_down.weight", {D, I}, 1.0 / std::sqrt((double)I), 0});
  }
  s.push_back({"model.norm.weight", "output_norm.weight", {D}, 0.1, 1.0});
  if (!c.tie_word_embeddings) s.push_back({"lm_head.weight", "output.weight", {c.vocab_size, D}, 1.0 / std::sqrt((double)D), 0});
  return s;
}

// BF16 values of tensor i: its own stream (seed, i), uniform with the given std.
void fill(const Spec& s, uint64_t seed, size_t idx, std::vector<uint16_t>& out) {
  const int64_t n = s.numel();
  out.resize(n);
  const double a = std::sqrt(3.0) * s.std_;
  const int64_t blocks = (n + 65535) / 65536;
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < blocks; ++b) {
    Rng r(seed * 0x9E3779B97F4A7C15ull + idx * 0x100000001B3ull + (uint64_t)b);
    for (int64_t i = b * 65536; i < std::min(n, (b + 1) * 65536); ++i) {
      const double u = r.uniform() * 2.0 - 1.0;
      out[i] = f32_to_bf16((float)(s.mean + a * u));
    }
  }
}

void write_gguf(const std::string& path, const DenseConfig& c, const std::vector<Spec>& sp, uint64_t seed) {
  const std::string arch = c.arch == DenseArch::Qwen2 ? "qwen2" : "llama";
  bench::GgufWriter g;
  g.kv_str("general.architecture", arch);
  g.kv_str("general.name", "r1-bench-dense-random");
  g.kv_u32("general.file_type", 32);  // LLAMA_FTYPE_MOSTLY_BF16
  g.kv_u32("general.alignment", (uint32_t)bench::GgufWriter::kAlign);
  g.kv_u32(arch + ".block_count", (uint32_t)c.num_hidden_layers);
  g.kv_u32(arch + ".context_length", (uint32_t)c.max_position_embeddings);
  g.kv_u32(arch + ".embedding_length", (uint32_t)c.hidden_size);
  g.kv_u32(arch + ".feed_forward_length", (uint32_t)c.intermediate_size);
  g.kv_u32(arch + ".attention.head_count", (uint32_t)c.num_attention_heads);
  g.kv_u32(arch + ".attention.head_count_kv", (uint32_t)c.num_key_value_heads);
  g.kv_f32(arch + ".rope.freq_base", (float)c.rope_theta);
  g.kv_f32(arch + ".attention.layer_norm_rms_epsilon", (float)c.rms_norm_eps);
  if (c.arch == DenseArch::Llama) g.kv_u32(arch + ".rope.dimension_count", (uint32_t)c.head_dim);
  g.synthetic_gpt2_vocab(c.vocab_size, c.arch == DenseArch::Qwen2 ? "qwen2" : "llama-bpe",
                         std::max<int64_t>(0, c.bos_token_id), c.eos_token_ids.empty() ? 0 : c.eos_token_ids[0]);
  // 1-D tensors F32, matrices BF16.
  for (const Spec& s : sp) g.add_tensor(s.gguf, s.shape, s.shape.size() == 1 ? bench::GgufWriter::F32 : bench::GgufWriter::BF16);
  g.open(path);
  std::vector<uint16_t> v;
  for (size_t i = 0; i < sp.size(); ++i) {
    fill(sp[i], seed, i, v);
    if (sp[i].shape.size() == 1) {
      std::vector<float> f(v.size());
      for (size_t k = 0; k < v.size(); ++k) f[k] = bf16_to_f32(v[k]);  // exact widening
      g.write(i, 0, f.data(), f.size() * 4);
    } else {
      g.write(i, 0, v.data(), v.size() * 2);
    }
  }
  g.close();
}

void write_hf(const std::string& dir, const DenseConfig& c, const std::vector<Spec>& sp, uint64_t seed) {
  std::filesystem::create_directories(dir);
  write_file_atomic(dir + "/config.json", c.to_json().dump(2) + "\n");
  json h = json::object();
  h["__metadata__"] = {{"format", "pt"}};
  uint64_t cur = 0;
  std::vector<uint64_t> off(sp.size());
  for (size_t i = 0; i < sp.size(); ++i) {
    off[i] = cur;
    const uint64_t n = (uint64_t)sp[i].numel() * 2;
    h[sp[i].hf] = {{"dtype", "BF16"}, {"shape", sp[i].shape}, {"data_offsets", {cur, cur + n}}};
    cur += n;
  }
  std::string hs = h.dump();
  while (hs.size() % 8) hs += ' ';
  const std::string path = dir + "/model.safetensors";
  int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0644);
  R1_CHECK(fd >= 0, path, ": cannot create");
  const uint64_t hl = hs.size();
  bench::pwrite_all(fd, &hl, 8, 0, path);
  bench::pwrite_all(fd, hs.data(), hs.size(), 8, path);
  std::vector<uint16_t> v;
  for (size_t i = 0; i < sp.size(); ++i) {
    fill(sp[i], seed, i, v);
    bench::pwrite_all(fd, v.data(), v.size() * 2, 8 + hl + off[i], path);
  }
  ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::string out, gguf, arch = "qwen2";
    uint64_t seed = 1234;
    // DeepSeek-R1-Distill-Qwen-1.5B (config.json of the public checkpoint).
    DenseConfig c;
    c.vocab_size = 151936, c.hidden_size = 1536, c.intermediate_size = 8960, c.num_hidden_layers = 28;
    c.num_attention_heads = 12, c.num_key_value_heads = 2;
    c.rms_norm_eps = 1e-6, c.rope_theta = 10000.0, c.max_position_embeddings = 131072;
    c.tie_word_embeddings = false, c.bos_token_id = 151646, c.eos_token_ids = {151643};
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      auto next = [&]() -> std::string {
        R1_CHECK(i + 1 < argc, "missing value after ", a);
        return argv[++i];
      };
      if (a == "--out") out = next();
      else if (a == "--gguf") gguf = next();
      else if (a == "--seed") seed = std::stoull(next());
      else if (a == "--layers") c.num_hidden_layers = std::stoll(next());
      else if (a == "--hidden") c.hidden_size = std::stoll(next());
      else if (a == "--heads") c.num_attention_heads = std::stoll(next());
      else if (a == "--kv-heads") c.num_key_value_heads = std::stoll(next());
      else if (a == "--intermediate") c.intermediate_size = std::stoll(next());
      else if (a == "--vocab") c.vocab_size = std::stoll(next());
      else if (a == "--arch") arch = next();
      else fail("unknown argument ", a);
    }
    R1_CHECK(!out.empty(), "usage: bench_dense_gen --out DIR [--gguf FILE] [--seed N] ...");
    c.model_type = arch;
    c.arch = arch == "llama" ? DenseArch::Llama : DenseArch::Qwen2;
    c.head_dim = c.num_attention_heads > 0 ? c.hidden_size / c.num_attention_heads : 0;
    // Validate through the same parser the engine uses.
    c = parse_dense_config(c.to_json(), "generated config");
    const std::vector<Spec> sp = specs(c);
    fprintf(stderr, "writing %s: %s, %.3f B params, BF16\n", out.c_str(), arch.c_str(), c.num_parameters() / 1e9);
    write_hf(out, c, sp, seed);
    if (!gguf.empty()) {
      fprintf(stderr, "writing %s (same weights)\n", gguf.c_str());
      write_gguf(gguf, c, sp, seed);
    }
    return 0;
  } catch (const Error& e) {
    fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
