"""The njit kernels against the NumPy reference, finite differences and the sampling formulas."""
from __future__ import annotations

import math

import numpy as np
import pytest

import reference as ref
from fastw2v.kernels import tables as tables
from fastw2v.kernels.blocks import (BLOCK_TOKENS, PROGRESS_STRIDE, STAT_EXAMPLES, fill_block,
                                    publish_progress)
from fastw2v.kernels.cbow import cbow_update
from fastw2v.kernels.driver import MODEL_CBOW, MODEL_HOGBATCH, MODEL_SKIPGRAM, train_shard
from fastw2v.kernels.hogbatch import hogbatch_update
from fastw2v.kernels.rng import draw_alias_many, next_u64, thread_states
from fastw2v.kernels.sgd import ns_update
from fastw2v.kernels.skipgram import skipgram_update
from fastw2v.kernels.state import (allocate_thread_state, as_weights, make_params,
                                   make_shared, make_tables, token_stream)

SIG, LOGSIG = tables.sigmoid_tables()


def _weights(v=12, d=16, seed=0, scale=0.5):
    rng = np.random.default_rng(seed)
    syn0 = (rng.standard_normal((v, d)) * scale).astype(np.float32)
    syn1 = (rng.standard_normal((v, d)) * scale).astype(np.float32)
    return syn0, syn1


# --- sigmoid table ----------------------------------------------------------------------------
def test_sigmoid_table_close_to_exact_sigmoid():
    xs = np.linspace(-tables.MAX_EXP + 1e-3, tables.MAX_EXP - 1e-3, 20001)
    got = np.array([ref.table_sigmoid(x, SIG) for x in xs])
    exact = 1 / (1 + np.exp(-xs))
    bound = 0.25 * tables.MAX_EXP / tables.SIGMOID_TABLE_SIZE + 1e-7  # max slope * half bin
    assert np.max(np.abs(got - exact)) <= bound
    np.testing.assert_allclose(LOGSIG, np.log(SIG.astype(np.float64)), atol=1e-7)


# --- single updates against the reference ---------------------------------------------------------
@pytest.mark.parametrize("alpha", [0.025, 0.5])
def test_skipgram_update_matches_reference(alpha):
    syn0, syn1 = _weights()
    targets = np.array([3, 7, 1, 9, 3], dtype=np.int64)  # a repeated negative is allowed
    want0, want1 = ref.skipgram_update(syn0, syn1, 5, targets, alpha, SIG)
    neu1e = np.zeros(syn0.shape[1], np.float32)
    skipgram_update(as_weights(syn0, syn1), 5, targets, len(targets), np.float32(alpha), SIG, LOGSIG,
                    neu1e)
    np.testing.assert_allclose(syn0, want0, atol=1e-6)
    np.testing.assert_allclose(syn1, want1, atol=1e-6)


def test_cbow_update_matches_reference():
    syn0, syn1 = _weights(seed=1)
    ctx = np.array([2, 4, 6, 8, 10], dtype=np.int32)
    targets = np.array([6, 0, 11, 5], dtype=np.int64)
    # contexts are positions 0..4 except position 2 (the center word itself)
    want0, want1 = ref.cbow_update(syn0, syn1, [2, 4, 8, 10], targets, 0.05, SIG)
    d = syn0.shape[1]
    cbow_update(as_weights(syn0, syn1), ctx, 0, 5, 2, targets, len(targets), np.float32(0.05), SIG,
                LOGSIG, np.zeros(d, np.float32), np.zeros(d, np.float32))
    np.testing.assert_allclose(syn0, want0, atol=1e-6)
    np.testing.assert_allclose(syn1, want1, atol=1e-6)


@pytest.mark.parametrize("contexts, targets", [
    ([2, 4, 2, 9], [4, 0, 11, 7, 0]),  # repeated context and target words are allowed
    ([2, 4, 2], [4, 0, 0, 7, 11, 0, 3]),  # odd m; a target three times, twice in one tile
    ([5], [1]),
    ([3, 3, 3, 3, 3], [6, 6, 6]),  # all contexts alike, all targets alike
    ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [0, 11, 3, 4, 10, 9])])  # contexts that are also targets
