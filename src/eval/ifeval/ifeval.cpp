#include "eval/ifeval/ifeval.h"

#include <fstream>

#include "edgelm/error.h"
#include "eval/ifeval/checkers.h"
#include "eval/ifeval/langdetect.h"
#include "eval/ifeval/punkt.h"
#include "eval/ifeval/pytext.h"
#include "tokenizer/unicode.h"

namespace edgelm::eval::ifeval {

namespace {

using nlohmann::json;

// Calls `on_line(json, line_number)` for every non-blank line; malformed JSON
// and whatever `on_line` throws become an Error naming the file and line.
template <class OnLine>
void read_jsonl(const std::filesystem::path& file, OnLine on_line) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("ifeval: cannot read " + file.string());
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (py::strip(tok::utf8_sanitize(line)).empty()) continue;
    const std::string where = file.string() + ":" + std::to_string(number);
    json value;
    try {
      value = json::parse(line);
    } catch (const json::exception& e) {
      throw Error("ifeval: " + where + ": malformed JSON: " + e.what());
    }
    try {
      if (!value.is_object()) throw Error("not a JSON object");
      on_line(value, number);
    } catch (const json::exception& e) {
      throw Error("ifeval: " + where + ": " + e.what());
    } catch (const Error& e) {
      throw Error("ifeval: " + where + ": " + e.what());
    }
  }
}

const json& required(const json& object, const char* name) {
  if (!object.contains(name)) throw Error(std::string("missing \"") + name + "\"");
  return object.at(name);
}

std::string required_string(const json& object, const char* name) {
  const json& v = required(object, name);
  if (!v.is_string()) throw Error(std::string("\"") + name + "\" must be a string");
  return v.get<std::string>();
}

// The kwargs object without its null entries (datasets that store every
// possible argument of every instruction fill the unused ones with null).
json drop_nulls(const json& kwargs) {
  if (!kwargs.is_object()) throw Error("each kwargs entry must be an object");
  json kept = json::object();
  for (const auto& [name, value] : kwargs.items())
    if (!value.is_null()) kept[name] = value;
  return kept;
}

Prompt parse_prompt(const json& j) {
  Prompt p;
  const json& key = required(j, "key");
  if (!key.is_number_integer()) throw Error("\"key\" must be an integer");
  p.key = key.get<int64_t>();
  p.prompt = required_string(j, "prompt");
  const json& ids = required(j, "instruction_id_list");
  const json& kwargs = required(j, "kwargs");
  if (!ids.is_array() || !kwargs.is_array()) throw Error("\"instruction_id_list\" and \"kwargs\" must be lists");
  if (ids.size() != kwargs.size()) throw Error("\"instruction_id_list\" and \"kwargs\" differ in length");
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!ids[i].is_string()) throw Error("instruction ids must be strings");
    p.instruction_ids.push_back(ids[i].get<std::string>());
    p.kwargs.push_back(drop_nulls(kwargs[i]));
    validate_instruction(p.instruction_ids.back(), p.kwargs.back());
  }
  return p;
}

// The eight texts the loose score tries: the response, without its first
// line, without its last, without both, each also with every '*' removed.
std::vector<std::string> loose_variants(const std::string& response) {
  const std::vector<std::string_view> lines = py::split(response, "\n");
  const auto join = [&](size_t from, size_t to) {
    std::string out;
    for (size_t i = from; i < to; ++i) {
      if (i > from) out += '\n';
      out += lines[i];
    }
    return std::string(py::strip(out));
  };
  const size_t n = lines.size();
  std::vector<std::string> v{response, py::replace(response, "*", "", -1), join(1, n), join(0, n - 1),
                             join(1, n > 1 ? n - 1 : 1)};
  for (size_t i = 2; i < 5; ++i) v.push_back(py::replace(v[i], "*", "", -1));
  return v;
}

}  // namespace

std::vector<Prompt> load_prompts(const std::filesystem::path& jsonl) {
  std::vector<Prompt> prompts;
  read_jsonl(jsonl, [&](const json& j, size_t) { prompts.push_back(parse_prompt(j)); });
  return prompts;
}

std::vector<PromptResponse> load_responses(const std::filesystem::path& jsonl) {
  std::vector<PromptResponse> out;
  read_jsonl(jsonl, [&](const json& j, size_t) {
    out.push_back({required_string(j, "prompt"), required_string(j, "response")});
  });
  return out;
}

bool Result::all_followed() const {
  for (bool f : followed)
    if (!f) return false;
  return true;
}

struct Scorer::Impl {
  Punkt punkt;
  LangDetector languages;

  explicit Impl(const std::filesystem::path& dir)
      : punkt(checked(dir) / "punkt_english_params.json"), languages(dir / "langdetect_profiles") {}

