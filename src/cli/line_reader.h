// Reads input lines: with line editing and history (libedit) on a terminal,
// plain std::getline otherwise (pipes, tests).
#pragma once
#include <string>

namespace edgelm::cli {

class LineReader {
 public:
  explicit LineReader(bool interactive) : interactive_(interactive) {}
  bool read(const char* prompt, std::string& line);   // false at end of input

 private:
  bool interactive_;
};

}  // namespace edgelm::cli
