"""Hard points: near and at singularities, domain edges and kinks.

The contract (docs/guide.md, docs/theory.md): every coefficient is either
accurate or inf/nan -- never a wrong finite number.  Near a singularity the
coefficients are compared with sympy at the exact binary point (50 digits);
coefficients whose exact value overflows must come out inf (with the right
sign) or nan.  At a singularity, every coefficient that does not exist must be
inf or nan.  At kinks and jumps the documented one-sided choices of
jets/rules.py hold: abs at 0 takes the branch a >= 0, maximum at a tie the first
argument and minimum the second (when the argument crosses the kink: ties
decided by the series are in tests/test_nonsmooth.py), floor/ceil/trunc/rint
have zero derivatives between jumps and nan ones at a jump crossed, sign at 0
gives nan derivatives when its argument varies.
"""

import math

import numpy as np
import pytest
import sympy as sp

import jets

DBL_MAX = np.finfo(float).max
TINY = 1e-290  # below this the exact coefficient may underflow


def exact_coeffs(fz, x0, order, dps=50):
    """Taylor coefficients of the sympy function fz at the exact binary x0:
    a list of sympy numbers (zoo / nan where they do not exist)."""
    z = sp.Symbol("z", real=True)
    e = fz(z)
    X = sp.Rational(float(x0))
    out = []
    for j in range(order + 1):
        v = e.subs(z, X)
        out.append(sp.N(v, dps) / math.factorial(j) if v.is_finite else v)
        e = sp.diff(e, z)
    return out


def check(got, exact, rtol=1e-13, what=""):
    """Accurate where the exact coefficient is a normal float; inf (right sign)
    or nan where it overflows or does not exist; never a wrong finite number."""
    got = np.asarray(got, dtype=float).ravel()
    for j, (g, e) in enumerate(zip(got, exact, strict=True)):
        label = f"{what} coefficient {j}: got {g!r}, exact {e}"
        if not e.is_finite:
            assert not np.isfinite(g), label
            continue
        e = float(e) if abs(e) <= DBL_MAX else (math.inf if e > 0 else -math.inf)
        if math.isinf(e):
            assert np.isnan(g) or g == e, label
        elif abs(e) < TINY:
            assert abs(g) <= 1e-280, label
        else:
            assert np.isfinite(g) and abs(g - e) <= rtol * abs(e), label


def nonfinite_beyond_value(jet, value):
    """The value is `value` (may be inf), every higher coefficient inf or nan."""
    c = np.asarray(jet.coeffs, dtype=float)
    if np.isnan(value):
        assert np.isnan(c[0])
    else:
        assert c[0] == value
    assert not np.any(np.isfinite(c[1:])), c


# ------------------------------------------------------------------------ log
@pytest.mark.parametrize("x0", [1e-10, 2.0**-300, 1e-200, 5e-324])
def test_log_near_zero(x0):
    c = jets.log(jets.variable(x0, 5)).coeffs
    check(c, exact_coeffs(sp.log, x0, 5), what=f"log at {x0}")


@pytest.mark.parametrize("name, at", [("log", 0.0), ("log2", 0.0), ("log10", 0.0), ("log1p", -1.0)])
def test_log_at_its_singularity_is_minus_inf_then_nonfinite(name, at):
    f = getattr(jets, name)(jets.variable(at, 4))
    nonfinite_beyond_value(f, -np.inf)


def test_log_of_a_negative_number_is_nan_everywhere():
    c = jets.log(jets.variable(-1.0, 3)).coeffs
    assert np.isnan(c[0]) and not np.any(np.isfinite(c))


# ----------------------------------------------------------------------- sqrt
@pytest.mark.parametrize("x0", [1e-20, 2.0**-600, 1e-300])
def test_sqrt_near_zero(x0):
    c = jets.sqrt(jets.variable(x0, 5)).coeffs
    check(c, exact_coeffs(sp.sqrt, x0, 5), what=f"sqrt at {x0}")


