// Cross-dump deduplication: exact (hash of the normalised word sequence) and
// near-duplicate (MinHash over word or character n-grams, LSH banding, then
// the estimated Jaccard checked against the threshold). Dumps are processed in
// the order given and documents in input order, so an earlier document (in an
// earlier dump or earlier in the same one) removes its later copies; the
// decision for a document depends only on what precedes it, which makes the
// output independent of the thread count and of any dumps listed after it.
//
// Memory: one batch (ReadOptions::batch_bytes, default 64 MiB of lines, kept with
// their decoded texts and 0.5 KB of sketch per document) plus an
// index that grows with the number of *kept* documents: the exact-hash set
// (~24 B per document seen), bands x ~24 B of LSH table, and a 16-bit-per-row
// signature (2 x num_perm B). At the defaults (32 bands x 4 rows, 128
// permutations) that is ~1.1 KB per kept document, independent of its length.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "base/json.h"
#include "data/jsonl.h"
#include "data/minhash.h"

namespace r1::data {

struct DedupOptions {
  bool exact = true;
  bool near = true;
  int shingle = 5;             // n-gram size (words, or characters with char_ngrams)
  bool char_ngrams = false;
  int num_perm = 128;
  int bands = 32, rows = 4;    // bands * rows <= num_perm; S-curve midpoint (1/b)^(1/r) ~ 0.42
  double threshold = 0.5;      // estimated Jaccard at or above which a candidate is a near-duplicate
  uint64_t seed = 1;
};

enum class DedupVerdict : uint8_t { kept, exact_dup, near_dup };

// The incremental index. sketch() is thread-safe; decide() is sequential.
class Deduper {
 public:
  explicit Deduper(const DedupOptions& o);
  const DedupOptions& options() const { return o_; }
  int sig_len() const { return o_.num_perm; }
  // exact hash, signature (num_perm) and band keys (bands) of one text.
  void sketch(std::string_view text, uint64_t& exact, uint32_t* sig, uint64_t* bands) const;
  struct Decision {
    DedupVerdict verdict;
    int64_t dup_of;   // tag of the earlier document (given to decide() when it was kept), -1 if none
    double jaccard;   // estimated, for near duplicates
  };
  Decision decide(uint64_t exact, const uint32_t* sig, const uint64_t* bands, int64_t tag);
  size_t kept() const { return tags_.size(); }
  size_t index_bytes() const;

 private:
  DedupOptions o_;
  MinHasher mh_;
  U64Map exact_;   // exact hash -> kept index (or npos-1 for removed docs)
  U64Map bands_;   // band key -> kept index
  std::vector<uint16_t> sigs_;   // kept docs' signatures, high 16 bits of each row
  std::vector<int64_t> tags_;
};

struct DedupRun {
  std::vector<std::string> inputs;
  std::string out_dir;             // empty: count only
  std::string removed_log;         // optional JSONL of removals
  ReadOptions read;
  DedupOptions dedup;
};

// Runs the stage; writes outputs and returns the report (also written to
// out_dir/dedup_report.json when out_dir is set).
json run_dedup(const DedupRun& run);

}  // namespace r1::data
