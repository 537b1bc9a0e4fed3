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
from .jet import Jet, _matmul, _shift_axis, common_space
from .kernels import constant_like, pad
from .rules import ALIASES, RULES

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
        raise TypeError(f"numpy.{name}(..., out=...) cannot write into a jet: jets are "
                        f"immutable; use the returned value")
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
        vals = [x.value if isinstance(x, Jet) else x for x in inputs]
        return ufunc(*vals)
    if name in _ON_COEFFS:
        (x,) = inputs
        return _ON_COEFFS[name](ufunc(x._coeffs), axis=0)
    if name == "matmul":
        return _matmul(*inputs)
    if name in RULES or name in ALIASES:
        return _jet.apply(name, *inputs)
    raise TypeError(f"numpy.{name} is not supported for jets: see the function table in "
                    f"docs/functions.md for what is")


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
            c = a.coeffs if isinstance(a, Jet) else pad(S, constant_like(S, B.asarray(a)))
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


def stack(arrays, axis=0):
    """Stack jets (and constants) along a new batch axis, like np.stack."""
    arrays = list(arrays)
    S, vars, cs = _coeffs_all(arrays)
    ndim = cs[0].ndim
    axis = int(axis) % ndim + 1

    def join(xs):
        xs = np.broadcast_arrays(*xs) if len({x.shape[1:] for x in xs}) > 1 else xs
        return np.stack(xs, axis=axis)
    return _joined(S, vars, arrays, cs, join)


def concatenate(arrays, axis=0):
    """Join jets (and constants) along an existing batch axis, like np.concatenate."""
    arrays = list(arrays)
    S, vars, cs = _coeffs_all(arrays)
    flat = axis is None
    ax = 1 if flat else int(axis) % (cs[0].ndim - 1) + 1

    def join(xs):
        if flat:
            xs = [x.reshape(x.shape[0], -1) for x in xs]
        return np.concatenate(xs, axis=ax)
    return _joined(S, vars, arrays, cs, join)


def where(cond, a, b):
    """Choose a where cond else b, pointwise over the batch (cond on values)."""
    if isinstance(cond, Jet):
        cond = cond.value
    cond = B.asarray(cond, dtype=bool)
    S, vars, cs = _coeffs_all([a, b])
    return _joined(S, vars, [a, b], cs, lambda xs: np.where(cond[None], xs[0], xs[1]))


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


def _sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """Sum over the batch (linear: coefficient-wise); `initial` adds to the value."""
    _no_out(out, "sum")
    _refuse({"dtype": dtype}, "sum")
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
    w = np.broadcast_to(np.asarray(where, dtype=bool), a.shape)
    ax = _shift_axis(axis, a.ndim)
    total = _masked(a, where).sum(axis=axis, keepdims=keepdims)
    count = w.sum(axis=None if axis is None else tuple(np.atleast_1d(ax) - 1),
                  keepdims=keepdims)
    return total / count


def _no_out(out, name):
    if out is not None:
        raise TypeError(f"numpy.{name}(..., out=...) cannot write into a jet")


def _dot(a, b, out=None):
    _no_out(out, "dot")
    if (isinstance(a, Jet) and a.ndim == 0) or (isinstance(b, Jet) and b.ndim == 0) \
            or np.ndim(a) == 0 or np.ndim(b) == 0:
        return a * b
    return _matmul(a, b)


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
    src = _shift_axis(source if isinstance(source, (tuple, list)) else source, a.ndim)
    dst = _shift_axis(destination if isinstance(destination, (tuple, list)) else destination, a.ndim)
    return a._map(lambda c: np.moveaxis(c, src, dst))


def _swapaxes(a, axis1, axis2):
    ax1, ax2 = _shift_axis(axis1, a.ndim), _shift_axis(axis2, a.ndim)
    return a._map(lambda c: np.swapaxes(c, ax1, ax2))


def _expand_dims(a, axis):
    nd = a.ndim + 1
    ax = _shift_axis(axis, nd)
    return a._map(lambda c: np.expand_dims(c, ax))


def _squeeze(a, axis=None):
    return a.squeeze(axis)


def _broadcast_to(a, shape, subok=False):
    shape = tuple(np.atleast_1d(shape)) if not isinstance(shape, tuple) else shape
    shape = tuple(shape)

    def f(c):       # batch axes align on the right, never with the coefficient axis
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
    if axis is None:
        a, axis = a.ravel(), 0
    ax = _shift_axis(axis, a.ndim)
    return a._map(lambda c: np.cumsum(c, axis=ax), sums=a._coeffs.shape[ax])


def _diff(a, n=1, axis=-1):
    ax = _shift_axis(axis, a.ndim)
    c = np.diff(a._coeffs, n=n, axis=ax)
    if a._err is None:
        return a._new(c)
    from .majorants import unit_roundoff

    def absdiff(X):         # |n-th difference| <= the n-fold sum of neighbours
        for _ in range(n):
            X = np.take(X, range(1, X.shape[ax]), axis=ax) + \
                np.take(X, range(X.shape[ax] - 1), axis=ax)
        return X
    M = absdiff(a._err[0])
    return a._new(c, (M, absdiff(a._err[1]) + n * unit_roundoff(c.dtype)[0] * M))


def _atleast_1d(*arys):
    res = [a.reshape(1) if isinstance(a, Jet) and a.ndim == 0 else a for a in arys]
    return res[0] if len(res) == 1 else res


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
    _refuse({k: v for k, v in kw.items() if not (k == "casting" and v == "same_kind")},
            "concatenate")
    return concatenate(arrays, axis=axis)


def _copy(a, *args, **kwargs):
    return a.copy()


_HANDLED = {
    np.sum: _sum, np.mean: _mean, np.dot: _dot, np.matmul: _matmul,
    np.stack: _stack, np.concatenate: _concatenate, np.where: _where,
    np.reshape: _reshape, np.transpose: _transpose, np.moveaxis: _moveaxis,
    np.swapaxes: _swapaxes, np.expand_dims: _expand_dims, np.squeeze: _squeeze,
    np.broadcast_to: _broadcast_to, np.ravel: _ravel, np.cumsum: _cumsum, np.diff: _diff,
    np.shape: _shape_fn("shape"), np.ndim: _shape_fn("ndim"), np.size: _shape_fn("size"),
    np.atleast_1d: _atleast_1d, np.clip: _clip, np.copy: _copy,
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
