#include "eval/bfcl/py_parse.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <deque>
#include <optional>

#include "edgelm/error.h"
#include "eval/bfcl/py_text.h"

namespace edgelm::eval::bfcl::py {
namespace {

[[noreturn]] void fail(const std::string& why) { throw Error("Python decoder: " + why); }

// ---------------------------------------------------------------- tokens

enum class Tok { name, number, string, op, newline, end };

struct Token {
  Tok kind = Tok::end;
  std::string text;      // a name or an operator
  uint32_t literal = 0;  // number and string literals: their index in the literal pool
  bool fstring = false;
  bool u_prefix = false;

  bool is_op(std::string_view op) const { return kind == Tok::op && text == op; }
  bool is_name(std::string_view word) const { return kind == Tok::name && text == word; }
};

bool is_hard_keyword(std::string_view word) {
  static constexpr std::array<std::string_view, 35> kKeywords = {
      "False", "None",   "True",    "and",      "as",   "assert", "async", "await",  "break",
      "class", "continue", "def",   "del",      "elif", "else",   "except", "finally", "for",
      "from",  "global", "if",      "import",   "in",   "is",     "lambda", "nonlocal", "not",
      "or",    "pass",   "raise",   "return",   "try",  "while",  "with",  "yield"};
  return std::find(kKeywords.begin(), kKeywords.end(), word) != kKeywords.end();
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Digits in base 2, 8 or 16 to a Python int (decimal for big ones).
Value integer_in_base(const std::string& digits, int base) {
  std::vector<int> decimal{0};  // little-endian decimal digits of the value
  for (char c : digits) {
    int carry = hex_value(c);
    for (int& d : decimal) {
      const int x = d * base + carry;
      d = x % 10;
      carry = x / 10;
    }
    while (carry) {
      decimal.push_back(carry % 10);
      carry /= 10;
    }
  }
  std::string text;
  for (auto it = decimal.rbegin(); it != decimal.rend(); ++it) text += static_cast<char>('0' + *it);
  return integer_from_decimal(text);
}

// Reads tokens one at a time (the parser looks two ahead at most); literal
// values go to a pool that the syntax tree refers to by index.
class Lexer {
 public:
  Lexer(std::string_view text, std::vector<Value>& literals) : s_(text), literals_(literals) {}

  Token next() {
    skip_trivia();
    if (i_ >= s_.size()) return make_token(Tok::end, "");
    const char c = s_[i_];
    if (c == '\n') {  // only reached outside brackets
      ++i_;
      return make_token(Tok::newline, "\n");
    }
    if (is_digit(c) || (c == '.' && i_ + 1 < s_.size() && is_digit(s_[i_ + 1]))) return number();
    if (c == '"' || c == '\'') return string_literal("");
    if (starts_identifier(i_)) return name();
    return op();
  }

 private:
  Token make_token(Tok kind, std::string text) {
    Token t;
    t.kind = kind;
    t.text = std::move(text);
    return t;
  }
  Token literal_token(Tok kind, Value value) {
    Token t = make_token(kind, "");
    t.literal = static_cast<uint32_t>(literals_.size());
    literals_.push_back(std::move(value));
    return t;
  }

  char32_t cp_at(size_t i, size_t& len) const {
    const auto b = static_cast<unsigned char>(s_[i]);
    len = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    return code_points(s_.substr(i, len)).front();
  }
  bool starts_identifier(size_t i) const {
    size_t len = 0;
    const char32_t cp = cp_at(i, len);
    return cp == '_' || (cp < 0x80 ? ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') : is_identifier_char(cp));
  }
  size_t identifier_end(size_t i) const {
    while (i < s_.size()) {
      size_t len = 0;
      if (!is_identifier_char(cp_at(i, len))) break;
      i += len;
    }
    return i;
  }

  // Spaces, comments, line continuations, and newlines inside brackets.
  void skip_trivia() {
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == ' ' || c == '\t' || c == '\f') {
        ++i_;
      } else if (c == '#') {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
      } else if (c == '\\') {
        if (i_ + 1 >= s_.size() || s_[i_ + 1] != '\n') fail("unexpected character after line continuation character");
        i_ += 2;
      } else if (c == '\n' && !brackets_.empty()) {
        ++i_;
      } else {
        return;
      }
    }
  }

  // Digits with single underscores between them; returns them without the
  // underscores. Requires at least one digit.
  std::string digit_run(bool (*ok)(char), const char* what) {
    std::string out;
    if (i_ >= s_.size() || !ok(s_[i_])) fail(std::string("invalid ") + what + " literal");
    while (i_ < s_.size()) {
      if (ok(s_[i_])) {
        out += s_[i_++];
      } else if (s_[i_] == '_' && i_ + 1 < s_.size() && ok(s_[i_ + 1])) {
        ++i_;
      } else {
        break;
      }
    }
    if (i_ < s_.size() && s_[i_] == '_') fail(std::string("invalid ") + what + " literal");
    return out;
  }

  // After a number only a few keywords may follow without a space (1if x else y).
  void end_of_number(const char* what) {
    if (i_ >= s_.size() || !starts_identifier(i_)) return;
    static constexpr std::array<std::string_view, 8> kAllowed = {"and", "else", "for", "if", "in", "is", "not", "or"};
    for (std::string_view word : kAllowed)
      if (s_.substr(i_, word.size()) == word) return;
    fail(std::string("invalid ") + what + " literal");
  }

  Token number() {
    if (s_[i_] == '0' && i_ + 1 < s_.size() && std::string_view("xXoObB").find(s_[i_ + 1]) != std::string_view::npos) {
      const char kind = static_cast<char>(s_[i_ + 1] | 0x20);
      i_ += 2;
      if (i_ < s_.size() && s_[i_] == '_') ++i_;
      std::string digits;
      if (kind == 'x') digits = digit_run([](char c) { return hex_value(c) >= 0; }, "hexadecimal");
      if (kind == 'o') digits = digit_run([](char c) { return c >= '0' && c <= '7'; }, "octal");
      if (kind == 'b') digits = digit_run([](char c) { return c == '0' || c == '1'; }, "binary");
      if (i_ < s_.size() && is_digit(s_[i_])) fail("invalid digit in literal");
      end_of_number("integer");
      return literal_token(Tok::number, integer_in_base(digits, kind == 'x' ? 16 : kind == 'o' ? 8 : 2));
    }
    std::string mantissa;
    bool is_float = false;
    if (s_[i_] != '.') mantissa = digit_run(is_digit, "decimal");
    if (i_ < s_.size() && s_[i_] == '.') {
      is_float = true;
      ++i_;
      mantissa += '.';
      if (i_ < s_.size() && is_digit(s_[i_])) mantissa += digit_run(is_digit, "decimal");
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      size_t k = i_ + 1;
      if (k < s_.size() && (s_[k] == '+' || s_[k] == '-')) ++k;
      if (k < s_.size() && is_digit(s_[k])) {
        is_float = true;
        mantissa += 'e';
        if (s_[i_ + 1] == '-') mantissa += '-';
        i_ = k;
        mantissa += digit_run(is_digit, "decimal");
      }
    }
    const bool imaginary = i_ < s_.size() && (s_[i_] == 'j' || s_[i_] == 'J');
    if (imaginary) ++i_;
    // "007" is refused, "007.5", "00" and "007j" are not.
    if (!is_float && !imaginary && mantissa.size() > 1 && mantissa[0] == '0' &&
        mantissa.find_first_not_of('0') != std::string::npos)
      fail("leading zeros in decimal integer literals are not permitted");
    end_of_number(imaginary ? "imaginary" : "decimal");
    Value value = imaginary ? Value::complex_value(0.0, to_double(mantissa))
                  : is_float ? Value::floating(to_double(mantissa))
                             : integer_from_decimal(mantissa);
    return literal_token(Tok::number, std::move(value));
  }

  Token name() {
    const size_t start = i_;
    i_ = identifier_end(i_);
    std::string word(s_.substr(start, i_ - start));
    if (i_ < s_.size() && (s_[i_] == '\'' || s_[i_] == '"') && word.size() <= 2) {
      std::string lower_word = word;
      for (char& c : lower_word) c = static_cast<char>(c | 0x20);
      static constexpr std::array<std::string_view, 8> kPrefixes = {"r", "u", "b", "br", "rb", "f", "fr", "rf"};
      if (std::find(kPrefixes.begin(), kPrefixes.end(), lower_word) != kPrefixes.end())
        return string_literal(lower_word);
    }
    return make_token(Tok::name, std::move(word));
  }

  Token string_literal(const std::string& prefix) {
    const bool raw = prefix.find('r') != std::string::npos;
    const bool bytes = prefix.find('b') != std::string::npos;
    const char quote = s_[i_];
    const bool triple = s_.substr(i_, 3) == std::string(3, quote);
    const size_t start = i_ + (triple ? 3 : 1);
    size_t j = start;
    while (true) {
      if (j >= s_.size()) fail(triple ? "unterminated triple-quoted string literal" : "unterminated string literal");
      const char c = s_[j];
      if (c == '\\') {
        j += 2;
        continue;
      }
      if (c == '\n' && !triple) fail("unterminated string literal");
      if (c == quote && (!triple || s_.substr(j, 3) == std::string(3, quote))) break;
      ++j;
    }
    const std::string_view body = s_.substr(start, j - start);
    i_ = j + (triple ? 3 : 1);
    if (bytes && std::any_of(body.begin(), body.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; }))
      fail("bytes can only contain ASCII literal characters");
    const bool fstring = prefix.find('f') != std::string::npos;
    std::string content = (raw || fstring) ? std::string(body) : unescape(body, bytes);
    Token t = literal_token(Tok::string, bytes ? Value::bytes(std::move(content)) : Value::string(std::move(content)));
    t.fstring = fstring;
    t.u_prefix = prefix == "u";
    return t;
  }

