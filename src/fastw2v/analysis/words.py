"""How the analysis functions match words: one case-folding rule and one word look-up.

Case-insensitive matching folds with ``str.upper``, as gensim's evaluators do, so results are
comparable with gensim's on the same vectors. (``str.upper`` and ``str.casefold`` differ only for
a few non-ASCII letters such as ``ß``; using one rule everywhere matters more than which.)
"""
from __future__ import annotations

from typing import Optional

from ..vectors.embeddings import Embeddings


def fold_case(word: str) -> str:
    """The case-folded form two words share when they match case-insensitively."""
    return word.upper()


def resolve_word(emb: Embeddings, word: str, limit: Optional[int] = None) -> Optional[str]:
    """``word`` if it is in the vocabulary, else its most frequent case variant, else None.

    Only the first ``limit`` rows are considered (None: all).
    """
    n = len(emb) if limit is None else min(limit, len(emb))
    row = emb.index.get(word)
    if row is not None and row < n:
        return word
    folded = fold_case(word)
    for w in emb.words[:n]:
        if fold_case(w) == folded:
            return w
    return None
