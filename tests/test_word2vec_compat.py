"""fastw2v.Word2Vec: gensim's tutorial code runs with the import changed and answers as gensim on
the same vectors; sentences in memory, the three steps, save -> load -> train more,
build_vocab(update=True), the learning-rate schedule per train() call, callbacks, every gensim
keyword; and Word2Vec(sentences) trains what fastw2v.train(path) trains.

gensim (the bench extra, installed in CI) is imported, not skipped."""
from __future__ import annotations

import gzip
import inspect
import os
import tempfile
import types
from pathlib import Path

import gensim.models
import numpy as np
import pytest
from gensim import utils as gensim_utils
from gensim.models.callbacks import CallbackAny2Vec as GensimCallback
from gensim.test.utils import common_texts, datapath

import fastw2v
from fastw2v.analysis.evaluate import evaluate_analogies, evaluate_word_pairs
from fastw2v.compat.params import UNSUPPORTED, CallbackAny2Vec
from fastw2v.compat.word2vec import Word2Vec
from fastw2v.errors import CorpusError, ModelFormatError

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "fixtures" / "tiny.txt"
GENSIM = types.SimpleNamespace(Word2Vec=gensim.models.Word2Vec,
                               KeyedVectors=gensim.models.KeyedVectors)
FASTW2V = types.SimpleNamespace(Word2Vec=fastw2v.Word2Vec, KeyedVectors=fastw2v.KeyedVectors)


class MyCorpus:
    """The tutorial's restartable corpus: gensim's Lee corpus, one document per line."""

    def __iter__(self):
        corpus_path = datapath("lee_background.cor")
        for line in open(corpus_path):
            # assume there's one document per line, tokens separated by whitespace
            yield gensim_utils.simple_preprocess(line)


# ------------------------------------------------------------------------------------------- #
# gensim's own tutorial code, the import changed
# ------------------------------------------------------------------------------------------- #
def word2vec_docstring_example(lib, tmp_path):
    """gensim.models.word2vec's module docstring, verbatim but for ``lib.`` and the paths."""
    Word2Vec, KeyedVectors = lib.Word2Vec, lib.KeyedVectors
    model = Word2Vec(sentences=common_texts, vector_size=100, window=5, min_count=1, workers=4)
    model.save(str(tmp_path / "word2vec.model"))
    model = Word2Vec.load(str(tmp_path / "word2vec.model"))
    trained = model.train([["hello", "world"]], total_examples=1, epochs=1)
    vector = model.wv['computer']  # get numpy vector of a word
    sims = model.wv.most_similar('computer', topn=10)  # get other similar words
    word_vectors = model.wv
    word_vectors.save(str(tmp_path / "word2vec.wordvectors"))
    wv = KeyedVectors.load(str(tmp_path / "word2vec.wordvectors"), mmap='r')
    vector = wv['computer']  # Get numpy vector of a word
    model.wv.save_word2vec_format(str(tmp_path / "vectors.txt"), binary=False)
    back = KeyedVectors.load_word2vec_format(str(tmp_path / "vectors.txt"), binary=False)
    return dict(trained=trained, vector=vector, sims=sims, wv=wv, back=back, model=model)


def word2vec_tutorial(lib):
    """docs/src/gallery/tutorials/run_word2vec.py, the parts that do not download anything."""
    Word2Vec = lib.Word2Vec
    out = {}
    sentences = MyCorpus()
    model = Word2Vec(sentences=sentences)
    vec_king = model.wv['king']
    out["first_words"] = [w for i, w in enumerate(model.wv.index_to_key) if i < 10]
    with tempfile.NamedTemporaryFile(prefix='gensim-model-', delete=False) as tmp:
        temporary_filepath = tmp.name
        model.save(temporary_filepath)
        #
        # The model is now safely stored in the filepath.
        # You can copy it to other machines, share it with others, etc.
        #
        # To load a saved model:
        #
        new_model = Word2Vec.load(temporary_filepath)
    out["loaded_same"] = np.array_equal(new_model.wv['king'], vec_king)
    out["min_count"] = len(Word2Vec(sentences, min_count=10).wv)
    out["vector_size"] = Word2Vec(sentences, vector_size=200).wv['king'].shape
    model = Word2Vec(sentences, workers=4)
    out["analogies"] = model.wv.evaluate_word_analogies(datapath('questions-words.txt'))
    out["pairs"] = model.wv.evaluate_word_pairs(datapath('wordsim353.tsv'))
    out["model"] = model
    # online training
    model = Word2Vec.load(temporary_filepath)
    more_sentences = [
        ['Advanced', 'users', 'can', 'load', 'a', 'model',
         'and', 'continue', 'training', 'it', 'with', 'more', 'sentences'],
    ]
    model.build_vocab(more_sentences, update=True)
    out["more"] = model.train(more_sentences, total_examples=model.corpus_count,
                              epochs=model.epochs)
    out["updated_vocab"] = len(model.wv)
    # cleaning up temporary file
    os.remove(temporary_filepath)
    model_with_loss = Word2Vec(sentences, min_count=1, compute_loss=True, hs=0, sg=1, seed=42)
    out["loss"] = model_with_loss.get_latest_training_loss()
    return out


