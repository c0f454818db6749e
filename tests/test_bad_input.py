"""No bad input breaks fastw2v (issue 6): every case of the table, through the real command line.

Each bad input ends the command with exit status 2, one line ``fastw2v: error: <message>`` on
stderr naming the problem (the path, the parameter and its range, ``min_count``, ...), no
traceback, no output file, and an existing output file left as it was. Argument errors that
argparse catches (unknown options, a word where a number belongs) exit with 2 and its usage line.

The cases and their tests:

* missing corpus, a directory, an empty file, whitespace only, no word reaching ``min_count``
  (also after ``max_vocab_size`` pruning), corrupt gzip: ``test_bad_corpus``;
* binary junk and invalid UTF-8 in the corpus (trains; the warning states how many words were
  replaced, on a cache hit too): ``test_binary_junk_trains_and_warns_with_the_count``,
  ``test_invalid_utf8_words_are_counted_in_the_warning``;
* a single line of hundreds of MB (streams, never cut, bounded peak RSS):
  ``test_single_line_of_200_mb_streams_in_bounded_memory``; a line without any whitespace:
  ``test_line_without_whitespace_is_searched_once``;
* ``dim``, ``window``, ``negative``, ``epochs`` <= 0, ``sample`` < 0, ``alpha`` <= 0 or NaN,
  ``min_alpha`` > ``alpha``, ``workers`` < 1 (and ``min_count``, ``max_vocab_size`` < 1), checked
  before training: ``test_invalid_parameter``;
* unknown options and other argparse errors: ``test_usage_error``;
* a corrupt, truncated or wrong-dimension model file, through ``fastw2v eval VECTORS`` and through
  ``Embeddings.load_word2vec_format`` / ``Embeddings.load``: ``test_bad_model_file_eval``,
  ``test_bad_model_file_api`` (the table ``MODEL_CASES``);
* an output directory that is missing or not writable, or an output that is a directory, checked
  before training: ``test_bad_output``;
* no traceback from a real ``python -m fastw2v`` process:
  ``test_real_process_prints_one_line_no_traceback``.

Arbitrary bytes as a corpus, a vocabulary file or a vector file: tests/test_properties.py
(hypothesis). Counting 10 million distinct words in bounded memory: tests/test_memory.py.
"""
from __future__ import annotations

import gzip
import json
import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import fastw2v
from fastw2v.training import api as api
from fastw2v.vectors.embeddings import Embeddings
from fastw2v.errors import ModelFormatError
from fastw2v.corpus import reader as reader_module
from fastw2v.corpus.cache import prepare_corpus
from cli_helpers import assert_clean_error, run

REPO = Path(__file__).resolve().parent.parent
TINY = REPO / "data" / "fixtures" / "tiny.txt"
#: Small and fast training options.
BASE = ["--dim", "8", "--epochs", "1", "--workers", "1", "--no-progress"]




def files_under(d: Path):
    return sorted(str(p.relative_to(d)) for p in d.rglob("*")) if d.exists() else []


