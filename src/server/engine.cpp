#include "server/engine.h"

#include <algorithm>
#include <cmath>

namespace edgelm::server {

using Clock = std::chrono::steady_clock;

void Job::push(Event e) {
  e.at = Clock::now();
  {
    std::lock_guard<std::mutex> lock(mu);
    if (e.kind != Event::Kind::Delta) finished = true;
    events.push_back(std::move(e));
  }
  cv.notify_all();
}

bool Job::pop(Event& out, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu);
  if (!cv.wait_for(lock, timeout, [&] { return !events.empty(); })) return false;
  out = std::move(events.front());
  events.pop_front();
  return true;
}

struct Engine::Slot {
  std::unique_ptr<Session> session;
  bool busy = false;
  uint64_t last_used = 0;
};

// A job in a slot, between its steps.
struct Engine::Active {
  Slot* slot = nullptr;
  std::shared_ptr<Job> job;
  std::unique_ptr<Sampler> sampler;
  std::unique_ptr<toolcalls::StreamParser> parser;
  bool prefilled = false;
  size_t prompt_done = 0;        // prompt tokens in the slot's state so far
  int32_t pending = -1;          // sampled, not yet run through the model
  std::string undecoded;         // bytes of an incomplete UTF-8 sequence
  std::string text;              // generated text not yet released (held for stop sequences)
  Clock::time_point started, last_token;
};

namespace {

// Length of the longest prefix of `s` that ends on a complete UTF-8 sequence.
size_t complete_utf8(const std::string& s) {
  size_t i = s.size();
  for (int back = 0; back < 4 && i > 0; ++back) {
    const unsigned char c = static_cast<unsigned char>(s[i - 1]);
    if ((c & 0xC0) != 0x80) {   // a lead byte (or ASCII): is its sequence complete?
      const size_t need = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
      return s.size() - (i - 1) >= need ? s.size() : i - 1;
    }
    --i;
  }
  return s.size();   // not UTF-8 at all: pass it on
}

size_t common_prefix(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

TokenLogprob logprob_of(const Model& model, std::span<const float> logits, int32_t token, int top) {
  float max = -INFINITY;
  for (float x : logits) max = std::max(max, x);
  double sum = 0;
  for (float x : logits) sum += std::exp(static_cast<double>(x - max));
  const float log_z = max + static_cast<float>(std::log(sum));
  TokenLogprob t;
  t.token = model.token_to_piece(token);
  t.logprob = logits[token] - log_z;
  if (top > 0) {
    std::vector<int32_t> ids(logits.size());
    for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int32_t>(i);
    const size_t k = std::min<size_t>(static_cast<size_t>(top), ids.size());
    std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(k), ids.end(),
                      [&](int32_t a, int32_t b) { return logits[a] > logits[b]; });
    for (size_t i = 0; i < k; ++i) t.top.emplace_back(model.token_to_piece(ids[i]), logits[ids[i]] - log_z);
  }
  return t;
}

}  // namespace

Engine::Engine(const Model& model, const EngineOptions& options, Metrics& metrics)
    : model_(model), options_(options), metrics_(metrics) {
  if (options.slots < 1 || options.slots > 256) throw Error("--slots must be between 1 and 256");
  for (int i = 0; i < options.slots; ++i) {
    auto slot = std::make_unique<Slot>();
    slot->session = std::make_unique<Session>(model, options.session);
    slots_.push_back(std::move(slot));
  }
  n_ctx_ = slots_[0]->session->context_size();
  worker_ = std::thread([this] { run(); });
}

Engine::~Engine() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

void Engine::submit(const std::shared_ptr<Job>& job) {
  if (static_cast<int64_t>(job->prompt.size()) >= n_ctx_)
    throw ApiError(400,
                   "the prompt has " + std::to_string(job->prompt.size()) + " tokens; the context holds " +
                       std::to_string(n_ctx_),
                   "invalid_request_error", "messages", "context_length_exceeded");
  if (job->prompt.empty()) throw ApiError(400, "the prompt is empty", "invalid_request_error", "messages");
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (static_cast<int>(queue_.size()) >= options_.max_queue)
      throw ApiError(429, "the server is busy; retry later", "server_error", "", "queue_full");
    queue_.push_back(job);
  }
  cv_.notify_all();
}

