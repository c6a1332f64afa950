#include "memory/state.h"

#include <algorithm>

namespace edgelm::memory {

kernels::KvView LayerKv::view() const {
  kernels::KvView view;
  view.k = k.data();
  view.v = v.data();
  view.capacity = capacity;
  view.n_head_kv = n_head_kv;
  view.head_dim_k = head_dim_k;
  view.head_dim_v = head_dim_v;
  return view;
}

State::State(const std::vector<LayerMemorySpec>& specs, int64_t n_ctx)
    : n_ctx_(n_ctx), kv_(specs.size()), rec_(specs.size()) {
  for (size_t i = 0; i < specs.size(); ++i) {
    const LayerMemorySpec& s = specs[i];
    if (s.kind == LayerMemorySpec::Kind::Kv) {
      LayerKv& c = kv_[i];
      c.capacity = n_ctx;
      c.n_head_kv = s.n_head_kv;
      c.head_dim_k = s.head_dim_k;
      c.head_dim_v = s.head_dim_v;
      c.k.assign(static_cast<size_t>(n_ctx) * s.n_head_kv * s.head_dim_k, 0.0f);
      c.v.assign(static_cast<size_t>(n_ctx) * s.n_head_kv * s.head_dim_v, 0.0f);
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

size_t State::bytes() const {
  size_t total = 0;
  for (const LayerKv& c : kv_) total += (c.k.size() + c.v.size()) * sizeof(float);
  for (const RecurrentLayer& r : rec_) total += (r.conv.size() + r.state.size()) * sizeof(float);
  return total;
}

}  // namespace edgelm::memory
