#include "eval/bfcl/py_text.h"

#include <array>
#include <optional>

#include "tokenizer/unicode.h"

namespace edgelm::eval::bfcl::py {

// tok::utf8_sanitize copies well-formed sequences and turns each malformed
// byte into U+FFFD, which is the reading this file promises.
bool valid_utf8(std::string_view text) { return tok::utf8_sanitize(text) == text; }

std::u32string code_points(std::string_view text) { return pystr::decode(tok::utf8_sanitize(text)); }

std::string lower(std::string_view text) { return pystr::lower(tok::utf8_sanitize(text)); }

std::string strip(std::string_view text) { return pystr::strip(tok::utf8_sanitize(text), std::nullopt, true, true); }

// Stripping ASCII characters never splits a sequence, so malformed bytes stay as they are.
std::string strip_chars(std::string_view text, std::string_view chars) {
  return pystr::strip(text, std::string(chars), true, true);
}

bool is_identifier_char(char32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') || cp == '_';
  if (cp <= 0xBF) return cp == 0xAA || cp == 0xB5 || cp == 0xB7 || cp == 0xBA;
  if (cp == 0xD7 || cp == 0xF7) return false;
  struct Range {
    char32_t first, last;
  };
  // Punctuation, symbols, spaces, private use and emoji.
  static constexpr std::array<Range, 16> kExcluded = {{{0x2000, 0x206F},
                                                       {0x20A0, 0x20CF},
                                                       {0x2190, 0x2BFF},
                                                       {0x2E00, 0x2E7F},
                                                       {0x3000, 0x3004},
                                                       {0x3008, 0x3020},
                                                       {0xD800, 0xF8FF},
                                                       {0xFE10, 0xFE1F},
                                                       {0xFE30, 0xFE6F},
                                                       {0xFEFF, 0xFEFF},
                                                       {0xFF00, 0xFF0F},
                                                       {0xFF1A, 0xFF20},
                                                       {0xFF3B, 0xFF3E},
                                                       {0xFF40, 0xFF40},
                                                       {0xFF5B, 0xFF65},
                                                       {0xFFF0, 0xFFFF}}};
  for (const Range& r : kExcluded)
    if (cp >= r.first && cp <= r.last) return false;
  if (cp >= 0x1F000 && cp <= 0x1FAFF) return false;
  return !pystr::is_space(cp) && cp < 0xF0000;
}

}  // namespace edgelm::eval::bfcl::py
