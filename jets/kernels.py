"""Coefficient kernels: products and the Taylor recurrences, on raw arrays.

Every function takes the JetSpace ``S`` and coefficient arrays of shape
(L, *batch), where L = S.offsets[p + 1] is a whole-degree prefix of the graded
order: an array stops after its last possibly-nonzero degree p (a seeded
variable has p = 1, a constant p = 0), and the missing degrees are zero.
Batches broadcast like numpy.  Kernels skip the blocks that are known to be
zero, which makes products with seeds and low-degree polynomials cheap.

The recurrences run degree by degree over homogeneous parts H_d (a Python
loop over degrees, never over points); each is written once as a per-degree
step (``*_steps``) that the whole-series kernel drives, see ``docs/theory.md``.
This module knows no Jet and no rule: raw arrays in, raw arrays out.
"""

from math import prod

import numpy as np  # index tables only (like jets.space); arrays go through backend

from . import backend as B
from . import space as _space

__all__ = [
    "top",
    "pad",
    "degree_product",
    "product",
    "euler",
    "integrate",
    "constant_like",
    "run",
    "product_steps",
    "quotient_steps",
    "quotient",
    "exp_steps",
    "exp",
    "log_steps",
    "log",
    "power_real_steps",
    "power_real",
    "hypot_steps",
    "hypot",
    "paired_steps",
    "sincos",
    "sinhcosh",
    "tan_steps",
    "tan",
    "antiderivative_steps",
    "compose_steps",
    "compose",
    "embed",
]


#: batches up to this many points take the one-shot product (Python overhead
#: dominates there); larger ones go degree by degree (memory traffic dominates)
_SMALL_BATCH = 64


def top(S, X):
    """Highest degree present in the array X (its prefix length tells)."""
    return S.top_degree[X.shape[0]]


def pad(S, X, deg=None):
    """X extended with zero blocks up to degree `deg` (default: the full order);
    nan rows at the points where X's value is nan (see :func:`_poison`)."""
    n = S.offsets[S.degree + 1 if deg is None else deg + 1]
    if X.shape[0] >= n:
        return X
    if type(X) is np.ndarray:
        out = B.zeros((n,) + X.shape[1:], dtype=X.dtype)
    else:
        out = B.zeros_as((n,) + X.shape[1:], X.dtype, X)
    out[: X.shape[0]] = X
    return _poison(out, X)


def _poison(out, X):
    """nan poisoning of rows made explicit (pad, embed): where the value X[0] is
    nan every coefficient is nan, also the ones X did not store (engine.finish
    keeps a batch's layout and marks the nan points only)."""
    if type(X) is not np.ndarray:  # torch / cupy
        if B.kind(X.dtype) in "fc":
            bad = X[0] != X[0]
            if bool(bad.any()):
                xp = B.namespace(out)
                nan = xp.asarray(float("nan"), dtype=out.dtype, device=B.device(out))
                return xp.where(bad, nan, out)
        return out
    if X.dtype.kind in "fc":
        bad = B.isnan(X[0])
        if bad.any():
            return B.where(bad, B.nan, out)
    return out


def check_result(L, *batch_shapes):
    """Memory guard: refuse (ValueError naming the size in GiB and the fix) a
    result of L coefficients over the broadcast of `batch_shapes` larger than
    space.MAX_ELEMENTS numbers, before anything is allocated.  Returns the
    broadcast batch shape."""
    shape = B.broadcast_shapes(*batch_shapes)
    if L * prod(shape) > _space.MAX_ELEMENTS:
        _space.check_size(int(L), prod(int(s) for s in shape), "result")
    return shape


def check_broadcast(S, batch_shapes):
    """The memory guard of an operation: when broadcasting the arguments'
    batch shapes ((9000,) with (9000, 1)) makes a batch larger than any
    argument's, the result (up to S.ncoeffs coefficients) must fit the size
    limit.  (A batch that does not grow was admitted when it was seeded.)"""
    try:
        shape = B.broadcast_shapes(*batch_shapes)
    except ValueError:
        return  # numpy's own message follows
    if prod(int(s) for s in shape) > max(prod(int(s) for s in b) for b in batch_shapes):
        check_result(S.ncoeffs, *batch_shapes)


