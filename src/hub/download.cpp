// One file from the hub into the cache: resumable, hashed while it streams,
// renamed into place only once its hash matches the listing.
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <fstream>
#include <memory>
#include <system_error>

#include "hub/internal.h"

namespace edgelm::hub::detail {
namespace fs = std::filesystem;
namespace {

// An OpenSSL message digest, fed in pieces.
class Digest {
 public:
  explicit Digest(const EVP_MD* md) : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), md, nullptr) != 1) throw Error("cannot start a hash (OpenSSL)");
  }
  void update(const void* data, size_t size) { EVP_DigestUpdate(ctx_.get(), data, size); }
  std::string hex() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(ctx_.get(), out, &size);
    static const char* digits = "0123456789abcdef";
    std::string text;
    for (unsigned i = 0; i < size; ++i) {
      text += digits[out[i] >> 4];
      text += digits[out[i] & 15];
    }
    return text;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

// The content's sha256 (what LFS oids are) and its git blob SHA-1 (what the
// listing gives for files kept in git itself: sha1 of "blob <size>\0" + content).
class ContentHash {
 public:
  explicit ContentHash(uint64_t size) : sha256_(EVP_sha256()), git_(EVP_sha1()) {
    std::string header = "blob " + std::to_string(size);
    git_.update(header.data(), header.size() + 1);  // with the terminating NUL
  }
  void update(const char* data, size_t size) {
    sha256_.update(data, size);
    git_.update(data, size);
  }
  // The first `size` bytes of `path`.
  void update_from(const fs::path& path, uint64_t size) {
    std::ifstream in(path, std::ios::binary);
    std::vector<char> buffer(size_t{1} << 20);
    while (size > 0 && in) {
      in.read(buffer.data(), std::streamsize(std::min<uint64_t>(size, buffer.size())));
      auto got = static_cast<size_t>(in.gcount());
      update(buffer.data(), got);
      size -= got;
    }
    if (size > 0) throw Error("cannot read " + path.string() + " to hash it");
  }
  std::pair<std::string, std::string> finish() { return {sha256_.hex(), git_.hex()}; }

 private:
  Digest sha256_, git_;
};

// The hash the listing promises for `file`, and which of ours to compare it to.
std::string expected_hash(const RepoFile& file) { return file.sha256.empty() ? file.git_oid : file.sha256; }
const std::string& actual_hash(const RepoFile& file, const std::pair<std::string, std::string>& got) {
  return file.sha256.empty() ? got.second : got.first;
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// Holds an flock on <file>.lock: a second edgelm pulling the same file waits,
// then finds it in the cache.
class FileLock {
 public:
  FileLock(const fs::path& path, const HubOptions& options) {
    fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
    if (fd_.get() < 0) throw Error("cannot create " + path.string() + ": " + std::strerror(errno));
    if (::flock(fd_.get(), LOCK_EX | LOCK_NB) == 0) return;
    if (options.message) options.message("waiting for another edgelm that downloads " + path.stem().string());
    while (::flock(fd_.get(), LOCK_EX) != 0)
      if (errno != EINTR) throw Error("cannot lock " + path.string() + ": " + std::strerror(errno));
  }

 private:
  Fd fd_;
};

void write_all(int fd, const char* data, size_t size, const fs::path& path) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;
      if (err == ENOSPC || err == EDQUOT) throw Error("disk full while writing " + path.string());
      throw Error("cannot write " + path.string() + ": " + std::strerror(err));
    }
    data += n;
    size -= size_t(n);
  }
}

void write_text_atomically(const fs::path& path, const std::string& text) {
  fs::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) throw Error("cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw Error("cannot rename " + tmp.string() + ": " + ec.message());
}