@pytest.fixture
def dirs(tmp_path):
    """``in`` for inputs, ``out`` for the output, ``cache`` for the token-stream cache."""
    for name in ("in", "out", "cache"):
        (tmp_path / name).mkdir()
    return tmp_path


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if training starts: the CLI must reject the input before that."""
    def refuse(*args, **kwargs):
        raise AssertionError("training started")
    monkeypatch.setattr(api, "train_with_config", refuse)


# ------------------------------------------------------------------------------------------- #
# the corpus
# ------------------------------------------------------------------------------------------- #
def _make_corpus(d: Path, kind: str) -> Path:
    p = d / f"corpus-{kind}.txt"
    if kind == "missing":
        pass
    elif kind == "directory":
        p.mkdir()
    elif kind == "empty":
        p.write_bytes(b"")
    elif kind == "whitespace":
        p.write_bytes(b" \n\t\r\n\x0b\x0c\n\n   ")
    elif kind in ("rare", "all-pruned"):
        p.write_text("every word here occurs once only\nbut here twice\n")
    elif kind == "rare-pruned":
        p.write_text("a a a b c d\n")
    elif kind == "corrupt-gzip":
        p = d / "corpus.txt.gz"
        p.write_bytes(gzip.compress(b"a fine corpus\n" * 1000)[:40])
    return p


@pytest.mark.parametrize("kind, extra, needles", [
    ("missing", [], ["corpus file not found", "corpus-missing.txt"]),
    ("directory", [], ["is a directory", "corpus-directory.txt"]),
    ("empty", [], ["contains no tokens", "empty", "corpus-empty.txt"]),
    ("whitespace", [], ["contains no tokens", "whitespace only", "corpus-whitespace.txt"]),
    # Hints name the command's options (--min-count), not the Python arguments (min_count).
    ("rare", [], ["occurs at least 5 times (--min-count)", "corpus-rare.txt", "occurs 2 times"]),
    ("rare-pruned", ["--max-vocab-size", "2"], ["at least 5 times (--min-count)",
                                                 "'a', occurs 3 times",
                                                 "max_vocab_size pruning dropped"]),
    ("all-pruned", ["--max-vocab-size", "2"], ["max_vocab_size pruning dropped every word",
                                                "raise --max-vocab-size"]),
    ("corrupt-gzip", [], ["corrupt or truncated gzip", "corpus.txt.gz"]),
])
@pytest.mark.parametrize("existed", [False, True], ids=["no-old-output", "old-output"])
def test_bad_corpus(dirs, capsys, kind, extra, needles, existed):
    out = dirs / "out" / "vec.bin"
    if existed:
        out.write_bytes(b"previous vectors")
    corpus = _make_corpus(dirs / "in", kind)
    code, stdout, err = run(capsys, "train", corpus, "-o", out, "--cache-dir", dirs / "cache",
                            *BASE, *extra)
    assert_clean_error(code, err, *needles)
    assert stdout == ""
    assert files_under(dirs / "out") == (["vec.bin"] if existed else [])
    if existed:
        assert out.read_bytes() == b"previous vectors"
    assert files_under(dirs / "cache") == []  # no half-written token stream left behind


def _junk(seed: int, n: int) -> bytes:
    return random.Random(seed).randbytes(n)


def _n_invalid_words(data: bytes) -> int:
    n = 0
    for token in set(data.split()):
        try:
            token.decode("utf-8")
        except UnicodeDecodeError:
            n += 1
    return n


def test_binary_junk_trains_and_warns_with_the_count(dirs, capsys):
    """Random bytes are a corpus like any other: tokens are what lies between ASCII whitespace,
    words that are not UTF-8 get U+FFFD, and a warning says how many there were. Run twice: the
    second run reads the token-stream cache and warns again."""
    data = _junk(0, 30_000)
    corpus = dirs / "in" / "junk.bin"
    corpus.write_bytes(data)
    n_invalid = _n_invalid_words(data)
    assert n_invalid > 100
    decoded = {t.decode("utf-8", "replace") for t in data.split()}
    out = dirs / "out" / "vec.bin"
    for cached, quiet in ((False, ["-q"]), (True, [])):
        code, stdout, err = run(capsys, "train", corpus, "-o", out, "--cache-dir", dirs / "cache",
                                *BASE, "--min-count", "1", *quiet)
        assert code == 0, err
        assert "Traceback" not in err
        assert ("(from the cache)" in err) is cached
        warnings = [line for line in err.splitlines() if "not valid UTF-8" in line]
        assert len(warnings) == 1, err
        assert f"{n_invalid} distinct word(s) are not valid UTF-8" in warnings[0]
        assert str(corpus) in warnings[0]
        emb = Embeddings.load_word2vec_format(out)
        assert set(emb.words) == decoded
        assert np.isfinite(emb.vectors).all()
    assert files_under(dirs / "out") == ["vec.bin"]


def test_invalid_utf8_words_are_counted_in_the_warning(dirs, capsys):
    """Latin-1 text in a UTF-8 corpus: the 3 distinct undecodable words are counted and
    trained on in replaced form; words that decode alike share a vector."""
    corpus = dirs / "in" / "latin1.txt"
    corpus.write_bytes(("the café serves crème brûlée\n" * 20).encode("latin-1")
                       + "the café is open\n".encode("utf-8") * 20)
    out = dirs / "out" / "vec.txt"
    code, stdout, err = run(capsys, "train", corpus, "-o", out, "--cache-dir", dirs / "cache",
                            *BASE, "--min-count", "1", "-q")
    assert code == 0, err
    assert "3 distinct word(s) are not valid UTF-8" in err
    emb = Embeddings.load_word2vec_format(out)
    assert {"caf\ufffd", "cr\ufffdme", "br\ufffdl\ufffde", "café", "the"} <= set(emb.words)


# ------------------------------------------------------------------------------------------- #
# huge lines
# ------------------------------------------------------------------------------------------- #
_PEAK_RSS_CHILD = textwrap.dedent("""\
    import json, sys, time
    from fastw2v.corpus.cache import prepare_corpus

    def peak_kb():
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))

    base = peak_kb()
    t = time.perf_counter()
    pc = prepare_corpus(sys.argv[1], min_count=5, use_cache=False)
    seconds = time.perf_counter() - t
    peak = peak_kb()  # before touching the memory-mapped stream (its pages would count)
    print(json.dumps({"base_kb": base, "peak_kb": peak, "seconds": seconds,
                      "n_raw": pc.n_raw_tokens, "n_sentences": pc.n_sentences,
                      "vocab": len(pc.vocab), "stream": int(pc.tokens.size),
                      "last": int(pc.tokens[-1])}))
