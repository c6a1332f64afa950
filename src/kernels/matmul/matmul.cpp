#include "kernels/matmul/matmul.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "kernels/matmul/isa_kernels.h"
#include "kernels/matmul/pack_layout.h"
#include "kernels/matmul/packed.h"
#include "kernels/util/profile.h"

namespace edgelm::kernels {
namespace {

// Activation rows of the token blocks are kept under this size so that they
// stay in L2 while every row group of the weights streams past them.
constexpr size_t kActBlockBytes = 256 * 1024;

// Bytes of one prepared activation row for weights of `type` (0: the float
// input row is used as it is).
size_t act_row_bytes(GgmlType type, int64_t cols) {
  switch (vec_dot_type(type)) {
    case GgmlType::Q8_0: return static_cast<size_t>(cols / 32) * sizeof(ActBlock32);
    case GgmlType::Q8_K: return static_cast<size_t>(cols / 256) * sizeof(ActSuperBlock);
    case GgmlType::F16:
    case GgmlType::BF16: return static_cast<size_t>(cols) * sizeof(float);
    default: return 0;
  }
}

void prepare_act_row(const IsaKernels& k, GgmlType type, const float* x, int64_t cols, uint8_t* out) {
  switch (vec_dot_type(type)) {
    case GgmlType::Q8_0: return k.act_q8_0(x, reinterpret_cast<ActBlock32*>(out), cols / 32);
    case GgmlType::Q8_K:
      // Only the lane-exact Q6_K kernels read the per-quad bias corrections.
      return k.act_q8_k(x, reinterpret_cast<ActSuperBlock*>(out), cols / 256, type == GgmlType::Q6_K && k.bit_exact(type));
    case GgmlType::F16: return k.round_f16(x, reinterpret_cast<float*>(out), cols);
    case GgmlType::BF16: return k.round_bf16(x, reinterpret_cast<float*>(out), cols);
    default: return;
  }
}

// The kernel set's tile for w, or nullptr when w takes the reference path.
TileFn accelerated_tile(const IsaKernels* k, const MatrixView& w) {
  if (!k || !w.packs || w.rows <= 0 || w.cols <= 0 || w.cols % type_traits(w.type).block_elems != 0) return nullptr;
  return k->tile(w.type);
}

// The kernels prefetch a fixed distance ahead of the record they read
// (tiles.h), so the first bytes of each range a thread takes would arrive
// as demand misses; ask for them all at once instead.
void prefetch_start(const uint8_t* p, size_t bytes) {
  const size_t n = std::min(bytes, pack_layout::kPrefetchBytes);
  for (size_t off = 0; off < n; off += 64) __builtin_prefetch(p + off, 0, 3);
}

uint8_t* aligned64(std::vector<uint8_t>& buf, size_t bytes) {
  if (buf.size() < bytes + 64) buf.resize(bytes + 64);
  const auto addr = reinterpret_cast<uintptr_t>(buf.data());
  return buf.data() + ((64 - addr % 64) % 64);
}

}  // namespace

PackCache::PackCache() = default;
PackCache::~PackCache() = default;

namespace {

// Drops the whole pages inside [p, p+n) from this process's resident set.
void release_pages(const uint8_t* p, size_t n) {
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + page - 1) & ~(page - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + n) & ~(page - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

}  // namespace

const PackedMatrix& PackCache::get(const MatrixView& w, int group_rows, ThreadPool& pool) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& p : packs_)
    if (p->source == w.data && p->type == w.type && p->rows == w.rows && p->cols == w.cols &&
        p->group_rows == group_rows)
      return *p;
  packs_.push_back(pack_matrix(w, group_rows, pool));
  if (w.file_backed) release_pages(w.data, static_cast<size_t>(w.rows) * w.row_bytes);
  return *packs_.back();
}

size_t PackCache::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t total = 0;
  for (const auto& p : packs_) total += p->bytes();
  return total;
}

