#include "kernels/util/huge_pages.h"

#include <sys/mman.h>

#include <cstdint>
#include <mutex>

namespace edgelm::kernels {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kSliceChunk = size_t{128} << 20;

size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

// One mapping that slices are cut from; unmapped with the last of them.
struct SliceChunk {
  uint8_t* base = nullptr;
  size_t bytes = 0;
  explicit SliceChunk(size_t n) : base(static_cast<uint8_t*>(map_huge_pages(n))), bytes(n) {}
  ~SliceChunk() { unmap_huge_pages(base, bytes); }
};

struct SliceArena {
  std::mutex mu;
  std::weak_ptr<SliceChunk> current;   // not kept alive by the arena itself
  size_t used = 0;
};

std::shared_ptr<uint8_t> own_chunk(size_t bytes) {
  auto chunk = std::make_shared<SliceChunk>(bytes);
  if (!chunk->base) return nullptr;
  return std::shared_ptr<uint8_t>(chunk, chunk->base);
}

}  // namespace

void* map_huge_pages(size_t bytes) {
  // Over-map by a huge page less one page, then trim both ends so that what
  // remains starts on a 2 MiB boundary.
  const size_t page = 4096;
  const size_t length = round_up(bytes, page);
  const size_t slack = bytes >= kHugePage ? kHugePage - page : 0;
  void* raw = mmap(nullptr, length + slack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const auto start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = slack ? round_up(start, kHugePage) : start;
  if (aligned > start) munmap(raw, aligned - start);
  if (start + slack > aligned) munmap(reinterpret_cast<void*>(aligned + length), start + slack - aligned);
  void* p = reinterpret_cast<void*>(aligned);
#ifdef MADV_HUGEPAGE
  madvise(p, length, MADV_HUGEPAGE);   // advice only: ignored where THP is off
#endif
  return p;
}

void unmap_huge_pages(void* p, size_t bytes) {
  if (p) munmap(p, bytes);
}

std::shared_ptr<uint8_t> map_huge_page_slice(size_t bytes) {
  bytes = round_up(std::max<size_t>(bytes, 1), 64);
  if (bytes >= kSliceChunk / 4) return own_chunk(bytes);
  static SliceArena arena;
  std::lock_guard<std::mutex> lock(arena.mu);
  std::shared_ptr<SliceChunk> chunk = arena.current.lock();
  if (!chunk || arena.used + bytes > chunk->bytes) {
    // The old chunk's unused tail is never touched, so it costs no memory.
    chunk = std::make_shared<SliceChunk>(kSliceChunk);
    if (!chunk->base) return nullptr;
    arena.current = chunk;
    arena.used = 0;
  }
  uint8_t* p = chunk->base + arena.used;
  arena.used += bytes;
  return std::shared_ptr<uint8_t>(chunk, p);
}

}  // namespace edgelm::kernels
