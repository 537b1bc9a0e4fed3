"""jets.calculus against sympy: evaluate and compose, differentiate, integrate,
truncate and invert, with batches, caps, edge points and bad input.

The ground truth is always sympy (exact rationals for the expansion points,
derivatives taken symbolically) or mpmath root finding, never jets' own
output; a few cases are translated from the public tests of TaylorSeries.jl
(evaluate, integrate, differentiate, inverse_map) and audi (invert_map).
"""

from fractions import Fraction
from itertools import product
from math import factorial
from types import SimpleNamespace

import mpmath
import numpy as np
import pytest
import sympy as sp

import jets

SYM = SimpleNamespace(
    sin=sp.sin,
    cos=sp.cos,
    exp=sp.exp,
    log=sp.log,
    sqrt=sp.sqrt,
    tan=sp.tan,
    arctan=sp.atan,
    arcsin=sp.asin,
    sinh=sp.sinh,
    log1p=lambda z: sp.log(1 + z),
    expm1=lambda z: sp.exp(z) - 1,
    cosh=sp.cosh,
    tanh=sp.tanh,
)


def monomials(n, order):
    """Exponent tuples of the space (n, order): total degree or caps."""
    if isinstance(order, tuple):
        return list(product(*(range(c + 1) for c in order)))
    return [a for a in product(range(order + 1), repeat=n) if sum(a) <= order]


def taylor_poly(F, point, order, d):
    """The truncated Taylor polynomial of F(v, SYM) at `point` in the
    displacement symbols d, as a dict {alpha: exact sympy coefficient}."""
    n = len(point)
    v = sp.symbols(f"v0:{n}", real=True)
    expr = F(list(v), SYM)
    at = {vi: sp.Rational(p) for vi, p in zip(v, point, strict=False)}
    out = {}
    for a in monomials(n, order):
        e = expr
        for vi, k in zip(v, a, strict=False):
            if k:
                e = sp.diff(e, vi, k)
        out[a] = e.subs(at) / sp.prod([sp.factorial(k) for k in a])
    return out


def as_expr(coeffs, d):
    return sum(c * sp.prod([di**k for di, k in zip(d, a, strict=False)]) for a, c in coeffs.items())


def coeff_dict(expr, d, n, order):
    """Coefficients of a polynomial expression in d over the space (n, order)."""
    P = sp.Poly(sp.expand(expr), *d)
    table = {tuple(m): c for m, c in zip(P.monoms(), P.coeffs(), strict=False)}
    return {a: table.get(a, 0) for a in monomials(n, order)}


def jet_coeffs(jet):
    """{alpha: coefficient array} of a jet."""
    return {a: jet.coefficient(a) for a in monomials(jet.nvars, jet.order)}


def close(a, b, rtol=1e-12, atol=1e-12):
    np.testing.assert_allclose(
        np.asarray(a, dtype=complex), np.asarray(b, dtype=complex), rtol=rtol, atol=atol
    )


F2 = {
    "exp_sin": lambda v, m: m.exp(v[0]) * m.sin(v[1]) + v[0] ** 3 * v[1],
    "log_ratio": lambda v, m: m.log(2 + v[0] + v[1] ** 2) / (1 + v[0] * v[1]),
}


# ------------------------------------------------------------------ evaluate
@pytest.mark.parametrize("name", sorted(F2))
@pytest.mark.parametrize("order", [3, 5, (2, 3)])
def test_evaluate_at_displacements_matches_sympy_polynomial(name, order):
    F = F2[name]
    pts = [(0.25, -0.5), (-0.375, 0.75)]
    X = np.array(pts).T  # (2, 2 points)
    xs = jets.variables(list(X[:, :, None]), order)  # batch (2, 1)
    f = F(xs, jets)
    rng = np.random.default_rng(0)
    dx = rng.uniform(-0.3, 0.3, size=(2, 4))  # 4 displacements
    got = jets.evaluate(f, [dx[0], dx[1]])
    assert got.shape == (2, 4)
    d = sp.symbols("d0:2")
    for p, pt in enumerate(pts):
        poly = as_expr(taylor_poly(F, pt, order, d), d)
        want = [float(poly.subs({d[0]: float(a), d[1]: float(b)})) for a, b in dx.T]
        close(got[p], want)
    close(f(dx[0], dx[1]), got, rtol=0, atol=0)  # the call shorthand


