"""Training on a Dask cluster: byte ranges, the slice trainer, and real LocalClusters (worker
processes, loopback TCP, 2 workers x 1 thread) for the vocabulary, reproducibility, a killed worker,
Ctrl-C with checkpoint and resume, errors and the command line."""
from __future__ import annotations

import gzip
import io
import os
import signal

import distributed
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastw2v
from fastw2v.cli import main as cli
from fastw2v.cluster import rounds, tasks
from fastw2v.cluster.api import local_cluster
from fastw2v.config import TrainConfig
from fastw2v.corpus.cache import prepare_corpus
from fastw2v.corpus.ranges import iter_range_blocks, split_ranges
from fastw2v.corpus.reader import split_with_newlines
from fastw2v.errors import CorpusError
from fastw2v.kernels.blocks import linear_alpha
from fastw2v.kernels.driver import model_code
from fastw2v.kernels.state import make_params, make_tables, make_weights, token_stream
from fastw2v.training.checkpoint import load_checkpoint
from fastw2v.training.slices import scaled_schedule, train_slice
from fastw2v.training.trainer import TrainingInterrupted

from test_checkpoint import write_corpus
from test_train import GROUPS, write_topic_corpus

SETTINGS = dict(dim=16, window=3, negative=3, sample=1e-3, min_count=1, epochs=2, workers=1,
                seed=3, progress=False, sync_words=20_000)
#: The same run on this machine.
LOCAL = {k: v for k, v in SETTINGS.items() if k != "sync_words"}


# --------------------------------------------------------------------------------------------
# Byte ranges
# --------------------------------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=80).map(lambda b: bytes(b"ab \n\t\xc3\xa9"[x % 7] for x in b)),
       parts=st.integers(1, 9), chunk=st.integers(1, 7), seekable=st.booleans())
def test_byte_ranges_hold_every_token_and_line_end_once(data, parts, chunk, seekable):
    """Whatever the cut points, the ranges' tokens in order are the corpus's tokens, and no
    newline between two tokens is read by two ranges (one between two ranges may be dropped: a
    range boundary ends a sentence anyway)."""
    tokens = []
    newlines = 0
    for start, end in split_ranges(len(data), parts):
        text = b"".join(iter_range_blocks(io.BytesIO(data), start, end, seekable=seekable,
                                          chunk_bytes=chunk))
        toks, marker = split_with_newlines(text)
        tokens += [t for t in toks if t != marker]
        newlines += text.strip().count(b"\n")
    assert tokens == data.split()
    assert newlines <= data.count(b"\n")


def test_split_ranges_cover_the_file_and_check_their_arguments():
    assert split_ranges(10, 3) == [(0, 3), (3, 6), (6, 10)]
    assert split_ranges(0, 2) == [(0, 0), (0, 0)]
    with pytest.raises(ValueError, match="parts must be an integer"):
        split_ranges(10, 0)


# --------------------------------------------------------------------------------------------
# The slice trainer and the global schedule
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("done,total,share", [(0, 10_000, 0.5), (3_000, 10_000, 0.25),
                                              (9_000, 10_000, 1.0)])
def test_a_scaled_schedule_gives_the_global_learning_rate(done, total, share):
    offset, scaled_total = scaled_schedule(done, total, share)
    for local in (0, 100, 1000):
        got = linear_alpha(0.025, 0.0001, offset + local, scaled_total)
        want = linear_alpha(0.025, 0.0001, done + local / share, total)
        assert got == pytest.approx(want, rel=1e-3)
    with pytest.raises(ValueError, match="share must be in"):
        scaled_schedule(0, 10, 0.0)


