"""Hierarchical softmax: the Huffman tree, the update against the NumPy reference and finite
differences, whole driver runs replayed draw for draw, the evaluation loss, checkpoints, the
configuration rules and learning on real text."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

import fastw2v
import reference as ref
from fastw2v.config import TrainConfig
from fastw2v.errors import ModelFormatError
from fastw2v.kernels import tables
from fastw2v.kernels.blocks import BLOCK_TOKENS, STAT_EXAMPLES, STAT_LOSS
from fastw2v.kernels.driver import MODEL_CBOW_HS, MODEL_SKIPGRAM_HS, model_code, train_shard
from fastw2v.kernels.hs import hs_update
from fastw2v.kernels.huffman import MAX_CODE_LENGTH, huffman_codes
from fastw2v.kernels.state import (allocate_thread_state, as_weights, make_params, make_shared,
                                   make_tables, make_weights, token_stream)
from fastw2v.training import evalloss
from fastw2v.training import trainer as trainer_module
from fastw2v.training.checkpoint import load_checkpoint
from fastw2v.training.trainer import Trainer, TrainingInterrupted

SIG, LOGSIG = tables.sigmoid_tables()


def _paths(tree):
    return [(tree.codes[a:b], tree.points[a:b])
            for a, b in zip(tree.offsets[:-1], tree.offsets[1:])]


# --- the Huffman tree ---------------------------------------------------------------------------
COUNT_CASES = {
    "zipf": (1_000_000 / np.arange(1, 2001)).astype(np.int64),
    "ties": np.array([7, 7, 7, 7, 7, 7, 7, 7, 7]),
    "power_of_two": np.array([1, 1, 1, 1, 1, 1, 1, 1]),
    "skewed": np.array([10**12, 10**6, 1000, 5, 3, 2, 1]),
    "unsorted": np.array([3, 900, 1, 50, 50, 2, 10_000, 7]),
    "two_words": np.array([5, 1]),
    "random": np.random.default_rng(0).integers(1, 10**6, 500),
}


@pytest.mark.parametrize("name", list(COUNT_CASES))
def test_tree_is_an_optimal_prefix_code_within_the_entropy_bound(name):
    counts = COUNT_CASES[name]
    v = len(counts)
    tree = huffman_codes(counts)
    paths = _paths(tree)
    codes = ["".join(map(str, c)) for c, _ in paths]
    lengths = np.array([len(c) for c in codes])
    # a prefix code: in sorted order a code that is a prefix of another is directly before one
    ordered = sorted(codes)
    assert all(not b.startswith(a) for a, b in zip(ordered, ordered[1:]))
    assert len(set(codes)) == v
    # a full binary tree: Kraft's sum is exactly 1
    assert sum(2.0 ** -lengths) == pytest.approx(1.0, abs=1e-12)
    # optimal: the same total cost as Huffman's algorithm with a heap (tests/reference.py) ...
    assert int(np.dot(counts, lengths)) == ref.huffman_cost(counts)
    # ... so the expected code length lies in [H, H + 1) (Shannon)
    p = counts / counts.sum()
    entropy = float(-(p * np.log2(p)).sum())
    expected = float(np.dot(p, lengths))
    assert entropy - 1e-9 <= expected < entropy + 1
    # the points describe one tree: a code prefix always leads to the same inner node, the root
    # (node V-2) comes first, and every inner node 0..V-2 is used
    node_of_prefix = {}
    for code, (_, points) in zip(codes, paths):
        assert points[0] == v - 2 and len(set(points.tolist())) == len(points)
        for k in range(len(code)):
            assert node_of_prefix.setdefault(code[:k], int(points[k])) == points[k]
    assert sorted(node_of_prefix.values()) == list(range(v - 1))
    assert tree.codes.dtype == np.uint8 and tree.points.dtype == np.int32
    assert tree.offsets.dtype == np.int64 and tree.offsets[-1] == lengths.sum()


def test_frequent_words_get_codes_no_longer_than_rare_ones():
    counts = COUNT_CASES["zipf"]
    lengths = np.diff(huffman_codes(counts).offsets)
    assert np.all(np.diff(lengths) >= 0)  # counts descend, so lengths never shrink


def test_one_word_has_an_empty_path():
    tree = huffman_codes(np.array([42]))
    assert tree.offsets.tolist() == [0, 0] and len(tree.codes) == 0 and len(tree.points) == 0


def test_code_length_is_bounded():
    """Fibonacci counts give the deepest Huffman tree for their total: 67 of them need 66 bits,
    so the bound (never reached by a real corpus, see kernels/huffman.py) is enforced."""
    fib = [1, 1]
    while len(fib) < 67:
        fib.append(fib[-1] + fib[-2])
    assert np.diff(huffman_codes(np.array(fib[:60])).offsets).max() == 59
    with pytest.raises(ValueError, match=f"longer than MAX_CODE_LENGTH={MAX_CODE_LENGTH} bits"):
        huffman_codes(np.array(fib))


def test_bad_counts_are_rejected():
    with pytest.raises(ValueError, match="non-empty 1-D"):
        huffman_codes(np.array([], dtype=np.int64))


# --- one update ---------------------------------------------------------------------------------
def _weights(v=12, d=16, seed=0, scale=0.5):
    rng = np.random.default_rng(seed)
    return tuple((rng.standard_normal((v, d)) * scale).astype(np.float32) for _ in range(3))


def test_the_model_is_a_normalised_distribution_over_the_vocabulary():
    """sum_w P(w | h) = 1: the tree's binary decisions form a proper softmax."""
    counts = COUNT_CASES["random"][:40]
    paths = _paths(huffman_codes(counts))
    rng = np.random.default_rng(1)
    h = rng.standard_normal(8)
    nodes = rng.standard_normal((len(counts) - 1, 8))
    total = sum(math.exp(-ref.hs_loss(h, nodes[p], c)) for c, p in paths)
    assert total == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize("alpha", [0.025, 0.5])
