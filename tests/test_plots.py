"""Pictures: PCA, the word scatter, the training report, and the message without matplotlib."""
from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from fastw2v.vectors.embeddings import Embeddings
from fastw2v.errors import FastW2VError, ModelFormatError
from fastw2v.analysis.plots import (INSTALL_HINT, TSNE_INSTALL_HINT, epoch_table,
                                    load_training_stats, pca_2d, plot_words, tsne_perplexity)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

STATS = {
    "train_seconds": 3.0, "words": 300, "raw_words": 330,
    "epochs": [
        {"epoch": 1, "words": 100, "words_kept": 90, "examples": 500, "loss": 2.5,
         "seconds": 1.0, "alpha": 0.0125},
        {"epoch": 2, "words": 100, "words_kept": 91, "examples": 510, "loss": 2.2,
         "seconds": 0.5, "alpha": 0.0001},
    ],
}


#: Statistics as this version writes them: raw words and the evaluation loss per epoch.
STATS_NOW = {"train_seconds": 1.5, "words": 200, "raw_words": 220, "epochs": [
    dict(STATS["epochs"][0], raw_words=110, eval_loss=2.7),
    dict(STATS["epochs"][1], raw_words=110, eval_loss=2.6)]}


def needs_matplotlib():
    return pytest.importorskip("matplotlib")


def needs_sklearn():
    return pytest.importorskip("sklearn")  # the plot extra, not a test dependency


def emb_with_stats(stats=STATS) -> Embeddings:
    rng = np.random.default_rng(3)
    words = ["king", "queen", "man", "woman", "paris", "france", "a_rather_long_label_word",
             "x", "y", "z"]
    return Embeddings(rng.standard_normal((len(words), 12)).astype(np.float32), words,
                      stats=stats)


# ------------------------------------------------------------------------------------------- #
# no matplotlib needed
# ------------------------------------------------------------------------------------------- #
def test_pca_2d_known_geometry():
    # points on a line along (1, 1, 0): one component explains everything
    t = np.array([-2.0, -1.0, 0.0, 3.0])
    x = np.outer(t, [1.0, 1.0, 0.0]) + 5.0
    coords, explained = pca_2d(x)
    assert explained == pytest.approx([1.0, 0.0])
    assert coords[:, 0] == pytest.approx((t - t.mean()) * np.sqrt(2))  # sign: loading > 0
    assert coords[:, 1] == pytest.approx(np.zeros(4), abs=1e-12)
    coords, explained = pca_2d(np.diag([3.0, 1.0, 0.0]))
    assert explained[0] > explained[1] > 0 and explained.sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="NaN or infinite"):
        pca_2d(np.array([[np.nan, 1.0]]))


def test_missing_matplotlib_gives_a_clear_error(monkeypatch, tmp_path):
    from fastw2v.analysis import plots as plots
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")] + [
            "matplotlib", "matplotlib.figure", "matplotlib.backends",
            "matplotlib.backends.backend_agg"]:
        monkeypatch.setitem(sys.modules, name, None)
    with pytest.raises(FastW2VError, match=r"pip install 'fastw2v\[plot\]'"):
        plots.plot_words(emb_with_stats(), ["king", "queen"], tmp_path / "w.png")
    with pytest.raises(FastW2VError, match="matplotlib"):
        plots.plot_training(STATS, tmp_path / "t.png")
    assert not (tmp_path / "w.png").exists()
    assert "matplotlib" in INSTALL_HINT


def test_load_training_stats_sources(tmp_path):
    emb = emb_with_stats()
    emb.save(tmp_path / "model")
    stats, config = load_training_stats(tmp_path / "model")  # native directory
    assert stats["epochs"] == STATS["epochs"] and config is None
    (tmp_path / "stats.json").write_text(json.dumps(STATS))  # Embeddings.stats as JSON
    assert load_training_stats(tmp_path / "stats.json")[0]["epochs"] == STATS["epochs"]
    (tmp_path / "config.json").write_text(json.dumps({"stats": STATS, "config": {"dim": 12}}))
    stats, config = load_training_stats(tmp_path / "config.json")  # a whole config.json
    assert config == {"dim": 12} and len(stats["epochs"]) == 2
    (tmp_path / "epochs.json").write_text(json.dumps(STATS["epochs"]))  # a bare list
    assert len(load_training_stats(tmp_path / "epochs.json")[0]["epochs"]) == 2
    assert load_training_stats(emb)[0]["epochs"] == STATS["epochs"]
    assert load_training_stats(STATS)[0] == STATS


