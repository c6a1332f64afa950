#include "edgelm/error.h"
#include "models/model.h"

namespace edgelm::models {

std::unique_ptr<Model> load_qwen35(std::unique_ptr<gguf::File>) {
  throw Error("architecture 'qwen35' is not implemented yet");
}

}  // namespace edgelm::models
