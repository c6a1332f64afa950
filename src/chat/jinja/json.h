// JSON in and out of template values.
//
// from_json keeps object key order and the int/float distinction. dumps
// reproduces Python's json.dumps (what Hugging Face's `tojson` filter calls):
// ensure_ascii, indent, separators and sort_keys behave as in Python, floats
// print as repr(), NaN/Infinity are emitted like Python does.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "chat/jinja/value.h"

namespace edgelm::jinja {

// LimitError when nested deeper than kMaxValueDepth; ValueError for integers
// outside int64.
Value from_json(const nlohmann::ordered_json& j);

struct JsonDumpOptions {
  bool ensure_ascii = false;
  std::optional<std::string> indent;  // nullopt: single line
  std::optional<std::string> item_separator;  // default ", " (or "," with indent)
  std::string key_separator = ": ";
  bool sort_keys = false;
  size_t max_bytes = SIZE_MAX;  // LimitError when the text would grow past this
};

// TypeError "Object of type X is not JSON serializable" for undefined,
// namespaces, macros, ...
std::string dumps(const Value& v, const JsonDumpOptions& opt);

}  // namespace edgelm::jinja
