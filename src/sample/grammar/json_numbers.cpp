#include "sample/grammar/json_numbers.h"

#include <algorithm>
#include <string>
#include <vector>

namespace edgelm::grammar {

namespace {

using Expr = GrammarBuilder::Expr;

Expr digits(GrammarBuilder& b, char lo, char hi, int32_t count) {
  if (count == 0) return b.empty();
  ByteSet set;
  set.add_range(static_cast<uint8_t>(lo), static_cast<uint8_t>(hi));
  return b.repeat(b.bytes(set), count, count);
}

bool all_of(const std::string& s, char c) { return std::all_of(s.begin(), s.end(), [&](char x) { return x == c; }); }

// Digit strings t with |t| = |s| and t >= s (or t <= s).
Expr at_least(GrammarBuilder& b, const std::string& s) {
  if (all_of(s, '0')) return digits(b, '0', '9', static_cast<int32_t>(s.size()));
  const int32_t rest = static_cast<int32_t>(s.size()) - 1;
  std::vector<Expr> options{b.seq({b.literal(s.substr(0, 1)), at_least(b, s.substr(1))})};
  if (s[0] < '9') options.push_back(b.seq({digits(b, static_cast<char>(s[0] + 1), '9', 1), digits(b, '0', '9', rest)}));
  return b.alt(std::move(options));
}

Expr at_most(GrammarBuilder& b, const std::string& s) {
  if (all_of(s, '9')) return digits(b, '0', '9', static_cast<int32_t>(s.size()));
  const int32_t rest = static_cast<int32_t>(s.size()) - 1;
  std::vector<Expr> options{b.seq({b.literal(s.substr(0, 1)), at_most(b, s.substr(1))})};
  if (s[0] > '0') options.push_back(b.seq({digits(b, '0', static_cast<char>(s[0] - 1), 1), digits(b, '0', '9', rest)}));
  return b.alt(std::move(options));
}

// Digit strings between a and z (same length, a <= z).
Expr same_length(GrammarBuilder& b, const std::string& a, const std::string& z) {
  size_t common = 0;
  while (common < a.size() && a[common] == z[common]) ++common;
  if (common == a.size()) return b.literal(a);
  const std::string lo = a.substr(common + 1), hi = z.substr(common + 1);
  const int32_t rest = static_cast<int32_t>(lo.size());
  char mid_lo = static_cast<char>(a[common] + 1), mid_hi = static_cast<char>(z[common] - 1);
  std::vector<Expr> options;
  if (all_of(lo, '0')) mid_lo = a[common];
  else options.push_back(b.seq({b.literal(std::string(1, a[common])), at_least(b, lo)}));
  if (all_of(hi, '9')) mid_hi = z[common];
  else options.push_back(b.seq({b.literal(std::string(1, z[common])), at_most(b, hi)}));
  if (mid_lo <= mid_hi) options.push_back(b.seq({digits(b, mid_lo, mid_hi, 1), digits(b, '0', '9', rest)}));
  return b.seq({b.literal(a.substr(0, common)), b.alt(std::move(options))});
}

uint64_t power_of_ten(size_t n) {
  uint64_t p = 1;
  while (n--) p *= 10;
  return p;
}

Expr fraction_any(GrammarBuilder& b) { return b.optional(b.seq({b.literal("."), digits(b, '0', '9', 1), b.repeat(digits(b, '0', '9', 1), 0, 15)})); }

Expr fraction_zero(GrammarBuilder& b) { return b.optional(b.seq({b.literal("."), b.repeat(b.literal("0"), 1, 16)})); }

Expr fraction_nonzero(GrammarBuilder& b) {
  return b.seq({b.literal("."), b.repeat(b.literal("0"), 0, 15), digits(b, '1', '9', 1),
                b.repeat(digits(b, '0', '9', 1), 0, 15)});
}

// Magnitudes m >= 0 with lower.value <= m (or <) and m <= upper.value (or <).
Expr magnitude(GrammarBuilder& b, DecimalBound lower, DecimalBound upper) {
  const int64_t a = lower.value;
  const int64_t any_lo = a + (lower.exclusive ? 1 : 0);
  const int64_t any_hi = upper.present ? upper.value - 1 : kMaxJsonMagnitude;
  std::vector<Expr> options;
  if (any_lo <= any_hi) options.push_back(b.seq({decimal_range(b, any_lo, any_hi), fraction_any(b)}));
  if (lower.exclusive && (!upper.present || a < upper.value))  // a.F with F > 0
    options.push_back(b.seq({decimal_range(b, a, a), fraction_nonzero(b)}));
  if (upper.present && !upper.exclusive && (upper.value > a || (upper.value == a && !lower.exclusive)))
    options.push_back(b.seq({decimal_range(b, upper.value, upper.value), fraction_zero(b)}));
  if (options.empty()) return -1;
  return b.alt(std::move(options));
}

}  // namespace

Expr decimal_range(GrammarBuilder& b, uint64_t lo, uint64_t hi) {
  const size_t len_lo = std::to_string(lo).size(), len_hi = std::to_string(hi).size();
  std::vector<Expr> options;
  for (size_t len = len_lo; len <= len_hi; ++len) {
    const uint64_t a = std::max(lo, len == 1 ? 0 : power_of_ten(len - 1));
    const uint64_t z = std::min(hi, power_of_ten(len) - 1);
    if (a <= z) options.push_back(same_length(b, std::to_string(a), std::to_string(z)));
  }
  return b.alt(std::move(options));
}

Expr integer_range(GrammarBuilder& b, int64_t lo, int64_t hi) {
  std::vector<Expr> options;
  if (hi >= 0) options.push_back(decimal_range(b, static_cast<uint64_t>(std::max<int64_t>(lo, 0)), hi));
  if (lo < 0)
    options.push_back(b.seq({b.literal("-"), decimal_range(b, static_cast<uint64_t>(std::max<int64_t>(1, -hi)),
                                                            static_cast<uint64_t>(-lo))}));
  return b.alt(std::move(options));
}

// v >= 0 uses the bounds as they are; v < 0 is "-" and a magnitude m = -v,
// which is > 0, <= -lower and >= -upper.
Expr bounded_decimal(GrammarBuilder& b, DecimalBound lower, DecimalBound upper) {
  std::vector<Expr> options;
  const bool nonnegatives = !upper.present || upper.value > 0 || (upper.value == 0 && !upper.exclusive);
  if (nonnegatives) {
    DecimalBound lo = lower;
    if (!lo.present || lo.value < 0) lo = {true, 0, false};
    const Expr e = magnitude(b, lo, upper);
    if (e >= 0) options.push_back(e);
  }
  if (!lower.present || lower.value < 0) {
    DecimalBound lo{true, 0, true};
    if (upper.present && upper.value < 0) lo = {true, -upper.value, upper.exclusive};
    DecimalBound hi;
    if (lower.present) hi = {true, -lower.value, lower.exclusive};
    const Expr e = magnitude(b, lo, hi);
    if (e >= 0) options.push_back(b.seq({b.literal("-"), e}));
  }
  if (options.empty()) return -1;
  return b.alt(std::move(options));
}

}  // namespace edgelm::grammar
