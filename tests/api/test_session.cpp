// Session behaviour through the public API on every golden architecture:
// prefix reuse across agent turns, rewinding through snapshots, and saving
// and loading state, each checked against a fresh full computation.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "support.h"
#include "edgelm/edgelm.h"

namespace edgelm {
namespace {

std::string shared(const std::string& rel) { return test::shared_path(rel); }

const char* kModels[] = {"golden/llama/tiny-llama-f32.gguf", "golden/qwen3/tiny-qwen3-f32.gguf",
                         "golden/gemma3/tiny-gemma3-f32.gguf", "golden/gemma4/tiny-gemma4-f32.gguf",
                         "golden/qwen35/tiny-qwen35-f32.gguf"};

std::vector<int32_t> tokens(int n, uint32_t seed, int n_vocab) {
  std::vector<int32_t> out(n);
  for (int i = 0; i < n; ++i) {
    seed = seed * 1664525u + 1013904223u;
    out[i] = static_cast<int32_t>((seed >> 8) % static_cast<uint32_t>(n_vocab));
  }
  return out;
}

std::vector<int32_t> concat(std::initializer_list<std::vector<int32_t>> parts) {
  std::vector<int32_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

SessionOptions options() {
  SessionOptions o;
  o.n_ctx = 256;
  o.n_threads = 2;
  o.n_batch = 16;      // small batches: sliding rings wrap within the test
  o.kv_type = edgelm::KvType::F32;
  return o;
}

// Logits after the last token of `prompt`, computed from scratch.
std::vector<float> fresh_logits(const Model& model, const std::vector<int32_t>& prompt) {
  Session s(model, options());
  auto l = s.prefill(prompt);
  return std::vector<float>(l.begin(), l.end());
}

double max_rel_diff(std::span<const float> a, const std::vector<float>& b) {
  double d = 0, m = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    d = std::max(d, static_cast<double>(std::fabs(a[i] - b[i])));
    m = std::max(m, static_cast<double>(std::fabs(b[i])));
  }
  return d / m;
}

class SessionTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(shared(GetParam()))) GTEST_FAIL() << "reference model missing: " << shared(GetParam());
    model_ = Model::load(shared(GetParam()));
    n_vocab_ = model_->info().n_vocab;
  }
  std::unique_ptr<Model> model_;
  int n_vocab_ = 0;
};

TEST_P(SessionTest, SecondTurnProcessesOnlyNewTokens) {
  const auto p1 = tokens(37, 1, n_vocab_), reply = tokens(9, 2, n_vocab_), m2 = tokens(23, 3, n_vocab_);
  Session s(*model_, options());
  PrefixReuse info;
  s.prefill_cached(p1, &info);
  EXPECT_EQ(info.processed_tokens, 37);
  for (int32_t t : reply) s.decode(t);
  const auto turn2 = concat({p1, reply, m2});
  auto logits = s.prefill_cached(turn2, &info);
  EXPECT_EQ(info.reused_tokens, 46);
  EXPECT_EQ(info.processed_tokens, 23);
  EXPECT_LE(max_rel_diff(logits, fresh_logits(*model_, turn2)), 1e-5);
}

TEST_P(SessionTest, RewritingTheReplyRewindsToTheTurnSnapshot) {
  // Templates may re-render an earlier reply differently (e.g. dropping its
  // reasoning): the session must rewind to where the prompts diverge.
  const auto p1 = tokens(41, 4, n_vocab_), reply = tokens(12, 5, n_vocab_);
  const auto edited = tokens(7, 6, n_vocab_), m2 = tokens(15, 7, n_vocab_);
  Session s(*model_, options());
  s.prefill_cached(p1);
  for (int32_t t : reply) s.decode(t);
  const auto turn2 = concat({p1, edited, m2});
  PrefixReuse info;
  auto logits = s.prefill_cached(turn2, &info);
  EXPECT_EQ(info.reused_tokens, 41);   // the live state or the snapshot at the end of turn 1
  EXPECT_EQ(info.processed_tokens, 22);
  EXPECT_LE(max_rel_diff(logits, fresh_logits(*model_, turn2)), 1e-5);
}

