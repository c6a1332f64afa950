// edgelm logits: float32 logits of every position for given token ids, in
// one of three evaluation modes (for checking against reference logits).
#include <cstdio>

#include "cli/commands.h"
#include "cli/common.h"
#include "edgelm/edgelm.h"

namespace edgelm::cli {
namespace {

// Runs the tokens through a fresh session in the requested mode.
std::vector<float> eval_mode(const Model& model, const std::vector<int32_t>& tokens, const std::string& mode,
                             int n_threads, const std::string& kv_type) {
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
  opts.kv_type = kv_type;
  Session session(model, opts);
  return session.eval_all(tokens, chunk);
}

}  // namespace

int cmd_logits(int argc, char** argv) {
  CLI::App app("Write float32 logits [n_tokens][n_vocab] (little-endian, row-major) for every position", "logits");
  std::string model_path, token_text, mode = "batch", out_path;
  int n_threads = 0;
  std::string kv_type = "f32";
  app.add_option("-m,--model", model_path, "GGUF model file")->required();
  app.add_option("--tokens", token_text, "comma-separated token ids")->required();
  app.add_option("--mode", mode, "batch | incr | chunk:N")->capture_default_str();
  app.add_option("-o,--output", out_path, "output file")->required();
  app.add_option("-t,--threads", n_threads, "threads (0 = all)")->check(CLI::Range(0, 1024));
  app.add_option("--kv-type", kv_type, "KV cache encoding: f32 (as reference implementations), f16, q8_0")
      ->capture_default_str();
  if (int rc = parse_or_exit(app, argc, argv); rc >= 0) return rc;
  require_file(model_path, "model file");

  const std::vector<int32_t> tokens = parse_int_list(token_text, "token id");
  auto model = Model::load(model_path);
  for (int32_t t : tokens)
    if (t < 0 || t >= model->info().n_vocab)
      throw Error("token id " + std::to_string(t) + " out of range (vocabulary has " +
                  std::to_string(model->info().n_vocab) + " tokens)");
  const std::vector<float> logits = eval_mode(*model, tokens, mode, n_threads, kv_type);
  FILE* f = std::fopen(out_path.c_str(), "wb");
  if (!f) throw Error("cannot open output file '" + out_path + "'");
  const size_t written = std::fwrite(logits.data(), sizeof(float), logits.size(), f);
  if (std::fclose(f) != 0 || written != logits.size()) throw Error("failed writing '" + out_path + "'");
  return 0;
}

}  // namespace edgelm::cli
