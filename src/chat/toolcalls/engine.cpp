// The state machine shared by all families: it walks the generated text, routes it to
// content or reasoning, hands call openers to the family's scanner and holds back anything
// it cannot decide yet.
//
// Streaming and whole-reply parsing are the same code: parse() feeds the text in one piece.
// Chunking cannot change the outcome because every decision is taken only when the text
// already seen settles it (a possible marker prefix at the end of the buffer, a call whose
// end has not arrived, a line that might open a code fence: all wait for more text).
#include <algorithm>
#include <string>
#include <utility>

#include "chat/toolcalls/dialect.h"
#include "edgelm/error.h"

namespace edgelm::toolcalls {

using detail::CallScan;
using detail::Dialect;
using detail::Json;
using detail::Marker;
using detail::MarkerKind;

namespace {

constexpr std::string_view kWhitespace = " \t\n\r\f\v";

// One output channel (content or reasoning) trimmed on the fly: leading whitespace is
// dropped and trailing whitespace is held back until something non-blank follows it, so
// the emitted text is always the trimmed concatenation of everything added.
class TrimmedChannel {
 public:
  // Returns the part of `text` (plus held whitespace) that can be emitted now.
  std::string add(std::string_view text) {
    size_t last = text.find_last_not_of(kWhitespace);
    if (last == std::string_view::npos) {
      if (started_) pending_ += text;
      return {};
    }
    size_t first = started_ ? 0 : text.find_first_not_of(kWhitespace);
    std::string out = std::move(pending_);
    out += text.substr(first, last + 1 - first);
    pending_.assign(text.substr(last + 1));
    started_ = true;
    return out;
  }
  bool started() const { return started_; }

 private:
  bool started_ = false;
  std::string pending_;
};

// Length of an unfinished UTF-8 sequence at the end of `text` (0 when it ends cleanly).
size_t incomplete_utf8_tail(std::string_view text) {
  for (size_t back = 1; back <= 3 && back <= text.size(); ++back) {
    unsigned char c = static_cast<unsigned char>(text[text.size() - back]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte: look further back
    size_t length = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
    return length > back ? back : 0;
  }
  return 0;
}

const Dialect& dialect_for(Family family) {
  switch (family) {
    case Family::Gemma4: return detail::gemma4_dialect();
    case Family::Qwen35: return detail::qwen35_dialect();
    case Family::Qwen3: return detail::qwen3_dialect();
    case Family::Llama3: return detail::llama3_dialect();
  }
  throw Error("toolcalls: unknown family");
}

}  // namespace

struct StreamParser::Impl {
  enum class Mode { Content, Reasoning, Done };
  enum class Step { Progress, Wait };

  ParseOptions options;
  const Dialect& dialect;
  detail::ToolSchemas schemas;

  std::string buffer;  // text not consumed yet starts at `pos`
  size_t pos = 0;
  Mode mode = Mode::Content;
  bool at_start = true;       // nothing but whitespace emitted, no call, no closed reasoning
  bool line_start = true;     // the next content character starts a line
  bool fence_checked = false;  // the current line start was already tested for a ``` fence
  bool in_fence = false;
  bool text_after_end = false;
  bool finished = false;

  TrimmedChannel content, reasoning;
  ParseResult result;
  std::vector<Delta> deltas;  // output of the current feed()/finish()
  std::string marker_starts;    // first characters of all markers
  std::string content_specials;  // the same plus '\n' (content tracks line starts)
  size_t longest_end_marker = 0;
  size_t waiting_call_size = 0;  // buffered text from `pos` when an open call last asked for more
  size_t end_checked_size = 0;   // buffered text from `pos` already searched for an end marker

  explicit Impl(ParseOptions opts)
      : options(std::move(opts)), dialect(dialect_for(options.family)), schemas(native(options.tools)) {
    if (options.prompt_ends_inside_reasoning) mode = Mode::Reasoning;
    for (const Marker& m : dialect.markers) {
      if (marker_starts.find(m.text[0]) == std::string::npos) marker_starts += m.text[0];
      if (m.kind == MarkerKind::End) longest_end_marker = std::max(longest_end_marker, m.text.size());
    }
    content_specials = marker_starts + "\n";
  }

  std::string_view rest() const { return std::string_view(buffer).substr(pos); }

  // ---- Output -------------------------------------------------------------------------------

