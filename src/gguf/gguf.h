// GGUF v2/v3 reader (mmap, every count/length/offset validated) and writer.
// All errors are edgelm::Error with a one-line message naming the problem.
// Format and the checks performed: docs/FORMATS.md §1 (§1.8 is the checklist).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edgelm/error.h"
#include "tensor/types.h"

namespace edgelm::gguf {

enum class ValueType : uint32_t {
  U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, BOOL = 7,
  STRING = 8, ARRAY = 9, U64 = 10, I64 = 11, F64 = 12,
};
const char* value_type_name(ValueType t);
// A string from a file as an error message may show it: quoted, control and
// non-ASCII bytes as \xNN, cut after 96 bytes ("..." marks the cut), so a 1 GiB
// name or an escape sequence in a tensor name cannot flood or drive a terminal.
std::string quoted(std::string_view s);   // "u32", "string", ... ("invalid" if out of range)

// Limits shared by the reader and the writer (llama.cpp's values).
constexpr uint64_t kMaxStringBytes = uint64_t{1} << 30;
constexpr uint64_t kMaxArrayElements = uint64_t{1} << 30;
// Memory the reader may spend on decoded metadata arrays (a 262k-token
// vocabulary with scores, types and merges needs about 30 MiB).
constexpr uint64_t kMaxDecodedMetadataBytes = uint64_t{512} << 20;
constexpr size_t kMaxTensorName = 63;          // bytes, without terminator
constexpr uint32_t kMaxDims = 4;
constexpr uint32_t kDefaultAlignment = 32;

// One metadata value. Scalars live in the first matching field; arrays keep
// their element type and all elements (strings in `strs`, integers widened to
// int64/uint64 in `ints`/`uints`, floats widened to double in `floats`).
// Storage by (element) type: U8/U16/U32/U64 -> uints; I8/I16/I32/I64/BOOL ->
// ints; F32/F64 -> floats; STRING -> str (scalar) or strs (array).
struct Value {
  ValueType type = ValueType::U8;
  ValueType elem_type = ValueType::U8;    // for ARRAY
  bool is_array() const { return type == ValueType::ARRAY; }
  uint64_t array_size() const;
  std::string str;                 // STRING
  std::vector<std::string> strs;   // ARRAY of STRING
  std::vector<int64_t> ints;       // signed integers and BOOL (one element for scalars)
  std::vector<uint64_t> uints;     // unsigned integers (one element for scalars)
  std::vector<double> floats;      // F32/F64 (one element for scalars)
};
std::string describe_type(const Value& v);   // "u32" or "array of string"

struct TensorInfo {
  std::string name;
  uint32_t n_dims = 0;
  int64_t ne[4] = {1, 1, 1, 1};
  GgmlType type = GgmlType::F32;
  uint64_t offset = 0;   // relative to the data section
  uint64_t nbytes = 0;
  int64_t n_elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }   // validated not to overflow
};

