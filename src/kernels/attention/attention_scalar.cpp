// The portable attention loops (no intrinsics): the scalar kernel set, and the
// reference the SIMD sets are tested against.
#include "kernels/attention/attention_tiles.h"

namespace edgelm::kernels {
namespace {
constexpr AttentionKernels kScalar = make_attention_kernels<ScalarV>();
}  // namespace

const AttentionKernels* attention_kernels_scalar() { return &kScalar; }

}  // namespace edgelm::kernels
