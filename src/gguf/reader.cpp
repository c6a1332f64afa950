// GGUF parsing: header, metadata, tensor directory and data-section checks.
// The image is hostile: every count, length, offset and size is validated
// before it is used to read, allocate or compute an address (docs/FORMATS.md §1.8;
// the numbers in comments refer to that checklist).
#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstring>
#include <unordered_set>

#include "gguf/gguf.h"
#include "gguf/layout.h"

namespace edgelm::gguf {

static_assert(std::endian::native == std::endian::little, "the GGUF reader assumes a little-endian host");

namespace {

constexpr uint64_t kHeaderBytes = 24;
// Smallest possible records (check 3): key length + 1 key byte + type + 1-byte
// payload; name length + n_dims + type + offset.
constexpr uint64_t kMinKvBytes = 8 + 1 + 4 + 1;
constexpr uint64_t kMinTensorBytes = 8 + 4 + 4 + 8;
// Far beyond any real model, low enough that the per-record bookkeeping of a
// hostile multi-GB file stays bounded.
constexpr uint64_t kMaxKvCount = uint64_t{1} << 20;
constexpr uint64_t kMaxTensorCount = uint64_t{1} << 20;

std::string num(uint64_t v) { return std::to_string(v); }

// Bounds-checked little-endian reads over [data, data + size).
class Cursor {
 public:
  Cursor(const uint8_t* data, uint64_t size) : data_(data), size_(size) {}
  uint64_t pos() const { return pos_; }
  uint64_t remain() const { return size_ - pos_; }

  void require(uint64_t n, const std::string& what) const {
    if (n > remain())
      throw Error("gguf: unexpected end of file reading " + what + " at offset " + num(pos_) + " (need " +
                  num(n) + " bytes, " + num(remain()) + " left)");
  }
  template <typename T>
  T read(const std::string& what) {
    require(sizeof(T), what);
    T v;
    std::memcpy(&v, data_ + pos_, sizeof v);
    pos_ += sizeof v;
    return v;
  }
  std::string read_string(const std::string& what) {   // check 4
    const uint64_t at = pos_;
    const uint64_t len = read<uint64_t>(what + " length");
    if (len > kMaxStringBytes)
      throw Error("gguf: " + what + " at offset " + num(at) + " has length " + num(len) + ", over the 2^30 limit");
    if (len > remain())
      throw Error("gguf: " + what + " at offset " + num(at) + " has length " + num(len) + ", past end of file (" +
                  num(remain()) + " bytes left)");
    std::string s(reinterpret_cast<const char*>(data_ + pos_), static_cast<size_t>(len));
    pos_ += len;
    return s;
  }

 private:
  const uint8_t* data_;
  uint64_t size_;
  uint64_t pos_ = 0;
};

}  // namespace

// Fills a File from its image; a friend of File so that File stays a plain view.
class Parser {
 public:
  explicit Parser(File& f) : f_(f), in_(f.base_, f.size_) {}
  void run() {
    const auto [n_tensors, n_kv] = read_header();
    for (uint64_t i = 0; i < n_kv; ++i) read_kv(i);
    read_alignment();
    check_count(n_tensors, kMinTensorBytes, kMaxTensorCount, "tensor");   // again, now that the metadata is consumed
    f_.tensors_.reserve(static_cast<size_t>(n_tensors));
    for (uint64_t i = 0; i < n_tensors; ++i) read_tensor_info(i);
    place_data_section();
  }

 private:
  struct Counts { uint64_t tensors, kv; };

