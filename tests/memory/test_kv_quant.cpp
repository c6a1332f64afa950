// How much the compact KV encodings and sparse decoding change the model:
// KL divergence of each position's next-token distribution from the one with
// an f32 cache (dense), on the golden models of all five architectures (their
// 80 reference tokens: 40 prefilled, 40 decoded one at a time) and on a
// synthetic Qwen3-shaped model over 1100 tokens. The bounds are a few times
// the values measured when they were set (printed as [kv-kl] lines).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>

#include <unistd.h>
#include <fstream>

#include <nlohmann/json.hpp>

#include "support.h"
#include "edgelm/synth.h"
#include "memory/state.h"
#include "models/model.h"

namespace edgelm {
namespace {

using kernels::KvType;

using test::shared_path;

// Logits of every position: `prefill` tokens in batches of options.max_batch,
// then the rest one token at a time.
std::vector<float> run(const models::Model& model, const std::vector<int32_t>& ids, const memory::StateOptions& o,
                       size_t prefill) {
  const int n_vocab = model.hparams().n_vocab;
  models::ForwardContext ctx(2);
  memory::State state(model.memory_specs(), o);
  std::vector<float> out(ids.size() * n_vocab);
  for (size_t i = 0; i < ids.size();) {
    const int n = static_cast<int>(i < prefill ? std::min<size_t>(o.max_batch, prefill - i) : 1);
    model.forward(ctx, state, ids.data() + i, n, out.data() + i * n_vocab, true);
    i += n;
  }
  return out;
}

struct Kl {
  double mean = 0.0, max = 0.0;
};

// KL(softmax(ref) || softmax(got)) per row, over rows [first, rows).
Kl kl_divergence(const std::vector<float>& ref, const std::vector<float>& got, int n_vocab, size_t first = 0) {
  const size_t rows = ref.size() / n_vocab;
  Kl kl;
  for (size_t r = first; r < rows; ++r) {
    const float* a = ref.data() + r * n_vocab;
    const float* b = got.data() + r * n_vocab;
    const double ma = *std::max_element(a, a + n_vocab), mb = *std::max_element(b, b + n_vocab);
    double za = 0.0, zb = 0.0;
    for (int i = 0; i < n_vocab; ++i) {
      za += std::exp(a[i] - ma);
      zb += std::exp(b[i] - mb);
    }
    double d = 0.0;
    for (int i = 0; i < n_vocab; ++i) {
      const double la = a[i] - ma - std::log(za), lb = b[i] - mb - std::log(zb);
      d += std::exp(la) * (la - lb);
    }
    kl.mean += d / static_cast<double>(rows - first);
    kl.max = std::max(kl.max, d);
  }
  return kl;
}

struct Bound {
  KvType type;
  double mean, max;
};

// Tiny golden networks are built to be sensitive (large weights, sharp
// attention), so their divergences are far larger than a trained model's.
// Worst measured over the five (mean, max): f16 5.4e-6, 3.1e-5 (gemma4);
// q8_0 2.5e-3, 1.5e-2 (qwen3); q4 0.31, 1.38 (qwen3; qwen35 0.004, 0.029).
const Bound kGoldenBounds[] = {{KvType::F16, 2e-5, 1e-4}, {KvType::Q8_0, 6e-3, 4e-2}, {KvType::Q4, 0.6, 3.0}};
const char* kGoldenModels[] = {"llama/tiny-llama-f32", "qwen3/tiny-qwen3-f32", "gemma3/tiny-gemma3-f32",
                               "gemma4/tiny-gemma4-f32", "qwen35/tiny-qwen35-f32"};

TEST(KvQuant, GoldenModelsStayCloseToF32Cache) {
  ASSERT_TRUE(std::filesystem::exists(shared_path("golden"))) << "golden models not found under " EDGELM_SHARED_DIR;
  for (const char* name : kGoldenModels) {
    std::ifstream f(shared_path("golden/" + std::string(name) + ".ids80.golden.json"));
    ASSERT_TRUE(f) << name;
    const nlohmann::json spec = nlohmann::json::parse(f);
    const std::vector<int32_t> ids = spec["token_ids"].get<std::vector<int32_t>>();
    auto model = models::Model::load(shared_path("golden/" + std::string(name) + ".gguf"));
    const int n_vocab = model->hparams().n_vocab;
    const int64_t n = static_cast<int64_t>(ids.size());
    const std::vector<float> ref = run(*model, ids, {n, 40, KvType::F32}, 40);
    for (const Bound& b : kGoldenBounds) {
      const Kl kl = kl_divergence(ref, run(*model, ids, {n, 40, b.type}, 40), n_vocab);
      std::printf("[kv-kl] %-24s %-5s mean %.3g max %.3g\n", name, kernels::kv_type_name(b.type), kl.mean, kl.max);
      EXPECT_LE(kl.mean, b.mean) << name << " " << kernels::kv_type_name(b.type);
      EXPECT_LE(kl.max, b.max) << name << " " << kernels::kv_type_name(b.type);
    }
  }
}

// A synthetic Qwen3-shaped model (2 layers, 4/2 heads of 32) and 1100 tokens.
class LongSequence : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = models::Model::load(test::tiny_model("qwen3")).release();
    uint32_t s = 2024;
    for (int i = 0; i < kTokens; ++i) {
      s = s * 1664525u + 1013904223u;
      ids_.push_back(static_cast<int32_t>((s >> 8) % static_cast<uint32_t>(model_->hparams().n_vocab)));
    }
  }
  static void TearDownTestSuite() {
    delete model_;
    model_ = nullptr;
  }
  static constexpr int kTokens = 1100, kPrefill = 1024;
  static memory::StateOptions options(KvType type, int topk = 0) { return {kTokens, 256, type, topk}; }
  static models::Model* model_;
  static std::vector<int32_t> ids_;
};
models::Model* LongSequence::model_ = nullptr;
std::vector<int32_t> LongSequence::ids_;

