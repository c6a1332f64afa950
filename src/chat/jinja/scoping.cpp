// Jinja2 scoping rule for names assigned before they are read.
//
// Jinja2 compiles each frame (template body, loop body, macro body, ...) to
// Python locals. A name whose first use in a frame is an unconditional
// assignment, and that no enclosing frame mentions, starts that frame as
// *undefined*, even when the render variables or an outer scope hold it:
//
//   {% for i in x %}{{ q }}{% endfor %}{% set q = 2 %}   -> prints "" for q
//
// This pass finds those names per frame so the interpreter can mark them
// undefined on frame entry; everything else follows plain lexical lookup.
#include <unordered_map>
#include <unordered_set>

#include "chat/jinja/parser.h"

namespace edgelm::jinja {

namespace {

using ast::Expr;
using ast::Stmt;
using NameSet = std::unordered_set<std::string>;

struct ChildFrame {
  const ast::Body* body;
  std::vector<std::string>* undefs;  // where to store the result
  std::vector<std::string> params;   // names bound on entry (loop target, macro arguments)
};

class FrameAnalysis {
 public:
  // First event per name: true when it is an unconditional store.
  std::unordered_map<std::string, bool> first_is_store;
  NameSet refs;
  std::vector<ChildFrame> children;

  void param(const std::string& n) { first(n, false); }
  void load(const std::string& n) { first(n, false); }
  void store(const std::string& n, bool conditional) { first(n, !conditional); }

  void expr(const Expr* e) {
    if (!e) return;
    if (e->kind == Expr::Kind::Name) load(e->name);
    for (const auto& c : e->children) expr(c.get());
    for (const auto& kv : e->kwargs) expr(kv.second.get());
  }

  void target_store(const ast::Target& t, bool conditional) {
    if (!t.attribute.empty()) {
      load(t.names[0]);  // `ns.attr = ...` reads ns
      return;
    }
    for (const auto& n : t.names) store(n, conditional);
  }

  void body(const ast::Body& b, bool conditional) {
    for (const auto& s : b) stmt(*s, conditional);
  }

  void stmt(Stmt& s, bool conditional) {
    switch (s.kind) {
      case Stmt::Kind::Print: expr(s.expr.get()); break;
      case Stmt::Kind::If:
        for (auto& br : s.branches) {
          expr(br.condition.get());
          body(br.body, true);
        }
        body(s.else_body, true);
        break;
      case Stmt::Kind::For: {
        expr(s.expr.get());
        std::vector<std::string> params = s.target.names;
        params.push_back("loop");
        children.push_back({&s.body, &s.undefs, params});
        children.push_back({&s.else_body, &s.else_undefs, {}});
        break;
      }
      case Stmt::Kind::Set:
        expr(s.expr.get());
        target_store(s.target, conditional);
        break;
      case Stmt::Kind::SetBlock:
        target_store(s.target, conditional);
        children.push_back({&s.body, &s.undefs, {}});
        break;
      case Stmt::Kind::Macro:
        store(s.name, conditional);
        macro_frame(s);
        break;
      case Stmt::Kind::CallBlock:
        expr(s.expr.get());
        macro_frame(*s.caller);
        break;
      case Stmt::Kind::FilterBlock:
        expr(s.filter.get());
        children.push_back({&s.body, &s.undefs, {}});
        break;
      case Stmt::Kind::With: {
        std::vector<std::string> params;
        for (auto& [t, e] : s.assignments) {
          expr(e.get());
          params.insert(params.end(), t.names.begin(), t.names.end());
        }
        children.push_back({&s.body, &s.undefs, params});
        break;
      }
      case Stmt::Kind::Scope: children.push_back({&s.body, &s.undefs, {}}); break;
      default: break;
    }
  }

 private:
  void first(const std::string& n, bool is_store) {
    refs.insert(n);
    first_is_store.emplace(n, is_store);
  }

  void macro_frame(Stmt& m) {
    std::vector<std::string> params;
    for (const auto& p : m.params) params.push_back(p.name);
    for (const char* special : {"caller", "varargs", "kwargs"}) params.push_back(special);
    children.push_back({&m.body, &m.undefs, params});
  }
};

// Analyzes one frame, then its child frames with this frame's names visible.
void analyze(const ast::Body& body, const std::vector<std::string>& params, std::vector<const NameSet*>& enclosing,
             std::vector<std::string>& undefs) {
  FrameAnalysis fa;
  for (const auto& p : params) fa.param(p);
  for (const auto& s : body) fa.stmt(*s, false);
  // Default values of macro parameters are evaluated in the macro frame too,
  // but they only read names, which never makes a name undefined.
  for (const auto& [name, is_store] : fa.first_is_store) {
    if (!is_store) continue;
    bool outer = false;
    for (const NameSet* e : enclosing) outer = outer || e->count(name);
    if (!outer) undefs.push_back(name);
  }
  enclosing.push_back(&fa.refs);
  for (auto& child : fa.children) analyze(*child.body, child.params, enclosing, *child.undefs);
  enclosing.pop_back();
}

}  // namespace

std::vector<std::string> resolve_scopes(const ast::Body& root) {
  std::vector<std::string> undefs;
  std::vector<const NameSet*> enclosing;
  analyze(root, {}, enclosing, undefs);
  return undefs;
}

}  // namespace edgelm::jinja
