#include "eval/compare.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <cstring>
#include <sstream>
#include <thread>

#include "edgelm/bench.h"
#include "edgelm/edgelm.h"
#include "edgelm/error.h"
#include "edgelm/memory_plan.h"
#include "eval/suites.h"

extern char** environ;

namespace edgelm::eval {
namespace {

// ---------------------------------------------------------------- hashing

class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) throw Error("sha256: OpenSSL init failed");
  }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  void update(const void* data, size_t n) { EVP_DigestUpdate(ctx_, data, n); }
  std::string hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx_, digest, &len);
    static const char* kHex = "0123456789abcdef";
    std::string out;
    for (unsigned int i = 0; i < len; ++i) {
      out += kHex[digest[i] >> 4];
      out += kHex[digest[i] & 15];
    }
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
};

std::string sha256_text(const std::string& text) {
  Sha256 h;
  h.update(text.data(), text.size());
  return h.hex();
}

// ---------------------------------------------------------------- processes

struct ProcessResult {
  int status = -1;
  std::string out, err;
};

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs a program with stdout and stderr captured in temporary files (no
// shell: arguments are passed as they are).
ProcessResult run_process(const std::vector<std::string>& args) {
  const std::filesystem::path tmp = std::filesystem::temp_directory_path();
  const std::string stem = "edgelm-compare-" + std::to_string(getpid()) + "-";
  const std::filesystem::path out_file = tmp / (stem + "out"), err_file = tmp / (stem + "err");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw Error("cannot start '" + args[0] + "': " + std::strerror(rc));
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  ProcessResult r;
  r.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  r.out = slurp(out_file);
  r.err = slurp(err_file);
  std::filesystem::remove(out_file);
  std::filesystem::remove(err_file);
  return r;
}

std::string last_line(const std::string& text) {
  std::string t = text;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  const size_t nl = t.rfind('\n');
  return nl == std::string::npos ? t : t.substr(nl + 1);
}

// ---------------------------------------------------------------- the suites per model

struct ModelRun {
  std::string path;
  std::filesystem::path dir;   // this model's cache folder for these settings
  const CompareOptions& o;

  void log(const std::string& line) const {
    if (o.log) o.log(line);
  }

  // A suite's result is computed once and kept in the cache folder.
  template <typename F>
  JsonDoc cached(const std::string& suite, F compute) const {
    const std::filesystem::path file = dir / (suite + ".json");
    if (std::filesystem::exists(file)) {
      JsonDoc j = JsonDoc::parse(slurp(file), nullptr, false);
      if (!j.is_discarded()) {
        log(suite + ": cached");
        return j;
      }
    }
    JsonDoc j = compute();
    std::filesystem::create_directories(dir);
    const std::filesystem::path part = file.string() + ".part";
    std::ofstream(part) << j.dump(1) << '\n';
    std::filesystem::rename(part, file);
    return j;
  }

  std::vector<std::string> bench_args() const {
    return {o.edgelm_binary.string(), "bench", "-m", path, "--json", "--no-probe",
            "-t", std::to_string(o.n_threads), "--mem-budget", std::to_string(o.mem_budget)};
  }

  static JsonDoc rate(const JsonDoc& record) {
    return {{"median", record.value("median_ts", 0.0)},
            {"min", record.value("min_ts", 0.0)},
            {"max", record.value("max_ts", 0.0)},
            {"stddev", record.value("stddev_ts", 0.0)}};
  }

  JsonDoc speed() const {
    JsonDoc depths = JsonDoc::array();
    uint64_t peak = 0;
    for (size_t i = 0; i < o.depths.size(); ++i) {
      const int64_t depth = o.depths[i];
      if (o.progress) o.progress(i, o.depths.size() + 1, "depth " + std::to_string(depth));
      std::vector<std::string> args = bench_args();
      for (const std::string& a : {std::string("-p"), std::to_string(o.n_prompt), std::string("-n"),
                                   std::to_string(o.n_gen), std::string("-d"), std::to_string(depth),
                                   std::string("-r"), std::to_string(o.repetitions), std::string("--depth-fill"),
                                   std::string("random")})
        args.push_back(a);
      const ProcessResult r = run_process(args);
      JsonDoc row = {{"depth", depth}};
      const JsonDoc records = r.status == 0 ? JsonDoc::parse(r.out, nullptr, false) : JsonDoc();
      if (r.status != 0 || records.is_discarded() || !records.is_array() || records.empty()) {
        row["fits"] = false;
        row["reason"] = last_line(r.err.empty() ? r.out : r.err);
        log("speed at depth " + std::to_string(depth) + ": " + row["reason"].get<std::string>());
      } else {
        row["fits"] = true;
        for (const JsonDoc& rec : records) {
          row[rec.value("n_prompt", 0) > 0 ? "prefill" : "decode"] = rate(rec);
          row["kv_type"] = rec.value("kv_type", "");
          const uint64_t rss = rec.value("peak_rss_bytes", uint64_t{0});
          row["peak_rss_bytes"] = std::max<uint64_t>(row.value("peak_rss_bytes", uint64_t{0}), rss);
          peak = std::max(peak, rss);
        }
      }
      depths.push_back(row);
    }
    if (o.progress) o.progress(o.depths.size(), o.depths.size() + 1, "agent turns");
    JsonDoc turns;
    std::vector<std::string> args = bench_args();
    args.push_back("--turns");
    args.push_back(std::to_string(o.turns));
    const ProcessResult r = run_process(args);
    const JsonDoc records = r.status == 0 ? JsonDoc::parse(r.out, nullptr, false) : JsonDoc();
    if (r.status == 0 && !records.is_discarded() && records.is_array() && !records.empty()) {
      std::vector<double> later;
      for (const JsonDoc& rec : records)
        if (rec.value("turn", 0) > 1) later.push_back(rec.value("ttft_ms", 0.0));
      std::sort(later.begin(), later.end());
      turns = {{"first_ms", records[0].value("ttft_ms", 0.0)},
               {"later_median_ms", later.empty() ? 0.0 : later[later.size() / 2]},
               {"later_min_ms", later.empty() ? 0.0 : later.front()},
               {"later_max_ms", later.empty() ? 0.0 : later.back()},
               {"turns", records}};
    } else {
      turns = {{"error", last_line(r.err)}};
    }
    return {{"depths", depths}, {"agent_turns", turns}, {"peak_rss_bytes", peak}};
  }

  JsonDoc memory(const Model& model, const JsonDoc& speed) const {
    // The breakdown at the deepest context the speed runs used that fitted.
    int64_t n_ctx = 0;
    std::string kv = "f16";
    if (speed.is_object())
      for (const JsonDoc& d : speed["depths"])
        if (d.value("fits", false)) {
          n_ctx = d["depth"].get<int64_t>() + o.n_prompt + o.n_gen;
          kv = d.value("kv_type", "f16");
        }
    if (n_ctx == 0) n_ctx = o.depths.empty() ? 4096 : o.depths.back() + o.n_prompt + o.n_gen;
    const MemoryPlan p = plan_memory(model, n_ctx, parse_kv_type(kv));
    return {{"n_ctx", p.n_ctx},
            {"kv_type", kv_type_name(p.kv_type)},
            {"weights", p.weights_resident},
            {"weights_cold", p.weights_cold},
            {"kv_full", p.kv_full},
            {"kv_sliding", p.kv_sliding},
            {"recurrent", p.recurrent},
            {"scratch", p.scratch},
            {"total", p.total()},
            {"peak_rss_bytes", speed.is_object() ? speed.value("peak_rss_bytes", uint64_t{0}) : uint64_t{0}}};
  }

  JsonDoc context(const Model& model) const {
    try {
      const MemoryPlan p = fit_memory_budget(model, o.mem_budget);
      return {{"max_ctx", p.n_ctx}, {"kv_type", kv_type_name(p.kv_type)}, {"total", p.total()}};
    } catch (const Error& e) {
      return {{"max_ctx", 0}, {"error", e.what()}};
    }
  }

  SuiteOptions suite_options(const std::string& suite) const {
    SuiteOptions so;
    so.limit = o.limit;
    so.seed = o.seed;
    so.out_dir = dir / suite;
    so.progress = o.progress;
    return so;
  }
};

bool wants(const CompareOptions& o, const std::string& suite) {
  return std::find(o.suites.begin(), o.suites.end(), suite) != o.suites.end();
}

JsonDoc settings_json(const CompareOptions& o) {
  return {{"mem_budget_bytes", o.mem_budget},
          {"depths", o.depths},
          {"n_prompt", o.n_prompt},
          {"n_gen", o.n_gen},
          {"repetitions", o.repetitions},
          {"turns", o.turns},
          {"threads", o.n_threads},
          {"limit", o.limit},
          {"agent_seeds", o.agent_seeds},
          {"max_tokens", o.generation.max_tokens},
          {"temperature", o.generation.temperature},
          {"top_p", o.generation.top_p},
          {"n_ctx", o.generation.n_ctx},
          {"thinking", o.generation.enable_thinking ? JsonDoc(*o.generation.enable_thinking) : JsonDoc("model")},
          {"chat_template", o.generation.chat_template_path},
          {"seed", o.seed}};
}

JsonDoc run_model(const std::string& path, const CompareOptions& o, const std::string& tag) {
  JsonDoc m = {{"path", path}, {"label", std::filesystem::path(path).filename().string()}};
  auto say = [&](const std::string& s) {
    if (o.log) o.log("[" + tag + "] " + s);
  };
  say("hashing " + path);
  const std::string sha = file_sha256_cached(path, o.cache_dir);
  m["sha256"] = sha;
  // Results depend on the file and on the settings; each pair has its folder.
  const std::string settings_key = sha256_text(settings_json(o).dump()).substr(0, 16);
  ModelRun run{path, o.cache_dir / sha.substr(0, 32) / settings_key, o};
  std::unique_ptr<Model> model = Model::load(path);
  const ModelInfo& info = model->info();
  m["info"] = {{"architecture", info.architecture},
               {"name", info.name},
               {"file_type", info.file_type},
               {"n_params", info.n_params},
               {"weight_bytes", info.weight_bytes}};
  JsonDoc speed;
  if (wants(o, "speed") || wants(o, "memory")) {
    say("speed: pp" + std::to_string(o.n_prompt) + "/tg" + std::to_string(o.n_gen) + " at each depth, then " +
        std::to_string(o.turns) + " agent turns");
    speed = run.cached("speed", [&] { return run.speed(); });
    if (wants(o, "speed")) m["speed"] = speed;
  }
  if (wants(o, "memory")) m["memory"] = run.cached("memory", [&] { return run.memory(*model, speed); });
  if (wants(o, "context")) m["context"] = run.cached("context", [&] { return run.context(*model); });
  model.reset();
  const bool quality = wants(o, "ifeval") || wants(o, "bfcl") || wants(o, "agent");
  if (quality) {
    std::unique_ptr<ChatBackend> backend;
    auto get_backend = [&]() -> ChatBackend& {
      if (!backend) backend = local_backend(path, o.generation);
      return *backend;
    };
    if (wants(o, "ifeval")) {
      say("ifeval");
      m["ifeval"] = run.cached("ifeval", [&] { return run_ifeval(get_backend(), run.suite_options("ifeval")).to_json(); });
    }
    if (wants(o, "bfcl")) {
      say("bfcl");
      m["bfcl"] = run.cached("bfcl", [&] { return run_bfcl(get_backend(), {}, run.suite_options("bfcl")).to_json(); });
    }
    if (wants(o, "agent")) {
      say("agent");
      m["agent"] = run.cached("agent", [&] {
        return run_agent(get_backend(), o.agent_seeds, run.suite_options("agent")).to_json();
      });
    }
  }
  return m;
}

// ---------------------------------------------------------------- rows and winners

struct Measure {
  bool present = false;
  double value = 0, low = 0, high = 0;   // low/high: the spread (min/max or the 95 % interval)
};

JsonDoc measure_json(const Measure& m) {
  if (!m.present) return JsonDoc();
  return {{"value", m.value}, {"low", m.low}, {"high", m.high}};
}

// Higher (or lower) wins when the two spreads do not overlap; a tie otherwise.
// Single figures (memory, context) tie within 1 %: peak RSS moves that much
// between runs, and a planned byte count that close is no real difference.
std::string winner(const Measure& a, const Measure& b, bool higher_better) {
  if (!a.present || !b.present) return a.present ? "A" : b.present ? "B" : "";
  const bool single = a.low == a.high && b.low == b.high;
  if (single && std::fabs(a.value - b.value) <= 0.01 * std::max(std::fabs(a.value), std::fabs(b.value))) return "tie";
  if (a.high < b.low) return higher_better ? "B" : "A";
  if (b.high < a.low) return higher_better ? "A" : "B";
  return "tie";
}

Measure rate_measure(const JsonDoc& rate) {
  if (!rate.is_object()) return {};
  return {true, rate.value("median", 0.0), rate.value("min", 0.0), rate.value("max", 0.0)};
}

Measure exact(double v) { return {true, v, v, v}; }

Measure score_measure(const JsonDoc& suite) {
  if (!suite.is_object() || !suite.contains("score")) return {};
  const JsonDoc& s = suite["score"];
  return {true, 100 * s.value("value", 0.0), 100 * s.value("low", 0.0), 100 * s.value("high", 0.0)};
}

const JsonDoc* depth_row(const JsonDoc& model, int64_t depth) {
  if (!model.contains("speed")) return nullptr;
  for (const JsonDoc& d : model["speed"]["depths"])
    if (d["depth"].get<int64_t>() == depth && d.value("fits", false)) return &d;
  return nullptr;
}

std::string depth_label(int64_t d) {
  return d >= 1024 && d % 1024 == 0 ? std::to_string(d / 1024) + "k" : std::to_string(d);
}

JsonDoc build_rows(const JsonDoc& a, const JsonDoc& b, const CompareOptions& o) {
  JsonDoc rows = JsonDoc::array();
  auto add = [&](const std::string& group, const std::string& metric, const std::string& unit, bool higher,
                 const Measure& ma, const Measure& mb) {
    if (!ma.present && !mb.present) return;
    rows.push_back({{"group", group},
                    {"metric", metric},
                    {"unit", unit},
                    {"better", higher ? "higher" : "lower"},
                    {"a", measure_json(ma)},
                    {"b", measure_json(mb)},
                    {"winner", winner(ma, mb, higher)}});
  };
  if (wants(o, "speed")) {
    for (const char* kind : {"prefill", "decode"})
      for (int64_t d : o.depths) {
        const JsonDoc* ra = depth_row(a, d);
        const JsonDoc* rb = depth_row(b, d);
        add("speed", std::string(kind) + " @ " + depth_label(d), "tokens/s", true,
            ra && ra->contains(kind) ? rate_measure((*ra)[kind]) : Measure{},
            rb && rb->contains(kind) ? rate_measure((*rb)[kind]) : Measure{});
      }
    auto ttft = [](const JsonDoc& m) -> Measure {
      if (!m.contains("speed") || !m["speed"]["agent_turns"].contains("later_median_ms")) return {};
      const JsonDoc& t = m["speed"]["agent_turns"];
      return {true, t["later_median_ms"].get<double>(), t["later_min_ms"].get<double>(),
              t["later_max_ms"].get<double>()};
    };
    add("speed", "TTFT of agent turns 2-" + std::to_string(o.turns), "ms", false, ttft(a), ttft(b));
  }
  if (wants(o, "memory")) {
    auto mem = [](const JsonDoc& m, const char* key) -> Measure {
      if (!m.contains("memory")) return {};
      return exact(static_cast<double>(m["memory"].value(key, uint64_t{0})) / (1 << 20));
    };
    add("memory", "peak RSS", "MiB", false, mem(a, "peak_rss_bytes"), mem(b, "peak_rss_bytes"));
    // weights_cold: mapped tables only gathered from (Gemma 4's per-layer
    // embeddings), outside the planned total but in peak RSS once touched.
    for (const char* key : {"weights", "weights_cold", "kv_full", "kv_sliding", "recurrent", "scratch", "total"})
      add("memory", std::string(key) + " (planned)", "MiB", false, mem(a, key), mem(b, key));
  }
  if (wants(o, "context")) {
    auto ctx = [](const JsonDoc& m) -> Measure {
      if (!m.contains("context")) return {};
      return exact(static_cast<double>(m["context"].value("max_ctx", int64_t{0})));
    };
    add("context", "longest context in budget", "tokens", true, ctx(a), ctx(b));
  }
  const std::pair<const char*, const char*> quality[] = {
      {"ifeval", "IFEval prompt-level strict"}, {"bfcl", "BFCL AST accuracy"}, {"agent", "agent tasks pass rate"}};
  for (const auto& [suite, name] : quality)
    if (wants(o, suite))
      add("quality", name, "%", true, score_measure(a.value(suite, JsonDoc())), score_measure(b.value(suite, JsonDoc())));
  return rows;
}

}  // namespace

