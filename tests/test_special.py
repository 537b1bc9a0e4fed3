"""The special functions of the "series calculus" item: expit/sigmoid, logit,
sinc, sinpi, cospi, erfinv, erfcx, polygamma(n, x), lambertw, jv, yv, iv, kv,
ellipk, ellipe, expi, exp1; and complex gamma, lgamma, digamma.

References: mpmath at 40 digits (``mp.taylor``, which differentiates
numerically at high precision) and closed forms (sinc, lambertw, Bessel at 0).
Never numbers copied from jets' own output.
"""

import math
import warnings

import mpmath as mp
import numpy as np
import pytest

import jets
from jets.rules import RULES

sc = pytest.importorskip("scipy.special")

ORDER = 12
RTOL = 1e-12

#: name -> (jets callable on a jet, mpmath function, points of one batch)
UNARY = {
    "expit": (jets.expit, lambda t: 1 / (1 + mp.exp(-t)), [-40.0, -3.0, 0.0, 0.5, 20.0, 300.0]),
    "sigmoid": (jets.sigmoid, lambda t: 1 / (1 + mp.exp(-t)), [-5.0, 1.25]),
    "logit": (jets.logit, lambda t: mp.log(t / (1 - t)), [1e-6, 0.125, 0.5, 0.875, 0.999]),
    "sinc": (
        jets.sinc,
        lambda t: mp.sinc(mp.pi * t),
        [-12.7, -3.2, -1.0, 0.0, 1e-9, 0.3, 0.999, 1.5, 2.5, 40.25],
    ),
    "sinpi": (jets.sinpi, mp.sinpi, [-2.5, -1.0, 0.0, 0.3, 0.5, 7.25, 1e6 + 0.5]),
    "cospi": (jets.cospi, mp.cospi, [-2.5, -1.0, 0.0, 0.3, 0.5, 7.25, 1e6 + 0.5]),
    "erfinv": (jets.erfinv, mp.erfinv, [-0.999999, -0.9, 0.0, 0.5, 0.99, 0.999999]),
    "erfcx": (
        jets.erfcx,
        lambda t: mp.exp(t**2) * mp.erfc(t),
        [-5.0, -2.0, 0.0, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0, 30.0, 1e4],
    ),
    "lambertw": (jets.lambertw, mp.lambertw, [-0.36, -0.2, 0.0, 1.0, 10.0, 1e6]),
    "ellipk": (jets.ellipk, mp.ellipk, [-10.0, -1.0, 0.0, 0.2, 0.49, 0.5, 0.9, 0.999]),
    "ellipe": (jets.ellipe, mp.ellipe, [-10.0, -1.0, 0.0, 0.2, 0.49, 0.5, 0.9, 0.999]),
    "expi": (jets.expi, mp.ei, [-5.0, -1.0, 0.5, 2.0, 30.0]),
    "exp1": (jets.exp1, mp.e1, [0.25, 2.0, 5.0, 30.0]),
}

#: (name, plain order, mpmath function of (order, t), points)
ORDERED = [
    ("polygamma", 0, mp.polygamma, [-2.3, -0.7, 0.5, 2.0, 10.0]),
    ("polygamma", 1, mp.polygamma, [-2.5, -1.5, -0.7, 0.5, 2.0, 10.0]),
    ("polygamma", 3, mp.polygamma, [-2.3, -1.5, 0.5, 2.0, 10.0]),
    ("jv", 0, mp.besselj, [-1.2, 0.0, 0.5, 1.0, 5.0, 20.0]),
    ("jv", 1, mp.besselj, [-1.2, 0.0, 0.5, 1.0, 5.0, 20.0]),
    ("jv", 2.5, mp.besselj, [0.5, 1.0, 5.0, 20.0]),
    ("jv", -1.5, mp.besselj, [0.5, 1.0, 5.0, 20.0]),
    ("yv", 0, mp.bessely, [0.5, 1.0, 5.0, 20.0]),
    ("yv", 2.5, mp.bessely, [0.5, 1.0, 5.0, 20.0]),
    ("yv", -1.5, mp.bessely, [0.5, 1.0, 5.0, 20.0]),
    ("iv", 0, mp.besseli, [-1.2, 0.0, 0.5, 1.0, 5.0, 20.0]),
    ("iv", 2, mp.besseli, [-1.2, 0.0, 0.5, 1.0, 5.0, 20.0]),
    ("iv", 2.5, mp.besseli, [0.5, 1.0, 5.0, 20.0]),
    ("kv", 0.25, mp.besselk, [0.5, 1.0, 5.0, 20.0]),
    ("kv", 1.5, mp.besselk, [0.5, 1.0, 5.0, 20.0]),
]


