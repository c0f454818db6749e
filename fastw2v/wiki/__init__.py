"""Wikipedia (MediaWiki XML) dumps to plain-text corpora: bz2 block finding, markup stripping,
normalisation and the ordered multi-process pipeline."""
