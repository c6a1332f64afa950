#include "models/blocks.h"

#include "edgelm/error.h"

namespace edgelm::models {

using namespace tensor_names;

void embed_tokens(const kernels::MatrixView& table, const int32_t* tokens, int n, float scale, float* x) {
  for (int t = 0; t < n; ++t) {
    if (tokens[t] < 0 || tokens[t] >= table.rows)
      throw Error("token id " + std::to_string(tokens[t]) + " out of range (vocabulary has " +
                  std::to_string(table.rows) + " tokens)");
    float* row = x + static_cast<int64_t>(t) * table.cols;
    kernels::dequantize_rows(table, tokens[t], row);
    if (scale != 1.0f) kernels::scale(row, scale, static_cast<int>(table.cols));
  }
}

void norm_rows(ForwardContext& ctx, const float* x, const float* w, float* y, int n, int dim, float eps) {
  for_each_row(ctx, n, dim, [&](int64_t r) { kernels::rms_norm(x + r * dim, w, y + r * dim, dim, eps); });
}

void tap(ForwardContext& ctx, int layer, const char* what, const float* x, int rows, int64_t cols) {
  if (!ctx.tap) return;
  ctx.tap(layer < 0 ? std::string(what) : "blk." + std::to_string(layer) + "." + what, x, rows, cols);
}

void norm_heads(float* x, const float* w, int n, int n_heads, int head_dim, float eps) {
  for (int64_t i = 0; i < static_cast<int64_t>(n) * n_heads; ++i) {
    float* v = x + i * head_dim;
    kernels::rms_norm(v, w, v, head_dim, eps);
  }
}

void linear(ForwardContext& ctx, const kernels::MatrixView& w, const float* bias, const float* x, int n, float* y) {
  kernels::matmul(w, x, w.cols, n, y, w.rows, ctx.pool, ctx.mm);
  if (!bias) return;
  for (int t = 0; t < n; ++t) kernels::add(y + t * w.rows, bias, static_cast<int>(w.rows));
}

void rope(ForwardContext& ctx, const kernels::RopeParams& rope, float* x, int n, int64_t pos0, int n_heads,
          int head_dim) {
  ctx.rope_cs.resize(rope.n_rot);
  for (int t = 0; t < n; ++t) {
    kernels::rope_cache(rope, pos0 + t, ctx.rope_cs.data());
    kernels::rope_apply(rope, ctx.rope_cs.data(), x + static_cast<int64_t>(t) * n_heads * head_dim, n_heads, head_dim);
  }
}

void project_qkv(ForwardContext& ctx, const AttentionLayer& a, const float* h, int n, AttentionActivations& act) {
  linear(ctx, a.wq, a.bq, h, n, act.q.data());
  linear(ctx, a.wk, a.bk, h, n, act.k.data());
  linear(ctx, a.wv, a.bv, h, n, act.v.data());
}

void norm_qk(const AttentionLayer& a, float* q, float* k, int n, float eps) {
  norm_heads(q, a.q_norm, n, a.n_head, a.head_dim, eps);
  norm_heads(k, a.k_norm, n, a.n_head_kv, a.head_dim, eps);
}

void rope_qk(ForwardContext& ctx, const AttentionLayer& a, float* q, float* k, int n, int64_t pos0) {
  rope(ctx, a.rope, q, n, pos0, a.n_head, a.head_dim);
  rope(ctx, a.rope, k, n, pos0, a.n_head_kv, a.head_dim);
  tap(ctx, a.layer, "q_rope", q, n, a.q_dim());
  tap(ctx, a.layer, "k_rope", k, n, a.kv_dim());
}

void store_kv(memory::LayerKv& cache, const float* k, const float* v, int n, int64_t pos0, int kv_dim) {
  for (int t = 0; t < n; ++t)
    cache.store(pos0 + t, k + static_cast<int64_t>(t) * kv_dim, v + static_cast<int64_t>(t) * kv_dim);
}

void attend(ForwardContext& ctx, const memory::LayerKv& cache, const AttentionLayer& a, const float* q, int n,
            int64_t pos0, float* out) {
  kernels::AttentionArgs args;
  args.q = q;
  args.q_stride = a.q_dim();
  args.n_tokens = n;
  args.n_head = a.n_head;
  args.pos0 = pos0;
  args.scale = a.scale;
  args.window = a.window;
  args.out = out;
  args.out_stride = a.q_dim();
  const kernels::profile::Op op("attention");
  kernels::attention(args, cache.view(), ctx.pool, ctx.att);
  tap(ctx, a.layer, "attn_out", out, n, a.q_dim());
}

void rope_cache_attend(ForwardContext& ctx, std::span<const Segment> segments, const AttentionLayer& a,
                       AttentionActivations& act) {
  for (const Segment& s : segments) {
    const int64_t pos = s.state->n_past();
    memory::LayerKv& cache = s.state->kv(a.kv_layer);
    float* q = act.q.data() + int64_t{s.begin} * a.q_dim();
    float* k = act.k.data() + int64_t{s.begin} * a.kv_dim();
    rope_qk(ctx, a, q, k, s.n, pos);
    store_kv(cache, k, act.v.data() + int64_t{s.begin} * a.kv_dim(), s.n, pos, a.kv_dim());
    attend(ctx, cache, a, q, s.n, pos, act.out.data() + int64_t{s.begin} * a.q_dim());
  }
}

memory::LayerMemorySpec kv_spec(const AttentionLayer& a) {
  memory::LayerMemorySpec spec;
  if (!a.owns_kv) return spec;   // reads another layer's cache: holds nothing
  spec.kind = memory::LayerMemorySpec::Kind::Kv;
  spec.n_head_kv = a.n_head_kv;
  spec.head_dim_k = spec.head_dim_v = a.head_dim;
  spec.window = a.window;
  return spec;
}

FfnLayer load_ffn(Weights& w, int layer, int E, int64_t F) {
  FfnLayer f;
  f.layer = layer;
  f.gate = w.matrix(blk(layer, kFfnGate), E, F);
  f.up = w.matrix(blk(layer, kFfnUp), E, F);
  f.down = w.matrix(blk(layer, kFfnDown), F, E);
  f.b_gate = w.opt_vector(blk(layer, kFfnGateBias), F);
  f.b_up = w.opt_vector(blk(layer, kFfnUpBias), F);
  f.b_down = w.opt_vector(blk(layer, kFfnDownBias), E);
  return f;
}

void gated_ffn(ForwardContext& ctx, const FfnLayer& f, GatedActivation activation, const float* h, int n,
               FfnActivations& act, float* out) {
  float* g = act.gate.data();
  const float* u = act.up.data();
  linear(ctx, f.gate, f.b_gate, h, n, g);
  linear(ctx, f.up, f.b_up, h, n, act.up.data());
  // Row by row (the activation follows ggml's per-row vector/tail split),
  // split across the pool: in a 512-token prompt this is millions of table
  // look-ups or exponentials per layer.
  const int64_t width = f.gate.rows;
  ctx.pool.parallel_for(n, std::max<int64_t>(1, 16384 / width), [&](int, int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) activation(g + r * width, u + r * width, g + r * width, static_cast<int>(width));
  });
  tap(ctx, f.layer, "ffn_act", g, n, f.gate.rows);
  linear(ctx, f.down, f.b_down, g, n, out);
  tap(ctx, f.layer, "ffn_out", out, n, f.down.rows);
}

