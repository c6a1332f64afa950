// The packed matmul micro-kernels and activation quantizers, written once over
// a small SIMD vocabulary `V` that each ISA file (isa_avx512.cpp, isa_avx2.cpp,
// isa_neon.cpp) defines and then instantiates with its own compiler flags.
//
// Lane r of every vector belongs to row r of a packed group (pack_layout.h).
// The integer block sums are exact whatever their grouping, and every float
// operation below is the scalar reference's (tensor/vec_dot_ref.cpp) for one
// row, in its order, lane-wise — so each output is bit-identical to
// vec_dot_ref, except where an ISA opts into summed super-blocks or f32 sums
// for F16/BF16 (below). The ISA files are compiled with -ffp-contract=off so that no
// multiply and add are fused.
//
// What V provides (F: R floats, I: R int32, DAcc: R doubles): the ISA's float
// vocabulary (simd/<isa>.h: zero set1 load store add sub mul fma load_f16 ...),
// shared with the attention loops, and
//   kRows, kPass, super_block_pass(type) (rows per group, tokens per kernel pass); f_from_i
//   i_zero i_add i_hsum store_i8;  f_abs f_max_keep f_hmax f_eq_mask f_any_nan
//   q8_0_codes q8_k_codes f_round_f16 f_round_bf16      (activation quantizers)
//   b32_decode<T> b32_dot<T>                            (32-element blocks)
//   sb_scale<T> sb_decode<hi_bits, shift0, shift1> sb_quad<T> sb_min_pairs (super-blocks)
//   kSummedSuperBlocks; if true, instead of sb_scale / sb_quad: sb_dot4 sb_scale32 i_mul
//     sb_scale_pairs sb_pair_quad i16_times_minus32 i16_pair_dot
//     (K-quants summed per row)
//   kHalfSumsInFloat; if true also fma (F16/BF16 summed in f32)
//   fl_load<T> d_zero d_add d_round                     (F32 / F16 / BF16)
//
// Include this only from an ISA file, which then defines V and instantiates
// make_kernels<V>(). Everything here has internal linkage, so no code compiled
// with ISA flags can be picked by the linker for another translation unit.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>

#include "kernels/matmul/activations.h"
#include "kernels/matmul/isa_kernels.h"
#include "kernels/matmul/pack_layout.h"
#include "tensor/quant_blocks.h"
#include "tensor/types.h"

