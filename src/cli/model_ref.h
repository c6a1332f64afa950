// Every `-m` accepts a GGUF path or a hub reference (OWNER/REPO[:QUANT]).
#pragma once
#include <string>

#include "hub/hub.h"

namespace edgelm::cli {

// A local path comes back unchanged; a reference is pulled into the cache
// (progress on stderr) and its path returned.
std::string resolve_model_argument(const std::string& text);

// The hub settings from the environment, reporting to `bar` and stderr.
hub::HubOptions hub_options_for_cli(hub::ProgressBar& bar);

}  // namespace edgelm::cli
