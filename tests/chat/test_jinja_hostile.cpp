// Hostile templates: each must stop with an error (never hang, crash or
// allocate without bound) under the default limits.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <string>

#include "chat/jinja/jinja.h"

namespace {

using edgelm::jinja::Error;
using edgelm::jinja::ErrorKind;
using edgelm::jinja::Template;

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; i++) out += s;
  return out;
}

uint64_t peak_rss_bytes() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<uint64_t>(ru.ru_maxrss) * 1024;
}

// Parses and renders; returns the error kind raised (fails if none).
ErrorKind failure_of(const std::string& source) {
  try {
    Template t(source);
    t.render(nlohmann::ordered_json::object());
  } catch (const Error& e) {
    return e.kind();
  }
  ADD_FAILURE() << "template rendered without error: " << source.substr(0, 120);
  return ErrorKind::TemplateError;
}

TEST(JinjaHostile, InfiniteMacroRecursion) {
  EXPECT_EQ(failure_of("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}"), ErrorKind::LimitError);
  EXPECT_EQ(failure_of("{% macro a() %}{{ b() }}{% endmacro %}{% macro b() %}{{ a() }}{% endmacro %}{{ a() }}"),
            ErrorKind::LimitError);
  // Binary recursion: exponentially many calls before the depth limit.
  EXPECT_EQ(failure_of("{% macro f(n) %}{{ f(n + 1) }}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"), ErrorKind::LimitError);
  // Recursion through a call block's caller.
  EXPECT_EQ(failure_of("{% macro m() %}{{ caller() }}{% endmacro %}"
                       "{% macro r() %}{% call m() %}{{ r() }}{% endcall %}{% endmacro %}{{ r() }}"),
            ErrorKind::LimitError);
}

TEST(JinjaHostile, HugeLoops) {
  EXPECT_EQ(failure_of("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"),
            ErrorKind::LimitError);
  EXPECT_EQ(failure_of("{% for i in range(100001) %}{% endfor %}"), ErrorKind::OverflowError);  // Jinja2's sandbox
  EXPECT_EQ(failure_of("{% for i in range(100000) %}{% for j in range(100000) %}{% for k in range(100000) %}"
                       "{{ i }}{% endfor %}{% endfor %}{% endfor %}"),
            ErrorKind::LimitError);
}

TEST(JinjaHostile, ExponentialGrowth) {
  EXPECT_EQ(failure_of("{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}"
                       "{% endfor %}{{ ns.s|length }}"),
            ErrorKind::LimitError);
  EXPECT_EQ(failure_of("{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}"
                       "{% endfor %}"),
            ErrorKind::LimitError);
  EXPECT_EQ(failure_of("{% set ns = namespace(l=[1]) %}{% for i in range(64) %}{% set ns.l = ns.l + ns.l %}"
                       "{% endfor %}"),
            ErrorKind::LimitError);
  EXPECT_EQ(failure_of("{% set ns = namespace(l=[]) %}{% for i in range(100000) %}{% set ns.l = [ns.l] %}"
                       "{% endfor %}"),
            ErrorKind::LimitError);
  // Cheap to build, huge to compare or print: refused when built.
  EXPECT_EQ(failure_of("{% set big = [1] * 1000000 %}{% set bigger = [big] * 1000 %}{{ bigger == bigger }}"),
            ErrorKind::LimitError);
}

TEST(JinjaHostile, HugeSingleValues) {
  EXPECT_EQ(failure_of("{{ 'x' * 100000000000 }}"), ErrorKind::LimitError);
  EXPECT_EQ(failure_of("{{ [1] * 100000000000 }}"), ErrorKind::LimitError);
  EXPECT_EQ(failure_of("{{ 'a'|center(99999999999) }}"), ErrorKind::LimitError);
  EXPECT_EQ(failure_of("{{ '%99999999999d' % 1 }}"), ErrorKind::LimitError);
  EXPECT_EQ(failure_of("{{ range(10)|list|tojson(indent=100000000) }}"), ErrorKind::LimitError);
  EXPECT_EQ(failure_of("{{ strftime_now('%Y' * 1000000) }}"), ErrorKind::LimitError);
  EXPECT_EQ(failure_of("{{ 2 ** 100000 }}"), ErrorKind::LimitError);
}

TEST(JinjaHostile, OutputFlood) {
  EXPECT_EQ(failure_of("{% for i in range(100000) %}{{ 'x' * 1000000 }}{% endfor %}"), ErrorKind::LimitError);
}

