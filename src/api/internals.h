// How the library reaches the implementation behind a public object
// (edgelm.h declares detail::Internals a friend); embedders cannot.
#pragma once
#include "edgelm/edgelm.h"
#include "kernels/attention/attention.h"

namespace edgelm {
namespace detail {

struct Internals {
  static const Model::Impl& of(const Model& m) { return *m.impl_; }
  static const GrammarConstraint::Impl& of(const GrammarConstraint& g) { return *g.impl_; }
};

}  // namespace detail

// The kernels' KV encoding of the public one (the same four, in order).
inline kernels::KvType to_kernels(KvType t) {
  switch (t) {
    case KvType::F32: return kernels::KvType::F32;
    case KvType::F16: return kernels::KvType::F16;
    case KvType::Q8_0: return kernels::KvType::Q8_0;
    case KvType::Q4: return kernels::KvType::Q4;
  }
  return kernels::KvType::F16;
}

inline const Model::Impl& internals(const Model& m) { return detail::Internals::of(m); }
inline const GrammarConstraint::Impl& internals(const GrammarConstraint& g) { return detail::Internals::of(g); }

}  // namespace edgelm
