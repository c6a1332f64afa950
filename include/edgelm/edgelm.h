// edgelm public API: load a GGUF model, open a session, feed tokens, sample.
//
//   auto model = edgelm::Model::load("model.gguf");
//   edgelm::Session session(*model);
//   edgelm::Sampler sampler({.temperature = 0.7f, .seed = 1});
//   edgelm::generate(session, sampler, model->tokenize("Hello", true), 64,
//                    [](const std::string& piece) { fputs(piece.c_str(), stdout); return true; });
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "edgelm/error.h"

namespace edgelm {

struct ModelInfo {
  std::string architecture;
  std::string name;
  std::string file_type;        // the quantization recipe general.file_type names ("Q4_K_M"); "" if none
  int n_vocab = 0;
  int n_embd = 0;
  int n_layer = 0;
  int64_t n_ctx_train = 0;
  uint64_t n_params = 0;        // elements of all tensors the model uses
  uint64_t weight_bytes = 0;    // bytes of those tensors in the file
  uint64_t fingerprint = 0;     // hash of the file's metadata and tensor table (saved states carry it)
};

namespace detail {
struct Internals;   // the library's own access to the objects below (not API)
}

class Model {
 public:
  struct Impl;
  // Opens and validates a GGUF file (throws edgelm::Error naming the problem).
  static std::unique_ptr<Model> load(const std::string& path);
  ~Model();

  const ModelInfo& info() const;
  std::vector<int32_t> tokenize(std::string_view text, bool add_special, bool parse_special = true) const;
  std::string token_to_piece(int32_t token) const;
  std::string detokenize(std::span<const int32_t> tokens) const;
  bool is_end_of_generation(int32_t token) const;
  int32_t bos_token() const;   // -1 if none


 private:
  friend struct detail::Internals;
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A tokenizer on its own: from a GGUF file's metadata (no weights needed) or
// from a Hugging Face tokenizer.json.
class Vocabulary {
 public:
  struct Impl;
  static std::unique_ptr<Vocabulary> from_model_file(const std::string& gguf_path);
  static std::unique_ptr<Vocabulary> from_hf_json(const std::string& tokenizer_json_path);
  ~Vocabulary();
  std::vector<int32_t> encode(std::string_view text, bool add_special, bool parse_special = true) const;
  std::string decode(std::span<const int32_t> tokens) const;
  std::string piece(int32_t token) const;
  int n_vocab() const;

