// What a public edgelm::Model holds: the network and its tokenizer.
#pragma once
#include <memory>
#include <mutex>

#include "edgelm/edgelm.h"
#include "models/model.h"
#include "sample/grammar/vocabulary.h"
#include "tokenizer/tokenizer.h"

namespace edgelm {

struct Model::Impl {
  std::unique_ptr<models::Model> net;
  std::unique_ptr<Tokenizer> tokenizer;
  ModelInfo info;

  // The token trie grammars walk, built on first use and shared.
  std::shared_ptr<const grammar::Vocabulary> grammar_vocabulary() const {
    std::lock_guard<std::mutex> lock(vocab_mu);
    if (!vocab) vocab = grammar::Vocabulary::from_tokenizer(*tokenizer);
    return vocab;
  }
  mutable std::mutex vocab_mu;
  mutable std::shared_ptr<const grammar::Vocabulary> vocab;
};

}  // namespace edgelm
