// End-to-end tests of `edgelm bench`: the JSON records other tools read, the
// markdown table, cached machine limits, and usage errors. Sizes are tiny and
// no test looks at how fast anything ran.
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

struct Result {
  int status = -1;
  std::string out, err;
};

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("edgelm_bench_" + std::to_string(::getpid()) + "_" + name)).string();
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// Runs `edgelm ARGS` through the shell; ARGS must already be quoted.
Result run(const std::string& args) {
  const std::string out = temp_path("stdout"), err = temp_path("stderr");
  const std::string cmd = std::string(EDGELM_BINARY) + " " + args + " </dev/null >" + out + " 2>" + err;
  const int rc = std::system(cmd.c_str());
  Result r;
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  std::remove(out.c_str());
  std::remove(err.c_str());
  return r;
}

// One tiny synthetic model for the whole suite.
class Bench : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = temp_path("tiny.gguf");
    const Result r = run("synth --arch llama --preset tiny --type q4_0 -o " + model_);
    ASSERT_EQ(r.status, 0) << r.err;
  }
  static void TearDownTestSuite() { std::remove(model_.c_str()); }

  static nlohmann::json bench_json(const std::string& flags) {
    const Result r = run("bench -m " + model_ + " " + flags + " --json");
    EXPECT_EQ(r.status, 0) << r.err;
    return nlohmann::json::parse(r.out);
  }

  static std::string model_;
};

std::string Bench::model_;

// --pin changes where threads run, not what is measured or reported: the
// records of a pinned and an unpinned run agree in every field but timings.
TEST_F(Bench, PinnedThreadsGiveTheSameRecords) {
  const nlohmann::json pinned = bench_json("-p 8 -n 4 -r 1 -t 2 --pin --no-probe");
  const nlohmann::json free = bench_json("-p 8 -n 4 -r 1 -t 2 --no-probe");
  ASSERT_EQ(pinned.size(), 2u);
  ASSERT_EQ(free.size(), 2u);
  const auto is_measured = [](const std::string& key) {
    return key.ends_with("_ts") || key.ends_with("_ns") || key == "peak_rss_bytes" || key == "pct_of_limit";
  };
  for (size_t i = 0; i < pinned.size(); ++i) {
    EXPECT_EQ(pinned[i]["n_threads"], 2);
    EXPECT_GT(pinned[i]["median_ts"].get<double>(), 0);
    ASSERT_EQ(pinned[i].size(), free[i].size());
    for (const auto& [key, value] : pinned[i].items()) {
      if (!is_measured(key)) {
        EXPECT_EQ(value, free[i][key]) << key;
      }
    }
  }
}

TEST_F(Bench, JsonHasOneRecordPerTestWithPositiveValues) {
  const nlohmann::json records = bench_json("-p 8 -n 4 -r 2 -d 0,16 -t 1 --no-probe");
  ASSERT_TRUE(records.is_array());
  ASSERT_EQ(records.size(), 4u);
  const char* expected_tests[] = {"pp8", "tg4", "pp8 @ d16", "tg4 @ d16"};
  for (size_t i = 0; i < records.size(); ++i) {
    const nlohmann::json& r = records[i];
    SCOPED_TRACE(r.dump());
    EXPECT_EQ(r["test"], expected_tests[i]);
    const bool pp = i % 2 == 0;
    EXPECT_EQ(r["n_prompt"], pp ? 8 : 0);
    EXPECT_EQ(r["n_gen"], pp ? 0 : 4);
    EXPECT_EQ(r["n_depth"], i < 2 ? 0 : 16);
    EXPECT_EQ(r["n_threads"], 1);
    EXPECT_EQ(r["model_filename"], model_);
    EXPECT_NE(r["model_type"].get<std::string>().find("llama"), std::string::npos);
    EXPECT_NE(r["model_type"].get<std::string>().find("Q4_0"), std::string::npos);
    EXPECT_GT(r["model_size"].get<double>(), 0);
    EXPECT_GT(r["model_n_params"].get<double>(), 0);
    for (const char* key : {"median_ts", "min_ts", "max_ts", "avg_ts", "peak_rss_bytes", "bytes_per_token", "ops_per_token"})
      EXPECT_GT(r[key].get<double>(), 0) << key;
    EXPECT_GE(r["stddev_ts"].get<double>(), 0);
    EXPECT_LE(r["min_ts"].get<double>(), r["median_ts"].get<double>());
    EXPECT_GE(r["max_ts"].get<double>(), r["median_ts"].get<double>());
    ASSERT_EQ(r["samples_ts"].size(), 2u);
    ASSERT_EQ(r["samples_ns"].size(), 2u);
    for (const auto& s : r["samples_ts"]) EXPECT_GT(s.get<double>(), 0);
    EXPECT_EQ(r["limit_kind"], pp ? "int8" : "bandwidth");
    EXPECT_TRUE(r["pct_of_limit"].is_null());
    EXPECT_TRUE(r["limit_value"].is_null());
  }
  // A deeper context reads more KV per token and does more attention work.
  EXPECT_GT(records[3]["bytes_per_token"].get<double>(), records[1]["bytes_per_token"].get<double>());
  EXPECT_GT(records[2]["ops_per_token"].get<double>(), records[0]["ops_per_token"].get<double>());
}

