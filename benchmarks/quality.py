"""Quality check: fastw2v and gensim trained with the same settings on the same corpus.

    python benchmarks/quality.py [--corpus PATH] [--workers 2] [--cbow] [--json OUT]

Default: ``$FASTW2V_DATA/wiki100m.txt.gz`` (text8's twin), skip-gram, dim 100, window 5,
negative 5, sample 1e-4, min_count 5, 5 epochs. Both models are scored by the same evaluator:
analogy accuracy over questions within the 30,000 most frequent words (with the number seen) and
WordSim-353 Spearman. Prints a markdown table.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from _common import STANDARD, data_dir, evaluate, markdown_table, train_gensim

from fastw2v.api import train_with_config
from fastw2v.config import TrainConfig

COLUMNS = [("system", "system", "{}"), ("mode", "mode", "{}"),
           ("train s", "train_seconds", "{:.1f}"), ("raw words/s", "raw_words_per_sec", "{:,.0f}"),
           ("analogy", "analogy", "{:.3f}"), ("seen", "analogy_seen", "{:,}"),
           ("WS-353 rho", "wordsim_spearman", "{:.3f}")]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=STANDARD["epochs"])
    ap.add_argument("--cbow", action="store_true", help="train CBOW instead of skip-gram")
    ap.add_argument("--shared-negatives", action=argparse.BooleanOptionalAction, default=True,
                    help="fastw2v skip-gram: share negatives across the window (default) or "
                         "train every pair with its own (--no-shared-negatives)")
    ap.add_argument("--no-gensim", action="store_true")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    ddir = data_dir()
    corpus = args.corpus or ddir / "wiki100m.txt.gz"
    settings = dict(STANDARD, epochs=args.epochs, sg=not args.cbow)
    mode = "skip-gram" if settings["sg"] else "CBOW"
    rows = []

    cfg = TrainConfig(workers=args.workers, shared_negatives=args.shared_negatives, **settings)
    emb = train_with_config(corpus, cfg, progress=False)
    st = emb.stats
    system = "fastw2v (shared negatives)" if cfg.shared_negatives and cfg.sg else "fastw2v"
    rows.append(dict(system=system, mode=mode, train_seconds=st["train_seconds"],
                     raw_words_per_sec=st["raw_words_per_sec"], **evaluate(emb, ddir)))
    print(markdown_table(rows[-1:], COLUMNS), flush=True)

    if not args.no_gensim:
        n_raw = st["raw_words"]
        gemb, train_s, _ = train_gensim(corpus, settings, args.workers)
        rows.append(dict(system="gensim", mode=mode, train_seconds=train_s,
                         raw_words_per_sec=n_raw / train_s, **evaluate(gemb, ddir)))

    print()
    print(f"corpus {corpus.name}, {mode}, dim {settings['dim']}, window {settings['window']}, "
          f"negative {settings['negative']}, sample {settings['sample']}, min_count "
          f"{settings['min_count']}, {settings['epochs']} epochs, {args.workers} workers, "
          f"{time.strftime('%Y-%m-%d')}")
    print(markdown_table(rows, COLUMNS))
    if args.json:
        args.json.write_text(json.dumps({"settings": settings, "workers": args.workers,
                                         "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
