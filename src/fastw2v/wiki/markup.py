"""MediaWiki markup to plain text: pure functions, no I/O.

:func:`strip_markup` turns the wikitext of one article (as it appears in a dump once the XML
escaping has been undone) into the text a reader sees, minus everything that is not running prose:

* removed with their content: comments ``<!-- -->``; ``<ref>...</ref>`` and ``<ref .../>``;
  tags whose content is not prose (``<math>``, ``<gallery>``, ``<syntaxhighlight>``, ``<pre>``,
  ``<timeline>``, ... see :data:`DROPPED_CONTENT_TAGS`); templates and parser functions ``{{...}}``,
  nested to any depth; tables ``{| ... |}``, nested too; links to files, images, media and
  categories and interlanguage links (``[[de:Anarchismus]]``), including a file's caption;
* replaced by their visible text: internal links (``[[target|label]]`` gives ``label``,
  ``[[target]]`` gives ``target``, ``[[dog]]s`` gives ``dogs``, the pipe trick ``[[Paris, Texas|]]``
  gives ``Paris``); external links ``[http://... label]`` give ``label`` (bare URLs and unlabelled
  ``[http://...]`` links are removed); headings ``== History ==`` give ``History``; every other HTML
  tag is removed and its content kept; HTML entities (``&nbsp;``, ``&eacute;``, ``&#8212;``) are
  decoded;
* removed: bold and italic quotes, list and indentation markers, horizontal rules, behaviour
  switches (``__NOTOC__``), parentheses left empty by the removals.

The rules follow the MediaWiki markup documentation (Help:Wikitext, Help:Links, Help:Tables,
Help:Templates, Help:Cite); they are an approximation of what the MediaWiki parser renders, good
enough for training text: unbalanced markup is handled without exceptions and never makes the
rest of an article disappear (an unclosed ``{{`` is dropped as two characters, an unclosed
``[[`` or ``<ref>`` is left as text; only an unclosed table runs to the end of the article, as
MediaWiki renders it).
"""
from __future__ import annotations

import html
import re
from typing import Iterable, List, Optional, Tuple

__all__ = ["strip_markup", "DROPPED_LINK_NAMESPACES", "DROPPED_CONTENT_TAGS",
           "link_namespaces", "is_interlanguage_prefix"]

#: Namespace prefixes whose links are not running text: a link to a file renders the image (its
#: caption is a figure caption, not prose), a category link renders nothing in the article. The
#: English names and their aliases (``Image:`` is the old name of ``File:``), plus the most common
#: localised names, so that dumps of other languages work even without their ``<siteinfo>``;
#: :func:`link_namespaces` adds the names a dump's own ``<siteinfo>`` declares. Lower case, spaces
#: for underscores (MediaWiki treats both alike, and namespace names case-insensitively).
DROPPED_LINK_NAMESPACES = frozenset({
    "file", "image", "media", "category",
    # de, fr, es, it, pt, nl, pl, ru, sv, ja, zh: the languages with the largest Wikipedias.
    "datei", "bild", "kategorie", "fichier", "catégorie", "archivo", "imagen", "categoría",
    "immagine", "categoria", "ficheiro", "arquivo", "bestand", "afbeelding", "categorie",
    "plik", "grafika", "kategoria", "файл", "изображение", "категория", "fil", "kategori",
    "ファイル", "画像", "カテゴリ", "文件", "图像", "分类", "檔案", "分類",
})

#: Tags removed together with everything between them: their content is not prose (formulas,
#: code, image lists, chart definitions) or is not shown in the article at all (references are
#: shown as footnotes; ``includeonly`` only when the page is transcluded).
DROPPED_CONTENT_TAGS = ("ref", "references", "math", "chem", "ce", "score", "timeline", "graph",
                        "gallery", "imagemap", "syntaxhighlight", "source", "pre", "hiero",
                        "includeonly", "templatedata", "templatestyles", "mapframe", "maplink",
                        "inputbox", "categorytree", "charinsert", "indicator")

#: Tags that start a new line (block elements) or separate table cells: replaced by a newline so
#: the words on either side do not run together. Every other tag is removed without a trace,
#: because inline tags (``<sup>``, ``<i>``, ``<span>``) sit inside words: ``m<sup>2</sup>``.
_BLOCK_TAGS = ("br", "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "tr", "td", "th", "table",
               "caption", "hr", "blockquote", "center", "h1", "h2", "h3", "h4", "h5", "h6", "poem")

