"""Training on a Dask cluster: quality and time against sync_words, throughput against workers,
and Spark MLlib's Word2Vec on the same corpus and cores.

    python benchmarks/cluster.py [--epochs 5] [--cut-tokens N] [--sync 250000,1000000,4000000,epoch]
        [--workers-list 1,2] [--threads 2] [--quality-workers 4,8] [--ablation]
        [--spark-python /path/to/python-with-pyspark] [--spark-epochs 1] [--spark-cut-tokens N]
        [--skip local,sync,throughput] [--out bench-results/cluster]

The corpus is ``wiki100m.txt.gz`` from the shared data directory cut into lines of 1,000 tokens
(written once under ``--out``; Spark's Word2Vec truncates longer sentences, and the same file is
used by every row), optionally only its first ``--cut-tokens`` tokens. Settings: skip-gram, dim 100,
window 5, negative 5, sample 1e-4, min_count 5, ``--epochs`` epochs. Rows:

* ``one machine``: ``fastw2v.train`` in this process, 1 process x ``--threads`` threads;
* ``cluster KxT, sync S``: a ``LocalCluster`` of K worker processes x T threads (loopback TCP),
  ``fastw2v.train(..., client=...)`` with ``sync_words=S`` (``epoch``: one round per epoch,
  Spark MLlib's choice); the quality table uses 2 x 1 (the same 2 cores as one machine x 2);
* ``--quality-workers 4,8``: K x 1 workers at sync 1,000,000 (how quality holds as K grows);
* ``--ablation``: 2 x 1 with plain averaging (each worker at ``alpha``, not ``2 * alpha``) and one
  machine at ``alpha / 2``, which shows why fastw2v scales each worker's rate by the worker count;
* ``Spark MLlib``: ``benchmarks/spark_word2vec.py`` under ``--spark-python`` with ``local[T]``
  and T partitions (skip-gram with hierarchical softmax, no negative sampling, no subsampling).

Time is training only (``train s``: rounds, including every transfer; Spark: ``fit()``, which
includes its vocabulary pass); raw words/s = corpus tokens x epochs / train s. ``comm`` is the share
of the round time not spent in the slowest worker's training (sending and receiving the weights,
scheduling, averaging). Quality: analogy accuracy (30,000 most frequent words, questions seen) and
WordSim-353 Spearman by fastw2v's evaluator for every row. Prints a Markdown table and writes it,
with the JSON of every run, to ``--out``.
"""
from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import fastw2v
from fastw2v.analysis.evaluate import evaluate_analogies, evaluate_word_pairs, standard_eval_files
from fastw2v.base.paths import data_dir
from fastw2v.cluster import rounds
from fastw2v.cluster.api import local_cluster
from fastw2v.corpus.cache import prepare_corpus

SETTINGS = dict(dim=100, window=5, negative=5, sample=1e-4, min_count=5, seed=1)
LINE_TOKENS = 1000  # Spark's maxSentenceLength


def make_lines(src: Path, dst: Path, cut_tokens: int | None) -> Path:
    """``src`` (gzip text) as lines of LINE_TOKENS tokens, the first ``cut_tokens`` only."""
    if dst.exists():
        return dst
    tmp = dst.with_suffix(".tmp")
    carry = b""  # the token cut at the end of the last piece
    written = 0
    with gzip.open(src, "rb") as fh, open(tmp, "wb") as out:
        while True:
            piece = fh.read(1 << 22)
            data = carry + piece
            cut = max(data.rfind(b" "), data.rfind(b"\n"), 0) if piece else len(data)
            tokens, carry = data[:cut].split(), data[cut:]
            if cut_tokens is not None:
                tokens = tokens[:max(0, cut_tokens - written)]
            for i in range(0, len(tokens), LINE_TOKENS):
                out.write(b" ".join(tokens[i:i + LINE_TOKENS]) + b"\n")
            written += len(tokens)
            if not piece or (cut_tokens is not None and written >= cut_tokens):
                break
    tmp.rename(dst)
    return dst


def score(emb) -> dict:
    files = standard_eval_files()
    a = evaluate_analogies(emb, files.analogies)
    p = evaluate_word_pairs(emb, files.word_pairs)
    return {"analogy": a.accuracy, "seen": a.seen,
            "ws353": p.spearman}


def row(name: str, emb, epochs: int, raw_tokens: int, seconds: float, extra: dict) -> dict:
    return {"system": name, "train_s": seconds, "raw_words_per_sec": raw_tokens * epochs / seconds,
            **score(emb), **extra}


