// edgelm pull against an in-process stand-in for the hub (listing, resolve
// with a redirect) and its CDN (a second port, Range support), both on
// 127.0.0.1.
#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/evp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <random>
#include <nlohmann/json.hpp>
#include <thread>

#include "edgelm/error.h"
#include "hub/http.h"
#include "hub/hub.h"

namespace fs = std::filesystem;
using namespace edgelm::hub;
using nlohmann::json;

namespace {

std::string hex_digest(const EVP_MD* md, const std::string& prefix, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned size = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, md, nullptr);
  EVP_DigestUpdate(ctx, prefix.data(), prefix.size());
  EVP_DigestUpdate(ctx, data.data(), data.size());
  EVP_DigestFinal_ex(ctx, out, &size);
  EVP_MD_CTX_free(ctx);
  std::string hex;
  for (unsigned i = 0; i < size; ++i) {
    char pair[3];
    std::snprintf(pair, sizeof pair, "%02x", out[i]);
    hex += pair;
  }
  return hex;
}

std::string sha256(const std::string& data) { return hex_digest(EVP_sha256(), "", data); }
std::string git_blob_sha1(const std::string& data) {
  return hex_digest(EVP_sha1(), std::string("blob " + std::to_string(data.size())) + '\0', data);
}

std::string random_bytes(size_t size, unsigned seed) {
  std::mt19937 rng(seed);
  std::string data(size, '\0');
  for (char& c : data) c = static_cast<char>(rng() & 0xFF);
  return data;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const fs::path& path, const std::string& data) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << data;
}

// One request as a server saw it.
struct Hit {
  std::string server;  // "hub" or "cdn"
  std::string target;  // raw path and query
  std::string range;
  std::string authorization;
};

// What the fake hub serves; tests change it between pulls.
struct Config {
  std::map<std::string, std::string> files;       // path -> content
  std::map<std::string, std::string> sha256;      // path -> listed oid, when not the true one
  bool lfs = true;                                // list files with an "lfs" object
  std::string listing_body;                       // replaces the generated listing
  size_t listing_filler = 0;                      // > 0: a listing of that many spaces
  size_t page_size = 0;                           // > 0: paginate with Link headers
  bool endless_pages = false;                     // every page links to itself
  int listing_status = 200, resolve_status = 0;   // error answers (0: none)
  std::string error_code;                         // X-Error-Code with them
  bool redirect_loop = false;
  size_t cut_after = 0;                           // first plain CDN answers stop after this many bytes
  int cuts = 0;                                   // how many answers to cut
  bool ignore_range = false;
  bool corrupt = false;                           // flip one byte of what the CDN serves
};

