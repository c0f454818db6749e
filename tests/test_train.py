"""End-to-end training through the public API on small generated corpora."""
from __future__ import annotations

import numpy as np
import pytest

import fastw2v
from fastw2v.training import trainer as trainer_module
from fastw2v.config import TrainConfig
from fastw2v.errors import CorpusError
from fastw2v.kernels import tables
from fastw2v.training.trainer import Trainer, TrainingDiverged

GROUPS = {
    "animal": ["cat", "dog", "mouse", "horse"],
    "vehicle": ["car", "truck", "bus", "train"],
    "food": ["bread", "apple", "cheese", "soup"],
}
FRAMES = {
    "animal": ["the {} eats and sleeps", "a {} runs in the garden", "my {} barks or purrs loudly",
               "feed the hungry {} today"],
    "vehicle": ["the {} drives on the road", "park the {} in the garage",
                "a fast {} needs fuel", "repair the broken {} engine"],
    "food": ["we cook {} for dinner", "a tasty {} on the plate", "buy fresh {} at the market",
             "eat the warm {} slowly"],
}


def write_topic_corpus(path, n_sentences=3000, seed=0):
    """Sentences where words of one group share all their contexts."""
    rng = np.random.default_rng(seed)
    topics = list(GROUPS)
    with open(path, "w") as fh:
        for _ in range(n_sentences):
            topic = topics[rng.integers(len(topics))]
            frame = FRAMES[topic][rng.integers(len(FRAMES[topic]))]
            word = GROUPS[topic][rng.integers(len(GROUPS[topic]))]
            fh.write(frame.format(word) + "\n")
    return path


SMALL = dict(dim=24, window=3, negative=5, sample=0.0, min_count=1, epochs=5, alpha=0.025,
             seed=7, progress=False)


@pytest.fixture(scope="module")
def topic_corpus(tmp_path_factory):
    return write_topic_corpus(tmp_path_factory.mktemp("corpus") / "topics.txt")


KERNELS = [pytest.param(dict(sg=True, shared_negatives=True), id="skipgram-shared"),
           pytest.param(dict(sg=True, shared_negatives=False), id="skipgram-exact"),
           pytest.param(dict(sg=False), id="cbow")]


@pytest.mark.parametrize("kernel", KERNELS)
def test_words_sharing_contexts_become_neighbours(topic_corpus, kernel):
    emb = fastw2v.train(topic_corpus, workers=1, **kernel, **SMALL)
    for group in GROUPS.values():
        for word in group:
            top3 = [w for w, _ in emb.most_similar(word, topn=3)]
            assert set(top3) <= set(group) - {word}, (word, top3)


@pytest.mark.parametrize("kernel", KERNELS)
def test_one_worker_fixed_seed_is_bit_for_bit_reproducible(topic_corpus, kernel):
    a = fastw2v.train(topic_corpus, workers=1, **kernel, **SMALL)
    b = fastw2v.train(topic_corpus, workers=1, **kernel, **SMALL)
    assert a.words == b.words
    assert np.array_equal(a.vectors, b.vectors)
    c = fastw2v.train(topic_corpus, workers=1, **kernel, **{**SMALL, "seed": 8})
    assert not np.array_equal(a.vectors, c.vectors)


def test_two_workers_train_and_count_every_word(topic_corpus):
    """Two Hogwild workers count every word once per epoch and learn the groups: each of the 12
    group words has its 3 group mates as its 3 nearest neighbours among the 51 other words (a
    random model gets one word right with probability 1/20,825; it passed the old check, "the
    nearest neighbour of cat is an animal", 6% of the time). Passed for 30 of 30 seeds."""
    emb = fastw2v.train(topic_corpus, workers=2, **SMALL)
    stats = emb.stats
    n_tokens = sum(len(line.split()) for line in open(topic_corpus))
    assert stats["words"] == n_tokens * SMALL["epochs"]
    assert stats["raw_words"] == n_tokens * SMALL["epochs"]
    assert np.isfinite(emb.vectors).all()
    for group in GROUPS.values():
        for word in group:
            top3 = {w for w, _ in emb.most_similar(word, topn=3)}
            assert top3 == set(group) - {word}, (word, top3)


@pytest.mark.parametrize("ns_exponent", [0.0, 0.5, 0.75, 1.0])
def test_negatives_are_drawn_with_probability_count_to_the_ns_exponent(monkeypatch, ns_exponent):
    """The negative-sampling table a Trainer builds (seen as it is built) draws word w with
    probability count(w) ** ns_exponent / sum, for each exponent (exact distribution)."""
    built = []
    real = tables.alias_table

    def recording(weights):
        built.append(real(weights))
        return built[-1]

    monkeypatch.setattr(tables, "alias_table", recording)
    counts = np.array([1000, 500, 300, 120, 80, 50, 20, 10, 5, 1], dtype=np.int64)
    Trainer(TrainConfig(dim=4, workers=1, min_count=1, ns_exponent=ns_exponent),
            np.arange(10, dtype=np.int32), counts)
    assert len(built) == 1
    want = counts.astype(np.float64) ** ns_exponent
    np.testing.assert_allclose(tables.alias_probabilities(*built[0]), want / want.sum(),
                               atol=1e-9)


