"""Everything numba compiles: random numbers, lookup tables, the per-model updates, the driver
that walks a shard, and the named tuples of arrays they take."""
