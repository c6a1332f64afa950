// Token masks: the trie walk with its caches against a brute-force check of
// every token with a reference matcher, on a small synthetic vocabulary.
#include <gtest/gtest.h>

#include <cmath>

#include "edgelm/error.h"
#include "grammar_test_util.h"
#include "sample/grammar/gbnf.h"
#include "sample/grammar/json_schema.h"

namespace edgelm::testing {
namespace {

using namespace grammar;

constexpr int32_t kEog = kSyntheticEog;

// What the reference says about token `id` in its current state.
bool reference_allows(const ReferenceMatcher& ref, const Vocabulary& vocab, int32_t id) {
  if (vocab.is_eog(id)) return ref.can_finish();
  ReferenceMatcher trial = ref;
  if (vocab.piece(id).empty()) return trial.accept_token(id);
  return trial.accept_bytes(vocab.piece(id));
}

void advance_reference(ReferenceMatcher& ref, const Vocabulary& vocab, int32_t id) {
  if (vocab.piece(id).empty()) ASSERT_TRUE(ref.accept_token(id));
  else ASSERT_TRUE(ref.accept_bytes(vocab.piece(id)));
}

// Random walks; at every step the masks of a normal engine and of one that
// flushes its caches all the time must both equal the brute-force answer.
void check_masks(const Grammar& g, int walks, int steps) {
  auto vocab = synthetic_vocabulary();
  auto shared_grammar = std::make_shared<Grammar>(g);
  auto engine = std::make_shared<GrammarEngine>(shared_grammar, vocab);
  EngineLimits tiny;
  tiny.max_table_bytes = 1;
  tiny.max_mask_cache_bytes = 0;
  auto flushing = std::make_shared<GrammarEngine>(shared_grammar, vocab, tiny);
  std::mt19937_64 rng(11);
  for (int w = 0; w < walks; ++w) {
    GrammarMatcher m(engine), f(flushing);
    ReferenceMatcher ref(g);
    std::vector<uint32_t> mask, mask2;
    for (int step = 0; step < steps; ++step) {
      m.fill_mask(mask);
      f.fill_mask(mask2);
      ASSERT_EQ(mask, mask2) << "walk " << w << " step " << step;
      std::vector<int32_t> allowed;
      for (int32_t id = 0; id < vocab->n_vocab(); ++id) {
        const bool expected = reference_allows(ref, *vocab, id);
        ASSERT_EQ(mask_bit(mask, id), expected) << "walk " << w << " step " << step << " token " << id << " '"
                                                << vocab->piece(id) << "'\n" << g.to_string();
        if (expected && id != kEog) allowed.push_back(id);
      }
      EXPECT_EQ(m.is_complete(), ref.can_finish());
      if (allowed.empty()) break;
      const int32_t id = allowed[rng() % allowed.size()];
      ASSERT_TRUE(m.accept(id));
      ASSERT_TRUE(f.accept(id));
      advance_reference(ref, *vocab, id);
    }
  }
}

Grammar schema(const char* text) {
  JsonSchemaOptions options;
  options.whitespace = JsonWhitespace::kLimited;
  return json_schema_to_grammar(std::string_view(text), options);
}

TEST(GrammarMaskTest, JsonObjectMatchesBruteForce) {
  check_masks(schema(R"({"type":"object","properties":{"name":{"type":"string","maxLength":6},
      "value":{"type":"number"},"kind":{"enum":["a","ab",null,true]},"children":{"type":"array",
      "items":{"type":"integer","minimum":-12,"maximum":345},"maxItems":3}},"required":["name"]})"),
              12, 40);
}

TEST(GrammarMaskTest, FreeKeysAndAnyValuesMatchBruteForce) {
  check_masks(schema(R"({"type":"object","properties":{"a":{"type":"boolean"}},"additionalProperties":true})"), 8, 40);
}

TEST(GrammarMaskTest, RecursiveSchemaMatchesBruteForce) {
  check_masks(schema(R"({"$defs":{"n":{"type":"object","properties":{"value":{"type":"string"},
      "children":{"type":"array","items":{"$ref":"#/$defs/n"}}},"required":["value"]}},"$ref":"#/$defs/n"})"),
              8, 50);
}

TEST(GrammarMaskTest, SpecialTokensAndUtf8MatchBruteForce) {
  check_masks(parse_gbnf("root ::= <[1]> (\"\xC3\xA9\" | \"a\" \"b\"? | [\\u20AC])+ (<[2]> | \"\\\"\") [ \\n]*\n"), 12, 30);
}

TEST(GrammarMaskTest, AmbiguousGrammarMatchesBruteForce) {
  check_masks(parse_gbnf("root ::= (\"a\" | \"ab\" | \"b\" | [a-c]{2})* \"c\" | \"a\"* \"b\" x\nx ::= \"\" | \"}\" x\n"), 12, 30);
}

