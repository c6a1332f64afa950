// TokenizerSpec from a Hugging Face tokenizer.json (+ tokenizer_config.json).
// Supported: the BPE model, the normalizers NFC / Replace(" " -> "▁") /
// Prepend("▁"), the pre-tokenizers Split (the known regexes, or the no-op
// space split of Gemma), ByteLevel and Metaspace without splitting, and the
// post-processors ByteLevel and TemplateProcessing. Anything else is refused
// with an error naming it, rather than tokenized differently from the original.
#include <algorithm>
#include <filesystem>

#include "edgelm/error.h"
#include "tokenizer/hf_json_reader.h"
#include "tokenizer/tokenizer.h"

namespace edgelm {
namespace {

using nlohmann::json;

constexpr std::string_view kEscapedSpace = "\xE2\x96\x81";  // U+2581 "▁"

// The Split regexes of the families we scan by hand, as written in tokenizer.json.
const std::pair<const char*, PreTokenizer> kKnownRegexes[] = {
    {R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
     PreTokenizer::kLlama3},
    {R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
     PreTokenizer::kQwen2},
    {R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)",
     PreTokenizer::kQwen35},
    {R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))", PreTokenizer::kGpt2},
};

// Upper bound on unused ids in a vocabulary, so that a hostile file cannot
// make us allocate billions of placeholder tokens.
constexpr size_t kMaxIdGap = 1 << 20;

std::string type_of(const json& node) {
  return node.is_object() && node.contains("type") && node["type"].is_string()
             ? node["type"].get<std::string>()
             : std::string("(no type)");
}

[[noreturn]] void unsupported(const std::string& what, const json& node) {
  throw Error("tokenizer.json: " + what + " " + node.dump().substr(0, 160) + " is not supported");
}

// A pattern is {"String": "..."} or {"Regex": "..."}.
std::string pattern_string(const json& node, const char* kind) {
  const json& pattern = node.at("pattern");
  return pattern.contains(kind) ? pattern.at(kind).get<std::string>() : std::string();
}

void apply_normalizer(const json& node, TokenizerSpec& spec) {
  if (node.is_null()) return;
  const std::string type = type_of(node);
  if (type == "Sequence") {
    for (const json& child : node.at("normalizers")) apply_normalizer(child, spec);
  } else if (type == "NFC") {
    spec.nfc = true;
  } else if (type == "Replace" && pattern_string(node, "String") == " " &&
             node.at("content").get<std::string>() == kEscapedSpace) {
    spec.escape_spaces = true;
  } else if (type == "Prepend" && node.at("prepend").get<std::string>() == kEscapedSpace) {
    spec.add_space_prefix = true;
  } else {
    unsupported("normalizer", node);
  }
}

void apply_pre_tokenizer(const json& node, TokenizerSpec& spec) {
  if (node.is_null()) return;
  const std::string type = type_of(node);
  if (type == "Sequence") {
    for (const json& child : node.at("pretokenizers")) apply_pre_tokenizer(child, spec);
  } else if (type == "ByteLevel") {
    if (node.value("add_prefix_space", false)) unsupported("pre_tokenizer", node);
    spec.byte_level = true;
    if (node.value("use_regex", true) && spec.pre == PreTokenizer::kNone) spec.pre = PreTokenizer::kGpt2;
  } else if (type == "Split" && node.value("behavior", "") == "Isolated" && !node.value("invert", false)) {
    const std::string regex = pattern_string(node, "Regex");
    for (const auto& [known, kind] : kKnownRegexes) {
      if (regex == known && spec.pre == PreTokenizer::kNone) {
        spec.pre = kind;
        return;
      }
    }
    unsupported("pre_tokenizer", node);
  } else if (type == "Split" && spec.escape_spaces && pattern_string(node, "String") == " ") {
    // Gemma: the normalizer already turned every space into ▁, so splitting
    // on spaces finds nothing.
  } else if (type == "Metaspace" && !node.value("split", true) &&
             node.value("replacement", "") == kEscapedSpace) {
    spec.escape_spaces = true;
    spec.add_space_prefix = node.contains("add_prefix_space")
                                ? node.value("add_prefix_space", true)
                                : node.value("prepend_scheme", "always") != "never";
  } else {
    unsupported("pre_tokenizer", node);
  }
}