def test_gensims_docstring_example_runs_with_fastw2v(tmp_path):
    (tmp_path / "g").mkdir()
    (tmp_path / "f").mkdir()
    theirs = word2vec_docstring_example(GENSIM, tmp_path / "g")
    ours = word2vec_docstring_example(FASTW2V, tmp_path / "f")
    assert ours["trained"] == theirs["trained"] == (0, 2)  # hello, world: not in the vocabulary
    assert ours["vector"].shape == theirs["vector"].shape == (100,)
    assert [k for k, _ in ours["sims"]] != [] and len(ours["sims"]) == 10
    assert isinstance(ours["wv"].vectors, np.memmap)
    assert np.array_equal(ours["back"].vectors, ours["model"].wv.vectors)
    assert ours["back"].index_to_key == ours["model"].wv.index_to_key


@pytest.fixture(scope="module")
def tutorial():
    return word2vec_tutorial(GENSIM), word2vec_tutorial(FASTW2V)


def test_gensims_tutorial_runs_with_fastw2v(tutorial):
    theirs, ours = tutorial
    assert ours["first_words"] == theirs["first_words"][:10] or \
        set(ours["first_words"]) == set(theirs["first_words"])  # ties of counts: any order
    assert ours["loaded_same"] and theirs["loaded_same"]
    assert ours["min_count"] == theirs["min_count"]  # the same vocabulary
    assert ours["vector_size"] == theirs["vector_size"] == (200,)
    assert ours["updated_vocab"] == theirs["updated_vocab"]
    assert ours["more"][1] == theirs["more"][1] == 13 * 5  # raw words of 5 epochs
    assert ours["loss"] > 0 and theirs["loss"] > 0
    # the result shapes of the evaluations
    score, sections = ours["analogies"]
    assert isinstance(score, float) and sections[-1]["section"] == "Total accuracy"
    assert [s["section"] for s in sections] == [s["section"] for s in theirs["analogies"][1]]
    pearson, spearman, oov = ours["pairs"]
    assert len(pearson) == len(spearman) == 2 and abs(oov - theirs["pairs"][2]) < 1e-9


def test_tutorial_answers_equal_gensims_on_the_same_vectors(tutorial):
    _, ours = tutorial
    f = ours["model"].wv
    g = f.to_gensim()
    for w in f.index_to_key[:200]:
        theirs, mine = g.most_similar(w, topn=10), f.most_similar(w, topn=10)
        assert [k for k, _ in mine] == [k for k, _ in theirs] or \
            [s for _, s in mine] == [s for _, s in theirs], w  # only exact ties may differ
        np.testing.assert_allclose([s for _, s in mine], [s for _, s in theirs], atol=1e-5)
    assert f.doesnt_match("man woman child kitchen".split()) == \
        g.doesnt_match("man woman child kitchen".split())
    assert f.similarity("fire", "firefighters") == g.similarity("fire", "firefighters")
    assert f.evaluate_word_analogies(datapath("questions-words.txt")) == \
        g.evaluate_word_analogies(datapath("questions-words.txt"))
    (gp, gs, go), (fp, fs, fo) = (g.evaluate_word_pairs(datapath("wordsim353.tsv")),
                                  f.evaluate_word_pairs(datapath("wordsim353.tsv")))
    assert abs(fp[0] - gp[0]) < 1e-5 and abs(fs[0] - gs[0]) < 1e-5 and abs(fo - go) < 1e-9


def test_the_vocabulary_is_gensims():
    sentences = list(MyCorpus())
    for kw in (dict(min_count=5), dict(min_count=1, max_final_vocab=500),
               dict(min_count=3, max_final_vocab=100000)):
        # (not max_vocab_size: gensim prunes after every sentence batch, fastw2v and word2vec.c
        # in their own blocks, so counts near the pruning threshold differ)
        g = gensim.models.Word2Vec(vector_size=10, **kw)
        g.build_vocab(sentences)
        f = Word2Vec(vector_size=10, **kw)
        f.build_vocab(sentences)
        gcounts = {w: int(g.wv.get_vecattr(w, "count")) for w in g.wv.index_to_key}
        fcounts = {w: int(f.wv.get_vecattr(w, "count")) for w in f.wv.index_to_key}
        assert fcounts == gcounts, kw
        assert (f.corpus_count, f.corpus_total_words) == (g.corpus_count, g.corpus_total_words)
        assert f.effective_min_count == g.effective_min_count
        assert list(f.wv.embeddings.counts) == sorted(fcounts.values(), reverse=True)


