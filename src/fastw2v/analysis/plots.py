"""Pictures: a 2-D PCA or t-SNE scatter of chosen words and a training report (the two losses and
words/s by epoch).

matplotlib (and scikit-learn, for t-SNE) are optional (``pip install 'fastw2v[plot]'``); they are
imported only when a picture is drawn, and a clear :class:`~fastw2v.errors.FastW2VError` says how
to install them when they are missing.
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
from ..base.validate import check_choice
from ..vectors.embeddings import Embeddings
from .words import resolve_word
from ..vectors.native import META_FILE
from ..errors import FastW2VError, ModelFormatError

logger = logging.getLogger("fastw2v")

INSTALL_HINT = ("plotting needs matplotlib, which is not installed; install it with "
                "pip install 'fastw2v[plot]' (or pip install matplotlib)")
TSNE_INSTALL_HINT = ("t-SNE needs scikit-learn, which is not installed; install it with "
                     "pip install 'fastw2v[plot]' (or pip install scikit-learn), or use PCA")

#: Projections :func:`plot_words` can draw.
METHODS = ("pca", "tsne")

#: t-SNE's usual perplexity (scikit-learn's default), used when there are enough words; with
#: fewer it must shrink, since each point's neighbourhood (~3 x perplexity points) has to fit in
#: the data: perplexity = (n - 1) / 3, at least 1.
TSNE_MAX_PERPLEXITY = 30.0

#: Seed of t-SNE's random state when none is given, so the same words give the same picture.
TSNE_SEED = 1

__all__ = [
    "pca_2d",
    "tsne_2d",
    "tsne_perplexity",
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


def _sklearn():
    """scikit-learn's ``TSNE``, or FastW2VError with the install hint."""
    try:
        from sklearn.manifold import TSNE
    except ImportError:
        raise FastW2VError(TSNE_INSTALL_HINT) from None
    return TSNE


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


def tsne_perplexity(n: int) -> float:
    """The perplexity t-SNE uses for ``n`` points: :data:`TSNE_MAX_PERPLEXITY`, or
    ``(n - 1) / 3`` (at least 1) when there are too few points for it."""
    return max(1.0, min(TSNE_MAX_PERPLEXITY, (n - 1) / 3.0))


def tsne_2d(vectors: Any, perplexity: Optional[float] = None,
            seed: int = TSNE_SEED) -> Tuple[np.ndarray, float]:
    """Embed rows in two dimensions with t-SNE (scikit-learn), reproducibly.

    Parameters
    ----------
    vectors : array_like, shape (n, d)
        At least two rows.
    perplexity : float, optional
        Default :func:`tsne_perplexity` of ``n``; must be below ``n``.
    seed : int
        The random state: the same rows and seed give the same picture.

    Returns
    -------
    coords : numpy.ndarray, shape (n, 2)
    perplexity : float
        The perplexity used.

    Raises
    ------
    FastW2VError
        scikit-learn is not installed.
    ValueError
        Fewer than two rows, non-finite values, or a perplexity outside (0, n).
    """
    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"t-SNE needs a 2-d array of at least two rows, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("vectors contain NaN or infinite values")
    n = x.shape[0]
    perplexity = tsne_perplexity(n) if perplexity is None else float(perplexity)
    if not 0 < perplexity < n:
        raise ValueError(f"perplexity must be a number in (0, {n}) for {n} words, "
                         f"got {perplexity:g}")
    TSNE = _sklearn()
    # PCA initialisation and the automatic learning rate are scikit-learn's defaults from 1.2 on;
    # they are given explicitly so that older and newer versions draw the same kind of picture.
    tsne = TSNE(n_components=2, perplexity=perplexity, init="pca", learning_rate="auto",
                random_state=seed)
    return np.asarray(tsne.fit_transform(x), dtype=np.float64), perplexity


