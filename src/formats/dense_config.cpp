#include "formats/dense_config.h"

#include <cmath>

#include "base/error.h"
#include "formats/config_keys.h"

namespace r1 {

namespace {

DenseRopeScaling parse_rope_scaling(const json& j, const std::string& path, int64_t max_pos) {
  DenseRopeScaling s;
  if (j.is_null()) return s;
  R1_CHECK(j.is_object(), path, ": key 'rope_scaling' must be an object or null, got ", j.dump());
  ConfigKeys r{j, path, "rope_scaling."};
  // HF accepts the legacy "type" as well as "rope_type".
  std::string type = r.string("rope_type", "");
  if (type.empty()) type = r.string("type", "");
  R1_CHECK(!type.empty(), path, ": key 'rope_scaling.rope_type' is missing");
  if (type == "default") return s;
  if (type == "linear") {
    s.type = DenseRopeScaling::Type::Linear;
    s.factor = r.number("factor", 1.0, true, 1.0, 1e6);
    return s;
  }
  if (type == "llama3") {
    s.type = DenseRopeScaling::Type::Llama3;
    s.factor = r.number("factor", 1.0, true, 1.0, 1e6);
    s.low_freq_factor = r.number("low_freq_factor", 1.0, true, 1e-6, 1e6);
    s.high_freq_factor = r.number("high_freq_factor", 4.0, true, 1e-6, 1e6);
    s.original_max_position_embeddings = r.integer("original_max_position_embeddings", 8192, true, 1, int64_t(1) << 40);
    // The smoothing divides by (high - low); HF requires high > low.
    R1_CHECK(s.high_freq_factor > s.low_freq_factor, path, ": key 'rope_scaling.high_freq_factor' = ",
             s.high_freq_factor, " must exceed 'rope_scaling.low_freq_factor' = ", s.low_freq_factor);
    R1_CHECK(max_pos <= 0 || s.original_max_position_embeddings < max_pos, path,
             ": key 'rope_scaling.original_max_position_embeddings' = ", s.original_max_position_embeddings,
             " must be below 'max_position_embeddings' = ", max_pos);
    return s;
  }
  fail(path, ": unknown key 'rope_scaling.rope_type' = '", type,
       "' for a dense model (supported: default, linear, llama3)");
}

}  // namespace

bool is_dense_model_type(const std::string& t) { return t == "qwen2" || t == "llama"; }

DenseConfig parse_dense_config(const json& j, const std::string& path) {
  R1_CHECK(j.is_object(), path, ": config is not a JSON object");
  ConfigKeys r{j, path, ""};
  DenseConfig c;
  const int64_t kBig = int64_t(1) << 40;
  c.model_type = r.string("model_type", "");
  R1_CHECK(is_dense_model_type(c.model_type), path, ": key 'model_type' = '", c.model_type,
           "' is not a dense model (supported: qwen2, llama)");
  c.arch = c.model_type == "qwen2" ? DenseArch::Qwen2 : DenseArch::Llama;
  c.vocab_size = r.integer("vocab_size", 0, true, 1, int64_t(1) << 31);
  c.hidden_size = r.integer("hidden_size", 0, true, 1, 1 << 20);
  c.intermediate_size = r.integer("intermediate_size", 0, true, 1, 1 << 22);
  c.num_hidden_layers = r.integer("num_hidden_layers", 0, true, 1, 4096);
  c.num_attention_heads = r.integer("num_attention_heads", 0, true, 1, 1 << 16);
  c.num_key_value_heads = r.integer("num_key_value_heads", c.num_attention_heads, false, 1, 1 << 16);
  R1_CHECK(c.num_attention_heads % c.num_key_value_heads == 0, path, ": key 'num_attention_heads' = ",
           c.num_attention_heads, " is not a multiple of 'num_key_value_heads' = ", c.num_key_value_heads);
  if (r.find("head_dim")) {
    c.head_dim = r.integer("head_dim", 0, true, 2, 1 << 16);
  } else {
    R1_CHECK(c.hidden_size % c.num_attention_heads == 0, path, ": key 'hidden_size' = ", c.hidden_size,
             " is not divisible by 'num_attention_heads' = ", c.num_attention_heads, " (and no 'head_dim' key)");
    c.head_dim = c.hidden_size / c.num_attention_heads;
  }
  R1_CHECK(c.head_dim % 2 == 0, path, ": head_dim = ", c.head_dim, " must be even for RoPE");
  c.rms_norm_eps = r.number("rms_norm_eps", 1e-6, false, 0.0, 1.0);
  c.rope_theta = r.number("rope_theta", 10000.0, false, 1.0, 1e12);
  c.max_position_embeddings = r.integer("max_position_embeddings", 0, false, 0, kBig);
  c.rope_scaling = parse_rope_scaling(r.find("rope_scaling") ? j["rope_scaling"] : json(nullptr), path,
                                      c.max_position_embeddings);
  c.tie_word_embeddings = r.boolean("tie_word_embeddings", false);
  const std::string act = r.string("hidden_act", "silu");
  R1_CHECK(act == "silu", path, ": key 'hidden_act' = '", act, "' is not supported (only silu)");
  if (c.arch == DenseArch::Qwen2) {
    // Qwen2's q/k/v bias is part of the architecture; no config key turns it off.
    c.qkv_bias = true;
    R1_CHECK(!r.boolean("use_sliding_window", false), path,
             ": key 'use_sliding_window' = true is not supported (sliding-window attention)");
  } else {
    c.qkv_bias = r.boolean("attention_bias", false);
    R1_CHECK(!r.boolean("mlp_bias", false), path, ": key 'mlp_bias' = true is not supported");
  }
  c.bos_token_id = r.integer("bos_token_id", -1, false, -1, int64_t(1) << 31);
  if (const json* e = r.find("eos_token_id")) {
    if (e->is_array()) {
      for (size_t i = 0; i < e->size(); ++i) {
        R1_CHECK((*e)[i].is_number_integer(), path, ": key 'eos_token_id'[", i, "] must be an integer");
        c.eos_token_ids.push_back((*e)[i].get<int64_t>());
      }
    } else {
      c.eos_token_ids.push_back(r.integer("eos_token_id", -1, true, 0, int64_t(1) << 31));
    }
  }
  return c;
}

DenseConfig load_dense_config(const std::string& dir) {
  const std::string path = dir + "/config.json";
  return parse_dense_config(read_json_file(path), path);
}

int64_t DenseConfig::num_parameters() const {
  const int64_t H = hidden_size;
  int64_t per_layer = 2 * H + H * q_dim() + 2 * H * kv_dim() + q_dim() * H + 3 * H * intermediate_size;
  if (qkv_bias) per_layer += q_dim() + 2 * kv_dim();
  return vocab_size * H * (tie_word_embeddings ? 1 : 2) + H + num_hidden_layers * per_layer;
}

json DenseConfig::to_json() const {
  json j;
  j["model_type"] = model_type;
  j["architectures"] = json::array({arch == DenseArch::Qwen2 ? "Qwen2ForCausalLM" : "LlamaForCausalLM"});
  j["vocab_size"] = vocab_size;
  j["hidden_size"] = hidden_size;
  j["intermediate_size"] = intermediate_size;
  j["num_hidden_layers"] = num_hidden_layers;
  j["num_attention_heads"] = num_attention_heads;
  j["num_key_value_heads"] = num_key_value_heads;
  if (head_dim != hidden_size / num_attention_heads || hidden_size % num_attention_heads != 0) j["head_dim"] = head_dim;
  j["hidden_act"] = "silu";
  j["rms_norm_eps"] = rms_norm_eps;
  j["rope_theta"] = rope_theta;
  j["max_position_embeddings"] = max_position_embeddings;
  j["tie_word_embeddings"] = tie_word_embeddings;
  if (rope_scaling.type == DenseRopeScaling::Type::None) {
    j["rope_scaling"] = nullptr;
  } else if (rope_scaling.type == DenseRopeScaling::Type::Linear) {
    j["rope_scaling"] = {{"rope_type", "linear"}, {"factor", rope_scaling.factor}};
  } else {
    j["rope_scaling"] = {{"rope_type", "llama3"},
                         {"factor", rope_scaling.factor},
                         {"low_freq_factor", rope_scaling.low_freq_factor},
                         {"high_freq_factor", rope_scaling.high_freq_factor},
                         {"original_max_position_embeddings", rope_scaling.original_max_position_embeddings}};
  }
  if (arch == DenseArch::Qwen2) {
    j["use_sliding_window"] = false;
  } else {
    j["attention_bias"] = qkv_bias;
    j["mlp_bias"] = false;
  }
  if (bos_token_id >= 0) j["bos_token_id"] = bos_token_id;
  if (eos_token_ids.size() == 1) j["eos_token_id"] = eos_token_ids[0];
  else if (!eos_token_ids.empty()) j["eos_token_id"] = eos_token_ids;
  j["torch_dtype"] = "bfloat16";
  return j;
}

std::vector<double> dense_rope_inv_freq(const DenseConfig& c) {
  const int64_t d = c.head_dim, half = d / 2;
  std::vector<double> f(half);
  for (int64_t i = 0; i < half; ++i) f[i] = std::pow(c.rope_theta, -(double)(2 * i) / (double)d);
  const DenseRopeScaling& s = c.rope_scaling;
  if (s.type == DenseRopeScaling::Type::Linear) {
    for (auto& v : f) v /= s.factor;
  } else if (s.type == DenseRopeScaling::Type::Llama3) {
    // HF _compute_llama3_parameters: keep short wavelengths, divide long ones
    // by factor, blend in between (strict comparisons: equality blends).
    const double L = (double)s.original_max_position_embeddings;
    const double low_wavelen = L / s.low_freq_factor, high_wavelen = L / s.high_freq_factor;
    for (auto& v : f) {
      const double wavelen = 2.0 * M_PI / v;
      if (wavelen < high_wavelen) continue;
      if (wavelen > low_wavelen) {
        v /= s.factor;
      } else {
        const double smooth = (L / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
        v = (1.0 - smooth) * v / s.factor + smooth * v;
      }
    }
  }
  return f;
}

}  // namespace r1
