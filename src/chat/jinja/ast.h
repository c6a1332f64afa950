// Syntax tree of a parsed template.
//
// Two node types keep the interpreter a pair of switch statements: Expr for
// expressions and Stmt for template statements. Which fields a node uses
// depends on its kind; the comments on each kind say which.
#pragma once
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chat/jinja/value.h"

namespace edgelm::jinja::ast {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

enum class BinOp { Add, Sub, Mul, Div, FloorDiv, Mod, Pow, Eq, Ne, Lt, Le, Gt, Ge, In, NotIn };

struct Expr {
  enum class Kind {
    Literal,   // value
    Name,      // name
    List,      // children = items
    Tuple,     // children = items
    Dict,      // children = key0, value0, key1, value1, ...
    GetAttr,   // children = [object]; name = attribute
    GetItem,   // children = [object, index]
    Slice,     // children = [object, start, stop, step] (null when omitted)
    Call,      // children = [callee, positional args...]; kwargs
    Filter,    // children = [operand or null in a filter block, args...]; name; kwargs
    Test,      // children = [operand, args...]; name; kwargs
    Not,       // children = [operand]
    Neg,       // children = [operand]
    Pos,       // children = [operand]
    Binary,    // children = [lhs, rhs]; op (arithmetic)
    Compare,   // children = [first, operand1, ...]; ops (chained like Python)
    And,       // children = [lhs, rhs]
    Or,        // children = [lhs, rhs]
    Concat,    // children = parts ("~")
    CondExpr,  // children = [condition, then, else or null]
  };
  Kind kind = Kind::Literal;
  int line = 0;
  Value value;
  std::string name;
  std::vector<ExprPtr> children;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  BinOp op = BinOp::Add;
  std::vector<BinOp> ops;
  bool soft = false;  // Filter/Test: unknown name is reported when evaluated, not at parse time
};

// Target of `set`, `for` and `with`: one name, several names (tuple
// unpacking), or a namespace attribute (`ns.attr`).
struct Target {
  std::vector<std::string> names;
  bool is_tuple = false;
  std::string attribute;  // non-empty: names[0] is the namespace, this the attribute
};

struct Param {
  std::string name;
  ExprPtr default_value;  // null when required
};

struct IfBranch {
  ExprPtr condition;
  Body body;
};

struct Stmt {
  enum class Kind {
    Output,       // text: template data
    Print,        // expr: `{{ expr }}`
    If,           // branches, else_body
    For,          // target, expr (iterable), filter (loop `if`), body, else_body
    Set,          // target, expr
    SetBlock,     // target, filter (null or a Filter expr with null operand), body
    Macro,        // name, params, body, catch_varargs/catch_kwargs/uses_caller
    CallBlock,    // expr (the Call), caller (a Macro stmt holding the body)
    FilterBlock,  // filter (Filter expr with null operand), body
    With,         // assignments, body
    Scope,        // body (`generation` blocks: rendered unchanged)
    Break,
    Continue,
  };
  Kind kind = Kind::Output;
  int line = 0;
  std::string text;
  std::string name;
  ExprPtr expr;
  ExprPtr filter;
  Target target;
  std::vector<IfBranch> branches;
  Body body;
  Body else_body;
  std::vector<Param> params;
  bool catch_varargs = false;
  bool catch_kwargs = false;
  bool uses_caller = false;
  StmtPtr caller;
  std::vector<std::pair<Target, ExprPtr>> assignments;
  // Names that start undefined in this statement's body frame (and in a for
  // loop's else frame); filled by resolve_scopes().
  std::vector<std::string> undefs;
  std::vector<std::string> else_undefs;
};

}  // namespace edgelm::jinja::ast
