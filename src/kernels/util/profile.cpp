#include "kernels/util/profile.h"

#include <atomic>
#include <cstring>

namespace edgelm::kernels::profile {
namespace {

using Clock = std::chrono::steady_clock;

std::atomic<bool> g_enabled{false};
const char* g_section = "other";   // the innermost live Section
std::vector<Row> g_rows;

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void record(const char* section, const char* op, double seconds, uint64_t bytes) {
  for (Row& r : g_rows)
    if (r.section == section && r.op == op) {
      ++r.calls;
      r.seconds += seconds;
      r.bytes += bytes;
      return;
    }
  g_rows.push_back({section, op, 1, seconds, bytes});
}

}  // namespace

bool enabled() { return g_enabled.load(std::memory_order_relaxed); }
void set_enabled(bool on) { g_enabled = on; }

std::vector<Row> take() {
  std::vector<Row> out;
  out.swap(g_rows);
  return out;
}

Section::Section(const char* name) {
  if (!enabled()) return;
  name_ = name;
  outer_ = g_section;
  g_section = name;
  start_ = Clock::now();
}

Section::~Section() {
  if (!name_) return;
  record(name_, "total", since(start_), 0);
  g_section = outer_;
}

Op::Op(const char* name, uint64_t bytes) {
  if (!enabled()) return;
  name_ = name;
  bytes_ = bytes;
  start_ = Clock::now();
}

Op::~Op() {
  if (name_) record(g_section, name_, since(start_), bytes_);
}

}  // namespace edgelm::kernels::profile
