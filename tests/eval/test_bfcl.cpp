// BFCL: the decoder and AST checker against the official checker's own
// verdicts (checker_selftest.public.jsonl, made by upstream's Python code),
// plus the rules one by one on small hand-made questions.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include <unistd.h>

#include "edgelm/error.h"
#include "eval/bfcl/bfcl.h"

namespace bfcl = edgelm::eval::bfcl;
using nlohmann::json;

namespace {

const std::filesystem::path kData = std::filesystem::path(EDGELM_DATA_DIR) / "evals" / "bfcl";
const std::filesystem::path kSelftest = std::filesystem::path(EDGELM_SHARED_DIR) / "evals" / "bfcl" / "checker_selftest.public.jsonl";

const bfcl::Suite& suite() {
  static const bfcl::Suite s = bfcl::load_suite(kData, bfcl::categories());
  return s;
}

bfcl::Question question(const std::string& category, const json& functions) {
  bfcl::Question q;
  q.id = category + "_test";
  q.category = category;
  q.turns = json::array();
  q.functions = functions;
  return q;
}

// A one-function question; `properties` maps names to schemas.
bfcl::Question simple(const json& properties, const json& required, const std::string& category = "simple_python",
                      const std::string& name = "f") {
  return question(category, json::array({{{"name", name},
                                          {"description", "d"},
                                          {"parameters", {{"type", "dict"}, {"properties", properties}, {"required", required}}}}}));
}

bfcl::Verdict text_verdict(const bfcl::Question& q, const json& truth, const std::string& output) {
  return bfcl::check_text(q, truth, output);
}

std::string error_of(const bfcl::Question& q, const json& truth, const std::string& output) {
  const bfcl::Verdict v = text_verdict(q, truth, output);
  EXPECT_EQ(v.valid, v.error_type.empty()) << output;
  return v.valid ? "valid" : v.error_type;
}

json one_call(const std::string& output) {
  const std::vector<bfcl::Call> calls = bfcl::parse_python_calls(output);
  EXPECT_EQ(calls.size(), 1u) << output;
  return calls.empty() ? json() : calls[0].arguments;
}

}  // namespace

// ---------------------------------------------------------------- the official verdicts

TEST(BfclSelftest, AgreesWithEveryOfficialVerdict) {
  std::ifstream in(kSelftest);
  ASSERT_TRUE(in) << kSelftest;
  size_t lines = 0, agree = 0;
  std::string line;
  while (std::getline(in, line)) {
    const json expected = json::parse(line);
    const bfcl::LineVerdict got = bfcl::check_line(line, suite());
    const std::string want_type = expected["expected_error_type"].is_null() ? "" : expected["expected_error_type"].get<std::string>();
    ++lines;
    if (got.verdict.valid == expected["expected_valid"].get<bool>() && got.verdict.error_type == want_type) {
      ++agree;
    } else {
      ADD_FAILURE() << expected["id"] << " " << expected["variant"] << ": expected '" << want_type << "', got '"
                    << got.verdict.error_type << "' (" << got.verdict.error << ") for " << expected["model_output"];
    }
  }
  std::cout << "BFCL checker selftest: " << agree << "/" << lines << " lines agree with the official checker\n";
  EXPECT_EQ(lines, 3241u);
  EXPECT_EQ(agree, lines);
}

// ---------------------------------------------------------------- the decoder

TEST(BfclParser, CallsNamesAndLiterals) {
  const auto calls = bfcl::parse_python_calls("[math.hypot(x=4, y=5.0), a.b.c(s='t', n=None, t=True, f=False)]");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].name, "math.hypot");
  EXPECT_TRUE(calls[0].arguments["x"].is_number_integer());
  EXPECT_TRUE(calls[0].arguments["y"].is_number_float());
  EXPECT_EQ(calls[1].name, "a.b.c");
  EXPECT_EQ(calls[1].arguments, json({{"s", "t"}, {"n", nullptr}, {"t", true}, {"f", false}}));
  // As upstream: brackets added when missing, code fences and spaces stripped.
  EXPECT_EQ(bfcl::parse_python_calls("f(x=1)")[0].name, "f");
  EXPECT_EQ(bfcl::parse_python_calls("```\n[f(x=1), g()]\n```").size(), 2u);
  EXPECT_TRUE(bfcl::parse_python_calls("[]").empty());
  EXPECT_TRUE(bfcl::parse_python_calls("").empty());
}