namespace edgelm::kernels {
namespace {

template <int N, class Fn>
inline void static_for(Fn&& fn) {
  [&]<int... Is>(std::integer_sequence<int, Is...>) { (fn(std::integral_constant<int, Is>{}), ...); }(
      std::make_integer_sequence<int, N>{});
}

inline int32_t load_i32(const void* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// Asks for the record kPrefetchBytes ahead (pack_layout.h). Groups are
// contiguous, so running past a group's end prefetches the next one (and past
// the matrix, a few lines that are never used; prefetches never fault).
using pack_layout::kPrefetchBytes;

inline void prefetch_record(const uint8_t* rec, size_t bytes) {
  for (size_t off = 0; off < bytes; off += 64) __builtin_prefetch(rec + kPrefetchBytes + off, 0, 3);
}

// The signed code of each nibble of a Q4_0 / IQ4_NL weight, plus `offset`.
struct NibbleTable {
  int8_t v[16];
};
constexpr NibbleTable nibble_values(GgmlType type, int offset) {
  NibbleTable t{};
  for (int n = 0; n < 16; ++n)
    t.v[n] = static_cast<int8_t>((type == GgmlType::Q4_0 ? n - 8 : kIQ4Values[n]) + offset);
  return t;
}

// ---- 32-element blocks: Q4_0, Q8_0, IQ4_NL ---------------------------------

// Q8_0 × Q8_0 in the reference's x86 order (vec_dot_ref.cpp dot_q8_0): per row
// and token eight float lanes, lane q taking quad q's exact integer sum of
// each block with one fused multiply-add by dw·dy, added up at the end.
template <class V, int T>
void tile_q8_0_lanes(const uint8_t* group, int64_t blocks, const void* const* act, float* out) {
  using F = typename V::F;
  static constexpr pack_layout::Record L = pack_layout::record_of(GgmlType::Q8_0, V::kRows);
  const ActBlock32* a[T];
  F lane[T][8];
  #pragma GCC unroll 16
  for (int t = 0; t < T; ++t) {
    a[t] = static_cast<const ActBlock32*>(act[t]);
    #pragma GCC unroll 16
    for (int q = 0; q < 8; ++q) lane[t][q] = V::zero();
  }
  for (int64_t b = 0; b < blocks; ++b) {
    const uint8_t* rec = group + b * L.bytes;
    prefetch_record(rec, L.bytes);
    typename V::I codes[8];
    V::template b32_decode<GgmlType::Q8_0>(rec, codes);
    const F dw = V::load_f16(rec + L.d);
    #pragma GCC unroll 16
    for (int t = 0; t < T; ++t) {
      const ActBlock32& y = a[t][b];
      const F d = V::mul(dw, V::set1(y.d));
      #pragma GCC unroll 16
      for (int q = 0; q < 8; ++q) lane[t][q] = V::fma(d, V::f_from_i(V::b32_quad_dot(codes, y, q)), lane[t][q]);
    }
  }
  #pragma GCC unroll 16
  for (int t = 0; t < T; ++t) V::store(out + t * V::kRows, q8_0_lane_total(lane[t], [](F x, F y) { return V::add(x, y); }));
}

template <class V, GgmlType kType, int T>
void tile_block32(const uint8_t* group, int64_t blocks, const void* const* act, float* out) {
  static constexpr pack_layout::Record L = pack_layout::record_of(kType, V::kRows);
  const ActBlock32* a[T];
  typename V::F acc[T];
  #pragma GCC unroll 16
  for (int t = 0; t < T; ++t) {
    a[t] = static_cast<const ActBlock32*>(act[t]);
    acc[t] = V::zero();
  }
  for (int64_t b = 0; b < blocks; ++b) {
    const uint8_t* rec = group + b * L.bytes;
    prefetch_record(rec, L.bytes);
    typename V::I codes[8];
    V::template b32_decode<kType>(rec, codes);
    const auto dw = V::load_f16(rec + L.d);
    #pragma GCC unroll 16
    for (int t = 0; t < T; ++t) {
      const ActBlock32& y = a[t][b];
      const auto s = V::f_from_i(V::template b32_dot<kType>(codes, y));
      const auto dy = V::set1(y.d);
      // The reference's grouping: Q4_0 (s·dw)·dy; IQ4_NL (dy·dw)·s.
      const auto term = kType == GgmlType::Q4_0 ? V::mul(V::mul(s, dw), dy) : V::mul(s, V::mul(dw, dy));
      acc[t] = V::add(acc[t], term);
    }
  }
  #pragma GCC unroll 16
  for (int t = 0; t < T; ++t) V::store(out + t * V::kRows, acc[t]);
}

// ---- 256-element super-blocks: Q4_K, Q5_K, Q6_K -----------------------------
// The reference keeps 8 float partial sums per row (element e feeds lane
// e % 8) and adds them at the end; quad c = 8j + l holds only lane-l elements,
// so lane l's integer sum collects quads l, 8+l, 16+l, ... Quads are handled
// in pairs (2lp, 2lp+1): the low and high nibbles of one packed vector.

// Quads 8j + c0 and 8j + c0 + 1 (c0 even) of a super-block record as unsigned
// codes: one packed vector's low and high nibbles, plus their high bits.
template <class V, GgmlType kType, int c0>
inline void decode_quads(const uint8_t* rec, int j, typename V::I* u0, typename V::I* u1) {
  static constexpr pack_layout::Record L = pack_layout::record_of(kType, V::kRows);
  static constexpr size_t kVec = pack_layout::vec_bytes(V::kRows);
  static constexpr int kHiBits = L.hi_bits;
  const uint8_t* nib = rec + L.nib + (8 * j + c0) / 2 * kVec;
  if constexpr (kHiBits == 0) {
    V::template sb_decode<0, 0, 0>(nib, nullptr, u0, u1);
  } else {
    const uint8_t* hi = rec + L.hi + pack_layout::hi_vector(kHiBits, 8 * j + c0) * kVec;
    V::template sb_decode<kHiBits, pack_layout::hi_shift(kHiBits, c0), pack_layout::hi_shift(kHiBits, c0 + 1)>(nib, hi,
                                                                                                             u0, u1);
  }
}

template <class V, GgmlType kType, int T>
void tile_superblock(const uint8_t* group, int64_t blocks, const void* const* act, float* out) {
  using F = typename V::F;
  using I = typename V::I;
  static constexpr pack_layout::Record L = pack_layout::record_of(kType, V::kRows);
  F lanes[T][8], sumf[T];
  #pragma GCC unroll 16
  for (int t = 0; t < T; ++t) {
    sumf[t] = V::zero();
    #pragma GCC unroll 16
    for (int l = 0; l < 8; ++l) lanes[t][l] = V::zero();
  }
  for (int64_t sb = 0; sb < blocks; ++sb) {
    const uint8_t* rec = group + sb * L.bytes;
    prefetch_record(rec, L.bytes);
    const ActSuperBlock* y[T];
    F dd[T];
    const F dw = V::load_f16(rec + L.d);
    #pragma GCC unroll 16
    for (int t = 0; t < T; ++t) {
      y[t] = static_cast<const ActSuperBlock*>(act[t]) + sb;
      dd[t] = V::mul(dw, V::set1(y[t]->d));   // reference: fp16(x.d) * y.d
    }
    I scale[8];
    #pragma GCC unroll 16
    for (int j = 0; j < 8; ++j) scale[j] = V::template sb_scale<kType>(rec + L.scales, j);
    static_for<4>([&](auto lp) {
      constexpr int c0 = 2 * decltype(lp)::value;
      I acc[T][2];
      #pragma GCC unroll 16
      for (int t = 0; t < T; ++t) acc[t][0] = acc[t][1] = V::i_zero();
      #pragma GCC unroll 16
      for (int j = 0; j < 8; ++j) {
        I u0, u1;
        decode_quads<V, kType, c0>(rec, j, &u0, &u1);
        #pragma GCC unroll 16
        for (int t = 0; t < T; ++t) {
          acc[t][0] = V::template sb_quad<kType>(acc[t][0], u0, scale[j], *y[t], 8 * j + c0);
          acc[t][1] = V::template sb_quad<kType>(acc[t][1], u1, scale[j], *y[t], 8 * j + c0 + 1);
        }
      }
      // reference: lanes[l] += d * lane_sum[l]
      #pragma GCC unroll 16
      for (int t = 0; t < T; ++t)
        #pragma GCC unroll 16
        for (int h = 0; h < 2; ++h)
          lanes[t][c0 + h] = V::add(lanes[t][c0 + h], V::mul(dd[t], V::f_from_i(acc[t][h])));
    });
    if constexpr (kType != GgmlType::Q6_K) {
      // reference: sumf -= fp16(x.dmin) * y.d * Σ bsums·mins
      const F dmin = V::load_f16(rec + L.dmin);
      #pragma GCC unroll 16
      for (int t = 0; t < T; ++t) {
        I m = V::i_zero();
        #pragma GCC unroll 16
        for (int p = 0; p < 4; ++p) m = V::sb_min_pairs(m, rec + L.mins + p * 2 * V::kRows, &y[t]->bsum32[2 * p]);
        sumf[t] = V::sub(sumf[t], V::mul(V::mul(dmin, V::set1(y[t]->d)), V::f_from_i(m)));
      }
    }
  }
  #pragma GCC unroll 16
  for (int t = 0; t < T; ++t) {
    F s = sumf[t];
    #pragma GCC unroll 16
    for (int l = 0; l < 8; ++l) s = V::add(s, lanes[t][l]);
    V::store(out + t * V::kRows, s);
  }
}

// ---- K-quants summed per row (V::kSummedSuperBlocks) -----------------------
// Not the reference's float order: each row's super-block sum is formed
// exactly in int32 (Q4_K/Q5_K: Σ_j scale_j · Σ q·a, at most 8·63·32·31·127;
// Q6_K: Σ scale · q·a over 16-element groups minus 32·Σ scale·Σa) and scaled
// once, where the reference scales 8 lane sums and adds them in float. Q4_K /
// Q5_K take one multiply-add instruction per quad instead of two (a lane-exact
// quad needs its sum, then its scale); Q6_K two instead of three (its bias
// comes once per super-block from the 16-element activation sums). Outputs
// differ from vec_dot_ref by float rounding only (tests: within 1e-5 of the
// sum of |products|).

// Calls quad(u, c) for the quads c = 8j .. 8j + 7 of sub-block j, decoded.
template <class V, GgmlType kType, class Fn>
inline void for_each_quad(const uint8_t* rec, int j, Fn&& quad) {
  static_for<4>([&](auto lp) {
    constexpr int c0 = 2 * decltype(lp)::value;
    typename V::I u0, u1;
    decode_quads<V, kType, c0>(rec, j, &u0, &u1);
    quad(u0, 8 * j + c0);
    quad(u1, 8 * j + c0 + 1);
  });
}

// Sub-block j's contribution to a row's integer sum, for each token.
template <class V, GgmlType kType, int T>
inline void summed_sub_block(const uint8_t* rec, int j, const ActSuperBlock* const* y, typename V::I* total) {
  using I = typename V::I;
  static constexpr pack_layout::Record L = pack_layout::record_of(kType, V::kRows);
  if constexpr (kType == GgmlType::Q6_K) {
    // Quads mix two 16-element scale groups: int16 pair sums times the
    // (sc[2j], sc[2j+1]) pairs, then the codes' +32 removed once per group:
    // −32·sc times the group's activation sum. Summed per sub-block and then
    // into the total (int32 sums are exact in any order): one chain through
    // all 40 multiply-adds of a super-block left a decoding thread (one
    // token) waiting on each one's latency.
    const I scale = V::sb_scale_pairs(rec + L.scales, j);
    I part[T];
    #pragma GCC unroll 16
    for (int t = 0; t < T; ++t) part[t] = V::i_zero();
    for_each_quad<V, kType>(rec, j, [&](I u, int c) {
      #pragma GCC unroll 16
      for (int t = 0; t < T; ++t) part[t] = V::sb_pair_quad(part[t], u, scale, *y[t], c);
    });
    const I bias_scale = V::i16_times_minus32(scale);
    #pragma GCC unroll 16
    for (int t = 0; t < T; ++t) total[t] = V::i_add(total[t], V::i16_pair_dot(part[t], bias_scale, &y[t]->bsum16[2 * j]));
  } else {
    // One token (decode) sums even and odd quads apart, so that two chains
    // of multiply-adds overlap; several tokens are independent chains already.
    constexpr int kChains = T == 1 ? 2 : 1;
    I isum[T * kChains];
    #pragma GCC unroll 16
    for (int i = 0; i < T * kChains; ++i) isum[i] = V::i_zero();
    for_each_quad<V, kType>(rec, j, [&](I u, int c) {
      #pragma GCC unroll 16
      for (int t = 0; t < T; ++t) {
        I& acc = isum[t * kChains + c % kChains];
        acc = V::sb_dot4(acc, u, y[t]->qs + 4 * c);
      }
    });
    const I scale = V::sb_scale32(rec + L.scales, j);
    #pragma GCC unroll 16
    for (int t = 0; t < T; ++t) {
      I sum = isum[t * kChains];
      if constexpr (kChains == 2) sum = V::i_add(sum, isum[t * kChains + 1]);
      total[t] = V::i_add(total[t], V::i_mul(sum, scale));
    }
  }
}

template <class V, GgmlType kType, int T>
void tile_superblock_summed(const uint8_t* group, int64_t blocks, const void* const* act, float* out) {
  using F = typename V::F;
  using I = typename V::I;
  static constexpr pack_layout::Record L = pack_layout::record_of(kType, V::kRows);
  F sumf[T];
  #pragma GCC unroll 16
  for (int t = 0; t < T; ++t) sumf[t] = V::zero();
  for (int64_t sb = 0; sb < blocks; ++sb) {
    const uint8_t* rec = group + sb * L.bytes;
    prefetch_record(rec, L.bytes);
    const ActSuperBlock* y[T];
    I total[T];
    #pragma GCC unroll 16
    for (int t = 0; t < T; ++t) {
      y[t] = static_cast<const ActSuperBlock*>(act[t]) + sb;
      total[t] = V::i_zero();
    }
    #pragma GCC unroll 1
    for (int j = 0; j < 8; ++j) summed_sub_block<V, kType, T>(rec, j, y, total);
    const F dw = V::load_f16(rec + L.d);
    #pragma GCC unroll 16
    for (int t = 0; t < T; ++t) {
      const F dy = V::set1(y[t]->d);
      sumf[t] = V::add(sumf[t], V::mul(V::mul(dw, dy), V::f_from_i(total[t])));
      if constexpr (kType != GgmlType::Q6_K) {
        const F dmin = V::load_f16(rec + L.dmin);
        I m = V::i_zero();
        #pragma GCC unroll 16
        for (int p = 0; p < 4; ++p) m = V::sb_min_pairs(m, rec + L.mins + p * 2 * V::kRows, &y[t]->bsum32[2 * p]);
        sumf[t] = V::sub(sumf[t], V::mul(V::mul(dmin, dy), V::f_from_i(m)));
      }
    }
  }
  #pragma GCC unroll 16
  for (int t = 0; t < T; ++t) V::store(out + t * V::kRows, sumf[t]);
}

template <class V, GgmlType kType>
constexpr bool summed_super_blocks = pack_layout::family_of(kType) == pack_layout::Family::SuperBlock &&
                                     V::kSummedSuperBlocks;

// ---- F16 / BF16: f32 products summed in double, column by column ----------
// F16 / BF16 with V::kHalfSumsInFloat instead take f32 fused multiply-adds:
// the activations are already rounded to 16 bits, so the f32 sums' rounding
// (~sqrt(cols) ulp) is far below what the format keeps; those outputs are not
// bit-identical to vec_dot_ref (tests: within 1e-5 of the sum of |products|).

template <class V, GgmlType kType>
constexpr bool half_sums_in_float = (kType == GgmlType::F16 || kType == GgmlType::BF16) && V::kHalfSumsInFloat;

// A column sum's accumulator: f32 vector (FMA) or double pairs. (Not
// std::conditional_t, which would drop the vector type's attributes.)
template <class V, bool kFma>
struct FloatAcc {
  using type = typename V::DAcc;
};
template <class V>
struct FloatAcc<V, true> {
  using type = typename V::F;
};

template <class V, GgmlType kType, int T>
void tile_float(const uint8_t* group, int64_t cols, const void* const* act, float* out) {
  static constexpr pack_layout::Record L = pack_layout::record_of(kType, V::kRows);
  constexpr bool kFma = half_sums_in_float<V, kType>;
  const float* x[T];
  typename FloatAcc<V, kFma>::type acc[T];
  #pragma GCC unroll 16
  for (int t = 0; t < T; ++t) {
    x[t] = static_cast<const float*>(act[t]);
    if constexpr (kFma) acc[t] = V::zero();
    else acc[t] = V::d_zero();
  }
  for (int64_t k = 0; k < cols; ++k) {
    if (k % 4 == 0) prefetch_record(group + k * L.bytes, 4 * L.bytes);
    const auto w = V::template fl_load<kType>(group + k * L.bytes);
    #pragma GCC unroll 16
    for (int t = 0; t < T; ++t) {
      if constexpr (kFma) acc[t] = V::fma(w, V::set1(x[t][k]), acc[t]);
      else acc[t] = V::d_add(acc[t], V::mul(w, V::set1(x[t][k])));
    }
  }
  #pragma GCC unroll 16
  for (int t = 0; t < T; ++t) {
    if constexpr (kFma) V::store(out + t * V::kRows, acc[t]);
    else V::store(out + t * V::kRows, V::d_round(acc[t]));
  }
}

// F32 × F32 in the reference's order (vec_dot_ref.cpp dot_f32, ggml's x86
// AVX2/FMA build): per row and token kF32Lanes running sums, column k of a
// whole block feeding sum k mod kF32Lanes by a fused multiply-add; the sums
// folded in halves down to four, then (0+1)+(2+3); the last columns' rounded
// products added one by one. The sums live on the stack: F32 matrices are small in the
// models edgelm runs (the 2B shapes have none), so clarity wins over speed.
template <class V, int T>
void tile_f32_lanes(const uint8_t* group, int64_t cols, const void* const* act, float* out) {
  static constexpr pack_layout::Record L = pack_layout::record_of(GgmlType::F32, V::kRows);
  using F = typename V::F;
  const float* x[T];
  F sum[kF32Lanes][T];
  for (int t = 0; t < T; ++t) {
    x[t] = static_cast<const float*>(act[t]);
    for (int l = 0; l < kF32Lanes; ++l) sum[l][t] = V::zero();
  }
  const int64_t whole = cols - cols % kF32Lanes;
  for (int64_t k0 = 0; k0 < whole; k0 += kF32Lanes) {
    prefetch_record(group + k0 * L.bytes, kF32Lanes * L.bytes);
    for (int l = 0; l < kF32Lanes; ++l) {
      const F w = V::template fl_load<GgmlType::F32>(group + (k0 + l) * L.bytes);
      #pragma GCC unroll 16
      for (int t = 0; t < T; ++t) sum[l][t] = V::fma(w, V::set1(x[t][k0 + l]), sum[l][t]);
    }
  }
  for (int t = 0; t < T; ++t) {
    for (int half = kF32Lanes / 2; half >= 4; half /= 2)
      for (int l = 0; l < half; ++l) sum[l][t] = V::add(sum[l][t], sum[l + half][t]);
    F total = V::add(V::add(sum[0][t], sum[1][t]), V::add(sum[2][t], sum[3][t]));
    for (int64_t k = whole; k < cols; ++k)
      total = V::add(total, V::mul(V::template fl_load<GgmlType::F32>(group + k * L.bytes), V::set1(x[t][k])));
    V::store(out + t * V::kRows, total);
  }
}

template <class V, GgmlType kType, int T>
void tile_n(const uint8_t* group, int64_t records, const void* const* act, float* out) {
  constexpr pack_layout::Family kFamily = pack_layout::family_of(kType);
  if constexpr (kType == GgmlType::Q8_0) tile_q8_0_lanes<V, T>(group, records, act, out);
  else if constexpr (kType == GgmlType::F32) tile_f32_lanes<V, T>(group, records, act, out);
  else if constexpr (kFamily == pack_layout::Family::Block32) tile_block32<V, kType, T>(group, records, act, out);
  else if constexpr (summed_super_blocks<V, kType>) tile_superblock_summed<V, kType, T>(group, records, act, out);
  else if constexpr (kFamily == pack_layout::Family::SuperBlock) tile_superblock<V, kType, T>(group, records, act, out);
  else tile_float<V, kType, T>(group, records, act, out);
}

// Tokens per micro-kernel pass: as many as V's registers hold without
// spilling for 32-element blocks (Q8_0: 8 float lanes per token); for
// super-blocks (2 integer lane sums and 8 float lanes per token, plus the 8
// sub-block scales) what measured best.
template <class V, GgmlType kType>
constexpr int kPassTokens = kType == GgmlType::Q8_0 ? V::kQ8LanePass
                            : pack_layout::family_of(kType) == pack_layout::Family::SuperBlock ? V::super_block_pass(kType)
                                                                                                : V::kPass;

template <class V, GgmlType kType, int... Ns>
void tile_pass(int n, const uint8_t* group, int64_t records, const void* const* act, float* out,
               std::integer_sequence<int, Ns...>) {
  (void)((n == Ns + 1 ? (tile_n<V, kType, Ns + 1>(group, records, act, out), true) : false) || ...);
}

template <class V, GgmlType kType>
void tile(const uint8_t* group, int64_t records, const void* const* act, int n_tokens, float* out) {
  constexpr int kPass = kPassTokens<V, kType>;
  static_assert(kMaxTileTokens % kPass == 0);
  for (int t = 0; t < n_tokens; t += kPass)
    tile_pass<V, kType>(std::min(kPass, n_tokens - t), group, records, act + t, out + t * V::kRows,
                        std::make_integer_sequence<int, kPass>{});
}

template <class V>
TileFn tile_for(GgmlType type) {
  switch (type) {
    case GgmlType::Q4_0: return &tile<V, GgmlType::Q4_0>;
    case GgmlType::Q8_0: return &tile<V, GgmlType::Q8_0>;
    case GgmlType::IQ4_NL: return &tile<V, GgmlType::IQ4_NL>;
    case GgmlType::Q4_K: return &tile<V, GgmlType::Q4_K>;
    case GgmlType::Q5_K: return &tile<V, GgmlType::Q5_K>;
    case GgmlType::Q6_K: return &tile<V, GgmlType::Q6_K>;
    case GgmlType::F32: return &tile<V, GgmlType::F32>;
    case GgmlType::F16: return &tile<V, GgmlType::F16>;
    case GgmlType::BF16: return &tile<V, GgmlType::BF16>;
    default: return nullptr;
  }
}

// Whether tile_for(type) reproduces vec_dot_ref bit for bit.
template <class V>
bool bit_exact(GgmlType type) {
  switch (type) {
    case GgmlType::Q4_K: return !summed_super_blocks<V, GgmlType::Q4_K>;
    case GgmlType::Q5_K: return !summed_super_blocks<V, GgmlType::Q5_K>;
    case GgmlType::Q6_K: return !summed_super_blocks<V, GgmlType::Q6_K>;
    case GgmlType::F16: return !half_sums_in_float<V, GgmlType::F16>;
    case GgmlType::BF16: return !half_sums_in_float<V, GgmlType::BF16>;
    default: return true;
  }
}

// ---- Activation quantizers, bit-identical to quantize_activation_row -------

// Q8_0 as ggml's x86 builds quantize a matmul input: d = amax/127,
// q = x·(127/amax) rounded half to even, clamped to int8.
template <class V>
void act_q8_0(const float* x, ActBlock32* out, int64_t blocks) {
  constexpr int kVecs = 32 / V::kRows;
  for (int64_t b = 0; b < blocks; ++b) {
    const float* xb = x + 32 * b;
    typename V::F v[kVecs];
    auto amax = V::zero();
    #pragma GCC unroll 16
    for (int i = 0; i < kVecs; ++i) {
      v[i] = V::load(xb + i * V::kRows);
      amax = V::f_max_keep(amax, V::f_abs(v[i]));
    }
    const float am = V::f_hmax(amax);
    const float inv = am != 0.0f ? 127.0f / am : 0.0f;
    #pragma GCC unroll 16
    for (int i = 0; i < kVecs; ++i) V::store_i8(out[b].qs + i * V::kRows, V::q8_0_codes(V::mul(v[i], V::set1(inv))));
    out[b].d = fp16_to_fp32(fp32_to_fp16(am / 127));
    finish_block32(&out[b]);
  }
}

// Q8_K: M = the first element of largest magnitude, iscale = −127/M,
// q = min(127, nearest_int(iscale·x)), d = 1/iscale; all-zero blocks stay zero.
template <class V>
void act_q8_k(const float* x, ActSuperBlock* out, int64_t blocks, bool q6_corr) {
  constexpr int kVecs = 256 / V::kRows;
  static_assert(16 % V::kRows == 0, "a vector must not straddle two 16-element bsums");
  for (int64_t b = 0; b < blocks; ++b) {
    const float* xb = x + 256 * b;
    auto amax = V::zero();
    #pragma GCC unroll 16
    for (int i = 0; i < kVecs; ++i) amax = V::f_max_keep(amax, V::f_abs(V::load(xb + i * V::kRows)));
    const float am = V::f_hmax(amax);
    int8_t qs[256] = {};
    int16_t bsums[16] = {};
    float d = 0.0f;
    if (am != 0.0f) {
      int first = 0;
      #pragma GCC unroll 16
      for (int i = 0; i < kVecs; ++i) {
        const unsigned mask = V::f_eq_mask(V::f_abs(V::load(xb + i * V::kRows)), am);
        if (mask) {
          first = i * V::kRows + __builtin_ctz(mask);
          break;
        }
      }
      const float iscale = -127.0f / xb[first];
      #pragma GCC unroll 16
      for (int i = 0; i < kVecs; ++i) {
        const auto q = V::q8_k_codes(V::mul(V::set1(iscale), V::load(xb + i * V::kRows)));
        V::store_i8(qs + i * V::kRows, q);
        bsums[i * V::kRows / 16] = static_cast<int16_t>(bsums[i * V::kRows / 16] + V::i_hsum(q));
      }
      d = 1 / iscale;
    }
    finish_superblock(qs, d, bsums, q6_corr, &out[b]);
  }
}

// x rounded to f16 or bf16 and back; vectors holding a NaN take the scalar
// path, which fixes the NaN's payload as the reference does.
template <class V, bool kBf16>
void round_half(const float* x, float* out, int64_t n) {
  const auto scalar = kBf16 ? act_round_bf16_ref : act_round_f16_ref;
  int64_t i = 0;
  for (; i + V::kRows <= n; i += V::kRows) {
    const auto v = V::load(x + i);
    if (V::f_any_nan(v)) scalar(x + i, out + i, V::kRows);
    else V::store(out + i, kBf16 ? V::f_round_bf16(v) : V::f_round_f16(v));
  }
  scalar(x + i, out + i, n - i);
}

template <class V>
constexpr IsaKernels make_kernels(Isa isa) {
  return IsaKernels{isa, V::kRows, &tile_for<V>, &bit_exact<V>, &act_q8_0<V>, &act_q8_k<V>, &round_half<V, false>,
                    &round_half<V, true>};
}

}  // namespace
}  // namespace edgelm::kernels
