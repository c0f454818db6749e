"""Shared pieces of the benchmark scripts: data paths, standard settings, gensim runs, evaluation.

Raw words/s is counted the same way for every system: whitespace tokens in the corpus file
(in and out of vocabulary, before subsampling) times epochs, divided by training wall time.
"""
from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from fastw2v.embeddings import Embeddings  # noqa: E402
from fastw2v.evaluate import evaluate_analogies, evaluate_word_pairs  # noqa: E402

#: The headline setting of the project (issue #2 / #3): text8-sized corpus, skip-gram.
STANDARD = dict(dim=100, window=5, negative=5, sample=1e-4, min_count=5, epochs=5, sg=True)

#: gensim truncates sentences at 10,000 tokens; longer lines are fed in pieces of this size.
GENSIM_MAX_SENTENCE = 10_000


def data_dir() -> Path:
    env = os.environ.get("FASTW2V_DATA")
    d = Path(env) if env else REPO.parent / "shared" / "data"
    if not d.is_dir():
        sys.exit(f"data directory not found: {d} (set FASTW2V_DATA)")
    return d


def peak_rss_mb() -> float:
    """Peak resident set size of this process (and its finished children) in MB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return own / 1024.0  # Linux reports KiB


def count_tokens(path: Path) -> int:
    from fastw2v.corpus import count_words
    return count_words(path).n_tokens


def evaluate(emb: Embeddings, ddir: Path) -> dict:
    an = evaluate_analogies(emb, ddir / "eval" / "questions-words.txt", restrict_vocab=30000)
    ws = evaluate_word_pairs(emb, ddir / "eval" / "wordsim353.tsv")
    return {"analogy": an.accuracy, "analogy_seen": an.seen, "wordsim_spearman": ws.spearman,
            "wordsim_oov": ws.oov_ratio}


class ChunkedLines:
    """Re-iterable sentences of at most ``GENSIM_MAX_SENTENCE`` tokens from a (compressed) file."""

    def __init__(self, path: Path):
        self.path = path

    def __iter__(self):
        from fastw2v.corpus import open_corpus
        with open_corpus(self.path) as fh:
            for raw in fh:
                toks = raw.decode("utf-8", "replace").split()
                for i in range(0, len(toks), GENSIM_MAX_SENTENCE):
                    yield toks[i:i + GENSIM_MAX_SENTENCE]


def train_gensim(path: Path, settings: dict, workers: int, seed: int = 1):
    """gensim in iterable mode; returns (Embeddings, train_seconds, total_seconds)."""
    from gensim.models import Word2Vec
    t0 = time.perf_counter()
    model = Word2Vec(vector_size=settings["dim"], window=settings["window"],
                     negative=settings["negative"], sample=settings["sample"],
                     min_count=settings["min_count"], sg=int(settings["sg"]), hs=0,
                     workers=workers, seed=seed)
    sentences = ChunkedLines(path)
    model.build_vocab(corpus_iterable=sentences)
    t1 = time.perf_counter()
    model.train(corpus_iterable=sentences, total_examples=model.corpus_count,
                epochs=settings["epochs"])
    t2 = time.perf_counter()
    kv = model.wv
    emb = Embeddings(np.asarray(kv.vectors, dtype=np.float32), list(kv.index_to_key))
    return emb, t2 - t1, t2 - t0


def markdown_table(rows: list, columns: list) -> str:
    """``columns``: (title, key, format) triples; a missing value prints as "-"."""
    lines = ["| " + " | ".join(title for title, _, _ in columns) + " |",
             "|" + "|".join("---" for _ in columns) + "|"]
    for r in rows:
        cells = [fmt.format(r[key]) if r.get(key) is not None else "-" for _, key, fmt in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
