"""The single-point fast paths give what the general paths give.

``jets.variables`` seeds Python floats (and 0-d float64 arrays) through a
cached plan; ``Jet.hessian`` multiplies unscaled float64 rows by cached
factorials in place; ``jets.derivatives`` reads every row without a gather;
``jets.jit`` runs a one-point signature straight through its kernel.  Each is
compared here with the general path it short-cuts (bit for bit where the
arithmetic is the same), at edge points and nan, and the identity rules of
seeding (two calls are two seedings) are checked on the fast path.
"""

import importlib
import math

import numpy as np
import pytest
import sympy as sp

import jets

JJ = importlib.import_module("jets.jit")
JT = importlib.import_module("jets.jet")

EDGE = [4.0, 3.0, 0.0, -0.0, -2.5, 1e-300, 1e300, math.inf, -math.inf, math.nan]


def _general(points, order):
    """variables() through the general path (numpy scalars are not floats)."""
    return jets.variables([np.float64(p) for p in points], order)


def _same_jet(a, b):
    assert a._vars == b._vars
    assert (a._space.nvars, a._space.order, a._space.scale) == (
        b._space.nvars,
        b._space.order,
        b._space.scale,
    )
    assert a._coeffs.dtype == b._coeffs.dtype and a._coeffs.shape == b._coeffs.shape
    np.testing.assert_array_equal(a._coeffs, b._coeffs)
    assert np.array_equal(np.signbit(a._coeffs), np.signbit(b._coeffs))
    assert not a._coeffs.flags.writeable
    assert a._err is None


@pytest.mark.parametrize("order", [0, 1, 2, 3, 5, 8, 12, 30])
@pytest.mark.parametrize("n", [1, 2, 3])
def test_float_seeds_equal_the_general_path(n, order):
    rng = np.random.default_rng(n * 100 + order)
    for _ in range(6):
        pts = [float(v) for v in rng.choice(EDGE, n)]
        fast = jets.variables(pts, order)
        slow = _general(pts, order)
        for a, b in zip(fast, slow, strict=True):
            _same_jet(a, b)
        # 0-d float64 arrays take the fast path too, and so does a 1-d float64 array
        for a, b in zip(jets.variables([np.array(p) for p in pts], order), slow, strict=True):
            _same_jet(a, b)
        for a, b in zip(jets.variables(np.array(pts), order), slow, strict=True):
            _same_jet(a, b)


def test_float_seeds_are_new_seedings():
    x1, y1 = jets.variables([1.0, 2.0], 3)
    x2, _ = jets.variables([1.0, 2.0], 3)
    assert x1.space is y1.space and x1.space is not x2.space
    with pytest.raises(TypeError, match="seeded separately"):
        x1 + x2
    t = jets.variable(4.0, 3)
    assert ((t**3).derivatives() == [64.0, 48.0, 24.0, 6.0]).all()


def test_float_seeds_refuse_what_the_general_path_refuses():
    for bad in (-1, 10**9):
        with pytest.raises(ValueError):
            jets.variables([1.0, 2.0], bad)
    with pytest.raises(ValueError):
        jets.variables([], 2)
    # caps, bools and ints are not the fast path and keep their own handling
    assert jets.variables([1.0, 2.0], (1, 2))[0].order == (1, 2)
    with pytest.raises(TypeError):
        jets.variables([1.0], True)


@pytest.mark.parametrize("x0", [(4.0, 3.0), (0.0, -0.0), (1e200, -1e-200), (math.nan, 1.0)])
def test_hessian_in_place_factors_equal_to_derivatives(x0):
    x, y = jets.variables(list(x0), 2)
    for f in (
        (x + 2 * y) ** 3,
        jets.sin(x * y) + jets.exp(y),
        x * 0 + 1,
        jets.stack([x * y, x**2]),
    ):
        S = f.space
        idx = S.hessian_rows()
        want = S.to_derivatives(f._stored_full()[idx], idx).reshape((2, 2) + f.shape)
        np.testing.assert_array_equal(f.hessian(), want)


