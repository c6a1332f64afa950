// JSON schema conversion: strings, numbers, literals and the generic value
// rules, in JSON or Gemma 4 syntax.
#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

#include "edgelm/error.h"
#include "sample/grammar/json_numbers.h"
#include "sample/grammar/json_schema.h"
#include "sample/grammar/regex.h"

namespace edgelm::grammar {

namespace {

using json = nlohmann::ordered_json;
using Expr = GrammarBuilder::Expr;

const char* const kGemmaQuote = "<|\"|>";

// RFC 3339 dates with exact month lengths and leap years.
const char* const kDatePattern =
    "(?:[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|"
    "02-(?:0[1-9]|1[0-9]|2[0-8]))|(?:[0-9]{2}(?:[02468][48]|[13579][26]|[2468]0)|(?:[02468][048]|[13579][26])00)"
    "-02-29)";
const char* const kTimePattern =
    "(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\\.[0-9]{1,9})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])";
const char* const kUuidPattern = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
const char* const kEmailPattern =
    "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    "@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+";

std::string format_pattern(const std::string& format) {
  if (format == "date") return std::string("^") + kDatePattern + "$";
  if (format == "time") return std::string("^") + kTimePattern + "$";
  if (format == "date-time") return std::string("^") + kDatePattern + "T" + kTimePattern + "$";
  if (format == "uuid") return std::string("^") + kUuidPattern + "$";
  if (format == "email") return std::string("^") + kEmailPattern + "$";
  return "";
}

// Characters a JSON string must escape.
CodepointSet json_specials() {
  CodepointSet s = CodepointSet::range(0, 0x1F);
  s.add('"');
  s.add('\\');
  s.add(0x7F);
  return s;
}

std::string json_escape(uint32_t cp) {
  switch (cp) {
    case '"': return "\\\"";
    case '\\': return "\\\\";
    case '\b': return "\\b";
    case '\f': return "\\f";
    case '\n': return "\\n";
    case '\r': return "\\r";
    case '\t': return "\\t";
    default: {
      static const char* hex = "0123456789abcdef";
      return std::string("\\u00") + hex[(cp >> 4) & 15] + hex[cp & 15];
    }
  }
}

ByteSet byte_range(char lo, char hi) {
  ByteSet s;
  s.add_range(static_cast<uint8_t>(lo), static_cast<uint8_t>(hi));
  return s;
}

ByteSet bytes_of(std::string_view chars) {
  ByteSet s;
  for (char c : chars) s.add(static_cast<uint8_t>(c));
  return s;
}

// Integer part: 0 or up to 16 digits without a leading zero.
Expr integer_digits(GrammarBuilder& b) {
  return b.alt({b.literal("0"), b.seq({b.bytes(byte_range('1', '9')), b.repeat(b.bytes(byte_range('0', '9')), 0, 15)})});
}

// Reads a numeric bound as an integer, rounding towards the inside of the
// range (up for lower bounds), clamped to what the grammar can write.
int64_t integer_bound(const json& v, bool lower) {
  if (v.is_number_integer()) {
    if (v.is_number_unsigned()) return std::min<uint64_t>(v.get<uint64_t>(), kMaxJsonMagnitude);
    return std::clamp<int64_t>(v.get<int64_t>(), -kMaxJsonMagnitude, kMaxJsonMagnitude);
  }
  const double d = lower ? std::ceil(v.get<double>()) : std::floor(v.get<double>());
  return static_cast<int64_t>(std::clamp(d, -static_cast<double>(kMaxJsonMagnitude), static_cast<double>(kMaxJsonMagnitude)));
}

bool is_integral(const json& v) {
  return v.is_number_integer() || (std::isfinite(v.get<double>()) && std::floor(v.get<double>()) == v.get<double>());
}

// The tighter of two bounds: larger (lower) or smaller (upper) value, and
// exclusive over inclusive at the same value.
void tighten(DecimalBound& bound, DecimalBound candidate, bool lower) {
  if (!bound.present) {
    bound = candidate;
    return;
  }
  const bool tighter = lower ? candidate.value > bound.value : candidate.value < bound.value;
  if (tighter || (candidate.value == bound.value && candidate.exclusive)) bound = candidate;
}

// minimum / maximum / exclusive* (numbers, or draft-4 booleans), rounded
// inward to integers.
void read_bounds(const json& schema, const std::string& path, DecimalBound& lower, DecimalBound& upper,
                 const std::function<void(const std::string&)>& fail) {
  for (const char* k : {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})
    if (schema.contains(k) && !schema[k].is_number() && !schema[k].is_boolean())
      fail(std::string("'") + k + "' must be a number");
  (void)path;
  auto side = [&](const char* inclusive, const char* exclusive, bool is_lower, DecimalBound& bound) {
    const bool draft4 = schema.contains(exclusive) && schema[exclusive].is_boolean();
    if (schema.contains(inclusive) && schema[inclusive].is_number()) {
      const json& v = schema[inclusive];
      const bool excl = draft4 && schema[exclusive].get<bool>();
      tighten(bound, {true, integer_bound(v, is_lower), excl && is_integral(v)}, is_lower);
    }
    if (schema.contains(exclusive) && schema[exclusive].is_number()) {
      const json& v = schema[exclusive];
      tighten(bound, {true, integer_bound(v, is_lower), is_integral(v)}, is_lower);
    }
  };
  side("minimum", "exclusiveMinimum", true, lower);
  side("maximum", "exclusiveMaximum", false, upper);
}

}  // namespace

Expr JsonSchemaConverter::whitespace() {
  if (syntax_ == ValueSyntax::kGemma4 || options_.whitespace == JsonWhitespace::kCompact) return b_.empty();
  const int32_t existing = b_.find_rule("ws");
  if (existing >= 0) return b_.ref(existing);
  const int32_t rule = b_.add_rule("ws");
  b_.define(rule, b_.alt({b_.empty(), b_.literal(" "),
                          b_.seq({b_.repeat(b_.literal("\n"), 1, 2), b_.repeat(b_.bytes(bytes_of(" \t")), 0, 20)})}));
  return b_.ref(rule);
}

Expr JsonSchemaConverter::punct(std::string_view text) { return b_.seq({b_.literal(text), whitespace()}); }

Expr JsonSchemaConverter::quote() { return syntax_ == ValueSyntax::kGemma4 ? string_quote_ : b_.literal("\""); }

Expr JsonSchemaConverter::quoted(std::string_view text) { return punct(json(std::string(text)).dump()); }

Expr JsonSchemaConverter::key(const std::string& name) {
  if (syntax_ == ValueSyntax::kGemma4) return b_.literal(name);
  return punct(json(name).dump());
}

Expr JsonSchemaConverter::literal_value(const json& v) {
  try {
    if (syntax_ == ValueSyntax::kJson) return punct(v.dump());
  } catch (const std::exception& e) {
    throw Error(std::string("JSON schema: literal value cannot be written: ") + e.what());
  }
  // Gemma 4: bare keys, <|"|>-quoted raw strings.
  if (v.is_string()) return b_.seq({string_quote_, b_.literal(v.get<std::string>()), string_quote_});
  if (v.is_object()) {
    std::vector<Expr> parts{b_.literal("{")};
    bool first = true;
    for (const auto& [k, x] : v.items()) {
      if (!first) parts.push_back(b_.literal(","));
      first = false;
      parts.push_back(b_.literal(k + ":"));
      parts.push_back(literal_value(x));
    }
    parts.push_back(b_.literal("}"));
    return b_.seq(std::move(parts));
  }
  if (v.is_array()) {
    std::vector<Expr> parts{b_.literal("[")};
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) parts.push_back(b_.literal(","));
      parts.push_back(literal_value(v[i]));
    }
    parts.push_back(b_.literal("]"));
    return b_.seq(std::move(parts));
  }
  return b_.literal(v.dump());
}

