// `edgelm serve` over real HTTP on loopback: the OpenAI surface, forced tool
// calls and JSON output through the grammar, prefix reuse across turns, every
// bad request answered with an OpenAI-shaped 4xx, and concurrent clients.
#include <httplib.h>

#include <atomic>
#include <random>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/server.h"
#include "support.h"

namespace edgelm {
namespace {

using Json = nlohmann::ordered_json;

const char* kTools = R"([{"type": "function", "function": {"name": "get_weather", "description": "Weather of a city",
  "parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 12},
  "days": {"type": "integer", "minimum": 1, "maximum": 7}}, "required": ["city", "days"]}}}])";

// One server on a free port over a tiny synthetic Qwen3.5 (its ChatML-style
// template and tool syntax), shared by the tests of this file.
class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = new std::string(test::tiny_model("qwen35", "q8_0"));
    server::ServerOptions o;
    o.model_path = *model_;
    o.port = 0;
    o.alias = "tiny";
    o.api_key = "secret";
    o.max_body_bytes = 1 << 20;
    o.engine.slots = 2;
    o.engine.max_queue = 64;
    o.engine.session.n_threads = 1;
    o.engine.session.n_ctx = 1024;
    o.io_timeout_s = 30;
    server_ = new server::Server(o);
    port_ = server_->bind();
    thread_ = new std::thread([] { server_->listen(); });
    server_->load();
  }
  static void TearDownTestSuite() {
    server_->stop();
    thread_->join();
    delete thread_;
    delete server_;
    delete model_;
  }

  static httplib::Client client() {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(120);
    c.set_bearer_token_auth("secret");
    return c;
  }
  static Json post(const std::string& path, const Json& body, int* status = nullptr) {
    auto r = client().Post(path.c_str(), body.dump(), "application/json");
    EXPECT_TRUE(r) << "no response: " << httplib::to_string(r.error());
    if (!r) return Json();
    if (status) *status = r->status;
    return Json::parse(r->body, nullptr, false);
  }
  // The error object of a refused request, checking its OpenAI shape.
  static Json refused(const std::string& path, const std::string& raw, int expect_status) {
    auto r = client().Post(path.c_str(), raw, "application/json");
    EXPECT_TRUE(r);
    if (!r) return Json();
    EXPECT_EQ(r->status, expect_status) << raw.substr(0, 200) << " -> " << r->body;
    const Json j = Json::parse(r->body, nullptr, false);
    EXPECT_TRUE(j.is_object() && j.contains("error") && j["error"].contains("message") && j["error"].contains("type"))
        << r->body;
    return j.value("error", Json());
  }

  static std::string* model_;
  static server::Server* server_;
  static std::thread* thread_;
  static int port_;
};

std::string* ServerTest::model_ = nullptr;
server::Server* ServerTest::server_ = nullptr;
std::thread* ServerTest::thread_ = nullptr;
int ServerTest::port_ = 0;

Json user(const std::string& text) { return {{"role", "user"}, {"content", text}}; }

TEST_F(ServerTest, HealthModelsAndMetrics) {
  httplib::Client anonymous("127.0.0.1", port_);
  auto h = anonymous.Get("/health");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  auto m = anonymous.Get("/v1/models");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->status, 401) << "the API key guards every route but /health";
  m = client().Get("/v1/models");
  ASSERT_TRUE(m);
  const Json models = Json::parse(m->body);
  EXPECT_EQ(models["object"], "list");
  EXPECT_EQ(models["data"][0]["id"], "tiny");
  auto metrics = client().Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("edgelm_requests_total"), std::string::npos);
  EXPECT_NE(metrics->body.find("edgelm_time_to_first_token_seconds_bucket"), std::string::npos);
}

