// End-to-end tests of the edgelm command line: the contracts other tools
// rely on (flags, output formats, exit statuses) and bad-input handling.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support.h"

namespace {

struct Result {
  int status = -1;
  std::string out;   // stdout
  std::string err;   // stderr
};

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("edgelm_cli_" + std::to_string(::getpid()) + "_" + name)).string();
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

// Runs `edgelm ARGS` through the shell; ARGS must already be quoted.
Result run(const std::string& args, const std::string& stdin_text = "") {
  const std::string out = temp_path("stdout"), err = temp_path("stderr"), in = temp_path("stdin");
  std::ofstream(in) << stdin_text;
  const std::string cmd = std::string(EDGELM_BINARY) + " " + args + " <" + in + " >" + out + " 2>" + err;
  const int rc = std::system(cmd.c_str());
  Result r;
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  std::remove(out.c_str());
  std::remove(err.c_str());
  std::remove(in.c_str());
  return r;
}

std::string shared(const std::string& rel) { return edgelm::test::shared_path(rel); }

bool have_shared() { return std::filesystem::exists(shared("README.md")); }

// The model the README's first command runs ships with the repository; its
// greedy story is the float64 reference (llama2.c's known-good output): the
// prompt (BOS and 4 tokens) and 196 generated tokens are the reference's 201
// positions, i.e. its 200 forward passes plus the last argmax.
TEST(Cli, ShippedModelTellsTheReferenceStory) {
  const std::string model = std::string(EDGELM_SOURCE_DIR) + "/assets/stories260K.gguf";
  ASSERT_TRUE(std::filesystem::exists(model)) << model;
  const Result r = run("run -m '" + model + "' -p 'Once upon a time' -n 196 --temp 0 -t 1");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("generation: 196 tokens"), std::string::npos) << r.err;
  if (!have_shared()) GTEST_FAIL() << "reference data not found at " << shared("");
  std::ifstream f(shared("models/ref/stories260K_greedy.json"));
  const std::string want = nlohmann::json::parse(f)["text"];
  EXPECT_EQ(r.out, want + "\n");
}

TEST(Cli, HelpForEveryCommand) {
  for (const char* cmd : {"run", "chat", "logits", "tokenize", "inspect", "synth", "template", "toolcalls", "bench"}) {
    const Result r = run(std::string(cmd) + " --help");
    EXPECT_EQ(r.status, 0) << cmd;
    EXPECT_NE(r.out.find("--"), std::string::npos) << cmd;
  }
  EXPECT_EQ(run("--help").status, 0);
}

TEST(Cli, UsageErrorsExitWithStatus2) {
  EXPECT_EQ(run("").status, 2);
  EXPECT_EQ(run("frobnicate").status, 2);
  const Result bad_flag = run("run -m x.gguf -p hi --no-such-flag");
  EXPECT_EQ(bad_flag.status, 2);
  EXPECT_NE(bad_flag.err.find("no-such-flag"), std::string::npos);
  const Result missing = run("run -m /nonexistent/model.gguf -p hi");
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("/nonexistent/model.gguf"), std::string::npos);
}

