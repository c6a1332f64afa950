// edgelm template: render a chat template for a list of messages and print
// the prompt exactly (nothing else) on stdout.
//
//   edgelm template -m model.gguf --messages chat.json
//   edgelm template --template t.jinja --messages chat.json --tools tools.json
//       --kwargs '{"add_generation_prompt": true}' --now 2026-01-15T09:30:00
//
// --messages holds either a JSON array of messages, or an object with
// "messages" and optionally "tools", "documents" and "kwargs" (an object of
// template variables); any other key of that object is taken as a template
// variable too, except the reference-record fields "id", "rendered", "error"
// and "error_type" (so a line of ../shared/chat/rendered/*.jsonl works as is).
// Later sources win: file kwargs < --bos/--eos < --kwargs.
//
// Exit status: 0 on success; 1 when the template raises (the error class and
// message go to stderr); 2 for bad flags or unreadable input.
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>

#include "edgelm/json_input.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/model_ref.h"
#include "edgelm/chat.h"
#include "edgelm/error.h"

namespace edgelm::cli {
namespace {

using Json = JsonDoc;

std::string read_text(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(std::string(what) + " file '" + path + "' cannot be opened");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Json parse_json(const std::string& text, const std::string& what) {
  if (json_too_deep(text)) throw Error(what + " nests arrays and objects more than " + std::to_string(kMaxJsonDepth) + " levels deep");
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw Error(what + " is not valid JSON");
  return j;
}

void merge_kwargs(Json& into, const Json& from, const std::string& what) {
  if (from.is_null()) return;
  if (!from.is_object()) throw Error(what + " must be a JSON object");
  for (auto it = from.begin(); it != from.end(); ++it) into[it.key()] = it.value();
}

// What a template is rendered with, edited here as JSON and handed to the API
// at the end (chat::ChatInputs).
struct Inputs {
  Json messages = Json::array();
  Json tools;
  Json documents;
  Json kwargs = Json::object();
  Json special_tokens = Json::object();
};

// Reads --messages: a bare array, or an object carrying messages and more.
void load_messages(const std::string& path, Inputs& in) {
  Json doc = parse_json(read_text(path, "messages"), "messages file '" + path + "'");
  if (doc.is_array()) {
    in.messages = std::move(doc);
    return;
  }
  if (!doc.is_object() || !doc.contains("messages"))
    throw Error("messages file '" + path + "' must hold a JSON array or an object with \"messages\"");
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    const std::string& key = it.key();
    if (key == "messages") in.messages = it.value();
    else if (key == "tools") in.tools = it.value();
    else if (key == "documents") in.documents = it.value();
    else if (key == "kwargs") merge_kwargs(in.kwargs, it.value(), "\"kwargs\" in '" + path + "'");
    else if (key != "id" && key != "rendered" && key != "error" && key != "error_type") in.kwargs[key] = it.value();
  }
}

// "2026-01-15T09:30:00" (or with a space, or a date alone) as local time.
std::tm parse_now(const std::string& text) {
  for (const char* fmt : {"%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d"}) {
    std::tm t{};
    std::istringstream ss(text);
    ss >> std::get_time(&t, fmt);
    if (ss.fail()) continue;
    // Fractional seconds / a zone suffix are accepted and ignored.
    std::string rest;
    ss >> rest;
    if (!rest.empty() && rest[0] != '.' && rest[0] != 'Z' && rest[0] != '+' && rest[0] != '-') continue;
    t.tm_isdst = -1;
    std::tm normalized = t;
    if (std::mktime(&normalized) == -1) continue;
    t.tm_wday = normalized.tm_wday;
    t.tm_yday = normalized.tm_yday;
    return t;
  }
  throw Error("--now '" + text + "' is not an ISO-8601 date/time such as 2026-01-15T09:30:00");
}

}  // namespace

int cmd_template(int argc, char** argv) {
  CLI::App app("Render a chat template for a list of messages; prints the prompt exactly on stdout", "template");
  std::string model, template_path, variant, messages_path, tools_path, kwargs_text, now_text, bos, eos;
  app.add_option("-m,--model", model, "GGUF model: its tokenizer.chat_template and special tokens");
  app.add_option("--template", template_path, "Jinja chat template file (overrides the model's)");
  app.add_option("--variant", variant, "use tokenizer.chat_template.<NAME> from the model (e.g. tool_use)");
  app.add_option("--messages", messages_path,
                 "JSON file: an array of messages, or an object with \"messages\" and optionally \"tools\", "
                 "\"documents\", \"kwargs\" (other keys are template variables too)")
      ->required();
  app.add_option("--tools", tools_path, "JSON file with the tools array (or an object with \"tools\")");
  app.add_option("--kwargs", kwargs_text, "JSON object of template variables, e.g. '{\"add_generation_prompt\": true}'");
  app.add_option("--now", now_text, "fixed local time for strftime_now, e.g. 2026-01-15T09:30:00");
  app.add_option("--bos", bos, "bos_token text (with --template)");
  app.add_option("--eos", eos, "eos_token text (with --template)");
  if (int rc = parse_or_exit(app, argc, argv); rc >= 0) return rc;
  if (!model.empty()) model = resolve_model_argument(model);
  if (model.empty() && template_path.empty()) throw Error("give a model (-m) or a template file (--template)");

  Inputs in;
  chat::ChatInputs api;
  std::string source;
  if (!model.empty()) {
    chat::GgufChatInfo info = chat::read_gguf_chat_info(model, variant);
    in.special_tokens = from_api(info.special_tokens);
    if (template_path.empty()) {
      if (!info.chat_template)
        throw Error("model '" + model + "' has no tokenizer.chat_template" + (variant.empty() ? "" : "." + variant));
      source = *info.chat_template;
    }
  }
  if (!template_path.empty()) source = read_text(template_path, "template");
  if (!bos.empty()) in.special_tokens["bos_token"] = bos;
  if (!eos.empty()) in.special_tokens["eos_token"] = eos;

  load_messages(messages_path, in);
  if (!tools_path.empty()) {
    Json tools = parse_json(read_text(tools_path, "tools"), "tools file '" + tools_path + "'");
    in.tools = tools.is_object() && tools.contains("tools") ? tools["tools"] : tools;
  }
  if (!kwargs_text.empty()) merge_kwargs(in.kwargs, parse_json(kwargs_text, "--kwargs"), "--kwargs");
  if (!now_text.empty()) {
    const std::tm now = parse_now(now_text);
    api.clock = [now] { return now; };
  }
  api.messages = to_api(in.messages);
  api.tools = to_api(in.tools);
  api.documents = to_api(in.documents);
  api.kwargs = to_api(in.kwargs);
  api.special_tokens = to_api(in.special_tokens);

  try {
    const std::string prompt = chat::ChatTemplate(source).render(api);
    std::fwrite(prompt.data(), 1, prompt.size(), stdout);
    std::fflush(stdout);
    return 0;
  } catch (const chat::TemplateError& e) {
    std::fprintf(stderr, "error: %s: %s\n", e.type().c_str(), e.message().c_str());
    return 1;
  }
}

}  // namespace edgelm::cli
