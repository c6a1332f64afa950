// Shared test helpers (see support.h).
#include "support.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

#include "edgelm/synth.h"

namespace edgelm::test {

std::string shared_path(const std::string& rel) {
  const std::filesystem::path root(EDGELM_SHARED_DIR);
  if (!std::filesystem::is_directory(root))
    ADD_FAILURE() << "the reference data folder " << root.string()
                  << " is missing: ../shared must sit beside the repository (or set EDGELM_SHARED_DIR in CMake)";
  return (root / rel).string();
}

bool shared_exists(const std::string& rel) { return std::filesystem::exists(std::filesystem::path(EDGELM_SHARED_DIR) / rel); }

namespace {

// Removes the models written by this process when it exits.
struct TinyModels {
  std::mutex mu;
  std::map<std::string, std::string> paths;
  ~TinyModels() {
    for (const auto& [key, path] : paths) std::filesystem::remove(path);
  }
};

}  // namespace

std::string tiny_model(const std::string& arch, const std::string& type) {
  static TinyModels models;
  std::lock_guard<std::mutex> lock(models.mu);
  const std::string key = arch + "-" + type;
  if (auto it = models.paths.find(key); it != models.paths.end()) return it->second;
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("edgelm-test-" + std::to_string(::getpid()) + "-" + key + ".gguf"))
                               .string();
  SynthOptions o;
  o.arch = arch;
  o.preset = "tiny";
  o.type = type;
  o.output = path;
  o.n_threads = 1;
  synthesize_model(o);
  models.paths.emplace(key, path);
  return path;
}

uint64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t pages = 0, resident = 0;
  if (!(statm >> pages >> resident)) return 0;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace edgelm::test