def test_hogbatch_update_matches_reference(contexts, targets):
    syn0, syn1 = _weights(seed=5)
    contexts = np.array(contexts, dtype=np.int64)
    targets = np.array(targets, dtype=np.int64)
    m, k = contexts.size, targets.size
    want0, want1 = ref.hogbatch_update(syn0, syn1, contexts, targets, 0.05, SIG)
    d = syn0.shape[1]
    hogbatch_update(as_weights(syn0, syn1), contexts, m, targets, k, np.float32(0.05), SIG,
                    LOGSIG, np.zeros(m * k, np.float32), np.zeros((m, d), np.float32))
    np.testing.assert_allclose(syn0, want0, atol=1e-6)
    np.testing.assert_allclose(syn1, want1, atol=1e-6)


def test_ns_update_returns_the_loss():
    syn0, syn1 = _weights(seed=2, scale=0.3)
    targets = np.array([1, 2, 3], dtype=np.int64)
    h = syn0[0].astype(np.float64)
    want = ref.ns_loss(h, [syn1[t].astype(np.float64) for t in targets], [1, 0, 0])
    got = ns_update(syn0[0].copy(), syn1.copy(), targets, 3, np.float32(0.0), SIG, LOGSIG,
                    np.zeros(syn0.shape[1], np.float32))
    assert got == pytest.approx(want, abs=3 * 3.7e-4 * 3)  # table error per term


# --- gradient check ---------------------------------------------------------------------------------
def test_reference_loss_is_the_negative_sampling_objective():
    """ref.ns_loss, which the kernels' and the probe's losses are checked against, against the
    objective written out by hand: -log s(x) = log(1 + e^-x) for the target, -log s(-x) for each
    negative, with x the dot product (here 1, -1 and 0)."""
    h = np.array([1.0, 2.0, 0.0])
    vs = [np.array([0.5, 0.25, 3.0]), np.array([-1.0, 0.0, 7.0]), np.array([0.0, 0.0, 1.0])]
    want = math.log1p(math.exp(-1.0)) + math.log1p(math.exp(-1.0)) + math.log(2.0)
    assert ref.ns_loss(h, vs, [1, 0, 0]) == pytest.approx(want, rel=1e-12)
    assert ref.ns_loss(h, vs[:1], [0]) == pytest.approx(math.log1p(math.exp(1.0)), rel=1e-12)


def test_reference_step_is_minus_alpha_times_finite_difference_gradient():
    """The reference update the kernels are compared against (ref.skipgram_update; with a very
    fine sigmoid table) moves h and every target's output vector by -alpha times the gradient of
    ns_loss, taken by finite differences."""
    fine_sig, _ = tables.sigmoid_tables(1 << 22)
    syn0, syn1 = _weights(v=6, d=8, seed=3, scale=0.5)
    targets = np.array([1, 2, 3, 4], dtype=np.int64)
    labels = [1, 0, 0, 0]
    alpha, eps = 1e-3, 1e-6
    h0 = syn0[0].astype(np.float64)
    vs = [syn1[t].astype(np.float64) for t in targets]

    def fd(k, i):  # dL/dh_i (k < 0) or dL/dv_k,i by central differences
        def loss_with(delta):
            h, v = h0.copy(), [x.copy() for x in vs]
            (h if k < 0 else v[k])[i] += delta
            return ref.ns_loss(h, v, labels)
        return (loss_with(eps) - loss_with(-eps)) / (2 * eps)

    new0, new1 = ref.skipgram_update(syn0, syn1, 0, targets, alpha, fine_sig)
    for i in range(8):
        assert new0[0, i] - h0[i] == pytest.approx(-alpha * fd(-1, i), rel=1e-3, abs=1e-9)
        for k, t in enumerate(targets):
            assert new1[t, i] - vs[k][i] == pytest.approx(-alpha * fd(k, i), rel=1e-3, abs=1e-9)


