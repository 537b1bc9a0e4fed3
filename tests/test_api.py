"""jets.api against sympy: every function, 1-4 variables, orders up to 6, batches.

Each test function is written once, as ``F(v, m)`` with ``v`` the variables
and ``m`` a module of elementary functions: ``jets`` for the jet side (``v``
is the jet array f receives) and a sympy namespace for the ground truth
(``v`` a list of symbols).  sympy's derivatives are evaluated with
``lambdify(..., "numpy")`` on the same batch of points.
"""

import doctest
from functools import cache
from itertools import product
from math import comb, factorial
from types import SimpleNamespace

import numpy as np
import pytest
import sympy as sp

import jets
import jets.api
from jets.space import count_coeffs

SYM = SimpleNamespace(
    sin=sp.sin,
    cos=sp.cos,
    exp=sp.exp,
    log=sp.log,
    sqrt=sp.sqrt,
    arctan=sp.atan,
    tanh=sp.tanh,
    cosh=sp.cosh,
    sinh=sp.sinh,
    log1p=lambda z: sp.log(1 + z),
    arctan2=sp.atan2,
)

# name -> (number of variables, F(v, m)); points are drawn from [-0.8, 0.8]
FUNCS = {
    "poly1": (1, lambda v, m: v[0] ** 5 - 3 * v[0] ** 2 + 1),
    "sin_exp": (1, lambda v, m: m.sin(v[0]) * m.exp(v[0])),
    "rational1": (1, lambda v, m: 1 / (1 + v[0] ** 2)),
    "log_sqrt": (1, lambda v, m: m.log(1 + v[0] ** 2) + m.sqrt(v[0] + 3)),
    "atan_cosh": (1, lambda v, m: m.arctan(v[0]) * m.cosh(v[0])),
    "cube2": (2, lambda v, m: (v[0] + 2 * v[1]) ** 3),
    "sin_xy": (2, lambda v, m: m.sin(v[0] * v[1]) + m.exp(v[0]) / (1 + v[1] ** 2)),
    "log_cos": (2, lambda v, m: m.log(1 + v[0] ** 2 + v[1] ** 2) * m.cos(v[0] - v[1])),
    "atan2": (2, lambda v, m: m.arctan2(v[1], v[0] + 2) * m.sqrt(2 + v[0] * v[1])),
    "exp_sin3": (3, lambda v, m: m.exp(v[0] * v[1]) * m.sin(v[2]) + v[0] / (2 + v[1] + v[2] ** 2)),
    "tanh3": (3, lambda v, m: m.tanh(v[0] + v[1] * v[2]) * v[2] ** 2 + m.log1p(v[0] ** 2)),
    "four": (
        4,
        lambda v, m: (
            v[0] * v[1] * v[2] * v[3]
            + m.sin(v[0] + v[1]) * m.exp(v[2] - v[3])
            + m.sqrt(1 + v[0] ** 2 + v[3] ** 2)
        ),
    ),
    "four_rat": (4, lambda v, m: (v[0] - v[3]) / (3 + v[1] * v[2]) + m.cos(v[0] * v[2])),
}
UNIVARIATE = [k for k, (n, _) in FUNCS.items() if n == 1]
MULTIVARIATE = [k for k, (n, _) in FUNCS.items() if n > 1]
BATCHES = [(), (7,), (3, 4)]


def jet_f(name):
    """The jet-side function: f(x) with x the jet array of shape (n, *batch)."""
    n, F = FUNCS[name]
    if n == 1:
        return lambda t: F([t], jets)
    return lambda x: F(x, jets)


@cache
def symbols(n):
    return sp.symbols(f"x0:{n}", real=True)


@cache
def sym_expr(name):
    n, F = FUNCS[name]
    return F(list(symbols(n)), SYM)


@cache
def sym_partial(name, alpha):
    """sympy's d^alpha F, differentiating the cached parent (one diff per call)."""
    if not any(alpha):
        return sym_expr(name)
    i = max(j for j, a in enumerate(alpha) if a)
    parent = alpha[:i] + (alpha[i] - 1,) + alpha[i + 1 :]
    return sp.diff(sym_partial(name, parent), symbols(len(alpha))[i])


@cache
def sym_fn(name, alpha):
    n = len(alpha)
    return sp.lambdify(symbols(n), sym_partial(name, alpha), "numpy")


