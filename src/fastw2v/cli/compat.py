"""One line, not a usage block, for an option fastw2v does not know, naming the nearest one.

People arrive with command lines written for word2vec.c, word2phrase, fastText, gensim scripts or
pWord2Vec. fastw2v accepts all of word2vec.c's ``-flags`` (``fastw2v train``) and word2phrase's
(``fastw2v phrases``); for anything else :func:`unknown_option_message` says what the option is
called here, or why there is no such option, in one line.
"""
from __future__ import annotations

import argparse
import difflib
from typing import Dict, Sequence

#: Options of other word2vec tools that fastw2v spells differently or does not have, with the
#: hint that replaces argparse's usage dump. Keys are the foreign spellings as typed.
FOREIGN_OPTIONS: Dict[str, str] = {
    # fastText
    "-input": "give the corpus as CORPUS or with -train",
    "-dim": "use --dim (or word2vec.c's -size)",
    "-ws": "use --window",
    "-epoch": "use --epochs (or word2vec.c's -iter)",
    "-lr": "use --alpha",
    "-neg": "use --negative",
    "-minCount": "use --min-count",
    "-thread": "use --workers (or word2vec.c's -threads)",
    "-t": "use --sample",
    "-loss": "use --hs for hierarchical softmax; negative sampling is the default",
    "-minn": "fastw2v trains word vectors only, without fastText's subword n-grams",
    "-maxn": "fastw2v trains word vectors only, without fastText's subword n-grams",
    "-wordNgrams": "fastw2v trains word vectors only, without fastText's n-grams",
    "-bucket": "fastw2v trains word vectors only, without fastText's n-gram buckets",
    "-lrUpdateRate": "the learning rate decays linearly over all words read (--alpha, "
                     "--min-alpha)",
    # gensim's parameter names as command-line options
    "--vector-size": "use --dim", "--vector_size": "use --dim",
    "--cbow-mean": "fastw2v's CBOW always averages the context vectors (gensim's cbow_mean=1)",
    "--cbow_mean": "fastw2v's CBOW always averages the context vectors (gensim's cbow_mean=1)",
    "-cbow-mean": "fastw2v's CBOW always averages the context vectors (gensim's cbow_mean=1)",
    "--iter": "use --epochs",
    # pWord2Vec
    "-batch-size": "fastw2v's --shared-negatives trains each window as one mini-batch "
                   "(pWord2Vec's scheme), with the window as the batch",
}


def option_names(parser: argparse.ArgumentParser) -> Dict[str, str]:
    """Every option string ``parser`` accepts (``--dim``, ``-size``, ...), mapped to the name to
    suggest for it: its action's long ``--`` spelling (``-size`` -> ``--dim``)."""
    names: Dict[str, str] = {}
    for action in parser._actions:
        long = next((s for s in action.option_strings if s.startswith("--")), None)
        for s in action.option_strings:
            names[s] = long or s
    return names


def unknown_option_message(parser: argparse.ArgumentParser, extras: Sequence[str]) -> str:
    """The one-line error for arguments ``parser`` left unparsed (``parse_known_args``)."""
    option = next((a for a in extras if a.startswith("-") and len(a) > 1
                   and not _is_number(a)), None)
    if option is None:
        return f"unexpected argument{'s' if len(extras) > 1 else ''}: {' '.join(extras)}"
    name = option.split("=", 1)[0]
    hint = FOREIGN_OPTIONS.get(name)
    if hint is None:
        known = option_names(parser)
        close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.7)
        if not close:  # --min_count, -min_alpha: the same word with other separators
            folded = {k.lstrip("-").replace("_", "-").lower(): k for k in known}
            match = folded.get(name.lstrip("-").replace("_", "-").lower())
            close = [match] if match else []
        hint = f"did you mean {known[close[0]]}?" if close else None
    prog = parser.prog
    text = f"unrecognized option {name} for `{prog}`"
    return f"{text}; {hint} (see {prog} --help)" if hint else f"{text} (see {prog} --help)"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
