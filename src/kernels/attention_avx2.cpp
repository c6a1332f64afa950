// AVX2 + FMA + F16C attention loops: 8 floats per vector. Built with the
// flags of isa_avx2.cpp and only entered after isa.cpp's CPU check.
#include <immintrin.h>

#include "kernels/attention_tiles.h"

namespace edgelm::kernels {
namespace {

struct Avx2V {
  static constexpr int kW = 8;
  static constexpr int kAccCols = 2;   // 4 rows x 2 vectors + operands fit 16 registers
  using F = __m256;
  static F zero() { return _mm256_setzero_ps(); }
  static F set1(float v) { return _mm256_set1_ps(v); }
  static F load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, F v) { _mm256_storeu_ps(p, v); }
  static F add(F a, F b) { return _mm256_add_ps(a, b); }
  static F sub(F a, F b) { return _mm256_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F max(F a, F b) { return _mm256_max_ps(a, b); }
  static F fma(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  static float hsum(F v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  static F load_f16(const uint8_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
  static float half(const uint8_t* p) {
    uint16_t h;
    std::memcpy(&h, p, 2);
    return _cvtsh_ss(h);
  }
  static F load_i8(const int8_t* p) {
    return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
  }
  static F load_u4(const uint8_t* p, int shift) {
    const __m256i bytes = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
    const __m256i codes = _mm256_and_si256(_mm256_srlv_epi32(bytes, _mm256_set1_epi32(shift)), _mm256_set1_epi32(15));
    return _mm256_cvtepi32_ps(codes);
  }
  static F round(F v) { return _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static F pow2(F n) {
    const __m256i e = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
    return _mm256_castsi256_ps(_mm256_slli_epi32(e, 23));
  }
  // Two queries x four keys, summed as hsum does (lane i + i + 4, then i + 2,
  // i + 1) while packing accumulators; query r's keys end in 128-bit lane r.
  static constexpr int kTreeRows = 2, kTreeKeys = 4;
  [[gnu::always_inline]] static F reduce_tree(const F* a) {
    F h[4], g[2];
    unroll<4>([&](auto i) {
      h[i] = add(_mm256_permute2f128_ps(a[2 * i], a[2 * i + 1], 0x20), _mm256_permute2f128_ps(a[2 * i], a[2 * i + 1], 0x31));
    });
    unroll<2>([&](auto i) {
      g[i] = add(_mm256_shuffle_ps(h[2 * i], h[2 * i + 1], 0x44), _mm256_shuffle_ps(h[2 * i], h[2 * i + 1], 0xEE));
    });
    return add(_mm256_shuffle_ps(g[0], g[1], 0x88), _mm256_shuffle_ps(g[0], g[1], 0xDD));
  }
  static void store_tree(F v, float* s, int stride) {
    _mm_storeu_ps(s, _mm256_castps256_ps128(v));
    _mm_storeu_ps(s + stride, _mm256_extractf128_ps(v, 1));
  }
};

constexpr AttentionKernels kAvx2 = make_attention_kernels<Avx2V>();
}  // namespace

const AttentionKernels* attention_kernels_avx2() { return &kAvx2; }

}  // namespace edgelm::kernels
