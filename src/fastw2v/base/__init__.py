"""Layer 0 helpers every other layer may use: validation, atomic writes, paths, the terminal.

Nothing here imports numpy or numba at module level, so the CLI's ``--help`` stays fast.
"""
