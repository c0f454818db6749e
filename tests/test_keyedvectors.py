"""fastw2v.KeyedVectors answers every gensim query as gensim does on the same vectors: the same
keys in the same order, scores within 1e-5, the same result shapes and types, the same errors.

gensim (the bench extra, installed in CI) is imported, not skipped. The vectors: a synthetic space
with real analogy structure (countries, capitals, case variants, distractors), and vectors trained
by fastw2v on real text (gensim's own Lee corpus, and wiki100m when the shared data is there)."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from gensim.models import KeyedVectors as GensimKeyedVectors
from gensim.test.utils import datapath

import fastw2v
from fastw2v.compat import evaluation
from fastw2v.compat.keyedvectors import KeyedVectors
from fastw2v.vectors.embeddings import Embeddings

N_PAIRS = 40
DIM = 32


def synthetic_space(seed: int = 0):
    """Countries, their capitals (country + a shared offset + noise), case variants of some of
    them further down, and random distractors."""
    rng = np.random.default_rng(seed)
    offset = rng.standard_normal(DIM)
    words, rows = [], []
    for i in range(N_PAIRS):
        c = rng.standard_normal(DIM)
        words += [f"country{i}", f"capital{i}"]
        rows += [c, c + offset + 0.35 * rng.standard_normal(DIM)]
    for i in range(300):
        words.append(f"noise{i}")
        rows.append(rng.standard_normal(DIM))
    for i in range(0, N_PAIRS, 4):  # rarer spellings: folded to the same key
        words += [f"Capital{i}", f"COUNTRY{i + 1}"]
        rows += [rows[2 * i + 1] + 0.01 * rng.standard_normal(DIM),
                 rng.standard_normal(DIM)]
    return words, np.asarray(rows, dtype=np.float32)


def questions_file(path: Path) -> Path:
    lines = [": capital-world"]
    for i in range(N_PAIRS):
        j = (i * 7 + 3) % N_PAIRS
        lines.append(f"country{i} capital{i} country{j} capital{j}")
    lines += [": gram-mixed-case", "Country1 CAPITAL1 country2 capital2",
              "country5 capital5 unknownword capital6", "too few words", ": empty-section"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def pairs_file(path: Path) -> Path:
    rows = ["# a comment"] + [f"country{i}\tcapital{i}\t{8 + i % 3}" for i in range(20)] + \
        [f"country{i}\tnoise{i}\t{i % 4}" for i in range(20)] + \
        ["zzz\tcountry1\t5", "COUNTRY2\tCapital2\t9.5", "bad line", "a\tb\tc\td"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def pair():
    words, vec = synthetic_space()
    g = GensimKeyedVectors(DIM)
    g.add_vectors(words, vec)
    return g, KeyedVectors.from_embeddings(Embeddings(vec, words))


def assert_same(theirs, ours, what=""):
    """Same keys in the same order, scores within 1e-5, same container types. Keys with exactly
    equal scores are listed in row order here; gensim's order for them is whatever numpy's
    (unstable) partition leaves, so within such a group only the set must agree."""
    if isinstance(theirs, list) and not (theirs and isinstance(theirs[0], tuple)):
        assert ours == theirs, what  # keys (closer_than)
    elif isinstance(theirs, list):
        assert isinstance(ours, list), what
        assert len(ours) == len(theirs), what
        for (k1, s1), (k2, s2) in zip(ours, theirs):
            # a different key only where exactly equal scores tie (in or across the cut-off)
            assert k1 == k2 or (s1 == s2 and any(s == s1 for k, s in theirs if k == k1)
                                or s1 == s2 == theirs[-1][1]), what
        np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-5,
                                   err_msg=what)
        assert all(type(s) is float for _, s in ours), what
    elif isinstance(theirs, np.ndarray):
        assert isinstance(ours, np.ndarray) and ours.shape == theirs.shape, what
        assert ours.dtype == theirs.dtype, what
        np.testing.assert_allclose(ours, theirs, atol=1e-5, err_msg=what)
    elif isinstance(theirs, (float, np.floating)):
        assert type(ours) is type(theirs), what
        assert abs(ours - theirs) < 1e-5, what
    else:
        assert ours == theirs, what


def query_cases(words, vec):
    w = words
    return [
        ("most_similar", (w[0],), {}),
        ("most_similar", (), dict(positive=[w[3], w[4]], negative=[w[5]], topn=7)),
        ("most_similar", (), dict(positive=[(w[3], 2.0), w[4]], negative=[(w[5], 0.5)])),
        ("most_similar", (), dict(positive=[w[1]], negative=[(w[2], -2.0)], topn=4)),
        ("most_similar", (), dict(positive=[vec[3] * 4, w[2]], topn=5)),
        ("most_similar", (vec[7],), dict(topn=3)),
        ("most_similar", (np.stack([vec[1], vec[2]]),), dict(topn=4)),
        ("most_similar", (5,), dict(topn=4)),
        ("most_similar", (np.int64(6),), dict(topn=4)),
        ("most_similar", (w[1],), dict(topn=None)),
        ("most_similar", (w[1],), dict(topn=0)),
        ("most_similar", (w[1],), dict(restrict_vocab=50, topn=20)),
        ("most_similar", (w[1],), dict(clip_start=10, clip_end=100, topn=5)),
        ("most_similar", (w[1],), dict(topn=1000)),
        ("most_similar_cosmul", (), dict(positive=[w[3], w[4]], negative=[w[5]], topn=7)),
        ("most_similar_cosmul", (), dict(positive=[w[3]], topn=7)),
        ("most_similar_cosmul", (), dict(positive=[vec[7]], topn=3)),
        ("most_similar_cosmul", (), dict(positive=[w[3], w[4]], negative=[w[5]], topn=None)),
        ("most_similar_cosmul", (), dict(positive=[w[3]], restrict_vocab=10, topn=5)),
        ("similar_by_word", (w[9],), dict(topn=3)),
        ("similar_by_key", (w[9],), dict(topn=3, restrict_vocab=30)),
        ("similar_by_vector", (vec[9],), dict(topn=3)),
        ("similarity", (w[1], w[2]), {}),
        ("similarity", (w[1], w[1]), {}),
        ("n_similarity", ([w[1], w[2]], [w[3], w[4], w[5]]), {}),
        ("distance", (w[1], w[2]), {}),
        ("distances", (w[1], [w[2], w[3]]), {}),
        ("distances", (w[1],), {}),
        ("distances", (vec[4],), {}),
        ("doesnt_match", ([w[1], w[3], w[5], w[-5]],), {}),
        # (with two words both are equally far from their mean: rounding decides, not gensim)
        ("doesnt_match", ([w[1], w[3], w[8], "not-a-word"],), {}),
        ("rank", (w[1], w[2]), {}),
        ("closer_than", (w[1], w[30]), {}),
        ("most_similar_to_given", (w[1], [w[2], w[3], w[4]]), {}),
        ("get_vector", (w[1],), {}),
        ("get_vector", (w[1],), dict(norm=True)),
        ("get_mean_vector", ([w[1], w[2]],), dict(weights=[1, 3])),
        ("get_mean_vector", ([w[1], vec[2], "missing"],), dict(post_normalize=True)),
        ("get_index", (w[5],), {}),
        ("get_index", (7,), {}),
        ("get_normed_vectors", (), {}),
        ("cosine_similarities", (vec[0], vec[:5]), {}),
    ]


def test_every_query_answers_as_gensim_does(pair):
    g, f = pair
    words, vec = synthetic_space()
    for name, args, kw in query_cases(words, vec):
        assert_same(getattr(g, name)(*args, **kw), getattr(f, name)(*args, **kw),
                    f"{name}{args[:1]}{kw}")


def test_containers_and_attributes_as_gensim(pair):
    g, f = pair
    assert f.index_to_key == g.index_to_key and f.key_to_index == g.key_to_index
    assert f.vector_size == g.vector_size and len(f) == len(g) and str(f) == str(g)
    assert np.array_equal(f.vectors, g.vectors)
    np.testing.assert_allclose(f.norms, g.norms, rtol=1e-6)
    for key in ["country1", 0, len(g) - 1, len(g), -1, "zz", np.int64(3), 3.0, ("a",)]:
        assert (key in f) == (key in g), key
    assert np.array_equal(f[["country1", "capital1"]], g[["country1", "capital1"]])
    assert np.array_equal(f[3], g[3])
    assert f.get_vecattr("country0", "count") == len(f)  # gensim's stand-in counts


@pytest.mark.parametrize("name, args, kw", [
    ("most_similar", ("zz",), {}), ("most_similar", (), {}),
    ("most_similar", (), dict(positive=[], negative=[])),
    ("most_similar_cosmul", (), dict(negative=["country1"])),
    ("n_similarity", ([], ["country1"]), {}), ("doesnt_match", (["zz"],), {}),
    ("get_vector", ("zz",), {}), ("get_index", (-1,), {}), ("similarity", ("zz", "country1"), {}),
    ("get_mean_vector", ([],), {}), ("get_mean_vector", (["zz"],), dict(ignore_missing=False)),
])
def test_errors_are_gensims(pair, name, args, kw):
    g, f = pair
    with pytest.raises(Exception) as theirs:
        getattr(g, name)(*args, **kw)
    with pytest.raises(type(theirs.value)) as ours:
        getattr(f, name)(*args, **kw)
    assert str(ours.value) == str(theirs.value)


def test_gensim_4_removed_vocab_and_we_say_what_to_use(pair):
    _, f = pair
    with pytest.raises(AttributeError, match="key_to_index, index_to_key and get_vecattr"):
        f.vocab  # noqa: B018
    with pytest.raises(AttributeError, match="to_gensim"):
        f.wmdistance(["a"], ["b"])


# ------------------------------------------------------------------------------------------- #
# evaluations
# ------------------------------------------------------------------------------------------- #
@pytest.mark.parametrize("kw", [dict(), dict(restrict_vocab=200), dict(case_insensitive=False),
                                dict(dummy4unknown=True), dict(restrict_vocab=60,
                                                                dummy4unknown=True)])
def test_evaluate_word_analogies_equals_gensim(pair, tmp_path, kw):
    g, f = pair
    path = questions_file(tmp_path / "q.txt")
    theirs, ours = g.evaluate_word_analogies(str(path), **kw), f.evaluate_word_analogies(path, **kw)
    assert ours == theirs
    assert ours[0] > 0.3 or kw.get("restrict_vocab", 1000) < 100  # the space has real answers


def test_3cosmul_analogies_answer_as_most_similar_cosmul(pair, tmp_path):
    """gensim 4.4 ignores similarity_function (always 3CosAdd); fastw2v does what it documents:
    each answer is the first valid key of gensim's own most_similar_cosmul."""
    g, f = pair
    path = questions_file(tmp_path / "q.txt")
    score, sections = f.evaluate_word_analogies(path, similarity_function="most_similar_cosmul")
    for question in sections[-1]["correct"] + sections[-1]["incorrect"]:
        a, b, c, d = (w.lower() for w in question)
        best = next(k for k, _ in g.most_similar_cosmul(positive=[b, c], negative=[a], topn=5)
                    if k.upper() not in {a.upper(), b.upper(), c.upper()})
        assert (best.upper() == d.upper()) == (question in sections[-1]["correct"])
    with pytest.raises(ValueError, match="similarity_function must be"):
        f.evaluate_word_analogies(path, similarity_function="bogus")


