"""jets.directional, hvp, laplacian and value_grad_hessian against sympy, with
batches, several directions at once, vector functions, nan and bad input."""

from types import SimpleNamespace

import numpy as np
import pytest
import sympy as sp

import jets

SYM = SimpleNamespace(
    sin=sp.sin,
    cos=sp.cos,
    exp=sp.exp,
    log=sp.log,
    sqrt=sp.sqrt,
    tanh=sp.tanh,
    sumsq=lambda v: sum(vi**2 for vi in v),
)
JET = SimpleNamespace(
    sin=jets.sin,
    cos=jets.cos,
    exp=jets.exp,
    log=jets.log,
    sqrt=jets.sqrt,
    tanh=jets.tanh,
    sumsq=lambda v: np.sum(v**2, axis=0),
)

FUNCS = {
    "exp_sin": (2, lambda v, m: m.exp(v[0]) * m.sin(v[1]) + v[0] * v[1] ** 2),
    "log_tanh3": (3, lambda v, m: m.log(2 + v[0] ** 2 + v[1] * v[2]) * m.tanh(v[2] - v[0])),
    "sum_sq4": (4, lambda v, m: m.sqrt(1 + m.sumsq(v)) + v[0] * v[3] ** 3),
}


def sympy_of(name):
    n, F = FUNCS[name]
    v = list(sp.symbols(f"v0:{n}", real=True))
    return n, v, F(v, SYM)


def num(e, v, point):
    return float(e.subs(dict(zip(v, [sp.Rational(float(p)) for p in point], strict=False))))


def close(a, b, rtol=1e-12, atol=1e-12):
    np.testing.assert_allclose(
        np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=rtol, atol=atol
    )


def points(n, shape, seed=0):
    return np.random.default_rng(seed).uniform(-0.7, 0.7, size=(n,) + shape)


def jet_f(name):
    return lambda x: FUNCS[name][1](x, JET)


# --------------------------------------------------------------- directional
@pytest.mark.parametrize("name", sorted(FUNCS))
def test_directional_matches_sympy_batched(name):
    n, v, e = sympy_of(name)
    k = 4
    x = points(n, (3,))
    d = points(n, (3,), seed=1)
    got = jets.directional(jet_f(name), x, d, k)
    assert got.shape == (k + 1, 3)
    t = sp.Symbol("t")
    for p in range(3):
        line = e.subs(
            {
                vi: sp.Rational(float(x[i, p])) + t * sp.Rational(float(d[i, p]))
                for i, vi in enumerate(v)
            },
            simultaneous=True,
        )
        for j in range(k + 1):
            close(got[j, p], float(sp.diff(line, t, j).subs(t, 0)))


def test_directional_several_directions_at_one_point_and_one_direction_for_all():
    _, v, e = sympy_of("exp_sin")
    x = np.array([0.3, -0.4])
    V = np.array([[1.0, 0.0, 0.6], [0.0, 1.0, 0.8]])  # 3 directions at one point
    got = jets.directional(jet_f("exp_sin"), x, V, 2)
    assert got.shape == (3, 3)
    grad = [num(sp.diff(e, vi), v, x) for vi in v]
    H = [[num(sp.diff(e, a, b), v, x) for b in v] for a in v]
    for q in range(3):
        close(got[0, q], num(e, v, x))
        close(got[1, q], np.dot(grad, V[:, q]))
        close(got[2, q], V[:, q] @ np.array(H) @ V[:, q])
    X = points(2, (2, 2))
    got = jets.directional(jet_f("exp_sin"), X, [0.6, 0.8], 1)  # one direction, batch (2, 2)
    assert got.shape == (2, 2, 2)
    for i in range(2):
        for j in range(2):
            g = [num(sp.diff(e, vi), v, X[:, i, j]) for vi in v]
            close(got[1, i, j], 0.6 * g[0] + 0.8 * g[1])


def test_directional_vector_f_and_nan():
    f = lambda x: [x[0] * x[1], jets.log(x[0])]
    got = jets.directional(f, [[1.0, -1.0], [2.0, 2.0]], [1.0, 1.0], 2)
    assert got.shape == (3, 2, 2)
    # (1 + t)(2 + t) = 2 + 3t + t^2 ; log(1 + t)
    close(got[:, 0, 0], [2.0, 3.0, 2.0])
    close(got[:, 1, 0], [0.0, 1.0, -1.0])
    assert np.isnan(got[:, 1, 1]).all() and np.isfinite(got[:, 0, 1]).all()