  // Backslash escapes of a non-raw literal. Unknown escapes stay as written.
  static std::string unescape(std::string_view body, bool bytes) {
    std::string out;
    for (size_t k = 0; k < body.size(); ++k) {
      if (body[k] != '\\') {
        out += body[k];
        continue;
      }
      const char e = body[++k];  // the lexer guarantees a character after '\'
      switch (e) {
        case '\n': break;
        case '\\': out += '\\'; break;
        case '\'': out += '\''; break;
        case '"': out += '"'; break;
        case 'a': out += '\a'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'v': out += '\v'; break;
        case 'x': out_code(out, hex_escape(body, k, 2, "\\xXX"), bytes); break;
        case 'u':
        case 'U':
          if (bytes) {
            out += '\\';
            out += e;
          } else {
            out_code(out, hex_escape(body, k, e == 'u' ? 4 : 8, e == 'u' ? "\\uXXXX" : "\\UXXXXXXXX"), bytes);
          }
          break;
        case 'N':
          if (!bytes) fail("\\N{...} escapes are not supported");
          out += "\\N";
          break;
        default:
          if (e >= '0' && e <= '7') {
            char32_t value = e - '0';
            for (int n = 1; n < 3 && k + 1 < body.size() && body[k + 1] >= '0' && body[k + 1] <= '7'; ++n)
              value = value * 8 + (body[++k] - '0');
            if (bytes && value > 0xFF) fail("octal escape out of range in a bytes literal");
            out_code(out, value, bytes);
          } else {
            out += '\\';
            out += e;
          }
      }
    }
    return out;
  }

  static char32_t hex_escape(std::string_view body, size_t& k, int digits, const char* form) {
    char32_t value = 0;
    for (int n = 0; n < digits; ++n) {
      if (k + 1 >= body.size() || hex_value(body[k + 1]) < 0) fail(std::string("truncated ") + form + " escape");
      value = value * 16 + hex_value(body[++k]);
    }
    if (value > 0x10FFFF) fail("illegal Unicode character");
    return value;
  }

  // Python strings may hold lone surrogates; UTF-8 cannot, so they become U+FFFD.
  static void out_code(std::string& out, char32_t cp, bool bytes) {
    if (bytes) {
      out += static_cast<char>(cp);
    } else {
      pystr::append_utf8(out, (cp >= 0xD800 && cp <= 0xDFFF) ? 0xFFFD : cp);
    }
  }

