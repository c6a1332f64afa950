// NLTK's Punkt sentence splitter (the tokenize() path of
// PunktSentenceTokenizer, nltk 3.8) driven by trained parameters, plus the
// word tokenizer behind nltk.word_tokenize (Punkt sentences, then
// NLTKWordTokenizer's substitutions).
//
// Candidate breaks are the '.', '?' and '!' followed by punctuation or by
// whitespace and a token. Each candidate's context (the word before, the
// mark, the word after) is split into Punkt tokens and annotated in two
// passes: first by type (known abbreviation, ellipsis, otherwise a break),
// then by the pair of tokens around the mark (collocations, the orthographic
// evidence of how the next word is capitalised, frequent sentence starters,
// initials and numbers). Closing quotes and brackets after a break are
// moved into the sentence they close.
#pragma once
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "eval/ifeval/pyregex.h"

namespace edgelm::eval::ifeval {

class Punkt {
 public:
  // Reads the parameters exported as JSON (abbrev_types, collocations,
  // sent_starters, ortho_context, ortho_context_flags); throws edgelm::Error.
  explicit Punkt(const std::filesystem::path& params_json);

  // Byte ranges [begin, end) of the sentences of `text` (valid UTF-8).
  std::vector<std::pair<size_t, size_t>> sentence_spans(std::string_view text) const;
  std::vector<std::string_view> sentences(std::string_view text) const;

  // nltk.word_tokenize(text) with the English model this object holds.
  std::vector<std::string> word_tokenize(std::string_view text) const;

 private:
  struct Token;
  enum class Starter { kNo, kYes, kUnknown };  // the orthographic heuristic's verdict

  std::vector<Token> tokenize_words(std::string_view text) const;
  void first_pass(Token& tok) const;
  void second_pass(Token& tok, const Token& next) const;
  Starter ortho_heuristic(const Token& tok) const;
  bool contains_sentbreak(std::string_view context) const;
  int ortho(const std::string& type) const;
  Token make_token(std::string_view text) const;

  std::unordered_set<std::string> abbrev_types_, sent_starters_;
  std::unordered_set<std::string> collocations_;  // "first\x1fsecond"
  std::unordered_map<std::string, int> ortho_context_;
  int beg_uc_ = 0, mid_uc_ = 0, unk_uc_ = 0, beg_lc_ = 0, mid_lc_ = 0, unk_lc_ = 0;

  py::Regex period_context_, word_re_, realign_, numeric_, initial_, ellipsis_;
};

}  // namespace edgelm::eval::ifeval
