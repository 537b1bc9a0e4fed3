"""The Jet object API: seeding, readers, repr, errors and edge-point semantics.

Every expected derivative here is exact calculus done by hand on polynomials
or checked against the scalar function (math / mpmath), never copied from
the engine's own output.
"""

import math
import sys

import mpmath
import numpy as np
import pytest

import jets
import jets.rules


# ---------------------------------------------------------------- seeding
def test_variable_scalar():
    x = jets.variable(2.5, order=3)
    assert isinstance(x, jets.Jet)
    assert x.shape == () and x.nvars == 1 and x.order == 3
    assert x.value == 2.5
    assert x.coeffs.shape == (4,)
    assert x.coeffs.tolist() == [2.5, 1.0, 0.0, 0.0]


def test_variable_array_and_1_tuple_order():
    pts = np.linspace(0, 1, 5)
    x = jets.variable(pts, order=(4,))
    assert x.shape == (5,) and x.order == (4,)
    assert x.coeffs.shape == (5, 5)
    np.testing.assert_array_equal(x.value, pts)
    np.testing.assert_array_equal(x.coeffs[1], np.ones(5))
    assert not np.any(x.coeffs[2:])


def test_variable_rejects_several_caps():
    with pytest.raises(ValueError, match="variables"):
        jets.variable(1.0, order=(2, 2))


def test_variables_share_one_space():
    x, y, z = jets.variables([1.0, 2.0, 3.0], order=2)
    assert x.space is y.space is z.space
    assert x.nvars == 3 and x.order == 2 and x.space.ncoeffs == 10
    assert x.coefficient((1, 0, 0)) == 1 and x.coefficient((0, 1, 0)) == 0
    assert z.coefficient((0, 0, 1)) == 1 and z.value == 3.0


def test_variables_per_variable_order():
    x, y = jets.variables([1.0, 2.0], order=(3, 1))
    assert x.order == (3, 1)
    assert list(x.space.index) == [(0, 0), (1, 0), (0, 1), (2, 0), (1, 1), (3, 0), (2, 1), (3, 1)]


def test_variables_with_array_points():
    x, y = jets.variables([np.arange(3.0), np.array([[1.0], [2.0]])], order=1)
    assert x.shape == (3,) and y.shape == (2, 1)
    assert (x * y).shape == (2, 3)


@pytest.mark.parametrize(
    "point, dtype",
    [
        (1, np.float64),
        (np.arange(3), np.float64),
        (np.int32(4), np.float64),
        (np.float32(0.5), np.float32),
        (np.ones(3, np.float32), np.float32),
        (0.5, np.float64),
        (np.ones(2, np.float64), np.float64),
    ],
)
def test_dtype_promotion(point, dtype):
    x = jets.variable(point, order=2)
    assert x.dtype == dtype and x.coeffs.dtype == dtype
    assert x.value.dtype == dtype


@pytest.mark.parametrize("name", sorted(jets.rules.RULES))
def test_float32_stays_float32_through_every_rule(name):
    """Python numbers are weak (NEP 50): a float32 jet stays float32."""
    rule = jets.rules.RULES[name]
    x = jets.variable(np.float32(1.5 if name == "arccosh" else 0.5), order=3)
    args = [x, 0.25, 2.0][: rule.nargs]
    if rule.kind == "composition" and rule.nargs == 2:  # a plain order: jv(1, x)
        args = [1, x]
    r = getattr(jets, name)(*args)
    assert r.dtype == np.float32, r.dtype
    if rule.nargs > 1 and args[0] is x:
        assert getattr(jets, name)(0.25, x, *args[2:]).dtype == np.float32


