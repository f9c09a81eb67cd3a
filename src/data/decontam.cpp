#include "data/decontam.h"

#include <omp.h>

#include <algorithm>

#include "base/error.h"
#include "data/stage.h"
#include "data/text.h"

namespace r1::data {

int Decontaminator::add_problem(std::string_view text) {
  std::vector<uint64_t> wh, sh;
  word_hashes(text, wh);
  int id = nprob_++;
  if (wh.empty()) return id;
  int k = std::min<int>(n_, (int)wh.size());
  if (k < n_ && std::find(short_lengths_.begin(), short_lengths_.end(), k) == short_lengths_.end())
    short_lengths_.push_back(k);
  word_shingles(wh, k, sh);
  for (uint64_t h : sh) grams_.insert(h ^ (uint64_t)k, (uint32_t)id);
  return id;
}

void Decontaminator::add_problems_file(const std::string& path, const std::vector<std::string>& fields) {
  LineReader r(path, 64u << 20);
  std::string line;
  bool too_long;
  int added = 0;
  while (r.next(line, too_long)) {
    if (too_long || line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json j;
    try {
      j = json::parse(line);
    } catch (const json::parse_error& e) {
      fail(path, ":", r.line_no(), ": invalid JSON in evaluation set: ", e.what());
    }
    bool got = false;
    for (auto& f : fields)
      if (j.is_object() && j.contains(f) && j[f].is_string()) {
        add_problem(j[f].get<std::string>());
        got = true;
        break;
      }
    R1_CHECK(got, path, ":", r.line_no(), ": no string field among the --eval-field names");
    ++added;
  }
  R1_CHECK(added > 0, path, ": evaluation set has no problems");
}

int Decontaminator::match(std::string_view text) const {
  thread_local std::vector<uint64_t> wh, sh;
  word_hashes(text, wh);
  auto scan = [&](int k) -> int {
    if ((int)wh.size() < k) return -1;
    word_shingles(wh, k, sh);
    for (uint64_t h : sh) {
      uint32_t v = grams_.find(h ^ (uint64_t)k);
      if (v != U64Map::npos) return (int)v;
    }
    return -1;
  };
  int m = scan(n_);
  if (m >= 0) return m;
  for (int k : short_lengths_)
    if ((m = scan(k)) >= 0) return m;
  return -1;
}

json run_decontam(const DecontamRun& run) {
  R1_CHECK(!run.inputs.empty(), "decontam: no inputs");
  R1_CHECK(!run.eval_files.empty(), "decontam: give the evaluation problems with --eval FILE");
  R1_CHECK(run.n >= 1, "decontam: --ngram must be >= 1");
  check_inputs_exist(run.inputs);
  if (!run.out_dir.empty()) check_distinct_names(run.inputs);
  check_inputs_exist(run.eval_files);
  const double t0 = now_seconds();
  Decontaminator dc(run.n);
  for (auto& f : run.eval_files) dc.add_problems_file(f, run.eval_fields);
  std::vector<int64_t> hits(dc.problems(), 0);
  json files = json::array();
  Counts total;
  int64_t removed_total = 0;
  for (auto& in : run.inputs) {
    std::string out = run.out_dir.empty() ? "" : out_path_for(run.out_dir, in);
    Counts c;
    int64_t removed = 0;
    json examples = json::array();
    std::vector<int> m;
    stream_file(in, out, run.read, c, [&](std::vector<Doc>& b, BatchOut& bo) {
      m.assign(b.size(), -1);
#pragma omp parallel for schedule(dynamic, 16)
      for (size_t i = 0; i < b.size(); ++i)
        if (b[i].status == LineStatus::ok) m[i] = dc.match(b[i].text);
      for (size_t i = 0; i < b.size(); ++i) {
        if (b[i].status != LineStatus::ok) continue;
        if (m[i] < 0) { bo.keep[i] = 1; continue; }
        ++removed;
        ++hits[m[i]];
        if (examples.size() < 100) examples.push_back({{"line", b[i].line_no}, {"eval_problem", m[i]}});
      }
    });
    json fj = c.to_json();
    fj["file"] = in;
    fj["removed_contaminated"] = removed;
    fj["removed_examples"] = examples;
    files.push_back(fj);
    total.merge(c);
    removed_total += removed;
  }
  int64_t touched = 0;
  for (auto h : hits) touched += h > 0;
  double secs = seconds_since(t0);
  json rep = {{"stage", "decontam"}, {"ngram", run.n}, {"eval_problems", dc.problems()}, {"eval_ngrams", dc.ngrams()},
              {"eval_problems_matched", touched}, {"files", files}, {"threads", omp_get_max_threads()},
              {"seconds", secs}, {"peak_rss_mib", peak_rss_mib()}, {"mb_per_s", secs > 0 ? total.bytes / 1e6 / secs : 0.0}};
  json tj = total.to_json();
  tj["removed_contaminated"] = removed_total;
  rep["total"] = tj;
  if (!run.out_dir.empty()) write_file_atomic(run.out_dir + "/decontam_report.json", rep.dump(2) + "\n");
  return rep;
}

}  // namespace r1::data