def test_evaluate_univariate_one_array_and_broadcasting():
    t = jets.variable(np.array([0.0, 0.5]), 6)
    f = jets.exp(t) * jets.cos(t)
    h = np.array([[0.1], [-0.2], [0.3]])  # (3, 1) with batch (2,)
    got = jets.evaluate(f, h)
    assert got.shape == (3, 2)
    d = sp.Symbol("d")
    for j, x0 in enumerate([0.0, 0.5]):
        poly = as_expr(taylor_poly(lambda v, m: m.exp(v[0]) * m.cos(v[0]), [x0], 6, [d]), [d])
        close(got[:, j], [float(poly.subs(d, float(hh))) for hh in h[:, 0]])
    close(jets.evaluate(f, [h]), got, rtol=0, atol=0)


def test_evaluate_array_of_rows_and_zero_displacement_is_value():
    x, y = jets.variables([np.array([0.3, 1.0]), 0.2], 4)
    f = jets.sin(x * y) + y**2
    close(jets.evaluate(f, np.zeros((2, 2))), f.value, rtol=0, atol=0)
    close(jets.evaluate(f, np.zeros(2)), f.value, rtol=0, atol=0)


def test_evaluate_only_some_variables():
    _, _, z = jets.variables([0.5, 1.0, 2.0], 3)
    f = jets.exp(z) * 2  # depends on z only
    d = sp.Symbol("d")
    poly = as_expr(taylor_poly(lambda v, m: 2 * m.exp(v[0]), [2.0], 3, [d]), [d])
    got = jets.evaluate(f, [np.ones(3), 7.0, np.array([0.1, 0.2, 0.3])])
    close(got, [float(poly.subs(d, h)) for h in (0.1, 0.2, 0.3)])


def test_evaluate_complex_displacement_taylorseries_exy():
    # TaylorSeries.jl: evaluate(exp(x + y), (0.1im, 0.01im)) == exp(0.11im)
    x, y = jets.variables([0.0, 0.0], 16)
    got = jets.evaluate(jets.exp(x + y), [0.1j, 0.01j])
    close(got, complex(mpmath.exp(0.11j)), rtol=1e-15, atol=0)


def test_evaluate_keeps_expm1_accuracy_taylorseries():
    # TaylorSeries.jl: evaluate(expm1(1e-16 + x + y), [1e-16, 0]) ≈ expm1(2e-16)
    x, y = jets.variables([0.0, 0.0], 5)
    got = float(jets.evaluate(jets.expm1(1e-16 + x + y), [1e-16, 0.0]))
    assert abs(got - float(mpmath.expm1(mpmath.mpf(2e-16)))) <= 1e-15 * 2e-16


def test_evaluate_nan_jet_gives_nan():
    t = jets.variable(np.array([-1.0, 1.0]), 3)
    got = jets.evaluate(jets.log(t), 0.5)
    assert np.isnan(got[0]) and np.isfinite(got[1])


# --------------------------------------------------------------- composition
def test_composition_log1p_matches_sympy_series_of_composition():
    # evaluate(log(1 + u), g) with g(0) = 0 is the series of log(1 + u0 + g)
    u = jets.variable(0.5, 5)
    P = jets.log(1 + u)
    s, t = jets.variables([0.25, 0.5], 4)
    g0 = np.sin(0.25) * 0.5
    g = jets.sin(s) * t - g0
    got = jets.evaluate(P, g)
    assert got.space is s.space
    F = lambda v, m: m.log(sp.Rational(3, 2) + m.sin(v[0]) * v[1] - sp.sin(sp.Rational(1, 4)) / 2)
    d = sp.symbols("d0:2")
    want = taylor_poly(F, (0.25, 0.5), 4, d)
    for a, c in want.items():
        close(got.coefficient(a), float(c))


