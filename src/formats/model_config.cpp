#include "formats/model_config.h"

#include <cmath>

#include "base/error.h"
#include "formats/config_keys.h"

namespace r1 {

namespace {

double yarn_get_mscale(double scale, double mscale) {
  if (scale <= 1.0) return 1.0;
  return 0.1 * mscale * std::log(scale) + 1.0;
}

}  // namespace

double ModelConfig::softmax_scale() const {
  double s = 1.0 / std::sqrt((double)qk_head_dim());
  if (rope_scaling.yarn && rope_scaling.mscale_all_dim != 0.0) {
    double m = yarn_get_mscale(rope_scaling.factor, rope_scaling.mscale_all_dim);
    s *= m * m;
  }
  return s;
}

ModelConfig parse_model_config(const json& j, const std::string& path) {
  R1_CHECK(j.is_object(), path, ": config is not a JSON object");
  ConfigKeys r{j, path, ""};
  ModelConfig c;
  const int64_t kBig = int64_t(1) << 40;
  c.model_type = r.string("model_type", "");
  R1_CHECK(c.model_type == "deepseek_v2" || c.model_type == "deepseek_v3", path, ": unsupported key 'model_type' = '",
           c.model_type, "' (expected deepseek_v2 or deepseek_v3)");
  c.vocab_size = r.integer("vocab_size", 0, true, 1, kBig);
  c.hidden_size = r.integer("hidden_size", 0, true, 1, 1 << 20);
  c.intermediate_size = r.integer("intermediate_size", 0, true, 1, 1 << 22);
  c.num_hidden_layers = r.integer("num_hidden_layers", 0, true, 1, 4096);
  c.num_nextn_predict_layers = r.integer("num_nextn_predict_layers", 0, false, 0, 64);
  c.num_attention_heads = r.integer("num_attention_heads", 0, true, 1, 4096);
  if (const json* kvh = r.find("num_key_value_heads")) {
    (void)kvh;
    int64_t n = r.integer("num_key_value_heads", 0, false, 1, 4096);
    R1_CHECK(n == c.num_attention_heads, path, ": unsupported key 'num_key_value_heads' = ", n,
             " (MLA needs it equal to num_attention_heads = ", c.num_attention_heads, ")");
  }
  c.q_lora_rank = r.integer("q_lora_rank", 0, false, 0, 1 << 20);
  c.kv_lora_rank = r.integer("kv_lora_rank", 0, true, 1, 1 << 20);
  c.qk_nope_head_dim = r.integer("qk_nope_head_dim", 0, true, 1, 1 << 16);
  c.qk_rope_head_dim = r.integer("qk_rope_head_dim", 0, true, 2, 1 << 16);
  R1_CHECK(c.qk_rope_head_dim % 2 == 0, path, ": key 'qk_rope_head_dim' = ", c.qk_rope_head_dim, " must be even");
  c.v_head_dim = r.integer("v_head_dim", 0, true, 1, 1 << 16);
  c.rope_theta = r.number("rope_theta", 10000.0, false, 1.0, 1e12);
  c.max_position_embeddings = r.integer("max_position_embeddings", 4096, false, 1, kBig);
  c.rms_norm_eps = r.number("rms_norm_eps", 1e-6, false, 0.0, 1.0);
  c.tie_word_embeddings = r.boolean("tie_word_embeddings", false);
  std::string act = r.string("hidden_act", "silu");
  R1_CHECK(act == "silu", path, ": unsupported key 'hidden_act' = '", act, "' (only silu)");
  R1_CHECK(!r.boolean("attention_bias", false), path, ": unsupported key 'attention_bias' = true");

  // MoE. n_routed_experts null/absent means a dense model.
  c.n_routed_experts = r.integer("n_routed_experts", 0, false, 0, 1 << 16);
  c.first_k_dense_replace = r.integer("first_k_dense_replace", 0, false, 0, 4096);
  c.moe_layer_freq = r.integer("moe_layer_freq", 1, false, 1, 4096);
  c.n_shared_experts = r.integer("n_shared_experts", 0, false, 0, 1 << 10);
  c.routed_scaling_factor = r.number("routed_scaling_factor", 1.0, false, 0.0, 1e6);
  c.norm_topk_prob = r.boolean("norm_topk_prob", false);
  bool any_moe = false;
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) any_moe |= c.is_moe_layer(i);
  if (any_moe) {
    c.moe_intermediate_size = r.integer("moe_intermediate_size", 0, true, 1, 1 << 22);
    c.num_experts_per_tok = r.integer("num_experts_per_tok", 0, true, 1, c.n_routed_experts);
    c.n_group = r.integer("n_group", 1, false, 1, c.n_routed_experts);
    c.topk_group = r.integer("topk_group", 1, false, 1, c.n_group);
    R1_CHECK(c.n_routed_experts % c.n_group == 0, path, ": key 'n_group' = ", c.n_group,
             " does not divide n_routed_experts = ", c.n_routed_experts);
    std::string sf = r.string("scoring_func", "softmax");
    if (sf == "softmax") c.scoring_func = ScoringFunc::Softmax;
    else if (sf == "sigmoid") c.scoring_func = ScoringFunc::Sigmoid;
    else fail(path, ": unsupported key 'scoring_func' = '", sf, "' (softmax or sigmoid)");
    std::string tm = r.string("topk_method", c.model_type == "deepseek_v3" ? "noaux_tc" : "greedy");
    if (tm == "greedy") c.topk_method = TopkMethod::Greedy;
    else if (tm == "group_limited_greedy") c.topk_method = TopkMethod::GroupLimitedGreedy;
    else if (tm == "noaux_tc") c.topk_method = TopkMethod::NoauxTc;
    else fail(path, ": unsupported key 'topk_method' = '", tm, "' (greedy, group_limited_greedy or noaux_tc)");
    if (c.topk_method != TopkMethod::Greedy && c.n_group > 1) {
      int64_t per = c.n_routed_experts / c.n_group;
      R1_CHECK(c.topk_group * per >= c.num_experts_per_tok, path, ": key 'topk_group' = ", c.topk_group,
               " keeps fewer experts than num_experts_per_tok = ", c.num_experts_per_tok);
      R1_CHECK(c.topk_method != TopkMethod::NoauxTc || per >= 2, path, ": key 'n_group' = ", c.n_group,
               " leaves fewer than 2 experts per group (noaux_tc sums the top 2)");
    }
  }

