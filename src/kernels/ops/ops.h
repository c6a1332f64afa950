// Element-wise and per-row kernels: norms, activations, RoPE, soft-capping.
// Numerics follow llama.cpp's CPU backend where it matters for matching
// reference logits (double-accumulated norms, the RoPE angle recurrence, the
// f16 GELU table).
#pragma once
#include <cstdint>

namespace edgelm::kernels {

// y = rms_norm(x) * w (w may be nullptr: weightless norm). In place allowed.
void rms_norm(const float* x, const float* w, float* y, int n, float eps);
// y = x / max(||x||, eps) (Qwen3.5 linear attention).
void l2_norm(const float* x, float* y, int n, float eps);

float silu(float x);
float sigmoid(float x);
float softplus(float x);
// tanh-approximated GELU evaluated through ggml's f16 lookup table.
float gelu(float x);

// e^x as one lane of ggml's x86 vector exponential (ggml_v_expf: a degree-5
// polynomial scaled through the exponent bits; within 3e-7 relative of e^x,
// 0 for -inf). softmax and SiLU use it where llama.cpp's CPU path does.
float exp_vec(float x);

// out[i] = act(gate[i]) * up[i] (in place allowed) over ONE row of n: SiLU
// is evaluated as ggml's x86 (AVX2) build does, so the position in the row
// matters: the first n - n % 8 elements through its vector exponential, the
// rest through expf; within 3e-7 relative of silu, bit-identical on every ISA.
void swiglu(const float* gate, const float* up, float* out, int n);
void silu_in_place(float* x, int n);               // x = silu(x) over one row, as swiglu
void geglu(const float* gate, const float* up, float* out, int n);

void softcap(float* x, int n, float cap);           // x = cap * tanh(x / cap), within 2e-7 relative
void add(float* y, const float* x, int n);          // y += x
void scale(float* y, float s, int n);               // y *= s

enum class RopeMode { Normal, Neox };

struct RopeParams {
  int n_rot = 0;                // rotated dims per head (the rest pass through)
  float freq_base = 10000.0f;
  float freq_scale = 1.0f;
  float attn_factor = 1.0f;
  const float* freq_factors = nullptr;   // n_rot/2 divisors, optional
  RopeMode mode = RopeMode::Neox;
};

// Precomputes (cos, sin) for every pair at position `pos`: cs[2*i], cs[2*i+1].
void rope_cache(const RopeParams& p, int64_t pos, float* cs);
// Rotates n_heads vectors of head_dim floats in place with a precomputed cache.
void rope_apply(const RopeParams& p, const float* cs, float* x, int n_heads, int head_dim);

}  // namespace edgelm::kernels
