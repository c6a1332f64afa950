// Matmul micro-benchmarks on Gemma-E2B-like shapes: decode (GEMV, 1 token)
// and prefill (GEMM, 8/64/512 tokens) for every accelerated weight type and
// every kernel set this CPU runs. Reported per call: weight bytes streamed
// (weight_bytes/s) and multiply-adds counted as 2 ops (ops/s).
//
//   bench_kernels --benchmark_filter='Q4_0/1536x6144'   (names: isa/type/cols x rows/tokens)
//   EDGELM_BENCH_THREADS=1 bench_kernels ...             (per-core figures)
//   bench_kernels --benchmark_filter=layer_stack           (a decode step's matmuls in sequence)
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "kernels/matmul/isa.h"
#include "kernels/matmul/matmul.h"

namespace edgelm {
namespace {

using kernels::Isa;

uint64_t splitmix(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

float small_float(uint64_t& s) { return static_cast<float>(static_cast<int32_t>(splitmix(s) >> 40) - (1 << 23)) / (1 << 26); }

// Random weights: random code bytes with small finite f16 scales (quantizing
// hundreds of millions of floats would dominate the run), or random floats.
struct BenchMatrix {
  std::vector<uint8_t> bytes;
  kernels::MatrixView view;

  BenchMatrix(GgmlType type, int64_t cols, int64_t rows) {
    const size_t rb = row_bytes(type, cols);
    bytes.resize(rb * rows);
    uint64_t s = 42;
    const TypeTraits& t = type_traits(type);
    if (t.block_elems == 1) {
      for (size_t i = 0; i < bytes.size(); i += t.block_bytes) {
        const float f = small_float(s);
        const uint16_t h = type == GgmlType::F16 ? fp32_to_fp16(f) : fp32_to_bf16(f);
        std::memcpy(&bytes[i], type == GgmlType::F32 ? static_cast<const void*>(&f) : &h, t.block_bytes);
      }
    } else {
      for (size_t i = 0; i < bytes.size(); i += 8) {
        const uint64_t v = splitmix(s);
        std::memcpy(&bytes[i], &v, std::min<size_t>(8, bytes.size() - i));
      }
      const int d_offset = type == GgmlType::Q6_K ? 208 : 0;
      const bool has_dmin = type == GgmlType::Q4_K || type == GgmlType::Q5_K;
      const uint16_t d = fp32_to_fp16(0.01f);
      for (size_t b = 0; b < bytes.size() / t.block_bytes; ++b) {
        std::memcpy(&bytes[b * t.block_bytes + d_offset], &d, 2);
        if (has_dmin) std::memcpy(&bytes[b * t.block_bytes + 2], &d, 2);
      }
    }
    view.type = type;
    view.data = bytes.data();
    view.cols = cols;
    view.rows = rows;
    view.row_bytes = rb;
  }
};

// Threads: EDGELM_BENCH_THREADS, else all cores. With one thread the figures
// are per core and timed in CPU time, which stays meaningful on a busy machine.
int bench_threads() {
  static const int n = [] {
    const char* env = std::getenv("EDGELM_BENCH_THREADS");
    return env ? std::max(1, std::atoi(env)) : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }();
  return n;
}

ThreadPool& pool() {
  static ThreadPool p(bench_threads());
  return p;
}

void run(benchmark::State& state, Isa isa, GgmlType type, int64_t cols, int64_t rows, int tokens) {
  kernels::set_active_isa(isa);
  // One matrix at a time: the LM head is hundreds of MB.
  static std::unique_ptr<BenchMatrix> m;
  if (!m || m->view.type != type || m->view.cols != cols || m->view.rows != rows) {
    m.reset();
    m = std::make_unique<BenchMatrix>(type, cols, rows);
  }
  uint64_t s = 7;
  std::vector<float> x(static_cast<size_t>(cols) * tokens), y(static_cast<size_t>(rows) * tokens);
  for (float& v : x) v = small_float(s) * 64;
  kernels::MatmulScratch scratch;
  kernels::matmul(m->view, x.data(), cols, tokens, y.data(), rows, pool(), scratch);   // packs once
  for (auto _ : state) {
    kernels::matmul(m->view, x.data(), cols, tokens, y.data(), rows, pool(), scratch);
    benchmark::DoNotOptimize(y.data());
  }
  const double calls = static_cast<double>(state.iterations());
  state.counters["weight_bytes/s"] = benchmark::Counter(calls * static_cast<double>(m->bytes.size()), benchmark::Counter::kIsRate);
  state.counters["ops/s"] = benchmark::Counter(calls * 2.0 * cols * rows * tokens, benchmark::Counter::kIsRate);
  kernels::set_active_isa(kernels::best_isa());
}

// One decode step's projections through a stack of E2B-sized layers (q, k, v,
// o, gate, up, down; 35 layers, each matrix its own memory), run in order:
// what the model's matmuls stream per token, with the per-call costs (thread
// hand-off, load imbalance at each call's end, cold prefetchers) that one
// large matrix hides. Compare weight_bytes/s with the 1536x262144/1 figure.
void run_layer_stack(benchmark::State& state, GgmlType type) {
  struct Proj {
    int64_t cols, rows;
  };
  const Proj layer[] = {{1536, 2048}, {1536, 256}, {1536, 256}, {2048, 1536}, {1536, 6144}, {1536, 6144}, {6144, 1536}};
  constexpr int kLayers = 35;
  static std::vector<std::unique_ptr<BenchMatrix>> mats;
  static GgmlType made = GgmlType::F32;
  if (mats.empty() || made != type) {
    mats.clear();
    for (int l = 0; l < kLayers; ++l)
      for (const Proj& p : layer) mats.push_back(std::make_unique<BenchMatrix>(type, p.cols, p.rows));
    made = type;
  }
  uint64_t s = 7;
  std::vector<float> x(6144), y(6144);
  for (float& v : x) v = small_float(s) * 64;
  kernels::MatmulScratch scratch;
  double bytes = 0;
  for (auto& m : mats) {
    kernels::matmul(m->view, x.data(), m->view.cols, 1, y.data(), m->view.rows, pool(), scratch);   // packs once
    bytes += static_cast<double>(m->bytes.size());
  }
  for (auto _ : state) {
    for (auto& m : mats) kernels::matmul(m->view, x.data(), m->view.cols, 1, y.data(), m->view.rows, pool(), scratch);
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["weight_bytes/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * bytes, benchmark::Counter::kIsRate);
  state.counters["calls"] = static_cast<double>(mats.size());
}

void register_all() {
  struct Shape {
    int64_t cols, rows;
  };
  const Shape shapes[] = {{1536, 6144}, {6144, 1536}, {1536, 262144}};
  const GgmlType types[] = {GgmlType::Q4_0, GgmlType::Q8_0, GgmlType::IQ4_NL, GgmlType::Q4_K, GgmlType::Q5_K,
                            GgmlType::Q6_K, GgmlType::F16,  GgmlType::BF16,   GgmlType::F32};
  std::vector<Isa> isas;
  for (Isa isa : {Isa::Avx512, Isa::Avx2, Isa::Neon})
    if (kernels::isa_available(isa)) isas.push_back(isa);
  for (Isa isa : isas)
    for (GgmlType type : types)
      for (const Shape& s : shapes) {
        const bool lm_head = s.rows > 100000;
        if (lm_head && type_traits(type).block_elems == 1) continue;   // 0.8-1.6 GB of float weights
        for (int tokens : {1, 8, 64, 512}) {
          if (lm_head && tokens > 8) continue;
          const std::string name = std::string(kernels::isa_name(isa)) + "/" + type_traits(type).name + "/" +
                                   std::to_string(s.cols) + "x" + std::to_string(s.rows) + "/" + std::to_string(tokens);
          auto* b = benchmark::RegisterBenchmark(name.c_str(), run, isa, type, s.cols, s.rows, tokens);
          b->Unit(benchmark::kMillisecond);
          if (bench_threads() > 1) b->UseRealTime();
        }
      }
  for (GgmlType type : {GgmlType::Q4_0, GgmlType::Q4_K, GgmlType::Q6_K, GgmlType::Q8_0}) {
    const std::string name = std::string("layer_stack/") + type_traits(type).name + "/e2b/1";
    auto* b = benchmark::RegisterBenchmark(name.c_str(), run_layer_stack, type);
    b->Unit(benchmark::kMillisecond);
    if (bench_threads() > 1) b->UseRealTime();
  }
  // The scalar reference, for scale: one decode step.
  auto* b = benchmark::RegisterBenchmark("scalar/Q4_0/1536x6144/1", run, Isa::Scalar, GgmlType::Q4_0, 1536, 6144, 1);
  b->Unit(benchmark::kMillisecond);
  if (bench_threads() > 1) b->UseRealTime();
}

}  // namespace
}  // namespace edgelm

int main(int argc, char** argv) {
  edgelm::register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
