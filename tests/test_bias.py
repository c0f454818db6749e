"""Bias axes and occupation projections on hand-built vectors with a known gender direction."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

from fastw2v.analysis.bias import (DEFAULT_OCCUPATIONS, GENDER_PAIRS, Axis, bias_axis, bias_report,
                          parse_axis, project)
from fastw2v.vectors.embeddings import Embeddings

# directions: G gender (+ male), O doctor-nurse (+ doctor), then private directions per word
G, O = 0, 1


def model() -> Embeddings:
    rows = {
        "he": {G: 1.0, 2: 1.0}, "she": {G: -1.0, 2: 1.0},
        "man": {G: 1.0, 3: 1.0}, "woman": {G: -1.0, 3: 1.0},
        "king": {G: 1.0, 4: 1.0}, "queen": {G: -1.0, 4: 1.0},
        "doctor": {O: 1.0, 5: 1.0}, "nurse": {O: -1.0, 5: 1.0},
        "engineer": {G: 0.6, O: 0.2, 6: 1.0},      # male-leaning, slightly doctor-leaning
        "homemaker": {G: -0.6, 7: 1.0},             # female-leaning
        "surgeon": {G: 0.1, O: 0.9, 8: 1.0},        # doctor-leaning
        "midwife": {G: -0.5, O: -0.5, 9: 1.0},
        "poet": {10: 1.0},                          # neutral on both
    }
    words = list(rows)
    vec = np.zeros((len(words), 11), dtype=np.float32)
    for i, w in enumerate(words):
        for j, x in rows[w].items():
            vec[i, j] = x
    return Embeddings(vec, words)


def cos_with(emb, word, direction):
    v = emb[word].astype(np.float64)
    e = np.zeros_like(v)
    e[direction] = 1.0
    return float(v @ e / np.linalg.norm(v))


def test_axes_point_along_the_known_directions():
    emb = model()
    he_she = bias_axis(emb, ("he", "she"))
    assert isinstance(he_she, Axis) and he_she.name == "he-she"
    assert he_she.vector[G] == pytest.approx(1.0) and np.linalg.norm(he_she.vector) == \
        pytest.approx(1.0)
    dn = bias_axis(emb, "doctor:nurse")
    assert dn.vector[O] == pytest.approx(1.0)
    mean = bias_axis(emb, ["man:woman", ("king", "queen")])
    assert mean.pairs == [("man", "woman"), ("king", "queen")]
    assert mean.vector[G] == pytest.approx(1.0)
    assert mean.name == "man-woman+king-queen"


def test_projection_signs_and_values():
    emb = model()
    proj = project(emb, ["engineer", "homemaker", "poet", "absent"], ("he", "she"))
    assert set(proj) == {"engineer", "homemaker", "poet"}
    assert proj["engineer"] > 0 > proj["homemaker"]
    assert proj["engineer"] == pytest.approx(cos_with(emb, "engineer", G))
    assert proj["poet"] == pytest.approx(0.0, abs=1e-7)


def test_bias_report_default_axes():
    emb = model()
    occupations = ["engineer", "homemaker", "surgeon", "midwife", "poet", "doctor", "pilot"]
    r = bias_report(emb, occupations=occupations, top=3)
    by_word = {p.word: p for p in r.projections}
    assert set(by_word) == {"engineer", "homemaker", "surgeon", "midwife", "poet"}
    assert r.excluded == ["doctor"] and r.missing == ["pilot"]
    e, h, s, m = (by_word[w] for w in ("engineer", "homemaker", "surgeon", "midwife"))
    assert e.first > 0 and e.second > 0 and e.gap > 0
    assert h.first < 0 and h.second == pytest.approx(0.0, abs=1e-7) and h.gap < 0
    assert s.second > s.first > 0 and s.gap < 0
    assert m.first < 0 and m.second < 0
    assert s.second == pytest.approx(cos_with(emb, "surgeon", O))
    assert h.gap == pytest.approx(h.first - h.second)
    # ranked by |gap|, largest first
    gaps = [abs(p.gap) for p in r.projections]
    assert gaps == sorted(gaps, reverse=True)
    assert [p.word for p in r.largest_gaps()] == [p.word for p in r.projections[:3]]
    expected = np.corrcoef([p.first for p in r.projections],
                           [p.second for p in r.projections])[0, 1]
    assert r.correlation == pytest.approx(expected)
    text = r.format()
    assert "he - she" in text and "doctor - nurse" in text and "pilot" in text
    d = r.to_dict()
    json.dumps(d, allow_nan=False)
    assert d["largest_gaps"] == [p.word for p in r.projections[:3]]


def test_gender_preset_uses_the_pairs_in_the_vocabulary():
    emb = model()
    axis = bias_axis(emb, "gender")
    assert axis.name == "gender"
    assert axis.pairs == [("he", "she"), ("man", "woman"), ("king", "queen")]
    assert len(axis.missing) == len(GENDER_PAIRS) - 3
    assert axis.vector[G] == pytest.approx(1.0)
    r = bias_report(emb, axis1=["gender"], occupations=["engineer"])
    assert r.axes[0].name == "gender" and r.projections[0].first > 0


def test_parse_axis_forms_and_errors():
    assert parse_axis("he:she") == [("he", "she")]
    assert parse_axis(("he", "she")) == [("he", "she")]
    assert parse_axis(["a:b", ("c", "d"), "a:b"]) == [("a", "b"), ("c", "d")]
    assert parse_axis("doctor-nurse") == [("doctor", "nurse")]
    for bad, match in (("he", "axis pair 'he' must be 'word1:word2'"),
                       ("he:she:it", "axis pair 'he:she:it' must be 'word1:word2'"),
                       (":she", "axis pair ':she' must be 'word1:word2'"),
                       ([("a",)], r"axis pair \('a',\) must be 'word1:word2' or a \(word1, "),
                       ([], "an axis needs at least one word pair")):
        with pytest.raises(ValueError, match=match):
            parse_axis(bad)


def test_axis_with_no_known_pair_raises_key_error_naming_words():
    emb = model()
    with pytest.raises(KeyError, match="zebra"):
        bias_axis(emb, [("zebra", "she"), ("he", "lion")])
    with pytest.raises(ValueError, match="no direction"):
        bias_axis(emb, ("he", "he"))


def test_default_occupations_and_empty_list():
    emb = model()
    r = bias_report(emb)  # built-in list: only a few are in this tiny vocabulary
    assert len(r.missing) == len(DEFAULT_OCCUPATIONS) - len(r.projections) - len(r.excluded)
    with pytest.raises(ValueError, match="no occupation words given"):
        bias_report(emb, occupations=[])
    with pytest.raises(ValueError, match="top must be an integer >= 1, got 0"):
        bias_report(emb, top=0)
    single = bias_report(emb, occupations=["poet"])
    assert math.isnan(single.correlation) and single.to_dict()["correlation"] is None


def test_bias_report_axes_default_to_he_she_and_doctor_nurse():
    emb = model()
    r = bias_report(emb, occupations=["engineer", "homemaker"])
    assert [p.word for p in r.projections][0] in {"engineer", "homemaker"}
    assert r.axes[0].name == "he-she" and r.axes[1].name == "doctor-nurse"
