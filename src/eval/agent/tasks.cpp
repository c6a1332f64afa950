// The suite's assembly, the scripted runner, and the answer matching the
// checks use. Matching is deliberately forgiving about form (case, currency
// signs, thousands separators, date spellings) and strict about content.
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "eval/agent/agent.h"
#include "eval/agent/task_kit.h"

using nlohmann::json;

namespace edgelm::eval::agent {
namespace detail {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_word(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

// Reads digits with optional thousands separators ("1,234") from text[i...].
void read_integer_part(std::string_view text, std::size_t& i, std::string& out) {
  while (i < text.size()) {
    if (is_digit(text[i])) {
      out += text[i++];
    } else if (text[i] == ',' && i + 3 < text.size() &&
               is_digit(text[i + 1]) && is_digit(text[i + 2]) && is_digit(text[i + 3]) &&
               (i + 4 == text.size() || !is_digit(text[i + 4]))) {
      out.append(text.substr(i + 1, 3));
      i += 4;
    } else {
      return;
    }
  }
}

constexpr std::array<std::string_view, 12> kMonths = {"january", "february", "march",     "april",
                                                      "may",     "june",     "july",      "august",
                                                      "september", "october", "november", "december"};

// Words of the text (runs of letters and digits), lowercase.
std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  for (char c : text) {
    if (is_word(c) && c != '_') {
      current += c;
    } else if (!current.empty()) {
      out.push_back(lower(current));
      current.clear();
    }
  }
  if (!current.empty()) out.push_back(lower(current));
  return out;
}

bool is_month_word(const std::string& word, int month) {
  std::string_view name = kMonths[static_cast<std::size_t>(month - 1)];
  return word == name || (word.size() >= 3 && name.substr(0, word.size()) == word);
}

// "28", "28th", "1st" against a day number.
bool is_day_word(const std::string& word, int day) {
  std::string digits;
  std::size_t i = 0;
  while (i < word.size() && is_digit(word[i])) digits += word[i++];
  std::string rest = word.substr(i);
  if (digits.empty() || !(rest.empty() || rest == "st" || rest == "nd" || rest == "rd" || rest == "th"))
    return false;
  return std::atoi(digits.c_str()) == day;
}

}  // namespace

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string trim(std::string_view text) {
  std::size_t a = 0, b = text.size();
  while (a < b && (text[a] == ' ' || text[a] == '\t' || text[a] == '\r' || text[a] == '\n')) ++a;
  while (b > a && (text[b - 1] == ' ' || text[b - 1] == '\t' || text[b - 1] == '\r' || text[b - 1] == '\n')) --b;
  return std::string(text.substr(a, b - a));
}

std::vector<double> numbers_in(std::string_view text) {
  std::vector<double> out;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!is_digit(text[i])) {
      ++i;
      continue;
    }
    // A '-' is a sign only when it does not join two words ("INV-4", "2025-03-14").
    bool negative = i >= 1 && text[i - 1] == '-' && (i < 2 || !is_word(text[i - 2]));
    std::string digits;
    read_integer_part(text, i, digits);
    if (i + 1 < text.size() && text[i] == '.' && is_digit(text[i + 1])) {
      digits += '.';
      ++i;
      while (i < text.size() && is_digit(text[i])) digits += text[i++];
    }
    double value = 0;
    std::from_chars(digits.data(), digits.data() + digits.size(), value);
    out.push_back(negative ? -value : value);
  }
  return out;
}

bool has_number(std::string_view text, double expected, double tolerance) {
  for (double v : numbers_in(text))
    if (std::fabs(v - expected) <= tolerance + 1e-9 * std::fabs(expected)) return true;
  return false;
}

bool mentions(std::string_view text, std::string_view word) {
  if (word.empty()) return false;
  std::string haystack = lower(text), needle = lower(word);
  for (std::size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) {
    bool open = at == 0 || !is_word(needle.front()) || !is_word(haystack[at - 1]);
    std::size_t end = at + needle.size();
    bool close = end == haystack.size() || !is_word(needle.back()) || !is_word(haystack[end]);
    if (open && close) return true;
  }
  return false;
}

bool picks(std::string_view text, std::string_view expected, const std::vector<std::string>& others) {
  if (!mentions(text, expected)) return false;
  int named = 0;
  for (const std::string& other : others) named += mentions(text, other) ? 1 : 0;
  return named <= 1;
}

bool has_date(std::string_view text, int year, int month, int day) {
  char iso[16], slashed[16];
  std::snprintf(iso, sizeof iso, "%04d-%02d-%02d", year, month, day);
  std::snprintf(slashed, sizeof slashed, "%04d/%02d/%02d", year, month, day);
  if (mentions(text, iso) || mentions(text, slashed)) return true;
  std::vector<std::string> w = words(text);
  bool has_year = false;
  for (const std::string& word : w) has_year = has_year || word == std::to_string(year);
  if (!has_year) return false;
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (!is_month_word(w[i], month)) continue;
    if ((i + 1 < w.size() && is_day_word(w[i + 1], day)) || (i > 0 && is_day_word(w[i - 1], day))) return true;
  }
  return false;
}

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string line = trim(text.substr(start, end - start));
    if (!line.empty()) out.push_back(line);
    start = end + 1;
  }
  return out;
}

std::optional<double> number_value(const json& value) {
  if (value.is_number()) return value.get<double>();
  if (!value.is_string()) return std::nullopt;
  std::string text = trim(value.get<std::string>());
  double parsed = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return parsed;
}

bool near(const json& value, double expected, double tolerance) {
  std::optional<double> v = number_value(value);
  return v && std::fabs(*v - expected) <= tolerance + 1e-9 * std::fabs(expected);
}

ToolCall call(std::string name, json arguments) { return ToolCall{std::move(name), std::move(arguments)}; }
Step calls(std::vector<ToolCall> tool_calls) { return Step{std::move(tool_calls), ""}; }
Step answer(std::string text) { return Step{{}, std::move(text)}; }
void no_setup(Workspace&) {}

}  // namespace detail

const std::vector<Task>& tasks() {
  static const std::vector<Task> suite = [] {
    std::vector<Task> all;
    detail::add_compute_tasks(all);
    detail::add_file_tasks(all);
    detail::add_store_tasks(all);
    return all;
  }();
  return suite;
}

std::string task_kind(const Task& task) { return task.id.substr(0, task.id.find('_')); }

ScriptRun play_scripted(const Task& task, const std::vector<Step>& steps) {
  Workspace workspace;
  if (task.setup) task.setup(workspace);
  ScriptRun run;
  std::string final_answer;
  for (const Step& step : steps) {
    for (const ToolCall& c : step.calls) run.results.push_back(workspace.execute(c, task.tools));
    final_answer = step.calls.empty() ? step.answer : "";
  }
  run.passed = task.check(workspace, final_answer);
  return run;
}

bool run_scripted(const Task& task, const std::vector<Step>& steps) { return play_scripted(task, steps).passed; }

}  // namespace edgelm::eval::agent
