#include <algorithm>
#include <thread>

#include "api/model_impl.h"
#include "api/internals.h"
#include "memory/snapshot_cache.h"
#include "memory/state.h"

namespace edgelm {

struct Session::Impl {
  Impl(const models::Model& net, const memory::StateOptions& options, int n_threads, bool pin, size_t snapshot_bytes)
      : ctx(n_threads, pin), state(net.memory_specs(), options), snapshots(snapshot_bytes) {}
  models::ForwardContext ctx;
  memory::State state;
  memory::SnapshotCache snapshots;
  std::vector<int32_t> history;   // tokens[0..n_past) of the live state
  std::vector<float> logits;
  std::vector<float> batch_logits;   // decode_together's rows when this session leads
  int n_batch = 512;
};

namespace {

int default_threads() {
  const unsigned hw = std::thread::hardware_concurrency();
  return hw ? static_cast<int>(hw) : 1;
}

}  // namespace

Session::Session(const Model& model, const SessionOptions& options) : model_(model) {
  const models::Model& net = *internals(model).net;
  int64_t n_ctx = options.n_ctx;
  if (n_ctx <= 0) n_ctx = std::min<int64_t>(net.hparams().n_ctx_train > 0 ? net.hparams().n_ctx_train : 4096, 4096);
  if (n_ctx > (int64_t{1} << 24)) throw Error("context length " + std::to_string(n_ctx) + " is too large");
  memory::StateOptions so;
  so.n_ctx = n_ctx;
  so.max_batch = std::max(1, options.n_batch);
  so.sparse_topk = std::max(0, options.sparse_attention_topk);
  so.kv_type = to_kernels(options.kv_type);
  impl_ = std::make_unique<Impl>(net, so, options.n_threads > 0 ? options.n_threads : default_threads(),
                                 options.pin_threads, options.snapshot_budget_bytes);
  impl_->n_batch = so.max_batch;
  impl_->ctx.activations = net.make_activations(so.max_batch);   // named activations, sized once
  net.prepack(impl_->ctx.pool);   // once per model: later sessions find the packings ready
}

Session::~Session() = default;

const char* kv_type_name(KvType type) { return kernels::kv_type_name(to_kernels(type)); }

KvType parse_kv_type(std::string_view name) {
  for (KvType t : {KvType::F32, KvType::F16, KvType::Q8_0, KvType::Q4})
    if (name == kv_type_name(t)) return t;
  throw Error("unknown KV cache type '" + std::string(name) + "' (available: f32, f16, q8_0, q4)");
}

// Forward calls never exceed the batch size the sliding-window rings were sized for.
size_t Session::batch_size(int chunk) const {
  return static_cast<size_t>(chunk > 0 ? std::min(chunk, impl_->n_batch) : impl_->n_batch);
}

void Session::run(std::span<const int32_t> tokens, int chunk, float* logits, bool all_logits) {
  const models::Model& net = *internals(model_).net;
  if (tokens.empty()) throw Error("no tokens to process");
  if (impl_->state.n_past() + static_cast<int64_t>(tokens.size()) > impl_->state.n_ctx())
    throw Error("context overflow: " + std::to_string(impl_->state.n_past() + tokens.size()) +
                " tokens exceed the context size " + std::to_string(impl_->state.n_ctx()));
  const int n_vocab = net.hparams().n_vocab;
  const size_t step = batch_size(chunk);
  for (size_t i = 0; i < tokens.size(); i += step) {
    const int n = static_cast<int>(std::min(step, tokens.size() - i));
    net.forward(impl_->ctx, impl_->state, tokens.data() + i, n, all_logits ? logits + i * n_vocab : logits, all_logits);
    impl_->history.insert(impl_->history.end(), tokens.begin() + i, tokens.begin() + i + n);
  }
}

std::vector<float> Session::eval_all(std::span<const int32_t> tokens, int chunk) {
  std::vector<float> out(tokens.size() * static_cast<size_t>(model_.info().n_vocab));
  run(tokens, chunk, out.data(), true);
  return out;
}

std::span<const float> Session::prefill(std::span<const int32_t> tokens, int chunk) {
  impl_->logits.resize(model_.info().n_vocab);
  run(tokens, chunk, impl_->logits.data(), false);
  return impl_->logits;
}

std::span<const float> Session::decode(int32_t token) { return prefill(std::span<const int32_t>(&token, 1)); }

std::vector<std::span<const float>> decode_together(std::span<Session* const> sessions, std::span<const int32_t> tokens) {
  if (sessions.size() != tokens.size()) throw Error("decode_together: one token per session");
  if (sessions.empty()) return {};
  if (sessions.size() == 1) return {sessions[0]->decode(tokens[0])};
  Session& lead = *sessions[0];
  const models::Model& net = *internals(lead.model_).net;
  if (static_cast<int>(sessions.size()) > lead.impl_->n_batch)
    throw Error("decode_together: more sessions than the first one's batch size");
  std::vector<models::Segment> segments;
  for (size_t i = 0; i < sessions.size(); ++i) {
    Session& s = *sessions[i];
    if (&s.model_ != &lead.model_) throw Error("decode_together: the sessions must share one model");
    if (s.impl_->state.n_past() + 1 > s.impl_->state.n_ctx()) throw Error("context overflow in decode_together");
    segments.push_back({&s.impl_->state, static_cast<int>(i), 1});
  }
  const size_t V = static_cast<size_t>(net.hparams().n_vocab);
  lead.impl_->batch_logits.resize(sessions.size() * V);
  net.forward_batch(lead.impl_->ctx, segments, tokens.data(), static_cast<int>(tokens.size()),
                    lead.impl_->batch_logits.data(), false);
  std::vector<std::span<const float>> out;
  for (size_t i = 0; i < sessions.size(); ++i) {
    Session& s = *sessions[i];
    s.impl_->history.push_back(tokens[i]);
    s.impl_->logits.assign(lead.impl_->batch_logits.begin() + static_cast<std::ptrdiff_t>(i * V),
                           lead.impl_->batch_logits.begin() + static_cast<std::ptrdiff_t>((i + 1) * V));
    out.emplace_back(s.impl_->logits);
  }
  return out;
}

std::span<const float> Session::prefill_cached(std::span<const int32_t> tokens, PrefixReuse* info) {
  if (tokens.empty()) throw Error("no tokens to process");
  const std::vector<int32_t> prompt(tokens.begin(), tokens.end());
  memory::State& state = impl_->state;
  // Keep at least one token to run: its logits are the result.
  const int64_t shared = std::min<int64_t>(memory::common_prefix(impl_->history, prompt), prompt.size() - 1);
  int64_t start = shared;
  if (shared < state.n_past()) {
    if (state.can_truncate()) {
      state.truncate(shared);
    } else if (const memory::Snapshot* snap = impl_->snapshots.best(prompt, shared)) {
      state.restore(*snap);
      start = snap->n_past;
    } else {
      state.clear();
      start = 0;
    }
    impl_->history.resize(start);
  }
  std::span<const float> logits = prefill(tokens.subspan(start));
  if (!state.can_truncate()) impl_->snapshots.put(state, impl_->history);
  if (info) {
    info->reused_tokens = start;
    info->processed_tokens = static_cast<int64_t>(prompt.size()) - start;
  }
  return logits;
}

void Session::checkpoint() {
  if (!impl_->state.can_truncate()) impl_->snapshots.put(impl_->state, impl_->history);
}

int64_t Session::position() const { return impl_->state.n_past(); }
int64_t Session::context_size() const { return impl_->state.n_ctx(); }
const std::vector<int32_t>& Session::history() const { return impl_->history; }
size_t Session::state_bytes() const { return impl_->state.bytes(); }

void Session::reset() {
  impl_->state.clear();
  impl_->history.clear();
}

void Session::set_activation_tap(ActivationTap tap) { impl_->ctx.tap = std::move(tap); }

void Session::save(const std::string& path) const {
  impl_->state.save(path, impl_->history, model_.info().fingerprint);
}

void Session::load(const std::string& path) {
  const memory::StateFileKey key{model_.info().fingerprint, model_.info().n_vocab};
  try {
    impl_->history = impl_->state.load(path, key);
  } catch (...) {
    if (impl_->state.n_past() == 0) impl_->history.clear();  // the state was reset (see State::load)
    throw;
  }
}

}  // namespace edgelm
