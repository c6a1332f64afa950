// NEON attention loops for AArch64: 4 floats per vector. Built with the flags
// of isa_neon.cpp and only entered after isa.cpp's CPU check.
#include "kernels/simd/neon.h"

#include "kernels/attention/attention_tiles.h"

namespace edgelm::kernels {
namespace {

struct NeonV : simd::NeonFloat {
  static constexpr int kAccCols = 4;
  static int32x4_t widen4(const uint8_t* p, bool is_signed) {
    uint32_t word;
    std::memcpy(&word, p, 4);
    const uint8x8_t b = vreinterpret_u8_u32(vdup_n_u32(word));
    if (is_signed) return vmovl_s16(vget_low_s16(vmovl_s8(vreinterpret_s8_u8(b))));
    return vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(vmovl_u8(b))));
  }
  static F load_i8(const int8_t* p) { return vcvtq_f32_s32(widen4(reinterpret_cast<const uint8_t*>(p), true)); }
  static F load_u4(const uint8_t* p, int shift) {
    const int32x4_t codes = vandq_s32(vshlq_s32(widen4(p, false), vdupq_n_s32(-shift)), vdupq_n_s32(15));
    return vcvtq_f32_s32(codes);
  }
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
