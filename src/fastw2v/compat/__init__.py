"""gensim-compatible front ends over fastw2v's engine: :class:`~fastw2v.compat.word2vec.Word2Vec`
and :class:`~fastw2v.compat.keyedvectors.KeyedVectors` (``fastw2v.Word2Vec``,
``fastw2v.KeyedVectors``), with gensim's parameter names, defaults, methods and result shapes."""
