// Writes a few small valid GGUF files (with the Writer) as the fuzzer's seed
// corpus: an empty file, one with every value type, one with tensors of the
// common types, and one with a custom alignment. Usage: make_seeds DIR
#include <cstdio>
#include <cstring>
#include <string>

#include "gguf/gguf.h"

using edgelm::GgmlType;
using edgelm::gguf::Writer;

namespace {

void fill_pattern(uint8_t* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = static_cast<uint8_t>(i * 7 + 3);
}

Writer every_value_type() {
  Writer w;
  w.set_u8("a.u8", 1);
  w.set_i8("a.i8", -2);
  w.set_u16("a.u16", 3);
  w.set_i16("a.i16", -4);
  w.set_u32("a.u32", 5);
  w.set_i32("a.i32", -6);
  w.set_u64("a.u64", 7);
  w.set_i64("a.i64", -8);
  w.set_f32("a.f32", 0.5f);
  w.set_f64("a.f64", 0.25);
  w.set_bool("a.bool", true);
  w.set_string("a.str", "hello");
  w.set_i32_array("a.i32s", {1, 2, 3});
  w.set_u32_array("a.u32s", {4, 5});
  w.set_f32_array("a.f32s", {0.5f, 1.5f});
  w.set_bool_array("a.bools", {true, false});
  w.set_string_array("a.strs", {"x", "yz", ""});
  return w;
}

Writer small_model() {
  Writer w;
  w.set_string("general.architecture", "llama");
  w.set_u32("llama.block_count", 2);
  w.set_string_array("tokenizer.ggml.tokens", {"<unk>", "<s>", "</s>", "a"});
  w.add_tensor("token_embd.weight", GgmlType::F32, {8, 4}, fill_pattern);
  w.add_tensor("f16", GgmlType::F16, {16}, fill_pattern);
  w.add_tensor("bf16", GgmlType::BF16, {8, 2}, fill_pattern);
  w.add_tensor("q4_0", GgmlType::Q4_0, {32, 2}, fill_pattern);
  w.add_tensor("q8_0", GgmlType::Q8_0, {64}, fill_pattern);
  w.add_tensor("q4_k", GgmlType::Q4_K, {256}, fill_pattern);
  w.add_tensor("q6_k", GgmlType::Q6_K, {256}, fill_pattern);
  return w;
}

Writer aligned_64() {
  Writer w;
  w.set_u32("general.alignment", 64);
  w.add_tensor("a", GgmlType::F32, {3}, fill_pattern);
  w.add_tensor("b", GgmlType::Q8_0, {32, 1, 2}, fill_pattern);
  return w;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  try {
    Writer().write(dir + "/empty.gguf");
    every_value_type().write(dir + "/values.gguf");
    small_model().write(dir + "/model.gguf");
    aligned_64().write(dir + "/aligned64.gguf");
  } catch (const edgelm::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
