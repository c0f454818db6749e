"""The eval, probe, bias, plot and plot-training commands (in-process, via fastw2v.cli.main.main)."""
from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from fastw2v.vectors.embeddings import Embeddings
from fastw2v.vectors.load import load_vectors
from fastw2v.analysis.evaluate import evaluate_analogy_methods, evaluate_word_pairs
from cli_helpers import assert_clean_error, run

QUESTIONS = """\
: capital-common-countries
man king woman queen
man king lion queen
: gram1-adjective-to-adverb
man king woman queen
man king woman apple
"""
PAIRS = "# comment\nman\twoman\t8.0\nking\tqueen\t9.0\napple\tking\t1.0\nman king 3.5\n" \
        "zebra\tking\t2.0\n"
STATS = {"train_seconds": 2.0, "epochs": [
    {"epoch": 1, "words": 1000, "words_kept": 900, "examples": 5000, "loss": 2.6,
     "seconds": 1.0, "alpha": 0.0125},
    {"epoch": 2, "words": 1000, "words_kept": 905, "examples": 5010, "loss": 2.4,
     "seconds": 0.8, "alpha": 0.0001}]}


def royal(stats=None) -> Embeddings:
    words = ["man", "woman", "king", "queen", "apple", "he", "she", "doctor", "nurse",
             "engineer", "homemaker"]
    vec = np.zeros((len(words), 8), dtype=np.float32)
    vec[:5, :4] = [[1, 0, 0, 0], [1, 1, 0, 0], [1, 0, 1, 0], [1, 1, 1, 0], [0, 0, 0, 1]]
    vec[5:, 4:] = [[1, 1, 0, 0], [-1, 1, 0, 0], [0, 0, 1, 1], [0, 0, -1, 1],
                   [0.6, 0, 0.3, 0.2], [-0.6, 0, 0, 0.2]]
    return Embeddings(vec, words, stats=stats)


@pytest.fixture
def files(tmp_path):
    emb = royal(stats=STATS)
    emb.save(tmp_path / "model")
    emb.save_word2vec_format(tmp_path / "vec.txt")
    emb.save_word2vec_format(tmp_path / "vec.bin", binary=True)
    (tmp_path / "q.txt").write_text(QUESTIONS)
    (tmp_path / "pairs.tsv").write_text(PAIRS)
    return tmp_path




