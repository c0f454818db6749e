"""MediaWiki markup stripping (fastw2v.wiki.markup) and text normalisation (fastw2v.wiki.normalize).

Hand-written cases for each kind of markup, with the tricky ones (nesting, templates in
references, tables in tables, links in file captions, link trails) spelled out; property tests
that any input is handled without exceptions, and adversarial input with work linear in its size.
"""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastw2v.wiki.normalize import (MODES, normalize, normalize_line, normalize_text8,
                               normalize_unicode, tokenize)
from fastw2v.wiki.markup import (DROPPED_LINK_NAMESPACES, is_interlanguage_prefix,
                                link_namespaces, strip_markup)
from work import assert_linear, python_lines


def words(wikitext: str, **kw) -> str:
    """strip_markup's result with whitespace collapsed, for readable expectations."""
    return " ".join(strip_markup(wikitext, **kw).split())


# ---------------------------------------------------------------------------------------------
# Templates, references, comments
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("src, expected", [
    ("a {{x}} b", "a b"),
    ("a {{x|{{y|{{z|w}}}}|v}} b", "a b"),                       # nested three deep
    ("a {{x|p=[[link|label]]|q={{y}}}} b", "a b"),               # links and templates inside
    ("a {{#if:{{{1|}}}|yes|no}} b", "a b"),                      # parser function, parameter
    ("a {{code|{x} y} }} b", "a b"),                             # single braces inside
    ("a {{x\n|multi\n|line\n}}\nb", "a b"),
    ("{{Infobox|name=X}}\n'''X''' is", "X is"),
])
def test_templates_are_removed_at_any_depth(src, expected):
    assert words(src) == expected


def test_unbalanced_braces_never_swallow_the_rest():
    assert words("a {{broken template and then text") == "a broken template and then text"
    assert words("a {{broken {{ok}} text") == "a broken text"
    assert words("stray }} closer, then {{t}} text") == "stray closer, then text"


@pytest.mark.parametrize("src, expected", [
    ("Fact.<ref>Smith 2001</ref> More.", "Fact. More."),
    ("Fact.<ref name=\"a\">{{cite book|title=T {{!}} U|year=2001}}</ref> More.", "Fact. More."),
    ("Fact.<ref name=\"a\" /> More.", "Fact. More."),
    ("Fact.<ref name=a/> More.", "Fact. More."),
    ("Fact.<ref group=\"n\" name=\"x/y\">note</ref> More.", "Fact. More."),
    ("Fact.<REF>shouting</REF> More.", "Fact. More."),
    ("A{{efn|note<ref>inner {{cite|x}}</ref> text}} B.", "A B."),   # ref inside a template
    ("Fact.<ref>{{cite web|url=http://x.org|title={{lang|fr|Titre}}}}</ref> More.",
     "Fact. More."),                                                # templates inside a ref
    ("A<references /> B", "A B"),
    ("A<ref>x</ref name=\"y\"> still the ref</ref> B", "A B"),    # a broken close: not one
    ("A <ref>never closed B", "A never closed B"),              # the text after it stays
])
def test_references_are_removed_with_their_content(src, expected):
    assert words(src) == expected


def test_comments_are_removed_even_unterminated():
    assert words("a <!-- hidden [[x]] {{y}} --> b") == "a b"
    assert words("a <!-- multi\nline --> b <!-- never closed [[x]]") == "a b"


# ---------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------

def test_tables_are_removed_including_nested_ones():
    src = ("Before.\n{| class=\"wikitable\"\n|+ Caption\n|-\n! H1 !! H2\n|-\n| a || b\n"
           "{|\n| inner\n|}\n| c\n|}\nAfter.")
    assert words(src) == "Before. After."


def test_indented_table_and_unclosed_table():
    assert words("A\n:{|\n| cell\n|}\nB") == "A B"
    assert words("A\n{|\n| cell\nB never closed") == "A"  # runs to the end, as MediaWiki shows


def test_table_pipes_inside_templates_are_not_tables():
    assert words("A {{x|}} {{y|{{!}}}} B") == "A B"


# ---------------------------------------------------------------------------------------------
# Links
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("src, expected", [
    ("[[Dog]]", "Dog"),
    ("[[Canis lupus|wolves]]", "wolves"),
    ("[[dog]]s and [[cat]]'s", "dogs and cat's"),                    # link trails
    ("[[Canis|genus ''Canis'']]", "genus Canis"),
    ("[[Paris, Texas|]]", "Paris"),                                   # pipe trick
    ("[[Tail (anatomy)|]]", "Tail"),
    ("[[Help:Contents|]]", "Contents"),
    ("[[Dog#History|dog history]]", "dog history"),
    ("[[:Category:Dogs|the category]]", "the category"),              # inline category link
    ("[[:fr:Chien]]", "fr:Chien"),                                    # inline interlanguage link
    ("[[wikt:bark|bark]]", "bark"),                                   # interwiki: shown
    ("[[Wikipedia:Manual of Style|style]]", "style"),
    ("[[a|b [c] d]]", "b [c] d"),                                     # single brackets in label
])
def test_links_keep_their_visible_text(src, expected):
    assert words(src) == expected


