// Jinja2's built-in filters (plus Hugging Face's tojson), with Python
// semantics for the values they produce.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_map>
#include <utility>

#include "chat/jinja/builtins.h"
#include "chat/jinja/json.h"
#include "chat/jinja/pystr.h"

namespace edgelm::jinja {

namespace {

using Args = CallArgs;

// Optional argument `i` of a bound argument list, or `dflt`.
Value arg_or(const std::vector<std::optional<Value>>& a, size_t i, Value dflt) { return a[i] ? *a[i] : std::move(dflt); }

std::string ignore_case(const Value& v) { return pystr::lower(v.str()); }

// Jinja2's make_attrgetter: "a.b.0" walks item lookups (a part made of digits
// is an index), and `default` replaces an undefined step. The path is parsed
// once per filter call, so its cost is not paid again for every item.
class Getter {
 public:
  Getter() = default;  // no attribute: the item itself
  Getter(Interpreter& in, const std::optional<Value>& attribute, std::optional<Value> dflt = std::nullopt)
      : dflt_(std::move(dflt)) {
    if (!attribute) return;
    if (attribute->is_string()) {
      in.charge_scan(*attribute);
      for (const std::string& p : pystr::split(attribute->str(), std::string("."), -1, in.max_list_items())) {
        const bool digits = !p.empty() && std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; });
        auto n = digits ? pystr::parse_int(p) : std::nullopt;
        path_.push_back(n ? Value::integer(*n) : Value::string(p));
      }
    } else if (!attribute->is_none()) {
      path_.push_back(*attribute);
    }
  }
  Value operator()(Interpreter& in, Value item) const {
    in.charge(path_.size() * sizeof(Value));  // one lookup per step of the path
    for (const Value& p : path_) {
      item = in.getitem(item, p);
      if (dflt_ && !dflt_->is_none() && item.is_undefined()) item = *dflt_;
    }
    return item;
  }
 private:
  std::vector<Value> path_;
  std::optional<Value> dflt_;
};

// Sort key with the case folding Jinja2 applies to strings by default.
Value sort_key(Interpreter& in, const Value& item, const Getter& get, bool case_sensitive) {
  Value k = get(in, item);
  if (!case_sensitive && k.is_string()) return Value::string(ignore_case(k));
  return k;
}

// Stable sort of `items` by precomputed keys, optionally reversed (like Python's sorted).
std::vector<Value> sorted_by(std::vector<Value> items, const std::vector<Value>& keys, bool reverse) {
  std::vector<size_t> order(items.size());
  for (size_t i = 0; i < order.size(); i++) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return reverse ? less(keys[b], keys[a]) : less(keys[a], keys[b]);
  });
  std::vector<Value> out;
  out.reserve(items.size());
  for (size_t i : order) out.push_back(std::move(items[i]));
  return out;
}

// ---- string filters ----

Value f_upper(Interpreter& in, const Value& v, const Args&) { return in.make_string(pystr::upper(to_str(v))); }
Value f_lower(Interpreter& in, const Value& v, const Args&) { return in.make_string(pystr::lower(to_str(v))); }
Value f_capitalize(Interpreter& in, const Value& v, const Args&) { return in.make_string(pystr::capitalize(to_str(v))); }
Value f_title(Interpreter& in, const Value& v, const Args&) { return in.make_string(pystr::title_words(to_str(v))); }
Value f_string(Interpreter& in, const Value& v, const Args&) {
  return v.is_string() ? v : in.make_string(to_str(v));
}

Value f_trim(Interpreter& in, const Value& v, const Args& args) {
  auto a = bind_args(args, {"chars"}, "trim");
  std::optional<std::string> chars;
  if (a[0] && !a[0]->is_none()) chars = to_string_arg(*a[0], "trim chars");
  return in.make_string(pystr::strip(to_str(v), chars, true, true));
}

Value f_replace(Interpreter& in, const Value& v, const Args& args) {
  auto a = bind_args(args, {"old", "new", "count"}, "replace");
  if (!a[0] || !a[1]) throw Error(ErrorKind::TypeError, "replace() missing required arguments 'old' and 'new'");
  const int64_t count = a[2] && !a[2]->is_none() ? to_index(*a[2], "count") : -1;
  const std::string s = to_str(v), old = to_str(*a[0]), repl = to_str(*a[1]);
  // Bound the result before building it: every match can grow the text.
  const size_t matches = old.empty() ? pystr::length(s) + 1 : pystr::count(s, old);
  if (repl.size() > old.size()) in.check_size(s.size() + matches * (repl.size() - old.size()));
  return in.make_string(pystr::replace(s, old, repl, count));
}

