// Python object semantics for template values (see value.h).
#include "chat/jinja/value.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "chat/jinja/pystr.h"

namespace edgelm::jinja {

const char* error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::TemplateSyntaxError: return "TemplateSyntaxError";
    case ErrorKind::TemplateAssertionError: return "TemplateAssertionError";
    case ErrorKind::TemplateRuntimeError: return "TemplateRuntimeError";
    case ErrorKind::TemplateError: return "TemplateError";
    case ErrorKind::UndefinedError: return "UndefinedError";
    case ErrorKind::SecurityError: return "SecurityError";
    case ErrorKind::TypeError: return "TypeError";
    case ErrorKind::AttributeError: return "AttributeError";
    case ErrorKind::ValueError: return "ValueError";
    case ErrorKind::IndexError: return "IndexError";
    case ErrorKind::KeyError: return "KeyError";
    case ErrorKind::ZeroDivisionError: return "ZeroDivisionError";
    case ErrorKind::OverflowError: return "OverflowError";
    case ErrorKind::LimitError: return "LimitError";
  }
  return "Error";
}

// ---- construction ----------------------------------------------------------

Value Value::undefined(std::string message, ErrorKind kind) {
  return Value(Storage(std::in_place_index<0>, std::make_shared<const UndefinedInfo>(UndefinedInfo{std::move(message), kind})));
}

Value Value::string(std::string s) {
  return Value(Storage(std::in_place_index<5>, std::make_shared<const std::string>(std::move(s))));
}

namespace {

void check_weight(uint64_t w) {
  if (w > kMaxValueWeight) throw Error(ErrorKind::LimitError, "value is too large (too many elements)");
}

}  // namespace

Value Value::list(std::vector<Value> items, bool is_tuple) {
  uint32_t depth = 0;
  uint64_t weight = 1;
  for (const Value& v : items) {
    depth = std::max(depth, v.depth());
    weight += v.weight();
    check_weight(weight);
  }
  if (depth + 1 > kMaxValueDepth) throw Error(ErrorKind::LimitError, "value nesting is too deep");
  auto l = std::make_shared<List>();
  l->items = std::move(items);
  l->is_tuple = is_tuple;
  l->depth = depth + 1;
  l->weight = weight;
  return from(std::shared_ptr<const List>(std::move(l)));
}

Value Value::dict(Dict d) { return from(std::make_shared<const Dict>(std::move(d))); }

int64_t Value::as_int() const {
  const BigInt v = as_bigint();
  if (v > INT64_MAX) return INT64_MAX;
  if (v < INT64_MIN) return INT64_MIN;
  return static_cast<int64_t>(v);
}

uint64_t Value::weight() const {
  switch (kind()) {
    case Kind::String: return 1 + str().size() / 16;
    case Kind::List: return list().weight;
    case Kind::Dict: return dict().weight();
    default: return 1;
  }
}

uint32_t Value::depth() const {
  if (is_list()) return list().depth;
  if (is_dict()) return dict().depth();
  return 0;
}

const void* Value::identity() const {
  switch (kind()) {
    case Kind::String: return std::get<5>(v_).get();
    case Kind::List: return std::get<6>(v_).get();
    case Kind::Dict: return std::get<7>(v_).get();
    case Kind::Namespace: return std::get<8>(v_).get();
    case Kind::Callable: return std::get<9>(v_).get();
    case Kind::Loop: return std::get<10>(v_).get();
    default: return nullptr;
  }
}

// ---- dict ------------------------------------------------------------------

bool is_hashable(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::List:
      if (!v.list().is_tuple) return false;
      return std::all_of(v.list().items.begin(), v.list().items.end(), is_hashable);
    case Value::Kind::Dict:
      return false;
    default:
      return true;
  }
}

