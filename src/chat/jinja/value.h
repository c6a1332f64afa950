// Runtime values of the template interpreter, modelled on the Python objects
// Jinja2 works with: undefined, None, bool, int, float, str, list/tuple, dict
// (insertion ordered), namespace, callables (macros, bound methods, globals)
// and the `loop` object.
//
// Strings, lists and dicts are immutable once built (the reference renderer is
// Jinja2's *immutable* sandbox) and shared by pointer, so copying a Value is
// cheap. Only namespaces and the loop object are mutable.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "chat/jinja/error.h"
#include "chat/jinja/hash.h"

namespace edgelm::jinja {

class Value;
struct List;
class Dict;
struct Namespace;
struct Callable;
struct LoopState;

// Containers deeper than this are refused (LimitError): it bounds the
// recursion of printing, comparing and serializing values.
constexpr uint32_t kMaxValueDepth = 512;
// The "weight" of a value counts every element reachable from it, shared
// sub-lists once per reference, and strings by length/16. Refusing heavier
// containers keeps comparisons and printing linear in what was built
// ([big] * 1000000 is cheap to build but not to compare).
constexpr uint64_t kMaxValueWeight = 8u << 20;
// str()/repr() of containers stop with a LimitError beyond this many bytes.
constexpr size_t kMaxReprBytes = 64u << 20;

// Why a value is undefined: the message Jinja2 raises when it is used.
struct UndefinedInfo {
  std::string message;
  ErrorKind kind = ErrorKind::UndefinedError;  // SecurityError for sandbox-refused attributes
};

// Python ints are unbounded; 128 bits hold every integer JSON input can carry
// (up to 2^64-1) and arithmetic beyond that is a LimitError.
using BigInt = __int128;

class Value {
 public:
  enum class Kind : uint8_t { Undefined, None, Bool, Int, Float, String, List, Dict, Namespace, Callable, Loop };

  Value() = default;  // undefined without a message ("'?' is undefined")
  static Value undefined(std::string message, ErrorKind kind = ErrorKind::UndefinedError);
  static Value none() { return Value(Storage(std::in_place_index<1>)); }
  static Value boolean(bool b) { return Value(Storage(std::in_place_index<2>, b)); }
  static Value integer(BigInt i) { return Value(Storage(std::in_place_index<3>, i)); }
  static Value number(double d) { return Value(Storage(std::in_place_index<4>, d)); }
  static Value string(std::string s);
  static Value list(std::vector<Value> items, bool is_tuple = false);  // LimitError when too deep
  static Value dict(Dict d);
  static Value from(std::shared_ptr<const List> l) { return Value(Storage(std::in_place_index<6>, std::move(l))); }
  static Value from(std::shared_ptr<const Dict> d) { return Value(Storage(std::in_place_index<7>, std::move(d))); }
  static Value from(std::shared_ptr<Namespace> n) { return Value(Storage(std::in_place_index<8>, std::move(n))); }
  static Value from(std::shared_ptr<const Callable> c) { return Value(Storage(std::in_place_index<9>, std::move(c))); }
  static Value from(std::shared_ptr<LoopState> l) { return Value(Storage(std::in_place_index<10>, std::move(l))); }

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_undefined() const { return kind() == Kind::Undefined; }
  bool is_none() const { return kind() == Kind::None; }
  bool is_bool() const { return kind() == Kind::Bool; }
  bool is_int() const { return kind() == Kind::Int; }
  bool is_float() const { return kind() == Kind::Float; }
  bool is_number() const { return is_bool() || is_int() || is_float(); }  // Python: bool is an int
  bool is_integral() const { return is_bool() || is_int(); }
  bool is_string() const { return kind() == Kind::String; }
  bool is_list() const { return kind() == Kind::List; }  // lists and tuples
  bool is_dict() const { return kind() == Kind::Dict; }
  bool is_namespace() const { return kind() == Kind::Namespace; }
  bool is_callable() const { return kind() == Kind::Callable; }
  bool is_loop() const { return kind() == Kind::Loop; }

  bool as_bool() const { return std::get<2>(v_); }
  BigInt as_bigint() const { return is_bool() ? std::get<2>(v_) : std::get<3>(v_); }  // bool or int
  // The int clamped to int64 (for indexes, counts and widths, where anything
  // that large is out of range anyway).
  int64_t as_int() const;
  double as_double() const { return is_float() ? std::get<4>(v_) : static_cast<double>(as_bigint()); }
  const std::string& str() const { return *std::get<5>(v_); }
  const List& list() const { return *std::get<6>(v_); }
  const Dict& dict() const { return *std::get<7>(v_); }
  const std::shared_ptr<const List>& list_ptr() const { return std::get<6>(v_); }
  const std::shared_ptr<const Dict>& dict_ptr() const { return std::get<7>(v_); }
  Namespace& ns() const { return *std::get<8>(v_); }
  const std::shared_ptr<Namespace>& ns_ptr() const { return std::get<8>(v_); }
  const Callable& callable() const { return *std::get<9>(v_); }
  LoopState& loop() const { return *std::get<10>(v_); }
  const void* identity() const;  // object identity for containers/objects, nullptr for scalars
  const UndefinedInfo* undefined_info() const { return std::get<0>(v_).get(); }
  uint32_t depth() const;   // container nesting depth (0 for scalars)
  uint64_t weight() const;  // see kMaxValueWeight

