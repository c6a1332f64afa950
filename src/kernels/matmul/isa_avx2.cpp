// AVX2 (+FMA, F16C) kernels: 8 rows per packed group, one row per 32-bit
// lane. Built with -mavx2 -mfma -mf16c -ffp-contract=off and only entered
// after isa.cpp's CPU check.
//
// Without VNNI the byte products go through vpmaddubsw (unsigned × signed,
// saturating int16 pairs). To stay exact: 32-element blocks use signed codes
// with the sign trick |w| · (a·sign(w)) (|products| <= 128·127, pairs fit);
// super-block codes are unsigned and at most 63, so their pairs fit as well.
#include "kernels/simd/avx2.h"

#include "kernels/matmul/tiles.h"

namespace edgelm::kernels {
namespace {

struct Avx2 : simd::Avx2Float {
  static constexpr int kPass = 4;            // tokens per pass (16 vector registers)
  static constexpr int kQ8LanePass = 1;       // Q8_0 tokens per pass (8 float lanes each)
  static constexpr int super_block_pass(GgmlType) { return 1; }
  static constexpr bool kSummedSuperBlocks = false;   // K-quants lane-exact
  static constexpr bool kHalfSumsInFloat = false;     // F16/BF16 summed in double
  static constexpr int kRows = 8;
  using I = __m256i;
  struct DAcc {
    __m256d lo, hi;
  };
  static F f_from_i(I v) { return _mm256_cvtepi32_ps(v); }
  static I i_zero() { return _mm256_setzero_si256(); }
  static I i_add(I a, I b) { return _mm256_add_epi32(a, b); }
  static int32_t i_hsum(I v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return _mm_cvtsi128_si32(s);
  }
  static I bcast32(const void* p) { return _mm256_set1_epi32(load_i32(p)); }