def test_load_training_stats_errors(tmp_path):
    emb = emb_with_stats(stats=None)
    emb.save_word2vec_format(tmp_path / "vec.txt")
    emb.save_word2vec_format(tmp_path / "vec.bin", binary=True)
    for name in ("vec.txt", "vec.bin"):
        with pytest.raises(FastW2VError, match="word2vec vector file.*no training statistics"):
            load_training_stats(tmp_path / name)
    emb.save(tmp_path / "nostats")
    with pytest.raises(FastW2VError, match="no training statistics"):
        load_training_stats(tmp_path / "nostats")
    with pytest.raises(FastW2VError, match="no training statistics"):
        load_training_stats(emb)
    with pytest.raises(FileNotFoundError, match="no such file or directory: .*absent"):
        load_training_stats(tmp_path / "absent")
    (tmp_path / "empty_dir").mkdir()
    with pytest.raises(ModelFormatError, match="not a fastw2v model directory"):
        load_training_stats(tmp_path / "empty_dir")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(ModelFormatError, match="corrupt JSON"):
        load_training_stats(tmp_path / "bad.json")
    (tmp_path / "other.json").write_text('{"something": 1}')
    with pytest.raises(ModelFormatError, match="no training statistics found"):
        load_training_stats(tmp_path / "other.json")
    (tmp_path / "noepochs.json").write_text('{"epochs": []}')
    with pytest.raises(FastW2VError, match="no per-epoch"):
        load_training_stats(tmp_path / "noepochs.json")
    (tmp_path / "badepoch.json").write_text('{"epochs": [{"epoch": 1, "loss": "x"}]}')
    with pytest.raises(ModelFormatError, match="loss"):
        load_training_stats(tmp_path / "badepoch.json")


def test_epoch_table():
    rows = epoch_table(STATS)  # statistics of an older version: no raw words, no eval loss
    assert [r["epoch"] for r in rows] == [1, 2]
    assert [r["words_per_sec"] for r in rows] == [100.0, 200.0]
    assert not any(r["raw_rate"] for r in rows) and all(np.isnan(r["eval_loss"]) for r in rows)
    assert rows[1]["alpha"] == 0.0001 and rows[0]["loss"] == 2.5
    rows = epoch_table(STATS_NOW)
    assert [r["words_per_sec"] for r in rows] == [110.0, 220.0]  # raw words/s, as everywhere
    assert [r["eval_loss"] for r in rows] == [2.7, 2.6] and all(r["raw_rate"] for r in rows)


def test_tsne_perplexity_adapts_to_the_number_of_words():
    assert tsne_perplexity(100) == 30.0 and tsne_perplexity(91) == 30.0
    assert tsne_perplexity(31) == 10.0 and tsne_perplexity(2) == 1.0
    assert all(tsne_perplexity(n) < n for n in range(2, 200))


# ------------------------------------------------------------------------------------------- #
# drawing
# ------------------------------------------------------------------------------------------- #
def test_plot_words_writes_a_png(tmp_path):
    needs_matplotlib()
    emb = emb_with_stats()
    out = plot_words(emb, emb.words, tmp_path / "words.png", title="test")
    assert out == tmp_path / "words.png"
    assert out.read_bytes()[:8] == PNG_MAGIC
    assert [p.name for p in tmp_path.iterdir()] == ["words.png"]  # no temporary left behind


