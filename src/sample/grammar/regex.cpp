#include "sample/grammar/regex.h"

#include <string>

#include "edgelm/error.h"

namespace edgelm::grammar {

namespace {

constexpr int kMaxNesting = 64;
constexpr int32_t kMaxCount = 10000;

CodepointSet digit_set() { return CodepointSet::range('0', '9'); }

CodepointSet word_set() {
  CodepointSet s = CodepointSet::range('a', 'z');
  s.add('A', 'Z');
  s.add('0', '9');
  s.add('_');
  return s;
}

CodepointSet space_set() {
  CodepointSet s = CodepointSet::range('\t', '\r');  // \t \n \v \f \r
  s.add(' ');
  return s;
}

CodepointSet dot_set() { return CodepointSet::all().minus(CodepointSet::single('\n')).minus(CodepointSet::single('\r')); }

class RegexParser {
 public:
  using Expr = GrammarBuilder::Expr;
  RegexParser(GrammarBuilder& b, std::string_view pattern, const CharsEmitter& chars)
      : b_(b), src_(pattern), chars_(chars) {}

  Expr parse() {
    std::vector<Expr> options;
    for (;;) {
      options.push_back(parse_top_branch());
      if (at_end()) break;
      if (peek() != '|') fail("unexpected ')'");
      ++pos_;
    }
    return b_.alt(std::move(options));
  }

 private:
  GrammarBuilder& b_;
  std::string_view src_;
  const CharsEmitter& chars_;
  size_t pos_ = 0;
  int depth_ = 0;

  bool at_end() const { return pos_ >= src_.size(); }
  char peek(size_t ahead = 0) const { return pos_ + ahead < src_.size() ? src_[pos_ + ahead] : '\0'; }
  [[noreturn]] void fail(const std::string& message) const {
    throw Error("pattern \"" + std::string(src_.substr(0, 200)) + "\" at offset " + std::to_string(pos_) + ": " +
                message);
  }

  Expr any_text() { return b_.star(chars_(CodepointSet::all())); }

  // A top-level alternative, where ^ and $ may anchor its ends.
  Expr parse_top_branch() {
    const bool anchored_start = peek() == '^';
    if (anchored_start) ++pos_;
    std::vector<Expr> items;
    if (!anchored_start) items.push_back(any_text());
    items.push_back(parse_branch());
    const bool anchored_end = peek() == '$';
    if (anchored_end) ++pos_;
    if (!at_end() && peek() != '|') fail(peek() == '$' || peek() == '^' ? "anchors are supported only at the ends of the pattern" : "unexpected character");
    if (!anchored_end) items.push_back(any_text());
    return b_.seq(std::move(items));
  }

  Expr parse_alternation() {
    std::vector<Expr> options{parse_branch()};
    while (peek() == '|') {
      ++pos_;
      options.push_back(parse_branch());
    }
    return b_.alt(std::move(options));
  }

  Expr parse_branch() {
    std::vector<Expr> items;
    while (!at_end() && peek() != '|' && peek() != ')') {
      if (peek() == '^' || peek() == '$') {
        if (depth_ == 0 && peek() == '$' && (pos_ + 1 == src_.size() || peek(1) == '|')) break;
        fail("anchors are supported only at the ends of the pattern");
      }
      items.push_back(parse_quantified(parse_atom()));
    }
    return items.empty() ? b_.empty() : b_.seq(std::move(items));
  }

  bool parse_number(int32_t& value) {
    const size_t start = pos_;
    int64_t v = 0;
    while (peek() >= '0' && peek() <= '9') {
      v = v * 10 + (peek() - '0');
      if (v > kMaxCount) fail("repetition count above " + std::to_string(kMaxCount));
      ++pos_;
    }
    value = static_cast<int32_t>(v);
    return pos_ > start;
  }

  // {m}, {m,}, {m,n}; anything else leaves '{' to be read as a literal.
  bool parse_braces(int32_t& min, int32_t& max) {
    const size_t start = pos_;
    ++pos_;
    if (!parse_number(min)) return pos_ = start, false;
    max = min;
    if (peek() == ',') {
      ++pos_;
      if (!parse_number(max)) max = GrammarBuilder::kUnbounded;
    }
    if (peek() != '}') return pos_ = start, false;
    ++pos_;
    if (max != GrammarBuilder::kUnbounded && max < min) fail("repetition {m,n} with n < m");
    return true;
  }

  Expr parse_quantified(Expr atom) {
    for (;;) {
      int32_t min, max;
      const char c = peek();
      if (c == '*') ++pos_, min = 0, max = GrammarBuilder::kUnbounded;
      else if (c == '+') ++pos_, min = 1, max = GrammarBuilder::kUnbounded;
      else if (c == '?') ++pos_, min = 0, max = 1;
      else if (c == '{' && parse_braces(min, max)) {}
      else return atom;
      if (peek() == '?') ++pos_;  // lazy: same language
      if (peek() == '*' || peek() == '+' || peek() == '?') fail("nothing to repeat");
      atom = b_.repeat(atom, min, max);
    }
  }

