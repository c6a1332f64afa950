#include "eval/ifeval/checkers.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <optional>

#include "edgelm/error.h"
#include "eval/ifeval/langdetect.h"
#include "eval/ifeval/punkt.h"
#include "eval/ifeval/pyrandom.h"
#include "eval/ifeval/pyregex.h"
#include "eval/ifeval/pytext.h"
#include "tokenizer/unicode.h"

namespace edgelm::eval::ifeval {

namespace {

using py::Regex;
using nlohmann::json;

// ---------------------------------------------------------------- kwargs

// kCount: an integer the official code keeps only when non-negative; kInt: any integer.
enum class Arg { kCount, kInt, kText, kTextList, kRelation };
using ArgList = std::vector<std::pair<std::string, Arg>>;

const std::map<std::string, ArgList>& specs() {
  static const std::map<std::string, ArgList> table{
      {"keywords:existence", {{"keywords", Arg::kTextList}}},
      {"keywords:frequency", {{"keyword", Arg::kText}, {"frequency", Arg::kCount}, {"relation", Arg::kRelation}}},
      {"keywords:forbidden_words", {{"forbidden_words", Arg::kTextList}}},
      {"keywords:letter_frequency",
       {{"letter", Arg::kText}, {"let_frequency", Arg::kCount}, {"let_relation", Arg::kRelation}}},
      {"language:response_language", {{"language", Arg::kText}}},
      {"length_constraints:number_sentences", {{"num_sentences", Arg::kCount}, {"relation", Arg::kRelation}}},
      {"length_constraints:number_paragraphs", {{"num_paragraphs", Arg::kCount}}},
      {"length_constraints:number_words", {{"num_words", Arg::kCount}, {"relation", Arg::kRelation}}},
      {"length_constraints:nth_paragraph_first_word",
       {{"num_paragraphs", Arg::kCount}, {"nth_paragraph", Arg::kCount}, {"first_word", Arg::kText}}},
      {"detectable_content:number_placeholders", {{"num_placeholders", Arg::kCount}}},
      {"detectable_content:postscript", {{"postscript_marker", Arg::kText}}},
      {"detectable_format:number_bullet_lists", {{"num_bullets", Arg::kCount}}},
      {"detectable_format:constrained_response", {}},
      {"detectable_format:number_highlighted_sections", {{"num_highlights", Arg::kCount}}},
      {"detectable_format:multiple_sections", {{"section_spliter", Arg::kText}, {"num_sections", Arg::kCount}}},
      {"detectable_format:json_format", {}},
      {"detectable_format:title", {}},
      {"combination:two_responses", {}},
      {"combination:repeat_prompt", {{"prompt_to_repeat", Arg::kText}}},
      {"startend:end_checker", {{"end_phrase", Arg::kText}}},
      {"startend:quotation", {}},
      {"change_case:capital_word_frequency", {{"capital_frequency", Arg::kInt}, {"capital_relation", Arg::kRelation}}},
      {"change_case:english_capital", {}},
      {"change_case:english_lowercase", {}},
      {"punctuation:no_comma", {}},
  };
  return table;
}

void check_arg(const std::string& name, Arg kind, const json& value) {
  switch (kind) {
    case Arg::kCount:
      if (!value.is_number_integer() || value.get<int64_t>() < 0)
        throw Error("\"" + name + "\" must be a non-negative integer");
      return;
    case Arg::kInt:
      if (!value.is_number_integer()) throw Error("\"" + name + "\" must be an integer");
      return;
    case Arg::kText:
      if (!value.is_string()) throw Error("\"" + name + "\" must be a string");
      return;
    case Arg::kRelation:
      if (value != "less than" && value != "at least")
        throw Error("\"" + name + "\" must be \"less than\" or \"at least\"");
      return;
    case Arg::kTextList:
      if (!value.is_array() || value.empty()) throw Error("\"" + name + "\" must be a non-empty list of strings");
      for (const json& item : value)
        if (!item.is_string()) throw Error("\"" + name + "\" must be a non-empty list of strings");
      return;
  }
}

// Values the official build_description would replace by a random choice.
void check_random_fallbacks(const std::string& id, const json& kwargs) {
  if ((id == "keywords:frequency" && kwargs.at("keyword").get<std::string>().empty()) ||
      (id == "combination:repeat_prompt" && kwargs.at("prompt_to_repeat").get<std::string>().empty()))
    throw Error("the text argument must not be empty");
  if (id == "length_constraints:nth_paragraph_first_word") {
    const int64_t n = kwargs.at("nth_paragraph").get<int64_t>();
    if (n < 1 || n > kwargs.at("num_paragraphs").get<int64_t>())
      throw Error("\"nth_paragraph\" must be between 1 and num_paragraphs");
  }
}

bool compare(const json& relation, size_t actual, const json& threshold) {
  const auto t = threshold.get<int64_t>();
  const auto n = static_cast<int64_t>(actual);
  return relation == "less than" ? n < t : n >= t;
}

// ---------------------------------------------------------------- json.loads

class JsonValidator {
 public:
  explicit JsonValidator(std::string_view s) : s_(s) {}