def test_kernel_step_is_minus_alpha_times_finite_difference_gradient():
    """With a very fine sigmoid table, one kernel step equals -alpha * dL (checked numerically)."""
    fine_sig, fine_logsig = tables.sigmoid_tables(1 << 22)
    syn0, syn1 = _weights(v=6, d=8, seed=4, scale=0.4)
    targets = np.array([1, 2, 3, 4], dtype=np.int64)
    alpha = 1e-3
    h0 = syn0[0].astype(np.float64)
    vs = [syn1[t].astype(np.float64) for t in targets]
    labels = [1, 0, 0, 0]
    eps = 1e-6

    def fd(vec_index, i):
        def loss_with(delta):
            h = h0.copy()
            v = [x.copy() for x in vs]
            if vec_index < 0:
                h[i] += delta
            else:
                v[vec_index][i] += delta
            return ref.ns_loss(h, v, labels)
        return (loss_with(eps) - loss_with(-eps)) / (2 * eps)

    new0, new1 = syn0.copy(), syn1.copy()
    skipgram_update(as_weights(new0, new1), 0, targets, 4, np.float32(alpha), fine_sig, fine_logsig,
                    np.zeros(8, np.float32))
    for i in range(8):
        # h's step uses the outputs before their update: exactly -alpha * dL/dh
        assert new0[0, i] - syn0[0, i] == pytest.approx(-alpha * fd(-1, i), rel=2e-3, abs=1e-8)
        # the first target's step uses the original h: exactly -alpha * dL/dv
        assert new1[1, i] - syn1[1, i] == pytest.approx(-alpha * fd(0, i), rel=2e-3, abs=1e-8)


# --- samplers ------------------------------------------------------------------------------------------
def test_alias_table_is_exact():
    w = np.array([5.0, 1.0, 0.0, 3.0, 0.5, 10.0, 2.0])
    thr, al = tables.alias_table(w)
    np.testing.assert_allclose(tables.alias_probabilities(thr, al), w / w.sum(), atol=1e-9)


def test_alias_draws_match_target_distribution():
    counts = np.array([1000, 500, 300, 120, 80, 50, 20, 10, 5, 1], dtype=np.int64)
    weights = tables.negative_weights(counts, 0.75)
    p = counts ** 0.75 / np.sum(counts ** 0.75)  # word2vec's unigram^0.75, not the code under test
    thr, al = tables.alias_table(weights)
    state = thread_states(1234, 1)[0]
    out = np.empty(10**6, dtype=np.int64)
    draw_alias_many(state, thr, al, out)
    freq = np.bincount(out, minlength=len(p)) / out.size
    # 10^6 draws: binomial standard error <= 5e-4; 5 sigma gives an explicit 2.5e-3 bound
    np.testing.assert_allclose(freq, p, atol=2.5e-3)
    chi2 = np.sum((freq - p) ** 2 / p) * out.size
    assert chi2 < 30.0  # 9 degrees of freedom: P(chi2 > 30) ~ 4e-4


def test_keep_probabilities_match_word2vec_formula():
    counts = np.array([100000, 20000, 500, 30, 1], dtype=np.int64)
    t = 1e-3
    f = counts / counts.sum()
    want = np.minimum(1.0, (np.sqrt(f / t) + 1) * t / f)
    np.testing.assert_allclose(tables.keep_probabilities(counts, t), want, rtol=1e-12)
    assert np.all(tables.keep_probabilities(counts, 0.0) == 1.0)


def test_subsampling_in_the_kernel_keeps_the_right_share():
    counts = np.array([100000, 20000, 500], dtype=np.int64)
    thr = tables.keep_thresholds(counts, 1e-3)
    p = tables.keep_probabilities(counts, 1e-3)
    state = thread_states(7, 1)[0]
    n = 200000
    for w in range(3):
        tokens = np.full(n, w, dtype=np.int32)
        buf = np.zeros(n, dtype=np.int32)
        pos, kept, over, words = fill_block(tokens, 0, n, buf, 0, thr, state)
        assert (pos, words, over) == (n, n, True)
        se = np.sqrt(p[w] * (1 - p[w]) / n)
        assert abs(kept / n - p[w]) <= 5 * se + 1e-12


def test_thread_states_distinct_and_nonzero():
    s = thread_states(1, 64)
    assert len(np.unique(s)) == 64 and np.all(s != 0)
    assert not np.array_equal(thread_states(1, 4), thread_states(2, 4))
    a, b = thread_states(5, 1)[0], thread_states(5, 1)[0]
    assert next_u64(a) == next_u64(b)


