// Roofline evidence for the training-step goal: the FP32 peak of this CPU
// (a register-resident AVX2 FMA loop, 1 thread and N threads) and OpenBLAS
// sgemm's GFLOP/s on the GEMM shapes of bench_train_step's model (N = B*T =
// 512 tokens, hidden 256, vocab 8192, dense MLP 1024, experts 128, MLA ranks),
// then what "3x faster than PyTorch" means as a fraction of that peak.
// usage: bench_peak_flops [--threads N] [--reps R] [--torch-1t S] [--torch-2t S] [--gflop G]
// The PyTorch step times default to bench/train_vs_torch.sh's lockstep medians of
// 2026-11-29 (1 thread; 2 threads in PyTorch's fastest way here, OpenBLAS's threads).
// Run it with OMP_WAIT_POLICY=active like the training benches: a thread that sleeps
// between parallel regions can take milliseconds to wake in this VM, which swamps
// the multi-threaded figures of small products.
#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include <cblas.h>

#include "autograd/kernels.h"

extern "C" void openblas_set_num_threads(int);

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
double clock_s(clockid_t id) {
  timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

struct Stats {
  double mn, med, mx;
};
Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v.front(), v[v.size() / 2], v.back()};
}

// 12 independent FMA chains of 8 lanes: FMA latency 4 cycles x 2 pipes needs
// >= 8 in flight; 12 leaves slack. Each iteration = 12 x 8 x 2 = 192 flops.
// The operands come from the caller so nothing folds at compile time.
__attribute__((noinline)) float fma_loop(int64_t iters, float a, float b) {
  __m256 va = _mm256_set1_ps(a), vb = _mm256_set1_ps(b);
  __m256 c0 = _mm256_set1_ps(0.0f), c1 = _mm256_set1_ps(0.1f), c2 = _mm256_set1_ps(0.2f), c3 = _mm256_set1_ps(0.3f),
         c4 = _mm256_set1_ps(0.4f), c5 = _mm256_set1_ps(0.5f), c6 = _mm256_set1_ps(0.6f), c7 = _mm256_set1_ps(0.7f),
         c8 = _mm256_set1_ps(0.8f), c9 = _mm256_set1_ps(0.9f), c10 = _mm256_set1_ps(1.0f), c11 = _mm256_set1_ps(1.1f);
  for (int64_t i = 0; i < iters; ++i) {
    c0 = _mm256_fmadd_ps(c0, va, vb);
    c1 = _mm256_fmadd_ps(c1, va, vb);
    c2 = _mm256_fmadd_ps(c2, va, vb);
    c3 = _mm256_fmadd_ps(c3, va, vb);
    c4 = _mm256_fmadd_ps(c4, va, vb);
    c5 = _mm256_fmadd_ps(c5, va, vb);
    c6 = _mm256_fmadd_ps(c6, va, vb);
    c7 = _mm256_fmadd_ps(c7, va, vb);
    c8 = _mm256_fmadd_ps(c8, va, vb);
    c9 = _mm256_fmadd_ps(c9, va, vb);
    c10 = _mm256_fmadd_ps(c10, va, vb);
    c11 = _mm256_fmadd_ps(c11, va, vb);
  }
  __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(c0, c1), _mm256_add_ps(c2, c3)),
                           _mm256_add_ps(_mm256_add_ps(c4, c5), _mm256_add_ps(c6, c7)));
  s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(c8, c9), _mm256_add_ps(c10, c11)));
  alignas(32) float o[8];
  _mm256_store_ps(o, s);
  return o[0] + o[7];
}

// `threads` threads each running the loop. wall: GFLOP/s of the region's wall
// time; cpu: threads x the slowest thread's GFLOP per second of its own CPU
// time (what the cores deliver while they run this, robust to other load).
struct Peak {
  Stats wall, cpu;
};
Peak peak(int threads, int reps, int64_t iters) {
  std::vector<double> w, c;
  volatile float sink = 0;
  const float a = 0.999999f + (float)(std::rand() % 2) * 1e-9f, b = 1e-7f;
  for (int k = 0; k < reps; ++k) {
    const double t0 = now();
    float acc = 0;
    double worst = 0;
#pragma omp parallel num_threads(threads) reduction(+ : acc) reduction(max : worst)
    {
      const double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
      acc += fma_loop(iters, a, b);
      worst = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
    }
    const double dt = now() - t0;
    sink = sink + acc;
    w.push_back(192.0 * (double)iters * threads / dt / 1e9);
    c.push_back(192.0 * (double)iters * threads / worst / 1e9);
  }
  return {stats(w), stats(c)};
}