def _zeros(S, deg, *arrays):
    """Zero coefficients (up to degree `deg`) over the arrays' broadcast batch,
    refused by the memory guard before allocating when too large."""
    n = S.offsets[deg + 1]
    shape = arrays[0].shape[1:]
    if any(a.shape[1:] != shape for a in arrays[1:]):
        shape = check_result(n, *(a.shape[1:] for a in arrays))
    elif n * prod(shape) > _space.MAX_ELEMENTS:
        check_result(n, shape)
    if type(arrays[0]) is np.ndarray:
        return B.zeros((n,) + shape, dtype=B.result_dtype(*arrays))
    return B.zeros_as((n,) + shape, B.result_dtype(*arrays), arrays[0])


def _col(v, ndim):
    """Reshape a per-coefficient vector to broadcast against (N, *batch)."""
    return v.reshape(v.shape + (1,) * (ndim - 1))


def degree_product(S, X, Y, d, xlo=0, ylo=0, yhi=None, out=None, xsupport=None):
    """Homogeneous part of degree d of X*Y: sum over p+q = d of X_p Y_q.

    Only degrees xlo <= p <= top(X) and ylo <= q <= yhi (default top(Y)) take
    part; the rest are known to be zero.  Returns (len(H_d), *batch), written
    into `out` when given (which must not overlap what is read).
    """
    xhi = top(S, X)
    if yhi is None:
        yhi = top(S, Y)
    lo, hi = max(xlo, d - yhi), min(xhi, d - ylo)
    if lo > hi:
        if out is not None:
            out[...] = 0
            return out
        shape = B.broadcast_shapes(X.shape[1:], Y.shape[1:])
        return B.zeros_as((S.offsets[d + 1] - S.offsets[d],) + shape, B.result_dtype(X, Y), X)
    if S.nvars == 1:
        ylo_idx = d - hi
        if type(Y) is not np.ndarray:  # no negative strides outside numpy
            yrev = B.namespace(Y).flip(Y[ylo_idx : d - lo + 1], axis=0)
        else:
            yrev = Y[d - lo :: -1] if ylo_idx == 0 else Y[d - lo : ylo_idx - 1 : -1]
        if out is not None and out.dtype != object:
            B.contract(X[lo : hi + 1], yrev, out=out.reshape(out.shape[1:]))
            return out
        res = B.contract(X[lo : hi + 1], yrev)[None]
    else:
        res = None
        if lo == 0:  # X_0 * Y_d: a scalar times a block, no gather
            res = X[0] * Y[S.block(d)]
            lo = 1
        if hi == d and lo <= d:
            t = X[S.block(d)] * Y[0]
            res = t if res is None else res + t
            hi = d - 1
        if lo <= hi:
            t = _interior(S, X, Y, d, lo, hi, xsupport)
            res = t if res is None else res + t
    if out is not None:
        out[...] = res
        return out
    return res


_FLAT = {}


def _flat_ranks(ranks):
    """The pairs of a rank table as flat (i, j) sorted by target row, and the
    row starts (every row has a rank-0 pair).  Cached per table (tables are
    cached by their space and live as long as it)."""
    hit = _FLAT.get(id(ranks))
    if hit is not None and hit[0] is ranks:
        return hit[1]
    rows = np.concatenate([np.arange(m) for _, _, m in ranks])
    order = np.argsort(rows, kind="stable")
    ii = np.concatenate([r[0] for r in ranks])[order]
    jj = np.concatenate([r[1] for r in ranks])[order]
    starts = np.flatnonzero(np.r_[True, rows[order][1:] != rows[order][:-1]])
    flat = (ii, jj, starts)
    _FLAT[id(ranks)] = (ranks, flat)  # a dict store is atomic: racing threads agree
    return flat


