// GrammarBuilder: expression trees, and their lowering into a checked Grammar.
#include "sample/grammar/grammar.h"

#include <algorithm>
#include <tuple>

#include "edgelm/error.h"

namespace edgelm::grammar {

namespace {
constexpr int32_t kInfinite = INT32_MAX / 4;  // "can never finish" in length sums
}

GrammarBuilder::GrammarBuilder() = default;

GrammarBuilder::Expr GrammarBuilder::add(Node node, int32_t depth) {
  if (depth > kMaxNesting)
    throw Error("grammar: expressions nested more than " + std::to_string(kMaxNesting) + " levels deep");
  nodes_.push_back(node);
  depth_.push_back(depth);
  return static_cast<Expr>(nodes_.size() - 1);
}

GrammarBuilder::Expr GrammarBuilder::add_list(Kind kind, const std::vector<Expr>& kids) {
  int32_t depth = 0;
  for (Expr k : kids) {
    if (k < 0 || static_cast<size_t>(k) >= nodes_.size()) throw Error("grammar: reference to an unknown expression");
    depth = std::max(depth, depth_[k]);
  }
  Node n{kind};
  n.a = static_cast<int32_t>(kids_.size());
  n.b = static_cast<int32_t>(kids.size());
  kids_.insert(kids_.end(), kids.begin(), kids.end());
  return add(n, depth + 1);
}

GrammarBuilder::Expr GrammarBuilder::empty() { return add({Kind::kEmpty}); }

GrammarBuilder::Expr GrammarBuilder::literal(std::string_view text) {
  if (text.empty()) return empty();
  Node n{Kind::kLiteral};
  n.a = static_cast<int32_t>(literal_bytes_.size());
  n.b = static_cast<int32_t>(text.size());
  literal_bytes_.append(text);
  return add(n);
}

GrammarBuilder::Expr GrammarBuilder::chars(const CodepointSet& set) {
  codepoint_sets_.push_back(set);
  Node n{Kind::kChars};
  n.a = static_cast<int32_t>(codepoint_sets_.size() - 1);
  return add(n);
}

GrammarBuilder::Expr GrammarBuilder::bytes(const ByteSet& set) {
  byte_sets_.push_back(set);
  Node n{Kind::kBytes};
  n.a = static_cast<int32_t>(byte_sets_.size() - 1);
  return add(n);
}

GrammarBuilder::Expr GrammarBuilder::token(int32_t token_id) {
  if (token_id < 0) throw Error("grammar: negative token id " + std::to_string(token_id));
  Node n{Kind::kToken};
  n.a = token_id;
  return add(n);
}

GrammarBuilder::Expr GrammarBuilder::ref(int32_t rule) {
  Node n{Kind::kRef};
  n.a = rule;
  return add(n);
}

GrammarBuilder::Expr GrammarBuilder::seq(std::vector<Expr> items) {
  if (items.size() == 1) return items[0];
  return add_list(Kind::kSeq, items);
}

GrammarBuilder::Expr GrammarBuilder::alt(std::vector<Expr> options) {
  if (options.size() == 1) return options[0];
  return add_list(Kind::kAlt, options);
}

GrammarBuilder::Expr GrammarBuilder::repeat(Expr item, int32_t min, int32_t max) {
  if (min < 0 || min > kMaxRepeat || max > kMaxRepeat || (max != kUnbounded && max < min))
    throw Error("grammar: bad repetition bounds {" + std::to_string(min) + "," + std::to_string(max) +
                "} (allowed: 0 <= min <= max <= " + std::to_string(kMaxRepeat) + ")");
  if (min == 1 && max == 1) return item;
  if (item < 0 || static_cast<size_t>(item) >= nodes_.size()) throw Error("grammar: reference to an unknown expression");
  Node n{Kind::kRepeat};
  n.a = item, n.b = min, n.c = max;
  return add(n, depth_[item] + 1);
}

int32_t GrammarBuilder::add_rule(std::string_view name) {
  std::string unique(name);
  for (int i = 1; rule_ids_.count(unique); ++i) unique = std::string(name) + "-" + std::to_string(i);
  const int32_t id = static_cast<int32_t>(rule_names_.size());
  rule_names_.push_back(unique);
  rule_body_.push_back(-1);
  rule_ids_.emplace(unique, id);
  return id;
}

int32_t GrammarBuilder::find_rule(std::string_view name) const {
  auto it = rule_ids_.find(name);
  return it == rule_ids_.end() ? -1 : it->second;
}

void GrammarBuilder::define(int32_t rule, Expr body) { rule_body_[rule] = body; }

// ---------------------------------------------------------------------------
// Lowering: expression trees -> flat alternatives. Nested alternations,
// repetitions and multi-byte character classes become generated rules.

class Lowering {
 public:
  using Kind = GrammarBuilder::Kind;
  using Expr = GrammarBuilder::Expr;
  explicit Lowering(const GrammarBuilder& b) : b_(b) {}

