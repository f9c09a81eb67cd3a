#include <gtest/gtest.h>

#include <cmath>

#include "base/error.h"
#include "base/rng.h"
#include "base/utf8.h"
#include "tensor/dtype.h"
#include "tensor/tensor.h"

using namespace r1;

TEST(Dtype, Bf16RoundTripAndRne) {
  EXPECT_EQ(f32_to_bf16(1.0f), 0x3f80);
  // 1 + 2^-8 is exactly halfway between bf16 1.0 and 1.0078125: ties to even (1.0).
  EXPECT_EQ(f32_to_bf16(1.0f + 0x1p-8f), 0x3f80);
  EXPECT_EQ(f32_to_bf16(1.0f + 0x1p-8f + 0x1p-20f), 0x3f81);
  EXPECT_EQ(bf16_to_f32(0xc000), -2.0f);
}

TEST(Dtype, E4M3SpecValues) {
  EXPECT_EQ(e4m3_to_f32(0x00), 0.0f);
  EXPECT_EQ(e4m3_to_f32(0x01), 0x1p-9f);
  EXPECT_EQ(e4m3_to_f32(0x07), 0.013671875f);
  EXPECT_EQ(e4m3_to_f32(0x08), 0x1p-6f);
  EXPECT_EQ(e4m3_to_f32(0x38), 1.0f);
  EXPECT_EQ(e4m3_to_f32(0x65), 52.0f);
  EXPECT_EQ(e4m3_to_f32(0x7e), 448.0f);
  EXPECT_TRUE(std::isnan(e4m3_to_f32(0x7f)));
  EXPECT_EQ(e4m3_to_f32(0xe2), -40.0f);
  EXPECT_EQ(e4m3_to_f32(0xf1), -144.0f);
  for (int c = 0; c < 256; ++c) {
    if ((c & 0x7f) == 0x7f) continue;
    EXPECT_EQ(f32_to_e4m3(e4m3_to_f32((uint8_t)c)), (c == 0x80 ? 0x80 : c)) << c;
  }
  EXPECT_EQ(f32_to_e4m3(1000.0f), 0x7e);  // saturates
}

TEST(Dtype, F16) {
  EXPECT_EQ(f16_to_f32(0x3c00), 1.0f);
  EXPECT_EQ(f16_to_f32(0x0001), 0x1p-24f);
  for (uint32_t h = 0; h < 0x7c00; ++h) EXPECT_EQ(f32_to_f16(f16_to_f32((uint16_t)h)), h);
}

TEST(Utf8, Validation) {
  EXPECT_TRUE(utf8_valid("héllo 世界 🙂"));
  EXPECT_EQ(utf8_invalid_at("ab\xff"), 2u);
  EXPECT_EQ(utf8_invalid_at("\xc0\x80"), 0u);          // overlong
  EXPECT_EQ(utf8_invalid_at("x\xed\xa0\x80"), 1u);     // surrogate
  EXPECT_EQ(utf8_invalid_at("\xe4\xb8"), 0u);          // truncated
}

TEST(Rng, DeterministicAndRestorable) {
  Rng a(42), b(42);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a.next(), b.next());
  auto st = a.state();
  uint64_t x = a.next();
  Rng c(7);
  c.set_state(st);
  EXPECT_EQ(c.next(), x);
}

TEST(Tensor, ReshapeChecks) {
  Tensor t = Tensor::empty({2, 3});
  EXPECT_EQ(t.numel(), 6);
  EXPECT_NO_THROW(t.reshape({3, 2}));
  EXPECT_THROW(t.reshape({4, 2}), Error);
}
