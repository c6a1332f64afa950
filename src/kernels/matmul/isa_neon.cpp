// NEON kernels for AArch64 with the dot-product extension (sdot): 4 rows per
// packed group, one row per 32-bit lane. Built with
// -march=armv8.2-a+dotprod -ffp-contract=off and only entered after isa.cpp's
// CPU check (HWCAP_ASIMDDP).
//
// sdot multiplies signed bytes, so every code is used signed and no bias
// correction is needed: 32-element codes go through a signed lookup table,
// Q6_K codes have their bias 32 subtracted, Q4_K/Q5_K codes (<= 31) are
// already valid signed bytes. Q6_K's quads span two 16-element sub-blocks
// with different scales, so their two halves are dotted separately.
#include "kernels/simd/neon.h"

#include "kernels/matmul/tiles.h"

namespace edgelm::kernels {
namespace {

struct Neon : simd::NeonFloat {
  static constexpr int kPass = 8;            // tokens per pass (32 vector registers)
  static constexpr int kQ8LanePass = 2;       // Q8_0 tokens per pass (8 float lanes each)
  static constexpr int super_block_pass(GgmlType) { return 2; }
  static constexpr bool kSummedSuperBlocks = false;   // K-quants lane-exact
  static constexpr bool kHalfSumsInFloat = false;     // F16/BF16 summed in double
  static constexpr int kRows = 4;
  using I = int32x4_t;
  struct DAcc {
    float64x2_t lo, hi;
  };
  static F f_from_i(I v) { return vcvtq_f32_s32(v); }
  static I i_zero() { return vdupq_n_s32(0); }
  static I i_add(I a, I b) { return vaddq_s32(a, b); }
  static int32_t i_hsum(I v) { return vaddvq_s32(v); }
  static I bcast32(const void* p) { return vdupq_n_s32(load_i32(p)); }
  static int8x16_t bytes(I v) { return vreinterpretq_s8_s32(v); }

  // ---- activation quantizers ----
  static F f_abs(F v) { return vabsq_f32(v); }
  // maxNum: a NaN x leaves acc.
  static F f_max_keep(F acc, F x) { return vmaxnmq_f32(acc, x); }
  static float f_hmax(F v) { return vmaxvq_f32(v); }
  static unsigned f_eq_mask(F v, float x) {
    const uint32x4_t bit = {1, 2, 4, 8};
    return vaddvq_u32(vandq_u32(vceqq_f32(v, vdupq_n_f32(x)), bit));
  }
  static bool f_any_nan(F v) { return vminvq_u32(vceqq_f32(v, v)) == 0; }
  static void store_i8(int8_t* p, I v) {
    const int16x4_t h = vmovn_s32(v);
    const int8x8_t b = vmovn_s16(vcombine_s16(h, h));
    vst1_lane_s32(reinterpret_cast<int32_t*>(p), vreinterpret_s32_s8(b), 0);
  }
  // roundf (half away from zero), clamped to [-128, 127] with NaN -> -128.
  static I q8_0_codes(F v) {
    const F r = vrndnq_f32(v);
    const F clamped = vminq_f32(vmaxnmq_f32(r, vdupq_n_f32(-128.0f)), vdupq_n_f32(127.0f));
    return vcvtq_s32_f32(clamped);
  }
  static I q8_k_codes(F v) {
    const int32x4_t bits = vreinterpretq_s32_f32(vaddq_f32(v, vdupq_n_f32(12582912.0f)));
    int32x4_t q = vsubq_s32(vandq_s32(bits, vdupq_n_s32(0x007fffff)), vdupq_n_s32(0x00400000));
    q = vminq_s32(q, vdupq_n_s32(127));
    return vshrq_n_s32(vshlq_n_s32(q, 24), 24);
  }
  static F f_round_f16(F v) { return vcvt_f32_f16(vcvt_f16_f32(v)); }
  static F f_round_bf16(F v) {
    const uint32x4_t x = vreinterpretq_u32_f32(v);
    const uint32x4_t lsb = vandq_u32(vshrq_n_u32(x, 16), vdupq_n_u32(1));
    const uint32x4_t r = vaddq_u32(vaddq_u32(x, vdupq_n_u32(0x7fff)), lsb);
    return vreinterpretq_f32_u32(vandq_u32(r, vdupq_n_u32(0xffff0000u)));
  }

  // ---- 32-element blocks: signed codes ----
  template <GgmlType kType>
  static void b32_decode(const uint8_t* codes, I out[8]) {
    if constexpr (kType == GgmlType::Q8_0) {
#pragma GCC unroll 16
      for (int v = 0; v < 8; ++v) out[v] = vreinterpretq_s32_u8(vld1q_u8(codes + 16 * v));
    } else {
      static constexpr NibbleTable kTable = nibble_values(kType, 0);
      const int8x16_t table = vld1q_s8(kTable.v);
#pragma GCC unroll 16
      for (int p = 0; p < 4; ++p) {
        const uint8x16_t raw = vld1q_u8(codes + 16 * p);
        out[p] = vreinterpretq_s32_s8(vqtbl1q_s8(table, vandq_u8(raw, vdupq_n_u8(0x0f))));
        out[p + 4] = vreinterpretq_s32_s8(vqtbl1q_s8(table, vshrq_n_u8(raw, 4)));
      }
    }
  }
  template <GgmlType>
  static I b32_dot(const I codes[8], const ActBlock32& a) {
    I acc = vdupq_n_s32(0);
#pragma GCC unroll 16
    for (int q = 0; q < 8; ++q) acc = vdotq_s32(acc, bytes(codes[q]), bytes(bcast32(a.qs + 4 * q)));
    return acc;
  }
  // Each row's exact sum over quad q (elements 4q..4q+3) of a Q8_0 block.
  static I b32_quad_dot(const I codes[8], const ActBlock32& a, int q) {
    return vdotq_s32(vdupq_n_s32(0), bytes(codes[q]), bytes(bcast32(a.qs + 4 * q)));
  }

