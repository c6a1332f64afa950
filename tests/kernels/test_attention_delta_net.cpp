// The chunk-wise gated delta rule (large prefill batches) against the
// token-by-token recurrence: same outputs and state up to rounding, starting
// from an empty or a carried state, with a partial last chunk.
#include <gtest/gtest.h>

#include <cmath>

#include "kernel_test_util.h"
#include "kernels/ops/delta_net.h"

namespace edgelm {
namespace {

struct DeltaInputs {
  int n, n_k = 2, n_v = 4, d_k = 32, d_v = 48;
  std::vector<float> qk, v, g, beta;
  DeltaInputs(int tokens, uint64_t seed) : n(tokens) {
    test::Rng rng(seed);
    qk.resize(static_cast<size_t>(n) * 2 * n_k * d_k);
    v.resize(static_cast<size_t>(n) * n_v * d_v);
    g.resize(static_cast<size_t>(n) * n_v);
    beta.resize(g.size());
    for (float& x : qk) x = rng.gaussian();
    for (int64_t h = 0; h < static_cast<int64_t>(n) * 2 * n_k; ++h) {   // unit q and k, as the model feeds them
      float* x = qk.data() + h * d_k;
      double sum = 0.0;
      for (int c = 0; c < d_k; ++c) sum += x[c] * x[c];
      for (int c = 0; c < d_k; ++c) x[c] = static_cast<float>(x[c] / std::sqrt(sum));
    }
    for (float& x : v) x = rng.gaussian();
    for (float& x : g) x = -0.01f - 0.5f * std::fabs(rng.gaussian());
    for (float& x : beta) x = 0.5f + 0.45f * rng.uniform();
  }
  // Runs tokens [t0, t0 + count) in one call.
  void run(int t0, int count, std::vector<float>& state, std::vector<float>& out, ThreadPool& pool) const {
    kernels::DeltaRuleArgs a;
    const int64_t qk_stride = 2 * n_k * d_k;
    a.q = qk.data() + t0 * qk_stride;
    a.k = a.q + n_k * d_k;
    a.qk_stride = qk_stride;
    a.v = v.data() + static_cast<int64_t>(t0) * n_v * d_v;
    a.v_stride = static_cast<int64_t>(n_v) * d_v;
    a.g = g.data() + static_cast<int64_t>(t0) * n_v;
    a.beta = beta.data() + static_cast<int64_t>(t0) * n_v;
    a.n_tokens = count;
    a.n_k_heads = n_k;
    a.n_v_heads = n_v;
    a.d_k = d_k;
    a.d_v = d_v;
    a.scale = 1.0f / std::sqrt(static_cast<float>(d_k));
    a.state = state.data();
    a.out = out.data() + static_cast<int64_t>(t0) * n_v * d_v;
    a.out_stride = static_cast<int64_t>(n_v) * d_v;
    kernels::gated_delta_rule(a, pool);
  }
};

double max_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double d = 0.0;
  for (size_t i = 0; i < a.size(); ++i) d = std::max(d, static_cast<double>(std::fabs(a[i] - b[i])));
  return d;
}

TEST(DeltaNetChunked, MatchesTokenByToken) {
  ThreadPool pool(2);
  const DeltaInputs in(330, 3);
  const size_t state_floats = static_cast<size_t>(in.n_v) * in.d_k * in.d_v;
  const size_t out_floats = static_cast<size_t>(in.n) * in.n_v * in.d_v;
  std::vector<float> s_seq(state_floats, 0.0f), s_chunk(state_floats, 0.0f);
  std::vector<float> o_seq(out_floats), o_chunk(out_floats);
  for (int t = 0; t < in.n; ++t) in.run(t, 1, s_seq, o_seq, pool);
  in.run(0, 200, s_chunk, o_chunk, pool);   // 3 chunks of 64 and one of 8
  in.run(200, 130, s_chunk, o_chunk, pool);  // carried state
  const double out_err = max_diff(o_seq, o_chunk), state_err = max_diff(s_seq, s_chunk);
  std::printf("[delta-net] chunked vs token by token: output %.3g, state %.3g\n", out_err, state_err);
  EXPECT_LT(out_err, 1e-4);
  EXPECT_LT(state_err, 1e-4);
  EXPECT_GT(max_diff(o_seq, std::vector<float>(out_floats, 0.0f)), 0.1);   // not vacuous
}

}  // namespace
}  // namespace edgelm