uint64_t hash_key(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined:
    case Value::Kind::None: return hash_word(0x6e6f6e65);
    case Value::Kind::Bool:
    case Value::Kind::Int: {
      const auto u = static_cast<unsigned __int128>(v.as_bigint());
      return hash_word(static_cast<uint64_t>(u >> 64), hash_word(static_cast<uint64_t>(u)));
    }
    case Value::Kind::Float: {
      // An integral float equals the int of the same value, so hashes like it.
      const double d = v.as_double();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1.7e38)
        return hash_key(Value::integer(static_cast<BigInt>(d)));
      uint64_t bits;
      std::memcpy(&bits, &d, sizeof bits);
      return hash_word(bits, 0x666c6f6174);
    }
    case Value::Kind::String: return hash_bytes(v.str());
    case Value::Kind::List: {
      uint64_t h = hash_word(v.list().items.size(), 0x7475706c65);
      for (const Value& item : v.list().items) h = hash_word(hash_key(item), h);
      return h;
    }
    case Value::Kind::Callable:
      if (v.callable().type == Callable::Type::Method)
        return hash_word(reinterpret_cast<uintptr_t>(v.callable().self.identity()), hash_bytes(v.callable().name));
      return hash_word(reinterpret_cast<uintptr_t>(v.identity()));
    default: return hash_word(reinterpret_cast<uintptr_t>(v.identity()));
  }
}

size_t Dict::index_of(const Value& key) const {
  if (key.is_string()) {
    auto it = string_index_.find(key.str());
    return it == string_index_.end() ? npos : it->second;
  }
  if (!is_hashable(key)) return npos;
  auto [lo, hi] = other_index_.equal_range(hash_key(key));
  for (auto it = lo; it != hi; ++it)
    if (equal(items_[it->second].first, key)) return it->second;
  return npos;
}

const Value* Dict::find(std::string_view key) const {
  auto it = string_index_.find(key);
  return it == string_index_.end() ? nullptr : &items_[it->second].second;
}

const Value* Dict::find(const Value& key) const {
  const size_t i = index_of(key);
  return i == npos ? nullptr : &items_[i].second;
}

void Dict::set(const Value& key, Value value) {
  if (!is_hashable(key)) throw Error(ErrorKind::TypeError, std::string("unhashable type: '") + type_name(key) + "'");
  if (value.depth() + 1 > kMaxValueDepth) throw Error(ErrorKind::LimitError, "value nesting is too deep");
  depth_ = std::max(depth_, value.depth() + 1);  // an upper bound once values are replaced
  const size_t i = index_of(key);
  if (i != npos) {  // namespaces replace attributes again and again
    weight_ = weight_ - items_[i].second.weight() + value.weight();
    check_weight(weight_);
    items_[i].second = std::move(value);
    return;
  }
  weight_ += value.weight() + key.weight();
  check_weight(weight_);
  if (key.is_string()) string_index_.emplace(key.str(), items_.size());
  else other_index_.emplace(hash_key(key), items_.size());
  items_.emplace_back(key, std::move(value));
}

void Dict::clear() {
  items_.clear();
  string_index_.clear();
  other_index_.clear();
  depth_ = 1;
  weight_ = 1;
}

// ---- truthiness, str, repr -------------------------------------------------

bool truthy(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined:
    case Value::Kind::None: return false;
    case Value::Kind::Bool: return v.as_bool();
    case Value::Kind::Int: return v.as_bigint() != 0;
    case Value::Kind::Float: return v.as_double() != 0.0;
    case Value::Kind::String: return !v.str().empty();
    case Value::Kind::List: return !v.list().items.empty();
    case Value::Kind::Dict: return !v.dict().empty();
    default: return true;
  }
}

const char* type_name(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined: return "Undefined";
    case Value::Kind::None: return "NoneType";
    case Value::Kind::Bool: return "bool";
    case Value::Kind::Int: return "int";
    case Value::Kind::Float: return "float";
    case Value::Kind::String: return "str";
    case Value::Kind::List: return v.list().is_tuple ? "tuple" : "list";
    case Value::Kind::Dict: return "dict";
    case Value::Kind::Namespace: return "Namespace";
    case Value::Kind::Callable:
      return v.callable().type == Callable::Type::Macro ? "Macro" : "builtin_function_or_method";
    case Value::Kind::Loop: return "LoopContext";
  }
  return "object";
}

std::string object_type_repr(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::None: return "None";
    case Value::Kind::Undefined: return "jinja2.runtime.Undefined object";
    case Value::Kind::Namespace: return "jinja2.utils.Namespace object";
    case Value::Kind::Loop: return "jinja2.runtime.LoopContext object";
    case Value::Kind::Callable:
      if (v.callable().type == Callable::Type::Macro) return "jinja2.runtime.Macro object";
      return "builtin_function_or_method object";
    default: return std::string(type_name(v)) + " object";
  }
}

