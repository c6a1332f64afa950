// Reference syntax and the choice of one .gguf among a repository's files.
#include <algorithm>
#include <system_error>

#include "edgelm/error.h"
#include "hub/hub.h"

namespace edgelm::hub {
namespace {

char upper(char c) { return (c >= 'a' && c <= 'z') ? char(c - 'a' + 'A') : c; }
bool is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

bool ends_with_nocase(std::string_view text, std::string_view suffix) {
  if (text.size() < suffix.size()) return false;
  for (size_t i = 0; i < suffix.size(); ++i)
    if (upper(text[text.size() - suffix.size() + i]) != upper(suffix[i])) return false;
  return true;
}

std::string upper_copy(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = upper(c);
  return out;
}

// The hub's rule for owner and repository names: letters, digits, - _ .,
// at most 96 characters, no leading or trailing - or ., no "--" or "..".
// (The ban on "--" also keeps the cache folder <owner>--<repo> unambiguous.)
bool valid_repo_name(std::string_view name) {
  if (name.empty() || name.size() > 96) return false;
  for (char c : name)
    if (!is_alnum(c) && c != '-' && c != '_' && c != '.') return false;
  if (name.front() == '-' || name.front() == '.' || name.back() == '-' || name.back() == '.') return false;
  return name.find("--") == std::string_view::npos && name.find("..") == std::string_view::npos;
}

bool valid_quant(std::string_view quant) {
  if (quant.empty() || quant.size() > 32) return false;
  return std::all_of(quant.begin(), quant.end(), [](char c) { return is_alnum(c) || c == '_' || c == '-' || c == '.'; });
}

// One folder or file name of a path inside a repository.
bool valid_segment(std::string_view segment) {
  if (segment.empty() || segment == "." || segment == ".." || segment.size() > 255) return false;
  return std::none_of(segment.begin(), segment.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7F || c == '\\';
  });
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t end = text.find(sep, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

bool looks_local(std::string_view text) {
  if (text.empty() || text[0] == '/' || text[0] == '~' || text == "." || text == "..") return true;
  if (text.substr(0, 2) == "./" || text.substr(0, 3) == "../") return true;
  if (text.find('\\') != std::string_view::npos) return true;  // a Windows path
  std::error_code ec;
  return std::filesystem::exists(std::filesystem::path(std::string(text)), ec);
}

bool is_mmproj(std::string_view path) {
  std::string name = upper_copy(path.substr(path.rfind('/') + 1));
  return name.find("MMPROJ") != std::string::npos;
}

// `tag` occurs in `path` with no letter or digit right before it and no
// letter, digit or '_' right after it: Q4_K matches "-Q4_K.gguf" but neither
// "Q4_K_M" nor "IQ4_K".
bool has_tag(std::string_view path, std::string_view tag) {
  std::string hay = upper_copy(path), needle = upper_copy(tag);
  for (size_t pos = hay.find(needle); pos != std::string::npos; pos = hay.find(needle, pos + 1)) {
    size_t after = pos + needle.size();
    bool left = pos == 0 || !is_alnum(hay[pos - 1]);
    bool right = after == hay.size() || (!is_alnum(hay[after]) && hay[after] != '_');
    if (left && right) return true;
  }
  return false;
}

// "-00001-of-00003.gguf": one part of a split model.
bool is_split_part(std::string_view path) {
  std::string name = upper_copy(path);
  size_t of = name.rfind("-OF-");
  return of != std::string::npos && of >= 6 && name[of - 6] == '-' && ends_with_nocase(name, ".GGUF") &&
         std::all_of(name.begin() + long(of) - 5, name.begin() + long(of), [](char c) { return c >= '0' && c <= '9'; });
}

std::string list_names(const std::vector<const RepoFile*>& files) {
  constexpr size_t kShown = 20;
  std::string out;
  for (size_t i = 0; i < files.size() && i < kShown; ++i) out += (i ? ", " : "") + files[i]->path;
  if (files.size() > kShown) out += ", ... (" + std::to_string(files.size() - kShown) + " more)";
  return out.empty() ? "(none)" : out;
}

const RepoFile& exactly_one(const std::vector<const RepoFile*>& matches, const Reference& ref,
                            const std::string& quant) {
  if (matches.size() == 1) return *matches[0];
  bool split = std::all_of(matches.begin(), matches.end(), [](const RepoFile* f) { return is_split_part(f->path); });
  if (split)
    throw Error(ref.owner + "/" + ref.repo + ":" + quant + " is split into " + std::to_string(matches.size()) +
                " parts (" + list_names(matches) + "); edgelm loads single-file GGUF models only");
  throw Error("quant " + quant + " is ambiguous in " + ref.owner + "/" + ref.repo + ": " + list_names(matches) +
              "; name the file as " + ref.owner + "/" + ref.repo + "/FILE.gguf");
}

}  // namespace

std::string Reference::to_string() const {
  std::string out = owner + "/" + repo;
  if (!file.empty()) return out + "/" + file;
  return quant.empty() ? out : out + ":" + quant;
}

std::optional<Reference> parse_reference(std::string_view text) {
  bool hf = text.substr(0, 5) == "hf://";
  if (hf) {
    text.remove_prefix(5);
  } else if (looks_local(text)) {
    return std::nullopt;
  }
  auto fail = [&](const std::string& why) -> std::optional<Reference> {
    if (!hf) return std::nullopt;
    throw Error("bad reference 'hf://" + std::string(text) + "': " + why +
                " (expected hf://OWNER/REPO[:QUANT] or hf://OWNER/REPO/FILE.gguf)");
  };

  std::vector<std::string_view> parts = split(text, '/');
  if (parts.size() < 2) return fail("no OWNER/REPO");
  Reference ref;
  ref.owner = std::string(parts[0]);
  std::string_view repo = parts[1];
  if (parts.size() == 2) {
    size_t colon = repo.find(':');
    if (colon != std::string_view::npos) {
      std::string_view quant = repo.substr(colon + 1);
      if (!valid_quant(quant)) return fail("bad quant '" + std::string(quant) + "'");
      ref.quant = upper_copy(quant);
      repo = repo.substr(0, colon);
    } else if (ends_with_nocase(repo, ".gguf")) {
      return fail("a file name needs OWNER/REPO/ in front");  // dir/model.gguf is a local path
    }
  } else {
    for (size_t i = 2; i < parts.size(); ++i) {
      if (!valid_segment(parts[i])) return fail("bad file path");
      ref.file += (i > 2 ? "/" : "") + std::string(parts[i]);
    }
    if (!ends_with_nocase(ref.file, ".gguf")) return fail("the file must be a .gguf");
  }
  ref.repo = std::string(repo);
  if (!valid_repo_name(ref.owner) || !valid_repo_name(ref.repo)) return fail("bad owner or repository name");
  return ref;
}

const RepoFile& select_file(const std::vector<RepoFile>& files, const Reference& ref) {
  std::string name = ref.owner + "/" + ref.repo;
  std::vector<const RepoFile*> ggufs;
  for (const RepoFile& f : files)
    if (ends_with_nocase(f.path, ".gguf") && !is_mmproj(f.path)) ggufs.push_back(&f);

  if (!ref.file.empty()) {
    for (const RepoFile& f : files)
      if (f.path == ref.file) return f;
    throw Error("file " + ref.file + " not found in " + name + "; its .gguf files: " + list_names(ggufs));
  }
  std::string quant = ref.quant.empty() ? "Q4_K_M" : ref.quant;
  std::vector<const RepoFile*> matches;
  for (const RepoFile* f : ggufs)
    if (has_tag(f->path, quant)) matches.push_back(f);
  if (!matches.empty()) return exactly_one(matches, ref, quant);

  if (ggufs.empty()) throw Error(name + " has no .gguf files");
  if (!ref.quant.empty())
    throw Error(name + " has no .gguf file for quant " + quant + "; candidates: " + list_names(ggufs));
  if (ggufs.size() == 1) return *ggufs[0];
  throw Error(name + " has several .gguf files and none is Q4_K_M: " + list_names(ggufs) + "; pick one with " +
              name + ":QUANT or " + name + "/FILE.gguf");
}

}  // namespace edgelm::hub
