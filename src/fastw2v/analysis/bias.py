"""Bias axes as used in fairness probes of word embeddings.

An *axis* is the direction ``unit(x) - unit(y)`` of a word pair such as ``he - she``, or the mean
of several such differences (``man - woman``, ``king - queen``, ...), scaled to unit length. A
word's *projection* on an axis is the cosine between the word's vector and the axis: positive
means closer to the first word of the pairs (``he``), negative closer to the second (``she``).

:func:`bias_report` builds two axes (by default ``he - she`` and ``doctor - nurse``), projects a
list of occupation words on both and ranks the occupations by the gap between the projections
(``projection on axis 1 - projection on axis 2``), together with the correlation of the two
projections over all occupations.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from ..base.validate import check_int
from ..vectors.embeddings import Embeddings
from .evaluate import pearson
from .words import fold_case, resolve_word

logger = logging.getLogger("fastw2v")

Pair = Tuple[str, str]
AxisSpec = Union[str, Pair, Sequence[Union[str, Pair]]]

#: Pairs whose mean difference is the "gender" preset axis.
GENDER_PAIRS: Tuple[Pair, ...] = (
    ("he", "she"), ("man", "woman"), ("king", "queen"), ("his", "her"), ("boy", "girl"),
    ("father", "mother"), ("son", "daughter"), ("brother", "sister"), ("male", "female"),
    ("husband", "wife"),
)
#: Named axes accepted wherever an axis is given.
PRESET_AXES: Dict[str, Tuple[Pair, ...]] = {
    "gender": GENDER_PAIRS,
    "he-she": (("he", "she"),),
    "doctor-nurse": (("doctor", "nurse"),),
}
DEFAULT_AXIS1: Tuple[Pair, ...] = (("he", "she"),)
DEFAULT_AXIS2: Tuple[Pair, ...] = (("doctor", "nurse"),)

#: Default occupation words (single lower-case tokens).
DEFAULT_OCCUPATIONS: Tuple[str, ...] = (
    "accountant", "architect", "artist", "astronaut", "baker", "banker", "barber", "bartender",
    "biologist", "bookkeeper", "builder", "butcher", "captain", "carpenter", "cashier", "chef",
    "chemist", "cleaner", "clerk", "coach", "cook", "dancer", "dentist", "designer", "detective",
    "diplomat", "economist", "editor", "electrician", "engineer", "farmer", "firefighter",
    "hairdresser", "historian", "housekeeper", "janitor", "journalist", "judge", "lawyer",
    "librarian", "lifeguard", "manager", "mathematician", "mechanic", "midwife", "musician",
    "nanny", "novelist", "painter", "pharmacist", "philosopher", "photographer", "physician",
    "physicist", "pilot", "plumber", "poet", "politician", "professor", "programmer",
    "psychologist", "receptionist", "sailor", "scientist", "secretary", "sheriff", "singer",
    "soldier", "surgeon", "tailor", "teacher", "technician", "therapist", "translator", "waiter",
    "waitress", "writer",
)

__all__ = [
    "GENDER_PAIRS",
    "PRESET_AXES",
    "DEFAULT_OCCUPATIONS",
    "Axis",
    "Projection",
    "BiasReport",
    "parse_axis",
    "bias_axis",
    "project",
    "bias_report",
]


@dataclass
class Axis:
    """A bias direction.

    Attributes
    ----------
    name : str
        E.g. ``"he-she"`` or ``"man-woman+king-queen"``.
    pairs : list of (str, str)
        The pairs used (as found in the vocabulary).
    missing : list of (str, str)
        Pairs left out because a word is not in the vocabulary.
    vector : numpy.ndarray
        Unit-length float64 direction: the mean of ``unit(x) - unit(y)`` over ``pairs``.
    """

    name: str
    pairs: List[Pair]
    missing: List[Pair]
    vector: np.ndarray

    def to_dict(self) -> dict:
        return {"name": self.name, "pairs": [list(p) for p in self.pairs],
                "missing": [list(p) for p in self.missing]}


@dataclass
class Projection:
    """One word's projections on the two axes and their gap (``first - second``)."""

    word: str
    first: float
    second: float

    @property
    def gap(self) -> float:
        return self.first - self.second


