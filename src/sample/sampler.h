// Token samplers: repetition/presence/frequency penalties, top-k, top-p,
// min-p, temperature, then a seeded draw (or greedy argmax).
#pragma once
#include <cstdint>
#include <deque>
#include <random>
#include <vector>

namespace edgelm::sample {

struct SamplerConfig {
  float temperature = 0.8f;    // <= 0: greedy
  int top_k = 40;              // <= 0: off
  float top_p = 0.95f;         // >= 1: off
  float min_p = 0.05f;         // <= 0: off
  float repeat_penalty = 1.0f; // 1: off (llama.cpp semantics: divide positive, multiply negative logits)
  int repeat_last_n = 64;      // window of recent tokens the penalties look at
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  uint64_t seed = 0;
};

class Sampler {
 public:
  explicit Sampler(const SamplerConfig& config);
  // Picks a token from raw logits (not modified). Deterministic for a seed.
  int32_t sample(const float* logits, int n_vocab);
  // Records a token of the context (prompt or generated) for the penalties.
  void accept(int32_t token);
  void reset();
  const SamplerConfig& config() const { return config_; }

 private:
  struct Candidate {
    int32_t id;
    float logit;
  };
  void apply_penalties();
  void keep_top_k();
  void softmax();           // sorts candidates by descending logit, sets probs_
  void keep_top_p();
  void keep_min_p();
  int32_t draw();

  SamplerConfig config_;
  std::mt19937_64 rng_;
  std::deque<int32_t> recent_;
  std::vector<Candidate> cand_;
  std::vector<float> probs_;
};

// Index of the largest logit (first on ties).
int32_t argmax(const float* logits, int n_vocab);

}  // namespace edgelm::sample
