#include "eval/bfcl/java_js.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "edgelm/error.h"
#include "eval/bfcl/py_text.h"

namespace edgelm::eval::bfcl::convert {
namespace {

using py::Value;

[[noreturn]] void raises(const std::string& what) { throw py::UpstreamRaises(what); }

// ------------------------------------------------------------ scalar shapes
// The anchored patterns upstream uses for numbers, written out by hand.
// Python's `$` also matches before one final newline, hence `dollar`.

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view p) { return s.size() >= p.size() && s.substr(s.size() - p.size()) == p; }

// -?\d+(\.\d+)?([eE][+-]?\d+)? followed by one of `suffixes` (or nothing
// when `suffixes` is empty), matching all of s.
bool number_shape(std::string_view s, bool fraction, bool exponent, std::string_view suffixes) {
  size_t i = 0;
  const auto digits = [&] {
    const size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (!digits()) return false;
  if (fraction && i < s.size() && s[i] == '.') {
    const size_t dot = i++;
    if (!digits()) i = dot;
  }
  if (exponent && i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    const size_t e = i++;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) i = e;
  }
  if (!suffixes.empty()) {
    if (i >= s.size() || suffixes.find(s[i]) == std::string_view::npos) return false;
    ++i;
  }
  return i == s.size();
}

bool dollar(std::string_view s, bool fraction, bool exponent, std::string_view suffixes) {
  if (number_shape(s, fraction, exponent, suffixes)) return true;
  return ends_with(s, "\n") && number_shape(s.substr(0, s.size() - 1), fraction, exponent, suffixes);
}

// re.sub(r"[xX]$", "", s): the suffix at the end or just before a final newline.
std::string drop_suffix(const std::string& s, std::string_view chars) {
  if (!s.empty() && chars.find(s.back()) != std::string_view::npos) return s.substr(0, s.size() - 1);
  if (s.size() >= 2 && s.back() == '\n' && chars.find(s[s.size() - 2]) != std::string_view::npos)
    return s.substr(0, s.size() - 2) + "\n";
  return s;
}

Value int_or_raise(const std::string& s) {
  auto v = py::parse_int(s);
  if (!v) raises("ValueError: invalid literal for int(): " + s);
  return *v;
}
Value float_or_raise(const std::string& s) {
  auto v = py::parse_float(s);
  if (!v) raises("ValueError: could not convert string to float: " + s);
  return *v;
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t at = s.find(','); at != std::string::npos; at = s.find(',', start)) {
    parts.push_back(s.substr(start, at - start));
    start = at + 1;
  }
  parts.push_back(s.substr(start));
  return parts;
}

// ------------------------------------------------------------ patterns
// Upstream's collection patterns, matched by hand: a backtracking regex
// engine (Python's or std::regex) takes exponential time on some inputs.
// Each function says which pattern it stands for and returns the groups
// that pattern captures. Like Python's `.`, a group without DOTALL stops at
// a newline; `\s` is ASCII whitespace here, `\w` ASCII word characters
// plus any non-ASCII byte.

bool is_ws(char c) { return c == ' ' || (c >= '\t' && c <= '\r') || (c >= '\x1c' && c <= '\x1f'); }
bool is_word(char c) { return c == '_' || std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80; }
size_t skip_ws(const std::string& s, size_t i) {
  while (i < s.size() && is_ws(s[i])) ++i;
  return i;
}
size_t skip_word(const std::string& s, size_t i) {
  while (i < s.size() && is_word(s[i])) ++i;
  return i;
}
bool at(const std::string& s, size_t i, std::string_view text) { return i <= s.size() && std::string_view(s).substr(i, text.size()) == text; }

constexpr size_t npos = std::string::npos;

// The first `needle` at or after `from` with no newline before it.
size_t find_on_line(const std::string& s, size_t from, std::string_view needle) {
  const size_t found = s.find(needle, from);
  const size_t newline = s.find('\n', from);
  return found != npos && (newline == npos || newline >= found) ? found : npos;
}

// A lazy group of at least one character that stays on its line, then `close`.
std::optional<std::string> lazy_nonempty(const std::string& s, size_t g, std::string_view close) {
  if (g >= s.size() || s[g] == '\n') return std::nullopt;
  const size_t end = find_on_line(s, g + 1, close);
  if (end == npos) return std::nullopt;
  return s.substr(g, end - g);
}

// `new\s+` at i: the position after the spaces.
size_t after_new(const std::string& s, size_t i) {
  if (!at(s, i, "new") || i + 3 >= s.size() || !is_ws(s[i + 3])) return npos;
  return skip_ws(s, i + 3);
}