TEST(GrammarMaskTest, EogOnlyWhereTheGrammarCanEnd) {
  auto vocab = synthetic_vocabulary();
  auto engine = std::make_shared<GrammarEngine>(std::make_shared<Grammar>(parse_gbnf("root ::= \"ab\" \"c\"?\n")), vocab);
  GrammarMatcher m(engine);
  std::vector<uint32_t> mask;
  m.fill_mask(mask);
  EXPECT_FALSE(mask_bit(mask, kEog));
  EXPECT_FALSE(m.accept(kEog));
  ASSERT_TRUE(m.accept_text("ab"));
  m.fill_mask(mask);
  EXPECT_TRUE(mask_bit(mask, kEog));
  EXPECT_TRUE(m.is_complete());
  EXPECT_EQ(m.min_bytes_to_complete(), 0);
  EXPECT_FALSE(m.accept_text("x"));  // rejected text leaves the state alone
  EXPECT_TRUE(m.accept(kEog));
  EXPECT_TRUE(m.is_terminated());
  m.fill_mask(mask);
  for (uint32_t w : mask) EXPECT_EQ(w, 0u);
  EXPECT_FALSE(m.accept(kEog));
  m.reset();
  EXPECT_FALSE(m.is_terminated());
  EXPECT_EQ(m.min_bytes_to_complete(), 2);
}

TEST(GrammarMaskTest, ApplySetsDisallowedLogitsToMinusInfinity) {
  auto vocab = synthetic_vocabulary();
  auto engine = std::make_shared<GrammarEngine>(std::make_shared<Grammar>(parse_gbnf("root ::= [0-9]+ \".\"\n")), vocab);
  GrammarMatcher m(engine);
  std::vector<uint32_t> mask;
  m.fill_mask(mask);
  std::vector<float> logits(vocab->n_vocab() + 40, 1.0f);
  m.apply(logits.data(), static_cast<int32_t>(logits.size()));
  int allowed = 0;
  for (int32_t i = 0; i < static_cast<int32_t>(logits.size()); ++i) {
    const bool ok = i < vocab->n_vocab() && mask_bit(mask, i);
    EXPECT_EQ(logits[i] == 1.0f, ok) << i;
    EXPECT_EQ(std::isinf(logits[i]) && logits[i] < 0, !ok) << i;
    allowed += ok;
  }
  EXPECT_GT(allowed, 10);
}

TEST(GrammarMaskTest, MatchersShareAnEngine) {
  auto vocab = synthetic_vocabulary();
  const Grammar g = schema(R"({"type":"array","items":{"type":"string"}})");
  auto engine = std::make_shared<GrammarEngine>(std::make_shared<Grammar>(g), vocab);
  GrammarMatcher a(engine), b(engine);
  std::vector<uint32_t> ma, mb;
  ASSERT_TRUE(a.accept_text("[\"x"));
  ASSERT_TRUE(b.accept_text("[\"x\",\"y"));
  a.fill_mask(ma);
  b.fill_mask(mb);
  EXPECT_EQ(ma, mb);  // both inside a string of the array
  ASSERT_TRUE(b.accept_text("\"]"));
  EXPECT_TRUE(b.is_complete());
  EXPECT_FALSE(a.is_complete());
}

TEST(GrammarMaskTest, DepthLimitIsAnError) {
  auto vocab = byte_vocabulary();
  EngineLimits limits;
  limits.max_stack_depth = 50;
  auto engine = std::make_shared<GrammarEngine>(std::make_shared<Grammar>(parse_gbnf("root ::= \"(\" root \")\" | \"x\"\n")),
                                                vocab, limits);
  GrammarMatcher m(engine);
  EXPECT_TRUE(m.accept_text(std::string(20, '(')));
  EXPECT_THROW(m.accept_text(std::string(100, '(')), Error);
  EXPECT_TRUE(m.accept_text(std::string(20, ')').replace(0, 1, "x")));  // the matcher is still usable
}

TEST(GrammarMaskTest, AmbiguityLimitIsAnError) {
  EngineLimits limits;
  limits.max_stacks = 16;
  auto engine = std::make_shared<GrammarEngine>(std::make_shared<Grammar>(parse_gbnf("root ::= (\"a\"?){0,40} \"c\"\n")),
                                                byte_vocabulary(), limits);
  EXPECT_THROW(
      {
        GrammarMatcher m(engine);
        m.accept_text(std::string(30, 'a'));
      },
      Error);
}

TEST(GrammarMaskTest, WorkLimitThrows) {
  EngineLimits limits;
  limits.max_work = 1000;
  auto engine = std::make_shared<GrammarEngine>(
      std::make_shared<Grammar>(parse_gbnf("root ::= (\"a\"?){0,2000} \"b\"\n")), byte_vocabulary(), limits);
  EXPECT_THROW(GrammarMatcher{engine}, Error);
}

}  // namespace
}  // namespace edgelm::testing
