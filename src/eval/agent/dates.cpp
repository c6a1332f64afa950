// Calendar arithmetic for the date tools, on std::chrono's proleptic
// Gregorian calendar, plus the number formatting every tool shares.
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "edgelm/error.h"
#include "eval/agent/tools.h"

namespace edgelm::eval::agent::detail {
namespace {

using std::chrono::day;
using std::chrono::month;
using std::chrono::sys_days;
using std::chrono::year;
using std::chrono::year_month_day;

// Parses exactly `count` digits at text[at...]; -1 when they are not all digits.
int digits(std::string_view text, std::size_t at, std::size_t count) {
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

long parse_iso_date(std::string_view text) {
  std::string shown(text.substr(0, 40));
  if (text.size() != 10 || text[4] != '-' || text[7] != '-')
    throw Error("invalid date '" + shown + "': expected YYYY-MM-DD, e.g. 2025-03-14");
  int y = digits(text, 0, 4), m = digits(text, 5, 2), d = digits(text, 8, 2);
  if (y < 1 || m < 0 || d < 0)
    throw Error("invalid date '" + shown + "': expected YYYY-MM-DD, e.g. 2025-03-14");
  year_month_day date{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  if (!date.ok()) throw Error("invalid date '" + shown + "': no such day in the calendar");
  return sys_days(date).time_since_epoch().count();
}

std::string format_iso_date(long days) {
  // Beyond a million days of 1970 the year can leave 1..9999; refuse early so
  // the conversion below never sees an unrepresentable value.
  if (std::labs(days) > 3'000'000) throw Error("date out of range (years 0001-9999)");
  year_month_day date{sys_days{std::chrono::days{days}}};
  int y = static_cast<int>(date.year());
  if (y < 1 || y > 9999) throw Error("date out of range (years 0001-9999)");
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", y, static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()));
  return text;
}

std::string weekday_name(long days) {
  static const std::array<const char*, 7> kNames = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                    "Thursday", "Friday", "Saturday"};
  std::chrono::weekday w{sys_days{std::chrono::days{days}}};
  return kNames[w.c_encoding()];
}

nlohmann::json tidy_number(double value) {
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 9e15)
    return static_cast<long long>(value);
  char text[32];
  std::snprintf(text, sizeof text, "%.12g", value);
  return std::strtod(text, nullptr);
}

std::string to_text(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace edgelm::eval::agent::detail