@pytest.mark.parametrize(
    "expr",
    [
        lambda x: x * 2.0,
        lambda x: x / 3,
        lambda x: x + 1,
        lambda x: 1 / x,
        lambda x: x**0.5,
        lambda x: x**2,
        lambda x: 2.0**x,
        lambda x: x - 1.5,
        lambda x: -x,
    ],
)
def test_float32_with_python_numbers(expr):
    x = jets.variable(np.float32(0.5), order=3)
    assert expr(x).dtype == np.float32
    assert (x * np.float64(2.0)).dtype == np.float64  # numpy scalars are not weak


def test_mixed_point_dtypes_promote():
    x, y = jets.variables([np.float32(1), 2.0], order=1)
    assert x.dtype == np.float64


def test_coeffs_are_read_only():
    x = jets.variable(1.0, 2)
    with pytest.raises(ValueError):
        x.coeffs[0] = 5.0
    with pytest.raises(TypeError, match="immutable"):
        jets.variable(np.ones(3), 2)[0] = 1.0


# -------------------------------------------------------------- readers
def _cubic():
    """f = x^3 y^2 at (2, 3), order 5: every coefficient is known by hand."""
    x, y = jets.variables([2.0, 3.0], order=5)
    return x**3 * y**2


def test_coefficient_vs_partial():
    f = _cubic()
    # Taylor coefficient c[a] = C(3, a1) 2^(3-a1) C(2, a2) 3^(2-a2)
    for a1 in range(4):
        for a2 in range(3):
            if a1 + a2 > 5:
                continue
            c = math.comb(3, a1) * 2 ** (3 - a1) * math.comb(2, a2) * 3 ** (2 - a2)
            assert f.coefficient((a1, a2)) == c
            assert f.partial((a1, a2)) == c * math.factorial(a1) * math.factorial(a2)
    assert f.coefficient((0, 3)) == 0 and f.partial((4, 0)) == 0


def test_derivative_and_derivatives_univariate():
    x = jets.variable(np.array([1.0, 2.0]), order=4)
    f = x**4
    np.testing.assert_array_equal(f.derivative(0), [1.0, 16.0])
    np.testing.assert_array_equal(f.derivative(1), [4.0, 32.0])  # 4 x^3
    np.testing.assert_array_equal(f.derivative(2), [12.0, 48.0])  # 12 x^2
    np.testing.assert_array_equal(f.derivative(4), [24.0, 24.0])
    d = f.derivatives()
    assert d.shape == (5, 2)
    np.testing.assert_array_equal(d[:, 1], [16.0, 32.0, 48.0, 48.0, 24.0])
    assert jets.variable(1.0, 3).derivatives().shape == (4,)


def test_derivative_is_univariate_only():
    x, y = jets.variables([1.0, 2.0], order=2)
    with pytest.raises(ValueError, match=r"one variable.*partial"):
        x.derivative(1)
    with pytest.raises(ValueError, match="one variable"):
        (x * y).derivatives()


def test_gradient_and_hessian():
    x, y = jets.variables([np.array([1.0, 2.0]), np.array([3.0, -1.0])], order=2)
    f = x**2 * y + y**3
    g = f.gradient()
    assert g.shape == (2, 2)
    np.testing.assert_array_equal(g[0], 2 * np.array([1.0, 2.0]) * [3.0, -1.0])  # 2xy
    np.testing.assert_array_equal(g[1], np.array([1.0, 4.0]) + 3 * np.array([9.0, 1.0]))
    h = f.hessian()
    assert h.shape == (2, 2, 2)
    np.testing.assert_array_equal(h[0, 0], 2 * np.array([3.0, -1.0]))  # 2y
    np.testing.assert_array_equal(h[0, 1], 2 * np.array([1.0, 2.0]))  # 2x
    np.testing.assert_array_equal(h[1, 0], h[0, 1])
    np.testing.assert_array_equal(h[1, 1], 6 * np.array([3.0, -1.0]))  # 6y