class FakeHub {
 public:
  FakeHub() {
    hub_.Get(R"(/api/models/([^/]+)/([^/]+)/tree/main)", [this](const httplib::Request& q, httplib::Response& r) {
      log("hub", q);
      listing(q, r);
    });
    hub_.Get(R"(/([^/]+)/([^/]+)/resolve/main/(.+))", [this](const httplib::Request& q, httplib::Response& r) {
      log("hub", q);
      Config c = config();
      if (c.redirect_loop) return r.set_redirect(q.target, 302);
      if (c.resolve_status) {
        r.status = c.resolve_status;
        if (!c.error_code.empty()) r.set_header("X-Error-Code", c.error_code);
        return;
      }
      // A signed URL with the escapes the hub's CDN links carry.
      r.set_redirect("http://127.0.0.1:" + std::to_string(cdn_port_) + "/blobs/" + q.matches[3].str() +
                         "?sig=a%2Fb%3D&cd=inline%3B+filename%3D%22m.gguf%22",
                     302);
    });
    cdn_.Get(R"(/blobs/(.+))", [this](const httplib::Request& q, httplib::Response& r) {
      log("cdn", q);
      blob(q, r);
    });
    hub_port_ = start(hub_, hub_thread_);
    cdn_port_ = start(cdn_, cdn_thread_);
  }
  ~FakeHub() {
    stop();
  }
  void stop() {
    hub_.stop();
    cdn_.stop();
    if (hub_thread_.joinable()) hub_thread_.join();
    if (cdn_thread_.joinable()) cdn_thread_.join();
  }

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(hub_port_); }
  template <class F>
  void configure(F change) {
    std::lock_guard<std::mutex> lock(mutex_);
    change(config_);
  }
  std::vector<Hit> hits() {
    std::lock_guard<std::mutex> lock(mutex_);
    return hits_;
  }
  std::vector<Hit> hits_of(const std::string& server) {
    std::vector<Hit> out;
    for (const Hit& h : hits())
      if (h.server == server) out.push_back(h);
    return out;
  }

 private:
  static int start(httplib::Server& server, std::thread& thread) {
    int port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([&server] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return port;
  }

  Config config() {
    std::lock_guard<std::mutex> lock(mutex_);
    return config_;
  }

  void log(const std::string& server, const httplib::Request& q) {
    std::lock_guard<std::mutex> lock(mutex_);
    hits_.push_back(
        {server, q.target, q.get_header_value("Range"), q.get_header_value("Authorization")});
  }

  void listing(const httplib::Request& q, httplib::Response& r) {
    Config c = config();
    if (c.listing_status != 200) {
      r.status = c.listing_status;
      if (!c.error_code.empty()) r.set_header("X-Error-Code", c.error_code);
      r.set_content(R"({"error":"Repository Not Found"})", "application/json");
      return;
    }
    if (c.listing_filler > 0) {
      size_t total = c.listing_filler;
      r.set_content_provider(total, "application/json", [total](size_t offset, size_t, httplib::DataSink& sink) {
        std::string chunk(std::min<size_t>(65536, total - offset), ' ');
        return sink.write(chunk.data(), chunk.size());
      });
      return;
    }
    if (!c.listing_body.empty()) return r.set_content(c.listing_body, "application/json");
    if (c.endless_pages) {
      r.set_header("Link", "<" + endpoint() + q.target + ">; rel=\"next\"");
      return r.set_content("[]", "application/json");
    }
    json entries = json::array({{{"type", "directory"}, {"path", "sub"}, {"oid", std::string(40, 'd')}, {"size", 0}}});
    for (const auto& [path, content] : c.files) {
      json entry = {{"type", "file"}, {"path", path}, {"size", content.size()}};
      if (c.lfs) {
        std::string oid = c.sha256.count(path) ? c.sha256.at(path) : sha256(content);
        entry["oid"] = std::string(40, 'a');  // the pointer file's blob id
        entry["lfs"] = {{"oid", oid}, {"size", content.size()}, {"pointerSize", 134}};
      } else {
        entry["oid"] = c.sha256.count(path) ? c.sha256.at(path) : git_blob_sha1(content);
      }
      entries.push_back(entry);
    }
    if (c.page_size == 0) return r.set_content(entries.dump(), "application/json");
    size_t first = q.has_param("cursor") ? std::stoul(q.get_param_value("cursor")) : 0;
    json page = json::array();
    for (size_t i = first; i < entries.size() && i < first + c.page_size; ++i) page.push_back(entries[i]);
    if (first + c.page_size < entries.size())
      r.set_header("Link", "<" + endpoint() + "/api/models/o/r/tree/main?recursive=true&cursor=" +
                               std::to_string(first + c.page_size) + ">; rel=\"next\"");
    r.set_content(page.dump(), "application/json");
  }

  void blob(const httplib::Request& q, httplib::Response& r) {
    size_t cut = 0;
    Config c;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      c = config_;
      if (config_.cuts > 0 && !q.has_header("Range")) {
        --config_.cuts;
        cut = config_.cut_after;
      }
    }
    auto it = c.files.find(q.matches[1].str());
    if (it == c.files.end()) {
      r.status = 404;
      return;
    }
    auto data = std::make_shared<std::string>(it->second);
    if (c.corrupt) (*data)[data->size() / 2] ^= 0x01;
    size_t start = 0;
    std::string range = q.get_header_value("Range");
    if (!range.empty() && !c.ignore_range) {
      start = std::stoul(range.substr(range.find('=') + 1));
      if (start >= data->size()) {
        r.status = 416;
        return;
      }
      r.status = 206;
      r.set_header("Content-Range", "bytes " + std::to_string(start) + "-" + std::to_string(data->size() - 1) +
                                        "/" + std::to_string(data->size()));
    } else {
      r.status = 200;
    }
    if (!range.empty()) {
      // httplib would cut a sized answer to the Range by itself; a chunked
      // one goes out as written.
      r.set_chunked_content_provider("application/octet-stream",
                                     [data, start](size_t offset, httplib::DataSink& sink) {
                                       size_t at = start + offset;
                                       if (at >= data->size()) {
                                         sink.done();
                                         return true;
                                       }
                                       size_t n = std::min<size_t>(16384, data->size() - at);
                                       return sink.write(data->data() + at, n);
                                     });
      return;
    }
    size_t limit = cut ? cut : data->size();
    r.set_content_provider(data->size(), "application/octet-stream",
                           [data, limit](size_t offset, size_t length, httplib::DataSink& sink) {
                             if (offset >= limit) return false;  // hang up mid-file
                             size_t n = std::min({length, limit - offset, size_t{16384}});
                             return sink.write(data->data() + offset, n);
                           });
  }

  httplib::Server hub_, cdn_;
  std::thread hub_thread_, cdn_thread_;
  int hub_port_ = 0, cdn_port_ = 0;
  std::mutex mutex_;
  Config config_;
  std::vector<Hit> hits_;
};

class HubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("edgelm-hub-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  HubOptions options() {
    HubOptions o;
    o.endpoint = hub_.endpoint();
    o.cache_dir = dir_ / "cache";
    o.attempts = 1;
    o.retry_delay = std::chrono::milliseconds(0);
    o.timeout_s = 10;
    return o;
  }
  fs::path cached(const std::string& file) { return dir_ / "cache" / "o--r" / file; }
  static Reference ref(const std::string& text) { return *parse_reference(text); }

  std::string pull_error(const std::string& text, const HubOptions& o) {
    try {
      pull(ref(text), o);
    } catch (const edgelm::Error& e) {
      return e.what();
    }
    ADD_FAILURE() << "pull of " << text << " did not throw";
    return "";
  }

  fs::path dir_;
  FakeHub hub_;
  const std::string model_ = random_bytes(300 * 1024, 1);
  const std::string other_ = random_bytes(200 * 1024, 2);
};

RepoFile gguf(const std::string& path) { return RepoFile{path, 1, std::string(64, '0'), std::string(40, '0')}; }

std::string select_error(const std::vector<RepoFile>& files, const std::string& text) {
  try {
    select_file(files, *parse_reference(text));
  } catch (const edgelm::Error& e) {
    return e.what();
  }
  ADD_FAILURE() << text << " selected a file";
  return "";
}

}  // namespace

TEST(Reference, ParsesRepositoriesQuantsAndFiles) {
  auto r = parse_reference("unsloth/Qwen3-0.6B-GGUF:q8_0");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->owner, "unsloth");
  EXPECT_EQ(r->repo, "Qwen3-0.6B-GGUF");
  EXPECT_EQ(r->quant, "Q8_0");
  EXPECT_EQ(r->file, "");
  EXPECT_EQ(r->to_string(), "unsloth/Qwen3-0.6B-GGUF:Q8_0");

  r = parse_reference("hf://owner/repo/sub/dir/model-Q4_K_M.gguf");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->repo, "repo");
  EXPECT_EQ(r->file, "sub/dir/model-Q4_K_M.gguf");
  EXPECT_EQ(r->quant, "");

  r = parse_reference("owner/repo");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->quant, "");
  EXPECT_EQ(r->file, "");
}

TEST(Reference, LeavesLocalPathsAlone) {
  for (const char* local : {"/models/a.gguf", "./a/b", "../a/b", "~/a/b", "model.gguf", "models/model.gguf", "",
                            "a", "dir\\x/y", "owner/repo/notes.txt", "a--b/c", "-a/b", "a/b:", "a/b:Q4 K"})
    EXPECT_FALSE(parse_reference(local)) << local;

  // A relative path that exists is a file, even in OWNER/REPO shape.
  fs::path dir = fs::temp_directory_path() / ("edgelm-hub-ref-" + std::to_string(::getpid()));
  write_file(dir / "owner" / "repo", "x");
  fs::path cwd = fs::current_path();
  fs::current_path(dir);
  bool local = !parse_reference("owner/repo");
  bool other = parse_reference("owner/repo2").has_value();
  fs::current_path(cwd);
  fs::remove_all(dir);
  EXPECT_TRUE(local);
  EXPECT_TRUE(other);
}

TEST(Reference, BadHfReferencesThrow) {
  for (const char* bad : {"hf://owner", "hf://owner/repo/file.bin", "hf://a..b/c", "hf://o/r/../x.gguf",
                          "hf://o/r:", "hf://o/model.gguf", "hf:///r"})
    EXPECT_THROW(parse_reference(bad), edgelm::Error) << bad;
}

TEST(SelectFile, QuantRules) {
  std::vector<RepoFile> files = {gguf("M-Q4_K_S.gguf"), gguf("M-Q4_K_M.gguf"), gguf("M-Q8_0.gguf"),
                                 gguf("M-IQ4_XS.gguf"), gguf("mmproj-M-Q8_0.gguf"), gguf("README.md")};
  EXPECT_EQ(select_file(files, *parse_reference("o/r")).path, "M-Q4_K_M.gguf");
  EXPECT_EQ(select_file(files, *parse_reference("o/r:q8_0")).path, "M-Q8_0.gguf");  // mmproj left out
  EXPECT_EQ(select_file(files, *parse_reference("o/r:Q4_K_S")).path, "M-Q4_K_S.gguf");
  EXPECT_EQ(select_file(files, *parse_reference("o/r:IQ4_XS")).path, "M-IQ4_XS.gguf");
  EXPECT_EQ(select_file(files, *parse_reference("o/r/mmproj-M-Q8_0.gguf")).path, "mmproj-M-Q8_0.gguf");

  // Q4_K is a prefix of Q4_K_S and Q4_K_M, XS a part of IQ4_XS: no match.
  std::string e = select_error(files, "o/r:Q4_K");
  EXPECT_NE(e.find("no .gguf file for quant Q4_K"), std::string::npos) << e;
  EXPECT_NE(e.find("M-Q4_K_S.gguf, M-Q4_K_M.gguf, M-Q8_0.gguf, M-IQ4_XS.gguf"), std::string::npos) << e;
  EXPECT_EQ(e.find("mmproj"), std::string::npos) << e;
  e = select_error(files, "o/r/M-F16.gguf");
  EXPECT_NE(e.find("file M-F16.gguf not found in o/r"), std::string::npos) << e;
}

