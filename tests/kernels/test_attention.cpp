// The attention kernel against a plain two-pass reference over the decoded
// cache: every KV encoding, every kernel set this CPU runs, GQA ratios, odd
// head sizes, sliding windows with ring wrap-around, prefill blocks, chunks
// and single-token decoding (split across threads at long context).
#include <gtest/gtest.h>


#include "attention_test_util.h"
#include "edgelm/error.h"
#include "kernels/attention/attention_isa.h"
#include "tensor/types.h"

namespace edgelm {
namespace {

using kernels::Isa;
using kernels::KvType;
using test::AttentionFixture;
using test::AttentionShape;

std::vector<Isa> all_isas() {
  std::vector<Isa> out{Isa::Scalar};
  for (Isa isa : test::simd_isas()) out.push_back(isa);
  return out;
}

// Runs steps of the given sizes and checks each against the reference.
// Quantized caches hold fewer exact digits, but the reference reads the same
// decoded values, so only the kernel's own rounding remains.
// Steps of more than check_max tokens are run but not checked.
double run_steps(const AttentionShape& shape, const std::vector<int>& steps, int n_threads, int check_max = 1 << 30) {
  AttentionFixture fx(shape, 1);
  ThreadPool pool(n_threads);
  kernels::AttentionScratch scratch;
  double worst = 0.0;
  for (int n : steps) {
    fx.append(n);
    std::vector<float> out;
    const kernels::AttentionArgs a = fx.args(out);
    kernels::attention(a, fx.cache().view(), pool, scratch);
    if (n <= check_max) worst = std::max(worst, test::max_error_vs_reference(a, fx.cache().view(), out));
    fx.advance();
  }
  return worst;
}

constexpr double kTolerance = 1e-5;   // values are ~N(0, 1); errors seen: 5e-7 .. 4e-6

TEST(Attention, MatchesReferenceForEveryEncodingAndKernelSet) {
  for (Isa isa : all_isas()) {
    test::ForceIsa force(isa);
    for (KvType type : {KvType::F32, KvType::F16, KvType::Q8_0, KvType::Q4}) {
      for (int window : {0, 9, 40}) {
        AttentionShape s;
        s.type = type;
        s.window = window;
        s.n_ctx = 200;
        s.max_batch = 40;
        const double err = run_steps(s, {40, 33, 1, 1, 7, 40, 1, 30, 1}, 2);
        EXPECT_LE(err, kTolerance) << kernels::isa_name(isa) << " " << kernels::kv_type_name(type) << " window "
                                   << window;
      }
    }
  }
}

TEST(Attention, GroupRatiosAndHeadSizes) {
  struct Geometry {
    int n_head, n_head_kv, dk, dv;
  };
  const Geometry geometries[] = {{4, 4, 32, 32}, {8, 2, 64, 64}, {8, 1, 96, 32}, {16, 2, 32, 128},
                                 {3, 1, 20, 20}, {6, 3, 40, 24}, {2, 1, 17, 9}};
  for (Isa isa : all_isas()) {
    test::ForceIsa force(isa);
    for (const Geometry& g : geometries)
      for (KvType type : {KvType::F32, KvType::F16, KvType::Q8_0, KvType::Q4}) {
        if (type == KvType::Q8_0 || type == KvType::Q4)
          if (g.dk % 32 || g.dv % 32) continue;
        AttentionShape s;
        s.type = type;
        s.n_head = g.n_head;
        s.n_head_kv = g.n_head_kv;
        s.head_dim_k = g.dk;
        s.head_dim_v = g.dv;
        s.n_ctx = 120;
        const double err = run_steps(s, {45, 1, 2, 50, 1}, 2);
        EXPECT_LE(err, kTolerance) << kernels::isa_name(isa) << " " << kernels::kv_type_name(type) << " "
                                   << g.n_head << "/" << g.n_head_kv << " heads, dims " << g.dk << "/" << g.dv;
      }
  }
}

// A sliding window over many more positions than the ring holds, in batches
// of every size up to the ring's batch allowance.
TEST(Attention, RingWrapsAround) {
  for (KvType type : {KvType::F32, KvType::F16, KvType::Q8_0, KvType::Q4}) {
    AttentionShape s;
    s.type = type;
    s.window = 13;
    s.max_batch = 11;
    s.n_ctx = 400;
    std::vector<int> steps;
    for (int i = 0; i < 40; ++i) steps.push_back(1 + i % 11);
    ASSERT_LT(AttentionFixture(s, 1).cache().capacity, 300);
    EXPECT_LE(run_steps(s, steps, 2), kTolerance) << kernels::kv_type_name(type);
  }
}

// Long context: decoding splits each head's keys into parts that are merged.
TEST(Attention, SplitDecodeMatchesReference) {
  for (KvType type : {KvType::F32, KvType::F16, KvType::Q8_0, KvType::Q4})
    for (int n_kv : {1, 2}) {
      AttentionShape s;
      s.type = type;
      s.n_head = 4;
      s.n_head_kv = n_kv;
      s.n_ctx = 2400;
      s.max_batch = 512;
      const double err = run_steps(s, {512, 512, 512, 512, 301, 1, 1, 1}, 2, 1);
      EXPECT_LE(err, kTolerance) << kernels::kv_type_name(type) << " kv heads " << n_kv;
    }
}

// Parts depend on the key count only, so any thread count gives the same bits.
TEST(Attention, ResultsDoNotDependOnThreadCount) {
  for (KvType type : {KvType::F32, KvType::Q4}) {
    AttentionShape s;
    s.type = type;
    s.n_ctx = 1400;
    s.max_batch = 700;
    AttentionFixture one(s, 7), three(s, 7);
    ThreadPool pool1(1), pool3(3);
    kernels::AttentionScratch scratch1, scratch3;
    for (int n : {700, 650, 1, 1}) {
      one.append(n);
      three.append(n);
      const std::vector<float> a = one.run(pool1, scratch1), b = three.run(pool3, scratch3);
      ASSERT_EQ(a.size(), b.size());
      for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(test::bits_of(a[i]), test::bits_of(b[i])) << i;
      one.advance();
      three.advance();
    }
  }
}

// With an f32 cache every score is the scalar dot product in dimension order
// (the reference implementations' arithmetic), whatever the kernel set.
TEST(Attention, ExactScoresAreBitIdenticalToScalarDots) {
  test::Rng rng(3);
  for (Isa isa : all_isas()) {
    test::ForceIsa force(isa);
    const kernels::AttentionKernels& k = kernels::attention_kernels();
    for (int d : {1, 17, 32, 64, 100}) {
      for (int n_k : {1, 5, 16, 31, 32}) {
        const int n_q = 7;
        std::vector<float> q(n_q * d), kt(kernels::kKvTile * d), s(n_q * kernels::kKvTile);
        for (float& x : q) x = rng.gaussian();
        for (float& x : kt) x = rng.gaussian();
        k.exact_scores(q.data(), n_q, kt.data(), n_k, d, 0.3f, s.data(), kernels::kKvTile);
        for (int i = 0; i < n_q; ++i)
          for (int j = 0; j < n_k; ++j) {
            float dot = 0.0f;
            for (int c = 0; c < d; ++c) dot += q[i * d + c] * kt[c * kernels::kKvTile + j];
            ASSERT_EQ(test::bits_of(dot * 0.3f), test::bits_of(s[i * kernels::kKvTile + j]))
                << kernels::isa_name(isa) << " d " << d << " key " << j;
          }
      }
    }
  }
}

// Blocks of queries and keys reduce their partial sums together; every
// score must keep the bits of the same dot product computed alone.
TEST(Attention, BlockedScoresMatchSingleDots) {
  kernels::PrefetchStream no_prefetch;
  test::Rng rng(11);
  for (Isa isa : all_isas()) {
    test::ForceIsa force(isa);
    const kernels::AttentionKernels& k = kernels::attention_kernels();
    for (int d : {16, 48, 256}) {
      for (int n_q : {1, 4, 7, 8}) {
        const int n_k = 31;
        std::vector<float> q(n_q * d), keys(n_k * d), s(n_q * n_k);
        for (float& x : q) x = rng.gaussian();
        for (float& x : keys) x = rng.gaussian();
        std::vector<const void*> rows;
        for (int j = 0; j < n_k; ++j) rows.push_back(keys.data() + j * d);
        const auto f32 = static_cast<int>(kernels::RowFormat::F32);
        k.scores[f32](q.data(), n_q, rows.data(), n_k, d, 0.3f, s.data(), n_k, {}, no_prefetch);
        for (int i = 0; i < n_q; ++i)
          for (int j = 0; j < n_k; ++j) {
            float one = 0.0f;
            k.scores[f32](q.data() + i * d, 1, rows.data() + j, 1, d, 0.3f, &one, 1, {}, no_prefetch);
            ASSERT_EQ(test::bits_of(one), test::bits_of(s[i * n_k + j]))
                << kernels::isa_name(isa) << " d " << d << " query " << i << " key " << j;
          }
      }
    }
  }
}

// The kernels read every encoding in place; the values they use are exactly
// dequantize_row's, so scores and weighted sums over encoded rows are
// bit-identical to the same kernels over the decoded f32 rows.
TEST(Attention, EncodedRowsReadAsDequantized) {
  kernels::PrefetchStream no_prefetch;
  using kernels::RowFormat;
  constexpr int kD = 96, kKeys = 7, kQueries = 5;
  test::Rng rng(8);
  struct Rows {
    RowFormat format;
    std::vector<std::vector<uint8_t>> bytes;
    std::vector<std::vector<float>> decoded;
  };
  std::vector<Rows> all;
  for (auto [format, type] : {std::pair{RowFormat::F16, GgmlType::F16}, std::pair{RowFormat::Q8_0, GgmlType::Q8_0},
                              std::pair{RowFormat::Q4_1, GgmlType::Q4_1}}) {
    Rows r{format, {}, {}};
    for (int j = 0; j < kKeys; ++j) {
      const std::vector<float> x = test::make_activations(100 + j, kD);
      r.bytes.emplace_back(row_bytes(type, kD));
      r.decoded.emplace_back(kD);
      quantize_row(type, x.data(), r.bytes.back().data(), kD);
      dequantize_row(type, r.bytes.back().data(), r.decoded.back().data(), kD);
    }
    all.push_back(std::move(r));
  }
  // Q4 key rows: codes with per-channel scales and minimums.
  std::vector<float> scale(kD), min(kD);
  for (int c = 0; c < kD; ++c) {
    scale[c] = fp16_to_fp32(fp32_to_fp16(0.1f + std::fabs(rng.gaussian())));
    min[c] = fp16_to_fp32(fp32_to_fp16(rng.gaussian()));
  }
  Rows q4{RowFormat::Q4Key, {}, {}};
  for (int j = 0; j < kKeys; ++j) {
    std::vector<uint8_t> codes(kD / 2);
    std::vector<float> x(kD);
    for (uint8_t& b : codes) b = static_cast<uint8_t>(rng.next());
    for (int c = 0; c < kD; ++c) {
      const uint8_t byte = codes[(c / 32) * 16 + c % 16];
      x[c] = static_cast<float>(c % 32 < 16 ? byte & 15 : byte >> 4) * scale[c] + min[c];
    }
    q4.bytes.push_back(codes);
    q4.decoded.push_back(x);
  }
  all.push_back(std::move(q4));
  const kernels::RowAux aux{scale.data(), min.data()};

  std::vector<float> q(kQueries * kD), p(kQueries * kKeys);
  for (float& x : q) x = rng.gaussian();
  for (float& x : p) x = std::fabs(rng.gaussian());
  for (Isa isa : all_isas()) {
    test::ForceIsa force(isa);
    const kernels::AttentionKernels& k = kernels::attention_kernels();
    for (const Rows& r : all) {
      std::vector<const void*> enc, dec;
      for (int j = 0; j < kKeys; ++j) {
        enc.push_back(r.bytes[j].data());
        dec.push_back(r.decoded[j].data());
      }
      std::vector<float> s1(kQueries * kKeys), s2(kQueries * kKeys);
      k.scores[static_cast<int>(r.format)](q.data(), kQueries, enc.data(), kKeys, kD, 0.7f, s1.data(), kKeys, aux, no_prefetch);
      k.scores[static_cast<int>(RowFormat::F32)](q.data(), kQueries, dec.data(), kKeys, kD, 0.7f, s2.data(), kKeys, aux, no_prefetch);
      for (size_t i = 0; i < s1.size(); ++i)
        ASSERT_EQ(test::bits_of(s1[i]), test::bits_of(s2[i])) << kernels::isa_name(isa) << " format " << int(r.format);
      if (r.format == RowFormat::Q4Key) continue;   // keys only
      std::vector<float> o1(kQueries * kD, 0.5f), o2(kQueries * kD, 0.5f);
      k.accumulate[static_cast<int>(r.format)](p.data(), kKeys, kQueries, enc.data(), kKeys, kD, o1.data(), no_prefetch);
      k.accumulate[static_cast<int>(RowFormat::F32)](p.data(), kKeys, kQueries, dec.data(), kKeys, kD, o2.data(), no_prefetch);
      for (size_t i = 0; i < o1.size(); ++i)
        ASSERT_EQ(test::bits_of(o1[i]), test::bits_of(o2[i])) << kernels::isa_name(isa) << " format " << int(r.format);
    }
  }
}

TEST(Attention, VectorExpIsAccurate) {
  for (Isa isa : all_isas()) {
    test::ForceIsa force(isa);
    std::vector<float> s;
    for (float x = -87.0f; x <= 0.0f; x += 0.0137f) s.push_back(x);
    s.push_back(0.0f);
    std::vector<float> e = s;
    const float sum = kernels::attention_kernels().exp_shifted(e.data(), static_cast<int>(e.size()), 0.0f);
    double want_sum = 0.0;
    for (size_t i = 0; i < s.size(); ++i) {
      const double want = std::exp(static_cast<double>(s[i]));
      want_sum += want;
      ASSERT_NEAR(e[i], want, want * 3e-7) << kernels::isa_name(isa) << " exp(" << s[i] << ")";
    }
    EXPECT_NEAR(sum, want_sum, want_sum * 1e-5);
  }
}

// A paced stream spreads its lines over the steps it expects and asks for
// each line once; an unpaced one asks for two lines per step.
TEST(Attention, PrefetchStreamPacesItsLines) {
  static uint8_t lines[64 * 300];
  const uint8_t* end = lines + sizeof(lines);
  kernels::PrefetchStream even{lines, end};
  even.pace(600);   // 300 lines over 600 steps: one every other step
  for (int i = 0; i < 300; ++i) even.step();
  EXPECT_EQ(even.next, lines + 64 * 150);
  for (int i = 0; i < 300; ++i) even.step();
  EXPECT_EQ(even.next, end);
  EXPECT_EQ(even.steps, 600u);

  kernels::PrefetchStream fast{lines, end};
  fast.pace(100);   // three lines per step
  for (int i = 0; i < 10; ++i) fast.step();
  EXPECT_EQ(fast.next, lines + 64 * 30);

  kernels::PrefetchStream unpaced{lines, end};
  unpaced.pace(0);
  unpaced.step();
  EXPECT_EQ(unpaced.next, lines + 128);
  unpaced.finish();
  EXPECT_EQ(unpaced.next, end);
}

// Q4 keys: per channel over 32 positions, each within half a step of the
// f16 scale, the newest group exact until it is complete.
TEST(Attention, Q4KeysRoundTrip) {
  AttentionShape s;
  s.type = KvType::Q4;
  s.n_head_kv = 2;
  s.head_dim_k = 64;
  s.head_dim_v = 64;
  AttentionFixture fx(s, 11);
  fx.append(45);
  const kernels::KvView kv = fx.cache().view();
  EXPECT_EQ(kv.recent_group, 1);
  test::Rng rng(11);   // the fixture's stream: keys first
  std::vector<float> got(128);
  double worst_rel = 0.0;
  for (int p = 0; p < 45; ++p) {
    std::vector<float> key(128), value(128);
    for (int i = 0; i < 128; ++i) key[i] = rng.gaussian() * (i % 16 == 3 ? 6.0f : 1.0f);
    for (int i = 0; i < 128; ++i) value[i] = rng.gaussian();
    kernels::kv_read_key(kv, p, got.data());
    for (int i = 0; i < 128; ++i) {
      if (p >= 32) ASSERT_EQ(got[i], key[i]) << "recent group must be exact";
      else worst_rel = std::max(worst_rel, std::fabs(got[i] - key[i]) / (i % 16 == 3 ? 6.0 : 1.0));
    }
  }
  EXPECT_LT(worst_rel, 0.5);   // a 16-level grid over about +-3 sigma
  EXPECT_GT(worst_rel, 0.01);
}

TEST(Attention, RejectsBadGeometry) {
  AttentionShape s;
  AttentionFixture fx(s, 1);
  fx.append(1);
  std::vector<float> out;
  kernels::AttentionArgs a = fx.args(out);
  a.n_head = 3;
  ThreadPool pool(1);
  kernels::AttentionScratch scratch;
  EXPECT_THROW(kernels::attention(a, fx.cache().view(), pool, scratch), Error);
}

TEST(Attention, ParsesKvTypes) {
  for (KvType t : {KvType::F32, KvType::F16, KvType::Q8_0, KvType::Q4}) {
    KvType parsed;
    ASSERT_TRUE(kernels::parse_kv_type(kernels::kv_type_name(t), &parsed));
    EXPECT_EQ(parsed, t);
  }
  KvType parsed;
  EXPECT_FALSE(kernels::parse_kv_type("q4_0", &parsed));
  EXPECT_EQ(kernels::kv_row_bytes(KvType::Q4, 128), 80u);
}

}  // namespace
}  // namespace edgelm
