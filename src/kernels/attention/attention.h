// Causal (optionally sliding-window) grouped-query attention of a batch of
// queries against a key/value cache, flash style: keys and values are read in
// tiles straight from their cache encoding (f32, f16, Q8_0 or the 4-bit KIVI
// layout), every query head of a KV group shares each decoded tile, and a
// running max/sum per query (online softmax) replaces the full score row.
// Single-token decoding splits the key range across threads and merges the
// partial softmax states; it can also attend to a query-dependent subset of
// key pages only (Quest-style sparse attention, KvView::sparse_topk).
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/util/threadpool.h"

namespace edgelm::kernels {

// How cached key/value rows are encoded. Q8_0 quantizes each head's vector in
// blocks of 32. Q4 is KIVI-style: values per token in 4-bit blocks of 32
// channels with scale and minimum (the Q4_1 block), keys per channel over
// groups of 32 positions (see attention_kv.h); the newest, incomplete key
// group stays unquantized. Q8_0 and Q4 need head dims divisible by 32.
enum class KvType { F32, F16, Q8_0, Q4 };
const char* kv_type_name(KvType t);                  // "f32", "f16", "q8_0", "q4"
bool parse_kv_type(const char* name, KvType* out);
// Bytes of n encoded values of one position. For Q4 keys, which are stored
// per group of positions, this is the average (group bytes / 32).
size_t kv_row_bytes(KvType t, int64_t n);
// One position's row. For Q4 these are value rows; keys go through
// kv_encode_key_group (attention_kv.h).
void kv_encode(KvType t, const float* x, uint8_t* out, int64_t n);
void kv_decode(KvType t, const uint8_t* in, float* x, int64_t n);

// Positions per tile of the kernel, per Q4 key group and per sparse page.
constexpr int kKvTile = 32;

// Keys and values of one layer. Position p is stored in slot p % capacity, so
// the same code serves a full cache (capacity >= context) and a ring buffer
// for sliding-window layers. For Q4 the capacity is a multiple of kKvTile and
// key group g = p / kKvTile lives in group slot (p % capacity) / kKvTile.
struct KvView {
  KvType type = KvType::F32;
  const uint8_t* k = nullptr;
  const uint8_t* v = nullptr;
  int64_t capacity = 0;
  int n_head_kv = 0;
  int head_dim_k = 0;
  int head_dim_v = 0;
  // Q4: the key group being filled, unquantized rows [kKvTile][n_head_kv * head_dim_k]
  // of positions recent_group * kKvTile + i (recent_group < 0: none).
  const float* k_recent = nullptr;
  int64_t recent_group = -1;
  // Sparse decoding of full-attention layers (0 = off): per page of kKvTile
  // positions and KV head, the per-channel minimum and maximum of the keys,
  // [page][n_head_kv][head_dim_k]. A single-token query then attends to the
  // first page, the two newest pages and the sparse_topk pages with the
  // highest upper bound of q·k.
  const float* page_min = nullptr;
  const float* page_max = nullptr;
  int sparse_topk = 0;
  size_t k_row_bytes() const { return kv_row_bytes(type, static_cast<int64_t>(n_head_kv) * head_dim_k); }
  size_t v_row_bytes() const { return kv_row_bytes(type, static_cast<int64_t>(n_head_kv) * head_dim_v); }
};

struct AttentionArgs {
  const float* q = nullptr;   // [n_tokens][n_head][head_dim_k] with row stride q_stride
  int64_t q_stride = 0;
  int n_tokens = 0;
  int n_head = 0;
  int64_t pos0 = 0;           // position of the first query
  float scale = 1.0f;
  int window = 0;             // 0: plain causal; else keys with p_q - p_k < window
  float* out = nullptr;       // [n_tokens][n_head][head_dim_v] with row stride out_stride
  int64_t out_stride = 0;
};

struct AttentionWorkspace;   // per-thread tiles (attention.cpp)
struct AttentionPlan;        // split and sparse decoding state (attention.cpp)

// Buffers reused across calls, so steady-state decoding does not allocate.
struct AttentionScratch {
  AttentionScratch();
  ~AttentionScratch();
  AttentionScratch(AttentionScratch&&) noexcept;
  AttentionScratch& operator=(AttentionScratch&&) noexcept;
  std::vector<std::unique_ptr<AttentionWorkspace>> per_thread;
  std::unique_ptr<AttentionPlan> plan;
};

// Every query attends to the keys at positions <= its own (and within the
// window); those positions must be in the cache. Results do not depend on the
// thread count. With an f32 cache (the reference mode) every query is
// computed in the order of llama.cpp's x86 CPU path without flash attention,
// which reproduces its logits bit for bit (attention.cpp
// attend_in_reference_order); not the fast path, except under sparse decoding.
void attention(const AttentionArgs& a, const KvView& kv, ThreadPool& pool, AttentionScratch& scratch);

}  // namespace edgelm::kernels
