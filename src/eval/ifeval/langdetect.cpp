#include "eval/ifeval/langdetect.h"

#include <algorithm>
#include <fstream>
#include <string_view>

#include <nlohmann/json.hpp>

#include "edgelm/error.h"
#include "eval/ifeval/pyrandom.h"
#include "eval/ifeval/pyregex.h"
#include "eval/ifeval/pytext.h"

namespace edgelm::eval::ifeval {

namespace {

#include "eval/ifeval/langdetect_tables.inc"

// langdetect's constants.
constexpr double kAlpha = 0.5;
constexpr double kAlphaWidth = 0.05;
constexpr int kIterationLimit = 1000;
constexpr double kProbThreshold = 0.1;
constexpr double kConvThreshold = 0.99999;
constexpr double kBaseFreq = 10000;
constexpr int kTrials = 7;
constexpr size_t kMaxTextLength = 10000;
constexpr size_t kMaxGram = 3;

struct Tables {
  std::u32string latin1_excluded, vi_base, vi_marks;
  std::vector<std::u32string> vi_composed;
  std::unordered_map<char32_t, char32_t> cjk;  // ideograph -> its class's first member
};

const Tables& tables() {
  static const Tables t = [] {
    Tables t;
    t.latin1_excluded = py::decode(kLatin1Excluded);
    t.vi_base = py::decode(kViBaseLetters);
    t.vi_marks = py::decode(kViMarks);
    for (std::string_view s : kViComposed) t.vi_composed.push_back(py::decode(s));
    for (std::string_view s : kCjkClasses) {
      const std::u32string members = py::decode(s);
      for (char32_t c : members) t.cjk[c] = members.front();
    }
    return t;
  }();
  return t;
}

bool in(char32_t c, char32_t lo, char32_t hi) { return c >= lo && c <= hi; }

// NGram.normalize: one character as the profiles see it, by Unicode block.
char32_t normalize(char32_t c) {
  const Tables& t = tables();
  if (c <= 0x7F) return (in(c, 'A', 'Z') || in(c, 'a', 'z')) ? c : U' ';
  if (c <= 0xFF) return t.latin1_excluded.find(c) != std::u32string::npos ? U' ' : c;
  if (in(c, 0x180, 0x24F)) {  // Latin Extended-B: Romanian comma letters -> cedilla letters
    if (c == 0x219) return 0x15F;
    if (c == 0x21B) return 0x163;
    return c;
  }
  if (in(c, 0x2000, 0x206F)) return U' ';  // General Punctuation
  if (in(c, 0x600, 0x6FF)) return c == 0x6CC ? 0x64A : c;  // Farsi yeh -> Arabic yeh
  if (in(c, 0x1E00, 0x1EFF)) return c >= 0x1EA0 ? 0x1EC3 : c;
  if (in(c, 0x3040, 0x309F)) return 0x3042;  // Hiragana
  if (in(c, 0x30A0, 0x30FF)) return 0x30A2;  // Katakana
  if (in(c, 0x3100, 0x312F) || in(c, 0x31A0, 0x31BF)) return 0x3105;  // Bopomofo
  if (in(c, 0x4E00, 0x9FFF)) {
    const auto it = t.cjk.find(c);
    return it == t.cjk.end() ? c : it->second;
  }
  if (in(c, 0xAC00, 0xD7AF)) return 0xAC00;  // Hangul syllables
  return c;
}

// NGram.normalize_vi: a base letter followed by a combining mark becomes
// the precomposed letter.
std::u32string fold_vietnamese(const std::u32string& s) {
  const Tables& t = tables();
  std::u32string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (i + 1 < s.size()) {
      const size_t base = t.vi_base.find(s[i]);
      const size_t mark = t.vi_marks.find(s[i + 1]);
      if (base != std::u32string::npos && mark != std::u32string::npos) {
        out.push_back(t.vi_composed[mark][base]);
        ++i;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// Detector.cleaning_text: when non-Latin characters dominate, drop the Latin
// ones. (langdetect compares a block number with a block name here, so every
// character from U+0300 on counts as non-Latin; kept as it is.)
void drop_latin_if_minor(std::u32string& text) {
  size_t latin = 0, non_latin = 0;
  for (char32_t c : text) {
    if (in(c, 'A', 'z'))
      ++latin;
    else if (c >= 0x300)
      ++non_latin;
  }
  if (latin * 2 >= non_latin) return;
  std::u32string kept;
  for (char32_t c : text)
    if (!in(c, 'A', 'z')) kept.push_back(c);
  text = std::move(kept);
}

bool is_upper(char32_t c) { return py::is_upper_char(c) && !py::is_lower_char(c) && !py::is_title_char(c); }

// Profile file names in sorted order (hidden files and folders skipped).
std::vector<std::filesystem::path> profile_files(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw Error("ifeval: langdetect profile folder not found: " + dir.string());
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().filename().string().starts_with('.') || !entry.is_regular_file()) continue;
    files.push_back(entry.path());
  }
  if (ec) throw Error("ifeval: cannot list " + dir.string() + ": " + ec.message());
  if (files.size() < 2) throw Error("ifeval: langdetect needs at least two profiles in " + dir.string());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

LangDetector::LangDetector(const std::filesystem::path& dir) {
  for (const std::filesystem::path& file : profile_files(dir)) {
    std::ifstream in(file, std::ios::binary);
    nlohmann::json profile;
    try {
      profile = nlohmann::json::parse(in);
      const std::string name = profile.at("name").get<std::string>();
      const auto n_words = profile.at("n_words").get<std::vector<double>>();
      if (n_words.size() < kMaxGram) throw Error("n_words needs 3 counts");
      if (std::find(languages_.begin(), languages_.end(), name) != languages_.end())
        throw Error("duplicate language " + name);
      const auto index = static_cast<uint32_t>(languages_.size());
      languages_.push_back(name);
      for (const auto& [gram, count] : profile.at("freq").items()) {
        const std::u32string key = py::decode(gram);
        if (key.empty() || key.size() > kMaxGram) continue;
        const double total = n_words[key.size() - 1];
        if (total <= 0) throw Error("n_words has a zero count");
        rows_[key].emplace_back(index, count.get<double>() / total);
      }
    } catch (const Error& e) {
      throw Error("ifeval: bad langdetect profile " + file.string() + ": " + e.what());
    } catch (const nlohmann::json::exception& e) {
      throw Error("ifeval: bad langdetect profile " + file.string() + ": " + e.what());
    }
  }
}

std::u32string LangDetector::prepare(std::string_view utf8_text) const {
  static const py::Regex url(R"(https?://[-_.?&~;+=/#0-9A-Za-z]{1,2076})");
  static const py::Regex mail(R"([-_.0-9A-Za-z]{1,64}@[-_0-9A-Za-z]{1,255}[-_.0-9A-Za-z]{1,255})");
  const std::string cleaned = mail.sub(url.sub(utf8_text, " "), " ");
  const std::u32string folded = fold_vietnamese(py::decode(cleaned));
  // Detector.append: at most 10000 characters, runs of spaces collapsed.
  std::u32string text;
  char32_t previous = 0;
  for (size_t i = 0; i < std::min(folded.size(), kMaxTextLength); ++i) {
    if (folded[i] != U' ' || previous != U' ') text.push_back(folded[i]);
    previous = folded[i];
  }
  drop_latin_if_minor(text);
  return text;
}

std::vector<const LangDetector::Row*> LangDetector::extract_ngrams(const std::u32string& text) const {
  std::vector<const Row*> found;
  std::u32string grams = U" ";
  bool capital_word = false;
  for (char32_t raw : text) {
    // NGram.add_char: a window of the last three characters since a space;
    // n-grams inside words of two or more capitals are skipped.
    const char32_t c = normalize(raw);
    const char32_t last = grams.back();
    if (last == U' ') {
      grams.assign(1, U' ');
      capital_word = false;
      if (c == U' ') continue;
    } else if (grams.size() >= kMaxGram) {
      grams.erase(0, 1);
    }
    grams.push_back(c);
    if (!is_upper(c))
      capital_word = false;
    else if (is_upper(last))
      capital_word = true;
    if (capital_word) continue;
    for (size_t n = 1; n <= kMaxGram && n <= grams.size(); ++n) {
      const std::u32string gram = grams.substr(grams.size() - n);
      if (gram == U" ") continue;
      const auto it = rows_.find(gram);
      if (it != rows_.end()) found.push_back(&it->second);
    }
  }
  return found;
}

std::optional<std::string> LangDetector::detect(std::string_view utf8_text, uint64_t seed) const {
  const std::vector<const Row*> ngrams = extract_ngrams(prepare(utf8_text));
  if (ngrams.empty()) return std::nullopt;  // langdetect: "No features in text."
  const size_t n_lang = languages_.size();
  std::vector<double> total(n_lang, 0.0);
  py::PyRandom rng(seed);
  for (int trial = 0; trial < kTrials; ++trial) {
    std::vector<double> prob(n_lang, 1.0 / static_cast<double>(n_lang));
    const double alpha = kAlpha + rng.gauss(0.0, 1.0) * kAlphaWidth;
    const double weight = alpha / kBaseFreq;
    for (int i = 0;; ++i) {
      const Row& row = *ngrams[rng.below(static_cast<uint32_t>(ngrams.size()))];
      size_t k = 0;
      for (size_t l = 0; l < n_lang; ++l) {
        const double p = (k < row.size() && row[k].first == l) ? row[k++].second : 0.0;
        prob[l] *= weight + p;
      }
      if (i % 5 == 0) {
        double sum = 0.0, max_p = 0.0;
        for (double p : prob) sum += p;
        for (double& p : prob) {
          p /= sum;
          max_p = std::max(max_p, p);
        }
        if (max_p > kConvThreshold || i >= kIterationLimit) break;
      }
    }
    for (size_t l = 0; l < n_lang; ++l) total[l] += prob[l] / kTrials;
  }
  // The first language with the highest probability above the threshold.
  size_t best = n_lang;
  for (size_t l = 0; l < n_lang; ++l)
    if (total[l] > kProbThreshold && (best == n_lang || total[l] > total[best])) best = l;
  return best == n_lang ? std::string("unknown") : languages_[best];
}

}  // namespace edgelm::eval::ifeval
