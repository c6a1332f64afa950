#include "tokenizer/special_tokens.h"

#include <algorithm>
#include <limits>

#include "edgelm/error.h"

namespace edgelm::tok {

namespace {
uint64_t edge_key(int32_t node, uint8_t byte) { return (static_cast<uint64_t>(node) << 8) | byte; }
}  // namespace

int32_t SpecialTokenMatcher::child(int32_t node, uint8_t byte) const {
  const auto it = children_.find(edge_key(node, byte));
  return it == children_.end() ? -1 : it->second;
}

void SpecialTokenMatcher::add(std::string_view text, int32_t id, bool is_user_defined) {
  if (text.empty()) return;
  int32_t node = 0;
  for (char c : text) {
    const uint8_t byte = static_cast<uint8_t>(c);
    int32_t next = child(node, byte);
    if (next < 0) {
      next = static_cast<int32_t>(nodes_.size());
      Node n;
      n.parent = node;
      n.depth = nodes_[node].depth + 1;
      nodes_.push_back(n);
      children_.emplace(edge_key(node, byte), next);
    }
    node = next;
  }
  // With duplicate texts the lower id is tried first, so it is the one that wins.
  if (nodes_[node].token < 0 || id < nodes_[node].token) {
    nodes_[node].token = id;
    nodes_[node].user_defined = is_user_defined;
  }
  const uint32_t len = nodes_[node].depth;
  const auto at = std::lower_bound(lengths_.begin(), lengths_.end(), len, std::greater<>());
  if (at == lengths_.end() || *at != len) lengths_.insert(at, len);
}

bool SpecialTokenMatcher::usable(int32_t node, bool parse_special) const {
  return nodes_[node].token >= 0 && (parse_special || nodes_[node].user_defined);
}

// The deepest usable trie node matched by input[pos, end), or -1.
int32_t SpecialTokenMatcher::longest_match(std::string_view input, size_t pos, size_t end,
                                           bool parse_special) const {
  int32_t node = 0, best = -1;
  for (size_t k = pos; k < end; ++k) {
    node = child(node, static_cast<uint8_t>(input[k]));
    if (node < 0) break;
    if (usable(node, parse_special)) best = node;
  }
  return best;
}

// The deepest usable match at most max_len long on the path up from `node`, or -1.
int32_t SpecialTokenMatcher::shorter_match(int32_t node, uint32_t max_len, bool parse_special) const {
  for (; node > 0; node = nodes_[node].parent) {
    if (nodes_[node].depth <= max_len && usable(node, parse_special)) return node;
  }
  return -1;
}

size_t SpecialTokenMatcher::length_index(uint32_t len) const {
  return static_cast<size_t>(std::lower_bound(lengths_.begin(), lengths_.end(), len, std::greater<>()) -
                             lengths_.begin());
}

std::vector<Fragment> SpecialTokenMatcher::partition(std::string_view input,
                                                     const std::vector<SpanPolicy>& spans) const {
  if (input.size() >= std::numeric_limits<uint32_t>::max()) throw Error("tokenizer: input text too large");
  // Every position where a token matches, filed under the length of its
  // longest match. Shorter matches at the same position are trie ancestors
  // of that match, so one entry per position describes all of them and
  // memory stays linear in the input.
  std::vector<std::vector<Candidate>> by_length(lengths_.size());
  const auto file = [&](const Candidate& c) {
    by_length[length_index(nodes_[c.node].depth)].push_back(c);
  };
  if (!empty()) {
    for (const SpanPolicy& span : spans) {
      for (size_t pos = span.begin; pos < span.end; ++pos) {
        const int32_t node = longest_match(input, pos, span.end, span.parse_special);
        if (node >= 0) file({static_cast<uint32_t>(pos), node, span.parse_special});
      }
    }
  }
  // Longest tokens first; among equal lengths, tokens in id order each claim
  // their occurrences left to right. This is llama.cpp's sequence of
  // per-token searches inside the remaining raw fragments.
  std::vector<bool> claimed(input.size(), false);
  std::vector<Fragment> tokens;
  for (size_t b = 0; b < by_length.size(); ++b) {
    std::vector<Candidate> pass;
    pass.swap(by_length[b]);
    const uint32_t len = lengths_[b];
    std::sort(pass.begin(), pass.end(), [&](const Candidate& x, const Candidate& y) {
      const int32_t tx = nodes_[x.node].token, ty = nodes_[y.node].token;
      return tx != ty ? tx < ty : x.pos < y.pos;
    });
    for (const Candidate& c : pass) {
      const auto first = claimed.begin() + c.pos;
      if (std::find(first, first + len, true) == first + len) {
        std::fill(first, first + len, true);
        tokens.push_back({nodes_[c.node].token, c.pos, c.pos + len});
      } else if (!claimed[c.pos]) {
        // Blocked further on: a shorter match here may still fit.
        const int32_t node = shorter_match(nodes_[c.node].parent, len - 1, c.parse_special);
        if (node >= 0) file({c.pos, node, c.parse_special});
      }
    }
  }
  std::sort(tokens.begin(), tokens.end(), [](const Fragment& x, const Fragment& y) { return x.begin < y.begin; });

  std::vector<Fragment> fragments;
  size_t raw_begin = 0;
  for (const Fragment& t : tokens) {
    if (raw_begin < t.begin) fragments.push_back({-1, raw_begin, t.begin});
    fragments.push_back(t);
    raw_begin = t.end;
  }
  if (raw_begin < input.size()) fragments.push_back({-1, raw_begin, input.size()});
  return fragments;
}

}  // namespace edgelm::tok
