#include "eval/ifeval/pyregex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "edgelm/error.h"

namespace edgelm::eval::ifeval::py {

namespace {

// Python's str.isspace() table as PCRE2 class items.
constexpr std::string_view kSpaceItems =
    R"(\t\n\x0b\f\r\x1c-\x1f\x20\x85\xa0\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000})";
constexpr std::string_view kWordItems = R"(\p{L}\p{N}_)";

std::string word_class(bool negated) {
  return std::string(negated ? "[^" : "[") + std::string(kWordItems) + "]";
}

std::string boundary(bool at_boundary) {
  const std::string w = word_class(false);
  if (at_boundary) return "(?:(?<=" + w + ")(?!" + w + ")|(?<!" + w + ")(?=" + w + "))";
  return "(?:(?<=" + w + ")(?=" + w + ")|(?<!" + w + ")(?!" + w + "))";
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// \uXXXX or \UXXXXXXXX at p[i] (the letter); on success appends \x{...} and
// moves i to the last hex digit.
bool translate_unicode_escape(std::string_view p, size_t& i, std::string& out) {
  const size_t digits = p[i] == 'u' ? 4 : 8;
  if (i + digits >= p.size()) return false;
  for (size_t k = 1; k <= digits; ++k)
    if (!is_hex(p[i + k])) return false;
  out += "\\x{" + std::string(p.substr(i + 1, digits)) + "}";
  i += digits;
  return true;
}

void translate_escape(std::string_view p, size_t& i, bool in_class, std::string& out) {
  const char c = p[i];
  if (in_class) {
    switch (c) {
      case 'w': out += kWordItems; return;
      case 'd': out += "\\p{Nd}"; return;
      case 's': out += kSpaceItems; return;
      default: break;
    }
  } else {
    switch (c) {
      case 'w': out += word_class(false); return;
      case 'W': out += word_class(true); return;
      case 'd': out += "\\p{Nd}"; return;
      case 'D': out += "\\P{Nd}"; return;
      case 's': out += "[" + std::string(kSpaceItems) + "]"; return;
      case 'S': out += "[^" + std::string(kSpaceItems) + "]"; return;
      case 'b': out += boundary(true); return;
      case 'B': out += boundary(false); return;
      case 'Z': out += "\\z"; return;
      default: break;
    }
  }
  if ((c == 'u' || c == 'U') && translate_unicode_escape(p, i, out)) return;
  out += '\\';
  out += c;
}

std::string error_text(int code) {
  PCRE2_UCHAR buffer[256];
  pcre2_get_error_message(code, buffer, sizeof buffer);
  return reinterpret_cast<const char*>(buffer);
}

}  // namespace

std::string translate_python_pattern(std::string_view p) {
  std::string out;
  out.reserve(p.size() * 2);
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      ++i;
      translate_escape(p, i, in_class, out);
    } else if (!in_class && c == '[') {
      in_class = true;
      out += c;
      if (i + 1 < p.size() && p[i + 1] == '^') out += p[++i];
      if (i + 1 < p.size() && p[i + 1] == ']') {  // a leading ']' is literal
        out += "\\]";
        ++i;
      }
    } else if (in_class && c == '[') {
      out += "\\[";  // Python has no POSIX [:classes:]
    } else {
      if (in_class && c == ']') in_class = false;
      out += c;
    }
  }
  return out;
}

std::string_view Regex::Match::group(std::string_view subject, size_t n) const {
  if (n == 0) return text(subject);
  if (n > groups.size() || !groups[n - 1]) return {};
  return subject.substr(groups[n - 1]->first, groups[n - 1]->second - groups[n - 1]->first);
}

struct Regex::Code {
  pcre2_code* code = nullptr;
  uint32_t groups = 0;  // capturing groups
  ~Code() { pcre2_code_free(code); }
};

namespace {

// pcre2_match_data that frees itself.
struct MatchData {
  explicit MatchData(const pcre2_code* code) : data(pcre2_match_data_create_from_pattern(code, nullptr)) {}
  ~MatchData() { pcre2_match_data_free(data); }
  MatchData(const MatchData&) = delete;
  MatchData& operator=(const MatchData&) = delete;
  pcre2_match_data* data;
};

}  // namespace

Regex::Regex(std::string_view python_pattern, unsigned flags) : pattern_(python_pattern), code_(std::make_unique<Code>()) {
  const std::string translated = translate_python_pattern(python_pattern);
  uint32_t options = PCRE2_UTF | PCRE2_UCP;
  if (flags & kIgnoreCase) options |= PCRE2_CASELESS;
  if (flags & kMultiline) options |= PCRE2_MULTILINE | PCRE2_ALT_CIRCUMFLEX;
  if (flags & kDotAll) options |= PCRE2_DOTALL;
  pcre2_compile_context* context = pcre2_compile_context_create(nullptr);
  pcre2_set_newline(context, PCRE2_NEWLINE_LF);  // `.`, `^` and `$` know only "\n", as in Python
  int error = 0;
  PCRE2_SIZE offset = 0;
  code_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated.data()), translated.size(), options, &error,
                              &offset, context);
  pcre2_compile_context_free(context);
  if (!code_->code)
    throw Error("ifeval: invalid regular expression '" + pattern_ + "': " + error_text(error));
  pcre2_pattern_info(code_->code, PCRE2_INFO_CAPTURECOUNT, &code_->groups);
}

