#include <algorithm>
#include <thread>

#include "api/model_impl.h"
#include "memory/state.h"

namespace edgelm {

struct Session::Impl {
  Impl(const models::Model& net, const memory::StateOptions& options, int n_threads)
      : ctx(n_threads), state(net.memory_specs(), options) {}
  models::ForwardContext ctx;
  memory::State state;
  std::vector<float> logits;
  int n_batch = 512;
};

namespace {

int default_threads() {
  const unsigned hw = std::thread::hardware_concurrency();
  return hw ? static_cast<int>(hw) : 1;
}

}  // namespace

Session::Session(const Model& model, const SessionOptions& options) : model_(model) {
  const models::Model& net = *model.impl().net;
  int64_t n_ctx = options.n_ctx;
  if (n_ctx <= 0) n_ctx = std::min<int64_t>(net.hparams().n_ctx_train > 0 ? net.hparams().n_ctx_train : 4096, 4096);
  if (n_ctx > (int64_t{1} << 24)) throw Error("context length " + std::to_string(n_ctx) + " is too large");
  memory::StateOptions so;
  so.n_ctx = n_ctx;
  so.max_batch = std::max(1, options.n_batch);
  if (!kernels::parse_kv_type(options.kv_type.c_str(), &so.kv_type))
    throw Error("unknown KV cache type '" + options.kv_type + "' (available: f32, f16, q8_0)");
  impl_ = std::make_unique<Impl>(net, so, options.n_threads > 0 ? options.n_threads : default_threads());
  impl_->n_batch = so.max_batch;
}

Session::~Session() = default;

// Forward calls never exceed the batch size the sliding-window rings were sized for.
size_t Session::batch_size(int chunk) const {
  return static_cast<size_t>(chunk > 0 ? std::min(chunk, impl_->n_batch) : impl_->n_batch);
}

std::vector<float> Session::eval_all(std::span<const int32_t> tokens, int chunk) {
  const models::Model& net = *model_.impl().net;
  const int n_vocab = net.hparams().n_vocab;
  if (impl_->state.n_past() + static_cast<int64_t>(tokens.size()) > impl_->state.n_ctx())
    throw Error("context overflow: " + std::to_string(impl_->state.n_past() + tokens.size()) +
                " tokens exceed the context size " + std::to_string(impl_->state.n_ctx()));
  std::vector<float> out(tokens.size() * static_cast<size_t>(n_vocab));
  const size_t step = batch_size(chunk);
  for (size_t i = 0; i < tokens.size(); i += step) {
    const int n = static_cast<int>(std::min(step, tokens.size() - i));
    net.forward(impl_->ctx, impl_->state, tokens.data() + i, n, out.data() + i * n_vocab, true);
  }
  return out;
}

std::span<const float> Session::prefill(std::span<const int32_t> tokens, int chunk) {
  const models::Model& net = *model_.impl().net;
  const int n_vocab = net.hparams().n_vocab;
  if (tokens.empty()) throw Error("prefill needs at least one token");
  if (impl_->state.n_past() + static_cast<int64_t>(tokens.size()) > impl_->state.n_ctx())
    throw Error("context overflow: " + std::to_string(impl_->state.n_past() + tokens.size()) +
                " tokens exceed the context size " + std::to_string(impl_->state.n_ctx()));
  impl_->logits.resize(n_vocab);
  const size_t step = batch_size(chunk);
  for (size_t i = 0; i < tokens.size(); i += step) {
    const int n = static_cast<int>(std::min(step, tokens.size() - i));
    net.forward(impl_->ctx, impl_->state, tokens.data() + i, n, impl_->logits.data(), false);
  }
  return impl_->logits;
}

std::span<const float> Session::decode(int32_t token) { return prefill(std::span<const int32_t>(&token, 1)); }

int64_t Session::position() const { return impl_->state.n_past(); }
int64_t Session::context_size() const { return impl_->state.n_ctx(); }
void Session::reset() { impl_->state.clear(); }

}  // namespace edgelm
