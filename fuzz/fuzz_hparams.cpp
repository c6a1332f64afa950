// libFuzzer harness for model hyperparameters: the path from a GGUF file's
// numbers to the model loaders and a forward pass, which the GGUF reader's
// fuzzer never reaches (a byte-level mutation of a whole model almost always
// breaks the container first).
//
// At start-up a valid tiny model of each architecture (llama, qwen3, gemma3,
// gemma4, qwen35) is synthesized. Each input picks one of them and a list of
// numeric metadata keys to overwrite with values it also picks: small and
// boundary integers, raw 64-bit integers, raw float bits, special floats, and
// per-layer arrays of any length. The rewritten file is loaded and, if it
// loads, run for three tokens. edgelm::Error is the expected answer to a bad
// value; a crash, a sanitizer report, an allocation over -malloc_limit_mb, a
// hang (-timeout) or a non-finite logit is a finding (non-finite logits abort).
//
// Build and run with fuzz/fuzz_hparams.sh.
#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "edgelm/error.h"
#include "edgelm/synth.h"
#include "gguf/gguf.h"
#include "memory/state.h"
#include "models/model.h"

namespace {

using edgelm::gguf::File;
using edgelm::gguf::Value;
using edgelm::gguf::ValueType;
using edgelm::gguf::Writer;

struct Base {
  std::unique_ptr<File> file;
  std::vector<std::string> keys;  // numeric keys (scalars and arrays)
};

bool is_numeric(ValueType t) { return t != ValueType::STRING && t != ValueType::ARRAY && t != ValueType::BOOL; }

std::vector<Base> make_bases() {
  std::vector<Base> bases;
  const auto dir = std::filesystem::temp_directory_path();
  for (const char* arch : {"llama", "qwen3", "gemma3", "gemma4", "qwen35"}) {
    const std::string path = (dir / (std::string("edgelm-fuzz-hparams-") + arch + ".gguf")).string();
    edgelm::SynthOptions o;
    o.arch = arch;
    o.preset = "tiny";
    o.type = "f32";
    o.output = path;
    o.n_threads = 1;
    edgelm::synthesize_model(o);
    Base b;
    b.file = File::open(path);
    for (const auto& [key, v] : b.file->metadata())
      if (is_numeric(v.is_array() ? v.elem_type : v.type)) b.keys.push_back(key);
    bases.push_back(std::move(b));
  }
  return bases;
}

int64_t pick_int(FuzzedDataProvider& in) {
  static const int64_t kEdges[] = {0, 1, -1, 2, 3, 7, 8, 16, 31, 32, 64, 1000003,
                                   int64_t{1} << 31, (int64_t{1} << 31) - 1, int64_t{1} << 32, int64_t{1} << 40,
                                   std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()};
  switch (in.ConsumeIntegralInRange(0, 2)) {
    case 0: return in.ConsumeIntegralInRange<int64_t>(-4, 80);
    case 1: return in.PickValueInArray(kEdges);
    default: return in.ConsumeIntegral<int64_t>();
  }
}

float pick_float(FuzzedDataProvider& in) {
  static const float kEdges[] = {NAN, INFINITY, -INFINITY, 0.0f, -0.0f, 1e-45f, 1e-30f, 1e30f, -1.0f, 0.5f, 1e6f};
  if (in.ConsumeBool()) return in.PickValueInArray(kEdges);
  const uint32_t bits = in.ConsumeIntegral<uint32_t>();
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// Writes `key` with a value drawn from the input: a scalar of the key's own
// kind (int or float), or an array of either kind and any short length.
void set_drawn(FuzzedDataProvider& in, Writer& w, const std::string& key, const Value& old) {
  const ValueType t = old.is_array() ? old.elem_type : old.type;
  const bool was_float = t == ValueType::F32 || t == ValueType::F64;
  switch (in.ConsumeIntegralInRange(0, 3)) {
    case 0:
    case 1:
      if (was_float) w.set_f32(key, pick_float(in));
      else w.set_i64(key, pick_int(in));
      return;
    case 2: {
      std::vector<int32_t> v(in.ConsumeIntegralInRange(0, 40));
      for (auto& x : v) x = static_cast<int32_t>(pick_int(in));
      w.set_i32_array(key, v);
      return;
    }
    default: {
      std::vector<float> v(in.ConsumeIntegralInRange(0, 40));
      for (auto& x : v) x = pick_float(in);
      w.set_f32_array(key, v);
      return;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<Base> bases = make_bases();
  FuzzedDataProvider in(data, size);
  const Base& base = bases[in.ConsumeIntegralInRange<size_t>(0, bases.size() - 1)];
  const File& src = *base.file;

  // Which keys change (up to four), then their new values.
  std::vector<std::string> changed;
  const int n_changes = in.ConsumeIntegralInRange(1, 4);
  for (int i = 0; i < n_changes; ++i) changed.push_back(base.keys[in.ConsumeIntegralInRange<size_t>(0, base.keys.size() - 1)]);
  Writer w;
  for (const auto& [k, v] : src.metadata()) {
    bool is_changed = false;
    for (const auto& c : changed) is_changed |= c == k;
    if (is_changed) set_drawn(in, w, k, v);
    else w.set_value(k, v);
  }
  for (const auto& t : src.tensors()) {
    std::vector<int64_t> ne(t.ne, t.ne + std::max<uint32_t>(1, t.n_dims));
    const uint8_t* bytes = src.tensor_data(t);
    w.add_tensor(t.name, t.type, ne, [bytes](uint8_t* dst, size_t n) { std::memcpy(dst, bytes, n); });
  }
  const std::vector<uint8_t> image = w.to_bytes();

  std::unique_ptr<edgelm::models::Model> model;
  try {
    model = edgelm::models::Model::load(File::from_bytes(image.data(), image.size()));
  } catch (const edgelm::Error&) {
    return 0;  // refused with a message: the expected outcome for most inputs
  }
  const int n_vocab = model->hparams().n_vocab;
  edgelm::models::ForwardContext ctx(1);
  edgelm::memory::State state(model->memory_specs(), {8, 3, edgelm::memory::KvType::F32});
  const int32_t ids[3] = {1, 2, 3};
  std::vector<float> logits(3 * static_cast<size_t>(n_vocab));
  model->forward(ctx, state, ids, 3, logits.data(), true);
  for (float v : logits)
    if (!std::isfinite(v)) {
      std::fprintf(stderr, "non-finite logit after a model loaded\n");
      std::abort();
    }
  return 0;
}
