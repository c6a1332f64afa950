#include "eval/ifeval/pytext.h"

#include <unicode/uchar.h>

#include "tokenizer/unicode.h"

namespace edgelm::eval::ifeval::py {

namespace {

bool is_ascii_in(char32_t c, std::string_view chars) {
  return c < 0x80 && chars.find(static_cast<char>(c)) != std::string_view::npos;
}

// Byte offset just past the leading code points that satisfy `pred`.
template <class Pred>
size_t skip_front(std::string_view s, Pred pred) {
  size_t i = 0;
  while (i < s.size()) {
    size_t next = i;
    if (!pred(tok::utf8_next(s, next))) break;
    i = next;
  }
  return i;
}

// Byte offset of the end of `s` once trailing code points that satisfy
// `pred` are removed.
template <class Pred>
size_t skip_back(std::string_view s, Pred pred) {
  size_t end = s.size();
  while (end > 0) {
    size_t start = end - 1;
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    size_t probe = start;
    if (!pred(tok::utf8_next(s, probe))) break;
    end = start;
  }
  return end;
}

}  // namespace

std::string_view lstrip(std::string_view s) { return s.substr(skip_front(s, is_space)); }
std::string_view rstrip(std::string_view s) { return s.substr(0, skip_back(s, is_space)); }
std::string_view strip(std::string_view s) { return lstrip(rstrip(s)); }

std::string_view lstrip_ascii(std::string_view s, std::string_view chars) {
  return s.substr(skip_front(s, [&](char32_t c) { return is_ascii_in(c, chars); }));
}
std::string_view rstrip_ascii(std::string_view s, std::string_view chars) {
  return s.substr(0, skip_back(s, [&](char32_t c) { return is_ascii_in(c, chars); }));
}
std::string_view strip_ascii(std::string_view s, std::string_view chars) {
  return lstrip_ascii(rstrip_ascii(s, chars), chars);
}

std::vector<std::string_view> split_whitespace(std::string_view s) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < s.size()) {
    i += skip_front(s.substr(i), is_space);
    if (i >= s.size()) break;
    const size_t len = skip_front(s.substr(i), [](char32_t c) { return !is_space(c); });
    words.push_back(s.substr(i, len));
    i += len;
  }
  return words;
}

std::vector<std::string_view> split(std::string_view s, std::string_view sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t at = s.find(sep); !sep.empty() && at != std::string_view::npos; at = s.find(sep, start)) {
    parts.push_back(s.substr(start, at - start));
    start = at + sep.size();
  }
  parts.push_back(s.substr(start));
  return parts;
}

bool is_upper_char(char32_t c) { return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_UPPERCASE); }
bool is_lower_char(char32_t c) { return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_LOWERCASE); }
bool is_title_char(char32_t c) { return u_charType(static_cast<UChar32>(c)) == U_TITLECASE_LETTER; }

size_t count_code_point(std::string_view s, char32_t c) {
  size_t n = 0;
  for (size_t i = 0; i < s.size();)
    if (tok::utf8_next(s, i) == c) ++n;
  return n;
}

}  // namespace edgelm::eval::ifeval::py
