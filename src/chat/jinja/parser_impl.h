// The recursive-descent parser shared by parser.cpp (statements) and
// parse_expr.cpp (expressions); internal to the Jinja engine.
#pragma once
#include <algorithm>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "chat/jinja/ast.h"
#include "chat/jinja/error.h"
#include "chat/jinja/lexer.h"

namespace edgelm::jinja {

using ast::BinOp;
using ast::Expr;
using ast::ExprPtr;
using ast::Stmt;
using ast::StmtPtr;

class Parser {
 public:
  Parser(const std::vector<Token>& tokens, int max_depth) : toks_(tokens), max_depth_(max_depth) {}

  ast::Body parse_template() {
    ast::Body body = subparse({});
    if (cur().type != TokenType::Eof) fail("unexpected " + describe(cur()));
    return body;
  }

 private:
  // ---- token stream ----

  const Token& cur() const { return toks_[pos_]; }
  const Token& peek(size_t ahead = 1) const { return toks_[std::min(pos_ + ahead, toks_.size() - 1)]; }
  void next() {
    if (pos_ + 1 < toks_.size()) pos_++;
  }
  bool is_op(const char* op) const { return cur().type == TokenType::Operator && cur().text == op; }
  bool is_name(const char* name) const { return cur().type == TokenType::Name && cur().text == name; }
  bool skip_op(const char* op) {
    if (!is_op(op)) return false;
    next();
    return true;
  }
  bool skip_name(const char* name) {
    if (!is_name(name)) return false;
    next();
    return true;
  }

  [[noreturn]] void fail(const std::string& msg) const { throw Error(ErrorKind::TemplateSyntaxError, msg, cur().line); }

  static std::string describe(const Token& t) {
    if (t.type == TokenType::Name || t.type == TokenType::Operator) return "'" + t.text + "'";
    return std::string("'") + token_type_name(t.type) + "'";
  }

  void expect_op(const char* op) {
    if (!skip_op(op)) fail(std::string("expected token '") + op + "', got " + describe(cur()));
  }
  void expect(TokenType t) {
    if (cur().type != t)
      fail(std::string("expected token '") + token_type_name(t) + "', got " + describe(cur()));
    next();
  }
  std::string expect_name() {
    if (cur().type != TokenType::Name) fail("expected token 'name', got " + describe(cur()));
    std::string n = cur().text;
    next();
    return n;
  }

  // Bounds recursion so hostile sources cannot exhaust the stack.
  struct DepthGuard {
    explicit DepthGuard(Parser& p) : p_(p) {
      if (++p_.depth_ > p_.max_depth_)
        throw Error(ErrorKind::LimitError, "template nesting is too deep", p_.cur().line);
    }
    ~DepthGuard() { p_.depth_--; }
    Parser& p_;
  };

  // Operator chains (a + b + c, x.a.b, v|f|g) build nodes nested as deep as
  // the chain is long without recursing; count each link as one level so
  // the tree depth stays within max_depth and evaluating it cannot overflow
  // the stack.
  struct ChainDepth {
    explicit ChainDepth(Parser& p) : p_(p) {}
    void add() {
      if (++p_.depth_ > p_.max_depth_) {
        p_.depth_--;
        throw Error(ErrorKind::LimitError, "template nesting is too deep", p_.cur().line);
      }
      links_++;
    }
    ~ChainDepth() { p_.depth_ -= links_; }
    Parser& p_;
    int links_ = 0;
  };

  // Bodies of for/macro/set-block/... are Jinja2 "inner frames": an unknown
  // filter there is a compile error again even inside an `if`.
  struct InnerFrame {
    explicit InnerFrame(Parser& p) : p_(p), saved_(p.soft_) { p_.soft_ = 0; }
    ~InnerFrame() { p_.soft_ = saved_; }
    Parser& p_;
    int saved_;
  };

  ExprPtr node(Expr::Kind k, int line) {
    auto e = std::make_unique<Expr>();
    e->kind = k;
    e->line = line;
    return e;
  }

