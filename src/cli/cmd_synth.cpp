// edgelm synth: write a random-weight model with a real architecture's shape.
#include <cstdio>

#include "cli/commands.h"
#include "cli/common.h"
#include "edgelm/synth.h"

namespace edgelm::cli {

int cmd_synth(int argc, char** argv) {
  std::string presets;
  for (const std::string& p : synth_presets()) presets += "\n  " + p;
  CLI::App app("Write a random-weight GGUF model with a real architecture's shape.\npresets:" + presets, "synth");
  SynthOptions o;
  int64_t seed = 1;
  app.add_option("--arch", o.arch, "architecture")->capture_default_str();
  app.add_option("--preset", o.preset, "size preset")->capture_default_str();
  app.add_option("--type", o.type, "f32 | f16 | bf16 | q8_0 | q4_0 | q4_k_m")->capture_default_str();
  app.add_option("--seed", seed, "random seed")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("-t,--threads", o.n_threads, "threads (0 = all)")->check(CLI::Range(0, 1024));
  app.add_option("-o,--output", o.output, "output GGUF file")->required();
  if (int rc = parse_or_exit(app, argc, argv); rc >= 0) return rc;
  o.seed = static_cast<uint64_t>(seed);
  synthesize_model(o);
  std::fprintf(stderr, "wrote %s (%s %s, %s)\n", o.output.c_str(), o.arch.c_str(), o.preset.c_str(), o.type.c_str());
  return 0;
}

}  // namespace edgelm::cli
