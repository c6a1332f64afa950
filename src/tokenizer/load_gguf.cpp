// TokenizerSpec from a GGUF file's tokenizer.ggml.* metadata, with the
// defaults and fix-ups of llama.cpp's loader (docs/FORMATS.md §3.1, §3.7).
#include <algorithm>

#include "edgelm/error.h"
#include "gguf/gguf.h"
#include "tokenizer/tokenizer.h"

namespace edgelm {
namespace {

struct PreTokenizerInfo {
  PreTokenizer kind;
  bool ignore_merges = false;
  bool add_bos = false;
};

// tokenizer.ggml.pre -> behaviour of the byte-level BPE ("gpt2") models.
std::optional<PreTokenizerInfo> find_pre_tokenizer(const std::string& name) {
  const auto in = [&](std::initializer_list<const char*> names) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  if (in({"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
          "jina-v5-nano"})) {
    return PreTokenizerInfo{PreTokenizer::kLlama3, true, true};
  }
  if (in({"qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "stablelm2", "hunyuan", "solar-open"})) {
    return PreTokenizerInfo{PreTokenizer::kQwen2};
  }
  if (name == "qwen35") return PreTokenizerInfo{PreTokenizer::kQwen35};
  if (in({"gpt-2", "phi-2", "mpt", "olmo", "jais"})) return PreTokenizerInfo{PreTokenizer::kGpt2};
  if (name == "default") return PreTokenizerInfo{PreTokenizer::kDefault};
  return std::nullopt;
}

bool is_gemma4_pre(const std::string& name) {
  return name == "gemma4" || name == "granite-embed-multi-311m";
}

TokenType to_token_type(int64_t value) {
  return value >= 0 && value <= 6 ? static_cast<TokenType>(value) : TokenType::kNormal;
}

// "left right": split at the first space at index >= 1 (a merge may start with a space).
std::pair<std::string, std::string> split_merge(const std::string& merge, size_t index) {
  const size_t space = merge.find(' ', 1);
  if (merge.empty() || space == std::string::npos) {
    throw Error("gguf: tokenizer.ggml.merges[" + std::to_string(index) + "] \"" + merge.substr(0, 40) +
                "\" is not \"left right\"");
  }
  return {merge.substr(0, space), merge.substr(space + 1)};
}

// An id key overrides `current` only when it names a token of the vocabulary.
void read_id(const gguf::File& f, const char* key, size_t n_tokens, int32_t& current) {
  if (const auto id = f.get_int(key); id && *id >= 0 && static_cast<uint64_t>(*id) < n_tokens) {
    current = static_cast<int32_t>(*id);
  }
}

void read_vocabulary(const gguf::File& f, TokenizerSpec& spec) {
  auto tokens = f.get_string_array("tokenizer.ggml.tokens");
  if (!tokens) throw Error("gguf: tokenizer.ggml.tokens is missing");
  spec.tokens = std::move(*tokens);
  const size_t n = spec.tokens.size();
  if (const auto types = f.get_int_array("tokenizer.ggml.token_type")) {
    if (types->size() != n) {
      throw Error("gguf: tokenizer.ggml.token_type has " + std::to_string(types->size()) +
                  " entries for " + std::to_string(n) + " tokens");
    }
    spec.types.reserve(n);
    for (const int64_t t : *types) spec.types.push_back(to_token_type(t));
  }
  if (const auto scores = f.get_float_array("tokenizer.ggml.scores")) {
    if (scores->size() != n) {
      throw Error("gguf: tokenizer.ggml.scores has " + std::to_string(scores->size()) +
                  " entries for " + std::to_string(n) + " tokens");
    }
    spec.scores.assign(scores->begin(), scores->end());
  }
  if (const auto merges = f.get_string_array("tokenizer.ggml.merges")) {
    spec.merges.reserve(merges->size());
    for (size_t i = 0; i < merges->size(); ++i) spec.merges.push_back(split_merge((*merges)[i], i));
  }
}

}  // namespace

TokenizerSpec tokenizer_spec_from_gguf(const gguf::File& f) {
  const auto model = f.get_string("tokenizer.ggml.model");
  if (!model) throw Error("gguf: tokenizer.ggml.model is missing (the file has no tokenizer)");
  const std::string pre_name = f.get_string("tokenizer.ggml.pre").value_or("default");

  TokenizerSpec spec;
  read_vocabulary(f, spec);
  const size_t n = spec.tokens.size();
  const auto default_id = [&](int32_t id) { return static_cast<size_t>(id) < n ? id : -1; };

  if (*model == "llama") {
    spec.algorithm = TokenizerSpec::Algorithm::kSpm;
    spec.escape_spaces = true;
    spec.byte_fallback = true;
    spec.add_space_prefix = f.get_bool("tokenizer.ggml.add_space_prefix").value_or(true);
    spec.bos_id = default_id(1);
    spec.eos_id = default_id(2);
    spec.unk_id = default_id(0);
    spec.add_bos = true;
  } else if (*model == "gemma4" || (*model == "gpt2" && is_gemma4_pre(pre_name))) {
    spec.algorithm = TokenizerSpec::Algorithm::kBpe;
    spec.escape_spaces = true;
    spec.byte_fallback = true;
    spec.pre = PreTokenizer::kNewlines;
  } else if (*model == "gpt2") {
    const auto pre = find_pre_tokenizer(pre_name);
    if (!pre) throw Error("gguf: unknown pre-tokenizer type '" + pre_name + "' (tokenizer.ggml.pre)");
    spec.algorithm = TokenizerSpec::Algorithm::kBpe;
    spec.byte_level = true;
    spec.pre = pre->kind;
    spec.ignore_merges = pre->ignore_merges;
    spec.add_bos = pre->add_bos;
    spec.bos_id = spec.eos_id = default_id(11);
  } else {
    throw Error("gguf: tokenizer model '" + *model + "' is not supported (tokenizer.ggml.model)");
  }

  read_id(f, "tokenizer.ggml.bos_token_id", n, spec.bos_id);
  read_id(f, "tokenizer.ggml.eos_token_id", n, spec.eos_id);
  read_id(f, "tokenizer.ggml.eot_token_id", n, spec.eot_id);
  read_id(f, "tokenizer.ggml.eom_token_id", n, spec.eom_id);
  read_id(f, "tokenizer.ggml.unknown_token_id", n, spec.unk_id);
  read_id(f, "tokenizer.ggml.padding_token_id", n, spec.pad_id);
  read_id(f, "tokenizer.ggml.fim_pad_token_id", n, spec.fim_pad_id);
  read_id(f, "tokenizer.ggml.fim_rep_token_id", n, spec.fim_rep_id);
  read_id(f, "tokenizer.ggml.fim_sep_token_id", n, spec.fim_sep_id);
  spec.add_bos = f.get_bool("tokenizer.ggml.add_bos_token").value_or(spec.add_bos);
  spec.add_eos = f.get_bool("tokenizer.ggml.add_eos_token").value_or(spec.add_eos);
  // Early Gemma 4 conversions wrote add_bos_token = false; the model needs BOS.
  if (spec.pre == PreTokenizer::kNewlines) spec.add_bos = true;

  if (const auto eog = f.get_int_array("tokenizer.ggml.eos_token_ids")) {
    for (const int64_t id : *eog) {
      if (id >= 0 && static_cast<uint64_t>(id) < n) spec.extra_eog_ids.push_back(static_cast<int32_t>(id));
    }
  }
  spec.chat_template = f.get_string("tokenizer.chat_template").value_or("");
  return spec;
}

std::unique_ptr<Tokenizer> Tokenizer::from_gguf(const gguf::File& f) {
  return std::make_unique<Tokenizer>(tokenizer_spec_from_gguf(f));
}

}  // namespace edgelm
