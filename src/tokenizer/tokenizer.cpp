// Construction (look-up tables, special ids, end-of-generation set) and
// detokenization. Encoding lives in encode.cpp, the loaders in load_*.cpp.
#include "tokenizer/tokenizer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "edgelm/error.h"
#include "tokenizer/unicode.h"

namespace edgelm {
namespace {

constexpr std::string_view kEscapedSpace = "\xE2\x96\x81";  // U+2581 "▁"

// Texts that mark end-of-turn / end-of-message tokens when the file does not
// name them (docs/FORMATS.md §3.1).
const std::vector<std::string_view> kEotTexts = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
    "<EOT>", "_<EOT>", "[EOT]", "<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>",
    "<end_of_utterance>",
};
// Texts of tokens that end generation (docs/FORMATS.md §3.2).
const std::vector<std::string_view> kEogTexts = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
    "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
    "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
    "<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>", "[e~[",
};
// Fill-in-the-middle tokens that also end generation.
const std::vector<std::string_view> kFimPadTexts = {"<|fim_pad|>", "<fim-pad>", "<fim_pad>"};
const std::vector<std::string_view> kFimRepTexts = {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>",
                                                    "<reponame>"};
const std::vector<std::string_view> kFimSepTexts = {"<|file_sep|>", "<file_sep>", "<fim-sep>"};

std::string unescape_spaces(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t hit = text.find(kEscapedSpace, pos);
    if (hit == std::string_view::npos) break;
    out.append(text.substr(pos, hit - pos));
    out += ' ';
    pos = hit + kEscapedSpace.size();
  }
  out.append(text.substr(pos));
  return out;
}

std::string byte_level_decode(std::string_view text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const uint32_t cp = tok::utf8_next(text, i);
    const int b = tok::byte_from_codepoint(cp);
    if (b >= 0) {
      out += static_cast<char>(b);
    } else {
      tok::utf8_append(out, cp);  // not a stand-in: keep the character itself
    }
  }
  return out;
}

// "<0x41>" -> 0x41; -1 for any other text.
int parse_byte_token(std::string_view text) {
  if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return -1;
  int value = 0;
  for (char c : text.substr(3, 2)) {
    value <<= 4;
    if (c >= '0' && c <= '9') value |= c - '0';
    else if (c >= 'A' && c <= 'F') value |= c - 'A' + 10;
    else if (c >= 'a' && c <= 'f') value |= c - 'a' + 10;
    else return -1;
  }
  return value;
}

bool is_special_type(TokenType t) {
  return t == TokenType::kControl || t == TokenType::kUserDefined || t == TokenType::kUnknown;
}

}  // namespace

Tokenizer::Tokenizer(TokenizerSpec spec) : spec_(std::move(spec)) {
  check_spec();
  build_tables();
  detect_special_ids();
  build_eog_set();
}

void Tokenizer::check_spec() const {
  const size_t n = spec_.tokens.size();
  if (n == 0) throw Error("tokenizer: the vocabulary is empty");
  if (n > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    throw Error("tokenizer: vocabulary of " + std::to_string(n) + " tokens is too large");
  }
  if (!spec_.types.empty() && spec_.types.size() != n) {
    throw Error("tokenizer: " + std::to_string(spec_.types.size()) + " token types for " +
                std::to_string(n) + " tokens");
  }
  if (!spec_.scores.empty() && spec_.scores.size() != n) {
    throw Error("tokenizer: " + std::to_string(spec_.scores.size()) + " token scores for " +
                std::to_string(n) + " tokens");
  }
  const std::pair<const char*, int32_t> ids[] = {
      {"bos", spec_.bos_id}, {"eos", spec_.eos_id}, {"unk", spec_.unk_id},
      {"eot", spec_.eot_id}, {"eom", spec_.eom_id}, {"pad", spec_.pad_id},
      {"fim_pad", spec_.fim_pad_id}, {"fim_rep", spec_.fim_rep_id}, {"fim_sep", spec_.fim_sep_id}};
  for (const auto& [name, id] : ids) {
    if (id < -1 || id >= static_cast<int64_t>(n)) {
      throw Error(std::string("tokenizer: ") + name + " token id " + std::to_string(id) +
                  " is outside the vocabulary of " + std::to_string(n));
    }
  }
}

