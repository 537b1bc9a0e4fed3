"""Linear algebra on jets: np.linalg.solve, inv, det, slogdet, cholesky, eigh,
eigvalsh and norm, and np.einsum, np.tensordot, np.outer, np.trace.

A jet of batch shape (..., n, n) is a stack of matrix-valued Taylor series
A = A_0 + A_1 + ... (A_d the homogeneous part of degree d, one (..., n, n)
matrix per coefficient of degree d).  Every function here factorises the value
matrix A_0 ONCE (numpy's LAPACK) and then runs a per-degree recurrence whose
products are matrix products of coefficient blocks over the space's pair tables
(:func:`series_block`): never Gaussian elimination on jets.

- solve:    X_d = A_0^{-1} (B_d - sum_{p=1..d} A_p X_{d-p})
- inv:      solve with the identity
- slogdet:  d log det A = tr(A^{-1} dA), by the Euler operator D:
            [log det A]_d = (1/d) sum_{p=1..d} p tr(A_p Inv_{d-p})
- det:      det A_0 (numpy's) and D det = det D log det (the exp recurrence)
- cholesky: L_0 L_d^H + L_d L_0^H = A_d - sum_{0<p<d} L_p L_{d-p}^H, solved as
            L_d = L_0 Phi(L_0^{-1} R_d L_0^{-H}) (Phi: strict lower part plus half
            the diagonal)
- eigh:     perturbation theory in the eigenbasis V_0 of A_0 (simple eigenvalues)

Entries that are nan or inf anywhere in a matrix's series make that whole
result matrix nan (numpy's LAPACK may return finite numbers for some entries
of such a matrix, which would be wrong here).  Exactly singular value matrices
raise numpy's LinAlgError naming the problem (solve, inv), or give nan
derivatives (det, slogdet: the value stays numpy's 0 / -inf).

Layer: after numpy_api and jet, before functions; it registers its numpy
functions into ``jets.jet.ARRAY_FUNCTIONS`` with ``numpy_api.implements``.
"""

import string

import numpy as np

from . import backend as B
from . import kernels as K
from .engine import finish
from .jet import Jet, _like_numpy
from .numpy_api import _coeffs_all, _max_by_value, implements

__all__ = [
    "solve",
    "inv",
    "det",
    "slogdet",
    "cholesky",
    "eigh",
    "eigvalsh",
    "norm",
    "einsum",
    "tensordot",
    "outer",
    "trace",
    "series_block",
]

LinAlgError = np.linalg.LinAlgError


# ------------------------------------------------------------ block products
def _pair_table(sub, d, lx, ly, plo, phi):
    """The pairs (i, j) of coefficients whose monomials multiply into degree d,
    with i < lx, j < ly and the degree of i in [plo, phi]: (i, j, targets,
    segment starts) with the pairs grouped by target (row of H_d)."""
    i, j, starts = sub.pairs(d)
    t = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(i)]))
    p = sub.degrees[i]
    keep = (p >= plo) & (p <= phi) & (i < lx) & (j < ly)
    i, j, t = i[keep], j[keep], t[keep]
    seg = np.flatnonzero(np.r_[True, t[1:] != t[:-1]]) if len(t) else t
    return i, j, t[seg], seg


def series_block(sub, X, Y, d, op, plo=0, phi=None, shape=None, dtype=None):
    """Degree-d block of the series product of X and Y under the bilinear `op`:
    sum over p + q = d (plo <= p <= phi) of op(X_p, Y_q), where op acts on
    gathered coefficient stacks (P, *xbatch), (P, *ybatch) -> (P, *out) (np.matmul
    for matrix products, an einsum, ...).  X, Y: (L, *batch) whole-degree prefixes
    of the graded order of `sub`.  Returns (len(H_d), *out); `shape`/`dtype` give
    the zero result when no pair takes part."""
    phi = d if phi is None else phi
    i, j, tgt, seg = _pair_table(sub, d, X.shape[0], Y.shape[0], plo, phi)
    nh = int(sub.offsets[d + 1] - sub.offsets[d])
    if not len(i):
        if shape is None:
            shape = op(X[:1], Y[:1]).shape[1:]
        return B.zeros((nh,) + tuple(shape), dtype=dtype or B.result_dtype(X, Y))
    vals = op(X[i], Y[j])
    out = B.zeros((nh,) + vals.shape[1:], dtype=vals.dtype)
    out[tgt] = np.add.reduceat(vals, seg, axis=0)
    return out


