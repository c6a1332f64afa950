// Statement half of the parser (see parser_impl.h): template data, `{{ }}`
// and block tags, with Jinja2's error messages for unclosed or misplaced tags.
#include "chat/jinja/parser.h"

#include "chat/jinja/parser_impl.h"

namespace edgelm::jinja {

bool Parser::at_end_tag(const std::vector<std::string>& end_tags) const {
  if (cur().type != TokenType::Name) return false;
  for (const auto& t : end_tags)
    if (cur().text == t) return true;
  return false;
}

// Parses template data, prints and statements until a block whose first
// name is one of end_tags (left unconsumed, just after `{%`).
ast::Body Parser::subparse(const std::vector<std::string>& end_tags) {
  DepthGuard guard(*this);
  struct EndTagScope {  // Jinja2's _end_token_stack, for error messages
    EndTagScope(Parser& p, const std::vector<std::string>& tags) : p_(p), active_(!tags.empty()) {
      if (active_) p_.end_stack_.push_back(tags);
    }
    ~EndTagScope() {
      if (active_) p_.end_stack_.pop_back();
    }
    Parser& p_;
    bool active_;
  } scope(*this, end_tags);
  ast::Body body;
  while (cur().type != TokenType::Eof) {
    const Token& t = cur();
    if (t.type == TokenType::Data) {
      auto s = std::make_unique<Stmt>();
      s->kind = Stmt::Kind::Output;
      s->line = t.line;
      s->text = t.text;
      body.push_back(std::move(s));
      next();
    } else if (t.type == TokenType::VariableBegin) {
      next();
      auto s = std::make_unique<Stmt>();
      s->kind = Stmt::Kind::Print;
      s->line = cur().line;
      s->expr = parse_tuple(true, false);
      expect(TokenType::VariableEnd);
      body.push_back(std::move(s));
    } else if (t.type == TokenType::BlockBegin) {
      next();
      if (!end_tags.empty() && at_end_tag(end_tags)) return body;
      body.push_back(parse_statement());
      expect(TokenType::BlockEnd);
    } else {
      fail("unexpected " + describe(t));
    }
  }
  if (!end_tags.empty()) fail_unexpected(nullptr);
  return body;
}

// Jinja2's messages for an unknown tag (name) or the end of the template
// (name == nullptr) while blocks are open.
[[noreturn]] void Parser::fail_unexpected(const std::string* name) const {
  std::string msg = name ? "Encountered unknown tag '" + *name + "'." : "Unexpected end of template.";
  if (!end_stack_.empty()) {
    std::string looking;
    for (const auto& t : end_stack_.back()) looking += (looking.empty() ? "'" : " or '") + t + "'";
    bool expected = false;
    for (const auto& tags : end_stack_)
      for (const auto& t : tags) expected = expected || (name && *name == t);
    if (expected) {
      msg += " You probably made a nesting mistake. Jinja is expecting this tag, but currently looking for " + looking + ".";
    } else {
      msg += " Jinja was looking for the following tags: " + looking + ".";
    }
  }
  if (!tag_stack_.empty()) msg += " The innermost block that needs to be closed is '" + tag_stack_.back() + "'.";
  fail(msg);
}

// Body of a block statement: `%}` then statements up to an end tag.
ast::Body Parser::parse_block_body(const std::vector<std::string>& end_tags, bool drop_end_tag) {
  skip_op(":");
  expect(TokenType::BlockEnd);
  ast::Body body = subparse(end_tags);
  if (drop_end_tag) next();
  return body;
}

StmtPtr Parser::make_stmt(Stmt::Kind k) {
  auto s = std::make_unique<Stmt>();
  s->kind = k;
  s->line = cur().line;
  return s;
}

StmtPtr Parser::parse_statement() {
  DepthGuard guard(*this);
  if (cur().type != TokenType::Name) fail("tag name expected");
  const std::string tag = cur().text;
  struct TagScope {  // Jinja2's _tag_stack, for error messages
    TagScope(Parser& p, const std::string& t) : p_(p) { p_.tag_stack_.push_back(t); }
    ~TagScope() { p_.tag_stack_.pop_back(); }
    Parser& p_;
  };
  std::optional<TagScope> open;
  for (const char* known : {"if", "for", "set", "macro", "call", "filter", "with", "generation", "print", "break",
                            "continue", "block", "extends", "include", "import", "from", "autoescape"})
    if (tag == known) open.emplace(*this, tag);
  if (tag == "if") return parse_if();
  if (tag == "for") return parse_for();
  if (tag == "set") return parse_set();
  if (tag == "macro") return parse_macro();
  if (tag == "call") return parse_call_block();
  if (tag == "filter") return parse_filter_block();
  if (tag == "with") return parse_with();
  if (tag == "generation") return parse_scope_block("endgeneration");
  if (tag == "print") {
    auto s = make_stmt(Stmt::Kind::Print);
    next();
    s->expr = parse_tuple(true, false);
    return s;
  }
  if (tag == "break" || tag == "continue") {
    if (loop_depth_ == 0) fail("'" + tag + "' outside of a for loop");
    auto s = make_stmt(tag == "break" ? Stmt::Kind::Break : Stmt::Kind::Continue);
    next();
    return s;
  }
  if (open) fail("Encountered unsupported tag '" + tag + "'.");
  fail_unexpected(&tag);
}

StmtPtr Parser::parse_if() {
  auto s = make_stmt(Stmt::Kind::If);
  next();  // if / elif
  soft_++;
  while (true) {
    ast::IfBranch br;
    br.condition = parse_tuple(false, false);
    br.body = parse_block_body({"elif", "else", "endif"}, false);
    s->branches.push_back(std::move(br));
    const std::string t = cur().text;
    next();
    if (t == "elif") continue;
    if (t == "else") s->else_body = parse_block_body({"endif"}, true);
    break;
  }
  soft_--;
  return s;
}

StmtPtr Parser::parse_for() {
  auto s = make_stmt(Stmt::Kind::For);
  next();
  s->target = parse_assign_target(true, false, {"in"});
  if (!skip_name("in")) fail("expected token 'in', got " + describe(cur()));
  s->expr = parse_tuple(false, false, {"recursive"});
  if (skip_name("if")) s->filter = parse_expression(true);
  if (is_name("recursive")) fail("recursive for loops are not supported");
  InnerFrame frame(*this);
  loop_depth_++;
  s->body = parse_block_body({"endfor", "else"}, false);
  loop_depth_--;
  const std::string t = cur().text;
  next();
  if (t == "else") s->else_body = parse_block_body({"endfor"}, true);
  return s;
}

StmtPtr Parser::parse_set() {
  auto s = make_stmt(Stmt::Kind::Set);
  next();
  s->target = parse_assign_target(true, true, {});
  if (skip_op("=")) {
    s->expr = parse_tuple(true, false);
    return s;
  }
  s->kind = Stmt::Kind::SetBlock;
  if (is_op("|")) s->filter = parse_filters(nullptr);
  InnerFrame frame(*this);
  s->body = parse_block_body({"endset"}, true);
  return s;
}

void Parser::parse_signature(Stmt& s) {
  expect_op("(");
  while (!is_op(")")) {
    if (!s.params.empty()) expect_op(",");
    ast::Param p;
    p.name = expect_name();
    if (skip_op("=")) {
      p.default_value = parse_expression(true);
    } else if (!s.params.empty() && s.params.back().default_value) {
      fail("non-default argument follows default argument");
    }
    s.params.push_back(std::move(p));
  }
  expect_op(")");
}

// Parses a macro-like body: tracks varargs/kwargs/caller use and resets loop state.
void Parser::parse_macro_body(Stmt& s, const char* end_tag) {
  InnerFrame frame(*this);
  const int saved_loops = loop_depth_;
  loop_depth_ = 0;
  macros_.push_back(&s);
  s.body = parse_block_body({end_tag}, true);
  macros_.pop_back();
  loop_depth_ = saved_loops;
}

StmtPtr Parser::parse_macro() {
  auto s = make_stmt(Stmt::Kind::Macro);
  next();
  s->name = expect_name();
  parse_signature(*s);
  parse_macro_body(*s, "endmacro");
  return s;
}

StmtPtr Parser::parse_call_block() {
  auto s = make_stmt(Stmt::Kind::CallBlock);
  next();
  auto caller = make_stmt(Stmt::Kind::Macro);
  caller->name = "caller";
  if (is_op("(")) parse_signature(*caller);
  s->expr = parse_expression(true);
  if (s->expr->kind != Expr::Kind::Call) fail("expected call");
  parse_macro_body(*caller, "endcall");
  s->caller = std::move(caller);
  return s;
}

StmtPtr Parser::parse_filter_block() {
  auto s = make_stmt(Stmt::Kind::FilterBlock);
  next();
  s->filter = parse_filters(nullptr, true);
  InnerFrame frame(*this);
  s->body = parse_block_body({"endfilter"}, true);
  return s;
}

StmtPtr Parser::parse_with() {
  auto s = make_stmt(Stmt::Kind::With);
  next();
  while (cur().type != TokenType::BlockEnd) {
    if (!s->assignments.empty()) expect_op(",");
    ast::Target t = parse_assign_target(true, false, {});
    expect_op("=");
    s->assignments.emplace_back(std::move(t), parse_expression(true));
  }
  InnerFrame frame(*this);
  s->body = parse_block_body({"endwith"}, true);
  return s;
}

StmtPtr Parser::parse_scope_block(const char* end_tag) {
  auto s = make_stmt(Stmt::Kind::Scope);
  next();
  InnerFrame frame(*this);
  s->body = parse_block_body({end_tag}, true);
  return s;
}

// `name`, `a, b` / `(a, b)` (with_tuple) or `ns.attr` (with_namespace).
ast::Target Parser::parse_assign_target(bool with_tuple, bool with_namespace, const std::vector<std::string>& end_names) {
  ast::Target t;
  const bool paren = with_tuple && skip_op("(");
  while (true) {
    std::string n = expect_name();
    if (with_namespace && t.names.empty() && is_op(".") && peek().type == TokenType::Name) {
      next();
      t.names.push_back(std::move(n));
      t.attribute = expect_name();
      return t;
    }
    t.names.push_back(std::move(n));
    if (!with_tuple || !is_op(",")) break;
    next();
    t.is_tuple = true;
    if ((paren && is_op(")")) || at_end_tag(end_names) || is_op("=") || cur().type == TokenType::BlockEnd) break;
  }
  if (paren) {
    expect_op(")");
    t.is_tuple = true;
  }
  return t;
}

ast::Body parse(const std::vector<Token>& tokens, int max_depth) { return Parser(tokens, max_depth).parse_template(); }

}  // namespace edgelm::jinja
