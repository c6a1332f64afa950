// edgelm pull: a GGUF file from the Hugging Face hub into the local cache.
//   edgelm pull OWNER/REPO[:QUANT]   (or OWNER/REPO/FILE.gguf; HF_TOKEN, HF_ENDPOINT honoured)
#include <cstdio>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/model_ref.h"
#include "edgelm/error.h"
#include "hub/hub.h"

namespace edgelm::cli {

int cmd_pull(int argc, char** argv) {
  CLI::App app{"Download a GGUF model from the Hugging Face hub (HF_ENDPOINT, HF_TOKEN) into the cache "
               "($EDGELM_CACHE, else ~/.cache/edgelm), resuming an interrupted download and checking its sha256; "
               "prints the file's path",
               "pull"};
  std::string reference;
  bool offline = false;
  app.add_option("reference", reference, "OWNER/REPO[:QUANT] or OWNER/REPO/FILE.gguf")->required();
  app.add_flag("--offline", offline, "only look in the cache");
  if (const int rc = parse_or_exit(app, argc, argv); rc >= 0) return rc;
  const std::optional<hub::Reference> ref = hub::parse_reference(reference);
  if (!ref) throw Error("'" + reference + "' is not a hub reference (OWNER/REPO[:QUANT] or OWNER/REPO/FILE.gguf)");
  hub::ProgressBar bar(reference);
  hub::HubOptions o = hub_options_for_cli(bar);
  o.offline = o.offline || offline;
  const std::filesystem::path path = hub::pull(*ref, o);
  bar.finish();
  std::printf("%s\n", path.c_str());
  return 0;
}

}  // namespace edgelm::cli
