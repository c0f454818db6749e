"""Phrases (word2phrase): the compiled pair counter against a dict, bounded memory, the scores,
the rewrite against a line-by-line reference (blocks, long lines, empty lines), two passes,
atomic output, and the ``fastw2v phrases`` command."""
from __future__ import annotations

import math

import numpy as np
import pytest

import reference as ref
from fastw2v.corpus.cache import prepare_corpus
from fastw2v.errors import CorpusError
from fastw2v.kernels import pairs as pairs_kernel
from fastw2v.phrases import counting
from fastw2v.phrases import rewrite as rewrite_module
from fastw2v.phrases.api import find_phrases
from fastw2v.phrases.counting import count_adjacent_pairs
from fastw2v.phrases.rewrite import phrase_table, rewrite_corpus
from fastw2v.phrases.scoring import check_threshold, score_pairs
from cli_helpers import assert_clean_error, run


def _dict_counts(tokens, max_pairs=None):
    """Adjacent pairs counted with a dict, pruned as the vocabulary is pruned (the reference)."""
    counts, threshold = {}, 0
    for a, b in zip(tokens[:-1].tolist(), tokens[1:].tolist()):
        if a < 0 or b < 0:
            continue
        if (a, b) not in counts and max_pairs is not None and len(counts) >= max_pairs:
            while len(counts) >= max_pairs:
                threshold += 1
                counts = {k: c for k, c in counts.items() if c > threshold}
        counts[a, b] = counts.get((a, b), 0) + 1
    if threshold:
        counts = {k: c for k, c in counts.items() if c > threshold}
    return counts, threshold


def _as_dict(pc):
    return {(int(a), int(b)): int(c) for a, b, c in zip(pc.first, pc.second, pc.counts)}


# --- counting -----------------------------------------------------------------------------------
def test_pair_counts_match_a_dict_and_never_cross_sentences(monkeypatch):
    monkeypatch.setattr(counting, "INITIAL_SLOTS", 1 << 10)  # the table must grow several times
    tokens = ref.random_stream(0, 5000, [3000, 1, 2, 7000, 500], zipf=1.3)
    got = count_adjacent_pairs(tokens, max_pairs=10**9)
    want, _ = _dict_counts(tokens)
    assert _as_dict(got) == want and len(want) > 4 * (1 << 10)
    assert got.prune_threshold == 0
    assert np.all(np.diff(got.first.astype(np.int64) << 32 | got.second) > 0)  # sorted, unique


@pytest.mark.parametrize("max_pairs", [50, 400, 2000])
def test_bounded_memory_prunes_like_the_vocabulary(max_pairs):
    tokens = ref.random_stream(1, 3000, [4000, 3000, 200], zipf=1.3)
    got = count_adjacent_pairs(tokens, max_pairs=max_pairs)
    want, threshold = _dict_counts(tokens, max_pairs)
    assert threshold > 0 and got.prune_threshold == threshold
    assert _as_dict(got) == want
    assert got.peak_pairs <= max_pairs


def test_pair_keys_separate_the_two_ids():
    tokens = np.array([2**31 - 1, 0, 2**31 - 1, -1, 0, 2**31 - 1], dtype=np.int32)
    got = _as_dict(count_adjacent_pairs(tokens, max_pairs=10))
    assert got == {(2**31 - 1, 0): 1, (0, 2**31 - 1): 2}


def test_joins_are_greedy_from_the_left():
    table = phrase_table(np.array([1, 2, 3], np.int32), np.array([2, 3, 4], np.int32))
    ids = np.array([1, 2, 3, 4, -2, 1, 2, -1, 3, 4, 5], np.int32)
    joined = np.zeros(len(ids), np.uint8)
    assert pairs_kernel.mark_joins(ids, table, joined) == 4
    # 1_2 then 3_4 (2 3 is not joined: 2 is taken); nothing across a break or a newline
    assert joined.tolist() == [0, 1, 0, 1, 0, 0, 1, 0, 0, 1, 0]


# --- scoring ------------------------------------------------------------------------------------
def test_default_score_is_word2phrase_formula_and_npmi_is_gensims():
    n_ab, n_a, n_b, n = np.array([30, 4, 30]), np.array([40, 9, 4]), np.array([50, 9, 60]), 10_000
    default = score_pairs(n_ab, n_a, n_b, n, 5, "default")
    assert default[0] == pytest.approx((30 - 5) * 10_000 / (40 * 50))
    assert default[1] == -np.inf and default[2] == -np.inf  # a pair or a word below min_count
    npmi = score_pairs(n_ab, n_a, n_b, n, 5, "npmi")
    p_ab, p_a, p_b = 30 / n, 40 / n, 50 / n
    assert npmi[0] == pytest.approx(math.log(p_ab / (p_a * p_b)) / -math.log(p_ab))
    always = score_pairs(np.array([100]), np.array([100]), np.array([100]), 100, 1, "npmi")
    assert always[0] == 1.0