def truth(name, alpha, x):
    """sympy's d^alpha F at the points x (shape (n, *batch)), as float64."""
    x = np.asarray(x, dtype=float)
    val = sym_fn(name, tuple(alpha))(*x)
    return np.broadcast_to(np.asarray(val, dtype=float), x.shape[1:])


def assert_close(got, want):
    want = np.asarray(want, dtype=float)
    scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-10 * scale)


def points(n, batch, seed=0):
    rng = np.random.default_rng(seed + 17 * n + len(batch))
    return rng.uniform(-0.8, 0.8, (n,) + batch)


class Recorder:
    """Wraps a function, remembering the jet arrays it was called with."""

    def __init__(self, f):
        self.f, self.calls = f, []

    def __call__(self, x):
        self.calls.append(x)
        return self.f(x)

    @property
    def space(self):
        (x,) = self.calls  # called exactly once
        return x.space


# ===================================================== one variable vs sympy
@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("name", UNIVARIATE)
def test_derivatives_match_sympy(name, batch):
    t = points(1, batch)[0]
    order = 6
    got = jets.derivatives(jet_f(name), t, order)
    assert got.shape == (order + 1,) + batch
    for k in range(order + 1):
        assert_close(got[k], truth(name, (k,), t[None]))


@pytest.mark.parametrize("name", UNIVARIATE)
def test_derivative_and_taylor_match_sympy(name):
    t = points(1, (3, 2))[0]
    for n in range(7):
        d = jets.derivative(jet_f(name), t, n)
        assert d.shape == t.shape
        assert_close(d, truth(name, (n,), t[None]))
    c = jets.taylor(jet_f(name), t, 6)
    assert c.shape == (7,) + t.shape
    for k in range(7):
        assert_close(c[k] * factorial(k), truth(name, (k,), t[None]))


def test_derivative_default_n_is_one():
    assert jets.derivative(jets.sin, 0.0) == 1.0


def test_power_at_zero_through_the_api():
    # x**3 at 0: 0, 0, 6, 6 (the recurring powers-at-zero trap), exactly
    assert jets.derivatives(lambda t: t**3, 0.0, 4).tolist() == [0.0, 0.0, 0.0, 6.0, 0.0]
    assert jets.derivatives(lambda t: t**2.0, [0.0, 1.0], 2).tolist() == [
        [0.0, 1.0],
        [0.0, 2.0],
        [2.0, 2.0],
    ]


def test_taylor_of_sin_is_its_series():
    c = jets.taylor(np.sin, 0.0, 9)
    series = sp.Poly(sp.series(sp.sin(sp.Symbol("t")), n=10).removeO(), sp.Symbol("t"))
    want = [float(series.coeff_monomial(sp.Symbol("t") ** k)) for k in range(10)]
    np.testing.assert_allclose(c, want, rtol=1e-15, atol=0)


def test_univariate_vector_f_shapes():
    t = np.linspace(0, 1, 5).reshape(5, 1) * np.ones((1, 2))
    d = jets.derivatives(lambda s: [jets.sin(s), jets.cos(s), 2.0], t, 3)
    assert d.shape == (4, 3) + t.shape
    assert_close(d[3, 0], -np.cos(t))
    assert_close(d[3, 1], np.sin(t))
    assert np.all(d[1:, 2] == 0) and np.all(d[0, 2] == 2.0)
    assert jets.derivative(lambda s: [s, s * s], 3.0, 1).tolist() == [1.0, 6.0]


def test_univariate_integer_points_give_floats():
    d = jets.derivative(lambda t: t**2, np.arange(4), 1)
    assert d.dtype == np.float64 and d.tolist() == [0.0, 2.0, 4.0, 6.0]


# ================================================== several variables vs sympy
@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("name", MULTIVARIATE)
def test_partials_match_sympy(name, batch):
    n = FUNCS[name][0]
    # sympy's expressions swell with the order; the heavy ones stop earlier
    order = {"atan2": 4, "tanh3": 4, "exp_sin3": 4, "log_cos": 5}.get(name, {2: 6, 3: 5, 4: 4}[n])
    x = points(n, batch)
    rec = Recorder(jet_f(name))
    got = jets.partials(rec, x, order)
    assert rec.space.order == order and rec.space.nvars == n
    assert len(got) == comb(n + order, n)
    degrees = [sum(a) for a in got]
    assert degrees == sorted(degrees)  # graded order
    for alpha, val in got.items():
        assert val.shape == batch
        assert_close(val, truth(name, alpha, x))


