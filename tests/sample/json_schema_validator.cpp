#include "json_schema_validator.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <vector>

namespace edgelm::testing {

namespace {

using json = nlohmann::ordered_json;

bool digits(const std::string& s, size_t pos, size_t n) {
  if (pos + n > s.size()) return false;
  for (size_t i = pos; i < pos + n; ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

int number_at(const std::string& s, size_t pos, size_t n) { return std::stoi(s.substr(pos, n)); }

size_t count_codepoints(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool pattern_matches(const std::string& pattern, const std::string& text, std::string& error) {
  int code = 0;
  PCRE2_SIZE offset = 0;
  pcre2_compile_context* ctx = pcre2_compile_context_create(nullptr);
  pcre2_set_newline(ctx, PCRE2_NEWLINE_ANYCRLF);
  pcre2_code* re = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                 PCRE2_UTF | PCRE2_DOLLAR_ENDONLY, &code, &offset, ctx);
  pcre2_compile_context_free(ctx);
  if (!re) {
    error = "pattern does not compile: " + pattern;
    return false;
  }
  pcre2_match_data* md = pcre2_match_data_create_from_pattern(re, nullptr);
  const int rc = pcre2_match(re, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0, 0, md, nullptr);
  pcre2_match_data_free(md);
  pcre2_code_free(re);
  return rc >= 0;
}

bool is_integer(const json& v) {
  return v.is_number_integer() || (v.is_number_float() && std::isfinite(v.get<double>()) &&
                                   std::floor(v.get<double>()) == v.get<double>());
}

bool has_type(const json& v, const std::string& t) {
  if (t == "object") return v.is_object();
  if (t == "array") return v.is_array();
  if (t == "string") return v.is_string();
  if (t == "number") return v.is_number();
  if (t == "integer") return v.is_number() && is_integer(v);
  if (t == "boolean") return v.is_boolean();
  if (t == "null") return v.is_null();
  return false;
}

class Validator {
 public:
  explicit Validator(const json& document) : document_(document) {}

  std::string check(const json& v, const json& s, const std::string& at, int depth = 0) {
    if (depth > 500) return at + ": schema recursion too deep";
    if (s.is_boolean()) return s.get<bool>() ? "" : at + ": schema false";
    if (!s.is_object()) return at + ": bad schema";
    if (s.contains("nullable") && s["nullable"] == true && v.is_null()) return "";
    if (s.contains("$ref")) {
      const json* target = resolve(s["$ref"].get<std::string>());
      if (!target) return at + ": unresolvable $ref";
      if (std::string e = check(v, *target, at, depth + 1); !e.empty()) return e;
    }
    if (s.contains("type")) {
      bool ok = false;
      if (s["type"].is_string()) ok = has_type(v, s["type"]);
      else for (const json& t : s["type"]) ok = ok || has_type(v, t);
      if (!ok) return at + ": wrong type (" + v.dump() + " is not " + s["type"].dump() + ")";
    }
    if (s.contains("enum")) {
      bool found = false;
      for (const json& e : s["enum"]) found = found || e == v;
      if (!found) return at + ": " + v.dump() + " not in enum";
    }
    if (s.contains("const") && s["const"] != v) return at + ": not the const value";
    for (const char* k : {"allOf", "anyOf", "oneOf"}) {
      if (!s.contains(k)) continue;
      int passed = 0;
      std::string first_error;
      for (const json& sub : s[k]) {
        std::string e = check(v, sub, at, depth + 1);
        if (e.empty()) ++passed;
        else if (first_error.empty()) first_error = e;
      }
      const size_t n = s[k].size();
      if (std::string(k) == "allOf" && passed != static_cast<int>(n)) return first_error;
      if (std::string(k) == "anyOf" && passed == 0) return at + ": no anyOf branch matches (" + first_error + ")";
      if (std::string(k) == "oneOf" && passed != 1) return at + ": " + std::to_string(passed) + " oneOf branches match";
    }
    if (v.is_object()) return check_object(v, s, at, depth);
    if (v.is_array()) return check_array(v, s, at, depth);
    if (v.is_string()) return check_string(v.get<std::string>(), s, at);
    if (v.is_number()) return check_number(v, s, at);
    return "";
  }

 private:
  const json& document_;

  const json* resolve(const std::string& ref) const {
    if (ref == "#") return &document_;
    if (ref.rfind("#/", 0) != 0) return nullptr;
    const json* node = &document_;
    size_t pos = 2;
    while (pos <= ref.size()) {
      size_t next = ref.find('/', pos);
      if (next == std::string::npos) next = ref.size();
      std::string key = ref.substr(pos, next - pos), name;
      for (size_t i = 0; i < key.size(); ++i) {
        if (key[i] == '~' && i + 1 < key.size()) name += key[++i] == '0' ? '~' : '/';
        else name += key[i];
      }
      if (node->is_object() && node->contains(name)) node = &(*node)[name];
      else if (node->is_array()) node = &(*node)[std::stoul(name)];
      else return nullptr;
      pos = next + 1;
    }
    return node;
  }

  std::string check_object(const json& v, const json& s, const std::string& at, int depth) {
    if (s.contains("required"))
      for (const json& r : s["required"])
        if (!v.contains(r.get<std::string>())) return at + ": missing required '" + r.get<std::string>() + "'";
    for (const auto& [k, x] : v.items()) {
      const std::string sub = at + "/" + k;
      if (s.contains("properties") && s["properties"].contains(k)) {
        if (std::string e = check(x, s["properties"][k], sub, depth + 1); !e.empty()) return e;
      } else if (s.contains("additionalProperties")) {
        if (std::string e = check(x, s["additionalProperties"], sub, depth + 1); !e.empty())
          return e.empty() ? e : at + ": additional property '" + k + "' rejected (" + e + ")";
      }
    }
    return "";
  }

  std::string check_array(const json& v, const json& s, const std::string& at, int depth) {
    if (s.contains("minItems") && v.size() < s["minItems"].get<size_t>()) return at + ": too few items";
    if (s.contains("maxItems") && v.size() > s["maxItems"].get<size_t>()) return at + ": too many items";
    size_t n_prefix = 0;
    const json* prefix = s.contains("prefixItems") ? &s["prefixItems"]
                         : (s.contains("items") && s["items"].is_array()) ? &s["items"] : nullptr;
    if (prefix) n_prefix = prefix->size();
    const json* rest = nullptr;
    if (s.contains("prefixItems") && s.contains("items")) rest = &s["items"];
    else if (!prefix && s.contains("items")) rest = &s["items"];
    else if (prefix && s.contains("additionalItems")) rest = &s["additionalItems"];
    for (size_t i = 0; i < v.size(); ++i) {
      const json* schema = i < n_prefix ? &(*prefix)[i] : rest;
      if (!schema) continue;
      if (std::string e = check(v[i], *schema, at + "/" + std::to_string(i), depth + 1); !e.empty()) return e;
    }
    return "";
  }

  std::string check_string(const std::string& str, const json& s, const std::string& at) {
    const size_t n = count_codepoints(str);
    if (s.contains("minLength") && n < s["minLength"].get<size_t>()) return at + ": string too short";
    if (s.contains("maxLength") && n > s["maxLength"].get<size_t>()) return at + ": string too long";
    if (s.contains("pattern")) {
      std::string error;
      if (!pattern_matches(s["pattern"].get<std::string>(), str, error))
        return at + ": " + (error.empty() ? "\"" + str + "\" does not match " + s["pattern"].get<std::string>() : error);
    }
    if (s.contains("format")) {
      const std::string f = s["format"].get<std::string>();
      const bool ok = f == "date" ? is_date(str) : f == "time" ? is_time(str) : f == "date-time" ? is_date_time(str)
                    : f == "uuid" ? is_uuid(str) : f == "email" ? is_email(str) : true;
      if (!ok) return at + ": \"" + str + "\" is not a valid " + f;
    }
    return "";
  }

  std::string check_number(const json& v, const json& s, const std::string& at) {
    const double x = v.get<double>();
    auto bound = [&](const char* k) { return s.contains(k) && s[k].is_number(); };
    const bool excl_min4 = s.contains("exclusiveMinimum") && s["exclusiveMinimum"] == true;
    const bool excl_max4 = s.contains("exclusiveMaximum") && s["exclusiveMaximum"] == true;
    if (bound("minimum") && (excl_min4 ? !(x > s["minimum"].get<double>()) : x < s["minimum"].get<double>()))
      return at + ": below minimum";
    if (bound("maximum") && (excl_max4 ? !(x < s["maximum"].get<double>()) : x > s["maximum"].get<double>()))
      return at + ": above maximum";
    if (bound("exclusiveMinimum") && !(x > s["exclusiveMinimum"].get<double>())) return at + ": not above exclusiveMinimum";
    if (bound("exclusiveMaximum") && !(x < s["exclusiveMaximum"].get<double>())) return at + ": not below exclusiveMaximum";
    return "";
  }
};

}  // namespace

std::string validate_json(const json& instance, const json& schema) { return Validator(schema).check(instance, schema, "#"); }

bool parse_json_strict(const std::string& text, json& out, std::string& error) {
  // Track the keys of every open object to catch duplicates.
  std::vector<std::set<std::string>> open;
  bool duplicate = false;
  auto callback = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) open.emplace_back();
    else if (event == json::parse_event_t::object_end) open.pop_back();
    else if (event == json::parse_event_t::key && !open.empty() && !open.back().insert(parsed.get<std::string>()).second)
      duplicate = true;
    return true;
  };
  try {
    out = json::parse(text, callback);
  } catch (const std::exception& e) {
    error = e.what();
    return false;
  }
  if (duplicate) error = "duplicate key";
  return !duplicate;
}

bool is_date(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 0, 4) || !digits(s, 5, 2) || !digits(s, 8, 2))
    return false;
  const int y = number_at(s, 0, 4), m = number_at(s, 5, 2), d = number_at(s, 8, 2);
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= days[m - 1] + (m == 2 && leap ? 1 : 0);
}