// `new\s+ArrayList<\w*>` at i, then `tail`: the position after the tail.
size_t array_list_head(const std::string& s, size_t i, std::string_view tail) {
  size_t k = after_new(s, i);
  if (k == npos || !at(s, k, "ArrayList<")) return npos;
  k = skip_word(s, k + 10);
  if (!at(s, k, ">")) return npos;
  return at(s, k + 1, tail) ? k + 1 + tail.size() : npos;
}

// new\s+ArrayList<\w*>\(Arrays\.asList\((.+?)\)\)
std::optional<std::string> match_as_list(const std::string& s) {
  for (size_t i = s.find("new"); i != npos; i = s.find("new", i + 1)) {
    const size_t g = array_list_head(s, i, "(Arrays.asList(");
    if (g == npos) continue;
    if (auto group = lazy_nonempty(s, g, "))")) return group;
  }
  return std::nullopt;
}

// new\s+ArrayList<\w*>\(\)\s*\{\{\s*(.+?)\s*\}\}  (DOTALL)
std::optional<std::string> match_add_block(const std::string& s) {
  for (size_t i = s.find("new"); i != npos; i = s.find("new", i + 1)) {
    size_t k = array_list_head(s, i, "()");
    if (k == npos) continue;
    k = skip_ws(s, k);
    if (!at(s, k, "{{")) continue;
    // The group starts after the spaces, or earlier when it must hold one
    // of them; it ends where only spaces stand before the first "}}".
    for (size_t start = skip_ws(s, k + 2); start + 1 > k + 2; --start) {
      const size_t close = s.find("}}", start + 1);
      if (close != npos) {
        size_t end = close;
        while (end > start + 1 && is_ws(s[end - 1])) --end;
        return s.substr(start, end - start);
      }
    }
  }
  return std::nullopt;
}

// findall(add\((.+?)\))
std::vector<std::string> find_add_calls(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!at(s, i, "add(")) continue;
    if (auto group = lazy_nonempty(s, i + 4, ")")) {
      out.push_back(*group);
      i += 4 + group->size();
    }
  }
  return out;
}

// new\s+ArrayList<\w*>\(\)
bool match_empty_list(const std::string& s) {
  for (size_t i = s.find("new"); i != npos; i = s.find("new", i + 1))
    if (array_list_head(s, i, "()") != npos) return true;
  return false;
}

// new\s+\w+\[\]\s*\{(.*?)\}
std::optional<std::string> match_array(const std::string& s) {
  for (size_t i = s.find("new"); i != npos; i = s.find("new", i + 1)) {
    const size_t k = after_new(s, i);
    if (k == npos) continue;
    const size_t type_end = skip_word(s, k);
    if (type_end == k || !at(s, type_end, "[]")) continue;
    const size_t open = skip_ws(s, type_end + 2);
    if (!at(s, open, "{")) continue;
    const size_t close = find_on_line(s, open + 1, "}");
    if (close != npos) return s.substr(open + 1, close - open - 1);
  }
  return std::nullopt;
}

// new\s+HashMap<.*?>\s*\(\) at i (`dotall` lets the type span lines): the
// position after "()" for the first '>' that works.
size_t hash_map_head(const std::string& s, size_t i, bool dotall) {
  const size_t k = after_new(s, i);
  if (k == npos || !at(s, k, "HashMap<")) return npos;
  const size_t newline = dotall ? npos : s.find('\n', k);
  for (size_t g = s.find('>', k + 8); g != npos && g < newline; g = s.find('>', g + 1)) {
    const size_t parens = skip_ws(s, g + 1);
    if (at(s, parens, "()")) return parens + 2;
  }
  return npos;
}

// new\s+HashMap<.*?>\s*\(\)\s*\{\s*\{?\s*(.*?)\s*\}?\s*\}  (DOTALL)
std::optional<std::string> match_map_block(const std::string& s) {
  for (size_t i = s.find("new"); i != npos; i = s.find("new", i + 1)) {
    const size_t k = after_new(s, i);
    if (k == npos || !at(s, k, "HashMap<")) continue;
    // Every '>' is tried in turn, as the lazy type does.
    for (size_t g = s.find('>', k + 8); g != npos; g = s.find('>', g + 1)) {
      size_t p = skip_ws(s, g + 1);
      if (!at(s, p, "()")) continue;
      p = skip_ws(s, p + 2);
      if (!at(s, p, "{")) continue;
      p = skip_ws(s, p + 1);
      if (at(s, p, "{")) p = skip_ws(s, p + 1);
      // The body runs to the first '}', less the spaces before it.
      const size_t close = s.find('}', p);
      if (close == npos) continue;
      size_t end = close;
      while (end > p && is_ws(s[end - 1])) --end;
      return s.substr(p, end - p);
    }
  }
  return std::nullopt;
}

