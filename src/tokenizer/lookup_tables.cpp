#include "tokenizer/lookup_tables.h"

#include <functional>

namespace edgelm::tok {
namespace {

// Smallest power of two >= 2n (load factor <= 1/2 keeps probe runs short).
uint64_t table_size_for(size_t n) {
  uint64_t size = 16;
  while (size < 2 * static_cast<uint64_t>(n)) size <<= 1;
  return size;
}

uint64_t hash_text(std::string_view text) { return std::hash<std::string_view>{}(text); }

uint64_t hash_pair(uint64_t key) {
  key ^= key >> 33;   // a murmur-style finalizer spreads both ids over all bits
  key *= 0xFF51AFD7ED558CCDull;
  key ^= key >> 33;
  return key;
}

}  // namespace

void TokenIndex::build(const std::vector<std::string>& tokens) {
  tokens_ = &tokens;
  const uint64_t size = table_size_for(tokens.size());
  slots_.assign(size, 0);
  mask_ = size - 1;
  for (size_t id = 0; id < tokens.size(); ++id) {
    const uint64_t h = hash_text(tokens[id]);
    const uint64_t entry = (h & 0xFFFFFFFF00000000ull) | (id + 1);
    for (uint64_t i = h & mask_;; i = (i + 1) & mask_) {
      const uint64_t slot = slots_[i];
      if (slot == 0) {
        slots_[i] = entry;
        break;
      }
      if ((slot >> 32) == (h >> 32) && tokens[(slot & 0xFFFFFFFF) - 1] == tokens[id]) {
        slots_[i] = entry;   // duplicate text: the later id replaces the earlier
        break;
      }
    }
  }
}

int32_t TokenIndex::find(std::string_view text) const {
  if (tokens_ == nullptr) return -1;
  const uint64_t h = hash_text(text);
  for (uint64_t i = h & mask_;; i = (i + 1) & mask_) {
    const uint64_t slot = slots_[i];
    if (slot == 0) return -1;
    if ((slot >> 32) == (h >> 32)) {
      const size_t id = (slot & 0xFFFFFFFF) - 1;
      if ((*tokens_)[id] == text) return static_cast<int32_t>(id);
    }
  }
}

void MergeTable::reserve(size_t n) {
  if (2 * n <= slots_.size()) return;
  std::vector<Slot> old;
  old.swap(slots_);
  const uint64_t size = table_size_for(n);
  slots_.assign(size, Slot{kEmpty, {0, 0}});
  mask_ = size - 1;
  size_ = 0;
  for (const Slot& s : old) {
    if (s.key != kEmpty) insert(static_cast<int32_t>(s.key >> 32), static_cast<int32_t>(s.key & 0xFFFFFFFF), s.merge);
  }
}

size_t MergeTable::slot_of(uint64_t key) const {
  uint64_t i = hash_pair(key) & mask_;
  while (slots_[i].key != kEmpty && slots_[i].key != key) i = (i + 1) & mask_;
  return i;
}

void MergeTable::insert(int32_t left, int32_t right, Merge merge) {
  if (2 * (size_ + 1) > slots_.size()) reserve(2 * (size_ + 1));
  const uint64_t key = (static_cast<uint64_t>(left) << 32) | static_cast<uint32_t>(right);
  Slot& slot = slots_[slot_of(key)];
  if (slot.key == key) return;   // keep the lower rank
  slot = Slot{key, merge};
  ++size_;
}

const Merge* MergeTable::find(int32_t left, int32_t right) const {
  if (slots_.empty()) return nullptr;
  const uint64_t key = (static_cast<uint64_t>(left) << 32) | static_cast<uint32_t>(right);
  const Slot& slot = slots_[slot_of(key)];
  return slot.key == key ? &slot.merge : nullptr;
}

}  // namespace edgelm::tok
