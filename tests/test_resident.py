"""What of the memory-mapped token stream stays resident (fastw2v.corpus.stream.release_pages),
and the C heap trim after corpus preparation (fastw2v.base.memory).

The resident share of one mapping is read from ``/proc/self/smaps`` (Linux); elsewhere the
measuring tests are skipped.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest

from fastw2v.base.memory import release_free_memory
from fastw2v.config import TrainConfig
from fastw2v.corpus.stream import SENTENCE_END, open_tokens, release_pages
from fastw2v.kernels.state import token_stream
from fastw2v.training import trainer as trainer_module
from fastw2v.training.trainer import Trainer

SMAPS = Path("/proc/self/smaps")
needs_smaps = pytest.mark.skipif(not SMAPS.exists(), reason="needs /proc/self/smaps (Linux)")

#: Ids in the test stream: 4M int32, a 16 MB file (4,096 pages).
N_IDS = 4 << 20
N_WORDS = 500


def resident_kb(path: Path) -> int:
    """Resident KB of this process's mappings of ``path``."""
    target = os.path.realpath(path)
    total, inside = 0, False
    with open(SMAPS) as fh:
        for line in fh:
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                fields = line.split(None, 5)
                inside = len(fields) == 6 and fields[5].strip() == target
            elif inside and line.startswith("Rss:"):
                total += int(line.split()[1])
    return total


def write_stream(path: Path, n_ids: int = N_IDS, seed: int = 0) -> np.ndarray:
    """A valid stream: word ids below N_WORDS, a marker after every 20th word, ending with one."""
    ids = np.random.default_rng(seed).integers(0, N_WORDS, size=n_ids).astype(np.int32)
    ids[19::20] = SENTENCE_END
    ids[-1] = SENTENCE_END
    ids.tofile(path)
    return ids


@needs_smaps
def test_release_drops_the_pages_and_keeps_the_values(tmp_path):
    path = tmp_path / "s.i32"
    expected = write_stream(path)
    tokens = token_stream(open_tokens(path))  # a view, as training holds it
    total = int(tokens.sum(dtype=np.int64))  # reads every page
    assert resident_kb(path) > 15_000
    assert release_pages(tokens) is True
    assert resident_kb(path) < 1_000
    assert int(tokens.sum(dtype=np.int64)) == total == int(expected.sum(dtype=np.int64))
    assert np.array_equal(tokens[::4096], expected[::4096])


def test_arrays_that_are_not_read_only_file_maps_are_left_alone(tmp_path):
    in_memory = np.arange(1 << 16, dtype=np.int32)
    assert release_pages(in_memory) is False
    assert release_pages(in_memory[10:]) is False
    assert np.array_equal(in_memory, np.arange(1 << 16, dtype=np.int32))
    path = tmp_path / "s.i32"
    write_stream(path, n_ids=1 << 16)
    for mode in ("c", "r+"):  # private copy-on-write pages would be lost; writable: not ours
        mapped = np.memmap(path, dtype=np.int32, mode=mode)
        mapped[0] = 12345
        assert release_pages(mapped) is False
        assert mapped[0] == 12345
        del mapped


@needs_smaps
def test_trainer_setup_leaves_little_of_the_stream_resident(tmp_path):
    """Counting the sentence markers and drawing the evaluation-loss probe read the whole
    stream (the probe at 20,000 random positions); both release what they read."""
    path = tmp_path / "s.i32"
    ids = write_stream(path)
    counts = np.full(N_WORDS, 100, dtype=np.int64)
    tokens = open_tokens(path)
    tr = Trainer(TrainConfig(dim=8, workers=1, epochs=1, min_count=1), tokens, counts,
                 eval_loss=True)
    assert tr.loss_probe is not None
    assert tr.words_per_epoch == int(np.count_nonzero(ids >= 0))
    assert resident_kb(path) < 4_000  # a quarter of the file


def test_training_releases_the_stream_while_it_waits(tmp_path, monkeypatch):
    path = tmp_path / "s.i32"
    write_stream(path, n_ids=1 << 18)
    calls = []

    def counting(tokens):
        calls.append(tokens.size)
        return True

    monkeypatch.setattr(trainer_module, "release_pages", counting)
    monkeypatch.setattr(trainer_module, "RELEASE_SECONDS", 0.0)
    monkeypatch.setattr(trainer_module, "POLL_SECONDS", 1e-4)
    tr = Trainer(TrainConfig(dim=8, workers=2, epochs=2, min_count=1), open_tokens(path),
                 np.full(N_WORDS, 100, dtype=np.int64), eval_loss=False)
    n_setup = len(calls)
    assert n_setup >= 1  # the marker count
    tr.run(progress=False)
    assert len(calls) > n_setup
    assert set(calls) == {1 << 18}


