// The special-token partition against a direct transcription of llama.cpp's
// procedure (one pass per token, longest first, searching raw fragments).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "test_data.h"
#include "tokenizer/special_tokens.h"
#include "tokenizer/unicode.h"

namespace edgelm {
namespace {

using tok::Fragment;

struct Candidate {
  std::string text;
  int32_t id;
  bool user_defined;
};

std::vector<Fragment> naive_partition(const std::string& input, std::vector<Candidate> candidates,
                                      bool parse_special) {
  std::stable_sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    return a.text.size() != b.text.size() ? a.text.size() > b.text.size() : a.id < b.id;
  });
  std::vector<Fragment> fragments{{-1, 0, input.size()}};
  for (const Candidate& c : candidates) {
    if (!parse_special && !c.user_defined) continue;
    std::vector<Fragment> next;
    for (const Fragment& f : fragments) {
      if (f.token >= 0) {
        next.push_back(f);
        continue;
      }
      size_t from = f.begin;
      while (true) {
        const size_t hit = std::string_view(input).substr(0, f.end).find(c.text, from);
        if (hit == std::string::npos) break;
        if (hit > from) next.push_back({-1, from, hit});
        next.push_back({c.id, hit, hit + c.text.size()});
        from = hit + c.text.size();
      }
      if (from < f.end) next.push_back({-1, from, f.end});
    }
    fragments.swap(next);
  }
  return fragments;
}

bool same(const std::vector<Fragment>& a, const std::vector<Fragment>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const Fragment& x, const Fragment& y) {
    return x.token == y.token && x.begin == y.begin && x.end == y.end;
  });
}

TEST(SpecialTokenMatcher, AgreesWithPerTokenPasses) {
  const std::vector<Candidate> candidates = {
      {"ab", 1, false}, {"bc", 2, true}, {"abc", 3, false}, {"b", 4, true}, {"ca", 5, false},
      {"<a>", 6, false}, {"a>", 7, true}, {"cab", 8, false}, {"bca", 9, true}, {"aaa", 10, false}};
  tok::SpecialTokenMatcher matcher;
  for (const Candidate& c : candidates) matcher.add(c.text, c.id, c.user_defined);
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> length(0, 30), letter(0, 4);
  int checked = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string input;
    for (int n = length(rng); n > 0; --n) input += "abc<>"[letter(rng)];
    for (const bool parse_special : {true, false}) {
      const auto got = matcher.partition(input, {{0, input.size(), parse_special}});
      const auto expect = naive_partition(input, candidates, parse_special);
      ASSERT_TRUE(same(got, expect)) << "input \"" << input << "\" parse_special " << parse_special;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 6000);
}

TEST(SpecialTokenMatcher, LongRunsOfNestedTokensStaySmallAndFast) {
  // Gemma 3 has user-defined tokens for runs of 1..31 newlines and tabs:
  // every position of such a run starts up to 31 matches.
  const Tokenizer* t = testing::gemma3_tokenizer();
  ASSERT_NE(t, nullptr);
  std::string text;
  for (int i = 0; i < 20000; ++i) text += (i % 1000 < 500) ? '\n' : '\t';
  const std::vector<int32_t> ids = t->encode(text, false);
  EXPECT_EQ(t->decode(ids), text);
  EXPECT_LT(ids.size(), 2000u);
}

// Arbitrary bytes (invalid UTF-8, special-token texts, control characters)
// survive a round trip through vocabularies with byte fallback.
TEST(Tokenizer, ArbitraryBytesRoundTrip) {
  const Tokenizer* gemma4 = testing::gemma4_tokenizer();
  const Tokenizer* qwen3 = testing::qwen3_tokenizer();
  ASSERT_NE(gemma4, nullptr);
  ASSERT_NE(qwen3, nullptr);
  const std::vector<std::string> pieces = {"<|turn>", "<bos>", "<|\"|>", "\n", "\n\n", "\t", " ", "  ",
                                           "a", "Hi", "\xC3\xA9", "\xFF", "\xE2\x96", "\x80", "<|im_end|>",
                                           "\xF0\x9F\x98\x80", "\r", "\0", "12345", "'s"};
  std::mt19937 rng(11);
  std::uniform_int_distribution<size_t> count(0, 12), pick(0, pieces.size() - 1);
  for (int i = 0; i < 500; ++i) {
    std::string text;
    for (size_t n = count(rng); n > 0; --n) text += pieces[pick(rng)];
    for (const bool parse_special : {true, false}) {
      EXPECT_EQ(gemma4->decode(gemma4->encode(text, false, parse_special), true), text);
      // Byte-level BPE replaces invalid UTF-8 by U+FFFD; everything else survives.
      const std::vector<int32_t> ids = qwen3->encode(text, false, parse_special);
      EXPECT_EQ(qwen3->decode(ids, true), tok::utf8_sanitize(text));
    }
  }
}

}  // namespace
}  // namespace edgelm
