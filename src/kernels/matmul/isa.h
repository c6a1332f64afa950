// Which SIMD kernel set the matmul uses. The best one this CPU supports is
// chosen at start-up from its feature flags; tests and benchmarks may force
// another (any that isa_available() accepts) to compare them.
#pragma once

namespace edgelm::kernels {

enum class Isa { Scalar, Avx2, Avx512, Neon };

const char* isa_name(Isa isa);              // "scalar", "avx2", "avx512", "neon"
bool isa_available(Isa isa);                // built in and supported by this CPU
Isa best_isa();
Isa active_isa();
void set_active_isa(Isa isa);               // throws edgelm::Error if unavailable

}  // namespace edgelm::kernels
