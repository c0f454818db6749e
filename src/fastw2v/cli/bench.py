"""``fastw2v bench``: the command line of the side-by-side benchmark (:mod:`fastw2v.bench.suite`).

The measuring lives in the library (:mod:`fastw2v.bench`), which never imports this package; this
module only parses the options, checks them, runs :func:`~fastw2v.bench.suite.compare` and writes
``results.md``, ``results.json`` and ``scaling.png``.
"""
from __future__ import annotations

import argparse
import json
import logging
import shutil
import time
from pathlib import Path

from ..bench import suite
from ..bench.suite import DEFAULT_SYSTEMS, STANDARD, SYSTEMS

logger = logging.getLogger("fastw2v")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("corpus", nargs="?", type=Path,
                   help="corpus file (default: wiki100m.txt.gz in the shared data directory)")
    p.add_argument("--systems", default=",".join(DEFAULT_SYSTEMS),
                   help=f"comma-separated, from {', '.join(SYSTEMS)}; word2vec.c, pword2vec and "
                        "fasttext run when their binaries (`word2vec`, `pWord2Vec`, `fasttext`) "
                        "are on PATH; the -hs systems train hierarchical "
                        "softmax alone (hs=1, negative=0) (default: "
                        f"{','.join(DEFAULT_SYSTEMS)})")
    p.add_argument("--threads", default=None,
                   help="comma-separated thread counts (default: all cores)")
    p.add_argument("--repeats", type=int, default=3, help="interleaved runs each (default: 3)")
    p.add_argument("--epochs", type=int, default=STANDARD["epochs"],
                   help=f"(default: {STANDARD['epochs']})")
    p.add_argument("--dim", type=int, default=STANDARD["dim"],
                   help=f"vector dimension (default: {STANDARD['dim']})")
    p.add_argument("--cbow", action="store_true",
                   help="CBOW instead of skip-gram (every system at alpha 0.05, word2vec.c's "
                        "CBOW default; skip-gram at 0.025)")
    p.add_argument("--out", type=Path, default=Path("bench-results"),
                   help="directory for results.json, results.md and scaling.png "
                        "(default: ./bench-results)")
    p.add_argument("--no-plot", action="store_true", help="skip the PNG")
    p.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")


def run_command(args: argparse.Namespace) -> int:
    from ..base.paths import data_dir
    corpus = args.corpus
    if corpus is None:
        d = data_dir()
        if d is None or not (d / "wiki100m.txt.gz").is_file():
            raise FileNotFoundError("no corpus given and no wiki100m.txt.gz in the shared data "
                                    "directory (set FASTW2V_DATA)")
        corpus = d / "wiki100m.txt.gz"
    if not Path(corpus).is_file():
        raise FileNotFoundError(f"corpus not found: {corpus}")
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = [s for s in systems if s not in SYSTEMS]
    if unknown:
        raise ValueError(f"unknown system(s) {', '.join(unknown)}; choose from {', '.join(SYSTEMS)}")
    for name, exe in (("word2vec.c", "word2vec"), ("word2vec.c-hs", "word2vec"),
                      ("pword2vec", "pWord2Vec"), ("fasttext", "fasttext")):
        if name in systems and shutil.which(exe) is None:
            logger.warning("no `%s` binary on PATH: %s is skipped", exe, name)
            systems.remove(name)
    if {"gensim-file", "gensim-iter", "gensim-hs"} & set(systems):
        try:
            import gensim  # noqa: F401
        except ImportError:
            raise ValueError("gensim is not installed: pip install 'fastw2v[bench]', or "
                             "--systems fastw2v,fastw2v-exact") from None
    if args.repeats < 1:
        raise ValueError(f"--repeats must be >= 1, got {args.repeats}")
    from ..config import default_workers
    threads = ([int(t) for t in args.threads.split(",")] if args.threads
               else [default_workers()])
    settings = dict(STANDARD, epochs=args.epochs, sg=not args.cbow, dim=args.dim)
    rows = suite.compare(Path(corpus), systems, threads, args.repeats, settings, args.out)
    line = suite.settings_line(Path(corpus), settings, args.repeats)
    table = suite.markdown_table(rows)
    print()
    print(line)
    print(table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.md").write_text(line + "\n\n" + table + "\n")
    (args.out / "results.json").write_text(json.dumps(
        {"settings": settings, "corpus": str(corpus), "repeats": args.repeats,
         "machine": suite.machine_description(), "date": time.strftime("%Y-%m-%d"),
         "rows": rows},
        indent=2))
    if not args.no_plot and len(threads) > 1:
        suite.plot_scaling(rows, args.out / "scaling.png")
    print(f"\nwrote {args.out}/results.md, results.json" +
          (", scaling.png" if not args.no_plot and len(threads) > 1 else ""))
    return 0


def register(subparsers) -> None:
    """Add ``fastw2v bench`` to the CLI."""
    p = subparsers.add_parser(
        "bench", help="benchmark fastw2v against gensim (and word2vec.c) side by side",
        description=suite.__doc__.split("\n\n")[0], allow_abbrev=False)
    add_arguments(p)
    p.set_defaults(handler=run_command)
