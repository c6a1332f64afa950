// Llama 3.1 / 3.2 / 3.3 tool calls (docs/FORMATS.md §4.4): the reply is a JSON object
//
//   {"name": "get_weather", "parameters": {"city": "Paris"}}
//
// at the start of the output, optionally after <|python_tag|>; several calls may be separated
// by ';'. After <|python_tag|> the built-in tool syntax NAME.call(key="value", …) is accepted
// as well. A reply that merely starts with a JSON document that is not a call is content.
#include <string>

#include "chat/toolcalls/dialect.h"

namespace edgelm::toolcalls::detail {
namespace {

constexpr std::string_view kPythonTag = "<|python_tag|>";

bool is_identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Whether the object at the cursor starts like a call: {"name" / {"type" / {"function".
bool looks_like_call_object(Cursor& c) {
  size_t start = c.pos();
  c.expect("{");
  c.skip_ws();
  bool call_like = c.starts_with("\"name\"") || c.starts_with("\"type\"") || c.starts_with("\"function\"");
  c.set_pos(start);
  return call_like;
}

// A Python literal argument: a quoted string, a number, True, False or None.
Json python_literal(Cursor& c) {
  char quote = c.peek();
  if (quote == '"' || quote == '\'') {
    c.next();
    std::string text;
    for (char ch = c.next(); ch != quote; ch = c.next()) {
      if (ch == '\\') {
        char escaped = c.next();
        ch = escaped == 'n' ? '\n' : escaped == 't' ? '\t' : escaped;
      }
      text += ch;
    }
    return Json(text);
  }
  std::string word;
  for (char ch = c.peek(); ch != ',' && ch != ')'; ch = c.peek()) {
    if (is_space(ch)) break;
    word += ch;
    c.next();
  }
  if (word == "True") return Json(true);
  if (word == "False") return Json(false);
  if (word == "None") return Json(nullptr);
  std::optional<Json> number = parse_json(word);
  if (!number || !number->is_number()) throw Malformed{};
  return *number;
}

// NAME.call(key=value, …); nullopt when the text is not written in that form at all.
std::optional<ToolCall> builtin_call(Cursor& c) {
  std::string name;
  while (is_identifier_char(c.peek())) name += c.next();
  if (name.empty() || !c.eat(".call(")) return std::nullopt;
  Json arguments = Json::object();
  c.skip_ws();
  while (!c.eat(")")) {
    std::string key;
    while (is_identifier_char(c.peek())) key += c.next();
    if (key.empty()) throw Malformed{};
    c.skip_ws();
    c.expect("=");
    c.skip_ws();
    arguments[key] = python_literal(c);
    c.skip_ws();
    if (c.eat(",")) c.skip_ws();
    else if (!c.starts_with(")")) throw Malformed{};
  }
  return ToolCall{std::move(name), wrap(std::move(arguments))};
}

// Skips whitespace and ';' between calls.
void skip_separators(Cursor& c) {
  while (true) {
    c.skip_ws();
    if (c.at_eof() || c.peek() != ';') return;
    c.next();
  }
}

CallScan scan_llama_call(std::string_view view, bool at_end, const ToolSchemas&) {
  std::string_view closer;  // no closing tag: a broken call runs to the end of the turn
  return guarded_scan(view, at_end, closer, [&](Cursor& c) {
    CallScan scan;
    bool tagged = c.eat(kPythonTag);
    if (tagged) {
      c.skip_ws();
      if (c.at_eof()) throw Truncated{};
      if (c.peek() != '{') {
        std::optional<ToolCall> call = builtin_call(c);
        if (!call) {  // code for the interpreter, not a call: shown as content
          scan = not_a_call();
          scan.hide_opener = true;
          scan.diagnostics.push_back("python_tag_code");
          return scan;
        }
        scan.calls.push_back(std::move(*call));
        skip_separators(c);
        scan.end = c.pos();
        scan.status = CallScan::Status::Parsed;
        return scan;
      }
    }
    if (!tagged && !looks_like_call_object(c)) return not_a_call();
    do {
      size_t start = c.pos();
      size_t length = json_extent(c);
      std::optional<Json> value = parse_json(c.slice(start, start + length));
      if (!value) throw Malformed{};
      std::optional<ToolCall> call = call_from_json(*value, "parameters", "arguments", /*arguments_required=*/true, scan.diagnostics);
      if (!call) {
        if (tagged || !scan.calls.empty()) throw Malformed{};
        return not_a_call();  // an ordinary JSON answer
      }
      scan.calls.push_back(std::move(*call));
      skip_separators(c);
    } while (!c.at_eof() && c.peek() == '{');
    scan.end = c.pos();
    scan.status = CallScan::Status::Parsed;
    return scan;
  });
}

}  // namespace

const Dialect& llama3_dialect() {
  static const Dialect dialect{
      {
          {"<|eot_id|>", MarkerKind::End},
          {"<|eom_id|>", MarkerKind::End},
          {"<|end_of_text|>", MarkerKind::End},
          {kPythonTag, MarkerKind::CallOpen},
          {"{", MarkerKind::CallOpen, /*only_at_start=*/true},
      },
      scan_llama_call,
  };
  return dialect;
}

}  // namespace edgelm::toolcalls::detail
