"""The functional API's short cuts at one point and small batches give what the general
paths give.

``jets.api._seed`` builds the stacked seed array of float64 points directly
(``jets.jet._seeded_stack``) instead of ``stack(variables(list(x)))``, and that array
knows its rows: ``X[i]`` returns the seed jet of variable i without slicing and
compacting.  ``_points`` reads a list of Python floats with one ``np.array``; ``_tensor``
reads unscaled float64 coefficients through cached rows and factors; ``partials`` reads
every row without a gather and a cached index.  Each is compared here with the path it
short-cuts, bit for bit (the arithmetic is the same), at batches, edge points (0, -0.0,
inf, huge, tiny) and nan points, and the results with sympy.
"""

import importlib
import math
import pickle
import zlib

import numpy as np
import pytest
import sympy as sp

import jets
from jets.numpy_api import stack

A = importlib.import_module("jets.api")
JT = importlib.import_module("jets.jet")

EDGE = [4.0, 3.0, 0.0, -0.0, -2.5, 1e-300, 5e-324, 1e300, math.inf, -math.inf]

ORDERS = [1, 2, 3, 5, 8, (1, 1, 1), (2, 0, 1), (0, 3, 2), (1, 2, 0)]


def _bits(a):
    a = np.ascontiguousarray(a)
    return a.dtype, a.shape, a.tobytes()


def _same_jet(a, b):
    """Same variables, coefficients bit for bit, space (n, order, scale), no errors."""
    assert a._vars == b._vars
    assert _bits(a._coeffs) == _bits(b._coeffs)
    assert (a._space.nvars, a._space.order, a._space.scale) == (
        b._space.nvars,
        b._space.order,
        b._space.scale,
    )
    assert not a._coeffs.flags.writeable
    assert a._err is None and b._err is None


def _points(rng, shape, nan=False):
    x = rng.choice(EDGE, size=shape) * rng.choice([1.0, 0.5, -3.0], size=shape)
    if nan:
        x.flat[rng.integers(x.size)] = math.nan
    return x


def _caps_fit(order, n):
    return not isinstance(order, tuple) or len(order) == n


# ------------------------------------------------------------- the seed array
@pytest.mark.parametrize(
    ("order", "shape"),
    [
        (order, shape)
        for order in ORDERS
        for shape in [(2,), (3,), (3, 4), (2, 1), (3, 2, 3), (10,), (10, 5)]
        if _caps_fit(order, shape[0])
    ],
)
def test_seeded_stack_is_the_stacked_variables(order, shape):
    rng = np.random.default_rng(zlib.crc32(repr((order, shape)).encode()))
    for _ in range(3):
        x = _points(rng, shape)
        X = JT._seeded_stack(x, order)
        G = stack(jets.variables(list(x), order))
        assert X is not None
        _same_jet(X, G)
        n = shape[0]
        for i in range(-n, n):
            r = X[i]
            _same_jet(r, G[i])  # the stack of the general path, indexed
            _same_jet(r, X[(i,)])  # the general indexing of this very array
            assert r.space is X.space
            assert r is X[i]  # built once
        for r, g in zip(X, G, strict=True):  # iteration goes through the rows
            _same_jet(r, g)


@pytest.mark.parametrize(
    "x, order",
    [
        (np.array([1.0, math.nan]), 2),  # a nan point: the general path poisons the stack
        (np.array([[1.0, 2.0], [3.0, math.nan]]), 2),
        (np.array([1.0, 2.0], dtype=np.float32), 2),
        (np.array([1, 2]), 2),
        (np.array([1.0 + 1j, 2.0]), 2),
        (np.array([1.0]), 2),  # one variable
        (np.array([1.0, 2.0]), 0),  # no seed rows
        (np.array([1.0, 2.0]), (0, 0)),
        (np.zeros((2, 0)), 2),  # no points
        (np.array(1.0), 2),
        ([1.0, 2.0], 2),
        (np.array([1.0, 2.0]), [1, 1]),
    ],
)
def test_seeded_stack_leaves_other_points_to_the_general_path(x, order):
    assert JT._seeded_stack(x, order) is None


def test_rows_of_other_arrays_take_the_general_path():
    X = JT._seeded_stack(np.array([[1.0, 2.0], [3.0, 4.0]]), 2)
    for Y in (X.T, np.moveaxis(X, 0, 1), X[:, 0], X * 1, pickle.loads(pickle.dumps(X))):
        assert getattr(Y, "_seeds", None) is None
        _same_jet(Y[0], Y[(0,)])
    with pytest.raises(IndexError):
        X[2]
    with pytest.raises(IndexError):
        X[-3]
    _same_jet(X[True], stack(jets.variables([[1.0, 2.0], [3.0, 4.0]], 2))[True])


