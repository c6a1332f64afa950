// Compact open-addressing hash tables for the two hot look-ups: token text ->
// id, and (left id, right id) -> BPE merge. With hundreds of thousands of
// entries, flat arrays are several times faster to build and probe than
// node-based maps (one cache miss per probe instead of several).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace edgelm::tok {

// Token text -> id. The texts stay in the caller's vector, which must outlive
// the index and not change after build().
class TokenIndex {
 public:
  // With duplicate texts the highest id wins (as llama.cpp's loader does).
  void build(const std::vector<std::string>& tokens);
  int32_t find(std::string_view text) const;   // -1 if absent

 private:
  const std::vector<std::string>* tokens_ = nullptr;
  std::vector<uint64_t> slots_;   // hash tag << 32 | (id + 1); 0 = empty
  uint64_t mask_ = 0;
};

struct Merge {
  int32_t rank;     // priority: lower merges first
  int32_t result;   // token the pair becomes
};

// (left, right) token pair -> merge. The first (lowest-rank) entry of a pair wins.
class MergeTable {
 public:
  void reserve(size_t n);
  void insert(int32_t left, int32_t right, Merge merge);
  const Merge* find(int32_t left, int32_t right) const;
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t key;   // kEmpty or left << 32 | right
    Merge merge;
  };
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  size_t slot_of(uint64_t key) const;
  std::vector<Slot> slots_;
  uint64_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace edgelm::tok
