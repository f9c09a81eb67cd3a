#include "model/model.h"

#include "formats/model_config.h"
#include "model/dense.h"
#include "model/transformer.h"

namespace r1 {

Tensor Model::prefill(const std::vector<int32_t>& tokens, const ForwardOptions& opt) {
  KVCache cache = make_cache(1);
  return forward({Chunk{0, tokens.data(), (int64_t)tokens.size()}}, cache, opt);
}

Tensor Model::decode_step(const std::vector<int>& slots, const std::vector<int32_t>& last, KVCache& cache,
                          const ForwardOptions& opt) {
  R1_CHECK(slots.size() == last.size(), "decode_step: ", slots.size(), " slots but ", last.size(), " tokens");
  std::vector<Chunk> ch;
  for (size_t i = 0; i < slots.size(); ++i) ch.push_back(Chunk{slots[i], &last[i], 1});
  return forward(ch, cache, opt);
}

std::unique_ptr<Model> load_model(const std::string& dir) {
  json j = read_json_file(dir + "/config.json");
  std::string mt = j.is_object() && j.contains("model_type") && j["model_type"].is_string() ? j["model_type"].get<std::string>() : "";
  if (mt == "deepseek_v2" || mt == "deepseek_v3") return Transformer::load(dir);
  if (is_dense_model_type(mt)) return DenseModel::load(dir);  // qwen2, llama (GQA)
  fail(dir, "/config.json: unsupported key 'model_type' = '", mt, "' (supported: deepseek_v2, deepseek_v3, qwen2, llama)");
}

}  // namespace r1