TEST(JinjaHostile, RepeatedScansOfLargeValues) {
  EXPECT_EQ(failure_of("{% set s = 'a' * 10000000 %}{% for i in range(100000) %}{{ 'b' in s }}{% endfor %}"),
            ErrorKind::LimitError);
  EXPECT_EQ(failure_of("{% set s = '\xc3\xa9' * 1000000 %}{% for i in range(100000) %}{{ s[5] }}{% endfor %}"),
            ErrorKind::LimitError);
  EXPECT_EQ(failure_of("{% set l = range(99999)|list %}{% for i in range(99999) %}{{ -1 in l }}{% endfor %}"),
            ErrorKind::LimitError);
}

// Renders without the limits tripping; the output.
std::string rendered(const std::string& source) {
  Template t(source);
  return t.render(nlohmann::ordered_json::object());
}

// Arithmetic at the edges of int64 and size_t (issue 14's review findings):
// each either gives Python's bounded answer or a LimitError, at once.
TEST(JinjaHostile, ExtremeCountsAndSteps) {
  EXPECT_EQ(rendered("{{ 'abc'[::9223372036854775807] }}"), "a");
  EXPECT_EQ(rendered("{{ 'abc'[::-9223372036854775807] }}"), "c");
  EXPECT_EQ(rendered("{{ [1, 2, 3][1::9223372036854775807]|list }}"), "[2]");
  EXPECT_EQ(rendered("{{ [1, 2, 3][::-9223372036854775807 - 1]|list }}"), "[3]");
  EXPECT_EQ(rendered("{{ ('' * 10**18)|length }}"), "0");
  EXPECT_EQ(rendered("{{ ([] * 10**18)|length }}"), "0");
  EXPECT_EQ(failure_of("{{ 'a'.center(4611686018427387904, '\u20ac') }}"), ErrorKind::LimitError);
  EXPECT_EQ(failure_of("{{ 'a'.ljust(6148914691236517206, '\u20ac') }}"), ErrorKind::LimitError);
  EXPECT_EQ(failure_of("{{ [1]|batch(1000000000000, 0)|list|length }}"), ErrorKind::LimitError);
  EXPECT_EQ(failure_of("{{ [1]|batch(9223372036854775807, 0)|list|length }}"), ErrorKind::LimitError);
}

// Operations whose naive cost is |a|*|b| (substring search, strip sets, dict
// lookups of non-string keys, attribute paths re-read per item) end quickly:
// each case below took hours before the searches became linear.
TEST(JinjaHostile, QuadraticOperationsAreLinear) {
  const std::string setup = "{% set s = 'a' * 4000000 %}{% set p = 'a' * 2000000 + 'b' %}";
  EXPECT_EQ(rendered(setup + "{{ p in s }}"), "False");
  EXPECT_EQ(rendered(setup + "{{ s.find(p) }} {{ s.rfind(p) }} {{ s.count(p) }}"), "-1 -1 0");
  EXPECT_EQ(rendered(setup + "{{ s.split(p)|length }} {{ s.rsplit(p)|length }} {{ s.replace(p, 'x')|length }}"),
            "1 1 4000000");
  EXPECT_EQ(rendered(setup + "{{ s.partition(p)[0]|length }} {{ s.rpartition(p)[2]|length }}"), "4000000 4000000");
  EXPECT_EQ(rendered(setup + "{{ (s ~ p).find(p) }} {{ (p ~ s ~ p).rfind(p) }}"), "4000000 6000001");
  EXPECT_EQ(rendered(setup + "{{ s|replace(p, 'x')|length }}"), "4000000");
  // A strip set of two million characters, searched for each of four million.
  EXPECT_EQ(rendered(setup + "{{ s.strip('b' * 2000000 ~ 'a')|length }} {{ s|trim('b' * 2000000 ~ 'a')|length }}"),
            "0 0");
  // Non-string keys are hashed like strings.
  std::string literal = "{";
  for (int i = 0; i < 200000; i++) literal += std::to_string(i) + ": " + std::to_string(i) + ", ";
  literal += "1.0: 'one', (2, 'x'): 'tuple'}";
  EXPECT_EQ(rendered("{% set d = " + literal + " %}{{ d|length }} {{ d[1] }} {{ d[True] }} {{ d[(2, 'x')] }} "
                     "{{ 199999 in d }} {{ 200000 in d }}"),
            "200001 one one tuple True False");
  EXPECT_EQ(rendered("{{ range(100000)|unique|list|length }} {{ [1, 1.0, True, 2, '2']|unique|list }}"),
            "100000 [1, 2, '2']");
  // An attribute path is parsed once per filter call, and walking it per item is charged.
  EXPECT_EQ(failure_of("{{ range(100000)|map(attribute='.' * 500000, default=0)|list|length }}"), ErrorKind::LimitError);
  EXPECT_EQ(rendered("{{ [{'a': {'b': 1}}, {'a': {'b': 2}}]|map(attribute='a.b')|join(',') }}"), "1,2");
  EXPECT_EQ(rendered("{{ [{'a': 2, 'b': 1}, {'a': 1, 'b': 2}]|sort(attribute='a, b')|map(attribute='b')|join }}"),
            "21");
}

