// edgelm synth: writes a plan's tensors with seeded random values, each
// stored in the type the requested mix assigns to its role.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>

#include "edgelm/error.h"
#include "edgelm/synth.h"
#include "synth/plan.h"
#include "tensor/types.h"

namespace edgelm {
namespace {

using synth::Plan;
using synth::Role;
using synth::TensorPlan;

// ggml's "more bits" rule for attn_v / ffn_down in Q4_K_M (docs/FORMATS.md §2.8).
bool more_bits(int i, int n) { return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2; }

// Falls back to a type whose block size divides the row (llama-quantize rule 7).
GgmlType fit_row(GgmlType t, int64_t ne0) {
  auto fits = [&](GgmlType x) { return ne0 % type_traits(x).block_elems == 0; };
  if (fits(t)) return t;
  if (t == GgmlType::Q4_K) t = GgmlType::Q5_0;
  if (t == GgmlType::Q6_K) t = GgmlType::Q8_0;
  return fits(t) ? t : GgmlType::F16;
}

struct TypeChooser {
  std::string mix;
  int n_attn_v = 0, n_ffn_down = 0;
  int i_attn_v = 0, i_ffn_down = 0;

  GgmlType base() const {
    if (mix == "f32") return GgmlType::F32;
    if (mix == "f16") return GgmlType::F16;
    if (mix == "bf16") return GgmlType::BF16;
    if (mix == "q8_0") return GgmlType::Q8_0;
    if (mix == "q4_0") return GgmlType::Q4_0;
    if (mix == "q4_k_m") return GgmlType::Q4_K;
    throw Error("unknown type '" + mix + "' (available: f32, f16, bf16, q8_0, q4_0, q4_k_m)");
  }
  bool quantized() const { return mix == "q4_0" || mix == "q4_k_m"; }

  GgmlType choose(const TensorPlan& t) {
    if (t.ne.size() < 2 || t.role == Role::Norm || t.role == Role::Vector || t.role == Role::KeepF32Matrix)
      return GgmlType::F32;
    if (t.role == Role::KeepHalfMatrix) return base() == GgmlType::F32 ? GgmlType::F32 : GgmlType::BF16;
    GgmlType type = base();
    if (t.role == Role::Embedding && quantized()) type = GgmlType::Q6_K;
    if (mix == "q4_k_m" && t.role == Role::AttnV && more_bits(i_attn_v++, n_attn_v)) type = GgmlType::Q6_K;
    if (mix == "q4_k_m" && t.role == Role::FfnDown && more_bits(i_ffn_down++, n_ffn_down)) type = GgmlType::Q6_K;
    return fit_row(type, t.ne[0]);
  }
};

uint64_t splitmix64(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t hash_name(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Approximately normal values (Irwin-Hall of four uniforms): cheap, and
// random weights only need the right scale.
void random_row(uint64_t seed, float scale, float offset, float* out, int64_t n) {
  uint64_t s = seed;
  for (int64_t i = 0; i < n; ++i) {
    const uint64_t r = splitmix64(s);
    const float sum = static_cast<float>((r & 0xffff) + ((r >> 16) & 0xffff) + ((r >> 32) & 0xffff) + (r >> 48));
    out[i] = offset + scale * (sum / 65535.0f - 2.0f) * 1.7320508f;
  }
}

void fill_tensor(const TensorPlan& t, GgmlType type, uint64_t seed, int n_threads, uint8_t* dst) {
  const int64_t cols = t.ne[0];
  int64_t rows = 1;
  for (size_t i = 1; i < t.ne.size(); ++i) rows *= t.ne[i];
  const size_t rb = row_bytes(type, cols);
  const uint64_t base = seed ^ hash_name(t.name);
  auto work = [&](int64_t begin, int64_t end) {
    std::vector<float> row(cols);
    for (int64_t r = begin; r < end; ++r) {
      if (!t.values.empty()) std::copy(t.values.begin() + r * cols, t.values.begin() + (r + 1) * cols, row.begin());
      else random_row(base + static_cast<uint64_t>(r) * 0x9e3779b97f4a7c15ull, t.scale, t.offset, row.data(), cols);
      if (!quantize_row(type, row.data(), dst + r * rb, cols))
        throw Error("no encoder for type " + type_name(static_cast<uint32_t>(type)));
    }
  };
  const int threads = static_cast<int>(std::min<int64_t>(n_threads, std::max<int64_t>(1, rows / 64)));
  std::vector<std::thread> pool;
  const int64_t per = (rows + threads - 1) / threads;
  for (int i = 1; i < threads; ++i) pool.emplace_back(work, std::min(rows, i * per), std::min(rows, (i + 1) * per));
  work(0, std::min(rows, per));
  for (std::thread& th : pool) th.join();
}

}  // namespace

std::vector<std::string> synth_presets() { return synth::preset_list(); }

void synthesize_model(const SynthOptions& options) {
  if (options.output.empty()) throw Error("synth needs an output path (-o FILE)");
  Plan plan = synth::make_plan(options.arch, options.preset);
  TypeChooser chooser{options.type};
  chooser.base();   // validates the type name early
  for (const TensorPlan& t : plan.tensors) {
    chooser.n_attn_v += t.role == Role::AttnV;
    chooser.n_ffn_down += t.role == Role::FfnDown;
  }
  const int n_threads = options.n_threads > 0 ? options.n_threads
                                              : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  gguf::Writer w;
  w.set_string("general.architecture", plan.arch);
  w.set_string("general.name", plan.name);
  w.set_u32("general.quantization_version", 2);
  w.set_u32("general.file_type", static_cast<uint32_t>(parse_file_type_name(options.type)));
  plan.metadata(w);
  synth::write_vocab(w, plan.vocab);
  for (const TensorPlan& t : plan.tensors) {
    const GgmlType type = chooser.choose(t);
    const uint64_t seed = options.seed;
    w.add_tensor(t.name, type, t.ne, [t, type, seed, n_threads](uint8_t* dst, size_t) {
      fill_tensor(t, type, seed, n_threads, dst);
    });
  }
  w.write(options.output);
}

}  // namespace edgelm