TEST(SelectFile, DefaultsAmbiguityAndSplits) {
  EXPECT_EQ(select_file({gguf("only-F16.gguf"), gguf("mmproj-F16.gguf")}, *parse_reference("o/r")).path,
            "only-F16.gguf");
  std::string e = select_error({gguf("a-Q8_0.gguf"), gguf("a-F16.gguf")}, "o/r");
  EXPECT_NE(e.find("none is Q4_K_M: a-Q8_0.gguf, a-F16.gguf"), std::string::npos) << e;
  e = select_error({gguf("v1/a-Q8_0.gguf"), gguf("v2/a-Q8_0.gguf")}, "o/r:Q8_0");
  EXPECT_NE(e.find("ambiguous"), std::string::npos) << e;
  EXPECT_NE(e.find("v1/a-Q8_0.gguf, v2/a-Q8_0.gguf"), std::string::npos) << e;
  e = select_error({gguf("Q4_K_M/a-Q4_K_M-00001-of-00002.gguf"), gguf("Q4_K_M/a-Q4_K_M-00002-of-00002.gguf")},
                   "o/r");
  EXPECT_NE(e.find("split into 2 parts"), std::string::npos) << e;
  e = select_error({gguf("config.json")}, "o/r");
  EXPECT_NE(e.find("no .gguf files"), std::string::npos) << e;
}

TEST(Http, UrlsAndLocations) {
  http::Url u = http::parse_url("HTTPS://Example.COM/a/b?x=%2B");
  EXPECT_EQ(u.origin(), "https://example.com:443");
  EXPECT_EQ(u.target, "/a/b?x=%2B");
  u = http::parse_url("http://[::1]:8080");
  EXPECT_EQ(u.origin(), "http://[::1]:8080");
  EXPECT_EQ(u.target, "/");
  EXPECT_EQ(http::resolve_location(u, "//cdn.example/x?s=1").str(), "http://cdn.example:80/x?s=1");
  EXPECT_EQ(http::resolve_location(http::parse_url("http://h/a/b?q"), "c d").str(), "http://h:80/a/c%20d");
  EXPECT_EQ(http::resolve_location(http::parse_url("http://h/a/b"), "/z").str(), "http://h:80/z");
  for (const char* bad : {"ftp://h/", "http://", "http://h:0/", "http://h:99999/", "http://u@h/", "http://h/a\r\nX: y"})
    EXPECT_THROW(http::parse_url(bad), edgelm::Error) << bad;
  EXPECT_EQ(http::next_link(R"(<http://h/p?cursor=a,b>; rel="prev", <http://h/n>; rel="next")"), "http://h/n");
  EXPECT_EQ(http::next_link(R"(<http://h/p>; rel="prev")"), "");
  EXPECT_EQ(http::encode_path("dir/a b+c.gguf"), "dir/a%20b%2Bc.gguf");
}

TEST_F(HubTest, DownloadsVerifiesAndStoresTheFile) {
  hub_.configure([&](Config& c) { c.files = {{"M-Q4_K_M.gguf", model_}, {"M-Q8_0.gguf", other_}}; });
  HubOptions o = options();
  std::vector<std::pair<uint64_t, uint64_t>> progress;
  o.progress = [&](uint64_t done, uint64_t total) { progress.emplace_back(done, total); };
  fs::path path = pull(ref("o/r"), o);

  EXPECT_EQ(path, cached("M-Q4_K_M.gguf"));
  EXPECT_EQ(read_file(path), model_);
  EXPECT_EQ(read_file(cached("M-Q4_K_M.gguf.sha256")), sha256(model_) + "\n");
  EXPECT_FALSE(fs::exists(cached("M-Q4_K_M.gguf.part")));
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back(), std::make_pair(uint64_t(model_.size()), uint64_t(model_.size())));
  for (size_t i = 1; i < progress.size(); ++i) EXPECT_LE(progress[i - 1].first, progress[i].first);

  std::vector<Hit> hub = hub_.hits_of("hub"), cdn = hub_.hits_of("cdn");
  ASSERT_EQ(hub.size(), 2u);
  EXPECT_EQ(hub[0].target, "/api/models/o/r/tree/main?recursive=true");
  EXPECT_EQ(hub[1].target, "/o/r/resolve/main/M-Q4_K_M.gguf");
  ASSERT_EQ(cdn.size(), 1u);
  // cpp-httplib 0.11 hands the Location over percent-decoded; what can't
  // travel raw is encoded again, giving an equivalent query (see
  // resolve_location).
  EXPECT_EQ(cdn[0].target, "/blobs/M-Q4_K_M.gguf?sig=a/b=&cd=inline;+filename=%22m.gguf%22");
  EXPECT_EQ(cdn[0].range, "");
}

