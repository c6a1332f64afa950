// The tools as a model sees them: OpenAI-style function definitions. The
// descriptions are written for small models: what the tool does, the exact
// argument format, and an example where the format is not obvious.
#include <string>
#include <utility>
#include <vector>

#include "edgelm/error.h"
#include "eval/agent/agent.h"
#include "eval/agent/tools.h"

using nlohmann::json;

namespace edgelm::eval::agent {
namespace {

struct Param {
  std::string name;
  json schema;  // {"type": ..., "description": ...}
  bool required = true;
};

json param(const char* type, const std::string& description) {
  return {{"type", type}, {"description", description}};
}

json function(const std::string& name, const std::string& description, const std::vector<Param>& params) {
  json properties = json::object();
  json required = json::array();
  for (const Param& p : params) {
    properties[p.name] = p.schema;
    if (p.required) required.push_back(p.name);
  }
  return {{"type", "function"},
          {"function",
           {{"name", name},
            {"description", description},
            {"parameters", {{"type", "object"}, {"properties", properties}, {"required", required}}}}}};
}

const std::string kPathHint = "Path relative to the task folder, e.g. notes.txt or data/sales.csv";

std::vector<std::pair<std::string, json>> build() {
  const std::string today(kToday);
  return {
      {"calculator",
       function("calculator",
                "Evaluate an arithmetic expression and return the exact result. Supports + - * / "
                "% (remainder) ^ (power), parentheses, unary minus, the functions sqrt, abs, round, "
                "floor, ceil, min, max (round(x, 2) rounds to 2 decimals) and the constants pi and e. "
                "Write plain numbers without units, currency signs or thousands separators.",
                {{"expression", param("string", "The expression, e.g. (17*3.45 + 8*1.2) * 1.08")}})},
      {"convert_units",
       function("convert_units",
                "Convert a value from one unit to another unit of the same kind. Units: " +
                    detail::unit_summary() +
                    ". KB/MB/GB/TB are powers of 1000, KiB/MiB/GiB/TiB powers of 1024; cup, pt, qt, "
                    "gal and fl_oz are US measures.",
                {{"value", param("number", "The number to convert, e.g. 42.195")},
                 {"from", param("string", "The unit of value, e.g. km")},
                 {"to", param("string", "The unit wanted, e.g. mi")}})},
      {"list_files",
       function("list_files",
                "List the files and folders in the task folder (or in one of its folders), "
                "including subfolders. Folder names end with /.",
                {{"path", param("string", "Folder to list, relative to the task folder; default: the whole task folder"),
                  false}})},
      {"read_file",
       function("read_file", "Read a text file of the task folder and return its content.",
                {{"path", param("string", kPathHint)}})},
      {"write_file",
       function("write_file",
                "Create a file, or replace a file's whole content, in the task folder. Folders in "
                "the path are created as needed.",
                {{"path", param("string", kPathHint)},
                 {"content", param("string", "The complete new content of the file")}})},
      {"append_file",
       function("append_file",
                "Add text at the end of a file (creating it if missing). If the file does not end "
                "with a newline, one is added before the text.",
                {{"path", param("string", kPathHint)},
                 {"content", param("string", "The text to add, e.g. a new line")}})},
      {"replace_in_file",
       function("replace_in_file",
                "Replace every occurrence of a piece of text in a file with new text. The match is "
                "exact and case-sensitive; fails if the text is not found.",
                {{"path", param("string", kPathHint)},
                 {"old_text", param("string", "The exact text to find, e.g. \"timeout\": 30")},
                 {"new_text", param("string", "The text to put in its place")}})},
      {"search_files",
       function("search_files",
                "Search the text files of the task folder for lines containing a piece of text "
                "(case-insensitive, plain text, no wildcards). Returns matches as path:line: text.",
                {{"query", param("string", "The text to look for, e.g. TODO")},
                 {"path", param("string", "Folder or file to search in; default: the whole task folder"), false}})},
      {"kv_get",
       function("kv_get", "Get the value stored under a key in the key-value store.",
                {{"key", param("string", "The key, e.g. stock:apples")}})},
      {"kv_set",
       function("kv_set", "Store a value under a key in the key-value store, replacing any old value.",
                {{"key", param("string", "The key, e.g. stock:apples")},
                 {"value", {{"description", "The value: a number, string, true/false, list or object"}}}})},
      {"kv_delete",
       function("kv_delete", "Delete a key (and its value) from the key-value store.",
                {{"key", param("string", "The key to delete")}})},
      {"kv_list",
       function("kv_list", "List the keys of the key-value store with their values.",
                {{"prefix", param("string", "Only keys starting with this text, e.g. stock:; default: all keys"),
                  false}})},
      {"date_today",
       function("date_today", "Get today's date (YYYY-MM-DD) and weekday.", {})},
      {"date_add",
       function("date_add",
                "Add a number of days to a date (use a negative number to go back). Returns the "
                "new date and its weekday.",
                {{"date", param("string", "Start date as YYYY-MM-DD, e.g. " + today)},
                 {"days", param("integer", "Days to add, e.g. 30 or -7")}})},
      {"date_diff",
       function("date_diff",
                "Count the days from one date to another (positive when end is later).",
                {{"start", param("string", "First date as YYYY-MM-DD")},
                 {"end", param("string", "Second date as YYYY-MM-DD")}})},
      {"weekday",
       function("weekday", "Get the day of the week of a date.",
                {{"date", param("string", "The date as YYYY-MM-DD, e.g. 2000-01-01")}})},
  };
}

const std::vector<std::pair<std::string, json>>& all() {
  static const auto table = build();
  return table;
}

}  // namespace

json tool_definitions(const std::vector<std::string>& names) {
  json out = json::array();
  for (const std::string& name : names) {
    bool found = false;
    for (const auto& [tool, definition] : all()) {
      if (tool == name) {
        out.push_back(definition);
        found = true;
        break;
      }
    }
    if (!found) throw Error("unknown agent tool '" + name + "'");
  }
  return out;
}

std::vector<std::string> tool_names() {
  std::vector<std::string> names;
  for (const auto& entry : all()) names.push_back(entry.first);
  return names;
}

}  // namespace edgelm::eval::agent
