// Hostile input: mutated GBNF texts and random schemas must either compile or
// throw edgelm::Error, and compiled grammars must match tokens without
// crashing or hanging. Deterministic (seeded) and time-boxed.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "edgelm/error.h"
#include "grammar_test_util.h"
#include "sample/grammar/gbnf.h"
#include "sample/grammar/json_schema.h"
#include "sample/grammar/tool_calls.h"

namespace edgelm::testing {
namespace {

using namespace grammar;
using json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

// Iterations and seeds are fixed (deterministic); for longer manual runs
// EDGELM_FUZZ_SCALE multiplies the iterations and EDGELM_FUZZ_SEED changes
// the seeds. The deadline only guards against a hang.
int scale() {
  const char* s = std::getenv("EDGELM_FUZZ_SCALE");
  return s ? std::max(1, std::atoi(s)) : 1;
}

uint64_t seed(uint64_t fixed) {
  const char* s = std::getenv("EDGELM_FUZZ_SEED");
  return s ? fixed ^ std::strtoull(s, nullptr, 10) * 0x9E3779B97F4A7C15ull : fixed;
}

const char* const kSeedGrammars[] = {
    "root ::= \"{\" ws pair (\",\" ws pair)* \"}\"\npair ::= [a-z]+ \":\" ws ([0-9]{1,3} | \"true\")\nws ::= [ \\t\\n]*\n",
    "root ::= item+\nitem ::= \"(\" root? \")\" | [^()]\n",
    "root ::= (\"a\" | \"b\"?)* <[1]> x{2,5}\nx ::= . | \"\\u00e9\" # comment\n",
    "root ::= s\ns ::= \"\\\"\" ([^\"\\\\] | \"\\\\\" .)* \"\\\"\"\n",
};

// Runs a matcher for a few random steps; limits keep hostile grammars cheap.
void exercise(const Grammar& g, std::mt19937_64& rng, const std::string& source) {
  EngineLimits limits;
  limits.max_work = 200000;
  limits.max_stacks = 256;
  limits.max_table_bytes = 8u << 20;
  try {
    auto engine = std::make_shared<GrammarEngine>(std::make_shared<Grammar>(g), synthetic_vocabulary(), limits);
    GrammarMatcher m(engine);
    std::vector<uint32_t> mask;
    for (int step = 0; step < 12; ++step) {
      m.fill_mask(mask);
      std::vector<int32_t> allowed;
      for (int32_t id = 0; id < m.n_vocab(); ++id)
        if (mask_bit(mask, id)) allowed.push_back(id);
      if (allowed.empty()) break;
      const int32_t id = allowed[rng() % allowed.size()];
      ASSERT_TRUE(m.accept(id)) << "token " << id << " allowed by the mask but rejected, grammar:\n" << source;
      if (m.is_terminated()) break;
    }
  } catch (const Error&) {
    // A grammar too complex for the limits is reported, not fatal.
  }
}

std::string mutate(std::string text, std::mt19937_64& rng) {
  static const std::string specials = "()[]{}|*+?\"\\#:=<>^-.\n ,0123456789ax";
  const int edits = 1 + static_cast<int>(rng() % 2);
  for (int e = 0; e < edits; ++e) {
    const size_t pos = text.empty() ? 0 : rng() % text.size();
    switch (rng() % 5) {
      case 0: text.insert(pos, 1, specials[rng() % specials.size()]); break;
      case 1: if (!text.empty()) text.erase(pos, 1 + rng() % 3); break;
      case 2: text.insert(pos, 1, static_cast<char>(rng() % 256)); break;
      case 3: text.insert(pos, text.substr(pos, rng() % 12)); break;
      default: if (!text.empty()) text[pos] = specials[rng() % specials.size()]; break;
    }
  }
  return text;
}

json random_schema(std::mt19937_64& rng, int depth) {
  static const char* const types[] = {"object", "array", "string", "integer", "number", "boolean", "null", "strange"};
  static const char* const keys[] = {"type", "properties", "required", "items", "prefixItems", "minItems", "maxItems",
                                     "minLength", "maxLength", "pattern", "format", "minimum", "maximum",
                                     "exclusiveMinimum", "exclusiveMaximum", "enum", "const", "anyOf", "oneOf", "allOf",
                                     "$ref", "additionalProperties", "nullable", "not", "$defs", "uniqueItems"};
  static const char* const refs[] = {"#/$defs/a", "#", "#/properties/a", "#/$defs/b/items", "#/anyOf/0"};
  static const char* const patterns[] = {"^a+$", "[0-9]{2,3}", "(x|y)*z", "^(", "a{3,1}", "\\d\\w\\s.", "[^\"]", "\\1"};
  auto small = [&] { return static_cast<int>(rng() % 7) - 1; };
  auto sub = [&] { return depth > 3 ? json(true) : random_schema(rng, depth + 1); };
  if (rng() % 10 == 0) return json(rng() % 2 == 0);
  json s = json::object();
  const int n = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < n; ++i) {
    const std::string k = keys[rng() % std::size(keys)];
    if (k == "type") s[k] = rng() % 4 ? json(types[rng() % std::size(types)]) : json::array({"string", "null"});
    else if (k == "properties" || k == "$defs") {
      json p = json::object();
      for (int j = 0; j < 1 + static_cast<int>(rng() % 3); ++j) p[std::string(1, static_cast<char>('a' + rng() % 4))] = sub();
      s[k] = p;
    } else if (k == "required") s[k] = json::array({"a", "b"});
    else if (k == "items" || k == "additionalProperties" || k == "not") s[k] = sub();
    else if (k == "prefixItems" || k == "anyOf" || k == "oneOf" || k == "allOf") s[k] = json::array({sub(), sub()});
    else if (k == "pattern") s[k] = patterns[rng() % std::size(patterns)];
    else if (k == "format") s[k] = rng() % 2 ? "date" : "email";
    else if (k == "enum") s[k] = json::array({small(), "x", nullptr});
    else if (k == "const") s[k] = rng() % 2 ? json(small()) : json("c");
    else if (k == "$ref") s[k] = refs[rng() % std::size(refs)];
    else if (k == "nullable" || k == "uniqueItems") s[k] = rng() % 2 == 0;
    else s[k] = rng() % 5 ? json(small()) : json("wrong");
  }
  return s;
}

// The schema as the parameters of a tool, in a random tool-call format.
Grammar as_tool_grammar(const json& schema, std::mt19937_64& rng) {
  json tools = json::array({{{"type", "function"}, {"function", {{"name", "f"}, {"parameters", schema}}}}});
  ToolCallGrammarOptions options;
  const ToolCallFormat formats[] = {ToolCallFormat::kGemma4, ToolCallFormat::kQwen35, ToolCallFormat::kQwen3,
                                    ToolCallFormat::kLlama3};
  options.format = formats[rng() % 4];
  options.max_calls = 1 + static_cast<int>(rng() % 2);
  options.strict = rng() % 2 == 0;
  return tool_call_grammar(tools, options);
}

TEST(GrammarFuzzTest, MutatedGbnfNeverCrashes) {
  std::mt19937_64 rng(seed(1234));
  const auto deadline = Clock::now() + std::chrono::seconds(60 * scale());
  int compiled = 0, rejected = 0;
  for (int i = 0; i < 10000 * scale(); ++i) {
    ASSERT_LT(Clock::now(), deadline) << "GBNF fuzzing hangs at iteration " << i;
    const std::string text = mutate(kSeedGrammars[rng() % std::size(kSeedGrammars)], rng);
    try {
      const Grammar g = parse_gbnf(text);
      ++compiled;
      exercise(g, rng, text);
    } catch (const Error&) {
      ++rejected;
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what() << " for grammar " << text;
    }
  }
  std::printf("  GBNF fuzz: %d compiled, %d rejected\n", compiled, rejected);
  EXPECT_GT(compiled, 0);
  EXPECT_GT(rejected, 0);
}

TEST(GrammarFuzzTest, RandomSchemasNeverCrash) {
  std::mt19937_64 rng(seed(99));
  const auto deadline = Clock::now() + std::chrono::seconds(60 * scale());
  int compiled = 0, rejected = 0;
  for (int i = 0; i < 4000 * scale(); ++i) {
    ASSERT_LT(Clock::now(), deadline) << "schema fuzzing hangs at iteration " << i;
    const json schema = random_schema(rng, 0);
    JsonSchemaOptions options;
    options.strict = rng() % 2 == 0;
    options.whitespace = rng() % 2 ? JsonWhitespace::kCompact : JsonWhitespace::kLimited;
    try {
      const Grammar g = i % 4 ? json_schema_to_grammar(schema, options) : as_tool_grammar(schema, rng);
      ++compiled;
      exercise(g, rng, schema.dump());
    } catch (const Error&) {
      ++rejected;
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what() << " for schema " << schema.dump();
    }
  }
  std::printf("  schema fuzz: %d compiled, %d rejected\n", compiled, rejected);
  EXPECT_GT(compiled, 0);
  EXPECT_GT(rejected, 0);
}

}  // namespace
}  // namespace edgelm::testing