""")

#: Peak RSS allowed to prepare_corpus on the 200 MB single line (see the test).
SINGLE_LINE_PEAK_MB = 250


def _child_env():
    env = dict(os.environ)
    package_root = str(Path(fastw2v.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    return env


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_single_line_of_200_mb_streams_in_bounded_memory(tmp_path):
    """A text8-style corpus that is one 210 MB line (35 million tokens, 40,000 distinct words,
    no newline until the end) is prepared whole, never cut, in bounded memory.

    Measured (2024-11, AMD EPYC, 2 cores, Python 3.11.7, numpy 2.4.6): 4.9 s, peak RSS 117 MB,
    of which 32 MB is the interpreter with numpy (148 MB for a line of 50,000 distinct words).
    Memory is bounded by the 2 MiB read blocks and their token lists, the 16 MiB rewrite buffer
    and the vocabulary, not by the line: the line alone would take 210 MB and its tokens as
    Python objects over 1 GB. The bound, SINGLE_LINE_PEAK_MB = 250 MB, is below the size of the
    line itself.
    """
    rng = np.random.default_rng(6)
    words = [b"w%d" % i for i in range(50_000)]
    ids = (rng.random(150_000) ** 3 * len(words)).astype(np.int64)
    chunk = b" ".join(map(words.__getitem__, ids.tolist())) + b" "
    n_chunks = (200 << 20) // len(chunk) + 1
    corpus = tmp_path / "one-line.txt"
    with open(corpus, "wb") as fh:
        for _ in range(n_chunks):
            fh.write(chunk)
        fh.write(b"\n")
    assert corpus.stat().st_size > 200 << 20
    try:
        proc = subprocess.run([sys.executable, "-c", _PEAK_RSS_CHILD, str(corpus)],
                              env=_child_env(), capture_output=True, text=True, timeout=300)
    finally:
        corpus.unlink()  # pytest keeps the temporary directories of recent runs
    assert proc.returncode == 0, proc.stderr
    res = json.loads(proc.stdout)
    n_tokens = n_chunks * ids.size
    assert res["n_raw"] == n_tokens and res["n_sentences"] == 1
    assert res["vocab"] == len(set(ids.tolist()))  # every word occurs >= n_chunks >= 5 times
    assert res["stream"] == n_tokens + 1 and res["last"] == -1  # one sentence, never cut
    peak_mb = res["peak_kb"] / 1024
    print(f"\n200 MB single line: {res['seconds']:.1f} s, peak RSS {peak_mb:.0f} MB "
          f"(interpreter {res['base_kb'] / 1024:.0f} MB)")
    assert peak_mb < SINGLE_LINE_PEAK_MB, res


def test_line_without_whitespace_is_searched_once(tmp_path, monkeypatch):
    """A 4 MB token (binary junk without whitespace, or a line of one "word") read in 16 KiB
    pieces is read whole, and each piece is searched for whitespace once: the unfinished token is
    kept as a list of pieces and joined when its end is found, not re-searched (and re-copied)
    with every new piece, which is quadratic (32 MB took 24 s so). The search is counted, not
    timed; benchmarks/test_slowdown_guards.py times the 32 MB case."""
    searched = []
    real = reader_module._last_whitespace

    def counting(block):
        searched.append(len(block))
        return real(block)

    monkeypatch.setattr(reader_module, "_last_whitespace", counting)
    corpus = tmp_path / "no-whitespace.txt"
    corpus.write_bytes(b"a\n" + b"x" * (4 << 20) + b" b\n")
    pc = prepare_corpus(corpus, min_count=1, use_cache=False, chunk_bytes=16 << 10)
    assert pc.n_raw_tokens == 3 and pc.n_sentences == 2
    assert pc.vocab.words[2] == "x" * (4 << 20)
    assert pc.tokens.tolist() == [0, -1, 2, 1, -1]
    assert len(searched) > 256  # the token came in pieces
    assert sum(searched) == corpus.stat().st_size  # one pass, each byte searched once


# ------------------------------------------------------------------------------------------- #
# training parameters and options
# ------------------------------------------------------------------------------------------- #
@pytest.mark.parametrize("args, needles", [
    (["--dim", "0"], ["dim must be an integer in [1, 10000]", "got 0"]),
    (["--dim", "-3"], ["dim must be an integer in [1, 10000]", "got -3"]),
    (["-size", "0"], ["dim must be an integer in [1, 10000]", "got 0"]),
    (["--window", "0"], ["window must be an integer in [1, 1000]", "got 0"]),
    (["--window", "-1"], ["window must be an integer in [1, 1000]", "got -1"]),
    (["--negative", "0"], ["negative must be an integer in [1, 1000]", "got 0"]),
    (["--negative", "-5"], ["negative must be an integer in [1, 1000]", "got -5"]),
    (["--epochs", "0"], ["epochs must be an integer in [1, 100000]", "got 0"]),
    (["-iter", "-2"], ["epochs must be an integer in [1, 100000]", "got -2"]),
    (["--sample", "-0.001"], ["sample must be a number in [0, 1]", "got -0.001"]),
    (["--sample", "-1"], ["sample must be a number in [0, 1]", "got -1.0"]),
    (["--alpha", "0"], ["alpha must be a number in (0, 10]", "got 0.0"]),
    (["--alpha", "-0.5"], ["alpha must be a number in (0, 10]", "got -0.5"]),
    (["--alpha", "nan"], ["alpha must be a number in (0, 10]", "got nan"]),
    (["--alpha", "0.01", "--min-alpha", "0.02"], ["min_alpha must be a number in [0, alpha (0.01)]",
                                                   "got 0.02"]),
    (["--min-alpha", "-0.1"], ["min_alpha must be a number in [0, alpha (0.025)]", "got -0.1"]),
    (["--workers", "0"], ["workers must be an integer in [1, 1024]", "got 0"]),
    (["-threads", "-4"], ["workers must be an integer in [1, 1024]", "got -4"]),
    (["--min-count", "0"], ["min_count must be an integer in [1, ", "got 0"]),
    (["--max-vocab-size", "0"], ["max_vocab_size must be None or an integer in [1, ", "got 0"]),
])
@pytest.mark.parametrize("existed", [False, True], ids=["no-old-output", "old-output"])
def test_invalid_parameter(dirs, capsys, no_training, args, needles, existed):
    out = dirs / "out" / "vec.bin"
    if existed:
        out.write_bytes(b"previous vectors")
    code, stdout, err = run(capsys, "train", TINY, "-o", out, "--cache-dir", dirs / "cache",
                            *BASE, *args)  # the last of a repeated option counts
    assert_clean_error(code, err, *needles)
    assert stdout == ""
    assert files_under(dirs / "out") == (["vec.bin"] if existed else [])
    if existed:
        assert out.read_bytes() == b"previous vectors"


@pytest.mark.parametrize("argv, needle", [
    (["train", "{TINY}", "-o", "{OUT}", "--bogus"], "unrecognized arguments: --bogus"),
    (["train", "{TINY}", "-o", "{OUT}", "--dims", "8"], "unrecognized arguments: --dims 8"),
    (["train", "{TINY}", "-o", "{OUT}", "-hs", "1"], "hierarchical softmax is not supported"),
    (["train", "{TINY}", "-o", "{OUT}", "--dim", "eight"], "invalid int value: 'eight'"),
    (["train", "{TINY}", "-o", "{OUT}", "--epochs", "1.5"], "invalid int value: '1.5'"),
    (["train", "{TINY}", "-o", "{OUT}", "--alpha", "fast"], "invalid float value: 'fast'"),
    (["train", "{TINY}", "-o", "{OUT}", "--window"], "expected one argument"),
    (["train", "{TINY}"], "the output is required"),
    (["train", "-o", "{OUT}"], "the corpus is required"),
    (["train", "{TINY}", "-train", "{TINY}", "-o", "{OUT}"],
     "give the corpus once: as CORPUS or with -train, not both"),
    (["train", "{TINY}", "-o", "{OUT}", "-cbow", "2"], "argument -cbow: expected 0 or 1, got '2'"),
    (["train", "{TINY}", "-o", "{OUT}", "--binary", "--no-binary"],
     "argument --no-binary/--text: not allowed with argument --binary"),
    ([], "a command is required"),  # after the list of commands (test_cli)
    (["eval", "{OUT}", "--bogus"], "unrecognized arguments: --bogus"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
])
def test_usage_error(dirs, capsys, no_training, argv, needle):
    """argparse's errors: exit 2, the usage line and one ``fastw2v ...: error:`` line."""
    out = dirs / "out" / "vec.bin"
    argv = [a.format(TINY=TINY, OUT=out) for a in argv]
    code, stdout, err = run(capsys, *argv)
    assert code == 2, err
    assert "Traceback" not in err and "usage: fastw2v" in err
    errors = [line for line in err.splitlines() if ": error: " in line]
    assert len(errors) == 1 and errors[0].startswith("fastw2v"), err
    assert needle in errors[0], err
    assert files_under(dirs / "out") == []