# --------------------------------------------------------------------------------------------- #
# words
# --------------------------------------------------------------------------------------------- #
#: Words up to which the default picture size and font stay as they are; above, both adapt so
#: that 100 labels stay legible (the picture grows, the labels shrink a little).
_WORDS_AT_BASE_SIZE = 40


def plot_words(emb: Embeddings, words: Sequence[str], path: PathLike, *,
               title: Optional[str] = None, normalize: bool = True, skip_missing: bool = False,
               method: str = "pca", perplexity: Optional[float] = None, seed: int = TSNE_SEED,
               figsize: Optional[Tuple[float, float]] = None, dpi: int = 150) -> Path:
    """Draw a labelled 2-D scatter (PCA or t-SNE) of the vectors of ``words`` and save it.

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
    method : {"pca", "tsne"}
        ``pca``: the first two principal components (axes with their share of the variance);
        ``tsne``: t-SNE (scikit-learn), which keeps neighbourhoods and shows clusters, but whose
        axes, distances between clusters and cluster sizes mean nothing.
    perplexity : float, optional
        t-SNE only: default :func:`tsne_perplexity` of the number of words (30 from 91 words).
    seed : int
        t-SNE only: its random state (the same words and seed give the same picture).
    figsize, dpi
        Picture size in inches (default: 8 x 6.5, larger above 40 words) and resolution.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    KeyError
        A word is not in the vocabulary (unless ``skip_missing``); the message names it.
    ValueError
        Fewer than two words to draw, an unknown ``method`` or a perplexity out of range.
    FastW2VError
        matplotlib (or, for t-SNE, scikit-learn) is not installed.
    """
    method = check_choice("method", method, METHODS)
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
    geometry = "cosine" if normalize else "raw"
    n = len(found)
    if figsize is None:
        grow = max(1.0, (n / _WORDS_AT_BASE_SIZE) ** 0.5)
        figsize = (min(8.0 * grow, 14.0), min(6.5 * grow, 11.5))
    fontsize = 9.0 if n <= _WORDS_AT_BASE_SIZE else 8.0

    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    if method == "pca":
        coords, explained = pca_2d(vec)
        ax.set_xlabel(f"PC1 ({100 * explained[0]:.1f}% of variance)")
        ax.set_ylabel(f"PC2 ({100 * explained[1]:.1f}% of variance)")
        default_title = f"PCA of {n} word vectors ({geometry}, {emb.dim} dimensions)"
        ax.axhline(0, color="#bbbbbb", linewidth=0.6, zorder=1)
        ax.axvline(0, color="#bbbbbb", linewidth=0.6, zorder=1)
    else:
        coords, used = tsne_2d(vec, perplexity, seed)
        ax.set_xlabel("t-SNE 1")
        ax.set_ylabel("t-SNE 2")
        ax.tick_params(labelbottom=False, labelleft=False)  # the axes carry no units
        default_title = (f"t-SNE of {n} word vectors ({geometry}, {emb.dim} dimensions; "
                         f"perplexity {used:g}, seed {seed})")
    ax.scatter(coords[:, 0], coords[:, 1], s=28 if n <= _WORDS_AT_BASE_SIZE else 18,
               color="#1f77b4", zorder=3)
    ax.set_title(title if title is not None else default_title)
    ax.grid(True, color="#dddddd", linewidth=0.6, zorder=0)
    fig.set_layout_engine("constrained")
    _place_labels(fig, ax, coords, found, fontsize=fontsize)
    return _save(fig, path, dpi)


#: Label positions tried around a point: (ha, va, dx, dy in points).
_LABEL_SPOTS = (("left", "bottom", 4, 3), ("left", "top", 4, -3), ("right", "bottom", -4, 3),
                ("right", "top", -4, -3), ("center", "bottom", 0, 6), ("center", "top", 0, -6),
                ("left", "center", 6, 0), ("right", "center", -6, 0))


def _place_labels(fig, ax, coords: np.ndarray, labels: Sequence[str],
                  fontsize: float = 9.0) -> None:
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
                                ha=ha, va=va, fontsize=fontsize, zorder=4)
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


