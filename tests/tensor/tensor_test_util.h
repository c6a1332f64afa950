// Helpers shared by the tensor tests: a deterministic, platform-independent
// source of test floats, hex/hash utilities, and decoders of the two activation
// formats that dequantize_row() deliberately does not accept.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "tensor/quant_blocks.h"
#include "tensor/types.h"

namespace edgelm::test {

// splitmix64; floats are built from integers only, so every platform and
// compiler produces the same bits.
class TestRng {
 public:
  explicit TestRng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [-1, 1), a multiple of 2^-23 (exact in float).
  float uniform() { return static_cast<float>(static_cast<int32_t>(next() >> 40) - (1 << 23)) / (1 << 23); }
  // Roughly normal with unit variance: the sum of three uniforms (exact).
  float gaussian() { return uniform() + uniform() + uniform(); }

 private:
  uint64_t state_;
};

// A row with the shapes real weights and activations have, one pattern per
// 32-element block (never an all-zero block): plain noise, noise with an
// outlier, all positive, small integers, and a mostly flat block. Each
// 256-element super-block has its own power-of-two scale.
inline std::vector<float> make_test_row(uint64_t seed, int64_t n) {
  TestRng rng(seed);
  std::vector<float> x(static_cast<size_t>(n));
  for (int64_t b = 0; b < n / 32; ++b) {
    const float scale = static_cast<float>(1 << ((b / 8) % 8)) / 64.0f;   // 2^-6 .. 2^1
    for (int k = 0; k < 32; ++k) {
      float v = rng.gaussian();
      switch ((b + static_cast<int64_t>(seed)) % 5) {
        case 1: if (k == static_cast<int>(rng.next() % 32)) v *= 8; break;
        case 2: v = (v < 0 ? -v : v) + 0.25f; break;
        case 3: v = static_cast<float>(static_cast<int>(v * 3)); if (k == 0) v = 5; break;
        case 4: v = 1.0f + v / 64; break;
        default: break;
      }
      x[static_cast<size_t>(32 * b + k)] = v * scale;
    }
  }
  return x;
}

inline std::vector<uint8_t> from_hex(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

inline uint64_t fnv1a64(const std::vector<uint8_t>& bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (uint8_t b : bytes) h = (h ^ b) * 0x100000001b3ull;
  return h;
}

inline uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// Quantize a row to a freshly sized byte buffer.
inline std::vector<uint8_t> quantize(GgmlType type, const std::vector<float>& x) {
  std::vector<uint8_t> out(row_bytes(type, static_cast<int64_t>(x.size())));
  quantize_row(type, x.data(), out.data(), static_cast<int64_t>(x.size()));
  return out;
}

// Decode any weight or activation row, including Q8_1 and Q8_K.
inline std::vector<float> decode_any(GgmlType type, const void* row, int64_t n) {
  std::vector<float> y(static_cast<size_t>(n));
  if (type == GgmlType::Q8_1) {
    for (int64_t i = 0; i < n / kQK; ++i) {
      const auto b = load_block<BlockQ8_1>(row, i);
      for (int k = 0; k < kQK; ++k) y[static_cast<size_t>(kQK * i + k)] = b.qs[k] * fp16_to_fp32(b.d);
    }
  } else if (type == GgmlType::Q8_K) {
    for (int64_t i = 0; i < n / kQK_K; ++i) {
      const auto b = load_block<BlockQ8_K>(row, i);
      for (int k = 0; k < kQK_K; ++k) y[static_cast<size_t>(kQK_K * i + k)] = b.qs[k] * b.d;
    }
  } else {
    dequantize_row(type, row, y.data(), n);
  }
  return y;
}

// Every weight type with a decoder and a dot product.
inline const std::vector<GgmlType>& weight_types() {
  static const std::vector<GgmlType> types = {
      GgmlType::F32,  GgmlType::F16,  GgmlType::BF16,  GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0,
      GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::Q2_K,  GgmlType::Q3_K, GgmlType::Q4_K, GgmlType::Q5_K,
      GgmlType::Q6_K, GgmlType::IQ4_NL, GgmlType::IQ4_XS, GgmlType::MXFP4};
  return types;
}

inline std::string name_of(GgmlType t) { return type_name(static_cast<uint32_t>(t)); }

}  // namespace edgelm::test
