// The task's world and the tools that act on it. Every model mistake (unknown
// tool, missing or mistyped argument, a path out of bounds) becomes an
// {"error": ...} result the model can read and recover from.
#include <stdlib.h>  // mkdtemp

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "edgelm/error.h"
#include "eval/agent/agent.h"
#include "eval/agent/tools.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace edgelm::eval::agent {

namespace {

// What the tools act on (Workspace::Impl, under a name they can see).
struct State {
  fs::path root;
  json store = json::object();
  std::size_t bytes_written = 0;  // by the tools, against kMaxWorkspaceBytes
};

constexpr std::size_t kMaxKeyLength = 200;
constexpr std::size_t kMaxValueChars = 64 * 1024;
constexpr std::size_t kMaxKeys = 1000;
constexpr std::size_t kMaxListed = 200;
constexpr std::size_t kMaxMatches = 50;
constexpr std::size_t kMaxLineShown = 200;
constexpr std::size_t kMaxQueryLength = 200;
constexpr long kMaxDayOffset = 1'000'000;

std::string lower_ascii(std::string text) {
  for (char& c : text)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return text;
}

// The arguments of one call, with lenient typing: models often quote numbers
// or send numbers where text is expected, and neither is worth a failure.
class Args {
 public:
  explicit Args(const json& arguments) : args_(arguments) {}

  bool has(const char* name) const { return args_.contains(name) && !args_.at(name).is_null(); }

  const json& any(const char* name) const {
    if (!args_.contains(name)) throw Error(std::string("missing required argument '") + name + "'");
    return args_.at(name);
  }

  // json_ok: objects and arrays are accepted and written out as JSON text.
  std::string text(const char* name, bool json_ok = false) const {
    const json& v = any(name);
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number() || v.is_boolean() || (json_ok && (v.is_object() || v.is_array())))
      return json_ok ? v.dump(2) : v.dump();
    throw Error(std::string("argument '") + name + "' must be a string");
  }

  std::optional<std::string> optional_text(const char* name) const {
    if (!has(name)) return std::nullopt;
    return text(name);
  }

  double number(const char* name) const {
    const json& v = any(name);
    if (v.is_number()) return v.get<double>();
    if (v.is_string()) {
      const std::string s = v.get<std::string>();
      char* end = nullptr;
      double value = std::strtod(s.c_str(), &end);
      if (!s.empty() && end == s.c_str() + s.size() && std::isfinite(value)) return value;
    }
    throw Error(std::string("argument '") + name + "' must be a number");
  }

  long integer(const char* name) const {
    double value = 0;
    try {
      value = number(name);
    } catch (const Error&) {
      throw Error(std::string("argument '") + name + "' must be a whole number");
    }
    if (value != std::floor(value)) throw Error(std::string("argument '") + name + "' must be a whole number");
    if (std::fabs(value) > kMaxDayOffset)
      throw Error(std::string("argument '") + name + "' is too large (limit " + std::to_string(kMaxDayOffset) + ")");
    return static_cast<long>(value);
  }

 private:
  const json& args_;
};

std::string checked_key(const Args& args) {
  std::string key = args.text("key");
  if (key.empty()) throw Error("key must not be empty");
  if (key.size() > kMaxKeyLength) throw Error("key too long (limit " + std::to_string(kMaxKeyLength) + " characters)");
  return key;
}

using Handler = std::function<json(State&, const Args&)>;

// --- arithmetic, units, dates ---------------------------------------------------

json calculator(State&, const Args& args) {
  return {{"result", detail::tidy_number(detail::calculate(args.text("expression")))}};
}

json convert_units(State&, const Args& args) {
  double value = args.number("value");
  detail::Converted c = detail::convert_units(value, args.text("from"), args.text("to"));
  json shown_value = detail::tidy_number(value), result = detail::tidy_number(c.value);
  // The sentence restates the question, so the number cannot be misread.
  return {{"conversion", shown_value.dump() + " " + c.from + " = " + result.dump() + " " + c.to},
          {"result", result}};
}

json dated(long days) {
  return {{"date", detail::format_iso_date(days)}, {"weekday", detail::weekday_name(days)}};
}

json date_today(State&, const Args&) { return dated(detail::parse_iso_date(kToday)); }