TEST(BfclParser, Numbers) {
  const json a = one_call("[f(a=-3, b=-2.5, c=1e3, d=-1.5E-2, e=0x1F, f=1_000, g=.5, h=7., i=0o17, j=0b101, k=00)]");
  EXPECT_EQ(a["a"], -3);
  EXPECT_TRUE(a["a"].is_number_integer());
  EXPECT_EQ(a["b"], -2.5);
  EXPECT_TRUE(a["c"].is_number_float());
  EXPECT_DOUBLE_EQ(a["c"].get<double>(), 1000.0);
  EXPECT_DOUBLE_EQ(a["d"].get<double>(), -0.015);
  EXPECT_EQ(a["e"], 31);
  EXPECT_EQ(a["f"], 1000);
  EXPECT_DOUBLE_EQ(a["g"].get<double>(), 0.5);
  EXPECT_TRUE(a["h"].is_number_float());
  EXPECT_EQ(a["i"], 15);
  EXPECT_EQ(a["j"], 5);
  EXPECT_EQ(a["k"], 0);
  EXPECT_EQ(one_call("[f(x=18446744073709551615)]")["x"].get<uint64_t>(), 18446744073709551615u);
  EXPECT_THROW(bfcl::parse_python_calls("[f(x=007)]"), edgelm::Error);  // leading zeros
  EXPECT_THROW(bfcl::parse_python_calls("[f(x=1__0)]"), edgelm::Error);
  EXPECT_THROW(bfcl::parse_python_calls("[f(x=1abc)]"), edgelm::Error);
}

TEST(BfclParser, Strings) {
  const json a = one_call(R"py([f(a='it\'s', b="say \"hi\"", c='''x
y''', d="\x41\u00e9\U0001F600\101\q", e=r'\n', f='a' "b", g='tab\there', h="""q""")])py");
  EXPECT_EQ(a["a"], "it's");
  EXPECT_EQ(a["b"], "say \"hi\"");
  EXPECT_EQ(a["c"], "x\ny");
  EXPECT_EQ(a["d"], "A\xC3\xA9\xF0\x9F\x98\x80" "A\\q");  // unknown escapes stay as written
  EXPECT_EQ(a["e"], "\\n");
  EXPECT_EQ(a["f"], "ab");
  EXPECT_EQ(a["g"], "tab\there");
  EXPECT_EQ(a["h"], "q");
  EXPECT_THROW(bfcl::parse_python_calls("[f(x='abc)]"), edgelm::Error);
  EXPECT_THROW(bfcl::parse_python_calls("[f(x='''abc)]"), edgelm::Error);
  EXPECT_THROW(bfcl::parse_python_calls("[f(x='a\nb')]"), edgelm::Error);
  EXPECT_THROW(bfcl::parse_python_calls("[f(x='\\x4')]"), edgelm::Error);
  EXPECT_THROW(bfcl::parse_python_calls("[f(x=b'a' 'b')]"), edgelm::Error);
}

TEST(BfclParser, ContainersTuplesAndNesting) {
  const json a = one_call("[f(l=[1, [2, 3]], t=(1, 2), one=(1,), empty=(), d={'k': (1, 2), 'n': {'m': [True]}}, g=(5))]");
  EXPECT_EQ(a["l"], json::parse("[1, [2, 3]]"));
  EXPECT_EQ(a["t"], json::parse("[1, 2]"));  // tuples become arrays in JSON
  EXPECT_EQ(a["one"], json::parse("[1]"));
  EXPECT_EQ(a["empty"], json::array());
  EXPECT_EQ(a["d"], json::parse(R"({"k": [1, 2], "n": {"m": [true]}})"));
  EXPECT_EQ(a["g"], 5);  // parentheses alone make no tuple
}

TEST(BfclParser, UpstreamResolverQuirks) {
  // A nested call with keywords is {name: {args}}; without, its unparsed text.
  const json a = one_call("[f(a=g(x=1, y='z'), b=np.array([1,2]), c=h(), d=data['k'], e=foo, f=..., g=+5, h=2**10, i=10/4, j='ab'*2)]");
  EXPECT_EQ(a["a"], json::parse(R"({"g": {"x": 1, "y": "z"}})"));
  EXPECT_EQ(a["b"], "np.array([1, 2])");
  EXPECT_EQ(a["c"], "h()");
  EXPECT_EQ(a["d"], "data['k']");
  EXPECT_EQ(a["e"], "foo");  // a bare name is its text
  EXPECT_EQ(a["f"], "...");
  EXPECT_EQ(a["g"], -5);  // upstream negates for every unary operator
  EXPECT_EQ(a["h"], 1024);
  EXPECT_EQ(a["i"], 2.5);
  EXPECT_EQ(a["j"], "abab");
  // Positional arguments are dropped; a repeated keyword keeps the last value.
  EXPECT_EQ(one_call("[f(1, 'two', x=3, x=4)]"), json({{"x", 4}}));
  // What upstream's resolver cannot take fails the decoding.
  for (const char* bad : {"[f(x=a.b)]", "[f(x={1, 2})]", "[f(x=a < b)]", "[f(x=f'{y}')]", "[f(x=lambda: 1)]", "[f(x=-a)]",
                          "[f(x=-2**2)]", "[f(x={[1]: 2})]", "[1]", "[f(x=1), 2]", "[f(x=1)][0]", "[f(x=1) g(y=2)]",
                          "[f(x=1, 2)]", "[f(True=1)]", "[f(x=1)]]", "[f(x=\xe2\x80\x9c" "a\xe2\x80\x9d)]", "[f(x=1/0)]"})
    EXPECT_THROW(bfcl::parse_python_calls(bad), edgelm::Error) << bad;
}