void Tokenizer::build_tables() {
  tokens_ = std::move(spec_.tokens);
  types_ = std::move(spec_.types);
  scores_ = std::move(spec_.scores);
  const size_t n = tokens_.size();
  types_.resize(n, TokenType::kNormal);
  scores_.resize(n, 0.0f);
  for (size_t id = 0; id < n; ++id) {
    if (tokens_[id].empty()) tokens_[id] = "[EMPTY_" + std::to_string(id) + "]";
    if (types_[id] == TokenType::kUndefined || static_cast<uint8_t>(types_[id]) > 6) {
      types_[id] = TokenType::kNormal;
    }
    // A NaN would break the ordering of the SPM merge queue.
    if (std::isnan(scores_[id])) scores_[id] = std::numeric_limits<float>::lowest();
  }

  token_ids_.build(tokens_);

  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    byte_tokens_[b] = lookup(name);
    // SentencePiece vocabularies may hold a byte as a plain one-byte token.
    if (byte_tokens_[b] < 0 && spec_.algorithm == TokenizerSpec::Algorithm::kSpm) {
      byte_tokens_[b] = lookup(std::string(1, static_cast<char>(b)));
    }
  }

  // Merges whose parts or result are not tokens can never fire on token
  // symbols; they are dropped. The first (lowest-rank) copy of a pair wins.
  merges_.reserve(spec_.merges.size());
  std::string joined;
  for (size_t rank = 0; rank < spec_.merges.size(); ++rank) {
    const auto& [left, right] = spec_.merges[rank];
    joined.assign(left).append(right);
    const int32_t a = lookup(left), b = lookup(right), result = lookup(joined);
    if (a < 0 || b < 0 || result < 0) continue;
    merges_.insert(a, b, tok::Merge{static_cast<int32_t>(rank), result});
  }
  spec_.merges.clear();
  spec_.merges.shrink_to_fit();
}

void Tokenizer::detect_special_ids() {
  // The lowest id among the tokens spelled like one of `texts`.
  const auto find_first = [&](const std::vector<std::string_view>& texts) {
    int32_t first = -1;
    for (std::string_view text : texts) {
      const int32_t id = lookup(text);
      if (id >= 0 && (first < 0 || id < first)) first = id;
    }
    return first;
  };
  // Auto-detected end-of-turn tokens become control tokens, so that they are
  // never printed as text by accident.
  if (spec_.eot_id < 0) {
    spec_.eot_id = find_first(kEotTexts);
    if (spec_.eot_id >= 0) types_[spec_.eot_id] = TokenType::kControl;
  }
  if (spec_.eom_id < 0) {
    spec_.eom_id = lookup("<|eom_id|>");
    if (spec_.eom_id >= 0) types_[spec_.eom_id] = TokenType::kControl;
  }
  if (spec_.fim_pad_id < 0) spec_.fim_pad_id = find_first(kFimPadTexts);
  if (spec_.fim_rep_id < 0) spec_.fim_rep_id = find_first(kFimRepTexts);
  if (spec_.fim_sep_id < 0) spec_.fim_sep_id = find_first(kFimSepTexts);

  for (size_t id = 0; id < tokens_.size(); ++id) {
    if (is_special_type(types_[id])) {
      specials_.add(tokens_[id], static_cast<int32_t>(id), types_[id] == TokenType::kUserDefined);
    }
  }
}

