"""Analogy and word-pair evaluation: hand-computed values, brute-force reference, gensim parity."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from fastw2v.vectors.embeddings import Embeddings
from fastw2v.analysis.evaluate import (AnalogyResult, evaluate_analogies, evaluate_word_pairs, pearson,
                              rankdata, read_analogy_file, spearman, standard_eval_files)
from fastw2v.analysis.evaluate import PACKAGED_DATA


# ------------------------------------------------------------------------------------------- #
# analogies: hand-built
# ------------------------------------------------------------------------------------------- #
def royal():
    words = ["man", "woman", "king", "queen", "apple"]
    vec = np.array([
        [1.0, 0.0, 0.0, 0.0],
        [1.0, 1.0, 0.0, 0.0],
        [1.0, 0.0, 1.0, 0.0],
        [1.0, 1.0, 1.0, 0.0],   # exactly king - man + woman
        [0.0, 0.0, 0.0, 1.0],
    ], dtype=np.float32)
    return Embeddings(vec, words)


QUESTIONS = """\
: family
man king woman queen
man king woman apple
man king lion queen

: other
MAN KING WOMAN QUEEN
"""


@pytest.fixture
def qfile(tmp_path):
    p = tmp_path / "q.txt"
    p.write_text(QUESTIONS)
    return p


def test_analogies_hand_computed(qfile):
    r = evaluate_analogies(royal(), qfile)
    assert isinstance(r, AnalogyResult)
    assert (r.correct, r.seen, r.skipped) == (2, 3, 1)
    assert r.accuracy == pytest.approx(2 / 3)
    assert r.sections == {"family": (1, 2), "other": (1, 1)}
    assert r.total == 4 and r.restrict_vocab == 5 and r.invalid == 0
    assert r.section_accuracy() == {"family": 0.5, "other": 1.0}
    assert r.to_dict()["sections"] == {"family": [1, 2], "other": [1, 1]}


def test_analogies_case_sensitive(qfile):
    r = evaluate_analogies(royal(), qfile, case_insensitive=False)
    assert (r.correct, r.seen, r.skipped) == (1, 2, 2)
    assert r.sections == {"family": (1, 2), "other": (0, 0)}


def test_analogies_restrict_vocab(qfile):
    r = evaluate_analogies(royal(), qfile, restrict_vocab=4)  # 'apple' is out
    assert (r.correct, r.seen, r.skipped) == (2, 2, 2)
    r = evaluate_analogies(royal(), qfile, restrict_vocab=3)  # 'queen' is out: nothing seen
    assert (r.correct, r.seen, r.skipped, r.accuracy) == (0, 0, 4, 0.0)
    r = evaluate_analogies(royal(), qfile, restrict_vocab=None)
    assert r.seen == 3
    with pytest.raises(ValueError, match="restrict_vocab must be None or an integer >= 0, "
                                         "got -3"):
        evaluate_analogies(royal(), qfile, restrict_vocab=-3)


def test_analogies_candidates_limited_to_restricted_vocab(tmp_path):
    # the best answer overall is 'queen2' (row 5), outside the top 5 rows
    e = royal()
    words = e.words + ["queen2"]
    vec = np.vstack([e.vectors, [[1.0, 1.0, 1.0, 0.0]]]).astype(np.float32)
    vec[3] = [1.0, 1.0, 1.0, 0.3]
    p = tmp_path / "q.txt"
    p.write_text(": s\nman king woman queen\n")
    assert evaluate_analogies(Embeddings(vec, words), p, restrict_vocab=5).correct == 1
    assert evaluate_analogies(Embeddings(vec, words), p, restrict_vocab=6).correct == 0


def test_analogies_case_variants_of_inputs_are_excluded(tmp_path):
    # 'WOMAN' (a case variant of the input 'woman') points exactly at king - man + woman
    words = ["man", "woman", "king", "queen", "WOMAN"]
    vec = np.array([[1, 0, 0], [1, 1, 0], [1, 0, 1], [1, 1, 0.8], [1, 1, 1]], dtype=np.float32)
    p = tmp_path / "q.txt"
    p.write_text(": s\nman king woman queen\n")
    e = Embeddings(vec, words)
    assert evaluate_analogies(e, p).correct == 1  # WOMAN counts as 'woman': excluded
    assert evaluate_analogies(e, p, case_insensitive=False).correct == 0  # WOMAN wins


def test_analogies_case_variant_of_answer_counts(tmp_path):
    words = ["man", "woman", "king", "queen", "Queen"]
    vec = np.array([[1, 0, 0], [1, 1, 0], [1, 0, 1], [1, 1, 0.5], [1, 1, 1]], dtype=np.float32)
    p = tmp_path / "q.txt"
    p.write_text(": s\nman king woman queen\n")
    e = Embeddings(vec, words)
    assert evaluate_analogies(e, p).correct == 1
    assert evaluate_analogies(e, p, case_insensitive=False).correct == 0


def test_analogy_file_parsing(tmp_path, caplog):
    p = tmp_path / "q.txt"
    p.write_text("a b c d\n: one\n a b c d \nbad line\n\n: two\n")
    sections, questions, invalid = read_analogy_file(p)
    assert sections == ["(no section)", "one", "two"]
    assert [(s, q) for s, _, q in questions] == [(0, ("a", "b", "c", "d")),
                                                (1, ("a", "b", "c", "d"))]
    assert invalid == 1 and "expected 4 words" in caplog.text


def test_analogies_agree_with_embeddings_analogy(tmp_path):
    """evaluate_analogies (whole vocabulary, exact case) counts a question correct exactly when
    Embeddings.analogy's top answer is the expected word, section by section."""
    rng = np.random.default_rng(77)
    path = tmp_path / "questions.txt"
    path.write_text(_synthetic_questions(rng, n_sections=3, per_section=40))
    emb = _build_model(path, rng, variant_share=0.0)
    noisy = emb.vectors + rng.standard_normal(emb.vectors.shape).astype(np.float32)
    emb = Embeddings(noisy, emb.words)  # about a third of the answers right
    margin = _reference(emb, path, len(emb), case_insensitive=False)[3]
    assert margin > 2e-6, "test data has near-ties; float32 rounding could flip answers"
    sections, questions, _ = read_analogy_file(path)
    expected = {name: [0, 0] for name in sections}
    for sec, _, (a, b, c, d) in questions:
        expected[sections[sec]][0] += emb.analogy(a, b, c, topn=1)[0][0] == d
        expected[sections[sec]][1] += 1
    r = evaluate_analogies(emb, path, restrict_vocab=None, case_insensitive=False)
    assert r.sections == {name: tuple(cs) for name, cs in expected.items()}
    assert 0 < r.correct < r.seen == len(questions)


