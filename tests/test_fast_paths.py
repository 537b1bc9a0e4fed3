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
        # 0-d float64 arrays take the fast path too
        for a, b in zip(jets.variables([np.array(p) for p in pts], order), slow, strict=True):
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