// One string character: unescaped, a short escape, \uXXXX outside the
// surrogates, or a \uD8xx\uDCxx surrogate pair (lone surrogates are invalid
// JSON for most parsers).
Expr JsonSchemaConverter::string_char() {
  const Expr hex = b_.bytes([] {
    ByteSet s = byte_range('0', '9');
    s.add_range('a', 'f');
    s.add_range('A', 'F');
    return s;
  }());
  const Expr hex2 = b_.repeat(hex, 2, 2);
  ByteSet not_d = byte_range('0', '9');
  not_d.add_range('a', 'c');
  not_d.add_range('A', 'C');
  not_d.add_range('e', 'f');
  not_d.add_range('E', 'F');
  const Expr plain_unit = b_.alt({b_.seq({b_.bytes(not_d), hex, hex2}), b_.seq({b_.bytes(bytes_of("dD")), b_.bytes(byte_range('0', '7')), hex2})});
  ByteSet high = bytes_of("89abAB"), low = byte_range('c', 'f');
  low.add_range('C', 'F');
  const Expr pair = b_.seq({b_.literal("\\u"), b_.bytes(bytes_of("dD")), b_.bytes(high), hex2, b_.literal("\\u"),
                            b_.bytes(bytes_of("dD")), b_.bytes(low), hex2});
  return b_.alt({b_.chars(CodepointSet::all().minus(json_specials())),
                 b_.seq({b_.literal("\\"), b_.bytes(bytes_of("\"\\bfnrt"))}),
                 b_.seq({b_.literal("\\u"), plain_unit}), pair});
}

