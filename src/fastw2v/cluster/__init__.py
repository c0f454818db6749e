"""Data-parallel training on a Dask cluster: byte-range parts, a merged vocabulary, synchronous
rounds with model averaging (:mod:`fastw2v.cluster.rounds`), tasks Dask may re-run
(:mod:`fastw2v.cluster.tasks`). Needs the ``dask`` extra; importing this package does not import
dask (``fastw2v.cluster.api`` asks for it when called)."""
