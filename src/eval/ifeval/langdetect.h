// Language identification with the algorithm of langdetect 1.0.9 (the port of
// Nakatani Shuyo's language-detection that the IFEval checker calls): the
// text is cleaned (URLs, e-mail addresses, Vietnamese marks, Latin letters
// in mostly non-Latin text), folded into n-grams of 1..3 normalised
// characters, and a naive Bayes posterior over the profiles is estimated by
// 7 trials of random n-gram draws with a jittered smoothing constant.
//
// Determinism: langdetect draws from an unseeded Python Random, so two runs
// of the official checker may disagree on borderline texts. Here the draws
// come from a Python-compatible Mersenne Twister re-seeded with `seed` for
// every text (DetectorFactory.seed = seed in Python), so a result is the one
// that Python's langdetect gives with that seed. The languages are indexed in
// the sorted order of the profile file names.
#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace edgelm::eval::ifeval {

class LangDetector {
 public:
  static constexpr uint64_t kDefaultSeed = 0;

  // Reads every profile (JSON: name, freq, n_words) in `dir`; throws
  // edgelm::Error if the folder is missing, empty or a profile is malformed.
  explicit LangDetector(const std::filesystem::path& dir);

  // The most probable language's code ("en", "zh-cn", ...), "unknown" when
  // no language reaches probability 0.1, or nullopt where langdetect raises
  // (the text has no usable n-gram).
  std::optional<std::string> detect(std::string_view utf8_text, uint64_t seed = kDefaultSeed) const;

  const std::vector<std::string>& languages() const { return languages_; }

 private:
  // Per n-gram: (language index, relative frequency) for the languages that have it.
  using Row = std::vector<std::pair<uint32_t, double>>;

  std::u32string prepare(std::string_view utf8_text) const;
  std::vector<const Row*> extract_ngrams(const std::u32string& text) const;

  std::vector<std::string> languages_;
  std::unordered_map<std::u32string, Row> rows_;
};

}  // namespace edgelm::eval::ifeval