std::string read_small_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string text(128, '\0');
  in.read(text.data(), std::streamsize(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

uint64_t regular_file_size(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return 0;
  uint64_t size = fs::file_size(path, ec);
  return ec ? 0 : size;
}

void check_free_space(const fs::path& dir, uint64_t needed, const std::string& what) {
  std::error_code ec;
  fs::space_info space = fs::space(dir, ec);
  if (!ec && space.available < needed)
    throw Error("not enough disk space in " + dir.string() + " for " + what + ": it needs " + format_bytes(needed) +
                " more, " + format_bytes(space.available) + " are free");
}

// "bytes 100-199/200" -> first 100, total 200 (total -1 for "*"); false when malformed.
bool parse_content_range(const std::string& value, uint64_t& first, int64_t& total) {
  unsigned long long a = 0, b = 0;
  char tail[24] = {0};
  if (std::sscanf(value.c_str(), "bytes %llu-%llu/%20s", &a, &b, tail) != 3 || b < a) return false;
  first = a;
  if (std::string(tail) == "*") {
    total = -1;
    return true;
  }
  char* end = nullptr;
  unsigned long long t = std::strtoull(tail, &end, 10);
  if (*end != '\0' || t <= b) return false;
  total = int64_t(t);
  return true;
}

// The state of one download attempt, shared by the response callbacks.
struct Transfer {
  Transfer(const Reference& r, const RepoFile& f, const HubOptions& o, fs::path p)
      : ref(r), file(f), options(o), part(std::move(p)) {}

  const Reference& ref;
  const RepoFile& file;
  const HubOptions& options;
  fs::path part;
  uint64_t offset = 0;       // bytes of .part we asked the server to skip
  uint64_t written = 0;      // bytes of .part now
  Fd fd;
  std::unique_ptr<ContentHash> hash;
  std::exception_ptr failure;
  bool start_over = false;   // the server's answer does not continue our .part

  std::string name() const { return ref.owner + "/" + ref.repo + "/" + file.path; }

  bool begin(const http::Response& response) {
    try {
      return accept(response);
    } catch (...) {
      failure = std::current_exception();
      return false;
    }
  }

  bool accept(const http::Response& response) {
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC;
    if (response.status == 206) {
      uint64_t first = 0;
      int64_t total = 0;
      if (!parse_content_range(http::header(response.headers, "Content-Range"), first, total) || first != offset ||
          (total >= 0 && uint64_t(total) != file.size)) {
        start_over = true;
        return false;
      }
      written = offset;
      flags |= O_APPEND;
    } else if (response.status == 200) {
      if (offset > 0 && options.message)
        options.message("the server ignored the Range request; downloading " + name() + " from the start");
      written = 0;
      flags |= O_TRUNC;
    } else {
      throw Error("unexpected HTTP " + std::to_string(response.status) + " from " + response.url.str());
    }
    std::string length = http::header(response.headers, "Content-Length");
    if (!length.empty() && length != std::to_string(file.size - written))
      throw Error("the server sends " + http::one_line(length, 24) + " bytes of " + name() + " where " +
                  std::to_string(file.size - written) + " were expected (the file may have changed; pull again)");
    fd.reset(::open(part.c_str(), flags, 0644));
    if (fd.get() < 0) throw Error("cannot open " + part.string() + ": " + std::strerror(errno));
    hash = std::make_unique<ContentHash>(file.size);
    if (written > 0) hash->update_from(part, written);
    if (options.progress) options.progress(written, file.size);
    return true;
  }

  bool receive(const char* data, size_t size) {
    try {
      if (size > file.size - written)
        throw Error("the server sends more than the " + std::to_string(file.size) + " bytes listed for " + name());
      write_all(fd.get(), data, size, part);
      hash->update(data, size);
      written += size;
      if (options.progress) options.progress(written, file.size);
      return true;
    } catch (...) {
      failure = std::current_exception();
      return false;
    }
  }
};

// One GET of the file into its .part. Returns the content hashes once the
// .part is complete; throws TransientError when the transfer broke off (the
// .part keeps what arrived).
std::pair<std::string, std::string> fetch_part(const Reference& ref, const RepoFile& file, const fs::path& part,
                                               const HubOptions& options) {
  std::error_code ec;
  for (int round = 0;; ++round) {
    Transfer t(ref, file, options, part);
    t.offset = regular_file_size(part);
    if (t.offset > file.size) {
      fs::remove(part, ec);
      t.offset = 0;
    }
    if (t.offset == file.size && file.size > 0) {  // complete, only not yet renamed
      ContentHash hash(file.size);
      hash.update_from(part, file.size);
      return hash.finish();
    }
    check_free_space(part.parent_path(), file.size - t.offset, t.name());
    if (t.offset > 0 && options.message)
      options.message("resuming " + t.name() + " at " + format_bytes(t.offset) + " of " + format_bytes(file.size));

    http::Request request = hub_request(options, "/" + ref.owner + "/" + ref.repo + "/resolve/main/" +
                                                     http::encode_path(file.path));
    request.decompress = false;  // byte offsets must be those of the file
    request.headers.emplace("Accept-Encoding", "identity");
    if (t.offset > 0) request.headers.emplace("Range", "bytes=" + std::to_string(t.offset) + "-");

    http::Response response = http::get(
        request, [&](const http::Response& r) { return t.begin(r); },
        [&](const char* data, size_t size) { return t.receive(data, size); });
    if (t.failure) std::rethrow_exception(t.failure);
    if ((t.start_over || response.status == 416) && round == 0) {
      fs::remove(part, ec);  // our .part does not fit what the server has: begin anew, once
      continue;
    }
    if (t.start_over)
      throw Error("the server answers a Range request for " + t.name() + " with bytes that do not continue the file");
    if (response.status >= 300)
      throw_status(response, "file " + file.path + " in " + ref.owner + "/" + ref.repo, options);
    if (t.written < file.size)
      throw http::TransientError("the download of " + t.name() + " broke off at " + std::to_string(t.written) +
                                 " of " + std::to_string(file.size) + " bytes");
    if (t.fd.get() >= 0 && ::fsync(t.fd.get()) != 0)
      throw Error("cannot write " + part.string() + ": " + std::strerror(errno));
    if (!t.hash) {  // an empty file: no body arrived
      t.hash = std::make_unique<ContentHash>(file.size);
    }
    return t.hash->finish();
  }
}

// Whether `path` is `file`, complete and verified. A missing or outdated
// sidecar costs one pass of hashing, after which the sidecar is (re)written.
bool in_cache(const fs::path& path, const fs::path& sidecar, const RepoFile& file) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec) || regular_file_size(path) != file.size) return false;
  if (!file.sha256.empty() && read_small_text(sidecar) == file.sha256) return true;
  ContentHash hash(file.size);
  hash.update_from(path, file.size);
  auto got = hash.finish();
  if (actual_hash(file, got) != expected_hash(file)) return false;
  write_text_atomically(sidecar, got.first + "\n");
  return true;
}

}  // namespace

