// Tokenizer reproducing Jinja2's lexer behaviour (see lexer.h).
#include "chat/jinja/lexer.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "chat/jinja/error.h"
#include "chat/jinja/pystr.h"

namespace edgelm::jinja {

const char* token_type_name(TokenType t) {
  switch (t) {
    case TokenType::Data: return "template data";
    case TokenType::VariableBegin: return "begin of print statement";
    case TokenType::VariableEnd: return "end of print statement";
    case TokenType::BlockBegin: return "begin of statement block";
    case TokenType::BlockEnd: return "end of statement block";
    case TokenType::Name: return "name";
    case TokenType::String: return "string";
    case TokenType::Integer: return "integer";
    case TokenType::Float: return "float";
    case TokenType::Operator: return "operator";
    case TokenType::Eof: return "end of template";
  }
  return "token";
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

// "\r\n" and "\r" become "\n"; one trailing newline is dropped unless kept.
std::string normalize_source(std::string_view src, bool keep_trailing_newline) {
  std::string out;
  out.reserve(src.size());
  for (size_t i = 0; i < src.size(); i++) {
    if (src[i] == '\r') {
      out.push_back('\n');
      if (i + 1 < src.size() && src[i + 1] == '\n') i++;
    } else {
      out.push_back(src[i]);
    }
  }
  if (!keep_trailing_newline && !out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// Python string-literal escapes (Jinja2 decodes literals with "unicode-escape").
std::string unescape_string(std::string_view body, int line) {
  std::string out;
  auto fail = [&](const char* what) -> void { throw Error(ErrorKind::TemplateSyntaxError, what, line); };
  auto hex_value = [&](size_t at, int digits) -> char32_t {
    if (at + digits > body.size()) fail("truncated escape sequence in string literal");
    char32_t v = 0;
    for (int k = 0; k < digits; k++) {
      const char c = body[at + k];
      const int d = is_digit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
      if (d < 0) fail("truncated escape sequence in string literal");
      v = v * 16 + d;
    }
    return v;
  };
  for (size_t i = 0; i < body.size(); i++) {
    if (body[i] != '\\' || i + 1 >= body.size()) {
      out.push_back(body[i]);
      continue;
    }
    const char e = body[++i];
    switch (e) {
      case '\n': break;  // line continuation
      case '\\': out.push_back('\\'); break;
      case '\'': out.push_back('\''); break;
      case '"': out.push_back('"'); break;
      case 'a': out.push_back('\a'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'v': out.push_back('\v'); break;
      case 'x': pystr::append_utf8(out, hex_value(i + 1, 2)); i += 2; break;
      case 'u': pystr::append_utf8(out, hex_value(i + 1, 4)); i += 4; break;
      case 'U': {
        const char32_t cp = hex_value(i + 1, 8);
        if (cp > 0x10FFFF) fail("illegal Unicode character in string literal");
        pystr::append_utf8(out, cp);
        i += 8;
        break;
      }
      case 'N': fail("\\N{...} escapes are not supported"); break;
      default:
        if (e >= '0' && e <= '7') {
          char32_t v = 0;
          int k = 0;
          while (k < 3 && i < body.size() && body[i] >= '0' && body[i] <= '7') v = v * 8 + (body[i++] - '0'), k++;
          i--;
          pystr::append_utf8(out, v);
        } else {
          out.push_back('\\');  // unknown escapes stay as written
          out.push_back(e);
        }
    }
  }
  return out;
}

class Lexer {
 public:
  Lexer(std::string_view source, const LexerOptions& opt)
      : src_(normalize_source(source, opt.keep_trailing_newline)), opt_(opt) {}

  std::vector<Token> run() {
    while (pos_ < src_.size()) {
      const size_t tag = find_tag_start(pos_);
      if (tag == std::string::npos) {
        emit_data(src_.substr(pos_));
        pos_ = src_.size();
        break;
      }
      const char kind = src_[tag + 1];
      const char sign = tag + 2 < src_.size() && (src_[tag + 2] == '-' || src_[tag + 2] == '+') ? src_[tag + 2] : 0;
      std::string text = src_.substr(pos_, tag - pos_);
      emit_data(strip_before_tag(std::move(text), sign, kind != '{'));
      pos_ = tag + 2 + (sign ? 1 : 0);
      line_starting_ = false;
      if (kind == '%' && lex_raw_block()) continue;
      if (kind == '#') {
        lex_comment();
      } else {
        lex_tag(kind == '%');
      }
    }
    push(TokenType::Eof, "");
    return std::move(tokens_);
  }

 private:
  [[noreturn]] void fail(const std::string& msg) const { throw Error(ErrorKind::TemplateSyntaxError, msg, line_); }

  void push(TokenType t, std::string text) {
    Token tok;
    tok.type = t;
    tok.text = std::move(text);
    tok.line = line_;
    tokens_.push_back(std::move(tok));
  }

  // Advances pos_ to `to`, counting lines.
  void advance(size_t to) {
    for (; pos_ < to; pos_++)
      if (src_[pos_] == '\n') line_++;
  }

  void emit_data(std::string text) {
    if (text.empty()) return;
    push(TokenType::Data, text);
    for (char c : text)
      if (c == '\n') line_++;
  }

  size_t find_tag_start(size_t from) const {
    for (size_t p = src_.find('{', from); p != std::string::npos; p = src_.find('{', p + 1))
      if (p + 1 < src_.size() && (src_[p + 1] == '{' || src_[p + 1] == '%' || src_[p + 1] == '#')) return p;
    return std::string::npos;
  }

  // Whitespace control for the text in front of a tag. The newlines removed
  // by "-" still count for line numbers.
  std::string strip_before_tag(std::string text, char sign, bool lstrip_applies) {
    if (sign == '-') {
      std::string stripped = pystr::strip(text, std::nullopt, false, true);
      for (size_t i = stripped.size(); i < text.size(); i++)
        if (text[i] == '\n') line_++;
      return stripped;
    }
    if (sign != '+' && opt_.lstrip_blocks && lstrip_applies) {
      const size_t nl = text.rfind('\n');
      const size_t line_start = nl == std::string::npos ? 0 : nl + 1;
      if (line_start > 0 || line_starting_) {
        if (text.find_first_not_of(" \t", line_start) == std::string::npos) text.resize(line_start);
      }
    }
    return text;
  }

  // Length of Python whitespace (\s) starting at `at`.
  size_t whitespace_len(size_t at) const {
    size_t p = at;
    while (p < src_.size()) {
      const auto b = static_cast<unsigned char>(src_[p]);
      if (b < 0x80) {
        if (!pystr::is_space(b)) break;
        p++;
        continue;
      }
      const size_t len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
      const std::u32string cp = pystr::decode(std::string_view(src_).substr(p, len));
      if (cp.size() != 1 || !pystr::is_space(cp[0])) break;
      p += len;
    }
    return p - at;
  }

  bool starts_with(size_t at, std::string_view s) const { return src_.compare(at, s.size(), s) == 0; }

  // Matches a tag end (`%}`, `-%}`, `+%}` or the `}}`/`#}` forms) at `at`;
  // returns the position after it and any whitespace it swallows, or npos.
  size_t match_tag_end(size_t at, char closer, bool trims_newline) const {
    const std::string end = std::string(1, closer) + "}";
    if (closer != '}' && starts_with(at, "+" + end)) return at + 3;
    if (starts_with(at, "-" + end)) return at + 3 + whitespace_len(at + 3);
    if (starts_with(at, end)) {
      size_t p = at + 2;
      if (trims_newline && opt_.trim_blocks && p < src_.size() && src_[p] == '\n') p++;
      return p;
    }
    return std::string::npos;
  }

  void finish_tag(size_t end_pos) {
    line_starting_ = end_pos > 0 && src_[end_pos - 1] == '\n';
    advance(end_pos);
  }

  void lex_comment() {
    for (size_t p = pos_; p < src_.size(); p++) {
      const size_t end = match_tag_end(p, '#', true);
      if (end != std::string::npos) {
        finish_tag(end);
        return;
      }
    }
    fail("Missing end of comment tag");
  }

  // `{% raw %}...{% endraw %}`: the body is data. Returns false when the tag
  // at pos_ is not a raw tag.
  bool lex_raw_block() {
    size_t p = pos_ + whitespace_len(pos_);
    if (!starts_with(p, "raw")) return false;
    p += 3;
    p += whitespace_len(p);
    size_t after;
    if (starts_with(p, "-%}")) {
      after = p + 3 + whitespace_len(p + 3);
    } else if (starts_with(p, "%}")) {
      after = p + 2;
    } else {
      return false;
    }
    finish_tag(after);
    for (size_t q = src_.find("{%", pos_); q != std::string::npos; q = src_.find("{%", q + 1)) {
      const char sign = q + 2 < src_.size() && (src_[q + 2] == '-' || src_[q + 2] == '+') ? src_[q + 2] : 0;
      size_t r = q + 2 + (sign ? 1 : 0);
      r += whitespace_len(r);
      if (!starts_with(r, "endraw")) continue;
      r += 6;
      r += whitespace_len(r);
      const size_t end = match_tag_end(r, '%', true);
      if (end == std::string::npos) continue;
      emit_data(strip_before_tag(src_.substr(pos_, q - pos_), sign, true));
      pos_ = q;
      finish_tag(end);
      return true;
    }
    fail("Missing end of raw directive");
  }

  void lex_tag(bool is_block) {
    push(is_block ? TokenType::BlockBegin : TokenType::VariableBegin, "");
    std::vector<char> balance;  // closers we expect, innermost last
    while (pos_ < src_.size()) {
      if (balance.empty()) {
        const size_t end = match_tag_end(pos_, is_block ? '%' : '}', is_block);
        if (end != std::string::npos) {
          push(is_block ? TokenType::BlockEnd : TokenType::VariableEnd, "");
          finish_tag(end);
          return;
        }
      }
      const size_t ws = whitespace_len(pos_);
      if (ws) {
        advance(pos_ + ws);
        continue;
      }
      const char c = src_[pos_];
      if (is_digit(c)) {
        lex_number();
      } else if (is_name_start(c)) {
        size_t e = pos_;
        while (e < src_.size() && is_name_char(src_[e])) e++;
        push(TokenType::Name, src_.substr(pos_, e - pos_));
        pos_ = e;
      } else if (c == '\'' || c == '"') {
        lex_string(c);
      } else {
        lex_operator(balance);
      }
    }
    // End of input inside a tag: the parser reports what it expected.
  }

  void lex_string(char quote) {
    size_t e = pos_ + 1;
    while (e < src_.size() && src_[e] != quote) e += src_[e] == '\\' ? 2 : 1;
    if (e >= src_.size()) fail(std::string("unexpected char ") + pystr::repr(std::string(1, quote)) + " at " + std::to_string(pos_));
    const int line = line_;
    push(TokenType::String, unescape_string(std::string_view(src_).substr(pos_ + 1, e - pos_ - 1), line));
    advance(e + 1);
  }

  // Digits with single underscores between them, starting at `at`.
  size_t digits_end(size_t at) const {
    size_t e = at;
    while (e < src_.size() && (is_digit(src_[e]) || (src_[e] == '_' && e + 1 < src_.size() && is_digit(src_[e + 1]) && e > at)))
      e++;
    return e;
  }

  void lex_number() {
    size_t e = digits_end(pos_);
    bool is_float = false;
    // Like Jinja2, no float right after a '.', so "x.0.1" is x[0][1].
    const bool float_allowed = pos_ == 0 || src_[pos_ - 1] != '.';
    if (float_allowed && e + 1 < src_.size() && src_[e] == '.' && is_digit(src_[e + 1])) {
      e = digits_end(e + 1);
      is_float = true;
    }
    if (float_allowed && e < src_.size() && (src_[e] == 'e' || src_[e] == 'E')) {
      size_t x = e + 1;
      if (x < src_.size() && (src_[x] == '+' || src_[x] == '-')) x++;
      if (x < src_.size() && is_digit(src_[x])) {
        e = digits_end(x);
        is_float = true;
      }
    }
    std::string digits;
    if (!is_float) e = integer_end();
    for (size_t i = pos_; i < e; i++)
      if (src_[i] != '_') digits.push_back(src_[i]);
    Token tok;
    tok.line = line_;
    if (is_float) {
      tok.type = TokenType::Float;
      tok.float_value = std::strtod(digits.c_str(), nullptr);
    } else {
      tok.type = TokenType::Integer;
      int base = 10;
      std::string body = digits;
      if (digits.size() > 1 && digits[0] == '0' && std::string("bBoOxX").find(digits[1]) != std::string::npos) {
        base = (digits[1] == 'b' || digits[1] == 'B') ? 2 : (digits[1] == 'o' || digits[1] == 'O') ? 8 : 16;
        body = digits.substr(2);
      }
      tok.int_value = parse_integer_literal(body, base);
    }
    tok.text = src_.substr(pos_, e - pos_);
    tokens_.push_back(std::move(tok));
    pos_ = e;
  }

  // Digits (underscores already removed) in `base`, as a 128-bit integer.
  __int128 parse_integer_literal(const std::string& digits, int base) const {
    const __int128 max = static_cast<__int128>((static_cast<unsigned __int128>(1) << 127) - 1);
    __int128 v = 0;
    for (char c : digits) {
      const int d = is_digit(c) ? c - '0' : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
      if (v > (max - d) / base) fail("integer literal is too large");
      v = v * base + d;
    }
    return v;
  }

  // Jinja2's integer forms: 0b.., 0o.., 0x.., [1-9](_?\d)*, 0(_?0)*.
  size_t integer_end() const {
    const size_t e = pos_;
    if (src_[e] != '0') return digits_end(e);
    if (e + 2 < src_.size()) {
      const char p = static_cast<char>(std::tolower(static_cast<unsigned char>(src_[e + 1])));
      const std::string set = p == 'b' ? "01" : p == 'o' ? "01234567" : p == 'x' ? "0123456789abcdef" : "";
      auto in_set = [&](size_t i) {
        return i < src_.size() && !set.empty() &&
               set.find(static_cast<char>(std::tolower(static_cast<unsigned char>(src_[i])))) != std::string::npos;
      };
      size_t x = e + 2;
      while (in_set(x) || (x < src_.size() && src_[x] == '_' && in_set(x + 1))) x++;
      if (x > e + 2) return x;
    }
    size_t x = e + 1;
    while (x < src_.size() && (src_[x] == '0' || (src_[x] == '_' && x + 1 < src_.size() && src_[x + 1] == '0'))) x++;
    return x;
  }

  void lex_operator(std::vector<char>& balance) {
    static const char* const kOps[] = {"//", "**", "==", "!=", ">=", "<=", "+", "-", "/", "*", "%", "~", "[", "]", "(",
                                       ")", "{", "}", ">", "<", "=", ".", ":", "|", ",", ";"};
    for (const char* op : kOps) {
      if (!starts_with(pos_, op)) continue;
      const char c = op[0];
      if (op[1] == 0 && (c == '(' || c == '[' || c == '{')) {
        balance.push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
      } else if (op[1] == 0 && (c == ')' || c == ']' || c == '}')) {
        if (balance.empty()) fail(std::string("unexpected '") + c + "'");
        if (balance.back() != c) fail(std::string("unexpected '") + c + "', expected '" + balance.back() + "'");
        balance.pop_back();
      }
      push(TokenType::Operator, op);
      pos_ += std::char_traits<char>::length(op);
      return;
    }
    fail("unexpected char " + pystr::repr(src_.substr(pos_, 1)) + " at " + std::to_string(pos_));
  }

  std::string src_;
  LexerOptions opt_;
  size_t pos_ = 0;
  int line_ = 1;
  bool line_starting_ = true;
  std::vector<Token> tokens_;
};

}  // namespace

std::vector<Token> tokenize(std::string_view source, const LexerOptions& options) {
  return Lexer(source, options).run();
}

}  // namespace edgelm::jinja
