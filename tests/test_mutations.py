"""The suite's strength, checked: each mutation below once passed the test it names (a review of
the suite found them by reading or by mutating a copy of the code); applied with monkeypatch,
it must now make that test fail.

A mutation replaces a fastw2v function (or, where the test imported a name, that name in the test
module) by a broken version; the test function of the suite is then called as it is, with its
arguments built here. "Fails" means an assertion of the test fails (``AssertionError`` or
``pytest.fail``), or, for a mutation that raises, its own exception: any other error (a wrong call
from here) is an error of this file, not a caught mutation.

These run with the normal suite, so a later change that weakens one of the tests is noticed;
they take a few seconds together. Property tests run with a fixed seed, without the example
database and without shrinking.
"""
from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import Phase, settings

import fastw2v
import reference as ref
import test_checkpoint
import test_embeddings
import test_evaluate
import test_kernels
import test_train
import test_w2vformat
import test_wikimarkup
import test_bad_input
from fastw2v.corpus import reader
from fastw2v.kernels import tables
from fastw2v.training import trainer as trainer_module
from fastw2v.vectors import native as native_module
from fastw2v.vectors import word2vec as word2vec_module
from fastw2v.wiki import markup
from fastw2v.wiki import normalize as normalize_module

FAILED = (AssertionError, pytest.fail.Exception)


def assert_fails(test, *args, expect=FAILED, **kwargs):
    """Run one of the suite's test functions against mutated code: it must fail."""
    try:
        test(*args, **kwargs)
    except expect:
        return
    pytest.fail(f"{test.__module__}.{test.__name__} passed against the mutation")


def deterministic(monkeypatch, property_test):
    """The hypothesis test with a fixed seed, no example database (a failure found here must not
    be replayed into normal runs) and no shrinking."""
    current = property_test._hypothesis_internal_use_settings
    monkeypatch.setattr(property_test, "_hypothesis_internal_use_settings",
                        settings(current, database=None, derandomize=True,
                                 phases=[Phase.explicit, Phase.generate],
                                 report_multiple_bugs=False))
    return property_test


class NumpyExcept:
    """The numpy module with some attributes replaced (to mutate one module's use of it)."""

    def __init__(self, **replaced):
        self.__dict__.update(replaced)

    def __getattr__(self, name):
        return getattr(np, name)


# --------------------------------------------------------------------------------------------- #
# slowdown guards that count work
# --------------------------------------------------------------------------------------------- #
def _remove_dropped_quadratic(text):
    """markup._remove_dropped pairing each opening tag by scanning the tags after it for its
    closing tag: quadratic in the number of unclosed tags."""
    tags = list(markup._DROPPED_TAG.finditer(text))
    spans = []
    i = 0
    while i < len(tags):
        m = tags[i]
        if m.group(3):
            spans.append((m.start(), m.end()))
        elif m.group(2):
            name = m.group(2).lower()
            j = i + 1
            while j < len(tags) and (tags[j].group(1) or "").lower() != name:
                j += 1
            if j < len(tags):
                spans.append((m.start(), tags[j].end()))
                i = j
        i += 1
    return markup._remove_spans(text, spans)