TEST_F(ServerTest, ChatCompletionHasTheOpenAIShape) {
  int status = 0;
  const Json r = post("/v1/chat/completions", {{"model", "tiny"}, {"messages", {user("Hello")}}, {"max_tokens", 5},
                                               {"seed", 1}, {"logprobs", true}, {"top_logprobs", 2}},
                      &status);
  ASSERT_EQ(status, 200) << r.dump();
  EXPECT_EQ(r["object"], "chat.completion");
  EXPECT_EQ(r["model"], "tiny");
  const Json& c = r["choices"][0];
  EXPECT_EQ(c["message"]["role"], "assistant");
  EXPECT_TRUE(c["message"]["content"].is_string());
  EXPECT_TRUE(c["finish_reason"] == "length" || c["finish_reason"] == "stop");
  EXPECT_LE(r["usage"]["completion_tokens"].get<int>(), 5);
  EXPECT_EQ(r["usage"]["total_tokens"], r["usage"]["prompt_tokens"].get<int>() + r["usage"]["completion_tokens"].get<int>());
  ASSERT_EQ(c["logprobs"]["content"].size(), r["usage"]["completion_tokens"].get<size_t>());
  for (const Json& t : c["logprobs"]["content"]) {
    EXPECT_LE(t["logprob"].get<double>(), 0.0);
    EXPECT_EQ(t["top_logprobs"].size(), 2u);
  }
  // The same seed gives the same text.
  const Json again = post("/v1/chat/completions", {{"messages", {user("Hello")}}, {"max_tokens", 5}, {"seed", 1}});
  EXPECT_EQ(again["choices"][0]["message"]["content"], c["message"]["content"]);
}

