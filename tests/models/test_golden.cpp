// Every golden model in ../shared/golden and ../shared/golden-quantized must
// reproduce its reference logits in batch, incremental and chunked evaluation
// (golden/README.md).
#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "golden_util.h"
#include "memory/state.h"
#include "models/model.h"

namespace edgelm {
namespace {

using test::shared_path;

// Every descriptor under ../shared/golden (tiny random-weight models) and
// ../shared/golden-quantized (the real stories260K quantized by llama-quantize).
std::vector<std::string> golden_cases() {
  std::vector<std::string> out;
  for (const char* set : {"golden", "golden-quantized"}) {
    const std::filesystem::path root = shared_path(set);
    if (!std::filesystem::exists(root)) continue;
    for (const auto& dir : std::filesystem::directory_iterator(root))
      if (dir.is_directory())
        for (const auto& f : std::filesystem::directory_iterator(dir.path()))
          if (f.path().string().ends_with(".golden.json")) out.push_back(f.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Where each quantized golden's tolerance comes from (golden_tolerances.json
// beside this file): a quantized activation flips on a one-ulp difference
// anywhere upstream, so on tiny random networks the reference itself moves
// between llama.cpp builds, and the tolerance is derived from that spread.
const nlohmann::json& tolerance_table() {
  static const nlohmann::json table = [] {
    std::ifstream f(EDGELM_SOURCE_DIR "/tests/models/golden_tolerances.json");
    return nlohmann::json::parse(f);
  }();
  return table;
}

bool quantized(const nlohmann::json& spec) {
  const std::string m = spec["model"];
  return (m.find("q4_0") != std::string::npos || m.find("q8_0") != std::string::npos ||
          m.find("Q4_0") != std::string::npos || m.find("Q8_0") != std::string::npos) &&
         m.find("dequant") == std::string::npos;
}

std::vector<float> run_mode(const models::Model& model, const std::vector<int32_t>& ids, int chunk) {
  const int n_vocab = model.hparams().n_vocab;
  models::ForwardContext ctx(2);
  // f32 KV like the reference; the batch size sizes the sliding-window rings,
  // so incremental and chunked modes exercise ring wrap-around.
  memory::State state(model.memory_specs(), {static_cast<int64_t>(ids.size()), chunk, memory::KvType::F32});
  std::vector<float> out(ids.size() * n_vocab);
  for (size_t i = 0; i < ids.size(); i += chunk) {
    const int n = static_cast<int>(std::min<size_t>(chunk, ids.size() - i));
    model.forward(ctx, state, ids.data() + i, n, out.data() + i * n_vocab, true);
  }
  return out;
}

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, MatchesReferenceInEveryMode) {
  REQUIRE_SHARED();
  const std::filesystem::path json_path = GetParam();
  std::ifstream f(json_path);
  const nlohmann::json spec = nlohmann::json::parse(f);
  const std::string dir = json_path.parent_path().string();
  auto model = models::Model::load(dir + "/" + spec["model"].get<std::string>());
  const std::vector<int32_t> ids = spec["token_ids"].get<std::vector<int32_t>>();
  const int n_vocab = spec["n_vocab"];
  ASSERT_EQ(model->hparams().n_vocab, n_vocab);
  const std::vector<float> ref = test::read_f32(dir + "/" + spec["ref"].get<std::string>());
  ASSERT_EQ(ref.size(), ids.size() * n_vocab);
  double tol = spec["tol"].get<double>();
  if (quantized(spec)) {
    const nlohmann::json& table = tolerance_table();
    ASSERT_TRUE(table.contains(spec["model"].get<std::string>()))
        << spec["model"] << ": a quantized golden must state where its tolerance comes from";
    const nlohmann::json& entry = table[spec["model"].get<std::string>()];
    ASSERT_FALSE(entry["source"].get<std::string>().empty());
    tol = entry["tol"].get<double>();
  }
  for (const std::string mode : spec["modes"]) {
    const int chunk = mode == "batch" ? static_cast<int>(ids.size()) : mode == "incr" ? 1 : std::stoi(mode.substr(6));
    const auto c = test::compare_logits(run_mode(*model, ids, chunk), ref, n_vocab, tol);
    std::printf("[golden] %-40s %-8s max_rel_err %.3g (tol %.0e) argmax_mismatch %d\n",
                spec["model"].get<std::string>().c_str(), mode.c_str(), c.rel(), tol, c.argmax_mismatches);
    EXPECT_LE(c.rel(), tol) << mode;
    EXPECT_EQ(c.argmax_mismatches, 0) << mode;
  }
}

INSTANTIATE_TEST_SUITE_P(All, Golden, ::testing::ValuesIn(golden_cases()),
                         [](const auto& info) {
                           std::string name = std::filesystem::path(info.param).filename().string();
                           name = name.substr(0, name.find(".ids"));
                           for (char& ch : name) if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return name;
                         });

TEST(GoldenSet, IsPresent) {
  REQUIRE_SHARED();
  EXPECT_GE(golden_cases().size(), 5u);
  size_t real = 0;
  for (const auto& c : golden_cases()) real += c.find("golden-quantized") != std::string::npos;
  EXPECT_EQ(real, 6u) << "the six stories260K files of golden-quantized/llama";
}

// Every entry of the tolerance table names a golden that exists and says where
// its number comes from.
TEST(GoldenSet, ToleranceTableIsAccountedFor) {
  REQUIRE_SHARED();
  std::map<std::string, double> descriptor_tol;
  for (const auto& c : golden_cases()) {
    std::ifstream f(c);
    const nlohmann::json spec = nlohmann::json::parse(f);
    descriptor_tol[spec["model"]] = spec["tol"];
  }
  for (const auto& [model, entry] : tolerance_table().items()) {
    if (model.starts_with("_")) continue;   // the table's own comment
    ASSERT_TRUE(descriptor_tol.count(model)) << model;
    EXPECT_FALSE(entry["source"].get<std::string>().empty()) << model;
    EXPECT_GT(entry["tol"].get<double>(), 0.0) << model;
  }
}

}  // namespace
}  // namespace edgelm