TEST_P(SessionTest, SameLogitsWithoutAnyReuse) {
  const auto prompt = tokens(50, 8, n_vocab_);
  Session s(*model_, options());
  PrefixReuse info;
  s.prefill_cached(tokens(20, 9, n_vocab_));
  auto logits = s.prefill_cached(prompt, &info);
  EXPECT_EQ(info.processed_tokens + info.reused_tokens, 50);
  EXPECT_LE(max_rel_diff(logits, fresh_logits(*model_, prompt)), 1e-5);
}

// ctest runs each model's case as its own process, at the same time: one
// file per process.
std::string scratch_file(const std::string& name) {
  const std::string file = "edgelm_session_test_" + std::to_string(::getpid()) + "_" + name;
  return (std::filesystem::temp_directory_path() / file).string();
}

TEST_P(SessionTest, SaveAndLoadContinueIdentically) {
  const auto p1 = tokens(33, 10, n_vocab_), more = tokens(11, 11, n_vocab_);
  const std::string path = scratch_file("state.bin");
  Session a(*model_, options());
  a.prefill(p1);
  a.save(path);
  Session b(*model_, options());
  b.load(path);
  EXPECT_EQ(b.position(), 33);
  EXPECT_EQ(b.history(), a.history());
  auto la = a.prefill(more);
  std::vector<float> expected(la.begin(), la.end());
  EXPECT_EQ(max_rel_diff(b.prefill(more), expected), 0.0);
  std::filesystem::remove(path);
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::vector<uint8_t> out(std::filesystem::file_size(path));
  FILE* f = std::fopen(path.c_str(), "rb");
  EXPECT_EQ(std::fread(out.data(), 1, out.size(), f), out.size());
  std::fclose(f);
  return out;
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

// Recomputes a state file's checksum trailer (64-bit FNV-1a of the rest), as
// someone crafting a file would.
void reseal(std::vector<uint8_t>& file) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < file.size() - 8; ++i) h = (h ^ file[i]) * 0x100000001b3ull;
  std::memcpy(file.data() + file.size() - 8, &h, 8);
}