@pytest.mark.parametrize("name", ["sin_xy", "exp_sin3", "four"])
def test_partials_order_six(name):
    n = FUNCS[name][0]
    x = points(n, (5,), seed=3)
    got = jets.partials(jet_f(name), x, 6)
    for alpha in got:
        if sum(alpha) == 6 or n == 2:
            assert_close(got[alpha], truth(name, alpha, x))


@pytest.mark.parametrize("name", MULTIVARIATE)
def test_partials_per_variable_caps_match_sympy(name):
    n = FUNCS[name][0]
    caps = (3, 1, 2, 0)[:n]
    x = points(n, (2, 3))
    rec = Recorder(jet_f(name))
    got = jets.partials(rec, x, caps)
    assert rec.space.order == caps
    want_alphas = {a for a in product(*(range(c + 1) for c in caps))}
    assert set(got) == want_alphas
    for alpha, val in got.items():
        assert_close(val, truth(name, alpha, x))


PARTIAL_CASES = [
    ("cube2", (2, 2)),
    ("sin_xy", (0, 6)),
    ("log_cos", (3, 3)),
    ("atan2", (1, 4)),
    ("exp_sin3", (2, 0, 3)),
    ("tanh3", (1, 1, 1)),
    ("four", (1, 2, 1, 2)),
    ("four_rat", (0, 3, 0, 0)),
    ("four", (0, 0, 0, 0)),
]


@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("name,alpha", PARTIAL_CASES)
def test_partial_matches_sympy_and_uses_caps(name, alpha, batch):
    n = FUNCS[name][0]
    x = points(n, batch)
    rec = Recorder(jet_f(name))
    got = jets.partial(rec, x, alpha)
    assert got.shape == batch
    assert_close(got, truth(name, alpha, x))
    # the smallest set holding alpha: the box of per-variable caps alpha
    S = rec.space
    assert S.ncoeffs == count_coeffs(n, alpha) <= count_coeffs(n, sum(alpha))
    if n > 1 and sum(alpha) > 1:
        assert S.order == alpha


def test_partial_22_uses_9_coefficients_not_15():
    rec = Recorder(lambda x: x[0] ** 2 * x[1] ** 2)
    assert jets.partial(rec, [1.5, -2.0], (2, 2)) == 4.0
    assert rec.space.order == (2, 2) and rec.space.ncoeffs == 9
    assert count_coeffs(2, 4) == 15


def test_partial_with_explicit_order():
    f = jet_f("sin_xy")
    x = points(2, (4,))
    for order in [4, (2, 2), (3, 5), 6]:
        rec = Recorder(f)
        assert_close(jets.partial(rec, x, (2, 2), order=order), truth("sin_xy", (2, 2), x))
        assert rec.space.order == order


def test_partial_alpha_int_for_one_variable():
    x = points(1, (3,))
    assert_close(jets.partial(lambda v: jets.sin(v[0]), x, 3), -np.cos(x[0]))
    rec = Recorder(lambda v: jets.sin(v[0]))
    jets.partial(rec, x, (3,))
    assert rec.space.order == 3  # for n = 1, caps (3,) and total 3 tie: total degree


@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("name", MULTIVARIATE)
def test_gradient_and_hessian_match_sympy(name, batch):
    n = FUNCS[name][0]
    x = points(n, batch, seed=5)
    rec = Recorder(jet_f(name))
    g = jets.gradient(rec, x)
    assert rec.space.order == 1 and rec.space.ncoeffs == n + 1
    assert g.shape == (n,) + batch
    for i in range(n):
        assert_close(g[i], truth(name, tuple(int(i == j) for j in range(n)), x))
    rec = Recorder(jet_f(name))
    H = jets.hessian(rec, x)
    assert rec.space.order == 2
    assert H.shape == (n, n) + batch
    for i, j in product(range(n), repeat=2):
        alpha = [0] * n
        alpha[i] += 1
        alpha[j] += 1
        assert_close(H[i, j], truth(name, tuple(alpha), x))
    assert np.array_equal(H, np.swapaxes(H, 0, 1))


