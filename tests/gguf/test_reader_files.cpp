// Real files from ../shared: stories260K against its JSON dump, the refused v1
// file, every golden model; plus the typed look-ups and File::open failures.
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "gguf_test_util.h"

namespace edgelm::gguf::testing {
namespace {

namespace fs = std::filesystem;

std::string require_file(const std::string& rel) {
  const std::string path = shared_path(rel);
  if (!fs::exists(path)) ADD_FAILURE() << "missing shared test data: " << path << " (set EDGELM_SHARED_DIR)";
  return path;
}

// Compares one metadata value with its JSON dump entry ({"type": "u32", "value": 7} or
// {"type": "arr", "elem_type": "str", "len": 3, "values": [...]}).
void expect_value_matches(const std::string& key, const Value& v, const nlohmann::json& j) {
  SCOPED_TRACE(key);
  const std::string type = j["type"];
  auto expect_scalar = [&](ValueType t, size_t i, const nlohmann::json& want) {
    if (t == ValueType::STRING) {
      EXPECT_EQ(v.is_array() ? v.strs[i] : v.str, want.get<std::string>());
    } else if (t == ValueType::F32 || t == ValueType::F64) {
      EXPECT_DOUBLE_EQ(v.floats[i], want.get<double>());
    } else if (t == ValueType::U8 || t == ValueType::U16 || t == ValueType::U32 || t == ValueType::U64) {
      EXPECT_EQ(v.uints[i], want.get<uint64_t>());
    } else {
      EXPECT_EQ(v.ints[i], want.get<int64_t>());
    }
  };
  auto type_of = [](const std::string& name) {
    if (name == "str") return ValueType::STRING;
    for (uint32_t id = 0; id <= 12; ++id)
      if (name == value_type_name(static_cast<ValueType>(id))) return static_cast<ValueType>(id);
    ADD_FAILURE() << "unknown type in JSON: " << name;
    return ValueType::ARRAY;
  };
  if (type == "arr") {
    ASSERT_TRUE(v.is_array());
    const ValueType elem = type_of(j["elem_type"]);
    ASSERT_EQ(v.elem_type, elem);
    ASSERT_EQ(v.array_size(), j["len"].get<uint64_t>());
    const auto& values = j["values"];
    for (size_t i = 0; i < values.size(); ++i) expect_scalar(elem, i, values[i]);
  } else {
    ASSERT_EQ(v.type, type_of(type));
    expect_scalar(v.type, 0, j["value"]);
  }
}

TEST(GgufRealFiles, Stories260KMatchesDump) {
  const std::string path = require_file("models/stories260K.gguf");
  std::ifstream meta_in(path + ".meta.json");
  ASSERT_TRUE(meta_in) << "missing " << path << ".meta.json";
  const nlohmann::json meta = nlohmann::json::parse(meta_in);

  auto f = File::open(path);
  EXPECT_EQ(f->version(), meta["version"].get<uint32_t>());
  EXPECT_EQ(f->alignment(), meta["alignment"].get<uint32_t>());
  EXPECT_EQ(f->data_offset(), meta["data_start"].get<uint64_t>());
  EXPECT_EQ(f->file_size(), meta["size"].get<uint64_t>());
  EXPECT_EQ(f->path(), path);

  ASSERT_EQ(f->metadata().size(), meta["metadata"].size());
  for (const auto& [key, want] : meta["metadata"].items()) {
    const Value* v = f->find(key);
    ASSERT_NE(v, nullptr) << key;
    expect_value_matches(key, *v, want);
  }
  ASSERT_EQ(f->tensors().size(), meta["tensors"].size());
  for (size_t i = 0; i < f->tensors().size(); ++i) {
    const TensorInfo& t = f->tensors()[i];
    const auto& want = meta["tensors"][i];
    EXPECT_EQ(t.name, want["name"].get<std::string>());
    EXPECT_EQ(t.n_dims, want["ne"].size());
    for (size_t d = 0; d < want["ne"].size(); ++d) EXPECT_EQ(t.ne[d], want["ne"][d].get<int64_t>());
    EXPECT_EQ(type_name(static_cast<uint32_t>(t.type)), want["ggml_type"].get<std::string>());
    EXPECT_EQ(t.offset, want["offset"].get<uint64_t>());
    EXPECT_EQ(t.nbytes, static_cast<uint64_t>(t.n_elements()) * 4);
  }

  // Typed look-ups on known values.
  EXPECT_EQ(f->get_string("general.architecture"), "llama");
  EXPECT_EQ(f->get_int("llama.embedding_length"), 64);
  EXPECT_EQ(f->get_u32("tokenizer.ggml.padding_token_id"), 4294967295u);
  EXPECT_NEAR(*f->get_float("llama.attention.layer_norm_rms_epsilon"), 1e-5, 1e-9);
  const auto tokens = f->get_string_array("tokenizer.ggml.tokens");
  ASSERT_TRUE(tokens);
  ASSERT_EQ(tokens->size(), 512u);
  EXPECT_EQ((*tokens)[1], "<s>");
  EXPECT_EQ(f->get_int_array("tokenizer.ggml.token_type")->at(0), 2);
  EXPECT_EQ(f->get_float_array("tokenizer.ggml.scores")->size(), 512u);

  // Tensor views lie inside the mapping; token_embd starts at the data section.
  const TensorInfo* emb = f->find_tensor("token_embd.weight");
  ASSERT_NE(emb, nullptr);
  EXPECT_EQ(f->tensor_bytes(*emb).size(), 64u * 512 * 4);
  EXPECT_EQ(f->find_tensor("no.such.tensor"), nullptr);
  float first;
  std::memcpy(&first, f->tensor_data(*emb), 4);
  EXPECT_TRUE(std::isfinite(first));
}

TEST(GgufRealFiles, Version1FileIsRefused) {
  const std::string path = require_file("models/tinyllamas-stories-260k-f32.gguf");
  try {
    File::open(path);
    FAIL() << "v1 file was accepted";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("unsupported GGUF version 1 (obsolete format; re-convert the model)"), std::string::npos) << msg;
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
  }
}

TEST(GgufRealFiles, EveryGoldenModelOpens) {
  const std::string dir = shared_path("golden");
  ASSERT_TRUE(fs::is_directory(dir)) << "missing shared test data: " << dir;
  int opened = 0;
  for (const auto& family : fs::directory_iterator(dir)) {
    if (!family.is_directory()) continue;
    for (const auto& entry : fs::directory_iterator(family.path())) {
      if (entry.path().extension() != ".gguf") continue;
      SCOPED_TRACE(entry.path().string());
      std::unique_ptr<File> f;
      ASSERT_NO_THROW(f = File::open(entry.path().string()));
      EXPECT_TRUE(f->get_string("general.architecture").has_value());
      EXPECT_FALSE(f->tensors().empty());
      EXPECT_EQ(f->data_offset() % f->alignment(), 0u);
      for (const TensorInfo& t : f->tensors()) EXPECT_LE(f->data_offset() + t.offset + t.nbytes, f->file_size());
      ++opened;
    }
  }
  EXPECT_GE(opened, 10);
}

TEST(GgufRealFiles, OpenFailures) {
  EXPECT_THROW(
      {
        try {
          File::open("/nonexistent/model.gguf");
        } catch (const Error& e) {
          EXPECT_NE(std::string(e.what()).find("cannot open '/nonexistent/model.gguf'"), std::string::npos);
          throw;
        }
      },
      Error);
  try {
    File::open(fs::temp_directory_path().string());
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
  }
  const std::string empty = temp_path("empty.gguf");
  std::ofstream(empty).close();
  try {
    File::open(empty);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("file too small (0 bytes"), std::string::npos) << e.what();
  }
  fs::remove(empty);
}

