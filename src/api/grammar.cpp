#include "api/grammar_impl.h"
#include "api/internals.h"

#include "sample/grammar/gbnf.h"
#include "sample/grammar/json_schema.h"
#include "sample/grammar/tool_calls.h"
#include "api/model_impl.h"
#include "edgelm/json_input.h"

namespace edgelm {
namespace {

std::shared_ptr<const GrammarConstraint> make(const Model& model, grammar::Grammar g) {
  auto impl = std::make_unique<GrammarConstraint::Impl>();
  impl->engine = std::make_shared<grammar::GrammarEngine>(std::make_shared<const grammar::Grammar>(std::move(g)),
                                                          internals(model).grammar_vocabulary());
  return std::make_shared<const GrammarConstraint>(std::move(impl));
}

}  // namespace

GrammarConstraint::GrammarConstraint(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GrammarConstraint::~GrammarConstraint() = default;

std::shared_ptr<const GrammarConstraint> GrammarConstraint::json_schema(const Model& model, const std::string& schema) {
  return make(model, grammar::json_schema_to_grammar(std::string_view(schema)));
}

std::shared_ptr<const GrammarConstraint> GrammarConstraint::gbnf(const Model& model, const std::string& text) {
  return make(model, grammar::parse_gbnf(text));
}

std::shared_ptr<const GrammarConstraint> GrammarConstraint::tool_calls(const Model& model, const std::string& tools_json,
                                                                     const std::string& family,
                                                                     const std::string& only_tool, int max_calls) {
  if (json_too_deep(tools_json)) throw Error("tools nest deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  nlohmann::ordered_json tools = nlohmann::ordered_json::parse(tools_json, nullptr, false);
  if (tools.is_discarded() || !tools.is_array()) throw Error("tools must be a JSON array");
  grammar::ToolCallGrammarOptions options;
  options.format = grammar::tool_call_format_from_name(family);
  options.only_tool = only_tool;
  options.max_calls = std::max(1, max_calls);
  return make(model, grammar::tool_call_grammar(tools, options, internals(model).tokenizer.get()));
}

}  // namespace edgelm
