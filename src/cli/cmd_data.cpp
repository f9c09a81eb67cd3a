// r1 data <stage>: the pretraining data pipeline (dedup, mcq, train-classifier,
// classify, order-code, decontam). Each stage streams JSONL or .zst JSONL,
// writes DIR/<input file name> per input plus a report JSON, and prints a
// one-line summary.
#include <cstdio>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/json.h"
#include "cli/common.h"
#include "cli/registry.h"
#include "data/classifier.h"
#include "data/code_order.h"
#include "data/decontam.h"
#include "data/dedup.h"
#include "data/mcq.h"

using namespace r1;
using namespace r1::data;

namespace {

struct IoFlags {
  std::vector<std::string> inputs;
  std::string out;
  std::string field = "text";
  double max_doc_mb = 64, batch_mb = 64;
  bool keep_empty = false;
  int threads = 0;
  ReadOptions read() const {
    ReadOptions r;
    r.field = field;
    R1_CHECK(max_doc_mb > 0 && batch_mb > 0, "--max-doc-mb and --batch-mb must be positive");
    r.max_doc_bytes = (size_t)(max_doc_mb * 1048576.0);
    r.batch_bytes = (size_t)(batch_mb * 1048576.0);
    r.keep_empty = keep_empty;
    return r;
  }
};

void add_io(CLI::App* sc, IoFlags& io, bool need_out) {
  sc->add_option("inputs", io.inputs, "input JSONL files (.zst accepted)")->required();
  auto* o = sc->add_option("--out", io.out, "output directory: DIR/<input file name> per input, plus the report");
  if (need_out) o->required();
  sc->add_option("--field", io.field, "JSON member holding the document text")->default_val("text");
  sc->add_option("--max-doc-mb", io.max_doc_mb, "lines longer than this are skipped (counted as too_large)")->default_val(64);
  sc->add_option("--batch-mb", io.batch_mb, "bytes of input held in memory at once")->default_val(64);
  sc->add_flag("--keep-empty", io.keep_empty, "keep documents whose text is empty or whitespace");
  cli::add_threads_flag(*sc, io.threads);
}

void summary(const json& rep, const std::string& stage) {
  const json& t = rep.contains("total") ? rep["total"] : rep;
  fprintf(stderr, "r1 data %s: %lld docs in, %lld kept", stage.c_str(), (long long)t.value("docs", 0ll),
          (long long)t.value("kept", 0ll));
  if (t.contains("skipped")) {
    long long bad = 0;
    for (auto& [k, v] : t["skipped"].items())
      if (k != "blank") bad += v.get<long long>();
    if (bad) fprintf(stderr, ", %lld bad lines skipped (see report)", bad);
  }
  fprintf(stderr, ", %.1f MB/s\n", rep.value("mb_per_s", 0.0));
}

// Fills a stage's shared run fields from its flags, runs it, reports.
template <class Run, class Fn>
int run_stage(const IoFlags& io, int top_threads, Run& run, Fn fn, const char* stage) {
  set_threads(io.threads ? io.threads : top_threads);
  run.inputs = io.inputs;
  run.out_dir = io.out;
  run.read = io.read();
  json rep = fn(run);
  if (io.out.empty()) printf("%s\n", rep.dump(2).c_str());
  summary(rep, stage);
  return 0;
}

}  // namespace

