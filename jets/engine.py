"""The engine: applies a rule of the table to raw operands, with the one
shared final step.

An operand is an :class:`Operand` (the coefficient array of a jet and the
variables it depends on) or a plain value.  :func:`apply` aligns the operands
(common variable subset, degree prefix and batch rank), converts plain values
to :class:`~jets.rules.Const`, checks dtypes, runs the rule's fast path (a
hook declared on the rule) or its coefficient function, and then always runs
:func:`finish`: the dtype numpy gives the inputs, and nan poisoning (where a
value is nan no derivative is meaningful, so every coefficient, stored or not,
is nan).  The same expression therefore never gives two answers by two paths.
This module knows no Jet; ``jets.jet`` unwraps and wraps.
"""

from fractions import Fraction
from numbers import Number

import numpy as np

from . import backend as B
from . import kernels as K
from .majorants import Track, tracker
from .rules import Const

__all__ = ["Operand", "apply", "apply_tracked", "align", "union_vars", "finish", "all_numbers"]


class Operand:
    """A jet's coefficient array (L, *batch) in S.subspace(vars), and vars (a
    sorted tuple of variable indices, None for all); `err` the (M, E) pair of a
    tracked jet (majorant and error estimate, full arrays (S.ncoeffs, *batch),
    see jets.majorants), None for an untracked one."""

    __slots__ = ("coeffs", "vars", "err")

    def __init__(self, coeffs, vars, err=None):
        self.coeffs = coeffs
        self.vars = vars
        self.err = err


def all_numbers(a):
    """True if every entry of the object array `a` is a (non-bool) number."""
    return all(isinstance(v, Number) and not isinstance(v, bool) for v in a.flat)


def union_vars(S, ops):
    """The variables a combination of these operands depends on (None: all)."""
    vs = set()
    for o in ops:
        if o.vars is None:
            return None
        vs.update(o.vars)
    return None if len(vs) == S.nvars else tuple(sorted(vs))


def align(S, ops, poison=True):
    """Coefficient arrays of operands in one space, on a common variable subset
    and batch rank: returns (union vars, subspace, arrays).  poison=False: the
    rows added to an operand stay zero at its nan points (a rule's operands:
    engine.finish poisons the result there; see kernels.embed)."""
    if len(ops) == 1:
        o = ops[0]
        return o.vars, (S.subspace(o.vars) if o.vars != () else S), [o.coeffs]
    vars = union_vars(S, ops)
    ndim = max(o.coeffs.ndim for o in ops)
    arrays = []
    for o in ops:
        c = o.coeffs if o.vars == vars else K.embed(S, o.coeffs, o.vars, vars, poison=poison)
        if c.ndim < ndim:
            c = c.reshape(c.shape[:1] + (1,) * (ndim - c.ndim) + c.shape[1:])
        arrays.append(c)
    return vars, (S.subspace(vars) if vars != () else S), arrays


def _exact(x):
    """Integers as Fractions, so that exact (object) arithmetic stays exact."""
    return Fraction(x) if isinstance(x, (int, np.integer)) and not isinstance(x, bool) else x


def as_const(a, jet_dtype, rule):
    """A non-jet argument as a Const: Python scalars are weak (they take the
    jets' dtype, as in numpy), ints become Fractions next to exact jets."""
    t = type(a)
    if jet_dtype is _F64 and (t is float or (t is int and -(2**53) < a < 2**53)):
        return Const(B.asarray(a, dtype=_F64))  # the common case, as below
    if isinstance(a, (int, float, complex)) and not isinstance(a, bool):
        if jet_dtype.kind == "O":
            return Const(B.asarray(_exact(a), dtype=object))
        return Const(B.asarray(a, dtype=np.result_type(jet_dtype, a)))
    try:
        v = B.asarray(a)
    except (ValueError, TypeError):
        v = None
    if v is None or v.dtype.kind not in "biufcO" or (v.dtype.kind == "O" and not all_numbers(v)):
        raise TypeError(
            f"{rule.name}: cannot combine a jet with {type(a).__name__}: "
            f"use numbers, numpy arrays of numbers, or jets of the same seeding"
        )
    if jet_dtype.kind == "O" and v.dtype.kind != "O":
        v = v.astype(object)
        if v.dtype.kind == "O":
            v = np.vectorize(_exact, otypes=[object])(v) if v.size else v
    return Const(v)


