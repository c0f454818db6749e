"""The public ``fastw2v.train``: on this machine (:func:`fastw2v.training.api.train`), or on a Dask
cluster when ``client`` is given (:func:`fastw2v.cluster.api.train`, imported only then, so the
single-machine path never imports dask)."""
from __future__ import annotations

import inspect

from .training import api as _local

_CLUSTER_DOC = """\
    client : distributed.Client or str, optional
        Train on a Dask cluster: a ``distributed.Client``, or the address of its scheduler
        (``"tcp://host:8786"``). Needs ``pip install "fastw2v[dask]"``. The corpus must be a path
        every worker can read (the same path on a shared filesystem) or a URL fsspec opens
        (``s3://...``). It is cut into one byte range per worker; the workers count words in
        parallel, encode their range once and train in synchronous rounds that the client
        averages (README, "Training on a cluster"). ``workers`` is then the threads per Dask
        worker (default: each worker's ``nthreads``) and ``cache_dir`` the directory where each
        worker keeps its encoded range (default: the worker's fastw2v cache). ``emb.stats``
        gains ``cluster``: rounds, bytes sent, communication share and per-worker figures.
    sync_words : int, optional
        With ``client``: words each worker trains per round between two averagings (default
        250,000, where 2 workers kept the quality of one machine on wiki100m). Each round sends
        ``2 * V * dim * 4`` bytes to every worker and back; more words per round transfer less
        and average more coarsely (1,000,000 cost about 1 analogy point; measured:
        benchmarks/README.md). Raise it when the transfer dominates (large ``V * dim``, slow
        network).
"""


def train(corpus, *, client=None, sync_words=None, **kwargs):
    # The signature and docstring are set below from the single-machine train().
    if client is None:
        if sync_words is not None:
            raise ValueError(f"sync_words needs client (a Dask cluster), got sync_words="
                             f"{sync_words!r} without one")
        return _local.train(corpus, **kwargs)
    from .cluster.api import train as cluster_train
    return cluster_train(corpus, client=client, sync_words=sync_words, **kwargs)


def _signature() -> inspect.Signature:
    sig = inspect.signature(_local.train)
    extra = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None)
             for name in ("client", "sync_words")]
    params = list(sig.parameters.values())
    at = next((i for i, p in enumerate(params) if p.kind is inspect.Parameter.VAR_KEYWORD),
              len(params))  # before **unknown
    return sig.replace(parameters=[*params[:at], *extra, *params[at:]])


def _docstring() -> str:
    doc = _local.train.__doc__ or ""
    mark = "\n    Returns\n    -------"
    if mark not in doc:  # pragma: no cover - the local docstring always has the section
        return doc + "\n" + _CLUSTER_DOC
    return doc.replace(mark, "\n" + _CLUSTER_DOC + mark, 1)


train.__signature__ = _signature()
# typing.get_type_hints resolves the (string) annotations in the globals of __wrapped__.
train.__wrapped__ = _local.train
train.__annotations__ = {**_local.train.__annotations__, "client": "Any",
                         "sync_words": "Optional[int]"}
train.__doc__ = _docstring()
train.__module__ = "fastw2v"
