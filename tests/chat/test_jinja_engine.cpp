// Unit tests of the Jinja engine by topic. Every expected output (or error
// "Class: message") was produced by Python Jinja2 3.1.6 configured as Hugging
// Face does (../shared/chat/tools/hf_render.py, clock 2026-01-15 09:30:00).
#include <gtest/gtest.h>

#include "chat/jinja/jinja.h"

namespace {

struct Case {
  const char* source;
  const char* vars;  // JSON object of render variables
  bool is_error;
  const char* expected;  // the render, or "ErrorClass: message"
};

void run_cases(const Case* begin, const Case* end) {
  std::tm clock{};
  clock.tm_year = 126;
  clock.tm_mon = 0;
  clock.tm_mday = 15;
  clock.tm_hour = 9;
  clock.tm_min = 30;
  clock.tm_wday = 4;
  clock.tm_yday = 14;
  for (const Case* c = begin; c != end; ++c) {
    std::string got;
    bool failed = false;
    try {
      const edgelm::jinja::Template t(c->source);
      got = t.render(nlohmann::ordered_json::parse(c->vars), [clock] { return clock; });
    } catch (const edgelm::jinja::Error& e) {
      failed = true;
      got = std::string(e.kind_name()) + ": " + e.message();
    }
    EXPECT_EQ(failed, c->is_error) << "template: " << c->source << "\ngot: " << got;
    EXPECT_EQ(got, c->expected) << "template: " << c->source;
  }
}

template <size_t N>
void run_cases(const Case (&cases)[N]) {
  run_cases(cases, cases + N);
}

const Case kWhitespace[] = {
    {R"J(a
  {% if true %}
    x
  {% endif %}
b)J",
     R"J({})J", false,
     R"J(a
    x
b)J"},
    {R"J(a  {%- if true -%}  x  {%- endif -%}  b)J",
     R"J({})J", false,
     R"J(axb)J"},
    {R"J({% for i in [1,2] %}
{{ i }}
{% endfor %}
)J",
     R"J({})J", false,
     R"J(1
2
)J"},
    {R"J(  {# c #}
x
  {#- d -#}  y)J",
     R"J({})J", false,
     R"J(xy)J"},
    {R"J({%+ if true %}x{% endif %}  
  {%+ if true +%}
y{% endif %})J",
     R"J({})J", false,
     R"J(x  
  
y)J"},
    {R"J(a {{- ' b ' -}} c
{{ 'd' }}
)J",
     R"J({})J", false,
     R"J(a b c
d)J"},
    {R"J({% raw %}{{ x }}{% endraw %}|{%- raw -%}  {% y %}  {%- endraw -%}|)J",
     R"J({})J", false,
     R"J({{ x }}|{% y %}|)J"},
    {"line1\015\nline2\015\n{% if 1 %}\015\nz{% endif %}\015\n",
     R"J({})J", false,
     R"J(line1
line2
z)J"},
    {R"J(x

)J",
     R"J({})J", false,
     R"J(x
)J"},
    {"{% if true %}  \011{% endif %}|   {% if true %}x{% endif %}",
     R"J({})J", false,
     "  \011|   x"},
    {R"J({{ 1 }}   {% if 1 %}a{% endif %}
   {% if 1 %}b{% endif %})J",
     R"J({})J", false,
     R"J(1   ab)J"},
    {R"J({%- macro m() -%}
  hi
{%- endmacro -%}
[{{ m() }}])J",
     R"J({})J", false,
     R"J([hi])J"},
    {R"J(  {{ 'v' }}
  {% set q = 1 %}
  text)J",
     R"J({})J", false,
     R"J(  v
  text)J"},
    {R"J({% if true %}

{% endif %})J",
     R"J({})J", false,
     R"J(
)J"},
};