// The characters of a set as JSON string content: specials by escape.
Expr JsonSchemaConverter::json_chars(const CodepointSet& set) {
  if (syntax_ == ValueSyntax::kGemma4) return b_.chars(set);
  auto it = json_chars_.find(set);
  if (it != json_chars_.end()) return it->second;
  const CodepointSet specials = json_specials();
  std::vector<Expr> options;
  const CodepointSet raw = set.minus(specials);
  if (!raw.empty()) options.push_back(b_.chars(raw));
  const CodepointSet escaped = set.minus(specials.complement());
  for (const auto& [lo, hi] : escaped.ranges())
    for (uint32_t cp = lo; cp <= hi; ++cp) options.push_back(b_.literal(json_escape(cp)));
  const Expr e = options.empty() ? b_.chars(CodepointSet()) : b_.alt(std::move(options));
  json_chars_.emplace(set, e);
  return e;
}

// Text over all characters that never contains `marker`: states count how
// much of the marker the text currently ends with (as in KMP matching).
Expr JsonSchemaConverter::text_without(std::string_view marker) {
  std::string name = "text-without";
  static const char* hex = "0123456789abcdef";
  for (unsigned char c : marker) name += std::string("-") + hex[c >> 4] + hex[c & 15];
  if (const int32_t existing = b_.find_rule(name); existing >= 0) return b_.ref(existing);
  std::vector<uint32_t> m;
  const std::string text(marker);
  for (size_t pos = 0; pos < text.size();) {
    uint32_t cp;
    if (!decode_utf8(text, pos, cp)) throw Error("grammar: marker is not valid UTF-8");
    m.push_back(cp);
  }
  if (m.empty()) throw Error("grammar: empty marker");
  CodepointSet marker_chars;
  for (uint32_t cp : m) marker_chars.add(cp);
  std::vector<int32_t> states(m.size());
  states[0] = b_.add_rule(name);
  for (size_t k = 1; k < m.size(); ++k) states[k] = b_.add_rule(name + "-" + std::to_string(k));
  auto next_state = [&](size_t k, uint32_t c) {  // longest marker prefix ending text m[0..k) + c
    std::vector<uint32_t> s(m.begin(), m.begin() + k);
    s.push_back(c);
    for (size_t len = std::min(s.size(), m.size()); len > 0; --len)
      if (std::equal(m.begin(), m.begin() + len, s.end() - len)) return len;
    return size_t{0};
  };
  const Expr others = b_.chars(CodepointSet::all().minus(marker_chars));
  for (size_t k = 0; k < m.size(); ++k) {
    std::vector<Expr> options{b_.empty(), b_.seq({others, b_.ref(states[0])})};
    for (const auto& [lo, hi] : marker_chars.ranges())
      for (uint32_t c = lo; c <= hi; ++c) {
        const size_t next = next_state(k, c);
        if (next < m.size()) options.push_back(b_.seq({b_.chars(CodepointSet::single(c)), b_.ref(states[next])}));
      }
    b_.define(states[k], b_.alt(std::move(options)));
  }
  return b_.ref(states[0]);
}

