#include "sample/grammar/gbnf.h"

#include <map>

#include "edgelm/error.h"

namespace edgelm::grammar {

namespace {

constexpr int kMaxNesting = 128;

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

class GbnfParser {
 public:
  using Expr = GrammarBuilder::Expr;
  GbnfParser(std::string_view text, const GbnfOptions& options) : src_(text), options_(options) {}

  Grammar parse() {
    skip_space(true);
    while (!at_end()) {
      parse_rule();
      skip_space(true);
    }
    for (const auto& [rule, where] : first_use_)
      if (!b_.is_defined(rule)) fail_at(where, "undefined rule '" + b_.rule_name(rule) + "'");
    const int32_t root = b_.find_rule(options_.root);
    if (root < 0 || !b_.is_defined(root)) throw Error("GBNF: no rule named '" + options_.root + "'");
    try {
      return b_.build(root);
    } catch (const Error& e) {
      throw Error(std::string("GBNF: ") + e.what());
    }
  }

 private:
  std::string_view src_;
  const GbnfOptions& options_;
  size_t pos_ = 0;
  int depth_ = 0;
  GrammarBuilder b_;
  std::map<int32_t, size_t> first_use_;  // rule -> offset of its first reference

  bool at_end() const { return pos_ >= src_.size(); }
  char peek(size_t ahead = 0) const { return pos_ + ahead < src_.size() ? src_[pos_ + ahead] : '\0'; }