def test_learning_rate_decays_linearly_over_total_words():
    progress = np.zeros(2 * PROGRESS_STRIDE, dtype=np.int64)
    assert publish_progress(progress, 0, 0, 0.025, 0.0001, 1000) == pytest.approx(0.025)
    publish_progress(progress, 1, 250, 0.025, 0.0001, 1000)
    a = publish_progress(progress, 0, 250, 0.025, 0.0001, 1000)
    assert a == pytest.approx(0.025 - (0.025 - 0.0001) * 0.5, rel=1e-6)
    assert publish_progress(progress, 0, 10**6, 0.025, 0.0001, 1000) == pytest.approx(0.0001)


# --- whole drivers against a draw-for-draw replay ------------------------------------------------
def _run_driver(sg, tokens, syn0, syn1, counts, *, window, negative, sample, alpha, seed):
    """One thread over the whole stream at constant ``alpha``, with the state built as training
    builds it (:mod:`fastw2v.kernels.state`), so this runs training's specialisation."""
    model = {True: MODEL_SKIPGRAM, False: MODEL_CBOW, "hogbatch": MODEL_HOGBATCH}[sg]
    tabs = make_tables(counts, sample)
    params = make_params(model, window, negative, alpha, alpha, len(tokens))
    shared = make_shared(1)
    thread = allocate_thread_state(0, params, syn0.shape[1], seed)
    ref_state = int(thread.rng[0])
    train_shard(as_weights(syn0, syn1), tabs, params, shared, thread, token_stream(tokens), 0,
                len(tokens))
    return (tabs.keep_threshold, tabs.ns_threshold, tabs.ns_alias, ref_state, shared.progress,
            thread.stats)


@pytest.mark.parametrize("sg", [True, False, "hogbatch"])
@pytest.mark.parametrize("case", ["short_sentences_subsampled", "long_sentence_across_blocks"])
def test_driver_matches_sentence_by_sentence_reference(sg, case):
    v, d, window, negative = 40, 8, 3, 4
    counts = np.sort(np.random.default_rng(0).integers(1, 1000, v))[::-1].astype(np.int64)
    if case == "short_sentences_subsampled":
        tokens = ref.random_stream(1, v, [1, 7, 30, 2, 120, 60])
        sample = 1e-2
    else:  # a sentence 2.5 blocks long: exercises the carry-over between blocks
        tokens = ref.random_stream(2, v, [int(2.5 * BLOCK_TOKENS) + 17, 9])
        sample = 0.0
    syn0, syn1 = _weights(v, d, seed=3, scale=0.1)
    s0, s1 = syn0.copy(), syn1.copy()
    keep, thr, al, ref_state, progress, stats = _run_driver(
        sg, tokens, s0, s1, counts, window=window, negative=negative, sample=sample,
        alpha=0.01, seed=11)
    want0, want1 = ref.train_reference(tokens, syn0, syn1, sg=sg, window=window,
                                       negative=negative, alpha=np.float32(0.01),
                                       keep_threshold=keep, ns_threshold=thr, ns_alias=al,
                                       sig_table=SIG, rng_state=ref_state)
    assert progress[0] == np.count_nonzero(tokens >= 0)
    assert stats[STAT_EXAMPLES] > 0
    np.testing.assert_allclose(s0, want0, atol=2e-5)
    np.testing.assert_allclose(s1, want1, atol=2e-5)


def test_windows_never_cross_sentence_boundaries():
    """One-word sentences have no context: skip-gram trains no example at all."""
    v, d = 5, 4
    tokens = np.array([0, -1, 1, -1, 2, -1, 3, -1], dtype=np.int32)
    counts = np.ones(v, dtype=np.int64)
    syn0, syn1 = _weights(v, d)
    before0, before1 = syn0.copy(), syn1.copy()
    *_, stats = _run_driver(True, tokens, syn0, syn1, counts, window=5, negative=2, sample=0.0,
                            alpha=0.1, seed=1)
    assert stats[STAT_EXAMPLES] == 0
    np.testing.assert_array_equal(syn0, before0)
    np.testing.assert_array_equal(syn1, before1)


