"""numpy protocols for Jet: ufuncs dispatch to the rule table by name, and a
small set of array functions (sum, mean, stack, where, ...) act on the batch.

This module fills the registries of ``jets.jet`` (``ARRAY_FUNCTIONS``, the
NEP-18 ``implements`` idiom, and ``UFUNC_HANDLER``); anything not registered
raises TypeError naming the numpy function, so that a jet never silently
turns into a plain array and loses its derivatives.
"""

import numpy as np

from . import backend as B
from . import jet as _jet
from .engine import Operand, align
from .jet import (
    Comparison,
    Jet,
    _like_numpy,
    _matmul,
    _reduce_axes,
    _shift_axis,
    _stand_in,
    common_space,
    compare,
    constant,
    normalize_axis_index,
)
from .kernels import check_result, constant_like, pad
from .majorants import unit_roundoff
from .rules import ALIASES, RULES, _where_ties

__all__ = ["array_ufunc", "implements", "stack", "concatenate", "where"]

_COMPARISONS = {"less", "less_equal", "greater", "greater_equal", "equal", "not_equal"}
_ON_COEFFS = {"isfinite": np.all, "isnan": np.any, "isinf": np.any}


def _foreign(objs):
    """True if another type with its own __array_ufunc__ takes part (defer to it)."""
    for o in objs:
        if isinstance(o, (Jet, np.ndarray, np.generic)):
            continue
        if getattr(type(o), "__array_ufunc__", None) is not None:
            return True
    return False


def array_ufunc(ufunc, method, inputs, kwargs):
    if _foreign(inputs):
        return NotImplemented
    name = ufunc.__name__
    out = kwargs.pop("out", None)
    if out is not None and any(o is not None for o in (out if isinstance(out, tuple) else (out,))):
        raise TypeError(
            f"numpy.{name}(..., out=...) cannot write into a jet: jets are "
            f"immutable; use the returned value"
        )
    if method == "reduce" and name == "add" and len(inputs) == 1:
        axis = kwargs.pop("axis", 0)
        keepdims = kwargs.pop("keepdims", False)
        _refuse(kwargs, "add.reduce")
        return inputs[0].sum(axis=axis, keepdims=keepdims)
    if kwargs:
        raise TypeError(f"numpy.{name}: keyword(s) {sorted(kwargs)} are not supported on jets")
    if method != "__call__":
        raise TypeError(f"numpy.{name}.{method} is not supported for jets")
    if name in _COMPARISONS:
        return compare(name, *inputs)
    if name in _ON_COEFFS:
        (x,) = inputs
        return _ON_COEFFS[name](ufunc(x._coeffs), axis=0)
    if name == "matmul":
        return _matmul(*inputs)
    if name == "conjugate":  # coefficient-wise: the variables are real
        return inputs[0].conj()
    if name in RULES or name in ALIASES:
        return _jet.apply(name, *inputs)
    raise TypeError(
        f"numpy.{name} is not supported for jets: see the function table in "
        f"docs/functions.md for what is"
    )


# -------------------------------------------------------------- functions
def _common(jets):
    return common_space(*jets)


def _coeffs_all(arrays):
    """Coefficient arrays of a mix of jets and constants on one space, variable
    subset, degree prefix and batch rank: returns (space, vars, arrays)."""
    jets = [a for a in arrays if isinstance(a, Jet)]
    S = _common(jets)
    vars, sub, aligned = align(S, [Operand(j._coeffs, j._vars) for j in jets])
    it = iter(aligned)
    cs = [next(it) if isinstance(a, Jet) else constant_like(sub, B.asarray(a)) for a in arrays]
    top = max(sub.top_degree.get(c.shape[0], 0) for c in cs)
    cs = [pad(sub, c, top) for c in cs]
    ndim = max(c.ndim for c in cs)
    cs = [c.reshape(c.shape[:1] + (1,) * (ndim - c.ndim) + c.shape[1:]) for c in cs]
    return S, vars, cs