@pytest.mark.parametrize(
    "f, exact",
    [
        (jets.sqrt, [0, None, None, None, None]),
        (jets.cbrt, [0, None, None, None, None]),
        (lambda x: x**0.75, [0, None, None, None, None]),
        (lambda x: x**1.5, [0, 0, None, None, None]),
        (lambda x: np.power(x, 2.5), [0, 0, 0, None, None]),
        (lambda x: jets.sqrt(x**2), [0, None, None, None, None]),
        (lambda x: (x * x) ** 0.5, [0, None, None, None, None]),
    ],
    ids=["sqrt", "cbrt", "x**0.75", "x**1.5", "power 2.5", "sqrt(x**2)", "(x*x)**0.5"],
)
def test_non_integer_powers_at_zero_are_never_a_wrong_finite_number(f, exact):
    """A non-integer power of a zero value has no Taylor expansion past the
    first coefficients: where the derivative does not exist (None) the jet
    must say inf/nan; where it does exist (x**1.5 has f'(0) = 0) the jet may
    give it or inf/nan, never another number."""
    c = np.asarray(f(jets.variable(0.0, 4)).coeffs, dtype=float)
    assert c[0] == 0
    for j in range(1, 5):
        if exact[j] is None:
            assert not np.isfinite(c[j]), (j, c)
        else:
            assert not np.isfinite(c[j]) or c[j] == exact[j], (j, c)


def test_sqrt_of_x_squared_at_zero_has_no_first_derivative():
    c = np.asarray(jets.sqrt(jets.variable(0.0, 2) ** 2).coeffs, dtype=float)
    assert c[0] == 0 and not np.isfinite(c[1])
    c = np.asarray((jets.variable(0.0, 2) ** 0.75).coeffs, dtype=float)
    assert c[0] == 0 and not np.isfinite(c[1])


# --------------------------------------------------------- integer powers at 0
@pytest.mark.parametrize(
    "f, expect",
    [
        (lambda x: x**2, [0, 0, 1, 0, 0]),
        (lambda x: x**3, [0, 0, 0, 1, 0]),
        (lambda x: x**2.0, [0, 0, 1, 0, 0]),
        (lambda x: x**3.0, [0, 0, 0, 1, 0]),
        (lambda x: pow(x, 2.0), [0, 0, 1, 0, 0]),
        (lambda x: np.power(x, 2), [0, 0, 1, 0, 0]),
        (lambda x: np.power(x, 4.0), [0, 0, 0, 0, 1]),
        (lambda x: np.float_power(x, 2.0), [0, 0, 1, 0, 0]),
        (lambda x: x ** np.float64(3), [0, 0, 0, 1, 0]),
        (lambda x: x ** np.int64(2), [0, 0, 1, 0, 0]),
        (lambda x: x ** np.array(2.0), [0, 0, 1, 0, 0]),
        (lambda x: np.square(x), [0, 0, 1, 0, 0]),
        (lambda x: x**1, [0, 1, 0, 0, 0]),
        (lambda x: x**0, [1, 0, 0, 0, 0]),
        (lambda x: (x + 1) ** 2 - 1, [0, 2, 1, 0, 0]),
    ],
    ids=[
        "x**2",
        "x**3",
        "x**2.0",
        "x**3.0",
        "pow(x,2.0)",
        "np.power(x,2)",
        "np.power(x,4.0)",
        "float_power",
        "x**float64(3)",
        "x**int64(2)",
        "x**array(2.0)",
        "square",
        "x**1",
        "x**0",
        "(x+1)**2-1",
    ],
)
def test_integer_powers_at_zero_are_exact(f, expect):
    c = f(jets.variable(0.0, 4)).coeffs
    assert np.asarray(c, dtype=float).tolist() == [float(v) for v in expect]


def test_integer_powers_at_zero_in_several_variables_are_exact():
    x, y = jets.variables([0.0, 0.0], 4)
    f = (x * y) ** 2 + (x + y) ** 3.0
    got = f.partials()
    X, Y = sp.symbols("x y")
    g = (X * Y) ** 2 + (X + Y) ** 3
    for alpha, v in got.items():
        ref = sp.diff(g, X, alpha[0], Y, alpha[1]).subs({X: 0, Y: 0})
        assert float(v) == float(ref), alpha