TEST_F(HubTest, PicksTheQuantAskedFor) {
  hub_.configure([&](Config& c) {
    c.files = {{"M-Q4_K_M.gguf", model_}, {"M-Q8_0.gguf", other_}, {"mmproj-M-Q8_0.gguf", "x"}};
  });
  EXPECT_EQ(read_file(pull(ref("o/r:q8_0"), options())), other_);
  EXPECT_EQ(read_file(pull(ref("o/r"), options())), model_);
  std::string e = pull_error("o/r:Q5_K_M", options());
  EXPECT_NE(e.find("no .gguf file for quant Q5_K_M; candidates: M-Q4_K_M.gguf, M-Q8_0.gguf"), std::string::npos)
      << e;
  hub_.configure([&](Config& c) { c.files = {{"a/M-Q8_0.gguf", model_}, {"b/M-Q8_0.gguf", other_}}; });
  e = pull_error("o/r:Q8_0", options());
  EXPECT_NE(e.find("ambiguous in o/r: a/M-Q8_0.gguf, b/M-Q8_0.gguf"), std::string::npos) << e;
  EXPECT_EQ(read_file(pull(ref("o/r/b/M-Q8_0.gguf"), options())), other_);
}

TEST_F(HubTest, ResumesAnInterruptedDownloadWithARange) {
  hub_.configure([&](Config& c) {
    c.files = {{"M-Q4_K_M.gguf", model_}};
    c.cut_after = 100000;
    c.cuts = 1;
  });
  // One attempt: the pull fails and keeps what arrived.
  std::string e = pull_error("o/r", options());
  EXPECT_NE(e.find("broke off"), std::string::npos) << e;
  EXPECT_NE(e.find("running it again resumes"), std::string::npos) << e;
  EXPECT_EQ(fs::file_size(cached("M-Q4_K_M.gguf.part")), 100000u);
  EXPECT_FALSE(fs::exists(cached("M-Q4_K_M.gguf")));

  fs::path path = pull(ref("o/r"), options());
  std::vector<Hit> cdn = hub_.hits_of("cdn");
  ASSERT_EQ(cdn.size(), 2u);
  EXPECT_EQ(cdn[0].range, "");
  EXPECT_EQ(cdn[1].range, "bytes=100000-");
  EXPECT_EQ(read_file(path), model_);
  EXPECT_EQ(read_file(cached("M-Q4_K_M.gguf.sha256")), sha256(model_) + "\n");
}

TEST_F(HubTest, RetriesWithinOnePull) {
  hub_.configure([&](Config& c) {
    c.files = {{"M-Q4_K_M.gguf", model_}};
    c.cut_after = 70000;
    c.cuts = 1;
  });
  HubOptions o = options();
  o.attempts = 3;
  std::vector<std::string> messages;
  o.message = [&](const std::string& line) { messages.push_back(line); };
  EXPECT_EQ(read_file(pull(ref("o/r"), o)), model_);
  std::vector<Hit> cdn = hub_.hits_of("cdn");
  ASSERT_EQ(cdn.size(), 2u);
  EXPECT_EQ(cdn[1].range, "bytes=70000-");
  bool retried = false;
  for (const std::string& m : messages) retried |= m.find("trying again (2 of 3)") != std::string::npos;
  EXPECT_TRUE(retried);
}

TEST_F(HubTest, StartsOverWhenTheServerIgnoresRange) {
  hub_.configure([&](Config& c) {
    c.files = {{"M-Q4_K_M.gguf", model_}};
    c.ignore_range = true;
  });
  write_file(cached("M-Q4_K_M.gguf.part"), random_bytes(50000, 9));  // not the file's first bytes
  fs::path path = pull(ref("o/r"), options());
  std::vector<Hit> cdn = hub_.hits_of("cdn");
  ASSERT_EQ(cdn.size(), 1u);
  EXPECT_EQ(cdn[0].range, "bytes=50000-");
  EXPECT_EQ(read_file(path), model_);
}

