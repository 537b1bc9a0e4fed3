"""dtypes: float64 by default, float32 kept, complex128 for analytic rules,
exact Fractions for rational functions, integers promoted like numpy.

References: sympy (complex points, exact rationals) and the fuzz bound with
the float32 unit roundoff (docs/theory.md, "Accuracy and the tolerance model").
"""

import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

import fuzz_gen as F
import jets
from jets.rules import RULES
from sympy_ref import SYMPY

REAL_POINTS = {"arccosh": 1.5, "lgamma": 1.5, "gamma": 1.5, "digamma": 1.5}


def _args(name, dtype, order=3):
    """Jets of `dtype` inside the rule's domain (one per argument)."""
    nargs = RULES[name].nargs
    base = [0.625, 0.375, 1.5][:nargs]
    if name in REAL_POINTS:
        base = [REAL_POINTS[name]]
    if RULES[name].kind == "composition" and nargs == 2:  # a plain order: jv(1, a)
        return [1, *jets.variables([np.asarray(0.625, dtype=dtype)], order)]
    return jets.variables([np.asarray(b, dtype=dtype) for b in base], order)


# ------------------------------------------------------------------- float64
@pytest.mark.parametrize(
    "x0",
    [
        1.0,
        3,
        np.int32(3),
        np.int64(-2),
        np.uint8(7),
        np.array([1, 2, 3]),
        [1.5, 2.5],
        np.float64(0.5),
    ],
    ids=["float", "int", "int32", "int64", "uint8", "int array", "list", "float64"],
)
def test_float64_is_the_default_and_integers_promote_like_numpy(x0):
    # (bool points are refused, as by jets.derivative: tests/test_guards.py)
    x = jets.variable(x0, 2)
    assert x.dtype == np.float64
    assert x.dtype == (np.asarray(x0) + 0.5).dtype  # what numpy would do
    assert (x * x).dtype == np.float64


def test_promotion_between_jets_and_constants_follows_numpy():
    x32 = jets.variable(np.float32(0.5), 2)
    x64 = jets.variable(0.5, 2)
    assert (x32 + np.float64(1.0)).dtype == (np.float32(1) + np.float64(1)).dtype
    assert (x32 + np.ones(3)).dtype == np.float64
    assert (x32 * 2).dtype == np.float32  # weak Python int
    assert (x32 * 2.0).dtype == np.float32  # weak Python float (NEP 50)
    assert (x64 * np.float32(2)).dtype == np.float64
    assert (x64 + 1j).dtype == np.complex128
    assert (x32 + np.int8(1)).dtype == (np.float32(1) + np.int8(1)).dtype
    assert jets.variables([np.float32(1), np.float32(2)], 1)[0].dtype == np.float32


# ------------------------------------------------------------------- float32
@pytest.mark.parametrize("name", sorted(RULES))
def test_float32_stays_float32_through_every_real_rule(name):
    out = getattr(jets, name)(*_args(name, np.float32))
    assert out.dtype == np.float32, f"{name}: float32 jet came out {out.dtype}"


def test_float32_operators_and_numpy_calls_stay_float32():
    x, y = jets.variables([np.float32(0.75), np.float32(1.25)], 3)
    for f in (
        x + 1.0,
        x * 2,
        2.0 - x,
        x / 3,
        x**2,
        x**0.5,
        2**x,
        x**y,
        -x,
        np.sin(x),
        np.exp2(y),
        np.float32(3) * x,
        abs(x),
        np.maximum(x, y),
    ):
        assert f.dtype == np.float32, f


def test_float32_accuracy_within_the_float32_bound():
    """25 fuzz cases in float32 (order 4 / 3): every coefficient within the
    running error bound with u = 2**-24, against the sympy reference."""
    worst = 0.0
    for i in range(25):
        case = F.make_case(i, seed=F.SEED + 32)
        case.order = 4 if case.nvars == 1 else 3
        res = F.check_case(case, dtype=np.float32)
        assert not res.failures, F.report(res)
        worst = max(worst, res.worst_ratio)
    assert worst <= 1.0