def test_hs_update_matches_reference(alpha):
    counts = COUNT_CASES["unsorted"]
    tree = huffman_codes(counts)
    syn0, _, syn1hs = _weights(v=len(counts))
    syn1hs = syn1hs[:len(counts) - 1].copy()
    syn1hs[tree.points[tree.offsets[2]]] *= 40.0  # the root scores beyond MAX_EXP: skipped
    for word in range(len(counts)):
        a, b = tree.offsets[word], tree.offsets[word + 1]
        want_nodes = syn1hs.astype(np.float64)
        h = syn0[3].astype(np.float64)
        want_grad = ref.hs_step(h, want_nodes, tree.codes[a:b], tree.points[a:b], alpha, SIG)
        want_loss = ref.hs_loss(h, syn1hs[tree.points[a:b]].astype(np.float64), tree.codes[a:b])
        nodes, neu1e = syn1hs.copy(), np.zeros(syn0.shape[1], np.float32)
        loss = hs_update(syn0[3].copy(), nodes, tree.codes, tree.points, a, b, np.float32(alpha),
                         SIG, LOGSIG, neu1e)
        np.testing.assert_allclose(nodes, want_nodes, atol=1e-5)
        np.testing.assert_allclose(neu1e, want_grad, atol=1e-5)
        assert loss == pytest.approx(want_loss, rel=2e-3, abs=5e-3)