  Token op() {
    static constexpr std::array<std::string_view, 24> kMulti = {
        "**=", "//=", ">>=", "<<=", "...", "!=", "%=", "&=", "**", "*=", "+=", "-=",
        "->",  "//",  "/=",  ":=",  "<<",  "<=", "==", ">=", ">>", "@=", "^=", "|="};
    for (std::string_view m : kMulti) {
      if (s_.substr(i_, m.size()) == m) {
        i_ += m.size();
        return make_token(Tok::op, std::string(m));
      }
    }
    const char c = s_[i_];
    if (std::string_view("()[]{}:,;+-*/|&<>=.%~^@").find(c) == std::string_view::npos) {
      size_t len = 0;
      const char32_t cp = cp_at(i_, len);
      fail(cp < 0x20 || cp == 0x7F ? "invalid non-printable character" : "invalid character '" + std::string(s_.substr(i_, len)) + "'");
    }
    if (c == '(' || c == '[' || c == '{') brackets_.push_back(c);
    if (c == ')' || c == ']' || c == '}') {
      const char open = c == ')' ? '(' : c == ']' ? '[' : '{';
      if (brackets_.empty()) fail(std::string("unmatched '") + c + "'");
      if (brackets_.back() != open) fail(std::string("closing parenthesis '") + c + "' does not match");
      brackets_.pop_back();
    }
    ++i_;
    return make_token(Tok::op, std::string(1, c));
  }

  std::string_view s_;
  std::vector<Value>& literals_;
  size_t i_ = 0;
  std::string brackets_;
};

// ---------------------------------------------------------------- syntax tree

enum class Kind {
  missing,  // an absent slice bound, the key of a `**x` dict item
  constant,
  ellipsis,
  joined_str,
  name,
  attribute,  // kids: value; text: attribute
  call,       // kids: func, positional..., keyword values...; keywords: their names
  starred,
  list,
  tuple,
  set,
  dict,  // kids: key, value, key, value...
  subscript,  // kids: value, slice
  slice,      // kids: lower, upper, step
  unary,      // text: operator
  binary,     // text: operator
  boolop,     // text: and / or
  compare,    // kids: left, comparators...; ops
  ifexp       // kids: body, test, orelse
};

struct Node {
  Kind kind = Kind::missing;
  bool u_prefix = false;  // a constant written u'...'
  int depth = 1;
  uint32_t literal = 0;   // a constant: its index in the literal pool
  std::string text;
  std::vector<std::string> ops;
  std::vector<Node> kids;
  std::vector<std::optional<std::string>> keywords;

  size_t positional_count() const { return kids.size() - 1 - keywords.size(); }
};

Node make(Kind kind, std::vector<Node> kids = {}, std::string text = {}) {
  Node n;
  n.kind = kind;
  n.text = std::move(text);
  n.kids = std::move(kids);
  for (const Node& k : n.kids) n.depth = std::max(n.depth, k.depth + 1);
  if (n.depth > kMaxTreeDepth) fail("expression nests deeper than " + std::to_string(kMaxTreeDepth) + " levels");
  return n;
}

class Parser {
 public:
  Parser(std::string_view text, std::vector<Value>& literals) : lexer_(text, literals), literals_(literals) {}

  Node parse() {
    Node body = expression();
    if (peek().is_op(",")) fail("the output is a tuple, not a list of calls");
    while (peek().kind == Tok::newline) advance();
    if (peek().kind != Tok::end) fail("invalid syntax");
    return body;
  }

 private:
  // Counts brackets, calls, subscripts and unary operators on the way down.
  struct Guard {
    explicit Guard(int& depth) : d(depth) {
      if (++d > kMaxNesting) fail("input nests deeper than " + std::to_string(kMaxNesting) + " levels");
    }
    ~Guard() { --d; }
    int& d;
  };

  const Token& peek(size_t ahead = 0) {
    while (ahead_.size() <= ahead) ahead_.push_back(lexer_.next());
    return ahead_[ahead];
  }
  void advance(size_t n = 1) {
    for (size_t i = 0; i < n; ++i) {
      peek();
      ahead_.pop_front();
    }
  }
  Node constant(Value value) {
    Node n = make(Kind::constant);
    n.literal = static_cast<uint32_t>(literals_.size());
    literals_.push_back(std::move(value));
    return n;
  }
  bool at_op(std::string_view op) { return peek().is_op(op); }
  bool at_word(std::string_view word) { return peek().is_name(word); }
  void expect_op(std::string_view op) {
    if (!at_op(op)) fail("invalid syntax: expected '" + std::string(op) + "'");
    advance();
  }
  void refuse_unsupported() {
    if (at_word("for") || at_word("async")) fail("comprehensions are not supported");
    if (at_op(":=")) fail("assignment expressions are not supported");
  }

  Node expression() {
    if (at_word("lambda")) fail("lambda expressions are not supported");
    Node body = disjunction();
    if (!at_word("if")) return body;
    advance();
    Node test = disjunction();
    if (!at_word("else")) fail("expected 'else' after 'if' expression");
    advance();
    Guard g(depth_);
    Node orelse = expression();
    return make(Kind::ifexp, vec(std::move(body), std::move(test), std::move(orelse)));
  }

  Node star_or_expression() {
    if (!at_op("*")) return expression();
    advance();
    return make(Kind::starred, vec(bitor_expr()));
  }

  Node boolean_chain(const char* word, Node (Parser::*operand)()) {
    Node first = (this->*operand)();
    if (!at_word(word)) return first;
    std::vector<Node> values;
    values.push_back(std::move(first));
    while (at_word(word)) {
      advance();
      values.push_back((this->*operand)());
    }
    return make(Kind::boolop, std::move(values), word);
  }
  Node disjunction() { return boolean_chain("or", &Parser::conjunction); }
  Node conjunction() { return boolean_chain("and", &Parser::inversion); }

  Node inversion() {
    if (!at_word("not")) return comparison();
    Guard g(depth_);
    advance();
    return make(Kind::unary, vec(inversion()), "not");
  }

  std::optional<std::string> comparison_operator() {
    static constexpr std::array<std::string_view, 6> kOps = {"<", ">", "==", ">=", "<=", "!="};
    for (std::string_view op : kOps) {
      if (at_op(op)) {
        advance();
        return std::string(op);
      }
    }
    if (at_word("in")) {
      advance();
      return "in";
    }
    if (at_word("not") && peek(1).is_name("in")) {
      advance(2);
      return "not in";
    }
    if (!at_word("is")) return std::nullopt;
    advance();
    if (!at_word("not")) return "is";
    advance();
    return "is not";
  }