# ------------------------------------------------------------------------------------------- #
# analogies: random-ish sets vs. a brute-force reference and gensim
# ------------------------------------------------------------------------------------------- #
def _synthetic_questions(rng, n_sections=4, pairs_per_section=12, per_section=60):
    lines = []
    for s in range(n_sections):
        pairs = [(f"S{s}x{i}", f"S{s}y{i}") for i in range(pairs_per_section)]
        lines.append(f": section-{s}")
        for _ in range(per_section):
            i, j = rng.choice(pairs_per_section, size=2, replace=False)
            lines.append(" ".join(pairs[i] + pairs[j]))
    return "\n".join(lines) + "\n"


def _build_model(question_path: Path, rng, dim=24, n_filler=300, variant_share=0.05):
    """A vocabulary holding the question words (some case variants, some fillers) and vectors
    where y = x + section offset + noise, so that many but not all analogies are answered."""
    sections, questions, _ = read_analogy_file(question_path)
    words, seen = [], set()
    pairs = []
    for sec, _, q in questions:
        pairs.append((sec, q[0], q[1]))
        pairs.append((sec, q[2], q[3]))
        for w in q:
            if w not in seen:
                seen.add(w)
                words.append(w)
    variants = [w.lower() if w != w.lower() else w.upper() for w in words
                if rng.random() < variant_share]
    variants = [v for v in variants if v not in seen]
    words = words + variants + [f"filler{i}" for i in range(n_filler)]
    order = rng.permutation(len(words))
    words = [words[i] for i in order]
    index = {w: i for i, w in enumerate(words)}
    vec = rng.standard_normal((len(words), dim))
    offsets = rng.standard_normal((len(sections), dim)) * 1.5
    for sec, x, y in pairs:
        vec[index[y]] = vec[index[x]] + offsets[sec] + 0.6 * rng.standard_normal(dim)
    for v in variants:
        base = v.upper() if v.upper() in index else v.lower()
        if base in index:
            vec[index[v]] = vec[index[base]] + 0.3 * rng.standard_normal(dim)
    return Embeddings(vec.astype(np.float32), words)


