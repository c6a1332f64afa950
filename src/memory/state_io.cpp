// Saving a session state to disk and loading it back.
//
// A state is only meaningful for the model that made it, so the file carries
// the model's fingerprint (a hash of its metadata and tensor table) besides
// the layer shapes, and a checksum of all its bytes. load() is all or nothing:
// the whole file is verified before the first byte of the live state changes.
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>

#include "edgelm/error.h"
#include "memory/state.h"

namespace edgelm::memory {
namespace {

constexpr char kMagic[8] = {'E', 'D', 'L', 'M', 'S', 'T', 'A', 'T'};
// 2: delta-net states stored key-major ([d_k][d_v] per head)
// 3: model fingerprint after the version, checksum trailer
constexpr uint32_t kVersion = 3;

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<FILE, FileCloser>;

// FNV-1a, 64 bits: a checksum against truncated and damaged files (a file
// made on purpose can only ever load a state of the right shape).
class Checksum {
 public:
  void add(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    for (size_t i = 0; i < n; ++i) h_ = (h_ ^ b[i]) * 0x100000001b3ull;
  }
  uint64_t value() const { return h_; }

 private:
  uint64_t h_ = 0xcbf29ce484222325ull;
};

class Writer {
 public:
  Writer(FILE* f, const std::string& path) : f_(f), path_(path) {}
  void bytes(const void* p, size_t n) {
    if (n && std::fwrite(p, 1, n, f_) != n) throw Error("failed writing state file '" + path_ + "'");
    sum_.add(p, n);
  }
  template <typename T>
  void pod(T v) { bytes(&v, sizeof v); }
  void finish() {
    const uint64_t sum = sum_.value();
    if (std::fwrite(&sum, 1, sizeof sum, f_) != sizeof sum || std::fflush(f_) != 0)
      throw Error("failed writing state file '" + path_ + "'");
  }

 private:
  FILE* f_;
  const std::string& path_;
  Checksum sum_;
};

// Reads the file's body; with dst == nullptr a payload is skipped (the
// verifying pass), otherwise read into dst.
class Reader {
 public:
  Reader(FILE* f, const std::string& path) : f_(f), path_(path) {}
  void bytes(void* dst, size_t n) {
    if (n == 0) return;
    if (dst == nullptr) {
      if (std::fseek(f_, static_cast<long>(n), SEEK_CUR) != 0) fail("is truncated");
    } else if (std::fread(dst, 1, n, f_) != n) {
      fail("is truncated");
    }
  }
  template <typename T>
  T pod() {
    T v;
    bytes(&v, sizeof v);
    return v;
  }
  long tell() const { return std::ftell(f_); }
  void seek(long pos) {
    if (std::fseek(f_, pos, SEEK_SET) != 0) fail("cannot be read");
  }
  [[noreturn]] void fail(const std::string& what) const { throw Error("state file '" + path_ + "' " + what); }

 private:
  FILE* f_;
  const std::string& path_;
};

// Bytes of a layer's K (or V) buffer worth saving: a full-attention cache
// only up to the positions seen, a ring entirely.
size_t saved_bytes(const LayerKv& c, const KvBytes& buf, size_t row_bytes, int64_t n_past) {
  if (c.ring || buf.empty()) return buf.size();
  return std::min(buf.size(), static_cast<size_t>(n_past) * row_bytes);
}

// Checks the trailer against a checksum of everything before it; returns the
// file's size.
uint64_t verify_checksum(FILE* f, const std::string& path) {
  struct stat st{};
  if (fstat(fileno(f), &st) != 0 || st.st_size < static_cast<off_t>(sizeof kMagic + sizeof(uint64_t)))
    throw Error("state file '" + path + "' is truncated");
  const uint64_t body = static_cast<uint64_t>(st.st_size) - sizeof(uint64_t);
  std::rewind(f);
  Checksum sum;
  std::vector<uint8_t> chunk(1 << 20);
  for (uint64_t done = 0; done < body;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(chunk.size(), body - done));
    if (std::fread(chunk.data(), 1, n, f) != n) throw Error("state file '" + path + "' cannot be read");
    sum.add(chunk.data(), n);
    done += n;
  }
  uint64_t stored = 0;
  if (std::fread(&stored, 1, sizeof stored, f) != sizeof stored || stored != sum.value())
    throw Error("state file '" + path + "' is damaged (checksum mismatch)");
  std::rewind(f);
  return static_cast<uint64_t>(st.st_size);
}

}  // namespace

