// How a parallel_for hands out its index range: each thread owns one
// contiguous part and works through it from the front; a thread whose part
// is empty takes work from the back of another's.
//
// Why not a shared queue of equal chunks: decode matmuls stream their weights
// once, and on this project's machines two hardware threads share one core's
// memory pipeline. Every new chunk starts a new stream that the prefetchers
// must pick up again, and whichever thread finishes first idles while the
// other's last chunk runs at single-thread bandwidth. Here each thread's own
// work stays one ascending stream, and the pieces shrink by halves down to
// one grain, so the threads finish within about one grain of each other.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>

namespace edgelm {

class WorkSplit {
 public:
  explicit WorkSplit(int max_parts);

  // Splits [0, n) into up to `parts` contiguous parts of whole grains.
  // Every range handed out starts at a multiple of `grain` and ends at one
  // (or at n), whichever thread takes it. Not thread-safe: call while no
  // thread is taking work.
  void reset(int64_t n, int parts, int64_t grain);

  // The next range for thread `self`: the front of its own part, else the
  // back of another's. False when no work is left.
  bool take(int self, int64_t& begin, int64_t& end);

  int parts() const { return count_; }

 private:
  // One part's remaining [front, back), in units, packed as front | back << 32
  // so that both ends move with one compare-and-swap.
  struct alignas(64) Part {
    std::atomic<uint64_t> span{0};
  };
  bool take_from(Part& part, bool front, int64_t& begin, int64_t& end);

  std::unique_ptr<Part[]> parts_;
  int max_parts_;
  int count_ = 0;
  int64_t n_ = 0;
  int64_t unit_ = 1;    // items per unit: the grain (or a multiple, past 2^31 grains)
};

}  // namespace edgelm
