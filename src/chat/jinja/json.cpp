// JSON conversion with Python json.dumps formatting (see json.h).
#include "chat/jinja/json.h"

#include <algorithm>
#include <cmath>

#include "chat/jinja/pystr.h"

namespace edgelm::jinja {

namespace {

Value from_json_at(const nlohmann::ordered_json& j, uint32_t depth) {
  if (depth > kMaxValueDepth) throw Error(ErrorKind::LimitError, "JSON input is nested too deeply");
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::null: return Value::none();
    case nlohmann::ordered_json::value_t::boolean: return Value::boolean(j.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer: return Value::integer(j.get<int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: {
      return Value::integer(static_cast<BigInt>(j.get<uint64_t>()));
    }
    case nlohmann::ordered_json::value_t::number_float: return Value::number(j.get<double>());
    case nlohmann::ordered_json::value_t::string: return Value::string(j.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      std::vector<Value> items;
      items.reserve(j.size());
      for (const auto& e : j) items.push_back(from_json_at(e, depth + 1));
      return Value::list(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      Dict d;
      for (auto it = j.begin(); it != j.end(); ++it) d.set(Value::string(it.key()), from_json_at(it.value(), depth + 1));
      return Value::dict(std::move(d));
    }
    default: throw Error(ErrorKind::TypeError, "unsupported JSON value (binary)");
  }
}

void append_json_string(std::string& out, const std::string& s, bool ensure_ascii) {
  static const char* hex = "0123456789abcdef";
  auto u_escape = [&](char32_t c) {
    out += "\\u";
    for (int k = 3; k >= 0; k--) out.push_back(hex[(c >> (4 * k)) & 0xF]);
  };
  out.push_back('"');
  const bool ascii = pystr::is_ascii(s);
  const std::u32string cps = ascii ? std::u32string() : pystr::decode(s);
  const size_t n = ascii ? s.size() : cps.size();
  for (size_t i = 0; i < n; i++) {
    const char32_t c = ascii ? static_cast<unsigned char>(s[i]) : cps[i];
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      default: break;
    }
    if (c < 0x20) {
      u_escape(c);
    } else if (ensure_ascii && c >= 0x7F) {
      if (c >= 0x10000) {
        u_escape(0xD800 + ((c - 0x10000) >> 10));
        u_escape(0xDC00 + ((c - 0x10000) & 0x3FF));
      } else {
        u_escape(c);
      }
    } else {
      pystr::append_utf8(out, c);
    }
  }
  out.push_back('"');
}

std::string float_json(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
  return pystr::float_repr(d);
}

class Dumper {
 public:
  explicit Dumper(const JsonDumpOptions& opt)
      : opt_(opt), item_sep_(opt.item_separator ? *opt.item_separator : opt.indent ? "," : ", ") {}

  void write(const Value& v, int level) {
    check_size();
    switch (v.kind()) {
      case Value::Kind::None: out_ += "null"; return;
      case Value::Kind::Bool: out_ += v.as_bool() ? "true" : "false"; return;
      case Value::Kind::Int: out_ += pystr::int_to_string(v.as_bigint()); return;
      case Value::Kind::Float: out_ += float_json(v.as_double()); return;
      case Value::Kind::String: append_json_string(out_, v.str(), opt_.ensure_ascii); return;
      case Value::Kind::List: write_list(v.list().items, level); return;
      case Value::Kind::Dict: write_dict(v.dict(), level); return;
      default:
        throw Error(ErrorKind::TypeError, std::string("Object of type ") + type_name(v) + " is not JSON serializable");
    }
  }

  std::string take() { return std::move(out_); }

 private:
  // Opens a container; returns the separator placed between items.
  std::string open(char bracket, int level) {
    out_.push_back(bracket);
    if (!opt_.indent) return item_sep_;
    check_size(opt_.indent->size() * (level + 1));
    const std::string newline_indent = "\n" + repeat(*opt_.indent, level + 1);
    out_ += newline_indent;
    return item_sep_ + newline_indent;
  }

  void close(char bracket, int level) {
    if (opt_.indent) out_ += "\n" + repeat(*opt_.indent, level);
    out_.push_back(bracket);
  }

  void check_size(size_t extra = 0) const {
    if (out_.size() + extra > opt_.max_bytes) throw Error(ErrorKind::LimitError, "tojson output is too large");
  }

  static std::string repeat(const std::string& s, int n) {
    std::string r;
    for (int i = 0; i < n; i++) r += s;
    return r;
  }

  void write_list(const std::vector<Value>& items, int level) {
    if (items.empty()) {
      out_ += "[]";
      return;
    }
    const std::string sep = open('[', level);
    for (size_t i = 0; i < items.size(); i++) {
      if (i) out_ += sep;
      write(items[i], level + 1);
    }
    close(']', level);
    check_size();
  }

  static std::string key_text(const Value& k) {
    switch (k.kind()) {
      case Value::Kind::String: return k.str();
      case Value::Kind::Float: return float_json(k.as_double());
      case Value::Kind::Bool: return k.as_bool() ? "true" : "false";
      case Value::Kind::None: return "null";
      case Value::Kind::Int: return pystr::int_to_string(k.as_bigint());
      default:
        throw Error(ErrorKind::TypeError,
                    std::string("keys must be str, int, float, bool or None, not ") + type_name(k));
    }
  }

  void write_dict(const Dict& d, int level) {
    if (d.empty()) {
      out_ += "{}";
      return;
    }
    std::vector<const std::pair<Value, Value>*> entries;
    for (const auto& kv : d.items()) entries.push_back(&kv);
    if (opt_.sort_keys)
      std::stable_sort(entries.begin(), entries.end(), [](auto* a, auto* b) { return less(a->first, b->first); });
    const std::string sep = open('{', level);
    for (size_t i = 0; i < entries.size(); i++) {
      if (i) out_ += sep;
      append_json_string(out_, key_text(entries[i]->first), opt_.ensure_ascii);
      out_ += opt_.key_separator;
      write(entries[i]->second, level + 1);
    }
    close('}', level);
    check_size();
  }

  const JsonDumpOptions& opt_;
  const std::string item_sep_;
  std::string out_;
};

}  // namespace

Value from_json(const nlohmann::ordered_json& j) { return from_json_at(j, 0); }

std::string dumps(const Value& v, const JsonDumpOptions& opt) {
  Dumper d(opt);
  d.write(v, 0);
  return d.take();
}

}  // namespace edgelm::jinja