  bool document() {
    skip_ws();
    if (!value(0)) return false;
    skip_ws();
    return i_ == s_.size();
  }

 private:
  static constexpr int kMaxDepth = 512;

  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool eat(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }
  bool digit_at(size_t k) const { return k < s_.size() && s_[k] >= '0' && s_[k] <= '9'; }
  void digits() {
    while (digit_at(i_)) ++i_;
  }

  bool value(int depth) {
    if (i_ >= s_.size() || depth > kMaxDepth) return false;
    switch (s_[i_]) {
      case '"': return string();
      case '{': return object(depth + 1);
      case '[': return array(depth + 1);
      case 'n': return eat("null");
      case 't': return eat("true");
      case 'f': return eat("false");
      case 'N': return eat("NaN");
      case 'I': return eat("Infinity");
      default: return eat("-Infinity") || number();
    }
  }

  // Python's number scanner: the longest prefix that is a JSON number.
  bool number() {
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    if (!digit_at(i_)) return false;
    if (s_[i_] == '0')
      ++i_;
    else
      digits();
    if (i_ < s_.size() && s_[i_] == '.' && digit_at(i_ + 1)) {
      ++i_;
      digits();
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      size_t k = i_ + 1;
      if (k < s_.size() && (s_[k] == '+' || s_[k] == '-')) ++k;
      if (digit_at(k)) {
        i_ = k;
        digits();
      }
    }
    return true;
  }

  bool string() {
    ++i_;  // opening quote
    while (i_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[i_++]);
      if (c == '"') return true;
      if (c < 0x20) return false;  // strict mode: no raw control characters
      if (c != '\\') continue;
      if (i_ >= s_.size()) return false;
      const char e = s_[i_++];
      if (e == 'u') {
        for (int k = 0; k < 4; ++k, ++i_)
          if (i_ >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[i_]))) return false;
      } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
        return false;
      }
    }
    return false;
  }

  bool object(int depth) {
    ++i_;
    skip_ws();
    if (i_ < s_.size() && s_[i_] == '}') return ++i_, true;
    while (true) {
      if (i_ >= s_.size() || s_[i_] != '"' || !string()) return false;
      skip_ws();
      if (!eat(":")) return false;
      skip_ws();
      if (!value(depth)) return false;
      skip_ws();
      if (eat("}")) return true;
      if (!eat(",")) return false;
      skip_ws();
    }
  }

  bool array(int depth) {
    ++i_;
    skip_ws();
    if (i_ < s_.size() && s_[i_] == ']') return ++i_, true;
    while (true) {
      if (!value(depth)) return false;
      skip_ws();
      if (eat("]")) return true;
      if (!eat(",")) return false;
      skip_ws();
    }
  }

  std::string_view s_;
  size_t i_ = 0;
};

std::string_view remove_prefix(std::string_view s, std::string_view prefix) {
  return s.starts_with(prefix) ? s.substr(prefix.size()) : s;
}

// ---------------------------------------------------------------- checkers

using Builder = Check (*)(const json& kwargs, const CheckContext& context);

Check keyword_existence(const json& kw, const CheckContext&) {
  auto patterns = std::make_shared<std::vector<Regex>>();
  for (const json& k : kw.at("keywords")) patterns->emplace_back(k.get<std::string>(), Regex::kIgnoreCase);
  return [patterns](std::string_view r) {
    for (const Regex& p : *patterns)
      if (!p.search(r)) return false;
    return true;
  };
}

Check keyword_frequency(const json& kw, const CheckContext&) {
  const std::string keyword(py::strip(kw.at("keyword").get<std::string>()));
  auto pattern = std::make_shared<Regex>(keyword, Regex::kIgnoreCase);
  return [pattern, kw](std::string_view r) {
    return compare(kw.at("relation"), pattern->count(r), kw.at("frequency"));
  };
}