  Node comparison() {
    Node left = bitor_expr();
    std::vector<std::string> ops;
    std::vector<Node> kids;
    while (auto op = comparison_operator()) {
      if (kids.empty()) kids.push_back(std::move(left));
      ops.push_back(*op);
      kids.push_back(bitor_expr());
    }
    if (kids.empty()) return left;
    Node n = make(Kind::compare, std::move(kids));
    n.ops = std::move(ops);
    return n;
  }

  Node binary_chain(std::initializer_list<std::string_view> ops, Node (Parser::*operand)()) {
    Node left = (this->*operand)();
    while (true) {
      const auto it = std::find_if(ops.begin(), ops.end(), [&](std::string_view op) { return at_op(op); });
      if (it == ops.end()) return left;
      advance();
      Node right = (this->*operand)();
      left = make(Kind::binary, vec(std::move(left), std::move(right)), std::string(*it));
    }
  }
  Node bitor_expr() { return binary_chain({"|"}, &Parser::bitxor_expr); }
  Node bitxor_expr() { return binary_chain({"^"}, &Parser::bitand_expr); }
  Node bitand_expr() { return binary_chain({"&"}, &Parser::shift_expr); }
  Node shift_expr() { return binary_chain({"<<", ">>"}, &Parser::arith_expr); }
  Node arith_expr() { return binary_chain({"+", "-"}, &Parser::term); }
  Node term() { return binary_chain({"*", "/", "//", "%", "@"}, &Parser::factor); }

  Node factor() {
    if (at_op("+") || at_op("-") || at_op("~")) {
      Guard g(depth_);
      std::string op = peek().text;
      advance();
      return make(Kind::unary, vec(factor()), std::move(op));
    }
    return power();
  }

  Node power() {
    Node base = primary();
    if (!at_op("**")) return base;
    Guard g(depth_);
    advance();
    Node exponent = factor();
    return make(Kind::binary, vec(std::move(base), std::move(exponent)), "**");
  }

  Node primary() {
    Node n = atom();
    while (true) {
      if (at_op(".")) {
        advance();
        if (peek().kind != Tok::name || is_hard_keyword(peek().text)) fail("invalid syntax after '.'");
        std::string attr = peek().text;
        advance();
        n = make(Kind::attribute, vec(std::move(n)), std::move(attr));
      } else if (at_op("(")) {
        n = call(std::move(n));
      } else if (at_op("[")) {
        n = subscript(std::move(n));
      } else {
        return n;
      }
    }
  }

  Node call(Node func) {
    Guard g(depth_);
    advance();
    std::vector<Node> positional, keyword_values;
    std::vector<std::optional<std::string>> keyword_names;
    bool seen_keyword = false, seen_double_star = false;
    while (!at_op(")")) {
      if (at_op("*")) {
        advance();
        if (seen_double_star) fail("iterable argument unpacking follows keyword argument unpacking");
        positional.push_back(make(Kind::starred, vec(expression())));
      } else if (at_op("**")) {
        advance();
        keyword_names.push_back(std::nullopt);
        keyword_values.push_back(expression());
        seen_double_star = true;
      } else if (peek().kind == Tok::name && peek(1).is_op("=")) {
        const std::string name = peek().text;
        if (is_hard_keyword(name)) fail("cannot assign to " + name);
        advance(2);
        keyword_names.push_back(name);
        keyword_values.push_back(expression());
        seen_keyword = true;
      } else {
        Node arg = expression();
        if (at_op("=")) fail("expression cannot contain assignment");
        refuse_unsupported();
        if (seen_double_star) fail("positional argument follows keyword argument unpacking");
        if (seen_keyword) fail("positional argument follows keyword argument");
        positional.push_back(std::move(arg));
      }
      if (!at_op(",")) break;
      advance();
    }
    expect_op(")");
    std::vector<Node> kids;
    kids.push_back(std::move(func));
    for (Node& p : positional) kids.push_back(std::move(p));
    for (Node& k : keyword_values) kids.push_back(std::move(k));
    Node n = make(Kind::call, std::move(kids));
    n.keywords = std::move(keyword_names);
    return n;
  }

  Node slice_item() {
    if (at_op("*")) return star_or_expression();
    Node lower;
    if (!at_op(":")) {
      lower = expression();
      if (!at_op(":")) return lower;
    }
    advance();
    const auto bound_ends = [&] { return at_op(":") || at_op(",") || at_op("]"); };
    Node upper = bound_ends() ? Node{} : expression();
    Node step;
    if (at_op(":")) {
      advance();
      if (!at_op(",") && !at_op("]")) step = expression();
    }
    return make(Kind::slice, vec(std::move(lower), std::move(upper), std::move(step)));
  }

  Node subscript(Node value) {
    Guard g(depth_);
    advance();
    std::vector<Node> items;
    bool comma = false;
    while (true) {
      items.push_back(slice_item());
      if (!at_op(",")) break;
      advance();
      comma = true;
      if (at_op("]")) break;
    }
    expect_op("]");
    Node slice = (comma || items[0].kind == Kind::starred) ? make(Kind::tuple, std::move(items)) : std::move(items[0]);
    return make(Kind::subscript, vec(std::move(value), std::move(slice)));
  }

  // Comma-separated items up to `close`, with an optional trailing comma.
  std::vector<Node> display_items(std::string_view close, std::vector<Node> items = {}) {
    while (!at_op(close)) {
      items.push_back(star_or_expression());
      refuse_unsupported();
      if (!at_op(",")) break;
      advance();
    }
    expect_op(close);
    return items;
  }

  Node parenthesized() {
    advance();
    if (at_op(")")) {
      advance();
      return make(Kind::tuple);
    }
    Node first = star_or_expression();
    refuse_unsupported();
    if (at_op(")")) {
      advance();
      if (first.kind == Kind::starred) fail("cannot use starred expression here");
      return first;
    }
    expect_op(",");
    std::vector<Node> items;
    items.push_back(std::move(first));
    return make(Kind::tuple, display_items(")", std::move(items)));
  }

  Node braced() {
    advance();
    if (at_op("}")) {
      advance();
      return make(Kind::dict);
    }
    if (!at_op("**")) {
      Node first = star_or_expression();
      if (!at_op(":") || first.kind == Kind::starred) {
        refuse_unsupported();
        std::vector<Node> items;
        items.push_back(std::move(first));
        if (at_op(",")) {
          advance();
          return make(Kind::set, display_items("}", std::move(items)));
        }
        expect_op("}");
        return make(Kind::set, std::move(items));
      }
      advance();
      std::vector<Node> kids;
      kids.push_back(std::move(first));
      kids.push_back(expression());
      return dict_items(std::move(kids));
    }
    return dict_items({});
  }