const Case kExpressions[] = {
    {R"J({{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 2 ** 3 ** 2 }} {{ -2 ** 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % -3 }} {{ 7 / 2 }} {{ 6 / 3 }})J",
     R"J({})J", false,
     R"J(7 9 64 4 3 -4 -2 3.5 2.0)J"},
    {R"J({{ 1.5 + 1 }} {{ 0.1 + 0.2 }} {{ 1e100 }} {{ 1e-5 }} {{ 3.0 }} {{ -0.0 }} {{ 1_000 }} {{ 0x1F }} {{ 1.5e3 }} {{ 1e16 }} {{ 1e15 }} {{ 0.0001 }})J",
     R"J({})J", false,
     R"J(2.5 0.30000000000000004 1e+100 1e-05 3.0 -0.0 1000 31 1500.0 1e+16 1000000000000000.0 0.0001)J"},
    {R"J({{ 'a' ~ 1 ~ none ~ true ~ [1] }} {{ 'a' + 'b' }} {{ [1] + [2] }} {{ 'ab' * 3 }} {{ 3 * 'x' }} {{ [0] * 2 }})J",
     R"J({})J", false,
     R"J(a1NoneTrue[1] ab [1, 2] ababab xxx [0, 0])J"},
    {R"J({{ 1 == 1.0 }} {{ true == 1 }} {{ 'a' < 'b' }} {{ [1,2] < [1,3] }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ none == none }} {{ x == y }})J",
     R"J({})J", false,
     R"J(True True True True True False True True)J"},
    {R"J({{ 'b' in 'abc' }} {{ 1 in [1,2] }} {{ 'k' in {'k': 1} }} {{ 3 not in [1] }} {{ x in [1] }})J",
     R"J({})J", false,
     R"J(True True True True False)J"},
    {R"J({{ 0 or 'x' }} {{ 1 and 'y' }} {{ '' and 'z' }} {{ none or none }} {{ not 0 }} {{ not not 'a' }} {{ x or 'dflt' }})J",
     R"J({})J", false,
     R"J(x y  None True True dflt)J"},
    {R"J({{ 'yes' if 1 else 'no' }} {{ 'yes' if 0 }}|{{ 'a' if 0 else 'b' if 0 else 'c' }})J",
     R"J({})J", false,
     R"J(yes |c)J"},
    {R"J({{ [1, 2, 3][1:] }} {{ 'hello'[::-1] }} {{ [1,2,3][-1] }} {{ 'abc'[1] }} {{ [1,2,3,4,5][1:4:2] }} {{ 'héllo'[1:3] }} {{ [1,2][5:] }} {{ 'abc'[-10:10] }})J",
     R"J({})J", false,
     R"J([2, 3] olleh 3 b [2, 4] él [] abc)J"},
    {R"J({{ {'a': 1, 'b': [1, 2]} }} {{ (1, 2) }} {{ (1,) }} {{ () }} {{ ['a', "b'c", 'd"e', none, true, 1.5] }})J",
     R"J({})J", false,
     R"J({'a': 1, 'b': [1, 2]} (1, 2) (1,) () ['a', "b'c", 'd"e', None, True, 1.5])J"},
    {R"J({{ d.a }} {{ d['a'] }} {{ d.missing }}|{{ d['items'] }} {{ d.get('a') }} {{ d.get('zz', 5) }} {{ d.get('zz') }})J",
     R"J({"d": {"a": 1, "items": "I"}})J", false,
     R"J(1 1 |I 1 5 None)J"},
    {R"J({{ [1, [2, [3]]] == [1, [2, [3]]] }} {{ {'a': 1} == {'a': 1.0} }} {{ (1,) == [1] }})J",
     R"J({})J", false,
     R"J(True True False)J"},
    {R"J({{ '\u00e9\x41\101\n\'' }} {{ "a" 'b' "c" }})J",
     R"J({})J", false,
     R"J(éAA
' abc)J"},
    {R"J({{ msgs[0].content }}{{ msgs[-1]['role'] }}{% for m in msgs[1:] %}{{ m.role }}{% endfor %})J",
     R"J({"msgs": [{"role": "u", "content": "c"}, {"role": "a"}]})J", false,
     R"J(caa)J"},
    {R"J({{ [1,2,3] | length > 2 }} {{ 'abc' | upper == 'ABC' }} {{ not 'x' is string }} {{ - 3 | abs }})J",
     R"J({})J", false,
     R"J(True True False 3)J"},
    {R"J({{ 1 if x is defined and x else 2 }} {{ (x or {}).get('a', 'n') }})J",
     R"J({})J", false,
     R"J(2 n)J"},
    {R"J({{ {'a': 1}['b'] }}|{{ {1: 'one'}[1] }} {{ {1: 'one'}[1.0] }} {{ {true: 'T'}[1] }})J",
     R"J({})J", false,
     R"J(|one one T)J"},
    {R"J({{ 9223372036854775807 + 1 }} {{ -9223372036854775807 - 10 }} {{ 2 ** 62 * 4 }} {{ 12345678901234567890 }})J",
     R"J({})J", false,
     R"J(9223372036854775808 -9223372036854775817 18446744073709551616 12345678901234567890)J"},
    {R"J({{ '%s=%d' % ('a', 3) }} {{ '%5.1f|%-3s|' % (2.25, 'x') }} {{ '%(k)s' % {'k': 'v'} }} {{ '%r' % 'q' }} {{ '%.3s|%5s|%05d|%+d' % ('abcdef', 'ab', 42, 5) }})J",
     R"J({})J", false,
     R"J(a=3   2.2|x  | v 'q' abc|   ab|00042|+5)J"},
    {R"J({{ 'x' ~ 1e16 ~ 1e15 ~ 1.0e-4 ~ 1.0e-5 ~ 12345.6789e10 ~ 1/3 }})J",
     R"J({})J", false,
     R"J(x1e+161000000000000000.00.00011e-05123456789000000.00.3333333333333333)J"},
    {R"J({{ f }} {{ d }})J",
     R"J({"f": 0.1, "d": {"n": null, "t": true, "f": 1e-07, "s": "it's", "u": "é\n"}})J", false,
     R"J(0.1 {'n': None, 't': True, 'f': 1e-07, 's': "it's", 'u': 'é\n'})J"},
    {R"J({{ tools is defined }} {{ tools is none }} {{ tools|length if tools else 0 }})J",
     R"J({"tools": null})J", false,
     R"J(True True 0)J"},
};

const Case kMethods[] = {
    {R"J({{ 'x'.upper() }} {{ ' a b '.split() }} {{ 'a,b,,c'.split(',') }} {{ 'a,b,c'.split(',', 1) }} {{ 'a b c'.rsplit(None, 1) }} {{ '  x '.strip() }} {{ 'xxhixx'.strip('x') }} {{ 'ab'.startswith('a') }} {{ 'ab'.endswith(('x','b')) }})J",
     R"J({})J", false,
     R"J(X ['a', 'b'] ['a', 'b', '', 'c'] ['a', 'b,c'] ['a b', 'c'] x hi True True)J"},
    {R"J({{ 'Hello World'.lower() }} {{ 'hello world'.title() }} {{ 'hello'.capitalize() }} {{ 'a-b'.replace('-', '+') }} {{ 'abcabc'.find('c') }} {{ 'abc'.rfind('z') }} {{ 'aaa'.count('a') }} {{ ','.join(['a','b']) }})J",
     R"J({})J", false,
     R"J(hello world Hello World Hello a+b 2 -1 3 a,b)J"},
    {R"J({{ 'x'.center(5) }}|{{ 'x'.ljust(3, '*') }}|{{ 'x'.rjust(3) }}|{{ '5'.zfill(3) }}|{{ 'a=b=c'.partition('=') }}|{{ 'abc'.removeprefix('a') }}|{{ '12'.isdigit() }}|{{ 'ab'.isalpha() }}|{{ ' '.isspace() }})J",
     R"J({})J", false,
     R"J(  x  |x**|  x|005|('a', '=', 'b=c')|bc|True|True|True)J"},
    {R"J({{ '{}-{}'.format(1, 'a') }} {{ '{0}{0}'.format('x') }} {{ '{n}!'.format(n=3) }} {{ '{:>5}|{:.2f}'.format('a', 3.14159) }})J",
     R"J({})J", false,
     R"J(1-a xx 3!     a|3.14)J"},
    {R"J({{ [3,1,2].index(1) }} {{ [1,1,2].count(1) }} {{ (1,2).index(2) }})J",
     R"J({})J", false,
     R"J(1 2 1)J"},
    {R"J({{ c.split('</think>')[0].rstrip('\n').split('<think>')[-1].lstrip('\n') }}|{{ c.split('</think>')[-1].lstrip('\n') }})J",
     R"J({"c": "<think>\nreason\n</think>\n\nanswer"})J", false,
     R"J(reason|answer)J"},
    {R"J({% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}{{ d.keys()|list }}{{ d.values()|list }})J",
     R"J({"d": {"b": 1, "a": 2}})J", false,
     R"J(b=1;a=2;['b', 'a'][1, 2])J"},
};

const Case kFilters[] = {
    {R"J({{ '  x  '|trim }}|{{ 'xxaxx'|trim('x') }}|{{ 'ab'|upper }}|{{ 'AB'|lower }}|{{ [1,2,3]|length }}|{{ 'héllo'|length }}|{{ {'a':1}|length }}|{{ 'abc'|list }}|{{ {'a':1,'b':2}|list }})J",
     R"J({})J", false,
     R"J(x|a|AB|ab|3|5|1|['a', 'b', 'c']|['a', 'b'])J"},
    {R"J({{ x|default('d') }}|{{ none|default('d') }}|{{ ''|default('d', true) }}|{{ 0|d(5, true) }}|{{ false|default('z') }})J",
     R"J({})J", false,
     R"J(d|None|d|5|False)J"},
    {R"J({{ {'b': 1, 'A': 2, 'a': 3}|dictsort }}|{{ {'b': 1, 'A': 2, 'a': 3}|dictsort(true) }}|{{ {'b': 1, 'a': 2}|dictsort(by='value', reverse=true) }})J",
     R"J({})J", false,
     R"J([('A', 2), ('a', 3), ('b', 1)]|[('A', 2), ('a', 3), ('b', 1)]|[('a', 2), ('b', 1)])J"},
    {R"J({{ {'b': 1, 'a': 2}|items|list }}|{% for k, v in {'x': 1, 'y': 2}|items %}{{ k }}={{ v }};{% endfor %})J",
     R"J({})J", false,
     R"J([('b', 1), ('a', 2)]|x=1;y=2;)J"},
    {R"J({{ ['a','b']|map('upper')|list }}|{{ [{'n':1},{'n':2}]|map(attribute='n')|list }}|{{ [{'n':1},{}]|map(attribute='n', default=0)|list }}|{{ [[1,2]]|map(attribute='0')|list }})J",
     R"J({})J", false,
     R"J(['A', 'B']|[1, 2]|[1, 0]|[1])J"},
    {R"J({{ [1,2,3,4]|select('odd')|list }} {{ [1,2,3,4]|reject('even')|list }} {{ [0,1,'',2]|select|list }} {{ [{'a':1},{'a':0}]|selectattr('a')|list }} {{ [{'a':1},{'a':2}]|selectattr('a', 'equalto', 2)|list }} {{ [{'a':1},{'a':2}]|rejectattr('a', '==', 2)|list }})J",
     R"J({})J", false,
     R"J([1, 3] [1, 3] [1, 2] [{'a': 1}] [{'a': 2}] [{'a': 1}])J"},
    {R"J({{ [1,2]|join }} {{ [1,2]|join(', ') }} {{ [{'a':'x'},{'a':'y'}]|join('-', attribute='a') }} {{ 'abc'|join('.') }})J",
     R"J({})J", false,
     R"J(12 1, 2 x-y a.b.c)J"},
    {R"J({{ [3,1,2]|sort }} {{ ['b','A','c']|sort }} {{ ['b','A','c']|sort(case_sensitive=true) }} {{ [{'k':2},{'k':1}]|sort(attribute='k') }} {{ [3,1]|sort(reverse=true) }})J",
     R"J({})J", false,
     R"J([1, 2, 3] ['A', 'b', 'c'] ['A', 'b', 'c'] [{'k': 1}, {'k': 2}] [3, 1])J"},
    {R"J({{ [1,2,3]|first }} {{ [1,2,3]|last }} {{ []|first }}|{{ 'abc'|first }} {{ [1,2]|reverse|list }} {{ 'abc'|reverse }} {{ [1,2,3]|sum }} {{ [1.5,2]|sum }} {{ [{'v':1},{'v':2}]|sum(attribute='v') }})J",
     R"J({})J", false,
     R"J(1 3 |a [2, 1] cba 6 3.5 3)J"},
    {R"J({{ [3,1,2]|min }} {{ [3,1,2]|max }} {{ ['b','A']|min }} {{ [1,1,2,'a','A']|unique|list }} {{ -3|abs }} {{ 2.5|round }} {{ 3.5|round }} {{ 2.675|round(2) }} {{ 7|round }} {{ 2.1|round(0, 'ceil') }} {{ 2.9|round(0, 'floor') }})J",
     R"J({})J", false,
     R"J(1 3 A [1, 2, 'a'] 3 2.0 4.0 2.67 7 3.0 2.0)J"},
    {R"J({{ '42'|int }} {{ '4.7'|int }} {{ 'x'|int }} {{ 'x'|int(7) }} {{ 3.9|int }} {{ '0x1A'|int(base=16) }} {{ '3.5'|float }} {{ 'x'|float }} {{ 4|float }} {{ true|int }})J",
     R"J({})J", false,
     R"J(42 4 0 7 3 26 3.5 0.0 4.0 1)J"},
    {R"J({{ 'a\nb\n\nc'|indent }}|{{ 'a\nb'|indent(2, true) }}|{{ 'a\n\nb'|indent('> ', blank=true) }})J",
     R"J({})J", false,
     R"J(a
    b

    c|  a
  b|a
> 
> b)J"},
    {R"J({{ 'hello world-foo(bar'|title }} {{ 'HELLO'|capitalize }} {{ 'x'|center(6) }}| {{ 'a b  c'|wordcount }} {{ '<&>"\''|e }} {{ '%s-%s'|format(1, 2) }} {{ 'aXbX'|replace('X', '_', 1) }})J",
     R"J({})J", false,
     R"J(Hello World-Foo(Bar Hello   x   | 3 &lt;&amp;&gt;&#34;&#39; 1-2 a_bX)J"},
    {R"J({{ [1,2,3,4,5]|batch(2)|list }} {{ [1,2,3]|batch(2, 'x')|list }})J",
     R"J({})J", false,
     R"J([[1, 2], [3, 4], [5]] [[1, 2], [3, 'x']])J"},
    {R"J({{ 1|string ~ 2 }} {{ none|string }} {{ [1]|string }} {{ x|string }}| {{ '<b>'|safe }} {{ 5|safe }})J",
     R"J({})J", false,
     R"J(12 None [1] | <b> 5)J"},
    {R"J({{ 'é'|upper }} {{ 'ß'|upper }} {{ 'ΣΑΣ'|lower }} {{ 'İ'|lower|length }})J",
     R"J({})J", false,
     R"J(É SS σας 2)J"},
};

