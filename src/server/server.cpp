#include "server/server.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "edgelm/error.h"
#include "edgelm/memory_plan.h"

namespace edgelm::server {
namespace {

using Clock = std::chrono::steady_clock;

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error("cannot open chat template file '" + path + "'");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string dump(const JsonDoc& j) { return j.dump(-1, ' ', false, JsonDoc::error_handler_t::replace); }

void send_json(httplib::Response& res, int status, const JsonDoc& body) {
  res.status = status;
  res.set_content(dump(body), "application/json");
}

void send_error(httplib::Response& res, const ApiError& e) {
  if (e.status == 429 || e.status == 503) res.set_header("Retry-After", "1");
  send_json(res, e.status, error_body(e));
}

std::string random_id(const char* prefix) {
  static std::atomic<uint64_t> counter{0};
  static const uint64_t base = std::random_device{}();
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s%016llx", prefix,
                static_cast<unsigned long long>(base * 6364136223846793005ull + ++counter));
  return buf;
}

int64_t unix_time() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  httplib::Server http;
  Metrics metrics;
  std::unique_ptr<Model> model;
  std::unique_ptr<chat::ChatTemplate> tmpl;
  Json special_tokens;
  std::optional<toolcalls::Family> family;
  std::unique_ptr<Engine> engine;
  std::atomic<bool>* ready = nullptr;

  explicit Impl(ServerOptions o) : options(std::move(o)) {}

  bool authorized(const httplib::Request& req) const {
    if (options.api_key.empty()) return true;
    return req.get_header_value("Authorization") == "Bearer " + options.api_key;
  }

  void routes();
  void chat_completions(const httplib::Request& req, httplib::Response& res);
  void completions(const httplib::Request& req, httplib::Response& res);
  // Runs the job to the end (non-streaming) or streams it as SSE.
  void respond(const std::shared_ptr<Job>& job, bool chat, const std::string& model_id, httplib::Response& res);
};

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->ready = &ready_;
  if (impl_->options.alias.empty())
    impl_->options.alias = std::filesystem::path(impl_->options.model_path).filename().string();
  impl_->routes();
}

Server::~Server() { stop(); }

int Server::bind() {
  Impl& s = *impl_;
  if (s.options.port == 0) {
    const int port = s.http.bind_to_any_port(s.options.host);
    if (port <= 0) throw Error("cannot bind " + s.options.host);
    return port;
  }
  if (!s.http.bind_to_port(s.options.host, s.options.port))
    throw Error("cannot bind " + s.options.host + ":" + std::to_string(s.options.port));
  return s.options.port;
}

void Server::load() {
  Impl& s = *impl_;
  s.model = Model::load(s.options.model_path);
  const chat::GgufChatInfo info = chat::read_gguf_chat_info(s.options.model_path);
  s.special_tokens = info.special_tokens;
  std::string source;
  if (!s.options.chat_template_path.empty()) source = read_text(s.options.chat_template_path);
  else if (info.chat_template) source = *info.chat_template;
  else throw Error("the model has no chat template (tokenizer.chat_template); give one with --chat-template FILE");
  s.tmpl = std::make_unique<chat::ChatTemplate>(source);
  s.family = toolcalls::family_for_template(s.tmpl->family());
  if (s.options.mem_budget > 0) {
    // Weights once, then each slot's KV cache and state: the per-slot share of the rest.
    const uint64_t weights = plan_memory(*s.model, 1, KvType::F16).weights_resident;
    if (s.options.mem_budget <= weights)
      throw Error("the memory budget does not even hold the weights (" + std::to_string(weights >> 20) + " MiB)");
    const uint64_t share = weights + (s.options.mem_budget - weights) / static_cast<uint64_t>(s.options.engine.slots);
    const MemoryPlan plan = fit_memory_budget(*s.model, share, s.options.engine.session.n_ctx);
    s.options.engine.session.n_ctx = plan.n_ctx;
    s.options.engine.session.kv_type = plan.kv_type;
  }
  s.engine = std::make_unique<Engine>(*s.model, s.options.engine, s.metrics);
  ready_ = true;
}

void Server::listen() { impl_->http.listen_after_bind(); }

void Server::stop() {
  if (impl_->http.is_running()) impl_->http.stop();
}