def test_a_slice_of_the_whole_stream_is_one_single_machine_epoch(tmp_path):
    """train_slice over the whole stream with one thread is bit for bit one epoch of the
    single-machine trainer (same driver, weights, tables, RNG stream and schedule)."""
    corpus = write_corpus(tmp_path / "c.txt")
    emb = fastw2v.train(corpus, **{**LOCAL, "epochs": 1})
    prepared = prepare_corpus(corpus, min_count=1)
    c = TrainConfig(**{k: v for k, v in LOCAL.items() if k != "progress"}).replace(epochs=1)
    tokens = token_stream(prepared.tokens)
    weights = make_weights(len(prepared.vocab), c.dim, c.seed)
    words = int(np.count_nonzero(np.asarray(tokens) >= 0))
    params = make_params(model_code(c.sg, c.shared_negatives), c.window, c.negative, c.alpha,
                         c.min_alpha, words)
    res = train_slice(weights, make_tables(prepared.vocab.counts, c.sample, c.ns_exponent),
                      params, tokens, 0, len(tokens), threads=1, seed=c.seed)
    assert res.words == words and res.examples > 0
    np.testing.assert_array_equal(weights.syn0[:, :c.dim], emb.vectors)


# --------------------------------------------------------------------------------------------
# A real cluster
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def client():
    with local_cluster(2, 1) as c:
        yield c


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return write_corpus(tmp_path_factory.mktemp("cluster") / "corpus.txt")


@pytest.fixture(scope="module")
def cluster_run(client, corpus, tmp_path_factory):
    cache = tmp_path_factory.mktemp("cluster-cache")
    return fastw2v.train(corpus, client=client, cache_dir=cache, **SETTINGS)


def test_the_cluster_counts_the_vocabulary_and_the_words_of_one_machine(cluster_run, corpus):
    local = fastw2v.train(corpus, **LOCAL)
    assert cluster_run.words == local.words
    np.testing.assert_array_equal(cluster_run.counts, local.counts)
    assert cluster_run.stats["words"] == local.stats["words"]
    assert cluster_run.stats["raw_words"] == local.stats["raw_words"]
    c = cluster_run.stats["cluster"]
    assert c["parts"] == 2 and c["rounds"] == c["rounds_per_epoch"] * SETTINGS["epochs"] > 2
    assert c["bytes_per_round_per_worker_each_way"] == 2 * len(local.words) * 16 * 4
    assert len(c["workers"]) == 2 and sum(w["words"] for w in c["workers"]) == local.stats["words"]
    assert 0.0 <= c["communication_share"] < 1.0
    assert [e["epoch"] for e in cluster_run.stats["epochs"]] == [1, 2]
    assert cluster_run.stats["epochs"][1]["eval_loss"] < cluster_run.stats["epochs"][0]["eval_loss"]


def test_a_cluster_run_is_reproducible_and_learns(client, tmp_path, cluster_run, corpus):
    again = fastw2v.train(corpus, client=client, cache_dir=tmp_path, **SETTINGS)
    np.testing.assert_array_equal(again.vectors, cluster_run.vectors)
    topics = write_topic_corpus(tmp_path / "topics.txt")
    emb = fastw2v.train(topics, client=client, cache_dir=tmp_path, dim=24, window=3, sample=0.0,
                        min_count=1, epochs=5, seed=7, progress=False, sync_words=5_000)
    for group in GROUPS.values():
        for word in group:
            top3 = {w for w, _ in emb.most_similar(word, topn=3)}
            assert top3 == set(group) - {word}, (word, top3)


def test_compressed_corpora_and_max_vocab_size_work_on_the_cluster(client, corpus, tmp_path):
    gz = tmp_path / "corpus.txt.gz"
    gz.write_bytes(gzip.compress(open(corpus, "rb").read()))
    emb = fastw2v.train(gz, client=client, cache_dir=tmp_path, **SETTINGS)
    local = fastw2v.train(corpus, **LOCAL)
    assert emb.words == local.words
    small = fastw2v.train(corpus, client=client, cache_dir=tmp_path, max_vocab_size=50,
                          **SETTINGS)
    # Pruning keeps the most frequent words (which ones exactly depends on the order counted).
    assert 0 < len(small) <= 50 and set(small.words) <= set(local.words[:50])


