// A weight matrix re-laid for the SIMD kernels: groups of R rows interleaved
// block by block (pack_layout.h). Built once per matrix and kernel width; the
// values are the original bytes rearranged, so results stay bit-identical.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

#include "kernels/matmul/matmul.h"

namespace edgelm::kernels {

struct PackedMatrix {

  const uint8_t* source = nullptr;   // MatrixView::data it was made from
  GgmlType type = GgmlType::F32;
  int64_t cols = 0;
  int64_t rows = 0;
  int group_rows = 0;                // R
  int64_t groups = 0;                // ceil(rows / R); the last one zero-padded
  int64_t records = 0;               // per group: blocks per row, or cols for float types
  size_t group_bytes = 0;            // a multiple of 64
  std::shared_ptr<uint8_t> data;     // 64-byte aligned, on huge pages (map_huge_page_slice)

  const uint8_t* group(int64_t g) const { return data.get() + static_cast<size_t>(g) * group_bytes; }
  size_t bytes() const { return static_cast<size_t>(groups) * group_bytes; }
};

// Whether weights of this type have packed SIMD kernels.
bool packable(GgmlType type);

// Packs w for groups of group_rows rows (4, 8 or 16), in parallel on pool.
// Throws edgelm::Error for an unpackable type or a partial block.
std::unique_ptr<PackedMatrix> pack_matrix(const MatrixView& w, int group_rows, ThreadPool& pool);

}  // namespace edgelm::kernels
