// What a public GrammarConstraint holds: the compiled grammar bound to a
// model's vocabulary (shared by every matcher of it).
#pragma once
#include <memory>

#include "api/model_impl.h"
#include "sample/grammar/engine.h"

namespace edgelm {

struct GrammarConstraint::Impl {
  std::shared_ptr<grammar::GrammarEngine> engine;
};

}  // namespace edgelm
