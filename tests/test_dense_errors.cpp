// Bad input for the dense GQA models: each case throws r1::Error naming the
// key or tensor at fault (never a crash or silent garbage).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <fstream>

#include "base/error.h"
#include "base/json.h"
#include "formats/dense_config.h"
#include "formats/safetensors.h"
#include "model/dense.h"

using namespace r1;
namespace fs = std::filesystem;

namespace {

const std::string kDir = std::string(R1_SOURCE_DIR) + "/tests/data/goldens/";

json golden_config(const char* name) { return read_json_file(kDir + name + "/config.json"); }

// Expects f() to throw r1::Error whose message contains every `parts`.
template <class F>
void expect_error(F f, std::initializer_list<const char*> parts) {
  try {
    f();
    ADD_FAILURE() << "no error thrown (wanted: " << *parts.begin() << ")";
  } catch (const Error& e) {
    for (const char* p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what() << " | " << p;
  }
}

// A copy of a golden folder under the test temp dir, with `drop` tensors
// removed from model.safetensors and the config replaced by `cfg`.
std::string make_folder(const char* golden, const json& cfg, const std::vector<std::string>& drop) {
  const std::string dir = ::testing::TempDir() + "/dense_err_" + golden + "_" + std::to_string(drop.size()) + "_" +
                          std::to_string(std::hash<std::string>{}(cfg.dump()));
  fs::create_directories(dir);
  Checkpoint ck = Checkpoint::open(kDir + golden);
  json header = json::object();
  std::string data;
  for (const std::string& n : ck.names()) {
    if (std::find(drop.begin(), drop.end(), n) != drop.end()) continue;
    Tensor t = ck.raw(n);
    header[n] = {{"dtype", dtype_name(t.dtype())}, {"shape", t.shape()}, {"data_offsets", {data.size(), data.size() + t.nbytes()}}};
    data.append((const char*)t.raw(), t.nbytes());
  }
  std::string h = header.dump();
  while (h.size() % 8) h += ' ';
  std::ofstream f(dir + "/model.safetensors", std::ios::binary);
  const uint64_t n = h.size();
  f.write((const char*)&n, 8);
  f << h << data;
  f.close();
  std::ofstream(dir + "/config.json") << cfg.dump(2);
  return dir;
}

TEST(DenseErrors, HeadCountsThatDoNotDivide) {
  json c = golden_config("qwen2_tiny");
  c["num_key_value_heads"] = 4;  // 6 heads
  expect_error([&] { parse_dense_config(c); }, {"num_attention_heads", "num_key_value_heads", "6", "4"});
  c = golden_config("llama3_tiny");
  c["num_attention_heads"] = 7;  // hidden 128
  c["num_key_value_heads"] = 7;
  expect_error([&] { parse_dense_config(c); }, {"hidden_size", "num_attention_heads", "128", "7"});
  c = golden_config("llama3_tiny");
  c["num_key_value_heads"] = 0;
  expect_error([&] { parse_dense_config(c); }, {"num_key_value_heads"});
}

TEST(DenseErrors, UnknownRopeScalingType) {
  json c = golden_config("llama3_tiny");
  c["rope_scaling"]["rope_type"] = "llama4";
  expect_error([&] { parse_dense_config(c); }, {"rope_scaling.rope_type", "llama4"});
  c["rope_scaling"].erase("rope_type");
  c["rope_scaling"]["type"] = "dynamic";  // legacy key, a type we do not implement
  expect_error([&] { parse_dense_config(c); }, {"rope_scaling.rope_type", "dynamic"});
  c = golden_config("llama3_tiny");
  c["rope_scaling"].erase("low_freq_factor");
  expect_error([&] { parse_dense_config(c); }, {"rope_scaling.low_freq_factor"});
  c = golden_config("qwen2_tiny");
  c["rope_scaling"] = "yes";
  expect_error([&] { parse_dense_config(c); }, {"rope_scaling"});
}

TEST(DenseErrors, OtherConfigKeys) {
  json c = golden_config("qwen2_tiny");
  c["use_sliding_window"] = true;
  expect_error([&] { parse_dense_config(c); }, {"use_sliding_window"});
  c = golden_config("llama3_tiny");
  c["mlp_bias"] = true;
  expect_error([&] { parse_dense_config(c); }, {"mlp_bias"});
  c = golden_config("llama3_tiny");
  c["hidden_act"] = "gelu";
  expect_error([&] { parse_dense_config(c); }, {"hidden_act", "gelu"});
  c = golden_config("llama3_tiny");
  c.erase("vocab_size");
  expect_error([&] { parse_dense_config(c); }, {"vocab_size"});
  c = golden_config("llama3_tiny");
  c["model_type"] = "mistral";
  expect_error([&] { parse_dense_config(c); }, {"model_type", "mistral"});
}

TEST(DenseErrors, BiasTensorMissingWhereConfigExpectsIt) {
  // Qwen2 always has q/k/v biases.
  std::string d = make_folder("qwen2_tiny", golden_config("qwen2_tiny"), {"model.layers.1.self_attn.k_proj.bias"});
  expect_error([&] { DenseModel::load(d); }, {"model.layers.1.self_attn.k_proj.bias", "bias"});
  // Llama with attention_bias true but no bias tensors in the file.
  json c = golden_config("llama3_tiny");
  c["attention_bias"] = true;
  d = make_folder("llama3_tiny", c, {});
  expect_error([&] { DenseModel::load(d); }, {"model.layers.0.self_attn.q_proj.bias"});
}

TEST(DenseErrors, MissingOrMisshapedTensors) {
  std::string d = make_folder("qwen2_tiny", golden_config("qwen2_tiny"), {"lm_head.weight"});
  expect_error([&] { DenseModel::load(d); }, {"lm_head.weight", "tie_word_embeddings"});
  d = make_folder("llama3_tiny", golden_config("llama3_tiny"), {"model.layers.2.mlp.up_proj.weight"});
  expect_error([&] { DenseModel::load(d); }, {"model.layers.2.mlp.up_proj.weight"});
  json c = golden_config("llama3_tiny");
  c["intermediate_size"] = 255;
  d = make_folder("llama3_tiny", c, {});
  expect_error([&] { DenseModel::load(d); }, {"model.layers.0.mlp.gate_proj.weight", "shape"});
}

TEST(DenseErrors, TokenOutsideVocabularyAndBadSlots) {
  auto m = DenseModel::load(kDir + "qwen2_tiny");
  KVCache cache = m->make_cache(1);
  std::vector<int32_t> bad = {1, 2, 512};
  expect_error([&] { m->forward({{0, bad.data(), 3}}, cache); }, {"512", "vocab"});
  std::vector<int32_t> ok = {1};
  expect_error([&] { m->forward({{1, ok.data(), 1}}, cache); }, {"slot"});
  expect_error([&] { m->forward({{0, ok.data(), 1}, {0, ok.data(), 1}}, cache); }, {"slot", "twice"});
  KVCache wrong(3, 7, 1);
  expect_error([&] { m->forward({{0, ok.data(), 1}}, wrong); }, {"KV cache"});
}

TEST(DenseErrors, LoadModelNamesSupportedTypes) {
  json c = golden_config("qwen2_tiny");
  c["model_type"] = "gpt2";
  std::string d = make_folder("qwen2_tiny", c, {});
  expect_error([&] { load_model(d); }, {"model_type", "gpt2", "qwen2", "llama"});
}

}  // namespace
