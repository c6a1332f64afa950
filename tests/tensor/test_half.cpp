// f16 / bf16 conversions: exact decoding, round-to-nearest-even encoding, and
// the special values (signed zero, subnormals, infinities, NaN).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "tensor/types.h"

namespace edgelm {
namespace {

float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

TEST(Fp16, DecodesSpecialAndBoundaryValues) {
  EXPECT_EQ(fp16_to_fp32(0x0000), 0.0f);
  EXPECT_TRUE(std::signbit(fp16_to_fp32(0x8000)));
  EXPECT_EQ(fp16_to_fp32(0x0001), std::ldexp(1.0f, -24));          // smallest subnormal
  EXPECT_EQ(fp16_to_fp32(0x03ff), std::ldexp(1023.0f, -24));       // largest subnormal
  EXPECT_EQ(fp16_to_fp32(0x8201), -std::ldexp(513.0f, -24));
  EXPECT_EQ(fp16_to_fp32(0x0400), std::ldexp(1.0f, -14));          // smallest normal
  EXPECT_EQ(fp16_to_fp32(0x3c00), 1.0f);
  EXPECT_EQ(fp16_to_fp32(0xc000), -2.0f);
  EXPECT_EQ(fp16_to_fp32(0x3555), 0.333251953125f);
  EXPECT_EQ(fp16_to_fp32(0x7bff), 65504.0f);
  EXPECT_EQ(fp16_to_fp32(0x7c00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(fp16_to_fp32(0xfc00), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(fp16_to_fp32(0x7e00)));
  EXPECT_TRUE(std::isnan(fp16_to_fp32(0x7c01)));
  EXPECT_TRUE(std::isnan(fp16_to_fp32(0xfe00)));
}

TEST(Fp16, EveryNonNanCodeRoundTrips) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = fp16_to_fp32(static_cast<uint16_t>(h));
    if (std::isnan(f)) continue;
    ASSERT_EQ(fp32_to_fp16(f), h) << std::hex << h;
  }
}

TEST(Fp16, EncodeRoundsToNearestEven) {
  const float ulp1 = std::ldexp(1.0f, -10);                          // f16 spacing at 1.0
  EXPECT_EQ(fp32_to_fp16(1.0f + ulp1 / 2), 0x3c00);                  // tie -> even (down)
  EXPECT_EQ(fp32_to_fp16(1.0f + 3 * ulp1 / 2), 0x3c02);              // tie -> even (up)
  EXPECT_EQ(fp32_to_fp16(std::nextafter(1.0f + ulp1 / 2, 2.0f)), 0x3c01);
  EXPECT_EQ(fp32_to_fp16(std::nextafter(1.0f + ulp1 / 2, 0.0f)), 0x3c00);
  EXPECT_EQ(fp32_to_fp16(-(1.0f + 3 * ulp1 / 2)), 0xbc02);
  EXPECT_EQ(fp32_to_fp16(0.1f), 0x2e66);
}

TEST(Fp16, EncodeSubnormalsAndUnderflow) {
  const float tiny = std::ldexp(1.0f, -24);                          // smallest f16 subnormal
  EXPECT_EQ(fp32_to_fp16(tiny), 0x0001);
  EXPECT_EQ(fp32_to_fp16(tiny / 2), 0x0000);                         // tie -> even (zero)
  EXPECT_EQ(fp32_to_fp16(std::nextafter(tiny / 2, 1.0f)), 0x0001);
  EXPECT_EQ(fp32_to_fp16(3 * tiny / 2), 0x0002);                     // tie 1|2 -> 2
  EXPECT_EQ(fp32_to_fp16(5 * tiny / 2), 0x0002);                     // tie 2|3 -> 2
  EXPECT_EQ(fp32_to_fp16(1023.5f * tiny), 0x0400);                   // tie into the normals
  EXPECT_EQ(fp32_to_fp16(std::ldexp(1.0f, -30)), 0x0000);
  EXPECT_EQ(fp32_to_fp16(-std::ldexp(1.0f, -30)), 0x8000);
  EXPECT_EQ(fp32_to_fp16(from_bits(0x00000001)), 0x0000);            // f32 subnormal
  EXPECT_EQ(fp32_to_fp16(-0.0f), 0x8000);
}

TEST(Fp16, EncodeOverflowInfinityAndNan) {
  EXPECT_EQ(fp32_to_fp16(65504.0f), 0x7bff);
  EXPECT_EQ(fp32_to_fp16(65519.99f), 0x7bff);
  EXPECT_EQ(fp32_to_fp16(65520.0f), 0x7c00);                         // tie -> even = inf
  EXPECT_EQ(fp32_to_fp16(1e10f), 0x7c00);
  EXPECT_EQ(fp32_to_fp16(-1e10f), 0xfc00);
  EXPECT_EQ(fp32_to_fp16(std::numeric_limits<float>::infinity()), 0x7c00);
  const uint16_t nan = fp32_to_fp16(std::numeric_limits<float>::quiet_NaN());
  EXPECT_EQ(nan & 0x7c00, 0x7c00);
  EXPECT_NE(nan & 0x03ff, 0);
  EXPECT_NE(fp32_to_fp16(from_bits(0x7f800001)) & 0x03ff, 0);         // signalling NaN stays NaN
}

TEST(Bf16, DecodeIsTheUpperHalf) {
  EXPECT_EQ(bf16_to_fp32(0x3f80), 1.0f);
  EXPECT_EQ(bf16_to_fp32(0xc040), -3.0f);
  EXPECT_EQ(bf16_to_fp32(0x0001), from_bits(0x00010000));             // subnormal kept
  EXPECT_EQ(bf16_to_fp32(0x7f80), std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(bf16_to_fp32(0x7fc0)));
  EXPECT_TRUE(std::signbit(bf16_to_fp32(0x8000)));
}

TEST(Bf16, EncodeRoundsToNearestEven) {
  const float ulp1 = std::ldexp(1.0f, -7);
  EXPECT_EQ(fp32_to_bf16(1.0f + ulp1 / 2), 0x3f80);                  // tie -> even (down)
  EXPECT_EQ(fp32_to_bf16(1.0f + 3 * ulp1 / 2), 0x3f82);              // tie -> even (up)
  EXPECT_EQ(fp32_to_bf16(std::nextafter(1.0f + ulp1 / 2, 2.0f)), 0x3f81);
  EXPECT_EQ(fp32_to_bf16(from_bits(0x00018000)), 0x0002);            // subnormal tie 1|2 -> 2
  EXPECT_EQ(fp32_to_bf16(from_bits(0x00017fff)), 0x0001);            // subnormals not flushed
  EXPECT_EQ(fp32_to_bf16(from_bits(0x7f7fffff)), 0x7f80);            // FLT_MAX rounds to inf
  EXPECT_EQ(fp32_to_bf16(-std::numeric_limits<float>::infinity()), 0xff80);
  EXPECT_EQ(fp32_to_bf16(-0.0f), 0x8000);
}

TEST(Bf16, NanBecomesQuietNan) {
  EXPECT_EQ(fp32_to_bf16(from_bits(0x7f800001)), 0x7fc0);            // would round to inf otherwise
  EXPECT_EQ(fp32_to_bf16(from_bits(0xffffffff)), 0xffff);
  EXPECT_EQ(fp32_to_bf16(from_bits(0x7fc00000)), 0x7fc0);
}

TEST(Bf16, EveryCodeRoundTrips) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float f = bf16_to_fp32(static_cast<uint16_t>(h));
    if (std::isnan(f)) continue;
    ASSERT_EQ(fp32_to_bf16(f), h) << std::hex << h;
  }
}

}  // namespace
}  // namespace edgelm
