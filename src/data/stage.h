// The loop every filtering stage shares: stream one JSONL file in batches,
// let the stage judge the batch (in parallel where it can), write the kept
// lines in input order. Output lines are the input lines verbatim unless the
// stage replaces them, so fields other than the text pass through unchanged.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "data/jsonl.h"

namespace r1::data {

struct BatchOut {
  std::vector<uint8_t> keep;        // per doc of the batch; only docs with status ok may be kept
  std::vector<std::string> line;    // non-empty: written instead of the raw line
};

using BatchFn = std::function<void(std::vector<Doc>& batch, BatchOut& out)>;

// out_path empty: no output file (count only). Returns nothing; counts hold the tallies.
void stream_file(const std::string& in_path, const std::string& out_path, const ReadOptions& opt, Counts& counts,
                 const BatchFn& fn);

// DIR/<file name of in>, refusing to overwrite the input itself. Creates DIR.
std::string out_path_for(const std::string& out_dir, const std::string& in_path);

// Two inputs with the same file name would write the same DIR/<name>: refuse.
void check_distinct_names(const std::vector<std::string>& inputs);

// Peak resident memory of this process so far, in MiB (getrusage), for reports.
double peak_rss_mib();

// Seconds since start, and MB/s, for reports.
double seconds_since(double start);
double now_seconds();

}  // namespace r1::data
