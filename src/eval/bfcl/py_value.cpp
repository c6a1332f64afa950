#include "eval/bfcl/py_value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <locale.h>

#include "edgelm/error.h"
#include "eval/bfcl/py_text.h"
#include "tokenizer/unicode.h"

namespace edgelm::eval::bfcl::py {

Value Value::none() { return {}; }
Value Value::boolean(bool b) {
  Value v;
  v.type = Type::boolean;
  v.flag = b;
  return v;
}
Value Value::integer_value(int64_t i) {
  Value v;
  v.type = Type::integer;
  v.integer = i;
  return v;
}
Value Value::floating(double d) {
  Value v;
  v.type = Type::floating;
  v.real = d;
  return v;
}
Value Value::complex_value(double re, double im) {
  Value v;
  v.type = Type::complex;
  v.real = re;
  v.imag = im;
  return v;
}
Value Value::string(std::string s) {
  Value v;
  v.type = Type::string;
  v.text = std::move(s);
  return v;
}
Value Value::bytes(std::string s) {
  Value v;
  v.type = Type::bytes;
  v.text = std::move(s);
  return v;
}
Value Value::list(std::vector<Value> items) {
  Value v;
  v.type = Type::list;
  v.items = std::move(items);
  return v;
}
Value Value::tuple(std::vector<Value> items) {
  Value v;
  v.type = Type::tuple;
  v.items = std::move(items);
  return v;
}
Value Value::dict() {
  Value v;
  v.type = Type::dict;
  return v;
}

Value integer_from_decimal(const std::string& digits) {
  int64_t i = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), i);
  if (ec == std::errc() && ptr == digits.data() + digits.size()) return Value::integer_value(i);
  // Out of range: keep the digits, without leading zeros ("-0..." cannot happen here).
  Value v;
  v.type = Type::integer;
  const bool negative = !digits.empty() && digits[0] == '-';
  size_t first = negative ? 1 : 0;
  while (first + 1 < digits.size() && digits[first] == '0') ++first;
  v.big = (negative ? "-" : "") + digits.substr(first);
  return v;
}

namespace {

// Exact decimal of an integral double (glibc prints it exactly).
std::string integral_decimal(double d) {
  char buf[400];
  std::snprintf(buf, sizeof buf, "%.0f", d);
  return buf;
}

constexpr double kTwo63 = 9223372036854775808.0;

// A real number as Python compares it: an exact integer or a double.
struct Real {
  bool is_int = true;
  int64_t i = 0;
  std::string big;
  double d = 0;
};

Real real_part(const Value& v) {
  Real r;
  switch (v.type) {
    case Type::boolean: r.i = v.flag ? 1 : 0; break;
    case Type::integer: r.i = v.integer, r.big = v.big; break;
    default: r.is_int = false, r.d = v.real; break;
  }
  return r;
}

bool int_equals_double(const Real& n, double d) {
  if (!std::isfinite(d) || d != std::trunc(d)) return false;
  if (d >= -kTwo63 && d < kTwo63) return n.big.empty() && static_cast<int64_t>(d) == n.i;
  return !n.big.empty() && integral_decimal(d) == n.big;
}

bool reals_equal(const Real& a, const Real& b) {
  if (a.is_int && b.is_int) return a.big == b.big && (!a.big.empty() || a.i == b.i);
  if (a.is_int) return int_equals_double(a, b.d);
  if (b.is_int) return int_equals_double(b, a.d);
  return a.d == b.d;
}

bool numbers_equal(const Value& a, const Value& b) {
  const double ai = a.type == Type::complex ? a.imag : 0.0;
  const double bi = b.type == Type::complex ? b.imag : 0.0;
  if (ai != bi) return false;
  return reals_equal(real_part(a), real_part(b));
}

bool dicts_equal(const Value& a, const Value& b) {
  if (a.entries.size() != b.entries.size()) return false;
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < b.entries.size(); ++i) index.emplace(key_of(b.entries[i].key), i);
  for (const auto& [key, value] : a.entries) {
    const auto it = index.find(key_of(key));
    if (it == index.end() || !equal(value, b.entries[it->second].value)) return false;
  }
  return true;
}

// Malformed bytes print as U+FFFD (see py_text.h), not as pystr's escapes.
std::string str_repr(const std::string& text) { return pystr::repr(tok::utf8_sanitize(text)); }

// Python's repr() of bytes: str's quote and escape rules, then printable ASCII
// as it is and every other byte as \xhh.
std::string bytes_repr(const std::string& data) {
  const char quote = pystr::repr_quote(data);
  std::string out = "b";
  out += quote;
  for (char c : data) {
    const auto b = static_cast<unsigned char>(c);
    if (pystr::append_repr_escape(out, b, quote)) continue;
    if (b < 0x20 || b >= 0x7F) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", b);
      out += hex;
    } else {
      out += c;
    }
  }
  return out + quote;
}

