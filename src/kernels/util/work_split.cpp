#include "kernels/util/work_split.h"

#include <algorithm>

namespace edgelm {
namespace {

constexpr int64_t kMaxUnits = int64_t{1} << 31;

uint64_t pack(uint64_t front, uint64_t back) { return front | back << 32; }

}  // namespace

WorkSplit::WorkSplit(int max_parts)
    : parts_(std::make_unique<Part[]>(std::max(1, max_parts))), max_parts_(std::max(1, max_parts)) {}

void WorkSplit::reset(int64_t n, int parts, int64_t grain) {
  n_ = std::max<int64_t>(0, n);
  // Ranges start and end on multiples of the grain (a unit). Which ranges
  // are taken depends on timing, but with a grain that is a multiple of the
  // SIMD width no element moves between a kernel's vector body and its
  // scalar tail, so element-wise kernels whose two paths round differently
  // (SiLU, softcap) give the same bits in every run.
  const int64_t g = std::max<int64_t>(1, grain);
  const int64_t grains = (n_ + g - 1) / g;
  unit_ = g * std::max<int64_t>(1, (grains + kMaxUnits - 1) / kMaxUnits);
  const int64_t units = (n_ + unit_ - 1) / unit_;
  count_ = static_cast<int>(std::clamp<int64_t>(units, 1, std::min(parts, max_parts_)));
  for (int p = 0; p < count_; ++p) {
    const uint64_t front = static_cast<uint64_t>(units * p / count_);
    const uint64_t back = static_cast<uint64_t>(units * (p + 1) / count_);
    parts_[p].span.store(pack(front, back), std::memory_order_relaxed);
  }
}

// Takes half of what is left (at least a unit; all of it when one unit is
// left) from one end of `part`.
bool WorkSplit::take_from(Part& part, bool front, int64_t& begin, int64_t& end) {
  uint64_t span = part.span.load(std::memory_order_relaxed);
  for (;;) {
    const int64_t f = static_cast<int64_t>(span & 0xffffffffu);
    const int64_t b = static_cast<int64_t>(span >> 32);
    const int64_t left = b - f;
    if (left <= 0) return false;
    const int64_t size = std::max<int64_t>(1, left / 2);
    const int64_t lo = front ? f : b - size;
    const uint64_t next = front ? pack(f + size, b) : pack(f, b - size);
    if (part.span.compare_exchange_weak(span, next, std::memory_order_relaxed)) {
      begin = lo * unit_;
      end = std::min(n_, (lo + size) * unit_);
      return true;
    }
  }
}

bool WorkSplit::take(int self, int64_t& begin, int64_t& end) {
  if (self < count_ && take_from(parts_[self], true, begin, end)) return true;
  for (int i = 1; i <= count_; ++i) {
    const int victim = (self + i) % count_;
    if (victim != self && take_from(parts_[victim], false, begin, end)) return true;
  }
  return false;
}

}  // namespace edgelm