// Layout: magic, version, model fingerprint, kv type, layer count, n_past,
// token count, tokens, then per layer: sizes of k, v, conv, state (u64 each)
// and their bytes, and for a q4 cache the recent key group (i64 group, then
// its floats); last, a checksum of all the bytes before it. Sparse page
// bounds are not saved; load() recomputes them.
void State::save(const std::string& path, const std::vector<int32_t>& tokens, uint64_t model_fingerprint) const {
  // Written beside the target and renamed over it at the end, so a failure
  // never leaves a half-written file where a good one was.
  const std::string tmp = path + ".partial";
  {
    FilePtr f(std::fopen(tmp.c_str(), "wb"));
    if (!f) throw Error("cannot create state file '" + tmp + "'");
    try {
      Writer w(f.get(), path);
      w.bytes(kMagic, sizeof kMagic);
      w.pod<uint32_t>(kVersion);
      w.pod<uint64_t>(model_fingerprint);
      w.pod<uint32_t>(static_cast<uint32_t>(options_.kv_type));
      w.pod<uint64_t>(kv_.size());
      w.pod<int64_t>(n_past_);
      w.pod<uint64_t>(tokens.size());
      w.bytes(tokens.data(), tokens.size() * sizeof(int32_t));
      for (size_t i = 0; i < kv_.size(); ++i) {
        const LayerKv& c = kv_[i];
        const uint64_t sizes[4] = {saved_bytes(c, c.k, c.k_row_bytes(), n_past_),
                                   saved_bytes(c, c.v, c.v_row_bytes(), n_past_), rec_[i].conv.size(),
                                   rec_[i].state.size()};
        w.bytes(sizes, sizeof sizes);
        w.bytes(c.k.data(), sizes[0]);
        w.bytes(c.v.data(), sizes[1]);
        w.bytes(rec_[i].conv.data(), rec_[i].conv.size() * sizeof(float));
        w.bytes(rec_[i].state.data(), rec_[i].state.size() * sizeof(float));
        if (!c.k_recent.empty()) {
          w.pod<int64_t>(c.recent_group);
          w.bytes(c.k_recent.data(), c.k_recent.size() * sizeof(float));
        }
      }
      w.finish();
    } catch (...) {
      f.reset();
      std::remove(tmp.c_str());
      throw;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw Error("cannot replace state file '" + path + "'");
  }
}

std::vector<int32_t> State::load(const std::string& path, const StateFileKey& key) {
  FilePtr f(std::fopen(path.c_str(), "rb"));
  if (!f) throw Error("cannot open state file '" + path + "'");
  Reader r(f.get(), path);
  char magic[8];
  r.bytes(magic, sizeof magic);
  if (std::memcmp(magic, kMagic, sizeof kMagic) != 0) r.fail("is not an edgelm state file");
  if (r.pod<uint32_t>() != kVersion) r.fail("has an unsupported version");
  const uint64_t file_size = verify_checksum(f.get(), path);
  r.seek(sizeof kMagic + sizeof(uint32_t));
  if (r.pod<uint64_t>() != key.model_fingerprint) r.fail("was saved by a different model");
  if (r.pod<uint32_t>() != static_cast<uint32_t>(options_.kv_type)) r.fail("was saved with a different KV cache type");
  if (r.pod<uint64_t>() != kv_.size()) r.fail("has a different number of layers");
  const int64_t n_past = r.pod<int64_t>();
  const uint64_t n_tokens = r.pod<uint64_t>();
  if (n_past < 0 || n_past > options_.n_ctx || n_tokens != static_cast<uint64_t>(n_past))
    r.fail("does not fit this session's context");
  std::vector<int32_t> tokens(n_tokens);
  r.bytes(tokens.data(), n_tokens * sizeof(int32_t));
  for (int32_t t : tokens)
    if (t < 0 || t >= key.n_vocab) r.fail("holds token id " + std::to_string(t) + ", outside the vocabulary");

  // Two passes over the layers: the first checks every size and value and
  // skips the payloads, the second reads them into the live buffers.
  const long layers_start = r.tell();
  auto read_layers = [&](bool commit) {
    r.seek(layers_start);
    for (size_t i = 0; i < kv_.size(); ++i) {
      LayerKv& c = kv_[i];
      uint64_t sizes[4];
      r.bytes(sizes, sizeof sizes);
      if (sizes[0] != saved_bytes(c, c.k, c.k_row_bytes(), n_past) ||
          sizes[1] != saved_bytes(c, c.v, c.v_row_bytes(), n_past) || sizes[2] != rec_[i].conv.size() ||
          sizes[3] != rec_[i].state.size())
        r.fail("has a different layout at layer " + std::to_string(i));
      r.bytes(commit ? c.k.data() : nullptr, sizes[0]);
      r.bytes(commit ? c.v.data() : nullptr, sizes[1]);
      r.bytes(commit ? rec_[i].conv.data() : nullptr, rec_[i].conv.size() * sizeof(float));
      r.bytes(commit ? rec_[i].state.data() : nullptr, rec_[i].state.size() * sizeof(float));
      if (!c.k_recent.empty()) {
        const int64_t group = r.pod<int64_t>();
        if (group < -1 || group > n_past / kernels::kKvTile)
          r.fail("has a bad q4 key group at layer " + std::to_string(i));
        if (commit) c.recent_group = group;
        r.bytes(commit ? c.k_recent.data() : nullptr, c.k_recent.size() * sizeof(float));
      }
    }
    if (static_cast<uint64_t>(r.tell()) + sizeof(uint64_t) != file_size) r.fail("has trailing bytes");
  };
  read_layers(false);
  try {
    read_layers(true);
  } catch (const Error& e) {
    // Only a file changed between the passes gets here; the state holds
    // parts of two, so it is emptied rather than left half-overwritten.
    clear();
    throw Error(std::string(e.what()) + "; the session was reset to empty");
  }
  for (LayerKv& c : kv_)
    if (!c.page_min.empty()) c.rebuild_pages(0, n_past);
  n_past_ = n_past;
  return tokens;
}

}  // namespace edgelm::memory