TEST_F(Bench, ZeroLengthSkipsThatTest) {
  const nlohmann::json tg_only = bench_json("-p 0 -n 2 -r 1 -t 1 --no-probe");
  ASSERT_EQ(tg_only.size(), 1u);
  EXPECT_EQ(tg_only[0]["test"], "tg2");
  const nlohmann::json pp_only = bench_json("-p 4,2 -n 0 -r 1 -t 1 --no-probe");
  ASSERT_EQ(pp_only.size(), 2u);
  EXPECT_EQ(pp_only[0]["test"], "pp4");
  EXPECT_EQ(pp_only[1]["test"], "pp2");
}

TEST_F(Bench, MarkdownTableIsTheDefault) {
  for (const char* format : {"", "--md"}) {
    const Result r = run("bench -m " + model_ + " -p 4 -n 2 -r 1 -d 0,8 -t 1 --no-probe " + format);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out.rfind("| model | size | params | backend | threads | test | t/s | % of limit | KV | peak RSS |", 0), 0u) << r.out;
    for (const char* row : {"| pp4 |", "| tg2 |", "| pp4 @ d8 |", "| tg2 @ d8 |"})
      EXPECT_NE(r.out.find(row), std::string::npos) << row << "\n" << r.out;
  }
}

// With limits in the cache file no probe runs, and the percentages follow
// from the cached numbers exactly.
TEST_F(Bench, CachedLimitsGivePercentOfLimit) {
  const std::string cpu = bench_json("-p 0 -n 1 -r 1 -t 1 --no-probe")[0]["cpu_info"];
  const std::string cache = temp_path("probe.json");
  const nlohmann::json valid = {{"cpu", cpu}, {"n_threads", 1}, {"probe_version", 3},
                                {"read_bytes_per_s", 1e9}, {"triad_bytes_per_s", 2e9},
                                {"int8_ops_per_s", 1e12}, {"fp32_flops_per_s", 1e11},
                                {"int8_isa", "test-int8"}, {"fp32_isa", "test-fp32"}};
  const nlohmann::json junk = {{"cpu", 5}, {"n_threads", "one"}};
  std::ofstream(cache) << nlohmann::json{{"entries", {junk, "junk", valid}}}.dump();

  const nlohmann::json records = bench_json("-p 8 -n 4 -r 2 -t 1 --probe-cache " + cache);
  ASSERT_EQ(records.size(), 2u);
  for (const nlohmann::json& r : records) {
    SCOPED_TRACE(r.dump());
    const bool pp = r["n_prompt"].get<int>() > 0;
    const double limit = pp ? 1e12 : 1e9;
    const double per_token = (pp ? r["ops_per_token"] : r["bytes_per_token"]).get<double>();
    EXPECT_EQ(r["limit_value"].get<double>(), limit);
    EXPECT_NEAR(r["limit_ts"].get<double>(), limit / per_token, 1e-9 * limit / per_token);
    const double pct = 100.0 * r["median_ts"].get<double>() / (limit / per_token);
    EXPECT_NEAR(r["pct_of_limit"].get<double>(), pct, 1e-9 * pct);
    if (pp) {
      EXPECT_EQ(r["limit_isa"], "test-int8");
    }
  }
  const Result md = run("bench -m " + model_ + " -p 8 -n 4 -r 1 -t 1 --probe-cache " + cache);
  ASSERT_EQ(md.status, 0) << md.err;
  EXPECT_NE(md.out.find("% of 1.00 GB/s"), std::string::npos) << md.out;
  EXPECT_NE(md.out.find("% of 1.00 Top/s int8"), std::string::npos) << md.out;
  std::remove(cache.c_str());
}

// Under --mem-budget each record carries the budget and the planner's total
// for its context, which fits; the KV encoding asked for is kept.
TEST_F(Bench, MemoryBudgetIsCheckedAndRecorded) {
  for (const char* kv : {"", " --kv-type f32"}) {
    const nlohmann::json records = bench_json(std::string("-p 8 -n 2 -d 32 -r 1 -t 1 --no-probe --mem-budget 1GiB") + kv);
    ASSERT_EQ(records.size(), 2u);
    for (const auto& r : records) {
      EXPECT_EQ(r["mem_budget_bytes"].get<uint64_t>(), 1ull << 30);
      EXPECT_GT(r["planned_bytes"].get<uint64_t>(), 0u);
      EXPECT_LE(r["planned_bytes"].get<uint64_t>(), 1ull << 30);
      EXPECT_EQ(r["kv_type"], *kv ? "f32" : "f16");
    }
  }
  EXPECT_FALSE(bench_json("-p 8 -n 0 -r 1 -t 1 --no-probe")[0].contains("mem_budget_bytes"));
}