@dataclass
class BiasReport:
    """Result of :func:`bias_report`.

    Attributes
    ----------
    axes : (Axis, Axis)
    projections : list of Projection
        Every occupation found, largest ``|gap|`` first.
    missing : list of str
        Occupations not in the vocabulary.
    excluded : list of str
        Occupations left out because they define one of the axes.
    correlation : float
        Pearson correlation of the two projections over the occupations (NaN with fewer than 2).
    top : int
        How many occupations :meth:`format` lists.
    """

    axes: Tuple[Axis, Axis]
    projections: List[Projection]
    missing: List[str] = field(default_factory=list)
    excluded: List[str] = field(default_factory=list)
    correlation: float = float("nan")
    top: int = 10

    def largest_gaps(self, top: Optional[int] = None) -> List[Projection]:
        """The ``top`` occupations with the largest ``|gap|`` (default :attr:`top`)."""
        return self.projections[: self.top if top is None else top]

    def to_dict(self) -> dict:
        """A JSON-friendly dict (NaN as None); ``projections`` holds every occupation found."""
        corr = self.correlation
        return {
            "axes": [a.to_dict() for a in self.axes],
            "projections": [{"word": p.word, "first": p.first, "second": p.second, "gap": p.gap}
                            for p in self.projections],
            "largest_gaps": [p.word for p in self.largest_gaps()],
            "correlation": corr if np.isfinite(corr) else None,
            "missing": list(self.missing),
            "excluded": list(self.excluded),
        }

    def format(self) -> str:
        """The report as readable text."""
        a1, a2 = self.axes
        lines = _wrapped(f"axis 1 ({a1.name}): {_describe(a1)}")
        lines += _wrapped(f"axis 2 ({a2.name}): {_describe(a2)}")
        lines += _wrapped("projection = cosine(word, axis): positive leans to the first word of "
                          "the pairs, negative to the second; gap = axis 1 - axis 2")
        lines += _wrapped(f"{len(self.projections)} occupations projected")
        if self.missing:
            lines += _wrapped(f"not in the vocabulary: {', '.join(self.missing)}")
        if self.excluded:
            lines += _wrapped(f"left out (they define an axis): {', '.join(self.excluded)}")
        lines.append("")
        shown = self.largest_gaps()
        if shown:
            w = max(10, max(len(p.word) for p in shown))
            lines.append(f"largest gaps between the projections (top {len(shown)})")
            lines.append(f"  {'occupation':<{w}}  {'axis 1':>7}  {'axis 2':>7}  {'gap':>7}")
            for p in shown:
                lines.append(f"  {p.word:<{w}}  {p.first:>+7.3f}  {p.second:>+7.3f}  "
                             f"{p.gap:>+7.3f}")
        else:
            lines.append("no occupation word is in the vocabulary")
        if np.isfinite(self.correlation):
            lines.append("")
            lines.append(f"correlation of the two projections over {len(self.projections)} "
                         f"occupations: {self.correlation:+.3f}")
        return "\n".join(lines)


def _wrapped(text: str, width: int = 96) -> List[str]:
    import textwrap
    return textwrap.wrap(text, width=width, subsequent_indent="    ", break_on_hyphens=False)


def _describe(axis: Axis) -> str:
    if len(axis.pairs) == 1:
        text = f"{axis.pairs[0][0]} - {axis.pairs[0][1]}"
    else:
        text = "mean of " + ", ".join(f"({x} - {y})" for x, y in axis.pairs)
    if axis.missing:
        text += f" (not in the vocabulary, left out: " \
                f"{', '.join(f'{x}-{y}' for x, y in axis.missing)})"
    return text


# --------------------------------------------------------------------------------------------- #
# axes
# --------------------------------------------------------------------------------------------- #
def parse_axis(spec: AxisSpec) -> List[Pair]:
    """Pairs from an axis specification.

    Parameters
    ----------
    spec : str, (str, str) or sequence of those
        A preset name (``"gender"``: the mean of :data:`GENDER_PAIRS`; ``"he-she"``;
        ``"doctor-nurse"``), a pair ``"x:y"`` or ``("x", "y")``, or a sequence of pairs (their
        mean difference is the axis).

    Raises
    ------
    ValueError
        An item is neither a preset, ``"x:y"`` nor a 2-tuple.
    """
    if isinstance(spec, str):
        items: List = [spec]
    elif isinstance(spec, tuple) and len(spec) == 2 and all(isinstance(s, str) for s in spec) \
            and ":" not in spec[0] and spec[0] not in PRESET_AXES:
        items = [spec]
    else:
        items = list(spec)
    pairs: List[Pair] = []
    for item in items:
        if isinstance(item, str):
            if item in PRESET_AXES:
                pairs.extend(PRESET_AXES[item])
                continue
            parts = item.split(":")
            if len(parts) != 2 or not parts[0] or not parts[1]:
                raise ValueError(f"axis pair {item!r} must be 'word1:word2' or one of "
                                 f"{', '.join(sorted(PRESET_AXES))}")
            pairs.append((parts[0], parts[1]))
        elif isinstance(item, (tuple, list)) and len(item) == 2 \
                and all(isinstance(s, str) and s for s in item):
            pairs.append((item[0], item[1]))
        else:
            raise ValueError(f"axis pair {item!r} must be 'word1:word2' or a (word1, word2) pair")
    if not pairs:
        raise ValueError("an axis needs at least one word pair")
    return list(dict.fromkeys(pairs))