void Tokenizer::build_eog_set() {
  std::vector<int32_t> eog;
  for (const int32_t id : {spec_.fim_pad_id, spec_.fim_rep_id, spec_.fim_sep_id, spec_.eos_id,
                           spec_.eot_id, spec_.eom_id}) {
    if (id >= 0) eog.push_back(id);
  }
  for (std::string_view text : kEogTexts) {
    if (const int32_t id = lookup(text); id >= 0) eog.push_back(id);
  }
  const auto has = [&](std::string_view text) {
    const int32_t id = lookup(text);
    return id >= 0 && std::find(eog.begin(), eog.end(), id) != eog.end();
  };
  const auto remove = [&](std::string_view text) {
    const int32_t id = lookup(text);
    eog.erase(std::remove(eog.begin(), eog.end(), id), eog.end());
  };
  // gpt-oss style vocabularies: "<|end|>" ends a message, not the generation.
  if ((has("<|return|>") && has("<|call|>")) || (has("<|calls|>") && has("<|flush|>"))) {
    remove("<|end|>");
  }
  // Gemma 4 has an ordinary "</s>" (an HTML tag) next to its tool tokens.
  if (has("<|tool_response>")) remove("</s>");
  for (const int32_t id : spec_.extra_eog_ids) {
    if (id >= 0 && id < n_vocab()) eog.push_back(id);
  }
  std::sort(eog.begin(), eog.end());
  eog.erase(std::unique(eog.begin(), eog.end()), eog.end());
  eog_ids_ = eog;
  is_eog_.assign(tokens_.size(), false);
  for (const int32_t id : eog) is_eog_[id] = true;
}

int32_t Tokenizer::lookup(std::string_view text) const { return token_ids_.find(text); }

bool Tokenizer::is_eog(int32_t id) const {
  return id >= 0 && id < n_vocab() && is_eog_[id];
}

std::optional<int32_t> Tokenizer::find_token(std::string_view text) const {
  const int32_t id = lookup(text);
  if (id < 0) return std::nullopt;
  return id;
}

const std::string& Tokenizer::token_text(int32_t id) const {
  if (id < 0 || id >= n_vocab()) {
    throw Error("token id " + std::to_string(id) + " is outside the vocabulary of " +
                std::to_string(n_vocab()));
  }
  return tokens_[id];
}

TokenType Tokenizer::token_type(int32_t id) const {
  token_text(id);  // range check
  return types_[id];
}

std::string Tokenizer::token_to_piece(int32_t id, bool render_special) const {
  const std::string& text = token_text(id);
  switch (types_[id]) {
    case TokenType::kControl:
    case TokenType::kUnknown:
    case TokenType::kUnused:
      return render_special ? text : std::string();
    case TokenType::kByte:
      if (const int b = parse_byte_token(text); b >= 0) return std::string(1, static_cast<char>(b));
      return text;
    case TokenType::kUserDefined:
      // User-defined texts are literal; in ▁-escaped vocabularies a ▁ in
      // them still stands for a space (as Hugging Face decodes them).
      return spec_.escape_spaces ? unescape_spaces(text) : text;
    default:
      if (spec_.byte_level) return byte_level_decode(text);
      if (spec_.escape_spaces) return unescape_spaces(text);
      return text;
  }
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool render_special) const {
  std::string out;
  bool fragment_start = true;   // where the encoder would have added a space prefix
  for (const int32_t id : ids) {
    std::string piece = token_to_piece(id, render_special);
    const bool special = is_special_type(types_[id]);
    if (spec_.add_space_prefix && fragment_start && !special && !piece.empty()) {
      if (piece[0] == ' ') piece.erase(0, 1);
      fragment_start = false;
    }
    if (special) fragment_start = true;
    out += piece;
  }
  return out;
}

std::string Utf8StreamDecoder::push(std::string_view piece) {
  held_.append(piece);
  const size_t keep = tok::utf8_incomplete_tail(held_);
  std::string ready = held_.substr(0, held_.size() - keep);
  held_.erase(0, held_.size() - keep);
  return ready;
}

std::string Utf8StreamDecoder::flush() {
  std::string rest;
  rest.swap(held_);
  return rest;
}

}  // namespace edgelm
