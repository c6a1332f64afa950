// GBNF, llama.cpp's grammar notation, parsed into a Grammar.
//
//   root   ::= "{" ws pair ("," ws pair)* "}"    # comment
//   pair   ::= [a-z]+ ":" ws ([0-9]{1,3} | "true" | "false")
//   ws     ::= [ \t\n]*
//
// Supported: rules `name ::= alternatives` (names of letters, digits, '-'
// and '_'; a rule ends at the end of its line unless inside parentheses, and
// a following line that starts with '|' continues it); string literals with
// escapes \n \r \t \\ \" \[ \] \xHH \uHHHH \UHHHHHHHH; character classes
// [a-z0-9] and negated [^"\\] over code points; '.' (any character);
// grouping; alternation; the postfix operators * + ? {m} {m,} {m,n};
// comments from '#' to the end of the line; special tokens <[ID]> by id and
// <TEXT> by their text (resolved through GbnfOptions::resolve_token).
// Errors name the line and column. Grammars must not be left-recursive.
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "sample/grammar/grammar.h"

namespace edgelm::grammar {

struct GbnfOptions {
  std::string root = "root";
  // Maps a special token's text (e.g. "<think>") to its id.
  std::function<std::optional<int32_t>(std::string_view)> resolve_token;
};

Grammar parse_gbnf(std::string_view text, const GbnfOptions& options = {});

}  // namespace edgelm::grammar