def test_hs_step_is_minus_alpha_times_finite_difference_gradient():
    """With a very fine sigmoid table, the kernel's step moves h (through neu1e) and every node
    vector on the path by -alpha times the gradient of -log P(w | h), taken by finite
    differences of the reference loss."""
    fine_sig, fine_logsig = tables.sigmoid_tables(1 << 22)
    counts = COUNT_CASES["skewed"]
    tree = huffman_codes(counts)
    word = 5
    a, b = tree.offsets[word], tree.offsets[word + 1]
    codes, points = tree.codes[a:b], tree.points[a:b]
    assert len(points) >= 3
    syn0, _, syn1hs = _weights(v=len(counts), d=8, seed=4, scale=0.4)
    syn1hs = syn1hs[:len(counts) - 1].copy()
    alpha, eps = 2e-2, 1e-6
    h0 = syn0[0].astype(np.float64)
    us = [syn1hs[p].astype(np.float64) for p in points]
    ulp = float(np.spacing(np.float32(np.abs(syn1hs).max())))  # float32 resolution of the nodes

    def fd(k, i):  # dL/dh_i (k < 0) or dL/du_k,i by central differences
        def loss_with(delta):
            h, u = h0.copy(), [x.copy() for x in us]
            (h if k < 0 else u[k])[i] += delta
            return ref.hs_loss(h, u, codes)
        return (loss_with(eps) - loss_with(-eps)) / (2 * eps)

    nodes, neu1e = syn1hs.copy(), np.zeros(8, np.float32)
    hs_update(syn0[0].copy(), nodes, tree.codes, tree.points, a, b, np.float32(alpha), fine_sig,
              fine_logsig, neu1e)
    for i in range(8):
        # h's step uses the node vectors before their update: exactly -alpha * dL/dh
        assert neu1e[i] == pytest.approx(-alpha * fd(-1, i), rel=2e-3, abs=1e-8)
        for k, p in enumerate(points):
            # each node's step uses the original h: exactly -alpha * dL/du
            assert nodes[p, i] - syn1hs[p, i] == pytest.approx(-alpha * fd(k, i), rel=2e-3,
                                                              abs=2 * ulp)


# --- whole drivers against a draw-for-draw replay ------------------------------------------------
def _run_hs_driver(sg, tokens, syn0, syn1, syn1hs, counts, *, window, negative, sample, alpha,
                   seed):
    """One thread over the whole stream with the state built as training builds it."""
    tabs = make_tables(counts, sample, hs=True)
    params = make_params(MODEL_SKIPGRAM_HS if sg else MODEL_CBOW_HS, window, negative, alpha,
                         alpha, len(tokens))
    shared = make_shared(1)
    thread = allocate_thread_state(0, params, syn0.shape[1], seed)
    ref_state = int(thread.rng[0])
    train_shard(as_weights(syn0, syn1, syn1hs), tabs, params, shared, thread,
                token_stream(tokens), 0, len(tokens))
    return tabs, ref_state, thread.stats


@pytest.mark.parametrize("sg", [True, False], ids=["skipgram", "cbow"])
@pytest.mark.parametrize("negative", [0, 3])
@pytest.mark.parametrize("case", ["short_sentences_subsampled", "long_sentence_across_blocks"])
def test_driver_matches_sentence_by_sentence_reference(sg, negative, case):
    v, d, window = 40, 8, 3
    counts = np.sort(np.random.default_rng(0).integers(1, 1000, v))[::-1].astype(np.int64)
    if case == "short_sentences_subsampled":
        tokens = ref.random_stream(1, v, [1, 7, 30, 2, 120, 60])
        sample = 1e-2
    else:  # a sentence 2.5 blocks long: exercises the carry-over between blocks
        tokens = ref.random_stream(2, v, [int(2.5 * BLOCK_TOKENS) + 17, 9])
        sample = 0.0
    syn0, syn1, syn1hs = _weights(v, d, seed=3, scale=0.1)
    syn1hs = np.ascontiguousarray(syn1hs[:v - 1])
    s0, s1, s1hs = syn0.copy(), syn1.copy(), syn1hs.copy()
    tabs, ref_state, stats = _run_hs_driver(sg, tokens, s0, s1, s1hs, counts, window=window,
                                            negative=negative, sample=sample, alpha=0.01, seed=11)
    want0, want1, want1hs = ref.train_reference(
        tokens, syn0, syn1, sg=sg, window=window, negative=negative, alpha=np.float32(0.01),
        keep_threshold=tabs.keep_threshold, ns_threshold=tabs.ns_threshold,
        ns_alias=tabs.ns_alias, sig_table=SIG, rng_state=ref_state,
        hs=(_paths(huffman_codes(counts)), syn1hs))
    assert stats[STAT_EXAMPLES] > 0 and stats[STAT_LOSS] > 0
    np.testing.assert_allclose(s0, want0, atol=2e-5)
    np.testing.assert_allclose(s1hs, want1hs, atol=2e-5)
    np.testing.assert_allclose(s1, want1, atol=2e-5)
    if negative == 0:
        assert np.array_equal(s1, syn1)  # no negative sampling: its output vectors never move