def _series_product(sub, X, Y, op):
    """The whole truncated series product of X and Y under `op` (see series_block)."""
    deg = min(sub.degree, K.top(sub, X) + K.top(sub, Y))
    blocks = [op(X[:1], Y[:1])] + [series_block(sub, X, Y, d, op) for d in range(1, deg + 1)]
    return np.concatenate(blocks, axis=0)


# ------------------------------------------------------------------ helpers
def _matrices(args, name):
    """Mixed jets/constants as (space, vars, sub, coefficient arrays padded to one
    degree prefix and batch rank, tracked?).  Refuses exact (object) jets."""
    S, vars, cs = _coeffs_all(args)
    for c in cs:
        if c.dtype.kind not in "biufc":
            raise TypeError(
                f"np.linalg.{name} needs float or complex jets (numpy's LAPACK); "
                f"got dtype {c.dtype}: convert the points with float()"
            )
    dtype = np.result_type(*(c.dtype for c in cs), np.float64)
    cs = [c.astype(dtype, copy=False) for c in cs]
    sub = S.subspace(vars) if vars != () else S
    tracked = any(isinstance(a, Jet) and a._err is not None for a in args)
    return S, vars, sub, cs, tracked


def _wrap(S, out, vars, tracked):
    """The result jet, poisoned by nan values (the engine's finish); a tracked
    input gives an unknown (nan) error estimate, never a silent 0."""
    out, vars = finish(S, out, vars)
    err = None
    if tracked:
        nan = np.full((S.ncoeffs,) + out.shape[1:], np.nan)
        err = (nan, nan)
    return Jet._wrap(S, out, vars, err)


def _square(a, name):
    """numpy's checks of a stack of square matrices, on a stand-in."""
    if len(a.shape) < 2:
        raise LinAlgError(
            f"{a.ndim}-dimensional array given. Array must be at least two-dimensional"
        )
    if a.shape[-1] != a.shape[-2]:
        raise LinAlgError("Last 2 dimensions of the array must be square")


def _bad(*cs):
    """Per matrix of the batch: True where any coefficient of any entry is not
    finite (the whole result matrix is then nan).  Shapes (..., n, m) -> (...)."""
    out = None
    for c in cs:
        b = ~np.isfinite(c).all(axis=(0, -2, -1))
        out = b if out is None else out | b
    return out


def _poison(out, bad, vector=False):
    """out (L, ..., n, m) (or (L, ..., n) when vector) with the matrices of `bad` nan."""
    if np.any(bad):
        out = np.array(out)
        idx = bad[..., None] if vector else bad[..., None, None]
        out[:] = np.where(idx, np.nan, out)
    return out


def _safe(A0, bad):
    """The value matrices with the bad ones replaced by the identity (so LAPACK
    sees no nan); their results are poisoned afterwards."""
    if not np.any(bad):
        return A0
    n = A0.shape[-1]
    return np.where(bad[..., None, None], np.eye(n, dtype=A0.dtype), A0)


def _where_first(mask):
    return tuple(int(i) for i in np.argwhere(mask)[0]) if np.ndim(mask) else ()


def _inverse0(A0, name):
    """A_0^{-1}: the one LU factorisation, or numpy's LinAlgError naming the fix."""
    try:
        return np.linalg.inv(A0)
    except LinAlgError:
        raise LinAlgError(
            f"{name}: the value matrix A(x0) is singular, so A^-1 has no "
            f"Taylor series there; check the matrix (its determinant is 0) or "
            f"use np.linalg.lstsq on .value"
        ) from None


