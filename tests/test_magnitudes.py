"""Magnitudes: derivatives of high order and at extreme points come out right
wherever float64 can represent them (docs/theory.md, "Magnitudes: the
per-seeding scale").  References are mpmath closed forms at 60 digits."""

import pickle

import mpmath as mp
import numpy as np
import pytest

import jets

RTOL = 1e-12


def _close(got, want, rtol=RTOL):
    """got (float) against the mpmath number want: inf exactly where |want| is
    beyond float64, 0 (or subnormal) where it underflows, else relative."""
    want = mp.mpf(want)
    if abs(want) > mp.mpf(np.finfo(float).max):
        return np.isinf(got) and np.sign(got) == mp.sign(want)
    if abs(want) < mp.mpf(np.finfo(float).tiny):
        return abs(got) <= 2 * np.finfo(float).tiny
    return abs(mp.mpf(float(got)) / want - 1) <= rtol


def _check(d, truth, rtol=RTOL, inf_tail=False):
    """Every d[j] right; with inf_tail, a tail of +-inf (the sign of the truth)
    is accepted: a function of radius of convergence R stores c[j] sigma**j ~
    (sigma / R)**j, which overflows before j! / R**j does (docs/theory.md,
    "Magnitudes"): inf, never a wrong finite number."""
    assert not np.any(np.isnan(d))
    first = len(d)
    if inf_tail:
        fin = np.flatnonzero(~np.isfinite(d))
        first = int(fin[0]) if len(fin) else len(d)
    bad = [j for j in range(first) if not _close(d[j], truth(j), rtol)]
    bad += [
        j
        for j in range(first, len(d))
        if not (np.isinf(d[j]) and np.sign(d[j]) == mp.sign(truth(j)))
    ]
    assert not bad, [(j, d[j], mp.nstr(truth(j), 8)) for j in bad[:5]]


# ------------------------------------------------------------- the examples
def test_power_at_a_tiny_point():
    with mp.workdps(60):
        want = mp.mpf(2.5) * 1.5 * 0.5 * mp.mpf(1e-300) ** -0.5
        got = jets.derivative(lambda t: t**2.5, 1e-300, 3)
        assert _close(got, want)
        # f = 1e-750 underflows, f' = 2.5e-450 too, f'' = 3.75e-150 does not
        d = jets.derivatives(lambda t: t**2.5, 1e-300, 3)
        assert d[0] == 0 and d[1] == 0 and _close(d[2], mp.mpf(3.75) * mp.mpf(1e-300) ** 0.5)


@pytest.mark.parametrize("x0", [1e-300, 1e300, 3e-200, 1e-250])
@pytest.mark.parametrize("k", [3, 8, 40])
def test_power_at_extreme_points(x0, k):
    with mp.workdps(60):
        x = mp.mpf(x0)
        d = jets.derivatives(lambda t: t**2.5, x0, k)
        _check(d, lambda j: mp.ff(mp.mpf(2.5), j) * x ** (2.5 - j), 1e-11)
        d = jets.derivatives(lambda t: t**-0.5, x0, k)
        _check(d, lambda j: mp.ff(mp.mpf(-0.5), j) * x ** (-0.5 - j), 1e-11)


def test_power_batch_mixes_extreme_and_ordinary_points():
    pts = np.array([1e-300, 2.0, 1e300, 0.7])
    d = jets.derivatives(lambda t: t**2.5, pts, 6)
    with mp.workdps(60):
        for i, x0 in enumerate(pts):
            _check(d[:, i], lambda j: mp.ff(mp.mpf(2.5), j) * mp.mpf(x0) ** (2.5 - j), 1e-11)
    # ordinary points are computed exactly as alone
    alone = jets.derivatives(lambda t: t**2.5, pts[[1, 3]], 6)
    np.testing.assert_array_equal(d[:, [1, 3]], alone)


def test_exp_60th_derivative_at_minus_600():
    with mp.workdps(60):
        assert _close(jets.derivative(np.exp, -600.0, 60), mp.exp(-600))


