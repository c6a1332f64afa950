// Java and JavaScript arguments arrive as source text ("new int[]{1, 2}",
// "{key: 'v'}", "3.5f"); the official checker turns them into Python
// values with regular expressions before the usual type and value checks,
// and keeps the text as a string where a pattern does not match. These are
// those conversions, and decoders for python-prompting style Java and
// JavaScript output (upstream parses those with tree-sitter; see the
// approximations noted at decode_java / decode_javascript).
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eval/bfcl/py_parse.h"
#include "eval/bfcl/py_value.h"

namespace edgelm::eval::bfcl::convert {

// Texts longer than this skip the collection patterns and stay strings: the
// patterns' lazy groups cost up to quadratic time, and real arguments are
// far shorter.
constexpr size_t kMaxPatternInput = 4096;

// The Java type converter: `type` is the parameter's Java type (byte, short,
// integer, long, float, double, boolean, char, String, any, Array,
// ArrayList, HashMap, ...), `item_type` the element type of Array and
// ArrayList ("" for none). Throws py::UpstreamRaises for types upstream
// does not handle.
py::Value java_value(const std::string& text, const std::string& type, const std::string& item_type = "");
// The JavaScript type converter (String, integer, float, Bigint, Boolean,
// dict, array, any).
py::Value js_value(const std::string& text, const std::string& type, const std::string& item_type = "");

// Decoders for one call written in Java or JavaScript syntax, after the
// python-prompting wrapper ("[...]") is removed. nullopt when the text holds
// no call (upstream's "wrong output format"); edgelm::Error when it does not
// parse. Argument values are source text; string literals lose their quotes.
std::optional<std::vector<py::DecodedCall>> decode_java(std::string_view text);
std::optional<std::vector<py::DecodedCall>> decode_javascript(std::string_view text);

}  // namespace edgelm::eval::bfcl::convert
