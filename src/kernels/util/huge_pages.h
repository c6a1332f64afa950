// Memory for buffers that are streamed from far beyond the caches once per
// token (packed weights, long KV caches). On 4 KiB pages every page crossing
// is a TLB miss and the hardware prefetchers stop at each boundary;
// transparent huge pages, where the kernel grants them on request (THP mode
// "madvise", the common default), remove both.
#pragma once
#include <cstddef>
#include <memory>
#include <new>

namespace edgelm::kernels {

// A private zero-filled mapping of `bytes` with the huge-page advice, or
// nullptr. Only whole 2 MiB-aligned ranges can become huge pages, so a
// mapping of 2 MiB or more starts on a 2 MiB boundary.
void* map_huge_pages(size_t bytes);
void unmap_huge_pages(void* p, size_t bytes);

// Zero-filled, 64-byte-aligned memory for a buffer that lives as long as the
// model (packed weights). A matrix of a decode step is often smaller than a
// huge page (E2B's k and v projections: 0.2 MiB), and a mapping of its own
// would stay on 4 KiB pages; so buffers are cut one after another from
// shared 128 MiB mappings, which also keeps the matrices a layer streams in
// turn next to each other. A mapping is released with the last buffer cut
// from it; buffers of 32 MiB and more get their own. Thread-safe; nullptr
// when out of memory.
std::shared_ptr<uint8_t> map_huge_page_slice(size_t bytes);

// A std::allocator that maps buffers of 2 MiB and more with map_huge_pages;
// smaller ones come from the heap (they are cached or not worth a mapping).
template <class T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr size_t kMinBytes = size_t{2} << 20;

  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) {}

  T* allocate(size_t n) {
    if (n * sizeof(T) < kMinBytes) return std::allocator<T>().allocate(n);
    void* p = map_huge_pages(n * sizeof(T));
    if (!p) throw std::bad_alloc();
    return static_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) {
    if (n * sizeof(T) < kMinBytes) std::allocator<T>().deallocate(p, n);
    else unmap_huge_pages(p, n * sizeof(T));
  }
  friend bool operator==(const HugePageAllocator&, const HugePageAllocator&) { return true; }
};

}  // namespace edgelm::kernels