def test_seedings_stay_apart():
    """Every call seeds anew: jets of two calls, or of a call and jets.variables, never
    combine, also through the cached rows."""
    kept = []

    def f(v):
        kept.append(v[0])
        return v[0] * v[1]

    jets.hessian(f, [1.0, 2.0])
    with pytest.raises((TypeError, ValueError), match="seed"):
        jets.hessian(lambda v: v[0] * kept[0], [1.0, 2.0])
    u = jets.variables([1.0, 2.0], 2)[0]
    with pytest.raises((TypeError, ValueError), match="seed"):
        jets.hessian(lambda v: v[1] * u, [1.0, 2.0])
    a = JT._seeded_stack(np.array([1.0, 2.0]), 2)
    b = JT._seeded_stack(np.array([1.0, 2.0]), 2)
    assert a.space is not b.space and a[0].space is not b[0].space
    with pytest.raises(TypeError, match="seeded separately"):
        a[0] + b[1]


# ------------------------------------------------------------------ points
@pytest.mark.parametrize("x", [[4.0, 3.0], (1e300, -0.0, math.inf), [math.nan, 5e-324], [2.5]])
def test_points_of_python_floats(x):
    fast = A._points(x, True)
    rows = np.stack(np.broadcast_arrays(*[np.asarray(e) for e in x]))
    assert _bits(fast) == _bits(rows)


# ----------------------------------------------------------------- reading
def _old_tensor(S, c, k, mdim):
    """_tensor as it read every float before the cached rows (the reference)."""
    n = S.nvars
    if k == 0:
        return np.array(c[0])
    vals = A._derivs(S, c, np.arange(int(S.offsets[k]), int(S.offsets[k + 1])))
    T = vals[A._tensor_rank(n, S.order, k)].reshape((n,) * k + c.shape[1:])
    return np.moveaxis(T, tuple(range(k)), tuple(range(mdim, mdim + k)))


@pytest.mark.parametrize("order", [1, 2, 3, 4, 6, (2, 2, 2), (3, 1, 2)])
@pytest.mark.parametrize("batch", [(), (4,), (2, 3)])
def test_tensor_reads_what_the_gather_read(order, batch):
    rng = np.random.default_rng(7)
    for nv in (1, 2, 3, 5):
        if not _caps_fit(order, nv):
            continue
        S = jets.variables([0.0] * nv, order)[0].space
        for mdim in (0, 1):
            c = _points(rng, (S.ncoeffs,) + (3,) * mdim + batch)
            c[rng.integers(S.ncoeffs)] = math.nan
            top = S.degree if S.caps is None else min(S.order)
            for k in range(top + 1):
                assert _bits(A._tensor(S, c, k, mdim)) == _bits(_old_tensor(S, c, k, mdim))


@pytest.mark.parametrize("dtype", [np.float64, np.complex128, np.float32, np.int64, object])
@pytest.mark.parametrize("order", [2, 4, 7, (2, 3)])
def test_every_row_reads_what_the_gather_read(dtype, order):
    S = jets.variables([0.0, 0.0], order)[0].space
    c = (np.arange(S.ncoeffs * 3).reshape(S.ncoeffs, 3) - 5).astype(dtype)
    all_rows = A._derivs(S, c, None)
    gathered = A._derivs(S, c, np.arange(S.ncoeffs))
    if dtype is object:
        assert all_rows.tolist() == gathered.tolist()
    else:
        assert _bits(all_rows) == _bits(gathered)
    assert A._index_items(S.nvars, S.order) == tuple(S.index.items())


# --------------------------------------------------- the API, end to end
def _slow(monkeypatch):
    """The general paths: stack(variables(...)), the gathering reader, a list's rows."""
    monkeypatch.setattr(A, "_seeded_stack", lambda x, order: None)
    monkeypatch.setattr(A, "_tensor", _old_tensor)


def _f(v):
    return (v[0] + 2 * v[1]) ** 3 + jets.exp(v[0]) * np.sin(v[-1]) + v[1] / (2 + v[0] ** 2)


def _f2(v):
    """The same row twice in one operation, rows by iteration, the whole array."""
    first, *rest = v
    return v[0] * v[0] - v[1] / v[1] + sum(rest) * first + np.prod(v**2, axis=0)


def _g(v):
    return [v[0] * v[1], np.sum(v**2, axis=0), jets.exp(v[-1])]


CALLS = {
    "hessian": lambda f, x: jets.hessian(f, x),
    "gradient": lambda f, x: jets.gradient(f, x),
    "jacobian": lambda f, x: jets.jacobian(_g, x),
    "partials2": lambda f, x: jets.partials(f, x, 2),
    "partials_caps": lambda f, x: jets.partials(f, x, (2,) + (1,) * (len(x) - 1)),
    "partial": lambda f, x: jets.partial(f, x, (1,) + (0,) * (len(x) - 2) + (2,)),
    "tensor0": lambda f, x: jets.derivative_tensor(f, x, 0),
    "tensor3": lambda f, x: jets.derivative_tensor(f, x, 3),
    "tensor5": lambda f, x: jets.derivative_tensor(f, x, 5),
    "vgh": lambda f, x: jets.value_grad_hessian(f, x),
    "hessian_error": lambda f, x: jets.hessian(f, x, error=True),
}