  Expr parse_atom() {
    const char c = peek();
    if (c == '(') return parse_group();
    if (c == '[') return chars_(parse_class());
    if (c == '.') return ++pos_, chars_(dot_set());
    if (c == '*' || c == '+' || c == '?') fail("nothing to repeat");
    if (c == '\\') {
      CodepointSet set;
      parse_escape(set, false);
      return chars_(set);
    }
    return chars_(CodepointSet::single(next_codepoint()));
  }

  Expr parse_group() {
    ++pos_;
    if (peek() == '?') {
      if (peek(1) == ':') {
        pos_ += 2;
      } else if (peek(1) == '<' && peek(2) != '=' && peek(2) != '!') {
        const size_t close = src_.find('>', pos_);
        if (close == std::string_view::npos) fail("unterminated group name");
        pos_ = close + 1;
      } else {
        fail("lookaround and inline flags are not supported");
      }
    }
    if (++depth_ > kMaxNesting) fail("groups nested too deeply");
    const Expr inner = parse_alternation();
    --depth_;
    if (peek() != ')') fail("missing ')'");
    ++pos_;
    return inner;
  }

  uint32_t next_codepoint() {
    const std::string text(src_.substr(pos_, 4));
    size_t used = 0;
    uint32_t cp = 0;
    if (!decode_utf8(text, used, cp)) fail("invalid UTF-8");
    pos_ += used;
    return cp;
  }

  uint32_t parse_hex(size_t digits) {
    uint32_t v = 0;
    for (size_t i = 0; i < digits; ++i) {
      const char c = peek();
      const int d = hex_digit_value(c);
      if (d < 0) fail("expected a hex digit");
      v = v * 16 + d;
      ++pos_;
    }
    return v;
  }

  // Reads an escape after '\'; adds the character(s) it stands for.
  void parse_escape(CodepointSet& out, bool in_class) {
    ++pos_;
    if (at_end()) fail("pattern ends with '\\'");
    const char c = peek();
    ++pos_;
    switch (c) {
      case 'd': out.add(digit_set()); return;
      case 'D': out.add(digit_set().complement()); return;
      case 'w': out.add(word_set()); return;
      case 'W': out.add(word_set().complement()); return;
      case 's': out.add(space_set()); return;
      case 'S': out.add(space_set().complement()); return;
      case 'n': out.add('\n'); return;
      case 'r': out.add('\r'); return;
      case 't': out.add('\t'); return;
      case 'f': out.add('\f'); return;
      case 'v': out.add('\v'); return;
      case '0': out.add(0u); return;
      case 'x': out.add(parse_hex(2)); return;
      case 'u':
        if (peek() == '{') {
          ++pos_;
          uint32_t v = 0;
          size_t n = 0;
          while (peek() != '}') {
            v = v * 16 + parse_hex(1);
            if (++n > 6) fail("bad \\u{...} escape");
          }
          ++pos_;
          if (n == 0 || v > CodepointSet::kMaxCodepoint) fail("bad \\u{...} escape");
          out.add(v);
          return;
        }
        out.add(parse_hex(4));
        return;
      case 'b':
        if (in_class) return out.add('\b');
        fail("word boundaries are not supported");
      default:
        break;
    }
    if ((c >= '1' && c <= '9') || c == 'k') fail("back-references are not supported");
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || static_cast<uint8_t>(c) >= 0x80)
      fail(std::string("unknown escape '\\") + c + "'");
    out.add(static_cast<uint8_t>(c));  // escaped punctuation stands for itself
  }

  // One class member: a character, a range, or a class escape like \d.
  CodepointSet parse_class() {
    ++pos_;
    const bool negated = peek() == '^';
    if (negated) ++pos_;
    CodepointSet set;
    while (peek() != ']') {
      if (at_end()) fail("unterminated character class");
      CodepointSet item;
      if (peek() == '\\') parse_escape(item, true);
      else item.add(next_codepoint());
      const bool single = item.ranges().size() == 1 && item.ranges()[0].first == item.ranges()[0].second;
      if (single && peek() == '-' && peek(1) != ']' && pos_ + 1 < src_.size()) {
        ++pos_;
        CodepointSet upper;
        if (peek() == '\\') parse_escape(upper, true);
        else upper.add(next_codepoint());
        if (upper.ranges().size() != 1 || upper.ranges()[0].first != upper.ranges()[0].second)
          fail("bad character range");
        const uint32_t lo = item.ranges()[0].first, hi = upper.ranges()[0].first;
        if (hi < lo) fail("character range is out of order");
        item.add(lo, hi);
      }
      set.add(item);
    }
    ++pos_;
    return negated ? set.complement() : set;
  }
};

}  // namespace

GrammarBuilder::Expr regex_to_expr(GrammarBuilder& builder, std::string_view pattern, const CharsEmitter& chars) {
  return RegexParser(builder, pattern, chars).parse();
}

}  // namespace edgelm::grammar