  // ---- super-blocks ----
  // Q4_K/Q5_K: each row's sub-block scale; Q6_K: (sc[2j], sc[2j+1]) as the
  // low and high int16 of each lane.
  template <GgmlType kType>
  static I sb_scale(const uint8_t* scales, int j) {
    if constexpr (kType == GgmlType::Q6_K)
      return vreinterpretq_s32_s16(vmovl_s8(vld1_s8(reinterpret_cast<const int8_t*>(scales + 8 * j))));
    const uint8x8_t s = vreinterpret_u8_u32(vdup_n_u32(static_cast<uint32_t>(load_i32(scales + 4 * j))));
    return vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(vmovl_u8(s))));
  }
  template <int kShift>
  static uint8x16_t place_hi(uint8x16_t h) {
    if constexpr (kShift <= 4) return vshlq_n_u8(h, 4 - kShift);
    else return vshrq_n_u8(h, kShift - 4);
  }
  template <int kHiBits, int kShift0, int kShift1>
  static void sb_decode(const uint8_t* nib, const uint8_t* hi, I* u0, I* u1) {
    const uint8x16_t raw = vld1q_u8(nib);
    uint8x16_t lo = vandq_u8(raw, vdupq_n_u8(0x0f)), up = vshrq_n_u8(raw, 4);
    if constexpr (kHiBits > 0) {
      const uint8x16_t h = vld1q_u8(hi);
      const uint8x16_t mask = vdupq_n_u8(static_cast<uint8_t>(((1 << kHiBits) - 1) << 4));
      lo = vorrq_u8(lo, vandq_u8(place_hi<kShift0>(h), mask));
      up = vorrq_u8(up, vandq_u8(place_hi<kShift1>(h), mask));
    }
    *u0 = vreinterpretq_s32_u8(lo);
    *u1 = vreinterpretq_s32_u8(up);
  }
  template <GgmlType kType>
  static I sb_quad(I acc, I u, I scale, const ActSuperBlock& a, int c) {
    const int8x16_t av = bytes(bcast32(a.qs + 4 * c));
    if constexpr (kType == GgmlType::Q6_K) {
      const int8x16_t w = vsubq_s8(bytes(u), vdupq_n_s8(32));
      const int32x4_t first_half = vdupq_n_s32(0x0000ffff);   // bytes 0,1 of each quad: sub-block 2j
      const int32x4_t lo = vdotq_s32(vdupq_n_s32(0), vandq_s8(w, bytes(first_half)), av);
      const int32x4_t hi = vdotq_s32(vdupq_n_s32(0), vbicq_s8(w, bytes(first_half)), av);
      const int32x4_t sc_lo = vshrq_n_s32(vshlq_n_s32(scale, 16), 16), sc_hi = vshrq_n_s32(scale, 16);
      return vmlaq_s32(vmlaq_s32(acc, lo, sc_lo), hi, sc_hi);
    } else {
      return vmlaq_s32(acc, vdotq_s32(vdupq_n_s32(0), bytes(u), av), scale);
    }
  }
  static I sb_min_pairs(I acc, const uint8_t* mins, const int16_t* bsum_pair) {
    const int16x8_t m = vreinterpretq_s16_u16(vmovl_u8(vld1_u8(mins)));
    const int16x8_t b = vreinterpretq_s16_s32(bcast32(bsum_pair));
    const int32x4_t p0 = vmull_s16(vget_low_s16(m), vget_low_s16(b));
    const int32x4_t p1 = vmull_high_s16(m, b);
    return vaddq_s32(acc, vpaddq_s32(p0, p1));
  }

  // ---- F32 / F16 / BF16 ----
  template <GgmlType kType>
  static F fl_load(const uint8_t* p) {
    if constexpr (kType == GgmlType::F32) return vld1q_f32(reinterpret_cast<const float*>(p));
    const uint16x4_t h = vld1_u16(reinterpret_cast<const uint16_t*>(p));
    if constexpr (kType == GgmlType::F16) return vcvt_f32_f16(vreinterpret_f16_u16(h));
    else return vreinterpretq_f32_u32(vshll_n_u16(h, 16));
  }
  static DAcc d_zero() { return {vdupq_n_f64(0.0), vdupq_n_f64(0.0)}; }
  static DAcc d_add(DAcc acc, F prod) {
    return {vaddq_f64(acc.lo, vcvt_f64_f32(vget_low_f32(prod))), vaddq_f64(acc.hi, vcvt_high_f64_f32(prod))};
  }
  static F d_round(DAcc acc) { return vcvt_high_f32_f64(vcvt_f32_f64(acc.lo), acc.hi); }
};

constexpr IsaKernels kNeon = make_kernels<Neon>(Isa::Neon);

}  // namespace

const IsaKernels* neon_kernels() { return &kNeon; }

}  // namespace edgelm::kernels