def _inverse_series(sub, A, Ainv0, deg):
    """The series of A^{-1} to degree deg: X_0 = A_0^{-1},
    X_d = -A_0^{-1} sum_{p=1..d} A_p X_{d-p}."""
    X = B.zeros((sub.offsets[deg + 1],) + Ainv0.shape, dtype=np.result_type(A, Ainv0))
    X[0] = Ainv0
    for d in range(1, deg + 1):
        R = series_block(sub, A, X, d, np.matmul, plo=1)
        X[sub.block(d)] = -(Ainv0 @ R)
    return X


def _deg(sub, *cs):
    """The degree a nonlinear matrix function of these arrays reaches."""
    return sub.degree if any(K.top(sub, c) > 0 for c in cs) else 0


# ------------------------------------------------------------------- solve
def solve(a, b):
    """X with a @ X = b, like np.linalg.solve (numpy 2 shapes: b of shape (..., n)
    is a vector only when 1-d, else (..., n, k)).  One LU of a(x0); degree d:
    X_d = a_0^{-1} (b_d - sum_{p=1..d} a_p X_{d-p})."""
    if not isinstance(a, Jet) and not isinstance(b, Jet):
        return np.linalg.solve(a, b)
    sa = a.shape if isinstance(a, Jet) else np.shape(a)
    sb = b.shape if isinstance(b, Jet) else np.shape(b)
    _square(_Shape(sa), "solve")
    shape = _solve_shape(sa, sb)
    vector = len(sb) == 1
    S, vars, sub, (A, Bm), tracked = _matrices([a, b], "solve")
    core = (sb[0], 1) if vector else sb[-2:]
    nb = max(len(sa), len(sb) + vector) - 2
    A = A.reshape(A.shape[:1] + (1,) * (nb + 2 - len(sa)) + tuple(sa))
    Bm = Bm.reshape(Bm.shape[:1] + (1,) * (nb + 2 - len(sb) - vector) + tuple(sb[:-2]) + core)
    bad = _bad(A, Bm)
    Ainv0 = _inverse0(_safe(A[0], bad), "solve")
    deg = max(_deg(sub, A), K.top(sub, Bm))
    Bm = K.pad(sub, Bm, deg)
    X = B.zeros(
        (sub.offsets[deg + 1],) + np.broadcast_shapes(Ainv0.shape[:-1] + (1,), Bm.shape[1:]),
        dtype=np.result_type(A, Bm),
    )
    X[0] = Ainv0 @ Bm[0]
    for d in range(1, deg + 1):
        blk = sub.block(d)
        R = Bm[blk] - series_block(sub, A, X, d, np.matmul, plo=1, shape=X.shape[1:])
        X[blk] = Ainv0 @ R
    X = _poison(X, np.broadcast_to(bad, X.shape[1:-2]))
    if vector:
        X = X[..., 0]
    return _wrap(S, X.reshape((X.shape[0],) + shape), vars, tracked)


class _Shape:
    def __init__(self, shape):
        self.shape, self.ndim = shape, len(shape)


def _solve_shape(sa, sb):
    """The shape of np.linalg.solve(a, b) (numpy 2: b is a vector only when 1-d),
    or numpy's error (checked on small invertible stand-ins)."""
    n = sa[-1]
    try:
        if len(sb) == 1:
            if sb[0] == n:
                return sa[:-1]
        elif sb[-2] == n:
            return np.broadcast_shapes(sa[:-2], sb[:-2]) + (n, sb[-1])
    except ValueError:
        pass
    np.linalg.solve(np.broadcast_to(np.eye(n), sa), np.zeros(sb))  # numpy's error
    raise ValueError(f"solve: shapes {sa} and {sb} do not match")