def test_thresholds_are_checked_per_scoring():
    assert check_threshold("default", None) == 100.0 and check_threshold("npmi", None) == 0.5
    with pytest.raises(ValueError, match=r"threshold must be a number in \[-1, 1\], got 2"):
        check_threshold("npmi", 2)
    with pytest.raises(ValueError, match=r"threshold must be a number in \[0, inf\), got -1"):
        check_threshold("default", -1)
    with pytest.raises(ValueError, match="scoring must be one of default, npmi, got 'pmi'"):
        check_threshold("pmi", None)


# --- rewriting ----------------------------------------------------------------------------------
def _collocation_corpus(path, n_lines=400, seed=0, trailing_newline=True):
    """Random words with planted collocations: "new york", "new york times", "los angeles"."""
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(60)] + ["new", "times", "york", "los"]
    planted = [["new", "york"], ["new", "york", "times"], ["los", "angeles"]]
    lines = []
    for i in range(n_lines):
        toks = []
        for _ in range(rng.integers(0, 25)):
            r = rng.random()
            toks += planted[int(rng.integers(3))] if r < 0.15 else [words[rng.integers(64)]]
        lines.append(" ".join(toks) if i % 37 else "")  # some empty lines
    text = "\n".join(lines) + ("\n" if trailing_newline else "")
    path.write_text(text)
    return text


@pytest.mark.parametrize("scoring, threshold", [("default", 5.0), ("npmi", 0.5)])
@pytest.mark.parametrize("chunk_bytes", [64, 1 << 20])
def test_rewrite_matches_the_line_by_line_reference(tmp_path, scoring, threshold, chunk_bytes):
    text = _collocation_corpus(tmp_path / "c.txt")
    scores, _ = ref.phrase_scores(text, 5, scoring)
    accepted = {p for p, s in scores.items() if s > threshold}
    assert ("new", "york") in accepted and ("los", "angeles") in accepted
    prepared = prepare_corpus(tmp_path / "c.txt", min_count=1, use_cache=False)
    index = prepared.vocab.index
    first = np.array([index[a] for a, _ in accepted], np.int32)
    second = np.array([index[b] for _, b in accepted], np.int32)
    words = [(w.encode(), index[w]) for w in {w for p in accepted for w in p}]
    n_in, n_out, joins = rewrite_corpus(tmp_path / "c.txt", tmp_path / "out.txt", words,
                                        phrase_table(first, second), chunk_bytes=chunk_bytes)
    want = ref.rewrite_phrases(text, accepted)
    assert (tmp_path / "out.txt").read_text() == want
    assert n_in == len(text.split()) and n_out == len(want.split()) and joins == n_in - n_out


@pytest.mark.parametrize("scoring, threshold", [("default", 5.0), ("npmi", 0.5)])
def test_find_phrases_is_word2phrase_on_the_whole_corpus(tmp_path, scoring, threshold):
    text = _collocation_corpus(tmp_path / "c.txt", trailing_newline=False)
    result = find_phrases(tmp_path / "c.txt", tmp_path / "out.txt", min_count=5,
                          threshold=threshold, scoring=scoring, use_cache=False)
    scores, pairs = ref.phrase_scores(text, 5, scoring)
    accepted = {p for p, s in scores.items() if s > threshold}
    assert (tmp_path / "out.txt").read_text() == ref.rewrite_phrases(text, accepted)
    found = {tuple(p.text.split("_")): p for p in result.passes[0].phrases}
    assert set(found) == accepted
    for pair, p in found.items():
        assert p.count == pairs[pair] and p.score == pytest.approx(scores[pair], rel=1e-12)
    counts = [p.count for p in result.passes[0].phrases]
    assert counts == sorted(counts, reverse=True)  # most frequent first
    assert result.top(1)[0].text == "new_york"


