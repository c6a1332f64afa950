// The inner loops of the attention kernel, one table per instruction set
// (attention_scalar.cpp, attention_avx2.cpp, attention_avx512.cpp,
// attention_neon.cpp, all written once in attention_tiles.h). They read the
// cached rows in their own encoding; the driver in attention.cpp picks the
// rows of each tile and keeps the softmax bookkeeping.
#pragma once
#include <algorithm>
#include <cstdint>

#include "kernels/attention/attention.h"
#include "kernels/matmul/isa.h"

namespace edgelm::kernels {

// How one cached row is encoded, as the kernels read it: f32, f16, Q8_0 or
// Q4_1 blocks, or a row of a Q4 key group (4-bit codes; the group's
// per-channel scales and minimums come as RowAux).
enum class RowFormat { F32, F16, Q8_0, Q4_1, Q4Key };
constexpr int kRowFormats = 5;

// A Q4 key group's per-channel scales and minimums, in f32.
struct RowAux {
  const float* scale = nullptr;
  const float* min = nullptr;
};

// Cache lines the kernels request a few at a time from inside their loops
// (the next tile's rows), so that reading memory overlaps the arithmetic: a
// burst of prefetches before each tile stalls the core until it drains, and
// so does asking faster than memory answers. The driver paces a stream to
// spread its lines evenly over the steps the same pass took on the previous
// tile (bench_attention DecodeE2BCold/f16/16k, three interleaved rounds: two
// lines per step 1.16-1.30 ms, paced 1.08-1.11 ms).
struct PrefetchStream {
  static constexpr uint32_t kUnit = 16;            // rate in 1/16 lines per step
  const uint8_t* next = nullptr;
  const uint8_t* end = nullptr;
  uint32_t rate = 2 * kUnit;                       // lines per step, x kUnit
  uint32_t credit = 0;
  uint32_t steps = 0;                              // step() calls so far
  void step() {
    ++steps;
    for (credit += rate; credit >= kUnit && next < end; credit -= kUnit, next += 64) __builtin_prefetch(next);
  }
  // Spreads what is left over `expected` steps (0: unknown, keep the default).
  void pace(uint32_t expected) {
    if (expected == 0 || next >= end) return;
    const uint64_t lines = static_cast<uint64_t>(end - next + 63) / 64;
    rate = static_cast<uint32_t>(std::clamp<uint64_t>((lines * kUnit + expected - 1) / expected, 1, 16 * kUnit));
  }
  void finish() {
    for (; next < end; next += 64) __builtin_prefetch(next);
  }
};

using ScoresFn = void (*)(const float* q, int n_q, const void* const* k, int n_k, int d, float scale, float* s,
                          int s_stride, const RowAux& aux, PrefetchStream& ahead);
using AccumulateFn = void (*)(const float* p, int p_stride, int n_q, const void* const* v, int n_k, int d, float* o,
                              PrefetchStream& ahead);

struct AttentionKernels {
  // s[i * s_stride + j] = scale * dot(q[i * d .. +d], k_j) for n_q packed
  // queries and n_k key rows in the indexed format (aux: Q4 keys only);
  // `ahead` advances as the loops run (so does accumulate's).
  ScoresFn scores[kRowFormats];
  // The f32 cache's scores from a transposed tile kt[c * kKvTile + j], each
  // bit-identical to the scalar loop sum_c q[c] * k[c].
  void (*exact_scores)(const float* q, int n_q, const float* kt, int n_k, int d, float scale, float* s, int s_stride);
  // o[i * d .. +d] += sum_j p[i * p_stride + j] * v_j for n_q rows and n_k
  // value rows in the indexed format (not Q4Key).
  AccumulateFn accumulate[kRowFormats];
  // s[j] = exp(s[j] - max) for j < n (every s[j] <= max); returns the sum.
  // A vectorized exp accurate to about 1 ulp.
  float (*exp_shifted)(float* s, int n, float max);
  // The largest of s[0, n) (n > 0); x[0, n) *= a.
  float (*max_of)(const float* s, int n);
  void (*multiply)(float* x, int n, float a);
  // y[0, n) += x[0, n) * a, a multiply and an add per element (the bits of
  // the scalar loop).
  void (*add_scaled)(float* y, const float* x, int n, float a);
  // out[i * out_stride + p] = sum_c max(q_i[c] * lo[c], q_i[c] * hi[c]) for
  // n_q packed queries, with lo/hi of page p at page_min/page_max + p *
  // stride: an upper bound of q_i·k over the page's keys.
  void (*page_bounds)(const float* q, int n_q, int d, const float* page_min, const float* page_max, int64_t stride,
                      int n_pages, float* out, int64_t out_stride);
  // f16 to f32 (the Q4 key groups' scales and minimums).
  void (*decode_f16)(const uint8_t* in, float* out, int64_t n);
};

const AttentionKernels* attention_kernels_scalar();
const AttentionKernels* attention_kernels_avx2();
const AttentionKernels* attention_kernels_avx512();
const AttentionKernels* attention_kernels_neon();

// The table of active_isa().
const AttentionKernels& attention_kernels();

}  // namespace edgelm::kernels
