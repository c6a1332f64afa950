#include "kernels/huge_pages.h"

#include <sys/mman.h>

namespace edgelm::kernels {

void* map_huge_pages(size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
#ifdef MADV_HUGEPAGE
  madvise(p, bytes, MADV_HUGEPAGE);   // advice only: ignored where THP is off
#endif
  return p;
}

void unmap_huge_pages(void* p, size_t bytes) {
  if (p) munmap(p, bytes);
}

}  // namespace edgelm::kernels