def _to_rank(c, ndim):
    """Give a coefficient array or a Const `ndim` batch axes (leading ones of
    size 1), so that the coefficient axis never meets a batch axis."""
    if isinstance(c, Const):
        v = c.v
        return c if v.ndim == ndim else Const(v.reshape((1,) * (ndim - v.ndim) + v.shape))
    if c.ndim - 1 == ndim:
        return c
    return c.reshape(c.shape[:1] + (1,) * (ndim + 1 - c.ndim) + c.shape[1:])


def _check_dtype(rule, arrays):
    for c in arrays:
        kind = c.dtype.kind
        if kind == "c" and not rule.analytic:
            raise TypeError(
                f"{rule.name} is not analytic, so it has no complex derivative: "
                f"use it on real jets only"
            )
        if kind == "O" and not rule.rational:
            raise TypeError(
                f"{rule.name} of an object-dtype (e.g. Fraction) jet cannot be "
                f"exact: only + - * / and integer powers are; convert to float"
            )


def finish(S, out, vars, want=None):
    """The one shared final step of every rule application: cast to the dtype
    numpy gives the inputs (`want`, when internal float64 constants promoted a
    float32 jet), and nan poisoning: where the value is nan, every coefficient
    of the whole space is nan, also the degrees and variables not stored.
    Returns (coeffs, vars)."""
    if want is not None and want != out.dtype and out.dtype.kind in "fc" and want.kind in "fc":
        out = out.astype(want)
    if out.dtype.kind in "fc":
        v = out[0]
        if v.ndim == 0:
            if v != v:  # one point: the whole space is nan
                if vars is not None or out.shape[0] < S.ncoeffs:
                    out, vars = K.embed(S, out, vars, None, full=True), None
                out = np.full_like(out, np.nan)
        else:
            bad = np.isnan(v)
            if bad.any():
                # the stored coefficients of those points only: the layout (which
                # degrees and variables are stored) stays that of the batch, so a
                # point's numbers never depend on another point being nan; readers
                # (Jet._stored_full) show the unstored ones as nan there too
                out = np.where(bad, np.nan, out)
    return out, vars


def _plain_shapes(args):
    """Batch shapes of the plain (non-jet) arguments, for the memory guard."""
    shapes = []
    for a in args:
        if isinstance(a, Operand):
            continue
        if isinstance(a, (int, float, complex)):
            shapes.append(())
            continue
        sh = getattr(a, "shape", None)
        if sh is None:
            try:
                sh = np.shape(a)
            except ValueError:  # ragged: as_const reports it
                continue
        shapes.append(tuple(sh))
    return shapes


_NUMBERS = (int, float, complex)
_F64 = np.dtype(np.float64)


