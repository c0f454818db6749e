"""Pages to articles: cutting XML into ``<page>`` elements, and cleaning the articles among them.

:func:`_split_pages` cuts decompressed XML into complete ``<page>`` elements (and the pieces cut
by a task's boundaries); :func:`_clean_pages` keeps main-namespace, non-redirect pages, takes the
text of their last revision, undoes the XML escaping, strips the markup
(:func:`fastw2v.wiki.markup.strip_markup`) and normalises the text
(:func:`fastw2v.wiki.normalize.normalize_line`), counting what it kept and skipped in a
:class:`DumpStats`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import List, Optional, Tuple

from ..errors import CorpusError
from .markup import strip_markup
from .normalize import normalize_line

_XML_NUMERIC_REF = re.compile(r"&#(x[0-9a-fA-F]+|[0-9]+);")
_XML_NUMERIC_REF_B = re.compile(rb"&#(x[0-9a-fA-F]+|[0-9]+);")


@dataclass
class DumpStats:
    """What a dump conversion read and wrote.

    Attributes
    ----------
    pages : int
        ``<page>`` elements read.
    articles : int
        Lines written: main-namespace, non-redirect pages with at least ``min_tokens`` tokens
        (and at least one).
    redirects : int
        Main-namespace redirect pages skipped.
    other_namespaces : int
        Pages of other namespaces (talk, templates, files, ...) skipped.
    short : int
        Articles skipped for having fewer than ``min_tokens`` tokens, or none.
    tokens : int
        Tokens written.
    dump_bytes : int
        Size of the dump file.
    xml_bytes : int
        Decompressed XML bytes read.
    seconds : float
        Wall time.
    """

    pages: int = 0
    articles: int = 0
    redirects: int = 0
    other_namespaces: int = 0
    short: int = 0
    tokens: int = 0
    dump_bytes: int = 0
    xml_bytes: int = 0
    seconds: float = 0.0

    def _add(self, other: "DumpStats") -> None:
        for f in ("pages", "articles", "redirects", "other_namespaces", "short", "tokens",
                  "xml_bytes"):
            setattr(self, f, getattr(self, f) + getattr(other, f))

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class _Job:
    """What every task needs to know; sent along with each task (a few hundred bytes)."""

    path: str
    mode: str
    min_tokens: int
    drop_namespaces: frozenset
    #: Lower-case names of the non-article namespaces, for pages without ``<ns>`` (dumps made
    #: before export schema 0.5).
    other_namespaces: frozenset


def _xml_unescape(s: str) -> str:
    """Undo the XML escaping of element text (one level: ``&amp;lt;`` gives ``&lt;``)."""
    if "&" not in s:
        return s
    s = s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
    if "&#" in s:
        s = _XML_NUMERIC_REF.sub(_numeric_ref, s)
    return s.replace("&amp;", "&")


def _xml_text(raw: bytes) -> str:
    """Element text as ``str``: XML escaping undone on the bytes (faster than on ``str``), then
    decoded as UTF-8 (invalid bytes become U+FFFD)."""
    if b"&" in raw:
        raw = (raw.replace(b"&lt;", b"<").replace(b"&gt;", b">").replace(b"&quot;", b'"')
               .replace(b"&apos;", b"'"))
        if b"&#" in raw:
            raw = _XML_NUMERIC_REF_B.sub(_numeric_ref_b, raw)
        raw = raw.replace(b"&amp;", b"&")
    return raw.decode("utf-8", "replace")


def _numeric_ref_b(m: "re.Match") -> bytes:
    try:
        return _numeric_ref(m.group().decode("ascii")).encode("utf-8", "replace")
    except UnicodeError:
        return m.group()


def _numeric_ref(m) -> str:
    """The character of a numeric reference (a match of ``&#...;``, or its text)."""
    text = m if isinstance(m, str) else m.group()
    ref = text[2:-1]
    try:
        return chr(int(ref[1:], 16) if ref[0] in "xX" else int(ref))
    except (ValueError, OverflowError):
        return text


def _element(page: bytes, name: bytes, start: int = 0,
             end: Optional[int] = None) -> Optional[bytes]:
    """The text of the first ``<name>...</name>`` in ``page[start:end]``, or None."""
    open_tag = b"<" + name + b">"
    i = page.find(open_tag, start, end)
    if i == -1:
        return None
    i += len(open_tag)
    j = page.find(b"</" + name + b">", i, end)
    return None if j == -1 else page[i:j]


def _page_title(page: bytes) -> str:
    t = _element(page, b"title")
    return "?" if t is None else _xml_unescape(t.decode("utf-8", "replace"))


def _split_pages(data: bytes, job: _Job, where: str) -> Tuple[bool, bytes, List[bytes], bytes]:
    """Cut XML into ``(has_page, head, complete pages, tail)``.

    ``head`` is what precedes the first ``<page>`` (all of ``data`` if there is none), ``tail``
    what follows the last complete page (an open ``<page>`` at the end, or inter-page text).
    """
    first = data.find(b"<page>")
    if first == -1:
        return False, data, [], b""
    pages = []
    pos = first
    while True:
        s = data.find(b"<page>", pos)
        if s == -1:
            return True, data[:first], pages, data[pos:]
        e = data.find(b"</page>", s + 6)
        if e == -1:
            return True, data[:first], pages, data[s:]
        nxt = data.find(b"<page>", s + 6, e)
        if nxt != -1:
            raise CorpusError(f"{job.path}: malformed dump: the <page> element titled "
                              f"{_page_title(data[s:nxt])!r} is not closed before the next "
                              f"<page> (in {where})")
        pos = e + 7
        pages.append(data[s:pos])


def _clean_pages(pages: List[bytes], job: _Job, where: str) -> Tuple[bytes, DumpStats]:
    """Clean and normalise the articles among ``pages``; the corpus lines and the counts."""
    stats = DumpStats()
    lines = []
    for page in pages:
        stats.pages += 1
        text_at = page.find(b"<text")
        revision_at = page.find(b"<revision")
        header = page if revision_at == -1 else page[:revision_at]
        ns = _element(header, b"ns")
        if ns is not None:
            if ns.strip() != b"0":
                stats.other_namespaces += 1
                continue
        else:  # no <ns> (export schema < 0.5): the title's prefix says
            title = _page_title(header)
            colon = title.find(":")
            if colon > 0 and title[:colon].strip().lower() in job.other_namespaces:
                stats.other_namespaces += 1
                continue
        if b"<redirect" in header:
            stats.redirects += 1
            continue
        if text_at == -1:
            stats.short += 1
            continue
        text_at = page.rfind(b"<text")  # the last revision's text
        tag_end = page.find(b">", text_at)
        if tag_end == -1:
            raise CorpusError(f"{job.path}: malformed dump: unterminated <text> tag in the page "
                              f"titled {_page_title(page)!r} (in {where})")
        if page[tag_end - 1:tag_end] == b"/":  # <text ... /> (deleted or empty revision)
            stats.short += 1
            continue
        text_end = page.find(b"</text>", tag_end)
        if text_end == -1:
            raise CorpusError(f"{job.path}: malformed dump: the <text> element of the page "
                              f"titled {_page_title(page)!r} is not closed (in {where})")
        text = _xml_text(page[tag_end + 1:text_end])
        if text[:20].lstrip()[:9].lower() == "#redirect":  # a redirect without <redirect/>
            stats.redirects += 1
            continue
        line, n = normalize_line(strip_markup(text, job.drop_namespaces), job.mode)
        if n == 0 or n < job.min_tokens:
            stats.short += 1
            continue
        lines.append(line)
        stats.articles += 1
        stats.tokens += n
    if lines:
        lines.append(b"")
    return b"\n".join(lines), stats