TEST_F(HubTest, CorruptDownloadIsDeletedAndNamed) {
  hub_.configure([&](Config& c) {
    c.files = {{"M-Q4_K_M.gguf", model_}};
    c.corrupt = true;
  });
  std::string corrupt = model_;
  corrupt[corrupt.size() / 2] ^= 0x01;
  std::string e = pull_error("o/r", options());
  EXPECT_NE(e.find("hash mismatch"), std::string::npos) << e;
  EXPECT_NE(e.find(sha256(model_)), std::string::npos) << e;
  EXPECT_NE(e.find(sha256(corrupt)), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(cached("M-Q4_K_M.gguf")));
  EXPECT_FALSE(fs::exists(cached("M-Q4_K_M.gguf.part")));
  EXPECT_FALSE(fs::exists(cached("M-Q4_K_M.gguf.sha256")));
}

TEST_F(HubTest, NonLfsFilesAreCheckedByTheirGitBlobId) {
  hub_.configure([&](Config& c) {
    c.files = {{"tiny.gguf", other_}};
    c.lfs = false;
  });
  EXPECT_EQ(read_file(pull(ref("o/r"), options())), other_);
  hub_.configure([&](Config& c) {
    c.files = {{"tiny2.gguf", other_}};
    c.sha256["tiny2.gguf"] = std::string(40, 'b');
  });
  std::string e = pull_error("o/r", options());
  EXPECT_NE(e.find("lists " + std::string(40, 'b') + ", the download has " + git_blob_sha1(other_)),
            std::string::npos)
      << e;
}

TEST_F(HubTest, NotFoundMessages) {
  hub_.configure([&](Config& c) {
    c.listing_status = 404;
    c.error_code = "RepoNotFound";
  });
  std::string e = pull_error("o/r", options());
  EXPECT_NE(e.find("repository o/r not found on " + hub_.endpoint() + " (HTTP 404)"), std::string::npos) << e;
  EXPECT_NE(e.find("server: Repository Not Found"), std::string::npos) << e;

  hub_.configure([&](Config& c) {
    c.listing_status = 200;
    c.files = {{"M-Q4_K_M.gguf", model_}};
    c.resolve_status = 404;
    c.error_code = "EntryNotFound";
  });
  e = pull_error("o/r", options());
  EXPECT_NE(e.find("file M-Q4_K_M.gguf in o/r not found"), std::string::npos) << e;
  e = pull_error("o/r/missing.gguf", options());
  EXPECT_NE(e.find("file missing.gguf not found in o/r; its .gguf files: M-Q4_K_M.gguf"), std::string::npos) << e;
}

TEST_F(HubTest, UnauthorizedMessagesMentionHfToken) {
  hub_.configure([&](Config& c) {
    c.listing_status = 401;
    c.error_code = "RepoNotFound";
  });
  std::string e = pull_error("o/r", options());
  EXPECT_NE(e.find("set HF_TOKEN"), std::string::npos) << e;
  EXPECT_NE(e.find("HTTP 401"), std::string::npos) << e;
  HubOptions o = options();
  o.token = "hf_bad";
  hub_.configure([&](Config& c) { c.error_code = ""; });
  e = pull_error("o/r", o);
  EXPECT_NE(e.find("did not accept HF_TOKEN"), std::string::npos) << e;
  hub_.configure([&](Config& c) {
    c.listing_status = 403;
    c.error_code = "GatedRepo";
  });
  e = pull_error("o/r", options());
  EXPECT_NE(e.find("HTTP 403"), std::string::npos) << e;
  EXPECT_NE(e.find("gated"), std::string::npos) << e;
  EXPECT_NE(e.find("HF_TOKEN"), std::string::npos) << e;
}

TEST_F(HubTest, TokenGoesToTheHubOnlyNotToTheCdn) {
  hub_.configure([&](Config& c) { c.files = {{"M-Q4_K_M.gguf", model_}}; });
  HubOptions o = options();
  o.token = "hf_secret";
  EXPECT_EQ(read_file(pull(ref("o/r"), o)), model_);
  std::vector<Hit> hub = hub_.hits_of("hub"), cdn = hub_.hits_of("cdn");
  ASSERT_EQ(hub.size(), 2u);
  for (const Hit& h : hub) EXPECT_EQ(h.authorization, "Bearer hf_secret") << h.target;
  ASSERT_EQ(cdn.size(), 1u);
  EXPECT_EQ(cdn[0].authorization, "");
}

