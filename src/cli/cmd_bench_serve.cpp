// edgelm bench-serve: the server's engine under concurrent streams, in process
// (no HTTP): aggregate and per-stream decode rates, time to first token and
// peak memory at each concurrency.
//   edgelm bench-serve -m MODEL --concurrency 1,4,8 [-n 128] [-p 32] [-t 2] [--json]
//   edgelm bench-serve -m MODEL --concurrency 1,4 --turns 10 [-p 1500] [--turn-tokens 300] [-n 64]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/bench_machine.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/model_ref.h"
#include "edgelm/error.h"
#include "server/engine.h"

namespace edgelm::cli {
namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

struct Round {
  int streams = 0;
  double aggregate_ts = 0;      // tokens of all streams per second, from submission to the last one's end
  double per_stream_ts = 0;     // median over streams
  double ttft_ms = 0;           // median
  int64_t tokens = 0;
  int64_t processed = 0, reused = 0;   // prompt tokens run through the model / taken from cache, all streams
  uint64_t peak_rss = 0;
};

std::shared_ptr<server::Job> make_job(std::vector<int32_t> prompt, int n_gen) {
  auto job = std::make_shared<server::Job>();
  job->prompt = std::move(prompt);
  job->params.max_tokens = n_gen;
  job->params.ignore_eos = true;
  job->params.sampling.temperature = 0.0f;
  job->parse.parse_tool_calls = false;
  return job;
}

// Submits the jobs together and waits for all of them. Events carry the
// time the worker made them, so they are read stream by stream, blocking,
// without a polling thread taking the cores' time.
Round run_jobs(server::Engine& engine, const std::vector<std::shared_ptr<server::Job>>& jobs) {
  const size_t streams = jobs.size();
  const Clock::time_point start = Clock::now();
  for (auto& j : jobs) engine.submit(j);
  std::vector<Clock::time_point> first(streams), done(streams);
  for (size_t s = 0; s < streams; ++s) {
    bool got_first = false;
    for (server::Event e;;) {
      if (!jobs[s]->pop(e, std::chrono::milliseconds(1000))) continue;
      if (!got_first) {
        got_first = true;
        first[s] = e.at;
      }
      if (e.kind == server::Event::Kind::Failed) throw Error("bench-serve: " + e.error);
      if (e.kind == server::Event::Kind::Done) {
        done[s] = e.at;
        break;
      }
    }
  }
  Round r;
  r.streams = static_cast<int>(streams);
  std::vector<double> per_stream, ttft;
  Clock::time_point end = start;
  for (size_t s = 0; s < streams; ++s) {
    r.tokens += jobs[s]->completion_tokens;
    r.processed += jobs[s]->prompt_tokens - jobs[s]->reused_tokens;
    r.reused += jobs[s]->reused_tokens;
    // A stream's decode rate: its tokens after the first over the time they took.
    const double seconds = std::chrono::duration<double>(done[s] - first[s]).count();
    per_stream.push_back(seconds > 0 ? (jobs[s]->completion_tokens - 1) / seconds : 0);
    ttft.push_back(std::chrono::duration<double, std::milli>(first[s] - start).count());
    end = std::max(end, done[s]);
  }
  const double wall = std::chrono::duration<double>(end - start).count();
  r.aggregate_ts = wall > 0 ? static_cast<double>(r.tokens) / wall : 0;
  r.per_stream_ts = median(per_stream);
  r.ttft_ms = median(ttft);
  r.peak_rss = peak_rss_bytes();
  return r;
}

struct Shape {
  int n_prompt = 32, n_gen = 128, n_threads = 0;
  int turns = 0, turn_tokens = 300;
};

server::EngineOptions engine_options(int streams, int64_t n_ctx, const Shape& shape) {
  server::EngineOptions eo;
  eo.slots = streams;
  eo.max_queue = streams;
  eo.session.n_threads = shape.n_threads;
  eo.session.n_ctx = n_ctx;
  return eo;
}

Round run_round(const Model& model, int streams, const Shape& shape, uint64_t seed) {
  server::Metrics metrics;
  reset_peak_rss();
  server::Engine engine(model, engine_options(streams, shape.n_prompt + shape.n_gen + 8, shape), metrics);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int32_t> pick(0, model.info().n_vocab - 1);
  std::vector<std::shared_ptr<server::Job>> jobs;
  for (int s = 0; s < streams; ++s) {
    std::vector<int32_t> prompt;
    for (int i = 0; i < shape.n_prompt; ++i) prompt.push_back(pick(rng));
    jobs.push_back(make_job(std::move(prompt), shape.n_gen));
  }
  return run_jobs(engine, jobs);
}

// `streams` conversations of `turns` turns at once, as agents talk to the
// server: each turn sends the whole conversation again — the previous prompt,
// the reply as text (tokenized again, as a client's next request is) and
// turn_tokens new ones — and the engine should run only what is new.
std::vector<Round> run_turns(const Model& model, int streams, const Shape& shape, uint64_t seed) {
  const int64_t n_ctx = shape.n_prompt + int64_t{shape.turns} * (shape.turn_tokens + 2 * shape.n_gen) + 64;
  server::Metrics metrics;
  reset_peak_rss();
  server::Engine engine(model, engine_options(streams, n_ctx, shape), metrics);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int32_t> pick(0, model.info().n_vocab - 1);
  std::vector<std::vector<int32_t>> conversation(streams);
  for (auto& c : conversation)
    for (int i = 0; i < shape.n_prompt; ++i) c.push_back(pick(rng));
  std::vector<Round> rounds;
  for (int turn = 0; turn < shape.turns; ++turn) {
    std::vector<std::shared_ptr<server::Job>> jobs;
    for (auto& c : conversation) {
      if (turn > 0)
        for (int i = 0; i < shape.turn_tokens; ++i) c.push_back(pick(rng));
      jobs.push_back(make_job(c, shape.n_gen));
    }
    rounds.push_back(run_jobs(engine, jobs));
    for (int s = 0; s < streams; ++s) {
      const std::vector<int32_t> reply = model.tokenize(jobs[s]->result.content, false, false);
      conversation[s].insert(conversation[s].end(), reply.begin(), reply.end());
    }
  }
  return rounds;
}

}  // namespace