def test_negative_integer_power_at_zero_is_inf_not_finite():
    c = np.asarray((jets.variable(0.0, 3) ** -2).coeffs, dtype=float)
    assert not np.any(np.isfinite(c))


def test_integer_power_of_a_negative_base_is_real_and_exact():
    c = (jets.variable(-2.0, 3) ** 3).coeffs
    assert np.asarray(c, float).tolist() == [-8.0, 12.0, -6.0, 1.0]


def test_non_integer_power_of_a_negative_base_is_nan():
    c = np.asarray((jets.variable(-2.0, 2) ** 0.5).coeffs, dtype=float)
    assert not np.any(np.isfinite(c))


# ------------------------------------------------------ inverse trig near +-1
@pytest.mark.parametrize(
    "name, fz, x0",
    [
        ("arcsin", sp.asin, 1 - 2.0**-30),
        ("arcsin", sp.asin, -1 + 2.0**-40),
        ("arccos", sp.acos, 1 - 2.0**-30),
        ("arctanh", sp.atanh, 1 - 2.0**-30),
        ("arccosh", sp.acosh, 1 + 2.0**-30),
        ("arcsin", sp.asin, 1 - 2.0**-52),
    ],
)
def test_inverse_functions_near_the_branch_points(name, fz, x0):
    """Full accuracy at exact points next to +-1 (1 - a^2 must not cancel)."""
    c = getattr(jets, name)(jets.variable(x0, 4)).coeffs
    check(c, exact_coeffs(fz, x0, 4), rtol=1e-12, what=f"{name} at {x0!r}")


@pytest.mark.parametrize(
    "name, at, value",
    [
        ("arcsin", 1.0, np.pi / 2),
        ("arcsin", -1.0, -np.pi / 2),
        ("arccos", 1.0, 0.0),
        ("arccos", -1.0, np.pi),
        ("arccosh", 1.0, 0.0),
        ("arctanh", 1.0, np.inf),
        ("arctanh", -1.0, -np.inf),
    ],
)
def test_inverse_functions_at_the_branch_points(name, at, value):
    f = getattr(jets, name)(jets.variable(at, 3))
    nonfinite_beyond_value(f, value)


@pytest.mark.parametrize("name", ["arcsin", "arccos", "arctanh"])
def test_inverse_functions_outside_their_domain_are_nan(name):
    c = np.asarray(getattr(jets, name)(jets.variable(1.5, 2)).coeffs, dtype=float)
    assert not np.any(np.isfinite(c))


# ------------------------------------------------------------------- tan
@pytest.mark.parametrize(
    "x0", [np.pi / 2, np.nextafter(np.pi / 2, 0), 1.5707963, -np.pi / 2, 3 * np.pi / 2]
)
def test_tan_near_its_poles_is_accurate_at_the_float_point(x0):
    """tan(float(pi/2)) ~ 1.6e16: huge but exact; so are its coefficients."""
    c = jets.tan(jets.variable(x0, 3)).coeffs
    check(c, exact_coeffs(sp.tan, x0, 3), rtol=1e-12, what=f"tan at {x0!r}")


def test_tanh_for_large_arguments_saturates_cleanly():
    c = np.asarray(jets.tanh(jets.variable(40.0, 4)).coeffs, dtype=float)
    assert c[0] == 1.0 and np.all(np.isfinite(c)) and np.all(np.abs(c[1:]) < 1e-30)


# ------------------------------------------------------------ tiny divisors
@pytest.mark.parametrize("x0", [1e-100, 1e-160, 1e-200, 2.0**-1070])
def test_division_by_a_tiny_value(x0):
    c = (1 / jets.variable(x0, 4)).coeffs
    check(c, exact_coeffs(lambda z: 1 / z, x0, 4), what=f"1/x at {x0!r}")
    c = (3.0 / jets.variable(x0, 3) ** 2).coeffs
    check(c, exact_coeffs(lambda z: 3 / z**2, x0, 3), what=f"3/x**2 at {x0!r}")