  Grammar run(int32_t root) {
    if (root < 0 || root >= b_.n_rules()) throw Error("grammar: no root rule");
    for (int32_t r = 0; r < b_.n_rules(); ++r) new_rule(b_.rule_names_[r]);
    for (int32_t r = 0; r < b_.n_rules(); ++r)
      if (b_.rule_body_[r] >= 0) lower_body(r, b_.rule_body_[r]);
    if (b_.rule_body_[root] < 0) throw Error("grammar: root rule '" + b_.rule_names_[root] + "' is not defined");
    g_.root_ = root;
    analyze();
    return std::move(g_);
  }

 private:
  const GrammarBuilder& b_;
  Grammar g_;
  std::map<ByteSet, int32_t> set_index_;
  std::map<CodepointSet, int32_t> chars_rule_;
  std::map<Expr, int32_t> expr_rule_;
  std::map<std::pair<int, int32_t>, int32_t> star_rule_;
  std::map<std::tuple<int, int32_t, int32_t>, int32_t> optional_chain_;
  int64_t emitted_ = 0;  // elements put into alternatives under construction, in all

  // Counts elements before they are built: a short source can ask for many
  // ("a"{100000} a hundred thousand times), and alternatives are only checked
  // against kMaxElements once complete.
  void will_emit(int64_t n) {
    emitted_ += n;
    if (emitted_ > 2 * static_cast<int64_t>(GrammarBuilder::kMaxElements))
      throw Error("grammar too large: more than " + std::to_string(GrammarBuilder::kMaxElements) + " elements");
  }

  const GrammarBuilder::Node& node(Expr e) const { return b_.nodes_[e]; }
  Expr kid(Expr e, int i) const { return b_.kids_[node(e).a + i]; }

  int32_t new_rule(const std::string& name) {
    g_.rule_names_.push_back(name);
    g_.rule_alts_.emplace_back();
    return static_cast<int32_t>(g_.rule_alts_.size() - 1);
  }
  // "<parent>-<what><n>", the parent's name cut short: a long rule name must
  // not be copied into each of the many rules generated under it.
  std::string generated_name(int32_t parent, const char* what) const {
    constexpr size_t kPrefix = 48;
    return g_.rule_names_[parent].substr(0, kPrefix) + "-" + what + std::to_string(g_.rule_alts_.size());
  }

  int32_t byte_set_index(const ByteSet& set) {
    auto [it, added] = set_index_.emplace(set, static_cast<int32_t>(g_.byte_sets_.size()));
    if (added) g_.byte_sets_.push_back(set);
    return it->second;
  }

  void add_alternative(int32_t rule, std::vector<Element> elements) {
    g_.rule_alts_[rule].push_back(static_cast<int32_t>(g_.elements_.size()));
    g_.elements_.insert(g_.elements_.end(), elements.begin(), elements.end());
    g_.elements_.push_back({ElementKind::kEnd, 0});
    if (g_.elements_.size() > static_cast<size_t>(GrammarBuilder::kMaxElements))
      throw Error("grammar too large: more than " + std::to_string(GrammarBuilder::kMaxElements) + " elements");
  }

  // The alternatives of a rule body: a top-level alternation is split.
  void lower_body(int32_t rule, Expr body) {
    if (node(body).kind == Kind::kAlt) {
      for (int i = 0; i < node(body).b; ++i) lower_alternative(rule, kid(body, i));
    } else {
      lower_alternative(rule, body);
    }
  }

