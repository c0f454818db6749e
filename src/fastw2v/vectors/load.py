"""Load vectors in any format fastw2v reads, detected from the path and the file's first bytes."""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Tuple

from ..base.paths import PathLike
from .embeddings import Embeddings
from .modelfile import is_tar
from .word2vec_read import file_layout


def load_vectors(path: PathLike, limit: Optional[int] = None,
                 unicode_errors: str = "strict") -> Tuple[Embeddings, str]:
    """Load VECTORS: a native model (directory or file, memory-mapped) or a word2vec-style file
    (text, binary, headerless GloVe text; plain or gzip/bzip2/xz compressed).

    Returns
    -------
    (Embeddings, str)
        The vectors and a description of the format (``"native directory"``, ``"native file"``,
        ``"word2vec binary"``, ``"word2vec text"``, ``"text without header (GloVe)"``, the
        latter three followed by ``", gzip"`` etc. for a compressed file).
    """
    p = Path(path).expanduser()
    if not p.exists():
        raise FileNotFoundError(f"no such vectors file or directory: {p}")
    if p.is_dir() or is_tar(p):
        emb = Embeddings.load(p, mmap_mode="r")
        if limit is not None and limit < len(emb):
            emb = Embeddings(emb.vectors[:limit], emb.words[:limit],
                             counts=None if emb.counts is None else emb.counts[:limit],
                             config=emb.config, stats=emb.stats)
        return emb, "native directory" if p.is_dir() else "native file"
    layout = file_layout(p)
    emb = Embeddings.load_word2vec_format(p, binary=layout.binary, limit=limit,
                                          unicode_errors=unicode_errors,
                                          no_header=not layout.header)
    return emb, layout.describe()
