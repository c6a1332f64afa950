// The activation side of the packed matmul kernels: a token's float row
// converted once per matmul to what the weight type's dot product consumes
// (tensor/types.h vec_dot_type), plus the per-block sums the SIMD kernels use
// to correct their unsigned-times-signed integer products.
//
// The integer values and scales are exactly quantize_activation_row()'s (Q8_0,
// Q8_K, F16, BF16); only the storage differs.
#pragma once
#include <cstdint>

namespace edgelm::kernels {

// A Q8_0 block: qs in element order, d already widened from its f16.
struct ActBlock32 {
  int8_t qs[32];
  float d;
  int32_t sum;           // Σ qs
  int32_t quad_sum[8];   // Σ qs[4q..4q+3]: Q8_0's per-quad corrections
};

// Fills sum and quad_sum from qs (shared by the reference and SIMD quantizers).
void finish_block32(ActBlock32* a);

// A Q8_K super-block with qs in the packed quad order of pack_layout.h
// (bytes 4c..4c+3 = elements 32j + l + 8i of quad c = 8j + l).
struct ActSuperBlock {
  int8_t qs[256];
  float d;
  int16_t bsum32[8];          // Σ qs over each 32-element sub-block
  int16_t bsum16[16];         // Σ qs over each 16-element sub-block (Q6_K's scale groups)
  int16_t q6_corr[64][2];     // Q6_K only: −32·(a_i0 + a_i1), −32·(a_i2 + a_i3) of quad c
};

// Scalar reference preparation, via quantize_activation_row (any CPU; the tests compare
// the SIMD versions against these byte for byte).
void act_q8_0_ref(const float* x, ActBlock32* out, int64_t blocks);
void act_q8_k_ref(const float* x, ActSuperBlock* out, int64_t blocks, bool q6_corr);
// out[i] = x[i] rounded to f16 (or bf16) and widened back, exactly.
void act_round_f16_ref(const float* x, float* out, int64_t n);
void act_round_bf16_ref(const float* x, float* out, int64_t n);

// Fills a super-block from Q8_K values in element order (shared by the
// reference and SIMD quantizers).
void finish_superblock(const int8_t* qs, float d, const int16_t* bsums16, bool q6_corr, ActSuperBlock* out);

}  // namespace edgelm::kernels
