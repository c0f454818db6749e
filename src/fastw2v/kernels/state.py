"""The named tuples of arrays the njit kernels take, and the only code that allocates them.

A kernel call used to take 29 positional arguments; every caller (the trainer, the kernel tests,
the micro-benchmarks) recomputed the scratch sizes, and numba does no bounds checks, so a wrong size
corrupted memory silently. The arrays are now grouped by who owns and who writes them:

* :class:`Weights` -- the model, shared by all threads and written without locks (**the Hogwild
  rule is documented there, once**);
* :class:`Tables` -- read-only lookup tables, built once per run;
* :class:`Params` -- the run's scalars, with fixed NumPy types;
* :class:`Shared` -- counters written by several threads, each in its own cache line;
* :class:`ThreadState` -- everything one worker thread owns: RNG state, cursor, statistics and
  scratch.

They are module-level ``typing.NamedTuple`` classes: numba passes a named tuple of arrays to an
njit function as its fields (no copy, no indirection) and can cache functions taking them, which
a ``jitclass`` cannot. Build them only with the constructors below (:func:`make_weights` or
:func:`as_weights`, :func:`make_tables`, :func:`make_params`, :func:`make_shared`,
:func:`allocate_thread_state`, :func:`token_stream`): they fix every dtype, layout and size, so
every caller gets the same numba specialisation of :func:`fastw2v.kernels.driver.train_shard` --
the one training runs -- and :func:`allocate_thread_state` is the single place that knows the
scratch sizes.
"""
from __future__ import annotations

from typing import NamedTuple, Optional

import numpy as np

from . import tables as _tables
from .huffman import HuffmanCodes, huffman_codes
from .blocks import PROGRESS_STRIDE, STATS_WIDTH, block_buffer_size
from .rng import thread_states

#: Fields of a thread's cursor (:attr:`ThreadState.cursor`): next stream position, ids held in the
#: block buffer, first untrained center in it.
CURSOR_POS = 0
CURSOR_FILL = 1
CURSOR_FIRST = 2
CURSOR_SIZE = 3

#: The dtype of the token stream (``SENTENCE_END`` = -1 between sentences).
TOKEN_DTYPE = np.int32


class Weights(NamedTuple):
    """The model: input and output vectors, shared by all worker threads.

    Attributes
    ----------
    syn0 : float32[n_words, width], C-contiguous
        Input vectors (the word vectors a model exports), initialised uniform in
        ``[-0.5/dim, 0.5/dim)``.
    syn1 : float32[n_words, width], C-contiguous
        Output ("negative-sampling") vectors, initialised to 0.
    syn1hs : float32[n_words - 1, width] with hierarchical softmax, else float32[0, width]
        Output vectors of the Huffman tree's inner nodes (:mod:`fastw2v.kernels.hs`),
        initialised to 0.

    ``width`` is ``dim`` padded to :data:`fastw2v.kernels.tables.ROW_ALIGN_FLOATS`; padding
    columns start at 0 and stay exactly 0, and every row starts on a cache line (see
    :func:`fastw2v.kernels.tables.initial_weights`). Written by every worker thread's kernel;
    the main thread reads them only while the workers are stopped (divergence check, evaluation
    loss, checkpoints).

    Hogwild
    -------
    Both matrices are read and written by all threads **without locks** (Niu et al. 2011), and
    this is the only place where races are allowed: every other array a kernel writes is either
    thread-private (:class:`ThreadState`) or a per-thread slot of :class:`Shared`. A race on a
    weight row can only lose or mix a few float updates on a row two threads touch at the same
    instant: thread A reads row ``r``, thread B writes ``r``, A writes back its own update
    computed from the older value. With vocabularies of 10^4..10^7 rows such collisions are rare,
    each update is small (``alpha * O(1)``) and SGD tolerates the noise, which is why word2vec.c
    and gensim also run this way. Only the few most frequent rows collide often, and those
    receive so many updates that a lost one does not matter. The races are tolerated on

    * ``syn1`` rows of the targets, by every model (:func:`fastw2v.kernels.sgd.ns_update`,
      :func:`fastw2v.kernels.hogbatch.hogbatch_update`);
    * ``syn1hs`` rows of the inner nodes on a path (:func:`fastw2v.kernels.hs.hs_update`); the
      root and the nodes near it are on every path;
    * ``syn0`` rows of the context words, between a kernel's read of a row and its write-back of
      the accumulated gradient (skip-gram, CBOW, shared negatives alike).

    Within one thread every update is computed from a consistent snapshot, so a run with one
    worker and a fixed seed is bit-for-bit reproducible.
    """

    syn0: np.ndarray
    syn1: np.ndarray
    syn1hs: np.ndarray


