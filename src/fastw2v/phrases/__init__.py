"""Phrase detection (word2vec.c's word2phrase, gensim's ``Phrases``): count adjacent word pairs of
the token stream in a compiled hash table, score them, and rewrite the corpus with frequent
collocations joined (``new york`` -> ``new_york``). Entry point:
:func:`fastw2v.phrases.api.find_phrases`; the command is ``fastw2v phrases``."""
