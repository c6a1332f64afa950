// The nlohmann value behind a public edgelm::Json, for the library's own code
// (and its tests): native(j) reads and writes it in place, wrap(v) makes a
// public value of one.
#pragma once
#include <nlohmann/json.hpp>

#include "edgelm/json.h"

namespace edgelm {

struct Json::Impl {
  nlohmann::ordered_json value;
};

namespace detail {
struct JsonAccess {
  static nlohmann::ordered_json& of(Json& j) { return j.impl_->value; }
  static const nlohmann::ordered_json& of(const Json& j) { return j.impl_->value; }
};
}  // namespace detail

inline nlohmann::ordered_json& native(Json& j) { return detail::JsonAccess::of(j); }
inline const nlohmann::ordered_json& native(const Json& j) { return detail::JsonAccess::of(j); }

inline Json wrap(nlohmann::ordered_json v) {
  Json j;
  native(j) = std::move(v);
  return j;
}

}  // namespace edgelm
