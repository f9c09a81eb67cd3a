// Decode GEMV speed: one token's worth of matrix-vector products over BF16 or
// F32 weights shaped like the bench model's decode step (attention, expert and
// dense projections of 8 layers plus lm_head, ~190 MB in BF16, more than the
// L3), r1's linear() against a plain streaming read of the same bytes (the
// bandwidth it could reach). min/median/max over repeats, per CPU-second
// (process CPU time / threads), since the machine is shared.
//   bench_gemv [--dtype BF16|F32] [--reps 7] [--threads 1]
#include <immintrin.h>
#include <omp.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "base/rng.h"
#include "base/threads.h"
#include "kernels/cpu/gemm.h"
#include "model/weight.h"

using namespace r1;

namespace {

// Process CPU seconds over threads: on a shared machine a contention-free estimate.
double now() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (ts.tv_sec + ts.tv_nsec * 1e-9) / num_threads();
}

struct Mat {
  Tensor t;
  MatRef m;
};

// Streams every matrix's bytes once with AVX2 loads (parallel over rows like the GEMV).
float read_all(const std::vector<Mat>& ms) {
  float total = 0;
  for (const Mat& w : ms) {
    const char* p = (const char*)w.m.p;
    const int64_t bytes = w.m.rows * w.m.ld * (int64_t)dtype_size(w.m.dt), n = bytes / 128;
#pragma omp parallel reduction(+ : total)
    {
      __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
#pragma omp for schedule(static)
      for (int64_t i = 0; i < n; ++i) {
        const float* q = (const float*)(p + i * 128);
        a0 = _mm256_add_ps(a0, _mm256_loadu_ps(q));
        a1 = _mm256_add_ps(a1, _mm256_loadu_ps(q + 8));
        a2 = _mm256_add_ps(a2, _mm256_loadu_ps(q + 16));
        a3 = _mm256_add_ps(a3, _mm256_loadu_ps(q + 24));
      }
      float t[8];
      _mm256_storeu_ps(t, _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
      for (float v : t) total += v;
    }
  }
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dts = "BF16";
  int reps = 7, threads = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--dtype") dts = v;
    else if (k == "--reps") reps = std::stoi(v);
    else if (k == "--threads") threads = std::stoi(v);
  }
  set_threads(threads);
  const DType dt = dts == "F32" ? DType::F32 : DType::BF16;
  std::vector<std::pair<int64_t, int64_t>> shapes;  // (rows, cols)
  for (int l = 0; l < 8; ++l) {
    shapes.insert(shapes.end(), {{384, 1024}, {3072, 384}, {320, 1024}, {1024, 2048}});
    if (l == 0) shapes.insert(shapes.end(), {{5632, 1024}, {1024, 2816}});
    else
      for (int e = 0; e < 5; ++e) shapes.insert(shapes.end(), {{512, 1024}, {1024, 256}});
  }
  shapes.push_back({16384, 1024});
  Rng rng(1);
  std::vector<Mat> ms;
  double bytes = 0;
  int64_t maxk = 0;
  for (auto [n, k] : shapes) {
    Mat w;
    w.t = alloc_hugepages({n, k}, dt);
    for (int64_t i = 0; i < n * k; ++i) {
      float v = (float)(rng.normal() * 0.05);
      if (dt == DType::BF16) w.t.data<uint16_t>()[i] = f32_to_bf16(v);
      else w.t.f32()[i] = v;
    }
    w.m = MatRef::of(w.t);
    bytes += (double)w.t.nbytes();
    maxk = std::max(maxk, k);
    ms.push_back(std::move(w));
  }
  std::vector<float> x(maxk), y(16384);
  for (auto& v : x) v = (float)rng.normal();
  std::vector<double> tg, tr;
  float sink = 0;
  for (int r = 0; r < reps; ++r) {
    double a = now();
    for (const Mat& w : ms) linear(x.data(), 1, w.m, y.data());
    tg.push_back(bytes / (now() - a) / 1e9);
    a = now();
    sink += read_all(ms);
    tr.push_back(bytes / (now() - a) / 1e9);
  }
  std::sort(tg.begin(), tg.end());
  std::sort(tr.begin(), tr.end());
  printf("%s, %d thread(s), %.1f MB per pass (%zu matrices)\n", dts.c_str(), threads, bytes / 1e6, ms.size());
  printf("gemv  GB/s %.2f / %.2f / %.2f (min/median/max)\n", tg.front(), tg[tg.size() / 2], tg.back());
  printf("read  GB/s %.2f / %.2f / %.2f\n", tr.front(), tr[tr.size() / 2], tr.back());
  printf("gemv / read (medians): %.2f%s\n", tg[tg.size() / 2] / tr[tr.size() / 2], sink == 42 ? " " : "");
  return 0;
}
