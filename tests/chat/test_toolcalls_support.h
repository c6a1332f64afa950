// Helpers shared by the tool-call parser tests: reading the reference records, comparing
// JSON values strictly, and running the streaming parser over a chunking.
#pragma once
#include <algorithm>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "chat/json_value.h"
#include "support.h"
#include "edgelm/toolcalls.h"

namespace toolcalls_test {

using Json = nlohmann::ordered_json;
namespace tc = edgelm::toolcalls;

using edgelm::test::shared_path;

// One JSON object per line. Fails the test (and returns nothing) when the file is absent.
inline std::vector<Json> load_jsonl(const std::string& relative) {
  std::vector<Json> records;
  std::ifstream in(shared_path(relative));
  if (!in) {
    ADD_FAILURE() << "reference data missing: " << shared_path(relative) << " (set EDGELM_SHARED_DIR)";
    return records;
  }
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) records.push_back(Json::parse(line));
  return records;
}

// Record family names (gemma4, gemma4_e2b, qwen3_5, qwen3_hermes) map onto parser families.
inline tc::Family record_family(const Json& record) { return tc::family_from_name(record.at("family").get<std::string>()); }

// Equality that keeps integers and floats apart. `ordered` also requires object keys in the
// same order (the parsers keep the order the model wrote them in).
inline bool strict_equal(const Json& a, const Json& b, bool ordered) {
  if (a.is_number_integer() && b.is_number_integer()) return a.dump() == b.dump();
  if (a.is_number_float() && b.is_number_float()) return a.get<double>() == b.get<double>();
  if (a.type() != b.type()) return false;
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!strict_equal(a[i], b[i], ordered)) return false;
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    auto bi = b.begin();
    for (auto ai = a.begin(); ai != a.end(); ++ai, ++bi) {
      auto match = ordered ? bi : b.find(ai.key());
      if (match == b.end() || match.key() != ai.key() || !strict_equal(ai.value(), match.value(), ordered)) return false;
    }
    return true;
  }
  return a == b;
}

inline Json calls_json(const std::vector<tc::ToolCall>& calls) {
  Json out = Json::array();
  for (const tc::ToolCall& call : calls) out.push_back({{"name", call.name}, {"arguments", native(call.arguments)}});
  return out;
}

inline std::string describe(const tc::ParseResult& r) { return r.to_json(true).dump(); }

// Results are identical: same text, same calls (key order included), same diagnostics.
inline bool same_result(const tc::ParseResult& a, const tc::ParseResult& b) {
  return a.content == b.content && a.reasoning == b.reasoning && a.diagnostics == b.diagnostics &&
         strict_equal(calls_json(a.tool_calls), calls_json(b.tool_calls), true);
}

inline bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

// Feeds `text` in chunks whose sizes come from `next_size` and checks that the deltas add
// up to the final result. Returns the final result.
inline tc::ParseResult parse_streaming(std::string_view text, const tc::ParseOptions& options,
                                       const std::function<size_t()>& next_size) {
  tc::StreamParser parser(options);
  std::vector<tc::Delta> deltas;
  for (size_t at = 0; at < text.size();) {
    size_t size = std::max<size_t>(1, next_size());
    for (tc::Delta& d : parser.feed(text.substr(at, size))) deltas.push_back(std::move(d));
    at += size;
  }
  for (tc::Delta& d : parser.finish()) deltas.push_back(std::move(d));

  const tc::ParseResult& result = parser.result();
  // Chunks may split characters; deltas of a valid UTF-8 text must not.
  if (valid_utf8(text)) {
    for (const tc::Delta& d : deltas) EXPECT_TRUE(valid_utf8(d.text)) << "delta splits a character: " << d.text;
  }
  std::string content, reasoning;
  bool any_reasoning = false;
  std::vector<tc::ToolCall> calls;
  for (const tc::Delta& d : deltas) {
    switch (d.kind) {
      case tc::Delta::Kind::Content: content += d.text; break;
      case tc::Delta::Kind::Reasoning:
        reasoning += d.text;
        any_reasoning = true;
        break;
      case tc::Delta::Kind::ToolCallStart:
        EXPECT_EQ(d.tool_index, calls.size());
        calls.push_back({d.text, edgelm::Json::object()});
        break;
      case tc::Delta::Kind::ToolCallArguments:
        EXPECT_EQ(d.tool_index + 1, calls.size());
        if (!calls.empty()) native(calls.back().arguments) = Json::parse(d.text, nullptr, false);
        break;
    }
  }
  EXPECT_EQ(content, result.content);
  EXPECT_EQ(any_reasoning ? std::optional<std::string>(reasoning) : std::nullopt, result.reasoning);
  EXPECT_EQ(calls.size(), result.tool_calls.size());
  // Arguments travel as JSON text, which does not survive invalid UTF-8 byte for byte.
  return result;
}

inline tc::ParseResult parse_in_chunks_of(std::string_view text, const tc::ParseOptions& options, size_t size) {
  return parse_streaming(text, options, [size] { return size; });
}

// A small deterministic generator (the standard distributions differ between libraries).
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed * 2654435761u + 1) {}
  uint64_t next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }
  size_t below(size_t n) { return n == 0 ? 0 : static_cast<size_t>(next() % n); }

 private:
  uint64_t state_;
};

}  // namespace toolcalls_test
