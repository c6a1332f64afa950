// The download progress bar and byte counts for messages.
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "hub/internal.h"

namespace edgelm::hub {

namespace detail {

std::string format_bytes(uint64_t bytes) {
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = double(bytes) / 1024;
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(units)) {
    value /= 1024;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.1f %s", value, units[unit]);
  return text;
}

}  // namespace detail

std::string format_progress(uint64_t done, uint64_t total, double seconds, int width) {
  std::string line;
  if (total > 0) {
    uint64_t shown = std::min(done, total);
    auto percent = static_cast<int>(shown * 100 / total);
    auto filled = static_cast<int>(shown * uint64_t(std::max(width, 0)) / total);
    char head[8];
    std::snprintf(head, sizeof head, "%3d%% ", percent);
    line = head;
    if (width > 0) line += "[" + std::string(size_t(filled), '#') + std::string(size_t(width - filled), ' ') + "] ";
    line += detail::format_bytes(done) + " / " + detail::format_bytes(total);
  } else {
    line = detail::format_bytes(done);
  }
  if (seconds > 0) line += "  " + detail::format_bytes(uint64_t(double(done) / seconds)) + "/s";
  return line;
}

ProgressBar::ProgressBar(std::string label, std::FILE* out)
    : ProgressBar(std::move(label), out, ::isatty(::fileno(out)) == 1) {}

ProgressBar::ProgressBar(std::string label, std::FILE* out, bool tty)
    : label_(std::move(label)), out_(out), tty_(tty), start_(std::chrono::steady_clock::now()) {}

void ProgressBar::update(uint64_t done, uint64_t total) {
  using namespace std::chrono;
  if (done < done_) start_ = steady_clock::now();  // the download started over
  done_ = done;
  total_ = total;
  auto now = steady_clock::now();
  double elapsed = duration<double>(now - start_).count();
  if (tty_) {
    // Redrawing on every network read would cost more than the download.
    if (open_ && done < total && now - last_draw_ < milliseconds(100)) return;
    std::fprintf(out_, "\r%s %s\033[K", label_.c_str(), format_progress(done, total, elapsed).c_str());
    open_ = true;
  } else {
    // A log gets a line per tenth, or one every 10 s while the size is unknown.
    int decile = total > 0 ? int(std::min(done, total) * 10 / total) : last_decile_;
    bool due = total > 0 ? decile > last_decile_ : now - last_draw_ >= seconds(10);
    if (!due) return;
    last_decile_ = decile;
    std::fprintf(out_, "%s %s\n", label_.c_str(), format_progress(done, total, elapsed, 0).c_str());
  }
  last_draw_ = now;
  std::fflush(out_);
}

void ProgressBar::finish() {
  if (!tty_ || !open_) return;
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(out_, "\r%s %s\033[K\n", label_.c_str(), format_progress(done_, total_, seconds).c_str());
  std::fflush(out_);
  open_ = false;
}

std::function<void(uint64_t, uint64_t)> ProgressBar::callback() {
  return [this](uint64_t done, uint64_t total) { update(done, total); };
}

}  // namespace edgelm::hub