def _reference(emb: Embeddings, path: Path, restrict: int, case_insensitive: bool):
    """Brute force in float64, one question at a time; also the smallest winning margin."""
    key = str.upper if case_insensitive else (lambda w: w)
    ok = {}
    for i, w in enumerate(emb.words[:restrict]):
        ok.setdefault(key(w), i)
    keys = [key(w) for w in emb.words[:restrict]]
    vec = emb.vectors[:restrict].astype(np.float64)
    norms = np.linalg.norm(vec, axis=1)
    norms[norms == 0] = 1
    unit = vec / norms[:, None]
    _, questions, _ = read_analogy_file(path)
    correct = seen = skipped = 0
    margin = np.inf
    for _, _, q in questions:
        k = [key(w) for w in q]
        if any(x not in ok for x in k):
            skipped += 1
            continue
        seen += 1
        sims = unit @ (unit[ok[k[1]]] - unit[ok[k[0]]] + unit[ok[k[2]]])
        ranked = [i for i in np.argsort(-sims, kind="stable") if keys[i] not in k[:3]]
        correct += keys[ranked[0]] == k[3]
        margin = min(margin, sims[ranked[0]] - sims[ranked[1]])
    return correct, seen, skipped, margin


@pytest.fixture(params=["constructed", "google"])
def analogy_case(request, tmp_path):
    rng = np.random.default_rng(12345)
    if request.param == "google":
        data_dir = request.getfixturevalue("data_dir")
        path = data_dir / "eval" / "questions-words.txt"
        if not path.is_file():
            pytest.skip("questions-words.txt not found")
    else:
        path = tmp_path / "questions.txt"
        path.write_text(_synthetic_questions(rng))
    emb = _build_model(path, rng)
    restrict = int(len(emb) * 0.85)
    return emb, path, restrict


@pytest.mark.parametrize("case_insensitive", [True, False])
def test_analogies_match_brute_force(analogy_case, case_insensitive):
    emb, path, restrict = analogy_case
    correct, seen, skipped, margin = _reference(emb, path, restrict, case_insensitive)
    # float32 scores of 24-d unit vectors are off by ~1e-7; a smaller winning margin could let
    # rounding flip an answer, and then the data (not the code) would be at fault
    assert margin > 2e-6, "test data has near-ties; float32 rounding could flip answers"
    r = evaluate_analogies(emb, path, restrict_vocab=restrict, case_insensitive=case_insensitive)
    assert (r.correct, r.seen, r.skipped) == (correct, seen, skipped)
    assert 0 < r.correct < r.seen and r.skipped > 0  # the data exercises all paths