def epoch_table(stats: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """Per-epoch rows from training statistics.

    Each row: ``epoch``, ``loss`` (training loss), ``eval_loss`` (NaN when not recorded),
    ``words`` (in-vocabulary words read), ``raw_words`` (every token of the corpus; NaN when not
    recorded), ``seconds``, ``words_per_sec`` and ``alpha``. ``words_per_sec`` counts raw words,
    as every throughput fastw2v reports, when the statistics hold them (runs of this version
    on); for older statistics it counts in-vocabulary words, and ``raw_rate`` is False.
    """
    rows = []
    for i, e in enumerate(stats["epochs"]):
        seconds = float(e["seconds"])
        words = float(e["words"])
        raw = e.get("raw_words")
        raw = float(raw) if _number(raw) and raw > 0 else float("nan")
        per_sec = (raw if math.isfinite(raw) else words) / seconds if seconds > 0 else float("nan")
        rows.append({
            "epoch": int(e.get("epoch", i + 1)),
            "loss": float(e["loss"]),
            "eval_loss": float(e["eval_loss"]) if _number(e.get("eval_loss")) else float("nan"),
            "words": words,
            "raw_words": raw,
            "seconds": seconds,
            "words_per_sec": per_sec,
            "raw_rate": math.isfinite(raw),
            "alpha": float(e["alpha"]) if _number(e.get("alpha")) else float("nan"),
        })
    return rows


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


#: What the two losses are, as the training report's legend says it.
TRAINING_LOSS_LABEL = "training loss: measured on the fly, while the weights change"
EVAL_LOSS_LABEL = "evaluation loss: a fixed probe, scored at each epoch's end"


def plot_training(run: Union[PathLike, Embeddings, Mapping[str, Any]], path: PathLike, *,
                  title: Optional[str] = None, figsize: Tuple[float, float] = (11.0, 4.6),
                  dpi: int = 150) -> Path:
    """Draw the per-epoch losses and words/s of a training run and save the picture.

    The left panel holds both losses, the mean negative-sampling loss per example: the
    *training loss*, measured while training (each example scored just before its own update,
    while its neighbours' updates are fresh, so it can rise in the last epochs as the learning
    rate decays), and the *evaluation loss*, the same objective on a fixed probe scored at the end
    of each epoch (:mod:`fastw2v.training.evalloss`), which is comparable from epoch to epoch. The
    right panel shows words/s per epoch (raw words: every token of the corpus).

    Parameters
    ----------
    run : path, Embeddings or mapping
        Anything :func:`load_training_stats` accepts (a native model directory, a stats JSON file,
        an Embeddings with stats, a stats mapping).
    path : str or os.PathLike
        Output picture (.png, .svg, .pdf, .jpg), written atomically.
    title : str, optional
    figsize, dpi
        Picture size in inches and resolution.

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
    rate = [r["words_per_sec"] for r in rows]
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    fig.set_layout_engine("constrained")
    ax_loss, ax_rate = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.35, 1.0]})
    ax_loss.plot(epochs, [r["loss"] for r in rows], marker="o", color="#d62728",
                 label=TRAINING_LOSS_LABEL)
    eval_loss = [r["eval_loss"] for r in rows]
    if any(math.isfinite(v) for v in eval_loss):
        ax_loss.plot(epochs, eval_loss, marker="s", linestyle="--", color="#1f77b4",
                     label=EVAL_LOSS_LABEL)
    ax_loss.set_title("loss per epoch")
    ax_loss.set_ylabel("mean negative-sampling loss per example")
    ax_loss.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), fontsize=8.5, frameon=False)
    raw = all(r["raw_rate"] for r in rows)
    ax_rate.plot(epochs, rate, marker="o", color="#2ca02c")
    ax_rate.set_title("throughput per epoch")
    ax_rate.set_ylabel("words per second " + ("(every token of the corpus)" if raw
                                              else "(in-vocabulary words)"))
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
