"""The one place that names the array library.

Kernels and rules create arrays and call the few array primitives they need
through this module only, so that another numpy-compatible library (dask,
cupy) can be slotted in later by changing this file alone.
"""

import numpy as xp

__all__ = [
    "xp",
    "asarray",
    "zeros",
    "empty",
    "result_dtype",
    "broadcast_shapes",
    "contract",
    "segment_sum",
]

asarray = xp.asarray
zeros = xp.zeros
zeros_like = xp.zeros_like
empty_like = xp.empty_like
multiply = xp.multiply
add = xp.add
subtract = xp.subtract
negative = xp.negative
isnan = xp.isnan
where = xp.where
nan = xp.nan


def take(x, index, out=None):
    """x[index] along the coefficient axis (axis 0), optionally into `out`."""
    # mode="clip": the indices come from our own tables and are always valid,
    # and with out= numpy's default mode="raise" buffers the whole result
    return xp.take(x, index, axis=0, out=out, mode="clip")


empty = xp.empty


_F64 = xp.dtype(xp.float64)


def result_dtype(*arrays):
    """dtype of the coefficients for these inputs: ints promote to float64,
    float32, complex and object (Fraction) are kept, as numpy promotes."""
    for a in arrays:
        if getattr(a, "dtype", None) != _F64:
            return xp.result_type(
                *(
                    x
                    if isinstance(x, (xp.ndarray, xp.generic, int, float, complex))
                    else xp.asarray(x)
                    for x in arrays
                ),
                1.0,
            )
    return _F64


def broadcast_shapes(*shapes):
    """numpy.broadcast_shapes, with the common case of equal shapes first."""
    first = shapes[0]
    for s in shapes[1:]:
        if s != first:
            return xp.broadcast_shapes(*shapes)
    return first


def contract(x, y, out=None):
    """sum_i x[i] * y[i] over the leading axis, broadcasting the rest:
    (m, *bx), (m, *by) -> broadcast(bx, by) (into `out` when given)."""
    if out is not None:
        return xp.einsum("i...,i...->...", x, y, out=out, casting="same_kind")
    return xp.asarray(xp.einsum("i...,i...->...", x, y))


def segment_sum(x, starts):
    """Sums of consecutive runs of x along axis 0 starting at `starts`."""
    return xp.add.reduceat(x, starts, axis=0)
