#include "sample/grammar/matcher.h"

#include <bit>
#include <limits>

#include "edgelm/error.h"

namespace edgelm::grammar {

GrammarMatcher::GrammarMatcher(std::shared_ptr<GrammarEngine> engine) : engine_(std::move(engine)) {
  if (!engine_) throw Error("grammar matcher: no engine");
  reset();
}

void GrammarMatcher::reset() {
  state_ = engine_->initial_state();
  terminated_ = false;
}

void GrammarMatcher::fill_mask(std::vector<uint32_t>& words) {
  words.assign(engine_->mask_words(), 0u);
  if (!terminated_) engine_->fill_mask(state_, words.data());
}

void GrammarMatcher::apply(float* logits, int32_t n_logits) {
  fill_mask(words_);
  const float minus_inf = -std::numeric_limits<float>::infinity();
  // Bits past the vocabulary are never set, so ids beyond it are masked too.
  for (int32_t base = 0; base < n_logits; base += 32) {
    const size_t w = static_cast<size_t>(base) / 32;
    uint32_t blocked = ~(w < words_.size() ? words_[w] : 0u);
    if (n_logits - base < 32) blocked &= (1u << (n_logits - base)) - 1;
    for (; blocked; blocked &= blocked - 1) logits[base + std::countr_zero(blocked)] = minus_inf;
  }
}

bool GrammarMatcher::accept(int32_t token) {
  if (terminated_) return false;
  switch (engine_->accept_token(state_, token)) {
    case GrammarEngine::Accepted::kAdvanced:
      return true;
    case GrammarEngine::Accepted::kFinished:
      terminated_ = true;
      return true;
    case GrammarEngine::Accepted::kRejected:
      break;
  }
  return false;
}

bool GrammarMatcher::accept_text(std::string_view text) {
  return !terminated_ && engine_->accept_bytes(state_, text);
}

bool GrammarMatcher::is_complete() { return !terminated_ && engine_->can_finish(state_); }

int32_t GrammarMatcher::min_bytes_to_complete() { return terminated_ ? 0 : engine_->min_bytes_to_finish(state_); }

}  // namespace edgelm::grammar
