// Private to the tensor module: rounding helpers shared by the reference
// encoders, and the encoders that live in quantize_kquants.cpp.
#pragma once
#include <cstdint>
#include <cstring>

#include "tensor/quant_blocks.h"

namespace edgelm::quant_detail {

// Round to nearest, ties to even, as ggml's nearest_int does: adding 1.5·2^23
// leaves the rounded integer in the low mantissa bits. Exact for |v| < 2^22;
// never undefined behaviour, whatever v is.
inline int nearest_int(float v) {
  const float shifted = v + 12582912.0f;
  int32_t bits;
  std::memcpy(&bits, &shifted, 4);
  return (bits & 0x007fffff) - 0x00400000;
}

// C's float-to-int conversion (truncation toward zero) limited to [lo, hi];
// NaN gives lo. Used where ggml writes (int)(v + 0.5f) and similar.
inline int trunc_clamped(float v, int lo, int hi) {
  if (!(v >= static_cast<float>(lo))) return lo;
  if (v >= static_cast<float>(hi)) return hi;
  return static_cast<int>(v);
}

// Encodes a row block by block: `encode` fills one block from its
// block-size floats, which is then stored at its (possibly unaligned) place.
template <typename Block, int kElems>
void encode_row(const float* x, void* dst, int64_t blocks, void (*encode)(const float*, Block*)) {
  for (int64_t i = 0; i < blocks; ++i, x += kElems) {
    Block b{};
    encode(x, &b);
    store_block(dst, i, b);
  }
}

// Single-block encoders of quantize_kquants.cpp.
void quantize_block_q2_k(const float* x, BlockQ2_K* y);
void quantize_block_q3_k(const float* x, BlockQ3_K* y);
void quantize_block_q4_k(const float* x, BlockQ4_K* y);
void quantize_block_q5_k(const float* x, BlockQ5_K* y);
void quantize_block_q6_k(const float* x, BlockQ6_K* y);
void quantize_block_iq4_nl(const float* x, BlockIQ4_NL* y);
void quantize_block_iq4_xs(const float* x, BlockIQ4_XS* y);

}  // namespace edgelm::quant_detail
