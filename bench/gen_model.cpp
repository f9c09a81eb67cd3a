// Writes the benchmark model: a scaled-down DeepSeek-V3 as a Hugging Face
// folder (config.json + model.safetensors) with seeded random weights.
//   hidden 1024, 8 layers (layer 0 dense, intermediate 2816), 32 routed experts
//   top-4 in 4 groups keeping 2, 1 shared, moe_intermediate 256, sigmoid +
//   correction bias, routed_scaling_factor 2.5; 16 heads, q_lora 384,
//   kv_lora 256, qk_nope 128, qk_rope 64, v 128; vocab 16384; V3's YaRN.
// About 265M parameters, about 93M active per token (without embeddings).
// With --gguf FILE it also writes the same weights (bit for bit) as a llama.cpp
// deepseek2 GGUF (the mapping of convert_hf_to_gguf.py's DeepseekV2Model):
// matrices keep the model's dtype, 1-D tensors and ffn_gate_inp are F32 (exact
// widening); experts stacked into ffn_{gate,up,down}_exps [E, out, in];
// kv_b_proj split per head into attn_k_b [H, C, nope] (transposed) and
// attn_v_b [H, v, C]; head_count_kv 1, key_length C + rope, value_length C,
// key/value_length_mla as the per-head dims (the absorbed MLA path).
// usage: bench_gen_model OUT_DIR [F32|BF16] [seed] [--gguf FILE]
#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/json.h"
#include "base/rng.h"
#include "tensor/dtype.h"
#include "gguf_writer.h"

using namespace r1;

namespace {

struct Spec {
  std::vector<int64_t> shape;
  int kind;  // 0 linear (std g/sqrt(fan_in)), 1 norm (1 + 0.1 N), 2 embed N(0,1), 3 bias U(+-0.15)
  double g = 1.0;
};

json bench_config() {
  return json{{"architectures", {"DeepseekV3ForCausalLM"}},
              {"model_type", "deepseek_v3"},
              {"vocab_size", 16384},
              {"hidden_size", 1024},
              {"intermediate_size", 2816},
              {"moe_intermediate_size", 256},
              {"num_hidden_layers", 8},
              {"first_k_dense_replace", 1},
              {"moe_layer_freq", 1},
              {"num_attention_heads", 16},
              {"num_key_value_heads", 16},
              {"n_routed_experts", 32},
              {"n_shared_experts", 1},
              {"num_experts_per_tok", 4},
              {"n_group", 4},
              {"topk_group", 2},
              {"routed_scaling_factor", 2.5},
              {"scoring_func", "sigmoid"},
              {"norm_topk_prob", true},
              {"topk_method", "noaux_tc"},
              {"q_lora_rank", 384},
              {"kv_lora_rank", 256},
              {"qk_nope_head_dim", 128},
              {"qk_rope_head_dim", 64},
              {"v_head_dim", 128},
              {"rope_theta", 10000.0},
              {"rope_scaling",
               {{"type", "yarn"}, {"factor", 40.0}, {"original_max_position_embeddings", 4096}, {"beta_fast", 32},
                {"beta_slow", 1}, {"mscale", 1.0}, {"mscale_all_dim", 1.0}}},
              {"max_position_embeddings", 163840},
              {"rms_norm_eps", 1e-6},
              {"hidden_act", "silu"},
              {"attention_bias", false},
              {"tie_word_embeddings", false},
              {"num_nextn_predict_layers", 0},
              {"bos_token_id", 0},
              {"eos_token_id", 1},
              {"torch_dtype", "bfloat16"}};
}

// The same weights as a llama.cpp deepseek2 GGUF (see the header comment).
class DeepseekGguf {
 public:
  DeepseekGguf(bool bf16, int64_t experts) : bf16_(bf16), E_(experts) {}