// A key that is none of `excluded` (whose values have their own schemas):
// a trie over the excluded names, where leaving the trie frees the rest.
// JSON keys here use unescaped characters only, so each has one spelling.
Expr JsonSchemaConverter::free_key(const std::vector<std::string>& excluded) {
  const bool gemma = syntax_ == ValueSyntax::kGemma4;
  CodepointSet key_chars;
  if (gemma) {
    key_chars = CodepointSet::range('a', 'z');
    key_chars.add('A', 'Z');
    key_chars.add('0', '9');
    key_chars.add('_');
  } else {
    if (excluded.empty()) return any_string();
    key_chars = CodepointSet::all().minus(json_specials());
  }
  struct Node {
    std::map<uint32_t, int> kids;
    bool terminal = false;
  };
  std::vector<Node> trie(1);
  trie[0].terminal = gemma;  // Gemma keys must not be empty
  for (const std::string& name : excluded) {
    int node = 0;
    for (size_t pos = 0; pos < name.size();) {
      uint32_t cp;
      if (!decode_utf8(name, pos, cp)) throw Error("JSON schema: property name is not valid UTF-8");
      auto it = trie[node].kids.find(cp);
      if (it == trie[node].kids.end()) {
        trie.emplace_back();
        it = trie[node].kids.emplace(cp, static_cast<int>(trie.size() - 1)).first;
      }
      node = it->second;
    }
    trie[node].terminal = true;
  }
  const Expr close = gemma ? b_.empty() : b_.literal("\"");
  const Expr free_rest = b_.seq({b_.star(b_.chars(key_chars)), close});
  std::vector<int32_t> rules(trie.size());
  for (size_t i = 0; i < trie.size(); ++i) rules[i] = b_.add_rule("key-not-declared");
  for (size_t i = 0; i < trie.size(); ++i) {
    std::vector<Expr> options;
    if (!trie[i].terminal) options.push_back(close);
    CodepointSet kids;  // in increasing order, so each add is an append
    for (const auto& [cp, kid] : trie[i].kids) {
      if (!key_chars.contains(cp)) continue;
      kids.add(cp);
      options.push_back(b_.seq({b_.chars(CodepointSet::single(cp)), b_.ref(rules[kid])}));
    }
    const CodepointSet leave = key_chars.minus(kids);
    if (!leave.empty()) options.push_back(b_.seq({b_.chars(leave), free_rest}));
    b_.define(rules[i], b_.alt(std::move(options)));
  }
  if (gemma) return b_.ref(rules[0]);
  return b_.seq({b_.literal("\""), b_.ref(rules[0]), whitespace()});
}

Expr JsonSchemaConverter::pattern_string(const std::string& pattern, const std::string& path) {
  try {
    const Expr body = regex_to_expr(b_, pattern, [this](const CodepointSet& set) { return json_chars(set); });
    return b_.seq({quote(), body, quote(), whitespace()});
  } catch (const Error& e) {
    fail(path, e.what());
  }
}

Expr JsonSchemaConverter::string_value(const json& schema, const std::string& path) {
  auto length = [&](const char* k, int64_t fallback) -> int64_t {
    if (!schema.contains(k)) return fallback;
    const json& v = schema[k];
    if (!v.is_number_integer() || v.get<int64_t>() < 0) fail(path, "'" + std::string(k) + "' must be a non-negative integer");
    if (v.get<int64_t>() > GrammarBuilder::kMaxRepeat) fail(path, "'" + std::string(k) + "' above 100000 is not supported");
    return v.get<int64_t>();
  };
  const int64_t min = length("minLength", 0), max = length("maxLength", -1);
  if (max >= 0 && min > max) fail(path, "'minLength' is larger than 'maxLength'");
  std::string pattern;
  if (schema.contains("pattern")) {
    if (!schema["pattern"].is_string()) fail(path, "'pattern' must be a string");
    pattern = schema["pattern"].get<std::string>();
  } else if (schema.contains("format") && schema["format"].is_string()) {
    pattern = format_pattern(schema["format"].get<std::string>());
  }
  const bool bounded = min > 0 || max >= 0;
  if (!pattern.empty()) {
    if (bounded && options_.strict) fail(path, "'pattern' or 'format' together with 'minLength'/'maxLength' is not supported");
    return pattern_string(pattern, path);
  }
  if (!bounded) return any_string();
  // Gemma 4 strings are raw text; a counted one avoids '<' so that it can
  // never contain the closing <|"|>.
  const Expr one = syntax_ == ValueSyntax::kGemma4 ? b_.chars(CodepointSet::all().minus(CodepointSet::single('<')))
                                                  : shared("char", [this] { return string_char(); });
  const Expr body = b_.repeat(one, static_cast<int32_t>(min), max < 0 ? GrammarBuilder::kUnbounded : static_cast<int32_t>(max));
  return b_.seq({quote(), body, quote(), whitespace()});
}

