#include "memory/state.h"

#include <algorithm>
#include <cstring>

#include "edgelm/error.h"
#include "kernels/attention/attention_kv.h"

namespace edgelm::memory {
namespace {

using kernels::kKvTile;

int64_t round_up(int64_t n, int64_t m) { return (n + m - 1) / m * m; }

// A sliding layer must hold the window plus every token of a batch: all of a
// batch's keys are written before its first query attends. Q4 keys are
// written a whole group at a time, so a Q4 ring holds one group more, in
// whole groups.
int64_t ring_capacity(const LayerMemorySpec& s, const StateOptions& o) {
  const int64_t need = static_cast<int64_t>(s.window) + o.max_batch;
  if (o.kv_type == KvType::Q4) return std::min(round_up(o.n_ctx, kKvTile), round_up(need, kKvTile) + kKvTile);
  return std::min<int64_t>(o.n_ctx, need);
}

int64_t capacity_of(const LayerMemorySpec& s, const StateOptions& o) {
  if (s.window > 0) return ring_capacity(s, o);
  return o.kv_type == KvType::Q4 ? round_up(o.n_ctx, kKvTile) : o.n_ctx;
}

bool has_pages(const LayerMemorySpec& s, const StateOptions& o) { return o.sparse_topk > 0 && s.window == 0; }

}  // namespace

void LayerKv::store(int64_t pos, const float* k_row, const float* v_row) {
  const int64_t slot = pos % capacity;
  kernels::kv_encode(type, v_row, v.data() + slot * v_row_bytes(), static_cast<int64_t>(n_head_kv) * head_dim_v);
  if (!page_min.empty()) update_page(pos, k_row);
  if (type != KvType::Q4) {
    kernels::kv_encode(type, k_row, k.data() + slot * k_row_bytes(), k_floats());
    return;
  }
  std::memcpy(k_recent.data() + (pos % kKvTile) * k_floats(), k_row, sizeof(float) * k_floats());
  recent_group = pos / kKvTile;
  if (pos % kKvTile != kKvTile - 1) return;
  uint8_t* group = k.data() + (slot / kKvTile) * kKvTile * k_row_bytes();
  for (int h = 0; h < n_head_kv; ++h)
    kernels::q4_encode_key_group(k_recent.data() + h * head_dim_k, k_floats(), head_dim_k,
                                 group + h * kernels::q4_key_head_bytes(head_dim_k));
  recent_group = -1;
}

void LayerKv::update_page(int64_t pos, const float* k_row) {
  const int64_t n = k_floats();
  float* lo = page_min.data() + (pos / kKvTile) * n;
  float* hi = page_max.data() + (pos / kKvTile) * n;
  const bool first = pos % kKvTile == 0;
  for (int64_t i = 0; i < n; ++i) {
    lo[i] = first ? k_row[i] : std::min(lo[i], k_row[i]);
    hi[i] = first ? k_row[i] : std::max(hi[i], k_row[i]);
  }
}

void LayerKv::rebuild_pages(int64_t begin, int64_t end) {
  std::vector<float> key(k_floats());
  const kernels::KvView kv = view();
  for (int64_t pos = begin; pos < end; ++pos) {
    kernels::kv_read_key(kv, pos, key.data());
    update_page(pos, key.data());
  }
}

void LayerKv::rewind(int64_t n_past) {
  const int64_t group = n_past / kKvTile, in_group = n_past % kKvTile;
  if (type == KvType::Q4 && in_group == 0) recent_group = -1;
  if (type == KvType::Q4 && in_group != 0 && recent_group != group) {
    const kernels::KvView kv = view();
    for (int64_t pos = group * kKvTile; pos < n_past; ++pos)
      kernels::kv_read_key(kv, pos, k_recent.data() + (pos % kKvTile) * k_floats());
    recent_group = group;
  }
  if (!page_min.empty() && in_group != 0) rebuild_pages(group * kKvTile, n_past);
}

size_t LayerKv::bytes() const {
  return k.size() + v.size() + (k_recent.size() + page_min.size() + page_max.size()) * sizeof(float);
}

kernels::KvView LayerKv::view() const {
  kernels::KvView view;
  view.type = type;
  view.k = k.data();
  view.v = v.data();
  view.capacity = capacity;
  view.n_head_kv = n_head_kv;
  view.head_dim_k = head_dim_k;
  view.head_dim_v = head_dim_v;
  view.k_recent = k_recent.data();
  view.recent_group = recent_group;
  if (!page_min.empty()) {
    view.page_min = page_min.data();
    view.page_max = page_max.data();
    view.sparse_topk = sparse_topk;
  }
  return view;
}

size_t layer_bytes(const LayerMemorySpec& s, const StateOptions& o) {
  if (s.kind == LayerMemorySpec::Kind::Recurrent) return (s.conv_floats + s.state_floats) * sizeof(float);
  if (s.kind != LayerMemorySpec::Kind::Kv) return 0;
  const int64_t cap = capacity_of(s, o);
  const int64_t k_floats = static_cast<int64_t>(s.n_head_kv) * s.head_dim_k;
  size_t bytes = cap * (kernels::kv_row_bytes(o.kv_type, k_floats) +
                        kernels::kv_row_bytes(o.kv_type, static_cast<int64_t>(s.n_head_kv) * s.head_dim_v));
  if (o.kv_type == KvType::Q4) bytes += kKvTile * k_floats * sizeof(float);
  if (has_pages(s, o)) bytes += 2 * ((cap + kKvTile - 1) / kKvTile) * k_floats * sizeof(float);
  return bytes;
}

State::State(const std::vector<LayerMemorySpec>& specs, const StateOptions& options)
    : options_(options), kv_(specs.size()), rec_(specs.size()) {
  if (options_.n_ctx <= 0 || options_.max_batch <= 0) throw Error("context and batch sizes must be positive");
  if (options_.sparse_topk < 0) throw Error("the number of sparse attention pages must not be negative");
  for (size_t i = 0; i < specs.size(); ++i) {
    const LayerMemorySpec& s = specs[i];
    if (s.kind == LayerMemorySpec::Kind::Kv) {
      const bool blocks = options_.kv_type == KvType::Q8_0 || options_.kv_type == KvType::Q4;
      if (blocks && (s.head_dim_k % 32 || s.head_dim_v % 32))
        throw Error(std::string("KV cache type ") + kernels::kv_type_name(options_.kv_type) +
                    " needs head dimensions divisible by 32 (layer " + std::to_string(i) + " has " +
                    std::to_string(s.head_dim_k) + " and " + std::to_string(s.head_dim_v) + ")");
      LayerKv& c = kv_[i];
      c.type = options_.kv_type;
      c.capacity = capacity_of(s, options_);
      c.ring = s.window > 0 && c.capacity < options_.n_ctx;
      c.sliding = s.window > 0;
      c.n_head_kv = s.n_head_kv;
      c.head_dim_k = s.head_dim_k;
      c.head_dim_v = s.head_dim_v;
      c.k.assign(c.capacity * c.k_row_bytes(), 0);
      c.v.assign(c.capacity * c.v_row_bytes(), 0);
      if (c.type == KvType::Q4) c.k_recent.assign(kKvTile * c.k_floats(), 0.0f);
      if (has_pages(s, options_)) {
        const int64_t pages = (c.capacity + kKvTile - 1) / kKvTile;
        c.page_min.assign(pages * c.k_floats(), 0.0f);
        c.page_max.assign(pages * c.k_floats(), 0.0f);
        c.sparse_topk = options_.sparse_topk;
      }
    } else if (s.kind == LayerMemorySpec::Kind::Recurrent) {
      rec_[i].conv.assign(s.conv_floats, 0.0f);
      rec_[i].state.assign(s.state_floats, 0.0f);
    }
  }
}

void State::clear() {
  n_past_ = 0;
  for (LayerKv& c : kv_) c.recent_group = -1;
  for (RecurrentLayer& r : rec_) {
    std::fill(r.conv.begin(), r.conv.end(), 0.0f);
    std::fill(r.state.begin(), r.state.end(), 0.0f);
  }
}

bool State::can_truncate() const {
  for (size_t i = 0; i < kv_.size(); ++i)
    if (kv_[i].ring || !rec_[i].state.empty()) return false;
  return true;
}

void State::truncate(int64_t n_past) {
  if (n_past < 0 || n_past > n_past_) throw Error("cannot truncate the state forward");
  if (n_past < n_past_ && !can_truncate()) throw Error("this model's state cannot be rewound without a snapshot");
  n_past_ = n_past;
  for (LayerKv& c : kv_) c.rewind(n_past);
}

Snapshot State::snapshot() const {
  Snapshot s;
  s.n_past = n_past_;
  s.ring_k.resize(kv_.size());
  s.ring_v.resize(kv_.size());
  s.k_recent.resize(kv_.size());
  s.recent_group.resize(kv_.size());
  for (size_t i = 0; i < kv_.size(); ++i) {
    if (kv_[i].ring) {
      s.ring_k[i] = kv_[i].k;
      s.ring_v[i] = kv_[i].v;
    }
    s.k_recent[i] = kv_[i].k_recent;
    s.recent_group[i] = kv_[i].recent_group;
  }
  s.recurrent = rec_;
  return s;
}

// Full-attention layers need no copy: positions below the snapshot are never
// overwritten while the session only appends after it (only their Q4 recent
// group, which the snapshot keeps, and their partial page's bounds change).
void State::restore(const Snapshot& s) {
  if (s.ring_k.size() != kv_.size() || s.recurrent.size() != rec_.size() || s.k_recent.size() != kv_.size())
    throw Error("snapshot of a different model");
  for (size_t i = 0; i < kv_.size(); ++i) {
    if (kv_[i].ring) {
      kv_[i].k = s.ring_k[i];
      kv_[i].v = s.ring_v[i];
    }
    kv_[i].k_recent = s.k_recent[i];
    kv_[i].recent_group = s.recent_group[i];
    if (!kv_[i].ring) kv_[i].rewind(s.n_past);
  }
  rec_ = s.recurrent;
  n_past_ = s.n_past;
}

size_t Snapshot::bytes() const {
  size_t total = 0;
  for (const auto& k : ring_k) total += k.size();
  for (const auto& v : ring_v) total += v.size();
  for (const auto& k : k_recent) total += k.size() * sizeof(float);
  for (const auto& r : recurrent) total += (r.conv.size() + r.state.size()) * sizeof(float);
  return total;
}

MemoryUsage State::usage() const {
  MemoryUsage u;
  for (const LayerKv& c : kv_) (c.sliding ? u.sliding_kv : u.full_kv) += c.bytes();
  for (const RecurrentLayer& r : rec_) u.recurrent += (r.conv.size() + r.state.size()) * sizeof(float);
  return u;
}

}  // namespace edgelm::memory
