// Errors raised while parsing or rendering a template.
//
// Each error carries the name of the Python/Jinja2 exception class that the
// reference renderer (Jinja2 under Hugging Face's settings) raises in the same
// situation, so that callers and tests can compare "error class + message"
// with Python's str(exception).
#pragma once
#include <string>

#include "edgelm/error.h"

namespace edgelm::jinja {

enum class ErrorKind {
  TemplateSyntaxError,     // lexing/parsing failures
  TemplateAssertionError,  // compile-time checks (unknown filter/test outside a conditional)
  TemplateRuntimeError,    // Jinja runtime misuse (assigning to a non-namespace, ...)
  TemplateError,           // raise_exception(msg) from the template itself
  UndefinedError,          // using an undefined value where Jinja2 raises
  SecurityError,           // sandbox refused an operation (list.append, ...)
  TypeError,               // Python TypeError (bad operand types, ...)
  AttributeError,          // Python AttributeError (dictsort on a list, ...)
  ValueError,              // Python ValueError (bad int() literal, unpacking, ...)
  IndexError,              // Python IndexError (str.format field out of range)
  KeyError,                // Python KeyError (str.format missing name)
  ZeroDivisionError,
  OverflowError,           // also the sandbox's "Range too big"
  LimitError,              // our own resource limits (no Python counterpart)
};

const char* error_kind_name(ErrorKind kind);

class Error : public edgelm::Error {
 public:
  Error(ErrorKind kind, const std::string& message, int line = 0)
      : edgelm::Error(message), kind_(kind), message_(message), line_(line) {}
  ErrorKind kind() const { return kind_; }
  const char* kind_name() const { return error_kind_name(kind_); }
  const std::string& message() const { return message_; }
  int line() const { return line_; }  // 0 when unknown

 private:
  ErrorKind kind_;
  std::string message_;
  int line_;
};

}  // namespace edgelm::jinja