namespace {

// Builds repr() text with a size cap and Python's "{...}" for a namespace
// that (indirectly) contains itself.
struct ReprWriter {
  std::string out;
  std::vector<const void*> open_namespaces;
  uint32_t depth = 0;

  void check() const {
    if (out.size() > kMaxReprBytes) throw Error(ErrorKind::LimitError, "value is too large to print");
  }
  void items(const std::vector<Value>& items) {
    for (size_t i = 0; i < items.size(); i++) {
      if (i) out += ", ";
      value(items[i]);
    }
  }
  void dict(const Dict& d) {
    out += '{';
    bool first = true;
    for (const auto& [k, val] : d.items()) {
      if (!first) out += ", ";
      first = false;
      value(k);
      out += ": ";
      value(val);
    }
    out += '}';
  }
  void value(const Value& v);
};

void ReprWriter::value(const Value& v) {
  check();
  // Namespaces restart the container depth count, so bound the recursion here too.
  struct Nest {
    explicit Nest(uint32_t& d) : d_(d) {
      if (++d_ > 2 * kMaxValueDepth) throw Error(ErrorKind::LimitError, "value nesting is too deep to print");
    }
    ~Nest() { d_--; }
    uint32_t& d_;
  } nest(depth);
  std::string& out = this->out;
  switch (v.kind()) {
    case Value::Kind::Undefined: out += "Undefined"; return;
    case Value::Kind::String: out += pystr::repr(v.str()); return;
    case Value::Kind::List: {
      const List& l = v.list();
      out += l.is_tuple ? '(' : '[';
      items(l.items);
      if (l.is_tuple && l.items.size() == 1) out += ',';
      out += l.is_tuple ? ')' : ']';
      return;
    }
    case Value::Kind::Dict: dict(v.dict()); return;
    case Value::Kind::Namespace: {
      out += "<Namespace ";
      const void* id = v.identity();
      if (std::find(open_namespaces.begin(), open_namespaces.end(), id) != open_namespaces.end()) {
        out += "{...}";
      } else {
        if (open_namespaces.size() >= kMaxValueDepth) throw Error(ErrorKind::LimitError, "value nesting is too deep");
        open_namespaces.push_back(id);
        dict(v.ns().attrs);
        open_namespaces.pop_back();
      }
      out += '>';
      return;
    }
    default: out += to_str(v); return;
  }
}

}  // namespace

std::string repr(const Value& v) {
  ReprWriter w;
  w.value(v);
  w.check();
  return std::move(w.out);
}

std::string to_str(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined: return "";
    case Value::Kind::None: return "None";
    case Value::Kind::Bool: return v.as_bool() ? "True" : "False";
    case Value::Kind::Int: return pystr::int_to_string(v.as_bigint());
    case Value::Kind::Float: return pystr::float_repr(v.as_double());
    case Value::Kind::String: return v.str();
    case Value::Kind::Callable: {
      const Callable& c = v.callable();
      if (c.type == Callable::Type::Macro) return "<Macro " + pystr::repr(c.name) + ">";
      if (c.type == Callable::Type::Method)
        return "<built-in method " + c.name + " of " + type_name(c.self) + " object>";
      return "<built-in function " + c.name + ">";
    }
    case Value::Kind::Loop: {
      const LoopState& l = v.loop();
      return "<LoopContext " + std::to_string(l.index0 + 1) + "/" + std::to_string(l.items->items.size()) + ">";
    }
    default: return repr(v);
  }
}

// ---- equality and ordering -------------------------------------------------

namespace {

// Exact comparison of an integer with a double, as Python does (no rounding of the int).
int compare_int_double(BigInt i, double d) {
  if (std::isnan(d)) return 2;  // unordered
  if (d >= 0x1p127) return -1;
  if (d < -0x1p127) return 1;
  const double fl = std::floor(d);
  const auto di = static_cast<BigInt>(fl);
  if (i < di) return -1;
  if (i > di) return 1;
  return fl == d ? 0 : -1;  // i == floor(d) < d
}

// -1/0/1 for numbers, 2 when unordered (NaN involved).
int compare_numbers(const Value& a, const Value& b) {
  if (a.is_integral() && b.is_integral()) return a.as_bigint() < b.as_bigint() ? -1 : a.as_bigint() > b.as_bigint() ? 1 : 0;
  if (a.is_integral()) return compare_int_double(a.as_bigint(), b.as_double());
  if (b.is_integral()) {
    const int c = compare_int_double(b.as_bigint(), a.as_double());
    return c == 2 ? 2 : -c;
  }
  const double x = a.as_double(), y = b.as_double();
  if (std::isnan(x) || std::isnan(y)) return 2;
  return x < y ? -1 : x > y ? 1 : 0;
}

}  // namespace