// TemplateProcessing: the special tokens around the single sequence "A" are
// what add_special adds (at most one before and one after).
void apply_post_processor(const json& node, TokenizerSpec& spec) {
  if (node.is_null()) return;
  const std::string type = type_of(node);
  if (type == "Sequence") {
    for (const json& child : node.at("processors")) apply_post_processor(child, spec);
  } else if (type == "ByteLevel") {
    // Offsets only; no tokens are added.
  } else if (type == "TemplateProcessing") {
    std::vector<int32_t> before, after;
    bool seen_sequence = false;
    for (const json& item : node.at("single")) {
      if (item.contains("Sequence")) {
        seen_sequence = true;
        continue;
      }
      const std::string name = item.at("SpecialToken").at("id").get<std::string>();
      const json& entry = node.at("special_tokens").at(name);
      for (const json& id : entry.at("ids")) (seen_sequence ? after : before).push_back(id.get<int32_t>());
    }
    if (before.size() > 1 || after.size() > 1) unsupported("post_processor", node);
    if (!before.empty()) {
      spec.bos_id = before[0];
      spec.add_bos = true;
    }
    if (!after.empty()) {
      spec.eos_id = after[0];
      spec.add_eos = true;
    }
  } else {
    unsupported("post_processor", node);
  }
}

void read_model(const json& model, TokenizerSpec& spec) {
  if (type_of(model) != "BPE") unsupported("model", json{{"type", type_of(model)}});
  for (const char* affix : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    if (model.contains(affix) && !model[affix].is_null() && !model[affix].get<std::string>().empty()) {
      unsupported(std::string("model.") + affix, model[affix]);
    }
  }
  // The reader streams model.merges out of the document when it is an array.
  if (model.contains("merges")) unsupported("model.merges", model["merges"]);
  spec.algorithm = TokenizerSpec::Algorithm::kBpe;
  spec.byte_fallback = model.value("byte_fallback", false);
  spec.ignore_merges = model.value("ignore_merges", false);
}

// Fills spec.tokens/types from model.vocab and added_tokens.
void read_vocabulary(std::vector<std::pair<std::string, int64_t>>& vocab, const json& added,
                     TokenizerSpec& spec) {
  int64_t max_id = -1;
  for (const auto& [text, id] : vocab) max_id = std::max(max_id, id);
  for (const json& a : added) max_id = std::max(max_id, a.at("id").get<int64_t>());
  if (max_id >= static_cast<int64_t>(vocab.size() + added.size() + kMaxIdGap)) {
    throw Error("tokenizer.json: token id " + std::to_string(max_id) + " is far beyond the " +
                std::to_string(vocab.size()) + " vocabulary entries");
  }
  const size_t n = static_cast<size_t>(max_id + 1);
  // Ids nobody names stay as unused placeholders.
  spec.tokens.assign(n, std::string());
  spec.types.assign(n, TokenType::kUnused);
  for (auto& [text, id] : vocab) {
    if (id < 0) throw Error("tokenizer.json: negative id for token \"" + text.substr(0, 40) + "\"");
    spec.tokens[id] = std::move(text);
    spec.types[id] = TokenType::kNormal;
  }
  for (const json& a : added) {
    const int64_t i = a.at("id").get<int64_t>();
    if (i < 0) throw Error("tokenizer.json: negative added-token id");
    spec.tokens[i] = a.at("content").get<std::string>();
    // Special added tokens behave as control tokens, the others as
    // user-defined ones (matched in text, printed as text).
    spec.types[i] = a.value("special", false) ? TokenType::kControl : TokenType::kUserDefined;
  }
  if (spec.byte_fallback) {
    for (size_t i = 0; i < n; ++i) {
      const std::string& t = spec.tokens[i];
      if (spec.types[i] == TokenType::kNormal && t.size() == 6 && t.rfind("<0x", 0) == 0 && t[5] == '>') {
        spec.types[i] = TokenType::kByte;
      }
    }
  }
}