def inv(a):
    """a^{-1} like np.linalg.inv: one LU of a(x0), X_d = -a_0^{-1} sum a_p X_{d-p}."""
    _square(a, "inv")
    S, vars, sub, (A,), tracked = _matrices([a], "inv")
    bad = _bad(A)
    Ainv0 = _inverse0(_safe(A[0], bad), "inv")
    X = _inverse_series(sub, A, Ainv0, _deg(sub, A))
    return _wrap(S, _poison(X, bad), vars, tracked)


# ------------------------------------------------------------- determinants
def _logdet_series(sub, A, bad):
    """(sign_0, det_0, L): the series L of log det A beyond its value (L_0 is
    log|det A_0|); matrices singular at x0 or bad get nan derivatives."""
    A0 = _safe(A[0], bad)
    sign0, logabs0 = np.linalg.slogdet(A0)
    det0 = np.linalg.det(A0)
    deg = _deg(sub, A)
    L = B.zeros((sub.offsets[deg + 1],) + logabs0.shape, dtype=A.dtype)
    L[0] = logabs0
    if deg:
        sing = sign0 == 0
        Ainv0 = np.linalg.inv(_safe(A0, sing))
        X = _inverse_series(sub, A, Ainv0, deg - 1)
        DA = K.euler(sub, A)
        for d in range(1, deg + 1):
            t = series_block(
                sub,
                DA,
                X,
                d,
                lambda p, q: np.einsum("...ij,...ji->...", p, q),
                plo=1,
                shape=logabs0.shape,
                dtype=A.dtype,
            )
            L[sub.block(d)] = t / d
        L[1:] = np.where(sing, np.nan, L[1:])
    return sign0, det0, L


def slogdet(a):
    """(sign, logabsdet) like np.linalg.slogdet for a real jet matrix: sign a plain
    array (constant where det A(x0) != 0), logabsdet a jet, from one LU of a(x0):
    [log|det A|]_d = (1/d) sum_{p=1..d} p tr(A_p (A^{-1})_{d-p}).  Where
    det A(x0) = 0: sign 0, value -inf and nan derivatives."""
    _square(a, "slogdet")
    S, vars, sub, (A,), tracked = _matrices([a], "slogdet")
    if A.dtype.kind == "c":
        raise TypeError(
            "np.linalg.slogdet of a complex jet matrix is not supported (its "
            "sign varies): use np.linalg.det"
        )
    bad = _bad(A)
    sign0, _, L = _logdet_series(sub, A, bad)
    L = np.where(bad, np.nan, L)
    sign0 = np.where(bad, np.nan, sign0)
    return np.linalg._linalg.SlogdetResult(sign0[()], _wrap(S, L, vars, tracked))


def det(a):
    """det a like np.linalg.det: the value is numpy's det of a(x0); D det =
    det * D log det (the exp recurrence on the log-det series, one LU of a(x0)).
    Where det A(x0) = 0 the derivatives are nan (documented: no second
    factorisation), never a wrong finite number."""
    _square(a, "det")
    S, vars, sub, (A,), tracked = _matrices([a], "det")
    bad = _bad(A)
    _, det0, L = _logdet_series(sub, A, bad)
    if L.shape[0] == 1:
        D = det0[None].astype(np.result_type(det0, A.dtype))
    else:
        D = K.run(sub, *K.exp_steps(sub, L, det0))
    return _wrap(S, np.where(bad, np.nan, D), vars, tracked)


# ---------------------------------------------------------------- cholesky
def _hermitian(A, lower=True):
    """Every coefficient matrix made Hermitian from its lower (or upper) triangle,
    as numpy's cholesky/eigh read only that triangle."""
    if lower:
        T = np.tril(A)
        return T + np.conj(np.swapaxes(np.tril(A, -1), -1, -2))
    T = np.triu(A)
    return T + np.conj(np.swapaxes(np.triu(A, 1), -1, -2))


def _h(M):
    return np.conj(np.swapaxes(M, -1, -2))


