// The architecture-independent face of a loaded model: hyperparameters, the
// memory each layer needs, and a batched forward pass. One subclass per
// architecture, each in its own file.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "gguf/gguf.h"
#include "kernels/attention/attention.h"
#include "kernels/matmul/matmul.h"
#include "kernels/util/profile.h"
#include "kernels/util/threadpool.h"
#include "memory/state.h"

namespace edgelm::models {

// Per-layer kind, for reporting (inspect) and memory planning.
enum class LayerKind { Full, Sliding, SharedFull, SharedSliding, Recurrent };
const char* layer_kind_name(LayerKind k);

class Weights;

struct HParams {
  std::string arch;
  int n_embd = 0;
  int n_layer = 0;     // trunk layers actually run
  int n_vocab = 0;
  int64_t n_ctx_train = 0;
  float eps = 1e-6f;
  std::vector<LayerKind> layer_kinds;
};

class Model;
struct AttentionLayer;
struct FfnLayer;

// The widest attention and FFN among a model's layers: what its activations
// are sized for.
struct BlockWidths {
  int64_t q_dim = 0, kv_dim = 0, n_ff = 0;
  void include(const AttentionLayer& a);
  void include(const FfnLayer& f);
};

// The named activations of one session's forward passes: one struct per
// architecture family (TransformerActivations and its extensions), sized from
// the model's shapes for the session's batch when the session is created and
// reused by every call, so steady-state decoding does not allocate.
struct Activations {
  virtual ~Activations() = default;
  const Model* model = nullptr;   // the model these were sized for
  int max_rows = 0;               // the most tokens one forward call may carry
  // Bytes held, for memory planning.
  virtual uint64_t bytes() const = 0;
};

// What one session's forward passes reuse: the thread pool, the model's named
// activations and the kernels' own scratch.
class ForwardContext {
 public:
  explicit ForwardContext(int n_threads, bool pin_threads = false) : pool(n_threads, pin_threads) {}
  ThreadPool pool;
  std::unique_ptr<Activations> activations;
  // Activation taps: when set, the model reports named intermediate tensors
  // [rows][cols] as it computes them (Session::set_activation_tap).
  std::function<void(const std::string& name, const float* data, int rows, int64_t cols)> tap;
  kernels::MatmulScratch mm;
  kernels::AttentionScratch att;
  std::vector<float> rope_cs;
};

// Rows [begin, begin + n) of a forward pass continue one conversation's
// state from its position n_past(). A prompt is one segment; conversations
// decoding together are one row each, so every weight is read once for all.
struct Segment {
  memory::State* state = nullptr;
  int begin = 0;
  int n = 0;
};

// Marks layer i's work for `edgelm bench --profile`, by the layer's kind.
inline kernels::profile::Section layer_section(const HParams& hp, size_t i) {
  return kernels::profile::Section(layer_kind_name(hp.layer_kinds.at(i)));
}

class Model {
 public:
  virtual ~Model() = default;
  const HParams& hparams() const { return hp_; }
  const gguf::File& file() const { return *file_; }
  uint64_t weight_bytes() const { return weight_bytes_; }

  // The memory each layer carries across calls (KV cache, recurrent state).
  const std::vector<memory::LayerMemorySpec>& memory_specs() const { return layer_memory_; }

  // The activations of forward calls of up to max_rows tokens.
  std::unique_ptr<Activations> make_activations(int max_rows) const;

  // Builds the SIMD kernels' packed copies of every weight matrix now, so
  // the first prompt does not pay for it.
  void prepack(ThreadPool& pool) const;

  // Runs tokens[0..n) at positions state.n_past() ... and advances the state.
  // Writes n_vocab logits for the last token, or for every token when
  // all_logits is set (row-major [n][n_vocab]).
  void forward(ForwardContext& ctx, memory::State& state, const int32_t* tokens, int n, float* logits,
               bool all_logits) const;

  // The same over segments of the rows, each continuing its own state (which
  // it advances). Logits: every row's ([n][n_vocab]) with all_logits, else the
  // last row of each segment ([segments][n_vocab]). Segments cover [0, n) in
  // order and their states are distinct.
  virtual void forward_batch(ForwardContext& ctx, std::span<const Segment> segments, const int32_t* tokens, int n,
                             float* logits, bool all_logits) const = 0;

  // Opens a GGUF file and builds the model for its architecture.
  static std::unique_ptr<Model> load(const std::string& path);
  static std::unique_ptr<Model> load(std::unique_ptr<gguf::File> file);

 protected:
  // The architecture's activation struct for max_rows tokens.
  virtual std::unique_ptr<Activations> new_activations(int max_rows) const = 0;

  // The context's activations as the architecture's struct A, made anew when
  // they belong to another model or hold fewer than n rows.
  template <typename A>
  A& activations(ForwardContext& ctx, int n) const {
    if (!ctx.activations || ctx.activations->model != this || ctx.activations->max_rows < n)
      ctx.activations = make_activations(n);
    return static_cast<A&>(*ctx.activations);
  }

  // Records a layer as it is loaded: the memory it carries and the widths of
  // its attention (nullptr for a recurrent mixer) and FFN.
  void add_layer(const memory::LayerMemorySpec& memory, const AttentionLayer* attention, const FfnLayer& ffn);

  // The end of every loader: keeps the weights' byte count and matrices, and
  // refuses a file that carries tensors the architecture does not use.
  void finish_loading(const Weights& w);

  std::unique_ptr<gguf::File> file_;
  HParams hp_;
  // Filled by the loader, layer by layer.
  std::vector<memory::LayerMemorySpec> layer_memory_;
  BlockWidths widths_;
  uint64_t weight_bytes_ = 0;
  std::vector<kernels::MatrixView> matrices_;
};

// Architecture constructors (one per file).
std::unique_ptr<Model> load_llama(std::unique_ptr<gguf::File> file);
std::unique_ptr<Model> load_qwen3(std::unique_ptr<gguf::File> file);
std::unique_ptr<Model> load_gemma3(std::unique_ptr<gguf::File> file);
std::unique_ptr<Model> load_gemma4(std::unique_ptr<gguf::File> file);
std::unique_ptr<Model> load_qwen35(std::unique_ptr<gguf::File> file);

}  // namespace edgelm::models
