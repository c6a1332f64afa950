// Quest-style sparse decoding: exactly dense when every page is chosen, the
// chosen pages are the sinks, the newest pages and the top-k by the q·k bound,
// and prefill stays dense.
#include <gtest/gtest.h>

#include <numeric>

#include "attention_test_util.h"
#include "kernels/attention/attention_plan.h"

namespace edgelm {
namespace {

using kernels::KvType;
using kernels::kKvTile;
using test::AttentionFixture;
using test::AttentionShape;

AttentionShape sparse_shape(KvType type, int topk) {
  AttentionShape s;
  s.type = type;
  s.n_head = 4;
  s.n_head_kv = 2;
  s.n_ctx = 1200;
  s.max_batch = 512;
  s.sparse_topk = topk;
  return s;
}

void expect_same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(test::bits_of(a[i]), test::bits_of(b[i])) << i;
}

TEST(SparseAttention, EqualsDenseWhenEveryPageFits) {
  for (KvType type : {KvType::F32, KvType::F16, KvType::Q4}) {
    // 1100 positions: 35 pages, 32 candidates besides the sinks and the recent ones.
    AttentionFixture dense(sparse_shape(type, 0), 5), sparse(sparse_shape(type, 32), 5);
    ThreadPool pool(2);
    kernels::AttentionScratch s1, s2;
    for (int n : {512, 512, 76, 1, 1, 1}) {
      dense.append(n);
      sparse.append(n);
      expect_same_bits(dense.run(pool, s1), sparse.run(pool, s2));
      dense.advance();
      sparse.advance();
    }
  }
}

// The pages the selection must choose for KV head g, recomputed from the
// decoded keys: best over the group's heads of (bound - head's best bound).
std::vector<bool> expected_pages(const kernels::AttentionArgs& a, const kernels::KvView& kv, int g, int topk) {
  const int group = a.n_head / kv.n_head_kv, dk = kv.head_dim_k;
  const int64_t n_pages = a.pos0 / kKvTile + 1;
  const int n_cand = static_cast<int>(n_pages - kernels::kSinkPages - kernels::kRecentPages);
  const test::DecodedKv d = test::decode_kv(kv, 0, a.pos0 + 1);
  std::vector<float> score(n_cand, -1e30f);
  for (int h = g * group; h < (g + 1) * group; ++h) {
    std::vector<float> bound(n_cand);
    for (int p = 0; p < n_cand; ++p) {
      const int64_t first = (kernels::kSinkPages + p) * kKvTile;
      float sum = 0.0f;
      for (int c = 0; c < dk; ++c) {
        float lo = 1e30f, hi = -1e30f;
        for (int64_t i = first; i < first + kKvTile; ++i) {
          lo = std::min(lo, d.key(i, g, dk)[c]);
          hi = std::max(hi, d.key(i, g, dk)[c]);
        }
        const float qc = a.q[static_cast<int64_t>(h) * dk + c];
        sum += std::max(qc * lo, qc * hi);
      }
      bound[p] = sum;
    }
    const float best = *std::max_element(bound.begin(), bound.end());
    for (int p = 0; p < n_cand; ++p) score[p] = std::max(score[p], bound[p] - best);
  }
  std::vector<int> order(n_cand);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int x, int y) { return score[x] > score[y]; });
  std::vector<bool> use(n_pages, false);
  for (int i = 0; i < kernels::kSinkPages; ++i) use[i] = true;
  for (int64_t i = n_pages - kernels::kRecentPages; i < n_pages; ++i) use[i] = true;
  for (int i = 0; i < std::min(topk, n_cand); ++i) use[kernels::kSinkPages + order[i]] = true;
  return use;
}

