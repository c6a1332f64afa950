// `edgelm serve`: the OpenAI-compatible HTTP front (cpp-httplib) over the
// Engine. GET /health, GET /v1/models, POST /v1/chat/completions,
// POST /v1/completions, GET /metrics. Every failure is an OpenAI-shaped JSON
// error; --api-key guards every route but /health.
#pragma once
#include <atomic>
#include <memory>
#include <string>

#include "server/engine.h"
#include "server/metrics.h"
#include "server/openai.h"

namespace edgelm::server {

struct ServerOptions {
  std::string model_path;
  std::string host = "127.0.0.1";
  int port = 8080;                   // 0: a free port
  std::string api_key;               // empty: no check
  std::string alias;                 // the model id clients see (default: the file's name)
  std::string chat_template_path;    // empty: the model's tokenizer.chat_template
  uint64_t mem_budget = 0;           // > 0: the largest context (and KV type) whose slots all fit
  size_t max_body_bytes = size_t{8} << 20;
  int request_timeout_s = 600;       // a request running longer is cut off (finish_reason "length")
  int io_timeout_s = 30;             // a client silent this long while sending or receiving is dropped
  EngineOptions engine;
  RequestLimits limits;
};

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();

  // Binds the socket (answering /health with 503 from now on) and returns the
  // port; then load() makes the server ready; listen() serves until stop().
  int bind();
  void load();
  void listen();
  void stop();
  bool ready() const { return ready_.load(); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> ready_{false};
};

}  // namespace edgelm::server
