"""Trained vectors: the :class:`Embeddings` container, its queries and its file formats."""
