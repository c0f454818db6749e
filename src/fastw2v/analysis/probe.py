"""An embedding health report: canonical analogies, neighbours, symmetry and degenerate vectors.

:func:`probe` follows the usual probe procedure for trained word vectors:

1. three canonical analogies (``king : man :: queen : ?``, ``paris : france :: tokyo : ?``,
   ``walking : walked :: swimming : ?``), each with its top-1 answer (3CosAdd) and cosine;
2. the nearest neighbours (top 5, with cosines) of the words the user names;
3. a symmetry check: ``similarity(a, b) == similarity(b, a)`` to float precision;
4. a degenerate-vector check: a vector whose norm is below 0.01 or above 100 (or not finite) is a
   sign of a training bug, and the words affected are listed.

The report never calls a model good: analogy benchmarks are gameable (vocabulary cut-off, case
folding, the exclusion of the question words and the choice of 3CosAdd or 3CosMul all move the
score), so it recommends intrinsic evaluation (``fastw2v eval``) together with a downstream task.
"""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import List, Optional, Sequence, Tuple

import numpy as np

from ..base.jsonutil import jsonable
from ..base.validate import check_int
from ..vectors.embeddings import Embeddings
from .words import fold_case, resolve_word

logger = logging.getLogger("fastw2v")

#: ``(a, b, c, expected)``: "a is to b as c is to expected".
CANONICAL_ANALOGIES: Tuple[Tuple[str, str, str, str], ...] = (
    ("king", "man", "queen", "woman"),
    ("paris", "france", "tokyo", "japan"),
    ("walking", "walked", "swimming", "swam"),
)
#: Norms below this are flagged as degenerate.
NORM_LOW = 0.01
#: Norms above this are flagged as degenerate.
NORM_HIGH = 100.0
#: Largest |similarity(a, b) - similarity(b, a)| accepted as float (float32) rounding.
SYMMETRY_TOLERANCE = 1e-6

CAVEAT = (
    "This report is a health check, not a quality verdict: analogy accuracy alone does not make a "
    "model good. Analogy benchmarks are gameable (the vocabulary cut-off, case folding, excluding "
    "the question words and 3CosAdd vs 3CosMul all move the score). Judge a model by intrinsic "
    "evaluation (analogies and word-pair similarity: `fastw2v eval`) together with the downstream "
    "task it is meant for."
)

__all__ = [
    "CANONICAL_ANALOGIES",
    "AnalogyProbe",
    "NeighbourList",
    "SymmetryCheck",
    "DegenerateCheck",
    "ProbeReport",
    "probe",
    "check_symmetry",
    "check_degenerate",
    "resolve_word",
]


@dataclass
class AnalogyProbe:
    """One canonical analogy ``a : b :: c : ?`` and the model's answer.

    Attributes
    ----------
    a, b, c, expected : str
        The question words as asked (``expected`` is the conventional answer).
    answer : str or None
        The top-1 answer (3CosAdd), None when a question word is missing.
    cosine : float or None
        Cosine between ``unit(b) - unit(a) + unit(c)`` (normalized) and the answer.
    correct : bool or None
        Whether ``answer`` is ``expected`` (case-insensitively); None when not answered.
    missing : list of str
        Question words not in the (restricted) vocabulary.
    """

    a: str
    b: str
    c: str
    expected: str
    answer: Optional[str] = None
    cosine: Optional[float] = None
    correct: Optional[bool] = None
    missing: List[str] = field(default_factory=list)


@dataclass
class NeighbourList:
    """The nearest neighbours of one word (``found`` False when it is not in the vocabulary)."""

    word: str
    found: bool
    neighbours: List[Tuple[str, float]] = field(default_factory=list)


@dataclass
class SymmetryCheck:
    """Result of :func:`check_symmetry`.

    Attributes
    ----------
    pairs : int
        Word pairs compared.
    max_abs_diff : float
        Largest ``|similarity(a, b) - similarity(b, a)|`` (NaN if a similarity is not finite).
    tolerance : float
    nonfinite : int
        Pairs whose similarity is NaN or infinite.
    worst_pair : tuple of str or None
        The pair with the largest difference (or a non-finite one).
    """

    pairs: int
    max_abs_diff: float
    tolerance: float
    nonfinite: int = 0
    worst_pair: Optional[Tuple[str, str]] = None

    @property
    def ok(self) -> bool:
        return self.nonfinite == 0 and self.max_abs_diff <= self.tolerance