def test_analogies_match_gensim(analogy_case):
    gensim_kv = pytest.importorskip("gensim.models.keyedvectors")
    emb, path, restrict = analogy_case
    kv = gensim_kv.KeyedVectors(vector_size=emb.dim)
    kv.add_vectors(emb.words, emb.vectors)
    score, sections = kv.evaluate_word_analogies(str(path), restrict_vocab=restrict,
                                                 case_insensitive=True)
    r = evaluate_analogies(emb, path, restrict_vocab=restrict, case_insensitive=True)
    assert r.accuracy == pytest.approx(score, abs=1e-12)
    total = sections[-1]
    assert total["section"] == "Total accuracy"
    assert r.correct == len(total["correct"])
    assert r.seen == len(total["correct"]) + len(total["incorrect"])
    theirs = {s["section"]: (len(s["correct"]), len(s["correct"]) + len(s["incorrect"]))
              for s in sections[:-1]}
    assert r.sections == theirs


# ------------------------------------------------------------------------------------------- #
# word pairs
# ------------------------------------------------------------------------------------------- #
def test_rankdata_average_ties():
    assert rankdata([10, 20, 20, 30]).tolist() == [1.0, 2.5, 2.5, 4.0]
    assert rankdata([3, 1, 3, 3, 0]).tolist() == [4.0, 2.0, 4.0, 4.0, 1.0]
    assert rankdata([]).tolist() == []


def test_spearman_hand_computed():
    # ranks x = [1, 2.5, 2.5, 4], y = [1, 3, 2, 4]: r = 4.5 / sqrt(4.5 * 5)
    assert spearman([1, 2, 2, 3], [1, 3, 2, 4]) == pytest.approx(4.5 / math.sqrt(22.5), abs=1e-12)
    assert spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert math.isnan(spearman([1], [2]))
    assert math.isnan(spearman([1, 1, 1], [1, 2, 3]))
    with pytest.raises(ValueError, match="sequences differ in length: 2 and 3"):
        spearman([1, 2], [1, 2, 3])


def test_correlations_match_scipy():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(7)
    for _ in range(20):
        n = int(rng.integers(3, 60))
        x = rng.integers(0, 6, n).astype(float)  # many ties
        y = x + rng.normal(0, 2, n)
        y[: n // 3] = np.round(y[: n // 3])
        assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y)[0], abs=1e-12)
        assert pearson(x, y) == pytest.approx(stats.pearsonr(x, y)[0], abs=1e-12)


PAIRS = """\
# a comment
# Word 1\tWord 2\tHuman (mean)
a\tb\t1.0
a\tc\t2.0

b\tc\t2.0
A B 0.5
a\tzzz\t5.0
just two
a\tb\tnotanumber
"""


def pairs_model():
    vec = np.array([[1, 0], [1, 1], [0, 1]], dtype=np.float32)
    return Embeddings(vec, ["a", "b", "c"])


def test_word_pairs_hand_computed(tmp_path, caplog):
    p = tmp_path / "pairs.tsv"
    p.write_text(PAIRS)
    r = evaluate_word_pairs(pairs_model(), p)
    # gold [1, 2, 2, 0.5] -> ranks [2, 3.5, 3.5, 1]; model [s, 0, s, s] -> ranks [3, 1, 3, 3]
    assert r.spearman == pytest.approx(-2.0 / math.sqrt(13.5), abs=1e-9)
    s = 1 / math.sqrt(2)
    assert r.pearson == pytest.approx(np.corrcoef([1, 2, 2, 0.5], [s, 0, s, s])[0, 1], abs=1e-6)
    assert (r.n_pairs, r.n_oov, r.invalid) == (4, 1, 2)
    assert r.oov_ratio == pytest.approx(0.2)
    assert "line ignored" in caplog.text


def test_word_pairs_case_sensitive_and_restricted(tmp_path):
    p = tmp_path / "pairs.tsv"
    p.write_text(PAIRS)
    r = evaluate_word_pairs(pairs_model(), p, case_insensitive=False)
    assert (r.n_pairs, r.n_oov) == (3, 2)
    r = evaluate_word_pairs(pairs_model(), p, restrict_vocab=2)  # 'c' is out
    assert (r.n_pairs, r.n_oov) == (2, 3)
    assert math.isnan(evaluate_word_pairs(pairs_model(), p, restrict_vocab=0).spearman)


