// Reference encoders of the scalar, 32-element and activation formats, and the
// quantize_row() dispatch. The K-quant and IQ4 encoders are in
// quantize_kquants.cpp.
//
// Each encoder reproduces ggml's *_ref quantizer (docs/FORMATS.md §2.7) operation by
// operation in f32, so its bytes are identical to ggml's for finite input.
// Where ggml's behaviour is undefined (NaN/Inf input, a float converted to an
// integer type out of range) these clamp instead.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <string>

#include "edgelm/error.h"
#include "tensor/quant_blocks.h"
#include "tensor/quantize_internal.h"
#include "tensor/types.h"

namespace edgelm {
namespace {

using quant_detail::nearest_int;
using quant_detail::trunc_clamped;

// C's roundf (ties away from zero) stored as int8.
int8_t round_to_i8(float v) {
  return static_cast<int8_t>(trunc_clamped(std::round(v), -128, 127));
}

float abs_max(const float* x, int n) {
  float amax = 0.0f;
  for (int j = 0; j < n; ++j) amax = std::max(amax, std::fabs(x[j]));
  return amax;
}

// The element of largest magnitude, signed; the first one wins ties.
float signed_abs_max(const float* x, int n) {
  float amax = 0.0f, max = 0.0f;
  for (int j = 0; j < n; ++j) {
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

// Q8_0 and Q8_1 share their scale and rounding: d = amax/127, q = roundf(x/d).
float quantize_32_to_i8(const float* x, int8_t* qs) {
  const float d = abs_max(x, kQK) / 127;
  const float inv = d != 0.0f ? 1.0f / d : 0.0f;
  for (int j = 0; j < kQK; ++j) qs[j] = round_to_i8(x[j] * inv);
  return d;
}

void quantize_block_q8_0(const float* x, BlockQ8_0* y) { y->d = fp32_to_fp16(quantize_32_to_i8(x, y->qs)); }

// A matmul input as ggml's x86 builds quantize it (quantize_row_q8_0, not the
// _ref encoder above): the same d = amax/127, but codes x·(127/amax) rounded
// half to even. The two differ by an ulp of the multiplier and at ties.
void quantize_act_block_q8_0(const float* x, BlockQ8_0* y) {
  const float amax = abs_max(x, kQK);
  const float inv = amax != 0.0f ? 127.0f / amax : 0.0f;
  for (int j = 0; j < kQK; ++j) y->qs[j] = static_cast<int8_t>(trunc_clamped(std::nearbyint(x[j] * inv), -128, 127));
  y->d = fp32_to_fp16(amax / 127);
}

void quantize_block_q8_1(const float* x, BlockQ8_1* y) {
  const float d = quantize_32_to_i8(x, y->qs);
  int sum = 0;
  for (int j = 0; j < kQK; ++j) sum += y->qs[j];
  y->d = fp32_to_fp16(d);
  y->s = fp32_to_fp16(sum * d);     // the unrounded d, as ggml does
}

// Q8_K: iscale = −127/M for the signed largest element M (so M -> −127),
// q = nearest_int(iscale·x), d = 1/iscale; an all-zero block stays all zero.
void quantize_block_q8_k(const float* x, BlockQ8_K* y) {
  const float max = signed_abs_max(x, kQK_K);
  if (max == 0.0f) return;
  const float iscale = -127.0f / max;
  for (int j = 0; j < kQK_K; ++j) y->qs[j] = static_cast<int8_t>(std::min(127, nearest_int(iscale * x[j])));
  for (int g = 0; g < 16; ++g) {
    int sum = 0;
    for (int j = 0; j < 16; ++j) sum += y->qs[16 * g + j];
    y->bsums[g] = static_cast<int16_t>(sum);
  }
  y->d = 1 / iscale;
}

// Q4_0 / Q5_0: d = M/−2^(bits−1) for the signed largest element M, so M maps
// exactly to code 0; q = trunc(x/d + 2^(bits−1) + ½).
template <int kBits>
float quantize_symmetric_codes(const float* x, uint8_t* codes) {
  constexpr int kHalf = 1 << (kBits - 1);
  const float d = signed_abs_max(x, kQK) / -kHalf;
  const float inv = d != 0.0f ? 1.0f / d : 0.0f;
  for (int j = 0; j < kQK; ++j)
    codes[j] = static_cast<uint8_t>(trunc_clamped(x[j] * inv + (kHalf + 0.5f), 0, 2 * kHalf - 1));
  return d;
}

// Q4_1 / Q5_1: d = (max − min)/(2^bits − 1), m = min, q = trunc((x − min)/d + ½).
template <int kBits>
float quantize_affine_codes(const float* x, uint8_t* codes, float* min_out) {
  constexpr int kMaxCode = (1 << kBits) - 1;
  float min = FLT_MAX, max = -FLT_MAX;
  for (int j = 0; j < kQK; ++j) {
    if (x[j] < min) min = x[j];
    if (x[j] > max) max = x[j];
  }
  const float d = (max - min) / kMaxCode;
  const float inv = d != 0.0f ? 1.0f / d : 0.0f;
  for (int j = 0; j < kQK; ++j)
    codes[j] = static_cast<uint8_t>(trunc_clamped((x[j] - min) * inv + 0.5f, 0, kMaxCode));
  *min_out = min;
  return d;
}

// Low nibbles of qs hold the codes of elements 0..15, high nibbles those of
// 16..31; for 5-bit codes, bit 4 of element k's code goes to bit k of qh.
void pack_nibbles(const uint8_t* codes, uint8_t* qs) {
  for (int j = 0; j < 16; ++j) qs[j] = static_cast<uint8_t>((codes[j] & 15) | (codes[j + 16] & 15) << 4);
}

void pack_fifth_bits(const uint8_t* codes, uint8_t* qh_bytes) {
  uint32_t qh = 0;
  for (int j = 0; j < kQK; ++j) qh |= static_cast<uint32_t>((codes[j] >> 4) & 1) << j;
  std::memcpy(qh_bytes, &qh, 4);
}

void quantize_block_q4_0(const float* x, BlockQ4_0* y) {
  uint8_t codes[kQK];
  y->d = fp32_to_fp16(quantize_symmetric_codes<4>(x, codes));
  pack_nibbles(codes, y->qs);
}

void quantize_block_q5_0(const float* x, BlockQ5_0* y) {
  uint8_t codes[kQK];
  y->d = fp32_to_fp16(quantize_symmetric_codes<5>(x, codes));
  pack_nibbles(codes, y->qs);
  pack_fifth_bits(codes, y->qh);
}

void quantize_block_q4_1(const float* x, BlockQ4_1* y) {
  uint8_t codes[kQK];
  float min;
  y->d = fp32_to_fp16(quantize_affine_codes<4>(x, codes, &min));
  y->m = fp32_to_fp16(min);
  pack_nibbles(codes, y->qs);
}

void quantize_block_q5_1(const float* x, BlockQ5_1* y) {
  uint8_t codes[kQK];
  float min;
  y->d = fp32_to_fp16(quantize_affine_codes<5>(x, codes, &min));
  y->m = fp32_to_fp16(min);
  pack_nibbles(codes, y->qs);
  pack_fifth_bits(codes, y->qh);
}

// MXFP4: the shared exponent puts amax in the top binade of the doubled E2M1
// table (e = floor(log2 amax) − 2 + 127); each value takes the nearest level,
// the first one on ties.
void quantize_block_mxfp4(const float* x, BlockMXFP4* y) {
  const float amax = abs_max(x, kQK);
  y->e = amax > 0.0f ? static_cast<uint8_t>(trunc_clamped(std::floor(std::log2(amax)) - 2 + 127, 0, 255)) : 0;
  const float d = e8m0_half(y->e);
  uint8_t codes[kQK];
  for (int j = 0; j < kQK; ++j) {
    int best = 0;
    float best_err = std::fabs(kMXFP4Values[0] * d - x[j]);
    for (int c = 1; c < 16; ++c) {
      const float err = std::fabs(kMXFP4Values[c] * d - x[j]);
      if (err < best_err) {
        best = c;
        best_err = err;
      }
    }
    codes[j] = static_cast<uint8_t>(best);
  }
  pack_nibbles(codes, y->qs);
}

void store_u16_row(void* dst, int64_t n, const float* x, uint16_t (*convert)(float)) {
  auto* p = static_cast<uint8_t*>(dst);
  for (int64_t i = 0; i < n; ++i) {
    const uint16_t h = convert(x[i]);
    p[2 * i] = static_cast<uint8_t>(h & 0xff);
    p[2 * i + 1] = static_cast<uint8_t>(h >> 8);
  }
}

}  // namespace

void quantize_activation_row(GgmlType type, const float* src, void* dst, int64_t n) {
  if (type != GgmlType::Q8_0) {
    if (!quantize_row(type, src, dst, n))
      throw Error(std::string("quantize_activation_row: no encoder for ") + type_traits(type).name);
    return;
  }
  if (n < 0 || n % kQK != 0)
    throw Error("quantize_activation_row: Q8_0 row of " + std::to_string(n) + " elements is not a whole number of blocks");
  quant_detail::encode_row<BlockQ8_0, kQK>(src, dst, n / kQK, quantize_act_block_q8_0);
}

bool quantize_row(GgmlType type, const float* src, void* dst, int64_t n) {
  const TypeTraits& t = type_traits(type);
  if (n < 0 || n % t.block_elems != 0)
    throw Error("quantize_row: " + std::string(t.name) + " row of " + std::to_string(n) +
                " elements is not a whole number of blocks");
  const int64_t b = n / t.block_elems;
  namespace qd = quant_detail;
  using qd::encode_row;
  switch (type) {
    case GgmlType::F32: std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float)); return true;
    case GgmlType::F16: store_u16_row(dst, n, src, fp32_to_fp16); return true;
    case GgmlType::BF16: store_u16_row(dst, n, src, fp32_to_bf16); return true;
    case GgmlType::Q4_0: encode_row<BlockQ4_0, kQK>(src, dst, b, quantize_block_q4_0); return true;
    case GgmlType::Q4_1: encode_row<BlockQ4_1, kQK>(src, dst, b, quantize_block_q4_1); return true;
    case GgmlType::Q5_0: encode_row<BlockQ5_0, kQK>(src, dst, b, quantize_block_q5_0); return true;
    case GgmlType::Q5_1: encode_row<BlockQ5_1, kQK>(src, dst, b, quantize_block_q5_1); return true;
    case GgmlType::Q8_0: encode_row<BlockQ8_0, kQK>(src, dst, b, quantize_block_q8_0); return true;
    case GgmlType::Q8_1: encode_row<BlockQ8_1, kQK>(src, dst, b, quantize_block_q8_1); return true;
    case GgmlType::MXFP4: encode_row<BlockMXFP4, kQK>(src, dst, b, quantize_block_mxfp4); return true;
    case GgmlType::IQ4_NL: encode_row<BlockIQ4_NL, kQK>(src, dst, b, qd::quantize_block_iq4_nl); return true;
    case GgmlType::Q8_K: encode_row<BlockQ8_K, kQK_K>(src, dst, b, quantize_block_q8_k); return true;
    case GgmlType::Q2_K: encode_row<BlockQ2_K, kQK_K>(src, dst, b, qd::quantize_block_q2_k); return true;
    case GgmlType::Q3_K: encode_row<BlockQ3_K, kQK_K>(src, dst, b, qd::quantize_block_q3_k); return true;
    case GgmlType::Q4_K: encode_row<BlockQ4_K, kQK_K>(src, dst, b, qd::quantize_block_q4_k); return true;
    case GgmlType::Q5_K: encode_row<BlockQ5_K, kQK_K>(src, dst, b, qd::quantize_block_q5_k); return true;
    case GgmlType::Q6_K: encode_row<BlockQ6_K, kQK_K>(src, dst, b, qd::quantize_block_q6_k); return true;
    case GgmlType::IQ4_XS: encode_row<BlockIQ4_XS, kQK_K>(src, dst, b, qd::quantize_block_iq4_xs); return true;
    default: return false;
  }
}

}  // namespace edgelm
