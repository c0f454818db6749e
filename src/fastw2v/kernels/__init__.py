"""Everything numba compiles: random numbers, lookup tables, the Huffman tree of hierarchical
softmax, the per-model updates, the driver that walks a shard, the phrase pair counter, and the
named tuples of arrays they take."""