@pytest.fixture(params=["constructed", "wordsim353"])
def pairs_case(request, tmp_path):
    rng = np.random.default_rng(99)
    words = [f"w{i}" for i in range(400)] + ["Tiger", "TIGER"]
    if request.param == "wordsim353":
        data_dir = request.getfixturevalue("data_dir")
        path = data_dir / "eval" / "wordsim353.tsv"
        if not path.is_file():
            pytest.skip("wordsim353.tsv not found")
        found = []
        for line in path.read_text("utf-8").splitlines():
            if line and not line.startswith("#"):
                found += line.split("\t")[:2]
        vocab = list(dict.fromkeys(found))
        vocab = [w for i, w in enumerate(vocab) if i % 9]  # some out of vocabulary
        words = vocab + words
    else:
        path = tmp_path / "pairs.tsv"
        lines = ["# constructed pairs"]
        for _ in range(300):
            a, b = rng.choice(len(words) + 30, size=2)
            wa = words[a] if a < len(words) else f"oov{a}"
            wb = words[b] if b < len(words) else f"oov{b}"
            lines.append(f"{wa}\t{wb}\t{rng.integers(0, 20) / 2}")  # ties in the gold scores
        lines.append("tiger\tw1\t3.0")
        path.write_text("\n".join(lines) + "\n")
    vec = rng.standard_normal((len(words), 16)).astype(np.float32)
    return Embeddings(vec, words), path


def test_word_pairs_match_gensim(pairs_case):
    gensim_kv = pytest.importorskip("gensim.models.keyedvectors")
    emb, path = pairs_case
    kv = gensim_kv.KeyedVectors(vector_size=emb.dim)
    kv.add_vectors(emb.words, emb.vectors)
    g_pearson, g_spearman, g_oov = kv.evaluate_word_pairs(str(path), case_insensitive=True)
    r = evaluate_word_pairs(emb, path)
    assert r.n_pairs > 50 and r.n_oov > 0
    assert r.spearman == pytest.approx(g_spearman[0], abs=1e-6)
    assert r.pearson == pytest.approx(g_pearson[0], abs=1e-6)
    assert 100.0 * r.oov_ratio == pytest.approx(g_oov, abs=1e-9)


# ------------------------------------------------------------------------------------------- #
# standard files
# ------------------------------------------------------------------------------------------- #
def test_standard_eval_files_explicit_dir(tmp_path):
    (tmp_path / "eval").mkdir()
    (tmp_path / "eval" / "questions-words.txt").write_text(": s\n")
    files = standard_eval_files(tmp_path)
    assert files.analogies == tmp_path / "eval" / "questions-words.txt"
    assert files.word_pairs is None
    (tmp_path / "wordsim353.tsv").write_text("a\tb\t1\n")  # also accepted at top level
    analogies, pairs = standard_eval_files(str(tmp_path))
    assert pairs == tmp_path / "wordsim353.tsv"


def test_standard_eval_files_env(tmp_path, monkeypatch):
    (tmp_path / "eval").mkdir()
    (tmp_path / "eval" / "wordsim353.tsv").write_text("a\tb\t1\n")
    monkeypatch.setenv("FASTW2V_DATA", str(tmp_path))
    files = standard_eval_files()
    assert files.word_pairs == tmp_path / "eval" / "wordsim353.tsv"
    # A set the data directory lacks comes from the copies installed with fastw2v.
    assert files.analogies == PACKAGED_DATA / "questions-words.txt"