json date_add(State&, const Args& args) {
  long start = detail::parse_iso_date(args.text("date"));
  return dated(start + args.integer("days"));
}

json date_diff(State&, const Args& args) {
  long start = detail::parse_iso_date(args.text("start"));
  long end = detail::parse_iso_date(args.text("end"));
  return {{"start", args.text("start")}, {"end", args.text("end")}, {"days", end - start}};
}

json weekday(State&, const Args& args) { return dated(detail::parse_iso_date(args.text("date"))); }

// --- files ------------------------------------------------------------------------

void write_counted(State& ws, const fs::path& path, const std::string& content) {
  if (ws.bytes_written + content.size() > detail::kMaxWorkspaceBytes)
    throw Error("the task folder's write budget is used up (" + std::to_string(detail::kMaxWorkspaceBytes) +
                " bytes in all)");
  detail::write_whole(ws.root, path, content);
  ws.bytes_written += content.size();
}

json read_file(State& ws, const Args& args) {
  fs::path path = detail::resolve_in(ws.root, args.text("path"));
  std::string content = detail::read_bounded(ws.root, path);
  json out = {{"path", detail::shown_path(ws.root, path)}};
  if (content.size() > detail::kMaxShownBytes) {
    out["content"] = content.substr(0, detail::kMaxShownBytes) + "\n[... truncated: showing the first " +
                     std::to_string(detail::kMaxShownBytes) + " of " + std::to_string(content.size()) +
                     " bytes]";
  } else {
    out["content"] = content;
  }
  return out;
}

json write_file(State& ws, const Args& args) {
  fs::path path = detail::resolve_in(ws.root, args.text("path"));
  std::string content = args.text("content", true);
  write_counted(ws, path, content);
  return {{"ok", true}, {"path", detail::shown_path(ws.root, path)}, {"bytes", content.size()}};
}

json append_file(State& ws, const Args& args) {
  fs::path path = detail::resolve_in(ws.root, args.text("path"));
  std::string addition = args.text("content", true);
  std::error_code ec;
  std::string content = fs::exists(path, ec) ? detail::read_bounded(ws.root, path) : std::string();
  // Models write "a new line" without its newline; keep lines apart.
  if (!content.empty() && content.back() != '\n') content += '\n';
  content += addition;
  write_counted(ws, path, content);
  return {{"ok", true}, {"path", detail::shown_path(ws.root, path)}, {"bytes", content.size()}};
}

json replace_in_file(State& ws, const Args& args) {
  fs::path path = detail::resolve_in(ws.root, args.text("path"));
  std::string old_text = args.text("old_text");
  std::string new_text = args.text("new_text");
  if (old_text.empty()) throw Error("old_text must not be empty");
  std::string content = detail::read_bounded(ws.root, path);
  std::string result;
  std::size_t count = 0, from = 0;
  for (std::size_t at; (at = content.find(old_text, from)) != std::string::npos; from = at + old_text.size()) {
    result.append(content, from, at - from).append(new_text);
    ++count;
  }
  std::string shown = detail::shown_path(ws.root, path);
  if (count == 0) throw Error("old_text not found in " + shown + " (the match is exact and case-sensitive)");
  result.append(content, from, std::string::npos);
  write_counted(ws, path, result);
  return {{"ok", true}, {"path", shown}, {"replacements", count}};
}

// Folder entries under dir (or dir itself when it is a file), sorted, not
// following folder symlinks.
std::vector<fs::directory_entry> walk(const fs::path& dir) {
  std::vector<fs::directory_entry> entries;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    if (fs::exists(dir, ec)) entries.emplace_back(dir);
    return entries;
  }
  fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
  // The setup makes small folders; the cap only guards against surprises.
  for (; !ec && it != end && entries.size() < 10000; it.increment(ec)) entries.push_back(*it);
  std::sort(entries.begin(), entries.end(),
            [](const fs::directory_entry& a, const fs::directory_entry& b) { return a.path() < b.path(); });
  return entries;
}