def test_every_gensim_keyword_is_accepted_with_gensims_default():
    theirs = inspect.signature(gensim.models.Word2Vec.__init__).parameters
    ours = inspect.signature(Word2Vec.__init__).parameters
    for name, p in theirs.items():
        if name == "self":
            continue
        assert name in ours, name
        assert ours[name].default == p.default or (ours[name].default is p.default), name
    for method in ("train", "build_vocab"):
        theirs = inspect.signature(getattr(gensim.models.Word2Vec, method)).parameters
        ours = inspect.signature(getattr(Word2Vec, method)).parameters
        assert [n for n in theirs if n not in ("self", "kwargs")] == \
            [n for n in ours if n not in ("self", "kwargs")][:len(theirs) - 2], method


@pytest.mark.parametrize("name, value", [("cbow_mean", 0), ("null_word", 1),
                                         ("sorted_vocab", 0), ("shrink_windows", False),
                                         ("trim_rule", lambda word, count, min_count: 1),
                                         ("hashfxn", lambda s: 1)])
def test_unsupported_gensim_options_say_so(name, value):
    assert name in UNSUPPORTED
    with pytest.raises(ValueError, match=rf"^{name}=.*: .*not supported"):
        Word2Vec(common_texts, min_count=1, **{name: value})
    Word2Vec(min_count=1, **{name: inspect.signature(Word2Vec).parameters[name].default})


def test_cbow_mean_is_irrelevant_to_skip_gram_and_negative_must_be_positive():
    Word2Vec(common_texts, min_count=1, sg=1, cbow_mean=0, workers=1)
    with pytest.raises(ValueError, match=r"^hs=0 and negative=0 train nothing: set hs=1"):
        Word2Vec(common_texts, min_count=1, negative=0)
    with pytest.raises(ValueError, match=r"^hs=0 and negative=0 train nothing"):
        Word2Vec(hs=False, negative=0)
    with pytest.raises(ValueError, match=r"negative must be an integer in \[0, 1000\], got -1"):
        Word2Vec(hs=1, negative=-1)
    with pytest.raises(ValueError, match=r"max_final_vocab must be None or an integer >= 1"):
        Word2Vec(max_final_vocab=0)


# ------------------------------------------------------------------------------------------- #
# the three steps, continued training, update
# ------------------------------------------------------------------------------------------- #
SETTINGS = dict(vector_size=16, window=3, min_count=2, workers=1, seed=5, epochs=3)


def _sentences():
    return [gensim_utils.simple_preprocess(line) for line in open(datapath("lee_background.cor"))]


@pytest.mark.parametrize("sg", [0, 1])
def test_three_steps_equal_one(sg):
    sents = _sentences()
    one = Word2Vec(sents, sg=sg, **SETTINGS)
    three = Word2Vec(sg=sg, **SETTINGS)
    three.build_vocab(sents)
    before = three.wv.vectors.copy()
    result = three.train(sents, total_examples=three.corpus_count, epochs=three.epochs)
    assert not np.array_equal(before, three.wv.vectors)
    assert one.wv.vectors.tobytes() == three.wv.vectors.tobytes()
    assert one.syn1neg.tobytes() == three.syn1neg.tobytes()
    assert result[1] == three.corpus_total_words * 3 and 0 < result[0] < result[1]


@pytest.mark.parametrize("sg", [0, 1])
def test_word2vec_trains_what_fastw2v_train_trains(tmp_path, sg):
    """The same engine: with one worker and the same seed the vectors are identical, from
    sentences in memory and from the file (Word2Vec keeps gensim's alpha 0.025 for CBOW too;
    fastw2v.train's CBOW default is word2vec.c's 0.05, so it is given here)."""
    text = FIXTURE.read_text(encoding="utf-8")
    sents = [fastw2v.corpus.reader.tokenize(line) for line in text.split("\n")]
    ref = fastw2v.train(FIXTURE, dim=16, window=3, min_count=2, epochs=3, sg=bool(sg),
                        workers=1, seed=5, use_cache=False, progress=False, alpha=0.025)
    for model in (Word2Vec(sents, sg=sg, **SETTINGS),
                  Word2Vec(corpus_file=str(FIXTURE), sg=sg, **SETTINGS)):
        assert model.wv.index_to_key == ref.words
        assert model.wv.vectors.tobytes() == ref.vectors.tobytes()


def test_save_load_train_more_is_lossless(tmp_path):
    sents = _sentences()
    a = Word2Vec(sents, **SETTINGS)
    path = tmp_path / "m.model"
    a.save(path)
    b = Word2Vec.load(path)
    assert b.wv.index_to_key == a.wv.index_to_key
    assert b.wv.vectors.tobytes() == a.wv.vectors.tobytes()
    assert b.syn1neg.tobytes() == a.syn1neg.tobytes()
    assert (b.corpus_count, b.epochs, b.train_count, b.window, b.vector_size) == \
        (a.corpus_count, a.epochs, a.train_count, a.window, a.vector_size)
    before = b.wv.vectors.copy()
    for m in (a, b):
        m.train(sents[:100], total_examples=100, epochs=2)
    assert a.wv.vectors.tobytes() == b.wv.vectors.tobytes()  # the same continuation
    assert not np.array_equal(before, b.wv.vectors)
    mapped = Word2Vec.load(path, mmap="r")
    mapped.train(sents[:100], total_examples=100, epochs=1)  # read-only weights: trains copies
    assert fastw2v.KeyedVectors.load(path).index_to_key == a.wv.index_to_key
    assert fastw2v.Embeddings.load(path).words == a.wv.index_to_key


