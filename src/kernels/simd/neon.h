// The NEON float vocabulary for AArch64: 4 floats per vector, shared by the
// matmul tiles (matmul/isa_neon.cpp) and the attention loops
// (attention/attention_neon.cpp).
#pragma once
#include <arm_neon.h>
#include <cstdint>
#include <cstring>

namespace edgelm::kernels::simd {
namespace {

// Lane-wise float operations under the names both tile templates use:
// zero set1 load store add sub mul max fma(a, b, c) = a*b + c, hsum,
// load_f16(p) (kW halves), half(p) (one half), round (to nearest even).
struct NeonFloat {
  static constexpr int kW = 4;
  using F = float32x4_t;
  static F zero() { return vdupq_n_f32(0.0f); }
  static F set1(float v) { return vdupq_n_f32(v); }
  static F load(const float* p) { return vld1q_f32(p); }
  static void store(float* p, F v) { vst1q_f32(p, v); }
  static F add(F a, F b) { return vaddq_f32(a, b); }
  static F sub(F a, F b) { return vsubq_f32(a, b); }
  static F mul(F a, F b) { return vmulq_f32(a, b); }
  static F max(F a, F b) { return vmaxq_f32(a, b); }
  static F fma(F a, F b, F c) { return vfmaq_f32(c, a, b); }
  static float hsum(F v) { return vaddvq_f32(v); }
  static F load_f16(const uint8_t* p) { return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(reinterpret_cast<const uint16_t*>(p)))); }
  static float half(const uint8_t* p) {
    __fp16 h;
    std::memcpy(&h, p, 2);
    return static_cast<float>(h);
  }
  static F round(F v) { return vrndnq_f32(v); }
};

}  // namespace
}  // namespace edgelm::kernels::simd