def _ranked_sum(X, Y, ranks):
    """sum of X[i] * Y[j] over the ranks of a pair table: rank r = (i, j, m)
    adds to the first m rows, so no scatter is needed.  With equal batch
    shapes the gathers go into two reused buffers, in place."""
    i, j, m = ranks[0]
    if type(X) is not np.ndarray or type(Y) is not np.ndarray:
        # another library (torch, cupy): gathers by index tables cached on the
        # device, accumulated by assignment (autograd records it)
        acc = X[B.index(i, X)] * Y[B.index(j, Y)]
        for i, j, m in ranks[1:]:
            acc[:m] += X[B.index(i, X)] * Y[B.index(j, Y)]
        return acc
    if (
        len(ranks) > 8
        and X.size <= _SMALL_BATCH * X.shape[0]
        and Y.size <= _SMALL_BATCH * Y.shape[0]
    ):
        # many ranks, few points (a jet-transport ODE step): one gather and one
        # segmented sum instead of a Python loop over the ranks
        ii, jj, starts = _flat_ranks(ranks)
        return B.segment_sum(X[ii] * Y[jj], starts)
    if X.shape[1:] != Y.shape[1:] or X.dtype != Y.dtype or len(ranks) == 1:
        acc = X[i] * Y[j]
        for i, j, m in ranks[1:]:
            acc[:m] += X[i] * Y[j]
        return acc
    acc = B.take(X, i)
    bx, by = B.empty_like(acc), B.empty_like(acc)
    B.take(Y, j, out=by)
    B.multiply(acc, by, out=acc)
    for i, j, m in ranks[1:]:
        B.take(X, i, out=bx[:m])
        B.take(Y, j, out=by[:m])
        B.multiply(bx[:m], by[:m], out=bx[:m])
        B.add(acc[:m], bx[:m], out=acc[:m])
    return acc


def _interior(S, X, Y, d, lo, hi, xsupport=None):
    """sum over lo <= p <= hi of X_p Y_{d-p} (only X's coefficients in
    `xsupport` when given), in the graded order of H_d."""
    ranks, inverse = S.support_pairs(d, lo, hi, xsupport)
    if inverse is not None and (not ranks or inverse.min() < 0):
        # some targets have no pair (X holds few coefficients): they are zero
        shape = B.broadcast_shapes(X.shape[1:], Y.shape[1:])
        out = B.zeros_as((S.offsets[d + 1] - S.offsets[d],) + shape, B.result_dtype(X, Y), X)
        if ranks:
            hit = inverse >= 0
            if type(out) is not np.ndarray:
                acc = _ranked_sum(X, Y, ranks)
                out[B.index(hit, out, False)] = acc[B.index(inverse[hit], acc, False)]
                return out
            out[hit] = _ranked_sum(X, Y, ranks)[inverse[hit]]
        return out
    acc = _ranked_sum(X, Y, ranks)
    if inverse is not None and type(acc) is not np.ndarray:
        return acc[B.index(inverse, acc)]
    return acc if inverse is None else acc[inverse]


def cross_product(S, U, V, X, Y):
    """X*Y for X in S.subspace(U), Y in S.subspace(V) (U, V tuples of variable
    indices), computed in subspace(U | V) over the pairs the two can hold."""
    ranks, targets, length = S.cross_table(U, V, top(S.subspace(U), X), top(S.subspace(V), Y))
    check_result(length, X.shape[1:], Y.shape[1:])
    acc = _ranked_sum(X, Y, ranks)
    out = B.zeros_as((length,) + acc.shape[1:], acc.dtype, acc)
    out[B.index(targets, acc)] = acc
    return out


