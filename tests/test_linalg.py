"""np.linalg on jets (jets/linalg.py): every Taylor coefficient against sympy's
derivatives of the same matrix function, batches, nan entries, singular and
degenerate matrices; einsum/tensordot/outer/trace against numpy on each
coefficient array (linear) or the elementwise product (two jets)."""

from math import factorial

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

import jets

P0 = (0.3, 0.7)


def ref_coeffs(expr, syms, point, space):
    """Taylor coefficients d^alpha expr / alpha! at point, in the graded order of
    `space`: array (ncoeffs, *shape) for a sympy Matrix (or a scalar expression).
    For small expressions only (symbolic differentiation)."""
    M = expr if isinstance(expr, sp.MatrixBase) else sp.Matrix([[expr]])
    out = np.empty(
        (space.ncoeffs,) + M.shape, dtype=complex if any(not e.is_real for e in M) else float
    )
    for alpha, i in space.index.items():
        out[i] = np.array(
            M.applyfunc(lambda e, a=alpha: _tp_coeff(e, syms, point, a)).evalf(30), dtype=out.dtype
        )
    return out if isinstance(expr, sp.MatrixBase) else out[:, 0, 0]


def _tp_coeff(e, syms, point, alpha):
    D = e
    for s_, a in zip(syms, alpha, strict=False):
        if a:
            D = D.diff(s_, a)
    return D.subs(dict(zip(syms, point, strict=False))) / int(
        np.prod([factorial(a) for a in alpha])
    )


class TP:
    """A truncated multivariate Taylor polynomial with 30-digit mpmath
    coefficients {alpha: number}: the sympy-derived reference for matrix
    functions, built entrywise by symbolic differentiation of small entries
    and combined by exact formulas (adjugate, closed-form Cholesky and 2x2
    eigen-decomposition, binomial series), never by the code under test."""

    def __init__(self, c, alphas):
        self.c, self.alphas = c, alphas

    @staticmethod
    def of(expr, syms, point, space):
        alphas = list(space.index)
        c = {}
        with mp.workdps(30):
            for a in alphas:
                v = sp.sympify(_tp_coeff(sp.sympify(expr), syms, point, a)).evalf(30)
                re, im = (mp.mpf(str(t)) for t in v.as_real_imag())
                c[a] = re if im == 0 else mp.mpc(re, im)
        return TP(c, alphas)

    def _new(self, c):
        return TP(c, self.alphas)

    def __add__(self, o):
        if not isinstance(o, TP):
            return self._new({a: v + (o if not any(a) else 0) for a, v in self.c.items()})
        return self._new({a: self.c[a] + o.c[a] for a in self.alphas})

    __radd__ = __add__

    def __neg__(self):
        return self._new({a: -v for a, v in self.c.items()})

    def __sub__(self, o):
        return self + (-o)

    def __rsub__(self, o):
        return (-self) + o

    def __mul__(self, o):
        if not isinstance(o, TP):
            return self._new({a: v * o for a, v in self.c.items()})
        c = dict.fromkeys(self.alphas, 0)
        with mp.workdps(30):
            for a, u in self.c.items():
                for b, v in o.c.items():
                    t = tuple(i + j for i, j in zip(a, b, strict=False))
                    if t in c:
                        c[t] += u * v
        return self._new(c)

    __rmul__ = __mul__

    def _series(self, f0, coef):
        """sum_k coef(k) u^k with u = self / self_0 - 1 (truncated at the order)."""
        z = tuple(0 for _ in self.alphas[0])
        a0 = self.c[z]
        u = self * (1 / a0) - 1
        k, p = 0, self._new({a: (1 if a == z else 0) for a in self.alphas})
        total = self._new(dict.fromkeys(self.alphas, 0))
        order = max(sum(a) for a in self.alphas)
        with mp.workdps(30):
            while k <= order:
                total = total + p * coef(k)
                p, k = p * u, k + 1
        return total * f0(a0)

    def recip(self):
        return self._series(lambda a: 1 / a, lambda k: (-1) ** k)

    def __truediv__(self, o):
        return self * o.recip() if isinstance(o, TP) else self * (1 / o)

    def sqrt(self):
        return self._series(mp.sqrt, lambda k: mp.binomial(0.5, k))

    def log(self):
        z = tuple(0 for _ in self.alphas[0])
        a0 = self.c[z]
        r = self._series(lambda a: 1, lambda k: 0 if k == 0 else (-1) ** (k + 1) / mp.mpf(k))
        return r + mp.log(a0)

    def array(self, space):
        out = np.empty(
            space.ncoeffs,
            dtype=complex if any(isinstance(v, mp.mpc) for v in self.c.values()) else float,
        )
        for a, i in space.index.items():
            out[i] = complex(self.c[a]) if out.dtype == complex else float(self.c[a])
        return out