static int cmd_data(int argc, char** argv) {
  CLI::App app{"Pretraining data pipeline stages", "r1 data"};
  app.require_subcommand(1);
  int top_threads = 0;
  cli::add_threads_flag(app, top_threads);

  // dedup
  IoFlags dio;
  DedupRun drun;
  std::string unit = "word";
  auto* dsc = app.add_subcommand("dedup", "exact + MinHash-LSH near-duplicate removal across dumps (earlier wins)");
  add_io(dsc, dio, false);
  dsc->add_option("--shingle", drun.dedup.shingle, "n-gram size for MinHash")->default_val(drun.dedup.shingle);
  dsc->add_option("--shingle-unit", unit, "word or char n-grams")->default_val("word")->check(CLI::IsMember({"word", "char"}));
  dsc->add_option("--num-perm", drun.dedup.num_perm, "MinHash permutations")->default_val(drun.dedup.num_perm);
  dsc->add_option("--bands", drun.dedup.bands, "LSH bands")->default_val(drun.dedup.bands);
  dsc->add_option("--rows", drun.dedup.rows, "LSH rows per band")->default_val(drun.dedup.rows);
  dsc->add_option("--threshold", drun.dedup.threshold, "Jaccard threshold for near duplicates")->default_val(drun.dedup.threshold);
  dsc->add_option("--seed", drun.dedup.seed, "hash seed")->default_val(drun.dedup.seed);
  bool no_exact = false, no_near = false;
  dsc->add_flag("--no-exact", no_exact, "skip exact (normalised-hash) dedup");
  dsc->add_flag("--no-near", no_near, "skip near-duplicate dedup");
  dsc->add_option("--removed-log", drun.removed_log, "JSONL of removed documents (file, line, reason, dup_of)");

  // mcq
  IoFlags mio;
  McqRun mrun;
  std::string eval_labelled;
  auto* msc = app.add_subcommand("mcq", "detect exam-style multiple-choice items; drop, count or tag them");
  add_io(msc, mio, false);
  msc->add_option("--mode", mrun.mode, "drop | count | tag (adds \"mcq_items\")")->default_val("drop");
  msc->add_option("--min-items", mrun.mcq.min_items, "items that make a document multiple-choice")->default_val(1);
  auto* mesc = app.add_subcommand("mcq-eval", "precision/recall of the MC detector on a labelled JSONL (text, label)");
  mesc->add_option("labelled", eval_labelled, "labelled JSONL")->required();
  int me_threads = 0;
  cli::add_threads_flag(*mesc, me_threads);

  // decontam
  IoFlags cio;
  DecontamRun crun;
  auto* csc = app.add_subcommand("decontam", "drop documents sharing an n-gram (default 10 words) with evaluation problems");
  add_io(csc, cio, false);
  csc->add_option("--eval", crun.eval_files, "evaluation problems (JSONL), repeatable")->required();
  csc->add_option("--eval-field", crun.eval_fields, "fields tried for the problem text, in order");
  csc->add_option("--ngram", crun.n, "n-gram length in words")->default_val(10);

  // train-classifier (DeepSeekMath iterations) and classify
  MathIterRun trun;
  int t_threads = 0;
  auto* tsc = app.add_subcommand("train-classifier", "iterated fastText-style math classifier (DeepSeekMath recipe)");
  tsc->add_option("corpus", trun.corpus, "corpus JSONL files to mine")->required();
  tsc->add_option("--seed-positives", trun.seed_positives, "seed positive pages (JSONL)")->required();
  tsc->add_option("--heldout", trun.heldout, "held-out labelled JSONL (text, label) for P/R per iteration");
  tsc->add_option("--out", trun.out_dir, "output directory: model.bin, train_report.json, collected pages")->required();
  tsc->add_option("--iterations", trun.iterations, "train/score/collect rounds")->default_val(4);
  tsc->add_option("--negatives-per-positive", trun.negatives_per_positive, "random corpus negatives per positive")->default_val(1.0);
  tsc->add_option("--collect-threshold", trun.collect_threshold, "score at which a page is collected")->default_val(0.5);
  tsc->add_option("--top", trun.top, "collect at most this many pages per round, best first (0 = no cap)")->default_val(0);
  tsc->add_option("--domain-frac", trun.domain_frac, "domains with more than this fraction collected are math-related")->default_val(0.1);
  tsc->add_option("--domain-min-score", trun.domain_min_score, "score needed to join via a math-related domain")->default_val(0.2);
  tsc->add_option("--url-field", trun.url_field, "JSON member with the page URL")->default_val("url");
  tsc->add_option("--dim", trun.ft.dim, "embedding size")->default_val(256);
  tsc->add_option("--lr", trun.ft.lr, "learning rate")->default_val(0.1);
  tsc->add_option("--word-ngrams", trun.ft.word_ngrams, "max word n-gram length")->default_val(3);
  tsc->add_option("--min-count", trun.ft.min_count, "min word count for the vocabulary")->default_val(3);
  tsc->add_option("--epochs", trun.ft.epochs, "epochs")->default_val(3);
  tsc->add_option("--buckets", trun.ft.buckets, "hashed n-gram rows")->default_val(1 << 17);
  tsc->add_option("--seed", trun.ft.seed, "RNG seed")->default_val(1);
  tsc->add_option("--field", trun.read.field, "JSON member holding the text")->default_val("text");
  cli::add_threads_flag(*tsc, t_threads);

  IoFlags kio;
  ClassifyRun krun;
  auto* ksc = app.add_subcommand("classify", "score documents with a saved classifier; keep positives or tag scores");
  add_io(ksc, kio, false);
  ksc->add_option("--model", krun.model, "model.bin from train-classifier")->required();
  ksc->add_option("--mode", krun.mode, "filter (keep score >= threshold) | tag (add \"math_score\")")->default_val("filter");
  ksc->add_option("--threshold", krun.threshold, "positive at or above this score")->default_val(0.5);

  // order-code
  IoFlags oio;
  OrderRun orun;
  auto* osc = app.add_subcommand("order-code", "one document per repository, files in dependency order (DeepSeek-Coder)");
  add_io(osc, oio, false);
  osc->add_option("--repo-field", orun.repo_field, "JSON member naming the repository")->default_val("repo");
  osc->add_option("--path-field", orun.path_field, "JSON member with the file path")->default_val("path");

  R1_PARSE(app, argc, argv);

  if (dsc->parsed()) {
    drun.dedup.char_ngrams = unit == "char";
    drun.dedup.exact = !no_exact;
    drun.dedup.near = !no_near;
    return run_stage(dio, top_threads, drun, run_dedup, "dedup");
  }
  if (msc->parsed()) return run_stage(mio, top_threads, mrun, run_mcq, "mcq");
  if (mesc->parsed()) {
    json rep = evaluate_mcq(eval_labelled);
    printf("%s\n", rep.dump(2).c_str());
    return 0;
  }
  if (csc->parsed()) return run_stage(cio, top_threads, crun, run_decontam, "decontam");
  if (tsc->parsed()) {
    set_threads(t_threads ? t_threads : top_threads);
    json rep = run_math_iterate(trun);
    for (auto& it : rep["iterations"]) {
      fprintf(stderr, "iteration %d: %lld positives", it["iteration"].get<int>(), it["positives"].get<long long>());
      if (it.contains("heldout"))
        fprintf(stderr, ", held-out precision %.3f recall %.3f", it["heldout"]["precision"].get<double>(),
                it["heldout"]["recall"].get<double>());
      fprintf(stderr, ", collected %lld\n", it["collected"].get<long long>());
    }
    return 0;
  }
  if (ksc->parsed()) return run_stage(kio, top_threads, krun, run_classify, "classify");
  if (osc->parsed()) return run_stage(oio, top_threads, orun, run_order_code, "order-code");
  return 1;
}
R1_COMMAND("data", "pretraining data pipeline: dedup, mcq, train-classifier, classify, order-code, decontam", cmd_data);