  void lower_alternative(int32_t rule, Expr e) {
    std::vector<Element> out;
    emit(rule, e, out);
    add_alternative(rule, std::move(out));
  }

  void emit(int32_t rule, Expr e, std::vector<Element>& out) {
    const GrammarBuilder::Node& n = node(e);
    switch (n.kind) {
      case Kind::kEmpty:
        return;
      case Kind::kLiteral:
        will_emit(n.b);
        for (int i = 0; i < n.b; ++i) {
          ByteSet s;
          s.add(static_cast<uint8_t>(b_.literal_bytes_[n.a + i]));
          out.push_back({ElementKind::kBytes, byte_set_index(s)});
        }
        return;
      case Kind::kBytes:
        out.push_back({ElementKind::kBytes, byte_set_index(b_.byte_sets_[n.a])});
        return;
      case Kind::kChars:
        emit_chars(b_.codepoint_sets_[n.a], out);
        return;
      case Kind::kToken:
        out.push_back({ElementKind::kToken, n.a});
        return;
      case Kind::kRef:
        if (n.a < 0 || n.a >= b_.n_rules()) throw Error("grammar: reference to an unknown rule");
        if (b_.rule_body_[n.a] < 0)
          throw Error("grammar: rule '" + b_.rule_names_[n.a] + "' is used but not defined");
        out.push_back({ElementKind::kRule, n.a});
        return;
      case Kind::kSeq:
        for (int i = 0; i < n.b; ++i) emit(rule, kid(e, i), out);
        return;
      case Kind::kAlt:
        out.push_back({ElementKind::kRule, rule_for_expr(rule, e, "alt")});
        return;
      case Kind::kRepeat:
        emit_repeat(rule, e, out);
        return;
    }
  }

  void emit_chars(const CodepointSet& set, std::vector<Element>& out) {
    std::vector<Utf8Sequence> seqs = utf8_sequences(set);
    if (seqs.size() == 1 && seqs[0].size() == 1) {
      out.push_back({ElementKind::kBytes, byte_set_index(seqs[0][0])});
      return;
    }
    auto it = chars_rule_.find(set);
    if (it == chars_rule_.end()) {
      const int32_t r = new_rule(seqs.empty() ? "empty-class" : "char" + std::to_string(g_.rule_alts_.size()));
      it = chars_rule_.emplace(set, r).first;
      for (const Utf8Sequence& seq : seqs) {
        std::vector<Element> alt;
        for (const ByteSet& bs : seq) alt.push_back({ElementKind::kBytes, byte_set_index(bs)});
        add_alternative(r, std::move(alt));
      }
    }
    out.push_back({ElementKind::kRule, it->second});
  }

  int32_t rule_for_expr(int32_t parent, Expr e, const char* what) {
    auto it = expr_rule_.find(e);
    if (it != expr_rule_.end()) return it->second;
    const int32_t r = new_rule(generated_name(parent, what));
    expr_rule_.emplace(e, r);
    lower_body(r, e);
    return r;
  }

  // The single element that stands for one repetition of `item`.
  bool unit_element(int32_t rule, Expr item, Element& unit) {
    std::vector<Element> tmp;
    const Kind k = node(item).kind;
    if (k != Kind::kAlt && k != Kind::kSeq && k != Kind::kRepeat) emit(rule, item, tmp);
    if (tmp.size() == 1) {
      unit = tmp[0];
      return true;
    }
    if (tmp.empty() && (k == Kind::kEmpty)) return false;
    unit = {ElementKind::kRule, rule_for_expr(rule, item, "unit")};
    return true;
  }

  void emit_repeat(int32_t rule, Expr e, std::vector<Element>& out) {
    const GrammarBuilder::Node& n = node(e);
    Element unit;
    if (!unit_element(rule, n.a, unit)) return;  // repeating "" is ""
    will_emit(n.b);
    for (int i = 0; i < n.b; ++i) out.push_back(unit);
    if (n.c == GrammarBuilder::kUnbounded)
      out.push_back({ElementKind::kRule, star_rule(rule, unit)});
    else if (n.c > n.b)
      out.push_back({ElementKind::kRule, optional_chain(rule, unit, n.c - n.b)});
  }

