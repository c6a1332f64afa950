// Key-value store bookkeeping, and tasks that combine several kinds of tools
// (files, units, dates, the store) in one job.
#include <set>
#include <string>
#include <vector>

#include "eval/agent/task_kit.h"

using nlohmann::json;

namespace edgelm::eval::agent::detail {
namespace {

std::function<void(Workspace&)> store_with(json items) {
  return [items = std::move(items)](Workspace& ws) { ws.store() = items; };
}

const json& value_of(const Workspace& ws, const std::string& key) {
  static const json kMissing;
  return ws.store().contains(key) ? ws.store().at(key) : kMissing;
}

json sessions() {
  return {{"session:a1", {{"user", "ana"}, {"expires", "2025-03-10"}}},
          {"session:b2", {{"user", "ben"}, {"expires", "2025-03-20"}}},
          {"session:c3", {{"user", "chloe"}, {"expires", "2025-03-14"}}},
          {"session:d4", {{"user", "dev"}, {"expires", "2025-02-28"}}},
          {"config:ttl_days", 7}};
}

void add_kv(std::vector<Task>& out) {
  const std::string today(kToday);
  out.push_back(Task{
      .id = "kv_restock",
      .prompt = "The store keeps stock counts under keys like stock:apples. Today we sold 4 apples and "
                "received a delivery of 20 pears. Update the stock counts in the store.",
      .tools = {"kv_get", "kv_set", "kv_list", "kv_delete"},
      .max_turns = 6,
      .setup = store_with({{"stock:apples", 12}, {"stock:pears", 5}, {"stock:plums", 9}}),
      .check =
          [](const Workspace& ws, const std::string&) {
            return near(value_of(ws, "stock:apples"), 8) &&
                   near(value_of(ws, "stock:pears"), 25) && near(value_of(ws, "stock:plums"), 9);
          },
      .reference = {calls({call("kv_get", {{"key", "stock:apples"}}), call("kv_get", {{"key", "stock:pears"}})}),
                    calls({call("kv_set", {{"key", "stock:apples"}, {"value", 8}}),
                           call("kv_set", {{"key", "stock:pears"}, {"value", 25}})}),
                    answer("Updated: 8 apples and 25 pears in stock.")},
      .wrong = {calls({call("kv_set", {{"key", "stock:apples"}, {"value", 8}}),
                       call("kv_set", {{"key", "stock:pears"}, {"value", 20}})}),
                answer("Updated: 8 apples and 20 pears in stock.")},
  });
  const json rosa = {{"name", "Rosa"}, {"plan", "pro"}};
  const json sam = {{"name", "Sam"}, {"plan", "free"}};
  out.push_back(Task{
      .id = "kv_move_key",
      .prompt = "Move the record stored under the key user:temp to the key user:42 (same value), then "
                "remove user:temp from the store.",
      .tools = {"kv_get", "kv_set", "kv_delete", "kv_list"},
      .max_turns = 6,
      .setup = store_with({{"user:temp", rosa}, {"user:41", sam}}),
      .check =
          [rosa, sam](const Workspace& ws, const std::string&) {
            return value_of(ws, "user:42") == rosa && !ws.store().contains("user:temp") &&
                   value_of(ws, "user:41") == sam;
          },
      .reference = {calls({call("kv_get", {{"key", "user:temp"}})}),
                    calls({call("kv_set", {{"key", "user:42"}, {"value", rosa}})}),
                    calls({call("kv_delete", {{"key", "user:temp"}})}),
                    answer("The record now lives under user:42 and user:temp is gone.")},
      .wrong = {calls({call("kv_get", {{"key", "user:temp"}})}),
                calls({call("kv_set", {{"key", "user:42"}, {"value", rosa}})}),
                answer("The record now lives under user:42.")},
  });
  out.push_back(Task{
      .id = "kv_total_balance",
      .prompt = "What is the total of all account balances in the store (the keys starting with balance:)?",
      .tools = {"kv_list", "kv_get", "calculator"},
      .max_turns = 6,
      .setup = store_with({{"balance:alice", 120.5},
                           {"balance:bob", 75.25},
                           {"balance:carol", 310},
                           {"balance:dan", 44.75},
                           {"limit:alice", 500},
                           {"limit:bob", 300}}),
      .check = [](const Workspace&, const std::string& a) { return has_number(a, 550.5, 0.006); },
      .reference = {calls({call("kv_list", {{"prefix", "balance:"}})}),
                    calls({call("calculator", {{"expression", "120.5 + 75.25 + 310 + 44.75"}})}),
                    answer("The balances add up to 550.50.")},
      .wrong = {calls({call("kv_get", {{"key", "balance:alice"}}), call("kv_get", {{"key", "balance:bob"}}),
                       call("kv_get", {{"key", "balance:carol"}})}),
                calls({call("calculator", {{"expression", "120.5 + 75.25 + 310"}})}),
                answer("The balances add up to 505.75.")},
  });
  out.push_back(Task{
      .id = "kv_visit_counter",
      .prompt = "Record a new visit in the store: increase the number stored under visits by one, and set "
                "last_visit to today's date (YYYY-MM-DD).",
      .tools = {"kv_get", "kv_set", "date_today"},
      .max_turns = 6,
      .setup = store_with({{"visits", 41}, {"last_visit", "2025-03-01"}}),
      .check =
          [today](const Workspace& ws, const std::string&) {
            const json& last = value_of(ws, "last_visit");
            return near(value_of(ws, "visits"), 42) && last.is_string() && trim(last.get<std::string>()) == today;
          },
      .reference = {calls({call("kv_get", {{"key", "visits"}}), call("date_today", json::object())}),
                    calls({call("kv_set", {{"key", "visits"}, {"value", 42}}),
                           call("kv_set", {{"key", "last_visit"}, {"value", today}})}),
                    answer("Recorded: 42 visits, the last one today (" + today + ").")},
      .wrong = {calls({call("kv_get", {{"key", "visits"}})}),
                calls({call("kv_set", {{"key", "visits"}, {"value", 42}})}),
                answer("Recorded: 42 visits.")},
  });
  out.push_back(Task{
      .id = "kv_expire_sessions",
      .prompt = "Delete from the store every session (keys starting with session:) whose expiry date is "
                "before today. Keep the sessions that expire today or later, and everything else.",
      .tools = {"kv_list", "kv_get", "kv_delete", "date_today"},
      .max_turns = 6,
      .setup = store_with(sessions()),
      .check =
          [](const Workspace& ws, const std::string&) {
            // Expired ones gone, everything else (sessions expiring today included) kept as it was.
            const json before = sessions();
            for (const auto& [key, value] : before.items()) {
              bool expired = key == "session:a1" || key == "session:d4";
              if (expired ? ws.store().contains(key) : value_of(ws, key) != value) return false;
            }
            return true;
          },
      .reference = {calls({call("date_today", json::object()), call("kv_list", {{"prefix", "session:"}})}),
                    calls({call("kv_delete", {{"key", "session:a1"}}), call("kv_delete", {{"key", "session:d4"}})}),
                    answer("Deleted session:a1 and session:d4; the others are still valid.")},
      .wrong = {calls({call("date_today", json::object()), call("kv_list", {{"prefix", "session:"}})}),
                calls({call("kv_delete", {{"key", "session:a1"}}), call("kv_delete", {{"key", "session:c3"}}),
                       call("kv_delete", {{"key", "session:d4"}})}),
                answer("Deleted session:a1, session:c3 and session:d4.")},
  });
}

const char* const kInvoices =
    "id,issued,terms_days,amount\n"
    "INV-1,2025-01-10,30,120.00\n"
    "INV-2,2025-02-20,30,75.50\n"
    "INV-3,2025-02-01,45,210.00\n"
    "INV-4,2025-02-05,30,99.90\n";

void add_combos(std::vector<Task>& out) {
  const std::string today(kToday);
  out.push_back(Task{
      .id = "combo_trip_fuel_cost",
      .prompt = "Our car uses 6.5 litres of fuel per 100 km, and fuel costs 1.85 euros per litre. Using "
                "the distance in trip.txt, how much will the fuel for the trip cost, in euros, rounded "
                "to the cent?",
      .tools = {"read_file", "convert_units", "calculator"},
      .max_turns = 6,
      .setup = [](Workspace& ws) {
        ws.write_file("trip.txt", "Route: Lyon -> Geneva -> Lyon\nDistance: 240 miles (round trip)\nDriver: Sam\n");
      },
      .check = [](const Workspace&, const std::string& a) { return has_number(a, 46.4457, 0.006); },
      .reference = {calls({call("read_file", {{"path", "trip.txt"}})}),
                    calls({call("convert_units", {{"value", 240}, {"from", "miles"}, {"to", "km"}})}),
                    calls({call("calculator", {{"expression", "386.24256 * 6.5 / 100 * 1.85"}})}),
                    answer("The fuel for the trip costs about 46.45 euros.")},
      .wrong = {calls({call("read_file", {{"path", "trip.txt"}})}),
                calls({call("calculator", {{"expression", "240 * 6.5 / 100 * 1.85"}})}),
                answer("The fuel for the trip costs about 28.86 euros.")},
  });
  out.push_back(Task{
      .id = "combo_overdue_invoices",
      .prompt = "invoices.csv lists invoices with their issue date and payment terms in days. An invoice "
                "is overdue if its due date (the issue date plus terms_days) is before today. Write the "
                "ids of the overdue invoices to overdue.txt, one per line, and tell me the total amount "
                "overdue.",
      .tools = {"read_file", "write_file", "date_today", "date_add", "calculator"},
      .max_turns = 12,
      .setup = [](Workspace& ws) { ws.write_file("invoices.csv", kInvoices); },
      .check =
          [](const Workspace& ws, const std::string& a) {
            std::set<std::string> ids;
            for (const std::string& line : lines_of(ws.read_file("overdue.txt"))) ids.insert(lower(line));
            return ids == std::set<std::string>{"inv-1", "inv-4"} && has_number(a, 219.9, 0.006);
          },
      .reference = {calls({call("read_file", {{"path", "invoices.csv"}}), call("date_today", json::object())}),
                    calls({call("date_add", {{"date", "2025-01-10"}, {"days", 30}}),
                           call("date_add", {{"date", "2025-02-20"}, {"days", 30}}),
                           call("date_add", {{"date", "2025-02-01"}, {"days", 45}}),
                           call("date_add", {{"date", "2025-02-05"}, {"days", 30}})}),
                    calls({call("calculator", {{"expression", "120.00 + 99.90"}}),
                           call("write_file", {{"path", "overdue.txt"}, {"content", "INV-1\nINV-4\n"}})}),
                    answer("INV-1 and INV-4 are overdue; together they come to 219.90.")},
      .wrong = {calls({call("read_file", {{"path", "invoices.csv"}}), call("date_today", json::object())}),
                calls({call("calculator", {{"expression", "120.00 + 210.00 + 99.90"}}),
                       call("write_file", {{"path", "overdue.txt"}, {"content", "INV-1\nINV-3\nINV-4\n"}})}),
                answer("INV-1, INV-3 and INV-4 are overdue; together they come to 429.90.")},
  });
  out.push_back(Task{
      .id = "combo_shopping_budget",
      .prompt = "shopping.txt is a shopping list with quantities. The store has each item's price under "
                "the key price:<item>. Compute the total cost of the list, save it in the store under "
                "the key total:shopping, and tell me the amount.",
      .tools = {"read_file", "kv_get", "kv_list", "kv_set", "calculator"},
      .max_turns = 8,
      .setup =
          [](Workspace& ws) {
            ws.write_file("shopping.txt", "3 x coffee\n2 x milk\n1 x bread\n");
            ws.store() = {{"price:coffee", 7.49}, {"price:milk", 1.19}, {"price:bread", 2.85}, {"price:tea", 4.10}};
          },
      .check =
          [](const Workspace& ws, const std::string& a) {
            return near(value_of(ws, "total:shopping"), 27.70, 0.006) && has_number(a, 27.70, 0.006);
          },
      .reference = {calls({call("read_file", {{"path", "shopping.txt"}}), call("kv_list", {{"prefix", "price:"}})}),
                    calls({call("calculator", {{"expression", "3*7.49 + 2*1.19 + 1*2.85"}})}),
                    calls({call("kv_set", {{"key", "total:shopping"}, {"value", 27.70}})}),
                    answer("The shopping list costs 27.70; saved under total:shopping.")},
      .wrong = {calls({call("read_file", {{"path", "shopping.txt"}}), call("kv_list", {{"prefix", "price:"}})}),
                calls({call("calculator", {{"expression", "7.49 + 1.19 + 2.85"}})}),
                calls({call("kv_set", {{"key", "total:shopping"}, {"value", 11.53}})}),
                answer("The shopping list costs 11.53; saved under total:shopping.")},
  });
}

}  // namespace

void add_store_tasks(std::vector<Task>& out) {
  add_kv(out);
  add_combos(out);
}

}  // namespace edgelm::eval::agent::detail
