// What the session state adds for the KV encodings and sparse decoding: Q4
// rings sized in whole key groups, the recent (unquantized) key group across
// truncate, snapshot/restore and save/load, and page bounds kept right when
// positions are overwritten.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include <unistd.h>

#include "../kernels/attention_test_util.h"
#include "edgelm/error.h"

namespace edgelm {
namespace {

using kernels::KvType;
using kernels::kKvTile;
using test::AttentionFixture;
using test::AttentionShape;

AttentionShape shape_of(KvType type, int window = 0, int topk = 0) {
  AttentionShape s;
  s.type = type;
  s.window = window;
  s.n_ctx = 300;
  s.max_batch = 40;
  s.sparse_topk = topk;
  return s;
}

std::vector<float> keys_of(const memory::LayerKv& c, int64_t first, int64_t end) {
  std::vector<float> out((end - first) * c.k_floats());
  for (int64_t p = first; p < end; ++p) kernels::kv_read_key(c.view(), p, out.data() + (p - first) * c.k_floats());
  return out;
}

TEST(KvState, Q4CapacitiesAreWholeGroups) {
  AttentionFixture full(shape_of(KvType::Q4), 1), ring(shape_of(KvType::Q4, 50), 1);
  EXPECT_EQ(full.cache().capacity, 320);   // 300 rounded up
  EXPECT_EQ(ring.cache().capacity % kKvTile, 0);
  EXPECT_GE(ring.cache().capacity, 50 + 40 + kKvTile);
  EXPECT_TRUE(ring.cache().ring);
  for (KvType type : {KvType::F32, KvType::F16, KvType::Q8_0, KvType::Q4})
    for (int window : {0, 50})
      for (int topk : {0, 3}) {
        AttentionFixture fx(shape_of(type, window, topk), 1);
        memory::LayerMemorySpec spec{memory::LayerMemorySpec::Kind::Kv, 2, 32, 32, window, 0, 0};
        EXPECT_EQ(memory::layer_bytes(spec, {300, 40, type, topk}), fx.cache().bytes()) << kernels::kv_type_name(type);
      }
}

TEST(KvState, RejectsUnsupportedShapes) {
  memory::LayerMemorySpec spec{memory::LayerMemorySpec::Kind::Kv, 2, 48, 48, 0, 0, 0};
  EXPECT_THROW(memory::State({spec}, {64, 8, KvType::Q4}), Error);
  EXPECT_NO_THROW(memory::State({spec}, {64, 8, KvType::F16}));
  EXPECT_THROW(memory::State({spec}, {64, 8, KvType::F16, -1}), Error);
}

// Truncating into a group still being filled keeps its exact keys; into a
// quantized group, the group comes back decoded.
TEST(KvState, TruncateKeepsTheRecentGroup) {
  AttentionFixture fx(shape_of(KvType::Q4), 2);
  fx.append(45);
  fx.advance();
  EXPECT_EQ(fx.cache().recent_group, 1);
  const std::vector<float> exact = keys_of(fx.cache(), 32, 45);
  fx.state().truncate(40);
  EXPECT_EQ(fx.cache().recent_group, 1);
  EXPECT_EQ(keys_of(fx.cache(), 32, 40), std::vector<float>(exact.begin(), exact.begin() + 8 * fx.cache().k_floats()));

  fx.append(30);   // positions 40..69: group 1 is quantized at 63
  fx.advance();
  EXPECT_EQ(fx.cache().recent_group, 2);
  const std::vector<float> quantized = keys_of(fx.cache(), 32, 50);
  fx.state().truncate(50);
  EXPECT_EQ(fx.cache().recent_group, 1);
  EXPECT_EQ(keys_of(fx.cache(), 32, 50), quantized);
  fx.state().truncate(32);
  EXPECT_EQ(fx.cache().recent_group, -1);
}

// After restore, the same steps give the same bits, for full and ring layers.
TEST(KvState, SnapshotRestoreReplaysExactly) {
  for (KvType type : {KvType::F16, KvType::Q4})
    for (int window : {0, 20}) {
      AttentionFixture fx(shape_of(type, window, window ? 0 : 1), 3);
      ThreadPool pool(2);
      kernels::AttentionScratch scratch;
      fx.append(37);
      fx.advance();
      const memory::Snapshot snap = fx.state().snapshot();
      const test::Rng saved = fx.rng();
      fx.append(30);
      const std::vector<float> first = fx.run(pool, scratch);
      fx.advance();
      for (int i = 0; i < 5; ++i) {   // overwrite ring slots and complete groups
        fx.append(40);
        fx.advance();
      }
      fx.state().restore(snap);
      fx.rng() = saved;
      fx.append(30);
      EXPECT_EQ(fx.run(pool, scratch), first) << kernels::kv_type_name(type) << " window " << window;
    }
}

// Page bounds after overwriting part of a page are those of the keys now stored.
TEST(KvState, PageBoundsFollowTheStoredKeys) {
  AttentionFixture fx(shape_of(KvType::F32, 0, 2), 4);
  fx.append(100);
  fx.advance();
  fx.state().truncate(70);
  fx.append(20);
  fx.advance();
  const memory::LayerKv& c = fx.cache();
  const int64_t n = c.k_floats();
  for (int64_t page = 0; page * kKvTile < 90; ++page) {
    const int64_t end = std::min<int64_t>(90, (page + 1) * kKvTile);
    const std::vector<float> keys = keys_of(c, page * kKvTile, end);
    for (int64_t i = 0; i < n; ++i) {
      float lo = keys[i], hi = keys[i];
      for (int64_t p = 1; p < end - page * kKvTile; ++p) {
        lo = std::min(lo, keys[p * n + i]);
        hi = std::max(hi, keys[p * n + i]);
      }
      ASSERT_EQ(c.page_min[page * n + i], lo) << "page " << page;
      ASSERT_EQ(c.page_max[page * n + i], hi) << "page " << page;
    }
  }
}

TEST(KvState, SaveLoadKeepsRecentGroupAndPages) {
  const std::string path = (std::filesystem::temp_directory_path() / ("edgelm_test_kv_state_" + std::to_string(::getpid()) + ".bin")).string();
  for (KvType type : {KvType::F32, KvType::Q4}) {
    AttentionFixture fx(shape_of(type, 0, 2), 5), loaded(shape_of(type, 0, 2), 6);
    fx.append(77);
    fx.advance();
    fx.state().save(path, std::vector<int32_t>(77, 1));
    EXPECT_EQ(loaded.state().load(path).size(), 77u);
    EXPECT_EQ(loaded.cache().recent_group, fx.cache().recent_group);
    EXPECT_EQ(loaded.cache().k_recent, fx.cache().k_recent);
    EXPECT_EQ(keys_of(loaded.cache(), 0, 77), keys_of(fx.cache(), 0, 77));
    if (type == KvType::F32) {   // bounds are rebuilt from the stored (here exact) keys
      EXPECT_EQ(loaded.cache().page_min, fx.cache().page_min);
      EXPECT_EQ(loaded.cache().page_max, fx.cache().page_max);
    }
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace edgelm
