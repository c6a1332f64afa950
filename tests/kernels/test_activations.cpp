// The SIMD activation quantizers must produce exactly quantize_activation_row()'s bytes.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/matmul/activations.h"
#include "kernels/ops/ops.h"
#include "kernels/matmul/isa_kernels.h"
#include "kernel_test_util.h"

namespace edgelm {
namespace {

using kernels::ActBlock32;
using kernels::ActSuperBlock;

// make_activations plus one block of non-finite values.
std::vector<float> activations_with_specials(uint64_t seed, int64_t n) {
  std::vector<float> x = test::make_activations(seed, n);
  const float inf = std::numeric_limits<float>::infinity();
  const float specials[] = {std::nanf(""), inf, -inf, 1e-45f, -3e-39f, 65520.0f, -65504.0f, 2.5f};
  for (size_t i = 0; i < std::size(specials); ++i) x[x.size() - 64 + 3 * i] = specials[i];
  return x;
}

TEST(Activations, Q8_0MatchesQuantizeRow) {
  for (kernels::Isa isa : test::simd_isas()) {
    const kernels::IsaKernels& k = *kernels::kernels_of(isa);
    for (uint64_t seed = 1; seed <= 4; ++seed) {
      const int64_t n = 1024;
      const std::vector<float> x = activations_with_specials(seed, n);
      std::vector<ActBlock32> want(n / 32), got(n / 32);
      kernels::act_q8_0_ref(x.data(), want.data(), n / 32);
      k.act_q8_0(x.data(), got.data(), n / 32);
      for (int64_t b = 0; b < n / 32; ++b)
        ASSERT_EQ(0, std::memcmp(&want[b], &got[b], sizeof(ActBlock32))) << kernels::isa_name(isa) << " block " << b;
    }
  }
}

TEST(Activations, Q8_KMatchesQuantizeRow) {
  for (kernels::Isa isa : test::simd_isas()) {
    const kernels::IsaKernels& k = *kernels::kernels_of(isa);
    for (uint64_t seed = 1; seed <= 4; ++seed) {
      const int64_t n = 2048;
      const std::vector<float> x = activations_with_specials(seed, n);
      std::vector<ActSuperBlock> want(n / 256), got(n / 256);
      kernels::act_q8_k_ref(x.data(), want.data(), n / 256, true);
      k.act_q8_k(x.data(), got.data(), n / 256, true);
      for (int64_t b = 0; b < n / 256; ++b)
        ASSERT_EQ(0, std::memcmp(&want[b], &got[b], sizeof(ActSuperBlock))) << kernels::isa_name(isa) << " block " << b;
    }
  }
}

TEST(Activations, HalfRoundingMatchesScalar) {
  for (kernels::Isa isa : test::simd_isas()) {
    const kernels::IsaKernels& k = *kernels::kernels_of(isa);
    const int64_t n = 1000;   // not a multiple of any vector width
    std::vector<float> x = activations_with_specials(7, n);
    // Values at and around f16/bf16 rounding ties and the subnormal ranges.
    for (int i = 0; i < 200; ++i) {
      const uint32_t bits = 0x33000000u + static_cast<uint32_t>(i) * 0x00a00fffu;
      std::memcpy(&x[static_cast<size_t>(i)], &bits, 4);
    }
    std::vector<float> want(n), got(n);
    kernels::act_round_f16_ref(x.data(), want.data(), n);
    k.round_f16(x.data(), got.data(), n);
    for (int64_t i = 0; i < n; ++i)
      ASSERT_EQ(test::bits_of(want[i]), test::bits_of(got[i])) << kernels::isa_name(isa) << " f16 at " << i;
    kernels::act_round_bf16_ref(x.data(), want.data(), n);
    k.round_bf16(x.data(), got.data(), n);
    for (int64_t i = 0; i < n; ++i)
      ASSERT_EQ(test::bits_of(want[i]), test::bits_of(got[i])) << kernels::isa_name(isa) << " bf16 at " << i;
  }
}

}  // namespace
}  // namespace edgelm

