"""Phrases on wiki100m: fastw2v next to gensim ``Phrases``, the top phrases, and what phrases do
to the vectors trained on the phrased corpus.

    python benchmarks/phrases.py [--corpus PATH] [--out DIR] [--no-gensim] [--no-train]

Default corpus: ``/work/peers/data/wiki100m.lines.txt`` when it exists (wiki100m in lines of 1,000
tokens), else ``$FASTW2V_DATA/wiki100m.txt.gz``. Each measurement runs in a fresh child process
(its peak RSS is its own). Rows:

* **fastw2v phrases**, one and two passes (word2phrase's scoring, min_count 5, threshold 100):
  counting words and pairs, scoring, and writing the phrased corpus;
* **gensim Phrases** on the same file (``LineSentence``; min_count 5, its default threshold 10 and
  scoring, which divides by the vocabulary size instead of the number of tokens, so its scores and
  thresholds differ from word2phrase's): learning, then ``freeze()`` and writing the phrased
  corpus line by line, both timed;
* **vectors**: fastw2v's default skip-gram (dim 100, window 5, negative 5, sample 1e-4,
  min_count 5, 5 epochs, 2 threads) trained on the plain corpus and on the phrased ones, with
  analogy accuracy (30k most frequent words) overall, on the ``gram*`` sections and on the
  city sections, and WordSim-353.

Prints markdown tables and writes ``phrases.json`` into ``--out``.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from fastw2v.base.paths import data_dir  # noqa: E402
from fastw2v.bench.child import run_in_child  # noqa: E402

LINES_CORPUS = Path("/work/peers/data/wiki100m.lines.txt")
#: Sections of questions-words.txt about cities.
CITY_SECTIONS = ("capital-common-countries", "capital-world", "city-in-state")


def default_corpus() -> Path:
    if LINES_CORPUS.is_file():
        return LINES_CORPUS
    return (data_dir() or REPO.parent / "shared" / "data") / "wiki100m.txt.gz"


def run_fastw2v_phrases(corpus: str, out: str, passes: int) -> dict:
    """Runs in a child process; the result gets its peak RSS."""
    from fastw2v.phrases.api import find_phrases
    t0 = time.perf_counter()
    r = find_phrases(corpus, out, min_count=5, threshold=100.0, passes=passes, use_cache=False)
    seconds = time.perf_counter() - t0
    return dict(seconds=seconds, phrases=[len(p.phrases) for p in r.passes],
                joins=[p.joins for p in r.passes],
                seconds_count=[p.seconds_count for p in r.passes],
                seconds_write=[p.seconds_write for p in r.passes],
                top_count=[(p.text, p.count, p.score) for p in r.top(25, by="count")],
                top_long=[(p.text, p.count, p.score) for p in r.top(400, by="count")
                          if p.text.count("_") >= 2][:15])


def run_gensim_phrases(corpus: str, out: str) -> dict:
    """Runs in a child process; the result gets its peak RSS."""
    import logging
    logging.getLogger("gensim").setLevel(logging.WARNING)
    from gensim.models.phrases import Phrases
    from gensim.models.word2vec import LineSentence
    t0 = time.perf_counter()
    model = Phrases(LineSentence(corpus), min_count=5)
    t1 = time.perf_counter()
    frozen = model.freeze()
    with open(out, "w", encoding="utf-8") as fh:
        for sentence in LineSentence(corpus):
            fh.write(" ".join(frozen[sentence]))
            fh.write("\n")
    t2 = time.perf_counter()
    return dict(seconds=t2 - t0, seconds_learn=t1 - t0, seconds_write=t2 - t1,
                phrases=len(frozen.phrasegrams))


def run_training(corpus: str) -> dict:
    """Runs in a child process: fastw2v's default skip-gram, evaluated."""
    from fastw2v.analysis.evaluate import (answer_analogies, evaluate_analogies,
                                           evaluate_word_pairs, read_analogy_file,
                                           standard_eval_files)
    from fastw2v.analysis.words import fold_case
    from fastw2v.training.api import train
    emb = train(corpus, dim=100, window=5, negative=5, sample=1e-4, min_count=5, epochs=5,
                workers=2, use_cache=False, progress=False)
    files = standard_eval_files()
    an = evaluate_analogies(emb, files.analogies, restrict_vocab=30000)
    sections = an.sections

    def share(names):
        c = sum(sections[n][0] for n in names if n in sections)
        s = sum(sections[n][1] for n in names if n in sections)
        return (c / s if s else float("nan")), s

    gram = [n for n in sections if n.startswith("gram")]
    city, city_seen = share(CITY_SECTIONS)
    gram_acc, gram_seen = share(gram)
    ws = evaluate_word_pairs(emb, files.word_pairs)
    # per question: -1 not seen (a word outside the 30k most frequent), else 1 right / 0 wrong,
    # so that the parent can compare the models on the questions all of them see
    names, questions, _ = read_analogy_file(files.analogies)
    answers = answer_analogies(emb, [q for _, _, q in questions], restrict_vocab=30000)
    top = {fold_case(w) for w in emb.words[:30000]}
    outcomes = [-1 if any(fold_case(w) not in top for w in q)
                else int(a is not None and fold_case(a) == fold_case(q[3]))
                for (_, _, q), a in zip(questions, answers)]
    return dict(vocab=len(emb), analogy=an.accuracy, seen=an.seen, gram=gram_acc,
                gram_seen=gram_seen, city=city, city_seen=city_seen, wordsim=ws.spearman,
                train_seconds=emb.stats["train_seconds"], outcomes=outcomes,
                question_sections=[names[i] for i, _, _ in questions])