def tp_matrix(rows, syms, point, space):
    return [[TP.of(e, syms, point, space) for e in r] for r in rows]


def tp_det(M):
    n = len(M)
    if n == 1:
        return M[0][0]
    return sum(
        ((-1) ** j) * M[0][j] * tp_det([r[:j] + r[j + 1 :] for r in M[1:]]) for j in range(n)
    )


def tp_inv(M):
    n = len(M)
    r = tp_det(M).recip()
    return [
        [
            ((-1) ** (i + j))
            * tp_det([row[:i] + row[i + 1 :] for k, row in enumerate(M) if k != j])
            * r
            for j in range(n)
        ]
        for i in range(n)
    ]


def tp_matvec(M, v):
    return [sum((M[i][k] * v[k] for k in range(1, len(v))), M[i][0] * v[0]) for i in range(len(M))]


def tp_cholesky(M):
    n = len(M)
    L = [[None] * n for _ in range(n)]
    for j in range(n):
        d = M[j][j]
        for k in range(j):
            d = d - L[j][k] * L[j][k]
        L[j][j] = d.sqrt()
        for i in range(j + 1, n):
            e = M[i][j]
            for k in range(j):
                e = e - L[i][k] * L[j][k]
            L[i][j] = e / L[j][j]
        for i in range(j):
            L[i][j] = M[0][0] * 0
    return L


def arr(M, space):
    """A TP matrix (list of lists) or vector as (ncoeffs, ...)."""
    if isinstance(M, TP):
        return M.array(space)
    return np.stack([arr(m, space) for m in M], axis=1)


def mat(rows):
    """A jet matrix (..., n, m) from nested lists of jets and numbers."""
    return jets.stack([jets.stack(r, axis=-1) for r in rows], axis=-2)


def entries_A(x, y, m):
    return [[2 + x, x * y, 0.5], [m.sin(y), 3 + x * y, x], [y**2, 1 + 0 * x, 4 - y]]


def entries_b(x, y, m):
    return [x, 1 + y, m.exp(x)]


def entries_S(x, y, m):
    """Symmetric positive definite: M M^T + I."""
    M = [[1 + x, y, 0.2], [m.sin(x), 2 - y, x * y], [0.1 + 0 * x, x, 1.5 + y]]
    return [
        [sum(M[i][k] * M[j][k] for k in range(3)) + (1 if i == j else 0) for j in range(3)]
        for i in range(3)
    ]


@pytest.fixture
def setup():
    x, y = jets.variables(list(P0), order=3)
    X, Y = sp.symbols("x y", real=True)
    return x, y, X, Y


def close(jet, ref, rtol=1e-11, atol=1e-12):
    np.testing.assert_allclose(jet.coeffs, ref, rtol=rtol, atol=atol)


def _refs(point, space, X, Y):
    A = tp_matrix(entries_A(X, Y, sp), (X, Y), point, space)
    b = [TP.of(e, (X, Y), point, space) for e in entries_b(X, Y, sp)]
    return A, b


def test_solve_matrix_and_vector(setup):
    x, y, X, Y = setup
    A, b = mat(entries_A(x, y, np)), jets.stack(entries_b(x, y, np))
    As, bs = _refs(P0, x.space, X, Y)
    r = np.linalg.solve(A, b)
    assert r.shape == (3,)
    close(r, arr(tp_matvec(tp_inv(As), bs), x.space))
    B2 = jets.stack([b, 2 * b * x], axis=-1)  # (3, 2) right-hand sides
    r2 = np.linalg.solve(A, B2)
    assert r2.shape == (3, 2)
    xs = TP.of(X, (X, Y), P0, x.space)
    ref = arr(tp_matvec(tp_inv(As), [2 * e * xs for e in bs]), x.space)
    close(r2[:, 1], ref)
    close(r2[:, 0], arr(tp_matvec(tp_inv(As), bs), x.space))


def test_solve_constant_sides(setup):
    x, y, X, Y = setup
    A = mat(entries_A(x, y, np))
    As, _ = _refs(P0, x.space, X, Y)
    c = np.array([1.0, -2.0, 0.5])
    close(np.linalg.solve(A, c), arr(tp_matvec(tp_inv(As), list(c)), x.space))
    M = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.0, 4.0]])
    b = jets.stack(entries_b(x, y, np))
    r = np.linalg.solve(M, b)
    np.testing.assert_allclose(r.coeffs, np.linalg.solve(M, b.coeffs.T).T, rtol=1e-13, atol=1e-15)


