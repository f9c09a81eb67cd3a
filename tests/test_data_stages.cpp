// MCQ exclusion, decontamination, math classifier iterations, code ordering.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "base/json.h"
#include "base/threads.h"
#include "data/classifier.h"
#include "data/code_order.h"
#include "data/decontam.h"
#include "data/jsonl.h"
#include "data/mcq.h"

using namespace r1;
using namespace r1::data;

static const std::string kData = std::string(R1_SOURCE_DIR) + "/tests/data/data";

static std::string tmp(const std::string& tag) {
  auto d = std::filesystem::temp_directory_path() / ("r1_" + tag + "_" + std::to_string(::getpid()));
  std::filesystem::create_directories(d);
  return d.string();
}

TEST(DataMcq, LabelledSetPrecisionRecall) {
  json r = evaluate_mcq(kData + "/mcq_labelled.jsonl");
  printf("mcq labelled set: precision %.3f recall %.3f (tp %d fp %d fn %d tn %d)\n", r["precision"].get<double>(),
         r["recall"].get<double>(), r["tp"].get<int>(), r["fp"].get<int>(), r["fn"].get<int>(), r["tn"].get<int>());
  EXPECT_GE(r["precision"].get<double>(), 0.95);
  EXPECT_GE(r["recall"].get<double>(), 0.95);
  EXPECT_GE(r["tn"].get<int>(), 40);
}

TEST(DataMcq, RealDebianDocumentsAreNotMultipleChoice) {
  McqRun run;
  run.inputs = {kData + "/dumps/dump-01.jsonl", kData + "/dumps/dump-03.jsonl"};
  json rep = run_mcq(run);
  int docs = rep["total"]["docs"], mc = rep["total"]["mcq_docs"];
  EXPECT_GT(docs, 300);
  EXPECT_LE(mc, docs / 100);  // man pages, headers, READMEs, Python sources
}

TEST(DataMcq, ItemsAndHardNegatives) {
  auto items = find_mcq_items("Which is prime?\nA. 4\nB. 6\nC. 7\nD. 9\nAnswer: C\n\nWhich is even?\n(A) 3 (B) 5 (C) 8 (D) 9");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].options, 4);
  EXPECT_TRUE(items[0].answer_key);
  EXPECT_FALSE(is_mcq("Steps:\n1. Open the box.\n2. Remove the device.\n3. Plug it in.\n4. Press power."));
  EXPECT_FALSE(is_mcq("Contents\nA. Introduction\nB. Methods\nC. Results"));
  EXPECT_TRUE(is_mcq("下列哪个是质数？\nA．4\nB．9\nC．11\nD．15"));
}

TEST(DataDecontam, TenGramOverlapRemoves) {
  Decontaminator dc(10);
  dc.add_problem("Let x be a positive integer such that x squared plus three x equals forty. Find x.");
  dc.add_problem("Short problem text");  // shorter than 10 words: matched as a whole
  // Every 10-word window differs in one word ("number", and no "find x"): kept.
  EXPECT_EQ(dc.match("Blah. LET X be a positive number, such that x squared plus three x equals forty."), -1);
  EXPECT_EQ(dc.match("Homework: let x be a positive integer such that x squared plus three x equals forty!"), 0);
  EXPECT_EQ(dc.match("here is a short problem text in a page"), 1);
  EXPECT_EQ(dc.match("a completely unrelated page about cooking"), -1);
}

TEST(DataClassifier, IteratesSavesAndReloads) {
  std::string out = tmp("math");
  MathIterRun run;
  run.seed_positives = kData + "/math/seed.jsonl";
  run.corpus = {kData + "/math/corpus.jsonl"};
  run.heldout = kData + "/math/heldout.jsonl";
  run.out_dir = out;
  run.iterations = 4;
  // The test set is tiny (60 seeds), so fewer dims/buckets and more epochs than
  // DeepSeekMath's defaults, which are for ~1M examples.
  run.ft.dim = 64;
  run.ft.buckets = 1 << 15;
  run.ft.epochs = 20;
  run.ft.lr = 0.5f;
  set_threads(2);
  json rep = run_math_iterate(run);
  auto& it = rep["iterations"];
  ASSERT_EQ(it.size(), 4u);
  double r_first = it[0]["heldout"]["recall"], r_last = it[3]["heldout"]["recall"];
  double p_last = it[3]["heldout"]["precision"];
  printf("math classifier held-out recall by iteration: %.3f -> %.3f (precision %.3f)\n", r_first, r_last, p_last);
  EXPECT_GT(r_last, r_first);  // iterating finds the styles the seeds lack
  EXPECT_GE(r_last, 0.9);
  EXPECT_GE(p_last, 0.9);
  // The saved model scores exactly as in memory, independent of threads.
  FastText m = FastText::load(out + "/model.bin");
  ClassifyRun cr;
  cr.inputs = {kData + "/math/heldout.jsonl"};
  cr.model = out + "/model.bin";
  cr.mode = "tag";
  cr.out_dir = out + "/c1";
  set_threads(1);
  run_classify(cr);
  cr.out_dir = out + "/c2";
  set_threads(2);
  json crep = run_classify(cr);
  EXPECT_EQ(read_text_file(out + "/c1/heldout.jsonl"), read_text_file(out + "/c2/heldout.jsonl"));
  EXPECT_GT(crep["total"]["positive"].get<int>(), 0);
  std::ifstream f(out + "/c1/heldout.jsonl");
  std::string line;
  std::getline(f, line);
  json j = json::parse(line);
  EXPECT_TRUE(j.contains("label") && j.contains("math_score"));
  EXPECT_NEAR(j["math_score"].get<double>(), m.score(j["text"].get<std::string>()), 1e-5);
  std::filesystem::remove_all(out);
}

