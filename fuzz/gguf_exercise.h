// Uses everything a parsed GGUF File offers, the way a consumer would, so that
// the fuzzer and the mutation test reach the typed look-ups and the tensor
// views of every file the reader accepted. Returns a checksum of what it read
// (so nothing is optimised away); edgelm::Error from a look-up is expected.
#pragma once
#include <cstdint>

#include "gguf/gguf.h"

namespace edgelm::gguf {

template <typename F>
void ignore_lookup_errors(F&& lookup) {
  try {
    lookup();
  } catch (const Error&) {
  }
}

inline uint64_t exercise(const File& f) {
  uint64_t sum = f.version() + f.alignment() + f.data_offset();
  for (const auto& entry : f.metadata()) {
    const std::string& key = entry.first;   // a plain name: lambdas below capture it
    const Value& v = entry.second;
    sum += v.array_size() + describe_type(v).size();
    ignore_lookup_errors([&] { sum += f.get_string(key)->size(); });
    ignore_lookup_errors([&] { sum += static_cast<uint64_t>(*f.get_int(key)); });
    ignore_lookup_errors([&] { sum += *f.get_u32(key); });
    ignore_lookup_errors([&] { sum += static_cast<uint64_t>(*f.get_float(key) != 0); });
    ignore_lookup_errors([&] { sum += *f.get_bool(key); });
    ignore_lookup_errors([&] { sum += f.get_string_array(key)->size(); });
    ignore_lookup_errors([&] { sum += f.get_int_array(key)->size(); });
    ignore_lookup_errors([&] { sum += f.get_float_array(key)->size(); });
    ignore_lookup_errors([&] { sum += f.get_bool_array(key)->size(); });
    ignore_lookup_errors([&] { sum += f.get_int_per_layer(key, 3)->size(); });
    ignore_lookup_errors([&] { sum += f.get_float_per_layer(key, 2)->size(); });
  }
  for (const TensorInfo& t : f.tensors()) {
    if (f.find_tensor(t.name) != &t) sum += 1000003;   // names are unique: must find itself
    sum += static_cast<uint64_t>(t.n_elements());
    const auto bytes = f.tensor_bytes(t);
    if (!bytes.empty()) sum += bytes.front() + bytes.back() + bytes[bytes.size() / 2];
  }
  return sum;
}

}  // namespace edgelm::gguf