  // The rest of a dict display; `kids` holds the items read so far.
  Node dict_items(std::vector<Node> kids) {
    while (true) {
      refuse_unsupported();
      if (!kids.empty()) {
        if (!at_op(",")) break;
        advance();
      }
      if (at_op("}")) break;
      if (at_op("**")) {
        advance();
        kids.emplace_back();
        kids.push_back(bitor_expr());
      } else {
        kids.push_back(expression());
        expect_op(":");
        kids.push_back(expression());
      }
    }
    expect_op("}");
    return make(Kind::dict, std::move(kids));
  }

  // Adjacent string literals are one constant; an f-string among them makes
  // the whole an f-string, which upstream cannot resolve.
  Node strings() {
    const bool u_prefix = peek().u_prefix;
    bool fstring = false, has_bytes = false, has_text = false;
    std::string joined;
    while (peek().kind == Tok::string) {
      const Token& t = peek();
      const Value& piece = literals_[t.literal];
      fstring |= t.fstring;
      (piece.type == Type::bytes ? has_bytes : has_text) = true;
      joined += piece.text;
      advance();
    }
    if (has_bytes && has_text) fail("cannot mix bytes and nonbytes literals");
    if (fstring) return make(Kind::joined_str);
    Node n = constant(has_bytes ? Value::bytes(std::move(joined)) : Value::string(std::move(joined)));
    n.u_prefix = u_prefix;
    return n;
  }

  Node atom() {
    const Token& t = peek();
    switch (t.kind) {
      case Tok::number: {
        Node n = make(Kind::constant);
        n.literal = t.literal;
        advance();
        return n;
      }
      case Tok::string: return strings();
      case Tok::name: {
        if (t.text == "True" || t.text == "False" || t.text == "None") {
          Value v = t.text == "None" ? Value::none() : Value::boolean(t.text == "True");
          advance();
          return constant(std::move(v));
        }
        if (is_hard_keyword(t.text)) fail("invalid syntax at '" + t.text + "'");
        std::string id = t.text;
        advance();
        return make(Kind::name, {}, std::move(id));
      }
      case Tok::op: {
        if (t.text == "...") {
          advance();
          return make(Kind::ellipsis);
        }
        if (t.text == "(" || t.text == "[" || t.text == "{") {
          Guard g(depth_);
          if (t.text == "(") return parenthesized();
          if (t.text == "{") return braced();
          advance();
          return make(Kind::list, display_items("]"));
        }
        fail("invalid syntax at '" + t.text + "'");
      }
      case Tok::newline: fail("invalid syntax: unexpected newline");
      default: fail("invalid syntax: unexpected end of input");
    }
  }

  static std::vector<Node> vec(Node a) {
    std::vector<Node> v;
    v.push_back(std::move(a));
    return v;
  }
  static std::vector<Node> vec(Node a, Node b) {
    std::vector<Node> v = vec(std::move(a));
    v.push_back(std::move(b));
    return v;
  }
  static std::vector<Node> vec(Node a, Node b, Node c) {
    std::vector<Node> v = vec(std::move(a), std::move(b));
    v.push_back(std::move(c));
    return v;
  }

  Lexer lexer_;
  std::vector<Value>& literals_;
  std::deque<Token> ahead_;
  int depth_ = 0;
};

// ---------------------------------------------------------------- unparse
// ast.unparse's layout: the precedence levels of its table decide where
// parentheses go; strings and numbers print as repr() does.

enum Prec { kTuple = 2, kTest = 4, kOr = 5, kAnd = 6, kNot = 7, kCmp = 8, kExpr = 9, kBor = 9, kBxor = 10,
            kBand = 11, kShift = 12, kArith = 13, kTerm = 14, kFactor = 15, kPower = 16, kAtom = 18 };

int binary_precedence(const std::string& op) {
  if (op == "+" || op == "-") return kArith;
  if (op == "<<" || op == ">>") return kShift;
  if (op == "|") return kBor;
  if (op == "^") return kBxor;
  if (op == "&") return kBand;
  if (op == "**") return kPower;
  return kTerm;
}

std::string wrap_if(bool wrap, const std::string& s) { return wrap ? "(" + s + ")" : s; }

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}







// ---------------------------------------------------------------- evaluation
// Upstream evaluates arithmetic with eval(); this covers numbers, strings,
// bytes, lists and tuples with Python's semantics. Names, calls and
// anything else eval would need a namespace for are refused.

constexpr size_t kMaxEvalItems = size_t{1} << 20;

bool truthy(const Value& v) {
  switch (v.type) {
    case Type::none: return false;
    case Type::boolean: return v.flag;
    case Type::integer: return !v.big.empty() || v.integer != 0;
    case Type::floating: return v.real != 0.0;
    case Type::complex: return v.real != 0.0 || v.imag != 0.0;
    case Type::string:
    case Type::bytes: return !v.text.empty();
    case Type::list:
    case Type::tuple: return !v.items.empty();
    case Type::dict: return !v.entries.empty();
  }
  return false;
}

bool is_int_like(const Value& v) { return (v.type == Type::integer && v.big.empty()) || v.type == Type::boolean; }
int64_t as_int(const Value& v) { return v.type == Type::boolean ? (v.flag ? 1 : 0) : v.integer; }
bool is_real(const Value& v) { return is_int_like(v) || v.type == Type::floating; }
double as_double(const Value& v) { return v.type == Type::floating ? v.real : static_cast<double>(as_int(v)); }

[[noreturn]] void unsupported_operands(const std::string& op, const Value& a, const Value& b) {
  fail("unsupported operand types for " + op + ": '" + type_name(a) + "' and '" + type_name(b) + "'");
}

[[noreturn]] void too_big() { fail("integer arithmetic beyond 64 bits is not supported"); }

Value big_to_float(const Value& big) {
  const double d = to_double(big.big);
  if (std::isinf(d)) fail("OverflowError: int too large to convert to float");
  return Value::floating(d);
}

Value int_power(int64_t base, int64_t exponent) {
  int64_t result = 1;
  while (exponent > 0) {
    if ((exponent & 1) && __builtin_mul_overflow(result, base, &result)) too_big();
    exponent >>= 1;
    if (exponent > 0 && __builtin_mul_overflow(base, base, &base)) too_big();
  }
  return Value::integer_value(result);
}

