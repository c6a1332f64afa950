#include "cli/progress.h"

#include <cstdio>
#include <unistd.h>

namespace edgelm::cli {

ProgressBar::ProgressBar(std::string title)
    : title_(std::move(title)), tty_(isatty(fileno(stderr)) != 0),
      start_(std::chrono::steady_clock::now()), last_(start_) {}

void ProgressBar::update(uint64_t done, uint64_t total, const std::string& detail) {
  const auto now = std::chrono::steady_clock::now();
  // A terminal is redrawn at most 10 times a second; a log gets a line every 10 s.
  const auto every = tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(10000);
  if (drawn_ && now - last_ < every && done != total) return;
  last_ = now;
  drawn_ = true;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  constexpr int kWidth = 30;
  std::string bar;
  if (total > 0) {
    const int filled = static_cast<int>(kWidth * done / total);
    bar = "[" + std::string(filled, '#') + std::string(kWidth - filled, '.') + "]";
  }
  char eta[32] = "";
  if (total > 0 && done > 0 && done < total)
    std::snprintf(eta, sizeof eta, " eta %.0fs", elapsed * double(total - done) / double(done));
  std::fprintf(stderr, "%s%s %s %llu/%llu %.0fs%s %s%s", tty_ ? "\r\x1b[2K" : "", title_.c_str(), bar.c_str(),
               static_cast<unsigned long long>(done), static_cast<unsigned long long>(total), elapsed, eta,
               detail.c_str(), tty_ ? "" : "\n");
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (drawn_ && tty_) std::fputc('\n', stderr);
  drawn_ = false;
}

}  // namespace edgelm::cli
