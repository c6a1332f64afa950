// The attention driver. Work is cut into blocks of query rows: the query
// heads of one or more KV heads for a few tokens. A block walks its keys in
// tiles of kKvTile positions (aligned, so that a Q4 key group or a sparse page
// is one tile): the kernels read the tile's keys once for all the block's rows,
// straight from their encoding, each row's running max and sum are updated
// (online softmax), and the weighted values are added, reading each value row
// once.
//
// Prefill blocks are one KV head and a few tokens. Single-token decoding runs
// every KV head in one block (a cached row is contiguous over the heads, so
// the cache streams front to back once), which leaves threads idle at long
// context: the keys are cut into parts, by key count only so that results do
// not depend on the thread count, whose softmax states are merged at the end.
#include "kernels/attention/attention.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "edgelm/error.h"
#include "kernels/attention/attention_kv.h"
#include "kernels/attention/attention_plan.h"
#include "kernels/ops/ops.h"
#include "tensor/types.h"

namespace edgelm::kernels {

const AttentionKernels& attention_kernels() {
  switch (active_isa()) {
#if defined(EDGELM_HAVE_AVX512)
    case Isa::Avx512: return *attention_kernels_avx512();
#endif
#if defined(EDGELM_HAVE_AVX2)
    case Isa::Avx2: return *attention_kernels_avx2();
#endif
#if defined(EDGELM_HAVE_NEON)
    case Isa::Neon: return *attention_kernels_neon();
#endif
    default: return *attention_kernels_scalar();
  }
}

// Buffers of one thread: the block's packed queries and running softmax
// states, one tile of scores and the tile's key and value rows.
struct AttentionWorkspace {
  std::vector<float> q, o, m, s, k_transposed, q4_scale, q4_min;
  std::vector<double> l;
  std::vector<const void*> k_rows, v_rows;   // [head of the block][kKvTile]
};

AttentionScratch::AttentionScratch() = default;
AttentionScratch::~AttentionScratch() = default;
AttentionScratch::AttentionScratch(AttentionScratch&&) noexcept = default;
AttentionScratch& AttentionScratch::operator=(AttentionScratch&&) noexcept = default;

namespace {

constexpr int kBlockRows = 32;          // query rows (heads x tokens) a prefill block aims for
constexpr int64_t kSplitKeys = 256;     // decoding: keys per part at least ...
constexpr int kMaxSplits = 16;          // ... and at most this many parts (more cost merging than they balance)

struct Job {
  const AttentionArgs& a;
  const KvView& kv;
  const AttentionKernels& isa;
  int group;        // query heads per KV head
  bool precise;     // f32 cache: std::exp and the reference's order of sums

