"""Error tracking (``track_error=True``, ``Jet.error()``, ``error=True``).

The estimate must COVER the actual error of every coefficient (checked against
mpmath at 60 digits, here on the classic cancellation cases; the fuzzer checks
it on every random case, tests/test_fuzz.py) and be TIGHT on well-conditioned
expressions (within about 10^3 ulp of the coefficient).  Tracking never changes
a coefficient, and untracked jets carry nothing.
"""

import pickle
from dataclasses import replace
from math import factorial

import mpmath as mp
import numpy as np
import pytest

import jets
from jets.rules import RULES

ULP = 2.0**-52


def _reference(fn, x0, order):
    """mpmath Taylor coefficients of fn at x0 (60 digits)."""
    with mp.workdps(60):
        return [mp.mpf(c) for c in mp.taylor(fn, mp.mpf(float(x0)), order)]


def _actual_error(coeffs, ref):
    with mp.workdps(60):
        return np.array(
            [float(abs(mp.mpf(float(c)) - r)) for c, r in zip(coeffs, ref, strict=False)]
        )


CANCELLATION = [
    ("sin(x)/x", lambda x: np.sin(x) / x, lambda t: mp.sin(t) / t, 1e-8, 4),
    ("expm1(x)/x", lambda x: np.expm1(x) / x, lambda t: mp.expm1(t) / t, 0.125, 12),
    ("(1-cos x)/x**2", lambda x: (1 - np.cos(x)) / x**2, lambda t: (1 - mp.cos(t)) / t**2, 1e-5, 4),
    (
        "erfc(x)*exp(x**2)",
        lambda x: jets.erfc(x) * np.exp(x**2),
        lambda t: mp.erfc(t) * mp.exp(t**2),
        4.0,
        6,
    ),
    ("exp(sin(x))", lambda x: np.exp(np.sin(x)), lambda t: mp.exp(mp.sin(t)), 0.5, 8),
    ("log1p(x)/x - 1", lambda x: np.log1p(x) / x - 1, lambda t: mp.log1p(t) / t - 1, 1e-3, 6),
]


@pytest.mark.parametrize("name,f,ref,x0,order", CANCELLATION, ids=[c[0] for c in CANCELLATION])
def test_estimate_covers_the_actual_error(name, f, ref, x0, order):
    x = jets.variable(x0, order, track_error=True)
    out = f(x)
    err = _actual_error(out.coeffs, _reference(ref, x0, order))
    assert np.all(err <= out.error()), (name, err, out.error())


def test_lost_digits_are_announced():
    """sin(x)/x at 1e-8: f'''' comes out as -8e16 (truth 0.2); the estimate says
    so (no digit left), while the value keeps its digits."""
    x = jets.variable(1e-8, 4, track_error=True)
    f = np.sin(x) / x
    e = f.error()
    assert abs(f.coeffs[4] * 24 - 0.2) > 1e15  # the floating-point fact
    assert e[4] >= abs(f.coeffs[4])  # ... announced
    assert e[0] <= 4 * ULP  # the value is fine


@pytest.mark.parametrize(
    "f,x0,order",
    [
        (lambda x: np.exp(np.sin(x)), 0.5, 8),
        (lambda x: np.exp(x), 1.5, 10),
        (lambda x: np.log(x), 2.0, 8),
        (lambda x: 1 / (1 + x * x), 0.25, 8),
        (lambda x: np.sqrt(x) * np.cos(x), 0.3, 6),
    ],
)
def test_estimate_is_tight_on_well_conditioned_expressions(f, x0, order):
    x = jets.variable(x0, order, track_error=True)
    out = f(x)
    c = np.abs(out.coeffs)
    ratio = out.error()[c > 0] / (c[c > 0] * ULP)
    # exp(sin(x)) at 0.5: c_5 = 0.0099 is 28x smaller than its terms and gets
    # 1.3e3 ulp; every other coefficient here is within 10^3
    assert np.max(ratio) <= 1.5e3, ratio
    assert np.median(ratio) <= 1e3, ratio


