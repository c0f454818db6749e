"""Side-by-side benchmark of fastw2v, gensim and word2vec.c (``fastw2v bench``).

Every (system, threads, repeat) run is a separate child process, so peak RSS is that run's own and
no run inherits another's warm caches. Repeats are interleaved (round-robin over systems) so slow
drifts of a shared machine hit every system alike; medians are reported.

Definitions, identical for every system:

* **raw words/s**: whitespace tokens in the corpus file (in and out of vocabulary, before
  subsampling) times epochs, divided by the training wall time;
* **effective words/s**: words actually trained (in vocabulary, kept by subsampling) per second,
  as each system reports them;
* **train s**: training only; **end-to-end s**: vocabulary + encoding + training;
* **peak RSS**: the child process's own maximum resident set size (``VmHWM``, which unlike
  ``ru_maxrss`` is not inherited from the parent);
* quality: analogy accuracy over questions within the 30,000 most frequent words (with the number
  seen) and WordSim-353 Spearman, computed by :mod:`fastw2v.analysis.evaluate` for every system.

gensim's ``corpus_file`` mode silently trains nothing useful on a one-line file such as text8, so it
(and word2vec.c) are fed the corpus re-written as plain text in lines of at most
``GENSIM_MAX_SENTENCE`` tokens; every result is also checked against a quality floor so such a
failure cannot hide behind a good speed.
"""
from __future__ import annotations

import logging
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

from ..base.paths import PathLike
from .child import ChildError, peak_rss_mb, run_in_child

logger = logging.getLogger("fastw2v")

#: The project's headline setting (text8-sized corpus, skip-gram).
STANDARD = dict(dim=100, window=5, negative=5, sample=1e-4, min_count=5, epochs=5, sg=True)

#: gensim truncates sentences at 10,000 tokens; longer lines are fed in pieces of this size.
GENSIM_MAX_SENTENCE = 10_000

#: A run whose analogy accuracy is below this share of the best system's is flagged as failed: a
#: model that "trained" without learning (gensim's corpus_file on one line) scores near 0.
QUALITY_FLOOR_SHARE = 0.5

#: The ``-hs`` systems train hierarchical softmax alone (``hs=1, negative=0``, word2vec.c's
#: ``-hs 1 -negative 0``) with otherwise the same settings; gensim's runs in ``corpus_file`` mode.
HS_SYSTEMS = ("fastw2v-hs", "gensim-hs", "word2vec.c-hs")
#: Peers found on PATH as binaries built from their public sources (../shared/anchors/README.md):
#: Intel's pWord2Vec (``pWord2Vec``, HogBatch skip-gram with negative sampling only) and the
#: fastText CLI (``fasttext``, run without subwords: ``-minn 0 -maxn 0``).
PEER_SYSTEMS = ("pword2vec", "fasttext")
SYSTEMS = ("fastw2v", "fastw2v-exact", "gensim-file", "gensim-iter", "word2vec.c") + HS_SYSTEMS \
    + PEER_SYSTEMS
DEFAULT_SYSTEMS = ("fastw2v", "fastw2v-exact", "gensim-file", "gensim-iter", "word2vec.c")
#: Systems that read the corpus rewritten as plain text in lines (``write_chunked_text``).
PLAIN_TEXT_SYSTEMS = ("gensim-file", "word2vec.c", "gensim-hs", "word2vec.c-hs") + PEER_SYSTEMS

COLUMNS = [("system", "system", "{}"), ("threads", "threads", "{}"),
           ("raw words/s", "raw_words_per_sec", "{:,.0f}"),
           ("effective words/s", "effective_words_per_sec", "{:,.0f}"),
           ("train s", "train_seconds", "{:.1f}"), ("end-to-end s", "total_seconds", "{:.1f}"),
           ("peak RSS MB", "peak_rss_mb", "{:,.0f}"), ("analogy", "analogy", "{:.3f}"),
           ("seen", "analogy_seen", "{:,}"), ("WS-353", "wordsim_spearman", "{:.3f}"),
           ("quality", "quality_check", "{}")]


# ------------------------------------------------------------------------------------------- #
# pieces shared with benchmarks/*.py
# ------------------------------------------------------------------------------------------- #
def evaluate(emb, data_dir: Optional[Path] = None) -> dict:
    """Analogy (30k restriction) and WordSim-353 scores of ``emb`` with the standard files."""
    from ..analysis.evaluate import evaluate_analogies, evaluate_word_pairs, standard_eval_files
    files = standard_eval_files(data_dir)
    out: Dict[str, object] = {}
    if files.analogies is not None:
        an = evaluate_analogies(emb, files.analogies, restrict_vocab=30000)
        out.update(analogy=an.accuracy, analogy_seen=an.seen)
    if files.word_pairs is not None:
        ws = evaluate_word_pairs(emb, files.word_pairs)
        out.update(wordsim_spearman=ws.spearman, wordsim_oov=ws.oov_ratio)
    return out


