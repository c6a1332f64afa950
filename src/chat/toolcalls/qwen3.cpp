// Qwen3 / Hermes JSON tool calls (docs/FORMATS.md §4.4):
//
//   <tool_call>
//   {"name": "get_weather", "arguments": {"city": "Paris"}}
//   </tool_call>
//
// Leniencies (each noted as a diagnostic): several objects or a JSON array of calls in one
// block, "parameters" instead of "arguments", arguments serialised as a JSON string, and a
// missing </tool_call> after a complete object. Reasoning is <think>…</think>.
#include "chat/toolcalls/dialect.h"

namespace edgelm::toolcalls::detail {
namespace {

constexpr std::string_view kToolCallOpen = "<tool_call>";
constexpr std::string_view kToolCallClose = "</tool_call>";

CallScan scan_hermes_call(std::string_view view, bool at_end, const ToolSchemas&) {
  std::string_view closer = kToolCallClose;
  return guarded_scan(view, at_end, closer, [&](Cursor& c) {
    c.expect(kToolCallOpen);
    // "<tool_call>" followed by JSON, or by a line break (the format's layout), is a call
    // attempt; followed by anything else it is a mention in prose.
    bool newline_follows = c.starts_with("\n");
    c.skip_ws();
    if (c.at_eof()) throw Truncated{};
    if (c.peek() != '{' && c.peek() != '[') {
      if (newline_follows) throw Malformed{};
      return not_a_call();
    }

    std::vector<Json> values;
    size_t after_values = 0;
    do {
      size_t start = c.pos();
      size_t length = json_extent(c);
      std::optional<Json> value = parse_json(c.slice(start, start + length));
      if (!value) throw Malformed{};
      values.push_back(std::move(*value));
      after_values = c.pos();
      c.skip_ws();
    } while (!c.at_eof() && c.peek() == '{');

    CallScan scan;
    if (values.size() > 1) add_diagnostic(scan.diagnostics, "multiple_objects_in_block");
    for (const Json& value : values) {
      if (value.is_array()) add_diagnostic(scan.diagnostics, "array_in_block");
      const std::vector<Json> items = value.is_array() ? value.get<std::vector<Json>>() : std::vector<Json>{value};
      for (const Json& item : items) {
        std::optional<ToolCall> call = call_from_json(item, "arguments", "parameters", /*arguments_required=*/false, scan.diagnostics);
        if (!call) throw Malformed{};
        scan.calls.push_back(std::move(*call));
      }
    }
    if (scan.calls.empty()) throw Malformed{};

    if (c.eat(kToolCallClose)) {
      scan.end = c.pos();
    } else {
      scan.end = after_values;
      add_diagnostic(scan.diagnostics, "missing_closing_tool_call_tag");
    }
    scan.status = CallScan::Status::Parsed;
    return scan;
  });
}

}  // namespace

const Dialect& qwen3_dialect() {
  static const Dialect dialect{
      {
          {"<|im_end|>", MarkerKind::End},
          {"<|endoftext|>", MarkerKind::End},
          {"<think>", MarkerKind::ReasoningOpen, /*only_at_start=*/true},
          {"</think>", MarkerKind::ReasoningClose},
          {kToolCallOpen, MarkerKind::CallOpen},
      },
      scan_hermes_call,
  };
  return dialect;
}

}  // namespace edgelm::toolcalls::detail
