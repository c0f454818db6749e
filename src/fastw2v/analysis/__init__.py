"""Functions of an :class:`~fastw2v.vectors.embeddings.Embeddings`: evaluation, probe, bias and
pictures. The vectors layer never imports this one."""
