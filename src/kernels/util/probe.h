// A quick measurement of this machine's ceilings: memory bandwidth and the
// peak rates of 8-bit integer dot products and fp32 fused multiply-adds.
// `edgelm bench` divides measured tokens/s by what these ceilings allow.
#pragma once
#include <cstdint>
#include <string>

#include "kernels/util/threadpool.h"

namespace edgelm::kernels {

struct ProbeOptions {
  // Bytes swept by the bandwidth tests; 0 picks 4x the last-level cache,
  // clamped to [256 MiB, 2 GiB], so that caches cannot serve the sweep.
  uint64_t buffer_bytes = 0;
  int runs = 5;   // repetitions of each measurement
  // Highest instruction set to use (lower ones are for tests and comparisons).
  enum class Isa { Best, Avx2, Scalar };
  Isa max_isa = Isa::Best;
};

struct ProbeResult {
  // Median over the runs of bytes moved per second with the pool's threads:
  double read_bytes_per_s = 0;    // read-only sweep: what decoding weights needs
  double triad_bytes_per_s = 0;   // a = b + s*c over floats; 12 bytes per element (STREAM's count)
  // Best run of a register-blocked loop on every thread (2 ops per multiply-add):
  double int8_ops_per_s = 0;      // u8 x s8 products summed into int32
  double fp32_flops_per_s = 0;
  std::string int8_isa;           // "avx512-vnni", "avx2" or "scalar"
  std::string fp32_isa;           // "avx512", "avx2-fma" or "scalar"
  uint64_t buffer_bytes = 0;
  int n_threads = 0;
};

// Runs every measurement on `pool` (a few seconds in all).
ProbeResult probe_machine(ThreadPool& pool, const ProbeOptions& options = {});

// "AMD EPYC 9654 96-Core Processor", from /proc/cpuinfo; "unknown" elsewhere.
std::string cpu_model_name();

}  // namespace edgelm::kernels