@pytest.mark.parametrize("src", [
    "[[File:Dog.jpg]]",
    "[[File:Dog.jpg|thumb|right|A [[dog]] with [[wolf|wolves]] and {{t}}]]",
    "[[Image:Old name.png|A caption with [http://x.org a link]]]",
    "[[Media:Sound.ogg]]",
    "[[Category:Mammals]]",
    "[[Category:Mammals| ]]",
    "[[category : Mammals|Sort key]]",
    "[[Datei:Hund.jpg|mini|Ein [[Hund]]]]",                           # localised names
    "[[Kategorie:Säugetiere]]",
    "[[de:Haushund]]",                                                # interlanguage links
    "[[zh-yue:狗]]",
    "[[simple:Dog]]",
])
def test_files_categories_and_interlanguage_links_are_removed(src):
    assert words("A " + src + " B") == "A B"


def test_dump_specific_namespace_names_are_dropped():
    ns = link_namespaces(["Fichier", "Catégorie", ""])
    assert "fichier" in ns and DROPPED_LINK_NAMESPACES <= ns
    assert words("A [[Fichier:Chien.jpg|vignette|Un chien]] B", drop_namespaces=ns) == "A B"
    assert words("A [[Portail:Chiens|chiens]] B", drop_namespaces=ns) == "A chiens B"


def test_interlanguage_prefixes():
    for p in ("de", "fr", "zh-yue", "be-x-old", "simple", "zh-min-nan", "nds-nl"):
        assert is_interlanguage_prefix(p), p
    for p in ("wikt", "wiktionary", "commons", "help", "mw", "category", "s"):
        assert not is_interlanguage_prefix(p), p


def test_unbalanced_brackets_do_not_swallow_text():
    assert words("a [[broken link and more text") == "a [[broken link and more text"
    assert words("a [[ok]] b ]] c") == "a ok b ]] c"


# ---------------------------------------------------------------------------------------------
# External links, tags, entities, formatting
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("src, expected", [
    ("See [http://example.com the website].", "See the website."),
    ("See [https://example.com/a?b=c&d=e Site name] now", "See Site name now"),
    ("Numbered [http://example.org] link", "Numbered link"),
    ("Bare http://example.org/path?x=1 url", "Bare url"),
    ("Protocol-relative [//example.org label]", "Protocol-relative label"),
    ("Mail [mailto:a@b.org us]", "Mail us"),
])
def test_external_links(src, expected):
    assert words(src) == expected


@pytest.mark.parametrize("src, expected", [
    ("x<sup>2</sup> and H<sub>2</sub>O", "x2 and H2O"),
    ("<span style=\"color:red\">red</span> text", "red text"),
    ("line<br />break and<br>more", "line break and more"),
    ("<div class=\"a\">block</div>text", "block text"),
    ("a <math>x^{2} + \\frac{1}{2}</math> b", "a b"),
    ("a <gallery>\nFile:A.jpg|Caption\n</gallery> b", "a b"),
    ("a <syntaxhighlight lang=\"python\">print(1)</syntaxhighlight> b", "a b"),
    ("a <nowiki>[[literal]]</nowiki> b", "a literal b"),
    ("a <includeonly>hidden</includeonly><noinclude>shown</noinclude> b", "a shown b"),
    ("1 < 2 and 3 > 2", "1 < 2 and 3 > 2"),  # not tags
    ("a <b title='x > y'>bold</b> c", "a bold c"),
])
def test_html_and_extension_tags(src, expected):
    assert words(src) == expected


@pytest.mark.parametrize("src, expected", [
    ("caf&eacute; &amp; bar", "café & bar"),
    ("x &#8212; y &#x41;", "x — y A"),
    ("&lt;ref&gt; as text", "<ref> as text"),  # an escaped tag is text, not a tag
])
def test_html_entities_are_decoded(src, expected):
    assert words(src) == expected


def test_nbsp_entity():
    assert strip_markup("a&nbsp;b") == "a\xa0b"


def test_formatting_headings_lists():
    src = ("'''Bold''' and ''italic'' and '''''both'''''\n== Heading ==\n=== Sub heading===\n"
           "* item one\n** item two\n# numbered\n: indented\n; term\n----\n__NOTOC__ text")
    assert words(src) == ("Bold and italic and both Heading Sub heading item one item two "
                          "numbered indented term text")
    assert words("a = b and c == d") == "a = b and c == d"  # not headings


def test_parentheses_emptied_by_removals_are_removed():
    assert words("Paris ({{IPA|paʁi}}; {{lang|fr|x}}) is") == "Paris is"
    assert words("f(x) stays") == "f(x) stays"


def test_real_article_opening():
    src = ("{{Redirect2|Anarchist|Anarchists}}\n{{pp-move-indef}}\n'''Anarchism''' is a "
           "[[political philosophy]] that advocates [[self-governance|self-governed]] societies "
           "based on voluntary institutions.<ref>\"ANARCHISM, a social philosophy\" Woodcock."
           "</ref><ref name=\"iaf-ifa.org\"/>")
    assert words(src) == ("Anarchism is a political philosophy that advocates self-governed "
                          "societies based on voluntary institutions.")


