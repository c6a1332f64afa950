// A read position over a view of generated text that may still be growing.
//
// The call scanners are plain recursive-descent parsers. What makes them safe on a stream
// is this class: every read that runs past the end of the view either throws NeedMoreText
// (more text may still arrive, so nothing may be decided yet) or, once the view is known to
// be final, answers as if the text simply ended there. A scanner therefore reaches the same
// decision on a prefix of the text as on the whole text, or no decision at all.
#pragma once
#include <cstddef>
#include <string_view>

namespace edgelm::toolcalls::detail {

// The view ended before a decision could be made, and more text may follow.
struct NeedMoreText {};
// The view ended for good in the middle of a call (the output was cut off).
struct Truncated {};
// The text is not a well-formed call of this format.
struct Malformed {};

inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

class Cursor {
 public:
  Cursor(std::string_view text, bool at_end) : text_(text), at_end_(at_end) {}

  size_t pos() const { return pos_; }
  void set_pos(size_t pos) { pos_ = pos; }
  std::string_view text() const { return text_; }
  std::string_view slice(size_t from, size_t to) const { return text_.substr(from, to - from); }

  // True when nothing is left and nothing more will come.
  bool at_eof() const {
    if (pos_ < text_.size()) return false;
    if (!at_end_) throw NeedMoreText{};
    return true;
  }

  // The next character; running out is a truncation (or a wait, on a growing view).
  char peek() const {
    if (pos_ >= text_.size()) ran_out();
    return text_[pos_];
  }
  char next() {
    char c = peek();
    ++pos_;
    return c;
  }

  // Whether the text continues with `lit`. A rest that is a proper prefix of `lit` waits for
  // more text; at the final end it simply does not match.
  bool starts_with(std::string_view lit) const { return match(lit) == Match::Yes; }

  bool eat(std::string_view lit) {
    if (!starts_with(lit)) return false;
    pos_ += lit.size();
    return true;
  }

  // `lit` must come next: a mismatch is malformed, running out is a truncation.
  void expect(std::string_view lit) {
    Match m = match(lit);
    if (m == Match::RanOut) throw Truncated{};
    if (m == Match::No) throw Malformed{};
    pos_ += lit.size();
  }

  // Skips whitespace; needs to see what follows it unless the view is final.
  void skip_ws() {
    while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
    if (pos_ == text_.size() && !at_end_) throw NeedMoreText{};
  }

  // Position of the next occurrence of `lit` at or after `from`; absent is a truncation.
  size_t find(std::string_view lit, size_t from) const {
    size_t at = text_.find(lit, from);
    if (at == std::string_view::npos) ran_out();
    return at;
  }

 private:
  enum class Match { Yes, No, RanOut };

  Match match(std::string_view lit) const {
    std::string_view rest = text_.substr(pos_);
    if (rest.size() >= lit.size()) return rest.substr(0, lit.size()) == lit ? Match::Yes : Match::No;
    if (lit.substr(0, rest.size()) != rest) return Match::No;
    if (!at_end_) throw NeedMoreText{};
    return Match::RanOut;
  }

  [[noreturn]] void ran_out() const {
    if (!at_end_) throw NeedMoreText{};
    throw Truncated{};
  }

  std::string_view text_;
  size_t pos_ = 0;
  bool at_end_;
};

}  // namespace edgelm::toolcalls::detail
