#include "tensor/dtype.h"

#include <cmath>
#include <limits>

namespace r1 {

size_t dtype_size(DType t) {
  switch (t) {
    case DType::F32: return 4;
    case DType::F16: return 2;
    case DType::BF16: return 2;
    case DType::F8_E4M3: return 1;
    case DType::I32: return 4;
    case DType::I64: return 8;
    case DType::U8: return 1;
  }
  return 0;
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::F32: return "F32";
    case DType::F16: return "F16";
    case DType::BF16: return "BF16";
    case DType::F8_E4M3: return "F8_E4M3";
    case DType::I32: return "I32";
    case DType::I64: return "I64";
    case DType::U8: return "U8";
  }
  return "?";
}

bool dtype_from_name(const std::string& s, DType* out) {
  static const struct { const char* n; DType t; } tab[] = {
      {"F32", DType::F32}, {"F16", DType::F16}, {"BF16", DType::BF16}, {"F8_E4M3", DType::F8_E4M3},
      {"I32", DType::I32}, {"I64", DType::I64}, {"U8", DType::U8}};
  for (auto& e : tab)
    if (s == e.n) { *out = e.t; return true; }
  return false;
}

float f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16;
  int exp = (h >> 10) & 0x1f;
  uint32_t man = h & 0x3ff;
  uint32_t u;
  if (exp == 0) {
    if (man == 0) u = sign;
    else {  // subnormal: value = man * 2^-24, exact in f32
      float f = std::ldexp((float)man, -24);
      std::memcpy(&u, &f, 4);
      u |= sign;
    }
  } else if (exp == 31) {
    u = sign | 0x7f800000u | (man << 13);
  } else {
    u = sign | ((uint32_t)(exp - 15 + 127) << 23) | (man << 13);
  }
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

uint16_t f32_to_f16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  uint16_t sign = (uint16_t)((u >> 16) & 0x8000);
  float a = std::fabs(f);
  if (std::isnan(f)) return sign | 0x7e00;
  if (a >= 65520.0f) return sign | 0x7c00;  // rounds to inf
  if (a < 0x1p-14f) {  // subnormal range: quantum 2^-24, nearbyint is RNE
    return sign | (uint16_t)std::nearbyint(a * 0x1p24f);
  }
  uint32_t ua = u & 0x7fffffffu;
  uint32_t rounded = ua + 0xfffu + ((ua >> 13) & 1u);
  uint32_t exp = (rounded >> 23) - 127 + 15;
  return sign | (uint16_t)((exp << 10) | ((rounded >> 13) & 0x3ff));
}

static float e4m3_decode_arith(int c) {
  int s = c >> 7, e = (c >> 3) & 0xf, m = c & 7;
  if (e == 15 && m == 7) return std::numeric_limits<float>::quiet_NaN();
  float v = e == 0 ? std::ldexp((float)m / 8.0f, -6) : std::ldexp(1.0f + (float)m / 8.0f, e - 7);
  return s ? -v : v;
}

const float kE4M3Table[256] = {
#define R1_E(c) e4m3_decode_arith(c)
#define R1_E8(b) R1_E(b), R1_E(b + 1), R1_E(b + 2), R1_E(b + 3), R1_E(b + 4), R1_E(b + 5), R1_E(b + 6), R1_E(b + 7)
#define R1_E64(b) R1_E8(b), R1_E8(b + 8), R1_E8(b + 16), R1_E8(b + 24), R1_E8(b + 32), R1_E8(b + 40), R1_E8(b + 48), R1_E8(b + 56)
    R1_E64(0), R1_E64(64), R1_E64(128), R1_E64(192)
#undef R1_E64
#undef R1_E8
#undef R1_E
};

uint8_t f32_to_e4m3(float f) {
  if (std::isnan(f)) return 0x7f;
  uint8_t sign = std::signbit(f) ? 0x80 : 0;
  float a = std::fabs(f);
  if (a >= 448.0f) return sign | 0x7e;
  // Find the nearest code among the 127 non-negative finite codes (monotonic), ties to even.
  int lo = 0, hi = 0x7e;
  while (hi - lo > 1) {
    int mid = (lo + hi) / 2;
    if (e4m3_decode_arith(mid) <= a) lo = mid; else hi = mid;
  }
  float vl = e4m3_decode_arith(lo), vh = e4m3_decode_arith(hi);
  int c;
  if (a - vl < vh - a) c = lo;
  else if (a - vl > vh - a) c = hi;
  else c = (lo & 1) ? hi : lo;
  if (a == vh) c = hi;
  return sign | (uint8_t)c;
}

}  // namespace r1
