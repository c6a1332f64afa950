// The token sampler: determinism, greedy, the truncation filters, penalties.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "sample/sampler.h"

namespace edgelm::sample {
namespace {

std::vector<float> ramp(int n) {  // logit i = i / 4: higher ids more likely
  std::vector<float> logits(n);
  for (int i = 0; i < n; ++i) logits[i] = static_cast<float>(i) / 4.0f;
  return logits;
}

SamplerConfig plain(uint64_t seed) {
  SamplerConfig c;
  c.temperature = 1.0f;
  c.top_k = 0;
  c.top_p = 1.0f;
  c.min_p = 0.0f;
  c.seed = seed;
  return c;
}

std::vector<int32_t> draws(SamplerConfig config, const std::vector<float>& logits, int n) {
  Sampler s(config);
  std::vector<int32_t> out;
  for (int i = 0; i < n; ++i) out.push_back(s.sample(logits.data(), static_cast<int>(logits.size())));
  return out;
}

TEST(SamplerTest, SameSeedSameTokensAndResetRestarts) {
  const std::vector<float> logits = ramp(50);
  EXPECT_EQ(draws(plain(42), logits, 200), draws(plain(42), logits, 200));
  EXPECT_NE(draws(plain(42), logits, 200), draws(plain(43), logits, 200));
  Sampler s(plain(5));
  const int32_t first = s.sample(logits.data(), 50);
  for (int i = 0; i < 10; ++i) s.sample(logits.data(), 50);
  s.reset();
  EXPECT_EQ(s.sample(logits.data(), 50), first);
}

TEST(SamplerTest, GreedyPicksTheLargestLogit) {
  SamplerConfig c = plain(1);
  c.temperature = 0.0f;
  std::vector<float> logits = {0.5f, 3.0f, -1.0f, 2.9f};
  for (int32_t t : draws(c, logits, 20)) EXPECT_EQ(t, 1);
  EXPECT_EQ(argmax(logits.data(), 4), 1);
  std::vector<float> ties = {1.0f, 2.0f, 2.0f};
  EXPECT_EQ(argmax(ties.data(), 3), 1);
}

TEST(SamplerTest, TopKKeepsTheKBest) {
  SamplerConfig c = plain(3);
  c.top_k = 3;
  const std::vector<float> logits = ramp(40);
  for (int32_t t : draws(c, logits, 500)) EXPECT_GE(t, 37);
}

TEST(SamplerTest, TopPKeepsTheSmallestNucleus) {
  // Probabilities 0.5, 0.3, 0.15, 0.05: top_p 0.7 keeps the first two.
  std::vector<float> logits = {std::log(0.5f), std::log(0.3f), std::log(0.15f), std::log(0.05f)};
  SamplerConfig c = plain(9);
  c.top_p = 0.7f;
  std::set<int32_t> seen;
  for (int32_t t : draws(c, logits, 500)) seen.insert(t);
  EXPECT_EQ(seen, (std::set<int32_t>{0, 1}));
}

TEST(SamplerTest, MinPDropsUnlikelyTokens) {
  std::vector<float> logits = {std::log(0.6f), std::log(0.3f), std::log(0.08f), std::log(0.02f)};
  SamplerConfig c = plain(4);
  c.min_p = 0.1f;  // keeps p >= 0.06
  std::set<int32_t> seen;
  for (int32_t t : draws(c, logits, 1000)) seen.insert(t);
  EXPECT_EQ(seen, (std::set<int32_t>{0, 1, 2}));
}

TEST(SamplerTest, FrequenciesFollowTheSoftmax) {
  std::vector<float> logits = {std::log(0.2f), std::log(0.8f)};
  std::map<int32_t, int> counts;
  for (int32_t t : draws(plain(17), logits, 4000)) ++counts[t];
  EXPECT_NEAR(counts[1] / 4000.0, 0.8, 0.03);
  SamplerConfig cold = plain(17);
  cold.temperature = 0.25f;  // sharpens: 0.8^4 / (0.8^4 + 0.2^4) ~ 0.996
  counts.clear();
  for (int32_t t : draws(cold, logits, 4000)) ++counts[t];
  EXPECT_GT(counts[1] / 4000.0, 0.98);
}

TEST(SamplerTest, RepeatPenaltyDividesPositiveAndMultipliesNegativeLogits) {
  SamplerConfig c = plain(2);
  c.temperature = 0.0f;
  c.repeat_penalty = 2.0f;
  Sampler s(c);
  std::vector<float> logits = {3.0f, 2.0f, -1.0f};
  s.accept(0);  // 3 -> 1.5: token 1 wins
  EXPECT_EQ(s.sample(logits.data(), 3), 1);
  s.accept(1);  // 2 -> 1.0, 3 -> 1.5: token 0 again
  EXPECT_EQ(s.sample(logits.data(), 3), 0);
  std::vector<float> negative = {-1.0f, -1.5f};
  Sampler n(c);
  n.accept(0);  // -1 -> -2: token 1 wins
  EXPECT_EQ(n.sample(negative.data(), 2), 1);
}

TEST(SamplerTest, PresenceAndFrequencyPenalties) {
  SamplerConfig c = plain(2);
  c.temperature = 0.0f;
  c.frequency_penalty = 0.6f;
  Sampler s(c);
  std::vector<float> logits = {2.0f, 1.0f};
  s.accept(0);
  EXPECT_EQ(s.sample(logits.data(), 2), 0);  // 2 - 0.6 > 1
  s.accept(0);
  EXPECT_EQ(s.sample(logits.data(), 2), 1);  // 2 - 1.2 < 1
  SamplerConfig p = plain(2);
  p.temperature = 0.0f;
  p.presence_penalty = 1.5f;
  Sampler t(p);
  t.accept(0);
  EXPECT_EQ(t.sample(logits.data(), 2), 1);
}

TEST(SamplerTest, PenaltyWindowForgetsOldTokens) {
  SamplerConfig c = plain(2);
  c.temperature = 0.0f;
  c.presence_penalty = 5.0f;
  c.repeat_last_n = 2;
  Sampler s(c);
  std::vector<float> logits = {2.0f, 1.0f, 0.0f};
  s.accept(0);
  EXPECT_EQ(s.sample(logits.data(), 3), 1);
  s.accept(2);
  s.accept(2);  // token 0 left the window
  EXPECT_EQ(s.sample(logits.data(), 3), 0);
}

}  // namespace
}  // namespace edgelm::sample
