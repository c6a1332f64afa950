// tokenize_conversation: the template's markup may produce control tokens,
// the conversation's data may not.
//
// Every string in the messages and tools has each run that the tokenizer
// would read as a control token wrapped in two Unicode noncharacters
// (U+FDD0 … U+FDD1, which the strings are first cleared of). After rendering,
// the wrapped runs become spans tokenized as text and the markers go; the
// rest keeps the usual special-token parsing. Strings without control-token
// text are left untouched, so whatever the template does with them (trim,
// split off reasoning, ...) renders exactly as before, and the spans are
// tokenized as one text (no merges lost at their borders).
#include "api/model_impl.h"
#include "api/internals.h"
#include "chat/json_value.h"
#include "edgelm/chat.h"

namespace edgelm::chat {
namespace {

constexpr std::string_view kOpen = "\xEF\xB7\x90";    // U+FDD0
constexpr std::string_view kClose = "\xEF\xB7\x91";   // U+FDD1

std::string without_markers(std::string s) {
  for (std::string_view m : {kOpen, kClose})
    for (size_t p = s.find(m); p != std::string::npos; p = s.find(m, p)) s.erase(p, m.size());
  return s;
}

// Iterative walk (no recursion on the depth of the client's JSON).
void mark_control_text(Json& value, const Tokenizer& tok) {
  using Native = nlohmann::ordered_json;
  std::vector<Native*> todo{&native(value)};
  while (!todo.empty()) {
    Native* j = todo.back();
    todo.pop_back();
    if (j->is_string()) {
      std::string s = without_markers(j->get<std::string>());
      const auto ranges = tok.control_token_ranges(s);
      if (!ranges.empty()) {
        std::string out;
        size_t at = 0;
        for (const auto& [b, e] : ranges) {
          out.append(s, at, b - at).append(kOpen).append(s, b, e - b).append(kClose);
          at = e;
        }
        s = out.append(s, at, std::string::npos);
      }
      *j = s;
    } else if (j->is_array() || j->is_object()) {
      for (auto& child : *j) todo.push_back(&child);
    }
  }
}

}  // namespace

std::vector<int32_t> tokenize_conversation(const Model& model, const ChatTemplate& tmpl, const ChatInputs& inputs) {
  const Tokenizer& tok = *internals(model).tokenizer;
  ChatInputs guarded = inputs;
  mark_control_text(guarded.messages, tok);
  mark_control_text(guarded.tools, tok);
  mark_control_text(guarded.documents, tok);
  const std::string rendered = tmpl.render(guarded);

  // Markers out, spans in: inside a marker pair no special-token parsing. A
  // template that cut a pair apart leaves the rest of the text as data.
  std::string text;
  std::vector<std::pair<size_t, bool>> cuts;   // (offset in text, parse_special from here on)
  bool inside = false;
  cuts.emplace_back(0, true);
  for (size_t i = 0; i < rendered.size();) {
    const std::string_view rest = std::string_view(rendered).substr(i);
    if (rest.starts_with(kOpen) || rest.starts_with(kClose)) {
      inside = rest.starts_with(kOpen);
      cuts.emplace_back(text.size(), !inside);
      i += kOpen.size();
      continue;
    }
    text.push_back(rendered[i++]);
  }
  std::vector<TextSpan> spans;
  for (size_t c = 0; c < cuts.size(); ++c) {
    const size_t begin = cuts[c].first, end = c + 1 < cuts.size() ? cuts[c + 1].first : text.size();
    if (end > begin) spans.push_back({std::string_view(text).substr(begin, end - begin), cuts[c].second});
  }
  return tok.encode_spans(spans, /*add_special=*/false);
}

}  // namespace edgelm::chat