Check forbidden_words(const json& kw, const CheckContext&) {
  auto patterns = std::make_shared<std::vector<Regex>>();
  for (const json& w : kw.at("forbidden_words"))
    patterns->emplace_back("\\b" + w.get<std::string>() + "\\b", Regex::kIgnoreCase);
  return [patterns](std::string_view r) {
    for (const Regex& p : *patterns)
      if (p.search(r)) return false;
    return true;
  };
}

// The letter to count for keywords:letter_frequency (see substitute_letter).
char32_t letter_to_count(const std::string& given, const CheckContext& c) {
  if (py::length(given) == 1) {
    const std::u32string lowered = py::decode(py::lower(given));
    if (lowered.size() == 1 && lowered[0] >= U'a' && lowered[0] <= U'z') return lowered[0];
  }
  return substitute_letter(c.key, c.index, c.loose);
}

Check letter_frequency(const json& kw, const CheckContext& c) {
  const char32_t letter = letter_to_count(kw.at("letter").get<std::string>(), c);
  return [letter, kw](std::string_view r) {
    return compare(kw.at("let_relation"), py::count_code_point(py::lower(r), letter), kw.at("let_frequency"));
  };
}

// langdetect failures count as followed, as in the official checker.
bool language_is(const LangDetector& languages, std::string_view r, const std::string& code) {
  const std::optional<std::string> detected = languages.detect(r);
  return !detected || *detected == code;
}

Check response_language(const json& kw, const CheckContext& c) {
  const LangDetector* languages = c.languages;
  const std::string code = kw.at("language").get<std::string>();
  return [languages, code](std::string_view r) { return language_is(*languages, r, code); };
}

Check number_sentences(const json& kw, const CheckContext& c) {
  const Punkt* punkt = c.punkt;
  return [punkt, kw](std::string_view r) {
    return compare(kw.at("relation"), punkt->sentence_spans(r).size(), kw.at("num_sentences"));
  };
}

Check number_paragraphs(const json& kw, const CheckContext&) {
  const auto wanted = kw.at("num_paragraphs").get<int64_t>();
  return [wanted](std::string_view r) {
    static const Regex divider(R"(\s?\*\*\*\s?)");
    const std::vector<std::string> parts = divider.split(r);
    auto count = static_cast<int64_t>(parts.size());
    for (size_t i = 0; i < parts.size(); ++i) {
      if (!py::strip(parts[i]).empty()) continue;
      if (i != 0 && i + 1 != parts.size()) return false;  // an empty paragraph between dividers
      --count;
    }
    return count == wanted;
  };
}

Check number_words(const json& kw, const CheckContext&) {
  return [kw](std::string_view r) {
    static const Regex word(R"(\w+)");
    return compare(kw.at("relation"), word.count(r), kw.at("num_words"));
  };
}

// First word of a paragraph as the official checker reads it: the first
// whitespace-separated token, leading quotes dropped, cut at the first
// punctuation mark, lowercased character by character.
std::string first_word_of(std::string_view paragraph) {
  std::string_view word = py::strip(py::split_whitespace(paragraph).front());
  word = py::lstrip_ascii(py::lstrip_ascii(word, "'"), "\"");
  std::string out;
  for (size_t i = 0; i < word.size();) {
    const size_t start = i;
    const char32_t c = tok::utf8_next(word, i);
    if (c < 0x80 && std::string_view(".,?!'\"").find(static_cast<char>(c)) != std::string_view::npos) break;
    out += py::lower(word.substr(start, i - start));
  }
  return out;
}

Check nth_paragraph_first_word(const json& kw, const CheckContext&) {
  const auto wanted = kw.at("num_paragraphs").get<int64_t>();
  const auto nth = static_cast<size_t>(kw.at("nth_paragraph").get<int64_t>());
  const std::string first_word = py::lower(kw.at("first_word").get<std::string>());
  return [wanted, nth, first_word](std::string_view r) {
    static const Regex blank_line(R"(\n\n)");
    const std::vector<std::string> paragraphs = blank_line.split(r);
    size_t count = paragraphs.size();
    for (const std::string& p : paragraphs)
      if (py::strip(p).empty()) --count;
    // The official code counts non-blank paragraphs but indexes the raw list.
    if (nth > count) return false;
    const std::string_view paragraph = py::strip(paragraphs[nth - 1]);
    if (paragraph.empty()) return false;
    return static_cast<int64_t>(count) == wanted && first_word_of(paragraph) == first_word;
  };
}

Check number_placeholders(const json& kw, const CheckContext&) {
  const auto wanted = kw.at("num_placeholders").get<size_t>();
  return [wanted](std::string_view r) {
    static const Regex placeholder(R"(\[.*?\])");
    return placeholder.count(r) >= wanted;
  };
}