def test_float32_relative_accuracy_of_elementary_functions():
    """What float32 gives, for the docs: coefficients to a few ulps of float32."""
    x = jets.variable(np.float32(0.625), 6)
    z = sp.Symbol("z")
    for name in ("exp", "sin", "log", "arctan", "tanh", "sqrt"):
        got = np.asarray(getattr(jets, name)(x).coeffs, dtype=np.float64)
        e = SYMPY[name](z)
        for j in range(7):
            ref = float(sp.N(e.subs(z, sp.Rational(5, 8)), 30) / math.factorial(j))
            assert abs(got[j] - ref) <= 64 * 2.0**-24 * max(abs(ref), 1e-3), (name, j)
            e = sp.diff(e, z)


# ------------------------------------------------------------------ complex
ANALYTIC = sorted(n for n, r in RULES.items() if r.analytic)
NON_ANALYTIC = sorted(n for n, r in RULES.items() if not r.analytic)
Z0 = [0.375 + 0.25j, -0.5 + 0.625j, 1.25 - 0.75j]


def _complex_reference(name, points, order):
    """Coefficients of SYMPY[name] (or z**w for power) at complex points."""
    z, w = sp.symbols("z w")  # complex symbols
    nargs = RULES[name].nargs
    e = SYMPY[name](z) if nargs == 1 else SYMPY[name](z, w)
    out = []
    for pt in points:
        subs = {z: sp.Rational(pt[0].real) + sp.I * sp.Rational(pt[0].imag)}
        if nargs == 2:
            subs[w] = sp.Rational(pt[1].real) + sp.I * sp.Rational(pt[1].imag)
        out.append(
            {
                alpha: complex(
                    sp.N(
                        sp.diff(e, z, alpha[0], *((w, alpha[1]) if nargs == 2 else ())).subs(subs),
                        30,
                    )
                )
                / math.prod(math.factorial(a) for a in alpha)
                for alpha in _alphas(nargs, order)
            }
        )
    return out


def _alphas(nargs, order):
    if nargs == 1:
        return [(j,) for j in range(order + 1)]
    return [(i, j) for i in range(order + 1) for j in range(order + 1 - i)]


@pytest.mark.parametrize("name", ANALYTIC)
def test_complex128_works_for_every_analytic_rule(name):
    order = 4
    nargs = RULES[name].nargs
    pts = [(z, 0.5 - 0.25j) for z in Z0]
    if name == "arccosh":
        pts = [(1.5 + 0.25j, None), (-1.25 + 0.5j, None), (0.25 - 1.0j, None)]
    zs = np.array([p[0] for p in pts])
    if nargs == 1:
        f = getattr(jets, name)(jets.variable(zs, order))
    else:
        a, b = jets.variables([zs, np.array([p[1] for p in pts])], order)
        f = getattr(jets, name)(a, b)
    assert f.dtype == np.complex128
    ref = _complex_reference(name, pts, order)
    for k, r in enumerate(ref):
        scale = max(abs(v) for v in r.values())
        for alpha, v in r.items():
            got = complex(f.coefficient(alpha if nargs == 2 else alpha)[k])
            assert abs(got - v) <= 1e-12 * max(abs(v), 1e-3 * scale), (name, pts[k], alpha, got, v)


@pytest.mark.parametrize("name", NON_ANALYTIC)
def test_non_analytic_rules_refuse_complex_jets_clearly(name):
    nargs = RULES[name].nargs
    xs = jets.variables([0.5 + 0.25j] * nargs, 2)
    with pytest.raises(TypeError) as info:
        getattr(jets, name)(*xs)
    msg = str(info.value)
    assert name in msg and "complex" in msg, msg


def test_non_analytic_rules_refuse_a_complex_constant_too():
    x = jets.variable(0.5, 2)
    with pytest.raises(TypeError, match="maximum.*complex"):
        jets.maximum(x, 1j)
    with pytest.raises(TypeError, match="absolute.*complex"):
        abs(x + 1j)


def test_complex_step_agrees_with_a_real_jet():
    """A complex jet at a real point gives the real jet's coefficients."""
    xr = jets.variable(0.7, 5)
    xc = jets.variable(0.7 + 0j, 5)
    for f in (lambda t: jets.exp(jets.sin(t)) / (1 + t * t), lambda t: jets.log1p(t) ** 3):
        np.testing.assert_allclose(
            np.asarray(f(xc).coeffs).real, f(xr).coeffs, rtol=1e-14, atol=1e-15
        )
        assert np.all(np.asarray(f(xc).coeffs).imag == 0)