def bias_axis(emb: Embeddings, spec: AxisSpec, name: Optional[str] = None) -> Axis:
    """The unit direction of an axis: the mean of ``unit(x) - unit(y)`` over its pairs.

    Parameters
    ----------
    emb : Embeddings
    spec : str, pair, or sequence of pairs
        See :func:`parse_axis`. Words are looked up exactly, else by a case variant.
    name : str, optional
        Default: the pairs joined, e.g. ``"man-woman+king-queen"`` (or the preset's name).

    Raises
    ------
    KeyError
        None of the pairs has both words in the vocabulary (the message names the words).
    ValueError
        The mean difference is the zero vector (the words have identical directions).
    """
    pairs = parse_axis(spec)
    unit = emb.unit_vectors
    used: List[Pair] = []
    missing: List[Pair] = []
    diffs = []
    for x, y in pairs:
        rx, ry = resolve_word(emb, x), resolve_word(emb, y)
        if rx is None or ry is None:
            missing.append((x, y))
            continue
        used.append((rx, ry))
        diffs.append(unit[emb.index[rx]].astype(np.float64) - unit[emb.index[ry]])
    if not used:
        absent = sorted({w for p in missing for w in p if resolve_word(emb, w) is None})
        raise KeyError(f"no pair of the axis {_pairs_name(pairs)!r} is in the vocabulary "
                       f"(missing: {', '.join(absent)})")
    if missing:
        logger.warning("axis %s: pairs not in the vocabulary left out: %s", _pairs_name(pairs),
                       ", ".join(f"{x}-{y}" for x, y in missing))
    vec = np.mean(diffs, axis=0)
    norm = float(np.linalg.norm(vec))
    if not norm > 0.0 or not np.isfinite(norm):
        raise ValueError(f"axis {_pairs_name(used)!r} has no direction (the words of each pair "
                         f"have the same or non-finite vectors)")
    if name is None:
        items = [spec] if isinstance(spec, str) else list(spec)
        preset = len(items) == 1 and isinstance(items[0], str) and items[0] in PRESET_AXES
        name = items[0] if preset else _pairs_name(used)
    return Axis(name=name, pairs=used, missing=missing, vector=vec / norm)


def _pairs_name(pairs: Iterable[Pair]) -> str:
    return "+".join(f"{x}-{y}" for x, y in pairs)


def project(emb: Embeddings, words: Iterable[str], axis: Union[Axis, AxisSpec]
            ) -> Dict[str, float]:
    """Cosine of each word with the axis (words not in the vocabulary are left out).

    Returns
    -------
    dict
        word (as found in the vocabulary) -> projection in [-1, 1].
    """
    if not isinstance(axis, Axis):
        axis = bias_axis(emb, axis)
    unit = emb.unit_vectors
    out: Dict[str, float] = {}
    for w in words:
        found = resolve_word(emb, w)
        if found is not None:
            out[found] = float(unit[emb.index[found]].astype(np.float64) @ axis.vector)
    return out


def bias_report(emb: Embeddings, axis1: Union[Axis, AxisSpec] = DEFAULT_AXIS1,
                axis2: Union[Axis, AxisSpec] = DEFAULT_AXIS2,
                occupations: Optional[Iterable[str]] = None, top: int = 10,
                exclude_axis_words: bool = True) -> BiasReport:
    """Project occupation words on two axes and rank them by the gap between the projections.

    Parameters
    ----------
    emb : Embeddings
    axis1, axis2 : Axis or axis specification
        Default ``he - she`` and ``doctor - nurse``; see :func:`parse_axis` for the forms
        (e.g. ``"gender"`` or ``[("man", "woman"), ("king", "queen")]`` for a mean of pairs).
    occupations : iterable of str, optional
        Words to project (default :data:`DEFAULT_OCCUPATIONS`).
    top : int
        How many occupations the text report lists.
    exclude_axis_words : bool
        Leave out occupations that define an axis (``doctor`` and ``nurse`` by default): their
        projection on their own axis says nothing.

    Returns
    -------
    BiasReport
    """
    top = check_int("top", top, 1)
    a1 = axis1 if isinstance(axis1, Axis) else bias_axis(emb, axis1)
    a2 = axis2 if isinstance(axis2, Axis) else bias_axis(emb, axis2)
    words = list(dict.fromkeys(DEFAULT_OCCUPATIONS if occupations is None else occupations))
    if not words:
        raise ValueError("no occupation words given")
    axis_words = {fold_case(w) for a in (a1, a2) for p in a.pairs for w in p}
    unit = emb.unit_vectors
    projections: List[Projection] = []
    missing: List[str] = []
    excluded: List[str] = []
    for w in words:
        found = resolve_word(emb, w)
        if found is None:
            missing.append(w)
            continue
        if exclude_axis_words and fold_case(found) in axis_words:
            excluded.append(found)
            continue
        v = unit[emb.index[found]].astype(np.float64)
        projections.append(Projection(found, float(v @ a1.vector), float(v @ a2.vector)))
    projections.sort(key=lambda p: -abs(p.gap))
    corr = pearson([p.first for p in projections], [p.second for p in projections]) \
        if len(projections) >= 2 else float("nan")
    if missing:
        logger.info("bias: %d of %d occupation words are not in the vocabulary", len(missing),
                    len(words))
    return BiasReport(axes=(a1, a2), projections=projections, missing=missing, excluded=excluded,
                      correlation=corr, top=int(top))