void Server::Impl::routes() {
  // Each waiting or streaming request holds a connection thread; enough of
  // them that queued requests wait in the engine, not in the accept queue.
  const size_t connection_threads = static_cast<size_t>(std::max(16, 2 * (options.engine.slots + options.engine.max_queue)));
  http.new_task_queue = [connection_threads] { return new httplib::ThreadPool(connection_threads); };
  http.set_payload_max_length(options.max_body_bytes);
  http.set_read_timeout(options.io_timeout_s);
  http.set_write_timeout(options.io_timeout_s);
  http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (req.path == "/health") return httplib::Server::HandlerResponse::Unhandled;
    if (!authorized(req)) {
      send_error(res, ApiError(401, "invalid API key", "invalid_request_error", "", "invalid_api_key"));
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!ready->load()) {
      send_error(res, ApiError(503, "the model is loading", "server_error", "", "loading"));
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    const int status = res.status;
    const char* what = status == 404 ? "no such route" : status == 413 ? "request body too large"
                       : status == 405 ? "method not allowed" : "bad request";
    send_error(res, ApiError(status, what, status >= 500 ? "server_error" : "invalid_request_error"));
  });
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    try {
      std::rethrow_exception(ep);
    } catch (const ApiError& e) {
      send_error(res, e);
    } catch (const Error& e) {
      send_error(res, ApiError(400, e.what()));
    } catch (const std::exception& e) {
      send_error(res, ApiError(500, e.what(), "server_error"));
    }
  });
  http.set_logger([this](const httplib::Request&, const httplib::Response& res) { metrics.request(res.status); });

  http.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    if (ready->load()) send_json(res, 200, {{"status", "ok"}});
    else send_json(res, 503, {{"status", "loading"}});
  });
  http.Get("/v1/models", [this](const httplib::Request&, httplib::Response& res) {
    const ModelInfo& info = model->info();
    send_json(res, 200,
              {{"object", "list"},
               {"data",
                {{{"id", options.alias},
                  {"object", "model"},
                  {"created", unix_time()},
                  {"owned_by", "edgelm"},
                  {"meta", {{"architecture", info.architecture}, {"n_ctx", engine->context_size()},
                            {"n_params", info.n_params}}}}}}});
  });
  http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics.render(), "text/plain; version=0.0.4");
  });
  http.Post("/v1/chat/completions",
            [this](const httplib::Request& req, httplib::Response& res) { chat_completions(req, res); });
  http.Post("/v1/completions", [this](const httplib::Request& req, httplib::Response& res) { completions(req, res); });
}

void Server::Impl::chat_completions(const httplib::Request& req, httplib::Response& res) {
  const ChatRequest r = parse_chat_request(req.body, options.limits);
  const bool forced = r.tool_choice == ToolChoice::Required || r.tool_choice == ToolChoice::Named;
  if (forced && !family)
    throw ApiError(400, "this model's chat template has no tool-call syntax edgelm can force", "invalid_request_error",
                   "tool_choice");

  chat::ChatInputs in;
  in.messages = Json::parse(dump(r.messages));
  if (!r.tools.is_null()) in.tools = Json::parse(dump(r.tools));
  JsonDoc kwargs = r.template_kwargs;
  kwargs["add_generation_prompt"] = true;
  // A forced call or JSON document is the whole reply: no reasoning block before it.
  const bool json = r.response_format != ResponseFormat::Text;
  if ((forced || json) && !kwargs.contains("enable_thinking")) kwargs["enable_thinking"] = false;
  in.kwargs = Json::parse(dump(kwargs));
  in.special_tokens = special_tokens;

  auto job = std::make_shared<Job>();
  try {
    job->prompt = chat::tokenize_conversation(*model, *tmpl, in);
  } catch (const chat::TemplateError& e) {
    throw ApiError(400, std::string("the chat template refused the messages: ") + e.what(), "invalid_request_error",
                   "messages");
  }
  job->params = r.params;
  if (job->params.max_tokens < 0) job->params.max_tokens = static_cast<int>(engine->context_size());
  toolcalls::ParseOptions& po = job->parse;
  po.family = family.value_or(toolcalls::Family::Qwen3);
  po.tools = in.tools;
  po.parse_tool_calls = family.has_value() && !r.tools.is_null() && r.tool_choice != ToolChoice::None;
  po.prompt_ends_inside_reasoning =
      family && toolcalls::prompt_opens_reasoning(*family, chat::generation_prompt(*tmpl, in));
  if (forced) {
    po.prompt_ends_inside_reasoning = false;   // the grammar starts the call at once
    job->grammar = GrammarConstraint::tool_calls(*model, dump(r.tools), toolcalls::family_name(*family),
                                                 r.tool_choice == ToolChoice::Named ? r.tool_name : "",
                                                 r.parallel_tool_calls && *family != toolcalls::Family::Llama3 ? 4 : 1);
  } else if (json) {
    job->grammar = GrammarConstraint::json_schema(*model, r.json_schema);
    po.parse_tool_calls = false;
    po.prompt_ends_inside_reasoning = false;   // the grammar starts the document at once
  }
  engine->submit(job);
  respond(job, true, r.model.empty() ? options.alias : r.model, res);
}