class Tables(NamedTuple):
    """Read-only lookup tables, built once per run by :func:`make_tables` (never written).

    Attributes
    ----------
    sig : float32[SIGMOID_TABLE_SIZE]
        Tabulated sigmoid (:func:`fastw2v.kernels.tables.sigmoid_tables`).
    logsig : float32[SIGMOID_TABLE_SIZE]
        Tabulated log-sigmoid, same bins.
    keep_threshold : uint64[n_words]
        Subsampling keep-thresholds on ``[0, 2**32]``
        (:func:`fastw2v.kernels.tables.keep_thresholds`).
    ns_threshold : uint64[n_words]
        Alias table of the negative-sampling distribution: keep-threshold of each column
        (:func:`fastw2v.kernels.tables.alias_table`).
    ns_alias : int32[n_words]
        Alias table: the other index stored in each column.
    hs_codes : uint8[total path length]
        Hierarchical softmax: the Huffman code of every word, flat
        (:func:`fastw2v.kernels.huffman.huffman_codes`); empty without hierarchical softmax.
    hs_points : int32[total path length]
        The inner nodes (rows of :attr:`Weights.syn1hs`) on every word's path, root first.
    hs_offsets : int64[n_words + 1]
        Word ``w``'s path is ``hs_offsets[w]:hs_offsets[w + 1]``; all zeros without
        hierarchical softmax.
    """

    sig: np.ndarray
    logsig: np.ndarray
    keep_threshold: np.ndarray
    ns_threshold: np.ndarray
    ns_alias: np.ndarray
    hs_codes: np.ndarray
    hs_points: np.ndarray
    hs_offsets: np.ndarray


class Params(NamedTuple):
    """The scalars of a run, with fixed NumPy types (built only by :func:`make_params`).

    numba compiles one specialisation per argument *type*: a ``float32`` learning rate and a
    Python ``float`` would compile (and test) two different kernels. :func:`make_params` converts
    every field, so every caller runs the specialisation training runs.

    Attributes
    ----------
    model : np.int64
        :data:`fastw2v.kernels.driver.MODEL_SKIPGRAM`, ``MODEL_HOGBATCH``, ``MODEL_CBOW``,
        ``MODEL_SKIPGRAM_HS`` or ``MODEL_CBOW_HS``.
    window : np.int64
        Maximum window (each center draws its own from ``1..window``), ``>= 1``.
    negative : np.int64
        Negatives drawn per example (per center with shared negatives), ``>= 0``; 0 trains
        hierarchical softmax alone (the ``*_HS`` models).
    alpha0, min_alpha : np.float64
        The learning rate decays linearly from ``alpha0`` to ``min_alpha`` ...
    total_words : np.int64
        ... over this many words read by all threads in all epochs (``>= 1``).
    """

    model: np.int64
    window: np.int64
    negative: np.int64
    alpha0: np.float64
    min_alpha: np.float64
    total_words: np.int64


class Shared(NamedTuple):
    """Counters written by several threads, each in a cache line of its own (built by
    :func:`make_shared`).

    Attributes
    ----------
    progress : int64[n_threads * PROGRESS_STRIDE]
        Words read so far, all epochs; thread ``t`` adds to ``progress[t * PROGRESS_STRIDE]``
        only (:func:`fastw2v.kernels.blocks.publish_progress`) and reads the other slots without
        synchronisation to compute the learning rate (a stale count delays the decay by one
        block). The main thread reads it for the progress line and checkpoints.
    stop_flag : int64[1]
        Written by the main thread only: ``stop_flag[0] != 0`` asks every kernel to return at its
        next block boundary (checkpoint or Ctrl-C); read by the kernels.
    """

    progress: np.ndarray
    stop_flag: np.ndarray


