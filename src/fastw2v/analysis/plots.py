"""Pictures: a 2-D PCA scatter of chosen words and a training report (loss and words/s by epoch).

matplotlib is optional (``pip install 'fastw2v[plot]'``); it is imported only when a picture is
drawn, and a clear :class:`~fastw2v.errors.FastW2VError` says how to install it when it is missing.
Figures are drawn with matplotlib's object API and the Agg canvas, never through ``pyplot``, so
drawing changes no global matplotlib state (backend, open figures).
"""
from __future__ import annotations

import json
import logging
import math
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from ..base.paths import PathLike
from ..base.atomic import atomic_write, check_writable_destination
from ..vectors.embeddings import Embeddings
from .words import resolve_word
from ..vectors.native import META_FILE
from ..errors import FastW2VError, ModelFormatError

logger = logging.getLogger("fastw2v")

INSTALL_HINT = ("plotting needs matplotlib, which is not installed; install it with "
                "pip install 'fastw2v[plot]' (or pip install matplotlib)")

__all__ = [
    "pca_2d",
    "plot_words",
    "plot_training",
    "load_training_stats",
    "epoch_table",
    "INSTALL_HINT",
]


def _matplotlib():
    """``(Figure, FigureCanvasAgg)``, or FastW2VError with the install hint."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise FastW2VError(INSTALL_HINT) from None
    return Figure, FigureCanvasAgg


def _image_format(path: Path) -> str:
    fmt = path.suffix.lower().lstrip(".") or "png"
    if fmt not in ("png", "svg", "pdf", "jpg", "jpeg"):
        raise ValueError(f"{path}: unsupported picture format {fmt!r} (use .png, .svg, .pdf or "
                         f".jpg)")
    return fmt


def _save(fig, path: PathLike, dpi: int) -> Path:
    path = Path(path)
    fmt = _image_format(path)
    check_writable_destination(path)
    if path.is_dir():
        raise IsADirectoryError(f"output path is a directory: {path}")
    with atomic_write(path, "wb") as fh:
        fig.savefig(fh, format=fmt, dpi=dpi)
    logger.debug("wrote %s", path)
    return path


# --------------------------------------------------------------------------------------------- #
# PCA
# --------------------------------------------------------------------------------------------- #
def pca_2d(vectors: Any) -> Tuple[np.ndarray, np.ndarray]:
    """Project rows onto their first two principal components.

    Parameters
    ----------
    vectors : array_like, shape (n, d)

    Returns
    -------
    coords : numpy.ndarray, shape (n, 2)
        Centered rows projected on the components (a component is zero where the data has no
        second direction). Each component's sign is fixed so that its largest loading is positive.
    explained : numpy.ndarray, shape (2,)
        Share of the total variance each component explains (0 when there is none).
    """
    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 1:
        raise ValueError(f"need a non-empty 2-d array, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("vectors contain NaN or infinite values")
    x = x - x.mean(axis=0)
    _, s, vt = np.linalg.svd(x, full_matrices=False)
    k = min(2, vt.shape[0])
    comps = np.zeros((2, x.shape[1]))
    comps[:k] = vt[:k]
    for i in range(k):
        if comps[i, np.argmax(np.abs(comps[i]))] < 0:
            comps[i] = -comps[i]
    var = s ** 2
    total = var.sum()
    explained = np.zeros(2)
    if total > 0:
        explained[:k] = var[:k] / total
    return x @ comps.T, explained


# --------------------------------------------------------------------------------------------- #
# words
# --------------------------------------------------------------------------------------------- #
def plot_words(emb: Embeddings, words: Sequence[str], path: PathLike, *,
               title: Optional[str] = None, normalize: bool = True, skip_missing: bool = False,
               figsize: Tuple[float, float] = (8.0, 6.5), dpi: int = 150) -> Path:
    """Draw a labelled 2-D PCA scatter of the vectors of ``words`` and save it.

    Parameters
    ----------
    emb : Embeddings
    words : sequence of str
        At least two distinct words (a case variant is used when the exact word is missing).
    path : str or os.PathLike
        Output picture; the format comes from the suffix (.png, .svg, .pdf, .jpg). Written
        atomically.
    title : str, optional
    normalize : bool
        Use unit vectors (default; cosine geometry) rather than the raw vectors.
    skip_missing : bool
        Leave out words that are not in the vocabulary (with a warning) instead of raising.
    figsize, dpi
        Picture size in inches and resolution.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    KeyError
        A word is not in the vocabulary (unless ``skip_missing``); the message names it.
    ValueError
        Fewer than two words to draw.
    FastW2VError
        matplotlib is not installed.
    """

    Figure, FigureCanvasAgg = _matplotlib()
    path = Path(path)
    _image_format(path)
    found: List[str] = []
    missing: List[str] = []
    for w in dict.fromkeys(words):
        r = resolve_word(emb, w)
        if r is None:
            missing.append(w)
        elif r not in found:
            found.append(r)
    if missing:
        if not skip_missing:
            raise KeyError(f"word {missing[0]!r} is not in the vocabulary"
                           if len(missing) == 1 else
                           f"words not in the vocabulary: {', '.join(map(repr, missing))}")
        logger.warning("not in the vocabulary, left out of the plot: %s", ", ".join(missing))
    if len(found) < 2:
        raise ValueError(f"need at least two words in the vocabulary to plot, got "
                         f"{len(found)}" + (f" ({found[0]})" if found else ""))
    rows = [emb.index[w] for w in found]
    vec = emb.unit_vectors[rows] if normalize else emb.vectors[rows]
    coords, explained = pca_2d(vec)

    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.scatter(coords[:, 0], coords[:, 1], s=28, color="#1f77b4", zorder=3)
    ax.set_xlabel(f"PC1 ({100 * explained[0]:.1f}% of variance)")
    ax.set_ylabel(f"PC2 ({100 * explained[1]:.1f}% of variance)")
    ax.set_title(title if title is not None else
                 f"PCA of {len(found)} word vectors ({'cosine' if normalize else 'raw'}, "
                 f"{emb.dim} dimensions)")
    ax.grid(True, color="#dddddd", linewidth=0.6, zorder=0)
    ax.axhline(0, color="#bbbbbb", linewidth=0.6, zorder=1)
    ax.axvline(0, color="#bbbbbb", linewidth=0.6, zorder=1)
    fig.set_layout_engine("constrained")
    _place_labels(fig, ax, coords, found)
    return _save(fig, path, dpi)


#: Label positions tried around a point: (ha, va, dx, dy in points).
_LABEL_SPOTS = (("left", "bottom", 4, 3), ("left", "top", 4, -3), ("right", "bottom", -4, 3),
                ("right", "top", -4, -3), ("center", "bottom", 0, 6), ("center", "top", 0, -6),
                ("left", "center", 6, 0), ("right", "center", -6, 0))


def _place_labels(fig, ax, coords: np.ndarray, labels: Sequence[str]) -> None:
    """Label each point where its text overlaps neither other labels nor points, inside the axes.

    Greedy: each label takes the first free spot of :data:`_LABEL_SPOTS` (else the least
    crowded). When labels stick out of the axes, the limits grow and the placement is redone.
    """
    x, y = coords[:, 0], coords[:, 1]

    def set_limits(pad_left: float, pad_right: float, pad_bottom: float, pad_top: float):
        span_x = float(np.ptp(x)) or 1.0
        span_y = float(np.ptp(y)) or 1.0
        ax.set_xlim(x.min() - pad_left * span_x, x.max() + pad_right * span_x)
        ax.set_ylim(y.min() - pad_bottom * span_y, y.max() + pad_top * span_y)

    pads = [0.08, 0.08, 0.06, 0.06]
    texts: List[Any] = []
    for _ in range(6):
        for t in texts:
            t.remove()
        texts = []
        set_limits(*pads)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        frame = ax.get_window_extent(renderer)
        pts = ax.transData.transform(coords)
        r = 4.0 * fig.dpi / 72.0  # marker radius in pixels
        point_boxes = [(px - r, py - r, px + r, py + r) for px, py in pts]
        placed: List[Tuple[float, float, float, float]] = []
        for i, label in enumerate(labels):
            best = None
            for ha, va, dx, dy in _LABEL_SPOTS:
                t = ax.annotate(label, (x[i], y[i]), xytext=(dx, dy), textcoords="offset points",
                                ha=ha, va=va, fontsize=9, zorder=4)
                bb = t.get_window_extent(renderer)
                box = (bb.x0, bb.y0, bb.x1, bb.y1)
                cost = sum(_overlap(box, b) for b in placed) \
                    + sum(_overlap(box, b) for j, b in enumerate(point_boxes) if j != i) \
                    + 10.0 * _outside(box, frame)
                if best is None or cost < best[0]:
                    if best is not None:
                        best[1].remove()
                    best = (cost, t, box)
                else:
                    t.remove()
                if cost == 0:
                    break
            assert best is not None
            texts.append(best[1])
            placed.append(best[2])
        # grow the limits where labels stick out, then place again
        width = max(frame.width, 1.0)
        height = max(frame.height, 1.0)
        span = [pads[0] + pads[1] + 1.0, pads[2] + pads[3] + 1.0]
        grow = [max(0.0, frame.x0 + 2 - min(b[0] for b in placed)) / width * span[0],
                max(0.0, max(b[2] for b in placed) - frame.x1 + 2) / width * span[0],
                max(0.0, frame.y0 + 2 - min(b[1] for b in placed)) / height * span[1],
                max(0.0, max(b[3] for b in placed) - frame.y1 + 2) / height * span[1]]
        if not any(g > 0 for g in grow):
            return
        pads = [p + 1.15 * g + 0.01 * (g > 0) for p, g in zip(pads, grow)]
    logger.debug("label placement: some labels may touch the frame")


def _overlap(a, b) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _outside(box, frame) -> float:
    return (max(0.0, frame.x0 - box[0]) + max(0.0, box[2] - frame.x1)
            + max(0.0, frame.y0 - box[1]) + max(0.0, box[3] - frame.y1)) * 100.0


# --------------------------------------------------------------------------------------------- #
# training report
# --------------------------------------------------------------------------------------------- #
_NO_STATS_W2V = ("{path} is a word2vec vector file; that format stores only words and vectors, "
                 "no training statistics. Per-epoch loss and words/s are kept by fastw2v's native "
                 "format: train with --format native (or Embeddings.save) and pass that "
                 "directory, or pass a JSON file holding Embeddings.stats")


def load_training_stats(run: Union[PathLike, Embeddings, Mapping[str, Any]]
                        ) -> Tuple[Dict[str, Any], Optional[Dict[str, Any]]]:
    """Training statistics of a run.

    Parameters
    ----------
    run : path, Embeddings or mapping
        A native model directory (its ``config.json``), a JSON file holding ``Embeddings.stats``
        (an object with ``"epochs"``), a whole ``config.json`` (an object with ``"stats"``) or a
        list of per-epoch objects; or an :class:`Embeddings`, or the stats mapping itself.

    Returns
    -------
    stats : dict
        With ``"epochs"``: a non-empty list of dicts with at least ``epoch``, ``loss``, ``words``
        and ``seconds``.
    config : dict or None
        The training configuration when known.

    Raises
    ------
    FileNotFoundError
        ``run`` does not exist.
    FastW2VError
        ``run`` holds no training statistics (a word2vec file, an Embeddings without stats, ...);
        the message says why.
    ModelFormatError
        Malformed JSON or statistics.
    """
    config: Optional[Dict[str, Any]] = None
    where = "the statistics"
    if isinstance(run, Embeddings):
        stats: Any = run.stats
        config = run.config.to_dict() if run.config is not None else None
        where = "these embeddings"
    elif isinstance(run, Mapping):
        stats = dict(run)
    else:
        path = Path(run)
        where = str(path)
        if not path.exists():
            raise FileNotFoundError(f"no such file or directory: {path}")
        if path.is_dir():
            meta_path = path / META_FILE
            if not meta_path.is_file():
                raise ModelFormatError(f"{path}: not a fastw2v model directory (no {META_FILE})")
            meta = _read_json(meta_path)
        else:
            meta = _read_json(path)
        if isinstance(meta, list):
            stats = {"epochs": meta}
        elif isinstance(meta, dict) and "epochs" in meta:
            stats = meta
        elif isinstance(meta, dict) and "stats" in meta:
            stats = meta["stats"]
            config = meta.get("config") if isinstance(meta.get("config"), dict) else None
        else:
            raise ModelFormatError(f"{path}: no training statistics found (expected a JSON "
                                   f"object with 'epochs' or 'stats')")
    if stats is None:
        raise FastW2VError(f"{where} has no training statistics (stats is null: the vectors were "
                           f"not trained by fastw2v in this run, or were read from a word2vec "
                           f"file)")
    if not isinstance(stats, Mapping):
        raise ModelFormatError(f"{where}: training statistics must be a JSON object")
    stats = dict(stats)
    epochs = stats.get("epochs")
    if not isinstance(epochs, list) or not epochs:
        raise FastW2VError(f"{where} has no per-epoch training statistics")
    for i, e in enumerate(epochs):
        if not isinstance(e, Mapping):
            raise ModelFormatError(f"{where}: epoch entry #{i + 1} is not an object")
        for key in ("loss", "words", "seconds"):
            value = e.get(key)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ModelFormatError(f"{where}: epoch entry #{i + 1} has no numeric {key!r}")
    return stats, config


def _read_json(path: Path) -> Any:
    with open(path, "rb") as fh:
        head = fh.read(4096)
    text_head = head.lstrip()
    if not text_head.startswith((b"{", b"[")):
        if _looks_like_word2vec(head):
            raise FastW2VError(_NO_STATS_W2V.format(path=path))
        raise ModelFormatError(f"{path}: neither a fastw2v model directory nor a JSON file of "
                               f"training statistics")
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelFormatError(f"{path}: corrupt JSON: {exc}") from None


def _looks_like_word2vec(head: bytes) -> bool:
    first = head.split(b"\n", 1)[0].split()
    return len(first) == 2 and all(p.isdigit() for p in first)


def epoch_table(stats: Mapping[str, Any]) -> List[Dict[str, float]]:
    """Per-epoch rows ``{epoch, loss, words, seconds, words_per_sec, alpha}`` from stats."""
    rows = []
    for i, e in enumerate(stats["epochs"]):
        seconds = float(e["seconds"])
        words = float(e["words"])
        rows.append({
            "epoch": int(e.get("epoch", i + 1)),
            "loss": float(e["loss"]),
            "words": words,
            "seconds": seconds,
            "words_per_sec": words / seconds if seconds > 0 else float("nan"),
            "alpha": float(e["alpha"]) if isinstance(e.get("alpha"), (int, float)) else
            float("nan"),
        })
    return rows


def plot_training(run: Union[PathLike, Embeddings, Mapping[str, Any]], path: PathLike, *,
                  title: Optional[str] = None, figsize: Tuple[float, float] = (10.0, 4.2),
                  dpi: int = 150) -> Path:
    """Draw the per-epoch loss and words/s of a training run and save the picture.

    Parameters
    ----------
    run : path, Embeddings or mapping
        Anything :func:`load_training_stats` accepts (a native model directory, a stats JSON file,
        an Embeddings with stats, a stats mapping).
    path : str or os.PathLike
        Output picture (.png, .svg, .pdf, .jpg), written atomically.
    title : str, optional

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    Figure, FigureCanvasAgg = _matplotlib()
    path = Path(path)
    _image_format(path)
    stats, config = load_training_stats(run)
    rows = epoch_table(stats)
    epochs = [r["epoch"] for r in rows]
    loss = [r["loss"] for r in rows]
    rate = [r["words_per_sec"] for r in rows]
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    fig.set_layout_engine("constrained")
    ax_loss, ax_rate = fig.subplots(1, 2)
    ax_loss.plot(epochs, loss, marker="o", color="#d62728")
    ax_loss.set_title("training loss")
    ax_loss.set_ylabel("mean negative-sampling loss per example")
    ax_rate.plot(epochs, rate, marker="o", color="#1f77b4")
    ax_rate.set_title("throughput")
    ax_rate.set_ylabel("words per second")
    ax_rate.yaxis.set_major_formatter(FuncFormatter(_si))
    finite_rate = [r for r in rate if math.isfinite(r)]
    if finite_rate:
        ax_rate.set_ylim(0, max(finite_rate) * 1.15)
    for ax in (ax_loss, ax_rate):
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(True, color="#dddddd", linewidth=0.6)
        if len(epochs) == 1:
            ax.set_xlim(epochs[0] - 1, epochs[0] + 1)
        else:
            ax.set_xlim(min(epochs) - 0.3, max(epochs) + 0.3)
    if title is None:
        title = _training_title(stats, config)
    fig.suptitle(title)
    return _save(fig, path, dpi)


def _si(value: float, _pos=None) -> str:
    for unit, scale in (("M", 1e6), ("k", 1e3)):
        if abs(value) >= scale:
            return f"{value / scale:g}{unit}"
    return f"{value:g}"


def _training_title(stats: Mapping[str, Any], config: Optional[Mapping[str, Any]]) -> str:
    parts = [f"{len(stats['epochs'])} epochs"]
    if config:
        arch = "skip-gram" if config.get("sg", True) else "CBOW"
        parts.insert(0, f"{arch}, {config.get('dim', '?')} dimensions")
    seconds = stats.get("train_seconds")
    if isinstance(seconds, (int, float)):
        parts.append(f"{seconds:.1f} s")
    return "Training: " + ", ".join(parts)