# ----------------------------------------------------------------------- hvp
@pytest.mark.parametrize("name", sorted(FUNCS))
def test_hvp_matches_sympy_hessian_times_v(name):
    n, v, e = sympy_of(name)
    x = points(n, (2, 2))
    w = points(n, (2, 2), seed=3)
    got = jets.hvp(jet_f(name), x, w)
    assert got.shape == (n, 2, 2)
    H = sp.hessian(e, v)
    for i in range(2):
        for j in range(2):
            Hn = np.array([[num(H[a, b], v, x[:, i, j]) for b in range(n)] for a in range(n)])
            close(got[:, i, j], Hn @ w[:, i, j])


def test_hvp_vector_f_and_one_point():
    f = lambda x: [x[0] ** 2 * x[1], jets.sin(x[0] * x[1])]
    got = jets.hvp(f, [1.0, 2.0], [1.0, -1.0])
    assert got.shape == (2, 2)
    # f0: H = [[2y, 2x], [2x, 0]] = [[4, 2], [2, 0]] -> H v = [2, 2]
    close(got[0], [2.0, 2.0])
    a, b = sp.symbols("a b")
    H = sp.hessian(sp.sin(a * b), (a, b)).subs({a: 1, b: 2})
    close(got[1], np.array(H, dtype=float) @ [1.0, -1.0])


# ----------------------------------------------------------------- laplacian
@pytest.mark.parametrize("name", sorted(FUNCS))
def test_laplacian_matches_sympy(name):
    n, v, e = sympy_of(name)
    x = points(n, (5,))
    got = jets.laplacian(jet_f(name), x)
    assert got.shape == (5,)
    lap = sum(sp.diff(e, vi, 2) for vi in v)
    close(got, [num(lap, v, x[:, p]) for p in range(5)])


def test_laplacian_equals_trace_of_hessian_identity_and_vector_f():
    # the Laplacian of a sum of squares is 2n; of a harmonic function 0
    close(jets.laplacian(lambda x: np.sum(x**2, axis=0), np.ones((7, 3))), [14.0] * 3)
    harmonic = lambda x: jets.exp(x[0]) * jets.cos(x[1]) + x[0] * x[1]
    close(jets.laplacian(harmonic, points(2, (4,))), 0.0, atol=1e-14)
    f = lambda x: [x[0] ** 2, x[0] * x[1] ** 3]
    got = jets.laplacian(f, [[1.0, 2.0], [3.0, 1.0]])
    assert got.shape == (2, 2)
    close(got[0], [2.0, 2.0])
    close(got[1], [6 * 1.0 * 3.0, 6 * 2.0 * 1.0])
    assert np.isnan(jets.laplacian(lambda x: jets.log(x[0]) + x[1], [[-1.0], [0.0]])).all()


# -------------------------------------------------------- value_grad_hessian
@pytest.mark.parametrize("name", sorted(FUNCS))
def test_value_grad_hessian_matches_sympy(name):
    n, v, e = sympy_of(name)
    x = points(n, (3,))
    val, g, H = jets.value_grad_hessian(jet_f(name), x)
    assert val.shape == (3,) and g.shape == (n, 3) and H.shape == (n, n, 3)
    Hs = sp.hessian(e, v)
    for p in range(3):
        close(val[p], num(e, v, x[:, p]))
        close(g[:, p], [num(sp.diff(e, vi), v, x[:, p]) for vi in v])
        close(H[:, :, p], [[num(Hs[a, b], v, x[:, p]) for b in range(n)] for a in range(n)])


def test_value_grad_hessian_vector_f_shapes_like_hessian():
    f = lambda x: [x[0] * x[1], x[0] ** 3]
    x = [[1.0, 2.0], [3.0, 4.0]]
    val, g, H = jets.value_grad_hessian(f, x)
    assert val.shape == (2, 2) and g.shape == (2, 2, 2) and H.shape == (2, 2, 2, 2)
    close(val, [[3.0, 8.0], [1.0, 8.0]])
    close(g[1, 0], [3.0, 12.0])
    close(H[1, 0, 0], [6.0, 12.0])
    close(H[0, 0, 1], [1.0, 1.0])


# ------------------------------------------------------------------ misuse
def test_directional_operators_bad_input():
    f = lambda x: x[0] * x[1]
    with pytest.raises(ValueError, match=r"`v` has shape \(3,\).*2 variable"):
        jets.directional(f, [1.0, 2.0], [1.0, 0.0, 0.0], 2)
    with pytest.raises(ValueError, match="do not broadcast"):
        jets.hvp(f, np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(TypeError, match="must be callable"):
        jets.laplacian(3.0, [1.0, 2.0])
    with pytest.raises(TypeError, match="`k` must be a non-negative integer"):
        jets.directional(f, [1.0, 2.0], [1.0, 0.0], 1.5)
    with pytest.raises(ValueError, match="batch shape"):
        jets.laplacian(lambda x: np.sum(x), [1.0, 2.0])
