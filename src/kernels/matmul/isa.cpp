#include "kernels/matmul/isa.h"

#include <atomic>
#include <string>

#include "edgelm/error.h"
#include "kernels/matmul/isa_kernels.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif
#if defined(__aarch64__) && defined(__linux__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace edgelm::kernels {
namespace {

#if defined(__x86_64__)
// F16C (CPUID leaf 1, ECX bit 29); clang's __builtin_cpu_supports has no name for it.
bool has_f16c() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C) != 0;
}
#endif

bool cpu_supports(Isa isa) {
  switch (isa) {
    case Isa::Scalar: return true;
#if defined(__x86_64__)
    // __builtin_cpu_supports also checks that the OS saves the vector state.
    case Isa::Avx2:
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && has_f16c();
    case Isa::Avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni") &&
             has_f16c();
#endif
#if defined(__aarch64__) && defined(__linux__)
    case Isa::Neon: return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;   // needs the dot-product extension
#endif
    default: return false;
  }
}

Isa detect_best() {
  for (Isa isa : {Isa::Avx512, Isa::Avx2, Isa::Neon})
    if (isa_available(isa)) return isa;
  return Isa::Scalar;
}

std::atomic<Isa>& active() {
  static std::atomic<Isa> isa{detect_best()};
  return isa;
}

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Scalar: return "scalar";
    case Isa::Avx2: return "avx2";
    case Isa::Avx512: return "avx512";
    case Isa::Neon: return "neon";
  }
  return "?";
}

const IsaKernels* kernels_of(Isa isa) {
  switch (isa) {
#if defined(EDGELM_HAVE_AVX512)
    case Isa::Avx512: return avx512_kernels();
#endif
#if defined(EDGELM_HAVE_AVX2)
    case Isa::Avx2: return avx2_kernels();
#endif
#if defined(EDGELM_HAVE_NEON)
    case Isa::Neon: return neon_kernels();
#endif
    default: return nullptr;
  }
}

bool isa_available(Isa isa) { return (isa == Isa::Scalar || kernels_of(isa)) && cpu_supports(isa); }

Isa best_isa() {
  static const Isa best = detect_best();
  return best;
}

Isa active_isa() { return active().load(std::memory_order_relaxed); }

void set_active_isa(Isa isa) {
  if (!isa_available(isa)) throw Error(std::string("kernel set '") + isa_name(isa) + "' is not available on this CPU");
  active().store(isa, std::memory_order_relaxed);
}

const IsaKernels* active_kernels() { return kernels_of(active_isa()); }

}  // namespace edgelm::kernels