void Server::Impl::completions(const httplib::Request& req, httplib::Response& res) {
  const CompletionRequest r = parse_completion_request(req.body, options.limits);
  auto job = std::make_shared<Job>();
  job->prompt = model->tokenize(r.prompt, /*add_special=*/true, /*parse_special=*/false);
  job->params = r.params;
  if (job->params.max_tokens < 0) job->params.max_tokens = 16;   // OpenAI's default for completions
  job->parse.parse_tool_calls = false;
  engine->submit(job);
  respond(job, false, r.model.empty() ? options.alias : r.model, res);
}

namespace {

// What the HTTP side gathers of a job's events.
struct Reply {
  std::string content, reasoning;
  std::vector<TokenLogprob> logprobs;
  std::string finish_reason;
  std::string error;
};

JsonDoc usage_json(const Job& job) {
  return {{"prompt_tokens", job.prompt_tokens},
          {"completion_tokens", job.completion_tokens},
          {"total_tokens", job.prompt_tokens + job.completion_tokens},
          {"prompt_tokens_details", {{"cached_tokens", job.reused_tokens}}}};
}

JsonDoc tool_calls_json(const Job& job) {
  JsonDoc calls = JsonDoc::array();
  for (const toolcalls::ToolCall& c : job.result.tool_calls) {
    calls.push_back({{"id", random_id("call_")},
                     {"type", "function"},
                     {"function", {{"name", c.name}, {"arguments", c.arguments.dump()}}}});
  }
  return calls;
}

}  // namespace