TEST(SparseAttention, AttendsToSinksRecentAndTopPages) {
  for (int topk : {1, 5, 16}) {
    AttentionFixture fx(sparse_shape(KvType::F32, topk), 9);
    ThreadPool pool(2);
    kernels::AttentionScratch scratch;
    fx.append(700);
    fx.advance();
    for (int step = 0; step < 3; ++step) {
      fx.append(1);
      std::vector<float> out;
      const kernels::AttentionArgs a = fx.args(out);
      const kernels::KvView kv = fx.cache().view();
      kernels::attention(a, kv, pool, scratch);
      // Check each KV head's query heads against the reference on its pages.
      const int group = a.n_head / kv.n_head_kv;
      for (int g = 0; g < kv.n_head_kv; ++g) {
        const std::vector<bool> use = expected_pages(a, kv, g, topk);
        const test::DecodedKv d = test::decode_kv(kv, 0, a.pos0 + 1);
        std::vector<float> want(kv.head_dim_v);
        for (int h = g * group; h < (g + 1) * group; ++h) {
          test::reference_query(a, kv, d, 0, h, [&](int64_t p) { return use[p / kKvTile]; }, want.data());
          for (int c = 0; c < kv.head_dim_v; ++c)
            ASSERT_NEAR(out[h * kv.head_dim_v + c], want[c], 2e-5) << "topk " << topk << " head " << h;
        }
      }
      fx.advance();
    }
  }
}

TEST(SparseAttention, PrefillAndSlidingLayersStayDense) {
  AttentionFixture dense(sparse_shape(KvType::F16, 0), 3), sparse(sparse_shape(KvType::F16, 2), 3);
  ThreadPool pool(2);
  kernels::AttentionScratch s1, s2;
  for (int n : {512, 300, 7}) {
    dense.append(n);
    sparse.append(n);
    expect_same_bits(dense.run(pool, s1), sparse.run(pool, s2));
    dense.advance();
    sparse.advance();
  }
  AttentionShape sliding = sparse_shape(KvType::F16, 2);
  sliding.window = 64;
  AttentionFixture fx(sliding, 3);
  EXPECT_TRUE(fx.cache().page_min.empty());
  EXPECT_EQ(fx.cache().view().page_min, nullptr);
}

// Three pages hold keys aligned with the query and carry nearly all the
// softmax weight: a budget of four pages must find them (the result equals
// dense), a budget of two cannot.
TEST(SparseAttention, FindsTheHeavyPages) {
  for (int topk : {4, 2}) {
    // One KV head of 64 for four query heads, 2000 positions (63 pages).
    memory::State state({memory::LayerMemorySpec{memory::LayerMemorySpec::Kind::Kv, 1, 64, 64, 0, 0, 0}},
                        {2048, 512, KvType::F16, topk});
    test::Rng rng(4);
    std::vector<float> dir(64), k(64), v(64);
    for (float& x : dir) x = rng.uniform() > 0 ? 1.0f : -1.0f;
    const int heavy[] = {10, 33, 50};
    for (int64_t p = 0; p < 2000; ++p) {
      const bool needle = std::find(std::begin(heavy), std::end(heavy), p / kKvTile) != std::end(heavy);
      for (int c = 0; c < 64; ++c) k[c] = (needle ? 3.0f * dir[c] : 0.0f) + 0.5f * rng.gaussian();
      for (float& x : v) x = rng.gaussian();
      state.kv(0).store(p, k.data(), v.data());
    }
    std::vector<float> q(4 * 64), out_sparse(4 * 64), out_dense(4 * 64);
    for (int i = 0; i < 4 * 64; ++i) q[i] = 2.0f * dir[i % 64] + 0.1f * rng.gaussian();
    kernels::AttentionArgs a;
    a.q = q.data();
    a.q_stride = 4 * 64;
    a.n_tokens = 1;
    a.n_head = 4;
    a.pos0 = 1999;
    a.scale = 0.125f;
    a.out_stride = 4 * 64;
    ThreadPool pool(2);
    kernels::AttentionScratch scratch;
    kernels::KvView kv = state.kv(0).view();
    a.out = out_sparse.data();
    kernels::attention(a, kv, pool, scratch);
    kv.sparse_topk = 0;
    a.out = out_dense.data();
    kernels::attention(a, kv, pool, scratch);
    double err = 0.0;
    for (int i = 0; i < 4 * 64; ++i) err = std::max(err, static_cast<double>(std::fabs(out_sparse[i] - out_dense[i])));
    if (topk == 4) EXPECT_LT(err, 1e-5);
    else EXPECT_GT(err, 0.1);
  }
}

}  // namespace
}  // namespace edgelm
