#include "memory/state.h"

#include <algorithm>
#include <cstring>

#include "edgelm/error.h"

namespace edgelm::memory {
namespace {

// A sliding layer must hold the window plus every token of a batch: all of a
// batch's keys are written before its first query attends.
int64_t ring_capacity(const LayerMemorySpec& s, const StateOptions& o) {
  return std::min<int64_t>(o.n_ctx, static_cast<int64_t>(s.window) + o.max_batch);
}

int64_t capacity_of(const LayerMemorySpec& s, const StateOptions& o) {
  return s.window > 0 ? ring_capacity(s, o) : o.n_ctx;
}

}  // namespace

void LayerKv::store(int64_t pos, const float* k_row, const float* v_row) {
  const int64_t slot = pos % capacity;
  kernels::kv_encode(type, k_row, k.data() + slot * k_row_bytes(), static_cast<int64_t>(n_head_kv) * head_dim_k);
  kernels::kv_encode(type, v_row, v.data() + slot * v_row_bytes(), static_cast<int64_t>(n_head_kv) * head_dim_v);
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
  return view;
}

size_t layer_bytes(const LayerMemorySpec& s, const StateOptions& o) {
  if (s.kind == LayerMemorySpec::Kind::Recurrent) return (s.conv_floats + s.state_floats) * sizeof(float);
  if (s.kind != LayerMemorySpec::Kind::Kv) return 0;
  const int64_t cap = capacity_of(s, o);
  return cap * (kernels::kv_row_bytes(o.kv_type, static_cast<int64_t>(s.n_head_kv) * s.head_dim_k) +
                kernels::kv_row_bytes(o.kv_type, static_cast<int64_t>(s.n_head_kv) * s.head_dim_v));
}

State::State(const std::vector<LayerMemorySpec>& specs, const StateOptions& options)
    : options_(options), kv_(specs.size()), rec_(specs.size()) {
  if (options_.n_ctx <= 0 || options_.max_batch <= 0) throw Error("context and batch sizes must be positive");
  for (size_t i = 0; i < specs.size(); ++i) {
    const LayerMemorySpec& s = specs[i];
    if (s.kind == LayerMemorySpec::Kind::Kv) {
      if (options_.kv_type == KvType::Q8_0 && (s.head_dim_k % 32 || s.head_dim_v % 32))
        throw Error("KV cache type q8_0 needs head dimensions divisible by 32 (layer " + std::to_string(i) + " has " +
                    std::to_string(s.head_dim_k) + ")");
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
    } else if (s.kind == LayerMemorySpec::Kind::Recurrent) {
      rec_[i].conv.assign(s.conv_floats, 0.0f);
      rec_[i].state.assign(s.state_floats, 0.0f);
    }
  }
}

void State::clear() {
  n_past_ = 0;
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
}

Snapshot State::snapshot() const {
  Snapshot s;
  s.n_past = n_past_;
  s.ring_k.resize(kv_.size());
  s.ring_v.resize(kv_.size());
  for (size_t i = 0; i < kv_.size(); ++i)
    if (kv_[i].ring) {
      s.ring_k[i] = kv_[i].k;
      s.ring_v[i] = kv_[i].v;
    }
  s.recurrent = rec_;
  return s;
}

// Full-attention layers need no copy: positions below the snapshot are never
// overwritten while the session only appends after it.
void State::restore(const Snapshot& s) {
  if (s.ring_k.size() != kv_.size() || s.recurrent.size() != rec_.size()) throw Error("snapshot of a different model");
  for (size_t i = 0; i < kv_.size(); ++i)
    if (kv_[i].ring) {
      kv_[i].k = s.ring_k[i];
      kv_[i].v = s.ring_v[i];
    }
  rec_ = s.recurrent;
  n_past_ = s.n_past;
}

size_t Snapshot::bytes() const {
  size_t total = 0;
  for (const auto& k : ring_k) total += k.size();
  for (const auto& v : ring_v) total += v.size();
  for (const auto& r : recurrent) total += (r.conv.size() + r.state.size()) * sizeof(float);
  return total;
}

MemoryUsage State::usage() const {
  MemoryUsage u;
  for (const LayerKv& c : kv_) (c.sliding ? u.sliding_kv : u.full_kv) += c.k.size() + c.v.size();
  for (const RecurrentLayer& r : rec_) u.recurrent += (r.conv.size() + r.state.size()) * sizeof(float);
  return u;
}

}  // namespace edgelm::memory
