// Every reference render in ../shared/chat/rendered/*.public.jsonl must come
// out byte-identical (or fail with the same error class and message) when
// rendered through the chat API with the special tokens of the matching
// .meta.json and the frozen clock.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "chat/json_value.h"
#include "edgelm/chat.h"

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

const fs::path kRendered = fs::path(EDGELM_SHARED_DIR) / "chat" / "rendered";

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + p.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> template_names() {
  std::vector<std::string> names;
  if (!fs::exists(kRendered)) return names;
  for (const auto& e : fs::directory_iterator(kRendered)) {
    const std::string f = e.path().filename().string();
    const std::string suffix = ".meta.json";
    if (f.size() > suffix.size() && f.compare(f.size() - suffix.size(), suffix.size(), suffix) == 0)
      names.push_back(f.substr(0, f.size() - suffix.size()));
  }
  std::sort(names.begin(), names.end());
  return names;
}

// "2026-01-15T09:30:00" -> broken-down local time.
std::tm parse_clock(const std::string& iso) {
  std::tm t{};
  std::istringstream in(iso);
  in >> std::get_time(&t, "%Y-%m-%dT%H:%M:%S");
  t.tm_isdst = -1;
  std::tm copy = t;
  std::mktime(&copy);  // fills tm_wday / tm_yday
  t.tm_wday = copy.tm_wday;
  t.tm_yday = copy.tm_yday;
  return t;
}

class ReferenceRenders : public testing::TestWithParam<std::string> {};

TEST(ReferenceRenders, SharedDataPresent) {
  ASSERT_TRUE(fs::exists(kRendered)) << "reference renders not found at " << kRendered
                                     << " (EDGELM_SHARED_DIR must point at the shared data)";
  EXPECT_EQ(template_names().size(), 12u);
}

TEST_P(ReferenceRenders, MatchesPython) {
  const std::string name = GetParam();
  const Json meta = Json::parse(read_file(kRendered / (name + ".meta.json")));
  const std::string source = read_file(fs::path(EDGELM_SHARED_DIR) / "chat" / meta["template"].get<std::string>());
  const std::tm clock = parse_clock(meta["strftime_now_clock"].get<std::string>());
  const edgelm::chat::ChatTemplate tmpl(source);

  std::ifstream records(kRendered / (name + ".public.jsonl"));
  ASSERT_TRUE(records) << "missing " << name << ".public.jsonl";
  int total = 0, passed = 0;
  std::string line;
  while (std::getline(records, line)) {
    if (line.empty()) continue;
    const Json rec = Json::parse(line);
    total++;
    edgelm::chat::ChatInputs in;
    native(in.messages) = rec["messages"];
    native(in.tools) = rec.value("tools", Json());
    native(in.documents) = rec.value("documents", Json());
    native(in.kwargs) = rec["kwargs"];
    native(in.special_tokens) = meta["special_tokens"];
    in.clock = [clock] { return clock; };
    const std::string id = rec["id"].get<std::string>();
    try {
      const std::string out = tmpl.render(in);
      if (rec.contains("rendered") && out == rec["rendered"].get<std::string>()) {
        passed++;
      } else if (rec.contains("rendered")) {
        ADD_FAILURE() << name << " " << id << ": render differs\n--- expected\n"
                      << rec["rendered"].get<std::string>() << "\n--- got\n" << out;
      } else {
        ADD_FAILURE() << name << " " << id << ": expected " << rec["error_type"] << ": " << rec["error"] << ", got a render";
      }
    } catch (const edgelm::chat::TemplateError& e) {
      if (rec.contains("error") && e.type() == rec["error_type"].get<std::string>() &&
          e.message() == rec["error"].get<std::string>()) {
        passed++;
      } else {
        ADD_FAILURE() << name << " " << id << ": unexpected " << e.type() << ": " << e.message()
                      << (rec.contains("error") ? " (expected " + rec["error_type"].get<std::string>() + ": " +
                                                      rec["error"].get<std::string>() + ")"
                                                : std::string());
      }
    }
  }
  std::cout << "[ reference ] " << name << ": " << passed << "/" << total << " records match\n";
  RecordProperty("passed", passed);
  RecordProperty("total", total);
  EXPECT_EQ(passed, total);
  EXPECT_GT(total, 0);
}

INSTANTIATE_TEST_SUITE_P(Templates, ReferenceRenders, testing::ValuesIn(template_names()),
                         [](const testing::TestParamInfo<std::string>& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

}  // namespace