// A failed load leaves the session exactly as it was: same position, same
// history, and the next tokens give the same logits as if nothing happened.
// Before, a file cut short overwrote the first layers' caches and then threw.
TEST_P(SessionTest, FailedLoadsChangeNothing) {
  const auto mine = tokens(33, 21, n_vocab_), theirs = tokens(33, 22, n_vocab_), more = tokens(7, 23, n_vocab_);
  const std::string path = scratch_file("theirs.bin"), bad = scratch_file("bad.bin");
  {
    Session other(*model_, options());
    other.prefill(theirs);
    other.save(path);
  }
  const std::vector<uint8_t> good = read_bytes(path);
  const size_t tokens_at = 8 + 4 + 8 + 4 + 8 + 8 + 8;  // magic, version, fingerprint, type, layers, n_past, count
  std::vector<std::pair<std::string, std::vector<uint8_t>>> cases;  // (the error's words, the file)
  cases.push_back({"damaged", std::vector<uint8_t>(good.begin(), good.end() - 100)});
  auto flipped = good;
  flipped[good.size() / 2] ^= 1;
  cases.push_back({"damaged", flipped});
  auto foreign = good;
  const int32_t outside = n_vocab_;
  std::memcpy(foreign.data() + tokens_at + 4 * 5, &outside, 4);
  reseal(foreign);
  cases.push_back({"outside the vocabulary", foreign});
  auto other_model = good;
  other_model[12] ^= 0x40;  // the fingerprint
  reseal(other_model);
  cases.push_back({"different model", other_model});
  auto longer = good;
  longer.insert(longer.end() - 8, {1, 2, 3, 4});
  reseal(longer);
  cases.push_back({"trailing bytes", longer});

  Session s(*model_, options());
  s.prefill(mine);
  for (const auto& [what, bytes] : cases) {
    write_bytes(bad, bytes);
    try {
      s.load(bad);
      ADD_FAILURE() << "loaded: " << what;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
    EXPECT_EQ(s.position(), 33) << what;
    EXPECT_EQ(s.history(), mine) << what;
  }
  Session untouched(*model_, options());
  untouched.prefill(mine);
  auto expected = untouched.prefill(more);
  EXPECT_EQ(max_rel_diff(s.prefill(more), std::vector<float>(expected.begin(), expected.end())), 0.0);
  EXPECT_NE(model_->info().fingerprint, 0u);
  EXPECT_EQ(Model::load(shared(GetParam()))->info().fingerprint, model_->info().fingerprint);
  s.load(path);  // the intact file still loads
  EXPECT_EQ(s.history(), theirs);
  std::filesystem::remove(path);
  std::filesystem::remove(bad);
}

TEST_P(SessionTest, OverflowAndBadStateFilesAreErrors) {
  SessionOptions o = options();
  o.n_ctx = 16;
  Session s(*model_, o);
  EXPECT_THROW(s.prefill(tokens(17, 12, n_vocab_)), Error);
  const std::string path = scratch_file("bad_state.bin");
  { FILE* f = std::fopen(path.c_str(), "wb"); std::fputs("not a state", f); std::fclose(f); }
  EXPECT_THROW(s.load(path), Error);
  std::filesystem::remove(path);
}

// Three conversations at different depths decode together, one forward pass
// per step, and give the logits each would have given decoding alone; the
// sliding rings wrap and the recurrent states advance as if alone.
TEST_P(SessionTest, DecodingTogetherMatchesDecodingAlone) {
  auto model = Model::load(shared(GetParam()));
  const int V = model->info().n_vocab;
  const int lengths[] = {5, 23, 40};
  std::vector<std::unique_ptr<Session>> together, alone;
  std::vector<int32_t> next;
  for (int c = 0; c < 3; ++c) {
    const std::vector<int32_t> prompt = tokens(lengths[c], 100 + c, V);
    together.push_back(std::make_unique<Session>(*model, options()));
    alone.push_back(std::make_unique<Session>(*model, options()));
    together.back()->prefill(prompt);
    alone.back()->prefill(prompt);
  }
  std::vector<Session*> batch = {together[0].get(), together[1].get(), together[2].get()};
  for (int step = 0; step < 24; ++step) {
    const std::vector<int32_t> step_tokens = tokens(3, 900 + step, V);
    const auto logits = decode_together(batch, step_tokens);
    ASSERT_EQ(logits.size(), 3u);
    for (int c = 0; c < 3; ++c) {
      const auto expected = alone[c]->decode(step_tokens[c]);
      ASSERT_LT(max_rel_diff(logits[c], std::vector<float>(expected.begin(), expected.end())), 1e-4)
          << "conversation " << c << " step " << step;
      EXPECT_EQ(together[c]->position(), alone[c]->position());
    }
  }
  EXPECT_EQ(together[1]->history(), alone[1]->history());
  // Misuse is refused.
  EXPECT_THROW(decode_together(std::vector<Session*>{batch[0], batch[0]}, std::vector<int32_t>{1, 2}), Error);
  EXPECT_THROW(decode_together(batch, std::vector<int32_t>{1}), Error);
}

INSTANTIATE_TEST_SUITE_P(Golden, SessionTest, ::testing::ValuesIn(kModels), [](const auto& info) {
  std::string name = std::filesystem::path(info.param).stem().string();
  for (char& c : name) if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
});

}  // namespace
}  // namespace edgelm
