// Tasks on the task folder's files: reading one and answering, searching
// several, and editing (replacing a value, appending, writing summaries).
#include <map>
#include <set>
#include <string>
#include <vector>

#include "eval/agent/task_kit.h"

using nlohmann::json;

namespace edgelm::eval::agent::detail {
namespace {

using Check = std::function<bool(const Workspace&, const std::string&)>;

// A setup that writes the given files.
std::function<void(Workspace&)> files(std::vector<std::pair<std::string, std::string>> contents) {
  return [contents = std::move(contents)](Workspace& ws) {
    for (const auto& [path, text] : contents) ws.write_file(path, text);
  };
}

Check answer_has(double value, double tolerance) {
  return [value, tolerance](const Workspace&, const std::string& text) { return has_number(text, value, tolerance); };
}

Check answer_picks(std::string expected, std::vector<std::string> others) {
  return [expected = std::move(expected), others = std::move(others)](const Workspace&, const std::string& text) {
    return picks(text, expected, others);
  };
}

std::vector<std::string> lowered(std::vector<std::string> lines) {
  for (std::string& line : lines) line = lower(line);
  return lines;
}

// --- reading ------------------------------------------------------------------------

const char* const kAppIni =
    "[server]\nhost = 0.0.0.0\nport = 8080\n\n[database]\nhost = db.internal\nport = 5433\nname = orders\n";
const char* const kAppIniBackup =
    "; old settings, kept for reference\n[server]\nport = 8000\n\n[database]\nhost = db.internal\nport = 5432\n";

const char* const kSalesCsv =
    "date,region,product,units,unit_price\n"
    "2025-03-01,north,widget,12,4.50\n"
    "2025-03-01,south,widget,7,4.50\n"
    "2025-03-02,north,gadget,3,19.99\n"
    "2025-03-03,east,widget,20,4.50\n"
    "2025-03-04,north,widget,5,4.50\n"
    "2025-03-05,south,gadget,2,19.99\n";

const char* const kInventory =
    "[\n  {\"item\": \"bolts\", \"qty\": 140},\n  {\"item\": \"washers\", \"qty\": 35},\n"
    "  {\"item\": \"hinges\", \"qty\": 12},\n  {\"item\": \"brackets\", \"qty\": 18},\n"
    "  {\"item\": \"screws\", \"qty\": 300}\n]\n";

// Four ERROR lines; two INFO lines say "error" too, which a blind count picks up.
const char* const kAppLog =
    "2025-03-14 08:00:01 INFO  service started\n"
    "2025-03-14 08:00:05 INFO  connected to database\n"
    "2025-03-14 08:02:11 ERROR payment gateway timeout\n"
    "2025-03-14 08:02:12 WARN  retrying payment\n"
    "2025-03-14 08:03:40 INFO  retry succeeded after error\n"
    "2025-03-14 08:15:00 ERROR disk quota exceeded\n"
    "2025-03-14 08:15:02 WARN  cleanup scheduled\n"
    "2025-03-14 09:01:13 ERROR invalid token for user 1042\n"
    "2025-03-14 09:30:00 INFO  error rate back to normal\n"
    "2025-03-14 10:12:45 ERROR payment gateway timeout\n"
    "2025-03-14 10:12:46 WARN  retrying payment\n"
    "2025-03-14 11:00:00 INFO  daily report sent\n";

void add_reading(std::vector<Task>& out) {
  out.push_back(Task{
      .id = "file_config_port",
      .prompt = "According to config/app.ini, which port does the database use?",
      .tools = {"list_files", "read_file"},
      .max_turns = 4,
      .setup = files({{"config/app.ini", kAppIni}, {"config/app.ini.bak", kAppIniBackup}}),
      .check = answer_has(5433, 0),
      .reference = {calls({call("read_file", {{"path", "config/app.ini"}})}),
                    answer("The database uses port 5433.")},
      .wrong = {calls({call("list_files", json::object())}),
                calls({call("read_file", {{"path", "config/app.ini.bak"}})}),
                answer("The database uses port 5432.")},
  });
  out.push_back(Task{
      .id = "file_region_revenue",
      .prompt = "sales.csv lists sales with their units and unit_price. What is the total revenue "
                "(units times unit_price) of the north region?",
      .tools = {"read_file", "calculator", "list_files"},
      .max_turns = 5,
      .setup = files({{"sales.csv", kSalesCsv}}),
      .check = answer_has(136.47, 0.006),
      .reference = {calls({call("read_file", {{"path", "sales.csv"}})}),
                    calls({call("calculator", {{"expression", "12*4.50 + 3*19.99 + 5*4.50"}})}),
                    answer("The north region's revenue is 136.47.")},
      .wrong = {calls({call("read_file", {{"path", "sales.csv"}})}),
                calls({call("calculator",
                            {{"expression", "12*4.50 + 7*4.50 + 3*19.99 + 20*4.50 + 5*4.50 + 2*19.99"}})}),
                answer("The north region's revenue is 297.95.")},
  });
  out.push_back(Task{
      .id = "file_lowest_stock",
      .prompt = "inventory.json lists items with the quantity in stock. Which item has the lowest quantity?",
      .tools = {"read_file", "list_files"},
      .max_turns = 4,
      .setup = files({{"inventory.json", kInventory}}),
      .check = answer_picks("hinges", {"bolts", "washers", "brackets", "screws"}),
      .reference = {calls({call("read_file", {{"path", "inventory.json"}})}),
                    answer("Hinges have the lowest quantity: 12 in stock.")},
      .wrong = {calls({call("read_file", {{"path", "inventory.json"}})}),
                answer("Brackets have the lowest quantity: 18 in stock.")},
  });
  out.push_back(Task{
      .id = "file_count_errors",
      .prompt = "How many lines in logs/app.log have the log level ERROR?",
      .tools = {"read_file", "search_files"},
      .max_turns = 4,
      .setup = files({{"logs/app.log", kAppLog}}),
      .check = answer_has(4, 0),
      .reference = {calls({call("search_files", {{"query", "ERROR"}, {"path", "logs"}})}),
                    answer("4 lines have the level ERROR (two more INFO lines merely mention an error).")},
      .wrong = {calls({call("search_files", {{"query", "ERROR"}, {"path", "logs"}})}),
                answer("6 lines have the level ERROR.")},
  });
}

// --- searching ------------------------------------------------------------------------

void add_searching(std::vector<Task>& out) {
  out.push_back(Task{
      .id = "search_codename_doc",
      .prompt = "Which file in the docs folder mentions the project codename \"Bluefin\"? Answer with the file name.",
      .tools = {"search_files", "read_file", "list_files"},
      .max_turns = 5,
      .setup = files({
          {"docs/q1-review.md", "# Q1 review\n\nShipped the importer. The blue team handled on-call.\n"},
          {"docs/q2-review.md", "# Q2 review\n\nLatency down 20%. Started planning the sync rewrite.\n"},
          {"docs/q3-roadmap.md", "# Q3 roadmap\n\n1. Codename Bluefin: the new sync engine.\n2. Faster search.\n"},
          {"docs/team.md", "# Team\n\nOwners: Priya (sync), Leo (search), Dana (infra).\n"},
          {"docs/glossary.md", "# Glossary\n\nBluebird: the old mobile app.\nShard: a slice of the index.\n"},
      }),
      .check = answer_picks("q3-roadmap", {"q1-review", "q2-review", "team.md", "glossary"}),
      .reference = {calls({call("search_files", {{"query", "Bluefin"}})}),
                    answer("The codename Bluefin appears in docs/q3-roadmap.md.")},
      .wrong = {calls({call("search_files", {{"query", "Blue"}})}),
                answer("The codename Bluefin appears in docs/glossary.md.")},
  });
  out.push_back(Task{
      .id = "search_todo_total",
      .prompt = "How many TODO comments (lines containing \"# TODO\") are there in total in the files of "
                "the src folder?",
      .tools = {"search_files", "read_file", "list_files"},
      .max_turns = 5,
      .setup = files({
          {"src/app.py", "import db\n\n# TODO: read the port from the config\nPORT = 8080\n\n"
                         "def main():\n    # TODO: handle SIGTERM\n    db.connect()\n"},
          {"src/db.py", "# TODO: pool connections\ndef connect():\n    pass  # TODO: retry\n\n"
                        "def close():\n    pass  # TODO: flush first\n"},
          {"src/ui.py", "todo_items = []\n\ndef render():\n    # TODO: dark mode\n    return todo_items\n"},
          {"README.md", "# Tools\n\nTODO comments are reviewed every Friday. # TODO markers count too.\n"},
      }),
      .check = answer_has(6, 0),
      .reference = {calls({call("search_files", {{"query", "# TODO"}, {"path", "src"}})}),
                    answer("There are 6 TODO comments in src.")},
      .wrong = {calls({call("search_files", {{"query", "# TODO"}, {"path", "src/app.py"}})}),
                answer("There are 2 TODO comments in src.")},
  });
  out.push_back(Task{
      .id = "search_contact_phone",
      .prompt = "What is Dana Whitfield's phone number? The contact lists are in the contacts folder.",
      .tools = {"search_files", "read_file", "list_files"},
      .max_turns = 5,
      .setup = files({
          {"contacts/team-a.txt", "Name: Priya Raman | Phone: 555-0119 | Role: designer\n"
                                  "Name: Dana Morales | Phone: 555-0177 | Role: engineer\n"},
          {"contacts/team-b.txt", "Name: Leo Park | Phone: 555-0160 | Role: manager\n"
                                  "Name: Dana Whitfield | Phone: 555-0142 | Role: analyst\n"},
          {"contacts/vendors.txt", "Name: Whitfield Supplies | Phone: 555-0101 | Role: paper vendor\n"},
      }),
      .check = answer_picks("555-0142", {"555-0119", "555-0177", "555-0160", "555-0101"}),
      .reference = {calls({call("search_files", {{"query", "Dana Whitfield"}, {"path", "contacts"}})}),
                    answer("Dana Whitfield's phone number is 555-0142.")},
      .wrong = {calls({call("search_files", {{"query", "Dana"}, {"path", "contacts"}})}),
                answer("Dana Whitfield's phone number is 555-0177.")},
  });
  out.push_back(Task{
      .id = "search_function_definition",
      .prompt = "Which file defines the function parse_header (the line that starts with \"def "
                "parse_header\")? Give its path.",
      .tools = {"search_files", "read_file", "list_files"},
      .max_turns = 5,
      .setup = files({
          {"src/main.py", "from util.parsing import parse_header\n\n\ndef main(path):\n"
                          "    with open(path, 'rb') as f:\n        header = parse_header(f.read(64))\n"
                          "    print(header)\n"},
          {"src/util/parsing.py", "def parse_header(data):\n    \"\"\"Split the 64-byte header into fields.\"\"\"\n"
                                  "    return data[:4], data[4:]\n"},
          {"tests/test_parsing.py", "from util.parsing import parse_header\n\n\ndef test_parse_header():\n"
                                    "    assert parse_header(b'abcd') == (b'abcd', b'')\n"},
      }),
      .check = answer_picks("util/parsing.py", {"main.py", "test_parsing.py"}),
      .reference = {calls({call("search_files", {{"query", "def parse_header"}})}),
                    answer("parse_header is defined in src/util/parsing.py.")},
      .wrong = {calls({call("search_files", {{"query", "parse_header"}})}),
                answer("parse_header is defined in src/main.py.")},
  });
}

// --- editing -----------------------------------------------------------------------------

const char* const kSettings =
    "{\n  \"name\": \"uploader\",\n  \"timeout\": 30,\n  \"retries\": 3,\n"
    "  \"endpoints\": [\"https://a.example.com\", \"https://b.example.com\"]\n}\n";

const char* const kExpenses =
    "2025-03-01 groceries 54.20\n2025-03-02 transport 12.50\n2025-03-03 groceries 31.75\n"
    "2025-03-05 dining 48.00\n2025-03-06 transport 12.50\n2025-03-08 groceries 22.05\n";

const char* const kMeeting =
    "# Weekly sync\n\nThe weekly sync is on Thursday at 10:00 in room 4B.\nSend agenda items by Thursday morning.\n";
const char* const kAgenda = "# Agenda for Thursday\n\n- Budget review\n- Hiring plan\n";

bool settings_ok(const Workspace& ws, const std::string&) {
  json got = json::parse(ws.read_file("settings.json"), nullptr, false);
  json want = json::parse(kSettings);
  want["timeout"] = 45;
  return got.is_object() && got["timeout"].is_number() && got == want;
}

// summary.csv: the header, then exactly the three categories with their totals.
bool expense_summary_ok(const Workspace& ws, const std::string&) {
  std::vector<std::string> lines = lines_of(ws.read_file("summary.csv"));
  if (lines.empty()) return false;
  std::string header;
  for (char c : lower(lines[0]))
    if (c != ' ') header += c;
  if (header != "category,total") return false;
  const std::map<std::string, double> want = {{"groceries", 108.0}, {"transport", 25.0}, {"dining", 48.0}};
  std::map<std::string, double> got;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    std::size_t comma = lines[i].find(',');
    if (comma == std::string::npos) return false;
    std::optional<double> total = number_value(trim(lines[i].substr(comma + 1)));
    if (!total) return false;
    got[lower(trim(lines[i].substr(0, comma)))] = *total;
  }
  if (got.size() != want.size() || lines.size() != want.size() + 1) return false;
  for (const auto& [category, total] : want)
    if (!got.count(category) || std::abs(got[category] - total) > 0.006) return false;
  return true;
}

bool grades_report_ok(const Workspace& ws, const std::string&) {
  json report = json::parse(ws.read_file("report.json"), nullptr, false);
  if (!report.is_object() || !report.contains("count") || !report.contains("average") ||
      !report.contains("top_student") || !report["top_student"].is_string())
    return false;
  return near(report["count"], 5) && near(report["average"], 83.0, 0.01) &&
         lower(trim(report["top_student"].get<std::string>())) == "dev";
}

bool version_bump_ok(const Workspace& ws, const std::string&) {
  std::string changelog = lower(ws.read_file("CHANGELOG.md"));
  return trim(ws.read_file("VERSION")) == "1.4.10" && changelog.find("1.4.10") != std::string::npos &&
         changelog.find("add export command") != std::string::npos &&
         changelog.find("## 1.4.9") != std::string::npos && changelog.find("fix upload retry") != std::string::npos;
}

void add_editing(std::vector<Task>& out) {
  out.push_back(Task{
      .id = "edit_settings_timeout",
      .prompt = "In settings.json, change the timeout to 45. Leave everything else as it is.",
      .tools = {"read_file", "write_file", "replace_in_file"},
      .max_turns = 5,
      .setup = files({{"settings.json", kSettings}}),
      .check = settings_ok,
      .reference = {calls({call("read_file", {{"path", "settings.json"}})}),
                    calls({call("replace_in_file", {{"path", "settings.json"},
                                                    {"old_text", "\"timeout\": 30"},
                                                    {"new_text", "\"timeout\": 45"}})}),
                    answer("Done: the timeout in settings.json is now 45.")},
      .wrong = {calls({call("write_file", {{"path", "settings.json"}, {"content", "{\"timeout\": 45}\n"}})}),
                answer("Done: the timeout in settings.json is now 45.")},
  });
  out.push_back(Task{
      .id = "edit_todo_append",
      .prompt = "Add \"Buy stamps\" as a new item at the end of todo.txt, keeping the existing items.",
      .tools = {"read_file", "append_file", "write_file"},
      .max_turns = 4,
      .setup = files({{"todo.txt", "Call the bank\nBook dentist\nRenew passport\n"}}),
      .check =
          [](const Workspace& ws, const std::string&) {
            return lowered(lines_of(ws.read_file("todo.txt"))) ==
                   std::vector<std::string>{"call the bank", "book dentist", "renew passport", "buy stamps"};
          },
      .reference = {calls({call("append_file", {{"path", "todo.txt"}, {"content", "Buy stamps\n"}})}),
                    answer("Added \"Buy stamps\" to todo.txt.")},
      .wrong = {calls({call("write_file", {{"path", "todo.txt"}, {"content", "Buy stamps\n"}})}),
                answer("Added \"Buy stamps\" to todo.txt.")},
  });
  out.push_back(Task{
      .id = "edit_expense_summary",
      .prompt = "expenses.txt lists expenses, one per line, as: date category amount. Create summary.csv "
                "with the header line category,total and then one row per category with the total "
                "amount spent in it (for example: rent,950.00).",
      .tools = {"read_file", "write_file", "calculator"},
      .max_turns = 6,
      .setup = files({{"expenses.txt", kExpenses}}),
      .check = expense_summary_ok,
      .reference = {calls({call("read_file", {{"path", "expenses.txt"}})}),
                    calls({call("calculator", {{"expression", "54.20 + 31.75 + 22.05"}}),
                           call("calculator", {{"expression", "12.50 + 12.50"}})}),
                    calls({call("write_file", {{"path", "summary.csv"},
                                               {"content", "category,total\ngroceries,108.00\n"
                                                           "transport,25.00\ndining,48.00\n"}})}),
                    answer("summary.csv is written: groceries 108.00, transport 25.00, dining 48.00.")},
      .wrong = {calls({call("read_file", {{"path", "expenses.txt"}})}),
                calls({call("write_file", {{"path", "summary.csv"},
                                           {"content", "category,total\ngroceries,85.95\n"
                                                       "transport,25.00\ndining,48.00\n"}})}),
                answer("summary.csv is written.")},
  });
  out.push_back(Task{
      .id = "edit_grades_report",
      .prompt = "Read grades.csv and write report.json: a JSON object with the keys count (the number of "
                "students), average (their mean score) and top_student (the name of the student with "
                "the highest score).",
      .tools = {"read_file", "write_file", "calculator"},
      .max_turns = 6,
      .setup = files({{"grades.csv", "name,score\nAna,91\nBen,78\nChloe,85\nDev,94\nEli,67\n"}}),
      .check = grades_report_ok,
      .reference = {calls({call("read_file", {{"path", "grades.csv"}})}),
                    calls({call("calculator", {{"expression", "(91+78+85+94+67)/5"}})}),
                    calls({call("write_file", {{"path", "report.json"},
                                               {"content", "{\"count\": 5, \"average\": 83, \"top_student\": \"Dev\"}\n"}})}),
                    answer("report.json is written: 5 students, average 83, top student Dev.")},
      .wrong = {calls({call("read_file", {{"path", "grades.csv"}})}),
                calls({call("calculator", {{"expression", "(91+78+85+94+67)/6"}})}),
                calls({call("write_file", {{"path", "report.json"},
                                           {"content", json{{"count", 6}, {"average", 69.17}, {"top_student", "Dev"}}}})}),
                answer("report.json is written.")},
  });
  out.push_back(Task{
      .id = "edit_meeting_day",
      .prompt = "The weekly sync moved: in notes/meeting.md, replace every \"Thursday\" with \"Friday\". "
                "Do not change any other file.",
      .tools = {"read_file", "replace_in_file", "write_file", "list_files"},
      .max_turns = 4,
      .setup = files({{"notes/meeting.md", kMeeting}, {"notes/agenda.md", kAgenda}}),
      .check =
          [](const Workspace& ws, const std::string&) {
            std::string want = kMeeting;
            for (std::size_t at; (at = want.find("Thursday")) != std::string::npos;) want.replace(at, 8, "Friday");
            return lines_of(ws.read_file("notes/meeting.md")) == lines_of(want) &&
                   ws.read_file("notes/agenda.md") == kAgenda;
          },
      .reference = {calls({call("replace_in_file", {{"path", "notes/meeting.md"},
                                                    {"old_text", "Thursday"},
                                                    {"new_text", "Friday"}})}),
                    answer("notes/meeting.md now says Friday in both places.")},
      .wrong = {calls({call("replace_in_file", {{"path", "notes/agenda.md"},
                                                {"old_text", "Thursday"},
                                                {"new_text", "Friday"}})}),
                answer("The meeting day is now Friday.")},
  });
  out.push_back(Task{
      .id = "edit_version_bump",
      .prompt = "Release a patch version: increase the last number of the version in the file VERSION by "
                "one (for example 2.0.3 becomes 2.0.4), and add a section for the new version to "
                "CHANGELOG.md containing the line \"- Add export command\". Keep the old changelog entries.",
      .tools = {"read_file", "write_file", "replace_in_file", "append_file"},
      .max_turns = 6,
      .setup = files({{"VERSION", "1.4.9\n"}, {"CHANGELOG.md", "# Changelog\n\n## 1.4.9\n- Fix upload retry\n"}}),
      .check = version_bump_ok,
      .reference = {calls({call("read_file", {{"path", "VERSION"}}), call("read_file", {{"path", "CHANGELOG.md"}})}),
                    calls({call("write_file", {{"path", "VERSION"}, {"content", "1.4.10\n"}}),
                           call("replace_in_file", {{"path", "CHANGELOG.md"},
                                                    {"old_text", "## 1.4.9"},
                                                    {"new_text", "## 1.4.10\n- Add export command\n\n## 1.4.9"}})}),
                    answer("Version bumped to 1.4.10 and the changelog updated.")},
      .wrong = {calls({call("read_file", {{"path", "VERSION"}})}),
                calls({call("write_file", {{"path", "VERSION"}, {"content", "1.5.0\n"}}),
                       call("append_file", {{"path", "CHANGELOG.md"}, {"content", "## 1.5.0\n- Add export command\n"}})}),
                answer("Version bumped to 1.5.0.")},
  });
}

}  // namespace

void add_file_tasks(std::vector<Task>& out) {
  add_reading(out);
  add_searching(out);
  add_editing(out);
}

}  // namespace edgelm::eval::agent::detail
