// The one exception type edgelm throws for bad input (files, flags, requests).
// Messages are a single line that names the offending key, tensor or value.
#pragma once
#include <stdexcept>
#include <string>

namespace edgelm {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace edgelm