const Case kToJson[] = {
    {R"J({{ d|tojson }} {{ d|tojson(indent=2) }} {{ d|tojson(sort_keys=true) }} {{ d|tojson(separators=(',', ':')) }} {{ d|tojson(ensure_ascii=true) }})J",
     R"J({"d": {"z": [1, 2.0, null, true, "é\n\"\\\t\u0001 😀"], "a": {}, "e": [], "n": 1e-07, "big": 1e+21}})J", false,
     R"J({"z": [1, 2.0, null, true, "é\n\"\\\t\u0001 😀"], "a": {}, "e": [], "n": 1e-07, "big": 1e+21} {
  "z": [
    1,
    2.0,
    null,
    true,
    "é\n\"\\\t\u0001 😀"
  ],
  "a": {},
  "e": [],
  "n": 1e-07,
  "big": 1e+21
} {"a": {}, "big": 1e+21, "e": [], "n": 1e-07, "z": [1, 2.0, null, true, "é\n\"\\\t\u0001 😀"]} {"z":[1,2.0,null,true,"é\n\"\\\t\u0001 😀"],"a":{},"e":[],"n":1e-07,"big":1e+21} {"z": [1, 2.0, null, true, "\u00e9\n\"\\\t\u0001 \ud83d\ude00"], "a": {}, "e": [], "n": 1e-07, "big": 1e+21})J"},
    {R"J({{ 'x'|tojson }} {{ 1.0|tojson }} {{ none|tojson }} {{ (1,2)|tojson }} {{ d|tojson(indent='--') }} {{ d|tojson(indent=0) }} {{ d|tojson(indent=2, separators=(', ', ': ')) }})J",
     R"J({"d": {"a": [1, {"b": 2}]}})J", false,
     R"J("x" 1.0 null [1, 2] {
--"a": [
----1,
----{
------"b": 2
----}
--]
} {
"a": [
1,
{
"b": 2
}
]
} {
  "a": [
    1, 
    {
      "b": 2
    }
  ]
})J"},
    {R"J({{ x|tojson }})J",
     R"J({})J", true,
     R"J(TypeError: Object of type Undefined is not JSON serializable)J"},
    {R"J({{ {1: 'a', 2.5: 'b', true: 'c', none: 'd'}|tojson }})J",
     R"J({})J", false,
     R"J({"1": "c", "2.5": "b", "null": "d"})J"},
};