  // S ::= unit S | ""   (tail recursion: the matcher's stacks do not grow)
  int32_t star_rule(int32_t parent, Element unit) {
    const auto key = std::make_pair(static_cast<int>(unit.kind), unit.value);
    auto it = star_rule_.find(key);
    if (it != star_rule_.end()) return it->second;
    const int32_t r = new_rule(generated_name(parent, "star"));
    star_rule_.emplace(key, r);
    add_alternative(r, {unit, {ElementKind::kRule, r}});
    add_alternative(r, {});
    return r;
  }

  // O_k ::= unit O_{k-1} | ""  with O_1 ::= unit | "": up to k more units.
  int32_t optional_chain(int32_t parent, Element unit, int32_t k) {
    int32_t below = -1;
    for (int32_t i = 1; i <= k; ++i) {
      const auto key = std::make_tuple(static_cast<int>(unit.kind), unit.value, i);
      auto it = optional_chain_.find(key);
      if (it != optional_chain_.end()) {
        below = it->second;
        continue;
      }
      const int32_t r = new_rule(generated_name(parent, "opt"));
      optional_chain_.emplace(key, r);
      if (below < 0)
        add_alternative(r, {unit});
      else
        add_alternative(r, {unit, {ElementKind::kRule, below}});
      add_alternative(r, {});
      below = r;
    }
    return below;
  }

  void analyze();
  void compute_min_lengths(std::vector<int32_t>& min_len) const;
  void check_reachable_rules(const std::vector<int32_t>& min_len) const;
  void check_left_recursion(const std::vector<int32_t>& min_len) const;
};

// Shortest match length of every rule (kInfinite: can never finish), by
// relaxing rules whenever a rule they use gets shorter.
void Lowering::compute_min_lengths(std::vector<int32_t>& min_len) const {
  const int32_t n = g_.n_rules();
  min_len.assign(n, kInfinite);
  std::vector<std::vector<int32_t>> users(n);
  for (int32_t r = 0; r < n; ++r)
    for (int32_t start : g_.rule_alts_[r])
      for (int32_t p = start; g_.elements_[p].kind != ElementKind::kEnd; ++p)
        if (g_.elements_[p].kind == ElementKind::kRule) users[g_.elements_[p].value].push_back(r);
  std::vector<int32_t> work;
  std::vector<bool> queued(n, true);
  for (int32_t r = n - 1; r >= 0; --r) work.push_back(r);
  while (!work.empty()) {
    const int32_t r = work.back();
    work.pop_back();
    queued[r] = false;
    int32_t best = kInfinite;
    for (int32_t start : g_.rule_alts_[r]) {
      int64_t len = 0;
      for (int32_t p = start; g_.elements_[p].kind != ElementKind::kEnd; ++p) {
        const Element& el = g_.elements_[p];
        len += el.kind == ElementKind::kRule ? min_len[el.value] : 1;
      }
      best = static_cast<int32_t>(std::min<int64_t>(best, len));
    }
    if (best < min_len[r]) {
      min_len[r] = best;
      for (int32_t u : users[r])
        if (!queued[u]) queued[u] = true, work.push_back(u);
    }
  }
}

void Lowering::check_reachable_rules(const std::vector<int32_t>& min_len) const {
  std::vector<bool> seen(g_.n_rules(), false);
  std::vector<int32_t> work{g_.root_};
  seen[g_.root_] = true;
  while (!work.empty()) {
    const int32_t r = work.back();
    work.pop_back();
    if (min_len[r] >= kInfinite)
      throw Error("grammar: rule '" + g_.rule_names_[r] + "' can never finish (no alternative without endless recursion)");
    for (int32_t start : g_.rule_alts_[r])
      for (int32_t p = start; g_.elements_[p].kind != ElementKind::kEnd; ++p) {
        const Element& el = g_.elements_[p];
        if (el.kind == ElementKind::kRule && !seen[el.value]) seen[el.value] = true, work.push_back(el.value);
      }
  }
}

// A rule that can reach itself without consuming input would make top-down
// expansion push frames forever; reject it by name. A self-reference in tail
// position (the last element of an alternative, as in S ::= x S | "") pushes
// no frame, so a cycle is harmful only if one of its edges is not a tail call.
void Lowering::check_left_recursion(const std::vector<int32_t>& min_len) const {
  const int32_t n = g_.n_rules();
  struct Edge {
    int32_t to;
    bool tail;
  };
  std::vector<std::vector<Edge>> first(n);  // rules that can start r
  std::vector<std::vector<int32_t>> reverse(n);
  for (int32_t r = 0; r < n; ++r)
    for (int32_t start : g_.rule_alts_[r])
      for (int32_t p = start; g_.elements_[p].kind != ElementKind::kEnd; ++p) {
        const Element& el = g_.elements_[p];
        if (el.kind != ElementKind::kRule) break;
        first[r].push_back({el.value, g_.elements_[p + 1].kind == ElementKind::kEnd});
        reverse[el.value].push_back(r);
        if (min_len[el.value] != 0) break;
      }
  // Kosaraju: finishing order on the graph, then components on its reverse.
  std::vector<int32_t> order;
  std::vector<bool> seen(n, false);
  std::vector<std::pair<int32_t, size_t>> stack;
  for (int32_t s = 0; s < n; ++s) {
    if (seen[s]) continue;
    seen[s] = true;
    stack.push_back({s, 0});
    while (!stack.empty()) {
      auto& [r, next] = stack.back();
      if (next == first[r].size()) {
        order.push_back(r);
        stack.pop_back();
        continue;
      }
      const int32_t t = first[r][next++].to;
      if (!seen[t]) seen[t] = true, stack.push_back({t, 0});
    }
  }
  std::vector<int32_t> component(n, -1);
  std::vector<int32_t> work;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    if (component[*it] >= 0) continue;
    component[*it] = *it;
    work.push_back(*it);
    while (!work.empty()) {
      const int32_t r = work.back();
      work.pop_back();
      for (int32_t u : reverse[r])
        if (component[u] < 0) component[u] = *it, work.push_back(u);
    }
  }
  for (int32_t r = 0; r < n; ++r)
    for (const Edge& e : first[r])
      if (!e.tail && component[e.to] == component[r])
        throw Error("grammar: rule '" + g_.rule_names_[r] + "' is left-recursive (it can start with itself)");
}