// --profile adds, per test, rows per (section, operation) from one extra run:
// every layer of the tiny llama is a "full" section, and the head has its own.
TEST_F(Bench, ProfileHasRowsPerSectionAndOperation) {
  const nlohmann::json records = bench_json("-p 8 -n 2 -r 1 -t 1 --no-probe --profile");
  ASSERT_EQ(records.size(), 2u);
  for (const auto& r : records) {
    ASSERT_TRUE(r.contains("profile")) << r.dump();
    bool full_total = false, full_matmul = false, head_total = false;
    for (const auto& row : r["profile"]) {
      EXPECT_GT(row["calls"].get<int64_t>(), 0);
      EXPECT_GE(row["seconds"].get<double>(), 0.0);
      full_total |= row["section"] == "full" && row["op"] == "total";
      full_matmul |= row["section"] == "full" && row["op"] == "matmul" && row["bytes"].get<uint64_t>() > 0;
      head_total |= row["section"] == "output head" && row["op"] == "total";
    }
    EXPECT_TRUE(full_total && full_matmul && head_total) << r["profile"].dump();
  }
  const Result md = run("bench -m " + model_ + " -p 0 -n 2 -r 1 -t 1 --no-probe --profile");
  ASSERT_EQ(md.status, 0) << md.err;
  EXPECT_NE(md.out.find("profile of tg2"), std::string::npos) << md.out;
  EXPECT_FALSE(bench_json("-p 0 -n 2 -r 1 -t 1 --no-probe")[0].contains("profile"));
}

// A randomly filled depth is labelled as such; a computed one too. Sparse
// attention is recorded (the tiny model's context is a few pages, so it runs
// its dense fallback, but the flag must reach the session).
TEST_F(Bench, DepthFillAndSparseAttentionAreRecorded) {
  const nlohmann::json random = bench_json("-p 0 -n 2 -d 200 -r 1 -t 1 --no-probe --depth-fill random --sparse-attn 2");
  ASSERT_EQ(random.size(), 1u);
  EXPECT_EQ(random[0]["depth_fill"], "random");
  EXPECT_EQ(random[0]["n_depth"], 200);
  EXPECT_EQ(random[0]["sparse_attn_topk"], 2);
  EXPECT_GT(random[0]["median_ts"].get<double>(), 0.0);
  const nlohmann::json computed = bench_json("-p 0 -n 2 -d 40 -r 1 -t 1 --no-probe");
  EXPECT_EQ(computed[0]["depth_fill"], "compute");
  EXPECT_EQ(computed[0]["sparse_attn_topk"], 0);
  EXPECT_FALSE(bench_json("-p 0 -n 2 -r 1 -t 1 --no-probe")[0].contains("depth_fill"));
  const Result md = run("bench -m " + model_ + " -p 0 -n 2 -d 64 -r 1 -t 1 --no-probe --depth-fill random");
  EXPECT_NE(md.out.find("tg2 @ d64 (random fill)"), std::string::npos) << md.out;
}

TEST_F(Bench, UsageErrorsExitWithStatus2) {
  const std::string m = " -m " + model_ + " --no-probe -r 1 ";
  struct Case { std::string args, mentions; };
  const Case cases[] = {
      {"bench" + m + "--no-such-flag", "no-such-flag"},
      {"bench -p 8", "model"},
      {"bench -m /nonexistent/model.gguf --no-probe", "/nonexistent/model.gguf"},
      {"bench" + m + "-r 0", "repetitions"},
      {"bench" + m + "-t 0", "thread count"},
      {"bench" + m + "-p -1", "prompt length"},
      {"bench" + m + "-p abc", "abc"},
      {"bench" + m + "-d 1,,2", "depth"},
      {"bench" + m + "-p 0 -n 0", "nothing to run"},
      {"bench" + m + "--json --md", "json"},
      {"bench -m " + model_ + " --probe --no-probe", "probe"},
      {"bench" + m + "--kv-type q3", "q3"},
      {"bench" + m + "--mem-budget 6XB", "6XB"},
      {"bench" + m + "--depth-fill guess", "depth-fill"},
      {"bench" + m + "--sparse-attn -1", "sparse-attn"},
      {"bench" + m + "-d 64 --mem-budget 1MiB", "memory budget"},
  };
  for (const Case& c : cases) {
    const Result r = run(c.args);
    EXPECT_EQ(r.status, 2) << c.args;
    EXPECT_NE(r.err.find(c.mentions), std::string::npos) << c.args << ": " << r.err;
    EXPECT_TRUE(r.out.empty()) << c.args;
  }
  const Result help = run("bench --help");
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.out.find("--no-probe"), std::string::npos);
}

}  // namespace
