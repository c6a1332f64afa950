// Benchmark support: per-token cost from the tensor list, the machine probe,
// and a timing context that rewinds to a filled depth between repetitions.
#include "edgelm/bench.h"
#include "api/internals.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <random>

#include "api/model_impl.h"
#include "kernels/util/probe.h"
#include "kernels/util/profile.h"
#include "memory/state.h"

namespace edgelm {
namespace {

using models::LayerKind;

// "blk.12.attn_k.weight" -> 12 and "attn_k.weight"; -1 outside the blocks.
int block_index(const std::string& name, std::string* suffix) {
  if (name.rfind("blk.", 0) != 0) return -1;
  const size_t dot = name.find('.', 4);
  if (dot == std::string::npos || dot == 4 || dot > 10) return -1;
  int index = 0;
  for (size_t i = 4; i < dot; ++i) {
    if (name[i] < '0' || name[i] > '9') return -1;
    index = index * 10 + (name[i] - '0');
  }
  *suffix = name.substr(dot + 1);
  return index;
}

bool shares_kv(LayerKind k) { return k == LayerKind::SharedFull || k == LayerKind::SharedSliding; }
bool slides(LayerKind k) { return k == LayerKind::Sliding || k == LayerKind::SharedSliding; }

// Whether the model runs this tensor. The loaders accept two kinds of tensors
// they never run: blocks past the trunk (Qwen 3.5's multi-token-prediction
// block) and the K/V projections of layers that reuse an earlier layer's cache
// (Gemma 4). Everything else in a loadable file is used.
bool runs_tensor(const std::string& name, const models::HParams& hp) {
  std::string suffix;
  const int block = block_index(name, &suffix);
  if (block < 0) return true;
  if (block >= hp.n_layer) return false;
  if (shares_kv(hp.layer_kinds.at(block)))
    return suffix != "attn_k.weight" && suffix != "attn_v.weight" && suffix != "attn_k_norm.weight";
  return true;
}

// Tables read one row per token by look-up, never as a whole.
bool gathered_table(const std::string& name, bool separate_head) {
  return name == "per_layer_token_embd.weight" || (name == "token_embd.weight" && separate_head);
}

bool is_float_type(GgmlType t) {
  return t == GgmlType::F32 || t == GgmlType::F16 || t == GgmlType::BF16 || t == GgmlType::F64;
}

void add_weights(const models::Model& net, TokenCost& cost) {
  const gguf::File& file = net.file();
  const bool separate_head = file.find_tensor("output.weight") != nullptr;
  std::map<GgmlType, uint64_t> matrix_bytes;
  for (const gguf::TensorInfo& t : file.tensors()) {
    if (!runs_tensor(t.name, net.hparams()) || gathered_table(t.name, separate_head)) continue;
    cost.weight_bytes += t.nbytes;
    if (t.n_dims < 2) continue;   // norms and biases: bytes, but no matmul work
    cost.weight_macs += static_cast<uint64_t>(t.n_elements());
    matrix_bytes[t.type] += t.nbytes;
  }
  const auto most = std::max_element(matrix_bytes.begin(), matrix_bytes.end(),
                                     [](const auto& a, const auto& b) { return a.second < b.second; });
  if (most != matrix_bytes.end()) {
    cost.weight_type = type_name(static_cast<uint32_t>(most->first));
    cost.float_weights = is_float_type(most->first);
  }
}

// The layer whose cache layer i reads: itself, or for a shared-KV layer the
// last earlier layer of the same kind (sliding or full) that holds a cache.
int kv_owner(const std::vector<memory::LayerMemorySpec>& specs, const models::HParams& hp, int i) {
  if (specs[i].kind == memory::LayerMemorySpec::Kind::Kv) return i;
  for (int j = i - 1; j >= 0; --j)
    if (specs[j].kind == memory::LayerMemorySpec::Kind::Kv && slides(hp.layer_kinds[j]) == slides(hp.layer_kinds[i]))
      return j;
  return -1;
}

void add_layers(const models::Model& net, kernels::KvType kv_type, TokenCost& cost) {
  const models::HParams& hp = net.hparams();
  const auto specs = net.memory_specs();
  const uint64_t state_elem = sizeof(decltype(memory::RecurrentLayer::state)::value_type);
  for (int i = 0; i < hp.n_layer && i < static_cast<int>(specs.size()); ++i) {
    if (hp.layer_kinds.at(i) == LayerKind::Recurrent) {
      cost.state_bytes += static_cast<uint64_t>(specs[i].conv_floats + specs[i].state_floats) * state_elem;
      cost.state_macs += 3 * static_cast<uint64_t>(specs[i].state_floats);
      continue;
    }
    const int owner = kv_owner(specs, hp, i);
    if (owner < 0) continue;
    const memory::LayerMemorySpec& s = specs[owner];
    // Query heads: the output projection takes n_head * value-head-size inputs.
    const gguf::TensorInfo* wo = net.file().find_tensor("blk." + std::to_string(i) + ".attn_output.weight");
    const int64_t n_head = wo && s.head_dim_v > 0 ? wo->ne[0] / s.head_dim_v : s.n_head_kv;
    TokenCost::AttentionLayer a;
    a.window = s.window;
    a.kv_bytes_per_position = kernels::kv_row_bytes(kv_type, int64_t{s.n_head_kv} * s.head_dim_k) +
                              kernels::kv_row_bytes(kv_type, int64_t{s.n_head_kv} * s.head_dim_v);
    a.macs_per_position = static_cast<uint64_t>(n_head) * (s.head_dim_k + s.head_dim_v);
    cost.attention.push_back(a);
  }
}

// Positions a layer with this window attends to from a token seeing n_visible.
uint64_t seen(const TokenCost::AttentionLayer& a, int64_t n_visible) {
  const int64_t n = a.window > 0 ? std::min(n_visible, a.window) : n_visible;
  return static_cast<uint64_t>(std::max<int64_t>(n, 0));
}

}  // namespace

uint64_t TokenCost::bytes_at(int64_t n_visible) const {
  uint64_t total = weight_bytes + state_bytes;
  for (const AttentionLayer& a : attention) total += a.kv_bytes_per_position * seen(a, n_visible);
  return total;
}

uint64_t TokenCost::macs_at(int64_t n_visible) const {
  uint64_t total = weight_macs + state_macs;
  for (const AttentionLayer& a : attention) total += a.macs_per_position * seen(a, n_visible);
  return total;
}

TokenCost token_cost(const Model& model, KvType kv_type) {
  const models::Model& net = *internals(model).net;
  TokenCost cost;
  add_weights(net, cost);
  add_layers(net, to_kernels(kv_type), cost);
  return cost;
}

MachineLimits probe_machine(int n_threads) {
  if (n_threads < 1) throw Error("the probe needs at least one thread");
  ThreadPool pool(n_threads);
  const kernels::ProbeResult r = kernels::probe_machine(pool);
  MachineLimits m;
  m.cpu = kernels::cpu_model_name();
  m.n_threads = r.n_threads;
  m.read_bytes_per_s = r.read_bytes_per_s;
  m.triad_bytes_per_s = r.triad_bytes_per_s;
  m.int8_ops_per_s = r.int8_ops_per_s;
  m.fp32_flops_per_s = r.fp32_flops_per_s;
  m.int8_isa = r.int8_isa;
  m.fp32_isa = r.fp32_isa;
  return m;
}

std::string cpu_model_name() { return kernels::cpu_model_name(); }

// ---- BenchContext --------------------------------------------------------------

struct BenchContext::Impl {
  Impl(const models::Model& model, const memory::StateOptions& options, int n_threads, bool pin)
      : net(model), ctx(n_threads, pin), state(model.memory_specs(), options), at_depth(state.snapshot()),
        logits(model.hparams().n_vocab) {}