const Case kTests[] = {
    {R"J({{ 1 is number }}{{ 1.5 is float }}{{ true is boolean }}{{ 1 is integer }}{{ true is integer }}{{ 'a' is string }}{{ {} is mapping }}{{ [] is sequence }}{{ 'a' is sequence }}{{ {} is iterable }}{{ x is iterable }}{{ x is sequence }})J",
     R"J({})J", false,
     R"J(TrueTrueTrueTrueFalseTrueTrueTrueTrueTrueTrueTrue)J"},
    {R"J({{ x is defined }}{{ x is undefined }}{{ none is none }}{{ 0 is none }}{{ true is true }}{{ 1 is true }}{{ false is false }}{{ 3 is odd }}{{ 4 is even }}{{ 9 is divisibleby 3 }}{{ 'abc' is lower }}{{ 'ABC' is upper }}{{ [] is callable }}{{ 'x' is in 'xyz' }}{{ 1 is eq 1 }}{{ 2 is gt 1 }}{{ 2 is ge 3 }}{{ 1 is lessthan 2 }}{{ none is sameas none }})J",
     R"J({})J", false,
     R"J(FalseTrueTrueFalseTrueFalseTrueTrueTrueTrueTrueTrueFalseTrueTrueTrueFalseTrueTrue)J"},
    {R"J({{ 'upper' is filter }}{{ 'nope' is filter }}{{ 'odd' is test }}{{ x is not defined }}{{ 1 is not string }})J",
     R"J({})J", false,
     R"J(TrueFalseTrueTrueTrue)J"},
};

