#include "sample/sampler.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace edgelm::sample {

int32_t argmax(const float* logits, int n_vocab) {
  int32_t best = 0;
  for (int32_t i = 1; i < n_vocab; ++i)
    if (logits[i] > logits[best]) best = i;
  return best;
}

Sampler::Sampler(const SamplerConfig& config) : config_(config), rng_(config.seed) {}

void Sampler::reset() {
  recent_.clear();
  rng_.seed(config_.seed);
}

void Sampler::accept(int32_t token) {
  if (config_.repeat_last_n <= 0) return;
  recent_.push_back(token);
  while (static_cast<int>(recent_.size()) > config_.repeat_last_n) recent_.pop_front();
}

void Sampler::apply_penalties() {
  const bool repeat = config_.repeat_penalty != 1.0f;
  const bool additive = config_.presence_penalty != 0.0f || config_.frequency_penalty != 0.0f;
  if ((!repeat && !additive) || recent_.empty()) return;
  std::unordered_map<int32_t, int> counts;
  for (int32_t t : recent_) ++counts[t];
  for (Candidate& c : cand_) {
    auto it = counts.find(c.id);
    if (it == counts.end()) continue;
    if (repeat) c.logit = c.logit > 0 ? c.logit / config_.repeat_penalty : c.logit * config_.repeat_penalty;
    c.logit -= it->second * config_.frequency_penalty + config_.presence_penalty;
  }
}

void Sampler::keep_top_k() {
  const int k = config_.top_k;
  if (k <= 0 || k >= static_cast<int>(cand_.size())) return;
  std::partial_sort(cand_.begin(), cand_.begin() + k, cand_.end(),
                    [](const Candidate& a, const Candidate& b) { return a.logit > b.logit; });
  cand_.resize(k);
}

void Sampler::softmax() {
  std::stable_sort(cand_.begin(), cand_.end(), [](const Candidate& a, const Candidate& b) { return a.logit > b.logit; });
  probs_.resize(cand_.size());
  const float max_logit = cand_.front().logit;
  double sum = 0.0;
  for (size_t i = 0; i < cand_.size(); ++i) {
    probs_[i] = std::exp(cand_[i].logit - max_logit);
    sum += probs_[i];
  }
  for (float& p : probs_) p = static_cast<float>(p / sum);
}

void Sampler::keep_top_p() {
  if (config_.top_p >= 1.0f) return;
  double cum = 0.0;
  size_t keep = cand_.size();
  for (size_t i = 0; i < cand_.size(); ++i) {
    cum += probs_[i];
    if (cum >= config_.top_p) {
      keep = i + 1;
      break;
    }
  }
  cand_.resize(keep);
  probs_.resize(keep);
}

void Sampler::keep_min_p() {
  if (config_.min_p <= 0.0f) return;
  const float threshold = probs_.front() * config_.min_p;
  size_t keep = 1;
  while (keep < cand_.size() && probs_[keep] >= threshold) ++keep;
  cand_.resize(keep);
  probs_.resize(keep);
}

int32_t Sampler::draw() {
  double sum = 0.0;
  for (float p : probs_) sum += p;
  // 53 random bits -> uniform double in [0, 1), identical on every platform.
  const double u = static_cast<double>(rng_() >> 11) * (1.0 / 9007199254740992.0) * sum;
  double cum = 0.0;
  for (size_t i = 0; i < probs_.size(); ++i) {
    cum += probs_[i];
    if (u < cum) return cand_[i].id;
  }
  return cand_.back().id;
}

int32_t Sampler::sample(const float* logits, int n_vocab) {
  cand_.resize(n_vocab);
  for (int32_t i = 0; i < n_vocab; ++i) cand_[i] = {i, logits[i]};
  apply_penalties();
  if (config_.temperature <= 0.0f) {
    auto best = std::max_element(cand_.begin(), cand_.end(),
                                 [](const Candidate& a, const Candidate& b) { return a.logit < b.logit; });
    return best->id;
  }
  keep_top_k();
  softmax();
  keep_top_p();
  keep_min_p();
  // Temperature rescales the surviving logits before the final distribution.
  for (Candidate& c : cand_) c.logit /= config_.temperature;
  softmax();
  return draw();
}

}  // namespace edgelm::sample
