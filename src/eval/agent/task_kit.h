// What the task definitions share: tolerant answer matching, step builders,
// and the per-kind lists the suite is assembled from.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/agent/agent.h"

namespace edgelm::eval::agent::detail {

// --- reading a final answer ------------------------------------------------------
// The numbers written in text: "$1,234.50" -> 1234.5, "-3" -> -3; a '-' glued
// to a word or number ("INV-4", "2025-03-14") is a hyphen, not a sign.
std::vector<double> numbers_in(std::string_view text);
bool has_number(std::string_view text, double expected, double tolerance = 1e-9);
// Case-insensitive, as a whole word: no letter, digit or '_' right before or after.
bool mentions(std::string_view text, std::string_view word);
// Names `expected` and at most one of `others`: an answer that lists every
// candidate has not picked one.
bool picks(std::string_view text, std::string_view expected, const std::vector<std::string>& others);
// 2025-04-28, 2025/04/28, "April 28, 2025", "28 Apr 2025", "April 28th 2025".
bool has_date(std::string_view text, int year, int month, int day);
// Lines with surrounding spaces (and '\r') removed, blank lines dropped.
std::vector<std::string> lines_of(std::string_view text);
std::string lower(std::string_view text);
std::string trim(std::string_view text);
// A number, or a string holding exactly one (models store "25" as often as 25).
std::optional<double> number_value(const nlohmann::json& value);
bool near(const nlohmann::json& value, double expected, double tolerance = 1e-9);

// --- writing scripts ------------------------------------------------------------------
ToolCall call(std::string name, nlohmann::json arguments);
Step calls(std::vector<ToolCall> tool_calls);
Step answer(std::string text);
void no_setup(Workspace&);

// --- the suite, by kind --------------------------------------------------------------
void add_compute_tasks(std::vector<Task>& out);  // calc, units, date
void add_file_tasks(std::vector<Task>& out);     // file, search, edit
void add_store_tasks(std::vector<Task>& out);    // kv, combo

}  // namespace edgelm::eval::agent::detail