  // ---- statements (parser.cpp) ----

  bool at_end_tag(const std::vector<std::string>& end_tags) const;
  // Parses template data, prints and statements until a block whose first
  // name is one of end_tags (left unconsumed, just after `{%`).
  ast::Body subparse(const std::vector<std::string>& end_tags);
  // Jinja2's messages for an unknown tag (name) or the end of the template
  // (name == nullptr) while blocks are open.
  [[noreturn]] void fail_unexpected(const std::string* name) const;
  // Body of a block statement: `%}` then statements up to an end tag.
  ast::Body parse_block_body(const std::vector<std::string>& end_tags, bool drop_end_tag);
  StmtPtr make_stmt(Stmt::Kind k);
  StmtPtr parse_statement();
  StmtPtr parse_if();
  StmtPtr parse_for();
  StmtPtr parse_set();
  void parse_signature(Stmt& s);
  // Parses a macro-like body: tracks varargs/kwargs/caller use and resets loop state.
  void parse_macro_body(Stmt& s, const char* end_tag);
  StmtPtr parse_macro();
  StmtPtr parse_call_block();
  StmtPtr parse_filter_block();
  StmtPtr parse_with();
  StmtPtr parse_scope_block(const char* end_tag);
  // `name`, `a, b` / `(a, b)` (with_tuple) or `ns.attr` (with_namespace).
  ast::Target parse_assign_target(bool with_tuple, bool with_namespace, const std::vector<std::string>& end_names);

  // ---- expressions (parse_expr.cpp) ----

  bool is_tuple_end(const std::vector<std::string>& extra_end) const;
  // Comma-separated expressions; a single one without a comma is returned as is.
  ExprPtr parse_tuple(bool with_condexpr, bool explicit_parens, const std::vector<std::string>& extra_end = {});
  ExprPtr parse_expression(bool with_condexpr);
  ExprPtr parse_condexpr();
  ExprPtr binary(Expr::Kind k, ExprPtr lhs, ExprPtr rhs, int line);
  ExprPtr parse_or();
  ExprPtr parse_and();
  ExprPtr parse_not();
  std::optional<BinOp> compare_op() const;
  ExprPtr parse_compare();
  // One precedence level of left-associative arithmetic operators.
  ExprPtr parse_arith(std::initializer_list<std::pair<const char*, BinOp>> table, ExprPtr (Parser::*operand)());
  ExprPtr parse_math1();
  ExprPtr parse_concat();
  ExprPtr parse_math2();
  ExprPtr parse_pow();
  ExprPtr parse_unary_filtered();
  ExprPtr parse_unary(bool with_filter);
  ExprPtr parse_primary();
  void note_special_name(const std::string& n);
  ExprPtr parse_list_literal();
  ExprPtr parse_dict_literal();
  ExprPtr parse_postfix(ExprPtr e);
  ExprPtr parse_subscript(ExprPtr obj);
  // An index expression or a slice `start:stop:step` (object filled in by the caller).
  ExprPtr parse_subscribed();
  // `(args)`: positional, name=value, *iterable, **mapping; stores into e.
  void parse_call_args(Expr& e);
  ExprPtr parse_call(ExprPtr callee);
  ExprPtr parse_filter_expr(ExprPtr e);
  std::string dotted_name();
  // `| name(args) | name ...`; `operand` is null in filter blocks and
  // `set x | f` blocks, where the filter applies to the captured body.
  ExprPtr parse_filters(ExprPtr operand, bool start_inline = false);
  ExprPtr parse_test(ExprPtr operand);
  void check_known(const std::string& name, bool known, const char* what) const;

  const std::vector<Token>& toks_;
  size_t pos_ = 0;
  int max_depth_;
  int depth_ = 0;
  int soft_ = 0;
  int loop_depth_ = 0;
  std::vector<Stmt*> macros_;
  std::vector<std::vector<std::string>> end_stack_;
  std::vector<std::string> tag_stack_;
};

}  // namespace edgelm::jinja
