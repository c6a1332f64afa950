// tokenizer.json variants beyond the two real files: merges as "a b"
// strings, a GPT-2 style ByteLevel pre-tokenizer, templates that add EOS, a
// SentencePiece-style Metaspace, and files that must be refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "edgelm/error.h"
#include "tokenizer/tokenizer.h"

namespace edgelm {
namespace {

using nlohmann::json;
using Ids = std::vector<int32_t>;

// Writes `doc` as tokenizer.json in a fresh folder; returns its path.
std::string write_tokenizer_json(const std::string& name, const std::string& text) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / ("edgelm_tok_" + name);
  std::filesystem::create_directories(dir);
  std::filesystem::remove(dir / "tokenizer_config.json");
  const auto path = dir / "tokenizer.json";
  std::ofstream(path) << text;
  return path.string();
}

json byte_level_gpt2() {
  // "Ġ" is U+0120; the vocabulary covers only what the test text needs.
  return {{"model",
           {{"type", "BPE"},
            {"vocab", {{"h", 0}, {"i", 1}, {"\xC4\xA0", 2}, {"hi", 3}, {"\xC4\xA0hi", 4}, {"!", 5}}},
            {"merges", {"h i", "\xC4\xA0 hi"}}}},
          {"added_tokens", {{{"id", 6}, {"content", "</s>"}, {"special", true}}}},
          {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
          {"post_processor",
           {{"type", "TemplateProcessing"},
            {"single", {{{"Sequence", {{"id", "A"}}}}, {{"SpecialToken", {{"id", "</s>"}}}}}},
            {"special_tokens", {{"</s>", {{"id", "</s>"}, {"ids", {6}}}}}}}}};
}

TEST(HfJson, StringMergesByteLevelRegexAndEosTemplate) {
  const auto t = Tokenizer::from_hf_json(write_tokenizer_json("gpt2", byte_level_gpt2().dump()));
  EXPECT_EQ(t->pre_tokenizer(), PreTokenizer::kGpt2);
  EXPECT_EQ(t->encode("hi hi!", false), (Ids{3, 4, 5}));
  EXPECT_TRUE(t->add_eos());
  EXPECT_FALSE(t->add_bos());
  EXPECT_EQ(t->encode("hi", true), (Ids{3, 6}));
  EXPECT_EQ(t->decode({3, 4, 5, 6}), "hi hi!");
  EXPECT_TRUE(t->is_eog(6));
}

TEST(HfJson, MetaspaceAddsTheSpacePrefix) {
  const json doc = {
      {"model",
       {{"type", "BPE"},
        {"byte_fallback", true},
        {"vocab", {{"<unk>", 0}, {"\xE2\x96\x81", 1}, {"a", 2}, {"\xE2\x96\x81" "a", 3}, {"<0x21>", 4}}},
        {"merges", json::array({json::array({"\xE2\x96\x81", "a"})})},
        {"unk_token", "<unk>"}}},
      {"pre_tokenizer",
       {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", "first"}, {"split", false}}}};
  const auto t = Tokenizer::from_hf_json(write_tokenizer_json("metaspace", doc.dump()));
  EXPECT_EQ(t->encode("a a!", false), (Ids{3, 3, 4}));
  EXPECT_EQ(t->decode({3, 3, 4}), "a a!");
  EXPECT_EQ(t->token_type(4), TokenType::kByte);
  EXPECT_EQ(t->unk_id(), 0);
}

TEST(HfJson, RefusesWhatItDoesNotImplement) {
  json unigram = byte_level_gpt2();
  unigram["model"]["type"] = "Unigram";
  json regex = byte_level_gpt2();
  regex["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "\\w+"}}}, {"behavior", "Isolated"}};
  json normalizer = byte_level_gpt2();
  normalizer["normalizer"] = {{"type", "Lowercase"}};
  json far_id = byte_level_gpt2();
  far_id["added_tokens"][0]["id"] = 1LL << 40;
  json bad_merge = byte_level_gpt2();
  bad_merge["model"]["merges"] = {"hi"};
  json merges_object = byte_level_gpt2();
  merges_object["model"]["merges"] = {{"h", "i"}};
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"unigram", unigram.dump()}, {"regex", regex.dump()}, {"normalizer", normalizer.dump()},
      {"far_id", far_id.dump()}, {"bad_merge", bad_merge.dump()}, {"truncated", byte_level_gpt2().dump(1).substr(0, 90)},
      {"not_object", "[1, 2]"}, {"merges_object", merges_object.dump()}};
  for (const auto& [name, text] : cases) {
    EXPECT_THROW(Tokenizer::from_hf_json(write_tokenizer_json(name, text)), Error) << name;
  }
  EXPECT_THROW(Tokenizer::from_hf_json("/nonexistent/tokenizer.json"), Error);
}

}  // namespace
}  // namespace edgelm
