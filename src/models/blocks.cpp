#include "models/blocks.h"

#include <cstring>

#include "edgelm/error.h"

namespace edgelm::models {

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

void norm_heads(float* x, const float* w, int n_rows, int64_t row_stride, int n_heads, int head_dim, float eps) {
  for (int r = 0; r < n_rows; ++r)
    for (int h = 0; h < n_heads; ++h) {
      float* v = x + r * row_stride + static_cast<int64_t>(h) * head_dim;
      kernels::rms_norm(v, w, v, head_dim, eps);
    }
}

void linear(ForwardContext& ctx, const kernels::MatrixView& w, const float* bias, const float* x, int n, float* y) {
  kernels::matmul(w, x, w.cols, n, y, w.rows, ctx.pool, ctx.mm);
  if (!bias) return;
  for (int t = 0; t < n; ++t) kernels::add(y + t * w.rows, bias, static_cast<int>(w.rows));
}

namespace {

// Splits the Qwen3.5 joint projection [head: q(D) | gate(D)] into q and gate.
void split_query_gate(const float* qg, int n, int n_head, int d, float* q, float* gate) {
  for (int t = 0; t < n; ++t)
    for (int h = 0; h < n_head; ++h) {
      const float* src = qg + (static_cast<int64_t>(t) * n_head + h) * 2 * d;
      std::memcpy(q + (static_cast<int64_t>(t) * n_head + h) * d, src, sizeof(float) * d);
      std::memcpy(gate + (static_cast<int64_t>(t) * n_head + h) * d, src + d, sizeof(float) * d);
    }
}

void rope_rows(ForwardContext& ctx, const kernels::RopeParams& rope, float* x, int n, int64_t pos0,
               int n_heads, int head_dim) {
  ctx.rope_cs.resize(rope.n_rot);
  for (int t = 0; t < n; ++t) {
    kernels::rope_cache(rope, pos0 + t, ctx.rope_cs.data());
    kernels::rope_apply(rope, ctx.rope_cs.data(), x + static_cast<int64_t>(t) * n_heads * head_dim, n_heads, head_dim);
  }
}

// Projects, normalises, rotates and stores K and V of n tokens in the cache.
void write_kv(ForwardContext& ctx, memory::LayerKv& cache, const AttentionLayer& L, float eps,
              const float* h, int n, int64_t pos0) {
  const int kv_dim = L.n_head_kv * L.head_dim;
  float* k = ctx.buf(ForwardContext::K, static_cast<size_t>(n) * kv_dim);
  float* v = ctx.buf(ForwardContext::V, static_cast<size_t>(n) * kv_dim);
  linear(ctx, L.wk, L.bk, h, n, k);
  linear(ctx, L.wv, L.bv, h, n, v);
  if (L.k_norm) norm_heads(k, L.k_norm, n, kv_dim, L.n_head_kv, L.head_dim, eps);
  if (L.v_norm) norm_heads(v, nullptr, n, kv_dim, L.n_head_kv, L.head_dim, eps);
  rope_rows(ctx, L.rope, k, n, pos0, L.n_head_kv, L.head_dim);
  for (int t = 0; t < n; ++t)
    cache.store(pos0 + t, k + static_cast<int64_t>(t) * kv_dim, v + static_cast<int64_t>(t) * kv_dim);
}

}  // namespace

void attention_forward(ForwardContext& ctx, memory::State& state, const AttentionLayer& L,
                       float eps, const float* h, int n, int n_embd, float* out) {
  (void)n_embd;
  const int64_t pos0 = state.n_past();
  const int q_dim = L.n_head * L.head_dim;
  float* q = ctx.buf(ForwardContext::Q, static_cast<size_t>(n) * q_dim);
  float* gate = nullptr;
  if (L.output_gate) {
    float* qg = ctx.buf(ForwardContext::Tmp, static_cast<size_t>(n) * 2 * q_dim);
    linear(ctx, L.wq, L.bq, h, n, qg);
    gate = ctx.buf(ForwardContext::Gate, static_cast<size_t>(n) * q_dim);
    split_query_gate(qg, n, L.n_head, L.head_dim, q, gate);
  } else {
    linear(ctx, L.wq, L.bq, h, n, q);
  }
  if (L.q_norm) norm_heads(q, L.q_norm, n, q_dim, L.n_head, L.head_dim, eps);
  rope_rows(ctx, L.rope, q, n, pos0, L.n_head, L.head_dim);

  if (L.owns_kv) write_kv(ctx, state.kv(L.kv_layer), L, eps, h, n, pos0);

  float* att = ctx.buf(ForwardContext::Att, static_cast<size_t>(n) * q_dim);
  kernels::AttentionArgs args;
  args.q = q;
  args.q_stride = q_dim;
  args.n_tokens = n;
  args.n_head = L.n_head;
  args.pos0 = pos0;
  args.scale = L.scale;
  args.window = L.window;
  args.out = att;
  args.out_stride = q_dim;
  {
    const kernels::profile::Op op("attention");
    kernels::attention(args, state.kv(L.kv_layer).view(), ctx.pool, ctx.att);
  }

  if (gate)
    for (int64_t i = 0; i < static_cast<int64_t>(n) * q_dim; ++i) att[i] *= kernels::sigmoid(gate[i]);
  linear(ctx, L.wo, L.bo, att, n, out);
}

void ffn_forward(ForwardContext& ctx, const FfnLayer& f, const float* h, int n, int n_embd, float* out) {
  (void)n_embd;
  const int64_t width = f.gate.rows;
  float* g = ctx.buf(ForwardContext::FfnGate, static_cast<size_t>(n) * width);
  float* u = ctx.buf(ForwardContext::FfnUp, static_cast<size_t>(n) * width);
  linear(ctx, f.gate, f.b_gate, h, n, g);
  linear(ctx, f.up, f.b_up, h, n, u);
  // Element-wise, so split across the pool: in a 512-token prompt this is
  // millions of table look-ups or exponentials per layer.
  const int64_t total = static_cast<int64_t>(n) * width;
  const auto act = f.act == FfnLayer::Act::Silu ? kernels::swiglu : kernels::geglu;
  ctx.pool.parallel_for(total, 16384, [&](int, int64_t begin, int64_t end) {
    act(g + begin, u + begin, g + begin, static_cast<int>(end - begin));
  });
  linear(ctx, f.down, f.b_down, g, n, out);
}

void output_forward(ForwardContext& ctx, const OutputHead& head, float eps, const float* x, int n,
                    int n_embd, bool all_logits, float* logits) {
  const kernels::profile::Section section("output head");
  // Only the rows whose logits are wanted go through the (large) LM head.
  const int first = all_logits ? 0 : n - 1;
  const int rows = n - first;
  float* y = ctx.buf(ForwardContext::Tmp, static_cast<size_t>(rows) * n_embd);
  norm_rows(ctx, x + static_cast<int64_t>(first) * n_embd, head.norm, y, rows, n_embd, eps);
  linear(ctx, head.weight, nullptr, y, rows, logits);
  if (head.softcap > 0.0f)   // a tanh per vocabulary entry (262k for Gemma): on every thread
    ctx.pool.parallel_for(static_cast<int64_t>(rows) * head.weight.rows, 16384, [&](int, int64_t begin, int64_t end) {
      kernels::softcap(logits + begin, static_cast<int>(end - begin), head.softcap);
    });
}

AttentionLayer load_attention(Weights& w, int layer, int E, const AttentionShape& s) {
  const std::string p = "blk." + std::to_string(layer) + ".";
  if (s.n_head <= 0 || s.n_head_kv <= 0 || s.n_head % s.n_head_kv != 0 || s.head_dim <= 0 || s.head_dim > 4096)
    throw Error("invalid attention head counts or head size in layer " + std::to_string(layer));
  AttentionLayer a;
  a.n_head = s.n_head;
  a.n_head_kv = s.n_head_kv;
  a.head_dim = s.head_dim;
  a.kv_layer = layer;
  a.owns_kv = s.owns_kv;
  const int q_dim = s.n_head * s.head_dim, kv_dim = s.n_head_kv * s.head_dim;
  a.wq = w.matrix(p + "attn_q.weight", E, q_dim);
  a.wo = w.matrix(p + "attn_output.weight", q_dim, E);
  a.bq = w.opt_vector(p + "attn_q.bias", q_dim);
  a.bo = w.opt_vector(p + "attn_output.bias", E);
  if (s.qk_norm) a.q_norm = w.vector(p + "attn_q_norm.weight", s.head_dim);
  if (!s.owns_kv) return a;
  a.wk = w.matrix(p + "attn_k.weight", E, kv_dim);
  a.wv = w.matrix(p + "attn_v.weight", E, kv_dim);
  a.bk = w.opt_vector(p + "attn_k.bias", kv_dim);
  a.bv = w.opt_vector(p + "attn_v.bias", kv_dim);
  if (s.qk_norm) a.k_norm = w.vector(p + "attn_k_norm.weight", s.head_dim);
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
  head.norm = w.vector("output_norm.weight", n_embd);
  auto out = w.opt_matrix("output.weight", n_embd, n_vocab);
  // A tied head multiplies with the embedding table: register it as a matrix.
  head.weight = out ? *out : w.matrix("token_embd.weight", token_embd.cols, token_embd.rows);
  return head;
}

int read_vocab_size(const gguf::File& file) {
  const gguf::TensorInfo* emb = file.find_tensor("token_embd.weight");
  if (!emb) throw Error("missing tensor 'token_embd.weight'");
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