def test_the_standard_sets_are_installed_with_the_package(tmp_path, monkeypatch):
    """Without any data directory (a user's machine), the installed copies are found; they are
    the complete sets, with their licence notes beside them."""
    monkeypatch.setenv("FASTW2V_DATA", str(tmp_path / "nowhere"))
    monkeypatch.chdir(tmp_path)
    files = standard_eval_files()
    assert files == (PACKAGED_DATA / "questions-words.txt", PACKAGED_DATA / "wordsim353.tsv")
    sections, questions, invalid = read_analogy_file(files.analogies)
    assert (len(questions), len(sections), invalid) == (19_544, 14, 0)
    lines = [ln for ln in files.word_pairs.read_text(encoding="utf-8").splitlines()
             if ln and not ln.startswith("#")]
    assert len(lines) == 353
    notice = (PACKAGED_DATA / "NOTICE").read_text(encoding="utf-8")
    assert "Apache License, Version 2.0" in notice and "Placing Search in Context" in notice
    assert (PACKAGED_DATA / "LICENSE-Apache-2.0.txt").is_file()


def test_standard_eval_files_relative_to_cwd(tmp_path, monkeypatch):
    shared = tmp_path / "shared" / "data" / "eval"
    shared.mkdir(parents=True)
    (shared / "questions-words.txt").write_text(": s\n")
    (tmp_path / "proj").mkdir()
    monkeypatch.delenv("FASTW2V_DATA", raising=False)
    monkeypatch.chdir(tmp_path / "proj")
    expected = tmp_path.resolve() / "shared" / "data" / "eval" / "questions-words.txt"
    assert standard_eval_files().analogies == expected


def test_standard_eval_files_missing(tmp_path):
    assert standard_eval_files(tmp_path) == (None, None)


def test_standard_eval_files_finds_shared_data(data_dir):
    files = standard_eval_files()
    assert files.analogies is not None and files.analogies.is_file()
    assert files.word_pairs is not None and files.word_pairs.is_file()


# ------------------------------------------------------------------------------------------- #
# 3CosMul, semantic / syntactic split, per-section skips
# ------------------------------------------------------------------------------------------- #
from fastw2v.analysis.evaluate import (ANALOGY_METHODS, answer_analogies,  # noqa: E402
                              evaluate_analogy_methods, is_syntactic_section)


def cosmul_model():
    """3CosAdd answers 'x', 3CosMul answers 'y' (found by search, checked by hand below)."""
    words = ["a", "b", "c", "x", "y"]
    vec = np.array([[3, 0, -1], [0, 0, -1], [1, 2, 2], [-3, -1, -2], [3, 2, -2]],
                   dtype=np.float32)
    return Embeddings(vec, words)


def _hand_scores(emb, a, b, c, cand, eps):
    """(3CosAdd, 3CosMul) score of one candidate, straight from the definitions in float64."""
    def cos(u, v):
        u, v = emb[u].astype(np.float64), emb[v].astype(np.float64)
        return float(u @ v / np.sqrt((u @ u) * (v @ v)))
    add = cos(cand, b) - cos(cand, a) + cos(cand, c)
    shift = lambda w: (cos(cand, w) + 1) / 2  # noqa: E731
    mul = shift(b) * shift(c) / (shift(a) + eps)
    return add, mul


def test_3cosmul_hand_computed(tmp_path):
    emb = cosmul_model()
    # by hand: cos(x,b)=2/sqrt(14), cos(x,a)=-7/sqrt(140), cos(x,c)=-9/(3 sqrt(14)); ...
    add_x, mul_x = _hand_scores(emb, "a", "b", "c", "x", 1e-3)
    add_y, mul_y = _hand_scores(emb, "a", "b", "c", "y", 1e-3)
    assert add_x == pytest.approx(2 / math.sqrt(14) + 7 / math.sqrt(140) - 3 / math.sqrt(14))
    assert add_x > add_y and mul_y > mul_x  # the two methods disagree on this question
    p = tmp_path / "q.txt"
    p.write_text(": s\na b c x\na b c y\n")
    both = evaluate_analogy_methods(emb, p)
    assert list(both) == list(ANALOGY_METHODS)
    assert (both["3cosadd"].correct, both["3cosadd"].seen) == (1, 2)
    assert (both["3cosmul"].correct, both["3cosmul"].seen) == (1, 2)
    assert both["3cosmul"].method == "3cosmul" and both["3cosadd"].method == "3cosadd"
    assert answer_analogies(emb, [("a", "b", "c")]) == ["x"]
    assert answer_analogies(emb, [("a", "b", "c", "ignored")], method="3cosmul") == ["y"]
    single = evaluate_analogies(emb, p, method="3cosmul")
    assert single.to_dict() == both["3cosmul"].to_dict()


