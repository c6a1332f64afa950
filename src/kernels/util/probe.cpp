// Machine ceilings for `edgelm bench`. Every ISA-specific loop carries its own
// target attribute and runs only after a run-time CPU check, so this file
// builds with the project's baseline flags and runs on any x86-64 (or, with
// the scalar loops, on any CPU).
#include "kernels/util/probe.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define EDGELM_PROBE_X86 1
#endif

namespace edgelm::kernels {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Results land here so that no measured loop is dead code.
volatile int64_t g_sink = 0;

// Makes the compiler forget what it knows about `v` (no instruction is
// emitted): a loop-invariant input stays inside the loop instead of being
// hoisted, and identical operations on it are not merged.
inline void opaque_int(int32_t& v) { asm volatile("" : "+r"(v)); }

// ---- Compute loops: `iters` rounds over independent accumulators ----------
// Enough accumulators to cover (latency x units) of current cores' multiply-add
// pipes, so each loop runs at throughput, yet few enough to stay in registers.

#ifdef EDGELM_PROBE_X86
// A macro, not a function: the asm must sit inside the target("avx...")
// function, where a 256/512-bit value may live in a vector register (clang
// refuses the constraint in a baseline-target helper).
#define EDGELM_OPAQUE_VEC(v) asm volatile("" : "+v"(v))

constexpr int kAcc512 = 12;   // of 32 zmm registers
constexpr int kAcc256 = 12;   // of 16 ymm registers

__attribute__((target("avx512f,avx512bw,avx512vnni")))
int64_t int8_avx512_vnni(int64_t iters) {
  const __m512i a = _mm512_set1_epi8(3);
  const __m512i b = _mm512_set1_epi8(-2);
  __m512i acc[kAcc512];
  for (__m512i& x : acc) x = _mm512_setzero_si512();
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 16
    for (int k = 0; k < kAcc512; ++k) acc[k] = _mm512_dpbusd_epi32(acc[k], a, b);   // 64 u8*s8 each
  }
  for (int k = 1; k < kAcc512; ++k) acc[0] = _mm512_add_epi32(acc[0], acc[k]);
  alignas(64) int32_t lanes[16];
  _mm512_store_si512(lanes, acc[0]);
  return lanes[0] + lanes[15];
}

// AVX2 has no 8-bit dot instruction: the usual pair is vpmaddubsw (u8*s8 ->
// s16 pair sums) then vpmaddwd by ones (-> s32), as in quantized matmuls.
__attribute__((target("avx2")))
int64_t int8_avx2(int64_t iters) {
  constexpr int kAcc = 8;   // the adds are short chains; the multiplies bound the loop
  __m256i a = _mm256_set1_epi8(3);
  const __m256i b = _mm256_set1_epi8(-2), ones = _mm256_set1_epi16(1);
  __m256i acc[kAcc];
  for (__m256i& x : acc) x = _mm256_setzero_si256();
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 16
    for (int k = 0; k < kAcc; ++k) {
      EDGELM_OPAQUE_VEC(a);   // else the product, the same for every k, would be computed once
      acc[k] = _mm256_add_epi32(acc[k], _mm256_madd_epi16(_mm256_maddubs_epi16(a, b), ones));   // 32 u8*s8
    }
  }
  for (int k = 1; k < kAcc; ++k) acc[0] = _mm256_add_epi32(acc[0], acc[k]);
  return _mm256_extract_epi32(acc[0], 0) + _mm256_extract_epi32(acc[0], 7);
}

// acc = acc * a + b converges to a fixed point near 1: no overflow, no denormals.
__attribute__((target("avx512f")))
int64_t fp32_avx512(int64_t iters) {
  const __m512 a = _mm512_set1_ps(0.999f);
  const __m512 b = _mm512_set1_ps(0.001f);
  __m512 acc[kAcc512];
  for (__m512& x : acc) x = _mm512_set1_ps(0.5f);
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 16
    for (int k = 0; k < kAcc512; ++k) acc[k] = _mm512_fmadd_ps(acc[k], a, b);   // 16 FMAs each
  }
  for (int k = 1; k < kAcc512; ++k) acc[0] = _mm512_add_ps(acc[0], acc[k]);
  return static_cast<int64_t>(_mm512_cvtss_f32(acc[0]));
}