def cholesky(a, upper=False):
    """L with a = L L^H, like np.linalg.cholesky (its lower triangle is read;
    upper=True gives L^H).  One Cholesky factorisation of a(x0), then per degree
    L_d = L_0 Phi(L_0^{-1} R_d L_0^{-H}), R_d = A_d - sum_{0<p<d} L_p L_{d-p}^H,
    Phi = strictly lower part + half the diagonal."""
    _square(a, "cholesky")
    S, vars, sub, (A,), tracked = _matrices([a], "cholesky")
    A = _hermitian(A, lower=not upper)
    bad = _bad(A)
    try:
        L0 = np.linalg.cholesky(_safe(A[0], bad))
    except LinAlgError:
        raise LinAlgError(
            "cholesky: the value matrix A(x0) is not positive definite, so "
            "its Cholesky factor has no Taylor series there; check the "
            "matrix (np.linalg.eigvalsh(a.value))"
        ) from None
    deg = _deg(sub, A)
    L = B.zeros((sub.offsets[deg + 1],) + L0.shape, dtype=np.result_type(A, L0))
    L[0] = L0
    if deg:
        Li = np.linalg.inv(L0)  # triangular: the inverse of the factor, no new factorisation
        n = L0.shape[-1]
        half = np.tril(np.ones((n, n)), -1) + 0.5 * np.eye(n)
        for d in range(1, deg + 1):
            blk = sub.block(d)
            R = A[blk] - series_block(
                sub, L, L, d, lambda p, q: p @ _h(q), plo=1, phi=d - 1, shape=L0.shape
            )
            W = Li @ R @ _h(Li)
            L[blk] = L0 @ (W * half)
    L = _poison(L, bad)
    if upper:
        L = _h(L)
    return _wrap(S, L, vars, tracked)


# -------------------------------------------------------------------- eigh
#: eigenvalues closer than this many units of roundoff of the largest one count
#: as repeated (numpy's eigh cannot tell them apart better than that)
GAP_ULPS = 100


def eigh(a, UPLO="L"):
    """(eigenvalues, eigenvectors) like np.linalg.eigh, both jets: one eigh of
    a(x0), then perturbation theory degree by degree in its eigenbasis V_0.
    With C = V_0^H V and At = V_0^H A V_0: At C = C Lam, C^H C = I, so per degree
    T = sum_{p>=1} At_p C_{d-p} - sum_{0<q<d} C_{d-q} Lam_q, Lam_d = diag T,
    C_d[i, j] = T[i, j] / (w_j - w_i) (i != j), C_d[i, i] = -1/2 [sum C_q^H C_{d-q}]_ii
    (the gauge: v_0^H v stays real, so the signs of numpy's V_0 are kept).
    Eigenvalues repeated at x0 (closer than GAP_ULPS roundoffs) raise ValueError."""
    if UPLO not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")
    _square(a, "eigh")
    S, vars, sub, (A,), tracked = _matrices([a], "eigh")
    A = _hermitian(A, lower=UPLO == "L")
    bad = _bad(A)
    n = A.shape[-1]
    safe = _safe(A[0], bad)
    if np.any(bad):  # distinct eigenvalues for the stand-ins of bad matrices
        safe = np.where(bad[..., None, None], np.diag(np.arange(1.0, n + 1)), safe)
    w0, V0 = np.linalg.eigh(safe)
    deg = _deg(sub, A)
    rdtype = w0.dtype
    W = B.zeros((sub.offsets[deg + 1],) + w0.shape, dtype=rdtype)
    W[0] = w0
    C = B.zeros((sub.offsets[deg + 1],) + V0.shape, dtype=V0.dtype)
    C[0] = np.eye(n)
    if deg and n > 1:
        gap = np.diff(w0, axis=-1)
        scale = np.max(np.abs(w0), axis=-1, keepdims=True)
        tiny = gap <= GAP_ULPS * np.finfo(rdtype).eps * np.maximum(scale, np.finfo(rdtype).tiny)
        if np.any(tiny):
            where = _where_first(tiny.any(axis=-1)) if tiny.ndim > 1 else ()
            k = int(np.argmax(tiny.reshape(-1, n - 1)[0] if not where else tiny[where]))
            raise ValueError(
                f"eigh: repeated eigenvalue {w0[where][k]!r} at x0 (eigenvalues "
                f"{k} and {k + 1} of the matrix at batch index {where}): the "
                f"eigenvectors of a repeated eigenvalue have no Taylor series; "
                f"use np.linalg.eigvalsh on .value, or separate the eigenvalues"
            )
        At = _h(V0) @ A @ V0
        diff = w0[..., None, :] - w0[..., :, None]  # w_j - w_i
        off = ~np.eye(n, dtype=bool)
        denom = np.where(off, diff, 1)
        for d in range(1, deg + 1):
            blk = sub.block(d)
            T = series_block(sub, At, C, d, np.matmul, plo=1, shape=V0.shape)
            if d > 1:
                T = T - series_block(
                    sub, C, W, d, lambda c, w: c * w[..., None, :], plo=1, phi=d - 1, shape=V0.shape
                )
            lam = np.diagonal(T, axis1=-2, axis2=-1)
            W[blk] = lam.real if rdtype.kind == "f" else lam
            Cd = np.where(off, T / denom, 0)
            if d > 1:
                N = series_block(
                    sub,
                    C,
                    C,
                    d,
                    lambda p, q: np.einsum("...ki,...ki->...i", np.conj(p), q),
                    plo=1,
                    phi=d - 1,
                    shape=V0.shape[:-1],
                )
                Cd = Cd - 0.5 * N[..., None, :] * np.eye(n)
            C[blk] = Cd
    V = V0 @ C
    W = _poison(W, bad, vector=True)
    V = _poison(V, bad)
    return np.linalg._linalg.EighResult(_wrap(S, W, vars, tracked), _wrap(S, V, vars, tracked))


