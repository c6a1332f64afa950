// Matrix multiplication of a weight matrix (any GGUF type, as stored) with a
// batch of float32 activation rows.
//
// Results are bit-identical to the scalar reference vec_dot_ref() applied to
// the activation row converted by quantize_row() to the weight's
// vec_dot_type, whichever kernel set runs (kernels/isa.h): the SIMD kernels
// vectorize across rows and tokens, never across the blocks of one dot
// product, so each row's float operations keep the reference's order. Two
// stated exceptions trade that for speed on AVX-512 and differ by float
// rounding only (IsaKernels::bit_exact): the K-quants sum each row's super-block
// in int32 and scale it once, F16/BF16 sum in f32 instead of double.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "kernels/util/threadpool.h"
#include "tensor/types.h"

namespace edgelm::kernels {

struct MatrixView;
struct PackedMatrix;   // kernels/packed.h

// The packed copies (kernels/packed.h) of one weight matrix, made on its
// first matmul and shared by every copy of its MatrixView, row slices
// included (each distinct slice gets its own packing). Thread-safe.
class PackCache {
 public:
  PackCache();
  ~PackCache();
  PackCache(const PackCache&) = delete;
  PackCache& operator=(const PackCache&) = delete;

  const PackedMatrix& get(const MatrixView& w, int group_rows, ThreadPool& pool);
  size_t bytes() const;   // memory held by the packings

 private:
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<PackedMatrix>> packs_;
};

// A 2-D weight {cols, rows}: `rows` rows of `cols` elements, row-major, in
// `type` blocks (GGUF layout; y = W x maps cols -> rows).
struct MatrixView {
  GgmlType type = GgmlType::F32;
  const uint8_t* data = nullptr;
  int64_t cols = 0;
  int64_t rows = 0;
  size_t row_bytes = 0;
  // Where the SIMD kernels keep this matrix's packed copy. The weights behind
  // `data` must not change while it lives; nullptr disables packing (the
  // matmul then takes the scalar reference path).
  std::shared_ptr<PackCache> packs = std::make_shared<PackCache>();
  // The bytes are a read-only file mapping: once packed, their pages are
  // handed back to the page cache (re-read from the file if touched again),
  // so the process does not hold the same weights twice.
  bool file_backed = false;

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

// Builds w's packed copy for the active kernel set now rather than on its
// first matmul (e.g. at model load); a no-op where matmul would not pack.
void prepack(const MatrixView& w, ThreadPool& pool);

// The scalar reference path of matmul (vec_dot_ref for every output), for
// any supported type; the SIMD path must agree with it bit for bit (or, for
// the stated exceptions above, to rounding).
void matmul_reference(const MatrixView& w, const float* x, int64_t ldx, int n_tokens,
                      float* y, int64_t ldy, ThreadPool& pool, MatmulScratch& scratch);

// Decodes row r of w into out[w.cols] (embedding look-ups).
void dequantize_rows(const MatrixView& w, int64_t r, float* out);

}  // namespace edgelm::kernels