@dataclass
class DegenerateCheck:
    """Result of :func:`check_degenerate`.

    Attributes
    ----------
    low, high : float
        The thresholds: a norm ``< low`` or ``> high`` is flagged.
    n_low, n_high, n_nonfinite : int
        How many vectors are too short, too long, or contain NaN/inf.
    low_words, high_words, nonfinite_words : list of (str, float)
        Up to ``max_listed`` affected words with their norms (most extreme first).
    min_norm, max_norm, median_norm : float
        Over the finite norms (NaN for an empty vocabulary).
    """

    low: float
    high: float
    n_low: int
    n_high: int
    n_nonfinite: int
    low_words: List[Tuple[str, float]] = field(default_factory=list)
    high_words: List[Tuple[str, float]] = field(default_factory=list)
    nonfinite_words: List[Tuple[str, float]] = field(default_factory=list)
    min_norm: float = float("nan")
    max_norm: float = float("nan")
    median_norm: float = float("nan")

    @property
    def ok(self) -> bool:
        return self.n_low == 0 and self.n_high == 0 and self.n_nonfinite == 0

    @property
    def flagged(self) -> int:
        return self.n_low + self.n_high + self.n_nonfinite


@dataclass
class ProbeReport:
    """Everything :func:`probe` found; :meth:`format` renders it as text."""

    vocab_size: int
    dim: int
    restrict_vocab: int
    analogies: List[AnalogyProbe]
    neighbours: List[NeighbourList]
    symmetry: SymmetryCheck
    degenerate: DegenerateCheck
    caveat: str = CAVEAT

    @property
    def problems(self) -> List[str]:
        """One line per failed check (empty when the symmetry and norm checks pass)."""
        out = []
        if not self.symmetry.ok:
            out.append("similarity is not symmetric" if self.symmetry.nonfinite == 0 else
                       f"{self.symmetry.nonfinite} similarities are NaN or infinite")
        d = self.degenerate
        if not d.ok:
            out.append(f"{d.flagged} degenerate vectors (norm < {d.low:g}, > {d.high:g} or not "
                       f"finite): a training bug")
        return out

    def to_dict(self) -> dict:
        """A JSON-friendly dict (NaN as None)."""
        d = asdict(self)
        d["symmetry"]["ok"] = self.symmetry.ok
        d["degenerate"]["ok"] = self.degenerate.ok
        d["problems"] = self.problems
        return jsonable(d)

    def format(self) -> str:
        """The report as readable text."""
        lines = [f"Embedding probe: {self.vocab_size:,} words x {self.dim} dimensions", ""]
        lines.append(f"1. Canonical analogies (3CosAdd, top-1 among the first "
                     f"{self.restrict_vocab:,} words)")
        for q in self.analogies:
            ask = f"{q.a} : {q.b} :: {q.c} : ?"
            if q.answer is None:
                lines.append(f"   {ask:<36} not asked: {', '.join(q.missing)} not in the "
                             f"vocabulary")
            else:
                mark = "as expected" if q.correct else f"expected {q.expected}"
                lines.append(f"   {ask:<36} {q.answer} (cosine {q.cosine:.3f}; {mark})")
        lines.append("")
        lines.append("2. Nearest neighbours")
        if not self.neighbours:
            lines.append("   (no words given; name some with --words)")
        for nb in self.neighbours:
            if not nb.found:
                lines.append(f"   {nb.word}: not in the vocabulary")
            elif not nb.neighbours:
                lines.append(f"   {nb.word}: no neighbours")
            else:
                near = ", ".join(f"{w} {c:.3f}" for w, c in nb.neighbours)
                lines.append(f"   {nb.word}: {near}")
        lines.append("")
        s = self.symmetry
        lines.append("3. Symmetry of similarity")
        if s.ok:
            lines.append(f"   ok: similarity(a, b) == similarity(b, a) within {s.tolerance:g} on "
                         f"{s.pairs:,} pairs (largest difference {s.max_abs_diff:.2g})")
        else:
            pair = f" (e.g. {s.worst_pair[0]!r}, {s.worst_pair[1]!r})" if s.worst_pair else ""
            lines.append(f"   FAILED on {s.pairs:,} pairs: largest difference "
                         f"{s.max_abs_diff:.3g}, {s.nonfinite} non-finite similarities{pair}")
        lines.append("")
        d = self.degenerate
        lines.append(f"4. Degenerate vectors (norm < {d.low:g} or > {d.high:g})")
        lines.append(f"   norms: min {d.min_norm:.4g}, median {d.median_norm:.4g}, "
                     f"max {d.max_norm:.4g}")
        if d.ok:
            lines.append("   ok: none")
        else:
            lines.append(f"   FLAGGED, a training bug: {d.flagged:,} vectors")
            for label, n, listed in ((f"norm below {d.low:g}", d.n_low, d.low_words),
                                     (f"norm above {d.high:g}", d.n_high, d.high_words),
                                     ("not finite", d.n_nonfinite, d.nonfinite_words)):
                if n:
                    shown = ", ".join(f"{w} ({v:.3g})" for w, v in listed)
                    more = f", ... ({n - len(listed):,} more)" if n > len(listed) else ""
                    count = f"{n:,} vector{'s' if n != 1 else ''}"
                    lines.append(f"     {label} ({count}): {shown}{more}")
        lines.append("")
        if self.problems:
            lines.append("Problems: " + "; ".join(self.problems) + ".")
        else:
            lines.append("No problems found by the symmetry and norm checks.")
        lines.append(_wrap("Note: " + self.caveat, 96))
        return "\n".join(lines)


