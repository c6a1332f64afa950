// The generator of Python's `random` module (MT19937 with Python's integer
// seeding, random(), gauss() and the rejection sampling behind choice()),
// bit for bit, so that a seeded draw here equals random.Random(seed) there.
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <optional>
#include <vector>

namespace edgelm::eval::ifeval::py {

class PyRandom {
 public:
  explicit PyRandom(uint64_t seed) { this->seed(seed); }

  // random.seed(n) for a non-negative integer n < 2**64.
  void seed(uint64_t n) {
    std::vector<uint32_t> key{static_cast<uint32_t>(n)};
    if (n >> 32) key.push_back(static_cast<uint32_t>(n >> 32));
    init_by_array(key);
    gauss_next_.reset();
  }

  uint32_t next_u32() {
    if (index_ >= kN) twist();
    uint32_t y = state_[index_++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
  }

  // random.random(): 53 random bits in [0, 1).
  double random() {
    const uint32_t a = next_u32() >> 5, b = next_u32() >> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
  }

  // random.gauss(mu, sigma): Box-Muller, keeping the second value for the next call.
  double gauss(double mu, double sigma) {
    std::optional<double> z = gauss_next_;
    gauss_next_.reset();
    if (!z) {
      const double x2pi = random() * (2.0 * std::numbers::pi);
      const double g2rad = std::sqrt(-2.0 * std::log(1.0 - random()));
      z = std::cos(x2pi) * g2rad;
      gauss_next_ = std::sin(x2pi) * g2rad;
    }
    return mu + *z * sigma;
  }

  // random._randbelow(n) for 0 < n < 2**32 (what choice() indexes with).
  uint32_t below(uint32_t n) {
    int bits = 0;
    while (bits < 32 && (uint64_t{1} << bits) <= n) ++bits;  // n.bit_length()
    uint32_t r = next_u32() >> (32 - bits);
    while (r >= n) r = next_u32() >> (32 - bits);
    return r;
  }

 private:
  static constexpr size_t kN = 624, kM = 397;

  void init_genrand(uint32_t s) {
    state_[0] = s;
    for (size_t i = 1; i < kN; ++i)
      state_[i] = 1812433253u * (state_[i - 1] ^ (state_[i - 1] >> 30)) + static_cast<uint32_t>(i);
    index_ = kN;
  }

  void init_by_array(const std::vector<uint32_t>& key) {
    init_genrand(19650218u);
    size_t i = 1, j = 0;
    for (size_t k = std::max(kN, key.size()); k; --k) {
      state_[i] = (state_[i] ^ ((state_[i - 1] ^ (state_[i - 1] >> 30)) * 1664525u)) + key[j] + static_cast<uint32_t>(j);
      ++i;
      ++j;
      if (i >= kN) {
        state_[0] = state_[kN - 1];
        i = 1;
      }
      if (j >= key.size()) j = 0;
    }
    for (size_t k = kN - 1; k; --k) {
      state_[i] = (state_[i] ^ ((state_[i - 1] ^ (state_[i - 1] >> 30)) * 1566083941u)) - static_cast<uint32_t>(i);
      ++i;
      if (i >= kN) {
        state_[0] = state_[kN - 1];
        i = 1;
      }
    }
    state_[0] = 0x80000000u;
  }

  void twist() {
    for (size_t i = 0; i < kN; ++i) {
      const uint32_t y = (state_[i] & 0x80000000u) | (state_[(i + 1) % kN] & 0x7fffffffu);
      state_[i] = state_[(i + kM) % kN] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
    }
    index_ = 0;
  }

  std::array<uint32_t, kN> state_{};
  size_t index_ = kN;
  std::optional<double> gauss_next_;
};

}  // namespace edgelm::eval::ifeval::py
