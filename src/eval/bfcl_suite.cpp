// BFCL against a model: each question's functions offered as tools through
// the model's own chat template, the reply's tool calls (parsed by the
// family's parser) checked by the official AST rules (eval/bfcl/).
#include <chrono>
#include <fstream>

#include "edgelm/error.h"
#include "eval/bfcl/bfcl.h"
#include "eval/suites.h"

namespace edgelm::eval {
namespace {

const std::vector<std::string> kDefaultCategories = {"simple_python", "multiple", "parallel", "parallel_multiple",
                                                     "irrelevance"};

std::vector<std::string> expand_categories(const std::vector<std::string>& requested) {
  const std::vector<std::string> known = bfcl::categories();
  if (requested.empty()) return kDefaultCategories;
  std::vector<std::string> out;
  auto add = [&](const std::string& c) {
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  };
  for (const std::string& r : requested) {
    const bool prefix = !r.empty() && r.back() == '*';
    const std::string stem = prefix ? r.substr(0, r.size() - 1) : r;
    bool matched = false;
    for (const std::string& c : known) {
      if (prefix ? c.compare(0, stem.size(), stem) == 0 : c == stem || (stem == "simple" && c == "simple_python")) {
        add(c);
        matched = true;
      }
    }
    if (!matched) {
      std::string list;
      for (const std::string& c : known) list += (list.empty() ? "" : ", ") + c;
      throw Error("unknown BFCL category '" + r + "' (known: " + list + "; a trailing * matches a prefix)");
    }
  }
  return out;
}

}  // namespace

JsonDoc BfclSummary::to_json() const {
  JsonDoc cats = JsonDoc::object();
  for (const auto& [name, p] : by_category) cats[name] = p.to_json();
  return {{"categories", cats}, {"score", overall.to_json()}, {"errors", errors}, {"seconds", seconds}};
}

BfclSummary run_bfcl(ChatBackend& backend, const std::vector<std::string>& requested, const SuiteOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::filesystem::path dir = data_dir() / "evals" / "bfcl";
  const std::vector<std::string> categories = expand_categories(requested);
  struct Item {
    bfcl::Question question;
    nlohmann::json truth;
  };
  std::vector<Item> items;
  for (const std::string& category : categories) {
    std::vector<bfcl::Question> questions = bfcl::load_questions(dir, category);
    const std::map<std::string, nlohmann::json> answers = bfcl::load_answers(dir, category);
    if (options.limit && options.limit < questions.size()) questions.resize(options.limit);
    for (bfcl::Question& q : questions) {
      auto it = answers.find(q.id);
      items.push_back({std::move(q), it == answers.end() ? nlohmann::json() : it->second});
    }
  }
  ResultLog log(options.out_dir / "bfcl_results.jsonl");
  BfclSummary s;
  for (size_t i = 0; i < items.size(); ++i) {
    const bfcl::Question& q = items[i].question;
    if (options.progress) options.progress(i, items.size(), "bfcl " + q.id);
    if (!log.has(q.id)) {
      // Tool names reach the model through templates and grammars that expect
      // identifiers: BFCL's dotted names ("math.hypot") are offered with '_',
      // and the check expects them so, as upstream does for function-calling models.
      const JsonDoc tools = bfcl::tool_definitions(q, {.dots_to_underscores = true});
      const JsonDoc messages = q.turns.empty() ? JsonDoc::array() : JsonDoc(q.turns[0]);
      const Reply reply = backend.chat(messages, tools, options.seed);
      std::vector<bfcl::Call> calls;
      JsonDoc calls_json = JsonDoc::array();
      for (const ToolCallOut& c : reply.tool_calls) {
        calls.push_back({c.name, nlohmann::json(c.arguments)});
        calls_json.push_back({{"name", c.name}, {"arguments", c.arguments}});
      }
      bfcl::Verdict v;
      if (!reply.error.empty()) v = {false, "edgelm:no_reply", reply.error};
      else v = bfcl::check(q, items[i].truth, calls, {.dots_to_underscores = true});
      log.add(q.id, {{"category", q.category},
                     {"valid", v.valid},
                     {"error_type", v.valid ? JsonDoc() : JsonDoc(v.error_type)},
                     {"error", v.error},
                     {"tool_calls", calls_json},
                     {"content", reply.content},
                     {"seconds", reply.seconds}});
    }
    const JsonDoc& r = log.get(q.id);
    const bool valid = r.value("valid", false);
    Proportion& p = s.by_category[q.category];
    ++p.n;
    p.successes += valid;
    ++s.overall.n;
    s.overall.successes += valid;
    s.errors += r.value("error_type", JsonDoc()) == "edgelm:no_reply";
  }
  if (options.progress) options.progress(items.size(), items.size(), "bfcl");
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return s;
}

size_t check_bfcl_file(const std::filesystem::path& input, std::ostream& out) {
  std::ifstream in(input);
  if (!in) throw Error("cannot open '" + input.string() + "'");
  const bfcl::Suite suite = bfcl::load_suite(data_dir() / "evals" / "bfcl", bfcl::categories());
  std::string line;
  size_t line_no = 0, valid = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    bfcl::LineVerdict lv;
    try {
      lv = bfcl::check_line(line, suite);
    } catch (const Error& e) {
      throw Error(input.string() + ":" + std::to_string(line_no) + ": " + e.what());
    }
    JsonDoc record = JsonDoc::parse(line);   // check_line accepted it
    record["valid"] = lv.verdict.valid;
    record["error_type"] = lv.verdict.valid ? JsonDoc() : JsonDoc(lv.verdict.error_type);
    valid += lv.verdict.valid;
    out << record.dump(-1, ' ', false, JsonDoc::error_handler_t::replace) << '\n';
  }
  return valid;
}

}  // namespace edgelm::eval
