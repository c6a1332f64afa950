// AVX-512 (F, BW, VL, VNNI) kernels: 16 rows per packed group, one row per
// 32-bit lane. Built with -mavx512f -mavx512bw -mavx512vl -mavx512vnni -mf16c
// -ffp-contract=off and only entered after isa.cpp's CPU check.
//
// Integer dot products use vpdpbusd (unsigned × signed bytes): weight codes
// are made unsigned by adding 128 (32-element blocks) and the block's
// activation sum times 128 is subtracted up front; super-block codes are
// unsigned already (Q6_K's bias 32 is removed the same way, per quad).
#include "kernels/simd/avx512.h"

#include "kernels/matmul/tiles.h"
#include "tensor/quant_blocks.h"

namespace edgelm::kernels {
namespace {

struct Avx512 : simd::Avx512Float {
  static constexpr int kPass = 8;            // tokens per pass (32 vector registers)
  static constexpr int kQ8LanePass = 2;       // Q8_0 tokens per pass (8 float lanes each)
  // K-quants run summed per row (tiles.h), whose registers hold 8 tokens as
  // the 32-element blocks' do.
  static constexpr int super_block_pass(GgmlType) { return kPass; }
  static constexpr bool kSummedSuperBlocks = true;   // K-quants: see tiles.h
  static constexpr bool kHalfSumsInFloat = true;     // F16/BF16: see tiles.h
  static constexpr int kRows = 16;
  using I = __m512i;
  struct DAcc {
    __m512d lo, hi;
  };
  static F f_from_i(I v) { return _mm512_cvtepi32_ps(v); }
  static I i_zero() { return _mm512_setzero_si512(); }
  static I i_add(I a, I b) { return _mm512_add_epi32(a, b); }
  static int32_t i_hsum(I v) { return _mm512_reduce_add_epi32(v); }
  static I bcast32(const void* p) { return _mm512_set1_epi32(load_i32(p)); }

  // ---- activation quantizers ----
  static F f_abs(F v) { return _mm512_abs_ps(v); }
  // max(acc, x) that keeps acc when x is NaN (vmaxps returns its second operand).
  static F f_max_keep(F acc, F x) { return _mm512_max_ps(x, acc); }
  static float f_hmax(F v) { return _mm512_reduce_max_ps(v); }
  static unsigned f_eq_mask(F v, float x) { return _mm512_cmp_ps_mask(v, _mm512_set1_ps(x), _CMP_EQ_OQ); }
  static bool f_any_nan(F v) { return _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q) != 0; }
  static void store_i8(int8_t* p, I v) { _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm512_cvtepi32_epi8(v)); }

