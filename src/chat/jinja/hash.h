// Hashing of keys that a template controls (dict keys, variable names).
//
// A template can build as many keys as it likes; with a fixed, public hash it
// could also pick keys that all land in one bucket and turn every lookup into a
// linear scan. Seeding the hash per process makes such collisions unknowable
// in advance, so lookups stay O(1) expected.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace edgelm::jinja {

uint64_t hash_bytes(std::string_view bytes, uint64_t h = 0);
uint64_t hash_word(uint64_t word, uint64_t h = 0);

struct KeyedHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return hash_bytes(s); }
};

}  // namespace edgelm::jinja
