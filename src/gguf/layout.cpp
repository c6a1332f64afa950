// Shared GGUF layout rules (see layout.h).
#include "gguf/layout.h"

#include <cstdio>

namespace edgelm::gguf::detail {

bool checked_align_up(uint64_t x, uint64_t align, uint64_t* out) {
  uint64_t bumped;
  if (!checked_add(x, align - 1, &bumped)) return false;
  *out = bumped & ~(align - 1);
  return true;
}

bool is_valid_value_type(uint32_t id) { return id <= static_cast<uint32_t>(ValueType::F64); }

uint64_t min_encoded_size(ValueType t) {
  switch (t) {
    case ValueType::U8: case ValueType::I8: case ValueType::BOOL: return 1;
    case ValueType::U16: case ValueType::I16: return 2;
    case ValueType::U32: case ValueType::I32: case ValueType::F32: return 4;
    case ValueType::U64: case ValueType::I64: case ValueType::F64: return 8;
    case ValueType::STRING: return 8;
    case ValueType::ARRAY: return 0;
  }
  return 0;
}

std::string check_key(std::string_view key) {
  if (key.empty()) return "empty key";
  for (unsigned char c : key) {
    if (c < 0x20 || c > 0x7e) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", c);
      return std::string("key contains non-printable byte ") + hex;
    }
  }
  return "";
}

std::string check_alignment(uint64_t alignment) {
  if (alignment == 0) return "alignment is zero";
  if ((alignment & (alignment - 1)) != 0) return "alignment " + std::to_string(alignment) + " is not a power of two";
  // The spec asks for a multiple of 8; it also keeps f32/f64 tensor data naturally aligned.
  if (alignment % 8 != 0) return "alignment " + std::to_string(alignment) + " is not a multiple of 8";
  return "";
}

std::string shape_string(const int64_t* ne, uint32_t n_dims) {
  std::string s = "[";
  for (uint32_t j = 0; j < n_dims; ++j) s += (j ? ", " : "") + std::to_string(ne[j]);
  return s + "]";
}

std::string check_tensor_shape(const TypeTraits& traits, const int64_t ne[4], uint64_t* nbytes) {
  for (uint32_t j = 0; j < kMaxDims; ++j)
    if (ne[j] < 0) return "dimension " + std::to_string(j) + " is negative (" + std::to_string(ne[j]) + ")";
  // Multiply the non-zero dimensions so that no partial product any consumer
  // may form (rows = ne1*ne2*ne3, ...) can overflow, even when one dim is 0.
  int64_t elements = 1;
  for (uint32_t j = 0; j < kMaxDims; ++j) {
    if (ne[j] != 0 && __builtin_mul_overflow(elements, ne[j], &elements))
      return "element count of shape " + shape_string(ne, kMaxDims) + " overflows int64";
  }
  if (ne[0] % traits.block_elems != 0)
    return "row length ne0=" + std::to_string(ne[0]) + " is not a multiple of the " + traits.name +
           " block size " + std::to_string(traits.block_elems);
  uint64_t row = 0, bytes = 0;
  const uint64_t blocks = static_cast<uint64_t>(ne[0]) / static_cast<uint64_t>(traits.block_elems);
  const uint64_t rows = static_cast<uint64_t>(ne[1]) * static_cast<uint64_t>(ne[2]) * static_cast<uint64_t>(ne[3]);
  if (!checked_mul(blocks, static_cast<uint64_t>(traits.block_bytes), &row) || !checked_mul(row, rows, &bytes))
    return "byte size of shape " + shape_string(ne, kMaxDims) + " overflows";
  *nbytes = bytes;
  return "";
}

}  // namespace edgelm::gguf::detail