def _check_arrays(arrays, name):
    """The arguments of stack/concatenate as a non-empty list."""
    try:
        arrays = list(arrays)
    except TypeError:
        raise TypeError(f"{name} takes a sequence of jets, got {type(arrays).__name__}") from None
    if not arrays:
        raise ValueError(f"{name} needs at least one jet, got an empty sequence")
    return arrays


def _shape(a):
    return a.shape if isinstance(a, Jet) else np.shape(a)


def _errors_all(S, arrays, ndim):
    """The (M list, E list) of a mix of jets and constants for a structural
    operation, each (S.ncoeffs, ...) of `ndim` axes; None if no jet is tracked.
    Untracked jets and constants count as exact."""
    if not any(isinstance(a, Jet) and a._err is not None for a in arrays):
        return None
    Ms, Es = [], []
    for a in arrays:
        if isinstance(a, Jet) and a._err is not None:
            M, E = a._err
        else:
            c = a._stored_full() if isinstance(a, Jet) else pad(S, constant_like(S, B.asarray(a)))
            M = np.abs(c).astype(float)
            E = np.zeros(M.shape)
        Ms.append(M.reshape(M.shape[:1] + (1,) * (ndim - M.ndim) + M.shape[1:]))
        Es.append(E.reshape(Ms[-1].shape))
    return Ms, Es


def _joined(S, vars, arrays, cs, join):
    """Jet of join(coefficient arrays); a tracked one joins its M and E the same way."""
    c = join(cs)
    errs = _errors_all(S, arrays, cs[0].ndim)
    err = None if errs is None else (join(errs[0]), join(errs[1]))
    return Jet._wrap(S, c, vars, err)


#: jets.slots sets this: (arrays, axis) -> a SlotJet when stacking seeded
#: variables keeps per-element variable sets, else None
STACK_HOOK = [None]


def stack(arrays, axis=0):
    """Stack jets (and constants) along a new batch axis, like np.stack.

    The jets must all have one shape and `axis` must be valid for the result, as
    in numpy (numpy's errors).  Plain numbers and arrays are constants, broadcast
    to the jets' shape (numpy's error if they do not broadcast to it).

    Stacking seeded variables of one seeding of 8 or more variables (jets each
    depending on the same number of variables, an int order) along axis 0 gives a
    ``jets.slots.SlotJet``: the same jets, each item keeping its own variables
    (docs/guide.md, "Many variables: per-element variable sets")."""
    arrays = _check_arrays(arrays, "stack")
    if not any(isinstance(a, Jet) for a in arrays):
        return np.stack(arrays, axis=axis)  # no jet: numpy's own result
    if STACK_HOOK[0] is not None:
        out = STACK_HOOK[0](arrays, axis)  # per-element variable sets (jets.slots)
        if out is not None:
            return out
    target = next(a.shape for a in arrays if isinstance(a, Jet))
    shapes = [
        a.shape
        if isinstance(a, Jet)
        else _like_numpy(lambda d: np.broadcast_to(d, target), np.shape(a)).shape
        for a in arrays
    ]
    if len(set(shapes)) > 1:
        np.stack([_stand_in(s) for s in shapes], axis=axis)  # numpy's error
    ax = normalize_axis_index(axis, len(shapes[0]) + 1) + 1  # numpy's own check
    S, vars, cs = _coeffs_all(arrays)
    if len({c.shape for c in cs}) > 1:
        # broadcasting (9000,) with (9000, 1) can make far more than the inputs hold
        check_result(cs[0].shape[0] * len(cs), *(c.shape[1:] for c in cs))

    def join(xs):
        xs = np.broadcast_arrays(*xs) if len({x.shape[1:] for x in xs}) > 1 else xs
        return np.stack(xs, axis=ax)

    return _joined(S, vars, arrays, cs, join)