// findall(put\("(.*?)",\s*(.*?)\))
std::vector<std::pair<std::string, std::string>> find_put_calls(const std::string& s) {
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (!at(s, i, "put(\"")) continue;
    const size_t quote = find_on_line(s, i + 5, "\",");
    if (quote == npos) continue;
    // The key may end at any later `",` on its line; the value then runs
    // from after the spaces to a ')' on the value's line.
    size_t close = npos, value = 0, key_end = quote;
    for (; key_end != npos; key_end = find_on_line(s, key_end + 1, "\",")) {
      value = skip_ws(s, key_end + 2);
      close = find_on_line(s, value, ")");
      if (close != npos) break;
    }
    if (close == npos) continue;
    out.emplace_back(s.substr(i + 5, key_end - i - 5), s.substr(value, close - value));
    i = close;
  }
  return out;
}

// new\s+HashMap<.*?>\s*\(\)
bool match_empty_map(const std::string& s) {
  for (size_t i = s.find("new"); i != npos; i = s.find("new", i + 1))
    if (hash_map_head(s, i, false) != npos) return true;
  return false;
}

// re.match of \[\s*\[.*?\]\s*(,\s*\[.*?\]\s*)*\] or the same inside
// new\s+Array\( ... \): the length of the match. `rest` memoizes where the
// `(,\s*\[.*?\]\s*)*` tail followed by the closer succeeds from.
class RowsMatcher {
 public:
  RowsMatcher(const std::string& s, char closer) : s_(s), closer_(closer), memo_(s.size() + 1, kUnknown) {}

  // `first` is just inside the first row's '['.
  size_t from_first_row(size_t first) {
    for (size_t close = find_on_line(s_, first, "]"); close != npos; close = find_on_line(s_, close + 1, "]")) {
      const size_t end = rest(skip_ws(s_, close + 1));
      if (end != npos) return end;
    }
    return npos;
  }

 private:
  static constexpr size_t kUnknown = npos - 1;

  size_t rest(size_t p) {
    if (p > s_.size()) return npos;
    if (memo_[p] != kUnknown) return memo_[p];
    size_t result = npos;
    if (at(s_, p, ",")) {
      const size_t open = skip_ws(s_, p + 1);
      if (at(s_, open, "["))
        for (size_t close = find_on_line(s_, open + 1, "]"); close != npos && result == npos; close = find_on_line(s_, close + 1, "]"))
          result = rest(skip_ws(s_, close + 1));
    }
    if (result == npos && p < s_.size() && s_[p] == closer_) result = p + 1;
    return memo_[p] = result;
  }

  const std::string& s_;
  char closer_;
  std::vector<size_t> memo_;
};

size_t match_rows(const std::string& s) {
  if (at(s, 0, "[")) {
    const size_t inner = skip_ws(s, 1);
    if (at(s, inner, "[")) {
      const size_t end = RowsMatcher(s, ']').from_first_row(inner + 1);
      if (end != npos) return end;
    }
  }
  const size_t k = after_new(s, 0);
  if (k == npos || !at(s, k, "Array(")) return npos;
  const size_t inner = skip_ws(s, k + 6);
  return at(s, inner, "[") ? RowsMatcher(s, ')').from_first_row(inner + 1) : npos;
}

// findall(\[(.*?)\])
std::vector<std::string> find_bracketed(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '[') continue;
    const size_t close = find_on_line(s, i + 1, "]");
    if (close == npos) continue;
    out.push_back(s.substr(i + 1, close - i - 1));
    i = close;
  }
  return out;
}

// re.match of \[(.*?)\]|\bnew\s+Array\((.*?)\): the listed text.
std::optional<std::string> match_list(const std::string& s) {
  if (at(s, 0, "[")) {
    const size_t close = find_on_line(s, 1, "]");
    if (close != npos) return s.substr(1, close - 1);
  }
  const size_t k = after_new(s, 0);
  if (k == npos || !at(s, k, "Array(")) return std::nullopt;
  const size_t close = find_on_line(s, k + 6, ")");
  if (close == npos) return std::nullopt;
  return s.substr(k + 6, close - k - 6);
}