  // ---- activation quantizers ----
  static F f_abs(F v) { return _mm256_and_ps(v, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff))); }
  // max(acc, x) that keeps acc when x is NaN (vmaxps returns its second operand).
  static F f_max_keep(F acc, F x) { return _mm256_max_ps(x, acc); }
  static float f_hmax(F v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
  }
  static unsigned f_eq_mask(F v, float x) {
    return static_cast<unsigned>(_mm256_movemask_ps(_mm256_cmp_ps(v, _mm256_set1_ps(x), _CMP_EQ_OQ)));
  }
  static bool f_any_nan(F v) { return _mm256_movemask_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q)) != 0; }
  // Values are already in int8 range, so the saturating packs only narrow.
  static void store_i8(int8_t* p, I v) {
    const __m128i w = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(p), _mm_packs_epi16(w, w));
  }

  // Nearest, ties to even, then C's conversion clamped to [-128, 127] with
  // NaN -> -128, as the reference's trunc_clamped(nearbyint(v)).
  static I q8_0_codes(F v) {
    const F r = _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const F clamped = _mm256_min_ps(_mm256_max_ps(r, _mm256_set1_ps(-128.0f)), _mm256_set1_ps(127.0f));
    return _mm256_cvttps_epi32(clamped);
  }
  // nearest_int's 1.5·2^23 trick bit for bit, min(127), then the int8 cast.
  static I q8_k_codes(F v) {
    const I bits = _mm256_castps_si256(_mm256_add_ps(v, _mm256_set1_ps(12582912.0f)));
    I q = _mm256_sub_epi32(_mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)), _mm256_set1_epi32(0x00400000));
    q = _mm256_min_epi32(q, _mm256_set1_epi32(127));
    return _mm256_srai_epi32(_mm256_slli_epi32(q, 24), 24);
  }
  static F f_round_f16(F v) { return _mm256_cvtph_ps(_mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT)); }
  static F f_round_bf16(F v) {
    const I x = _mm256_castps_si256(v);
    const I lsb = _mm256_and_si256(_mm256_srli_epi32(x, 16), _mm256_set1_epi32(1));
    const I r = _mm256_add_epi32(_mm256_add_epi32(x, _mm256_set1_epi32(0x7fff)), lsb);
    return _mm256_castsi256_ps(_mm256_and_si256(r, _mm256_set1_epi32(static_cast<int>(0xffff0000u))));
  }

  // ---- 32-element blocks ----
  // Q4_0 keeps its raw nibbles n (the weight is n − 8): maddubs takes them
  // as unsigned bytes against the signed activations, a pair sum stays within
  // ±2·15·128 and a block's eight of them within int16, so the block needs
  // one widening multiply-add and −8·Σa. IQ4_NL and Q8_0 codes are signed
  // and up to ±128, whose pair sums would saturate: their sign moves onto the
  // activations and each quad widens on its own. Integer sums either way, so
  // the result is the same.
  template <GgmlType kType>
  static void b32_decode(const uint8_t* codes, I out[8]) {
    if constexpr (kType == GgmlType::Q8_0) {
      #pragma GCC unroll 16
      for (int v = 0; v < 8; ++v) out[v] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(codes + 32 * v));
    } else {
      alignas(16) static constexpr NibbleTable kTable = nibble_values(kType, 0);
      const I table = _mm256_broadcastsi128_si256(_mm_load_si128(reinterpret_cast<const __m128i*>(kTable.v)));
      const I low = _mm256_set1_epi8(0x0f);
      #pragma GCC unroll 16
      for (int p = 0; p < 4; ++p) {
        const I raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(codes + 32 * p));
        out[p] = _mm256_and_si256(raw, low);
        out[p + 4] = _mm256_and_si256(_mm256_srli_epi16(raw, 4), low);
        if constexpr (kType != GgmlType::Q4_0) {
          out[p] = _mm256_shuffle_epi8(table, out[p]);
          out[p + 4] = _mm256_shuffle_epi8(table, out[p + 4]);
        }
      }
    }
  }
  template <GgmlType kType>
  static I b32_dot(const I codes[8], const ActBlock32& a) {
    const I ones = _mm256_set1_epi16(1);
    if constexpr (kType == GgmlType::Q4_0) {
      I pairs = _mm256_setzero_si256();
      #pragma GCC unroll 16
      for (int q = 0; q < 8; ++q) pairs = _mm256_add_epi16(pairs, _mm256_maddubs_epi16(codes[q], bcast32(a.qs + 4 * q)));
      return _mm256_add_epi32(_mm256_madd_epi16(pairs, ones), _mm256_set1_epi32(-8 * a.sum));
    } else {
      I acc = _mm256_setzero_si256();
      #pragma GCC unroll 16
      for (int q = 0; q < 8; ++q) {
        const I pairs = _mm256_maddubs_epi16(_mm256_abs_epi8(codes[q]), _mm256_sign_epi8(bcast32(a.qs + 4 * q), codes[q]));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, ones));
      }
      return acc;
    }
  }
  // Each row's exact sum over quad q (elements 4q..4q+3) of a Q8_0 block.
  static I b32_quad_dot(const I codes[8], const ActBlock32& a, int q) {
    const I pairs = _mm256_maddubs_epi16(_mm256_abs_epi8(codes[q]), _mm256_sign_epi8(bcast32(a.qs + 4 * q), codes[q]));
    return _mm256_madd_epi16(pairs, _mm256_set1_epi16(1));
  }

  // ---- super-blocks ----
  // The scale of each row's int16 pair sums: Q4_K/Q5_K (scale, scale),
  // Q6_K (sc[2j], sc[2j+1]).
  template <GgmlType kType>
  static I sb_scale(const uint8_t* scales, int j) {
    if constexpr (kType == GgmlType::Q6_K) {
      return _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(scales + 16 * j)));
    } else {
      const I s = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(scales + 8 * j)));
      return _mm256_or_si256(s, _mm256_slli_epi32(s, 16));
    }
  }
  template <int kShift>
  static I place_hi(I h) {
    if constexpr (kShift <= 4) return _mm256_slli_epi16(h, 4 - kShift);
    else return _mm256_srli_epi16(h, kShift - 4);
  }
  template <int kHiBits, int kShift0, int kShift1>
  static void sb_decode(const uint8_t* nib, const uint8_t* hi, I* u0, I* u1) {
    const I low = _mm256_set1_epi8(0x0f);
    const I raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(nib));
    *u0 = _mm256_and_si256(raw, low);
    *u1 = _mm256_and_si256(_mm256_srli_epi16(raw, 4), low);
    if constexpr (kHiBits > 0) {
      const I h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(hi));
      const I mask = _mm256_set1_epi8(static_cast<char>(((1 << kHiBits) - 1) << 4));
      *u0 = _mm256_or_si256(*u0, _mm256_and_si256(place_hi<kShift0>(h), mask));
      *u1 = _mm256_or_si256(*u1, _mm256_and_si256(place_hi<kShift1>(h), mask));
    }
  }
  template <GgmlType kType>
  static I sb_quad(I acc, I u, I scale, const ActSuperBlock& a, int c) {
    I pairs = _mm256_maddubs_epi16(u, bcast32(a.qs + 4 * c));
    if constexpr (kType == GgmlType::Q6_K) pairs = _mm256_add_epi16(pairs, bcast32(a.q6_corr[c]));   // remove bias 32
    return _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, scale));
  }
  static I sb_min_pairs(I acc, const uint8_t* mins, const int16_t* bsum_pair) {
    const I m = _mm256_cvtepu8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(mins)));
    return _mm256_add_epi32(acc, _mm256_madd_epi16(m, bcast32(bsum_pair)));
  }

  // ---- F32 / F16 / BF16 ----
  template <GgmlType kType>
  static F fl_load(const uint8_t* p) {
    if constexpr (kType == GgmlType::F32) return _mm256_loadu_ps(reinterpret_cast<const float*>(p));
    const __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    if constexpr (kType == GgmlType::F16) return _mm256_cvtph_ps(h);
    else return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
  }
  static DAcc d_zero() { return {_mm256_setzero_pd(), _mm256_setzero_pd()}; }
  static DAcc d_add(DAcc acc, F prod) {
    return {_mm256_add_pd(acc.lo, _mm256_cvtps_pd(_mm256_castps256_ps128(prod))),
            _mm256_add_pd(acc.hi, _mm256_cvtps_pd(_mm256_extractf128_ps(prod, 1)))};
  }
  static F d_round(DAcc acc) { return _mm256_set_m128(_mm256_cvtpd_ps(acc.hi), _mm256_cvtpd_ps(acc.lo)); }
};

constexpr IsaKernels kAvx2 = make_kernels<Avx2>(Isa::Avx2);

}  // namespace

const IsaKernels* avx2_kernels() { return &kAvx2; }

}  // namespace edgelm::kernels