def test_release_free_memory_answers_whether_it_trimmed():
    expected = os.uname().sysname == "Linux" and os.path.exists("/proc/self/maps")
    result = release_free_memory()
    assert isinstance(result, bool)
    if not expected:
        assert result is False


# ------------------------------------------------------------------------------------------- #
# checkpoint writing keeps no big temporaries
# ------------------------------------------------------------------------------------------- #
@pytest.mark.parametrize("size", [0, 1, (1 << 20) - 1, 1 << 20, (3 << 20) + 17])
def test_sha256_file_over_chunk_boundaries(tmp_path, size):
    import hashlib

    from fastw2v.base.atomic import HASH_CHUNK_BYTES, sha256_file
    assert HASH_CHUNK_BYTES == 1 << 20  # the sizes above straddle it
    data = np.random.default_rng(size).integers(0, 256, size=size, dtype=np.uint8).tobytes()
    (tmp_path / "f").write_bytes(data)
    assert sha256_file(tmp_path / "f") == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("array", [
    np.arange(12, dtype=np.float32).reshape(3, 4), np.arange(5, dtype=np.int64),
    np.zeros((0, 4), dtype=np.float32), np.arange(6, dtype=np.uint64).reshape(2, 3),
    np.arange(12, dtype=np.float32).reshape(3, 4)[:, :2]])
def test_checkpoint_arrays_are_written_as_numpy_save_writes_them(tmp_path, array):
    import hashlib

    from concurrent.futures import ThreadPoolExecutor

    from fastw2v.training.checkpoint import _save_npy
    with ThreadPoolExecutor(1) as hasher:
        digest = _save_npy(tmp_path / "a.npy", array, hasher).result()
    np.save(tmp_path / "b.npy", np.ascontiguousarray(array))
    data = (tmp_path / "a.npy").read_bytes()
    assert data == (tmp_path / "b.npy").read_bytes()
    assert digest == hashlib.sha256(data).hexdigest()
    assert np.array_equal(np.load(tmp_path / "a.npy"), array)


def test_later_checkpoints_link_the_unchanged_vocabulary_file(tmp_path):
    """A run's vocabulary never changes: from the second checkpoint on its file is a hard link
    to the previous version's, and every version still loads and checks out."""
    from fastw2v.corpus.vocab import Vocab
    from fastw2v.training.checkpoint import MANIFEST, CheckpointDir, load_checkpoint

    def current_version_dir(ck):
        return ck / json.loads((ck / MANIFEST).read_text())["current"]

    path = tmp_path / "s.i32"
    write_stream(path, n_ids=4096)
    vocab = Vocab([f"w{i}" for i in range(N_WORDS)], np.full(N_WORDS, 10))
    tr = Trainer(TrainConfig(dim=8, workers=1, epochs=2, min_count=1), open_tokens(path),
                 vocab.counts, eval_loss=False)
    store = CheckpointDir(tmp_path / "ck").open()

    def save(v):
        store.save(config=tr.config, vocab=v, syn0=tr.syn0, syn1=tr.syn1,
                   arrays=tr.state_arrays(), meta=tr.state_meta(), syn1hs=tr.syn1hs)
        return current_version_dir(store.path) / "vocab.tsv"

    try:
        first = save(vocab)
        inode = first.stat().st_ino
        assert first.stat().st_nlink == 1
        second = save(vocab)
        assert second != first and second.stat().st_ino == inode  # linked, not rewritten
        assert load_checkpoint(store.path).vocab == vocab
        equal_but_new = Vocab(list(vocab.words), vocab.counts)
        third = save(equal_but_new)  # another object: written again
        assert third.stat().st_ino != inode
        assert load_checkpoint(store.path).vocab == vocab
    finally:
        store.close()


@pytest.mark.parametrize("dim", [10, 16, 100])
def test_take_vectors_moves_the_rows_in_place_and_frees_the_other_weights(tmp_path, dim,
                                                                          monkeypatch):
    """The vectors ``train()`` returns are made in the input matrix's own memory: no copy of it
    at the end of a run, when both weight matrices are still held."""
    monkeypatch.setattr(trainer_module, "_COMPACT_ROWS", 7)  # many blocks, a ragged last one
    path = tmp_path / "s.i32"
    write_stream(path, n_ids=1 << 14)
    tr = Trainer(TrainConfig(dim=dim, workers=1, epochs=1, min_count=1), open_tokens(path),
                 np.full(N_WORDS, 100, dtype=np.int64), eval_loss=False)
    tr.run(progress=False)
    expected = tr.vectors
    buffer = tr.syn0
    taken = tr.take_vectors()
    assert tr.weights is None
    assert taken.shape == (N_WORDS, dim) and taken.dtype == np.float32
    assert taken.flags.c_contiguous and np.shares_memory(taken, buffer)
    assert np.array_equal(taken, expected)
