#include "kernels/matmul/activations.h"

#include <cstring>

#include "kernels/matmul/pack_layout.h"
#include "tensor/quant_blocks.h"
#include "tensor/types.h"

namespace edgelm::kernels {

void finish_superblock(const int8_t* qs, float d, const int16_t* bsums16, bool q6_corr, ActSuperBlock* out) {
  out->d = d;
  for (int c = 0; c < 64; ++c)
    for (int i = 0; i < 4; ++i) out->qs[4 * c + i] = qs[pack_layout::superblock_element(c, i)];
  for (int j = 0; j < 8; ++j) out->bsum32[j] = static_cast<int16_t>(bsums16[2 * j] + bsums16[2 * j + 1]);
  std::memcpy(out->bsum16, bsums16, sizeof(out->bsum16));
  if (!q6_corr) return;
  for (int c = 0; c < 64; ++c) {
    const int8_t* q = out->qs + 4 * c;
    out->q6_corr[c][0] = static_cast<int16_t>(-32 * (q[0] + q[1]));
    out->q6_corr[c][1] = static_cast<int16_t>(-32 * (q[2] + q[3]));
  }
}

void finish_block32(ActBlock32* a) {
  a->sum = 0;
  for (int q = 0; q < 8; ++q) {
    a->quad_sum[q] = a->qs[4 * q] + a->qs[4 * q + 1] + a->qs[4 * q + 2] + a->qs[4 * q + 3];
    a->sum += a->quad_sum[q];
  }
}

void act_q8_0_ref(const float* x, ActBlock32* out, int64_t blocks) {
  for (int64_t b = 0; b < blocks; ++b) {
    BlockQ8_0 q;
    quantize_activation_row(GgmlType::Q8_0, x + 32 * b, &q, 32);
    std::memcpy(out[b].qs, q.qs, 32);
    out[b].d = fp16_to_fp32(q.d);
    finish_block32(&out[b]);
  }
}

void act_q8_k_ref(const float* x, ActSuperBlock* out, int64_t blocks, bool q6_corr) {
  for (int64_t b = 0; b < blocks; ++b) {
    BlockQ8_K q;
    quantize_row(GgmlType::Q8_K, x + 256 * b, &q, 256);
    finish_superblock(q.qs, q.d, q.bsums, q6_corr, &out[b]);
  }
}

void act_round_f16_ref(const float* x, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = fp16_to_fp32(fp32_to_fp16(x[i]));
}

void act_round_bf16_ref(const float* x, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = bf16_to_fp32(fp32_to_bf16(x[i]));
}

}  // namespace edgelm::kernels
