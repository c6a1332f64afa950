#include "models/loader.h"

#include "edgelm/error.h"

namespace edgelm::models {

int64_t Metadata::req_int(const std::string& suffix) const {
  auto v = file_.get_int(key(suffix));
  if (!v) throw Error("missing metadata key '" + key(suffix) + "'");
  return *v;
}

int64_t Metadata::opt_int(const std::string& suffix, int64_t def) const {
  return file_.get_int(key(suffix)).value_or(def);
}

float Metadata::req_float(const std::string& suffix) const {
  auto v = file_.get_float(key(suffix));
  if (!v) throw Error("missing metadata key '" + key(suffix) + "'");
  return static_cast<float>(*v);
}

float Metadata::opt_float(const std::string& suffix, float def) const {
  auto v = file_.get_float(key(suffix));
  return v ? static_cast<float>(*v) : def;
}

bool Metadata::has(const std::string& suffix) const { return file_.find(key(suffix)) != nullptr; }

std::vector<int64_t> Metadata::per_layer_int(const std::string& suffix, int n_layer,
                                             std::optional<int64_t> def) const {
  const gguf::Value* v = file_.find(key(suffix));
  if (!v) {
    if (!def) throw Error("missing metadata key '" + key(suffix) + "'");
    return std::vector<int64_t>(n_layer, *def);
  }
  if (!v->is_array()) return std::vector<int64_t>(n_layer, *file_.get_int(key(suffix)));
  std::vector<int64_t> values = *file_.get_int_array(key(suffix));
  if (static_cast<int>(values.size()) != n_layer)
    throw Error("metadata key '" + key(suffix) + "' has " + std::to_string(values.size()) +
                " entries, expected one per layer (" + std::to_string(n_layer) + ")");
  return values;
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
