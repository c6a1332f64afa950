#include "chat/json_value.h"

#include "edgelm/error.h"
#include "edgelm/json_input.h"

namespace edgelm {

Json::Json() : impl_(std::make_unique<Impl>()) {}
Json::~Json() = default;
Json::Json(const Json& other) : impl_(std::make_unique<Impl>(*other.impl_)) {}
Json::Json(Json&& other) noexcept : impl_(std::make_unique<Impl>()) { impl_.swap(other.impl_); }
Json& Json::operator=(const Json& other) {
  if (this != &other) impl_->value = other.impl_->value;
  return *this;
}
Json& Json::operator=(Json&& other) noexcept {
  impl_.swap(other.impl_);
  return *this;
}

Json Json::parse(std::string_view text) {
  if (json_too_deep(text)) throw Error("JSON nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  try {
    return wrap(nlohmann::ordered_json::parse(text));
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("invalid JSON: ") + e.what());
  }
}

Json Json::object() { return wrap(nlohmann::ordered_json::object()); }
Json Json::array() { return wrap(nlohmann::ordered_json::array()); }

std::string Json::dump(int indent) const {
  return impl_->value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}
bool Json::is_null() const { return impl_->value.is_null(); }
bool Json::is_object() const { return impl_->value.is_object(); }
bool Json::is_array() const { return impl_->value.is_array(); }
size_t Json::size() const { return impl_->value.size(); }
bool Json::operator==(const Json& other) const { return impl_->value == other.impl_->value; }

}  // namespace edgelm
