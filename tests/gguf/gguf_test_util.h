// Helpers for the GGUF tests: a byte-level builder that can produce files the
// Writer would refuse to write (bad versions, counts, types, offsets ...), and
// assertions on the message of the expected edgelm::Error.
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

#include "support.h"
#include "gguf/gguf.h"

namespace edgelm::gguf::testing {

using edgelm::test::shared_path;

// Appends little-endian fields and remembers where each fixed-size field is,
// so the mutation test can overwrite exactly the counts, lengths and offsets.
class Bytes {
 public:
  struct Field { size_t pos; size_t size; };
  std::vector<uint8_t> data;
  std::vector<Field> fields;

  template <typename T>
  Bytes& num(T v) {
    fields.push_back({data.size(), sizeof v});
    uint8_t b[sizeof v];
    std::memcpy(b, &v, sizeof v);
    data.insert(data.end(), b, b + sizeof v);
    return *this;
  }
  Bytes& u32(uint32_t v) { return num(v); }
  Bytes& u64(uint64_t v) { return num(v); }
  Bytes& i64(int64_t v) { return num(v); }
  Bytes& raw(const std::string& s) {
    data.insert(data.end(), s.begin(), s.end());
    return *this;
  }
  Bytes& str(const std::string& s) { return u64(s.size()).raw(s); }
  Bytes& append(const Bytes& other) {
    for (Field f : other.fields) fields.push_back({f.pos + data.size(), f.size});
    data.insert(data.end(), other.data.begin(), other.data.end());
    return *this;
  }
  Bytes& pad_to(size_t alignment) {
    while (data.size() % alignment) data.push_back(0);
    return *this;
  }
};

// One KV record: key, type, payload.
inline Bytes kv_raw(const std::string& key, ValueType type, const Bytes& payload) {
  Bytes b;
  b.str(key).u32(static_cast<uint32_t>(type)).append(payload);
  return b;
}
inline Bytes kv_u32(const std::string& key, uint32_t v) { return kv_raw(key, ValueType::U32, Bytes().u32(v)); }
inline Bytes kv_str(const std::string& key, const std::string& v) {
  return kv_raw(key, ValueType::STRING, Bytes().str(v));
}

struct TensorSpec {
  std::string name;
  std::vector<int64_t> ne;
  uint32_t type = 0;      // F32
  uint64_t offset = 0;
};

// A whole file described field by field; build() lays it out like a writer
// would (pads to `alignment`, appends `data_bytes` of data) without checking.
struct FileSpec {
  uint32_t version = 3;
  std::vector<Bytes> kvs;
  std::vector<TensorSpec> tensors;
  std::optional<int64_t> n_kv;        // default: the number of kvs
  std::optional<int64_t> n_tensors;   // default: the number of tensors
  size_t alignment = 32;
  size_t data_bytes = 0;

  Bytes build() const {
    Bytes b;
    b.raw("GGUF").u32(version);
    b.i64(n_tensors.value_or(static_cast<int64_t>(tensors.size())));
    b.i64(n_kv.value_or(static_cast<int64_t>(kvs.size())));
    for (const Bytes& kv : kvs) b.append(kv);
    for (const TensorSpec& t : tensors) {
      b.str(t.name).u32(static_cast<uint32_t>(t.ne.size()));
      for (int64_t d : t.ne) b.i64(d);
      b.u32(t.type).u64(t.offset);
    }
    b.pad_to(alignment);
    b.data.resize(b.data.size() + data_bytes, 0);
    return b;
  }
};

// A small valid file with two F32 tensors whose data ends exactly at the end
// of the file (so that every truncation is an error).
inline FileSpec small_valid_spec() {
  FileSpec s;
  s.kvs.push_back(kv_str("general.architecture", "llama"));
  s.kvs.push_back(kv_u32("llama.block_count", 2));
  s.kvs.push_back(kv_raw("tok.list", ValueType::ARRAY,
                         Bytes().u32(static_cast<uint32_t>(ValueType::STRING)).u64(2).str("a").str("bc")));
  s.kvs.push_back(kv_raw("scores", ValueType::ARRAY,
                         Bytes().u32(static_cast<uint32_t>(ValueType::F32)).u64(2).num(1.5f).num(-2.0f)));
  s.tensors.push_back({"a.weight", {4, 2}, 0, 0});    // 32 bytes
  s.tensors.push_back({"b.weight", {8}, 0, 32});      // 32 bytes
  s.data_bytes = 64;
  return s;
}

inline std::unique_ptr<File> parse(const std::vector<uint8_t>& bytes) {
  return File::from_bytes(bytes.data(), bytes.size());
}

// Expects parsing to fail with an Error whose message contains `needle`.
inline ::testing::AssertionResult fails_with(const std::vector<uint8_t>& bytes, const std::string& needle) {
  try {
    parse(bytes);
  } catch (const Error& e) {
    const std::string msg = e.what();
    if (msg.find(needle) != std::string::npos && msg.find('\n') == std::string::npos)
      return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "message \"" << msg << "\" lacks \"" << needle << "\"";
  }
  return ::testing::AssertionFailure() << "parsed without error; expected \"" << needle << "\"";
}

inline std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("edgelm_gguf_test_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

}  // namespace edgelm::gguf::testing
