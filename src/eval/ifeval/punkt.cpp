#include "eval/ifeval/punkt.h"

#include <fstream>
#include <optional>

#include <nlohmann/json.hpp>

#include "edgelm/error.h"
#include "eval/ifeval/pytext.h"
#include "tokenizer/unicode.h"

namespace edgelm::eval::ifeval {

namespace {

// Punkt's English-language regular expressions (PunktLanguageVars), in
// Python syntax without the VERBOSE layout.
constexpr std::string_view kMultiChar = R"((?:\-{2,}|\.{2,}|(?:\.\s){2,}\.))";
constexpr std::string_view kNonWord = R"((?:[)\";}\]\*:@\'\({\[\?!]))";
constexpr std::string_view kWordStart = R"([^\(\"\`{\[:;&\#\*@\)}\]\-,])";

std::string word_pattern() {
  const std::string mc(kMultiChar), nw(kNonWord), ws(kWordStart);
  return "(" + mc + "|(?=" + ws + R"()\S+?(?=\s|$|)" + nw + "|" + mc + R"(|,(?=$|\s|)" + nw + "|" + mc +
         R"())|\S))";
}

std::string period_context_pattern() {
  return R"([\.\?!](?=(?P<after_tok>)" + std::string(kNonWord) + R"(|\s+(?P<next_tok>\S+))))";
}

constexpr size_t kAfterTokGroup = 1, kNextTokGroup = 2;
constexpr std::string_view kNumberType = "##number##";

bool is_ascii_whitespace(char c) {  // Python's string.whitespace
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\x0b' || c == '\x0c';
}

// PunktSentenceTokenizer._get_last_whitespace_index: 0 also when the only
// whitespace is at index 0 (kept: the caller then takes the previous start).
size_t last_whitespace_index(std::string_view s) {
  for (size_t i = s.size(); i-- > 0;)
    if (is_ascii_whitespace(s[i])) return i;
  return 0;
}

std::string_view slice(std::string_view text, size_t begin, size_t end) {
  if (begin >= end || begin >= text.size()) return {};
  return text.substr(begin, end - begin);
}

char32_t first_char(std::string_view s) {
  size_t i = 0;
  return s.empty() ? 0 : tok::utf8_next(s, i);
}

const nlohmann::json& field(const nlohmann::json& j, const char* name) {
  if (!j.contains(name)) throw Error(std::string("missing \"") + name + "\"");
  return j.at(name);
}

}  // namespace

struct Punkt::Token {
  std::string tok, type;
  bool period_final = false, sentbreak = false, abbr = false, ellipsis = false;

