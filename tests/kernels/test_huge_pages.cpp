// The huge-page memory behind packed weights and KV caches: buffers of
// either size class start zeroed, keep what is written, and move and free
// like any vector's; mappings of 2 MiB and more start on a huge page; slices
// are aligned, zeroed, laid one after another and outlive their neighbours.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "kernels/util/huge_pages.h"

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
  const size_t bytes = (size_t{5} << 20) + 100;
  auto* p = static_cast<uint8_t*>(kernels::map_huge_pages(bytes));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % (size_t{2} << 20), 0u);
  EXPECT_EQ(p[0], 0);
  EXPECT_EQ(p[bytes - 1], 0);
  p[bytes / 2] = 1;
  kernels::unmap_huge_pages(p, bytes);
  kernels::unmap_huge_pages(nullptr, bytes);   // no-op
}

TEST(HugePages, SlicesAreAlignedZeroedAndPackedTogether) {
  std::vector<std::shared_ptr<uint8_t>> slices;
  for (size_t n : {size_t{100}, size_t{300000}, size_t{64}, size_t{5} << 20})
    slices.push_back(kernels::map_huge_page_slice(n));
  for (const auto& s : slices) {
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(s.get()) % 64, 0u);
  }
  // Cut one after another (sizes rounded to 64 bytes), unless a new mapping
  // had to start in between.
  const auto gap = [&](int i) { return slices[i + 1].get() - slices[i].get(); };
  EXPECT_TRUE(gap(0) == 128 || gap(1) == 300032) << gap(0) << " " << gap(1);
  for (size_t i = 0; i < (size_t{5} << 20); i += 4093) ASSERT_EQ(slices[3].get()[i], 0);
  std::memset(slices[1].get(), 0xab, 300000);
  auto big = kernels::map_huge_page_slice(size_t{40} << 20);   // its own mapping
  ASSERT_NE(big, nullptr);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(big.get()) % (size_t{2} << 20), 0u);
  big.get()[(size_t{40} << 20) - 1] = 1;
  slices[0].reset();   // the others keep the shared mapping alive
  slices[2].reset();
  EXPECT_EQ(slices[1].get()[299999], 0xab);
  EXPECT_EQ(slices[3].get()[0], 0);
}

}  // namespace
}  // namespace edgelm