# ------------------------------------------------------------------------------------------- #
# the output
# ------------------------------------------------------------------------------------------- #
@pytest.fixture
def unwritable_dir(tmp_path):
    """A directory this process cannot create files in, whoever it runs as."""
    if os.name != "posix":
        pytest.skip("POSIX permissions")
    if os.geteuid() != 0:
        d = tmp_path / "read-only"
        d.mkdir()
        d.chmod(0o555)
        yield d
        d.chmod(0o755)
        return
    # root ignores permission bits; a read-only mount stops it (containers mount /proc/sys so)
    ro = Path("/proc/sys")
    if not ro.is_dir() or os.access(ro, os.W_OK):
        pytest.skip("running as root and no read-only mount to write to")
    yield ro


@pytest.mark.parametrize("case", ["missing-directory", "not-writable", "is-a-directory"])
def test_bad_output(dirs, capsys, no_training, request, case):
    """The output is checked before training starts (``no_training`` fails the test otherwise)."""
    if case == "missing-directory":
        out = dirs / "out" / "no" / "such" / "vec.bin"
        needles = ["output directory does not exist", str(out.parent)]
    elif case == "not-writable":
        out = request.getfixturevalue("unwritable_dir") / "vec.bin"
        needles = ["output directory is not writable", str(out.parent)]
    else:
        out = dirs / "out"
        needles = ["output path is a directory", str(out)]
    code, stdout, err = run(capsys, "train", TINY, "-o", out, "--cache-dir", dirs / "cache",
                            *BASE)
    assert_clean_error(code, err, *needles)
    assert stdout == ""
    assert not out.exists() or out.is_dir()
    assert files_under(dirs / "out") == []
    assert files_under(dirs / "cache") == []  # the corpus was not even read