def test_a_question_before_any_section_is_an_error(pair, tmp_path):
    _, f = pair
    path = tmp_path / "q.txt"
    path.write_text("country1 capital1 country2 capital2\n")
    with pytest.raises(ValueError, match="Missing section header before line #0"):
        f.evaluate_word_analogies(path)


@pytest.mark.parametrize("kw", [dict(), dict(restrict_vocab=50), dict(dummy4unknown=True),
                                dict(case_insensitive=False)])
def test_evaluate_word_pairs_equals_gensim(pair, tmp_path, kw):
    g, f = pair
    path = pairs_file(tmp_path / "pairs.tsv")
    (gp, gs, go), (fp, fs, fo) = g.evaluate_word_pairs(str(path), **kw), \
        f.evaluate_word_pairs(path, **kw)
    for theirs, ours in ((gp, fp), (gs, fs)):
        assert abs(ours.statistic - theirs.statistic) < 1e-5
        assert abs(ours.pvalue - theirs.pvalue) < 1e-6
        r, p = ours  # unpacks like scipy's results
    assert fs.correlation == fs.statistic
    assert abs(fo - go) < 1e-9


def test_near_ties_are_settled_with_gensims_arithmetic(pair, tmp_path, monkeypatch):
    """Every question goes through the exact one-query path when the tolerance calls every gap
    a tie: the answers stay gensim's (the batched and exact paths agree)."""
    g, f = pair
    path = questions_file(tmp_path / "q.txt")
    monkeypatch.setattr(evaluation, "TIE_TOLERANCE", 10.0)
    assert f.evaluate_word_analogies(path) == g.evaluate_word_analogies(str(path))


