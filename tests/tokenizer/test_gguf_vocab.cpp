// Tokenizers read from GGUF metadata: the real stories260K vocabulary, the
// golden models, and GGUF images written here from the Hugging Face files.
#include <gtest/gtest.h>

#include <algorithm>

#include "edgelm/error.h"
#include "gguf/gguf.h"
#include "test_data.h"
#include "tokenizer/unicode.h"

namespace edgelm {
namespace {

using Ids = std::vector<int32_t>;
using testing::shared_path;

std::unique_ptr<Tokenizer> load_gguf_tokenizer(const std::string& relative) {
  const std::string path = shared_path(relative);
  if (path.empty()) return nullptr;
  return Tokenizer::from_gguf(*gguf::File::open(path));
}

std::unique_ptr<gguf::File> to_file(const gguf::Writer& w) {
  const std::vector<uint8_t> bytes = w.to_bytes();
  return gguf::File::from_bytes(bytes.data(), bytes.size());
}

TEST(GgufVocab, Stories260K) {
  const auto t = load_gguf_tokenizer("models/stories260K.gguf");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->n_vocab(), 512);
  EXPECT_EQ(t->bos_id(), 1);
  EXPECT_EQ(t->eos_id(), 2);
  EXPECT_EQ(t->unk_id(), 0);
  EXPECT_TRUE(t->add_bos());
  EXPECT_TRUE(t->add_space_prefix());
  EXPECT_EQ(t->eog_ids(), (Ids{2}));
  // The model's own greedy output starts with exactly these pieces.
  const Ids ids = t->encode("Once upon a time", true);
  EXPECT_EQ(ids, (Ids{1, 403, 407, 261, 378}));
  EXPECT_EQ(t->decode(ids), "Once upon a time");
  EXPECT_EQ(t->token_to_piece(403), " Once");
  EXPECT_EQ(t->token_to_piece(1), "");
  EXPECT_EQ(t->token_to_piece(1, true), "<s>");
  // Characters outside the 512 pieces fall back to byte tokens <0x00>..<0xFF> (ids 3..258).
  const std::string foreign = "Lily saw \xE6\x97\xA5\xE6\x9C\xAC!";   // 日本
  const Ids mixed = t->encode(foreign, false);
  EXPECT_EQ(std::count_if(mixed.begin(), mixed.end(), [](int32_t id) { return id >= 3 && id < 259; }), 6);
  EXPECT_EQ(t->decode(mixed), foreign);
}

TEST(GgufVocab, Stories260KGreedyReference) {
  const auto t = load_gguf_tokenizer("models/stories260K.gguf");
  ASSERT_NE(t, nullptr);
  const auto ref = testing::read_json_file(shared_path("models/ref/stories260K_greedy.json"));
  const Ids tokens = ref.at("tokens").get<Ids>();
  const std::string text = ref.at("text").get<std::string>();
  EXPECT_EQ(t->decode(tokens), text);
  EXPECT_EQ(t->encode(text, true), tokens);
}

// The golden models carry a synthetic 512-token SPM vocabulary of their own:
// bytes, single characters and pseudo-words that no merge chain reaches.
TEST(GgufVocab, GoldenModelsHaveWorkingVocabularies) {
  const std::string text = "The little dog said: \"Hi, Tom!\"\n";
  for (const char* arch : {"llama", "qwen3", "gemma3", "gemma4", "qwen35"}) {
    const auto t = load_gguf_tokenizer(std::string("golden/") + arch + "/tiny-" + arch + "-f32.gguf");
    ASSERT_NE(t, nullptr) << arch;
    EXPECT_EQ(t->n_vocab(), 512) << arch;
    const Ids ids = t->encode(text, true);
    EXPECT_EQ(ids.front(), t->bos_id()) << arch;
    EXPECT_EQ(ids.size(), text.size() + 2) << arch;   // BOS, "▁" prefix, one per character
    EXPECT_EQ(t->decode(ids), text) << arch;
  }
}

// The GGUF metadata a converter writes for a tokenizer read from tokenizer.json.
void write_vocabulary(gguf::Writer& w, const TokenizerSpec& spec) {
  w.set_string_array("tokenizer.ggml.tokens", spec.tokens);
  std::vector<int32_t> types;
  for (TokenType t : spec.types) types.push_back(static_cast<int32_t>(t));
  w.set_i32_array("tokenizer.ggml.token_type", types);
  std::vector<std::string> merges;
  for (const auto& [left, right] : spec.merges) merges.push_back(left + " " + right);
  w.set_string_array("tokenizer.ggml.merges", merges);
}

TEST(GgufVocab, ByteLevelBpeFromAWrittenQwen3File) {
  TokenizerSpec spec = tokenizer_spec_from_hf_json(shared_path("tokenizers/qwen3/tokenizer.json"));
  gguf::Writer w;
  w.set_string("tokenizer.ggml.model", "gpt2");
  w.set_string("tokenizer.ggml.pre", "qwen2");
  write_vocabulary(w, spec);
  w.set_u32("tokenizer.ggml.bos_token_id", 151643);
  w.set_u32("tokenizer.ggml.eos_token_id", 151645);
  w.set_bool("tokenizer.ggml.add_bos_token", false);
  const auto t = Tokenizer::from_gguf(*to_file(w));
  EXPECT_FALSE(t->add_bos());
  EXPECT_EQ(t->eos_id(), 151645);
  EXPECT_EQ(t->eot_id(), 151643);   // <|endoftext|> is met first
  int compared = 0;
  for (const auto& line : testing::read_jsonl_file(shared_path("tokenizers/qwen3.reference.public.jsonl"))) {
    const std::string text = line.at("text").get<std::string>();
    if (tok::nfc(text) != text) continue;   // llama.cpp does not normalize; the reference did
    EXPECT_EQ(t->encode(text, true), line.at("ids").get<Ids>()) << line.at("text");
    ++compared;
  }
  EXPECT_GE(compared, 120);
}

TEST(GgufVocab, Gemma4FromAWrittenFile) {
  const TokenizerSpec spec = testing::gemma4_spec();
  gguf::Writer w;
  w.set_string("tokenizer.ggml.model", "gemma4");
  write_vocabulary(w, spec);
  w.set_u32("tokenizer.ggml.bos_token_id", 2);
  w.set_u32("tokenizer.ggml.eos_token_id", 1);
  w.set_u32("tokenizer.ggml.unknown_token_id", 3);
  w.set_u32("tokenizer.ggml.padding_token_id", 0);
  w.set_bool("tokenizer.ggml.add_bos_token", false);   // as early conversions wrote it
  w.set_i32_array("tokenizer.ggml.eos_token_ids", {1, 106, 50});
  const auto t = Tokenizer::from_gguf(*to_file(w));
  EXPECT_TRUE(t->add_bos());
  EXPECT_EQ(t->eog_ids(), (Ids{1, 50, 106}));
  int compared = 0;
  for (const auto& line :
       testing::read_jsonl_file(shared_path("tokenizers/gemma4_derived.reference.public.jsonl"))) {
    const std::string text = line.at("text").get<std::string>();
    EXPECT_EQ(t->encode(text, false), line.at("ids").get<Ids>()) << line.at("text");
    EXPECT_EQ(t->encode(text, true), line.at("ids_add_special_tokens").get<Ids>()) << line.at("text");
    ++compared;
  }
  EXPECT_EQ(compared, 123);
}

gguf::Writer minimal_writer(const std::string& model, const std::vector<std::string>& tokens) {
  gguf::Writer w;
  w.set_string("tokenizer.ggml.model", model);
  w.set_string_array("tokenizer.ggml.tokens", tokens);
  return w;
}

TEST(GgufVocab, RefusesWhatItCannotTokenizeFaithfully) {
  EXPECT_THROW(Tokenizer::from_gguf(*to_file(minimal_writer("bert", {"a"}))), Error);
  gguf::Writer unknown_pre = minimal_writer("gpt2", {"a"});
  unknown_pre.set_string("tokenizer.ggml.pre", "no-such-pre");
  EXPECT_THROW(Tokenizer::from_gguf(*to_file(unknown_pre)), Error);
  gguf::Writer no_tokens;
  no_tokens.set_string("tokenizer.ggml.model", "llama");
  EXPECT_THROW(Tokenizer::from_gguf(*to_file(no_tokens)), Error);
  gguf::Writer short_types = minimal_writer("llama", {"a", "b"});
  short_types.set_i32_array("tokenizer.ggml.token_type", {1});
  EXPECT_THROW(Tokenizer::from_gguf(*to_file(short_types)), Error);
  gguf::Writer bad_merge = minimal_writer("gpt2", {"a", "b", "ab"});
  bad_merge.set_string("tokenizer.ggml.pre", "qwen2");
  bad_merge.set_string_array("tokenizer.ggml.merges", {"ab"});
  EXPECT_THROW(Tokenizer::from_gguf(*to_file(bad_merge)), Error);
  gguf::Writer wrong_type = minimal_writer("llama", {"a"});
  wrong_type.set_string("tokenizer.ggml.scores", "high");
  EXPECT_THROW(Tokenizer::from_gguf(*to_file(wrong_type)), Error);
}

TEST(GgufVocab, DefaultsAndOutOfRangeIds) {
  gguf::Writer w = minimal_writer("llama", {"<unk>", "<s>", "</s>", "a"});
  w.set_u32("tokenizer.ggml.eos_token_id", 4294967295u);   // "none": the default stays
  w.set_u32("tokenizer.ggml.padding_token_id", 7);
  const auto t = Tokenizer::from_gguf(*to_file(w));
  EXPECT_EQ(t->bos_id(), 1);
  EXPECT_EQ(t->eos_id(), 2);
  EXPECT_EQ(t->pad_id(), -1);
  gguf::Writer tiny = minimal_writer("gpt2", {"a", "b"});   // default bos/eos 11 do not exist
  const auto b = Tokenizer::from_gguf(*to_file(tiny));
  EXPECT_EQ(b->bos_id(), -1);
  EXPECT_EQ(b->pre_tokenizer(), PreTokenizer::kDefault);
}

}  // namespace
}  // namespace edgelm
