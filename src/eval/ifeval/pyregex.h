// Python `re` semantics on top of PCRE2 (UTF + UCP). A pattern is written in
// Python syntax and translated so that the character classes mean what they
// mean for a Python str: \w is [\p{L}\p{N}_], \d is \p{Nd}, \s is Python's
// whitespace table, \b/\B are built from that \w, \Z is the very end, and
// \uXXXX/\UXXXXXXXX escapes work. Inside [...] the negated shorthands \W \S
// \D keep PCRE2's UCP meaning (the same as Python's except that \S also
// matches U+001C..U+001F). `.` never matches "\n"; with kMultiline `^` also
// matches after a final newline, as in Python. Iteration follows Python 3.7+:
// an empty match may follow a non-empty one at the same position, but two
// empty matches never share a position.
#pragma once
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace edgelm::eval::ifeval::py {

class Regex {
 public:
  enum Flags : unsigned { kNone = 0, kIgnoreCase = 1, kMultiline = 2, kDotAll = 4 };

  struct Match {
    size_t begin = 0, end = 0;  // byte offsets into the subject
    // Capturing groups 1..n; nullopt for a group that did not take part.
    std::vector<std::optional<std::pair<size_t, size_t>>> groups;
    std::string_view text(std::string_view subject) const { return subject.substr(begin, end - begin); }
    std::string_view group(std::string_view subject, size_t n) const;  // "" when unset
  };

  // Throws edgelm::Error naming the pattern when it does not compile.
  explicit Regex(std::string_view python_pattern, unsigned flags = kNone);
  ~Regex();
  Regex(Regex&&) noexcept;
  Regex& operator=(Regex&&) noexcept;

  // re.search from byte offset `pos` (lookbehinds still see what precedes it).
  std::optional<Match> search(std::string_view subject, size_t pos = 0) const;
  // re.match at byte offset `pos`.
  std::optional<Match> match(std::string_view subject, size_t pos = 0) const;
  std::vector<Match> find_all(std::string_view subject) const;  // re.finditer
  size_t count(std::string_view subject) const { return find_all(subject).size(); }
  // re.split: the pieces between matches, with each match's groups in between
  // ("" for a group that did not take part, where Python gives None).
  std::vector<std::string> split(std::string_view subject) const;
  // re.sub with a Python template (\1, \g<1>, \g<0>, \n, \\).
  std::string sub(std::string_view subject, std::string_view replacement) const;

  const std::string& pattern() const { return pattern_; }

 private:
  std::optional<Match> run(std::string_view subject, size_t pos, unsigned options) const;

  std::string pattern_;
  struct Code;
  std::unique_ptr<Code> code_;
};

// The PCRE2 form of a Python pattern (exposed for tests).
std::string translate_python_pattern(std::string_view python_pattern);

}  // namespace edgelm::eval::ifeval::py