#: rules whose coefficients are far below their value (expit at 300: 1e-130
#: times it) need more digits in mpmath's numerical differentiation
DPS = {"expit": 400, "erfcx": 120, "lambertw": 120}


def _taylor(f, x0, k=ORDER, dps=50):
    """mpmath's Taylor coefficients (numerical differentiation at `dps` digits),
    rounded to float."""
    with mp.workdps(dps):
        return [float(c) for c in mp.taylor(f, mp.mpf(x0), k)]


def _check(coeffs, refs, points, what, rtol=RTOL):
    """Each coefficient within RTOL of the reference, relative to itself or (for
    a coefficient far below its neighbours) to the largest of its degree - 1,
    degree, degree + 1 (as the corpus does)."""
    coeffs = np.asarray(coeffs, dtype=float)
    for p, (ref, x0) in enumerate(zip(refs, points, strict=True)):
        ref = np.array(ref)
        for j in range(len(ref)):
            scale = max(np.abs(ref[max(j - 1, 0) : j + 2]).max(), 1e-300)
            err = abs(coeffs[j, p] - ref[j]) / max(abs(ref[j]), scale)
            tol = rtol(x0, j) if callable(rtol) else rtol
            assert err <= tol, (what, x0, j, coeffs[j, p], ref[j])


@pytest.mark.parametrize("name", sorted(UNARY))
def test_univariate_order_12_against_mpmath(name):
    f, ref, points = UNARY[name]
    x = jets.variable(np.array(points), ORDER)
    out = f(x)
    _check(out.coeffs, [_taylor(ref, p, dps=DPS.get(name, 50)) for p in points], points, name)
    # the batch and a single point agree to the last bit
    one = f(jets.variable(points[-1], ORDER))
    np.testing.assert_array_equal(np.asarray(out.coeffs)[:, -1], one.coeffs)


@pytest.mark.parametrize(
    "name, v, ref, points", ORDERED, ids=[f"{n}-{v}" for n, v, _, _ in ORDERED]
)
def test_plain_order_functions_against_mpmath(name, v, ref, points):
    x = jets.variable(np.array(points), ORDER)
    out = getattr(jets, name)(v, x)
    _check(out.coeffs, [_taylor(lambda t: ref(v, t), p) for p in points], points, f"{name}({v})")


# ------------------------------------------------------------ two variables
def _compose_xy(c, x0, y0, k):
    """Coefficients {(i, j): ...} of sum_m c_m (y0 dx + x0 dy + dx dy)^m, exact
    in mpmath: the Taylor coefficients of f(x*y) at (x0, y0)."""
    with mp.workdps(40):
        h = {(1, 0): mp.mpf(y0), (0, 1): mp.mpf(x0), (1, 1): mp.mpf(1)}
        power = {(0, 0): mp.mpf(1)}
        out = {}
        for m in range(k + 1):
            for key, val in power.items():
                out[key] = out.get(key, 0) + c[m] * val
            nxt = {}
            for (a, b), u in power.items():
                for (p, q), w in h.items():
                    if a + p + b + q <= k:
                        nxt[(a + p, b + q)] = nxt.get((a + p, b + q), 0) + u * w
            power = nxt
        return out


TWO_VARS = [
    ("expit", jets.expit, lambda t: 1 / (1 + mp.exp(-t)), 0.75, -2.0),
    ("logit", jets.logit, lambda t: mp.log(t / (1 - t)), 0.5, 0.75),
    ("sinc", jets.sinc, lambda t: mp.sinc(mp.pi * t), 0.5, 1.25),
    ("sinpi", jets.sinpi, mp.sinpi, 1.5, 0.75),
    ("cospi", jets.cospi, mp.cospi, 1.5, 0.75),
    ("erfinv", jets.erfinv, mp.erfinv, 0.75, 0.5),
    ("erfcx", jets.erfcx, lambda t: mp.exp(t**2) * mp.erfc(t), 1.5, 1.25),
    ("lambertw", jets.lambertw, mp.lambertw, -0.5, 0.5),
    ("ellipk", jets.ellipk, mp.ellipk, 0.75, 0.875),
    ("ellipe", jets.ellipe, mp.ellipe, 0.75, 0.5),
    ("expi", jets.expi, mp.ei, 1.5, -1.0),
    ("exp1", jets.exp1, mp.e1, 1.5, 1.0),
    ("polygamma", lambda a: jets.polygamma(2, a), lambda t: mp.polygamma(2, t), -1.5, 1.25),
    ("jv", lambda a: jets.jv(1.5, a), lambda t: mp.besselj(1.5, t), 2.0, 1.5),
    ("yv", lambda a: jets.yv(0, a), lambda t: mp.bessely(0, t), 2.0, 1.5),
    ("iv", lambda a: jets.iv(1, a), lambda t: mp.besseli(1, t), 2.0, -1.5),
    ("kv", lambda a: jets.kv(0.5, a), lambda t: mp.besselk(0.5, t), 2.0, 1.5),
]