def concatenate(arrays, axis=0):
    """Join jets (and constants) along an existing batch axis, like np.concatenate:
    numpy's shapes and errors (same ndim >= 1, sizes equal off the axis; axis=None
    joins the flattened operands)."""
    arrays = _check_arrays(arrays, "concatenate")
    if not any(isinstance(a, Jet) for a in arrays):
        return np.concatenate(arrays, axis=axis)
    shapes = [_shape(a) for a in arrays]
    _like_numpy(lambda *d: np.concatenate(d, axis=axis), *shapes)  # numpy's errors
    S, vars, cs = _coeffs_all(arrays)
    flat = axis is None
    ax = 1 if flat else _shift_axis(axis, len(shapes[0]))

    def join(xs):
        if flat:
            xs = [x.reshape(x.shape[0], -1) for x in xs]
        return np.concatenate(xs, axis=ax)

    return _joined(S, vars, arrays, cs, join)


def where(cond, a, b):
    """Choose a where cond else b, pointwise over the batch, every coefficient
    from the chosen side; cond, a and b broadcast against each other like
    np.where (numpy's error if not).

    cond is read by its values, except where it is a comparison of jets
    (``x > 0``, a :class:`Comparison`) whose two sides are equal at a point:
    there the side the condition holds on near the point decides, by the
    series of the difference (docs/guide.md, "Edge points")."""
    operands = cond._operands if isinstance(cond, Comparison) else None
    if isinstance(cond, Jet):
        cond = cond.value
    cond = B.asarray(cond, dtype=bool)
    if not isinstance(a, Jet) and not isinstance(b, Jet):
        return np.where(cond, a, b)
    shapes = [cond.shape, _shape(a), _shape(b)]
    try:
        ndim = len(np.broadcast_shapes(*shapes))
    except ValueError:
        _like_numpy(np.where, *shapes)  # numpy's error
        raise
    if operands is not None:
        out = _where_at_ties(cond, a, b, *operands)
        if out is not None:
            return out
    S, vars, cs = _coeffs_all([a, b])
    cond = cond.reshape((1,) * (ndim + 1 - cond.ndim) + cond.shape)

    def join(xs):
        xs = [x.reshape(x.shape[:1] + (1,) * (ndim + 1 - x.ndim) + x.shape[1:]) for x in xs]
        return np.where(cond, xs[0], xs[1])

    return _joined(S, vars, [a, b], cs, join)


def _where_at_ties(cond, a, b, op, lhs, rhs):
    """where(cond, a, b) for cond = op(lhs, rhs) when the two sides tie at some
    point; None when nothing needs the series (no tie, complex values, a jet of
    another space, constant operands): then cond's values decide."""
    with np.errstate(all="ignore"):
        if not np.any(np.equal(*(x.value if isinstance(x, Jet) else x for x in (lhs, rhs)))):
            return None
        jets = [x for x in (a, b) if isinstance(x, Jet)]
        try:
            D = _jet.apply("subtract", lhs, rhs)
        except (TypeError, ValueError):
            return None
        if (
            not jets
            or D._coeffs.shape[0] == 1
            or D.dtype.kind not in "fO"
            or not (D._space is jets[0]._space or D._space == jets[0]._space)
        ):
            return None
        S, vars, (ca, cb, cd) = _coeffs_all([a, b, D])
        out = _where_ties(S.subspace(vars), op, cond, ca, cb, cd)
        errs = _errors_all(S, [a, b], out.ndim)
    if errs is None:
        return Jet._wrap(S, out, vars)
    # at a tie either side may be taken: the larger majorant and error cover both
    M, E = (np.maximum(*np.broadcast_arrays(*x)) for x in errs)
    return Jet._wrap(S, out, vars, (M, E))


def _refuse(kw, name):
    """TypeError for keywords given a non-default value: never drop one silently."""
    given = sorted(k for k, v in kw.items() if v is not None and v is not np._NoValue)
    if given:
        raise TypeError(f"numpy.{name}: keyword(s) {given} are not supported on jets")


def _masked(a, where):
    """The jet with batch entries outside `where` set to zero."""
    if where is None or where is True:
        return a
    w = np.asarray(where, dtype=bool)
    return a._map(lambda c: np.where(w, c, 0))