#: The URL schemes MediaWiki turns into external links (Help:Links, $wgUrlProtocols, abridged to
#: those that occur in articles): with ``://`` (also recognised as bare URLs in running text), then
#: the ones written without it, and protocol-relative ``//``.
_SCHEMES = r"https?|ftps?|sftp|irc|ircs|gopher|nntp|telnet|svn|git|worldwind"
_URL_SCHEMES = (r"(?:(?:" + _SCHEMES + r"):|mailto:|news:|urn:|geo:|magnet:|sips?:|tel:|xmpp:"
                r"|bitcoin:|//)")

# ---------------------------------------------------------------------------------------------
# Regular expressions. Each is written so that a failed match attempt costs time linear in what
# it scanned and restarts are bounded (no two adjacent quantifiers that can match the same
# characters), so unbalanced or adversarial input is processed in linear time.
# ---------------------------------------------------------------------------------------------

_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
# Opening, closing and self-closing tags of DROPPED_CONTENT_TAGS, paired by _remove_dropped.
# Groups: 1 the name of a closing tag, 2 the name of an opening tag, 3 "/" if self-closing. A
# closing tag is "</name>" exactly (up to spaces), as MediaWiki's extension-tag parser requires:
# a broken "</ref name=x>" does not close a reference.
_DROPPED_NAMES = "|".join(DROPPED_CONTENT_TAGS)
_DROPPED_TAG = re.compile(
    r"<(?:/(" + _DROPPED_NAMES + r")\s*|(" + _DROPPED_NAMES + r")\b[^<>]*?(/?))>", re.I)
