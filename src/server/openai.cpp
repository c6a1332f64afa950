#include "server/openai.h"

#include <cmath>
#include <limits>
#include <random>

#include "edgelm/json_input.h"

namespace edgelm::server {
namespace {

JsonDoc parse_body(const std::string& body) {
  if (json_too_deep(body)) throw ApiError(400, "request nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  JsonDoc j = JsonDoc::parse(body, nullptr, false);
  if (j.is_discarded()) throw ApiError(400, "request body is not valid JSON");
  if (!j.is_object()) throw ApiError(400, "request body must be a JSON object");
  return j;
}

[[noreturn]] void bad(const std::string& param, const std::string& message) { throw ApiError(400, message, "invalid_request_error", param); }

double number(const JsonDoc& j, const char* key, double lo, double hi) {
  const JsonDoc& v = j[key];
  if (!v.is_number()) bad(key, std::string("'") + key + "' must be a number");
  const double x = v.get<double>();
  if (!std::isfinite(x) || x < lo || x > hi)
    bad(key, std::string("'") + key + "' must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  return x;
}

int64_t integer(const JsonDoc& j, const char* key, int64_t lo, int64_t hi) {
  const JsonDoc& v = j[key];
  if (!v.is_number_integer() && !v.is_number_unsigned()) bad(key, std::string("'") + key + "' must be an integer");
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    bad(key, std::string("'") + key + "' is out of range");
  const int64_t x = v.get<int64_t>();
  if (x < lo || x > hi) bad(key, std::string("'") + key + "' must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  return x;
}

bool boolean(const JsonDoc& j, const char* key) {
  if (!j[key].is_boolean()) bad(key, std::string("'") + key + "' must be a boolean");
  return j[key].get<bool>();
}

bool has(const JsonDoc& j, const char* key) { return j.contains(key) && !j[key].is_null(); }

// The text of a message's content: a string, or an array of text parts.
std::string content_text(const JsonDoc& content, const std::string& param) {
  if (content.is_null()) return "";
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array()) bad(param, "'" + param + "' must be a string or an array of content parts");
  std::string out;
  for (const JsonDoc& part : content) {
    if (!part.is_object() || !part.contains("type") || part["type"] != "text" || !part.contains("text") ||
        !part["text"].is_string())
      bad(param, "only text content parts are supported in '" + param + "'");
    out += part["text"].get<std::string>();
  }
  return out;
}

void read_params(const JsonDoc& j, const RequestLimits& limits, GenerationParams& p) {
  SamplerOptions& s = p.sampling;
  s.temperature = has(j, "temperature") ? static_cast<float>(number(j, "temperature", 0.0, 2.0)) : 0.8f;
  if (has(j, "top_p")) s.top_p = static_cast<float>(number(j, "top_p", 0.0, 1.0));
  if (has(j, "top_k")) s.top_k = static_cast<int>(integer(j, "top_k", 0, 1 << 20));
  if (has(j, "min_p")) s.min_p = static_cast<float>(number(j, "min_p", 0.0, 1.0));
  if (has(j, "presence_penalty")) s.presence_penalty = static_cast<float>(number(j, "presence_penalty", -2.0, 2.0));
  if (has(j, "frequency_penalty")) s.frequency_penalty = static_cast<float>(number(j, "frequency_penalty", -2.0, 2.0));
  if (has(j, "repeat_penalty")) s.repeat_penalty = static_cast<float>(number(j, "repeat_penalty", 0.0, 10.0));
  s.seed = has(j, "seed") ? static_cast<uint64_t>(integer(j, "seed", std::numeric_limits<int64_t>::min(),
                                                            std::numeric_limits<int64_t>::max()))
                          : std::random_device{}();
  for (const char* key : {"max_completion_tokens", "max_tokens"})
    if (has(j, key)) {
      p.max_tokens = static_cast<int>(integer(j, key, 1, limits.max_tokens));
      break;
    }
  if (has(j, "n") && integer(j, "n", 1, 1) != 1) bad("n", "only n = 1 is supported");
  if (has(j, "stop")) {
    const JsonDoc& stop = j["stop"];
    if (stop.is_string()) p.stop.push_back(stop.get<std::string>());
    else if (stop.is_array() && stop.size() <= limits.max_stop) {
      for (const JsonDoc& s : stop) {
        if (!s.is_string()) bad("stop", "'stop' must be a string or an array of strings");
        p.stop.push_back(s.get<std::string>());
      }
    } else {
      bad("stop", "'stop' must be a string or an array of at most " + std::to_string(limits.max_stop) + " strings");
    }
    for (const std::string& s : p.stop)
      if (s.empty() || s.size() > limits.max_stop_bytes) bad("stop", "each stop sequence must be 1 to 256 bytes");
  }
  if (has(j, "stream")) p.stream = boolean(j, "stream");
  if (has(j, "stream_options")) {
    const JsonDoc& so = j["stream_options"];
    if (!so.is_object()) bad("stream_options", "'stream_options' must be an object");
    if (has(so, "include_usage")) p.include_usage = boolean(so, "include_usage");
  }
}

// tool_calls of an assistant message, with each call's arguments as the
// object the templates expect (OpenAI sends them as a JSON string).
JsonDoc template_tool_calls(const JsonDoc& calls, const std::string& param) {
  if (!calls.is_array()) bad(param, "'" + param + "' must be an array");
  JsonDoc out = JsonDoc::array();
  for (size_t i = 0; i < calls.size(); ++i) {
    const JsonDoc& c = calls[i];
    const std::string p = param + "[" + std::to_string(i) + "]";
    if (!c.is_object() || !c.contains("function") || !c["function"].is_object() || !c["function"].contains("name") ||
        !c["function"]["name"].is_string())
      bad(p, "'" + p + "' must be {\"type\": \"function\", \"function\": {\"name\", \"arguments\"}}");
    JsonDoc call = c;
    JsonDoc& args = call["function"]["arguments"];
    if (args.is_string()) {
      const std::string text = args.get<std::string>();
      JsonDoc parsed = json_too_deep(text) ? JsonDoc() : JsonDoc::parse(text, nullptr, false);
      args = parsed.is_object() ? parsed : JsonDoc::object();
    } else if (!args.is_object()) {
      args = JsonDoc::object();
    }
    out.push_back(std::move(call));
  }
  return out;
}

JsonDoc read_messages(const JsonDoc& j, const RequestLimits& limits) {
  if (!j.contains("messages") || !j["messages"].is_array()) bad("messages", "'messages' must be an array");
  const JsonDoc& in = j["messages"];
  if (in.empty()) bad("messages", "'messages' must not be empty");
  if (in.size() > limits.max_messages) bad("messages", "too many messages");
  JsonDoc out = JsonDoc::array();
  for (size_t i = 0; i < in.size(); ++i) {
    const std::string p = "messages[" + std::to_string(i) + "]";
    const JsonDoc& m = in[i];
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string()) bad(p, "'" + p + "' must have a string 'role'");
    const std::string role = m["role"];
    if (role != "system" && role != "developer" && role != "user" && role != "assistant" && role != "tool")
      bad(p + ".role", "unknown role '" + role + "'");
    JsonDoc msg = {{"role", role == "developer" ? "system" : role}};
    msg["content"] = content_text(m.value("content", JsonDoc()), p + ".content");
    if (role == "assistant") {
      if (has(m, "tool_calls")) msg["tool_calls"] = template_tool_calls(m["tool_calls"], p + ".tool_calls");
      if (has(m, "reasoning_content") && m["reasoning_content"].is_string()) msg["reasoning_content"] = m["reasoning_content"];
    }
    if (role == "tool") {
      if (has(m, "tool_call_id")) msg["tool_call_id"] = m["tool_call_id"];
      if (has(m, "name")) msg["name"] = m["name"];
    }
    if (has(m, "name") && role != "tool") msg["name"] = m["name"];
    out.push_back(std::move(msg));
  }
  return out;
}

void read_tools(const JsonDoc& j, ChatRequest& r) {
  if (has(j, "tools")) {
    const JsonDoc& tools = j["tools"];
    if (!tools.is_array()) bad("tools", "'tools' must be an array");
    for (size_t i = 0; i < tools.size(); ++i) {
      const JsonDoc& t = tools[i];
      const std::string p = "tools[" + std::to_string(i) + "]";
      if (!t.is_object() || t.value("type", "") != "function" || !t.contains("function") || !t["function"].is_object() ||
          !t["function"].contains("name") || !t["function"]["name"].is_string())
        bad(p, "'" + p + "' must be {\"type\": \"function\", \"function\": {\"name\", \"parameters\"}}");
      if (t["function"].contains("parameters") && !t["function"]["parameters"].is_object())
        bad(p + ".function.parameters", "tool parameters must be a JSON Schema object");
    }
    if (!tools.empty()) r.tools = tools;
  }
  if (has(j, "tool_choice")) {
    const JsonDoc& c = j["tool_choice"];
    if (c == "auto") r.tool_choice = ToolChoice::Auto;
    else if (c == "none") r.tool_choice = ToolChoice::None;
    else if (c == "required") r.tool_choice = ToolChoice::Required;
    else if (c.is_object() && c.contains("function") && c["function"].is_object() && c["function"].contains("name") &&
             c["function"]["name"].is_string()) {
      r.tool_choice = ToolChoice::Named;
      r.tool_name = c["function"]["name"];
    } else {
      bad("tool_choice", "'tool_choice' must be \"auto\", \"none\", \"required\" or {\"type\": \"function\", \"function\": {\"name\"}}");
    }
    if ((r.tool_choice == ToolChoice::Required || r.tool_choice == ToolChoice::Named) && r.tools.is_null())
      bad("tool_choice", "'tool_choice' requires 'tools'");
    if (r.tool_choice == ToolChoice::Named) {
      bool found = false;
      for (const JsonDoc& t : r.tools) found |= t["function"]["name"] == r.tool_name;
      if (!found) bad("tool_choice", "'tool_choice' names a function that is not in 'tools'");
    }
  }
  if (has(j, "parallel_tool_calls")) r.parallel_tool_calls = boolean(j, "parallel_tool_calls");
}

void read_response_format(const JsonDoc& j, ChatRequest& r) {
  if (!has(j, "response_format")) return;
  const JsonDoc& f = j["response_format"];
  if (!f.is_object() || !f.contains("type") || !f["type"].is_string()) bad("response_format", "'response_format' must have a 'type'");
  const std::string type = f["type"];
  if (type == "text") return;
  if (type == "json_object") {
    r.response_format = ResponseFormat::JsonObject;
    r.json_schema = R"({"type": "object"})";
    return;
  }
  if (type != "json_schema") bad("response_format.type", "unknown response_format type '" + type + "'");
  const JsonDoc& js = f.value("json_schema", JsonDoc());
  if (!js.is_object() || !js.contains("schema") || !js["schema"].is_object())
    bad("response_format.json_schema", "'response_format.json_schema.schema' must be a JSON Schema object");
  r.response_format = ResponseFormat::JsonSchema;
  r.json_schema = js["schema"].dump();
}

}  // namespace

JsonDoc error_body(const ApiError& e) {
  return {{"error",
           {{"message", e.what()},
            {"type", e.type},
            {"param", e.param.empty() ? JsonDoc() : JsonDoc(e.param)},
            {"code", e.code.empty() ? JsonDoc() : JsonDoc(e.code)}}}};
}

ChatRequest parse_chat_request(const std::string& body, const RequestLimits& limits) {
  const JsonDoc j = parse_body(body);
  ChatRequest r;
  if (has(j, "model")) {
    if (!j["model"].is_string()) bad("model", "'model' must be a string");
    r.model = j["model"];
  }
  r.messages = read_messages(j, limits);
  read_tools(j, r);
  read_response_format(j, r);
  if (r.response_format != ResponseFormat::Text &&
      (r.tool_choice == ToolChoice::Required || r.tool_choice == ToolChoice::Named))
    bad("response_format", "'response_format' cannot be combined with a forced 'tool_choice'");
  if (has(j, "chat_template_kwargs")) {
    if (!j["chat_template_kwargs"].is_object()) bad("chat_template_kwargs", "'chat_template_kwargs' must be an object");
    r.template_kwargs = j["chat_template_kwargs"];
  }
  if (has(j, "reasoning_effort") && j["reasoning_effort"].is_string() && !r.template_kwargs.contains("enable_thinking"))
    r.template_kwargs["enable_thinking"] = j["reasoning_effort"] != "none";
  read_params(j, limits, r.params);
  if (has(j, "logprobs")) r.params.logprobs = boolean(j, "logprobs");
  if (has(j, "top_logprobs")) {
    r.params.top_logprobs = static_cast<int>(integer(j, "top_logprobs", 0, limits.max_top_logprobs));
    if (!r.params.logprobs && r.params.top_logprobs > 0) bad("top_logprobs", "'top_logprobs' needs 'logprobs': true");
  }
  return r;
}

CompletionRequest parse_completion_request(const std::string& body, const RequestLimits& limits) {
  const JsonDoc j = parse_body(body);
  CompletionRequest r;
  if (has(j, "model") && j["model"].is_string()) r.model = j["model"];
  if (!j.contains("prompt") || !j["prompt"].is_string()) bad("prompt", "'prompt' must be a string");
  r.prompt = j["prompt"];
  read_params(j, limits, r.params);
  if (has(j, "logprobs")) {
    r.params.top_logprobs = static_cast<int>(integer(j, "logprobs", 0, limits.max_top_logprobs));
    r.params.logprobs = true;
  }
  return r;
}

JsonDoc logprobs_json(const std::vector<TokenLogprob>& items) {
  JsonDoc content = JsonDoc::array();
  for (const TokenLogprob& t : items) {
    auto bytes = [](const std::string& s) {
      JsonDoc b = JsonDoc::array();
      for (unsigned char c : s) b.push_back(c);
      return b;
    };
    JsonDoc top = JsonDoc::array();
    for (const auto& [tok, lp] : t.top) top.push_back({{"token", tok}, {"logprob", lp}, {"bytes", bytes(tok)}});
    content.push_back({{"token", t.token}, {"logprob", t.logprob}, {"bytes", bytes(t.token)}, {"top_logprobs", top}});
  }
  return {{"content", content}};
}

}  // namespace edgelm::server
