// The table of tensor element types (ggml type ids as stored in GGUF) and the
// scalar reference routines every faster kernel is tested against.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace edgelm {

enum class GgmlType : uint32_t {
  F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
  Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
  IQ4_NL = 20, IQ4_XS = 23, I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28,
  BF16 = 30, MXFP4 = 39,
};

struct TypeTraits {
  const char* name;      // "Q4_K", as llama.cpp spells it
  int block_elems;       // elements per block (1 for scalar types)
  int block_bytes;       // bytes per block
  bool can_dequantize;   // dequantize_row() supports it
};

// Traits of a ggml type id as read from a file; nullptr for ids that are unknown,
// removed (4, 5, 31-33, 36-38) or otherwise not supported by edgelm.
const TypeTraits* type_traits(uint32_t type_id);
const TypeTraits& type_traits(GgmlType type);   // for known-good types
std::string type_name(uint32_t type_id);        // "Q4_K" or "type#31"
bool parse_type_name(const std::string& name, GgmlType* out);  // "q4_k" / "Q4_K"

// The recipe a general.file_type value names (docs/FORMATS.md §2.8: 15 -> "Q4_K_M"),
// "" for values edgelm does not know. Informational only: tensor types are
// always read from the tensor directory.
std::string file_type_name(uint32_t file_type);
// The general.file_type value of a recipe name ("q4_k_m"), or -1.
int64_t parse_file_type_name(const std::string& name);

// Bytes of a row of n elements; n must be a multiple of the block size.
size_t row_bytes(GgmlType type, int64_t n);

// Decode n elements (a whole number of blocks) to float32, bit-identical to
// ggml's dequantize_row_*. Throws edgelm::Error for types without a decoder
// (including the activation-only Q8_1/Q8_K) or a partial block.
void dequantize_row(GgmlType type, const void* src, float* dst, int64_t n);

// Reference encoders, bit-exact with ggml's *_ref quantizers (no importance
// matrix) for finite input: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0,
// Q2_K..Q6_K, IQ4_NL, IQ4_XS, MXFP4 and the activation formats Q8_1 and Q8_K
// (block layouts in tensor/quant_blocks.h). Exceptions, where ggml leaves bytes
// unspecified: an all-zero IQ4_NL block gets code 0, an all-zero Q8_K block
// gets bsums 0. Returns false when `type` has no encoder; throws edgelm::Error
// when n is not a whole number of blocks.
bool quantize_row(GgmlType type, const float* src, void* dst, int64_t n);

// F32 dot products keep this many running sums, element i feeding sum i mod
// kF32Lanes (ggml's AVX2 build: four 8-float accumulators).
inline constexpr int kF32Lanes = 32;

// Converts a matmul input row to vec_dot_type(weight) as ggml's x86 builds do
// at run time: Q8_0 by their SIMD quantize_row_q8_0 (x·127/amax, ties to
// even; see quantize.cpp), every other type by quantize_row. Throws
// edgelm::Error for a partial block or a type without an encoder.
void quantize_activation_row(GgmlType type, const float* src, void* dst, int64_t n);

// The type the activation row is converted to before an integer/half dot
// product with a weight row of `weight` type (ggml's vec_dot_type):
// F32->F32, F16->F16, BF16->BF16, Q4_0/Q5_0/Q8_0/IQ4_NL/MXFP4->Q8_0,
// Q4_1/Q5_1->Q8_1, K-quants and IQ4_XS->Q8_K. Throws for other types.
GgmlType vec_dot_type(GgmlType weight);

// Scalar reference dot product of one weight row with one activation row
// already converted to vec_dot_type(weight_type); n elements. Bit-identical to
// ggml's portable C path (Q8_0 and F32: its x86 AVX2/FMA path): exact integer
// sums per block/sub-block, then the float scale updates in ggml's order (see
// vec_dot_ref.cpp); F32 in kF32Lanes running sums of fused multiply-adds;
// F16/BF16 products are formed in f32 and summed in double.
float vec_dot_ref(GgmlType weight_type, const void* weight_row,
                  const void* act_row, int64_t n);

// Half-precision helpers (exact, round-to-nearest-even on encode).
float fp16_to_fp32(uint16_t h);
uint16_t fp32_to_fp16(float f);
float bf16_to_fp32(uint16_t h);
uint16_t fp32_to_bf16(float f);

}  // namespace edgelm
