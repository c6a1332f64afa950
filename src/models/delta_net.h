// The gated delta-net block (Qwen3.5 "linear attention"): projections, a
// short causal convolution, L2-normalised q/k, the gated delta-rule
// recurrence over a matrix state per value head, a SiLU-gated RMS norm and
// the output projection. docs/ARCHITECTURES.md §2.5.
#pragma once
#include <string>
#include <vector>

#include "kernels/matmul/matmul.h"
#include "memory/state.h"
#include "models/blocks.h"
#include "models/loader.h"
#include "models/model.h"

namespace edgelm::models {

struct DeltaNetShape {
  int n_k_heads = 0;     // ssm.group_count: query/key heads
  int n_v_heads = 0;     // ssm.time_step_rank: value heads (a multiple of n_k_heads)
  int d_k = 0;           // ssm.state_size
  int d_v = 0;           // ssm.inner_size / n_v_heads
  int conv_kernel = 0;   // ssm.conv_kernel

  int64_t key_dim() const { return static_cast<int64_t>(n_k_heads) * d_k; }
  int64_t value_dim() const { return static_cast<int64_t>(n_v_heads) * d_v; }
  int64_t channels() const { return 2 * key_dim() + value_dim(); }   // the convolved q|k|v mix
};

struct DeltaNetLayer {
  DeltaNetShape shape;
  kernels::MatrixView qkv;        // attn_qkv  {E, channels}: q of all key heads, k, then v
  kernels::MatrixView z;          // attn_gate {E, value_dim}: the output gate
  kernels::MatrixView beta;       // ssm_beta  {E, n_v_heads}
  kernels::MatrixView alpha;      // ssm_alpha {E, n_v_heads}
  const float* dt_bias = nullptr; // ssm_dt.bias {n_v_heads}
  const float* a = nullptr;       // ssm_a {n_v_heads}: A = -exp(A_log) < 0
  const float* conv = nullptr;    // ssm_conv1d {conv_kernel, channels}, F32
  const float* norm = nullptr;    // ssm_norm {d_v}
  kernels::MatrixView out;        // ssm_out {value_dim, E}
};

// The tensors one delta-net block writes, [rows][width] each.
struct DeltaNetActivations {
  DeltaNetActivations() = default;
  DeltaNetActivations(int rows, const DeltaNetShape& shape);
  std::vector<float> mixed;   // the q|k|v projection [rows][channels]
  std::vector<float> conv;    // after the causal convolution and SiLU, q and k L2-normalised [rows][channels]
  std::vector<float> z;       // the output gate [rows][value_dim]
  std::vector<float> beta;    // sigmoid(ssm_beta h): each head's write strength [rows][n_v_heads]
  std::vector<float> decay;   // each head's log-decay g [rows][n_v_heads]
  std::vector<float> out;     // the recurrence's output, then gated-normed [rows][value_dim]
  uint64_t bytes() const;
};

// Loads the tensors of layer `layer`'s block, checking every shape against
// `shape` and that the decay rates A are negative.
DeltaNetLayer load_delta_net(Weights& w, int layer, const DeltaNetShape& shape, int n_embd);

// The conv window and recurrent state this block carries across calls.
memory::LayerMemorySpec delta_net_memory(const DeltaNetShape& shape);

// out[n][E] = delta-net block `layer` applied to the normalised input h[n][E];
// each segment's rows continue, left to right, what its state's recurrent
// memory of this layer has seen.
void delta_net_forward(ForwardContext& ctx, std::span<const Segment> segments, int layer, const DeltaNetLayer& L,
                       float eps, const float* h, int n, DeltaNetActivations& act, float* out);

}  // namespace edgelm::models