int cmd_bench_serve(int argc, char** argv) {
  CLI::App app("Measure the server's engine under concurrent streams (in process, no HTTP)", "bench-serve");
  std::string model_path, concurrency = "1,4,8";
  Shape shape;
  int reps = 1;
  bool json = false;
  app.add_option("-m,--model", model_path, "GGUF model file or hub reference OWNER/REPO[:QUANT]")->required();
  app.add_option("--concurrency", concurrency, "concurrent streams to measure, comma-separated")->capture_default_str();
  app.add_option("-n,--n-gen", shape.n_gen, "tokens generated per stream")->capture_default_str()->check(CLI::Range(2, 100000));
  app.add_option("-p,--n-prompt", shape.n_prompt, "prompt tokens per stream")->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("-t,--threads", shape.n_threads, "threads (0 = all)")->check(CLI::Range(0, 1024));
  app.add_option("-r,--repetitions", reps, "runs per concurrency (the median is reported)")->capture_default_str()
      ->check(CLI::Range(1, 100));
  app.add_option("--turns", shape.turns,
                 "replay N-turn conversations instead (-p: first prompt, --turn-tokens: each later message); "
                 "per turn: TTFT and prompt tokens processed vs reused")
      ->check(CLI::Range(1, 1000));
  app.add_option("--turn-tokens", shape.turn_tokens, "new tokens per later turn (with --turns)")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  app.add_flag("--json", json, "one JSON record per concurrency (per turn with --turns)");
  if (int rc = parse_or_exit(app, argc, argv); rc >= 0) return rc;
  model_path = resolve_model_argument(model_path);
  require_file(model_path, "model file");
  const std::vector<int32_t> levels = parse_int_list(concurrency, "concurrency");
  auto model = Model::load(model_path);
  nlohmann::json records = nlohmann::json::array();
  auto record = [&](const Round& r, int turn) {
    nlohmann::json j = {{"model", model_path}, {"streams", r.streams}, {"n_prompt", shape.n_prompt},
                        {"n_gen", shape.n_gen}, {"n_threads", shape.n_threads}, {"aggregate_ts", r.aggregate_ts},
                        {"per_stream_ts", r.per_stream_ts}, {"ttft_ms", r.ttft_ms}, {"tokens", r.tokens},
                        {"prompt_processed", r.processed}, {"prompt_reused", r.reused},
                        {"peak_rss_bytes", r.peak_rss}, {"repetitions", reps}};
    if (turn > 0) {
      j["turn"] = turn;
      j["turn_tokens"] = shape.turn_tokens;
    }
    records.push_back(j);
  };
  if (!json && shape.turns)
    std::printf("| streams | turn | TTFT ms | processed | reused | aggregate t/s | peak RSS |\n"
                "|---:|---:|---:|---:|---:|---:|---:|\n");
  else if (!json)
    std::printf("| streams | aggregate t/s | per-stream t/s | TTFT ms | tokens | peak RSS |\n|---:|---:|---:|---:|---:|---:|\n");
  for (int32_t c : levels) {
    if (c < 1 || c > 256) throw Error("--concurrency values must be between 1 and 256");
    if (shape.turns) {
      // Repetitions of a conversation are not independent (the cache is the
      // point), so --turns reports one run.
      const std::vector<Round> rounds = run_turns(*model, c, shape, 1);
      for (size_t t = 0; t < rounds.size(); ++t) {
        const Round& r = rounds[t];
        if (json) record(r, static_cast<int>(t + 1));
        else
          std::printf("| %d | %zu | %.1f | %lld | %lld | %.2f | %.0f MiB |\n", c, t + 1, r.ttft_ms,
                      static_cast<long long>(r.processed), static_cast<long long>(r.reused), r.aggregate_ts,
                      r.peak_rss / 1048576.0);
      }
      std::fflush(stdout);
      continue;
    }
    std::vector<Round> rounds;
    for (int i = 0; i < reps; ++i) rounds.push_back(run_round(*model, c, shape, 1 + i));
    std::sort(rounds.begin(), rounds.end(), [](const Round& a, const Round& b) { return a.aggregate_ts < b.aggregate_ts; });
    const Round& r = rounds[rounds.size() / 2];
    if (json) {
      record(r, 0);
    } else {
      std::printf("| %d | %.2f | %.2f | %.1f | %lld | %.0f MiB |\n", r.streams, r.aggregate_ts, r.per_stream_ts,
                  r.ttft_ms, static_cast<long long>(r.tokens), r.peak_rss / 1048576.0);
      std::fflush(stdout);
    }
  }
  if (json) std::printf("%s\n", records.dump(2).c_str());
  return 0;
}

}  // namespace edgelm::cli