void Engine::run() {
  uint64_t tick = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty() || !active_.empty(); });
      if (stopping_) break;
      // Free slots take queued jobs, each the slot sharing most of its prompt.
      while (!queue_.empty()) {
        std::shared_ptr<Job> job = queue_.front();
        Slot* best = nullptr;
        size_t best_shared = 0;
        for (auto& s : slots_) {
          if (s->busy) continue;
          const size_t shared = common_prefix(s->session->history(), job->prompt);
          if (!best || shared > best_shared || (shared == best_shared && s->last_used < best->last_used)) {
            best = s.get();
            best_shared = shared;
          }
        }
        if (!best) break;
        queue_.pop_front();
        best->busy = true;
        best->last_used = ++tick;
        lock.unlock();
        start(*best, std::move(job));
        lock.lock();
      }
    }
    step_all();
    update_gauges();
  }
  for (auto& a : active_) a->job->push(Event::failed("the server is shutting down"));
}

void Engine::update_gauges() {
  int64_t busy = 0, bytes = 0, queued = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    queued = static_cast<int64_t>(queue_.size());
    for (auto& s : slots_) busy += s->busy;
  }
  for (auto& s : slots_) bytes += static_cast<int64_t>(s->session->state_bytes());
  metrics_.gauges(busy, queued, bytes);
}

void Engine::start(Slot& slot, std::shared_ptr<Job> job) {
  auto a = std::make_unique<Active>();
  a->slot = &slot;
  a->job = std::move(job);
  SamplerOptions so = a->job->params.sampling;
  so.grammar = a->job->grammar;
  a->sampler = std::make_unique<Sampler>(so);
  a->parser = std::make_unique<toolcalls::StreamParser>(a->job->parse);
  a->started = Clock::now();
  active_.push_back(std::move(a));
}

void Engine::step_all() {
  std::vector<bool> more(active_.size(), false);
  std::vector<size_t> decoding;
  for (size_t i = 0; i < active_.size(); ++i) {
    Active& a = *active_[i];
    try {
      if (a.job->cancelled.load()) {
        a.job->push(Event::done("cancelled"));
      } else if (!a.prefilled) {   // a prompt being read: its next chunk
        const std::span<const float> logits = prefill_chunk(a);
        if (a.prefilled) more[i] = consume(a, logits);
        else more[i] = true;
      } else {
        decoding.push_back(i);
      }
    } catch (const std::exception& e) {
      a.job->push(Event::failed(e.what()));
    }
  }
  if (!decoding.empty()) {   // one token of every other request, in one forward pass
    std::vector<Session*> sessions;
    std::vector<int32_t> tokens;
    for (size_t i : decoding) {
      sessions.push_back(active_[i]->slot->session.get());
      tokens.push_back(active_[i]->pending);
    }
    try {
      const std::vector<std::span<const float>> logits = decode_together(sessions, tokens);
      for (size_t k = 0; k < decoding.size(); ++k) {
        Active& a = *active_[decoding[k]];
        try {
          more[decoding[k]] = consume(a, logits[k]);
        } catch (const std::exception& e) {
          a.job->push(Event::failed(e.what()));
        }
      }
    } catch (const std::exception& e) {
      for (size_t i : decoding) active_[i]->job->push(Event::failed(e.what()));
    }
  }
  // Finished jobs leave their slots.
  std::vector<std::unique_ptr<Active>> still;
  for (size_t i = 0; i < active_.size(); ++i) {
    if (more[i]) {
      still.push_back(std::move(active_[i]));
      continue;
    }
    std::lock_guard<std::mutex> lock(mu_);
    active_[i]->slot->busy = false;
  }
  active_ = std::move(still);
}

