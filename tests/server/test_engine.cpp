// The server's engine without HTTP: a long prompt is read in chunks, one per
// step, while a running stream keeps getting tokens; the prompt's result is
// the same as reading it at once.
#include <gtest/gtest.h>

#include "server/engine.h"
#include "support.h"

namespace edgelm {
namespace {

using server::Event;

std::shared_ptr<server::Job> job(std::vector<int32_t> prompt, int max_tokens) {
  auto j = std::make_shared<server::Job>();
  j->prompt = std::move(prompt);
  j->params.max_tokens = max_tokens;
  j->params.ignore_eos = true;
  j->params.sampling.temperature = 0.0f;
  j->parse.parse_tool_calls = false;
  return j;
}

// The events of a job up to Done (or Failed).
std::vector<Event> drain(server::Job& j) {
  std::vector<Event> out;
  for (Event e;;) {
    if (!j.pop(e, std::chrono::milliseconds(1000))) continue;
    out.push_back(e);
    if (e.kind != Event::Kind::Delta) return out;
  }
}

std::vector<int32_t> tokens(int n, uint32_t seed, int n_vocab) {
  std::vector<int32_t> out(n);
  for (int& t : out) t = static_cast<int32_t>((seed = seed * 1664525u + 1013904223u) >> 8) % n_vocab;
  return out;
}

class EngineTest : public ::testing::TestWithParam<const char*> {};

TEST_P(EngineTest, LongPromptsAreReadInChunksWhileStreamsFlow) {
  auto model = Model::load(test::tiny_model(GetParam(), "q8_0"));
  const int V = model->info().n_vocab;
  server::Metrics metrics;
  server::EngineOptions o;
  o.slots = 2;
  o.prefill_chunk = 64;
  o.session.n_threads = 1;
  o.session.n_ctx = 2048;
  o.session.n_batch = 64;
  std::vector<std::string> texts;
  {
    server::Engine engine(*model, o, metrics);
    auto stream = job(tokens(8, 1, V), 900);
    stream->params.logprobs = true;   // an event for every token, text or not
    engine.submit(stream);
    // Wait until the stream is decoding (its first text, or its end).
    Event first;
    while (!stream->pop(first, std::chrono::milliseconds(1000))) {
    }
    auto reader = job(tokens(600, 2, V), 4);
    const auto submitted = std::chrono::steady_clock::now();
    engine.submit(reader);
    const std::vector<Event> long_events = drain(*reader);
    const std::vector<Event> stream_events =
        first.kind == Event::Kind::Delta ? drain(*stream) : std::vector<Event>{first};
    ASSERT_EQ(long_events.back().kind, Event::Kind::Done);
    ASSERT_EQ(stream_events.back().kind, Event::Kind::Done);
    EXPECT_EQ(reader->prefill_steps, (600 + 63) / 64);
    EXPECT_EQ(reader->prompt_tokens, 600);
    // The stream was still running when the long prompt was done (each step
    // gives it one token), and got tokens while the prompt was being read.
    ASSERT_GT(stream_events.back().at, long_events.front().at);
    int during = 0;
    for (const Event& e : stream_events)
      if (e.logprob && e.at > submitted && e.at < long_events.front().at) ++during;
    EXPECT_GE(during, reader->prefill_steps - 2);
    std::string text;
    for (const Event& e : long_events) text += e.delta.text;
    texts.push_back(text);
  }
  // Reading the prompt at once gives the same reply.
  o.prefill_chunk = 4096;
  o.session.n_batch = 512;
  server::Engine engine(*model, o, metrics);
  auto whole = job(tokens(600, 2, V), 4);
  engine.submit(whole);
  const std::vector<Event> events = drain(*whole);
  EXPECT_EQ(whole->prefill_steps, 1);
  std::string text;
  for (const Event& e : events) text += e.delta.text;
  EXPECT_EQ(text, texts[0]);
}

INSTANTIATE_TEST_SUITE_P(Archs, EngineTest, ::testing::Values("llama", "gemma4", "qwen35"));

}  // namespace
}  // namespace edgelm
