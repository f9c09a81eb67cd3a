// Writes the benchmark model: a scaled-down DeepSeek-V3 as a Hugging Face
// folder (config.json + model.safetensors) with seeded random weights.
//   hidden 1024, 8 layers (layer 0 dense, intermediate 2816), 32 routed experts
//   top-4 in 4 groups keeping 2, 1 shared, moe_intermediate 256, sigmoid +
//   correction bias, routed_scaling_factor 2.5; 16 heads, q_lora 384,
//   kv_lora 256, qk_nope 128, qk_rope 64, v 128; vocab 16384; V3's YaRN.
// About 265M parameters, about 93M active per token (without embeddings).
// usage: bench_gen_model OUT_DIR [F32|BF16] [seed]
#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/json.h"
#include "base/rng.h"
#include "tensor/dtype.h"

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

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s OUT_DIR [F32|BF16] [seed]\n", argv[0]);
    return 2;
  }
  try {
    const std::string out = argv[1];
    const std::string dts = argc > 2 ? argv[2] : "BF16";
    const uint64_t seed = argc > 3 ? std::stoull(argv[3]) : 1234;
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
    printf("wrote %s: %zu tensors, %.1f M parameters, %s\n", out.c_str(), specs.size(), total / 1e6, dts.c_str());
  } catch (const Error& e) {
    fprintf(stderr, "bench_gen_model: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
