"""Throughput of the Wikipedia dump reader: fastw2v next to gensim's ``WikiCorpus``.

    python benchmarks/wiki_reader.py [--dump PATH] [--processes 1,2] [--repeat 5] [--no-gensim]

Default dump: the real MediaWiki excerpt of the shared data directory
(``enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2``, 206 pages, 1.7 MB of
bzip2, 6.1 MB of XML). Every row is one complete read of the dump from the compressed file to
the last article's tokens, in a fresh child process (so each pays its own pool start-up, as a
user would), timed by wall clock; the median of ``--repeat`` runs is reported.

* fastw2v: ``iter_articles(dump, processes=N)`` (text8 normalisation; also unicode at the largest
  N): decompression, XML parsing and cleaning spread over N worker processes.
* gensim: ``WikiCorpus(dump, processes=N, dictionary={}).get_texts()``: decompression and XML
  parsing in the main process, cleaning and tokenising in N workers. ``dictionary={}`` skips the
  dictionary pass that the constructor otherwise makes over the whole dump.

The two do not clean identically (gensim drops articles under 50 tokens and tokens outside 2..15
characters; fastw2v keeps every non-empty article), so articles/s counts the articles each
produces, and MB/s is the dump's compressed size over the time. Prints a markdown table.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from fastw2v.bench.child import run_in_child  # noqa: E402

EXCERPT = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"


def default_dump() -> Path:
    env = os.environ.get("FASTW2V_DATA")
    d = Path(env) if env else REPO.parent / "shared" / "data"
    return d / EXCERPT


def run_fastw2v(dump: str, processes: int, mode: str) -> dict:
    """One complete read of the dump; runs in a child process (``measure``)."""
    from fastw2v.wiki.dump import DumpStats, iter_articles
    stats = DumpStats()
    t0 = time.perf_counter()
    n = tokens = 0
    for line in iter_articles(dump, processes=processes, mode=mode, progress=False, stats=stats):
        n += 1
        tokens += line.count(" ") + 1
    seconds = time.perf_counter() - t0
    return dict(seconds=seconds, articles=n, tokens=tokens, xml_bytes=stats.xml_bytes)


def run_gensim(dump: str, processes: int) -> dict:
    """One complete read of the dump; runs in a child process (``measure``)."""
    import logging
    logging.getLogger("gensim").setLevel(logging.WARNING)
    from gensim.corpora.wikicorpus import WikiCorpus
    t0 = time.perf_counter()
    wc = WikiCorpus(str(dump), processes=processes, dictionary={})
    n = tokens = 0
    for toks in wc.get_texts():
        n += 1
        tokens += len(toks)
    seconds = time.perf_counter() - t0
    return dict(seconds=seconds, articles=n, tokens=tokens, xml_bytes=None)


def measure(kind: str, processes: int, args) -> dict:
    """``--repeat`` reads, each in a fresh child process (``kind``: gensim, fastw2v:text8 or
    fastw2v:unicode); the median time."""
    runs = []
    for _ in range(args.repeat):
        if kind == "gensim":
            runs.append(run_in_child(run_gensim, dump=str(args.dump), processes=processes))
        else:
            runs.append(run_in_child(run_fastw2v, dump=str(args.dump), processes=processes,
                                     mode=kind.split(":")[1]))
    out = dict(runs[0])
    out["seconds"] = statistics.median(r["seconds"] for r in runs)
    out["runs"] = [round(r["seconds"], 3) for r in runs]
    return out


def table(rows, dump_bytes: int) -> str:
    head = ["system", "processes", "seconds (median)", "articles", "articles/s", "dump MB/s",
            "XML MB/s", "tokens", "vs gensim"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        s = r["seconds"]
        cells = [r["system"], str(r["processes"]), f"{s:.3f}", f"{r['articles']:,}",
                 f"{r['articles'] / s:,.0f}", f"{dump_bytes / 1e6 / s:.2f}",
                 f"{r['xml_bytes'] / 1e6 / s:.1f}" if r.get("xml_bytes") else "-",
                 f"{r['tokens']:,}", r.get("speedup", "-")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dump", type=Path, default=None)
    ap.add_argument("--processes", default="1,2", help="comma-separated process counts")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-gensim", action="store_true")
    args = ap.parse_args(argv)
    args.dump = args.dump or default_dump()
    if not args.dump.is_file():
        sys.exit(f"dump not found: {args.dump} (set FASTW2V_DATA or pass --dump)")
    procs = [int(p) for p in args.processes.split(",")]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")

    rows = []
    gensim_seconds = {}
    if not args.no_gensim:
        for p in procs:
            r = measure("gensim", p, args)
            gensim_seconds[p] = r["seconds"]
            rows.append(dict(r, system="gensim WikiCorpus", processes=p))
    for p in procs:
        r = measure("fastw2v:text8", p, args)
        if p in gensim_seconds:
            r["speedup"] = f"{gensim_seconds[p] / r['seconds']:.1f}x"
        rows.append(dict(r, system="fastw2v (text8)", processes=p))
    r = measure("fastw2v:unicode", procs[-1], args)
    if procs[-1] in gensim_seconds:
        r["speedup"] = f"{gensim_seconds[procs[-1]] / r['seconds']:.1f}x"
    rows.append(dict(r, system="fastw2v (unicode)", processes=procs[-1]))

    size = args.dump.stat().st_size
    print(table(rows, size))
    print()
    print(f"dump {args.dump.name} ({size / 1e6:.2f} MB), median of {args.repeat} runs, each in a "
          f"fresh process; python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load "
          f"average {load:.2f} at start, {time.strftime('%Y-%m-%d')}")
    print("runs (s): " + "; ".join(f"{r['system']} x{r['processes']}: {r['runs']}" for r in rows))


if __name__ == "__main__":
    main()