std::filesystem::path download(const Reference& ref, const RepoFile& file, const HubOptions& options) {
  fs::path dir = repo_cache_dir(options, ref);
  fs::path target = dir / fs::path(file.path);
  auto with_suffix = [&](const char* suffix) {
    fs::path p = target;
    p += suffix;
    return p;
  };
  fs::path part = with_suffix(".part"), sidecar = with_suffix(".sha256");
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  if (ec) throw Error("cannot create the cache folder " + target.parent_path().string() + ": " + ec.message());

  FileLock lock(with_suffix(".lock"), options);
  if (in_cache(target, sidecar, file)) return target;
  std::string name = ref.owner + "/" + ref.repo + "/" + file.path;
  if (options.message) options.message("downloading " + name + " (" + format_bytes(file.size) + ")");

  std::pair<std::string, std::string> got;
  with_retries(options, "downloading " + name, [&] { got = fetch_part(ref, file, part, options); });
  if (actual_hash(file, got) != expected_hash(file)) {
    fs::remove(part, ec);
    throw Error("hash mismatch for " + name + ": the hub lists " + expected_hash(file) + ", the download has " +
                actual_hash(file, got) + " (the partial file was deleted)");
  }
  fs::remove(sidecar, ec);  // the old sidecar must not vouch for the new file
  fs::rename(part, target, ec);
  if (ec) throw Error("cannot rename " + part.string() + ": " + ec.message());
  write_text_atomically(sidecar, got.first + "\n");
  return target;
}

std::vector<RepoFile> cached_files(const Reference& ref, const HubOptions& options) {
  std::vector<RepoFile> files;
  fs::path dir = repo_cache_dir(options, ref);
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& path = it->path();
    fs::path sidecar = path;
    sidecar += ".sha256";
    if (path.extension() != ".gguf" || !it->is_regular_file(ec) || !fs::exists(sidecar, ec)) continue;
    RepoFile file;
    file.path = fs::relative(path, dir, ec).generic_string();
    file.size = regular_file_size(path);
    file.sha256 = read_small_text(sidecar);
    files.push_back(file);
  }
  return files;
}

}  // namespace edgelm::hub::detail