def test_gradient_needs_order_1_and_hessian_order_2():
    x, y = jets.variables([1.0, 2.0], order=1)
    assert (x * y).gradient().tolist() == [2.0, 1.0]
    with pytest.raises(ValueError, match="order >= 2"):
        (x * y).hessian()
    x0, y0 = jets.variables([1.0, 2.0], order=0)
    with pytest.raises(ValueError, match="order >= 1"):
        (x0 * y0).gradient()


@pytest.mark.parametrize("nvars, order", [(1, 4), (2, 3), (3, 2), (2, (2, 1)), (3, (1, 1, 1))])
def test_partials_keys_are_the_space_in_graded_order(nvars, order):
    xs = jets.variables([0.5] * nvars, order)
    f = jets.exp(sum(xs))
    p = f.partials()
    keys = list(p)
    assert keys == [tuple(int(v) for v in m) for m in f.space.monomials]
    degrees = [sum(k) for k in keys]
    assert degrees == sorted(degrees)  # graded
    assert len(set(keys)) == len(keys) == f.space.ncoeffs
    if isinstance(order, int):
        assert len(keys) == math.comb(nvars + order, order)
        assert all(sum(k) <= order for k in keys)
    else:
        assert len(keys) == math.prod(c + 1 for c in order)
        assert all(all(a <= c for a, c in zip(k, order, strict=True)) for k in keys)
    # every partial of exp(x1 + ... + xn) is exp(n * 0.5)
    for v in p.values():
        assert math.isclose(v, math.exp(0.5 * nvars), rel_tol=1e-14)


def test_within_a_degree_first_variable_descends():
    x, y = jets.variables([0.0, 0.0], order=2)
    assert list(x.partials())[3:] == [(2, 0), (1, 1), (0, 2)]


# ------------------------------------------------------------------ repr
def test_repr_of_the_issue_example():
    x, y = jets.variables([4.0, 3.0], order=2)
    f = (x + 2 * y) ** 3
    assert repr(f) == "Jet(1000 + 300·dx + 600·dy + 30·dx² + 120·dx·dy + 120·dy², order=2)"


def test_repr_signs_caps_and_names():
    x, y, z = jets.variables([1.0, 2.0, 3.0], order=(1, 2, 1))
    text = repr(x * y * z - y**2)
    assert text.startswith("Jet(2 + 6·dx - dy + 2·dz")
    assert text.endswith("dx·dy·dz, order=(1, 2, 1))")
    w = jets.variables([1.0] * 4, order=1)
    assert repr(w[0] * w[3] - 2 * w[1]) == "Jet(-1 + dx1 - 2·dx2 + dx4, order=1)"


def test_repr_of_a_batch_shows_shape_and_values():
    t = jets.variable(np.linspace(0, 1, 5), order=2)
    text = repr(t)
    assert "shape=(5,)" in text and "order=2" in text and "0.25" in text
    big = jets.variable(np.arange(1000.0), 1)
    assert len(repr(big)) < 300 and "..." in repr(big)


# ---------------------------------------------------------------- errors
def test_mixing_spaces_describes_both():
    a = jets.variable(1.0, 2)
    b = jets.variable(1.0, 3)
    with pytest.raises(ValueError) as err:
        a + b
    msg = str(err.value)
    assert "total order 2" in msg and "total order 3" in msg and "jets.variables" in msg
    x2, _ = jets.variables([1.0, 2.0], order=(1, 1))
    y2, _ = jets.variables([1.0, 2.0], order=2)
    with pytest.raises(ValueError) as err:
        np.multiply(x2, y2)
    assert "per-variable order (1, 1)" in str(err.value)
    assert "total order 2" in str(err.value)


@pytest.mark.parametrize(
    "alpha, match",
    [
        ((1,), r"1 entries.*2 variables"),
        ((1, 0, 0), r"3 entries.*2 variables"),
        ((-1, 0), "non-negative"),
        ((3, 0), r"total degree 3.*order 2.*order >= 3"),
        ((2, 1), r"total degree 3"),
        ((1.5, 0), "non-negative ints"),
    ],
)
def test_bad_alpha_says_what_is_allowed(alpha, match):
    x, y = jets.variables([1.0, 2.0], order=2)
    f = x * y
    with pytest.raises(ValueError, match=match):
        f.partial(alpha)
    with pytest.raises(ValueError, match=match):
        f.coefficient(alpha)


