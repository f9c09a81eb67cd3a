// Packing tokenized documents into fixed-length rows of L tokens.
// Best-fit-decreasing ("Fewer Truncations Improve Language Modeling"): split
// documents longer than L into L-sized chunks first, sort chunks by length
// (descending) and put each into the open row with the least room that still
// fits it, opening a new row when none does. Concatenate-and-split, the
// baseline, joins everything and cuts every L tokens. Each row carries segment
// ids (one per document piece; -1 for padding) so pieces do not attend to or
// predict each other.
#pragma once
#include <cstdint>
#include <vector>

namespace r1::data {

struct Packed {
  int64_t L = 0;
  std::vector<int32_t> tokens;  // [rows, L]
  std::vector<int32_t> seg;     // [rows, L]; -1 = padding
  int64_t n_rows = 0;           // kept when tokens/seg are dropped for reporting
  int64_t rows() const { return n_rows; }
  int64_t docs = 0;             // input documents
  int64_t truncated_docs = 0;   // documents cut into more than one piece
  int64_t pieces = 0;           // document pieces placed
  int64_t pad_tokens = 0;
};

Packed pack_best_fit(const std::vector<std::vector<int32_t>>& docs, int64_t L, int32_t pad_id);
Packed pack_concat(const std::vector<std::vector<int32_t>>& docs, int64_t L, int32_t pad_id);

}  // namespace r1::data