// findall(([^:]+):\s*(.*?)(?:,\s*(?=[^,]+:)|$)) over text without newlines:
// a key up to a ':', then the value up to a ',' that another "key:" follows,
// or to the end.
std::vector<std::pair<std::string, std::string>> find_pairs(const std::string& s) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t p = 0;
  while (p < s.size()) {
    const size_t colon = s.find(':', p);
    if (colon == npos) break;
    if (colon == p) {
      ++p;
      continue;
    }
    const size_t value = skip_ws(s, colon + 1);
    size_t end = s.size(), next = s.size();
    for (size_t e = value; e < s.size(); ++e) {
      if (s[e] != ',') continue;
      // The lookahead [^,]+: needs a ':' after its first character and
      // before the next ','; failing that, giving back one space lets a ':'
      // right after the spaces count.
      const size_t spaced = skip_ws(s, e + 1);
      const size_t comma = std::min(s.find(',', spaced), s.size());
      const bool greedy = spaced + 1 < s.size() && s.find(':', spaced + 1) < comma;
      const bool gave_back = !greedy && spaced > e + 1 && spaced < s.size() && s[spaced] == ':';
      if (greedy || gave_back) {
        end = e;
        next = greedy ? spaced : spaced - 1;
        break;
      }
    }
    out.emplace_back(s.substr(p, colon - p), s.substr(value, end - value));
    p = next;
  }
  return out;
}

// ------------------------------------------------------------ Java

// Values inside collections, read without a declared type.
Value java_untyped(const std::string& s) {
  if (s == "true" || s == "false") return Value::boolean(s == "true");
  if (starts_with(s, "\"") && ends_with(s, "\"")) return Value::string(py::slice(s, 1, -1));
  if (dollar(s, false, false, "lL")) return int_or_raise(py::slice(s, 0, -1));
  if (dollar(s, true, true, "fF")) return float_or_raise(drop_suffix(s, "fF"));
  if (auto i = py::parse_int(s)) return *i;
  if (auto f = py::parse_float(s)) return *f;
  return Value::string(s);
}

Value java_list_item(const std::string& raw, const std::string& item_type) {
  const std::string e = py::strip(raw);
  if (item_type == "char" || item_type == "String") return Value::string(py::slice(e, 1, -1));
  return item_type.empty() ? java_untyped(e) : java_value(e, item_type);
}

Value java_array_list(const std::string& s, const std::string& item_type) {
  std::vector<Value> items;
  if (auto listed = match_as_list(s)) {
    for (const std::string& part : split_commas(*listed)) items.push_back(java_list_item(part, item_type));
    return Value::list(std::move(items));
  }
  if (auto block = match_add_block(s)) {
    for (const std::string& added : find_add_calls(*block)) items.push_back(java_list_item(added, item_type));
    return Value::list(std::move(items));
  }
  return match_empty_list(s) ? Value::list({}) : Value::string(s);
}

Value java_array(const std::string& s, const std::string& item_type) {
  const auto listed = match_array(s);
  if (!listed) return Value::string(s);
  std::vector<Value> items;
  for (const std::string& part : split_commas(*listed)) {
    const std::string e = py::strip(part);
    if (e.empty()) continue;
    items.push_back(item_type.empty() ? java_untyped(e) : java_value(e, item_type));
  }
  return Value::list(std::move(items));
}

Value java_hash_map(const std::string& s) {
  if (auto body = match_map_block(s)) {
    py::DictBuilder map;
    if (!py::strip(*body).empty())
      for (const auto& [key, value] : find_put_calls(*body)) map.set(Value::string(key), java_untyped(py::strip(value)));
    return map.take();
  }
  return match_empty_map(s) ? Value::dict() : Value::string(s);
}

// ------------------------------------------------------------ JavaScript

Value js_untyped(const std::string& raw) {
  const std::string s = py::strip(raw);
  if (s == "true" || s == "false") return Value::boolean(s == "true");
  if ((starts_with(s, "\"") && ends_with(s, "\"")) || (starts_with(s, "'") && ends_with(s, "'")))
    return Value::string(py::slice(s, 1, -1));
  if (auto i = py::parse_int(s)) return *i;
  if (auto f = py::parse_float(s)) return *f;
  return Value::string(s);
}

Value js_collection(const std::string& raw, bool array, const std::string& item_type);

