// IFEval scorer: the official GPT-4 results reproduced item by item, the 25
// checkers on small hand-made responses, the Python-compatible pieces
// (regex, str methods, random, Punkt, langdetect) and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edgelm/error.h"
#include "eval/ifeval/checkers.h"
#include "eval/ifeval/ifeval.h"
#include "eval/ifeval/langdetect.h"
#include "eval/ifeval/punkt.h"
#include "eval/ifeval/pyrandom.h"
#include "eval/ifeval/pyregex.h"
#include "eval/ifeval/pytext.h"
#include "tokenizer/unicode.h"

namespace ie = edgelm::eval::ifeval;
namespace py = edgelm::eval::ifeval::py;
using nlohmann::json;

namespace {

const std::filesystem::path kData = std::filesystem::path(EDGELM_DATA_DIR) / "evals" / "ifeval";
const std::filesystem::path kShared = std::filesystem::path(EDGELM_SHARED_DIR) / "evals" / "ifeval";

const ie::Scorer& scorer() {
  static const ie::Scorer s(kData);
  return s;
}

ie::Prompt make_prompt(const std::string& id, json kwargs, int64_t key = 1) {
  ie::Prompt p;
  p.key = key;
  p.prompt = "test prompt";
  p.instruction_ids = {id};
  p.kwargs = {std::move(kwargs)};
  return p;
}

bool strict(const std::string& id, const json& kwargs, const std::string& response) {
  return scorer().strict(make_prompt(id, kwargs), response).followed.at(0);
}

bool loose(const std::string& id, const json& kwargs, const std::string& response) {
  return scorer().loose(make_prompt(id, kwargs), response).followed.at(0);
}

std::map<int64_t, json> read_reference(const std::string& mode) {
  std::map<int64_t, json> out;
  std::ifstream in(kShared / ("reference_results_gpt4_" + mode + ".public.jsonl"));
  std::string line;
  while (std::getline(in, line)) {
    json j = json::parse(line);
    out[j.at("key").get<int64_t>()] = j;
  }
  return out;
}

std::filesystem::path temp_file(const std::string& name, const std::string& content) {
  const auto path = std::filesystem::temp_directory_path() / ("edgelm_ifeval_" + name);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

double round2(double percent) { return std::round(percent * 100.0) / 100.0; }

// ------------------------------------------------------------ the official run

struct Gpt4Run {
  std::vector<ie::Result> strict, loose;
};

const Gpt4Run& gpt4_run() {
  static const Gpt4Run run = [] {
    Gpt4Run r;
    const auto prompts = ie::load_prompts(kData / "input_data_gpt4_20231107_145030.jsonl");
    std::map<std::string, std::string> responses;
    for (const auto& pr : ie::load_responses(kData / "input_response_data_gpt4_20231107_145030.jsonl"))
      responses[pr.prompt] = pr.response;
    for (const auto& p : prompts) {
      const std::string& response = responses.at(p.prompt);
      r.strict.push_back(scorer().strict(p, response));
      r.loose.push_back(scorer().loose(p, response));
    }
    return r;
  }();
  return run;
}

void expect_matches_reference(const std::vector<ie::Result>& results, const std::string& mode) {
  const auto reference = read_reference(mode);
  ASSERT_GE(reference.size(), 250u);
  std::map<int64_t, const ie::Result*> by_key;
  for (const auto& r : results) by_key[r.key] = &r;
  size_t matched = 0;
  for (const auto& [key, ref] : reference) {
    ASSERT_TRUE(by_key.count(key)) << "key " << key;
    const ie::Result& r = *by_key.at(key);
    const bool same = ref.at("instruction_id_list").get<std::vector<std::string>>() == r.instruction_ids &&
                      ref.at("follow_instruction_list").get<std::vector<bool>>() == r.followed &&
                      ref.at("follow_all_instructions").get<bool>() == r.all_followed();
    EXPECT_TRUE(same) << mode << " key " << key;
    matched += same ? 1 : 0;
  }
  EXPECT_EQ(matched, reference.size()) << mode;
}

TEST(IfEvalGpt4, StrictResultsMatchTheOfficialOnes) { expect_matches_reference(gpt4_run().strict, "strict"); }
TEST(IfEvalGpt4, LooseResultsMatchTheOfficialOnes) { expect_matches_reference(gpt4_run().loose, "loose"); }

TEST(IfEvalGpt4, TotalsMatchTheOfficialOnes) {
  const ie::Accuracy a = ie::accuracy(gpt4_run().strict, gpt4_run().loose);
  EXPECT_EQ(a.prompts, 541u);
  EXPECT_EQ(a.instructions, 834u);
  EXPECT_DOUBLE_EQ(round2(100 * a.prompt_strict), 76.89);
  EXPECT_DOUBLE_EQ(round2(100 * a.instruction_strict), 83.57);
  EXPECT_DOUBLE_EQ(round2(100 * a.prompt_loose), 79.30);
  EXPECT_DOUBLE_EQ(round2(100 * a.instruction_loose), 85.37);
}

TEST(IfEvalGpt4, RandomLetterItemsComeOutAsPublished) {
  const auto find = [](const std::vector<ie::Result>& rs, int64_t key) {
    for (const auto& r : rs)
      if (r.key == key) return r.followed;
    return std::vector<bool>{};
  };
  // 1122: [english_lowercase, letter_frequency "#"]; 1129: [letter_frequency "!", repeat_prompt].
  EXPECT_EQ(find(gpt4_run().strict, 1122), (std::vector<bool>{true, false}));
  EXPECT_EQ(find(gpt4_run().loose, 1122), (std::vector<bool>{true, false}));
  EXPECT_EQ(find(gpt4_run().strict, 1129), (std::vector<bool>{true, true}));
  EXPECT_EQ(find(gpt4_run().loose, 1129), (std::vector<bool>{false, true}));
  EXPECT_EQ(ie::substitute_letter(1122, 1, false), U'w');
  EXPECT_EQ(ie::substitute_letter(1122, 1, true), U'j');
  EXPECT_EQ(ie::substitute_letter(1129, 0, false), U'v');
  EXPECT_EQ(ie::substitute_letter(1129, 0, true), U'k');
}

TEST(IfEvalGpt4, WriteResultsGivesOneOfficialLinePerPrompt) {
  const auto path = std::filesystem::temp_directory_path() / "edgelm_ifeval_results.jsonl";
  ie::write_results(path, gpt4_run().strict);
  std::ifstream in(path);
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    const json j = json::parse(line);
    const ie::Result& r = gpt4_run().strict.at(n++);
    std::vector<std::string> keys;
    for (const auto& [k, v] : j.items()) keys.push_back(k);
    EXPECT_EQ(keys, (std::vector<std::string>{"follow_all_instructions", "follow_instruction_list", "instruction_id_list",
                                              "key", "prompt", "response"}));  // nlohmann sorts on read
    EXPECT_EQ(j.at("key"), r.key);
    EXPECT_EQ(j.at("response"), r.response);
    EXPECT_EQ(j.at("follow_instruction_list").get<std::vector<bool>>(), r.followed);
    EXPECT_EQ(j.at("follow_all_instructions"), r.all_followed());
  }
  EXPECT_EQ(n, 541u);
  std::filesystem::remove(path);
}

TEST(IfEvalData, CurrentPromptSetLoads) {
  const auto prompts = ie::load_prompts(kData / "input_data.jsonl");
  ASSERT_EQ(prompts.size(), 541u);
  size_t instructions = 0;
  for (const auto& p : prompts) {
    instructions += p.instruction_ids.size();
    EXPECT_EQ(p.kwargs.size(), p.instruction_ids.size());
  }
  EXPECT_EQ(instructions, 834u);
}

// ------------------------------------------------------------ checkers

TEST(IfEvalCheckers, KeywordExistenceIsACaseInsensitiveRegex) {
  const json kw = {{"keywords", {"Café", "dog"}}};
  EXPECT_TRUE(strict("keywords:existence", kw, "The CAFÉ has a Dogged owner."));
  EXPECT_FALSE(strict("keywords:existence", kw, "The café has a cat."));
  EXPECT_TRUE(strict("keywords:existence", {{"keywords", {"colou?r"}}}, "What a color!"));
}

TEST(IfEvalCheckers, KeywordFrequencyCountsMatches) {
  const json at_least = {{"keyword", " the "}, {"frequency", 3}, {"relation", "at least"}};
  EXPECT_TRUE(strict("keywords:frequency", at_least, "The cat, THE dog and then the bird."));  // "then" counts too
  EXPECT_FALSE(strict("keywords:frequency", at_least, "The cat and the dog."));
  const json less = {{"keyword", "ß"}, {"frequency", 2}, {"relation", "less than"}};
  EXPECT_TRUE(strict("keywords:frequency", less, "Die Straße."));
  EXPECT_FALSE(strict("keywords:frequency", less, "Straße, Maß."));
}

TEST(IfEvalCheckers, ForbiddenWordsUseUnicodeWordBoundaries) {
  const json kw = {{"forbidden_words", {"cat", "naïve"}}};
  EXPECT_TRUE(strict("keywords:forbidden_words", kw, "Concatenate the catalogue; naïvety is fine."));
  EXPECT_FALSE(strict("keywords:forbidden_words", kw, "A CAT sat."));
  EXPECT_FALSE(strict("keywords:forbidden_words", kw, "So NAÏVE!"));
  EXPECT_TRUE(strict("keywords:forbidden_words", kw, "caté is one word"));  // é is a word character
}

TEST(IfEvalCheckers, LetterFrequencyCountsTheLowercasedLetter) {
  const json kw = {{"letter", "Z"}, {"let_frequency", 3}, {"let_relation", "at least"}};
  EXPECT_TRUE(strict("keywords:letter_frequency", kw, "Zig zag Zebra"));
  EXPECT_FALSE(strict("keywords:letter_frequency", kw, "Zig zag"));
  const json less = {{"letter", "a"}, {"let_frequency", 2}, {"let_relation", "less than"}};
  EXPECT_TRUE(strict("keywords:letter_frequency", less, "A cup"));
  EXPECT_FALSE(strict("keywords:letter_frequency", less, "A cat"));
}

TEST(IfEvalCheckers, InvalidLetterCountsADeterministicSubstitute) {
  const json kw = {{"letter", "#"}, {"let_frequency", 1}, {"let_relation", "at least"}};
  ie::Prompt p = make_prompt("keywords:letter_frequency", kw, 1122);
  const char32_t letter = ie::substitute_letter(1122, 0, false);
  ASSERT_GE(letter, U'a');
  ASSERT_LE(letter, U'z');
  std::string with(1, static_cast<char>(letter)), without = "###";
  EXPECT_TRUE(scorer().strict(p, with).followed[0]);
  EXPECT_FALSE(scorer().strict(p, without).followed[0]);  // the '#' itself is never counted
  EXPECT_EQ(ie::substitute_letter(1122, 0, false), letter);
}

TEST(IfEvalCheckers, ResponseLanguage) {
  const json fr = {{"language", "fr"}};
  EXPECT_TRUE(strict("language:response_language", fr, "Bonjour à tous, je suis très content de vous voir aujourd'hui."));
  EXPECT_FALSE(strict("language:response_language", fr, "Hello everyone, I am very happy to see you today."));
  EXPECT_TRUE(strict("language:response_language", fr, "12345 !!!"));  // no features: counted as followed
}

TEST(IfEvalCheckers, NumberOfSentencesUsesPunkt) {
  const json kw = {{"num_sentences", 3}, {"relation", "less than"}};
  EXPECT_TRUE(strict("length_constraints:number_sentences", kw, "Dr. Smith went to the U.S. in 2019. He liked it."));
  EXPECT_FALSE(strict("length_constraints:number_sentences", kw, "One. Two. Three."));
}

TEST(IfEvalCheckers, NumberOfParagraphsSplitsOnDividers) {
  const json kw = {{"num_paragraphs", 2}};
  EXPECT_TRUE(strict("length_constraints:number_paragraphs", kw, "First.\n***\nSecond."));
  EXPECT_TRUE(strict("length_constraints:number_paragraphs", kw, "***\nFirst.\n***\nSecond.\n***"));
  EXPECT_FALSE(strict("length_constraints:number_paragraphs", kw, "First.\n***\n***\nSecond."));  // empty middle
  EXPECT_FALSE(strict("length_constraints:number_paragraphs", kw, "Only one."));
}

TEST(IfEvalCheckers, NumberOfWordsCountsUnicodeWordRuns) {
  const json kw = {{"num_words", 5}, {"relation", "at least"}};
  EXPECT_TRUE(strict("length_constraints:number_words", kw, "naïve café, don't stop"));  // naïve café don t stop
  EXPECT_FALSE(strict("length_constraints:number_words", kw, "naïve café -- stop!"));
}

TEST(IfEvalCheckers, NthParagraphFirstWord) {
  const json kw = {{"num_paragraphs", 2}, {"nth_paragraph", 2}, {"first_word", "Élan"}};
  EXPECT_TRUE(strict("length_constraints:nth_paragraph_first_word", kw, "Intro.\n\n\"ÉLAN, said he."));
  EXPECT_FALSE(strict("length_constraints:nth_paragraph_first_word", kw, "Intro.\n\nElan here."));
  EXPECT_FALSE(strict("length_constraints:nth_paragraph_first_word", kw, "Intro.\n\nÉlan.\n\nThird."));
}

TEST(IfEvalCheckers, PlaceholdersAndBullets) {
  EXPECT_TRUE(strict("detectable_content:number_placeholders", {{"num_placeholders", 2}}, "Dear [name], at [address]."));
  EXPECT_FALSE(strict("detectable_content:number_placeholders", {{"num_placeholders", 2}}, "Dear [name]\n]"));
  const json kw = {{"num_bullets", 3}};
  EXPECT_TRUE(strict("detectable_format:number_bullet_lists", kw, "List:\n* one\n* two\n- three"));
  EXPECT_FALSE(strict("detectable_format:number_bullet_lists", kw, "List:\n* one\n** two\n- three"));
}

TEST(IfEvalCheckers, Postscript) {
  EXPECT_TRUE(strict("detectable_content:postscript", {{"postscript_marker", "P.S."}}, "Hi.\n\np.s. bye"));
  EXPECT_FALSE(strict("detectable_content:postscript", {{"postscript_marker", "P.S."}}, "Hi. PS bye"));
  EXPECT_TRUE(strict("detectable_content:postscript", {{"postscript_marker", "P.P.S"}}, "Hi.\nP. P. S more"));
}

TEST(IfEvalCheckers, ConstrainedResponseTitleQuotation) {
  EXPECT_TRUE(strict("detectable_format:constrained_response", json::object(), "Well. My answer is maybe."));
  EXPECT_FALSE(strict("detectable_format:constrained_response", json::object(), "My answer is Yes."));
  EXPECT_TRUE(strict("detectable_format:title", json::object(), "<<Ode à la joie>>\ntext"));
  EXPECT_FALSE(strict("detectable_format:title", json::object(), "<< >> and <<\n>>"));
  EXPECT_TRUE(strict("startend:quotation", json::object(), "  \"quoted « text »\"\n"));
  EXPECT_FALSE(strict("startend:quotation", json::object(), "\""));
  EXPECT_FALSE(strict("startend:quotation", json::object(), "“curly”"));
}

TEST(IfEvalCheckers, HighlightedSections) {
  const json kw = {{"num_highlights", 2}};
  EXPECT_TRUE(strict("detectable_format:number_highlighted_sections", kw, "*one* and **two**"));
  EXPECT_FALSE(strict("detectable_format:number_highlighted_sections", kw, "*one* and * * and *\n*"));
}

TEST(IfEvalCheckers, MultipleSections) {
  const json kw = {{"section_spliter", "SECTION"}, {"num_sections", 2}};
  EXPECT_TRUE(strict("detectable_format:multiple_sections", kw, "SECTION 1\nfoo\nSECTION 2\nbar"));
  EXPECT_FALSE(strict("detectable_format:multiple_sections", kw, "SECTION 1\nfoo\nSection 2\nbar"));
}

TEST(IfEvalCheckers, JsonFormatFollowsPythonJsonLoads) {
  EXPECT_TRUE(strict("detectable_format:json_format", json::object(), "```json\n{\"a\": [1, 2.5e3, null]}\n```"));
  EXPECT_TRUE(strict("detectable_format:json_format", json::object(), "[NaN, -Infinity, \"\\ud800\"]"));
  EXPECT_FALSE(strict("detectable_format:json_format", json::object(), "{\"a\": 1,}"));
  EXPECT_FALSE(strict("detectable_format:json_format", json::object(), "Here: {\"a\": 1}"));
  EXPECT_TRUE(ie::python_json_parses("-0.5e+3"));
  EXPECT_FALSE(ie::python_json_parses("01"));
  EXPECT_FALSE(ie::python_json_parses("1."));
  EXPECT_FALSE(ie::python_json_parses("\"tab\there\""));
  EXPECT_FALSE(ie::python_json_parses(std::string(100000, '[')));  // too deep, no crash
}

TEST(IfEvalCheckers, TwoResponsesRepeatPromptEndChecker) {
  EXPECT_TRUE(strict("combination:two_responses", json::object(), "Answer one.\n******\nAnswer two."));
  EXPECT_FALSE(strict("combination:two_responses", json::object(), "Same.\n******\nSame."));
  EXPECT_FALSE(strict("combination:two_responses", json::object(), "A\n******\n\n******\nB"));
  const json repeat = {{"prompt_to_repeat", "Write ÜBER poem."}};
  EXPECT_TRUE(strict("combination:repeat_prompt", repeat, "  write über poem. Here it is."));
  EXPECT_FALSE(strict("combination:repeat_prompt", repeat, "Sure! Write über poem."));
  const json end = {{"end_phrase", "Any other questions?"}};
  EXPECT_TRUE(strict("startend:end_checker", end, "Done. ANY OTHER QUESTIONS?\"\n"));
  EXPECT_FALSE(strict("startend:end_checker", end, "Any other questions? Bye."));
}

TEST(IfEvalCheckers, CapitalWordFrequencyUsesNltkTokens) {
  const json kw = {{"capital_frequency", 4}, {"capital_relation", "at least"}};
  EXPECT_TRUE(strict("change_case:capital_word_frequency", kw, "I DON'T like ÉTÉ."));  // I DO N'T ÉTÉ
  EXPECT_FALSE(strict("change_case:capital_word_frequency", kw, "I don't like ÉTÉ."));
}

TEST(IfEvalCheckers, EnglishCaseCheckersUsePythonCasing) {
  EXPECT_TRUE(strict("change_case:english_capital", json::object(), "THIS IS AN ENGLISH SENTENCE ABOUT THE WEATHER."));
  EXPECT_FALSE(strict("change_case:english_capital", json::object(), "THIS IS AN ENGLISH SENTENCE ǅ WEATHER."));  // titlecase
  EXPECT_FALSE(strict("change_case:english_capital", json::object(), "ЭТО РУССКОЕ ПРЕДЛОЖЕНИЕ О ПОГОДЕ."));
  // langdetect skips n-grams inside all-capital words, so capitalised French
  // is left with the words' first letters and passes as English, upstream too.
  EXPECT_TRUE(strict("change_case:english_capital", json::object(), "C'EST UNE PHRASE FRANÇAISE SUR LE TEMPS."));
  EXPECT_TRUE(strict("change_case:english_lowercase", json::object(), "this is an english sentence about the weather."));
  EXPECT_FALSE(strict("change_case:english_lowercase", json::object(), "this is an english sentence about the Weather."));
}

TEST(IfEvalCheckers, NoCommaMeansNoAsciiComma) {
  EXPECT_TRUE(strict("punctuation:no_comma", json::object(), "One、two，three"));
  EXPECT_FALSE(strict("punctuation:no_comma", json::object(), "One, two"));
}

TEST(IfEvalCheckers, EmptyResponseFollowsNothing) {
  EXPECT_FALSE(strict("punctuation:no_comma", json::object(), " \n\u3000"));
  EXPECT_FALSE(loose("punctuation:no_comma", json::object(), "\n"));
}

TEST(IfEvalCheckers, LooseTriesTheEightVariants) {
  const json end = {{"end_phrase", "The end."}};
  const std::string response = "The story.\nThe end.\nLet me know if you want more!";
  EXPECT_FALSE(strict("startend:end_checker", end, response));
  EXPECT_TRUE(loose("startend:end_checker", end, response));
  EXPECT_TRUE(loose("startend:quotation", json::object(), "Sure:\n\"quoted\""));
  EXPECT_FALSE(strict("startend:end_checker", end, "Story.\n**The end.**"));
  EXPECT_TRUE(loose("startend:end_checker", end, "Story.\n**The end.**"));  // without the '*'s
  EXPECT_FALSE(loose("startend:quotation", json::object(), "a\n\"b\nc"));
}

// ------------------------------------------------------------ Python pieces

TEST(IfEvalPython, RegexClassesFollowPythonStr) {
  EXPECT_EQ(py::Regex(R"(\w+)").count("naïve 東京 x_1 ٣"), 4u);
  EXPECT_EQ(py::Regex(R"(\d)").count("1٣²"), 2u);  // superscript two is not a decimal
  EXPECT_TRUE(py::Regex(R"(^a\s+b$)").search("a\x1c\u3000b"));
  EXPECT_TRUE(py::Regex("STRASSE", py::Regex::kIgnoreCase).search("strasse"));
  EXPECT_TRUE(py::Regex("σ", py::Regex::kIgnoreCase).search("ΟΔΟΣ"));
  EXPECT_FALSE(py::Regex("a.b").search("a\nb"));
  EXPECT_EQ(py::Regex("^x*$", py::Regex::kMultiline).count("x\n"), 2u);  // also after the final newline
  EXPECT_FALSE(py::Regex(R"(a\Z)").search("a\n"));
  EXPECT_TRUE(py::Regex(R"(\u00e9)").search("café"));
}

TEST(IfEvalPython, RegexIterationSplitAndSub) {
  std::vector<std::string> found;
  const std::string s = "a1b";
  for (const auto& m : py::Regex(R"(\d*)").find_all(s)) found.emplace_back(m.text(s));
  EXPECT_EQ(found, (std::vector<std::string>{"", "1", "", ""}));
  EXPECT_EQ(py::Regex(R"(\s?(x)\s?)").split("a x b"), (std::vector<std::string>{"a", "x", "b"}));
  EXPECT_EQ(py::Regex(R"((\w)(\d))").sub("a1 b2", R"(\2\g<1>-\g<0>)"), "1a-a1 2b-b2");
  EXPECT_THROW(py::Regex("(unclosed"), edgelm::Error);
}

TEST(IfEvalPython, StrMethods) {
  EXPECT_EQ(py::strip("\u00a0\x1f hi \u2003\n"), "hi");
  EXPECT_EQ(py::split_whitespace(" a\u3000b\u0085c "), (std::vector<std::string_view>{"a", "b", "c"}));
  EXPECT_EQ(py::lower("İSTANBUL ΟΔΟΣ"), "i\u0307stanbul \u03bf\u03b4\u03bf\u03c2");  // final sigma
  EXPECT_TRUE(py::is_upper("HELLO, WORLD 1"));
  EXPECT_FALSE(py::is_upper("HELLO ǅ"));
  EXPECT_FALSE(py::is_upper("123 !"));
  EXPECT_TRUE(py::is_lower("straße ⅰ"));
  EXPECT_EQ(edgelm::tok::utf8_sanitize(std::string("a\xff\xc3", 3)), "a\uFFFD\uFFFD");
}

TEST(IfEvalPython, RandomMatchesCPython) {
  py::PyRandom r(0);
  EXPECT_EQ(r.random(), 0.8444218515250481);
  EXPECT_EQ(r.gauss(0, 1), 0.05219198828260849);
  EXPECT_EQ(r.gauss(0, 1), -1.0434089742005737);
  EXPECT_EQ(r.below(1000), 265u);
  py::PyRandom big((uint64_t{1} << 40) + 5);
  EXPECT_EQ(big.random(), 0.5043802970418443);
  std::vector<uint32_t> draws;
  for (int i = 0; i < 5; ++i) draws.push_back(big.below(52));
  EXPECT_EQ(draws, (std::vector<uint32_t>{17, 42, 1, 33, 48}));
}

// Expected splits are nltk 3.8's sent_tokenize with the same parameters.
TEST(IfEvalPunkt, TrickySentences) {
  const ie::Punkt punkt(kData / "punkt_english_params.json");
  using V = std::vector<std::string_view>;
  EXPECT_EQ(punkt.sentences("Dr. Smith arrived at 5 p.m. He was late."), (V{"Dr. Smith arrived at 5 p.m.", "He was late."}));
  EXPECT_EQ(punkt.sentences("The U.S. economy grew 3.5% last year. Analysts expected more."),
            (V{"The U.S. economy grew 3.5% last year.", "Analysts expected more."}));
  EXPECT_EQ(punkt.sentences("Prices rose 2.5 percent. Then they fell... Nobody knew why!"),
            (V{"Prices rose 2.5 percent.", "Then they fell... Nobody knew why!"}));
  EXPECT_EQ(punkt.sentences("He said \"Stop.\" Then he left. (This is odd.) Right?"),
            (V{"He said \"Stop.\"", "Then he left.", "(This is odd.)", "Right?"}));
  EXPECT_EQ(punkt.sentences("Wait... what?! No way!!! Really?? Yes."),
            (V{"Wait...", "what?!", "No way!!!", "Really??", "Yes."}));
  EXPECT_EQ(punkt.sentences("It is 3 a.m. in the U.S. We are awake."), (V{"It is 3 a.m. in the U.S. We are awake."}));
  EXPECT_TRUE(punkt.sentences("  \n ").empty());
}

TEST(IfEvalPunkt, NltkWordTokenize) {
  const ie::Punkt punkt(kData / "punkt_english_params.json");
  EXPECT_EQ(punkt.word_tokenize("I DON'T like it. \"HELLO,\" she said. U.S.A. is BIG-TIME!"),
            (std::vector<std::string>{"I", "DO", "N'T", "like", "it", ".", "``", "HELLO", ",", "''", "she", "said", ".",
                                      "U.S.A.", "is", "BIG-TIME", "!"}));
  EXPECT_EQ(punkt.word_tokenize("They'll cannot gonna go (now) -- ok."),
            (std::vector<std::string>{"They", "'ll", "can", "not", "gon", "na", "go", "(", "now", ")", "--", "ok", "."}));
}

TEST(IfEvalLangDetect, DetectsLanguagesDeterministically) {
  const ie::LangDetector detector(kData / "langdetect_profiles");
  EXPECT_EQ(detector.languages().size(), 55u);
  const std::vector<std::pair<std::string, std::string>> cases{
      {"en", "This is a simple English sentence about the weather today."},
      {"fr", "Ceci est une phrase française sur le temps qu'il fait."},
      {"de", "Dies ist ein deutscher Satz über das Wetter heute."},
      {"ru", "Это русское предложение о погоде сегодня."},
      {"zh-cn", "这是一个关于今天天气的中文句子。"},
      {"ja", "これは今日の天気についての日本語の文です。"},
      {"ar", "هذه جملة عربية عن الطقس اليوم."},
      {"hi", "यह आज के मौसम के बारे में एक हिंदी वाक्य है।"},
  };
  for (const auto& [code, text] : cases) {
    EXPECT_EQ(detector.detect(text).value_or("none"), code) << text;
    EXPECT_EQ(detector.detect(text), detector.detect(text));
  }
  EXPECT_FALSE(detector.detect("12345 ... !!! https://example.com/x"));
  EXPECT_FALSE(detector.detect(""));
}

// ------------------------------------------------------------ bad input

TEST(IfEvalBadInput, MalformedLineIsNamed) {
  const auto path = temp_file("bad.jsonl",
                              "{\"key\": 1, \"prompt\": \"p\", \"instruction_id_list\": [], \"kwargs\": []}\n"
                              "{\"key\": 2, \"prompt\": \n");
  try {
    ie::load_prompts(path);
    FAIL() << "no error";
  } catch (const edgelm::Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.jsonl:2"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

TEST(IfEvalBadInput, BadPromptsAreRejectedWithTheLine) {
  const std::vector<std::string> bad{
      R"({"key": 1, "prompt": "p", "instruction_id_list": ["no:such"], "kwargs": [{}]})",
      R"({"key": 1, "prompt": "p", "instruction_id_list": ["punctuation:no_comma"], "kwargs": []})",
      R"({"key": 1, "prompt": "p", "instruction_id_list": ["keywords:frequency"], "kwargs": [{"keyword": "a"}]})",
      R"({"key": 1, "prompt": "p", "instruction_id_list": ["length_constraints:number_words"], "kwargs": [{"num_words": 5, "relation": "at most"}]})",
      R"({"key": 1, "prompt": "p", "instruction_id_list": ["detectable_format:title"], "kwargs": [{"extra": 1}]})",
      R"({"key": "1", "prompt": "p", "instruction_id_list": [], "kwargs": []})",
      R"([1, 2])",
  };
  for (const std::string& line : bad) {
    const auto path = temp_file("bad_prompt.jsonl", "\n" + line + "\n");
    try {
      ie::load_prompts(path);
      ADD_FAILURE() << "accepted: " << line;
    } catch (const edgelm::Error& e) {
      EXPECT_NE(std::string(e.what()).find("bad_prompt.jsonl:2"), std::string::npos) << e.what();
    }
    std::filesystem::remove(path);
  }
}

TEST(IfEvalBadInput, NullKwargsAreDropped) {
  const auto path = temp_file("nulls.jsonl",
                              R"({"key": 7, "prompt": "p", "instruction_id_list": ["detectable_format:title"],)"
                              R"( "kwargs": [{"num_words": null, "keywords": null}]})"
                              "\n");
  const auto prompts = ie::load_prompts(path);
  ASSERT_EQ(prompts.size(), 1u);
  EXPECT_TRUE(prompts[0].kwargs[0].empty());
  std::filesystem::remove(path);
}

TEST(IfEvalBadInput, MissingFilesAndFolders) {
  EXPECT_THROW(ie::Scorer("/nonexistent/ifeval"), edgelm::Error);
  EXPECT_THROW(ie::load_prompts("/nonexistent/input.jsonl"), edgelm::Error);
  EXPECT_THROW(ie::load_responses("/nonexistent/responses.jsonl"), edgelm::Error);
  const auto empty_dir = std::filesystem::temp_directory_path() / "edgelm_ifeval_empty";
  std::filesystem::create_directories(empty_dir);
  EXPECT_THROW(ie::Scorer{empty_dir}, edgelm::Error);
  std::filesystem::remove(empty_dir);
}

TEST(IfEvalBadInput, BadKeywordRegexAndOddResponses) {
  const ie::Prompt p = make_prompt("keywords:existence", {{"keywords", {"(unclosed"}}});
  EXPECT_THROW(scorer().strict(p, "text"), edgelm::Error);
  const ie::Prompt q = make_prompt("length_constraints:number_sentences", {{"num_sentences", 2}, {"relation", "at least"}});
  EXPECT_TRUE(scorer().strict(q, std::string("Bad ") + '\xff' + " bytes. Still two.").followed[0]);
  EXPECT_FALSE(scorer().loose(q, std::string(5000, '.')).followed[0]);
  ie::Prompt mismatched = q;
  mismatched.kwargs.clear();
  EXPECT_THROW(scorer().strict(mismatched, "x"), edgelm::Error);
}

TEST(IfEvalBadInput, AccuracyNeedsMatchingResults) {
  EXPECT_THROW(ie::accuracy(std::vector<ie::Result>(2), std::vector<ie::Result>(1)), edgelm::Error);
  const ie::Accuracy none = ie::accuracy({}, {});
  EXPECT_EQ(none.prompts, 0u);
  EXPECT_EQ(none.prompt_strict, 0.0);
}

}  // namespace