class ChunkedLines:
    """Re-iterable sentences of at most ``GENSIM_MAX_SENTENCE`` tokens read from a corpus file."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def __iter__(self):
        # Streams blocks (which never cut a token) so a 100 MB line is never held as one list.
        from ..corpus.reader import iter_blocks
        sentence: List[str] = []
        for block in iter_blocks(self.path):
            lines = block.decode("utf-8", "replace").split("\n")
            for k, line in enumerate(lines):
                for tok in line.split():
                    sentence.append(tok)
                    if len(sentence) == GENSIM_MAX_SENTENCE:
                        yield sentence
                        sentence = []
                if k < len(lines) - 1 and sentence:  # a newline ends the sentence
                    yield sentence
                    sentence = []
        if sentence:
            yield sentence


def write_chunked_text(src: Path, dst: Path) -> int:
    """Write ``src`` as plain UTF-8 text in lines of at most ``GENSIM_MAX_SENTENCE`` tokens."""
    n = 0
    with open(dst, "w", encoding="utf-8") as out:
        for sentence in ChunkedLines(src):
            out.write(" ".join(sentence))
            out.write("\n")
            n += len(sentence)
    return n


def markdown_table(rows: List[dict], columns=COLUMNS) -> str:
    """``columns``: (title, key, format) triples; a missing value prints as "-"."""
    lines = ["| " + " | ".join(title for title, _, _ in columns) + " |",
             "|" + "|".join("---" for _ in columns) + "|"]
    for r in rows:
        cells = [fmt.format(r[key]) if r.get(key) is not None else "-" for _, key, fmt in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------- #
# one run (in a child process)
# ------------------------------------------------------------------------------------------- #
def alpha_of(settings: dict) -> float:
    """The initial learning rate every system gets: the one given, else fastw2v's (and
    word2vec.c's) default for the model (:func:`fastw2v.config.default_alpha`)."""
    from ..config import default_alpha
    alpha = settings.get("alpha")
    return default_alpha(bool(settings["sg"])) if alpha is None else float(alpha)


def hs_settings(settings: dict) -> dict:
    """``settings`` for hierarchical softmax alone: ``hs=True, negative=0``."""
    return dict(settings, hs=True, negative=0)


def run_fastw2v(corpus: Path, settings: dict, threads: int, shared_negatives: bool) -> dict:
    from ..training.api import train_with_config
    from ..config import TrainConfig
    cfg = TrainConfig(workers=threads, shared_negatives=shared_negatives, **settings)
    emb = train_with_config(corpus, cfg, use_cache=False, progress=False)
    st = emb.stats
    kept = sum(e["words_kept"] for e in st["epochs"])
    return dict(emb=emb, train_seconds=st["train_seconds"], total_seconds=st["total_seconds"],
                effective_words=kept, raw_words=st["raw_words"])


def run_gensim(corpus: Path, plain: Path, settings: dict, threads: int, mode: str) -> dict:
    from gensim.models import Word2Vec
    from ..vectors.embeddings import Embeddings
    import numpy as np
    t0 = time.perf_counter()
    model = Word2Vec(vector_size=settings["dim"], window=settings["window"],
                     negative=settings["negative"], sample=settings["sample"],
                     min_count=settings["min_count"], sg=int(settings["sg"]),
                     hs=int(settings.get("hs", False)), workers=threads, seed=1,
                     alpha=alpha_of(settings))
    if mode == "file":
        model.build_vocab(corpus_file=str(plain))
        t1 = time.perf_counter()
        effective, raw = model.train(corpus_file=str(plain),
                                     total_words=model.corpus_total_words,
                                     epochs=settings["epochs"])
    else:
        sentences = ChunkedLines(corpus)
        model.build_vocab(corpus_iterable=sentences)
        t1 = time.perf_counter()
        effective, raw = model.train(corpus_iterable=sentences,
                                     total_examples=model.corpus_count,
                                     epochs=settings["epochs"])
    t2 = time.perf_counter()
    kv = model.wv
    emb = Embeddings(np.asarray(kv.vectors, dtype=np.float32), list(kv.index_to_key))
    return dict(emb=emb, train_seconds=t2 - t1, total_seconds=t2 - t0,
                effective_words=effective, raw_words=None)