def test_pvalues_match_scipy():
    from scipy import stats
    rng = np.random.default_rng(0)
    for n in (3, 4, 10, 353):
        for _ in range(5):
            x = rng.standard_normal(n)
            y = x * rng.uniform(0, 2) + rng.standard_normal(n)
            r, p = stats.pearsonr(x, y)
            assert abs(evaluation.t_test_pvalue(r, n) - p) < 1e-10
    assert evaluation.t_test_pvalue(1.0, 10) == 0.0
    assert evaluation.t_test_pvalue(0.3, 2) == 1.0
    assert np.isnan(evaluation.t_test_pvalue(float("nan"), 10))


# ------------------------------------------------------------------------------------------- #
# trained vectors, real text
# ------------------------------------------------------------------------------------------- #
def lee_pair():
    """(gensim's, fastw2v's) KeyedVectors of the same vectors, trained on gensim's Lee corpus."""
    from gensim.utils import simple_preprocess
    sents = [simple_preprocess(line) for line in open(datapath("lee_background.cor"))]
    f = fastw2v.Word2Vec(sents, vector_size=40, min_count=2, workers=1, sg=1, epochs=5).wv
    return f.to_gensim(), f


@pytest.fixture(scope="module")
def lee():
    return lee_pair()


def test_trained_vectors_answer_as_gensim(lee):
    g, f = lee
    words = f.index_to_key
    for name, args, kw in query_cases(words, f.vectors):
        assert_same(getattr(g, name)(*args, **kw), getattr(f, name)(*args, **kw),
                    f"{name}{args[:1]}{kw}")
    for w in words[:300]:
        assert_same(g.most_similar(w, topn=10), f.most_similar(w, topn=10), w)