const Case kLoops[] = {
    {R"J({% for x in 'ab' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %})J",
     R"J({})J", false,
     R"J(1021TrueFalse2|2110FalseTrue2|)J"},
    {R"J({% for x in [1,2,3] %}{{ loop.previtem }}-{{ loop.nextitem }};{% endfor %}|{% for x in [1,2,3] %}{{ loop.cycle('a','b') }}{% endfor %})J",
     R"J({})J", false,
     R"J(-2;1-3;2-;|aba)J"},
    {R"J({% for x in [] %}x{% else %}empty{% endfor %}|{% for x in [1,2,3,4] if x is even %}{{ x }}{{ loop.index }}{% else %}none{% endfor %})J",
     R"J({})J", false,
     R"J(empty|2142)J"},
    {R"J({% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}{{ v }}{% endfor %}|{% for a, b in [[1, 2], (3, 4)] %}{{ a + b }}{% endfor %})J",
     R"J({})J", false,
     R"J(a1b2|37)J"},
    {R"J({% for x in [1,2,3,4,5] %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 4 %}{% break %}{% endif %}{{ x }}{% endfor %})J",
     R"J({})J", false,
     R"J(13)J"},
    {R"J({% for i in range(3) %}{% for j in range(i) %}{{ i }}{{ j }}{{ loop.index }},{% endfor %}{{ loop.index }};{% endfor %})J",
     R"J({})J", false,
     R"J(1;101,2;201,212,3;)J"},
    {R"J({{ range(5)|list }} {{ range(1, 10, 3)|list }} {{ range(5, 0, -2)|list }} {{ range(0)|list }})J",
     R"J({})J", false,
     R"J([0, 1, 2, 3, 4] [1, 4, 7] [5, 3, 1] [])J"},
    {R"J({% for c in d %}{{ c }}{% endfor %}|{% for c in y %}{% endfor %})J",
     R"J({"d": {"q": 1, "p": 2}})J", false,
     R"J(qp|)J"},
    {R"J({% for i in [1] %}{{ loop.foo }}|{{ loop['index'] }}{% endfor %})J",
     R"J({})J", false,
     R"J(|1)J"},
};