TEST(BfclParser, HostileInput) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_THROW(bfcl::parse_python_calls(deep), edgelm::Error);
  const std::string deep_args = "[f(x=" + std::string(5000, '(') + "1" + std::string(5000, ')') + ")]";
  EXPECT_THROW(bfcl::parse_python_calls(deep_args), edgelm::Error);
  EXPECT_THROW(bfcl::parse_python_calls("[f(x=" + std::string(5000, '-') + "1)]"), edgelm::Error);
  std::string chain = "[f(x=1";
  for (int i = 0; i < 5000; ++i) chain += "+1";
  EXPECT_THROW(bfcl::parse_python_calls(chain + ")]"), edgelm::Error);
  // Nesting within the limit is fine.
  EXPECT_EQ(one_call("[f(x=" + std::string(40, '[') + std::string(40, ']') + ")]")["x"].dump(), std::string(40, '[') + std::string(40, ']'));
  EXPECT_THROW(bfcl::parse_python_calls(std::string(5u << 20, ' ') + "[f()]" + std::string(5u << 20, 'x')), edgelm::Error);
  EXPECT_THROW(bfcl::parse_python_calls("[f(x='\xff')]"), edgelm::Error);  // not UTF-8
  EXPECT_THROW(bfcl::parse_python_calls(std::string("[f(x=1)\0]", 9)), edgelm::Error);
  EXPECT_THROW(bfcl::parse_python_calls("[f(x='unterminated"), edgelm::Error);
  EXPECT_THROW(bfcl::parse_python_calls("[f(x=" + std::string(100000, '{')), edgelm::Error);
  // Big but flat inputs stay linear: many calls, a dict with many keys.
  std::string many = "[";
  for (int i = 0; i < 20000; ++i) many += "f(x=" + std::to_string(i) + "), ";
  EXPECT_EQ(bfcl::parse_python_calls(many + "]").size(), 20000u);
  std::string keys = "[f(d={";
  for (int i = 0; i < 50000; ++i) keys += "'k" + std::to_string(i) + "': " + std::to_string(i) + ", ";
  EXPECT_EQ(one_call(keys + "})]")["d"].size(), 50000u);
}

// ---------------------------------------------------------------- checker rules

TEST(BfclChecker, SimpleFunctionRules) {
  const bfcl::Question q = simple({{"city", {{"type", "string"}}}, {"days", {{"type", "integer"}}}, {"unit", {{"type", "string"}}}},
                                  {"city"});
  const json truth = json::parse(R"([{"f": {"city": ["New York, NY"], "days": [3], "unit": ["", "celsius"]}}])");
  EXPECT_EQ(error_of(q, truth, "[f(city='new york NY', days=3)]"), "valid");  // case, spaces, punctuation
  EXPECT_EQ(error_of(q, truth, "[f(city='New-York,NY', days=3, unit='Celsius')]"), "valid");
  EXPECT_EQ(error_of(q, truth, "[f(city='Boston', days=3)]"), "value_error:string");
  EXPECT_EQ(error_of(q, truth, "[g(city='New York, NY', days=3)]"), "simple_function_checker:wrong_func_name");
  EXPECT_EQ(error_of(q, truth, "[f(days=3)]"), "simple_function_checker:missing_required");
  EXPECT_EQ(error_of(q, truth, "[f(city='New York, NY', days=3, zz=1)]"), "simple_function_checker:unexpected_param");
  EXPECT_EQ(error_of(q, truth, "[f(city='New York, NY')]"), "simple_function_checker:missing_optional");
  EXPECT_EQ(error_of(q, truth, "[f(city='New York, NY', days=4)]"), "value_error:others");
  EXPECT_EQ(error_of(q, truth, "[f(city='New York, NY', days=3.0)]"), "type_error:simple");
  EXPECT_EQ(error_of(q, truth, "[f(city='New York, NY', days=3), f(city='x', days=3)]"), "simple_function_checker:wrong_count");
  EXPECT_EQ(error_of(q, truth, "[f(city='New York, NY'"), "ast_decoder:decoder_failed");
}

