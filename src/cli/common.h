// Small helpers shared by the CLI commands.
#pragma once
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "edgelm/json.h"

namespace edgelm::cli {

// Parses argv with `app`; returns -1 to continue, or the exit status to return
// (0 after --help, 2 for a usage error, with the message printed).
int parse_or_exit(CLI::App& app, int argc, char** argv);

// "1,2,3" -> {1, 2, 3}; throws edgelm::Error on anything else.
std::vector<int32_t> parse_int_list(const std::string& text, const char* what);

// The whole contents of a file; throws edgelm::Error naming `what` if unreadable.
std::string read_file(const std::string& path, const char* what);

// Throws edgelm::Error if `path` does not name a readable file.
void require_file(const std::string& path, const char* what);

// The CLI edits JSON with nlohmann and hands it to the API as text, as any
// embedder with its own JSON library would.
using JsonDoc = nlohmann::ordered_json;
inline edgelm::Json to_api(const JsonDoc& j) {
  return edgelm::Json::parse(j.dump(-1, ' ', false, JsonDoc::error_handler_t::replace));
}
inline JsonDoc from_api(const edgelm::Json& j) { return JsonDoc::parse(j.dump()); }

}  // namespace edgelm::cli
