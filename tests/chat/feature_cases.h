// Language-feature cases for test_chat_template. Expected outputs are what Jinja2 3.1 renders
// in the environment transformers uses (ImmutableSandboxedEnvironment, trim_blocks,
// lstrip_blocks, loopcontrols; its own tojson, raise_exception and strftime_now fixed to
// 2026-11-26 10:30:05) with the variables in kFeatureContext.
#pragma once

static const char* const kFeatureContext = R"J({"messages": [{"role": "system", "content": "Sys"}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo", "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": {"b": 1, "a": [1, 2.5, null, true, "é\"\n"]}}}]}], "x": 3, "s": "Hello World", "l": [3, 1, 2], "d": {"b": 2, "a": 1, "C": 3}, "f": 2.5, "n": null, "t": true, "u8": "héllo wörld ß", "e": "", "nested": {"a": {"b": [10, 20, {"c": "deep"}]}}})J";

struct FeatureCase { const char* name; const char* source; const char* expected; };
static const FeatureCase kFeatureCases[] = {
    {"ws: dash strips both sides", R"J(a  {{- 1 -}}  b)J",
     R"J(a1b)J"},
    {"ws: trim_blocks + lstrip_blocks", R"J(a
  {% if true %}
  x
  {% endif %}
b)J",
     R"J(a
  x
b)J"},
    {"ws: dash on blocks", R"J(a
  {%- if true -%}
  x
  {%- endif -%}
b)J",
     R"J(axb)J"},
    {"ws: loop lines", R"J({% for i in l %}
{{ i }}
{% endfor %})J",
     R"J(3
1
2
)J"},
    {"ws: comment lstrip", R"J(  {# c #}
x)J",
     R"J(x)J"},
    {"ws: comment dashes", R"J(a {#- c -#} b)J",
     R"J(ab)J"},
    {"ws: plus keeps whitespace", R"J(x {%+ if true %}y{% endif +%}
z)J",
     R"J(x y
z)J"},
    {"ws: variable tags do not trim", R"J({{ 'a' }}
{{ 'b' }}
)J",
     R"J(a
b)J"},
    {"ws: CRLF normalised, trailing newline dropped", "text\r\nmore\r\n{% if 1 %}\r\nz{% endif %}\r\n",
     R"J(text
more
z)J"},
    {"ws: raw block", R"J({% raw %}{{ x }} {% if %}{% endraw %})J",
     R"J({{ x }} {% if %})J"},
    {"ws: raw with dashes", R"J(a {%- raw -%} {{ x }} {%- endraw -%} b)J",
     R"J(a{{ x }}b)J"},
    {"ws: lstrip only at line start", R"J(ab {% if true %}x{% endif %}  
  {% if true %}y{% endif %})J",
     R"J(ab x  