def test_several_variables_batch_and_cover():
    pts = np.array([[0.5, 1.0, -0.75], [0.25, 2.0, 1.5]])
    x, y = jets.variables(pts, 4, track_error=True)
    f = np.exp(x * y) / (1 + y**2) + np.sin(x - y)
    E = f.error()
    assert E.shape == f.coeffs.shape == (15, 3)
    a, b = mp.mpf(0), mp.mpf(0)
    for p in range(3):
        with mp.workdps(40):
            for i, alpha in enumerate(f.space.monomials):
                i0, j0 = (int(v) for v in alpha)
                g = lambda s, t: mp.exp(s * t) / (1 + t**2) + mp.sin(s - t)  # noqa: E731
                d = mp.diff(g, (mp.mpf(pts[0, p]), mp.mpf(pts[1, p])), (i0, j0))
                ref = d / (factorial(i0) * factorial(j0))
                assert abs(mp.mpf(float(f.coeffs[i, p])) - ref) <= E[i, p] + a + b


def test_tracking_never_changes_a_coefficient():
    pts = np.array([0.3, 1.7, 2.5])
    for f in (
        lambda x: np.arctan(x) * jets.gamma(x) + np.hypot(x, 2.0),
        lambda x: jets.logaddexp(x, 1.0) ** 2.5 / np.cbrt(x),
    ):
        a = f(jets.variable(pts, 6))
        b = f(jets.variable(pts, 6, track_error=True))
        np.testing.assert_array_equal(a.coeffs, b.coeffs)


def test_untracked_jets_carry_nothing_and_error_says_how_to_track():
    x = jets.variable(0.5, 3)
    f = np.sin(x) * x
    assert f._err is None
    with pytest.raises(ValueError, match="track_error=True"):
        f.error()


def test_untracked_and_plain_operands_count_as_exact():
    x, y = jets.variables([0.5, 2.0], 3, track_error=True)
    u, v = jets.variables([0.5, 2.0], 3)
    with pytest.raises(TypeError):
        x + v  # another seeding: never combined
    c = jets.constant(3.0, like=x)  # untracked constant of the same space
    f = x * c + 2.0
    assert np.all(np.isfinite(f.error()))
    # exact sum and product: the estimate is a few u of the magnitudes only
    assert np.all(f.error() <= 4 * ULP * (np.abs(f.coeffs) + 1))


def test_nan_points_give_nan_errors_and_batches_stay_independent():
    x = jets.variable(np.array([0.5, -1.0, 2.0]), 3, track_error=True)
    f = np.log(x)
    E = f.error()
    assert np.all(np.isnan(E[:, 1]))
    assert np.all(np.isfinite(E[:, [0, 2]]))
    g = np.log(jets.variable(np.array([0.5, 2.0]), 3, track_error=True))
    np.testing.assert_array_equal(g.error(), E[:, [0, 2]])


def test_structural_functions_move_the_errors_with_the_coefficients():
    x = jets.variable(np.array([0.5, 1.0, 2.0]), 3, track_error=True)
    f = np.exp(x)
    E = f.error()
    np.testing.assert_array_equal(f[1].error(), E[:, 1])
    np.testing.assert_array_equal(f.reshape(3, 1).error(), E.reshape(4, 3, 1))
    np.testing.assert_array_equal(np.stack([f, f]).error(), np.stack([E, E], axis=1))
    np.testing.assert_array_equal(np.concatenate([f, f]).error(), np.concatenate([E, E], 1))
    w = np.where([True, False, True], f, x)
    np.testing.assert_array_equal(w.error()[:, [0, 2]], E[:, [0, 2]])
    np.testing.assert_array_equal(w.error()[:, 1], 0)
    s = np.sum(f)
    assert np.all(s.error() >= E.sum(axis=1))  # errors add, plus the rounding
    for g in (
        f.T,
        np.moveaxis(f, 0, 0),
        f.copy(),
        np.cumsum(f),
        np.diff(f),
        f @ np.ones(3),
        np.mean(f),
        f.sum(),
        np.expand_dims(f, 0),
        np.broadcast_to(f, (2, 3)),
        pickle.loads(pickle.dumps(f)),
    ):
        assert np.all(np.isfinite(g.error())) and g.error().shape == g.coeffs.shape


