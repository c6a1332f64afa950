#include "cli/model_ref.h"

#include <cstdio>

#include "edgelm/error.h"

namespace edgelm::cli {

hub::HubOptions hub_options_for_cli(hub::ProgressBar& bar) {
  hub::HubOptions o = hub::hub_options_from_env();
  if (o.cache_dir.empty()) throw Error("no cache folder for downloads: set EDGELM_CACHE (or HOME)");
  o.progress = bar.callback();
  o.message = [&bar](const std::string& line) {
    bar.finish();
    std::fprintf(stderr, "%s\n", line.c_str());
  };
  return o;
}

std::string resolve_model_argument(const std::string& text) {
  if (!hub::parse_reference(text)) return text;
  hub::ProgressBar bar(text);
  const std::filesystem::path path = hub::resolve_model(text, hub_options_for_cli(bar));
  bar.finish();
  return path.string();
}

}  // namespace edgelm::cli
