// Tree-walking evaluator for parsed templates.
//
// Scoping follows Jinja2: the template body has one scope holding the render
// variables; every for-loop iteration, macro call, `with`, set-block and
// filter-block body gets a child scope, so `set` inside them does not change
// outer variables (templates use namespace() for that); `if` has no scope.
// Macros see the scope they were defined in (at call time) plus their
// arguments.
//
// Sandbox: the evaluator has no file, environment or network access, and
// every resource a template can consume is bounded by Limits, so a hostile
// template ends with a LimitError instead of hanging or exhausting memory.
#pragma once
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "chat/jinja/ast.h"
#include "edgelm/chat.h"
#include "chat/jinja/value.h"

namespace edgelm::jinja {

// Resource limits (fields documented in edgelm/chat.h).
using Limits = edgelm::chat::TemplateLimits;

// Returns the local time used by strftime_now().
using Clock = std::function<std::tm()>;

// Variables of one scope. Most scopes hold a handful of names, where a flat
// list beats hashing; a scope that grows large gets a hash index too.
class Scope {
 public:
  std::shared_ptr<Scope> parent;
  const Value* find(const std::string& name) const;    // this scope only
  const Value* lookup(const std::string& name) const;  // this scope, then the parents
  void set(const std::string& name, Value v);
  void clear();

 private:
  static constexpr size_t kIndexFrom = 16;
  static constexpr size_t npos = static_cast<size_t>(-1);
  size_t index_of(const std::string& name) const;
  std::vector<std::pair<std::string, Value>> vars_;
  std::unordered_map<std::string, size_t, KeyedHash, std::equal_to<>> index_;
};

class Interpreter {
 public:
  Interpreter(const Limits& limits, Clock clock);
  ~Interpreter();  // breaks reference cycles (macro <-> scope, namespace -> itself)
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // root_undefs: names that start undefined in the template body (resolve_scopes).
  std::string render(const ast::Body& body, const std::vector<std::string>& root_undefs, const Dict& vars);

  // ---- services for builtins (filters, tests, methods, globals) ----
  Value call(const Value& callee, const CallArgs& args);
  Value apply_filter(const std::string& name, const Value& operand, const CallArgs& args);
  bool apply_test(const std::string& name, const Value& operand, const CallArgs& args);
  Value getattr(const Value& obj, const std::string& name);  // `obj.name` in the sandbox
  Value getitem(const Value& obj, const Value& key);         // `obj[key]` in the sandbox
  // Results built by the template go through these: they enforce the size
  // limits and account the work done.
  Value make_string(std::string s);
  Value make_list(std::vector<Value> items, bool is_tuple = false);
  void check_size(size_t bytes) const;
  // The most items a list built by the template may hold (max_string_bytes of Values).
  size_t max_list_items() const { return limits_.max_string_bytes / sizeof(Value); }  // LimitError when a result would exceed max_string_bytes
  void charge(uint64_t bytes);          // LimitError past max_work_bytes
  // Charges the cost of reading all of `v` (string bytes, container weight):
  // for operations whose cost grows with their input, not their result.
  void charge_scan(const Value& v);
  void step();                          // LimitError past max_steps
  // Python iteration (see value.h iterate) after charging the work it costs.
  std::vector<Value> iterate_charged(const Value& v);
  Value new_namespace(Dict attrs);
  std::tm now() const { return clock_(); }
  const Limits& limits() const { return limits_; }

 private:
  enum class Flow { Normal, Break, Continue };
  using ScopePtr = std::shared_ptr<Scope>;

  struct DepthGuard {
    explicit DepthGuard(Interpreter& in);
    ~DepthGuard() { in_.depth_--; }
    Interpreter& in_;
  };

  Flow exec_block(const ast::Body& body, const ScopePtr& scope, std::string& out);
  Flow exec(const ast::Stmt& s, const ScopePtr& scope, std::string& out);
  Flow exec_if(const ast::Stmt& s, const ScopePtr& scope, std::string& out);
  Flow exec_for(const ast::Stmt& s, const ScopePtr& scope, std::string& out);
  void exec_call_block(const ast::Stmt& s, const ScopePtr& scope, std::string& out);
  std::string capture(const ast::Stmt& s, const ScopePtr& parent);
  ScopePtr child_scope(const ScopePtr& parent, const std::vector<std::string>& undefs);
  void assign(const ast::Target& t, const Value& v, Scope& scope);
  void emit(std::string& out, std::string_view text);

  Value eval(const ast::Expr& e, const ScopePtr& scope);
  Value eval_compare(const ast::Expr& e, const ScopePtr& scope);
  Value eval_slice(const ast::Expr& e, const ScopePtr& scope);
  CallArgs eval_args(const ast::Expr& e, const ScopePtr& scope, size_t first_arg);
  Value eval_filter(const ast::Expr& e, const ScopePtr& scope, Value operand);
  Value lookup(const std::string& name, const Scope& scope) const;

  Value call_macro(const Callable& m, const CallArgs& args);
  Value make_macro(const ast::Stmt& def, const ScopePtr& closure);

  Limits limits_;
  Clock clock_;
  int depth_ = 0;
  uint64_t steps_ = 0;
  uint64_t work_ = 0;
  std::vector<ScopePtr> macro_scopes_;                   // scopes captured by macros
  std::vector<std::weak_ptr<Namespace>> namespaces_;     // cleared at the end to break cycles
};

}  // namespace edgelm::jinja
