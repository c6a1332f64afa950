// Decoders checked on hand-built blocks: every field of each format is set to a
// known value and a few elements are compared with the docs/FORMATS.md formula
// worked out by hand (all expected values are exact in float).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "edgelm/error.h"
#include "tensor/quant_blocks.h"
#include "tensor/types.h"

namespace edgelm {
namespace {

template <typename Block>
std::vector<float> decode(GgmlType type, const Block& b) {
  const int n = type_traits(type).block_elems;
  EXPECT_EQ(sizeof(Block), static_cast<size_t>(type_traits(type).block_bytes));
  std::vector<float> y(static_cast<size_t>(n));
  dequantize_row(type, &b, y.data(), n);
  return y;
}

TEST(Dequantize, ScalarFormatsFromBytes) {
  const uint8_t f32[8] = {0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc1};   // 1, -10
  const uint8_t f16[6] = {0x00, 0x3c, 0x01, 0x00, 0x00, 0xfc};               // 1, 2^-24, -inf
  const uint8_t bf16[4] = {0x80, 0x3f, 0x40, 0xc0};                          // 1, -3
  float y[3];
  dequantize_row(GgmlType::F32, f32, y, 2);
  EXPECT_EQ(y[0], 1.0f);
  EXPECT_EQ(y[1], -10.0f);
  dequantize_row(GgmlType::F16, f16, y, 3);
  EXPECT_EQ(y[0], 1.0f);
  EXPECT_EQ(y[1], std::ldexp(1.0f, -24));
  EXPECT_EQ(y[2], -INFINITY);
  dequantize_row(GgmlType::BF16, bf16, y, 2);
  EXPECT_EQ(y[0], 1.0f);
  EXPECT_EQ(y[1], -3.0f);
}

TEST(Dequantize, Q4_0) {
  BlockQ4_0 b{};
  b.d = fp32_to_fp16(0.5f);
  b.qs[0] = 0x1f;                          // element 0: 15, element 16: 1
  const auto y = decode(GgmlType::Q4_0, b);
  EXPECT_EQ(y[0], (15 - 8) * 0.5f);
  EXPECT_EQ(y[16], (1 - 8) * 0.5f);
  EXPECT_EQ(y[1], -8 * 0.5f);
}

TEST(Dequantize, Q4_1) {
  BlockQ4_1 b{};
  b.d = fp32_to_fp16(0.25f);
  b.m = fp32_to_fp16(-1.0f);
  b.qs[3] = 0xa5;
  const auto y = decode(GgmlType::Q4_1, b);
  EXPECT_EQ(y[3], 5 * 0.25f - 1);
  EXPECT_EQ(y[19], 10 * 0.25f - 1);
  EXPECT_EQ(y[0], -1.0f);
}

TEST(Dequantize, Q5_0AndQ5_1HighBits) {
  BlockQ5_0 b{};
  b.d = fp32_to_fp16(1.0f);
  b.qh[0] = 0x01;                          // bit 0: element 0
  b.qh[2] = 0x10;                          // bit 20: element 20
  b.qs[0] = 0x03;
  b.qs[4] = 0x20;                          // element 20 low nibble 2
  auto y = decode(GgmlType::Q5_0, b);
  EXPECT_EQ(y[0], 3.0f);                   // 3 + 16 − 16
  EXPECT_EQ(y[16], -16.0f);
  EXPECT_EQ(y[20], 2.0f);
  EXPECT_EQ(y[4], -16.0f);

  BlockQ5_1 c{};
  c.d = fp32_to_fp16(0.5f);
  c.m = fp32_to_fp16(2.0f);
  std::copy(b.qh, b.qh + 4, c.qh);
  std::copy(b.qs, b.qs + 16, c.qs);
  y = decode(GgmlType::Q5_1, c);
  EXPECT_EQ(y[0], 19 * 0.5f + 2);
  EXPECT_EQ(y[20], 18 * 0.5f + 2);
  EXPECT_EQ(y[16], 2.0f);
}

TEST(Dequantize, Q8_0) {
  BlockQ8_0 b{};
  b.d = fp32_to_fp16(0.125f);
  b.qs[5] = -100;
  b.qs[31] = 127;
  const auto y = decode(GgmlType::Q8_0, b);
  EXPECT_EQ(y[5], -12.5f);
  EXPECT_EQ(y[31], 15.875f);
}

TEST(Dequantize, IQ4_NL) {
  BlockIQ4_NL b{};
  b.d = fp32_to_fp16(2.0f);
  b.qs[0] = 0xf0;                          // element 0 -> level 0 (−127), element 16 -> level 15 (113)
  b.qs[1] = 0x98;
  const auto y = decode(GgmlType::IQ4_NL, b);
  EXPECT_EQ(y[0], -254.0f);
  EXPECT_EQ(y[16], 226.0f);
  EXPECT_EQ(y[1], 2.0f);                   // level 8 = 1
  EXPECT_EQ(y[17], 26.0f);                 // level 9 = 13
}

TEST(Dequantize, MXFP4ScaleAndTable) {
  BlockMXFP4 b{};
  b.e = 130;                               // 2^(130−128) = 4
  b.qs[1] = 0x97;                          // element 1 -> code 7 (12), element 17 -> code 9 (−1)
  b.qs[2] = 0x8d;                          // element 2 -> code 13 (−6), element 18 -> code 8 (−0)
  auto y = decode(GgmlType::MXFP4, b);
  EXPECT_EQ(y[1], 48.0f);
  EXPECT_EQ(y[17], -4.0f);
  EXPECT_EQ(y[2], -24.0f);
  EXPECT_EQ(y[18], 0.0f);
  b.e = 1;                                 // subnormal 2^-127
  y = decode(GgmlType::MXFP4, b);
  EXPECT_EQ(y[1], std::ldexp(12.0f, -127));
  b.e = 0;
  y = decode(GgmlType::MXFP4, b);
  EXPECT_EQ(y[1], std::ldexp(12.0f, -128));
}

TEST(Dequantize, Q2_K) {
  BlockQ2_K b{};
  b.d = fp32_to_fp16(0.5f);
  b.dmin = fp32_to_fp16(0.25f);
  b.scales[1] = 0x21;                      // sub-block 1: scale 1, min 2
  b.scales[5] = 0x3a;                      // sub-block 5: scale 10, min 3
  b.scales[14] = 0x0f;                     // sub-block 14: scale 15, min 0
  b.qs[17] = 0x30;                         // lane 17, quarter 2 (element 81) = 3; quarter 0 (element 17) = 0
  b.qs[32 + 5] = 0x80;                     // half 1, lane 5, quarter 3 (element 229) = 2
  const auto y = decode(GgmlType::Q2_K, b);
  EXPECT_EQ(y[81], 0.5f * 10 * 3 - 0.25f * 3);
  EXPECT_EQ(y[17], -0.25f * 2);
  EXPECT_EQ(y[229], 0.5f * 15 * 2);
}

TEST(Dequantize, Q3_K) {
  BlockQ3_K b{};
  b.d = fp32_to_fp16(0.5f);
  // Sub-block 10: low nibble in scales[2] >> 4, high bits in scales[10] bits 4-5.
  // Biased 37 = 0b10'0101 -> scale 5.
  b.scales[2] = 0x50;
  b.scales[10] = 0x20;
  b.qs[32 + 5] = 0x08;                     // element 165 = half 1, quarter 1, lane 5 -> low bits 2
  b.qs[0] = 0x01;                          // element 0 -> low bits 1
  b.hmask[0] = 0x01;                       // element 0 high bit set (sub-block 0 scale stays −32)
  auto y = decode(GgmlType::Q3_K, b);
  EXPECT_EQ(y[165], 0.5f * 5 * (2 - 4));   // high bit clear: subtract 4
  EXPECT_EQ(y[0], 0.5f * -32 * 1);
  EXPECT_EQ(y[1], 0.5f * -32 * -4);        // all-zero bits: q = −4
  b.hmask[5] = 1 << 5;                     // element 165's high bit: bit 4·half + quarter
  y = decode(GgmlType::Q3_K, b);
  EXPECT_EQ(y[165], 0.5f * 5 * 2);
}

// Sub-block 1 (scale 7, min 3) and sub-block 6 (scale 43, min 21, which need the
// high bits stored in bytes 2 and 6) of a Q4_K / Q5_K scales array.
void set_k4_scales(uint8_t* s) {
  s[1] = 7;
  s[5] = 3;
  s[10] = 0x5b;                            // low 4 bits: scale6 = 0xb, min6 = 0x5
  s[2] = 2 << 6;                           // scale6 >> 4 = 2
  s[6] = 1 << 6;                           // min6 >> 4 = 1
}

TEST(Dequantize, Q4_K) {
  BlockQ4_K b{};
  b.d = fp32_to_fp16(1.0f);
  b.dmin = fp32_to_fp16(0.5f);
  set_k4_scales(b.scales);
  b.qs[8] = 0x40;                          // element 40: chunk 0, high nibble (sub-block 1), lane 8 -> 4
  b.qs[96 + 6] = 0x09;                     // element 198: chunk 3, low nibble (sub-block 6), lane 6 -> 9
  const auto y = decode(GgmlType::Q4_K, b);
  EXPECT_EQ(y[40], 7.0f * 4 - 0.5f * 3);
  EXPECT_EQ(y[198], 43.0f * 9 - 0.5f * 21);
  EXPECT_EQ(y[192], -0.5f * 21);
  EXPECT_EQ(y[230], 0.0f);                 // sub-block 7: scale and min 0
}

TEST(Dequantize, Q5_K) {
  BlockQ5_K b{};
  b.d = fp32_to_fp16(1.0f);
  b.dmin = fp32_to_fp16(0.5f);
  set_k4_scales(b.scales);
  b.qs[96 + 6] = 0x09;
  b.qh[6] = 1 << 6;                        // fifth bit of element 198: bit j = 6 of qh[lane 6]
  b.qh[8] = 1 << 1;                        // fifth bit of element 40: bit 1 of qh[lane 8]
  const auto y = decode(GgmlType::Q5_K, b);
  EXPECT_EQ(y[198], 43.0f * 25 - 0.5f * 21);
  EXPECT_EQ(y[40], 7.0f * 16 - 0.5f * 3);
  EXPECT_EQ(y[192], -0.5f * 21);
}

TEST(Dequantize, Q6_K) {
  BlockQ6_K b{};
  b.d = fp32_to_fp16(0.5f);
  b.scales[12] = -3;
  b.scales[0] = 2;
  // Element 199 = half 1, quarter 2, lane 7: code 45 = 0b10'1101 (q = 13).
  b.ql[64 + 7] = 0xd0;                     // quarter 2 -> high nibble of ql[64·half + lane]
  b.qh[32 + 7] = 2 << 4;                   // quarter 2 -> bits 4-5
  // Element 33 = half 0, quarter 1, lane 1: code 63 (q = 31).
  b.ql[32 + 1] = 0x0f;
  b.qh[1] = 3 << 2;
  const auto y = decode(GgmlType::Q6_K, b);
  EXPECT_EQ(y[199], 0.5f * -3 * 13);
  EXPECT_EQ(y[33], 0.0f);                  // sub-block 2 has scale 0
  EXPECT_EQ(y[0], 0.5f * 2 * -32);         // code 0 -> q = −32
}

TEST(Dequantize, IQ4_XS) {
  BlockIQ4_XS b{};
  b.d = fp32_to_fp16(0.25f);
  b.scales_l[2] = 0x70;                    // sub-block 5 low nibble 7
  b.scales_h = 2 << 10;                    // sub-block 5 high bits 2 -> biased 39, scale 7
  b.qs[16 * 5 + 4] = 0xe0;                 // element 32·5 + 20 -> level 14 (89)
  const auto y = decode(GgmlType::IQ4_XS, b);
  EXPECT_EQ(y[180], 0.25f * 7 * 89);
  EXPECT_EQ(y[164], 0.25f * 7 * -127);     // level 0
  EXPECT_EQ(y[0], 0.25f * -32 * -127);     // sub-block 0: biased 0 -> scale −32
}

TEST(Dequantize, RejectsBadArguments) {
  float y[512];
  uint8_t bytes[1024] = {};
  EXPECT_THROW(dequantize_row(GgmlType::Q4_0, bytes, y, 48), Error);
  EXPECT_THROW(dequantize_row(GgmlType::Q6_K, bytes, y, 128), Error);
  EXPECT_THROW(dequantize_row(GgmlType::Q8_K, bytes, y, 256), Error);   // activation-only formats
  EXPECT_THROW(dequantize_row(GgmlType::Q8_1, bytes, y, 32), Error);
  EXPECT_THROW(dequantize_row(GgmlType::I32, bytes, y, 4), Error);
  EXPECT_THROW(dequantize_row(static_cast<GgmlType>(31), bytes, y, 4), Error);
}

TEST(Dequantize, TraitsAgreeWithDecoder) {
  float y[256];
  uint8_t bytes[512] = {};
  for (uint32_t id = 0; id < 64; ++id) {
    const TypeTraits* t = type_traits(id);
    if (!t) continue;
    const auto type = static_cast<GgmlType>(id);
    if (t->can_dequantize)
      EXPECT_NO_THROW(dequantize_row(type, bytes, y, t->block_elems == 1 ? 4 : t->block_elems)) << t->name;
    else
      EXPECT_THROW(dequantize_row(type, bytes, y, t->block_elems), Error) << t->name;
  }
}

// general.file_type names recipes (docs/FORMATS.md §2.8), not tensor types: 7 is
// Q8_0 there although ggml type 7 is Q5_1.
TEST(FileType, NamesRecipesAndParsesThemBack) {
  EXPECT_EQ(file_type_name(15), "Q4_K_M");
  EXPECT_EQ(file_type_name(7), "Q8_0");
  EXPECT_EQ(file_type_name(32), "BF16");
  EXPECT_EQ(file_type_name(1024), "");   // "guessed" and unknown values have no name
  EXPECT_EQ(file_type_name(4), "");      // removed Q4_1_SOME_F16
  for (uint32_t id = 0; id < 64; ++id) {
    const std::string name = file_type_name(id);
    EXPECT_TRUE(name.empty() || parse_file_type_name(name) == id) << id;
  }
  EXPECT_EQ(parse_file_type_name("q4_k_m"), 15);
  EXPECT_EQ(parse_file_type_name("q4_k"), -1);
}

}  // namespace
}  // namespace edgelm