def _flat(r):
    if isinstance(r, dict):
        return [(k, _bits(v)) for k, v in r.items()]
    if isinstance(r, tuple):
        return [_bits(a) for a in r]
    return [_bits(r)]


@pytest.mark.parametrize("f", [_f, _f2], ids=["f", "f2"])
@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("n", [2, 3, 10])
def test_api_equals_the_general_paths(name, n, f, monkeypatch):
    rng = np.random.default_rng(n)
    call = CALLS[name]
    points = [
        [float(v) for v in rng.choice(EDGE, n)],  # one point, Python floats
        [1.5, -0.0] + [0.25] * (n - 2),
        _points(rng, (n,)),
        _points(rng, (n, 7)),
        _points(rng, (n, 2, 3)),
        _points(rng, (n, 6), nan=True),
        [math.nan] + [1.0] * (n - 1),
    ]
    with np.errstate(all="ignore"):
        fast = [_flat(call(f, x)) for x in points]
        _slow(monkeypatch)
        slow = [_flat(call(f, np.array(x))) for x in points]
    assert fast == slow


def test_api_along_another_axis_equals_the_general_paths(monkeypatch):
    x = _points(np.random.default_rng(3), (5, 3))
    fast = [_flat(c(x)) for c in _axis_calls()]
    _slow(monkeypatch)
    assert fast == [_flat(c(x)) for c in _axis_calls()]


def _axis_calls():
    def f(v):
        return (v[..., 0] + 2 * v[..., 1]) ** 3 * v[..., 2]

    return [
        lambda x: jets.hessian(f, x, axis=-1),
        lambda x: jets.gradient(f, x, axis=1),
        lambda x: jets.value_grad_hessian(f, x, axis=-1),
        lambda x: jets.derivative_tensor(f, x, 3, axis=-1),
    ]


def test_nan_points_stay_poisoned():
    """A nan point is nan in every derivative; the other points of its batch are not."""
    H = jets.hessian(_f, [math.nan, 1.0])
    assert np.isnan(H).all()
    x = np.array([[1.0, math.nan, 2.0], [0.5, 0.5, math.nan]])
    for T in (jets.hessian(_f, x), jets.gradient(_f, x), jets.derivative_tensor(_f, x, 3)):
        assert np.isnan(T[..., 1:]).all() and np.isfinite(T[..., 0]).all()
    val, g, H = jets.value_grad_hessian(_f, x)
    assert np.isnan(val[1:]).all() and np.isnan(g[:, 1:]).all() and np.isnan(H[:, :, 1:]).all()


# --------------------------------------------------------------- sympy
def _sympy_f(s):
    return (s[0] + 2 * s[1]) ** 3 + sp.exp(s[0]) * sp.sin(s[-1]) + s[1] / (2 + s[0] ** 2)


@pytest.mark.parametrize("n", [2, 3])
def test_api_matches_sympy(n):
    s = sp.symbols(f"x0:{n}", real=True)
    expr = _sympy_f(s)
    rng = np.random.default_rng(11)
    x = rng.uniform(-2, 2, size=(n, 4))
    x[:, 0] = [0.0, -0.0, 1e-300][:n] if n <= 3 else x[:, 0]
    x[:, 1] = [1e5, -1e-5, 0.5][:n]

    def ref(*alpha_rows):
        out = np.empty(x.shape[1:])
        for b in range(x.shape[1]):
            d = expr
            for i in alpha_rows:
                d = sp.diff(d, s[i])
            out[b] = float(d.subs({s[j]: sp.Float(float(x[j, b]), 40) for j in range(n)}).evalf(30))
        return out

    H = jets.hessian(_f, x)
    g = jets.gradient(_f, x)
    T = jets.derivative_tensor(_f, x, 3)
    val, g2, H2 = jets.value_grad_hessian(_f, x)
    P = jets.partials(_f, x, 2)
    for i in range(n):
        np.testing.assert_allclose(g[i], ref(i), rtol=1e-12, atol=1e-300)
        assert _bits(g2[i]) == _bits(g[i])
        for j in range(n):
            np.testing.assert_allclose(H[i, j], ref(i, j), rtol=1e-12)
            assert _bits(H2[i, j]) == _bits(H[i, j])
            alpha = tuple(int(i == m) + int(j == m) for m in range(n))
            assert _bits(P[alpha]) == _bits(H[i, j])
            for k in range(n):
                np.testing.assert_allclose(T[i, j, k], ref(i, j, k), rtol=1e-11)
    np.testing.assert_allclose(val, ref(), rtol=1e-14)
    # one point of Python floats
    xs = [float(v) for v in x[:, 2]]
    Hp = jets.hessian(_f, xs)
    np.testing.assert_allclose(Hp, H[..., 2], rtol=0, atol=0)
