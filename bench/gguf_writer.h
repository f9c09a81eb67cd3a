// A minimal GGUF v3 writer for the benchmark generators (bench_dense_gen,
// bench_gen_model), so llama.cpp can run the very same weights as r1.
// Layout (little-endian): "GGUF", version 3, tensor count, KV count, KV pairs,
// tensor infos (name, n_dims, ne[] innermost first, ggml type, data offset),
// padding to general.alignment, then the tensor data, each tensor aligned.
// A row-major torch/HF shape [a, b, c] is ggml ne = [c, b, a] with the same bytes.
#pragma once
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "base/error.h"

namespace r1::bench {

inline void pwrite_all(int fd, const void* p, size_t n, off_t off, const std::string& path) {
  const char* c = (const char*)p;
  while (n) {
    ssize_t w = ::pwrite(fd, c, n, off);
    R1_CHECK(w > 0, path, ": write failed");
    c += w, n -= w, off += w;
  }
}

class GgufWriter {
 public:
  // ggml tensor types used here.
  enum Type : uint32_t { F32 = 0, F16 = 1, BF16 = 30 };
  static size_t type_size(Type t) { return t == F32 ? 4 : 2; }

  static constexpr uint64_t kAlign = 32;

  // --- metadata ---
  void kv_u32(const std::string& k, uint32_t v) { key(k, U32), pod(v); }
  void kv_f32(const std::string& k, float v) { key(k, FLOAT32), pod(v); }
  void kv_bool(const std::string& k, bool v) { key(k, BOOL), kv_.push_back(v ? 1 : 0); }
  void kv_str(const std::string& k, const std::string& v) { key(k, STRING), str(kv_, v); }
  void kv_str_array(const std::string& k, const std::vector<std::string>& v) {
    key(k, ARRAY), pod((uint32_t)STRING), pod((uint64_t)v.size());
    for (auto& s : v) str(kv_, s);
  }
  void kv_i32_array(const std::string& k, const std::vector<int32_t>& v) {
    key(k, ARRAY), pod((uint32_t)I32), pod((uint64_t)v.size());
    kv_.append((const char*)v.data(), v.size() * 4);
  }
  // A byte-level GPT-2 vocabulary of n tokens (the 256 byte tokens, then
  // fillers, no merges): the benchmarks feed token ids, never text.
  void synthetic_gpt2_vocab(int64_t n, const std::string& pre, int64_t bos, int64_t eos) {
    kv_str("tokenizer.ggml.model", "gpt2");
    kv_str("tokenizer.ggml.pre", pre);
    std::vector<std::string> bt = byte_tokens(), toks(n);
    for (int64_t i = 0; i < n; ++i) toks[i] = i < 256 ? bt[i] : "<|r1_tok_" + std::to_string(i) + "|>";
    kv_str_array("tokenizer.ggml.tokens", toks);
    kv_i32_array("tokenizer.ggml.token_type", std::vector<int32_t>(n, 1));
    kv_str_array("tokenizer.ggml.merges", {});
    kv_u32("tokenizer.ggml.bos_token_id", (uint32_t)bos);
    kv_u32("tokenizer.ggml.eos_token_id", (uint32_t)eos);
  }

  // --- tensors: declare all, then open(), then write() data in any order ---
  // shape: row-major (torch) order. Returns the tensor's index.
  size_t add_tensor(const std::string& name, const std::vector<int64_t>& shape, Type t) {
    Info in{name, shape, t, next_, 1};
    for (auto d : shape) in.numel *= d;
    next_ += (uint64_t)in.numel * type_size(t);
    next_ = (next_ + kAlign - 1) / kAlign * kAlign;
    infos_.push_back(in);
    return infos_.size() - 1;
  }
  size_t index(const std::string& name) const {
    for (size_t i = 0; i < infos_.size(); ++i)
      if (infos_[i].name == name) return i;
    r1::fail("gguf writer: no tensor ", name);
  }
  Type type(size_t i) const { return infos_[i].type; }
  int64_t numel(size_t i) const { return infos_[i].numel; }

  void open(const std::string& path) {
    path_ = path;
    std::string h = "GGUF";
    auto put = [&](auto v) { h.append((const char*)&v, sizeof v); };
    put((uint32_t)3), put((uint64_t)infos_.size()), put((uint64_t)n_kv_);
    h += kv_;
    for (const Info& in : infos_) {
      str(h, in.name);
      put((uint32_t)in.shape.size());
      for (size_t k = in.shape.size(); k-- > 0;) put((uint64_t)in.shape[k]);
      put((uint32_t)in.type), put(in.offset);
    }
    while (h.size() % kAlign) h += '\0';
    data0_ = h.size();
    fd_ = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0644);
    R1_CHECK(fd_ >= 0, path, ": cannot create");
    pwrite_all(fd_, h.data(), h.size(), 0, path);
  }
  // Raw bytes at byte offset `at` inside tensor i.
  void write(size_t i, uint64_t at, const void* p, size_t n) {
    R1_CHECK(at + n <= (uint64_t)infos_[i].numel * type_size(infos_[i].type), path_, ": tensor ", infos_[i].name, " overflow");
    pwrite_all(fd_, p, n, data0_ + infos_[i].offset + at, path_);
  }
  void close() {
    R1_CHECK(::ftruncate(fd_, data0_ + next_) == 0, path_, ": truncate failed");
    ::close(fd_);
    fd_ = -1;
  }

 private:
  enum : uint32_t { U32 = 4, I32 = 5, FLOAT32 = 6, BOOL = 7, STRING = 8, ARRAY = 9 };
  struct Info {
    std::string name;
    std::vector<int64_t> shape;
    Type type;
    uint64_t offset;
    int64_t numel;
  };
  std::string kv_;
  uint64_t n_kv_ = 0, next_ = 0, data0_ = 0;
  std::vector<Info> infos_;
  std::string path_;
  int fd_ = -1;

  template <class T>
  void pod(T v) { kv_.append((const char*)&v, sizeof v); }
  static void str(std::string& b, const std::string& s) {
    uint64_t n = s.size();
    b.append((const char*)&n, 8);
    b += s;
  }
  void key(const std::string& k, uint32_t type) {
    str(kv_, k);
    pod(type);
    ++n_kv_;
  }
  static std::string utf8(uint32_t cp) {
    std::string s;
    if (cp < 0x80) s += (char)cp;
    else if (cp < 0x800) s += (char)(0xC0 | (cp >> 6)), s += (char)(0x80 | (cp & 0x3F));
    else s += (char)(0xE0 | (cp >> 12)), s += (char)(0x80 | ((cp >> 6) & 0x3F)), s += (char)(0x80 | (cp & 0x3F));
    return s;
  }
  // GPT-2 byte-level alphabet: printable bytes map to themselves, the rest to 256+k.
  static std::vector<std::string> byte_tokens() {
    std::vector<std::string> t(256);
    int k = 0;
    for (int b = 0; b < 256; ++b) {
      bool keep = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
      t[b] = utf8(keep ? (uint32_t)b : (uint32_t)(256 + k++));
    }
    return t;
  }
};

}  // namespace r1::bench