bool is_time(const std::string& s) {
  if (s.size() < 9 || s[2] != ':' || s[5] != ':' || !digits(s, 0, 2) || !digits(s, 3, 2) || !digits(s, 6, 2)) return false;
  if (number_at(s, 0, 2) > 23 || number_at(s, 3, 2) > 59 || number_at(s, 6, 2) > 60) return false;
  size_t pos = 8;
  if (s[pos] == '.') {
    const size_t start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == start) return false;
  }
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) return pos + 1 == s.size();
  if (pos + 6 != s.size() || (s[pos] != '+' && s[pos] != '-') || s[pos + 3] != ':' || !digits(s, pos + 1, 2) ||
      !digits(s, pos + 4, 2))
    return false;
  return number_at(s, pos + 1, 2) <= 23 && number_at(s, pos + 4, 2) <= 59;
}

bool is_date_time(const std::string& s) {
  return s.size() > 11 && (s[10] == 'T' || s[10] == 't') && is_date(s.substr(0, 10)) && is_time(s.substr(11));
}

bool is_uuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return true;
}

bool is_email(const std::string& s) {
  const size_t at = s.find('@');
  if (at == std::string::npos || at == 0 || s.find('@', at + 1) != std::string::npos) return false;
  const std::string local = s.substr(0, at), domain = s.substr(at + 1);
  static const std::string atext = "!#$%&'*+/=?^_`{|}~-";
  char prev = '.';
  for (char c : local) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || atext.find(c) != std::string::npos || c == '.';
    if (!ok || (c == '.' && prev == '.')) return false;
    prev = c;
  }
  if (local.back() == '.') return false;
  int labels = 0;
  size_t start = 0;
  while (start <= domain.size()) {
    size_t end = domain.find('.', start);
    if (end == std::string::npos) end = domain.size();
    const std::string label = domain.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    ++labels;
    start = end + 1;
  }
  return labels >= 2;
}

}  // namespace edgelm::testing
