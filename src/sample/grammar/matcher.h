// Constrained decoding for one sequence: which tokens the grammar allows
// next, and advancing by the chosen one.
//
//   auto vocab = Vocabulary::from_tokenizer(tokenizer);          // once per model
//   auto engine = std::make_shared<GrammarEngine>(grammar, vocab);  // once per grammar
//   GrammarMatcher m(engine);                                     // per sequence
//   m.apply(logits, n_logits);  token = sampler.sample(...);  m.accept(token);
//
// Matchers of the same engine share its caches (and may run on different
// threads). End-of-generation tokens are allowed only where the grammar can
// end; after one is accepted the matcher is terminated and allows nothing.
#pragma once
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "sample/grammar/engine.h"

namespace edgelm::grammar {

class GrammarMatcher {
 public:
  explicit GrammarMatcher(std::shared_ptr<GrammarEngine> engine);

  void reset();
  // Allowed next tokens: bit (id % 32) of words[id / 32]; resized to fit.
  void fill_mask(std::vector<uint32_t>& words);
  // Sets the logits of disallowed tokens to -infinity (ids past the
  // vocabulary too).
  void apply(float* logits, int32_t n_logits);
  // Advances by a token; false (and no change) if the grammar forbids it.
  bool accept(int32_t token);
  // Advances by forced text (e.g. a prefix the caller inserts itself).
  bool accept_text(std::string_view text);
  // Whether the grammar can end here (an end-of-generation token is allowed).
  bool is_complete();
  bool is_terminated() const { return terminated_; }
  // Fewest bytes that would complete the grammar from here (0 if complete).
  int32_t min_bytes_to_complete();
  int32_t n_vocab() const { return engine_->vocabulary().n_vocab(); }
  const GrammarEngine& engine() const { return *engine_; }

 private:
  std::shared_ptr<GrammarEngine> engine_;
  ParseState state_;
  bool terminated_ = false;
  std::vector<uint32_t> words_;
};

}  // namespace edgelm::grammar
