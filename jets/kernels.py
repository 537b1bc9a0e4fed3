"""Coefficient kernels: products and the Taylor recurrences, on raw arrays.

Every function takes the JetSpace ``S`` and coefficient arrays of shape
(S.ncoeffs, *batch) (batches broadcast like numpy) and returns a new array.
The recurrences run degree by degree over homogeneous parts H_d (a Python
loop over degrees, never over points); within a degree each step is one
vectorised block product, see ``docs/theory.md``.  Unknown coefficients of
the result are still zero when a block product reads them, which is what
drops the i = 0 terms of the recurrences without special cases.
"""
from . import backend as B

__all__ = ["degree_product", "product", "euler", "integrate", "constant_like",
           "quotient", "exp", "log", "power_real", "sincos", "sinhcosh",
           "tan", "tanh", "horner"]


def _out(S, *arrays):
    shape = B.broadcast_shapes(*(a.shape[1:] for a in arrays))
    return B.zeros((S.ncoeffs,) + shape, dtype=B.result_dtype(*arrays))


def _col(v, ndim):
    """Reshape a per-coefficient vector to broadcast against (N, *batch)."""
    return v.reshape(v.shape + (1,) * (ndim - 1))


def degree_product(S, X, Y, d):
    """Homogeneous part of degree d of X*Y: sum over |a|+|b| = d of X_a Y_b.

    Returns shape (len(H_d), *broadcast batch)."""
    if S.nvars == 1:
        return B.contract(X[: d + 1], Y[d::-1])[None]
    i, j, starts = S.pairs(d)
    return B.segment_sum(X[i] * Y[j], starts)


def product(S, X, Y):
    """Truncated product X*Y: C_d = sum_{p+q=d} X_p Y_q for every degree d."""
    out = _out(S, X, Y)
    for d in range(S.degree + 1):
        out[S.block(d)] = degree_product(S, X, Y, d)
    return out


def euler(S, X):
    """Euler operator D X = sum_i e_i dX/de_i: multiplies degree d by d."""
    return X * _col(S.degrees, X.ndim)


def integrate(S, DF, f0):
    """Inverse of the Euler operator with constant term f0: F_d = DF_d / d."""
    out = _out(S, DF, B.asarray(f0)[None])
    out[0] = f0
    if S.ncoeffs > 1:
        out[1:] = DF[1:] / _col(S.degrees[1:], DF.ndim)
    return out


def constant_like(S, value):
    """Coefficients of the constant jet `value` (higher coefficients zero)."""
    value = B.asarray(value)
    out = B.zeros((S.ncoeffs,) + value.shape, dtype=B.result_dtype(value))
    out[0] = value
    return out


def quotient(S, A, Bc):
    """A / B:  Q_d = (A_d - sum_{i>=1} B_i Q_{d-i}) / B_0."""
    Q = _out(S, A, Bc)
    b0 = Bc[0]
    Q[0] = A[0] / b0
    for d in range(1, S.degree + 1):
        blk = S.block(d)
        Q[blk] = (A[blk] - degree_product(S, Bc, Q, d)) / b0
    return Q


def exp(S, A, value):
    """exp(A) with E_0 = value:  d E_d = sum_i i A_i E_{d-i}  (E' = A' E)."""
    E = _out(S, A)
    E[0] = value
    DA = euler(S, A)
    for d in range(1, S.degree + 1):
        E[S.block(d)] = degree_product(S, DA, E, d) / d
    return E


def log(S, A, value):
    """log(A) with L_0 = value:  d A_0 L_d = d A_d - sum_{i=1}^{d-1} A_i (D L)_{d-i}."""
    L = _out(S, A)
    L[0] = value
    DL = _out(S, A)
    a0 = A[0]
    for d in range(1, S.degree + 1):
        blk = S.block(d)
        L[blk] = (A[blk] - degree_product(S, A, DL, d) / d) / a0
        DL[blk] = d * L[blk]
    return L


def power_real(S, A, r, value):
    """A**r for a real constant r, P_0 = value:  A (D P) = r (D A) P, so
    d A_0 P_d = r [DA P]_d - sum_{i>=1} A_i (D P)_{d-i}."""
    P = _out(S, A)
    P[0] = value
    DP = _out(S, A)
    DA = euler(S, A)
    a0 = A[0]
    for d in range(1, S.degree + 1):
        blk = S.block(d)
        P[blk] = (r * degree_product(S, DA, P, d) - degree_product(S, A, DP, d)) / (d * a0)
        DP[blk] = d * P[blk]
    return P


def sincos(S, A, s0, c0):
    """(sin A, cos A):  d S_d = sum i A_i C_{d-i},  d C_d = -sum i A_i S_{d-i}."""
    Sn, Cs = _out(S, A), _out(S, A)
    Sn[0], Cs[0] = s0, c0
    DA = euler(S, A)
    for d in range(1, S.degree + 1):
        blk = S.block(d)
        Sn[blk] = degree_product(S, DA, Cs, d) / d
        Cs[blk] = -degree_product(S, DA, Sn, d) / d
    return Sn, Cs


def sinhcosh(S, A, s0, c0):
    """(sinh A, cosh A):  d S_d = sum i A_i C_{d-i},  d C_d = sum i A_i S_{d-i}."""
    Sn, Cs = _out(S, A), _out(S, A)
    Sn[0], Cs[0] = s0, c0
    DA = euler(S, A)
    for d in range(1, S.degree + 1):
        blk = S.block(d)
        Sn[blk] = degree_product(S, DA, Cs, d) / d
        Cs[blk] = degree_product(S, DA, Sn, d) / d
    return Sn, Cs


def _tan_like(S, A, t0, sign):
    """T with T' = (1 + sign T^2) A': the auxiliary series W = 1 + sign T^2
    is built alongside, d T_d = [DA W]_d and W_d = sign [T T]_d."""
    T, W = _out(S, A), _out(S, A)
    T[0] = t0
    W[0] = 1 + sign * t0 * t0
    DA = euler(S, A)
    for d in range(1, S.degree + 1):
        blk = S.block(d)
        T[blk] = degree_product(S, DA, W, d) / d
        W[blk] = sign * degree_product(S, T, T, d)
    return T


def tan(S, A, t0):
    """tan(A): T' = (1 + T^2) A'."""
    return _tan_like(S, A, t0, 1)


def tanh(S, A, t0):
    """tanh(A): T' = (1 - T^2) A'."""
    return _tan_like(S, A, t0, -1)


def horner(S, A, taylor):
    """f(A) from the univariate Taylor coefficients of f at A_0:
    f(A) = sum_j taylor[j] (A - A_0)^j, by Horner's rule (one product per j)."""
    H = A.copy()
    H[0] = 0
    F = constant_like(S, taylor[-1])
    for c in reversed(taylor[:-1]):
        F = product(S, F, H)
        F[0] = F[0] + c
    return F