void output_forward(ForwardContext& ctx, const OutputHead& head, float eps, const float* x,
                    std::span<const Segment> segments, int n, int n_embd, bool all_logits, float* normed,
                    float* logits) {
  const kernels::profile::Section section("output head");
  // Only the rows whose logits are wanted go through the (large) LM head.
  float* y = normed;
  int rows = n;
  if (all_logits) {
    norm_rows(ctx, x, head.norm, y, n, n_embd, eps);
  } else {
    rows = static_cast<int>(segments.size());
    for (int s = 0; s < rows; ++s) {
      const int64_t last = segments[s].begin + segments[s].n - 1;
      kernels::rms_norm(x + last * n_embd, head.norm, y + static_cast<int64_t>(s) * n_embd, n_embd, eps);
    }
  }
  tap(ctx, -1, "result_norm", y, rows, n_embd);
  linear(ctx, head.weight, nullptr, y, rows, logits);
  if (head.softcap > 0.0f)   // a tanh per vocabulary entry (262k for Gemma): on every thread
    ctx.pool.parallel_for(static_cast<int64_t>(rows) * head.weight.rows, 16384, [&](int, int64_t begin, int64_t end) {
      kernels::softcap(logits + begin, static_cast<int>(end - begin), head.softcap);
    });
}

void check_segments(std::span<const Segment> segments, int n) {
  int at = 0;
  for (size_t i = 0; i < segments.size(); ++i) {
    const Segment& s = segments[i];
    if (!s.state || s.begin != at || s.n <= 0) throw Error("forward: segments must cover the rows in order");
    for (size_t j = 0; j < i; ++j)
      if (segments[j].state == s.state) throw Error("forward: two segments continue the same state");
    at += s.n;
  }
  if (at != n || segments.empty()) throw Error("forward: segments must cover the rows in order");
}

void advance_segments(std::span<const Segment> segments) {
  for (const Segment& s : segments) s.state->advance(s.n);
}

void BlockWidths::include(const AttentionLayer& a) {
  q_dim = std::max<int64_t>(q_dim, a.q_dim());
  kv_dim = std::max<int64_t>(kv_dim, a.kv_dim());
}

void BlockWidths::include(const FfnLayer& f) { n_ff = std::max(n_ff, f.gate.rows); }

void Model::add_layer(const memory::LayerMemorySpec& memory, const AttentionLayer* attention, const FfnLayer& ffn) {
  layer_memory_.push_back(memory);
  if (attention) widths_.include(*attention);
  widths_.include(ffn);
}