Value f_center(Interpreter& in, const Value& v, const Args& args) {
  auto a = bind_args(args, {"width"}, "center");
  const int64_t width = a[0] ? to_index(*a[0], "width") : 80;
  const std::string s = to_str(v);
  const auto len = static_cast<int64_t>(pystr::length(s));
  if (width <= len) return in.make_string(s);
  in.check_size(static_cast<size_t>(width));
  const int64_t pad = width - len;
  const int64_t left = pad / 2 + (pad & width & 1);
  return in.make_string(std::string(left, ' ') + s + std::string(pad - left, ' '));
}

Value f_indent(Interpreter& in, const Value& v, const Args& args) {
  auto a = bind_args(args, {"width", "first", "blank"}, "indent");
  if (v.is_undefined()) raise_undefined(v);
  const Value width = arg_or(a, 0, Value::integer(4));
  std::string indention;
  if (width.is_string()) {
    indention = width.str();
  } else {
    const int64_t w = to_index(width, "width");
    in.check_size(static_cast<size_t>(std::max<int64_t>(w, 0)));
    indention.assign(std::max<int64_t>(w, 0), ' ');
  }
  const bool first = truthy(arg_or(a, 1, Value::boolean(false)));
  const bool blank = truthy(arg_or(a, 2, Value::boolean(false)));
  // Jinja2 indents every line after the first (and blank ones only with
  // `blank`); lines are walked in place, so a text of many short lines costs
  // no more than its size.
  const std::string s = to_str(v);
  size_t breaks = 0;
  for (size_t i = 0, next = 0; pystr::find_line_break(s, i, &next) < s.size(); i = next) breaks++;
  in.check_size(s.size() + (breaks + 1) * indention.size());
  std::string out;
  size_t i = 0;
  bool first_line = true;
  while (true) {
    size_t next = 0;
    const size_t brk = pystr::find_line_break(s, i, &next);
    if (!first_line) {
      out += "\n";
      if (blank || brk > i) out += indention;
    }
    first_line = false;
    out.append(s, i, brk - i);
    if (brk == s.size()) break;
    i = next;
  }
  if (first) out = indention + out;
  return in.make_string(std::move(out));
}

