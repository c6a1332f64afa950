// Typed, validated access to a model file's metadata and weights. Every
// failure names the key or tensor, so a corrupt or mismatched file is
// reported precisely at load time.
#pragma once
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "gguf/gguf.h"
#include "kernels/matmul/matmul.h"

namespace edgelm::models {

// Metadata keys under the "<arch>." prefix.
class Metadata {
 public:
  Metadata(const gguf::File& file, std::string arch) : file_(file), arch_(std::move(arch)) {}
  const gguf::File& file() const { return file_; }
  const std::string& arch() const { return arch_; }
  std::string key(const std::string& suffix) const { return arch_ + "." + suffix; }

  int64_t req_int(const std::string& suffix) const;
  int64_t opt_int(const std::string& suffix, int64_t def) const;
  float req_float(const std::string& suffix) const;
  float opt_float(const std::string& suffix, float def) const;
  bool has(const std::string& suffix) const;
  // A per-layer key stored as a scalar or as an array of exactly n_layer entries.
  std::vector<int64_t> per_layer_int(const std::string& suffix, int n_layer, std::optional<int64_t> def) const;
  std::vector<bool> per_layer_bool(const std::string& suffix, int n_layer) const;

  // Every integer and float read above passes its key's range (loader.cpp's
  // limit tables) or throws edgelm::Error naming key and value.
  int64_t checked_int(const std::string& suffix, int64_t v) const;
  float checked_float(const std::string& suffix, double v) const;

 private:
  const gguf::File& file_;
  std::string arch_;
};

// Hands out weight views checked for shape and type; remembers which tensors
// were used so that unexpected extra tensors can be reported.
class Weights {
 public:
  explicit Weights(const gguf::File& file) : file_(file) {}

  // A matrix {cols, rows} (ne0 = cols). Throws naming the tensor on a mismatch.
  kernels::MatrixView matrix(const std::string& name, int64_t cols, int64_t rows);
  // A table the model only gathers rows from (embeddings): never packed for matmul.
  kernels::MatrixView table(const std::string& name, int64_t cols, int64_t rows);
  std::optional<kernels::MatrixView> opt_matrix(const std::string& name, int64_t cols, int64_t rows);
  // A 1-D float vector of n elements (converted to f32 if stored otherwise).
  const float* vector(const std::string& name, int64_t n);
  const float* opt_vector(const std::string& name, int64_t n);
  // Marks a tensor as known-but-unused (e.g. MTP blocks, unused shared K/V).
  void skip(const std::string& name);
  bool has(const std::string& name) const { return file_.find_tensor(name) != nullptr; }
  // Names of tensors in the file that no loader asked for.
  std::vector<std::string> unused() const;
  uint64_t used_bytes() const { return used_bytes_; }
  // Every matrix handed out (copies share their packed-weight cache).
  const std::vector<kernels::MatrixView>& matrices() const { return matrices_; }

 private:
  const gguf::TensorInfo& find(const std::string& name) const;
  kernels::MatrixView view(const std::string& name, int64_t cols, int64_t rows);
  const gguf::File& file_;
  std::set<std::string> used_;
  uint64_t used_bytes_ = 0;
  std::vector<kernels::MatrixView> matrices_;
  std::vector<std::unique_ptr<std::vector<float>>> converted_;   // f32 copies of non-f32 vectors
};

std::string shape_string(const gguf::TensorInfo& t);

}  // namespace edgelm::models
