// Exact agreement with reference tokenizations of real vocabularies
// (../shared/tokenizers, see its README for how each file was produced).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

#include "test_data.h"
#include "tokenizer/pretokenize.h"
#include "tokenizer/unicode.h"

namespace edgelm {
namespace {

using testing::ids_to_string;
using testing::read_json_file;
using testing::read_jsonl_file;
using testing::shared_path;

std::vector<int32_t> to_ids(const nlohmann::json& array) { return array.get<std::vector<int32_t>>(); }

// Every line: ids without and with special tokens, and the round trip.
// Decoding renders special tokens, as the reference's decode does.
void check_reference_file(const Tokenizer* tokenizer, const std::string& file) {
  ASSERT_NE(tokenizer, nullptr);
  const auto lines = read_jsonl_file(shared_path("tokenizers/" + file));
  ASSERT_FALSE(lines.empty()) << file;
  int checks = 0, passed = 0;
  const auto check = [&](bool ok, const nlohmann::json& line, const std::string& what,
                         const std::string& detail) {
    ++checks;
    if (ok) {
      ++passed;
    } else {
      ADD_FAILURE() << file << " idx " << line.at("idx") << " (" << line.at("category") << ") " << what
                    << ": " << detail << "\n  text: " << line.at("text").dump();
    }
  };
  for (const auto& line : lines) {
    const std::string text = line.at("text").get<std::string>();
    const auto plain = tokenizer->encode(text, false);
    const auto expect_plain = to_ids(line.at("ids"));
    check(plain == expect_plain, line, "ids", ids_to_string(plain) + " != " + ids_to_string(expect_plain));
    const auto with = tokenizer->encode(text, true);
    // The Qwen3 file leaves the field out: Qwen3 adds no special tokens.
    const auto expect_with = to_ids(line.value("ids_add_special_tokens", line.at("ids")));
    check(with == expect_with, line, "ids_add_special_tokens",
          ids_to_string(with) + " != " + ids_to_string(expect_with));
    if (line.at("roundtrip").get<bool>()) {
      const std::string decoded = tokenizer->decode(expect_plain, /*render_special=*/true);
      check(decoded == text, line, "roundtrip", nlohmann::json(decoded).dump());
    }
  }
  std::printf("[ reference ] %s: %d/%d checks passed (%zu lines)\n", file.c_str(), passed, checks,
              lines.size());
  EXPECT_EQ(passed, checks);
}

TEST(Reference, Gemma3) { check_reference_file(testing::gemma3_tokenizer(), "gemma3.reference.public.jsonl"); }
TEST(Reference, Qwen3) { check_reference_file(testing::qwen3_tokenizer(), "qwen3.reference.public.jsonl"); }
TEST(Reference, Gemma4Derived) {
  check_reference_file(testing::gemma4_tokenizer(), "gemma4_derived.reference.public.jsonl");
}

TEST(Reference, GoldenCrosschecks) {
  const auto checks = read_json_file(shared_path("tokenizers/golden_crosschecks.json"));
  int passed = 0;
  for (const auto& c : checks) {
    const std::string label = c.at("label").get<std::string>();
    const Tokenizer* tokenizer = label.rfind("qwen3", 0) == 0    ? testing::qwen3_tokenizer()
                                 : label.rfind("gemma4", 0) == 0 ? testing::gemma4_tokenizer()
                                                                 : testing::gemma3_tokenizer();
    ASSERT_NE(tokenizer, nullptr);
    const auto got = tokenizer->encode(c.at("text").get<std::string>(), false);
    const auto expect = to_ids(c.at("expect"));
    EXPECT_EQ(got, expect) << label;
    passed += got == expect;
  }
  std::printf("[ reference ] golden_crosschecks.json: %d/%zu passed\n", passed, checks.size());
}

TEST(Reference, Gemma4SpecialTokens) {
  const Tokenizer* t = testing::gemma4_tokenizer();
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->n_vocab(), 262144);
  EXPECT_EQ(t->find_token("<|turn>"), 105);
  EXPECT_EQ(t->find_token("<|tool_response>"), 50);
  EXPECT_EQ(t->token_type(100), TokenType::kUserDefined);  // <|channel>
  EXPECT_EQ(t->token_type(106), TokenType::kControl);      // <turn|>
  // EOG: <eos>, <turn|>, <|tool_response>; the HTML "</s>" is not one.
  EXPECT_EQ(t->eog_ids(), (std::vector<int32_t>{1, 50, 106}));
  EXPECT_TRUE(t->add_bos());
  // Control tokens are hidden unless rendered; user-defined ones are text.
  EXPECT_EQ(t->decode({105, 2364, 107, 100, 101, 106}), "user\n<|channel><channel|>");
  // User text may not smuggle in control tokens, but user-defined ones still match.
  EXPECT_EQ(t->encode("<|turn>", false, /*parse_special=*/false),
            (std::vector<int32_t>{236820, 236909, 887, 236813}));
  EXPECT_EQ(t->encode("<|channel>", false, false), (std::vector<int32_t>{100}));
}

TEST(Reference, Gemma3AndQwen3Settings) {
  const Tokenizer* g = testing::gemma3_tokenizer();
  const Tokenizer* q = testing::qwen3_tokenizer();
  ASSERT_NE(g, nullptr);
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(g->n_vocab(), 262145);
  EXPECT_EQ(g->bos_id(), 2);
  EXPECT_TRUE(g->add_bos());
  EXPECT_EQ(g->eos_id(), 106);   // tokenizer_config.json: <end_of_turn>
  EXPECT_TRUE(g->is_eog(1));
  EXPECT_TRUE(g->is_eog(106));
  EXPECT_FALSE(g->chat_template().empty());
  EXPECT_EQ(q->n_vocab(), 151669);
  EXPECT_EQ(q->bos_id(), -1);
  EXPECT_FALSE(q->add_bos());
  EXPECT_EQ(q->eos_id(), 151645);
  // <|im_end|>, <|endoftext|> and the FIM pad / repo / file-separator tokens,
  // and, by llama.cpp's text list, the ordinary BPE token "</s>".
  EXPECT_EQ(q->eog_ids(), (std::vector<int32_t>{128247, 151643, 151645, 151662, 151663, 151664}));
  EXPECT_EQ(q->token_text(128247), "</s>");
  EXPECT_EQ(q->pre_tokenizer(), PreTokenizer::kQwen2);
}

// Qwen3.5's vocabulary is not available; what can be checked is its new
// pre-tokenizer: the 75 reference tokens must tile the words our qwen35
// scanner produces (no token crosses a word border), and the qwen2 scanner
// must fail that test (the text has a Thai combining mark).
TEST(Reference, Qwen35PreTokenizerAgreesWithGoldenTokens) {
  const auto golden = read_json_file(shared_path("tokenizers/qwen3_5_golden_from_transformers_test.json"));
  const std::string text = tok::nfc(golden.at("text").get<std::string>());
  const auto tokens = golden.at("expected_tokens").get<std::vector<std::string>>();
  ASSERT_EQ(tokens.size(), golden.at("expected_ids").size());
  ASSERT_EQ(tokens.size(), 75u);
  std::string joined;
  std::vector<size_t> token_ends;   // byte-level encoded offsets
  for (const std::string& t : tokens) token_ends.push_back((joined += t).size());

  const auto word_ends = [&](PreTokenizer kind) {
    std::vector<std::string_view> words;
    pre_tokenize(kind, text, words);
    std::vector<size_t> ends;
    size_t end = 0;
    for (std::string_view w : words) ends.push_back(end += tok::byte_level_encode(w).size());
    return ends;
  };
  ASSERT_EQ(tok::byte_level_encode(text), joined);
  const auto tiles = [&](const std::vector<size_t>& ends) {
    for (size_t e : ends) {
      if (std::find(token_ends.begin(), token_ends.end(), e) == token_ends.end()) return false;
    }
    return true;
  };
  EXPECT_TRUE(tiles(word_ends(PreTokenizer::kQwen35)));
  EXPECT_FALSE(tiles(word_ends(PreTokenizer::kQwen2)));
  EXPECT_EQ(word_ends(PreTokenizer::kQwen35).size(), 63u);   // 75 tokens in 63 words
}

// llama.cpp's tokenizer test vectors. The qwen2 vocabulary is Qwen3's
// (the ids agree), so they run against Qwen3's tokenizer.json with the GGUF
// semantics (no NFC). The llama-spm vectors need Llama 2's 32000-token
// vocabulary, which is not in ../shared.
TEST(Reference, LlamaCppQwen2Vectors) {
  std::ifstream in(shared_path("tokenizers/llama_cpp_vocab_tests/ggml-vocab-qwen2.gguf.inp"), std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string all = buffer.str();
  std::vector<std::string> texts;
  const std::string sep = "\n__ggml_vocab_test__\n";
  for (size_t pos; (pos = all.find(sep)) != std::string::npos; all.erase(0, pos + sep.size())) {
    texts.push_back(all.substr(0, pos));
  }
  std::ifstream out(shared_path("tokenizers/llama_cpp_vocab_tests/ggml-vocab-qwen2.gguf.out"));
  std::vector<std::vector<int32_t>> expected;
  for (std::string line; expected.size() < texts.size() && std::getline(out, line);) {
    std::istringstream ids(line);
    expected.emplace_back(std::istream_iterator<int32_t>(ids), std::istream_iterator<int32_t>());
  }
  ASSERT_EQ(texts.size(), 46u);
  ASSERT_EQ(expected.size(), texts.size());

  TokenizerSpec spec = tokenizer_spec_from_hf_json(shared_path("tokenizers/qwen3/tokenizer.json"));
  spec.nfc = false;   // llama.cpp does not normalize
  const Tokenizer tokenizer(std::move(spec));
  int passed = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const auto got = tokenizer.encode(texts[i], false, false);
    EXPECT_EQ(got, expected[i]) << "text " << i << ": " << nlohmann::json(texts[i]).dump();
    passed += got == expected[i];
    EXPECT_EQ(tokenizer.decode(got), texts[i]);
  }
  std::printf("[ reference ] ggml-vocab-qwen2: %d/%zu passed\n", passed, texts.size());
}

TEST(Reference, LlamaCppSpmVectors) {
  GTEST_SKIP() << "ggml-vocab-llama-spm.gguf.out holds ids of Llama 2's 32000-token vocabulary, "
                  "which ../shared does not contain (stories260K has a different 512-token one)";
}

}  // namespace
}  // namespace edgelm
