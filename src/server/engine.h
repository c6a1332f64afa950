// The model side of `edgelm serve`: N slots (sessions over one loaded model)
// and one worker thread. Each step runs the next chunk of every prompt still
// being read, then decodes one token of every other active request in a
// single forward pass (decode_together: each weight read once for all of
// them), so concurrent streams share the memory traffic and keep flowing
// while a long prompt is read. A request
// goes to the free slot whose history shares the longest prefix with its
// prompt, and that slot's session reuses the shared tokens (Session::
// prefill_cached: live state or a snapshot), so an agent's next turn
// processes only its new tokens.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "edgelm/chat.h"
#include "edgelm/edgelm.h"
#include "edgelm/toolcalls.h"
#include "server/metrics.h"
#include "server/openai.h"

namespace edgelm::server {

struct EngineOptions {
  int slots = 4;
  int max_queue = 64;            // waiting requests beyond the busy slots; more get 429
  int prefill_chunk = 256;       // prompt tokens a request processes per step, so running streams keep flowing
  SessionOptions session;
};

// What the worker reports to the request's HTTP thread.
struct Event {
  enum class Kind { Delta, Done, Failed };
  Kind kind = Kind::Delta;
  toolcalls::Delta delta;              // Kind::Delta
  std::optional<TokenLogprob> logprob; // with the content of one token, when asked for
  std::string finish_reason;           // Kind::Done: stop, length, tool_calls
  std::string error;                   // Kind::Failed
  std::chrono::steady_clock::time_point at{};   // when the worker produced it

  static Event text(toolcalls::Delta d, std::optional<TokenLogprob> lp = std::nullopt) {
    Event e;
    e.delta = std::move(d);
    e.logprob = std::move(lp);
    return e;
  }
  static Event done(std::string reason) {
    Event e;
    e.kind = Kind::Done;
    e.finish_reason = std::move(reason);
    return e;
  }
  static Event failed(std::string message) {
    Event e;
    e.kind = Kind::Failed;
    e.error = std::move(message);
    return e;
  }
};

// One generation: a tokenized prompt, how to sample, and the channel back.
struct Job {
  std::vector<int32_t> prompt;
  GenerationParams params;
  std::shared_ptr<const GrammarConstraint> grammar;
  toolcalls::ParseOptions parse;       // parse_tool_calls false and no reasoning: all text is content

  // Filled by the worker.
  int prompt_tokens = 0, reused_tokens = 0, completion_tokens = 0;
  int prefill_steps = 0;               // steps its prompt took (chunks of EngineOptions::prefill_chunk)
  toolcalls::ParseResult result;

  // The channel: the worker pushes, the HTTP thread pops.
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Event> events;
  bool finished = false;
  std::atomic<bool> cancelled{false};   // the client went away: free the slot at the next step

  void push(Event e);
  // Waits for the next event (false: none within `timeout`).
  bool pop(Event& out, std::chrono::milliseconds timeout);
};

class Engine {
 public:
  Engine(const Model& model, const EngineOptions& options, Metrics& metrics);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Queues a job; throws ApiError 429 when the queue is full, 400 when the
  // prompt does not fit the context.
  void submit(const std::shared_ptr<Job>& job);
  int64_t context_size() const { return n_ctx_; }
  const Model& model() const { return model_; }

 private:
  struct Slot;
  struct Active;
  void run();
  void start(Slot& slot, std::shared_ptr<Job> job);
  void step_all();                                        // one step of every active job
  std::span<const float> prefill_chunk(Active& a);        // the next chunk of a prompt
  bool consume(Active& a, std::span<const float> logits); // sample, report; false when the job is over
  void update_gauges();

  const Model& model_;
  EngineOptions options_;
  Metrics& metrics_;
  int64_t n_ctx_ = 0;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<std::unique_ptr<Active>> active_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace edgelm::server
