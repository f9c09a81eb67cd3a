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

void pwrite_all(int fd, const void* p, size_t n, off_t off, const std::string& path) {
  const char* c = (const char*)p;
  while (n) {
    ssize_t w = ::pwrite(fd, c, n, off);
    R1_CHECK(w > 0, path, ": write failed");
    c += w, n -= w, off += w;
  }
}

// --- GGUF v3 (little-endian): header, KV pairs, tensor infos, aligned data ---
struct Gguf {
  std::string buf;  // header + kv + infos
  uint64_t n_kv = 0;
  void u32(uint32_t v) { buf.append((const char*)&v, 4); }
  void u64(uint64_t v) { buf.append((const char*)&v, 8); }
  void i32(int32_t v) { buf.append((const char*)&v, 4); }
  void f32(float v) { buf.append((const char*)&v, 4); }
  void str(const std::string& s) { u64(s.size()), buf += s; }
  enum : uint32_t { U32 = 4, I32 = 5, F32 = 6, STRING = 8, ARRAY = 9 };
  void kv_u32(const std::string& k, uint32_t v) { str(k), u32(U32), u32(v), ++n_kv; }
  void kv_f32(const std::string& k, float v) { str(k), u32(F32), f32(v), ++n_kv; }
  void kv_str(const std::string& k, const std::string& v) { str(k), u32(STRING), str(v), ++n_kv; }
};

std::string utf8(uint32_t cp) {
  std::string s;
  if (cp < 0x80) s += (char)cp;
  else if (cp < 0x800) s += (char)(0xC0 | (cp >> 6)), s += (char)(0x80 | (cp & 0x3F));
  else s += (char)(0xE0 | (cp >> 12)), s += (char)(0x80 | ((cp >> 6) & 0x3F)), s += (char)(0x80 | (cp & 0x3F));
  return s;
}

// GPT-2 byte-level alphabet: printable bytes map to themselves, the rest to 256+k.
std::vector<std::string> byte_tokens() {
  std::vector<std::string> t(256);
  int k = 0;
  for (int b = 0; b < 256; ++b) {
    bool keep = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    t[b] = utf8(keep ? (uint32_t)b : (uint32_t)(256 + k++));
  }
  return t;
}

void write_gguf(const std::string& path, const DenseConfig& c, const std::vector<Spec>& sp, uint64_t seed) {
  const std::string arch = c.arch == DenseArch::Qwen2 ? "qwen2" : "llama";
  Gguf g;
  g.buf += "GGUF";
  g.u32(3);
  g.u64(sp.size());
  const size_t n_kv_at = g.buf.size();  // patched once every pair is written
  g.u64(0);
  g.kv_str("general.architecture", arch);
  g.kv_str("general.name", "r1-bench-dense-random");
  g.kv_u32("general.file_type", 32);  // LLAMA_FTYPE_MOSTLY_BF16
  g.kv_u32("general.alignment", 32);
  g.kv_u32(arch + ".block_count", (uint32_t)c.num_hidden_layers);
  g.kv_u32(arch + ".context_length", (uint32_t)c.max_position_embeddings);
  g.kv_u32(arch + ".embedding_length", (uint32_t)c.hidden_size);
  g.kv_u32(arch + ".feed_forward_length", (uint32_t)c.intermediate_size);
  g.kv_u32(arch + ".attention.head_count", (uint32_t)c.num_attention_heads);
  g.kv_u32(arch + ".attention.head_count_kv", (uint32_t)c.num_key_value_heads);
  g.kv_f32(arch + ".rope.freq_base", (float)c.rope_theta);
  g.kv_f32(arch + ".attention.layer_norm_rms_epsilon", (float)c.rms_norm_eps);
  if (c.arch == DenseArch::Llama) g.kv_u32(arch + ".rope.dimension_count", (uint32_t)c.head_dim);
  g.kv_str("tokenizer.ggml.model", "gpt2");
  g.kv_str("tokenizer.ggml.pre", c.arch == DenseArch::Qwen2 ? "qwen2" : "llama-bpe");
  {
    std::vector<std::string> bt = byte_tokens();
    g.n_kv += 3;
    g.str("tokenizer.ggml.tokens"), g.u32(Gguf::ARRAY), g.u32(Gguf::STRING), g.u64(c.vocab_size);
    for (int64_t i = 0; i < c.vocab_size; ++i) g.str(i < 256 ? bt[i] : "<|r1_tok_" + std::to_string(i) + "|>");
    g.str("tokenizer.ggml.token_type"), g.u32(Gguf::ARRAY), g.u32(Gguf::I32), g.u64(c.vocab_size);
    for (int64_t i = 0; i < c.vocab_size; ++i) g.i32(1);
    g.str("tokenizer.ggml.merges"), g.u32(Gguf::ARRAY), g.u32(Gguf::STRING), g.u64(0);
  }
  g.kv_u32("tokenizer.ggml.bos_token_id", (uint32_t)std::max<int64_t>(0, c.bos_token_id));
  g.kv_u32("tokenizer.ggml.eos_token_id", (uint32_t)(c.eos_token_ids.empty() ? 0 : c.eos_token_ids[0]));
  std::memcpy(&g.buf[n_kv_at], &g.n_kv, 8);
  // Tensor infos: 1-D tensors F32 (type 0), matrices BF16 (type 30).
  std::vector<uint64_t> off(sp.size());
  uint64_t cur = 0;
  for (size_t i = 0; i < sp.size(); ++i) {
    const Spec& s = sp[i];
    g.str(s.gguf);
    g.u32((uint32_t)s.shape.size());
    for (size_t k = s.shape.size(); k-- > 0;) g.u64(s.shape[k]);  // ne[0] innermost
    const bool vec = s.shape.size() == 1;
    g.u32(vec ? 0 : 30);
    off[i] = cur;
    g.u64(cur);
    cur += (uint64_t)s.numel() * (vec ? 4 : 2);
    cur = (cur + 31) / 32 * 32;
  }
  while (g.buf.size() % 32) g.buf += '\0';
  const uint64_t data0 = g.buf.size();
  int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0644);
  R1_CHECK(fd >= 0, path, ": cannot create");
  pwrite_all(fd, g.buf.data(), g.buf.size(), 0, path);
  std::vector<uint16_t> v;
  for (size_t i = 0; i < sp.size(); ++i) {
    fill(sp[i], seed, i, v);
    if (sp[i].shape.size() == 1) {
      std::vector<float> f(v.size());
      for (size_t k = 0; k < v.size(); ++k) f[k] = bf16_to_f32(v[k]);  // exact widening
      pwrite_all(fd, f.data(), f.size() * 4, data0 + off[i], path);
    } else {
      pwrite_all(fd, v.data(), v.size() * 2, data0 + off[i], path);
    }
  }
  R1_CHECK(::ftruncate(fd, data0 + cur) == 0, path, ": truncate failed");
  ::close(fd);
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
  pwrite_all(fd, &hl, 8, 0, path);
  pwrite_all(fd, hs.data(), hs.size(), 8, path);
  std::vector<uint16_t> v;
  for (size_t i = 0; i < sp.size(); ++i) {
    fill(sp[i], seed, i, v);
    pwrite_all(fd, v.data(), v.size() * 2, 8 + hl + off[i], path);
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