// geglu (vectorized where the CPU allows) equals gelu(g)·u element by element,
// bit for bit, across the table's range, its ±10 cut-offs, f16 ties,
// subnormals and infinities, at every length (vector body and scalar tail).
TEST(Activations, GegluMatchesScalarGelu) {
  std::vector<float> g, u;
  for (float x = -12.0f; x <= 12.0f; x += 0.0371f) g.push_back(x);
  const float specials[] = {-10.0f, 10.0f, -9.9999f, 9.9999f, 0.0f, -0.0f, 1e-30f, -1e-30f, 6e-8f, 65504.0f,
                            70000.0f, -70000.0f, std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity(), 1.0009765625f /* f16 tie */};
  g.insert(g.end(), std::begin(specials), std::end(specials));
  for (size_t i = 0; i < g.size(); ++i) u.push_back(0.5f + 0.001f * static_cast<float>(i % 97));
  for (int n : {1, 7, 8, 9, static_cast<int>(g.size())}) {
    std::vector<float> out(n);
    edgelm::kernels::geglu(g.data(), u.data(), out.data(), n);
    for (int i = 0; i < n; ++i) {
      const float want = edgelm::kernels::gelu(g[i]) * u[i];
      ASSERT_EQ(std::memcmp(&out[i], &want, 4), 0) << "g=" << g[i] << " got " << out[i] << " want " << want;
    }
  }
}

// softcap (vectorized where the CPU allows) against cap·tanh(x/cap) in double:
// within 4e-7 relative (or 1e-30 absolute near 0) across the polynomial, the
// exponential branch, their border at 0.625, saturation, and NaN / ±inf.
TEST(Activations, SoftcapMatchesTanh) {
  const float cap = 30.0f;
  std::vector<float> x;
  for (float v = -400.0f; v <= 400.0f; v += 0.173f) x.push_back(v);
  for (float v = -25.0f; v <= 25.0f; v += 0.0071f) x.push_back(v);
  for (float v : {0.0f, -0.0f, 1e-20f, 18.75f, -18.75f, 18.7501f, 270.0f, 1e30f, -1e30f,
                  std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity()})
    x.push_back(v);
  std::vector<float> y = x;
  edgelm::kernels::softcap(y.data(), static_cast<int>(y.size()), cap);
  for (size_t i = 0; i < x.size(); ++i) {
    const double want = cap * std::tanh(static_cast<double>(x[i]) / cap);
    ASSERT_LE(std::fabs(y[i] - want), 4e-7 * std::fabs(want) + 1e-30) << "x=" << x[i] << " got " << y[i];
  }
  std::vector<float> with_nan(16, 1.0f);
  with_nan[3] = std::numeric_limits<float>::quiet_NaN();
  edgelm::kernels::softcap(with_nan.data(), 16, cap);
  EXPECT_TRUE(std::isnan(with_nan[3]));
  EXPECT_NEAR(with_nan[4], cap * std::tanh(1.0 / cap), 1e-6);
}