def test_gensims_own_evaluation_files_on_trained_vectors(lee, caplog):
    g, f = lee
    with caplog.at_level(logging.WARNING):
        assert f.evaluate_word_analogies(datapath("questions-words.txt")) == \
            g.evaluate_word_analogies(datapath("questions-words.txt"))
    (gp, gs, go), (fp, fs, fo) = g.evaluate_word_pairs(datapath("wordsim353.tsv")), \
        f.evaluate_word_pairs(datapath("wordsim353.tsv"))
    assert abs(fp[0] - gp[0]) < 1e-5 and abs(fs[0] - gs[0]) < 1e-5 and abs(fo - go) < 1e-9


@pytest.mark.slow
def test_wiki_vectors_evaluate_as_gensim(data_dir, tmp_path):
    """Vectors trained on 3 MB of wiki100m: gensim's analogy and pair evaluations, and the
    neighbours of the 2,000 most frequent words, are gensim's."""
    import gzip
    with gzip.open(data_dir / "wiki100m.txt.gz", "rt") as fh:
        text = fh.read(3_000_000)
    toks = text.split()[:-1]
    sents = [toks[i:i + 1000] for i in range(0, len(toks), 1000)]
    f = fastw2v.Word2Vec(sents, vector_size=50, sg=1, workers=2, epochs=2).wv
    g = f.to_gensim()
    q = data_dir / "eval" / "questions-words.txt"
    theirs = g.evaluate_word_analogies(str(q), restrict_vocab=30000)
    assert f.evaluate_word_analogies(q, restrict_vocab=30000) == theirs
    assert len(theirs[1][-1]["correct"]) > 0  # trained, not random
    pairs = data_dir / "eval" / "wordsim353.tsv"
    assert abs(f.evaluate_word_pairs(pairs)[1][0] - g.evaluate_word_pairs(str(pairs))[1][0]) \
        < 1e-5
    for w in f.index_to_key[:2000]:
        assert_same(g.most_similar(w, topn=10), f.most_similar(w, topn=10), w)