# ------------------------------------------------------------------------------------------- #
# model files on load: fastw2v eval VECTORS and Embeddings.load_word2vec_format / load
# ------------------------------------------------------------------------------------------- #
WORDS = ["the", "king", "queen", "man", "woman"]


def _vectors(dim: int) -> np.ndarray:
    return np.random.default_rng(dim).standard_normal((len(WORDS), dim)).astype(np.float32)


def _text_rows(dim: int) -> bytes:
    return b"".join(w.encode() + b" " + " ".join("%.9g" % x for x in row).encode() + b"\n"
                    for w, row in zip(WORDS, _vectors(dim).tolist()))


def _binary_rows(dim: int) -> bytes:
    return b"".join(w.encode() + b" " + row.astype("<f4").tobytes() + b"\n"
                    for w, row in zip(WORDS, _vectors(dim)))


def _native(d: Path, damage) -> Path:
    model = d / "model"
    Embeddings(_vectors(9), WORDS, counts=[5, 4, 3, 2, 1]).save(model)
    damage(model)
    return model


def _edit_json(path: Path, **changes) -> None:
    meta = json.loads(path.read_text())
    meta.update(changes)
    path.write_text(json.dumps(meta))


def _npy_header_declares(rows: int):
    def damage(model: Path) -> None:
        raw = (model / "vectors.npy").read_bytes()
        end = raw.index(b"\n") + 1
        header = raw[:end].replace(b"(5, 9)", b"(%d, 9)" % rows)
        (model / "vectors.npy").write_bytes(header[:end - 1].rstrip(b" ").ljust(end - 1)
                                            + b"\n" + raw[end:])
    return damage


