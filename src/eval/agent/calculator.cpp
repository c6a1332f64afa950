// The calculator tool: a recursive-descent evaluator over a fixed arithmetic
// grammar. It never evaluates anything but numbers, operators and the listed
// functions, and its length and nesting bounds keep hostile input cheap.
//
//   expression := term (('+' | '-') term)*
//   term       := unary (('*' | '/' | '%') unary)*
//   unary      := ('-' | '+') unary | power
//   power      := primary (('^' | '**') unary)?
//   primary    := number | name | name '(' expression (',' expression)* ')' | '(' expression ')'
#include <array>
#include <charconv>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "edgelm/error.h"
#include "eval/agent/tools.h"

namespace edgelm::eval::agent::detail {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || is_digit(c);
}
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  double run() {
    skip_space();
    if (pos_ == text_.size()) throw Error("syntax error: empty expression");
    double value = expression();
    skip_space();
    if (pos_ != text_.size()) fail_unexpected();
    return value;
  }

 private:
  // Counts recursion so that "((((...))))" or "------1" cannot exhaust the stack.
  class Depth {
   public:
    explicit Depth(int& depth) : depth_(depth) {
      if (++depth_ > kMaxNesting)
        throw Error("syntax error: expression nested too deeply (limit " +
                    std::to_string(kMaxNesting) + ")");
    }
    ~Depth() { --depth_; }
    Depth(const Depth&) = delete;
    Depth& operator=(const Depth&) = delete;

   private:
    int& depth_;
  };

  [[noreturn]] void fail(const std::string& what) const {
    throw Error("syntax error at position " + std::to_string(pos_ + 1) + ": " + what);
  }
  [[noreturn]] void fail_unexpected() const {
    if (pos_ >= text_.size()) fail("unexpected end of expression");
    char c = text_[pos_];
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      fail("unexpected character (only numbers, + - * / % ^ ( ) , and function names are allowed)");
    fail(std::string("unexpected '") + c + "'");
  }

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }
  bool peek(std::string_view token) {
    skip_space();
    return text_.substr(pos_, token.size()) == token;
  }
  bool accept(std::string_view token) {
    if (!peek(token)) return false;
    pos_ += token.size();
    return true;
  }
  void expect(char c) {
    if (!accept(std::string_view(&c, 1))) fail_unexpected();
  }

  double expression() {
    double value = term();
    for (;;) {
      if (accept("+")) {
        value += term();
      } else if (accept("-")) {
        value -= term();
      } else {
        return value;
      }
    }
  }

  double term() {
    double value = unary();
    for (;;) {
      if (accept("*")) {
        value *= unary();
      } else if (accept("/")) {
        double divisor = unary();
        if (divisor == 0) throw Error("division by zero");
        value /= divisor;
      } else if (accept("%")) {
        double divisor = unary();
        if (divisor == 0) throw Error("modulo by zero");
        value = std::fmod(value, divisor);
      } else {
        return value;
      }
    }
  }

  // Each construct that recurses (a sign, an exponent, parentheses, a
  // function's arguments) counts one level of nesting.
  double unary() {
    if (accept("-")) {
      Depth depth(depth_);
      return -unary();
    }
    if (accept("+")) {
      Depth depth(depth_);
      return unary();
    }
    return power();
  }

  double power() {
    double base = primary();
    if (accept("^") || accept("**")) {
      Depth depth(depth_);
      return std::pow(base, unary());
    }
    return base;
  }

  double primary() {
    skip_space();
    if (pos_ >= text_.size()) fail_unexpected();
    if (accept("(")) {
      Depth depth(depth_);
      double value = expression();
      expect(')');
      return value;
    }
    char c = text_[pos_];
    if (is_digit(c) || c == '.') return number();
    if (is_name_char(c)) return name();
    fail_unexpected();
  }

  double number() {
    std::size_t start = pos_;
    while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
    }
    // An exponent only when digits follow, so "2e" stays a number then a name.
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      std::size_t after = pos_ + 1;
      if (after < text_.size() && (text_[after] == '+' || text_[after] == '-')) ++after;
      if (after < text_.size() && is_digit(text_[after])) {
        pos_ = after;
        while (pos_ < text_.size() && is_digit(text_[pos_])) ++pos_;
      }
    }
    std::string_view digits = text_.substr(start, pos_ - start);
    if (digits == ".") {
      pos_ = start;
      fail("a number needs digits");
    }
    double value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec == std::errc::result_out_of_range) {
      pos_ = start;
      fail("number out of range");
    }
    if (ec != std::errc() || end != digits.data() + digits.size()) {
      pos_ = start;
      fail("malformed number");
    }
    return value;
  }

  double name() {
    std::size_t start = pos_;
    std::string word;
    while (pos_ < text_.size() && is_name_char(text_[pos_])) word += lower(text_[pos_++]);
    if (!peek("(")) {
      if (word == "pi") return std::numbers::pi;
      if (word == "e") return std::numbers::e;
      pos_ = start;
      fail("unknown name '" + word + "' (constants: pi, e)");
    }
    static constexpr std::array<std::string_view, 7> kFunctions = {
        "sqrt", "abs", "round", "floor", "ceil", "min", "max"};
    bool known = false;
    for (auto f : kFunctions) known = known || word == f;
    if (!known) {
      pos_ = start;
      fail("unknown function '" + word + "' (functions: sqrt, abs, round, floor, ceil, min, max)");
    }
    expect('(');
    Depth depth(depth_);
    std::vector<double> args{expression()};
    while (accept(",")) args.push_back(expression());
    expect(')');
    return call(word, args);
  }

  static double call(const std::string& f, const std::vector<double>& args) {
    auto arity = [&](std::size_t lo, std::size_t hi) {
      if (args.size() < lo || args.size() > hi)
        throw Error(f + "() takes " +
                    (lo == hi ? std::to_string(lo) : std::to_string(lo) + " or " + std::to_string(hi)) +
                    " argument" + (hi == 1 ? "" : "s") + ", got " + std::to_string(args.size()));
    };
    if (f == "min" || f == "max") {
      double best = args[0];
      for (double a : args) best = (f == "min") ? std::fmin(best, a) : std::fmax(best, a);
      return best;
    }
    if (f == "round") {
      arity(1, 2);
      if (args.size() == 1) return std::round(args[0]);
      // round(x, n): n decimal places, as models often ask for.
      double places = args[1];
      if (places != std::floor(places) || places < -12 || places > 12)
        throw Error("round(x, n) needs a whole number of places n between -12 and 12");
      double scale = std::pow(10.0, places);
      return std::round(args[0] * scale) / scale;
    }
    arity(1, 1);
    double x = args[0];
    if (f == "sqrt") {
      if (x < 0) throw Error("sqrt of a negative number");
      return std::sqrt(x);
    }
    if (f == "abs") return std::fabs(x);
    if (f == "floor") return std::floor(x);
    return std::ceil(x);  // the only function left
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

double calculate(std::string_view expression) {
  if (expression.size() > kMaxExpressionLength)
    throw Error("expression too long (" + std::to_string(expression.size()) + " characters; limit " +
                std::to_string(kMaxExpressionLength) + ")");
  double value = Parser(expression).run();
  if (std::isnan(value)) throw Error("result is not a real number");
  if (std::isinf(value)) throw Error("result is too large");
  return value;
}

}  // namespace edgelm::eval::agent::detail
