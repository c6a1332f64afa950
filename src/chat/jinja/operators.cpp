// Operators with Python semantics: arithmetic, comparison, membership and
// printf-style `str % args` formatting.
#include <cctype>
#include <cmath>
#include <cstdio>

#include "chat/jinja/builtins.h"
#include "chat/jinja/pystr.h"

namespace edgelm::jinja {

using ast::BinOp;

namespace {

const char* op_symbol(BinOp op) {
  switch (op) {
    case BinOp::Add: return "+";
    case BinOp::Sub: return "-";
    case BinOp::Mul: return "*";
    case BinOp::Div: return "/";
    case BinOp::FloorDiv: return "//";
    case BinOp::Mod: return "%";
    case BinOp::Pow: return "** or pow()";
    case BinOp::Lt: return "<";
    case BinOp::Le: return "<=";
    case BinOp::Gt: return ">";
    case BinOp::Ge: return ">=";
    default: return "?";
  }
}

[[noreturn]] void unsupported(BinOp op, const Value& a, const Value& b) {
  throw Error(ErrorKind::TypeError, std::string("unsupported operand type(s) for ") + op_symbol(op) + ": '" +
                                        type_name(a) + "' and '" + type_name(b) + "'");
}

[[noreturn]] void int_overflow() { throw Error(ErrorKind::LimitError, "integer result is too large"); }

constexpr BigInt kBigMin = static_cast<BigInt>(static_cast<unsigned __int128>(1) << 127);

Value int_arith(BinOp op, BigInt x, BigInt y) {
  BigInt r = 0;
  switch (op) {
    case BinOp::Add: if (__builtin_add_overflow(x, y, &r)) int_overflow(); return Value::integer(r);
    case BinOp::Sub: if (__builtin_sub_overflow(x, y, &r)) int_overflow(); return Value::integer(r);
    case BinOp::Mul: if (__builtin_mul_overflow(x, y, &r)) int_overflow(); return Value::integer(r);
    case BinOp::Div:
      if (y == 0) throw Error(ErrorKind::ZeroDivisionError, "division by zero");
      return Value::number(static_cast<double>(x) / static_cast<double>(y));
    case BinOp::FloorDiv: {
      if (y == 0) throw Error(ErrorKind::ZeroDivisionError, "integer division or modulo by zero");
      if (x == kBigMin && y == -1) int_overflow();
      BigInt q = x / y;
      if (x % y != 0 && ((x < 0) != (y < 0))) q--;
      return Value::integer(q);
    }
    case BinOp::Mod: {
      if (y == 0) throw Error(ErrorKind::ZeroDivisionError, "integer modulo by zero");
      if (y == -1) return Value::integer(0);
      BigInt m = x % y;
      if (m != 0 && ((m < 0) != (y < 0))) m += y;
      return Value::integer(m);
    }
    case BinOp::Pow: {
      if (y < 0) {
        if (x == 0) throw Error(ErrorKind::ZeroDivisionError, "0.0 cannot be raised to a negative power");
        return Value::number(std::pow(static_cast<double>(x), static_cast<double>(y)));
      }
      BigInt result = 1, base = x;
      for (BigInt e = y; e > 0; e >>= 1) {
        if ((e & 1) && __builtin_mul_overflow(result, base, &result)) int_overflow();
        if (e > 1 && __builtin_mul_overflow(base, base, &base)) int_overflow();
      }
      return Value::integer(result);
    }
    default: return Value();
  }
}

Value float_arith(BinOp op, double x, double y) {
  switch (op) {
    case BinOp::Add: return Value::number(x + y);
    case BinOp::Sub: return Value::number(x - y);
    case BinOp::Mul: return Value::number(x * y);
    case BinOp::Div:
      if (y == 0) throw Error(ErrorKind::ZeroDivisionError, "float division by zero");
      return Value::number(x / y);
    case BinOp::FloorDiv:
    case BinOp::Mod: {
      if (y == 0)
        throw Error(ErrorKind::ZeroDivisionError, op == BinOp::Mod ? "float modulo" : "float floor division by zero");
      // Python's float_divmod: the remainder takes the divisor's sign.
      double mod = std::fmod(x, y);
      double div = (x - mod) / y;
      if (mod != 0) {
        if ((y < 0) != (mod < 0)) {
          mod += y;
          div -= 1.0;
        }
      } else {
        mod = std::copysign(0.0, y);
      }
      double floordiv;
      if (div != 0) {
        floordiv = std::floor(div);
        if (div - floordiv > 0.5) floordiv += 1.0;
      } else {
        floordiv = std::copysign(0.0, x / y);
      }
      return Value::number(op == BinOp::Mod ? mod : floordiv);
    }
    case BinOp::Pow: {
      if (x == 0 && y < 0) throw Error(ErrorKind::ZeroDivisionError, "0.0 cannot be raised to a negative power");
      if (x < 0 && y != std::floor(y)) throw Error(ErrorKind::ValueError, "complex numbers are not supported");
      return Value::number(std::pow(x, y));
    }
    default: return Value();
  }
}

// `seq * n` for strings and lists.
Value repeat(Interpreter& in, const Value& seq, int64_t n) {
  if (n <= 0) return seq.is_string() ? Value::string("") : in.make_list({}, seq.list().is_tuple);
  const size_t unit = seq.is_string() ? seq.str().size() : seq.list().items.size() * sizeof(Value);
  // An empty sequence stays empty however often it repeats (no 10^18 empty appends).
  if (unit == 0) return seq.is_string() ? Value::string("") : in.make_list({}, seq.list().is_tuple);
  if (static_cast<uint64_t>(n) > in.limits().max_string_bytes / unit) in.check_size(SIZE_MAX);
  if (seq.is_string()) {
    std::string out;
    out.reserve(unit * n);
    for (int64_t i = 0; i < n; i++) out += seq.str();
    return in.make_string(std::move(out));
  }
  std::vector<Value> items;
  for (int64_t i = 0; i < n; i++) items.insert(items.end(), seq.list().items.begin(), seq.list().items.end());
  return in.make_list(std::move(items), seq.list().is_tuple);
}

std::string format_percent(Interpreter& in, const std::string& fmt, const Value& args);

}  // namespace

Value binary_op(Interpreter& in, BinOp op, const Value& a, const Value& b) {
  if (a.is_undefined()) raise_undefined(a);
  if (b.is_undefined()) raise_undefined(b);
  if (a.is_number() && b.is_number()) {
    if (a.is_integral() && b.is_integral()) return int_arith(op, a.as_bigint(), b.as_bigint());
    return float_arith(op, a.as_double(), b.as_double());
  }
  switch (op) {
    case BinOp::Add:
      if (a.is_string() && b.is_string()) {
        in.check_size(a.str().size() + b.str().size());
        return in.make_string(a.str() + b.str());
      }
      if (a.is_list() && b.is_list() && a.list().is_tuple == b.list().is_tuple) {
        in.check_size((a.list().items.size() + b.list().items.size()) * sizeof(Value));
        std::vector<Value> items = a.list().items;
        items.insert(items.end(), b.list().items.begin(), b.list().items.end());
        return in.make_list(std::move(items), a.list().is_tuple);
      }
      if (a.is_string() || a.is_list())
        throw Error(ErrorKind::TypeError, std::string("can only concatenate ") + type_name(a) + " (not \"" +
                                              type_name(b) + "\") to " + type_name(a));
      unsupported(op, a, b);
    case BinOp::Mul: {
      const Value& seq = a.is_string() || a.is_list() ? a : b;
      const Value& count = &seq == &a ? b : a;
      if (!(seq.is_string() || seq.is_list())) unsupported(op, a, b);
      if (!count.is_integral()) {
        if (count.is_string() || count.is_list() || count.is_float())
          throw Error(ErrorKind::TypeError, std::string("can't multiply sequence by non-int of type '") + type_name(count) + "'");
        unsupported(op, a, b);
      }
      return repeat(in, seq, count.as_int());
    }
    case BinOp::Mod:
      if (a.is_string()) return in.make_string(format_percent(in, a.str(), b));
      unsupported(op, a, b);
    default: unsupported(op, a, b);
  }
}

Value negate(const Value& v, bool minus) {
  if (v.is_undefined()) raise_undefined(v);
  if (v.is_integral()) {
    if (!minus) return Value::integer(v.as_bigint());
    if (v.as_bigint() == kBigMin) int_overflow();
    return Value::integer(-v.as_bigint());
  }
  if (v.is_float()) return Value::number(minus ? -v.as_double() : v.as_double());
  throw Error(ErrorKind::TypeError, std::string("bad operand type for unary ") + (minus ? "-" : "+") + ": '" + type_name(v) + "'");
}

namespace {

// Three-way comparison for < <= > >=: -1/0/1, or 2 when unordered (NaN).
int order(BinOp op, const Value& a, const Value& b) {
  if (a.is_undefined()) raise_undefined(a);
  if (b.is_undefined()) raise_undefined(b);
  if (a.is_number() && b.is_number()) {
    if (a.is_integral() && b.is_integral()) return a.as_bigint() < b.as_bigint() ? -1 : a.as_bigint() > b.as_bigint() ? 1 : 0;
    if (std::isnan(a.as_double()) || std::isnan(b.as_double())) return 2;
    return less(a, b) ? -1 : less(b, a) ? 1 : 0;
  }
  if (a.is_string() && b.is_string()) return a.str() < b.str() ? -1 : a.str() > b.str() ? 1 : 0;
  if (a.is_list() && b.is_list() && a.list().is_tuple == b.list().is_tuple) {
    const auto &x = a.list().items, &y = b.list().items;
    for (size_t i = 0; i < x.size() && i < y.size(); i++)
      if (!equal(x[i], y[i])) return order(op, x[i], y[i]);
    return x.size() < y.size() ? -1 : x.size() > y.size() ? 1 : 0;
  }
  throw Error(ErrorKind::TypeError, std::string("'") + op_symbol(op) + "' not supported between instances of '" +
                                        type_name(a) + "' and '" + type_name(b) + "'");
}

}  // namespace

bool contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Value::Kind::Undefined: return false;  // iterating an undefined yields nothing
    case Value::Kind::String:
      if (!item.is_string())
        throw Error(ErrorKind::TypeError, std::string("'in <string>' requires string as left operand, not ") + type_name(item));
      return pystr::contains(container.str(), item.str());
    case Value::Kind::List:
      for (const Value& v : container.list().items)
        if (equal(v, item)) return true;
      return false;
    case Value::Kind::Dict:
      if (!is_hashable(item)) throw Error(ErrorKind::TypeError, std::string("unhashable type: '") + type_name(item) + "'");
      return container.dict().find(item) != nullptr;
    case Value::Kind::Loop: {
      for (const Value& v : container.loop().items->items)
        if (equal(v, item)) return true;
      return false;
    }
    default:
      throw Error(ErrorKind::TypeError, std::string("argument of type '") + type_name(container) + "' is not iterable");
  }
}

