// Shared internals of the tool-call parsers: the per-family description (markers and call
// scanner) that the common state machine in engine.cpp runs on, the tool schemas that type
// argument values, and JSON helpers.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/json_value.h"
#include "chat/toolcalls/cursor.h"
#include "edgelm/toolcalls.h"

namespace edgelm::toolcalls::detail {

using Json = nlohmann::ordered_json;

// ---- Tool schemas --------------------------------------------------------------------------

// What a parameter schema says about values the model writes as plain text.
enum class ValueKind { String, Integer, Number, Boolean, Object, Array, Null, Untyped };

class ToolSchemas {
 public:
  explicit ToolSchemas(const Json& tools);  // throws edgelm::Error when `tools` is not a list

  bool empty() const { return tools_.empty(); }
  // The tool's "parameters" schema, or nullptr for an undeclared tool.
  const Json* find_tool(std::string_view name) const;
  // The schema of one parameter, or nullptr when the tool or the parameter is undeclared.
  const Json* find_parameter(std::string_view tool, std::string_view parameter) const;

 private:
  struct Tool {
    std::string name;
    Json parameters;
  };
  std::vector<Tool> tools_;
};

ValueKind value_kind(const Json* schema);

// Types the text of a parameter value by the parameter's schema (Qwen XML): strings stay
// verbatim, other kinds are read as JSON (plus Python's True/False/None, which the templates
// render). A value that does not convert stays a string and adds
// "argument_type_mismatch:<parameter>" to `diagnostics`.
Json type_text_value(const ToolSchemas& schemas, std::string_view tool, std::string_view parameter,
                     std::string_view text, std::vector<std::string>& diagnostics);

// ---- JSON helpers --------------------------------------------------------------------------

constexpr int kMaxNesting = 128;  // deeper values are refused rather than risking the stack

// Length of the JSON object or array that starts at the cursor, found by matching brackets
// outside strings (the text is validated separately). Too deep a nesting is Malformed.
size_t json_extent(Cursor& cursor);

// Strict JSON parse that never throws and refuses nesting beyond kMaxNesting.
std::optional<Json> parse_json(std::string_view text);

// A call written as a JSON object {"name": …, <arguments_key>: {…}} (Hermes, Llama 3).
// `alternative_key` is accepted too and noted as "<alternative_key>_key_used"; arguments
// given as a string holding a JSON object are decoded ("arguments_double_encoded"). Missing
// arguments mean {} unless `arguments_required`. nullopt when `value` is not such a call.
std::optional<ToolCall> call_from_json(const Json& value, std::string_view arguments_key, std::string_view alternative_key,
                                       bool arguments_required, std::vector<std::string>& diagnostics);

// ---- Call scanners -------------------------------------------------------------------------

struct CallScan {
  enum class Status {
    NeedMore,  // cannot decide before more text arrives
    NotACall,  // the opener is plain text (a prose mention); `end` is unused
    Parsed,    // `calls` were recognised in the first `end` bytes
    Failed,    // the first `end` bytes are a broken call: they become content
  };
  Status status = Status::NeedMore;
  size_t end = 0;
  bool hide_opener = false;  // NotACall only: drop the opener marker instead of showing it
  std::vector<ToolCall> calls;
  std::vector<std::string> diagnostics;
};

// A scanner looks at `view`, which starts at a call-opener marker and stops before the next
// end-of-turn marker. `at_end` says the view is final (the turn ended or the stream finished);
// otherwise more text may extend it and the scanner must answer NeedMore whenever the answer
// could depend on that text.
using CallScanner = CallScan (*)(std::string_view view, bool at_end, const ToolSchemas& schemas);

// Runs `body` (a function of Cursor&) and turns the cursor's exceptions into a CallScan.
// A broken call extends through the first `closer` after the opener; without one it extends
// to the end of the view (and waits for more text until the view is final). `closer` is
// read only after `body` gave up, so the body may change it (e.g. once it saw a wrapper tag).
template <class Body>
CallScan guarded_scan(std::string_view view, bool at_end, const std::string_view& closer, Body body);

CallScan failed_scan(std::string_view view, bool at_end, std::string_view closer, bool truncated);

inline CallScan not_a_call() {
  CallScan scan;
  scan.status = CallScan::Status::NotACall;
  return scan;
}

// Reads a name up to (not including) `terminator`; nullopt when a newline, '<' or whitespace
// (if `allow_spaces` is false) comes first or the name grows absurdly long.
std::optional<std::string> read_name(Cursor& cursor, char terminator, bool allow_spaces);

// Adds `diagnostic` unless it is already present.
void add_diagnostic(std::vector<std::string>& diagnostics, std::string diagnostic);

// ---- Families ------------------------------------------------------------------------------

enum class MarkerKind {
  End,             // end of turn: everything after it is ignored
  ReasoningOpen,   // starts a reasoning block
  ReasoningClose,  // ends a reasoning block (dropped when no block is open)
  CallOpen,        // starts a tool call: handed to the family's scanner
  Drop,            // control text that is never shown
};

struct Marker {
  std::string_view text;
  MarkerKind kind;
  bool only_at_start = false;  // recognised only before any content or call
};

struct Dialect {
  std::vector<Marker> markers;
  CallScanner scan_call;
};

const Dialect& gemma4_dialect();
const Dialect& qwen35_dialect();
const Dialect& qwen3_dialect();
const Dialect& llama3_dialect();

// ---- Template implementation ---------------------------------------------------------------

template <class Body>
CallScan guarded_scan(std::string_view view, bool at_end, const std::string_view& closer, Body body) {
  Cursor cursor(view, at_end);
  try {
    return body(cursor);
  } catch (const NeedMoreText&) {
    return CallScan{};
  } catch (const Truncated&) {
    return failed_scan(view, at_end, closer, /*truncated=*/true);
  } catch (const Malformed&) {
    return failed_scan(view, at_end, closer, /*truncated=*/false);
  }
}

}  // namespace edgelm::toolcalls::detail
