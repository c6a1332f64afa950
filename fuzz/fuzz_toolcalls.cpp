// libFuzzer harness for the tool-call parsers (src/chat/toolcalls). The first input byte picks
// the family and options, the second seeds the chunking, the rest is model output. Parsing
// must never throw, and streaming the text in random chunks must give exactly the result of
// parsing it whole; anything else aborts (a finding), as do ASan/UBSan reports.
// Build and run with fuzz/fuzz_toolcalls.sh.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "chat/json_value.h"
#include "edgelm/toolcalls.h"

namespace {

namespace tc = edgelm::toolcalls;
using Json = nlohmann::ordered_json;

// Tools with every parameter type, so the schema-typing paths run.
const Json& fuzz_tools() {
  static const Json tools = Json::parse(R"([
    {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object",
      "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}}}}},
    {"type": "function", "function": {"name": "f", "parameters": {"type": "object",
      "properties": {"n": {"type": "integer"}, "x": {"type": "number"}, "b": {"type": "boolean"},
                     "o": {"type": "object"}, "a": {"type": "array"}, "s": {"type": ["string", "null"]},
                     "u": {"anyOf": [{"type": "integer"}, {"type": "null"}]}}}}}
  ])");
  return tools;
}

std::string fingerprint(const tc::ParseResult& r) {
  return native(r.to_json(/*with_diagnostics=*/true)).dump(-1, ' ', true, Json::error_handler_t::replace);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t flags = data[0];
  uint32_t chunk_state = data[1] * 2654435761u + 1;
  const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);

  tc::ParseOptions options;
  options.family = static_cast<tc::Family>(flags & 3);
  options.prompt_ends_inside_reasoning = flags & 4;
  options.parse_tool_calls = !(flags & 8);
  if (flags & 16) options.tools = edgelm::wrap(fuzz_tools());

  const tc::ParseResult whole = tc::parse(text, options);  // an exception escapes: a finding

  tc::StreamParser stream(options);
  std::string content;
  for (size_t at = 0; at < text.size();) {
    chunk_state = chunk_state * 1103515245u + 12345u;
    const size_t n = 1 + (chunk_state >> 16) % ((flags >> 5) * 4 + 1);
    for (const tc::Delta& d : stream.feed(text.substr(at, n)))
      if (d.kind == tc::Delta::Kind::Content) content += d.text;
    at += n;
  }
  for (const tc::Delta& d : stream.finish())
    if (d.kind == tc::Delta::Kind::Content) content += d.text;

  const std::string a = fingerprint(whole), b = fingerprint(stream.result());
  if (a != b || content != whole.content) {
    std::fprintf(stderr, "streaming differs from whole parse\n whole:    %s\n streamed: %s\n", a.c_str(), b.c_str());
    std::abort();
  }
  return 0;
}