void matmul_reference(const MatrixView& w, const float* x, int64_t ldx, int n_tokens,
                      float* y, int64_t ldy, ThreadPool& pool, MatmulScratch& scratch) {
  const GgmlType act_type = vec_dot_type(w.type);
  const int64_t k = w.cols;
  const size_t act_stride = row_bytes(act_type, k);
  if (scratch.act.size() < act_stride * n_tokens) scratch.act.resize(act_stride * n_tokens);
  for (int t = 0; t < n_tokens; ++t) quantize_activation_row(act_type, x + t * ldx, scratch.act.data() + t * act_stride, k);
  const uint8_t* act = scratch.act.data();
  pool.parallel_for(w.rows, 16, [&](int, int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r)
      for (int t = 0; t < n_tokens; ++t) y[t * ldy + r] = vec_dot_ref(w.type, w.row(r), act + t * act_stride, k);
  });
}

void prepack(const MatrixView& w, ThreadPool& pool) {
  const IsaKernels* k = active_kernels();
  if (accelerated_tile(k, w)) w.packs->get(w, k->rows, pool);
}

void matmul(const MatrixView& w, const float* x, int64_t ldx, int n_tokens,
            float* y, int64_t ldy, ThreadPool& pool, MatmulScratch& scratch) {
  if (n_tokens <= 0 || w.rows <= 0) return;
  const profile::Op op("matmul", static_cast<uint64_t>(w.rows) * w.row_bytes);
  const IsaKernels* k = active_kernels();
  const TileFn tile = accelerated_tile(k, w);
  if (!tile) return matmul_reference(w, x, ldx, n_tokens, y, ldy, pool, scratch);
  const PackedMatrix& p = w.packs->get(w, k->rows, pool);
  const int R = p.group_rows;

  // Each token's activation row is converted once, then read by every group.
  const size_t act_bytes = act_row_bytes(w.type, w.cols);
  const uint8_t* act = nullptr;
  if (act_bytes) {
    uint8_t* buf = aligned64(scratch.act, act_bytes * n_tokens);
    pool.parallel_for(n_tokens, 1, [&](int, int64_t begin, int64_t end) {
      for (int64_t t = begin; t < end; ++t) prepare_act_row(*k, w.type, x + t * ldx, w.cols, buf + t * act_bytes);
    });
    act = buf;
  }
  auto act_row = [&](int t) -> const void* {
    return act ? static_cast<const void*>(act + t * act_bytes) : static_cast<const void*>(x + t * ldx);
  };

  const size_t row_size = act_bytes ? act_bytes : static_cast<size_t>(w.cols) * sizeof(float);
  const int block = std::max<int>(kMaxTileTokens, static_cast<int>(kActBlockBytes / row_size) / kMaxTileTokens * kMaxTileTokens);
  for (int t0 = 0; t0 < n_tokens; t0 += block) {
    const int t_end = std::min(n_tokens, t0 + block);
    pool.parallel_for(p.groups, 1, [&](int, int64_t begin, int64_t end) {
      float out[kMaxTileTokens * kMaxGroupRows];
      const void* rows[kMaxTileTokens];
      prefetch_start(p.group(begin), static_cast<size_t>(end - begin) * p.group_bytes);
      for (int64_t g = begin; g < end; ++g) {
        const int64_t row0 = g * R;
        const size_t valid = static_cast<size_t>(std::min<int64_t>(R, w.rows - row0));
        for (int t = t0; t < t_end; t += kMaxTileTokens) {
          const int n = std::min(kMaxTileTokens, t_end - t);
          for (int i = 0; i < n; ++i) rows[i] = act_row(t + i);
          tile(p.group(g), p.records, rows, n, out);
          for (int i = 0; i < n; ++i) std::memcpy(y + (t + i) * ldy + row0, out + i * R, valid * sizeof(float));
        }
      }
    });
  }
}

void dequantize_rows(const MatrixView& w, int64_t r, float* out) {
  dequantize_row(w.type, w.row(r), out, w.cols);
}

}  // namespace edgelm::kernels