class ThreadState(NamedTuple):
    """Everything one worker thread owns; only that thread's kernel writes it while it runs.

    Built only by :func:`allocate_thread_state`. Every array starts on a cache line and owns its
    last line (:func:`fastw2v.kernels.tables.aligned_zeros`), so two threads never write to the
    same cache line (no false sharing).

    Attributes
    ----------
    slot : np.int64
        This thread's index: its slot in :attr:`Shared.progress` and its RNG stream.
    rng : uint64[1]
        xorshift64* state (:mod:`fastw2v.kernels.rng`), seeded from ``(seed, slot)``; carried
        from one kernel call to the next and checkpointed.
    cursor : int64[CURSOR_SIZE]
        ``(pos, fill, first)`` where the walk of the shard stopped; ``pos < 0`` starts the shard
        afresh. Written by the kernel on return, reset by the main thread at each epoch's start,
        checkpointed.
    stats : float64[STATS_WIDTH]
        Accumulated statistics (``STAT_WORDS_KEPT``, ``STAT_EXAMPLES``, ``STAT_LOSS`` of
        :mod:`fastw2v.kernels.blocks`), added to after every block; read by the main thread
        (progress line, epoch statistics) and checkpointed.
    buf : int32[block_buffer_size(window)]
        The block buffer of kept word ids (:mod:`fastw2v.kernels.blocks`); checkpointed, since a
        paused walk resumes with its contents.
    targets : int64[2, negative + 1]
        The positive word and the negatives of one example (row 0). Shared negatives alternate
        the two rows: the next center's targets are drawn into one while the current center
        trains with the other (its output rows are prefetched meanwhile). Hierarchical softmax
        needs no scratch of its own: its path is in :class:`Tables`, its gradient goes to
        ``neu1e``.
    neu1 : float32[width]
        CBOW hidden vector (mean of the context vectors).
    neu1e : float32[width]
        Accumulated gradient of the hidden vector (skip-gram and CBOW).
    contexts : int64[2, 2 * window]
        Shared negatives: the context word ids of the current and the next window.
    grad : float32[2 * window * (negative + 1)]
        Shared negatives: the scaled errors ``G`` of one window.
    grad_in : float32[2 * window, width]
        Shared negatives: the input gradients ``G T`` of one window.
    """

    slot: np.int64
    rng: np.ndarray
    cursor: np.ndarray
    stats: np.ndarray
    buf: np.ndarray
    targets: np.ndarray
    neu1: np.ndarray
    neu1e: np.ndarray
    contexts: np.ndarray
    grad: np.ndarray
    grad_in: np.ndarray


# --- constructors: the only code that knows dtypes, layouts and sizes -----------------------------
def hs_rows(n_words: int, hs: bool) -> int:
    """Rows of :attr:`Weights.syn1hs`: one per inner node of the Huffman tree (``n_words - 1``)
    with hierarchical softmax, none without."""
    return max(n_words - 1, 0) if hs else 0


def make_weights(n_words: int, dim: int, seed: int, hs: bool = False) -> Weights:
    """Freshly initialised :class:`Weights` (:func:`fastw2v.kernels.tables.initial_weights`);
    ``syn1hs`` holds the inner-node vectors (zero) when ``hs``, no row otherwise."""
    syn0, syn1 = _tables.initial_weights(n_words, dim, seed)
    return Weights(syn0, syn1, _tables.aligned_zeros((hs_rows(n_words, hs), syn0.shape[1])))