def warm_up() -> None:
    """Load the compiled kernels in this (worker) process: train a tiny slice."""
    from fastw2v.kernels.state import make_params, make_tables, make_weights, token_stream
    from fastw2v.training.slices import train_slice
    tokens = token_stream(np.arange(64, dtype=np.int32) % 8)
    for model in (0, 1, 2):
        train_slice(make_weights(8, 4, 1), make_tables(np.full(8, 10), 1e-4),
                    make_params(model, 2, 2, 0.025, 0.0001, 64), tokens, 0, 64, threads=1,
                    seed=1)


def run_local(corpus: Path, epochs: int, threads: int, raw: int, alpha: float = 0.025) -> dict:
    emb = fastw2v.train(corpus, epochs=epochs, workers=threads, progress=False, alpha=alpha,
                        **SETTINGS)
    name = f"fastw2v one machine 1x{threads}" + (f", alpha {alpha}" if alpha != 0.025 else "")
    return row(name, emb, epochs, raw, emb.stats["train_seconds"],
               {"workers": 1, "threads": threads, "sync_words": None, "comm": None,
                "seed": SETTINGS["seed"]})


def run_cluster(corpus: Path, epochs: int, workers: int, threads: int, sync, raw: int,
                cache: Path, unscaled: bool = False) -> dict:
    words_per_part = raw / workers
    sync_words = int(words_per_part) + 1 if sync == "epoch" else int(sync)
    real_scale = rounds.ClusterTrainer.rate_scale
    if unscaled:  # the ablation: plain averaging, every worker at alpha
        rounds.ClusterTrainer.rate_scale = property(lambda self: 1)
    try:
        r = _run_cluster(corpus, epochs, workers, threads, sync, sync_words, raw, cache)
    finally:
        rounds.ClusterTrainer.rate_scale = real_scale
    if unscaled:
        r["system"] += ", unscaled rate"
    return r


def _run_cluster(corpus, epochs, workers, threads, sync, sync_words, raw, cache) -> dict:
    with local_cluster(workers, threads) as client:
        client.run(warm_up)  # numba's cached kernels load once per process, not in round 1
        emb = fastw2v.train(corpus, client=client, epochs=epochs, workers=threads,
                            sync_words=sync_words, progress=False, cache_dir=cache, **SETTINGS)
    c = emb.stats["cluster"]
    return row(f"fastw2v cluster {workers}x{threads}, sync {sync}", emb, epochs, raw,
               emb.stats["train_seconds"],
               {"workers": workers, "threads": threads, "sync_words": sync_words,
                "rounds_per_epoch": c["rounds_per_epoch"], "comm": c["communication_share"],
                "seed": SETTINGS["seed"],
                "mb_per_round_per_worker": c["bytes_per_round_per_worker_each_way"] / 1e6,
                "per_worker_words_per_sec": [w["words_per_sec"] for w in c["workers"]]})