TEST(BfclChecker, PythonTypes) {
  const bfcl::Question q = simple({{"x", {{"type", "float"}}},
                                   {"coords", {{"type", "array"}, {"items", {{"type", "integer"}}}}},
                                   {"pair", {{"type", "tuple"}, {"items", {{"type", "integer"}}}}},
                                   {"ok", {{"type", "boolean"}}}},
                                  {"x"});
  const json truth = json::parse(R"([{"f": {"x": [2.0], "coords": [[1, 2], ""], "pair": [[3, 4], ""], "ok": [true, ""]}}])");
  EXPECT_EQ(error_of(q, truth, "[f(x=2)]"), "valid");  // an int is accepted for a float
  EXPECT_EQ(error_of(q, truth, "[f(x='2')]"), "type_error:simple");
  EXPECT_EQ(error_of(q, truth, "[f(x=2.0, coords=[1, 2], pair=(3, 4), ok=True)]"), "valid");
  EXPECT_EQ(error_of(q, truth, "[f(x=2.0, coords=(1, 2))]"), "type_error:simple");  // a tuple is not a list
  // "" among the answers lets any item types through; the values then differ.
  EXPECT_EQ(error_of(q, truth, "[f(x=2.0, coords=[1, 'a'])]"), "value_error:list/tuple");
  EXPECT_EQ(error_of(q, truth, "[f(x=2.0, coords=[2, 1])]"), "value_error:list/tuple");
  EXPECT_EQ(error_of(q, truth, "[f(x=2.0, ok=1)]"), "type_error:simple");  // bool is not int

  const bfcl::Question strict = simple({{"coords", {{"type", "array"}, {"items", {{"type", "integer"}}}}}}, {"coords"});
  EXPECT_EQ(error_of(strict, json::parse(R"([{"f": {"coords": [[1, 2]]}}])"), "[f(coords=[1, 'a'])]"), "type_error:nested");
}

TEST(BfclChecker, Dicts) {
  const bfcl::Question q = simple({{"area", {{"type", "dict"}}}, {"rooms", {{"type", "array"}, {"items", {{"type", "dict"}}}}}},
                                  {"area"});
  const json truth = json::parse(
      R"([{"f": {"area": [{"w": [20], "h": [12], "unit": ["", "m"]}], "rooms": [[{"name": ["Hall"]}, {"name": ["Kitchen"]}], ""]}}])");
  EXPECT_EQ(error_of(q, truth, "[f(area={'h': 12, 'w': 20})]"), "valid");
  EXPECT_EQ(error_of(q, truth, "[f(area={'w': 20, 'h': 12, 'depth': 1})]"), "value_error:dict_key");
  EXPECT_EQ(error_of(q, truth, "[f(area={'w': 20})]"), "value_error:dict_key");
  EXPECT_EQ(error_of(q, truth, "[f(area={'w': 21, 'h': 12})]"), "value_error:dict_value");
  EXPECT_EQ(error_of(q, truth, "[f(area={'w': 20, 'h': 12}, rooms=[{'name': 'hall'}, {'name': 'KITCHEN'}])]"), "valid");
  EXPECT_EQ(error_of(q, truth, "[f(area={'w': 20, 'h': 12}, rooms=[{'name': 'hall'}])]"), "value_error:list_dict_count");
}

TEST(BfclChecker, MultipleAndParallel) {
  const json functions = json::parse(R"([
    {"name": "a.one", "description": "", "parameters": {"type": "dict", "properties": {"n": {"type": "integer"}}, "required": ["n"]}},
    {"name": "two", "description": "", "parameters": {"type": "dict", "properties": {"s": {"type": "string"}}, "required": ["s"]}}])");
  const bfcl::Question multiple = question("multiple", functions);
  const json one = json::parse(R"([{"two": {"s": ["x"]}}])");
  EXPECT_EQ(error_of(multiple, one, "[two(s='x')]"), "valid");
  EXPECT_EQ(error_of(multiple, one, "[a.one(n=1)]"), "simple_function_checker:wrong_func_name");
  EXPECT_EQ(error_of(multiple, one, "[]"), "multiple_function_checker:wrong_count");

  const bfcl::Question parallel = question("parallel_multiple", functions);
  const json both = json::parse(R"([{"a.one": {"n": [1]}}, {"two": {"s": ["x"]}}, {"a.one": {"n": [2]}}])");
  EXPECT_EQ(error_of(parallel, both, "[a.one(n=2), two(s='X'), a.one(n=1)]"), "valid");  // any order
  EXPECT_EQ(error_of(parallel, both, "[a.one(n=2), two(s='x')]"), "parallel_function_checker_no_order:wrong_count");
  EXPECT_EQ(error_of(parallel, both, "[a.one(n=2), two(s='x'), a.one(n=3)]"),
            "parallel_function_checker_no_order:cannot_find_match");

  // Function-calling APIs that cannot use '.' in names.
  bfcl::CheckOptions options;
  options.dots_to_underscores = true;
  const std::vector<bfcl::Call> calls = {{"a_one", {{"n", 1}}}, {"two", {{"s", "x"}}}, {"a_one", {{"n", 2}}}};
  EXPECT_TRUE(bfcl::check(parallel, both, calls, options).valid);
  EXPECT_EQ(bfcl::check(parallel, both, calls).error_type, "parallel_function_checker_no_order:cannot_find_match");
}