  void emit_content(std::string_view text) {
    if (text.empty()) return;
    if (text.find_first_not_of(kWhitespace) != std::string_view::npos) at_start = false;
    line_start = text.back() == '\n';
    if (line_start) fence_checked = false;
    std::string out = content.add(text);
    if (out.empty()) return;
    result.content += out;
    deltas.push_back({Delta::Kind::Content, std::move(out), 0});
  }

  void emit_reasoning(std::string_view text) {
    std::string out = reasoning.add(text);
    if (out.empty()) return;
    if (!result.reasoning) result.reasoning.emplace();
    *result.reasoning += out;
    deltas.push_back({Delta::Kind::Reasoning, std::move(out), 0});
  }

  void emit_call(ToolCall call) {
    if (!schemas.empty()) {
      if (!schemas.find_tool(call.name)) {
        diagnose("unknown_tool:" + call.name);
      } else {
        for (const auto& item : native(call.arguments).items())
          if (!schemas.find_parameter(call.name, item.key())) diagnose("unknown_parameter:" + item.key());
      }
    }
    size_t index = result.tool_calls.size();
    deltas.push_back({Delta::Kind::ToolCallStart, call.name, index});
    // Invalid UTF-8 from the model must not make serialisation throw.
    std::string arguments = call.arguments.dump();
    deltas.push_back({Delta::Kind::ToolCallArguments, std::move(arguments), index});
    result.tool_calls.push_back(std::move(call));
  }

  void diagnose(std::string diagnostic) { result.diagnostics.push_back(std::move(diagnostic)); }

  // ---- Markers ------------------------------------------------------------------------------

  bool marker_active(const Marker& m) const {
    if (m.kind == MarkerKind::End) return true;
    if (mode == Mode::Reasoning) {
      // A redundant opener right at the start of a block (the prompt already opened it).
      return m.kind == MarkerKind::ReasoningClose || (m.kind == MarkerKind::ReasoningOpen && !reasoning.started());
    }
    if (in_fence) return false;  // inside ``` code only the end of the turn counts
    if (m.only_at_start && !at_start) return false;
    return m.kind != MarkerKind::CallOpen || options.parse_tool_calls;
  }

  // The longest active marker at `pos`; `wait` when the buffer ends inside a possible marker.
  const Marker* match_marker(bool final, bool& wait) const {
    std::string_view text = rest();
    const Marker* best = nullptr;
    wait = false;
    for (const Marker& m : dialect.markers) {
      if (!marker_active(m)) continue;
      if (text.substr(0, m.text.size()) == m.text) {
        if (!best || m.text.size() > best->text.size()) best = &m;
      } else if (text.size() < m.text.size() && m.text.substr(0, text.size()) == text) {
        wait = !final;
      }
    }
    return wait ? nullptr : best;
  }

  // Where the current turn ends as far as the buffer shows: the first end marker, or (while
  // more may come) the start of a possible end marker at the very end of the buffer. `hard`
  // says nothing beyond the limit can belong to the turn.
  size_t turn_limit(bool final, bool& hard) const {
    size_t limit = std::string::npos;
    for (const Marker& m : dialect.markers)
      if (m.kind == MarkerKind::End) limit = std::min(limit, buffer.find(m.text, pos));
    hard = true;
    if (limit != std::string::npos || final) return std::min(limit, buffer.size());
    hard = false;
    size_t from = buffer.size() > pos + longest_end_marker ? buffer.size() - longest_end_marker + 1 : pos;
    for (size_t at = from; at < buffer.size(); ++at) {
      std::string_view tail = std::string_view(buffer).substr(at);
      for (const Marker& m : dialect.markers)
        if (m.kind == MarkerKind::End && m.text.substr(0, tail.size()) == tail) return at;
    }
    return buffer.size();
  }

  // ---- Steps --------------------------------------------------------------------------------

  // At a line start, decide whether the line opens or closes a ``` code fence.
  Step check_fence(bool final) {
    std::string_view text = rest();
    size_t indent = 0;
    while (indent < text.size() && indent < 3 && text[indent] == ' ') ++indent;
    std::string_view after = text.substr(indent);
    constexpr std::string_view kFence = "```";
    if (after.size() >= kFence.size()) {
      if (after.substr(0, kFence.size()) == kFence) in_fence = !in_fence;
    } else if (!final && kFence.substr(0, after.size()) == after) {
      return Step::Wait;
    }
    fence_checked = true;
    return Step::Progress;
  }

