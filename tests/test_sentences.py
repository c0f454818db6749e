"""Sentences in memory (fastw2v.corpus.sentences): token lists, generators and text streams are
streamed into the token stream and train exactly as the same text in a file; one tokenisation
rule (ASCII whitespace) for the file reader and every in-memory path; a leading BOM is no part of
the first word."""
from __future__ import annotations

import gc
import io
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest

import fastw2v
from fastw2v.corpus import sentences as sent
from fastw2v.corpus.cache import prepare_corpus
from fastw2v.corpus.reader import count_words, tokenize
from fastw2v.errors import CorpusError

FIXTURE = Path(__file__).resolve().parents[1] / "data" / "fixtures" / "tiny.txt"

#: Every separator and near-separator: ASCII whitespace splits; U+00A0, U+3000, U+2028, U+0085,
#: U+001C..U+001F and a BOM inside the text are parts of tokens, as in the file reader.
TRICKY = ("alpha beta\tgamma\r\nalpha\x0bdelta\x0cbeta  \n\n   \n"
          "no\u00a0break ideo\u3000space sep\u2028line nel\u0085x fs\x1cgs\x1drs\x1eus\x1f "
          "alpha mid\ufeffbom\n"
          "last line without newline alpha")


def _lines_to_sentences(text: str):
    return [tokenize(line) for line in text.split("\n")]


def _prepared_file(tmp_path, data: bytes, **kw):
    path = tmp_path / "corpus.txt"
    path.write_bytes(data)
    return prepare_corpus(path, min_count=1, use_cache=False, **kw)


# ------------------------------------------------------------------------------------------- #
# one tokenisation rule
# ------------------------------------------------------------------------------------------- #
def test_tokenize_splits_on_ascii_whitespace_only():
    assert tokenize(" a\tb\nc\rd\x0be\x0cf ") == list("abcdef")
    kept = "no\u00a0break ideo\u3000space x\u2028y n\u0085z fs\x1cgs"
    assert tokenize(kept) == ["no\u00a0break", "ideo\u3000space", "x\u2028y", "n\u0085z",
                              "fs\x1cgs"]
    assert len(kept.split()) > len(tokenize(kept))  # str.split() would cut these words


@pytest.mark.parametrize("kind", ["token lists", "generator", "StringIO", "BytesIO",
                                  "text file object"])
def test_every_in_memory_form_gives_the_file_readers_vocabulary_and_stream(tmp_path, kind):
    data = ("\ufeff" + TRICKY).encode("utf-8")
    ref = _prepared_file(tmp_path, data)
    assert "\ufeffalpha" not in ref.vocab.words and "alpha" in ref.vocab.words
    assert "mid\ufeffbom" in ref.vocab.words  # only the leading BOM is dropped
    lists = _lines_to_sentences(TRICKY)
    src = {"token lists": lambda: lists,
           "generator": lambda: (s for s in lists),
           "StringIO": lambda: io.StringIO("\ufeff" + TRICKY),
           "BytesIO": lambda: io.BytesIO(data),
           "text file object": lambda: open(tmp_path / "corpus.txt", encoding="utf-8",
                                            newline="")}[kind]()
    got = sent.prepare_sentences(src, min_count=1)
    assert got.vocab == ref.vocab
    assert np.array_equal(np.asarray(got.tokens), np.asarray(ref.tokens))
    assert (got.n_raw_tokens, got.n_sentences) == (ref.n_raw_tokens, ref.n_sentences)
    if hasattr(src, "close"):
        src.close()


@pytest.mark.parametrize("chunk_bytes", [1, 2, 3, 4, 1 << 20])
def test_a_leading_bom_is_not_part_of_the_first_word(tmp_path, chunk_bytes):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfhello world hello\n")
    cc = count_words(path, chunk_bytes=chunk_bytes)
    assert cc.counts == {"hello": 2, "world": 1}


