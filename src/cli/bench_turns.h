// `edgelm bench --turns N`: an agent-style conversation replayed turn by turn
// (each turn = the whole previous context + the model's reply + a new
// message), reporting what each turn had to process and its time to first token.
#pragma once
#include <string>

#include "edgelm/edgelm.h"

namespace edgelm::cli {

struct TurnsOptions {
  std::string model_path;
  int turns = 10;
  int message_tokens = 300;   // new user/tool text per turn
  int reply_tokens = 64;      // tokens the model generates per turn
  int n_threads = 0;
  bool pin_threads = false;
  int n_batch = 512;
  edgelm::KvType kv_type = edgelm::KvType::F16;
  std::string mem_budget;     // optional: context and KV type from the planner
  bool json = false;
  bool no_reuse = false;      // process every turn from scratch (for comparison)
};

int run_turns_bench(const TurnsOptions& o);

}  // namespace edgelm::cli