@pytest.mark.parametrize(
    "name,k",
    [
        ("cube2", 3),
        ("sin_xy", 4),
        ("log_cos", 6),
        ("exp_sin3", 3),
        ("tanh3", 4),
        ("four", 3),
        ("four_rat", 2),
        ("sin_xy", 1),
        ("four", 0),
    ],
)
def test_derivative_tensor_matches_sympy(name, k):
    n = FUNCS[name][0]
    batch = (2, 3)
    x = points(n, batch, seed=7)
    rec = Recorder(jet_f(name))
    T = jets.derivative_tensor(rec, x, k)
    assert rec.space.order == k
    assert T.shape == (n,) * k + batch
    for idx in product(range(n), repeat=k):
        alpha = tuple(idx.count(i) for i in range(n))
        assert_close(T[idx], truth(name, alpha, x))


def test_derivative_tensor_rank_zero_batch():
    T = jets.derivative_tensor(jet_f("exp_sin3"), [0.1, 0.2, 0.3], 3)
    assert T.shape == (3, 3, 3)
    assert_close(T[0, 1, 2], truth("exp_sin3", (1, 1, 1), np.array([0.1, 0.2, 0.3])))


# ============================================================ vector f
VEC = [
    lambda v, m: m.sin(v[0]) * v[1],
    lambda v, m: v[0] ** 2 + m.exp(v[1] * v[2]),
    lambda v, m: v[2] / (2 + v[0]),
]
for _i, _F in enumerate(VEC):
    FUNCS[f"vec{_i}"] = (3, _F)


def vec_f(x):
    return [F(x, jets) for F in VEC]


@pytest.mark.parametrize("batch", BATCHES)
def test_jacobian_of_vector_f(batch):
    x = points(3, batch, seed=11)
    J = jets.jacobian(vec_f, x)
    assert J.shape == (3, 3) + batch
    for i, j in product(range(3), repeat=2):
        assert_close(J[i, j], truth(f"vec{i}", tuple(int(j == k) for k in range(3)), x))
    # gradient of a vector f is the same Jacobian
    assert np.array_equal(jets.gradient(vec_f, x), J)


@pytest.mark.parametrize("batch", BATCHES)
def test_hessian_and_tensor_of_vector_f(batch):
    x = points(3, batch, seed=13)
    H = jets.hessian(vec_f, x)
    assert H.shape == (3, 3, 3) + batch
    T = jets.derivative_tensor(vec_f, x, 3)
    assert T.shape == (3, 3, 3, 3) + batch
    for m in range(3):
        for idx in product(range(3), repeat=2):
            alpha = tuple(idx.count(i) for i in range(3))
            assert_close(H[(m,) + idx], truth(f"vec{m}", alpha, x))
        for idx in product(range(3), repeat=3):
            alpha = tuple(idx.count(i) for i in range(3))
            assert_close(T[(m,) + idx], truth(f"vec{m}", alpha, x))


def test_vector_f_as_one_jet_of_shape_m_batch():
    x = points(2, (4, 5))
    # f returns the jet array x**2 itself: shape (2, 4, 5), so m = 2
    J = jets.jacobian(lambda v: v**2, x)
    assert J.shape == (2, 2, 4, 5)
    assert_close(J[0, 0], 2 * x[0])
    assert_close(J[1, 1], 2 * x[1])
    assert np.all(J[0, 1] == 0) and np.all(J[1, 0] == 0)
    P = jets.partial(lambda v: v**3, x, (2, 0))
    assert P.shape == (2, 4, 5)
    assert_close(P[0], 6 * x[0])
    assert np.all(P[1] == 0)
    d = jets.partials(lambda v: jets.stack([v[0] * v[1], v[1]]), x, 1)
    assert d[(1, 0)].shape == (2, 4, 5)
    assert_close(d[(1, 0)][0], x[1])


def test_vector_f_as_object_array_of_jets():
    def f(v):
        out = np.empty(2, dtype=object)
        out[0], out[1] = v[0] * v[1], v[1]
        return out

    J = jets.jacobian(f, [3.0, 2.0])
    assert J.tolist() == [[2.0, 3.0], [0.0, 1.0]]


def test_nested_lists_give_matrix_valued_f():
    M = jets.jacobian(lambda v: [[v[0], v[1]], [v[0] * v[1], 1.0]], [[2.0, 1.0], [3.0, 4.0]])
    assert M.shape == (2, 2, 2, 2)
    assert M[1, 0, :, 0].tolist() == [3.0, 2.0]
    assert M[1, 1].tolist() == [[0.0, 0.0], [0.0, 0.0]]