__attribute__((target("avx2,fma")))
int64_t fp32_avx2(int64_t iters) {
  const __m256 a = _mm256_set1_ps(0.999f);
  const __m256 b = _mm256_set1_ps(0.001f);
  __m256 acc[kAcc256];
  for (__m256& x : acc) x = _mm256_set1_ps(0.5f);
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 16
    for (int k = 0; k < kAcc256; ++k) acc[k] = _mm256_fmadd_ps(acc[k], a, b);   // 8 FMAs each
  }
  for (int k = 1; k < kAcc256; ++k) acc[0] = _mm256_add_ps(acc[0], acc[k]);
  return static_cast<int64_t>(_mm256_cvtss_f32(acc[0]));
}
#endif  // EDGELM_PROBE_X86

constexpr int kAccScalar = 8;

int64_t int8_scalar(int64_t iters) {
  int32_t a = 3, b = -2, acc[kAccScalar] = {};
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 16
    for (int k = 0; k < kAccScalar; ++k) {
      opaque_int(a);   // a real multiply each time, not a shift or a hoisted constant
      opaque_int(b);
      acc[k] += static_cast<int8_t>(a) * static_cast<int8_t>(b);
    }
  }
  int64_t sum = 0;
  for (int32_t x : acc) sum += x;
  return sum;
}

// (The compiler may pack these accumulators into SSE lanes: fine for a
// fallback that only runs on CPUs without AVX2.)
int64_t fp32_scalar(int64_t iters) {
  float acc[kAccScalar];
  std::fill(acc, acc + kAccScalar, 0.5f);
  for (int64_t i = 0; i < iters; ++i) {
#pragma GCC unroll 16
    for (int k = 0; k < kAccScalar; ++k) acc[k] = acc[k] * 0.999f + 0.001f;
  }
  float sum = 0;
  for (float x : acc) sum += x;
  return static_cast<int64_t>(sum);
}

struct ComputeLoop {
  const char* isa;
  double ops_per_iter;   // 2 per multiply-add
  int64_t (*run)(int64_t iters);
};

using Isa = ProbeOptions::Isa;

#ifdef EDGELM_PROBE_X86
// Run-time checks: the CPU (and OS) support the set, and the caller allows it.
bool use_avx512(Isa max) {
  return max == Isa::Best && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
}

bool use_avx2(Isa max) {
  return max != Isa::Scalar && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#endif

ComputeLoop best_int8_loop([[maybe_unused]] Isa max) {
#ifdef EDGELM_PROBE_X86
  if (use_avx512(max) && __builtin_cpu_supports("avx512vnni")) return {"avx512-vnni", 2.0 * 64 * kAcc512, int8_avx512_vnni};
  if (use_avx2(max)) return {"avx2", 2.0 * 32 * 8, int8_avx2};
#endif
  return {"scalar", 2.0 * kAccScalar, int8_scalar};
}

ComputeLoop best_fp32_loop([[maybe_unused]] Isa max) {
#ifdef EDGELM_PROBE_X86
  if (use_avx512(max)) return {"avx512", 2.0 * 16 * kAcc512, fp32_avx512};
  if (use_avx2(max)) return {"avx2-fma", 2.0 * 8 * kAcc256, fp32_avx2};
#endif
  return {"scalar", 2.0 * kAccScalar, fp32_scalar};
}

// Peak ops/s of `loop` on every thread of the pool: the best of `runs` runs.
double measure_compute(ThreadPool& pool, const ComputeLoop& loop, int runs) {
  // Size one piece of work to ~5 ms on one thread.
  int64_t iters = 1024;
  for (;;) {
    const auto t0 = Clock::now();
    g_sink = g_sink + loop.run(iters);
    if (seconds_since(t0) >= 0.005 || iters >= (int64_t{1} << 34)) break;
    iters *= 2;
  }
  // Many small pieces, handed out dynamically, keep every thread busy even
  // if one wakes late.
  const int64_t pieces = int64_t{8} * pool.size();
  double best = 0;
  for (int r = 0; r < runs; ++r) {
    const auto t0 = Clock::now();
    pool.parallel_for(pieces, 1, [&](int, int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) g_sink = g_sink + loop.run(iters);
    });
    best = std::max(best, loop.ops_per_iter * static_cast<double>(iters * pieces) / seconds_since(t0));
  }
  return best;
}

// ---- Bandwidth sweeps --------------------------------------------------------

#ifdef EDGELM_PROBE_X86
// The sweep asks for its bytes as far ahead as the matmul kernels do
// (tiles.h), so the ceiling is the one those kernels can actually approach.
constexpr size_t kReadAhead = 4096;

