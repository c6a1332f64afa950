// AVX2 + FMA + F16C attention loops: 8 floats per vector. Built with the
// flags of isa_avx2.cpp and only entered after isa.cpp's CPU check.
#include "kernels/simd/avx2.h"

#include "kernels/attention/attention_tiles.h"

namespace edgelm::kernels {
namespace {

struct Avx2V : simd::Avx2Float {
  static constexpr int kAccCols = 2;   // 4 rows x 2 vectors + operands fit 16 registers
  static F load_i8(const int8_t* p) {
    return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p))));
  }
  static F load_u4(const uint8_t* p, int shift) {
    const __m256i bytes = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
    const __m256i codes = _mm256_and_si256(_mm256_srlv_epi32(bytes, _mm256_set1_epi32(shift)), _mm256_set1_epi32(15));
    return _mm256_cvtepi32_ps(codes);
  }
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
