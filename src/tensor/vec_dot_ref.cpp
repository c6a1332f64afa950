// Scalar reference dot products of a weight row with an activation row that is
// already in vec_dot_type(weight).
//
// These reproduce ggml's portable C path (ggml-cpu/quants.c *_generic and the
// scalar branch of vec.cpp), including the float evaluation order:
//  * 32-element formats: an exact integer sum per block, then one float update
//    per block, e.g. Q4_0: sumf += (sumi·d_w)·d_a. Q8_0 × Q8_0 alone follows
//    ggml's x86 SIMD order (dot_q8_0 below): the golden files were made there.
//  * K-quants: integer sums per sub-block scaled by the 6/8-bit sub-block
//    scales, spread over 8 integer lanes (element e → lane e mod 8); each
//    super-block adds d·lane to 8 float partial sums, and the min term
//    (dmin·Σ bsums·m) is subtracted from the running sum; the 8 partials are
//    added at the end. Q2_K and IQ4_XS update one running sum per block instead.
//  * F32: ggml's x86 AVX2/FMA order (dot_f32 below), the build that made the
//    real-model references.
//  * F16/BF16: each product is formed in f32, summed in double, and the
//    total rounded to f32 once.
// SIMD builds of ggml group the same integer sums differently, so agreement with
// them is to float rounding, not bit-exact.
#include <cmath>
#include <cstring>
#include <string>

#include "edgelm/error.h"
#include "tensor/quant_blocks.h"
#include "tensor/types.h"