# ------------------------------------------------------------------ Fraction
def _fr(*values):
    return [np.array(Fraction(v), dtype=object) for v in values]


def _exact_partials(expr, syms, point, order):
    out = {}
    subs = dict(zip(syms, [sp.Rational(p.numerator, p.denominator) for p in point], strict=True))
    for alpha in _alphas(len(syms), order) if len(syms) == 2 else [(j,) for j in range(order + 1)]:
        d = expr
        for s, a in zip(syms, alpha, strict=True):
            d = sp.diff(d, s, a)
        v = sp.Rational(d.subs(subs))
        out[alpha] = Fraction(int(v.p), int(v.q))
    return out


@pytest.mark.parametrize(
    "build",
    [
        lambda x, y: (x**2 + 3 * y) / (x - y) ** 3,
        lambda x, y: 1 / (1 + x * y) - x**-2 + np.square(y) * np.reciprocal(x),
        lambda x, y: (x - Fraction(1, 3)) ** 4 * (y + 2) / (x * x + y),
        lambda x, y: -x / 7 + (+y) * Fraction(2, 9) - np.power(x, 3) + jets.divide(y, x),
    ],
    ids=["quotient", "reciprocals", "powers", "numpy names"],
)
def test_fraction_points_give_exact_coefficients_for_rational_functions(build):
    pt = (Fraction(1, 3), Fraction(-2, 7))
    x, y = jets.variables(_fr(*pt), 4)
    f = build(x, y)
    assert f.dtype == object
    X, Y = sp.symbols("x y")
    exact = _exact_partials(build(X, Y), (X, Y), pt, 4)
    got = f.partials()
    for alpha, v in exact.items():
        assert isinstance(got[alpha], Fraction) or got[alpha] == 0, (alpha, got[alpha])
        assert got[alpha] == v, (alpha, got[alpha], v)


def test_fraction_batches_and_univariate_high_order_are_exact():
    pts = np.array([Fraction(1, 3), Fraction(5, 2), Fraction(-7, 11)], dtype=object)
    x = jets.variable(pts, 12)
    f = (1 + x) / (1 - x + x**3)
    z, h = sp.symbols("z h")
    e = (1 + z) / (1 - z + z**3)
    c = f.coeffs
    for k, p in enumerate(pts):  # sympy's exact series at the rational point
        s = sp.series(e.subs(z, sp.Rational(p.numerator, p.denominator) + h), h, 0, 13)
        s = s.removeO()
        for j in range(13):
            ref = s.coeff(h, j)
            assert c[j][k] == Fraction(int(ref.p), int(ref.q)), (p, j)


@pytest.mark.parametrize(
    "f",
    [
        np.sin,
        np.exp,
        np.log,
        np.sqrt,
        jets.erf,
        jets.arctan,
        lambda x: x**0.5,
        lambda x: x ** Fraction(1, 2),
        lambda x: 2**x,
        lambda x: x**x,
        np.tanh,
        jets.cbrt,
    ],
    ids=[
        "sin",
        "exp",
        "log",
        "sqrt",
        "erf",
        "arctan",
        "x**0.5",
        "x**Fraction(1,2)",
        "2**x",
        "x**x",
        "tanh",
        "cbrt",
    ],
)
def test_fraction_jets_refuse_transcendental_functions_clearly(f):
    x = jets.variable(np.array(Fraction(1, 3), dtype=object), 3)
    with pytest.raises(TypeError) as info:
        f(x)
    msg = str(info.value)
    assert "exact" in msg and ("Fraction" in msg or "object" in msg), msg


def test_fraction_piecewise_rules_are_exact():
    x = jets.variable(np.array(Fraction(-5, 3), dtype=object), 2)
    assert abs(x).coeffs.tolist() == [Fraction(5, 3), -1, 0]
    assert jets.floor(x).value == -2
    assert jets.maximum(x, Fraction(-2)).coeffs.tolist()[:2] == [Fraction(-5, 3), 1]