// Results of many pieces are refused before they are built: the process
// stays far below 1 GiB (each case needed several GiB before).
TEST(JinjaHostile, ManyPiecesAreRefusedBeforeBuilding) {
  EXPECT_EQ(failure_of("{{ (',' * 30000000).split(',')|length }}"), ErrorKind::LimitError);
  EXPECT_EQ(failure_of("{{ (',' * 30000000).rsplit(',')|length }}"), ErrorKind::LimitError);
  EXPECT_EQ(failure_of("{{ ('a ' * 15000000).split()|length }}"), ErrorKind::LimitError);
  EXPECT_EQ(failure_of("{{ ('\n' * 30000000).splitlines()|length }}"), ErrorKind::LimitError);
  EXPECT_EQ(failure_of("{{ ('\n' * 30000000)|indent|length }}"), ErrorKind::LimitError);
  EXPECT_EQ(rendered("{{ ('\n' * 3000000)|indent(0)|length }} {{ 'a\r\nb\u2028c\n'|indent(2, blank=true)|tojson }}"),
            "3000000 \"a\\n  b\\n  c\\n  \"");
  EXPECT_LT(peak_rss_bytes(), 1ull << 30);
}

TEST(JinjaHostile, DeeplyNestedSource) {
  const int n = 100000;
  EXPECT_EQ(failure_of("{{ " + repeat("(", n) + "1" + repeat(")", n) + " }}"), ErrorKind::LimitError);
  EXPECT_EQ(failure_of("{{ " + repeat("[", n) + repeat("]", n) + " }}"), ErrorKind::LimitError);
  EXPECT_EQ(failure_of("{{ x" + repeat(".a", n) + " }}"), ErrorKind::LimitError);
  EXPECT_EQ(failure_of("{{ x" + repeat("[0]", n) + " }}"), ErrorKind::LimitError);
  EXPECT_EQ(failure_of("{{ 1" + repeat(" + 1", n) + " }}"), ErrorKind::LimitError);
  EXPECT_EQ(failure_of("{{ 1" + repeat(" ** 1", n) + " }}"), ErrorKind::LimitError);
  EXPECT_EQ(failure_of("{{ x" + repeat(" or x", n) + " }}"), ErrorKind::LimitError);
  EXPECT_EQ(failure_of("{{ 'x'" + repeat("|trim", n) + " }}"), ErrorKind::LimitError);
  EXPECT_EQ(failure_of("{{ " + repeat("not ", n) + "x }}"), ErrorKind::LimitError);
  EXPECT_EQ(failure_of("{{ " + repeat("-", n) + "1 }}"), ErrorKind::LimitError);
  EXPECT_EQ(failure_of("{{ 1" + repeat(" if 1 else 2", n) + " }}"), ErrorKind::LimitError);
  EXPECT_EQ(failure_of(repeat("{% if true %}", n) + repeat("{% endif %}", n)), ErrorKind::LimitError);
  EXPECT_EQ(failure_of(repeat("{% for i in [1] %}", n)), ErrorKind::LimitError);
  EXPECT_EQ(failure_of(repeat("{% macro m() %}", n)), ErrorKind::LimitError);
}

TEST(JinjaHostile, OversizedSource) {
  EXPECT_EQ(failure_of(std::string(5u << 20, 'x')), ErrorKind::LimitError);
}

TEST(JinjaHostile, SandboxRefusesMutationAndPrivateAttributes) {
  EXPECT_EQ(failure_of("{% set l = [1] %}{{ l.append(2) }}"), ErrorKind::SecurityError);
  EXPECT_EQ(failure_of("{% set d = {} %}{{ d.update({'a': 1}) }}"), ErrorKind::SecurityError);
  EXPECT_EQ(failure_of("{{ ''.__class__() }}"), ErrorKind::SecurityError);
}

TEST(JinjaHostile, LimitsAreConfigurable) {
  edgelm::jinja::Limits tight;
  tight.max_steps = 1000;
  Template t("{% for i in range(10000) %}{% endfor %}", tight);
  EXPECT_THROW(t.render(nlohmann::ordered_json::object()), Error);
  tight = {};
  tight.max_output_bytes = 10;
  Template u("{{ 'x' * 11 }}", tight);
  EXPECT_THROW(u.render(nlohmann::ordered_json::object()), Error);
  Template v("{{ 'x' * 10 }}", tight);
  EXPECT_EQ(v.render(nlohmann::ordered_json::object()), "xxxxxxxxxx");
}

}  // namespace
