"""Load vectors in any format fastw2v reads, detected from the path and the file's first bytes."""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Tuple

from . import word2vec as w2vformat
from ..base.paths import PathLike
from .embeddings import Embeddings


def load_vectors(path: PathLike, limit: Optional[int] = None,
                 unicode_errors: str = "strict") -> Tuple[Embeddings, str]:
    """Load VECTORS: a native directory (memory-mapped) or a word2vec text/binary file.

    Returns
    -------
    (Embeddings, str)
        The vectors and a description of the format (``"native directory"``,
        ``"word2vec binary"``, ``"word2vec text"``).
    """
    p = Path(path).expanduser()
    if not p.exists():
        raise FileNotFoundError(f"no such vectors file or directory: {p}")
    if p.is_dir():
        emb = Embeddings.load(p, mmap_mode="r")
        if limit is not None and limit < len(emb):
            emb = Embeddings(emb.vectors[:limit], emb.words[:limit],
                             counts=None if emb.counts is None else emb.counts[:limit],
                             config=emb.config, stats=emb.stats)
        return emb, "native directory"
    binary = w2vformat.is_binary_word2vec(p)
    emb = Embeddings.load_word2vec_format(p, binary=binary, limit=limit,
                                          unicode_errors=unicode_errors)
    return emb, "word2vec binary" if binary else "word2vec text"
