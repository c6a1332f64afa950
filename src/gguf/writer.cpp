// GGUF v3 writer. Metadata is encoded when it is set; tensor data is produced
// by each tensor's fill callback while writing, one tensor at a time.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/stat.h>
#include <type_traits>
#include <utility>

#include "gguf/gguf.h"
#include "gguf/layout.h"

namespace edgelm::gguf {

// Where the image goes. Tracks the position so padding can be computed.
class Writer::Sink {
 public:
  virtual ~Sink() = default;
  void put(const void* data, size_t n) {
    write_bytes(data, n);
    pos_ += n;
  }
  void pad_to(uint64_t alignment) {
    static const uint8_t kZeros[256] = {};
    uint64_t target = 0;
    detail::checked_align_up(pos_, alignment, &target);   // cannot overflow: pos_ is a real size
    while (pos_ < target) put(kZeros, static_cast<size_t>(std::min<uint64_t>(target - pos_, sizeof kZeros)));
  }
  uint64_t pos() const { return pos_; }

 private:
  virtual void write_bytes(const void* data, size_t n) = 0;
  uint64_t pos_ = 0;
};

namespace {

class MemorySink final : public Writer::Sink {
 public:
  std::vector<uint8_t> bytes;
 private:
  void write_bytes(const void* data, size_t n) override {
    const auto* p = static_cast<const uint8_t*>(data);
    bytes.insert(bytes.end(), p, p + n);
  }
};

// Buffered stdio; every failure (open, write, flush, close) becomes an Error and
// a file that was not completely written is removed.
class FileSink final : public Writer::Sink {
 public:
  explicit FileSink(const std::string& path) : path_(path), fp_(std::fopen(path.c_str(), "wb")) {
    if (!fp_) fail("cannot create");
    std::setvbuf(fp_, nullptr, _IOFBF, size_t{1} << 20);
    struct stat st {};   // never delete a device or pipe we were pointed at
    remove_on_failure_ = fstat(fileno(fp_), &st) == 0 && S_ISREG(st.st_mode);
  }
  ~FileSink() override {
    if (fp_) std::fclose(fp_);
    if (!committed_ && remove_on_failure_) std::remove(path_.c_str());
  }
  void commit() {
    if (std::fflush(fp_) != 0) fail("cannot write");   // the destructor closes and removes
    std::FILE* fp = fp_;
    fp_ = nullptr;
    if (std::fclose(fp) != 0) fail("cannot close");
    committed_ = true;
  }

