// Scalar decoders of every supported weight format to float32.
//
// Each formula is docs/FORMATS.md §2.2-2.6; the float operations are grouped the way
// ggml's dequantize_row_* groups them (e.g. Q4_K computes d·sc once per
// sub-block, then (d·sc)·q − dmin·m), so decoded values are bit-identical to
// ggml's and to the worked test vectors.
#include <cstring>
#include <string>

#include "edgelm/error.h"
#include "tensor/quant_blocks.h"
#include "tensor/types.h"

namespace edgelm {
namespace {

void dequant_q4_0(const void* src, float* y, int64_t nblocks) {
  for (int64_t i = 0; i < nblocks; ++i, y += kQK) {
    const auto b = load_block<BlockQ4_0>(src, i);
    const float d = fp16_to_fp32(b.d);
    for (int k = 0; k < kQK; ++k) y[k] = (nibble(b.qs, k) - 8) * d;
  }
}

void dequant_q4_1(const void* src, float* y, int64_t nblocks) {
  for (int64_t i = 0; i < nblocks; ++i, y += kQK) {
    const auto b = load_block<BlockQ4_1>(src, i);
    const float d = fp16_to_fp32(b.d), m = fp16_to_fp32(b.m);
    for (int k = 0; k < kQK; ++k) y[k] = nibble(b.qs, k) * d + m;
  }
}

void dequant_q5_0(const void* src, float* y, int64_t nblocks) {
  for (int64_t i = 0; i < nblocks; ++i, y += kQK) {
    const auto b = load_block<BlockQ5_0>(src, i);
    const float d = fp16_to_fp32(b.d);
    for (int k = 0; k < kQK; ++k) y[k] = (five_bit_code(b.qh, b.qs, k) - 16) * d;
  }
}

void dequant_q5_1(const void* src, float* y, int64_t nblocks) {
  for (int64_t i = 0; i < nblocks; ++i, y += kQK) {
    const auto b = load_block<BlockQ5_1>(src, i);
    const float d = fp16_to_fp32(b.d), m = fp16_to_fp32(b.m);
    for (int k = 0; k < kQK; ++k) y[k] = five_bit_code(b.qh, b.qs, k) * d + m;
  }
}

void dequant_q8_0(const void* src, float* y, int64_t nblocks) {
  for (int64_t i = 0; i < nblocks; ++i, y += kQK) {
    const auto b = load_block<BlockQ8_0>(src, i);
    const float d = fp16_to_fp32(b.d);
    for (int k = 0; k < kQK; ++k) y[k] = b.qs[k] * d;
  }
}

void dequant_iq4_nl(const void* src, float* y, int64_t nblocks) {
  for (int64_t i = 0; i < nblocks; ++i, y += kQK) {
    const auto b = load_block<BlockIQ4_NL>(src, i);
    const float d = fp16_to_fp32(b.d);
    for (int k = 0; k < kQK; ++k) y[k] = d * kIQ4Values[nibble(b.qs, k)];
  }
}

void dequant_mxfp4(const void* src, float* y, int64_t nblocks) {
  for (int64_t i = 0; i < nblocks; ++i, y += kQK) {
    const auto b = load_block<BlockMXFP4>(src, i);
    const float d = e8m0_half(b.e);
    for (int k = 0; k < kQK; ++k) y[k] = kMXFP4Values[nibble(b.qs, k)] * d;
  }
}

void dequant_q2_k(const void* src, float* y, int64_t nblocks) {
  int8_t codes[kQK_K];
  for (int64_t i = 0; i < nblocks; ++i, y += kQK_K) {
    const auto b = load_block<BlockQ2_K>(src, i);
    const float d = fp16_to_fp32(b.d), dmin = fp16_to_fp32(b.dmin);
    q2k_codes(b, codes);
    for (int sub = 0; sub < 16; ++sub) {
      const float dl = d * (b.scales[sub] & 15);
      const float ml = dmin * (b.scales[sub] >> 4);
      for (int e = 16 * sub; e < 16 * sub + 16; ++e) y[e] = dl * codes[e] - ml;
    }
  }
}

void dequant_q3_k(const void* src, float* y, int64_t nblocks) {
  int8_t codes[kQK_K];
  for (int64_t i = 0; i < nblocks; ++i, y += kQK_K) {
    const auto b = load_block<BlockQ3_K>(src, i);
    const float d = fp16_to_fp32(b.d);
    q3k_codes(b, codes);
    for (int sub = 0; sub < 16; ++sub) {
      const float dl = d * q3k_scale(b.scales, sub);
      for (int e = 16 * sub; e < 16 * sub + 16; ++e) y[e] = dl * codes[e];
    }
  }
}

// Q4_K and Q5_K share scales and mins; only their codes differ.
template <typename Block>
void dequant_q45_k(const void* src, float* y, int64_t nblocks) {
  int8_t codes[kQK_K];
  for (int64_t i = 0; i < nblocks; ++i, y += kQK_K) {
    const auto b = load_block<Block>(src, i);
    const float d = fp16_to_fp32(b.d), dmin = fp16_to_fp32(b.dmin);
    q45k_codes(b, codes);
    for (int j = 0; j < 8; ++j) {
      int sc, m;
      kquant_scale_min(b.scales, j, &sc, &m);
      const float dl = d * sc, ml = dmin * m;
      for (int e = 32 * j; e < 32 * j + 32; ++e) y[e] = dl * codes[e] - ml;
    }
  }
}

void dequant_q6_k(const void* src, float* y, int64_t nblocks) {
  int8_t codes[kQK_K];
  for (int64_t i = 0; i < nblocks; ++i, y += kQK_K) {
    const auto b = load_block<BlockQ6_K>(src, i);
    const float d = fp16_to_fp32(b.d);
    q6k_codes(b, codes);
    for (int e = 0; e < kQK_K; ++e) y[e] = d * b.scales[e / 16] * codes[e];
  }
}

void dequant_iq4_xs(const void* src, float* y, int64_t nblocks) {
  for (int64_t i = 0; i < nblocks; ++i, y += kQK_K) {
    const auto b = load_block<BlockIQ4_XS>(src, i);
    const float d = fp16_to_fp32(b.d);
    for (int ib = 0; ib < 8; ++ib) {
      const float dl = d * (iq4xs_scale(b, ib) - 32);
      for (int k = 0; k < kQK; ++k) y[32 * ib + k] = dl * kIQ4Values[nibble(b.qs + 16 * ib, k)];
    }
  }
}

void dequant_f32(const void* src, float* y, int64_t n) {
  std::memcpy(y, src, static_cast<size_t>(n) * sizeof(float));
}

void dequant_f16(const void* src, float* y, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(src);
  for (int64_t i = 0; i < n; ++i) y[i] = fp16_to_fp32(static_cast<uint16_t>(p[2 * i] | p[2 * i + 1] << 8));
}

void dequant_bf16(const void* src, float* y, int64_t n) {
  const auto* p = static_cast<const uint8_t*>(src);
  for (int64_t i = 0; i < n; ++i) y[i] = bf16_to_fp32(static_cast<uint16_t>(p[2 * i] | p[2 * i + 1] << 8));
}

}  // namespace

void dequantize_row(GgmlType type, const void* src, float* dst, int64_t n) {
  const TypeTraits& t = type_traits(type);
  if (n < 0 || n % t.block_elems != 0)
    throw Error("dequantize_row: " + std::string(t.name) + " row of " + std::to_string(n) +
                " elements is not a whole number of blocks");
  const int64_t blocks = n / t.block_elems;
  switch (type) {
    case GgmlType::F32: return dequant_f32(src, dst, n);
    case GgmlType::F16: return dequant_f16(src, dst, n);
    case GgmlType::BF16: return dequant_bf16(src, dst, n);
    case GgmlType::Q4_0: return dequant_q4_0(src, dst, blocks);
    case GgmlType::Q4_1: return dequant_q4_1(src, dst, blocks);
    case GgmlType::Q5_0: return dequant_q5_0(src, dst, blocks);
    case GgmlType::Q5_1: return dequant_q5_1(src, dst, blocks);
    case GgmlType::Q8_0: return dequant_q8_0(src, dst, blocks);
    case GgmlType::IQ4_NL: return dequant_iq4_nl(src, dst, blocks);
    case GgmlType::MXFP4: return dequant_mxfp4(src, dst, blocks);
    case GgmlType::Q2_K: return dequant_q2_k(src, dst, blocks);
    case GgmlType::Q3_K: return dequant_q3_k(src, dst, blocks);
    case GgmlType::Q4_K: return dequant_q45_k<BlockQ4_K>(src, dst, blocks);
    case GgmlType::Q5_K: return dequant_q45_k<BlockQ5_K>(src, dst, blocks);
    case GgmlType::Q6_K: return dequant_q6_k(src, dst, blocks);
    case GgmlType::IQ4_XS: return dequant_iq4_xs(src, dst, blocks);
    default: break;
  }
  throw Error("dequantize_row: tensor type " + std::string(t.name) + " cannot be decoded");
}

}  // namespace edgelm
