// Rules shared by the GGUF reader and writer: value sizes, key syntax, tensor
// byte sizes and alignment. Each check returns an empty string when the input is
// fine, else a description of the problem that the caller prefixes with context
// ("gguf: tensor 'x' ..."), so both sides reject exactly the same things.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "gguf/gguf.h"

namespace edgelm::gguf::detail {

static_assert(sizeof(size_t) >= sizeof(uint64_t), "edgelm needs a 64-bit size_t");

// Overflow-checked arithmetic; false on overflow (out is then unspecified).
inline bool checked_add(uint64_t a, uint64_t b, uint64_t* out) { return !__builtin_add_overflow(a, b, out); }
inline bool checked_mul(uint64_t a, uint64_t b, uint64_t* out) { return !__builtin_mul_overflow(a, b, out); }
// Rounds x up to a multiple of `align` (a power of two); false on overflow.
bool checked_align_up(uint64_t x, uint64_t align, uint64_t* out);

bool is_valid_value_type(uint32_t id);   // 0..12
// Encoded bytes of one element: the fixed size, or for STRING the smallest
// possible encoding (its 8-byte length); 0 for ARRAY.
uint64_t min_encoded_size(ValueType t);

std::string check_key(std::string_view key);
std::string check_alignment(uint64_t alignment);
// Validates a shape (checklist items 10, 11, 13, 14) and computes its byte size.
std::string check_tensor_shape(const TypeTraits& traits, const int64_t ne[4], uint64_t* nbytes);
std::string shape_string(const int64_t* ne, uint32_t n_dims);   // "[64, 512]"

}  // namespace edgelm::gguf::detail
