// Hugging Face config.json for the dense GQA decoders behind DeepSeek-R1-Distill:
// Qwen2ForCausalLM (model_type qwen2) and LlamaForCausalLM (model_type llama,
// Llama 3.1 "llama3" RoPE scaling). Field names are the HF keys.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "base/json.h"

namespace r1 {

enum class DenseArch { Qwen2, Llama };

// rope_scaling (HF modeling_rope_utils): null / "default" = plain RoPE,
// "linear" = every inv_freq / factor, "llama3" = Llama 3.1 wavelength bands.
struct DenseRopeScaling {
  enum class Type { None, Linear, Llama3 } type = Type::None;
  double factor = 1.0;
  double low_freq_factor = 1.0, high_freq_factor = 4.0;
  int64_t original_max_position_embeddings = 8192;
};

struct DenseConfig {
  std::string model_type;  // qwen2 | llama
  DenseArch arch = DenseArch::Qwen2;
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_key_value_heads = 0;
  int64_t head_dim = 0;  // "head_dim" when present, else hidden_size / num_attention_heads
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  DenseRopeScaling rope_scaling;
  int64_t max_position_embeddings = 0;
  bool tie_word_embeddings = false;
  // Biases on q/k/v (never o): Qwen2 always; Llama when attention_bias is true.
  bool qkv_bias = false;
  int64_t bos_token_id = -1;
  std::vector<int64_t> eos_token_ids;

  int64_t group() const { return num_attention_heads / num_key_value_heads; }  // query heads per KV head
  int64_t q_dim() const { return num_attention_heads * head_dim; }
  int64_t kv_dim() const { return num_key_value_heads * head_dim; }
  // KV cache per token per layer: K then V for every KV head.
  int64_t kv_cache_elems_per_layer() const { return 2 * kv_dim(); }
  // The same heads without GQA (every query head keeps its own K and V).
  int64_t mha_cache_elems_per_layer() const { return 2 * q_dim(); }
  int64_t num_parameters() const;
  // The config as HF would write it (round-trips through parse_dense_config).
  json to_json() const;
};

bool is_dense_model_type(const std::string& model_type);  // qwen2, llama
// Validates every field this engine reads; errors name `path` and the key.
DenseConfig parse_dense_config(const json& j, const std::string& path = "config.json");
DenseConfig load_dense_config(const std::string& dir);  // DIR/config.json

// RoPE inverse frequencies for head_dim d, after rope_scaling (double):
// inv_freq[i] = theta^(-2i/d), i < d/2, then linear or llama3 scaling.
std::vector<double> dense_rope_inv_freq(const DenseConfig& c);

}  // namespace r1
