// safetensors parsing, checkpoint folders, FP8 block dequantisation.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstring>
#include <fstream>

#include "base/error.h"
#include "base/json.h"
#include "formats/model_config.h"
#include "formats/safetensors.h"

using namespace r1;

namespace {

const std::string kDir = std::string(R1_SOURCE_DIR) + "/tests/data/goldens/";

// Minimal SHA-256 (FIPS 180-4) to check dequantised tensors against outputs.json.
struct Sha256 {
  static std::string hex(const uint8_t* data, size_t n) {
    static const uint32_t k[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
        0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
        0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
        0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
        0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
        0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
        0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2};
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    std::vector<uint8_t> m(data, data + n);
    m.push_back(0x80);
    while (m.size() % 64 != 56) m.push_back(0);
    uint64_t bits = (uint64_t)n * 8;
    for (int i = 7; i >= 0; --i) m.push_back((uint8_t)(bits >> (8 * i)));
    auto rotr = [](uint32_t x, int r) { return (x >> r) | (x << (32 - r)); };
    for (size_t off = 0; off < m.size(); off += 64) {
      uint32_t w[64];
      for (int i = 0; i < 16; ++i)
        w[i] = (uint32_t)m[off + 4 * i] << 24 | (uint32_t)m[off + 4 * i + 1] << 16 | (uint32_t)m[off + 4 * i + 2] << 8 |
               m[off + 4 * i + 3];
      for (int i = 16; i < 64; ++i) {
        uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
      }
      uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
      for (int i = 0; i < 64; ++i) {
        uint32_t S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25), ch = (e & f) ^ (~e & g);
        uint32_t t1 = hh + S1 + ch + k[i] + w[i];
        uint32_t S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22), mj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t2 = S0 + mj;
        hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
      }
      h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
    }
    char out[65];
    for (int i = 0; i < 8; ++i) snprintf(out + 8 * i, 9, "%08x", h[i]);
    return out;
  }
};

std::string make_st(const json& hdr, size_t data_bytes) {
  std::string h = hdr.dump();
  std::string s(8, '\0');
  uint64_t n = h.size();
  for (int i = 0; i < 8; ++i) s[i] = (char)(n >> (8 * i));
  return s + h + std::string(data_bytes, '\0');
}