 private:
  void write_bytes(const void* data, size_t n) override {
    if (n > 0 && std::fwrite(data, 1, n, fp_) != n) fail("cannot write");
  }
  [[noreturn]] void fail(const char* what) const {
    throw Error("gguf: " + std::string(what) + " '" + path_ + "': " + std::strerror(errno));
  }
  std::string path_;
  std::FILE* fp_;
  bool committed_ = false;
  bool remove_on_failure_ = false;
};

// ---------------------------------------------------------------- encoding

template <typename T>
void put_le(std::vector<uint8_t>& out, T v) {
  uint8_t b[sizeof v];
  std::memcpy(b, &v, sizeof v);
  out.insert(out.end(), b, b + sizeof v);
}

void put_string(std::vector<uint8_t>& out, const std::string& s, const std::string& key) {
  if (s.size() > kMaxStringBytes) throw Error("gguf: writer: string for key '" + key + "' exceeds 2^30 bytes");
  put_le<uint64_t>(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

template <typename T>
std::vector<uint8_t> scalar_payload(T v) {
  std::vector<uint8_t> out;
  put_le(out, v);
  return out;
}

void put_array_header(std::vector<uint8_t>& out, ValueType elem, uint64_t count, const std::string& key) {
  if (count > kMaxArrayElements) throw Error("gguf: writer: array for key '" + key + "' exceeds 2^30 elements");
  put_le(out, static_cast<uint32_t>(elem));
  put_le<uint64_t>(out, count);
}

template <typename T>
std::vector<uint8_t> array_payload(ValueType elem, const std::vector<T>& v, const std::string& key) {
  std::vector<uint8_t> out;
  put_array_header(out, elem, v.size(), key);
  for (const T& x : v) put_le(out, x);
  return out;
}

// Narrows a widened number back to its stored type, refusing values that do not fit.
template <typename T, typename Wide>
T narrow(Wide x, const std::string& key) {
  if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(x);
  } else {
    if (!std::in_range<T>(x))
      throw Error("gguf: writer: value " + std::to_string(x) + " for key '" + key + "' does not fit its type");
    return static_cast<T>(x);
  }
}

template <typename Vec>
auto element(const Vec& v, size_t i, const std::string& key) {
  if (i >= v.size()) throw Error("gguf: writer: value for key '" + key + "' is missing its data");
  return v[i];
}

// Element i of v (an array element or, for i = 0, the scalar) encoded as type t.
void put_element(std::vector<uint8_t>& out, const Value& v, ValueType t, size_t i, const std::string& key) {
  switch (t) {
    case ValueType::U8: put_le(out, narrow<uint8_t>(element(v.uints, i, key), key)); break;
    case ValueType::U16: put_le(out, narrow<uint16_t>(element(v.uints, i, key), key)); break;
    case ValueType::U32: put_le(out, narrow<uint32_t>(element(v.uints, i, key), key)); break;
    case ValueType::U64: put_le(out, element(v.uints, i, key)); break;
    case ValueType::I8: put_le(out, narrow<int8_t>(element(v.ints, i, key), key)); break;
    case ValueType::I16: put_le(out, narrow<int16_t>(element(v.ints, i, key), key)); break;
    case ValueType::I32: put_le(out, narrow<int32_t>(element(v.ints, i, key), key)); break;
    case ValueType::I64: put_le(out, element(v.ints, i, key)); break;
    case ValueType::BOOL: put_le(out, static_cast<uint8_t>(element(v.ints, i, key) != 0)); break;
    case ValueType::F32: put_le(out, narrow<float>(element(v.floats, i, key), key)); break;
    case ValueType::F64: put_le(out, element(v.floats, i, key)); break;
    case ValueType::STRING: put_string(out, v.is_array() ? element(v.strs, i, key) : v.str, key); break;
    case ValueType::ARRAY: throw Error("gguf: writer: key '" + key + "' is a nested array (not supported)");
  }
}

}  // namespace

// ---------------------------------------------------------------- setters

void Writer::add_kv(const std::string& key, ValueType type, std::vector<uint8_t> payload) {
  if (std::string problem = detail::check_key(key); !problem.empty())
    throw Error("gguf: writer: bad key '" + key + "': " + problem);
  if (key == "general.alignment") {
    uint32_t a = 0;
    if (type != ValueType::U32) throw Error("gguf: writer: general.alignment must be of type u32");
    std::memcpy(&a, payload.data(), sizeof a);
    if (std::string problem = detail::check_alignment(a); !problem.empty())
      throw Error("gguf: writer: general.alignment: " + problem);
    alignment_ = a;
  }
  for (PendingKv& kv : kv_) {
    if (kv.key == key) {
      kv.type = type;
      kv.payload = std::move(payload);
      return;
    }
  }
  kv_.push_back({key, type, std::move(payload)});
}

void Writer::set_u8(const std::string& key, uint8_t v) { add_kv(key, ValueType::U8, scalar_payload(v)); }
void Writer::set_i8(const std::string& key, int8_t v) { add_kv(key, ValueType::I8, scalar_payload(v)); }
void Writer::set_u16(const std::string& key, uint16_t v) { add_kv(key, ValueType::U16, scalar_payload(v)); }
void Writer::set_i16(const std::string& key, int16_t v) { add_kv(key, ValueType::I16, scalar_payload(v)); }
void Writer::set_u32(const std::string& key, uint32_t v) { add_kv(key, ValueType::U32, scalar_payload(v)); }
void Writer::set_i32(const std::string& key, int32_t v) { add_kv(key, ValueType::I32, scalar_payload(v)); }
void Writer::set_u64(const std::string& key, uint64_t v) { add_kv(key, ValueType::U64, scalar_payload(v)); }
void Writer::set_i64(const std::string& key, int64_t v) { add_kv(key, ValueType::I64, scalar_payload(v)); }
void Writer::set_f32(const std::string& key, float v) { add_kv(key, ValueType::F32, scalar_payload(v)); }
void Writer::set_f64(const std::string& key, double v) { add_kv(key, ValueType::F64, scalar_payload(v)); }
void Writer::set_bool(const std::string& key, bool v) {
  add_kv(key, ValueType::BOOL, scalar_payload(static_cast<uint8_t>(v)));
}

void Writer::set_string(const std::string& key, const std::string& v) {
  std::vector<uint8_t> out;
  put_string(out, v, key);
  add_kv(key, ValueType::STRING, std::move(out));
}

void Writer::set_i32_array(const std::string& key, const std::vector<int32_t>& v) {
  add_kv(key, ValueType::ARRAY, array_payload(ValueType::I32, v, key));
}
void Writer::set_u32_array(const std::string& key, const std::vector<uint32_t>& v) {
  add_kv(key, ValueType::ARRAY, array_payload(ValueType::U32, v, key));
}
void Writer::set_f32_array(const std::string& key, const std::vector<float>& v) {
  add_kv(key, ValueType::ARRAY, array_payload(ValueType::F32, v, key));
}

void Writer::set_bool_array(const std::string& key, const std::vector<bool>& v) {
  std::vector<uint8_t> out;
  put_array_header(out, ValueType::BOOL, v.size(), key);
  for (bool b : v) out.push_back(b ? 1 : 0);
  add_kv(key, ValueType::ARRAY, std::move(out));
}

void Writer::set_string_array(const std::string& key, const std::vector<std::string>& v) {
  std::vector<uint8_t> out;
  put_array_header(out, ValueType::STRING, v.size(), key);
  for (const std::string& s : v) put_string(out, s, key);
  add_kv(key, ValueType::ARRAY, std::move(out));
}

void Writer::set_value(const std::string& key, const Value& v) {
  if (!detail::is_valid_value_type(static_cast<uint32_t>(v.type)))
    throw Error("gguf: writer: key '" + key + "' has an invalid value type");
  std::vector<uint8_t> out;
  if (!v.is_array()) {
    put_element(out, v, v.type, 0, key);
  } else {
    if (!detail::is_valid_value_type(static_cast<uint32_t>(v.elem_type)) || v.elem_type == ValueType::ARRAY)
      throw Error("gguf: writer: key '" + key + "' has an invalid array element type");
    const uint64_t count = v.array_size();
    put_array_header(out, v.elem_type, count, key);
    for (uint64_t i = 0; i < count; ++i) put_element(out, v, v.elem_type, static_cast<size_t>(i), key);
  }
  add_kv(key, v.type, std::move(out));
}

void Writer::add_tensor(const std::string& name, GgmlType type, const std::vector<int64_t>& ne, Fill fill) {
  const std::string what = "gguf: writer: tensor '" + name + "'";
  if (name.size() > kMaxTensorName) throw Error(what + ": name longer than 63 bytes");
  for (const PendingTensor& t : tensors_)
    if (t.name == name) throw Error(what + ": duplicate tensor name");
  if (ne.empty() || ne.size() > kMaxDims) throw Error(what + ": needs 1 to 4 dimensions");
  const TypeTraits* traits = type_traits(static_cast<uint32_t>(type));
  if (!traits) throw Error(what + ": unknown tensor type id " + std::to_string(static_cast<uint32_t>(type)));
  int64_t shape[4] = {1, 1, 1, 1};
  std::copy(ne.begin(), ne.end(), shape);
  uint64_t nbytes = 0;
  if (std::string problem = detail::check_tensor_shape(*traits, shape, &nbytes); !problem.empty())
    throw Error(what + ": " + problem);
  tensors_.push_back({name, type, ne, nbytes, std::move(fill)});
}

// ---------------------------------------------------------------- output

void Writer::emit(Sink& out) const {
  std::vector<uint8_t> head;
  head.insert(head.end(), {'G', 'G', 'U', 'F'});
  put_le<uint32_t>(head, 3);
  put_le<uint64_t>(head, tensors_.size());
  put_le<uint64_t>(head, kv_.size());
  for (const PendingKv& kv : kv_) {
    put_string(head, kv.key, kv.key);
    put_le(head, static_cast<uint32_t>(kv.type));
    head.insert(head.end(), kv.payload.begin(), kv.payload.end());
  }
  // Offsets are the running sum of aligned sizes in directory order: the only
  // layout llama.cpp accepts.
  uint64_t offset = 0;
  for (const PendingTensor& t : tensors_) {
    put_string(head, t.name, t.name);
    put_le(head, static_cast<uint32_t>(t.ne.size()));
    for (int64_t d : t.ne) put_le(head, d);
    put_le(head, static_cast<uint32_t>(t.type));
    put_le(head, offset);
    uint64_t padded = 0;
    if (!detail::checked_align_up(t.nbytes, alignment_, &padded) || !detail::checked_add(offset, padded, &offset))
      throw Error("gguf: writer: total tensor data size overflows");
  }
  out.put(head.data(), head.size());
  out.pad_to(alignment_);

  std::vector<uint8_t> scratch;   // one tensor at a time, reused
  for (const PendingTensor& t : tensors_) {
    scratch.assign(static_cast<size_t>(t.nbytes), 0);
    if (t.fill) t.fill(scratch.data(), scratch.size());
    out.put(scratch.data(), scratch.size());
    out.pad_to(alignment_);
  }
}

void Writer::write(const std::string& path) const {
  FileSink out(path);
  emit(out);
  out.commit();
}

std::vector<uint8_t> Writer::to_bytes() const {
  MemorySink out;
  emit(out);
  return std::move(out.bytes);
}

}  // namespace edgelm::gguf
