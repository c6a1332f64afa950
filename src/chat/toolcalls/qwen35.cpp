// Qwen3.5 / Qwen3-Coder XML tool calls (docs/FORMATS.md §4.3):
//
//   <tool_call>
//   <function=NAME>
//   <parameter=ARG>
//   VALUE
//   </parameter>
//   </function>
//   </tool_call>
//
// The <tool_call> wrapper is optional (models sometimes start with <function= directly).
// Values are plain text typed by the tool's parameter schema. Reasoning is <think>…</think>.
#include "chat/toolcalls/dialect.h"

namespace edgelm::toolcalls::detail {
namespace {

constexpr std::string_view kToolCallOpen = "<tool_call>";
constexpr std::string_view kToolCallClose = "</tool_call>";
constexpr std::string_view kFunctionOpen = "<function=";
constexpr std::string_view kFunctionClose = "</function>";
constexpr std::string_view kParameterOpen = "<parameter=";
constexpr std::string_view kParameterClose = "</parameter>";

// The text of one parameter value, the cursor being just after "<parameter=ARG>". The value
// ends at the first "</parameter>" that is followed (after whitespace) by the next parameter
// or by </function>, so a value may itself contain the closing tag; that is noted as
// ambiguous. One newline on each side belongs to the markup.
std::string_view read_parameter_value(Cursor& cursor, std::vector<std::string>& diagnostics) {
  size_t start = cursor.pos();
  for (size_t search = start;; search = cursor.pos()) {
    size_t close = cursor.find(kParameterClose, search);
    cursor.set_pos(close + kParameterClose.size());
    cursor.skip_ws();
    if (!cursor.starts_with(kParameterOpen) && !cursor.starts_with(kFunctionClose)) {
      cursor.set_pos(close + 1);
      continue;
    }
    std::string_view value = cursor.slice(start, close);
    if (value.find(kParameterClose) != std::string_view::npos) add_diagnostic(diagnostics, "ambiguous");
    if (!value.empty() && value.front() == '\n') value.remove_prefix(1);
    if (!value.empty() && value.back() == '\n') value.remove_suffix(1);
    return value;
  }
}

CallScan scan_xml_call(std::string_view view, bool at_end, const ToolSchemas& schemas) {
  std::string_view closer = kFunctionClose;  // what ends a broken call; see guarded_scan
  return guarded_scan(view, at_end, closer, [&](Cursor& c) {
    // Without the wrapper, anything short of "<function=NAME>" followed by a parameter or
    // by </function> is prose; with it, the model clearly started a call.
    bool wrapped = c.eat(kToolCallOpen);
    if (wrapped) {
      closer = kToolCallClose;
      bool newline_follows = c.starts_with("\n");
      c.skip_ws();
      if (c.at_eof()) throw Truncated{};
      if (!c.starts_with(kFunctionOpen)) {
        if (newline_follows) throw Malformed{};
        return not_a_call();
      }
    }
    c.expect(kFunctionOpen);
    std::optional<std::string> name = read_name(c, '>', /*allow_spaces=*/true);
    if (!name || name->empty()) {
      if (wrapped) throw Malformed{};
      return not_a_call();
    }
    c.expect(">");
    c.skip_ws();
    if (c.at_eof()) throw Truncated{};
    if (!wrapped && !c.starts_with(kParameterOpen) && !c.starts_with(kFunctionClose)) return not_a_call();

    CallScan scan;
    Json arguments = Json::object();
    while (!c.eat(kFunctionClose)) {
      c.expect(kParameterOpen);
      std::optional<std::string> key = read_name(c, '>', /*allow_spaces=*/true);
      if (!key || key->empty()) throw Malformed{};
      c.expect(">");
      std::string_view text = read_parameter_value(c, scan.diagnostics);
      arguments[*key] = type_text_value(schemas, *name, *key, text, scan.diagnostics);
      c.skip_ws();
    }
    scan.end = c.pos();
    c.skip_ws();
    if (c.eat(kToolCallClose)) {
      scan.end = c.pos();
    } else if (wrapped) {
      add_diagnostic(scan.diagnostics, "missing_closing_tool_call_tag");
    }
    scan.status = CallScan::Status::Parsed;
    scan.calls.push_back({std::move(*name), wrap(std::move(arguments))});
    return scan;
  });
}

}  // namespace

const Dialect& qwen35_dialect() {
  static const Dialect dialect{
      {
          {"<|im_end|>", MarkerKind::End},
          {"<|endoftext|>", MarkerKind::End},
          {"<think>", MarkerKind::ReasoningOpen, /*only_at_start=*/true},
          {"</think>", MarkerKind::ReasoningClose},
          {kToolCallOpen, MarkerKind::CallOpen},
          {kFunctionOpen, MarkerKind::CallOpen},
      },
      scan_xml_call,
  };
  return dialect;
}

}  // namespace edgelm::toolcalls::detail
