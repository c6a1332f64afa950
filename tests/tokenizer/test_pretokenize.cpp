// The hand-written pre-tokenizers against examples and, where PCRE2 is
// available, against the original regexes run by an independent engine.
#include <gtest/gtest.h>

#include <random>

#include "test_data.h"
#include "tokenizer/pretokenize.h"
#include "tokenizer/unicode.h"

#ifdef EDGELM_HAVE_PCRE2
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#endif

namespace edgelm {
namespace {

std::vector<std::string> split(PreTokenizer kind, std::string_view text) {
  std::vector<std::string_view> words;
  pre_tokenize(kind, text, words);
  return {words.begin(), words.end()};
}

using Words = std::vector<std::string>;

TEST(PreTokenize, Llama3GroupsDigitsByThree) {
  EXPECT_EQ(split(PreTokenizer::kLlama3, "Hello world123 4567"),
            (Words{"Hello", " world", "123", " ", "456", "7"}));
  EXPECT_EQ(split(PreTokenizer::kLlama3, "I'M here, they'll"),
            (Words{"I", "'M", " here", ",", " they", "'ll"}));
}

TEST(PreTokenize, Qwen2SplitsEveryDigit) {
  EXPECT_EQ(split(PreTokenizer::kQwen2, "in 92000,"), (Words{"in", " ", "9", "2", "0", "0", "0", ","}));
}

TEST(PreTokenize, WhitespaceRuns) {
  // A run before a word keeps its last space for the word; newlines end runs.
  EXPECT_EQ(split(PreTokenizer::kQwen2, "Hi   Hello\n\n \n  \n Hello"),
            (Words{"Hi", "  ", " Hello", "\n\n \n  \n", " Hello"}));
  EXPECT_EQ(split(PreTokenizer::kQwen2, "a  "), (Words{"a", "  "}));
  EXPECT_EQ(split(PreTokenizer::kQwen2, "x = {\n  y\n}\n"),
            (Words{"x", " =", " {\n", " ", " y", "\n", "}\n"}));
}

TEST(PreTokenize, Qwen35LetsMarksJoinLetters) {
  const std::string thai = "\xE0\xB8\x9B\xE0\xB8\xB5";   // ป + U+0E35 (a mark)
  EXPECT_EQ(split(PreTokenizer::kQwen35, "and " + thai), (Words{"and", " " + thai}));
  EXPECT_EQ(split(PreTokenizer::kQwen2, "and " + thai),
            (Words{"and", " \xE0\xB8\x9B", "\xE0\xB8\xB5"}));
}

TEST(PreTokenize, Gpt2) {
  EXPECT_EQ(split(PreTokenizer::kGpt2, "Hello, world! It's 2024\n\tok"),
            (Words{"Hello", ",", " world", "!", " It", "'s", " 2024", "\n", "\t", "ok"}));
}

TEST(PreTokenize, DefaultAppliesFourRegexesInSequence) {
  EXPECT_EQ(split(PreTokenizer::kDefault, "a+b 12345!?"), (Words{"a", "+", "b", " ", "123", "45", "!?"}));
}

TEST(PreTokenize, NewlineRuns) {
  EXPECT_EQ(split(PreTokenizer::kNewlines, "a b\n\nc\n"), (Words{"a b", "\n\n", "c", "\n"}));
  EXPECT_EQ(split(PreTokenizer::kNone, "a b\n"), (Words{"a b\n"}));
}

TEST(PreTokenize, KeepsInvalidBytes) {
  EXPECT_EQ(split(PreTokenizer::kQwen2, "ab\xFF" "cd"), (Words{"ab", "\xFF" "cd"}));
  EXPECT_TRUE(split(PreTokenizer::kLlama3, "").empty());
}

#ifdef EDGELM_HAVE_PCRE2

// The Hugging Face forms of the regexes (docs/FORMATS.md §3.7).
constexpr const char* kRegexLlama3 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kRegexQwen2 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kRegexQwen35 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr const char* kRegexGpt2 = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))";
const std::vector<const char*> kRegexDefault = {
    R"([\p{P}\$\+<=>\^~\|]+)", kRegexGpt2, R"(\p{N}+)", R"([0-9][0-9][0-9])"};