  // RoPE scaling: null or YaRN.
  if (const json* rs = r.find("rope_scaling")) {
    R1_CHECK(rs->is_object(), path, ": key 'rope_scaling' must be an object or null");
    ConfigKeys q{*rs, path, "rope_scaling."};
    std::string type = q.string("type", "");
    if (type.empty()) type = q.string("rope_type", "");
    R1_CHECK(type == "yarn", path, ": unsupported key 'rope_scaling.type' = '", type, "' (only yarn or null)");
    RopeScaling& y = c.rope_scaling;
    y.yarn = true;
    y.factor = q.number("factor", 1.0, true, 1e-6, 1e6);
    y.original_max_position_embeddings = q.integer("original_max_position_embeddings", 4096, false, 1, kBig);
    y.beta_fast = q.number("beta_fast", 32, false, 1e-6, 1e6);
    y.beta_slow = q.number("beta_slow", 1, false, 1e-6, 1e6);
    y.mscale = q.number("mscale", 1.0, false, -1e3, 1e3);
    y.mscale_all_dim = q.number("mscale_all_dim", 0.0, false, -1e3, 1e3);
  }

  c.bos_token_id = r.integer("bos_token_id", -1, false, -1, c.vocab_size - 1);
  if (const json* e = r.find("eos_token_id")) {
    auto add = [&](const json& v) {
      R1_CHECK(v.is_number_integer() && v.get<int64_t>() >= 0 && v.get<int64_t>() < c.vocab_size, path,
               ": key 'eos_token_id' has bad value ", v.dump(), " (vocab_size ", c.vocab_size, ")");
      c.eos_token_ids.push_back(v.get<int64_t>());
    };
    if (e->is_array()) for (auto& v : *e) add(v);
    else add(*e);
  }

  if (const json* q = r.find("quantization_config")) {
    R1_CHECK(q->is_object(), path, ": key 'quantization_config' must be an object");
    ConfigKeys qq{*q, path, "quantization_config."};
    std::string m = qq.string("quant_method", "");
    R1_CHECK(m == "fp8", path, ": unsupported key 'quantization_config.quant_method' = '", m, "' (only fp8)");
    std::string fmt = qq.string("fmt", "e4m3");
    R1_CHECK(fmt == "e4m3", path, ": unsupported key 'quantization_config.fmt' = '", fmt, "' (only e4m3)");
    c.fp8 = true;
    if (auto it = q->find("weight_block_size"); it != q->end() && !it->is_null()) {
      R1_CHECK(it->is_array() && it->size() == 2 && (*it)[0].is_number_integer() && (*it)[1].is_number_integer() &&
                   (*it)[0] == (*it)[1] && (*it)[0].get<int64_t>() > 0 && (*it)[0].get<int64_t>() <= (1 << 16),
               path, ": unsupported key 'quantization_config.weight_block_size' = ", it->dump(),
               " (square blocks only)");
      c.fp8_block = (*it)[0].get<int64_t>();
    }
  }
  return c;
}

ModelConfig load_model_config(const std::string& dir) {
  std::string p = dir + "/config.json";
  return parse_model_config(read_json_file(p), p);
}

}  // namespace r1