def test_composition_with_constant_part_is_polynomial_composition():
    # any constant part: the result is the truncated polynomial P(g)
    u = jets.variable(np.array([0.1, 0.7]), 3)
    P = jets.exp(u) / (2 + u)
    s, t = jets.variables([0.0, 0.0], 3)
    g = 0.2 + s - 0.5 * t + s * t
    got = jets.evaluate(P, g)
    assert got.shape == (2,)
    d = sp.symbols("d0:2")
    e = sp.Symbol("e")
    for j, u0 in enumerate([0.1, 0.7]):
        poly = as_expr(taylor_poly(lambda v, m: m.exp(v[0]) / (2 + v[0]), [u0], 3, [e]), [e])
        comp = sp.expand(poly.subs(e, sp.Rational(1, 5) + d[0] - d[1] / 2 + d[0] * d[1]))
        want = coeff_dict(comp, d, 2, 3)
        for a, c in want.items():
            close(got.coefficient(a)[j], float(c))


def test_composition_taylorseries_cases():
    # TaylorSeries.jl: evaluate(exp(t), t^2) == exp(t^2)
    t = jets.variable(0.0, 8)
    got = jets.evaluate(jets.exp(t), t**2)
    d = sp.Symbol("d")
    want = sp.series(sp.exp(d**2), d, 0, 9).removeO()
    for k in range(9):
        close(got.coefficient((k,)), float(want.coeff(d, k)), atol=1e-15)
    # ptxy(1 - y, y) == 4/3, ptxy = x + y + (x^3 + y^3)/3 + x^2 y + x y^2
    x, y = jets.variables([0.0, 0.0], 3)
    ptxy = x + y + (x**3 + y**3) / 3 + x**2 * y + x * y**2
    got = jets.evaluate(ptxy, [1 - y, y])
    close(got.value, 4 / 3, rtol=1e-15)
    close(got.coeffs[1:], 0, atol=1e-15)
    # evaluate(p, q) for two series of one seeding agrees with evaluating in two steps
    p, q = jets.cos(t), jets.sin(t) - 0.0
    lhs = jets.evaluate(jets.evaluate(p, q), 0.25)
    qq = sp.series(sp.sin(d), d, 0, 9).removeO()
    pp = sp.series(sp.cos(d), d, 0, 9).removeO()
    comp = sp.expand(pp.subs(d, qq))
    comp = sum(comp.coeff(d, k) * d**k for k in range(9))
    close(lhs, float(comp.subs(d, sp.Rational(1, 4))))


def test_composition_batches_broadcast():
    u = jets.variable(np.array([0.0, 0.5, 1.0]), 4)
    P = jets.sin(u)
    s = jets.variable(np.zeros((2, 1)), 4)
    got = jets.evaluate(P, 0.5 * s)
    assert got.shape == (2, 3)
    for j, u0 in enumerate([0.0, 0.5, 1.0]):
        for k in range(5):
            want = (
                float(sp.diff(sp.sin(sp.Symbol("z")), sp.Symbol("z"), k).subs(sp.Symbol("z"), u0))
                / factorial(k)
                * 0.5**k
            )
            close(got.coefficient((k,))[:, j], want)


