// A Jinja2-subset template engine that renders Hugging Face chat templates
// exactly like transformers' apply_chat_template (Jinja2 immutable sandbox,
// trim_blocks, lstrip_blocks, loop controls, HF's tojson, raise_exception and
// strftime_now).
//
//   jinja::Template t(source);            // parse once (throws jinja::Error)
//   std::string text = t.render(vars);    // render many times
//
// Supported: {{ }}, {% %}, {# #}, raw, whitespace control (-/+), if/elif/else,
// for (tuple targets, loop filter, else, loop.*, break/continue), set (names,
// tuples, namespace attributes, blocks with filters), macro (defaults,
// keyword arguments, recursion, varargs/kwargs, caller), call blocks, filter
// blocks, with, generation; Python semantics for values and operators
// (int/float distinction, slicing, `in`, `~`, str % args, chained
// comparisons); undefined values as Jinja2's default Undefined; the Jinja2
// filters, tests and globals plus Python str/dict/list methods that chat
// templates use; Jinja2's scoping, error classes and messages.
// Not supported (TemplateSyntaxError or TemplateRuntimeError when used):
// include/import/extends/block/autoescape, recursive loops, loop.changed,
// the filters filesizeformat, groupby, pprint, random, slice, striptags,
// truncate, urlencode, urlize, wordwrap, xmlattr, a few str methods (encode,
// translate, ...), integers beyond 128 bits (LimitError).
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "chat/jinja/error.h"
#include "chat/jinja/interpreter.h"
#include "chat/jinja/value.h"

namespace edgelm::jinja {

class Template {
 public:
  // Throws Error (TemplateSyntaxError, TemplateAssertionError, LimitError).
  explicit Template(std::string_view source, const Limits& limits = {});

  // `vars` maps variable names to values (string keys). A name absent from
  // vars is undefined in the template. Throws Error on template errors.
  std::string render(const Dict& vars, const Clock& clock = {}) const;
  // Same with a JSON object of variables (key order kept; null -> None).
  std::string render(const nlohmann::ordered_json& vars, const Clock& clock = {}) const;

  const Limits& limits() const { return limits_; }

 private:
  std::shared_ptr<const ast::Body> body_;
  std::vector<std::string> root_undefs_;
  Limits limits_;
};

// The local wall-clock time (what Python's datetime.now() gives).
std::tm local_time_now();

}  // namespace edgelm::jinja
