// WorkSplit, taken from one thread so the order is deterministic: each part
// is worked through from its front in halving pieces of whole grains,
// other threads' leftovers are taken from the back, and every index is
// handed out exactly once, also for ranges too long for 32-bit indices.
#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "kernels/util/work_split.h"

namespace edgelm {
namespace {

using Range = std::pair<int64_t, int64_t>;

std::vector<Range> take_all(WorkSplit& split, int self) {
  std::vector<Range> out;
  int64_t b = 0, e = 0;
  while (split.take(self, b, e)) out.push_back({b, e});
  return out;
}

TEST(WorkSplit, OwnPartComesFromTheFrontInHalvingPieces) {
  WorkSplit split(2);
  split.reset(100, 2, 1);
  ASSERT_EQ(split.parts(), 2);
  // Thread 0 owns [0, 50): halves of what is left, down to one item.
  int64_t b = 0, e = 0;
  const std::vector<Range> expected = {{0, 25}, {25, 37}, {37, 43}, {43, 46}, {46, 48}, {48, 49}, {49, 50}};
  for (const Range& r : expected) {
    ASSERT_TRUE(split.take(0, b, e));
    EXPECT_EQ(Range(b, e), r);
  }
  // Then it helps thread 1 from the back of [50, 100).
  ASSERT_TRUE(split.take(0, b, e));
  EXPECT_EQ(Range(b, e), Range(75, 100));
  ASSERT_TRUE(split.take(1, b, e));   // the owner continues from its front
  EXPECT_EQ(Range(b, e), Range(50, 62));
}

TEST(WorkSplit, RangesAreWholeGrains) {
  WorkSplit split(2);
  split.reset(100, 2, 16);   // 7 grains, the last one short
  const std::vector<Range> expected = {{0, 16}, {16, 32}, {32, 48}};   // part 0: grains 0-2
  int64_t b = 0, e = 0;
  for (const Range& r : expected) {
    ASSERT_TRUE(split.take(0, b, e));
    EXPECT_EQ(Range(b, e), r);
  }
  ASSERT_TRUE(split.take(0, b, e));   // half of part 1's grains 3-6, from the back
  EXPECT_EQ(Range(b, e), Range(80, 100));
}

TEST(WorkSplit, EveryIndexOnceWhateverTheOrder) {
  for (int parts : {1, 2, 3, 7}) {
    for (int64_t n : {1, 2, 5, 64, 1000}) {
      for (int64_t grain : {1, 4, 100}) {
        WorkSplit split(parts);
        split.reset(n, parts, grain);
        std::vector<int> hits(static_cast<size_t>(n), 0);
        // Threads take turns, one of them (and one that owns no part) finishing early.
        int64_t b = 0, e = 0;
        for (int turn = 0; split.take(turn % (parts + 1), b, e); ++turn) {
          ASSERT_LT(b, e);
          EXPECT_EQ(b % grain, 0) << b << ".." << e;
          EXPECT_TRUE(e % grain == 0 || e == n) << b << ".." << e;
          for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)]++;
        }
        for (int64_t i = 0; i < n; ++i) ASSERT_EQ(hits[static_cast<size_t>(i)], 1) << "n " << n << " item " << i;
      }
    }
  }
}

TEST(WorkSplit, FewItemsMakeFewerParts) {
  WorkSplit split(8);
  split.reset(10, 8, 4);   // three grains (the last one short): three parts
  EXPECT_EQ(split.parts(), 3);
  split.reset(3, 8, 4);
  EXPECT_EQ(split.parts(), 1);
  EXPECT_EQ(take_all(split, 5), std::vector<Range>{Range(0, 3)});   // a thread without a part still gets it
  split.reset(0, 8, 1);
  EXPECT_TRUE(take_all(split, 0).empty());
}

TEST(WorkSplit, RangesBeyond32BitsAreCoveredExactly) {
  const int64_t n = (int64_t{1} << 33) + 12345;
  WorkSplit split(2);
  split.reset(n, 2, 1);
  std::vector<Range> all = take_all(split, 0);
  const std::vector<Range> rest = take_all(split, 1);
  all.insert(all.end(), rest.begin(), rest.end());
  std::sort(all.begin(), all.end());
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all.front().first, 0);
  EXPECT_EQ(all.back().second, n);
  for (size_t i = 1; i < all.size(); ++i) EXPECT_EQ(all[i].first, all[i - 1].second);
}

}  // namespace
}  // namespace edgelm