def test_loss_decreases_over_epochs(topic_corpus):
    emb = fastw2v.train(topic_corpus, workers=1, **{**SMALL, "epochs": 4})
    losses = [e["loss"] for e in emb.stats["epochs"]]
    assert len(losses) == 4
    assert losses[-1] < losses[0]


def test_subsampling_and_learning_rate_reach_min_alpha(topic_corpus):
    emb = fastw2v.train(topic_corpus, workers=1, **{**SMALL, "sample": 1e-3})
    last = emb.stats["epochs"][-1]
    assert last["alpha"] == pytest.approx(SMALL.get("min_alpha", 0.0001))
    assert 0 < last["words_kept"] < last["words"]


def test_result_carries_config_and_counts(topic_corpus):
    emb = fastw2v.train(topic_corpus, workers=1, **SMALL)
    assert isinstance(emb.config, TrainConfig)
    assert emb.config.dim == SMALL["dim"] and emb.vectors.shape[1] == SMALL["dim"]
    assert emb.vectors.dtype == np.float32
    assert emb.words[0] == "the"  # most frequent word first


@pytest.mark.parametrize("name,value", [("dim", 0), ("window", -1), ("negative", 0),
                                        ("epochs", 0), ("sample", -1.0), ("alpha", 0.0),
                                        ("min_alpha", 1.0), ("workers", 0), ("min_count", 0)])
def test_invalid_parameters_name_the_parameter(topic_corpus, name, value):
    with pytest.raises(ValueError, match=name):
        fastw2v.train(topic_corpus, **{**SMALL, name: value})


def test_no_word_reaching_min_count(tmp_path):
    p = tmp_path / "rare.txt"
    p.write_text("a b c d e f\n")
    with pytest.raises(CorpusError, match="min_count"):
        fastw2v.train(p, **{**SMALL, "min_count": 2})


def test_divergence_is_reported_not_returned(topic_corpus):
    with pytest.raises(TrainingDiverged, match="alpha"):
        fastw2v.train(topic_corpus, workers=1, **{**SMALL, "alpha": 10.0, "min_alpha": 10.0,
                                                   "epochs": 3})


@pytest.mark.parametrize("shared", [False, True])
def test_worker_exception_is_reraised_on_main_thread(monkeypatch, shared):
    tokens = np.array([0, 1, 2, 1, 0, -1] * 50, dtype=np.int32)
    cfg = TrainConfig(dim=8, workers=2, epochs=1, min_count=1, sample=0.0,
                      shared_negatives=shared)
    tr = Trainer(cfg, tokens, np.array([100, 100, 100], dtype=np.int64))

    def boom(*args):
        raise RuntimeError("kernel exploded")

    monkeypatch.setattr(trainer_module, "train_shard", boom)
    with pytest.raises(RuntimeError, match="kernel exploded"):
        tr.run(progress=False)


def test_sentence_markers_are_counted_in_bounded_chunks(monkeypatch):
    monkeypatch.setattr(trainer_module, "_COUNT_CHUNK", 3)
    tokens = np.array([0, 1, -1, 2, 2, 2, -1, 1, -1, 0, 0], dtype=np.int32)
    tr = Trainer(TrainConfig(dim=4, workers=1, epochs=2, min_count=1), tokens,
                 np.array([5, 5, 5], dtype=np.int64))
    assert tr.words_per_epoch == 8 and tr.total_words == 16


def test_the_learning_rate_defaults_as_word2vec_c_does():
    """alpha=None is 0.025 for skip-gram and 0.05 for CBOW (word2vec.c), stored resolved; an
    explicit alpha is kept for either model."""
    from fastw2v.config import CBOW_ALPHA, SKIPGRAM_ALPHA, TrainConfig
    assert (SKIPGRAM_ALPHA, CBOW_ALPHA) == (0.025, 0.05)
    assert TrainConfig(sg=True).alpha == 0.025 and TrainConfig(sg=False).alpha == 0.05
    assert TrainConfig(sg=False, alpha=0.025).alpha == 0.025
    assert TrainConfig.from_dict(TrainConfig(sg=False).to_dict()).alpha == 0.05
    with pytest.raises(ValueError, match=r"alpha must be a number in \(0, 10\]"):
        TrainConfig(sg=False, alpha=0)


def test_resume_with_alpha_none_is_no_conflict(tmp_path):
    """alpha=None means "the default for the model", so it never conflicts with a checkpoint's
    (resolved) learning rate."""
    corpus = tmp_path / "c.txt"
    corpus.write_text(" ".join(f"w{i % 40}" for i in range(4000)) + "\n")
    ck = tmp_path / "ck"

    class Stop:
        def on_epoch_end(self, epoch, stats):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt, match="checkpoint written to"):
        fastw2v.train(corpus, sg=False, min_count=1, epochs=2, workers=1, dim=8,
                      checkpoint=ck, callbacks=[Stop()], progress=False, use_cache=False)
    emb = fastw2v.train(corpus, resume=ck, alpha=None, progress=False, use_cache=False)
    assert emb.config.alpha == 0.05 and emb.config.sg is False
