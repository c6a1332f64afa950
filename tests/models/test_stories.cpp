// stories260K (a real trained llama) against a float64 reference: greedy
// decoding from BOS token for token, and all 200x512 logits.
#include <fstream>

#include <nlohmann/json.hpp>

#include "golden_util.h"
#include "memory/state.h"
#include "models/model.h"
#include "sample/sampler.h"

namespace edgelm {
namespace {

TEST(Stories260K, GreedyDecodeAndLogitsMatchFloat64Reference) {
  REQUIRE_SHARED();
  auto model = models::Model::load(test::shared_path("models/stories260K.gguf"));
  std::ifstream f(test::shared_path("models/ref/stories260K_greedy.json"));
  const nlohmann::json ref_json = nlohmann::json::parse(f);
  const std::vector<int32_t> ref_tokens = ref_json["tokens"].get<std::vector<int32_t>>();
  const std::vector<float> ref = test::read_f32(test::shared_path("models/ref/stories260K_greedy_logits_f32_200x512.bin"));
  const int n_vocab = model->hparams().n_vocab;
  ASSERT_EQ(n_vocab, 512);
  const size_t steps = ref.size() / n_vocab;
  ASSERT_EQ(steps, 200u);
  ASSERT_GE(ref_tokens.size(), steps);

  models::ForwardContext ctx(2);
  memory::State state(model->memory_specs(), {static_cast<int64_t>(steps), 1, memory::KvType::F32});
  std::vector<float> logits(n_vocab), all(steps * n_vocab);
  int32_t token = ref_tokens[0];
  for (size_t i = 0; i < steps; ++i) {
    ASSERT_EQ(token, ref_tokens[i]) << "greedy decode diverged at step " << i;
    model->forward(ctx, state, &token, 1, logits.data(), false);
    std::copy(logits.begin(), logits.end(), all.begin() + i * n_vocab);
    token = sample::argmax(logits.data(), n_vocab);
  }
  const auto c = test::compare_logits(all, ref, n_vocab, 1e-4);
  std::printf("[stories260K] 200x512 logits: max_rel_err %.3g\n", c.rel());
  EXPECT_LE(c.rel(), 1e-4);
  EXPECT_EQ(c.argmax_mismatches, 0);
}

}  // namespace
}  // namespace edgelm
