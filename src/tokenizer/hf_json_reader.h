// Streams a Hugging Face tokenizer.json: the two big tables (model.vocab and
// model.merges, hundreds of thousands of entries) go straight into vectors;
// everything else becomes an ordinary (small) JSON document. Building a full
// JSON tree of a 33 MB file would cost most of the load time.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace edgelm::tok {

struct HfTokenizerJson {
  nlohmann::json rest;   // the document without model.vocab and model.merges
  std::vector<std::pair<std::string, int64_t>> vocab;        // token text, id
  std::vector<std::pair<std::string, std::string>> merges;   // in rank order
};

// Throws edgelm::Error on I/O failure, invalid JSON, or malformed tables.
HfTokenizerJson read_hf_tokenizer_json(const std::string& path);

// Reads any JSON file into a document (tokenizer_config.json). Throws edgelm::Error.
nlohmann::json read_json_document(const std::string& path);

}  // namespace edgelm::tok
