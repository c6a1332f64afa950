// Shared test data for the tokenizer tests: paths under ../shared, JSON
// readers, and the real tokenizers (each loaded once per test run).
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace edgelm::testing {

// EDGELM_SHARED_DIR + "/" + relative; fails the current test with a clear
// message (and returns "") when the file is absent.
std::string shared_path(const std::string& relative);
bool shared_exists(const std::string& relative);

nlohmann::json read_json_file(const std::string& path);
std::vector<nlohmann::json> read_jsonl_file(const std::string& path);

// Tokenizers built from ../shared/tokenizers (nullptr if the data is absent).
const Tokenizer* gemma3_tokenizer();
const Tokenizer* qwen3_tokenizer();
// Gemma 4 = Gemma 3's tokenizer.json with gemma4_special_tokens_patch.json
// applied and the "gemma4" algorithm settings (docs/FORMATS.md §3.6, §3.10).
TokenizerSpec gemma4_spec();
const Tokenizer* gemma4_tokenizer();

std::string ids_to_string(const std::vector<int32_t>& ids);

}  // namespace edgelm::testing