def test_every_rule_has_an_error_model_and_a_missing_one_is_never_zero():
    assert [n for n, r in RULES.items() if r.error is None] == []
    bare = replace(RULES["exp"], error=None)
    f = jets.jet.apply(bare, jets.variable(0.5, 3, track_error=True))
    assert np.all(np.isnan(f.error()))
    np.testing.assert_allclose(f.coeffs, np.exp(0.5) / np.array([1, 1, 2, 6]))


@pytest.mark.parametrize("name", sorted(RULES))
def test_every_rule_propagates_a_finite_estimate(name):
    rule = RULES[name]
    x = jets.variable(np.array([0.3, 0.6]), 4, track_error=True)
    args = [x] + [x * 0.5 + 1.0] * (rule.nargs - 1)
    if rule.kind == "composition" and rule.nargs == 2:  # a plain order: jv(1, x)
        args = [1, x]
    if name == "arccosh":
        args = [x + 1.0]
    if name == "clip":
        args = [x, 0.0, 1.0]
    if name == "power":
        args = [x, 2.5]
    f = jets.jet.apply(name, *args)
    assert np.all(np.isfinite(f.error())), name


def test_float32_uses_its_own_unit_roundoff():
    x = jets.variable(np.float32(0.5), 6, track_error=True)
    f = np.exp(np.sin(x))
    err = _actual_error(f.coeffs, _reference(lambda t: mp.exp(mp.sin(t)), 0.5, 6))
    assert np.all(err <= f.error())
    assert np.all(f.error() > 1e-9 * np.abs(f.coeffs))


def test_exact_jets_refuse_tracking():
    from fractions import Fraction

    with pytest.raises(TypeError, match="track_error"):
        jets.variable(Fraction(1, 2), 3, track_error=True)


# ------------------------------------------------------------ functional API
def test_api_returns_result_and_error_of_the_derivative():
    f = lambda t: np.sin(t) / t  # noqa: E731
    d, e = jets.derivative(f, 1e-8, 4, error=True)
    x = jets.variable(1e-8, 4, track_error=True)
    assert e == pytest.approx(f(x).error()[4] * 24)
    assert abs(d - 0.2) <= e
    ds, es = jets.derivatives(f, np.array([1e-8, 1.0]), 3, error=True)
    assert ds.shape == es.shape == (4, 2)
    t, et = jets.taylor(f, np.array([1e-8, 1.0]), 3, error=True)
    np.testing.assert_allclose(es, et * np.array([1, 1, 2, 6])[:, None])
    assert jets.derivative(f, 1.0, 2).shape == ()  # default: the result only


@pytest.mark.parametrize(
    "call",
    [
        lambda f, x, **k: jets.gradient(f, x, **k),
        lambda f, x, **k: jets.jacobian(lambda x: [f(x), 2 * f(x)], x, **k),
        lambda f, x, **k: jets.hessian(f, x, **k),
        lambda f, x, **k: jets.derivative_tensor(f, x, 3, **k),
        lambda f, x, **k: jets.partial(f, x, (2, 1), **k),
    ],
)
def test_api_error_has_the_shape_of_the_result(call):
    f = lambda x: np.exp(x[0] * x[1]) + x[0] ** 3  # noqa: E731
    x = np.array([[0.5, 1.0, 1.5], [2.0, -1.0, 0.25]])
    r, e = call(f, x, error=True)
    assert r.shape == e.shape
    np.testing.assert_array_equal(r, call(f, x))
    assert np.all(e >= 0) and np.all(e <= 1e-12 * (np.abs(r) + 1))


def test_api_partials_error_is_a_dict_of_the_same_keys():
    r, e = jets.partials(lambda x: x[0] * np.log(x[1]), [1.5, 2.0], 2, error=True)
    assert list(r) == list(e)
    assert all(np.all(e[k] <= 1e-14 * (abs(r[k]) + 1)) for k in r)
    with pytest.raises(TypeError, match="error must be True or False"):
        jets.derivative(np.sin, 1.0, error="yes")