 private:
  explicit Vocabulary(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// How the KV cache stores keys and values.
enum class KvType {
  F32,    // as the reference implementations
  F16,    // the default: half the memory, logits within float tolerance
  Q8_0,   // 8-bit blocks of 32
  Q4      // 4-bit, KIVI-style (keys per channel, values per token)
};
const char* kv_type_name(KvType type);            // "f32", "f16", "q8_0", "q4"
KvType parse_kv_type(std::string_view name);      // throws edgelm::Error listing the names

struct SessionOptions {
  int64_t n_ctx = 0;      // context length; 0 = min(training context, 4096)
  int n_threads = 0;      // 0 = all hardware threads
  bool pin_threads = false;   // bind thread i to the i-th allowed CPU (the calling thread too)
  int n_batch = 512;      // prompt tokens per forward pass
  KvType kv_type = KvType::F16;
  size_t snapshot_budget_bytes = size_t{512} << 20;   // LRU of state snapshots for prefix reuse
  int sparse_attention_topk = 0;   // > 0: decode attends to the top-k key pages of full-attention layers
};

// What prefill_cached() did.
struct PrefixReuse {
  int64_t reused_tokens = 0;      // taken from the cache (live state or a snapshot)
  int64_t processed_tokens = 0;   // run through the model
};

// One conversation's state (KV cache, recurrent state) over a shared Model.
class Session {
 public:
  explicit Session(const Model& model, const SessionOptions& options = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Feeds tokens at the current position, in batches of n_batch (or `chunk`
  // when > 0). Returns the logits after the last token (n_vocab floats,
  // valid until the next call).
  std::span<const float> prefill(std::span<const int32_t> tokens, int chunk = 0);
  // Feeds tokens and returns logits for every one of them ([n][n_vocab]).
  std::vector<float> eval_all(std::span<const int32_t> tokens, int chunk = 0);
  // Feeds one token; returns its logits.
  std::span<const float> decode(int32_t token);

  // Continues from the longest cached prefix of `tokens` (the full prompt of
  // a new turn, including earlier turns): keeps what the live state shares
  // with it, rewinds to a snapshot where layers cannot be truncated, and
  // runs only the rest. Leaves a snapshot at the end for the next turn.
  std::span<const float> prefill_cached(std::span<const int32_t> tokens, PrefixReuse* info = nullptr);
  void checkpoint();              // snapshot the current position into the LRU

  int64_t position() const;       // tokens processed so far
  int64_t context_size() const;
  const std::vector<int32_t>& history() const;   // the tokens the state has seen
  size_t state_bytes() const;     // KV caches + recurrent state held now
  void reset();                   // back to an empty context (snapshots are kept)
  // A saved state loads only into a session of the same model file (metadata
  // and tensor table, by fingerprint) and KV type; load() checks the whole
  // file first and changes nothing when it throws.
  void save(const std::string& path) const;
  void load(const std::string& path);

  // Activation taps, for finding where two implementations part: from now on
  // every forward pass reports its named intermediate tensors, [rows][cols]
  // floats for the rows of that pass: "inp_embd"; per layer "blk.N.q_rope",
  // "blk.N.k_rope", "blk.N.attn_out" (before the output projection),
  // "blk.N.attn_proj" (or "blk.N.delta_out"), "blk.N.ffn_act", "blk.N.ffn_out",
  // "blk.N.l_out" (the residual stream after the layer); "result_norm". An
  // empty function turns them off.
  using ActivationTap = std::function<void(const std::string& name, const float* data, int rows, int64_t cols)>;
  void set_activation_tap(ActivationTap tap);
  const Model& model() const { return model_; }

 private:
  friend std::vector<std::span<const float>> decode_together(std::span<Session* const> sessions,
                                                             std::span<const int32_t> tokens);
  struct Impl;
  size_t batch_size(int chunk) const;
  void run(std::span<const int32_t> tokens, int chunk, float* logits, bool all_logits);
  const Model& model_;
  std::unique_ptr<Impl> impl_;
};

// One token for each of several sessions of the same model in a single
// forward pass: every weight is read once for all of them (continuous
// batching), each session continuing at its own position in its own cache.
// Returns each session's logits, as decode() would (valid until that
// session's next call); same results as decoding them one by one, to float
// rounding. Sessions must be distinct; at most SessionOptions::n_batch of the
// first session.
std::vector<std::span<const float>> decode_together(std::span<Session* const> sessions,
                                                    std::span<const int32_t> tokens);

// What the sampler may produce: a JSON Schema or a GBNF grammar, compiled
// against a model's vocabulary. Shareable between samplers (each keeps its own
// position in the grammar).
class GrammarConstraint {
 public:
  struct Impl;
  static std::shared_ptr<const GrammarConstraint> json_schema(const Model& model, const std::string& schema_json);
  static std::shared_ptr<const GrammarConstraint> gbnf(const Model& model, const std::string& grammar_text);
  // Forces tool calls in a family's syntax ("gemma4", "qwen35", "qwen3",
  // "llama3"), arguments valid against each tool's schema. `tools_json` is the
  // OpenAI tools array; `only_tool` (non-empty) allows just that function;
  // max_calls > 1 allows parallel calls (not llama3).
  static std::shared_ptr<const GrammarConstraint> tool_calls(const Model& model, const std::string& tools_json,
                                                             const std::string& family,
                                                             const std::string& only_tool = "",
                                                             int max_calls = 1);
  explicit GrammarConstraint(std::unique_ptr<Impl> impl);
  ~GrammarConstraint();

 private:
  friend struct detail::Internals;
  std::unique_ptr<Impl> impl_;
};

struct SamplerOptions {
  float temperature = 0.8f;     // <= 0: greedy
  int top_k = 40;
  float top_p = 0.95f;
  float min_p = 0.05f;
  float repeat_penalty = 1.0f;
  int repeat_last_n = 64;
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  uint64_t seed = 0;
  std::shared_ptr<const GrammarConstraint> grammar;   // optional
};

class Sampler {
 public:
  explicit Sampler(const SamplerOptions& options = {});
  ~Sampler();
  int32_t sample(std::span<const float> logits);
  void accept(int32_t token);           // a generated token: penalties and grammar
  void accept_context(int32_t token);   // a prompt token: penalties only
  bool grammar_complete() const;        // true without a grammar
  void reset();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct GenerationStats {
  int prompt_tokens = 0;
  int generated_tokens = 0;
  double prompt_seconds = 0.0;
  double generation_seconds = 0.0;
  bool stopped_at_eog = false;
};

// Prefills `prompt` (the whole context: what the session already holds of
// it is reused, see Session::prefill_cached), then samples up to n_predict tokens, calling on_piece
// with each token's text (complete UTF-8 sequences only). Stops at an
// end-of-generation token or when on_piece returns false.
GenerationStats generate(Session& session, Sampler& sampler, std::span<const int32_t> prompt, int n_predict,
                         const std::function<bool(const std::string& piece)>& on_piece);

}  // namespace edgelm