def test_a_second_train_call_draws_new_random_numbers():
    sents = _sentences()[:80]
    m = Word2Vec(sents, **dict(SETTINGS, epochs=1))
    first = m.wv.vectors.copy()
    m2 = Word2Vec(sents, **dict(SETTINGS, epochs=1))
    m2.train(sents, total_examples=80, epochs=1)
    m.train(sents, total_examples=80, epochs=1)
    assert m.wv.vectors.tobytes() == m2.wv.vectors.tobytes()  # deterministic
    assert not np.array_equal(first, m.wv.vectors)


def test_build_vocab_update_keeps_vectors_and_appends_new_words():
    sents = _sentences()
    m = Word2Vec(sents, **SETTINGS)
    old_words = list(m.wv.index_to_key)
    old_vectors, old_syn1 = m.wv.vectors.copy(), m.syn1neg.copy()
    old_count = m.wv.get_vecattr("the", "count")
    more = [["the", "zebra", "quagga", "zebra"], ["zebra", "quagga", "okapi"]]
    m.build_vocab(more, update=True)
    assert m.wv.index_to_key[:len(old_words)] == old_words
    assert m.wv.index_to_key[len(old_words):] == ["zebra", "quagga"]  # okapi: 1 < min_count
    assert m.wv.get_vecattr("the", "count") == old_count + 1
    assert m.wv.get_vecattr("zebra", "count") == 3
    n = len(old_words)
    assert np.array_equal(m.wv.vectors[:n], old_vectors)
    assert np.array_equal(m.syn1neg[:n], old_syn1) and not m.syn1neg[n:].any()
    fresh = np.abs(m.wv.vectors[n:])
    assert fresh.max() <= 0.5 / SETTINGS["vector_size"] and fresh.min() > 0  # word2vec.c init
    assert (m.corpus_count, m.corpus_total_words) == (2, 7)
    zebra = m.wv["zebra"].copy()
    m.train(more, total_examples=m.corpus_count, epochs=m.epochs)
    assert not np.array_equal(zebra, m.wv["zebra"])
    with pytest.raises(RuntimeError, match="never built"):
        Word2Vec().build_vocab(more, update=True)


def test_learning_rate_schedule_per_train_call():
    sents = _sentences()[:100]
    m = Word2Vec(sents, **dict(SETTINGS, epochs=1))
    m.train(sents, total_examples=100, epochs=4, start_alpha=0.05, end_alpha=0.01)
    alphas = [e["alpha"] for e in m.stats["epochs"]]  # at the end of each epoch of this call
    np.testing.assert_allclose(alphas, [0.04, 0.03, 0.02, 0.01], atol=2e-4)
    m.train(sents, total_examples=100, epochs=2)  # defaults: alpha -> min_alpha again
    np.testing.assert_allclose([e["alpha"] for e in m.stats["epochs"]],
                               [(0.025 + 0.0001) / 2, 0.0001], atol=2e-4)


class Recorder(GensimCallback):
    """A gensim callback class, as gensim users write them."""

    def __init__(self):
        self.calls = []
        self.vectors = []
        self.losses = []

    def on_train_begin(self, model):
        self.calls.append("train_begin")

    def on_epoch_begin(self, model):
        self.calls.append("epoch_begin")

    def on_epoch_end(self, model):
        self.calls.append("epoch_end")
        self.vectors.append(model.wv["the"].copy())
        self.losses.append(model.get_latest_training_loss())

    def on_train_end(self, model):
        self.calls.append("train_end")


def test_callbacks_see_the_model_after_each_epoch(tmp_path):
    rec = Recorder()
    saver = type("Saver", (CallbackAny2Vec,), {
        "on_epoch_end": lambda self, model: model.save(tmp_path / "epoch.model")})()
    m = Word2Vec(_sentences(), callbacks=[rec, saver], compute_loss=True, **SETTINGS)
    assert rec.calls == ["train_begin"] + ["epoch_begin", "epoch_end"] * 3 + ["train_end"]
    assert not np.array_equal(rec.vectors[0], rec.vectors[1])
    assert np.array_equal(rec.vectors[-1], m.wv["the"])
    assert 0 < rec.losses[0] < rec.losses[1] < rec.losses[2]  # cumulative in the call
    assert m.get_latest_training_loss() == rec.losses[-1]
    assert np.array_equal(Word2Vec.load(tmp_path / "epoch.model").wv["the"], m.wv["the"])
    assert Word2Vec(_sentences(), **SETTINGS).get_latest_training_loss() == 0.0


