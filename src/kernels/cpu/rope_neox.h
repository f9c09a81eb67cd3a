// Half-split ("NeoX", HF rotate_half) RoPE used by Qwen2 and Llama: for a head
// vector x[0..d), pairs (i, i + d/2), i < d/2:
//   x'[i]       = x[i] cos_i - x[i+d/2] sin_i
//   x'[i + d/2] = x[i+d/2] cos_i + x[i] sin_i
#pragma once
#include <cstdint>

namespace r1 {

// cs/sn hold d/2 values; rotates `heads` consecutive head vectors of length d in place.
void rope_neox(float* x, int64_t heads, int64_t d, const float* cs, const float* sn);
// cos/sin of pos * inv_freq[i] (angle in double, rounded once), i < half.
void rope_angles(const double* inv_freq, int64_t half, int64_t pos, float* cs, float* sn);

}  // namespace r1