_BRACES = re.compile(r"\{\{|\}\}")
_INNER_TEMPLATE = re.compile(r"\{\{[^{}]*\}\}")
# Line-start patterns begin with a literal "\n" (strip_markup puts one before the text) rather
# than with "^" and re.M: the regex engine finds a literal first character with a fast scan, but
# tries a "^" pattern at every position (several times slower).
_TABLE_EDGE = re.compile(r"\n[ \t:]*(\{\||\|\})")
# An innermost internal link: [[ ... ]] holding no "[[" or "]]" (single brackets are allowed).
_LINK = re.compile(r"\[\[([^\[\]]*(?:(?:\[(?!\[)|\](?!\]))[^\[\]]*)*)\]\]")
# The common links, replaced without a Python call per link: no ":" in the target (so no
# namespace or language prefix), and no pipe trick (the label is not blank).
_PLAIN_LINK = re.compile(r"\[\[([^\[\]|:]*)\]\]")
_PLAIN_PIPED_LINK = re.compile(r"\[\[[^\[\]|:]*\|(\s*[^\[\]|\s][^\[\]|]*)\]\]")
_EXTERNAL = re.compile(r"\[" + _URL_SCHEMES + r"[^\s\[\]<>\"]*(?:\s+([^\[\]]*))?\]", re.I)
_BARE_URL = re.compile(r"\b(?:" + _SCHEMES + r")://[^\s\[\]<>\"{}|]*", re.I)
_BLOCK_TAG = re.compile(r"</?(?:" + "|".join(_BLOCK_TAGS) + r")\b[^<>]*>", re.I)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*\b(?:[^<>\"']|\"[^\"<]*\"|'[^'<]*')*/?>")
_HEADING = re.compile(r"\n=+([^\n]*)")
_LIST = re.compile(r"\n[*#:;]+")
_RULE = re.compile(r"\n-{4,}")
_SWITCH = re.compile(r"__[A-Z]+__")
_EMPTY_PARENS = re.compile(r"\(\s*(?:[,;:.]\s*)*\)")
_LANG_PREFIX = re.compile(r"[a-z]{2,3}(?:-[a-z0-9]{2,8})*\Z")
#: Interlanguage prefixes that are not 2-3 letters (+ subtags): the few Wikipedias named so.
_LONG_LANG_PREFIXES = frozenset({"simple", "classical", "zh-min-nan", "zh-classical", "zh-yue",
                                 "be-x-old", "be-tarask", "roa-rup", "roa-tara", "map-bms",
                                 "bat-smg", "fiu-vro", "cbk-zam", "nds-nl", "eml", "arz"})
#: Two-letter link prefixes that are not languages but interwiki prefixes that render as visible
#: links (``[[mw:Help:Magic words]]``); longer ones such as ``wikt:`` never look like languages.
_NOT_LANGUAGES = frozenset({"mw", "wm"})


def is_interlanguage_prefix(prefix: str) -> bool:
    """True if ``prefix`` (lower case, before the colon of a link) names another Wikipedia.

    MediaWiki moves such links (``[[de:Anarchismus]]``) out of the text into the language list.
    Language codes are 2 or 3 letters, optionally followed by subtags (``zh-yue``, ``be-x-old``),
    plus a few longer names (``simple``).
    """
    if prefix in _NOT_LANGUAGES:
        return False
    return bool(_LANG_PREFIX.match(prefix)) or prefix in _LONG_LANG_PREFIXES


def link_namespaces(names: Iterable[str]) -> frozenset:
    """:data:`DROPPED_LINK_NAMESPACES` plus ``names`` (e.g. a dump's own File and Category names),
    normalised the way :func:`strip_markup` compares them (lower case, ``_`` read as space)."""
    return DROPPED_LINK_NAMESPACES | {_norm_prefix(n) for n in names if n}


def _norm_prefix(prefix: str) -> str:
    return " ".join(prefix.replace("_", " ").split()).lower()


def _remove_spans(text: str, spans: List[Tuple[int, int]], sep: str = " ") -> str:
    """``text`` without the given spans (sorted by start; nested spans allowed), each replaced by
    ``sep``."""
    out = []
    pos = 0
    for start, end in spans:
        if start < pos:  # inside a span already removed
            continue
        out.append(text[pos:start])
        out.append(sep)
        pos = end
    out.append(text[pos:])
    return "".join(out)


#: Rounds of innermost-template removal by regular expression: templates in articles nest up
#: to ~5 deep (a citation in a footnote template in an infobox); deeper ones are left to the
#: brace matcher, which handles any depth.
_MAX_TEMPLATE_ROUNDS = 6


def _remove_templates(text: str) -> str:
    """Remove ``{{...}}`` (templates, parser functions, parameters) nested to any depth.

    Every ``}}`` closes the innermost open ``{{``. An unclosed ``{{`` is dropped alone and the
    text after it is kept (templates closed inside it are still removed); a ``}}`` with nothing
    open is dropped alone.
    """
    # Innermost templates first, by a regular expression (fast); what is left (templates
    # holding single braces, unbalanced braces) by matching the braces one by one.
    for _ in range(_MAX_TEMPLATE_ROUNDS):
        new = _INNER_TEMPLATE.sub(" ", text)
        if new is text or new == text:
            break
        text = new
        if "{{" not in text:
            break
    if "{{" not in text and "}}" not in text:
        return text
    stack: List[int] = []
    spans: List[Tuple[int, int]] = []
    for m in _BRACES.finditer(text):
        if m.group() == "{{":
            stack.append(m.start())
        elif stack:
            start = stack.pop()
            if not stack:
                spans.append((start, m.end()))
        else:
            spans.append((m.start(), m.end()))  # stray "}}"
    if stack:
        # Unclosed openers: keep their text, but remove templates closed inside them (the
        # pairs matched while the stack was not empty).
        spans = _matched_pairs(text)
    spans.sort()
    return _remove_spans(text, spans)


def _matched_pairs(text: str) -> List[Tuple[int, int]]:
    """Every matched ``{{ }}`` pair and every unmatched brace pair, as spans to remove."""
    stack: List[int] = []
    spans: List[Tuple[int, int]] = []
    for m in _BRACES.finditer(text):
        if m.group() == "{{":
            stack.append(m.start())
        elif stack:
            spans.append((stack.pop(), m.end()))
        else:
            spans.append((m.start(), m.end()))
    spans.extend((s, s + 2) for s in stack)
    return spans


def _remove_dropped(text: str) -> str:
    """Remove the tags of :data:`DROPPED_CONTENT_TAGS` with their content.

    ``<name .../>`` goes alone; ``<name ...>`` goes with everything up to the next ``</name>``
    (whatever else it holds: ``<ref>`` content is not parsed). An opening tag that is never
    closed is left for the generic tag removal (the tag alone goes, the text after it stays).
    Linear in the number of tags, however many are left unclosed.
    """
    tags = list(_DROPPED_TAG.finditer(text))
    if not tags:
        return text
    # next_close[i]: index of the first closing tag after tag i with tag i's name.
    next_close: List[Optional[int]] = [None] * len(tags)
    last: dict = {}
    for i in range(len(tags) - 1, -1, -1):
        closing = tags[i].group(1)
        name = (closing or tags[i].group(2)).lower()
        next_close[i] = last.get(name)
        if closing:
            last[name] = i
    spans: List[Tuple[int, int]] = []
    i = 0
    while i < len(tags):
        m = tags[i]
        if m.group(3):  # self-closing
            spans.append((m.start(), m.end()))
        elif m.group(2) and next_close[i] is not None:
            j = next_close[i]
            spans.append((m.start(), tags[j].end()))
            i = j
        i += 1
    return _remove_spans(text, spans)


def _heading(m: "re.Match") -> str:
    """A heading line's text: ``== Title ==`` gives ``Title``."""
    return "\n" + m.group(1).strip(" \t=")


def _remove_tables(text: str) -> str:
    """Remove ``{| ... |}`` tables (each edge at the start of a line), nested to any depth.

    An unclosed table runs to the end of the text, as MediaWiki renders it.
    """
    depth = 0
    start = 0
    spans: List[Tuple[int, int]] = []
    for m in _TABLE_EDGE.finditer(text):
        if m.group(1) == "{|":
            if depth == 0:
                start = m.start(1)
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                spans.append((start, m.end()))
    if depth:
        spans.append((start, len(text)))
    return _remove_spans(text, spans, "\n")


def _link_replacer(drop_namespaces: frozenset):
    def replace(m: "re.Match") -> str:
        inner = m.group(1)
        target, pipe, label = inner.partition("|")
        target = target.strip()
        inline = target.startswith(":")  # [[:Category:X]], [[:fr:Paris]]: shown as a link
        if inline:
            target = target[1:].lstrip()
        colon = target.find(":")
        prefix = _norm_prefix(target[:colon]) if colon > 0 else ""
        if prefix and not inline and (prefix in drop_namespaces
                                      or is_interlanguage_prefix(prefix)):
            return " "
        if pipe:
            if label.strip():
                return label
            return _pipe_trick(target, colon)
        return target
    return replace


def _pipe_trick(target: str, colon: int) -> str:
    """The label MediaWiki derives for ``[[target|]]``: no namespace, no ``(...)``, no ``, ...``."""
    if colon > 0:
        target = target[colon + 1:]
    paren = target.find("(")
    if paren > 0:
        target = target[:paren]
    else:
        comma = target.find(",")
        if comma > 0:
            target = target[:comma]
    return target.strip()


_DEFAULT_LINK_REPLACER = _link_replacer(DROPPED_LINK_NAMESPACES)

#: The most rounds of innermost-link replacement: a file caption holding links takes two, a
#: caption holding a file holding links three. Deeper nesting does not occur in articles; what
#: is left after this many rounds is left as is.
_MAX_LINK_ROUNDS = 4


def _replace_links(text: str, replacer) -> str:
    text = _PLAIN_PIPED_LINK.sub(r"\1", _PLAIN_LINK.sub(r"\1", text))
    if "[[" not in text:
        return text
    for _ in range(_MAX_LINK_ROUNDS):
        new = _LINK.sub(replacer, text)
        if new == text or "[[" not in new:
            return new
        text = new
    return text


def strip_markup(wikitext: str, drop_namespaces: Optional[frozenset] = None) -> str:
    """The visible running text of a wikitext article.

    Parameters
    ----------
    wikitext : str
        The article source, with the dump's XML escaping already undone (``<ref>``, not
        ``&lt;ref&gt;``).
    drop_namespaces : frozenset of str, optional
        Link prefixes whose links are removed with their label (lower case, as returned by
        :func:`link_namespaces`). Default: :data:`DROPPED_LINK_NAMESPACES`. Interlanguage links
        are always removed.

    Returns
    -------
    str
        Plain text. Paragraph and line breaks are kept as newlines; spacing is not normalised
        (see :mod:`fastw2v.wiki.normalize` for tokens).

    Examples
    --------
    >>> strip_markup("'''Dogs''' are [[mammal]]s{{citation needed}}.<ref>{{cite|x}}</ref>")
    'Dogs are mammals .'
    >>> strip_markup("[[File:Dog.jpg|thumb|A [[dog]]]] [[Canis|The genus]] [http://x.org site]")
    '  The genus site'
    """
    text = wikitext
    if "<!--" in text:
        text = _COMMENT.sub("", text)
    if "<" in text:
        text = _remove_dropped(text)
    if "{{" in text or "}}" in text:
        text = _remove_templates(text)
    text = "\n" + text + "\n"  # for the line-start patterns
    if "{|" in text:
        text = _remove_tables(text)
    if "[" in text:  # before internal links: file captions hold external links
        text = _EXTERNAL.sub(r"\1", text)
    if "[[" in text:
        replacer = _DEFAULT_LINK_REPLACER if drop_namespaces is None \
            else _link_replacer(drop_namespaces)
        text = _replace_links(text, replacer)
    if "://" in text:
        text = _BARE_URL.sub(" ", text)
    if "<" in text:
        text = _BLOCK_TAG.sub("\n", text)
        text = _TAG.sub("", text)
    if "''" in text:  # bold ''', italic '', both '''''
        text = text.replace("'''", "").replace("''", "")
    if "\n=" in text:
        text = _HEADING.sub(_heading, text)
    text = _LIST.sub("\n", text)
    if "\n----" in text:
        text = _RULE.sub("\n", text)
    if "__" in text:
        text = _SWITCH.sub("", text)
    if "(" in text:
        text = _EMPTY_PARENS.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    return text[1:-1]
