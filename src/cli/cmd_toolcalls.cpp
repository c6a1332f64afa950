// edgelm toolcalls: parse model output (stdin) into content, reasoning and tool calls.
//
//   edgelm toolcalls --family qwen35 --tools tools.json < reply.txt
//   {"content": "...", "reasoning": null, "tool_calls": [{"name": "...", "arguments": {...}}]}
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "edgelm/json_input.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "edgelm/error.h"
#include "edgelm/toolcalls.h"

namespace edgelm::cli {
namespace {

using Json = nlohmann::ordered_json;
namespace tc = edgelm::toolcalls;

std::string dump(const Json& value) { return value.dump(-1, ' ', false, Json::error_handler_t::replace); }

// A JSON array of tools, or any object with a "tools" array (a request or a test record).
Json read_tools(const std::string& path) {
  const std::string text = read_file(path, "tools");
  if (json_too_deep(text)) throw Error("tools file '" + path + "' nests arrays and objects too deeply");
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) throw Error("tools file '" + path + "' is not valid JSON");
  if (doc.is_object() && doc.contains("tools")) doc = doc["tools"];
  if (!doc.is_array() && !doc.is_null()) throw Error("tools file '" + path + "' must hold a JSON array of tools");
  return doc;
}

const char* delta_kind_name(tc::Delta::Kind kind) {
  switch (kind) {
    case tc::Delta::Kind::Content: return "content";
    case tc::Delta::Kind::Reasoning: return "reasoning";
    case tc::Delta::Kind::ToolCallStart: return "tool_call_start";
    case tc::Delta::Kind::ToolCallArguments: return "tool_call_arguments";
  }
  return "unknown";
}

void print_deltas(const std::vector<tc::Delta>& deltas) {
  for (const tc::Delta& d : deltas) {
    Json line = {{"delta", delta_kind_name(d.kind)}, {"text", d.text}};
    if (d.kind == tc::Delta::Kind::ToolCallStart || d.kind == tc::Delta::Kind::ToolCallArguments)
      line["index"] = d.tool_index;
    std::cout << dump(line) << '\n';
  }
}

}  // namespace

int cmd_toolcalls(int argc, char** argv) {
  CLI::App app("Parse model output from stdin into content, reasoning and tool calls (JSON on stdout)", "toolcalls");
  std::string family_text, tools_path, generation_prompt;
  bool in_reasoning = false, with_diagnostics = false, show_deltas = false, pretty = false;
  size_t chunk = 0;
  app.add_option("--family", family_text, "output format: gemma4, qwen35, qwen3 or llama3")->required();
  app.add_option("--tools", tools_path, "JSON file with the request's tools (types Qwen XML parameter values)");
  app.add_flag("--prompt-in-reasoning", in_reasoning, "the generation prompt opened a reasoning block");
  app.add_option("--generation-prompt", generation_prompt,
                 "the generation prompt text; sets --prompt-in-reasoning when it opens a reasoning block");
  app.add_option("--stream-chunk", chunk, "feed the text in chunks of N bytes through the streaming parser");
  app.add_flag("--deltas", show_deltas, "with --stream-chunk: also print every delta as a JSON line");
  app.add_flag("--diagnostics", with_diagnostics, "add a \"diagnostics\" list to the output");
  app.add_flag("--pretty", pretty, "indent the output JSON");
  if (int rc = parse_or_exit(app, argc, argv); rc >= 0) return rc;

  tc::ParseOptions options;
  options.family = tc::family_from_name(family_text);
  if (!tools_path.empty()) options.tools = to_api(read_tools(tools_path));
  options.prompt_ends_inside_reasoning = in_reasoning || tc::prompt_opens_reasoning(options.family, generation_prompt);

  const std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  tc::ParseResult result;
  if (chunk == 0) {
    result = tc::parse(text, options);
  } else {
    tc::StreamParser parser(options);
    for (size_t at = 0; at < text.size(); at += chunk) {
      std::vector<tc::Delta> deltas = parser.feed(std::string_view(text).substr(at, chunk));
      if (show_deltas) print_deltas(deltas);
    }
    std::vector<tc::Delta> deltas = parser.finish();
    if (show_deltas) print_deltas(deltas);
    result = parser.result();
  }
  const Json out = from_api(result.to_json(with_diagnostics));
  std::cout << (pretty ? out.dump(2, ' ', false, Json::error_handler_t::replace) : dump(out)) << '\n';
  return 0;
}

}  // namespace edgelm::cli
