// Data pipeline throughput: MB/s (input JSONL bytes) of each stage end to end
// (read, parse, process, write), at 1 and 2 threads, min/median/max over
// repeats; per-core figures are the 1-thread ones. Peer in the same run:
// nlohmann::json::parse over the same lines vs our single-pass scanner.
// usage: bench_data [DUMP.jsonl ...]   (default: the committed test dumps; run from the repo root)
#include <omp.h>

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/threads.h"
#include "data/classifier.h"
#include "data/code_order.h"
#include "data/decontam.h"
#include "data/dedup.h"
#include "data/jsonl.h"
#include "data/mcq.h"
#include "data/stage.h"

using namespace r1;
using namespace r1::data;

static double cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

struct Times {
  std::vector<double> wall, cpu;  // sorted
};

// On a shared machine wall time includes waiting for a core; CPU time does
// not, so MB per CPU-second is the per-core rate.
static Times repeat(int n, const std::function<void()>& f) {
  Times t;
  for (int i = 0; i < n; ++i) {
    double w0 = now_seconds(), c0 = cpu_seconds();
    f();
    t.wall.push_back(now_seconds() - w0);
    t.cpu.push_back(cpu_seconds() - c0);
  }
  std::sort(t.wall.begin(), t.wall.end());
  std::sort(t.cpu.begin(), t.cpu.end());
  return t;
}

static void report(const char* name, double mb, const Times& t1, const Times& t2) {
  auto r = [&](const std::vector<double>& v, int k) { return mb / v[k]; };
  int m = (int)t1.cpu.size() / 2, last = (int)t1.cpu.size() - 1;
  printf("%-20s per core (1 thr, MB/cpu-s) %6.1f/%6.1f/%6.1f | wall MB/s 1 thr %6.1f/%6.1f/%6.1f, 2 thr %6.1f/%6.1f/%6.1f"
         " | 2-thr wall speedup x%.2f, cpu efficiency %.0f%%\n",
         name, r(t1.cpu, last), r(t1.cpu, m), r(t1.cpu, 0), r(t1.wall, last), r(t1.wall, m), r(t1.wall, 0), r(t2.wall, last),
         r(t2.wall, m), r(t2.wall, 0), t1.wall[m] / t2.wall[m], 100.0 * t1.cpu[m] / t2.cpu[m]);
}

int main(int argc, char** argv) {
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) inputs.push_back(argv[i]);
  if (inputs.empty()) {
    std::string d = "tests/data/data/dumps";  // run from the repository root
    for (auto& n : {"dump-01.jsonl", "dump-02.jsonl.zst", "dump-03.jsonl", "dump-04.jsonl.zst"}) inputs.push_back(d + "/" + n);
  }
  double bytes = 0;
  std::vector<std::string> lines;
  for (auto& p : inputs) {
    LineReader r(p, 1 << 28);
    std::string l;
    bool tl;
    while (r.next(l, tl)) bytes += l.size() + 1, lines.push_back(l);
  }
  const double mb = bytes / 1e6;
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) < 0) load[0] = -1;
  printf("load average %.1f on %d cores (wall figures are only meaningful on an idle machine)\n", load[0], omp_get_num_procs());
  printf("input: %zu files, %zu lines, %.1f MB (uncompressed JSONL); min / median / max of 3 runs\n", inputs.size(),
         lines.size(), mb);
  auto tmp = std::filesystem::temp_directory_path() / ("r1_bench_data_" + std::to_string(::getpid()));
  std::string out = tmp.string();
  const int R = 3;
  auto both = [&](const char* name, const std::function<void()>& f) {
    set_threads(1);
    auto t1 = repeat(R, f);
    set_threads(2);
    auto t2 = repeat(R, f);
    report(name, mb, t1, t2);
  };

  // Peer: nlohmann parse vs the single-pass scanner (both just extract "text").
  {
    set_threads(1);
    auto tn = repeat(R, [&] {
      size_t n = 0;
      for (auto& l : lines) n += json::parse(l)["text"].get<std::string>().size();
      if (!n) printf("?");
    });
    auto ts = repeat(R, [&] {
      size_t n = 0;
      std::string v;
      bool f, b;
      for (auto& l : lines) json_scan_line(l, "text", v, f, b), n += v.size();
      if (!n) printf("?");
    });
    printf("%-20s scanner %.1f MB/cpu-s vs nlohmann::json %.1f MB/cpu-s (x%.1f), 1 thread, medians\n", "json parse (peer)",
           mb / ts.cpu[1], mb / tn.cpu[1], tn.cpu[1] / ts.cpu[1]);
  }
  DedupRun dr;
  dr.inputs = inputs;
  dr.out_dir = out + "/dedup";
  both("dedup (128 perm)", [&] { run_dedup(dr); });
  McqRun mr;
  mr.inputs = inputs;
  mr.out_dir = out + "/mcq";
  both("mcq", [&] { run_mcq(mr); });
  {
    std::filesystem::create_directories(out);
    std::string ev = out + "/eval.jsonl";
    LineWriter w(ev);
    for (size_t i = 0; i < lines.size() && i < 2000; i += 7) w.write(lines[i]);
    w.commit();
    DecontamRun cr;
    cr.inputs = inputs;
    cr.out_dir = out + "/decontam";
    cr.eval_files = {ev};
    both("decontam (10-gram)", [&] { run_decontam(cr); });
  }
  {
    // A classifier at DeepSeekMath's defaults (dim 256), trained on a slice.
    std::vector<std::string> X;
    std::vector<int> Y;
    for (size_t i = 0; i < lines.size() && i < 400; ++i) {
      std::string v;
      bool f, b;
      json_scan_line(lines[i], "text", v, f, b);
      X.push_back(v);
      Y.push_back(i % 2);
    }
    FastText ft;
    FastTextOptions o;
    double t0 = cpu_seconds();
    ft.train(X, Y, o);
    double tt = cpu_seconds() - t0;
    double xmb = 0;
    for (auto& x : X) xmb += x.size() / 1e6;
    printf("%-20s %.2f MB/cpu-s (dim 256, 3 epochs, 1 thread by design)\n", "classifier training", xmb / tt);
    ft.save(out + "/model.bin");
    ClassifyRun kr;
    kr.inputs = inputs;
    kr.out_dir = out + "/classify";
    kr.model = out + "/model.bin";
    both("classify (dim 256)", [&] { run_classify(kr); });
  }
  {
    // Repository ordering on the committed repositories (its own input, so MB differ).
    OrderRun orun;
    orun.inputs = {"tests/data/data/code/repos.jsonl"};
    orun.out_dir = out + "/order";
    if (std::filesystem::exists(orun.inputs[0])) {
      double omb = std::filesystem::file_size(orun.inputs[0]) / 1e6;
      set_threads(1);
      auto t1 = repeat(R, [&] { run_order_code(orun); });
      set_threads(2);
      auto t2 = repeat(R, [&] { run_order_code(orun); });
      report("order-code", omb, t1, t2);
    }
  }
  std::filesystem::remove_all(tmp);
  return 0;
}
