// Python str semantics on UTF-8 (see pystr.h).
#include "chat/jinja/pystr.h"

#include "chat/jinja/error.h"

#include <unicode/uchar.h>
#include <unicode/ustring.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <cstring>

namespace edgelm::jinja::pystr {

// ---- UTF-8 <-> code points -------------------------------------------------

std::u32string decode(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      out.push_back(b0);
      i++;
      continue;
    }
    int len = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC0 ? 2 : 0;
    char32_t cp = len == 4 ? (b0 & 0x07) : len == 3 ? (b0 & 0x0F) : (b0 & 0x1F);
    bool ok = len > 0 && b0 < 0xF5 && i + len <= s.size();
    for (int k = 1; ok && k < len; k++) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      ok = (b & 0xC0) == 0x80;
      cp = (cp << 6) | (b & 0x3F);
    }
    // Reject overlong forms, surrogates and out-of-range values like Python does.
    if (ok) {
      const char32_t min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
      ok = cp >= min_for_len[len] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    }
    if (ok) {
      out.push_back(cp);
      i += len;
    } else {
      out.push_back(0xDC00 + b0);  // surrogateescape: keeps the raw byte
      i++;
    }
  }
  return out;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp >= 0xDC80 && cp <= 0xDCFF) {
    out.push_back(static_cast<char>(cp - 0xDC00));  // an escaped raw byte
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string encode(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t cp : s) append_utf8(out, cp);
  return out;
}

bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

size_t length(std::string_view s) { return is_ascii(s) ? s.size() : decode(s).size(); }

bool is_space(char32_t c) {
  if (c < 0x80) return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20);
  return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

// ---- substring search --------------------------------------------------------

Pattern::Pattern(std::string_view pattern, bool reverse) : pat_(pattern) {
  if (reverse) std::reverse(pat_.begin(), pat_.end());
  if (pat_.size() < 2) return;  // single bytes are found with memchr
  border_.assign(pat_.size(), 0);
  size_t k = 0;
  for (size_t i = 1; i < pat_.size(); i++) {
    while (k > 0 && pat_[i] != pat_[k]) k = border_[k - 1];
    if (pat_[i] == pat_[k]) k++;
    border_[i] = static_cast<uint32_t>(k);
  }
}

size_t Pattern::find(std::string_view text, size_t from) const {
  const size_t m = pat_.size(), n = text.size();
  if (from > n) return npos;
  if (m == 0) return from;
  if (m == 1) return text.find(pat_[0], from);
  size_t k = 0;  // length of the pattern prefix matched so far
  for (size_t i = from; i < n; i++) {
    if (k == 0) {  // skip ahead to the next possible start
      i = text.find(pat_[0], i);
      if (i == npos) return npos;
    }
    while (k > 0 && text[i] != pat_[k]) k = border_[k - 1];
    if (text[i] == pat_[k] && ++k == m) return i + 1 - m;
  }
  return npos;
}

size_t Pattern::rfind(std::string_view text, size_t end) const {
  // The forward search run over the text read backwards from `end`, with the
  // pattern reversed by the constructor.
  const size_t m = pat_.size();
  end = std::min(end, text.size());
  if (m == 0) return end;
  if (m == 1) return end == 0 ? npos : text.rfind(pat_[0], end - 1);
  size_t k = 0;
  for (size_t i = 0; i < end; i++) {
    const char c = text[end - 1 - i];
    while (k > 0 && c != pat_[k]) k = border_[k - 1];
    if (c == pat_[k] && ++k == m) return end - 1 - i;
  }
  return npos;
}

// ---- strip / split ---------------------------------------------------------

std::string strip(std::string_view s, const std::optional<std::string>& chars, bool left, bool right) {
  const std::u32string cps = decode(s);
  std::u32string set = chars ? decode(*chars) : std::u32string();
  std::sort(set.begin(), set.end());  // binary search keeps this O(n log m), not O(n*m)
  auto strippable = [&](char32_t c) { return chars ? std::binary_search(set.begin(), set.end(), c) : is_space(c); };
  size_t b = 0, e = cps.size();
  if (left)
    while (b < e && strippable(cps[b])) b++;
  if (right)
    while (e > b && strippable(cps[e - 1])) e--;
  return encode(std::u32string_view(cps).substr(b, e - b));
}

