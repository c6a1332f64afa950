// Python `str` semantics on UTF-8 byte strings.
//
// Python strings are sequences of code points, so length, indexing, slicing,
// padding and character iteration must count code points, not bytes. Bytes
// that are not valid UTF-8 are decoded as U+DC80+byte (Python's
// "surrogateescape") and encoded back to the same byte, so nothing is lost.
#pragma once
#include <cstdint>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace edgelm::jinja::pystr {

std::u32string decode(std::string_view s);
std::string encode(std::u32string_view s);
void append_utf8(std::string& out, char32_t cp);
bool is_ascii(std::string_view s);
size_t length(std::string_view s);  // number of code points

// Python str.isspace() for one code point (Unicode whitespace, not just ASCII).
bool is_space(char32_t cp);

// Substring search in O(|text| + |pattern|) time however both were built
// (Knuth-Morris-Pratt). std::string_view::find can take O(|text|*|pattern|)
// (text 'aaa...a', pattern 'aa...ab'), and a template can build such strings
// cheaply; every str operation that looks for a substring uses this instead.
class Pattern {
 public:
  static constexpr size_t npos = std::string_view::npos;
  // `reverse`: the pattern is searched from the end (rfind).
  explicit Pattern(std::string_view pattern, bool reverse = false);
  size_t size() const { return pat_.size(); }
  // Offset of the first occurrence starting at or after `from`, or npos.
  size_t find(std::string_view text, size_t from = 0) const;
  // Offset of the last occurrence that ends at or before `end`, or npos
  // (the Pattern must have been made with reverse = true).
  size_t rfind(std::string_view text, size_t end) const;

 private:
  std::string pat_;              // reversed when searching from the end
  std::vector<uint32_t> border_; // border_[i]: longest proper border of pat_[0..i]
};

// strip/lstrip/rstrip: `chars` absent means whitespace; otherwise the set of
// code points in *chars.
std::string strip(std::string_view s, const std::optional<std::string>& chars, bool left, bool right);

// str.split / str.rsplit. Without `sep` runs of whitespace separate and empty
// pieces are dropped; `maxsplit` < 0 means no limit. An empty sep is a ValueError
// the caller reports. A result of more than `max_pieces` pieces is refused
// (LimitError) before it is built.
std::vector<std::string> split(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit,
                               size_t max_pieces = SIZE_MAX);
std::vector<std::string> rsplit(std::string_view s, const std::optional<std::string>& sep, int64_t maxsplit,
                                size_t max_pieces = SIZE_MAX);
std::vector<std::string> splitlines(std::string_view s, bool keepends, size_t max_pieces = SIZE_MAX);
// Python's line boundaries (\n, \r, \r\n, \v, \f, \x1c-\x1e, U+0085, U+2028,
// U+2029): the offset of the first line break at or after `from` (s.size()
// when there is none); *next receives the offset just past it.
size_t find_line_break(std::string_view s, size_t from, size_t* next);

std::string replace(std::string_view s, std::string_view old, std::string_view repl, int64_t count);
size_t count(std::string_view s, std::string_view sub);
// Code point index of the first/last occurrence, or -1.
int64_t find(std::string_view s, std::string_view sub);
int64_t rfind(std::string_view s, std::string_view sub);
bool contains(std::string_view s, std::string_view sub);

// Unicode case mapping as Python does it (full mappings, e.g. "ß".upper() == "SS").
std::string upper(std::string_view s);
std::string lower(std::string_view s);
std::string capitalize(std::string_view s);  // first char upper, rest lower
std::string title_words(std::string_view s);  // Jinja's `title` filter
bool is_lower(std::string_view s);            // str.islower()
bool is_upper(std::string_view s);            // str.isupper()

// repr() of a str: quotes chosen like Python, non-printable characters escaped.
std::string repr(std::string_view s);
// The pieces repr() of a str shares with repr() of bytes: the quote put around
// `s` (' unless s holds ' and no "), and the escapes of that quote, the
// backslash, \t, \n and \r (false, nothing appended, for any other `c`).
char repr_quote(std::string_view s);
bool append_repr_escape(std::string& out, char32_t c, char quote);

// repr() of a float: shortest round-trip digits, Python's exponent rules
// ("1e-05", "1e+16", "0.0001", "3.0", "inf", "nan").
std::string float_repr(double v);

// Decimal text of a 128-bit integer.
std::string int_to_string(__int128 v);

// Python int(str) / float(str) parsing (whitespace, sign, underscores allowed).
std::optional<int64_t> parse_int(std::string_view s, int base = 10);
std::optional<double> parse_float(std::string_view s);

}  // namespace edgelm::jinja::pystr
