// edgelm serve: the model behind an OpenAI-compatible HTTP API.
//   edgelm serve -m model.gguf [--port 8080] [--slots 4] [--api-key KEY]
// Prints exactly one line, "listening on http://HOST:PORT", to stderr once
// the model is loaded; /health answers 503 until then.
#include <csignal>
#include <cstdio>
#include <thread>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/model_ref.h"
#include "edgelm/error.h"
#include "edgelm/memory_plan.h"
#include "server/server.h"

namespace edgelm::cli {
namespace {

server::Server* g_server = nullptr;

void on_signal(int) {
  if (g_server) g_server->stop();
}

}  // namespace

int cmd_serve(int argc, char** argv) {
  CLI::App app("Serve a model over the OpenAI chat-completions API", "serve");
  server::ServerOptions o;
  std::string kv_type = "f16", mem_budget;
  int n_threads = 0;
  app.add_option("-m,--model", o.model_path, "GGUF model file or hub reference OWNER/REPO[:QUANT]")->required();
  app.add_option("--host", o.host, "address to bind (127.0.0.1: this machine only)")->capture_default_str();
  app.add_option("--port", o.port, "TCP port (0: pick a free one)")->capture_default_str()->check(CLI::Range(0, 65535));
  app.add_option("--slots", o.engine.slots, "requests served at once (each holds its own context)")
      ->capture_default_str()->check(CLI::Range(1, 256));
  app.add_option("--ctx", o.engine.session.n_ctx, "context length per slot (0: min(training, 4096))")
      ->capture_default_str()->check(CLI::Range(int64_t{0}, int64_t{1} << 24));
  auto* kv_opt = app.add_option("--kv-type", kv_type, "KV cache encoding: f32, f16, q8_0, q4")->capture_default_str();
  app.add_option("--mem-budget", mem_budget, "memory budget (e.g. 6GiB): the largest context whose slots all fit")
      ->excludes(kv_opt);
  app.add_option("--api-key", o.api_key, "require 'Authorization: Bearer KEY' on every route but /health");
  app.add_option("--alias", o.alias, "the model id clients see (default: the file name)");
  app.add_option("--chat-template", o.chat_template_path, "Jinja chat template file (default: the model's)");
  app.add_option("--queue", o.engine.max_queue, "requests that may wait for a slot; more are answered 429")
      ->capture_default_str()->check(CLI::Range(0, 100000));
  app.add_option("--timeout", o.request_timeout_s, "seconds a request may run")->capture_default_str()->check(CLI::Range(1, 86400));
  app.add_option("-t,--threads", n_threads, "threads per forward pass (0 = all)")->check(CLI::Range(0, 1024));
  if (int rc = parse_or_exit(app, argc, argv); rc >= 0) return rc;
  o.model_path = resolve_model_argument(o.model_path);
  require_file(o.model_path, "model file");
  if (!o.chat_template_path.empty()) require_file(o.chat_template_path, "chat template file");
  o.engine.session.kv_type = parse_kv_type(kv_type);
  o.engine.session.n_threads = n_threads;
  if (!mem_budget.empty()) o.mem_budget = parse_byte_size(mem_budget);

  server::Server srv(o);
  const int port = srv.bind();
  std::thread http([&] { srv.listen(); });
  try {
    srv.load();
  } catch (...) {
    srv.stop();
    http.join();
    throw;
  }
  g_server = &srv;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::fprintf(stderr, "listening on http://%s:%d\n", o.host.c_str(), port);
  std::fflush(stderr);
  http.join();
  g_server = nullptr;
  return 0;
}

}  // namespace edgelm::cli