namespace {

void check_pieces(size_t pieces, size_t max_pieces) {
  if (pieces > max_pieces)
    throw Error(ErrorKind::LimitError, "splitting would build more than " + std::to_string(max_pieces) + " pieces");
}

// Whitespace split over code points; `from_right` gives rsplit's behaviour.
std::vector<std::string> split_whitespace(std::string_view s, int64_t maxsplit, bool from_right, size_t max_pieces) {
  std::u32string cps = decode(s);
  if (from_right) std::reverse(cps.begin(), cps.end());
  std::vector<std::u32string> parts;
  size_t i = 0;
  const size_t n = cps.size();
  while (i < n) {
    while (i < n && is_space(cps[i])) i++;
    if (i == n) break;
    check_pieces(parts.size() + 1, max_pieces);
    if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit) {
      // The remainder is kept whole, trailing whitespace included.
      parts.push_back(cps.substr(i));
      break;
    }
    size_t j = i;
    while (j < n && !is_space(cps[j])) j++;
    parts.push_back(cps.substr(i, j - i));
    i = j;
  }
  std::vector<std::string> out;
  for (auto& p : parts) {
    if (from_right) std::reverse(p.begin(), p.end());
    out.push_back(encode(p));
  }
  if (from_right) std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<std::string> split(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit,
                               size_t max_pieces) {
  if (!sep) return split_whitespace(s, maxsplit, false, max_pieces);
  const Pattern pat(*sep);
  std::vector<std::string> out;
  size_t start = 0;
  while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
    const size_t hit = pat.find(s, start);
    if (hit == Pattern::npos) break;
    check_pieces(out.size() + 2, max_pieces);
    out.emplace_back(s.substr(start, hit - start));
    start = hit + sep->size();
  }
  out.emplace_back(s.substr(start));
  return out;
}

std::vector<std::string> rsplit(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit,
                                size_t max_pieces) {
  if (!sep) return split_whitespace(s, maxsplit, true, max_pieces);
  const Pattern pat(*sep, true);
  std::vector<std::string> out;
  size_t end = s.size();
  while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
    const size_t hit = pat.rfind(s, end);
    if (hit == Pattern::npos) break;
    check_pieces(out.size() + 2, max_pieces);
    out.emplace_back(s.substr(hit + sep->size(), end - hit - sep->size()));
    end = hit;
  }
  out.emplace_back(s.substr(0, end));
  std::reverse(out.begin(), out.end());
  return out;
}

size_t find_line_break(std::string_view s, size_t from, size_t* next) {
  for (size_t i = from; i < s.size(); i++) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\r') {
      *next = i + 1 < s.size() && s[i + 1] == '\n' ? i + 2 : i + 1;
      return i;
    }
    if (c == '\n' || c == 0x0B || c == 0x0C || (c >= 0x1C && c <= 0x1E)) {
      *next = i + 1;
      return i;
    }
    // U+0085 (C2 85), U+2028 and U+2029 (E2 80 A8/A9). Lead bytes never occur
    // inside another character, so a byte match is a code point match.
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x85) {
      *next = i + 2;
      return i;
    }
    if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) == 0xA8 || static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
      *next = i + 3;
      return i;
    }
  }
  *next = s.size();
  return s.size();
}

std::vector<std::string> splitlines(std::string_view s, bool keepends, size_t max_pieces) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t next = 0;
    const size_t brk = find_line_break(s, i, &next);
    check_pieces(out.size() + 1, max_pieces);
    out.emplace_back(s.substr(i, (keepends ? next : brk) - i));
    i = next;
  }
  return out;
}