// ---------------------------------------------------------------- typed look-ups

std::unique_ptr<File> typed_file() {
  Writer w;
  w.set_u64("big", ~uint64_t{0});
  w.set_i32("neg", -7);
  w.set_u8("small", 200);
  w.set_f32("f", 0.5f);
  w.set_bool("yes", true);
  w.set_string("s", "text");
  w.set_i32_array("ints", {1, -2, 3});
  w.set_f32_array("floats", {0.25f, 4.0f});
  w.set_bool_array("bools", {true, false, true});
  w.set_string_array("strs", {"x", "", "zz"});
  Value huge;
  huge.type = ValueType::ARRAY;
  huge.elem_type = ValueType::U64;
  huge.uints = {1, ~uint64_t{0}};
  w.set_value("huge_arr", huge);
  const std::vector<uint8_t> bytes = w.to_bytes();
  return File::from_bytes(bytes.data(), bytes.size());
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(GgufTypedGetters, ValuesAndConversions) {
  auto f = typed_file();
  EXPECT_EQ(f->get_int("neg"), -7);
  EXPECT_EQ(f->get_int("small"), 200);
  EXPECT_EQ(f->get_float("neg"), -7.0);
  EXPECT_EQ(f->get_float("f"), 0.5);
  EXPECT_EQ(f->get_bool("yes"), true);
  EXPECT_EQ(f->get_string("s"), "text");
  EXPECT_EQ(f->get_int_array("ints"), (std::vector<int64_t>{1, -2, 3}));
  EXPECT_EQ(f->get_int_array("bools"), (std::vector<int64_t>{1, 0, 1}));
  EXPECT_EQ(f->get_float_array("ints"), (std::vector<double>{1, -2, 3}));
  EXPECT_EQ(f->get_float_array("floats"), (std::vector<double>{0.25, 4.0}));
  EXPECT_EQ(f->get_bool_array("bools"), (std::vector<bool>{true, false, true}));
  EXPECT_EQ(f->get_string_array("strs"), (std::vector<std::string>{"x", "", "zz"}));
  EXPECT_FALSE(f->get_int("absent").has_value());
  EXPECT_FALSE(f->get_string_array("absent").has_value());
  EXPECT_EQ(f->get_int_per_layer("neg", 3), (std::vector<int64_t>{-7, -7, -7}));
  EXPECT_EQ(f->get_int_per_layer("ints", 3), (std::vector<int64_t>{1, -2, 3}));
  EXPECT_EQ(f->get_float_per_layer("f", 2), (std::vector<double>{0.5, 0.5}));
  EXPECT_FALSE(f->get_int_per_layer("absent", 3).has_value());
}

TEST(GgufTypedGetters, ErrorsNameTheKey) {
  auto f = typed_file();
  EXPECT_EQ(error_of([&] { f->get_int("s"); }), "gguf: key 's' has type string, expected an integer");
  EXPECT_EQ(error_of([&] { f->get_string("neg"); }), "gguf: key 'neg' has type i32, expected string");
  EXPECT_EQ(error_of([&] { f->get_bool("neg"); }), "gguf: key 'neg' has type i32, expected bool");
  EXPECT_EQ(error_of([&] { f->get_float("ints"); }), "gguf: key 'ints' has type array of i32, expected a number");
  EXPECT_EQ(error_of([&] { f->get_string_array("ints"); }),
            "gguf: key 'ints' has type array of i32, expected array of string");
  EXPECT_EQ(error_of([&] { f->get_int_array("s"); }), "gguf: key 's' has type string, expected array of integers");
  EXPECT_EQ(error_of([&] { f->get_int("big"); }), "gguf: key 'big' value 18446744073709551615 does not fit in int64");
  EXPECT_EQ(error_of([&] { f->get_u32("neg"); }), "gguf: key 'neg' value -7 does not fit in u32");
  EXPECT_EQ(error_of([&] { f->get_int_array("huge_arr"); }),
            "gguf: key 'huge_arr' value 18446744073709551615 does not fit in int64");
  EXPECT_EQ(error_of([&] { f->get_int_per_layer("ints", 4); }),
            "gguf: key 'ints' has 3 elements, expected 4 (one per layer)");
  EXPECT_EQ(error_of([&] { f->get_float_per_layer("strs", 3); }),
            "gguf: key 'strs' has type array of string, expected array of numbers");
}

}  // namespace
}  // namespace edgelm::gguf::testing
