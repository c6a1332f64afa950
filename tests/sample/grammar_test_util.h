// Helpers shared by the grammar tests: small vocabularies, the real
// tokenizers from ../shared, a reference matcher, and a random sampler that
// always finishes.
#pragma once
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "sample/grammar/grammar.h"
#include "sample/grammar/matcher.h"
#include "sample/grammar/vocabulary.h"
#include "tokenizer/tokenizer.h"

namespace edgelm::testing {

// Token b (0..255) is the single byte b; token 256 is an EOG token.
std::shared_ptr<const grammar::Vocabulary> byte_vocabulary();

// About 600 tokens: single bytes, JSON-ish fragments, pieces of UTF-8
// characters, duplicates. Token 0 is EOG; tokens 1 and 2 are control tokens
// (no text), matched only as grammar special tokens <[1]> and <[2]>.
constexpr int32_t kSyntheticEog = 0;
std::shared_ptr<const grammar::Vocabulary> synthetic_vocabulary();

// Whether the grammar matches exactly this text.
bool grammar_accepts(const grammar::Grammar& g, std::string_view text);

// Tokenizers of ../shared/tokenizers: "qwen3", "gemma3", and "gemma4" (the
// Gemma 3 vocabulary with Gemma 4's control tokens, docs/FORMATS.md §4.2).
const Tokenizer& shared_tokenizer(const std::string& name);
std::shared_ptr<const grammar::Vocabulary> shared_vocabulary(const std::string& name);

// A straightforward pushdown matcher over explicit stacks, independent of the
// engine's interning, caches and trie walks: the reference for mask tests.
class ReferenceMatcher {
 public:
  explicit ReferenceMatcher(const grammar::Grammar& g);
  bool accept_bytes(std::string_view bytes);  // false: rejected (state unchanged)
  bool accept_token(int32_t token);           // a grammar special token
  bool can_finish() const;
  bool alive() const { return !stacks_.empty(); }

 private:
  using Stack = std::vector<int32_t>;  // positions, bottom to top
  void expand(Stack stack, std::vector<Stack>& out) const;
  const grammar::Grammar& g_;
  std::vector<Stack> stacks_;
};

// Samples with random logits (uniform over the allowed tokens) for a random
// number of steps, then steers towards the end: the allowed candidate (all
// single-byte and empty-piece tokens plus a few random ones) that leaves
// the fewest bytes to finish. Stops at EOG or after max_tokens.
struct Sampled {
  std::vector<int32_t> tokens;
  std::string text;  // pieces of the non-EOG tokens (special tokens rendered by `render`)
  bool terminated = false;
};
Sampled sample_completion(grammar::GrammarMatcher& m, const grammar::Vocabulary& vocab, std::mt19937_64& rng,
                          int max_tokens, const Tokenizer* render = nullptr);

bool mask_bit(const std::vector<uint32_t>& words, int32_t id);

}  // namespace edgelm::testing
