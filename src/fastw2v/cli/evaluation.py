"""Subcommands that judge and show trained vectors: ``eval``, ``probe``, ``bias``, ``plot`` and
``plot-training``.

VECTORS is a fastw2v native model directory or a word2vec text or binary file (fastw2v's,
word2vec.c's or gensim's; text or binary is detected). :func:`register` adds the subcommands to
the ``fastw2v`` parser (see :func:`fastw2v.cli.main._command_modules`).
"""
from __future__ import annotations

import argparse
import functools
import json
import logging
import math
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from ..base.jsonutil import jsonable
from .options import int_option
from ..errors import FastW2VError

log = logging.getLogger("fastw2v.cli")

_VECTORS_HELP = ("a fastw2v native model directory, or a word2vec text or binary file (fastw2v, "
                 "word2vec.c, gensim; the format is detected)")

__all__ = ["register"]


# --------------------------------------------------------------------------------------------- #
# helpers
# --------------------------------------------------------------------------------------------- #
def _handler(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn a KeyError (a word not in the vocabulary) into a usage error (exit 2, one line)."""
    @functools.wraps(fn)
    def run(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except KeyError as exc:
            raise FastW2VError(exc.args[0] if exc.args else str(exc)) from None
    return run


def _add_common(p: argparse.ArgumentParser, json_output: bool = True) -> None:
    p.add_argument("vectors", metavar="VECTORS", help=_VECTORS_HELP)
    p.add_argument("--limit", type=int_option(1), metavar="N",
                   help="read only the first N vectors (the most frequent words) of VECTORS")
    p.add_argument("--unicode-errors", dest="unicode_errors", default="strict",
                   choices=("strict", "replace", "ignore"),
                   help="words of a word2vec file that are not valid UTF-8 (word2vec.c may cut "
                        "a word inside a character): fail (default), or decode with replace or "
                        "ignore")
    if json_output:
        p.add_argument("--json", action="store_true",
                       help="print the result as JSON instead of a table")
    p.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")


def _load(args: argparse.Namespace):
    from ..vectors.load import load_vectors  # numpy and the vectors: not needed for --help
    emb, kind = load_vectors(args.vectors, limit=args.limit, unicode_errors=args.unicode_errors)
    return emb, kind


def _print_json(obj: Any) -> None:
    print(json.dumps(jsonable(obj), indent=2, ensure_ascii=False, allow_nan=False))


def _vectors_info(args, emb, kind: str) -> Dict[str, Any]:
    return {"path": str(args.vectors), "format": kind, "words": len(emb), "dim": emb.dim}


def _vectors_line(args, emb, kind: str) -> str:
    return f"vectors: {args.vectors} ({kind}, {len(emb):,} words x {emb.dim} dimensions)"


def _pct(correct: int, seen: int) -> str:
    return f"{100.0 * correct / seen:.2f}%" if seen else "-"


# --------------------------------------------------------------------------------------------- #
# eval
# --------------------------------------------------------------------------------------------- #
_EVAL_EPILOG = """\
Analogy files use the questions-words.txt format (': section' headers, then 'a b c d' lines:
a is to b as c is to d). Answers: 3CosAdd (b - a + c) and 3CosMul (Levy & Goldberg 2014); only the
first --restrict-vocab words are candidates and question words, and a question with a word outside
them is skipped. Sections named gram* are syntactic, the others semantic.

Word-pair files: 'word1 word2 score' lines, tab- or space-separated, '#' comment lines; scored by
Spearman and Pearson correlation with the cosine similarities, over the pairs whose words are in
the vocabulary (the share of out-of-vocabulary pairs is reported).

Without --analogies and --pairs, the standard sets are used (questions-words.txt, the Google
analogies; wordsim353.tsv, WordSim-353): from --data-dir when it is given (only there), else from
the data directory ($FASTW2V_DATA, else ../shared/data) when it holds them, else the copies
installed with fastw2v, so this works from any directory. The output names the files used. The
installed copies keep their own terms (analogies: Apache-2.0, from word2vec; WordSim-353: for
research use, citing Finkelstein et al., 2002); see fastw2v/analysis/data/NOTICE."""


def _add_eval(sub) -> None:
    p = sub.add_parser(
        "eval", allow_abbrev=False, formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="fastw2v eval VECTORS [--analogies FILE ...] [--pairs FILE ...] [options]",
        help="evaluate vectors on analogy and word-pair similarity sets",
        description="Evaluate VECTORS on analogy questions (3CosAdd, 3CosMul) and word-pair "
                    "similarity sets (Spearman, Pearson).", epilog=_EVAL_EPILOG)
    _add_common(p)
    p.add_argument("--analogies", nargs="+", action="extend", default=[], metavar="FILE",
                   help="analogy questions file(s) (questions-words.txt format)")
    p.add_argument("--pairs", nargs="+", action="extend", default=[], metavar="FILE",
                   help="word-pair similarity file(s) (e.g. wordsim353.tsv)")
    p.add_argument("--restrict-vocab", dest="restrict_vocab", type=int_option(0),
                   default=30000, metavar="N",
                   help="analogies use only the N most frequent words, 0 for all "
                        "(default: 30000)")
    p.add_argument("--method", choices=("3cosadd", "3cosmul", "both"), default="both",
                   help="how analogies are answered (default: both)")
    p.add_argument("--case-sensitive", dest="case_insensitive", action="store_false",
                   help="match words case-sensitively (default: case-insensitive)")
    p.add_argument("--data-dir", dest="data_dir", metavar="DIR",
                   help="where to look for the standard sets when no file is given (default: "
                        "$FASTW2V_DATA, else ../shared/data, else the copies installed with "
                        "fastw2v)")
    p.set_defaults(handler=_handler(_eval))


def _eval(args: argparse.Namespace) -> int:
    from ..analysis import evaluate

    analogy_files: List[Tuple[Path, bool]] = [(Path(f), False) for f in args.analogies]
    pair_files: List[Tuple[Path, bool]] = [(Path(f), False) for f in args.pairs]
    standard_note: List[str] = []
    if not analogy_files and not pair_files:
        found = evaluate.standard_eval_files(args.data_dir)
        if found.analogies is None and found.word_pairs is None:  # only with --data-dir
            raise FileNotFoundError(
                f"no evaluation files given and no standard set ({evaluate.ANALOGIES_FILE}, "
                f"{evaluate.WORD_PAIRS_FILE}) found in {args.data_dir}; pass --analogies FILE "
                f"and/or --pairs FILE, or leave out --data-dir to use the copies installed "
                f"with fastw2v")
        standard_note.append("no evaluation files given; using the standard sets:")
        for label, path, name in (("analogies", found.analogies, evaluate.ANALOGIES_FILE),
                                  ("word pairs", found.word_pairs, evaluate.WORD_PAIRS_FILE)):
            installed = path is not None and path.parent == evaluate.PACKAGED_DATA
            standard_note.append(
                f"  {label}: {path}{' (installed with fastw2v)' if installed else ''}"
                if path is not None else f"  {label}: {name} not found in {args.data_dir}, "
                                         f"skipped")
        if found.analogies is not None:
            analogy_files.append((found.analogies, True))
        if found.word_pairs is not None:
            pair_files.append((found.word_pairs, True))
    for f, _ in analogy_files + pair_files:  # fail before loading the vectors
        if not f.exists():
            raise FileNotFoundError(f"no such evaluation file: {f}")
        if f.is_dir():
            raise IsADirectoryError(f"evaluation file is a directory: {f}")

    emb, kind = _load(args)
    methods = evaluate.ANALOGY_METHODS if args.method == "both" else (args.method,)
    restrict = args.restrict_vocab or None
    analogy_results = []
    for f, standard in analogy_files:
        res = evaluate.evaluate_analogy_methods(emb, f, restrict_vocab=restrict,
                                                case_insensitive=args.case_insensitive,
                                                methods=methods)
        analogy_results.append((f, standard, res))
    pair_results = []
    for f, standard in pair_files:
        pair_results.append((f, standard, evaluate.evaluate_word_pairs(
            emb, f, case_insensitive=args.case_insensitive)))

    if args.json:
        _print_json({
            "vectors": _vectors_info(args, emb, kind),
            "standard_sets_used": bool(standard_note),
            "case_insensitive": args.case_insensitive,
            "analogies": [{"file": str(f), "standard": std,
                           "methods": {m: r.to_dict() for m, r in res.items()}}
                          for f, std, res in analogy_results],
            "pairs": [dict(r.to_dict(), file=str(f), standard=std)
                      for f, std, r in pair_results],
        })
        return 0
    out = [_vectors_line(args, emb, kind)]
    out += standard_note
    for f, _, res in analogy_results:
        out.append("")
        out += _analogy_table(f, res, args.case_insensitive)
    if pair_results:
        out.append("")
        out += _pairs_table(pair_results)
    print("\n".join(out))
    return 0


def _analogy_table(path: Path, res: Dict[str, Any], case_insensitive: bool) -> List[str]:
    first = next(iter(res.values()))
    names = [_method_name(m) for m in res]
    lines = [f"Analogies: {path}",
             f"  candidates and question words: the first {first.restrict_vocab:,} words, case-"
             f"{'insensitive' if case_insensitive else 'sensitive'}",
             f"  {first.total:,} questions: {first.seen:,} seen, {first.skipped:,} skipped "
             f"(a word outside those {first.restrict_vocab:,})"
             + (f"; {first.invalid} malformed lines ignored" if first.invalid else "")]
    width = max([len("section")] + [len(s) for s in first.sections] + [len("syntactic")])
    head = f"  {'section':<{width}}  {'seen':>7}  {'skipped':>7}" + "".join(
        f"  {n:>8}" for n in names)
    lines += ["", head, "  " + "-" * (len(head) - 2)]
    for name, (_, seen) in first.sections.items():
        row = f"  {name:<{width}}  {seen:>7,}  {first.section_skipped.get(name, 0):>7,}"
        row += "".join(f"  {_pct(*r.sections[name]):>8}" for r in res.values())
        lines.append(row)
    lines.append("  " + "-" * (len(head) - 2))
    if first.has_syntactic_sections:
        skipped_sem = sum(v for k, v in first.section_skipped.items()
                          if not k.lower().startswith("gram"))
        for label, attr, skipped in (("semantic", "semantic", skipped_sem),
                                     ("syntactic", "syntactic", first.skipped - skipped_sem)):
            seen = getattr(first, attr)[1]
            lines.append(f"  {label:<{width}}  {seen:>7,}  {skipped:>7,}" + "".join(
                f"  {_pct(*getattr(r, attr)):>8}" for r in res.values()))
    lines.append(f"  {'total':<{width}}  {first.seen:>7,}  {first.skipped:>7,}" + "".join(
        f"  {_pct(r.correct, r.seen):>8}" for r in res.values()))
    lines.append("  correct: " + ", ".join(f"{_method_name(m)} {r.correct:,} of {r.seen:,}"
                                          for m, r in res.items()))
    return lines


def _method_name(m: str) -> str:
    from ..analysis.evaluate import METHOD_NAMES
    return METHOD_NAMES.get(m, m)


def _pairs_table(results) -> List[str]:
    width = max(len("file"), max(len(str(f)) for f, _, _ in results))
    head = f"  {'file':<{width}}  {'pairs':>6}  {'OOV':>12}  {'Spearman':>8}  {'Pearson':>8}"
    lines = ["Word pairs (cosine similarity vs human scores)", head,
             "  " + "-" * (len(head) - 2)]
    for f, _, r in results:
        oov = f"{r.n_oov:,} ({100 * r.oov_ratio:.1f}%)"
        sp = f"{r.spearman:.4f}" if math.isfinite(r.spearman) else "-"
        pe = f"{r.pearson:.4f}" if math.isfinite(r.pearson) else "-"
        lines.append(f"  {str(f):<{width}}  {r.n_pairs:>6,}  {oov:>12}  {sp:>8}  {pe:>8}")
        if r.invalid:
            lines.append(f"    ({r.invalid} malformed lines ignored)")
    return lines


# --------------------------------------------------------------------------------------------- #
# probe
# --------------------------------------------------------------------------------------------- #
def _add_probe(sub) -> None:
    p = sub.add_parser(
        "probe", allow_abbrev=False, usage="fastw2v probe VECTORS [--words WORD ...] [options]",
        help="embedding health report: canonical analogies, neighbours, symmetry, norms",
        description="An embedding health report: three canonical analogies with their top-1 "
                    "answers, the nearest neighbours of the words named with --words, a symmetry "
                    "check of the similarity, and a check for degenerate vectors (norm below "
                    "0.01 or above 100, a training bug). It is not a quality verdict: analogy "
                    "benchmarks are gameable; use intrinsic evaluation (fastw2v eval) together "
                    "with a downstream task.")
    _add_common(p)
    p.add_argument("--words", nargs="+", action="extend", default=[], metavar="WORD",
                   help="words whose nearest neighbours are listed")
    p.add_argument("--topn", type=int_option(1), default=5, metavar="N",
                   help="neighbours per word (default: 5)")
    p.add_argument("--restrict-vocab", dest="restrict_vocab", type=int_option(0),
                   default=30000, metavar="N",
                   help="answers and neighbours come from the N most frequent words, 0 for all "
                        "(default: 30000)")
    p.set_defaults(handler=_handler(_probe))


def _probe(args: argparse.Namespace) -> int:
    from ..analysis.probe import probe

    emb, kind = _load(args)
    report = probe(emb, args.words, topn=args.topn, restrict_vocab=args.restrict_vocab or None)
    if args.json:
        _print_json({"vectors": _vectors_info(args, emb, kind), **report.to_dict()})
    else:
        print(_vectors_line(args, emb, kind))
        print(report.format())
    return 0


# --------------------------------------------------------------------------------------------- #
# bias
# --------------------------------------------------------------------------------------------- #
def _add_bias(sub) -> None:
    p = sub.add_parser(
        "bias", allow_abbrev=False, formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="fastw2v bias VECTORS [--axis1 PAIR ...] [--axis2 PAIR ...] "
              "[--occupations WORD ... | --occupations-file FILE] [options]",
        help="project occupation words on two bias axes (he-she, doctor-nurse)",
        description="Build two bias axes (default: he - she and doctor - nurse), project "
                    "occupation words on both and list the occupations with the largest gap "
                    "between the two projections.",
        epilog="An axis is given as word pairs 'x:y' (several pairs: the mean of their "
               "differences, e.g.\n--axis1 man:woman king:queen) or a preset: gender (the mean "
               "of he:she, man:woman,\nking:queen, his:her, boy:girl, ...), he-she, "
               "doctor-nurse.\nA projection is the cosine between a word and the axis: "
               "positive leans to the first word\nof the pairs.")
    _add_common(p)
    p.add_argument("--axis1", nargs="+", default=["he:she"], metavar="PAIR",
                   help="first axis (default: he:she)")
    p.add_argument("--axis2", nargs="+", default=["doctor:nurse"], metavar="PAIR",
                   help="second axis (default: doctor:nurse)")
    occ = p.add_mutually_exclusive_group()
    occ.add_argument("--occupations", nargs="+", metavar="WORD",
                     help="occupation words to project (default: a built-in list of about 75)")
    occ.add_argument("--occupations-file", dest="occupations_file", metavar="FILE",
                     help="file with the occupation words (whitespace-separated, '#' comments)")
    p.add_argument("--top", type=int_option(1), default=10, metavar="N",
                   help="how many occupations to list (default: 10)")
    p.set_defaults(handler=_handler(_bias))


def _bias(args: argparse.Namespace) -> int:
    from ..analysis.bias import bias_report

    occupations: Optional[Sequence[str]] = args.occupations
    if args.occupations_file is not None:
        occupations = _read_word_list(Path(args.occupations_file))
    emb, kind = _load(args)
    report = bias_report(emb, axis1=args.axis1, axis2=args.axis2, occupations=occupations,
                         top=args.top)
    if args.json:
        _print_json({"vectors": _vectors_info(args, emb, kind), **report.to_dict()})
    else:
        print(_vectors_line(args, emb, kind))
        print(report.format())
    return 0


def _read_word_list(path: Path) -> List[str]:
    words: List[str] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.split("#", 1)[0]
            words.extend(line.split())
    if not words:
        raise FastW2VError(f"{path}: no words in the file")
    return words


# --------------------------------------------------------------------------------------------- #
# plot, plot-training
# --------------------------------------------------------------------------------------------- #
def _add_plot(sub) -> None:
    p = sub.add_parser(
        "plot", allow_abbrev=False,
        help="2-D PCA or t-SNE scatter of chosen words (needs the plot extra)",
        usage="fastw2v plot VECTORS --words WORD WORD ... -o OUT [--method pca|tsne] [options]",
        description="Draw a labelled 2-D scatter of the vectors of the given words: PCA (the "
                    "first two principal components; the axes give their share of the "
                    "variance) or t-SNE (keeps each word's neighbours together and shows "
                    "clusters; its axes, the distances between clusters and their sizes mean "
                    "nothing). Needs matplotlib, and scikit-learn for t-SNE (pip install "
                    "'fastw2v[plot]').")
    _add_common(p, json_output=False)
    p.add_argument("--words", nargs="+", action="extend", required=True, metavar="WORD",
                   help="the words to draw (at least two; words not in the vocabulary are left "
                        "out with a warning)")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="picture to write (.png, .svg, .pdf or .jpg)")
    p.add_argument("--method", choices=("pca", "tsne"), default="pca",
                   help="projection: pca or tsne (default: pca)")
    p.add_argument("--perplexity", type=float, metavar="F",
                   help="t-SNE perplexity, below the number of words (default: 30, or "
                        "(words - 1) / 3 for fewer than 91 words)")
    p.add_argument("--seed", type=int_option(0), default=1, metavar="N",
                   help="t-SNE random seed: the same words and seed give the same picture "
                        "(default: 1)")
    p.add_argument("--title", help="title of the picture")
    p.add_argument("--raw", dest="normalize", action="store_false",
                   help="use the raw vectors instead of unit vectors")
    p.set_defaults(handler=_handler(_plot))


def _plot(args: argparse.Namespace) -> int:
    from ..base.atomic import check_writable_destination
    from ..analysis.plots import _image_format, _matplotlib, _sklearn, plot_words

    _matplotlib()  # fail now if it is missing, before loading the vectors
    if args.method == "tsne":
        _sklearn()
    out = Path(args.output).expanduser()
    _image_format(out)
    check_writable_destination(out)
    emb, _ = _load(args)
    plot_words(emb, args.words, out, title=args.title, normalize=args.normalize,
               skip_missing=True, method=args.method, perplexity=args.perplexity,
               seed=args.seed)
    print(f"wrote {out}")
    return 0


def _fixed(x: float, width: int, digits: int, sep: str = "") -> str:
    """``x`` right-aligned in ``width`` columns with ``digits`` decimals, "-" when not finite."""
    return f"{x:>{width}{sep}.{digits}f}" if math.isfinite(x) else f"{'-':>{width}}"


def _add_plot_training(sub) -> None:
    p = sub.add_parser(
        "plot-training", allow_abbrev=False,
        help="draw per-epoch losses and words/s of a training run (needs matplotlib)",
        description="Draw the per-epoch training loss, evaluation loss and throughput "
                    "(words/s) of a run and print them as a table. The training loss is "
                    "measured on the fly, while the weights change, and can rise in the last "
                    "epochs as the learning rate decays; the evaluation loss is the same "
                    "objective on a fixed probe scored at each epoch's end, comparable between "
                    "epochs. RUN is a fastw2v native model directory (its "
                    "config.json holds the statistics) or a JSON file holding the statistics "
                    "(Embeddings.stats, or a whole config.json). word2vec files store no "
                    "statistics. Needs matplotlib (pip install 'fastw2v[plot]').")
    p.add_argument("run", metavar="RUN", help="native model directory or statistics JSON file")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="picture to write (.png, .svg, .pdf or .jpg)")
    p.add_argument("--title", help="title of the picture")
    p.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")
    p.set_defaults(handler=_handler(_plot_training))


def _plot_training(args: argparse.Namespace) -> int:
    from ..base.atomic import check_writable_destination
    from ..analysis.plots import _image_format, _matplotlib, epoch_table, load_training_stats, \
        plot_training

    _matplotlib()
    out = Path(args.output).expanduser()
    _image_format(out)
    check_writable_destination(out)
    stats, _ = load_training_stats(args.run)  # fails with a clear message before drawing
    plot_training(args.run, out, title=args.title)
    rows = epoch_table(stats)
    raw = all(r["raw_rate"] for r in rows)
    print(f"{'epoch':>5}  {'training loss':>13}  {'evaluation loss':>15}  {'words':>13}  "
          f"{'seconds':>8}  {'words/s':>11}  {'alpha':>8}")
    for r in rows:
        words = r["raw_words"] if raw else r["words"]
        print(f"{r['epoch']:>5}  {r['loss']:>13.4f}  {_fixed(r['eval_loss'], 15, 4)}  "
              f"{words:>13,.0f}  {r['seconds']:>8.2f}  {_fixed(r['words_per_sec'], 11, 0, ',')}  "
              f"{_fixed(r['alpha'], 8, 5)}")
    print("training loss: measured on the fly, while the weights change; evaluation loss: the "
          "same objective on a fixed probe at each epoch's end, comparable from epoch to epoch")
    if not raw:
        print("words: in-vocabulary words (these statistics do not record the corpus' raw words)")
    print(f"wrote {out}")
    return 0


# --------------------------------------------------------------------------------------------- #
# registration
# --------------------------------------------------------------------------------------------- #
def register(subparsers) -> None:
    """Add ``eval``, ``probe``, ``bias``, ``plot`` and ``plot-training`` to ``fastw2v``."""
    _add_eval(subparsers)
    _add_probe(subparsers)
    _add_bias(subparsers)
    _add_plot(subparsers)
    _add_plot_training(subparsers)