__attribute__((target("avx2")))
int64_t read_avx2(const uint64_t* p, size_t n) {   // n: a multiple of 16
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i < n; i += 16) {
    _mm_prefetch(reinterpret_cast<const char*>(p + i) + kReadAhead, _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(p + i) + kReadAhead + 64, _MM_HINT_T0);
    a0 = _mm256_xor_si256(a0, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i)));
    a1 = _mm256_xor_si256(a1, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 4)));
    a2 = _mm256_xor_si256(a2, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 8)));
    a3 = _mm256_xor_si256(a3, _mm256_load_si256(reinterpret_cast<const __m256i*>(p + i + 12)));
  }
  a0 = _mm256_xor_si256(_mm256_xor_si256(a0, a1), _mm256_xor_si256(a2, a3));
  return _mm256_extract_epi64(a0, 0) ^ _mm256_extract_epi64(a0, 3);
}

__attribute__((target("avx2,fma")))
void triad_avx2(float* a, const float* b, const float* c, float s, size_t n) {   // n: a multiple of 8
  const __m256 vs = _mm256_set1_ps(s);
  for (size_t i = 0; i < n; i += 8)
    _mm256_store_ps(a + i, _mm256_fmadd_ps(vs, _mm256_load_ps(c + i), _mm256_load_ps(b + i)));
}
#endif

int64_t read_scalar(const uint64_t* p, size_t n) {
  uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  for (size_t i = 0; i < n; i += 4) {
    a0 ^= p[i];
    a1 ^= p[i + 1];
    a2 ^= p[i + 2];
    a3 ^= p[i + 3];
  }
  return static_cast<int64_t>(a0 ^ a1 ^ a2 ^ a3);
}

void triad_scalar(float* a, const float* b, const float* c, float s, size_t n) {
  for (size_t i = 0; i < n; ++i) a[i] = b[i] + s * c[i];
}

using ReadFn = int64_t (*)(const uint64_t* p, size_t n);
using TriadFn = void (*)(float* a, const float* b, const float* c, float s, size_t n);

ReadFn best_read([[maybe_unused]] Isa max) {
#ifdef EDGELM_PROBE_X86
  if (use_avx2(max)) return read_avx2;
#endif
  return read_scalar;
}

TriadFn best_triad([[maybe_unused]] Isa max) {
#ifdef EDGELM_PROBE_X86
  if (use_avx2(max)) return triad_avx2;
#endif
  return triad_scalar;
}

// Sweep buffers get the same huge-page advice as packed weights (packed.cpp),
// so that the probe measures what the kernels can reach, not TLB misses.
template <typename T>
struct Unmap {
  size_t bytes = 0;
  void operator()(T* p) const { munmap(p, bytes); }
};

template <typename T>
std::unique_ptr<T[], Unmap<T>> aligned_array(size_t n) {
  const size_t bytes = n * sizeof(T);
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  madvise(p, bytes, MADV_HUGEPAGE);
#endif
  return std::unique_ptr<T[], Unmap<T>>(static_cast<T*>(p), Unmap<T>{bytes});
}

// Sweeps are cut into 1 MiB pieces, handed to the threads dynamically.
constexpr size_t kPieceBytes = size_t{1} << 20;

// Calls sweep(first, count) over [0, n) split into pieces of `piece` elements,
// `passes` times; returns the seconds taken.
template <typename Sweep>
double timed_sweeps(ThreadPool& pool, size_t n, size_t piece, int passes, const Sweep& sweep) {
  const int64_t pieces = static_cast<int64_t>(n / piece);
  const auto t0 = Clock::now();
  for (int pass = 0; pass < passes; ++pass)
    pool.parallel_for(pieces, 1, [&](int, int64_t begin, int64_t end) {
      sweep(static_cast<size_t>(begin) * piece, static_cast<size_t>(end - begin) * piece);
    });
  return seconds_since(t0);
}

constexpr int kPassesPerRun = 3;

double measure_read(ThreadPool& pool, uint64_t bytes, int runs, Isa max) {
  const size_t piece = kPieceBytes / sizeof(uint64_t), n = bytes / kPieceBytes * piece;
  auto buf = aligned_array<uint64_t>(n);
  // First touch from the pool's threads: pages land near the threads that read them.
  timed_sweeps(pool, n, piece, 1, [&](size_t i0, size_t count) {
    for (size_t i = i0; i < i0 + count; ++i) buf[i] = i * 0x9E3779B97F4A7C15ull;
  });
  const ReadFn read = best_read(max);
  std::vector<double> rates;
  for (int r = 0; r <= runs; ++r) {   // run 0 warms up
    const double s = timed_sweeps(pool, n, piece, kPassesPerRun, [&](size_t i0, size_t count) {
      g_sink = g_sink + read(buf.get() + i0, count);
    });
    if (r > 0) rates.push_back(static_cast<double>(n * sizeof(uint64_t)) * kPassesPerRun / s);
  }
  return median(rates);
}