def _check_reduction(fn, a, axis, keepdims, where):
    """numpy's errors for this reduction of an array of the jet's batch shape (a
    stand-in of ones when no `where` mask needs the true shape)."""
    shape = (1,) * a.ndim if where is None or where is True else a.shape
    kw = {} if where is None or where is True else {"where": where}
    _like_numpy(fn, shape, axis=axis, keepdims=keepdims, **kw)


def _sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """Sum over the batch (linear: coefficient-wise); `initial` adds to the value."""
    _no_out(out, "sum")
    _refuse({"dtype": dtype}, "sum")
    _check_reduction(np.sum, a, axis, keepdims, where)
    r = _masked(a, where).sum(axis=axis, keepdims=keepdims)
    if initial is not None and initial is not np._NoValue:
        r = r + initial
    return r


def _mean(a, axis=None, dtype=None, out=None, keepdims=False, where=None):
    """Mean over the batch (linear: coefficient-wise), with numpy's `where`."""
    _no_out(out, "mean")
    _refuse({"dtype": dtype}, "mean")
    if where is None or where is True:
        return a.mean(axis=axis, keepdims=keepdims)
    _check_reduction(np.mean, a, axis, keepdims, where)
    w = np.broadcast_to(np.asarray(where, dtype=bool), a.shape)
    total = _masked(a, where).sum(axis=axis, keepdims=keepdims)
    count = w.sum(axis=axis, keepdims=keepdims)
    return total / count


def _no_out(out, name):
    if out is not None:
        raise TypeError(f"numpy.{name}(..., out=...) cannot write into a jet")


def _dot(a, b, out=None):
    """np.dot with jets: numpy's shapes and errors.  A 0-d operand multiplies; up
    to 2-d it is a @ b; else the sum over the last axis of a and the second-to-last
    of b (the last if b is 1-d), the other axes of a then of b in order."""
    _no_out(out, "dot")
    sa, sb = _shape(a), _shape(b)
    if not sa or not sb:
        return a * b
    kb = len(sb) - 2 if len(sb) > 1 else 0
    if sa[-1] != sb[kb]:
        _like_numpy(np.dot, sa, sb)  # numpy's error
        raise ValueError(f"dot: shapes {sa} and {sb} not aligned")
    if len(sa) <= 2 and len(sb) <= 2:
        return _matmul(a, b)
    if isinstance(a, Jet) and isinstance(b, Jet):
        if len(sb) == 1:
            return (a * b).sum(axis=-1)
        # r[I, J, q] = sum_k a[I, k] b[J, k, q]
        a2 = a.reshape(sa[:-1] + (1,) * (len(sb) - 2) + (sa[-1], 1))
        return (a2 * b).sum(axis=-2)
    if isinstance(b, Jet):  # dot(M, C[i]) for each coefficient: L lands after M's axes
        c, m = b._coeffs, B.asarray(a)
        out = np.tensordot(m, c, axes=([m.ndim - 1], [kb + 1]))
        return b._new(np.moveaxis(out, m.ndim - 1, 0))
    c, m = a._coeffs, B.asarray(b)
    return a._new(np.tensordot(c, m, axes=([c.ndim - 1], [kb])))


def _shape_fn(name):
    def f(a, *args, **kwargs):
        if name == "shape":
            return a.shape
        if name == "ndim":
            return a.ndim
        if name == "size":
            return a.size
        if name == "len":
            return len(a)

    return f


def _reshape(a, shape=None, order="C", **kw):
    if shape is None:
        shape = kw.pop("newshape", None)
    if order != "C":
        raise TypeError(f"numpy.reshape: order={order!r} is not supported on jets (C only)")
    _refuse(kw, "reshape")
    return a.reshape(shape)


def _transpose(a, axes=None):
    return a.transpose() if axes is None else a.transpose(axes)


