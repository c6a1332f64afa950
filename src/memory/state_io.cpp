// Saving a session state to disk and loading it back. The file records the
// layer shapes so that a state is only ever loaded into a matching model.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>

#include "edgelm/error.h"
#include "memory/state.h"

namespace edgelm::memory {
namespace {

constexpr char kMagic[8] = {'E', 'D', 'L', 'M', 'S', 'T', 'A', 'T'};
constexpr uint32_t kVersion = 2;   // 2: delta-net states stored key-major ([d_k][d_v] per head)

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<FILE, FileCloser>;

void write_bytes(FILE* f, const void* p, size_t n, const std::string& path) {
  if (n && std::fwrite(p, 1, n, f) != n) throw Error("failed writing state file '" + path + "'");
}

void read_bytes(FILE* f, void* p, size_t n, const std::string& path) {
  if (n && std::fread(p, 1, n, f) != n) throw Error("state file '" + path + "' is truncated");
}

template <typename T>
void write_pod(FILE* f, T v, const std::string& path) { write_bytes(f, &v, sizeof v, path); }

template <typename T>
T read_pod(FILE* f, const std::string& path) {
  T v;
  read_bytes(f, &v, sizeof v, path);
  return v;
}

// Bytes of a layer's K (or V) buffer worth saving: a full-attention cache
// only up to the positions seen, a ring entirely.
size_t saved_bytes(const LayerKv& c, const KvBytes& buf, size_t row_bytes, int64_t n_past) {
  if (c.ring || buf.empty()) return buf.size();
  return std::min(buf.size(), static_cast<size_t>(n_past) * row_bytes);
}

}  // namespace

// Layout: magic, version, kv type, layer count, n_past, token count, tokens,
// then per layer: sizes of k, v, conv, state (u64 each) and their bytes, and
// for a q4 cache the recent key group (i64 group, then its floats). Sparse
// page bounds are not saved; load() recomputes them.
void State::save(const std::string& path, const std::vector<int32_t>& tokens) const {
  FilePtr f(std::fopen(path.c_str(), "wb"));
  if (!f) throw Error("cannot create state file '" + path + "'");
  write_bytes(f.get(), kMagic, sizeof kMagic, path);
  write_pod<uint32_t>(f.get(), kVersion, path);
  write_pod<uint32_t>(f.get(), static_cast<uint32_t>(options_.kv_type), path);
  write_pod<uint64_t>(f.get(), kv_.size(), path);
  write_pod<int64_t>(f.get(), n_past_, path);
  write_pod<uint64_t>(f.get(), tokens.size(), path);
  write_bytes(f.get(), tokens.data(), tokens.size() * sizeof(int32_t), path);
  for (size_t i = 0; i < kv_.size(); ++i) {
    const LayerKv& c = kv_[i];
    const uint64_t sizes[4] = {saved_bytes(c, c.k, c.k_row_bytes(), n_past_), saved_bytes(c, c.v, c.v_row_bytes(), n_past_),
                               rec_[i].conv.size(), rec_[i].state.size()};
    write_bytes(f.get(), sizes, sizeof sizes, path);
    write_bytes(f.get(), c.k.data(), sizes[0], path);
    write_bytes(f.get(), c.v.data(), sizes[1], path);
    write_bytes(f.get(), rec_[i].conv.data(), rec_[i].conv.size() * sizeof(float), path);
    write_bytes(f.get(), rec_[i].state.data(), rec_[i].state.size() * sizeof(float), path);
    if (!c.k_recent.empty()) {
      write_pod<int64_t>(f.get(), c.recent_group, path);
      write_bytes(f.get(), c.k_recent.data(), c.k_recent.size() * sizeof(float), path);
    }
  }
  if (std::fflush(f.get()) != 0) throw Error("failed writing state file '" + path + "'");
}

std::vector<int32_t> State::load(const std::string& path) {
  FilePtr f(std::fopen(path.c_str(), "rb"));
  if (!f) throw Error("cannot open state file '" + path + "'");
  char magic[8];
  read_bytes(f.get(), magic, sizeof magic, path);
  if (std::memcmp(magic, kMagic, sizeof kMagic) != 0) throw Error("'" + path + "' is not an edgelm state file");
  if (read_pod<uint32_t>(f.get(), path) != kVersion) throw Error("state file '" + path + "' has an unsupported version");
  if (read_pod<uint32_t>(f.get(), path) != static_cast<uint32_t>(options_.kv_type))
    throw Error("state file '" + path + "' was saved with a different KV cache type");
  if (read_pod<uint64_t>(f.get(), path) != kv_.size()) throw Error("state file '" + path + "' belongs to a different model");
  const int64_t n_past = read_pod<int64_t>(f.get(), path);
  const uint64_t n_tokens = read_pod<uint64_t>(f.get(), path);
  if (n_past < 0 || n_past > options_.n_ctx || n_tokens != static_cast<uint64_t>(n_past))
    throw Error("state file '" + path + "' does not fit this session's context");
  std::vector<int32_t> tokens(n_tokens);
  read_bytes(f.get(), tokens.data(), n_tokens * sizeof(int32_t), path);
  for (size_t i = 0; i < kv_.size(); ++i) {
    uint64_t sizes[4];
    read_bytes(f.get(), sizes, sizeof sizes, path);
    LayerKv& c = kv_[i];
    if (sizes[0] != saved_bytes(c, c.k, c.k_row_bytes(), n_past) || sizes[1] != saved_bytes(c, c.v, c.v_row_bytes(), n_past) ||
        sizes[2] != rec_[i].conv.size() || sizes[3] != rec_[i].state.size())
      throw Error("state file '" + path + "' has a different layout at layer " + std::to_string(i));
    read_bytes(f.get(), c.k.data(), sizes[0], path);
    read_bytes(f.get(), c.v.data(), sizes[1], path);
    read_bytes(f.get(), rec_[i].conv.data(), rec_[i].conv.size() * sizeof(float), path);
    read_bytes(f.get(), rec_[i].state.data(), rec_[i].state.size() * sizeof(float), path);
    if (!c.k_recent.empty()) {
      c.recent_group = read_pod<int64_t>(f.get(), path);
      if (c.recent_group < -1 || c.recent_group > n_past / kernels::kKvTile)
        throw Error("state file '" + path + "' has a bad q4 key group at layer " + std::to_string(i));
      read_bytes(f.get(), c.k_recent.data(), c.k_recent.size() * sizeof(float), path);
    }
  }
  for (LayerKv& c : kv_)
    if (!c.page_min.empty()) c.rebuild_pages(0, n_past);
  n_past_ = n_past;
  return tokens;
}

}  // namespace edgelm::memory
