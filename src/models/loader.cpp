#include "models/loader.h"

#include <cmath>
#include <cstdio>
#include <string_view>

#include "edgelm/error.h"

namespace edgelm::models {

namespace {

// Every numeric hyperparameter a loader reads, with the range it may take:
// far above any published model, so that hostile metadata becomes an error
// naming the key before any arithmetic uses it (a zero head count divides,
// a huge one overflows a product or allocates without bound, a NaN rope base
// gives NaN logits).
struct IntLimit {
  std::string_view suffix;
  int64_t lo, hi;
};
constexpr IntLimit kIntLimits[] = {
    {"embedding_length", 1, 1 << 16},
    {"block_count", 1, 1024},
    {"context_length", 1, int64_t{1} << 24},
    {"attention.head_count", 1, 1024},
    {"attention.head_count_kv", 1, 1024},
    {"attention.key_length", 1, 4096},
    {"attention.value_length", 1, 4096},
    {"attention.key_length_swa", 1, 4096},
    {"attention.value_length_swa", 1, 4096},
    {"feed_forward_length", 1, 1 << 20},
    {"rope.dimension_count", 2, 4096},
    {"rope.dimension_count_swa", 2, 4096},
    {"attention.sliding_window", 0, int64_t{1} << 24},
    {"attention.sliding_window_pattern", 1, 1024},
    {"attention.shared_kv_layers", 0, 1024},
    {"full_attention_interval", 1, 1024},
    {"nextn_predict_layers", 0, 64},
    {"embedding_length_per_layer_input", 1, 1 << 16},
    {"ssm.conv_kernel", 1, 64},
    {"ssm.state_size", 1, 4096},
    {"ssm.group_count", 1, 1024},
    {"ssm.time_step_rank", 1, 1024},
    {"ssm.inner_size", 1, int64_t{1} << 22},
};

struct FloatLimit {
  std::string_view suffix;
  double lo, hi;
  bool lo_open;   // lo itself excluded
};
constexpr FloatLimit kFloatLimits[] = {
    {"attention.layer_norm_rms_epsilon", 0.0, 0.5, true},
    {"rope.freq_base", 1.0, 1e12, false},
    {"rope.freq_base_swa", 1.0, 1e12, false},
    {"rope.scaling.factor", 0.0, 1e6, false},
    {"rope.scale_linear", 0.0, 1e6, false},
    {"final_logit_softcapping", 0.0, 1e6, false},
    {"attn_logit_softcapping", 0.0, 1e6, false},
};

}  // namespace

int64_t Metadata::checked_int(const std::string& suffix, int64_t v) const {
  for (const IntLimit& l : kIntLimits)
    if (l.suffix == suffix) {
      if (v < l.lo || v > l.hi)
        throw Error("metadata key " + gguf::quoted(key(suffix)) + " = " + std::to_string(v) + " is out of range [" +
                    std::to_string(l.lo) + ", " + std::to_string(l.hi) + "]");
      return v;
    }
  throw Error("internal: no range for metadata key " + gguf::quoted(key(suffix)) + " (add it to kIntLimits)");
}

float Metadata::checked_float(const std::string& suffix, double v) const {
  for (const FloatLimit& l : kFloatLimits)
    if (l.suffix == suffix) {
      const bool ok = std::isfinite(v) && (l.lo_open ? v > l.lo : v >= l.lo) && v <= l.hi;
      if (!ok) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%g", v);
        throw Error("metadata key " + gguf::quoted(key(suffix)) + " = " + buf + " is out of range " + (l.lo_open ? "(" : "[") +
                    std::to_string(l.lo) + ", " + std::to_string(l.hi) + "]");
      }
      return static_cast<float>(v);
    }
  throw Error("internal: no range for metadata key " + gguf::quoted(key(suffix)) + " (add it to kFloatLimits)");
}

int64_t Metadata::req_int(const std::string& suffix) const {
  auto v = file_.get_int(key(suffix));
  if (!v) throw Error("missing metadata key " + gguf::quoted(key(suffix)));
  return checked_int(suffix, *v);
}

int64_t Metadata::opt_int(const std::string& suffix, int64_t def) const {
  return checked_int(suffix, file_.get_int(key(suffix)).value_or(def));
}

float Metadata::req_float(const std::string& suffix) const {
  auto v = file_.get_float(key(suffix));
  if (!v) throw Error("missing metadata key " + gguf::quoted(key(suffix)));
  return checked_float(suffix, *v);
}

float Metadata::opt_float(const std::string& suffix, float def) const {
  auto v = file_.get_float(key(suffix));
  return checked_float(suffix, v ? *v : def);
}

bool Metadata::has(const std::string& suffix) const { return file_.find(key(suffix)) != nullptr; }

