// Per-sequence, per-layer token cache for incremental decoding. The model
// decides the row width: DeepSeek MLA stores the normalised latent c_KV
// (kv_lora_rank) then the roped k_pe (qk_rope_head_dim) per token and layer;
// a GQA model would store its K and V heads. Slots are independent sequences.
#pragma once
#include <cstdint>
#include <vector>

#include "base/error.h"

namespace r1 {

class KVCache {
 public:
  KVCache() = default;
  KVCache(int64_t n_layers, int64_t width, int n_slots)
      : n_layers_(n_layers), width_(width), len_(n_slots, 0), data_(n_slots, std::vector<std::vector<float>>(n_layers)) {}

  int n_slots() const { return (int)len_.size(); }
  int64_t width() const { return width_; }
  int64_t n_layers() const { return n_layers_; }
  int64_t length(int slot) const { return len_.at(slot); }
  // Makes room for `tokens` rows in every layer of the slot.
  void ensure(int slot, int64_t tokens) {
    for (auto& v : data_.at(slot))
      if ((int64_t)v.size() < tokens * width_) v.resize(tokens * width_);
  }
  void set_length(int slot, int64_t n) { len_.at(slot) = n; }
  void clear(int slot) { len_.at(slot) = 0; }
  // Frees the slot's memory too.
  void release(int slot) {
    len_.at(slot) = 0;
    for (auto& v : data_.at(slot)) std::vector<float>().swap(v);
  }
  float* row(int slot, int64_t layer, int64_t pos) { return data_[slot][layer].data() + pos * width_; }
  const float* row(int slot, int64_t layer, int64_t pos) const { return data_[slot][layer].data() + pos * width_; }
  int64_t bytes_per_token() const { return n_layers_ * width_ * (int64_t)sizeof(float); }
  int64_t bytes_used() const {
    int64_t n = 0;
    for (auto l : len_) n += l;
    return n * bytes_per_token();
  }

 private:
  int64_t n_layers_ = 0, width_ = 0;
  std::vector<int64_t> len_;
  std::vector<std::vector<std::vector<float>>> data_;  // [slot][layer][token * width]
};

}  // namespace r1