def test_exp_170th_derivative_at_minus_40():
    with mp.workdps(60):
        assert _close(jets.derivative(np.exp, -40.0, 170), mp.exp(-40))


def test_sin_170th_derivative_at_1e_16():
    with mp.workdps(60):
        assert _close(jets.derivative(np.sin, 1e-16, 170), -mp.sin(mp.mpf(1e-16)))


def test_past_order_170():
    assert abs(jets.derivative(np.exp, 1.0, 200) / np.e - 1) < 1e-13
    x = jets.variable(1.0, 200)
    assert abs(np.exp(x).derivative(200) / np.e - 1) < 1e-13
    assert abs(np.exp(x).partial((200,)) / np.e - 1) < 1e-13


# --------------------------------------------------------------- high orders
FINITE_RADIUS = ("1/(1+x)", "log(2)")
CASES = {
    "exp(1)": (np.exp, 1.0, lambda x, j: mp.exp(x)),
    "exp(-600)": (np.exp, -600.0, lambda x, j: mp.exp(x)),
    "sin(0.3)": (
        np.sin,
        0.3,
        lambda x, j: (
            mp.diff(mp.sin, x, j)
            if j < 4
            else [mp.sin, mp.cos, lambda v: -mp.sin(v), lambda v: -mp.cos(v)][j % 4](x)
        ),
    ),
    "sin(1e-16)": (
        np.sin,
        1e-16,
        lambda x, j: [mp.sin, mp.cos, lambda v: -mp.sin(v), lambda v: -mp.cos(v)][j % 4](x),
    ),
    "1/(1+x)": (
        lambda t: 1 / (1 + t),
        0.5,
        lambda x, j: (-1) ** j * mp.factorial(j) / (1 + x) ** (j + 1),
    ),
    "log(2)": (
        np.log,
        2.0,
        lambda x, j: mp.log(x) if j == 0 else (-1) ** (j - 1) * mp.factorial(j - 1) / x**j,
    ),
}


@pytest.mark.parametrize("k", [100, 500, 1000])
@pytest.mark.parametrize("name", sorted(CASES))
def test_high_orders(name, k):
    f, x0, truth = CASES[name]
    d = jets.derivatives(f, x0, k)
    with mp.workdps(60):
        x = mp.mpf(x0)
        # the recurrences lose a few ulp per degree at most; never a wrong finite number
        _check(
            d,
            lambda j: truth(x, j),
            1e-12 if k <= 100 else 1e-11,
            inf_tail=name in FINITE_RADIUS and k > 100,
        )
    if name in FINITE_RADIUS and k > 100:
        # right at least up to degree 100 (the stored series grows as (sigma / R)**j)
        assert np.all(np.isfinite(d[:101]))


def test_high_order_batch():
    pts = np.array([[0.3, 1.0], [-2.0, 1e-16]])
    d = jets.derivatives(np.sin, pts, 1000)
    with mp.workdps(60):
        for idx in np.ndindex(pts.shape):
            x = mp.mpf(pts[idx])
            _check(d[(slice(None),) + idx], lambda j: mp.diff(mp.sin, x, j % 4) * 1, 1e-11)


def test_overflowing_derivatives_are_inf():
    # order 200: sigma = 64 < 1.5 * 1e308**(1/188), so the stored series stays
    # finite as far as the derivatives do
    d = jets.derivatives(lambda t: 1 / (1 + t), 0.5, 200)
    with mp.workdps(60):
        big = [
            j
            for j in range(201)
            if mp.factorial(j) / mp.mpf(1.5) ** (j + 1) > mp.mpf(np.finfo(float).max)
        ]
    assert big and all(np.isinf(d[j]) for j in big)
    assert np.all(np.isfinite(d[: big[0]]))


def test_multivariate_exp_caps_60():
    x, y = jets.variables([0.5, 0.25], (60, 60))
    f = np.exp(x + y)
    with mp.workdps(60):
        for a in [(60, 60), (0, 60), (30, 45)]:
            assert _close(f.partial(a), mp.exp(mp.mpf(0.75)), 1e-12), a
    p = jets.partial(
        lambda v: np.exp(v[0] + v[1]), [[0.5, -600.0], [0.25, 0.0]], (60, 60), order=(60, 60)
    )
    with mp.workdps(60):
        assert _close(p[0], mp.exp(mp.mpf(0.75)), 1e-12)
        assert _close(p[1], mp.exp(-600), 1e-12)