def test_inv_det_slogdet(setup):
    x, y, X, Y = setup
    A = mat(entries_A(x, y, np))
    As, _ = _refs(P0, x.space, X, Y)
    close(np.linalg.inv(A), arr(tp_inv(As), x.space))
    close(np.linalg.det(A), arr(tp_det(As), x.space))
    sign, logdet = np.linalg.slogdet(A)
    assert sign == 1.0
    close(logdet, arr(tp_det(As).log(), x.space))
    # a negative determinant: rows swapped
    A2 = A[[1, 0, 2]]
    sign, logdet = np.linalg.slogdet(A2)
    assert sign == -1.0
    close(logdet, arr(tp_det(As).log(), x.space))
    close(np.linalg.det(A2), -arr(tp_det(As), x.space))


def test_univariate_order_4():
    t = jets.variable(0.4, order=4)
    T = sp.Symbol("t", real=True)
    ent = lambda t, m: [[m.cos(t), t], [t**2, 2 + m.exp(t)]]  # noqa: E731
    A, As = mat(ent(t, np)), tp_matrix(ent(T, sp), (T,), (0.4,), t.space)
    close(np.linalg.inv(A), arr(tp_inv(As), t.space))
    close(np.linalg.det(A), arr(tp_det(As), t.space))
    S = A @ A.T
    Ss = [[sum((As[i][k] * As[j][k] for k in range(2)), 0) for j in range(2)] for i in range(2)]
    close(np.linalg.cholesky(S), arr(tp_cholesky(Ss), t.space))


def test_cholesky(setup):
    x, y, X, Y = setup
    S, Ss = mat(entries_S(x, y, np)), tp_matrix(entries_S(X, Y, sp), (X, Y), P0, x.space)
    L = np.linalg.cholesky(S)
    close(L, arr(tp_cholesky(Ss), x.space), rtol=1e-10)
    U = np.linalg.cholesky(S, upper=True)
    close(U, np.swapaxes(L.coeffs, -1, -2))


def test_cholesky_reads_the_lower_triangle(setup):
    x, y, X, Y = setup
    S = mat(entries_S(x, y, np))
    junk = jets.stack(
        [
            jets.stack([0 * x, x, y]),
            jets.stack([0 * x, 0 * x, x * y]),
            jets.stack([0 * x, 0 * x, 0 * x]),
        ]
    )
    close(np.linalg.cholesky(S + junk), np.linalg.cholesky(S).coeffs)


def test_eigh_2x2_against_closed_forms(setup):
    x, y, X, Y = setup
    ent = lambda x, y, m: [[2 + x, x * y + 0.3], [x * y + 0.3, m.cos(y)]]  # noqa: E731
    A = mat(ent(x, y, np))
    w, V = np.linalg.eigh(A)
    (a, b), (_, d) = tp_matrix(ent(X, Y, sp), (X, Y), P0, x.space)
    r = ((a - d) * 0.5 * ((a - d) * 0.5) + b * b).sqrt()
    lam = [(a + d) * 0.5 - r, (a + d) * 0.5 + r]
    close(w, arr(lam, x.space), rtol=1e-10)
    for k in range(2):
        v = [b, lam[k] - a]
        nrm = (v[0] * v[0] + v[1] * v[1]).sqrt().recip()
        ref = arr([v[0] * nrm, v[1] * nrm], x.space)
        ref *= np.sign(ref[0] @ V.value[:, k])  # numpy's sign at x0
        close(V[:, k], ref, rtol=1e-9, atol=1e-11)


def test_eigh_3x3_rotated_diagonal(setup):
    """A = Q diag(d(x, y)) Q^T: eigenvalues the d_i, eigenvectors the constant Q columns."""
    x, y, X, Y = setup
    Q, _ = np.linalg.qr(np.array([[1.0, 2, 0], [0.5, -1, 3], [2, 0.3, 1]]))
    dj = [1 + x * y, 3 + np.sin(x), -2 + y**2]
    A = np.einsum("ik,k,jk->ij", Q, jets.stack(dj), Q)
    w, V = np.linalg.eigh(A)
    order = np.argsort([float(d.value) for d in dj])
    ref = [sp.Integer(1) + X * Y, 3 + sp.sin(X), -2 + Y**2]
    close(w, ref_coeffs(sp.Matrix([[ref[k] for k in order]]), (X, Y), P0, x.space)[:, 0, :])
    Qs = Q[:, order] * np.sign(np.sum(Q[:, order] * V.value, axis=0))
    expect = np.zeros(V.coeffs.shape)
    expect[0] = Qs
    close(V, expect, atol=1e-12)
    np.testing.assert_allclose(np.linalg.eigvalsh(A).coeffs, w.coeffs)


