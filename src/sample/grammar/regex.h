// Regular expressions (the ECMAScript subset JSON Schema "pattern" uses in
// practice) turned into grammar expressions.
//
// Supported: literal characters; escapes \n \r \t \f \v \0 \xHH \uHHHH
// \u{H...} and escaped punctuation; classes [a-z], [^...], \d \D \w \W \s \S
// (ASCII meanings) and '.' (any character but \n and \r); groups (...),
// (?:...), (?<name>...); alternation; quantifiers * + ? {m} {m,} {m,n}, with
// a lazy '?' suffix accepted and ignored (it does not change the language);
// anchors ^ and $ at the start and end of top-level alternatives. As in JSON
// Schema, an alternative without ^ (or $) may be preceded (or followed) by
// any text. Unsupported (edgelm::Error): back-references, lookaround, word
// boundaries, inline flags, anchors elsewhere.
#pragma once
#include <functional>
#include <string_view>

#include "sample/grammar/grammar.h"

namespace edgelm::grammar {

// `chars` spells one character from a set (e.g. JSON-escaped inside a string).
using CharsEmitter = std::function<GrammarBuilder::Expr(const CodepointSet&)>;

GrammarBuilder::Expr regex_to_expr(GrammarBuilder& builder, std::string_view pattern, const CharsEmitter& chars);

}  // namespace edgelm::grammar
