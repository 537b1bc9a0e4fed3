"""numpy coverage on jets (jets/numpy_api.py handlers, Jet.real/imag/astype/item):
structural and linear functions against numpy on each coefficient array,
nonlinear ones (prod, cumprod, var, std, polyval, angle) against sympy."""

from math import factorial

import numpy as np
import pytest
import sympy as sp

import jets


def ref(expr, syms, point, space):
    """Taylor coefficients of a scalar sympy expression in the graded order."""
    out = np.empty(space.ncoeffs)
    for alpha, i in space.index.items():
        D = expr
        for s, a in zip(syms, alpha, strict=False):
            if a:
                D = D.diff(s, a)
        out[i] = float(D.subs(dict(zip(syms, point, strict=False))).evalf(30)) / np.prod(
            [factorial(a) for a in alpha]
        )
    return out


@pytest.fixture
def xy():
    x, y = jets.variables([0.3, 0.7], order=3)
    return x, y, *sp.symbols("x y", real=True)


def vec(x, y, m):
    return [1 + x, x * y - 2, m.sin(y), 0.5 + y * y]


def per_coeff(fn, J, *args, **kw):
    return np.stack([fn(c, *args, **kw) for c in J.coeffs])


@pytest.fixture
def J():
    x, y = jets.variables(
        [np.linspace(0.1, 0.9, 12).reshape(3, 4), np.linspace(-1, 1, 12).reshape(3, 4)], order=2
    )
    return x * y + np.exp(x)


@pytest.mark.parametrize(
    "fn, kw",
    [
        (np.flip, {}),
        (np.flip, {"axis": 1}),
        (np.roll, {"shift": 2}),
        (np.roll, {"shift": -1, "axis": 0}),
        (np.real, {}),
        (np.imag, {}),
        (np.conj, {}),
        (np.conjugate, {}),
        (np.cumsum, {"axis": 1}),
        (np.diff, {}),
        (np.mean, {"axis": 0}),
        (np.trace, {}),
    ],
)
def test_linear_and_structural_match_numpy_per_coefficient(J, fn, kw):
    r = fn(J, **kw)
    want = per_coeff(fn, J, **kw)
    assert r.shape == want.shape[1:]
    np.testing.assert_allclose(r.coeffs, want, rtol=1e-14, atol=1e-15)


def test_complex_parts_and_properties(J):
    Z = J * (1 + 2j) + 0.5j
    for got, f in (
        (Z.real, np.real),
        (Z.imag, np.imag),
        (np.real(Z), np.real),
        (np.imag(Z), np.imag),
        (np.conj(Z), np.conj),
        (Z.conj(), np.conj),
    ):
        np.testing.assert_allclose(got.coeffs, per_coeff(f, Z), rtol=1e-15)
    assert np.imag(J).coeffs.max() == 0


def test_angle_against_sympy(xy):
    x, y, X, Y = xy
    z = (1 + x) + 1j * (x * y - 0.2)
    Z = sp.atan2(X * Y - sp.Rational(1, 5), 1 + X)
    np.testing.assert_allclose(
        np.angle(z).coeffs, ref(Z, (X, Y), (0.3, 0.7), x.space), rtol=1e-12, atol=1e-14
    )
    np.testing.assert_allclose(
        np.angle(z, deg=True).coeffs,
        ref(Z * 180 / sp.pi, (X, Y), (0.3, 0.7), x.space),
        rtol=1e-12,
        atol=1e-12,
    )


def test_stacks(J):
    np.testing.assert_allclose(
        np.vstack([J, J[0]]).coeffs, np.stack([np.vstack([c, c[0]]) for c in J.coeffs])
    )
    np.testing.assert_allclose(
        np.hstack([J, J]).coeffs, np.stack([np.hstack([c, c]) for c in J.coeffs])
    )
    np.testing.assert_allclose(
        np.hstack([J[0], np.ones(2)]).coeffs,
        np.stack([np.hstack([c[0], np.ones(2) * (i == 0)]) for i, c in enumerate(J.coeffs)]),
    )
    assert np.vstack([J[0], J[1]]).shape == (2, 4)


def test_max_min_arg_by_value(J):
    K = J * np.where(np.arange(4) % 2, -1, 1)
    for fmax, arg in (
        (np.max, np.argmax),
        (np.amax, np.argmax),
        (np.min, np.argmin),
        (np.amin, np.argmin),
    ):
        for axis in (None, 0, 1, -1):
            r = fmax(K, axis=axis)
            v = K.value if axis is not None else K.value.ravel()
            idx = arg(v, axis=axis if axis is not None else 0)
            want = np.stack(
                [
                    np.take_along_axis(
                        c if axis is not None else c.ravel(),
                        np.expand_dims(idx, axis or 0),
                        axis or 0,
                    ).squeeze(axis or 0)
                    for c in K.coeffs
                ]
            )
            np.testing.assert_allclose(r.coeffs, want)
            np.testing.assert_allclose(r.value, fmax(K.value, axis=axis))
        assert fmax(K, axis=1, keepdims=True).shape == (3, 1)
    np.testing.assert_array_equal(np.argmax(K, axis=1), np.argmax(K.value, axis=1))
    np.testing.assert_array_equal(np.argmin(K), np.argmin(K.value))
    with pytest.raises(TypeError, match="initial"):
        np.max(K, initial=3)


