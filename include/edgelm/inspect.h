// A description of a GGUF model file: metadata, tensor table, totals, and the
// per-layer memory the model needs.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace edgelm {

struct FileReport {
  struct Tensor {
    std::string name;
    std::string type;
    std::vector<int64_t> shape;
    uint64_t bytes = 0;
  };
  struct TypeTotal {
    std::string type;
    int count = 0;
    uint64_t elements = 0;
    uint64_t bytes = 0;
  };
  struct Layer {
    int index = 0;
    std::string kind;                 // full, sliding, shared-kv ..., recurrent
    uint64_t kv_bytes_per_token = 0;  // at the default f16 KV encoding
    uint64_t state_bytes = 0;         // fixed recurrent state
  };

  std::string path;
  uint32_t version = 0;
  uint64_t file_size = 0;
  std::string architecture;
  std::vector<std::pair<std::string, std::string>> metadata;   // key -> printable value (long arrays summarised)
  std::vector<std::pair<std::string, std::string>> hparams;    // what the loader derived
  std::vector<Tensor> tensors;
  std::vector<TypeTotal> totals;
  uint64_t n_params = 0;
  std::vector<Layer> layers;
  std::string model_error;    // non-empty when the file is valid GGUF but not a loadable model
};

FileReport inspect_file(const std::string& path);

}  // namespace edgelm
