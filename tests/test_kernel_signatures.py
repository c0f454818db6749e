"""The shape of the compiled API: no njit function takes more than a dozen parameters, and the
named-tuple constructors fix the argument types (one numba specialisation for every caller).

That training and the kernel tests really run *one* specialisation of ``train_shard`` is checked
at the end of ``test_kernels.py``, after the kernel tests' own calls.
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import numba
import numpy as np

import fastw2v
import fastw2v.kernels
from fastw2v.kernels.driver import MODEL_CBOW, MODEL_CBOW_HS, MODEL_HOGBATCH, MODEL_SKIPGRAM_HS
from fastw2v.kernels.state import (Params, allocate_thread_state, make_params, make_shared,
                                   make_tables, make_weights, token_stream)

#: The most parameters an njit function may take: beyond this, group the arrays into the named
#: tuples of fastw2v.kernels.state.
MAX_PARAMETERS = 12


def _dispatchers():
    """Every numba dispatcher defined in a module of fastw2v.kernels: {qualified name: py_func}."""
    found = {}
    for info in pkgutil.walk_packages(fastw2v.kernels.__path__, "fastw2v.kernels."):
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            py_func = getattr(obj, "py_func", None)
            if py_func is not None and py_func.__module__ == module.__name__:  # not a re-export
                found[f"{module.__name__}.{name}"] = py_func
    return found


def test_no_njit_function_takes_more_than_twelve_parameters():
    found = _dispatchers()
    # the walk must see the driver, the block helpers and the flat updates, or it proves nothing
    for name in ("driver.train_shard", "skipgram.skipgram_block", "hogbatch.hogbatch_block",
                 "cbow.cbow_block", "cbow.cbow_update", "hogbatch.hogbatch_update",
                 "sgd.ns_update", "blocks.fill_block", "hs.hs_update", "hs.skipgram_hs_block",
                 "hs.cbow_hs_block", "huffman._merge"):
        assert f"fastw2v.kernels.{name}" in found
    too_many = {name: len(inspect.signature(f).parameters) for name, f in found.items()
                if len(inspect.signature(f).parameters) > MAX_PARAMETERS}
    assert not too_many, f"njit functions with more than {MAX_PARAMETERS} parameters: {too_many}"


def test_numba_is_only_used_inside_the_kernels_package():
    """So the walk above over fastw2v.kernels sees every njit function of fastw2v."""
    root = Path(fastw2v.__file__).parent
    outside = [str(p.relative_to(root)) for p in root.rglob("*.py")
               if "kernels" not in p.relative_to(root).parts
               and ("import numba" in p.read_text() or "from numba" in p.read_text())]
    assert outside == []


def test_params_have_fixed_types_whatever_the_caller_passes():
    """A float32 learning rate (what the kernel tests used to pass) and a Python float (what
    training passes) must give the same numba type, or the tests run a kernel training never
    runs."""
    from_python = make_params(MODEL_HOGBATCH, 5, 5, 0.025, 0.0001, 1000)
    from_numpy = make_params(np.int32(MODEL_HOGBATCH), np.int64(5), np.uint8(5),
                             np.float32(0.025), np.float32(0.0001), np.int32(1000))
    assert numba.typeof(from_python) == numba.typeof(from_numpy)
    assert [type(v) for v in from_python] == [np.int64] * 3 + [np.float64] * 2 + [np.int64]
    # ... and the check is able to tell: a Params built around the constructor is another type
    bypass = from_python._replace(alpha0=np.float32(0.025))
    assert isinstance(bypass, Params) and numba.typeof(bypass) != numba.typeof(from_python)


def test_state_constructors_give_one_type_for_any_configuration():
    """Window, negatives, dimension, model and hierarchical softmax change sizes and values,
    never types."""
    counts = np.array([50, 30, 20, 5, 1], dtype=np.int64)
    tokens = np.array([0, 1, 2, -1, 3, 4, 0], dtype=np.int32)
    types = set()
    for model, window, negative, dim, sample, hs in ((MODEL_HOGBATCH, 5, 5, 100, 1e-3, False),
                                                     (MODEL_CBOW, 1, 0, 7, 0.0, False),
                                                     (MODEL_SKIPGRAM_HS, 3, 0, 20, 1e-3, True),
                                                     (MODEL_CBOW_HS, 2, 4, 5, 0.0, True)):
        params = make_params(model, window, negative, 0.05, 0.0, 10)
        weights = make_weights(len(counts), dim, 0, hs=hs)
        thread = allocate_thread_state(3, params, weights.syn0.shape[1], 1)
        types.add(tuple(numba.typeof(x) for x in (
            weights, make_tables(counts, sample, hs=hs), params, make_shared(4), thread,
            token_stream(tokens))))
    assert len(types) == 1


def test_thread_state_sizes_and_alignment():
    params = make_params(MODEL_HOGBATCH, 4, 6, 0.025, 0.0001, 100)
    th = allocate_thread_state(2, params, 32, 9)
    from fastw2v.kernels.blocks import block_buffer_size
    from fastw2v.kernels.rng import thread_states
    assert th.slot == 2 and th.rng[0] == thread_states(9, 3)[2, 0]
    assert th.cursor[0] == -1
    assert th.buf.shape == (block_buffer_size(4),) and th.targets.shape == (2, 7)
    assert th.neu1.shape == th.neu1e.shape == (32,)
    assert th.contexts.shape == (2, 8) and th.grad.shape == (8 * 7,) and th.grad_in.shape == (8, 32)
    for name, a in th._asdict().items():
        if isinstance(a, np.ndarray):
            assert a.ctypes.data % 64 == 0 and a.flags.c_contiguous, name
    shared = make_shared(3)
    assert shared.progress.ctypes.data % 64 == 0 and shared.progress.shape == (24,)


def test_token_stream_is_a_read_only_view():
    tokens = np.arange(10, dtype=np.int32)
    view = token_stream(tokens)
    assert np.shares_memory(view, tokens) and not view.flags.writeable
    assert tokens.flags.writeable  # the caller's array is untouched
