// Sets of bytes and of Unicode code points, the alphabet of grammars.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace edgelm::grammar {

// A set of byte values (256 bits).
class ByteSet {
 public:
  void add(uint8_t b) { bits_[b >> 6] |= uint64_t{1} << (b & 63); }
  void add_range(uint8_t lo, uint8_t hi) {
    for (int b = lo; b <= hi; ++b) add(static_cast<uint8_t>(b));
  }
  bool has(uint8_t b) const { return (bits_[b >> 6] >> (b & 63)) & 1; }
  bool empty() const { return (bits_[0] | bits_[1] | bits_[2] | bits_[3]) == 0; }
  bool operator==(const ByteSet& o) const = default;
  bool operator<(const ByteSet& o) const {
    for (int i = 0; i < 4; ++i)
      if (bits_[i] != o.bits_[i]) return bits_[i] < o.bits_[i];
    return false;
  }
  // "[a-z0-9]" style, for grammar listings and error messages.
  std::string to_string() const;
  const uint64_t* words() const { return bits_; }

 private:
  uint64_t bits_[4] = {0, 0, 0, 0};
};

// A set of Unicode scalar values kept as sorted, disjoint, non-adjacent
// inclusive ranges. Surrogates (U+D800..U+DFFF) are never members: they have
// no UTF-8 encoding.
class CodepointSet {
 public:
  static constexpr uint32_t kMaxCodepoint = 0x10FFFF;
  using Range = std::pair<uint32_t, uint32_t>;

  CodepointSet() = default;
  static CodepointSet single(uint32_t cp);
  static CodepointSet range(uint32_t lo, uint32_t hi);
  static CodepointSet all();

  void add(uint32_t lo, uint32_t hi);
  void add(uint32_t cp) { add(cp, cp); }
  void add(const CodepointSet& other);
  CodepointSet complement() const;
  CodepointSet minus(const CodepointSet& other) const;
  bool contains(uint32_t cp) const;
  bool empty() const { return ranges_.empty(); }
  const std::vector<Range>& ranges() const { return ranges_; }
  bool operator==(const CodepointSet& o) const = default;
  bool operator<(const CodepointSet& o) const { return ranges_ < o.ranges_; }

 private:
  std::vector<Range> ranges_;
};

// One way of spelling some code points in UTF-8: a byte set per position.
using Utf8Sequence = std::vector<ByteSet>;

// The byte sequences that spell exactly the members of `set` in UTF-8
// (shortest form only). Sequences of length 1 are merged into one.
std::vector<Utf8Sequence> utf8_sequences(const CodepointSet& set);

// Appends the UTF-8 encoding of a scalar value.
void append_utf8(std::string& out, uint32_t cp);

// Decodes one UTF-8 scalar value at text[pos], advancing pos. Returns false
// (and leaves pos) for an invalid or truncated sequence.
bool decode_utf8(const std::string& text, size_t& pos, uint32_t& cp);

// Value of a hexadecimal digit, or -1 (shared by the GBNF and regex parsers).
inline int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace edgelm::grammar