@pytest.mark.parametrize("name, f, ref, x0, y0", TWO_VARS, ids=[t[0] for t in TWO_VARS])
def test_two_variables_f_of_xy(name, f, ref, x0, y0):
    k = 6
    x, y = jets.variables([x0, y0], k)
    out = f(x * y)
    with mp.workdps(40):
        c = mp.taylor(ref, mp.mpf(x0) * mp.mpf(y0), k)
    want = _compose_xy(c, x0, y0, k)
    scale = max(abs(float(v)) for v in want.values())
    for alpha, v in want.items():
        got = float(out.coefficient(alpha))
        assert abs(got - float(v)) <= RTOL * max(abs(float(v)), 1e-3 * scale), (name, alpha)


# --------------------------------------------------------------- edge points
def test_sinc_at_zero_is_the_exact_series():
    """sinc(x) = sum_n (-1)^n (pi x)^(2n) / (2n+1)!: odd coefficients exactly 0."""
    out = jets.sinc(jets.variable(0.0, ORDER)).coeffs
    for j in range(ORDER + 1):
        want = 0.0 if j % 2 else (-1) ** (j // 2) * math.pi**j / math.factorial(j + 1)
        assert abs(out[j] - want) <= 1e-15 * abs(want) if want else out[j] == 0.0, j
    assert out[0] == 1.0


def test_sinc_value_is_exactly_zero_at_nonzero_integers():
    x = jets.variable(np.array([-3.0, -1.0, 1.0, 2.0, 1e6]), 3)
    assert np.all(jets.sinc(x).value == 0.0)


def test_sinpi_cospi_values_exact_at_integers_and_half_integers():
    pts = np.array([-3.5, -2.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 1e15, 2.0**60])
    s = jets.sinpi(jets.variable(pts, 2))
    c = jets.cospi(jets.variable(pts, 2))
    with mp.workdps(30):
        ws = [float(mp.sinpi(mp.mpf(p))) for p in pts]
        wc = [float(mp.cospi(mp.mpf(p))) for p in pts]
    np.testing.assert_array_equal(s.value, ws)
    np.testing.assert_array_equal(c.value, wc)
    # first derivative pi cos(pi x): exact up to the rounding of pi
    np.testing.assert_allclose(s.coeffs[1], math.pi * np.array(wc), rtol=1e-15, atol=0)


def test_lambertw_at_zero_is_the_closed_form():
    """W(x) = sum_{n>=1} (-n)^(n-1) / n! x^n."""
    out = jets.lambertw(jets.variable(0.0, ORDER)).coeffs
    assert out[0] == 0.0
    for n in range(1, ORDER + 1):
        want = (-n) ** (n - 1) / math.factorial(n)
        assert abs(out[n] - want) <= 1e-14 * abs(want), n


def test_lambertw_near_the_branch_point_and_outside():
    """Near -1/e the coefficients are ill-conditioned in the point itself (W'
    ~ 1/sqrt(x + 1/e)): the tolerance is eps times that condition number,
    (j + 1) |x0| / (x0 + 1/e)."""
    pts = [-0.3678, -math.exp(-1.0) + 1e-6]
    out = jets.lambertw(jets.variable(np.array(pts), 6))
    _check(
        out.coeffs,
        [_taylor(mp.lambertw, p, 6) for p in pts],
        pts,
        "near -1/e",
        rtol=lambda x0, j: 1e-15 * (j + 1) * abs(x0) / (x0 + math.exp(-1.0)),
    )
    with np.errstate(all="ignore"):
        below = jets.lambertw(jets.variable(-0.5, 3))
    assert np.all(np.isnan(below.coeffs))


def test_erfinv_near_plus_minus_one_and_outside():
    pts = [-1 + 2.0**-40, 1 - 2.0**-40]
    out = jets.erfinv(jets.variable(np.array(pts), 6))
    _check(out.coeffs, [_taylor(mp.erfinv, p, 6) for p in pts], pts, "erfinv near 1")
    outside = jets.erfinv(jets.variable(np.array([1.5, -1.5]), 2))
    assert np.all(np.isnan(outside.coeffs))


def test_logit_at_one_half_has_zero_even_coefficients():
    out = jets.logit(jets.variable(0.5, ORDER)).coeffs
    assert out[0] == 0.0
    for j in range(1, ORDER + 1):
        if j % 2 == 0:
            assert abs(out[j]) <= 1e-13 * abs(out[j - 1]), j
        else:
            # logit(1/2 + h) = 2 artanh(2h): coefficient 2 * 2^j / j
            assert abs(out[j] - 2 * 2.0**j / j) <= 1e-14 * 2 * 2.0**j / j, j


@pytest.mark.parametrize(
    "name, closed",
    [
        ("jv", lambda n, m: (-1) ** m / (math.factorial(m) * math.factorial(m + n))),
        ("iv", lambda n, m: 1 / (math.factorial(m) * math.factorial(m + n))),
    ],
)
@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_bessel_at_zero_for_integer_orders(name, closed, n):
    """J_n(x) = sum_m (-1)^m / (m! (m+n)!) (x/2)^(2m+n); I_n without the sign."""
    out = getattr(jets, name)(n, jets.variable(0.0, ORDER)).coeffs
    want = np.zeros(ORDER + 1)
    for m in range((ORDER - n) // 2 + 1):
        want[2 * m + n] = closed(n, m) / 2.0 ** (2 * m + n)
    np.testing.assert_allclose(out, want, rtol=1e-14, atol=1e-300)
    assert np.all(out[want == 0] == 0)


def test_expit_derivatives_keep_their_accuracy_at_large_arguments():
    """f(1 - f) with f rounded to 1 would give 0 (or garbage) here."""
    pts = [-700.0, -40.0, 40.0, 700.0]
    out = jets.expit(jets.variable(np.array(pts), 6)).coeffs
    for p, x0 in enumerate(pts):
        ref = _taylor(lambda t: 1 / (1 + mp.exp(-t)), x0, 6, dps=400)
        for j in range(1, 7):
            assert ref[j] != 0 and abs(out[j, p] - ref[j]) <= 1e-13 * abs(ref[j]), (x0, j)


def test_polygamma_at_negative_non_integers_and_poles():
    pts = np.array([-3.5, -2.25, -0.5])
    out = jets.polygamma(2, jets.variable(pts, 8))
    _check(
        out.coeffs,
        [_taylor(lambda t: mp.polygamma(2, t), p, 8) for p in pts],
        pts,
        "polygamma(2) at negatives",
    )
    with np.errstate(all="ignore"):
        pole = jets.polygamma(1, jets.variable(-2.0, 3))
    assert not np.any(np.isfinite(pole.coeffs[1:]))


NAN_CALLS = {
    **{
        n: (lambda f: lambda x: f(x))(getattr(jets, n))
        for n in (
            "expit",
            "logit",
            "sinc",
            "sinpi",
            "cospi",
            "erfinv",
            "erfcx",
            "lambertw",
            "ellipk",
            "ellipe",
            "expi",
            "exp1",
            "gamma",
            "lgamma",
            "digamma",
        )
    },
    "polygamma": lambda x: jets.polygamma(1, x),
    "jv": lambda x: jets.jv(1, x),
    "yv": lambda x: jets.yv(0.5, x),
    "iv": lambda x: jets.iv(0, x),
    "kv": lambda x: jets.kv(1, x),
}


def test_every_new_function_is_in_the_nan_table():
    new = {
        "expit",
        "logit",
        "sinc",
        "sinpi",
        "cospi",
        "erfinv",
        "erfcx",
        "lambertw",
        "ellipk",
        "ellipe",
        "expi",
        "exp1",
        "polygamma",
        "jv",
        "yv",
        "iv",
        "kv",
    }
    assert new <= set(RULES) and new <= set(NAN_CALLS)


@pytest.mark.parametrize("name", sorted(NAN_CALLS))
def test_nan_input_gives_nan_and_leaves_the_neighbours_alone(name):
    f = NAN_CALLS[name]
    pts = np.array([np.nan, 0.375])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = f(jets.variable(pts, 4))
    c = np.asarray(out.coeffs)
    assert np.all(np.isnan(c[:, 0]))
    np.testing.assert_array_equal(c[:, 1], f(jets.variable(0.375, 4)).coeffs)


# -------------------------------------------------------- complex gamma family
@pytest.mark.parametrize(
    "name, ref", [("gamma", mp.gamma), ("lgamma", mp.loggamma), ("digamma", mp.digamma)]
)
def test_complex_gamma_lgamma_digamma_against_mpmath(name, ref):
    zs = np.array([0.5 + 1j, -2.3 + 0.7j, 3 - 4j, 0.1 - 0.05j, -7.5 + 0.01j, 20 + 30j])
    out = np.asarray(getattr(jets, name)(jets.variable(zs, ORDER)).coeffs)
    assert out.dtype == np.complex128
    for p, z in enumerate(zs):
        with mp.workdps(40):
            r = [complex(c) for c in mp.taylor(ref, mp.mpc(z), ORDER)]
        scale = max(abs(c) for c in r)
        for j in range(ORDER + 1):
            assert abs(out[j, p] - r[j]) <= RTOL * max(abs(r[j]), 1e-3 * scale), (z, j)


def test_complex_lgamma_is_scipy_loggamma_and_real_lgamma_stays_gammaln():
    z = np.array([-2.5 + 0.5j, 1.5 - 2j])
    np.testing.assert_array_equal(jets.lgamma(jets.variable(z, 2)).value, sc.loggamma(z))
    x = np.array([-2.5, 1.5])
    np.testing.assert_array_equal(jets.lgamma(jets.variable(x, 2)).value, sc.gammaln(x))


def test_complex_at_a_real_point_agrees_with_the_real_jet():
    for name in ("gamma", "lgamma", "digamma"):
        f = getattr(jets, name)
        real = f(jets.variable(np.array([0.75, 2.5]), 8)).coeffs
        cplx = np.asarray(f(jets.variable(np.array([0.75, 2.5]) + 0j, 8)).coeffs)
        np.testing.assert_allclose(cplx.real, real, rtol=1e-13, atol=1e-15)


# ---------------------------------------------------------------- dispatch
@pytest.mark.parametrize(
    "ufunc, name, args",
    [
        ("expit", "expit", ()),
        ("logit", "logit", ()),
        ("erfinv", "erfinv", ()),
        ("erfcx", "erfcx", ()),
        ("ellipk", "ellipk", ()),
        ("ellipe", "ellipe", ()),
        ("expi", "expi", ()),
        ("exp1", "exp1", ()),
        ("jv", "jv", (1.5,)),
        ("yv", "yv", (0,)),
        ("iv", "iv", (2,)),
        ("kv", "kv", (0.5,)),
        ("gamma", "gamma", ()),
        ("psi", "digamma", ()),
    ],
)
def test_scipy_ufuncs_dispatch_to_the_rules(ufunc, name, args):
    x = jets.variable(np.array([0.25, 0.5]), 4)
    got = getattr(sc, ufunc)(*args, x)
    want = getattr(jets, name)(*args, x)
    assert isinstance(got, jets.Jet)
    np.testing.assert_array_equal(got.coeffs, want.coeffs)


def test_numpy_sinc_dispatches_to_the_rule():
    x = jets.variable(np.array([0.0, 0.25, 1.0]), 5)
    np.testing.assert_array_equal(np.sinc(x).coeffs, jets.sinc(x).coeffs)


def test_plain_order_must_be_plain_and_valid():
    x, y = jets.variables([0.5, 1.0], 2)
    with pytest.raises(TypeError, match="jv: the order .* must be a plain number"):
        jets.jv(y, x)
    with pytest.raises(ValueError, match="polygamma: the order must be a nonnegative integer"):
        jets.polygamma(1.5, x)
    with pytest.raises(ValueError, match="polygamma: the order must be a nonnegative integer"):
        jets.polygamma(-1, x)
    # an array of orders broadcasts over the batch
    xs = jets.variable(np.array([0.5, 0.5]), 3)
    out = jets.jv(np.array([0, 1]), xs)
    np.testing.assert_array_equal(
        np.asarray(out.coeffs)[:, 1], jets.jv(1, jets.variable(0.5, 3)).coeffs
    )


def test_new_functions_in_programs_and_the_command_line():
    """jets.define / Program drive the rules one degree at a time: same numbers."""
    from jets.cli import main  # noqa: F401  (the list of names is the rule table)
    from jets.expr import function_names

    names = set(function_names())
    assert {"expit", "sigmoid", "lambertw", "jv", "polygamma", "ellipk"} <= names