def test_division_by_a_tiny_jet_denominator_in_two_variables():
    x, y = jets.variables([1.0, 1e-150], 3)
    f = x / y
    X, Y = sp.symbols("x y")
    for alpha, v in f.partials().items():
        ref = sp.diff(X / Y, X, alpha[0], Y, alpha[1]).subs({X: 1, Y: sp.Rational(1e-150)})
        ref = sp.N(ref, 40)
        if abs(ref) > DBL_MAX:
            assert np.isnan(v) or v == (np.inf if ref > 0 else -np.inf), alpha
        else:
            assert abs(v - float(ref)) <= 1e-13 * abs(float(ref)), alpha


def test_division_by_zero_is_inf_then_nonfinite():
    f = 1 / jets.variable(0.0, 3)
    nonfinite_beyond_value(f, np.inf)
    x = jets.variable(0.0, 2)
    g = x / x  # 0/0
    assert not np.any(np.isfinite(np.asarray(g.coeffs, float)))


def test_overflowing_exp_is_inf_not_finite():
    c = np.asarray(jets.exp(jets.variable(710.0, 3)).coeffs, dtype=float)
    assert np.all(np.isinf(c))
    c = np.asarray(jets.exp(jets.variable(-800.0, 3)).coeffs, dtype=float)
    assert np.all(c == 0)  # e^-800 ~ 1e-348 rounds to 0, correctly


# ---------------------------------------------------------- kinks and jumps
def test_abs_at_zero_takes_the_nonnegative_branch():
    x = jets.variable(0.0, 3)
    assert np.asarray(abs(x).coeffs, float).tolist() == [0, 1, 0, 0]
    assert np.asarray(jets.abs(x).coeffs, float).tolist() == [0, 1, 0, 0]
    assert np.asarray(np.fabs(x).coeffs, float).tolist() == [0, 1, 0, 0]
    # the branch follows the argument's value: -x at 0 is the a >= 0 side of abs(a)
    assert np.asarray(abs(-x).coeffs, float).tolist() == [0, -1, 0, 0]
    # away from 0 it is sign(a0) * a
    assert np.asarray(abs(jets.variable(-2.0, 2) ** 3).coeffs, float).tolist() == [8, -12, 6]


def test_maximum_and_minimum_at_a_tie():
    x, y = jets.variables([1.5, 1.5], 1)
    assert np.maximum(x, y).gradient().tolist() == [1, 0]  # the first argument
    assert np.minimum(x, y).gradient().tolist() == [0, 1]  # the second argument
    assert jets.maximum(y, x).gradient().tolist() == [0, 1]
    assert jets.minimum(y, x).gradient().tolist() == [1, 0]
    t = jets.variable(2.0, 2)
    assert np.asarray(np.maximum(t, t).coeffs, float).tolist() == [2, 1, 0]
    assert np.asarray(np.maximum(t, 2.0).coeffs, float).tolist() == [2, 1, 0]
    assert np.asarray(np.minimum(t, 2.0).coeffs, float).tolist() == [2, 0, 0]


def test_clip_at_its_bounds():
    """clip = minimum(maximum(a, lo), hi): a == lo keeps a, a == hi takes hi."""
    lo = jets.clip(jets.variable(1.0, 2), 1.0, 2.0)
    hi = jets.clip(jets.variable(2.0, 2), 1.0, 2.0)
    mid = np.clip(jets.variable(1.5, 2), 1.0, 2.0)
    assert np.asarray(lo.coeffs, float).tolist() == [1, 1, 0]
    assert np.asarray(hi.coeffs, float).tolist() == [2, 0, 0]
    assert np.asarray(mid.coeffs, float).tolist() == [1.5, 1, 0]


