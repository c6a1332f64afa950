#include <gtest/gtest.h>

#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode.h"

namespace edgelm {
namespace {

using namespace tok;

TEST(Unicode, DecodesValidAndReplacesInvalidSequences) {
  const std::string s = "a\xC3\xA9\xE2\x96\x81\xF0\x9F\x98\x80";  // a é ▁ 😀
  size_t i = 0;
  EXPECT_EQ(utf8_next(s, i), 0x61u);
  EXPECT_EQ(utf8_next(s, i), 0xE9u);
  EXPECT_EQ(utf8_next(s, i), 0x2581u);
  EXPECT_EQ(utf8_next(s, i), 0x1F600u);
  EXPECT_EQ(i, s.size());
  // Stray continuation, overlong, surrogate, truncated: one U+FFFD per bad byte.
  for (const std::string bad : {"\x80", "\xC0\xAF", "\xED\xA0\x80", "\xE2\x96", "\xF5\x80\x80\x80"}) {
    size_t j = 0;
    EXPECT_EQ(utf8_next(bad, j), kReplacementChar);
    EXPECT_EQ(j, 1u);
  }
  EXPECT_EQ(utf8_sanitize("ok\xFFok"), "ok\xEF\xBF\xBDok");
  EXPECT_EQ(utf8_sanitize(s), s);
}

TEST(Unicode, EncodesCodePoints) {
  std::string out;
  for (uint32_t cp : {0x24u, 0xA2u, 0x20ACu, 0x10348u}) utf8_append(out, cp);
  EXPECT_EQ(out, "\x24\xC2\xA2\xE2\x82\xAC\xF0\x90\x8D\x88");
}

TEST(Unicode, CharacterClasses) {
  EXPECT_EQ(char_class('a'), kLetter);
  EXPECT_EQ(char_class(0x4E2D), kLetter);    // 中
  EXPECT_EQ(char_class('7'), kNumber);
  EXPECT_EQ(char_class(0xBD), kNumber);      // ½ (No)
  EXPECT_EQ(char_class(0x2167), kNumber);    // Ⅷ (Nl)
  EXPECT_EQ(char_class(0x301), kMark);       // combining acute
  EXPECT_EQ(char_class(0xE35), kMark);       // Thai sara ii
  EXPECT_EQ(char_class('!'), kPunct);
  EXPECT_EQ(char_class('$'), kSymbol);
  EXPECT_EQ(char_class(0x1F600), kSymbol);   // 😀, outside the BMP
  EXPECT_EQ(char_class(' '), kWhitespace);
  EXPECT_EQ(char_class('\n'), kWhitespace);  // Cc, but White_Space
  EXPECT_EQ(char_class(0xA0), kWhitespace);  // no-break space
  EXPECT_EQ(char_class(0x3000), kWhitespace);
  EXPECT_EQ(char_class(0x200B), 0);          // zero-width space is not White_Space
}

TEST(Unicode, Gpt2ByteTable) {
  EXPECT_EQ(byte_to_codepoint(' '), 0x120u);   // Ġ
  EXPECT_EQ(byte_to_codepoint('\n'), 0x10Au);  // Ċ
  EXPECT_EQ(byte_to_codepoint('A'), static_cast<uint32_t>('A'));
  EXPECT_EQ(byte_to_codepoint(0xAD), 0x143u);  // the last stand-in
  for (int b = 0; b < 256; ++b) EXPECT_EQ(byte_from_codepoint(byte_to_codepoint(b)), b);
  EXPECT_EQ(byte_from_codepoint(0x144), -1);
  EXPECT_EQ(byte_level_encode("a b\n"), "a\xC4\xA0" "b\xC4\x8A");
}

TEST(Unicode, Nfc) {
  EXPECT_EQ(nfc("e\xCC\x81"), "\xC3\xA9");   // e + U+0301 -> é
  EXPECT_EQ(nfc("plain ascii"), "plain ascii");
  EXPECT_EQ(nfc("\xC3\xA9"), "\xC3\xA9");
}

TEST(Unicode, IncompleteTail) {
  EXPECT_EQ(utf8_incomplete_tail("abc"), 0u);
  EXPECT_EQ(utf8_incomplete_tail("a\xE2"), 1u);
  EXPECT_EQ(utf8_incomplete_tail("a\xE2\x96"), 2u);
  EXPECT_EQ(utf8_incomplete_tail("a\xE2\x96\x81"), 0u);
  EXPECT_EQ(utf8_incomplete_tail("\xF0\x9F\x98"), 3u);
  EXPECT_EQ(utf8_incomplete_tail("a\x96"), 0u);  // stray continuation: nothing to wait for
}

TEST(Utf8StreamDecoder, HoldsBackIncompleteSequences) {
  Utf8StreamDecoder stream;
  EXPECT_EQ(stream.push("Hi \xF0\x9F"), "Hi ");
  EXPECT_EQ(stream.pending(), 2u);
  EXPECT_EQ(stream.push("\x98"), "");
  EXPECT_EQ(stream.push("\x80!"), "\xF0\x9F\x98\x80!");
  EXPECT_EQ(stream.push("\xE2\x96"), "");
  EXPECT_EQ(stream.flush(), "\xE2\x96");   // the stream ended mid-sequence
  EXPECT_EQ(stream.pending(), 0u);
  EXPECT_EQ(stream.push("\xFF"), "\xFF");  // never valid: passed on at once
}

}  // namespace
}  // namespace edgelm