def test_max_with_nan_is_nan():
    x = jets.variable(np.array([1.0, np.nan, 3.0]), order=2)
    r = np.max(x * x)
    assert np.isnan(r.coeffs).all()


def test_prod_cumprod_against_sympy(xy):
    x, y, X, Y = xy
    v = jets.stack(vec(x, y, np))
    vs = vec(X, Y, sp)
    P = 1
    for e in vs:
        P = P * e
    np.testing.assert_allclose(
        np.prod(v).coeffs, ref(P, (X, Y), (0.3, 0.7), x.space), rtol=1e-12, atol=1e-14
    )
    c = np.cumprod(v)
    P = 1
    for k, e in enumerate(vs):
        P = P * e
        np.testing.assert_allclose(
            c[k].coeffs, ref(P, (X, Y), (0.3, 0.7), x.space), rtol=1e-12, atol=1e-14
        )
    M = jets.stack([v, 2 * v, v * v])  # (3, 4)
    np.testing.assert_allclose(
        np.prod(M, axis=0).coeffs, (v * 2 * v * v * v).coeffs, rtol=1e-13, atol=1e-14
    )
    assert np.prod(M, axis=1, keepdims=True).shape == (3, 1)
    np.testing.assert_allclose(
        np.cumprod(M, axis=1)[:, -1].coeffs, np.prod(M, axis=1).coeffs, rtol=1e-13, atol=1e-14
    )


def test_var_std_polyval_against_sympy(xy):
    x, y, X, Y = xy
    v = jets.stack(vec(x, y, np))
    vs = vec(X, Y, sp)
    m = sum(vs) / 4
    var = sum((e - m) ** 2 for e in vs) / 4
    pt = (0.3, 0.7)
    np.testing.assert_allclose(
        np.var(v).coeffs, ref(var, (X, Y), pt, x.space), rtol=1e-12, atol=1e-14
    )
    np.testing.assert_allclose(
        np.var(v, ddof=1).coeffs, ref(var * 4 / 3, (X, Y), pt, x.space), rtol=1e-12, atol=1e-14
    )
    np.testing.assert_allclose(
        np.std(v).coeffs, ref(sp.sqrt(var), (X, Y), pt, x.space), rtol=1e-12, atol=1e-14
    )
    np.testing.assert_allclose(
        np.polyval([2.0, -1.0, 0.5], x * y).coeffs,
        ref(2 * (X * Y) ** 2 - X * Y + 0.5, (X, Y), pt, x.space),
        rtol=1e-12,
        atol=1e-14,
    )
    np.testing.assert_allclose(
        np.polyval(jets.stack([y, 1 + 0 * x]), x).coeffs,
        ref(Y * X + 1, (X, Y), pt, x.space),
        rtol=1e-12,
        atol=1e-14,
    )


def test_like_astype_item(J):
    z = np.zeros_like(J)
    assert isinstance(z, jets.Jet) and z.shape == J.shape and not z.coeffs.any()
    o = np.ones_like(J)
    np.testing.assert_array_equal(o.value, 1)
    assert (J + o).space is J.space
    f = np.full_like(J, 2.5)
    np.testing.assert_array_equal(f.value, 2.5)
    a = J.astype(np.float32)
    assert a.dtype == np.float32
    np.testing.assert_allclose(a.coeffs, J.coeffs.astype(np.float32))
    assert J.astype(complex).dtype == complex
    with pytest.raises(TypeError, match="float or complex"):
        J.astype(int)
    one = J[1, 2].item()
    assert isinstance(one, jets.Jet) and one.shape == ()
    np.testing.assert_array_equal(J.item(5).coeffs, J.ravel()[5].coeffs)
    np.testing.assert_array_equal(J.item((1, 2)).coeffs, J[1, 2].coeffs)
    with pytest.raises(ValueError, match="size 1"):
        J.item()


def test_array_of_jets_points_to_stack():
    x = jets.variable(1.0, order=2)
    with pytest.raises(TypeError, match="jets.stack"):
        np.array([x, x])


def test_unsupported_names_the_alternative():
    x = jets.variable(np.array([[1.0, 2.0], [3.0, 4.0]]), order=2)
    with pytest.raises(TypeError, match="numpy.linalg.svd is not supported"):
        np.linalg.svd(x)
    with pytest.raises(TypeError, match="supported"):
        np.linalg.norm(x, "nuc")
    with pytest.raises(TypeError, match="subscripts string"):
        np.einsum(x, [0, 1])
