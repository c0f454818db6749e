"""Text normalisation for training corpora: ``text8`` (ASCII words) and ``unicode`` (any script).

``text8``
    The convention the classic text8 corpus was built with (Matt Mahoney's ``wikifil.pl``):
    lower-case letters ``a``-``z`` only; every digit spelled out on its own (``1939`` gives
    ``one nine three nine``); everything else is a word separator. Accented Latin letters are
    folded to their base letters first (``café`` gives ``cafe``, ``Ærø`` gives ``aero``), as in the
    project's shared ``wiki100m`` corpus; letters of other scripts become separators.
``unicode``
    For languages other than English: the text is NFC-normalised and lower-cased; a token is a run
    of Unicode letters, digits and combining marks (so Devanagari or Arabic words, whose vowel signs
    are combining marks, stay whole); every punctuation or symbol character is split off as a token
    of its own (``l'homme,`` gives ``l ' homme ,``); whitespace and control characters separate.
    Digits are kept as digits (``2024``).
    Scripts written without spaces (Chinese, Japanese, Thai) are not segmented into words.

Both modes return the tokens joined by single spaces: one line of a training corpus.
"""
from __future__ import annotations

import codecs
import functools
import re
import unicodedata
from typing import List, Tuple

from ..base.validate import check_choice

__all__ = ["MODES", "normalize", "tokenize", "normalize_line", "normalize_text8",
           "normalize_unicode"]

#: The normalisation modes, by name.
MODES = ("text8", "unicode")

_DIGIT_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")

#: Byte translation for ``text8``: ``a``-``z`` kept, ``A``-``Z`` lower-cased, digits kept (spelled
#: out afterwards), every other byte a space. Applied to ASCII text (non-ASCII already replaced).
_TEXT8_TABLE = bytes(
    c if (97 <= c <= 122 or 48 <= c <= 57) else c + 32 if 65 <= c <= 90 else 32
    for c in range(256))
_DIGIT_REPLACEMENTS = tuple((str(d).encode(), f" {name} ".encode())
                            for d, name in enumerate(_DIGIT_NAMES))

#: Latin letters that NFKD does not decompose, with their usual ASCII spelling.
_LATIN_FOLDS = {"ß": "ss", "ẞ": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ø": "o",
                "Ø": "o", "đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "þ": "th", "Þ": "th", "ł": "l",
                "Ł": "l", "ı": "i", "ħ": "h", "Ħ": "h", "ŧ": "t", "Ŧ": "t", "ĸ": "k", "ŋ": "ng",
                "Ŋ": "ng"}


class _AsciiFold(dict):
    """``str.translate`` table from the characters of an NFKD-decomposed string to ASCII:
    ASCII kept, combining marks removed (the accents of decomposed letters), the letters of
    :data:`_LATIN_FOLDS` spelled out, anything else a space. Filled in as characters are met."""

    def __missing__(self, cp: int):
        ch = chr(cp)
        if cp < 128:
            value = ch
        elif ch in _LATIN_FOLDS:
            value = _LATIN_FOLDS[ch]
        elif unicodedata.category(ch).startswith("M"):
            value = None
        else:
            value = " "
        self[cp] = value
        return value


_ASCII_FOLD = _AsciiFold()

#: Folded forms of the non-ASCII runs met so far (words like "café" recur), bounded so that
#: text in other scripts cannot make it grow without limit.
_FOLD_CACHE: dict = {}
_FOLD_CACHE_MAX = 100_000


def _fold_run(exc: UnicodeEncodeError):
    """Codec error handler: a run of non-ASCII characters in ASCII (see :class:`_AsciiFold`).

    Only the non-ASCII runs are decomposed and folded; the ASCII bulk of the text goes through
    the C encoder untouched, several times faster than normalising the whole text.
    """
    run = exc.object[exc.start:exc.end]
    folded = _FOLD_CACHE.get(run)
    if folded is None:
        folded = unicodedata.normalize("NFKD", run).translate(_ASCII_FOLD)
        if len(_FOLD_CACHE) >= _FOLD_CACHE_MAX:
            _FOLD_CACHE.clear()
        _FOLD_CACHE[run] = folded
    return folded, exc.end


_ERRORS = "fastw2v-text8-fold"
codecs.register_error(_ERRORS, _fold_run)


def _text8_bytes(text: str) -> bytes:
    """``text`` in text8 normalisation, as ASCII bytes (tokens separated by runs of spaces)."""
    data = text.encode("ascii", _ERRORS).translate(_TEXT8_TABLE)
    for digit, name in _DIGIT_REPLACEMENTS:
        if digit in data:
            data = data.replace(digit, name)
    return data


def normalize_text8(text: str) -> str:
    """``text`` normalised as in text8: ``a``-``z`` words, digits spelled out, single spaces.

    >>> normalize_text8("Café No. 7, 1939—Ærø")
    'cafe no seven one nine three nine aero'
    """
    return " ".join(_text8_bytes(text).decode("ascii").split())


@functools.lru_cache(maxsize=None)
def _unicode_token_re() -> "re.Pattern":
    """The ``unicode`` mode's token pattern, built once per process (about 20 ms).

    A word is a run of word characters (``\\w``: letters, digits, ``_``) and combining marks
    (categories Mn, Mc, Me, which ``\\w`` leaves out); any other non-space character is a token
    of its own. The marks are those of the Basic Multilingual Plane, which holds every modern
    script's: a character class that reaches beyond it is matched by a linear search through its
    ranges instead of a table look-up, 2-3 times slower.
    """
    ranges = []
    start = prev = -2
    for cp in range(0x10000):
        if not unicodedata.category(chr(cp)).startswith("M"):
            continue
        if cp != prev + 1:
            if start >= 0:
                ranges.append((start, prev))
            start = cp
        prev = cp
    ranges.append((start, prev))
    marks = "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" if b > a else re.escape(chr(a))
                    for a, b in ranges)
    return re.compile(r"[\w" + marks + r"]+|[^\w\s]")


def _unicode_tokens(text: str) -> List[str]:
    text = unicodedata.normalize("NFC", text).lower()
    if "_" in text:  # "_" is a word character to \w but punctuation here: make it a token
        text = text.replace("_", " _ ")
    return _unicode_token_re().findall(text)


def normalize_unicode(text: str) -> str:
    """``text`` normalised for any language: lower case, letters and digits kept, punctuation
    split off, single spaces.

    >>> normalize_unicode("L'Élysée, 2024: Ünïcode!")
    "l ' élysée , 2024 : ünïcode !"
    """
    return " ".join(_unicode_tokens(text))


def tokenize(text: str, mode: str = "text8") -> List[str]:
    """The tokens of ``text`` in normalisation ``mode`` (``"text8"`` or ``"unicode"``)."""
    if check_choice("mode", mode, MODES) == "text8":
        return _text8_bytes(text).decode("ascii").split()
    return _unicode_tokens(text)


def normalize(text: str, mode: str = "text8") -> str:
    """``text`` normalised in ``mode`` (``"text8"`` or ``"unicode"``): tokens joined by spaces."""
    return " ".join(tokenize(text, mode))


def normalize_line(text: str, mode: str = "text8") -> Tuple[bytes, int]:
    """``text`` normalised as one UTF-8 corpus line (no newline), and its number of tokens.

    The fast path of the dump converter: text8 stays in bytes throughout.
    """
    if check_choice("mode", mode, MODES) == "text8":
        tokens = _text8_bytes(text).split()
        return b" ".join(tokens), len(tokens)
    tokens = _unicode_tokens(text)
    return " ".join(tokens).encode("utf-8"), len(tokens)