Value js_array(const std::string& code, const std::string& item_type) {
  const size_t rows_end = match_rows(code);
  if (rows_end != npos) {
    std::vector<Value> rows;
    const std::vector<std::string> inner = find_bracketed(code.substr(0, rows_end));
    for (size_t i = 0; i < inner.size(); ++i) {
      std::string row = py::strip(inner[i]);
      if (i == 0 && starts_with(row, "[")) row = py::slice(row, 1, INT64_MAX);
      std::vector<Value> items;
      for (const std::string& part : split_commas(row)) items.push_back(js_untyped(py::strip(part)));
      rows.push_back(Value::list(std::move(items)));
    }
    return Value::list(std::move(rows));
  }
  const auto listed_raw = match_list(code);
  if (!listed_raw) return Value::string(code);
  const std::string listed = py::strip(*listed_raw);
  std::vector<Value> items;
  if (!listed.empty()) {
    for (const std::string& part : split_commas(listed)) {
      const std::string e = py::strip(part);
      if (item_type.empty()) {
        items.push_back(js_untyped(e));
      } else {
        const bool quoted = starts_with(e, "'") || starts_with(e, "\"");
        items.push_back(js_value(e, item_type, quoted ? "String" : ""));
      }
    }
  }
  return Value::list(std::move(items));
}

Value js_object(const std::string& code) {
  if (code == "{}") return Value::dict();
  if (!starts_with(code, "{")) return Value::string(code);
  const size_t close = find_on_line(code, 1, "}");
  if (close == npos) return Value::string(code);
  py::DictBuilder object;
  for (const auto& [raw_key, raw_value] : find_pairs(code.substr(1, close - 1))) {
    const std::string key = py::strip_chars(py::strip(raw_key), "'\"");
    const std::string text = py::strip(raw_value);
    Value value;
    if (starts_with(text, "[") && ends_with(text, "]")) {
      value = js_collection(text, true, "");
    } else if (starts_with(text, "{") && ends_with(text, "}")) {
      value = js_collection(text, false, "");
    } else {
      value = js_untyped(py::strip_chars(text, "'\""));
    }
    object.set(Value::string(key), std::move(value));
  }
  return object.take();
}

// Upstream catches every failure inside and keeps the text.
Value js_collection(const std::string& raw, bool array, const std::string& item_type) {
  const std::string code = py::strip(raw);
  if (code.size() > kMaxPatternInput) return Value::string(code);
  try {
    return array ? js_array(code, item_type) : js_object(code);
  } catch (const py::UpstreamRaises&) {
    return Value::string(code);
  }
}

}  // namespace

Value java_value(const std::string& text, const std::string& type, const std::string& item_type) {
  if (type == "byte" || type == "short" || type == "integer")
    return dollar(text, false, false, "") ? int_or_raise(text) : Value::string(text);
  if (type == "float") return dollar(text, true, true, "fF") ? float_or_raise(drop_suffix(text, "fF")) : Value::string(text);
  if (type == "double") return dollar(text, true, true, "") ? float_or_raise(text) : Value::string(text);
  if (type == "long") return dollar(text, false, false, "lL") ? int_or_raise(drop_suffix(text, "lL")) : Value::string(text);
  if (type == "boolean") return (text == "true" || text == "false") ? Value::boolean(text == "true") : Value::string(text);
  // Upstream's char pattern can never match, so chars stay as written.
  if (type == "char" || type == "String" || type == "any") return Value::string(text);
  if (type == "Array" || type == "ArrayList" || type == "HashMap") {
    if (text.size() > kMaxPatternInput) return Value::string(text);
    if (type == "Array") return java_array(text, item_type);
    if (type == "ArrayList") return java_array_list(text, item_type);
    return java_hash_map(text);
  }
  if (type == "Set" || type == "Hashtable" || type == "Queue" || type == "Stack")
    raises("NotImplementedError: " + type + " conversion is not implemented");
  raises("ValueError: Unsupported type: " + type);
}

Value js_value(const std::string& text, const std::string& type, const std::string& item_type) {
  if (type == "String") {
    const bool quoted = (starts_with(text, "\"") && ends_with(text, "\"")) || (starts_with(text, "'") && ends_with(text, "'"));
    return Value::string(quoted ? py::slice(text, 1, -1) : text);
  }
  if (type == "integer") return dollar(text, false, false, "") ? int_or_raise(text) : Value::string(text);
  if (type == "float") return dollar(text, true, false, "") ? float_or_raise(text) : Value::string(text);
  if (type == "Bigint") return dollar(text, false, false, "n") ? int_or_raise(py::slice(text, 0, -1)) : Value::string(text);
  if (type == "Boolean") return (text == "true" || text == "false") ? Value::boolean(text == "true") : Value::string(text);
  if (type == "dict") return js_collection(text, false, item_type);
  if (type == "array") return js_collection(text, true, item_type);
  if (type == "any") return Value::string(text);
  raises("ValueError: Unsupported type: " + type);
}

}  // namespace edgelm::eval::bfcl::convert

