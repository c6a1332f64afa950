// edgelm logits: float32 logits of every position for given token ids, in
// one of three evaluation modes (for checking against reference logits).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/model_ref.h"
#include "edgelm/edgelm.h"

namespace edgelm::cli {
namespace {

// --dump: each tapped tensor goes to DIR/<name>.f32, float32 [rows][cols],
// the rows of successive forward passes appended (so batch, incr and chunk
// modes give files of the same shape), and DIR/index.json lists them in the
// order the model computed them. scripts/compare-dumps.py compares two dumps.
class ActivationDump {
 public:
  ActivationDump(const std::string& dir, const std::string& filter) : dir_(dir) {
    try {
      filter_ = std::regex(filter.empty() ? ".*" : filter);
    } catch (const std::regex_error& e) {
      throw Error("--dump-filter '" + filter + "' is not a valid regular expression: " + e.what());
    }
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec || !std::filesystem::is_directory(dir_)) throw Error("cannot create dump folder '" + dir_ + "'");
  }

  void operator()(const std::string& name, const float* data, int rows, int64_t cols) {
    if (!std::regex_search(name, filter_)) return;
    auto it = tensors_.find(name);
    if (it == tensors_.end()) {
      it = tensors_.emplace(name, Tensor{std::ofstream(dir_ + "/" + name + ".f32", std::ios::binary), cols, 0}).first;
      order_.push_back(name);
    }
    Tensor& t = it->second;
    if (t.cols != cols) throw Error("activation '" + name + "' changed width between forward passes");
    t.out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(sizeof(float) * rows * cols));
    if (!t.out) throw Error("failed writing '" + dir_ + "/" + name + ".f32'");
    t.rows += rows;
  }

  void finish() {
    nlohmann::json index = nlohmann::json::array();
    for (const std::string& name : order_) {
      const Tensor& t = tensors_.at(name);
      index.push_back({{"name", name}, {"rows", t.rows}, {"cols", t.cols}, {"file", name + ".f32"}});
    }
    std::ofstream f(dir_ + "/index.json");
    f << index.dump(1) << "\n";
    if (!f) throw Error("failed writing '" + dir_ + "/index.json'");
  }

 private:
  struct Tensor {
    std::ofstream out;
    int64_t cols;
    int64_t rows;
  };
  std::string dir_;
  std::regex filter_;
  std::map<std::string, Tensor> tensors_;
  std::vector<std::string> order_;
};

// Runs the tokens through a fresh session in the requested mode.
std::vector<float> eval_mode(const Model& model, const std::vector<int32_t>& tokens, const std::string& mode,
                             int n_threads, const std::string& kv_type, ActivationDump* dump) {
  int chunk = 0;
  if (mode == "batch") {
    chunk = static_cast<int>(tokens.size());
  } else if (mode == "incr") {
    chunk = 1;
  } else if (mode.rfind("chunk:", 0) == 0) {
    chunk = parse_int_list(mode.substr(6), "chunk size").at(0);
    if (chunk <= 0) throw Error("chunk size must be positive in '" + mode + "'");
  } else {
    throw Error("unknown mode '" + mode + "' (expected batch, incr or chunk:N)");
  }
  SessionOptions opts;
  opts.n_ctx = static_cast<int64_t>(tokens.size());
  opts.n_threads = n_threads;
  opts.n_batch = chunk;
  opts.kv_type = parse_kv_type(kv_type);
  Session session(model, opts);
  if (dump) session.set_activation_tap(std::ref(*dump));
  return session.eval_all(tokens, chunk);
}

}  // namespace

int cmd_logits(int argc, char** argv) {
  CLI::App app("Write float32 logits [n_tokens][n_vocab] (little-endian, row-major) for every position", "logits");
  std::string model_path, token_text, mode = "batch", out_path;
  int n_threads = 0;
  std::string kv_type = "f32", dump_dir, dump_filter;
  app.add_option("-m,--model", model_path, "GGUF model file or hub reference OWNER/REPO[:QUANT]")->required();
  app.add_option("--tokens", token_text, "comma-separated token ids")->required();
  app.add_option("--mode", mode, "batch | incr | chunk:N")->capture_default_str();
  app.add_option("-o,--output", out_path, "output file")->required();
  app.add_option("-t,--threads", n_threads, "threads (0 = all)")->check(CLI::Range(0, 1024));
  app.add_option("--kv-type", kv_type, "KV cache encoding: f32 (as reference implementations), f16, q8_0")
      ->capture_default_str();
  app.add_option("--dump", dump_dir,
                 "also write every intermediate activation to DIR/<name>.f32 plus DIR/index.json "
                 "(compare two with scripts/compare-dumps.py)");
  app.add_option("--dump-filter", dump_filter, "only activations whose name matches this regular expression");
  if (int rc = parse_or_exit(app, argc, argv); rc >= 0) return rc;
  model_path = resolve_model_argument(model_path);
  require_file(model_path, "model file");

  const std::vector<int32_t> tokens = parse_int_list(token_text, "token id");
  auto model = Model::load(model_path);
  for (int32_t t : tokens)
    if (t < 0 || t >= model->info().n_vocab)
      throw Error("token id " + std::to_string(t) + " out of range (vocabulary has " +
                  std::to_string(model->info().n_vocab) + " tokens)");
  std::unique_ptr<ActivationDump> dump;
  if (!dump_dir.empty()) dump = std::make_unique<ActivationDump>(dump_dir, dump_filter);
  const std::vector<float> logits = eval_mode(*model, tokens, mode, n_threads, kv_type, dump.get());
  if (dump) dump->finish();
  FILE* f = std::fopen(out_path.c_str(), "wb");
  if (!f) throw Error("cannot open output file '" + out_path + "'");
  const size_t written = std::fwrite(logits.data(), sizeof(float), logits.size(), f);
  if (std::fclose(f) != 0 || written != logits.size()) throw Error("failed writing '" + out_path + "'");
  return 0;
}

}  // namespace edgelm::cli