def test_hessian_matches_sympy_on_batches():
    X, Y = sp.symbols("x y")
    e = sp.exp(X * Y) / (1 + X**2)
    H = sp.hessian(e, (X, Y))
    pts = np.array([[0.3, -1.2, 2.0], [0.7, 0.1, -0.5]])
    x, y = jets.variables(list(pts), 2)
    got = (jets.exp(x * y) / (1 + x**2)).hessian()
    for i in range(2):
        for j in range(2):
            want = [float(H[i, j].subs({X: a, Y: b})) for a, b in pts.T]
            np.testing.assert_allclose(got[i, j], want, rtol=1e-14)


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, int, object])
@pytest.mark.parametrize("order", [5, 25])
def test_derivatives_reads_every_row_as_the_gather_did(dtype, order):
    A = importlib.import_module("jets.api")
    x = np.array([0.5, 1.5, 2.0]).astype(dtype) if dtype is not object else [1, 2]
    f = (lambda t: t**3 + 2 * t) if dtype in (int, object) else (lambda t: np.exp(t) * t)
    S, c, _, _ = A._evaluate(f, A._points(x, False), order, False)
    got = A._derivs(S, c, None)
    want = A._derivs(S, c, np.arange(S.ncoeffs))
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(jets.derivatives(f, x, order), want)


# ------------------------------------------------------------ jets.jit, one point
@pytest.fixture(autouse=False)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("JETS_CACHE_DIR", str(tmp_path))
    JJ._numba(wait=True)  # compile at the first call (not after numba's background import)