def product(S, X, Y, xlo=0):
    """Truncated product X*Y: C_d = sum_{p+q=d} X_p Y_q, up to top(X)+top(Y)."""
    deg = min(S.degree, top(S, X) + top(S, Y))
    out = _zeros(S, deg, X, Y)
    if S.nvars == 1:
        # shifted slices over the shorter factor: C[i:] += X_i Y[:...]
        if X.shape[0] > Y.shape[0] and xlo == 0:
            X, Y = Y, X
        n = deg + 1
        for i in range(xlo, min(X.shape[0], n)):
            m = min(Y.shape[0], n - i)
            out[i : i + m] += X[i] * Y[:m]
        return out
    if type(out) is np.ndarray and out.size <= _SMALL_BATCH * out.shape[0]:
        # few points: one gather and one segmented sum for the whole product
        i, j, starts, targets, _ = S.product_table(top(S, X), top(S, Y), xlo)
        if len(i):
            out[targets] = B.segment_sum(X[i] * Y[j], starts)
        return out
    for d in range(deg + 1):
        out[S.block(d)] = degree_product(S, X, Y, d, xlo=xlo)
    return out


def euler(S, X):
    """Euler operator D X = sum_i e_i dX/de_i: multiplies degree d by d."""
    if type(X) is not np.ndarray:
        return X * _col(B.to_like(B.index(S.degrees, X)[: X.shape[0]], X), X.ndim)
    deg = S.degrees[: X.shape[0]]
    if X.dtype.kind in "fc":
        deg = deg.astype(X.dtype)  # keep float32 jets float32
    return X * _col(deg, X.ndim)


def integrate(S, DF, f0):
    """Inverse of the Euler operator with constant term f0: F_d = DF_d / d."""
    fshape = f0.shape if hasattr(f0, "shape") else ()
    out = B.zeros_as(
        DF.shape[:1] + B.broadcast_shapes(DF.shape[1:], fshape), B.result_dtype(DF, f0), DF
    )
    out[0] = f0
    if DF.shape[0] > 1:
        deg = S.degrees if type(DF) is np.ndarray else B.to_like(B.index(S.degrees, DF), DF)
        out[1:] = DF[1:] / _col(deg[1 : DF.shape[0]], DF.ndim)
    return out


def constant_like(S, value):
    """Coefficients of the constant jet `value`: one row, shape (1, *value.shape)."""
    if type(value) is not np.ndarray and B.is_foreign(value):
        return value[None] + B.zeros_as((1,) + tuple(value.shape), B.result_dtype(value), value)
    value = B.asarray(value)
    out = B.empty((1,) + value.shape, dtype=B.result_dtype(value))
    out[0] = value
    return out


# ------------------------------------------------------------ per-degree steps
# Every recurrence below is written once, as a *step*: ``X_steps(S, ...)``
# allocates the output (every degree, zero), sets its degree-0 block from the
# given value and returns ``(out, step)``; ``step(d)`` writes the degree-d block
# of ``out`` from the blocks of degree <= d of the inputs and < d of ``out``.
# The whole-series kernel (``exp``, ``log``, ...) is ``run(*X_steps(...))``;
# a recorded program (``jets.program``) interleaves the steps of all its nodes
# degree by degree, which is what a Taylor ODE step and ``jets.define`` need.
# Inputs may be filled progressively: a step never reads an input block above d.


def run(S, out, step):
    """Drive a step over degrees 1..S.degree on complete inputs (eager); returns
    `out` (the whole series).  A step's Euler operators (``step.eulers``) are
    then applied to their whole inputs at once, before the loop."""
    for e in getattr(step, "eulers", ()):
        e.complete()
    for d in range(1, S.degree + 1):
        step(d)
    return out