def test_analogy_method_and_epsilon_validation(qfile):
    with pytest.raises(ValueError, match="unknown analogy method"):
        evaluate_analogies(royal(), qfile, method="3coswhat")
    with pytest.raises(ValueError, match="epsilon"):
        evaluate_analogies(royal(), qfile, method="3cosmul", epsilon=0)
    assert evaluate_analogies(royal(), qfile, method="3CosMul").method == "3cosmul"


def test_answer_analogies_skips_unknown_words():
    emb = royal()
    assert answer_analogies(emb, [("man", "king", "woman"), ("man", "king", "nope"),
                                  ("MAN", "KING", "WOMAN")]) == ["queen", None, "queen"]
    assert answer_analogies(emb, [("MAN", "KING", "WOMAN")], case_insensitive=False) == [None]
    with pytest.raises(ValueError, match="3 or 4 words"):
        answer_analogies(emb, [("man", "king")])


SPLIT = """\
: capital-common-countries
man king woman queen
man king lion queen
: gram3-comparative
man king woman apple
man king woman queen
man king woman queen
: family
man king woman queen
"""


def test_semantic_syntactic_split_and_section_skips(tmp_path):
    p = tmp_path / "q.txt"
    p.write_text(SPLIT)
    r = evaluate_analogies(royal(), p)
    assert r.sections == {"capital-common-countries": (1, 1), "gram3-comparative": (2, 3),
                          "family": (1, 1)}
    assert r.section_skipped == {"capital-common-countries": 1, "gram3-comparative": 0,
                                 "family": 0}
    assert r.semantic == (2, 2) and r.syntactic == (2, 3)
    assert r.semantic_accuracy == 1.0 and r.syntactic_accuracy == pytest.approx(2 / 3)
    assert r.has_syntactic_sections
    d = r.to_dict()
    assert d["semantic"] == [2, 2] and d["syntactic"] == [2, 3]
    assert d["section_skipped"]["capital-common-countries"] == 1
    assert d["path"] == str(p)
    assert is_syntactic_section("gram1-adjective-to-adverb") and \
        not is_syntactic_section("city-in-state")


def test_no_syntactic_sections(qfile):
    r = evaluate_analogies(royal(), qfile)
    assert not r.has_syntactic_sections
    assert math.isnan(r.syntactic_accuracy) and r.to_dict()["syntactic_accuracy"] is None


def _reference_cosmul(emb, path, restrict, case_insensitive, eps):
    """Brute-force 3CosMul in float64, one question at a time; also how many questions have a
    winning margin so small (relative 1e-5) that float32 rounding could flip the answer."""
    key = str.upper if case_insensitive else (lambda w: w)
    ok = {}
    for i, w in enumerate(emb.words[:restrict]):
        ok.setdefault(key(w), i)
    keys = [key(w) for w in emb.words[:restrict]]
    vec = emb.vectors[:restrict].astype(np.float64)
    unit = vec / np.linalg.norm(vec, axis=1)[:, None]
    _, questions, _ = read_analogy_file(path)
    correct = seen = close = 0
    for _, _, q in questions:
        k = [key(w) for w in q]
        if any(x not in ok for x in k):
            continue
        seen += 1
        sh = [(unit @ unit[ok[x]] + 1) / 2 for x in k[:3]]
        scores = sh[1] * sh[2] / (sh[0] + eps)
        ranked = [i for i in np.argsort(-scores, kind="stable") if keys[i] not in k[:3]]
        correct += keys[ranked[0]] == k[3]
        close += (scores[ranked[0]] - scores[ranked[1]]) / scores[ranked[0]] < 1e-5
    return correct, seen, close