  int64_t pos(int t) const { return a.pos0 + t; }
  int64_t first_key(int t) const { return a.window > 0 ? std::max<int64_t>(0, pos(t) - a.window + 1) : 0; }
};

void reserve(AttentionWorkspace& w, int rows, int heads, int dk, int dv) {
  auto grow = [](auto& v, size_t n) {
    if (v.size() < n) v.resize(n);
  };
  grow(w.q, static_cast<size_t>(rows) * dk);
  grow(w.o, static_cast<size_t>(rows) * dv);
  grow(w.m, rows);
  grow(w.l, rows);
  grow(w.s, static_cast<size_t>(rows) * kKvTile);
  grow(w.k_transposed, static_cast<size_t>(kKvTile) * dk);
  grow(w.k_rows, static_cast<size_t>(kKvTile) * heads);
  grow(w.v_rows, static_cast<size_t>(kKvTile) * heads);
  grow(w.q4_scale, static_cast<size_t>(heads) * dk);
  grow(w.q4_min, static_cast<size_t>(heads) * dk);
}

// The slot after `slot` (rings wrap).
int next_slot(const KvView& kv, int slot) { return slot + 1 == kv.capacity ? 0 : slot + 1; }

RowFormat row_format(KvType type) {
  switch (type) {
    case KvType::F16: return RowFormat::F16;
    case KvType::Q8_0: return RowFormat::Q8_0;
    case KvType::Q4: return RowFormat::Q4_1;   // value rows; keys are grouped
    default: return RowFormat::F32;
  }
}

// Points rows[(g - g0) * kKvTile + j] at head g's part of the row of position
// kb + j in a row-per-position buffer with head size d.
void find_rows(const KvView& kv, const uint8_t* base, int d, int g0, int g1, int64_t kb, int n, const void** rows) {
  const size_t head_bytes = kv_row_bytes(kv.type, d), row_bytes = head_bytes * kv.n_head_kv;
  for (int j = 0, slot = static_cast<int>(kb % kv.capacity); j < n; ++j, slot = next_slot(kv, slot))
    for (int g = g0; g < g1; ++g) rows[(g - g0) * kKvTile + j] = base + slot * row_bytes + g * head_bytes;
}

// The key rows of a tile and their format. Q4 keys come per group: the
// recent one as f32 rows, the others as code rows with the group's scales and
// minimums (decoded to f32 per head into w.q4_scale / w.q4_min).
RowFormat find_keys(const Job& job, int g0, int g1, int64_t kb, int n, AttentionWorkspace& w) {
  const KvView& kv = job.kv;
  const int dk = kv.head_dim_k;
  if (kv.type != KvType::Q4) {
    find_rows(kv, kv.k, dk, g0, g1, kb, n, w.k_rows.data());
    return row_format(kv.type);
  }
  const int64_t stride = static_cast<int64_t>(kv.n_head_kv) * dk;
  const bool recent = kb / kKvTile == kv.recent_group;
  for (int g = g0; g < g1; ++g) {
    const void** rows = w.k_rows.data() + (g - g0) * kKvTile;
    if (recent) {
      for (int j = 0; j < n; ++j) rows[j] = kv.k_recent + ((kb + j) % kKvTile) * stride + g * dk;
      continue;
    }
    const uint8_t* head = q4_key_head(kv, kb, g);
    job.isa.decode_f16(head, w.q4_scale.data() + static_cast<size_t>(g - g0) * dk, dk);
    job.isa.decode_f16(head + 2 * static_cast<size_t>(dk), w.q4_min.data() + static_cast<size_t>(g - g0) * dk, dk);
    const uint8_t* codes = head + 4 * static_cast<size_t>(dk);
    for (int j = 0; j < n; ++j) rows[j] = codes + ((kb + j) % kKvTile) * (dk / 2);
  }
  return recent ? RowFormat::F32 : RowFormat::Q4Key;
}

// Asks for heads [g0, g1) of the tile at kb one tile ahead of use: at long
// context the cache streams from DRAM (worth about 10% at 64k keys). When the
// block reads whole rows and the tile does not wrap around the ring, its keys
// and values are contiguous and the kernels request them bit by bit while
// they work on the current tile (ahead_k, ahead_v); otherwise all at once.
void prefetch_tile(const KvView& kv, int g0, int g1, int64_t kb, PrefetchStream& ahead_k, PrefetchStream& ahead_v) {
  const size_t vh = kv_row_bytes(kv.type, kv.head_dim_v), kh = kv_row_bytes(kv.type, kv.head_dim_k);
  const size_t v_row = vh * kv.n_head_kv, k_row = kh * kv.n_head_kv;
  const int64_t slot0 = kb % kv.capacity;
  if (g0 == 0 && g1 == kv.n_head_kv && slot0 + kKvTile <= kv.capacity) {
    ahead_v = {kv.v + slot0 * v_row, kv.v + (slot0 + kKvTile) * v_row};
    if (kv.type == KvType::Q4) {
      const uint8_t* keys = q4_key_head(kv, kb, g0);
      ahead_k = {keys, keys + (g1 - g0) * q4_key_head_bytes(kv.head_dim_k)};
    } else {
      ahead_k = {kv.k + slot0 * k_row, kv.k + (slot0 + kKvTile) * k_row};
    }
    return;
  }
  auto lines = [](const uint8_t* p, size_t n) { PrefetchStream{p, p + n}.finish(); };
  for (int j = 0, slot = static_cast<int>(slot0); j < kKvTile; ++j, slot = next_slot(kv, slot)) {
    lines(kv.v + slot * v_row + g0 * vh, (g1 - g0) * vh);
    if (kv.type != KvType::Q4) lines(kv.k + slot * k_row + g0 * kh, (g1 - g0) * kh);
  }
  if (kv.type == KvType::Q4) lines(q4_key_head(kv, kb, g0), (g1 - g0) * q4_key_head_bytes(kv.head_dim_k));
}

// Row r's scores s[lo, hi) of a tile of n keys become weights relative to the
// row's running max (rescaling its earlier sum and output when the max grows);
// the weights of keys outside [lo, hi) are zeroed.
void softmax_update(const Job& job, AttentionWorkspace& w, int r, int lo, int hi, int n) {
  float* s = w.s.data() + static_cast<size_t>(r) * kKvTile;
  const float tile_max = job.isa.max_of(s + lo, hi - lo);
  float& m = w.m[r];
  double& l = w.l[r];
  if (tile_max > m) {
    if (l > 0.0) {
      const float alpha = std::exp(m - tile_max);
      l *= alpha;
      job.isa.multiply(w.o.data() + static_cast<size_t>(r) * job.kv.head_dim_v, job.kv.head_dim_v, alpha);
    }
    m = tile_max;
  }
  if (job.precise) {
    for (int j = lo; j < hi; ++j) {
      s[j] = std::exp(s[j] - m);
      l += s[j];
    }
  } else {
    l += job.isa.exp_shifted(s + lo, hi - lo, m);
  }
  std::fill(s, s + lo, 0.0f);
  std::fill(s + hi, s + n, 0.0f);
}

// KV heads [g0, g1) and tokens [t0, t1); row ((g - g0) * tokens + t - t0) *
// group + h belongs to query head g * group + h of token t.
struct Block {
  int g0, g1, t0, t1;
  int tokens() const { return t1 - t0; }
  int rows(int group) const { return (g1 - g0) * tokens() * group; }
  int row(int group, int g, int t) const { return ((g - g0) * tokens() + t - t0) * group; }
};

// Scores KV head g's rows [r0, r0 + rows) (tokens from t_lo) against the
// tile's keys [kb, ke) and turns them into softmax weights.
void score_head(const Job& job, const Block& b, int g, int t_lo, int rows, int64_t kb, int64_t ke, RowFormat format,
                AttentionWorkspace& w, PrefetchStream& ahead) {
  const int dk = job.kv.head_dim_k, n = static_cast<int>(ke - kb);
  const int r0 = b.row(job.group, g, t_lo);
  const float* q = w.q.data() + static_cast<size_t>(r0) * dk;
  const void* const* k = w.k_rows.data() + (g - b.g0) * kKvTile;
  float* s = w.s.data() + static_cast<size_t>(r0) * kKvTile;
  if (job.precise) {
    float* kt = w.k_transposed.data();
    for (int j = 0; j < n; ++j)
      for (int c = 0; c < dk; ++c) kt[c * kKvTile + j] = static_cast<const float*>(k[j])[c];
    job.isa.exact_scores(q, rows, kt, n, dk, job.a.scale, s, kKvTile);
  } else {
    const size_t at = static_cast<size_t>(g - b.g0) * dk;
    job.isa.scores[static_cast<int>(format)](q, rows, k, n, dk, job.a.scale, s, kKvTile,
                                            RowAux{w.q4_scale.data() + at, w.q4_min.data() + at}, ahead);
  }
  for (int i = 0; i < rows; ++i) {
    const int t = t_lo + i / job.group;
    const int lo = static_cast<int>(std::max(kb, job.first_key(t)) - kb);
    const int hi = static_cast<int>(std::min(ke, job.pos(t) + 1) - kb);
    softmax_update(job, w, r0 + i, lo, hi, n);
  }
}

// Keys [kb, ke) (within one aligned tile) for every row of the block.
void process_tile(const Job& job, const Block& b, int64_t kb, int64_t ke, AttentionWorkspace& w,
                  PrefetchStream& ahead_k, PrefetchStream& ahead_v) {
  // Tokens that see any key of the tile: pos(t) >= kb and first_key(t) < ke.
  const int t_lo = static_cast<int>(std::clamp<int64_t>(kb - job.a.pos0, b.t0, b.t1));
  int t_hi = b.t1;
  if (job.a.window > 0) t_hi = static_cast<int>(std::clamp<int64_t>(ke - job.a.pos0 + job.a.window - 1, t_lo, b.t1));
  if (t_lo >= t_hi) return;
  const int rows = (t_hi - t_lo) * job.group;   // per KV head
  const int n = static_cast<int>(ke - kb), dv = job.kv.head_dim_v;

  const RowFormat key_format = find_keys(job, b.g0, b.g1, kb, n, w);
  for (int g = b.g0; g < b.g1; ++g) score_head(job, b, g, t_lo, rows, kb, ke, key_format, w, ahead_k);
  find_rows(job.kv, job.kv.v, dv, b.g0, b.g1, kb, n, w.v_rows.data());
  const AccumulateFn accumulate = job.isa.accumulate[static_cast<int>(row_format(job.kv.type))];
  for (int g = b.g0; g < b.g1; ++g) {
    const int r0 = b.row(job.group, g, t_lo);
    accumulate(w.s.data() + static_cast<size_t>(r0) * kKvTile, kKvTile, rows, w.v_rows.data() + (g - b.g0) * kKvTile, n,
               dv, w.o.data() + static_cast<size_t>(r0) * dv, ahead_v);
  }
}

// Runs the block over the given key spans, leaving each row's max, sum and
// unnormalised output in w. A block of several KV heads reads each cached
// row once for all of them.
void run_block(const Job& job, const Block& b, const Span* spans, size_t n_spans, AttentionWorkspace& w) {
  const int rows = b.rows(job.group);
  const int dk = job.kv.head_dim_k, dv = job.kv.head_dim_v;
  reserve(w, rows, b.g1 - b.g0, dk, dv);
  for (int g = b.g0; g < b.g1; ++g)
    for (int t = b.t0; t < b.t1; ++t)
      std::memcpy(w.q.data() + static_cast<size_t>(b.row(job.group, g, t)) * dk,
                  job.a.q + t * job.a.q_stride + static_cast<int64_t>(g * job.group) * dk,
                  sizeof(float) * dk * job.group);
  std::fill(w.m.begin(), w.m.begin() + rows, -std::numeric_limits<float>::infinity());
  std::fill(w.l.begin(), w.l.begin() + rows, 0.0);
  std::fill(w.o.begin(), w.o.begin() + static_cast<size_t>(rows) * dv, 0.0f);
  uint32_t k_steps = 0, v_steps = 0;   // the previous tile's steps of the two passes
  for (size_t i = 0; i < n_spans; ++i)
    for (int64_t kb = spans[i].begin, ke; kb < spans[i].end; kb = ke) {
      ke = std::min(spans[i].end, (kb / kKvTile + 1) * kKvTile);
      PrefetchStream ahead_k, ahead_v;
      if (ke < spans[i].end) prefetch_tile(job.kv, b.g0, b.g1, ke, ahead_k, ahead_v);
      ahead_k.pace(k_steps);
      ahead_v.pace(v_steps);
      process_tile(job, b, kb, ke, w, ahead_k, ahead_v);
      k_steps = ahead_k.steps;
      v_steps = ahead_v.steps;
      ahead_k.finish();
      ahead_v.finish();
    }
}

float* out_row(const Job& job, int g, int t, int h) {
  return job.a.out + t * job.a.out_stride + static_cast<int64_t>(g * job.group + h) * job.kv.head_dim_v;
}

void write_rows(const Job& job, const Block& b, const AttentionWorkspace& w) {
  const int dv = job.kv.head_dim_v;
  for (int g = b.g0; g < b.g1; ++g)
    for (int t = b.t0; t < b.t1; ++t)
      for (int h = 0; h < job.group; ++h) {
        const int r = b.row(job.group, g, t) + h;
        const float inv = w.l[r] > 0.0 ? static_cast<float>(1.0 / w.l[r]) : 0.0f;
        float* out = out_row(job, g, t, h);
        std::memcpy(out, w.o.data() + static_cast<size_t>(r) * dv, sizeof(float) * dv);
        job.isa.multiply(out, dv, inv);
      }
}

AttentionWorkspace& workspace(AttentionScratch& scratch, int thread) {
  auto& slot = scratch.per_thread[thread];
  if (!slot) slot = std::make_unique<AttentionWorkspace>();
  return *slot;
}

void prefill(const Job& job, ThreadPool& pool, AttentionScratch& scratch) {
  const int n_kv = job.kv.n_head_kv;
  const int tokens_per_block = std::max(1, kBlockRows / job.group);
  const int n_blocks = (job.a.n_tokens + tokens_per_block - 1) / tokens_per_block;
  pool.parallel_for(static_cast<int64_t>(n_blocks) * n_kv, 1, [&](int thread, int64_t begin, int64_t end) {
    AttentionWorkspace& w = workspace(scratch, thread);
    for (int64_t item = begin; item < end; ++item) {
      const int g = static_cast<int>(item % n_kv);
      const int t0 = static_cast<int>(item / n_kv) * tokens_per_block;
      const Block b{g, g + 1, t0, std::min(job.a.n_tokens, t0 + tokens_per_block)};
      const Span keys{job.first_key(b.t0), job.pos(b.t1 - 1) + 1};
      run_block(job, b, &keys, 1, w);
      write_rows(job, b, w);
    }
  });
}

// Cuts each range's spans into plan.n_splits parts of `chunk` keys (the last
// ones may be shorter or empty).
void split_spans(AttentionPlan& plan) {
  const int n_ranges = static_cast<int>(plan.span_first.size()) - 1;
  int64_t most = 0;
  for (int g = 0; g < n_ranges; ++g) {
    int64_t n = 0;
    for (size_t i = plan.span_first[g]; i < plan.span_first[g + 1]; ++i) n += plan.spans[i].end - plan.spans[i].begin;
    most = std::max(most, n);
  }
  plan.n_splits = static_cast<int>(std::clamp<int64_t>(most / kSplitKeys, 1, kMaxSplits));
  const int64_t per_part = (most + plan.n_splits - 1) / plan.n_splits;
  const int64_t chunk = (per_part + kKvTile - 1) / kKvTile * kKvTile;
  plan.parts.clear();
  plan.part_first.clear();
  for (int g = 0; g < n_ranges; ++g)
    for (int part = 0; part < plan.n_splits; ++part) {
      plan.part_first.push_back(plan.parts.size());
      const int64_t lo = part * chunk, hi = lo + chunk;   // key indices of the part
      int64_t index = 0;                                  // key index of the span's first key
      for (size_t i = plan.span_first[g]; i < plan.span_first[g + 1]; ++i) {
        const Span& s = plan.spans[i];
        const int64_t a = std::max(lo, index), b = std::min(hi, index + s.end - s.begin);
        if (a < b) plan.parts.push_back({s.begin + (a - index), s.begin + (b - index)});
        index += s.end - s.begin;
      }
    }
  plan.part_first.push_back(plan.parts.size());
}

// Combines the parts of each query head: out = sum_i o_i e^(m_i - m) / sum_i
// l_i e^(m_i - m). Head h of the layer is row h % rows of its range's parts.
void merge_parts(const Job& job, const AttentionPlan& plan) {
  const int dv = job.kv.head_dim_v, rows = plan.heads_per_range * job.group;
  for (int head = 0; head < job.a.n_head; ++head) {
    const int range = head / rows;
    auto at = [&](int part) { return (static_cast<size_t>(range) * plan.n_splits + part) * rows + head % rows; };
    float m = -std::numeric_limits<float>::infinity();
    for (int i = 0; i < plan.n_splits; ++i)
      if (plan.part_l[at(i)] > 0.0) m = std::max(m, plan.part_m[at(i)]);
    float* out = out_row(job, 0, 0, head);
    std::fill(out, out + dv, 0.0f);
    double l = 0.0;
    for (int i = 0; i < plan.n_splits; ++i) {
      if (!(plan.part_l[at(i)] > 0.0)) continue;
      const float alpha = std::exp(plan.part_m[at(i)] - m);
      l += plan.part_l[at(i)] * alpha;
      job.isa.add_scaled(out, plan.part_o.data() + at(i) * dv, dv, alpha);
    }
    job.isa.multiply(out, dv, l > 0.0 ? static_cast<float>(1.0 / l) : 0.0f);
  }
}

// One token: dense attention reads every KV head in one pass over the keys
// (a cached row is contiguous over heads); sparse attention has its own
// pages per KV head.
void decode(const Job& job, ThreadPool& pool, AttentionScratch& scratch) {
  if (!scratch.plan) scratch.plan = std::make_unique<AttentionPlan>();
  AttentionPlan& plan = *scratch.plan;
  const int n_kv = job.kv.n_head_kv, dv = job.kv.head_dim_v;
  if (sparse_applies(job.a, job.kv)) {
    select_sparse_spans(job.a, job.kv, job.isa, pool, plan);
    plan.heads_per_range = 1;
  } else {
    plan.spans.assign(1, Span{job.first_key(0), job.pos(0) + 1});
    plan.span_first = {0, 1};
    plan.heads_per_range = n_kv;
  }
  split_spans(plan);
  const int rows = plan.heads_per_range * job.group;
  const int64_t n_items = static_cast<int64_t>(n_kv / plan.heads_per_range) * plan.n_splits;
  plan.part_m.resize(n_items * rows);
  plan.part_l.resize(n_items * rows);
  plan.part_o.resize(n_items * rows * dv);
  pool.parallel_for(n_items, 1, [&](int thread, int64_t begin, int64_t end) {
    AttentionWorkspace& w = workspace(scratch, thread);
    for (int64_t item = begin; item < end; ++item) {
      const int g0 = static_cast<int>(item / plan.n_splits) * plan.heads_per_range;
      const Block b{g0, g0 + plan.heads_per_range, 0, 1};
      run_block(job, b, plan.parts.data() + plan.part_first[item], plan.part_first[item + 1] - plan.part_first[item], w);
      if (plan.n_splits == 1) {
        write_rows(job, b, w);
        continue;
      }
      std::copy(w.m.begin(), w.m.begin() + rows, plan.part_m.begin() + item * rows);
      std::copy(w.l.begin(), w.l.begin() + rows, plan.part_l.begin() + item * rows);
      std::copy(w.o.begin(), w.o.begin() + static_cast<size_t>(rows) * dv, plan.part_o.begin() + item * rows * dv);
    }
  });
  if (plan.n_splits > 1) merge_parts(job, plan);
}

// F32 caches: every query in the order of llama.cpp's CPU path without flash
// attention (as built for x86 AVX2), so that its logits can be reproduced bit
// for bit: q·k as ggml's F32 dot (vec_dot_ref), times the scale; the softmax
// over the key slots padded to a multiple of 32 (slot = position, as in a
// full cache; a sliding window from its first whole group of 32), e^x by ggml's vector exponential, the weights of each 8 slots
// added in float as a tree ((0+4)+(2+6))+((1+5)+(3+7)) and those sums in
// double, each weight multiplied by (float)(1/sum); output channel d as ggml's
// F32 dot of the values' column d with the weights. One query head per work
// item, so the results do not depend on the thread count or on how the
// queries are batched.
// out[d] = Σ_i weight[i]·row(i)[d] over slots [lo, hi] in the order of
// vec_dot_ref's F32 dot over the slots (the weights outside are 0): slot i
// feeds running sum i % kF32Lanes by a fused multiply-add, then the sums are
// folded as there. Rows are read whole, one after another.
template <class Row>
#if defined(__x86_64__)
__attribute__((target_clones("fma", "default")))
#endif
void weighted_values(const float* weight, int64_t lo, int64_t hi, Row row, int dv, std::vector<float>& lanes,
                     float* out) {
  lanes.assign(static_cast<size_t>(kF32Lanes) * dv, 0.0f);
  for (int64_t i = lo; i <= hi; ++i) {
    const float* v = row(i);
    float* acc = lanes.data() + (i % kF32Lanes) * dv;
    for (int d = 0; d < dv; ++d) acc[d] = std::fma(v[d], weight[i], acc[d]);
  }
  for (int half = kF32Lanes / 2; half >= 4; half /= 2)
    for (int l = 0; l < half; ++l)
      for (int d = 0; d < dv; ++d) lanes[l * dv + d] += lanes[(l + half) * dv + d];
  for (int d = 0; d < dv; ++d) out[d] = (lanes[d] + lanes[dv + d]) + (lanes[2 * dv + d] + lanes[3 * dv + d]);
}

void attend_in_reference_order(const Job& job, ThreadPool& pool) {
  const AttentionArgs& a = job.a;
  const KvView& kv = job.kv;
  const int dk = kv.head_dim_k, dv = kv.head_dim_v;
  const size_t k_row = kv.k_row_bytes(), v_row = kv.v_row_bytes();
  auto key = [&](int64_t p, int g) {
    return reinterpret_cast<const float*>(kv.k + (p % kv.capacity) * k_row) + static_cast<int64_t>(g) * dk;
  };
  auto value = [&](int64_t p, int g) {
    return reinterpret_cast<const float*>(kv.v + (p % kv.capacity) * v_row) + static_cast<int64_t>(g) * dv;
  };
  const int64_t items = static_cast<int64_t>(a.n_tokens) * a.n_head;
  pool.parallel_for(items, 1, [&](int, int64_t begin, int64_t end) {
    std::vector<float> weight, lanes;
    for (int64_t item = begin; item < end; ++item) {
      const int t = static_cast<int>(item / a.n_head), h = static_cast<int>(item % a.n_head), g = h / job.group;
      const int64_t first = job.first_key(t), last = job.pos(t);
      // Slot i holds position base + i (base = 0 for full attention; a
      // sliding window starts at its first whole 32-slot group).
      const int64_t base = first / 32 * 32, slots = (last + 1 - base + 31) / 32 * 32;
      const int64_t lo = first - base, hi = last - base;
      weight.assign(slots, 0.0f);
      const float* q = a.q + t * a.q_stride + static_cast<int64_t>(h) * dk;
      float max = -std::numeric_limits<float>::infinity();
      for (int64_t i = lo; i <= hi; ++i) {
        weight[i] = vec_dot_ref(GgmlType::F32, key(base + i, g), q, dk) * a.scale;
        max = std::max(max, weight[i]);
      }
      double sum = 0.0;
      for (int64_t b = 0; b < slots; b += 8) {
        float e[8];
        for (int j = 0; j < 8; ++j) {
          const int64_t i = b + j;
          e[j] = i >= lo && i <= hi ? exp_vec(weight[i] - max) : 0.0f;
          weight[i] = e[j];
        }
        sum += static_cast<double>(((e[0] + e[4]) + (e[2] + e[6])) + ((e[1] + e[5]) + (e[3] + e[7])));
      }
      const float inv = static_cast<float>(1.0 / sum);
      for (float& w : weight) w *= inv;
      weighted_values(weight.data(), lo, hi, [&](int64_t i) { return value(base + i, g); }, dv, lanes,
                      a.out + t * a.out_stride + static_cast<int64_t>(h) * dv);
    }
  });
}

}  // namespace

void attention(const AttentionArgs& a, const KvView& kv, ThreadPool& pool, AttentionScratch& scratch) {
  if (a.n_tokens <= 0) return;
  if (kv.n_head_kv <= 0 || a.n_head % kv.n_head_kv != 0 || kv.head_dim_k <= 0 || kv.head_dim_v <= 0)
    throw Error("attention: " + std::to_string(a.n_head) + " query heads do not group over " +
                std::to_string(kv.n_head_kv) + " KV heads");
  if (kv.type == KvType::Q4 && (kv.capacity % kKvTile || kv.head_dim_k % 32 || kv.head_dim_v % 32))
    throw Error("attention: a q4 cache needs a capacity and head dims divisible by 32");
  const Job job{a, kv, attention_kernels(), a.n_head / kv.n_head_kv, kv.type == KvType::F32};
  // f32 caches take llama.cpp's order, unless sparse decoding skips pages.
  if (kv.type == KvType::F32 && !sparse_applies(a, kv)) return attend_in_reference_order(job, pool);
  scratch.per_thread.resize(std::max<size_t>(scratch.per_thread.size(), pool.size()));
  if (a.n_tokens == 1) decode(job, pool, scratch);
  else prefill(job, pool, scratch);
}

}  // namespace edgelm::kernels
