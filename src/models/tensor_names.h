// The GGUF names of every tensor the architectures here read, in one table
// that the loaders and `edgelm synth` (which writes them) share. Names are
// those llama.cpp's converters write. Model-wide tensors go by the name
// alone; a layer's by "blk.<i>." + name (blk(i, name)).
#pragma once
#include <string>
#include <string_view>

namespace edgelm::models::tensor_names {

// ---- model-wide ----
inline constexpr char kTokenEmbd[] = "token_embd.weight";
inline constexpr char kOutputNorm[] = "output_norm.weight";
inline constexpr char kOutput[] = "output.weight";                    // absent: tied to kTokenEmbd
inline constexpr char kRopeFreqs[] = "rope_freqs.weight";             // per-pair frequency factors
inline constexpr char kPerLayerTokenEmbd[] = "per_layer_token_embd.weight";   // Gemma 4 PLE
inline constexpr char kPerLayerModelProj[] = "per_layer_model_proj.weight";
inline constexpr char kPerLayerProjNorm[] = "per_layer_proj_norm.weight";

// ---- per layer: attention ----
inline constexpr char kAttnNorm[] = "attn_norm.weight";
inline constexpr char kAttnQ[] = "attn_q.weight";
inline constexpr char kAttnK[] = "attn_k.weight";
inline constexpr char kAttnV[] = "attn_v.weight";
inline constexpr char kAttnQkv[] = "attn_qkv.weight";       // fused Q|K|V (Qwen3.5: also the delta net's)
inline constexpr char kAttnOutput[] = "attn_output.weight";
inline constexpr char kAttnQBias[] = "attn_q.bias";
inline constexpr char kAttnKBias[] = "attn_k.bias";
inline constexpr char kAttnVBias[] = "attn_v.bias";
inline constexpr char kAttnOutputBias[] = "attn_output.bias";
inline constexpr char kAttnQNorm[] = "attn_q_norm.weight";
inline constexpr char kAttnKNorm[] = "attn_k_norm.weight";
inline constexpr char kAttnGate[] = "attn_gate.weight";      // Qwen3.5 delta net's output gate
inline constexpr char kPostAttentionNorm[] = "post_attention_norm.weight";

// ---- per layer: feed-forward ----
inline constexpr char kFfnNorm[] = "ffn_norm.weight";
inline constexpr char kFfnGate[] = "ffn_gate.weight";
inline constexpr char kFfnUp[] = "ffn_up.weight";
inline constexpr char kFfnDown[] = "ffn_down.weight";
inline constexpr char kFfnGateBias[] = "ffn_gate.bias";
inline constexpr char kFfnUpBias[] = "ffn_up.bias";
inline constexpr char kFfnDownBias[] = "ffn_down.bias";
inline constexpr char kFfnGateInp[] = "ffn_gate_inp.weight";  // a mixture-of-experts router (refused)
inline constexpr char kPostFfwNorm[] = "post_ffw_norm.weight";

// ---- per layer: Gemma 4's per-layer-input branch and output scale ----
inline constexpr char kPleInpGate[] = "inp_gate.weight";
inline constexpr char kPleProj[] = "proj.weight";
inline constexpr char kPlePostNorm[] = "post_norm.weight";
inline constexpr char kLayerOutputScale[] = "layer_output_scale.weight";

// ---- per layer: Qwen3.5's gated delta net ----
inline constexpr char kSsmBeta[] = "ssm_beta.weight";
inline constexpr char kSsmAlpha[] = "ssm_alpha.weight";
inline constexpr char kSsmDtBias[] = "ssm_dt.bias";
inline constexpr char kSsmA[] = "ssm_a";
inline constexpr char kSsmConv1d[] = "ssm_conv1d.weight";
inline constexpr char kSsmNorm[] = "ssm_norm.weight";
inline constexpr char kSsmOut[] = "ssm_out.weight";

// "blk.<layer>." + name
inline std::string blk(int layer, std::string_view name) {
  std::string s = "blk." + std::to_string(layer) + ".";
  s += name;
  return s;
}

}  // namespace edgelm::models::tensor_names