Value f_escape(Interpreter& in, const Value& v, const Args&) {
  std::string out;
  for (char c : to_str(v)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return in.make_string(std::move(out));
}

Value f_format(Interpreter& in, const Value& v, const Args& args) {
  if (!args.args.empty() && !args.kwargs.empty())
    throw Error(ErrorKind::TypeError, "can't handle positional and keyword arguments at the same time");
  Value params;
  if (!args.kwargs.empty()) {
    Dict d;
    for (const auto& [k, val] : args.kwargs) d.set(Value::string(k), val);
    params = Value::dict(std::move(d));
  } else {
    params = in.make_list(args.args, true);
  }
  return binary_op(in, ast::BinOp::Mod, in.make_string(to_str(v)), params);
}

Value f_wordcount(Interpreter& in, const Value& v, const Args&) {
  in.charge_scan(v);
  int64_t n = 0;
  bool in_word = false;
  for (char32_t c : pystr::decode(to_str(v))) {
    const bool word_char = c == '_' || (c < 0x80 ? std::isalnum(static_cast<int>(c)) != 0 : !pystr::is_space(c));
    if (word_char && !in_word) n++;
    in_word = word_char;
  }
  return Value::integer(n);
}

// ---- serialization ----

// Hugging Face's tojson: json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False).
Value f_tojson(Interpreter& in, const Value& v, const Args& args) {
  auto a = bind_args(args, {"ensure_ascii", "indent", "separators", "sort_keys"}, "tojson");
  JsonDumpOptions opt;
  opt.ensure_ascii = truthy(arg_or(a, 0, Value::boolean(false)));
  const Value indent = arg_or(a, 1, Value::none());
  if (indent.is_string()) {
    opt.indent = indent.str();
  } else if (indent.is_integral()) {
    const int64_t n = std::max<int64_t>(indent.as_int(), 0);
    in.check_size(static_cast<size_t>(n));
    opt.indent = std::string(n, ' ');
  } else if (!indent.is_none()) {
    throw Error(ErrorKind::TypeError, std::string("can't multiply sequence by non-int of type '") + type_name(indent) + "'");
  }
  const Value seps = arg_or(a, 2, Value::none());
  if (!seps.is_none()) {
    const std::vector<Value> parts = iterate(seps);
    if (parts.size() != 2) throw Error(ErrorKind::ValueError, "separators must be a (item_separator, key_separator) pair");
    opt.item_separator = to_string_arg(parts[0], "item separator");
    opt.key_separator = to_string_arg(parts[1], "key separator");
  }
  opt.sort_keys = truthy(arg_or(a, 3, Value::boolean(false)));
  opt.max_bytes = in.limits().max_string_bytes;
  return in.make_string(dumps(v, opt));
}

// ---- defaults and conversions ----

Value f_default(Interpreter&, const Value& v, const Args& args) {
  auto a = bind_args(args, {"default_value", "boolean"}, "default");
  const bool boolean = truthy(arg_or(a, 1, Value::boolean(false)));
  if (v.is_undefined() || (boolean && !truthy(v))) return arg_or(a, 0, Value::string(""));
  return v;
}

Value f_safe(Interpreter& in, const Value& v, const Args&) { return v.is_string() ? v : in.make_string(to_str(v)); }

Value f_int(Interpreter& in, const Value& v, const Args& args) {
  in.charge_scan(v);
  auto a = bind_args(args, {"default", "base"}, "int");
  const Value dflt = arg_or(a, 0, Value::integer(0));
  if (v.is_undefined()) raise_undefined(v);
  if (v.is_integral()) return Value::integer(v.as_bigint());
  if (v.is_float()) {
    const double d = v.as_double();
    if (std::isnan(d) || std::isinf(d) || std::fabs(d) >= 9.2e18) return dflt;
    return Value::integer(static_cast<int64_t>(std::trunc(d)));
  }
  if (!v.is_string()) return dflt;
  int64_t base = a[1] ? to_index(*a[1], "base") : 10;
  std::string s = pystr::strip(v.str(), std::nullopt, true, true);
  std::string sign;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    sign = s.substr(0, 1);
    s = s.substr(1);
  }
  if (s.size() > 2 && s[0] == '0') {
    const char p = static_cast<char>(std::tolower(static_cast<unsigned char>(s[1])));
    const int64_t prefix_base = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
    if (prefix_base && (base == 0 || base == prefix_base)) {
      base = prefix_base;
      s = s.substr(2);
    }
  }
  if (base == 0) base = 10;
  if (base >= 2 && base <= 36)
    if (auto n = pystr::parse_int(sign + s, static_cast<int>(base))) return Value::integer(*n);
  if (auto f = pystr::parse_float(v.str())) {  // "42.7" -> 42, as Jinja2 does
    if (!std::isnan(*f) && !std::isinf(*f) && std::fabs(*f) < 9.2e18) return Value::integer(static_cast<int64_t>(std::trunc(*f)));
  }
  return dflt;
}

Value f_float(Interpreter& in, const Value& v, const Args& args) {
  in.charge_scan(v);
  auto a = bind_args(args, {"default"}, "float");
  if (v.is_undefined()) raise_undefined(v);
  if (v.is_number()) return Value::number(v.as_double());
  if (v.is_string())
    if (auto f = pystr::parse_float(v.str())) return Value::number(*f);
  return arg_or(a, 0, Value::number(0.0));
}

Value f_abs(Interpreter&, const Value& v, const Args&) {
  if (v.is_integral()) return negate(v, v.as_bigint() < 0);
  if (v.is_float()) return Value::number(std::fabs(v.as_double()));
  throw Error(ErrorKind::TypeError, std::string("bad operand type for abs(): '") + type_name(v) + "'");
}

Value f_round(Interpreter&, const Value& v, const Args& args) {
  auto a = bind_args(args, {"precision", "method"}, "round");
  const int64_t precision = a[0] ? to_index(*a[0], "precision") : 0;
  const std::string method = a[1] ? to_string_arg(*a[1], "method") : "common";
  if (method != "common" && method != "ceil" && method != "floor")
    throw Error(ErrorKind::TemplateRuntimeError, "method must be common, ceil or floor");
  if (!v.is_number()) throw Error(ErrorKind::TypeError, std::string("type ") + type_name(v) + " doesn't define __round__ method");
  if (method == "common" && v.is_integral()) return Value::integer(v.as_bigint());
  const double x = v.as_double();
  const double scale = std::pow(10.0, static_cast<double>(precision));
  if (method == "ceil") return Value::number(std::ceil(x * scale) / scale);
  if (method == "floor") return Value::number(std::floor(x * scale) / scale);
  if (std::isnan(x) || std::isinf(x)) return Value::number(x);
  if (precision < 0) return Value::number(std::nearbyint(x / scale) * scale);
  // Python rounds the exact binary value half-to-even, as printf does.
  char buf[512];
  std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(std::min<int64_t>(precision, 300)), x);
  return Value::number(std::strtod(buf, nullptr));
}