json list_files(State& ws, const Args& args) {
  fs::path dir = detail::resolve_in(ws.root, args.optional_text("path").value_or("."));
  std::string shown_dir = detail::shown_path(ws.root, dir);
  std::error_code ec;
  if (!fs::exists(dir, ec)) throw Error("no such file or folder: " + shown_dir);
  std::vector<fs::directory_entry> entries = walk(dir);
  json names = json::array();
  for (const auto& entry : entries) {
    if (names.size() == kMaxListed) break;
    std::string name = detail::shown_path(ws.root, entry.path());
    if (entry.is_directory(ec)) name += "/";
    names.push_back(name);
  }
  json out = {{"path", shown_dir}, {"entries", names}};
  if (entries.size() > kMaxListed)
    out["truncated"] = "showing " + std::to_string(kMaxListed) + " of " + std::to_string(entries.size()) + " entries";
  if (entries.empty()) out["note"] = "the folder is empty";
  return out;
}

json search_files(State& ws, const Args& args) {
  std::string query = args.text("query");
  if (query.empty()) throw Error("query must not be empty");
  if (query.size() > kMaxQueryLength) throw Error("query too long (limit " + std::to_string(kMaxQueryLength) + " characters)");
  fs::path base = detail::resolve_in(ws.root, args.optional_text("path").value_or("."));
  std::error_code ec;
  if (!fs::exists(base, ec)) throw Error("no such file or folder: " + detail::shown_path(ws.root, base));
  const std::string needle = lower_ascii(query);
  json matches = json::array();
  std::size_t total = 0;
  for (const auto& entry : walk(base)) {
    // Symlinks are skipped: one could lead out of the folder.
    if (entry.is_symlink(ec) || !entry.is_regular_file(ec)) continue;
    if (entry.file_size(ec) > detail::kMaxFileBytes) continue;
    std::string content;
    try {
      content = detail::read_bounded(ws.root, entry.path());
    } catch (const Error&) {
      continue;
    }
    std::string shown = detail::shown_path(ws.root, entry.path());
    std::size_t line_no = 0, start = 0;
    while (start < content.size()) {
      std::size_t end = content.find('\n', start);
      if (end == std::string::npos) end = content.size();
      std::string line = content.substr(start, end - start);
      ++line_no;
      start = end + 1;
      if (lower_ascii(line).find(needle) == std::string::npos) continue;
      if (++total > kMaxMatches) continue;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.size() > kMaxLineShown) line = line.substr(0, kMaxLineShown) + "...";
      matches.push_back(shown + ":" + std::to_string(line_no) + ": " + line);
    }
  }
  json out = {{"query", query}, {"count", total}, {"matches", matches}};
  if (total > kMaxMatches)
    out["truncated"] = "showing " + std::to_string(kMaxMatches) + " of " + std::to_string(total) + " matches";
  return out;
}

// --- the key-value store ------------------------------------------------------------

json kv_get(State& ws, const Args& args) {
  std::string key = checked_key(args);
  if (!ws.store.contains(key)) throw Error("no key '" + key + "' in the store (kv_list shows the keys)");
  return {{"key", key}, {"value", ws.store[key]}};
}

json kv_set(State& ws, const Args& args) {
  std::string key = checked_key(args);
  const json& value = args.any("value");
  if (detail::to_text(value).size() > kMaxValueChars)
    throw Error("value too large (limit " + std::to_string(kMaxValueChars) + " characters as JSON)");
  if (!ws.store.contains(key) && ws.store.size() >= kMaxKeys)
    throw Error("the store is full (" + std::to_string(kMaxKeys) + " keys)");
  ws.store[key] = value;
  return {{"ok", true}, {"key", key}, {"value", value}};
}

json kv_delete(State& ws, const Args& args) {
  std::string key = checked_key(args);
  bool deleted = ws.store.erase(key) > 0;
  return {{"ok", true}, {"key", key}, {"deleted", deleted}};
}

json kv_list(State& ws, const Args& args) {
  std::string prefix = args.optional_text("prefix").value_or("");
  json items = json::object();
  for (const auto& [key, value] : ws.store.items())
    if (key.compare(0, prefix.size(), prefix) == 0) items[key] = value;
  json out = {{"count", items.size()}};
  if (detail::to_text(items).size() <= detail::kMaxShownBytes) {
    out["items"] = items;
    return out;
  }
  // Too much to show: the keys alone, and the values one by one.
  json keys = json::array();
  for (const auto& [key, value] : items.items()) {
    if (keys.size() == kMaxListed) break;
    keys.push_back(key);
  }
  out["keys"] = keys;
  out["note"] = "values omitted (too large); use kv_get for each key";
  return out;
}

