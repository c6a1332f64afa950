// Deterministic mutation fuzzing of the real chat templates: byte- and
// token-level edits of every template in ../shared/chat/templates, rendered
// with a real conversation under tight limits. Each case must either render
// or raise a TemplateError: never crash, hang or throw anything else.
// (fuzz/fuzz_jinja.cpp is the open-ended libFuzzer counterpart.)
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>

#include "chat/json_value.h"
#include "edgelm/chat.h"

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Fragments that steer mutations toward interesting syntax.
const char* const kTokens[] = {
    "{{", "}}", "{%", "%}", "{#", "#}", "{%-", "-%}", "{{-", "-}}", "{% if x %}", "{% endif %}", "{% else %}",
    "{% for m in messages %}", "{% endfor %}", "{% macro m(a, b=1) %}", "{% endmacro %}", "{{ m(1) }}",
    "{% set ns = namespace(a=[]) %}", "{% set ns.a = ns.a + ns.a %}", "{% raw %}", "{% endraw %}", "loop.index",
    "loop.previtem", "|tojson(indent=2)", "|dictsort", "|items", "|map('upper')|list", "|selectattr('role')",
    "range(99999)", " * 1000", " ~ ", "[::-1]", ".split('x')", "['role']", ".get('content')", " is mapping",
    " is not defined", " if true else ", "raise_exception('x')", "strftime_now('%Y')", "caller()", "(", ")",
    "[", "]", "'", "\"", "\\", "|", ".", ",", ":", "=", "-", "+", "*", "**", "not ", " and ", " or ", " in ", "\n",
    " ", "\xc3\xa9", "\xff",
};

std::string mutate(std::string s, std::mt19937& rng) {
  auto pick = [&](size_t n) { return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  const int edits = 1 + static_cast<int>(pick(2));
  for (int e = 0; e < edits; e++) {
    const size_t at = pick(s.size() + 1);
    switch (pick(6)) {
      case 0:  // flip a byte
        if (!s.empty()) s[pick(s.size())] ^= static_cast<char>(1 << pick(8));
        break;
      case 1:  // insert a syntax fragment
        s.insert(at, kTokens[pick(std::size(kTokens))]);
        break;
      case 2:  // delete a range
        s.erase(at, pick(64));
        break;
      case 3: {  // duplicate a slice somewhere else (nesting, repeated tags)
        const size_t from = pick(s.size() + 1);
        const std::string slice = s.substr(from, pick(256));
        s.insert(pick(s.size() + 1), slice);
        break;
      }
      case 4:  // overwrite with a random printable byte
        if (!s.empty()) s[pick(s.size())] = static_cast<char>(32 + pick(95));
        break;
      default:  // truncate
        s.resize(at);
        break;
    }
  }
  return s;
}

TEST(JinjaFuzz, MutatedRealTemplatesNeverCrash) {
  const fs::path dir = fs::path(EDGELM_SHARED_DIR) / "chat";
  ASSERT_TRUE(fs::exists(dir / "templates")) << "chat templates not found under " << dir;
  std::vector<std::string> sources;
  for (const auto& e : fs::directory_iterator(dir / "templates"))
    if (e.path().extension() == ".jinja") sources.push_back(read_file(e.path()));
  std::sort(sources.begin(), sources.end());
  ASSERT_EQ(sources.size(), 12u);

  // A conversation with tools, tool calls and tool results exercises most template paths.
  std::ifstream records(dir / "rendered" / "google-gemma-4-31B-it.public.jsonl");
  Json record;
  for (std::string line; std::getline(records, line);) {
    record = Json::parse(line);
    if (record["id"] == "tool_args_nested#gen_think") break;
  }
  edgelm::chat::ChatInputs in;
  native(in.messages) = record["messages"];
  native(in.tools) = record["tools"];
  native(in.kwargs) = record["kwargs"];
  native(in.special_tokens) = {{"bos_token", "<bos>"}, {"eos_token", "<eos>"}};
  in.clock = [] { return std::tm{}; };

  edgelm::chat::TemplateLimits limits;
  limits.max_steps = 30000;
  limits.max_work_bytes = 4u << 20;
  limits.max_output_bytes = 1u << 20;
  limits.max_string_bytes = 1u << 20;

  std::mt19937 rng(20260115);
  const int kCases = 3000;
  int rendered = 0;
  std::map<std::string, int> errors;
  for (int i = 0; i < kCases; i++) {
    const std::string source = mutate(sources[i % sources.size()], rng);
    try {
      edgelm::chat::ChatTemplate tmpl(source, limits);
      tmpl.render(in);
      rendered++;
    } catch (const edgelm::chat::TemplateError& e) {
      errors[e.type()]++;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "case " << i << ": unexpected exception: " << e.what();
    }
  }
  std::cout << "[ fuzz ] " << kCases << " mutated templates: " << rendered << " rendered";
  for (const auto& [type, n] : errors) std::cout << ", " << n << " " << type;
  std::cout << "\n";
  EXPECT_GT(rendered, 0);
}

}  // namespace