// ---- sequences ----

Value f_length(Interpreter& in, const Value& v, const Args&) {
  if (v.is_string()) in.charge_scan(v);
  return Value::integer(static_cast<int64_t>(py_len(v)));
}

Value f_list(Interpreter& in, const Value& v, const Args&) { return in.make_list(in.iterate_charged(v)); }

Value f_first(Interpreter& in, const Value& v, const Args&) {
  std::vector<Value> items = in.iterate_charged(v);
  if (items.empty()) return Value::undefined("No first item, sequence was empty.");
  return items.front();
}

Value f_last(Interpreter& in, const Value& v, const Args&) {
  std::vector<Value> items = in.iterate_charged(v);
  if (items.empty()) return Value::undefined("No last item, sequence was empty.");
  return items.back();
}

Value f_reverse(Interpreter& in, const Value& v, const Args&) {
  if (v.is_string()) {
    std::u32string cps = pystr::decode(v.str());
    std::reverse(cps.begin(), cps.end());
    return in.make_string(pystr::encode(cps));
  }
  std::vector<Value> items = in.iterate_charged(v);
  std::reverse(items.begin(), items.end());
  return in.make_list(std::move(items));
}

Value f_join(Interpreter& in, const Value& v, const Args& args) {
  auto a = bind_args(args, {"d", "attribute"}, "join");
  const std::string sep = to_str(arg_or(a, 0, Value::string("")));
  const Getter get(in, a[1]);
  std::string out;
  bool first = true;
  for (const Value& item : in.iterate_charged(v)) {
    if (!first) out += sep;
    first = false;
    out += to_str(get(in, item));
    in.check_size(out.size());
  }
  return in.make_string(std::move(out));
}

Value f_items(Interpreter& in, const Value& v, const Args&) {
  if (v.is_undefined()) return in.make_list({});
  if (!v.is_dict()) throw Error(ErrorKind::TypeError, "Can only get item pairs from a mapping.");
  std::vector<Value> pairs;
  for (const auto& [k, val] : v.dict().items()) pairs.push_back(in.make_list({k, val}, true));
  return in.make_list(std::move(pairs));
}

Value f_dictsort(Interpreter& in, const Value& v, const Args& args) {
  auto a = bind_args(args, {"case_sensitive", "by", "reverse"}, "dictsort");
  if (v.is_undefined()) raise_undefined(v);
  if (!v.is_dict())
    throw Error(ErrorKind::AttributeError, std::string("'") + type_name(v) + "' object has no attribute 'items'");
  const bool case_sensitive = truthy(arg_or(a, 0, Value::boolean(false)));
  const std::string by = to_str(arg_or(a, 1, Value::string("key")));
  if (by != "key" && by != "value")
    throw Error(ErrorKind::TemplateRuntimeError, "You can only sort by either \"key\" or \"value\"");
  std::vector<Value> pairs, keys;
  for (const auto& [k, val] : v.dict().items()) {
    pairs.push_back(in.make_list({k, val}, true));
    keys.push_back(sort_key(in, by == "key" ? k : val, Getter(), case_sensitive));
  }
  return in.make_list(sorted_by(std::move(pairs), keys, truthy(arg_or(a, 2, Value::boolean(false)))));
}

Value f_sort(Interpreter& in, const Value& v, const Args& args) {
  auto a = bind_args(args, {"reverse", "case_sensitive", "attribute"}, "sort");
  const bool case_sensitive = truthy(arg_or(a, 1, Value::boolean(false)));
  // "a,b" sorts by several attributes.
  const bool multi = a[2] && a[2]->is_string() && a[2]->str().find(',') != std::string::npos;
  std::vector<Getter> getters;
  if (multi) {
    in.charge_scan(*a[2]);
    for (const std::string& part : pystr::split(a[2]->str(), std::string(","), -1, in.max_list_items()))
      getters.emplace_back(in, Value::string(pystr::strip(part, std::nullopt, true, true)));
  } else {
    getters.emplace_back(in, a[2]);
  }
  std::vector<Value> items = in.iterate_charged(v);
  std::vector<Value> keys;
  for (const Value& item : items) {
    if (multi) {
      std::vector<Value> parts;
      for (const Getter& get : getters) parts.push_back(sort_key(in, item, get, case_sensitive));
      keys.push_back(in.make_list(std::move(parts)));
    } else {
      keys.push_back(sort_key(in, item, getters[0], case_sensitive));
    }
  }
  return in.make_list(sorted_by(std::move(items), keys, truthy(arg_or(a, 0, Value::boolean(false)))));
}

