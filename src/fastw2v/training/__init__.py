"""A training run: the public :func:`train`, the threads, checkpoints and the evaluation loss."""
