// Element types and exact conversions between them.
// BF16: upper 16 bits of an IEEE float32; f32->bf16 rounds to nearest even.
// F8_E4M3: OCP E4M3FN (bias 7, no inf, 0x7F/0xFF NaN, max 448), as DeepSeek-V3 ships.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>

namespace r1 {

enum class DType : uint8_t { F32, F16, BF16, F8_E4M3, I32, I64, U8 };

size_t dtype_size(DType t);
const char* dtype_name(DType t);          // safetensors spelling: "F32", "BF16", ...
bool dtype_from_name(const std::string& s, DType* out);

inline float bf16_to_f32(uint16_t h) {
  uint32_t u = (uint32_t)h << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

inline uint16_t f32_to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40);  // quiet NaN
  u += 0x7fffu + ((u >> 16) & 1u);
  return (uint16_t)(u >> 16);
}

float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);

// E4M3FN decode via a 256-entry table (NaN for 0x7F/0xFF).
extern const float kE4M3Table[256];
inline float e4m3_to_f32(uint8_t c) { return kE4M3Table[c]; }
// Round to nearest even, saturating to +-448; NaN maps to 0x7F.
uint8_t f32_to_e4m3(float f);

}  // namespace r1
