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
// nullptr. Only its 2 MiB-aligned interior can become huge pages.
void* map_huge_pages(size_t bytes);
void unmap_huge_pages(void* p, size_t bytes);

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
