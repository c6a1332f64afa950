// Small hand-made vocabularies that pin down each rule of docs/FORMATS.md §3.
#include <gtest/gtest.h>

#include <algorithm>

#include "edgelm/error.h"
#include "tokenizer/tokenizer.h"

namespace edgelm {
namespace {

using Ids = std::vector<int32_t>;

// A tiny SentencePiece vocabulary with byte fallback for 'x' (0x78) only.
TokenizerSpec tiny_spm() {
  TokenizerSpec s;
  s.algorithm = TokenizerSpec::Algorithm::kSpm;
  s.escape_spaces = true;
  s.byte_fallback = true;
  s.add_space_prefix = true;
  s.tokens = {"<unk>", "<s>", "</s>", "<0x78>", "\xE2\x96\x81", "a", "b", "c", "ab", "bc",
              "\xE2\x96\x81" "a", "\xE2\x96\x81" "ab", "<ctl>", "<usr>"};
  s.types.assign(s.tokens.size(), TokenType::kNormal);
  s.types[0] = TokenType::kUnknown;
  s.types[1] = s.types[2] = s.types[12] = TokenType::kControl;
  s.types[3] = TokenType::kByte;
  s.types[13] = TokenType::kUserDefined;
  s.scores = {0, 0, 0, 0, -1, -2, -2, -2, -3, -1, -4, -5, 0, 0};
  s.bos_id = 1;
  s.eos_id = 2;
  s.unk_id = 0;
  s.add_bos = true;
  return s;
}

TEST(Spm, MergesByScoreThenLeftmost) {
  const Tokenizer t(tiny_spm());
  // "▁abc": "bc" (-1) beats "ab" (-3) and "▁a" (-4); nothing then joins "▁a" + "bc".
  EXPECT_EQ(t.encode("abc", false), (Ids{10, 9}));
  EXPECT_EQ(t.encode("ab", false), (Ids{11}));   // ▁a (-4) then ▁ab (-5)
  EXPECT_EQ(t.encode("ab", true), (Ids{1, 11}));
}

TEST(Spm, ByteFallbackAndUnknown) {
  const Tokenizer t(tiny_spm());
  EXPECT_EQ(t.encode("x", false), (Ids{4, 3}));   // ▁ then <0x78>
  EXPECT_EQ(t.encode("z", false), (Ids{4, 0}));   // no byte token: <unk>
  EXPECT_EQ(t.decode(t.encode("x", false)), "x");
}

TEST(Spm, SpacePrefixAfterSpecialTokensAndItsRemoval) {
  const Tokenizer t(tiny_spm());
  const Ids ids = t.encode("a<ctl>a", false);
  EXPECT_EQ(ids, (Ids{10, 12, 10}));
  EXPECT_EQ(t.decode(ids), "aa");
  EXPECT_EQ(t.decode(ids, /*render_special=*/true), "a<ctl>a");
  EXPECT_EQ(t.decode({1, 10, 6}), "ab");   // leading BOS, then the prefixed fragment
  EXPECT_EQ(t.token_to_piece(10), " a");   // single pieces are never stripped
}

TEST(SpecialTokens, LongerTokensClaimFirst) {
  TokenizerSpec s = tiny_spm();
  s.add_space_prefix = false;
  s.tokens.push_back("bc<ctl>");   // 14: overlaps "<ctl>" and is longer
  s.types.push_back(TokenType::kControl);
  s.scores.push_back(0);
  const Tokenizer t(std::move(s));
  // Per-token passes by length: "bc<ctl>" wins over the earlier-starting "<ctl>".
  EXPECT_EQ(t.encode("abc<ctl>", false), (Ids{5, 14}));
  // Control tokens need parse_special; user-defined ones do not.
  EXPECT_EQ(t.encode("<usr><ctl>", false, false).front(), 13);
  EXPECT_NE(t.encode("<usr><ctl>", false, false).back(), 12);
}

TEST(SpecialTokens, SpansKeepTheirOwnPolicy) {
  TokenizerSpec s = tiny_spm();
  s.add_space_prefix = false;
  const Tokenizer t(std::move(s));
  const Ids ids = t.encode_spans({{"<ctl>", true}, {"<ctl>", false}, {"<c", true}, {"tl>", true}}, false);
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids.front(), 12);
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 12), 1);   // neither the user span nor the split one
}