bool equal(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) return compare_numbers(a, b) == 0;
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::Undefined:
    case Value::Kind::None: return true;
    case Value::Kind::String: return a.str() == b.str();
    case Value::Kind::List: {
      const List &x = a.list(), &y = b.list();
      if (x.is_tuple != y.is_tuple || x.items.size() != y.items.size()) return false;
      for (size_t i = 0; i < x.items.size(); i++)
        if (!equal(x.items[i], y.items[i])) return false;
      return true;
    }
    case Value::Kind::Dict: {
      const Dict &x = a.dict(), &y = b.dict();
      if (x.size() != y.size()) return false;
      for (const auto& [k, v] : x.items()) {
        const Value* other = y.find(k);
        if (!other || !equal(v, *other)) return false;
      }
      return true;
    }
    case Value::Kind::Callable: {
      const Callable &x = a.callable(), &y = b.callable();
      if (x.type == Callable::Type::Method && y.type == Callable::Type::Method)
        return x.name == y.name && x.self.identity() == y.self.identity();
      return &x == &y;
    }
    default: return a.identity() == b.identity();
  }
}

bool less(const Value& a, const Value& b, const char* op) {
  if (a.is_number() && b.is_number()) {
    const int c = compare_numbers(a, b);
    return c == -1;
  }
  if (a.is_undefined()) raise_undefined(a);
  if (b.is_undefined()) raise_undefined(b);
  if (a.is_string() && b.is_string()) return a.str() < b.str();  // UTF-8 byte order == code point order
  if (a.is_list() && b.is_list() && a.list().is_tuple == b.list().is_tuple) {
    const auto &x = a.list().items, &y = b.list().items;
    for (size_t i = 0; i < x.size() && i < y.size(); i++)
      if (!equal(x[i], y[i])) return less(x[i], y[i], op);
    return x.size() < y.size();
  }
  throw Error(ErrorKind::TypeError, std::string("'") + op + "' not supported between instances of '" +
                                        type_name(a) + "' and '" + type_name(b) + "'");
}

// ---- iteration -------------------------------------------------------------

std::vector<Value> iterate(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined: return {};
    case Value::Kind::List: return v.list().items;
    case Value::Kind::Dict: {
      std::vector<Value> keys;
      keys.reserve(v.dict().size());
      for (const auto& kv : v.dict().items()) keys.push_back(kv.first);
      return keys;
    }
    case Value::Kind::String: {
      std::vector<Value> chars;
      const std::string& s = v.str();
      if (pystr::is_ascii(s)) {
        for (char c : s) chars.push_back(Value::string(std::string(1, c)));
      } else {
        for (char32_t c : pystr::decode(s)) chars.push_back(Value::string(pystr::encode(std::u32string(1, c))));
      }
      return chars;
    }
    default:
      throw Error(ErrorKind::TypeError, std::string("'") + type_name(v) + "' object is not iterable");
  }
}

size_t py_len(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Undefined: return 0;
    case Value::Kind::String: return pystr::length(v.str());
    case Value::Kind::List: return v.list().items.size();
    case Value::Kind::Dict: return v.dict().size();
    default:
      throw Error(ErrorKind::TypeError, std::string("object of type '") + type_name(v) + "' has no len()");
  }
}

// ---- undefined -------------------------------------------------------------

Value undefined_name(std::string_view name) { return Value::undefined(pystr::repr(name) + " is undefined"); }

Value undefined_attribute(const Value& obj, std::string_view name) {
  return Value::undefined(pystr::repr(object_type_repr(obj)) + " has no attribute " + pystr::repr(name));
}

Value undefined_element(const Value& obj, const Value& index) {
  return Value::undefined(object_type_repr(obj) + " has no element " + repr(index));
}

void raise_undefined(const Value& v) {
  const UndefinedInfo* info = v.undefined_info();
  if (!info) throw Error(ErrorKind::UndefinedError, "value is undefined");
  throw Error(info->kind, info->message);
}

}  // namespace edgelm::jinja