# ---------------------------------------------------------------------------------------------
# Robustness
# ---------------------------------------------------------------------------------------------

MARKUP = st.lists(st.sampled_from(list("{}[]|<>/=!-'&;#:*_ \nabcxyz.ré\"")
                                  + ["ref", "<ref>", "</ref>", "{{", "}}", "[[", "]]", "{|", "|}",
                                     "<!--", "-->", "File:", "http://", "&amp;", "\n=="]),
                  max_size=150).map("".join)


@settings(max_examples=300, deadline=None)
@given(MARKUP)
def test_any_input_is_handled(src):
    out = strip_markup(src)
    assert isinstance(out, str)
    for mode in MODES:
        line, n = normalize_line(out, mode)
        assert n == len(line.split())


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="{}[]<>|&='*#:;_-()\n\r",
                                      blacklist_categories=("Cs",)), max_size=200))
def test_text_without_markup_is_unchanged(src):
    assert strip_markup(src) == src


#: Inputs built to make a careless parser rescan or backtrack: name -> (the input of size n, n).
#: benchmarks/test_slowdown_guards.py times strip_markup on the same inputs at these sizes.
ADVERSARIAL = {
    "open-templates": (lambda n: "{{" * n, 20000),
    "open-links": (lambda n: "[[" * n + "x" + "]]" * 5, 20000),
    "open-refs": (lambda n: "<ref>" * n, 5000),
    "open-tables": (lambda n: "{|\n" * n, 5000),
    "unclosed-tag-attributes": (lambda n: "<" + "a " * n, 20000),
    "unclosed-external-url": (lambda n: "[http://" + "x" * n, 50000),
    "unclosed-external-label": (lambda n: "[http://x " + "y" * n, 50000),
    "unclosed-piped-link": (lambda n: "[[a|" + " x" * n, 30000),
    "unclosed-quoted-attributes": (lambda n: "<a \"" * n, 10000),
    "refs-closed-once": (lambda n: "<ref>" * n + "</ref>", 3000),
    "open-refs-and-math": (lambda n: "<ref><math>" * n, 3000),
    "heading-markers": (lambda n: "\n= " * n, 20000),
    "one-long-heading": (lambda n: "\n" + "= " * n + "x", 20000),
    "quotes": (lambda n: "'" * n, 50000),
    "open-comments": (lambda n: "<!--" * n, 10000),
    "comma-parenthesis": (lambda n: "(" + " ," * n, 30000),
}


@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_adversarial_input_costs_python_work_linear_in_its_size(name):
    """strip_markup's Python work (lines executed, counted by tests/work.py, not timed) grows
    linearly with adversarial input: half the size costs half the work. The regular
    expressions' own time on these inputs is benchmarked in benchmarks/."""
    make, n = ADVERSARIAL[name]

    def work_at(size):
        src = make(size)
        out, lines = python_lines(strip_markup, src)
        assert isinstance(out, str) and len(out) <= len(src)
        return lines

    assert_linear(work_at, n // 2)


# ---------------------------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------------------------

def test_text8_convention():
    assert normalize_text8("In 1939, the U.S. Army's 2nd Division") == \
        "in one nine three nine the u s army s two nd division"
    assert normalize_text8("Café, naïve résumé; Ærøskøbing & Straße") == \
        "cafe naive resume aeroskobing strasse"
    assert normalize_text8("Ελληνικά 東京 Москва — x") == "x"
    assert normalize_text8("  \n ") == ""
    assert normalize_text8("ﬁne x²") == "fine x two"


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_text8_output_is_text8(src):
    out = normalize_text8(src)
    assert re.fullmatch(r"(?:[a-z]+(?: [a-z]+)*)?", out)


def test_unicode_mode():
    assert normalize_unicode("L'Élysée, 2024: Ünïcode!") == "l ' élysée , 2024 : ünïcode !"
    assert tokenize("Мир — это планета.", "unicode") == ["мир", "—", "это", "планета", "."]
    # Devanagari vowel signs are combining marks: the words stay whole.
    assert tokenize("नमस्ते दुनिया!", "unicode") == ["नमस्ते", "दुनिया", "!"]
    assert tokenize("snake_case", "unicode") == ["snake", "_", "case"]
    # NFC: a decomposed é is the same token as a composed one.
    assert tokenize("cafe\u0301 café", "unicode") == ["café", "café"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_unicode_output_is_lower_case_and_single_spaced(src):
    out = normalize_unicode(src)
    assert out == " ".join(out.split())
    assert out == out.lower()  # str.lower() is idempotent for every code point (Unicode 14)


def test_normalize_line_and_errors():
    assert normalize_line("Dogs, 2 cats", "text8") == (b"dogs two cats", 3)
    assert normalize_line("Hunde, 2 Katzen", "unicode") == ("hunde , 2 katzen".encode(), 4)
    assert normalize("A b", "text8") == "a b"
    for fn in (normalize, tokenize, normalize_line):
        with pytest.raises(ValueError, match="mode"):
            fn("x", "latin1")