# ------------------------------------------------------------------------------------------- #
# conversions and files
# ------------------------------------------------------------------------------------------- #
def test_to_and_from_gensim(pair):
    g, f = pair
    back = KeyedVectors.from_gensim(f.to_gensim())
    assert back.index_to_key == f.index_to_key and np.array_equal(back.vectors, f.vectors)
    counted = KeyedVectors.from_embeddings(Embeddings(f.vectors[:3], f.index_to_key[:3],
                                                      counts=[9, 5, 2]))
    assert counted.to_gensim().get_vecattr(f.index_to_key[1], "count") == 5
    assert KeyedVectors.from_gensim(counted.to_gensim()).embeddings.counts.tolist() == [9, 5, 2]


def test_to_gensim_without_gensim_is_a_clear_error(pair, monkeypatch):
    import builtins
    real = builtins.__import__

    def no_gensim(name, *a, **k):
        if name.startswith("gensim"):
            raise ImportError("No module named 'gensim'")
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", no_gensim)
    with pytest.raises(ImportError, match=r"to_gensim\(\) needs gensim: pip install gensim"):
        pair[1].to_gensim()


@pytest.mark.parametrize("binary", [False, True])
def test_word2vec_format_round_trips_with_gensim(pair, tmp_path, binary):
    _, f = pair
    g = f.to_gensim()
    counts = np.arange(len(g), 0, -1) * 3
    g.allocate_vecattrs(attrs=["count"], types=[np.int64])
    g.expandos["count"][:] = counts
    f = KeyedVectors.from_gensim(g)
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    f.save_word2vec_format(ours, binary=binary, fvocab=tmp_path / "ours.vocab")
    g.save_word2vec_format(str(theirs), binary=binary, fvocab=str(tmp_path / "theirs.vocab"))
    assert (tmp_path / "ours.vocab").read_text() == (tmp_path / "theirs.vocab").read_text()
    for path in (ours, theirs):
        back = KeyedVectors.load_word2vec_format(path, binary=binary,
                                                 fvocab=tmp_path / "theirs.vocab")
        assert back.index_to_key == g.index_to_key
        np.testing.assert_array_equal(back.vectors, g.vectors)
        assert back.get_vecattr("country1", "count") == g.get_vecattr("country1", "count")
    f.save_word2vec_format(tmp_path / "glove.txt", write_header=False, prefix="x_")
    glove = KeyedVectors.load_word2vec_format(tmp_path / "glove.txt", no_header=None)
    assert glove.index_to_key[0] == "x_country0" and len(glove) == len(f)
    g2 = GensimKeyedVectors.load_word2vec_format(str(tmp_path / "glove.txt"), no_header=True)
    assert g2.index_to_key == glove.index_to_key


def test_add_vectors_and_setitem(pair):
    g0, _ = pair
    g = GensimKeyedVectors(DIM)
    f = KeyedVectors(DIM)
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal((2, DIM)).astype(np.float32), rng.standard_normal((1, DIM))
    for kv in (g, f):
        kv.add_vectors(["a", "b"], a)
        kv.add_vectors(["b", "c"], np.vstack([a[0], b[0]]))  # b kept: replace=False
        kv["d"] = b[0]
        kv.add_vector("a", b[0])
    assert f.index_to_key == g.index_to_key
    np.testing.assert_array_equal(f.vectors, g.vectors)
    with pytest.raises(ValueError, match="float32"):
        KeyedVectors(4, dtype=np.float64)
