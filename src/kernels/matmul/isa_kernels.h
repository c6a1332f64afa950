// The entry points each ISA-specific translation unit (isa_avx512.cpp,
// isa_avx2.cpp, isa_neon.cpp) exports. Only those files contain intrinsics;
// everything else calls them through this table after the run-time CPU check.
#pragma once
#include <cstdint>

#include "kernels/matmul/activations.h"
#include "kernels/matmul/isa.h"
#include "tensor/types.h"

namespace edgelm::kernels {

// Most tokens one tile call handles (each ISA runs them in register-sized
// passes), and the largest packed group.
constexpr int kMaxTileTokens = 8;
constexpr int kMaxGroupRows = 16;

// One row group of a packed matrix times n_tokens (1..kMaxTileTokens)
// prepared activation rows: out[t * rows + r] for the group's rows r. `records`
// is the group's record count (blocks per row, or columns for float types);
// act[t] points at token t's activation row (ActBlock32 / ActSuperBlock
// blocks, or floats).
using TileFn = void (*)(const uint8_t* group, int64_t records, const void* const* act, int n_tokens, float* out);

struct IsaKernels {
  Isa isa;
  int rows;                                        // R: rows per packed group
  TileFn (*tile)(GgmlType weight);                 // nullptr: not accelerated
  bool (*bit_exact)(GgmlType weight);              // tile reproduces vec_dot_ref bit for bit
  void (*act_q8_0)(const float* x, ActBlock32* out, int64_t blocks);
  void (*act_q8_k)(const float* x, ActSuperBlock* out, int64_t blocks, bool q6_corr);
  void (*round_f16)(const float* x, float* out, int64_t n);
  void (*round_bf16)(const float* x, float* out, int64_t n);
};

// The table of an ISA, or nullptr (scalar, or not built for this target).
// Does not check the CPU: isa_available() does.
const IsaKernels* kernels_of(Isa isa);
// The table of active_isa() (nullptr when it is scalar).
const IsaKernels* active_kernels();

const IsaKernels* avx512_kernels();
const IsaKernels* avx2_kernels();
const IsaKernels* neon_kernels();

}  // namespace edgelm::kernels
