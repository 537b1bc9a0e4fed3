"""sparse=True (jets.sparse): the same derivatives as the dense jets, and sympy's."""

import math

import numpy as np
import pytest
import sympy as sp

import jets
from jets import sparse

RNG = np.random.default_rng(20261130)


def rosen(x):
    """scipy.optimize.rosen, written with numpy slicing (x of shape (n, *batch))."""
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1 - x[:-1]) ** 2.0, axis=0)


def chained(x, exp=np.exp, sin=np.sin):
    """A sum of terms in pairs of variables with exp and sin, plus a square sum."""
    a, b = x[:-1], x[1:]
    return np.sum(exp(a * b / 4) * sin(b - 2 * a) + a**2 * b, axis=0) + np.sum(x**2, axis=0) / 3


def coupled(x, exp=np.exp, sin=np.sin):
    """A dense function: every variable meets every other."""
    return exp(np.sum(x, axis=0) / 5) * x[0] + sin(np.sum(x**2, axis=0))


def close(got, want, rtol=1e-14):
    """Entrywise |got - want| <= rtol * (|want| + the largest |want|)."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape
    scale = np.nanmax(np.abs(want)) if want.size else 0.0
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    assert np.all(np.abs(got - want)[ok] <= rtol * (np.abs(want)[ok] + scale))


@pytest.mark.parametrize("f", [rosen, chained, coupled], ids=lambda f: f.__name__)
@pytest.mark.parametrize("n, batch", [(1, ()), (2, ()), (5, (7,)), (12, (2, 3)), (30, ())])
def test_hessian_equals_dense(f, n, batch):
    x = RNG.uniform(-1.5, 1.5, (n,) + batch)
    close(jets.hessian(f, x, sparse=True), jets.hessian(f, x))


@pytest.mark.parametrize("f", [rosen, chained, coupled], ids=lambda f: f.__name__)
@pytest.mark.parametrize("k", [0, 1, 3])
@pytest.mark.parametrize("n", [2, 4])
def test_tensors_and_gradient_equal_dense(f, k, n):
    x = RNG.uniform(-1, 1, (n, 5))
    close(jets.derivative_tensor(f, x, k, sparse=True), jets.derivative_tensor(f, x, k))
    close(jets.gradient(f, x, sparse=True), jets.gradient(f, x))


def _sympy_hessian(f, n, point):
    xs = sp.symbols(f"x0:{n}")
    X = np.array(xs, dtype=object)
    vexp = np.vectorize(sp.exp, otypes=[object])
    vsin = np.vectorize(sp.sin, otypes=[object])
    expr = f(X) if f is rosen else f(X, vexp, vsin)
    expr = sp.sympify(expr)
    subs = dict(zip(xs, [sp.Float(v, 30) for v in point], strict=True))
    return np.array([[float(sp.diff(expr, a, b).evalf(30, subs=subs)) for b in xs] for a in xs])


@pytest.mark.parametrize("f", [rosen, chained, coupled], ids=lambda f: f.__name__)
def test_hessian_against_sympy(f):
    n = 4
    point = RNG.uniform(-1.5, 1.5, n)
    close(jets.hessian(f, point, sparse=True), _sympy_hessian(f, n, point), rtol=1e-13)


def test_rosenbrock_against_scipy():
    from scipy.optimize import rosen_der, rosen_hess

    x = RNG.uniform(-2, 2, 25)
    close(jets.hessian(rosen, x, sparse=True), rosen_hess(x), rtol=1e-14)
    close(jets.gradient(rosen, x, sparse=True), rosen_der(x), rtol=1e-14)


def test_nan_point_poisons_only_that_point():
    x = RNG.uniform(-1, 1, (6, 4))
    x[2, 1] = np.nan
    for f in (rosen, chained, coupled):
        H = jets.hessian(f, x, sparse=True)
        assert np.all(np.isnan(H[..., 1]))
        assert not np.any(np.isnan(np.delete(H, 1, axis=-1)))
        close(H, jets.hessian(f, x))


def test_builtin_sum_add_chains_and_scalars():
    def f(x):
        s = sum(x[i] * x[i + 1] for i in range(len(x) - 1))
        return 2.0 - s + x[0] ** 3 - (x[-1] - 1.0) + np.sin(x[1] + x[2])

    x = RNG.uniform(-1, 1, (8, 3))
    close(jets.hessian(f, x, sparse=True), jets.hessian(f, x))
    close(jets.derivative_tensor(f, x, 3, sparse=True), jets.derivative_tensor(f, x, 3))


def test_sum_used_nonlinearly_is_gathered():
    def f(x):
        s = np.sum(x[1:] * x[:-1], axis=0)
        return s**2 + 3 * s - np.sum(x, axis=0) * x[0]

    x = RNG.uniform(-1, 1, (6, 2))
    close(jets.hessian(f, x, sparse=True), jets.hessian(f, x))


def test_slots_that_name_one_variable_in_some_items():
    # item 1 of x[1] * x**2 is x1**3: its two slots name one variable there only
    def f(x):
        return np.sum(x[1] * x**2 + x[[0, 2, 1]] * x[:3].sum(axis=0), axis=0)

    x = RNG.uniform(-1, 1, (3, 4))
    close(jets.derivative_tensor(f, x, 3, sparse=True), jets.derivative_tensor(f, x, 3))


def test_constants_broadcast_as_numpy():
    x = RNG.uniform(-1, 1, (5, 4))
    w = RNG.uniform(1, 2, 5)
    v = RNG.uniform(1, 2, 4)

    def f(x):
        return np.sum(w[:, None] * x**2 * v, axis=0) + v * x[0] * x[4]

    close(jets.hessian(f, x, sparse=True), jets.hessian(f, x))


def test_vector_output_jacobian():
    x = RNG.uniform(-1, 1, (6, 3))

    def f(x):
        return x[1:] * x[:-1] ** 2

    close(jets.jacobian(f, x, sparse=True), jets.jacobian(f, x))
    close(jets.hessian(f, x, sparse=True), jets.hessian(f, x))


def test_integer_points_and_constant_output():
    x = np.arange(4).reshape(4, 1)
    close(jets.hessian(rosen, x, sparse=True), jets.hessian(rosen, x.astype(float)))
    H = jets.hessian(lambda x: 3.0, np.ones((3, 2)), sparse=True)
    assert H.shape == (3, 3, 2) and not H.any()


def test_plan_is_reusable():
    plan = sparse.trace(rosen, 10, 2, (3,))
    for _ in range(2):
        x = RNG.uniform(-1, 1, (10, 3))
        close(plan.coefficients(x), plan.coefficients(x))
        S, c, _ = sparse.evaluate(rosen, x, 2)
        close(plan.coefficients(x), c)
    with pytest.raises(ValueError, match="shape"):
        plan.coefficients(np.ones((10, 4)))


def test_control_flow_is_refused():
    def f(x):
        return x[0] if x[0] > 0 else -x[0]

    with pytest.raises(TypeError, match="branch"):
        jets.hessian(f, np.ones(3), sparse=True)

    def g(x):
        return x[0] * 2 if np.sum(x, axis=0) else x[1]

    with pytest.raises(TypeError, match="branch"):
        jets.hessian(g, np.ones(3), sparse=True)


def test_unsupported_operations_name_the_way_out():
    with pytest.raises(TypeError, match="sparse=False"):
        jets.hessian(lambda x: np.linalg.norm(x, axis=0), np.ones((3, 2)), sparse=True)
    with pytest.raises(TypeError, match="sparse=False"):
        jets.hessian(lambda x: x[0, 1], np.ones((3, 2)), sparse=True)
    with pytest.raises(TypeError, match="sparse=False"):
        jets.hessian(lambda x: np.sum(x.T, axis=0), np.ones((3, 2)), sparse=True)
    with pytest.raises(ValueError, match="error=False"):
        jets.hessian(rosen, np.ones(3), sparse=True, error=True)
    with pytest.raises(ValueError, match="axis=0"):
        jets.hessian(rosen, np.ones((2, 3)), sparse=True, axis=-1)
    with pytest.raises(ValueError, match="pointwise"):
        jets.hessian(lambda x: np.sum(x), np.ones((3, 2)), sparse=True)
    with pytest.raises(ValueError, match="do not broadcast"):
        jets.hessian(lambda x: np.sum(x[1:] * x[2:], axis=0), np.ones(4), sparse=True)
    with pytest.raises(TypeError, match="True or False"):
        jets.hessian(rosen, np.ones(3), sparse="yes")


def test_sparse_cost_grows_with_terms():
    # the recorded Rosenbrock works in two-variable spaces whatever n is
    plan = sparse.trace(rosen, 200, 2, ())
    assert max(nd.slots.shape[-1] for nd in plan.nodes) == 2


def test_complex_points():
    x = RNG.uniform(-1, 1, (5, 3)) + 1j * RNG.uniform(-1, 1, (5, 3))
    close(jets.hessian(chained, x, sparse=True), jets.hessian(chained, x))


def test_tensor_read_out_equals_coefficient_read_out():
    # plan.tensor writes the partials straight from the terms; the coefficients agree
    x = RNG.uniform(-1, 1, (7, 4))
    plan = sparse.trace(chained, 7, 3, (4,))
    S, c, _ = sparse.evaluate(chained, x, 3)
    T = plan.tensor(x)
    for i, j, k in [(0, 0, 0), (1, 2, 1), (2, 1, 2), (3, 3, 4), (6, 5, 6)]:
        alpha = tuple(int(v == i) + int(v == j) + int(v == k) for v in range(7))
        want = c[S.index[alpha]] * np.prod([math.factorial(a) for a in alpha])
        close(T[i, j, k], want)


def test_large_node_batches_take_the_engine_products():
    # 19 items x 300 points: above the one-shot table size, the engine multiplies
    x = RNG.uniform(-1, 1, (20, 300))
    for f in (rosen, chained):
        close(jets.hessian(f, x, sparse=True), jets.hessian(f, x))


def _random_program(rng, n):
    """A random f of x (n, *batch): terms on index patterns (slices, shifted and
    repeated index arrays, single entries), combined by ufuncs and arithmetic."""
    unary = [np.sin, np.exp, np.cos, np.tanh, lambda v: v**3, lambda v: 1 / (2 + v * v)]
    binary = [np.add, np.subtract, np.multiply, lambda a, b: a / (3 + b * b)]
    picks = []
    for p in range(3):
        kind = rng.integers(2 if p == 0 else 3)  # the first is a vector of n - 1 items
        if kind == 0:
            lo = int(rng.integers(0, 2))
            picks.append(lambda x, lo=lo: x[lo : len(x) - 1 + lo])
        elif kind == 1:
            idx = rng.integers(0, n, n - 1)
            picks.append(lambda x, idx=idx: x[idx])
        else:
            i = int(rng.integers(0, n))
            picks.append(lambda x, i=i: x[i])
    ops = [(int(rng.integers(len(unary))), int(rng.integers(len(binary)))) for _ in range(3)]

    def f(x):
        vs = [p(x) for p in picks]
        acc = vs[0]
        for (u, b), v in zip(ops, vs[1:] + vs[:1], strict=True):
            acc = binary[b](unary[u](acc), v)
        assert np.ndim(acc) == np.ndim(x)
        return np.sum(acc * vs[1] + 0.5 * vs[2], axis=0)

    return f


@pytest.mark.parametrize("seed", range(12))
def test_random_programs_equal_dense(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 7))
    f = _random_program(rng, n)
    x = rng.uniform(-0.9, 0.9, (n, 3))
    for k in (2, 3):
        close(jets.derivative_tensor(f, x, k, sparse=True), jets.derivative_tensor(f, x, k), 1e-13)


def test_partials():
    x = RNG.uniform(-1, 1, (4, 3))
    got = jets.partials(chained, x, 3, sparse=True)
    want = jets.partials(chained, x, 3)
    assert list(got) == list(want)
    for a in want:
        close(got[a], want[a])
    with pytest.raises(ValueError, match="total order"):
        jets.partials(chained, x, (2, 2, 2, 2), sparse=True)


def test_scaled_sums():
    fs = [
        lambda x: 0.5 * rosen(x),
        lambda x: rosen(x) / 3,
        lambda x: -(2 * np.sum(x[1:] * x[:-1], axis=0)) + 1.0,
        lambda x: np.sum(x**2, axis=0) * 2 + np.sum(x[1:] * x[:-1] ** 2, axis=0) / 7,
        lambda x: np.exp(0.1 * np.sum(x, axis=0)) + 3 * (np.sum(x**3, axis=0) - 1) * 0.25,
    ]
    x = RNG.uniform(-1, 1, (6, 4))
    x[3, 2] = np.nan
    for f in fs:
        close(jets.hessian(f, x, sparse=True), jets.hessian(f, x))
        close(jets.derivative_tensor(f, x, 3, sparse=True), jets.derivative_tensor(f, x, 3))
    # the scaled Rosenbrock stays in two-variable spaces
    plan = sparse.trace(fs[0], 50, 2, ())
    assert max(nd.slots.shape[-1] for nd in plan.nodes) == 2


def test_dot_with_weights():
    x = RNG.uniform(-1, 1, (6, 4))
    w = RNG.uniform(-2, 2, 5)

    def f(x):
        return w @ (x[1:] * x[:-1] ** 2) + np.dot(w, np.sin(x[1:]))

    close(jets.hessian(f, x, sparse=True), jets.hessian(f, x))
    x1 = x[:, 0]
    close(jets.hessian(lambda x: x[1:] @ w, x1, sparse=True), jets.hessian(lambda x: x[1:] @ w, x1))
    with pytest.raises(TypeError, match="sparse=False"):
        jets.hessian(lambda x: x[1:] @ w, x[:, :5], sparse=True)
