// UTF-8 helpers, Unicode character classes (from ICU), NFC, and the GPT-2
// byte <-> code point table used by byte-level BPE vocabularies.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace edgelm::tok {

constexpr uint32_t kReplacementChar = 0xFFFD;

// Length of the UTF-8 sequence announced by a lead byte (1 for ASCII and for
// stray continuation bytes).
inline size_t utf8_lead_len(uint8_t lead) {
  if (lead < 0xC0) return 1;
  if (lead < 0xE0) return 2;
  if (lead < 0xF0) return 3;
  return 4;
}

// Decodes the code point at s[i] and advances i. An invalid, overlong,
// surrogate or truncated sequence yields U+FFFD and consumes one byte.
uint32_t utf8_next(std::string_view s, size_t& i);

void utf8_append(std::string& out, uint32_t cp);

// Replaces every invalid sequence by U+FFFD (returns the input unchanged if valid).
std::string utf8_sanitize(std::string_view s);

// Number of bytes at the end of `s` that start a valid UTF-8 sequence whose
// remaining bytes have not arrived yet (0..3).
size_t utf8_incomplete_tail(std::string_view s);

// Character classes used by the pre-tokenizers (Unicode general categories
// and the White_Space property, as ICU reports them).
enum CharClass : uint8_t {
  kLetter = 1 << 0,      // L*
  kNumber = 1 << 1,      // N*
  kMark = 1 << 2,        // M*
  kPunct = 1 << 3,       // P*
  kSymbol = 1 << 4,      // S*
  kWhitespace = 1 << 5,  // White_Space
};
uint8_t char_class(uint32_t cp);

// Canonical composition (NFC), as the Hugging Face "NFC" normalizer does.
std::string nfc(std::string_view utf8);

// GPT-2 byte-level table: every byte has a printable stand-in code point.
uint32_t byte_to_codepoint(uint8_t b);
int byte_from_codepoint(uint32_t cp);  // -1 if cp stands for no byte
// Maps every byte of `bytes` to its stand-in and returns the UTF-8 result.
std::string byte_level_encode(std::string_view bytes);

// A text split into code points, with the byte offset where each one starts
// (offsets has one extra entry: the total length).
struct Codepoints {
  std::vector<uint32_t> cps;
  std::vector<uint32_t> offsets;
};
Codepoints to_codepoints(std::string_view utf8);

}  // namespace edgelm::tok