def run_word2vec_c(plain: Path, settings: dict, threads: int) -> dict:
    """word2vec.c as a subprocess; its vocabulary step is not separable, so train s = total s."""
    from ..vectors.embeddings import Embeddings
    exe = shutil.which("word2vec")
    if exe is None:
        raise FileNotFoundError("no `word2vec` binary on PATH")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "vectors.bin"
        cmd = [exe, "-train", str(plain), "-output", str(out), "-cbow", "0" if settings["sg"]
               else "1", "-size", str(settings["dim"]), "-window", str(settings["window"]),
               "-negative", str(settings["negative"]),
               "-hs", "1" if settings.get("hs") else "0",
               "-sample", str(settings["sample"]), "-threads", str(threads), "-binary", "1",
               "-iter", str(settings["epochs"]), "-min-count", str(settings["min_count"]),
               "-alpha", str(alpha_of(settings))]
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - t0
        emb = Embeddings.load_word2vec_format(out, binary=True)
    return dict(emb=emb, train_seconds=seconds, total_seconds=seconds, effective_words=None,
                raw_words=None, child_rss=True)


def _run_binary(cmd: List[str], vectors: Path, binary: bool,
                env: Optional[Dict[str, str]] = None) -> dict:
    """Run a peer's command line; its vocabulary step is not separable, so train s = total s."""
    from ..vectors.embeddings import Embeddings
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env=None if env is None else {**os.environ, **env})
    seconds = time.perf_counter() - t0
    emb = Embeddings.load_word2vec_format(vectors, binary=binary)
    return dict(emb=emb, train_seconds=seconds, total_seconds=seconds, effective_words=None,
                raw_words=None, child_rss=True)


def _peer(name: str) -> str:
    exe = shutil.which(name)
    if exe is None:
        raise FileNotFoundError(f"no `{name}` binary on PATH")
    return exe


def run_pword2vec(plain: Path, settings: dict, threads: int) -> dict:
    """Intel's pWord2Vec (skip-gram, negative sampling; its default batch of 2 * window + 1)."""
    if not settings["sg"] or settings.get("hs"):
        raise ValueError("pWord2Vec trains skip-gram with negative sampling only")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "vectors.bin"
        cmd = [_peer("pWord2Vec"), "-train", str(plain), "-output", str(out),
               "-size", str(settings["dim"]), "-window", str(settings["window"]),
               "-negative", str(settings["negative"]), "-sample", str(settings["sample"]),
               "-threads", str(threads), "-binary", "1", "-iter", str(settings["epochs"]),
               "-min-count", str(settings["min_count"]), "-alpha", str(alpha_of(settings))]
        # One BLAS thread inside each of its OpenMP threads, as its authors run it: OpenBLAS's
        # own threads on top would oversubscribe the cores (3x slower on 2 cores).
        return _run_binary(cmd, out, binary=True, env={"OPENBLAS_NUM_THREADS": "1"})


def run_fasttext(plain: Path, settings: dict, threads: int) -> dict:
    """The fastText CLI without subword n-grams (``-minn 0 -maxn 0``): plain word2vec."""
    if settings.get("hs"):
        raise ValueError("the fastText row trains negative sampling only")
    with tempfile.TemporaryDirectory() as tmp:
        prefix = Path(tmp) / "model"
        cmd = [_peer("fasttext"), "skipgram" if settings["sg"] else "cbow",
               "-input", str(plain), "-output", str(prefix), "-dim", str(settings["dim"]),
               "-ws", str(settings["window"]), "-neg", str(settings["negative"]),
               "-t", str(settings["sample"]), "-minCount", str(settings["min_count"]),
               "-epoch", str(settings["epochs"]), "-thread", str(threads),
               "-lr", str(alpha_of(settings)), "-minn", "0", "-maxn", "0", "-verbose", "0"]
        return _run_binary(cmd, prefix.with_suffix(".vec"), binary=False)


def run_one(system: str, corpus: PathLike, plain: Optional[PathLike], settings: dict,
            threads: int, n_raw_tokens: int) -> dict:
    """Train ``system`` once, evaluate it, and return its measurements (no vectors).

    ``compare`` runs it in a child process of its own (:func:`fastw2v.bench.child.run_in_child`),
    so that ``peak_rss_mb`` is this run's alone; paths may come as ``str`` from there.
    """
    corpus = Path(corpus)
    plain = None if plain is None else Path(plain)
    if system == "fastw2v":
        r = run_fastw2v(corpus, settings, threads, shared_negatives=True)
    elif system == "fastw2v-exact":
        r = run_fastw2v(corpus, settings, threads, shared_negatives=False)
    elif system == "gensim-file":
        r = run_gensim(corpus, plain, settings, threads, "file")
    elif system == "gensim-iter":
        r = run_gensim(corpus, plain, settings, threads, "iter")
    elif system == "word2vec.c":
        r = run_word2vec_c(plain, settings, threads)
    elif system == "fastw2v-hs":
        r = run_fastw2v(corpus, hs_settings(settings), threads, shared_negatives=False)
    elif system == "gensim-hs":
        r = run_gensim(corpus, plain, hs_settings(settings), threads, "file")
    elif system == "word2vec.c-hs":
        r = run_word2vec_c(plain, hs_settings(settings), threads)
    elif system == "pword2vec":
        r = run_pword2vec(plain, settings, threads)
    elif system == "fasttext":
        r = run_fasttext(plain, settings, threads)
    else:
        raise ValueError(f"unknown system {system!r}; choose from {', '.join(SYSTEMS)}")
    emb = r.pop("emb")
    raw = n_raw_tokens * settings["epochs"]
    row = dict(system=system, threads=threads, train_seconds=r["train_seconds"],
               total_seconds=r["total_seconds"], raw_words_per_sec=raw / r["train_seconds"],
               effective_words_per_sec=(r["effective_words"] / r["train_seconds"]
                                        if r.get("effective_words") else None),
               peak_rss_mb=peak_rss_mb(children=bool(r.get("child_rss"))),
               vocab_size=len(emb))
    row.update(evaluate(emb))
    return row