def eigvalsh(a, UPLO="L"):
    """The eigenvalues of eigh (a jet), same recurrence."""
    return eigh(a, UPLO)[0]


# -------------------------------------------------------------------- norm
_VECTOR_ORDS = "None, 2, 1, inf, -inf or a number p >= 1"
_MATRIX_ORDS = "None, 'fro', 1, -1, inf, -inf"


def _abs2(x):
    if x.dtype.kind == "c":
        return np.real(x) ** 2 + np.imag(x) ** 2
    return x * x


def _scaled_sqrt_sum(x, axis, keepdims):
    """sqrt(sum |x|^2) over `axis`, scaled by the largest |value| (a constant per
    result entry) so that no square overflows or underflows (hypot-like)."""
    v = np.abs(x.value)
    s = np.max(v, axis=axis, keepdims=True) if v.ndim else v
    s = np.where((s > 0) & np.isfinite(s), s, 1.0)
    r = np.sqrt(_abs2(x / s).sum(axis=axis, keepdims=True)) * s
    return r if keepdims else r.squeeze(axis)


def _vector_norm(x, ord, axis, keepdims):
    if ord is None or ord == 2:
        return _scaled_sqrt_sum(x, (axis,), keepdims)
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")
    if ord == np.inf:
        return _max_by_value(np.abs(x), axis, keepdims, np.argmax)
    if ord == -np.inf:
        return _max_by_value(np.abs(x), axis, keepdims, np.argmin)
    if ord == 1:
        return np.abs(x).sum(axis=axis, keepdims=keepdims)
    if np.isreal(ord) and ord > 1:
        return (np.abs(x) ** ord).sum(axis=axis, keepdims=keepdims) ** (1.0 / ord)
    raise TypeError(
        f"np.linalg.norm: ord={ord!r} of a vector is not supported for jets: use ord {_VECTOR_ORDS}"
    )


