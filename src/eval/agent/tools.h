// The agent tools' pure parts (no folder, no store), shared by the workspace,
// the task checks and the tests. Every function throws edgelm::Error with the
// one-line message the model is shown when its input is wrong.
#pragma once
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace edgelm::eval::agent::detail {

// --- calculator ---------------------------------------------------------------
// Arithmetic only: numbers, + - * / % ^ (also **), parentheses, unary minus,
// sqrt abs round floor ceil min max, and the constants pi and e. Nothing else
// is evaluated. ^ binds tighter than unary minus (-2^2 = -4) and is right
// associative; % is the remainder with the sign of the dividend.
inline constexpr std::size_t kMaxExpressionLength = 1000;
inline constexpr int kMaxNesting = 64;
double calculate(std::string_view expression);

// --- unit conversion ----------------------------------------------------------
struct Converted {
  double value;
  std::string from;      // canonical unit names
  std::string to;
  std::string quantity;  // "length", "mass", ...
};
// Converts value between two units of the same quantity (names are matched
// case-insensitively; "°", spaces and plurals of the spelled-out names are accepted).
Converted convert_units(double value, std::string_view from, std::string_view to);
// "length: mm, cm, ...; mass: ...", for the tool's description.
std::string unit_summary();

// --- dates ----------------------------------------------------------------------
// Days since 1970-01-01 from a strict ISO date (YYYY-MM-DD, years 0001-9999).
long parse_iso_date(std::string_view text);
std::string format_iso_date(long days);  // throws when out of the year range
std::string weekday_name(long days);     // "Monday" ...

// --- the sandbox ------------------------------------------------------------------
inline constexpr std::size_t kMaxFileBytes = 1 << 20;       // read or written at once
inline constexpr std::size_t kMaxWorkspaceBytes = 16 << 20;  // written by a whole run
inline constexpr std::size_t kMaxShownBytes = 8000;          // of a file, shown to the model
inline constexpr std::size_t kMaxResultChars = 16000;        // of any tool result
inline constexpr std::size_t kMaxPathLength = 1024;
inline constexpr std::size_t kMaxNameLength = 255;           // of one path component

// The absolute path a model-given relative path names inside root (a
// canonical folder). Refuses empty, absolute and over-long paths, NUL bytes,
// ".." that climbs out, and symlinks (anywhere along the path, broken ones
// too) that lead outside. What does not exist yet is resolved lexically.
std::filesystem::path resolve_in(const std::filesystem::path& root, std::string_view relative);
// The path as the model should write it: relative to root, '/'-separated.
std::string shown_path(const std::filesystem::path& root, const std::filesystem::path& path);
// A regular file's content, refused over kMaxFileBytes.
std::string read_bounded(const std::filesystem::path& root, const std::filesystem::path& path);
// Writes (creating parent folders) a file inside root.
void write_whole(const std::filesystem::path& root, const std::filesystem::path& path,
                 std::string_view content);

// --- numbers for the model --------------------------------------------------------
// A result as JSON: integral values as integers, others rounded to 12
// significant digits, so 0.1+0.2 shows as 0.3.
nlohmann::json tidy_number(double value);
// The JSON text the model is shown; never throws on invalid UTF-8.
std::string to_text(const nlohmann::json& value);

}  // namespace edgelm::eval::agent::detail
