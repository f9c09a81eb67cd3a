// One thread setting for the whole process: OpenMP (and the OpenMP build of
// OpenBLAS) use it. Kernels partition work statically by index, so a run with
// the same thread count is bit-reproducible.
#pragma once

namespace r1 {
void set_threads(int n);  // n <= 0: all hardware threads
int num_threads();
}  // namespace r1
