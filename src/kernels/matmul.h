// Matrix multiplication of a weight matrix (any GGUF type, as stored) with a
// batch of float32 activation rows.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/threadpool.h"
#include "tensor/types.h"

namespace edgelm::kernels {

// A 2-D weight {cols, rows}: `rows` rows of `cols` elements, row-major, in
// `type` blocks (GGUF layout; y = W x maps cols -> rows).
struct MatrixView {
  GgmlType type = GgmlType::F32;
  const uint8_t* data = nullptr;
  int64_t cols = 0;
  int64_t rows = 0;
  size_t row_bytes = 0;
  const uint8_t* row(int64_t r) const { return data + static_cast<size_t>(r) * row_bytes; }
};

// Reusable buffers so that steady-state decoding does not allocate.
struct MatmulScratch {
  std::vector<uint8_t> act;   // activations converted to the weight's dot type
};

// y[t*ldy + r] = sum_k W[r][k] * x[t*ldx + k] for t < n_tokens, r < w.rows.
// Activations are converted to the weight type's dot type first (Q8_0, Q8_K,
// f16, ...), as llama.cpp's CPU backend does.
void matmul(const MatrixView& w, const float* x, int64_t ldx, int n_tokens,
            float* y, int64_t ldy, ThreadPool& pool, MatmulScratch& scratch);

// Decodes row r of w into out[w.cols] (embedding look-ups).
void dequantize_rows(const MatrixView& w, int64_t r, float* out);

}  // namespace edgelm::kernels