std::string parse_error(const std::string& img) {
  try {
    parse_safetensors((const uint8_t*)img.data(), img.size(), "x.safetensors");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(FormatsSafetensors, Sha256KnownAnswer) {
  EXPECT_EQ(Sha256::hex((const uint8_t*)"abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(FormatsSafetensors, ParsesGoodHeader) {
  json h = {{"a", {{"dtype", "F32"}, {"shape", {2, 3}}, {"data_offsets", {0, 24}}}},
            {"b", {{"dtype", "BF16"}, {"shape", {4}}, {"data_offsets", {24, 32}}}},
            {"__metadata__", {{"format", "pt"}}}};
  std::string img = make_st(h, 32);
  auto t = parse_safetensors((const uint8_t*)img.data(), img.size(), "x");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].name, "a");
  EXPECT_EQ(t[0].shape, Shape({2, 3}));
  EXPECT_EQ(t[1].dtype, DType::BF16);
  EXPECT_EQ(t[1].offset, 8 + h.dump().size() + 24);
}

TEST(FormatsSafetensors, RejectsBadFiles) {
  EXPECT_NE(parse_error("abc").find("truncated"), std::string::npos);
  std::string big = make_st({{"a", {{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {0, 8}}}}}, 8);
  EXPECT_NE(parse_error(big.substr(0, big.size() - 3)).find("outside the data section"), std::string::npos);
  EXPECT_NE(parse_error(big.substr(0, 20)).find("header length"), std::string::npos);
  EXPECT_NE(parse_error(make_st({{"a", {{"dtype", "Q4"}, {"shape", {2}}, {"data_offsets", {0, 8}}}}}, 8)).find("unknown dtype 'Q4'"),
            std::string::npos);
  EXPECT_NE(parse_error(make_st({{"a", {{"dtype", "F32"}, {"shape", {3}}, {"data_offsets", {0, 8}}}}}, 12)).find("needs 12"),
            std::string::npos);
  json ov = {{"a", {{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {0, 8}}}},
             {"b", {{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {4, 12}}}}};
  EXPECT_NE(parse_error(make_st(ov, 12)).find("overlap"), std::string::npos);
  EXPECT_NE(parse_error(make_st({{"a", {{"dtype", "F32"}, {"shape", {-1}}, {"data_offsets", {0, 0}}}}}, 0)).find("bad shape"),
            std::string::npos);
  std::string junk = make_st(json::object(), 0);
  junk[8] = 'x';
  EXPECT_NE(parse_error(junk).find("not valid JSON"), std::string::npos);
}

TEST(FormatsSafetensors, Fp8DequantMatchesPublishedSha256) {
  Checkpoint ck = Checkpoint::open(kDir + "v3_fp8");
  json q = read_json_file(kDir + "v3_fp8/outputs.json")["quantization"]["fp8_tensors"];
  ASSERT_EQ(q.size(), 140u);
  for (auto it = q.begin(); it != q.end(); ++it) {
    auto shape = (*it)["shape"].get<std::vector<int64_t>>();
    Tensor w = ck.f32(it.key(), shape);
    EXPECT_EQ(Sha256::hex((const uint8_t*)w.raw(), w.nbytes()), (*it)["dequant_f32_sha256"].get<std::string>()) << it.key();
  }
  // Worked example from the README: row 0 of kv_a_proj_with_mqa.
  Tensor w = ck.f32("model.layers.0.self_attn.kv_a_proj_with_mqa.weight", {112, 192});
  uint32_t bits;
  std::memcpy(&bits, &w.f32()[0], 4);
  EXPECT_EQ(bits, 0x3E020D54u);
  std::memcpy(&bits, &w.f32()[128], 4);
  EXPECT_EQ(bits, 0xBE030527u);
}

TEST(FormatsSafetensors, ShardedIndexAndMissingShard) {
  const std::string d = testing::TempDir() + "/r1_sharded";
  ::mkdir(d.c_str(), 0755);
  json h1 = {{"a", {{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {0, 8}}}}};
  json h2 = {{"b", {{"dtype", "F32"}, {"shape", {1}}, {"data_offsets", {0, 4}}}}};
  std::ofstream(d + "/s1.safetensors", std::ios::binary) << make_st(h1, 8);
  std::ofstream(d + "/s2.safetensors", std::ios::binary) << make_st(h2, 4);
  std::ofstream(d + "/model.safetensors.index.json") << json{{"weight_map", {{"a", "s1.safetensors"}, {"b", "s2.safetensors"}}}}.dump();
  Checkpoint ck = Checkpoint::open(d);
  EXPECT_EQ(ck.names(), std::vector<std::string>({"a", "b"}));
  EXPECT_EQ(ck.f32("b", {1}).numel(), 1);
  EXPECT_THROW(ck.f32("b", {2}), Error);
  std::ofstream(d + "/model.safetensors.index.json") << json{{"weight_map", {{"a", "s1.safetensors"}, {"b", "s3.safetensors"}}}}.dump();
  try {
    Checkpoint::open(d);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("shard 's3.safetensors'"), std::string::npos) << e.what();
  }
}

TEST(FormatsConfig, ParsesGoldensAndNamesBadKeys) {
  ModelConfig c = load_model_config(kDir + "v2lite_tiny");
  EXPECT_EQ(c.q_lora_rank, 0);
  EXPECT_EQ(c.scoring_func, ScoringFunc::Softmax);
  EXPECT_EQ(c.topk_method, TopkMethod::Greedy);
  EXPECT_TRUE(c.rope_scaling.yarn);
  ModelConfig v3 = load_model_config(kDir + "v3_fp8");
  EXPECT_TRUE(v3.fp8);
  EXPECT_EQ(v3.num_nextn_predict_layers, 1);
  json j = read_json_file(kDir + "v3_tiny/config.json");
  auto bad = [&](const char* key, json v) {
    json k = j;
    k[key] = v;
    try {
      parse_model_config(k, "cfg.json");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(bad("scoring_func", "relu").find("'scoring_func'"), std::string::npos);
  EXPECT_NE(bad("hidden_size", -3).find("'hidden_size'"), std::string::npos);
  EXPECT_NE(bad("topk_method", "magic").find("'topk_method'"), std::string::npos);
  EXPECT_NE(bad("model_type", "llama").find("'model_type'"), std::string::npos);
  EXPECT_NE(bad("n_group", 5).find("'n_group'"), std::string::npos);
  EXPECT_NE(bad("rope_scaling", json{{"type", "linear"}, {"factor", 2}}).find("rope_scaling.type"), std::string::npos);
  EXPECT_NE(bad("qk_rope_head_dim", 7).find("'qk_rope_head_dim'"), std::string::npos);
}
