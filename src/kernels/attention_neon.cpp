// NEON attention loops for AArch64: 4 floats per vector. Built with the flags
// of isa_neon.cpp and only entered after isa.cpp's CPU check.
#include <arm_neon.h>

#include "kernels/attention_tiles.h"

namespace edgelm::kernels {
namespace {

struct NeonV {
  static constexpr int kW = 4;
  static constexpr int kAccCols = 4;
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
  static int32x4_t widen4(const uint8_t* p, bool is_signed) {
    uint32_t word;
    std::memcpy(&word, p, 4);
    const uint8x8_t b = vreinterpret_u8_u32(vdup_n_u32(word));
    if (is_signed) return vmovl_s16(vget_low_s16(vmovl_s8(vreinterpret_s8_u8(b))));
    return vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(vmovl_u8(b))));
  }
  static float half(const uint8_t* p) {
    __fp16 h;
    std::memcpy(&h, p, 2);
    return static_cast<float>(h);
  }
  static F load_i8(const int8_t* p) { return vcvtq_f32_s32(widen4(reinterpret_cast<const uint8_t*>(p), true)); }
  static F load_u4(const uint8_t* p, int shift) {
    const int32x4_t codes = vandq_s32(vshlq_s32(widen4(p, false), vdupq_n_s32(-shift)), vdupq_n_s32(15));
    return vcvtq_f32_s32(codes);
  }
  static F round(F v) { return vrndnq_f32(v); }
  static F pow2(F n) {
    const int32x4_t e = vaddq_s32(vcvtnq_s32_f32(n), vdupq_n_s32(127));
    return vreinterpretq_f32_s32(vshlq_n_s32(e, 23));
  }
  // Four queries x one key: lane r is hsum(acc[r]).
  static constexpr int kTreeRows = 4, kTreeKeys = 1;
  static F reduce_tree(const F* a) {
    F v = vdupq_n_f32(hsum(a[0]));
    v = vsetq_lane_f32(hsum(a[1]), v, 1);
    v = vsetq_lane_f32(hsum(a[2]), v, 2);
    return vsetq_lane_f32(hsum(a[3]), v, 3);
  }
  static void store_tree(F v, float* s, int stride) {
    s[0] = vgetq_lane_f32(v, 0);
    s[stride] = vgetq_lane_f32(v, 1);
    s[2 * stride] = vgetq_lane_f32(v, 2);
    s[3 * stride] = vgetq_lane_f32(v, 3);
  }
};

constexpr AttentionKernels kNeon = make_attention_kernels<NeonV>();
}  // namespace

const AttentionKernels* attention_kernels_neon() { return &kNeon; }

}  // namespace edgelm::kernels
