"""Benchmarks that were once wall-clock limits in unit tests (pytest-benchmark).

    python -m pytest benchmarks/test_slowdown_guards.py --benchmark-only

Tests never assert on time: the unit tests count work instead (tests/work.py: the Python work of
reading a binary vector file is per row, and of stripping adversarial markup linear in its size;
a token without whitespace is searched once).
What counting cannot see (numpy and regular-expression time) is measured here, on the inputs and
sizes the old limits used; each benchmark also checks that what it timed did its job.
"""
from __future__ import annotations

import numpy as np
import pytest

from fastw2v.analysis.evaluate import evaluate_analogy_methods, read_analogy_file
from fastw2v.base.paths import data_dir
from fastw2v.corpus.cache import prepare_corpus
from fastw2v.vectors.embeddings import Embeddings
from fastw2v.vectors.word2vec import read_word2vec, write_word2vec
from fastw2v.wiki.markup import strip_markup


def test_read_binary_100k_words_dim_100(benchmark, tmp_path):
    """Was ``test_w2vformat::test_binary_read_is_fast`` (limit 5 s)."""
    n, dim = 100_000, 100
    vec = np.random.default_rng(1).standard_normal((n, dim)).astype(np.float32)
    words = [f"word{i}" for i in range(n)]
    path = tmp_path / "big.bin"
    write_word2vec(path, words, vec, binary=True)
    got_words, got = benchmark.pedantic(read_word2vec, args=(path,), rounds=3, iterations=1)
    assert got_words == words and got.tobytes() == vec.tobytes()
    benchmark.extra_info["rows_per_sec"] = n / benchmark.stats.stats.median


def test_google_analogies_30k_words_both_methods(benchmark):
    """Was ``test_evaluate::test_google_set_on_30k_words_takes_seconds`` (limit 40 s of CPU):
    the 19,544 Google questions against 30,000 words, 3CosAdd and 3CosMul in one pass."""
    shared = data_dir()
    path = shared / "eval" / "questions-words.txt" if shared else None
    if path is None or not path.is_file():
        pytest.skip("questions-words.txt not in the shared data directory (set FASTW2V_DATA)")
    _, questions, _ = read_analogy_file(path)
    qwords = list(dict.fromkeys(w.lower() for _, _, q in questions for w in q))
    words = qwords + [f"filler{i}" for i in range(30000 - len(qwords))]
    rng = np.random.default_rng(5)
    emb = Embeddings(rng.standard_normal((30000, 100)).astype(np.float32), words)
    both = benchmark.pedantic(evaluate_analogy_methods, args=(emb, path), rounds=3, iterations=1)
    assert both["3cosadd"].seen == both["3cosmul"].seen == len(questions)
    assert both["3cosadd"].skipped == 0
    benchmark.extra_info["questions_per_sec"] = len(questions) / benchmark.stats.stats.median


#: The adversarial inputs of tests/test_wikimarkup.py (ADVERSARIAL), at the sizes the old
#: ``test_adversarial_input_is_fast`` (limit 2 s each) used.
ADVERSARIAL = {
    "open-templates": "{{" * 20000,
    "open-links": "[[" * 20000 + "x" + "]]" * 5,
    "open-refs": "<ref>" * 5000,
    "open-tables": "{|\n" * 5000,
    "unclosed-tag-attributes": "<" + "a " * 20000,
    "unclosed-external-url": "[http://" + "x" * 50000,
    "unclosed-external-label": "[http://x " + "y" * 50000,
    "unclosed-piped-link": "[[a|" + " x" * 30000,
    "unclosed-quoted-attributes": "<a \"" * 10000,
    "refs-closed-once": "<ref>" * 3000 + "</ref>",
    "open-refs-and-math": "<ref><math>" * 3000,
    "heading-markers": "\n= " * 20000,
    "one-long-heading": "\n" + "= " * 20000 + "x",
    "quotes": "'" * 50000,
    "open-comments": "<!--" * 10000,
    "comma-parenthesis": "(" + " ," * 30000,
}


@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_strip_markup_adversarial(benchmark, name):
    src = ADVERSARIAL[name]
    out = benchmark.pedantic(strip_markup, args=(src,), rounds=5, iterations=1)
    assert isinstance(out, str) and len(out) <= len(src)
    benchmark.extra_info["mb_per_sec"] = len(src) / 1e6 / benchmark.stats.stats.median


def test_prepare_32_mb_token_in_16_kib_pieces(benchmark, tmp_path):
    """Was ``test_bad_input::test_line_without_whitespace_is_read_in_linear_time`` (no limit,
    but 24 s before the fix, 0.4 s after): a 32 MB token without whitespace read in 16 KiB
    pieces."""
    corpus = tmp_path / "no-whitespace.txt"
    corpus.write_bytes(b"a\n" + b"x" * (32 << 20) + b" b\n")
    pc = benchmark.pedantic(prepare_corpus, args=(corpus,),
                            kwargs=dict(min_count=1, use_cache=False, chunk_bytes=16 << 10),
                            rounds=3, iterations=1)
    assert pc.tokens.tolist() == [0, -1, 2, 1, -1] and len(pc.vocab.words[2]) == 32 << 20