// The first chunk continues from what the slot already holds of the prompt
// (Session::prefill_cached: live state or a snapshot); later chunks extend
// it; after the last, the state is checkpointed for the next turn.
std::span<const float> Engine::prefill_chunk(Active& a) {
  Job& job = *a.job;
  Session& session = *a.slot->session;
  const std::vector<int32_t>& prompt = job.prompt;
  const size_t chunk = static_cast<size_t>(std::max(1, options_.prefill_chunk));
  ++job.prefill_steps;
  std::span<const float> logits;
  if (a.prompt_done == 0) {
    const size_t shared = common_prefix(session.history(), prompt);
    const size_t end = std::min(prompt.size(), std::max(shared + 1, chunk));
    PrefixReuse reuse;
    logits = session.prefill_cached(std::span<const int32_t>(prompt.data(), end), &reuse);
    job.reused_tokens = static_cast<int>(reuse.reused_tokens);
    a.prompt_done = end;
  } else {
    const size_t end = std::min(prompt.size(), a.prompt_done + chunk);
    logits = session.prefill(std::span<const int32_t>(prompt.data() + a.prompt_done, end - a.prompt_done));
    a.prompt_done = end;
    if (end == prompt.size()) session.checkpoint();   // as prefill_cached leaves it for the next turn
  }
  if (a.prompt_done == prompt.size()) {
    job.prompt_tokens = static_cast<int>(prompt.size());
    for (int32_t t : prompt) a.sampler->accept_context(t);
    a.prefilled = true;
  }
  return logits;
}

bool Engine::consume(Active& a, std::span<const float> logits) {
  Job& job = *a.job;
  Session& session = *a.slot->session;
  const int32_t token = a.sampler->sample(logits);
  std::optional<TokenLogprob> lp;
  if (job.params.logprobs) lp = logprob_of(model_, logits, token, job.params.top_logprobs);
  a.sampler->accept(token);
  ++job.completion_tokens;
  const Clock::time_point now = Clock::now();
  if (job.completion_tokens == 1) metrics_.time_to_first_token(std::chrono::duration<double>(now - a.started).count());
  else metrics_.inter_token(std::chrono::duration<double>(now - a.last_token).count());
  a.last_token = now;

  std::string finish;
  if (model_.is_end_of_generation(token) && !job.params.ignore_eos) {
    finish = "stop";
  } else {
    a.undecoded += model_.token_to_piece(token);
    const size_t whole = complete_utf8(a.undecoded);
    a.text += a.undecoded.substr(0, whole);
    a.undecoded.erase(0, whole);
    // Release what cannot be the start of a stop sequence; stop at one.
    size_t release = a.text.size();
    for (const std::string& s : job.params.stop) {
      const size_t at = a.text.find(s);
      if (at != std::string::npos) {
        release = std::min(release, at);
        finish = "stop";
      }
    }
    if (finish.empty()) {
      size_t hold = 0;
      for (const std::string& s : job.params.stop)
        for (size_t k = std::min(s.size() - 1, a.text.size()); k > hold; --k)
          if (a.text.compare(a.text.size() - k, k, s, 0, k) == 0) {
            hold = k;
            break;
          }
      release = a.text.size() - hold;
      while (release > 0 && release < a.text.size() && (static_cast<unsigned char>(a.text[release]) & 0xC0) == 0x80)
        --release;
    }
    std::vector<toolcalls::Delta> deltas = a.parser->feed(std::string_view(a.text).substr(0, release));
    a.text.erase(0, release);
    if (finish == "stop") a.text.clear();   // the stop sequence and what follows are dropped
    bool first = true;
    for (toolcalls::Delta& d : deltas) {
      Event e = Event::text(std::move(d), first ? lp : std::nullopt);
      first = false;
      job.push(std::move(e));
    }
    if (first && lp) job.push(Event::text({toolcalls::Delta::Kind::Content, "", 0}, lp));
  }
  if (finish.empty() && a.sampler->grammar_complete() && job.grammar) finish = "stop";
  if (finish.empty() && job.params.max_tokens > 0 && job.completion_tokens >= job.params.max_tokens) finish = "length";
  if (finish.empty() && session.position() + 1 >= n_ctx_) finish = "length";
  if (finish.empty()) {
    a.pending = token;
    return true;
  }
  // The end: flush held text, close the parser, report.
  std::vector<toolcalls::Delta> deltas = a.parser->feed(a.text + a.undecoded);
  for (toolcalls::Delta& d : a.parser->finish()) deltas.push_back(std::move(d));
  for (toolcalls::Delta& d : deltas) job.push(Event::text(std::move(d)));
  job.result = a.parser->result();
  if (finish == "stop" && !job.result.tool_calls.empty()) finish = "tool_calls";
  if (finish != "length") session.checkpoint();   // the next turn starts from here
  metrics_.tokens(job.prompt_tokens, job.reused_tokens, job.completion_tokens);
  job.push(Event::done(finish));
  return false;
}

}  // namespace edgelm::server