class _Euler:
    """D A = sum_i e_i dA/de_i (DA_d = d A_d) for a step, in a buffer `out` of
    A's prefix and dtype.  ``at(d)`` writes degree d when the step needs it
    (its input may be filled progressively, a degree at a time); :func:`run`,
    whose inputs are complete, calls ``complete()`` first, which writes every
    degree in one pass (the same numbers), and ``at`` then does nothing."""

    __slots__ = ("S", "A", "out", "top", "done")

    def __init__(self, S, A):
        self.S, self.A = S, A
        # torch / cupy: zeros of A's library, written by assignment (autograd)
        # numpy: no zeroing, every row is written before it is read (at(d) first
        # thing in step d, or complete() before the loop)
        self.out = B.empty_like(A) if type(A) is np.ndarray else B.namespace(A).zeros_like(A)
        self.top = top(S, A)
        self.done = False

    def at(self, d):
        if d <= self.top and not self.done:
            blk = self.S.block(d)
            if type(self.A) is np.ndarray:
                B.multiply(self.A[blk], d, out=self.out[blk])
            else:
                self.out[blk] = self.A[blk] * d

    def complete(self):
        A = self.A
        if type(A) is not np.ndarray:
            self.out[...] = euler(self.S, A)
            self.done = True
            return
        deg = self.S.degrees[: A.shape[0]]
        if A.dtype.kind in "fc":
            deg = deg.astype(A.dtype)
        B.multiply(A, _col(deg, A.ndim), out=self.out)
        self.done = True


def product_steps(S, X, Y):
    """X*Y one degree at a time: C_d = sum_{p+q=d} X_p Y_q."""
    C = _zeros(S, S.degree, X, Y)
    C[0] = X[0] * Y[0]

    def step(d):
        degree_product(S, X, Y, d, out=C[S.block(d)])

    return C, step


def quotient_steps(S, A, Bc, bsupport=None):
    """A / B:  Q_d = (A_d - sum_{i>=1} B_i Q_{d-i}) / B_0.  `bsupport`: the
    coefficients of B that may be nonzero (B depends on fewer variables)."""
    Q = _zeros(S, S.degree, A, Bc)
    b0 = Bc[0]
    ta = top(S, A)
    Q[0] = A[0] / b0
    ops = B.into(Q)

    def step(d):
        blk = S.block(d)
        q = degree_product(S, Bc, Q, d, xlo=1, yhi=d - 1, out=Q[blk], xsupport=bsupport)
        if d <= ta:
            ops.subtract(A[blk], q, out=q)
        else:
            ops.negative(q, out=q)
        q /= b0

    return Q, step


def quotient(S, A, Bc, bsupport=None):
    """Whole series of A / B (see quotient_steps); a constant B divides directly."""
    if top(S, Bc) == 0:
        return A / Bc[0]
    return run(S, *quotient_steps(S, A, Bc, bsupport))


def exp_steps(S, A, value, scale=1, shift=0):
    """exp(scale A) - shift with E_0 = value:  E' = scale A' (E + shift), so
    d E_d = scale [DA E]_d + shift scale d A_d  (exp: shift 0; expm1: shift 1,
    whose value stays accurate; exp2: scale ln 2)."""
    E = _zeros(S, S.degree, A)
    E[0] = value
    EA = _Euler(S, A)
    DA = EA.out

    def step(d):
        EA.at(d)
        blk = S.block(d)
        e = degree_product(S, DA, E, d, xlo=1, yhi=d - 1, out=E[blk])
        if shift and d <= top(S, A):
            e += shift * DA[blk]
        e *= scale / d

    step.eulers = (EA,)
    return E, step


def exp(S, A, value):
    """Whole series of exp(A) with value E_0 (see exp_steps)."""
    return run(S, *exp_steps(S, A, value))


def log_steps(S, A, value, a0=None):
    """log(A) with L_0 = value:  d A_0 L_d = d A_d - sum_{i=1}^{d-1} A_i (D L)_{d-i}.
    `a0` replaces A's value in the recurrence (log1p: 1 + A_0; the value row of
    L is never read, so it may be any accurate function's)."""
    L = _zeros(S, S.degree, A)
    L[0] = value
    DL = _zeros(S, S.degree, A)
    a0 = A[0] if a0 is None else a0
    ta = top(S, A)
    mul = B.into(A).multiply

    def step(d):
        blk = S.block(d)
        s = degree_product(S, A, DL, d, xlo=1, ylo=1, yhi=d - 1)
        s /= d
        L[blk] = ((A[blk] - s) if d <= ta else -s) / a0
        mul(L[blk], d, out=DL[blk])

    return L, step


