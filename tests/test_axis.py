"""The `axis` keyword of the functional API (which axis of x holds the variables).

Every result with axis=a is the axis=0 result with its derivative axes moved where the
variable axis is in x (np.moveaxis), f being written for x's own layout; results without
a variable axis are equal.  The axis=0 results themselves are checked against sympy and
closed forms in tests/test_api.py and tests/test_directional.py.
"""

import numpy as np
import pytest

import jets

RNG = np.random.default_rng(7)
X0 = RNG.uniform(-1.0, 1.0, (3, 4, 5))  # 3 variables, batch (4, 5)


def f0(x):  # variables on axis 0
    return np.sin(x[0]) * x[1] ** 2 * np.exp(x[2]) + x[0] * x[2]


def g0(x):  # vector function, m = 2
    return [x[0] * x[1], np.cos(x[2]) + x[1] ** 3]


def on(fun, axis):
    """fun written for x with its variables on `axis`."""
    return lambda x: fun(np.moveaxis(x, axis, 0))


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2])
def test_derivative_axes_take_the_place_of_axis(axis):
    x = np.moveaxis(X0, 0, axis)
    p = axis % 3
    f, g = on(f0, axis), on(g0, axis)
    np.testing.assert_allclose(
        jets.gradient(f, x, axis=axis), np.moveaxis(jets.gradient(f0, X0), 0, p), rtol=1e-15
    )
    np.testing.assert_allclose(
        jets.jacobian(g, x, axis=axis), np.moveaxis(jets.jacobian(g0, X0), 1, 1 + p), rtol=1e-15
    )
    np.testing.assert_allclose(
        jets.hessian(f, x, axis=axis),
        np.moveaxis(jets.hessian(f0, X0), [0, 1], [p, p + 1]),
        rtol=1e-15,
    )
    np.testing.assert_allclose(
        jets.hessian(g, x, axis=axis),
        np.moveaxis(jets.hessian(g0, X0), [1, 2], [1 + p, 2 + p]),
        rtol=1e-15,
    )
    np.testing.assert_allclose(
        jets.derivative_tensor(f, x, 3, axis=axis),
        np.moveaxis(jets.derivative_tensor(f0, X0, 3), [0, 1, 2], [p, p + 1, p + 2]),
        rtol=1e-15,
    )
    np.testing.assert_allclose(
        jets.partial(f, x, (1, 2, 0), axis=axis), jets.partial(f0, X0, (1, 2, 0)), rtol=1e-15
    )
    d, d0 = jets.partials(f, x, 2, axis=axis), jets.partials(f0, X0, 2)
    assert list(d) == list(d0)
    for a in d:
        np.testing.assert_allclose(d[a], d0[a], rtol=1e-15)
    val, grad, hess = jets.value_grad_hessian(f, x, axis=axis)
    val0, grad0, hess0 = jets.value_grad_hessian(f0, X0)
    np.testing.assert_allclose(val, val0, rtol=1e-15)
    np.testing.assert_allclose(grad, np.moveaxis(grad0, 0, p), rtol=1e-15)
    np.testing.assert_allclose(hess, np.moveaxis(hess0, [0, 1], [p, p + 1]), rtol=1e-15)
    # error=True: the error estimates move with the results
    H, E = jets.hessian(f, x, axis=axis, error=True)
    H0, E0 = jets.hessian(f0, X0, error=True)
    np.testing.assert_allclose(E, np.moveaxis(E0, [0, 1], [p, p + 1]), rtol=1e-15)


def test_row_major_points_closed_form():
    """x of shape (B, n), axis=-1: gradient (B, n), Hessian (B, n, n) of sum(x**3)."""
    x = RNG.uniform(-2, 2, (6, 4))
    f = lambda x: np.sum(x**3, axis=-1)  # noqa: E731
    np.testing.assert_allclose(jets.gradient(f, x, axis=-1), 3 * x**2, rtol=1e-15)
    H = jets.hessian(f, x, axis=-1)
    assert H.shape == (6, 4, 4)
    np.testing.assert_allclose(H, np.stack([np.diag(6 * r) for r in x]), rtol=1e-15)
    np.testing.assert_allclose(jets.laplacian(f, x, axis=-1), 6 * x.sum(axis=-1), rtol=1e-14)
    v = RNG.uniform(-1, 1, (6, 4))
    np.testing.assert_allclose(jets.hvp(f, x, v, axis=-1), 6 * x * v, rtol=1e-14)
    # the (5, 2) trap: 5 points of 2 variables read with the default axis=0 are 5 variables
    pts = RNG.uniform(-1, 1, (5, 2))
    assert jets.gradient(lambda x: x[0] * x[1], pts).shape == (5, 2)  # (n=5, batch 2)
    np.testing.assert_allclose(
        jets.gradient(lambda x: x[..., 0] * x[..., 1], pts, axis=-1), pts[:, ::-1], rtol=1e-15
    )


@pytest.mark.parametrize("axis", [1, -1])
def test_directional_operators_with_axis(axis):
    x = np.moveaxis(X0, 0, axis)
    p = axis % 3
    v0 = RNG.uniform(-1, 1, X0.shape)
    v = np.moveaxis(v0, 0, axis)
    f = on(f0, axis)
    # hvp and laplacian: f gets the n copies of each point on a new leading axis and the
    # variables at `axis` counted from the end
    fc = on(f0, axis - X0.ndim if axis >= 0 else axis)
    np.testing.assert_allclose(
        jets.directional(f, x, v, 3, axis=axis), jets.directional(f0, X0, v0, 3), rtol=1e-14
    )
    np.testing.assert_allclose(
        jets.directional(f, x, v0[:, 0, 0], 2, axis=axis),
        jets.directional(f0, X0, v0[:, 0, 0], 2),
        rtol=1e-14,
    )
    np.testing.assert_allclose(
        jets.hvp(fc, x, v, axis=axis), np.moveaxis(jets.hvp(f0, X0, v0), 0, p), rtol=1e-14
    )
    np.testing.assert_allclose(jets.laplacian(fc, x, axis=axis), jets.laplacian(f0, X0), rtol=1e-14)


def test_bad_axis_is_numpys_error():
    x = np.ones((5, 2))
    with pytest.raises(np.exceptions.AxisError, match="axis 2 is out of bounds"):
        jets.gradient(lambda x: x[..., 0], x, axis=2)
    with pytest.raises(TypeError, match="`axis` must be an int"):
        jets.hessian(lambda x: x[..., 0], x, axis=1.0)
    with pytest.raises(ValueError, match="at least one variable along axis -1"):
        jets.gradient(lambda x: x[..., 0], np.ones((3, 0)), axis=-1)