def test_hs_turns_off_shared_negatives():
    assert model_code(True, True, hs=True) == MODEL_SKIPGRAM_HS
    assert model_code(False, True, hs=True) == MODEL_CBOW_HS


# --- the trainer: weights, evaluation loss, checkpoints ------------------------------------------
def test_trainer_allocates_inner_node_vectors_only_with_hs():
    tokens = ref.random_stream(4, 30, [50, 80, 20] * 20)
    counts = np.bincount(tokens[tokens >= 0], minlength=30).astype(np.int64) + 1
    with_hs = Trainer(TrainConfig(dim=10, workers=1, min_count=1, hs=True, negative=0), tokens,
                      counts)
    without = Trainer(TrainConfig(dim=10, workers=1, min_count=1), tokens, counts)
    assert with_hs.syn1hs.shape == (29, tables.ROW_ALIGN_FLOATS)
    assert without.syn1hs.shape == (0, tables.ROW_ALIGN_FLOATS)
    assert len(without.tables.hs_codes) == 0
    with_hs.run(progress=False)
    assert np.any(with_hs.syn1hs[:, :10] != 0) and np.all(with_hs.syn1hs[:, 10:] == 0)
    assert np.all(with_hs.syn1 == 0)  # negative=0: the negative-sampling matrix is unused


def test_make_weights_and_as_weights_shapes():
    w = make_weights(5, 3, 0, hs=True)
    assert w.syn1hs.shape == (4, 16) and w.syn1hs.ctypes.data % 64 == 0
    with pytest.raises(ValueError, match="syn1hs .* must have 16 columns and fewer rows"):
        as_weights(w.syn0, w.syn1, np.zeros((5, 16), np.float32))


@pytest.mark.parametrize("sg", [True, False])
@pytest.mark.parametrize("negative", [0, 2])
def test_evaluation_loss_is_the_objective_trained(sg, negative):
    """The probe's loss with hierarchical softmax, recomputed example by example with the
    reference's loss functions."""
    tokens = ref.random_stream(5, 30, [12, 40, 3, 25])
    counts = np.bincount(tokens[tokens >= 0], minlength=30).astype(np.int64) + 1
    tree = huffman_codes(counts)
    paths = _paths(tree)
    syn0, syn1, syn1hs = _weights(30, 6, seed=7, scale=0.6)
    syn1hs = syn1hs[:29]
    p = counts / counts.sum()
    probe = evalloss.make_probe(tokens, p, 3, negative, seed=2, n_centers=50)
    got = evalloss.probe_loss(probe, syn0, syn1, 6, sg,
                              hs=(syn1hs, tree.codes, tree.points, tree.offsets))
    losses = []
    for center, ctx, negs in zip(probe.centers, probe.contexts, probe.negatives):
        ctx = ctx[ctx >= 0]
        hidden = [syn0[c].astype(np.float64) for c in ctx] if sg else \
            [np.mean([syn0[c].astype(np.float64) for c in ctx], axis=0)]
        codes, points = paths[center]
        for h in hidden:
            loss = ref.hs_loss(h, syn1hs[points].astype(np.float64), codes)
            if negative:
                loss += ref.ns_loss(h, [syn1[t].astype(np.float64) for t in [center, *negs]],
                                    [1] + [0] * negative)
            losses.append(loss)
    assert got == pytest.approx(np.mean(losses), rel=1e-9)