def weights_from(syn0: np.ndarray, syn1: np.ndarray, syn1hs: Optional[np.ndarray] = None,
                 hs: bool = False) -> Weights:
    """:class:`Weights` holding copies of given ``(n_words, dim)`` input and output vectors
    (continued training), padded and aligned exactly as :func:`make_weights` lays them out.
    ``syn1hs`` (``(n_words - 1, dim)``) holds the inner-node vectors; None with ``hs`` starts
    them at zero."""
    syn0 = np.asarray(syn0)
    syn1 = np.asarray(syn1)
    if syn0.ndim != 2 or syn0.shape != syn1.shape:
        raise ValueError(f"input vectors {syn0.shape} and output vectors {syn1.shape} must be "
                         f"2-D arrays of the same shape")
    n_words, dim = syn0.shape
    width = _tables.padded_width(dim)
    out = []
    for w in (syn0, syn1):
        padded = _tables.aligned_zeros((n_words, width))
        padded[:, :dim] = w
        out.append(padded)
    inner = _tables.aligned_zeros((hs_rows(n_words, hs or syn1hs is not None), width))
    if syn1hs is not None:
        syn1hs = np.asarray(syn1hs)
        if syn1hs.shape != (inner.shape[0], dim):
            raise ValueError(f"inner-node vectors {syn1hs.shape} must be {(inner.shape[0], dim)}")
        inner[:, :dim] = syn1hs
    return Weights(*out, inner)


def as_weights(syn0: np.ndarray, syn1: np.ndarray,
               syn1hs: Optional[np.ndarray] = None) -> Weights:
    """:class:`Weights` over existing matrices (tests, benchmarks), checked for the kernels' types.

    The arrays are used in place, not copied: the kernels update them. ``syn1hs=None`` gives an
    empty inner-node matrix (no hierarchical softmax).
    """
    if syn1hs is None:
        syn1hs = _tables.aligned_zeros((0, syn0.shape[1] if syn0.ndim == 2 else 0))
    for name, w in (("syn0", syn0), ("syn1", syn1), ("syn1hs", syn1hs)):
        if w.dtype != np.float32 or w.ndim != 2 or not w.flags.c_contiguous:
            raise ValueError(f"{name} must be a C-contiguous 2-D float32 array")
    if syn0.shape != syn1.shape:
        raise ValueError(f"syn0 {syn0.shape} and syn1 {syn1.shape} differ in shape")
    if syn1hs.shape[1] != syn0.shape[1] or syn1hs.shape[0] >= max(syn0.shape[0], 1):
        raise ValueError(f"syn1hs {syn1hs.shape} must have {syn0.shape[1]} columns and fewer "
                         f"rows than syn0 {syn0.shape}")
    return Weights(syn0, syn1, syn1hs)


def make_tables(counts: np.ndarray, sample: float, ns_exponent: float = 0.75,
                hs: bool = False) -> Tables:
    """The lookup tables of a vocabulary with ``counts`` (sorted or not), subsampling ``sample``
    and negative-sampling exponent ``ns_exponent``; with ``hs`` the Huffman paths of
    hierarchical softmax (:func:`fastw2v.kernels.huffman.huffman_codes`), else empty ones."""
    sig, logsig = _tables.sigmoid_tables()
    threshold, alias = _tables.alias_table(_tables.negative_weights(counts, ns_exponent))
    if hs:
        tree = huffman_codes(counts)
    else:
        tree = HuffmanCodes(codes=np.zeros(0, np.uint8), points=np.zeros(0, np.int32),
                            offsets=np.zeros(len(counts) + 1, np.int64))
    return Tables(sig=sig, logsig=logsig, keep_threshold=_tables.keep_thresholds(counts, sample),
                  ns_threshold=threshold, ns_alias=alias, hs_codes=tree.codes,
                  hs_points=tree.points, hs_offsets=tree.offsets)


def make_params(model: int, window: int, negative: int, alpha0: float, min_alpha: float,
                total_words: int) -> Params:
    """:class:`Params` with every field converted to its fixed type (see :class:`Params`)."""
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    if negative < 0:
        raise ValueError(f"negative must be >= 0, got {negative}")
    return Params(model=np.int64(model), window=np.int64(window), negative=np.int64(negative),
                  alpha0=np.float64(alpha0), min_alpha=np.float64(min_alpha),
                  total_words=np.int64(max(1, int(total_words))))


