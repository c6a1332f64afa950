// Robustness: every truncation of a valid file and thousands of seeded random
// mutations must end in an edgelm::Error or a valid File, never a crash, a
// different exception type, or a huge allocation. (The libFuzzer harness in
// fuzz/ explores much further; this keeps a deterministic slice in the suite.)
#include <fstream>
#include <random>

#include "../../fuzz/gguf_exercise.h"
#include "gguf_test_util.h"

namespace edgelm::gguf::testing {
namespace {

// A Writer-made file with several value and tensor types; its last tensor is a
// multiple of 32 bytes so the file ends exactly at the end of its data.
std::vector<uint8_t> writer_sample() {
  Writer w;
  w.set_string("general.architecture", "llama");
  w.set_u32("llama.block_count", 3);
  w.set_f32("llama.rope.freq_base", 10000.0f);
  w.set_bool("flag", true);
  w.set_i32_array("llama.feed_forward_length", {8, 16, 24});
  w.set_bool_array("swa", {true, false, true});
  w.set_string_array("tokenizer.ggml.tokens", {"<s>", "</s>", "a", "b"});
  w.set_f32_array("tokenizer.ggml.scores", {0, -1, -2, -3});
  w.add_tensor("q", GgmlType::Q8_0, {32, 2}, [](uint8_t* d, size_t n) { std::memset(d, 7, n); });
  w.add_tensor("h", GgmlType::F16, {5}, [](uint8_t* d, size_t n) { std::memset(d, 9, n); });
  w.add_tensor("f", GgmlType::F32, {8}, [](uint8_t* d, size_t n) { std::memset(d, 1, n); });
  return w.to_bytes();
}

// Parses and exercises a candidate; returns whether it was accepted. Anything
// but edgelm::Error escaping is a test failure.
bool accepted(const std::vector<uint8_t>& bytes) {
  try {
    exercise(*parse(bytes));
    return true;
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_TRUE(msg.rfind("gguf: ", 0) == 0 && msg.find('\n') == std::string::npos) << msg;
    return false;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "non-Error exception: " << e.what();
    return false;
  }
}

TEST(GgufRobustness, EveryTruncationIsAnError) {
  for (const std::vector<uint8_t>& full : {small_valid_spec().build().data, writer_sample()}) {
    ASSERT_TRUE(accepted(full));
    for (size_t n = 0; n < full.size(); ++n) {
      const std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
      EXPECT_FALSE(accepted(cut)) << "prefix of " << n << " bytes was accepted";
    }
  }
}

// A real file: every cut in its first 2 KB, every 7th through the rest of the
// metadata and directory, then a sample through the tensor data.
TEST(GgufRobustness, TruncatedStories260KIsAnError) {
  const std::string path = shared_path("models/stories260K.gguf");
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing shared test data: " << path;
  const std::vector<uint8_t> full{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const uint64_t data_start = parse(full)->data_offset();
  for (uint64_t n = 0; n < full.size(); n += (n < 2048 ? 1 : n < data_start + 64 ? 7 : 4093)) {
    const std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    ASSERT_FALSE(accepted(cut)) << "prefix of " << n << " bytes was accepted";
  }
}

// Values that make counts, lengths, types and offsets interesting.
uint64_t interesting_value(std::mt19937_64& rng, size_t file_size) {
  static const uint64_t kValues[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 16, 24, 31, 32, 33, 63, 64, 255, 256,
                                     0x7fffffff, 0x80000000, 0xffffffff, uint64_t{1} << 30, (uint64_t{1} << 30) + 1,
                                     uint64_t{1} << 32, uint64_t{1} << 62, ~uint64_t{0} >> 1, uint64_t{1} << 63,
                                     ~uint64_t{0}, ~uint64_t{31}, ~uint64_t{0} - 1};
  switch (rng() % 4) {
    case 0: return rng();
    case 1: return rng() % (file_size + 64);
    default: return kValues[rng() % std::size(kValues)];
  }
}

void mutate(std::vector<uint8_t>& b, const std::vector<Bytes::Field>& fields, std::mt19937_64& rng) {
  if (b.empty()) return;
  const size_t pos = rng() % b.size();
  switch (rng() % 6) {
    case 0: b[pos] ^= static_cast<uint8_t>(1u << (rng() % 8)); break;
    case 1: b[pos] = static_cast<uint8_t>(rng()); break;
    case 2: b.resize(rng() % b.size()); break;
    case 3: b.insert(b.begin() + static_cast<std::ptrdiff_t>(pos), static_cast<uint8_t>(rng())); break;
    default: {   // overwrite a whole count / length / type / offset field (or, without a map, 8 bytes)
      Bytes::Field f = fields.empty() ? Bytes::Field{pos & ~size_t{7}, 8} : fields[rng() % fields.size()];
      const uint64_t v = interesting_value(rng, b.size());
      if (f.pos + f.size <= b.size()) std::memcpy(b.data() + f.pos, &v, f.size);   // little-endian low bytes
      break;
    }
  }
}

TEST(GgufRobustness, SeededMutationsNeverCrash) {
  const Bytes spec_file = small_valid_spec().build();
  const std::vector<uint8_t> writer_file = writer_sample();
  std::mt19937_64 rng(20240229);
  int n_accepted = 0, n_rejected = 0;
  for (int i = 0; i < 20000; ++i) {
    const bool use_spec = i % 2 == 0;
    std::vector<uint8_t> b = use_spec ? spec_file.data : writer_file;
    const int n_mutations = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < n_mutations; ++k) mutate(b, use_spec ? spec_file.fields : std::vector<Bytes::Field>{}, rng);
    (accepted(b) ? n_accepted : n_rejected)++;
    if (HasFailure()) {
      ADD_FAILURE() << "failing mutant #" << i << " (" << b.size() << " bytes)";
      return;
    }
  }
  // Both outcomes must occur, or the mutations are not reaching the checks.
  EXPECT_GT(n_accepted, 500);
  EXPECT_GT(n_rejected, 5000);
}

}  // namespace
}  // namespace edgelm::gguf::testing
