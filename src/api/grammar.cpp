#include "api/grammar_impl.h"
#include "api/internals.h"

#include "sample/grammar/gbnf.h"
#include "sample/grammar/json_schema.h"

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

}  // namespace edgelm