def test_alpha_beyond_caps():
    x, y = jets.variables([1.0, 2.0], order=(2, 1))
    with pytest.raises(ValueError, match=r"per-variable order \(2, 1\)"):
        (x * y).partial((0, 2))


@pytest.mark.parametrize(
    "convert", [float, int, complex, math.sin, math.exp, math.sqrt, lambda j: math.isclose(j, 1.0)]
)
def test_conversions_that_drop_derivatives_raise(convert):
    x = jets.variable(1.0, 2)
    with pytest.raises(TypeError, match=r"\.value"):
        convert(x)


def test_index_with_a_jet_raises():
    x = jets.variable(1.0, 2)
    with pytest.raises(TypeError):
        [1, 2, 3][x]


# ----------------------------------------------------------- comparisons
def test_comparisons_return_numpy_booleans():
    x = jets.variable(1.5, 3)
    y = jets.variable(2.0, 3)
    for r in (x > 0, x < 0, x >= 1.5, x <= 1.5, x == 1.5, x != 1.5, x < y, 2 > x):
        # a 0-d bool array (a jets Comparison, which where reads at ties)
        assert isinstance(r, np.ndarray) and r.dtype == bool and r.shape == ()
    assert (x > 0) and not (x < 0) and (x == 1.5) and (x < y) and (2 > x)
    if x > 0:
        hit = True
    assert hit
    assert bool(x)
    batch = jets.variable(np.array([-1.0, 0.0, 2.0]), 2)
    np.testing.assert_array_equal(batch > 0, [False, False, True])
    assert isinstance(batch > 0, np.ndarray)


def test_bool_of_a_batch_raises():
    batch = jets.variable(np.array([1.0, 2.0]), 2)
    with pytest.raises(ValueError, match=r"ambiguous"):
        bool(batch)
    with pytest.raises(ValueError):
        if batch:
            pass
    assert bool(jets.variable(np.array([3.0]), 2))  # one element is fine


# -------------------------------------------------- integer powers at zero
@pytest.mark.parametrize(
    "power",
    [
        lambda x: x**3,
        lambda x: x**3.0,
        lambda x: pow(x, 3),
        lambda x: pow(x, 3.0),
        lambda x: np.power(x, 3),
        lambda x: x * x * x,
        lambda x: jets.power(x, 3.0),
        lambda x: x ** np.float64(3.0),
        lambda x: x ** np.int64(3),
    ],
)
def test_cube_at_zero_is_exact(power):
    x = jets.variable(0.0, 4)
    d = power(x).derivatives()
    assert d.tolist() == [0.0, 0.0, 0.0, 6.0, 0.0]


@pytest.mark.parametrize(
    "power", [lambda x: x**2, lambda x: x**2.0, lambda x: pow(x, 2.0), lambda x: jets.square(x)]
)
def test_square_at_zero_is_exact(power):
    x = jets.variable(np.array([0.0, 0.0]), 3)
    d = power(x).derivatives()
    assert d[:, 0].tolist() == [0.0, 0.0, 2.0, 0.0]
    assert not np.any(np.isnan(d))


def test_integer_powers_at_zero_in_a_batch_and_in_several_variables():
    x = jets.variable(np.array([0.0, 1.0, -2.0]), 3)
    d = (x**3).derivatives()
    np.testing.assert_array_equal(d[:, 0], [0, 0, 0, 6])
    np.testing.assert_array_equal(d[:, 2], [-8, 12, -12, 6])  # x^3, 3x^2, 6x, 6
    x, y = jets.variables([0.0, 0.0], order=4)
    f = (x + y) ** 2.0 * x**2
    assert f.partial((4, 0)) == 24.0 and f.partial((3, 1)) == 12.0
    assert not np.any(np.isnan(f.coeffs))
    assert (x**0).coeffs.tolist() == [1.0] + [0.0] * (f.space.ncoeffs - 1)


