// JSON that comes from outside the process: files, clients, a model's output.
//
// nlohmann::json parses iteratively but copies, compares and prints values
// recursively, so a document nested a hundred thousand levels deep parses
// fine and then overflows the stack wherever it is used. Every entry point
// checks the nesting of the text first and refuses such documents.
#pragma once
#include <string_view>

namespace edgelm {

// Deeper documents are refused; real requests, schemas and tokenizer files
// nest a few dozen levels at most.
constexpr int kMaxJsonDepth = 256;

// Whether arrays and objects in `text` nest deeper than max_depth (brackets
// inside strings do not count). Linear; exact for valid JSON, and harmless for
// invalid text, which the parser rejects anyway.
inline bool json_too_deep(std::string_view text, int max_depth = kMaxJsonDepth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return true;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return false;
}

}  // namespace edgelm
