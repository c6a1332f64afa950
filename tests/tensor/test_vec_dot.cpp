// vec_dot_ref: agreement with the dot product of the decoded rows for every
// weight type (quantized data and random raw blocks, several lengths), bit
// agreement with ggml's portable C dot products, and the activation types.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "edgelm/error.h"
#include "tensor/quant_blocks.h"
#include "tensor/types.h"
#include "tensor_test_util.h"

namespace edgelm {
namespace {

using test::decode_any;
using test::name_of;
using test::quantize;

struct DotCase {
  double exact;      // Σ w_i·a_i over the decoded rows, in double
  double magnitude;  // Σ |w_i·a_i|, the scale of the rounding error
};

DotCase decoded_dot(GgmlType wt, const std::vector<uint8_t>& w, const std::vector<uint8_t>& a, int64_t n) {
  const auto wf = decode_any(wt, w.data(), n);
  const auto af = decode_any(vec_dot_type(wt), a.data(), n);
  DotCase c{0, 0};
  for (size_t i = 0; i < wf.size(); ++i) {
    c.exact += static_cast<double>(wf[i]) * af[i];
    c.magnitude += std::fabs(static_cast<double>(wf[i]) * af[i]);
  }
  return c;
}

// Q4_1/Q5_1 × Q8_1 use the stored f16 s = d·Σq of each activation block for the
// min term, so they differ from the decoded dot by up to Σ|m·s|·2^-11.
double min_term_slack(GgmlType wt, const std::vector<uint8_t>& w, const std::vector<uint8_t>& a, int64_t n) {
  if (wt != GgmlType::Q4_1 && wt != GgmlType::Q5_1) return 0;
  const size_t wbytes = static_cast<size_t>(type_traits(wt).block_bytes);
  double slack = 0;
  for (int64_t i = 0; i < n / kQK; ++i) {
    uint16_t m;   // m is at offset 2 in both formats
    std::memcpy(&m, w.data() + static_cast<size_t>(i) * wbytes + 2, 2);
    const auto y = load_block<BlockQ8_1>(a.data(), i);
    slack += std::fabs(fp16_to_fp32(m) * fp16_to_fp32(y.s)) * std::ldexp(1.0, -10);
  }
  return slack;
}

void expect_close_to_decoded(GgmlType wt, const std::vector<uint8_t>& w, const std::vector<uint8_t>& a, int64_t n) {
  const float got = vec_dot_ref(wt, w.data(), a.data(), n);
  const DotCase c = decoded_dot(wt, w, a, n);
  const double tol = 1e-5 * c.magnitude + min_term_slack(wt, w, a, n) + 1e-30;
  EXPECT_NEAR(got, c.exact, tol) << name_of(wt) << " n=" << n;
}

std::vector<int64_t> lengths_for(GgmlType t) {
  if (type_traits(t).block_elems == 256) return {256, 768, 4096};
  return {32, 96, 256, 2080};
}

TEST(VecDot, MatchesDecodedDotOnQuantizedRows) {
  for (GgmlType wt : test::weight_types()) {
    for (int64_t n : lengths_for(wt)) {
      const auto w = quantize(wt, test::make_test_row(21 + static_cast<uint64_t>(n), n));
      const auto a = quantize(vec_dot_type(wt), test::make_test_row(22 + static_cast<uint64_t>(n), n));
      expect_close_to_decoded(wt, w, a, n);
    }
  }
}

// Byte offsets of the f16 scale fields in one block, so random blocks get sane
// (finite, moderate) scales while every other bit is random.
std::vector<int> f16_field_offsets(GgmlType t) {
  switch (t) {
    case GgmlType::Q4_1: case GgmlType::Q5_1: case GgmlType::Q4_K: case GgmlType::Q5_K: return {0, 2};
    case GgmlType::Q2_K: return {80, 82};
    case GgmlType::Q3_K: return {108};
    case GgmlType::Q6_K: return {208};
    case GgmlType::MXFP4: return {};
    default: return {0};
  }
}

std::vector<uint8_t> random_blocks(GgmlType t, int64_t n, test::TestRng& rng) {
  const TypeTraits& tr = type_traits(t);
  std::vector<uint8_t> bytes(row_bytes(t, n));
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng.next());
  for (size_t blk = 0; blk < bytes.size() / static_cast<size_t>(tr.block_bytes); ++blk) {
    uint8_t* p = bytes.data() + blk * static_cast<size_t>(tr.block_bytes);
    if (t == GgmlType::MXFP4) p[0] = static_cast<uint8_t>(118 + rng.next() % 16);
    for (int off : f16_field_offsets(t)) {
      const uint16_t h = fp32_to_fp16(rng.uniform() / 16);
      std::memcpy(p + off, &h, 2);
    }
  }
  return bytes;
}

TEST(VecDot, MatchesDecodedDotOnRandomBlocks) {
  test::TestRng rng(99);
  for (GgmlType wt : test::weight_types()) {
    if (type_traits(wt).block_elems == 1) continue;     // random bits would include NaN/Inf
    for (int64_t n : lengths_for(wt)) {
      for (int rep = 0; rep < 3; ++rep) {
        const auto w = random_blocks(wt, n, rng);
        const auto a = quantize(vec_dot_type(wt), test::make_test_row(rng.next() % 1000, n));
        expect_close_to_decoded(wt, w, a, n);
      }
    }
  }
}

// ggml's portable C dot products (ggml-cpu/quants.c *_generic) on
// quantize(w = make_test_row(11, 1024)) and quantize(a = make_test_row(12, 1024))
// with ggml's own reference quantizers: the f32 result bits, computed once by
// linking that C code. Q8_0 × Q8_0 follows ggml's x86 SIMD order instead
// (vec_dot_ref.cpp): its figure is ggml_vec_dot_q8_0_q8_0 of an x86 AVX2 build
// of the golden files' llama.cpp (the portable order gives 0x3f6feb3e).
const std::map<GgmlType, uint32_t> kGgmlGenericDotBits = {
    {GgmlType::Q4_0, 0x3f61b5d0u},   {GgmlType::Q4_1, 0x3f8d4556u}, {GgmlType::Q5_0, 0x3f6e4f8eu},
    {GgmlType::Q5_1, 0x3f784ba8u},   {GgmlType::Q8_0, 0x3f6feb3fu}, {GgmlType::Q2_K, 0x3f2ae532u},
    {GgmlType::Q3_K, 0x3f63c8a2u},   {GgmlType::Q4_K, 0x3f7297f4u}, {GgmlType::Q5_K, 0x3f708032u},
    {GgmlType::Q6_K, 0x3f6a223eu},   {GgmlType::IQ4_NL, 0x3f6cbddeu}, {GgmlType::IQ4_XS, 0x3f6415f8u},
    {GgmlType::MXFP4, 0x3f5fec12u},
};

TEST(VecDot, BitIdenticalToGgmlGenericPath) {
  const auto wf = test::make_test_row(11, 1024), af = test::make_test_row(12, 1024);
  for (const auto& [wt, bits] : kGgmlGenericDotBits) {
    const auto w = quantize(wt, wf);
    const auto a = quantize(vec_dot_type(wt), af);
    EXPECT_EQ(test::float_bits(vec_dot_ref(wt, w.data(), a.data(), 1024)), bits) << name_of(wt);
  }
}

// Two-block rows (random bytes, sane f16 scales) on which the two groupings
// (sumi·d_w)·d_a and sumi·(d_w·d_a) round differently; the expected bits are
// ggml's generic result, so each type's grouping is pinned down.
struct OrderCase {
  GgmlType type;
  const char* weight_hex;
  const char* act_hex;
  uint32_t ggml_bits;
};

const OrderCase kOrderCases[] = {
    {GgmlType::Q4_0, "123a000001000000000000010000000100011b3300010000000000000000000101010001",
     "fd247e7e7a78787e7b7a787c7a7f7c797b7c787b7d7c7f7a7c7b7c7b787b7a787e7b20277c7c7a7e7e7d7f7a7a797f7c79797a7d797c7e"
     "7e787e7d7d7c7b7a7e7d7f7a7d",
     0xc422bbd3u},
    {GgmlType::Q5_0, "5238d04dadcd3c2090d27f76150b57d95e528a1aa4751d3ba08eab0f3d9929a952533144a4a60b6382811196",
     "2f20df24eba4686479041c5f2690880fc5306c3db49a6b96e113b9c8539d57ea367c7529232a1c0429e5b8d53d842e02473c6adae2d416"
     "f0ee367c968982ed9c79ab092c",
     0xc3d91de3u},
    {GgmlType::Q8_0,
     "9536ea460c05356ea13d2ee80db912bf0afe08a515d92afaf07eefe4dbe8f79b10eff6335ff1283a22e15823604c8bf81549f54c1063ec"
     "89169d5a972dab64093787d610",
     "2f201511ea1288e8a9fd0809310ad1853dce5b3aa909e5bb7a58124cf6fae6763ff89726a23b1a72938c45adf385e1d21c35e292b055d0"
     "c3a41653b5f0f8264cffaf210f",
     0x43370a74u},
    {GgmlType::Q4_1, "c93631b7ed196f4d1c115e757aabc07a046af9ded73b3db6fc6a65b705a1d739e9b7765c3dae115b",
     "74233b317fb11268ed6c80fdff552c0c6bab484eee989e484ae0bbce42ea9d22a0033a08c520d93625d573f35eeeef52a64fe141ad75fe"
     "7039ea6b5a15d16028186b79d8599d6e28",
     0x42b6a1c9u},
    {GgmlType::Q5_1, "c33871b56a4dd6cd9c92e33cbcce65b09ac3bcdbfa4439b4fa3732b5de8728452194ccbf37af481d112f2df0cd92003c",
     "2122d330e8f6669fc34bd1dcad828ec76cdd78b203a7a8a6cbc79af8e85426c80b5ad51a952a83348019bfa4afb9dd028d26bed6df6ad5"
     "0337f5ab01c92faa96192ef931c739616a",
     0xc3a292dfu},
};

TEST(VecDot, PerBlockFloatGroupingMatchesGgml) {
  for (const OrderCase& c : kOrderCases) {
    const auto w = test::from_hex(c.weight_hex), a = test::from_hex(c.act_hex);
    ASSERT_EQ(w.size(), row_bytes(c.type, 64));
    ASSERT_EQ(a.size(), row_bytes(vec_dot_type(c.type), 64));
    EXPECT_EQ(test::float_bits(vec_dot_ref(c.type, w.data(), a.data(), 64)), c.ggml_bits) << name_of(c.type);
  }
}

// F32 follows ggml's x86 AVX2/FMA vec_dot_f32: element i of each whole block
// of 32 feeds running sum i % 32 by a fused multiply-add, the sums are folded
// 16-8-4 then (0+1)+(2+3), and the products past the last whole block are
// rounded and added one by one.
TEST(VecDot, F32FollowsGgmlX86LaneOrder) {
  std::vector<float> w(64, 0.0f), a(64, 1.0f);
  // Lane 0: 2^24 then +1 rounds back to 2^24; lane 1: 1 - 2^24 is exact; so
  // the total is 1, where an exact (double) sum gives 2.
  w[0] = 16777216.0f, w[32] = 1.0f, w[1] = 1.0f, w[33] = -16777216.0f;
  EXPECT_EQ(vec_dot_ref(GgmlType::F32, w.data(), a.data(), 64), 1.0f);
  // A tail element's product is rounded before it is added: -1 + (1+2^-12)^2
  // loses the 2^-24 term that a fused multiply-add would keep.
  std::vector<float> wt(33, 0.0f), at(33, 0.0f);
  wt[0] = -1.0f, at[0] = 1.0f;
  wt[32] = at[32] = 1.0f + 0x1p-12f;
  EXPECT_EQ(vec_dot_ref(GgmlType::F32, wt.data(), at.data(), 33), 0x1p-11f);
}

TEST(VecDot, HalfFormatsSumProductsInDouble) {
  // 2^24 + 1 + 1 − 2^24 is 2 in double but 0 if summed in float.
  const std::vector<float> w = {16777216.0f, 1.0f, 1.0f, -16777216.0f};
  const std::vector<float> a = {1.0f, 1.0f, 1.0f, 1.0f};
  for (GgmlType t : {GgmlType::BF16}) {
    const auto wb = quantize(t, w), ab = quantize(t, a);
    EXPECT_EQ(vec_dot_ref(t, wb.data(), ab.data(), 4), 2.0f) << name_of(t);
  }
  const std::vector<float> wh = {2048.0f, 1.0f, 1.0f, -2048.0f};
  const std::vector<float> ah = {8192.0f, 1.0f, 1.0f, 8192.0f};   // products 2^24, 1, 1, −2^24
  const auto wb = quantize(GgmlType::F16, wh), ab = quantize(GgmlType::F16, ah);
  EXPECT_EQ(vec_dot_ref(GgmlType::F16, wb.data(), ab.data(), 4), 2.0f);
}

TEST(VecDot, ActivationTypes) {
  const std::map<GgmlType, GgmlType> expected = {
      {GgmlType::F32, GgmlType::F32},    {GgmlType::F16, GgmlType::F16},   {GgmlType::BF16, GgmlType::BF16},
      {GgmlType::Q4_0, GgmlType::Q8_0},  {GgmlType::Q5_0, GgmlType::Q8_0}, {GgmlType::Q8_0, GgmlType::Q8_0},
      {GgmlType::IQ4_NL, GgmlType::Q8_0}, {GgmlType::MXFP4, GgmlType::Q8_0}, {GgmlType::Q4_1, GgmlType::Q8_1},
      {GgmlType::Q5_1, GgmlType::Q8_1},  {GgmlType::Q2_K, GgmlType::Q8_K}, {GgmlType::Q3_K, GgmlType::Q8_K},
      {GgmlType::Q4_K, GgmlType::Q8_K},  {GgmlType::Q5_K, GgmlType::Q8_K}, {GgmlType::Q6_K, GgmlType::Q8_K},
      {GgmlType::IQ4_XS, GgmlType::Q8_K},
  };
  ASSERT_EQ(expected.size(), test::weight_types().size());
  for (const auto& [w, a] : expected) EXPECT_EQ(vec_dot_type(w), a) << name_of(w);
  EXPECT_THROW(vec_dot_type(GgmlType::I8), Error);
  EXPECT_THROW(vec_dot_type(GgmlType::Q8_K), Error);
}

TEST(VecDot, RejectsBadArguments) {
  uint8_t w[1024] = {}, a[1024] = {};
  EXPECT_THROW(vec_dot_ref(GgmlType::Q4_0, w, a, 40), Error);
  EXPECT_THROW(vec_dot_ref(GgmlType::Q4_K, w, a, 128), Error);
  EXPECT_THROW(vec_dot_ref(GgmlType::I16, w, a, 4), Error);
  EXPECT_THROW(vec_dot_ref(GgmlType::Q8_1, w, a, 32), Error);
}

}  // namespace
}  // namespace edgelm
