// edgelm chat: an interactive conversation rendered through the model's own
// chat template, streamed, with reasoning and tool calls parsed per family.
// Lines typed: a message; "/tool NAME RESULT" answers a tool call; "/reset"
// starts over; "/quit" (or end of input) leaves.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "edgelm/json_input.h"
#include "cli/chat_session.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/model_ref.h"
#include "cli/line_reader.h"

namespace edgelm::cli {

int cmd_chat(int argc, char** argv) {
  CLI::App app("Chat with a model through its chat template (streams; shows reasoning and tool calls)", "chat");
  ChatConfig c;
  std::string tools_path, think = "default";
  int64_t seed = -1;
  app.add_option("-m,--model", c.model_path, "GGUF model file or hub reference OWNER/REPO[:QUANT]")->required();
  app.add_option("--system", c.system, "system message");
  app.add_option("--tools", tools_path, "JSON file with an array of tools (OpenAI format)");
  app.add_option("--think", think, "reasoning: on, off or default (the template's default)")
      ->check(CLI::IsMember({"on", "off", "default"}));
  app.add_option("--template", c.template_path, "use this Jinja chat template instead of the model's");
  app.add_option("-n,--n-predict", c.n_predict, "most tokens per reply")->capture_default_str()->check(CLI::Range(1, 1 << 20));
  app.add_option("-c,--ctx-size", c.n_ctx, "context length (0 = min(train, 4096))")->check(CLI::Range(int64_t{0}, int64_t{1} << 24));
  app.add_option("-t,--threads", c.n_threads, "threads (0 = all)")->check(CLI::Range(0, 1024));
  app.add_flag("--pin", c.pin_threads, "bind thread i to the i-th CPU this process may use (the main thread too)");
  app.add_option("--temp", c.sampling.temperature, "temperature (0 = greedy)")->capture_default_str();
  app.add_option("--top-k", c.sampling.top_k, "top-k")->capture_default_str();
  app.add_option("--top-p", c.sampling.top_p, "top-p")->capture_default_str();
  app.add_option("--min-p", c.sampling.min_p, "min-p")->capture_default_str();
  app.add_option("--seed", seed, "random seed (-1 = from the clock)")->capture_default_str();
  app.add_option("--overflow", c.overflow, "when the conversation outgrows the context: truncate (drop oldest turns) or error")
      ->capture_default_str()->check(CLI::IsMember({"truncate", "error"}));
  if (int rc = parse_or_exit(app, argc, argv); rc >= 0) return rc;
  c.model_path = resolve_model_argument(c.model_path);
  require_file(c.model_path, "model file");
  if (!tools_path.empty()) {
    require_file(tools_path, "tools file");
    const std::string text = read_file(tools_path, "tools");
    if (json_too_deep(text)) throw Error("tools file '" + tools_path + "' nests arrays and objects too deeply");
    try {
      c.tools = Json::parse(text);
    } catch (const Error&) {
      throw Error("tools file '" + tools_path + "' must hold a JSON array");
    }
    if (!c.tools.is_array()) throw Error("tools file '" + tools_path + "' must hold a JSON array");
  }
  if (think != "default") c.enable_thinking = think == "on";
  c.sampling.seed = seed >= 0 ? static_cast<uint64_t>(seed) : static_cast<uint64_t>(time(nullptr));

  ChatSession chat(c);
  const bool interactive = isatty(STDIN_FILENO);
  LineReader reader(interactive);
  if (interactive) std::fprintf(stderr, "%s\n", chat.banner().c_str());
  std::string line;
  while (reader.read(interactive ? "> " : "", line)) {
    if (line == "/quit" || line == "/exit") break;
    if (line.empty()) continue;
    if (line == "/reset") {
      chat.reset();
      continue;
    }
    if (line.rfind("/tool ", 0) == 0) chat.add_tool_result(line.substr(6));
    else chat.add_user(line);
    chat.reply(stdout);
  }
  return 0;
}

}  // namespace edgelm::cli
