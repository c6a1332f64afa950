// edgelm tokenize: print the token ids of a text.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/model_ref.h"
#include "edgelm/edgelm.h"

namespace edgelm::cli {

int cmd_tokenize(int argc, char** argv) {
  CLI::App app("Print the token ids of a text", "tokenize");
  std::string model_path, tokenizer_path, text;
  bool add_special = false, as_json = false, no_parse_special = false;
  auto* m = app.add_option("-m,--model", model_path, "GGUF model file (its vocabulary)");
  auto* tk = app.add_option("--tokenizer", tokenizer_path, "Hugging Face tokenizer.json");
  m->excludes(tk);
  app.add_flag("--add-special", add_special, "add BOS/EOS as the vocabulary prescribes");
  app.add_flag("--no-parse-special", no_parse_special, "treat special-token text as plain text");
  app.add_flag("--json", as_json, "print a JSON array");
  app.add_option("text", text, "text to tokenize")->required();
  if (int rc = parse_or_exit(app, argc, argv); rc >= 0) return rc;
  if (!model_path.empty()) model_path = resolve_model_argument(model_path);
  if (model_path.empty() == tokenizer_path.empty()) {
    std::fprintf(stderr, "error: give exactly one of -m MODEL or --tokenizer tokenizer.json\n");
    return 2;
  }
  const std::string& path = model_path.empty() ? tokenizer_path : model_path;
  require_file(path, model_path.empty() ? "tokenizer file" : "model file");
  auto vocab = model_path.empty() ? Vocabulary::from_hf_json(path) : Vocabulary::from_model_file(path);
  const std::vector<int32_t> ids = vocab->encode(text, add_special, !no_parse_special);
  if (as_json) {
    std::printf("%s\n", nlohmann::json(ids).dump().c_str());
  } else {
    for (size_t i = 0; i < ids.size(); ++i) std::printf(i ? " %d" : "%d", ids[i]);
    std::printf("\n");
  }
  return 0;
}

}  // namespace edgelm::cli