  std::string type_no_period() const {
    if (py::length(type) > 1 && type.back() == '.') return type.substr(0, type.size() - 1);
    return type;
  }
  std::string type_no_sentperiod() const { return sentbreak ? type_no_period() : type; }
  bool first_upper() const {
    const char32_t c = first_char(tok);
    return py::is_upper_char(c) && !py::is_lower_char(c) && !py::is_title_char(c);
  }
  bool first_lower() const {
    const char32_t c = first_char(tok);
    return py::is_lower_char(c) && !py::is_upper_char(c) && !py::is_title_char(c);
  }
};

Punkt::Punkt(const std::filesystem::path& params_json)
    : period_context_(period_context_pattern()),
      word_re_(word_pattern()),
      realign_(R"(["\')\]}]+?(?:\s+|(?=--)|$))", py::Regex::kMultiline),
      numeric_(R"(^-?[\.,]?\d[\d,\.-]*\.?$)"),
      initial_(R"((?=\w)\D\.$)"),  // [^\W\d]\.$ : one non-digit word character and a period
      ellipsis_(R"(\.\.+$)") {
  std::ifstream in(params_json, std::ios::binary);
  if (!in) throw Error("ifeval: cannot read Punkt parameters " + params_json.string());
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    for (const auto& a : field(j, "abbrev_types")) abbrev_types_.insert(a.get<std::string>());
    for (const auto& s : field(j, "sent_starters")) sent_starters_.insert(s.get<std::string>());
    for (const auto& c : field(j, "collocations")) {
      if (!c.is_array() || c.size() != 2) throw Error("a collocation is not a pair");
      collocations_.insert(c[0].get<std::string>() + '\x1f' + c[1].get<std::string>());
    }
    for (const auto& [type, flags] : field(j, "ortho_context").items()) ortho_context_[type] = flags.get<int>();
    const nlohmann::json& flags = field(j, "ortho_context_flags");
    beg_uc_ = field(flags, "BEG_UC").get<int>();
    mid_uc_ = field(flags, "MID_UC").get<int>();
    unk_uc_ = field(flags, "UNK_UC").get<int>();
    beg_lc_ = field(flags, "BEG_LC").get<int>();
    mid_lc_ = field(flags, "MID_LC").get<int>();
    unk_lc_ = field(flags, "UNK_LC").get<int>();
  } catch (const nlohmann::json::exception& e) {
    throw Error("ifeval: bad Punkt parameters " + params_json.string() + ": " + e.what());
  } catch (const Error& e) {
    throw Error("ifeval: bad Punkt parameters " + params_json.string() + ": " + e.what());
  }
}

int Punkt::ortho(const std::string& type) const {
  const auto it = ortho_context_.find(type);
  return it == ortho_context_.end() ? 0 : it->second;
}

Punkt::Token Punkt::make_token(std::string_view text) const {
  Token t;
  t.tok = std::string(text);
  t.type = py::lower(text);
  if (numeric_.match(t.type)) t.type = kNumberType;
  t.period_final = !text.empty() && text.back() == '.';
  return t;
}

// PunktBaseClass._tokenize_words: Punkt word tokens, line by line.
std::vector<Punkt::Token> Punkt::tokenize_words(std::string_view text) const {
  std::vector<Token> tokens;
  for (std::string_view line : py::split(text, "\n")) {
    if (py::strip(line).empty()) continue;
    for (const py::Regex::Match& m : word_re_.find_all(line)) tokens.push_back(make_token(m.text(line)));
  }
  return tokens;
}

// Type-based annotation: sentence marks, ellipses, known abbreviations.
void Punkt::first_pass(Token& t) const {
  if (t.tok == "." || t.tok == "?" || t.tok == "!") {
    t.sentbreak = true;
  } else if (ellipsis_.match(t.tok)) {
    t.ellipsis = true;
  } else if (t.period_final && !t.tok.ends_with("..")) {
    const std::string base = py::lower(std::string_view(t.tok).substr(0, t.tok.size() - 1));
    const size_t dash = base.rfind('-');
    const std::string last_part = dash == std::string::npos ? base : base.substr(dash + 1);
    if (abbrev_types_.count(base) || abbrev_types_.count(last_part))
      t.abbr = true;
    else
      t.sentbreak = true;
  }
}

Punkt::Starter Punkt::ortho_heuristic(const Token& t) const {
  static const std::unordered_set<std::string> punctuation{";", ":", ",", ".", "!", "?"};
  if (punctuation.count(t.tok)) return Starter::kNo;
  const int context = ortho(t.type_no_sentperiod());
  const int any_lc = beg_lc_ | mid_lc_ | unk_lc_, any_uc = beg_uc_ | mid_uc_ | unk_uc_;
  // Capitalised here, seen lower case, never capitalised mid-sentence: a starter.
  if (t.first_upper() && (context & any_lc) && !(context & mid_uc_)) return Starter::kYes;
  // Lower case here and either seen capitalised or never lower case at a sentence start.
  if (t.first_lower() && ((context & any_uc) || !(context & beg_lc_))) return Starter::kNo;
  return Starter::kUnknown;
}

// Token-pair annotation of a period-final token given the token after it.
void Punkt::second_pass(Token& t, const Token& next) const {
  if (!t.period_final) return;
  const std::string type = t.type_no_period();
  const std::string next_type = next.type_no_sentperiod();
  const bool initial = initial_.match(t.tok).has_value();
  if (collocations_.count(type + '\x1f' + next_type)) {
    t.sentbreak = false;
    t.abbr = true;
    return;
  }
  if ((t.abbr || t.ellipsis) && !initial) {
    if (ortho_heuristic(next) == Starter::kYes) {
      t.sentbreak = true;
      return;
    }
    if (next.first_upper() && sent_starters_.count(next_type)) {
      t.sentbreak = true;
      return;
    }
  }
  if (initial || type == kNumberType) {
    const Starter starter = ortho_heuristic(next);
    if (starter == Starter::kNo) {
      t.sentbreak = false;
      t.abbr = true;
      return;
    }
    const int any_lc = beg_lc_ | mid_lc_ | unk_lc_;
    if (starter == Starter::kUnknown && initial && next.first_upper() && !(ortho(next_type) & any_lc)) {
      t.sentbreak = false;
      t.abbr = true;
    }
  }
}

// text_contains_sentbreak: a break on any token but the last.
bool Punkt::contains_sentbreak(std::string_view context) const {
  std::vector<Token> tokens = tokenize_words(context);
  for (Token& t : tokens) first_pass(t);
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    second_pass(tokens[i], tokens[i + 1]);
    if (tokens[i].sentbreak) return true;
  }
  return false;
}

