// Writer -> reader round trips: every value type, arrays of every element type,
// tensors of several types, the exact llama.cpp layout, and I/O errors.
#include <cmath>
#include <fstream>
#include <limits>

#include "gguf_test_util.h"

namespace edgelm::gguf::testing {
namespace {

namespace fs = std::filesystem;

std::unique_ptr<File> reread(const Writer& w) { return parse(w.to_bytes()); }

std::vector<uint8_t> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

bool same_value(const Value& a, const Value& b) {
  auto same_floats = [](const std::vector<double>& x, const std::vector<double>& y) {
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (!(x[i] == y[i] || (std::isnan(x[i]) && std::isnan(y[i])))) return false;
    return true;
  };
  return a.type == b.type && (!a.is_array() || a.elem_type == b.elem_type) && a.str == b.str && a.strs == b.strs &&
         a.ints == b.ints && a.uints == b.uints && same_floats(a.floats, b.floats);
}

TEST(GgufWriter, ScalarsOfEveryType) {
  Writer w;
  w.set_u8("u8", 255);
  w.set_i8("i8", -128);
  w.set_u16("u16", 65535);
  w.set_i16("i16", -32768);
  w.set_u32("u32", 4294967295u);
  w.set_i32("i32", std::numeric_limits<int32_t>::min());
  w.set_u64("u64", std::numeric_limits<uint64_t>::max());
  w.set_i64("i64", std::numeric_limits<int64_t>::min());
  w.set_f32("f32", -1.25e-20f);
  w.set_f64("f64", 3.141592653589793);
  w.set_bool("bool", true);
  w.set_string("string", std::string("utf-8 \xc3\xa9 and a \0 byte", 22));
  w.set_string("empty", "");
  auto f = reread(w);
  ASSERT_EQ(f->metadata().size(), 13u);
  EXPECT_EQ(f->find("u8")->uints, std::vector<uint64_t>{255});
  EXPECT_EQ(f->find("i8")->ints, std::vector<int64_t>{-128});
  EXPECT_EQ(f->find("u16")->uints, std::vector<uint64_t>{65535});
  EXPECT_EQ(f->find("i16")->ints, std::vector<int64_t>{-32768});
  EXPECT_EQ(f->find("u32")->uints, std::vector<uint64_t>{4294967295u});
  EXPECT_EQ(f->find("i32")->ints, std::vector<int64_t>{std::numeric_limits<int32_t>::min()});
  EXPECT_EQ(f->find("u64")->uints, std::vector<uint64_t>{std::numeric_limits<uint64_t>::max()});
  EXPECT_EQ(f->find("i64")->ints, std::vector<int64_t>{std::numeric_limits<int64_t>::min()});
  EXPECT_EQ(f->find("f32")->floats, std::vector<double>{-1.25e-20f});
  EXPECT_EQ(f->find("f64")->floats, std::vector<double>{3.141592653589793});
  EXPECT_EQ(f->find("bool")->ints, std::vector<int64_t>{1});
  EXPECT_EQ(f->get_string("string"), std::string("utf-8 \xc3\xa9 and a \0 byte", 22));
  EXPECT_EQ(f->get_string("empty"), "");
  const char* expected_types[] = {"u8", "i8", "u16", "i16", "u32", "i32", "u64",
                                  "i64", "f32", "f64", "bool", "string", "string"};
  for (size_t i = 0; i < 13; ++i) EXPECT_EQ(describe_type(f->metadata()[i].second), expected_types[i]);
  // set_value of what was read writes the same image again.
  Writer copy;
  for (const auto& [key, value] : f->metadata()) copy.set_value(key, value);
  EXPECT_EQ(copy.to_bytes(), w.to_bytes());
}

// An array of every element type, with extreme values, through set_value.
TEST(GgufWriter, ArraysOfEveryElementType) {
  std::vector<std::pair<std::string, Value>> arrays;
  auto array_of = [&](ValueType elem, auto fill) {
    Value v;
    v.type = ValueType::ARRAY;
    v.elem_type = elem;
    fill(v);
    arrays.emplace_back(std::string("arr.") + value_type_name(elem), v);
  };
  array_of(ValueType::U8, [](Value& v) { v.uints = {0, 1, 255}; });
  array_of(ValueType::I8, [](Value& v) { v.ints = {-128, 0, 127}; });
  array_of(ValueType::U16, [](Value& v) { v.uints = {0, 65535}; });
  array_of(ValueType::I16, [](Value& v) { v.ints = {-32768, 32767}; });
  array_of(ValueType::U32, [](Value& v) { v.uints = {0, 4294967295u}; });
  array_of(ValueType::I32, [](Value& v) { v.ints = {std::numeric_limits<int32_t>::min(), 5}; });
  array_of(ValueType::U64, [](Value& v) { v.uints = {std::numeric_limits<uint64_t>::max()}; });
  array_of(ValueType::I64, [](Value& v) { v.ints = {std::numeric_limits<int64_t>::min(), -1}; });
  array_of(ValueType::F32, [](Value& v) {
    v.floats = {0.0, -0.5, std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()};
  });
  array_of(ValueType::F64, [](Value& v) { v.floats = {1e300, -1e-300}; });
  array_of(ValueType::BOOL, [](Value& v) { v.ints = {1, 0, 0, 1}; });
  array_of(ValueType::STRING, [](Value& v) { v.strs = {"", "a", std::string(1000, 'z')}; });
  array_of(ValueType::I32, [](Value&) {});   // replaces arr.i32 with an empty array
  Writer w;
  for (const auto& [key, v] : arrays) w.set_value(key, v);
  w.set_i32_array("h.i32", {-1, 2});
  w.set_u32_array("h.u32", {3, 4294967295u});
  w.set_f32_array("h.f32", {0.125f});
  w.set_bool_array("h.bool", {false, true});
  w.set_string_array("h.str", {"x", "yy"});
  auto f = reread(w);
  ASSERT_EQ(f->metadata().size(), 12u + 5u);   // the second arr.i32 replaced the first
  for (size_t i = 0; i < 12; ++i) {
    const auto& [key, want] = arrays[i == 5 ? 12 : i];
    SCOPED_TRACE(key);
    const Value* got = f->find(key);
    ASSERT_NE(got, nullptr);
    EXPECT_TRUE(same_value(*got, want));
    EXPECT_EQ(got->array_size(), want.array_size());
  }
  EXPECT_EQ(f->find("arr.i32")->array_size(), 0u);
  EXPECT_EQ(f->get_int_array("h.i32"), (std::vector<int64_t>{-1, 2}));
  EXPECT_EQ(f->get_int_array("h.u32"), (std::vector<int64_t>{3, 4294967295LL}));
  EXPECT_EQ(f->get_float_array("h.f32"), (std::vector<double>{0.125}));
  EXPECT_EQ(f->get_bool_array("h.bool"), (std::vector<bool>{false, true}));
  EXPECT_EQ(f->get_string_array("h.str"), (std::vector<std::string>{"x", "yy"}));
  EXPECT_EQ(describe_type(*f->find("h.str")), "array of string");
}

TEST(GgufWriter, TensorsAreLaidOutLikeLlamaCpp) {
  struct Case { std::string name; GgmlType type; std::vector<int64_t> ne; };
  const std::vector<Case> cases = {
      {"f32", GgmlType::F32, {3, 5}},          {"f16", GgmlType::F16, {7}},
      {"q4_0", GgmlType::Q4_0, {64, 3}},       {"q8_0", GgmlType::Q8_0, {32, 1, 2}},
      {"q4_k", GgmlType::Q4_K, {256, 2, 1, 2}}, {"bf16", GgmlType::BF16, {16, 2}},
      {"empty", GgmlType::F32, {0, 4}},
  };
  Writer w;
  w.set_string("general.architecture", "test");
  for (size_t i = 0; i < cases.size(); ++i) {
    const uint8_t seed = static_cast<uint8_t>(i + 1);
    w.add_tensor(cases[i].name, cases[i].type, cases[i].ne, [seed](uint8_t* dst, size_t n) {
      for (size_t k = 0; k < n; ++k) dst[k] = static_cast<uint8_t>(seed * 31 + k);
    });
  }
  const std::vector<uint8_t> bytes = w.to_bytes();
  auto f = parse(bytes);
  ASSERT_EQ(f->tensors().size(), cases.size());
  EXPECT_EQ(f->alignment(), 32u);
  EXPECT_EQ(f->data_offset() % 32, 0u);
  uint64_t expected_offset = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const TensorInfo& t = f->tensors()[i];
    SCOPED_TRACE(t.name);
    EXPECT_EQ(t.name, cases[i].name);
    EXPECT_EQ(t.type, cases[i].type);
    EXPECT_EQ(t.n_dims, cases[i].ne.size());
    for (size_t d = 0; d < cases[i].ne.size(); ++d) EXPECT_EQ(t.ne[d], cases[i].ne[d]);
    EXPECT_EQ(t.offset, expected_offset);   // running aligned sum in directory order
    const TypeTraits& traits = type_traits(t.type);
    EXPECT_EQ(t.nbytes, static_cast<uint64_t>(t.n_elements() / traits.block_elems * traits.block_bytes));
    const uint8_t* data = f->tensor_data(t);
    const uint8_t seed = static_cast<uint8_t>(i + 1);
    for (size_t k = 0; k < t.nbytes; ++k) ASSERT_EQ(data[k], static_cast<uint8_t>(seed * 31 + k));
    const uint64_t padded = (t.nbytes + 31) / 32 * 32;
    for (uint64_t k = t.nbytes; k < padded; ++k) ASSERT_EQ(data[k], 0) << "padding must be zero";
    expected_offset += padded;
  }
  EXPECT_EQ(f->file_size(), f->data_offset() + expected_offset);
}

TEST(GgufWriter, CustomAlignmentAndDefaultFill) {
  Writer w;
  w.set_u32("general.alignment", 64);
  EXPECT_EQ(w.alignment(), 64u);
  w.add_tensor("a", GgmlType::F32, {3}, nullptr);
  w.add_tensor("b", GgmlType::F32, {5}, nullptr);
  auto f = reread(w);
  EXPECT_EQ(f->alignment(), 64u);
  EXPECT_EQ(f->data_offset() % 64, 0u);
  EXPECT_EQ(f->tensors()[1].offset, 64u);
  for (uint8_t b : f->tensor_bytes(f->tensors()[1])) EXPECT_EQ(b, 0);
}

TEST(GgufWriter, FileOutputEqualsMemoryImage) {
  Writer w;
  w.set_string("general.architecture", "test");
  w.add_tensor("t", GgmlType::Q8_0, {64, 2}, [](uint8_t* dst, size_t n) { std::memset(dst, 0x11, n); });
  const std::string path = temp_path("out.gguf");
  w.write(path);
  EXPECT_EQ(read_all(path), w.to_bytes());
  auto f = File::open(path);
  EXPECT_EQ(f->tensor_bytes(f->tensors()[0])[67], 0x11);
  fs::remove(path);
}

// Re-writing stories260K (written by llama.cpp's tools) gives the identical file:
// same metadata encoding, same offsets, same padding.
TEST(GgufWriter, CopyOfStories260KIsByteIdentical) {
  const std::string src_path = shared_path("models/stories260K.gguf");
  ASSERT_TRUE(fs::exists(src_path)) << "missing shared test data: " << src_path;
  auto src = File::open(src_path);
  Writer w;
  for (const auto& [key, value] : src->metadata()) w.set_value(key, value);
  for (const TensorInfo& t : src->tensors()) {
    const File* file = src.get();
    w.add_tensor(t.name, t.type, std::vector<int64_t>(t.ne, t.ne + t.n_dims), [file, &t](uint8_t* dst, size_t n) {
      std::memcpy(dst, file->tensor_data(t), n);
    });
  }
  const std::string out = temp_path("stories_copy.gguf");
  w.write(out);
  EXPECT_TRUE(read_all(out) == read_all(src_path)) << "copy differs from the original";
  fs::remove(out);
}

TEST(GgufWriter, RefusesInvalidInput) {
  Writer w;
  EXPECT_EQ(error_of([&] { w.set_u32("", 1); }), "gguf: writer: bad key '': empty key");
  EXPECT_EQ(error_of([&] { w.set_i32("general.alignment", 32); }),
            "gguf: writer: general.alignment must be of type u32");
  EXPECT_EQ(error_of([&] { w.set_u32("general.alignment", 48); }),
            "gguf: writer: general.alignment: alignment 48 is not a power of two");
  Value nested;
  nested.type = ValueType::ARRAY;
  nested.elem_type = ValueType::ARRAY;
  EXPECT_EQ(error_of([&] { w.set_value("n", nested); }), "gguf: writer: key 'n' has an invalid array element type");
  Value narrow;
  narrow.type = ValueType::U8;
  narrow.uints = {256};
  EXPECT_EQ(error_of([&] { w.set_value("u", narrow); }), "gguf: writer: value 256 for key 'u' does not fit its type");
  narrow.uints.clear();
  EXPECT_EQ(error_of([&] { w.set_value("u", narrow); }), "gguf: writer: value for key 'u' is missing its data");

  w.add_tensor("t", GgmlType::F32, {4}, nullptr);
  EXPECT_EQ(error_of([&] { w.add_tensor("t", GgmlType::F32, {4}, nullptr); }),
            "gguf: writer: tensor 't': duplicate tensor name");
  EXPECT_EQ(error_of([&] { w.add_tensor("q", GgmlType::Q4_K, {255}, nullptr); }),
            "gguf: writer: tensor 'q': row length ne0=255 is not a multiple of the Q4_K block size 256");
  EXPECT_EQ(error_of([&] { w.add_tensor("d", GgmlType::F32, {1, 1, 1, 1, 1}, nullptr); }),
            "gguf: writer: tensor 'd': needs 1 to 4 dimensions");
  EXPECT_EQ(error_of([&] { w.add_tensor("x", static_cast<GgmlType>(4), {32}, nullptr); }),
            "gguf: writer: tensor 'x': unknown tensor type id 4");
  EXPECT_EQ(error_of([&] { w.add_tensor(std::string(64, 'n'), GgmlType::F32, {1}, nullptr); }),
            "gguf: writer: tensor '" + std::string(64, 'n') + "': name longer than 63 bytes");
  EXPECT_EQ(reread(w)->tensors().size(), 1u);   // the refused tensors left no trace
}

TEST(GgufWriter, ReportsIoErrors) {
  Writer w;
  w.add_tensor("t", GgmlType::F32, {1024}, nullptr);
  EXPECT_NE(error_of([&] { w.write("/nonexistent-dir/x.gguf"); }).find("cannot create '/nonexistent-dir/x.gguf'"),
            std::string::npos);
  if (fs::exists("/dev/full")) {   // every write fails with ENOSPC; the device must not be removed
    EXPECT_NE(error_of([&] { w.write("/dev/full"); }).find("'/dev/full': No space left on device"), std::string::npos);
    EXPECT_TRUE(fs::exists("/dev/full"));
  }
  // A failing fill aborts the write and leaves no partial file behind.
  Writer bad;
  bad.add_tensor("t", GgmlType::F32, {8}, [](uint8_t*, size_t) { throw Error("source tensor unreadable"); });
  const std::string path = temp_path("partial.gguf");
  EXPECT_EQ(error_of([&] { bad.write(path); }), "source tensor unreadable");
  EXPECT_FALSE(fs::exists(path));
}

}  // namespace
}  // namespace edgelm::gguf::testing
