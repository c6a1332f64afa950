// Everything a session remembers between calls: per-layer KV caches and
// recurrent states, laid out per layer kind. Full-attention layers keep every
// position; sliding-window layers keep a ring of window + batch slots (memory
// independent of context length); layers that read another layer's cache
// (Gemma 4 shared KV) hold nothing; recurrent layers hold only their state.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kernels/attention/attention.h"
#include "kernels/util/huge_pages.h"

namespace edgelm::memory {

using kernels::KvType;

// Cached keys or values. A long full-attention cache is read front to back
// by every decoded token, so it streams from memory like the weights do and
// goes on huge pages too (Gemma 4 E2B, 16k positions: 32 MiB per layer).
using KvBytes = std::vector<uint8_t, kernels::HugePageAllocator<uint8_t>>;

// What one layer needs to keep across tokens.
struct LayerMemorySpec {
  enum class Kind { None, Kv, Recurrent };
  Kind kind = Kind::None;
  // Kv
  int n_head_kv = 0;
  int head_dim_k = 0;
  int head_dim_v = 0;
  int window = 0;             // > 0: sliding-window layer, only the last `window` positions are read
  // Recurrent: sizes in floats
  int64_t conv_floats = 0;
  int64_t state_floats = 0;
};

struct StateOptions {
  int64_t n_ctx = 4096;       // positions a full-attention layer can hold
  int max_batch = 512;        // most tokens per forward call (sizes the sliding rings)
  KvType kv_type = KvType::F16;
  // > 0: single-token decoding of full-attention layers attends only to this
  // many pages of kernels::kKvTile positions (the ones with the highest bound
  // of q·k) plus the first and the newest pages; 0: dense attention.
  int sparse_topk = 0;
};

struct LayerKv {
  KvBytes k, v;
  int64_t capacity = 0;       // slots; position p lives in slot p % capacity
  KvType type = KvType::F16;
  int n_head_kv = 0, head_dim_k = 0, head_dim_v = 0;
  bool ring = false;          // slots are reused: old positions get overwritten
  bool sliding = false;       // a sliding-window layer (for accounting)
  // Q4: keys of the group being filled, unquantized until it is complete
  // ([kKvTile][n_head_kv * head_dim_k]; recent_group < 0: none).
  std::vector<float> k_recent;
  int64_t recent_group = -1;
  // Sparse decoding (full-attention layers): per page, KV head and channel,
  // the smallest and largest key ([page][n_head_kv][head_dim_k]).
  std::vector<float> page_min, page_max;
  int sparse_topk = 0;

  int64_t k_floats() const { return static_cast<int64_t>(n_head_kv) * head_dim_k; }
  size_t k_row_bytes() const { return kernels::kv_row_bytes(type, k_floats()); }
  size_t v_row_bytes() const { return kernels::kv_row_bytes(type, static_cast<int64_t>(n_head_kv) * head_dim_v); }
  size_t bytes() const;
  void store(int64_t pos, const float* k_row, const float* v_row);
  // After the state moved back to n_past (a full cache's later positions are
  // dropped): brings the Q4 recent group and the page bounds of the partial
  // page in line. A Q4 group that was quantized already is decoded again.
  void rewind(int64_t n_past);
  // Recomputes the page bounds of positions [begin, end) from the cache (begin
  // at a page start).
  void rebuild_pages(int64_t begin, int64_t end);
  kernels::KvView view() const;

 private:
  void update_page(int64_t pos, const float* k_row);
};

struct RecurrentLayer {
  std::vector<float> conv;    // last conv inputs, oldest first
  std::vector<float> state;   // recurrent matrices
};

// Bytes a session holds, by layer kind.
struct MemoryUsage {
  size_t full_kv = 0;
  size_t sliding_kv = 0;
  size_t recurrent = 0;
  size_t total() const { return full_kv + sliding_kv + recurrent; }
};

// A copy of a state at one position, for rewinding layers whose contents
// cannot be truncated (sliding rings, recurrent state).
struct Snapshot {
  int64_t n_past = 0;
  std::vector<KvBytes> ring_k, ring_v;                 // per layer (empty for full / none)
  std::vector<std::vector<float>> k_recent;           // per layer, Q4 only
  std::vector<int64_t> recent_group;
  std::vector<RecurrentLayer> recurrent;
  size_t bytes() const;
};

// What a state file must match besides the layout (State::load).
struct StateFileKey {
  uint64_t model_fingerprint = 0;  // gguf::File::header_fingerprint() of the model
  int32_t n_vocab = INT32_MAX;     // token ids must lie below it
};

class State {
 public:
  State(const std::vector<LayerMemorySpec>& specs, const StateOptions& options);

  int64_t n_ctx() const { return options_.n_ctx; }
  int max_batch() const { return options_.max_batch; }
  KvType kv_type() const { return options_.kv_type; }
  int64_t n_past() const { return n_past_; }
  void advance(int64_t n) { n_past_ += n; }
  void clear();   // forget everything: back to position 0

  // Rewinds to an earlier position. Only possible when no layer needs
  // snapshot data (i.e. every layer is full-attention or stateless).
  bool can_truncate() const;
  void truncate(int64_t n_past);

  Snapshot snapshot() const;
  void restore(const Snapshot& s);

  // Whole-state persistence; `tokens` are the tokens the state has seen.
  // load() checks that the file was made by the same model (fingerprint),
  // matches this state's layout, is intact (checksum) and holds only token
  // ids of the vocabulary, before it changes anything; it returns the tokens.
  void save(const std::string& path, const std::vector<int32_t>& tokens, uint64_t model_fingerprint = 0) const;
  std::vector<int32_t> load(const std::string& path, const StateFileKey& key = {});

  LayerKv& kv(int layer) { return kv_[layer]; }
  RecurrentLayer& recurrent(int layer) { return rec_[layer]; }
  MemoryUsage usage() const;
  size_t bytes() const { return usage().total(); }

 private:
  StateOptions options_;
  int64_t n_past_ = 0;
  std::vector<LayerKv> kv_;
  std::vector<RecurrentLayer> rec_;
};

// Bytes one layer of this spec holds at context n_ctx (for planning).
size_t layer_bytes(const LayerMemorySpec& spec, const StateOptions& options);

}  // namespace edgelm::memory
