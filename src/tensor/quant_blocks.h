// Byte layouts of the quantized block formats (docs/FORMATS.md §2.3-2.6) as plain
// structs, plus the small decoding helpers that every block reader shares.
//
// The structs have exactly the on-disk size and no padding (checked below), so
// a block is read with load_block<T>() — a memcpy, which is safe for the
// unaligned addresses that tensor data in a mapped file may have — and written
// with store_block(). Multi-byte fields are little-endian; edgelm only builds
// for little-endian hosts.
#pragma once
#include <bit>
#include <cstdint>
#include <cstring>

namespace edgelm {

static_assert(std::endian::native == std::endian::little,
              "quantized block structs assume a little-endian host");

constexpr int kQK = 32;      // elements per block of the 32-element formats
constexpr int kQK_K = 256;   // elements per K-quant super-block

struct BlockQ4_0 { uint16_t d; uint8_t qs[16]; };
struct BlockQ4_1 { uint16_t d; uint16_t m; uint8_t qs[16]; };
struct BlockQ5_0 { uint16_t d; uint8_t qh[4]; uint8_t qs[16]; };
struct BlockQ5_1 { uint16_t d; uint16_t m; uint8_t qh[4]; uint8_t qs[16]; };
struct BlockQ8_0 { uint16_t d; int8_t qs[32]; };
struct BlockQ8_1 { uint16_t d; uint16_t s; int8_t qs[32]; };   // s = d * sum(qs)
struct BlockIQ4_NL { uint16_t d; uint8_t qs[16]; };
struct BlockMXFP4 { uint8_t e; uint8_t qs[16]; };

struct BlockQ2_K { uint8_t scales[16]; uint8_t qs[64]; uint16_t d; uint16_t dmin; };
struct BlockQ3_K { uint8_t hmask[32]; uint8_t qs[64]; uint8_t scales[12]; uint16_t d; };
struct BlockQ4_K { uint16_t d; uint16_t dmin; uint8_t scales[12]; uint8_t qs[128]; };
struct BlockQ5_K { uint16_t d; uint16_t dmin; uint8_t scales[12]; uint8_t qh[32]; uint8_t qs[128]; };
struct BlockQ6_K { uint8_t ql[128]; uint8_t qh[64]; int8_t scales[16]; uint16_t d; };
struct BlockIQ4_XS { uint16_t d; uint16_t scales_h; uint8_t scales_l[4]; uint8_t qs[128]; };
// Activation format of the K-quant dot products: d is a plain float and
// bsums[j] is the sum of qs[16j .. 16j+16).
struct BlockQ8_K { float d; int8_t qs[256]; int16_t bsums[16]; };

static_assert(sizeof(BlockQ4_0) == 18 && sizeof(BlockQ4_1) == 20);
static_assert(sizeof(BlockQ5_0) == 22 && sizeof(BlockQ5_1) == 24);
static_assert(sizeof(BlockQ8_0) == 34 && sizeof(BlockQ8_1) == 36);
static_assert(sizeof(BlockIQ4_NL) == 18 && sizeof(BlockMXFP4) == 17);
static_assert(sizeof(BlockQ2_K) == 84 && sizeof(BlockQ3_K) == 110);
static_assert(sizeof(BlockQ4_K) == 144 && sizeof(BlockQ5_K) == 176);
static_assert(sizeof(BlockQ6_K) == 210 && sizeof(BlockIQ4_XS) == 136);
static_assert(sizeof(BlockQ8_K) == 292);

// Block i of a row that starts at `row` (any alignment).
template <typename Block>
inline Block load_block(const void* row, int64_t i) {
  Block b;
  std::memcpy(&b, static_cast<const uint8_t*>(row) + i * static_cast<int64_t>(sizeof(Block)),
              sizeof(Block));
  return b;
}

template <typename Block>
inline void store_block(void* row, int64_t i, const Block& b) {
  std::memcpy(static_cast<uint8_t*>(row) + i * static_cast<int64_t>(sizeof(Block)), &b,
              sizeof(Block));
}

// The 16 levels of IQ4_NL / IQ4_XS.
// How ggml's x86 Q8_0 × Q8_0 dot adds its eight float lanes (lane l holds the
// elements 4l..4l+3 of every block): ((l0+l4) + (l2+l6)) + ((l1+l5) + (l3+l7)).
// Written once for a float and for a SIMD vector of per-row lanes.
template <typename T, typename Add>
inline T q8_0_lane_total(const T lane[8], Add add) {
  return add(add(add(lane[0], lane[4]), add(lane[2], lane[6])), add(add(lane[1], lane[5]), add(lane[3], lane[7])));
}
inline float q8_0_lane_total(const float lane[8]) {
  return q8_0_lane_total(lane, [](float a, float b) { return a + b; });
}

inline constexpr int8_t kIQ4Values[16] = {-127, -104, -83, -65, -49, -35, -22, -10,
                                          1,    13,   25,  38,  53,  69,  89,  113};
// E2M1 values doubled, so they are integers; paired with e8m0_half() below.
inline constexpr int8_t kMXFP4Values[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

// 2^(e-128): the MXFP4 block scale halved to undo the doubled table. e = 0 and 1
// give the subnormals 2^-128 and 2^-127; e = 255 is not special (2^127).
inline float e8m0_half(uint8_t e) {
  const uint32_t bits = e < 2 ? 0x00200000u << e : static_cast<uint32_t>(e - 1) << 23;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// Element k (0..31) of a 32-element block's nibbles: low nibbles hold
// elements 0..15, high nibbles 16..31.
inline int nibble(const uint8_t* qs, int k) {
  return k < 16 ? qs[k] & 15 : qs[k - 16] >> 4;
}

// The 5-bit code of element k of a Q5_0 / Q5_1 block: bit k of the 32-bit qh
// word is bit 4 of the code.
inline int five_bit_code(const uint8_t* qh_bytes, const uint8_t* qs, int k) {
  uint32_t qh;
  std::memcpy(&qh, qh_bytes, 4);
  return nibble(qs, k) | static_cast<int>(((qh >> k) & 1) << 4);
}

// The 6-bit scale and min of sub-block j (0..7) of Q4_K / Q5_K.
inline void kquant_scale_min(const uint8_t* scales, int j, int* scale, int* min) {
  if (j < 4) {
    *scale = scales[j] & 63;
    *min = scales[j + 4] & 63;
  } else {
    *scale = (scales[j + 4] & 15) | ((scales[j - 4] >> 6) << 4);
    *min = (scales[j + 4] >> 4) | ((scales[j] >> 6) << 4);
  }
}

// The signed 6-bit scale (-32..31) of sub-block k (0..15) of Q3_K.
inline int q3k_scale(const uint8_t* scales, int k) {
  const int low4 = k < 8 ? scales[k] & 15 : scales[k - 8] >> 4;
  const int high2 = (scales[8 + k % 4] >> (2 * (k / 4))) & 3;
  return (low4 | (high2 << 4)) - 32;
}

// The 6-bit scale (0..63, bias 32) of sub-block ib (0..7) of IQ4_XS.
inline int iq4xs_scale(const BlockIQ4_XS& b, int ib) {
  return ((b.scales_l[ib / 2] >> (4 * (ib % 2))) & 15) | (((b.scales_h >> (2 * ib)) & 3) << 4);
}

// ---- The integer codes of a K-quant super-block, element by element --------
// Decoders and dot products share these; each writes codes[256] in element
// order. The 2-bit planes (Q2_K, Q3_K) and Q6_K are packed by 128-element
// halves h and 32-element quarters q: element 128h + 32q + lane.

// Q2_K: 0..3.
inline void q2k_codes(const BlockQ2_K& b, int8_t* codes) {
  for (int h = 0; h < 2; ++h)
    for (int q = 0; q < 4; ++q)
      for (int l = 0; l < 32; ++l) codes[128 * h + 32 * q + l] = static_cast<int8_t>((b.qs[32 * h + l] >> (2 * q)) & 3);
}

// Q3_K: low 2 bits from qs, minus 4 unless the element's hmask bit (byte
// lane, bit 4h + q) is set: −4..3.
inline void q3k_codes(const BlockQ3_K& b, int8_t* codes) {
  for (int h = 0; h < 2; ++h)
    for (int q = 0; q < 4; ++q)
      for (int l = 0; l < 32; ++l) {
        const int low = (b.qs[32 * h + l] >> (2 * q)) & 3;
        const int high = (b.hmask[l] >> (4 * h + q)) & 1;
        codes[128 * h + 32 * q + l] = static_cast<int8_t>(low - (high ? 0 : 4));
      }
}

// Q4_K: 0..15; Q5_K adds bit j of qh[lane] as 16: 0..31. Sub-block j (32
// elements) sits in the low (j even) or high (j odd) nibbles of qs[32·(j/2) ..].
template <typename Block>
inline void q45k_codes(const Block& b, int8_t* codes) {
  for (int j = 0; j < 8; ++j) {
    const uint8_t* q = b.qs + 32 * (j / 2);
    for (int l = 0; l < 32; ++l) {
      int v = j % 2 ? q[l] >> 4 : q[l] & 15;
      if constexpr (sizeof(Block) == sizeof(BlockQ5_K)) v += ((b.qh[l] >> j) & 1) << 4;
      codes[32 * j + l] = static_cast<int8_t>(v);
    }
  }
}

// Q6_K: low nibbles from ql (quarters 0/1 in the low, 2/3 in the high nibbles
// of two 32-byte runs), 2 high bits from qh, bias 32: −32..31.
inline void q6k_codes(const BlockQ6_K& b, int8_t* codes) {
  for (int h = 0; h < 2; ++h)
    for (int l = 0; l < 32; ++l) {
      const uint8_t lo0 = b.ql[64 * h + l], lo1 = b.ql[64 * h + 32 + l], hi = b.qh[32 * h + l];
      int8_t* c = codes + 128 * h + l;
      c[0] = static_cast<int8_t>(((lo0 & 15) | (hi & 3) << 4) - 32);
      c[32] = static_cast<int8_t>(((lo1 & 15) | ((hi >> 2) & 3) << 4) - 32);
      c[64] = static_cast<int8_t>(((lo0 >> 4) | ((hi >> 4) & 3) << 4) - 32);
      c[96] = static_cast<int8_t>(((lo1 >> 4) | ((hi >> 6) & 3) << 4) - 32);
    }
}

}  // namespace edgelm