# ------------------------------------------------------------------------------------------- #
# the whole comparison (parent process)
# ------------------------------------------------------------------------------------------- #
def compare(corpus: Path, systems, threads_list, repeats: int, settings: dict,
            out_dir: Path) -> List[dict]:
    """Run every (system, threads) ``repeats`` times, interleaved; return one median row each."""
    from ..corpus.reader import count_words
    out_dir.mkdir(parents=True, exist_ok=True)
    n_raw = count_words(corpus).n_tokens
    runs: Dict[tuple, List[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="fastw2v-bench-") as tmp:
        plain = None
        if any(s in PLAIN_TEXT_SYSTEMS for s in systems):
            plain = Path(tmp) / "corpus.txt"
            write_chunked_text(corpus, plain)
        for rep in range(repeats):
            for threads in threads_list:
                for system in systems:
                    logger.info("run %d/%d: %s, %d threads", rep + 1, repeats, system, threads)
                    row = _run_child(system, corpus, plain, settings, threads, n_raw)
                    if row is not None:
                        runs.setdefault((system, threads), []).append(row)
                        print(markdown_table([row]).splitlines()[-1], flush=True)
    rows = [_median_row(rs) for rs in runs.values()]
    _quality_check(rows)
    return rows


def _run_child(system, corpus, plain, settings, threads, n_raw) -> Optional[dict]:
    """``run_one`` in a child process of its own; None (and a warning) when it fails."""
    try:
        return run_in_child(run_one, system=system, corpus=str(corpus),
                            plain=None if plain is None else str(plain), settings=settings,
                            threads=threads, n_raw_tokens=n_raw)
    except ChildError as exc:
        logger.warning("%s with %d threads failed: %s", system, threads, exc.reason)
        return None


def _median_row(rs: List[dict]) -> dict:
    row = dict(rs[0])
    for key, value in rs[0].items():
        if isinstance(value, float):
            vals = [r[key] for r in rs if r.get(key) is not None]
            row[key] = statistics.median(vals) if vals else None
    row["repeats"] = len(rs)
    return row


def _quality_check(rows: List[dict]) -> None:
    best = max((r.get("analogy") or 0.0 for r in rows), default=0.0)
    for r in rows:
        ok = (r.get("analogy") or 0.0) >= QUALITY_FLOOR_SHARE * best
        r["quality_check"] = "ok" if ok else "FAILED (did not learn)"


def plot_scaling(rows: List[dict], path: Path) -> None:
    """Throughput against threads, one line per system (needs matplotlib)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise RuntimeError("the scaling plot needs matplotlib: pip install 'fastw2v[bench]'") from exc
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    for system in dict.fromkeys(r["system"] for r in rows):
        pts = sorted((r["threads"], r["raw_words_per_sec"]) for r in rows if r["system"] == system)
        ax.plot([p[0] for p in pts], [p[1] / 1e6 for p in pts], marker="o", label=system)
    ax.set_xlabel("threads")
    ax.set_ylabel("raw words/s (millions)")
    ax.set_title("Training throughput (median of interleaved runs)")
    ax.set_xticks(sorted({r["threads"] for r in rows}))
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def settings_line(corpus: Path, settings: dict, repeats: int) -> str:
    """The line above the results table: corpus, settings, repeats, date and machine."""
    mode = "skip-gram" if settings["sg"] else "CBOW"
    return (f"corpus {corpus.name}, {mode}, dim {settings['dim']}, window {settings['window']}, "
            f"negative {settings['negative']}, sample {settings['sample']:g}, min_count "
            f"{settings['min_count']}, alpha {alpha_of(settings):g}, {settings['epochs']} epochs; "
            f"median of {repeats} "
            f"interleaved runs; {time.strftime('%Y-%m-%d')}; {machine_description()}")


def machine_description() -> str:
    """Cores and CPU model of this machine, for the results."""
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}"