std::string file_sha256_cached(const std::filesystem::path& file, const std::filesystem::path& cache_dir) {
  struct stat st {};
  if (stat(file.c_str(), &st) != 0) throw Error("cannot open '" + file.string() + "'");
  const std::string id = std::filesystem::absolute(file).string() + "|" + std::to_string(st.st_size) + "|" +
                         std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
  const std::filesystem::path memo = cache_dir / "hashes" / (sha256_text(id).substr(0, 32) + ".sha256");
  if (std::filesystem::exists(memo)) {
    std::string h = slurp(memo);
    if (h.size() == 64) return h;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("cannot open '" + file.string() + "'");
  Sha256 h;
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    h.update(buf.data(), static_cast<size_t>(in.gcount()));
  }
  const std::string hex = h.hex();
  std::filesystem::create_directories(memo.parent_path());
  std::ofstream(memo) << hex;
  return hex;
}

JsonDoc compare_models(const std::string& model_a, const std::string& model_b, const CompareOptions& o) {
  for (const std::string& s : o.suites)
    if (s != "speed" && s != "memory" && s != "context" && s != "ifeval" && s != "bfcl" && s != "agent")
      throw Error("unknown suite '" + s + "' (speed, memory, context, ifeval, bfcl, agent)");
  if (o.edgelm_binary.empty() && (wants(o, "speed") || wants(o, "memory")))
    throw Error("compare: the edgelm binary is needed to run the speed suite");
  JsonDoc a = run_model(model_a, o, "A");
  JsonDoc b = run_model(model_b, o, "B");
  JsonDoc machine = {{"cpu", cpu_model_name()},
                     {"hardware_threads", std::thread::hardware_concurrency()}};
  return {{"settings", settings_json(o)},
          {"suites", o.suites},
          {"machine", machine},
          {"models", JsonDoc::array({a, b})},
          {"rows", build_rows(a, b, o)}};
}

}  // namespace edgelm::eval