def test_quadratic_tag_pairing_is_caught(monkeypatch):
    monkeypatch.setattr(markup, "_remove_dropped", _remove_dropped_quadratic)
    # the same input at a tenth of its size: quadratic work at full size takes seconds
    make, n = test_wikimarkup.ADVERSARIAL["open-refs"]
    monkeypatch.setitem(test_wikimarkup.ADVERSARIAL, "open-refs", (make, n // 10))
    assert_fails(test_wikimarkup.test_adversarial_input_costs_python_work_linear_in_its_size,
                 "open-refs")


def _frombuffer_value_by_value(buffer, dtype=float, count=-1, offset=0):
    return np.array([struct.unpack_from("<f", buffer, offset + 4 * k)[0] for k in range(count)],
                    dtype=np.float32)


def test_binary_reader_decoding_value_by_value_is_caught(monkeypatch, tmp_path):
    monkeypatch.setattr(word2vec_module, "np", NumpyExcept(frombuffer=_frombuffer_value_by_value))
    assert_fails(test_w2vformat.test_binary_read_costs_python_work_per_row_not_per_value,
                 tmp_path)


def _iter_blocks_rescanning(path, chunk_bytes=reader.CHUNK_BYTES, *, prefetch=True,
                            position=None):
    """reader.iter_blocks before the fix: the unfinished token is one bytes object, extended by
    every piece and searched for whitespace again each time (quadratic)."""
    carry = b""
    for piece in reader.iter_chunks(path, chunk_bytes):
        data = carry + piece
        cut = reader._last_whitespace(data)
        if cut == -1:
            carry = data
            continue
        yield data[:cut + 1]
        carry = data[cut + 1:]
    if carry:
        yield carry


def test_rescanning_an_unfinished_token_is_caught(monkeypatch, tmp_path):
    monkeypatch.setattr(reader, "iter_blocks", _iter_blocks_rescanning)
    assert_fails(test_bad_input.test_line_without_whitespace_is_searched_once, tmp_path,
                 monkeypatch)


# --------------------------------------------------------------------------------------------- #
# the tautology, the security check, the self-referential expectations
# --------------------------------------------------------------------------------------------- #
def test_upper_case_unicode_normalisation_is_caught(monkeypatch):
    real = normalize_module._unicode_tokens
    monkeypatch.setattr(normalize_module, "_unicode_tokens",
                        lambda text: [t.upper() for t in real(text)])
    assert_fails(deterministic(monkeypatch,
                               test_wikimarkup.test_unicode_output_is_lower_case_and_single_spaced))


def test_unpickling_vectors_is_caught(monkeypatch, tmp_path):
    real_load = np.load
    monkeypatch.setattr(native_module, "np", NumpyExcept(
        load=lambda *a, **k: real_load(*a, **{**k, "allow_pickle": True})))
    saved = tmp_path / "model"
    test_embeddings.full().save(saved)
    assert_fails(test_embeddings.test_load_refuses_to_unpickle_an_object_array, saved, tmp_path)


def test_uniform_negative_sampling_is_caught(monkeypatch):
    monkeypatch.setattr(tables, "negative_weights",
                        lambda counts, ns_exponent: np.ones(len(counts)))
    assert_fails(test_kernels.test_alias_draws_match_target_distribution)
    assert_fails(test_train.test_negatives_are_drawn_with_probability_count_to_the_ns_exponent,
                 monkeypatch, 0.75)


def test_ignored_ns_exponent_is_caught(monkeypatch):
    real = tables.negative_weights
    monkeypatch.setattr(tables, "negative_weights", lambda counts, ns_exponent: real(counts, 0.75))
    assert_fails(test_train.test_negatives_are_drawn_with_probability_count_to_the_ns_exponent,
                 monkeypatch, 0.5)


def test_reference_loss_with_swapped_labels_is_caught(monkeypatch):
    """Swapping the labels in ns_loss (and, consistently, in its gradients) passed the old
    test, which checked the reference's gradient against the reference's loss."""
    real = ref.ns_loss
    monkeypatch.setattr(ref, "ns_loss", lambda h, vs, labels: real(h, vs, [1 - y for y in labels]))
    assert_fails(test_kernels.test_reference_loss_is_the_negative_sampling_objective)


def test_reference_step_climbing_the_loss_is_caught(monkeypatch):
    real = ref.ns_step
    monkeypatch.setattr(ref, "ns_step",
                        lambda h, syn1, targets, alpha, sig: real(h, syn1, targets, -alpha, sig))
    assert_fails(test_kernels.test_reference_step_is_minus_alpha_times_finite_difference_gradient)


# --------------------------------------------------------------------------------------------- #
# tests whose names promised more than they checked
# --------------------------------------------------------------------------------------------- #
class MutantCalled(Exception):
    pass


def test_evaluate_analogies_that_raises_is_caught(monkeypatch, tmp_path):
    def raising(*args, **kwargs):
        raise MutantCalled

    monkeypatch.setattr(test_evaluate, "evaluate_analogies", raising)
    assert_fails(test_evaluate.test_analogies_agree_with_embeddings_analogy, tmp_path,
                 expect=MutantCalled)


def test_evaluate_analogies_that_counts_every_answer_right_is_caught(monkeypatch, tmp_path):
    real = test_evaluate.evaluate_analogies

    def all_right(*args, **kwargs):
        r = real(*args, **kwargs)
        r.sections = {name: (seen, seen) for name, (_, seen) in r.sections.items()}
        r.correct = r.seen
        return r

    monkeypatch.setattr(test_evaluate, "evaluate_analogies", all_right)
    assert_fails(test_evaluate.test_analogies_agree_with_embeddings_analogy, tmp_path)


def test_periodic_checkpoints_that_never_fire_are_caught(monkeypatch, tmp_path):
    real_run = trainer_module.Trainer.run
    monkeypatch.setattr(trainer_module.Trainer, "run",
                        lambda self, *a, **k: real_run(self, *a, **{**k, "checkpoint_every": None}))
    corpus = test_checkpoint.write_corpus(tmp_path / "corpus.txt")
    uninterrupted = fastw2v.train(corpus, **test_checkpoint.SETTINGS)
    assert_fails(test_checkpoint.test_periodic_checkpoints_do_not_change_the_result, corpus,
                 uninterrupted, tmp_path, monkeypatch)


def test_a_random_model_is_caught(monkeypatch, tmp_path):
    """Random vectors after a real training run (so every count is right), drawn so that the
    old check, "the nearest neighbour of cat is an animal", passes."""
    corpus = test_train.write_topic_corpus(tmp_path / "topics.txt")
    real_train = fastw2v.train
    vocab = real_train(corpus, workers=1, **{**test_train.SMALL, "epochs": 1}).words
    for seed in range(1000):
        vectors = np.random.default_rng(seed).standard_normal((len(vocab), 24))
        random_model = fastw2v.Embeddings(vectors.astype(np.float32), vocab)
        if random_model.most_similar("cat", topn=1)[0][0] in test_train.GROUPS["animal"]:
            break
    else:
        pytest.fail("no random model passes the old check")

    def train_then_randomise(*args, **kwargs):
        emb = real_train(*args, **kwargs)
        assert emb.words == vocab
        emb.vectors = random_model.vectors
        return emb

    monkeypatch.setattr(fastw2v, "train", train_then_randomise)
    assert_fails(test_train.test_two_workers_train_and_count_every_word, corpus)