TEST_F(HubTest, CachedFileIsNotDownloadedAgain) {
  hub_.configure([&](Config& c) { c.files = {{"M-Q4_K_M.gguf", model_}}; });
  fs::path first = pull(ref("o/r"), options());
  size_t hits = hub_.hits().size();
  EXPECT_EQ(pull(ref("o/r"), options()), first);
  EXPECT_EQ(hub_.hits().size(), hits + 1);  // the listing only
  EXPECT_EQ(hub_.hits().back().target, "/api/models/o/r/tree/main?recursive=true");

  // Without its sidecar the file is hashed once more, not downloaded.
  fs::remove(cached("M-Q4_K_M.gguf.sha256"));
  EXPECT_EQ(pull(ref("o/r"), options()), first);
  EXPECT_EQ(hub_.hits_of("cdn").size(), 1u);
  EXPECT_EQ(read_file(cached("M-Q4_K_M.gguf.sha256")), sha256(model_) + "\n");

  // A new version on the hub (another oid) replaces it.
  hub_.configure([&](Config& c) { c.files = {{"M-Q4_K_M.gguf", other_}}; });
  EXPECT_EQ(read_file(pull(ref("o/r"), options())), other_);
  EXPECT_EQ(hub_.hits_of("cdn").size(), 2u);
}

TEST_F(HubTest, FollowsListingPages) {
  hub_.configure([&](Config& c) {
    c.files = {{"a.txt", "x"}, {"b.txt", "y"}, {"M-Q8_0.gguf", model_}};
    c.page_size = 2;
  });
  std::vector<RepoFile> files = list_files(ref("o/r"), options());
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[2].path, "b.txt");
  EXPECT_EQ(read_file(pull(ref("o/r"), options())), model_);
}

TEST_F(HubTest, HostileListings) {
  auto listing_error = [&](auto change) {
    hub_.configure(change);
    return pull_error("o/r", options());
  };
  std::string e = listing_error([](Config& c) { c.listing_filler = (size_t{16} << 20) + 1; });
  EXPECT_NE(e.find("larger than 16.0 MiB"), std::string::npos) << e;
  e = listing_error([](Config& c) {
    c.listing_filler = 0;
    c.listing_body = "[{\"type\": \"file\", ";
  });
  EXPECT_NE(e.find("bad JSON"), std::string::npos) << e;
  e = listing_error([](Config& c) { c.listing_body = std::string(100000, '[') + std::string(100000, ']'); });
  EXPECT_NE(e.find("nested too deeply"), std::string::npos) << e;
  e = listing_error([](Config& c) { c.listing_body = R"({"files": []})"; });
  EXPECT_NE(e.find("not a JSON array"), std::string::npos) << e;
  e = listing_error([](Config& c) {
    c.listing_body = R"([{"type":"file","path":"a.gguf","size":-5,"oid":")" + std::string(40, 'a') + "\"}]";
  });
  EXPECT_NE(e.find("entry 0 has no valid \"size\""), std::string::npos) << e;
  e = listing_error([](Config& c) {
    c.listing_body = R"([{"type":"file","path":"a.gguf","size":5,"oid":")" + std::string(40, 'a') +
                     R"(","lfs":{"oid":"zz","size":5}}])";
  });
  EXPECT_NE(e.find("lfs.oid"), std::string::npos) << e;
  e = listing_error([](Config& c) {
    c.listing_body = R"([{"type":"file","path":"../../evil-Q4_K_M.gguf","size":1,"oid":")" + std::string(40, 'a') +
                     "\"}]";
  });
  EXPECT_NE(e.find("unsafe path"), std::string::npos) << e;
  e = listing_error([](Config& c) {
    c.listing_body.clear();
    c.endless_pages = true;
  });
  EXPECT_NE(e.find("more than 100 pages"), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(dir_ / "evil-Q4_K_M.gguf"));
}

TEST_F(HubTest, RedirectLoopIsAnError) {
  hub_.configure([&](Config& c) {
    c.files = {{"M-Q4_K_M.gguf", model_}};
    c.redirect_loop = true;
  });
  std::string e = pull_error("o/r", options());
  EXPECT_NE(e.find("too many redirects"), std::string::npos) << e;
}

TEST_F(HubTest, NetworkFailureFallsBackToTheCache) {
  hub_.configure([&](Config& c) { c.files = {{"M-Q4_K_M.gguf", model_}, {"M-Q8_0.gguf", other_}}; });
  fs::path path = pull(ref("o/r"), options());
  hub_.stop();
  EXPECT_EQ(pull(ref("o/r"), options()), path);
  EXPECT_EQ(resolve_model("o/r:Q4_K_M", options()), path);
  std::string e = pull_error("o/r:Q8_0", options());  // never pulled
  EXPECT_NE(e.find("cannot connect to " + hub_.endpoint()), std::string::npos) << e;
  e = pull_error("o/other", options());
  EXPECT_NE(e.find("the cache holds no file of o/other"), std::string::npos) << e;
  HubOptions offline = options();
  offline.offline = true;
  EXPECT_EQ(pull(ref("o/r"), offline), path);
}