def test_plot_words_svg_and_errors(tmp_path):
    needs_matplotlib()
    from fastw2v.analysis.plots import plot_words
    emb = emb_with_stats()
    plot_words(emb, ["king", "queen", "KING"], tmp_path / "w.svg", normalize=False)
    assert b"<svg" in (tmp_path / "w.svg").read_bytes()[:500]
    with pytest.raises(KeyError, match="nope"):
        plot_words(emb, ["king", "nope"], tmp_path / "x.png")
    plot_words(emb, ["king", "nope", "queen"], tmp_path / "x.png", skip_missing=True)
    with pytest.raises(ValueError, match="at least two"):
        plot_words(emb, ["king", "nope"], tmp_path / "y.png", skip_missing=True)
    with pytest.raises(ValueError, match="format"):
        plot_words(emb, ["king", "queen"], tmp_path / "y.gif")
    with pytest.raises(FileNotFoundError, match="output directory does not exist: .*no"):
        plot_words(emb, ["king", "queen"], tmp_path / "no" / "dir.png")


def test_labels_stay_inside_the_axes_and_apart():
    needs_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from fastw2v.analysis.plots import _place_labels
    rng = np.random.default_rng(0)
    labels = [f"word{i}" for i in range(12)] + ["an_extremely_long_label_at_the_edge"]
    coords = rng.standard_normal((len(labels), 2))
    coords[-1] = [coords[:, 0].max() + 0.01, coords[:, 1].max()]  # rightmost, topmost point
    fig = Figure(figsize=(6, 4.5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.scatter(coords[:, 0], coords[:, 1])
    _place_labels(fig, ax, coords, labels)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    boxes = [t.get_window_extent(renderer) for t in ax.texts]
    assert sorted(t.get_text() for t in ax.texts) == sorted(labels)
    for b in boxes:
        assert frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1
    overlaps = sum(boxes[i].overlaps(boxes[j]) for i in range(len(boxes))
                   for j in range(i + 1, len(boxes)))
    assert overlaps <= 1


def test_plot_training_writes_a_png(tmp_path):
    needs_matplotlib()
    from fastw2v.analysis.plots import plot_training
    emb_with_stats().save(tmp_path / "model")
    out = plot_training(tmp_path / "model", tmp_path / "training.png")
    assert out.read_bytes()[:8] == PNG_MAGIC
    one = {"epochs": STATS["epochs"][:1]}  # a single epoch draws too
    plot_training(one, tmp_path / "one.png", title="one epoch")
    assert (tmp_path / "one.png").stat().st_size > 1000
    plot_training(STATS_NOW, tmp_path / "now.png")
    assert (tmp_path / "now.png").read_bytes()[:8] == PNG_MAGIC


def test_plot_words_with_tsne_is_reproducible(tmp_path):
    needs_matplotlib()
    needs_sklearn()
    from fastw2v.analysis.plots import tsne_2d
    emb = emb_with_stats()
    a, perplexity = tsne_2d(emb.unit_vectors, seed=5)
    b, _ = tsne_2d(emb.unit_vectors, seed=5)
    assert perplexity == 3.0 and a.shape == (10, 2) and np.array_equal(a, b)
    out = plot_words(emb, emb.words, tmp_path / "t.png", method="tsne", seed=5)
    assert out.read_bytes()[:8] == PNG_MAGIC
    with pytest.raises(ValueError, match=r"perplexity must be a number in \(0, 10\) for 10 words"):
        plot_words(emb, emb.words, tmp_path / "u.png", method="tsne", perplexity=10)
    with pytest.raises(ValueError, match="method must be one of pca, tsne, got 'umap'"):
        plot_words(emb, emb.words, tmp_path / "u.png", method="umap")


def test_missing_scikit_learn_gives_a_clear_error(monkeypatch, tmp_path):
    needs_matplotlib()
    from fastw2v.analysis import plots
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.manifold", None)
    with pytest.raises(FastW2VError, match=r"t-SNE needs scikit-learn.*fastw2v\[plot\]"):
        plots.plot_words(emb_with_stats(), ["king", "queen"], tmp_path / "w.png", method="tsne")
    assert not (tmp_path / "w.png").exists() and "or use PCA" in TSNE_INSTALL_HINT

