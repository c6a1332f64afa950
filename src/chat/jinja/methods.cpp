// Methods of Python's str, dict, list and tuple as templates call them
// ("text".startswith(...), message.get('content'), ...), and loop.cycle().
//
// Jinja2's immutable sandbox refuses methods that modify a list or dict
// (append, pop, update, ...) and every attribute starting with "_".
#include <unicode/uchar.h>

#include <algorithm>
#include <cstdio>
#include <unordered_set>

#include "chat/jinja/builtins.h"
#include "chat/jinja/pystr.h"

namespace edgelm::jinja {

namespace {

using Args = CallArgs;

const std::unordered_set<std::string_view> kStrMethods = {
    "capitalize", "casefold", "center", "count", "encode", "endswith", "expandtabs", "find", "format", "format_map",
    "index", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier", "islower", "isnumeric",
    "isprintable", "isspace", "istitle", "isupper", "join", "ljust", "lower", "lstrip", "maketrans", "partition",
    "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rjust", "rpartition", "rsplit", "rstrip", "split",
    "splitlines", "startswith", "strip", "swapcase", "title", "translate", "upper", "zfill"};
const std::unordered_set<std::string_view> kDictSafe = {"copy", "fromkeys", "get", "items", "keys", "values"};
const std::unordered_set<std::string_view> kDictUnsafe = {"clear", "pop", "popitem", "setdefault", "update"};
const std::unordered_set<std::string_view> kListSafe = {"copy", "count", "index"};
const std::unordered_set<std::string_view> kListUnsafe = {"append", "clear", "extend", "insert", "pop", "remove", "reverse", "sort"};

[[noreturn]] void unsupported(const Value& self, const std::string& name) {
  throw Error(ErrorKind::TemplateRuntimeError,
              std::string(type_name(self)) + "." + name + "() is not supported by the edgelm template engine");
}

std::optional<std::string> optional_str(const std::optional<Value>& v, const char* what) {
  if (!v || v->is_none()) return std::nullopt;
  if (!v->is_string()) throw Error(ErrorKind::TypeError, std::string(what) + " arg must be None or str");
  return v->str();
}

// Code point sub-range [start, end) of s, Python slice style (for find/startswith).
std::string sub_range(const std::string& s, const std::optional<Value>& start, const std::optional<Value>& end) {
  if ((!start || start->is_none()) && (!end || end->is_none())) return s;
  const std::u32string cps = pystr::decode(s);
  const auto n = static_cast<int64_t>(cps.size());
  auto norm = [&](const std::optional<Value>& v, int64_t dflt) {
    if (!v || v->is_none()) return dflt;
    int64_t x = to_index(*v, "slice index");
    if (x < 0) x += n;
    return std::clamp<int64_t>(x, 0, n);
  };
  const int64_t b = norm(start, 0), e = norm(end, n);
  return b >= e ? std::string() : pystr::encode(cps.substr(b, e - b));
}

bool affix_match(const std::string& s, const Value& affix, bool at_start, const char* method) {
  auto one = [&](const Value& a) {
    if (!a.is_string())
      throw Error(ErrorKind::TypeError, std::string(method) + " first arg must be str or a tuple of str, not " + type_name(a));
    const std::string& x = a.str();
    if (x.size() > s.size()) return false;
    return at_start ? s.compare(0, x.size(), x) == 0 : s.compare(s.size() - x.size(), x.size(), x) == 0;
  };
  if (affix.is_list() && affix.list().is_tuple)
    return std::any_of(affix.list().items.begin(), affix.list().items.end(), one);
  return one(affix);
}

Value str_list(Interpreter& in, const std::vector<std::string>& parts) {
  std::vector<Value> out;
  for (const auto& p : parts) out.push_back(Value::string(p));
  return in.make_list(std::move(out));
}

std::string pad_to(Interpreter& in, const std::string& s, int64_t width, const std::optional<Value>& fill_arg, int where) {
  std::string fill = " ";
  if (fill_arg) {
    fill = to_string_arg(*fill_arg, "fill character");
    if (pystr::length(fill) != 1) throw Error(ErrorKind::TypeError, "The fill character must be exactly one character long");
  }
  const auto len = static_cast<int64_t>(pystr::length(s));
  if (width <= len) return s;
  // width · fill bytes, without the product wrapping around.
  if (static_cast<uint64_t>(width) > in.limits().max_string_bytes / fill.size()) in.check_size(SIZE_MAX);
  const int64_t pad = width - len;
  const int64_t left = where < 0 ? 0 : where > 0 ? pad : pad / 2 + (pad & width & 1);
  std::string out;
  for (int64_t i = 0; i < left; i++) out += fill;
  out += s;
  for (int64_t i = left; i < pad; i++) out += fill;
  return out;
}

bool all_chars(const std::string& s, bool (*pred)(char32_t)) {
  const std::u32string cps = pystr::decode(s);
  return !cps.empty() && std::all_of(cps.begin(), cps.end(), pred);
}

bool is_alpha(char32_t c) {
  const int8_t t = u_charType(c);
  return t == U_UPPERCASE_LETTER || t == U_LOWERCASE_LETTER || t == U_TITLECASE_LETTER || t == U_MODIFIER_LETTER ||
         t == U_OTHER_LETTER;
}
bool is_decimal(char32_t c) { return u_charType(c) == U_DECIMAL_DIGIT_NUMBER; }
bool is_digit(char32_t c) {
  const int nt = u_getIntPropertyValue(c, UCHAR_NUMERIC_TYPE);
  return nt == U_NT_DECIMAL || nt == U_NT_DIGIT;
}
bool is_numeric(char32_t c) { return u_getIntPropertyValue(c, UCHAR_NUMERIC_TYPE) != U_NT_NONE; }
bool is_alnum(char32_t c) { return is_alpha(c) || is_numeric(c); }
bool is_space_cp(char32_t c) { return pystr::is_space(c); }
bool is_ascii_cp(char32_t c) { return c < 0x80; }

// Python str.title(): upper-case a cased character after an uncased one.
std::string python_title(const std::string& s) {
  std::u32string out;
  bool prev_cased = false;
  for (char32_t c : pystr::decode(s)) {
    const std::string one = pystr::encode(std::u32string(1, c));
    out += pystr::decode(prev_cased ? pystr::lower(one) : pystr::capitalize(one));
    prev_cased = u_hasBinaryProperty(c, UCHAR_CASED);
  }
  return pystr::encode(out);
}

std::string swapcase(const std::string& s) {
  std::string out;
  for (char32_t c : pystr::decode(s)) {
    const std::string one = pystr::encode(std::u32string(1, c));
    out += u_isUUppercase(c) ? pystr::lower(one) : u_isULowercase(c) ? pystr::upper(one) : one;
  }
  return out;
}

// str.format with "{}", "{0}", "{name}", "{{", "}}" and !r/!s; format specs are
// limited to width/alignment/precision for strings and numbers.
std::string apply_spec(const Value& v, const std::string& spec) {
  if (spec.empty()) return to_str(v);
  size_t i = 0;
  char fill = ' ', align = 0;
  if (spec.size() >= 2 && std::string("<>^").find(spec[1]) != std::string::npos) {
    fill = spec[0];
    align = spec[1];
    i = 2;
  } else if (std::string("<>^").find(spec[0]) != std::string::npos) {
    align = spec[0];
    i = 1;
  }
  std::string rest = spec.substr(i);
  std::string flags;
  while (!rest.empty() && (rest[0] == '+' || rest[0] == '-' || rest[0] == ' ' || rest[0] == '0')) {
    flags.push_back(rest[0]);
    rest.erase(0, 1);
  }
  int width = 0, precision = -1;
  size_t k = 0;
  while (k < rest.size() && std::isdigit(static_cast<unsigned char>(rest[k])) && width < 1000) width = width * 10 + (rest[k++] - '0');
  if (k < rest.size() && rest[k] == '.') {
    precision = 0;
    k++;
    while (k < rest.size() && std::isdigit(static_cast<unsigned char>(rest[k])) && precision < 1000) precision = precision * 10 + (rest[k++] - '0');
  }
  const std::string type = rest.substr(k);
  if (type.size() > 1 || width >= 1000 || precision >= 1000) throw Error(ErrorKind::ValueError, "Invalid format specifier");
  std::string body;
  if (!type.empty() && std::string("dfFeEgGxXo%").find(type[0]) != std::string::npos) {
    if (!v.is_number()) throw Error(ErrorKind::ValueError, "Unknown format code '" + type + "' for object of type '" + type_name(v) + "'");
    char buf[1200];
    std::string f = "%" + flags + (precision >= 0 ? "." + std::to_string(precision) : "");
    if (type == "d" || type == "x" || type == "X" || type == "o") {
      if (!v.is_integral()) throw Error(ErrorKind::ValueError, "Unknown format code '" + type + "' for object of type 'float'");
      std::snprintf(buf, sizeof buf, (f + "ll" + type).c_str(), static_cast<long long>(v.as_int()));
    } else if (type == "%") {
      std::snprintf(buf, sizeof buf, (f + "f%%").c_str(), v.as_double() * 100);
    } else {
      std::snprintf(buf, sizeof buf, (f + type).c_str(), v.as_double());
    }
    body = buf;
  } else {
    body = to_str(v);
    if (precision >= 0) body = pystr::encode(pystr::decode(body).substr(0, precision));
  }
  const auto len = static_cast<int>(pystr::length(body));
  if (width <= len) return body;
  if (!align) align = v.is_number() ? '>' : '<';
  const int pad = width - len;
  const int left = align == '<' ? 0 : align == '>' ? pad : pad / 2;
  return std::string(left, fill) + body + std::string(pad - left, fill);
}

std::string str_format(Interpreter& in, const std::string& fmt, const Args& args) {
  std::string out;
  size_t auto_index = 0;
  for (size_t i = 0; i < fmt.size(); i++) {
    const char c = fmt[i];
    if (c == '}') {
      if (i + 1 < fmt.size() && fmt[i + 1] == '}') i++;
      else throw Error(ErrorKind::ValueError, "Single '}' encountered in format string");
      out.push_back('}');
      continue;
    }
    if (c != '{') {
      out.push_back(c);
      continue;
    }
    if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
      out.push_back('{');
      i++;
      continue;
    }
    const size_t close = fmt.find('}', i);
    if (close == std::string::npos) throw Error(ErrorKind::ValueError, "Single '{' encountered in format string");
    std::string field = fmt.substr(i + 1, close - i - 1), spec, conv;
    if (size_t colon = field.find(':'); colon != std::string::npos) {
      spec = field.substr(colon + 1);
      field.resize(colon);
    }
    if (size_t bang = field.find('!'); bang != std::string::npos) {
      conv = field.substr(bang + 1);
      field.resize(bang);
    }
    Value v;
    if (field.empty()) {
      if (auto_index >= args.args.size()) throw Error(ErrorKind::IndexError, "Replacement index " + std::to_string(auto_index) + " out of range for positional args tuple");
      v = args.args[auto_index++];
    } else if (auto n = pystr::parse_int(field)) {
      if (*n < 0 || static_cast<size_t>(*n) >= args.args.size())
        throw Error(ErrorKind::IndexError, "Replacement index " + field + " out of range for positional args tuple");
      v = args.args[*n];
    } else {
      auto it = std::find_if(args.kwargs.begin(), args.kwargs.end(), [&](const auto& kv) { return kv.first == field; });
      if (it == args.kwargs.end()) throw Error(ErrorKind::KeyError, pystr::repr(field));
      v = it->second;
    }
    if (conv == "r" || conv == "a") v = Value::string(repr(v));
    else if (conv == "s") v = Value::string(to_str(v));
    else if (!conv.empty()) throw Error(ErrorKind::ValueError, "Unknown conversion specifier " + conv);
    out += apply_spec(v, spec);
    in.check_size(out.size());
    i = close;
  }
  return out;
}

Value call_str_method(Interpreter& in, const std::string& s, const std::string& name, const Args& args) {
  using A = std::vector<const char*>;
  auto str_result = [&](std::string r) { return in.make_string(std::move(r)); };
  if (name == "upper") return str_result(pystr::upper(s));
  if (name == "lower" || name == "casefold") return str_result(pystr::lower(s));
  if (name == "capitalize") return str_result(pystr::capitalize(s));
  if (name == "title") return str_result(python_title(s));
  if (name == "swapcase") return str_result(swapcase(s));
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    auto a = bind_args(args, A{"chars"}, name.c_str());
    return str_result(pystr::strip(s, optional_str(a[0], name.c_str()), name != "rstrip", name != "lstrip"));
  }
  if (name == "split" || name == "rsplit") {
    auto a = bind_args(args, A{"sep", "maxsplit"}, name.c_str());
    auto sep = optional_str(a[0], "sep");
    if (sep && sep->empty()) throw Error(ErrorKind::ValueError, "empty separator");
    const int64_t maxsplit = a[1] ? to_index(*a[1], "maxsplit") : -1;
    const size_t most = in.max_list_items();
    return str_list(in, name == "split" ? pystr::split(s, sep, maxsplit, most) : pystr::rsplit(s, sep, maxsplit, most));
  }
  if (name == "splitlines") {
    auto a = bind_args(args, A{"keepends"}, "splitlines");
    return str_list(in, pystr::splitlines(s, a[0] && truthy(*a[0]), in.max_list_items()));
  }
  if (name == "startswith" || name == "endswith") {
    auto a = bind_args(args, A{"prefix", "start", "end"}, name.c_str());
    if (!a[0]) throw Error(ErrorKind::TypeError, name + "() takes at least 1 argument (0 given)");
    return Value::boolean(affix_match(sub_range(s, a[1], a[2]), *a[0], name == "startswith", name.c_str()));
  }
  if (name == "find" || name == "rfind" || name == "index" || name == "rindex" || name == "count") {
    auto a = bind_args(args, A{"sub", "start", "end"}, name.c_str());
    if (!a[0]) throw Error(ErrorKind::TypeError, name + "() takes at least 1 argument (0 given)");
    const std::string& sub = to_string_arg(*a[0], "substring");
    const std::string hay = sub_range(s, a[1], a[2]);
    if (name == "count") return Value::integer(static_cast<int64_t>(pystr::count(hay, sub)));
    int64_t pos = (name == "find" || name == "index") ? pystr::find(hay, sub) : pystr::rfind(hay, sub);
    if (pos < 0 && (name == "index" || name == "rindex")) throw Error(ErrorKind::ValueError, "substring not found");
    if (pos >= 0 && a[1] && !a[1]->is_none()) {
      int64_t start = to_index(*a[1], "start");
      const auto n = static_cast<int64_t>(pystr::length(s));
      if (start < 0) start = std::max<int64_t>(start + n, 0);
      pos += start;
    }
    return Value::integer(pos);
  }
  if (name == "replace") {
    auto a = bind_args(args, A{"old", "new", "count"}, "replace");
    if (!a[0] || !a[1]) throw Error(ErrorKind::TypeError, "replace expected at least 2 arguments");
    const std::string& old = to_string_arg(*a[0], "replace() argument 1");
    const std::string& repl = to_string_arg(*a[1], "replace() argument 2");
    const size_t matches = old.empty() ? pystr::length(s) + 1 : pystr::count(s, old);
    if (repl.size() > old.size()) in.check_size(s.size() + matches * (repl.size() - old.size()));
    return str_result(pystr::replace(s, old, repl, a[2] ? to_index(*a[2], "count") : -1));
  }
  if (name == "join") {
    auto a = bind_args(args, A{"iterable"}, "join");
    if (!a[0]) throw Error(ErrorKind::TypeError, "str.join() takes exactly one argument (0 given)");
    std::string out;
    size_t i = 0;
    for (const Value& item : in.iterate_charged(*a[0])) {
      if (!item.is_string())
        throw Error(ErrorKind::TypeError, "sequence item " + std::to_string(i) + ": expected str instance, " + type_name(item) + " found");
      if (i++) out += s;
      out += item.str();
      in.check_size(out.size());
    }
    return str_result(std::move(out));
  }
  if (name == "center" || name == "ljust" || name == "rjust") {
    auto a = bind_args(args, A{"width", "fillchar"}, name.c_str());
    if (!a[0]) throw Error(ErrorKind::TypeError, name + "() takes at least 1 argument (0 given)");
    return str_result(pad_to(in, s, to_index(*a[0], "width"), a[1], name == "center" ? 0 : name == "ljust" ? -1 : 1));
  }
  if (name == "zfill") {
    auto a = bind_args(args, A{"width"}, "zfill");
    if (!a[0]) throw Error(ErrorKind::TypeError, "zfill() takes exactly one argument (0 given)");
    const int64_t width = to_index(*a[0], "width");
    const bool sign = !s.empty() && (s[0] == '+' || s[0] == '-');
    std::string padded = pad_to(in, sign ? s.substr(1) : s, width - (sign ? 1 : 0), Value::string("0"), 1);
    return str_result(sign ? s.substr(0, 1) + padded : padded);
  }
  if (name == "partition" || name == "rpartition") {
    auto a = bind_args(args, A{"sep"}, name.c_str());
    if (!a[0]) throw Error(ErrorKind::TypeError, name + "() takes exactly one argument (0 given)");
    const std::string& sep = to_string_arg(*a[0], "sep");
    if (sep.empty()) throw Error(ErrorKind::ValueError, "empty separator");
    const size_t hit = name == "partition" ? pystr::Pattern(sep).find(s) : pystr::Pattern(sep, true).rfind(s, s.size());
    std::vector<Value> parts;
    if (hit == std::string::npos) {
      parts = name == "partition" ? std::vector<Value>{Value::string(s), Value::string(""), Value::string("")}
                                  : std::vector<Value>{Value::string(""), Value::string(""), Value::string(s)};
    } else {
      parts = {Value::string(s.substr(0, hit)), Value::string(sep), Value::string(s.substr(hit + sep.size()))};
    }
    return in.make_list(std::move(parts), true);
  }
  if (name == "removeprefix" || name == "removesuffix") {
    auto a = bind_args(args, A{"affix"}, name.c_str());
    if (!a[0]) throw Error(ErrorKind::TypeError, name + "() takes exactly one argument (0 given)");
    const std::string& x = to_string_arg(*a[0], name.c_str());
    if (name == "removeprefix") return str_result(s.compare(0, x.size(), x) == 0 ? s.substr(x.size()) : s);
    const bool ends = x.size() <= s.size() && s.compare(s.size() - x.size(), x.size(), x) == 0;
    return str_result(ends && !x.empty() ? s.substr(0, s.size() - x.size()) : s);
  }
  if (name == "format") return str_result(str_format(in, s, args));
  if (name == "isalpha") return Value::boolean(all_chars(s, is_alpha));
  if (name == "isdigit") return Value::boolean(all_chars(s, is_digit));
  if (name == "isdecimal") return Value::boolean(all_chars(s, is_decimal));
  if (name == "isnumeric") return Value::boolean(all_chars(s, is_numeric));
  if (name == "isalnum") return Value::boolean(all_chars(s, is_alnum));
  if (name == "isspace") return Value::boolean(all_chars(s, is_space_cp));
  if (name == "isascii") return Value::boolean(s.empty() || all_chars(s, is_ascii_cp));
  if (name == "islower") return Value::boolean(pystr::is_lower(s));
  if (name == "isupper") return Value::boolean(pystr::is_upper(s));
  unsupported(Value::string(s), name);
}

