// Template: parse once, render many times (see jinja.h).
#include "chat/jinja/jinja.h"

#include "chat/jinja/json.h"
#include "chat/jinja/lexer.h"
#include "chat/jinja/parser.h"

namespace edgelm::jinja {

Template::Template(std::string_view source, const Limits& limits) : limits_(limits) {
  if (source.size() > limits.max_source_bytes)
    throw Error(ErrorKind::LimitError, "template source exceeds " + std::to_string(limits.max_source_bytes) + " bytes");
  auto body = std::make_shared<ast::Body>(parse(tokenize(source), limits.max_parse_depth));
  root_undefs_ = resolve_scopes(*body);
  body_ = std::move(body);
}

std::string Template::render(const Dict& vars, const Clock& clock) const {
  Interpreter interp(limits_, clock ? clock : Clock(local_time_now));
  return interp.render(*body_, root_undefs_, vars);
}

std::string Template::render(const nlohmann::ordered_json& vars, const Clock& clock) const {
  if (!vars.is_object()) throw Error(ErrorKind::TypeError, "template variables must be a JSON object");
  Dict d;
  for (auto it = vars.begin(); it != vars.end(); ++it) d.set(Value::string(it.key()), from_json(it.value()));
  return render(d, clock);
}

std::tm local_time_now() {
  const std::time_t t = std::time(nullptr);
  std::tm out{};
  localtime_r(&t, &out);
  return out;
}

}  // namespace edgelm::jinja
