// The Q4 (KIVI-style) key layout and scalar readers of any cache encoding.
//
// Keys have a few channels with large magnitudes, so they are quantized per
// channel: each group of kKvTile positions keeps, per KV head and channel, a
// scale and a minimum, and 4-bit codes per position. Values are quantized per
// token (a Q4_1 row), where the error averages out in the weighted sum.
//
// One KV head's part of a key group (q4_key_head_bytes = 20 * head_dim):
//   uint16 scale[head_dim], uint16 min[head_dim]   (f16)
//   kKvTile rows of head_dim / 2 bytes             (row i: position group * kKvTile + i)
// Within a row, each block of 32 channels is 16 bytes whose byte j holds
// channel j in the low nibble and channel j + 16 in the high nibble (the Q4_1
// order), and key = code * scale + min.
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels/attention/attention.h"

namespace edgelm::kernels {

constexpr size_t q4_key_head_bytes(int head_dim) { return static_cast<size_t>(head_dim) * 20; }

// Quantizes one head's keys of a full group: rows[i * row_stride + c] is
// channel c of position i (i < kKvTile, c < head_dim).
void q4_encode_key_group(const float* rows, int64_t row_stride, int head_dim, uint8_t* out);

// KV head h's part of the key group that holds position pos.
const uint8_t* q4_key_head(const KvView& kv, int64_t pos, int h);

// The decoded key (or value) of position pos, all KV heads: n_head_kv *
// head_dim floats. The position must be stored (for Q4 keys: in a quantized
// group, or in the recent group).
void kv_read_key(const KvView& kv, int64_t pos, float* out);
void kv_read_value(const KvView& kv, int64_t pos, float* out);

}  // namespace edgelm::kernels