Value float_power(double base, double exponent) {
  if (base == 0.0 && exponent < 0.0) fail("ZeroDivisionError: 0.0 cannot be raised to a negative power");
  if (base < 0.0 && exponent != std::floor(exponent) && std::isfinite(exponent))
    fail("negative numbers raised to fractional powers are complex, not supported");
  const double r = std::pow(base, exponent);
  if (std::isinf(r) && std::isfinite(base) && std::isfinite(exponent)) fail("OverflowError: result too large");
  return Value::floating(r);
}

Value int_binary(const std::string& op, const Value& a, const Value& b) {
  const int64_t x = as_int(a), y = as_int(b);
  int64_t r = 0;
  if (op == "+" || op == "-" || op == "*") {
    const bool overflow = op == "+"   ? __builtin_add_overflow(x, y, &r)
                          : op == "-" ? __builtin_sub_overflow(x, y, &r)
                                      : __builtin_mul_overflow(x, y, &r);
    if (overflow) too_big();
    return Value::integer_value(r);
  }
  if (op == "/" || op == "//" || op == "%") {
    if (y == 0) fail("ZeroDivisionError: division by zero");
    if (op == "/") return Value::floating(static_cast<double>(x) / static_cast<double>(y));
    if (x == INT64_MIN && y == -1) too_big();
    int64_t q = x / y, m = x % y;
    if (m != 0 && ((m < 0) != (y < 0))) --q, m += y;
    return Value::integer_value(op == "//" ? q : m);
  }
  if (op == "**") return y < 0 ? float_power(static_cast<double>(x), static_cast<double>(y)) : int_power(x, y);
  if (op == "<<" || op == ">>") {
    if (y < 0) fail("ValueError: negative shift count");
    if (op == ">>") return Value::integer_value(y >= 64 ? (x < 0 ? -1 : 0) : (x >> y));
    if (x == 0) return Value::integer_value(0);
    if (y >= 63 || (x > 0 ? x > (INT64_MAX >> y) : x < (INT64_MIN >> y))) too_big();
    return Value::integer_value(static_cast<int64_t>(static_cast<uint64_t>(x) << y));
  }
  if (op == "&" || op == "|" || op == "^") {
    r = op == "&" ? (x & y) : op == "|" ? (x | y) : (x ^ y);
    if (a.type == Type::boolean && b.type == Type::boolean) return Value::boolean(r != 0);
    return Value::integer_value(r);
  }
  unsupported_operands(op, a, b);
}

Value float_binary(const std::string& op, const Value& a, const Value& b) {
  const double x = as_double(a), y = as_double(b);
  if (op == "+") return Value::floating(x + y);
  if (op == "-") return Value::floating(x - y);
  if (op == "*") return Value::floating(x * y);
  if (op == "**") return float_power(x, y);
  if (op == "/" || op == "//" || op == "%") {
    if (y == 0.0) fail("ZeroDivisionError: float division by zero");
    if (op == "/") return Value::floating(x / y);
    // CPython's float divmod: a remainder with the divisor's sign.
    double mod = std::fmod(x, y);
    double div = (x - mod) / y;
    if (mod != 0.0) {
      if ((y < 0) != (mod < 0)) mod += y, div -= 1.0;
    } else {
      mod = std::copysign(0.0, y);
    }
    if (op == "%") return Value::floating(mod);
    double floordiv = 0.0;
    if (div != 0.0) {
      floordiv = std::floor(div);
      if (div - floordiv > 0.5) floordiv += 1.0;
    } else {
      floordiv = std::copysign(0.0, x / y);
    }
    return Value::floating(floordiv);
  }
  unsupported_operands(op, a, b);
}

// Concatenation and repetition of str, bytes, list and tuple.
Value sequence_binary(const std::string& op, const Value& a, const Value& b) {
  if (op == "+" && a.type == b.type) {
    Value r = a;
    r.text += b.text;
    r.items.insert(r.items.end(), b.items.begin(), b.items.end());
    if (r.text.size() > kMaxEvalItems * 4 || r.items.size() > kMaxEvalItems) fail("evaluated value too large");
    return r;
  }
  if (op == "*" && (is_int_like(a) || is_int_like(b))) {
    const Value& seq = is_int_like(a) ? b : a;
    const int64_t times = std::max<int64_t>(0, as_int(is_int_like(a) ? a : b));
    const size_t unit = seq.text.size() + seq.items.size();
    if (unit != 0 && static_cast<uint64_t>(times) > kMaxEvalItems / unit) fail("evaluated value too large");
    Value r = seq;
    r.text.clear();
    r.items.clear();
    for (int64_t i = 0; i < times; ++i) {
      r.text += seq.text;
      r.items.insert(r.items.end(), seq.items.begin(), seq.items.end());
    }
    return r;
  }
  unsupported_operands(op, a, b);
}




// ---------------------------------------------------------------- resolution

std::string callee_name(const Node& call) {
  std::vector<std::string> parts;
  const Node* f = &call.kids[0];
  for (; f->kind == Kind::attribute; f = &f->kids[0]) parts.push_back(f->text);
  if (f->kind == Kind::name) parts.push_back(f->text);
  std::string name;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) name += (name.empty() ? "" : ".") + *it;
  return name;
}


// Upstream negates the operand's value whatever the operator.
Value negate_literal(const Value& v) {
  switch (v.type) {
    case Type::boolean: return Value::integer_value(v.flag ? -1 : 0);
    case Type::integer:
      if (v.big.empty()) return v.integer == INT64_MIN ? integer_from_decimal("9223372036854775808") : Value::integer_value(-v.integer);
      return integer_from_decimal(v.big[0] == '-' ? v.big.substr(1) : "-" + v.big);
    case Type::floating: return Value::floating(-v.real);
    case Type::complex: return Value::complex_value(-v.real, -v.imag);
    default: fail("bad operand type for unary -: '" + type_name(v) + "'");
  }
}


// Turns the syntax tree into values (upstream's resolve_ast_by_type), text
// (ast.unparse) or evaluated arithmetic (eval); constants live in the
// literal pool.
class Resolver {
 public:
  explicit Resolver(const std::vector<Value>& literals) : literals_(literals) {}

