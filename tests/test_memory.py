"""Counting a corpus of more than 10 million distinct words under ``max_vocab_size`` stays within
a bounded peak RSS.

The corpus (117 MB, written in under a second) has 11.7 million tokens on 1.17 million lines:
10,530,000 words that occur once each and 1,000 words that occur 1,170 times each (every tenth
token). With ``max_vocab_size=1_000_000`` the once-only words are pruned as counting goes on and
the 1,000 frequent words survive with their exact counts. The counting runs in a child process,
which reports its own peak RSS (``VmHWM`` in ``/proc/self/status``).

Measured (2024-11, AMD EPYC, 2 cores, 23 GB, Linux, Python 3.11.7, numpy 2.4.6):

==========================================================  ========  =============
run                                                         time      peak RSS
==========================================================  ========  =============
interpreter with numpy and fastw2v imported                 --        33 MB
``count_words(max_vocab_size=1_000_000)``                   2.9 s     183 MB
``prepare_corpus(max_vocab_size=1_000_000, min_count=5)``   4.2 s     172 MB
``count_words()`` without ``max_vocab_size`` (not run)      21 s      2,580 MB
==========================================================  ========  =============

(``prepare_corpus``'s figure is its own: the child resets ``VmHWM`` through
``/proc/self/clear_refs`` after counting.) The bound, :data:`PEAK_RSS_MB` = 300 MB: at its largest the counter holds about 1.13 million
distinct words (``peak_distinct``; at most ``2 * max_vocab_size`` by construction), about 110 bytes
each as a ``bytes`` key of a dict, ~125 MB, and pruning builds the smaller dict while the larger
still exists. 300 MB leaves room for other allocators and Python versions and is still an order
of magnitude below the 2.6 GB the same count takes without ``max_vocab_size``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import fastw2v

#: Tokens in the corpus; every tenth is one of N_FREQUENT words, the others are all distinct.
N_TOKENS = 11_700_000
N_FREQUENT = 1_000
N_DISTINCT_RARE = N_TOKENS - N_TOKENS // 10  # 10,530,000
MAX_VOCAB_SIZE = 1_000_000
#: Allowed peak RSS of the counting process, in MB (see the module docstring).
PEAK_RSS_MB = 300


def write_corpus(path: Path, n_tokens: int = N_TOKENS, block: int = 1_000_000) -> None:
    """``w<8 digits>`` words, each once, with ``f<8 digits>`` (one of N_FREQUENT) as every
    tenth token, followed by a newline: 10 bytes a token, built with numpy in big slices."""
    next_rare = 0
    with open(path, "wb") as fh:
        for start in range(0, n_tokens, block):
            pos = np.arange(start, min(n_tokens, start + block), dtype=np.int64)
            frequent = pos % 10 == 9
            number = np.empty(pos.size, dtype=np.int64)
            number[frequent] = (pos[frequent] // 10) % N_FREQUENT
            n_rare = pos.size - int(np.count_nonzero(frequent))
            number[~frequent] = np.arange(next_rare, next_rare + n_rare)
            next_rare += n_rare
            text = np.empty((pos.size, 10), dtype=np.uint8)
            text[:, 0] = np.where(frequent, ord("f"), ord("w"))
            for k in range(8):
                text[:, 8 - k] = ord("0") + (number // 10 ** k) % 10
            text[:, 9] = np.where(frequent, ord("\n"), ord(" "))
            fh.write(text.tobytes())


_CHILD = textwrap.dedent("""\
    import json, sys, time
    from fastw2v.corpus.reader import count_words
    from fastw2v.corpus.cache import prepare_corpus

    def peak_mb():
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) / 1024

    path, limit = sys.argv[1], int(sys.argv[2])
    report = {"base_mb": peak_mb()}
    t = time.perf_counter()
    cc = count_words(path, max_vocab_size=limit)
    report.update(count_seconds=time.perf_counter() - t, count_peak_mb=peak_mb(),
                  n_tokens=cc.n_tokens, n_sentences=cc.n_sentences, counts=cc.counts,
                  prune_threshold=cc.prune_threshold, peak_distinct=cc.peak_distinct)
    del cc
    try:  # reset VmHWM (Linux >= 4.0) so that the next figure is prepare_corpus's own
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass
    t = time.perf_counter()
    pc = prepare_corpus(path, min_count=5, max_vocab_size=limit, use_cache=False)
    report.update(prepare_seconds=time.perf_counter() - t, prepare_peak_mb=peak_mb(),
                  vocab_size=len(pc.vocab), vocab_counts=sorted(set(pc.vocab.counts.tolist())),
                  n_raw=pc.n_raw_tokens, stream=int(pc.tokens.size))
    print(json.dumps(report))
""")


def test_write_corpus_layout(tmp_path):
    path = tmp_path / "c.txt"
    write_corpus(path, n_tokens=25, block=7)
    assert path.read_bytes() == (
        b"w00000000 w00000001 w00000002 w00000003 w00000004 w00000005 w00000006 w00000007 "
        b"w00000008 f00000000\n"
        b"w00000009 w00000010 w00000011 w00000012 w00000013 w00000014 w00000015 w00000016 "
        b"w00000017 f00000001\n"
        b"w00000018 w00000019 w00000020 w00000021 w00000022 ")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_counting_10_million_distinct_words_in_bounded_memory(tmp_path):
    corpus = tmp_path / "distinct.txt"
    write_corpus(corpus)
    assert corpus.stat().st_size == N_TOKENS * 10
    env = dict(os.environ)
    package_root = str(Path(fastw2v.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    try:
        proc = subprocess.run([sys.executable, "-c", _CHILD, str(corpus), str(MAX_VOCAB_SIZE)],
                              env=env, capture_output=True, text=True, timeout=600)
    finally:
        corpus.unlink()
    assert proc.returncode == 0, proc.stderr
    r = json.loads(proc.stdout)
    print(f"\n{N_DISTINCT_RARE + N_FREQUENT:,} distinct words, max_vocab_size "
          f"{MAX_VOCAB_SIZE:,}: count_words {r['count_seconds']:.1f} s, peak RSS "
          f"{r['count_peak_mb']:.0f} MB; prepare_corpus {r['prepare_seconds']:.1f} s, peak RSS "
          f"{r['prepare_peak_mb']:.0f} MB (interpreter {r['base_mb']:.0f} MB)")

    # the count is right: every rare word pruned, every frequent word exact
    n_lines = N_TOKENS // 10
    assert r["n_tokens"] == N_TOKENS and r["n_sentences"] == n_lines
    assert r["counts"] == {"f%08d" % i: n_lines // N_FREQUENT for i in range(N_FREQUENT)}
    assert r["prune_threshold"] > 0
    assert MAX_VOCAB_SIZE < r["peak_distinct"] <= 2 * MAX_VOCAB_SIZE
    assert r["vocab_size"] == N_FREQUENT and r["vocab_counts"] == [n_lines // N_FREQUENT]
    assert r["n_raw"] == N_TOKENS and r["stream"] == 2 * n_lines  # a word and a marker a line

    # ... in bounded memory
    assert r["count_peak_mb"] < PEAK_RSS_MB, r
    assert r["prepare_peak_mb"] < PEAK_RSS_MB, r