const std::vector<std::pair<std::string, Handler>>& handlers() {
  static const std::vector<std::pair<std::string, Handler>> table = {
      {"calculator", calculator},     {"convert_units", convert_units},
      {"list_files", list_files},     {"read_file", read_file},
      {"write_file", write_file},     {"append_file", append_file},
      {"replace_in_file", replace_in_file}, {"search_files", search_files},
      {"kv_get", kv_get},             {"kv_set", kv_set},
      {"kv_delete", kv_delete},       {"kv_list", kv_list},
      {"date_today", date_today},     {"date_add", date_add},
      {"date_diff", date_diff},       {"weekday", weekday},
  };
  return table;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string error_result(const std::string& message) { return detail::to_text({{"error", message}}); }

// Arguments arrive as an object, or as JSON text when a parser left them unparsed.
json normalised_arguments(const json& raw) {
  if (raw.is_null()) return json::object();
  if (raw.is_object()) return raw;
  if (raw.is_string()) {
    const std::string& text = raw.get_ref<const std::string&>();
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
    json parsed = json::parse(text, nullptr, false);
    if (parsed.is_object()) return parsed;
  }
  throw Error("arguments must be a JSON object, e.g. {\"path\": \"notes.txt\"}");
}

}  // namespace

struct Workspace::Impl : State {};

Workspace::Workspace() : impl_(std::make_unique<Impl>()) {
  std::error_code ec;
  fs::path base = fs::temp_directory_path(ec);
  if (ec) base = "/tmp";
  std::string pattern = (base / "edgelm-agent-XXXXXX").string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) == nullptr)
    throw Error("cannot create a task folder under " + base.string() + ": " + std::strerror(errno));
  // Canonical, so the sandbox can compare resolved paths with it.
  impl_->root = fs::canonical(buffer.data());
}

Workspace::~Workspace() {
  std::error_code ec;
  // remove_all deletes symlinks themselves, never what they point to.
  fs::remove_all(impl_->root, ec);
}

const fs::path& Workspace::root() const { return impl_->root; }

std::string Workspace::execute(const ToolCall& call) {
  try {
    for (const auto& [name, handler] : handlers()) {
      if (name != call.name) continue;
      json arguments = normalised_arguments(call.arguments);
      std::string text = detail::to_text(handler(*impl_, Args(arguments)));
      if (text.size() > detail::kMaxResultChars)
        text = detail::to_text({{"truncated_result", text.substr(0, detail::kMaxResultChars) + " [... truncated]"}});
      return text;
    }
    return error_result("unknown tool '" + call.name.substr(0, 100) + "'; the tools are: " + joined(tool_names()));
  } catch (const std::exception& e) {
    // Error for model mistakes; anything else (a filesystem_error, bad_alloc
    // on absurd input) is still the model's turn to read, not a crash.
    return error_result(e.what());
  }
}

std::string Workspace::execute(const ToolCall& call, const std::vector<std::string>& offered) {
  if (std::find(offered.begin(), offered.end(), call.name) == offered.end())
    return error_result("tool '" + call.name.substr(0, 100) + "' is not available in this task; use one of: " +
                        joined(offered));
  return execute(call);
}

void Workspace::write_file(const std::string& relative, const std::string& content) {
  detail::write_whole(impl_->root, detail::resolve_in(impl_->root, relative), content);
}

std::string Workspace::read_file(const std::string& relative) const {
  try {
    return detail::read_bounded(impl_->root, detail::resolve_in(impl_->root, relative));
  } catch (const Error&) {
    return "";
  }
}

bool Workspace::exists(const std::string& relative) const {
  try {
    std::error_code ec;
    return fs::exists(detail::resolve_in(impl_->root, relative), ec);
  } catch (const Error&) {
    return false;
  }
}

json& Workspace::store() { return impl_->store; }
const json& Workspace::store() const { return impl_->store; }

}  // namespace edgelm::eval::agent