  // Emits the plain text up to the next character in `specials` through `emit`. Returns
  // false when the buffer ran out first; a UTF-8 sequence cut by the chunking is then kept
  // back so that no delta ends in the middle of a character.
  template <class Emit>
  bool emit_plain_text(std::string_view specials, bool final, Emit emit) {
    std::string_view text = rest();
    size_t special = text.find_first_of(specials);
    size_t run = special != std::string_view::npos ? special : text.size() - (final ? 0 : incomplete_utf8_tail(text));
    emit(text.substr(0, run));
    pos += run;
    return special != std::string_view::npos;
  }

  Step step_content(bool final) {
    if (line_start && !fence_checked && check_fence(final) == Step::Wait) return Step::Wait;
    if (!emit_plain_text(content_specials, final, [this](std::string_view t) { emit_content(t); })) return Step::Wait;
    if (buffer[pos] == '\n') {
      emit_content("\n");
      ++pos;
      return Step::Progress;
    }
    bool wait = false;
    const Marker* marker = match_marker(final, wait);
    if (wait) return Step::Wait;
    if (!marker) {
      emit_content(std::string_view(buffer).substr(pos, 1));
      ++pos;
      return Step::Progress;
    }
    switch (marker->kind) {
      case MarkerKind::End: mode = Mode::Done; break;
      case MarkerKind::ReasoningOpen: mode = Mode::Reasoning; break;
      case MarkerKind::ReasoningClose: diagnose("unopened_reasoning_close"); break;
      case MarkerKind::Drop: break;
      case MarkerKind::CallOpen: return step_call(*marker, final);
    }
    pos += marker->text.size();
    return Step::Progress;
  }

  Step step_reasoning(bool final) {
    if (!emit_plain_text(marker_starts, final, [this](std::string_view t) { emit_reasoning(t); })) return Step::Wait;
    bool wait = false;
    const Marker* marker = match_marker(final, wait);
    if (wait) return Step::Wait;
    if (!marker) {
      emit_reasoning(std::string_view(buffer).substr(pos, 1));
      ++pos;
      return Step::Progress;
    }
    if (marker->kind == MarkerKind::End) mode = Mode::Done;
    if (marker->kind == MarkerKind::ReasoningClose) {
      mode = Mode::Content;
      at_start = false;
      line_start = true;
      fence_checked = false;
    }
    pos += marker->text.size();
    return Step::Progress;
  }

  // A call that is still open is scanned again from its start when text arrives. Beyond a
  // few kilobytes that would cost quadratic time, so a long open call is rescanned only after
  // it grew by a sixteenth or when its turn ended. Waiting never changes a decision (each
  // one is final once taken), it only delays it.
  bool call_rescan_can_wait(bool final) {
    constexpr size_t kAlwaysRescanBelow = 8192;
    const size_t pending = buffer.size() - pos;
    if (final || waiting_call_size == 0 || pending < kAlwaysRescanBelow) return false;
    if (pending - waiting_call_size >= waiting_call_size / 16) return false;
    // Did the new text bring an end of turn? Look at the unseen part only (plus a marker's overlap).
    size_t from = pos + end_checked_size - std::min(end_checked_size, longest_end_marker);
    end_checked_size = pending;
    for (const Marker& m : dialect.markers)
      if (m.kind == MarkerKind::End && buffer.find(m.text, from) != std::string::npos) return false;
    return true;
  }

  Step step_call(const Marker& opener, bool final) {
    if (call_rescan_can_wait(final)) return Step::Wait;
    bool hard = false;
    size_t limit = turn_limit(final, hard);
    std::string_view view = std::string_view(buffer).substr(pos, limit - pos);
    CallScan scan = dialect.scan_call(view, hard, schemas);
    waiting_call_size = 0;
    if (scan.status == CallScan::Status::NeedMore) {
      waiting_call_size = end_checked_size = buffer.size() - pos;
      if (!hard) return Step::Wait;
      // A final view must be decided; a scanner that still asks for more saw a truncated call.
      scan = detail::failed_scan(view, true, {}, /*truncated=*/true);
    }
    for (std::string& d : scan.diagnostics) diagnose(std::move(d));
    switch (scan.status) {
      case CallScan::Status::NotACall:
        if (!scan.hide_opener) emit_content(opener.text);
        pos += opener.text.size();
        break;
      case CallScan::Status::Parsed:
        for (ToolCall& call : scan.calls) emit_call(std::move(call));
        pos += scan.end;
        at_start = false;
        line_start = false;
        break;
      case CallScan::Status::Failed:
        emit_content(view.substr(0, scan.end));
        pos += scan.end;
        at_start = false;
        break;
      case CallScan::Status::NeedMore: break;
    }
    return Step::Progress;
  }

