// Kernels of the gated delta-net (Qwen3.5 linear attention): the short causal
// depthwise convolution with a carried window, the delta-rule recurrence, and
// the SiLU-gated RMS norm of its output. docs/ARCHITECTURES.md §2.5 (c).
//
// The token-by-token loops are scalar; each inner loop runs over contiguous
// floats so that a SIMD version can replace it without changing any caller.
#pragma once
#include <cstdint>

#include "kernels/util/threadpool.h"

namespace edgelm::kernels {

// Causal depthwise convolution over time followed by SiLU, for n tokens.
//   x      [n][channels], row stride ldx: the raw (pre-convolution) inputs
//   w      [channels][kernel]: the taps of each channel; tap kernel-1
//          multiplies the current token, tap 0 the oldest one
//   window [kernel-1][channels]: the kernel-1 inputs before x[0], oldest
//          first. Updated in place to the last kernel-1 inputs (state or x).
//   y      [n][channels], row stride ldy: silu(convolution)
// Token t sees (window, x[0..t]) through its last `kernel` entries, so running
// the tokens in one call or in several gives the same result. Tokens are
// split across the pool.
void causal_conv1d_silu(const float* x, int64_t ldx, int n, int channels, int kernel, const float* w,
                        float* window, float* y, int64_t ldy, ThreadPool& pool);

// One step of the gated delta rule for one value head. S is the head's
// d_k x d_v state stored as d_k rows of d_v floats (row a holds S[a][.]), so
// that the step vectorizes over value components while every component's
// sums keep the reference's order:
//   S  = S * decay                 (decay = exp(g), in (0, 1))
//   u  = S^T k                     (what the state recalls for key k)
//   S += k (beta (v - u))^T        (delta-rule correction)
//   o  = (S^T q) * scale           (read-out with the updated state)
void delta_rule_step(float* S, const float* q, const float* k, const float* v, float decay, float beta,
                     float scale, int d_k, int d_v, float* o);

struct DeltaRuleArgs {
  // Per token t: q/k of key head r at q + t*qk_stride + r*d_k (same for k),
  // v of value head j at v + t*v_stride + j*d_v.
  const float* q = nullptr;
  const float* k = nullptr;
  int64_t qk_stride = 0;
  const float* v = nullptr;
  int64_t v_stride = 0;
  // Per token and value head: log-decay g (< 0) and beta, [n][n_v_heads].
  const float* g = nullptr;
  const float* beta = nullptr;
  int n_tokens = 0;
  int n_k_heads = 0;
  int n_v_heads = 0;       // a multiple of n_k_heads; value head j uses key head j % n_k_heads
  int d_k = 0;
  int d_v = 0;
  float scale = 1.0f;
  float* state = nullptr;  // [n_v_heads][d_k][d_v], updated in place
  float* out = nullptr;    // o of value head j for token t at out + t*out_stride + j*d_v
  int64_t out_stride = 0;
};

// Runs the recurrence over the tokens; value heads are independent and run in
// parallel. Batches of 128 tokens or more use the chunk-wise form (chunks of
// 64 tokens, matrix products on the attention kernels; equal up to rounding),
// smaller ones a strict left-to-right scan like the reference implementations.
void gated_delta_rule(const DeltaRuleArgs& a, ThreadPool& pool);

// y = rms_norm(x) * w * silu(z) over n floats (the delta-net output norm).
// In place (y == x) allowed.
void rms_norm_silu_gated(const float* x, const float* w, const float* z, float* y, int n, float eps);

}  // namespace edgelm::kernels
