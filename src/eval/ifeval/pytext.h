// Python `str` semantics over UTF-8 text, as far as the IFEval checker uses
// them. Responses are made well-formed first (tok::utf8_sanitize: a malformed
// byte becomes U+FFFD, as Python's bytes.decode(errors="replace") would give),
// so the Jinja engine's pystr (code points, isspace(), lower(), isupper(),
// islower(), len(), replace()) applies unchanged; what stays here are the
// zero-copy strip/split views and the character tests the tokenizers use.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "chat/jinja/pystr.h"

namespace edgelm::eval::ifeval::py {

using jinja::pystr::decode;    // code points
using jinja::pystr::is_space;  // str.isspace() for one code point
using jinja::pystr::length;    // len(s) in code points
using jinja::pystr::lower;     // str.lower(): full Unicode mapping
using jinja::pystr::is_lower;  // str.islower()
using jinja::pystr::is_upper;  // str.isupper()
using jinja::pystr::replace;   // str.replace(old, new, count), count < 0: all

std::string_view strip(std::string_view s);   // str.strip()
std::string_view lstrip(std::string_view s);  // str.lstrip()
std::string_view rstrip(std::string_view s);  // str.rstrip()
// str.strip(chars) / lstrip(chars) / rstrip(chars) for ASCII `chars`.
std::string_view strip_ascii(std::string_view s, std::string_view chars);
std::string_view lstrip_ascii(std::string_view s, std::string_view chars);
std::string_view rstrip_ascii(std::string_view s, std::string_view chars);

std::vector<std::string_view> split_whitespace(std::string_view s);  // str.split()
std::vector<std::string_view> split(std::string_view s, std::string_view sep);  // str.split(sep)

bool is_upper_char(char32_t c);  // Uppercase property (Lu + Other_Uppercase)
bool is_lower_char(char32_t c);  // Lowercase property (Ll + Other_Lowercase)
bool is_title_char(char32_t c);  // general category Lt

// Number of occurrences of one code point (collections.Counter(s)[c]).
size_t count_code_point(std::string_view s, char32_t c);

}  // namespace edgelm::eval::ifeval::py