def log(S, A, value):
    """Whole series of log(A) with value L_0 (see log_steps)."""
    return run(S, *log_steps(S, A, value))


def power_real_steps(S, A, r, value):
    """A**r for a real constant r, P_0 = value:  A (D P) = r (D A) P, so
    d A_0 P_d = r [DA P]_d - sum_{i>=1} A_i (D P)_{d-i}."""
    if type(A) is not np.ndarray:  # r (a number or batch array) in A's library
        r = B.to_like(r, A)
        P = _zeros(S, S.degree, A, r[None])
    else:
        P = _zeros(S, S.degree, A, B.asarray(r)[None])
    P[0] = value
    DP = B.zeros_like(P) if type(P) is np.ndarray else B.namespace(P).zeros_like(P)
    mul = B.into(P).multiply
    EA = _Euler(S, A)
    DA = EA.out
    a0 = A[0]

    def step(d):
        blk = S.block(d)
        EA.at(d)
        P[blk] = (
            r * degree_product(S, DA, P, d, xlo=1, yhi=d - 1)
            - degree_product(S, A, DP, d, xlo=1, ylo=1, yhi=d - 1)
        ) / (d * a0)
        mul(P[blk], d, out=DP[blk])

    step.eulers = (EA,)
    return P, step


def power_real(S, A, r, value):
    """Whole series of A**r for a real constant r (see power_real_steps)."""
    return run(S, *power_real_steps(S, A, r, value))


def hypot_steps(S, A, Bc, h0):
    """sqrt(A^2 + B^2) with H_0 = h0, never squaring a value:  H (D H) = A DA + B DB,
    so d H_0 H_d = [A DA + B DB]_d - sum_{i=1}^{d-1} H_i (D H)_{d-i}."""
    H = _zeros(S, S.degree, A, Bc)
    H[0] = h0
    DH = B.zeros_like(H) if type(H) is np.ndarray else B.namespace(H).zeros_like(H)
    mul = B.into(H).multiply
    EA, EB = _Euler(S, A), _Euler(S, Bc)
    DA, DB = EA.out, EB.out

    def step(d):
        blk = S.block(d)
        EA.at(d)
        EB.at(d)
        q = degree_product(S, A, DA, d, ylo=1) + degree_product(S, Bc, DB, d, ylo=1)
        H[blk] = (q - degree_product(S, H, DH, d, xlo=1, ylo=1, yhi=d - 1)) / (d * h0)
        mul(H[blk], d, out=DH[blk])

    step.eulers = (EA, EB)
    return H, step


def hypot(S, A, Bc, h0):
    """Whole series of hypot(A, B) with value h0 (see hypot_steps)."""
    return run(S, *hypot_steps(S, A, Bc, h0))


def paired_steps(S, A, s0, c0, sign):
    """The pair (S, C) with S' = C A' and C' = sign S A': d S_d = sum i A_i C_{d-i},
    d C_d = sign sum i A_i S_{d-i} (sign -1: sin and cos; +1: sinh and cosh).
    Returns (S, C, step)."""
    Sn, Cs = _zeros(S, S.degree, A), _zeros(S, S.degree, A)
    Sn[0], Cs[0] = s0, c0
    EA = _Euler(S, A)
    DA = EA.out

    def step(d):
        blk = S.block(d)
        EA.at(d)
        degree_product(S, DA, Cs, d, xlo=1, yhi=d - 1, out=Sn[blk])[...] *= 1 / d
        degree_product(S, DA, Sn, d, xlo=1, yhi=d - 1, out=Cs[blk])[...] *= sign / d

    step.eulers = (EA,)
    return Sn, Cs, step


def sincos(S, A, s0, c0):
    """Whole series of (sin A, cos A) with values s0, c0."""
    Sn, Cs, step = paired_steps(S, A, s0, c0, -1)
    run(S, Sn, step)
    return Sn, Cs


def sinhcosh(S, A, s0, c0):
    """Whole series of (sinh A, cosh A) with values s0, c0."""
    Sn, Cs, step = paired_steps(S, A, s0, c0, 1)
    run(S, Sn, step)
    return Sn, Cs