y)J"},
    {"ws: Unicode whitespace is whitespace in tags", R"J(a {%- if true -%}　  b{%　endif %} {{　s　}})J",
     R"J(ab Hello World)J"},
    {"expr: precedence", R"J({{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 2 ** 3 ** 2 }} {{ -2 ** 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % -3 }} {{ 7 / 2 }})J",
     R"J(7 9 64 4 3 -4 -2 3.5)J"},
    {"expr: float formatting", R"J({{ 0.1 + 0.2 }} {{ 1e100 }} {{ 1.5e-7 }} {{ 1e16 }} {{ 1e15 }} {{ 2.0 }} {{ -0.0 }} {{ 0.0001 }} {{ 10 / 4 }} {{ 4 / 2 }})J",
     R"J(0.30000000000000004 1e+100 1.5e-07 1e+16 1000000000000000.0 2.0 -0.0 0.0001 2.5 2.0)J"},
    {"expr: concat and repeat", R"J({{ 'a' ~ 1 ~ none ~ true ~ 1.0 }} {{ 'ab' * 3 }} {{ [1] * 2 }} {{ [1, 2] + [3] }})J",
     R"J(a1NoneTrue1.0 ababab [1, 1] [1, 2, 3])J"},
    {"expr: chained comparisons", R"J({{ x > 2 and x < 4 }} {{ 1 < x < 5 }} {{ 1 < x > 5 }} {{ 1 == 1.0 }} {{ true == 1 }} {{ (1, 2) == [1, 2] }})J",
     R"J(True True False True True False)J"},
    {"expr: and/or return operands", R"J({{ n or 'def' }} {{ 0 and 1 }} {{ '' or [] }} {{ x and 'yes' }})J",
     R"J(def 0 [] yes)J"},
    {"expr: ternary", R"J({{ x if x > 5 else 'small' }}[{{ 'y' if n }}]{{ 'a' if t else 'b' if n else 'c' }})J",
     R"J(small[]a)J"},
    {"expr: in / not in", R"J({{ 'a' in s }} {{ 'H' in s }} {{ 3 in l }} {{ 'b' in d }} {{ 'z' not in d }} {{ 1 not in l }} {{ 'x' in undefined_var }})J",
     R"J(False True True True True False False)J"},
    {"expr: slicing", R"J({{ s[0] }} {{ s[-1] }} {{ s[1:4] }} {{ s[::-1] }} {{ s[::2] }} {{ l[1:] }} {{ l[:-1] }}[{{ l[10] }}]{{ l[-10:] }} {{ s[5:1:-1] }})J",
     R"J(H d ell dlroW olleH HloWrd [1, 2] [3, 1][][3, 1, 2]  oll)J"},
    {"expr: unicode slicing and length", R"J({{ u8[1:4] }} {{ u8[::-1] }} {{ u8|length }} {{ u8[-1] }})J",
     R"J(éll ß dlröw olléh 13 ß)J"},
    {"expr: attribute and item access", R"J({{ d.a }} {{ d['b'] }} {{ d.get('C') }} {{ d.get('z', 'dflt') }} {{ d.get('z') }} {{ nested.a.b[2].c }} {{ nested['a']['b'][0] }})J",
     R"J(1 2 3 dflt None deep 10)J"},
    {"expr: Python str() of containers", R"J({{ l }} {{ d }} {{ (1, 2) }} {{ (1,) }} {{ () }} {{ {'k': [1, {'z': none}]} }} {{ ["a'b", 'c"d', 'e\'f"'] }})J",
     R"J([3, 1, 2] {'b': 2, 'a': 1, 'C': 3} (1, 2) (1,) () {'k': [1, {'z': None}]} ["a'b", 'c"d', 'e\'f"'])J"},
    {"expr: constants", R"J({{ t }} {{ n }} {{ f }} {{ true }} {{ True }} {{ none }} {{ 'a' 'b' "c" }} {{ 1_000 + 0x10 + 0o7 + 0b11 }})J",
     R"J(True None 2.5 True True None abc 1026)J"},
    {"expr: undefined prints empty", R"J([{{ undefined_var }}][{{ n.y }}][{{ s.foo }}][{{ undefined_var ~ 'x' }}])J",
     R"J([][][][x])J"},
    {"expr: string escapes", R"J({{ 'tab\there' }}|{{ "q\"q" }}|{{ '\x41\u00e9\U0001F600' }}|{{ '\q' }})J",
     "tab\there|q\"q|Aé😀|\\q"},
    {"expr: % with a list formats it as one value", R"J({{ 'abc' % [1] }}|{{ '%s' % [1, 2] }}|{{ '%s' % ((1, 2),) }})J",
     R"J(abc|[1, 2]|(1, 2))J"},
    {"expr: percent formatting", R"J({{ '%s and %s' % ('a', 'b') }} {{ '%d%%' % 50 }} {{ '%.2f' % 3.14159 }} {{ '%5s|%-5s|' % ('a', 'b') }} {{ '%(k)s' % {'k': 'v'} }})J",
     R"J(a and b 50% 3.14     a|b    | v)J"},
    {"tests: numbers", R"J({{ x is odd }} {{ x is even }} {{ x is divisibleby 3 }} {{ x is number }} {{ f is float }} {{ x is integer }} {{ t is integer }} {{ t is number }})J",
     R"J(True False True True True True False True)J"},
    {"tests: types", R"J({{ s is string }} {{ l is sequence }} {{ d is mapping }} {{ l is mapping }} {{ t is boolean }} {{ n is none }} {{ s is iterable }} {{ x is iterable }} {{ undefined_var is iterable }})J",
     R"J(True True True False True True True False True)J"},
    {"tests: true/false/defined", R"J({{ t is true }} {{ t is false }} {{ 1 is true }} {{ undefined_var is defined }} {{ undefined_var is undefined }} {{ n is defined }} {{ d.get is callable }})J",
     R"J(True False False False True True True)J"},
    {"tests: comparisons", R"J({{ 'x' is eq 'x' }} {{ 3 is equalto 3 }} {{ 3 is ne 4 }} {{ 3 is gt 2 }} {{ 3 is lt 2 }} {{ 3 is ge 3 }} {{ 2 is in l }} {{ 'abc' is lower }} {{ 'ABC' is upper }} {{ n is sameas none }})J",
     R"J(True True True True False True True True True True)J"},
    {"tests: undefined is callable and iterable", R"J({{ undefined_var is callable }} {{ undefined_var is sequence }} {{ undefined_var is mapping }})J",
     R"J(True True False)J"},
    {"tests: is not / precedence", R"J({{ x is not none }} {{ not x is none }} {{ x is not string and x is number }} {{ s is string or 1/0 }})J",
     R"J(True True True True)J"},
    {"filters: string case", R"J({{ '  a b  '|trim }}|{{ 'xxaxx'|trim('x') }}|{{ s|upper }}|{{ s|lower }}|{{ 'hello wORLD-x (y'|title }}|{{ 'hello World'|capitalize }}|{{ u8|upper }}|{{ u8|title }})J",
     R"J(a b|a|HELLO WORLD|hello world|Hello World-X (Y|Hello world|HÉLLO WÖRLD SS|Héllo Wörld SS)J"},
    {"filters: length/replace/join", R"J({{ s|length }}|{{ l|count }}|{{ s|replace('o', '0') }}|{{ s|replace('o', '0', 1) }}|{{ l|join(', ') }}|{{ l|join }}|{{ messages|join('/', attribute='role') }})J",
     R"J(11|3|Hell0 W0rld|Hell0 World|3, 1, 2|312|system/user/assistant)J"},
    {"filters: first/last/list", R"J({{ l|first }}|{{ l|last }}|{{ s|first }}|{{ d|first }}|[{{ []|first }}]|{{ d|list }}|{{ s|list }}|{{ d|items|list }})J",
     R"J(3|2|H|b|[]|['b', 'a', 'C']|['H', 'e', 'l', 'l', 'o', ' ', 'W', 'o', 'r', 'l', 'd']|[('b', 2), ('a', 1), ('C', 3)])J"},
    {"filters: sorting", R"J({{ d|dictsort }}|{{ d|dictsort(reverse=true) }}|{{ d|dictsort(by='value') }}|{{ d|dictsort(true) }}|{{ l|sort }}|{{ l|sort(reverse=true) }}|{{ ['b','A','c']|sort }}|{{ ['b','A','c']|sort(case_sensitive=true) }}|{{ messages|sort(attribute='role')|map(attribute='role')|list }})J",
     R"J([('a', 1), ('b', 2), ('C', 3)]|[('C', 3), ('b', 2), ('a', 1)]|[('a', 1), ('b', 2), ('C', 3)]|[('C', 3), ('a', 1), ('b', 2)]|[1, 2, 3]|[3, 2, 1]|['A', 'b', 'c']|['A', 'b', 'c']|['assistant', 'system', 'user'])J"},
    {"filters: map/select", R"J({{ messages|map(attribute='role')|list }}|{{ l|map('string')|list }}|{{ ['a','b']|map('upper')|list }}|{{ messages|selectattr('role', 'equalto', 'user')|list|length }}|{{ messages|rejectattr('role', 'eq', 'user')|map(attribute='content')|list }})J",
     R"J(['system', 'user', 'assistant']|['3', '1', '2']|['A', 'B']|1|['Sys', 'Yo'])J"},
    {"filters: select/reject/unique", R"J({{ l|select('odd')|list }}|{{ l|reject('odd')|list }}|{{ [0, 1, '', 'a', none]|select|list }}|{{ messages|selectattr('tool_calls')|list|length }}|{{ messages|selectattr('tool_calls', 'defined')|list|length }}|{{ [1,2,2,3,1]|unique|list }}|{{ ['a','A','b']|unique|list }})J",
     R"J([3, 1]|[2]|[1, 'a']|1|1|[1, 2, 3]|['a', 'b'])J"},
    {"filters: numbers", R"J({{ '42'|int }}|{{ '4.7'|int }}|{{ 'x'|int }}|{{ 'x'|int(7) }}|{{ 4.9|int }}|{{ '3.5'|float }}|{{ 'q'|float }}|{{ -3|abs }}|{{ 2.567|round(2) }}|{{ 2.5|round }}|{{ 3|round }}|{{ 2.1|round(0, 'ceil') }}|{{ l|sum }}|{{ l|min }}|{{ l|max }})J",
     R"J(42|4|0|7|4|3.5|0.0|3|2.57|2.0|3|3.0|6|1|3)J"},
    {"filters: default", R"J({{ undefined_var|default('d') }}|{{ n|default('x') }}|{{ n|default('x', true) }}|{{ e|d('E', boolean=true) }}|{{ undefined_var|d }})J",
     R"J(d|None|x|E|)J"},
    {"filters: indent", R"J({{ 'a
b

c'|indent }}|{{ 'a
b'|indent(2, true) }}|{{ 'a

b'|indent(3, blank=true) }}|{{ 'x'|indent('>> ', first=true) }})J",
     R"J(a
    b

    c|  a
  b|a
   
   b|>> x)J"},
    {"filters: tojson compact", R"J({{ d|tojson }}|{{ l|tojson }}|{{ none|tojson }}|{{ [true, 1.0, 1e20, -0.5]|tojson }}|{{ {1: 'a', true: 'b', none: 'c', 2.5: 'd'}|tojson }})J",
     R"J({"b": 2, "a": 1, "C": 3}|[3, 1, 2]|null|[true, 1.0, 1e+20, -0.5]|{"1": "b", "null": "c", "2.5": "d"})J"},
    {"filters: tojson escaping (non-ASCII kept)", "{{ 'é\"\\\\\n\t\\u0001/<>&'|tojson }}|{{ u8|tojson(ensure_ascii=true) }}",
     R"J("é\"\\\n\t\u0001/<>&"|"h\u00e9llo w\u00f6rld \u00df")J"},
    {"filters: tojson indent/sort/separators", R"J({{ {'a': {'b': [1, {}], 'c': []}}|tojson(indent=2) }}|{{ d|tojson(sort_keys=true) }}|{{ d|tojson(separators=(',', ':')) }})J",
     R"J({
  "a": {
    "b": [
      1,
      {}
    ],
    "c": []
  }
}|{"C": 3, "a": 1, "b": 2}|{"b":2,"a":1,"C":3})J"},
    {"filters: tojson keeps insertion order", R"J({{ messages[2].tool_calls|tojson(indent=4) }})J",
     R"J([
    {
        "id": "call_1",
        "type": "function",
        "function": {
            "name": "f",
            "arguments": {
                "b": 1,
                "a": [
                    1,
                    2.5,
                    null,
                    true,
                    "é\"\n"
                ]
            }
        }
    }
])J"},
    {"filters: slice, truncate, filesizeformat", R"J({{ l|slice(2)|list }}|{{ [1,2,3,4,5]|slice(3, 0)|list }}|{{ s|truncate(9) }}|{{ s|truncate(7, true, '~', 0) }}|{{ 'a b c d e f g h'|truncate(8, leeway=0) }}|{{ u8|truncate(6, leeway=0) }}|{{ 1|filesizeformat }}|{{ 999|filesizeformat }}|{{ 123456|filesizeformat }}|{{ 1536|filesizeformat(true) }})J",
     R"J([[3, 1], [2]]|[[1, 2], [3, 4], [5, 0]]|Hello World|Hello ~|a b...|hél...|1 Byte|999 Bytes|123.5 kB|1.5 KiB)J"},
    {"filters: misc", R"J({{ l|reverse|list }}|{{ 'abc'|reverse }}|{{ 'a b   c'|wordcount }}|{{ 'x'|center(5) }}|{{ '%s=%d'|format('a', 3) }}|{{ l|batch(2)|list }}|{{ 'a<b>&"'|e }}|{{ 'q'|safe }}|{{ x|string ~ 'z' }}|{{ s|attr('upper')() }})J",
     R"J([2, 1, 3]|cba|3|  x  |a=3|[[3, 1], [2]]|a&lt;b&gt;&amp;&#34;|q|3z|HELLO WORLD)J"},
    {"filters: groupby", R"J({% for role, items in messages|groupby('role') %}{{ role }}={{ items|map(attribute='content')|join(',') }};{% endfor %}|{% for g in [{'c': 'NY', 'n': 1}, {'c': 'ca', 'n': 2}, {'c': 'CA', 'n': 3}]|groupby('c') %}{{ g.grouper }}:{{ g.list|map(attribute='n')|join }};{% endfor %}|{{ [{'c': 'NY'}, {'c': 'ca'}, {'c': 'CA'}]|groupby('c', case_sensitive=true)|map('first')|list }}|{{ [{'a': 1}, {'b': 2}, {'a': 0}]|groupby('a', default=1) }}|{{ [[1, 'x'], [0, 'y'], [1, 'z']]|groupby(0)|map('last')|list }}|{{ [[1, 'x'], [0, 'y']]|groupby('1') }}|{{ [{'u': {'city': 'B'}}, {'u': {'city': 'A'}}]|groupby('u.city')|map(attribute='grouper')|join }})J",
     R"J(assistant=Yo;system=Sys;user=Hi;|ca:23;NY:1;|['CA', 'NY', 'ca']|[(0, [{'a': 0}]), (1, [{'a': 1}, {'b': 2}])]|[[[0, 'y']], [[1, 'x'], [1, 'z']]]|[('x', [[1, 'x']]), ('y', [[0, 'y']])]|AB)J"},
    {"filters: groupby results are (grouper, list) tuples", R"J({% set g = (messages|groupby('role'))[1] %}{{ g }}|{{ g[0] }}{{ g['grouper'] }}{{ g.list|length }}|{{ g|tojson }}|{{ g == ('system', [messages[0]]) }}|{{ []|groupby('a') }}|{{ [{'a': 1}]|groupby('b') }}|{{ [{'a': 'x'}, {'a': 'X'}, {'a': 'x'}]|groupby('a')|length }})J",
     R"J(('system', [{'role': 'system', 'content': 'Sys'}])|systemsystem1|["system", [{"role": "system", "content": "Sys"}]]|True|[]|[(Undefined, [{'a': 1}])]|1)J"},
    {"filters: striptags", R"J({{ '<p>Hello <b>World</b></p>'|striptags }}|{{ 'Main &raquo;\t<em>About</em>\n\n  next  '|striptags }}|{{ 'a <!-- note <b>bold</b> --> b'|striptags }}|{{ 'a<!-->b<!--->c'|striptags }}|{{ 'x <!-- open'|striptags }}|{{ 'x <unclosed'|striptags }}|{{ '<<!-- a -->!-- b -->c'|striptags }}|{{ '&lt;b&gt; &amp;amp; &quot;q&quot; &#39;&#x41;&#66;'|striptags }}|{{ '&amp &ampx &notin; &notit; &copy2024 &check; &foo; &#; &#128; &#0; &#xD800;'|striptags }}|{{ none|striptags }}[{{ undefined_var|striptags }}])J",
     R"J(Hello World|Main » About next|a b|abc|x <!-- open|x <unclosed|c|<b> &amp; "q" 'AB|& &x ∉ ¬it; ©2024 ✓ &foo; &#; € � �|None[])J"},
    {"filters: wordwrap", R"J({{ 'The quick brown fox jumps over the lazy dog'|wordwrap(10) }}|{{ 'The quick brown fox'|wordwrap(9, wrapstring='<br>') }}|{{ 'Supercalifragilistic is long'|wordwrap(8) }}|{{ 'Supercalifragilistic is long'|wordwrap(8, false) }}|{{ 'Look, goof-ball -- use the -b option!'|wordwrap(10, wrapstring='/') }}|{{ 'a-very-long-hyphenated-word'|wordwrap(12, wrapstring='/') }}|{{ 'a-very-long-hyphenated-word'|wordwrap(12, wrapstring='/', break_on_hyphens=false) }}|{{ 'first paragraph here\n\nsecond\r\nthird  line ends'|wordwrap(9, wrapstring='/') }}|{{ '  indented text that wraps'|wordwrap(10, wrapstring='/') }}|{{ u8|wordwrap(6) }}|{{ ''|wordwrap }}|{{ ('word ' * 20)|wordwrap|length }})J",
     R"J(The quick
brown fox
jumps over
the lazy
dog|The quick<br>brown fox|Supercal
ifragili
stic is
long|Supercalifragilistic
is long|Look,/goof-ball/-- use the/-b option!|a-very-long-/hyphenated-/word|a-very-long-/hyphenated-w/ord|first/paragraph/here//second/third/line ends|  indented/text that/wraps|héllo
wörld
ß||99)J"},
    {"methods: str", R"J({{ s.upper() }} {{ s.lower() }} {{ s.title() }} {{ 'ab cd'.capitalize() }} {{ s.startswith('He') }} {{ s.endswith(('x', 'ld')) }} {{ s.startswith('lo', 3) }} {{ s.find('o') }} {{ s.rfind('o') }} {{ u8.find('w') }} {{ s.count('l') }} {{ s.replace('l', 'L', 2) }})J",
     R"J(HELLO WORLD hello world Hello World Ab cd True True True 4 7 6 3 HeLLo World)J"},
    {"methods: strip/split", "{{ '  x  '.strip() }}|{{ '  x  '.lstrip() }}|{{ '  x  '.rstrip() }}|{{ 'xyaxy'.strip('xy') }}|{{ '\n\nx\n'.strip('\n') }}|{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a,b,c'.split(',', 1) }}|{{ 'a,b,c'.rsplit(',', 1) }}|{{ 'a\nb\r\nc'.splitlines() }}|{{ '-'.join(['a','b']) }}",
     R"J(x|x  |  x|a|x|['a', 'b', '', 'c']|['a', 'b']|['a', 'b,c']|['a,b', 'c']|['a', 'b', 'c']|a-b)J"},
    {"methods: format", R"J({{ '{} and {}'.format(1, 'two') }}|{{ '{0}{1}{0}'.format('a', 'b') }}|{{ '{name}!'.format(name='N') }}|{{ '{:>5}|{:<5}|{:^5}'.format('a', 'b', 'c') }}|{{ '{:.2f}'.format(3.14159) }}|{{ '{:05d}'.format(42) }}|{{ '{:,}'.format(1234567) }}|{{ '{!r}'.format('q') }})J",
     R"J(1 and two|aba|N!|    a|b    |  c  |3.14|00042|1,234,567|'q')J"},
    {"methods: predicates and padding", R"J({{ 'abc'.isalpha() }} {{ '123'.isdigit() }} {{ 'a1'.isalnum() }} {{ '  '.isspace() }} {{ 'abc'.islower() }} {{ 'ABC'.isupper() }} {{ '5'.zfill(3) }} {{ 'ab'.center(6, '*') }} {{ 'ab'.ljust(4, '.') }} {{ 'ab'.rjust(4) }} {{ 'a=b=c'.partition('=') }} {{ 'prefix_x'.removeprefix('prefix_') }})J",
     R"J(True True True True True True 005 **ab** ab..   ab ('a', '=', 'b=c') x)J"},
    {"methods: dict and list", R"J({{ d.items()|list }} {{ d.keys()|list }} {{ d.values()|list }} {% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %} {{ l.index(1) }} {{ l.count(3) }})J",
     R"J([('b', 2), ('a', 1), ('C', 3)] ['b', 'a', 'C'] [2, 1, 3] b=2;a=1;C=3; 1 1)J"},
    {"loops: loop variables", R"J({% for i in l %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}|{% endfor %})J",
     R"J(1032TrueFalse3|2121FalseFalse3|3210FalseTrue3|)J"},
    {"loops: previtem/nextitem/cycle", R"J({% for i in l %}{{ loop.previtem }}-{{ loop.nextitem }}-{{ loop.cycle('a', 'b') }}|{% endfor %})J",
     R"J(-1-a|3-2-b|1--a|)J"},
    {"loops: else and filter", R"J({% for i in [] %}x{% else %}empty{% endfor %}|{% for i in l if i > 1 %}{{ i }}{{ loop.index }}{{ loop.length }}{% else %}none{% endfor %}|{% for i in undefined_var %}x{% else %}u{% endfor %})J",
     R"J(empty|312222|u)J"},
    {"loops: break/continue", R"J({% for i in range(5) %}{% if i == 3 %}{% break %}{% endif %}{{ i }}{% endfor %}|{% for i in range(5) %}{% if i is odd %}{% continue %}{% endif %}{{ i }}{% endfor %})J",
     R"J(012|024)J"},
    {"loops: iterate dict/string/unpack", R"J({% for k in d %}{{ k }}{% endfor %}|{% for c in 'abc' %}{{ c }}{% endfor %}|{% for a, b in [(1, 2), (3, 4)] %}{{ a + b }}{% endfor %}|{% for a, b in ['xy', 'zw'] %}{{ b }}{% endfor %})J",
     R"J(baC|abc|37|yw)J"},
    {"loops: nested loop and range", R"J({% for i in range(3) %}{% for j in range(2) %}{{ loop.index }}{% endfor %}{{ loop.index }};{% endfor %}|{% for i in range(1, 10, 3) %}{{ i }}{% endfor %}|{{ range(10, 0, -3)|list }})J",
     R"J(121;122;123;|147|[10, 7, 4, 1])J"},
    {"scope: set in loop does not leak", R"J({% set count = 0 %}{% for i in range(3) %}{% set count = count + 1 %}{{ count }}{% endfor %}{{ count }}|{% for i in range(2) %}{% set inner = i %}{% endfor %}[{{ inner }}])J",
     R"J(1110|[])J"},
    {"scope: set in if leaks", R"J({% set x = 5 %}{% if true %}{% set x = 6 %}{% endif %}{{ x }})J",
     R"J(6)J"},
    {"scope: namespace", R"J({% set ns = namespace(x=1, y='a') %}{% for i in range(3) %}{% set ns.x = ns.x + i %}{% endfor %}{{ ns.x }}{{ ns.y }}|{{ ns }}|{% set ns2 = namespace({'k': 5}) %}{{ ns2.k }}{{ ns2['k'] }}[{{ ns2.missing }}])J",
     R"J(4a|<Namespace {'x': 4, 'y': 'a'}>|55[])J"},
    {"scope: tuple set and with", R"J({% set a, b = 1, 2 %}{{ a }}{{ b }}{% set c = 1, 2 %}{{ c }}|{% with a = 10, z = 2 %}{{ a + z }}{% endwith %}{{ a }})J",
     R"J(12(1, 2)|121)J"},
    {"scope: block set with filters", R"J({% set x2 %}inner {{ x }}{% endset %}[{{ x2 }}]{% set x4 | trim | upper %}  abc  {% endset %}[{{ x4 }}])J",
     R"J([inner 3][ABC])J"},
    {"scope: dict()", R"J({% set d2 = dict(a=1, b=2) %}{{ d2 }}{{ dict(d2, c=3) }})J",
     R"J({'a': 1, 'b': 2}{'a': 1, 'b': 2, 'c': 3})J"},
    {"macros: defaults and keywords", R"J({% macro greet(name, punct='!') %}Hello {{ name }}{{ punct }}{% endmacro %}{{ greet('A') }} {{ greet('B', '?') }} {{ greet(name='C', punct='.') }})J",
     R"J(Hello A! Hello B? Hello C.)J"},
    {"macros: default refers to earlier arg", R"J({% macro m(a, b=a ~ 'x') %}{{ a }}{{ b }}{% endmacro %}{{ m(1) }}{{ m(1, 2) }})J",
     R"J(11x12)J"},
    {"macros: varargs/kwargs", R"J({% macro m() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, k=3) }})J",
     R"J((1, 2){'k': 3})J"},
    {"macros: missing argument is undefined", R"J({% macro m(a) %}[{{ a }}]{% endmacro %}{{ m() }})J",
     R"J([])J"},
    {"macros: recursion", R"J({% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * fact(n - 1)|int }}{% endif %}{% endmacro %}{{ fact(5) }})J",
     R"J(120)J"},
    {"macros: late binding", R"J({% macro outer() %}{{ inner() }}{{ g }}{% endmacro %}{% macro inner() %}in{% endmacro %}{% set g = 'late' %}{{ outer() }})J",
     R"J(inlate)J"},
    {"macros: call blocks", R"J({% macro wrap() %}<{{ caller() }}>{% endmacro %}{% call wrap() %}body{% endcall %}|{% macro w2(x) %}<{{ caller(x * 2) }}>{% endmacro %}{% call(v) w2(21) %}v={{ v }}{% endcall %})J",
     R"J(<body>|<v=42>)J"},
    {"blocks: filter and generation", R"J({% filter upper %}abc {{ s }}{% endfilter %}|{% generation %}gen {{ x }}{% endgeneration %})J",
     R"J(ABC HELLO WORLD|gen 3)J"},
    {"globals: strftime_now", R"J({{ strftime_now('%Y-%m-%d|%B %d, %Y|%d %b %Y|%A %a|%H:%M:%S %I %p|%j|%-d|%e') }})J",
     R"J(2026-11-26|November 26, 2026|26 Nov 2026|Thursday Thu|10:30:05 10 AM|330|26|26)J"},
    {"globals: cycler", R"J({% set row = cycler('odd', 'even') %}{% for m in messages %}{{ row.next() }}:{{ m.role }} {% endfor %}{% for i in l %}{{ row.next() }} {% endfor %}|{% set c = cycler('a', 'b', 'c') %}{% for i in range(4) %}{{ c.next() }}{{ c.current }}{% endfor %}|{{ c.reset() }}|{{ c.current }}{{ c.pos }}{{ c.items }}|{% macro m() %}{{ c.next() }}{% endmacro %}{{ m() }}{{ m() }}{{ c['current'] }}|{{ c is callable }} {{ c is defined }})J",
     R"J(odd:system even:user odd:assistant even odd even |abbccaab|None|a0('a', 'b', 'c')|abc|False True)J"},
    {"globals: joiner", R"J({% set pipe = joiner(' | ') %}{% for x in l %}{{ pipe() }}{{ x }}{% endfor %}|{% set comma = joiner() %}{% for m in messages %}{{ comma() }}{{ m.role }}{% endfor %}|{% set j = joiner('-') %}[{{ j() }}][{{ j() }}][{{ j() }}]|{% set n = joiner(1) %}{{ n() }}{{ n() + 1 }}|{{ joiner() is callable }})J",
     R"J(3 | 1 | 2|system, user, assistant|[][-][-]|2|True)J"},
    {"messages: access", R"J({{ messages[0].role }}|{{ messages[0]['content'] }}|{{ messages[-1].tool_calls[0].function.arguments|tojson }}|{{ messages|length }}{{ messages[1:]|length }}{{ messages[::-1][0].role }})J",
     R"J(system|Sys|{"b": 1, "a": [1, 2.5, null, true, "é\"\n"]}|32assistant)J"},
};

