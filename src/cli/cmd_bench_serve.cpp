// edgelm bench-serve: the server's engine under concurrent streams, in process
// (no HTTP): aggregate and per-stream decode rates, time to first token and
// peak memory at each concurrency.
//   edgelm bench-serve -m MODEL --concurrency 1,4,8 [-n 128] [-p 32] [-t 2] [--json]
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
  uint64_t peak_rss = 0;
};

Round run_round(const Model& model, int streams, int n_prompt, int n_gen, int n_threads, uint64_t seed) {
  server::Metrics metrics;
  server::EngineOptions eo;
  eo.slots = streams;
  eo.max_queue = streams;
  eo.session.n_threads = n_threads;
  eo.session.n_ctx = n_prompt + n_gen + 8;
  reset_peak_rss();
  server::Engine engine(model, eo, metrics);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int32_t> pick(0, model.info().n_vocab - 1);
  std::vector<std::shared_ptr<server::Job>> jobs;
  for (int s = 0; s < streams; ++s) {
    auto job = std::make_shared<server::Job>();
    for (int i = 0; i < n_prompt; ++i) job->prompt.push_back(pick(rng));
    job->params.max_tokens = n_gen;
    job->params.ignore_eos = true;
    job->params.sampling.temperature = 0.0f;
    job->parse.parse_tool_calls = false;
    jobs.push_back(job);
  }
  const Clock::time_point start = Clock::now();
  for (auto& j : jobs) engine.submit(j);
  // Events carry the time the worker made them, so they are read stream by
  // stream, blocking, without a polling thread taking the cores' time.
  std::vector<Clock::time_point> first(streams), done(streams);
  for (int s = 0; s < streams; ++s) {
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
  r.streams = streams;
  std::vector<double> per_stream, ttft;
  Clock::time_point end = start;
  for (int s = 0; s < streams; ++s) {
    r.tokens += jobs[s]->completion_tokens;
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

}  // namespace

int cmd_bench_serve(int argc, char** argv) {
  CLI::App app("Measure the server's engine under concurrent streams (in process, no HTTP)", "bench-serve");
  std::string model_path, concurrency = "1,4,8";
  int n_gen = 128, n_prompt = 32, n_threads = 0, reps = 1;
  bool json = false;
  app.add_option("-m,--model", model_path, "GGUF model file or hub reference OWNER/REPO[:QUANT]")->required();
  app.add_option("--concurrency", concurrency, "concurrent streams to measure, comma-separated")->capture_default_str();
  app.add_option("-n,--n-gen", n_gen, "tokens generated per stream")->capture_default_str()->check(CLI::Range(2, 100000));
  app.add_option("-p,--n-prompt", n_prompt, "prompt tokens per stream")->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("-t,--threads", n_threads, "threads (0 = all)")->check(CLI::Range(0, 1024));
  app.add_option("-r,--repetitions", reps, "runs per concurrency (the median is reported)")->capture_default_str()
      ->check(CLI::Range(1, 100));
  app.add_flag("--json", json, "one JSON record per concurrency");
  if (int rc = parse_or_exit(app, argc, argv); rc >= 0) return rc;
  model_path = resolve_model_argument(model_path);
  require_file(model_path, "model file");
  const std::vector<int32_t> levels = parse_int_list(concurrency, "concurrency");
  auto model = Model::load(model_path);
  nlohmann::json records = nlohmann::json::array();
  if (!json)
    std::printf("| streams | aggregate t/s | per-stream t/s | TTFT ms | tokens | peak RSS |\n|---:|---:|---:|---:|---:|---:|\n");
  for (int32_t c : levels) {
    if (c < 1 || c > 256) throw Error("--concurrency values must be between 1 and 256");
    std::vector<Round> rounds;
    for (int i = 0; i < reps; ++i) rounds.push_back(run_round(*model, c, n_prompt, n_gen, n_threads, 1 + i));
    std::sort(rounds.begin(), rounds.end(), [](const Round& a, const Round& b) { return a.aggregate_ts < b.aggregate_ts; });
    const Round& r = rounds[rounds.size() / 2];
    if (json) {
      records.push_back({{"model", model_path}, {"streams", r.streams}, {"n_prompt", n_prompt}, {"n_gen", n_gen},
                         {"n_threads", n_threads}, {"aggregate_ts", r.aggregate_ts},
                         {"per_stream_ts", r.per_stream_ts}, {"ttft_ms", r.ttft_ms}, {"tokens", r.tokens},
                         {"peak_rss_bytes", r.peak_rss}, {"repetitions", reps}});
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
