// The huge-page allocator behind packed weights and KV caches: buffers of
// either size class start zeroed, keep what is written, and move and free
// like any vector's.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "kernels/huge_pages.h"

namespace edgelm {
namespace {

using Bytes = std::vector<uint8_t, kernels::HugePageAllocator<uint8_t>>;

TEST(HugePages, SmallAndMappedBuffersBehaveAsVectors) {
  for (size_t n : {size_t{100}, kernels::HugePageAllocator<uint8_t>::kMinBytes + 12345}) {
    Bytes a(n);
    for (size_t i = 0; i < n; i += 4093) ASSERT_EQ(a[i], 0) << n;
    for (size_t i = 0; i < n; ++i) a[i] = static_cast<uint8_t>(i * 7);
    Bytes b = a;                      // copy
    Bytes c = std::move(a);           // move keeps the buffer
    ASSERT_EQ(b.size(), n);
    for (size_t i = 0; i < n; i += 997) ASSERT_EQ(b[i], c[i]) << n;
    c.assign(n / 2, 5);               // reallocation across the size classes
    EXPECT_EQ(c.back(), 5);
  }
}

TEST(HugePages, MapsZeroedMemory) {
  const size_t bytes = size_t{5} << 20;
  auto* p = static_cast<uint8_t*>(kernels::map_huge_pages(bytes));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p[0], 0);
  EXPECT_EQ(p[bytes - 1], 0);
  p[bytes / 2] = 1;
  kernels::unmap_huge_pages(p, bytes);
  kernels::unmap_huge_pages(nullptr, bytes);   // no-op
}

}  // namespace
}  // namespace edgelm