 private:
  using Storage = std::variant<std::shared_ptr<const UndefinedInfo>, std::monostate, bool, BigInt, double,
                               std::shared_ptr<const std::string>, std::shared_ptr<const List>,
                               std::shared_ptr<const Dict>, std::shared_ptr<Namespace>,
                               std::shared_ptr<const Callable>, std::shared_ptr<LoopState>>;
  explicit Value(Storage s) : v_(std::move(s)) {}
  Storage v_;
};

struct List {
  std::vector<Value> items;
  bool is_tuple = false;
  uint32_t depth = 1;
  uint64_t weight = 1;
};

// An insertion-ordered dict. String keys are indexed by hash; other keys
// (rare: ints, bools, None, tuples from template literals) are compared with
// Python equality, so 1, 1.0 and True are the same key as in Python.
class Dict {
 public:
  const Value* find(const Value& key) const;  // nullptr when absent or unhashable
  const Value* find(std::string_view key) const;
  // Inserts or replaces (a replaced key keeps its position). TypeError for an
  // unhashable key.
  void set(const Value& key, Value value);
  const std::vector<std::pair<Value, Value>>& items() const { return items_; }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  uint32_t depth() const { return depth_; }
  uint64_t weight() const { return weight_; }
  void clear();

 private:
  static constexpr size_t npos = static_cast<size_t>(-1);
  size_t index_of(const Value& key) const;
  std::vector<std::pair<Value, Value>> items_;
  std::unordered_map<std::string, size_t, KeyedHash, std::equal_to<>> string_index_;
  std::unordered_multimap<uint64_t, size_t> other_index_;  // hash_key() of the other keys
  uint32_t depth_ = 1;
  uint64_t weight_ = 1;
};

// Jinja2's namespace(): a mutable bag of attributes.
struct Namespace {
  Dict attrs;
};

namespace ast {
struct Stmt;
}
struct Scope;
class Interpreter;

// Arguments of a call: positional, then keyword in source order.
struct CallArgs {
  std::vector<Value> args;
  std::vector<std::pair<std::string, Value>> kwargs;
};

using BuiltinFn = Value (*)(Interpreter&, const CallArgs&);

struct Callable {
  enum class Type { Macro, Method, Builtin };
  Type type = Type::Builtin;
  std::string name;
  const ast::Stmt* macro = nullptr;  // Macro: its definition (parameters and body)
  std::shared_ptr<Scope> closure;    // Macro: the scope it was defined in
  Value self;                        // Method: the receiver ("abc" in "abc".upper)
  BuiltinFn fn = nullptr;            // Builtin: global function (range, namespace, ...)
};

// The `loop` variable of a for loop.
struct LoopState {
  std::shared_ptr<const List> items;  // the iterated items (after the loop filter)
  size_t index0 = 0;
};

// Python semantics helpers.
bool is_hashable(const Value& v);
// Hash of a hashable value, consistent with equal(): 1, 1.0 and True hash alike.
uint64_t hash_key(const Value& v);
bool truthy(const Value& v);
std::string to_str(const Value& v);   // str(v); undefined prints as ""
std::string repr(const Value& v);     // repr(v)
bool equal(const Value& a, const Value& b);
const char* type_name(const Value& v);         // type(v).__name__
std::string object_type_repr(const Value& v);  // Jinja2's object_type_repr ("dict object", "None", ...)
// Python iteration: str -> characters, list -> items, dict -> keys, undefined -> nothing.
// TypeError "'int' object is not iterable" otherwise.
std::vector<Value> iterate(const Value& v);
// Python len(); TypeError "object of type 'int' has no len()".
size_t py_len(const Value& v);
// Python `<` for sorting and comparisons; TypeError for mixed incomparable types.
bool less(const Value& a, const Value& b, const char* op = "<");

// Undefined values with Jinja2's messages.
Value undefined_name(std::string_view name);                          // "'x' is undefined"
Value undefined_attribute(const Value& obj, std::string_view name);   // "'dict object' has no attribute 'x'"
Value undefined_element(const Value& obj, const Value& index);        // "list object has no element 0"
[[noreturn]] void raise_undefined(const Value& v);

}  // namespace edgelm::jinja