def make_shared(n_threads: int) -> Shared:
    """Zeroed :class:`Shared` counters for ``n_threads`` threads (progress slots one cache line
    apart, starting on a cache line)."""
    return Shared(progress=_tables.aligned_zeros(n_threads * PROGRESS_STRIDE, np.int64),
                  stop_flag=_tables.aligned_zeros(1, np.int64))


def allocate_thread_state(slot: int, params: Params, width: int, seed: int) -> ThreadState:
    """Thread ``slot``'s state for a run with ``params`` and weight rows of ``width`` floats.

    The only place that knows the scratch sizes. Every array is zeroed and cache-line aligned,
    the RNG is seeded from ``(seed, slot)`` (:func:`fastw2v.kernels.rng.thread_states`) and the
    cursor says "start the shard" (``pos = -1``).
    """
    private = _tables.aligned_zeros
    window, negative = int(params.window), int(params.negative)
    w, k = 2 * window, negative + 1
    rng = private(1, np.uint64)
    rng[:] = thread_states(seed, slot + 1)[slot]
    cursor = private(CURSOR_SIZE, np.int64)
    cursor[CURSOR_POS] = -1
    return ThreadState(slot=np.int64(slot), rng=rng, cursor=cursor,
                       stats=private(STATS_WIDTH, np.float64),
                       buf=private(block_buffer_size(window), np.int32),
                       targets=private((2, k), np.int64),
                       neu1=private(width, np.float32), neu1e=private(width, np.float32),
                       contexts=private((2, w), np.int64), grad=private(w * k, np.float32),
                       grad_in=private((w, width), np.float32))


def token_stream(tokens: np.ndarray) -> np.ndarray:
    """The token stream as the kernels take it: a read-only, C-contiguous int32 1-D array.

    Training reads a read-only ``np.memmap``; an in-memory array (tests, benchmarks) would make
    numba compile a second, writable-array specialisation. Returns a read-only view (no copy of
    an int32 stream, memory-mapped or not).
    """
    view = np.ascontiguousarray(tokens, dtype=TOKEN_DTYPE).view(np.ndarray)
    if view.ndim != 1:
        raise ValueError(f"the token stream must be 1-D, got shape {view.shape}")
    view.flags.writeable = False
    return view


class Probe(NamedTuple):
    """The fixed examples of the evaluation loss (:mod:`fastw2v.training.evalloss`), built only
    by :func:`make_probe_arrays`, which checks every id a kernel will look up.

    Attributes
    ----------
    centers : int32[n]
        Center words (the positive targets).
    contexts : int32[n, 2 * window]
        Each center's context words; -1 where there is none (sentence or stream edge).
    negatives : int32[n, negative]
        Each center's negatives, shared by its whole window.
    """

    centers: np.ndarray
    contexts: np.ndarray
    negatives: np.ndarray


def make_probe_arrays(centers: np.ndarray, contexts: np.ndarray, negatives: np.ndarray,
                      n_words: int) -> Probe:
    """A :class:`Probe` of int32 C-contiguous arrays; raises ``ValueError`` if a shape does not
    fit or an id is outside ``[0, n_words)`` (-1 allowed as a context)."""
    arrays = [np.ascontiguousarray(a, dtype=TOKEN_DTYPE) for a in (centers, contexts, negatives)]
    c, ctx, neg = arrays
    n = c.shape[0]
    if c.ndim != 1 or ctx.ndim != 2 or neg.ndim != 2 or ctx.shape[0] != n or neg.shape[0] != n:
        raise ValueError(f"probe arrays do not fit: centers {c.shape}, contexts {ctx.shape}, "
                         f"negatives {neg.shape}")
    for name, a, low in (("centers", c, 0), ("contexts", ctx, -1), ("negatives", neg, 0)):
        if a.size and (a.min() < low or a.max() >= n_words):
            raise ValueError(f"probe {name} hold ids outside [{low}, {n_words})")
    return Probe(centers=c, contexts=ctx, negatives=neg)
