"""The side-by-side benchmark suite behind ``fastw2v bench`` (fastw2v, gensim and peers on PATH)."""
