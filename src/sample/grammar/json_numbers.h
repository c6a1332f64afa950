// Decimal ranges as grammars: integers with exact bounds, and decimal
// fractions between integer bounds (used by the JSON-schema converter).
#pragma once
#include <cstdint>

#include "sample/grammar/grammar.h"

namespace edgelm::grammar {

// Magnitudes are limited to 16 digits, like llama.cpp's JSON grammar.
constexpr int64_t kMaxJsonMagnitude = 9999999999999999;

// Canonical decimals (no leading zeros) of the integers in [lo, hi],
// 0 <= lo <= hi.
GrammarBuilder::Expr decimal_range(GrammarBuilder& b, uint64_t lo, uint64_t hi);

// Integers in [lo, hi] with an optional '-' (never "-0"); lo <= hi.
GrammarBuilder::Expr integer_range(GrammarBuilder& b, int64_t lo, int64_t hi);

struct DecimalBound {
  bool present = false;
  int64_t value = 0;
  bool exclusive = false;
};

// Decimal numbers I[.F] (no exponent; up to 16 fraction digits) between
// integer bounds. Returns -1 if no number satisfies them.
GrammarBuilder::Expr bounded_decimal(GrammarBuilder& b, DecimalBound lower, DecimalBound upper);

}  // namespace edgelm::grammar