Value f_unique(Interpreter& in, const Value& v, const Args& args) {
  auto a = bind_args(args, {"case_sensitive", "attribute"}, "unique");
  const bool case_sensitive = truthy(arg_or(a, 0, Value::boolean(false)));
  const Getter get(in, a[1]);
  std::vector<Value> out;
  Dict seen;  // the keys met so far, hashed: the filter stays linear
  for (const Value& item : in.iterate_charged(v)) {
    Value key = sort_key(in, item, get, case_sensitive);
    if (seen.find(key)) continue;
    seen.set(key, Value::none());  // TypeError for an unhashable key
    out.push_back(item);
  }
  return in.make_list(std::move(out));
}

Value min_or_max(Interpreter& in, const Value& v, const Args& args, bool want_max, const char* name) {
  auto a = bind_args(args, {"case_sensitive", "attribute"}, name);
  const bool case_sensitive = truthy(arg_or(a, 0, Value::boolean(false)));
  std::vector<Value> items = in.iterate_charged(v);
  if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
  const Getter get(in, a[1]);
  size_t best = 0;
  Value best_key = sort_key(in, items[0], get, case_sensitive);
  for (size_t i = 1; i < items.size(); i++) {
    Value k = sort_key(in, items[i], get, case_sensitive);
    if (want_max ? less(best_key, k) : less(k, best_key)) {
      best = i;
      best_key = std::move(k);
    }
  }
  return items[best];
}

Value f_min(Interpreter& in, const Value& v, const Args& args) { return min_or_max(in, v, args, false, "min"); }
Value f_max(Interpreter& in, const Value& v, const Args& args) { return min_or_max(in, v, args, true, "max"); }

Value f_sum(Interpreter& in, const Value& v, const Args& args) {
  auto a = bind_args(args, {"attribute", "start"}, "sum");
  Value total = arg_or(a, 1, Value::integer(0));
  const Getter get(in, a[0]);
  for (const Value& item : in.iterate_charged(v)) total = binary_op(in, ast::BinOp::Add, total, get(in, item));
  return total;
}

Value f_batch(Interpreter& in, const Value& v, const Args& args) {
  auto a = bind_args(args, {"linecount", "fill_with"}, "batch");
  const int64_t size = a[0] ? to_index(*a[0], "linecount") : 0;
  if (size <= 0) throw Error(ErrorKind::ValueError, "batch size must be positive");
  std::vector<Value> out, cur;
  for (const Value& item : in.iterate_charged(v)) {
    cur.push_back(item);
    if (static_cast<int64_t>(cur.size()) == size) out.push_back(in.make_list(std::exchange(cur, {})));
  }
  if (!cur.empty()) {
    if (a[1]) {
      // The padded last batch holds `size` values: refused before it is built.
      if (static_cast<uint64_t>(size) > in.limits().max_string_bytes / sizeof(Value)) in.check_size(SIZE_MAX);
      in.charge(static_cast<uint64_t>(size) * sizeof(Value));
      while (static_cast<int64_t>(cur.size()) < size) cur.push_back(*a[1]);
    }
    out.push_back(in.make_list(std::move(cur)));
  }
  return in.make_list(std::move(out));
}

Value f_map(Interpreter& in, const Value& v, const Args& args) {
  if (!truthy(v)) return in.make_list({});
  std::vector<Value> out;
  if (args.args.empty()) {
    std::optional<Value> attribute, dflt;
    for (const auto& [k, val] : args.kwargs) {
      if (k == "attribute") attribute = val;
      else if (k == "default") dflt = val;
      else throw Error(ErrorKind::TemplateRuntimeError, "Unexpected keyword argument " + pystr::repr(k));
    }
    if (!attribute) throw Error(ErrorKind::TemplateRuntimeError, "map requires a filter argument");
    const Getter get(in, attribute, dflt);
    for (const Value& item : in.iterate_charged(v)) out.push_back(get(in, item));
  } else {
    const std::string filter = to_string_arg(args.args[0], "filter name");
    CallArgs rest{std::vector<Value>(args.args.begin() + 1, args.args.end()), args.kwargs};
    for (const Value& item : in.iterate_charged(v)) out.push_back(in.apply_filter(filter, item, rest));
  }
  return in.make_list(std::move(out));
}