// ------------------------------------------------------------ decoders
// Upstream parses Java and JavaScript output with tree-sitter and reads the
// first call. These decoders tokenize the text, check that strings,
// comments and brackets are closed, take the first statement that is a
// call `callee(args)`, and read `name=value` arguments the way upstream's
// tree walk reports them. Syntax errors that need a full grammar (say
// `f(x=1 +)`) are not detected.

namespace edgelm::eval::bfcl::convert {
namespace {

struct SourceToken {
  enum Kind { word, number, text, punct } kind;
  size_t begin, end;  // byte span in the source
};

struct Source {
  std::string_view text;
  std::vector<SourceToken> tokens;
  std::vector<size_t> match;  // for each bracket token, its partner

  std::string_view span(size_t first, size_t last) const {  // tokens [first, last)
    return first >= last ? std::string_view() : text.substr(tokens[first].begin, tokens[last - 1].end - tokens[first].begin);
  }
  std::string_view token(size_t i) const { return span(i, i + 1); }
  bool is(size_t i, std::string_view p) const { return i < tokens.size() && tokens[i].kind == SourceToken::punct && token(i) == p; }
};

[[noreturn]] void syntax_error(const std::string& why) { throw Error("decoder: " + why); }

bool word_char(unsigned char c) { return c == '_' || c == '$' || c >= 0x80 || std::isalnum(c); }

Source tokenize(std::string_view s, bool java) {
  Source src{s, {}, {}};
  std::vector<size_t> open;
  static constexpr std::array<std::string_view, 20> kPunct = {"===", "!==", ">>>", "...", "?.", "=>", "->", "==", "!=", "<=",
                                                              ">=", "&&", "||", "++", "--", "::", "+=", "-=", "*=", "/="};
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (std::isspace(c)) {
      ++i;
    } else if (s.substr(i, 2) == "//") {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (s.substr(i, 2) == "/*") {
      const size_t close = s.find("*/", i + 2);
      if (close == std::string_view::npos) syntax_error("unterminated comment");
      i = close + 2;
    } else if (c == '"' || c == '\'' || (c == '`' && !java)) {
      size_t j = i + 1;
      while (j < s.size() && s[j] != s[i]) {
        if (s[j] == '\n' && c != '`') syntax_error("unterminated string literal");
        j += s[j] == '\\' ? 2 : 1;
      }
      if (j >= s.size()) syntax_error("unterminated string literal");
      src.tokens.push_back({SourceToken::text, i, j + 1});
      i = j + 1;
    } else if (word_char(c)) {
      size_t j = i;
      while (j < s.size() && (word_char(static_cast<unsigned char>(s[j])) ||
                              (std::isdigit(c) && s[j] == '.' && j + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[j + 1])))))
        ++j;
      src.tokens.push_back({std::isdigit(c) ? SourceToken::number : SourceToken::word, i, j});
      i = j;
    } else {
      size_t len = 1;
      for (std::string_view p : kPunct)
        if (s.substr(i, p.size()) == p) {
          len = p.size();
          break;
        }
      src.tokens.push_back({SourceToken::punct, i, i + len});
      i += len;
    }
  }
  src.match.assign(src.tokens.size(), 0);
  for (size_t t = 0; t < src.tokens.size(); ++t) {
    const std::string_view p = src.token(t);
    if (src.tokens[t].kind != SourceToken::punct) continue;
    if (p == "(" || p == "[" || p == "{") {
      open.push_back(t);
    } else if (p == ")" || p == "]" || p == "}") {
      const char want = p == ")" ? '(' : p == "]" ? '[' : '{';
      if (open.empty() || src.token(open.back())[0] != want) syntax_error("unbalanced brackets");
      src.match[open.back()] = t;
      src.match[t] = open.back();
      open.pop_back();
    }
  }
  if (!open.empty()) syntax_error("unbalanced brackets");
  return src;
}

bool is_open(const Source& src, size_t i) { return src.is(i, "(") || src.is(i, "[") || src.is(i, "{"); }

