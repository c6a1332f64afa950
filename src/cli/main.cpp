// edgelm: command dispatcher. Each command parses its own flags (CLI11).
#include <cstdio>
#include <cstring>
#include <exception>

#include "cli/commands.h"
#include "edgelm/error.h"

namespace {

struct Command {
  const char* name;
  const char* summary;
  int (*run)(int argc, char** argv);
};

const Command kCommands[] = {
    {"run", "generate text from a prompt", edgelm::cli::cmd_run},
    {"chat", "chat with a model through its chat template", edgelm::cli::cmd_chat},
    {"logits", "write float32 logits for given token ids", edgelm::cli::cmd_logits},
    {"tokenize", "print the token ids of a text", edgelm::cli::cmd_tokenize},
    {"inspect", "describe a GGUF model file", edgelm::cli::cmd_inspect},
    {"synth", "write a random-weight model with a real architecture's shape", edgelm::cli::cmd_synth},
    {"template", "render a chat template for a list of messages", edgelm::cli::cmd_template},
    {"toolcalls", "parse model output into content, reasoning and tool calls", edgelm::cli::cmd_toolcalls},
    {"bench", "measure pp/tg speed against this machine's limits", edgelm::cli::cmd_bench},
    {"serve", "serve the model over the OpenAI chat-completions API", edgelm::cli::cmd_serve},
    {"bench-serve", "measure the server engine under concurrent streams", edgelm::cli::cmd_bench_serve},
    {"eval", "score a model on IFEval, BFCL function calling or agent tasks", edgelm::cli::cmd_eval},
    {"compare", "two models side by side: speed, memory, context, quality", edgelm::cli::cmd_compare},
    {"pull", "download a GGUF model from the Hugging Face hub", edgelm::cli::cmd_pull},
};

void print_usage(FILE* out) {
  std::fprintf(out, "usage: edgelm <command> [options]   (edgelm <command> --help for details)\n\ncommands:\n");
  for (const Command& c : kCommands) std::fprintf(out, "  %-10s %s\n", c.name, c.summary);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    print_usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  for (const Command& c : kCommands) {
    if (std::strcmp(argv[1], c.name) != 0) continue;
    try {
      return c.run(argc - 1, argv + 1);
    } catch (const edgelm::Error& e) {
      std::fprintf(stderr, "error: %s\n", e.what());
      return 2;
    } catch (const std::bad_alloc&) {
      std::fprintf(stderr, "error: out of memory\n");
      return 2;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "error: %s\n", e.what());
      return 2;
    }
  }
  std::fprintf(stderr, "error: unknown command '%s'\n", argv[1]);
  print_usage(stderr);
  return 2;
}