N = len(WORDS)
MODEL_CASES = {
    # name: (write the file(s) under the directory and return the path, needles)
    "missing file": (lambda d: d / "missing.bin", ["no such vectors file", "missing.bin"]),
    "empty file": (lambda d: _write(d / "v.bin", b""), ["empty file", "v.bin"]),
    "binary junk": (lambda d: _write(d / "v.bin", b"\x89PNG" + _junk(1, 5000)),
                    ["bad header", "VOCAB_SIZE DIM"]),
    "text header D=10, rows of 9 values": (
        lambda d: _write(d / "v.txt", b"%d 10\n" % N + _text_rows(9)),
        ["row 1 (line 2, word 'the')", "expected 10 values, found 9"]),
    "binary header D=10, rows of 9 values": (
        lambda d: _write(d / "v.bin", b"%d 10\n" % N + _binary_rows(9)),
        ["the rows do not hold the 10 float32 values the header declares"]),
    "text truncated": (
        lambda d: _write(d / "v.txt", (b"%d 9\n" % N + _text_rows(9))[:-40]),
        ["row 5", "truncated file"]),
    "binary truncated": (
        lambda d: _write(d / "v.bin", (b"%d 9\n" % N + _binary_rows(9))[:-20]),
        ["row 5", "truncated file"]),
    "header declares 10**12 rows": (
        lambda d: _write(d / "v.txt", b"1000000000000 9\n" + _text_rows(9)),
        ["fewer rows than the header says", "after 5 of 1000000000000 rows"]),
    "header declares an absurd dimension": (
        lambda d: _write(d / "v.bin", b"5 99999999999999\n" + _binary_rows(9)),
        ["dimension 99999999999999 is implausibly large"]),
    "text non-numeric value": (
        lambda d: _write(d / "v.txt", b"%d 9\n" % N + _text_rows(9).replace(b" ", b" 1.5x", 1)),
        ["row 1", "non-numeric value b'1.5x", "word 'the'"]),
    "native: truncated vectors.npy": (
        lambda d: _native(d, lambda m: _write(m / "vectors.npy",
                                              (m / "vectors.npy").read_bytes()[:-10])),
        ["vectors.npy", "truncated .npy file"]),
    "native: vectors.npy declares 10**12 rows": (
        lambda d: _native(d, _npy_header_declares(10**12)),
        ["vectors.npy", "truncated .npy file", "(1000000000000, 9)"]),
    "native: config.json says dim 10, vectors have 9": (
        lambda d: _native(d, lambda m: _edit_json(m / "config.json", dim=10)),
        ["config.json says dim 10", "9 columns"]),
    "native: corrupt config.json": (
        lambda d: _native(d, lambda m: _write(m / "config.json", b'{"format": "fastw2v-emb')),
        ["config.json", "corrupt JSON"]),
    "native: vocab.tsv shorter than vectors.npy": (
        lambda d: _native(d, lambda m: _write(m / "vocab.tsv", b"the\t5\nking\t4\n")),
        ["vectors.npy has 5 rows", "vocab.tsv has 2 words"]),
    "native: count overflows int64": (
        lambda d: _native(d, lambda m: _write(m / "vocab.tsv", b"the\t5\nking\t4\nqueen\t3\n"
                                              b"man\t2\nwoman\t99999999999999999999\n")),
        ["vocab.tsv", "line 5", "the count is larger than 2**63 - 1"]),
    "native: missing vectors.npy": (
        lambda d: _native(d, lambda m: (m / "vectors.npy").unlink()),
        ["missing vectors.npy"]),
}


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("case", sorted(MODEL_CASES))
def test_bad_model_file_eval(tmp_path, capsys, case):
    make, needles = MODEL_CASES[case]
    path = make(tmp_path)
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("king\tqueen\t9.0\nman\twoman\t8.0\nthe\tking\t1.0\n")
    code, stdout, err = run(capsys, "eval", path, "--pairs", pairs)
    assert_clean_error(code, err, *needles)
    assert stdout == ""