struct Shape {
  const char* what;
  int M, N, K;
  bool ta, tb;
  int count;  // how many of these one training step runs (fwd + bwd, main model, MTP off)
};

// wall: GFLOP/s of wall time; cpu: on 1 thread GFLOP per second of the thread's CPU
// time; on more, GFLOP per second of process CPU time x threads, only a rough guide
// (low when idle threads spin, high when a thread waits for a core): trust wall there.
struct Rate {
  Stats wall, cpu;
};
// which: 0 OpenBLAS (its own threading), 1 r1's small kernel, 2 r1's autograd gemm (fixed slabs per thread)
Rate sgemm_rate(const Shape& s, int threads, int reps, int which = 0) {
  openblas_set_num_threads(threads);
  omp_set_num_threads(threads);
  std::vector<float> A((size_t)s.M * s.K), B((size_t)s.K * s.N), C((size_t)s.M * s.N);
  for (size_t i = 0; i < A.size(); ++i) A[i] = (float)((i * 7919) % 1000) * 1e-3f - 0.5f;
  for (size_t i = 0; i < B.size(); ++i) B[i] = (float)((i * 104729) % 1000) * 1e-3f - 0.5f;
  const int lda = s.ta ? s.M : s.K, ldb = s.tb ? s.K : s.N;
  const double fl = 2.0 * s.M * s.N * s.K;
  // repeat small GEMMs inside one timing so the clock's resolution does not matter
  const int inner = std::max(1, (int)(2e8 / fl));
  std::vector<double> w, c;
  for (int k = 0; k < reps + 1; ++k) {
    const clockid_t clk = threads == 1 ? CLOCK_THREAD_CPUTIME_ID : CLOCK_PROCESS_CPUTIME_ID;
    const double t0 = now(), c0 = clock_s(clk);
    for (int i = 0; i < inner; ++i) {
      if (which == 2)
        r1::ag::kern::gemm(s.ta, s.tb, s.M, s.N, s.K, 1.0f, A.data(), lda, B.data(), ldb, 0.0f, C.data(), s.N);
      else if (which == 1)
        r1::ag::kern::gemm_small(s.ta, s.tb, s.M, s.N, s.K, 1.0f, A.data(), lda, B.data(), ldb, 0.0f, C.data(), s.N);
      else
        cblas_sgemm(CblasRowMajor, s.ta ? CblasTrans : CblasNoTrans, s.tb ? CblasTrans : CblasNoTrans, s.M, s.N, s.K,
                    1.0f, A.data(), lda, B.data(), ldb, 0.0f, C.data(), s.N);
    }
    const double dt = now() - t0, dc = clock_s(clk) - c0;
    if (k > 0) {  // the first round warms caches and threads
      w.push_back(fl * inner / dt / 1e9);
      c.push_back(fl * inner / dc * threads / 1e9);
    }
  }
  return {stats(w), stats(c)};
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2, reps = 7;
  double torch1 = 0.445, torch2 = 0.365, gflop = 15.28;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? argv[++i] : (char*)"0"; };
    if (a == "--threads") threads = std::atoi(next());
    else if (a == "--reps") reps = std::atoi(next());
    else if (a == "--torch-1t") torch1 = std::atof(next());
    else if (a == "--torch-2t") torch2 = std::atof(next());
    else if (a == "--gflop") gflop = std::atof(next());
    else {
      fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  const int64_t iters = 50'000'000;  // ~9.6 GFLOP per thread per repeat
  printf("FP32 FMA peak (12 ymm chains, register-resident), %d repeats, GFLOP/s min / median / max\n", reps);
  printf("  (wall: of elapsed time; cpu: per second of the threads' own CPU time, robust to a shared machine)\n");
  std::vector<Stats> pk(threads + 1);
  // All 1-thread figures come before any multi-threaded region: under
  // OMP_WAIT_POLICY=active an idle OpenMP thread spins and would share the core.
  auto run_peak = [&](int t) {
    Peak p = peak(t, reps, iters);
    pk[t] = p.cpu;
    printf("  %d thread%s  wall %7.1f %7.1f %7.1f   cpu %7.1f %7.1f %7.1f\n", t, t > 1 ? "s" : " ", p.wall.mn,
           p.wall.med, p.wall.mx, p.cpu.mn, p.cpu.med, p.cpu.mx);
  };
  run_peak(1);

  // N = 512 tokens; shapes as the autograd kernels call them (C = A op(B), row-major).
  const std::vector<Shape> shapes = {
      {"head fwd   x W^T   [512x8192x256]", 512, 8192, 256, false, true, 1},
      {"head dX    dy W    [512x256x8192]", 512, 256, 8192, false, false, 1},
      {"head dW    dy^T x  [8192x256x512]", 8192, 256, 512, true, false, 1},
      {"dense MLP gate/up  [512x1024x256]", 512, 1024, 256, false, true, 2},
      {"dense MLP down     [512x256x1024]", 512, 256, 1024, false, true, 1},
      {"dense MLP dW       [1024x256x512]", 1024, 256, 512, true, false, 3},
      {"expert gate/up     [64x128x256]  ", 64, 128, 256, false, true, 2 * 32 * 3},
      {"expert down        [64x256x128]  ", 64, 256, 128, false, true, 32 * 3},
      {"expert dW          [128x256x64]  ", 128, 256, 64, true, false, 3 * 32 * 3},
      {"shared expert      [512x128x256] ", 512, 128, 256, false, true, 2 * 3},
      {"q_a / kv_a         [512x96x256]  ", 512, 96, 256, false, true, 2 * 4},
      {"q_b / kv_b         [512x256x96]  ", 512, 256, 96, false, true, 2 * 4},
      {"o_proj             [512x256x128] ", 512, 256, 128, false, true, 4},
      {"attn QK^T / head   [32x128x32]   ", 32, 128, 32, false, true, 4 * 4 * 4},
  };
  printf("\nOpenBLAS sgemm on the training step's shapes [M x N x K], GFLOP/s min / median / max\n");
  for (int t : {1, threads}) {
    if (t == threads && threads == 1) break;
    if (t > 1) {
      printf(" FP32 FMA peak, more threads (as above)\n");
      for (int u = 2; u <= threads; ++u) run_peak(u);
    }
    printf(" %d thread%s: wall min / median / max, cpu min / median / max (cpu median as %% of the cpu FMA peak)\n", t,
           t > 1 ? "s" : "");
    for (auto& s : shapes) {
      Rate r = sgemm_rate(s, t, reps);
      printf("  %s %6.1f %6.1f %6.1f   %6.1f %6.1f %6.1f  (%3.0f%%)\n", s.what, r.wall.mn, r.wall.med, r.wall.mx,
             r.cpu.mn, r.cpu.med, r.cpu.mx, 100.0 * r.cpu.med / pk[t].med);
    }
    if (t == 1) {
      printf(" 1 thread, r1's AVX2 small-product kernel (autograd gemm_small; used where K, N <= 256), same columns\n");
      for (auto& s : shapes) {
        if (s.K > 256 || s.N > 256 || !r1::ag::kern::gemm_small_supported(s.M, s.N, s.K)) continue;
        Rate r = sgemm_rate(s, 1, reps, 1);
        printf("  %s %6.1f %6.1f %6.1f   %6.1f %6.1f %6.1f  (%3.0f%%)\n", s.what, r.wall.mn, r.wall.med, r.wall.mx,
               r.cpu.mn, r.cpu.med, r.cpu.mx, 100.0 * r.cpu.med / pk[1].med);
      }
    } else {
      printf(" %d threads, r1's autograd gemm (C split in fixed slabs, one single-threaded product per thread)\n", t);
      for (auto& s : shapes) {
        Rate r = sgemm_rate(s, t, reps, 2);
        printf("  %s %6.1f %6.1f %6.1f   %6.1f %6.1f %6.1f  (%3.0f%%)\n", s.what, r.wall.mn, r.wall.med, r.wall.mx,
               r.cpu.mn, r.cpu.med, r.cpu.mx, 100.0 * r.cpu.med / pk[t].med);
      }
    }
  }

  printf("\nWhat 3x of PyTorch needs (%.2f GFLOP of model FLOPs per step):\n", gflop);
  auto need = [&](const char* what, double torch_s, int t) {
    const double step = torch_s / 3.0, rate = gflop / step;
    printf("  %s: torch %.3f s/step -> 3x is %.3f s/step = %.1f GFLOP/s over the whole step = %.0f%% of the %d-thread "
           "median cpu FMA peak (%.1f)\n",
           what, torch_s, step, rate, 100.0 * rate / pk[t].med, t, pk[t].med);
  };
  need("1 thread ", torch1, 1);
  if (threads >= 2) need("2 threads", torch2, 2);
  printf("  (a whole step also runs softmax/exp, norms, routing, gathers and AdamW, which do no model FLOPs)\n");
  return 0;
}
