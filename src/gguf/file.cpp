// File: mapping the image, and typed access to the parsed metadata.
#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <iterator>
#include <limits>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gguf/gguf.h"

namespace edgelm::gguf {

const char* value_type_name(ValueType t) {
  static constexpr const char* kNames[] = {"u8",  "i8",     "u16",   "i16", "u32", "i32", "f32",
                                           "bool", "string", "array", "u64", "i64", "f64"};
  const auto id = static_cast<uint32_t>(t);
  return id < std::size(kNames) ? kNames[id] : "invalid";
}

std::string describe_type(const Value& v) {
  if (!v.is_array()) return value_type_name(v.type);
  return std::string("array of ") + value_type_name(v.elem_type);
}

uint64_t Value::array_size() const {
  if (!is_array()) return 0;
  switch (elem_type) {
    case ValueType::STRING: return strs.size();
    case ValueType::F32: case ValueType::F64: return floats.size();
    case ValueType::U8: case ValueType::U16: case ValueType::U32: case ValueType::U64: return uints.size();
    default: return ints.size();
  }
}

uint64_t File::header_fingerprint() const {
  // FNV-1a over the header bytes (a few MB at most: the tokenizer dominates).
  uint64_t h = 0xcbf29ce484222325ull;
  const uint64_t n = std::min(data_offset_, size_);
  for (uint64_t i = 0; i < n; ++i) h = (h ^ base_[i]) * 0x100000001b3ull;
  return h;
}

// ---------------------------------------------------------------- opening

namespace {

struct FdCloser {   // closes the descriptor on every path out of open()
  int fd;
  ~FdCloser() { ::close(fd); }
};

[[noreturn]] void open_failed(const std::string& path, const char* verb, const std::string& why) {
  throw Error("gguf: cannot " + std::string(verb) + " '" + path + "': " + why);
}

}  // namespace

std::unique_ptr<File> File::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) open_failed(path, "open", std::strerror(errno));
  const FdCloser closer{fd};
  struct stat st {};
  if (fstat(fd, &st) != 0) open_failed(path, "stat", std::strerror(errno));
  if (!S_ISREG(st.st_mode)) open_failed(path, "open", "not a regular file");

  std::unique_ptr<File> f(new File());
  f->path_ = path;
  f->size_ = static_cast<uint64_t>(st.st_size);
  if (f->size_ > 0) {
    // Private read-only mapping: pages are shared with the page cache and
    // nothing we do can write to the file. It outlives the descriptor.
    void* m = mmap(nullptr, static_cast<size_t>(f->size_), PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) open_failed(path, "map", std::strerror(errno));
    f->mapping_ = m;
    f->base_ = static_cast<const uint8_t*>(m);
  }
  try {
    f->parse();
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + " (file '" + path + "')");
  }
  return f;
}

std::unique_ptr<File> File::from_bytes(const uint8_t* data, size_t size) {
  std::unique_ptr<File> f(new File());
  f->owned_.assign(data, data + size);
  f->base_ = f->owned_.data();
  f->size_ = size;
  f->parse();
  return f;
}

File::~File() {
  if (mapping_) munmap(mapping_, static_cast<size_t>(size_));
}

const Value* File::find(std::string_view key) const {
  for (const auto& [k, v] : kv_)
    if (k == key) return &v;
  return nullptr;
}

const TensorInfo* File::find_tensor(std::string_view name) const {
  for (const TensorInfo& t : tensors_)
    if (t.name == name) return &t;
  return nullptr;
}

// ---------------------------------------------------------------- typed look-ups