Expr JsonSchemaConverter::integer_value(const json& schema, const std::string& path) {
  DecimalBound lower, upper;
  read_bounds(schema, path, lower, upper, [&](const std::string& m) { fail(path, m); });
  if (!lower.present && !upper.present) return any_integer();
  // Integers: an exclusive bound is the next integer inclusive.
  const int64_t lo = !lower.present ? -kMaxJsonMagnitude : lower.value + (lower.exclusive ? 1 : 0);
  const int64_t hi = !upper.present ? kMaxJsonMagnitude : upper.value - (upper.exclusive ? 1 : 0);
  if (lo > hi) fail(path, "no integer satisfies the minimum/maximum bounds");
  return b_.seq({integer_range(b_, lo, hi), whitespace()});
}

Expr JsonSchemaConverter::number_value(const json& schema, const std::string& path) {
  DecimalBound lower, upper;
  read_bounds(schema, path, lower, upper, [&](const std::string& m) { fail(path, m); });
  if (!lower.present && !upper.present) return any_number();
  const Expr e = bounded_decimal(b_, lower, upper);
  if (e < 0) fail(path, "no number satisfies the minimum/maximum bounds");
  return b_.seq({e, whitespace()});
}

// ---------------------------------------------------------------------------
// Shared rules for unconstrained values (each value ends with whitespace).

Expr JsonSchemaConverter::shared(const std::string& name, const std::function<Expr()>& body) {
  const std::string full = (syntax_ == ValueSyntax::kGemma4 ? "g4-" : "") + name;
  int32_t rule = b_.find_rule(full);
  if (rule < 0) {
    rule = b_.add_rule(full);
    b_.define(rule, body());
  }
  return b_.ref(rule);
}

Expr JsonSchemaConverter::any_value() {
  return shared("value", [this] {
    return b_.alt({any_object(), any_array(), any_string(), any_number(), boolean(), null()});
  });
}

Expr JsonSchemaConverter::any_object() {
  return shared("object", [this] {
    const Expr member = b_.seq({syntax_ == ValueSyntax::kGemma4 ? free_key({}) : any_string(), punct(":"), any_value()});
    return b_.seq({punct("{"), b_.optional(b_.seq({member, b_.star(b_.seq({punct(","), member}))})), punct("}")});
  });
}

Expr JsonSchemaConverter::any_array() {
  return shared("array", [this] {
    const Expr item = any_value();
    return b_.seq({punct("["), b_.optional(b_.seq({item, b_.star(b_.seq({punct(","), item}))})), punct("]")});
  });
}

Expr JsonSchemaConverter::any_string() {
  return shared("string", [this] {
    if (syntax_ == ValueSyntax::kGemma4) return b_.seq({quote(), text_without(kGemmaQuote), quote()});
    return b_.seq({quote(), b_.star(shared("char", [this] { return string_char(); })), quote(), whitespace()});
  });
}

Expr JsonSchemaConverter::any_integer() {
  return shared("integer", [this] { return b_.seq({b_.optional(b_.literal("-")), integer_digits(b_), whitespace()}); });
}

Expr JsonSchemaConverter::any_number() {
  return shared("number", [this] {
    const Expr digit = b_.bytes(byte_range('0', '9'));
    const Expr fraction = b_.optional(b_.seq({b_.literal("."), b_.repeat(digit, 1, 16)}));
    const Expr exponent = b_.optional(b_.seq({b_.bytes(bytes_of("eE")), b_.optional(b_.bytes(bytes_of("+-"))), b_.repeat(digit, 1, 2)}));
    return b_.seq({b_.optional(b_.literal("-")), integer_digits(b_), fraction, exponent, whitespace()});
  });
}

Expr JsonSchemaConverter::boolean() {
  return shared("boolean", [this] { return b_.seq({b_.alt({b_.literal("true"), b_.literal("false")}), whitespace()}); });
}

Expr JsonSchemaConverter::null() {
  return shared("null", [this] { return b_.seq({b_.literal("null"), whitespace()}); });
}

}  // namespace edgelm::grammar
