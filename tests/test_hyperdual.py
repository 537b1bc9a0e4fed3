"""Hyper-dual numbers: per-variable order (1, 1).

With ``e1, e2 = jets.variables([0.0, 0.0], order=(1, 1))`` and
``x = x0 + e1 + e2``, f(x) = f + f' e1 + f' e2 + f'' e1 e2 exactly (e1^2 =
e2^2 = 0), so the e1*e2 coefficient is f''(x0) with no truncation error.
Checked for every rule of the table (binary rules with one argument a
constant) against sympy's derivatives at 30 digits, all points of a rule in
one batch.  Criterion: |jet - ref| <= 1e-12 * max(|f|, |f'|, |f''|) at the
point (f'' alone can vanish, e.g. tan at 0).
"""

import math
from types import SimpleNamespace

import numpy as np
import pytest
import sympy as sp

import jets
import jets.functions as F
import jets.rules as R
from sympy_ref import SYMPY, reference_partials_batch
from sympy_ref import symbols as real_symbols

RTOL = 1e-12
JET = SimpleNamespace(**F.FUNCTIONS, pi=math.pi)
SYM = SimpleNamespace(**{name: SYMPY[R.lookup(name).name] for name in F.FUNCTIONS}, pi=sp.pi)
X, Y, Z = real_symbols("x y z")

