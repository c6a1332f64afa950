#include <chrono>

#include "api/model_impl.h"
#include "sample/sampler.h"

namespace edgelm {

struct Sampler::Impl {
  explicit Impl(const sample::SamplerConfig& c) : sampler(c) {}
  sample::Sampler sampler;
};

namespace {

sample::SamplerConfig to_config(const SamplerOptions& o) {
  sample::SamplerConfig c;
  c.temperature = o.temperature;
  c.top_k = o.top_k;
  c.top_p = o.top_p;
  c.min_p = o.min_p;
  c.repeat_penalty = o.repeat_penalty;
  c.repeat_last_n = o.repeat_last_n;
  c.presence_penalty = o.presence_penalty;
  c.frequency_penalty = o.frequency_penalty;
  c.seed = o.seed;
  return c;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

Sampler::Sampler(const SamplerOptions& options) : impl_(std::make_unique<Impl>(to_config(options))) {}
Sampler::~Sampler() = default;
int32_t Sampler::sample(std::span<const float> logits) {
  return impl_->sampler.sample(logits.data(), static_cast<int>(logits.size()));
}
void Sampler::accept(int32_t token) { impl_->sampler.accept(token); }
void Sampler::reset() { impl_->sampler.reset(); }

GenerationStats generate(Session& session, Sampler& sampler, std::span<const int32_t> prompt, int n_predict,
                         const std::function<bool(const std::string& piece)>& on_piece) {
  const Model& model = session.model();
  GenerationStats stats;
  stats.prompt_tokens = static_cast<int>(prompt.size());
  auto t0 = std::chrono::steady_clock::now();
  for (int32_t t : prompt) sampler.accept(t);
  std::span<const float> logits = session.prefill_cached(prompt);
  stats.prompt_seconds = seconds_since(t0);

  Utf8StreamDecoder utf8;   // pieces may split a UTF-8 sequence; emit whole characters only
  t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n_predict && session.position() < session.context_size(); ++i) {
    const int32_t token = sampler.sample(logits);
    sampler.accept(token);
    if (model.is_end_of_generation(token)) {
      stats.stopped_at_eog = true;
      break;
    }
    ++stats.generated_tokens;
    const std::string text = utf8.push(model.token_to_piece(token));
    if (!text.empty() && !on_piece(text)) break;
    if (i + 1 < n_predict && session.position() < session.context_size()) logits = session.decode(token);
  }
  const std::string rest = utf8.flush();
  if (!rest.empty()) on_piece(rest);
  stats.generation_seconds = seconds_since(t0);
  return stats;
}

}  // namespace edgelm
