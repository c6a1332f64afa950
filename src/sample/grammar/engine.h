// The matching machinery shared by all matchers of one grammar over one
// vocabulary: parse stacks, a lazily built byte-transition table, and token
// masks cached per parse state.
//
// A parse state is the set of stacks of a top-down (pushdown) parse, as in
// llama.cpp's grammar stacks: each stack lists positions in the grammar to
// continue at, the top one a byte set or special token to match next. Stacks
// are interned as linked frames, and states as sorted sets of stacks, so a
// state is an integer and its transition on a byte is memoized: the walk of
// the vocabulary trie becomes a table look-up per trie node.
//
// A state that loops over text (inside a JSON string, say) accepts whole trie
// subtrees at once when the vocabulary's summaries show the subtree holds only
// complete UTF-8 characters and ASCII bytes the state loops on.
//
// Masks are cached in two layers (in the spirit of XGrammar's split into
// context-independent and context-dependent tokens):
//   * per set of stack *tops*: a stack's top is the frames above and
//     including the first one that must still match input (for a string:
//     "inside the string, then the closing quote"), cut off from the rest
//     below; the tops over the same rest are walked together. Tokens that
//     stay inside the tops are decided once, whatever the context; tokens
//     that run past them are kept as trie nodes and finished against the
//     real rest. A string's content mask is computed once, not per string.
//   * per full state: the final mask, so a state that repeats (every token
//     inside one string) costs a copy.
// Tops whose sub-grammar is small are also shared through the vocabulary,
// keyed by a canonical text of that sub-grammar, so a new grammar reuses the
// string, number and whitespace masks of earlier ones.
// Everything is bounded: stack depth, stacks per state, expansion work per
// operation and table sizes; caches are flushed when they grow too large.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "sample/grammar/grammar.h"
#include "sample/grammar/vocabulary.h"

namespace edgelm::grammar {

// Exceeding a limit throws edgelm::Error from the operation that met it.
struct EngineLimits {
  int32_t max_stack_depth = 4096;       // nesting of rules
  int32_t max_stacks = 1024;            // parses alive at once (ambiguity)
  int64_t max_work = 50'000'000;        // expansion steps per operation
  size_t max_table_bytes = 96u << 20;   // states and transitions before a flush
  size_t max_mask_cache_bytes = 128u << 20;
};

// A matcher's position: the engine's state id (valid for one cache epoch) and
// an explicit copy of the stacks to rebuild it after a flush.
struct ParseState {
  int32_t id = -1;
  uint64_t epoch = 0;
  std::vector<int32_t> stacks;  // per stack: its length, then positions bottom to top
};

class GrammarEngine {
 public:
  GrammarEngine(std::shared_ptr<const Grammar> grammar, std::shared_ptr<const Vocabulary> vocabulary,
                EngineLimits limits = {});

  const Grammar& grammar() const { return *grammar_; }
  const Vocabulary& vocabulary() const { return *vocab_; }
  int32_t mask_words() const { return (vocab_->n_vocab() + 31) / 32; }

  ParseState initial_state();
  // Bit (id % 32) of words[id / 32] is set for every allowed token.
  void fill_mask(ParseState& state, uint32_t* words);
  // Advance by a token; kRejected leaves the state unchanged. An
  // end-of-generation token finishes the parse where the grammar can end
  // (unless the grammar names that token itself, which then advances).
  enum class Accepted { kRejected, kAdvanced, kFinished };
  Accepted accept_token(ParseState& state, int32_t token);
  bool accept_bytes(ParseState& state, std::string_view bytes);
  bool can_finish(ParseState& state);
  int32_t min_bytes_to_finish(ParseState& state);

  struct Stats {
    size_t states = 0, frames = 0, top_masks = 0, state_masks = 0, flushes = 0;
  };
  Stats stats();

 private:
  static constexpr int32_t kComplete = 0;  // the empty stack: the grammar has matched
  static constexpr int32_t kExit = 1;      // bottom of a cut-off stack top
  static constexpr int32_t kDead = 0;      // the empty state
  enum : uint8_t { kHasComplete = 1, kHasExit = 2 };

  struct Frame {
    int32_t pos, parent, depth;
  };
  // What is known of a state as a text loop: the ASCII bytes that lead
  // back to it or elsewhere, and whether complete non-ASCII characters do.
  struct TextLoop {
    uint64_t stable[2] = {0, 0}, unstable[2] = {0, 0};
    int8_t utf8 = -1;  // unknown
  };
  // Interning.
  int32_t frame(int32_t pos, int32_t parent);
  int32_t intern_state(std::vector<int32_t>& stacks);
  const int32_t* stacks_begin(int32_t s) const { return state_stacks_.data() + state_offsets_[s]; }
  const int32_t* stacks_end(int32_t s) const { return state_stacks_.data() + state_offsets_[s + 1]; }

  // Parsing.
  void expand(int32_t pos, int32_t parent);  // canonical stacks into expanded_
  int32_t step(int32_t state, uint8_t byte_class);
  int32_t step_token(int32_t state, int32_t token);
  int32_t advance(int32_t state, int32_t token);
  void count_work(int64_t steps);

  // Masks.
  void split(int32_t stack, int32_t& top, int32_t& rest);
  const MaskPart& top_mask(int32_t tops);
  std::string canonical_key(int32_t tops) const;
  int32_t context_state(int32_t rest);
  void walk(int32_t node, int32_t state, uint32_t* words, std::vector<int32_t>* exits);
  bool loops_over(int32_t state, const uint64_t* ascii);
  bool characters_return(int32_t from, const uint8_t (*ranges)[2], int n, int32_t home);
  void compute_mask(int32_t state, uint32_t* words);

  // State bookkeeping.
  void begin_operation();
  int32_t resolve(ParseState& state);
  void store(ParseState& state, int32_t id);
  void flush();
  void build_byte_classes();

  std::shared_ptr<const Grammar> grammar_;
  std::shared_ptr<const Vocabulary> vocab_;
  EngineLimits limits_;
  std::mutex mutex_;

  uint8_t byte_class_[256];
  std::vector<uint8_t> class_byte_;  // a representative byte per class
  int32_t n_classes_ = 0;

  std::vector<Frame> frames_;
  std::unordered_map<uint64_t, int32_t> frame_ids_;
  std::vector<int32_t> state_offsets_, state_stacks_;
  std::vector<uint8_t> state_flags_;
  std::unordered_multimap<uint64_t, int32_t> state_ids_;
  std::vector<int32_t> transitions_;  // n_states * n_classes, -1 = not computed
  std::vector<TextLoop> text_loops_;  // per state, computed when first needed
  std::unordered_map<int32_t, std::pair<int32_t, int32_t>> splits_;
  std::unordered_map<int32_t, std::shared_ptr<const MaskPart>> top_masks_;  // by state of the tops
  std::unordered_map<int32_t, int32_t> contexts_;
  std::unordered_map<int32_t, std::vector<uint32_t>> state_masks_;
  size_t mask_cache_bytes_ = 0;
  uint64_t epoch_ = 1;
  size_t flushes_ = 0;
  int64_t work_ = 0;

  // Scratch.
  std::vector<int32_t> expanded_;
  std::vector<std::pair<int32_t, int32_t>> pending_;
  std::unordered_set<uint64_t> visited_;
  std::vector<int32_t> walk_states_;
  std::vector<uint32_t> scratch_words_;
};

}  // namespace edgelm::grammar