@pytest.mark.parametrize("case", sorted(MODEL_CASES))
def test_bad_model_file_api(tmp_path, case):
    make, needles = MODEL_CASES[case]
    path = make(tmp_path)
    expected = FileNotFoundError if case == "missing file" else ModelFormatError
    if case.startswith("native"):
        loaders = [lambda: Embeddings.load(path), lambda: Embeddings.load(path, mmap_mode="r")]
    else:
        loaders = [lambda: Embeddings.load_word2vec_format(path)]
        if case not in ("missing file", "empty file", "binary junk",
                        "header declares an absurd dimension"):
            binary = path.suffix == ".bin"
            loaders.append(lambda: Embeddings.load_word2vec_format(path, binary=binary))
    for load in loaders:
        with pytest.raises(expected) as info:
            load()
        if expected is ModelFormatError:
            assert all(n.lower() in str(info.value).lower() for n in needles), str(info.value)
        else:  # "no such vectors file" is the command's wording; the API names the path
            assert str(path) in str(info.value), str(info.value)


def test_a_good_model_passes_the_same_checks(tmp_path, capsys):
    """The undamaged files of the table load: the cases fail for their damage alone."""
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("king\tqueen\t9.0\nman\twoman\t8.0\nthe\tking\t1.0\n")
    good = [_write(tmp_path / "v.txt", b"%d 9\n" % N + _text_rows(9)),
            _write(tmp_path / "v.bin", b"%d 9\n" % N + _binary_rows(9)),
            _native(tmp_path, lambda m: None)]
    for path in good:
        code, stdout, err = run(capsys, "eval", path, "--pairs", pairs)
        assert code == 0, err
        assert f"{N} words x 9 dimensions" in stdout
    for path in good[:2]:
        emb = Embeddings.load_word2vec_format(path)
        assert emb.words == WORDS and emb.vectors.tobytes() == _vectors(9).tobytes()


# ------------------------------------------------------------------------------------------- #
# a real process: one line on stderr, no traceback
# ------------------------------------------------------------------------------------------- #
@pytest.mark.parametrize("case", ["missing-corpus", "empty-corpus", "bad-parameter",
                                  "corrupt-model"])
def test_real_process_prints_one_line_no_traceback(tmp_path, case):
    corpus = tmp_path / "corpus.txt"
    if case != "missing-corpus":
        corpus.write_text("   \n\n" if case == "empty-corpus" else "some words\n")
    out = tmp_path / "out" / "vec.bin"
    out.parent.mkdir()
    if case == "corrupt-model":
        model = _write(tmp_path / "v.txt", b"%d 10\n" % N + _text_rows(9))
        pairs = _write(tmp_path / "pairs.tsv", b"king queen 9\n")
        argv = ["eval", model, "--pairs", pairs]
        needle = "expected 10 values, found 9"
    else:
        argv = ["train", corpus, "-o", out, "--cache-dir", tmp_path / "cache", "--no-progress"]
        argv += ["--window", "0"] if case == "bad-parameter" else []
        needle = {"missing-corpus": f"corpus file not found: {corpus}",
                  "bad-parameter": "window must be an integer in [1, 1000]"}.get(case, "no tokens")
    proc = subprocess.run([sys.executable, "-m", "fastw2v", *map(str, argv)], cwd=tmp_path,
                          env=_child_env(), capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("fastw2v: error:")]
    assert len(errors) == 1 and needle in errors[0], proc.stderr
    assert proc.stdout == ""
    assert list(out.parent.iterdir()) == []