std::vector<std::pair<size_t, size_t>> Punkt::sentence_spans(std::string_view text) const {
  // _match_potential_end_contexts: each candidate mark with the word before
  // it; a candidate whose word overlaps the previous candidate's replaces it.
  struct Candidate {
    py::Regex::Match match;
    size_t word_begin;
  };
  std::vector<Candidate> candidates;
  std::optional<Candidate> previous;
  size_t previous_stop = 0;
  for (py::Regex::Match& m : period_context_.find_all(text)) {
    const std::string_view before = slice(text, previous_stop, m.begin);
    size_t word_begin = last_whitespace_index(before);
    word_begin = word_begin ? word_begin + previous_stop + 1 : (previous ? previous->word_begin : 0);
    if (previous && previous_stop <= word_begin) candidates.push_back(*previous);
    previous = Candidate{std::move(m), word_begin};
    previous_stop = previous->match.begin;
  }
  if (previous) candidates.push_back(*previous);

  // _slices_from_text
  std::vector<std::pair<size_t, size_t>> slices;
  size_t last_break = 0;
  for (const Candidate& c : candidates) {
    std::string context(slice(text, c.word_begin, c.match.begin));
    context += c.match.text(text);
    context += c.match.group(text, kAfterTokGroup);
    if (!contains_sentbreak(context)) continue;
    slices.emplace_back(last_break, c.match.end);
    const auto& next_tok = c.match.groups[kNextTokGroup - 1];
    last_break = next_tok ? next_tok->first : c.match.end;
  }
  slices.emplace_back(last_break, py::rstrip(text).size());

  // _realign_boundaries: closing quotes/brackets join the sentence before.
  std::vector<std::pair<size_t, size_t>> spans;
  size_t realign = 0;
  for (size_t i = 0; i < slices.size(); ++i) {
    const std::pair<size_t, size_t> s1{slices[i].first + realign, slices[i].second};
    if (i + 1 == slices.size()) {
      if (s1.first < s1.second) spans.push_back(s1);
      continue;
    }
    const std::pair<size_t, size_t>& s2 = slices[i + 1];
    const std::string_view next = slice(text, s2.first, s2.second);
    if (auto m = realign_.match(next)) {
      spans.emplace_back(s1.first, s2.first + py::rstrip(m->text(next)).size());
      realign = m->end;
    } else {
      realign = 0;
      if (s1.first < s1.second) spans.push_back(s1);
    }
  }
  return spans;
}

std::vector<std::string_view> Punkt::sentences(std::string_view text) const {
  std::vector<std::string_view> out;
  for (const auto& [begin, end] : sentence_spans(text)) out.push_back(slice(text, begin, end));
  return out;
}