// SSE: a role chunk, content deltas, a finish chunk, the usage chunk, [DONE];
// the deltas add up to what the non-streaming reply says.
TEST_F(ServerTest, StreamingSendsDeltasThenUsageThenDone) {
  const Json body = {{"messages", {user("Stream please")}}, {"max_tokens", 6}, {"seed", 7}, {"stream", true},
                     {"stream_options", {{"include_usage", true}}}};
  auto r = client().Post("/v1/chat/completions", body.dump(), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_NE(r->get_header_value("Content-Type").find("text/event-stream"), std::string::npos);
  std::vector<Json> chunks;
  bool done = false;
  size_t at = 0;
  while ((at = r->body.find("data: ", at)) != std::string::npos) {
    const size_t end = r->body.find("\n\n", at);
    const std::string data = r->body.substr(at + 6, end - at - 6);
    at = end;
    if (data == "[DONE]") {
      done = true;
      continue;
    }
    chunks.push_back(Json::parse(data));
  }
  ASSERT_TRUE(done);
  ASSERT_GE(chunks.size(), 3u);
  EXPECT_EQ(chunks.front()["choices"][0]["delta"]["role"], "assistant");
  std::string text;
  std::string finish;
  for (const Json& c : chunks) {
    EXPECT_EQ(c["object"], "chat.completion.chunk");
    if (c["choices"].empty()) continue;
    const Json& d = c["choices"][0]["delta"];
    if (d.contains("content")) text += d["content"].get<std::string>();
    if (!c["choices"][0]["finish_reason"].is_null()) finish = c["choices"][0]["finish_reason"];
  }
  EXPECT_FALSE(finish.empty());
  ASSERT_TRUE(chunks.back().contains("usage"));
  EXPECT_TRUE(chunks.back()["choices"].empty());
  Json plain = body;
  plain["stream"] = false;
  plain.erase("stream_options");
  EXPECT_EQ(post("/v1/chat/completions", plain)["choices"][0]["message"]["content"], text);
}

// tool_choice "required": even a random-weight model emits a call that parses,
// to a declared tool, with arguments valid against its schema; then the tool
// result goes back in and the model answers.
TEST_F(ServerTest, ForcedToolCallRoundTrip) {
  const Json tools = Json::parse(kTools);
  for (const Json& choice : {Json("required"), Json({{"type", "function"}, {"function", {{"name", "get_weather"}}}})}) {
    int status = 0;
    const Json r = post("/v1/chat/completions", {{"messages", {user("Weather in Paris for 3 days?")}}, {"tools", tools},
                                                 {"tool_choice", choice}, {"max_tokens", 300}, {"seed", 11}},
                        &status);
    ASSERT_EQ(status, 200) << r.dump();
    const Json& c = r["choices"][0];
    EXPECT_EQ(c["finish_reason"], "tool_calls") << r.dump();
    ASSERT_GE(c["message"]["tool_calls"].size(), 1u) << r.dump();
    const Json& call = c["message"]["tool_calls"][0];
    EXPECT_EQ(call["type"], "function");
    EXPECT_FALSE(call["id"].get<std::string>().empty());
    EXPECT_EQ(call["function"]["name"], "get_weather");
    const Json args = Json::parse(call["function"]["arguments"].get<std::string>());
    ASSERT_TRUE(args.contains("city") && args["city"].is_string()) << args.dump();
    EXPECT_LE(args["city"].get<std::string>().size(), 12u * 4);   // maxLength counts characters
    ASSERT_TRUE(args.contains("days") && args["days"].is_number_integer()) << args.dump();
    EXPECT_GE(args["days"].get<int>(), 1);
    EXPECT_LE(args["days"].get<int>(), 7);

    const Json followup = {{"messages",
                            {user("Weather in Paris for 3 days?"),
                             {{"role", "assistant"}, {"content", nullptr}, {"tool_calls", c["message"]["tool_calls"]}},
                             {{"role", "tool"}, {"tool_call_id", call["id"]}, {"content", "sunny, 21 C"}}}},
                           {"tools", tools},
                           {"max_tokens", 4}};
    const Json answer = post("/v1/chat/completions", followup, &status);
    ASSERT_EQ(status, 200) << answer.dump();
    EXPECT_TRUE(answer["choices"][0]["message"]["content"].is_string() ||
                answer["choices"][0]["message"].contains("tool_calls"));
  }
}

TEST_F(ServerTest, JsonSchemaOutputValidates) {
  const Json schema = {{"type", "object"},
                       {"properties", {{"name", {{"type", "string"}, {"maxLength", 8}}}, {"n", {{"type", "integer"}}}}},
                       {"required", {"name", "n"}},
                       {"additionalProperties", false}};
  for (int seed : {1, 2, 3}) {
    const Json r = post("/v1/chat/completions",
                        {{"messages", {user("Reply in JSON")}},
                         {"response_format", {{"type", "json_schema"}, {"json_schema", {{"name", "x"}, {"strict", true}, {"schema", schema}}}}},
                         {"max_tokens", 200},
                         {"seed", seed}});
    ASSERT_EQ(r["choices"][0]["finish_reason"], "stop") << r.dump();
    const Json out = Json::parse(r["choices"][0]["message"]["content"].get<std::string>());
    ASSERT_TRUE(out.is_object());
    EXPECT_EQ(out.size(), 2u);
    EXPECT_TRUE(out["name"].is_string());
    EXPECT_TRUE(out["n"].is_number_integer());
  }
  const Json obj = post("/v1/chat/completions", {{"messages", {user("JSON")}},
                                                 {"response_format", {{"type", "json_object"}}},
                                                 {"max_tokens", 200}, {"seed", 4}});
  // Free-form objects from random weights may run to the token limit; a
  // finished one parses, an unfinished one is still an object's prefix.
  const std::string text = obj["choices"][0]["message"]["content"];
  if (obj["choices"][0]["finish_reason"] == "stop") EXPECT_TRUE(Json::parse(text).is_object()) << text;
  else EXPECT_EQ(text.substr(0, 1), "{") << text;
}

// An agent's next turn processes only what is new: the earlier turns come
// from the slot's state (the rendered history keeps the earlier prompt).
TEST_F(ServerTest, NextTurnReusesThePreviousPrompt) {
  const Json system = {{"role", "system"}, {"content", "You are a careful assistant. Answer briefly and precisely."}};
  Json messages = {system, user("First question about the weather in Paris")};
  const Json first = post("/v1/chat/completions", {{"messages", messages}, {"max_tokens", 4}, {"seed", 5}});
  const int first_prompt = first["usage"]["prompt_tokens"];
  messages.push_back({{"role", "assistant"}, {"content", first["choices"][0]["message"]["content"]}});
  messages.push_back(user("And tomorrow?"));
  const Json second = post("/v1/chat/completions", {{"messages", messages}, {"max_tokens", 4}, {"seed", 5}});
  const int cached = second["usage"]["prompt_tokens_details"]["cached_tokens"];
  EXPECT_GE(cached, first_prompt - 4) << second.dump();
  EXPECT_LT(cached, second["usage"]["prompt_tokens"].get<int>());
}

TEST_F(ServerTest, StopSequencesCutTheReply) {
  const Json base = {{"messages", {user("Count")}}, {"max_tokens", 12}, {"seed", 9}};
  const std::string full = post("/v1/chat/completions", base)["choices"][0]["message"]["content"];
  // Two ASCII characters from the middle of the reply as the stop sequence.
  size_t at = 1;
  while (at + 1 < full.size() && (static_cast<unsigned char>(full[at]) >= 0x80 || static_cast<unsigned char>(full[at + 1]) >= 0x80))
    ++at;
  if (at + 1 >= full.size()) GTEST_SKIP() << "no ASCII pair to cut at in '" << full << "'";
  const std::string stop = full.substr(at, 2);
  Json cut = base;
  cut["stop"] = {stop};
  const Json r = post("/v1/chat/completions", cut);
  EXPECT_EQ(r["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(r["choices"][0]["message"]["content"], full.substr(0, full.find(stop)));
}

TEST_F(ServerTest, BadRequestsGetOpenAIErrors) {
  const std::string chat = "/v1/chat/completions";
  EXPECT_EQ(refused(chat, "{nope", 400)["type"], "invalid_request_error");
  refused(chat, "[1, 2]", 400);
  refused(chat, std::string(5000, '[') + std::string(5000, ']'), 400);
  EXPECT_EQ(refused(chat, R"({"messages": "hi"})", 400)["param"], "messages");
  refused(chat, R"({"messages": []})", 400);
  refused(chat, R"({"messages": [{"role": "wizard", "content": "x"}]})", 400);
  refused(chat, R"({"messages": [{"role": "user", "content": 5}]})", 400);
  refused(chat, R"({"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]})", 400);
  EXPECT_EQ(refused(chat, R"({"messages": [{"role": "user", "content": "x"}], "max_tokens": 1e300})", 400)["param"],
            "max_tokens");
  refused(chat, R"({"messages": [{"role": "user", "content": "x"}], "max_tokens": 99999999999999999999})", 400);
  refused(chat, R"({"messages": [{"role": "user", "content": "x"}], "temperature": "hot"})", 400);
  refused(chat, R"({"messages": [{"role": "user", "content": "x"}], "n": 2})", 400);
  refused(chat, R"({"messages": [{"role": "user", "content": "x"}], "stop": ["a", "b", "c", "d", "e"]})", 400);
  refused(chat, R"({"messages": [{"role": "user", "content": "x"}], "tool_choice": "required"})", 400);
  refused(chat, R"({"messages": [{"role": "user", "content": "x"}], "response_format": {"type": "yaml"}})", 400);
  refused(chat, R"({"messages": [{"role": "user", "content": "x"}], "top_logprobs": 3})", 400);
  refused(chat, "{\"messages\": [{\"role\": \"user\", \"content\": \"\xff\xfe\"}]}", 400);
  std::string words;
  for (int i = 0; words.size() < 30000; ++i) words += "w" + std::to_string(i * 7919 % 100003) + " ";
  const std::string huge = R"({"messages": [{"role": "user", "content": ")" + words + R"("}]})";
  EXPECT_EQ(refused(chat, huge, 400)["code"], "context_length_exceeded");
  refused(chat, R"({"messages": [{"role": "user", "content": ")" + std::string(2 << 20, 'a') + R"("}]})", 413);
  auto missing = client().Get("/v1/nothing");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  httplib::Client wrong_key("127.0.0.1", port_);
  wrong_key.set_bearer_token_auth("guess");
  auto denied = wrong_key.Post(chat.c_str(), R"({"messages": [{"role": "user", "content": "x"}]})", "application/json");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401);
  EXPECT_EQ(Json::parse(denied->body)["error"]["code"], "invalid_api_key");
  // The server still serves after all of that.
  int status = 0;
  post(chat, {{"messages", {user("still there?")}}, {"max_tokens", 2}}, &status);
  EXPECT_EQ(status, 200);
}

