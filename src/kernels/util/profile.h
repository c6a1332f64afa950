// An opt-in wall-clock profile of forward passes (`edgelm bench --profile`):
// models mark sections (a layer of some kind, the output head), kernels mark
// operations inside them (matmul, attention, ...), and the profile sums time,
// calls and weight bytes per (section, operation). A section's "total" is its
// whole wall time, so total minus the marked operations is everything else
// (norms, RoPE, activations, residual adds).
//
// Off by default, when each marker costs one branch. The state is global and
// recorded from the thread that runs the forward pass: profile one session at
// a time.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace edgelm::kernels::profile {

bool enabled();
void set_enabled(bool on);

struct Row {
  std::string section, op;   // op "total": the section's whole time
  int64_t calls = 0;
  double seconds = 0;
  uint64_t bytes = 0;        // weight bytes the operations streamed
};
// The rows recorded since the last take(), in first-seen order; clears them.
std::vector<Row> take();

// Marks the current thread's work as `name` (a static string) while alive.
class Section {
 public:
  explicit Section(const char* name);
  ~Section();
  Section(const Section&) = delete;
  Section& operator=(const Section&) = delete;

 private:
  const char* name_ = nullptr;
  const char* outer_ = nullptr;
  std::chrono::steady_clock::time_point start_;
};

// Times one operation (a static string) of the current section.
class Op {
 public:
  explicit Op(const char* name, uint64_t bytes = 0);
  ~Op();
  Op(const Op&) = delete;
  Op& operator=(const Op&) = delete;

 private:
  const char* name_ = nullptr;
  uint64_t bytes_ = 0;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace edgelm::kernels::profile