  void metadata(const json& c) {
    const std::string a = "deepseek2.";
    auto u = [&](const std::string& k, const char* key) { g_.kv_u32(a + k, c[key].get<uint32_t>()); };
    g_.kv_str("general.architecture", "deepseek2");
    g_.kv_str("general.name", "r1-bench-v3-random");
    g_.kv_u32("general.file_type", bf16_ ? 32 : 0);  // LLAMA_FTYPE_MOSTLY_BF16 / ALL_F32
    g_.kv_u32("general.alignment", (uint32_t)bench::GgufWriter::kAlign);
    u("block_count", "num_hidden_layers");
    u("context_length", "max_position_embeddings");
    u("embedding_length", "hidden_size");
    u("feed_forward_length", "intermediate_size");
    u("attention.head_count", "num_attention_heads");
    g_.kv_u32(a + "attention.head_count_kv", 1);  // MLA as MQA over the latent
    g_.kv_f32(a + "rope.freq_base", c["rope_theta"].get<float>());
    g_.kv_f32(a + "attention.layer_norm_rms_epsilon", c["rms_norm_eps"].get<float>());
    u("expert_count", "n_routed_experts");
    u("expert_used_count", "num_experts_per_tok");
    u("expert_group_count", "n_group");
    u("expert_group_used_count", "topk_group");
    g_.kv_u32(a + "expert_gating_func", c["scoring_func"] == "sigmoid" ? 2 : 1);
    u("leading_dense_block_count", "first_k_dense_replace");
    u("vocab_size", "vocab_size");
    u("attention.q_lora_rank", "q_lora_rank");
    u("attention.kv_lora_rank", "kv_lora_rank");
    const uint32_t C = c["kv_lora_rank"], R = c["qk_rope_head_dim"], NOPE = c["qk_nope_head_dim"], DV = c["v_head_dim"];
    g_.kv_u32(a + "attention.key_length", C + R);
    g_.kv_u32(a + "attention.value_length", C);
    g_.kv_u32(a + "attention.key_length_mla", NOPE + R);
    g_.kv_u32(a + "attention.value_length_mla", DV);
    u("expert_feed_forward_length", "moe_intermediate_size");
    u("expert_shared_count", "n_shared_experts");
    g_.kv_f32(a + "expert_weights_scale", c["routed_scaling_factor"].get<float>());
    g_.kv_bool(a + "expert_weights_norm", c["norm_topk_prob"].get<bool>());
    g_.kv_u32(a + "rope.dimension_count", R);
    const json& rs = c["rope_scaling"];
    g_.kv_str(a + "rope.scaling.type", "yarn");
    g_.kv_f32(a + "rope.scaling.factor", rs["factor"].get<float>());
    g_.kv_u32(a + "rope.scaling.original_context_length", rs["original_max_position_embeddings"].get<uint32_t>());
    g_.kv_f32(a + "rope.scaling.yarn_beta_fast", rs["beta_fast"].get<float>());
    g_.kv_f32(a + "rope.scaling.yarn_beta_slow", rs["beta_slow"].get<float>());
    // convert_hf_to_gguf.py stores 0.1 * mscale_all_dim; llama.cpp divides by 0.1 again.
    g_.kv_f32(a + "rope.scaling.yarn_log_multiplier", 0.1f * rs["mscale_all_dim"].get<float>());
    g_.synthetic_gpt2_vocab(c["vocab_size"].get<int64_t>(), "deepseek-v3", c["bos_token_id"].get<int64_t>(),
                            c["eos_token_id"].get<int64_t>());
    H_ = c["num_attention_heads"], NOPE_ = NOPE, DV_ = DV, C_ = C;
  }

