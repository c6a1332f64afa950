#include "edgelm/json_input.h"
#include "tokenizer/hf_json_reader.h"

#include <fstream>
#include <sstream>

#include "edgelm/error.h"

namespace edgelm::tok {
namespace {

using nlohmann::json;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The file's text, refused when nested too deeply to copy or print safely.
std::string read_json_text(const std::string& path) {
  std::string text = read_file(path);
  if (json_too_deep(text))
    throw Error(path + ": arrays and objects nested more than " + std::to_string(kMaxJsonDepth) + " levels deep");
  return text;
}

// "left right": split at the first space at index >= 1.
std::pair<std::string, std::string> split_merge(const std::string& text) {
  const size_t space = text.find(' ', 1);
  if (space == std::string::npos) {
    throw Error("tokenizer.json: merge \"" + text.substr(0, 40) + "\" is not \"left right\"");
  }
  return {text.substr(0, space), text.substr(space + 1)};
}

// SAX events -> the result. Containers other than the two tables are built
// as JSON values on a stack; `path_` holds the key of each open container.
class Reader final : public nlohmann::json_sax<json> {
 public:
  explicit Reader(HfTokenizerJson& out) : out_(out) {}

  bool null() override { return value(nullptr); }
  bool boolean(bool v) override { return value(v); }
  bool number_integer(number_integer_t v) override { return vocab_entry(v) || value(v); }
  bool number_unsigned(number_unsigned_t v) override {
    return vocab_entry(static_cast<int64_t>(v)) || value(v);
  }
  bool number_float(number_float_t v, const string_t&) override {
    if (table_ == Table::kVocab) throw Error("tokenizer.json: model.vocab id is not an integer");
    return value(v);
  }
  bool string(string_t& v) override {
    if (table_ == Table::kMerges) {
      out_.merges.push_back(split_merge(v));
      return true;
    }
    if (table_ == Table::kMergePair) {
      pair_.push_back(std::move(v));
      return true;
    }
    if (table_ == Table::kVocab) throw Error("tokenizer.json: model.vocab id is not an integer");
    return value(std::move(v));
  }
  bool binary(binary_t&) override { throw Error("tokenizer.json: unexpected binary value"); }

  bool key(string_t& k) override {
    key_ = std::move(k);
    return true;
  }
  bool start_object(std::size_t) override {
    if (table_ != Table::kNone) throw Error("tokenizer.json: unexpected object in model.vocab/merges");
    if (path_is("vocab")) {
      table_ = Table::kVocab;
      return true;
    }
    return open(json::object());
  }
  bool end_object() override {
    if (table_ == Table::kVocab) {
      table_ = Table::kNone;
      return true;
    }
    return close();
  }
  bool start_array(std::size_t) override {
    if (table_ == Table::kMerges) {
      table_ = Table::kMergePair;
      pair_.clear();
      return true;
    }
    if (table_ != Table::kNone) throw Error("tokenizer.json: unexpected array in model.vocab/merges");
    if (path_is("merges")) {
      table_ = Table::kMerges;
      return true;
    }
    return open(json::array());
  }
  bool end_array() override {
    if (table_ == Table::kMergePair) {
      if (pair_.size() != 2) throw Error("tokenizer.json: a merge pair does not have 2 parts");
      out_.merges.emplace_back(std::move(pair_[0]), std::move(pair_[1]));
      table_ = Table::kMerges;
      return true;
    }
    if (table_ == Table::kMerges) {
      table_ = Table::kNone;
      return true;
    }
    return close();
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    throw Error(std::string("tokenizer.json: invalid JSON: ") + e.what());
  }

 private:
  enum class Table { kNone, kVocab, kMerges, kMergePair };

  // True when the container about to open is model.<name>.
  bool path_is(const char* name) const {
    return stack_.size() == 2 && path_[1] == "model" && key_ == name && stack_.back()->is_object();
  }
  bool vocab_entry(int64_t id) {
    if (table_ != Table::kVocab) return false;
    out_.vocab.emplace_back(std::move(key_), id);
    return true;
  }
  json* insert(json v) {
    if (stack_.empty()) {
      out_.rest = std::move(v);
      return &out_.rest;
    }
    json& top = *stack_.back();
    if (top.is_array()) {
      top.push_back(std::move(v));
      return &top.back();
    }
    json& slot = top[key_];
    slot = std::move(v);
    return &slot;
  }
  bool value(json v) {
    if (table_ != Table::kNone) throw Error("tokenizer.json: unexpected value in model.merges");
    insert(std::move(v));
    return true;
  }
  bool open(json container) {
    const std::string key = !stack_.empty() && stack_.back()->is_object() ? key_ : std::string();
    stack_.push_back(insert(std::move(container)));
    path_.push_back(key);
    return true;
  }
  bool close() {
    stack_.pop_back();
    path_.pop_back();
    return true;
  }

  HfTokenizerJson& out_;
  std::vector<json*> stack_;
  std::vector<std::string> path_;   // key under which each open container sits ("" in arrays/root)
  std::string key_;
  Table table_ = Table::kNone;
  std::vector<std::string> pair_;
};

}  // namespace

HfTokenizerJson read_hf_tokenizer_json(const std::string& path) {
  const std::string text = read_json_text(path);
  HfTokenizerJson out;
  Reader reader(out);
  json::sax_parse(text, &reader);
  if (!out.rest.is_object()) throw Error(path + ": not a JSON object");
  return out;
}

json read_json_document(const std::string& path) {
  const std::string text = read_json_text(path);
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    throw Error(path + ": invalid JSON: " + e.what());
  }
}

}  // namespace edgelm::tok
