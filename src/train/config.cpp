#include "train/config.h"

#include <cmath>

#include "base/error.h"

namespace r1::train {

template <class T>
static T need(const json& j, const char* k, const std::string& where) {
  R1_CHECK(j.contains(k) && !j[k].is_null(), where, ": missing key \"", k, "\"");
  try {
    return j[k].get<T>();
  } catch (const json::exception&) {
    fail(where, ": key \"", k, "\" has the wrong type: ", j[k].dump());
  }
}
template <class T>
static T opt(const json& j, const char* k, T def, const std::string& where) {
  if (!j.contains(k) || j[k].is_null()) return def;
  try {
    return j[k].get<T>();
  } catch (const json::exception&) {
    fail(where, ": key \"", k, "\" has the wrong type: ", j[k].dump());
  }
}

ModelConfig ModelConfig::from_json(const json& j, const std::string& w) {
  R1_CHECK(j.is_object(), w, ": config must be a JSON object");
  ModelConfig c;
  c.raw = j;
  c.vocab_size = need<int>(j, "vocab_size", w);
  c.hidden_size = need<int>(j, "hidden_size", w);
  c.intermediate_size = need<int>(j, "intermediate_size", w);
  c.num_hidden_layers = need<int>(j, "num_hidden_layers", w);
  c.num_attention_heads = need<int>(j, "num_attention_heads", w);
  c.kv_lora_rank = need<int>(j, "kv_lora_rank", w);
  c.qk_nope_head_dim = need<int>(j, "qk_nope_head_dim", w);
  c.qk_rope_head_dim = need<int>(j, "qk_rope_head_dim", w);
  c.v_head_dim = need<int>(j, "v_head_dim", w);
  c.q_lora_rank = opt<int>(j, "q_lora_rank", 0, w);
  c.n_routed_experts = opt<int>(j, "n_routed_experts", 0, w);
  c.n_shared_experts = opt<int>(j, "n_shared_experts", 0, w);
  c.moe_intermediate_size = opt<int>(j, "moe_intermediate_size", 0, w);
  c.num_experts_per_tok = opt<int>(j, "num_experts_per_tok", 0, w);
  c.first_k_dense_replace = opt<int>(j, "first_k_dense_replace", 0, w);
  c.moe_layer_freq = opt<int>(j, "moe_layer_freq", 1, w);
  c.n_group = opt<int>(j, "n_group", 1, w);
  c.topk_group = opt<int>(j, "topk_group", 1, w);
  c.routed_scaling_factor = opt<float>(j, "routed_scaling_factor", 1.0f, w);
  std::string sf = opt<std::string>(j, "scoring_func", "sigmoid", w);
  R1_CHECK(sf == "sigmoid" || sf == "softmax", w, ": scoring_func must be sigmoid or softmax, got \"", sf, "\"");
  c.scoring_sigmoid = sf == "sigmoid";
  c.norm_topk_prob = opt<bool>(j, "norm_topk_prob", c.scoring_sigmoid, w);
  std::string tm = opt<std::string>(j, "topk_method", c.scoring_sigmoid ? "noaux_tc" : "greedy", w);
  R1_CHECK(tm == "noaux_tc" || tm == "greedy" || tm == "group_limited_greedy", w, ": unknown topk_method \"", tm, "\"");
  c.noaux_tc = tm == "noaux_tc";
  c.rope_theta = opt<double>(j, "rope_theta", 10000.0, w);
  c.max_position_embeddings = opt<int>(j, "max_position_embeddings", 4096, w);
  c.rms_norm_eps = opt<float>(j, "rms_norm_eps", 1e-6f, w);
  c.num_nextn_predict_layers = opt<int>(j, "num_nextn_predict_layers", 0, w);
  c.initializer_range = opt<double>(j, "initializer_range", 0.02, w);
  c.bos_token_id = opt<int>(j, "bos_token_id", 0, w);
  c.eos_token_id = opt<int>(j, "eos_token_id", 1, w);
  R1_CHECK(!opt<bool>(j, "tie_word_embeddings", false, w), w, ": tie_word_embeddings=true is not DeepSeek-V3");
  if (j.contains("rope_scaling") && !j["rope_scaling"].is_null()) {
    const json& rs = j["rope_scaling"];
    std::string ty = rs.value("type", rs.value("rope_type", std::string()));
    R1_CHECK(ty == "yarn", w, ": rope_scaling.type \"", ty, "\" is not supported (only yarn)");
    c.yarn = true;
    c.yarn_factor = need<double>(rs, "factor", w + " rope_scaling");
    c.yarn_original_max_pos = need<int>(rs, "original_max_position_embeddings", w + " rope_scaling");
    c.yarn_beta_fast = opt<double>(rs, "beta_fast", 32.0, w);
    c.yarn_beta_slow = opt<double>(rs, "beta_slow", 1.0, w);
    double ms = opt<double>(rs, "mscale", 1.0, w), msa = opt<double>(rs, "mscale_all_dim", ms, w);
    R1_CHECK(std::fabs(ms - msa) < 1e-12, w, ": rope_scaling mscale ", ms, " != mscale_all_dim ", msa,
             " (model.py cannot express it)");
    c.yarn_mscale = msa;
    R1_CHECK(c.yarn_factor >= 1.0, w, ": rope_scaling.factor must be >= 1, got ", c.yarn_factor);
  }
  // consistency
  auto pos = [&](int v, const char* k) { R1_CHECK(v > 0, w, ": ", k, " must be > 0, got ", v); };
  pos(c.vocab_size, "vocab_size");
  pos(c.hidden_size, "hidden_size");
  pos(c.num_hidden_layers, "num_hidden_layers");
  pos(c.num_attention_heads, "num_attention_heads");
  pos(c.kv_lora_rank, "kv_lora_rank");
  pos(c.qk_rope_head_dim, "qk_rope_head_dim");
  pos(c.v_head_dim, "v_head_dim");
  R1_CHECK(c.qk_nope_head_dim >= 0 && c.q_lora_rank >= 0, w, ": negative qk_nope_head_dim/q_lora_rank");
  R1_CHECK(c.qk_rope_head_dim % 2 == 0, w, ": qk_rope_head_dim ", c.qk_rope_head_dim,
           " must be even (RoPE rotates pairs)");
  R1_CHECK(c.num_nextn_predict_layers >= 0, w, ": num_nextn_predict_layers must be >= 0");
  R1_CHECK(c.moe_layer_freq >= 1, w, ": moe_layer_freq must be >= 1");
  bool any_moe = false;
  for (int i = 0; i < c.num_hidden_layers + c.num_nextn_predict_layers; ++i) any_moe = any_moe || c.is_moe_layer(i);
  if (any_moe) {
    pos(c.moe_intermediate_size, "moe_intermediate_size");
    pos(c.num_experts_per_tok, "num_experts_per_tok");
    R1_CHECK(c.num_experts_per_tok <= c.n_routed_experts, w, ": num_experts_per_tok ", c.num_experts_per_tok,
             " > n_routed_experts ", c.n_routed_experts);
    R1_CHECK(c.n_group >= 1 && c.n_routed_experts % c.n_group == 0, w, ": n_routed_experts ", c.n_routed_experts,
             " not divisible by n_group ", c.n_group);
    R1_CHECK(c.topk_group >= 1 && c.topk_group <= c.n_group, w, ": topk_group ", c.topk_group, " outside [1, n_group ",
             c.n_group, "]");
    R1_CHECK(c.num_experts_per_tok <= c.topk_group * (c.n_routed_experts / c.n_group), w, ": num_experts_per_tok ",
             c.num_experts_per_tok, " > experts in the ", c.topk_group, " kept groups");
    R1_CHECK(c.n_shared_experts >= 0, w, ": n_shared_experts must be >= 0");
  } else {
    pos(c.intermediate_size, "intermediate_size");
  }
  return c;
}

ModelConfig ModelConfig::load(const std::string& path) { return from_json(read_json_file(path), path); }

json ModelConfig::to_json() const {
  json j = raw.is_object() ? raw : json::object();
  j["architectures"] = {"DeepseekV3ForCausalLM"};
  j["model_type"] = "deepseek_v3";
  j["vocab_size"] = vocab_size;
  j["hidden_size"] = hidden_size;
  j["intermediate_size"] = intermediate_size;
  j["moe_intermediate_size"] = moe_intermediate_size;
  j["num_hidden_layers"] = num_hidden_layers;
  j["first_k_dense_replace"] = first_k_dense_replace;
  j["moe_layer_freq"] = moe_layer_freq;
  j["num_attention_heads"] = num_attention_heads;
  j["num_key_value_heads"] = num_attention_heads;
  j["n_routed_experts"] = n_routed_experts;
  j["n_shared_experts"] = n_shared_experts;
  j["num_experts_per_tok"] = num_experts_per_tok;
  j["n_group"] = n_group;
  j["topk_group"] = topk_group;
  j["routed_scaling_factor"] = routed_scaling_factor;
  j["scoring_func"] = scoring_sigmoid ? "sigmoid" : "softmax";
  j["norm_topk_prob"] = norm_topk_prob;
  j["topk_method"] = noaux_tc ? "noaux_tc" : (n_group > 1 ? "group_limited_greedy" : "greedy");
  if (q_lora_rank > 0) j["q_lora_rank"] = q_lora_rank;
  else j["q_lora_rank"] = nullptr;
  j["kv_lora_rank"] = kv_lora_rank;
  j["qk_nope_head_dim"] = qk_nope_head_dim;
  j["qk_rope_head_dim"] = qk_rope_head_dim;
  j["v_head_dim"] = v_head_dim;
  j["rope_theta"] = rope_theta;
  if (yarn)
    j["rope_scaling"] = {{"type", "yarn"},
                         {"factor", yarn_factor},
                         {"original_max_position_embeddings", yarn_original_max_pos},
                         {"beta_fast", yarn_beta_fast},
                         {"beta_slow", yarn_beta_slow},
                         {"mscale", yarn_mscale},
                         {"mscale_all_dim", yarn_mscale}};
  else j["rope_scaling"] = nullptr;
  j["max_position_embeddings"] = max_position_embeddings;
  j["rms_norm_eps"] = rms_norm_eps;
  j["num_nextn_predict_layers"] = num_nextn_predict_layers;
  j["tie_word_embeddings"] = false;
  j["hidden_act"] = "silu";
  j["attention_bias"] = false;
  j["initializer_range"] = initializer_range;
  j["bos_token_id"] = bos_token_id;
  j["eos_token_id"] = eos_token_id;
  j["torch_dtype"] = "float32";
  return j;
}

std::vector<float> ModelConfig::rope_inv_freq() const {
  const int r = qk_rope_head_dim;
  std::vector<float> f(r / 2);
  std::vector<double> base(r / 2);
  for (int i = 0; i < r / 2; ++i) base[i] = 1.0 / std::pow(rope_theta, (2.0 * i) / r);
  if (!yarn) {
    for (int i = 0; i < r / 2; ++i) f[i] = (float)base[i];
    return f;
  }
  // corr(n) = r ln(L/(2 pi n)) / (2 ln theta); ramp between floor(corr(beta_fast)) and ceil(corr(beta_slow))
  auto corr = [&](double n) {
    return r * std::log(yarn_original_max_pos / (n * 2 * M_PI)) / (2 * std::log(rope_theta));
  };
  double lo = std::max(std::floor(corr(yarn_beta_fast)), 0.0);
  double hi = std::min(std::ceil(corr(yarn_beta_slow)), (double)(r - 1));
  if (lo == hi) hi += 0.001;
  for (int i = 0; i < r / 2; ++i) {
    double ramp = std::clamp((i - lo) / (hi - lo), 0.0, 1.0);
    f[i] = (float)(base[i] / yarn_factor * ramp + base[i] * (1 - ramp));
  }
  return f;
}

float ModelConfig::softmax_scale() const {
  double s = 1.0 / std::sqrt((double)(qk_nope_head_dim + qk_rope_head_dim));
  if (yarn && yarn_factor > 1.0) {
    double m = 0.1 * yarn_mscale * std::log(yarn_factor) + 1.0;
    s *= m * m;
  }
  return (float)s;
}

int64_t ModelConfig::num_params(bool with_mtp) const {
  const int64_t C = hidden_size, H = num_attention_heads;
  int64_t attn = (q_lora_rank ? C * q_lora_rank + q_lora_rank + (int64_t)q_lora_rank * H * (qk_nope_head_dim + qk_rope_head_dim)
                              : C * H * (qk_nope_head_dim + qk_rope_head_dim)) +
                 C * (kv_lora_rank + qk_rope_head_dim) + kv_lora_rank +
                 (int64_t)kv_lora_rank * H * (qk_nope_head_dim + v_head_dim) + H * v_head_dim * C + 2 * C;
  auto layer = [&](int i) {
    if (!is_moe_layer(i)) return attn + 3 * C * intermediate_size;
    return attn + C * n_routed_experts + 3 * C * (int64_t)moe_intermediate_size * (n_routed_experts + n_shared_experts);
  };
  int64_t n = 2 * (int64_t)vocab_size * C + C;
  for (int i = 0; i < num_hidden_layers; ++i) n += layer(i);
  if (with_mtp)
    for (int k = 0; k < num_nextn_predict_layers; ++k) n += layer(num_hidden_layers + k) + 3 * C + 2 * C * C;
  return n;
}

}  // namespace r1::train