TEST(BfclChecker, CallsFromToolParsers) {
  const bfcl::Question q = simple({{"x", {{"type", "float"}}}, {"tags", {{"type", "array"}, {"items", {{"type", "string"}}}}}}, {"x"});
  const json truth = json::parse(R"([{"f": {"x": [1.5], "tags": [["a", "b"]]}}])");
  EXPECT_TRUE(bfcl::check(q, truth, {{"f", {{"x", 1.5}, {"tags", {"A", "b"}}}}}).valid);
  EXPECT_EQ(bfcl::check(q, truth, {{"f", {{"x", 1.5}, {"tags", {"a"}}}}}).error_type, "value_error:list/tuple");
  EXPECT_EQ(bfcl::check(q, truth, {{"f", {{"x", "1.5"}, {"tags", {"a", "b"}}}}}).error_type, "type_error:simple");
  EXPECT_THROW(bfcl::check(q, truth, {{"f", json::array()}}), edgelm::Error);
}

TEST(BfclChecker, JavaValuesAreSourceText) {
  const bfcl::Question q = simple({{"id", {{"type", "long"}}},
                                   {"ids", {{"type", "Array"}, {"items", {{"type", "integer"}}}}},
                                   {"names", {{"type", "ArrayList"}, {"items", {{"type", "String"}}}}},
                                   {"opts", {{"type", "HashMap"}}},
                                   {"ok", {{"type", "boolean"}}},
                                   {"ctx", {{"type", "any"}}}},
                                  {"id"}, "simple_java", "Store.find");
  const json truth = json::parse(
      R"([{"Store.find": {"id": [42], "ids": [[1, 2], ""], "names": [["a", "b"], ""], "opts": [{"k": ["v"]}, ""], "ok": [true, ""], "ctx": ["session", ""]}}])");
  const auto verdict = [&](const json& args) { return bfcl::check(q, truth, {{"Store.find", args}}); };
  EXPECT_TRUE(verdict({{"id", "42L"}, {"ids", "new int[]{1, 2}"}, {"ok", "true"}, {"ctx", "session"}}).valid);
  EXPECT_TRUE(verdict({{"id", "42L"}, {"names", "new ArrayList<>(Arrays.asList(\"a\", \"b\"))"}}).valid);
  EXPECT_TRUE(verdict({{"id", "42L"}, {"opts", "new HashMap<String, String>() {{ put(\"k\", \"v\"); }}"}}).valid);
  EXPECT_EQ(verdict({{"id", 42}}).error_type, "type_error:java");  // Java values must be strings
  EXPECT_EQ(verdict({{"id", "42"}}).error_type, "type_error:simple");  // a long needs its L
  EXPECT_EQ(verdict({{"id", "42L"}, {"ids", "new int[]{2, 1}"}}).error_type, "value_error:list/tuple");
  // The Java decoder reads python-prompting style text.
  EXPECT_EQ(error_of(q, truth, "[Store.find(id=\"42L\", ids=new int[]{1, 2}, ctx=session)]"), "valid");
  EXPECT_EQ(error_of(q, truth, "[Store.find(id=\"42L]"), "ast_decoder:decoder_failed");
  EXPECT_EQ(error_of(q, truth, "[just text]"), "ast_decoder:decoder_wrong_output_format");
  // Upstream raises on Java sets; the verdict says so instead of aborting.
  const bfcl::Question sets = simple({{"s", {{"type", "Set"}}}}, {"s"}, "simple_java");
  EXPECT_EQ(bfcl::check(sets, json::parse(R"([{"f": {"s": ["x"]}}])"), {{"f", {{"s", "x"}}}}).error_type, "ast_checker:upstream_raises");
}