@pytest.mark.slow
def test_multivariate_exp_order_200():
    # total order 200 in 2 variables is above the product-table limit: caps (100, 100)
    x, y = jets.variables([0.5, 0.25], (100, 100))
    f = np.exp(x + y)
    with mp.workdps(60):
        assert _close(f.partial((100, 100)), mp.exp(mp.mpf(0.75)), 1e-12)
        assert _close(f.partial((0, 100)), mp.exp(mp.mpf(0.75)), 1e-12)
        assert _close(
            f.coefficient((100, 100)), mp.exp(mp.mpf(0.75)) / mp.factorial(100) ** 2, 1e-12
        )
    p = jets.partial(
        lambda v: np.exp(v[0] + v[1]), [[0.5, -600.0], [0.25, 0.0]], (100, 100), order=(100, 100)
    )
    with mp.workdps(60):
        assert _close(p[0], mp.exp(mp.mpf(0.75)), 1e-12)
        assert _close(p[1], mp.exp(-600), 1e-12)


def test_caps_high_order():
    x, y = jets.variables([1.0, 2.0], (200, 2))
    f = np.exp(x) * y**2
    with mp.workdps(60):
        assert _close(f.partial((200, 2)), 2 * mp.e, 1e-12)
        assert _close(f.partial((150, 1)), 4 * mp.e, 1e-12)


# --------------------------------------------------------- low orders unchanged
@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_low_orders_are_not_scaled(k):
    x = jets.variable(np.linspace(0.1, 2, 7), k)
    assert x.space.scale is None
    f = np.exp(np.sin(x)) / (1 + x**2)
    np.testing.assert_array_equal(f._stored_full(), f.coeffs)


def _canonical(points, k, g):
    """g on jets of the canonical (unscaled) space: the series before scaling."""
    S = jets.space(1, k)
    c = np.zeros((S.ncoeffs,) + np.shape(points))
    c[0], c[1] = points, 1.0
    return g(jets.Jet(S, c))


def test_order_8_bit_identical_to_unscaled():
    pts = np.linspace(-1.5, 2.5, 11)

    def g(t):
        return np.exp(np.sin(t)) / (1 + t**2) + np.sqrt(2 + t) * np.arctan(t) - t**3

    x = jets.variable(pts, 8)
    assert x.space.scale == (2,)
    np.testing.assert_array_equal(g(x).coeffs, _canonical(pts, 8, g).coeffs)


def test_seed_holds_sigma():
    x = jets.variable(1.0, 20)
    assert x.space.scale == (3,)  # round(log2(20 / e)) = 3
    assert x._coeffs[1] == 8.0 and x.coeffs[1] == 1.0
    assert x.derivative(1) == 1.0 and x.coefficient((1,)) == 1.0


# ------------------------------------------------------------- other readers
def test_readers_agree_at_high_order():
    x, y = jets.variables([0.4, -0.3], 12)
    f = np.sin(x) * np.exp(2 * y)
    parts = f.partials()
    c = f.coeffs
    S = f.space
    for alpha, i in S.index.items():
        assert f.partial(alpha) == parts[alpha]
        assert f.coefficient(alpha) == c[i]
    with mp.workdps(60):
        a, b = mp.mpf(0.4), mp.mpf(-0.3)
        for i, j in [(5, 7), (12, 0), (0, 12), (3, 3)]:
            want = mp.diff(mp.sin, a, i) * 2**j * mp.exp(2 * b)
            assert _close(parts[(i, j)], want, 1e-13)
    np.testing.assert_array_equal(f.gradient(), [parts[(1, 0)], parts[(0, 1)]])
    H = f.hessian()
    assert H[0, 1] == parts[(1, 1)] and H[0, 0] == parts[(2, 0)]
    assert "order=12" in repr(f)


