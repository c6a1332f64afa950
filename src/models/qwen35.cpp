// Qwen3.5 (dense): a hybrid stack where every `full_attention_interval`-th
// layer is gated softmax attention and the others are gated delta-nets; each
// layer is followed by a SwiGLU FFN. A trailing MTP ("next-n") block may be
// stored in the file and is skipped. docs/ARCHITECTURES.md §2.5 and §4.
#include <cmath>
#include <cstring>
#include <limits>

#include "edgelm/error.h"
#include "models/blocks.h"
#include "models/delta_net.h"

namespace edgelm::models {

using namespace tensor_names;
namespace {

// Each key's own range is checked as it is read (Metadata, loader.cpp); what
// follows checks only how qwen35's keys relate to each other.
constexpr int64_t kMaxStateFloats = int64_t{1} << 26;   // recurrent state per layer (256 MiB)

int64_t in_range(const Metadata& meta, const std::string& suffix, int64_t v, int64_t lo, int64_t hi) {
  if (v < lo || v > hi)
    throw Error("metadata key '" + meta.key(suffix) + "' = " + std::to_string(v) + " is out of range [" +
                std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return v;
}

// Everything the forward pass needs from the metadata, validated.
struct Config {
  int n_embd = 0;
  int n_layer = 0;          // trunk layers (block_count minus MTP blocks)
  int n_layer_all = 0;      // block_count
  int64_t n_ctx_train = 0;
  float eps = 0.0f;
  std::vector<bool> recurrent;
  std::vector<int64_t> n_head, n_head_kv, n_ff;   // per trunk layer
  int head_dim = 0;
  int n_rot = 0;
  float rope_base = 0.0f;
  float rope_freq_scale = 1.0f;
  std::vector<int64_t> rope_sections;
  DeltaNetShape delta;
};

// Layer kinds: an explicit bool array if present, else the interval rule
// (layer i is full attention iff (i + 1) % interval == 0).
std::vector<bool> read_layer_kinds(const Metadata& meta, int n_layer_all, int n_layer) {
  const std::string key = "attention.recurrent_layers";
  if (meta.has(key)) {
    std::vector<bool> kinds = *meta.file().get_bool_array(meta.key(key));
    if (static_cast<int>(kinds.size()) != n_layer_all && static_cast<int>(kinds.size()) != n_layer)
      throw Error("metadata key '" + meta.key(key) + "' has " + std::to_string(kinds.size()) +
                  " entries, expected one per layer (" + std::to_string(n_layer_all) + ")");
    kinds.resize(n_layer);
    return kinds;
  }
  const int64_t interval = meta.opt_int("full_attention_interval", 4);
  std::vector<bool> kinds(n_layer);
  for (int i = 0; i < n_layer; ++i) kinds[i] = (i + 1) % interval != 0;
  return kinds;
}

DeltaNetShape read_delta_net_shape(const Metadata& meta) {
  DeltaNetShape s;
  s.conv_kernel = static_cast<int>(in_range(meta, "ssm.conv_kernel", meta.req_int("ssm.conv_kernel"), 4, 4));
  s.d_k = static_cast<int>(meta.req_int("ssm.state_size"));
  s.n_k_heads = static_cast<int>(meta.req_int("ssm.group_count"));
  s.n_v_heads = static_cast<int>(meta.req_int("ssm.time_step_rank"));
  const int64_t inner = meta.req_int("ssm.inner_size");
  if (s.n_v_heads % s.n_k_heads != 0)
    throw Error("metadata key '" + meta.key("ssm.time_step_rank") + "' (" + std::to_string(s.n_v_heads) +
                ") is not a multiple of '" + meta.key("ssm.group_count") + "' (" + std::to_string(s.n_k_heads) + ")");
  if (inner != static_cast<int64_t>(s.n_v_heads) * s.d_k)
    throw Error("metadata key '" + meta.key("ssm.inner_size") + "' (" + std::to_string(inner) +
                ") must equal time_step_rank x state_size (" + std::to_string(int64_t{s.n_v_heads} * s.d_k) + ")");
  s.d_v = s.d_k;
  const int64_t state = static_cast<int64_t>(s.n_v_heads) * s.d_k * s.d_v;
  if (state > kMaxStateFloats)
    throw Error("metadata keys '" + meta.key("ssm.*") + "' describe an implausibly large recurrent state (" +
                std::to_string(state) + " floats per layer)");
  return s;
}

// Head counts, head size and RoPE of the full-attention layers.
void read_attention_config(const Metadata& meta, Config& c) {
  auto trunk = [&](std::vector<int64_t> v) { return std::vector<int64_t>(v.begin(), v.begin() + c.n_layer); };
  c.n_head = trunk(meta.per_layer_int("attention.head_count", c.n_layer_all, std::nullopt));
  c.n_head_kv = meta.has("attention.head_count_kv")
                    ? trunk(meta.per_layer_int("attention.head_count_kv", c.n_layer_all, std::nullopt))
                    : c.n_head;
  c.n_ff = trunk(meta.per_layer_int("feed_forward_length", c.n_layer_all, std::nullopt));
  int64_t first_heads = 0;
  for (int i = 0; i < c.n_layer; ++i) {
    if (c.recurrent[i]) continue;
    const int64_t H = c.n_head[i];
    const int64_t Hkv = in_range(meta, "attention.head_count_kv", c.n_head_kv[i], 1, H);
    if (H % Hkv != 0)
      throw Error("layer " + std::to_string(i) + ": '" + meta.key("attention.head_count") + "' (" +
                  std::to_string(H) + ") is not a multiple of 'head_count_kv' (" + std::to_string(Hkv) + ")");
    if (!first_heads) first_heads = H;
  }
  const int64_t default_dim = first_heads ? c.n_embd / first_heads : 0;
  if (!meta.has("attention.key_length") && default_dim < 1)
    throw Error("missing metadata key '" + meta.key("attention.key_length") + "' (embedding_length / head_count is 0)");
  c.head_dim = static_cast<int>(meta.opt_int("attention.key_length", std::max<int64_t>(default_dim, 1)));
  if (meta.opt_int("attention.value_length", c.head_dim) != c.head_dim)
    throw Error("metadata key '" + meta.key("attention.value_length") + "' differs from key_length (unsupported)");
  c.n_rot = static_cast<int>(
      in_range(meta, "rope.dimension_count", meta.opt_int("rope.dimension_count", c.head_dim), 2, c.head_dim));
  if (c.n_rot % 2 != 0) throw Error("metadata key '" + meta.key("rope.dimension_count") + "' must be even");
  c.rope_base = meta.opt_float("rope.freq_base", 10000.0f);
  c.rope_freq_scale = read_rope_freq_scale(meta);

  const std::string sections = meta.key("rope.dimension_sections");
  auto values = meta.file().get_int_array(sections);
  if (!values) throw Error("missing metadata key '" + sections + "'");
  if (values->size() != 4)
    throw Error("metadata key '" + sections + "' has " + std::to_string(values->size()) + " entries, expected 4");
  int64_t total = 0;
  for (int64_t v : *values) total += in_range(meta, "rope.dimension_sections", v, 0, c.head_dim);
  if (total < 1 || total > c.head_dim)
    throw Error("metadata key '" + sections + "' sums to " + std::to_string(total) + ", expected 1.." +
                std::to_string(c.head_dim));
  c.rope_sections = *values;
}

Config read_config(const gguf::File& file) {
  Metadata meta(file, "qwen35");
  Config c;
  c.n_embd = static_cast<int>(meta.req_int("embedding_length"));
  c.n_layer_all = static_cast<int>(meta.req_int("block_count"));
  const int n_nextn = static_cast<int>(
      in_range(meta, "nextn_predict_layers", meta.opt_int("nextn_predict_layers", 0), 0, c.n_layer_all - 1));
  c.n_layer = c.n_layer_all - n_nextn;
  if (n_nextn > 0 && !file.find_tensor(blk(0, kAttnNorm)))
    throw Error("file holds only an MTP (next-n) block, not a main qwen35 model (no 'blk.0.attn_norm.weight')");
  c.n_ctx_train = meta.req_int("context_length");
  c.eps = meta.req_float("attention.layer_norm_rms_epsilon");
  c.recurrent = read_layer_kinds(meta, c.n_layer_all, c.n_layer);
  read_attention_config(meta, c);
  c.delta = read_delta_net_shape(meta);
  return c;
}

// Text-only IMROPE (§1.5): pair i takes its angle from stream t, h or w —
// all equal to the token position — when the interleaved sections cover it,
// otherwise from the 4th stream, whose position is 0 for text, so the pair is
// not rotated. Returns per-pair divisors (infinity = unrotated), or an empty
// vector when every pair rotates as in plain NEOX.
std::vector<float> imrope_text_factors(const std::vector<int64_t>& sec, int n_rot) {
  const int64_t total = sec[0] + sec[1] + sec[2] + sec[3];
  std::vector<float> factors(n_rot / 2, 1.0f);
  bool any = false;
  for (int i = 0; i < n_rot / 2; ++i) {
    const int64_t sector = i % total;
    const int64_t stream = sector % 3;   // 0: t, 1: h, 2: w
    if (sector < 3 * sec[stream]) continue;
    factors[i] = std::numeric_limits<float>::infinity();
    any = true;
  }
  if (!any) factors.clear();
  return factors;
}

// The block number of a "blk.<i>.*" tensor name, or -1.
int block_index(const std::string& name) {
  if (!name.starts_with("blk.")) return -1;
  const size_t end = name.find('.', 4);
  if (end == std::string::npos || end == 4 || end > 8) return -1;
  int index = 0;
  for (size_t i = 4; i < end; ++i) {
    if (name[i] < '0' || name[i] > '9') return -1;
    index = index * 10 + (name[i] - '0');
  }
  return index;
}

// Rows [first, first + count) of a matrix (a slice of a fused projection).
kernels::MatrixView row_slice(const kernels::MatrixView& m, int64_t first, int64_t count) {
  kernels::MatrixView s = m;
  s.data = m.row(first);
  s.rows = count;
  return s;
}

// The transformer's activations plus the gated attention's query/gate split
// and the delta-net block's tensors.
struct Qwen35Activations : TransformerActivations {
  Qwen35Activations(int rows, int n_embd, const BlockWidths& widths, const DeltaNetShape& delta_shape)
      : TransformerActivations(rows, n_embd, widths),
        q_and_gate(floats(rows, 2 * widths.q_dim)),
        gate(floats(rows, widths.q_dim)),
        delta(rows, delta_shape) {}
  std::vector<float> q_and_gate;   // Wq h: each head's [query | gate] [rows][2 q_dim]
  std::vector<float> gate;         // the output gate, split off [rows][q_dim]
  DeltaNetActivations delta;
  uint64_t bytes() const override {
    return TransformerActivations::bytes() + bytes_of(q_and_gate) + bytes_of(gate) + delta.bytes();
  }
};

class Qwen35Model : public Model {
 public:
  explicit Qwen35Model(std::unique_ptr<gguf::File> file);
  void forward_batch(ForwardContext& ctx, std::span<const Segment> segments, const int32_t* tokens, int n,
                     float* logits, bool all_logits) const override;

 protected:
  std::unique_ptr<Activations> new_activations(int max_rows) const override;

 private:
  struct Layer {
    bool recurrent = false;
    const float* attn_norm = nullptr;
    DeltaNetLayer delta;            // recurrent layers
    AttentionLayer attn;            // full-attention layers
    const float* ffn_norm = nullptr;   // post_attention_norm: the pre-FFN norm despite its name
    FfnLayer ffn;
  };
  AttentionLayer load_gated_attention(Weights& w, const Config& c, int i) const;
  void gated_attention(ForwardContext& ctx, std::span<const Segment> segments, int i, Qwen35Activations& act,
                       int n) const;

  kernels::MatrixView token_embd_;
  std::vector<Layer> layers_;
  OutputHead head_;
  std::vector<float> rope_factors_;
  kernels::RopeParams rope_;
  DeltaNetShape delta_shape_;
};

AttentionLayer Qwen35Model::load_gated_attention(Weights& w, const Config& c, int i) const {
  const int E = c.n_embd, D = c.head_dim;
  AttentionLayer a;
  a.n_head = static_cast<int>(c.n_head[i]);
  a.n_head_kv = static_cast<int>(c.n_head_kv[i]);
  a.head_dim = D;
  a.layer = a.kv_layer = i;
  // Each head's Q rows are [query (D) | output gate (D)].
  const int64_t q_rows = 2 * int64_t{a.n_head} * D, kv_rows = int64_t{a.n_head_kv} * D;
  if (w.has(blk(i, kAttnQkv)) && !w.has(blk(i, kAttnQ))) {
    const kernels::MatrixView qkv = w.matrix(blk(i, kAttnQkv), E, q_rows + 2 * kv_rows);
    a.wq = row_slice(qkv, 0, q_rows);
    a.wk = row_slice(qkv, q_rows, kv_rows);
    a.wv = row_slice(qkv, q_rows + kv_rows, kv_rows);
  } else {
    a.wq = w.matrix(blk(i, kAttnQ), E, q_rows);
    a.wk = w.matrix(blk(i, kAttnK), E, kv_rows);
    a.wv = w.matrix(blk(i, kAttnV), E, kv_rows);
  }
  a.wo = w.matrix(blk(i, kAttnOutput), int64_t{a.n_head} * D, E);
  a.q_norm = w.vector(blk(i, kAttnQNorm), D);
  a.k_norm = w.vector(blk(i, kAttnKNorm), D);
  a.rope = rope_;
  a.scale = 1.0f / std::sqrt(static_cast<float>(D));
  return a;
}

Qwen35Model::Qwen35Model(std::unique_ptr<gguf::File> file) {
  file_ = std::move(file);
  const Config c = read_config(*file_);
  Weights w(*file_);
  hp_.arch = "qwen35";
  hp_.n_embd = c.n_embd;
  hp_.n_layer = c.n_layer;
  hp_.n_ctx_train = c.n_ctx_train;
  hp_.eps = c.eps;
  hp_.n_vocab = read_vocab_size(*file_);
  const int E = c.n_embd;
  delta_shape_ = c.delta;

  rope_factors_ = imrope_text_factors(c.rope_sections, c.n_rot);
  rope_.n_rot = c.n_rot;
  rope_.freq_base = c.rope_base;
  rope_.freq_scale = c.rope_freq_scale;
  rope_.mode = kernels::RopeMode::Neox;
  rope_.freq_factors = rope_factors_.empty() ? nullptr : rope_factors_.data();

  token_embd_ = w.table(kTokenEmbd, E, hp_.n_vocab);
  layers_.resize(c.n_layer);
  for (int i = 0; i < c.n_layer; ++i) {
    Layer& L = layers_[i];
    L.recurrent = c.recurrent[i];
    L.attn_norm = w.vector(blk(i, kAttnNorm), E);
    if (L.recurrent) L.delta = load_delta_net(w, i, c.delta, E);
    else L.attn = load_gated_attention(w, c, i);
    L.ffn_norm = w.vector(blk(i, kPostAttentionNorm), E);
    L.ffn = load_ffn(w, i, E, c.n_ff[i]);
    if (L.recurrent) add_layer(delta_net_memory(L.delta.shape), nullptr, L.ffn);
    else add_layer(kv_spec(L.attn), &L.attn, L.ffn);
    hp_.layer_kinds.push_back(L.recurrent ? LayerKind::Recurrent : LayerKind::Full);
  }
  head_ = load_output_head(w, token_embd_, E, hp_.n_vocab);

  // MTP blocks (index >= n_layer) are known but not run (§4).
  for (const gguf::TensorInfo& t : file_->tensors()) {
    const int block = block_index(t.name);
    if (block >= c.n_layer && block < c.n_layer_all) w.skip(t.name);
  }
  finish_loading(w);
}

std::unique_ptr<Activations> Qwen35Model::new_activations(int rows) const {
  return std::make_unique<Qwen35Activations>(rows, hp_.n_embd, widths_, delta_shape_);
}

// Gated attention: [q | gate] = Wq h (per head), then
// y = Wo·(attend(rope(norm(q)), rope(norm(Wk h)), Wv h) * sigmoid(gate)).
void Qwen35Model::gated_attention(ForwardContext& ctx, std::span<const Segment> segments, int i,
                                  Qwen35Activations& act, int n) const {
  const AttentionLayer& a = layers_[i].attn;
  const int D = a.head_dim;
  const float* h = act.h.data();
  const float* qg = act.q_and_gate.data();
  float* q = act.attn.q.data();
  float* gate = act.gate.data();
  float* k = act.attn.k.data();
  float* att = act.attn.out.data();
  linear(ctx, a.wq, a.bq, h, n, act.q_and_gate.data());
  for (int64_t r = 0; r < static_cast<int64_t>(n) * a.n_head; ++r) {   // split each head's [q | gate]
    std::memcpy(q + r * D, qg + r * 2 * D, sizeof(float) * D);
    std::memcpy(gate + r * D, qg + r * 2 * D + D, sizeof(float) * D);
  }
  linear(ctx, a.wk, a.bk, h, n, k);
  linear(ctx, a.wv, a.bv, h, n, act.attn.v.data());
  norm_qk(a, q, k, n, hp_.eps);
  rope_cache_attend(ctx, segments, a, act.attn);   // each conversation at its own positions
  for (int64_t j = 0; j < static_cast<int64_t>(n) * a.q_dim(); ++j) att[j] *= kernels::sigmoid(gate[j]);
  linear(ctx, a.wo, a.bo, att, n, act.y.data());
}

void Qwen35Model::forward_batch(ForwardContext& ctx, std::span<const Segment> segments, const int32_t* tokens, int n,
                                float* logits, bool all_logits) const {
  check_segments(segments, n);
  const int E = hp_.n_embd;
  Qwen35Activations& act = activations<Qwen35Activations>(ctx, n);
  float* x = act.x.data();
  float* h = act.h.data();
  float* y = act.y.data();
  embed_tokens(token_embd_, tokens, n, 1.0f, x);
  tap(ctx, -1, "inp_embd", x, n, E);
  for (int i = 0; i < hp_.n_layer; ++i) {
    const Layer& L = layers_[i];
    const auto section = layer_section(hp_, i);
    // x += mixer(norm(x)), the mixer a gated delta net or gated attention;
    // x += swiglu_ffn(norm(x))
    norm_rows(ctx, x, L.attn_norm, h, n, E, hp_.eps);
    if (L.recurrent) delta_net_forward(ctx, segments, i, L.delta, hp_.eps, h, n, act.delta, y);
    else gated_attention(ctx, segments, i, act, n);
    tap(ctx, i, L.recurrent ? "delta_out" : "attn_proj", y, n, E);
    kernels::add(x, y, n * E);
    norm_rows(ctx, x, L.ffn_norm, h, n, E, hp_.eps);
    gated_ffn(ctx, L.ffn, kernels::swiglu, h, n, act.ffn, y);
    kernels::add(x, y, n * E);
    tap(ctx, i, "l_out", x, n, E);
  }
  output_forward(ctx, head_, hp_.eps, x, segments, n, E, all_logits, h, logits);
  advance_segments(segments);
}

}  // namespace

std::unique_ptr<Model> load_qwen35(std::unique_ptr<gguf::File> file) {
  return std::make_unique<Qwen35Model>(std::move(file));
}

}  // namespace edgelm::models