TEST(BfclChecker, JavaScriptValuesAreSourceText) {
  const bfcl::Question q = simple({{"list", {{"type", "array"}, {"items", {{"type", "String"}}}}},
                                   {"opts", {{"type", "dict"}}},
                                   {"big", {{"type", "Bigint"}}},
                                   {"name", {{"type", "String"}}}},
                                  {"list"}, "simple_javascript");
  const json truth = json::parse(
      R"([{"f": {"list": [["a", "b"]], "opts": [{"mode": ["fast"], "n": [2]}, ""], "big": [10, ""], "name": ["x", ""]}}])");
  EXPECT_TRUE(bfcl::check(q, truth, {{"f", {{"list", "['a', 'b']"}, {"opts", "{mode: 'fast', n: 2}"}, {"big", "10n"}, {"name", "'x'"}}}}).valid);
  EXPECT_EQ(bfcl::check(q, truth, {{"f", {{"list", "['a', 'c']"}}}}).error_type, "value_error:list/tuple");
  EXPECT_EQ(bfcl::check(q, truth, {{"f", {{"list", "['a', 'b']"}, {"opts", "{mode: 'slow', n: 2}"}}}}).error_type,
            "value_error:dict_value");
  EXPECT_EQ(error_of(q, truth, "[f(list=['a', 'b'], big=10n)]"), "valid");
  EXPECT_EQ(error_of(q, truth, "[f(list=['a', 'b'], big=10)]"), "type_error:simple");
}

TEST(BfclChecker, JavaDecoderReadsGenericsAndDropsClassBodies) {
  const bfcl::Question q = simple({{"m", {{"type", "HashMap"}}}, {"n", {{"type", "integer"}}}}, {"m"}, "simple_java", "Cfg.load");
  const json empty = json::parse(R"([{"Cfg.load": {"m": [{}], "n": [5, ""]}}])");
  // The comma inside <String, Integer> does not split the arguments.
  EXPECT_EQ(error_of(q, empty, "[Cfg.load(m=new HashMap<String, Integer>(), n=5)]"), "valid");
  // As upstream's tree walk rebuilds `new T(args)`, an anonymous class body is dropped.
  EXPECT_EQ(error_of(q, empty, "[Cfg.load(m=new HashMap<String, Integer>() {{ put(\"a\", 1); }})]"), "valid");
  // A quoted value reaches the converter as written, escapes included, so
  // put(\"a\", 1) is not read as a put.
  const json one = json::parse(R"([{"Cfg.load": {"m": [{"a": [1]}]}}])");
  EXPECT_EQ(error_of(q, one, "[Cfg.load(m=\"new HashMap<String, Integer>() {{ put(\\\"a\\\", 1); }}\")]"),
            "value_error:dict_key");
}

TEST(BfclChecker, ConvertersStayFastOnHostileText) {
  const bfcl::Question q = simple({{"rows", {{"type", "array"}, {"items", {{"type", "integer"}}}}}}, {"rows"}, "simple_javascript");
  const json truth = json::parse(R"([{"f": {"rows": [[1]]}}])");
  // Upstream's nested lazy patterns backtrack exponentially on this (Python
  // takes milliseconds at 18 repeats, doubling with each); the hand-written
  // matchers give its answer, the row ['['], at once.
  std::string rows = "[[";
  while (rows.size() < 4000) rows += "],[";
  EXPECT_EQ(bfcl::check(q, truth, {{"f", {{"rows", rows}}}}).error_type, "type_error:nested");
  // Past kMaxPatternInput the text stays a string.
  EXPECT_EQ(bfcl::check(q, truth, {{"f", {{"rows", "[" + std::string(5000, '1') + "]"}}}}).error_type, "type_error:simple");
}

TEST(BfclChecker, IrrelevanceAndRelevance) {
  const bfcl::Question irrelevant = simple({{"x", {{"type", "integer"}}}}, {"x"}, "irrelevance");
  EXPECT_EQ(error_of(irrelevant, json(), "I cannot answer that with these tools."), "valid");
  EXPECT_EQ(error_of(irrelevant, json(), "[]"), "valid");
  EXPECT_EQ(error_of(irrelevant, json(), "[f(x=1)]"), "irrelevance_error:decoder_success");
  EXPECT_EQ(error_of(irrelevant, json(), "[anything_else()]"), "irrelevance_error:decoder_success");
  EXPECT_TRUE(bfcl::check(irrelevant, json(), {}).valid);
  EXPECT_EQ(bfcl::check(irrelevant, json(), {{"f", {{"x", 1}}}}).error_type, "irrelevance_error:decoder_success");

  const bfcl::Question live_irrelevant = simple({{"x", {{"type", "integer"}}}}, {"x"}, "live_irrelevance");
  EXPECT_EQ(error_of(live_irrelevant, json(), "[f(x=1)]"), "irrelevance_error:decoder_success");

  const bfcl::Question relevant = simple({{"x", {{"type", "integer"}}}}, {"x"}, "live_relevance");
  EXPECT_EQ(error_of(relevant, json(), "[f(x=99)]"), "valid");  // any call will do
  EXPECT_EQ(error_of(relevant, json(), "Sure!"), "relevance_error:decoder_failed");
  EXPECT_EQ(error_of(relevant, json(), "[]"), "relevance_error:decoder_failed");
  EXPECT_FALSE(bfcl::check(relevant, json(), {}).valid);
  EXPECT_TRUE(bfcl::check(relevant, json(), {{"g", json::object()}}).valid);
}