TransformerActivations::TransformerActivations(int rows, int E, const BlockWidths& w)
    : x(floats(rows, E)), h(floats(rows, E)), y(floats(rows, E)) {
  attn.q.resize(floats(rows, w.q_dim));
  attn.k.resize(floats(rows, w.kv_dim));
  attn.v.resize(floats(rows, w.kv_dim));
  attn.out.resize(floats(rows, w.q_dim));
  ffn.gate.resize(floats(rows, w.n_ff));
  ffn.up.resize(floats(rows, w.n_ff));
}

uint64_t TransformerActivations::bytes() const {
  return bytes_of(x) + bytes_of(h) + bytes_of(y) + bytes_of(attn.q) + bytes_of(attn.k) + bytes_of(attn.v) +
         bytes_of(attn.out) + bytes_of(ffn.gate) + bytes_of(ffn.up);
}

AttentionLayer load_attention(Weights& w, int layer, int E, const AttentionShape& s) {
  if (s.n_head <= 0 || s.n_head_kv <= 0 || s.n_head % s.n_head_kv != 0 || s.head_dim <= 0 || s.head_dim > 4096)
    throw Error("invalid attention head counts or head size in layer " + std::to_string(layer));
  AttentionLayer a;
  a.n_head = s.n_head;
  a.n_head_kv = s.n_head_kv;
  a.head_dim = s.head_dim;
  a.layer = a.kv_layer = layer;
  a.owns_kv = s.owns_kv;
  const int q_dim = s.n_head * s.head_dim, kv_dim = s.n_head_kv * s.head_dim;
  a.wq = w.matrix(blk(layer, kAttnQ), E, q_dim);
  a.wo = w.matrix(blk(layer, kAttnOutput), q_dim, E);
  a.bq = w.opt_vector(blk(layer, kAttnQBias), q_dim);
  a.bo = w.opt_vector(blk(layer, kAttnOutputBias), E);
  if (s.qk_norm) a.q_norm = w.vector(blk(layer, kAttnQNorm), s.head_dim);
  if (!s.owns_kv) return a;
  a.wk = w.matrix(blk(layer, kAttnK), E, kv_dim);
  a.wv = w.matrix(blk(layer, kAttnV), E, kv_dim);
  a.bk = w.opt_vector(blk(layer, kAttnKBias), kv_dim);
  a.bv = w.opt_vector(blk(layer, kAttnVBias), kv_dim);
  if (s.qk_norm) a.k_norm = w.vector(blk(layer, kAttnKNorm), s.head_dim);
  return a;
}

void read_base_hparams(const Metadata& meta, HParams& hp) {
  hp.arch = meta.arch();
  // Ranges are checked as the keys are read (Metadata, loader.cpp).
  hp.n_embd = static_cast<int>(meta.req_int("embedding_length"));
  hp.n_layer = static_cast<int>(meta.req_int("block_count"));
  hp.n_ctx_train = meta.req_int("context_length");
  hp.eps = meta.req_float("attention.layer_norm_rms_epsilon");
  hp.n_vocab = read_vocab_size(meta.file());
}

OutputHead load_output_head(Weights& w, const kernels::MatrixView& token_embd, int n_embd, int n_vocab) {
  OutputHead head;
  head.norm = w.vector(kOutputNorm, n_embd);
  auto out = w.opt_matrix(kOutput, n_embd, n_vocab);
  // A tied head multiplies with the embedding table: register it as a matrix.
  head.weight = out ? *out : w.matrix(kTokenEmbd, token_embd.cols, token_embd.rows);
  return head;
}

int read_vocab_size(const gguf::File& file) {
  const gguf::TensorInfo* emb = file.find_tensor(kTokenEmbd);
  if (!emb) throw Error("missing tensor '" + std::string(kTokenEmbd) + "'");
  const gguf::Value* tokens = file.find("tokenizer.ggml.tokens");
  if (!tokens || !tokens->is_array()) throw Error("missing metadata key 'tokenizer.ggml.tokens'");
  if (static_cast<int64_t>(tokens->array_size()) != emb->ne[1])
    throw Error("tensor 'token_embd.weight' has " + std::to_string(emb->ne[1]) +
                " rows but the vocabulary 'tokenizer.ggml.tokens' has " + std::to_string(tokens->array_size()) +
                " tokens");
  if (emb->ne[1] <= 0 || emb->ne[1] > (1 << 24)) throw Error("tensor 'token_embd.weight' has an implausible vocabulary size");
  return static_cast<int>(emb->ne[1]);
}

float read_rope_freq_scale(const Metadata& meta) {
  const auto type = meta.file().get_string(meta.key("rope.scaling.type"));
  if (type && *type == "none") return 1.0f;
  if (type && *type != "linear")
    throw Error("unsupported rope scaling type '" + *type + "' in '" + meta.key("rope.scaling.type") + "'");
  float factor = meta.opt_float("rope.scaling.factor", 0.0f);
  if (factor == 0.0f) factor = meta.opt_float("rope.scale_linear", 0.0f);
  return factor > 0.0f ? 1.0f / factor : 1.0f;
}

}  // namespace edgelm::models
