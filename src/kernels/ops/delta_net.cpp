#include "kernels/ops/delta_net.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "edgelm/error.h"
#include "kernels/attention/attention_isa.h"
#include "kernels/ops/ops.h"

namespace edgelm::kernels {

namespace {

constexpr int kConvLanes = 16;   // channels per block: constant-trip loops vectorize at -O2

// Channels [c0, c0 + kN) of every token: the block's taps are transposed once
// ([tap][channel]) so each token's sums run over contiguous rows, adding the
// taps oldest first as the scalar definition does.
template <int kN, class Input>
void conv_block(const Input& input, int n, int history, int kernel, const float* w, int64_t c0, float* y,
                int64_t ldy) {
  float taps[8][kN];   // kernel <= 8 (checked by the caller)
  for (int j = 0; j < kernel; ++j)
    for (int c = 0; c < kN; ++c) taps[j][c] = w[(c0 + c) * kernel + j];
  for (int t = 0; t < n; ++t) {
    float sum[kN] = {};
    for (int j = 0; j < kernel; ++j) {
      const float* in = input(t - history + j) + c0;
      for (int c = 0; c < kN; ++c) sum[c] += in[c] * taps[j][c];
    }
    float* out = y + t * ldy + c0;
    for (int c = 0; c < kN; ++c) out[c] = sum[c];
    silu_in_place(out, kN);
  }
}

}  // namespace

void causal_conv1d_silu(const float* x, int64_t ldx, int n, int channels, int kernel, const float* w,
                        float* window, float* y, int64_t ldy, ThreadPool& pool) {
  if (kernel < 1 || kernel > 8) throw Error("causal_conv1d_silu: kernel size " + std::to_string(kernel) + " not in [1, 8]");
  const int history = kernel - 1;
  // Input at time s (s < 0: the carried window, whose row history+s holds it).
  auto input = [&](int s) -> const float* {
    return s >= 0 ? x + static_cast<int64_t>(s) * ldx : window + static_cast<int64_t>(history + s) * channels;
  };
  // Outputs only read inputs, so blocks of channels split across threads.
  const int64_t blocks = (channels + kConvLanes - 1) / kConvLanes;
  pool.parallel_for(blocks, std::max<int64_t>(1, 64 / std::max(1, n)), [&](int, int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t c0 = b * kConvLanes;
      if (c0 + kConvLanes <= channels) conv_block<kConvLanes>(input, n, history, kernel, w, c0, y, ldy);
      else
        for (int64_t c = c0; c < channels; ++c) conv_block<1>(input, n, history, kernel, w, c, y, ldy);
    }
  });
  // The new window is the last `history` inputs of (window, x). Filling it in
  // ascending order is safe in place: row r reads time n-history+r, which is
  // either in x or in a window row above r that has not been overwritten yet.
  for (int r = 0; r < history; ++r) {
    const float* src = input(n - history + r);
    float* dst = window + static_cast<int64_t>(r) * channels;
    if (src != dst)
      for (int ch = 0; ch < channels; ++ch) dst[ch] = src[ch];
  }
}

namespace {

// The step's two passes over value components [c0, c0 + n), n a multiple of
// kLanes or the tail. Inner loops of a constant kLanes iterations vectorize
// at -O2; every component keeps its own running sums over a.
constexpr int kLanes = 16;

template <int kN>
void decay_and_recall(float* S, const float* k, float decay, int d_k, int d_v, float* recalled) {
  for (int a = 0; a < d_k; ++a) {
    float* __restrict row = S + static_cast<int64_t>(a) * d_v;
    const float ka = k[a];
    for (int c = 0; c < kN; ++c) {
      row[c] *= decay;
      recalled[c] += row[c] * ka;
    }
  }
}

template <int kN>
void correct_and_read(float* S, const float* k, const float* q, const float* delta, int d_k, int d_v, float* read) {
  for (int a = 0; a < d_k; ++a) {
    float* __restrict row = S + static_cast<int64_t>(a) * d_v;
    const float ka = k[a], qa = q[a];
    for (int c = 0; c < kN; ++c) {
      row[c] += ka * delta[c];
      read[c] += row[c] * qa;
    }
  }
}

}  // namespace