  Counts read_header() {   // checks 1-3
    if (f_.size_ >= 4 && std::memcmp(f_.base_, "GGUF", 4) != 0) throw Error("gguf: bad magic (not a GGUF file)");
    if (f_.size_ < kHeaderBytes)
      throw Error("gguf: file too small (" + num(f_.size_) + " bytes; a GGUF header needs " + num(kHeaderBytes) + ")");
    in_.read<uint32_t>("magic");
    const uint32_t version = in_.read<uint32_t>("version");
    if (version == 1) throw Error("gguf: unsupported GGUF version 1 (obsolete format; re-convert the model)");
    if (version != 0 && (version & 0xFFFF) == 0)
      throw Error("gguf: byte-swapped (big-endian) GGUF file is not supported (version field reads " +
                  num(version) + ")");
    if (version != 2 && version != 3) throw Error("gguf: unsupported GGUF version " + num(version));
    f_.version_ = version;
    const int64_t n_tensors = in_.read<int64_t>("tensor count");
    const int64_t n_kv = in_.read<int64_t>("kv count");
    if (n_tensors < 0) throw Error("gguf: tensor count " + std::to_string(n_tensors) + " is negative");
    if (n_kv < 0) throw Error("gguf: kv count " + std::to_string(n_kv) + " is negative");
    check_count(static_cast<uint64_t>(n_kv), kMinKvBytes, kMaxKvCount, "kv");
    check_count(static_cast<uint64_t>(n_tensors), kMinTensorBytes, kMaxTensorCount, "tensor");
    return {static_cast<uint64_t>(n_tensors), static_cast<uint64_t>(n_kv)};
  }

  // A count is implausible when its records could not fit in the bytes left.
  void check_count(uint64_t count, uint64_t min_record, uint64_t cap, const char* what) const {
    uint64_t need = 0;
    if (!detail::checked_mul(count, min_record, &need) || need > in_.remain())
      throw Error(std::string("gguf: ") + what + " count " + num(count) + " is impossible: only " +
                  num(in_.remain()) + " bytes follow offset " + num(in_.pos()));
    if (count > cap) throw Error(std::string("gguf: ") + what + " count " + num(count) + " exceeds the limit " + num(cap));
  }

  void read_kv(uint64_t index) {   // checks 4-7
    const uint64_t at = in_.pos();
    std::string key = in_.read_string("key of metadata entry #" + num(index));
    if (std::string problem = detail::check_key(key); !problem.empty())
      throw Error("gguf: metadata entry #" + num(index) + " at offset " + num(at) + ": " + problem);
    if (!keys_.insert(key).second) throw Error("gguf: duplicate key " + quoted(key));
    const std::string what = "value of key " + quoted(key);
    Value v;
    v.type = read_value_type(in_.read<uint32_t>(what + " type"), key, "value");
    if (v.is_array()) {
      v.elem_type = read_value_type(in_.read<uint32_t>(what + " element type"), key, "array element");
      if (v.elem_type == ValueType::ARRAY) throw Error("gguf: key " + quoted(key) + " is a nested array (not supported)");
      const uint64_t count = in_.read<uint64_t>(what + " element count");
      check_array_count(key, v.elem_type, count);
      reserve_elements(v, static_cast<size_t>(count));
      for (uint64_t i = 0; i < count; ++i) read_element(v, v.elem_type, what);
    } else if (v.type == ValueType::STRING) {
      v.str = in_.read_string(what);
    } else {
      read_element(v, v.type, what);
    }
    f_.kv_.emplace_back(std::move(key), std::move(v));
  }

  static ValueType read_value_type(uint32_t id, const std::string& key, const char* what) {
    if (!detail::is_valid_value_type(id))
      throw Error("gguf: key " + quoted(key) + " has invalid " + what + " type " + num(id));
    return static_cast<ValueType>(id);
  }

  void check_array_count(const std::string& key, ValueType elem, uint64_t count) {
    if (count > kMaxArrayElements)
      throw Error("gguf: key " + quoted(key) + " array has " + num(count) + " elements, over the 2^30 limit");
    uint64_t need = 0;
    if (!detail::checked_mul(count, detail::min_encoded_size(elem), &need) || need > in_.remain())
      throw Error("gguf: key " + quoted(key) + " array of " + num(count) + " " + value_type_name(elem) +
                  " elements extends past end of file (" + num(in_.remain()) + " bytes left)");
    // Elements are kept widened (8 bytes a number, a std::string each), so a
    // u8 array costs 8x its file bytes: the decoded metadata has a budget.
    const uint64_t per = elem == ValueType::STRING ? sizeof(std::string) : 8;
    decoded_bytes_ += count * per;   // count <= 2^30: no overflow
    if (decoded_bytes_ > kMaxDecodedMetadataBytes)
      throw Error("gguf: metadata arrays would take " + num(decoded_bytes_ >> 20) + " MiB in memory (key " +
                  quoted(key) + "), over the " + num(kMaxDecodedMetadataBytes >> 20) + " MiB limit");
  }