def test_eigh_uplo_and_repeated(setup):
    x, y, X, Y = setup
    A = mat([[1 + x, y], [y, 2 - x]])
    w, _ = np.linalg.eigh(A, UPLO="U")
    np.testing.assert_allclose(w.coeffs, np.linalg.eigh(A)[0].coeffs)
    with pytest.raises(ValueError, match="UPLO"):
        np.linalg.eigh(A, UPLO="X")


def test_eigh_repeated_raises():
    x, y = jets.variables([0.0, 0.0], order=2)
    with pytest.raises(ValueError, match="repeated eigenvalue"):
        np.linalg.eigh(mat([[1 + x, y], [y, 1 - x]]))


def test_batches_match_pointwise():
    pts = np.array([[0.3, -0.2, 1.1], [0.7, 0.4, -0.5]])
    x, y = jets.variables(pts, order=2)
    X, Y = sp.symbols("x y", real=True)
    A, S = mat(entries_A(x, y, np)), mat(entries_S(x, y, np))
    b = jets.stack(entries_b(x, y, np), axis=-1)
    assert A.shape == (3, 3, 3)
    inv, det, sol = np.linalg.inv(A), np.linalg.det(A), np.linalg.solve(A, b[..., None])
    chol, logdet = np.linalg.cholesky(S), np.linalg.slogdet(A)[1]
    for k in range(3):
        p = tuple(pts[:, k])
        As, bs = _refs(p, x.space, X, Y)
        Ss = tp_matrix(entries_S(X, Y, sp), (X, Y), p, x.space)
        Ai, D = tp_inv(As), tp_det(As)
        for got, ref in (
            (inv, arr(Ai, x.space)),
            (det, arr(D, x.space)),
            (logdet, arr((D * float(np.sign(det.value[k]))).log(), x.space)),
            (sol, arr(tp_matvec(Ai, bs), x.space)[..., None]),
            (chol, arr(tp_cholesky(Ss), x.space)),
        ):
            np.testing.assert_allclose(got.coeffs[:, k], ref, rtol=1e-10, atol=1e-12)


def test_broadcast_batch_solve():
    x = jets.variable(np.array([0.1, 0.2]), order=2)
    A = mat([[2 + x, x], [0 * x, 3 + x * x]])  # (2, 2, 2)
    b = np.array([1.0, 2.0])
    r = np.linalg.solve(A, b[:, None])  # (2, 2, 1)
    assert r.shape == np.linalg.solve(A.value, b[:, None]).shape
    np.testing.assert_allclose(np.linalg.solve(A.value, b[:, None]), r.value)
    np.testing.assert_allclose((A @ r).coeffs[1:], 0, atol=1e-14)


def test_nan_entries_poison_only_their_matrix():
    x = jets.variable(np.array([0.2, np.nan, 0.4]), order=2)
    A = mat([[2 + x, 0.5 + 0 * x], [np.sin(x), 3 - x]])
    for f in (
        np.linalg.inv,
        np.linalg.cholesky,
        lambda a: np.linalg.eigh(a)[1],
        lambda a: np.linalg.eigh(a)[0],
        np.linalg.det,
        lambda a: np.linalg.slogdet(a)[1],
        lambda a: np.linalg.solve(a, np.ones(2)),
    ):
        S = A @ np.swapaxes(A, -1, -2) if f is not np.linalg.inv else A
        r = f(S)
        assert np.isnan(r.coeffs[:, 1]).all()
        assert np.isfinite(r.coeffs[:, [0, 2]]).all()


def test_singular_value_matrix():
    x = jets.variable(1.0, order=2)
    A = mat([[x, 1 + 0 * x], [1 + 0 * x, x]])  # det = x^2 - 1 = 0 at x = 1
    with pytest.raises(np.linalg.LinAlgError, match="singular"):
        np.linalg.inv(A)
    with pytest.raises(np.linalg.LinAlgError, match="singular"):
        np.linalg.solve(A, np.ones(2))
    d = np.linalg.det(A)
    assert d.value == 0 and np.isnan(d.coeffs[1:]).all()
    sign, logdet = np.linalg.slogdet(A)
    assert sign == 0 and logdet.value == -np.inf and np.isnan(logdet.coeffs[1:]).all()
    with pytest.raises(np.linalg.LinAlgError, match="positive definite"):
        np.linalg.cholesky(A)