def _eager_equal(got, want):
    """got == want: non-finite entries exactly, finite ones to 1e-14 of the largest."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape
    fin = np.isfinite(want)
    assert (np.isnan(got) == np.isnan(want)).all()
    assert (got[~fin & ~np.isnan(want)] == want[~fin & ~np.isnan(want)]).all()
    scale = max(float(np.abs(want[fin]).max()) if fin.any() else 0.0, 1e-300)
    assert np.all(np.abs(got[fin] - want[fin]) <= 1e-14 * scale)


@pytest.mark.parametrize("x0", [4.0, 0.0, -0.0, 1e-3, -7.5, math.nan, math.inf])
def test_jit_point_path_matches_eager(x0, cache_dir):
    f = lambda t: np.exp(np.sin(t)) / (1 + t**2) + t**3  # noqa: E731
    g = jets.jit(f)
    for _ in range(3):  # the first call records; later ones take the point path
        got = g(jets.variable(x0, order=6))
        want = f(jets.variable(x0, order=6))
        _eager_equal(got.coeffs, want.coeffs)
        _eager_equal(jets.derivatives(g, x0, 6), jets.derivatives(f, x0, 6))


def test_jit_point_path_two_variables_and_seedings(cache_dir):
    f = lambda x, y: (x + 2 * y) ** 3 * jets.cos(x * y)  # noqa: E731
    g = jets.jit(f)
    for pt in ([4.0, 3.0], [0.0, 1.0], [math.nan, 2.0], [-1.0, -0.0], [4.0, 3.0]):
        got = g(*jets.variables(pt, order=2)).hessian()
        want = f(*jets.variables(pt, order=2)).hessian()
        _eager_equal(got, want)
    # jets of two seedings are refused as eagerly (not combined by the fast path)
    x, _ = jets.variables([1.0, 2.0], 2)
    _, y = jets.variables([1.0, 2.0], 2)
    with pytest.raises(TypeError, match="seeded separately"):
        g(x, y)
    if JJ._numba() is not None:
        assert g._direct, "the one-point signature has no direct kernel"


def test_jit_point_path_batches_and_nan_points(cache_dir):
    f = lambda t: jets.log(t) * t**2  # noqa: E731
    g = jets.jit(f)
    x = np.array([0.5, 2.0, math.nan, -1.0, 0.0])
    for _ in range(2):
        _eager_equal(jets.derivatives(g, x, 5), jets.derivatives(f, x, 5))
    for x0 in x:
        with np.errstate(all="ignore"):
            want = jets.derivatives(f, float(x0), 5)
        _eager_equal(jets.derivatives(g, float(x0), 5), want)


# ------------------------------------------------------------ Jet.partials()
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128, int, object])
@pytest.mark.parametrize("order", [0, 2, 4, (2, 3, 1)])
def test_partials_equal_the_per_coefficient_products(dtype, order):
    x0 = np.array([[0.5, -1.25, 0.0], [2.0, 0.25, -0.0], [1.5, -0.75, np.nan]])
    if dtype in (int, object):
        x0 = np.array([[1, -2, 0], [2, 3, -1], [0, 1, 4]]).astype(dtype)
        f = lambda x, y, z: x * y * y + 3 * z * x - y  # noqa: E731
    else:
        x0 = x0.astype(dtype)
        f = lambda x, y, z: np.exp(x * y) * np.sin(z + x) / (1 + y**2 + z**2)  # noqa: E731
    with np.errstate(all="ignore"):
        r = f(*jets.variables(list(x0), order))
    S, c = r.space, r.coeffs
    want = {a: c[i] * int(S.factorials[i]) for a, i in S.index.items()}  # the old reader
    got = r.partials()
    assert list(got) == list(want)
    for a in want:
        assert got[a].dtype == want[a].dtype
        np.testing.assert_array_equal(got[a], want[a])
        if dtype is not object:
            assert np.array_equal(np.signbit(np.real(got[a])), np.signbit(np.real(want[a])))


def test_partials_of_large_batches_equal_the_per_coefficient_products():
    x0 = np.random.default_rng(7).uniform(-2, 2, (2, 3000))  # above the one-multiply size
    x0[0, 5] = np.nan
    x, y = jets.variables(list(x0), 3)
    r = jets.exp(x * y) / (1 + y**2)
    S, c = r.space, r.coeffs
    got = r.partials()
    for a, i in S.index.items():
        np.testing.assert_array_equal(got[a], c[i] * int(S.factorials[i]))


def test_partials_match_sympy():
    X, Y = sp.symbols("x y")
    e = sp.exp(X * Y) * sp.sin(X + 2 * Y)
    pts = [(0.3, -0.7), (1.2, 0.4)]
    x, y = jets.variables([np.array([p[0] for p in pts]), np.array([p[1] for p in pts])], 5)
    got = (jets.exp(x * y) * jets.sin(x + 2 * y)).partials()  # order 5: a scaled seeding
    for (a, b), v in got.items():
        d = sp.diff(e, X, a, Y, b)
        want = [float(d.subs({X: p, Y: q})) for p, q in pts]
        np.testing.assert_allclose(v, want, rtol=1e-12, atol=1e-12 * max(1, max(map(abs, want))))


# ------------------------------------------------------- variables(ndarray (n, *batch))
@pytest.mark.parametrize("order", [0, 1, 2, 4, 5, 12, 30])
@pytest.mark.parametrize("shape", [(1, 3), (2, 1), (3, 4), (2, 2, 3), (3, 0)])
def test_array_seeds_equal_the_general_path(order, shape):
    rng = np.random.default_rng(sum(shape) * 31 + order)
    x = rng.choice(EDGE, shape) if shape[1] else np.zeros(shape)
    fast = jets.variables(x, order)  # an ndarray: the fast path
    slow = jets.variables(list(x), order)  # a list of rows: the general path
    for a, b in zip(fast, slow, strict=True):
        _same_jet(a, b)
    # and they compute alike: one seeding, combinable, the same derivatives
    if shape[0] >= 2 and order >= 1 and shape[1]:
        with np.errstate(all="ignore"):
            np.testing.assert_array_equal((fast[0] * fast[1]).coeffs, (slow[0] * slow[1]).coeffs)


def test_array_seeds_keep_the_size_check_and_other_dtypes():
    with pytest.raises(ValueError):
        jets.variables(np.zeros((3, 10**8)), 8)  # too many coefficients x points
    for x in (np.zeros((2, 3), np.float32), np.zeros((2, 3), complex), np.zeros((2, 3), int)):
        got = jets.variables(x, 2)
        want = jets.variables(list(x), 2)
        for a, b in zip(got, want, strict=True):
            assert a._coeffs.dtype == b._coeffs.dtype
            np.testing.assert_array_equal(a._coeffs, b._coeffs)
