// Pre-tokenizers: split a raw text fragment into the "words" that BPE merges
// within. Hand-written scanners equivalent to the regexes in docs/FORMATS.md §3.7.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

namespace edgelm {

enum class PreTokenizer : uint8_t {
  kNone,      // the whole fragment is one word
  kNewlines,  // [^\n]+|[\n]+  (gemma4)
  kLlama3,    // R_LLAMA3: digits in runs of up to 3, ignore_merges
  kQwen2,     // R_QWEN2: one digit per word
  kQwen35,    // R_QWEN35: like qwen2, marks join letter runs
  kGpt2,      // R_GPT2
  kDefault,   // R_DEFAULT: four regexes applied in sequence
};

// Appends the words of `text` to `words`, in order; their concatenation is
// `text` (nothing is dropped). The views point into `text`.
void pre_tokenize(PreTokenizer kind, std::string_view text, std::vector<std::string_view>& words);

}  // namespace edgelm
