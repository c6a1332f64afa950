// What the suites share: the data folder, proportions with intervals, and the
// resumable per-item result log.
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <unistd.h>

#include "edgelm/error.h"
#include "edgelm/json_input.h"
#include "eval/suites.h"

namespace edgelm::eval {

std::filesystem::path data_dir() {
  if (const char* env = std::getenv("EDGELM_DATA_DIR"); env && *env) return env;
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const std::filesystem::path installed = exe.parent_path().parent_path() / "share" / "edgelm";
    if (std::filesystem::is_directory(installed / "evals")) return installed;
  }
  return EDGELM_DATA_DIR;
}

// Wilson's score interval: unlike the normal approximation it stays inside
// [0, 1] and is honest for small n and scores near 0 or 1.
namespace {
constexpr double kZ95 = 1.959963984540054;
double wilson(size_t successes, size_t n, double sign) {
  if (n == 0) return sign < 0 ? 0.0 : 1.0;
  const double nn = static_cast<double>(n), p = static_cast<double>(successes) / nn, z2 = kZ95 * kZ95;
  const double centre = p + z2 / (2 * nn);
  const double spread = kZ95 * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
  return std::clamp((centre + sign * spread) / (1 + z2 / nn), 0.0, 1.0);
}
}  // namespace

double Proportion::low() const { return wilson(successes, n, -1); }
double Proportion::high() const { return wilson(successes, n, +1); }
JsonDoc Proportion::to_json() const {
  return {{"value", value()}, {"low", low()}, {"high", high()}, {"successes", successes}, {"n", n}};
}

ResultLog::ResultLog(const std::filesystem::path& file) : file_(file) {
  std::filesystem::create_directories(file.parent_path());
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    // A line cut short by an interruption is simply redone.
    if (line.empty() || json_too_deep(line)) continue;
    JsonDoc record = JsonDoc::parse(line, nullptr, false);
    if (record.is_discarded() || !record.is_object() || !record.contains("key") || !record["key"].is_string())
      continue;
    std::string key = record["key"];   // (before the move: operator= takes its argument by value)
    done_[std::move(key)] = std::move(record);
  }
  // Rewrite the file without the broken tail so appends start on a clean line.
  std::ofstream out(file, std::ios::trunc);
  for (const auto& [key, record] : done_) out << record.dump(-1, ' ', false, JsonDoc::error_handler_t::replace) << '\n';
  if (!out) throw Error("cannot write '" + file.string() + "'");
}

void ResultLog::add(const std::string& key, JsonDoc record) {
  JsonDoc line = {{"key", key}};
  for (auto& [k, v] : record.items()) line[k] = v;
  std::ofstream out(file_, std::ios::app);
  out << line.dump(-1, ' ', false, JsonDoc::error_handler_t::replace) << '\n';
  out.flush();
  if (!out) throw Error("cannot append to '" + file_.string() + "'");
  done_[key] = std::move(line);
}

}  // namespace edgelm::eval