  const models::Model& net;
  models::ForwardContext ctx;
  memory::State state;
  memory::Snapshot at_depth;   // the filled context every timed run starts from
  std::vector<float> logits;

  std::vector<int32_t> random_tokens(int64_t n, uint64_t seed) const {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<int32_t> pick(0, net.hparams().n_vocab - 1);
    std::vector<int32_t> tokens(static_cast<size_t>(n));
    for (int32_t& t : tokens) t = pick(rng);
    return tokens;
  }

  void run(const std::vector<int32_t>& tokens, int64_t step) {
    for (size_t i = 0; i < tokens.size(); i += step) {
      const int n = static_cast<int>(std::min<size_t>(step, tokens.size() - i));
      net.forward(ctx, state, tokens.data() + i, n, logits.data(), false);
    }
  }

  double timed(int n_tokens, uint64_t seed, int64_t step) {
    if (n_tokens < 1) throw Error("a timed test needs at least one token");
    if (at_depth.n_past + n_tokens > state.n_ctx())
      throw Error("context overflow: depth " + std::to_string(at_depth.n_past) + " + " + std::to_string(n_tokens) +
                  " tokens exceed the context size " + std::to_string(state.n_ctx()));
    const std::vector<int32_t> tokens = random_tokens(n_tokens, seed);
    state.restore(at_depth);
    const auto t0 = std::chrono::steady_clock::now();
    run(tokens, step);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    state.restore(at_depth);
    return seconds;
  }
};

BenchContext::BenchContext(const Model& model, const BenchOptions& options) {
  if (options.n_threads < 1 || options.n_threads > 4096)
    throw Error("thread count " + std::to_string(options.n_threads) + " out of range [1, 4096]");
  if (options.n_ctx < 1 || options.n_ctx > (int64_t{1} << 24))
    throw Error("context length " + std::to_string(options.n_ctx) + " out of range [1, 2^24]");
  if (options.n_batch < 1) throw Error("batch size must be at least 1");
  memory::StateOptions so;
  so.n_ctx = options.n_ctx;
  so.max_batch = options.n_batch;
  so.kv_type = to_kernels(options.kv_type);
  so.sparse_topk = std::max(0, options.sparse_topk);
  impl_ = std::make_unique<Impl>(*internals(model).net, so, options.n_threads, options.pin_threads);
}

BenchContext::~BenchContext() = default;

namespace {

// Random rows of the given width, cycled through (the values do not matter
// to what dense attention reads).
struct RandomRows {
  static constexpr int kRows = 251;
  RandomRows(int64_t width, std::mt19937_64& rng) : width(width), values(static_cast<size_t>(width) * kRows) {
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (float& v : values) v = normal(rng);
  }
  const float* row(int64_t i) const { return values.data() + (i % kRows) * width; }
  int64_t width;
  std::vector<float> values;
};

void fill_layer_kv(memory::LayerKv& kv, int64_t depth, std::mt19937_64& rng) {
  const RandomRows keys(kv.k_floats(), rng), values(int64_t{kv.n_head_kv} * kv.head_dim_v, rng);
  // A ring keeps only its last `capacity` positions; start at a group
  // boundary so that 4-bit key groups are written whole.
  int64_t first = kv.ring ? std::max<int64_t>(0, depth - kv.capacity) : 0;
  first -= first % kernels::kKvTile;
  for (int64_t pos = first; pos < depth; ++pos) kv.store(pos, keys.row(pos), values.row(pos * 7 + 3));
}

}  // namespace

void BenchContext::check_depth(int64_t depth) const {
  if (depth < 0 || depth > impl_->state.n_ctx())
    throw Error("depth " + std::to_string(depth) + " does not fit the context size " + std::to_string(impl_->state.n_ctx()));
}

void BenchContext::fill_random(int64_t depth, uint64_t seed) {
  check_depth(depth);
  memory::State& state = impl_->state;
  state.clear();
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> small(0.0f, 0.1f);
  const auto specs = impl_->net.memory_specs();
  for (size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].kind == memory::LayerMemorySpec::Kind::Kv && state.kv(static_cast<int>(i)).capacity > 0) {
      fill_layer_kv(state.kv(static_cast<int>(i)), depth, rng);
    } else if (specs[i].kind == memory::LayerMemorySpec::Kind::Recurrent && depth > 0) {
      memory::RecurrentLayer& r = state.recurrent(static_cast<int>(i));
      for (float& v : r.conv) v = small(rng);
      for (float& v : r.state) v = small(rng);
    }
  }
  state.advance(depth);
  impl_->at_depth = state.snapshot();
}