  // The keyword arguments of a call: {name: value}, None for `**x`.
  Value call_arguments(const Node& call) {
    DictBuilder args;
    const size_t first = 1 + call.positional_count();
    for (size_t i = 0; i < call.keywords.size(); ++i) {
      const auto& name = call.keywords[i];
      args.set(name ? Value::string(*name) : Value::none(), resolve(call.kids[first + i]));
    }
    return args.take();
  }

 private:
  std::string unparse_items(const std::vector<Node>& items, size_t begin = 0) {
    std::string out;
    for (size_t i = begin; i < items.size(); ++i) out += (i > begin ? ", " : "") + unparse(items[i]);
    return out;
  }

  std::string unparse_constant(const Node& n) {
    const Value& v = value(n);
    if (v.type == Type::floating || v.type == Type::complex) {
      const std::string inf = "1e309";
      return replace_all(replace_all(repr(v), "inf", inf), "nan", "(" + inf + "-" + inf + ")");
    }
    return (n.u_prefix ? "u" : "") + repr(v);
  }

  std::string unparse_call(const Node& n) {
    std::string out = unparse(n.kids[0], kAtom) + "(";
    const size_t positional = n.positional_count();
    for (size_t i = 1; i < n.kids.size(); ++i) {
      if (i > 1) out += ", ";
      if (i > positional) {
        const auto& name = n.keywords[i - 1 - positional];
        out += name ? *name + "=" : "**";
      }
      out += unparse(n.kids[i]);
    }
    return out + ")";
  }

  std::string unparse_binary(const Node& n, int context) {
    const int prec = binary_precedence(n.text);
    const bool right_assoc = n.text == "**";
    const std::string s = unparse(n.kids[0], right_assoc ? prec + 1 : prec) + " " + n.text + " " +
                          unparse(n.kids[1], right_assoc ? prec : prec + 1);
    return wrap_if(context > prec, s);
  }

  std::string unparse_boolop(const Node& n, int context) {
    const int prec = n.text == "and" ? kAnd : kOr;
    // Each operand is printed one level tighter than the one before it.
    std::string s;
    int level = prec;
    for (size_t i = 0; i < n.kids.size(); ++i) s += (i ? " " + n.text + " " : "") + unparse(n.kids[i], ++level);
    return wrap_if(context > prec, s);
  }

  // `context` is the precedence the parent requires; tighter-binding nodes
  // print bare, looser ones in parentheses.
  std::string unparse(const Node& n, int context = kTest) {
    switch (n.kind) {
      case Kind::missing: return "";
      case Kind::constant: return unparse_constant(n);
      case Kind::ellipsis: return "...";
      case Kind::joined_str: fail("f-strings cannot be unparsed here");
      case Kind::name: return n.text;
      case Kind::attribute: {
        const Node& v = n.kids[0];
        const bool int_literal = v.kind == Kind::constant && (value(v).type == Type::integer || value(v).type == Type::boolean);
        return unparse(v, kAtom) + (int_literal ? " ." : ".") + n.text;
      }
      case Kind::call: return unparse_call(n);
      case Kind::starred: return "*" + unparse(n.kids[0], kExpr);
      case Kind::list: return "[" + unparse_items(n.kids) + "]";
      case Kind::tuple: {
        const std::string items = n.kids.size() == 1 ? unparse(n.kids[0]) + "," : unparse_items(n.kids);
        return wrap_if(n.kids.empty() || context > kTuple, items);
      }
      case Kind::set: return "{" + unparse_items(n.kids) + "}";
      case Kind::dict: {
        std::string out = "{";
        for (size_t i = 0; i < n.kids.size(); i += 2) {
          if (i) out += ", ";
          out += n.kids[i].kind == Kind::missing ? "**" + unparse(n.kids[i + 1], kExpr)
                                                 : unparse(n.kids[i]) + ": " + unparse(n.kids[i + 1]);
        }
        return out + "}";
      }
      case Kind::subscript: {
        const Node& slice = n.kids[1];
        std::string inner;
        if (slice.kind == Kind::tuple && !slice.kids.empty()) {
          inner = slice.kids.size() == 1 ? unparse(slice.kids[0]) + "," : unparse_items(slice.kids);
        } else {
          inner = unparse(slice);
        }
        return unparse(n.kids[0], kAtom) + "[" + inner + "]";
      }
      case Kind::slice: {
        std::string out = unparse(n.kids[0]) + ":" + unparse(n.kids[1]);
        if (n.kids[2].kind != Kind::missing) out += ":" + unparse(n.kids[2]);
        return out;
      }
      case Kind::unary: {
        const int prec = n.text == "not" ? kNot : kFactor;
        return wrap_if(context > prec, n.text + (n.text == "not" ? " " : "") + unparse(n.kids[0], prec));
      }
      case Kind::binary: return unparse_binary(n, context);
      case Kind::boolop: return unparse_boolop(n, context);
      case Kind::compare: {
        std::string s = unparse(n.kids[0], kCmp + 1);
        for (size_t i = 0; i < n.ops.size(); ++i) s += " " + n.ops[i] + " " + unparse(n.kids[i + 1], kCmp + 1);
        return wrap_if(context > kCmp, s);
      }
      case Kind::ifexp: {
        const std::string s = unparse(n.kids[0], kTest + 1) + " if " + unparse(n.kids[1], kTest + 1) + " else " +
                              unparse(n.kids[2], kTest);
        return wrap_if(context > kTest, s);
      }
    }
    return "";
  }

  Value evaluate_unary(const Node& n) {
    const Value v = evaluate(n.kids[0]);
    if (n.text == "not") return Value::boolean(!truthy(v));
    if (v.type == Type::integer && !v.big.empty()) too_big();
    if (is_int_like(v)) {
      const int64_t i = as_int(v);
      if (n.text == "+") return Value::integer_value(i);
      if (n.text == "~") return Value::integer_value(~i);
      if (i == INT64_MIN) too_big();
      return Value::integer_value(-i);
    }
    if (n.text == "~") fail("bad operand type for unary ~: '" + type_name(v) + "'");
    if (v.type == Type::floating) return Value::floating(n.text == "-" ? -v.real : v.real);
    if (v.type == Type::complex) return n.text == "-" ? Value::complex_value(-v.real, -v.imag) : v;
    fail("bad operand type for unary " + n.text + ": '" + type_name(v) + "'");
  }