def _matrix_norm(x, ord, axes, keepdims):
    r, c = axes
    if ord is None or ord == "fro":
        return _scaled_sqrt_sum(x, axes, keepdims)
    if ord in (1, -1, np.inf, -np.inf):
        over, across = (r, c) if ord in (1, -1) else (c, r)
        s = np.abs(x).sum(axis=over, keepdims=True)
        m = _max_by_value(s, across, True, np.argmax if ord > 0 else np.argmin)
        return m if keepdims else m.squeeze(axes)
    raise TypeError(
        f"np.linalg.norm: ord={ord!r} of a matrix (singular values) is not "
        f"supported for jets: use ord {_MATRIX_ORDS}"
    )


def norm(x, ord=None, axis=None, keepdims=False):
    """np.linalg.norm of a jet with numpy's shapes and errors: vector norms
    (ord None/2 as the scaled sqrt of the sum of squares, 1, inf, -inf, p >= 1)
    and matrix norms (None/'fro', 1, -1, inf, -inf; max/min by value).  At a zero
    vector the 2-norm is not differentiable: its derivatives are inf/nan."""
    if not isinstance(x, Jet):
        return np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)
    _like_numpy(
        lambda s: np.linalg.norm(
            s,
            ord=ord if ord not in (2, -2, "nuc") or np.ndim(s) < 2 else None,
            axis=axis,
            keepdims=keepdims,
        ),
        x.shape,
    )
    nd = x.ndim
    if axis is None:
        if ord is None:
            r = _scaled_sqrt_sum(x, tuple(range(nd)), keepdims) if nd else np.abs(x)
            return r
        axis = tuple(range(nd))
    if isinstance(axis, (int, np.integer)):
        axis = (axis,)
    axis = tuple(int(a) % nd for a in axis)
    if len(axis) == 1:
        return _vector_norm(x, ord, axis[0], keepdims)
    return _matrix_norm(x, ord, axis, keepdims)


# ----------------------------------------------------------- einsum & co
def _einsum_parts(subscripts, nops):
    """(input specs, output spec) of an einsum string (implicit output: the
    letters seen once, sorted, after '...' if any), as numpy reads it."""
    s = subscripts.replace(" ", "")
    if "->" in s:
        ins, out = s.split("->")
    else:
        ins = s
        letters = s.replace("...", "").replace(",", "")
        out = ("..." if "..." in s else "") + "".join(
            sorted(c for c in set(letters) if letters.count(c) == 1)
        )
    ins = ins.split(",")
    if len(ins) != nops:
        raise ValueError(
            "more operands provided to einstein sum function than specified "
            "in the subscripts string"
            if nops > len(ins)
            else "fewer operands provided to einstein sum function than specified "
            "in the subscripts string"
        )
    return ins, out


def einsum(*operands, out=None, optimize=False, **kw):
    """np.einsum with jets among the operands (subscripts-string form): numpy's
    shapes and errors.  Linear in each jet; a product of several jets is the
    truncated series product, folded left to right over the space's pair
    tables (each step keeps the indices still needed)."""
    if out is not None:
        raise TypeError("numpy.einsum(..., out=...) cannot write into a jet")
    if kw:
        raise TypeError(f"numpy.einsum: keyword(s) {sorted(kw)} are not supported on jets")
    if not operands or not isinstance(operands[0], str):
        raise TypeError(
            "np.einsum on jets takes the subscripts string form np.einsum('ij,jk->ik', a, b)"
        )
    subscripts, ops = operands[0], list(operands[1:])
    if not any(isinstance(o, Jet) for o in ops):
        return np.einsum(subscripts, *ops)
    shapes = [o.shape if isinstance(o, Jet) else np.shape(o) for o in ops]
    res_shape = _like_numpy(lambda *s: np.einsum(subscripts, *s), *shapes).shape
    ins, outspec = _einsum_parts(subscripts, len(ops))
    S, vars, cs = _coeffs_all(ops)
    # _coeffs_all gives every array the same rank: undo that (einsum counts axes)
    cs = [
        c.reshape(c.shape[:1] + c.shape[c.ndim - len(sh) :])
        for c, sh in zip(cs, shapes, strict=False)
    ]
    sub = S.subspace(vars) if vars != () else S
    free = [ch for ch in string.ascii_letters if ch not in subscripts]
    P = free[0]
    acc, spec = cs[0], ins[0]
    for k in range(1, len(cs)):
        rest = "".join(ins[k + 1 :]) + outspec
        keep = ("..." if "..." in spec + ins[k] else "") + "".join(
            dict.fromkeys(ch for ch in (spec + ins[k]).replace("...", "") if ch in rest)
        )
        if k == len(cs) - 1:
            keep = outspec
        sig = f"{P}{spec},{P}{ins[k]}->{P}{keep}"
        acc = _series_product(sub, acc, cs[k], lambda x, y, sig=sig: np.einsum(sig, x, y))
        spec = keep
    if len(cs) == 1 or spec != outspec:
        acc = np.einsum(f"{P}{spec}->{P}{outspec}", acc)
    acc = acc.reshape(acc.shape[:1] + res_shape)
    tracked = any(isinstance(o, Jet) and o._err is not None for o in ops)
    return _wrap(S, acc, vars, tracked)


