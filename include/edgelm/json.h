// A JSON value in the public API: chat messages, tools, template variables,
// parsed tool-call arguments. Object keys keep their order. The value is
// opaque: embedders make it from text and read it back as text, whatever
// JSON library they use themselves; inside, edgelm works on it in place.
#pragma once
#include <memory>
#include <string>
#include <string_view>

namespace edgelm {

namespace detail {
struct JsonAccess;   // the library's own access to the value (not API)
}

class Json {
 public:
  Json();   // null
  ~Json();
  Json(const Json& other);
  Json(Json&& other) noexcept;
  Json& operator=(const Json& other);
  Json& operator=(Json&& other) noexcept;

  // Parses JSON text; throws edgelm::Error for invalid text or nesting deeper
  // than kMaxJsonDepth (edgelm/json_input.h).
  static Json parse(std::string_view text);
  static Json object();   // {}
  static Json array();    // []

  // The text, compact (indent < 0) or indented; non-ASCII as UTF-8.
  std::string dump(int indent = -1) const;
  bool is_null() const;
  bool is_object() const;
  bool is_array() const;
  size_t size() const;   // elements of an array or object; 0 for null; 1 otherwise
  bool operator==(const Json& other) const;

  struct Impl;

 private:
  friend struct detail::JsonAccess;
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgelm
