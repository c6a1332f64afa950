// The benchmark API behind `edgelm bench`: the per-token cost model agrees with
// the loaders' own weight accounting on every architecture, and a
// BenchContext returns to exactly the same context after each timed run.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "support.h"
#include "edgelm/bench.h"
#include "edgelm/edgelm.h"
#include "edgelm/inspect.h"
#include "edgelm/synth.h"
#include "kernels/util/probe.h"

namespace {

std::string synth(const std::string& arch, const std::string& type) { return edgelm::test::tiny_model(arch, type); }

// Bytes of the tables the cost model leaves out (read by row look-up only).
uint64_t gathered_bytes(const edgelm::FileReport& report) {
  bool separate_head = false;
  for (const auto& t : report.tensors) separate_head |= t.name == "output.weight";
  uint64_t bytes = 0;
  for (const auto& t : report.tensors)
    if (t.name == "per_layer_token_embd.weight" || (t.name == "token_embd.weight" && separate_head)) bytes += t.bytes;
  return bytes;
}

class CostPerArch : public ::testing::TestWithParam<const char*> {};

TEST_P(CostPerArch, WeightsMatchTheLoaderAndCostsGrowWithContext) {
  const std::string path = synth(GetParam(), "f16");
  auto model = edgelm::Model::load(path);
  const edgelm::TokenCost cost = edgelm::token_cost(*model);
  const edgelm::FileReport report = edgelm::inspect_file(path);
  EXPECT_EQ(cost.weight_bytes, model->info().weight_bytes - gathered_bytes(report));
  EXPECT_GT(cost.weight_macs, 0u);
  EXPECT_LT(cost.weight_macs, model->info().n_params);
  EXPECT_EQ(cost.weight_type, "F16");
  EXPECT_EQ(model->info().file_type, "F16");   // synth names its recipe as llama-quantize does
  EXPECT_TRUE(cost.float_weights);
  ASSERT_FALSE(cost.attention.empty());
  for (const auto& a : cost.attention) {
    EXPECT_GT(a.kv_bytes_per_position, 0u);
    EXPECT_GT(a.macs_per_position, 0u);
  }
  EXPECT_LT(cost.bytes_at(1), cost.bytes_at(100));
  EXPECT_LT(cost.macs_at(1), cost.macs_at(100));
  // f32 keys and values take twice the bytes of f16 ones.
  const edgelm::TokenCost f32 = edgelm::token_cost(*model, edgelm::KvType::F32);
  EXPECT_EQ(f32.bytes_at(10) - f32.weight_bytes - f32.state_bytes,
            2 * (cost.bytes_at(10) - cost.weight_bytes - cost.state_bytes));
  std::remove(path.c_str());
}

INSTANTIATE_TEST_SUITE_P(Tiny, CostPerArch, ::testing::Values("llama", "qwen3", "gemma3", "gemma4", "qwen35"));

TEST(Cost, SlidingLayersStopGrowingAtTheirWindow) {
  const std::string path = synth("gemma3", "q8_0");   // window 16; layer 5 of 6 is global
  auto model = edgelm::Model::load(path);
  const edgelm::TokenCost cost = edgelm::token_cost(*model);
  EXPECT_EQ(cost.weight_type, "Q8_0");
  EXPECT_EQ(model->info().file_type, "Q8_0");
  EXPECT_FALSE(cost.float_weights);
  uint64_t full_layer_bytes = 0;
  for (const auto& a : cost.attention) {
    if (a.window == 0) full_layer_bytes += a.kv_bytes_per_position;
    else EXPECT_EQ(a.window, 16);
  }
  ASSERT_GT(full_layer_bytes, 0u);
  EXPECT_EQ(cost.bytes_at(1001) - cost.bytes_at(1000), full_layer_bytes);
  EXPECT_GT(cost.bytes_at(10) - cost.bytes_at(9), full_layer_bytes);
  std::remove(path.c_str());
}

TEST(Cost, RecurrentStateIsReadEveryToken) {
  const std::string path = synth("qwen35", "f16");
  auto model = edgelm::Model::load(path);
  const edgelm::TokenCost cost = edgelm::token_cost(*model);
  EXPECT_GT(cost.state_bytes, 0u);
  EXPECT_GT(cost.state_macs, 0u);
  std::remove(path.c_str());
}

// Runs the same timed generation twice, and once more in a fresh context;
// the logits must agree bit for bit if the snapshot restores everything.
void expect_repeatable(const std::string& arch, int64_t depth) {
  SCOPED_TRACE(arch);
  const std::string path = synth(arch, "q8_0");
  auto model = edgelm::Model::load(path);
  const edgelm::BenchOptions options{.n_threads = 2, .n_ctx = depth + 8, .n_batch = 4, .kv_type = edgelm::KvType::F16};
  edgelm::BenchContext ctx(*model, options);
  ctx.fill(depth, 5);
  EXPECT_EQ(ctx.depth(), depth);
  EXPECT_GT(ctx.time_generation(6, 7), 0.0);
  const std::vector<float> first = ctx.last_logits();
  EXPECT_GT(ctx.time_prompt(8, 9), 0.0);   // moves the state on: must be undone too
  ctx.time_generation(6, 7);
  EXPECT_EQ(ctx.last_logits(), first);

  edgelm::BenchContext fresh(*model, options);
  fresh.fill(depth, 5);
  fresh.time_generation(6, 7);
  EXPECT_EQ(fresh.last_logits(), first);
  EXPECT_THROW(ctx.time_generation(9, 1), edgelm::Error);   // depth + 9 > n_ctx
  std::remove(path.c_str());
}

TEST(BenchContext, RestoresTheFilledContext) {
  expect_repeatable("llama", 12);
  expect_repeatable("gemma3", 30);   // sliding rings of 16 + 4 slots wrap around
  expect_repeatable("qwen35", 12);   // recurrent state
}

// A random fill reaches the depth without running the model, deterministically,
// leaves decoding finite, and really writes the cache (its logits differ
// from those after a computed fill).
TEST(BenchContext, RandomFillWritesEveryLayerKind) {
  for (const char* arch : {"llama", "gemma3", "gemma4", "qwen35"}) {
    SCOPED_TRACE(arch);
    const std::string path = synth(arch, "q8_0");
    auto model = edgelm::Model::load(path);
    for (edgelm::KvType kv : {edgelm::KvType::F16, edgelm::KvType::F32}) {
      edgelm::BenchContext ctx(*model, {.n_threads = 2, .n_ctx = 80, .n_batch = 4, .kv_type = kv});
      ctx.fill_random(70, 3);   // past gemma's sliding rings (16 + 4 slots)
      EXPECT_EQ(ctx.depth(), 70);
      ctx.time_generation(4, 7);
      const std::vector<float> a = ctx.last_logits();
      for (float x : a) ASSERT_TRUE(std::isfinite(x));
      ctx.fill_random(70, 3);
      ctx.time_generation(4, 7);
      EXPECT_EQ(ctx.last_logits(), a);
      ctx.fill(70, 3);
      ctx.time_generation(4, 7);
      EXPECT_NE(ctx.last_logits(), a);
    }
    std::remove(path.c_str());
  }
}

TEST(BenchContext, RejectsBadOptions) {
  const std::string path = synth("llama", "q8_0");
  auto model = edgelm::Model::load(path);
  EXPECT_THROW(edgelm::BenchContext(*model, {.n_threads = 0}), edgelm::Error);
  EXPECT_THROW(edgelm::BenchContext(*model, {.n_threads = 1, .n_ctx = 0}), edgelm::Error);
  EXPECT_THROW(edgelm::parse_kv_type("q3"), edgelm::Error);
  EXPECT_THROW(edgelm::parse_kv_type("q4_0"), edgelm::Error);
  for (edgelm::KvType t : {edgelm::KvType::F32, edgelm::KvType::F16, edgelm::KvType::Q8_0, edgelm::KvType::Q4})
    EXPECT_EQ(edgelm::parse_kv_type(edgelm::kv_type_name(t)), t);
  edgelm::BenchContext ctx(*model, {.n_threads = 1, .n_ctx = 16});
  EXPECT_THROW(ctx.fill(17, 1), edgelm::Error);
  EXPECT_THROW(ctx.fill_random(17, 1), edgelm::Error);
  EXPECT_THROW(ctx.time_prompt(0, 1), edgelm::Error);
  std::remove(path.c_str());
}

// Every instruction-set level of the probe runs and measures something; a
// small buffer and one run keep this fast (the numbers mean nothing here).
TEST(Probe, EveryIsaLevelRuns) {
  using Isa = edgelm::kernels::ProbeOptions::Isa;
  edgelm::ThreadPool pool(2);
  for (Isa isa : {Isa::Best, Isa::Avx2, Isa::Scalar}) {
    edgelm::kernels::ProbeOptions options;
    options.buffer_bytes = 3 << 20;
    options.runs = 1;
    options.max_isa = isa;
    const edgelm::kernels::ProbeResult r = edgelm::kernels::probe_machine(pool, options);
    SCOPED_TRACE(r.int8_isa + " / " + r.fp32_isa);
    EXPECT_EQ(r.n_threads, 2);
    EXPECT_EQ(r.buffer_bytes, 3u << 20);
    EXPECT_GT(r.read_bytes_per_s, 0);
    EXPECT_GT(r.triad_bytes_per_s, 0);
    EXPECT_GT(r.int8_ops_per_s, 0);
    EXPECT_GT(r.fp32_flops_per_s, 0);
    if (isa == Isa::Scalar) {
      EXPECT_EQ(r.int8_isa, "scalar");
      EXPECT_EQ(r.fp32_isa, "scalar");
    }
    if (isa == Isa::Avx2) {
      EXPECT_NE(r.int8_isa, "avx512-vnni");
      EXPECT_NE(r.fp32_isa, "avx512");
    }
  }
  EXPECT_FALSE(edgelm::cpu_model_name().empty());
}

}  // namespace
