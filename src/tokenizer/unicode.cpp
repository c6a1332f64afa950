#include "tokenizer/unicode.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>

#include <array>

#include "edgelm/error.h"

namespace edgelm::tok {

uint32_t utf8_next(std::string_view s, size_t& i) {
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  const uint8_t lead = byte(i);
  if (lead < 0x80) {
    ++i;
    return lead;
  }
  size_t len = 0;
  uint32_t cp = 0, min_cp = 0;
  if (lead >= 0xC2 && lead < 0xE0) {
    len = 2; cp = lead & 0x1F; min_cp = 0x80;
  } else if (lead >= 0xE0 && lead < 0xF0) {
    len = 3; cp = lead & 0x0F; min_cp = 0x800;
  } else if (lead >= 0xF0 && lead < 0xF5) {
    len = 4; cp = lead & 0x07; min_cp = 0x10000;
  }
  if (len == 0 || i + len > s.size()) {
    ++i;
    return kReplacementChar;
  }
  for (size_t k = 1; k < len; ++k) {
    const uint8_t c = byte(i + k);
    if ((c & 0xC0) != 0x80) {
      ++i;
      return kReplacementChar;
    }
    cp = (cp << 6) | (c & 0x3F);
  }
  if (cp < min_cp || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    ++i;
    return kReplacementChar;
  }
  i += len;
  return cp;
}

void utf8_append(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string utf8_sanitize(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const size_t start = i;
    const uint32_t cp = utf8_next(s, i);
    // A genuine U+FFFD in the input is 3 bytes long; a replaced error is 1.
    if (cp == kReplacementChar && i - start == 1) {
      utf8_append(out, cp);
    } else {
      out.append(s.substr(start, i - start));
    }
  }
  return out;
}

size_t utf8_incomplete_tail(std::string_view s) {
  // Look back at most 3 bytes for a lead byte whose sequence is cut short.
  for (size_t back = 1; back <= 3 && back <= s.size(); ++back) {
    const uint8_t c = static_cast<uint8_t>(s[s.size() - back]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte: keep looking
    if (c < 0xC2 || c > 0xF4) return 0;  // ASCII or never-valid lead
    return utf8_lead_len(c) > back ? back : 0;
  }
  return 0;
}

namespace {

uint8_t classify_with_icu(uint32_t cp) {
  uint8_t cls = 0;
  switch (u_charType(static_cast<UChar32>(cp))) {
    case U_UPPERCASE_LETTER: case U_LOWERCASE_LETTER: case U_TITLECASE_LETTER:
    case U_MODIFIER_LETTER: case U_OTHER_LETTER:
      cls = kLetter; break;
    case U_DECIMAL_DIGIT_NUMBER: case U_LETTER_NUMBER: case U_OTHER_NUMBER:
      cls = kNumber; break;
    case U_NON_SPACING_MARK: case U_ENCLOSING_MARK: case U_COMBINING_SPACING_MARK:
      cls = kMark; break;
    case U_DASH_PUNCTUATION: case U_START_PUNCTUATION: case U_END_PUNCTUATION:
    case U_CONNECTOR_PUNCTUATION: case U_OTHER_PUNCTUATION:
    case U_INITIAL_PUNCTUATION: case U_FINAL_PUNCTUATION:
      cls = kPunct; break;
    case U_MATH_SYMBOL: case U_CURRENCY_SYMBOL: case U_MODIFIER_SYMBOL: case U_OTHER_SYMBOL:
      cls = kSymbol; break;
    default: break;
  }
  if (u_isUWhiteSpace(static_cast<UChar32>(cp))) cls |= kWhitespace;
  return cls;
}

// The Basic Multilingual Plane covers nearly all text; classify it once.
const std::array<uint8_t, 0x10000>& bmp_classes() {
  static const auto table = [] {
    std::array<uint8_t, 0x10000> t{};
    for (uint32_t cp = 0; cp < t.size(); ++cp) t[cp] = classify_with_icu(cp);
    return t;
  }();
  return table;
}

struct ByteTable {
  std::array<uint32_t, 256> to_cp{};
  std::array<int16_t, 0x144> from_cp{};  // every stand-in is below U+0144
};

const ByteTable& byte_table() {
  static const ByteTable table = [] {
    ByteTable t;
    t.from_cp.fill(-1);
    // Printable Latin-1 bytes stand for themselves; the other 68 bytes take
    // U+0100, U+0101, ... in increasing byte order.
    uint32_t next = 0x100;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      t.to_cp[b] = printable ? static_cast<uint32_t>(b) : next++;
      t.from_cp[t.to_cp[b]] = static_cast<int16_t>(b);
    }
    return t;
  }();
  return table;
}

}  // namespace

uint8_t char_class(uint32_t cp) {
  if (cp < 0x10000) return bmp_classes()[cp];
  return classify_with_icu(cp);
}

std::string nfc(std::string_view utf8) {
  bool ascii = true;
  for (char c : utf8) ascii &= static_cast<uint8_t>(c) < 0x80;
  if (ascii) return std::string(utf8);  // ASCII text is always in NFC
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* norm = icu::Normalizer2::getNFCInstance(status);
  std::string out;
  icu::StringByteSink<std::string> sink(&out, static_cast<int32_t>(utf8.size()));
  if (U_SUCCESS(status)) {
    norm->normalizeUTF8(0, icu::StringPiece(utf8.data(), static_cast<int32_t>(utf8.size())), sink,
                        nullptr, status);
  }
  if (U_FAILURE(status)) throw Error(std::string("NFC normalization failed: ") + u_errorName(status));
  return out;
}

uint32_t byte_to_codepoint(uint8_t b) { return byte_table().to_cp[b]; }

int byte_from_codepoint(uint32_t cp) {
  const auto& t = byte_table();
  return cp < t.from_cp.size() ? t.from_cp[cp] : -1;
}

std::string byte_level_encode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) utf8_append(out, byte_to_codepoint(static_cast<uint8_t>(c)));
  return out;
}

Codepoints to_codepoints(std::string_view utf8) {
  Codepoints r;
  r.cps.reserve(utf8.size());
  r.offsets.reserve(utf8.size() + 1);
  size_t i = 0;
  while (i < utf8.size()) {
    r.offsets.push_back(static_cast<uint32_t>(i));
    r.cps.push_back(utf8_next(utf8, i));
  }
  r.offsets.push_back(static_cast<uint32_t>(utf8.size()));
  return r;
}

}  // namespace edgelm::tok
