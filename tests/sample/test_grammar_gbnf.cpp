// GBNF parsing: the notation, the matcher's view of the result, and errors.
#include <gtest/gtest.h>

#include <chrono>

#include "edgelm/error.h"
#include "grammar_test_util.h"
#include "sample/grammar/gbnf.h"

namespace edgelm::testing {
namespace {

using grammar::Grammar;
using grammar::parse_gbnf;

const char* const kJsonGbnf = R"(
# A JSON grammar in the style of llama.cpp's grammars/json.gbnf
root   ::= object
value  ::= object | array | string | number | ("true" | "false" | "null") ws

object ::=
  "{" ws (
            string ":" ws value
    ("," ws string ":" ws value)*
  )? "}" ws

array  ::=
  "[" ws (
            value
    ("," ws value)*
  )? "]" ws

string ::=
  "\"" (
    [^"\\\x7F\x00-\x1F] |
    "\\" (["\\bfnrt] | "u" [0-9a-fA-F]{4}) # escapes
  )* "\"" ws

number ::= ("-"? ([0-9] | [1-9] [0-9]{0,15})) ("." [0-9]+)? ([eE] [-+]? [0-9] [1-9]{0,15})? ws
ws ::= | " " | "\n" [ \t]{0,20}
)";

TEST(GbnfTest, JsonGrammarMatchesJson) {
  const Grammar g = parse_gbnf(kJsonGbnf);
  EXPECT_TRUE(grammar_accepts(g, R"({"a": [1, 2.5, -3e4], "b": {"c": "d\n\u00e9"}, "e": true})"));
  EXPECT_TRUE(grammar_accepts(g, "{}"));
  EXPECT_TRUE(grammar_accepts(g, "{\"k\":\"caf\xC3\xA9\"}"));
  EXPECT_FALSE(grammar_accepts(g, R"({"a": })"));
  EXPECT_FALSE(grammar_accepts(g, R"({"a": tru})"));
  EXPECT_FALSE(grammar_accepts(g, "[1]"));  // root is an object
  EXPECT_FALSE(grammar_accepts(g, "{\"a\":\"\x01\"}"));
}

TEST(GbnfTest, OperatorsAndClasses) {
  const Grammar g = parse_gbnf(R"(
root ::= "a"{2} "b"{1,} "c"{0,2} [x-z]? tail
tail ::= [^abc\n] | "\x41" | "\u00e9" | "\U0001F600" | .   # '.' is any character
)");
  EXPECT_TRUE(grammar_accepts(g, "aabd"));
  EXPECT_TRUE(grammar_accepts(g, "aabbbccyA"));
  EXPECT_TRUE(grammar_accepts(g, "aab\xC3\xA9"));
  EXPECT_TRUE(grammar_accepts(g, "aab\xF0\x9F\x98\x80"));
  EXPECT_TRUE(grammar_accepts(g, "aabc\n"));  // '.' takes the newline
  EXPECT_FALSE(grammar_accepts(g, "abd"));
  EXPECT_FALSE(grammar_accepts(g, "aabcccd"));
  EXPECT_FALSE(grammar_accepts(g, "aab\xC3"));  // half a character
}

TEST(GbnfTest, ContinuationLinesNestingAndComments) {
  const Grammar g = parse_gbnf(
      "root ::= item\n"
      "       | \"(\" root (\",\" root)* \")\"   # nested lists\n"
      "item ::= [0-9]+\n");
  EXPECT_TRUE(grammar_accepts(g, "(1,(2,3),((4)))"));
  EXPECT_FALSE(grammar_accepts(g, "(1,2"));
}

TEST(GbnfTest, TokenReferences) {
  grammar::GbnfOptions options;
  options.resolve_token = [](std::string_view text) -> std::optional<int32_t> {
    if (text == "<think>") return 7;
    return std::nullopt;
  };
  const Grammar g = parse_gbnf("root ::= <think> \"x\" <[9]>\n", options);
  ASSERT_EQ(g.element(g.alternatives(g.root())[0]).kind, grammar::ElementKind::kToken);
  EXPECT_EQ(g.element(g.alternatives(g.root())[0]).value, 7);
  EXPECT_NE(g.to_string().find("<[9]>"), std::string::npos);
}

TEST(GbnfTest, NullableRepetitionIsNotLeftRecursion) {
  // (a?)* repeats something that can be empty; tail recursion keeps it finite.
  const Grammar g = parse_gbnf("root ::= (\"a\"?)* \"b\"\n");
  EXPECT_TRUE(grammar_accepts(g, "aaab"));
  EXPECT_TRUE(grammar_accepts(g, "b"));
}

TEST(GbnfTest, AmbiguousGrammarStaysFast) {
  const auto start = std::chrono::steady_clock::now();
  const Grammar g = parse_gbnf("root ::= (\"a\"?){0,300} (\"a\" | \"aa\")* \"b\"\n");
  EXPECT_TRUE(grammar_accepts(g, std::string(200, 'a') + "b"));
  EXPECT_FALSE(grammar_accepts(g, std::string(200, 'a') + "c"));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

struct BadGrammar {
  const char* text;
  const char* message;
};

TEST(GbnfTest, ErrorsNameTheProblemAndPlace) {
  const BadGrammar cases[] = {
      {"root \"a\"\n", "line 1, column 6: expected '::=' after rule name 'root'"},
      {"root ::= a\n", "line 1, column 10: undefined rule 'a'"},
      {"root ::= \"abc\n", "line 1, column 10: unterminated string literal"},
      {"root ::= [abc\n", "line 1, column 10: unterminated character class"},
      {"root ::= \"\\q\"\n", "unknown escape '\\q'"},
      {"root ::= root \"a\" | \"b\"\n", "left-recursive"},
      {"start ::= \"a\"\n", "no rule named 'root'"},
      {"root ::= \"a\"\nroot ::= \"b\"\n", "line 2, column 1: rule 'root' is defined twice"},
      {"root ::= \"a\"{3,2}\n", "repetition {m,n} with n < m"},
      {"root ::= \"a\"{99999999}\n", "repetition count too large"},
      {"root ::= \"a\" )\n", "unexpected ')'"},
      {"root ::= (\"a\"\n", "expected ')'"},
      {"root ::= [z-a]\n", "character range is out of order"},
      {"root ::= \"\xC3\"\n", "invalid UTF-8"},
      {"root ::= <think>\n", "needs a vocabulary"},
      {"root ::= <[x]>\n", "bad token id"},
      {"root ::= a\na ::= \"x\" a\n", "can never finish"},
      {"root ::= \"\\uD800\"\n", "not a Unicode scalar value"},
  };
  for (const BadGrammar& c : cases) {
    try {
      parse_gbnf(c.text);
      ADD_FAILURE() << "accepted: " << c.text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << c.text << " -> " << e.what();
    }
  }
}

TEST(GbnfTest, DeepNestingIsAnError) {
  const std::string text = "root ::= " + std::string(200, '(') + "\"a\"" + std::string(200, ')') + "\n";
  EXPECT_THROW(parse_gbnf(text), Error);
}

// Stacked repetition operators nest without parentheses; lowering them used
// to recurse once per operator (a stack overflow at 100000 of them).
TEST(GbnfTest, StackedRepetitionsAreBounded) {
  EXPECT_NO_THROW(parse_gbnf("root ::= \"a\"" + std::string(500, '?') + "\n"));
  for (const std::string op : {"?", "*", "+", "{0,1}"}) {
    std::string stacked;
    for (int i = 0; i < 100000; i++) stacked += op;
    try {
      parse_gbnf("root ::= \"a\"" + stacked + "\n");
      ADD_FAILURE() << "no error for 100000 stacked " << op;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("nested more than"), std::string::npos) << e.what();
    }
  }
}

// Elements are counted as they are produced, not once an alternative is
// complete: this asks for 10^10 of them in 500 kB of source.
TEST(GbnfTest, ElementBudgetIsCheckedWhileLowering) {
  std::string text = "root ::=";
  for (int i = 0; i < 100000; i++) text += " \"a\"{100000}";
  try {
    parse_gbnf(text + "\n");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("grammar too large"), std::string::npos) << e.what();
  }
}

TEST(GbnfTest, HugeRepetitionIsBounded) {
  // Nested bounded repetitions share their rules instead of multiplying out.
  const Grammar g = parse_gbnf("root ::= ((\"ab\"{0,1000}){0,1000}){0,1000}\n");
  EXPECT_LT(g.elements().size(), 100000u);
  EXPECT_THROW(parse_gbnf("root ::= \"a\"{100000} \"b\"{100000} \"c\"{100000} \"d\"{100000} \"e\"{100000} "
                          "\"f\"{100000} \"g\"{100000} \"h\"{100000} \"i\"{100000} \"j\"{100000} \"k\"{100000} "
                          "\"l\"{100000} \"m\"{100000} \"n\"{100000} \"o\"{100000} \"p\"{100000} \"q\"{100000} "
                          "\"r\"{100000} \"s\"{100000} \"t\"{100000} \"u\"{100000}\n"),
               Error);
}

}  // namespace
}  // namespace edgelm::testing