def common_accuracy(runs: dict, sections=None) -> dict:
    """Accuracy of each run on the questions every run sees (optionally only ``sections``)."""
    any_run = next(iter(runs.values()))
    keep = [i for i, name in enumerate(any_run["question_sections"])
            if (sections is None or sections(name))
            and all(r["outcomes"][i] >= 0 for r in runs.values())]
    return {k: (sum(r["outcomes"][i] for i in keep) / len(keep) if keep else float("nan"),
                len(keep)) for k, r in runs.items()}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", type=Path, default=default_corpus())
    p.add_argument("--out", type=Path, default=REPO / "bench-results" / "phrases")
    p.add_argument("--no-gensim", action="store_true", help="skip gensim Phrases")
    p.add_argument("--no-train", action="store_true", help="skip training on the outputs")
    args = p.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    results = {"corpus": str(args.corpus), "date": time.strftime("%Y-%m-%d")}
    with tempfile.TemporaryDirectory(prefix="fastw2v-phrases-") as tmp:
        outs = {n: str(Path(tmp) / f"fastw2v-{n}pass.txt") for n in (1, 2)}
        rows = []
        for n in (1, 2):
            r = run_in_child(run_fastw2v_phrases, corpus=str(args.corpus), out=outs[n], passes=n)
            results[f"fastw2v_{n}"] = r
            rows.append((f"fastw2v phrases, {n} pass{'es' if n > 1 else ''}", r["seconds"],
                         "+".join(f"{x:,}" for x in r["phrases"]), r["peak_rss_mb"]))
        if not args.no_gensim:
            g_out = str(Path(tmp) / "gensim.txt")
            r = run_in_child(run_gensim_phrases, corpus=str(args.corpus), out=g_out)
            results["gensim"] = r
            rows.append(("gensim 4.4 Phrases (learn + write)", r["seconds"], f"{r['phrases']:,}",
                         r["peak_rss_mb"]))
        print(f"\nphrases on {args.corpus.name}: min_count 5; fastw2v threshold 100 "
              f"(word2phrase's score), gensim threshold 10 (its default scorer)\n")
        print("| system | seconds | phrases | peak RSS MB |\n|---|---|---|---|")
        for name, sec, phrases, rss in rows:
            print(f"| {name} | {sec:.1f} | {phrases} | {rss:,.0f} |")
        print("\ntop phrases (fastw2v, 2 passes, by count):",
              ", ".join(f"{t} ({c:,})" for t, c, _ in results["fastw2v_2"]["top_count"]))
        print("longest phrases (3+ words, by count):",
              ", ".join(f"{t} ({c:,})" for t, c, _ in results["fastw2v_2"]["top_long"]))
        if not args.no_train:
            print("\n| corpus | vocab | analogy | seen | gram* | seen | city | seen | WS-353 |"
                  "\n|---|---|---|---|---|---|---|---|---|")
            runs = {}
            for name, path in (("plain", str(args.corpus)), ("phrased, 1 pass", outs[1]),
                               ("phrased, 2 passes", outs[2])):
                r = runs[name] = run_in_child(run_training, corpus=path)
                print(f"| {name} | {r['vocab']:,} | {r['analogy']:.3f} | {r['seen']:,} | "
                      f"{r['gram']:.3f} | {r['gram_seen']:,} | {r['city']:.3f} | "
                      f"{r['city_seen']:,} | {r['wordsim']:.3f} |", flush=True)
            common = {"all": common_accuracy(runs),
                      "gram": common_accuracy(runs, lambda n: n.startswith("gram")),
                      "city": common_accuracy(runs, lambda n: n in CITY_SECTIONS)}
            print("\non the questions all three models see:\n\n| corpus | analogy | gram* | "
                  "city |\n|---|---|---|---|")
            for name in runs:
                print(f"| {name} | " + " | ".join(
                    f"{common[part][name][0]:.3f} ({common[part][name][1]:,})"
                    for part in ("all", "gram", "city")) + " |")
            for name, r in runs.items():
                del r["outcomes"], r["question_sections"]
                results[f"train_{name}"] = r
            results["common"] = common
    (args.out / "phrases.json").write_text(json.dumps(results, indent=1))
    print(f"\nwrote {args.out / 'phrases.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