struct ErrorCase { const char* name; const char* source; };
static const ErrorCase kErrorCases[] = {
    {"raise_exception", R"J({{ raise_exception('boom') }})J"},
    {"syntax: empty if", R"J({% if %}{% endif %})J"},
    {"syntax: unclosed if", R"J({% if x %})J"},
    {"syntax: unclosed print", R"J({{ )J"},
    {"syntax: bad close", R"J({{ x })J"},
    {"syntax: stray endif", R"J({% endif %})J"},
    {"syntax: unknown tag", R"J({% unknown %})J"},
    {"syntax: unknown filter", R"J({{ x|nosuchfilter }})J"},
    {"syntax: unknown test", R"J({{ x is nosuchtest }})J"},
    {"syntax: unclosed comment", R"J({{ 'a' }} {# unclosed)J"},
    {"syntax: unterminated string", R"J({{ 'unterminated }})J"},
    {"syntax: unbalanced", R"J({{ (1 }})J"},
    {"syntax: break outside loop", R"J({% break %})J"},
    {"syntax: leading zero", R"J({{ 07 }})J"},
    {"syntax: two names", R"J({{ a b }})J"},
    {"runtime: attribute of undefined", R"J({{ undefined_var.attr }})J"},
    {"runtime: item of undefined", R"J({{ undefined_var['k'] }})J"},
    {"runtime: call undefined", R"J({{ undefined_var() }})J"},
    {"runtime: int + str", R"J({{ 1 + 'a' }})J"},
    {"runtime: str + int", R"J({{ 'a' + 1 }})J"},
    {"runtime: undefined + str", R"J({{ undefined_var + 'a' }})J"},
    {"runtime: division by zero", R"J({{ 1 / 0 }})J"},
    {"runtime: ordering list and int", R"J({{ [] < 1 }})J"},
    {"runtime: tojson of undefined", R"J({{ undefined_var|tojson }})J"},
    {"runtime: tojson of namespace", R"J({{ namespace(a=1)|tojson }})J"},
    {"runtime: list.append is unsafe", R"J({{ l.append(4) }})J"},
    {"runtime: dict.pop is unsafe", R"J({{ d.pop('a') }})J"},
    {"runtime: too many macro args", R"J({% macro m(a) %}{% endmacro %}{{ m(1, 2) }})J"},
    {"runtime: unpack mismatch", R"J({% for a, b in [1] %}{% endfor %})J"},
    {"runtime: set attribute on non-namespace", R"J({% set q = 1 %}{% set q.a = 1 %})J"},
    {"runtime: not enough format args", R"J({{ '%s %s' % ('a',) }})J"},
    {"runtime: range too big (sandbox)", R"J({{ range(200000)|length }})J"},
    {"runtime: int of undefined", R"J({{ undefined_var|int }})J"},
    {"runtime: iterate none", R"J({% for i in none %}{% endfor %})J"},
    {"runtime: cycler without items", R"J({{ cycler() }})J"},
    {"runtime: cycler is not callable", R"J({{ cycler(1)() }})J"},
    {"runtime: groupby attribute missing", R"J({{ [{'a': 1}, {'b': 2}]|groupby('a') }})J"},
    {"runtime: wordwrap width 0", R"J({{ s|wordwrap(0) }})J"},
    {"runtime: wordwrap of a number", R"J({{ 42|wordwrap }})J"},
};
