#include <chrono>

#include "api/model_impl.h"
#include "api/internals.h"
#include "api/grammar_impl.h"
#include "sample/grammar/matcher.h"
#include "sample/sampler.h"

namespace edgelm {

struct Sampler::Impl {
  explicit Impl(const sample::SamplerConfig& c) : sampler(c) {}
  sample::Sampler sampler;
  std::unique_ptr<grammar::GrammarMatcher> matcher;   // when constrained
  std::vector<float> masked;                          // logits after the grammar's mask
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

Sampler::Sampler(const SamplerOptions& options) : impl_(std::make_unique<Impl>(to_config(options))) {
  if (options.grammar) impl_->matcher = std::make_unique<grammar::GrammarMatcher>(internals(*options.grammar).engine);
}
Sampler::~Sampler() = default;

int32_t Sampler::sample(std::span<const float> logits) {
  if (!impl_->matcher) return impl_->sampler.sample(logits.data(), static_cast<int>(logits.size()));
  impl_->masked.assign(logits.begin(), logits.end());
  impl_->matcher->apply(impl_->masked.data(), static_cast<int32_t>(impl_->masked.size()));
  return impl_->sampler.sample(impl_->masked.data(), static_cast<int>(impl_->masked.size()));
}

void Sampler::accept(int32_t token) {
  impl_->sampler.accept(token);
  if (impl_->matcher && !impl_->matcher->accept(token))
    throw Error("token " + std::to_string(token) + " is not allowed by the grammar here");
}

void Sampler::accept_context(int32_t token) { impl_->sampler.accept(token); }

bool Sampler::grammar_complete() const { return !impl_->matcher || impl_->matcher->is_complete(); }

void Sampler::reset() {
  impl_->sampler.reset();
  if (impl_->matcher) impl_->matcher->reset();
}

GenerationStats generate(Session& session, Sampler& sampler, std::span<const int32_t> prompt, int n_predict,
                         const std::function<bool(const std::string& piece)>& on_piece) {
  const Model& model = session.model();
  GenerationStats stats;
  stats.prompt_tokens = static_cast<int>(prompt.size());
  auto t0 = std::chrono::steady_clock::now();
  for (int32_t t : prompt) sampler.accept_context(t);
  std::span<const float> logits = session.prefill_cached(prompt);
  stats.prompt_seconds = seconds_since(t0);

  Utf8StreamDecoder utf8;   // pieces may split a UTF-8 sequence; emit whole characters only
  t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n_predict && session.position() < session.context_size(); ++i) {
    const int32_t token = sampler.sample(logits);
    if (model.is_end_of_generation(token)) {   // a grammar allows it only once complete
      stats.stopped_at_eog = true;
      break;
    }
    sampler.accept(token);
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