namespace edgelm {
namespace {

uint16_t load_u16(const void* row, int64_t i) {
  const auto* p = static_cast<const uint8_t*>(row) + 2 * i;
  return static_cast<uint16_t>(p[0] | p[1] << 8);
}

template <typename Decode>
float dot_scalar_rows(const void* w, const void* a, int64_t n, Decode decode) {
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(decode(w, i) * decode(a, i));
  return static_cast<float>(sum);
}

float load_f32(const void* row, int64_t i) {
  float v;
  std::memcpy(&v, static_cast<const uint8_t*>(row) + 4 * i, 4);
  return v;
}

// F32 × F32 in the order of ggml's x86 AVX2/FMA build (the build that made the
// real-model references), see kF32Lanes in types.h: element i of each whole
// 32-element block goes to running sum i mod 32 by a fused multiply-add; the
// sums are folded as four 8-lane vectors are (0..15 += 16..31, 0..7 += 8..15,
// 0..3 += 4..7, then (0+1)+(2+3)); the elements past the last whole block are
// added one by one, each product rounded before its addition (ggml's scalar
// tail loop is not contracted: checked against its q·k scores).
// On x86 a clone built with FMA is picked at load time where the CPU has it
// (std::fma is a library call otherwise); both give the same bits.
#if defined(__x86_64__)
__attribute__((target_clones("fma", "default")))
#endif
float dot_f32(const void* w, const void* a, int64_t n) {
  float lane[kF32Lanes] = {};
  const int64_t whole = n - n % kF32Lanes;
  for (int64_t i = 0; i < whole; i += kF32Lanes)
    for (int l = 0; l < kF32Lanes; ++l) lane[l] = std::fma(load_f32(w, i + l), load_f32(a, i + l), lane[l]);
  for (int half = kF32Lanes / 2; half >= 4; half /= 2)
    for (int l = 0; l < half; ++l) lane[l] += lane[l + half];
  float sum = (lane[0] + lane[1]) + (lane[2] + lane[3]);
  for (int64_t i = whole; i < n; ++i) {
    sum += load_f32(w, i) * load_f32(a, i);
  }
  return sum;
}

float dot_f16(const void* w, const void* a, int64_t n) {
  return dot_scalar_rows(w, a, n, [](const void* row, int64_t i) { return fp16_to_fp32(load_u16(row, i)); });
}

float dot_bf16(const void* w, const void* a, int64_t n) {
  return dot_scalar_rows(w, a, n, [](const void* row, int64_t i) { return bf16_to_fp32(load_u16(row, i)); });
}

// Σ code_k · a_k over a 32-element block whose k-th weight code is code(k).
template <typename Code>
int block_sum(const int8_t* a, Code code) {
  int sum = 0;
  for (int k = 0; k < kQK; ++k) sum += code(k) * a[k];
  return sum;
}

float dot_q4_0(const void* w, const void* act, int64_t blocks) {
  float sumf = 0;
  for (int64_t i = 0; i < blocks; ++i) {
    const auto x = load_block<BlockQ4_0>(w, i);
    const auto y = load_block<BlockQ8_0>(act, i);
    const int sumi = block_sum(y.qs, [&](int k) { return nibble(x.qs, k) - 8; });
    sumf += sumi * fp16_to_fp32(x.d) * fp16_to_fp32(y.d);
  }
  return sumf;
}

float dot_q4_1(const void* w, const void* act, int64_t blocks) {
  float sumf = 0;
  for (int64_t i = 0; i < blocks; ++i) {
    const auto x = load_block<BlockQ4_1>(w, i);
    const auto y = load_block<BlockQ8_1>(act, i);
    const int sumi = block_sum(y.qs, [&](int k) { return nibble(x.qs, k); });
    sumf += (fp16_to_fp32(x.d) * fp16_to_fp32(y.d)) * sumi + fp16_to_fp32(x.m) * fp16_to_fp32(y.s);
  }
  return sumf;
}

float dot_q5_0(const void* w, const void* act, int64_t blocks) {
  float sumf = 0;
  for (int64_t i = 0; i < blocks; ++i) {
    const auto x = load_block<BlockQ5_0>(w, i);
    const auto y = load_block<BlockQ8_0>(act, i);
    const int sumi = block_sum(y.qs, [&](int k) { return five_bit_code(x.qh, x.qs, k) - 16; });
    sumf += (fp16_to_fp32(x.d) * fp16_to_fp32(y.d)) * sumi;
  }
  return sumf;
}

float dot_q5_1(const void* w, const void* act, int64_t blocks) {
  float sumf = 0;
  for (int64_t i = 0; i < blocks; ++i) {
    const auto x = load_block<BlockQ5_1>(w, i);
    const auto y = load_block<BlockQ8_1>(act, i);
    const int sumi = block_sum(y.qs, [&](int k) { return five_bit_code(x.qh, x.qs, k); });
    sumf += (fp16_to_fp32(x.d) * fp16_to_fp32(y.d)) * sumi + fp16_to_fp32(x.m) * fp16_to_fp32(y.s);
  }
  return sumf;
}

// Q8_0 × Q8_0 in the order of ggml's x86 builds (AVX2 and AVX-512 alike, which
// agree bit for bit), the reference this project matches: eight float lanes,
// lane l collecting the exact integer sum of elements 4l..4l+3 of each block
// with one fused multiply-add by fp16(x.d)·fp16(y.d), then the lanes added as
// ((l0+l4) + (l2+l6)) + ((l1+l5) + (l3+l7)).
float dot_q8_0(const void* w, const void* act, int64_t blocks) {
  float lane[8] = {};
  for (int64_t i = 0; i < blocks; ++i) {
    const auto x = load_block<BlockQ8_0>(w, i);
    const auto y = load_block<BlockQ8_0>(act, i);
    const float d = fp16_to_fp32(x.d) * fp16_to_fp32(y.d);
    for (int l = 0; l < 8; ++l) {
      int quad = 0;
      for (int k = 4 * l; k < 4 * l + 4; ++k) quad += x.qs[k] * y.qs[k];
      lane[l] = std::fma(d, static_cast<float>(quad), lane[l]);
    }
  }
  return q8_0_lane_total(lane);
}

float dot_iq4_nl(const void* w, const void* act, int64_t blocks) {
  float sumf = 0;
  for (int64_t i = 0; i < blocks; ++i) {
    const auto x = load_block<BlockIQ4_NL>(w, i);
    const auto y = load_block<BlockQ8_0>(act, i);
    const float d = fp16_to_fp32(y.d) * fp16_to_fp32(x.d);
    sumf += d * block_sum(y.qs, [&](int k) { return static_cast<int>(kIQ4Values[nibble(x.qs, k)]); });
  }
  return sumf;
}

float dot_mxfp4(const void* w, const void* act, int64_t blocks) {
  float sumf = 0;
  for (int64_t i = 0; i < blocks; ++i) {
    const auto x = load_block<BlockMXFP4>(w, i);
    const auto y = load_block<BlockQ8_0>(act, i);
    const float d = fp16_to_fp32(y.d) * e8m0_half(x.e);
    sumf += d * block_sum(y.qs, [&](int k) { return static_cast<int>(kMXFP4Values[nibble(x.qs, k)]); });
  }
  return sumf;
}

// ---- 256-element super-blocks against Q8_K --------------------------------

// The 8-lane accumulation of ggml's generic Q3_K..Q6_K dot: codes[e] is the
// signed weight code of element e and scale16[e/16] its integer sub-block scale.
void add_super_block_lanes(const int8_t* codes, const int* scale16, const int8_t* a, float d, float lanes[8]) {
  int32_t lane_sum[8] = {};
  for (int e = 0; e < kQK_K; ++e) lane_sum[e % 8] += scale16[e / 16] * (codes[e] * a[e]);
  for (int l = 0; l < 8; ++l) lanes[l] += d * lane_sum[l];
}

float finish_lanes(float sumf, const float lanes[8]) {
  for (int l = 0; l < 8; ++l) sumf += lanes[l];
  return sumf;
}

float dot_q2_k(const void* w, const void* act, int64_t blocks) {
  float sumf = 0;
  for (int64_t i = 0; i < blocks; ++i) {
    const auto x = load_block<BlockQ2_K>(w, i);
    const auto y = load_block<BlockQ8_K>(act, i);
    int8_t codes[kQK_K];
    q2k_codes(x, codes);
    int min_sum = 0, isum = 0;
    for (int sub = 0; sub < 16; ++sub) {
      min_sum += y.bsums[sub] * (x.scales[sub] >> 4);
      int s = 0;
      for (int e = 16 * sub; e < 16 * sub + 16; ++e) s += y.qs[e] * codes[e];
      isum += (x.scales[sub] & 15) * s;
    }
    const float dall = y.d * fp16_to_fp32(x.d);
    const float dmin = y.d * fp16_to_fp32(x.dmin);
    sumf += dall * isum - dmin * min_sum;
  }
  return sumf;
}

float dot_q3_k(const void* w, const void* act, int64_t blocks) {
  float sumf = 0, lanes[8] = {};
  for (int64_t i = 0; i < blocks; ++i) {
    const auto x = load_block<BlockQ3_K>(w, i);
    const auto y = load_block<BlockQ8_K>(act, i);
    int8_t codes[kQK_K];
    int scale16[16];
    q3k_codes(x, codes);
    for (int k = 0; k < 16; ++k) scale16[k] = q3k_scale(x.scales, k);
    add_super_block_lanes(codes, scale16, y.qs, fp16_to_fp32(x.d) * y.d, lanes);
  }
  return finish_lanes(sumf, lanes);
}

template <typename Block>
float dot_q45_k(const void* w, const void* act, int64_t blocks) {
  float sumf = 0, lanes[8] = {};
  for (int64_t i = 0; i < blocks; ++i) {
    const auto x = load_block<Block>(w, i);
    const auto y = load_block<BlockQ8_K>(act, i);
    int8_t codes[kQK_K];
    int scale16[16], mins[8];
    q45k_codes(x, codes);
    for (int j = 0; j < 8; ++j) {
      kquant_scale_min(x.scales, j, &scale16[2 * j], &mins[j]);
      scale16[2 * j + 1] = scale16[2 * j];
    }
    int min_sum = 0;
    for (int g = 0; g < 16; ++g) min_sum += y.bsums[g] * mins[g / 2];
    add_super_block_lanes(codes, scale16, y.qs, fp16_to_fp32(x.d) * y.d, lanes);
    sumf -= fp16_to_fp32(x.dmin) * y.d * min_sum;
  }
  return finish_lanes(sumf, lanes);
}

float dot_q6_k(const void* w, const void* act, int64_t blocks) {
  float sumf = 0, lanes[8] = {};
  for (int64_t i = 0; i < blocks; ++i) {
    const auto x = load_block<BlockQ6_K>(w, i);
    const auto y = load_block<BlockQ8_K>(act, i);
    int8_t codes[kQK_K];
    int scale16[16];
    q6k_codes(x, codes);
    for (int k = 0; k < 16; ++k) scale16[k] = x.scales[k];
    add_super_block_lanes(codes, scale16, y.qs, fp16_to_fp32(x.d) * y.d, lanes);
  }
  return finish_lanes(sumf, lanes);
}

float dot_iq4_xs(const void* w, const void* act, int64_t blocks) {
  float sumf = 0;
  for (int64_t i = 0; i < blocks; ++i) {
    const auto x = load_block<BlockIQ4_XS>(w, i);
    const auto y = load_block<BlockQ8_K>(act, i);
    const float d4d8 = fp16_to_fp32(x.d) * y.d;
    for (int ib = 0; ib < 8; ++ib) {
      const float dl = d4d8 * (iq4xs_scale(x, ib) - 32);
      const uint8_t* qs = x.qs + 16 * ib;
      sumf += dl * block_sum(y.qs + 32 * ib, [&](int k) { return static_cast<int>(kIQ4Values[nibble(qs, k)]); });
    }
  }
  return sumf;
}

}  // namespace

GgmlType vec_dot_type(GgmlType weight) {
  switch (weight) {
    case GgmlType::F32:
    case GgmlType::F16:
    case GgmlType::BF16: return weight;
    case GgmlType::Q4_0:
    case GgmlType::Q5_0:
    case GgmlType::Q8_0:
    case GgmlType::IQ4_NL:
    case GgmlType::MXFP4: return GgmlType::Q8_0;
    case GgmlType::Q4_1:
    case GgmlType::Q5_1: return GgmlType::Q8_1;
    case GgmlType::Q2_K:
    case GgmlType::Q3_K:
    case GgmlType::Q4_K:
    case GgmlType::Q5_K:
    case GgmlType::Q6_K:
    case GgmlType::IQ4_XS: return GgmlType::Q8_K;
    default: break;
  }
  throw Error("vec_dot_type: no dot product for weight type " +
              type_name(static_cast<uint32_t>(weight)));
}

float vec_dot_ref(GgmlType weight_type, const void* weight_row, const void* act_row, int64_t n) {
  const TypeTraits& t = type_traits(weight_type);
  if (n < 0 || n % t.block_elems != 0)
    throw Error("vec_dot_ref: " + std::string(t.name) + " row of " + std::to_string(n) +
                " elements is not a whole number of blocks");
  const int64_t blocks = n / t.block_elems;
  const void* w = weight_row;
  const void* a = act_row;
  switch (weight_type) {
    case GgmlType::F32: return dot_f32(w, a, n);
    case GgmlType::F16: return dot_f16(w, a, n);
    case GgmlType::BF16: return dot_bf16(w, a, n);
    case GgmlType::Q4_0: return dot_q4_0(w, a, blocks);
    case GgmlType::Q4_1: return dot_q4_1(w, a, blocks);
    case GgmlType::Q5_0: return dot_q5_0(w, a, blocks);
    case GgmlType::Q5_1: return dot_q5_1(w, a, blocks);
    case GgmlType::Q8_0: return dot_q8_0(w, a, blocks);
    case GgmlType::IQ4_NL: return dot_iq4_nl(w, a, blocks);
    case GgmlType::MXFP4: return dot_mxfp4(w, a, blocks);
    case GgmlType::Q2_K: return dot_q2_k(w, a, blocks);
    case GgmlType::Q3_K: return dot_q3_k(w, a, blocks);
    case GgmlType::Q4_K: return dot_q45_k<BlockQ4_K>(w, a, blocks);
    case GgmlType::Q5_K: return dot_q45_k<BlockQ5_K>(w, a, blocks);
    case GgmlType::Q6_K: return dot_q6_k(w, a, blocks);
    case GgmlType::IQ4_XS: return dot_iq4_xs(w, a, blocks);
    default: break;
  }
  throw Error("vec_dot_ref: no dot product for weight type " + std::string(t.name));
}

}  // namespace edgelm
