"""A cache prefetch hint for numba code (``llvm.prefetch``), which numba does not expose.

Prefetching the rows the next center word will use while the current one is computed hides the
memory latency of the randomly drawn negatives' output rows.
"""
from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from .options import inline_kernel

#: ``llvm.prefetch`` arguments: a read, kept in all cache levels (locality 3), data cache (1).
_READ, _LOCALITY, _DATA_CACHE = 0, 3, 1


@intrinsic
def prefetch(typingctx, arr, row, col):
    """Hint the CPU to load the cache line holding ``arr[row, col]`` (a C-contiguous 2-D array).

    Only a hint: no value is read, nothing happens for an address outside the array.
    """
    sig = types.void(arr, types.intp, types.intp)

    def codegen(context, builder, signature, args):
        ary = context.make_array(signature.args[0])(context, builder, args[0])
        ptr = builder.gep(ary.data, [builder.add(builder.mul(args[1],
                                                             builder.extract_value(ary.shape, 1)),
                                                 args[2])])
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = builder.module.declare_intrinsic("llvm.prefetch", fnty=fnty)
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(_READ), i32(_LOCALITY), i32(_DATA_CACHE)])
        return context.get_dummy_value()

    return sig, codegen


#: Floats in one 64-byte cache line: the step of the prefetches over a row.
LINE_FLOATS = 16


@inline_kernel
def prefetch_rows(matrix, rows, n):
    """Prefetch every cache line of ``matrix[rows[k]]`` for ``k < n``."""
    width = matrix.shape[1]
    for k in range(n):
        for d in range(0, width, LINE_FLOATS):
            prefetch(matrix, rows[k], d)
