// The Python values the official checker compares. Its rules lean on Python
// semantics that JSON does not have: tuples differ from lists, bool is not
// int for type() but True == 1 for `in`, 1 == 1.0, dict keys need not be
// strings, and dicts keep insertion order. Decoded model output and ground
// truth are both turned into these values before checking.
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace edgelm::eval::bfcl::py {

// Where the official checker's Python code would raise (a KeyError on an
// unknown type name, a TypeError on a malformed ground truth, a
// NotImplementedError for Java sets): the whole upstream run would stop;
// here the one verdict says so.
struct UpstreamRaises : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class Type { none, boolean, integer, floating, complex, string, bytes, list, tuple, dict };

struct Entry;  // a dict's key and value

struct Value {
  Type type = Type::none;
  bool flag = false;          // boolean
  int64_t integer = 0;        // integer, when `big` is empty
  std::string big;            // integer outside int64: its decimal digits with sign
  double real = 0, imag = 0;  // floating (real), complex (both)
  std::string text;           // string (UTF-8) or bytes
  std::vector<Value> items;   // list, tuple
  std::vector<Entry> entries;  // dict, in insertion order

  static Value none();
  static Value boolean(bool b);
  static Value integer_value(int64_t i);
  static Value floating(double d);
  static Value complex_value(double re, double im);
  static Value string(std::string s);
  static Value bytes(std::string s);
  static Value list(std::vector<Value> items);
  static Value tuple(std::vector<Value> items);
  static Value dict();  // empty; fill with dict_set

  bool is_str() const { return type == Type::string; }
  bool is_number() const {
    return type == Type::boolean || type == Type::integer || type == Type::floating || type == Type::complex;
  }
};

struct Entry {
  Value key;
  Value value;
};

// An integer from its decimal digits (optional leading '-'), big if needed.
Value integer_from_decimal(const std::string& digits);

// Python `a == b`.
bool equal(const Value& a, const Value& b);
// Python hashability (lists and dicts are not; tuples are if their items are).
bool hashable(const Value& v);
// A string equal for values that Python treats as the same dict key
// (1, 1.0 and True; equal tuples). Only for hashable values.
std::string key_of(const Value& v);
// Builds a dict as Python evaluates a display: d[key] = value replaces the
// value of an equal key in place (keeping the first key object and its
// position) or appends. Hashes keys, so big displays stay linear.
class DictBuilder {
 public:
  // Keys must be hashable().
  void set(Value key, Value value);
  Value take() { return std::move(dict_); }

 private:
  Value dict_ = Value::dict();
  std::unordered_map<std::string, size_t> index_;
};
// The entry whose key equals `key`, or nullptr.
const Value* dict_get(const Value& dict, const Value& key);

// type(v).__name__
std::string type_name(const Value& v);
// repr(v), as Python prints it.
std::string repr(const Value& v);
// repr() of a float, and the 'r' format without the trailing ".0" that
// complex numbers use for their parts.
std::string float_repr(double d, bool add_dot_zero = true);

// Python's iteration over a value (items, a str's characters, a dict's
// keys), len(), container[index] and `item in container`; UpstreamRaises
// where Python raises.
std::vector<Value> iterate(const Value& v);
size_t py_len(const Value& v);
Value subscript(const Value& container, const Value& index);
bool contains(const Value& container, const Value& item);
// s[begin:end] of a str, counted in code points (negative from the end).
std::string slice(const std::string& s, int64_t begin, int64_t end);
// int(s) and float(s) of a str; nullopt where Python raises ValueError.
std::optional<Value> parse_int(const std::string& s);
std::optional<Value> parse_float(const std::string& s);
// strtod of validated float digits, whatever the process locale.
double to_double(const std::string& digits);

// JSON (ground truth, tool-call arguments) as Python's json.load reads it:
// arrays are lists, objects dicts with string keys. Throws edgelm::Error past
// `max_depth` levels.
Value from_json(const nlohmann::json& j, int max_depth = 256);
// The same keeping the text's key order (the order a model wrote arguments in).
Value from_json(const nlohmann::ordered_json& j, int max_depth = 256);
// Back to JSON for callers that only speak JSON: tuples become arrays, bytes
// and complex numbers their repr, non-string dict keys their repr, the
// argument key of `**x` (None) "**", and integers beyond 64 bits doubles.
nlohmann::json to_json(const Value& v);

}  // namespace edgelm::eval::bfcl::py