  // Nearest, ties to even, then C's conversion clamped to [-128, 127] with
  // NaN -> -128, as the reference's trunc_clamped(nearbyint(v)).
  static I q8_0_codes(F v) {
    const F r = _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const F clamped = _mm512_min_ps(_mm512_max_ps(r, _mm512_set1_ps(-128.0f)), _mm512_set1_ps(127.0f));
    return _mm512_cvttps_epi32(clamped);
  }
  // nearest_int's 1.5·2^23 trick bit for bit, min(127), then the int8 cast.
  static I q8_k_codes(F v) {
    const I bits = _mm512_castps_si512(_mm512_add_ps(v, _mm512_set1_ps(12582912.0f)));
    I q = _mm512_sub_epi32(_mm512_and_si512(bits, _mm512_set1_epi32(0x007fffff)), _mm512_set1_epi32(0x00400000));
    q = _mm512_min_epi32(q, _mm512_set1_epi32(127));
    return _mm512_srai_epi32(_mm512_slli_epi32(q, 24), 24);
  }
  static F f_round_f16(F v) { return _mm512_cvtph_ps(_mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)); }
  static F f_round_bf16(F v) {
    const I x = _mm512_castps_si512(v);
    const I lsb = _mm512_and_si512(_mm512_srli_epi32(x, 16), _mm512_set1_epi32(1));
    const I r = _mm512_add_epi32(_mm512_add_epi32(x, _mm512_set1_epi32(0x7fff)), lsb);
    return _mm512_castsi512_ps(_mm512_and_si512(r, _mm512_set1_epi32(static_cast<int>(0xffff0000u))));
  }

  // ---- 32-element blocks: codes as unsigned w + 128 ----
  template <GgmlType kType>
  static I nibble_table() {
    alignas(16) static constexpr NibbleTable kTable = nibble_values(kType, 128);
    return _mm512_broadcast_i32x4(_mm_load_si128(reinterpret_cast<const __m128i*>(kTable.v)));
  }
  template <GgmlType kType>
  static void b32_decode(const uint8_t* codes, I out[8]) {
    if constexpr (kType == GgmlType::Q8_0) {
      #pragma GCC unroll 16
      for (int v = 0; v < 8; ++v) out[v] = _mm512_xor_si512(_mm512_loadu_si512(codes + 64 * v), _mm512_set1_epi8(-128));
    } else {
      const I table = nibble_table<kType>();
      const I low = _mm512_set1_epi8(0x0f);
      #pragma GCC unroll 16
      for (int p = 0; p < 4; ++p) {
        const I raw = _mm512_loadu_si512(codes + 64 * p);
        out[p] = _mm512_shuffle_epi8(table, _mm512_and_si512(raw, low));
        out[p + 4] = _mm512_shuffle_epi8(table, _mm512_and_si512(_mm512_srli_epi16(raw, 4), low));
      }
    }
  }
  template <GgmlType>
  static I b32_dot(const I codes[8], const ActBlock32& a) {
    I acc0 = _mm512_set1_epi32(-128 * a.sum), acc1 = _mm512_setzero_si512();
    #pragma GCC unroll 16
    for (int q = 0; q < 8; q += 2) {
      acc0 = _mm512_dpbusd_epi32(acc0, codes[q], bcast32(a.qs + 4 * q));
      acc1 = _mm512_dpbusd_epi32(acc1, codes[q + 1], bcast32(a.qs + 4 * q + 4));
    }
    return _mm512_add_epi32(acc0, acc1);
  }
  // Each row's exact sum over quad q (elements 4q..4q+3) of a Q8_0 block.
  static I b32_quad_dot(const I codes[8], const ActBlock32& a, int q) {
    return _mm512_dpbusd_epi32(_mm512_set1_epi32(-128 * a.quad_sum[q]), codes[q], bcast32(a.qs + 4 * q));
  }

  // ---- super-blocks (summed per row: tiles.h) ----
  // Q6_K's scales of 16-element groups 2j and 2j + 1 as int16 pairs.
  static I sb_scale_pairs(const uint8_t* scales, int j) {
    return _mm512_cvtepi8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(scales + 32 * j)));
  }
  template <int kShift>
  static I place_hi(I h) {
    if constexpr (kShift <= 4) return _mm512_slli_epi16(h, 4 - kShift);
    else return _mm512_srli_epi16(h, kShift - 4);
  }
  template <int kHiBits, int kShift0, int kShift1>
  static void sb_decode(const uint8_t* nib, const uint8_t* hi, I* u0, I* u1) {
    const I low = _mm512_set1_epi8(0x0f);
    const I raw = _mm512_loadu_si512(nib);
    *u0 = _mm512_and_si512(raw, low);
    *u1 = _mm512_and_si512(_mm512_srli_epi16(raw, 4), low);
    if constexpr (kHiBits > 0) {
      const I h = _mm512_loadu_si512(hi);
      const I mask = _mm512_set1_epi8(static_cast<char>(((1 << kHiBits) - 1) << 4));
      *u0 = _mm512_ternarylogic_epi32(*u0, place_hi<kShift0>(h), mask, 0xf8);   // a | (b & c)
      *u1 = _mm512_ternarylogic_epi32(*u1, place_hi<kShift1>(h), mask, 0xf8);
    }
  }
  // acc + u·a as two int16 pair sums per quad (|u0·a0 + u1·a1| <= 2·63·127:
  // no saturation), each times its int16 scale.
  static I sb_pair_quad(I acc, I u, I scale_pairs, const ActSuperBlock& a, int c) {
    return _mm512_dpwssd_epi32(acc, _mm512_maddubs_epi16(u, bcast32(a.qs + 4 * c)), scale_pairs);
  }
  static I sb_dot4(I acc, I u, const int8_t* a) { return _mm512_dpbusd_epi32(acc, u, bcast32(a)); }
  static I sb_scale32(const uint8_t* scales, int j) {
    return _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(scales + 16 * j)));
  }
  static I i_mul(I a, I b) { return _mm512_mullo_epi32(a, b); }
  // int16 lanes times −32 (Q6_K scales: |−32·sc| <= 4096, no overflow).
  static I i16_times_minus32(I s) { return _mm512_sub_epi16(_mm512_setzero_si512(), _mm512_slli_epi16(s, 5)); }
  // acc + the two int16 products of each lane's pair with a broadcast pair.
  static I i16_pair_dot(I acc, I pairs, const int16_t* p) { return _mm512_dpwssd_epi32(acc, pairs, bcast32(p)); }
  static I sb_min_pairs(I acc, const uint8_t* mins, const int16_t* bsum_pair) {
    const I m = _mm512_cvtepu8_epi16(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(mins)));
    return _mm512_dpwssd_epi32(acc, m, bcast32(bsum_pair));
  }

  // ---- F32 / F16 / BF16 ----
  template <GgmlType kType>
  static F fl_load(const uint8_t* p) {
    if constexpr (kType == GgmlType::F32) return _mm512_loadu_ps(p);
    const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    if constexpr (kType == GgmlType::F16) return _mm512_cvtph_ps(h);
    else return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
  }
  static DAcc d_zero() { return {_mm512_setzero_pd(), _mm512_setzero_pd()}; }
  static DAcc d_add(DAcc acc, F prod) {
    const __m256 hi = _mm256_castsi256_ps(_mm512_extracti64x4_epi64(_mm512_castps_si512(prod), 1));
    return {_mm512_add_pd(acc.lo, _mm512_cvtps_pd(_mm512_castps512_ps256(prod))), _mm512_add_pd(acc.hi, _mm512_cvtps_pd(hi))};
  }
  static F d_round(DAcc acc) {
    const __m256i lo = _mm256_castps_si256(_mm512_cvtpd_ps(acc.lo));
    const __m256i hi = _mm256_castps_si256(_mm512_cvtpd_ps(acc.hi));
    return _mm512_castsi512_ps(_mm512_inserti64x4(_mm512_castsi256_si512(lo), hi, 1));
  }
};

constexpr IsaKernels kAvx512 = make_kernels<Avx512>(Isa::Avx512);
}  // namespace

const IsaKernels* avx512_kernels() { return &kAvx512; }

}  // namespace edgelm::kernels