def test_a_killed_worker_process_does_not_stop_training(corpus, tmp_path):
    """One worker's process is killed (SIGKILL) after the first epoch; its part is re-encoded
    where its next task runs and the result is the one of an undisturbed run."""
    settings = dict(SETTINGS, epochs=3)
    with local_cluster(2, 1) as c:
        undisturbed = fastw2v.train(corpus, client=c, use_cache=False, **settings)
        pids = c.run(os.getpid)
        victim = sorted(pids)[1]

        class Kill:
            def on_epoch_end(self, epoch, stats):
                if epoch == 1:
                    os.kill(pids[victim], signal.SIGKILL)

        emb = fastw2v.train(corpus, client=c, use_cache=False, callbacks=[Kill()], **settings)
        assert victim not in c.run(os.getpid)
    np.testing.assert_array_equal(emb.vectors, undisturbed.vectors)
    workers = emb.stats["cluster"]["workers"]
    assert sum(w["encodes"] for w in workers) >= 1
    assert sum(w["words"] for w in workers) == undisturbed.stats["words"]


def test_ctrl_c_cancels_the_round_writes_a_checkpoint_and_resume_ends_the_same(
        client, corpus, cluster_run, tmp_path, monkeypatch):
    ck = tmp_path / "ck"
    calls = []
    real_wait = distributed.wait

    def interrupted_wait(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_wait(*args, **kwargs)

    cancelled = []
    real_cancel = client.cancel
    monkeypatch.setattr(distributed, "wait", interrupted_wait)
    monkeypatch.setattr(client, "cancel", lambda fs, *a, **k: (cancelled.extend(fs),
                                                               real_cancel(fs, *a, **k)))
    with pytest.raises(TrainingInterrupted) as info:
        fastw2v.train(corpus, client=client, cache_dir=tmp_path, checkpoint=ck, **SETTINGS)
    monkeypatch.setattr(distributed, "wait", real_wait)
    monkeypatch.setattr(client, "cancel", real_cancel)
    assert info.value.checkpoint == ck
    assert len(cancelled) == 2 and all("fastw2v-round" in f.key for f in cancelled)
    saved = load_checkpoint(ck)
    assert saved.meta["cluster"]["step"] >= 1 and saved.meta["in_epoch"]
    with pytest.raises(ValueError, match="written by a run on a Dask cluster"):
        fastw2v.train(corpus, resume=ck, progress=False)
    resumed = fastw2v.train(corpus, client=client, cache_dir=tmp_path, resume=ck, progress=False)
    np.testing.assert_array_equal(resumed.vectors, cluster_run.vectors)


def test_ctrl_c_at_an_epoch_end_checkpoints_too(client, corpus, cluster_run, tmp_path):
    class CtrlC:
        def on_epoch_end(self, epoch, stats):
            raise KeyboardInterrupt

    ck = tmp_path / "ck"
    with pytest.raises(TrainingInterrupted, match="checkpoint written to"):
        fastw2v.train(corpus, client=client, cache_dir=tmp_path, checkpoint=ck,
                      callbacks=[CtrlC()], **SETTINGS)
    assert load_checkpoint(ck).meta["cluster"]["step"] == cluster_run.stats["cluster"][
        "rounds_per_epoch"]
    resumed = fastw2v.train(corpus, client=client, cache_dir=tmp_path, resume=ck, progress=False)
    np.testing.assert_array_equal(resumed.vectors, cluster_run.vectors)


def test_cluster_errors_are_explicit(client, tmp_path):
    with pytest.raises(FileNotFoundError, match="corpus file not found"):
        fastw2v.train(tmp_path / "missing.txt", client=client, **SETTINGS)
    empty = tmp_path / "empty.txt"
    empty.write_text(" \n\n ")
    with pytest.raises(CorpusError, match="contains no tokens"):
        fastw2v.train(empty, client=client, **SETTINGS)
    with pytest.raises(ValueError, match="sync_words must be an integer in"):
        fastw2v.train(empty, client=client, **{**SETTINGS, "sync_words": 0})
    with pytest.raises(ValueError, match="sync_words needs client"):
        fastw2v.train(empty, **SETTINGS)
    with pytest.raises(ValueError, match="client must be a distributed.Client"):
        fastw2v.train(empty, client=42, **SETTINGS)


def test_the_round_task_is_a_pure_function_of_its_inputs(client, corpus, tmp_path):
    """The same round task, run twice (as Dask does after a failure), returns the same weights."""
    source, _ = client.submit(tasks.describe_corpus, str(corpus)).result()
    vocab = tasks.VocabPayload.of(prepare_corpus(corpus, min_count=1).vocab)
    rng = np.random.default_rng(0)
    w = tasks.Weights2D(*(rng.standard_normal((len(vocab.words), 8)).astype(np.float32) * 0.1
                          for _ in range(2)))
    job = tasks.RoundJob(source=source, part=tasks.Part(1, source.size // 2, source.size),
                         streams=tasks.StreamSpec(str(tmp_path)), step=3, rounds_per_epoch=4,
                         model=model_code(True, True), window=3, negative=3, alpha=0.05,
                         min_alpha=0.0002, sample=1e-3, ns_exponent=0.75, dim=8, seed=5,
                         threads=1, done=1000, total=100_000, share=0.5)
    a, b = client.gather([client.submit(tasks.train_round, w, vocab, job, pure=False)
                          for _ in range(2)])
    assert a.words > 0 and not np.array_equal(a.weights.syn0, w.syn0)
    np.testing.assert_array_equal(a.weights.syn0, b.weights.syn0)
    np.testing.assert_array_equal(a.weights.syn1, b.weights.syn1)


# --------------------------------------------------------------------------------------------
# Command line and API surface
# --------------------------------------------------------------------------------------------

def test_the_command_line_trains_on_a_scheduler_and_on_a_local_cluster(client, corpus, tmp_path,
                                                                       capsys):
    out = tmp_path / "v.txt"
    address = client.scheduler.address
    rc = cli.main(["train", str(corpus), "-o", str(out), "--scheduler", address, "--dim", "8",
                   "--min-count", "1", "--epochs", "1", "--sync-words", "30000",
                   "--cache-dir", str(tmp_path), "--no-progress", "-q"])
    assert rc == 0 and "(word2vec text: 400 words x 8 dimensions)" in capsys.readouterr().out
    assert fastw2v.Embeddings.load_word2vec_format(out).vectors.shape == (400, 8)
    out2 = tmp_path / "v2.bin"
    rc = cli.main(["train", str(corpus), "-o", str(out2), "--local-cluster", "2", "--workers",
                   "1", "--dim", "8", "--min-count", "1", "--epochs", "1", "--cache-dir",
                   str(tmp_path), "--no-progress", "-q"])
    assert rc == 0 and out2.is_file()
    assert cli.main(["train", str(corpus), "-o", str(out), "--sync-words", "10"]) == 2
    assert "--sync-words needs --scheduler or --local-cluster" in capsys.readouterr().err


def test_fastw2v_train_documents_client_and_sync_words():
    import inspect
    params = inspect.signature(fastw2v.train).parameters
    assert params["client"].default is None and params["sync_words"].default is None
    assert "dim" in params and "resume" in params
    assert "client : distributed.Client or str" in fastw2v.train.__doc__
    assert "sync_words : int" in fastw2v.train.__doc__
    assert rounds.DEFAULT_SYNC_WORDS == 250_000  # the value the docs state
    assert "(default 250,000," in " ".join(fastw2v.train.__doc__.split())


def test_single_machine_options_are_refused_on_a_cluster(tmp_path):
    """Options only one machine has are one clear error, before any connection is tried."""
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c\n")
    with pytest.raises(ValueError, match=r"not available when training on a Dask cluster "
                                         r"\(client=...\): hs=True, read_vocab="):
        fastw2v.train(corpus, client="tcp://127.0.0.1:9", hs=True, read_vocab="v.txt")
    with pytest.raises(TypeError, match="the corpus must be a path or URL every worker can read, "
                                        "got list"):
        fastw2v.train([["a", "b"]], client="tcp://127.0.0.1:9")
    with pytest.raises(TypeError, match="unexpected keyword argument 'windw'"):
        fastw2v.train(corpus, client="tcp://127.0.0.1:9", windw=3)


def test_the_command_line_names_the_single_machine_options_it_refuses(tmp_path, capsys):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c\n")
    code = cli.main(["train", str(corpus), "-o", str(tmp_path / "v.bin"), "--local-cluster", "2",
                     "--hs", "--no-eval-loss"])
    err = capsys.readouterr().err
    assert code == 2 and "--hs, --no-eval-loss: not available with --scheduler / " \
        "--local-cluster (one machine only)" in err, err
    assert not (tmp_path / "v.bin").exists()