std::string complex_repr(double re, double im) {
  if (re == 0.0 && !std::signbit(re)) return float_repr(im, false) + "j";
  std::string imag = float_repr(im, false);
  if (imag[0] != '-') imag = "+" + imag;
  return "(" + float_repr(re, false) + imag + "j)";
}

template <typename Range>
std::string join_repr(const Range& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + repr(items[i]);
  return out;
}

}  // namespace

bool equal(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) return numbers_equal(a, b);
  if (a.type != b.type) return false;
  switch (a.type) {
    case Type::none: return true;
    case Type::string:
    case Type::bytes: return a.text == b.text;
    case Type::list:
    case Type::tuple:
      if (a.items.size() != b.items.size()) return false;
      for (size_t i = 0; i < a.items.size(); ++i)
        if (!equal(a.items[i], b.items[i])) return false;
      return true;
    case Type::dict: return dicts_equal(a, b);
    default: return false;  // numbers handled above
  }
}

bool hashable(const Value& v) {
  if (v.type == Type::list || v.type == Type::dict) return false;
  if (v.type == Type::tuple)
    for (const Value& item : v.items)
      if (!hashable(item)) return false;
  return true;
}

std::string key_of(const Value& v) {
  switch (v.type) {
    case Type::none: return "N";
    case Type::string: return "s" + v.text;
    case Type::bytes: return "b" + v.text;
    case Type::tuple: {
      std::string out = "t" + std::to_string(v.items.size());
      for (const Value& item : v.items) {
        const std::string k = key_of(item);
        out += ":" + std::to_string(k.size()) + ":" + k;
      }
      return out;
    }
    case Type::complex:
      if (v.imag != 0.0) return "c" + float_repr(v.real) + "," + float_repr(v.imag);
      [[fallthrough]];
    case Type::floating:
      if (std::isfinite(v.real) && v.real == std::trunc(v.real)) {
        if (v.real >= -kTwo63 && v.real < kTwo63) return "i" + std::to_string(static_cast<int64_t>(v.real));
        return "i" + integral_decimal(v.real);
      }
      return "f" + float_repr(v.real);
    case Type::boolean: return v.flag ? "i1" : "i0";
    case Type::integer: return "i" + (v.big.empty() ? std::to_string(v.integer) : v.big);
    default: return "?";  // unhashable: callers check hashable() first
  }
}

void DictBuilder::set(Value key, Value value) {
  const auto [it, inserted] = index_.emplace(key_of(key), dict_.entries.size());
  if (inserted) {
    dict_.entries.push_back({std::move(key), std::move(value)});
  } else {
    dict_.entries[it->second].value = std::move(value);
  }
}

const Value* dict_get(const Value& dict, const Value& key) {
  for (const auto& entry : dict.entries)
    if (equal(entry.key, key)) return &entry.value;
  return nullptr;
}

std::string type_name(const Value& v) {
  switch (v.type) {
    case Type::none: return "NoneType";
    case Type::boolean: return "bool";
    case Type::integer: return "int";
    case Type::floating: return "float";
    case Type::complex: return "complex";
    case Type::string: return "str";
    case Type::bytes: return "bytes";
    case Type::list: return "list";
    case Type::tuple: return "tuple";
    case Type::dict: return "dict";
  }
  return "object";
}

std::string float_repr(double d, bool add_dot_zero) {
  std::string out = pystr::float_repr(d);
  // Shortest digits never end in 0, so a ".0" ending is always the one repr adds.
  if (!add_dot_zero && out.ends_with(".0")) out.resize(out.size() - 2);
  return out;
}

std::string repr(const Value& v) {
  switch (v.type) {
    case Type::none: return "None";
    case Type::boolean: return v.flag ? "True" : "False";
    case Type::integer: return v.big.empty() ? std::to_string(v.integer) : v.big;
    case Type::floating: return float_repr(v.real);
    case Type::complex: return complex_repr(v.real, v.imag);
    case Type::string: return str_repr(v.text);
    case Type::bytes: return bytes_repr(v.text);
    case Type::list: return "[" + join_repr(v.items) + "]";
    case Type::tuple: return "(" + join_repr(v.items) + (v.items.size() == 1 ? ",)" : ")");
    case Type::dict: {
      std::string out = "{";
      for (size_t i = 0; i < v.entries.size(); ++i)
        out += (i ? ", " : "") + repr(v.entries[i].key) + ": " + repr(v.entries[i].value);
      return out + "}";
    }
  }
  return "?";
}