# =================================================== shapes, seeding, zeros
@pytest.mark.parametrize("batch", BATCHES)
def test_f_is_called_once_with_the_whole_batch(batch):
    x = points(3, batch)
    rec = Recorder(lambda v: np.sum(v**2, axis=0))
    g = jets.gradient(rec, x)
    assert len(rec.calls) == 1
    (X,) = rec.calls
    assert isinstance(X, jets.Jet) and X.shape == (3,) + batch
    assert X[0].shape == batch
    np.testing.assert_array_equal(X.value, x)
    assert_close(g, 2 * x)


def test_univariate_f_receives_jet_of_x_shape():
    rec = Recorder(jets.exp)
    jets.derivatives(rec, np.zeros((2, 3)), 4)
    (X,) = rec.calls
    assert X.shape == (2, 3) and X.space.nvars == 1 and X.space.order == 4


def test_rows_of_x_are_broadcast():
    xs = np.linspace(0, 1, 5)
    g = jets.gradient(lambda v: v[0] ** 2 * v[1], [xs, 3.0])
    assert g.shape == (2, 5)
    assert_close(g[0], 6 * xs)
    assert_close(g[1], xs**2)


@pytest.mark.parametrize("batch", BATCHES)
def test_ignored_variables_give_exact_zeros(batch):
    x = points(4, batch)

    def f(v):
        return jets.sin(v[0]) * v[2]

    g = jets.gradient(f, x)
    assert np.all(g[1] == 0) and np.all(g[3] == 0)
    H = jets.hessian(f, x)
    assert np.all(H[1] == 0) and np.all(H[:, 3] == 0)
    assert np.all(jets.partial(f, x, (1, 2, 0, 0)) == 0)
    T = jets.derivative_tensor(f, x, 3)
    assert np.all(T[:, :, 1] == 0)


CONSTANTS = [lambda v: 3.0, lambda v: 3, lambda v: np.float64(3.0)]


@pytest.mark.parametrize("const", CONSTANTS)
@pytest.mark.parametrize("batch", BATCHES)
def test_constant_functions_give_zeros_of_the_right_shape(const, batch):
    x = points(2, batch)
    assert jets.gradient(const, x).shape == (2,) + batch
    assert np.all(jets.gradient(const, x) == 0)
    H = jets.hessian(const, x)
    assert H.shape == (2, 2) + batch and np.all(H == 0)
    T = jets.derivative_tensor(const, x, 3)
    assert T.shape == (2, 2, 2) + batch and np.all(T == 0)
    assert np.all(jets.partial(const, x, (0, 0)) == 3.0)
    assert jets.partial(const, x, (0, 0)).shape == batch
    p = jets.partials(const, x, 2)
    assert all(v.shape == batch for v in p.values())
    assert all(np.all(v == 0) for a, v in p.items() if sum(a))
    t = x[0]
    assert jets.derivatives(const, t, 3).shape == (4,) + batch
    assert np.all(jets.derivatives(const, t, 3)[1:] == 0)
    assert np.all(jets.derivative(const, t, 2) == 0)
    assert np.all(jets.taylor(const, t, 2)[0] == 3.0)


def test_constant_arrays():
    x = points(2, (4,))
    # pointwise constant of shape batch
    assert np.all(jets.partial(lambda v: np.arange(4.0), x, (0, 0)) == np.arange(4.0))
    # a constant vector is the same at every point: (m, *batch)
    J = jets.jacobian(lambda v: np.array([1.0, 2.0, 3.0]), x)
    assert J.shape == (3, 2, 4) and np.all(J == 0)
    J = jets.jacobian(lambda v: [1.0, v[0]], x)
    assert J.shape == (2, 2, 4)
    assert np.all(J[0] == 0) and np.all(J[1, 0] == 1) and np.all(J[1, 1] == 0)


def test_results_are_writable_fresh_arrays():
    x = points(2, (3,))
    for out in [
        jets.gradient(lambda v: 1.0, x),
        jets.taylor(lambda t: 1.0, x[0], 2),
        jets.hessian(lambda v: v[0] * v[1], x),
        jets.partial(lambda v: v[0], x, (1, 0)),
    ]:
        out[...] = 0


def test_object_dtype_points_stay_exact():
    from fractions import Fraction as Fr

    x = np.array([[Fr(1, 3)], [Fr(2, 5)]], dtype=object)
    H = jets.hessian(lambda v: v[0] ** 2 * v[1] / (1 + v[1]), x)
    # d2/dx2 = 2 y / (1 + y) = 4/7; d2/dxdy = 2 x / (1 + y)^2 = (2/3) / (49/25) = 50/147
    assert H[0, 0, 0] == Fr(4, 7) and H[0, 1, 0] == Fr(50, 147)