  static const std::filesystem::path& checked(const std::filesystem::path& dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) throw Error("ifeval: data folder not found: " + dir.string());
    return dir;
  }

  // One checker per instruction, built as the official code builds them:
  // afresh for each prompt and each of the strict and loose passes.
  std::vector<Check> checks(const Prompt& p, bool loose) const {
    if (p.instruction_ids.size() != p.kwargs.size())
      throw Error("ifeval: key " + std::to_string(p.key) + ": instruction ids and kwargs differ in length");
    std::vector<Check> out;
    for (size_t i = 0; i < p.instruction_ids.size(); ++i) {
      const CheckContext context{&punkt, &languages, p.key, i, loose};
      try {
        out.push_back(build_check(p.instruction_ids[i], p.kwargs[i], context));
      } catch (const Error& e) {
        throw Error("ifeval: key " + std::to_string(p.key) + ": " + e.what());
      }
    }
    return out;
  }

  static Result start(const Prompt& p, const std::string& response) {
    Result r;
    r.key = p.key;
    r.prompt = p.prompt;
    r.response = response;
    r.instruction_ids = p.instruction_ids;
    return r;
  }
};

Scorer::Scorer(const std::filesystem::path& data_dir) : impl_(std::make_unique<Impl>(data_dir)) {}
Scorer::~Scorer() = default;
Scorer::Scorer(Scorer&&) noexcept = default;
Scorer& Scorer::operator=(Scorer&&) noexcept = default;

// Responses are checked (and kept in the Result) with invalid UTF-8 bytes
// replaced by U+FFFD, so that odd bytes give a verdict rather than an error.
Result Scorer::strict(const Prompt& prompt, std::string_view response) const {
  Result result = Impl::start(prompt, tok::utf8_sanitize(response));
  const bool non_empty = !py::strip(result.response).empty();
  for (const Check& check : impl_->checks(prompt, false)) result.followed.push_back(non_empty && check(result.response));
  return result;
}

Result Scorer::loose(const Prompt& prompt, std::string_view response) const {
  Result result = Impl::start(prompt, tok::utf8_sanitize(response));
  const std::vector<std::string> variants = loose_variants(result.response);
  for (const Check& check : impl_->checks(prompt, true)) {
    bool followed = false;
    for (const std::string& v : variants) {
      if (!py::strip(v).empty() && check(v)) {
        followed = true;
        break;
      }
    }
    result.followed.push_back(followed);
  }
  return result;
}

Accuracy accuracy(const std::vector<Result>& strict, const std::vector<Result>& loose) {
  if (strict.size() != loose.size()) throw Error("ifeval: strict and loose results differ in number");
  Accuracy a;
  a.prompts = strict.size();
  size_t prompt_strict = 0, prompt_loose = 0, followed_strict = 0, followed_loose = 0, loose_instructions = 0;
  for (size_t i = 0; i < strict.size(); ++i) {
    a.instructions += strict[i].followed.size();
    loose_instructions += loose[i].followed.size();
    prompt_strict += strict[i].all_followed() ? 1 : 0;
    prompt_loose += loose[i].all_followed() ? 1 : 0;
    for (bool f : strict[i].followed) followed_strict += f ? 1 : 0;
    for (bool f : loose[i].followed) followed_loose += f ? 1 : 0;
  }
  if (loose_instructions != a.instructions) throw Error("ifeval: strict and loose results differ in instructions");
  if (a.prompts == 0 || a.instructions == 0) return a;
  const auto fraction = [](size_t part, size_t whole) { return static_cast<double>(part) / static_cast<double>(whole); };
  a.prompt_strict = fraction(prompt_strict, a.prompts);
  a.prompt_loose = fraction(prompt_loose, a.prompts);
  a.instruction_strict = fraction(followed_strict, a.instructions);
  a.instruction_loose = fraction(followed_loose, a.instructions);
  return a;
}

void write_results(const std::filesystem::path& file, const std::vector<Result>& results) {
  std::ofstream out(file, std::ios::binary);
  if (!out) throw Error("ifeval: cannot write " + file.string());
  for (const Result& r : results) {
    nlohmann::ordered_json line;
    line["key"] = r.key;
    line["instruction_id_list"] = r.instruction_ids;
    line["prompt"] = r.prompt;
    line["response"] = r.response;
    line["follow_all_instructions"] = r.all_followed();
    line["follow_instruction_list"] = r.followed;
    // ASCII-only output with \u escapes, as Python's json.dumps writes it.
    out << line.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace) << '\n';
  }
  if (!out) throw Error("ifeval: cannot write " + file.string());
}

}  // namespace edgelm::eval::ifeval