void Server::Impl::respond(const std::shared_ptr<Job>& job, bool chat, const std::string& model_id,
                           httplib::Response& res) {
  const std::string id = random_id(chat ? "chatcmpl-" : "cmpl-");
  const int64_t created = unix_time();
  const Clock::time_point deadline = Clock::now() + std::chrono::seconds(options.request_timeout_s);

  if (!job->params.stream) {
    Reply reply;
    for (Event e; reply.finish_reason.empty() && reply.error.empty();) {
      if (!job->pop(e, std::chrono::milliseconds(200))) {
        if (Clock::now() > deadline) job->cancelled = true;
        continue;
      }
      if (e.kind == Event::Kind::Failed) reply.error = e.error;
      else if (e.kind == Event::Kind::Done) reply.finish_reason = e.finish_reason == "cancelled" ? "length" : e.finish_reason;
      else {
        if (e.delta.kind == toolcalls::Delta::Kind::Content) reply.content += e.delta.text;
        if (e.delta.kind == toolcalls::Delta::Kind::Reasoning) reply.reasoning += e.delta.text;
        if (e.logprob) reply.logprobs.push_back(*e.logprob);
      }
    }
    if (!reply.error.empty()) throw ApiError(500, reply.error, "server_error");
    JsonDoc choice = {{"index", 0}, {"finish_reason", reply.finish_reason}};
    if (chat) {
      JsonDoc message = {{"role", "assistant"}};
      const bool calls = !job->result.tool_calls.empty();
      message["content"] = calls && reply.content.empty() ? JsonDoc() : JsonDoc(reply.content);
      if (!reply.reasoning.empty()) message["reasoning_content"] = reply.reasoning;
      if (calls) message["tool_calls"] = tool_calls_json(*job);
      choice["message"] = message;
      choice["logprobs"] = job->params.logprobs ? logprobs_json(reply.logprobs) : JsonDoc();
    } else {
      choice["text"] = reply.content;
      choice["logprobs"] = JsonDoc();
    }
    send_json(res, 200,
              {{"id", id},
               {"object", chat ? "chat.completion" : "text_completion"},
               {"created", created},
               {"model", model_id},
               {"choices", JsonDoc::array({choice})},
               {"usage", usage_json(*job)}});
    return;
  }

  // Server-sent events: one chunk per delta, then the finish reason, the usage
  // when asked for, and [DONE].
  struct StreamState {
    bool started = false, done = false;
    std::vector<std::string> call_ids;
  };
  auto state = std::make_shared<StreamState>();
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider(
      "text/event-stream",
      [this, job, state, id, created, model_id, chat, deadline](size_t, httplib::DataSink& sink) {
        auto chunk = [&](const JsonDoc& choice_delta, const JsonDoc& finish, const JsonDoc& logprobs) {
          JsonDoc choice = {{"index", 0}, {"finish_reason", finish}};
          if (chat) {
            choice["delta"] = choice_delta;
            choice["logprobs"] = logprobs;
          } else {
            choice["text"] = choice_delta.value("content", "");
            choice["logprobs"] = JsonDoc();
          }
          const JsonDoc body = {{"id", id},
                                {"object", chat ? "chat.completion.chunk" : "text_completion"},
                                {"created", created},
                                {"model", model_id},
                                {"choices", JsonDoc::array({choice})}};
          const std::string line = "data: " + dump(body) + "\n\n";
          return sink.write(line.data(), line.size());
        };
        auto fail = [&] {
          job->cancelled = true;
          return false;
        };
        if (state->done) return false;
        if (!state->started) {
          state->started = true;
          if (chat && !chunk({{"role", "assistant"}, {"content", ""}}, JsonDoc(), JsonDoc())) return fail();
        }
        Event e;
        while (!job->pop(e, std::chrono::milliseconds(200))) {
          if (!sink.is_writable()) return fail();
          if (Clock::now() > deadline) job->cancelled = true;
        }
        if (e.kind == Event::Kind::Failed) {
          const std::string line = "data: " + dump(error_body(ApiError(500, e.error, "server_error"))) + "\n\ndata: [DONE]\n\n";
          sink.write(line.data(), line.size());
          state->done = true;
          sink.done();
          return true;
        }
        if (e.kind == Event::Kind::Done) {
          const std::string finish = e.finish_reason == "cancelled" ? "length" : e.finish_reason;
          if (!chunk(JsonDoc::object(), finish, JsonDoc())) return fail();
          if (job->params.include_usage) {
            const JsonDoc body = {{"id", id},
                                  {"object", chat ? "chat.completion.chunk" : "text_completion"},
                                  {"created", created},
                                  {"model", model_id},
                                  {"choices", JsonDoc::array()},
                                  {"usage", usage_json(*job)}};
            const std::string line = "data: " + dump(body) + "\n\n";
            if (!sink.write(line.data(), line.size())) return fail();
          }
          const std::string end = "data: [DONE]\n\n";
          sink.write(end.data(), end.size());
          state->done = true;
          sink.done();
          return true;
        }
        const toolcalls::Delta& d = e.delta;
        const JsonDoc lp = e.logprob ? logprobs_json({*e.logprob}) : JsonDoc();
        bool ok = true;
        switch (d.kind) {
          case toolcalls::Delta::Kind::Content:
            ok = chunk({{"content", d.text}}, JsonDoc(), lp);
            break;
          case toolcalls::Delta::Kind::Reasoning:
            ok = chunk({{"reasoning_content", d.text}}, JsonDoc(), lp);
            break;
          case toolcalls::Delta::Kind::ToolCallStart: {
            state->call_ids.push_back(random_id("call_"));
            ok = chunk({{"tool_calls", JsonDoc::array({{{"index", d.tool_index},
                                                        {"id", state->call_ids.back()},
                                                        {"type", "function"},
                                                        {"function", {{"name", d.text}, {"arguments", ""}}}}})}},
                       JsonDoc(), lp);
            break;
          }
          case toolcalls::Delta::Kind::ToolCallArguments:
            ok = chunk({{"tool_calls", JsonDoc::array({{{"index", d.tool_index}, {"function", {{"arguments", d.text}}}}})}},
                       JsonDoc(), lp);
            break;
        }
        return ok ? true : fail();
      },
      [job](bool success) {
        if (!success) job->cancelled = true;
      });
}

}  // namespace edgelm::server