def test_a_bom_alone_is_an_empty_corpus(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf")
    with pytest.raises(CorpusError, match="contains no tokens"):
        count_words(path)


def test_a_gzip_corpus_with_a_bom(tmp_path):
    import gzip
    path = tmp_path / "bom.txt.gz"
    path.write_bytes(gzip.compress(b"\xef\xbb\xbfa b a\n"))
    assert count_words(path).counts == {"a": 2, "b": 1}


# ------------------------------------------------------------------------------------------- #
# training: identical to the file
# ------------------------------------------------------------------------------------------- #
@pytest.mark.parametrize("sg", [True, False])
def test_train_on_sentences_equals_train_on_the_file(tmp_path, sg):
    text = FIXTURE.read_text(encoding="utf-8")
    kw = dict(dim=16, epochs=2, min_count=2, workers=1, seed=3, sg=sg, progress=False)
    ref = fastw2v.train(FIXTURE, use_cache=False, **kw)
    for corpus in (_lines_to_sentences(text), io.StringIO(text),
                   (s for s in _lines_to_sentences(text))):
        emb = fastw2v.train(corpus, **kw)
        assert emb.words == ref.words
        assert emb.vectors.tobytes() == ref.vectors.tobytes()
        assert emb.stats["raw_words"] == ref.stats["raw_words"]


def test_train_on_sentences_with_max_vocab_size(tmp_path):
    sents = [["a", "b", "a"], ["c", "a", "b"], ["d"]] * 50
    emb = fastw2v.train(sents, dim=4, epochs=1, min_count=1, max_vocab_size=3, workers=1,
                        progress=False)
    assert emb.words[:2] == ["a", "b"] and len(emb) <= 3
    with pytest.raises(TypeError, match="max_vocab_size needs two passes"):
        fastw2v.train(iter(sents), dim=4, min_count=1, max_vocab_size=3, progress=False)


def test_gensim_parameter_names_get_a_hint():
    with pytest.raises(TypeError, match=r"'vector_size'; fastw2v.train calls it dim .*"
                                        r"fastw2v.Word2Vec"):
        fastw2v.train([["a", "b"]], vector_size=10)
    with pytest.raises(TypeError, match=r"'cbow_mean'; cbow_mean is a gensim Word2Vec "
                                        r"parameter: use fastw2v.Word2Vec"):
        fastw2v.train([["a", "b"]], cbow_mean=1)
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'windw'$"):
        fastw2v.train([["a", "b"]], windw=5)


# ------------------------------------------------------------------------------------------- #
# errors
# ------------------------------------------------------------------------------------------- #
@pytest.mark.parametrize("bad, error, match", [
    ("some text", TypeError, "got a path-like str"),
    (5, TypeError, "must be an iterable of token lists .* got int"),
    (["a b c"], TypeError, r"sentence #0 is a str \('a b c'\), not a list of tokens: split it"),
    ([["a"], "b c"], TypeError, r"sentence #1 is a str"),
    ([["a"], 3], TypeError, r"sentence #1 is a int, not a list of str tokens"),
    ([["a", 1]], TypeError, "tokens must be str, got int 1"),
    ([["a", ["b"]]], TypeError, r"tokens must be str, got list \['b'\]"),
    ([["new york"]], CorpusError, r"token 'new york' contains whitespace"),
    ([["a\tb"]], CorpusError, r"token 'a\\tb' contains whitespace"),
    ([["a", ""]], CorpusError, "the empty string is not a token"),
    ([], CorpusError, "contain no token"),
    ([[], []], CorpusError, "contain no token"),
    (io.StringIO("  \n\n"), CorpusError, "the text stream contains no tokens"),
    ([["a", "b"]], CorpusError, r"no word in the sentences occurs at least 5 times \(min_count\)"),
])
def test_bad_sentences_are_clear_errors(bad, error, match):
    with pytest.raises(error, match=match):
        sent.prepare_sentences(bad, min_count=5)


def test_an_exhausted_generator_says_so():
    gen = (s for s in [["a", "b"]])
    list(gen)
    with pytest.raises(CorpusError, match="a generator that was already used up"):
        fastw2v.train(gen, min_count=1)


def _leftovers():
    return sorted(p for p in os.listdir(tempfile.gettempdir())
                  if p.startswith("fastw2v-sentences-"))


def test_temporary_files_are_removed(tmp_path):
    before = _leftovers()
    prepared = sent.prepare_sentences([["a", "b", "a"]] * 3, min_count=1)
    path = prepared.tokens_path
    assert path.exists()
    del prepared
    gc.collect()
    assert not path.exists()
    for bad in ([["a", 1]], [["x y"]], io.StringIO("")):
        with pytest.raises((TypeError, CorpusError), match="token"):
            sent.prepare_sentences(bad, min_count=1)
    counts = sent.read_sentences([["a"]])
    counts.discard()
    gc.collect()
    assert _leftovers() == before


def test_encode_sentences_with_a_known_vocabulary():
    prepared = sent.prepare_sentences([["a", "b", "a"], ["b", "c"]], min_count=2)
    assert prepared.vocab.words == ["a", "b"]
    encoded = sent.encode_sentences([["z", "a"], ["z"], [], ["b", "b"]], prepared.vocab)
    assert np.asarray(encoded.tokens).tolist() == [0, -1, 1, 1, -1]
    assert (encoded.n_raw_tokens, encoded.n_sentences) == (5, 3)


def test_read_sentences_buffer_encodes_with_any_later_vocabulary():
    counts = sent.read_sentences(iter([["x", "y", "x"], ["y", "z"]]))
    assert counts.counts == {"x": 2, "y": 2, "z": 1}
    from fastw2v.corpus.vocab import Vocab
    encoded = counts.encode(Vocab(["z", "x"], [1, 2]))
    assert np.asarray(encoded.tokens).tolist() == [1, 1, -1, 0, -1]
    with pytest.raises(RuntimeError, match="not buffered"):
        counts.encode(Vocab(["z"], [1]))
