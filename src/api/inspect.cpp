#include "edgelm/inspect.h"

#include <map>
#include <sstream>

#include "edgelm/error.h"
#include "gguf/gguf.h"
#include "models/model.h"

namespace edgelm {
namespace {

template <typename T>
std::string join_values(const std::vector<T>& v, size_t limit) {
  std::ostringstream s;
  s << "[";
  for (size_t i = 0; i < v.size() && i < limit; ++i) s << (i ? ", " : "") << v[i];
  if (v.size() > limit) s << ", ... (" << v.size() << " values)";
  s << "]";
  return s.str();
}

std::string printable(const gguf::Value& v) {
  using VT = gguf::ValueType;
  const size_t kLimit = 8;
  auto ints = [&] { std::vector<long long> out(v.ints.begin(), v.ints.end()); return out; };
  if (v.is_array()) {
    if (v.elem_type == VT::STRING) {
      std::vector<std::string> q;
      for (size_t i = 0; i < v.strs.size() && i < kLimit; ++i) q.push_back("\"" + v.strs[i] + "\"");
      std::string s = join_values(q, kLimit);
      if (v.strs.size() > kLimit) s.insert(s.size() - 1, ", ... (" + std::to_string(v.strs.size()) + " strings)");
      return s;
    }
    if (!v.floats.empty()) return join_values(v.floats, kLimit);
    if (!v.uints.empty()) return join_values(v.uints, kLimit);
    return join_values(ints(), kLimit);
  }
  if (v.type == VT::STRING) return v.str.size() > 200 ? "\"" + v.str.substr(0, 200) + "...\" (" + std::to_string(v.str.size()) + " bytes)" : "\"" + v.str + "\"";
  if (v.type == VT::BOOL) return v.ints.at(0) ? "true" : "false";
  if (!v.floats.empty()) {
    std::ostringstream s;
    s << v.floats[0];
    return s.str();
  }
  if (!v.uints.empty()) return std::to_string(v.uints[0]);
  return std::to_string(v.ints.at(0));
}

uint64_t kv_bytes_per_token(const memory::LayerMemorySpec& s) {
  if (s.kind != memory::LayerMemorySpec::Kind::Kv) return 0;
  // At the default cache encoding (f16).
  const int64_t k = static_cast<int64_t>(s.n_head_kv) * s.head_dim_k, v = static_cast<int64_t>(s.n_head_kv) * s.head_dim_v;
  return kernels::kv_row_bytes(kernels::KvType::F16, k) + kernels::kv_row_bytes(kernels::KvType::F16, v);
}

void describe_model(FileReport& r, std::unique_ptr<gguf::File> file) {
  std::unique_ptr<models::Model> model;
  try {
    model = models::Model::load(std::move(file));
  } catch (const Error& e) {
    r.model_error = e.what();
    return;
  }
  const models::HParams& hp = model->hparams();
  r.hparams = {{"n_embd", std::to_string(hp.n_embd)},
               {"n_layer", std::to_string(hp.n_layer)},
               {"n_vocab", std::to_string(hp.n_vocab)},
               {"n_ctx_train", std::to_string(hp.n_ctx_train)},
               {"weight_bytes_used", std::to_string(model->weight_bytes())}};
  const auto specs = model->memory_specs();
  for (int i = 0; i < hp.n_layer; ++i) {
    FileReport::Layer l;
    l.index = i;
    l.kind = models::layer_kind_name(hp.layer_kinds.at(i));
    l.kv_bytes_per_token = kv_bytes_per_token(specs[i]);
    l.state_bytes = (specs[i].conv_floats + specs[i].state_floats) * sizeof(float);
    r.layers.push_back(l);
  }
}

}  // namespace

FileReport inspect_file(const std::string& path) {
  auto file = gguf::File::open(path);
  FileReport r;
  r.path = path;
  r.version = file->version();
  r.file_size = file->file_size();
  r.architecture = file->get_string("general.architecture").value_or("");
  for (const auto& [key, value] : file->metadata()) r.metadata.emplace_back(key, printable(value));
  std::map<std::string, FileReport::TypeTotal> totals;
  for (const gguf::TensorInfo& t : file->tensors()) {
    FileReport::Tensor row{t.name, type_name(static_cast<uint32_t>(t.type)), {}, t.nbytes};
    for (uint32_t d = 0; d < std::max<uint32_t>(1, t.n_dims); ++d) row.shape.push_back(t.ne[d]);
    r.tensors.push_back(row);
    FileReport::TypeTotal& tt = totals[row.type];
    tt.type = row.type;
    ++tt.count;
    tt.elements += static_cast<uint64_t>(t.n_elements());
    tt.bytes += t.nbytes;
    r.n_params += static_cast<uint64_t>(t.n_elements());
  }
  for (auto& [name, total] : totals) r.totals.push_back(total);
  describe_model(r, std::move(file));
  return r;
}

}  // namespace edgelm