std::string replace(std::string_view s, std::string_view old, std::string_view repl, int64_t count) {
  std::string out;
  if (old.empty()) {
    // Python inserts `repl` before every code point and at the end.
    const std::u32string cps = decode(s);
    int64_t done = 0;
    for (char32_t c : cps) {
      if (count < 0 || done < count) {
        out += repl;
        done++;
      }
      append_utf8(out, c);
    }
    if (count < 0 || done < count) out += repl;
    return out;
  }
  const Pattern pat(old);
  size_t start = 0;
  int64_t done = 0;
  while (count < 0 || done < count) {
    const size_t hit = pat.find(s, start);
    if (hit == Pattern::npos) break;
    out.append(s.substr(start, hit - start));
    out.append(repl);
    start = hit + old.size();
    done++;
  }
  out.append(s.substr(start));
  return out;
}

size_t count(std::string_view s, std::string_view sub) {
  if (sub.empty()) return length(s) + 1;
  const Pattern pat(sub);
  size_t n = 0;
  for (size_t pos = pat.find(s); pos != Pattern::npos; pos = pat.find(s, pos + sub.size())) n++;
  return n;
}

int64_t find(std::string_view s, std::string_view sub) {
  const size_t hit = Pattern(sub).find(s);
  return hit == Pattern::npos ? -1 : static_cast<int64_t>(length(s.substr(0, hit)));
}

int64_t rfind(std::string_view s, std::string_view sub) {
  const size_t hit = Pattern(sub, true).rfind(s, s.size());
  return hit == Pattern::npos ? -1 : static_cast<int64_t>(length(s.substr(0, hit)));
}

bool contains(std::string_view s, std::string_view sub) {
  return sub.size() <= s.size() && Pattern(sub).find(s) != Pattern::npos;
}

// ---- case mapping (ICU on UTF-16) ------------------------------------------

