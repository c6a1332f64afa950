#include "models/delta_net.h"

#include <cmath>

#include "edgelm/error.h"
#include "kernels/ops/delta_net.h"
#include "kernels/ops/ops.h"
#include "models/blocks.h"

namespace edgelm::models {

using namespace tensor_names;

DeltaNetLayer load_delta_net(Weights& w, int layer, const DeltaNetShape& s, int n_embd) {
  DeltaNetLayer L;
  L.shape = s;
  const int E = n_embd;
  L.qkv = w.matrix(blk(layer, kAttnQkv), E, s.channels());
  L.z = w.matrix(blk(layer, kAttnGate), E, s.value_dim());
  L.beta = w.matrix(blk(layer, kSsmBeta), E, s.n_v_heads);
  L.alpha = w.matrix(blk(layer, kSsmAlpha), E, s.n_v_heads);
  L.dt_bias = w.vector(blk(layer, kSsmDtBias), s.n_v_heads);
  L.a = w.vector(blk(layer, kSsmA), s.n_v_heads);
  for (int j = 0; j < s.n_v_heads; ++j)
    if (!(L.a[j] < 0.0f) || !std::isfinite(L.a[j]))
      throw Error("tensor '" + blk(layer, kSsmA) + "' has entry " + std::to_string(j) + " = " + std::to_string(L.a[j]) +
                  ", expected a negative decay rate (A = -exp(A_log))");
  const std::string conv_name = blk(layer, kSsmConv1d);
  const kernels::MatrixView conv = w.matrix(conv_name, s.conv_kernel, s.channels());
  if (conv.type != GgmlType::F32)
    throw Error("tensor '" + conv_name + "' is stored as " + type_name(static_cast<uint32_t>(conv.type)) +
                ", expected F32");
  L.conv = reinterpret_cast<const float*>(conv.data);
  L.norm = w.vector(blk(layer, kSsmNorm), s.d_v);
  L.out = w.matrix(blk(layer, kSsmOut), s.value_dim(), E);
  return L;
}

memory::LayerMemorySpec delta_net_memory(const DeltaNetShape& s) {
  memory::LayerMemorySpec spec;
  spec.kind = memory::LayerMemorySpec::Kind::Recurrent;
  spec.conv_floats = (s.conv_kernel - 1) * s.channels();
  spec.state_floats = static_cast<int64_t>(s.n_v_heads) * s.d_k * s.d_v;
  return spec;
}

namespace {

// beta = sigmoid(beta); g = softplus(alpha + dt_bias) * A, the per-head
// log-decay (negative, since A < 0), for n rows of n_v_heads values.
void decay_and_beta(const DeltaNetLayer& L, int n, float* beta, float* g) {
  const int Hv = L.shape.n_v_heads;
  for (int t = 0; t < n; ++t)
    for (int j = 0; j < Hv; ++j) {
      const int64_t i = static_cast<int64_t>(t) * Hv + j;
      beta[i] = kernels::sigmoid(beta[i]);
      g[i] = kernels::softplus(g[i] + L.dt_bias[j]) * L.a[j];
    }
}

}  // namespace

DeltaNetActivations::DeltaNetActivations(int rows, const DeltaNetShape& s)
    : mixed(floats(rows, s.channels())),
      conv(floats(rows, s.channels())),
      z(floats(rows, s.value_dim())),
      beta(floats(rows, s.n_v_heads)),
      decay(floats(rows, s.n_v_heads)),
      out(floats(rows, s.value_dim())) {}

uint64_t DeltaNetActivations::bytes() const {
  return bytes_of(mixed) + bytes_of(conv) + bytes_of(z) + bytes_of(beta) + bytes_of(decay) + bytes_of(out);
}

void delta_net_forward(ForwardContext& ctx, std::span<const Segment> segments, int layer, const DeltaNetLayer& L,
                       float eps, const float* h, int n, DeltaNetActivations& act, float* out) {
  const DeltaNetShape& s = L.shape;
  const memory::LayerMemorySpec spec = delta_net_memory(s);
  const int64_t C = s.channels(), Vd = s.value_dim();
  if (act.mixed.size() < floats(n, C) || act.out.size() < floats(n, Vd))
    throw Error("delta-net activations are smaller than the block's shape");
  float* mixed = act.mixed.data();
  float* conv = act.conv.data();
  float* z = act.z.data();
  float* beta = act.beta.data();
  float* g = act.decay.data();
  float* o = act.out.data();

  // Projections of every row at once (all conversations share the weights).
  linear(ctx, L.qkv, nullptr, h, n, mixed);
  linear(ctx, L.z, nullptr, h, n, z);
  linear(ctx, L.beta, nullptr, h, n, beta);
  linear(ctx, L.alpha, nullptr, h, n, g);
  decay_and_beta(L, n, beta, g);

  // The convolution and the recurrence continue each conversation's own state.
  for (const Segment& seg : segments) {
    memory::RecurrentLayer& mem = seg.state->recurrent(layer);
    if (static_cast<int64_t>(mem.conv.size()) != spec.conv_floats ||
        static_cast<int64_t>(mem.state.size()) != spec.state_floats)
      throw Error("recurrent state does not match the delta-net layer's shape");
    const int64_t r0 = seg.begin;
    float* seg_conv = conv + r0 * C;
    kernels::causal_conv1d_silu(mixed + r0 * C, C, seg.n, static_cast<int>(C), s.conv_kernel, L.conv,
                                mem.conv.data(), seg_conv, C, ctx.pool);
    // q and k (the first 2 * n_k_heads heads of each row) are L2-normalised per head.
    for_each_row(ctx, seg.n, C, [&](int64_t t) {
      for (int r = 0; r < 2 * s.n_k_heads; ++r) {
        float* head = seg_conv + t * C + static_cast<int64_t>(r) * s.d_k;
        kernels::l2_norm(head, head, s.d_k, eps);
      }
    });

    kernels::DeltaRuleArgs args;
    args.q = seg_conv;
    args.k = seg_conv + s.key_dim();
    args.qk_stride = C;
    args.v = seg_conv + 2 * s.key_dim();
    args.v_stride = C;
    args.g = g + r0 * s.n_v_heads;
    args.beta = beta + r0 * s.n_v_heads;
    args.n_tokens = seg.n;
    args.n_k_heads = s.n_k_heads;
    args.n_v_heads = s.n_v_heads;
    args.d_k = s.d_k;
    args.d_v = s.d_v;
    args.scale = 1.0f / std::sqrt(static_cast<float>(s.d_k));
    args.state = mem.state.data();
    args.out = o + r0 * Vd;
    args.out_stride = Vd;
    const kernels::profile::Op op("delta-rule");
    kernels::gated_delta_rule(args, ctx.pool);
  }

  for_each_row(ctx, n, Vd, [&](int64_t t) {
    for (int j = 0; j < s.n_v_heads; ++j) {
      const int64_t at = t * Vd + static_cast<int64_t>(j) * s.d_v;
      kernels::rms_norm_silu_gated(o + at, L.norm, z + at, o + at, s.d_v, eps);
    }
  });
  linear(ctx, L.out, nullptr, o, n, out);
}

}  // namespace edgelm::models
