// Qwen3.5 beyond the golden logits: the recurrent state carried across
// chunked prefill, MTP skipping, the loader's checks on damaged or hostile
// files, and the synthetic presets.
#include <cmath>
#include <cstring>
#include <functional>

#include "edgelm/error.h"
#include "golden_util.h"
#include "gguf/gguf.h"
#include "kernels/ops/delta_net.h"
#include "memory/state.h"
#include "models/model.h"
#include "synth/plan.h"

namespace edgelm {
namespace {

const char* kGolden = "golden/qwen35/tiny-qwen35-f32.gguf";
const char* kGoldenGqa = "golden/qwen35/tiny-qwen35_gqa-f32.gguf";

std::vector<int32_t> test_tokens(int n, int n_vocab) {
  std::vector<int32_t> ids(n);
  uint32_t s = 12345;
  for (int i = 0; i < n; ++i) {
    s = s * 1664525u + 1013904223u;
    ids[i] = static_cast<int32_t>((s >> 8) % static_cast<uint32_t>(n_vocab));
  }
  return ids;
}

// Logits of every position, evaluated in chunks of `chunk` tokens.
std::vector<float> run_chunked(const models::Model& model, const std::vector<int32_t>& ids, int chunk) {
  const int n_vocab = model.hparams().n_vocab;
  models::ForwardContext ctx(2);
  memory::State state(model.memory_specs(), {static_cast<int64_t>(ids.size()), chunk, memory::KvType::F32});
  std::vector<float> out(ids.size() * n_vocab);
  for (size_t i = 0; i < ids.size(); i += chunk) {
    const int n = static_cast<int>(std::min<size_t>(chunk, ids.size() - i));
    model.forward(ctx, state, ids.data() + i, n, out.data() + i * n_vocab, true);
  }
  return out;
}

double max_rel_diff(const std::vector<float>& a, const std::vector<float>& b) {
  double diff = 0.0, ref = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, static_cast<double>(std::fabs(a[i] - b[i])));
    ref = std::max(ref, static_cast<double>(std::fabs(b[i])));
  }
  return diff / ref;
}

// A GGUF image being edited: metadata copied from a file, then patched.
struct Image {
  struct Tensor {
    std::string name;
    GgmlType type;
    std::vector<int64_t> ne;
    std::vector<uint8_t> data;
  };
  std::vector<std::pair<std::string, gguf::Value>> kv;
  std::vector<Tensor> tensors;
  std::function<void(gguf::Writer&)> patch = [](gguf::Writer&) {};

  static Image read(const std::string& path) {
    auto file = gguf::File::open(path);
    Image img;
    img.kv = file->metadata();
    for (const gguf::TensorInfo& t : file->tensors()) {
      auto bytes = file->tensor_bytes(t);
      img.tensors.push_back({t.name, t.type, std::vector<int64_t>(t.ne, t.ne + t.n_dims), {bytes.begin(), bytes.end()}});
    }
    return img;
  }
  Tensor* find(const std::string& name) {
    for (Tensor& t : tensors)
      if (t.name == name) return &t;
    return nullptr;
  }
  void remove_tensor(const std::string& name) {
    std::erase_if(tensors, [&](const Tensor& t) { return t.name == name; });
  }
  void remove_key(const std::string& key) {
    std::erase_if(kv, [&](const auto& e) { return e.first == key; });
  }
  std::unique_ptr<models::Model> load() const {
    gguf::Writer w;
    for (const auto& [key, value] : kv) w.set_value(key, value);
    patch(w);
    for (const Tensor& t : tensors)
      w.add_tensor(t.name, t.type, t.ne, [data = &t.data](uint8_t* dst, size_t n) {
        std::memcpy(dst, data->data(), std::min(n, data->size()));
      });
    const std::vector<uint8_t> bytes = w.to_bytes();
    return models::Model::load(gguf::File::from_bytes(bytes.data(), bytes.size()));
  }
};