@pytest.mark.parametrize(
    "f",
    [
        lambda x: x ** (3 / 4),
        lambda x: jets.sqrt(x**2),
        lambda x: jets.sqrt(x),
        lambda x: x**0.5,
        lambda x: x**-1.5,
        lambda x: jets.log(x),
        lambda x: 1 / x,
        lambda x: x**-2,
        lambda x: jets.cbrt(x),
        lambda x: x ** (1 / 3),
    ],
)
def test_non_integer_and_negative_powers_at_zero_are_never_wrong_finite(f):
    """No Taylor expansion exists at 0: every derivative is inf/nan, none a finite lie."""
    x = jets.variable(0.0, 3)
    d = f(x).derivatives()
    assert not np.any(np.isfinite(d[1:])), d


def test_x_three_quarters_at_zero_value_is_right():
    x = jets.variable(0.0, 2)
    assert (x**0.75).value == 0.0


# ------------------------------------------------------------ accuracy
def test_log1p_and_expm1_of_tiny_values():
    t = jets.variable(1e-20, 4)
    assert jets.log1p(t).value == 1e-20
    assert jets.expm1(t).value == 1e-20
    assert np.log1p(t).value == 1e-20 and np.expm1(t).value == 1e-20
    # derivatives: 1/(1+t) and exp(t) at 1e-20 are 1 to double precision
    np.testing.assert_allclose(jets.log1p(t).derivatives()[1:], [1, -1, 2, -6], rtol=1e-15)
    np.testing.assert_allclose(jets.expm1(t).derivatives()[1:], [1, 1, 1, 1], rtol=1e-15)


def test_erfc_of_ten_is_accurate():
    x = jets.variable(10.0, 2)
    want = float(mpmath.erfc(10))
    assert want > 0
    assert math.isclose(jets.erfc(x).value, want, rel_tol=1e-14)
    # erfc' = -2/sqrt(pi) exp(-x^2): tiny but representable, accurate too
    assert math.isclose(
        jets.erfc(x).derivative(1),
        float(-2 / mpmath.sqrt(mpmath.pi) * mpmath.exp(-100)),
        rel_tol=1e-13,
    )


def test_log_of_large_and_small_values():
    x = jets.variable(np.array([1e-300, 1e300]), 2)
    np.testing.assert_allclose(jets.log(x).value, np.log([1e-300, 1e300]), rtol=1e-15)
    np.testing.assert_allclose(jets.log(x).derivative(1), [1e300, 1e-300], rtol=1e-15)


# ---------------------------------------------------------- missing scipy
@pytest.fixture
def no_scipy(monkeypatch):
    for name in list(sys.modules):
        if name == "scipy" or name.startswith("scipy."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "scipy", None)
    monkeypatch.setitem(sys.modules, "scipy.special", None)


@pytest.mark.parametrize("name", ["erf", "erfc", "gamma", "lgamma", "gammaln", "digamma"])
def test_special_functions_without_scipy_name_the_extra(no_scipy, name):
    x = jets.variable(0.5, 3)
    with pytest.raises(ImportError, match=r"jets\[special\]"):
        getattr(jets, name)(x)
    with pytest.raises(ImportError, match=r"jets\[special\]"):
        getattr(jets, name)(0.5)  # plain number, same message


def test_everything_else_works_without_scipy(no_scipy):
    x = jets.variable(0.5, 3)
    f = jets.sin(x) * jets.exp(x) / (1 + x**2) + jets.arctan2(x, 1.0) + np.log1p(x)
    assert np.all(np.isfinite(f.coeffs))