def test_public_constructor_takes_true_coefficients():
    x = jets.variable(0.5, 10)
    f = np.exp(x)
    g = jets.Jet(f.space, f.coeffs)
    np.testing.assert_array_equal(g.coeffs, f.coeffs)
    np.testing.assert_array_equal((g * x).coeffs, (f * x).coeffs)


def test_pickle_keeps_the_scale():
    x, y = jets.variables([0.5, 1.5], 30)
    f = np.exp(x) * np.cos(y)
    g, gx = pickle.loads(pickle.dumps((f, x)))
    assert g.space.scale == f.space.scale and g.space is gx.space
    np.testing.assert_array_equal(g.coeffs, f.coeffs)
    np.testing.assert_array_equal((g * gx).partials()[(20, 5)], (f * x).partials()[(20, 5)])


def test_calculus_accounts_for_the_scale():
    t = jets.variable(0.2, 12)
    f = np.exp(t)
    h = 0.05
    assert abs(jets.evaluate(f, h) - np.exp(0.25)) < 1e-15
    with mp.workdps(30):
        dfc = jets.differentiate(f).coeffs
        ifc = jets.integrate(f).coeffs
        for j in range(12):
            assert _close(dfc[j], mp.exp(mp.mpf(0.2)) / mp.factorial(j), 1e-14)
        for j in range(1, 13):
            assert _close(ifc[j], mp.exp(mp.mpf(0.2)) / mp.factorial(j), 1e-14)
        tr = jets.truncate(f, 6)
        for j in range(7):
            assert _close(tr.coeffs[j], mp.exp(mp.mpf(0.2)) / mp.factorial(j), 1e-14)
        # (x e^x)^(6) = (x + 6) e^x
        assert _close(
            (tr * jets.truncate(t, 6)).derivative(6), (mp.mpf(0.2) + 6) * mp.exp(mp.mpf(0.2)), 1e-13
        )
    s = jets.variable(0.0, 9)
    (asin,) = jets.invert([np.sin(s)])
    with mp.workdps(30):
        want = mp.taylor(mp.asin, 0, 9)
        for j in range(10):
            assert abs(asin.coefficient((j,)) - want[j]) <= 1e-15 * max(1, abs(want[j]))
    # the composition of the inverse with the map is the identity
    back = jets.evaluate(np.sin(s), [asin])
    np.testing.assert_allclose(back.coeffs, np.r_[0.0, 1.0, np.zeros(8)], atol=1e-15)


def test_error_tracking_at_high_order_covers():
    """The error estimate scales with the coefficients: the derivatives' errors
    (error=True) cover the true error, also where the product sin * exp
    cancels catastrophically (terms ~ 2**j / j!, result ~ 2**(j/2) / j!)."""
    pts = np.array([0.3, 1e-16, 2.0])
    d, E = jets.derivatives(lambda t: np.sin(t) * np.exp(t), pts, 200, error=True)
    with mp.workdps(60):
        for i, x0 in enumerate(pts):
            v = mp.mpf(x0)
            for j in (0, 1, 50, 100, 150, 200):
                # (sin exp)^(j) = 2^(j/2) e^x sin(x + j pi / 4)
                want = mp.mpf(2) ** (mp.mpf(j) / 2) * mp.exp(v) * mp.sin(v + j * mp.pi / 4)
                assert abs(mp.mpf(float(d[j, i])) - want) <= E[j, i] + abs(want) * 1e-13, (i, j)
    assert np.all(np.isfinite(E)) and np.all(E >= 0)
    x = jets.variable(pts, 200, track_error=True)
    assert x.space.scale is not None
    # Jet.error() is the error of the true coefficients (scaled back alike)
    f = np.exp(x)
    np.testing.assert_array_equal(f.error(), f.space.to_true(f._stored_error()))


def test_cli_reads_high_orders(capsys):
    from jets.cli import main

    main(["exp(x)", "--at", "x=1", "--partial", "x^30"])
    out = capsys.readouterr().out
    assert "2.718281828459" in out
