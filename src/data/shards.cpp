#include "data/shards.h"

#include <cstring>
#include <numeric>

#include "base/error.h"
#include "base/json.h"
#include "base/rng.h"

namespace r1::data {

static const char kMagic[8] = {'R', '1', 'S', 'H', 'A', 'R', 'D', '1'};

void write_shard(const std::string& path, const Packed& p) {
  std::string b(kMagic, 8);
  int64_t hdr[2] = {p.L, p.rows()};
  b.append((const char*)hdr, sizeof hdr);
  b.append((const char*)p.tokens.data(), p.tokens.size() * 4);
  b.append((const char*)p.seg.data(), p.seg.size() * 4);
  write_file_atomic(path, b);
}

Shard::Shard(const std::string& path) : f_(path) {
  R1_CHECK(f_.size() >= 24 && std::memcmp(f_.data(), kMagic, 8) == 0, path, ": not an r1 token shard");
  std::memcpy(&L_, f_.data() + 8, 8);
  std::memcpy(&rows_, f_.data() + 16, 8);
  R1_CHECK(L_ > 0 && rows_ >= 0 && (uint64_t)(24 + 8 * L_ * rows_) == f_.size(), path, ": corrupt shard (L=", L_,
           " rows=", rows_, " size=", f_.size(), ")");
  tok_ = reinterpret_cast<const int32_t*>(f_.data() + 24);
  seg_ = tok_ + L_ * rows_;
}

std::vector<int64_t> shuffled_order(int64_t rows, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> o(rows);
  std::iota(o.begin(), o.end(), 0);
  Rng r(seed * 0x9E3779B97F4A7C15ull + (uint64_t)epoch + 1);
  for (int64_t i = rows - 1; i > 0; --i) std::swap(o[i], o[(int64_t)r.below((uint64_t)i + 1)]);
  return o;
}

}  // namespace r1::data