# --- padded weight rows ---------------------------------------------------------------------------
def test_weight_rows_are_padded_aligned_and_padding_stays_zero():
    from fastw2v.config import TrainConfig
    from fastw2v.training.trainer import Trainer
    tokens = ref.random_stream(4, 30, [50, 80, 20] * 20)
    counts = np.bincount(tokens[tokens >= 0], minlength=30).astype(np.int64) + 1
    for kernel in (dict(sg=True), dict(sg=True, shared_negatives=False), dict(sg=False)):
        tr = Trainer(TrainConfig(dim=10, workers=1, epochs=2, min_count=1, sample=0.0, **kernel),
                     tokens, counts)
        assert tr.syn0.shape[1] == tables.ROW_ALIGN_FLOATS
        assert tr.syn0.ctypes.data % 64 == 0 and tr.syn1.ctypes.data % 64 == 0
        tr.run(progress=False)
        assert np.any(tr.syn1[:, :10] != 0)
        assert np.all(tr.syn0[:, 10:] == 0) and np.all(tr.syn1[:, 10:] == 0)
        assert tr.vectors.shape == (30, 10) and tr.vectors.flags.c_contiguous


@pytest.mark.parametrize("sg", [True, False, "hogbatch"])
def test_padding_does_not_change_the_result(sg):
    v, window, negative = 40, 3, 4
    counts = np.sort(np.random.default_rng(0).integers(1, 1000, v))[::-1].astype(np.int64)
    tokens = ref.random_stream(1, v, [1, 7, 30, 2, 120, 60])
    syn0, syn1 = _weights(v, 12, seed=3, scale=0.1)
    pad0, pad1 = (np.zeros((v, 16), np.float32) for _ in range(2))
    pad0[:, :12], pad1[:, :12] = syn0, syn1
    for a, b in ((syn0, syn1), (pad0, pad1)):
        _run_driver(sg, tokens, a, b, counts, window=window, negative=negative, sample=1e-2,
                    alpha=0.01, seed=11)
    np.testing.assert_allclose(pad0[:, :12], syn0, atol=1e-6)
    np.testing.assert_allclose(pad1[:, :12], syn1, atol=1e-6)
    assert np.all(pad0[:, 12:] == 0) and np.all(pad1[:, 12:] == 0)


# --- one specialisation: the kernel tests run the kernel training runs ------------------------
def test_training_and_kernel_tests_compile_one_specialisation(tmp_path):
    """numba compiles ``train_shard`` once per argument-type combination. After a real training
    run (memory-mapped tokens, one worker), a trainer on an in-memory stream and this module's
    driver calls (every test above used ``_run_driver``; run alone, this test calls it itself),
    the dispatcher must hold exactly one specialisation: otherwise the tests exercise a kernel that
    training never runs (as they did when they passed a float32 learning rate)."""
    import fastw2v
    from fastw2v.config import TrainConfig
    from fastw2v.training.trainer import Trainer

    tokens = ref.random_stream(6, 30, [40, 90, 15] * 10)
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(" ".join(f"w{w}" for w in s)
                                for s in ref.split_sentences(tokens)) + "\n")
    fastw2v.train(corpus, workers=1, dim=10, epochs=1, min_count=1, progress=False,
                  use_cache=False)
    counts = np.bincount(tokens[tokens >= 0], minlength=30).astype(np.int64) + 1
    Trainer(TrainConfig(dim=12, workers=1, epochs=1, min_count=1, sg=False), tokens,
            counts).run(progress=False)
    for sg in (True, False, "hogbatch"):
        _run_driver(sg, tokens, *_weights(30, 16, seed=1), counts, window=2, negative=3,
                    sample=1e-3, alpha=0.02, seed=5)
    # hierarchical softmax, as training and tests/test_hs.py run it
    fastw2v.train(corpus, workers=1, dim=10, epochs=1, min_count=1, progress=False,
                  use_cache=False, hs=True, negative=0)
    assert len(train_shard.signatures) == 1, "\n".join(map(str, train_shard.signatures))