def tensordot(a, b, axes=2):
    """np.tensordot with jets: numpy's shapes and errors, via einsum."""
    sa = a.shape if isinstance(a, Jet) else np.shape(a)
    sb = b.shape if isinstance(b, Jet) else np.shape(b)
    _like_numpy(lambda x, y: np.tensordot(x, y, axes), sa, sb)
    if isinstance(axes, (int, np.integer)):
        ax_a = list(range(len(sa) - axes, len(sa)))
        ax_b = list(range(axes))
    else:
        ax_a, ax_b = axes
        ax_a = [ax_a] if isinstance(ax_a, (int, np.integer)) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, (int, np.integer)) else list(ax_b)
        ax_a = [x % len(sa) for x in ax_a]
        ax_b = [x % len(sb) for x in ax_b]
    letters = iter(string.ascii_letters)
    la = [next(letters) for _ in sa]
    lb = [next(letters) for _ in sb]
    for i, j in zip(ax_a, ax_b, strict=False):
        lb[j] = la[i]
    outs = [ch for k, ch in enumerate(la) if k not in ax_a] + [
        ch for k, ch in enumerate(lb) if k not in ax_b
    ]
    return einsum(f"{''.join(la)},{''.join(lb)}->{''.join(outs)}", a, b)


def outer(a, b, out=None):
    """np.outer: both operands flattened, result (a.size, b.size)."""
    if out is not None:
        raise TypeError("numpy.outer(..., out=...) cannot write into a jet")
    ra = a.ravel() if isinstance(a, Jet) else np.ravel(a)
    rb = b.ravel() if isinstance(b, Jet) else np.ravel(b)
    return einsum("i,j->ij", ra, rb)


def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    """np.trace of a jet: linear, coefficient-wise, numpy's shapes and errors."""
    if out is not None or dtype is not None:
        raise TypeError("numpy.trace: dtype= and out= are not supported on jets")
    _like_numpy(lambda s: np.trace(s, offset, axis1, axis2), a.shape)
    a1, a2 = axis1 % a.ndim + 1, axis2 % a.ndim + 1
    return a._map(lambda c: np.trace(c, offset, a1, a2), sums=min(a.shape[axis1], a.shape[axis2]))


implements(np.linalg.solve)(solve)
implements(np.linalg.inv)(inv)
implements(np.linalg.det)(det)
implements(np.linalg.slogdet)(slogdet)
implements(np.linalg.cholesky)(cholesky)
implements(np.linalg.eigh)(eigh)
implements(np.linalg.eigvalsh)(eigvalsh)
implements(np.linalg.norm)(norm)
implements(np.einsum)(einsum)
implements(np.tensordot)(tensordot)
implements(np.outer)(outer)
implements(np.trace)(trace)
