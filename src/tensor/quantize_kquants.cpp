// Reference encoders of the K-quants (Q2_K..Q6_K) and the non-linear IQ4
// formats, without an importance matrix (docs/FORMATS.md §2.7).
//
// These are search procedures, so "bit-exact with ggml" means every float
// expression is evaluated in ggml's order with f32 intermediates (the library
// is built with -ffp-contract=off so no FMA fuses two roundings into one).
// Comments name the ggml routine each fit reproduces.
#include <algorithm>
#include <cmath>

#include "tensor/quant_blocks.h"
#include "tensor/quantize_internal.h"
#include "tensor/types.h"

namespace edgelm::quant_detail {
namespace {

constexpr float kGroupMaxEps = 1e-15f;

// Weighted fit of x ≈ scale·L − the_min with integer L in [0, nmax] and
// the_min ≥ 0 (ggml make_qkx2_quants). Starts from the min/max grid, then
// tries nstep+1 scales around it, each refined by least squares; keeps the one
// with the smallest weighted squared (or absolute, use_mad) error.
float fit_scale_min(int n, int nmax, const float* x, const float* w, uint8_t* L,
                    float* the_min, float rmin, float rdelta, int nstep, bool use_mad) {
  float min = x[0], max = x[0];
  float sum_w = w[0], sum_x = sum_w * x[0];
  for (int i = 1; i < n; ++i) {
    if (x[i] < min) min = x[i];
    if (x[i] > max) max = x[i];
    sum_w += w[i];
    sum_x += w[i] * x[i];
  }
  if (min > 0) min = 0;
  if (max == min) {
    std::fill(L, L + n, 0);
    *the_min = -min;
    return 0.0f;
  }
  auto error_of = [&](float scale, float offset, const uint8_t* levels) {
    float err = 0;
    for (int i = 0; i < n; ++i) {
      float diff = scale * levels[i] + offset - x[i];
      diff = use_mad ? std::fabs(diff) : diff * diff;
      err += w[i] * diff;
    }
    return err;
  };
  float iscale = nmax / (max - min);
  float scale = 1 / iscale;
  for (int i = 0; i < n; ++i) L[i] = static_cast<uint8_t>(std::clamp(nearest_int(iscale * (x[i] - min)), 0, nmax));
  float best_error = error_of(scale, min, L);
  uint8_t trial[32];   // n is 16 or 32
  for (int step = 0; step <= nstep; ++step) {
    iscale = (rmin + rdelta * step + nmax) / (max - min);   // `min` is the best offset so far
    float sum_l = 0, sum_l2 = 0, sum_xl = 0;
    for (int i = 0; i < n; ++i) {
      const int l = std::clamp(nearest_int(iscale * (x[i] - min)), 0, nmax);
      trial[i] = static_cast<uint8_t>(l);
      sum_l += w[i] * l;
      sum_l2 += w[i] * l * l;
      sum_xl += w[i] * l * x[i];
    }
    const float det = sum_w * sum_l2 - sum_l * sum_l;
    if (!(det > 0)) continue;
    float this_scale = (sum_w * sum_xl - sum_x * sum_l) / det;
    float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / det;
    if (this_min > 0) {
      this_min = 0;
      this_scale = sum_xl / sum_l2;
    }
    const float err = error_of(this_scale, this_min, trial);
    if (err < best_error) {
      std::copy(trial, trial + n, L);
      best_error = err;
      scale = this_scale;
      min = this_min;
    }
  }
  *the_min = -min;
  return scale;
}

// Symmetric fit x ≈ scale·(L − nmax) with L − nmax in [−nmax, nmax−1] and
// weights x² (ggml make_qx_quants with rmse_type 1): 19 trial inverse scales
// around −nmax/M, each refined by least squares. L is stored biased by nmax.
float fit_symmetric(int n, int nmax, const float* x, uint8_t* L) {
  float amax = 0, max = 0;
  for (int i = 0; i < n; ++i) {
    if (std::fabs(x[i]) > amax) {
      amax = std::fabs(x[i]);
      max = x[i];
    }
  }
  if (amax < kGroupMaxEps) {
    std::fill(L, L + n, 0);
    return 0.0f;
  }
  auto level = [&](float iscale, int i) { return std::clamp(nearest_int(iscale * x[i]), -nmax, nmax - 1); };
  auto sums = [&](float iscale, float* sumlx, float* suml2) {
    *sumlx = *suml2 = 0;
    for (int i = 0; i < n; ++i) {
      const int l = level(iscale, i);
      const float w = x[i] * x[i];
      *sumlx += w * x[i] * l;
      *suml2 += w * l * l;
    }
  };
  auto store_levels = [&](float iscale) {
    for (int i = 0; i < n; ++i) L[i] = static_cast<uint8_t>(level(iscale, i) + nmax);
  };
  float sumlx, suml2;
  const float iscale0 = -nmax / max;
  sums(iscale0, &sumlx, &suml2);
  store_levels(iscale0);
  float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
  float best = scale * sumlx;
  for (int t = -9; t <= 9; ++t) {
    if (t == 0) continue;
    const float iscale = -(nmax + 0.1f * t) / max;
    sums(iscale, &sumlx, &suml2);
    if (suml2 > 0 && sumlx * sumlx > best * suml2) {
      store_levels(iscale);
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}

// Q3_K's sub-block fit (ggml make_q3_quants with do_rmse): start from
// −nmax/M, then up to 5 sweeps that move single levels when that raises the
// weighted correlation. Levels in [−nmax, nmax−1], stored biased by nmax.
float fit_symmetric_sweeps(int n, int nmax, const float* x, int8_t* L) {
  float amax = 0, max = 0;
  for (int i = 0; i < n; ++i) {
    if (std::fabs(x[i]) > amax) {
      amax = std::fabs(x[i]);
      max = x[i];
    }
  }
  if (amax < kGroupMaxEps) {
    std::fill(L, L + n, 0);
    return 0.0f;
  }
  const float iscale = -nmax / max;
  float sumlx = 0, suml2 = 0;
  for (int i = 0; i < n; ++i) {
    L[i] = static_cast<int8_t>(std::clamp(nearest_int(iscale * x[i]), -nmax, nmax - 1));
    const float w = x[i] * x[i];
    sumlx += w * x[i] * L[i];
    suml2 += w * L[i] * L[i];
  }
  for (int sweep = 0; sweep < 5; ++sweep) {
    int changed = 0;
    for (int i = 0; i < n; ++i) {
      const float w = x[i] * x[i];
      float slx = sumlx - w * x[i] * L[i];
      if (!(slx > 0)) continue;
      float sl2 = suml2 - w * L[i] * L[i];
      const int new_l = std::clamp(nearest_int(x[i] * sl2 / slx), -nmax, nmax - 1);
      if (new_l == L[i]) continue;
      slx += w * x[i] * new_l;
      sl2 += w * new_l * new_l;
      if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
        L[i] = static_cast<int8_t>(new_l);
        sumlx = slx;
        suml2 = sl2;
        ++changed;
      }
    }
    if (!changed) break;
  }
  for (int i = 0; i < n; ++i) L[i] = static_cast<int8_t>(L[i] + nmax);
  return suml2 > 0 ? sumlx / suml2 : 0.0f;
}

// Packs 256 2-bit codes the Q2_K/Q3_K way: byte 32·half + lane holds the four
// quarters of that half in successive bit pairs.
void pack_2bit_planes(const uint8_t* codes, uint8_t* qs) {
  for (int half = 0; half < 2; ++half)
    for (int l = 0; l < 32; ++l) {
      const uint8_t* c = codes + 128 * half + l;
      qs[32 * half + l] = static_cast<uint8_t>(c[0] | c[32] << 2 | c[64] << 4 | c[96] << 6);
    }
}

// Requantize with the final (f16-rounded) sub-block scale and offset; a
// sub-block whose scale is 0 keeps the codes of its fit.
void requantize_affine(const float* x, int n, float d, float dm, int nmax, uint8_t* codes) {
  if (d == 0) return;
  for (int i = 0; i < n; ++i) codes[i] = static_cast<uint8_t>(std::clamp(nearest_int((x[i] + dm) / d), 0, nmax));
}

}  // namespace

// ---- Q2_K: 16 sub-blocks of 16, 4-bit scales and mins -----------------------

void quantize_block_q2_k(const float* x, BlockQ2_K* y) {
  uint8_t codes[kQK_K];
  float scales[16], mins[16], weights[16];
  float max_scale = 0, max_min = 0;
  for (int j = 0; j < 16; ++j) {
    for (int l = 0; l < 16; ++l) weights[l] = std::fabs(x[16 * j + l]);
    scales[j] = fit_scale_min(16, 3, x + 16 * j, weights, codes + 16 * j, &mins[j], -0.5f, 0.1f, 15, true);
    if (scales[j] > max_scale) max_scale = scales[j];
    if (mins[j] > max_min) max_min = mins[j];
  }
  std::fill(y->scales, y->scales + 16, 0);
  y->d = y->dmin = fp32_to_fp16(0.0f);
  if (max_scale > 0) {
    const float iscale = 15.0f / max_scale;
    for (int j = 0; j < 16; ++j) y->scales[j] = static_cast<uint8_t>(nearest_int(iscale * scales[j]));
    y->d = fp32_to_fp16(max_scale / 15.0f);
  }
  if (max_min > 0) {
    const float iscale = 15.0f / max_min;
    for (int j = 0; j < 16; ++j) y->scales[j] |= static_cast<uint8_t>(nearest_int(iscale * mins[j]) << 4);
    y->dmin = fp32_to_fp16(max_min / 15.0f);
  }
  for (int j = 0; j < 16; ++j) {
    const float d = fp16_to_fp32(y->d) * (y->scales[j] & 15);
    const float dm = fp16_to_fp32(y->dmin) * (y->scales[j] >> 4);
    requantize_affine(x + 16 * j, 16, d, dm, 3, codes + 16 * j);
  }
  pack_2bit_planes(codes, y->qs);
}

// ---- Q3_K: 16 sub-blocks of 16, signed 6-bit scales --------------------------

void quantize_block_q3_k(const float* x, BlockQ3_K* y) {
  int8_t levels[kQK_K];
  float scales[16];
  float max_scale = 0, amax = 0;
  for (int j = 0; j < 16; ++j) {
    scales[j] = fit_symmetric_sweeps(16, 4, x + 16 * j, levels + 16 * j);
    if (std::fabs(scales[j]) > amax) {
      amax = std::fabs(scales[j]);
      max_scale = scales[j];
    }
  }
  std::fill(y->scales, y->scales + 12, 0);
  y->d = fp32_to_fp16(0.0f);
  if (max_scale != 0) {
    const float iscale = -32.0f / max_scale;
    for (int j = 0; j < 16; ++j) {
      const int l = std::clamp<int>(static_cast<int8_t>(nearest_int(iscale * scales[j])), -32, 31) + 32;
      if (j < 8) y->scales[j] = static_cast<uint8_t>(l & 15);
      else y->scales[j - 8] |= static_cast<uint8_t>((l & 15) << 4);
      y->scales[8 + j % 4] |= static_cast<uint8_t>((l >> 4) << (2 * (j / 4)));
    }
    y->d = fp32_to_fp16(1 / iscale);
  }
  for (int j = 0; j < 16; ++j) {
    const float d = fp16_to_fp32(y->d) * q3k_scale(y->scales, j);
    if (d == 0) continue;
    for (int i = 16 * j; i < 16 * j + 16; ++i) levels[i] = static_cast<int8_t>(std::clamp(nearest_int(x[i] / d), -4, 3) + 4);
  }
  // Codes 4..7 set the high bit (element e: byte e mod 32, bit e div 32).
  uint8_t low[kQK_K];
  std::fill(y->hmask, y->hmask + 32, 0);
  for (int e = 0; e < kQK_K; ++e) {
    const int code = levels[e];
    if (code > 3) y->hmask[e % 32] |= static_cast<uint8_t>(1 << (e / 32));
    low[e] = static_cast<uint8_t>(code > 3 ? code - 4 : code);
  }
  pack_2bit_planes(low, y->qs);
}

// ---- Q4_K / Q5_K: 8 sub-blocks of 32, 6-bit scales and mins ----------------

namespace {

// Q4_K/Q5_K scale search parameters (ggml quantize_row_q{4,5}_K_ref).
struct AffineKParams {
  int nmax;
  float rmin, rdelta;
  int nstep;
};

void pack_scale_min_k4(const uint8_t* ls, const uint8_t* lm, uint8_t* s) {
  for (int j = 0; j < 8; ++j) {
    if (j < 4) {
      s[j] = ls[j];
      s[j + 4] = lm[j];
    } else {
      s[j + 4] = static_cast<uint8_t>((ls[j] & 15) | (lm[j] & 15) << 4);
      s[j - 4] |= static_cast<uint8_t>((ls[j] >> 4) << 6);
      s[j] |= static_cast<uint8_t>((lm[j] >> 4) << 6);
    }
  }
}

// Fills d, dmin, scales[12] and the 256 codes of one Q4_K/Q5_K super-block.
void quantize_affine_k(const float* x, const AffineKParams& p, uint16_t* d_out, uint16_t* dmin_out,
                       uint8_t* packed_scales, uint8_t* codes) {
  float scales[8], mins[8], weights[32];
  float max_scale = 0, max_min = 0;
  for (int j = 0; j < 8; ++j) {
    const float* xj = x + 32 * j;
    float sum_x2 = 0;
    for (int l = 0; l < 32; ++l) sum_x2 += xj[l] * xj[l];
    const float av_x = std::sqrt(sum_x2 / 32);
    for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(xj[l]);
    scales[j] = fit_scale_min(32, p.nmax, xj, weights, codes + 32 * j, &mins[j], p.rmin, p.rdelta, p.nstep, false);
    if (scales[j] > max_scale) max_scale = scales[j];
    if (mins[j] > max_min) max_min = mins[j];
  }
  const float inv_scale = max_scale > 0 ? 63.0f / max_scale : 0.0f;
  const float inv_min = max_min > 0 ? 63.0f / max_min : 0.0f;
  uint8_t ls[8], lm[8];
  for (int j = 0; j < 8; ++j) {   // ggml stores nearest_int into a uint8_t before the min
    ls[j] = std::min<uint8_t>(63, static_cast<uint8_t>(nearest_int(inv_scale * scales[j])));
    lm[j] = std::min<uint8_t>(63, static_cast<uint8_t>(nearest_int(inv_min * mins[j])));
  }
  std::fill(packed_scales, packed_scales + 12, 0);
  pack_scale_min_k4(ls, lm, packed_scales);
  *d_out = fp32_to_fp16(max_scale / 63.0f);
  *dmin_out = fp32_to_fp16(max_min / 63.0f);
  for (int j = 0; j < 8; ++j) {
    const float d = fp16_to_fp32(*d_out) * ls[j];
    const float dm = fp16_to_fp32(*dmin_out) * lm[j];
    requantize_affine(x + 32 * j, 32, d, dm, p.nmax, codes + 32 * j);
  }
}

// Codes of sub-blocks 2c and 2c+1 share the 32 bytes of chunk c (low/high
// nibble); Q5_K puts bit 4 of sub-block j's codes in bit j of qh[lane].
void pack_k_nibbles(const uint8_t* codes, uint8_t* qs, uint8_t* qh) {
  if (qh) std::fill(qh, qh + 32, 0);
  for (int c = 0; c < 4; ++c)
    for (int l = 0; l < 32; ++l) {
      const uint8_t lo = codes[64 * c + l], hi = codes[64 * c + 32 + l];
      qs[32 * c + l] = static_cast<uint8_t>((lo & 15) | (hi & 15) << 4);
      if (qh) qh[l] |= static_cast<uint8_t>(((lo >> 4) & 1) << (2 * c) | ((hi >> 4) & 1) << (2 * c + 1));
    }
}

}  // namespace

void quantize_block_q4_k(const float* x, BlockQ4_K* y) {
  uint8_t codes[kQK_K];
  quantize_affine_k(x, {15, -1.0f, 0.1f, 20}, &y->d, &y->dmin, y->scales, codes);
  pack_k_nibbles(codes, y->qs, nullptr);
}

void quantize_block_q5_k(const float* x, BlockQ5_K* y) {
  uint8_t codes[kQK_K];
  quantize_affine_k(x, {31, -0.5f, 0.1f, 15}, &y->d, &y->dmin, y->scales, codes);
  pack_k_nibbles(codes, y->qs, y->qh);
}

// ---- Q6_K: 16 sub-blocks of 16, signed 8-bit scales -------------------------

void quantize_block_q6_k(const float* x, BlockQ6_K* y) {
  uint8_t codes[kQK_K];
  float scales[16];
  float max_scale = 0, max_abs_scale = 0;
  for (int k = 0; k < 16; ++k) {
    scales[k] = fit_symmetric(16, 32, x + 16 * k, codes + 16 * k);
    if (std::fabs(scales[k]) > max_abs_scale) {
      max_abs_scale = std::fabs(scales[k]);
      max_scale = scales[k];
    }
  }
  *y = BlockQ6_K{};
  if (max_abs_scale < kGroupMaxEps) return;   // all-zero block
  const float iscale = -128.0f / max_scale;
  y->d = fp32_to_fp16(1 / iscale);
  for (int k = 0; k < 16; ++k) y->scales[k] = static_cast<int8_t>(std::min(127, nearest_int(iscale * scales[k])));
  for (int k = 0; k < 16; ++k) {
    const float d = fp16_to_fp32(y->d) * y->scales[k];
    if (d == 0) continue;
    for (int i = 16 * k; i < 16 * k + 16; ++i)
      codes[i] = static_cast<uint8_t>(std::clamp(nearest_int(x[i] / d), -32, 31) + 32);
  }
  for (int half = 0; half < 2; ++half)
    for (int l = 0; l < 32; ++l) {
      const uint8_t* c = codes + 128 * half + l;   // quarters at c[0], c[32], c[64], c[96]
      y->ql[64 * half + l] = static_cast<uint8_t>((c[0] & 15) | (c[64] & 15) << 4);
      y->ql[64 * half + 32 + l] = static_cast<uint8_t>((c[32] & 15) | (c[96] & 15) << 4);
      y->qh[32 * half + l] = static_cast<uint8_t>(c[0] >> 4 | (c[32] >> 4) << 2 | (c[64] >> 4) << 4 | (c[96] >> 4) << 6);
    }
}

// ---- IQ4_NL / IQ4_XS: non-linear 16-level table ------------------------------

namespace {

// Index of the table level nearest to v (the upper one on an exact tie).
int nearest_iq4_level(float v) {
  int idx = 0;
  for (int c = 1; c < 16; ++c)   // levels ascend: move up while v is at/after the midpoint
    if (2 * v >= static_cast<float>(kIQ4Values[c - 1] + kIQ4Values[c])) idx = c;
  return idx;
}

// Best scale of one 32-element sub-block with weights x² (ggml
// quantize_row_iq4_nl_impl, per-block part): map the largest element to the
// table end, refine by least squares, then (ntry > 0) try 2·ntry+1 more
// inverse scales. Writes the levels of the first mapping to L.
float fit_iq4_block(const float* x, int ntry, uint8_t* L) {
  float amax = 0, max = 0;
  for (int j = 0; j < 32; ++j) {
    if (std::fabs(x[j]) > amax) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  if (amax < kGroupMaxEps) return 0.0f;
  auto correlate = [&](float id, float* sumqx, float* sumq2, uint8_t* levels) {
    *sumqx = *sumq2 = 0;
    for (int j = 0; j < 32; ++j) {
      const int l = nearest_iq4_level(id * x[j]);
      if (levels) levels[j] = static_cast<uint8_t>(l);
      const float q = kIQ4Values[l], w = x[j] * x[j];
      *sumqx += w * q * x[j];
      *sumq2 += w * q * q;
    }
  };
  const float d0 = ntry > 0 ? -max / kIQ4Values[0] : max / kIQ4Values[0];
  float sumqx, sumq2;
  correlate(1 / d0, &sumqx, &sumq2, L);
  float d = sumq2 > 0 ? sumqx / sumq2 : 0.0f;
  float best = d * sumqx;
  for (int t = -ntry; t <= ntry; ++t) {
    correlate((t + kIQ4Values[0]) / max, &sumqx, &sumq2, nullptr);
    if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
      d = sumqx / sumq2;
      best = d * sumqx;
    }
  }
  return d;
}

}  // namespace

void quantize_block_iq4_xs(const float* x, BlockIQ4_XS* y) {
  float scales[8];
  float max_scale = 0, amax_scale = 0;
  uint8_t unused[32];
  for (int ib = 0; ib < 8; ++ib) {
    scales[ib] = fit_iq4_block(x + 32 * ib, 7, unused);
    if (std::fabs(scales[ib]) > amax_scale) {
      amax_scale = std::fabs(scales[ib]);
      max_scale = scales[ib];
    }
  }
  const float d = -max_scale / 32;
  y->d = fp32_to_fp16(d);
  y->scales_h = 0;
  const float id = d != 0 ? 1 / d : 0.0f;
  for (int ib = 0; ib < 8; ++ib) {
    const int l = std::clamp(nearest_int(id * scales[ib]), -32, 31);
    const float dl = d * l;                      // the unrounded d, as ggml does
    const float idl = dl != 0 ? 1 / dl : 0.0f;
    uint8_t codes[32];
    for (int j = 0; j < 32; ++j) codes[j] = static_cast<uint8_t>(nearest_iq4_level(idl * x[32 * ib + j]));
    for (int j = 0; j < 16; ++j) y->qs[16 * ib + j] = static_cast<uint8_t>(codes[j] | codes[j + 16] << 4);
    const int biased = l + 32;
    if (ib % 2 == 0) y->scales_l[ib / 2] = static_cast<uint8_t>(biased & 15);
    else y->scales_l[ib / 2] |= static_cast<uint8_t>((biased & 15) << 4);
    y->scales_h = static_cast<uint16_t>(y->scales_h | (biased >> 4) << (2 * ib));
  }
}

// IQ4_NL's reference encoder does no scale search (ntry = −1): levels from the
// first mapping, d = least-squares scale. An all-zero block gets d = 0 and
// code 0 everywhere (ggml leaves those codes unspecified).
void quantize_block_iq4_nl(const float* x, BlockIQ4_NL* y) {
  uint8_t codes[32] = {};
  y->d = fp32_to_fp16(fit_iq4_block(x, -1, codes));
  for (int j = 0; j < 16; ++j) y->qs[j] = static_cast<uint8_t>(codes[j] | codes[j + 16] << 4);
}

}  // namespace edgelm::quant_detail