TEST(Cli, CorruptModelIsAOneLineError) {
  const std::string path = temp_path("corrupt.gguf");
  std::ofstream(path, std::ios::binary) << "GGUF\x03\x00\x00\x00garbage";
  for (const std::string& cmd : {"inspect " + path, "run -m " + path + " -p hi", "logits -m " + path + " --tokens 1 -o /dev/null"}) {
    const Result r = run(cmd);
    EXPECT_EQ(r.status, 2) << cmd;
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  std::remove(path.c_str());
}

TEST(Cli, RefusesGgufV1WithAClearMessage) {
  if (!have_shared()) GTEST_FAIL() << "reference data not found at " << shared("");
  const Result r = run("inspect " + shared("models/tinyllamas-stories-260k-f32.gguf"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("version 1"), std::string::npos) << r.err;
}

// --dump writes every named activation of every layer; the rows of a batched
// and a token-by-token run are the same computation, and the dumps say so.
TEST(Cli, ActivationDumpsCoverEveryLayerInEveryMode) {
  const std::string model = std::string(EDGELM_SOURCE_DIR) + "/assets/stories260K.gguf";   // 5 layers
  const std::string ids = "1,403,407,261,146,298,72,471,263,217";
  const std::string batch = temp_path("dump_batch"), incr = temp_path("dump_incr");
  ASSERT_EQ(run("logits -m " + model + " --tokens " + ids + " -o /dev/null --dump " + batch).status, 0);
  ASSERT_EQ(run("logits -m " + model + " --tokens " + ids + " --mode incr -o /dev/null --dump " + incr).status, 0);
  const nlohmann::json index = nlohmann::json::parse(slurp(batch + "/index.json"));
  std::set<std::string> names;
  for (const auto& e : index) {
    names.insert(e["name"].get<std::string>());
    EXPECT_EQ(e["rows"], 10) << e["name"];
    const std::string a = slurp(batch + "/" + e["file"].get<std::string>());
    const std::string b = slurp(incr + "/" + e["file"].get<std::string>());
    ASSERT_EQ(a.size(), 10u * e["cols"].get<size_t>() * 4) << e["name"];
    ASSERT_EQ(a.size(), b.size()) << e["name"];
    std::vector<float> fa(a.size() / 4), fb(b.size() / 4);
    std::memcpy(fa.data(), a.data(), a.size());
    std::memcpy(fb.data(), b.data(), b.size());
    float scale = 0, diff = 0;
    for (size_t i = 0; i < fa.size(); ++i) {
      scale = std::max(scale, std::fabs(fa[i]));
      diff = std::max(diff, std::fabs(fa[i] - fb[i]));
    }
    EXPECT_LE(diff, 1e-5f * scale) << e["name"];
  }
  EXPECT_EQ(index.front()["name"], "inp_embd");
  EXPECT_EQ(index.back()["name"], "result_norm");
  for (int l = 0; l < 5; ++l)
    for (const char* what : {"q_rope", "k_rope", "attn_out", "attn_proj", "ffn_act", "ffn_out", "l_out"})
      EXPECT_TRUE(names.count("blk." + std::to_string(l) + "." + what)) << l << " " << what;
  if (std::system("python3 --version >/dev/null 2>&1") == 0) {
    const std::string cmd = "python3 " + std::string(EDGELM_SOURCE_DIR) + "/scripts/compare-dumps.py " + batch + " " +
                            incr + " --tol 1e-5 >/dev/null";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  const std::string only = temp_path("dump_only");
  ASSERT_EQ(run("logits -m " + model + " --tokens 1,2 -o /dev/null --dump " + only + " --dump-filter 'l_out$'").status, 0);
  EXPECT_EQ(nlohmann::json::parse(slurp(only + "/index.json")).size(), 5u);
  EXPECT_EQ(run("logits -m " + model + " --tokens 1 -o /dev/null --dump " + only + " --dump-filter '('").status, 2);
  for (const std::string& dir : {batch, incr, only}) std::filesystem::remove_all(dir);
}

// `edgelm logits` in each mode the golden descriptor lists, within its
// tolerance and with the reference's argmax on every row.
TEST(Cli, LogitsMatchGoldenLlamaInEveryMode) {
  if (!have_shared()) GTEST_FAIL() << "reference data not found at " << shared("");
  std::ifstream f(shared("golden/llama/tiny-llama-f32.ids80.golden.json"));
  const nlohmann::json spec = nlohmann::json::parse(f);
  std::string ids;
  for (int id : spec["token_ids"]) ids += (ids.empty() ? "" : ",") + std::to_string(id);
  const std::string ref_bytes = slurp(shared("golden/llama/tiny-llama-f32.ids80.batch.f32"));
  std::vector<float> ref(ref_bytes.size() / 4);
  std::memcpy(ref.data(), ref_bytes.data(), ref_bytes.size());
  const int n_vocab = spec["n_vocab"];
  const double tol = spec["tol"];
  ASSERT_GE(spec["modes"].size(), 3u);
  for (const std::string mode : spec["modes"]) {
    const std::string out = temp_path("logits.f32");
    const Result r = run("logits -m " + shared("golden/llama/tiny-llama-f32.gguf") + " --tokens " + ids +
                         " --mode " + mode + " -o " + out);
    ASSERT_EQ(r.status, 0) << r.err;
    const std::string bytes = slurp(out);
    ASSERT_EQ(bytes.size(), ref.size() * 4) << mode;
    std::vector<float> got(ref.size());
    std::memcpy(got.data(), bytes.data(), bytes.size());
    float max_ref = 0, max_diff = 0;
    for (size_t i = 0; i < ref.size(); ++i) {
      max_ref = std::max(max_ref, std::fabs(ref[i]));
      max_diff = std::max(max_diff, std::fabs(ref[i] - got[i]));
    }
    EXPECT_LE(max_diff / max_ref, tol) << mode;
    for (size_t row = 0; row < ref.size() / n_vocab; ++row) {
      const auto argmax = [&](const std::vector<float>& v) {
        return std::max_element(v.begin() + row * n_vocab, v.begin() + (row + 1) * n_vocab) - v.begin();
      };
      EXPECT_EQ(argmax(got), argmax(ref)) << mode << " row " << row;
    }
    std::remove(out.c_str());
  }
}

TEST(Cli, LogitsRefusesBadTokensAndModesWithStatus2) {
  if (!have_shared()) GTEST_FAIL() << "reference data not found at " << shared("");
  EXPECT_EQ(run("logits -m " + shared("golden/llama/tiny-llama-f32.gguf") + " --tokens 1,99999 -o /dev/null").status, 2);
  EXPECT_EQ(run("logits -m " + shared("golden/llama/tiny-llama-f32.gguf") + " --tokens 1,x -o /dev/null").status, 2);
  EXPECT_EQ(run("logits -m " + shared("golden/llama/tiny-llama-f32.gguf") + " --tokens 1 --mode chunk:0 -o /dev/null").status, 2);
}

TEST(Cli, TokenizeStoriesRoundTrips) {
  if (!have_shared()) GTEST_FAIL() << "reference data not found at " << shared("");
  const Result r = run("tokenize -m " + shared("models/stories260K.gguf") + " --add-special --json 'Once upon a time'");
  ASSERT_EQ(r.status, 0) << r.err;
  const auto ids = nlohmann::json::parse(r.out).get<std::vector<int>>();
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids.front(), 1);   // BOS
}

TEST(Cli, SynthInspectRunAndDeterministicSampling) {
  const std::string model = temp_path("tiny.gguf");
  for (const char* type : {"f32", "f16", "bf16", "q8_0", "q4_0", "q4_k_m"}) {
    const Result s = run(std::string("synth --arch llama --preset tiny --type ") + type + " --seed 3 -o " + model);
    ASSERT_EQ(s.status, 0) << type << ": " << s.err;
    const Result i = run("inspect --json " + model);
    ASSERT_EQ(i.status, 0) << i.err;
    const auto j = nlohmann::json::parse(i.out);
    EXPECT_EQ(j["architecture"], "llama");
    EXPECT_EQ(j["layers"].size(), 2u);
    EXPECT_FALSE(j.contains("model_error")) << j.dump();
    const std::string args = "run -m " + model + " -p 'hello world' -n 12 --temp 0.9 --seed 7 -t 1";
    const Result a = run(args), b = run(args);
    ASSERT_EQ(a.status, 0) << a.err;
    EXPECT_EQ(a.out, b.out);
    EXPECT_NE(a.err.find("tok/s"), std::string::npos);
  }
  EXPECT_EQ(run("synth --arch nope -o " + model).status, 2);
  EXPECT_EQ(run("run -m " + model + " -p hi --mem-budget 1KiB").status, 2);
  EXPECT_EQ(run("run -m " + model + " -p hi --mem-budget lots").status, 2);
  const Result planned = run("run -m " + model + " -p hi -n 2 --mem-budget 64MiB -t 1");
  EXPECT_EQ(planned.status, 0) << planned.err;
  EXPECT_NE(planned.err.find("memory plan: context"), std::string::npos) << planned.err;
  EXPECT_EQ(run("synth --arch llama --type q9 -o " + model).status, 2);
  std::remove(model.c_str());
}

TEST(Cli, ChatRunsScriptedTurnsThroughTheTemplate) {
  const std::string model = temp_path("chat.gguf");
  ASSERT_EQ(run("synth --arch qwen3 --preset tiny --type q8_0 -o " + model).status, 0);
  const Result r = run("chat -m " + model + " -n 6 --seed 3 -t 1 --think off", "Hello\nSecond message\n/quit\n");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2) << r.out;   // one line per reply
  EXPECT_EQ(run("chat -m " + model + " --template /nonexistent.jinja", "Hi\n").status, 2);
  if (have_shared()) {   // golden models carry no chat template
    const Result none = run("chat -m " + shared("golden/llama/tiny-llama-f32.gguf"), "Hi\n");
    EXPECT_EQ(none.status, 2);
    EXPECT_NE(none.err.find("chat template"), std::string::npos) << none.err;
  }
  std::remove(model.c_str());
}

TEST(Cli, RunConstrainedByJsonSchemaAndGrammar) {
  const std::string model = temp_path("constrained.gguf"), schema = temp_path("schema.json"), gbnf = temp_path("g.gbnf");
  std::ofstream(schema) << R"({"type":"object","properties":{"n":{"type":"integer","minimum":1,"maximum":9},)"
                           R"("s":{"enum":["x","y"]}},"required":["n","s"],"additionalProperties":false})";
  std::ofstream(gbnf) << "root ::= \"yes\" | \"no\"\n";
  for (const char* arch : {"qwen3", "gemma4"}) {
    ASSERT_EQ(run(std::string("synth --arch ") + arch + " --preset tiny --type q8_0 -o " + model).status, 0);
    for (int seed = 1; seed <= 3; ++seed) {
      const Result r = run("run -m " + model + " -p P: -n 200 --seed " + std::to_string(seed) + " -t 1 --json-schema " + schema);
      ASSERT_EQ(r.status, 0) << r.err;
      const auto j = nlohmann::json::parse(r.out.substr(2));
      EXPECT_TRUE(j["n"].is_number_integer() && j["n"] >= 1 && j["n"] <= 9) << r.out;
      EXPECT_TRUE(j["s"] == "x" || j["s"] == "y") << r.out;
      EXPECT_EQ(j.size(), 2u) << r.out;
    }
    const Result g = run("run -m " + model + " -p Q: -n 8 --seed 1 -t 1 --grammar " + gbnf);
    ASSERT_EQ(g.status, 0) << g.err;
    EXPECT_TRUE(g.out == "Q:yes\n" || g.out == "Q:no\n") << g.out;
  }
  std::ofstream(schema) << "{\"type\": \"strin\"}";
  EXPECT_EQ(run("run -m " + model + " -p P: --json-schema " + schema).status, 2);
  for (const std::string& f : {model, schema, gbnf}) std::remove(f.c_str());
}

// Every architecture: from turn 2 on, a turn processes only its new tokens.
TEST(Cli, BenchTurnsProcessesOnlyNewTokens) {
  const std::string model = temp_path("turns.gguf");
  for (const char* arch : {"llama", "qwen3", "gemma3", "gemma4", "qwen35"}) {
    ASSERT_EQ(run(std::string("synth --arch ") + arch + " --preset tiny --type q8_0 -o " + model).status, 0) << arch;
    const Result r = run("bench -m " + model + " --turns 3 --turn-tokens 40 --reply-tokens 6 -t 1 -b 16 --json");
    ASSERT_EQ(r.status, 0) << arch << ": " << r.err;
    const auto records = nlohmann::json::parse(r.out);
    ASSERT_EQ(records.size(), 3u) << arch;
    for (const auto& rec : records) {
      for (const char* key : {"turn", "prompt_tokens", "new_tokens", "processed_tokens", "ttft_ms"})
        EXPECT_TRUE(rec.contains(key)) << key;
      if (rec["turn"].get<int>() >= 2) {
        EXPECT_EQ(rec["processed_tokens"], rec["new_tokens"]) << arch;
      }
    }
  }
  std::remove(model.c_str());
}

// bench-serve: one record per concurrency, every stream generating its tokens.
TEST(Cli, BenchServeReportsEachConcurrency) {
  const std::string model = edgelm::test::tiny_model("llama", "q8_0");
  const Result r = run("bench-serve -m " + model + " --concurrency 1,3 -n 6 -p 4 -t 1 --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json records = nlohmann::json::parse(r.out);
  ASSERT_EQ(records.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(records[i]["streams"], i == 0 ? 1 : 3);
    EXPECT_EQ(records[i]["tokens"], 6 * records[i]["streams"].get<int>());
    for (const char* key : {"aggregate_ts", "per_stream_ts", "ttft_ms", "peak_rss_bytes"})
      EXPECT_GT(records[i][key].get<double>(), 0) << key;
  }
  EXPECT_EQ(run("bench-serve -m " + model + " --concurrency 0").status, 2);
}

// bench-serve --turns: conversations sent whole every turn; from turn 2 on the
// engine takes the earlier turns from its cache and runs only what is new
// (the reply, tokenized again, and the new message).
TEST(Cli, BenchServeTurnsReuseEarlierTurns) {
  const std::string model = edgelm::test::tiny_model("qwen35", "q8_0");
  const Result r = run("bench-serve -m " + model + " --concurrency 2 --turns 3 -p 40 --turn-tokens 10 -n 5 -t 1 --json");
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json records = nlohmann::json::parse(r.out);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0]["turn"], 1);
  EXPECT_EQ(records[0]["prompt_processed"], 2 * 40);
  EXPECT_EQ(records[0]["prompt_reused"], 0);
  int64_t previous_prompt = 40;
  for (size_t t = 1; t < 3; ++t) {
    EXPECT_EQ(records[t]["turn"], t + 1);
    // Every stream reuses at least its previous prompt and processes at most
    // its reply (<= 5 tokens, more if retokenized text splits differently) and the 10 new ones.
    EXPECT_GE(records[t]["prompt_reused"].get<int64_t>(), 2 * previous_prompt);
    EXPECT_LE(records[t]["prompt_processed"].get<int64_t>(), 2 * (10 + 5 * 4));
    EXPECT_GT(records[t]["ttft_ms"].get<double>(), 0);
    previous_prompt += 10;   // and the reply, whose retokenized length may be 0
  }
}

}  // namespace