def run_spark(python: str, corpus: Path, epochs: int, threads: int, raw: int, out: Path,
              order) -> dict:
    vec = out / f"spark-{corpus.stem}-{epochs}.txt"
    cmd = [python, str(Path(__file__).with_name("spark_word2vec.py")), "--train", str(corpus),
           "--output", str(vec), "--iter", str(epochs), "--partitions", str(threads),
           "--threads", str(threads), "--size", "100", "--window", "5", "--min-count", "5"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    timing = json.loads(proc.stdout.strip().splitlines()[-1])
    emb = fastw2v.Embeddings.load_word2vec_format(vec)
    # Spark writes its vocabulary unordered; the evaluation needs it by descending frequency.
    rank = {w: i for i, w in enumerate(order)}
    idx = sorted(range(len(emb.words)), key=lambda i: rank.get(emb.words[i], len(rank)))
    emb = fastw2v.Embeddings(emb.vectors[idx], [emb.words[i] for i in idx])
    return row(f"Spark MLlib {threads} partitions (local[{threads}])", emb, epochs, raw,
               timing["fit_s"], {"workers": threads, "threads": 1, "sync_words": "epoch",
                                 "comm": None, "spark": timing})


def table(rows: list) -> str:
    head = ("| system | epochs | sync_words | rounds/epoch | train s | raw words/s | comm | "
            "analogy | seen | WS-353 |\n|---|---|---|---|---|---|---|---|---|---|\n")
    lines = []
    for r in rows:
        comm = f"{100 * r['comm']:.0f}%" if r.get("comm") is not None else "-"
        sync = f"{r['sync_words']:,}" if isinstance(r.get("sync_words"), int) else \
            (r.get("sync_words") or "-")
        name = r["system"] + (f", seed {r['seed']}" if r.get("seed", 1) != 1 else "")
        lines.append(f"| {name} | {r['epochs']} | {sync} | {r.get('rounds_per_epoch', '-')} "
                     f"| {r['train_s']:.1f} | {r['raw_words_per_sec']:,.0f} | {comm} | "
                     f"{r['analogy']:.3f} | {r['seen']:,} | {r['ws353']:.3f} |")
    return head + "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--cut-tokens", type=int, default=None)
    ap.add_argument("--sync", default="250000,1000000,4000000,epoch")
    ap.add_argument("--workers-list", default="1,2", help="throughput: K workers x --threads")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--spark-python", default=None)
    ap.add_argument("--spark-epochs", type=int, default=None)
    ap.add_argument("--spark-cut-tokens", type=int, default=None)
    ap.add_argument("--skip", default="", help="comma list of: local,sync,throughput")
    ap.add_argument("--quality-workers", default="",
                    help="also K x 1 workers at sync 1000000 for each K of this comma list")
    ap.add_argument("--ablation", action="store_true",
                    help="also 2 x 1 with plain averaging (every worker at alpha, not 2 alpha) "
                         "and one machine at alpha / 2")
    ap.add_argument("--seed", type=int, default=1, help="training seed (repeat with others to "
                                                         "see the run-to-run spread)")
    ap.add_argument("--out", default="bench-results/cluster")
    a = ap.parse_args()
    SETTINGS["seed"] = a.seed
    d = data_dir()
    if d is None:
        print("no shared data directory (set FASTW2V_DATA)", file=sys.stderr)
        return 2
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    cut = f"-{a.cut_tokens}" if a.cut_tokens else ""
    corpus = make_lines(d / "wiki100m.txt.gz", out / f"wiki100m{cut}.lines.txt", a.cut_tokens)
    prepared = prepare_corpus(corpus, min_count=SETTINGS["min_count"])
    raw = prepared.n_raw_tokens
    skip = set(filter(None, a.skip.split(",")))
    rows = []

    def add(r: dict, epochs: int) -> None:
        r["epochs"] = epochs
        rows.append(r)
        print(json.dumps(r), flush=True)
        (out / "runs.jsonl").open("a").write(json.dumps(r) + "\n")

    cache = out / "cache"
    if "local" not in skip:
        add(run_local(corpus, a.epochs, a.threads, raw), a.epochs)
    if "sync" not in skip:
        for sync in a.sync.split(","):
            add(run_cluster(corpus, a.epochs, 2, 1, sync, raw, cache), a.epochs)
    for k in filter(None, a.quality_workers.split(",")):
        add(run_cluster(corpus, a.epochs, int(k), 1, "1000000", raw, cache), a.epochs)
    if a.ablation:
        add(run_cluster(corpus, a.epochs, 2, 1, "1000000", raw, cache, unscaled=True), a.epochs)
        add(run_local(corpus, a.epochs, a.threads, raw, alpha=0.0125), a.epochs)
    if "throughput" not in skip:
        for k in map(int, a.workers_list.split(",")):
            add(run_cluster(corpus, a.epochs, k, a.threads, "1000000", raw, cache), a.epochs)
    if a.spark_python:
        s_corpus = corpus
        if a.spark_cut_tokens:
            s_corpus = make_lines(d / "wiki100m.txt.gz",
                                  out / f"wiki100m-{a.spark_cut_tokens}.lines.txt",
                                  a.spark_cut_tokens)
        s_epochs = a.spark_epochs or a.epochs
        s_raw = prepare_corpus(s_corpus, min_count=5).n_raw_tokens
        order = prepare_corpus(s_corpus, min_count=5).vocab.words
        if s_corpus != corpus or s_epochs != a.epochs:  # fastw2v rows with Spark's settings
            add(run_local(s_corpus, s_epochs, a.threads, s_raw), s_epochs)
            add(run_cluster(s_corpus, s_epochs, 2, 1, "1000000", s_raw, cache), s_epochs)
        add(run_spark(a.spark_python, s_corpus, s_epochs, a.threads, s_raw, out, order), s_epochs)
    text = (f"{time.strftime('%Y-%m-%d')}, corpus {corpus.name} ({raw:,} tokens), "
            f"settings {SETTINGS}\n\n" + table(rows))
    (out / "cluster.md").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
