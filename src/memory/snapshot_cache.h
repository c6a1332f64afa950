// A bounded LRU of state snapshots keyed by the tokens they have seen, so a
// session can continue from the longest cached prefix of a new prompt even
// for layers that cannot be truncated (sliding rings, recurrent state).
#pragma once
#include <cstdint>
#include <list>
#include <vector>

#include "memory/state.h"

namespace edgelm::memory {

class SnapshotCache {
 public:
  explicit SnapshotCache(size_t max_bytes) : max_bytes_(max_bytes) {}

  // Stores a snapshot of `state` taken after `tokens` (tokens.size() == n_past).
  void put(const State& state, const std::vector<int32_t>& tokens);
  // The deepest snapshot whose tokens are a prefix of `prompt` and whose
  // full-attention rows are still intact: the first `intact` tokens of the
  // live cache agree with it. nullptr if none.
  const Snapshot* best(const std::vector<int32_t>& prompt, int64_t intact);
  size_t bytes() const { return bytes_; }
  size_t size() const { return entries_.size(); }
  void clear();

 private:
  struct Entry {
    std::vector<int32_t> tokens;
    Snapshot snapshot;
  };
  void evict();
  size_t max_bytes_;
  size_t bytes_ = 0;
  std::list<Entry> entries_;   // front = most recently used
};

// Length of the common prefix of two token sequences.
int64_t common_prefix(const std::vector<int32_t>& a, const std::vector<int32_t>& b);

}  // namespace edgelm::memory
