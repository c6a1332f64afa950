#include "memory/snapshot_cache.h"

#include <algorithm>

namespace edgelm::memory {

int64_t common_prefix(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return static_cast<int64_t>(i);
}

void SnapshotCache::put(const State& state, const std::vector<int32_t>& tokens) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it)
    if (it->tokens == tokens) {   // already cached: just refresh
      entries_.splice(entries_.begin(), entries_, it);
      return;
    }
  Entry e{tokens, state.snapshot()};
  bytes_ += e.snapshot.bytes() + tokens.size() * sizeof(int32_t);
  entries_.push_front(std::move(e));
  evict();
}

const Snapshot* SnapshotCache::best(const std::vector<int32_t>& prompt, int64_t intact) {
  auto best = entries_.end();
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    const int64_t n = static_cast<int64_t>(it->tokens.size());
    if (n > intact || n > static_cast<int64_t>(prompt.size())) continue;
    if (!std::equal(it->tokens.begin(), it->tokens.end(), prompt.begin())) continue;
    if (best == entries_.end() || n > static_cast<int64_t>(best->tokens.size())) best = it;
  }
  if (best == entries_.end()) return nullptr;
  entries_.splice(entries_.begin(), entries_, best);
  return &entries_.front().snapshot;
}

void SnapshotCache::evict() {
  while (bytes_ > max_bytes_ && !entries_.empty()) {
    const Entry& e = entries_.back();
    bytes_ -= e.snapshot.bytes() + e.tokens.size() * sizeof(int32_t);
    entries_.pop_back();
  }
}

void SnapshotCache::clear() {
  entries_.clear();
  bytes_ = 0;
}

}  // namespace edgelm::memory