def apply(rule, S, args):
    """Evaluate `rule` on operands of the space S (at least one Operand).
    Returns (coeffs, vars) of the result."""
    if rule.extra == "special":
        from .rules import scipy_special

        scipy_special()
    ops = []
    numbers_only = True  # every plain argument a Python number (batch shape ())
    for a in args:
        if type(a) is Operand:
            ops.append(a)
        elif type(a) not in _NUMBERS:
            numbers_only = False
    if type(ops[0].coeffs) is not np.ndarray or (
        len(ops) > 1
        and (
            type(ops[1].coeffs) is not np.ndarray
            or (len(ops) > 2 and any(type(o.coeffs) is not np.ndarray for o in ops))
        )
    ):  # torch / cupy coefficients (or a mix, refused there)
        return _apply_foreign(rule, S, args, ops)
    if rule.fast is not None and len(ops) == 2 == len(args):
        r = rule.fast(S, (ops[0].coeffs, ops[0].vars), (ops[1].coeffs, ops[1].vars))
        if r is not None:
            return finish(S, r[0], r[1])
    vars, sub, arrays = align(S, ops, poison=False)
    if len(arrays) > 1 or not numbers_only:
        # the memory guard: broadcasting may grow the batch
        shapes = [c.shape[1:] for c in arrays]
        if not numbers_only:
            shapes += _plain_shapes(args)
        first = shapes[0]
        for sh in shapes:
            if sh != first:
                K.check_broadcast(sub, shapes)
                break
    jet_dtype = arrays[0].dtype if len(arrays) == 1 else B.result_dtype(*arrays)
    if len(ops) == len(args):
        conv = arrays
        check = jet_dtype.kind in "cO"
        const = all(c.shape[0] == 1 for c in conv)
    else:
        it = iter(arrays)
        conv = [next(it) if type(a) is Operand else as_const(a, jet_dtype, rule) for a in args]
        if not numbers_only or arrays[0].ndim != 1:
            ndim = max(c.v.ndim if type(c) is Const else c.ndim - 1 for c in conv)
            conv = [_to_rank(c, ndim) for c in conv]
        check = jet_dtype.kind in "cO" or any(
            type(c) is Const and c.v.dtype.kind in "cO" for c in conv
        )
        const = all(type(c) is Const or c.shape[0] == 1 for c in conv)
    if check:
        _check_dtype(rule, [c if type(c) is not Const else c.v for c in conv])
    with np.errstate(all="ignore"):
        if const:
            # every argument is constant: so is the result (value only)
            out = B.asarray(rule.value(*(c.v if type(c) is Const else c[0] for c in conv)))
            return finish(S, out[None], ())
        if not rule.consts_ok:
            conv = [K.constant_like(sub, c.v) if type(c) is Const else c for c in conv]
        out = rule.jet(sub, *conv)
        want = None
        if jet_dtype != out.dtype and jet_dtype.kind in "fc":
            # internal float64 constants must not promote float32 jets: the
            # result has the dtype numpy gives the inputs
            want = B.result_dtype(*(c.v if type(c) is Const else c for c in conv))
        return finish(S, out, vars, want)


#: The rules that run on torch tensors and cupy arrays (array-api-compat): the
#: elementary functions.  The others need scipy.special or numpy-only code and
#: raise the TypeError of :func:`foreign_rule` (listed in docs/backends.md).
FOREIGN_RULES = frozenset(
    """add subtract negative positive deg2rad rad2deg multiply divide reciprocal
    square power exp exp2 expm1 log log2 log10 log1p sqrt cbrt hypot sin cos tan
    arctan2 arcsin arccos arctan sinh cosh tanh arcsinh arccosh arctanh absolute
    logaddexp logaddexp2 sinpi cospi sinc expit logit erf erfc erfinv erfcx lgamma
    digamma gamma polygamma sign floor ceil trunc rint maximum minimum clip""".split()
)


def foreign_rule(rule, like):
    """TypeError unless `rule` runs on the library of `like` (a torch tensor or
    cupy array of coefficients)."""
    if rule.name not in FOREIGN_RULES:
        lib = type(like).__module__.split(".")[0]
        need = "needs scipy" if rule.extra == "special" else "numpy-only code"
        raise TypeError(
            f"jets.{rule.name} is not available for {lib} arrays ({need}); convert to "
            f"numpy (see docs/backends.md for the functions that are)"
        )