std::vector<int64_t> Metadata::per_layer_int(const std::string& suffix, int n_layer,
                                             std::optional<int64_t> def) const {
  const gguf::Value* v = file_.find(key(suffix));
  if (!v) {
    if (!def) throw Error("missing metadata key " + gguf::quoted(key(suffix)));
    return std::vector<int64_t>(n_layer, checked_int(suffix, *def));
  }
  if (!v->is_array()) {
    const auto scalar = file_.get_int(key(suffix));
    if (!scalar) throw Error("metadata key " + gguf::quoted(key(suffix)) + " is not an integer");
    return std::vector<int64_t>(n_layer, checked_int(suffix, *scalar));
  }
  const auto array = file_.get_int_array(key(suffix));
  if (!array) throw Error("metadata key " + gguf::quoted(key(suffix)) + " is not an integer array");
  if (static_cast<int>(array->size()) != n_layer)
    throw Error("metadata key " + gguf::quoted(key(suffix)) + " has " + std::to_string(array->size()) +
                " entries, expected one per layer (" + std::to_string(n_layer) + ")");
  for (int64_t x : *array) checked_int(suffix, x);
  return *array;
}

std::vector<bool> Metadata::per_layer_bool(const std::string& suffix, int n_layer) const {
  auto values = file_.get_bool_array(key(suffix));
  if (!values) throw Error("missing metadata key '" + key(suffix) + "'");
  if (static_cast<int>(values->size()) != n_layer)
    throw Error("metadata key '" + key(suffix) + "' has " + std::to_string(values->size()) +
                " entries, expected one per layer (" + std::to_string(n_layer) + ")");
  return *values;
}

std::string shape_string(const gguf::TensorInfo& t) {
  std::string s = "{";
  for (uint32_t i = 0; i < std::max<uint32_t>(1, t.n_dims); ++i) s += (i ? ", " : "") + std::to_string(t.ne[i]);
  return s + "}";
}

const gguf::TensorInfo& Weights::find(const std::string& name) const {
  const gguf::TensorInfo* t = file_.find_tensor(name);
  if (!t) throw Error("missing tensor '" + name + "'");
  return *t;
}

kernels::MatrixView Weights::view(const std::string& name, int64_t cols, int64_t rows) {
  const gguf::TensorInfo& t = find(name);
  if (t.ne[0] != cols || t.ne[1] != rows || t.ne[2] != 1 || t.ne[3] != 1)
    throw Error("tensor '" + name + "' has shape " + shape_string(t) + ", expected {" +
                std::to_string(cols) + ", " + std::to_string(rows) + "}");
  const TypeTraits* traits = type_traits(static_cast<uint32_t>(t.type));
  if (!traits || !traits->can_dequantize)
    throw Error("unsupported tensor type " + type_name(static_cast<uint32_t>(t.type)) + " in tensor '" + name + "'");
  if (used_.insert(name).second) used_bytes_ += t.nbytes;
  kernels::MatrixView m;
  m.type = t.type;
  m.data = file_.tensor_data(t);
  m.cols = cols;
  m.rows = rows;
  m.row_bytes = row_bytes(t.type, cols);
  m.file_backed = file_.is_mapped();
  return m;
}

kernels::MatrixView Weights::matrix(const std::string& name, int64_t cols, int64_t rows) {
  kernels::MatrixView m = view(name, cols, rows);
  for (const kernels::MatrixView& seen : matrices_)
    if (seen.data == m.data) return seen;   // the same tensor again: share its packing
  matrices_.push_back(m);
  return m;
}

kernels::MatrixView Weights::table(const std::string& name, int64_t cols, int64_t rows) {
  kernels::MatrixView m = view(name, cols, rows);
  m.packs = nullptr;   // row look-ups only
  return m;
}

std::optional<kernels::MatrixView> Weights::opt_matrix(const std::string& name, int64_t cols, int64_t rows) {
  if (!has(name)) return std::nullopt;
  return matrix(name, cols, rows);
}

const float* Weights::vector(const std::string& name, int64_t n) {
  const gguf::TensorInfo& t = find(name);
  if (t.n_elements() != n || t.ne[0] != n)
    throw Error("tensor '" + name + "' has shape " + shape_string(t) + ", expected {" + std::to_string(n) + "}");
  if (used_.insert(name).second) used_bytes_ += t.nbytes;
  if (t.type == GgmlType::F32) return reinterpret_cast<const float*>(file_.tensor_data(t));
  const TypeTraits* traits = type_traits(static_cast<uint32_t>(t.type));
  if (!traits || !traits->can_dequantize || n % traits->block_elems != 0)
    throw Error("unsupported tensor type " + type_name(static_cast<uint32_t>(t.type)) + " in tensor '" + name + "'");
  converted_.push_back(std::make_unique<std::vector<float>>(n));
  dequantize_row(t.type, file_.tensor_data(t), converted_.back()->data(), n);
  return converted_.back()->data();
}

const float* Weights::opt_vector(const std::string& name, int64_t n) {
  return has(name) ? vector(name, n) : nullptr;
}

void Weights::skip(const std::string& name) { used_.insert(name); }

std::vector<std::string> Weights::unused() const {
  std::vector<std::string> out;
  for (const gguf::TensorInfo& t : file_.tensors())
    if (!used_.count(t.name)) out.push_back(t.name);
  return out;
}

}  // namespace edgelm::models
