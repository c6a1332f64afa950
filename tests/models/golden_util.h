// Loading reference logits and comparing them the way golden/README.md says.
#pragma once
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support.h"

namespace edgelm::test {

inline bool shared_available() {
  std::ifstream f(shared_path("README.md"));
  return static_cast<bool>(f);
}

#define REQUIRE_SHARED()                                                                        \
  do {                                                                                          \
    if (!::edgelm::test::shared_available())                                                    \
      GTEST_FAIL() << "reference data not found at " EDGELM_SHARED_DIR " (../shared beside the repo)"; \
  } while (0)

inline std::vector<float> read_f32(const std::string& path) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) return {};
  const std::streamsize n = f.tellg();
  std::vector<float> out(static_cast<size_t>(n) / sizeof(float));
  f.seekg(0);
  f.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size() * sizeof(float)));
  return out;
}

struct Comparison {
  double max_abs_diff = 0.0;
  double max_abs_ref = 0.0;
  int argmax_mismatches = 0;   // rows whose top-2 gap exceeds 2*tol*max|ref| and argmax differs
  double rel() const { return max_abs_ref > 0 ? max_abs_diff / max_abs_ref : max_abs_diff; }
};

inline Comparison compare_logits(const std::vector<float>& got, const std::vector<float>& ref, int n_vocab,
                                 double tol) {
  Comparison c;
  for (size_t i = 0; i < ref.size(); ++i) {
    c.max_abs_ref = std::max(c.max_abs_ref, static_cast<double>(std::fabs(ref[i])));
    c.max_abs_diff = std::max(c.max_abs_diff, static_cast<double>(std::fabs(got[i] - ref[i])));
  }
  const size_t rows = ref.size() / n_vocab;
  for (size_t r = 0; r < rows; ++r) {
    const float* a = got.data() + r * n_vocab;
    const float* b = ref.data() + r * n_vocab;
    int best_a = 0, best_b = 0;
    for (int i = 1; i < n_vocab; ++i) {
      if (a[i] > a[best_a]) best_a = i;
      if (b[i] > b[best_b]) best_b = i;
    }
    float second = -INFINITY;
    for (int i = 0; i < n_vocab; ++i)
      if (i != best_b) second = std::max(second, b[i]);
    if (best_a != best_b && b[best_b] - second > 2 * tol * c.max_abs_ref) ++c.argmax_mismatches;
  }
  return c;
}

}  // namespace edgelm::test
