// Named activations: each architecture's struct is sized once for a batch,
// reused while calls fit, made anew for a larger call or another model, and
// the logits do not depend on which of these happened.
#include <filesystem>

#include <gtest/gtest.h>

#include "golden_util.h"
#include "memory/state.h"
#include "models/model.h"

namespace edgelm {
namespace {

const char* kModels[] = {"golden/llama/tiny-llama-f32.gguf", "golden/qwen3/tiny-qwen3-f32.gguf",
                         "golden/gemma3/tiny-gemma3-f32.gguf", "golden/gemma4/tiny-gemma4-f32.gguf",
                         "golden/qwen35/tiny-qwen35-f32.gguf"};

class ActivationsTest : public ::testing::TestWithParam<const char*> {};

std::vector<float> logits_of(const models::Model& m, models::ForwardContext& ctx, const std::vector<int32_t>& ids,
                             int chunk) {
  const int V = m.hparams().n_vocab;
  memory::State state(m.memory_specs(), {64, chunk, memory::KvType::F32});
  std::vector<float> out(ids.size() * V);
  for (size_t i = 0; i < ids.size(); i += chunk) {
    const int n = static_cast<int>(std::min<size_t>(chunk, ids.size() - i));
    m.forward(ctx, state, ids.data() + i, n, out.data() + i * V, true);
  }
  return out;
}

TEST_P(ActivationsTest, SizedOnceGrownOnDemandSameLogits) {
  REQUIRE_SHARED();
  auto m = models::Model::load(test::shared_path(GetParam()));
  const std::vector<int32_t> ids = {1, 5, 9, 2, 7, 3, 11, 4};

  EXPECT_THROW(m->make_activations(0), Error);
  auto small = m->make_activations(2);
  auto large = m->make_activations(4);
  EXPECT_EQ(small->model, m.get());
  EXPECT_EQ(small->max_rows, 2);
  EXPECT_GT(small->bytes(), 0u);
  EXPECT_EQ(large->bytes(), 2 * small->bytes()) << "every activation is [rows][width]";

  // Calls of up to 4 rows reuse the session's struct (same object throughout).
  models::ForwardContext ctx(2);
  ctx.activations = std::move(large);
  const models::Activations* sized = ctx.activations.get();
  const std::vector<float> by4 = logits_of(*m, ctx, ids, 4);
  const std::vector<float> by1 = logits_of(*m, ctx, ids, 1);
  EXPECT_EQ(ctx.activations.get(), sized);

  // An 8-row call outgrows them: made anew, 8 rows.
  const std::vector<float> by8 = logits_of(*m, ctx, ids, 8);
  ASSERT_NE(ctx.activations, nullptr);
  EXPECT_EQ(ctx.activations->max_rows, 8);

  // The batch split changes the logits only within the goldens' tolerance
  // (batched matmul tiles may sum in another order).
  ASSERT_EQ(by4.size(), by8.size());
  for (size_t i = 0; i < by4.size(); ++i) {
    ASSERT_NEAR(by4[i], by8[i], 1e-4f) << i;
    ASSERT_NEAR(by1[i], by8[i], 1e-4f) << i;
  }
}

// A context handed from one model to another gets the other's activations.
TEST(Activations, BelongToTheirModel) {
  REQUIRE_SHARED();
  auto a = models::Model::load(test::shared_path(kModels[0]));
  auto b = models::Model::load(test::shared_path(kModels[3]));
  models::ForwardContext ctx(1);
  const std::vector<int32_t> ids = {1, 2, 3};
  logits_of(*a, ctx, ids, 3);
  EXPECT_EQ(ctx.activations->model, a.get());
  logits_of(*b, ctx, ids, 3);
  EXPECT_EQ(ctx.activations->model, b.get());
}

INSTANTIATE_TEST_SUITE_P(Golden, ActivationsTest, ::testing::ValuesIn(kModels), [](const auto& info) {
  std::string name = std::filesystem::path(info.param).stem().string();
  for (char& ch : name) if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return name;
});

}  // namespace
}  // namespace edgelm
