#include "edgelm/edgelm.h"
#include "gguf/gguf.h"
#include "tokenizer/tokenizer.h"

namespace edgelm {

struct Vocabulary::Impl {
  std::unique_ptr<Tokenizer> tokenizer;
};

Vocabulary::Vocabulary(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Vocabulary::~Vocabulary() = default;

std::unique_ptr<Vocabulary> Vocabulary::from_model_file(const std::string& gguf_path) {
  auto impl = std::make_unique<Impl>();
  impl->tokenizer = Tokenizer::from_gguf(*gguf::File::open(gguf_path));
  return std::unique_ptr<Vocabulary>(new Vocabulary(std::move(impl)));
}

std::unique_ptr<Vocabulary> Vocabulary::from_hf_json(const std::string& tokenizer_json_path) {
  auto impl = std::make_unique<Impl>();
  impl->tokenizer = Tokenizer::from_hf_json(tokenizer_json_path);
  return std::unique_ptr<Vocabulary>(new Vocabulary(std::move(impl)));
}

std::vector<int32_t> Vocabulary::encode(std::string_view text, bool add_special, bool parse_special) const {
  return impl_->tokenizer->encode(text, add_special, parse_special);
}

std::string Vocabulary::decode(std::span<const int32_t> tokens) const {
  return impl_->tokenizer->decode(std::vector<int32_t>(tokens.begin(), tokens.end()));
}

std::string Vocabulary::piece(int32_t token) const { return impl_->tokenizer->token_to_piece(token); }

int Vocabulary::n_vocab() const { return impl_->tokenizer->n_vocab(); }

}  // namespace edgelm
