// AVX-512 attention loops: 16 floats per vector. Built with the flags of
// isa_avx512.cpp and only entered after isa.cpp's CPU check.
#include "kernels/simd/avx512.h"

#include "kernels/attention/attention_tiles.h"

namespace edgelm::kernels {
namespace {

struct Avx512V : simd::Avx512Float {
  static constexpr int kAccCols = 4;
  static F load_i8(const int8_t* p) {
    return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
  }
  static F load_u4(const uint8_t* p, int shift) {
    const __m512i bytes = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    const __m512i codes = _mm512_and_si512(_mm512_srlv_epi32(bytes, _mm512_set1_epi32(shift)), _mm512_set1_epi32(15));
    return _mm512_cvtepi32_ps(codes);
  }
  static F pow2(F n) {
    const __m512i e = _mm512_add_epi32(_mm512_cvtps_epi32(n), _mm512_set1_epi32(127));
    return _mm512_castsi512_ps(_mm512_slli_epi32(e, 23));
  }
  // Four queries x four keys. Each level adds lane i of an accumulator to lane
  // i + 8, then i + 4, i + 2, i + 1, the order of _mm512_reduce_add_ps, while
  // packing two accumulators per vector; the last level leaves query r's four
  // keys in 128-bit lane r.
  static constexpr int kTreeRows = 4, kTreeKeys = 4;
  [[gnu::always_inline]] static F reduce_tree(const F* a) {
    F h[8], g[4], f[2];
    unroll<8>([&](auto i) {
      h[i] = add(_mm512_shuffle_f32x4(a[2 * i], a[2 * i + 1], 0x44), _mm512_shuffle_f32x4(a[2 * i], a[2 * i + 1], 0xEE));
    });
    unroll<4>([&](auto i) {
      g[i] = add(_mm512_shuffle_f32x4(h[2 * i], h[2 * i + 1], 0x88), _mm512_shuffle_f32x4(h[2 * i], h[2 * i + 1], 0xDD));
    });
    unroll<2>([&](auto i) {
      f[i] = add(_mm512_shuffle_ps(g[2 * i], g[2 * i + 1], 0x44), _mm512_shuffle_ps(g[2 * i], g[2 * i + 1], 0xEE));
    });
    return add(_mm512_shuffle_ps(f[0], f[1], 0x88), _mm512_shuffle_ps(f[0], f[1], 0xDD));
  }
  static void store_tree(F v, float* s, int stride) {
    _mm_storeu_ps(s, _mm512_castps512_ps128(v));
    _mm_storeu_ps(s + stride, _mm512_extractf32x4_ps(v, 1));
    _mm_storeu_ps(s + 2 * stride, _mm512_extractf32x4_ps(v, 2));
    _mm_storeu_ps(s + 3 * stride, _mm512_extractf32x4_ps(v, 3));
  }
};

constexpr AttentionKernels kAvx512 = make_attention_kernels<Avx512V>();
}  // namespace

const AttentionKernels* attention_kernels_avx512() { return &kAvx512; }

}  // namespace edgelm::kernels