class Pcre2 {
 public:
  explicit Pcre2(const char* pattern) {
    int error = 0;
    PCRE2_SIZE offset = 0;
    code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern), PCRE2_ZERO_TERMINATED,
                          PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK, &error, &offset, nullptr);
    data_ = pcre2_match_data_create_from_pattern(code_, nullptr);
  }
  ~Pcre2() {
    pcre2_match_data_free(data_);
    pcre2_code_free(code_);
  }
  bool ok() const { return code_ != nullptr; }
  // Regex split keeping matches and the text between them.
  void split(std::string_view text, std::vector<std::string>& out) const {
    size_t pos = 0, gap = 0;
    while (pos < text.size()) {
      const int rc = pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), pos, 0,
                                 data_, nullptr);
      if (rc < 0) break;
      const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(data_);
      if (ov[0] > gap) out.emplace_back(text.substr(gap, ov[0] - gap));
      out.emplace_back(text.substr(ov[0], ov[1] - ov[0]));
      pos = gap = ov[1];
    }
    if (gap < text.size()) out.emplace_back(text.substr(gap));
  }

 private:
  pcre2_code* code_ = nullptr;
  pcre2_match_data* data_ = nullptr;
};

Words oracle_split(const std::vector<const char*>& regexes, const std::string& text) {
  Words pieces{text};
  for (const char* regex : regexes) {
    Pcre2 re(regex);
    EXPECT_TRUE(re.ok()) << regex;
    Words next;
    for (const std::string& p : pieces) re.split(p, next);
    pieces.swap(next);
  }
  if (text.empty()) pieces.clear();
  return pieces;
}

// Code points from many classes: letters of several kinds, marks, numbers,
// punctuation, symbols, whitespace (without U+0085, which PCRE2's \s lacks),
// contraction letters, controls, private-use and unassigned code points.
std::string random_text(std::mt19937& rng) {
  static const std::vector<uint32_t> pool = {
      'a', 'Z', 's', 't', 'r', 'e', 'v', 'l', 'm', 'd', 'S', 'T', 'R', 'E', 'L', 'M', 'D', '\'', '\'',
      '0', '7', '9', ' ', ' ', ' ', '\t', '\n', '\r', '.', ',', '!', '?', '$', '+', '<', '=', '>', '^',
      '~', '|', '_', '-', '(', '"', 0xE9, 0xDF, 0x131, 0x1C5, 0x2B0, 0x4E2D, 0xE1B, 0xE35, 0x301,
      0x903, 0x20DD, 0x663, 0xBD, 0x2167, 0xA0, 0x3000, 0x2003, 0x2028, 0x20AC, 0x1F600, 0x1F3FD,
      0x200D, 0xFE0F, 0x1, 0x7F, 0xE000, 0x378, 0x10FFFD};
  std::uniform_int_distribution<size_t> length(0, 24), pick(0, pool.size() - 1);
  std::string text;
  for (size_t n = length(rng); n > 0; --n) tok::utf8_append(text, pool[pick(rng)]);
  return text;
}

void check_against_oracle(PreTokenizer kind, const std::vector<const char*>& regexes) {
  std::vector<std::string> texts;
  for (const auto& line : testing::read_jsonl_file(testing::shared_path("tokenizers/strings.public.jsonl"))) {
    texts.push_back(line.at("text").get<std::string>());
  }
  std::mt19937 rng(1234);
  for (int i = 0; i < 3000; ++i) texts.push_back(random_text(rng));
  int mismatches = 0;
  for (const std::string& text : texts) {
    const Words expect = oracle_split(regexes, text);
    const Words got = split(kind, text);
    if (got != expect && ++mismatches <= 5) {
      ADD_FAILURE() << "pre-tokenizer differs from the regex on \"" << text << "\": got "
                    << ::testing::PrintToString(got) << " expected " << ::testing::PrintToString(expect);
    }
  }
  EXPECT_EQ(mismatches, 0) << "of " << texts.size() << " texts";
}

TEST(PreTokenizeOracle, Llama3) { check_against_oracle(PreTokenizer::kLlama3, {kRegexLlama3}); }
TEST(PreTokenizeOracle, Qwen2) { check_against_oracle(PreTokenizer::kQwen2, {kRegexQwen2}); }
TEST(PreTokenizeOracle, Qwen35) { check_against_oracle(PreTokenizer::kQwen35, {kRegexQwen35}); }
TEST(PreTokenizeOracle, Gpt2) { check_against_oracle(PreTokenizer::kGpt2, {kRegexGpt2}); }
TEST(PreTokenizeOracle, Default) { check_against_oracle(PreTokenizer::kDefault, kRegexDefault); }

#endif  // EDGELM_HAVE_PCRE2

}  // namespace
}  // namespace edgelm