# ------------------------------------------------------------------------------------------- #
# sentences: generators, streams, errors
# ------------------------------------------------------------------------------------------- #
def test_generators_are_read_once_and_buffered():
    sents = _sentences()
    ref = Word2Vec(sents, **SETTINGS)
    once = Word2Vec((s for s in sents), **SETTINGS)
    assert once.wv.vectors.tobytes() == ref.wv.vectors.tobytes()
    m = Word2Vec(**SETTINGS)
    gen = (s for s in sents)
    m.build_vocab(gen)
    m.train(gen, total_examples=m.corpus_count, epochs=m.epochs)  # the stream build_vocab wrote
    assert m.wv.vectors.tobytes() == ref.wv.vectors.tobytes()
    with pytest.raises(CorpusError, match="a generator or iterator can be read only once"):
        m.train(gen, total_examples=m.corpus_count, epochs=1)


def test_a_list_changed_after_build_vocab_is_read_again():
    sents = _sentences()[:50]
    m = Word2Vec(**SETTINGS)
    m.build_vocab(sents)
    sents.extend(_sentences()[50:100])
    words, raw = m.train(sents, total_examples=100, epochs=1)
    assert raw == sum(map(len, sents))


def test_train_before_build_vocab_and_other_misuse():
    with pytest.raises(RuntimeError, match="you must first build vocabulary"):
        Word2Vec().train(common_texts, total_examples=9, epochs=1)
    with pytest.raises(TypeError, match="either corpus_iterable .* or corpus_file"):
        Word2Vec(min_count=1).build_vocab()
    with pytest.raises(TypeError, match="sentence #0 is a str"):
        Word2Vec(["a b c"], min_count=1)
    with pytest.raises(CorpusError, match=r"no word in the corpus occurs at least 5 times \(min_count\)"):
        Word2Vec(common_texts)
    with pytest.raises(TypeError, match="unexpected keyword argument 'totl_examples'"):
        Word2Vec(common_texts, min_count=1).train(common_texts, totl_examples=9)


def test_load_refuses_vectors_without_a_model(tmp_path):
    m = Word2Vec(common_texts, min_count=1, workers=1)
    m.wv.save(tmp_path / "only.kv")
    with pytest.raises(ModelFormatError, match=r"only\.kv holds word vectors without a "
                                               r"Word2Vec model's output weights"):
        Word2Vec.load(tmp_path / "only.kv")


# ------------------------------------------------------------------------------------------- #
# gensim models
# ------------------------------------------------------------------------------------------- #
def test_from_gensim_continues_and_predicts_as_gensim():
    sents = _sentences()
    g = gensim.models.Word2Vec(sents, vector_size=16, min_count=2, workers=1, seed=3)
    f = Word2Vec.from_gensim(g)
    assert f.wv.index_to_key == g.wv.index_to_key
    assert np.array_equal(f.syn1neg, g.syn1neg) and np.array_equal(f.wv.vectors, g.wv.vectors)
    for context in (["the", "president"], ["fire", "sydney", "zzz"]):
        theirs, ours = g.predict_output_word(context, topn=5), f.predict_output_word(context,
                                                                                   topn=5)
        assert [w for w, _ in ours] == [w for w, _ in theirs]
        np.testing.assert_allclose([p for _, p in ours], [p for _, p in theirs], rtol=1e-5)
    assert f.predict_output_word(["zzz"]) is None and g.predict_output_word(["zzz"]) is None
    f.train(sents[:50], total_examples=50, epochs=1)


# ------------------------------------------------------------------------------------------- #
# quality: sentences in memory against the file, on real text
# ------------------------------------------------------------------------------------------- #
def _wiki_cut(data_dir, n_bytes):
    """The first ``n_bytes`` of wiki100m cut into 1,000-word sentences."""
    with gzip.open(data_dir / "wiki100m.txt.gz", "rt") as fh:
        toks = fh.read(n_bytes).split()[:-1]
    return [toks[i:i + 1000] for i in range(0, len(toks), 1000)]


def _write_sentences(path, sents):
    path.write_text("".join(" ".join(s) + "\n" for s in sents))
    return path


@pytest.mark.slow
@pytest.mark.parametrize("sg", [1, 0])
def test_sentences_and_the_file_give_identical_vectors_on_real_text(data_dir, tmp_path, sg):
    """2 MB of wiki100m: Word2Vec(sentences) and fastw2v.train(path) with one worker and the same
    seed give bit-identical vectors (the same vocabulary, token stream, kernels, RNG)."""
    sents = _wiki_cut(data_dir, 2_000_000)
    path = _write_sentences(tmp_path / "cut.txt", sents)
    settings = dict(sg=sg, window=5, negative=5, sample=1e-3, min_count=5, epochs=1, seed=1)
    ref = fastw2v.train(path, dim=50, workers=1, use_cache=False, progress=False, alpha=0.025,
                        **settings)
    model = Word2Vec(sents, vector_size=50, workers=1, **settings)
    assert model.wv.index_to_key == ref.words
    assert model.wv.vectors.tobytes() == ref.vectors.tobytes()