namespace {

std::u16string to_utf16(const std::u32string& cps) {
  std::u16string out;
  for (char32_t c : cps) {
    if (c >= 0x10000) {
      out.push_back(static_cast<char16_t>(0xD800 + ((c - 0x10000) >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + ((c - 0x10000) & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(c));
    }
  }
  return out;
}

std::u32string from_utf16(const std::u16string& s) {
  std::u32string out;
  for (size_t i = 0; i < s.size(); i++) {
    const char16_t c = s[i];
    if (c >= 0xD800 && c < 0xDC00 && i + 1 < s.size() && s[i + 1] >= 0xDC00 && s[i + 1] < 0xE000) {
      out.push_back(0x10000 + ((static_cast<char32_t>(c) - 0xD800) << 10) + (s[i + 1] - 0xDC00));
      i++;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

enum class CaseOp { Upper, Lower, Title };

// Full Unicode case mapping of a code point string with ICU's root locale.
std::u32string map_case(const std::u32string& cps, CaseOp op) {
  const std::u16string src = to_utf16(cps);
  std::u16string dst(src.size() * 3 + 8, u'\0');
  UErrorCode err = U_ZERO_ERROR;
  auto* d = reinterpret_cast<UChar*>(dst.data());
  const auto* sp = reinterpret_cast<const UChar*>(src.data());
  const auto cap = static_cast<int32_t>(dst.size());
  const auto len = static_cast<int32_t>(src.size());
  int32_t n = op == CaseOp::Upper   ? u_strToUpper(d, cap, sp, len, "", &err)
              : op == CaseOp::Lower ? u_strToLower(d, cap, sp, len, "", &err)
                                    : u_strToTitle(d, cap, sp, len, nullptr, "", &err);
  if (U_FAILURE(err)) return cps;  // cannot happen with a 3x buffer; keep text unchanged
  dst.resize(n);
  return from_utf16(dst);
}

std::string ascii_map(std::string_view s, int (*fn)(int)) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(fn(static_cast<unsigned char>(c)));
  return out;
}

int ascii_upper(int c) { return c >= 'a' && c <= 'z' ? c - 32 : c; }
int ascii_lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

}  // namespace

std::string upper(std::string_view s) {
  if (is_ascii(s)) return ascii_map(s, ascii_upper);
  return encode(map_case(decode(s), CaseOp::Upper));
}

std::string lower(std::string_view s) {
  if (is_ascii(s)) return ascii_map(s, ascii_lower);
  return encode(map_case(decode(s), CaseOp::Lower));
}

std::string capitalize(std::string_view s) {
  const std::u32string cps = decode(s);
  if (cps.empty()) return "";
  std::u32string out = map_case(cps.substr(0, 1), CaseOp::Title);
  out += map_case(cps.substr(1), CaseOp::Lower);
  return encode(out);
}

std::string title_words(std::string_view s) {
  // Jinja splits on runs of [-\s({\[<] and upper-cases the first character of
  // every piece, lower-casing the rest.
  const std::u32string cps = decode(s);
  auto is_delim = [](char32_t c) { return is_space(c) || c == '-' || c == '(' || c == '{' || c == '[' || c == '<'; };
  std::u32string out;
  size_t i = 0;
  while (i < cps.size()) {
    const bool delim = is_delim(cps[i]);
    size_t j = i;
    while (j < cps.size() && is_delim(cps[j]) == delim) j++;
    out += map_case(cps.substr(i, 1), CaseOp::Upper);
    out += map_case(cps.substr(i + 1, j - i - 1), CaseOp::Lower);
    i = j;
  }
  return encode(out);
}

bool is_lower(std::string_view s) {
  bool cased = false;
  for (char32_t c : decode(s)) {
    if (u_hasBinaryProperty(c, UCHAR_UPPERCASE) || u_istitle(c)) return false;
    if (u_hasBinaryProperty(c, UCHAR_LOWERCASE)) cased = true;
  }
  return cased;
}

bool is_upper(std::string_view s) {
  bool cased = false;
  for (char32_t c : decode(s)) {
    if (u_hasBinaryProperty(c, UCHAR_LOWERCASE) || u_istitle(c)) return false;
    if (u_hasBinaryProperty(c, UCHAR_UPPERCASE)) cased = true;
  }
  return cased;
}

// ---- repr ------------------------------------------------------------------

namespace {

bool is_printable(char32_t c) {
  if (c == ' ') return true;
  switch (u_charType(c)) {
    case U_CONTROL_CHAR: case U_FORMAT_CHAR: case U_SURROGATE: case U_PRIVATE_USE_CHAR:
    case U_UNASSIGNED: case U_LINE_SEPARATOR: case U_PARAGRAPH_SEPARATOR: case U_SPACE_SEPARATOR:
      return false;
    default:
      return true;
  }
}

void append_hex_escape(std::string& out, char prefix, char32_t c, int digits) {
  static const char* hex = "0123456789abcdef";
  out.push_back('\\');
  out.push_back(prefix);
  for (int k = digits - 1; k >= 0; k--) out.push_back(hex[(c >> (4 * k)) & 0xF]);
}

}  // namespace

char repr_quote(std::string_view s) {
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  return has_single && !has_double ? '"' : '\'';
}

bool append_repr_escape(std::string& out, char32_t c, char quote) {
  if (c == static_cast<char32_t>(quote) || c == '\\') {
    out.push_back('\\');
    out.push_back(static_cast<char>(c));
  } else if (c == '\t') {
    out += "\\t";
  } else if (c == '\n') {
    out += "\\n";
  } else if (c == '\r') {
    out += "\\r";
  } else {
    return false;
  }
  return true;
}

std::string repr(std::string_view s) {
  const char quote = repr_quote(s);
  std::string out(1, quote);
  for (char32_t c : decode(s)) {
    if (append_repr_escape(out, c, quote)) continue;
    if (c < 0x20 || c == 0x7F) {
      append_hex_escape(out, 'x', c, 2);
    } else if (c < 0x7F || is_printable(c)) {
      append_utf8(out, c);
    } else if (c <= 0xFF) {
      append_hex_escape(out, 'x', c, 2);
    } else if (c <= 0xFFFF) {
      append_hex_escape(out, 'u', c, 4);
    } else {
      append_hex_escape(out, 'U', c, 8);
    }
  }
  out.push_back(quote);
  return out;
}

std::string float_repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  // Shortest round-trip digits in scientific form: "d.ddde±XX".
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, std::fabs(v), std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  const size_t epos = sci.find('e');
  std::string digits = sci.substr(0, 1) + (epos > 2 ? sci.substr(2, epos - 2) : "");
  const int exp10 = std::stoi(sci.substr(epos + 1));
  std::string out = v < 0 ? "-" : "";
  const int n = static_cast<int>(digits.size());
  if (exp10 < -4 || exp10 >= 16) {
    out += digits.substr(0, 1);
    if (n > 1) out += "." + digits.substr(1);
    char e[16];
    std::snprintf(e, sizeof e, "e%c%02d", exp10 < 0 ? '-' : '+', std::abs(exp10));
    return out + e;
  }
  const int decpt = exp10 + 1;  // digits before the decimal point
  if (decpt <= 0) return out + "0." + std::string(-decpt, '0') + digits;
  if (decpt >= n) return out + digits + std::string(decpt - n, '0') + ".0";
  return out + digits.substr(0, decpt) + "." + digits.substr(decpt);
}

std::string int_to_string(__int128 v) {
  if (v == 0) return "0";
  const bool neg = v < 0;
  unsigned __int128 mag = neg ? static_cast<unsigned __int128>(0) - static_cast<unsigned __int128>(v)
                              : static_cast<unsigned __int128>(v);
  std::string digits;
  while (mag) {
    digits.push_back(static_cast<char>('0' + static_cast<int>(mag % 10)));
    mag /= 10;
  }
  if (neg) digits.push_back('-');
  return std::string(digits.rbegin(), digits.rend());
}

// ---- number parsing --------------------------------------------------------

namespace {

// Strips Python whitespace and removes '_' that sit between two digits;
// returns nullopt when an underscore is misplaced.
std::optional<std::string> clean_number(std::string_view s) {
  const std::string t = strip(s, std::nullopt, true, true);
  std::string out;
  for (size_t i = 0; i < t.size(); i++) {
    if (t[i] != '_') {
      out.push_back(t[i]);
      continue;
    }
    const bool between = i > 0 && i + 1 < t.size() && std::isxdigit(static_cast<unsigned char>(t[i - 1])) &&
                         std::isxdigit(static_cast<unsigned char>(t[i + 1]));
    if (!between) return std::nullopt;
  }
  return out;
}

}  // namespace

std::optional<int64_t> parse_int(std::string_view s, int base) {
  auto t = clean_number(s);
  if (!t || t->empty()) return std::nullopt;
  std::string_view v = *t;
  bool neg = false;
  if (v[0] == '+' || v[0] == '-') {
    neg = v[0] == '-';
    v.remove_prefix(1);
  }
  if (v.empty()) return std::nullopt;
  uint64_t mag = 0;
  auto res = std::from_chars(v.data(), v.data() + v.size(), mag, base);
  if (res.ec != std::errc() || res.ptr != v.data() + v.size()) return std::nullopt;
  if (mag > static_cast<uint64_t>(INT64_MAX) + (neg ? 1 : 0)) return std::nullopt;
  return neg ? static_cast<int64_t>(0 - mag) : static_cast<int64_t>(mag);
}

std::optional<double> parse_float(std::string_view s) {
  auto t = clean_number(s);
  if (!t || t->empty()) return std::nullopt;
  std::string_view v = *t;
  bool neg = false;
  if (v[0] == '+' || v[0] == '-') {
    neg = v[0] == '-';
    v.remove_prefix(1);
  }
  const std::string low = lower(v);
  double r = 0;
  if (low == "inf" || low == "infinity") {
    r = INFINITY;
  } else if (low == "nan") {
    r = NAN;
  } else {
    // from_chars accepts "inf"/"nan"/hex forms in general format only with
    // explicit flags; digits, '.', exponent are exactly Python's grammar here.
    if (v.empty() || !(std::isdigit(static_cast<unsigned char>(v[0])) || v[0] == '.')) return std::nullopt;
    auto res = std::from_chars(v.data(), v.data() + v.size(), r, std::chars_format::general);
    if (res.ec == std::errc::result_out_of_range) {
      r = std::strtod(std::string(v).c_str(), nullptr);  // inf or 0.0, as Python gives
    } else if (res.ec != std::errc() || res.ptr != v.data() + v.size()) {
      return std::nullopt;
    }
  }
  return neg ? -r : r;
}

}  // namespace edgelm::jinja::pystr