// A client that closes its stream early frees the slot; others are served.
TEST_F(ServerTest, ConcurrentClientsAndDisconnects) {
  {
    httplib::Client c = client();
    int received = 0;
    httplib::Request req;
    req.method = "POST";
    req.path = "/v1/chat/completions";
    req.set_header("Authorization", "Bearer secret");
    req.set_header("Content-Type", "application/json");
    req.body = Json({{"messages", {user("long")}}, {"max_tokens", 800}, {"stream", true}}).dump();
    req.content_receiver = [&](const char*, size_t, uint64_t, uint64_t) { return ++received < 3; };   // hang up early
    c.send(req);
  }
  // 8 concurrent in-process clients, mixed streaming and not: no errors, and
  // the resident memory after a warm-up round stays flat through the next
  // rounds (32 concurrent clients in separate processes: openai_client.test.mjs).
  auto round = [&](int per_client) {
    std::atomic<int> ok{0}, failed{0};
    std::vector<std::thread> clients;
    for (int t = 0; t < 8; ++t)
      clients.emplace_back([&, t] {
        for (int i = 0; i < per_client; ++i) {
          int status = 0;
          post("/v1/chat/completions",
               {{"messages", {user("client " + std::to_string(t) + " request " + std::to_string(i))}},
                {"max_tokens", 6}, {"stream", (t + i) % 2 == 0}},
               &status);
          (status == 200 ? ok : failed)++;
        }
      });
    for (auto& c : clients) c.join();
    EXPECT_EQ(failed.load(), 0);
    EXPECT_EQ(ok.load(), 8 * per_client);
  };
  round(2);
  const uint64_t warm = test::resident_bytes();
  round(3);
  round(3);
  const uint64_t after = test::resident_bytes();
  EXPECT_LT(after, warm + (uint64_t{64} << 20)) << "resident " << (warm >> 20) << " -> " << (after >> 20) << " MiB";
}