# ============================================================== errors
def g2(v):
    return v[0] * v[1]


@pytest.mark.parametrize(
    "call,exc,match",
    [
        (
            lambda: jets.partial(g2, np.ones((3, 4)), (1, 1)),
            ValueError,
            r"`alpha` \(1, 1\) has 2 entries, but `x` has shape \(3, 4\), i\.e\. 3 variable",
        ),
        (lambda: jets.partial(g2, [1.0, 2.0], (1, 1, 0)), ValueError, r"`alpha`.*3 entries"),
        (
            lambda: jets.partial(g2, [1.0, 2.0], (1, -1)),
            ValueError,
            r"`alpha\[1\]` must be a non-negative integer, got -1",
        ),
        (lambda: jets.partial(g2, [1.0, 2.0], (1, 1.5)), TypeError, r"`alpha\[1\]`.*float 1\.5"),
        (lambda: jets.partial(g2, [1.0, 2.0], (True, 1)), TypeError, r"`alpha\[0\]`.*bool"),
        (lambda: jets.partial(g2, [1.0, 2.0], "11"), TypeError, r"`alpha` must be a tuple"),
        (
            lambda: jets.partial(g2, [1.0, 2.0], (1, 1), order=1),
            ValueError,
            r"`alpha` \(1, 1\) is not carried by `order` 1",
        ),
        (
            lambda: jets.partial(g2, [1.0, 2.0], (2, 1), order=(1, 3)),
            ValueError,
            r"not carried by `order` \(1, 3\)",
        ),
        (
            lambda: jets.partials(g2, [1.0, 2.0], -1),
            ValueError,
            r"`order` must be a non-negative integer, got -1",
        ),
        (lambda: jets.partials(g2, [1.0, 2.0], 2.0), TypeError, r"`order`.*float 2\.0: write 2"),
        (lambda: jets.partials(g2, [1.0, 2.0], 2.5), TypeError, r"`order`.*float 2\.5"),
        (lambda: jets.partials(g2, [1.0, 2.0], True), TypeError, r"`order`.*bool"),
        (lambda: jets.partials(g2, [1.0, 2.0], "2"), TypeError, r"`order`.*a str \('2'\)"),
        (
            lambda: jets.partials(g2, [1.0, 2.0], (2, 2, 2)),
            ValueError,
            r"`order` \(2, 2, 2\) has 3 per-variable caps, but `x` holds 2 variable",
        ),
        (lambda: jets.partials(g2, [1.0, 2.0], (2, -1)), ValueError, r"`order\[1\]`"),
        (lambda: jets.derivative(np.sin, 1.0, -2), ValueError, r"`n` must be a non-negative"),
        (lambda: jets.derivative(np.sin, 1.0, 1.0), TypeError, r"`n`.*float 1\.0: write 1"),
        (lambda: jets.derivative(np.sin, 1.0, False), TypeError, r"`n`.*bool"),
        (lambda: jets.derivatives(np.sin, 1.0, -1), ValueError, r"`order` must be"),
        (lambda: jets.taylor(np.sin, 1.0, 3.5), TypeError, r"`order`.*float"),
        (lambda: jets.derivative_tensor(g2, [1.0, 2.0], -1), ValueError, r"`k` must be"),
        (lambda: jets.derivative_tensor(g2, [1.0, 2.0], 2.0), TypeError, r"`k`.*float"),
        (lambda: jets.gradient(g2, 1.0), ValueError, r"`x` must have shape \(n, \*batch\)"),
        (lambda: jets.gradient(g2, np.ones((0, 3))), ValueError, r"`x` has shape \(0, 3\)"),
        (
            lambda: jets.gradient(g2, [np.ones(3), np.ones(2)]),
            ValueError,
            r"rows of `x` have shapes",
        ),
        (lambda: jets.gradient(g2, np.array([True, False])), TypeError, r"`x`.*booleans"),
        (lambda: jets.derivative(np.sin, "1.0"), TypeError, r"`x` must hold numbers.*dtype <U3"),
        (
            lambda: jets.derivative(np.sin, jets.variable(1.0, 1)),
            TypeError,
            r"`x` must hold plain numbers, not a Jet",
        ),
        (lambda: jets.gradient(g2, [jets.variable(1.0, 1), 2.0]), TypeError, r"not a Jet"),
        (lambda: jets.gradient(3.0, [1.0, 2.0]), TypeError, r"`f` must be callable, got a float"),
    ],
)
def test_argument_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