  static void reserve_elements(Value& v, size_t count) {
    switch (v.elem_type) {
      case ValueType::U8: case ValueType::U16: case ValueType::U32: case ValueType::U64: v.uints.reserve(count); break;
      case ValueType::F32: case ValueType::F64: v.floats.reserve(count); break;
      case ValueType::STRING: v.strs.reserve(count); break;
      default: v.ints.reserve(count); break;
    }
  }

  // Appends one element of type t to the vector that stores it.
  void read_element(Value& v, ValueType t, const std::string& what) {
    switch (t) {
      case ValueType::U8: v.uints.push_back(in_.read<uint8_t>(what)); break;
      case ValueType::U16: v.uints.push_back(in_.read<uint16_t>(what)); break;
      case ValueType::U32: v.uints.push_back(in_.read<uint32_t>(what)); break;
      case ValueType::U64: v.uints.push_back(in_.read<uint64_t>(what)); break;
      case ValueType::I8: v.ints.push_back(in_.read<int8_t>(what)); break;
      case ValueType::I16: v.ints.push_back(in_.read<int16_t>(what)); break;
      case ValueType::I32: v.ints.push_back(in_.read<int32_t>(what)); break;
      case ValueType::I64: v.ints.push_back(in_.read<int64_t>(what)); break;
      case ValueType::F32: v.floats.push_back(in_.read<float>(what)); break;
      case ValueType::F64: v.floats.push_back(in_.read<double>(what)); break;
      case ValueType::STRING: v.strs.push_back(in_.read_string(what)); break;
      case ValueType::BOOL: {
        const uint8_t b = in_.read<uint8_t>(what);
        if (b > 1) throw Error("gguf: " + what + " has invalid bool byte " + num(b) + " at offset " + num(in_.pos() - 1));
        v.ints.push_back(b);
        break;
      }
      case ValueType::ARRAY: throw Error("gguf: " + what + " is a nested array (not supported)");
    }
  }

  void read_alignment() {   // check 8
    const Value* v = f_.find("general.alignment");
    if (!v) return;
    if (v->type != ValueType::U32)
      throw Error("gguf: general.alignment must be of type u32, not " + describe_type(*v));
    if (std::string problem = detail::check_alignment(v->uints[0]); !problem.empty())
      throw Error("gguf: general.alignment: " + problem);
    f_.alignment_ = static_cast<uint32_t>(v->uints[0]);
  }

  void read_tensor_info(uint64_t index) {   // checks 9-15
    const uint64_t at = in_.pos();
    TensorInfo t;
    t.name = in_.read_string("name of tensor #" + num(index));
    if (t.name.size() > kMaxTensorName)
      throw Error("gguf: name of tensor #" + num(index) + " at offset " + num(at) + " is " + num(t.name.size()) +
                  " bytes long (max " + num(kMaxTensorName) + ")");
    if (!tensor_names_.insert(t.name).second) throw Error("gguf: duplicate tensor name " + quoted(t.name));
    const std::string what = "tensor " + quoted(t.name);
    t.n_dims = in_.read<uint32_t>(what + " n_dims");
    if (t.n_dims > kMaxDims)
      throw Error("gguf: " + what + " has " + num(t.n_dims) + " dimensions (max " + num(kMaxDims) + ")");
    for (uint32_t j = 0; j < t.n_dims; ++j) t.ne[j] = in_.read<int64_t>(what + " shape");
    const uint32_t type_id = in_.read<uint32_t>(what + " type");
    const uint64_t offset_at = in_.pos();
    t.offset = in_.read<uint64_t>(what + " offset");

    const TypeTraits* traits = type_traits(type_id);
    if (!traits) throw Error("gguf: unsupported tensor type id " + num(type_id) + " in " + what);
    t.type = static_cast<GgmlType>(type_id);
    if (std::string problem = detail::check_tensor_shape(*traits, t.ne, &t.nbytes); !problem.empty())
      throw Error("gguf: " + what + ": " + problem);
    if (t.offset % f_.alignment_ != 0)
      throw Error("gguf: " + what + " offset " + num(t.offset) + " (at file offset " + num(offset_at) +
                  ") is not a multiple of the alignment " + num(f_.alignment_));
    f_.tensors_.push_back(std::move(t));
  }

