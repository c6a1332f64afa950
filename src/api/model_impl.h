// What a public edgelm::Model holds: the network and its tokenizer.
#pragma once
#include <memory>

#include "edgelm/edgelm.h"
#include "models/model.h"
#include "tokenizer/tokenizer.h"

namespace edgelm {

struct Model::Impl {
  std::unique_ptr<models::Model> net;
  std::unique_ptr<Tokenizer> tokenizer;
  ModelInfo info;
};

}  // namespace edgelm