def _coeffwise(fn):
    """Lift a batch-shape function of numpy onto the coefficient array."""

    def f(a, *args, **kwargs):
        return a._map(lambda c: fn(c, *args, **kwargs))

    return f


def _moveaxis(a, source, destination):
    _like_numpy(lambda d: np.moveaxis(d, source, destination), a.shape)
    if a.ndim == 0:
        return a
    src, dst = _shift_axis(source, a.ndim), _shift_axis(destination, a.ndim)
    return a._map(lambda c: np.moveaxis(c, src, dst))


def _swapaxes(a, axis1, axis2):
    _like_numpy(lambda d: np.swapaxes(d, axis1, axis2), a.shape)
    ax1, ax2 = _shift_axis(axis1, a.ndim), _shift_axis(axis2, a.ndim)
    return a._map(lambda c: np.swapaxes(c, ax1, ax2))


def _reshaped(a, new_shape):
    """The jet with its batch reshaped to numpy's result shape (a view)."""
    return a._map(lambda c: c.reshape(c.shape[:1] + tuple(new_shape)))


def _expand_dims(a, axis):
    return _reshaped(a, _like_numpy(lambda d: np.expand_dims(d, axis), a.shape).shape)


def _squeeze(a, axis=None):
    return a.squeeze(axis)


def _broadcast_to(a, shape, subok=False):
    """The jets broadcast to `shape` like np.broadcast_to on the values: the batch
    axes only (the coefficient axis is kept in front, never broadcast)."""
    shape = _like_numpy(lambda d: np.broadcast_to(d, shape), a.shape).shape

    def f(c):  # batch axes align on the right, never with the coefficient axis
        c = c.reshape(c.shape[:1] + (1,) * (len(shape) + 1 - c.ndim) + c.shape[1:])
        return np.broadcast_to(c, (c.shape[0],) + shape)

    return a._map(f)


def _ravel(a, order="C"):
    if order != "C":
        raise TypeError(f"numpy.ravel: order={order!r} is not supported on jets (C only)")
    return a.ravel()


def _cumsum(a, axis=None, dtype=None, out=None):
    _no_out(out, "cumsum")
    _refuse({"dtype": dtype}, "cumsum")
    _like_numpy(np.cumsum, (1,) * a.ndim, axis=axis)  # numpy's errors
    if axis is None or a.ndim == 0:  # numpy: the flattened array (a 0-d one too)
        a, axis = a.ravel(), 0
    ax = _shift_axis(axis, a.ndim)
    return a._map(lambda c: np.cumsum(c, axis=ax), sums=a._coeffs.shape[ax])


def _diff(a, n=1, axis=-1):
    _like_numpy(np.diff, (1,) * a.ndim, n=n, axis=axis)  # numpy's errors
    if n == 0:  # numpy returns the input as it is (axis unchecked)
        return a
    ax = _shift_axis(axis, a.ndim)
    c = np.diff(a._coeffs, n=n, axis=ax)
    if a._err is None:
        return a._new(c)

    def absdiff(X):  # |n-th difference| <= the n-fold sum of neighbours
        for _ in range(n):
            X = np.take(X, range(1, X.shape[ax]), axis=ax) + np.take(
                X, range(X.shape[ax] - 1), axis=ax
            )
        return X

    M = absdiff(a._err[0])
    return a._new(c, (M, absdiff(a._err[1]) + n * unit_roundoff(c.dtype)[0] * M))


def _atleast_1d(*arys):
    """Like np.atleast_1d: a 0-d jet becomes shape (1,); plain operands go to numpy;
    several operands give a tuple, as in numpy 2."""
    res = [
        (a.reshape(1) if a.ndim == 0 else a) if isinstance(a, Jet) else np.atleast_1d(a)
        for a in arys
    ]
    return res[0] if len(res) == 1 else tuple(res)


def _clip(a, a_min=None, a_max=None, out=None, **kw):
    _no_out(out, "clip")
    a_min = kw.pop("min", a_min)
    a_max = kw.pop("max", a_max)
    _refuse(kw, "clip")
    if a_min is None:
        a_min = -np.inf
    if a_max is None:
        a_max = np.inf
    return _jet.apply("clip", a, a_min, a_max)