// Loading must fail with an edgelm::Error whose message contains `needle`.
void expect_load_error(const Image& img, const std::string& needle) {
  try {
    img.load();
    ADD_FAILURE() << "loaded without error; expected one mentioning '" << needle << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(Qwen35, LayerKindsAndStateSizes) {
  REQUIRE_SHARED();
  auto model = models::Model::load(test::shared_path(kGolden));
  const auto& kinds = model->hparams().layer_kinds;
  ASSERT_EQ(kinds.size(), 8u);
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(kinds[i], (i + 1) % 4 == 0 ? models::LayerKind::Full : models::LayerKind::Recurrent) << i;
  const auto specs = model->memory_specs();
  EXPECT_EQ(specs[0].kind, memory::LayerMemorySpec::Kind::Recurrent);
  EXPECT_EQ(specs[0].conv_floats, 3 * 384);       // (K-1) x (2*4*32 + 4*32)
  EXPECT_EQ(specs[0].state_floats, 4 * 32 * 32);  // H_v x d_k x d_v
  EXPECT_EQ(specs[3].kind, memory::LayerMemorySpec::Kind::Kv);
}

TEST(Qwen35, ChunkedPrefillMatchesBatch) {
  REQUIRE_SHARED();
  for (const char* path : {kGolden, kGoldenGqa}) {
    auto model = models::Model::load(test::shared_path(path));
    const auto ids = test_tokens(80, model->hparams().n_vocab);
    const auto batch = run_chunked(*model, ids, 80);
    for (int chunk : {1, 2, 3, 5, 16, 80}) {
      const double rel = max_rel_diff(run_chunked(*model, ids, chunk), batch);
      std::printf("[qwen35] %-28s chunk %-3d vs batch: max_rel_diff %.3g\n", path + 14, chunk, rel);
      EXPECT_LE(rel, 1e-5) << path << " chunk " << chunk;
    }
  }
}

TEST(Qwen35, ConvWindowCarriesAcrossCalls) {
  // 3 channels, kernel 4: one call over 5 tokens equals 5 one-token calls.
  const int C = 3, K = 4, n = 5;
  std::vector<float> x(n * C), w(C * K);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.3f * static_cast<float>(i) - 2.0f;
  for (size_t i = 0; i < w.size(); ++i) w[i] = 0.1f * static_cast<float>(i % 5) - 0.2f;
  std::vector<float> win_a((K - 1) * C, 0.5f), win_b = win_a, ya(n * C), yb(n * C);
  ThreadPool pool(2);
  kernels::causal_conv1d_silu(x.data(), C, n, C, K, w.data(), win_a.data(), ya.data(), C, pool);
  for (int t = 0; t < n; ++t)
    kernels::causal_conv1d_silu(x.data() + t * C, C, 1, C, K, w.data(), win_b.data(), yb.data() + t * C, C, pool);
  EXPECT_EQ(ya, yb);
  EXPECT_EQ(win_a, win_b);
  EXPECT_EQ(std::vector<float>(win_a.begin(), win_a.end()), std::vector<float>(x.begin() + 2 * C, x.end()));
}

TEST(Qwen35, SkipsMtpBlock) {
  REQUIRE_SHARED();
  const std::string path = test::shared_path(kGolden);
  auto plain = models::Model::load(path);
  // Append a next-n block 8 (a full-attention block plus the MTP extras).
  Image img = Image::read(path);
  for (const char* part : {"attn_norm.weight", "attn_q.weight", "attn_k.weight", "attn_v.weight",
                           "attn_output.weight", "attn_q_norm.weight", "attn_k_norm.weight",
                           "post_attention_norm.weight", "ffn_gate.weight", "ffn_up.weight", "ffn_down.weight"}) {
    Image::Tensor t = *img.find(std::string("blk.7.") + part);
    t.name = std::string("blk.8.") + part;
    img.tensors.push_back(t);
  }
  img.tensors.push_back({"blk.8.nextn.eh_proj.weight", GgmlType::F32, {256, 128}, std::vector<uint8_t>(256 * 128 * 4)});
  img.tensors.push_back({"blk.8.nextn.enorm.weight", GgmlType::F32, {128}, std::vector<uint8_t>(128 * 4)});
  img.tensors.push_back({"blk.8.nextn.hnorm.weight", GgmlType::F32, {128}, std::vector<uint8_t>(128 * 4)});
  img.patch = [](gguf::Writer& w) {
    w.set_u32("qwen35.block_count", 9);
    w.set_u32("qwen35.nextn_predict_layers", 1);
  };
  auto with_mtp = img.load();
  EXPECT_EQ(with_mtp->hparams().n_layer, 8);
  EXPECT_EQ(with_mtp->memory_specs().size(), 8u);
  EXPECT_EQ(with_mtp->weight_bytes(), plain->weight_bytes());
  const auto ids = test_tokens(12, plain->hparams().n_vocab);
  EXPECT_EQ(run_chunked(*with_mtp, ids, 12), run_chunked(*plain, ids, 12));

  // Without the trunk it is an MTP-only file, not a main model.
  img.remove_tensor("blk.0.attn_norm.weight");
  expect_load_error(img, "MTP");
}

TEST(Qwen35, AcceptsFusedAttentionQkvAndExplicitLayerKinds) {
  REQUIRE_SHARED();
  const std::string path = test::shared_path(kGolden);
  auto plain = models::Model::load(path);
  Image img = Image::read(path);
  // Layer 3's Q (with gate), K and V rows stacked into one attn_qkv matrix.
  Image::Tensor qkv{"blk.3.attn_qkv.weight", GgmlType::F32, {128, 256 + 64 + 64}, {}};
  for (const char* part : {"blk.3.attn_q.weight", "blk.3.attn_k.weight", "blk.3.attn_v.weight"}) {
    const auto& d = img.find(part)->data;
    qkv.data.insert(qkv.data.end(), d.begin(), d.end());
    img.remove_tensor(part);
  }
  img.tensors.push_back(qkv);
  img.patch = [](gguf::Writer& w) {
    w.set_bool_array("qwen35.attention.recurrent_layers", {true, true, true, false, true, true, true, false});
  };
  auto fused = img.load();
  const auto ids = test_tokens(10, plain->hparams().n_vocab);
  EXPECT_EQ(run_chunked(*fused, ids, 10), run_chunked(*plain, ids, 10));
}

TEST(Qwen35, MissingOrMisshapenTensorsAreNamed) {
  REQUIRE_SHARED();
  const Image golden = Image::read(test::shared_path(kGolden));
  {
    Image img = golden;
    img.remove_tensor("blk.0.ssm_a");
    expect_load_error(img, "'blk.0.ssm_a'");
  }
  {
    Image img = golden;
    img.find("blk.0.ssm_conv1d.weight")->ne = {4, 383};
    expect_load_error(img, "'blk.0.ssm_conv1d.weight'");
  }
  {
    Image img = golden;
    img.find("blk.2.ssm_norm.weight")->ne = {16};
    expect_load_error(img, "'blk.2.ssm_norm.weight'");
  }
  {
    Image img = golden;
    img.remove_tensor("blk.3.attn_q_norm.weight");
    expect_load_error(img, "'blk.3.attn_q_norm.weight'");
  }
  {
    Image img = golden;
    float one = 1.0f;
    std::memcpy(img.find("blk.1.ssm_a")->data.data() + 2 * sizeof(float), &one, sizeof one);
    expect_load_error(img, "'blk.1.ssm_a'");
  }
  {
    Image img = golden;   // a stray tensor in a layer that does not use it
    Image::Tensor t = *img.find("blk.0.ssm_a");
    t.name = "blk.3.ssm_a";
    img.tensors.push_back(t);
    expect_load_error(img, "'blk.3.ssm_a'");
  }
}

TEST(Qwen35, BadMetadataIsNamed) {
  REQUIRE_SHARED();
  const Image golden = Image::read(test::shared_path(kGolden));
  auto with = [&](std::function<void(gguf::Writer&)> patch) {
    Image img = golden;
    img.patch = std::move(patch);
    return img;
  };
  expect_load_error(with([](gguf::Writer& w) { w.set_u32("qwen35.ssm.inner_size", 96); }), "qwen35.ssm.inner_size");
  expect_load_error(with([](gguf::Writer& w) { w.set_u32("qwen35.ssm.group_count", 3); }), "qwen35.ssm.time_step_rank");
  expect_load_error(with([](gguf::Writer& w) { w.set_u32("qwen35.ssm.conv_kernel", 3); }), "qwen35.ssm.conv_kernel");
  expect_load_error(with([](gguf::Writer& w) { w.set_i32_array("qwen35.rope.dimension_sections", {3, 3}); }),
                    "qwen35.rope.dimension_sections");
  Image no_sections = golden;
  no_sections.remove_key("qwen35.rope.dimension_sections");
  expect_load_error(no_sections, "qwen35.rope.dimension_sections");
  Image no_state = golden;
  no_state.remove_key("qwen35.ssm.state_size");
  expect_load_error(no_state, "qwen35.ssm.state_size");
  expect_load_error(with([](gguf::Writer& w) { w.set_bool_array("qwen35.attention.recurrent_layers", {true}); }),
                    "qwen35.attention.recurrent_layers");
  expect_load_error(with([](gguf::Writer& w) { w.set_u32("qwen35.nextn_predict_layers", 8); }),
                    "qwen35.nextn_predict_layers");
}

TEST(Qwen35, HostileSizesFailWithoutAllocating) {
  REQUIRE_SHARED();
  const Image golden = Image::read(test::shared_path(kGolden));
  const std::vector<std::pair<std::string, uint32_t>> cases = {
      {"qwen35.ssm.state_size", 1u << 30},     {"qwen35.ssm.time_step_rank", 1u << 30},
      {"qwen35.ssm.group_count", 0},           {"qwen35.embedding_length", 0xffffffffu},
      {"qwen35.block_count", 1u << 31},        {"qwen35.attention.head_count", 1u << 30},
      {"qwen35.attention.key_length", 1u << 30}, {"qwen35.feed_forward_length", 0xfffffff0u},
      {"qwen35.full_attention_interval", 0},   {"qwen35.rope.dimension_count", 1u << 30},
  };
  for (const auto& [key, value] : cases) {
    Image img = golden;
    img.patch = [key, value](gguf::Writer& w) { w.set_u32(key, value); };
    expect_load_error(img, key);
  }
  // 128 value heads of 1024 would need 512 MiB of state per layer.
  Image img = golden;
  img.patch = [](gguf::Writer& w) {
    w.set_u32("qwen35.ssm.time_step_rank", 128);
    w.set_u32("qwen35.ssm.group_count", 4);
    w.set_u32("qwen35.ssm.state_size", 1024);
    w.set_u32("qwen35.ssm.inner_size", 128 * 1024);
  };
  expect_load_error(img, "recurrent state");
}

TEST(Qwen35Synth, PublishedShapesHaveTheExpectedParameterCounts) {
  auto count = [](const synth::Plan& p) {
    int64_t total = 0;
    for (const auto& t : p.tensors) {
      int64_t n = 1;
      for (int64_t d : t.ne) n *= d;
      total += n;
    }
    return total;
  };
  // docs/ARCHITECTURES.md §3.2 (trunk only, tied head).
  EXPECT_EQ(count(synth::qwen35_plan("0.8b")), 752393024);
  EXPECT_EQ(count(synth::qwen35_plan("2b")), 1881825088);
  const auto plan = synth::qwen35_plan("2b");
  EXPECT_EQ(plan.vocab.model, "gpt2");
  EXPECT_EQ(plan.vocab.n_vocab, 248320);
  EXPECT_EQ(plan.vocab.pre, "qwen35");
  EXPECT_THROW(synth::qwen35_plan("9b"), Error);
}

TEST(Qwen35Synth, TinyPresetLoadsAndRuns) {
  const synth::Plan plan = synth::qwen35_plan("tiny");
  gguf::Writer w;
  w.set_string("general.architecture", plan.arch);
  plan.metadata(w);
  synth::write_vocab(w, plan.vocab);
  for (const auto& t : plan.tensors)
    w.add_tensor(t.name, GgmlType::F32, t.ne, [t](uint8_t* dst, size_t nbytes) {
      float* f = reinterpret_cast<float*>(dst);
      uint32_t s = static_cast<uint32_t>(std::hash<std::string>{}(t.name));
      for (size_t i = 0; i < nbytes / sizeof(float); ++i) {
        s = s * 1664525u + 1013904223u;
        f[i] = t.offset + t.scale * (static_cast<float>(s >> 8) / 8388608.0f - 1.0f);
      }
    });
  const std::vector<uint8_t> bytes = w.to_bytes();
  auto model = models::Model::load(gguf::File::from_bytes(bytes.data(), bytes.size()));
  EXPECT_EQ(model->hparams().n_layer, 8);
  const auto ids = test_tokens(20, model->hparams().n_vocab);
  const auto logits = run_chunked(*model, ids, 6);
  for (float v : logits) ASSERT_TRUE(std::isfinite(v));
  EXPECT_LE(max_rel_diff(logits, run_chunked(*model, ids, 20)), 1e-5);
}

}  // namespace
}  // namespace edgelm
