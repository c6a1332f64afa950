#include "kernels/matmul/packed.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#include "edgelm/error.h"
#include "kernels/util/huge_pages.h"
#include "kernels/matmul/pack_layout.h"
#include "tensor/quant_blocks.h"

namespace edgelm::kernels {
namespace {

using pack_layout::Family;
using pack_layout::Record;

// Row r's 32-element blocks: d and the code bytes, each moved to its field.
void pack_block32_row(const uint8_t* src, int64_t blocks, const Record& L, GgmlType type, int r, uint8_t* dst) {
  const size_t vec = pack_layout::vec_bytes(L.rows);
  const int code_vecs = type == GgmlType::Q8_0 ? 8 : 4;
  const int block_bytes = type_traits(type).block_bytes;
  for (int64_t b = 0; b < blocks; ++b) {
    const uint8_t* blk = src + b * block_bytes;   // every 32-element format here starts with its f16 d
    uint8_t* rec = dst + b * L.bytes;
    std::memcpy(rec + L.d + 2 * r, blk, 2);
    for (int v = 0; v < code_vecs; ++v) std::memcpy(rec + v * vec + 4 * r, blk + 2 + 4 * v, 4);
  }
}

// Unsigned codes u[256] of one super-block into the nib and hi planes (the
// record must start zeroed).
void pack_superblock_codes(const uint8_t* u, const Record& L, int r, uint8_t* rec) {
  const size_t vec = pack_layout::vec_bytes(L.rows);
  const int hi_mask = (1 << L.hi_bits) - 1;
  for (int c = 0; c < 64; ++c)
    for (int i = 0; i < 4; ++i) {
      const int code = u[pack_layout::superblock_element(c, i)];
      rec[L.nib + (c / 2) * vec + 4 * r + i] |= static_cast<uint8_t>((code & 15) << (4 * (c % 2)));
      if (L.hi_bits)
        rec[L.hi + pack_layout::hi_vector(L.hi_bits, c) * vec + 4 * r + i] |=
            static_cast<uint8_t>(((code >> 4) & hi_mask) << pack_layout::hi_shift(L.hi_bits, c));
    }
}

template <typename Block>
void pack_q45k_row(const uint8_t* src, int64_t blocks, const Record& L, int r, uint8_t* dst) {
  const size_t R = static_cast<size_t>(L.rows);
  for (int64_t b = 0; b < blocks; ++b) {
    const auto x = load_block<Block>(src, b);
    uint8_t* rec = dst + b * L.bytes;
    int8_t codes[kQK_K];
    q45k_codes(x, codes);
    pack_superblock_codes(reinterpret_cast<const uint8_t*>(codes), L, r, rec);
    std::memcpy(rec + L.d + 2 * r, &x.d, 2);
    std::memcpy(rec + L.dmin + 2 * r, &x.dmin, 2);
    for (int j = 0; j < 8; ++j) {
      int scale, min;
      kquant_scale_min(x.scales, j, &scale, &min);
      rec[L.scales + j * R + r] = static_cast<uint8_t>(scale);
      rec[L.mins + (j / 2) * 2 * R + 2 * r + j % 2] = static_cast<uint8_t>(min);
    }
  }
}

void pack_q6k_row(const uint8_t* src, int64_t blocks, const Record& L, int r, uint8_t* dst) {
  const size_t R = static_cast<size_t>(L.rows);
  for (int64_t b = 0; b < blocks; ++b) {
    const auto x = load_block<BlockQ6_K>(src, b);
    uint8_t* rec = dst + b * L.bytes;
    int8_t codes[kQK_K];
    q6k_codes(x, codes);
    uint8_t u[kQK_K];
    for (int e = 0; e < kQK_K; ++e) u[e] = static_cast<uint8_t>(codes[e] + 32);
    pack_superblock_codes(u, L, r, rec);
    std::memcpy(rec + L.d + 2 * r, &x.d, 2);
    for (int k = 0; k < 16; ++k) rec[L.scales + (k / 2) * 2 * R + 2 * r + k % 2] = static_cast<uint8_t>(x.scales[k]);
  }
}

void pack_float_row(const uint8_t* src, int64_t cols, const Record& L, int r, uint8_t* dst) {
  const size_t elem = L.bytes / static_cast<size_t>(L.rows);
  for (int64_t k = 0; k < cols; ++k) std::memcpy(dst + k * L.bytes + r * elem, src + k * elem, elem);
}

void pack_row(const MatrixView& w, const Record& L, int64_t records, int64_t row, int r, uint8_t* dst) {
  const uint8_t* src = w.row(row);
  switch (w.type) {
    case GgmlType::Q4_K: return pack_q45k_row<BlockQ4_K>(src, records, L, r, dst);
    case GgmlType::Q5_K: return pack_q45k_row<BlockQ5_K>(src, records, L, r, dst);
    case GgmlType::Q6_K: return pack_q6k_row(src, records, L, r, dst);
    default: break;
  }
  if (L.family == Family::Block32) pack_block32_row(src, records, L, w.type, r, dst);
  else pack_float_row(src, records, L, r, dst);
}

}  // namespace

bool packable(GgmlType type) { return pack_layout::family_of(type) != Family::None; }

std::unique_ptr<PackedMatrix> pack_matrix(const MatrixView& w, int group_rows, ThreadPool& pool) {
  const std::string name = type_traits(w.type).name;
  if (!packable(w.type)) throw Error("pack_matrix: no packed kernels for weight type " + name);
  if (group_rows != 4 && group_rows != 8 && group_rows != 16)
    throw Error("pack_matrix: unsupported group size " + std::to_string(group_rows));
  const Record L = pack_layout::record_of(w.type, group_rows);
  if (w.cols <= 0 || w.rows <= 0 || w.cols % L.elems != 0)
    throw Error("pack_matrix: " + name + " matrix of " + std::to_string(w.cols) + " columns is not a whole number of blocks");

  auto p = std::make_unique<PackedMatrix>();
  p->source = w.data;
  p->type = w.type;
  p->cols = w.cols;
  p->rows = w.rows;
  p->group_rows = group_rows;
  p->groups = (w.rows + group_rows - 1) / group_rows;
  p->records = w.cols / L.elems;
  p->group_bytes = (static_cast<size_t>(p->records) * L.bytes + 63) / 64 * 64;
  // Streamed once per token from memory: on huge pages (huge_pages.h).
  p->data = map_huge_page_slice(p->bytes());
  if (!p->data) throw Error("pack_matrix: out of memory for " + std::to_string(p->bytes()) + " bytes");

  pool.parallel_for(p->groups, 1, [&](int, int64_t begin, int64_t end) {
    for (int64_t g = begin; g < end; ++g) {
      uint8_t* dst = p->data.get() + static_cast<size_t>(g) * p->group_bytes;
      std::memset(dst, 0, p->group_bytes);   // padding rows and the bit planes start at zero
      const int64_t row0 = g * group_rows;
      const int valid = static_cast<int>(std::min<int64_t>(group_rows, w.rows - row0));
      for (int r = 0; r < valid; ++r) pack_row(w, L, p->records, row0 + r, r, dst);
    }
  });
  return p;
}

}  // namespace edgelm::kernels
