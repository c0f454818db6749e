"""Nothing stale or damaged is trusted: damaged checkpoints, damaged and stale token caches.

A damaged checkpoint is refused with one line naming the file and what is wrong (exit 2), before
training starts; "damaged" includes files whose checksums were updated to match, so that every
check of types, shapes and ranges is reached. A damaged cache entry is rebuilt with a warning; a
corpus changed behind the cache's back (same size, modification time restored) is read again.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

import fastw2v
from cli_helpers import assert_clean_error, run
from fastw2v.base import paths
from fastw2v.config import TrainConfig
from fastw2v.corpus import cache as cache_module
from fastw2v.corpus.cache import prepare_corpus
from fastw2v.errors import ModelFormatError
from fastw2v.training.checkpoint import load_checkpoint
from fastw2v.training.trainer import Trainer, TrainingInterrupted
from test_lifecycle import write_corpus

SETTINGS = dict(dim=16, window=3, negative=3, sample=1e-3, min_count=1, epochs=3, workers=1,
                seed=3, progress=False)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("damage") / "corpus.txt")


@pytest.fixture(scope="module")
def reference(corpus):
    return fastw2v.train(corpus, **SETTINGS)


@pytest.fixture(scope="module")
def pristine(corpus, tmp_path_factory) -> Path:
    """A checkpoint after epoch 1 of 3 (format version 2)."""
    ck = tmp_path_factory.mktemp("pristine") / "ck"

    class Stop:
        def on_epoch_end(self, epoch, stats):
            if epoch == 1:
                raise KeyboardInterrupt
    with pytest.raises(TrainingInterrupted, match="checkpoint written"):
        fastw2v.train(corpus, checkpoint=ck, callbacks=[Stop()], **SETTINGS)
    return ck


@pytest.fixture
def ck(pristine, tmp_path) -> Path:
    copy = tmp_path / "ck"
    shutil.copytree(pristine, copy)
    return copy


def current(ck: Path) -> Path:
    return ck / json.loads((ck / "checkpoint.json").read_text())["current"]


def resign(ck: Path) -> None:
    """Update every checksum after an edit, as if the damage had been written consistently."""
    where = current(ck)
    meta = json.loads((where / "meta.json").read_text())
    for name in meta["files"]:
        meta["files"][name] = sha256((where / name).read_bytes())
    text = json.dumps(meta).encode()
    (where / "meta.json").write_bytes(text)
    manifest = json.loads((ck / "checkpoint.json").read_text())
    manifest["meta_sha256"] = sha256(text)
    (ck / "checkpoint.json").write_text(json.dumps(manifest))


def edit_state(name, fn):
    """Apply ``fn`` to one array of state.npz (in place, or return a replacement)."""
    def damage(ck):
        path = current(ck) / "state.npz"
        with np.load(path) as z:
            arrays = {k: z[k].copy() for k in z.files}
        new = fn(arrays[name])
        if new is not None:
            arrays[name] = new
        np.savez(path, **arrays)
        resign(ck)
    return damage


def edit_meta(fn):
    def damage(ck):
        path = current(ck) / "meta.json"
        meta = json.loads(path.read_text())
        fn(meta)
        path.write_text(json.dumps(meta))
        resign(ck)
    return damage


def edit_manifest(fn):
    def damage(ck):
        path = ck / "checkpoint.json"
        manifest = json.loads(path.read_text())
        fn(manifest)
        path.write_text(json.dumps(manifest))
    return damage


def truncate(name, resigned):
    def damage(ck):
        path = current(ck) / name
        path.write_bytes(path.read_bytes()[:path.stat().st_size // 2])
        if resigned:
            resign(ck)
    return damage


def nan_weight(ck):
    path = current(ck) / "syn1.npy"
    w = np.load(path)
    w[7, 3] = np.nan
    np.save(path, w)
    resign(ck)


def float64_weights(ck):
    path = current(ck) / "syn0.npy"
    np.save(path, np.load(path).astype(np.float64))
    resign(ck)


def vocab_line_dropped(ck):
    path = current(ck) / "vocab.tsv"
    path.write_text("".join(path.read_text().splitlines(keepends=True)[:-1]))
    resign(ck)


def cursor(values):
    def fn(a):
        a[0] = values
    return fn


#: (what, damage, file the message must name, words it must hold)
DAMAGES = [
    ("state.npz cut short", truncate("state.npz", False), "state.npz", "checksum"),
    ("state.npz cut short, checksums updated", truncate("state.npz", True), "state.npz",
     "not a readable .npz"),
    ("syn0.npy cut short, checksums updated", truncate("syn0.npy", True), "syn0.npy",
     "truncated"),
    ("syn1.npy replaced by garbage, checksums updated",
     lambda ck: ((current(ck) / "syn1.npy").write_bytes(b"\x93NUMPY garbage"), resign(ck)),
     "syn1.npy", "not a readable .npy"),
    ("float64 weights", float64_weights, "syn0.npy", "expected float32"),
    ("a NaN weight", nan_weight, "syn1.npy", "NaN"),
    ("a word id beyond the vocabulary in a buffer",
     edit_state("buffers", lambda a: a.__setitem__((0, 5), 10**6)), "state.npz", "'buffers'"),
    ("a negative word id in a buffer",
     edit_state("buffers", lambda a: a.__setitem__((0, 0), -3)), "state.npz", "'buffers'"),
    ("a cursor beyond its shard", edit_state("cursors", cursor([10**9, 0, 0])), "state.npz",
     "cursor position"),
    ("a cursor beyond its buffer", edit_state("cursors", cursor([-1, 99999, 0])), "state.npz",
     "block buffer"),
    ("first > fill", edit_state("cursors", cursor([5, 3, 7])), "state.npz", "block buffer"),
    ("a zero random state", edit_state("rng_states", lambda a: a.__setitem__(0, 0)),
     "state.npz", "rng_states"),
    ("an array of another shape", edit_state("stats", lambda a: a[:, :4]), "state.npz",
     "'stats'"),
    ("an array of another type", edit_state("cursors", lambda a: a.astype(np.float64)),
     "state.npz", "'cursors'"),
    ("epoch as a string", edit_meta(lambda m: m["state"].__setitem__("epoch", "1")), "meta.json",
     "'epoch' must be an integer"),
    ("a key missing", edit_meta(lambda m: m["state"].pop("elapsed")), "meta.json", "elapsed"),
    ("history of another length", edit_meta(lambda m: m["state"].__setitem__("history", [])),
     "meta.json", "'history'"),
    ("an unknown parameter", edit_meta(lambda m: m["config"].__setitem__("speed", 3)),
     "meta.json", "unknown training parameter"),
    ("a parameter of the wrong type", edit_meta(lambda m: m["config"].__setitem__("dim", "16")),
     "meta.json", "dim must be"),
    ("meta.json edited, checksum not updated",
     lambda ck: (current(ck) / "meta.json").write_text(
         (current(ck) / "meta.json").read_text().replace('"epoch": 1', '"epoch": 2')),
     "meta.json", "checksum"),
    ("a vocabulary line dropped", vocab_line_dropped, "syn0.npy", "expected float32"),
    ("a garbled manifest", lambda ck: (ck / "checkpoint.json").write_text("{\"format\": "),
     "checkpoint.json", "JSON"),
    ("'current' of the wrong type", edit_manifest(lambda m: m.__setitem__("current", 5)),
     "checkpoint.json", "'current'"),
    ("'current' names nothing", edit_manifest(lambda m: m.__setitem__("current", "v000009")),
     "checkpoint.json", "missing"),
    ("a newer format", edit_manifest(lambda m: m.__setitem__("version", 3)), "", "version 3"),
    ("a weight file deleted", lambda ck: (current(ck) / "syn1.npy").unlink(), "syn1.npy",
     "cannot be read"),
]


@pytest.mark.parametrize("what,damage,name,needle", DAMAGES, ids=[d[0] for d in DAMAGES])
def test_a_damaged_checkpoint_is_one_clear_line(corpus, ck, tmp_path, capsys, what, damage, name,
                                                needle):
    damage(ck)

    def files():
        return sorted((str(p), p.stat().st_mtime_ns) for p in ck.rglob("*")
                      if p.is_file() and p.name != ".fastw2v.lock")
    before = files()
    out = tmp_path / "vec.txt"
    code, _, err = run(capsys, "train", corpus, "-o", out, "--resume", ck)
    where = str(current(ck) / name) if name not in ("", "checkpoint.json") else str(ck)
    assert_clean_error(code, err, where, needle)
    if name != "syn1.npy":
        assert "alpha" not in err  # a damaged file is not blamed on the learning rate
    assert not out.exists()
    assert files() == before  # a damaged checkpoint is left as it is
    with pytest.raises(ModelFormatError, match="checkpoint") as info:
        load_checkpoint(ck)
    assert needle.lower() in str(info.value).lower()


def test_a_version_1_checkpoint_resumes_and_is_checked_the_same_way(ck, corpus, reference,
                                                                    tmp_path):
    """The layout before this version: the files in the directory, the state in the manifest."""
    where = current(ck)
    meta = json.loads((where / "meta.json").read_text())
    for name in ("syn0.npy", "syn1.npy", "state.npz", "vocab.tsv"):
        os.replace(where / name, ck / name)
    shutil.rmtree(where)
    v1 = dict(format="fastw2v-checkpoint", version=1, config=meta["config"], **meta["state"])
    (ck / "checkpoint.json").write_text(json.dumps(v1))
    bad = tmp_path / "bad"
    shutil.copytree(ck, bad)
    with np.load(bad / "state.npz") as z:
        arrays = {k: z[k].copy() for k in z.files}
    arrays["buffers"][0, 0] = 10**6
    np.savez(bad / "state.npz", **arrays)
    with pytest.raises(ModelFormatError, match=r"bad.state\.npz.*'buffers'"):
        fastw2v.train(corpus, resume=bad, progress=False)
    resumed = fastw2v.train(corpus, resume=ck, checkpoint=ck, progress=False)
    np.testing.assert_array_equal(resumed.vectors, reference.vectors)
    assert not ck.exists()


def test_no_stream_makes_the_kernels_index_out_of_bounds(corpus):
    """Defence in depth behind the cache's checks: an id at or beyond the vocabulary size is a
    sentence end for the kernels, never an index (without it this test crashes the process)."""
    prepared = prepare_corpus(corpus, min_count=1, use_cache=False)
    tokens = np.array(prepared.tokens)
    where = np.arange(100, len(tokens), 997)
    bad = tokens.copy()
    bad[where] = len(prepared.vocab) + np.arange(len(where)) * 100_000
    config = TrainConfig(**{k: v for k, v in SETTINGS.items() if k != "progress"})
    trainer = Trainer(config, bad, prepared.vocab.counts, eval_loss=False)
    trainer.run(progress=False)
    assert np.isfinite(trainer.vectors).all()
    valid = int(np.count_nonzero(bad >= 0)) - len(where)
    assert trainer.words_done() == valid * config.epochs  # the bad ids were not read as words


# ------------------------------------------------------------------------------------------- #
# the token-stream cache
# ------------------------------------------------------------------------------------------- #
def entry_files(cache: Path):
    (meta,) = cache.glob("*.json")
    stem = meta.name[:-len(".json")]
    return cache / f"{stem}.tokens.i32", cache / f"{stem}.vocab.tsv", meta


def edit_entry_meta(fn):
    def damage(cache):
        meta_path = entry_files(cache)[2]
        meta = json.loads(meta_path.read_text())
        meta_path.write_text(json.dumps(fn(meta)))
    return damage


def edit_tokens(fn):
    def damage(cache):
        path = entry_files(cache)[0]
        ids = np.fromfile(path, dtype=np.int32)
        fn(ids).astype(np.int32).tofile(path)
    return damage


CACHE_DAMAGES = {
    "zeros": edit_tokens(np.zeros_like),
    "random bytes": edit_tokens(lambda a: np.random.default_rng(1).integers(
        -2**31, 2**31 - 1, a.size, dtype=np.int64)),
    "ids shifted by one": edit_tokens(lambda a: np.where(a >= 0, a + 1, a)),
    "one id changed": edit_tokens(lambda a: np.where(np.arange(a.size) == 17, 0, a)),
    "cut short": edit_tokens(lambda a: a[:-1]),
    "two words swapped in the vocabulary": lambda cache: entry_files(cache)[1].write_text(
        "\n".join([*(lambda ls: [ls[1], ls[0], *ls[2:]])(
            entry_files(cache)[1].read_text().splitlines())]) + "\n"),
    "a count of the wrong type": edit_entry_meta(lambda m: dict(m, n_tokens=str(m["n_tokens"]))),
    "not an object": edit_entry_meta(lambda m: [m]),
    "another checksum": edit_entry_meta(lambda m: dict(m, tokens_sha256="0" * 64)),
    "vocabulary deleted": lambda cache: entry_files(cache)[1].unlink(),
}


@pytest.mark.parametrize("what", list(CACHE_DAMAGES))
def test_a_damaged_cache_entry_is_rebuilt_with_a_warning(corpus, tmp_path, caplog, what):
    cache = tmp_path / "cache"
    fresh = prepare_corpus(corpus, min_count=1, cache_dir=cache)
    fresh_tokens, fresh_vocab = np.array(fresh.tokens), fresh.vocab
    CACHE_DAMAGES[what](cache)
    caplog.clear()
    again = prepare_corpus(corpus, min_count=1, cache_dir=cache)
    assert not again.from_cache
    assert "damaged cache entry" in caplog.text and entry_files(cache)[2].name in caplog.text
    np.testing.assert_array_equal(again.tokens, fresh_tokens)
    assert again.vocab == fresh_vocab
    assert prepare_corpus(corpus, min_count=1, cache_dir=cache).from_cache


def test_training_on_a_damaged_cache_gives_the_right_vectors(corpus, reference, tmp_path,
                                                             capsys):
    cache = tmp_path / "cache"
    prepare_corpus(corpus, min_count=1, cache_dir=cache)
    CACHE_DAMAGES["zeros"](cache)  # "the the the ..." if it were trusted
    out = tmp_path / "vec.txt"
    code, _, err = run(capsys, "train", corpus, "-o", out, "--cache-dir", cache, "--dim", "16",
                       "--window", "3", "--negative", "3", "--sample", "1e-3", "--min-count",
                       "1", "--epochs", "3", "--workers", "1", "--seed", "3", "--no-progress")
    assert code == 0, err
    assert "damaged cache entry" in err
    np.testing.assert_array_equal(fastw2v.Embeddings.load_word2vec_format(out).vectors,
                                  reference.vectors)


def same_size_other_text(path: Path) -> bytes:
    """The corpus with its lines in another order: same size, same words, another stream."""
    lines = path.read_bytes().splitlines(keepends=True)
    return b"".join(lines[1:] + lines[:1])


def rewrite_in_place(p: Path, text: bytes, st):
    with open(p, "r+b") as fh:
        fh.write(text)


def rewrite_by_mv(p: Path, text: bytes, st):
    tmp = p.with_name("new.txt")
    tmp.write_bytes(text)
    os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(tmp, p)


def rewrite_by_cp_p(p: Path, text: bytes, st):
    tmp = p.with_name("new.txt")
    tmp.write_bytes(text)
    os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
    shutil.copy2(tmp, p)


def rewrite_behind_a_symlink(p: Path, text: bytes, st):
    target = p.resolve()
    rewrite_by_mv(target, text, st)


@pytest.mark.parametrize("rewrite", [rewrite_in_place, rewrite_by_mv, rewrite_by_cp_p,
                                     rewrite_behind_a_symlink])
def test_a_corpus_rewritten_with_its_mtime_restored_is_read_again(corpus, tmp_path, rewrite):
    target = tmp_path / "corpus.txt"
    target.write_bytes(corpus.read_bytes())
    p = target
    if rewrite is rewrite_behind_a_symlink:
        p = tmp_path / "link.txt"
        p.symlink_to(target)
    cache = tmp_path / "cache"
    first = np.array(prepare_corpus(p, min_count=1, cache_dir=cache).tokens)
    st = target.stat()
    text = same_size_other_text(target)
    rewrite(target, text, st)
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (target.stat().st_size, target.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    again = prepare_corpus(p, min_count=1, cache_dir=cache)
    assert not again.from_cache
    assert not np.array_equal(again.tokens, first)
    np.testing.assert_array_equal(again.tokens,
                                  prepare_corpus(p, min_count=1, use_cache=False).tokens)
    assert len(list(cache.glob("*.json"))) == 1  # the stale entry is gone


def test_a_change_the_file_times_cannot_show_is_caught_by_the_content_hash(corpus, tmp_path,
                                                                           monkeypatch):
    """A file system with a coarse clock (or no change time, no inodes): a rewrite moments after
    the corpus was read leaves every recorded time as it was. Such a "racy" entry records the
    corpus's SHA-256 and checks it (git's racy-entry rule)."""
    monkeypatch.setattr(paths, "file_identity", lambda st: {"size": st.st_size,
                                                            "mtime_ns": st.st_mtime_ns})
    p = tmp_path / "corpus.txt"
    p.write_bytes(corpus.read_bytes())
    cache = tmp_path / "cache"
    first = np.array(prepare_corpus(p, min_count=1, cache_dir=cache).tokens)
    st = p.stat()
    rewrite_in_place(p, same_size_other_text(p), st)
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
    again = prepare_corpus(p, min_count=1, cache_dir=cache)
    assert not again.from_cache and not np.array_equal(again.tokens, first)
    # and the check is what catches it: an entry not marked racy would have been trusted
    monkeypatch.setattr(cache_module, "RACY_NS", -10**18)
    shutil.rmtree(cache)
    prepare_corpus(p, min_count=1, cache_dir=cache)
    rewrite_in_place(p, corpus.read_bytes(), st)
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert prepare_corpus(p, min_count=1, cache_dir=cache).from_cache


def test_a_damaged_cached_dump_text_is_converted_again(tmp_path, caplog):
    from fastw2v.wiki.dump import ensure_text_corpus
    from test_wikidump import MULTISTREAM, TRICKY_TEXT8

    cache = tmp_path / "cache"
    out = ensure_text_corpus(MULTISTREAM, cache_dir=cache)
    out.write_text(out.read_text()[:40])  # cut short
    again = ensure_text_corpus(MULTISTREAM, cache_dir=cache)
    assert "converting the dump again" in caplog.text
    assert again.read_text(encoding="utf-8") == "\n".join(TRICKY_TEXT8) + "\n"