@pytest.mark.parametrize(
    "ret,match",
    [
        (lambda v: "abc", r"it returned a str \('abc'\)"),
        (lambda v: None, r"it returned None"),
        (lambda v: {"a": v[0]}, r"it returned a dict"),
        (lambda v: [v[0], "abc"], r"it returned a list whose item \[1\] is a str \('abc'\)"),
        (lambda v: (v[0], None), r"it returned a tuple whose item \[1\] is None"),
        (
            lambda v: [[v[0], 1.0], [v[1], object()]],
            r"it returned a list whose item \[1\]\[1\] is an object",
        ),
        (lambda v: [], r"it returned an empty list"),
        (lambda v: v[0] > 0, r"it returned an ndarray of shape \(3,\) and dtype bool; booleans"),
        (lambda v: True, r"it returned the bool True; booleans"),
        (lambda v: np.array(["a", "b"]), r"it returned an array of dtype <U1"),
        (
            lambda v: jets.variable(1.0, 1),
            r"it returned a jet of 1 variable\(s\) of total "
            r"order 1, but `x` was seeded as 2 variable\(s\)",
        ),
        (
            lambda v: [v[0], jets.variables([1.0, 2.0], 2)[0]],
            r"it returned a list whose item \[1\] is a jet of 2 var",
        ),
    ],
)
def test_wrong_return_types_say_what_f_returned(ret, match):
    with pytest.raises(
        TypeError,
        match=r"`f` must return a jet, a number, an array, or a "
        r"list/tuple of those; " + match,
    ):
        jets.gradient(ret, np.ones((2, 3)))


def test_wrong_return_shape():
    with pytest.raises(
        ValueError,
        match=r"`f` returned a jet of shape \(\), which does not "
        r"end with the batch shape \(3,\).*np\.sum\(x, axis=0\)",
    ):
        jets.gradient(lambda v: np.sum(v**2), np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"items have different shapes \[\(3,\), \(2, 3\)\]"):
        jets.gradient(lambda v: [v[0], v], np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"jet of shape \(2,\) \(item \[0\]\)"):
        jets.derivative(lambda t: [t[:2]], np.ones(3))


def test_errors_inside_f_propagate():
    import math

    with pytest.raises(TypeError, match="cannot be converted to a Python float"):
        jets.derivative(math.sin, 1.0)


# ================================================================ doctests
def test_api_docstring_examples():
    result = doctest.testmod(jets.api, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 10 and result.failed == 0


# ====================================== identities across index sets (hypothesis)
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(
    alpha=st.tuples(*[st.integers(0, 3)] * 3), name=st.sampled_from(["exp_sin3", "tanh3", "vec1"])
)
def test_one_partial_is_the_same_in_every_index_set(alpha, name):
    # caps alpha, total degree |alpha|, larger caps and the derivative tensor agree
    f = jet_f(name)
    x = points(3, (4,), seed=sum(alpha))
    p = jets.partial(f, x, alpha)
    k = sum(alpha)
    assert_close(p, jets.partials(f, x, k)[alpha])
    assert_close(p, jets.partial(f, x, alpha, order=tuple(a + 1 for a in alpha)))
    idx = tuple(i for i in range(3) for _ in range(alpha[i]))
    assert_close(p, jets.derivative_tensor(f, x, k)[idx])


def test_univariate_order_as_a_one_tuple():
    t = points(1, (5,))[0]
    assert_close(jets.derivatives(np.sin, t, (3,)), jets.derivatives(np.sin, t, 3))
    assert_close(jets.taylor(np.sin, t, [3]), jets.taylor(np.sin, t, 3))
    with pytest.raises(
        ValueError,
        match=r"`order` \(2, 2\) has 2 per-variable caps, but `x` "
        r"holds 1 variable",
    ):
        jets.taylor(np.sin, t, (2, 2))


def test_complex_and_float32_points():
    assert jets.derivative(np.exp, 1j, 2) == pytest.approx(np.exp(1j), rel=1e-15)
    assert jets.derivatives(np.sin, np.float32(1.0), 2).dtype == np.float32