def test_two_passes_find_longer_phrases(tmp_path):
    _collocation_corpus(tmp_path / "c.txt", n_lines=800)
    one = find_phrases(tmp_path / "c.txt", tmp_path / "one.txt", threshold=5.0,
                       use_cache=False)
    assert "new_york" in {p.text for p in one.passes[0].phrases}
    two = find_phrases(tmp_path / "c.txt", tmp_path / "two.txt", threshold=5.0, passes=2,
                       use_cache=False)
    assert "new_york" in (tmp_path / "one.txt").read_text()
    second = {p.text for p in two.passes[1].phrases}
    assert "new_york_times" in second
    out = (tmp_path / "two.txt").read_text()
    assert "new_york_times" in out and "new_york_times" not in (tmp_path / "one.txt").read_text()
    # the second pass reads the first's output: the same as running the first pass's output again
    again = find_phrases(tmp_path / "one.txt", tmp_path / "again.txt", threshold=5.0,
                         use_cache=False)
    assert (tmp_path / "again.txt").read_text() == out
    assert [p.text for p in again.passes[0].phrases] == [p.text for p in two.passes[1].phrases]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.txt", "c.txt", "one.txt",
                                                         "two.txt"]  # no pass-1 leftovers


def test_output_is_atomic(tmp_path, monkeypatch):
    _collocation_corpus(tmp_path / "c.txt")
    out = tmp_path / "out.txt"
    out.write_text("previous\n")

    def broken(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(rewrite_module, "mark_joins", broken)
    with pytest.raises(OSError, match="(?i)no space left"):
        find_phrases(tmp_path / "c.txt", out, threshold=5.0, passes=2, use_cache=False)
    assert out.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.txt", "out.txt"]


def test_invalid_arguments(tmp_path):
    (tmp_path / "c.txt").write_text("a b\n")
    with pytest.raises(ValueError, match="delimiter must be a non-empty string without "
                                         "whitespace, got ' '"):
        find_phrases(tmp_path / "c.txt", tmp_path / "o.txt", delimiter=" ")
    with pytest.raises(ValueError, match=r"passes must be an integer in \[1, 10\], got 0"):
        find_phrases(tmp_path / "c.txt", tmp_path / "o.txt", passes=0)
    with pytest.raises(FileNotFoundError, match="missing.txt"):
        find_phrases(tmp_path / "missing.txt", tmp_path / "o.txt")
    (tmp_path / "empty.txt").write_text(" \n")
    with pytest.raises(CorpusError, match="contains no tokens"):
        find_phrases(tmp_path / "empty.txt", tmp_path / "o.txt")
    assert not (tmp_path / "o.txt").exists()


# --- the command --------------------------------------------------------------------------------
def test_phrases_command(tmp_path, capsys):
    _collocation_corpus(tmp_path / "c.txt")
    out = tmp_path / "out.txt"
    code, stdout, err = run(capsys, "phrases", tmp_path / "c.txt", "-o", out, "--threshold", 5,
                            "--passes", 2, "--top", 3, "--delimiter", "+")
    assert code == 0, err
    assert stdout.splitlines()[0].startswith("pass 1: ") and "phrases" in stdout
    assert "new+york" in stdout and f"wrote {out}" in stdout
    assert "new+york+times" in out.read_text()


def test_word2phrase_command_line_runs_unchanged(tmp_path, capsys):
    _collocation_corpus(tmp_path / "c.txt")
    out = tmp_path / "out.txt"
    code, stdout, err = run(capsys, "phrases", "-train", tmp_path / "c.txt", "-output", out,
                            "-threshold", 5, "-min-count", 5, "-debug", 0)
    assert code == 0, err
    assert err == "" and "new_york" in out.read_text()


@pytest.mark.parametrize("args, needle", [
    (["--scoring", "npmi", "--threshold", "5"], "threshold must be a number in [-1, 1], got 5"),
    (["--delimiter", "a b"], "delimiter must be a non-empty string without whitespace"),
    (["--min-count", "0"], "must be an integer >= 1"),
])
def test_phrases_command_errors(tmp_path, capsys, args, needle):
    (tmp_path / "c.txt").write_text("a b c\n")
    code, _, err = run(capsys, "phrases", tmp_path / "c.txt", "-o", tmp_path / "o.txt", *args)
    assert code == 2 and needle in err and "Traceback" not in err, err
    assert not (tmp_path / "o.txt").exists()


def test_phrases_command_on_a_missing_corpus(tmp_path, capsys):
    code, _, err = run(capsys, "phrases", tmp_path / "nope.txt", "-o", tmp_path / "o.txt")
    assert_clean_error(code, err, "nope.txt")
