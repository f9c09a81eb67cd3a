// Token shards: packed rows on disk, memory-mapped for training.
// File layout (little-endian): magic "R1SHARD1", int64 L, int64 rows, then
// int32 tokens [rows, L], then int32 seg [rows, L]. Written atomically.
// Rows are visited epoch by epoch in a deterministic shuffled order
// (Fisher-Yates driven by Rng(seed, epoch)), so a cursor (epoch, index)
// is all a resume needs.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "base/mmap.h"
#include "data/packing.h"

namespace r1::data {

void write_shard(const std::string& path, const Packed& p);

class Shard {
 public:
  explicit Shard(const std::string& path);
  int64_t rows() const { return rows_; }
  int64_t row_len() const { return L_; }
  const int32_t* tokens(int64_t row) const { return tok_ + row * L_; }
  const int32_t* seg(int64_t row) const { return seg_ + row * L_; }

 private:
  MappedFile f_;
  int64_t L_ = 0, rows_ = 0;
  const int32_t *tok_ = nullptr, *seg_ = nullptr;
};

// Position in the shuffled stream of rows.
struct Cursor {
  int64_t epoch = 0, index = 0;
};
std::vector<int64_t> shuffled_order(int64_t rows, uint64_t seed, int64_t epoch);

}  // namespace r1::data