// After Java's `new` at i: the end of the type, whose type arguments
// (HashMap<String, Integer>) may hold commas.
size_t skip_new_type(const Source& src, size_t i, size_t last) {
  int angles = 0;
  size_t j = i + 1;
  for (; j < last; ++j) {
    const std::string_view t = src.token(j);
    if (t == "<") {
      ++angles;
    } else if (src.tokens[j].kind == SourceToken::punct && t.find_first_not_of('>') == std::string_view::npos) {
      angles -= static_cast<int>(t.size());
    } else if (angles <= 0 && src.tokens[j].kind != SourceToken::word && t != ".") {
      break;
    }
  }
  return j;
}

// Splits tokens [first, last) at top-level occurrences of `sep`.
std::vector<std::pair<size_t, size_t>> split(const Source& src, size_t first, size_t last, std::string_view sep,
                                             bool java = false) {
  std::vector<std::pair<size_t, size_t>> parts;
  size_t start = first;
  for (size_t i = first; i < last; ++i) {
    if (java && src.tokens[i].kind == SourceToken::word && src.token(i) == "new") {
      i = skip_new_type(src, i, last) - 1;
    } else if (is_open(src, i)) {
      i = src.match[i];
    } else if (src.is(i, sep)) {
      parts.emplace_back(start, i);
      start = i + 1;
    }
  }
  parts.emplace_back(start, last);
  return parts;
}

// A callee: a name followed by .name, ?.name, [..] or (..) parts.
bool is_callee(const Source& src, size_t first, size_t last) {
  if (first >= last || src.tokens[first].kind != SourceToken::word) return false;
  static constexpr std::array<std::string_view, 6> kNotCallees = {"new", "typeof", "return", "await", "void", "delete"};
  if (std::find(kNotCallees.begin(), kNotCallees.end(), src.token(first)) != kNotCallees.end()) return false;
  for (size_t i = first + 1; i < last; ++i) {
    if (src.is(i, ".") || src.is(i, "?.")) {
      if (++i >= last || src.tokens[i].kind != SourceToken::word) return false;
    } else if (src.is(i, "[") || src.is(i, "(")) {
      i = src.match[i];
    } else {
      return false;
    }
  }
  return true;
}

// Whether tokens [first, last) are one call; sets `open` to its argument list.
bool is_call(const Source& src, size_t first, size_t last, size_t& open) {
  if (last == first || !src.is(last - 1, ")")) return false;
  open = src.match[last - 1];
  return is_callee(src, first, open);
}

struct Argument {
  std::optional<std::string> name;
  std::pair<size_t, size_t> value;
};

std::vector<Argument> arguments(const Source& src, size_t open, bool java) {
  std::vector<Argument> out;
  const size_t close = src.match[open];
  if (close == open + 1) return out;
  const auto parts = split(src, open + 1, close, ",", java);
  for (size_t k = 0; k < parts.size(); ++k) {
    const auto [first, last] = parts[k];
    if (first == last) {
      if (k + 1 == parts.size() && !java) continue;  // a trailing comma
      syntax_error("empty argument");
    }
    const auto sides = split(src, first, last, "=");
    if (sides.size() == 2) {
      if (sides[0].first == sides[0].second || sides[1].first == sides[1].second) syntax_error("incomplete assignment");
      out.push_back({std::string(src.span(sides[0].first, sides[0].second)), sides[1]});
    } else if (sides.size() > 2) {
      syntax_error("chained assignment in an argument");
    } else if (last == first + 1 && (src.tokens[first].kind == SourceToken::word)) {
      const std::string_view word = src.token(first);
      const bool positional = java ? word != "true" && word != "false" && word != "null" : word != "false" && word != "null";
      if (positional) out.push_back({std::nullopt, {first, last}});
    } else if (java && last == first + 3 && src.is(first + 1, ".") && src.token(first + 2) == "class") {
      out.push_back({std::nullopt, {first, last}});  // a class literal
    }
  }
  return out;
}

Value named_arguments(const std::vector<std::pair<std::optional<std::string>, std::string>>& args) {
  py::DictBuilder dict;
  std::vector<std::string> seen;
  for (const auto& [name, value] : args) {
    const std::string key = name ? "=" + *name : "*";
    if (std::find(seen.begin(), seen.end(), key) != seen.end())
      syntax_error("multiple arguments with the same name are not supported");
    seen.push_back(key);
    dict.set(name ? Value::string(*name) : Value::none(), Value::string(value));
  }
  return dict.take();
}