namespace {

bool is_unsigned(ValueType t) {
  return t == ValueType::U8 || t == ValueType::U16 || t == ValueType::U32 || t == ValueType::U64;
}
bool is_signed(ValueType t) {
  return t == ValueType::I8 || t == ValueType::I16 || t == ValueType::I32 || t == ValueType::I64;
}
bool is_integer(ValueType t) { return is_unsigned(t) || is_signed(t); }
bool is_float(ValueType t) { return t == ValueType::F32 || t == ValueType::F64; }

[[noreturn]] void wrong_type(std::string_view key, const Value& v, const char* expected) {
  throw Error("gguf: key '" + std::string(key) + "' has type " + describe_type(v) + ", expected " + expected);
}

// Element i of an integer (or bool) value whose element type is t.
int64_t int_at(std::string_view key, const Value& v, ValueType t, size_t i) {
  if (!is_unsigned(t)) return v.ints[i];
  if (v.uints[i] > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    throw Error("gguf: key '" + std::string(key) + "' value " + std::to_string(v.uints[i]) + " does not fit in int64");
  return static_cast<int64_t>(v.uints[i]);
}

double float_at(std::string_view key, const Value& v, ValueType t, size_t i) {
  return is_float(t) ? v.floats[i] : static_cast<double>(int_at(key, v, t, i));
}

const Value* find_array(const File& f, std::string_view key, bool (*elem_ok)(ValueType), const char* expected) {
  const Value* v = f.find(key);
  if (v && (!v->is_array() || !elem_ok(v->elem_type))) wrong_type(key, *v, expected);
  return v;
}

void check_layer_count(std::string_view key, uint64_t got, size_t n) {
  if (got != n)
    throw Error("gguf: key '" + std::string(key) + "' has " + std::to_string(got) + " elements, expected " +
                std::to_string(n) + " (one per layer)");
}

}  // namespace

std::optional<std::string> File::get_string(std::string_view key) const {
  const Value* v = find(key);
  if (!v) return std::nullopt;
  if (v->type != ValueType::STRING) wrong_type(key, *v, "string");
  return v->str;
}

std::optional<int64_t> File::get_int(std::string_view key) const {
  const Value* v = find(key);
  if (!v) return std::nullopt;
  if (!is_integer(v->type)) wrong_type(key, *v, "an integer");
  return int_at(key, *v, v->type, 0);
}

std::optional<uint32_t> File::get_u32(std::string_view key) const {
  const std::optional<int64_t> i = get_int(key);
  if (!i) return std::nullopt;
  if (*i < 0 || *i > int64_t{std::numeric_limits<uint32_t>::max()})
    throw Error("gguf: key '" + std::string(key) + "' value " + std::to_string(*i) + " does not fit in u32");
  return static_cast<uint32_t>(*i);
}

std::optional<double> File::get_float(std::string_view key) const {
  const Value* v = find(key);
  if (!v) return std::nullopt;
  if (!is_float(v->type) && !is_integer(v->type)) wrong_type(key, *v, "a number");
  return float_at(key, *v, v->type, 0);
}

std::optional<bool> File::get_bool(std::string_view key) const {
  const Value* v = find(key);
  if (!v) return std::nullopt;
  if (v->type != ValueType::BOOL) wrong_type(key, *v, "bool");
  return v->ints[0] != 0;
}

std::optional<std::vector<std::string>> File::get_string_array(std::string_view key) const {
  const Value* v = find_array(*this, key, [](ValueType t) { return t == ValueType::STRING; }, "array of string");
  if (!v) return std::nullopt;
  return v->strs;
}

std::optional<std::vector<int64_t>> File::get_int_array(std::string_view key) const {
  const Value* v = find_array(
      *this, key, [](ValueType t) { return is_integer(t) || t == ValueType::BOOL; }, "array of integers");
  if (!v) return std::nullopt;
  std::vector<int64_t> out(v->array_size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = int_at(key, *v, v->elem_type, i);
  return out;
}

std::optional<std::vector<double>> File::get_float_array(std::string_view key) const {
  const Value* v = find_array(
      *this, key, [](ValueType t) { return is_float(t) || is_integer(t); }, "array of numbers");
  if (!v) return std::nullopt;
  std::vector<double> out(v->array_size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = float_at(key, *v, v->elem_type, i);
  return out;
}

std::optional<std::vector<bool>> File::get_bool_array(std::string_view key) const {
  const Value* v = find_array(*this, key, [](ValueType t) { return t == ValueType::BOOL; }, "array of bool");
  if (!v) return std::nullopt;
  std::vector<bool> out(v->ints.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = v->ints[i] != 0;
  return out;
}

std::optional<std::vector<int64_t>> File::get_int_per_layer(std::string_view key, size_t n) const {
  const Value* v = find(key);
  if (!v) return std::nullopt;
  if (!v->is_array()) return std::vector<int64_t>(n, *get_int(key));
  std::vector<int64_t> out = *get_int_array(key);
  check_layer_count(key, out.size(), n);
  return out;
}

std::optional<std::vector<double>> File::get_float_per_layer(std::string_view key, size_t n) const {
  const Value* v = find(key);
  if (!v) return std::nullopt;
  if (!v->is_array()) return std::vector<double>(n, *get_float(key));
  std::vector<double> out = *get_float_array(key);
  check_layer_count(key, out.size(), n);
  return out;
}

}  // namespace edgelm::gguf
