#include "sample/grammar/vocabulary.h"

#include <algorithm>

#include "edgelm/error.h"
#include "sample/grammar/charset.h"
#include "tokenizer/tokenizer.h"

namespace edgelm::grammar {

Vocabulary::Vocabulary(std::vector<std::string> pieces, std::vector<int32_t> eog_ids)
    : pieces_(std::move(pieces)), is_eog_(pieces_.size(), false) {
  for (int32_t id : eog_ids) {
    if (id < 0 || id >= n_vocab()) throw Error("grammar vocabulary: EOG id " + std::to_string(id) + " out of range");
    if (!is_eog_[id]) is_eog_[id] = true, eog_ids_.push_back(id);
  }
  std::sort(eog_ids_.begin(), eog_ids_.end());
  build_trie();
}

std::shared_ptr<const Vocabulary> Vocabulary::from_tokenizer(const Tokenizer& tokenizer) {
  std::vector<std::string> pieces(tokenizer.n_vocab());
  for (int32_t id = 0; id < tokenizer.n_vocab(); ++id)
    if (!tokenizer.is_eog(id)) pieces[id] = tokenizer.token_to_piece(id);
  return std::make_shared<const Vocabulary>(std::move(pieces), tokenizer.eog_ids());
}

std::shared_ptr<const MaskPart> Vocabulary::find_shared(const std::string& key) const {
  std::lock_guard<std::mutex> lock(shared_mutex_);
  auto it = shared_.find(key);
  return it == shared_.end() ? nullptr : it->second;
}

void Vocabulary::store_shared(const std::string& key, std::shared_ptr<const MaskPart> part) const {
  std::lock_guard<std::mutex> lock(shared_mutex_);
  const size_t bytes = part->bytes() + key.size();
  if (shared_bytes_ + bytes > kMaxSharedBytes) {
    shared_.clear();
    shared_bytes_ = 0;
  }
  if (shared_.emplace(key, std::move(part)).second) shared_bytes_ += bytes;
}

namespace {

// valid[k]: piece[k..] is a sequence of complete, valid UTF-8 characters.
std::vector<uint8_t> valid_utf8_suffixes(const std::string& piece) {
  std::vector<uint8_t> valid(piece.size() + 1, 0);
  valid[piece.size()] = 1;
  for (size_t k = piece.size(); k-- > 0;) {
    size_t pos = k;
    uint32_t cp;
    if (decode_utf8(piece, pos, cp)) valid[k] = valid[pos];
  }
  return valid;
}

}  // namespace

// Sorting the pieces lays the trie out in preorder: each piece shares its
// longest common prefix with the previous one, so only the nodes past that
// prefix are new, and a node's subtree ends where the next piece diverges.
// The subtree summaries are folded into the parent as each node is closed.
void Vocabulary::build_trie() {
  std::vector<int32_t> ids;
  for (int32_t id = 0; id < n_vocab(); ++id)
    if (!is_eog_[id] && !pieces_[id].empty() && pieces_[id].size() <= kMaxPieceBytes) ids.push_back(id);
  std::sort(ids.begin(), ids.end(), [&](int32_t a, int32_t b) {
    const int c = pieces_[a].compare(pieces_[b]);
    return c != 0 ? c < 0 : a < b;
  });

  auto add_node = [&](uint8_t byte, int32_t depth) {
    node_byte_.push_back(byte);
    node_depth_.push_back(static_cast<uint16_t>(depth));
    subtree_end_.push_back(0);
    token_start_.push_back(static_cast<int32_t>(sorted_tokens_.size()));
    text_below_.push_back(1);
    ascii_below_.push_back(0);
    ascii_below_.push_back(0);
  };
  auto close_node = [&](std::vector<int32_t>& path) {
    const int32_t node = path.back();
    path.pop_back();
    subtree_end_[node] = n_nodes();
    const int32_t parent = path.back();
    const uint8_t b = node_byte_[node];
    uint64_t* up = &ascii_below_[2 * static_cast<size_t>(parent)];
    up[0] |= ascii_below_[2 * static_cast<size_t>(node)];
    up[1] |= ascii_below_[2 * static_cast<size_t>(node) + 1];
    if (b < 128) up[b >> 6] |= uint64_t{1} << (b & 63);
  };

  add_node(0, 0);
  std::vector<int32_t> path{0};  // node at each depth of the current piece
  const std::string* prev = nullptr;
  for (int32_t id : ids) {
    const std::string& p = pieces_[id];
    size_t common = 0;
    if (prev) {
      const size_t n = std::min(prev->size(), p.size());
      while (common < n && (*prev)[common] == p[common]) ++common;
    }
    while (path.size() > common + 1) close_node(path);
    for (size_t d = common; d < p.size(); ++d) {
      add_node(static_cast<uint8_t>(p[d]), static_cast<int32_t>(d + 1));
      path.push_back(n_nodes() - 1);
    }
    sorted_tokens_.push_back(id);  // belongs to the deepest node on the path
    const std::vector<uint8_t> valid = valid_utf8_suffixes(p);
    for (size_t d = 0; d < p.size(); ++d) text_below_[path[d]] &= valid[d];
    max_depth_ = std::max(max_depth_, static_cast<int32_t>(p.size()));
    prev = &p;
  }
  while (path.size() > 1) close_node(path);
  subtree_end_[0] = n_nodes();
  token_start_.push_back(static_cast<int32_t>(sorted_tokens_.size()));
}

}  // namespace edgelm::grammar