void delta_rule_step(float* S, const float* q, const float* k, const float* v, float decay, float beta,
                     float scale, int d_k, int d_v, float* o) {
  // Column c of S is the reference's row c: each of its operations below is
  // the reference's, in its order (the sums over a run a = 0, 1, ... for
  // every c), so the results are bit-identical to a row at a time, while the
  // inner loops run over c, contiguous and independent, and vectorize.
  // (Reordering the sums instead moved the quantized reference models'
  // logits by 4e-2.)
  for (int c0 = 0; c0 < d_v; c0 += kLanes) {
    float recalled[kLanes] = {}, read[kLanes] = {}, delta[kLanes];
    float* col = S + c0;
    const int n = std::min(kLanes, d_v - c0);
    if (n == kLanes) decay_and_recall<kLanes>(col, k, decay, d_k, d_v, recalled);
    else
      for (int c = 0; c < n; ++c) decay_and_recall<1>(col + c, k, decay, d_k, d_v, recalled + c);
    for (int c = 0; c < n; ++c) delta[c] = (v[c0 + c] - recalled[c]) * beta;
    if (n == kLanes) correct_and_read<kLanes>(col, k, q, delta, d_k, d_v, read);
    else
      for (int c = 0; c < n; ++c) correct_and_read<1>(col + c, k, q, delta + c, d_k, d_v, read + c);
    for (int c = 0; c < n; ++c) o[c0 + c] = read[c] * scale;
  }
}

namespace {

// Batches of at least kChunkedBatch tokens run in chunks of kChunk. Smaller
// ones run token by token, as the reference implementations do: the rounding
// of the two forms differs slightly, and models whose activations are
// quantized before every matmul (the Q8_0/Q4_0 golden models) turn that into
// visible differences (1e-2 on 80 tokens, against 1e-7 token by token).
constexpr int kChunk = 64;
constexpr int kChunkedBatch = 128;

struct ChunkScratch {
  std::vector<float> k, q, cum, recall, read, kk, qk, delta, weights, out, state;
  std::vector<const void*> state_rows, key_rows, delta_rows;
};

template <class T>
void grow(std::vector<T>& v, size_t n) {
  if (v.size() < n) v.resize(n);
}

// dst[c][r] = src[r][c] for a rows x cols matrix.
void transpose(const float* src, int rows, int cols, float* dst) {
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) dst[static_cast<int64_t>(c) * rows + r] = src[static_cast<int64_t>(r) * cols + c];
}

// Tokens [t0, t0 + n) of value head j in the chunk-wise form (Yang et al.,
// "Gated Delta Networks", 2024). Writing S for the d_v x d_k state and
// G_t = g_0 + ... + g_t (so the decay from token i to token t is e^(G_t - G_i)),
// each step adds one rank-one term, S_t = e^(g_t) S_{t-1} + d_t k_t^T, with
//   d_t = beta_t (v_t - e^(G_t) S_0 k_t - sum_{i<t} e^(G_t - G_i) (k_i·k_t) d_i)
// a lower-triangular system solved by forward substitution. Then
//   o_t   = scale (e^(G_t) S_0 q_t + sum_{i<=t} e^(G_t - G_i) (k_i·q_t) d_i)
//   S_end = e^(G_end) S_0 + sum_i e^(G_end - G_i) d_i k_i^T.
// Everything but the substitution is a product of matrices, run by the
// attention kernels; the sums differ from the token-by-token order only in
// rounding.
void delta_rule_chunk(const DeltaRuleArgs& a, int64_t j, int t0, int n, float* S, ChunkScratch& w) {
  const AttentionKernels& isa = attention_kernels();
  const ScoresFn dots = isa.scores[static_cast<int>(RowFormat::F32)];
  const AccumulateFn add_weighted = isa.accumulate[static_cast<int>(RowFormat::F32)];
  const int dk = a.d_k, dv = a.d_v;
  const int64_t r = j % a.n_k_heads;
  grow(w.k, static_cast<size_t>(n) * dk);
  grow(w.q, static_cast<size_t>(n) * dk);
  grow(w.cum, n);
  grow(w.recall, static_cast<size_t>(n) * dv);
  grow(w.read, static_cast<size_t>(n) * dv);
  grow(w.kk, static_cast<size_t>(n) * n);
  grow(w.qk, static_cast<size_t>(n) * n);
  grow(w.delta, static_cast<size_t>(n) * dv);
  grow(w.weights, static_cast<size_t>(std::max(n, dv)) * n);
  grow(w.out, static_cast<size_t>(n) * dv);
  grow(w.state_rows, dv);
  grow(w.key_rows, n);
  grow(w.delta_rows, n);
  double cum = 0.0;
  for (int t = 0; t < n; ++t) {
    const int64_t tok = t0 + t;
    std::copy_n(a.k + tok * a.qk_stride + r * dk, dk, w.k.data() + static_cast<size_t>(t) * dk);
    std::copy_n(a.q + tok * a.qk_stride + r * dk, dk, w.q.data() + static_cast<size_t>(t) * dk);
    cum += a.g[tok * a.n_v_heads + j];
    w.cum[t] = static_cast<float>(cum);
    w.key_rows[t] = w.k.data() + static_cast<size_t>(t) * dk;
    w.delta_rows[t] = w.delta.data() + static_cast<size_t>(t) * dv;
  }
  for (int c = 0; c < dv; ++c) w.state_rows[c] = S + static_cast<int64_t>(c) * dk;
  const RowAux none;
  PrefetchStream no_prefetch;   // operands are small and in cache
  dots(w.k.data(), n, w.state_rows.data(), dv, dk, 1.0f, w.recall.data(), dv, none, no_prefetch);   // S_0 k_t
  dots(w.q.data(), n, w.state_rows.data(), dv, dk, 1.0f, w.read.data(), dv, none, no_prefetch);     // S_0 q_t
  dots(w.k.data(), n, w.key_rows.data(), n, dk, 1.0f, w.kk.data(), n, none, no_prefetch);
  dots(w.q.data(), n, w.key_rows.data(), n, dk, 1.0f, w.qk.data(), n, none, no_prefetch);

  for (int t = 0; t < n; ++t) {
    const int64_t tok = t0 + t;
    const float beta = a.beta[tok * a.n_v_heads + j], decay = std::exp(w.cum[t]);
    const float* v = a.v + tok * a.v_stride + j * dv;
    float* d = w.delta.data() + static_cast<size_t>(t) * dv;
    for (int c = 0; c < dv; ++c) d[c] = beta * (v[c] - decay * w.recall[static_cast<size_t>(t) * dv + c]);
    float* coef = w.weights.data();
    for (int i = 0; i < t; ++i) coef[i] = -beta * std::exp(w.cum[t] - w.cum[i]) * w.kk[static_cast<size_t>(t) * n + i];
    add_weighted(coef, n, 1, w.delta_rows.data(), t, dv, d, no_prefetch);
  }

  for (int t = 0; t < n; ++t) {
    float* row = w.weights.data() + static_cast<size_t>(t) * n;
    for (int i = 0; i < n; ++i) row[i] = i <= t ? std::exp(w.cum[t] - w.cum[i]) * w.qk[static_cast<size_t>(t) * n + i] : 0.0f;
    const float decay = std::exp(w.cum[t]);
    for (int c = 0; c < dv; ++c) w.out[static_cast<size_t>(t) * dv + c] = decay * w.read[static_cast<size_t>(t) * dv + c];
  }
  add_weighted(w.weights.data(), n, n, w.delta_rows.data(), n, dv, w.out.data(), no_prefetch);
  for (int t = 0; t < n; ++t) {
    float* o = a.out + (t0 + t) * a.out_stride + j * dv;
    for (int c = 0; c < dv; ++c) o[c] = w.out[static_cast<size_t>(t) * dv + c] * a.scale;
  }

  const float last = w.cum[n - 1], decay = std::exp(last);
  for (int64_t i = 0; i < static_cast<int64_t>(dv) * dk; ++i) S[i] *= decay;
  for (int c = 0; c < dv; ++c)
    for (int i = 0; i < n; ++i)
      w.weights[static_cast<size_t>(c) * n + i] = std::exp(last - w.cum[i]) * w.delta[static_cast<size_t>(i) * dv + c];
  add_weighted(w.weights.data(), n, dv, w.key_rows.data(), n, dk, S, no_prefetch);
}

}  // namespace