namespace {

struct Rule {
  py::Regex re;
  std::string_view replacement;
};

// NLTKWordTokenizer's substitutions (nltk 3.8), in order: starting quotes,
// punctuation, brackets, double dashes; then, on the text padded with spaces,
// ending quotes and the split contractions.
const std::vector<Rule>& word_rules_before_padding() {
  static const std::vector<Rule> rules = [] {
    std::vector<Rule> r;
    r.push_back({py::Regex("([«“‘„]|[`]+)"), R"( \1 )"});
    r.push_back({py::Regex(R"(^\")"), "``"});
    r.push_back({py::Regex("(``)"), R"( \1 )"});
    r.push_back({py::Regex(R"(([ \(\[{<])(\"|\'{2}))"), R"(\1 `` )"});
    r.push_back({py::Regex(R"((?i)(\')(?!re|ve|ll|m|t|s|d|n)(\w)\b)"), R"(\1 \2)"});
    r.push_back({py::Regex(R"(([^\.])(\.)([\]\)}>"\'»”’ ]*)\s*$)"), R"(\1 \2 \3 )"});
    r.push_back({py::Regex(R"(([:,])([^\d]))"), R"( \1 \2)"});
    r.push_back({py::Regex(R"(([:,])$)"), R"( \1 )"});
    r.push_back({py::Regex(R"(\.{2,})"), R"( \g<0> )"});
    r.push_back({py::Regex(R"([;@#$%&])"), R"( \g<0> )"});
    r.push_back({py::Regex(R"(([^\.])(\.)([\]\)}>"\']*)\s*$)"), R"(\1 \2\3 )"});
    r.push_back({py::Regex(R"([?!])"), R"( \g<0> )"});
    r.push_back({py::Regex(R"(([^'])' )"), R"(\1 ' )"});
    r.push_back({py::Regex(R"([*])"), R"( \g<0> )"});
    r.push_back({py::Regex(R"([\]\[\(\)\{\}\<\>])"), R"( \g<0> )"});
    r.push_back({py::Regex("--"), " -- "});
    return r;
  }();
  return rules;
}

const std::vector<Rule>& word_rules_after_padding() {
  static const std::vector<Rule> rules = [] {
    std::vector<Rule> r;
    r.push_back({py::Regex("([»”’])"), R"( \1 )"});
    r.push_back({py::Regex("''"), " '' "});
    r.push_back({py::Regex("\""), " '' "});
    r.push_back({py::Regex(R"(([^' ])('[sS]|'[mM]|'[dD]|') )"), R"(\1 \2 )"});
    r.push_back({py::Regex(R"(([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) )"), R"(\1 \2 )"});
    for (const char* contraction : {R"((?i)\b(can)(?#X)(not)\b)", R"((?i)\b(d)(?#X)('ye)\b)",
                                    R"((?i)\b(gim)(?#X)(me)\b)", R"((?i)\b(gon)(?#X)(na)\b)",
                                    R"((?i)\b(got)(?#X)(ta)\b)", R"((?i)\b(lem)(?#X)(me)\b)",
                                    R"((?i)\b(more)(?#X)('n)\b)", R"((?i)\b(wan)(?#X)(na)(?=\s))",
                                    R"((?i) ('t)(?#X)(is)\b)", R"((?i) ('t)(?#X)(was)\b)"})
      r.push_back({py::Regex(contraction), R"( \1 \2 )"});
    return r;
  }();
  return rules;
}

std::vector<std::string> nltk_word_tokenize_sentence(std::string_view sentence) {
  std::string text(sentence);
  for (const Rule& rule : word_rules_before_padding()) text = rule.re.sub(text, rule.replacement);
  text = " " + text + " ";
  for (const Rule& rule : word_rules_after_padding()) text = rule.re.sub(text, rule.replacement);
  std::vector<std::string> tokens;
  for (std::string_view t : py::split_whitespace(text)) tokens.emplace_back(t);
  return tokens;
}

}  // namespace

std::vector<std::string> Punkt::word_tokenize(std::string_view text) const {
  std::vector<std::string> tokens;
  for (std::string_view sentence : sentences(text))
    for (std::string& t : nltk_word_tokenize_sentence(sentence)) tokens.push_back(std::move(t));
  return tokens;
}

}  // namespace edgelm::eval::ifeval