Regex::~Regex() = default;
Regex::Regex(Regex&&) noexcept = default;
Regex& Regex::operator=(Regex&&) noexcept = default;

std::optional<Regex::Match> Regex::run(std::string_view subject, size_t pos, unsigned options) const {
  MatchData md(code_->code);
  const int rc = pcre2_match(code_->code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), pos, options,
                             md.data, nullptr);
  if (rc == PCRE2_ERROR_NOMATCH) return std::nullopt;
  if (rc < 0) throw Error("ifeval: regular expression '" + pattern_ + "' failed: " + error_text(rc));
  const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(md.data);
  Match m;
  m.begin = ovector[0];
  m.end = ovector[1];
  for (uint32_t g = 1; g <= code_->groups; ++g) {
    if (static_cast<int>(g) < rc && ovector[2 * g] != PCRE2_UNSET)
      m.groups.emplace_back(std::make_pair(ovector[2 * g], ovector[2 * g + 1]));
    else
      m.groups.emplace_back(std::nullopt);
  }
  return m;
}

std::optional<Regex::Match> Regex::search(std::string_view subject, size_t pos) const {
  if (pos > subject.size()) return std::nullopt;
  return run(subject, pos, 0);
}

std::optional<Regex::Match> Regex::match(std::string_view subject, size_t pos) const {
  if (pos > subject.size()) return std::nullopt;
  return run(subject, pos, PCRE2_ANCHORED);
}

std::vector<Regex::Match> Regex::find_all(std::string_view subject) const {
  std::vector<Match> matches;
  size_t pos = 0;
  bool after_empty = false;
  // PCRE2 validates the UTF-8 from the start offset on at every call; once is
  // enough (otherwise iterating over a long text is quadratic).
  uint32_t checked = 0;
  while (pos <= subject.size()) {
    // After an empty match at pos the next one may start there but must not
    // be empty there too (Python 3.7+ rule; PCRE2's NOTEMPTY_ATSTART).
    std::optional<Match> m = run(subject, pos, (after_empty ? PCRE2_NOTEMPTY_ATSTART : 0) | checked);
    checked = PCRE2_NO_UTF_CHECK;
    if (!m) break;
    after_empty = m->begin == m->end;
    pos = m->end;
    matches.push_back(std::move(*m));
  }
  return matches;
}

std::vector<std::string> Regex::split(std::string_view subject) const {
  std::vector<std::string> pieces;
  size_t last = 0;
  for (const Match& m : find_all(subject)) {
    pieces.emplace_back(subject.substr(last, m.begin - last));
    for (size_t g = 1; g <= m.groups.size(); ++g) pieces.emplace_back(m.group(subject, g));
    last = m.end;
  }
  pieces.emplace_back(subject.substr(last));
  return pieces;
}

namespace {

// The character escapes a replacement template may hold (\n, \t, \\); any
// other escape is kept as written.
std::string simple_escape(char c) {
  switch (c) {
    case 'n': return "\n";
    case 't': return "\t";
    case '\\': return "\\";
    default: return std::string{'\\', c};
  }
}

// Expands a Python replacement template for one match.
void expand_template(std::string_view tmpl, std::string_view subject, const Regex::Match& m, std::string& out) {
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '\\' || i + 1 == tmpl.size()) {
      out += tmpl[i];
      continue;
    }
    const char c = tmpl[++i];
    if (c >= '0' && c <= '9') {
      size_t n = static_cast<size_t>(c - '0');
      if (i + 1 < tmpl.size() && tmpl[i + 1] >= '0' && tmpl[i + 1] <= '9') n = n * 10 + static_cast<size_t>(tmpl[++i] - '0');
      out += m.group(subject, n);
    } else if (c == 'g' && i + 1 < tmpl.size() && tmpl[i + 1] == '<') {
      const size_t close = tmpl.find('>', i);
      if (close == std::string_view::npos) throw Error("ifeval: bad replacement template");
      out += m.group(subject, std::stoul(std::string(tmpl.substr(i + 2, close - i - 2))));
      i = close;
    } else {
      out += simple_escape(c);
    }
  }
}

}  // namespace

std::string Regex::sub(std::string_view subject, std::string_view replacement) const {
  std::string out;
  out.reserve(subject.size() + 16);
  size_t last = 0;
  for (const Match& m : find_all(subject)) {
    out.append(subject.substr(last, m.begin - last));
    expand_template(replacement, subject, m, out);
    last = m.end;
  }
  out.append(subject.substr(last));
  return out;
}

}  // namespace edgelm::eval::ifeval::py
