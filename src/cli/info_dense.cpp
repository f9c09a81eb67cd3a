#include "cli/info_dense.h"

#include <cstdio>

#include "base/error.h"
#include "base/json.h"
#include "formats/dense_config.h"
#include "formats/safetensors.h"

namespace r1::cli {

bool is_dense_folder(const std::string& dir) {
  json j = read_json_file(dir + "/config.json");
  return j.is_object() && j.contains("model_type") && j["model_type"].is_string() &&
         is_dense_model_type(j["model_type"].get<std::string>());
}

int info_dense(const std::string& dir) {
  const DenseConfig c = load_dense_config(dir);
  const int64_t D = c.hidden_size, L = c.num_hidden_layers;
  const int64_t emb = c.vocab_size * D, head = c.tie_word_embeddings ? 0 : c.vocab_size * D;
  printf("model: %s (%s, dense GQA)\n", dir.c_str(), c.model_type.c_str());
  printf("params: total %.3f M (embeddings + lm_head %.3f M%s)\n", c.num_parameters() / 1e6, (emb + head) / 1e6,
         c.tie_word_embeddings ? ", lm_head tied to embed_tokens" : "");
  printf("layers: %lld decoder (all dense, SwiGLU intermediate %lld)\n", (long long)L, (long long)c.intermediate_size);
  const char* rope = c.rope_scaling.type == DenseRopeScaling::Type::Llama3   ? "llama3 scaling"
                     : c.rope_scaling.type == DenseRopeScaling::Type::Linear ? "linear scaling"
                                                                             : "plain";
  printf("attention: GQA, %lld query heads, %lld KV heads (%lld per group), head_dim %lld, q/k/v bias %s, "
         "RoPE half-split theta %g %s\n",
         (long long)c.num_attention_heads, (long long)c.num_key_value_heads, (long long)c.group(),
         (long long)c.head_dim, c.qkv_bias ? "yes" : "no", c.rope_theta, rope);
  const int64_t gqa = c.kv_cache_elems_per_layer(), mha = c.mha_cache_elems_per_layer();
  printf("KV cache per token per layer: GQA %lld elements (K+V of %lld KV heads) vs MHA %lld elements (%.1fx smaller)\n",
         (long long)gqa, (long long)c.num_key_value_heads, (long long)mha, (double)mha / gqa);
  printf("KV cache per token: GQA %lld bytes vs MHA %lld bytes (f32, %lld layers)\n", (long long)(gqa * 4 * L),
         (long long)(mha * 4 * L), (long long)L);
  try {
    Checkpoint ck = Checkpoint::open(dir);
    int64_t n = 0, stored = 0;
    for (auto& name : ck.names()) {
      const auto& ti = ck.info(name);
      int64_t e = 1;
      for (auto d : ti.shape) e *= d;
      stored += (int64_t)ti.nbytes;
      n += e;
    }
    printf("checkpoint: %zu tensors, %.1f MiB stored; %.3f M params\n", ck.names().size(), stored / 1048576.0, n / 1e6);
  } catch (const Error& e) {
    printf("checkpoint: not readable (%s)\n", e.what());
  }
  return 0;
}

}  // namespace r1::cli
