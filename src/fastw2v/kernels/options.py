"""The one place where numba compilation options are set.

Every compiled function in fastw2v is decorated with :func:`kernel` (drivers that own a loop) or
:func:`inline_kernel` (small helpers that do one update), so the options below apply everywhere.

* ``nogil=True``: kernels release the GIL so Python threads run them in parallel (Hogwild).
* ``cache=True``: compiled machine code is written next to the module and reused, so the compile
  cost (seconds) is paid once per installation, not once per process. Numba checks only the
  cached function's own source file: after editing an inlined helper in another module (say
  ``hogbatch.py``), the driver's cache (``driver.train_shard``) is stale. Developers delete the
  caches after such an edit: ``find src -name '*.nbi' -o -name '*.nbc' | xargs rm -f``. (An
  installed package is never edited, so users never meet this.)
* ``fastmath``: only the flags that let LLVM reassociate and fuse the float32 dot products and
  axpy loops into SIMD code (``reassoc``, ``contract``, ``nsz``, ``arcp``, ``afn``). We leave out
  ``nnan``/``ninf`` on purpose: with them LLVM may assume no NaN exists, which would hide a
  diverging run instead of letting the divergence guard see it.
"""
from numba import njit

FASTMATH_FLAGS = frozenset({"reassoc", "contract", "nsz", "arcp", "afn"})

NUMBA_OPTIONS = dict(nogil=True, cache=True, fastmath=set(FASTMATH_FLAGS))


def kernel(fn):
    """Compile ``fn`` as a nogil, cached numba kernel (a driver that owns a loop)."""
    return njit(**NUMBA_OPTIONS)(fn)


def inline_kernel(fn):
    """Compile ``fn`` as a small helper that numba inlines into its callers."""
    return njit(inline="always", **NUMBA_OPTIONS)(fn)