Check postscript(const json& kw, const CheckContext&) {
  const std::string marker(py::strip(kw.at("postscript_marker").get<std::string>()));
  std::string pattern;
  if (marker == "P.P.S")
    pattern = R"(\s*p\.\s?p\.\s?s.*$)";
  else if (marker == "P.S.")
    pattern = R"(\s*p\.\s?s\..*$)";
  else
    pattern = R"(\s*)" + py::lower(marker) + R"(.*$)";
  auto re = std::make_shared<Regex>(pattern, Regex::kMultiline);
  return [re](std::string_view r) { return re->search(py::lower(r)).has_value(); };
}

Check number_bullet_lists(const json& kw, const CheckContext&) {
  const auto wanted = kw.at("num_bullets").get<size_t>();
  return [wanted](std::string_view r) {
    static const Regex star(R"(^\s*\*[^\*].*$)", Regex::kMultiline);
    static const Regex dash(R"(^\s*-.*$)", Regex::kMultiline);
    return star.count(r) + dash.count(r) == wanted;
  };
}

Check constrained_response(const json&, const CheckContext&) {
  return [](std::string_view r) {
    const std::string_view s = py::strip(r);
    for (std::string_view option : {"My answer is yes.", "My answer is no.", "My answer is maybe."})
      if (s.find(option) != std::string_view::npos) return true;
    return false;
  };
}

Check highlighted_sections(const json& kw, const CheckContext&) {
  const auto wanted = kw.at("num_highlights").get<size_t>();
  return [wanted](std::string_view r) {
    static const Regex single(R"(\*[^\n\*]*\*)");
    static const Regex twice(R"(\*\*[^\n\*]*\*\*)");
    size_t n = 0;
    for (const Regex::Match& m : single.find_all(r))
      if (!py::strip(py::strip_ascii(m.text(r), "*")).empty()) ++n;
    for (const Regex::Match& m : twice.find_all(r)) {
      const std::string_view t = m.text(r);
      if (!py::strip(t.substr(2, t.size() - 4)).empty()) ++n;
    }
    return n >= wanted;
  };
}

Check multiple_sections(const json& kw, const CheckContext&) {
  const std::string spliter(py::strip(kw.at("section_spliter").get<std::string>()));
  auto re = std::make_shared<Regex>(R"(\s?)" + spliter + R"(\s?\d+\s?)");
  const auto wanted = kw.at("num_sections").get<size_t>();
  return [re, wanted](std::string_view r) { return re->split(r).size() - 1 >= wanted; };
}

Check json_format(const json&, const CheckContext&) {
  return [](std::string_view r) {
    std::string_view v = py::strip(r);
    for (std::string_view fence : {"```json", "```Json", "```JSON", "```"}) v = remove_prefix(v, fence);
    if (v.ends_with("```")) v.remove_suffix(3);
    return python_json_parses(py::strip(v));
  };
}

Check title(const json&, const CheckContext&) {
  return [](std::string_view r) {
    static const Regex title_re(R"(<<[^\n]+>>)");
    for (const Regex::Match& m : title_re.find_all(r))
      if (!py::strip(py::rstrip_ascii(py::lstrip_ascii(m.text(r), "<"), ">")).empty()) return true;
    return false;
  };
}

Check two_responses(const json&, const CheckContext&) {
  return [](std::string_view r) {
    const std::vector<std::string_view> parts = py::split(r, "******");
    std::vector<std::string_view> answers;
    for (size_t i = 0; i < parts.size(); ++i) {
      if (!py::strip(parts[i]).empty())
        answers.push_back(parts[i]);
      else if (i != 0 && i + 1 != parts.size())
        return false;
    }
    return answers.size() == 2 && py::strip(answers[0]) != py::strip(answers[1]);
  };
}

Check repeat_prompt(const json& kw, const CheckContext&) {
  const std::string prefix = py::lower(py::strip(kw.at("prompt_to_repeat").get<std::string>()));
  return [prefix](std::string_view r) { return py::lower(py::strip(r)).starts_with(prefix); };
}

Check end_checker(const json& kw, const CheckContext&) {
  const std::string ending = py::lower(py::strip(kw.at("end_phrase").get<std::string>()));
  return [ending](std::string_view r) { return py::lower(py::strip_ascii(py::strip(r), "\"")).ends_with(ending); };
}

