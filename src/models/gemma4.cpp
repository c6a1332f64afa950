#include "edgelm/error.h"
#include "models/model.h"

namespace edgelm::models {

std::unique_ptr<Model> load_gemma4(std::unique_ptr<gguf::File>) {
  throw Error("architecture 'gemma4' is not implemented yet");
}

}  // namespace edgelm::models
