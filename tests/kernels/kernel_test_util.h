// Shared helpers of the kernel tests: a deterministic float source, the kernel
// sets this CPU can run, and a scope that forces one of them.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "../tensor/tensor_test_util.h"
#include "kernels/matmul/isa.h"

namespace edgelm::test {

// The tensor tests' deterministic float source (splitmix64, platform-independent).
using Rng = TestRng;

// Activation-like floats with the awkward cases the quantizers must get
// right: all-zero 256-blocks, ties for the largest magnitude with opposite
// signs, exact .5 quotients, huge and tiny scales.
inline std::vector<float> make_activations(uint64_t seed, int64_t n) {
  Rng rng(seed);
  std::vector<float> x(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t block = i / 32;
    const float scale = static_cast<float>(1 << (block % 7)) / 8.0f;
    float v = rng.gaussian() * scale;
    switch (block % 6) {
      case 1: v = static_cast<float>(static_cast<int>(v * 4)) / 2; break;   // many exact halves and ties
      case 2: if (i % 32 == 5) v = 1e4f; else if (i % 32 == 9) v = -1e4f; break;
      case 3: v *= 1e-30f; break;
      default: break;
    }
    x[static_cast<size_t>(i)] = v;
  }
  if (n >= 512)
    for (int64_t i = 256; i < 512; ++i) x[static_cast<size_t>(i)] = 0.0f;   // a zero super-block
  return x;
}

inline uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// The SIMD kernel sets this CPU supports.
inline std::vector<kernels::Isa> simd_isas() {
  std::vector<kernels::Isa> out;
  for (kernels::Isa isa : {kernels::Isa::Avx2, kernels::Isa::Avx512, kernels::Isa::Neon})
    if (kernels::isa_available(isa)) out.push_back(isa);
  return out;
}

class ForceIsa {
 public:
  explicit ForceIsa(kernels::Isa isa) : saved_(kernels::active_isa()) { kernels::set_active_isa(isa); }
  ~ForceIsa() { kernels::set_active_isa(saved_); }
  ForceIsa(const ForceIsa&) = delete;
  ForceIsa& operator=(const ForceIsa&) = delete;

 private:
  kernels::Isa saved_;
};

}  // namespace edgelm::test
