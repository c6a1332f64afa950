// Expression half of the parser (see parser_impl.h), following Jinja2's
// precedence, loosest first: `x if c else y`, or, and, not, comparisons
// (chained, `in`, `not in`), + -, ~, * / // %, **, unary - +, then postfix
// (.attr, [index], call) followed by filters `|f` and tests `is t`, which
// therefore bind tighter than any binary operator.
#include "chat/jinja/builtins.h"
#include "chat/jinja/parser_impl.h"

namespace edgelm::jinja {

bool Parser::is_tuple_end(const std::vector<std::string>& extra_end) const {
  const TokenType t = cur().type;
  if (t == TokenType::VariableEnd || t == TokenType::BlockEnd || t == TokenType::Eof) return true;
  if (is_op(")")) return true;
  return at_end_tag(extra_end);
}

// Comma-separated expressions; a single one without a comma is returned as is.
ExprPtr Parser::parse_tuple(bool with_condexpr, bool explicit_parens, const std::vector<std::string>& extra_end) {
  const int line = cur().line;
  std::vector<ExprPtr> items;
  bool is_tuple = false;
  while (true) {
    if (!items.empty()) expect_op(",");
    if (is_tuple_end(extra_end)) break;
    items.push_back(parse_expression(with_condexpr));
    if (is_op(",")) {
      is_tuple = true;
    } else {
      break;
    }
  }
  if (!is_tuple) {
    if (!items.empty()) return std::move(items[0]);
    if (!explicit_parens) fail("Expected an expression, got " + describe(cur()));
  }
  auto e = node(Expr::Kind::Tuple, line);
  e->children = std::move(items);
  return e;
}

ExprPtr Parser::parse_expression(bool with_condexpr) {
  DepthGuard guard(*this);
  return with_condexpr ? parse_condexpr() : parse_or();
}

ExprPtr Parser::parse_condexpr() {
  ExprPtr expr = parse_or();
  ChainDepth chain(*this);
  while (is_name("if")) {
    chain.add();
    const int line = cur().line;
    next();
    soft_++;
    auto e = node(Expr::Kind::CondExpr, line);
    ExprPtr cond = parse_or();
    ExprPtr otherwise = skip_name("else") ? parse_condexpr() : nullptr;
    soft_--;
    e->children.push_back(std::move(cond));
    e->children.push_back(std::move(expr));
    e->children.push_back(std::move(otherwise));
    expr = std::move(e);
  }
  return expr;
}

ExprPtr Parser::binary(Expr::Kind k, ExprPtr lhs, ExprPtr rhs, int line) {
  auto e = node(k, line);
  e->children.push_back(std::move(lhs));
  e->children.push_back(std::move(rhs));
  return e;
}

ExprPtr Parser::parse_or() {
  ExprPtr lhs = parse_and();
  ChainDepth chain(*this);
  while (is_name("or")) {
    chain.add();
    const int line = cur().line;
    next();
    lhs = binary(Expr::Kind::Or, std::move(lhs), parse_and(), line);
  }
  return lhs;
}

ExprPtr Parser::parse_and() {
  ExprPtr lhs = parse_not();
  ChainDepth chain(*this);
  while (is_name("and")) {
    chain.add();
    const int line = cur().line;
    next();
    lhs = binary(Expr::Kind::And, std::move(lhs), parse_not(), line);
  }
  return lhs;
}

ExprPtr Parser::parse_not() {
  if (is_name("not")) {
    DepthGuard guard(*this);
    auto e = node(Expr::Kind::Not, cur().line);
    next();
    e->children.push_back(parse_not());
    return e;
  }
  return parse_compare();
}

std::optional<BinOp> Parser::compare_op() const {
  if (cur().type != TokenType::Operator) return std::nullopt;
  const std::string& t = cur().text;
  if (t == "==") return BinOp::Eq;
  if (t == "!=") return BinOp::Ne;
  if (t == "<") return BinOp::Lt;
  if (t == "<=") return BinOp::Le;
  if (t == ">") return BinOp::Gt;
  if (t == ">=") return BinOp::Ge;
  return std::nullopt;
}

ExprPtr Parser::parse_compare() {
  const int line = cur().line;
  ExprPtr first = parse_math1();
  std::vector<BinOp> ops;
  std::vector<ExprPtr> operands;
  while (true) {
    if (auto op = compare_op()) {
      next();
      ops.push_back(*op);
    } else if (is_name("in")) {
      next();
      ops.push_back(BinOp::In);
    } else if (is_name("not") && peek().type == TokenType::Name && peek().text == "in") {
      next();
      next();
      ops.push_back(BinOp::NotIn);
    } else {
      break;
    }
    operands.push_back(parse_math1());
  }
  if (ops.empty()) return first;
  auto e = node(Expr::Kind::Compare, line);
  e->children.push_back(std::move(first));
  for (auto& o : operands) e->children.push_back(std::move(o));
  e->ops = std::move(ops);
  return e;
}

// One precedence level of left-associative arithmetic operators.
ExprPtr Parser::parse_arith(std::initializer_list<std::pair<const char*, BinOp>> table, ExprPtr (Parser::*operand)()) {
  ExprPtr lhs = (this->*operand)();
  ChainDepth chain(*this);
  while (true) {
    const std::pair<const char*, BinOp>* hit = nullptr;
    for (const auto& entry : table)
      if (is_op(entry.first)) hit = &entry;
    if (!hit) return lhs;
    chain.add();
    const int line = cur().line;
    next();
    lhs = binary(Expr::Kind::Binary, std::move(lhs), (this->*operand)(), line);
    lhs->op = hit->second;
  }
}

ExprPtr Parser::parse_math1() {
  return parse_arith({{"+", BinOp::Add}, {"-", BinOp::Sub}}, &Parser::parse_concat);
}

ExprPtr Parser::parse_concat() {
  const int line = cur().line;
  ExprPtr first = parse_math2();
  if (!is_op("~")) return first;
  auto e = node(Expr::Kind::Concat, line);
  e->children.push_back(std::move(first));
  while (skip_op("~")) e->children.push_back(parse_math2());
  return e;
}

ExprPtr Parser::parse_math2() {
  return parse_arith({{"*", BinOp::Mul}, {"/", BinOp::Div}, {"//", BinOp::FloorDiv}, {"%", BinOp::Mod}},
                     &Parser::parse_pow);
}

ExprPtr Parser::parse_pow() {
  return parse_arith({{"**", BinOp::Pow}}, &Parser::parse_unary_filtered);
}

ExprPtr Parser::parse_unary_filtered() {
  return parse_unary(true);
}

ExprPtr Parser::parse_unary(bool with_filter) {
  DepthGuard guard(*this);
  ExprPtr e;
  if (is_op("-") || is_op("+")) {
    e = node(is_op("-") ? Expr::Kind::Neg : Expr::Kind::Pos, cur().line);
    next();
    e->children.push_back(parse_unary(false));
  } else {
    e = parse_primary();
  }
  e = parse_postfix(std::move(e));
  return with_filter ? parse_filter_expr(std::move(e)) : std::move(e);
}

ExprPtr Parser::parse_primary() {
  const Token& t = cur();
  const int line = t.line;
  if (t.type == TokenType::Name) {
    auto e = node(Expr::Kind::Literal, line);
    if (t.text == "true" || t.text == "True") {
      e->value = Value::boolean(true);
    } else if (t.text == "false" || t.text == "False") {
      e->value = Value::boolean(false);
    } else if (t.text == "none" || t.text == "None") {
      e->value = Value::none();
    } else {
      e->kind = Expr::Kind::Name;
      e->name = t.text;
      note_special_name(t.text);
    }
    next();
    return e;
  }
  if (t.type == TokenType::String) {
    std::string s;
    while (cur().type == TokenType::String) {  // adjacent literals concatenate
      s += cur().text;
      next();
    }
    auto e = node(Expr::Kind::Literal, line);
    e->value = Value::string(std::move(s));
    return e;
  }
  if (t.type == TokenType::Integer || t.type == TokenType::Float) {
    auto e = node(Expr::Kind::Literal, line);
    e->value = t.type == TokenType::Integer ? Value::integer(t.int_value) : Value::number(t.float_value);
    next();
    return e;
  }
  if (is_op("(")) {
    next();
    ExprPtr e = parse_tuple(true, true);
    expect_op(")");
    return e;
  }
  if (is_op("[")) return parse_list_literal();
  if (is_op("{")) return parse_dict_literal();
  fail("unexpected " + describe(t));
}

void Parser::note_special_name(const std::string& n) {
  if (macros_.empty()) return;
  if (n == "varargs") macros_.back()->catch_varargs = true;
  if (n == "kwargs") macros_.back()->catch_kwargs = true;
  if (n == "caller") macros_.back()->uses_caller = true;
}

ExprPtr Parser::parse_list_literal() {
  auto e = node(Expr::Kind::List, cur().line);
  expect_op("[");
  while (!is_op("]")) {
    if (!e->children.empty()) expect_op(",");
    if (is_op("]")) break;
    e->children.push_back(parse_expression(true));
  }
  expect_op("]");
  return e;
}

ExprPtr Parser::parse_dict_literal() {
  auto e = node(Expr::Kind::Dict, cur().line);
  expect_op("{");
  while (!is_op("}")) {
    if (!e->children.empty()) expect_op(",");
    if (is_op("}")) break;
    e->children.push_back(parse_expression(true));
    expect_op(":");
    e->children.push_back(parse_expression(true));
  }
  expect_op("}");
  return e;
}

ExprPtr Parser::parse_postfix(ExprPtr e) {
  ChainDepth chain(*this);
  while (is_op(".") || is_op("[") || is_op("(")) {
    chain.add();
    e = is_op("(") ? parse_call(std::move(e)) : parse_subscript(std::move(e));
  }
  return e;
}

ExprPtr Parser::parse_subscript(ExprPtr obj) {
  const int line = cur().line;
  if (skip_op(".")) {
    if (cur().type == TokenType::Name) {
      auto e = node(Expr::Kind::GetAttr, line);
      e->name = cur().text;
      next();
      e->children.push_back(std::move(obj));
      return e;
    }
    if (cur().type != TokenType::Integer) fail("expected name or number");
    auto idx = node(Expr::Kind::Literal, line);
    idx->value = Value::integer(cur().int_value);
    next();
    return binary(Expr::Kind::GetItem, std::move(obj), std::move(idx), line);
  }
  expect_op("[");
  std::vector<ExprPtr> args;
  while (!is_op("]")) {
    if (!args.empty()) expect_op(",");
    args.push_back(parse_subscribed());
  }
  expect_op("]");
  if (args.empty()) fail("expected subscript expression");
  if (args.size() == 1 && args[0]->kind == Expr::Kind::Slice) {
    args[0]->children[0] = std::move(obj);
    return std::move(args[0]);
  }
  for (const auto& a : args)
    if (a->kind == Expr::Kind::Slice) fail("slices inside a tuple subscript are not supported");
  ExprPtr index;
  if (args.size() == 1) {
    index = std::move(args[0]);
  } else {
    index = node(Expr::Kind::Tuple, line);
    index->children = std::move(args);
  }
  return binary(Expr::Kind::GetItem, std::move(obj), std::move(index), line);
}

// An index expression or a slice `start:stop:step` (object filled in by the caller).
ExprPtr Parser::parse_subscribed() {
  const int line = cur().line;
  ExprPtr start;
  if (!is_op(":")) {
    start = parse_expression(true);
    if (!is_op(":")) return start;
  }
  next();  // ':'
  auto e = node(Expr::Kind::Slice, line);
  e->children.push_back(nullptr);  // object
  e->children.push_back(std::move(start));
  e->children.push_back(is_op(":") || is_op("]") || is_op(",") ? nullptr : parse_expression(true));
  ExprPtr step;
  if (skip_op(":") && !is_op("]") && !is_op(",")) step = parse_expression(true);
  e->children.push_back(std::move(step));
  return e;
}

// `(args)`: positional, name=value, *iterable, **mapping; stores into e.
void Parser::parse_call_args(Expr& e) {
  expect_op("(");
  bool need_comma = false;
  bool have_kw = false;
  while (!is_op(")")) {
    if (need_comma) {
      expect_op(",");
      if (is_op(")")) break;
    }
    if (skip_op("*")) {
      e.kwargs.emplace_back("*", parse_expression(true));
    } else if (skip_op("**")) {
      e.kwargs.emplace_back("**", parse_expression(true));
    } else if (cur().type == TokenType::Name && peek().type == TokenType::Operator && peek().text == "=") {
      std::string key = cur().text;
      next();
      next();
      e.kwargs.emplace_back(std::move(key), parse_expression(true));
      have_kw = true;
    } else {
      if (have_kw || !e.kwargs.empty()) fail("invalid syntax for function call expression");
      e.children.push_back(parse_expression(true));
    }
    need_comma = true;
  }
  expect_op(")");
}

ExprPtr Parser::parse_call(ExprPtr callee) {
  auto e = node(Expr::Kind::Call, cur().line);
  e->children.push_back(std::move(callee));
  parse_call_args(*e);
  return e;
}

ExprPtr Parser::parse_filter_expr(ExprPtr e) {
  ChainDepth chain(*this);
  while (is_op("|") || is_name("is") || is_op("(")) {
    chain.add();
    if (is_op("|")) {
      e = parse_filters(std::move(e));
    } else if (is_name("is")) {
      e = parse_test(std::move(e));
    } else {
      e = parse_call(std::move(e));
    }
  }
  return e;
}

std::string Parser::dotted_name() {
  std::string n = expect_name();
  while (skip_op(".")) n += "." + expect_name();
  return n;
}

// `| name(args) | name ...`; `operand` is null in filter blocks and
// `set x | f` blocks, where the filter applies to the captured body.
ExprPtr Parser::parse_filters(ExprPtr operand, bool start_inline) {
  ChainDepth chain(*this);
  while (is_op("|") || start_inline) {
    chain.add();
    if (!start_inline) next();
    start_inline = false;
    auto e = node(Expr::Kind::Filter, cur().line);
    e->name = dotted_name();
    check_known(e->name, filter_exists(e->name), "filter");
    e->soft = soft_ > 0;
    e->children.push_back(std::move(operand));
    if (is_op("(")) parse_call_args(*e);
    operand = std::move(e);
  }
  return operand;
}

ExprPtr Parser::parse_test(ExprPtr operand) {
  const int line = cur().line;
  next();  // is
  const bool negated = skip_name("not");
  auto e = node(Expr::Kind::Test, line);
  e->name = dotted_name();
  check_known(e->name, find_test(e->name) != nullptr, "test");
  e->soft = soft_ > 0;
  e->children.push_back(std::move(operand));
  const TokenType t = cur().type;
  if (is_op("(")) {
    parse_call_args(*e);
  } else if ((t == TokenType::Name || t == TokenType::String || t == TokenType::Integer || t == TokenType::Float ||
              is_op("[") || is_op("{")) &&
             !is_name("else") && !is_name("or") && !is_name("and")) {
    if (is_name("is")) fail("You cannot chain multiple tests with is");
    e->children.push_back(parse_postfix(parse_primary()));
  }
  if (!negated) return e;
  auto n = node(Expr::Kind::Not, line);
  n->children.push_back(std::move(e));
  return n;
}

void Parser::check_known(const std::string& name, bool known, const char* what) const {
  if (known || soft_ > 0) return;
  throw Error(ErrorKind::TemplateAssertionError, std::string("No ") + what + " named '" + name + "'.", cur().line);
}
}  // namespace edgelm::jinja
