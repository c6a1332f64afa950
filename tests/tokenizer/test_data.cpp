#include "support.h"
#include "test_data.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

namespace edgelm::testing {

std::string shared_path(const std::string& relative) { return test::shared_path(relative); }

bool shared_exists(const std::string& relative) { return test::shared_exists(relative); }

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return nlohmann::json::parse(buffer.str());
}

std::vector<nlohmann::json> read_jsonl_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<nlohmann::json> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

namespace {

const Tokenizer* load_once(std::unique_ptr<Tokenizer>& slot, bool& tried, const std::string& relative) {
  if (!tried) {
    tried = true;
    const std::string path = shared_path(relative);
    if (!path.empty()) slot = Tokenizer::from_hf_json(path);
  }
  return slot.get();
}

}  // namespace

const Tokenizer* gemma3_tokenizer() {
  static std::unique_ptr<Tokenizer> tokenizer;
  static bool tried = false;
  return load_once(tokenizer, tried, "tokenizers/gemma3/tokenizer.json");
}

const Tokenizer* qwen3_tokenizer() {
  static std::unique_ptr<Tokenizer> tokenizer;
  static bool tried = false;
  return load_once(tokenizer, tried, "tokenizers/qwen3/tokenizer.json");
}

TokenizerSpec gemma4_spec() {
  TokenizerSpec spec = tokenizer_spec_from_hf_json(shared_path("tokenizers/gemma3/tokenizer.json"));
  const nlohmann::json patch = read_json_file(shared_path("tokenizers/gemma4_special_tokens_patch.json"));
  const size_t n = patch.at("vocab_size").get<size_t>();
  spec.tokens.resize(n);   // drops Gemma 3's <image_soft_token>
  spec.types.resize(n);
  // The converter makes the tokens the chat parser reads user-defined; the
  // other renamed tokens are control tokens (docs/FORMATS.md §3.10).
  const std::vector<std::string> user_defined = {"<|channel>", "<channel|>", "<|tool_call>",
                                                 "<tool_call|>", "<|tool_response>",
                                                 "<tool_response|>", "<|\"|>"};
  for (const auto& [id_text, text] : patch.at("rename_added_tokens").items()) {
    const size_t id = std::stoul(id_text);
    spec.tokens[id] = text.get<std::string>();
    const bool is_user = std::find(user_defined.begin(), user_defined.end(), spec.tokens[id]) !=
                         user_defined.end();
    spec.types[id] = is_user ? TokenType::kUserDefined : TokenType::kControl;
  }
  // The "gemma4" algorithm: ▁-escaped BPE with byte fallback, split at
  // newline runs, BOS always added; ids as the GGUF files declare them.
  spec.pre = PreTokenizer::kNewlines;
  spec.add_bos = true;
  spec.bos_id = 2;
  spec.eos_id = 1;
  spec.chat_template.clear();
  return spec;
}

const Tokenizer* gemma4_tokenizer() {
  static std::unique_ptr<Tokenizer> tokenizer;
  static bool tried = false;
  if (!tried) {
    tried = true;
    if (shared_exists("tokenizers/gemma3/tokenizer.json")) {
      tokenizer = std::make_unique<Tokenizer>(gemma4_spec());
    } else {
      shared_path("tokenizers/gemma3/tokenizer.json");  // reports the missing file
    }
  }
  return tokenizer.get();
}

std::string ids_to_string(const std::vector<int32_t>& ids) {
  std::string s = "[";
  for (size_t i = 0; i < ids.size(); ++i) s += (i ? " " : "") + std::to_string(ids[i]);
  return s + "]";
}

}  // namespace edgelm::testing