void BenchContext::fill(int64_t depth, uint64_t seed) {
  check_depth(depth);
  impl_->state.clear();
  impl_->run(impl_->random_tokens(depth, seed), impl_->state.max_batch());
  impl_->at_depth = impl_->state.snapshot();
}

double BenchContext::time_prompt(int n_tokens, uint64_t seed) {
  return impl_->timed(n_tokens, seed, impl_->state.max_batch());
}
double BenchContext::time_generation(int n_tokens, uint64_t seed) { return impl_->timed(n_tokens, seed, 1); }
std::vector<ProfileRow> BenchContext::profile(int n_tokens, uint64_t seed, bool prompt) {
  kernels::profile::take();   // drop anything recorded before
  kernels::profile::set_enabled(true);
  try {
    impl_->timed(n_tokens, seed, prompt ? impl_->state.max_batch() : 1);
  } catch (...) {
    kernels::profile::set_enabled(false);
    throw;
  }
  kernels::profile::set_enabled(false);
  std::vector<ProfileRow> rows;
  for (const kernels::profile::Row& r : kernels::profile::take())
    rows.push_back({r.section, r.op, r.calls, r.seconds, r.bytes});
  return rows;
}

int64_t BenchContext::depth() const { return impl_->at_depth.n_past; }
int64_t BenchContext::context_size() const { return impl_->state.n_ctx(); }
const std::vector<float>& BenchContext::last_logits() const { return impl_->logits; }

}  // namespace edgelm
