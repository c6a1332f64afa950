// A one-line progress bar on stderr for long runs (evaluations, downloads):
// redrawn in place on a terminal, a line every few seconds otherwise.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace edgelm::cli {

class ProgressBar {
 public:
  explicit ProgressBar(std::string title);
  // done of total units (total 0: unknown); `detail` is shown after the bar.
  void update(uint64_t done, uint64_t total, const std::string& detail = "");
  void finish();   // ends the line

 private:
  std::string title_;
  bool tty_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace edgelm::cli
