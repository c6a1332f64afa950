// `edgelm pull` and `-m OWNER/REPO[:QUANT]`: GGUF files from the Hugging Face
// hub (or a mirror named by HF_ENDPOINT) into a local cache.
//
// A pull lists the repository (GET {endpoint}/api/models/{owner}/{repo}/tree/main
// ?recursive=true, following the Link rel="next" pages), picks one .gguf file,
// downloads {endpoint}/{owner}/{repo}/resolve/main/{file} (the hub answers with
// a redirect to its CDN) into <cache>/<owner>--<repo>/<file>.part, resuming an
// earlier .part with a Range request, checks the sha256 the listing gives for
// LFS files (the git blob SHA-1 for small non-LFS files), and renames the .part
// into place. A verified file gets a `<file>.sha256` sidecar holding its sha256,
// so a later pull of the same LFS file costs one listing request and no hashing.
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace edgelm::hub {

// OWNER/REPO[:QUANT] or OWNER/REPO/PATH/FILE.gguf, optionally behind "hf://".
struct Reference {
  std::string owner;
  std::string repo;
  std::string quant;  // upper case, e.g. "Q4_K_M"; empty: the default choice
  std::string file;   // path inside the repository; empty: chosen by quant
  std::string to_string() const;  // the reference as the user would write it
};

// nullopt for what is a local path: an existing file, an absolute or ./ ../ ~
// path, a bare name, or a name ending in .gguf without OWNER/REPO/ in front.
// Throws edgelm::Error for an "hf://" text that is not a valid reference.
std::optional<Reference> parse_reference(std::string_view text);

// One file of a repository listing.
struct RepoFile {
  std::string path;
  uint64_t size = 0;
  std::string sha256;   // LFS oid (sha256 of the content); empty for non-LFS files
  std::string git_oid;  // git blob SHA-1 of the content
};

// The file `ref` names among `files`: its exact path when ref.file is set;
// otherwise the .gguf (mmproj projectors left out) whose name carries ref.quant
// as a tag (case-insensitive, delimited, so Q4_K does not match Q4_K_M), and
// without a quant the Q4_K_M file, else the only .gguf. Throws edgelm::Error
// naming the candidates when none or several fit.
const RepoFile& select_file(const std::vector<RepoFile>& files, const Reference& ref);

struct HubOptions {
  std::string endpoint = "https://huggingface.co";
  std::string token;                 // sent as a Bearer token to the endpoint's host only
  std::filesystem::path cache_dir;   // required by pull()
  std::function<void(uint64_t done, uint64_t total)> progress;  // bytes of the file
  std::function<void(const std::string& line)> message;         // "downloading ...", retries
  bool offline = false;              // use only what the cache holds
  int attempts = 4;                  // tries per request on network errors and 5xx
  std::chrono::milliseconds retry_delay{1000};  // grows linearly with the attempt
  int timeout_s = 60;                // connect and read timeout
  size_t max_listing_bytes = size_t{16} << 20;  // all listing pages together
};

// endpoint from HF_ENDPOINT, token from HF_TOKEN, offline from HF_HUB_OFFLINE,
// cache_dir = $EDGELM_CACHE, else $XDG_CACHE_HOME/edgelm, else ~/.cache/edgelm
// (empty when none of these is set).
HubOptions hub_options_from_env();

// The repository's files (type "file" entries of the recursive tree listing).
std::vector<RepoFile> list_files(const Reference& ref, const HubOptions& options);

// Downloads (or finds in the cache) the file `ref` selects and returns its
// path. Without network (or with options.offline) a verified cached file that
// the same selection rules pick is returned instead.
std::filesystem::path pull(const Reference& ref, const HubOptions& options);

// What every `-m` goes through: a local path comes back unchanged, a
// reference is pulled.
std::filesystem::path resolve_model(std::string_view path_or_reference, const HubOptions& options);

// "  42% [########            ] 120.0/285.3 MiB  8.1 MiB/s"; total 0: unknown.
std::string format_progress(uint64_t done, uint64_t total, double seconds, int width = 30);

// A download progress bar: redrawn in place (at most ~10 times a second) when
// `out` is a terminal, otherwise one line per 10% so logs stay short.
class ProgressBar {
 public:
  explicit ProgressBar(std::string label, std::FILE* out = stderr);
  ProgressBar(std::string label, std::FILE* out, bool tty);
  void update(uint64_t done, uint64_t total);
  void finish();  // ends the line (once)
  // A callback for HubOptions::progress that updates this bar.
  std::function<void(uint64_t, uint64_t)> callback();

 private:
  std::string label_;
  std::FILE* out_;
  bool tty_;
  bool open_ = false;
  int last_decile_ = -1;
  uint64_t done_ = 0, total_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace edgelm::hub