  void run(bool final) {
    while (pos < buffer.size()) {
      if (mode == Mode::Done) {
        if (rest().find_first_not_of(kWhitespace) != std::string_view::npos) text_after_end = true;
        pos = buffer.size();
        break;
      }
      Step step = mode == Mode::Content ? step_content(final) : step_reasoning(final);
      if (step == Step::Wait) break;
    }
    // Drop consumed text once it is the larger part of the buffer.
    if (pos > buffer.size() / 2) {
      buffer.erase(0, pos);
      pos = 0;
    }
  }
};

StreamParser::StreamParser(ParseOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
StreamParser::~StreamParser() = default;
StreamParser::StreamParser(StreamParser&&) noexcept = default;
StreamParser& StreamParser::operator=(StreamParser&&) noexcept = default;

std::vector<Delta> StreamParser::feed(std::string_view chunk) {
  if (impl_->finished) throw Error("toolcalls: feed() called after finish()");
  impl_->deltas.clear();
  impl_->buffer.append(chunk);
  impl_->run(/*final=*/false);
  return std::move(impl_->deltas);
}

std::vector<Delta> StreamParser::finish() {
  impl_->deltas.clear();
  if (impl_->finished) return {};
  impl_->run(/*final=*/true);
  if (impl_->text_after_end) impl_->diagnose("text_after_end_marker");
  impl_->finished = true;
  return std::move(impl_->deltas);
}

const ParseResult& StreamParser::result() const { return impl_->result; }

ParseResult parse(std::string_view text, const ParseOptions& options) {
  StreamParser parser(options);
  parser.feed(text);
  parser.finish();
  return parser.result();
}

// ---- Small public helpers ---------------------------------------------------------------------

Family family_from_name(std::string_view name) {
  if (name == "gemma4" || name == "gemma4_e2b") return Family::Gemma4;
  if (name == "qwen35" || name == "qwen3_5" || name == "qwen3_coder" || name == "qwen3-coder") return Family::Qwen35;
  if (name == "qwen3" || name == "qwen3_hermes" || name == "hermes") return Family::Qwen3;
  if (name == "llama3") return Family::Llama3;
  throw Error("unknown tool-call family '" + std::string(name) + "' (expected gemma4, qwen35, qwen3 or llama3)");
}

const char* family_name(Family family) {
  switch (family) {
    case Family::Gemma4: return "gemma4";
    case Family::Qwen35: return "qwen35";
    case Family::Qwen3: return "qwen3";
    case Family::Llama3: return "llama3";
  }
  return "unknown";
}

std::optional<Family> family_for_template(chat::Family f) {
  switch (f) {
    case chat::Family::Gemma4: return Family::Gemma4;
    case chat::Family::Qwen35: return Family::Qwen35;
    case chat::Family::Qwen3: return Family::Qwen3;
    case chat::Family::Llama3: return Family::Llama3;
    default: return std::nullopt;
  }
}

bool prompt_opens_reasoning(Family family, std::string_view generation_prompt) {
  size_t end = generation_prompt.find_last_not_of(kWhitespace);
  std::string_view prompt = generation_prompt.substr(0, end == std::string_view::npos ? 0 : end + 1);
  auto ends_with = [&](std::string_view suffix) {
    return prompt.size() >= suffix.size() && prompt.substr(prompt.size() - suffix.size()) == suffix;
  };
  switch (family) {
    case Family::Gemma4: return ends_with("<|channel>thought");
    case Family::Qwen35:
    case Family::Qwen3: return ends_with("<think>");
    case Family::Llama3: return false;
  }
  return false;
}

edgelm::Json ParseResult::to_json(bool with_diagnostics) const {
  Json out = Json::object();
  out["content"] = content;
  out["reasoning"] = reasoning ? Json(*reasoning) : Json(nullptr);
  Json calls = Json::array();
  for (const ToolCall& call : tool_calls) calls.push_back({{"name", call.name}, {"arguments", native(call.arguments)}});
  out["tool_calls"] = std::move(calls);
  if (with_diagnostics) out["diagnostics"] = diagnostics;
  return wrap(std::move(out));
}

}  // namespace edgelm::toolcalls