Value call_dict_method(Interpreter& in, const Value& self, const std::string& name, const Args& args) {
  const Dict& d = self.dict();
  if (name == "get") {
    auto a = bind_args(args, {"key", "default"}, "get");
    if (!a[0]) throw Error(ErrorKind::TypeError, "get expected at least 1 argument, got 0");
    if (!is_hashable(*a[0])) throw Error(ErrorKind::TypeError, std::string("unhashable type: '") + type_name(*a[0]) + "'");
    if (const Value* v = d.find(*a[0])) return *v;
    return a[1] ? *a[1] : Value::none();
  }
  bind_args(args, {}, name.c_str());
  std::vector<Value> out;
  if (name == "copy") return self;
  if (name == "keys" || name == "values" || name == "items") {
    for (const auto& [k, v] : d.items())
      out.push_back(name == "keys" ? k : name == "values" ? v : in.make_list({k, v}, true));
    return in.make_list(std::move(out));
  }
  unsupported(self, name);
}

Value call_list_method(Interpreter& in, const Value& self, const std::string& name, const Args& args) {
  const auto& items = self.list().items;
  if (name == "copy") {
    bind_args(args, {}, "copy");
    return self;
  }
  auto a = bind_args(args, {"value"}, name.c_str());
  if (!a[0]) throw Error(ErrorKind::TypeError, name + "() takes exactly one argument (0 given)");
  in.charge_scan(self);
  if (name == "count")
    return Value::integer(std::count_if(items.begin(), items.end(), [&](const Value& v) { return equal(v, *a[0]); }));
  for (size_t i = 0; i < items.size(); i++)
    if (equal(items[i], *a[0])) return Value::integer(static_cast<int64_t>(i));
  if (self.list().is_tuple) throw Error(ErrorKind::ValueError, "tuple.index(x): x not in tuple");
  throw Error(ErrorKind::ValueError, repr(*a[0]) + " is not in list");
}

}  // namespace