bool compare(BinOp op, const Value& a, const Value& b) {
  switch (op) {
    case BinOp::Eq: return equal(a, b);
    case BinOp::Ne: return !equal(a, b);
    case BinOp::In: return contains(b, a);
    case BinOp::NotIn: return !contains(b, a);
    default: break;
  }
  const int c = order(op, a, b);
  if (c == 2) return false;
  switch (op) {
    case BinOp::Lt: return c < 0;
    case BinOp::Le: return c <= 0;
    case BinOp::Gt: return c > 0;
    case BinOp::Ge: return c >= 0;
    default: return false;
  }
}

// ---- printf-style formatting -------------------------------------------------

namespace {

struct Spec {
  std::string flags;
  int width = -1;
  int precision = -1;
  char conv = 's';
};

std::string pad(std::string s, const Spec& sp) {
  const size_t len = pystr::length(s);
  if (sp.width < 0 || len >= static_cast<size_t>(sp.width)) return s;
  const size_t fill = sp.width - len;
  if (sp.flags.find('-') != std::string::npos) return s + std::string(fill, ' ');
  return std::string(fill, ' ') + s;
}

std::string format_number(const Value& v, const Spec& sp) {
  const bool integer_conv = std::string("diuoxX").find(sp.conv) != std::string::npos;
  if (!v.is_number()) {
    const std::string t = type_name(v);
    if (!integer_conv) throw Error(ErrorKind::TypeError, "must be real number, not " + t);
    const bool hex_like = sp.conv == 'o' || sp.conv == 'x' || sp.conv == 'X';
    throw Error(ErrorKind::TypeError, std::string("%") + sp.conv + " format: " +
                                          (hex_like ? "an integer is required, not " : "a real number is required, not ") + t);
  }
  if (sp.width > 400 || sp.precision > 400) throw Error(ErrorKind::LimitError, "format width or precision is too large");
  std::string cfmt = "%" + sp.flags;
  if (sp.width >= 0) cfmt += std::to_string(sp.width);
  if (sp.precision >= 0) cfmt += "." + std::to_string(sp.precision);
  char buf[512];
  if (integer_conv) {
    if ((sp.conv == 'x' || sp.conv == 'X' || sp.conv == 'o') && v.is_float())
      throw Error(ErrorKind::TypeError, std::string("%") + sp.conv + " format: an integer is required, not float");
    const auto i = v.is_float() ? static_cast<long long>(std::trunc(v.as_double())) : static_cast<long long>(v.as_int());
    const char conv = sp.conv == 'i' || sp.conv == 'u' ? 'd' : sp.conv;
    std::snprintf(buf, sizeof buf, (cfmt + "ll" + conv).c_str(), i);
  } else {
    std::snprintf(buf, sizeof buf, (cfmt + sp.conv).c_str(), v.as_double());
  }
  return buf;
}

std::string format_percent(Interpreter& in, const std::string& fmt, const Value& args) {
  const bool is_tuple = args.is_list() && args.list().is_tuple;
  const std::vector<Value> positional = is_tuple ? args.list().items : std::vector<Value>{args};
  size_t next_arg = 0;
  std::string out;
  for (size_t i = 0; i < fmt.size(); i++) {
    if (fmt[i] != '%') {
      out.push_back(fmt[i]);
      continue;
    }
    if (++i >= fmt.size()) throw Error(ErrorKind::ValueError, "incomplete format");
    if (fmt[i] == '%') {
      out.push_back('%');
      continue;
    }
    const Value* arg = nullptr;
    if (fmt[i] == '(') {
      const size_t close = fmt.find(')', i);
      if (close == std::string::npos) throw Error(ErrorKind::ValueError, "incomplete format key");
      if (!args.is_dict()) throw Error(ErrorKind::TypeError, "format requires a mapping");
      arg = args.dict().find(std::string_view(fmt).substr(i + 1, close - i - 1));
      if (!arg) throw Error(ErrorKind::TypeError, "format key not found: " + fmt.substr(i + 1, close - i - 1));
      i = close + 1;
    }
    Spec sp;
    while (i < fmt.size() && std::string("-+ #0").find(fmt[i]) != std::string::npos) sp.flags.push_back(fmt[i++]);
    auto read_num = [&](int& target) {
      if (i >= fmt.size() || !std::isdigit(static_cast<unsigned char>(fmt[i]))) return;
      target = 0;
      while (i < fmt.size() && std::isdigit(static_cast<unsigned char>(fmt[i]))) {
        target = target * 10 + (fmt[i++] - '0');
        in.check_size(static_cast<size_t>(target));
      }
    };
    read_num(sp.width);
    if (i < fmt.size() && fmt[i] == '.') {
      i++;
      sp.precision = 0;
      read_num(sp.precision);
    }
    while (i < fmt.size() && (fmt[i] == 'h' || fmt[i] == 'l' || fmt[i] == 'L')) i++;
    if (i >= fmt.size()) throw Error(ErrorKind::ValueError, "incomplete format");
    sp.conv = fmt[i];
    if (!arg) {
      if (next_arg >= positional.size()) throw Error(ErrorKind::TypeError, "not enough arguments for format string");
      arg = &positional[next_arg++];
    }
    switch (sp.conv) {
      case 's':
      case 'r':
      case 'a': {
        std::string s = sp.conv == 's' ? to_str(*arg) : repr(*arg);
        if (sp.precision >= 0) s = pystr::encode(pystr::decode(s).substr(0, sp.precision));
        out += pad(std::move(s), sp);
        break;
      }
      case 'c': {
        std::string s;
        if (arg->is_string() && pystr::length(arg->str()) == 1) s = arg->str();
        else if (arg->is_integral() && arg->as_int() >= 0 && arg->as_int() <= 0x10FFFF) pystr::append_utf8(s, static_cast<char32_t>(arg->as_int()));
        else throw Error(ErrorKind::TypeError, "%c requires int or char");
        out += pad(std::move(s), sp);
        break;
      }
      case 'd': case 'i': case 'u': case 'o': case 'x': case 'X':
      case 'e': case 'E': case 'f': case 'F': case 'g': case 'G':
        out += format_number(*arg, sp);
        break;
      default: {
        char msg[96];
        std::snprintf(msg, sizeof msg, "unsupported format character '%c' (0x%x) at index %zu", sp.conv,
                      static_cast<unsigned char>(sp.conv), i);
        throw Error(ErrorKind::ValueError, msg);
      }
    }
    in.check_size(out.size());
  }
  if (!args.is_dict() && next_arg < positional.size())
    throw Error(ErrorKind::TypeError, "not all arguments converted during string formatting");
  return out;
}

}  // namespace

}  // namespace edgelm::jinja
