"""The ``fastw2v`` command line: one module per command group. Nothing in the library imports it."""