def test_evaluate_bad_input():
    x, y = jets.variables([0.0, 0.0], 3)
    f = x * y
    with pytest.raises(ValueError, match="2 variable.*1 displacement.*one per variable"):
        jets.evaluate(f, [0.1])
    with pytest.raises(ValueError, match="one per variable"):
        jets.evaluate(f, [0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="called with 1 argument"):
        f(0.1)
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        jets.evaluate(f, np.zeros(3))
    with pytest.raises(ValueError, match="do not broadcast"):
        jets.evaluate(f, [np.zeros(2), np.zeros(3)])
    with pytest.raises(TypeError, match="displacement 1"):
        jets.evaluate(f, [0.1, "a"])
    (a,) = jets.variables([0.0], 2)
    (b,) = jets.variables([0.0], 2)
    with pytest.raises(TypeError, match="seeded separately"):
        jets.evaluate(f, [a, b])
    (c,) = jets.variables([0.0], 3)
    with pytest.raises(ValueError, match="different spaces"):
        jets.evaluate(f, [a, c])
    with pytest.raises(TypeError, match="takes a Jet"):
        jets.evaluate(np.sin, [0.1])
    t = jets.variable(0.0, 2)
    with pytest.raises(ValueError, match=r"np.asarray\(dx\)"):
        jets.evaluate(t, [0.1, 0.2])


# --------------------------------------------------- differentiate, integrate
@pytest.mark.parametrize("order", [4, (3, 2)])
@pytest.mark.parametrize("var", [0, 1])
def test_differentiate_integrate_match_sympy_on_truncated_polynomial(order, var):
    F = F2["exp_sin"]
    pts = [(0.25, -0.5), (0.5, 0.125), (-1.0, 2.0)]
    X = np.array(pts).T
    f = F(jets.variables(list(X), order), jets)
    D = jets.differentiate(f, var)
    I = jets.integrate(f, var)
    assert D.space is f.space and I.space is f.space and D.shape == I.shape == (3,)
    d = sp.symbols("d0:2")
    for p, pt in enumerate(pts):
        poly = as_expr(taylor_poly(F, pt, order, d), d)
        want_d = coeff_dict(sp.diff(poly, d[var]), d, 2, order)
        # the antiderivative vanishing at dx_var = 0, truncated to the space
        want_i = coeff_dict(sp.integrate(poly, (d[var], 0, d[var])), d, 2, order)
        for a in monomials(2, order):
            close(D.coefficient(a)[p], float(want_d[a]))
            close(I.coefficient(a)[p], float(want_i[a]))


def test_differentiate_top_degree_is_zero_filled_and_truncation_keeps_the_rest():
    t = jets.variable(0.3, 5)
    D = jets.differentiate(jets.sin(t))
    assert D.coefficient((5,)) == 0  # documented zero fill
    K = jets.truncate(D, 4)
    z = sp.Symbol("z")
    for k in range(5):
        close(K.coefficient((k,)), float(sp.diff(sp.cos(z), z, k).subs(z, 0.3)) / factorial(k))


def test_integrate_differentiate_taylorseries_identities():
    t = jets.variable(0.0, 10)
    E = jets.exp(t)
    # integrate(differentiate(exp(t)), 1) == exp(t)
    back = jets.integrate(jets.differentiate(E)) + 1.0
    for k in range(11):
        close(back.coefficient((k,)), 1 / factorial(k), rtol=1e-15)
    # integrate(cos(t)) == sin(t)
    S = jets.integrate(jets.cos(t))
    z = sp.Symbol("z")
    ser = sp.series(sp.sin(z), z, 0, 11).removeO()
    for k in range(11):
        close(S.coefficient((k,)), float(ser.coeff(z, k)), atol=1e-16)
    # manyvariables.jl: differentiate(integrate(p, 2), 2) == p for p below the order
    x, y = jets.variables([0.0, 0.0], 6)
    p = 1 + x**2 * y - 3 * y**4 + x * y**3
    close(jets.differentiate(jets.integrate(p, 1), 1).coeffs, p.coeffs, atol=1e-15)
    close(
        jets.integrate(jets.differentiate(p, 0), 0).coeffs,
        (p - jets.evaluate(p, [0.0, y])).coeffs,
        atol=1e-15,
    )  # p minus p(0, y)
    # integrate(xT^17, 2) == 0 when 17 is the order: pushed past it
    X, Y = jets.variables([0.0, 0.0], 5)
    close(jets.integrate(X**5, 1).coeffs, 0, atol=0)
    # integrate(6, 1) == 6 x
    six = jets.constant(6.0, like=X)
    close(jets.integrate(six, 0).coeffs, (6 * X).coeffs, atol=0)
    assert jets.differentiate(six, 1).coeffs.tolist() == [0.0] * 21


def test_differentiate_in_an_absent_variable_and_caps():
    x, y = jets.variables([1.0, 2.0], (2, 3))
    f = y**3
    close(jets.differentiate(f, 0).coeffs, 0, atol=0)
    close(jets.differentiate(f, 1).coefficient((0, 2)), 3.0)
    close(jets.differentiate(f, 1).coefficient((0, 3)), 0.0)  # cap: zero filled
    close(jets.integrate(f, 0).coefficient((1, 3)), 1.0)
    close(jets.integrate(f, 0).coefficient((1, 0)), 8.0)


def test_differentiate_integrate_nan_dtype_and_exact():
    t = jets.variable(np.array([-1.0, 2.0]), 3)
    L = jets.log(t)
    for r in (jets.differentiate(L), jets.integrate(L)):
        assert np.isnan(r.coeffs[:, 0]).all() and np.isfinite(r.coeffs[:, 1]).all()
    t32 = jets.variable(np.float32(0.5), 3)
    assert jets.integrate(jets.sin(t32)).dtype == np.float32
    assert jets.differentiate(jets.sin(t32)).dtype == np.float32
    q = jets.variable(Fraction(1, 3), 3)
    I = jets.integrate(q**2)  # (1/3 + h)^2 integrated
    assert I.coefficient((1,)) == Fraction(1, 9)
    assert I.coefficient((2,)) == Fraction(1, 3)
    assert I.coefficient((3,)) == Fraction(1, 3)


def test_differentiate_integrate_bad_input():
    x, y = jets.variables([0.0, 0.0], 2)
    with pytest.raises(ValueError, match=r"range\(2\)"):
        jets.differentiate(x, 2)
    with pytest.raises(TypeError, match="index of a variable"):
        jets.integrate(x, 0.5)
    with pytest.raises(TypeError, match="takes a Jet"):
        jets.integrate(np.zeros(3))


# ------------------------------------------------------------------ truncate
@pytest.mark.parametrize("start, to", [(5, 3), (5, (2, 3)), ((3, 4), 2), ((3, 4), (1, 2)), (4, 0)])
def test_truncate_matches_sympy_and_shapes(start, to):
    F = F2["log_ratio"]
    pts = [(0.25, 0.5), (0.5, -0.25)]
    X = np.array(pts).T
    f = F(jets.variables(list(X), start), jets)
    g = jets.truncate(f, to)
    assert g.order == to and g.shape == (2,)
    d = sp.symbols("d0:2")
    for p, pt in enumerate(pts):
        want = taylor_poly(F, pt, to, d)
        for a in monomials(2, to):
            close(g.coefficient(a)[p], float(want[a]))


def test_truncated_jets_of_one_seeding_combine_and_others_do_not():
    x, y = jets.variables([0.5, 1.0], 4)
    a, b = jets.truncate(jets.exp(x), 2), jets.truncate(jets.sin(y), 2)
    c = a * b  # one derived space
    assert c.space is a.space is b.space
    assert jets.truncate(jets.truncate(x * y, 3), 2).space is a.space
    assert jets.truncate(x, 4) is x
    u, v = jets.variables([0.5, 1.0], 4)
    with pytest.raises(TypeError, match="seeded separately"):
        a + jets.truncate(u, 2)
    with pytest.raises(ValueError, match="different spaces"):
        a + x
    with pytest.raises(ValueError, match="lower order"):
        jets.truncate(x, 5)
    with pytest.raises(ValueError, match="lower order"):
        jets.truncate(x, (3, 2))
    p, q = jets.variables([0.0, 0.0], (2, 2))
    with pytest.raises(ValueError, match="lower order"):
        jets.truncate(p, 3)


# -------------------------------------------------------------------- invert
@pytest.mark.parametrize("case", ["sin", "expm1", "x_plus_x2", "tan", "t_exp_t"])
def test_invert_univariate_reversion_against_sympy(case):
    k = 7
    t = jets.variable(0.0, k)
    y = sp.Symbol("y")
    M, inverse = {
        "sin": (jets.sin(t), sp.asin(y)),
        "expm1": (jets.exp(t) - 1, sp.log(1 + y)),
        "x_plus_x2": (t + t**2, (sp.sqrt(1 + 4 * y) - 1) / 2),
        "tan": (jets.tan(t), sp.atan(y)),
        "t_exp_t": (t * jets.exp(t), sp.LambertW(y)),
    }[case]
    (N,) = jets.invert([M])
    ser = sp.series(inverse, y, 0, k + 1).removeO()
    for j in range(k + 1):
        close(N.coefficient((j,)), float(ser.coeff(y, j)), rtol=1e-13, atol=1e-15)


def test_invert_lambert_w_coefficients_taylorseries():
    # inverse(t exp(t)) has coefficients (-n)^(n-1)/n!
    k = 15
    t = jets.variable(0.0, k)
    (N,) = jets.invert([t * jets.exp(t)])
    for n in range(1, k + 1):
        close(N.coefficient((n,)), (-n) ** (n - 1) / factorial(n), rtol=1e-12)


def test_invert_batch_at_points_against_sympy():
    pts = np.array([0.0, 0.3, -0.5, 1.2])
    k = 5
    t = jets.variable(pts, k)
    (N,) = jets.invert([jets.sin(t)])
    assert N.shape == (4,)
    y = sp.Symbol("y")
    for j, x0 in enumerate(pts):
        x0r = sp.Rational(float(x0))
        inv = sp.asin(sp.sin(x0r) + y) - x0r  # the local inverse, |x0| < pi/2
        ser = sp.series(inv, y, 0, k + 1).removeO()
        for m in range(k + 1):
            close(N.coefficient((m,))[j], float(ser.coeff(y, m)), rtol=1e-12, atol=1e-14)


def test_invert_audi_univariate_cases():
    # audi: invert asin(x) at 0, order 5 -> sin coefficients
    x = jets.variable(0.0, 5)
    (N,) = jets.invert([jets.arcsin(x)])
    close(N.coeffs, [0, 1, 0, -1 / 6, 0, 1 / 120], atol=1e-14)
    # audi: p0 = 3 x sin(x/2) + x + (1 + x)^cos(3x) at 0.1, order 10; p0(N(0.01)) = p0 + 0.01
    x = jets.variable(0.1, 10)
    p0 = x * 3.0 * jets.sin(x / 2) + x + (1 + x) ** jets.cos(3 * x)
    (N,) = jets.invert([p0])
    dx = float(jets.evaluate(N, 0.01))
    f = lambda z: 3 * z * mpmath.sin(z / 2) + z + (1 + z) ** mpmath.cos(3 * z)
    with mpmath.workdps(30):
        assert abs(f(mpmath.mpf(0.1) + dx) - (f(mpmath.mpf(0.1)) + mpmath.mpf(0.01))) < 1e-11


def compose_back(maps, N):
    """M(x0 + N(y)) - M(x0) as jets in y."""
    return [jets.evaluate(m, list(N)) - m.value for m in maps]


def assert_identity(comp, N):
    for i, c in enumerate(comp):
        assert c.space is N[0].space
        want = np.zeros(c.coeffs.shape)
        want[1 + i] = 1
        close(c.coeffs, want, atol=1e-10, rtol=0)


@pytest.mark.parametrize("case", ["audi_poly", "audi_trig"])
def test_invert_two_variables_composes_to_identity_audi(case):
    x, y = jets.variables([1.0, 1.0], 4)
    if case == "audi_poly":
        maps = [x + y + x * x * y - 3.0, x - y + y * y * x - 1.0]
    else:
        maps = [jets.sin(x * y - 1.0) + x + y - 2.0, jets.cos(x * y * y - 1) - y + x - 1.0]
    N = jets.invert(maps)
    assert_identity(compose_back(maps, N), N)


def test_invert_three_variables_audi():
    x, y, z = jets.variables([1.0, 1.0, 1.0], 4)
    maps = [
        x * y * z + x * y - 2 * z,
        y * z * x * x + z * y - z - y,
        x - 2 * z + jets.cos(x * y * z - 1.0),
    ]
    N = jets.invert(maps)
    assert_identity(compose_back(maps, N), N)


def test_invert_taylorseries_maps_against_closed_forms():
    # inverse_map([exp(x) - 1, log(1 + y)]) == [log(1 + x), exp(y) - 1]
    k = 6
    x, y = jets.variables([0.0, 0.0], k)
    N = jets.invert([jets.exp(x) - 1, jets.log(1 + y)])
    a, b = sp.symbols("a b")
    for j, want in enumerate([sp.log(1 + a), sp.exp(b) - 1]):
        ser = coeff_dict(sp.series(want, a if j == 0 else b, 0, k + 1).removeO(), (a, b), 2, k)
        for al, c in ser.items():
            close(N[j].coefficient(al), float(c), atol=1e-14)
    # a linear map and a triangular polynomial map, exact inverses
    N = jets.invert([x + y, x - y])
    close(N[0].coeffs[1:3], [0.5, 0.5], atol=1e-15)
    close(N[1].coeffs[1:3], [0.5, -0.5], atol=1e-15)
    N = jets.invert([x + 2 * y**2, y - x**2])  # y2 = y - x^2 -> exact by substitution
    Y = sp.symbols("Y0:2")
    # inverse by sympy: x = Y0 - 2 y^2, y = Y1 + x^2: iterate the exact substitution
    X0, X1 = Y[0], Y[1]
    for _ in range(k):
        X0, X1 = (sp.expand(Y[0] - 2 * X1**2), sp.expand(Y[1] + X0**2))
        X0 = sum(t for t in sp.Add.make_args(X0) if sp.Poly(t, *Y).total_degree() <= k)
        X1 = sum(t for t in sp.Add.make_args(X1) if sp.Poly(t, *Y).total_degree() <= k)
    for j, want in enumerate([X0, X1]):
        for al, c in coeff_dict(want, Y, 2, k).items():
            close(N[j].coefficient(al), float(c), atol=1e-12)


def test_invert_two_variables_batch_against_mpmath_root():
    # N(y) against the root of M(x0 + dx) = M(x0) + y found by mpmath
    x0 = np.array([[0.3, -0.2], [0.1, 0.6]])  # 2 points
    k = 5
    x, y = jets.variables(list(x0.T), k)
    maps = [jets.exp(x) * jets.cos(y) + y, x * y + jets.sin(y)]
    N = jets.invert(maps)
    assert N[0].shape == (2,)
    target = [2e-4, -1e-4]  # small: the truncation error O(|y|^6) is < 1e-18
    got = [jets.evaluate(n, target) for n in N]
    for p in range(2):
        a, b = x0[p]
        F = lambda u, v: [
            mpmath.exp(a + u) * mpmath.cos(b + v)
            + (b + v)
            - (mpmath.exp(a) * mpmath.cos(b) + b)
            - target[0],
            (a + u) * (b + v) + mpmath.sin(b + v) - (a * b + mpmath.sin(b)) - target[1],
        ]
        with mpmath.workdps(30):
            root = mpmath.findroot(F, (0, 0))
        close([g[p] for g in got], [float(root[0]), float(root[1])], rtol=1e-13, atol=1e-17)
    assert_identity(compose_back(maps, N), N)


def test_invert_nan_point_and_errors():
    t = jets.variable(np.array([0.5, -2.0]), 3)
    (N,) = jets.invert([jets.log(t)])
    assert np.isnan(N.coeffs[:, 1]).all() and np.isfinite(N.coeffs[:, 0]).all()
    s = jets.variable(np.array([0.0, 1.0]), 3)
    with pytest.raises(ValueError, match=r"singular at batch index \(0,\)"):
        jets.invert([s**2])
    x, y = jets.variables([0.0, 0.0], 3)
    with pytest.raises(ValueError, match="singular"):
        jets.invert([x + y, 2 * x + 2 * y + x**2])
    with pytest.raises(ValueError, match="square.*one jet per variable"):
        jets.invert([x + y])
    with pytest.raises(ValueError, match="square"):
        jets.invert([x, y, x * y])
    p, q = jets.variables([0.0, 0.0], (2, 2))
    with pytest.raises(ValueError, match="total order"):
        jets.invert([p, q])
    with pytest.raises(TypeError, match="seeded separately"):
        jets.invert([x, jets.variables([0.0, 0.0], 3)[1]])
    with pytest.raises(TypeError, match="list of n jets"):
        jets.invert([0.5])
    with pytest.raises(ValueError, match="order >= 1"):
        jets.invert([jets.variable(0.0, 0)])


def test_evaluate_exact_fractions_stay_exact():
    x, y = jets.variables([Fraction(1, 2), Fraction(1, 3)], 3)
    f = x**2 * y + x
    got = jets.evaluate(f, [Fraction(1, 5), Fraction(1, 7)])
    a, b = sp.Rational(7, 10), sp.Rational(10, 21)
    assert got[()] == Fraction(str(a**2 * b + a))
    t = jets.variable(Fraction(0), 4)
    assert jets.evaluate(jets.integrate(t**2 + t), Fraction(1, 2))[()] == Fraction(1, 6)


def test_invert_maps_of_different_batch_shapes_broadcast():
    x, y = jets.variables([np.array([0.1, 0.2, 0.3]), 0.5], 3)
    N = jets.invert([jets.sin(x) + y, 2 * y])
    assert N[0].shape == N[1].shape == (3,)
    assert_identity(compose_back([jets.sin(x) + y, 2 * y], N), N)
