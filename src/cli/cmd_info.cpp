// r1 info: parameter counts, layer/expert layout and KV-cache sizes of a model folder.
#include <cstdio>
#include <string>

#include "base/error.h"
#include "cli/common.h"
#include "cli/info_dense.h"
#include "cli/registry.h"
#include "formats/model_config.h"
#include "formats/safetensors.h"

namespace {

std::string human(int64_t n) {
  char b[32];
  if (n >= 1000000000) snprintf(b, sizeof b, "%.3f B", n / 1e9);
  else snprintf(b, sizeof b, "%.3f M", n / 1e6);
  return b;
}

int cmd_info(int argc, char** argv) {
  CLI::App app{"Describe a DeepSeek model folder: parameters, layout, KV cache per token", "r1 info"};
  std::string dir;
  int threads = 0;
  app.add_option("--model", dir, "Hugging Face model folder")->required();
  r1::cli::add_threads_flag(app, threads);
  R1_PARSE(app, argc, argv);
  if (r1::cli::is_dense_folder(dir)) return r1::cli::info_dense(dir);  // qwen2 / llama: GQA
  r1::ModelConfig c = r1::load_model_config(dir);
  const int64_t D = c.hidden_size, H = c.num_attention_heads;
  // Parameter counts from the config (the checkpoint is listed below if present).
  int64_t attn = (c.q_lora_rank > 0 ? c.q_lora_rank * D + c.q_lora_rank + c.q_lora_rank * H * c.qk_head_dim()
                                    : D * H * c.qk_head_dim()) +
                 D * (c.kv_lora_rank + c.qk_rope_head_dim) + c.kv_lora_rank +
                 c.kv_lora_rank * H * (c.qk_nope_head_dim + c.v_head_dim) + H * c.v_head_dim * D;
  int64_t dense_mlp = 3 * D * c.intermediate_size, expert = 3 * D * c.moe_intermediate_size;
  int64_t total = 0, active = 0, n_moe = 0;
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    int64_t base = attn + 2 * D;
    total += base, active += base;
    if (c.is_moe_layer(i)) {
      ++n_moe;
      int64_t gate = c.n_routed_experts * D + (c.topk_method == r1::TopkMethod::NoauxTc ? c.n_routed_experts : 0);
      int64_t shared = c.n_shared_experts * expert;
      total += gate + shared + c.n_routed_experts * expert;
      active += gate + shared + c.num_experts_per_tok * expert;
    } else {
      total += dense_mlp, active += dense_mlp;
    }
  }
  int64_t emb = c.vocab_size * D, head = c.tie_word_embeddings ? 0 : c.vocab_size * D;
  total += emb + head + D;
  active += emb + head + D;
  printf("model: %s (%s)\n", dir.c_str(), c.model_type.c_str());
  printf("params: total %s, active per token %s (embeddings + lm_head %s; MTP layers not counted)\n",
         human(total).c_str(), human(active).c_str(), human(emb + head).c_str());
  printf("layers: %lld decoder (%lld dense, %lld MoE), %lld MTP\n", (long long)c.num_hidden_layers,
         (long long)(c.num_hidden_layers - n_moe), (long long)n_moe, (long long)c.num_nextn_predict_layers);
  printf("  layout:");
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) printf(" %s", c.is_moe_layer(i) ? "M" : "D");
  printf("\n");
  if (n_moe)
    printf("experts: %lld routed (top-%lld, %lld groups keep %lld, %s scoring, %s), %lld shared; moe_intermediate %lld\n",
           (long long)c.n_routed_experts, (long long)c.num_experts_per_tok, (long long)c.n_group,
           (long long)c.topk_group, c.scoring_func == r1::ScoringFunc::Sigmoid ? "sigmoid" : "softmax",
           c.topk_method == r1::TopkMethod::NoauxTc ? "noaux_tc"
           : c.topk_method == r1::TopkMethod::GroupLimitedGreedy ? "group_limited_greedy" : "greedy",
           (long long)c.n_shared_experts, (long long)c.moe_intermediate_size);
  printf("attention: MLA, %lld heads, q_lora_rank %lld, kv_lora_rank %lld, qk_nope %lld, qk_rope %lld, v %lld, RoPE %s\n",
         (long long)H, (long long)c.q_lora_rank, (long long)c.kv_lora_rank, (long long)c.qk_nope_head_dim,
         (long long)c.qk_rope_head_dim, (long long)c.v_head_dim, c.rope_scaling.yarn ? "YaRN" : "plain");
  const int64_t mla = c.mla_cache_elems_per_layer(), mha = c.mha_cache_elems_per_layer();
  printf("KV cache per token per layer: MLA %lld elements vs MHA %lld elements (%.1fx smaller)\n", (long long)mla,
         (long long)mha, (double)mha / mla);
  printf("KV cache per token: MLA %lld bytes vs MHA %lld bytes (f32, %lld layers)\n",
         (long long)(mla * 4 * c.num_hidden_layers), (long long)(mha * 4 * c.num_hidden_layers),
         (long long)c.num_hidden_layers);
  try {
    r1::Checkpoint ck = r1::Checkpoint::open(dir);
    int64_t n = 0, stored = 0, mtp = 0;
    const std::string pre = "model.layers.";
    for (auto& name : ck.names()) {
      const auto& ti = ck.info(name);
      int64_t e = 1;
      for (auto d : ti.shape) e *= d;
      stored += (int64_t)ti.nbytes;
      bool is_mtp = false;
      if (name.rfind(pre, 0) == 0) is_mtp = std::atoll(name.c_str() + pre.size()) >= c.num_hidden_layers;
      if (name.find("_scale_inv") != std::string::npos) continue;
      (is_mtp ? mtp : n) += e;
    }
    printf("checkpoint: %zu tensors, %.1f MiB stored; %.3f M main-model params, %.3f M MTP params\n", ck.names().size(),
           stored / 1048576.0, n / 1e6, mtp / 1e6);
  } catch (const r1::Error& e) {
    printf("checkpoint: not readable (%s)\n", e.what());
  }
  return 0;
}

}  // namespace

R1_COMMAND("info", "parameter counts, layer/expert layout and KV-cache bytes per token of a model", cmd_info);