def test_help_lists_the_commands(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for name in ("eval", "probe", "bias", "plot", "plot-training"):
        assert name in out
    for name in ("eval", "probe", "bias", "plot", "plot-training"):
        code, out, _ = run(capsys, name, "--help")
        assert code == 0 and "--quiet" in out


@pytest.mark.parametrize("name,kind", [("model", "native directory"),
                                       ("vec.txt", "word2vec text"),
                                       ("vec.bin", "word2vec binary")])
def test_load_vectors_detects_the_format(files, name, kind):
    emb, found = load_vectors(files / name)
    assert found == kind and emb.words == royal().words
    np.testing.assert_array_equal(emb.vectors, royal().vectors)
    assert len(load_vectors(files / name, limit=3)[0]) == 3


@pytest.mark.parametrize("name", ["model", "vec.txt", "vec.bin"])
def test_eval_json_matches_the_api(files, capsys, name):
    code, out, err = run(capsys, "eval", files / name, "--analogies", files / "q.txt",
                         "--pairs", files / "pairs.tsv", "--json", "-q")
    assert code == 0, err
    d = json.loads(out)
    assert d["vectors"]["words"] == 11 and d["standard_sets_used"] is False
    api = evaluate_analogy_methods(royal(), files / "q.txt")
    (a,) = d["analogies"]
    assert a["file"] == str(files / "q.txt")
    for m in ("3cosadd", "3cosmul"):
        got = a["methods"][m]
        assert (got["correct"], got["seen"], got["skipped"]) == (api[m].correct, api[m].seen,
                                                                 api[m].skipped)
        assert got["semantic"] == list(api[m].semantic)
        assert got["syntactic"] == list(api[m].syntactic)
    assert (a["methods"]["3cosadd"]["seen"], a["methods"]["3cosadd"]["skipped"]) == (3, 1)
    (p,) = d["pairs"]
    ref = evaluate_word_pairs(royal(), files / "pairs.tsv")
    assert p["spearman"] == pytest.approx(ref.spearman) and p["n_oov"] == 1
    assert p["oov_ratio"] == pytest.approx(0.2)


def test_eval_table(files, capsys):
    code, out, err = run(capsys, "eval", files / "vec.bin", "--analogies", files / "q.txt",
                         "--pairs", files / "pairs.tsv")
    assert code == 0, err
    assert "word2vec binary, 11 words x 8 dimensions" in out
    assert "3CosAdd" in out and "3CosMul" in out
    assert "4 questions: 3 seen, 1 skipped" in out
    for row in ("capital-common-countries", "gram1-adjective-to-adverb", "semantic",
                "syntactic", "total", "Spearman", "Pearson", "OOV", "1 (20.0%)"):
        assert row in out, row
    assert "standard sets" not in out


def test_eval_several_files_and_one_method(files, capsys):
    (files / "q2.txt").write_text(": only\nman king woman queen\n")
    (files / "p2.tsv").write_text("man woman 1\nking queen 2\napple man 0.5\n")
    code, out, err = run(capsys, "eval", files / "model", "--analogies", files / "q.txt",
                         files / "q2.txt", "--pairs", files / "pairs.tsv", "--pairs",
                         files / "p2.tsv", "--method", "3cosmul", "--json", "-q")
    assert code == 0, err
    d = json.loads(out)
    assert [a["file"] for a in d["analogies"]] == [str(files / "q.txt"), str(files / "q2.txt")]
    assert all(list(a["methods"]) == ["3cosmul"] for a in d["analogies"])
    assert [p["file"] for p in d["pairs"]] == [str(files / "pairs.tsv"), str(files / "p2.tsv")]


def test_eval_uses_standard_sets_and_says_so(files, capsys, monkeypatch, tmp_path):
    data = tmp_path / "data"
    (data / "eval").mkdir(parents=True)
    (data / "eval" / "questions-words.txt").write_text(QUESTIONS)
    monkeypatch.setenv("FASTW2V_DATA", str(data))
    code, out, err = run(capsys, "eval", files / "vec.txt", "-q")
    assert code == 0, err
    assert "no evaluation files given; using the standard sets" in out
    assert f"analogies: {data / 'eval' / 'questions-words.txt'}\n" in out
    # What the data directory lacks comes from the copies installed with fastw2v.
    assert "wordsim353.tsv (installed with fastw2v)" in out
    (data / "eval" / "wordsim353.tsv").write_text(PAIRS)
    code, out, err = run(capsys, "eval", files / "vec.txt", "--json", "-q")
    d = json.loads(out)
    assert d["standard_sets_used"] and d["analogies"][0]["standard"] and d["pairs"][0]["standard"]
    code, out, err = run(capsys, "eval", files / "vec.txt", "--data-dir", tmp_path / "empty")
    assert_clean_error(code, err, "no evaluation files given", "--analogies",
                       "leave out --data-dir")


def test_eval_errors(files, capsys):
    code, _, err = run(capsys, "eval", files / "absent.bin", "--analogies", files / "q.txt")
    assert_clean_error(code, err, "no such vectors file")
    code, _, err = run(capsys, "eval", files / "vec.bin", "--analogies", files / "nope.txt")
    assert_clean_error(code, err, "no such evaluation file", "nope.txt")
    (files / "garbage.bin").write_bytes(b"not a header\n\x00\x01")
    code, _, err = run(capsys, "eval", files / "garbage.bin", "--pairs", files / "pairs.tsv")
    assert_clean_error(code, err, "garbage.bin")
    code, _, err = run(capsys, "eval", files / "vec.bin", "--restrict-vocab", "-5")
    assert code == 2 and "Traceback" not in err and "usage: fastw2v eval" in err
    assert "fastw2v eval: error: argument --restrict-vocab: must be an integer >= 0, got -5" \
        in err.splitlines()


def test_eval_reads_gensim_files(files, capsys):
    gensim_kv = pytest.importorskip("gensim.models.keyedvectors")
    emb = royal()
    kv = gensim_kv.KeyedVectors(vector_size=emb.dim)
    kv.add_vectors(emb.words, emb.vectors)
    for name, binary in (("g.bin", True), ("g.txt", False)):
        kv.save_word2vec_format(str(files / name), binary=binary)
        code, out, err = run(capsys, "eval", files / name, "--analogies", files / "q.txt",
                             "--json", "-q")
        assert code == 0, err
        d = json.loads(out)
        assert d["vectors"]["format"] == ("word2vec binary" if binary else "word2vec text")
        assert d["analogies"][0]["methods"]["3cosadd"]["correct"] == 2


def test_probe_command(files, capsys):
    code, out, err = run(capsys, "probe", files / "vec.bin", "--words", "king", "zebra",
                         "--topn", "2")
    assert code == 0, err
    assert "1. Canonical analogies" in out and "2. Nearest neighbours" in out
    assert "3. Symmetry" in out and "4. Degenerate vectors" in out
    assert "king: " in out and "zebra: not in the vocabulary" in out
    assert "gameable" in out and "downstream" in out
    code, out, err = run(capsys, "probe", files / "model", "--json", "-q")
    d = json.loads(out)
    assert d["problems"] == [] and d["vectors"]["format"] == "native directory"
    assert len(d["analogies"]) == 3


def test_probe_flags_degenerate_vectors(files, capsys):
    emb = royal()
    vec = emb.vectors.copy()
    vec[emb.index["apple"]] = 0.0
    vec[emb.index["nurse"]] *= 1000
    Embeddings(vec, emb.words).save_word2vec_format(files / "bad.txt")
    code, out, err = run(capsys, "probe", files / "bad.txt", "-q")
    assert code == 0, err
    assert "FLAGGED, a training bug" in out and "apple" in out and "nurse" in out
    code, out, err = run(capsys, "probe", files / "bad.txt", "--json", "-q")
    d = json.loads(out)
    assert d["degenerate"]["n_low"] == 1 and d["degenerate"]["n_high"] == 1
    assert d["degenerate"]["low_words"][0][0] == "apple"


def test_bias_command(files, capsys):
    code, out, err = run(capsys, "bias", files / "vec.txt", "--occupations", "engineer",
                         "homemaker", "pilot", "--json", "-q")
    assert code == 0, err
    d = json.loads(out)
    proj = {p["word"]: p for p in d["projections"]}
    assert proj["engineer"]["first"] > 0 > proj["homemaker"]["first"]
    assert proj["engineer"]["second"] > 0
    assert d["missing"] == ["pilot"] and d["axes"][0]["pairs"] == [["he", "she"]]
    code, out, err = run(capsys, "bias", files / "vec.txt", "--axis1", "man:woman",
                         "king:queen", "--top", "1", "--occupations", "engineer", "homemaker")
    assert code == 0, err
    assert "mean of (man - woman), (king - queen)" in out and "doctor - nurse" in out
    (files / "occ.txt").write_text("# jobs\nengineer homemaker\n")
    code, out, err = run(capsys, "bias", files / "model", "--occupations-file",
                         files / "occ.txt", "--json", "-q")
    assert {p["word"] for p in json.loads(out)["projections"]} == {"engineer", "homemaker"}


def test_bias_errors(files, capsys):
    code, _, err = run(capsys, "bias", files / "vec.txt", "--axis1", "zebra:lion")
    assert_clean_error(code, err, "zebra")
    code, _, err = run(capsys, "bias", files / "vec.txt", "--axis1", "he-she-it")
    assert_clean_error(code, err, "word1:word2")


def test_plot_command(files, capsys):
    pytest.importorskip("matplotlib")
    out_png = files / "words.png"
    code, out, err = run(capsys, "plot", files / "vec.bin", "--words", "king", "queen", "man",
                         "woman", "zebra", "-o", out_png)
    assert code == 0, err
    assert out_png.read_bytes()[:4] == b"\x89PNG" and f"wrote {out_png}" in out
    assert "zebra" in err  # left out, with a warning
    code, _, err = run(capsys, "plot", files / "vec.bin", "--words", "king", "zebra", "-o",
                       files / "w2.png")
    assert_clean_error(code, err, "at least two")
    code, _, err = run(capsys, "plot", files / "vec.bin", "--words", "king", "queen", "-o",
                       files / "missing-dir" / "w.png")
    assert_clean_error(code, err, "missing-dir")


def test_plot_training_command(files, capsys):
    pytest.importorskip("matplotlib")
    code, out, err = run(capsys, "plot-training", files / "model", "-o", files / "t.png")
    assert code == 0, err
    assert (files / "t.png").read_bytes()[:4] == b"\x89PNG"
    assert "epoch" in out and "1,000" in out and "1,250" in out  # 1000 words / 0.8 s
    head = out.splitlines()[0].split()
    assert head[:5] == ["epoch", "training", "loss", "evaluation", "loss"]
    assert "evaluation loss: the same objective on a fixed probe" in out
    (files / "stats.json").write_text(json.dumps(STATS))
    code, out, err = run(capsys, "plot-training", files / "stats.json", "-o", files / "t2.png")
    assert code == 0, err


def test_plot_training_without_stats(files, capsys):
    code, _, err = run(capsys, "plot-training", files / "vec.bin", "-o", files / "t.png")
    if "matplotlib" in err and "not installed" in err:
        pytest.skip("matplotlib missing")
    assert_clean_error(code, err, "word2vec vector file", "no training statistics")
    royal().save(files / "nostats")
    code, _, err = run(capsys, "plot-training", files / "nostats", "-o", files / "t.png")
    assert_clean_error(code, err, "no training statistics")
    assert not (files / "t.png").exists()


def test_plot_commands_without_matplotlib(files, capsys, monkeypatch):
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")] + [
            "matplotlib", "matplotlib.figure", "matplotlib.backends",
            "matplotlib.backends.backend_agg"]:
        monkeypatch.setitem(sys.modules, name, None)
    code, _, err = run(capsys, "plot", files / "vec.bin", "--words", "king", "queen", "-o",
                       files / "w.png")
    assert_clean_error(code, err, "matplotlib", "pip install 'fastw2v[plot]'")
    code, _, err = run(capsys, "plot-training", files / "model", "-o", files / "t.png")
    assert_clean_error(code, err, "matplotlib")