double measure_triad(ThreadPool& pool, uint64_t bytes, int runs, Isa max) {
  const size_t piece = kPieceBytes / sizeof(float), n = std::max<uint64_t>(1, bytes / 3 / kPieceBytes) * piece;
  auto a = aligned_array<float>(n), b = aligned_array<float>(n), c = aligned_array<float>(n);
  timed_sweeps(pool, n, piece, 1, [&](size_t i0, size_t count) {
    for (size_t i = i0; i < i0 + count; ++i) a[i] = 0.0f, b[i] = 1.0f, c[i] = 2.0f;
  });
  const TriadFn triad = best_triad(max);
  std::vector<double> rates;
  for (int r = 0; r <= runs; ++r) {
    const double s = timed_sweeps(pool, n, piece, kPassesPerRun, [&](size_t i0, size_t count) {
      triad(a.get() + i0, b.get() + i0, c.get() + i0, 0.5f, count);
    });
    if (r > 0) rates.push_back(static_cast<double>(3 * n * sizeof(float)) * kPassesPerRun / s);
  }
  g_sink = g_sink + static_cast<int64_t>(a[n / 2]);
  return median(rates);
}

std::string read_line(const std::string& path) {
  std::ifstream f(path);
  std::string line;
  std::getline(f, line);
  return line;
}

// Number of CPUs in a sysfs list such as "0-7,96-103".
int count_cpu_list(const std::string& list) {
  int count = 0;
  size_t pos = 0;
  while (pos < list.size()) {
    size_t end = list.find(',', pos);
    if (end == std::string::npos) end = list.size();
    const std::string item = list.substr(pos, end - pos);
    const size_t dash = item.find('-');
    count += dash == std::string::npos ? 1 : std::atoi(item.c_str() + dash + 1) - std::atoi(item.c_str()) + 1;
    pos = end + 1;
  }
  return std::max(1, count);
}

// Last-level cache of the whole machine: cpu0's highest cache level times
// the number of its instances (CPUs online / CPUs sharing one). 0 if unknown.
uint64_t total_last_level_cache() {
  const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index";
  int best_level = 0;
  uint64_t bytes = 0;
  int sharing = 1;
  for (int i = 0; i < 8; ++i) {
    const std::string level = read_line(dir + std::to_string(i) + "/level");
    if (level.empty()) break;
    const std::string size = read_line(dir + std::to_string(i) + "/size");   // "32768K"
    if (std::atoi(level.c_str()) <= best_level || size.empty()) continue;
    best_level = std::atoi(level.c_str());
    const uint64_t unit = size.back() == 'M' ? (1u << 20) : size.back() == 'K' ? (1u << 10) : 1;
    bytes = static_cast<uint64_t>(std::atoll(size.c_str())) * unit;
    sharing = count_cpu_list(read_line(dir + std::to_string(i) + "/shared_cpu_list"));
  }
  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  return bytes * std::max<uint64_t>(1, cpus > 0 ? static_cast<uint64_t>(cpus) / sharing : 1);
}

}  // namespace

ProbeResult probe_machine(ThreadPool& pool, const ProbeOptions& options) {
  ProbeResult r;
  r.n_threads = pool.size();
  r.buffer_bytes = options.buffer_bytes;
  if (r.buffer_bytes == 0) r.buffer_bytes = std::clamp<uint64_t>(4 * total_last_level_cache(), 256ull << 20, 2048ull << 20);
  r.buffer_bytes = std::max<uint64_t>(r.buffer_bytes / kPieceBytes, 3) * kPieceBytes;
  const int runs = std::max(1, options.runs);
  r.read_bytes_per_s = measure_read(pool, r.buffer_bytes, runs, options.max_isa);
  r.triad_bytes_per_s = measure_triad(pool, r.buffer_bytes, runs, options.max_isa);
  const ComputeLoop int8 = best_int8_loop(options.max_isa), fp32 = best_fp32_loop(options.max_isa);
  r.int8_isa = int8.isa;
  r.fp32_isa = fp32.isa;
  r.int8_ops_per_s = measure_compute(pool, int8, runs);
  r.fp32_flops_per_s = measure_compute(pool, fp32, runs);
  return r;
}

std::string cpu_model_name() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("model name", 0) != 0) continue;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) break;
    const size_t start = line.find_first_not_of(" \t", colon + 1);
    return start == std::string::npos ? "unknown" : line.substr(start);
  }
  return "unknown";
}

}  // namespace edgelm::kernels
