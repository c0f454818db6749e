"""Corpus text to training input: the streaming reader, the vocabulary, the cached int32 token
stream, and named corpora (text8)."""
