// Each scanner answers "how many code points does the regex match at p?"
// (0 = no match there); split_pieces() turns that into the regex-split
// behaviour of Hugging Face's "Isolated" Split and llama.cpp: matches become
// words and the text between matches is kept as words of its own.
#include "tokenizer/pretokenize.h"

#include "tokenizer/unicode.h"

namespace edgelm {
namespace {

using tok::kLetter;
using tok::kMark;
using tok::kNumber;
using tok::kPunct;
using tok::kWhitespace;

constexpr uint32_t kOutside = 0xFFFFFFFF;  // code point "read" beyond the piece

// One piece [begin, end) of the text being split. Reads outside the piece see
// no character and no class, which is what ends look-aheads at piece borders.
struct Piece {
  const std::vector<uint32_t>& cps;
  const std::vector<uint8_t>& classes;
  size_t begin, end;
  bool in(size_t p) const { return p >= begin && p < end; }
  uint32_t cp(size_t p) const { return in(p) ? cps[p] : kOutside; }
  uint8_t cls(size_t p) const { return in(p) ? classes[p] : 0; }
  bool has(size_t p, uint8_t mask) const { return (cls(p) & mask) != 0; }
  bool is_newline(size_t p) const { return cp(p) == '\r' || cp(p) == '\n'; }
  // End of the run of code points from p that have a class in `mask`.
  size_t run_end(size_t p, uint8_t mask) const {
    while (has(p, mask)) ++p;
    return p;
  }
  // End of the run of code points from p that have none of the classes in `mask`.
  size_t run_end_without(size_t p, uint8_t mask) const {
    while (in(p) && !has(p, mask)) ++p;
    return p;
  }
};

// 's 't 're 've 'm 'll 'd
size_t match_contraction(const Piece& s, size_t p, bool ignore_case) {
  if (s.cp(p) != '\'') return 0;
  const auto lower = [&](size_t q) {
    const uint32_t c = s.cp(q);
    return (ignore_case && c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
  };
  const uint32_t a = lower(p + 1);
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  const uint32_t b = lower(p + 2);
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  return 0;
}

// Whitespace handling shared by the regex families: `\s+(?!\S)` — a run of
// whitespace followed by a word gives its last character to that word.
size_t match_space_before_word(const Piece& s, size_t p) {
  const size_t q = s.run_end(p, kWhitespace);
  if (q == p) return 0;
  if (!s.in(q)) return q - p;   // run reaches the end of the piece
  return q - p > 1 ? q - p - 1 : 0;
}

// R_LLAMA3 / R_QWEN2 / R_QWEN35:
//   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
//   ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
struct FamilyMatcher {
  size_t max_digits;        // 3 for llama3, 1 for qwen
  bool marks_join_letters;  // qwen35

  size_t operator()(const Piece& s, size_t p) const {
    if (const size_t n = match_contraction(s, p, true)) return n;
    const uint8_t word = kLetter | (marks_join_letters ? kMark : 0);
    // An optional leading non-letter, non-number (not \r \n), then letters.
    if (!s.is_newline(p) && !s.has(p, kNumber) && (s.has(p, word) || s.has(p + 1, word))) {
      return s.run_end(p + 1, word) - p;
    }
    if (s.has(p, kNumber)) {
      size_t q = p + 1;
      while (q - p < max_digits && s.has(q, kNumber)) ++q;
      return q - p;
    }
    // An optional space, a run of "other" characters, then any \r \n.
    const uint8_t not_other = kWhitespace | kNumber | word;
    const size_t start = (s.cp(p) == ' ' && s.in(p + 1) && !s.has(p + 1, not_other)) ? p + 1 : p;
    if (s.in(start) && !s.has(start, not_other)) {
      size_t q = s.run_end_without(start, not_other);
      while (s.is_newline(q)) ++q;
      return q - p;
    }
    if (s.has(p, kWhitespace)) {
      // \s*[\r\n]+ : up to and including the last newline of the run.
      const size_t q = s.run_end(p, kWhitespace);
      for (size_t k = q; k > p; --k) {
        if (s.is_newline(k - 1)) return k - p;
      }
      const size_t n = match_space_before_word(s, p);
      return n > 0 ? n : q - p;  // else \s+
    }
    return 1;
  }
};

// R_GPT2: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)
size_t match_gpt2(const Piece& s, size_t p) {
  if (const size_t n = match_contraction(s, p, false)) return n;
  const size_t start = (s.cp(p) == ' ' && s.in(p + 1) && !s.has(p + 1, kWhitespace)) ? p + 1 : p;
  if (s.has(start, kLetter)) return s.run_end(start, kLetter) - p;
  if (s.has(start, kNumber)) return s.run_end(start, kNumber) - p;
  const uint8_t not_other = kWhitespace | kLetter | kNumber;
  if (s.in(start) && !s.has(start, not_other)) return s.run_end_without(start, not_other) - p;
  return match_space_before_word(s, p);
}

// R_DEFAULT stage 1: [\p{P}\$\+<=>\^~\|]+
size_t match_punct_run(const Piece& s, size_t p) {
  const auto is_punct = [&](size_t q) {
    const uint32_t c = s.cp(q);
    return s.has(q, kPunct) || c == '$' || c == '+' || c == '<' || c == '=' || c == '>' ||
           c == '^' || c == '~' || c == '|';
  };
  size_t q = p;
  while (is_punct(q)) ++q;
  return q - p;
}

// R_DEFAULT stage 3: \p{N}+
size_t match_number_run(const Piece& s, size_t p) { return s.run_end(p, kNumber) - p; }

// R_DEFAULT stage 4: [0-9][0-9][0-9]
size_t match_three_digits(const Piece& s, size_t p) {
  for (size_t k = 0; k < 3; ++k) {
    const uint32_t c = s.cp(p + k);
    if (c < '0' || c > '9') return 0;
  }
  return 3;
}

// [^\n]+|[\n]+
size_t match_newline_runs(const Piece& s, size_t p) {
  const bool newline = s.cp(p) == '\n';
  size_t q = p + 1;
  while (s.in(q) && (s.cp(q) == '\n') == newline) ++q;
  return q - p;
}

struct Range {
  size_t begin, end;
};

// Re-splits every range in `ranges` with one regex (given as its matcher).
template <class Matcher>
void split_pieces(const Matcher& match, const tok::Codepoints& text,
                  const std::vector<uint8_t>& classes, std::vector<Range>& ranges) {
  std::vector<Range> out;
  out.reserve(ranges.size() * 2);
  for (const Range& r : ranges) {
    const Piece piece{text.cps, classes, r.begin, r.end};
    size_t gap = r.begin, p = r.begin;
    while (p < r.end) {
      const size_t n = match(piece, p);
      if (n == 0) {
        ++p;
        continue;
      }
      if (gap < p) out.push_back({gap, p});
      out.push_back({p, p + n});
      p += n;
      gap = p;
    }
    if (gap < r.end) out.push_back({gap, r.end});
  }
  ranges.swap(out);
}

}  // namespace

void pre_tokenize(PreTokenizer kind, std::string_view text, std::vector<std::string_view>& words) {
  if (text.empty()) return;
  if (kind == PreTokenizer::kNone) {
    words.push_back(text);
    return;
  }
  const tok::Codepoints cps = tok::to_codepoints(text);
  std::vector<uint8_t> classes(cps.cps.size());
  for (size_t i = 0; i < classes.size(); ++i) classes[i] = tok::char_class(cps.cps[i]);

  std::vector<Range> ranges{{0, cps.cps.size()}};
  switch (kind) {
    case PreTokenizer::kNone: break;
    case PreTokenizer::kNewlines: split_pieces(match_newline_runs, cps, classes, ranges); break;
    case PreTokenizer::kLlama3: split_pieces(FamilyMatcher{3, false}, cps, classes, ranges); break;
    case PreTokenizer::kQwen2: split_pieces(FamilyMatcher{1, false}, cps, classes, ranges); break;
    case PreTokenizer::kQwen35: split_pieces(FamilyMatcher{1, true}, cps, classes, ranges); break;
    case PreTokenizer::kGpt2: split_pieces(match_gpt2, cps, classes, ranges); break;
    case PreTokenizer::kDefault:
      split_pieces(match_punct_run, cps, classes, ranges);
      split_pieces(match_gpt2, cps, classes, ranges);
      split_pieces(match_number_run, cps, classes, ranges);
      split_pieces(match_three_digits, cps, classes, ranges);
      break;
  }
  for (const Range& r : ranges) {
    const size_t b = cps.offsets[r.begin], e = cps.offsets[r.end];
    words.push_back(text.substr(b, e - b));
  }
}

}  // namespace edgelm
