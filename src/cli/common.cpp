#include "cli/common.h"

#include <cerrno>
#include <cstdlib>
#include <fstream>

#include "edgelm/error.h"

namespace edgelm::cli {

int parse_or_exit(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "error: %s (see 'edgelm %s --help')\n", e.what(), app.get_name().c_str());
    return 2;
  }
  return -1;
}

std::vector<int32_t> parse_int_list(const std::string& text, const char* what) {
  std::vector<int32_t> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(pos, end - pos);
    char* stop = nullptr;
    errno = 0;
    const long v = std::strtol(item.c_str(), &stop, 10);
    if (item.empty() || *stop != '\0' || errno != 0 || v < INT32_MIN || v > INT32_MAX)
      throw Error(std::string("invalid ") + what + " '" + item + "' (expected comma-separated integers)");
    out.push_back(static_cast<int32_t>(v));
    pos = end + 1;
  }
  return out;
}

std::string read_file(const std::string& path, const char* what) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(std::string(what) + " '" + path + "' cannot be opened");
  return std::string(std::istreambuf_iterator<char>(f), {});
}

void require_file(const std::string& path, const char* what) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(std::string(what) + " '" + path + "' cannot be opened");
}

}  // namespace edgelm::cli
