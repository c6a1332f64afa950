// Seeded hashing for template-controlled keys (see hash.h).
#include "chat/jinja/hash.h"

#include <cstring>
#include <random>

namespace edgelm::jinja {

namespace {

uint64_t process_seed() {
  static const uint64_t seed = [] {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) ^ rd() ^ 0x9e3779b97f4a7c15ull;
  }();
  return seed;
}

// A 64-bit finalizer (xor-shift / multiply rounds): every input bit affects
// every output bit.
uint64_t mix(uint64_t x) {
  x ^= x >> 31;
  x *= 0x7fb5d329728ea185ull;
  x ^= x >> 27;
  x *= 0x81dadef4bc2dd44dull;
  x ^= x >> 33;
  return x;
}

}  // namespace

uint64_t hash_word(uint64_t word, uint64_t h) { return mix(h ^ mix(word ^ process_seed())); }

uint64_t hash_bytes(std::string_view bytes, uint64_t h) {
  h = hash_word(bytes.size(), h);
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, bytes.data() + i, 8);
    h = hash_word(w, h);
  }
  if (i < bytes.size()) {
    uint64_t w = 0;
    std::memcpy(&w, bytes.data() + i, bytes.size() - i);
    h = hash_word(w, h);
  }
  return h;
}

}  // namespace edgelm::jinja
