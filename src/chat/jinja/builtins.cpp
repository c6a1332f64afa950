// Tests (`is ...`), global functions and the loop object, plus argument
// helpers shared by all builtins.
#include <cstring>
#include <unordered_map>

#include "chat/jinja/builtins.h"
#include "chat/jinja/pystr.h"

namespace edgelm::jinja {

// ---- argument helpers --------------------------------------------------------

std::vector<std::optional<Value>> bind_args(const CallArgs& args, const std::vector<const char*>& names,
                                            const char* func) {
  std::vector<std::optional<Value>> out(names.size());
  if (args.args.size() > names.size())
    throw Error(ErrorKind::TypeError, std::string(func) + "() takes at most " + std::to_string(names.size()) +
                                          " argument(s) (" + std::to_string(args.args.size()) + " given)");
  for (size_t i = 0; i < args.args.size(); i++) out[i] = args.args[i];
  for (const auto& [key, value] : args.kwargs) {
    size_t i = 0;
    while (i < names.size() && key != names[i]) i++;
    if (i == names.size())
      throw Error(ErrorKind::TypeError, std::string(func) + "() got an unexpected keyword argument " + pystr::repr(key));
    if (out[i]) throw Error(ErrorKind::TypeError, std::string(func) + "() got multiple values for argument " + pystr::repr(key));
    out[i] = value;
  }
  return out;
}

int64_t to_index(const Value& v, const char* what) {
  if (v.is_undefined()) raise_undefined(v);
  if (!v.is_integral())
    throw Error(ErrorKind::TypeError, std::string("'") + type_name(v) + "' object cannot be interpreted as an integer (" + what + ")");
  return v.as_int();
}

const std::string& to_string_arg(const Value& v, const char* what) {
  if (v.is_undefined()) raise_undefined(v);
  if (!v.is_string()) throw Error(ErrorKind::TypeError, std::string(what) + " must be str, not " + type_name(v));
  return v.str();
}

namespace {

using Args = CallArgs;

// ---- tests -------------------------------------------------------------------

Value only_arg(const Args& args, const char* test) {
  auto a = bind_args(args, {"other"}, test);
  if (!a[0]) throw Error(ErrorKind::TypeError, std::string(test) + "() missing 1 required positional argument");
  return *a[0];
}

bool t_defined(Interpreter&, const Value& v, const Args&) { return !v.is_undefined(); }
bool t_undefined(Interpreter&, const Value& v, const Args&) { return v.is_undefined(); }
bool t_none(Interpreter&, const Value& v, const Args&) { return v.is_none(); }
bool t_boolean(Interpreter&, const Value& v, const Args&) { return v.is_bool(); }
bool t_true(Interpreter&, const Value& v, const Args&) { return v.is_bool() && v.as_bool(); }
bool t_false(Interpreter&, const Value& v, const Args&) { return v.is_bool() && !v.as_bool(); }
bool t_integer(Interpreter&, const Value& v, const Args&) { return v.is_int(); }
bool t_float(Interpreter&, const Value& v, const Args&) { return v.is_float(); }
bool t_number(Interpreter&, const Value& v, const Args&) { return v.is_number(); }
bool t_string(Interpreter&, const Value& v, const Args&) { return v.is_string(); }
bool t_mapping(Interpreter&, const Value& v, const Args&) { return v.is_dict(); }
// Python: len() and __getitem__ exist (str, list, tuple, dict, and Jinja2's Undefined).
bool t_sequence(Interpreter&, const Value& v, const Args&) {
  return v.is_string() || v.is_list() || v.is_dict() || v.is_undefined();
}
bool t_iterable(Interpreter&, const Value& v, const Args&) {
  return v.is_string() || v.is_list() || v.is_dict() || v.is_undefined() || v.is_loop();
}
bool t_callable(Interpreter&, const Value& v, const Args&) { return v.is_callable() || v.is_undefined() || v.is_loop(); }
bool t_lower(Interpreter& in, const Value& v, const Args&) {
  in.charge_scan(v);
  return pystr::is_lower(to_str(v));
}
bool t_upper(Interpreter& in, const Value& v, const Args&) {
  in.charge_scan(v);
  return pystr::is_upper(to_str(v));
}
bool t_escaped(Interpreter&, const Value&, const Args&) { return false; }

bool t_odd(Interpreter& in, const Value& v, const Args&) {
  return equal(binary_op(in, ast::BinOp::Mod, v, Value::integer(2)), Value::integer(1));
}
bool t_even(Interpreter& in, const Value& v, const Args&) {
  return equal(binary_op(in, ast::BinOp::Mod, v, Value::integer(2)), Value::integer(0));
}
bool t_divisibleby(Interpreter& in, const Value& v, const Args& args) {
  return equal(binary_op(in, ast::BinOp::Mod, v, only_arg(args, "divisibleby")), Value::integer(0));
}

bool t_sameas(Interpreter&, const Value& v, const Args& args) {
  const Value other = only_arg(args, "sameas");
  if (v.identity() || other.identity()) return v.identity() == other.identity();
  return v.kind() == other.kind() && equal(v, other);  // None, True, small ints: singletons in Python
}

bool t_in(Interpreter&, const Value& v, const Args& args) { return contains(only_arg(args, "in"), v); }

template <ast::BinOp Op>
bool t_compare(Interpreter&, const Value& v, const Args& args) {
  return compare(Op, v, only_arg(args, "compare"));
}

bool t_filter(Interpreter&, const Value& v, const Args&) { return v.is_string() && filter_exists(v.str()); }
bool t_test(Interpreter&, const Value& v, const Args&) { return v.is_string() && find_test(v.str()); }

const std::unordered_map<std::string_view, TestFn>& test_table() {
  using ast::BinOp;
  static const std::unordered_map<std::string_view, TestFn> table = {
      {"defined", t_defined}, {"undefined", t_undefined}, {"none", t_none}, {"boolean", t_boolean},
      {"true", t_true}, {"false", t_false}, {"integer", t_integer}, {"float", t_float}, {"number", t_number},
      {"string", t_string}, {"mapping", t_mapping}, {"sequence", t_sequence}, {"iterable", t_iterable},
      {"callable", t_callable}, {"lower", t_lower}, {"upper", t_upper}, {"escaped", t_escaped},
      {"odd", t_odd}, {"even", t_even}, {"divisibleby", t_divisibleby}, {"sameas", t_sameas}, {"in", t_in},
      {"filter", t_filter}, {"test", t_test},
      {"eq", t_compare<BinOp::Eq>}, {"equalto", t_compare<BinOp::Eq>}, {"==", t_compare<BinOp::Eq>},
      {"ne", t_compare<BinOp::Ne>}, {"!=", t_compare<BinOp::Ne>},
      {"lt", t_compare<BinOp::Lt>}, {"lessthan", t_compare<BinOp::Lt>}, {"<", t_compare<BinOp::Lt>},
      {"le", t_compare<BinOp::Le>}, {"<=", t_compare<BinOp::Le>},
      {"gt", t_compare<BinOp::Gt>}, {"greaterthan", t_compare<BinOp::Gt>}, {">", t_compare<BinOp::Gt>},
      {"ge", t_compare<BinOp::Ge>}, {">=", t_compare<BinOp::Ge>},
  };
  return table;
}

// ---- globals -----------------------------------------------------------------

constexpr int64_t kMaxRange = 100000;  // Jinja2's sandbox refuses longer ranges

Value g_range(Interpreter& in, const Args& args) {
  if (!args.kwargs.empty()) throw Error(ErrorKind::TypeError, "range() takes no keyword arguments");
  const size_t n = args.args.size();
  if (n == 0) throw Error(ErrorKind::TypeError, "range expected at least 1 argument, got 0");
  if (n > 3) throw Error(ErrorKind::TypeError, "range expected at most 3 arguments, got " + std::to_string(n));
  int64_t v[3];
  for (size_t i = 0; i < n; i++) {
    if (!args.args[i].is_integral()) {
      if (args.args[i].is_undefined()) raise_undefined(args.args[i]);
      throw Error(ErrorKind::TypeError, std::string("'") + type_name(args.args[i]) + "' object cannot be interpreted as an integer");
    }
    v[i] = args.args[i].as_int();
  }
  const int64_t start = n == 1 ? 0 : v[0], stop = n == 1 ? v[0] : v[1], step = n == 3 ? v[2] : 1;
  if (step == 0) throw Error(ErrorKind::ValueError, "range() arg 3 must not be zero");
  // Length in 128-bit arithmetic so extreme bounds cannot overflow.
  __int128 len = 0;
  if (step > 0 && start < stop) len = ((__int128)stop - start + step - 1) / step;
  if (step < 0 && start > stop) len = ((__int128)start - stop - step - 1) / -step;
  if (len > kMaxRange)
    throw Error(ErrorKind::OverflowError, "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
  std::vector<Value> items;
  items.reserve(static_cast<size_t>(len));
  for (int64_t i = 0; i < static_cast<int64_t>(len); i++) items.push_back(Value::integer(start + i * step));
  return in.make_list(std::move(items));
}

// Python dict(*args, **kwargs): one mapping or iterable of pairs, then keywords.
Dict dict_from_args(Interpreter& in, const Args& args, const char* func) {
  if (args.args.size() > 1)
    throw Error(ErrorKind::TypeError, std::string(func) + " expected at most 1 argument, got " + std::to_string(args.args.size()));
  Dict d;
  if (!args.args.empty()) {
    const Value& src = args.args[0];
    in.charge_scan(src);
    if (src.is_dict()) {
      for (const auto& [k, v] : src.dict().items()) d.set(k, v);
    } else {
      for (const Value& pair : iterate(src)) {
        std::vector<Value> kv = iterate(pair);
        if (kv.size() != 2)
          throw Error(ErrorKind::ValueError, "dictionary update sequence element has length " + std::to_string(kv.size()) + "; 2 is required");
        d.set(kv[0], kv[1]);
      }
    }
  }
  for (const auto& [k, v] : args.kwargs) d.set(Value::string(k), v);
  return d;
}

Value g_namespace(Interpreter& in, const Args& args) { return in.new_namespace(dict_from_args(in, args, "namespace")); }

Value g_dict(Interpreter& in, const Args& args) {
  Dict d = dict_from_args(in, args, "dict");
  in.charge(d.size() * 2 * sizeof(Value));
  return Value::dict(std::move(d));
}

Value g_raise_exception(Interpreter&, const Args& args) {
  auto a = bind_args(args, {"message"}, "raise_exception");
  if (!a[0]) throw Error(ErrorKind::TypeError, "raise_exception() missing 1 required positional argument: 'message'");
  throw Error(ErrorKind::TemplateError, to_str(*a[0]));
}

// datetime.now().strftime(fmt) with the injected clock; %f, %z and %Z are
// what Python gives for a naive datetime.
Value g_strftime_now(Interpreter& in, const Args& args) {
  auto a = bind_args(args, {"fmt"}, "strftime_now");
  if (!a[0]) throw Error(ErrorKind::TypeError, "strftime_now() missing 1 required positional argument: 'fmt'");
  if (!a[0]->is_string())
    throw Error(ErrorKind::TypeError, std::string("strftime() argument 1 must be str, not ") + type_name(*a[0]));
  const std::string& fmt = a[0]->str();
  std::string c_fmt;
  for (size_t i = 0; i < fmt.size(); i++) {
    if (fmt[i] == '%' && i + 1 < fmt.size()) {
      const char c = fmt[++i];
      if (c == 'f') c_fmt += "000000";
      else if (c != 'z' && c != 'Z') c_fmt += std::string("%") + c;
    } else if (fmt[i] != '\0') {
      c_fmt.push_back(fmt[i]);
    }
  }
  const size_t cap = c_fmt.size() * 64 + 64;
  in.check_size(cap);
  const std::tm t = in.now();
  std::string buf(cap, '\0');
  const size_t n = std::strftime(buf.data(), buf.size(), c_fmt.c_str(), &t);
  buf.resize(n);
  return in.make_string(std::move(buf));
}

const std::unordered_map<std::string_view, BuiltinFn>& global_table() {
  static const std::unordered_map<std::string_view, BuiltinFn> table = {
      {"range", g_range}, {"namespace", g_namespace}, {"dict", g_dict},
      {"raise_exception", g_raise_exception}, {"strftime_now", g_strftime_now},
  };
  return table;
}

}  // namespace

TestFn find_test(std::string_view name) {
  auto it = test_table().find(name);
  return it == test_table().end() ? nullptr : it->second;
}

BuiltinFn find_global(std::string_view name) {
  auto it = global_table().find(name);
  return it == global_table().end() ? nullptr : it->second;
}

// ---- the loop object ---------------------------------------------------------------

std::optional<Value> loop_attribute(const Value& loop, std::string_view name) {
  const LoopState& l = loop.loop();
  const auto& items = l.items->items;
  const auto n = static_cast<int64_t>(items.size());
  const auto i = static_cast<int64_t>(l.index0);
  if (name == "index0") return Value::integer(i);
  if (name == "index") return Value::integer(i + 1);
  if (name == "revindex") return Value::integer(n - i);
  if (name == "revindex0") return Value::integer(n - i - 1);
  if (name == "first") return Value::boolean(i == 0);
  if (name == "last") return Value::boolean(i == n - 1);
  if (name == "length") return Value::integer(n);
  if (name == "depth") return Value::integer(1);
  if (name == "depth0") return Value::integer(0);
  if (name == "previtem") return i > 0 ? items[i - 1] : Value::undefined("there is no previous item");
  if (name == "nextitem") return i + 1 < n ? items[i + 1] : Value::undefined("there is no next item");
  if (name == "cycle" || name == "changed") {
    auto c = std::make_shared<Callable>();
    c->type = Callable::Type::Method;
    c->name = std::string(name);
    c->self = loop;
    return Value::from(std::shared_ptr<const Callable>(std::move(c)));
  }
  return std::nullopt;
}

}  // namespace edgelm::jinja