@pytest.mark.parametrize(
    "name, x0, value",
    [
        ("floor", -0.5, -1.0),
        ("ceil", -0.5, -0.0),
        ("trunc", 0.0, 0.0),
        ("rint", 2.25, 2.0),
        ("rint", 3.0, 3.0),
    ],
)
def test_piecewise_constant_functions_have_zero_derivatives(name, x0, value):
    c = np.asarray(getattr(jets, name)(jets.variable(x0, 3)).coeffs, dtype=float)
    assert c[0] == value and np.all(c[1:] == 0), c


@pytest.mark.parametrize(
    "name, x0, value",
    [
        ("floor", 2.0, 2.0),
        ("ceil", 2.0, 2.0),
        ("trunc", -3.0, -3.0),
        ("rint", 2.5, 2.0),
        ("rint", 3.5, 4.0),
    ],
)
def test_piecewise_constant_functions_at_a_jump_have_nan_derivatives(name, x0, value):
    """x crosses the jump: no side keeps the value, so no derivative exists
    (tests/test_nonsmooth.py covers arguments that stay on one side)."""
    c = np.asarray(getattr(jets, name)(jets.variable(x0, 3)).coeffs, dtype=float)
    assert c[0] == value and np.all(np.isnan(c[1:])), c


def test_sign_at_zero():
    x = jets.variable(0.0, 2)
    c = np.asarray(jets.sign(x).coeffs, dtype=float)
    assert c[0] == 0 and np.all(np.isnan(c[1:]))  # a jump where x varies
    flat = jets.sign(jets.constant(0.0, like=x))  # a constant jet: a constant
    assert np.asarray(flat.coeffs, float).tolist() == [0, 0, 0]
    # 0 * x has zero slope to the order, like x**3 at order 2: the side is unknown
    c = np.asarray(jets.sign(0 * x).coeffs, dtype=float)
    assert c[0] == 0 and np.all(np.isnan(c[1:]))
    away = np.asarray(jets.sign(jets.variable(-3.0, 2)).coeffs, float)
    assert away.tolist() == [-1, 0, 0]
    # in a batch only the point at zero gets nan
    b = jets.sign(jets.variable(np.array([-1.0, 0.0, 2.0]), 1)).coeffs
    b = np.asarray(b, dtype=float)
    assert b[0].tolist() == [-1, 0, 1] and np.isnan(b[1, 1])
    assert b[1, 0] == 0 and b[1, 2] == 0


# ------------------------------------------- two-argument singularities
def test_hypot_and_arctan2_at_the_origin():
    x, y = jets.variables([0.0, 0.0], 2)
    h = jets.hypot(x, y)
    assert float(h.value) == 0 and not np.any(np.isfinite(np.asarray(h.coeffs, float)[1:]))
    a = jets.arctan2(y, x)
    assert float(a.value) == 0 and not np.any(np.isfinite(np.asarray(a.coeffs, float)[1:]))


@pytest.mark.parametrize(
    "where, point",
    [
        ("near_the_origin", (3e-160, -4e-160)),
        ("far_out", (1e200, 1e200)),
        ("ordinary", (0.75, -1.25)),
    ],
)
def test_hypot_and_arctan2_scale(where, point):
    """The squares a^2 + b^2 must not underflow (wrong digits) or overflow
    (nan, or wrong zeros for arctan2) where the derivatives are normal numbers."""
    x, y = jets.variables(list(point), 2)
    X, Y = sp.symbols("x y", real=True)
    pt = {X: sp.Rational(point[0]), Y: sp.Rational(point[1])}
    for f, g in ((jets.hypot(x, y), sp.sqrt(X**2 + Y**2)), (jets.arctan2(y, x), sp.atan2(Y, X))):
        for alpha, v in f.partials().items():
            ref = sp.N(sp.diff(g, X, alpha[0], Y, alpha[1]).subs(pt), 40)
            if abs(ref) > DBL_MAX:
                assert not np.isfinite(v), alpha
            else:
                assert abs(v - float(ref)) <= 1e-12 * abs(float(ref)) + 1e-300, (alpha, v, ref)


