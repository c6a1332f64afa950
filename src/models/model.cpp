#include "models/model.h"

#include "edgelm/error.h"
#include "models/loader.h"

namespace edgelm::models {

const char* layer_kind_name(LayerKind k) {
  switch (k) {
    case LayerKind::Full: return "full";
    case LayerKind::Sliding: return "sliding";
    case LayerKind::SharedFull: return "shared-kv full";
    case LayerKind::SharedSliding: return "shared-kv sliding";
    case LayerKind::Recurrent: return "recurrent";
  }
  return "?";
}

void Model::finish_loading(const Weights& w) {
  weight_bytes_ = w.used_bytes();
  matrices_ = w.matrices();
  const auto extra = w.unused();
  if (!extra.empty())
    throw Error("unexpected tensor " + gguf::quoted(extra.front()) + " for architecture " + gguf::quoted(hp_.arch));
}

std::unique_ptr<Activations> Model::make_activations(int max_rows) const {
  if (max_rows <= 0) throw Error("a forward call needs at least one row");
  std::unique_ptr<Activations> a = new_activations(max_rows);
  a->model = this;
  a->max_rows = max_rows;
  return a;
}

void Model::forward(ForwardContext& ctx, memory::State& state, const int32_t* tokens, int n, float* logits,
                    bool all_logits) const {
  const Segment whole{&state, 0, n};
  forward_batch(ctx, {&whole, 1}, tokens, n, logits, all_logits);
}

void Model::prepack(ThreadPool& pool) const {
  for (const kernels::MatrixView& m : matrices_) kernels::prepack(m, pool);
}

std::unique_ptr<Model> Model::load(const std::string& path) { return load(gguf::File::open(path)); }

std::unique_ptr<Model> Model::load(std::unique_ptr<gguf::File> file) {
  auto arch = file->get_string("general.architecture");
  if (!arch) throw Error("missing metadata key 'general.architecture'");
  struct Entry { const char* name; std::unique_ptr<Model> (*load)(std::unique_ptr<gguf::File>); };
  static const Entry kArchs[] = {
      {"llama", load_llama}, {"qwen3", load_qwen3}, {"gemma3", load_gemma3},
      {"gemma4", load_gemma4}, {"qwen35", load_qwen35},
  };
  for (const Entry& e : kArchs)
    if (*arch == e.name) return e.load(std::move(file));
  throw Error("unknown architecture " + gguf::quoted(*arch) + " (supported: llama, qwen3, gemma3, gemma4, qwen35)");
}

}  // namespace edgelm::models