def test_config_allows_negative_zero_only_with_hs():
    assert TrainConfig(hs=True, negative=0).negative == 0
    assert TrainConfig(hs=1, negative=5).hs is True
    with pytest.raises(ValueError, match=r"negative must be an integer in \[1, 1000\] without "
                                         r"hierarchical softmax .*unless hs=True.*got 0"):
        TrainConfig(negative=0)
    with pytest.raises(ValueError, match=r"negative must be an integer in \[0, 1000\], got -1"):
        TrainConfig(hs=True, negative=-1)
    with pytest.raises(ValueError, match="hs must be True or False, got 2"):
        TrainConfig(hs=2)
    assert TrainConfig.from_dict({"dim": 7}).hs is False  # configs saved before hs existed


# --- end to end ----------------------------------------------------------------------------------
def _corpus(path):
    """A corpus with structure to learn: words of two topics never share a sentence."""
    rng = np.random.default_rng(0)
    with open(path, "w") as fh:
        for i in range(600):
            topic = i % 2
            ids = rng.zipf(1.5, 40) % 50
            fh.write(" ".join(f"{'ab'[topic]}{w}" for w in ids) + "\n")
    return path


SETTINGS = dict(dim=16, window=3, sample=0.0, min_count=1, epochs=3, workers=1, seed=3,
                progress=False, alpha=0.05)


@pytest.mark.parametrize("sg", [True, False], ids=["skipgram", "cbow"])
@pytest.mark.parametrize("negative", [0, 3])
def test_training_with_hs_learns_the_topics(tmp_path, sg, negative):
    emb = fastw2v.train(_corpus(tmp_path / "c.txt"), hs=True, negative=negative, sg=sg,
                        **SETTINGS)
    assert emb.config.hs and emb.config.negative == negative
    losses = [e["eval_loss"] for e in emb.stats["epochs"]]
    assert all(math.isfinite(x) for x in losses) and losses[-1] < losses[0]
    near = [w for w, _ in emb.most_similar("a1", topn=5)]
    assert sum(w.startswith("a") for w in near) >= 4, near


@pytest.mark.parametrize("kw", [dict(hs=True, negative=0), dict(hs=True, negative=2, sg=False)],
                         ids=["sg-hs", "cbow-hs-ns"])
def test_interrupted_and_resumed_hs_run_is_bit_identical(tmp_path, monkeypatch, kw):
    corpus = _corpus(tmp_path / "c.txt")
    settings = dict(SETTINGS, **kw)
    uninterrupted = fastw2v.train(corpus, **settings)
    ck = tmp_path / "ck"
    monkeypatch.setattr(trainer_module, "POLL_SECONDS", 0.002)

    class CtrlC:
        def on_epoch_end(self, epoch, stats):
            if epoch == 1:
                raise KeyboardInterrupt

    with pytest.raises(TrainingInterrupted, match="checkpoint written to"):
        fastw2v.train(corpus, checkpoint=ck, callbacks=[CtrlC()], **settings)
    saved = load_checkpoint(ck)
    assert saved.config.hs and saved.syn1hs.shape[0] == len(saved.vocab) - 1
    assert np.any(saved.syn1hs != 0)
    monkeypatch.undo()
    resumed = fastw2v.train(corpus, resume=ck, progress=False)
    assert np.array_equal(resumed.vectors, uninterrupted.vectors)
    assert [e["eval_loss"] for e in resumed.stats["epochs"]] == \
        [e["eval_loss"] for e in uninterrupted.stats["epochs"]]


def test_checkpoint_without_inner_node_vectors_is_corrupt(tmp_path):
    corpus = _corpus(tmp_path / "c.txt")
    ck = tmp_path / "ck"

    class CtrlC:
        def on_epoch_end(self, epoch, stats):
            raise KeyboardInterrupt

    with pytest.raises(TrainingInterrupted, match="checkpoint written to"):
        fastw2v.train(corpus, checkpoint=ck, callbacks=[CtrlC()], hs=True, negative=0,
                      **SETTINGS)
    current = json.loads((ck / "checkpoint.json").read_text())["current"]
    (ck / current / "syn1hs.npy").unlink()
    with pytest.raises(ModelFormatError, match="damaged checkpoint: .*syn1hs.npy: cannot be read"):
        fastw2v.train(corpus, resume=ck, progress=False)