  // Declares the GGUF tensor(s) an HF tensor goes to (experts: the stack, once).
  void declare(const std::string& hf, const std::vector<int64_t>& shape) {
    Target t = map(hf);
    if (t.name.empty()) fail("gguf: no mapping for ", hf);
    if (t.kv_b) {
      g_.add_tensor(t.name + "attn_k_b.weight", {H_, C_, NOPE_}, mat_type());
      g_.add_tensor(t.name + "attn_v_b.weight", {H_, DV_, C_}, mat_type());
      return;
    }
    if (t.expert > 0) return;
    std::vector<int64_t> sh = shape;
    if (t.expert == 0) sh.insert(sh.begin(), E_);
    g_.add_tensor(t.name, sh, t.f32 || shape.size() == 1 ? bench::GgufWriter::F32 : mat_type());
  }
  void open(const std::string& path) { g_.open(path); }
  void close() { g_.close(); }

  // Writes the values of HF tensor `hf` (as generated, before any rounding).
  void emit(const std::string& hf, const std::vector<int64_t>& shape, const std::vector<float>& v) {
    Target t = map(hf);
    if (t.kv_b) {
      // kv_b [H, nope + v, C]: k_b[h] = k_part[h]^T [C, nope], v_b[h] = v_part[h] [v, C].
      std::vector<float> kb(H_ * C_ * NOPE_), vb(H_ * DV_ * C_);
      for (int64_t h = 0; h < H_; ++h) {
        const float* src = v.data() + h * (NOPE_ + DV_) * C_;
        for (int64_t i = 0; i < NOPE_; ++i)
          for (int64_t j = 0; j < C_; ++j) kb[(h * C_ + j) * NOPE_ + i] = src[i * C_ + j];
        std::memcpy(&vb[h * DV_ * C_], src + NOPE_ * C_, DV_ * C_ * sizeof(float));
      }
      put(g_.index(t.name + "attn_k_b.weight"), 0, kb);
      put(g_.index(t.name + "attn_v_b.weight"), 0, vb);
      return;
    }
    const size_t i = g_.index(t.name);
    put(i, t.expert >= 0 ? (uint64_t)t.expert * v.size() : 0, v);
    (void)shape;
  }

 private:
  struct Target {
    std::string name;  // GGUF name, or "blk.N." for kv_b
    int expert = -1;   // routed expert index (stacked)
    bool f32 = false, kv_b = false;
  };
  bench::GgufWriter g_;
  bool bf16_;
  int64_t E_, H_ = 0, NOPE_ = 0, DV_ = 0, C_ = 0;

  bench::GgufWriter::Type mat_type() const { return bf16_ ? bench::GgufWriter::BF16 : bench::GgufWriter::F32; }

  // Element offset `at` (in elements) of tensor i; values as the HF file holds them.
  void put(size_t i, uint64_t at, const std::vector<float>& v) {
    if (g_.type(i) == bench::GgufWriter::BF16) {
      std::vector<uint16_t> h(v.size());
      for (size_t k = 0; k < v.size(); ++k) h[k] = f32_to_bf16(v[k]);
      g_.write(i, at * 2, h.data(), h.size() * 2);
    } else {
      std::vector<float> f(v);
      if (bf16_)
        for (auto& x : f) x = bf16_to_f32(f32_to_bf16(x));  // the BF16 checkpoint's value, widened exactly
      g_.write(i, at * 4, f.data(), f.size() * 4);
    }
  }

