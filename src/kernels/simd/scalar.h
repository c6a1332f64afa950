// The portable float vocabulary: one float per "vector". The attention loops
// instantiated with it (attention/attention_scalar.cpp) are the reference the
// SIMD ones are tested against: dot products summed in dimension order.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#include "tensor/types.h"

namespace edgelm::kernels::simd {
namespace {

struct ScalarFloat {
  static constexpr int kW = 1;
  using F = float;
  static F zero() { return 0.0f; }
  static F set1(float v) { return v; }
  static F load(const float* p) { return *p; }
  static void store(float* p, F v) { *p = v; }
  static F add(F a, F b) { return a + b; }
  static F sub(F a, F b) { return a - b; }
  static F mul(F a, F b) { return a * b; }
  static F max(F a, F b) { return a > b ? a : b; }
  static F fma(F a, F b, F c) { return a * b + c; }
  static float hsum(F v) { return v; }
  static F load_f16(const uint8_t* p) {
    uint16_t h;
    std::memcpy(&h, p, 2);
    return fp16_to_fp32(h);
  }
  static float half(const uint8_t* p) { return load_f16(p); }
  static F round(F v) { return std::nearbyint(v); }
};

}  // namespace
}  // namespace edgelm::kernels::simd
