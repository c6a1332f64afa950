// Template source -> tokens, with Jinja2's whitespace rules.
//
// Hugging Face renders chat templates with trim_blocks (drop the first newline
// after a block or comment tag) and lstrip_blocks (drop spaces/tabs between the
// start of a line and a block or comment tag), keep_trailing_newline off (one
// trailing newline of the source is dropped), plus explicit control with
// `{%-`, `-%}`, `{{-`, `-}}`, `{#-`, `-#}` and the `+` variants. Newlines are
// normalized to "\n" first, as Jinja2 does.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace edgelm::jinja {

enum class TokenType {
  Data,           // raw template text (after whitespace control)
  VariableBegin,  // {{
  VariableEnd,    // }}
  BlockBegin,     // {%
  BlockEnd,       // %}
  Name,
  String,         // text holds the unescaped value
  Integer,
  Float,
  Operator,       // text holds the operator ("+", "//", "(", ...)
  Eof,
};

struct Token {
  TokenType type = TokenType::Eof;
  std::string text;
  __int128 int_value = 0;  // integers up to 2^127 (Python's are unbounded)
  double float_value = 0;
  int line = 1;
};

struct LexerOptions {
  bool trim_blocks = true;
  bool lstrip_blocks = true;
  bool keep_trailing_newline = false;
};

// Throws jinja::Error(TemplateSyntaxError) on malformed input.
std::vector<Token> tokenize(std::string_view source, const LexerOptions& options = {});

const char* token_type_name(TokenType t);

}  // namespace edgelm::jinja