AttrLookup find_method(const Value& self, std::string_view name) {
  if (!name.empty() && name[0] == '_') {
    // Python objects have many dunder attributes; the sandbox refuses them all.
    const bool dunder = name.size() > 4 && name.substr(0, 2) == "__" && name.substr(name.size() - 2) == "__";
    return dunder ? AttrLookup::Unsafe : AttrLookup::Missing;
  }
  switch (self.kind()) {
    case Value::Kind::String: return kStrMethods.count(name) ? AttrLookup::Found : AttrLookup::Missing;
    case Value::Kind::Dict:
      if (kDictSafe.count(name)) return AttrLookup::Found;
      return kDictUnsafe.count(name) ? AttrLookup::Unsafe : AttrLookup::Missing;
    case Value::Kind::List:
      if (self.list().is_tuple) return name == "count" || name == "index" ? AttrLookup::Found : AttrLookup::Missing;
      if (kListSafe.count(name)) return AttrLookup::Found;
      return kListUnsafe.count(name) ? AttrLookup::Unsafe : AttrLookup::Missing;
    default: return AttrLookup::Missing;
  }
}

Value call_method(Interpreter& in, const Value& self, const std::string& name, const CallArgs& args) {
  switch (self.kind()) {
    case Value::Kind::String:
      // A str method reads the string and its string arguments once each
      // (substring searches are linear: pystr::Pattern).
      in.charge(self.str().size());
      for (const Value& arg : args.args) in.charge_scan(arg);
      for (const auto& kv : args.kwargs) in.charge_scan(kv.second);
      return call_str_method(in, self.str(), name, args);
    case Value::Kind::Dict:
      if (name != "get") in.charge_scan(self);  // keys()/items()/... copy everything
      return call_dict_method(in, self, name, args);
    case Value::Kind::List: return call_list_method(in, self, name, args);
    case Value::Kind::Loop: {
      if (name != "cycle") unsupported(self, name);
      if (!args.kwargs.empty()) throw Error(ErrorKind::TypeError, "cycle() takes no keyword arguments");
      if (args.args.empty()) throw Error(ErrorKind::TypeError, "no items for cycling given");
      return args.args[self.loop().index0 % args.args.size()];
    }
    default: unsupported(self, name);
  }
}

}  // namespace edgelm::jinja
