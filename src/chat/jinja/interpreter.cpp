// Tree-walking evaluator (see interpreter.h).
#include "chat/jinja/interpreter.h"

#include "chat/jinja/builtins.h"
#include "chat/jinja/pystr.h"

namespace edgelm::jinja {

using ast::Expr;
using ast::Stmt;

size_t Scope::index_of(const std::string& name) const {
  if (!index_.empty()) {
    auto it = index_.find(name);
    return it == index_.end() ? npos : it->second;
  }
  for (size_t i = 0; i < vars_.size(); i++)
    if (vars_[i].first == name) return i;
  return npos;
}

const Value* Scope::find(const std::string& name) const {
  const size_t i = index_of(name);
  return i == npos ? nullptr : &vars_[i].second;
}

const Value* Scope::lookup(const std::string& name) const {
  for (const Scope* s = this; s; s = s->parent.get())
    if (const Value* v = s->find(name)) return v;
  return nullptr;
}

void Scope::set(const std::string& name, Value v) {
  if (const size_t i = index_of(name); i != npos) {
    vars_[i].second = std::move(v);
    return;
  }
  vars_.emplace_back(name, std::move(v));
  if (vars_.size() == kIndexFrom) {
    for (size_t i = 0; i < vars_.size(); i++) index_.emplace(vars_[i].first, i);
  } else if (vars_.size() > kIndexFrom) {
    index_.emplace(name, vars_.size() - 1);
  }
}

void Scope::clear() {
  vars_.clear();
  index_.clear();
}

Interpreter::Interpreter(const Limits& limits, Clock clock) : limits_(limits), clock_(std::move(clock)) {}

Interpreter::~Interpreter() {
  // Macros hold the scope they were defined in, which holds the macro; and
  // namespaces can hold themselves. Emptying them frees every such cycle.
  for (auto& s : macro_scopes_) s->clear();
  for (auto& w : namespaces_)
    if (auto ns = w.lock()) ns->attrs.clear();
}

Interpreter::DepthGuard::DepthGuard(Interpreter& in) : in_(in) {
  if (++in_.depth_ > in_.limits_.max_eval_depth) {
    in_.depth_--;
    throw Error(ErrorKind::LimitError, "maximum template recursion depth exceeded");
  }
}

// ---- limits ----------------------------------------------------------------

void Interpreter::step() {
  if (++steps_ > limits_.max_steps)
    throw Error(ErrorKind::LimitError, "template exceeded " + std::to_string(limits_.max_steps) + " evaluation steps");
}

void Interpreter::charge(uint64_t bytes) {
  work_ += bytes;
  if (work_ > limits_.max_work_bytes)
    throw Error(ErrorKind::LimitError, "template built more than " + std::to_string(limits_.max_work_bytes) + " bytes of data");
}

void Interpreter::charge_scan(const Value& v) {
  if (v.is_string()) charge(v.str().size());
  else if (v.is_list() || v.is_dict()) charge(v.weight() * sizeof(Value));
}

void Interpreter::check_size(size_t bytes) const {
  if (bytes > limits_.max_string_bytes)
    throw Error(ErrorKind::LimitError, "a value built by the template exceeds " + std::to_string(limits_.max_string_bytes) + " bytes");
}

Value Interpreter::make_string(std::string s) {
  check_size(s.size());
  charge(s.size());
  return Value::string(std::move(s));
}

Value Interpreter::make_list(std::vector<Value> items, bool is_tuple) {
  const size_t bytes = items.size() * sizeof(Value);
  check_size(bytes);
  charge(bytes);
  return Value::list(std::move(items), is_tuple);
}

std::vector<Value> Interpreter::iterate_charged(const Value& v) {
  // A one-character string costs an allocation besides its Value slot.
  const size_t per_item = v.is_string() ? sizeof(Value) + 32 : sizeof(Value);
  if (v.is_string() || v.is_list() || v.is_dict()) charge(py_len(v) * per_item);
  return iterate(v);
}

Value Interpreter::new_namespace(Dict attrs) {
  auto ns = std::make_shared<Namespace>();
  ns->attrs = std::move(attrs);
  namespaces_.push_back(ns);
  return Value::from(ns);
}

void Interpreter::emit(std::string& out, std::string_view text) {
  charge(text.size());
  if (out.size() + text.size() > limits_.max_output_bytes)
    throw Error(ErrorKind::LimitError, "rendered output exceeds " + std::to_string(limits_.max_output_bytes) + " bytes");
  out.append(text);
}

// ---- statements ------------------------------------------------------------

std::string Interpreter::render(const ast::Body& body, const std::vector<std::string>& root_undefs, const Dict& vars) {
  auto root = std::make_shared<Scope>();
  for (const auto& [k, v] : vars.items()) root->set(to_str(k), v);
  for (const auto& name : root_undefs) root->set(name, undefined_name(name));
  std::string out;
  exec_block(body, root, out);
  return out;
}

Interpreter::Flow Interpreter::exec_block(const ast::Body& body, const ScopePtr& scope, std::string& out) {
  DepthGuard guard(*this);
  for (const auto& s : body) {
    const Flow f = exec(*s, scope, out);
    if (f != Flow::Normal) return f;
  }
  return Flow::Normal;
}

Interpreter::ScopePtr Interpreter::child_scope(const ScopePtr& parent, const std::vector<std::string>& undefs) {
  auto scope = std::make_shared<Scope>();
  scope->parent = parent;
  for (const auto& name : undefs) scope->set(name, undefined_name(name));
  return scope;
}

std::string Interpreter::capture(const Stmt& s, const ScopePtr& parent) {
  std::string text;
  exec_block(s.body, child_scope(parent, s.undefs), text);
  return text;
}

Interpreter::Flow Interpreter::exec(const Stmt& s, const ScopePtr& scope, std::string& out) {
  step();
  switch (s.kind) {
    case Stmt::Kind::Output: emit(out, s.text); break;
    case Stmt::Kind::Print: emit(out, to_str(eval(*s.expr, scope))); break;
    case Stmt::Kind::If: return exec_if(s, scope, out);
    case Stmt::Kind::For: return exec_for(s, scope, out);
    case Stmt::Kind::Set: assign(s.target, eval(*s.expr, scope), *scope); break;
    case Stmt::Kind::SetBlock: {
      Value v = make_string(capture(s, scope));
      if (s.filter) v = eval_filter(*s.filter, scope, v);
      assign(s.target, v, *scope);
      break;
    }
    case Stmt::Kind::Macro: scope->set(s.name, make_macro(s, scope)); break;
    case Stmt::Kind::CallBlock: exec_call_block(s, scope, out); break;
    case Stmt::Kind::FilterBlock: {
      const Value body = make_string(capture(s, scope));
      emit(out, to_str(eval_filter(*s.filter, scope, body)));
      break;
    }
    case Stmt::Kind::With: {
      auto inner = child_scope(scope, s.undefs);
      for (const auto& [target, expr] : s.assignments) assign(target, eval(*expr, scope), *inner);
      return exec_block(s.body, inner, out);
    }
    case Stmt::Kind::Scope: return exec_block(s.body, child_scope(scope, s.undefs), out);
    case Stmt::Kind::Break: return Flow::Break;
    case Stmt::Kind::Continue: return Flow::Continue;
  }
  return Flow::Normal;
}

Interpreter::Flow Interpreter::exec_if(const Stmt& s, const ScopePtr& scope, std::string& out) {
  for (const auto& br : s.branches)
    if (truthy(eval(*br.condition, scope))) return exec_block(br.body, scope, out);
  return exec_block(s.else_body, scope, out);
}

Interpreter::Flow Interpreter::exec_for(const Stmt& s, const ScopePtr& scope, std::string& out) {
  std::vector<Value> items = iterate_charged(eval(*s.expr, scope));
  if (s.filter) {
    // The loop filter sees the loop target but not `loop`.
    auto probe = std::make_shared<Scope>();
    probe->parent = scope;
    std::vector<Value> kept;
    for (auto& item : items) {
      step();
      assign(s.target, item, *probe);
      if (truthy(eval(*s.filter, probe))) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) return exec_block(s.else_body, child_scope(scope, s.else_undefs), out);
  auto state = std::make_shared<LoopState>();
  state->items = make_list(std::move(items)).list_ptr();
  const Value loop = Value::from(state);
  ScopePtr iter_scope;
  for (size_t i = 0; i < state->items->items.size(); i++) {
    step();
    state->index0 = i;
    // Each iteration starts from a fresh scope. The previous one is recycled
    // unless something (a macro defined in the body) still holds it.
    if (iter_scope && iter_scope.use_count() == 1) {
      iter_scope->clear();
      for (const auto& name : s.undefs) iter_scope->set(name, undefined_name(name));
    } else {
      iter_scope = child_scope(scope, s.undefs);
    }
    assign(s.target, state->items->items[i], *iter_scope);
    iter_scope->set("loop", loop);
    if (exec_block(s.body, iter_scope, out) == Flow::Break) break;
  }
  return Flow::Normal;
}

void Interpreter::assign(const ast::Target& t, const Value& v, Scope& scope) {
  if (!t.attribute.empty()) {
    const Value* ns = scope.lookup(t.names[0]);
    if (!ns || !ns->is_namespace())
      throw Error(ErrorKind::TemplateRuntimeError, "cannot assign attribute on non-namespace object");
    ns->ns().attrs.set(Value::string(t.attribute), v);
    return;
  }
  if (!t.is_tuple) {
    scope.set(t.names[0], v);
    return;
  }
  if (v.is_undefined()) raise_undefined(v);
  if (!(v.is_list() || v.is_string() || v.is_dict()))
    throw Error(ErrorKind::TypeError, std::string("cannot unpack non-iterable ") + type_name(v) + " object");
  const std::vector<Value> parts = iterate(v);
  const size_t want = t.names.size();
  if (parts.size() < want)
    throw Error(ErrorKind::ValueError, "not enough values to unpack (expected " + std::to_string(want) + ", got " +
                                           std::to_string(parts.size()) + ")");
  if (parts.size() > want)
    throw Error(ErrorKind::ValueError, "too many values to unpack (expected " + std::to_string(want) + ")");
  for (size_t i = 0; i < want; i++) scope.set(t.names[i], parts[i]);
}

// ---- macros ----------------------------------------------------------------

Value Interpreter::make_macro(const Stmt& def, const ScopePtr& closure) {
  auto c = std::make_shared<Callable>();
  c->type = Callable::Type::Macro;
  c->name = def.name;
  c->macro = &def;
  c->closure = closure;
  macro_scopes_.push_back(closure);
  return Value::from(std::shared_ptr<const Callable>(std::move(c)));
}

void Interpreter::exec_call_block(const Stmt& s, const ScopePtr& scope, std::string& out) {
  const Expr& call_expr = *s.expr;
  const Value callee = eval(*call_expr.children[0], scope);
  CallArgs args = eval_args(call_expr, scope, 1);
  args.kwargs.emplace_back("caller", make_macro(*s.caller, scope));
  emit(out, to_str(call(callee, args)));
}

// Binds arguments the way Jinja2's Macro.__call__ does, then renders the body.
Value Interpreter::call_macro(const Callable& m, const CallArgs& args) {
  DepthGuard guard(*this);
  const Stmt& def = *m.macro;
  auto scope = child_scope(m.closure, def.undefs);
  std::vector<std::pair<std::string, Value>> kwargs = args.kwargs;
  auto take_kwarg = [&](const std::string& name) -> std::optional<Value> {
    for (auto it = kwargs.begin(); it != kwargs.end(); ++it) {
      if (it->first != name) continue;
      Value v = it->second;
      kwargs.erase(it);
      return v;
    }
    return std::nullopt;
  };
  const size_t n_params = def.params.size();
  for (size_t i = 0; i < n_params; i++) {
    const ast::Param& p = def.params[i];
    if (i < args.args.size()) {
      scope->set(p.name, args.args[i]);
    } else if (auto v = take_kwarg(p.name)) {
      scope->set(p.name, *v);
    } else if (p.default_value) {
      scope->set(p.name, eval(*p.default_value, scope));
    } else {
      scope->set(p.name, Value::undefined("parameter " + pystr::repr(p.name) + " was not provided"));
    }
  }
  if (def.uses_caller) {
    auto caller = take_kwarg("caller");
    scope->set("caller", caller ? *caller : Value::undefined("No caller defined"));
  }
  if (def.catch_kwargs) {
    Dict d;
    for (auto& [k, v] : kwargs) d.set(Value::string(k), v);
    scope->set("kwargs", Value::dict(std::move(d)));
  } else if (!kwargs.empty()) {
    for (const auto& kv : kwargs)
      if (kv.first == "caller")
        throw Error(ErrorKind::TypeError, "macro " + pystr::repr(m.name) +
                                              " was invoked with two values for the special caller argument. This is most likely a bug.");
    throw Error(ErrorKind::TypeError, "macro " + pystr::repr(m.name) + " takes no keyword argument " + pystr::repr(kwargs[0].first));
  }
  if (def.catch_varargs) {
    std::vector<Value> rest;
    for (size_t i = n_params; i < args.args.size(); i++) rest.push_back(args.args[i]);
    scope->set("varargs", make_list(std::move(rest), true));
  } else if (args.args.size() > n_params) {
    throw Error(ErrorKind::TypeError, "macro " + pystr::repr(m.name) + " takes not more than " + std::to_string(n_params) + " argument(s)");
  }
  std::string out;
  exec_block(def.body, scope, out);
  return make_string(std::move(out));
}

// ---- expressions -----------------------------------------------------------

Value Interpreter::lookup(const std::string& name, const Scope& scope) const {
  if (const Value* v = scope.lookup(name)) return *v;
  if (BuiltinFn fn = find_global(name)) {
    auto c = std::make_shared<Callable>();
    c->type = Callable::Type::Builtin;
    c->name = name;
    c->fn = fn;
    return Value::from(std::shared_ptr<const Callable>(std::move(c)));
  }
  return undefined_name(name);
}

CallArgs Interpreter::eval_args(const Expr& e, const ScopePtr& scope, size_t first_arg) {
  CallArgs args;
  for (size_t i = first_arg; i < e.children.size(); i++) args.args.push_back(eval(*e.children[i], scope));
  for (const auto& [name, expr] : e.kwargs) {
    const Value v = eval(*expr, scope);
    if (name == "*") {
      for (auto& item : iterate_charged(v)) args.args.push_back(std::move(item));
    } else if (name == "**") {
      if (!v.is_dict()) throw Error(ErrorKind::TypeError, std::string("argument after ** must be a mapping, not ") + type_name(v));
      for (const auto& [k, val] : v.dict().items()) {
        if (!k.is_string()) throw Error(ErrorKind::TypeError, "keywords must be strings");
        args.kwargs.emplace_back(k.str(), val);
      }
    } else {
      args.kwargs.emplace_back(name, v);
    }
  }
  return args;
}

Value Interpreter::eval_filter(const Expr& e, const ScopePtr& scope, Value operand) {
  return apply_filter(e.name, operand, eval_args(e, scope, 1));
}

Value Interpreter::apply_filter(const std::string& name, const Value& operand, const CallArgs& args) {
  FilterFn fn = find_filter(name);
  if (!fn && filter_exists(name))
    throw Error(ErrorKind::TemplateRuntimeError, "filter " + pystr::repr(name) + " is not supported by edgelm's template engine");
  if (!fn) throw Error(ErrorKind::TemplateRuntimeError, "No filter named " + pystr::repr(name) + " found.");
  return fn(*this, operand, args);
}

bool Interpreter::apply_test(const std::string& name, const Value& operand, const CallArgs& args) {
  TestFn fn = find_test(name);
  if (!fn) throw Error(ErrorKind::TemplateRuntimeError, "No test named " + pystr::repr(name) + " found.");
  return fn(*this, operand, args);
}

Value Interpreter::eval_compare(const Expr& e, const ScopePtr& scope) {
  Value lhs = eval(*e.children[0], scope);
  for (size_t i = 0; i < e.ops.size(); i++) {
    Value rhs = eval(*e.children[i + 1], scope);
    charge_scan(lhs);  // comparisons and `in` may read all of both operands
    charge_scan(rhs);
    if (!compare(e.ops[i], lhs, rhs)) return Value::boolean(false);
    lhs = std::move(rhs);
  }
  return Value::boolean(true);
}

namespace {

// Python slice bounds (PySlice_AdjustIndices) -> the selected indices.
std::vector<size_t> slice_indices(size_t len, std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step) {
  const auto n = static_cast<int64_t>(len);
  auto clamp = [&](std::optional<int64_t> v, int64_t dflt, int64_t lo, int64_t hi) {
    if (!v) return dflt;
    int64_t x = *v < 0 ? *v + n : *v;
    return x < lo ? lo : x > hi ? hi : x;
  };
  // Counted, not stepped past the end: i += step would overflow for a step
  // near INT64_MAX (or INT64_MIN, whose negation does not exist).
  std::vector<size_t> out;
  if (step > 0) {
    const int64_t b = clamp(start, 0, 0, n), e = clamp(stop, n, 0, n);
    if (b >= e) return out;
    const uint64_t stride = static_cast<uint64_t>(step), count = (static_cast<uint64_t>(e - b) - 1) / stride + 1;
    for (uint64_t k = 0; k < count; ++k) out.push_back(static_cast<size_t>(static_cast<uint64_t>(b) + k * stride));
  } else {
    const int64_t b = clamp(start, n - 1, -1, n - 1), e = clamp(stop, -1, -1, n - 1);
    if (b <= e) return out;
    const uint64_t stride = uint64_t{0} - static_cast<uint64_t>(step);
    const uint64_t count = (static_cast<uint64_t>(b - e) - 1) / stride + 1;
    for (uint64_t k = 0; k < count; ++k) out.push_back(static_cast<size_t>(static_cast<uint64_t>(b) - k * stride));
  }
  return out;
}

}  // namespace

Value Interpreter::eval_slice(const Expr& e, const ScopePtr& scope) {
  const Value obj = eval(*e.children[0], scope);
  Value bounds[3];
  for (int k = 0; k < 3; k++) bounds[k] = e.children[k + 1] ? eval(*e.children[k + 1], scope) : Value::none();
  if (obj.is_undefined()) raise_undefined(obj);
  auto slice_repr = [&]() {
    return Value::undefined(object_type_repr(obj) + " has no element slice(" + repr(bounds[0]) + ", " +
                            repr(bounds[1]) + ", " + repr(bounds[2]) + ")");
  };
  std::optional<int64_t> idx[3];
  for (int k = 0; k < 3; k++) {
    if (bounds[k].is_none()) continue;
    if (!bounds[k].is_integral()) return slice_repr();  // Python TypeError, which Jinja turns into undefined
    idx[k] = bounds[k].as_int();
  }
  const int64_t stride = idx[2].value_or(1);
  if (stride == 0) throw Error(ErrorKind::ValueError, "slice step cannot be zero");
  if (obj.is_list()) {
    const auto& items = obj.list().items;
    std::vector<Value> out;
    for (size_t i : slice_indices(items.size(), idx[0], idx[1], stride)) out.push_back(items[i]);
    return make_list(std::move(out), obj.list().is_tuple);
  }
  if (obj.is_string()) {
    charge_scan(obj);
    const std::u32string cps = pystr::decode(obj.str());
    std::u32string out;
    for (size_t i : slice_indices(cps.size(), idx[0], idx[1], stride)) out.push_back(cps[i]);
    return make_string(pystr::encode(out));
  }
  return slice_repr();
}

Value Interpreter::eval(const Expr& e, const ScopePtr& scope) {
  DepthGuard guard(*this);
  step();
  switch (e.kind) {
    case Expr::Kind::Literal: return e.value;
    case Expr::Kind::Name: return lookup(e.name, *scope);
    case Expr::Kind::List:
    case Expr::Kind::Tuple: {
      std::vector<Value> items;
      for (const auto& c : e.children) items.push_back(eval(*c, scope));
      return make_list(std::move(items), e.kind == Expr::Kind::Tuple);
    }
    case Expr::Kind::Dict: {
      Dict d;
      for (size_t i = 0; i + 1 < e.children.size(); i += 2) {
        Value k = eval(*e.children[i], scope);
        d.set(k, eval(*e.children[i + 1], scope));
      }
      charge(d.size() * 2 * sizeof(Value));
      return Value::dict(std::move(d));
    }
    case Expr::Kind::GetAttr: return getattr(eval(*e.children[0], scope), e.name);
    case Expr::Kind::GetItem: {
      const Value obj = eval(*e.children[0], scope);
      return getitem(obj, eval(*e.children[1], scope));
    }
    case Expr::Kind::Slice: return eval_slice(e, scope);
    case Expr::Kind::Call: {
      const Value callee = eval(*e.children[0], scope);
      return call(callee, eval_args(e, scope, 1));
    }
    case Expr::Kind::Filter: return eval_filter(e, scope, eval(*e.children[0], scope));
    case Expr::Kind::Test: {
      const Value operand = eval(*e.children[0], scope);
      return Value::boolean(apply_test(e.name, operand, eval_args(e, scope, 1)));
    }
    case Expr::Kind::Not: return Value::boolean(!truthy(eval(*e.children[0], scope)));
    case Expr::Kind::Neg:
    case Expr::Kind::Pos: return negate(eval(*e.children[0], scope), e.kind == Expr::Kind::Neg);
    case Expr::Kind::Binary: {
      const Value lhs = eval(*e.children[0], scope);
      return binary_op(*this, e.op, lhs, eval(*e.children[1], scope));
    }
    case Expr::Kind::Compare: return eval_compare(e, scope);
    case Expr::Kind::And: {
      Value lhs = eval(*e.children[0], scope);
      return truthy(lhs) ? eval(*e.children[1], scope) : lhs;
    }
    case Expr::Kind::Or: {
      Value lhs = eval(*e.children[0], scope);
      return truthy(lhs) ? lhs : eval(*e.children[1], scope);
    }
    case Expr::Kind::Concat: {
      std::string s;
      for (const auto& c : e.children) {
        s += to_str(eval(*c, scope));
        check_size(s.size());
      }
      return make_string(std::move(s));
    }
    case Expr::Kind::CondExpr: {
      if (truthy(eval(*e.children[0], scope))) return eval(*e.children[1], scope);
      if (e.children[2]) return eval(*e.children[2], scope);
      return Value::undefined("the inline if-expression on line " + std::to_string(e.line) +
                              " evaluated to false and no else section was defined.");
    }
  }
  return Value();
}

// ---- calls and attribute access --------------------------------------------

Value Interpreter::call(const Value& callee, const CallArgs& args) {
  if (callee.is_undefined()) raise_undefined(callee);
  if (!callee.is_callable())
    throw Error(ErrorKind::TypeError, std::string("'") + type_name(callee) + "' object is not callable");
  const Callable& c = callee.callable();
  switch (c.type) {
    case Callable::Type::Macro: return call_macro(c, args);
    case Callable::Type::Method: return call_method(*this, c.self, c.name, args);
    case Callable::Type::Builtin: return c.fn(*this, args);
  }
  return Value();
}

namespace {

Value bound_method(const Value& self, const std::string& name) {
  auto c = std::make_shared<Callable>();
  c->type = Callable::Type::Method;
  c->name = name;
  c->self = self;
  return Value::from(std::shared_ptr<const Callable>(std::move(c)));
}

Value unsafe_attribute(const Value& obj, const std::string& name) {
  return Value::undefined("access to attribute " + pystr::repr(name) + " of " + pystr::repr(type_name(obj)) +
                              " object is unsafe.",
                          ErrorKind::SecurityError);
}

}  // namespace

std::optional<Value> python_attribute(const Value& obj, const std::string& name) {
  if (obj.is_namespace()) {
    if (const Value* v = obj.ns().attrs.find(name)) return *v;
    return std::nullopt;
  }
  if (obj.is_loop()) return loop_attribute(obj, name);
  switch (find_method(obj, name)) {
    case AttrLookup::Found: return bound_method(obj, name);
    case AttrLookup::Unsafe: return unsafe_attribute(obj, name);
    case AttrLookup::Missing: break;
  }
  return std::nullopt;
}

// Jinja2's sandbox getattr: Python attribute first, then item lookup.
Value Interpreter::getattr(const Value& obj, const std::string& name) {
  if (obj.is_undefined()) raise_undefined(obj);
  if (auto v = python_attribute(obj, name)) return *v;
  if (obj.is_dict())
    if (const Value* v = obj.dict().find(name)) return *v;
  return undefined_attribute(obj, name);
}

// Jinja2's sandbox getitem: item lookup first, then (for string keys) attributes.
Value Interpreter::getitem(const Value& obj, const Value& key) {
  if (obj.is_undefined()) raise_undefined(obj);
  if (obj.is_dict()) {
    if (const Value* v = obj.dict().find(key)) return *v;
  } else if ((obj.is_list() || obj.is_string()) && key.is_integral()) {
    const bool is_str = obj.is_string();
    const bool ascii = is_str && pystr::is_ascii(obj.str());
    if (is_str && !ascii) charge_scan(obj);  // code point indexing decodes the string
    const std::u32string cps = is_str && !ascii ? pystr::decode(obj.str()) : std::u32string();
    const auto n = static_cast<int64_t>(obj.is_list() ? obj.list().items.size() : ascii ? obj.str().size() : cps.size());
    int64_t i = key.as_int();
    if (i < 0) i += n;
    if (i >= 0 && i < n) {
      if (obj.is_list()) return obj.list().items[i];
      if (ascii) return Value::string(std::string(1, obj.str()[i]));
      return Value::string(pystr::encode(cps.substr(i, 1)));
    }
  }
  if (key.is_string()) {
    if (auto v = python_attribute(obj, key.str())) return *v;
    return undefined_attribute(obj, key.str());
  }
  return undefined_element(obj, key);
}

}  // namespace edgelm::jinja