TEST_F(ServerTest, FuzzedBodiesGetAnswers) {
  const std::vector<std::string> seeds = {
      R"({"messages": [{"role": "user", "content": "hi"}], "max_tokens": 2})",
      R"({"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": [{"type": "text", "text": "t"}]}], "max_tokens": 2, "stream": true})",
      R"({"messages": [{"role": "user", "content": "w"}], "tools": )" + std::string(kTools) +
          R"(, "tool_choice": "required", "max_tokens": 40})",
      R"({"messages": [{"role": "user", "content": "j"}], "response_format": {"type": "json_schema", "json_schema": {"name": "a", "schema": {"type": "object", "properties": {"a": {"type": "integer"}}}}}, "max_tokens": 20})",
      R"({"prompt": "abc", "max_tokens": 2, "stop": ["x"], "temperature": 0.5, "seed": 3})",
  };
  const char* junk[] = {"null", "1e999", "-1", "\"\"", "[]", "{}", "true", "\"\\ud800\"", "18446744073709551616",
                        "[[[[[[[[", "\"\xc3\x28\"", "0.0000001"};
  std::mt19937 rng(1234);
  int answered = 0;
  for (int i = 0; i < 240; ++i) {
    std::string body = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % body.size();
      switch (rng() % 5) {
        case 0: body[at] = static_cast<char>(rng() % 256); break;                 // a random byte
        case 1: body.erase(at, 1 + rng() % 8); break;                              // a cut
        case 2: body.insert(at, junk[rng() % std::size(junk)]); break;            // a stray value
        case 3: body = body.substr(0, at); break;                                  // truncated
        default: {                                                                 // a value swapped for junk
          const size_t colon = body.find(':', at);
          if (colon == std::string::npos) break;
          const size_t end = body.find_first_of(",}", colon);
          if (end == std::string::npos) break;
          body.replace(colon + 1, end - colon - 1, junk[rng() % std::size(junk)]);
        }
      }
      if (body.empty()) body = "{";
    }
    const std::string path = body.find("\"prompt\"") != std::string::npos ? "/v1/completions" : "/v1/chat/completions";
    auto r = client().Post(path.c_str(), body, "application/json");
    ASSERT_TRUE(r) << "no answer to: " << body;
    ASSERT_TRUE(r->status == 200 || (r->status >= 400 && r->status < 500)) << r->status << " for " << body << " -> " << r->body;
    if (r->status != 200) {
      const Json j = Json::parse(r->body, nullptr, false);
      ASSERT_TRUE(j.is_object() && j.contains("error")) << r->body;
    }
    ++answered;
  }
  EXPECT_EQ(answered, 240);
}

// A client that sends half a request and goes quiet is dropped after the I/O
// timeout; everyone else is served meanwhile.
TEST_F(ServerTest, SlowSenderIsDropped) {
  httplib::Client c("127.0.0.1", port_);
  std::thread slow([&] {
    httplib::Request req;
    req.method = "POST";
    req.path = "/v1/chat/completions";
    req.set_header("Authorization", "Bearer secret");
    req.set_header("Content-Length", "100000");   // promises a body that never comes
    req.body = "{\"messages\": [";
    c.set_read_timeout(15);
    c.send(req);
  });
  int status = 0;
  post("/v1/chat/completions", {{"messages", {user("meanwhile")}}, {"max_tokens", 2}}, &status);
  EXPECT_EQ(status, 200);
  slow.join();
}

TEST_F(ServerTest, TextCompletions) {
  int status = 0;
  const Json r = post("/v1/completions", {{"prompt", "Once upon a time"}, {"max_tokens", 5}, {"seed", 2}}, &status);
  ASSERT_EQ(status, 200) << r.dump();
  EXPECT_EQ(r["object"], "text_completion");
  EXPECT_TRUE(r["choices"][0]["text"].is_string());
  EXPECT_LE(r["usage"]["completion_tokens"].get<int>(), 5);
}

}  // namespace
}  // namespace edgelm
