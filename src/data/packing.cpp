#include "data/packing.h"

#include <algorithm>
#include <map>
#include <numeric>

#include "base/error.h"

namespace r1::data {

Packed pack_best_fit(const std::vector<std::vector<int32_t>>& docs, int64_t L, int32_t pad_id) {
  R1_CHECK(L >= 2, "packing: row length ", L, " too small");
  Packed P;
  P.L = L;
  P.docs = (int64_t)docs.size();
  struct Piece {
    int64_t doc, off, len;
  };
  std::vector<Piece> pieces;
  for (int64_t d = 0; d < (int64_t)docs.size(); ++d) {
    const int64_t n = (int64_t)docs[d].size();
    if (n == 0) continue;
    if (n > L) ++P.truncated_docs;
    for (int64_t off = 0; off < n; off += L) pieces.push_back({d, off, std::min(L, n - off)});
  }
  // longest first; ties by original order (stable), so the result is deterministic
  std::stable_sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) { return a.len > b.len; });
  std::vector<std::vector<int64_t>> rows;  // piece indices per row
  std::vector<int64_t> room;
  std::multimap<int64_t, int64_t> by_room;  // room -> row (best fit = smallest room >= len)
  for (int64_t i = 0; i < (int64_t)pieces.size(); ++i) {
    auto it = by_room.lower_bound(pieces[i].len);
    int64_t r;
    if (it == by_room.end()) {
      r = (int64_t)rows.size();
      rows.push_back({});
      room.push_back(L);
    } else {
      r = it->second;
      by_room.erase(it);
    }
    rows[r].push_back(i);
    room[r] -= pieces[i].len;
    if (room[r] > 0) by_room.insert({room[r], r});
  }
  P.pieces = (int64_t)pieces.size();
  P.n_rows = (int64_t)rows.size();
  P.tokens.assign(rows.size() * L, pad_id);
  P.seg.assign(rows.size() * L, -1);
  for (size_t r = 0; r < rows.size(); ++r) {
    int64_t at = 0;
    int32_t sid = 0;
    for (int64_t pi : rows[r]) {
      const Piece& p = pieces[pi];
      for (int64_t j = 0; j < p.len; ++j) {
        P.tokens[r * L + at] = docs[p.doc][p.off + j];
        P.seg[r * L + at] = sid;
        ++at;
      }
      ++sid;
    }
    P.pad_tokens += L - at;
  }
  return P;
}

Packed pack_concat(const std::vector<std::vector<int32_t>>& docs, int64_t L, int32_t pad_id) {
  R1_CHECK(L >= 2, "packing: row length ", L, " too small");
  Packed P;
  P.L = L;
  P.docs = (int64_t)docs.size();
  int64_t total = 0;
  for (auto& d : docs) total += (int64_t)d.size();
  const int64_t rows = (total + L - 1) / L;
  P.n_rows = rows;
  P.tokens.assign(rows * L, pad_id);
  P.seg.assign(rows * L, -1);
  int64_t at = 0;
  int32_t sid = 0;
  for (auto& d : docs) {
    const int64_t n = (int64_t)d.size();
    if (n == 0) continue;
    const int64_t first = at / L, last = (at + n - 1) / L;
    P.pieces += last - first + 1;
    if (last > first) ++P.truncated_docs;  // cut across rows: the tail loses its context
    for (int64_t j = 0; j < n; ++j, ++at) {
      P.tokens[at] = d[j];
      P.seg[at] = sid;
    }
    ++sid;
  }
  P.pad_tokens = (int64_t)P.tokens.size() - at;
  // segment ids restart per row (only equality within a row matters)
  for (int64_t r = 0; r < P.rows(); ++r) {
    int32_t base = -1;
    for (int64_t i = 0; i < L; ++i) {
      int32_t& s = P.seg[r * L + i];
      if (s < 0) continue;
      if (base < 0) base = s;
      s -= base;
    }
  }
  return P;
}

}  // namespace r1::data