#: rule name -> (f(namespace, x) using that rule, points)
UNARY_USES = {
    "add": (lambda n, x: n.add(x, 2.5), [-1.0, 0.5]),
    "subtract": (lambda n, x: n.subtract(3.0, x), [-1.0, 0.5]),
    "negative": (lambda n, x: n.negative(x), [-1.0, 0.5]),
    "positive": (lambda n, x: n.positive(x), [-1.0, 0.5]),
    "multiply": (lambda n, x: n.multiply(x, x), [-1.0, 0.5]),
    "divide": (lambda n, x: n.divide(1.5, x), [-1.0, 0.5, 3.0]),
    "reciprocal": (lambda n, x: n.reciprocal(x), [-1.0, 0.5, 3.0]),
    "square": (lambda n, x: n.square(x), [-1.0, 0.0, 0.5]),
    "power": (lambda n, x: n.power(x, 2.5) + n.power(x, 3) + n.power(2.0, x), [0.25, 1.0, 3.0]),
    "exp": (lambda n, x: n.exp(x), [-2.0, 0.0, 1.5]),
    "exp2": (lambda n, x: n.exp2(x), [-2.0, 0.0, 1.5]),
    "expm1": (lambda n, x: n.expm1(x), [-2.0, 0.0, 1.5]),
    "log": (lambda n, x: n.log(x), [0.25, 1.0, 7.0]),
    "log2": (lambda n, x: n.log2(x), [0.25, 1.0, 7.0]),
    "log10": (lambda n, x: n.log10(x), [0.25, 1.0, 7.0]),
    "log1p": (lambda n, x: n.log1p(x), [-0.5, 0.0, 3.0]),
    "logaddexp": (lambda n, x: n.logaddexp(x, 0.5), [-2.0, 0.5, 3.0]),
    "logaddexp2": (lambda n, x: n.logaddexp2(-1.0, x), [-2.0, 0.5, 3.0]),
    "sqrt": (lambda n, x: n.sqrt(x), [0.25, 1.0, 7.0]),
    "cbrt": (lambda n, x: n.cbrt(x), [-8.0, -0.5, 0.25, 3.0]),
    "hypot": (lambda n, x: n.hypot(x, 0.75), [-2.0, 0.0, 1.5]),
    "sin": (lambda n, x: n.sin(x), [-2.0, 0.0, 1.5]),
    "cos": (lambda n, x: n.cos(x), [-2.0, 0.0, 1.5]),
    "tan": (lambda n, x: n.tan(x), [-1.0, 0.0, 1.25]),
    "arcsin": (lambda n, x: n.arcsin(x), [-0.75, 0.0, 0.5]),
    "arccos": (lambda n, x: n.arccos(x), [-0.75, 0.0, 0.5]),
    "arctan": (lambda n, x: n.arctan(x), [-2.0, 0.0, 1.5]),
    "arctan2": (lambda n, x: n.arctan2(x, 0.75) + n.arctan2(0.5, x), [-2.0, 0.25, 1.5]),
    "deg2rad": (lambda n, x: n.deg2rad(x), [-90.0, 45.0]),
    "rad2deg": (lambda n, x: n.rad2deg(x), [-1.0, 0.5]),
    "sinh": (lambda n, x: n.sinh(x), [-2.0, 0.0, 1.5]),
    "cosh": (lambda n, x: n.cosh(x), [-2.0, 0.0, 1.5]),
    "tanh": (lambda n, x: n.tanh(x), [-2.0, 0.0, 1.5]),
    "arcsinh": (lambda n, x: n.arcsinh(x), [-2.0, 0.0, 1.5]),
    "arccosh": (lambda n, x: n.arccosh(x), [1.25, 2.0, 10.0]),
    "arctanh": (lambda n, x: n.arctanh(x), [-0.75, 0.0, 0.5]),
    "absolute": (lambda n, x: n.absolute(x), [-2.0, 1.5]),
    "sign": (lambda n, x: n.sign(x) * x**2, [-2.0, 1.5]),
    "floor": (lambda n, x: n.floor(x) * x**2, [-1.5, 2.25]),
    "ceil": (lambda n, x: n.ceil(x) * x**2, [-1.5, 2.25]),
    "trunc": (lambda n, x: n.trunc(x) * x**2, [-1.5, 2.25]),
    "rint": (lambda n, x: n.rint(x) * x**2, [-1.75, 2.25]),
    "maximum": (lambda n, x: n.maximum(x**2, 1.0), [-2.0, 0.5, 1.5]),
    "minimum": (lambda n, x: n.minimum(x**3, 0.5), [-2.0, 0.5, 1.5]),
    "clip": (lambda n, x: n.clip(x**2, 0.25, 4.0), [-3.0, 0.25, 1.5]),
    "erf": (lambda n, x: n.erf(x), [-1.0, 0.0, 2.0]),
    "erfc": (lambda n, x: n.erfc(x), [-1.0, 0.0, 3.0]),
    "gamma": (lambda n, x: n.gamma(x), [-1.5, 0.5, 4.0]),
    "lgamma": (lambda n, x: n.lgamma(x), [0.25, 1.0, 10.0]),
    "digamma": (lambda n, x: n.digamma(x), [0.25, 1.0, 10.0]),
    "sinpi": (lambda n, x: n.sinpi(x), [-1.5, 0.25, 3.0]),
    "cospi": (lambda n, x: n.cospi(x), [-1.5, 0.25, 3.0]),
    "sinc": (lambda n, x: n.sinc(x), [-1.5, 0.25, 3.0]),
    "expit": (lambda n, x: n.expit(x), [-3.0, 0.5, 20.0]),
    "logit": (lambda n, x: n.logit(x), [0.125, 0.5, 0.875]),
    "erfinv": (lambda n, x: n.erfinv(x), [-0.75, 0.0, 0.96875]),
    "erfcx": (lambda n, x: n.erfcx(x), [-1.0, 0.5, 3.0]),
    "lambertw": (lambda n, x: n.lambertw(x), [-0.25, 0.5, 10.0]),
    "ellipk": (lambda n, x: n.ellipk(x), [-2.0, 0.25, 0.75]),
    "ellipe": (lambda n, x: n.ellipe(x), [-2.0, 0.25, 0.75]),
    "expi": (lambda n, x: n.expi(x), [-2.0, 0.5, 3.0]),
    "exp1": (lambda n, x: n.exp1(x), [0.25, 1.0, 5.0]),
    "polygamma": (lambda n, x: n.polygamma(2, x), [-1.5, 0.5, 4.0]),
    "jv": (lambda n, x: n.jv(1, x) + n.jv(2.5, x), [0.5, 2.0, 7.0]),
    "yv": (lambda n, x: n.yv(0, x) + n.yv(-1.5, x), [0.5, 2.0, 7.0]),
    "iv": (lambda n, x: n.iv(1, x) + n.iv(2.5, x), [0.5, 2.0, 7.0]),
    "kv": (lambda n, x: n.kv(0, x) + n.kv(-1.5, x), [0.5, 2.0, 7.0]),
}


def test_every_rule_has_a_hyperdual_case():
    assert set(UNARY_USES) == set(R.RULES)


def _reference(f, points):
    """f, f', f'' at the points (sympy, 30 digits): shape (3, npoints)."""
    expr = f(SYM, X)
    return reference_partials_batch(expr, (X,), [(p,) for p in points], [(0,), (1,), (2,)])


@pytest.mark.parametrize("name", sorted(UNARY_USES))
def test_e1e2_coefficient_is_second_derivative(name):
    f, points = UNARY_USES[name]
    x0 = np.array(points)
    e1, e2 = jets.variables([0.0, 0.0], order=(1, 1))
    fx = f(JET, x0 + e1 + e2)  # one batch over all points
    assert fx.shape == x0.shape and fx.order == (1, 1)
    ref = _reference(f, points)
    got = np.array(
        [
            fx.coefficient((0, 0)),
            fx.coefficient((1, 0)),
            fx.coefficient((0, 1)),
            fx.coefficient((1, 1)),
        ]
    )
    scale = np.abs(ref).max(axis=0)
    want = np.array([ref[0], ref[1], ref[1], ref[2]])
    assert np.all(np.isfinite(got)), got
    err = np.abs(got - want) / scale
    assert np.all(err <= RTOL), f"{name}: got {got}, want {want}"
    # the partial of (1, 1) is the same number (1! * 1! = 1)
    np.testing.assert_array_equal(fx.partial((1, 1)), fx.coefficient((1, 1)))