  static Target map(const std::string& hf) {
    static const std::map<std::string, std::string> top = {
        {"model.embed_tokens.weight", "token_embd.weight"}, {"model.norm.weight", "output_norm.weight"}, {"lm_head.weight", "output.weight"}};
    if (auto it = top.find(hf); it != top.end()) return {it->second};
    const std::string pre = "model.layers.";
    if (hf.rfind(pre, 0) != 0) return {};
    const size_t dot = hf.find('.', pre.size());
    const std::string blk = "blk." + hf.substr(pre.size(), dot - pre.size()) + ".", rest = hf.substr(dot + 1);
    static const std::map<std::string, std::string> per = {
        {"input_layernorm.weight", "attn_norm.weight"},
        {"post_attention_layernorm.weight", "ffn_norm.weight"},
        {"self_attn.q_a_proj.weight", "attn_q_a.weight"},
        {"self_attn.q_a_layernorm.weight", "attn_q_a_norm.weight"},
        {"self_attn.q_b_proj.weight", "attn_q_b.weight"},
        {"self_attn.kv_a_proj_with_mqa.weight", "attn_kv_a_mqa.weight"},
        {"self_attn.kv_a_layernorm.weight", "attn_kv_a_norm.weight"},
        {"self_attn.o_proj.weight", "attn_output.weight"},
        {"mlp.gate_proj.weight", "ffn_gate.weight"},
        {"mlp.up_proj.weight", "ffn_up.weight"},
        {"mlp.down_proj.weight", "ffn_down.weight"},
        {"mlp.gate.e_score_correction_bias", "exp_probs_b.bias"},
        {"mlp.shared_experts.gate_proj.weight", "ffn_gate_shexp.weight"},
        {"mlp.shared_experts.up_proj.weight", "ffn_up_shexp.weight"},
        {"mlp.shared_experts.down_proj.weight", "ffn_down_shexp.weight"}};
    if (auto it = per.find(rest); it != per.end()) return {blk + it->second};
    if (rest == "mlp.gate.weight") return {blk + "ffn_gate_inp.weight", -1, true};
    if (rest == "self_attn.kv_b_proj.weight") return {blk, -1, false, true};
    const std::string ex = "mlp.experts.";
    if (rest.rfind(ex, 0) == 0) {
      const size_t d2 = rest.find('.', ex.size());
      const int e = std::stoi(rest.substr(ex.size(), d2 - ex.size()));
      const std::string w = rest.substr(d2 + 1);  // gate_proj.weight, ...
      return {blk + "ffn_" + w.substr(0, w.find('_')) + "_exps.weight", e};
    }
    return {};
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> pos;
  std::string gguf;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--gguf" && i + 1 < argc) gguf = argv[++i];
    else pos.push_back(argv[i]);
  }
  if (pos.empty()) {
    fprintf(stderr, "usage: %s OUT_DIR [F32|BF16] [seed] [--gguf FILE]\n", argv[0]);
    return 2;
  }
  try {
    const std::string out = pos[0];
    const std::string dts = pos.size() > 1 ? pos[1] : "BF16";
    const uint64_t seed = pos.size() > 2 ? std::stoull(pos[2]) : 1234;
    R1_CHECK(dts == "F32" || dts == "BF16", "dtype must be F32 or BF16, got ", dts);
    const bool bf16 = dts == "BF16";
    ::mkdir(out.c_str(), 0755);
    json cfg = bench_config();
    cfg["torch_dtype"] = bf16 ? "bfloat16" : "float32";
    write_file_atomic(out + "/config.json", cfg.dump(2) + "\n");

    const int64_t D = 1024, V = 16384, L = 8, E = 32, I = 2816, MI = 256, H = 16, QR = 384, C = 256, NOPE = 128,
                  R = 64, DV = 128;
    std::map<std::string, Spec> specs;  // sorted names, as HF writes them
    specs["model.embed_tokens.weight"] = {{V, D}, 2};
    specs["model.norm.weight"] = {{D}, 1};
    specs["lm_head.weight"] = {{V, D}, 0, 2.0};
    for (int64_t i = 0; i < L; ++i) {
      const std::string p = "model.layers." + std::to_string(i) + ".";
      specs[p + "input_layernorm.weight"] = {{D}, 1};
      specs[p + "post_attention_layernorm.weight"] = {{D}, 1};
      specs[p + "self_attn.q_a_proj.weight"] = {{QR, D}, 0};
      specs[p + "self_attn.q_a_layernorm.weight"] = {{QR}, 1};
      specs[p + "self_attn.q_b_proj.weight"] = {{H * (NOPE + R), QR}, 0, 1.5};
      specs[p + "self_attn.kv_a_proj_with_mqa.weight"] = {{C + R, D}, 0, 1.5};
      specs[p + "self_attn.kv_a_layernorm.weight"] = {{C}, 1};
      specs[p + "self_attn.kv_b_proj.weight"] = {{H * (NOPE + DV), C}, 0, 1.5};
      specs[p + "self_attn.o_proj.weight"] = {{D, H * DV}, 0};
      auto mlp = [&](const std::string& q, int64_t inter) {
        specs[q + "gate_proj.weight"] = {{inter, D}, 0};
        specs[q + "up_proj.weight"] = {{inter, D}, 0};
        specs[q + "down_proj.weight"] = {{D, inter}, 0};
      };
      if (i == 0) {
        mlp(p + "mlp.", I);
      } else {
        specs[p + "mlp.gate.weight"] = {{E, D}, 0};
        specs[p + "mlp.gate.e_score_correction_bias"] = {{E}, 3};
        for (int64_t e = 0; e < E; ++e) mlp(p + "mlp.experts." + std::to_string(e) + ".", MI);
        mlp(p + "mlp.shared_experts.", MI);
      }
    }
    std::unique_ptr<DeepseekGguf> gg;
    if (!gguf.empty()) {
      gg = std::make_unique<DeepseekGguf>(bf16, E);
      gg->metadata(cfg);
      for (auto& [name, s] : specs) gg->declare(name, s.shape);
      gg->open(gguf);
    }
    const size_t esz = bf16 ? 2 : 4;
    json hdr = json::object();
    hdr["__metadata__"] = {{"format", "pt"}};
    size_t off = 0;
    for (auto& [name, s] : specs) {
      size_t n = 1;
      for (auto d : s.shape) n *= d;
      hdr[name] = {{"dtype", bf16 ? "BF16" : "F32"}, {"shape", s.shape}, {"data_offsets", {off, off + n * esz}}};
      off += n * esz;
    }
    std::string h = hdr.dump();
    while ((8 + h.size()) % 8) h += ' ';
    const std::string path = out + "/model.safetensors";
    FILE* f = fopen((path + ".tmp").c_str(), "wb");
    R1_CHECK(f, path, ".tmp: cannot create");
    uint64_t hn = h.size();
    fwrite(&hn, 8, 1, f);
    fwrite(h.data(), 1, h.size(), f);
    Rng rng(seed);
    size_t total = 0;
    std::vector<float> buf;
    std::vector<uint16_t> hb;
    for (auto& [name, s] : specs) {
      size_t n = 1;
      for (auto d : s.shape) n *= d;
      buf.resize(n);
      const double std_ = s.kind == 0 ? s.g / std::sqrt((double)s.shape.back()) : 1.0;
      for (size_t i = 0; i < n; ++i) {
        switch (s.kind) {
          case 0: buf[i] = (float)(rng.normal() * std_); break;
          case 1: buf[i] = (float)(1.0 + 0.1 * rng.normal()); break;
          case 2: buf[i] = (float)rng.normal(); break;
          default: buf[i] = (float)((rng.uniform() * 2 - 1) * 0.15); break;
        }
      }
      if (gg) gg->emit(name, s.shape, buf);
      if (bf16) {
        hb.resize(n);
        for (size_t i = 0; i < n; ++i) hb[i] = f32_to_bf16(buf[i]);
        fwrite(hb.data(), 2, n, f);
      } else {
        fwrite(buf.data(), 4, n, f);
      }
      total += n;
    }
    R1_CHECK(fclose(f) == 0, path, ": write failed");
    R1_CHECK(std::rename((path + ".tmp").c_str(), path.c_str()) == 0, path, ": rename failed");
    if (gg) {
      gg->close();
      printf("wrote %s (deepseek2 GGUF, same weights)\n", gguf.c_str());
    }
    printf("wrote %s: %zu tensors, %.1f M parameters, %s\n", out.c_str(), specs.size(), total / 1e6, dts.c_str());
  } catch (const Error& e) {
    fprintf(stderr, "bench_gen_model: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
