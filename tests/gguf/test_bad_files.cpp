// Crafted malformed files: each must be refused with an Error naming the
// problem (docs/FORMATS.md §1.8), and a few unusual-but-valid layouts accepted.
#include <limits>

#include "gguf_test_util.h"

namespace edgelm::gguf::testing {
namespace {

constexpr auto kArray = ValueType::ARRAY;
uint32_t id(ValueType t) { return static_cast<uint32_t>(t); }

TEST(GgufBadFiles, SmallValidFileParses) {
  auto f = parse(small_valid_spec().build().data);
  EXPECT_EQ(f->version(), 3u);
  EXPECT_EQ(f->tensors().size(), 2u);
  EXPECT_EQ(f->get_string("general.architecture"), "llama");
  EXPECT_EQ(f->data_offset() % 32, 0u);
  EXPECT_EQ(f->data_offset() + 64, f->file_size());
}

TEST(GgufBadFiles, Header) {
  EXPECT_TRUE(fails_with({}, "file too small (0 bytes"));
  EXPECT_TRUE(fails_with({'G', 'G', 'U', 'F', 3, 0, 0, 0, 0, 0}, "file too small (10 bytes"));
  std::vector<uint8_t> elf = small_valid_spec().build().data;
  std::memcpy(elf.data(), "\x7f" "ELF", 4);
  EXPECT_TRUE(fails_with(elf, "bad magic"));
}

TEST(GgufBadFiles, Versions) {
  FileSpec s = small_valid_spec();
  s.version = 0;
  EXPECT_TRUE(fails_with(s.build().data, "unsupported GGUF version 0"));
  s.version = 1;
  EXPECT_TRUE(fails_with(s.build().data, "unsupported GGUF version 1 (obsolete format; re-convert the model)"));
  s.version = 4;
  EXPECT_TRUE(fails_with(s.build().data, "unsupported GGUF version 4"));
  s.version = 0x03000000;   // a big-endian v3 file read as little-endian
  EXPECT_TRUE(fails_with(s.build().data, "byte-swapped (big-endian)"));
  s.version = 2;
  EXPECT_EQ(parse(s.build().data)->version(), 2u);
}

TEST(GgufBadFiles, Counts) {
  FileSpec s = small_valid_spec();
  s.n_tensors = -1;
  EXPECT_TRUE(fails_with(s.build().data, "tensor count -1 is negative"));
  s = small_valid_spec();
  s.n_kv = -5;
  EXPECT_TRUE(fails_with(s.build().data, "kv count -5 is negative"));
  s.n_kv = int64_t{1} << 40;
  EXPECT_TRUE(fails_with(s.build().data, "kv count 1099511627776 is impossible"));
  s = small_valid_spec();
  s.n_tensors = std::numeric_limits<int64_t>::max();   // count * 24 overflows
  EXPECT_TRUE(fails_with(s.build().data, "tensor count 9223372036854775807 is impossible"));
  s = small_valid_spec();
  s.n_tensors = 8;   // fits the bytes left at the header, not after the metadata
  EXPECT_TRUE(fails_with(s.build().data, "tensor count 8 is impossible"));
  s = small_valid_spec();
  s.n_kv = 5;        // one more record than present: the tensor directory is misread
  EXPECT_ANY_THROW(parse(s.build().data));
}

TEST(GgufBadFiles, Strings) {
  FileSpec s = small_valid_spec();
  s.kvs.insert(s.kvs.begin(), Bytes().u64(1000).raw("general.x"));
  EXPECT_TRUE(fails_with(s.build().data, "key of metadata entry #0 at offset 24 has length 1000, past end of file"));
  s.kvs[0] = Bytes().u64((uint64_t{1} << 30) + 1).raw("x");
  EXPECT_TRUE(fails_with(s.build().data, "over the 2^30 limit"));
  s.kvs[0] = kv_raw("v", ValueType::STRING, Bytes().u64(~uint64_t{0}));
  EXPECT_TRUE(fails_with(s.build().data, "value of key 'v' at offset"));
}

TEST(GgufBadFiles, Keys) {
  FileSpec s = small_valid_spec();
  s.kvs.push_back(kv_u32("llama.block_count", 3));
  EXPECT_TRUE(fails_with(s.build().data, "duplicate key 'llama.block_count'"));
  s = small_valid_spec();
  s.kvs.push_back(kv_u32("", 3));
  EXPECT_TRUE(fails_with(s.build().data, "empty key"));
  s.kvs.back() = kv_u32("bad\nkey", 3);
  EXPECT_TRUE(fails_with(s.build().data, "non-printable byte 0x0a"));
}

TEST(GgufBadFiles, ValueTypes) {
  FileSpec s = small_valid_spec();
  s.kvs.push_back(kv_raw("weird", static_cast<ValueType>(13), Bytes().u32(0)));
  EXPECT_TRUE(fails_with(s.build().data, "key 'weird' has invalid value type 13"));
  s.kvs.back() = kv_raw("arr", kArray, Bytes().u32(77).u64(0));
  EXPECT_TRUE(fails_with(s.build().data, "key 'arr' has invalid array element type 77"));
  s.kvs.back() = kv_raw("nested", kArray, Bytes().u32(id(kArray)).u64(1).u32(id(ValueType::U8)).u64(0));
  EXPECT_TRUE(fails_with(s.build().data, "key 'nested' is a nested array"));
  s.kvs.back() = kv_raw("flag", ValueType::BOOL, Bytes().num<uint8_t>(2));
  EXPECT_TRUE(fails_with(s.build().data, "invalid bool byte 2"));
}

TEST(GgufBadFiles, ArrayCounts) {
  FileSpec s = small_valid_spec();
  s.kvs.push_back(kv_raw("big", kArray, Bytes().u32(id(ValueType::U8)).u64(uint64_t{1} << 31)));
  EXPECT_TRUE(fails_with(s.build().data, "key 'big' array has 2147483648 elements, over the 2^30 limit"));
  s.kvs.back() = kv_raw("big", kArray, Bytes().u32(id(ValueType::U64)).u64(uint64_t{1} << 29));
  EXPECT_TRUE(fails_with(s.build().data, "key 'big' array of 536870912 u64 elements extends past end of file"));
  s.kvs.back() = kv_raw("strs", kArray, Bytes().u32(id(ValueType::STRING)).u64(1000));
  EXPECT_TRUE(fails_with(s.build().data, "key 'strs' array of 1000 string elements extends past end of file"));
}

TEST(GgufBadFiles, Alignment) {
  FileSpec s = small_valid_spec();
  s.kvs.push_back(kv_raw("general.alignment", ValueType::I32, Bytes().u32(32)));
  EXPECT_TRUE(fails_with(s.build().data, "general.alignment must be of type u32, not i32"));
  s.kvs.back() = kv_u32("general.alignment", 0);
  EXPECT_TRUE(fails_with(s.build().data, "general.alignment: alignment is zero"));
  s.kvs.back() = kv_u32("general.alignment", 48);
  EXPECT_TRUE(fails_with(s.build().data, "alignment 48 is not a power of two"));
  s.kvs.back() = kv_u32("general.alignment", 4);
  EXPECT_TRUE(fails_with(s.build().data, "alignment 4 is not a multiple of 8"));
  s.kvs.back() = kv_u32("general.alignment", 64);   // b.weight at offset 32 is now misaligned
  s.alignment = 64;
  EXPECT_TRUE(fails_with(s.build().data, "tensor 'b.weight' offset 32"));
  s.tensors[1].offset = 64;
  s.data_bytes = 96;
  auto f = parse(s.build().data);
  EXPECT_EQ(f->alignment(), 64u);
  EXPECT_EQ(f->data_offset() % 64, 0u);
}

TEST(GgufBadFiles, TensorInfo) {
  FileSpec s = small_valid_spec();
  s.tensors[0].ne = {4, 2, 1, 1, 1};
  EXPECT_TRUE(fails_with(s.build().data, "tensor 'a.weight' has 5 dimensions (max 4)"));
  for (uint32_t bad : {4u, 31u, 1000u}) {
    s = small_valid_spec();
    s.tensors[0].type = bad;
    EXPECT_TRUE(fails_with(s.build().data, "unsupported tensor type id " + std::to_string(bad) + " in tensor 'a.weight'"));
  }
  s = small_valid_spec();
  s.tensors[0] = {"q.weight", {33, 1}, static_cast<uint32_t>(GgmlType::Q4_0), 0};
  EXPECT_TRUE(fails_with(s.build().data, "tensor 'q.weight': row length ne0=33 is not a multiple of the Q4_0 block size 32"));
  s = small_valid_spec();
  s.tensors[0].ne = {4, -2};
  EXPECT_TRUE(fails_with(s.build().data, "tensor 'a.weight': dimension 1 is negative (-2)"));
  s.tensors[0].ne = {int64_t{1} << 32, int64_t{1} << 32};
  EXPECT_TRUE(fails_with(s.build().data, "element count of shape [4294967296, 4294967296, 1, 1] overflows int64"));
  s.tensors[0].ne = {int64_t{1} << 32, 0, int64_t{1} << 32};   // a zero dim does not hide the overflow
  EXPECT_TRUE(fails_with(s.build().data, "overflows int64"));
  s.tensors[0].ne = {int64_t{1} << 62};
  EXPECT_TRUE(fails_with(s.build().data, "tensor 'a.weight': byte size of shape"));
  s = small_valid_spec();
  s.tensors[0].name = std::string(64, 'n');
  EXPECT_TRUE(fails_with(s.build().data, "is 64 bytes long (max 63)"));
  s.tensors[0].name = "b.weight";
  EXPECT_TRUE(fails_with(s.build().data, "duplicate tensor name 'b.weight'"));
}

TEST(GgufBadFiles, TensorPlacement) {
  FileSpec s = small_valid_spec();
  s.tensors[1].offset = 16;
  EXPECT_TRUE(fails_with(s.build().data, "tensor 'b.weight' offset 16 (at file offset"));
  s = small_valid_spec();
  s.data_bytes = 63;
  EXPECT_TRUE(fails_with(s.build().data, "tensor 'b.weight' data ["));
  EXPECT_TRUE(fails_with(s.build().data, ") extends past end of file (size "));
  s = small_valid_spec();
  s.tensors[1].offset = ~uint64_t{31};   // aligned, but offset + size overflows
  EXPECT_TRUE(fails_with(s.build().data, "tensor 'b.weight' data at data offset 18446744073709551584"));
  s = small_valid_spec();
  s.tensors[1].offset = 0;
  EXPECT_TRUE(fails_with(s.build().data, "tensors 'a.weight' ["));
  EXPECT_TRUE(fails_with(s.build().data, ") overlap"));
  s = small_valid_spec();
  s.tensors[0].ne = {16, 1};   // 64 bytes, runs into b.weight at 32
  s.data_bytes = 96;
  EXPECT_TRUE(fails_with(s.build().data, "overlap"));
}

TEST(GgufBadFiles, DataSectionPastEnd) {
  FileSpec s = small_valid_spec();
  s.tensors = {{"empty", {0}, 0, 0}};
  s.data_bytes = 0;
  auto f = parse(s.build().data);   // a zero-size tensor at the data start is fine
  EXPECT_EQ(f->tensors()[0].nbytes, 0u);
  s.alignment = 1;   // omit the padding before the data section
  Bytes b = s.build();
  ASSERT_NE(b.data.size() % 32, 0u);
  EXPECT_TRUE(fails_with(b.data, "data section would start at offset"));
}

TEST(GgufBadFiles, UnusualButValidLayouts) {
  // Tensors in reverse order with a gap: not llama.cpp's layout, but legal.
  FileSpec s = small_valid_spec();
  s.tensors[0].offset = 96;
  s.tensors[1].offset = 0;
  s.data_bytes = 128;
  auto f = parse(s.build().data);
  EXPECT_EQ(f->find_tensor("a.weight")->offset, 96u);
  // No tensors and no padding after the metadata (older vocab-only files).
  s = small_valid_spec();
  s.tensors.clear();
  s.alignment = 1;
  s.data_bytes = 0;
  Bytes b = s.build();
  ASSERT_NE(b.data.size() % 32, 0u);
  f = parse(b.data);
  EXPECT_EQ(f->data_offset(), f->file_size());
  EXPECT_TRUE(f->tensors().empty());
}

TEST(GgufBadFiles, TruncatedRecordNamesWhatWasBeingRead) {
  FileSpec s;
  s.kvs.push_back(kv_str("general.architecture", "llama"));
  const std::vector<uint8_t> full = s.build().data;
  std::vector<uint8_t> b(full.begin(), full.begin() + 24 + 8 + 10);   // inside the key
  EXPECT_TRUE(fails_with(b, "key of metadata entry #0 at offset 24 has length 20, past end of file"));
  b.assign(full.begin(), full.begin() + 24 + 8 + 20 + 2);   // inside the value type
  EXPECT_TRUE(fails_with(b, "unexpected end of file reading value of key 'general.architecture' type at offset 52"));
}

// A u8 array is kept as 8-byte numbers: 80 MB of file would take 640 MB.
// The reader refuses before reading it, with a message naming the key.
TEST(BadFiles, MetadataArraysHaveAMemoryBudget) {
  FileSpec s = small_valid_spec();
  const uint64_t n = 80u << 20;
  Bytes payload;
  payload.u32(static_cast<uint32_t>(ValueType::U8)).u64(n);
  payload.data.resize(payload.data.size() + n, 7);
  s.kvs.push_back(kv_raw("huge.u8", ValueType::ARRAY, payload));
  EXPECT_TRUE(fails_with(s.build().data, "MiB limit"));
  EXPECT_TRUE(fails_with(s.build().data, "huge.u8"));
}

}  // namespace
}  // namespace edgelm::gguf::testing
