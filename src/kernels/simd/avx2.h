// The AVX2 + FMA + F16C float vocabulary: 8 floats per vector, shared by the
// matmul tiles (matmul/isa_avx2.cpp) and the attention loops
// (attention/attention_avx2.cpp), both compiled with the AVX2 flags.
#pragma once
#include <immintrin.h>
#include <cstdint>
#include <cstring>

namespace edgelm::kernels::simd {
namespace {

// Lane-wise float operations under the names both tile templates use:
// zero set1 load store add sub mul max fma(a, b, c) = a*b + c, hsum,
// load_f16(p) (kW halves), half(p) (one half), round (to nearest even).
struct Avx2Float {
  static constexpr int kW = 8;
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
  static F round(F v) { return _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
};

}  // namespace
}  // namespace edgelm::kernels::simd
