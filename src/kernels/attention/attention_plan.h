// Internal to the attention kernel: key spans, the split-decoding plan and the
// sparse page selection (attention_sparse.cpp).
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/attention/attention.h"
#include "kernels/attention/attention_isa.h"

namespace edgelm::kernels {

// Key positions [begin, end).
struct Span {
  int64_t begin = 0, end = 0;
};

// Single-token decoding: the key spans of each range of heads_per_range KV
// heads (all of them when dense, one each when sparse), cut into n_splits
// parts of about equal key counts, and the parts' softmax states.
struct AttentionPlan {
  int heads_per_range = 1;
  std::vector<Span> spans;          // range g: [span_first[g], span_first[g + 1])
  std::vector<size_t> span_first;
  std::vector<Span> parts;          // part (g, i): [part_first[g * n_splits + i], ... + 1)
  std::vector<size_t> part_first;
  int n_splits = 1;
  std::vector<float> part_m, part_o;    // per (range, part, row of the range): max, unnormalised output
  std::vector<double> part_l;           // softmax sums
  std::vector<float> bounds;            // sparse: per query head and candidate page
  std::vector<int> pages;               // sparse: chosen pages of one KV head
};

// Pages (of kKvTile positions) always attended by a sparse decode: the first
// ones (attention sinks) and the newest ones (the local context).
constexpr int kSinkPages = 1;
constexpr int kRecentPages = 2;

// Sparse decoding applies: a single query of a full-attention layer with page
// summaries and more candidate pages than sparse_topk.
bool sparse_applies(const AttentionArgs& a, const KvView& kv);

// Fills plan.spans / plan.span_first with the pages each KV head attends to:
// the sinks, the recent pages and the sparse_topk candidates with the highest
// bound of q·k (the best over the group's query heads, each relative to its
// own best page). Deterministic; ties go to the older page.
void select_sparse_spans(const AttentionArgs& a, const KvView& kv, const AttentionKernels& isa, ThreadPool& pool,
                         AttentionPlan& plan);

}  // namespace edgelm::kernels
