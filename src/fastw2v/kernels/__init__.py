"""Everything numba compiles: random numbers, lookup tables, the Huffman tree of hierarchical
softmax, the per-model updates, the driver that walks a shard, the phrase pair counter, the tokeniser
and word look-up of corpus preparation, and the named tuples of arrays they take.

This package imports nothing of fastw2v but itself (rank 2, beside ``config``), so every layer
above it, the corpus reader included, may call compiled code."""
