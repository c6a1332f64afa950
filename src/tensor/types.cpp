// The type table and half-precision conversions.
#include "tensor/types.h"

#include <cstring>
#include <strings.h>

#include "edgelm/error.h"

namespace edgelm {
namespace {

struct Entry {
  uint32_t id;
  TypeTraits traits;
};

// ggml ids with their block geometry (docs/FORMATS.md §2.1). Removed ids are absent.
constexpr Entry kTypes[] = {
    {0, {"F32", 1, 4, true}},       {1, {"F16", 1, 2, true}},
    {2, {"Q4_0", 32, 18, true}},    {3, {"Q4_1", 32, 20, true}},
    {6, {"Q5_0", 32, 22, true}},    {7, {"Q5_1", 32, 24, true}},
    {8, {"Q8_0", 32, 34, true}},    {9, {"Q8_1", 32, 36, false}},
    {10, {"Q2_K", 256, 84, true}},  {11, {"Q3_K", 256, 110, true}},
    {12, {"Q4_K", 256, 144, true}}, {13, {"Q5_K", 256, 176, true}},
    {14, {"Q6_K", 256, 210, true}}, {15, {"Q8_K", 256, 292, false}},
    {20, {"IQ4_NL", 32, 18, true}}, {23, {"IQ4_XS", 256, 136, true}},
    {24, {"I8", 1, 1, false}},      {25, {"I16", 1, 2, false}},
    {26, {"I32", 1, 4, false}},     {27, {"I64", 1, 8, false}},
    {28, {"F64", 1, 8, false}},     {30, {"BF16", 1, 2, true}},
    {39, {"MXFP4", 32, 17, true}},
};

}  // namespace

const TypeTraits* type_traits(uint32_t type_id) {
  for (const Entry& e : kTypes)
    if (e.id == type_id) return &e.traits;
  return nullptr;
}

const TypeTraits& type_traits(GgmlType type) {
  const TypeTraits* t = type_traits(static_cast<uint32_t>(type));
  if (!t) throw Error("unknown tensor type id " + std::to_string(static_cast<uint32_t>(type)));
  return *t;
}

std::string type_name(uint32_t type_id) {
  const TypeTraits* t = type_traits(type_id);
  return t ? std::string(t->name) : "type#" + std::to_string(type_id);
}

namespace {

struct FileType {
  uint32_t id;
  const char* name;
};

// llama.cpp's LlamaFileType values (docs/FORMATS.md §2.8).
constexpr FileType kFileTypes[] = {
    {0, "F32"},     {1, "F16"},     {2, "Q4_0"},    {3, "Q4_1"},    {7, "Q8_0"},    {8, "Q5_0"},
    {9, "Q5_1"},    {10, "Q2_K"},   {11, "Q3_K_S"}, {12, "Q3_K_M"}, {13, "Q3_K_L"}, {14, "Q4_K_S"},
    {15, "Q4_K_M"}, {16, "Q5_K_S"}, {17, "Q5_K_M"}, {18, "Q6_K"},   {25, "IQ4_NL"}, {30, "IQ4_XS"},
    {32, "BF16"},   {38, "MXFP4_MOE"},
};

}  // namespace

std::string file_type_name(uint32_t file_type) {
  for (const FileType& f : kFileTypes)
    if (f.id == file_type) return f.name;
  return "";
}

int64_t parse_file_type_name(const std::string& name) {
  for (const FileType& f : kFileTypes)
    if (strcasecmp(f.name, name.c_str()) == 0) return f.id;
  return -1;
}

bool parse_type_name(const std::string& name, GgmlType* out) {
  for (const Entry& e : kTypes) {
    if (strcasecmp(e.traits.name, name.c_str()) == 0) {
      *out = static_cast<GgmlType>(e.id);
      return true;
    }
  }
  return false;
}

size_t row_bytes(GgmlType type, int64_t n) {
  const TypeTraits& t = type_traits(type);
  return static_cast<size_t>(n / t.block_elems) * static_cast<size_t>(t.block_bytes);
}

float fp16_to_fp32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t magnitude = h & 0x7fff;
  uint32_t bits;
  if (magnitude >= 0x7c00) {
    bits = sign | 0x7f800000u | ((magnitude & 0x3ff) << 13);   // inf / nan
  } else if (magnitude >= 0x0400) {
    bits = sign | ((magnitude << 13) + 0x38000000u);           // normal: rebias 15 -> 127
  } else {
    // zero / subnormal: mantissa · 2^-24, exact in float (at most 10 bits)
    const float value = static_cast<float>(magnitude) * 5.9604644775390625e-8f;
    std::memcpy(&bits, &value, 4);
    bits |= sign;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t fp32_to_fp16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000);
  const uint32_t absx = x & 0x7fffffffu;
  if (absx > 0x7f800000u) return sign | 0x7e00;              // nan
  if (absx >= 0x477ff000u) return sign | 0x7c00;             // overflow (rounds to inf)
  if (absx < 0x38800000u) {                                  // result is subnormal or zero
    if (absx < 0x33000000u) return sign;                     // below half the smallest subnormal
    const uint32_t e = absx >> 23;
    const uint32_t mant = (absx & 0x7fffff) | 0x800000;
    const uint32_t shift = 126 - e;                          // 14..24 bits
    uint32_t q = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1);
    const uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (q & 1))) ++q;
    return sign | static_cast<uint16_t>(q);
  }
  uint32_t q = absx - 0x38000000u;                           // rebias 127 -> 15 (in place)
  const uint32_t rem = q & 0x1fff;
  q >>= 13;
  if (rem > 0x1000 || (rem == 0x1000 && (q & 1))) ++q;       // nearest, ties to even
  return sign | static_cast<uint16_t>(q);
}

float bf16_to_fp32(uint16_t h) {
  const uint32_t bits = static_cast<uint32_t>(h) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t fp32_to_bf16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40);   // quiet nan
  return static_cast<uint16_t>((x + 0x7fff + ((x >> 16) & 1)) >> 16);
}

}  // namespace edgelm
