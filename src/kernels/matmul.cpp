#include "kernels/matmul.h"

#include <cstring>

namespace edgelm::kernels {
namespace {

float dot_f32(const float* a, const float* b, int64_t n) {
  float sum = 0.0f;
  for (int64_t i = 0; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

}  // namespace

void matmul(const MatrixView& w, const float* x, int64_t ldx, int n_tokens,
            float* y, int64_t ldy, ThreadPool& pool, MatmulScratch& scratch) {
  const GgmlType act_type = vec_dot_type(w.type);
  const int64_t k = w.cols;
  const uint8_t* act = nullptr;
  size_t act_stride = 0;
  if (act_type != GgmlType::F32) {
    act_stride = row_bytes(act_type, k);
    if (scratch.act.size() < act_stride * n_tokens) scratch.act.resize(act_stride * n_tokens);
    for (int t = 0; t < n_tokens; ++t)
      quantize_row(act_type, x + t * ldx, scratch.act.data() + t * act_stride, k);
    act = scratch.act.data();
  }
  pool.parallel_for(w.rows, 16, [&](int, int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const uint8_t* wrow = w.row(r);
      for (int t = 0; t < n_tokens; ++t) {
        y[t * ldy + r] = act ? vec_dot_ref(w.type, wrow, act + t * act_stride, k)
                             : dot_f32(reinterpret_cast<const float*>(wrow), x + t * ldx, k);
      }
    }
  });
}

void dequantize_rows(const MatrixView& w, int64_t r, float* out) {
  dequantize_row(w.type, w.row(r), out, w.cols);
}

}  // namespace edgelm::kernels