def _wrap(text: str, width: int) -> str:
    import textwrap
    return "\n".join(textwrap.wrap(text, width=width, break_on_hyphens=False))


# --------------------------------------------------------------------------------------------- #
# checks
# --------------------------------------------------------------------------------------------- #
def check_degenerate(emb: Embeddings, low: float = NORM_LOW, high: float = NORM_HIGH,
                     max_listed: int = 20) -> DegenerateCheck:
    """Flag vectors whose norm is below ``low``, above ``high`` or not finite.

    Parameters
    ----------
    emb : Embeddings
    low, high : float
        Thresholds (defaults 0.01 and 100). Trained word2vec vectors have norms of order 1-10;
        a zero vector (a row never trained) or a huge one (a runaway update) means a bug.
    max_listed : int
        At most this many words are listed per kind (all are counted).

    Returns
    -------
    DegenerateCheck
    """
    if not 0 <= low < high:
        raise ValueError(f"need 0 <= low < high, got low={low!r}, high={high!r}")
    vec = emb.vectors
    norms = np.empty(len(emb), dtype=np.float64)
    step = 65536
    for s in range(0, len(emb), step):  # bounded float64 temporaries for big vocabularies
        block = np.asarray(vec[s:s + step], dtype=np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            norms[s:s + step] = np.sqrt(np.einsum("ij,ij->i", block, block))
    finite = np.isfinite(norms)
    bad = np.flatnonzero(~finite)
    lo = np.flatnonzero(finite & (norms < low))
    hi = np.flatnonzero(finite & (norms > high))

    def listed(rows: np.ndarray, key) -> List[Tuple[str, float]]:
        order = rows[np.argsort(key(norms[rows]), kind="stable")][:max_listed]
        return [(emb.words[i], float(norms[i])) for i in order]

    good = norms[finite]
    check = DegenerateCheck(
        low=float(low), high=float(high), n_low=int(lo.size), n_high=int(hi.size),
        n_nonfinite=int(bad.size), low_words=listed(lo, lambda x: x),
        high_words=listed(hi, lambda x: -x),
        nonfinite_words=listed(bad, lambda x: np.zeros_like(x)),
        min_norm=float(good.min()) if good.size else float("nan"),
        max_norm=float(good.max()) if good.size else float("nan"),
        median_norm=float(np.median(good)) if good.size else float("nan"))
    if not check.ok:
        logger.warning("%d degenerate vectors (norm < %g: %d, > %g: %d, not finite: %d)",
                       check.flagged, low, check.n_low, high, check.n_high, check.n_nonfinite)
    return check


def check_symmetry(emb: Embeddings, words: Sequence[str] = (), sample: int = 200, seed: int = 0,
                   tolerance: float = SYMMETRY_TOLERANCE) -> SymmetryCheck:
    """Check ``similarity(a, b) == similarity(b, a)`` within ``tolerance``.

    Every pair among ``words`` (those in the vocabulary) is checked with
    :meth:`Embeddings.similarity` both ways; in addition, the full cosine matrix of ``sample``
    words drawn at random (``seed``) is computed with one matrix product and compared with its
    transpose.

    Returns
    -------
    SymmetryCheck
    """
    rng = np.random.default_rng(seed)
    known = list(dict.fromkeys(w for w in words if w in emb))
    worst = 0.0
    worst_pair: Optional[Tuple[str, str]] = None
    nonfinite = 0
    pairs = 0
    for i, a in enumerate(known):
        for b in known[i + 1:]:
            ab, ba = emb.similarity(a, b), emb.similarity(b, a)
            pairs += 1
            if not (np.isfinite(ab) and np.isfinite(ba)):
                nonfinite += 1
                worst_pair = worst_pair or (a, b)
                continue
            if abs(ab - ba) > worst:
                worst, worst_pair = abs(ab - ba), (a, b)
    n = min(int(sample), len(emb))
    if n >= 2:
        rows = np.sort(rng.choice(len(emb), size=n, replace=False))
        unit = emb.unit_vectors[rows]
        with np.errstate(invalid="ignore", over="ignore"):
            sims = unit @ unit.T
        iu = np.triu_indices(n, k=1)
        upper, lower = sims[iu], sims.T[iu]
        pairs += upper.size
        fin = np.isfinite(upper) & np.isfinite(lower)
        nonfinite += int(np.count_nonzero(~fin))
        if not fin.all() and worst_pair is None:
            k = int(np.flatnonzero(~fin)[0])
            worst_pair = (emb.words[rows[iu[0][k]]], emb.words[rows[iu[1][k]]])
        if fin.any():
            diff = np.where(fin, np.abs(upper.astype(np.float64) - lower), 0.0)
            k = int(np.argmax(diff))
            if diff[k] > worst:
                worst = float(diff[k])
                worst_pair = (emb.words[rows[iu[0][k]]], emb.words[rows[iu[1][k]]])
    check = SymmetryCheck(pairs=pairs, max_abs_diff=float(worst), tolerance=float(tolerance),
                          nonfinite=nonfinite, worst_pair=worst_pair)
    if not check.ok:
        logger.warning("similarity is not symmetric: largest difference %g, %d non-finite",
                       check.max_abs_diff, nonfinite)
    return check


def _canonical(emb: Embeddings, limit: int,
               questions: Sequence[Tuple[str, str, str, str]]) -> List[AnalogyProbe]:
    out = []
    for a, b, c, expected in questions:
        probe_ = AnalogyProbe(a, b, c, expected)
        found = [resolve_word(emb, w, limit) for w in (a, b, c)]
        probe_.missing = [w for w, f in zip((a, b, c), found) if f is None]
        if not probe_.missing:
            best = emb.analogy(found[0], found[1], found[2], topn=1, restrict_vocab=limit)
            if best:
                probe_.answer, probe_.cosine = best[0][0], float(best[0][1])
                probe_.correct = fold_case(probe_.answer) == fold_case(expected)
        out.append(probe_)
    return out


def probe(emb: Embeddings, words: Sequence[str] = (), *, topn: int = 5,
          restrict_vocab: Optional[int] = 30000,
          analogies: Sequence[Tuple[str, str, str, str]] = CANONICAL_ANALOGIES,
          low: float = NORM_LOW, high: float = NORM_HIGH, max_listed: int = 20,
          symmetry_sample: int = 200, seed: int = 0) -> ProbeReport:
    """Run the embedding health probe.

    Parameters
    ----------
    emb : Embeddings
    words : sequence of str
        Words whose nearest neighbours are listed (a word missing from the vocabulary is reported
        as such, not an error; a case variant is used when the exact word is missing).
    topn : int
        Neighbours per word (default 5).
    restrict_vocab : int or None
        Analogy answers and neighbours are searched among the first ``restrict_vocab`` words
        (default 30000, as in :func:`fastw2v.analysis.evaluate.evaluate_analogies`); None: all.
    analogies : sequence of (a, b, c, expected)
        The analogies asked (default :data:`CANONICAL_ANALOGIES`).
    low, high : float
        Norm thresholds of the degenerate check (default 0.01 and 100).
    max_listed : int
        Degenerate words listed per kind.
    symmetry_sample, seed : int
        Random words whose full cosine matrix is checked for symmetry.

    Returns
    -------
    ProbeReport
        ``report.format()`` renders it; ``report.problems`` lists failed checks.
    """
    topn = check_int("topn", topn, 1)
    restrict_vocab = check_int("restrict_vocab", restrict_vocab, 0, allow_none=True)
    if isinstance(words, str):
        words = [words]
    limit = len(emb) if restrict_vocab is None else min(restrict_vocab, len(emb))
    neighbours = []
    for w in dict.fromkeys(words):
        found = resolve_word(emb, w)
        if found is None:
            logger.warning("probe: %r is not in the vocabulary", w)
            neighbours.append(NeighbourList(w, False))
            continue
        near = emb.most_similar(found, topn=topn, restrict_vocab=limit)
        neighbours.append(NeighbourList(found, True, [(n, float(c)) for n, c in near]))
    report = ProbeReport(
        vocab_size=len(emb), dim=emb.dim, restrict_vocab=limit,
        analogies=_canonical(emb, limit, analogies), neighbours=neighbours,
        symmetry=check_symmetry(emb, [nb.word for nb in neighbours if nb.found],
                                sample=symmetry_sample, seed=seed),
        degenerate=check_degenerate(emb, low=low, high=high, max_listed=max_listed))
    return report