// Id of a token text (a handful of look-ups per file: a scan is enough).
int32_t find_id(const TokenizerSpec& spec, const std::string& text) {
  if (text.empty()) return -1;
  const auto it = std::find(spec.tokens.begin(), spec.tokens.end(), text);
  return it == spec.tokens.end() ? -1 : static_cast<int32_t>(it - spec.tokens.begin());
}

// "<bos>" or {"content": "<bos>", ...} -> id, if the vocabulary has it.
int32_t config_token_id(const json& config, const char* key, const TokenizerSpec& spec) {
  if (!config.contains(key)) return -1;
  const json& v = config[key];
  std::string text;
  if (v.is_string()) text = v.get<std::string>();
  else if (v.is_object() && v.contains("content") && v["content"].is_string()) text = v["content"].get<std::string>();
  return find_id(spec, text);
}

void apply_config(const json& config, TokenizerSpec& spec) {
  if (spec.bos_id < 0) spec.bos_id = config_token_id(config, "bos_token", spec);
  if (!spec.add_eos) {
    if (const int32_t eos = config_token_id(config, "eos_token", spec); eos >= 0) spec.eos_id = eos;
  }
  if (const int32_t pad = config_token_id(config, "pad_token", spec); pad >= 0) spec.pad_id = pad;
  if (config.contains("add_bos_token") && config["add_bos_token"].is_boolean()) {
    spec.add_bos = config["add_bos_token"].get<bool>();
  }
  if (config.contains("add_eos_token") && config["add_eos_token"].is_boolean()) {
    spec.add_eos = config["add_eos_token"].get<bool>();
  }
  if (config.contains("chat_template")) {
    const json& t = config["chat_template"];
    if (t.is_string()) {
      spec.chat_template = t.get<std::string>();
    } else if (t.is_array()) {  // [{"name": "default", "template": "..."}, ...]
      for (const json& named : t) {
        if (named.value("name", "") == "default") spec.chat_template = named.value("template", "");
      }
    }
  }
}

}  // namespace

TokenizerSpec tokenizer_spec_from_hf_json(const std::string& tokenizer_json_path) {
  tok::HfTokenizerJson file = tok::read_hf_tokenizer_json(tokenizer_json_path);
  const json& root = file.rest;
  TokenizerSpec spec;
  try {
    const json& model = root.at("model");
    read_model(model, spec);
    spec.merges = std::move(file.merges);
    read_vocabulary(file.vocab, root.value("added_tokens", json::array()), spec);
    if (model.contains("unk_token") && model["unk_token"].is_string()) {
      spec.unk_id = find_id(spec, model["unk_token"].get<std::string>());
      if (spec.unk_id >= 0) spec.types[spec.unk_id] = TokenType::kUnknown;
    }
    apply_normalizer(root.value("normalizer", json()), spec);
    apply_pre_tokenizer(root.value("pre_tokenizer", json()), spec);
    apply_post_processor(root.value("post_processor", json()), spec);

    const auto config_path = std::filesystem::path(tokenizer_json_path).parent_path() / "tokenizer_config.json";
    if (std::filesystem::exists(config_path)) apply_config(tok::read_json_document(config_path.string()), spec);
  } catch (const json::exception& e) {
    throw Error(tokenizer_json_path + ": unexpected structure: " + e.what());
  }
  const auto n = static_cast<int64_t>(spec.tokens.size());
  for (const int32_t id : {spec.bos_id, spec.eos_id}) {
    if (id >= n) {
      throw Error(tokenizer_json_path + ": special token id " + std::to_string(id) + " is outside the vocabulary");
    }
  }
  return spec;
}

std::unique_ptr<Tokenizer> Tokenizer::from_hf_json(const std::string& tokenizer_json_path) {
  return std::make_unique<Tokenizer>(tokenizer_spec_from_hf_json(tokenizer_json_path));
}

}  // namespace edgelm
