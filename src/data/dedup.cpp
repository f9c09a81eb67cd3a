#include "data/dedup.h"

#include <omp.h>

#include <memory>

#include "base/error.h"
#include "data/stage.h"
#include "data/text.h"

namespace r1::data {

Deduper::Deduper(const DedupOptions& o) : o_(o), mh_(o.num_perm, o.seed) {
  R1_CHECK(o.num_perm >= 1 && o.num_perm <= 4096, "dedup: --num-perm must be in 1..4096, got ", o.num_perm);
  R1_CHECK(o.bands >= 1 && o.rows >= 1 && o.bands * o.rows <= o.num_perm, "dedup: bands x rows (", o.bands, " x ", o.rows,
           ") must be at most --num-perm (", o.num_perm, ")");
  R1_CHECK(o.shingle >= 1 && o.shingle <= 64, "dedup: --shingle must be in 1..64, got ", o.shingle);
  R1_CHECK(o.threshold > 0 && o.threshold <= 1, "dedup: --threshold must be in (0, 1], got ", o.threshold);
}

void Deduper::sketch(std::string_view text, uint64_t& exact, uint32_t* sig, uint64_t* bands) const {
  thread_local std::vector<uint64_t> wh, sh;
  word_hashes(text, wh);
  exact = sequence_hash(wh);
  if (!o_.near) return;
  if (o_.char_ngrams) char_shingles(normalize(text), o_.shingle, sh);
  else word_shingles(wh, o_.shingle, sh);
  mh_.signature(sh, sig);
  band_keys(sig, o_.bands, o_.rows, bands);
}

Deduper::Decision Deduper::decide(uint64_t exact, const uint32_t* sig, const uint64_t* bands, int64_t tag) {
  const uint32_t kRemoved = U64Map::npos - 1;
  if (o_.exact) {
    uint32_t e = exact_.find(exact);
    if (e != U64Map::npos) return {DedupVerdict::exact_dup, e == kRemoved ? -1 : tags_[e], 1.0};
  }
  const int P = o_.num_perm;
  uint16_t s16[4096];
  if (o_.near) {
    for (int i = 0; i < P; ++i) s16[i] = (uint16_t)(sig[i] >> 16);
    uint32_t tried[64];
    int ntried = 0;
    double best = 0;
    uint32_t best_i = U64Map::npos;
    for (int b = 0; b < o_.bands; ++b) {
      uint32_t c = bands_.find(bands[b]);
      if (c == U64Map::npos) continue;
      bool seen = false;
      for (int t = 0; t < ntried; ++t) seen |= tried[t] == c;
      if (seen) continue;
      if (ntried < 64) tried[ntried++] = c;
      double j = estimate_jaccard16(s16, &sigs_[(size_t)c * P], P);
      if (j > best) best = j, best_i = c;
    }
    if (best_i != U64Map::npos && best >= o_.threshold) {
      if (o_.exact) exact_.insert(exact, kRemoved);
      return {DedupVerdict::near_dup, tags_[best_i], best};
    }
  }
  uint32_t idx = (uint32_t)tags_.size();
  R1_CHECK(idx < kRemoved, "dedup: more than 2^32-2 kept documents in one run");
  tags_.push_back(tag);
  if (o_.exact) exact_.insert(exact, idx);
  if (o_.near) {
    sigs_.insert(sigs_.end(), s16, s16 + P);
    for (int b = 0; b < o_.bands; ++b) bands_.insert(bands[b], idx);
  }
  return {DedupVerdict::kept, -1, 0};
}

size_t Deduper::index_bytes() const {
  return exact_.bytes() + bands_.bytes() + sigs_.capacity() * 2 + tags_.capacity() * 8;
}

json run_dedup(const DedupRun& run) {
  R1_CHECK(!run.inputs.empty(), "dedup: no input dumps given");
  check_inputs_exist(run.inputs);
  if (!run.out_dir.empty()) check_distinct_names(run.inputs);
  const double t0 = now_seconds();
  Deduper dd(run.dedup);
  const int P = run.dedup.num_perm, B = run.dedup.bands;
  std::unique_ptr<LineWriter> log;
  if (!run.removed_log.empty()) log = std::make_unique<LineWriter>(run.removed_log);

  json dumps = json::array();
  json by_dumps = json::array();
  Counts total;
  int64_t tot_exact = 0, tot_near = 0, cum_docs = 0, cum_removed = 0;
  std::vector<uint64_t> ex;
  std::vector<uint32_t> sig;
  std::vector<uint64_t> bk;
  for (size_t f = 0; f < run.inputs.size(); ++f) {
    const std::string& in = run.inputs[f];
    std::string out = run.out_dir.empty() ? "" : out_path_for(run.out_dir, in);
    Counts c;
    int64_t n_exact = 0, n_near = 0, n_cross = 0;
    stream_file(in, out, run.read, c, [&](std::vector<Doc>& batch, BatchOut& bo) {
      size_t n = batch.size();
      ex.resize(n);
      sig.resize(n * P);
      bk.resize(n * B);
#pragma omp parallel for schedule(dynamic, 16)
      for (size_t i = 0; i < n; ++i)
        if (batch[i].status == LineStatus::ok) dd.sketch(batch[i].text, ex[i], &sig[i * P], &bk[i * B]);
      // Sequential, in input order: the decisions never depend on the thread count.
      for (size_t i = 0; i < n; ++i) {
        if (batch[i].status != LineStatus::ok) continue;
        int64_t tag = ((int64_t)f << 40) | batch[i].line_no;
        auto d = dd.decide(ex[i], &sig[i * P], &bk[i * B], tag);
        if (d.verdict == DedupVerdict::kept) { bo.keep[i] = 1; continue; }
        (d.verdict == DedupVerdict::exact_dup ? n_exact : n_near)++;
        bool cross = d.dup_of >= 0 && (size_t)(d.dup_of >> 40) != f;
        n_cross += cross;
        if (log) {
          json r = {{"file", in}, {"line", batch[i].line_no},
                    {"reason", d.verdict == DedupVerdict::exact_dup ? "exact" : "near"}};
          if (d.dup_of >= 0) r["dup_of"] = {{"file", run.inputs[d.dup_of >> 40]}, {"line", d.dup_of & ((1ll << 40) - 1)}};
          if (d.verdict == DedupVerdict::near_dup) r["jaccard"] = d.jaccard;
          log->write(r.dump());
        }
      }
    });
    json dj = c.to_json();
    dj["file"] = in;
    if (!out.empty()) dj["out"] = out;
    dj["removed_exact"] = n_exact;
    dj["removed_near"] = n_near;
    dj["removed_by_earlier_dump"] = n_cross;
    dj["removed_within_dump"] = n_exact + n_near - n_cross;
    dumps.push_back(dj);
    total.merge(c);
    tot_exact += n_exact;
    tot_near += n_near;
    cum_docs += c.docs;
    cum_removed += n_exact + n_near;
    // Decisions for the first k dumps do not depend on later dumps, so this
    // prefix is what a run over exactly k dumps would report (DeepSeek LLM, Table 1).
    by_dumps.push_back({{"dumps", f + 1}, {"docs", cum_docs}, {"removed", cum_removed},
                        {"dedup_rate", cum_docs ? (double)cum_removed / cum_docs : 0.0}});
  }
  if (log) log->commit();
  double secs = seconds_since(t0);
  json rep;
  rep["stage"] = "dedup";
  rep["params"] = {{"exact", run.dedup.exact}, {"near", run.dedup.near}, {"shingle", run.dedup.shingle},
                   {"shingle_unit", run.dedup.char_ngrams ? "char" : "word"}, {"num_perm", P},
                   {"bands", B}, {"rows", run.dedup.rows}, {"threshold", run.dedup.threshold},
                   {"seed", run.dedup.seed}, {"field", run.read.field}};
  rep["threads"] = omp_get_max_threads();
  rep["dumps"] = dumps;
  json tj = total.to_json();
  tj["removed_exact"] = tot_exact;
  tj["removed_near"] = tot_near;
  tj["dedup_rate"] = total.docs ? (double)(tot_exact + tot_near) / total.docs : 0.0;
  rep["total"] = tj;
  rep["dedup_rate_by_dumps"] = by_dumps;
  rep["index_bytes"] = dd.index_bytes();
  rep["seconds"] = secs;
  rep["peak_rss_mib"] = peak_rss_mib();
  rep["mb_per_s"] = secs > 0 ? total.bytes / 1e6 / secs : 0.0;
  if (!run.out_dir.empty()) write_file_atomic(run.out_dir + "/dedup_report.json", rep.dump(2) + "\n");
  return rep;
}

}  // namespace r1::data