TEST_F(LongSequence, CompactCachesStayCloseToF32) {
  const int n_vocab = model_->hparams().n_vocab;
  const std::vector<float> ref = run(*model_, ids_, options(KvType::F32), kPrefill);
  // Measured (mean, max): f16 1.0e-7, 6.4e-7; q8_0 7.0e-5, 6.2e-4; q4 0.014, 0.079.
  const Bound bounds[] = {{KvType::F16, 1e-6, 5e-6}, {KvType::Q8_0, 2e-4, 2e-3}, {KvType::Q4, 0.04, 0.25}};
  for (const Bound& b : bounds) {
    const Kl kl = kl_divergence(ref, run(*model_, ids_, options(b.type), kPrefill), n_vocab);
    std::printf("[kv-kl] synthetic qwen3 1100 tok  %-5s mean %.3g max %.3g\n", kernels::kv_type_name(b.type), kl.mean,
                kl.max);
    EXPECT_LE(kl.mean, b.mean) << kernels::kv_type_name(b.type);
    EXPECT_LE(kl.max, b.max) << kernels::kv_type_name(b.type);
  }
}

// Sparse decoding over 35 pages of 32 positions: every page chosen is the
// dense result bit for bit; fewer pages diverge more. Random-weight networks
// are a hard case for page selection: their keys are not clustered, so the
// per-page bounds are loose, and their sharp, scattered attention puts weight
// on pages the budget leaves out. Measured (mean, max) with an f32 cache:
// top-4 1.11, 3.9; top-8 0.66, 1.8; top-16 0.27, 0.74 (q4 cache alike).
TEST_F(LongSequence, SparseDecodingApproachesDense) {
  const int n_vocab = model_->hparams().n_vocab;
  for (KvType type : {KvType::F32, KvType::Q4}) {
    const std::vector<float> dense = run(*model_, ids_, options(type), kPrefill);
    EXPECT_EQ(dense, run(*model_, ids_, options(type, 1000), kPrefill));
    const struct {
      int topk;
      double mean, max;
    } bounds[] = {{4, 2.5, 8.0}, {8, 1.5, 4.0}, {16, 0.6, 1.6}};
    double previous = 1e30;
    for (const auto& b : bounds) {
      const Kl kl = kl_divergence(dense, run(*model_, ids_, options(type, b.topk), kPrefill), n_vocab, kPrefill);
      std::printf("[kv-kl] synthetic qwen3 sparse top-%-2d vs dense (%s cache) mean %.3g max %.3g\n", b.topk,
                  kernels::kv_type_name(type), kl.mean, kl.max);
      EXPECT_LE(kl.mean, b.mean) << b.topk;
      EXPECT_LE(kl.max, b.max) << b.topk;
      EXPECT_LT(kl.mean, previous) << "more pages must come closer to dense";
      previous = kl.mean;
    }
  }
}

}  // namespace
}  // namespace edgelm