// Byte-level BPE with a handful of merges over the GPT-2 byte alphabet.
TokenizerSpec tiny_bpe() {
  TokenizerSpec s;
  s.algorithm = TokenizerSpec::Algorithm::kBpe;
  s.byte_level = true;
  s.pre = PreTokenizer::kGpt2;
  for (int b = 0; b < 256; ++b) {
    std::string text;
    const uint32_t cp = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE ? b : 0;
    if (cp) {
      text = cp < 0x80 ? std::string(1, static_cast<char>(cp))
                       : std::string{static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
    }
    s.tokens.push_back(text);
  }
  // Fill the 68 remapped bytes in byte order: U+0100...
  uint32_t next = 0x100;
  for (int b = 0; b < 256; ++b) {
    if (s.tokens[b].empty()) {
      const uint32_t cp = next++;
      s.tokens[b] = std::string{static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
    }
  }
  s.tokens.push_back("\xC4\xA0" "t");     // 256 "Ġt"
  s.tokens.push_back("he");               // 257
  s.tokens.push_back("\xC4\xA0" "the");   // 258
  s.tokens.push_back("<|end|>");          // 259
  s.tokens.push_back("\xC4\xA0" "th");    // 260
  s.types.assign(s.tokens.size(), TokenType::kNormal);
  s.types[259] = TokenType::kControl;
  s.merges = {{"\xC4\xA0", "t"}, {"h", "e"}, {"\xC4\xA0t", "he"}, {"\xC4\xA0t", "h"}};
  s.eos_id = 259;
  return s;
}

TEST(Bpe, LowestRankFirst) {
  const Tokenizer t(tiny_bpe());
  // " the": Ġt (rank 0), then "he" (1) before "Ġt h" (3), then Ġt+he (2).
  EXPECT_EQ(t.encode(" the", false), (Ids{258}));
  EXPECT_EQ(t.encode("the", false), (Ids{'t', 257}));
  EXPECT_EQ(t.decode(t.encode("a the\n", false)), "a the\n");
  EXPECT_EQ(t.encode("x<|end|>", false), (Ids{'x', 259}));
  EXPECT_EQ(t.encode("x<|end|>", false, false).size(), 8u);
}

TEST(Bpe, IgnoreMergesTakesWholeWords) {
  TokenizerSpec s = tiny_bpe();
  s.ignore_merges = true;
  s.merges.clear();
  const Tokenizer t(std::move(s));
  EXPECT_EQ(t.encode(" the", false), (Ids{258}));
  EXPECT_EQ(t.encode(" th", false), (Ids{260}));
  EXPECT_EQ(t.encode(" to", false), (Ids{' ', 't', 'o'}));   // not a token: characters
}

TEST(Bpe, InvalidUtf8BecomesReplacementCharacter) {
  const Tokenizer t(tiny_bpe());
  // U+FFFD = EF BF BD, each byte its own token in this vocabulary.
  const Ids ids = t.encode("\xFF", false);
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(t.decode(ids), "\xEF\xBF\xBD");
}

TEST(Eog, TextListFixUpsAndExtraIds) {
  TokenizerSpec s;
  s.tokens = {"a", "<|im_end|>", "</s>", "<|tool_response>", "<|end|>", "<|return|>", "<|call|>", "z"};
  s.extra_eog_ids = {7, 99};
  const Tokenizer t(std::move(s));
  // </s> is dropped because <|tool_response> exists, <|end|> because of <|return|> + <|call|>.
  EXPECT_EQ(t.eog_ids(), (Ids{1, 3, 5, 6, 7}));
  EXPECT_TRUE(t.is_eog(1));
  EXPECT_FALSE(t.is_eog(2));
  EXPECT_FALSE(t.is_eog(-1));
  EXPECT_FALSE(t.is_eog(1000));
  EXPECT_EQ(t.eot_id(), 1);                          // auto-detected
  EXPECT_EQ(t.token_type(1), TokenType::kControl);   // and forced to control
}

TEST(Tokenizer, LooksUpTokens) {
  const Tokenizer t(tiny_spm());
  EXPECT_EQ(t.find_token("ab"), 8);
  EXPECT_EQ(t.find_token("nope"), std::nullopt);
  EXPECT_EQ(t.token_text(8), "ab");
  EXPECT_THROW(t.token_text(-1), Error);
  EXPECT_THROW(t.token_to_piece(14), Error);
  EXPECT_THROW(t.decode({0, 1, 99}), Error);
}

TEST(Tokenizer, RejectsInconsistentSpecs) {
  EXPECT_THROW(Tokenizer(TokenizerSpec{}), Error);
  TokenizerSpec bad_types = tiny_spm();
  bad_types.types.pop_back();
  EXPECT_THROW(Tokenizer(std::move(bad_types)), Error);
  TokenizerSpec bad_id = tiny_spm();
  bad_id.bos_id = 14;
  EXPECT_THROW(Tokenizer(std::move(bad_id)), Error);
}

TEST(Tokenizer, EmptyTextAndEmptyTokenTexts) {
  TokenizerSpec s = tiny_spm();
  s.tokens[7] = "";
  const Tokenizer t(std::move(s));
  EXPECT_EQ(t.token_text(7), "[EMPTY_7]");
  EXPECT_TRUE(t.encode("", false).empty());
  EXPECT_EQ(t.encode("", true), (Ids{1}));
}

}  // namespace
}  // namespace edgelm
