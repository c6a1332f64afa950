// The attention inner loops (attention_isa.h), written once over a small SIMD
// vocabulary `V` that each ISA file defines before instantiating
// make_attention_kernels<V>(); ScalarV below is the portable one.
//
// What V provides (F: kW floats): the ISA's float vocabulary (simd/<isa>.h:
// kW, zero set1 load store add sub mul max fma(a, b, c) = a*b + c, hsum,
// load_f16(p): kW halves, half(p): one f16 as a float, round to nearest even),
// shared with the matmul tiles, and
//   kAccCols (vectors per query in the P·V register block)
//   load_i8(p): kW int8; load_u4(p, shift): kW bytes, (b >> shift) & 15
//   pow2(n) = 2^n for integral n in [-126, 127]
//   kTreeRows x kTreeKeys = kW dot products summed at once: reduce_tree(acc)
//     gives lane r * kTreeKeys + k = hsum(acc[r + kTreeRows * k]) (same bits),
//     store_tree(v, s, stride) writes row r's kTreeKeys lanes to s + r * stride
//
// Cached rows are read in their encoding, each value computed as
// tensor/dequantize.cpp computes it, so a kernel over encoded rows gives the
// same bits as over rows decoded by dequantize_row. Dot products keep one
// partial sum per lane (dimension c goes to lane c % kW) and add the lanes at
// the end; with ScalarV that is the plain sum in dimension order.
//
// Include this only from an ISA file; everything here has internal linkage.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#include "kernels/attention/attention_isa.h"
#include "kernels/simd/scalar.h"
#include "tensor/quant_blocks.h"
#include "tensor/types.h"

