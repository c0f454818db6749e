"""Wikipedia (MediaWiki XML) dumps to plain-text corpora: bz2 block finding, markup stripping,
normalisation and the ordered multi-process pipeline.

Modules, each importing only those listed before it: ``markup`` and ``normalize`` (text),
``sequential`` (sequential decompression, the task record), ``bz2blocks`` (bzip2 blocks and tasks
of block runs), ``pages`` (pages to cleaned articles), ``pipeline`` (the ordered multi-process
pipeline) and ``dump`` (the entry points: ``is_wiki_dump``, ``iter_articles``, ``dump_to_text``,
``ensure_text_corpus``, ``DumpStats``).
"""