class File {
 public:
  // Maps (read-only, private) and validates a file (throws edgelm::Error).
  // The mapping lives as long as the File.
  static std::unique_ptr<File> open(const std::string& path);
  // Parses a copy of an in-memory image (used by tests and the fuzzer).
  static std::unique_ptr<File> from_bytes(const uint8_t* data, size_t size);
  ~File();
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  uint32_t version() const { return version_; }
  uint32_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }
  uint64_t file_size() const { return size_; }
  // A 64-bit hash of everything before the tensor data: metadata (architecture,
  // hyperparameters, tokenizer, template) and the tensor table. Saved session
  // states carry it so that they only load into the model that made them.
  uint64_t header_fingerprint() const;
  const std::string& path() const { return path_; }
  bool is_mapped() const { return mapping_ != nullptr; }   // data is a read-only file mapping   // empty for from_bytes

  const std::vector<std::pair<std::string, Value>>& metadata() const { return kv_; }
  const Value* find(std::string_view key) const;

  // Typed look-ups: nullopt when absent; Error naming the key on a wrong type
  // or an out-of-range value. Any integer type is accepted where it fits.
  std::optional<std::string> get_string(std::string_view key) const;
  std::optional<int64_t> get_int(std::string_view key) const;
  std::optional<uint32_t> get_u32(std::string_view key) const;   // integer in [0, 2^32)
  std::optional<double> get_float(std::string_view key) const;   // also accepts integers
  std::optional<bool> get_bool(std::string_view key) const;
  std::optional<std::vector<std::string>> get_string_array(std::string_view key) const;
  std::optional<std::vector<int64_t>> get_int_array(std::string_view key) const;    // ints/uints/bools
  std::optional<std::vector<double>> get_float_array(std::string_view key) const;   // also integers
  std::optional<std::vector<bool>> get_bool_array(std::string_view key) const;
  // Per-layer keys that may be a scalar (repeated n times) or an array of
  // exactly n elements (llama.cpp's "key or array"); Error on another length.
  std::optional<std::vector<int64_t>> get_int_per_layer(std::string_view key, size_t n) const;
  std::optional<std::vector<double>> get_float_per_layer(std::string_view key, size_t n) const;

  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const TensorInfo* find_tensor(std::string_view name) const;
  // Validated at load: [data_offset + offset, + nbytes) lies inside the file.
  const uint8_t* tensor_data(const TensorInfo& t) const { return base_ + data_offset_ + t.offset; }
  std::span<const uint8_t> tensor_bytes(const TensorInfo& t) const {
    return {tensor_data(t), static_cast<size_t>(t.nbytes)};
  }

 private:
  friend class Parser;
  File() = default;
  void parse();
  std::string path_;
  const uint8_t* base_ = nullptr;
  uint64_t size_ = 0;
  void* mapping_ = nullptr;              // mmap region (or nullptr)
  std::vector<uint8_t> owned_;           // from_bytes copy
  uint32_t version_ = 0;
  uint32_t alignment_ = kDefaultAlignment;
  uint64_t data_offset_ = 0;
  std::vector<std::pair<std::string, Value>> kv_;
  std::vector<TensorInfo> tensors_;
};

// Writes GGUF v3. Tensor data is produced on demand, one tensor at a time, so
// multi-GB models can be written without holding them in memory. Offsets are
// the running aligned sum in directory order and every gap is zero padding,
// which is what llama.cpp requires. Setting a key twice replaces its value.
class Writer {
 public:
  // Fills all nbytes of dst (which arrives zeroed). An empty Fill writes zeros.
  using Fill = std::function<void(uint8_t* dst, size_t nbytes)>;
  void set_u8(const std::string& key, uint8_t v);
  void set_i8(const std::string& key, int8_t v);
  void set_u16(const std::string& key, uint16_t v);
  void set_i16(const std::string& key, int16_t v);
  void set_u32(const std::string& key, uint32_t v);
  void set_i32(const std::string& key, int32_t v);
  void set_u64(const std::string& key, uint64_t v);
  void set_i64(const std::string& key, int64_t v);
  void set_f32(const std::string& key, float v);
  void set_f64(const std::string& key, double v);
  void set_bool(const std::string& key, bool v);
  void set_string(const std::string& key, const std::string& v);
  void set_i32_array(const std::string& key, const std::vector<int32_t>& v);
  void set_u32_array(const std::string& key, const std::vector<uint32_t>& v);
  void set_f32_array(const std::string& key, const std::vector<float>& v);
  void set_bool_array(const std::string& key, const std::vector<bool>& v);
  void set_string_array(const std::string& key, const std::vector<std::string>& v);
  // Any value as the reader returns it (e.g. to copy metadata from a File);
  // numbers are narrowed back to the stored type.
  void set_value(const std::string& key, const Value& v);
  // "general.alignment" (u32, power of two, multiple of 8) also sets the layout.
  uint32_t alignment() const { return alignment_; }

  // Shape as ne[0..n), 1 <= n <= 4: ne[0] is the contiguous dimension.
  void add_tensor(const std::string& name, GgmlType type, const std::vector<int64_t>& ne, Fill fill);

  void write(const std::string& path) const;   // throws Error on I/O failure
  std::vector<uint8_t> to_bytes() const;        // the same image in memory (tests, fuzz seeds)

  class Sink;   // byte destination (file or memory), see writer.cpp
 private:
  struct PendingTensor { std::string name; GgmlType type; std::vector<int64_t> ne; uint64_t nbytes; Fill fill; };
  struct PendingKv { std::string key; ValueType type; std::vector<uint8_t> payload; };
  void add_kv(const std::string& key, ValueType type, std::vector<uint8_t> payload);
  void emit(Sink& out) const;
  std::vector<PendingKv> kv_;
  std::vector<PendingTensor> tensors_;
  uint32_t alignment_ = kDefaultAlignment;
};

}  // namespace edgelm::gguf