TEST_F(HubTest, WriteFailureIsAClearError) {
  hub_.configure([&](Config& c) { c.files = {{"M-Q4_K_M.gguf", model_}}; });
  // A file size limit makes write() fail the way a full disk does.
  rlimit saved{};
  getrlimit(RLIMIT_FSIZE, &saved);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = saved;
  small.rlim_cur = 64 * 1024;
  setrlimit(RLIMIT_FSIZE, &small);
  std::string e = pull_error("o/r", options());
  setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_NE(e.find("cannot write " + cached("M-Q4_K_M.gguf.part").string()), std::string::npos) << e;
  EXPECT_FALSE(fs::exists(cached("M-Q4_K_M.gguf")));
}

TEST_F(HubTest, ResolveModelPassesLocalPathsThrough) {
  fs::path local = dir_ / "model.gguf";
  write_file(local, "GGUF");
  EXPECT_EQ(resolve_model(local.string(), options()), local);
  EXPECT_EQ(resolve_model("models/x.gguf", options()), fs::path("models/x.gguf"));
  EXPECT_TRUE(hub_.hits().empty());
  hub_.configure([&](Config& c) { c.files = {{"M-Q4_K_M.gguf", model_}}; });
  EXPECT_EQ(resolve_model("hf://o/r", options()), cached("M-Q4_K_M.gguf"));
}

TEST(HubOptionsFromEnv, CacheFolderPrecedence) {
  const char* names[] = {"EDGELM_CACHE", "XDG_CACHE_HOME", "HOME", "HF_ENDPOINT", "HF_TOKEN", "HF_HUB_OFFLINE"};
  std::map<std::string, std::optional<std::string>> saved;
  for (const char* n : names) saved[n] = std::getenv(n) ? std::optional<std::string>(std::getenv(n)) : std::nullopt;

  setenv("HOME", "/home/u", 1);
  unsetenv("EDGELM_CACHE");
  unsetenv("XDG_CACHE_HOME");
  unsetenv("HF_ENDPOINT");
  unsetenv("HF_TOKEN");
  unsetenv("HF_HUB_OFFLINE");
  HubOptions o = hub_options_from_env();
  EXPECT_EQ(o.cache_dir, fs::path("/home/u/.cache/edgelm"));
  EXPECT_EQ(o.endpoint, "https://huggingface.co");
  EXPECT_EQ(o.token, "");
  EXPECT_FALSE(o.offline);
  setenv("XDG_CACHE_HOME", "relative", 1);  // ignored, as the XDG spec says
  EXPECT_EQ(hub_options_from_env().cache_dir, fs::path("/home/u/.cache/edgelm"));
  setenv("XDG_CACHE_HOME", "/xdg", 1);
  EXPECT_EQ(hub_options_from_env().cache_dir, fs::path("/xdg/edgelm"));
  setenv("EDGELM_CACHE", "/c", 1);
  setenv("HF_ENDPOINT", "http://mirror:8080/", 1);
  setenv("HF_TOKEN", " hf_x\n", 1);
  setenv("HF_HUB_OFFLINE", "1", 1);
  o = hub_options_from_env();
  EXPECT_EQ(o.cache_dir, fs::path("/c"));
  EXPECT_EQ(o.endpoint, "http://mirror:8080");
  EXPECT_EQ(o.token, "hf_x");
  EXPECT_TRUE(o.offline);

  for (const auto& [n, v] : saved) v ? setenv(n.c_str(), v->c_str(), 1) : unsetenv(n.c_str());
}

TEST(Progress, FormatAndThrottle) {
  EXPECT_EQ(format_progress(512 * 1024, 1024 * 1024, 0, 10), " 50% [#####     ] 512.0 KiB / 1.0 MiB");
  EXPECT_EQ(format_progress(3 << 20, 0, 1.0), "3.0 MiB  3.0 MiB/s");

  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  {
    ProgressBar bar("pull", out, false);
    auto update = bar.callback();
    for (uint64_t done = 0; done <= 1000; ++done) update(done, 1000);
    bar.finish();
  }
  std::rewind(out);
  std::vector<std::string> lines;
  char line[256];
  while (std::fgets(line, sizeof line, out)) lines.emplace_back(line);
  std::fclose(out);
  ASSERT_EQ(lines.size(), 11u);  // 0%, 10%, ... 100%
  EXPECT_EQ(lines.front().rfind("pull   0% ", 0), 0u) << lines.front();
  EXPECT_EQ(lines.back().rfind("pull 100% 1000 B / 1000 B", 0), 0u) << lines.back();
}
