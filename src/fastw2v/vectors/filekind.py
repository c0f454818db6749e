"""What a vector or model file is, from its first bytes (never from its name).

fastw2v reads word2vec text and binary files (with or without a header: GloVe), fastText ``.vec``
files (word2vec text), any of them compressed with gzip, bzip2 or xz, and its own native models
(a directory, or the single file :meth:`fastw2v.KeyedVectors.save` writes). Files of other
programs that people commonly pass instead -- gensim's pickles, fastText ``.bin`` models, NumPy
arrays, zip archives -- are recognised here so that the error says what the file is and how to
convert it, instead of "bad header" and a line of raw bytes.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Tuple

from ..base.compression import (SUFFIXES, UTF8_BOM, compression_from_head, is_corrupt_data_error,
                                open_decompressed)
from ..base.paths import PathLike
from ..errors import ModelFormatError

#: Bytes read to recognise a file (a tar header is 512 bytes; its magic is at offset 257).
HEAD_BYTES = 512

#: Pickle protocol 2 and later start with the PROTO opcode (0x80) and the protocol number;
#: gensim's ``save()`` writes protocol 4.
_PICKLE_PROTOCOLS = range(2, 6)
#: fastText's ``.bin`` models start with this little-endian int32 (0x2F4F16BA).
FASTTEXT_MAGIC = b"\xba\x16\x4f\x2f"
NUMPY_MAGIC = b"\x93NUMPY"
#: A zip file starts with a local file header, or (empty) with the end of the central directory.
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
#: POSIX tar (ustar, also GNU and pax) headers carry this at offset 257.
TAR_MAGIC = b"ustar"
TAR_MAGIC_OFFSET = 257

# Kinds of file.
WORD2VEC = "word2vec"            # text, binary or headerless (GloVe) vectors
NATIVE_DIRECTORY = "native directory"
NATIVE_FILE = "native file"      # a tar holding the native directory's files
GENSIM_PICKLE = "gensim pickle"
FASTTEXT_BIN = "fastText binary model"
NUMPY = "NumPy array"
ZIP = "zip archive"
HDF5 = "HDF5 file"

_CONVERT_PICKLE = (
    "fastw2v never unpickles files (loading a pickle can run arbitrary code). Convert it where "
    "gensim is installed: KeyedVectors.load(path).save_word2vec_format('vectors.bin', "
    "binary=True) -- for a Word2Vec model: Word2Vec.load(path).wv.save_word2vec_format(...) -- "
    "and load that file; or hand the loaded gensim object to fastw2v.KeyedVectors.from_gensim "
    "(fastw2v.Word2Vec.from_gensim keeps the output weights to train on)")


def read_head(path: PathLike) -> Tuple[bytes, Optional[str]]:
    """The first :data:`HEAD_BYTES` of the file's content (decompressed) and its compression.

    Raises
    ------
    ModelFormatError
        The compressed data is corrupt (the message names the compression).
    """
    p = Path(path)
    with open(p, "rb") as fh:
        raw = fh.read(HEAD_BYTES)
    # The corpus reader's rule: a valid header first, the suffix when none matches (so a
    # damaged .gz file is reported as corrupt gzip data).
    kind = compression_from_head(raw) or SUFFIXES.get(p.suffix.lower())
    if kind is None:
        return raw, None
    try:
        with open_decompressed(p, kind) as fh:
            return fh.read(HEAD_BYTES), kind
    except Exception as exc:
        if is_corrupt_data_error(exc):
            raise ModelFormatError(f"{p}: corrupt or truncated {kind} data ({exc})") from None
        raise


def kind_of(path: PathLike) -> Tuple[str, Optional[str]]:
    """``(kind, compression)`` of a vector or model file or directory.

    ``kind`` is one of the module's constants; a file that is none of the recognised formats is
    :data:`WORD2VEC` (its reader then reports what is wrong with it).
    """
    p = Path(path)
    if p.is_dir():
        return NATIVE_DIRECTORY, None
    head, compression = read_head(p)
    if head.startswith(UTF8_BOM):
        head = head[len(UTF8_BOM):]
    if len(head) >= 2 and head[0] == 0x80 and head[1] in _PICKLE_PROTOCOLS:
        return GENSIM_PICKLE, compression
    if head.startswith(FASTTEXT_MAGIC):
        return FASTTEXT_BIN, compression
    if head.startswith(NUMPY_MAGIC):
        return NUMPY, compression
    if head.startswith(ZIP_MAGICS):
        return ZIP, compression
    if head.startswith(HDF5_MAGIC):
        return HDF5, compression
    if head[TAR_MAGIC_OFFSET:TAR_MAGIC_OFFSET + len(TAR_MAGIC)] == TAR_MAGIC \
            and compression is None:
        return NATIVE_FILE, None
    return WORD2VEC, compression


def not_word2vec_error(path: PathLike, kind: str) -> ModelFormatError:
    """The error for a file of ``kind`` given where word2vec vectors were expected: what the file
    is and how to get vectors out of it."""
    p = Path(path)
    if kind == GENSIM_PICKLE:
        return ModelFormatError(f"{p} is a gensim model saved with pickle (Word2Vec.save / "
                                f"KeyedVectors.save), not a vector file. {_CONVERT_PICKLE}")
    if kind == FASTTEXT_BIN:
        return ModelFormatError(
            f"{p} is a fastText binary model (.bin: word and subword n-gram vectors); fastw2v "
            f"reads word vectors only. Load the .vec text file fastText writes beside it "
            f"(load_word2vec_format(path.vec)), or convert where gensim is installed: "
            f"gensim.models.fasttext.load_facebook_vectors(path).save_word2vec_format("
            f"'vectors.bin', binary=True)")
    if kind == NUMPY:
        return ModelFormatError(
            f"{p} is a NumPy array file (.npy), which holds vectors but no words: gensim writes "
            f"one beside a model saved with save() (e.g. model.wv.vectors.npy); load the model's "
            f"main file with gensim and convert it ({_CONVERT_PICKLE.split('. ', 1)[1]})")
    if kind == ZIP:
        return ModelFormatError(f"{p} is a zip archive: unzip it and load the vector file inside "
                                f"(e.g. glove.6B.zip holds glove.6B.100d.txt)")
    if kind == HDF5:
        return ModelFormatError(f"{p} is an HDF5 file, not a word2vec vector file; export its "
                                f"vectors to word2vec text or binary format first")
    if kind in (NATIVE_FILE, NATIVE_DIRECTORY):
        return ModelFormatError(f"{p} is a fastw2v model ({kind}), not a word2vec file: load it "
                                f"with KeyedVectors.load / Embeddings.load")
    return ModelFormatError(f"{p}: not a word2vec vector file")
