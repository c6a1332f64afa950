// Tokens -> syntax tree, following Jinja2's grammar and operator precedence.
#pragma once
#include <vector>

#include "chat/jinja/ast.h"
#include "chat/jinja/lexer.h"

namespace edgelm::jinja {

// Throws jinja::Error (TemplateSyntaxError, or TemplateAssertionError for an
// unknown filter/test outside a conditional) and LimitError when expressions
// or blocks nest deeper than max_depth.
ast::Body parse(const std::vector<Token>& tokens, int max_depth);

// Applies Jinja2's frame scoping (see scoping.cpp): fills Stmt::undefs and
// returns the names that start undefined in the template body itself.
std::vector<std::string> resolve_scopes(const ast::Body& root);

}  // namespace edgelm::jinja
