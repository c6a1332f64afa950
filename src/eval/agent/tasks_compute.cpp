// Tasks that need no files: calculation chains, unit conversions, dates.
// Expected values are written out (checked by hand), not computed with the
// tools under test, so a tool bug cannot hide behind a matching check.
#include <functional>
#include <string>
#include <vector>

#include "eval/agent/task_kit.h"

using nlohmann::json;

namespace edgelm::eval::agent::detail {
namespace {

std::vector<std::string> weekdays_but(const std::string& day) {
  std::vector<std::string> out;
  for (const char* d : {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"})
    if (d != day) out.push_back(d);
  return out;
}

// A check that the final answer holds `value` (within `tolerance`).
std::function<bool(const Workspace&, const std::string&)> answer_has(double value, double tolerance) {
  return [value, tolerance](const Workspace&, const std::string& text) { return has_number(text, value, tolerance); };
}

void add_calc(std::vector<Task>& out) {
  out.push_back(Task{
      .id = "calc_invoice_tax",
      .prompt = "A shop sells 17 notebooks at $3.45 each and 8 pens at $1.20 each. A sales tax of 8% is "
                "added to the whole order. What is the order total including tax, in dollars?",
      .tools = {"calculator", "convert_units"},
      .max_turns = 4,
      .setup = no_setup,
      .check = answer_has(73.71, 0.006),
      .reference = {calls({call("calculator", {{"expression", "(17*3.45 + 8*1.20) * 1.08"}})}),
                    answer("The order total including 8% tax is $73.71.")},
      .wrong = {calls({call("calculator", {{"expression", "17*3.45 + 8*1.20"}})}),
                answer("The order total is $68.25.")},
  });
  out.push_back(Task{
      .id = "calc_compound_interest",
      .prompt = "You invest $2500 at 4% annual interest, compounded once a year. How much money is in "
                "the account after 6 years? Round to the cent.",
      .tools = {"calculator"},
      .max_turns = 4,
      .setup = no_setup,
      .check = answer_has(3163.2975, 0.006),
      .reference = {calls({call("calculator", {{"expression", "round(2500 * 1.04^6, 2)"}})}),
                    answer("After 6 years the account holds $3,163.30.")},
      .wrong = {calls({call("calculator", {{"expression", "2500 * (1 + 0.04*6)"}})}),
                answer("After 6 years the account holds $3,100.00.")},
  });
  out.push_back(Task{
      .id = "calc_hypotenuse",
      .prompt = "A right triangle has legs of 9.5 cm and 14.2 cm. How long is the hypotenuse, in cm, "
                "rounded to two decimals?",
      .tools = {"calculator"},
      .max_turns = 4,
      .setup = no_setup,
      .check = answer_has(17.0848, 0.006),
      .reference = {calls({call("calculator", {{"expression", "sqrt(9.5^2 + 14.2^2)"}})}),
                    answer("The hypotenuse is about 17.08 cm.")},
      .wrong = {calls({call("calculator", {{"expression", "9.5 + 14.2"}})}),
                answer("The hypotenuse is 23.70 cm.")},
  });
  out.push_back(Task{
      .id = "calc_mean_scores",
      .prompt = "A student's test scores are 88, 92, 79, 95, 83 and 90. What is the average score, "
                "rounded to two decimals?",
      .tools = {"calculator"},
      .max_turns = 4,
      .setup = no_setup,
      .check = answer_has(87.8333, 0.006),
      .reference = {calls({call("calculator", {{"expression", "(88+92+79+95+83+90)/6"}})}),
                    answer("The average score is 87.83.")},
      .wrong = {calls({call("calculator", {{"expression", "(88+92+79+95+83+90)/5"}})}),
                answer("The average score is 105.40.")},
  });
  out.push_back(Task{
      .id = "calc_egg_cartons",
      .prompt = "A farm collected 1000 eggs and packs them in cartons of 12. How many cartons can be "
                "filled completely, and how many eggs are left over?",
      .tools = {"calculator"},
      .max_turns = 4,
      .setup = no_setup,
      .check = [](const Workspace&, const std::string& a) { return has_number(a, 83) && has_number(a, 4); },
      .reference = {calls({call("calculator", {{"expression", "floor(1000 / 12)"}}),
                           call("calculator", {{"expression", "1000 % 12"}})}),
                    answer("83 cartons can be filled completely, with 4 eggs left over.")},
      .wrong = {calls({call("calculator", {{"expression", "1000 / 12"}})}),
                answer("About 83.33 cartons can be filled.")},
  });
}

void add_units(std::vector<Task>& out) {
  out.push_back(Task{
      .id = "units_marathon_miles",
      .prompt = "A marathon is 42.195 km long. How many miles is that? Round to two decimals.",
      .tools = {"convert_units", "calculator"},
      .max_turns = 4,
      .setup = no_setup,
      .check = answer_has(26.2188, 0.006),
      .reference = {calls({call("convert_units", {{"value", 42.195}, {"from", "km"}, {"to", "mi"}})}),
                    answer("A marathon is about 26.22 miles.")},
      .wrong = {calls({call("convert_units", {{"value", 42.195}, {"from", "mi"}, {"to", "km"}})}),
                answer("A marathon is about 67.91 miles.")},
  });
  out.push_back(Task{
      .id = "units_oven_celsius",
      .prompt = "A recipe says to bake at 375 °F. What temperature is that in °C, to one decimal place?",
      .tools = {"convert_units", "calculator"},
      .max_turns = 4,
      .setup = no_setup,
      .check = answer_has(190.5556, 0.06),
      .reference = {calls({call("convert_units", {{"value", 375}, {"from", "F"}, {"to", "C"}})}),
                    answer("375 °F is 190.6 °C.")},
      .wrong = {calls({call("calculator", {{"expression", "375 / 1.8"}})}), answer("375 °F is 208.3 °C.")},
  });
  out.push_back(Task{
      .id = "units_download_time",
      .prompt = "A file is 3.5 GiB and downloads at a steady 25 MB/s (megabytes per second, where 1 MB "
                "= 1,000,000 bytes). How many seconds does the download take, to the nearest second?",
      .tools = {"convert_units", "calculator"},
      .max_turns = 5,
      .setup = no_setup,
      .check = answer_has(150.3239, 0.5),
      .reference = {calls({call("convert_units", {{"value", 3.5}, {"from", "GiB"}, {"to", "MB"}})}),
                    calls({call("calculator", {{"expression", "3758.096384 / 25"}})}),
                    answer("The download takes about 150 seconds.")},
      .wrong = {calls({call("calculator", {{"expression", "3.5 * 1000 / 25"}})}),
                answer("The download takes 140 seconds.")},
  });
  out.push_back(Task{
      .id = "units_running_pace",
      .prompt = "A runner covered 10 miles in 1 hour 25 minutes. What was the average pace in minutes "
                "per kilometre, to two decimals?",
      .tools = {"convert_units", "calculator"},
      .max_turns = 5,
      .setup = no_setup,
      .check = answer_has(5.28166, 0.006),
      .reference = {calls({call("convert_units", {{"value", 10}, {"from", "mi"}, {"to", "km"}})}),
                    calls({call("calculator", {{"expression", "85 / 16.09344"}})}),
                    answer("The average pace was 5.28 minutes per kilometre.")},
      .wrong = {calls({call("calculator", {{"expression", "85 / 10"}})}),
                answer("The average pace was 8.50 minutes per kilometre.")},
  });
  out.push_back(Task{
      .id = "units_parcel_overweight",
      .prompt = "A parcel weighs 3 lb 7 oz. The courier's weight limit is 1.5 kg. By how many grams is "
                "the parcel over the limit? Round to the nearest gram.",
      .tools = {"convert_units", "calculator"},
      .max_turns = 5,
      .setup = no_setup,
      .check = answer_has(59.2238, 0.5),
      .reference = {calls({call("convert_units", {{"value", 3}, {"from", "lb"}, {"to", "g"}}),
                           call("convert_units", {{"value", 7}, {"from", "oz"}, {"to", "g"}})}),
                    calls({call("calculator", {{"expression", "1360.77711 + 198.446661875 - 1500"}})}),
                    answer("The parcel is 59 grams over the limit.")},
      .wrong = {calls({call("convert_units", {{"value", 3.7}, {"from", "lb"}, {"to", "g"}})}),
                calls({call("calculator", {{"expression", "1678.291769 - 1500"}})}),
                answer("The parcel is 178 grams over the limit.")},
  });
}

void add_dates(std::vector<Task>& out) {
  const std::string today(kToday);
  out.push_back(Task{
      .id = "date_project_end",
      .prompt = "A project starts today and takes 45 days. On what date does it end (today plus 45 "
                "days)? Give the date as YYYY-MM-DD.",
      .tools = {"date_today", "date_add", "date_diff"},
      .max_turns = 5,
      .setup = no_setup,
      .check = [](const Workspace&, const std::string& a) { return has_date(a, 2025, 4, 28); },
      .reference = {calls({call("date_today", json::object())}),
                    calls({call("date_add", {{"date", today}, {"days", 45}})}),
                    answer("The project ends on 2025-04-28.")},
      .wrong = {calls({call("date_today", json::object())}),
                calls({call("date_add", {{"date", today}, {"days", 44}})}),
                answer("The project ends on 2025-04-27.")},
  });
  out.push_back(Task{
      .id = "date_weekday_y2k",
      .prompt = "On which day of the week did 1 January 2000 fall?",
      .tools = {"weekday", "date_today"},
      .max_turns = 4,
      .setup = no_setup,
      .check = [](const Workspace&, const std::string& a) { return picks(a, "saturday", weekdays_but("saturday")); },
      .reference = {calls({call("weekday", {{"date", "2000-01-01"}})}),
                    answer("1 January 2000 was a Saturday.")},
      .wrong = {answer("1 January 2000 was a Friday.")},
  });
  out.push_back(Task{
      .id = "date_days_until",
      .prompt = "How many days are left from today until Christmas Day, 2025-12-25?",
      .tools = {"date_today", "date_diff", "calculator"},
      .max_turns = 5,
      .setup = no_setup,
      .check = answer_has(286, 0),
      .reference = {calls({call("date_today", json::object())}),
                    calls({call("date_diff", {{"start", today}, {"end", "2025-12-25"}})}),
                    answer("There are 286 days left until 2025-12-25.")},
      .wrong = {calls({call("date_today", json::object())}),
                answer("There are 285 days left until Christmas.")},
  });
  out.push_back(Task{
      .id = "date_invoice_due",
      .prompt = "An invoice dated 2025-01-20 must be paid within 60 days. What is the due date, and "
                "what day of the week is it?",
      .tools = {"date_add", "weekday", "date_diff"},
      .max_turns = 5,
      .setup = no_setup,
      .check =
          [](const Workspace&, const std::string& a) {
            return has_date(a, 2025, 3, 21) && picks(a, "friday", weekdays_but("friday"));
          },
      .reference = {calls({call("date_add", {{"date", "2025-01-20"}, {"days", 60}})}),
                    answer("The invoice is due on 2025-03-21, a Friday.")},
      .wrong = {calls({call("date_add", {{"date", "2025-01-20"}, {"days", 59}})}),
                answer("The invoice is due on 2025-03-20, a Thursday.")},
  });
}

}  // namespace

void add_compute_tasks(std::vector<Task>& out) {
  add_calc(out);
  add_units(out);
  add_dates(out);
}

}  // namespace edgelm::eval::agent::detail