def tan_steps(S, A, t0, w0, sign):
    """T with T' = W A', W = 1 + sign T^2 (tan: sign +1, tanh: -1), built alongside:
    d T_d = [DA W]_d and W_d = sign [T T]_d.  `w0` is W's value, given by the
    caller so that 1 - tanh^2 is not formed by cancellation.  Returns (T, W, step)."""
    T, W = _zeros(S, S.degree, A), _zeros(S, S.degree, A)
    T[0] = t0
    W[0] = w0
    EA = _Euler(S, A)
    DA = EA.out

    def step(d):
        blk = S.block(d)
        EA.at(d)
        degree_product(S, DA, W, d, xlo=1, yhi=d - 1, out=T[blk])[...] *= 1 / d
        degree_product(S, T, T, d, yhi=d, out=W[blk])[...] *= sign

    step.eulers = (EA,)
    return T, W, step


def tan(S, A, t0):
    """Whole series of tan(A): T' = (1 + T^2) A'."""
    T, _, step = tan_steps(S, A, t0, 1 + t0 * t0, 1)
    return run(S, T, step)


def antiderivative_steps(S, A, G, f0):
    """F with F_0 = f0 and F' = G A' (in every variable): D F = (D A) G, so
    F_d = [DA G]_d / d, which reads G only below degree d.  G may be filled
    after F at each degree (it may even depend on F: jets.define, ODEs)."""
    F = _zeros(S, S.degree, A, G)
    F[0] = f0
    EA = _Euler(S, A)
    DA = EA.out

    def step(d):
        EA.at(d)
        f = degree_product(S, DA, G, d, xlo=1, yhi=d - 1, out=F[S.block(d)])
        f *= 1 / d

    step.eulers = (EA,)
    return F, step


def compose_steps(S, A, taylor):
    """f(A) from the univariate Taylor coefficients of f at A_0, taylor[j] =
    f^(j)(A_0)/j! (a sequence of k+1 batch arrays): F_d = sum_{j=1}^{d} taylor[j]
    [H^j]_d with H = A - A_0; the powers H^j are advanced one degree at a time
    ([H^j]_d = sum_p H_p [H^{j-1}]_{d-p}, and H^j starts at degree j)."""
    k = S.degree
    t0 = taylor[0]
    F = _zeros(S, k, A, t0[None] if B.is_foreign(t0) else B.asarray(t0)[None])
    F[0] = taylor[0]
    H = _zeros(S, k, A)
    powers = [None, H]  # powers[j] = H^j, every degree

    def step(d):
        blk = S.block(d)
        if d <= top(S, A):
            H[blk] = A[blk]
        if d >= 2:
            powers.append(_zeros(S, k, H))
        for j in range(2, d + 1):
            degree_product(S, H, powers[j - 1], d, xlo=1, ylo=j - 1, yhi=d - 1, out=powers[j][blk])
        acc = F[blk]
        for j in range(1, d + 1):
            acc += taylor[j] * powers[j][blk]

    return F, step


def compose(S, A, taylor):
    """Whole series of f(A) from f's univariate Taylor coefficients at A_0."""
    return run(S, *compose_steps(S, A, taylor))


def embed(S, X, src, dst, full=False, poison=True):
    """Coefficients X of subspace(src) re-indexed into subspace(dst), src being
    a subset of dst (None: all variables); full=True also pads to every degree.
    poison=False leaves the new rows zero at nan points: for an operand of a
    rule, whose result engine.finish poisons anyway."""
    if src == dst or X.shape[0] == 1:
        return pad(S.subspace(dst) if dst != () else S, X) if full else X
    a, b = S.subspace(src), S.subspace(dst)
    top_ = b.degree if full else a.top_degree[X.shape[0]]
    out = B.zeros_as((b.offsets[top_ + 1],) + X.shape[1:], X.dtype, X)
    out[B.index(S.embedding(src, dst), X)[: X.shape[0]]] = X
    return _poison(out, X) if poison else out