def _where(cond, *ab):
    if len(ab) != 2:
        raise TypeError("np.where(cond) without a and b is not supported for jets")
    return where(cond, *ab)


def _stack(arrays, axis=0, out=None, **kw):
    _no_out(out, "stack")
    _refuse(kw, "stack")
    return stack(arrays, axis=axis)


def _concatenate(arrays, axis=0, out=None, **kw):
    _no_out(out, "concatenate")
    _refuse(
        {k: v for k, v in kw.items() if not (k == "casting" and v == "same_kind")}, "concatenate"
    )
    return concatenate(arrays, axis=axis)


def _copy(a, *args, **kwargs):
    return a.copy()


# ------------------------------------------------------- more of numpy
def _max_by_value(a, axis, keepdims, argfn):
    """The jets at the arg-extremum of the values along `axis` (argfn: np.argmax or
    np.argmin; numpy's first index at ties, a nan value wins as in np.max):
    every coefficient is taken from that position."""
    if axis is None:
        a, axis = a.ravel(), 0
    if a.ndim == 0:
        return a
    ax = normalize_axis_index(axis, a.ndim)
    idx = np.expand_dims(argfn(a.value, axis=ax), ax)[None]

    def pick(c):
        r = np.take_along_axis(
            c,
            np.broadcast_to(idx, (c.shape[0],) + idx.shape[1:]) if c.shape[0] != 1 else idx,
            axis=ax + 1,
        )
        return r if keepdims else r.squeeze(ax + 1)

    return a._map(pick)


def _extremum(argfn, name):
    def f(a, axis=None, out=None, keepdims=False, initial=np._NoValue, where=np._NoValue):
        _no_out(out, name)
        _refuse({"initial": initial, "where": where}, name)
        _like_numpy(getattr(np, name), (1,) * a.ndim, axis=axis, keepdims=keepdims)
        if isinstance(axis, tuple):
            if len(axis) != 1:
                raise TypeError(
                    f"numpy.{name} over several axes is not supported on jets: "
                    f"reshape so that they form one axis"
                )
            axis = axis[0]
        return _max_by_value(a, axis, keepdims, argfn)

    return f


def _arg(argfn, name):
    def f(a, axis=None, out=None, keepdims=np._NoValue):
        _no_out(out, name)
        kw = {} if keepdims is np._NoValue else {"keepdims": keepdims}
        return argfn(a.value, axis=axis, **kw)

    return f


