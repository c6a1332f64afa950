// A context-free grammar over bytes, the common form of every constraint
// (GBNF text, JSON schemas, tool-call formats), and the builder that makes one.
//
// A Grammar is a list of rules; a rule is a list of alternatives; an
// alternative is a sequence of elements ending in kEnd. An element matches one
// byte from a set, a whole rule, or one special token by id (a control token
// such as Gemma 4's <|tool_call>, which has no text of its own to match).
// Code points are spelled out in UTF-8 by the builder, so the matcher only
// ever sees bytes and can follow token pieces that split a character.
//
// Every Grammar that build() returns is checked: all used rules are defined,
// no rule is left-recursive (the matcher expands rules top-down), and every
// rule reachable from the root can finish. Sizes are bounded (kMaxElements).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sample/grammar/charset.h"

namespace edgelm::grammar {

enum class ElementKind : uint8_t {
  kBytes,  // value = index of a ByteSet
  kRule,   // value = rule id
  kToken,  // value = token id
  kEnd,    // end of an alternative
};

struct Element {
  ElementKind kind;
  int32_t value;
};

class Grammar {
 public:
  int32_t root() const { return root_; }
  int32_t n_rules() const { return static_cast<int32_t>(rule_alts_.size()); }
  const std::string& rule_name(int32_t rule) const { return rule_names_[rule]; }
  // Start positions (into elements()) of the rule's alternatives.
  const std::vector<int32_t>& alternatives(int32_t rule) const { return rule_alts_[rule]; }
  const std::vector<Element>& elements() const { return elements_; }
  const Element& element(int32_t pos) const { return elements_[pos]; }
  const ByteSet& byte_set(int32_t index) const { return byte_sets_[index]; }
  int32_t n_byte_sets() const { return static_cast<int32_t>(byte_sets_.size()); }

  // Whether the rest of the alternative from pos can match the empty string.
  bool suffix_nullable(int32_t pos) const { return min_suffix_bytes_[pos] == 0; }
  // Fewest bytes (a special token counts as one) that finish the alternative
  // from pos.
  int32_t min_suffix_bytes(int32_t pos) const { return min_suffix_bytes_[pos]; }

  // A GBNF-like listing, for debugging and tests.
  std::string to_string() const;

 private:
  friend class GrammarBuilder;
  friend class Lowering;
  int32_t root_ = 0;
  std::vector<std::string> rule_names_;
  std::vector<std::vector<int32_t>> rule_alts_;
  std::vector<Element> elements_;
  std::vector<ByteSet> byte_sets_;
  std::vector<int32_t> min_suffix_bytes_;  // per element position
};

// Builds grammars from expression trees. Rules may refer to each other (and
// themselves) before they are defined; build() lowers everything into a
// Grammar and throws edgelm::Error when the result is unusable.
class GrammarBuilder {
 public:
  using Expr = int32_t;  // a node of this builder
  static constexpr int32_t kUnbounded = -1;
  static constexpr int32_t kMaxRepeat = 100000;     // largest repetition bound
  static constexpr int32_t kMaxElements = 1 << 21;  // largest lowered grammar
  // Deepest expression (a repetition of a repetition of ..., nested groups):
  // lowering recurses once per level, so the builder refuses deeper ones.
  static constexpr int32_t kMaxNesting = 1000;

  GrammarBuilder();

  Expr empty();                            // matches ""
  Expr literal(std::string_view bytes);    // these exact bytes
  Expr chars(const CodepointSet& set);     // one code point of the set, in UTF-8
  Expr bytes(const ByteSet& set);          // one byte of the set
  Expr token(int32_t token_id);            // one special token
  Expr ref(int32_t rule);
  Expr seq(std::vector<Expr> items);
  Expr alt(std::vector<Expr> options);
  // item{min,max}; max = kUnbounded for no upper bound. Throws for bad bounds.
  Expr repeat(Expr item, int32_t min, int32_t max);
  Expr optional(Expr item) { return repeat(item, 0, 1); }
  Expr star(Expr item) { return repeat(item, 0, kUnbounded); }
  Expr plus(Expr item) { return repeat(item, 1, kUnbounded); }

  // Declares a rule; the name gets a numeric suffix if already taken.
  int32_t add_rule(std::string_view name);
  int32_t find_rule(std::string_view name) const;  // -1 if absent
  void define(int32_t rule, Expr body);
  bool is_defined(int32_t rule) const { return rule_body_[rule] >= 0; }
  const std::string& rule_name(int32_t rule) const { return rule_names_[rule]; }
  int32_t n_rules() const { return static_cast<int32_t>(rule_names_.size()); }
  size_t n_nodes() const { return nodes_.size(); }

  Grammar build(int32_t root) const;

 private:
  friend class Lowering;
  enum class Kind : uint8_t { kEmpty, kLiteral, kChars, kBytes, kToken, kRef, kSeq, kAlt, kRepeat };
  struct Node {
    Kind kind;
    int32_t a = 0;  // literal: offset; chars/bytes: set index; token/ref: id; seq/alt: first kid; repeat: item
    int32_t b = 0;  // literal: length; seq/alt: number of kids; repeat: min
    int32_t c = 0;  // repeat: max
  };
  Expr add(Node node, int32_t depth = 1);
  Expr add_list(Kind kind, const std::vector<Expr>& kids);

  std::vector<Node> nodes_;
  std::vector<int32_t> depth_;  // per node: levels of nesting below and including it
  std::vector<int32_t> kids_;
  std::string literal_bytes_;
  std::vector<CodepointSet> codepoint_sets_;
  std::vector<ByteSet> byte_sets_;
  std::vector<std::string> rule_names_;
  std::vector<Expr> rule_body_;  // -1 until defined
  std::map<std::string, int32_t, std::less<>> rule_ids_;
};

}  // namespace edgelm::grammar