namespace {

template <typename Json>
Value value_from_json(const Json& j, int max_depth) {
  if (max_depth < 0) throw Error("BFCL: JSON value nests too deeply");
  switch (j.type()) {
    case Json::value_t::null: return Value::none();
    case Json::value_t::boolean: return Value::boolean(j.template get<bool>());
    case Json::value_t::number_integer: return Value::integer_value(j.template get<int64_t>());
    case Json::value_t::number_unsigned: return integer_from_decimal(std::to_string(j.template get<uint64_t>()));
    case Json::value_t::number_float: return Value::floating(j.template get<double>());
    case Json::value_t::string: return Value::string(j.template get<std::string>());
    case Json::value_t::binary: {
      const auto& bin = j.get_binary();
      return Value::bytes(std::string(bin.begin(), bin.end()));
    }
    case Json::value_t::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (const auto& item : j) items.push_back(value_from_json(item, max_depth - 1));
      return Value::list(std::move(items));
    }
    case Json::value_t::object: {
      // JSON object keys are unique strings, so no dict_set search is needed.
      Value dict = Value::dict();
      for (const auto& [key, item] : j.items()) dict.entries.push_back({Value::string(key), value_from_json(item, max_depth - 1)});
      return dict;
    }
    case Json::value_t::discarded: break;
  }
  throw Error("BFCL: unsupported JSON value");
}

}  // namespace

Value from_json(const nlohmann::json& j, int max_depth) { return value_from_json(j, max_depth); }
Value from_json(const nlohmann::ordered_json& j, int max_depth) { return value_from_json(j, max_depth); }

nlohmann::json to_json(const Value& v) {
  switch (v.type) {
    case Type::none: return nullptr;
    case Type::boolean: return v.flag;
    case Type::integer:
      if (v.big.empty()) return v.integer;
      if (v.big[0] != '-') {
        uint64_t u = 0;
        const auto [ptr, ec] = std::from_chars(v.big.data(), v.big.data() + v.big.size(), u);
        if (ec == std::errc() && ptr == v.big.data() + v.big.size()) return u;
      }
      return to_double(v.big);
    case Type::floating: return v.real;
    case Type::complex:
    case Type::bytes: return repr(v);
    case Type::string: return v.text;
    case Type::list:
    case Type::tuple: {
      nlohmann::json out = nlohmann::json::array();
      for (const Value& item : v.items) out.push_back(to_json(item));
      return out;
    }
    case Type::dict: {
      nlohmann::json out = nlohmann::json::object();
      for (const auto& [key, item] : v.entries) {
        const std::string name = key.is_str() ? key.text : key.type == Type::none ? "**" : repr(key);
        out[name] = to_json(item);
      }
      return out;
    }
  }
  return nullptr;
}

}  // namespace edgelm::eval::bfcl::py

namespace edgelm::eval::bfcl::py {
namespace {

[[noreturn]] void raises(const std::string& what) { throw UpstreamRaises(what); }

bool is_index(const Value& v) { return (v.type == Type::integer && v.big.empty()) || v.type == Type::boolean; }
int64_t index_of(const Value& v) { return v.type == Type::boolean ? (v.flag ? 1 : 0) : v.integer; }

// Digits with single underscores between them, as int() and float() accept.
bool digits_ok(std::string_view s) {
  if (s.empty() || s.front() == '_' || s.back() == '_') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_') {
      if (s[i + 1] == '_') return false;
    } else if (s[i] < '0' || s[i] > '9') {
      return false;
    }
  }
  return true;
}

std::string without_underscores(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != '_') out += c;
  return out;
}

}  // namespace

std::vector<Value> iterate(const Value& v) {
  switch (v.type) {
    case Type::list:
    case Type::tuple: return v.items;
    case Type::dict: {
      std::vector<Value> keys;
      for (const auto& entry : v.entries) keys.push_back(entry.key);
      return keys;
    }
    case Type::string: {
      std::vector<Value> chars;
      for (char32_t cp : code_points(v.text)) {
        std::string one;
        pystr::append_utf8(one, cp);
        chars.push_back(Value::string(std::move(one)));
      }
      return chars;
    }
    case Type::bytes: {
      std::vector<Value> bytes;
      for (char c : v.text) bytes.push_back(Value::integer_value(static_cast<unsigned char>(c)));
      return bytes;
    }
    default: raises("TypeError: '" + type_name(v) + "' object is not iterable");
  }
}

