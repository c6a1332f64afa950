#include "kernels/attention/attention_kv.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "tensor/types.h"

namespace edgelm::kernels {

const char* kv_type_name(KvType t) {
  switch (t) {
    case KvType::F32: return "f32";
    case KvType::F16: return "f16";
    case KvType::Q8_0: return "q8_0";
    case KvType::Q4: return "q4";
  }
  return "?";
}

bool parse_kv_type(const char* name, KvType* out) {
  for (KvType t : {KvType::F32, KvType::F16, KvType::Q8_0, KvType::Q4})
    if (std::strcmp(name, kv_type_name(t)) == 0) {
      *out = t;
      return true;
    }
  return false;
}

size_t kv_row_bytes(KvType t, int64_t n) {
  switch (t) {
    case KvType::F32: return static_cast<size_t>(n) * 4;
    case KvType::F16: return static_cast<size_t>(n) * 2;
    case KvType::Q8_0: return static_cast<size_t>(n / 32) * 34;
    case KvType::Q4: return static_cast<size_t>(n / 32) * 20;   // a Q4_1 row; keys average the same
  }
  return 0;
}

namespace {

GgmlType row_type(KvType t) {
  switch (t) {
    case KvType::F32: return GgmlType::F32;
    case KvType::F16: return GgmlType::F16;
    case KvType::Q8_0: return GgmlType::Q8_0;
    case KvType::Q4: return GgmlType::Q4_1;
  }
  return GgmlType::F32;
}

}  // namespace

void kv_encode(KvType t, const float* x, uint8_t* out, int64_t n) {
  if (t == KvType::F32) std::memcpy(out, x, sizeof(float) * n);
  else quantize_row(row_type(t), x, out, n);
}

void kv_decode(KvType t, const uint8_t* in, float* x, int64_t n) {
  if (t == KvType::F32) std::memcpy(x, in, sizeof(float) * n);
  else dequantize_row(row_type(t), in, x, n);
}

// Per channel: scale = (max - min) / 15 and min, both rounded to f16 first so
// that the codes are chosen for the values the decoder will use.
void q4_encode_key_group(const float* rows, int64_t row_stride, int head_dim, uint8_t* out) {
  uint16_t* scale = reinterpret_cast<uint16_t*>(out);
  uint16_t* min = scale + head_dim;
  uint8_t* codes = out + 4 * static_cast<size_t>(head_dim);
  std::memset(codes, 0, static_cast<size_t>(kKvTile) * head_dim / 2);
  for (int c = 0; c < head_dim; ++c) {
    float lo = FLT_MAX, hi = -FLT_MAX;
    for (int i = 0; i < kKvTile; ++i) {
      lo = std::min(lo, rows[i * row_stride + c]);
      hi = std::max(hi, rows[i * row_stride + c]);
    }
    scale[c] = fp32_to_fp16((hi - lo) / 15.0f);
    min[c] = fp32_to_fp16(lo);
    const float d = fp16_to_fp32(scale[c]), m = fp16_to_fp32(min[c]);
    const float inv = d != 0.0f ? 1.0f / d : 0.0f;
    const int byte = (c / 32) * 16 + c % 16, shift = c % 32 < 16 ? 0 : 4;
    for (int i = 0; i < kKvTile; ++i) {
      const float q = std::floor((rows[i * row_stride + c] - m) * inv + 0.5f);
      const int code = q > 0.0f ? static_cast<int>(std::min(q, 15.0f)) : 0;   // NaN -> 0
      codes[static_cast<size_t>(i) * head_dim / 2 + byte] |= static_cast<uint8_t>(code << shift);
    }
  }
}

const uint8_t* q4_key_head(const KvView& kv, int64_t pos, int h) {
  const int64_t group_slot = (pos % kv.capacity) / kKvTile;
  const size_t head_bytes = q4_key_head_bytes(kv.head_dim_k);
  return kv.k + (group_slot * kv.n_head_kv + h) * head_bytes;
}

void kv_read_key(const KvView& kv, int64_t pos, float* out) {
  const int dk = kv.head_dim_k;
  const int64_t n = static_cast<int64_t>(kv.n_head_kv) * dk;
  if (kv.type != KvType::Q4) {
    kv_decode(kv.type, kv.k + (pos % kv.capacity) * kv.k_row_bytes(), out, n);
    return;
  }
  if (pos / kKvTile == kv.recent_group) {
    std::memcpy(out, kv.k_recent + (pos % kKvTile) * n, sizeof(float) * n);
    return;
  }
  for (int h = 0; h < kv.n_head_kv; ++h) {
    const uint8_t* head = q4_key_head(kv, pos, h);
    const uint16_t* scale = reinterpret_cast<const uint16_t*>(head);
    const uint16_t* min = scale + dk;
    const uint8_t* row = head + 4 * static_cast<size_t>(dk) + (pos % kKvTile) * (dk / 2);
    for (int c = 0; c < dk; ++c) {
      const uint8_t byte = row[(c / 32) * 16 + c % 16];
      const int code = c % 32 < 16 ? byte & 15 : byte >> 4;
      out[h * dk + c] = static_cast<float>(code) * fp16_to_fp32(scale[c]) + fp16_to_fp32(min[c]);
    }
  }
}

void kv_read_value(const KvView& kv, int64_t pos, float* out) {
  kv_decode(kv.type, kv.v + (pos % kv.capacity) * kv.v_row_bytes(), out,
            static_cast<int64_t>(kv.n_head_kv) * kv.head_dim_v);
}

}  // namespace edgelm::kernels