// swiglu and silu_in_place (vectorized where the CPU allows) against
// x / (1 + e^-x) · u in double: within 3e-7 relative (or 1e-35 absolute where
// silu is below 1e-35) across the exponential's range, its clamp at ±87, and
// ±inf; a NaN stays NaN.
TEST(Activations, SwigluMatchesSilu) {
  std::vector<float> g;
  for (float v = -120.0f; v <= 120.0f; v += 0.0917f) g.push_back(v);
  for (float v : {0.0f, -0.0f, 1e-20f, -1e-20f, 87.0f, -87.0f, 86.99f, -87.01f, 1e30f,
                  std::numeric_limits<float>::infinity()})
    g.push_back(v);
  std::vector<float> u(g.size());
  for (size_t i = 0; i < u.size(); ++i) u[i] = 0.5f + 0.001f * static_cast<float>(i % 97);
  for (int n : {1, 7, 8, 9, static_cast<int>(g.size())}) {
    std::vector<float> out(n), in_place(g.begin(), g.begin() + n);
    edgelm::kernels::swiglu(g.data(), u.data(), out.data(), n);
    edgelm::kernels::silu_in_place(in_place.data(), n);
    for (int i = 0; i < n; ++i) {
      if (std::isinf(g[i])) {   // silu(inf) = inf
        ASSERT_EQ(in_place[i], g[i]);
        continue;
      }
      const double silu = g[i] / (1.0 + std::exp(-static_cast<double>(g[i])));
      const double tol = 3e-7 * std::fabs(silu) + 1e-35;
      ASSERT_LE(std::fabs(in_place[i] - silu), tol) << "x=" << g[i] << " got " << in_place[i];
      ASSERT_LE(std::fabs(out[i] - silu * u[i]), 3e-7 * std::fabs(silu * u[i]) + 1e-35) << "x=" << g[i];
    }
  }
  std::vector<float> with_nan(16, 1.0f);
  with_nan[5] = std::numeric_limits<float>::quiet_NaN();
  edgelm::kernels::silu_in_place(with_nan.data(), 16);
  EXPECT_TRUE(std::isnan(with_nan[5]));
}

// rms_norm and l2_norm (vectorized where the CPU allows) against the scalar
// definitions in double: within 2 ulp-ish (3e-7 relative) at every length,
// with and without a weight, in place too.
TEST(Activations, NormsMatchTheirDefinitions) {
  std::vector<float> x(1543), w(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = std::sin(0.37f * static_cast<float>(i + 1)) * (1.0f + static_cast<float>(i % 13));
    w[i] = 0.5f + 0.01f * static_cast<float>(i % 50);
  }
  for (int n : {1, 7, 8, 9, 16, 1536, 1543}) {
    double sq = 0.0;
    for (int i = 0; i < n; ++i) sq += static_cast<double>(x[i]) * x[i];
    const double rms = 1.0 / std::sqrt(sq / n + 1e-6), l2 = 1.0 / std::sqrt(sq);
    std::vector<float> y(n), yw(n), yl(n), inplace(x.begin(), x.begin() + n);
    edgelm::kernels::rms_norm(x.data(), nullptr, y.data(), n, 1e-6f);
    edgelm::kernels::rms_norm(x.data(), w.data(), yw.data(), n, 1e-6f);
    edgelm::kernels::rms_norm(inplace.data(), w.data(), inplace.data(), n, 1e-6f);
    edgelm::kernels::l2_norm(x.data(), yl.data(), n, 1e-12f);
    for (int i = 0; i < n; ++i) {
      const double a = x[i] * rms, b = a * w[i], c = x[i] * l2;
      ASSERT_NEAR(y[i], a, 3e-7 * std::fabs(a) + 1e-30) << "n " << n << " i " << i;
      ASSERT_NEAR(yw[i], b, 3e-7 * std::fabs(b) + 1e-30) << "n " << n << " i " << i;
      ASSERT_EQ(inplace[i], yw[i]) << "in place, n " << n << " i " << i;
      ASSERT_NEAR(yl[i], c, 3e-7 * std::fabs(c) + 1e-30) << "n " << n << " i " << i;
    }
  }
}

// add and scale (vectorized where the CPU allows) give the scalar loop's bits.
TEST(Activations, AddAndScaleAreExact) {
  for (int n : {1, 7, 8, 9, 100}) {
    std::vector<float> y(n), x(n);
    for (int i = 0; i < n; ++i) {
      y[i] = std::sin(0.3f * static_cast<float>(i)) * 7.0f;
      x[i] = std::cos(0.7f * static_cast<float>(i)) * 3.0f;
    }
    std::vector<float> sum = y, scaled = y;
    edgelm::kernels::add(sum.data(), x.data(), n);
    edgelm::kernels::scale(scaled.data(), 0.37f, n);
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(sum[i], y[i] + x[i]) << "n " << n << " i " << i;
      ASSERT_EQ(scaled[i], y[i] * 0.37f) << "n " << n << " i " << i;
    }
  }
}