void Lowering::analyze() {
  std::vector<int32_t> min_len;
  compute_min_lengths(min_len);
  check_reachable_rules(min_len);
  check_left_recursion(min_len);
  g_.min_suffix_bytes_.assign(g_.elements_.size(), 0);
  for (int32_t p = static_cast<int32_t>(g_.elements_.size()) - 1; p >= 0; --p) {
    const Element& el = g_.elements_[p];
    if (el.kind == ElementKind::kEnd) continue;
    const int64_t own = el.kind == ElementKind::kRule ? min_len[el.value] : 1;
    g_.min_suffix_bytes_[p] = static_cast<int32_t>(std::min<int64_t>(kInfinite, own + g_.min_suffix_bytes_[p + 1]));
  }
}

Grammar GrammarBuilder::build(int32_t root) const { return Lowering(*this).run(root); }

std::string Grammar::to_string() const {
  std::string s;
  for (int32_t r = 0; r < n_rules(); ++r) {
    s += rule_names_[r] + " ::=";
    bool first = true;
    for (int32_t start : rule_alts_[r]) {
      if (!first) s += " |";
      first = false;
      for (int32_t p = start; elements_[p].kind != ElementKind::kEnd; ++p) {
        const Element& el = elements_[p];
        s += ' ';
        if (el.kind == ElementKind::kBytes) s += byte_sets_[el.value].to_string();
        else if (el.kind == ElementKind::kRule) s += rule_names_[el.value];
        else s += "<[" + std::to_string(el.value) + "]>";
      }
      if (elements_[start].kind == ElementKind::kEnd) s += " \"\"";
    }
    s += '\n';
  }
  return s;
}

}  // namespace edgelm::grammar