@pytest.mark.slow
def test_quality_of_sentences_equals_the_file(data_dir, tmp_path):
    """6 MB of wiki100m, skip-gram, 5 epochs, two Hogwild workers: Word2Vec(sentences) scores as
    fastw2v.train(path) on analogies (30k most frequent words) and WordSim-353, within the
    run-to-run noise of Hogwild training."""
    sents = _wiki_cut(data_dir, 6_000_000)
    path = _write_sentences(tmp_path / "cut.txt", sents)
    settings = dict(sg=1, window=5, negative=5, sample=1e-3, min_count=5, epochs=5, seed=1)
    from_file = fastw2v.train(path, dim=100, workers=2, use_cache=False, progress=False,
                              **settings)
    model = Word2Vec(sents, vector_size=100, workers=2, **settings)
    q, p = data_dir / "eval" / "questions-words.txt", data_dir / "eval" / "wordsim353.tsv"
    a_file, a_sent = (evaluate_analogies(e, q).accuracy for e in (from_file, model.wv.embeddings))
    s_file, s_sent = (evaluate_word_pairs(e, p).spearman
                      for e in (from_file, model.wv.embeddings))
    print(f"analogies {a_file:.4f} / {a_sent:.4f}, WordSim-353 {s_file:.4f} / {s_sent:.4f}")
    assert a_file > 0.02 and s_file > 0.25  # trained, not random
    assert abs(a_file - a_sent) < 0.015 and abs(s_file - s_sent) < 0.05


# ------------------------------------------------------------------------------------------- #
# hierarchical softmax (hs=1)
# ------------------------------------------------------------------------------------------- #
HS_TOPICS = [["cat", "dog", "horse", "cow", "sheep", "goat"],
             ["car", "bus", "train", "truck", "bike", "tram"],
             ["red", "green", "blue", "yellow", "black", "white"]]


def _topic_sentences(n=600, seed=0):
    """Sentences of 8 words, each from one topic: words of a topic share every context."""
    rng = np.random.default_rng(seed)
    return [[str(w) for w in rng.choice(HS_TOPICS[i % 3], 8)] for i in range(n)]


