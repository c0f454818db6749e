"""The embedding health probe: canonical analogies, neighbours, symmetry, degenerate vectors."""
from __future__ import annotations

import json

import numpy as np
import pytest

from fastw2v.vectors.embeddings import Embeddings
from fastw2v.analysis.probe import (CANONICAL_ANALOGIES, ProbeReport, check_degenerate, check_symmetry,
                           probe, resolve_word)

#: word -> the basis directions it is the sum of. Each canonical analogy holds exactly:
#: man - king + queen = (H + M) - (R + M) + (R + F) = H + F = woman, and so on.
_PARTS = {
    "king": ("R", "M"), "queen": ("R", "F"), "man": ("H", "M"), "woman": ("H", "F"),
    "paris": ("CAP", "FR"), "france": ("NAT", "FR"), "tokyo": ("CAP", "JP"),
    "japan": ("NAT", "JP"),
    "walking": ("WALK", "ING"), "walked": ("WALK", "ED"), "swimming": ("SWIM", "ING"),
    "swam": ("SWIM", "ED"),
}
_FILLERS = ["apple", "river", "blue", "seven"]


def canonical_model(extra=None) -> Embeddings:
    """Every word has norm sqrt(2), so unit vectors keep the exact sums above."""
    basis = sorted({p for parts in _PARTS.values() for p in parts})
    dim = len(basis) + len(_FILLERS)
    words, rows = [], []
    for w, parts in _PARTS.items():
        v = np.zeros(dim)
        for p in parts:
            v[basis.index(p)] = 1.0
        words.append(w)
        rows.append(v)
    for i, w in enumerate(_FILLERS):  # orthogonal to everything else
        v = np.zeros(dim)
        v[len(basis) + i] = 1.4
        words.append(w)
        rows.append(v)
    for w, v in (extra or {}).items():
        words.append(w)
        row = np.zeros(dim)
        row[:len(v)] = v  # the given leading values, zeros after
        rows.append(row)
    return Embeddings(np.array(rows, dtype=np.float32), words)


def test_canonical_analogies_hold():
    report = probe(canonical_model())
    assert isinstance(report, ProbeReport)
    got = [(q.a, q.b, q.c, q.answer, q.correct) for q in report.analogies]
    assert got == [("king", "man", "queen", "woman", True),
                   ("paris", "france", "tokyo", "japan", True),
                   ("walking", "walked", "swimming", "swam", True)]
    for q in report.analogies:
        assert q.cosine == pytest.approx(1.0, abs=1e-6)
        assert q.missing == []
    assert [q[:3] for q in CANONICAL_ANALOGIES] == [g[:3] for g in got]


def test_wrong_and_missing_analogy_answers():
    emb = canonical_model()
    vec = emb.vectors.copy()
    vec[emb.index["swam"]] = 0.0  # no longer the answer (and now degenerate)
    words = [w if w != "tokyo" else "kyoto" for w in emb.words]
    report = probe(Embeddings(vec, words))
    king, paris, walk = report.analogies
    assert king.correct is True
    assert paris.answer is None and paris.correct is None and paris.missing == ["tokyo"]
    assert walk.correct is False and walk.answer != "swam"
    text = report.format()
    assert "tokyo not in the vocabulary" in text and "expected swam" in text


def test_neighbours_of_named_words():
    report = probe(canonical_model(), ["king", "nosuchword", "KING"], topn=3)
    king, missing = report.neighbours[0], report.neighbours[1]
    assert king.word == "king" and king.found and len(king.neighbours) == 3
    # queen and man share one of king's two directions: cosine 1/2; fillers are orthogonal
    assert {w for w, _ in king.neighbours[:3]} <= {"queen", "man"} | set(_PARTS)
    assert king.neighbours[0][1] == pytest.approx(0.5, abs=1e-6)
    assert {w for w, c in king.neighbours if c == pytest.approx(0.5)} == {"queen", "man"}
    assert not missing.found and missing.neighbours == []
    assert report.neighbours[2].word == "king"  # a case variant resolves to the word
    assert "nosuchword: not in the vocabulary" in report.format()


