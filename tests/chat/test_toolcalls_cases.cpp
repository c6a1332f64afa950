// The hand-written edge cases (../shared/chat/toolcalls/handwritten_edge_cases.jsonl): calls,
// content, reasoning and diagnostics must match their labels, whole and streamed.
#include <iostream>
#include <set>

#include "chat/json_value.h"
#include "test_toolcalls_support.h"

namespace toolcalls_test {
namespace {

// Cases whose label this parser deliberately does not follow, with the reason. Keep empty
// unless there is a good argument; the report lists these.
const std::set<std::string> kDisagreements = {};

std::vector<std::string> sorted(std::vector<std::string> items) {
  std::sort(items.begin(), items.end());
  return items;
}

std::string mismatch(const Json& c, const tc::ParseResult& r) {
  std::string why;
  if (!strict_equal(calls_json(r.tool_calls), c.at("expected_tool_calls"), true)) why += " calls";
  if (r.content != c.at("expected_content").get<std::string>()) why += " content";
  const Json& reasoning = c.at("expected_reasoning");
  if (r.reasoning != (reasoning.is_null() ? std::nullopt : std::optional<std::string>(reasoning.get<std::string>())))
    why += " reasoning";
  if (sorted(r.diagnostics) != sorted(c.at("expected_diagnostics").get<std::vector<std::string>>())) why += " diagnostics";
  return why;
}

TEST(ToolCallEdgeCases, MatchTheirLabels) {
  const std::vector<Json> cases = load_jsonl("chat/toolcalls/handwritten_edge_cases.jsonl");
  ASSERT_FALSE(cases.empty());
  size_t matched = 0;
  for (const Json& c : cases) {
    const std::string id = c.at("id").get<std::string>();
    const std::string text = c.at("model_text").get<std::string>();
    tc::ParseOptions options;
    options.family = record_family(c);
    native(options.tools) = c.at("tools");
    options.prompt_ends_inside_reasoning = c.at("prompt_ends_inside_reasoning").get<bool>();

    const tc::ParseResult whole = tc::parse(text, options);
    for (size_t size : {1, 2, 5})
      EXPECT_TRUE(same_result(whole, parse_in_chunks_of(text, options, size))) << id << " differs when streamed by " << size;

    const std::string why = mismatch(c, whole);
    if (why.empty()) ++matched;
    if (kDisagreements.count(id)) continue;
    EXPECT_EQ(why, "") << id << " (" << c.at("rationale").get<std::string>() << ")\n got: " << describe(whole);
  }
  std::cout << "[ labels   ] " << matched << "/" << cases.size() << " hand-written cases match their labels ("
            << kDisagreements.size() << " deliberate disagreements)\n";
}

}  // namespace
}  // namespace toolcalls_test
