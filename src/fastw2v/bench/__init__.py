"""The benchmark library behind ``fastw2v bench`` and ``benchmarks/``.

* :mod:`fastw2v.bench.suite`: fastw2v, gensim and word2vec.c side by side (one run, the
  interleaved comparison, tables, the scaling plot, the machine's description);
* :mod:`fastw2v.bench.child`: ``run_in_child``, the one way to run a measurement in a fresh child
  process (its own peak RSS, no warm caches), and ``peak_rss_mb``.

The command line lives in :mod:`fastw2v.cli.bench`; this package never imports :mod:`fastw2v.cli`.
"""
