#include "cli/line_reader.h"

#include <cstdlib>
#include <iostream>

#ifdef EDGELM_HAVE_LIBEDIT
#include <editline/readline.h>
#endif

namespace edgelm::cli {

bool LineReader::read(const char* prompt, std::string& line) {
#ifdef EDGELM_HAVE_LIBEDIT
  if (interactive_) {
    char* raw = readline(prompt);
    if (!raw) return false;
    line = raw;
    if (!line.empty()) add_history(raw);
    std::free(raw);
    return true;
  }
#endif
  if (interactive_) std::cerr << prompt << std::flush;
  return static_cast<bool>(std::getline(std::cin, line));
}

}  // namespace edgelm::cli