def _tree_prod(a, ax):
    """Product of the jets along coefficient-array axis `ax` by halving (log2 n
    vectorised products, no loop over points)."""
    while a.shape[ax - 1] > 1:
        n = a.shape[ax - 1]
        take = (slice(None),) * (ax - 1)
        lo = a[take + (slice(0, n // 2),)]
        hi = a[take + (slice(n // 2, 2 * (n // 2)),)]
        rest = a[take + (slice(2 * (n // 2), n),)]
        a = concatenate([lo * hi, rest], axis=ax - 1) if n % 2 else lo * hi
    return a


def _prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """Product over the batch: the truncated series product of the factors."""
    _no_out(out, "prod")
    _refuse({"dtype": dtype, "where": where}, "prod")
    _like_numpy(np.prod, (1,) * a.ndim, axis=axis, keepdims=keepdims)
    if a.ndim == 0:
        r = a
    else:
        axes = (
            tuple(range(a.ndim))
            if axis is None
            else tuple(np.atleast_1d(_reduce_axes(axis, a.ndim)) - 1)
        )
        keep = [k for k in range(a.ndim) if k not in axes]
        moved = a.transpose(keep + list(axes))
        flat = moved.reshape(moved.shape[: len(keep)] + (-1,))
        if flat.shape[-1] == 0:
            r = constant(np.ones(flat.shape[:-1], dtype=a.dtype), a)
        else:
            r = _tree_prod(flat, flat.ndim).squeeze(-1)
        if keepdims:
            shape = tuple(1 if k in axes else s for k, s in enumerate(a.shape))
            r = r.reshape(shape)
    if initial is not None and initial is not np._NoValue:
        r = r * initial
    return r


def _cumprod(a, axis=None, dtype=None, out=None):
    """Running products (a scan by doubling: log2 n vectorised products)."""
    _no_out(out, "cumprod")
    _refuse({"dtype": dtype}, "cumprod")
    _like_numpy(np.cumprod, (1,) * a.ndim, axis=axis)
    if axis is None or a.ndim == 0:
        a, axis = a.ravel(), 0
    ax = normalize_axis_index(axis, a.ndim)
    n = a.shape[ax]
    pre = (slice(None),) * ax
    k = 1
    while k < n:
        head = a[pre + (slice(0, k),)]
        tail = a[pre + (slice(k, n),)] * a[pre + (slice(0, n - k),)]
        a = concatenate([head, tail], axis=ax)
        k *= 2
    return a


def _var(
    a,
    axis=None,
    dtype=None,
    out=None,
    ddof=0,
    keepdims=False,
    where=None,
    mean=None,
    correction=None,
):
    """Variance: mean of |a - mean|^2 (with numpy's ddof), as a jet."""
    _no_out(out, "var")
    _refuse({"dtype": dtype, "where": where, "mean": mean}, "var")
    if correction is not None:
        ddof = correction
    _like_numpy(np.var, (1,) * a.ndim, axis=axis, keepdims=keepdims)
    m = a.mean(axis=axis, keepdims=True)
    dev = a - m
    sq = dev.real**2 + dev.imag**2 if a.dtype.kind == "c" else dev * dev
    n = (
        a.size
        if axis is None
        else int(np.prod([a.shape[i - 1] for i in np.atleast_1d(_reduce_axes(axis, a.ndim))]))
    )
    return sq.sum(axis=axis, keepdims=keepdims) / (n - ddof)


def _std(
    a,
    axis=None,
    dtype=None,
    out=None,
    ddof=0,
    keepdims=False,
    where=None,
    mean=None,
    correction=None,
):
    """Standard deviation: sqrt of the variance (derivatives inf/nan where it is 0)."""
    _no_out(out, "std")
    return np.sqrt(_var(a, axis, dtype, None, ddof, keepdims, where, mean, correction))


def _real(a):
    return a.real


def _imag(a):
    return a.imag


def _angle(z, deg=False):
    """arg z = arctan2(imag, real), as a jet (rad2deg with deg=True)."""
    r = _jet.apply("arctan2", z.imag, z.real)
    return _jet.apply("rad2deg", r) if deg else r


def _like(fill):
    def f(a, dtype=None, order="K", subok=True, shape=None, **kw):
        """A constant jet (no derivatives) of the seeding of `a`, like np.%s_like."""
        _refuse(kw, "zeros_like")
        value = np.full(
            a.shape if shape is None else shape, fill, dtype=a.dtype if dtype is None else dtype
        )
        return constant(value, a)

    return f


def _full_like(a, fill_value, dtype=None, order="K", subok=True, shape=None):
    value = np.full(
        a.shape if shape is None else shape,
        _jet._value(fill_value),
        dtype=a.dtype if dtype is None else dtype,
    )
    if isinstance(fill_value, Jet):
        return fill_value + constant(np.zeros(value.shape, value.dtype), a)
    return constant(value, a)


def _atleast_2d(*arys):
    res = []
    for a in arys:
        if isinstance(a, Jet):
            res.append(a.reshape((1,) * (2 - a.ndim) + a.shape) if a.ndim < 2 else a)
        else:
            res.append(np.atleast_2d(a))
    return res[0] if len(res) == 1 else tuple(res)


def _vstack(tup, *, dtype=None, casting="same_kind"):
    """Like np.vstack: atleast_2d, then concatenate along axis 0."""
    _refuse({"dtype": dtype}, "vstack")
    arrays = [_atleast_2d(a) for a in _check_arrays(tup, "vstack")]
    return concatenate(arrays, axis=0)


def _hstack(tup, *, dtype=None, casting="same_kind"):
    """Like np.hstack: atleast_1d, then concatenate along axis 0 (1-d) or 1."""
    _refuse({"dtype": dtype}, "hstack")
    arrays = [_atleast_1d(a) for a in _check_arrays(tup, "hstack")]
    return concatenate(arrays, axis=0 if _shape(arrays[0]) and len(_shape(arrays[0])) == 1 else 1)


def _flip(m, axis=None):
    _like_numpy(lambda d: np.flip(d, axis), m.shape)
    ax = _shift_axis(axis, m.ndim)
    return m._map(lambda c: np.flip(c, ax))


def _roll(a, shift, axis=None):
    _like_numpy(lambda d: np.roll(d, shift, axis), a.shape)
    if axis is None:
        return a.ravel()._map(lambda c: np.roll(c, shift, 1)).reshape(a.shape)
    ax = _shift_axis(axis, a.ndim)
    return a._map(lambda c: np.roll(c, shift, ax))


def _polyval(p, x):
    """p[0] x^(n-1) + ... + p[n-1] by Horner's scheme (jets or numbers anywhere)."""
    if isinstance(p, Jet):
        if p.ndim != 1:
            raise ValueError("np.polyval: the coefficients p must be 1-d")
        terms = [p[i] for i in range(p.shape[0])]
    else:
        terms = list(np.asarray(p)) if not isinstance(p, (list, tuple)) else list(p)
    y = x * 0
    for c in terms:
        y = y * x + c
    return y


def _sinc(x):
    """np.sinc(jet): the rule sinc (numpy's normalised sin(pi x)/(pi x))."""
    return _jet.apply("sinc", x)


_HANDLED = {
    np.sum: _sum,
    np.mean: _mean,
    np.dot: _dot,
    np.matmul: _matmul,
    np.stack: _stack,
    np.concatenate: _concatenate,
    np.where: _where,
    np.reshape: _reshape,
    np.transpose: _transpose,
    np.moveaxis: _moveaxis,
    np.swapaxes: _swapaxes,
    np.expand_dims: _expand_dims,
    np.squeeze: _squeeze,
    np.broadcast_to: _broadcast_to,
    np.ravel: _ravel,
    np.cumsum: _cumsum,
    np.diff: _diff,
    np.shape: _shape_fn("shape"),
    np.ndim: _shape_fn("ndim"),
    np.size: _shape_fn("size"),
    np.atleast_1d: _atleast_1d,
    np.clip: _clip,
    np.copy: _copy,
    np.sinc: _sinc,
    np.max: _extremum(np.argmax, "max"),
    np.min: _extremum(np.argmin, "min"),
    np.amax: _extremum(np.argmax, "amax"),
    np.amin: _extremum(np.argmin, "amin"),
    np.argmax: _arg(np.argmax, "argmax"),
    np.argmin: _arg(np.argmin, "argmin"),
    np.prod: _prod,
    np.cumprod: _cumprod,
    np.var: _var,
    np.std: _std,
    np.real: _real,
    np.imag: _imag,
    np.angle: _angle,
    np.zeros_like: _like(0),
    np.ones_like: _like(1),
    np.empty_like: _like(0),
    np.full_like: _full_like,
    np.atleast_2d: _atleast_2d,
    np.vstack: _vstack,
    np.hstack: _hstack,
    np.flip: _flip,
    np.roll: _roll,
    np.polyval: _polyval,
}


def implements(*funcs):
    """Register the decorated function as the jets implementation of `funcs`."""

    def register(impl):
        for f in funcs:
            _jet.ARRAY_FUNCTIONS[f] = impl
        return impl

    return register


for _func, _impl in _HANDLED.items():
    implements(_func)(_impl)
_jet.UFUNC_HANDLER[0] = array_ufunc