def test_resolve_word_case_variants():
    emb = Embeddings(np.eye(3, dtype=np.float32), ["Paris", "paris2", "KING"])
    assert resolve_word(emb, "Paris") == "Paris"
    assert resolve_word(emb, "paris") == "Paris"
    assert resolve_word(emb, "king") == "KING"
    assert resolve_word(emb, "king", limit=2) is None
    assert resolve_word(emb, "queen") is None


def test_healthy_model_passes_symmetry_and_norm_checks():
    report = probe(canonical_model(), ["king", "paris"])
    assert report.symmetry.ok and report.symmetry.pairs > 0
    assert report.symmetry.max_abs_diff <= 1e-6
    assert report.degenerate.ok and report.problems == []
    assert "No problems found" in report.format()


def test_zero_and_huge_vectors_are_flagged():
    emb = canonical_model(extra={"ghost": [0.0], "giant": [500.0, 300.0], "tiny": [0.001],
                                 "fine": [3.0]})
    report = probe(emb)
    d = report.degenerate
    assert (d.n_low, d.n_high, d.n_nonfinite) == (2, 1, 0)
    assert [w for w, _ in d.low_words] == ["ghost", "tiny"]  # most extreme first
    assert d.high_words[0][0] == "giant" and d.high_words[0][1] == pytest.approx(
        np.hypot(500, 300), rel=1e-6)
    assert not d.ok and d.flagged == 3
    assert any("training bug" in p for p in report.problems)
    text = report.format()
    assert "FLAGGED, a training bug" in text and "ghost" in text and "giant" in text
    assert "No problems found" not in text


def test_non_finite_vectors_break_symmetry_and_are_flagged():
    emb = canonical_model(extra={"broken": [np.nan, 1.0]})
    report = probe(emb, ["broken", "king"], symmetry_sample=len(emb))
    assert report.degenerate.n_nonfinite == 1
    assert report.degenerate.nonfinite_words[0][0] == "broken"
    assert not report.symmetry.ok and report.symmetry.nonfinite > 0
    assert len(report.problems) == 2
    json.dumps(report.to_dict(), allow_nan=False)  # NaN becomes null


def test_check_functions_directly():
    emb = canonical_model()
    sym = check_symmetry(emb, ["king", "queen", "absent"], sample=10)
    assert sym.ok and sym.pairs == 1 + 45
    deg = check_degenerate(emb, low=1.0, high=1.405)  # norms are sqrt(2) and 1.4
    assert deg.n_low == 0 and deg.n_high == len(_PARTS)
    assert deg.min_norm == pytest.approx(1.4, rel=1e-6)
    with pytest.raises(ValueError, match="need 0 <= low < high, got low=5, high=1"):
        check_degenerate(emb, low=5, high=1)


def test_report_never_calls_a_model_good():
    report = probe(canonical_model(), ["king"])
    text = report.format().lower()
    assert "gameable" in text and "downstream" in text and "not a quality verdict" in text
    assert "good model" not in text
    d = report.to_dict()
    assert "gameable" in d["caveat"] and d["problems"] == []
    assert d["symmetry"]["ok"] is True and d["degenerate"]["ok"] is True


def test_restrict_vocab_limits_answers():
    emb = canonical_model()
    report = probe(emb, restrict_vocab=4)  # only king, queen, man, woman
    assert report.analogies[0].correct is True
    assert report.analogies[1].answer is None
    with pytest.raises(ValueError, match=r"topn must be an integer >= 1, got 0"):
        probe(emb, topn=0)
    empty = probe(emb, restrict_vocab=0)  # 0 restricts to no word, as in evaluate and gensim
    assert all(a.answer is None for a in empty.analogies)


def test_probe_of_chosen_words():
    emb = canonical_model()
    report = probe(emb, ["queen"], topn=2)
    assert report.neighbours[0].word == "queen" and len(report.neighbours[0].neighbours) == 2
    assert report.analogies[0].answer == "woman"