  void place_data_section() {   // checks 16-19
    uint64_t start = 0;
    if (!detail::checked_align_up(in_.pos(), f_.alignment_, &start) || (start > f_.size_ && !f_.tensors_.empty()))
      throw Error("gguf: data section would start at offset " + num(in_.pos()) + " rounded up to alignment " +
                  num(f_.alignment_) + ", past end of file (size " + num(f_.size_) + ")");
    // Without tensors the padding is optional (older writers omit it).
    f_.data_offset_ = std::min(start, f_.size_);
    for (const TensorInfo& t : f_.tensors_) check_inside_file(t);
    check_no_overlap();
  }

  void check_inside_file(const TensorInfo& t) const {   // check 17
    uint64_t begin = 0, end = 0;
    const bool representable = detail::checked_add(f_.data_offset_, t.offset, &begin) &&
                               detail::checked_add(begin, t.nbytes, &end);
    if (representable && end <= f_.size_) return;
    const std::string range = representable
        ? "[" + num(begin) + ", " + num(end) + ")"
        : "at data offset " + num(t.offset) + " (+" + num(t.nbytes) + " bytes, overflows)";
    throw Error("gguf: tensor " + quoted(t.name) + " data " + range + " extends past end of file (size " +
                num(f_.size_) + ")");
  }

  // Tensors may come in any order with gaps, but never share bytes (check 18).
  void check_no_overlap() const {
    std::vector<const TensorInfo*> by_offset;
    for (const TensorInfo& t : f_.tensors_)
      if (t.nbytes > 0) by_offset.push_back(&t);
    std::sort(by_offset.begin(), by_offset.end(),
              [](const TensorInfo* a, const TensorInfo* b) { return a->offset < b->offset; });
    uint64_t total = 0;
    for (size_t i = 0; i < by_offset.size(); ++i) {
      const TensorInfo& t = *by_offset[i];
      if (i > 0) {
        const TensorInfo& prev = *by_offset[i - 1];
        if (prev.offset + prev.nbytes > t.offset)   // both validated to lie inside the file
          throw Error("gguf: tensors " + quoted(prev.name) + " [" + num(f_.data_offset_ + prev.offset) + ", " +
                      num(f_.data_offset_ + prev.offset + prev.nbytes) + ") and " + quoted(t.name) + " [" +
                      num(f_.data_offset_ + t.offset) + ", " + num(f_.data_offset_ + t.offset + t.nbytes) +
                      ") overlap");
      }
      uint64_t padded = 0;   // check 19; cannot fail once the ranges are disjoint and in the file
      if (!detail::checked_align_up(t.nbytes, f_.alignment_, &padded) || !detail::checked_add(total, padded, &total))
        throw Error("gguf: total tensor data size overflows at tensor " + quoted(t.name));
    }
  }

  File& f_;
  Cursor in_;
  std::unordered_set<std::string> keys_;
  uint64_t decoded_bytes_ = 0;   // memory of the array elements read so far
  std::unordered_set<std::string> tensor_names_;
};

void File::parse() { Parser(*this).run(); }

std::string quoted(std::string_view s) {
  constexpr size_t kShown = 96;
  std::string out = "'";
  for (size_t i = 0; i < s.size() && i < kShown; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out + (s.size() > kShown ? "'..." : "'");
}

}  // namespace edgelm::gguf