void gated_delta_rule(const DeltaRuleArgs& a, ThreadPool& pool) {
  const int64_t head_floats = static_cast<int64_t>(a.d_k) * a.d_v;
  std::vector<ChunkScratch> scratch(pool.size());
  pool.parallel_for(a.n_v_heads, 1, [&](int thread, int64_t begin, int64_t end) {
    for (int64_t j = begin; j < end; ++j) {
      // GGUF stores value heads tiled over key heads (docs/ARCHITECTURES.md §2.5 (d)).
      const int64_t r = j % a.n_k_heads;
      float* S = a.state + j * head_floats;
      if (a.n_tokens >= kChunkedBatch) {
        // The chunk-wise form works on rows of S (the reference's layout).
        ChunkScratch& w = scratch[thread];
        grow(w.state, static_cast<size_t>(head_floats));
        transpose(S, a.d_k, a.d_v, w.state.data());
        for (int t = 0; t < a.n_tokens; t += kChunk)
          delta_rule_chunk(a, j, t, std::min(kChunk, a.n_tokens - t), w.state.data(), w);
        transpose(w.state.data(), a.d_v, a.d_k, S);
        continue;
      }
      for (int t = 0; t < a.n_tokens; ++t) {
        const int64_t gb = static_cast<int64_t>(t) * a.n_v_heads + j;
        delta_rule_step(S, a.q + t * a.qk_stride + r * a.d_k, a.k + t * a.qk_stride + r * a.d_k,
                        a.v + t * a.v_stride + j * a.d_v, std::exp(a.g[gb]), a.beta[gb], a.scale, a.d_k,
                        a.d_v, a.out + t * a.out_stride + j * a.d_v);
      }
    }
  });
}

void rms_norm_silu_gated(const float* x, const float* w, const float* z, float* y, int n, float eps) {
  rms_norm(x, w, y, n, eps);
  swiglu(z, y, y, n);
}

}  // namespace edgelm::kernels