  Value evaluate_binary(const Node& n) {
    const Value a = evaluate(n.kids[0]);
    const Value b = evaluate(n.kids[1]);
    const std::string& op = n.text;
    const bool a_big = a.type == Type::integer && !a.big.empty(), b_big = b.type == Type::integer && !b.big.empty();
    if (a_big || b_big) {
      // Only mixed with a float can a big integer be computed here (as a double).
      if (!(a_big ? is_real(b) && b.type == Type::floating : is_real(a) && a.type == Type::floating)) too_big();
      return float_binary(op, a_big ? big_to_float(a) : a, b_big ? big_to_float(b) : b);
    }
    if (is_int_like(a) && is_int_like(b)) return int_binary(op, a, b);
    if (is_real(a) && is_real(b)) return float_binary(op, a, b);
    if (a.type == Type::complex || b.type == Type::complex) fail("complex arithmetic is not supported");
    const auto is_sequence = [](const Value& v) {
      return v.type == Type::string || v.type == Type::bytes || v.type == Type::list || v.type == Type::tuple;
    };
    if (op == "%" && (a.type == Type::string || a.type == Type::bytes)) fail("%-formatting is not supported");
    if (is_sequence(a) || is_sequence(b)) return sequence_binary(op, a, b);
    if (op == "|" && a.type == Type::dict && b.type == Type::dict) {  // dict union, the right side wins
      DictBuilder merged;
      for (const auto& [k, v] : a.entries) merged.set(k, v);
      for (const auto& [k, v] : b.entries) merged.set(k, v);
      return merged.take();
    }
    unsupported_operands(op, a, b);
  }

  // eval() of the expression, for the node kinds arithmetic needs.
  Value evaluate(const Node& n) {
    switch (n.kind) {
      case Kind::constant: return value(n);
      case Kind::unary: return evaluate_unary(n);
      case Kind::binary: return evaluate_binary(n);
      case Kind::list:
      case Kind::tuple: {
        std::vector<Value> items;
        for (const Node& k : n.kids) {
          if (k.kind == Kind::starred) fail("starred expressions are not supported in arithmetic");
          items.push_back(evaluate(k));
        }
        return n.kind == Kind::list ? Value::list(std::move(items)) : Value::tuple(std::move(items));
      }
      case Kind::dict: {
        DictBuilder dict;
        for (size_t i = 0; i < n.kids.size(); i += 2) {
          if (n.kids[i].kind == Kind::missing) fail("dict unpacking is not supported in arithmetic");
          Value key = evaluate(n.kids[i]);
          if (!hashable(key)) fail("TypeError: unhashable type: '" + type_name(key) + "'");
          dict.set(std::move(key), evaluate(n.kids[i + 1]));
        }
        return dict.take();
      }
      case Kind::name: fail("NameError: name '" + n.text + "' is not defined");
      default: fail("this expression cannot be evaluated without Python");
    }
  }

  // One argument value, as upstream's resolver makes it.
  Value resolve(const Node& n) {
    switch (n.kind) {
      case Kind::constant: return value(n);
      case Kind::ellipsis: return Value::string("...");
      case Kind::unary:
        if (n.kids[0].kind != Kind::constant)
          fail("a unary operator applies to a literal only (upstream reads the operand's value)");
        return negate_literal(value(n.kids[0]));
      case Kind::list:
      case Kind::tuple: {
        std::vector<Value> items;
        items.reserve(n.kids.size());
        for (const Node& k : n.kids) items.push_back(resolve(k));
        return n.kind == Kind::list ? Value::list(std::move(items)) : Value::tuple(std::move(items));
      }
      case Kind::dict: {
        DictBuilder dict;
        for (size_t i = 0; i < n.kids.size(); i += 2) {
          Value key = resolve(n.kids[i]);
          if (!hashable(key)) fail("TypeError: unhashable type: '" + type_name(key) + "'");
          dict.set(std::move(key), resolve(n.kids[i + 1]));
        }
        return dict.take();
      }
      case Kind::binary: return evaluate(n);
      case Kind::name: return Value::string(n.text);
      case Kind::call: {
        if (n.keywords.empty()) return Value::string(unparse(n));
        Value nested = Value::dict();
        nested.entries.push_back({Value::string(callee_name(n)), call_arguments(n)});
        return nested;
      }
      // Upstream unparses the two parts separately, so the value loses any
      // parentheses it needed: (a + b)[0] gives 'a + b[0]'.
      case Kind::subscript: return Value::string(unparse(n.kids[0]) + "[" + unparse(n.kids[1]) + "]");
      case Kind::missing: fail("Unsupported AST type: NoneType");
      default: fail("unsupported expression in an argument value");
    }
  }

  const Value& value(const Node& n) const { return literals_[n.literal]; }

  const std::vector<Value>& literals_;
};

}  // namespace

std::vector<DecodedCall> decode_python(std::string_view model_output) {
  if (model_output.size() > kMaxTextBytes) fail("output longer than " + std::to_string(kMaxTextBytes) + " bytes");
  if (!valid_utf8(model_output)) fail("output is not valid UTF-8");
  if (model_output.find('\0') != std::string_view::npos) fail("source code cannot contain null bytes");
  // Upstream strips "`", newlines and spaces from both ends and adds the
  // brackets that are missing; Python reads \r\n and \r as \n.
  const size_t begin = model_output.find_first_not_of("`\n ");
  const size_t end = model_output.find_last_not_of("`\n ");
  std::string text = begin == std::string_view::npos ? "" : std::string(model_output.substr(begin, end - begin + 1));
  if (text.empty() || text.front() != '[') text.insert(text.begin(), '[');
  if (text.back() != ']') text.push_back(']');
  text = replace_all(replace_all(text, "\r\n", "\n"), "\r", "\n");

  std::vector<Value> literals;
  const Node body = Parser(text, literals).parse();
  Resolver resolver(literals);
  std::vector<const Node*> calls;
  if (body.kind == Kind::call) {
    calls.push_back(&body);
  } else if (body.kind == Kind::list || body.kind == Kind::tuple || body.kind == Kind::set) {
    for (const Node& elt : body.kids) {
      if (elt.kind != Kind::call) fail("an element of the list is not a function call");
      calls.push_back(&elt);
    }
  } else {
    fail("the output is not a list of function calls");
  }
  std::vector<DecodedCall> out;
  out.reserve(calls.size());
  for (const Node* call : calls) out.push_back({callee_name(*call), resolver.call_arguments(*call)});
  return out;
}

}  // namespace edgelm::eval::bfcl::py