def test_constant_matrix_jet_and_errors():
    x = jets.variable(0.5, order=2)
    c = jets.constant(np.array([[2.0, 1.0], [1.0, 3.0]]), x)
    assert np.linalg.det(c).value == pytest.approx(5.0)
    with pytest.raises(np.linalg.LinAlgError, match="square"):
        np.linalg.inv(jets.stack([x, x, x]).reshape(1, 3))
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.det(jets.stack([x, x]))
    with pytest.raises(TypeError, match="complex"):
        np.linalg.slogdet(mat([[1j + x, x], [x, 2 + x]]))


def test_complex_inverse_and_det():
    x = jets.variable(0.3, order=3)
    X = sp.Symbol("x", real=True)
    ent = lambda x, m: [[2 + 1j * x, x], [m.exp(x), 3 - 1j]]  # noqa: E731
    A, As = mat(ent(x, np)), tp_matrix(ent(X, sp), (X,), (0.3,), x.space)
    np.testing.assert_allclose(
        np.linalg.inv(A).coeffs, arr(tp_inv(As), x.space), rtol=1e-11, atol=1e-13
    )
    np.testing.assert_allclose(
        np.linalg.det(A).coeffs, arr(tp_det(As), x.space), rtol=1e-11, atol=1e-13
    )


# ----------------------------------------------------------------- norm
def test_norms_against_sympy(setup):
    x, y, X, Y = setup
    v = jets.stack([1 + x, x * y - 2, np.sin(y)])
    vs = [1 + X, X * Y - 2, sp.sin(Y)]
    two = sp.sqrt(sum(e**2 for e in vs))
    close(np.linalg.norm(v), ref_coeffs(two, (X, Y), P0, x.space))
    close(np.linalg.norm(v, 2), ref_coeffs(two, (X, Y), P0, x.space))
    close(np.linalg.norm(v, 1), ref_coeffs(sum(sp.Abs(e) for e in vs), (X, Y), P0, x.space))
    close(np.linalg.norm(v, np.inf), ref_coeffs(2 - X * Y, (X, Y), P0, x.space))
    close(np.linalg.norm(v, -np.inf), ref_coeffs(sp.sin(Y), (X, Y), P0, x.space))
    close(
        np.linalg.norm(v, 3),
        ref_coeffs(sum(sp.Abs(e) ** 3 for e in vs) ** sp.Rational(1, 3), (X, Y), P0, x.space),
    )
    M = mat([[1 + x, -y], [x * y, 3 + 0 * x]])
    Ms = [[1 + X, -Y], [X * Y, 3]]
    fro = sp.sqrt(sum(e**2 for r in Ms for e in r))
    close(np.linalg.norm(M), ref_coeffs(fro, (X, Y), P0, x.space))
    close(np.linalg.norm(M, "fro"), ref_coeffs(fro, (X, Y), P0, x.space))
    # 1: max column sum of |.|: columns 1.3 + 0.21 and 0.7 + 3
    close(np.linalg.norm(M, 1), ref_coeffs(Y + 3, (X, Y), P0, x.space))
    close(np.linalg.norm(M, np.inf), ref_coeffs(X * Y + 3, (X, Y), P0, x.space))


def test_norm_axes_shapes_and_scaling():
    x = jets.variable(np.array([[3e200, 4e200], [1e-200, 2e-200]]), order=2)
    n = np.linalg.norm(x, axis=1)
    assert n.shape == (2,)
    np.testing.assert_allclose(n.value, [5e200, np.sqrt(5) * 1e-200], rtol=1e-15)
    np.testing.assert_allclose(n.coeffs[1], x.value.sum(axis=1) / n.value, rtol=1e-14)
    assert np.linalg.norm(x, axis=0, keepdims=True).shape == (1, 2)
    assert np.linalg.norm(x, axis=(0, 1)).shape == ()
    with pytest.raises(TypeError, match="'fro'"):
        np.linalg.norm(x, 2)
    with pytest.raises(TypeError, match="'fro'"):
        np.linalg.norm(x, "nuc")
    with pytest.raises(ValueError):
        np.linalg.norm(x, "fro", axis=0)


