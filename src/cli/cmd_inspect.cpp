// edgelm inspect: architecture, hyperparameters, tensor table, totals.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/model_ref.h"
#include "edgelm/edgelm.h"
#include "edgelm/inspect.h"
#include "edgelm/memory_plan.h"

namespace edgelm::cli {
namespace {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? " x " : "") + std::to_string(shape[i]);
  return s;
}

nlohmann::ordered_json to_json(const FileReport& r) {
  nlohmann::ordered_json j;
  j["path"] = r.path;
  j["version"] = r.version;
  j["file_size"] = r.file_size;
  j["architecture"] = r.architecture;
  j["n_params"] = r.n_params;
  for (const auto& [k, v] : r.hparams) j["hparams"][k] = v;
  for (const auto& [k, v] : r.metadata) j["metadata"][k] = v;
  j["tensors"] = nlohmann::ordered_json::array();
  for (const auto& t : r.tensors)
    j["tensors"].push_back({{"name", t.name}, {"type", t.type}, {"shape", t.shape}, {"bytes", t.bytes}});
  j["totals"] = nlohmann::ordered_json::array();
  for (const auto& t : r.totals)
    j["totals"].push_back({{"type", t.type}, {"count", t.count}, {"elements", t.elements}, {"bytes", t.bytes}});
  j["layers"] = nlohmann::ordered_json::array();
  for (const auto& l : r.layers)
    j["layers"].push_back({{"index", l.index}, {"kind", l.kind}, {"kv_bytes_per_token", l.kv_bytes_per_token},
                           {"state_bytes", l.state_bytes}});
  if (!r.model_error.empty()) j["model_error"] = r.model_error;
  return j;
}

void print_text(const FileReport& r) {
  std::printf("file: %s (GGUF v%u, %llu bytes)\narchitecture: %s\nparameters: %llu\n", r.path.c_str(), r.version,
              static_cast<unsigned long long>(r.file_size), r.architecture.c_str(),
              static_cast<unsigned long long>(r.n_params));
  if (!r.model_error.empty()) std::printf("not loadable as a model: %s\n", r.model_error.c_str());
  std::printf("\nmetadata:\n");
  for (const auto& [k, v] : r.metadata) std::printf("  %-48s %s\n", k.c_str(), v.c_str());
  if (!r.layers.empty()) {
    std::printf("\nlayers:\n  %5s  %-18s %14s %12s\n", "index", "kind", "KV B/token", "state B");
    uint64_t kv = 0, state = 0;
    for (const auto& l : r.layers) {
      std::printf("  %5d  %-18s %14llu %12llu\n", l.index, l.kind.c_str(),
                  static_cast<unsigned long long>(l.kv_bytes_per_token), static_cast<unsigned long long>(l.state_bytes));
      kv += l.kv_bytes_per_token;
      state += l.state_bytes;
    }
    std::printf("  total: %llu KV bytes per token, %llu bytes of recurrent state\n",
                static_cast<unsigned long long>(kv), static_cast<unsigned long long>(state));
  }
  std::printf("\ntensors:\n");
  for (const auto& t : r.tensors)
    std::printf("  %-40s %-7s %-22s %12llu\n", t.name.c_str(), t.type.c_str(), shape_text(t.shape).c_str(),
                static_cast<unsigned long long>(t.bytes));
  std::printf("\ntotals by type:\n");
  for (const auto& t : r.totals)
    std::printf("  %-7s %5d tensors %14llu elements %14llu bytes\n", t.type.c_str(), t.count,
                static_cast<unsigned long long>(t.elements), static_cast<unsigned long long>(t.bytes));
}

}  // namespace

int cmd_inspect(int argc, char** argv) {
  CLI::App app("Describe a GGUF model file", "inspect");
  std::string path;
  bool as_json = false;
  int64_t n_ctx = 0;
  std::string kv_type = "f16";
  app.add_option("model", path, "GGUF model file or hub reference OWNER/REPO[:QUANT]")->required();
  app.add_flag("--json", as_json, "print JSON");
  app.add_option("--ctx", n_ctx, "also print the memory needed at this context length")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 24));
  app.add_option("--kv-type", kv_type, "KV cache encoding for --ctx: f32, f16, q8_0, q4")->capture_default_str();
  if (int rc = parse_or_exit(app, argc, argv); rc >= 0) return rc;
  path = resolve_model_argument(path);
  require_file(path, "model file");
  const FileReport r = inspect_file(path);
  nlohmann::ordered_json j = to_json(r);
  if (n_ctx > 0) {
    const MemoryPlan plan = plan_memory(*Model::load(path), n_ctx, parse_kv_type(kv_type));
    j["memory"] = {{"n_ctx", plan.n_ctx}, {"kv_type", kv_type_name(plan.kv_type)}, {"weights_resident", plan.weights_resident},
                   {"weights_cold", plan.weights_cold}, {"kv_full", plan.kv_full}, {"kv_sliding", plan.kv_sliding},
                   {"recurrent", plan.recurrent}, {"scratch", plan.scratch}, {"total", plan.total()}};
    if (!as_json) {
      print_text(r);
      std::printf("\nmemory: %s\n", plan.describe().c_str());
      return 0;
    }
  }
  if (as_json) std::printf("%s\n", j.dump(2).c_str());
  else print_text(r);
  return 0;
}

}  // namespace edgelm::cli