size_t py_len(const Value& v) {
  switch (v.type) {
    case Type::list:
    case Type::tuple: return v.items.size();
    case Type::dict: return v.entries.size();
    case Type::string: return pystr::length(v.text);  // a malformed byte counts as one, as code_points reads it
    case Type::bytes: return v.text.size();
    default: raises("TypeError: object of type '" + type_name(v) + "' has no len()");
  }
}

Value subscript(const Value& container, const Value& index) {
  if (container.type == Type::dict) {
    if (!hashable(index)) raises("TypeError: unhashable type: '" + type_name(index) + "'");
    const Value* found = dict_get(container, index);
    if (!found) raises("KeyError: " + repr(index));
    return *found;
  }
  if (container.type != Type::list && container.type != Type::tuple && container.type != Type::string &&
      container.type != Type::bytes)
    raises("TypeError: '" + type_name(container) + "' object is not subscriptable");
  if (!is_index(index)) raises("TypeError: indices must be integers, not " + type_name(index));
  const std::vector<Value> items = container.type == Type::list || container.type == Type::tuple ? container.items : iterate(container);
  int64_t i = index_of(index);
  if (i < 0) i += static_cast<int64_t>(items.size());
  if (i < 0 || i >= static_cast<int64_t>(items.size())) raises("IndexError: index out of range");
  return items[static_cast<size_t>(i)];
}

bool contains(const Value& container, const Value& item) {
  switch (container.type) {
    case Type::list:
    case Type::tuple:
      return std::any_of(container.items.begin(), container.items.end(), [&](const Value& x) { return equal(x, item); });
    case Type::dict:
      if (!hashable(item)) raises("TypeError: unhashable type: '" + type_name(item) + "'");
      return dict_get(container, item) != nullptr;
    case Type::string:
      if (item.type != Type::string) raises("TypeError: 'in <string>' requires string as left operand");
      return container.text.find(item.text) != std::string::npos;
    case Type::bytes:
      if (item.type == Type::bytes) return container.text.find(item.text) != std::string::npos;
      if (is_index(item)) return container.text.find(static_cast<char>(index_of(item))) != std::string::npos;
      raises("TypeError: a bytes-like object is required");
    default: raises("TypeError: argument of type '" + type_name(container) + "' is not iterable");
  }
}

std::string slice(const std::string& s, int64_t begin, int64_t end) {
  const std::u32string cps = code_points(s);
  const auto n = static_cast<int64_t>(cps.size());
  const auto clamp = [n](int64_t i) { return std::clamp(i < 0 ? i + n : i, int64_t{0}, n); };
  std::string out;
  for (int64_t i = clamp(begin); i < clamp(end); ++i) pystr::append_utf8(out, cps[static_cast<size_t>(i)]);
  return out;
}

std::optional<Value> parse_int(const std::string& s) {
  std::string t = strip(s);
  std::string sign;
  if (!t.empty() && (t[0] == '+' || t[0] == '-')) {
    if (t[0] == '-') sign = "-";
    t.erase(0, 1);
  }
  if (!digits_ok(t)) return std::nullopt;
  return integer_from_decimal(sign + without_underscores(t));
}

double to_double(const std::string& digits) {
  static const locale_t c_locale = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(0));
  return strtod_l(digits.c_str(), nullptr, c_locale);
}

std::optional<Value> parse_float(const std::string& s) {
  std::string t = strip(s);
  std::string sign;
  if (!t.empty() && (t[0] == '+' || t[0] == '-')) {
    if (t[0] == '-') sign = "-";
    t.erase(0, 1);
  }
  std::string lowered = lower(t);
  if (lowered == "inf" || lowered == "infinity")
    return Value::floating(sign.empty() ? HUGE_VAL : -HUGE_VAL);
  if (lowered == "nan") return Value::floating(std::nan(""));
  // digits [. [digits]] | . digits, then an optional exponent.
  const size_t e = lowered.find('e');
  const std::string mantissa = lowered.substr(0, e);
  if (e != std::string::npos) {
    std::string exponent = lowered.substr(e + 1);
    if (!exponent.empty() && (exponent[0] == '+' || exponent[0] == '-')) exponent.erase(0, 1);
    if (!digits_ok(exponent)) return std::nullopt;
  }
  const size_t dot = mantissa.find('.');
  const std::string whole = mantissa.substr(0, dot);
  const std::string fraction = dot == std::string::npos ? "" : mantissa.substr(dot + 1);
  const bool whole_ok = whole.empty() || digits_ok(whole);
  const bool fraction_ok = fraction.empty() || digits_ok(fraction);
  if (!whole_ok || !fraction_ok || (whole.empty() && fraction.empty())) return std::nullopt;
  return Value::floating(to_double(sign + without_underscores(lowered)));
}

}  // namespace edgelm::eval::bfcl::py
