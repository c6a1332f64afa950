// Every SIMD kernel set must reproduce the scalar reference bit for bit: for
// each weight type, shape (odd row counts, padded groups), token count (every
// kernel pass width, partial passes, token blocks) and thread count, the output
// floats are compared with vec_dot_ref() as 32-bit patterns. The stated
// exceptions, AVX-512 K-quants (summed per row) and F16/BF16 (summed in f32;
// tiles.h), must come within 1e-5 of each output's sum of |w·x|.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "edgelm/error.h"
#include "kernels/matmul/isa_kernels.h"
#include "kernels/matmul/matmul.h"
#include "kernels/matmul/packed.h"
#include "kernel_test_util.h"
#include "tensor/quant_blocks.h"

namespace edgelm {
namespace {

using kernels::Isa;
using kernels::MatrixView;

struct Weights {
  std::vector<uint8_t> bytes;
  MatrixView view;
};

std::string name_of(GgmlType t) { return type_name(static_cast<uint32_t>(t)); }

// Offsets of the f16 scale fields of one block, which random bytes must not
// turn into NaN or infinity (their codes may be anything).
std::vector<int> scale_offsets(GgmlType t) {
  switch (t) {
    case GgmlType::Q4_K:
    case GgmlType::Q5_K: return {0, 2};
    case GgmlType::Q6_K: return {208};
    case GgmlType::Q4_0:
    case GgmlType::Q8_0:
    case GgmlType::IQ4_NL: return {0};
    default: return {};
  }
}

// Weights quantized from random floats, or (random_codes) random bytes with
// finite scales, which reaches code values quantization never emits.
Weights make_weights(GgmlType type, int64_t cols, int64_t rows, uint64_t seed, bool random_codes) {
  Weights w;
  const size_t rb = row_bytes(type, cols);
  w.bytes.resize(rb * rows);
  test::Rng rng(seed);
  const TypeTraits& t = type_traits(type);
  for (int64_t r = 0; r < rows; ++r) {
    uint8_t* row = w.bytes.data() + r * rb;
    if (random_codes && t.block_elems > 1) {
      for (size_t i = 0; i < rb; ++i) row[i] = static_cast<uint8_t>(rng.next());
      for (int64_t b = 0; b < cols / t.block_elems; ++b)
        for (int off : scale_offsets(type)) {
          const uint16_t h = fp32_to_fp16(rng.uniform() * 0.01f);
          std::memcpy(row + b * t.block_bytes + off, &h, 2);
        }
    } else {
      std::vector<float> x(static_cast<size_t>(cols));
      for (float& v : x) v = rng.gaussian() * 0.1f;
      quantize_row(type, x.data(), row, cols);
    }
  }
  w.view.type = type;
  w.view.data = w.bytes.data();
  w.view.cols = cols;
  w.view.rows = rows;
  w.view.row_bytes = rb;
  return w;
}

// The reference: quantize_activation_row to the dot type, then vec_dot_ref per output.
std::vector<float> reference(const MatrixView& w, const std::vector<float>& x, int n_tokens) {
  const GgmlType act_type = vec_dot_type(w.type);
  std::vector<uint8_t> act(row_bytes(act_type, w.cols));
  std::vector<float> y(static_cast<size_t>(n_tokens) * w.rows);
  for (int t = 0; t < n_tokens; ++t) {
    quantize_activation_row(act_type, x.data() + t * w.cols, act.data(), w.cols);
    for (int64_t r = 0; r < w.rows; ++r) y[t * w.rows + r] = vec_dot_ref(w.type, w.row(r), act.data(), w.cols);
  }
  return y;
}

void expect_bit_identical(const std::vector<float>& want, const std::vector<float>& got, const std::string& what) {
  ASSERT_EQ(want.size(), got.size());
  int reported = 0;
  for (size_t i = 0; i < want.size() && reported < 5; ++i)
    if (test::bits_of(want[i]) != test::bits_of(got[i])) {
      ADD_FAILURE() << what << ": output " << i << " is " << got[i] << ", reference " << want[i];
      ++reported;
    }
}

// Per output, the sum of |w·x| (weights dequantized as the kernels see them,
// activations unquantized: within 1% of the quantized ones): the scale of the
// rounding error of a kernel that sums in another order than the reference.
std::vector<double> magnitudes(const MatrixView& w, const std::vector<float>& x, int n_tokens) {
  std::vector<float> wr(w.cols);
  std::vector<double> m(static_cast<size_t>(n_tokens) * w.rows);
  for (int64_t r = 0; r < w.rows; ++r) {
    dequantize_row(w.type, w.row(r), wr.data(), w.cols);
    for (int t = 0; t < n_tokens; ++t) {
      double sum = 0.0;
      for (int64_t c = 0; c < w.cols; ++c) sum += std::fabs(static_cast<double>(wr[c]) * x[t * w.cols + c]);
      m[t * w.rows + r] = sum;
    }
  }
  return m;
}

void expect_close(const std::vector<float>& want, const std::vector<double>& scale, const std::vector<float>& got,
                  const std::string& what) {
  ASSERT_EQ(want.size(), got.size());
  int reported = 0;
  for (size_t i = 0; i < want.size() && reported < 5; ++i)
    if (!(std::fabs(static_cast<double>(got[i]) - want[i]) <= 1e-5 * scale[i] + 1e-30)) {
      ADD_FAILURE() << what << ": output " << i << " is " << got[i] << ", reference " << want[i] << ", sum of |w·a| "
                    << scale[i];
      ++reported;
    }
}

// The kernels allowed to round differently from the reference (to within
// 1e-5 of the sum of |w·a|), pinned here rather than read from the code under
// test: AVX-512 sums K-quant super-blocks per row and F16/BF16 products in
// float. Every other ISA and type must reproduce vec_dot_ref bit for bit.
bool bit_exact(Isa isa, GgmlType type) {
  if (isa != Isa::Avx512) return true;
  switch (type) {
    case GgmlType::F16: case GgmlType::BF16: case GgmlType::Q4_K: case GgmlType::Q5_K: case GgmlType::Q6_K:
      return false;
    default:
      return true;
  }
}

// The kernel tables declare the same (the matmul relies on the declaration).
TEST(MatmulContract, DeclaredExactnessIsThePinnedList) {
  for (Isa isa : {Isa::Avx2, Isa::Avx512, Isa::Neon}) {
    const kernels::IsaKernels* k = kernels::kernels_of(isa);
    if (!k) continue;
    for (uint32_t id = 0; id < 64; ++id) {
      const auto type = static_cast<GgmlType>(id);
      if (k->tile(type)) {
        EXPECT_EQ(k->bit_exact(type), bit_exact(isa, type)) << kernels::isa_name(isa) << " " << id;
      }
    }
  }
}

// The reference's outputs, bit for bit or to rounding as the kernel set states.
void expect_matches(Isa isa, const MatrixView& w, const std::vector<float>& x, int n_tokens,
                    const std::vector<float>& got, const std::string& what) {
  const std::vector<float> want = reference(w, x, n_tokens);
  if (bit_exact(isa, w.type)) expect_bit_identical(want, got, what);
  else expect_close(want, magnitudes(w, x, n_tokens), got, what);
}

std::vector<float> run_matmul(const MatrixView& w, const std::vector<float>& x, int n_tokens, ThreadPool& pool) {
  std::vector<float> y(static_cast<size_t>(n_tokens) * w.rows, -1.0f);
  kernels::MatmulScratch scratch;
  kernels::matmul(w, x.data(), w.cols, n_tokens, y.data(), w.rows, pool, scratch);
  return y;
}

class MatmulBitExact : public ::testing::TestWithParam<GgmlType> {};

TEST_P(MatmulBitExact, EveryIsaMatchesReference) {
  const GgmlType type = GetParam();
  const int64_t blk = type_traits(type).block_elems == 1 ? 32 : type_traits(type).block_elems;
  struct Shape {
    int64_t cols, rows;
  };
  const Shape shapes[] = {{blk, 1}, {2 * blk, 7}, {4 * blk, 37}, {3 * blk, 64}};
  const int token_counts[] = {1, 2, 3, 4, 5, 9, 17};
  ThreadPool one(1), three(3);
  std::vector<Isa> isas = test::simd_isas();
  isas.push_back(Isa::Scalar);
  for (const Shape& s : shapes)
    for (bool random_codes : {false, true}) {
      if (random_codes && type_traits(type).block_elems == 1) continue;
      const Weights w = make_weights(type, s.cols, s.rows, 100 + s.rows, random_codes);
      const std::vector<float> x = test::make_activations(7 + s.cols, 17 * s.cols);
      for (int n : token_counts) {
        const std::vector<float> want = reference(w.view, x, n);
        std::vector<double> scale;   // only for kernels that are not bit-exact
        for (Isa isa : isas) {
          test::ForceIsa force(isa);
          for (ThreadPool* pool : {&one, &three}) {
            const std::string what = name_of(type) + " " + kernels::isa_name(isa) + " " + std::to_string(s.cols) + "x" +
                                     std::to_string(s.rows) + " tokens=" + std::to_string(n) +
                                     " threads=" + std::to_string(pool->size()) + (random_codes ? " random codes" : "");
            if (bit_exact(isa, type)) expect_bit_identical(want, run_matmul(w.view, x, n, *pool), what);
            else {
              if (scale.empty()) scale = magnitudes(w.view, x, n);
              expect_close(want, scale, run_matmul(w.view, x, n, *pool), what);
            }
          }
        }
      }
    }
}

INSTANTIATE_TEST_SUITE_P(Types, MatmulBitExact,
                         ::testing::Values(GgmlType::Q4_0, GgmlType::Q8_0, GgmlType::IQ4_NL, GgmlType::Q4_K,
                                           GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::F32, GgmlType::F16,
                                           GgmlType::BF16, GgmlType::Q5_0, GgmlType::Q3_K),
                         [](const auto& info) { return name_of(info.param); });

// Many tokens with long rows: the activations are processed in several
// L2-sized token blocks.
TEST(Matmul, TokenBlocksMatchReference) {
  ThreadPool pool(2);
  for (GgmlType type : {GgmlType::F32, GgmlType::Q6_K}) {
    const Weights w = make_weights(type, 8192, 5, 3, false);
    const int n = 23;
    const std::vector<float> x = test::make_activations(11, n * w.view.cols);
    for (Isa isa : test::simd_isas()) {
      test::ForceIsa force(isa);
      expect_matches(isa, w.view, x, n, run_matmul(w.view, x, n, pool), name_of(type) + " " + kernels::isa_name(isa));
    }
  }
}

// Row slices of one matrix (as a fused QKV projection is split) share its
// pack cache, each getting its own packing; a view without a cache takes the
// scalar path. All agree with the reference.
TEST(Matmul, SlicesAndUncachedViews) {
  ThreadPool pool(2);
  const Weights w = make_weights(GgmlType::Q6_K, 512, 70, 5, false);
  const std::vector<float> x = test::make_activations(3, 3 * 512);
  for (Isa isa : test::simd_isas()) {
    test::ForceIsa force(isa);
    for (auto [first, count] : {std::pair<int64_t, int64_t>{0, 70}, {0, 33}, {33, 21}, {54, 16}}) {
      MatrixView s = w.view;
      s.data = w.view.row(first);
      s.rows = count;
      expect_matches(isa, s, x, 3, run_matmul(s, x, 3, pool), "slice " + std::to_string(first));
    }
    EXPECT_GT(w.view.packs->bytes(), 0u);
    MatrixView uncached = w.view;
    uncached.packs = nullptr;
    // Without a pack cache matmul takes the scalar reference path: exact.
    expect_bit_identical(reference(w.view, x, 3), run_matmul(uncached, x, 3, pool), "uncached");
  }
}

TEST(Matmul, PrepackBuildsThePackingOnce) {
  ThreadPool pool(2);
  const Weights w = make_weights(GgmlType::Q8_0, 256, 40, 9, false);
  kernels::prepack(w.view, pool);
  const size_t bytes = w.view.packs->bytes();
  EXPECT_EQ(bytes > 0, kernels::best_isa() != Isa::Scalar);
  const std::vector<float> x = test::make_activations(5, 256);
  expect_bit_identical(reference(w.view, x, 1), run_matmul(w.view, x, 1, pool), "prepacked");
  EXPECT_EQ(w.view.packs->bytes(), bytes);   // the matmul reused it
}

TEST(Matmul, PartialBlockIsAnError) {
  ThreadPool pool(1);
  Weights w = make_weights(GgmlType::Q8_0, 64, 4, 1, false);
  w.view.cols = 48;   // not a whole number of 32-element blocks
  std::vector<float> x(48), y(4);
  kernels::MatmulScratch scratch;
  EXPECT_THROW(kernels::matmul(w.view, x.data(), 48, 1, y.data(), 4, pool, scratch), Error);
  EXPECT_THROW(kernels::pack_matrix(w.view, 16, pool), Error);
}

TEST(Isa, SelectionRejectsUnavailableSets) {
  std::printf("[kernels] SIMD sets tested on this CPU:");
  for (Isa isa : test::simd_isas()) std::printf(" %s", kernels::isa_name(isa));
  std::printf(" (default %s)\n", kernels::isa_name(kernels::best_isa()));
  EXPECT_TRUE(kernels::isa_available(Isa::Scalar));
  EXPECT_TRUE(kernels::isa_available(kernels::best_isa()));
  for (Isa isa : {Isa::Avx2, Isa::Avx512, Isa::Neon}) {
    if (!kernels::isa_available(isa)) {
      EXPECT_THROW(kernels::set_active_isa(isa), Error);
    }
  }
}

}  // namespace
}  // namespace edgelm