// Reachability closure: files i, j in one cycle when each reaches the other.
static bool same_cycle(const std::vector<std::vector<int>>& deps, int a, int b) {
  auto reach = [&](int s, int t) {
    std::vector<char> seen(deps.size(), 0);
    std::vector<int> st = {s};
    while (!st.empty()) {
      int v = st.back();
      st.pop_back();
      if (v == t) return true;
      if (seen[v]) continue;
      seen[v] = 1;
      for (int w : deps[v]) st.push_back(w);
    }
    return false;
  };
  return reach(a, b) && reach(b, a);
}

static void check_order(const std::vector<SourceFile>& files, const std::string& what) {
  auto deps = parse_dependencies(files);
  auto order = topo_order(deps);
  ASSERT_EQ(order.size(), files.size());
  std::vector<int> pos(files.size(), -1);
  for (size_t k = 0; k < order.size(); ++k) pos[order[k]] = (int)k;
  for (int p : pos) ASSERT_GE(p, 0);
  for (size_t i = 0; i < files.size(); ++i)
    for (int j : deps[i]) {
      if (!same_cycle(deps, (int)i, j)) {
        EXPECT_LT(pos[j], pos[i]) << what << ": " << files[i].path << " placed before its dependency " << files[j].path;
      }
    }
}

TEST(DataCodeOrder, HandWrittenReposHaveExpectedDepsAndOrder) {
  std::map<std::string, std::vector<SourceFile>> repos;
  std::map<std::string, std::map<std::string, std::vector<std::string>>> expect;
  std::ifstream f(kData + "/code/repos.jsonl");
  std::string line;
  while (std::getline(f, line)) {
    json j = json::parse(line);
    repos[j["repo"]].push_back({j["path"], j["text"]});
    if (j.contains("expect_deps")) expect[j["repo"]][j["path"]] = j["expect_deps"].get<std::vector<std::string>>();
  }
  ASSERT_GE(expect.size(), 5u);
  for (auto& [name, files] : repos) {
    if (expect.count(name) > 0) {
      auto deps = parse_dependencies(files);
      for (size_t i = 0; i < files.size(); ++i) {
        std::vector<std::string> got;
        for (int j : deps[i]) got.push_back(files[j].path);
        std::sort(got.begin(), got.end());
        auto want = expect[name][files[i].path];
        std::sort(want.begin(), want.end());
        EXPECT_EQ(got, want) << name << " " << files[i].path;
      }
    }
    check_order(files, name);
  }
  // The cycle pkg/a <-> pkg/b is broken, and setup.py (outside the cycle) still comes last.
  auto& py = repos["demo/py-cycle"];
  auto order = topo_order(parse_dependencies(py));
  EXPECT_EQ(py[order.back()].path, "setup.py");
  EXPECT_EQ(py[order.front()].path, "pkg/c.py");
}

TEST(DataCodeOrder, ThisProjectsSourcesFollowTheirIncludes) {
  std::vector<SourceFile> files;
  for (auto& e : std::filesystem::recursive_directory_iterator(std::string(R1_SOURCE_DIR) + "/src")) {
    if (!e.is_regular_file()) continue;
    auto ext = e.path().extension().string();
    if (ext != ".h" && ext != ".cpp") continue;
    files.push_back({std::filesystem::relative(e.path(), R1_SOURCE_DIR).string(), read_text_file(e.path().string())});
  }
  std::sort(files.begin(), files.end(), [](auto& a, auto& b) { return a.path > b.path; });
  auto deps = parse_dependencies(files);
  size_t edges = 0;
  for (auto& d : deps) edges += d.size();
  EXPECT_GT(edges, files.size());  // "base/error.h" style includes resolve by suffix
  check_order(files, "r1.cpp/src");
}
