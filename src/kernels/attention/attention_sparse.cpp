// Query-aware page selection for single-token decoding (Quest: Tang et al.,
// 2024). Each page of kKvTile positions keeps the per-channel minimum and
// maximum of its keys, so sum_c max(q_c min_c, q_c max_c) bounds q·k for every
// key of the page; pages whose bound is far below the best cannot carry much
// softmax weight and are skipped.
#include <algorithm>

#include "kernels/attention/attention_plan.h"

namespace edgelm::kernels {
namespace {

constexpr int kPagesPerItem = 256;   // bound computations handed to a thread at once

int64_t n_pages_of(const AttentionArgs& a) { return a.pos0 / kKvTile + 1; }

void add_pages(AttentionPlan& plan, int64_t first_page, int64_t end_page, int64_t end_pos) {
  const int64_t begin = first_page * kKvTile, end = std::min(end_page * kKvTile, end_pos);
  if (plan.spans.size() > plan.span_first.back() && plan.spans.back().end == begin) plan.spans.back().end = end;
  else plan.spans.push_back({begin, end});
}

// The bounds of every query head over the candidate pages, across threads;
// a KV head's query heads share each read of the page bounds.
void compute_bounds(const AttentionArgs& a, const KvView& kv, const AttentionKernels& isa, ThreadPool& pool,
                    int n_cand, AttentionPlan& plan) {
  const int dk = kv.head_dim_k, group = a.n_head / kv.n_head_kv;
  const int64_t stride = static_cast<int64_t>(kv.n_head_kv) * dk;
  const int chunks = (n_cand + kPagesPerItem - 1) / kPagesPerItem;
  plan.bounds.resize(static_cast<size_t>(a.n_head) * n_cand);
  pool.parallel_for(static_cast<int64_t>(kv.n_head_kv) * chunks, 1, [&](int, int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; ++item) {
      const int g = static_cast<int>(item / chunks);
      const int first = static_cast<int>(item % chunks) * kPagesPerItem;
      const int64_t at = (static_cast<int64_t>(kSinkPages) + first) * stride + static_cast<int64_t>(g) * dk;
      isa.page_bounds(a.q + static_cast<int64_t>(g) * group * dk, group, dk, kv.page_min + at, kv.page_max + at,
                      stride, std::min(kPagesPerItem, n_cand - first),
                      plan.bounds.data() + static_cast<size_t>(g) * group * n_cand + first, n_cand);
    }
  });
}

// Relevance of each candidate page for KV head g, in the row of its first
// query head: the best over the group of (bound - that head's best bound).
float* group_relevance(const AttentionArgs& a, const KvView& kv, int g, int n_cand, AttentionPlan& plan) {
  const int group = a.n_head / kv.n_head_kv;
  float* out = plan.bounds.data() + static_cast<size_t>(g) * group * n_cand;
  for (int h = 0; h < group; ++h) {
    float* b = out + static_cast<size_t>(h) * n_cand;
    const float best = *std::max_element(b, b + n_cand);
    for (int p = 0; p < n_cand; ++p) out[p] = h == 0 ? b[p] - best : std::max(out[p], b[p] - best);
  }
  return out;
}

}  // namespace

bool sparse_applies(const AttentionArgs& a, const KvView& kv) {
  if (a.n_tokens != 1 || a.window > 0 || kv.sparse_topk <= 0 || !kv.page_min || !kv.page_max) return false;
  return n_pages_of(a) - kSinkPages - kRecentPages > kv.sparse_topk;
}

void select_sparse_spans(const AttentionArgs& a, const KvView& kv, const AttentionKernels& isa, ThreadPool& pool,
                         AttentionPlan& plan) {
  const int64_t n_pages = n_pages_of(a), end_pos = a.pos0 + 1;
  const int n_cand = static_cast<int>(n_pages - kSinkPages - kRecentPages);
  compute_bounds(a, kv, isa, pool, n_cand, plan);
  plan.spans.clear();
  plan.span_first.assign(1, 0);
  for (int g = 0; g < kv.n_head_kv; ++g) {
    const float* score = group_relevance(a, kv, g, n_cand, plan);
    plan.pages.resize(n_cand);
    for (int p = 0; p < n_cand; ++p) plan.pages[p] = p;
    auto better = [&](int x, int y) { return score[x] > score[y] || (score[x] == score[y] && x < y); };
    std::nth_element(plan.pages.begin(), plan.pages.begin() + kv.sparse_topk, plan.pages.end(), better);
    std::sort(plan.pages.begin(), plan.pages.begin() + kv.sparse_topk);
    add_pages(plan, 0, kSinkPages, end_pos);
    for (int i = 0; i < kv.sparse_topk; ++i)
      add_pages(plan, kSinkPages + plan.pages[i], kSinkPages + plan.pages[i] + 1, end_pos);
    add_pages(plan, n_pages - kRecentPages, n_pages, end_pos);
    plan.span_first.push_back(plan.spans.size());
  }
}

}  // namespace edgelm::kernels