// ---------------------------------------------------------------- tool definitions

TEST(BfclTools, TypesBecomeJsonSchema) {
  const char* text = R"([{"name": "geo.area", "description": "Area.", "parameters": {"type": "dict",
    "properties": {"size": {"type": "float", "description": "s"}, "pt": {"type": "tuple", "items": {"type": "integer"}},
      "meta": {"type": "dict", "properties": {"tags": {"type": "array", "items": {"type": "dict",
        "properties": {"w": {"type": "float"}, "x": {"type": "any"}}}}}},
      "anything": {"type": "any"}, "flag": {"type": "boolean"}}, "required": ["size"]}}])";
  bfcl::Question q = question("simple_python", json::parse(text));
  q.functions_in_order = nlohmann::ordered_json::parse(text);
  const nlohmann::ordered_json tools = bfcl::tool_definitions(q);
  ASSERT_EQ(tools.size(), 1u);
  EXPECT_EQ(tools[0]["type"], "function");
  const auto& f = tools[0]["function"];
  EXPECT_EQ(f["name"], "geo.area");
  EXPECT_EQ(f["description"], "Area. Note that the provided function is in Python 3 syntax.");
  const auto& p = f["parameters"];
  EXPECT_EQ(p["type"], "object");
  EXPECT_EQ(p["required"], nlohmann::ordered_json::parse(R"(["size"])"));
  EXPECT_EQ(p["properties"]["size"]["type"], "number");
  EXPECT_EQ(p["properties"]["pt"]["type"], "array");
  EXPECT_EQ(p["properties"]["pt"]["items"]["type"], "integer");
  EXPECT_EQ(p["properties"]["meta"]["type"], "object");
  const auto& item = p["properties"]["meta"]["properties"]["tags"]["items"];
  EXPECT_EQ(item["type"], "object");
  EXPECT_EQ(item["properties"]["w"]["type"], "number");
  EXPECT_FALSE(item["properties"]["x"].contains("type"));
  EXPECT_FALSE(p["properties"]["anything"].contains("type"));
  EXPECT_EQ(p["properties"]["flag"]["type"], "boolean");
  // Keys keep the file's order.
  std::vector<std::string> order;
  for (auto it = p["properties"].begin(); it != p["properties"].end(); ++it) order.push_back(it.key());
  EXPECT_EQ(order, (std::vector<std::string>{"size", "pt", "meta", "anything", "flag"}));

  bfcl::ToolOptions underscores;
  underscores.dots_to_underscores = true;
  EXPECT_EQ(bfcl::tool_definitions(q, underscores)[0]["function"]["name"], "geo_area");
  EXPECT_THROW(bfcl::tool_definitions(nlohmann::ordered_json::parse(R"([{"description": "no name"}])")), edgelm::Error);
}

TEST(BfclTools, JavaAndJavaScriptParametersAreStrings) {
  const json java = json::parse(R"([{"name": "A.b", "description": "D.", "parameters": {"type": "dict", "properties": {
    "n": {"type": "long", "description": "Count."}, "xs": {"type": "ArrayList", "description": "Xs.", "items": {"type": "String"}},
    "o": {"type": "any", "description": "Obj."}}, "required": ["n"]}}])");
  const auto tools = bfcl::tool_definitions(question("simple_java", java));
  const auto& props = tools[0]["function"]["parameters"]["properties"];
  EXPECT_EQ(tools[0]["function"]["description"], "D. Note that the provided function is in Java 8 SDK syntax.");
  EXPECT_EQ(props["n"]["type"], "string");
  EXPECT_EQ(props["n"]["description"], "Count. This is Java long type parameter in string representation.");
  EXPECT_EQ(props["xs"]["description"],
            "Xs. This is Java ArrayList type parameter in string representation. The list elements are of type String; they are not in string representation.");
  EXPECT_FALSE(props["xs"].contains("items"));
  EXPECT_EQ(props["o"]["description"], "Obj. This parameter can be of any type of Java object in string representation.");

  const json js = json::parse(R"([{"name": "f", "description": "D.", "parameters": {"type": "dict", "properties": {
    "cfg": {"type": "dict", "description": "C.", "properties": {"a": {"type": "String", "description": "é"}}}}, "required": []}}])");
  const auto js_props = bfcl::tool_definitions(question("simple_javascript", js))[0]["function"]["parameters"]["properties"];
  EXPECT_EQ(js_props["cfg"]["type"], "string");
  EXPECT_EQ(js_props["cfg"]["description"],
            "C. This is JavaScript dict type parameter in string representation. The dictionary entries have the following schema; "
            "they are not in string representation. {\"a\": {\"description\": \"\\u00e9\", \"type\": \"String\"}}");
}