def _topic_margin(wv):
    """Mean cosine similarity within the topics minus across them."""
    same, other = [], []
    for i, a in enumerate(sum(HS_TOPICS, [])):
        for j, b in enumerate(sum(HS_TOPICS, [])):
            if i < j:
                (same if i // 6 == j // 6 else other).append(wv.similarity(a, b))
    return float(np.mean(same) - np.mean(other))


HS_SETTINGS = dict(vector_size=16, window=3, min_count=1, sample=0, workers=1, seed=2, epochs=5)


@pytest.mark.parametrize("negative", [0, 5])
@pytest.mark.parametrize("sg", [0, 1])
def test_hs_trains_to_gensims_similarity_structure(negative, sg):
    sents = _topic_sentences()
    ours = Word2Vec(sents, hs=1, negative=negative, sg=sg, **HS_SETTINGS)
    theirs = gensim.models.Word2Vec(sents, hs=1, negative=negative, sg=sg, **HS_SETTINGS)
    assert ours.hs == theirs.hs == 1 and ours.syn1.shape == theirs.syn1.shape == (18, 16)
    assert not ours.syn1[-1].any() and ours.syn1[:-1].any()  # the last row is no inner node
    assert ours.syn1neg.shape == (18, 16) and bool(ours.syn1neg.any()) == (negative > 0)
    assert hasattr(theirs, "syn1neg") == (negative > 0)
    margin, gensim_margin = _topic_margin(ours.wv), _topic_margin(theirs.wv)
    print(f"topic margin: fastw2v {margin:.3f}, gensim {gensim_margin:.3f}")
    assert margin > 0.5 and margin > gensim_margin - 0.15
    for word in ("cat", "car", "red"):  # the nearest words are of the same topic
        topic = next(t for t in HS_TOPICS if word in t)
        assert {w for w, _ in ours.wv.most_similar(word, topn=5)} == set(topic) - {word}


def test_hs_trains_what_fastw2v_train_trains_and_only_hs_has_syn1():
    text = FIXTURE.read_text(encoding="utf-8")
    sents = [fastw2v.corpus.reader.tokenize(line) for line in text.split("\n")]
    ref = fastw2v.train(FIXTURE, dim=16, window=3, min_count=2, epochs=3, sg=False, hs=True,
                        negative=0, workers=1, seed=5, use_cache=False, progress=False,
                        alpha=0.025)
    model = Word2Vec(sents, hs=1, negative=0, **SETTINGS)
    assert model.wv.vectors.tobytes() == ref.vectors.tobytes()
    assert not hasattr(Word2Vec(sents, **SETTINGS), "syn1")
    assert not hasattr(gensim.models.Word2Vec(common_texts, min_count=1), "syn1")


@pytest.mark.parametrize("negative", [0, 5])
def test_hs_save_load_train_more_is_lossless(tmp_path, negative):
    sents = _sentences()
    a = Word2Vec(sents, hs=1, negative=negative, **SETTINGS)
    a.save(tmp_path / "hs.model")
    b = Word2Vec.load(tmp_path / "hs.model")
    mapped = Word2Vec.load(tmp_path / "hs.model", mmap="r")
    for m in (b, mapped):
        assert (m.hs, m.negative) == (1, negative)
        for name in ("syn1", "syn1neg"):
            assert getattr(m, name).tobytes() == getattr(a, name).tobytes(), name
        assert m.wv.vectors.tobytes() == a.wv.vectors.tobytes()
    inner = a.syn1.copy()
    for m in (a, b, mapped):
        m.train(sents[:100], total_examples=100, epochs=2)
    assert not np.array_equal(inner, a.syn1)  # trained on from where they were
    for m in (b, mapped):
        for name in ("syn1", "syn1neg"):
            assert getattr(m, name).tobytes() == getattr(a, name).tobytes(), name
        assert m.wv.vectors.tobytes() == a.wv.vectors.tobytes()


def test_hs_continued_training_starts_from_the_inner_nodes():
    sents = _sentences()[:100]
    m = Word2Vec(sents, hs=1, negative=0, **SETTINGS)
    fresh = Word2Vec(sents, hs=1, negative=0, **SETTINGS)
    fresh.syn1[:] = 0  # the same input vectors, the inner nodes forgotten
    m.train(sents, total_examples=100, epochs=1)
    fresh.train(sents, total_examples=100, epochs=1)
    assert not np.array_equal(m.wv.vectors, fresh.wv.vectors)


def test_hs_errors(tmp_path):
    m = Word2Vec(common_texts, hs=1, negative=0, min_count=1, workers=1)
    with pytest.raises(RuntimeError, match=r"predict_output_word needs the output word vectors "
                                           r"of negative sampling \(negative > 0\)"):
        m.predict_output_word(["human", "interface"])
    g = gensim.models.Word2Vec(common_texts, hs=1, negative=0, min_count=1, workers=1)
    with pytest.raises(RuntimeError, match=r"only implemented predict_output_word for the "
                                           r"negative sampling scheme"):
        g.predict_output_word(["human", "interface"])
    assert Word2Vec(common_texts, hs=1, negative=5, min_count=1,
                    workers=1).predict_output_word(["human"], topn=3)
    # a file declaring hs=1 without its inner-node vectors
    m.save(tmp_path / "ok.model")
    saved = fastw2v.vectors.native.load_native(tmp_path / "ok.model")
    assert saved.inner_vectors.shape == (len(m.wv) - 1, m.vector_size)
    fastw2v.vectors.native.save_native(
        tmp_path / "bad.model", saved.vectors, saved.words, counts=saved.counts,
        output_vectors=saved.output_vectors, extra=saved.extra, single_file=True)
    with pytest.raises(ModelFormatError, match=r"bad\.model: a hierarchical-softmax model "
                                               r"\(hs=1\) needs its inner-node vectors"):
        Word2Vec.load(tmp_path / "bad.model")
    with pytest.raises(ValueError, match=r"inner-node vectors have shape \(12, 100\), expected "
                                         r"\(11, 100\)"):
        fastw2v.vectors.native.save_native(tmp_path / "x", saved.vectors, saved.words,
                                           inner_vectors=np.zeros((12, 100), np.float32))
    fastw2v.vectors.native.save_native(tmp_path / "dir", saved.vectors, saved.words,
                                       inner_vectors=saved.inner_vectors)
    np.save(tmp_path / "dir" / "syn1hs.npy", np.zeros((12, 100), np.float32))
    with pytest.raises(ModelFormatError, match=r"syn1hs\.npy has shape \(12, 100\) but "
                                               r"\(11, 100\) is expected"):
        fastw2v.vectors.native.load_native(tmp_path / "dir")
    os.remove(tmp_path / "dir" / "syn1hs.npy")
    with pytest.raises(ModelFormatError, match=r"missing syn1hs\.npy, which config\.json "
                                               r"declares"):
        fastw2v.vectors.native.load_native(tmp_path / "dir")


def _carried_reference(old_paths, old_inner, new_paths):
    """Slow reference of compat.hstree.carry_inner_vectors from per-word (codes, points) lists:
    a new inner node takes the vector of the old node over the same subtree (children unordered,
    compared recursively), negated when its code-0 child is the old node's code-1 child."""
    def canon_of(paths):
        kids = {}
        for w, (codes, points) in enumerate(paths):
            below = [("node", int(p)) for p in points[1:]] + [("leaf", w)]
            for c, p, b in zip(codes, points, below):
                kids.setdefault(int(p), {})[int(c)] = b
        memo = {}

        def canon(x):
            if x[0] == "leaf":
                return x
            if x not in memo:
                memo[x] = frozenset(canon(k) for k in kids[x[1]].values())
            return memo[x]
        return {p: (canon(("node", p)), canon(k[0])) for p, k in kids.items()}
    old = {c: (p, first) for p, (c, first) in canon_of(old_paths).items()}
    out = np.zeros((len(new_paths) - 1, old_inner.shape[1]), np.float32)
    for p, (c, first) in canon_of(new_paths).items():
        if c in old:
            q, old_first = old[c]
            out[p] = old_inner[q] if first == old_first else -old_inner[q]
    return out


def _paths(tree):
    o = tree.offsets
    return [(tree.codes[o[w]:o[w + 1]], tree.points[o[w]:o[w + 1]]) for w in range(len(o) - 1)]


def test_carry_inner_vectors_matches_the_reference():
    from fastw2v.compat.hstree import carry_inner_vectors
    from fastw2v.kernels.huffman import huffman_codes
    rng = np.random.default_rng(7)
    for trial in range(30):
        counts = np.sort(rng.integers(1, 40, rng.integers(2, 30)))[::-1]
        new = np.concatenate([counts + rng.integers(0, 3, len(counts)) * (rng.random(len(counts))
                                                                          < 0.2),
                              rng.integers(1, 40, rng.integers(0, 4))])
        old_tree, new_tree = huffman_codes(counts), huffman_codes(new)
        inner = rng.standard_normal((len(counts) - 1, 3)).astype(np.float32)
        got, carried = carry_inner_vectors(old_tree, inner, new_tree)
        want = _carried_reference(_paths(old_tree), inner, _paths(new_tree))
        assert np.array_equal(got, want), trial
        assert carried == int(np.count_nonzero(want.any(axis=1)))
    same, carried = carry_inner_vectors(old_tree, inner, old_tree)
    assert np.array_equal(same, inner) and carried == len(inner)


def test_hs_build_vocab_update_rebuilds_the_tree():
    from fastw2v.kernels.huffman import huffman_codes
    m = Word2Vec(_sentences(), hs=1, negative=0, **SETTINGS)
    n, old_inner = len(m.wv), m.syn1[:-1].copy()
    old_tree = huffman_codes(m.wv.embeddings.counts)
    more = [["the", "zebra", "quagga", "zebra"], ["zebra", "quagga", "okapi"]] * 3
    m.build_vocab(more, update=True)
    assert m.syn1.shape == (n + 3, 16) and not m.syn1[-1].any()
    want = _carried_reference(_paths(old_tree), old_inner,
                              _paths(huffman_codes(m.wv.embeddings.counts)))
    assert np.array_equal(m.syn1[:-1], want)
    kept = int(np.count_nonzero(want.any(axis=1)))
    assert 0 < kept < n - 1  # new words re-pair the rare ones; the other subtrees stay
    m.train(more, total_examples=m.corpus_count, epochs=1)
    assert not np.array_equal(m.syn1[:-1], want)


@pytest.mark.parametrize("negative", [0, 5])
def test_from_gensim_with_hs_carries_its_inner_nodes(negative):
    g = gensim.models.Word2Vec(_sentences()[:150], hs=1, negative=negative, vector_size=8,
                               min_count=2, workers=1, seed=3)
    f = Word2Vec.from_gensim(g)
    n = len(g.wv)
    assert (f.hs, f.negative) == (1, negative) and f.syn1.shape == g.syn1.shape == (n, 8)
    theirs = [(g.wv.get_vecattr(i, "code"), g.wv.get_vecattr(i, "point")) for i in range(n)]
    from fastw2v.kernels.huffman import huffman_codes
    want = _carried_reference(theirs, g.syn1[:-1], _paths(huffman_codes(f.wv.embeddings.counts)))
    assert np.array_equal(f.syn1[:-1], want) and want.any()
    assert np.array_equal(f.syn1neg, g.syn1neg if negative else np.zeros_like(g.wv.vectors))
    f.train(_sentences()[:50], total_examples=50, epochs=1)


def test_hs_callbacks_see_the_inner_nodes_of_each_epoch(tmp_path):
    seen = []
    saver = type("Saver", (CallbackAny2Vec,), {"on_epoch_end": lambda self, model: (
        seen.append(model.syn1.copy()), model.save(tmp_path / "epoch.model"))})()
    m = Word2Vec(_sentences()[:100], hs=1, negative=0, callbacks=[saver], **SETTINGS)
    assert len(seen) == 3 and not np.array_equal(seen[0], seen[1])
    assert np.array_equal(seen[-1], m.syn1)
    assert np.array_equal(Word2Vec.load(tmp_path / "epoch.model").syn1, m.syn1)
