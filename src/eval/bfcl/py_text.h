// Python's view of text, as far as the BFCL checker needs it. The str
// semantics themselves (code points, lower(), isspace(), strip(), repr())
// are the Jinja engine's pystr; what stays here is BFCL's own reading of
// malformed UTF-8 and the identifier test of its Python lexer.
//
// pystr keeps a malformed byte as a surrogate escape and writes it back
// unchanged; the checker has always read it as U+FFFD instead (Python outputs
// are refused unless valid_utf8, Java/JS outputs are not checked), so the
// wrappers below replace malformed bytes before handing text to pystr.
#pragma once
#include <string>
#include <string_view>

#include "chat/jinja/pystr.h"

namespace edgelm::eval::bfcl::py {

namespace pystr = edgelm::jinja::pystr;

// Whether `text` is well-formed UTF-8 (no surrogates, no overlong forms).
bool valid_utf8(std::string_view text);
// Code points of `text`, a malformed byte read as U+FFFD.
std::u32string code_points(std::string_view text);

// str.lower() (full Unicode mapping, İ -> i̇, final sigma).
std::string lower(std::string_view text);
// str.strip() with no argument, and with a set of ASCII characters.
std::string strip(std::string_view text);
std::string strip_chars(std::string_view text, std::string_view chars);

// Identifier characters beyond ASCII. Python accepts Unicode letters, marks and
// digits (XID_Start / XID_Continue); this rejects the punctuation, symbol,
// space and emoji blocks a model is likely to emit (smart quotes, fullwidth
// commas, arrows) and accepts the rest, without a Unicode database.
bool is_identifier_char(char32_t cp);

}  // namespace edgelm::eval::bfcl::py
