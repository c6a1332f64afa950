// Text <-> token ids for the vocabularies of GGUF models (docs/FORMATS.md §3):
// SentencePiece-style score merges ("llama"), byte-level BPE ("gpt2"), the
// Gemma 4 BPE ("gemma4"), and Hugging Face tokenizer.json files of the same
// kinds. Tokenizers are immutable after construction and safe to share
// between threads.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/lookup_tables.h"
#include "tokenizer/pretokenize.h"
#include "tokenizer/special_tokens.h"

namespace edgelm {

namespace gguf {
class File;
}

// GGUF token types (tokenizer.ggml.token_type).
enum class TokenType : uint8_t {
  kUndefined = 0, kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6,
};

// Everything a Tokenizer is built from. The loaders fill it from a GGUF file
// or a tokenizer.json; tests may build or patch one directly.
struct TokenizerSpec {
  enum class Algorithm : uint8_t {
    kSpm,  // merge the adjacent pair whose result has the highest score
    kBpe,  // apply ranked merges, lowest rank first
  };
  Algorithm algorithm = Algorithm::kSpm;
  bool byte_level = false;         // GPT-2 byte <-> code point mapping of token texts
  bool escape_spaces = false;      // space is written U+2581 in token texts
  bool add_space_prefix = false;   // SPM: a space before text at the start / after a special token
  bool ignore_merges = false;      // BPE: a word that is a token is emitted whole
  bool byte_fallback = false;      // unknown pieces become <0xXX> byte tokens
  bool nfc = false;                // normalize raw text to NFC first (Hugging Face normalizer)
  PreTokenizer pre = PreTokenizer::kNone;

  std::vector<std::string> tokens;   // text of each id
  std::vector<TokenType> types;      // per id; empty means all normal
  std::vector<float> scores;         // SPM merge priorities; empty means all 0
  std::vector<std::pair<std::string, std::string>> merges;  // BPE; index = rank

  int32_t bos_id = -1, eos_id = -1, unk_id = -1, eot_id = -1, eom_id = -1, pad_id = -1;
  int32_t fim_pad_id = -1, fim_rep_id = -1, fim_sep_id = -1;
  bool add_bos = false, add_eos = false;
  std::vector<int32_t> extra_eog_ids;  // tokenizer.ggml.eos_token_ids
  std::string chat_template;
};

// Reads the tokenizer.ggml.* metadata (docs/FORMATS.md §3.1). Throws edgelm::Error.
TokenizerSpec tokenizer_spec_from_gguf(const gguf::File& f);
// Reads a Hugging Face tokenizer.json (and tokenizer_config.json beside it, if
// present). Supports the BPE model with the normalizers and pre-tokenizers of
// the Gemma 3 and Qwen 2/3 families. Throws edgelm::Error.
TokenizerSpec tokenizer_spec_from_hf_json(const std::string& tokenizer_json_path);

// A part of a prompt with its own special-token policy: rendered template
// text may produce control tokens, user text should not (docs/FORMATS.md §3.3).
struct TextSpan {
  std::string_view text;
  bool parse_special = true;
};

class Tokenizer {
 public:
  static std::unique_ptr<Tokenizer> from_gguf(const gguf::File& f);
  static std::unique_ptr<Tokenizer> from_hf_json(const std::string& tokenizer_json_path);
  // Validates the spec (throws edgelm::Error) and builds the look-up tables.
  explicit Tokenizer(TokenizerSpec spec);
  Tokenizer(const Tokenizer&) = delete;   // the look-up tables point into the token vector
  Tokenizer& operator=(const Tokenizer&) = delete;

  // Text to ids. add_special adds BOS/EOS as the vocabulary asks; with
  // parse_special, the texts of control tokens become those tokens
  // (user-defined tokens are always matched).
  std::vector<int32_t> encode(std::string_view text, bool add_special, bool parse_special = true) const;
  // Spans are tokenized as one text; each span's special tokens are matched
  // only by its own policy, and never across a span border.
  std::vector<int32_t> encode_spans(const std::vector<TextSpan>& spans, bool add_special) const;
  // Byte ranges [begin, end) of `text` that encode() with parse_special would
  // turn into control tokens (user-defined tokens, matched anyway, excluded).
  std::vector<std::pair<size_t, size_t>> control_token_ranges(std::string_view text) const;

  // The bytes one token stands for (may be part of a UTF-8 sequence). Control
  // and unknown tokens are empty unless render_special. Throws on a bad id.
  std::string token_to_piece(int32_t id, bool render_special = false) const;
  // Concatenated pieces; with add_space_prefix, the space the encoder put
  // before a text fragment (at the start or after a special token) is removed.
  std::string decode(const std::vector<int32_t>& ids, bool render_special = false) const;

  int32_t n_vocab() const { return static_cast<int32_t>(tokens_.size()); }
  int32_t bos_id() const { return spec_.bos_id; }  // -1 if none
  int32_t eos_id() const { return spec_.eos_id; }
  int32_t eot_id() const { return spec_.eot_id; }
  int32_t unk_id() const { return spec_.unk_id; }
  int32_t pad_id() const { return spec_.pad_id; }
  bool add_bos() const { return spec_.add_bos && spec_.bos_id >= 0; }
  bool add_eos() const { return spec_.add_eos && spec_.eos_id >= 0; }
  bool is_eog(int32_t id) const;
  const std::vector<int32_t>& eog_ids() const { return eog_ids_; }  // sorted
  const std::string& chat_template() const { return spec_.chat_template; }
  bool add_space_prefix() const { return spec_.add_space_prefix; }
  PreTokenizer pre_tokenizer() const { return spec_.pre; }

  std::optional<int32_t> find_token(std::string_view text) const;
  const std::string& token_text(int32_t id) const;
  TokenType token_type(int32_t id) const;

 private:
  void check_spec() const;
  void build_tables();
  void detect_special_ids();
  void build_eog_set();
  int32_t lookup(std::string_view text) const;   // -1 if absent

  void encode_fragment(std::string_view text, bool after_special, std::vector<int32_t>& out) const;
  void encode_spm(std::string_view text, std::vector<int32_t>& out) const;
  void encode_bpe_word(std::string_view word, std::vector<int32_t>& out) const;
  void emit_unknown(std::string_view symbol, std::vector<int32_t>& out) const;

  TokenizerSpec spec_;   // settings; its tables are moved into the members below
  std::vector<std::string> tokens_;
  std::vector<TokenType> types_;
  std::vector<float> scores_;
  tok::TokenIndex token_ids_;   // text -> id, over tokens_
  tok::MergeTable merges_;      // BPE: (left, right) -> rank and result
  std::array<int32_t, 256> byte_tokens_{};   // id of <0xXX> per byte, or -1
  tok::SpecialTokenMatcher specials_;
  std::vector<int32_t> eog_ids_;
  std::vector<bool> is_eog_;
};

// Turns a stream of token pieces into text that never ends inside a UTF-8
// sequence: an incomplete trailing sequence is held back until it completes.
class Utf8StreamDecoder {
 public:
  // Appends a piece; returns the text that is now complete.
  std::string push(std::string_view piece);
  // Returns whatever is held back (possibly an incomplete sequence).
  std::string flush();
  size_t pending() const { return held_.size(); }

 private:
  std::string held_;
};

}  // namespace edgelm