std::string unquote_js(std::string_view v) {
  const bool quoted = v.size() >= 1 && ((v.front() == '"' && v.back() == '"') || (v.front() == '\'' && v.back() == '\''));
  return quoted ? py::slice(std::string(v), 1, -1) : std::string(v);
}

// Java values as upstream's tree walk rebuilds them: a string or char literal
// loses its quotes (only at the top), a method call keeps its text, `new T[]{..}`
// and `new T(a, b)` are respelled, and anything else is its tokens joined
// without spaces.
std::string java_text(const Source& src, size_t first, size_t last, bool nested);

std::string java_joined(const Source& src, size_t first, size_t last) {
  std::string out;
  for (size_t i = first; i < last; ++i) {
    size_t open = 0;
    if (src.tokens[i].kind == SourceToken::word) {
      // The longest call starting here keeps its own spelling.
      for (size_t end = last; end > i + 1; --end) {
        if (is_call(src, i, end, open)) {
          out += src.span(i, end);
          i = end - 1;
          open = SIZE_MAX;
          break;
        }
      }
      if (open == SIZE_MAX) continue;
    }
    out += src.token(i);
  }
  return out;
}

std::string java_new(const Source& src, size_t first, size_t last) {
  size_t i = first + 1;
  while (i < last && !src.is(i, "(") && !src.is(i, "[") && !src.is(i, "{")) ++i;
  const std::string type = java_joined(src, first + 1, i);
  if (i < last && src.is(i, "[")) {
    while (i < last && src.is(i, "[")) i = src.match[i] + 1;
    if (i >= last || !src.is(i, "{")) syntax_error("array creation without an initializer");
    if (src.match[i] + 1 != last) return java_joined(src, first, last);
    return "new " + type + "[]" + java_joined(src, i, last);
  }
  if (i < last && src.is(i, "(")) {
    const size_t close = src.match[i];
    if (close + 1 != last && !(src.is(close + 1, "{") && src.match[close + 1] + 1 == last)) return java_joined(src, first, last);
    std::string args;
    if (close > i + 1)
      for (const auto& [a, b] : split(src, i + 1, close, ",", true))
        args += (args.empty() ? "" : ", ") + java_text(src, a, b, true);
    return "new " + type + "(" + args + ")";
  }
  return java_joined(src, first, last);
}

std::string java_text(const Source& src, size_t first, size_t last, bool nested) {
  size_t open = 0;
  if (last == first + 1 && src.tokens[first].kind == SourceToken::text) {
    const std::string raw(src.token(first));
    return nested ? raw : py::slice(raw, 1, -1);
  }
  if (is_call(src, first, last, open)) return std::string(src.span(first, last));
  if (src.token(first) == "new") return java_new(src, first, last);
  return java_joined(src, first, last);
}

// The first statement (split at ';') that is a call.
std::optional<size_t> first_call(const Source& src, size_t& first, size_t& last, size_t& open) {
  for (const auto& [a, b] : split(src, 0, src.tokens.size(), ";")) {
    if (is_call(src, a, b, open)) {
      first = a, last = b;
      return open;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::vector<py::DecodedCall>> decode_java(std::string_view text) {
  const Source src = tokenize(text, true);
  size_t first = 0, last = 0, open = 0;
  if (!first_call(src, first, last, open)) return std::nullopt;
  // object.method: the object's text, a dot, the method's name.
  std::string name(src.token(open - 1));
  if (open - first >= 3 && src.is(open - 2, ".")) name = std::string(src.span(first, open - 2)) + "." + name;
  std::vector<std::pair<std::optional<std::string>, std::string>> args;
  for (const Argument& a : arguments(src, open, true)) {
    args.emplace_back(a.name, a.name ? java_text(src, a.value.first, a.value.second, false)
                                     : std::string(src.span(a.value.first, a.value.second)));
  }
  return std::vector<py::DecodedCall>{{name, named_arguments(args)}};
}

std::optional<std::vector<py::DecodedCall>> decode_javascript(std::string_view text) {
  const Source src = tokenize(text, false);
  size_t first = 0, last = 0, open = 0;
  if (!first_call(src, first, last, open)) return std::nullopt;
  std::vector<std::pair<std::optional<std::string>, std::string>> args;
  for (const Argument& a : arguments(src, open, false)) {
    const std::string_view value = src.span(a.value.first, a.value.second);
    args.emplace_back(a.name, a.name ? unquote_js(value) : std::string(value));
  }
  return std::vector<py::DecodedCall>{{std::string(src.span(first, open)), named_arguments(args)}};
}

}  // namespace edgelm::eval::bfcl::convert