// ---------------------------------------------------------------- loading and --check lines

TEST(BfclData, LoadsTheShippedCategories) {
  EXPECT_EQ(bfcl::categories().size(), 13u);
  const auto questions = bfcl::load_questions(kData, "simple_python");
  ASSERT_EQ(questions.size(), 400u);
  EXPECT_EQ(questions[0].category, "simple_python");
  EXPECT_TRUE(questions[0].turns.is_array());
  EXPECT_TRUE(questions[0].functions_in_order.is_array());
  const auto answers = bfcl::load_answers(kData, "simple_python");
  EXPECT_EQ(answers.size(), 400u);
  EXPECT_TRUE(answers.at(questions[0].id).is_array());
  EXPECT_TRUE(bfcl::load_answers(kData, "irrelevance").empty());
  EXPECT_EQ(bfcl::load_questions(kData, "live_irrelevance").size(), 884u);
  EXPECT_EQ(suite().questions.size(), 3641u);
}

TEST(BfclData, BadFilesGiveClearErrors) {
  const auto dir = std::filesystem::temp_directory_path() / ("bfcl_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "possible_answer");
  const auto write = [&](const std::string& name, const std::string& text) { std::ofstream(dir / name) << text; };
  EXPECT_THROW(bfcl::load_questions(dir, "simple_python"), edgelm::Error);  // missing
  EXPECT_THROW(bfcl::load_questions(dir, "no_such_category"), edgelm::Error);
  write("BFCL_v4_simple_python.json", "{\"id\": \"a\", \"question\": [], \"function\": []}\n{not json\n");
  try {
    bfcl::load_questions(dir, "simple_python");
    ADD_FAILURE() << "no error";
  } catch (const edgelm::Error& e) {
    EXPECT_NE(std::string(e.what()).find(":2:"), std::string::npos) << e.what();  // names the line
  }
  write("BFCL_v4_simple_python.json", std::string(100000, '[') + "\n");
  EXPECT_THROW(bfcl::load_questions(dir, "simple_python"), edgelm::Error);
  write("BFCL_v4_simple_python.json", "{\"id\": \"a\", \"question\": [], \"function\": {}}\n");
  EXPECT_THROW(bfcl::load_questions(dir, "simple_python"), edgelm::Error);
  write("possible_answer/BFCL_v4_simple_python.json", "{\"id\": \"a\", \"ground_truth\": {}}\n");
  EXPECT_THROW(bfcl::load_answers(dir, "simple_python"), edgelm::Error);
  std::filesystem::remove_all(dir);
}

TEST(BfclData, CheckLines) {
  const bfcl::LineVerdict v = bfcl::check_line(R"({"id": "simple_python_2", "category": "simple_python", "model_output": "[math.hypot(x=4, y=5, z=0)]"})", suite());
  EXPECT_EQ(v.id, "simple_python_2");
  EXPECT_EQ(v.category, "simple_python");
  EXPECT_TRUE(v.verdict.valid);
  // Already decoded calls, as function-calling APIs return them.
  EXPECT_TRUE(bfcl::check_line(R"({"id": "simple_python_2", "model_output": [{"name": "math.hypot", "arguments": "{\"x\": 4, \"y\": 5}"}]})", suite()).verdict.valid);
  EXPECT_TRUE(bfcl::check_line(R"({"id": "simple_python_2", "model_output": [{"math.hypot": {"x": 4, "y": 5}}]})", suite()).verdict.valid);
  EXPECT_EQ(bfcl::check_line(R"({"id": "simple_python_2", "model_output": "[math.hypot(x=4, y=5"})", suite()).verdict.error_type,
            "ast_decoder:decoder_failed");
  EXPECT_TRUE(bfcl::check_line(R"({"id": "irrelevance_0", "model_output": "No function fits."})", suite()).verdict.valid);
  for (const char* bad : {"not json", R"({"id": "nope", "model_output": ""})", R"({"model_output": ""})",
                          R"({"id": "simple_python_2", "category": "multiple", "model_output": ""})",
                          R"({"id": "simple_python_2", "model_output": 5})",
                          R"({"id": "simple_python_2", "model_output": [{"name": "f", "arguments": "{bad"}]})"})
    EXPECT_THROW(bfcl::check_line(bad, suite()), edgelm::Error) << bad;
}