// select / reject / selectattr / rejectattr.
Value select_items(Interpreter& in, const Value& v, const Args& args, bool keep_if, bool by_attribute) {
  if (!truthy(v)) return in.make_list({});
  size_t off = 0;
  std::optional<Value> attribute;
  if (by_attribute) {
    if (args.args.empty()) throw Error(ErrorKind::TemplateRuntimeError, "Missing parameter for attribute name");
    attribute = args.args[0];
    off = 1;
  }
  std::optional<std::string> test;
  if (args.args.size() > off) test = to_string_arg(args.args[off], "test name");
  CallArgs rest;
  if (test) rest = CallArgs{std::vector<Value>(args.args.begin() + off + 1, args.args.end()), args.kwargs};
  const Getter get(in, attribute);
  std::vector<Value> out;
  for (const Value& item : in.iterate_charged(v)) {
    const Value subject = get(in, item);
    const bool passed = test ? in.apply_test(*test, subject, rest) : truthy(subject);
    if (passed == keep_if) out.push_back(item);
  }
  return in.make_list(std::move(out));
}

Value f_select(Interpreter& in, const Value& v, const Args& a) { return select_items(in, v, a, true, false); }
Value f_reject(Interpreter& in, const Value& v, const Args& a) { return select_items(in, v, a, false, false); }
Value f_selectattr(Interpreter& in, const Value& v, const Args& a) { return select_items(in, v, a, true, true); }
Value f_rejectattr(Interpreter& in, const Value& v, const Args& a) { return select_items(in, v, a, false, true); }

Value f_attr(Interpreter&, const Value& v, const Args& args) {
  auto a = bind_args(args, {"name"}, "attr");
  const std::string name = a[0] ? to_str(*a[0]) : "";
  if (v.is_undefined()) raise_undefined(v);
  if (auto r = python_attribute(v, name)) return *r;
  return undefined_attribute(v, name);
}

const std::unordered_map<std::string_view, FilterFn>& filter_table() {
  static const std::unordered_map<std::string_view, FilterFn> table = {
      {"abs", f_abs}, {"attr", f_attr}, {"batch", f_batch}, {"capitalize", f_capitalize}, {"center", f_center},
      {"count", f_length}, {"d", f_default}, {"default", f_default}, {"dictsort", f_dictsort}, {"e", f_escape},
      {"escape", f_escape}, {"first", f_first}, {"float", f_float}, {"forceescape", f_escape},
      {"format", f_format}, {"indent", f_indent}, {"int", f_int}, {"join", f_join}, {"last", f_last},
      {"length", f_length}, {"list", f_list}, {"lower", f_lower}, {"items", f_items}, {"map", f_map},
      {"min", f_min}, {"max", f_max}, {"reject", f_reject}, {"rejectattr", f_rejectattr}, {"replace", f_replace},
      {"reverse", f_reverse}, {"round", f_round}, {"safe", f_safe}, {"select", f_select},
      {"selectattr", f_selectattr}, {"sort", f_sort}, {"string", f_string}, {"sum", f_sum}, {"title", f_title},
      {"trim", f_trim}, {"unique", f_unique}, {"upper", f_upper}, {"wordcount", f_wordcount},
      {"tojson", f_tojson},
      // Jinja2 filters chat templates do not need: known, not implemented.
      {"filesizeformat", nullptr}, {"groupby", nullptr}, {"pprint", nullptr}, {"random", nullptr},
      {"slice", nullptr}, {"striptags", nullptr}, {"truncate", nullptr}, {"urlencode", nullptr},
      {"urlize", nullptr}, {"wordwrap", nullptr}, {"xmlattr", nullptr},
  };
  return table;
}

}  // namespace

bool filter_exists(std::string_view name) { return filter_table().count(name) != 0; }

FilterFn find_filter(std::string_view name) {
  const auto& t = filter_table();
  auto it = t.find(name);
  return it == t.end() ? nullptr : it->second;
}

}  // namespace edgelm::jinja