  [[noreturn]] void fail_at(size_t offset, const std::string& message) const {
    int line = 1, column = 1;
    for (size_t i = 0; i < offset && i < src_.size(); ++i) {
      if (src_[i] == '\n') ++line, column = 1;
      else ++column;
    }
    throw Error("GBNF line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + message);
  }
  [[noreturn]] void fail(const std::string& message) const { fail_at(pos_, message); }

  // Skips blanks and comments; newlines only when allowed.
  void skip_space(bool newlines) {
    while (!at_end()) {
      const char c = peek();
      if (c == ' ' || c == '\t' || c == '\r' || (newlines && c == '\n')) {
        ++pos_;
      } else if (c == '#') {
        while (!at_end() && peek() != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  std::string parse_name() {
    const size_t start = pos_;
    while (!at_end() && is_name_char(peek())) ++pos_;
    if (pos_ == start) fail("expected a rule name");
    return std::string(src_.substr(start, pos_ - start));
  }

  int32_t rule_id(const std::string& name) {
    int32_t id = b_.find_rule(name);
    if (id < 0) id = b_.add_rule(name);
    return id;
  }

  void parse_rule() {
    const size_t start = pos_;
    const std::string name = parse_name();
    skip_space(false);
    if (src_.substr(pos_, 3) != "::=") fail("expected '::=' after rule name '" + name + "'");
    pos_ += 3;
    skip_space(true);
    const int32_t rule = rule_id(name);
    if (b_.is_defined(rule)) fail_at(start, "rule '" + name + "' is defined twice");
    b_.define(rule, parse_alternatives(false));
    skip_space(false);
    if (!at_end() && peek() != '\n') fail(std::string("unexpected '") + peek() + "'");
  }

  // At the top level a line break ends the rule, unless the next line
  // starts with '|'.
  bool continues_on_next_line() {
    size_t look = pos_;
    while (look < src_.size()) {
      const char c = src_[look];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        ++look;
      } else if (c == '#') {
        while (look < src_.size() && src_[look] != '\n') ++look;
      } else {
        break;
      }
    }
    if (look < src_.size() && src_[look] == '|') {
      pos_ = look;
      return true;
    }
    return false;
  }

  Expr parse_alternatives(bool nested) {
    std::vector<Expr> options{parse_sequence(nested)};
    for (;;) {
      skip_space(nested);
      if (peek() != '|' && (nested || !continues_on_next_line())) break;
      ++pos_;
      skip_space(true);
      options.push_back(parse_sequence(nested));
    }
    return b_.alt(std::move(options));
  }

  Expr parse_sequence(bool nested) {
    std::vector<Expr> items;
    for (;;) {
      skip_space(nested);
      const size_t start = pos_;
      const char c = peek();
      Expr atom;
      if (c == '"') {
        atom = parse_literal();
      } else if (c == '[') {
        atom = parse_class();
      } else if (c == '.') {
        ++pos_;
        atom = b_.chars(CodepointSet::all());
      } else if (c == '<') {
        atom = parse_token();
      } else if (c == '(') {
        if (++depth_ > kMaxNesting) fail("parentheses nested too deeply");
        ++pos_;
        skip_space(true);
        atom = parse_alternatives(true);
        skip_space(true);
        if (peek() != ')') fail("expected ')'");
        ++pos_;
        --depth_;
      } else if (is_name_char(c)) {
        const std::string name = parse_name();
        const int32_t rule = rule_id(name);
        first_use_.emplace(rule, start);
        atom = b_.ref(rule);
      } else {
        break;
      }
      items.push_back(parse_postfix(atom));
    }
    return items.empty() ? b_.empty() : b_.seq(std::move(items));
  }

  Expr parse_postfix(Expr atom) {
    for (;;) {
      const char c = peek();
      if (c == '*') ++pos_, atom = b_.star(atom);
      else if (c == '+') ++pos_, atom = b_.plus(atom);
      else if (c == '?') ++pos_, atom = b_.optional(atom);
      else if (c == '{') atom = parse_braces(atom);
      else return atom;
    }
  }

  int32_t parse_count() {
    const size_t start = pos_;
    int64_t value = 0;
    while (peek() >= '0' && peek() <= '9') {
      value = value * 10 + (peek() - '0');
      if (value > GrammarBuilder::kMaxRepeat) fail_at(start, "repetition count too large");
      ++pos_;
    }
    if (pos_ == start) fail("expected a number in '{m,n}'");
    return static_cast<int32_t>(value);
  }

  Expr parse_braces(Expr atom) {
    ++pos_;
    skip_space(false);
    const int32_t min = parse_count();
    int32_t max = min;
    skip_space(false);
    if (peek() == ',') {
      ++pos_;
      skip_space(false);
      max = peek() == '}' ? GrammarBuilder::kUnbounded : parse_count();
      skip_space(false);
    }
    if (peek() != '}') fail("expected '}'");
    ++pos_;
    if (max != GrammarBuilder::kUnbounded && max < min) fail("repetition {m,n} with n < m");
    return b_.repeat(atom, min, max);
  }

  uint32_t parse_hex(int digits) {
    uint32_t value = 0;
    for (int i = 0; i < digits; ++i) {
      const char c = peek();
      const int d = hex_digit_value(c);
      if (d < 0) fail("expected a hex digit");
      value = value * 16 + d;
      ++pos_;
    }
    return value;
  }

  // One character of a literal or class, escapes decoded.
  uint32_t parse_char() {
    if (at_end()) fail("unexpected end of grammar");
    if (peek() == '\\') {
      ++pos_;
      const char c = peek();
      ++pos_;
      switch (c) {
        case 'n': return '\n';
        case 'r': return '\r';
        case 't': return '\t';
        case '\\': case '"': case '[': case ']': case '-': case '^': return static_cast<uint8_t>(c);
        case 'x': return parse_hex(2);
        case 'u': return parse_hex(4);
        case 'U': return parse_hex(8);
        default: fail_at(pos_ - 2, std::string("unknown escape '\\") + c + "'");
      }
    }
    const std::string text(src_.substr(pos_, 4));
    size_t used = 0;
    uint32_t cp = 0;
    if (!decode_utf8(text, used, cp)) fail("invalid UTF-8");
    pos_ += used;
    return cp;
  }

  Expr parse_literal() {
    const size_t start = pos_++;
    std::string bytes;
    while (peek() != '"') {
      if (at_end() || peek() == '\n') fail_at(start, "unterminated string literal");
      const uint32_t cp = parse_char();
      if (cp > CodepointSet::kMaxCodepoint || (cp >= 0xD800 && cp <= 0xDFFF)) fail("escape is not a Unicode scalar value");
      append_utf8(bytes, cp);
    }
    ++pos_;
    return b_.literal(bytes);
  }

  Expr parse_class() {
    const size_t start = pos_++;
    const bool negated = peek() == '^';
    if (negated) ++pos_;
    CodepointSet set;
    while (peek() != ']') {
      if (at_end() || peek() == '\n') fail_at(start, "unterminated character class");
      const uint32_t lo = parse_char();
      uint32_t hi = lo;
      if (peek() == '-' && peek(1) != ']' && pos_ + 1 < src_.size()) {
        ++pos_;
        hi = parse_char();
        if (hi < lo) fail("character range is out of order");
      }
      set.add(lo, hi);
    }
    ++pos_;
    return b_.chars(negated ? set.complement() : set);
  }

  Expr parse_token() {
    const size_t start = pos_;
    const size_t close = src_.find('>', pos_ + 1);
    if (close == std::string_view::npos || src_.substr(pos_, close - pos_).find('\n') != std::string_view::npos)
      fail("unterminated token reference '<...>'");
    const std::string_view inner = src_.substr(pos_ + 1, close - pos_ - 1);
    pos_ = close + 1;
    if (inner.size() >= 2 && inner.front() == '[' && inner.back() == ']') {
      int64_t id = 0;
      const std::string_view digits = inner.substr(1, inner.size() - 2);
      if (digits.empty() || digits.size() > 9) fail_at(start, "bad token id in '<[...]>'");
      for (char c : digits) {
        if (c < '0' || c > '9') fail_at(start, "bad token id in '<[...]>'");
        id = id * 10 + (c - '0');
      }
      return b_.token(static_cast<int32_t>(id));
    }
    const std::string text = "<" + std::string(inner) + ">";
    if (!options_.resolve_token) fail_at(start, "token " + text + " needs a vocabulary to resolve it");
    const std::optional<int32_t> id = options_.resolve_token(text);
    if (!id) fail_at(start, "token " + text + " is not in the vocabulary");
    return b_.token(*id);
  }
};

}  // namespace

Grammar parse_gbnf(std::string_view text, const GbnfOptions& options) { return GbnfParser(text, options).parse(); }

}  // namespace edgelm::grammar