def test_scalar_and_batch_agree():
    e1, e2 = jets.variables([0.0, 0.0], order=(1, 1))
    f = UNARY_USES["tan"][0]
    batch = f(JET, np.array([-1.0, 0.0, 1.25]) + e1 + e2)
    for i, x0 in enumerate([-1.0, 0.0, 1.25]):
        np.testing.assert_array_equal(f(JET, x0 + e1 + e2).coeffs, batch.coeffs[:, i])


def test_hyperdual_algebra():
    e1, e2 = jets.variables([0.0, 0.0], order=(1, 1))
    assert np.all((e1 * e1).coeffs == 0) and np.all((e2 * e2).coeffs == 0)
    prod = (e1 * e2).coeffs
    assert prod.tolist() == [0.0, 0.0, 0.0, 1.0]
    assert e1.space.ncoeffs == 4
    assert list(e1.space.index) == [(0, 0), (1, 0), (0, 1), (1, 1)]
    x = 2.0 + e1 + e2
    assert (x**3).coeffs.tolist() == [8.0, 12.0, 12.0, 12.0]  # f, f', f', f'' = 6x


# ------------------------------------------------------------ mixed partials
#: f(namespace, x, y) and points; the (1, 1) coefficient is d2f/dxdy
MIXED = [
    ("x*y", lambda n, x, y: x * y, [(1.0, 2.0), (-0.5, 3.0)]),
    ("exp(x*y)", lambda n, x, y: n.exp(x * y), [(0.5, -1.0), (1.0, 1.0)]),
    ("sin(x) cos(y)", lambda n, x, y: n.sin(x) * n.cos(y), [(0.5, 0.25), (-1.0, 2.0)]),
    ("arctan2(y, x)", lambda n, x, y: n.arctan2(y, x), [(1.0, 0.5), (-1.0, -0.75)]),
    ("hypot(x, y)", lambda n, x, y: n.hypot(x, y), [(3.0, 4.0), (-1.0, 0.5)]),
    ("x**y", lambda n, x, y: x**y, [(0.5, 1.5), (2.0, -0.5)]),
    ("logaddexp(x, y)", lambda n, x, y: n.logaddexp(x, y), [(0.0, 0.0), (1.0, -2.0)]),
    (
        "log(x^2+y^2)/(1+x*y)",
        lambda n, x, y: n.log(x**2 + y**2) / (1 + x * y),
        [(1.0, 0.5), (-0.75, 0.25)],
    ),
    (
        "gamma(x+y) erf(x-y)",
        lambda n, x, y: n.gamma(x + y) * n.erf(x - y),
        [(0.5, 1.0), (2.0, 1.5)],
    ),
]


@pytest.mark.parametrize("name, f, points", MIXED, ids=[m[0] for m in MIXED])
def test_mixed_partial_from_per_variable_order_1_1(name, f, points):
    x, y = jets.variables(
        [np.array([p[0] for p in points]), np.array([p[1] for p in points])], order=(1, 1)
    )
    fxy = f(JET, x, y)
    alphas = [(0, 0), (1, 0), (0, 1), (1, 1)]
    ref = reference_partials_batch(f(SYM, X, Y), (X, Y), points, alphas)
    got = np.array([fxy.partial(a) for a in alphas])
    scale = np.abs(ref).max(axis=0)
    assert np.all(np.abs(got - ref) <= RTOL * scale), f"{name}: got {got}, want {ref}"
    np.testing.assert_array_equal(fxy.gradient(), got[1:3])


def test_three_variable_hyperdual_gives_third_mixed_partial():
    x, y, z = jets.variables([0.5, -1.0, 0.25], order=(1, 1, 1))
    f = lambda n, x, y, z: n.exp(x * y) * n.sin(y + z) / (1 + z**2)  # noqa: E731
    fx = f(JET, x, y, z)
    alphas = list(fx.space.index)
    assert len(alphas) == 8 and alphas[-1] == (1, 1, 1)
    ref = reference_partials_batch(f(SYM, X, Y, Z), (X, Y, Z), [(0.5, -1.0, 0.25)], alphas)
    got = np.array([fx.partial(a) for a in alphas])
    assert np.all(np.abs(got - ref[:, 0]) <= RTOL * np.abs(ref).max())


def test_hessian_of_hyperdual_jet_explains_the_missing_squares():
    x, y = jets.variables([1.0, 2.0], order=(1, 1))
    f = x * y**2
    with pytest.raises(ValueError, match=r"hyper-dual|\(2, 0\)"):
        f.hessian()
    with pytest.raises(ValueError, match="per-variable order"):
        f.partial((2, 0))
    assert f.partial((1, 1)) == 4.0