const Case kScoping[] = {
    {R"J({% set x = 1 %}{% for i in [1,2] %}{% set x = x + i %}{{ x }}{% endfor %}{{ x }})J",
     R"J({})J", false,
     R"J(231)J"},
    {R"J({% set ns = namespace(t=0) %}{% for i in range(5) %}{% set ns.t = ns.t + i %}{% endfor %}{{ ns.t }} {{ ns }})J",
     R"J({})J", false,
     R"J(10 <Namespace {'t': 10}>)J"},
    {R"J({% set a, b = 1, 2 %}{{ a }}{{ b }}{% set c = [1, 2] %}{% set p, q = c %}{{ p }}{{ q }})J",
     R"J({})J", false,
     R"J(1212)J"},
    {R"J({% if true %}{% set y = 5 %}{% endif %}{{ y }})J",
     R"J({})J", false,
     R"J(5)J"},
    {R"J({% with a = 1, b = 2 %}{{ a + b }}{% endwith %}{{ a }})J",
     R"J({})J", false,
     R"J(3)J"},
    {R"J({% for i in [1, 2] %}[{{ q }}]{% endfor %}{% set q = 2 %}{{ q }})J",
     R"J({"q": "context"})J", false,
     R"J([][]2)J"},
    {R"J({{ q }}{% set q = 2 %}{{ q }})J",
     R"J({"q": "context"})J", false,
     R"J(context2)J"},
    {R"J({% macro m() %}{{ g }}{% endmacro %}{{ m() }}{% set g = 'late' %}{{ m() }})J",
     R"J({"g": "context"})J", false,
     R"J(late)J"},
    {R"J({% set g = 'outer' %}{% macro m() %}{{ g }}{% endmacro %}{% set g = 'changed' %}{{ m() }})J",
     R"J({})J", false,
     R"J(changed)J"},
    {R"J({% for m in [1, 2] %}{% if loop.first %}{% set c = 'set' %}{% endif %}{{ c }};{% endfor %})J",
     R"J({"c": "ctx"})J", false,
     R"J(set;ctx;)J"},
    {R"J({% set ns = namespace() %}{% set ns.me = ns %}{{ ns }})J",
     R"J({})J", false,
     R"J(<Namespace {'me': <Namespace {...}>}>)J"},
    {R"J({{ namespace(a=1).a }} {{ dict(a=1, b=2) }} {{ namespace({'x': 5}).x }})J",
     R"J({})J", false,
     R"J(1 {'a': 1, 'b': 2} 5)J"},
};

const Case kMacros[] = {
    {R"J({% macro m(a, b=2, c='x') %}{{ a }}{{ b }}{{ c }}{% endmacro %}{{ m(1) }} {{ m(1, 3) }} {{ m(1, c='z') }} {{ m(a=5) }} {{ m() }}|)J",
     R"J({})J", false,
     R"J(12x 13x 12z 52x 2x|)J"},
    {R"J({% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(5) }})J",
     R"J({})J", false,
     R"J(54321)J"},
    {R"J({% macro v() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ v(1, 2, k=3) }})J",
     R"J({})J", false,
     R"J((1, 2){'k': 3})J"},
    {R"J({% macro w(x) %}[{{ caller(x) }}]{% endmacro %}{% call(y) w(5) %}got {{ y }}{% endcall %})J",
     R"J({})J", false,
     R"J([got 5])J"},
    {R"J({% macro m() %}{{ caller is defined }}{% endmacro %}{{ m() }})J",
     R"J({})J", false,
     R"J(False)J"},
    {R"J({% set t %}  inner {{ 1 + 1 }}  {% endset %}[{{ t }}]{% set u | upper %}abc{% endset %}{{ u }})J",
     R"J({})J", false,
     R"J([  inner 2  ]ABC)J"},
    {R"J({% filter upper %}abc {{ 'd' }}{% endfilter %})J",
     R"J({})J", false,
     R"J(ABC D)J"},
    {R"J({% generation %}gen {{ 1 }}{% endgeneration %})J",
     R"J({})J", false,
     R"J(gen 1)J"},
    {R"J({{ strftime_now('%Y-%m-%d %H:%M:%S %A %B %j %%') }} {{ strftime_now('%d %b %Y') }})J",
     R"J({})J", false,
     R"J(2026-01-15 09:30:00 Thursday January 015 % 15 Jan 2026)J"},
};

