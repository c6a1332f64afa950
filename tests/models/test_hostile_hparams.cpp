// A GGUF file brings its own hyperparameters. Every numeric key of a valid
// tiny model of each architecture is set to hostile values in turn; loading
// must then either fail with edgelm::Error naming the key, or give a model
// whose forward pass returns finite logits — never a crash, a hang, a huge
// allocation or NaN.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "support.h"
#include "edgelm/error.h"
#include "edgelm/synth.h"
#include "gguf/gguf.h"
#include "memory/state.h"
#include "models/model.h"

namespace edgelm {
namespace {

using test::tiny_model;

// The file with `key` replaced by `v` (the rest copied as it is).
std::unique_ptr<gguf::File> with_value(const gguf::File& src, const std::string& key,
                                       const std::function<void(gguf::Writer&)>& set) {
  gguf::Writer w;
  for (const auto& [k, v] : src.metadata())
    if (k != key) w.set_value(k, v);
  set(w);
  for (const auto& t : src.tensors()) {
    std::vector<int64_t> ne(t.ne, t.ne + std::max<uint32_t>(1, t.n_dims));
    const uint8_t* data = src.tensor_data(t);
    w.add_tensor(t.name, t.type, ne, [data](uint8_t* dst, size_t n) { std::memcpy(dst, data, n); });
  }
  const std::vector<uint8_t> bytes = w.to_bytes();
  return gguf::File::from_bytes(bytes.data(), bytes.size());
}

// Load and run two tokens; "" on success with finite logits, else what went wrong.
std::string load_and_run(std::unique_ptr<gguf::File> file) {
  std::unique_ptr<models::Model> model;
  try {
    model = models::Model::load(std::move(file));
  } catch (const Error& e) {
    const std::string what = e.what();
    if (what.empty() || what.size() > 400) return "unhelpful error: " + what.substr(0, 400);
    return "";   // refused with a message: fine
  }
  const int n_vocab = model->hparams().n_vocab;
  models::ForwardContext ctx(1);
  memory::State state(model->memory_specs(), {8, 2, memory::KvType::F32});
  const int32_t ids[2] = {1, 2};
  std::vector<float> logits(2 * static_cast<size_t>(n_vocab));
  model->forward(ctx, state, ids, 2, logits.data(), true);
  for (float v : logits)
    if (!std::isfinite(v)) return "non-finite logits";
  return "";
}

class HostileHparams : public ::testing::TestWithParam<std::string> {};

TEST_P(HostileHparams, RefusedOrHarmless) {
  const std::string arch = GetParam();
  const auto src = gguf::File::open(tiny_model(arch));
  ASSERT_EQ(load_and_run(gguf::File::open(tiny_model(arch))), "");
  const int64_t ints[] = {0, -1, 3, 1000003, int64_t{1} << 31, int64_t{1} << 40, std::numeric_limits<int64_t>::min()};
  const double floats[] = {std::nan(""), INFINITY, -INFINITY, 0.0, -1.0, 1e30, 1e-45};
  int checked = 0;
  for (const auto& [key, value] : src->metadata()) {
    if (key.rfind(arch + ".", 0) != 0) continue;
    using VT = gguf::ValueType;
    const VT t = value.is_array() ? value.elem_type : value.type;
    const bool is_float = t == VT::F32 || t == VT::F64;
    const bool is_int = !is_float && t != VT::STRING && t != VT::BOOL;
    if (is_int)
      for (int64_t v : ints) {
        SCOPED_TRACE(key + " = " + std::to_string(v));
        EXPECT_EQ(load_and_run(with_value(*src, key, [&](gguf::Writer& w) { w.set_i64(key, v); })), "");
        ++checked;
      }
    if (is_float)
      for (double v : floats) {
        SCOPED_TRACE(key + " = " + std::to_string(v));
        EXPECT_EQ(load_and_run(with_value(*src, key, [&](gguf::Writer& w) { w.set_f32(key, static_cast<float>(v)); })), "");
        ++checked;
      }
  }
  EXPECT_GT(checked, 20);
}

// Strings from the file reach error messages quoted, escaped and cut short.
TEST(HostileStrings, ErrorMessagesStayShortAndPrintable) {
  const auto src = gguf::File::open(tiny_model("llama"));
  std::string name(10 << 20, 'a');
  name.replace(0, 8, "\x1b[2J\x07\n\r");
  try {
    models::Model::load(with_value(*src, "general.architecture", [&](gguf::Writer& w) { w.set_string("general.architecture", name); }));
    FAIL() << "a 10 MiB architecture name was accepted";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_LT(what.size(), 400u);
    EXPECT_NE(what.find("\\x1b"), std::string::npos) << what;
    for (char c : what) EXPECT_TRUE(static_cast<unsigned char>(c) >= 0x20) << what;
  }
}

INSTANTIATE_TEST_SUITE_P(Archs, HostileHparams, ::testing::Values("llama", "qwen3", "gemma3", "gemma4", "qwen35"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace edgelm
