// IFEval: 25 verifiable instructions ("answer in lowercase", "at least 300
// words", "wrap the answer in JSON", ...) checked by rules that follow the
// official checker (google-research instruction_following_eval) item by item.
// No model here: a Scorer scores response texts, from edgelm or anywhere.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace edgelm::eval::ifeval {

// One line of input_data.jsonl.
struct Prompt {
  int64_t key = 0;
  std::string prompt;
  std::vector<std::string> instruction_ids;  // e.g. "keywords:existence"
  std::vector<nlohmann::json> kwargs;        // one object per instruction (nulls dropped as upstream)
};

// Reads a prompt set; throws edgelm::Error naming the line on bad input.
std::vector<Prompt> load_prompts(const std::filesystem::path& jsonl);

// Reads {"prompt": ..., "response": ...} lines (input_response_data_*.jsonl).
struct PromptResponse {
  std::string prompt;
  std::string response;
};
std::vector<PromptResponse> load_responses(const std::filesystem::path& jsonl);

// The verdict on one prompt: one flag per instruction, in the prompt's order.
struct Result {
  int64_t key = 0;
  std::string prompt;
  std::string response;
  std::vector<std::string> instruction_ids;
  std::vector<bool> followed;
  bool all_followed() const;
};

class Scorer {
 public:
  // data_dir holds punkt_english_params.json and langdetect_profiles/
  // (the shipped data/evals/ifeval). Throws edgelm::Error if they are missing or bad.
  explicit Scorer(const std::filesystem::path& data_dir);
  ~Scorer();
  Scorer(Scorer&&) noexcept;
  Scorer& operator=(Scorer&&) noexcept;

  Result strict(const Prompt& prompt, std::string_view response) const;
  // Followed if any of the official eight variants of the response follows.
  Result loose(const Prompt& prompt, std::string_view response) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct Accuracy {
  size_t prompts = 0, instructions = 0;
  double prompt_strict = 0, instruction_strict = 0, prompt_loose = 0, instruction_loose = 0;  // fractions 0..1
};
Accuracy accuracy(const std::vector<Result>& strict, const std::vector<Result>& loose);

// One JSON line per result in the official eval_results_{strict,loose}.jsonl
// shape (key, instruction_id_list, prompt, response, follow_all_instructions,
// follow_instruction_list).
void write_results(const std::filesystem::path& file, const std::vector<Result>& results);

}  // namespace edgelm::eval::ifeval