const Case kErrors[] = {
    {R"J({{ x }}|{{ x.y }})J",
     R"J({})J", true,
     R"J(UndefinedError: 'x' is undefined)J"},
    {R"J({{ x + 1 }})J",
     R"J({})J", true,
     R"J(UndefinedError: 'x' is undefined)J"},
    {R"J({{ d.a.b }})J",
     R"J({"d": {"a": null}})J", false,
     R"J()J"},
    {R"J({{ d['a']['b'] }})J",
     R"J({"d": {"a": {}}})J", false,
     R"J()J"},
    {R"J({{ d.a.b.c }})J",
     R"J({"d": {"a": {}}})J", true,
     R"J(UndefinedError: 'dict object' has no attribute 'b')J"},
    {R"J({{ [1][5] }}|{{ [1][5].x }})J",
     R"J({})J", true,
     R"J(UndefinedError: list object has no element 5)J"},
    {R"J({{ 'abc'.nope() }})J",
     R"J({})J", true,
     R"J(UndefinedError: 'str object' has no attribute 'nope')J"},
    {R"J({{ x() }})J",
     R"J({})J", true,
     R"J(UndefinedError: 'x' is undefined)J"},
    {R"J({{ 'a' + 1 }})J",
     R"J({})J", true,
     R"J(TypeError: can only concatenate str (not "int") to str)J"},
    {R"J({{ 1 + 'a' }})J",
     R"J({})J", true,
     R"J(TypeError: unsupported operand type(s) for +: 'int' and 'str')J"},
    {R"J({{ [1] + 'a' }})J",
     R"J({})J", true,
     R"J(TypeError: can only concatenate list (not "str") to list)J"},
    {R"J({{ [1].append(2) }})J",
     R"J({})J", true,
     R"J(SecurityError: access to attribute 'append' of 'list' object is unsafe.)J"},
    {R"J({{ {}.update({}) }})J",
     R"J({})J", true,
     R"J(SecurityError: access to attribute 'update' of 'dict' object is unsafe.)J"},
    {R"J({{ 1 / 0 }})J",
     R"J({})J", true,
     R"J(ZeroDivisionError: division by zero)J"},
    {R"J({{ 1 // 0 }})J",
     R"J({})J", true,
     R"J(ZeroDivisionError: integer division or modulo by zero)J"},
    {R"J({{ 1.0 % 0 }})J",
     R"J({})J", true,
     R"J(ZeroDivisionError: float modulo)J"},
    {R"J({{ raise_exception('boom ' ~ 1) }})J",
     R"J({})J", true,
     R"J(TemplateError: boom 1)J"},
    {R"J({{ range(1000000) }})J",
     R"J({})J", true,
     R"J(OverflowError: Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).)J"},
    {R"J({% for a, b in [1] %}{% endfor %})J",
     R"J({})J", true,
     R"J(TypeError: cannot unpack non-iterable int object)J"},
    {R"J({% for a, b in [[1, 2, 3]] %}{% endfor %})J",
     R"J({})J", true,
     R"J(ValueError: too many values to unpack (expected 2))J"},
    {R"J({% set x.y = 1 %})J",
     R"J({})J", true,
     R"J(TemplateRuntimeError: cannot assign attribute on non-namespace object)J"},
    {R"J({{ 'a' < 1 }})J",
     R"J({})J", true,
     R"J(TypeError: '<' not supported between instances of 'str' and 'int')J"},
    {R"J({{ none.x }}|{{ none['x'] }}|{{ none[0] }})J",
     R"J({})J", false,
     R"J(||)J"},
    {R"J({{ 5 in none }})J",
     R"J({})J", true,
     R"J(TypeError: argument of type 'NoneType' is not iterable)J"},
    {R"J({{ 1 in 'a' }})J",
     R"J({})J", true,
     R"J(TypeError: 'in <string>' requires string as left operand, not int)J"},
    {R"J({{ 1 is foo }})J",
     R"J({})J", true,
     R"J(TemplateAssertionError: No test named 'foo'.)J"},
    {R"J({{ 1|nosuchfilter }})J",
     R"J({})J", true,
     R"J(TemplateAssertionError: No filter named 'nosuchfilter'.)J"},
    {R"J({% if false %}{{ 1|nosuchfilter }}{% endif %}ok)J",
     R"J({})J", false,
     R"J(ok)J"},
    {R"J({% if true %}{{ 1|nosuchfilter }}{% endif %})J",
     R"J({})J", true,
     R"J(TemplateRuntimeError: No filter named 'nosuchfilter' found.)J"},
    {R"J({% if x %})J",
     R"J({})J", true,
     R"J(TemplateSyntaxError: Unexpected end of template. Jinja was looking for the following tags: 'elif' or 'else' or 'endif'. The innermost block that needs to be closed is 'if'.)J"},
    {R"J({{ 1 + }})J",
     R"J({})J", true,
     R"J(TemplateSyntaxError: unexpected 'end of print statement')J"},
    {R"J({% endfor %})J",
     R"J({})J", true,
     R"J(TemplateSyntaxError: Encountered unknown tag 'endfor'.)J"},
    {R"J({% foo %})J",
     R"J({})J", true,
     R"J(TemplateSyntaxError: Encountered unknown tag 'foo'.)J"},
    {R"J({% for x in y %}{% endif %})J",
     R"J({})J", true,
     R"J(TemplateSyntaxError: Encountered unknown tag 'endif'. Jinja was looking for the following tags: 'endfor' or 'else'. The innermost block that needs to be closed is 'for'.)J"},
    {R"J({{ 'unterminated }})J",
     R"J({})J", true,
     R"J(TemplateSyntaxError: unexpected char "'" at 3)J"},
    {R"J({{ (1 }})J",
     R"J({})J", true,
     R"J(TemplateSyntaxError: unexpected '}', expected ')')J"},
    {R"J({{ ) }})J",
     R"J({})J", true,
     R"J(TemplateSyntaxError: unexpected ')')J"},
    {R"J({# unterminated)J",
     R"J({})J", true,
     R"J(TemplateSyntaxError: Missing end of comment tag)J"},
    {R"J({{ m(1, 2) }}{% macro m(a) %}{% endmacro %})J",
     R"J({})J", true,
     R"J(UndefinedError: 'm' is undefined)J"},
    {R"J({% macro m(a) %}{% endmacro %}{{ m(1, 2) }})J",
     R"J({})J", true,
     R"J(TypeError: macro 'm' takes not more than 1 argument(s))J"},
    {R"J({% macro m(a) %}{% endmacro %}{{ m(b=1) }})J",
     R"J({})J", true,
     R"J(TypeError: macro 'm' takes no keyword argument 'b')J"},
    {R"J({{ d|dictsort }})J",
     R"J({"d": [1]})J", true,
     R"J(AttributeError: 'list' object has no attribute 'items')J"},
    {R"J({{ 5|items|list }})J",
     R"J({})J", true,
     R"J(TypeError: Can only get item pairs from a mapping.)J"},
    {R"J({{ ''.join([1]) }})J",
     R"J({})J", true,
     R"J(TypeError: sequence item 0: expected str instance, int found)J"},
    {R"J({{ 'a'.split('') }})J",
     R"J({})J", true,
     R"J(ValueError: empty separator)J"},
    {R"J({{ ['a','b']|sum }})J",
     R"J({})J", true,
     R"J(TypeError: unsupported operand type(s) for +: 'int' and 'str')J"},
    {R"J({{ '%d' % 'x' }})J",
     R"J({})J", true,
     R"J(TypeError: %d format: a real number is required, not str)J"},
    {R"J({{ -'a' }})J",
     R"J({})J", true,
     R"J(TypeError: bad operand type for unary -: 'str')J"},
    {R"J({{ x|tojson }})J",
     R"J({})J", true,
     R"J(TypeError: Object of type Undefined is not JSON serializable)J"},
    {R"J({{ namespace()|tojson }})J",
     R"J({})J", true,
     R"J(TypeError: Object of type Namespace is not JSON serializable)J"},
    {R"J({% for i in 5 %}{% endfor %})J",
     R"J({})J", true,
     R"J(TypeError: 'int' object is not iterable)J"},
    {R"J({{ [1][::0] }})J",
     R"J({})J", true,
     R"J(ValueError: slice step cannot be zero)J"},
    {R"J({{ {[1]: 2} }})J",
     R"J({})J", true,
     R"J(TypeError: unhashable type: 'list')J"},
    {R"J({{ 'x'|int(base=99) }})J",
     R"J({})J", false,
     R"J(0)J"},
};

TEST(JinjaEngine, Whitespace) { run_cases(kWhitespace); }
TEST(JinjaEngine, Expressions) { run_cases(kExpressions); }
TEST(JinjaEngine, Methods) { run_cases(kMethods); }
TEST(JinjaEngine, Filters) { run_cases(kFilters); }
TEST(JinjaEngine, ToJson) { run_cases(kToJson); }
TEST(JinjaEngine, Tests) { run_cases(kTests); }
TEST(JinjaEngine, Loops) { run_cases(kLoops); }
TEST(JinjaEngine, Scoping) { run_cases(kScoping); }
TEST(JinjaEngine, Macros) { run_cases(kMacros); }
TEST(JinjaEngine, Errors) { run_cases(kErrors); }

}  // namespace
