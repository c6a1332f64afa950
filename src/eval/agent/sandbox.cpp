// Keeping the file tools inside the task folder. A model can only name paths
// (it cannot create links), so checking each path when it is used is enough:
// the only symlinks a run meets are those its setup made.
#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>

#include "edgelm/error.h"
#include "eval/agent/tools.h"

namespace fs = std::filesystem;

namespace edgelm::eval::agent::detail {
namespace {

// Whether path (canonical or lexically normal, absolute) lies in root or is root.
bool within(const fs::path& root, const fs::path& path) {
  auto [root_end, path_end] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
  (void)path_end;
  return root_end == root.end();
}

void check_text(std::string_view relative) {
  if (relative.empty()) throw Error("path is empty; give a path relative to the task folder, e.g. notes.txt");
  if (relative.find('\0') != std::string_view::npos) throw Error("path contains a NUL byte");
  if (relative.size() > kMaxPathLength)
    throw Error("path too long (" + std::to_string(relative.size()) + " characters; limit " +
                std::to_string(kMaxPathLength) + ")");
  if (relative.front() == '/')
    throw Error("absolute paths are not allowed; give a path relative to the task folder");
}

}  // namespace

fs::path resolve_in(const fs::path& root, std::string_view relative) {
  check_text(relative);
  fs::path rel = fs::path(std::string(relative)).lexically_normal();
  if (rel.is_absolute() || rel.has_root_path())
    throw Error("absolute paths are not allowed; give a path relative to the task folder");
  for (const fs::path& part : rel) {
    // After normalisation a ".." can only remain at the front, climbing out.
    if (part == "..") throw Error("path leaves the task folder");
    if (part.native().size() > kMaxNameLength)
      throw Error("a file or folder name in the path is too long (limit " +
                  std::to_string(kMaxNameLength) + " characters)");
  }
  // Walk the existing part of the path, following symlinks as the OS would
  // and checking every place they lead; the rest is appended lexically.
  fs::path current = root;
  bool on_disk = true;
  for (const fs::path& part : rel) {
    if (part.empty() || part == ".") continue;
    current /= part;
    if (!on_disk) continue;
    std::error_code ec;
    fs::file_status st = fs::symlink_status(current, ec);
    if (ec || !fs::exists(st)) {
      on_disk = false;
      continue;
    }
    if (fs::is_symlink(st)) {
      fs::path target = fs::canonical(current, ec);
      if (ec) throw Error("path goes through a broken or looping symlink");
      if (!within(root, target)) throw Error("path leaves the task folder (through a symlink)");
      current = target;
    }
  }
  if (!within(root, current)) throw Error("path leaves the task folder");
  return current;
}

std::string shown_path(const fs::path& root, const fs::path& path) {
  std::string shown = path.lexically_relative(root).generic_string();
  return shown.empty() ? "." : shown;
}

std::string read_bounded(const fs::path& root, const fs::path& path) {
  std::string shown = shown_path(root, path);
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) throw Error("no such file: " + shown);
  if (fs::is_directory(st)) throw Error(shown + " is a folder, not a file (list_files shows its content)");
  // Devices and FIFOs could block or never end.
  if (!fs::is_regular_file(st)) throw Error(shown + " is not a regular file");
  std::uintmax_t size = fs::file_size(path, ec);
  if (ec) throw Error("cannot read " + shown);
  if (size > kMaxFileBytes)
    throw Error(shown + " is too large to read (" + std::to_string(size) + " bytes; limit " +
                std::to_string(kMaxFileBytes) + ")");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + shown);
  std::string content;
  content.resize(static_cast<std::size_t>(size));
  in.read(content.data(), static_cast<std::streamsize>(size));
  content.resize(static_cast<std::size_t>(in.gcount()));
  return content;
}

void write_whole(const fs::path& root, const fs::path& path, std::string_view content) {
  std::string shown = shown_path(root, path);
  if (path == root) throw Error("the path names the task folder itself, not a file");
  if (content.size() > kMaxFileBytes)
    throw Error("content too large (" + std::to_string(content.size()) + " bytes; limit " +
                std::to_string(kMaxFileBytes) + ")");
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw Error(shown + " is a folder, not a file");
  fs::create_directories(path.parent_path(), ec);
  if (ec) throw Error("cannot create the folder for " + shown + " (is a part of the path a file?)");
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out) throw Error("cannot write " + shown);
}

}  // namespace edgelm::eval::agent::detail