Check quotation(const json&, const CheckContext&) {
  return [](std::string_view r) {
    const std::string_view s = py::strip(r);
    return s.size() > 1 && s.front() == '"' && s.back() == '"';
  };
}

Check capital_word_frequency(const json& kw, const CheckContext& c) {
  const Punkt* punkt = c.punkt;
  return [punkt, kw](std::string_view r) {
    size_t n = 0;
    for (const std::string& word : punkt->word_tokenize(r))
      if (py::is_upper(word)) ++n;
    return compare(kw.at("capital_relation"), n, kw.at("capital_frequency"));
  };
}

Check english_capital(const json&, const CheckContext& c) {
  const LangDetector* languages = c.languages;
  return [languages](std::string_view r) { return py::is_upper(r) && language_is(*languages, r, "en"); };
}

Check english_lowercase(const json&, const CheckContext& c) {
  const LangDetector* languages = c.languages;
  return [languages](std::string_view r) { return py::is_lower(r) && language_is(*languages, r, "en"); };
}

Check no_comma(const json&, const CheckContext&) {
  return [](std::string_view r) { return r.find(',') == std::string_view::npos; };
}

const std::map<std::string, Builder>& builders() {
  static const std::map<std::string, Builder> table{
      {"keywords:existence", keyword_existence},
      {"keywords:frequency", keyword_frequency},
      {"keywords:forbidden_words", forbidden_words},
      {"keywords:letter_frequency", letter_frequency},
      {"language:response_language", response_language},
      {"length_constraints:number_sentences", number_sentences},
      {"length_constraints:number_paragraphs", number_paragraphs},
      {"length_constraints:number_words", number_words},
      {"length_constraints:nth_paragraph_first_word", nth_paragraph_first_word},
      {"detectable_content:number_placeholders", number_placeholders},
      {"detectable_content:postscript", postscript},
      {"detectable_format:number_bullet_lists", number_bullet_lists},
      {"detectable_format:constrained_response", constrained_response},
      {"detectable_format:number_highlighted_sections", highlighted_sections},
      {"detectable_format:multiple_sections", multiple_sections},
      {"detectable_format:json_format", json_format},
      {"detectable_format:title", title},
      {"combination:two_responses", two_responses},
      {"combination:repeat_prompt", repeat_prompt},
      {"startend:end_checker", end_checker},
      {"startend:quotation", quotation},
      {"change_case:capital_word_frequency", capital_word_frequency},
      {"change_case:english_capital", english_capital},
      {"change_case:english_lowercase", english_lowercase},
      {"punctuation:no_comma", no_comma},
  };
  return table;
}

}  // namespace

const std::vector<std::string>& instruction_ids() {
  static const std::vector<std::string> ids = [] {
    std::vector<std::string> v;
    for (const auto& [id, args] : specs()) v.push_back(id);
    return v;
  }();
  return ids;
}

void validate_instruction(const std::string& id, const json& kwargs) {
  const auto spec = specs().find(id);
  if (spec == specs().end()) throw Error("unknown instruction \"" + id + "\"");
  if (!kwargs.is_object()) throw Error(id + ": kwargs must be an object");
  try {
    for (const auto& [name, kind] : spec->second) {
      if (!kwargs.contains(name)) throw Error("missing \"" + name + "\"");
      check_arg(name, kind, kwargs.at(name));
    }
    for (const auto& [name, value] : kwargs.items()) {
      const bool known = std::any_of(spec->second.begin(), spec->second.end(),
                                     [&](const auto& arg) { return arg.first == name; });
      if (!known) throw Error("unexpected argument \"" + name + "\"");
    }
    check_random_fallbacks(id, kwargs);
  } catch (const Error& e) {
    throw Error(id + ": " + e.what());
  }
}

Check build_check(const std::string& id, const json& kwargs, const CheckContext& context) {
  validate_instruction(id, kwargs);
  return builders().at(id)(kwargs, context);
}

char32_t substitute_letter(int64_t key, size_t index, bool loose) {
  constexpr std::string_view kAsciiLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const uint64_t seed = (kLetterDrawSalt << 32) + 2 * (static_cast<uint64_t>(key) * 64 + index) + (loose ? 1 : 0);
  py::PyRandom rng(seed);
  const char letter = kAsciiLetters[rng.below(static_cast<uint32_t>(kAsciiLetters.size()))];
  return static_cast<char32_t>(letter >= 'A' && letter <= 'Z' ? letter - 'A' + 'a' : letter);
}

bool python_json_parses(std::string_view text) { return JsonValidator(text).document(); }

}  // namespace edgelm::eval::ifeval