def _apply_foreign(rule, S, args, ops):
    """:func:`apply` for coefficients of another library (torch, cupy): the same
    rule code on that library's arrays, on their device, recorded by torch
    autograd; plain arguments are numbers or arrays of the same library and
    device (anything else: TypeError naming both)."""
    B.check_same(*(o.coeffs for o in ops), *(a for a in args if not isinstance(a, Operand)))
    like = ops[0].coeffs
    foreign_rule(rule, like)
    vars, sub, arrays = align(S, ops, poison=False)
    jet_dtype = B.result_dtype(*arrays)
    if B.kind(jet_dtype) == "c" and not rule.analytic:
        raise TypeError(
            f"{rule.name} is not analytic, so it has no complex derivative: "
            f"use it on real jets only"
        )
    conv, it = [], iter(arrays)
    for a in args:
        if isinstance(a, Operand):
            conv.append(next(it))
            continue
        if isinstance(a, bool) or (
            not isinstance(a, (int, float, complex, np.number)) and not B.is_foreign(a)
        ):
            raise TypeError(
                f"{rule.name}: cannot combine a {B.library(like)} jet with "
                f"{type(a).__name__}: use numbers or arrays of the same library and device"
            )
        dtype = None
        if isinstance(a, (complex, np.complexfloating)) and B.kind(jet_dtype) != "c":
            dtype = B.namespace(like).complex128
        conv.append(Const(B.to_like(a, like, dtype)))
    if len(conv) > 1:
        ndim = max(c.v.ndim if isinstance(c, Const) else c.ndim - 1 for c in conv)
        conv = [_to_rank(c, ndim) for c in conv]
    with B.grad_context(like), np.errstate(all="ignore"):
        if all(isinstance(c, Const) or c.shape[0] == 1 for c in conv):
            value = B.ufunc(rule.value)
            out = value(*(c.v if isinstance(c, Const) else c[0] for c in conv))
            return _finish_foreign(S, out[None], ())
        if not rule.consts_ok:
            conv = [K.constant_like(sub, c.v) if isinstance(c, Const) else c for c in conv]
        out = rule.jet(sub, *conv)
        want = B.result_dtype(*(c.v if isinstance(c, Const) else c for c in conv))
        if out.dtype != want and B.kind(want) in "fc":
            out = B.namespace(out).astype(out, want)
        return _finish_foreign(S, out, vars)


def _finish_foreign(S, out, vars):
    """:func:`finish` (nan poisoning) for another library's coefficients."""
    if B.kind(out.dtype) in "fc":
        v = out[0]
        bad = v != v
        if bool(bad.any()):
            if v.ndim == 0 and (vars is not None or out.shape[0] < S.ncoeffs):
                # one point: the whole space is nan
                out, vars = K.embed(S, out, vars, None, full=True), None
            # a batch keeps its layout: the nan points only (readers pad nan there)
            xp = B.namespace(out)
            out = xp.where(
                bad, xp.asarray(float("nan"), dtype=out.dtype, device=B.device(out)), out
            )
    return out, vars


def _rank(x, ndim, N=None):
    """x with `ndim` batch axes (leading ones); N: x has a coefficient axis first."""
    if N is None:
        x = np.asarray(x)
        return x.reshape((1,) * (ndim - x.ndim) + x.shape)
    return x.reshape(x.shape[:1] + (1,) * (ndim + 1 - x.ndim) + x.shape[1:])


def apply_tracked(rule, S, args):
    """:func:`apply` when some operand carries an error estimate: returns
    (coeffs, vars, (M, E)), M and E of shape (S.ncoeffs, *batch), float64.

    The coefficients are computed exactly as untracked (same path, same
    numbers); then the rule's error model (``Rule.error``, built from
    jets.majorants) runs on the operands' (value, M, E): untracked jets count as
    exact, plain values as exact constants.  A rule without a model gives an
    error of nan (unknown), never 0; where the value is nan, so is the error."""
    coeffs, vars = apply(rule, S, args)
    batch = coeffs.shape[1:]
    T = tracker(S, coeffs.dtype)
    full = (S.ncoeffs,) + batch
    nd = len(batch)
    targs = []
    for a in args:
        if isinstance(a, Operand):
            if a.err is None:
                t = T.exact(K.embed(S, a.coeffs, a.vars, None, full=True))
            else:
                t = Track(a.coeffs[0], *a.err)
            targs.append(
                Track(
                    np.broadcast_to(_rank(t.v, nd), batch),
                    np.broadcast_to(_rank(t.M, nd, 1), full),
                    np.broadcast_to(_rank(t.E, nd, 1), full),
                )
            )
        else:
            targs.append(Const(_rank(a.v if isinstance(a, Const) else B.asarray(a), nd)))
    if rule.error is None:
        M = np.full(full, np.nan)
        return coeffs, vars, (M, M)
    with np.errstate(all="ignore"):
        out = rule.error(T, coeffs[0], *targs)
        M = np.broadcast_to(np.asarray(out.M, dtype=float), full)
        E = np.broadcast_to(np.asarray(out.E, dtype=float), full)
        v = coeffs[0]
        bad = np.isnan(v)
        if np.any(bad):
            M, E = np.where(bad, np.nan, M), np.where(bad, np.nan, E)
    return coeffs, vars, (M, E)