def test_norm_at_zero_is_not_finite():
    x = jets.variable(0.0, order=2)
    n = np.linalg.norm(jets.stack([x, 2 * x]))
    assert n.value == 0 and not np.isfinite(n.coeffs[1:]).all()


# ----------------------------------------------- einsum, tensordot, outer, trace
def _x2():
    x, y = jets.variables(
        [np.linspace(0.1, 0.9, 6).reshape(2, 3), np.linspace(-1, 1, 6).reshape(2, 3)], order=2
    )
    return x, y


@pytest.mark.parametrize(
    "spec, shapes",
    [
        ("ij,jk->ik", [(2, 3), (3, 4)]),
        ("ij,j", [(2, 3), (3,)]),
        ("ij->ji", [(2, 3)]),
        ("ij,kl->ijkl", [(2, 3), (2, 2)]),
        ("...j,jk->...k", [(2, 3), (3, 5)]),
        ("ij,ij->", [(2, 3), (2, 3)]),
        ("ij", [(2, 3)]),
        ("ji", [(2, 3)]),
    ],
)
def test_einsum_with_constants_is_coefficientwise(spec, shapes):
    x, y = _x2()
    J = x * y + np.sin(x)
    consts = [np.arange(np.prod(s), dtype=float).reshape(s) + 1 for s in shapes[1:]]
    r = np.einsum(spec, J, *consts)
    want = np.stack([np.einsum(spec, c, *consts) for c in J.coeffs])
    assert r.shape == np.einsum(spec, J.value, *consts).shape
    np.testing.assert_allclose(r.coeffs, want, rtol=1e-13, atol=1e-15)
    if len(shapes) == 2 and shapes[1] == (2, 3):  # constant first
        r = np.einsum(spec, consts[0], J)
        want = np.stack([np.einsum(spec, consts[0], c) for c in J.coeffs])
        np.testing.assert_allclose(r.coeffs, want, rtol=1e-13, atol=1e-15)


def test_einsum_of_jets_is_the_product():
    x, y = _x2()
    A, B = x * y, np.exp(y)
    r = np.einsum("ij,kj->ik", A, B)
    want = (A[:, None, :] * B[None, :, :]).sum(axis=-1)
    np.testing.assert_allclose(r.coeffs, want.coeffs, rtol=1e-13, atol=1e-15)
    r3 = np.einsum("ij,kj,k->i", A, B, x[:, 0])
    want3 = (want * x[:, 0]).sum(axis=-1)
    np.testing.assert_allclose(r3.coeffs, want3.coeffs, rtol=1e-13, atol=1e-15)
    with pytest.raises(ValueError):
        np.einsum("ij,jk->ik", A, B)  # numpy's error: 3 != 2


def test_tensordot_outer_trace_dot_against_numpy():
    x, y = _x2()
    J = x + y * y
    M = np.arange(12.0).reshape(3, 4)
    for axes in (1, ([1], [0])):
        r = np.tensordot(J, M, axes=axes)
        np.testing.assert_allclose(
            r.coeffs, np.stack([np.tensordot(c, M, axes) for c in J.coeffs]), rtol=1e-13
        )
    r = np.tensordot(J, J, axes=([0, 1], [0, 1]))
    np.testing.assert_allclose(r.coeffs, (J * J).sum().coeffs, rtol=1e-13, atol=1e-13)
    o = np.outer(J, np.arange(3.0))
    assert o.shape == (6, 3)
    np.testing.assert_allclose(o.coeffs, np.stack([np.outer(c, np.arange(3.0)) for c in J.coeffs]))
    oo = np.outer(J[0], J[1])
    np.testing.assert_allclose(oo.coeffs, (J[0][:, None] * J[1][None, :]).coeffs)
    t = np.trace(jets.stack([J, J, J], axis=-1), axis1=0, axis2=2)
    np.testing.assert_allclose(
        t.coeffs, np.stack([np.trace(np.stack([c, c, c], -1), 0, 0, 2) for c in J.coeffs])
    )
    K = jets.stack([J[:, :2], 2 * J[:, :2]])  # (2, 2, 2)
    np.testing.assert_allclose(np.trace(K).coeffs, np.stack([np.trace(c) for c in K.coeffs]))
    np.testing.assert_allclose(np.dot(J, M).coeffs, np.stack([np.dot(c, M) for c in J.coeffs]))
    np.testing.assert_allclose(
        (np.arange(2.0) @ J).coeffs, np.stack([np.arange(2.0) @ c for c in J.coeffs])
    )
