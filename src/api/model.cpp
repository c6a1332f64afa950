#include <cstdio>

#include "api/model_impl.h"
#include "tensor/types.h"

namespace edgelm {

namespace {

ModelInfo describe(const models::Model& net) {
  ModelInfo info;
  const models::HParams& hp = net.hparams();
  info.architecture = hp.arch;
  info.name = net.file().get_string("general.name").value_or("");
  info.fingerprint = net.file().header_fingerprint();
  if (auto ftype = net.file().get_u32("general.file_type")) info.file_type = file_type_name(*ftype);
  info.n_vocab = hp.n_vocab;
  info.n_embd = hp.n_embd;
  info.n_layer = hp.n_layer;
  info.n_ctx_train = hp.n_ctx_train;
  info.weight_bytes = net.weight_bytes();
  for (const gguf::TensorInfo& t : net.file().tensors()) info.n_params += static_cast<uint64_t>(t.n_elements());
  return info;
}

}  // namespace

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;

std::unique_ptr<Model> Model::load(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  impl->net = models::Model::load(path);
  impl->tokenizer = Tokenizer::from_gguf(impl->net->file());
  if (impl->tokenizer->n_vocab() != impl->net->hparams().n_vocab)
    throw Error("tokenizer has " + std::to_string(impl->tokenizer->n_vocab()) + " tokens but the model has " +
                std::to_string(impl->net->hparams().n_vocab) + " embedding rows");
  impl->info = describe(*impl->net);
  return std::unique_ptr<Model>(new Model(std::move(impl)));
}

const ModelInfo& Model::info() const { return impl_->info; }

std::vector<int32_t> Model::tokenize(std::string_view text, bool add_special, bool parse_special) const {
  return impl_->tokenizer->encode(text, add_special, parse_special);
}

std::string Model::token_to_piece(int32_t token) const { return impl_->tokenizer->token_to_piece(token); }

std::string Model::detokenize(std::span<const int32_t> tokens) const {
  return impl_->tokenizer->decode(std::vector<int32_t>(tokens.begin(), tokens.end()));
}

bool Model::is_end_of_generation(int32_t token) const { return impl_->tokenizer->is_eog(token); }

int32_t Model::bos_token() const { return impl_->tokenizer->bos_id(); }

}  // namespace edgelm
