// Gemma 4 tool calls (docs/FORMATS.md §4.2):
//
//   <|tool_call>call:NAME{key:value,key:value}<tool_call|>
//
//   value := <|"|>text<|"|> | {key:value,…} | [value,…] | number | true | false | null
//
// Strings are delimited by <|"|> and contain no escapes; keys are bare and run up to ':'.
// Leniencies (each noted as a diagnostic): keys quoted with <|"|>, JSON-style arguments, bare
// unquoted words as strings, a missing <tool_call|>. Python spellings None/True/False are
// accepted silently because the older templates render values that way.
// Reasoning is <|channel>thought … <channel|>.
#include <string>

#include "chat/toolcalls/dialect.h"

namespace edgelm::toolcalls::detail {
namespace {

constexpr std::string_view kCallOpen = "<|tool_call>";
constexpr std::string_view kCallClose = "<tool_call|>";
constexpr std::string_view kQuote = "<|\"|>";

class GemmaArguments {
 public:
  GemmaArguments(Cursor& cursor, std::vector<std::string>& diagnostics) : c_(cursor), diagnostics_(diagnostics) {}

  Json object(int depth) {
    enter(depth);
    c_.expect("{");
    Json out = Json::object();
    c_.skip_ws();
    if (c_.eat("}")) return out;
    while (true) {
      std::string key_text = key();
      c_.expect(":");
      c_.skip_ws();
      out[key_text] = value(depth + 1, key_text);
      c_.skip_ws();
      if (c_.eat("}")) return out;
      c_.expect(",");
      c_.skip_ws();
    }
  }

 private:
  static void enter(int depth) {
    if (depth > kMaxNesting) throw Malformed{};
  }

  std::string quoted_text() {
    size_t start = c_.pos();
    size_t close = c_.find(kQuote, start);
    c_.set_pos(close + kQuote.size());
    return std::string(c_.slice(start, close));
  }

  // A bare key runs up to ':' (it may contain spaces, which a reader could take for a typo,
  // hence "ambiguous"); a key may also be quoted with <|"|> as in declarations.
  std::string key() {
    if (c_.eat(kQuote)) {
      add_diagnostic(diagnostics_, "quoted_keys");
      return quoted_text();
    }
    std::string text;
    for (char ch = c_.peek(); ch != ':'; ch = c_.peek()) {
      if (ch == '}' || ch == ',' || ch == '{' || ch == '[' || ch == ']' || ch == '<' || ch == '\n') throw Malformed{};
      text += ch;
      c_.next();
    }
    while (!text.empty() && is_space(text.back())) text.pop_back();
    if (text.empty()) throw Malformed{};
    if (text.find_first_of(" \t\r\f\v") != std::string::npos) add_diagnostic(diagnostics_, "ambiguous");
    return text;
  }

  Json value(int depth, const std::string& key_text) {
    if (c_.eat(kQuote)) return Json(quoted_text());
    char first = c_.peek();
    if (first == '{') return object(depth);
    if (first == '[') return array(depth, key_text);
    return bare_value(key_text);
  }

  Json array(int depth, const std::string& key_text) {
    enter(depth);
    c_.expect("[");
    Json out = Json::array();
    c_.skip_ws();
    if (c_.eat("]")) return out;
    while (true) {
      out.push_back(value(depth + 1, key_text));
      c_.skip_ws();
      if (c_.eat("]")) return out;
      c_.expect(",");
      c_.skip_ws();
    }
  }

  // Numbers, true/false/null (and Python's True/False/None); a JSON string literal or an
  // unquoted word is taken as a string.
  Json bare_value(const std::string& key_text) {
    std::string word;
    for (char ch = c_.peek(); ch != ',' && ch != '}' && ch != ']' && ch != '<' && ch != '\n'; ch = c_.peek()) {
      word += ch;
      c_.next();
    }
    while (!word.empty() && is_space(word.back())) word.pop_back();
    if (word.empty()) throw Malformed{};
    if (word == "true" || word == "True") return Json(true);
    if (word == "false" || word == "False") return Json(false);
    if (word == "null" || word == "None") return Json(nullptr);
    std::optional<Json> parsed = parse_json(word);
    if (parsed && (parsed->is_number() || parsed->is_string())) {
      if (parsed->is_string()) add_diagnostic(diagnostics_, "json_style_arguments");
      return *parsed;
    }
    add_diagnostic(diagnostics_, "unquoted_string:" + key_text);
    return Json(word);
  }

  Cursor& c_;
  std::vector<std::string>& diagnostics_;
};

// Arguments written as a JSON object ({"city": "Paris"}) instead of Gemma's own syntax.
std::optional<Json> json_style_arguments(Cursor& c) {
  size_t start = c.pos();
  c.expect("{");
  c.skip_ws();
  bool looks_like_json = c.starts_with("\"");
  c.set_pos(start);
  if (!looks_like_json) return std::nullopt;
  size_t length = json_extent(c);
  std::optional<Json> value = parse_json(c.slice(start, start + length));
  if (value && value->is_object()) return value;
  c.set_pos(start);
  return std::nullopt;
}

CallScan scan_gemma_call(std::string_view view, bool at_end, const ToolSchemas&) {
  std::string_view closer = kCallClose;
  return guarded_scan(view, at_end, closer, [&](Cursor& c) {
    c.expect(kCallOpen);
    if (c.at_eof()) throw Truncated{};
    if (!c.starts_with("call:")) {
      std::string_view rest = c.text().substr(c.pos());
      if (std::string_view("call:").substr(0, rest.size()) == rest) throw Truncated{};  // cut off inside "call:"
      return not_a_call();
    }
    c.expect("call:");
    std::optional<std::string> name = read_name(c, '{', /*allow_spaces=*/false);
    if (!name) return not_a_call();
    if (name->empty()) throw Malformed{};

    CallScan scan;
    std::optional<Json> arguments = json_style_arguments(c);
    if (arguments) {
      add_diagnostic(scan.diagnostics, "json_style_arguments");
    } else {
      arguments = GemmaArguments(c, scan.diagnostics).object(0);
    }
    scan.end = c.pos();
    if (c.eat(kCallClose)) {
      scan.end = c.pos();
    } else {
      add_diagnostic(scan.diagnostics, "missing_closing_tool_call_tag");
    }
    scan.status = CallScan::Status::Parsed;
    scan.calls.push_back({std::move(*name), wrap(std::move(*arguments))});
    return scan;
  });
}

}  // namespace

const Dialect& gemma4_dialect() {
  static const Dialect dialect{
      {
          {"<turn|>", MarkerKind::End},
          {"<|tool_response>", MarkerKind::End},
          {"<eos>", MarkerKind::End},
          {"<|channel>thought", MarkerKind::ReasoningOpen},
          {"<channel|>", MarkerKind::ReasoningClose},
          // An empty channel opener not followed by "thought" and the turn header the model
          // sometimes repeats are control text.
          {"<|channel>", MarkerKind::Drop},
          {"<|turn>model\n", MarkerKind::Drop, /*only_at_start=*/true},
          {kCallOpen, MarkerKind::CallOpen},
      },
      scan_gemma_call,
  };
  return dialect;
}

}  // namespace edgelm::toolcalls::detail