namespace edgelm::kernels {
namespace {

template <int N, class Fn>
inline void unroll(Fn&& fn) {
  [&]<int... Is>(std::integer_sequence<int, Is...>) { (fn(std::integral_constant<int, Is>{}), ...); }(
      std::make_integer_sequence<int, N>{});
}

struct ScalarV : simd::ScalarFloat {
  static constexpr int kAccCols = 4;
  static F load_i8(const int8_t* p) { return static_cast<float>(*p); }
  static F load_u4(const uint8_t* p, int shift) { return static_cast<float>((*p >> shift) & 15); }
  static F pow2(F n) { return std::ldexp(1.0f, static_cast<int>(n)); }
  static constexpr int kTreeRows = 1, kTreeKeys = 1;
  static F reduce_tree(const F* acc) { return acc[0]; }
  static void store_tree(F v, float* s, int) { *s = v; }
};

// exp(x) for x <= 0: 2^n * e^r with n = round(x / ln 2), |r| <= ln 2 / 2 and a
// degree-7 Taylor polynomial (relative error below 1e-8 before rounding).
// Inputs below -87 give about 1.6e-38 instead of underflowing.
template <class V>
inline typename V::F exp_nonpositive(typename V::F x) {
  using F = typename V::F;
  x = V::max(x, V::set1(-87.0f));
  const F n = V::round(V::mul(x, V::set1(1.44269504088896341f)));
  F r = V::fma(n, V::set1(-0.693145751953125f), x);   // ln 2 split: exact high part
  r = V::fma(n, V::set1(-1.42860682030941723e-6f), r);
  F p = V::set1(1.0f / 5040.0f);
  p = V::fma(p, r, V::set1(1.0f / 720.0f));
  p = V::fma(p, r, V::set1(1.0f / 120.0f));
  p = V::fma(p, r, V::set1(1.0f / 24.0f));
  p = V::fma(p, r, V::set1(1.0f / 6.0f));
  p = V::fma(p, r, V::set1(0.5f));
  p = V::fma(p, r, V::set1(1.0f));
  p = V::fma(p, r, V::set1(1.0f));
  return V::mul(p, V::pow2(n));
}

// ---- reading cached rows ----
//
// The kernels read keys and values straight from their cache encoding: a
// row format F gives kW values of a row from column c on (c a multiple of
// kW), grouping the float operations as tensor/dequantize.cpp does, so the
// values are exactly those dequantize_row would produce. Q4 keys also take
// their group's per-channel scales and minimums (RowAux, attention_isa.h).

// Element e of a 32-block of nibbles: byte e % 16, low nibble for e < 16.
template <class V>
inline typename V::F nibbles(const uint8_t* qs, int e) {
  return V::load_u4(qs + e % 16, e < 16 ? 0 : 4);
}

struct RowsF32 {
  template <class V>
  static typename V::F at(const void* row, int c, const RowAux&) {
    return V::load(static_cast<const float*>(row) + c);
  }
};

struct RowsF16 {
  template <class V>
  static typename V::F at(const void* row, int c, const RowAux&) {
    return V::load_f16(static_cast<const uint8_t*>(row) + 2 * c);
  }
};

struct RowsQ8_0 {
  template <class V>
  static typename V::F at(const void* row, int c, const RowAux&) {
    const uint8_t* block = static_cast<const uint8_t*>(row) + (c / kQK) * sizeof(BlockQ8_0);
    const int8_t* qs = reinterpret_cast<const int8_t*>(block + offsetof(BlockQ8_0, qs));
    return V::mul(V::load_i8(qs + c % kQK), V::set1(V::half(block)));
  }
};

struct RowsQ4_1 {
  template <class V>
  static typename V::F at(const void* row, int c, const RowAux&) {
    const uint8_t* block = static_cast<const uint8_t*>(row) + (c / kQK) * sizeof(BlockQ4_1);
    const typename V::F q = nibbles<V>(block + offsetof(BlockQ4_1, qs), c % kQK);
    return V::add(V::mul(q, V::set1(V::half(block))), V::set1(V::half(block + offsetof(BlockQ4_1, m))));
  }
};

struct RowsQ4Key {
  template <class V>
  static typename V::F at(const void* row, int c, const RowAux& aux) {
    const typename V::F q = nibbles<V>(static_cast<const uint8_t*>(row) + (c / kQK) * 16, c % kQK);
    return V::add(V::mul(q, V::load(aux.scale + c)), V::load(aux.min + c));
  }
};

template <class V>
void decode_f16(const uint8_t* in, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + V::kW <= n; i += V::kW) V::store(out + i, V::load_f16(in + 2 * i));
  for (; i < n; ++i) out[i] = ScalarV::load_f16(in + 2 * i);
}

// ---- q·k ----

// R queries x K keys: one vector accumulator each over the full-vector part
// of d, then the lanes and the scalar tail.
template <class V, class Rows, int R, int K>
inline void score_block(const float* q, const void* const* k, int d, float scale, float* s, int s_stride,
                        const RowAux& aux) {
  using F = typename V::F;
  F acc[R][K];
  unroll<R>([&](auto r) { unroll<K>([&](auto j) { acc[r][j] = V::zero(); }); });
  const int dv = d / V::kW * V::kW;
  for (int c = 0; c < dv; c += V::kW) {
    F kc[K];
    unroll<K>([&](auto j) { kc[j] = Rows::template at<V>(k[j], c, aux); });
    unroll<R>([&](auto r) {
      const F qc = V::load(q + r * d + c);
      unroll<K>([&](auto j) { acc[r][j] = V::fma(qc, kc[j], acc[r][j]); });
    });
  }
  unroll<R>([&](auto r) {
    unroll<K>([&](auto j) {
      float sum = V::hsum(acc[r][j]);
      for (int c = dv; c < d; ++c) sum += q[r * d + c] * Rows::template at<ScalarV>(k[j], c, aux);
      s[r * s_stride + j] = sum * scale;
    });
  });
}

// kTreeRows queries x kTreeKeys keys, d a multiple of kW: the same products
// and sums as score_block, but the kW partial-sum vectors are reduced
// together (one lane tree instead of one horizontal sum each) and stored as
// one vector per query.
template <class V, class Rows>
inline void score_tree_block(const float* q, const void* const* k, int d, float scale, float* s, int s_stride,
                             const RowAux& aux, PrefetchStream& ahead) {
  using F = typename V::F;
  constexpr int R = V::kTreeRows, K = V::kTreeKeys;
  F acc[K * R];
  unroll<K * R>([&](auto i) { acc[i] = V::zero(); });
  PrefetchStream stream = ahead;   // a local stays in registers
  for (int c = 0; c < d; c += V::kW) {
    stream.step();
    F kc[K];
    unroll<K>([&](auto j) { kc[j] = Rows::template at<V>(k[j], c, aux); });
    unroll<R>([&](auto r) {
      const F qc = V::load(q + r * d + c);
      unroll<K>([&](auto j) { acc[r + R * j] = V::fma(qc, kc[j], acc[r + R * j]); });
    });
  }
  ahead = stream;
  V::store_tree(V::mul(V::reduce_tree(acc), V::set1(scale)), s, s_stride);
}

// Calls fn(R, i) for the row groups of n rows: R = 4 from i = 0 on, then
// the remainder (R a compile-time constant).
template <class Fn>
inline void for_row_groups(int n, Fn&& fn) {
  int i = 0;
  for (; i + 4 <= n; i += 4) fn(std::integral_constant<int, 4>{}, i);
  switch (n - i) {
    case 3: fn(std::integral_constant<int, 3>{}, i); break;
    case 2: fn(std::integral_constant<int, 2>{}, i); break;
    case 1: fn(std::integral_constant<int, 1>{}, i); break;
    default: break;
  }
}

// R queries against every key: pairs, then a single one.
template <class V, class Rows, int R>
inline void score_rows(const float* q, const void* const* k, int n_k, int d, float scale, float* s, int s_stride,
                       const RowAux& aux) {
  int j = 0;
  for (; j + 2 <= n_k; j += 2) score_block<V, Rows, R, 2>(q, k + j, d, scale, s + j, s_stride, aux);
  if (j < n_k) score_block<V, Rows, R, 1>(q, k + j, d, scale, s + j, s_stride, aux);
}

// n_q (a multiple of kTreeRows) queries through lane trees, d a multiple of
// kW. Up to kSweepRows queries share one sweep over the keys, keys outer, so
// that a block's keys are still in L1 when the next group of queries reads
// them (Gemma 4 decoding: 8 query heads per KV head) while those queries stay
// in L1 too (8 x 512 floats).
template <class V, class Rows>
inline void tree_scores(const float* q, int n_q, const void* const* k, int n_k, int d, float scale, float* s,
                        int s_stride, const RowAux& aux, PrefetchStream& ahead) {
  constexpr int T = V::kTreeRows, K = V::kTreeKeys, kSweepRows = 8;
  for (int i0 = 0; i0 < n_q; i0 += kSweepRows) {
    const int i1 = std::min(n_q, i0 + kSweepRows);
    int j = 0;
    for (; j + K <= n_k; j += K)
      for (int i = i0; i < i1; i += T)
        score_tree_block<V, Rows>(q + i * d, k + j, d, scale, s + i * s_stride + j, s_stride, aux, ahead);
    if (j < n_k)
      for (int i = i0; i < i1; i += T)
        score_rows<V, Rows, T>(q + i * d, k + j, n_k - j, d, scale, s + i * s_stride + j, s_stride, aux);
  }
}

template <class V, class Rows>
void scores(const float* q, int n_q, const void* const* k, int n_k, int d, float scale, float* s, int s_stride,
            const RowAux& aux, PrefetchStream& ahead) {
  constexpr int T = V::kTreeRows;
  int i = 0;
  if constexpr (V::kW > 1)
    if (d % V::kW == 0) {
      i = n_q / T * T;
      if (i > 0) tree_scores<V, Rows>(q, i, k, n_k, d, scale, s, s_stride, aux, ahead);
    }
  for_row_groups(n_q - i, [&](auto R, int r) {
    score_rows<V, Rows, R>(q + (i + r) * d, k, n_k, d, scale, s + (i + r) * s_stride, s_stride, aux);
  });
}

// The f32 cache's q·k: lanes are keys of a transposed tile kt[c][j]
// (kKvTile keys per row) and each lane adds q[c] * k[c] in dimension order
// with separate multiply and add, so every score is bit-identical to a plain
// scalar loop. R queries per pass.
template <class V, int R>
inline void exact_score_rows(const float* q, const float* kt, int n_k, int d, float scale, float* s, int s_stride) {
  using F = typename V::F;
  constexpr int U = kKvTile / V::kW;
  const int used = (n_k + V::kW - 1) / V::kW;
  F acc[R][U];
  unroll<R>([&](auto r) { unroll<U>([&](auto u) { acc[r][u] = V::zero(); }); });
  for (int c = 0; c < d; ++c) {
    F kc[U];
    unroll<U>([&](auto u) { kc[u] = u < used ? V::load(kt + c * kKvTile + u * V::kW) : V::zero(); });
    unroll<R>([&](auto r) {
      const F qc = V::set1(q[r * d + c]);
      unroll<U>([&](auto u) { acc[r][u] = V::add(acc[r][u], V::mul(qc, kc[u])); });
    });
  }
  unroll<R>([&](auto r) {
    float row[kKvTile];
    unroll<U>([&](auto u) { V::store(row + u * V::kW, acc[r][u]); });
    for (int j = 0; j < n_k; ++j) s[r * s_stride + j] = row[j] * scale;
  });
}

template <class V>
void exact_scores(const float* q, int n_q, const float* kt, int n_k, int d, float scale, float* s, int s_stride) {
  constexpr int R = std::max(1, 8 / (kKvTile / V::kW));
  int i = 0;
  for (; i + R <= n_q; i += R) exact_score_rows<V, R>(q + i * d, kt, n_k, d, scale, s + i * s_stride, s_stride);
  for (; i < n_q; ++i) exact_score_rows<V, 1>(q + i * d, kt, n_k, d, scale, s + i * s_stride, s_stride);
}

// ---- P·V ----

// Columns [c, c + U * kW) of R output rows, held in registers over the keys.
template <class V, class Rows, int R, int U>
inline void accumulate_block(const float* p, int p_stride, const void* const* v, int n_k, int d, int c, float* o,
                             PrefetchStream& ahead) {
  using F = typename V::F;
  F acc[R][U];
  unroll<R>([&](auto r) { unroll<U>([&](auto u) { acc[r][u] = V::load(o + r * d + c + u * V::kW); }); });
  PrefetchStream stream = ahead;   // a local stays in registers
  for (int j = 0; j < n_k; ++j) {
    stream.step();
    F vv[U];
    unroll<U>([&](auto u) { vv[u] = Rows::template at<V>(v[j], c + u * V::kW, RowAux{}); });
    unroll<R>([&](auto r) {
      const F w = V::set1(p[r * p_stride + j]);
      unroll<U>([&](auto u) { acc[r][u] = V::fma(w, vv[u], acc[r][u]); });
    });
  }
  ahead = stream;
  unroll<R>([&](auto r) { unroll<U>([&](auto u) { V::store(o + r * d + c + u * V::kW, acc[r][u]); }); });
}

// Column blocks are the outer loop, so that a block's slice of the values
// (kAccCols vectors of every key) is still in L1 for the next group of rows.
template <class V, class Rows>
void accumulate(const float* p, int p_stride, int n_q, const void* const* v, int n_k, int d, float* o,
                PrefetchStream& ahead) {
  auto columns = [&](auto W, auto U, int c) {
    using VW = typename decltype(W)::type;
    for_row_groups(n_q, [&](auto R, int i) {
      accumulate_block<VW, Rows, R, U>(p + i * p_stride, p_stride, v, n_k, d, c, o + i * d, ahead);
    });
  };
  constexpr int kWide = V::kAccCols * V::kW;
  int c = 0;
  for (; c + kWide <= d; c += kWide) columns(std::type_identity<V>{}, std::integral_constant<int, V::kAccCols>{}, c);
  for (; c + V::kW <= d; c += V::kW) columns(std::type_identity<V>{}, std::integral_constant<int, 1>{}, c);
  for (; c < d; ++c) columns(std::type_identity<ScalarV>{}, std::integral_constant<int, 1>{}, c);
}

// ---- softmax and page bounds ----

template <class V>
float exp_shifted(float* s, int n, float max) {
  typename V::F sum = V::zero();
  const typename V::F m = V::set1(max);
  int i = 0;
  for (; i + V::kW <= n; i += V::kW) {
    const typename V::F e = exp_nonpositive<V>(V::sub(V::load(s + i), m));
    V::store(s + i, e);
    sum = V::add(sum, e);
  }
  float total = V::hsum(sum);
  for (; i < n; ++i) {
    s[i] = exp_nonpositive<ScalarV>(s[i] - max);
    total += s[i];
  }
  return total;
}

template <class V>
float max_of(const float* s, int n) {
  float best = -INFINITY;
  int i = 0;
  if (n >= V::kW) {
    typename V::F m = V::load(s);
    for (i = V::kW; i + V::kW <= n; i += V::kW) m = V::max(m, V::load(s + i));
    float lanes[V::kW];
    V::store(lanes, m);
    for (float x : lanes) best = std::max(best, x);
  }
  for (; i < n; ++i) best = std::max(best, s[i]);
  return best;
}

template <class V>
void multiply(float* x, int n, float a) {
  const typename V::F va = V::set1(a);
  int i = 0;
  for (; i + V::kW <= n; i += V::kW) V::store(x + i, V::mul(V::load(x + i), va));
  for (; i < n; ++i) x[i] *= a;
}

template <class V>
void add_scaled(float* y, const float* x, int n, float a) {
  const typename V::F va = V::set1(a);
  int i = 0;
  for (; i + V::kW <= n; i += V::kW) V::store(y + i, V::add(V::load(y + i), V::mul(V::load(x + i), va)));
  for (; i < n; ++i) y[i] += x[i] * a;
}

template <class V, int R>
inline void page_bound_rows(const float* q, int d, const float* page_min, const float* page_max, int64_t stride,
                            int n_pages, float* out, int64_t out_stride) {
  using F = typename V::F;
  const int dv = d / V::kW * V::kW;
  for (int p = 0; p < n_pages; ++p) {
    const float* lo = page_min + p * stride;
    const float* hi = page_max + p * stride;
    F acc[R];
    unroll<R>([&](auto r) { acc[r] = V::zero(); });
    for (int c = 0; c < dv; c += V::kW) {
      const F l = V::load(lo + c), h = V::load(hi + c);
      unroll<R>([&](auto r) {
        const F qc = V::load(q + r * d + c);
        acc[r] = V::add(acc[r], V::max(V::mul(qc, l), V::mul(qc, h)));
      });
    }
    unroll<R>([&](auto r) {
      float sum = V::hsum(acc[r]);
      for (int c = dv; c < d; ++c) sum += std::max(q[r * d + c] * lo[c], q[r * d + c] * hi[c]);
      out[r * out_stride + p] = sum;
    });
  }
}

template <class V>
void page_bounds(const float* q, int n_q, int d, const float* page_min, const float* page_max, int64_t stride,
                 int n_pages, float* out, int64_t out_stride) {
  int i = 0;
  for (; i + 4 <= n_q; i += 4)
    page_bound_rows<V, 4>(q + i * d, d, page_min, page_max, stride, n_pages, out + i * out_stride, out_stride);
  for (; i < n_q; ++i)
    page_bound_rows<V, 1>(q + i * d, d, page_min, page_max, stride, n_pages, out + i * out_stride, out_stride);
}

template <class V>
constexpr AttentionKernels make_attention_kernels() {
  AttentionKernels k{};
  k.scores[static_cast<int>(RowFormat::F32)] = scores<V, RowsF32>;
  k.scores[static_cast<int>(RowFormat::F16)] = scores<V, RowsF16>;
  k.scores[static_cast<int>(RowFormat::Q8_0)] = scores<V, RowsQ8_0>;
  k.scores[static_cast<int>(RowFormat::Q4_1)] = scores<V, RowsQ4_1>;
  k.scores[static_cast<int>(RowFormat::Q4Key)] = scores<V, RowsQ4Key>;
  k.accumulate[static_cast<int>(RowFormat::F32)] = accumulate<V, RowsF32>;
  k.accumulate[static_cast<int>(RowFormat::F16)] = accumulate<V, RowsF16>;
  k.accumulate[static_cast<int>(RowFormat::Q8_0)] = accumulate<V, RowsQ8_0>;
  k.accumulate[static_cast<int>(RowFormat::Q4_1)] = accumulate<V, RowsQ4_1>;
  k.exact_scores = exact_scores<V>;
  k.exp_shifted = exp_shifted<V>;
  k.max_of = max_of<V>;
  k.multiply = multiply<V>;
  k.add_scaled = add_scaled<V>;
  k.page_bounds = page_bounds<V>;
  k.decode_f16 = decode_f16<V>;
  return k;
}

}  // namespace
}  // namespace edgelm::kernels
