// Dedup: MinHash estimates, and precision/recall of removals on the committed
// dumps (real documents with planted duplicates, scripts/make-dumps.py).
#include <gtest/gtest.h>
#include <omp.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "base/error.h"
#include "base/json.h"
#include "base/rng.h"
#include "base/threads.h"
#include "data/dedup.h"
#include "data/jsonl.h"
#include "data/minhash.h"

using namespace r1;
using namespace r1::data;

static const std::string kDumps = std::string(R1_SOURCE_DIR) + "/tests/data/data/dumps";

static std::vector<std::string> read_lines(const std::string& p) {
  LineReader r(p, 1 << 26);
  std::vector<std::string> out;
  std::string l;
  bool tl;
  while (r.next(l, tl)) out.push_back(l);
  return out;
}

TEST(DataMinHash, EstimatesJaccard) {
  MinHasher mh(256, 7);
  Rng rng(3);
  for (double target : {0.2, 0.5, 0.8}) {
    // |A| = |B| = 1000 with |A n B| = k: J = k / (2000 - k).
    int k = (int)std::lround(2000 * target / (1 + target));
    std::vector<uint64_t> a, b;
    for (int i = 0; i < k; ++i) {
      uint64_t x = rng.next();
      a.push_back(x), b.push_back(x);
    }
    for (int i = k; i < 1000; ++i) a.push_back(rng.next()), b.push_back(rng.next());
    std::vector<uint32_t> sa(256), sb(256);
    mh.signature(a, sa.data());
    mh.signature(b, sb.data());
    double truth = (double)k / (2000 - k);
    EXPECT_NEAR(estimate_jaccard(sa.data(), sb.data(), 256), truth, 0.08) << target;
  }
}

struct Scored {
  double precision, recall;
  int hard_negatives_removed;
};

static Scored score(const std::string& out_dir) {
  json truth = read_json_file(kDumps + "/truth.json");
  std::set<std::string> want, got, hard;
  for (auto& id : truth["removed"]) want.insert(id.get<std::string>());
  for (auto& pr : truth["hard_negatives"]) hard.insert(pr[0].get<std::string>()), hard.insert(pr[1].get<std::string>());
  for (auto& d : truth["dumps"]) {
    std::set<std::string> kept;
    for (auto& l : read_lines(out_dir + "/" + d.get<std::string>())) kept.insert(json::parse(l)["id"].get<std::string>());
    for (auto& l : read_lines(kDumps + "/" + d.get<std::string>())) {
      std::string id = json::parse(l)["id"];
      if (!kept.count(id)) got.insert(id);
    }
  }
  int tp = 0, hn = 0;
  for (auto& id : got) tp += want.count(id), hn += hard.count(id);
  return {got.empty() ? 1.0 : (double)tp / got.size(), (double)tp / want.size(), hn};
}

static DedupRun dumps_run(const std::string& out) {
  json truth = read_json_file(kDumps + "/truth.json");
  DedupRun run;
  for (auto& d : truth["dumps"]) run.inputs.push_back(kDumps + "/" + d.get<std::string>());
  run.out_dir = out;
  return run;
}

TEST(DataDedup, PlantedDuplicatesPrecisionRecallAndThreadIndependence) {
  auto base = std::filesystem::temp_directory_path() / ("r1_dedup_" + std::to_string(::getpid()));
  std::string o1 = (base / "t1").string(), o2 = (base / "t2").string();
  set_threads(1);
  json r1 = run_dedup(dumps_run(o1));
  set_threads(2);
  json r2 = run_dedup(dumps_run(o2));
  Scored s = score(o1);
  EXPECT_GE(s.precision, 0.95);
  EXPECT_GE(s.recall, 0.95);
  EXPECT_EQ(s.hard_negatives_removed, 0);
  printf("dedup on committed dumps: precision %.4f recall %.4f\n", s.precision, s.recall);
  // Output bytes do not depend on the thread count; kept lines are the input lines verbatim.
  json truth = read_json_file(kDumps + "/truth.json");
  for (auto& d : truth["dumps"]) {
    auto a = read_lines(o1 + "/" + d.get<std::string>()), b = read_lines(o2 + "/" + d.get<std::string>());
    EXPECT_EQ(a, b);
    auto in = read_lines(kDumps + "/" + d.get<std::string>());
    std::set<std::string> ins(in.begin(), in.end());
    for (auto& l : a) EXPECT_TRUE(ins.count(l));
  }
  EXPECT_EQ(r1["total"]["kept"], r2["total"]["kept"]);
  // Dedup rate against the number of dumps deduplicated together grows.
  auto& by = r1["dedup_rate_by_dumps"];
  ASSERT_EQ(by.size(), truth["dumps"].size());
  for (size_t k = 1; k < by.size(); ++k) EXPECT_GE(by[k]["removed"].get<int>(), by[k - 1]["removed"].get<int>());
  EXPECT_GT(r1["dumps"][1]["removed_by_earlier_dump"].get<int>(), 0);
  // Idempotent: a rerun into the same directory gives the same bytes.
  run_dedup(dumps_run(o1));
  for (auto& d : truth["dumps"]) EXPECT_EQ(read_lines(o1 + "/" + d.get<std::string>()), read_lines(o2 + "/" + d.get<std::string>()));
  std::filesystem::remove_all(base);
}

TEST(DataDedup, EarlierDocumentWinsAndPrefixMatchesSmallerRun) {
  auto base = std::filesystem::temp_directory_path() / ("r1_dedup2_" + std::to_string(::getpid()));
  std::filesystem::create_directories(base);
  std::string a = (base / "a.jsonl").string(), b = (base / "b.jsonl").string();
  std::string doc = "the quick brown fox jumps over the lazy dog while the cat sleeps on the warm mat by the door";
  {
    std::ofstream fa(a), fb(b);
    fa << json({{"id", "a1"}, {"text", doc}}).dump() << "\n" << json({{"id", "a2"}, {"text", "something else entirely, nothing alike here at all"}}).dump() << "\n";
    fb << json({{"id", "b1"}, {"text", doc + " extra"}}).dump() << "\n" << json({{"id", "b2"}, {"text", "THE quick brown fox jumps over the lazy dog; while the cat sleeps on the warm mat by the door"}}).dump() << "\n";
  }
  DedupRun run;
  run.inputs = {a, b};
  run.out_dir = (base / "out").string();
  json rep = run_dedup(run);
  auto kept_b = read_lines(run.out_dir + "/b.jsonl");
  EXPECT_TRUE(kept_b.empty());  // both later copies removed, the first dump's originals kept
  EXPECT_EQ(read_lines(run.out_dir + "/a.jsonl").size(), 2u);
  EXPECT_EQ(rep["total"]["removed_exact"], 1);
  EXPECT_EQ(rep["total"]["removed_near"], 1);
  EXPECT_EQ(rep["dedup_rate_by_dumps"][0]["removed"], 0);
  DedupOptions bad;
  bad.bands = 200;
  EXPECT_THROW(Deduper d(bad), Error);
  std::filesystem::remove_all(base);
}
