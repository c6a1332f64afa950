// Attention kernel micro-benchmarks on a Qwen3.5-0.8B-like full-attention
// layer (8 query heads, 2 KV heads, head dim 256):
//   Decode/<kv>/<keys>/<topk>   one token against <keys> cached positions,
//                               dense (topk 0) or sparse over topk pages of 32
//   Prefill/<kv>/<depth>        512 tokens after <depth> cached positions
// and on a Gemma 4 E2B-like global layer (8 query heads, 1 KV head of 512):
//   DecodeE2B/<kv>/<keys>       dense, one token
//   DecodeE2BCold/<kv>/<keys>   the same with the caches flushed before each
//                               call, as in a model, whose weights stream
//                               through L3 between two attention layers
// Reported per call; keys/s counts cached positions read per query token.
//
//   bench_attention --benchmark_filter='Decode/f16'
//   EDGELM_BENCH_THREADS=1 bench_attention ...   (per-core figures)
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <thread>
#include <tuple>
#include <vector>

#include "kernels/attention/attention.h"
#include "memory/state.h"

namespace edgelm {
namespace {

using kernels::KvType;

constexpr int kPrefill = 512;

struct Shape {
  int heads, kv_heads, head_dim;
  bool operator<(const Shape& o) const { return std::tie(heads, kv_heads, head_dim) < std::tie(o.heads, o.kv_heads, o.head_dim); }
};
constexpr Shape kQwen{8, 2, 256}, kE2B{8, 1, 512};

int bench_threads() {
  if (const char* t = std::getenv("EDGELM_BENCH_THREADS")) return std::max(1, std::atoi(t));
  return std::max(1u, std::thread::hardware_concurrency());
}

uint64_t splitmix(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

float noise(uint64_t& s) { return static_cast<float>(static_cast<int32_t>(splitmix(s) >> 40) - (1 << 23)) / (1 << 23); }

// A cache of n positions with page bounds, built once per (type, n).
struct Cache {
  memory::State state;
  Cache(KvType type, int64_t n, Shape shape)
      : state({spec(shape)}, {n + kPrefill, kPrefill, type, /*sparse_topk=*/1}) {
    const int d = shape.kv_heads * shape.head_dim;
    std::vector<float> k(d), v(d);
    uint64_t s = 7;
    for (int64_t p = 0; p < n; ++p) {
      // Keys drift slowly with the position, so pages differ as in real text.
      for (int i = 0; i < d; ++i) k[i] = noise(s) + std::sin(0.001f * static_cast<float>(p) * (1 + i % 7));
      for (int i = 0; i < d; ++i) v[i] = noise(s);
      state.kv(0).store(p, k.data(), v.data());
    }
    state.advance(n);
  }
  static memory::LayerMemorySpec spec(Shape shape) {
    memory::LayerMemorySpec s;
    s.kind = memory::LayerMemorySpec::Kind::Kv;
    s.n_head_kv = shape.kv_heads;
    s.head_dim_k = shape.head_dim;
    s.head_dim_v = shape.head_dim;
    return s;
  }
};

Cache& cache(KvType type, int64_t n, Shape shape) {
  static std::map<std::tuple<KvType, int64_t, Shape>, std::unique_ptr<Cache>> caches;
  auto it = caches.find({type, n, shape});
  if (it == caches.end()) {
    caches.clear();   // one at a time: the 128k caches are large
    it = caches.emplace(std::make_tuple(type, n, shape), std::make_unique<Cache>(type, n, shape)).first;
  }
  return *it->second;
}

// Overwrites more than the last-level cache (untimed).
void evict_caches(benchmark::State& st) {
  static std::vector<char> junk(size_t{128} << 20);
  st.PauseTiming();
  for (size_t i = 0; i < junk.size(); i += 64) junk[i] = static_cast<char>(junk[i] + 1);
  benchmark::DoNotOptimize(junk.data());
  st.ResumeTiming();
}

void run(benchmark::State& st, KvType type, int64_t depth, int n_tokens, int topk, Shape shape = kQwen,
         bool cold = false) {
  Cache& c = cache(type, depth + (n_tokens == 1 ? 0 : n_tokens), shape);
  ThreadPool pool(bench_threads());
  kernels::AttentionScratch scratch;
  uint64_t s = 3;
  std::vector<float> q(static_cast<size_t>(n_tokens) * shape.heads * shape.head_dim), out(q.size());
  for (float& x : q) x = noise(s);
  kernels::AttentionArgs a;
  a.q = q.data();
  a.q_stride = shape.heads * shape.head_dim;
  a.n_tokens = n_tokens;
  a.n_head = shape.heads;
  a.pos0 = n_tokens == 1 ? depth - 1 : depth;
  a.scale = 1.0f / std::sqrt(static_cast<float>(shape.head_dim));
  a.out = out.data();
  a.out_stride = shape.heads * shape.head_dim;
  kernels::KvView kv = c.state.kv(0).view();
  kv.sparse_topk = topk;
  if (topk == 0) kv.page_min = kv.page_max = nullptr;
  for (auto _ : st) {
    if (cold) evict_caches(st);
    kernels::attention(a, kv, pool, scratch);
    benchmark::ClobberMemory();
  }
  const double keys = n_tokens == 1 ? static_cast<double>(depth) : depth + n_tokens / 2.0;
  st.counters["keys/s"] = benchmark::Counter(keys * n_tokens, benchmark::Counter::kIsIterationInvariantRate);
}

void register_all() {
  for (KvType type : {KvType::F16, KvType::Q8_0, KvType::Q4, KvType::F32}) {
    const std::string t = kernels::kv_type_name(type);
    for (int64_t keys : {4096, 32768, 65536, 131072})
      for (int topk : {0, 64}) {
        const std::string name = "Decode/" + t + "/" + std::to_string(keys / 1024) + "k/" + std::to_string(topk);
        benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& st) { run(st, type, keys, 1, topk); })
            ->Unit(benchmark::kMillisecond);
      }
    for (int64_t keys : {4096, 16384, 32768}) {
      const std::string name = "DecodeE2B/" + t + "/" + std::to_string(keys / 1024) + "k";
      benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& st) { run(st, type, keys, 1, 0, kE2B); })
          ->Unit(benchmark::kMillisecond);
      const std::string cold = "DecodeE2BCold/" + t + "/" + std::to_string(keys / 1024) + "k";
      benchmark::RegisterBenchmark(cold.c_str(), [=](benchmark::State& st) { run(st, type, keys, 1, 0, kE2B, true); })
          ->Unit(benchmark::kMillisecond);
    }
    for (int64_t depth : {0, 512, 4096}) {
      const std::string name = "Prefill/" + t + "/" + std::to_string(depth);
      benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& st) { run(st, type, depth, kPrefill, 0); })
          ->Unit(benchmark::kMillisecond);
    }
  }
}

}  // namespace
}  // namespace edgelm

int main(int argc, char** argv) {
  edgelm::register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