# --------------------------------------------------------- special functions
@pytest.mark.parametrize(
    "name, at",
    [
        ("gamma", 0.0),
        ("gamma", -1.0),
        ("gamma", -2.0),
        ("lgamma", 0.0),
        ("lgamma", -3.0),
        ("digamma", 0.0),
        ("digamma", -1.0),
    ],
)
def test_special_functions_at_their_poles_are_not_finite(name, at):
    c = np.asarray(getattr(jets, name)(jets.variable(at, 3)).coeffs, dtype=float)
    assert not np.any(np.isfinite(c[1:])), c


@pytest.mark.parametrize(
    "name, fz, x0, rtol",
    [
        ("gamma", sp.gamma, 1e-8, 1e-12),
        ("gamma", sp.gamma, 3 + 2.0**-20, 1e-13),
        ("gamma", sp.gamma, -1 + 2.0**-20, 1e-9),
        ("digamma", lambda z: sp.polygamma(0, z), 2.0**-20, 1e-12),
        ("lgamma", sp.loggamma, 2.0**-20, 1e-12),
    ],
)
def test_special_functions_near_their_poles(name, fz, x0, rtol):
    """Near a negative pole scipy's digamma (the gamma jet's first coefficient
    is gamma * digamma) is accurate only to its conditioning, |x psi'/psi| ~ 1/eps
    = 2**20 ulps: rtol 1e-9 there (2e-12 measured)."""
    c = getattr(jets, name)(jets.variable(x0, 3)).coeffs
    exact = exact_coeffs(fz, x0, 3)
    if name == "lgamma":  # log|Gamma|: the real part of sympy's loggamma
        exact = [sp.re(e) for e in exact]
    check(c, exact, rtol=rtol, what=f"{name} at {x0!r}")


def test_cbrt_near_and_at_zero():
    check(
        jets.cbrt(jets.variable(-1e-30, 3)).coeffs,
        exact_coeffs(lambda z: -((-z) ** sp.Rational(1, 3)), -1e-30, 3),
        rtol=1e-13,
        what="cbrt at -1e-30",
    )
    c = np.asarray(jets.cbrt(jets.variable(0.0, 2)).coeffs, dtype=float)
    assert c[0] == 0 and not np.any(np.isfinite(c[1:]))


@pytest.mark.parametrize("x0", [-3.5, -2.5, -1.25, 0.75])
def test_digamma_high_coefficients_at_negative_points(x0):
    """Even-order polygamma values at negative half-integers are small next to
    the terms of scipy's recurrence; the jet must still be accurate there."""
    d = jets.digamma(jets.variable(x0, 10)).coeffs
    exact = exact_coeffs(lambda z: sp.polygamma(0, z), x0, 10)
    check(d, exact, rtol=1e-12, what=f"digamma at {x0}")


def test_a_nan_point_does_not_change_the_other_points():
    """nan poisoning marks the nan points only: the other points of the batch get
    bit for bit the numbers of a batch without the nan point (signed zeros, and
    the entries at infinite points that an all-coefficient layout would turn
    into 0 * inf = nan); the nan point reads nan in every coefficient."""
    import jets

    def f(x):
        return x[0] ** 2 * x[1] + np.exp(x[2]) * x[0] - 0.0 * x[1]

    X = np.ones((3, 4))
    X[0, 0] = np.nan
    X[1, 3] = np.inf
    X[2, 2] = np.inf
    X[0, 1] = -0.0
    with np.errstate(all="ignore"):
        whole = jets.hessian(f, X)
        for p in range(1, 4):
            alone = jets.hessian(f, X[:, p : p + 1])[..., 0]
            got = whole[..., p]
            same = (got == alone) | (np.isnan(got) & np.isnan(alone))
            assert same.all() and (np.signbit(got) == np.signbit(alone)).all()
        assert np.isnan(whole[..., 0]).all()
        x, y = jets.variables([np.array([np.nan, 1.0]), np.array([2.0, 3.0])], 3)
        assert np.isnan((x + 0 * y).coeffs[:, 0]).all()  # unstored ones too
        assert not np.isnan((x + 0 * y).coeffs[:, 1]).any()