@pytest.mark.parametrize("case_insensitive", [True, False])
def test_3cosmul_matches_brute_force(analogy_case, case_insensitive):
    emb, path, restrict = analogy_case
    correct, seen, close = _reference_cosmul(emb, path, restrict, case_insensitive, 1e-3)
    assert close <= 3, "test data has many near-ties"
    r = evaluate_analogies(emb, path, restrict_vocab=restrict, case_insensitive=case_insensitive,
                           method="3cosmul")
    assert r.seen == seen
    assert abs(r.correct - correct) <= close  # only a near-tie may go the other way
    assert 0 < r.correct < r.seen


def test_3cosmul_matches_gensim_most_similar_cosmul(tmp_path):
    """gensim's evaluate_word_analogies has no 3CosMul, so compare question by question with its
    most_similar_cosmul (epsilon 1e-6, whole vocabulary, exact-case exclusion of the inputs)."""
    gensim_kv = pytest.importorskip("gensim.models.keyedvectors")
    rng = np.random.default_rng(2024)
    path = tmp_path / "questions.txt"
    path.write_text(_synthetic_questions(rng, n_sections=3, per_section=40))
    emb = _build_model(path, rng, variant_share=0.0)
    kv = gensim_kv.KeyedVectors(vector_size=emb.dim)
    kv.add_vectors(emb.words, emb.vectors)
    _, questions, _ = read_analogy_file(path)
    qs = [q for _, _, q in questions]
    ours = answer_analogies(emb, qs, restrict_vocab=None, case_insensitive=False,
                            method="3cosmul", epsilon=1e-6)
    theirs = [kv.most_similar_cosmul(positive=[b, c], negative=[a], topn=1)[0][0]
              for a, b, c, _ in qs]
    assert ours == theirs
    expected = [q[3] for q in qs]
    assert 0 < sum(o == e for o, e in zip(ours, expected)) < len(qs)


def test_both_methods_in_one_pass_equal_separate_runs(analogy_case):
    emb, path, restrict = analogy_case
    both = evaluate_analogy_methods(emb, path, restrict_vocab=restrict)
    for m in ANALOGY_METHODS:
        alone = evaluate_analogies(emb, path, restrict_vocab=restrict, method=m)
        assert both[m].to_dict() == alone.to_dict()


def test_round_one_methods_say_where_they_moved(qfile):
    """The vectors layer never imports analysis: the old methods name the function to call."""
    emb = royal()
    for name, where in [("evaluate_analogies", "fastw2v.analysis.evaluate.evaluate_analogies"),
                        ("evaluate_word_pairs", "fastw2v.analysis.evaluate.evaluate_word_pairs"),
                        ("probe", "fastw2v.analysis.probe.probe"),
                        ("bias_report", "fastw2v.analysis.bias.bias_report"),
                        ("plot_words", "fastw2v.analysis.plots.plot_words")]:
        with pytest.raises(AttributeError, match=rf"Embeddings\.{name} moved: use "
                                                 rf"{where}\(emb, \.\.\.\)"):
            getattr(emb, name)
    with pytest.raises(AttributeError, match="has no attribute 'no_such_thing'"):
        emb.no_such_thing  # noqa: B018


def test_pairs_to_dict_is_json_safe(tmp_path):
    import json
    p = tmp_path / "pairs.tsv"
    p.write_text("a\tb\t1.0\n")
    d = evaluate_word_pairs(pairs_model(), p).to_dict()
    assert d["spearman"] is None and d["pearson"] is None
    json.dumps(d, allow_nan=False)
