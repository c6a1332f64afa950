// The token pieces of a vocabulary arranged as a byte trie, built once per
// tokenizer and shared by every grammar. Masks are computed by walking this
// trie against a grammar state, so that tokens sharing a prefix share work
// and a rejected prefix skips its whole subtree.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace edgelm {
class Tokenizer;
}

namespace edgelm::grammar {

// The tokens a piece of grammar accepts on its own (a bitset when many,
// otherwise a list of ids), and the trie nodes where it ends and the rest of
// the grammar takes over.
struct MaskPart {
  std::vector<uint32_t> dense;
  std::vector<int32_t> sparse;
  std::vector<int32_t> exits;
  size_t bytes() const { return 4 * (dense.size() + sparse.size() + exits.size()) + 64; }
};

class Vocabulary {
 public:
  static constexpr size_t kMaxPieceBytes = 4096;  // longer pieces are never matched

  // pieces[id] is the text a token stands for; an empty piece (control and
  // unused tokens) is never matched as text. End-of-generation tokens are
  // allowed only where the grammar can end; their pieces are ignored.
  Vocabulary(std::vector<std::string> pieces, std::vector<int32_t> eog_ids);
  // Pieces from Tokenizer::token_to_piece (control tokens are empty) and the
  // tokenizer's EOG set.
  static std::shared_ptr<const Vocabulary> from_tokenizer(const Tokenizer& tokenizer);

  int32_t n_vocab() const { return static_cast<int32_t>(pieces_.size()); }
  const std::string& piece(int32_t id) const { return pieces_[id]; }
  const std::vector<int32_t>& eog_ids() const { return eog_ids_; }
  bool is_eog(int32_t id) const { return id >= 0 && id < n_vocab() && is_eog_[id]; }

  // The trie in preorder; node 0 is the root (the empty prefix, depth 0).
  // The subtree of node i is [i, subtree_end(i)); its children come first.
  int32_t n_nodes() const { return static_cast<int32_t>(node_byte_.size()); }
  uint8_t node_byte(int32_t i) const { return node_byte_[i]; }
  int32_t node_depth(int32_t i) const { return node_depth_[i]; }
  int32_t subtree_end(int32_t i) const { return subtree_end_[i]; }
  // Tokens whose piece ends exactly at node i.
  const int32_t* tokens_begin(int32_t i) const { return sorted_tokens_.data() + token_start_[i]; }
  const int32_t* tokens_end(int32_t i) const { return sorted_tokens_.data() + token_start_[i + 1]; }
  int32_t max_depth() const { return max_depth_; }
  // Tokens strictly below node i, as a range of the sorted token list.
  const int32_t* tokens_below_begin(int32_t i) const { return tokens_end(i); }
  const int32_t* tokens_below_end(int32_t i) const { return sorted_tokens_.data() + token_start_[subtree_end_[i]]; }

  // Summaries that let a walk accept a whole subtree at once: whether every
  // token below node i continues with complete, valid UTF-8 characters, and
  // which ASCII bytes occur below it (bit b of word b / 64).
  bool text_below(int32_t i) const { return text_below_[i]; }
  const uint64_t* ascii_below(int32_t i) const { return &ascii_below_[2 * static_cast<size_t>(i)]; }

  // Mask parts shared by every grammar over this vocabulary, keyed by a
  // canonical text of the grammar fragment that produced them (a JSON
  // string's content, a number, ...). The only mutable part; thread-safe
  // and bounded (cleared when it outgrows kMaxSharedBytes).
  static constexpr size_t kMaxSharedBytes = 64u << 20;
  std::shared_ptr<const MaskPart> find_shared(const std::string& key) const;
  void store_shared(const std::string& key, std::shared_ptr<const MaskPart> part) const;

 private:
  void build_trie();

  std::vector<std::string> pieces_;
  std::vector<int32_t> eog_ids_;
  std::vector<bool> is_eog_;
  std::vector<uint8_t> node_byte_;
  std::vector<uint16_t> node_depth_;
  std::vector<int32_t> subtree_end_;
  std::vector<int32_t> token_start_;   // n_nodes + 1 offsets into sorted_tokens_
  std::vector<int32_t> sorted_tokens_;
  std::vector<uint8_t> text_below_;
  std::vector<uint64_t> ascii_below_;
  int32_t max_depth_ = 0;
  mutable std::mutex shared_mutex_;
  mutable std::unordered_map<std::string, std::shared_ptr<const MaskPart>> shared_;
  mutable size_t shared_bytes_ = 0;
};

}  // namespace edgelm::grammar
