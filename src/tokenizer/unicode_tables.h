// Declarations of the generated Unicode tables (unicode_tables.cpp, made by
// scripts/gen_unicode_tables.py). Use unicode.h, not these, from other code.
#pragma once
#include <cstddef>
#include <cstdint>

namespace r1::unicode {
struct CatRange { uint32_t lo, hi; uint8_t v; };  // inclusive range, value
struct Decomp { uint32_t cp, a, b; };              // canonical decomposition cp -> a [b]
struct Compose { uint32_t a, b, c; };              // primary composite a + b -> c
extern const char* const kUnicodeVersion;
extern const CatRange kCatRanges[];  // v: 1 L, 2 M, 3 N, 4 P, 5 S
extern const size_t kCatRangesN;
extern const CatRange kCccRanges[];  // canonical combining class (nonzero only)
extern const size_t kCccRangesN;
extern const Decomp kDecomp[];
extern const size_t kDecompN;
extern const Compose kCompose[];     // sorted by (a, b)
extern const size_t kComposeN;
}  // namespace r1::unicode
