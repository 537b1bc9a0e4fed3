"""Property-based tests (hypothesis): identities hold as whole jets.

Random jets live in a random space (1-3 variables, total order 0-5 or
per-variable caps 0-3), with a random batch shape, and come in three
internal forms: full random coefficients (``jets.Jet(space, coeffs)``),
sparse polynomials in a random subset of the seeded infinitesimals (the
engine stores such jets compactly), and constants.  Values are drawn from
each identity's domain (kept about 1 away from poles: with O(1) higher
coefficients in 3 variables and degree up to 9, a value at distance r from a
pole amplifies rounding like r**-9), higher coefficients from [-1, 1].  An identity
``lhs == rhs`` must hold for EVERY coefficient:

    |lhs - rhs| <= 1e-10 * max(1, largest |coefficient| of either side)

per batch point (the inputs are O(1), so this is a relative test at the
jets' own scale).  Further properties: total-degree and per-variable
truncations agree on the monomials both carry, and a batch evaluates to the
same jets as its points one at a time.
"""

import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import jets

RTOL = 1e-10
#: examples per property; raise it for a long fuzzing run:
#: JETS_PROPERTY_EXAMPLES=2000 python -m pytest tests/test_properties.py
SETTINGS = settings(
    deadline=None,
    database=None,
    max_examples=int(os.environ.get("JETS_PROPERTY_EXAMPLES", 25)),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors],
)


# ---------------------------------------------------------------- strategies
@st.composite
def spaces(draw, nvars=None):
    n = draw(st.integers(1, 3)) if nvars is None else nvars
    if draw(st.booleans()):
        order = draw(st.integers(0, 5 if n == 1 else 4))
    else:
        order = tuple(draw(st.integers(0, 3)) for _ in range(n))
    return jets.space(n, order)


batch_shapes = st.sampled_from([(), (1,), (3,), (2, 2)])


_SEEDINGS = {}


def _infinitesimals(S, shape):
    """Pure infinitesimals e_i of one seeding per (space, shape): jets seeded
    separately are different variables, so every random jet of S shares it."""
    key = (S.nvars, S.order, shape)
    if key not in _SEEDINGS:
        _SEEDINGS[key] = jets.variables([np.zeros(shape)] * S.nvars, S.order)
    return _SEEDINGS[key]


@st.composite
def random_jet(draw, S, shape, lo, hi, kinds=("full", "sparse", "const")):
    """A jet of space S and batch `shape` with values in [lo, hi]."""
    value = draw(
        hnp.arrays(
            np.float64, shape, elements=st.floats(lo, hi, allow_nan=False, allow_infinity=False)
        )
    )
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    kind = draw(st.sampled_from(kinds))
    e = _infinitesimals(S, shape)  # one seeding per space: the jets combine
    if kind == "full":
        c = rng.uniform(-1, 1, (S.ncoeffs,) + shape)
        c[0] = value
        return jets.Jet(e[0].space, c)
    if kind == "const":
        return jets.constant(value, e[0])
    used = [i for i in range(S.nvars) if rng.random() < 0.6] or [int(rng.integers(S.nvars))]
    a = value + 0 * e[0]
    for i in used:
        a = a + rng.uniform(-1, 1) * e[i]
        j = used[int(rng.integers(len(used)))]
        a = a + rng.uniform(-1, 1) * e[i] * e[j]
    return a


def coeffs(x, like):
    """Full coefficient array of a jet or a plain number, in the space of `like`."""
    if isinstance(x, jets.Jet):
        return x.coeffs
    out = np.zeros((like.space.ncoeffs,) + like.shape)
    out[0] = x
    return out


def assert_jets_close(got, want, rtol=RTOL, what=""):
    assert isinstance(got, jets.Jet)
    if isinstance(want, jets.Jet):
        assert got.space == want.space, what
    g, w = coeffs(got, got), coeffs(want, got)
    g, w = np.broadcast_arrays(g, w)
    assert np.all(np.isfinite(g)), f"{what}: non-finite coefficients {g}"
    scale = np.maximum(np.maximum(np.abs(g).max(axis=0), np.abs(w).max(axis=0)), 1.0)
    err = np.abs(g - w) / scale
    assert np.all(err <= rtol), (
        f"{what}: largest scaled difference {err.max():.3g}\nlhs {g.reshape(len(g), -1).T}"
        f"\nrhs {w.reshape(len(w), -1).T}"
    )


# ---------------------------------------------------------------- identities
J = jets
LN2 = math.log(2.0)

#: (name, domains of the arguments as (lo, hi), lhs, rhs)
IDENTITIES = [
    # values from 0.5: log's coefficients grow like (c/a0)**d, and at a0 = 0.2, order 8,
    # the round trip's rounding reaches the fixed tolerance (1 in ~1000 draws)
    ("exp(log a) = a", [(0.5, 5)], lambda a: J.exp(J.log(a)), lambda a: a),
    ("log(exp a) = a", [(-3, 3)], lambda a: J.log(J.exp(a)), lambda a: a),
    ("sin^2 + cos^2 = 1", [(-4, 4)], lambda a: J.sin(a) ** 2 + J.cos(a) ** 2, lambda a: 1.0),
    ("(a*b)/b = a", [(-3, 3), (0.5, 3)], lambda a, b: (a * b) / b, lambda a, b: a),
    ("(a*b)/b = a, b < 0", [(-3, 3), (-3, -0.5)], lambda a, b: (a * b) / b, lambda a, b: a),
    ("a*b = b*a", [(-3, 3), (-3, 3)], lambda a, b: a * b, lambda a, b: b * a),
    (
        "a*(b+c) = a*b + a*c",
        [(-2, 2)] * 3,
        lambda a, b, c: a * (b + c),
        lambda a, b, c: a * b + a * c,
    ),
    ("(a*b)*c = a*(b*c)", [(-2, 2)] * 3, lambda a, b, c: (a * b) * c, lambda a, b, c: a * (b * c)),
    ("(a+b)-b = a", [(-3, 3), (-3, 3)], lambda a, b: (a + b) - b, lambda a, b: a),
    ("a - a = 0", [(-3, 3)], lambda a: a - a, lambda a: 0.0),
    ("1/(1/a) = a", [(0.5, 3)], lambda a: 1 / (1 / a), lambda a: a),
    ("reciprocal a = 1/a", [(-3, -0.5)], lambda a: J.reciprocal(a), lambda a: 1 / a),
    ("square a = a*a", [(-3, 3)], lambda a: J.square(a), lambda a: a * a),
    ("a**3 = a*a*a", [(-3, 3)], lambda a: a**3, lambda a: a * a * a),
    ("a**-2 = 1/(a*a)", [(0.5, 3)], lambda a: a**-2, lambda a: 1 / (a * a)),
    ("tan = sin/cos", [(-1.2, 1.2)], lambda a: J.tan(a), lambda a: J.sin(a) / J.cos(a)),
    ("tanh = sinh/cosh", [(-3, 3)], lambda a: J.tanh(a), lambda a: J.sinh(a) / J.cosh(a)),
    ("cosh^2 - sinh^2 = 1", [(-2, 2)], lambda a: J.cosh(a) ** 2 - J.sinh(a) ** 2, lambda a: 1.0),
    (
        "arctan2(sin t, cos t) = t",
        [(-3.0, 3.0)],
        lambda t: J.arctan2(J.sin(t), J.cos(t)),
        lambda t: t,
    ),
    (
        "arctan2(r sin t, r cos t) = t",
        [(-3.0, 3.0), (0.5, 2)],
        lambda t, r: J.arctan2(r * J.sin(t), r * J.cos(t)),
        lambda t, r: t,
    ),
    # t within 0.9 of 0: arcsin and arctan meet their singularities at t = +-pi/2, and at
    # distance r their degree-9 round trip amplifies rounding like r**-9 (at t = -1.11,
    # caps (3, 3, 3), arctan(tan t) reached the fixed tolerance: 1 in ~1500 draws)
    ("arcsin(sin t) = t", [(-0.9, 0.9)], lambda t: J.arcsin(J.sin(t)), lambda t: t),
    # t from 0.5 to 2.6: arccos' coefficients grow like 1/sin(t)**d; at t = 0.3, order 8,
    # the round trip's rounding reached the fixed tolerance (torch's sums, 1 in ~300 draws)
    ("arccos(cos t) = t", [(0.5, 2.6)], lambda t: J.arccos(J.cos(t)), lambda t: t),
    ("arctan(tan t) = t", [(-0.9, 0.9)], lambda t: J.arctan(J.tan(t)), lambda t: t),
    ("arcsinh(sinh a) = a", [(-2, 2)], lambda a: J.arcsinh(J.sinh(a)), lambda a: a),
    ("arccosh(cosh a) = a", [(0.5, 2)], lambda a: J.arccosh(J.cosh(a)), lambda a: a),
    ("arctanh(tanh a) = a", [(-1.5, 1.5)], lambda a: J.arctanh(J.tanh(a)), lambda a: a),
    # from 0.5 as well: sqrt's coefficients grow like a0**(1/2 - d) and the square cancels
    # them back to O(1); at a0 = 0.2, order 8, that reached the fixed tolerance on torch
    ("sqrt(a)**2 = a", [(0.5, 5)], lambda a: J.sqrt(a) ** 2, lambda a: a),
    ("sqrt(a*a) = a", [(0.5, 3)], lambda a: J.sqrt(a * a), lambda a: a),
    ("cbrt(a)**3 = a", [(-3, -0.5)], lambda a: J.cbrt(a) ** 3, lambda a: a),
    (
        "log(a*b) = log a + log b",
        [(0.3, 3), (0.3, 3)],
        lambda a, b: J.log(a * b),
        lambda a, b: J.log(a) + J.log(b),
    ),
    (
        "exp(a+b) = exp a exp b",
        [(-2, 2), (-2, 2)],
        lambda a, b: J.exp(a + b),
        lambda a, b: J.exp(a) * J.exp(b),
    ),
    ("expm1(log1p a) = a", [(-0.5, 2)], lambda a: J.expm1(J.log1p(a)), lambda a: a),
    ("log1p(expm1 a) = a", [(-2, 2)], lambda a: J.log1p(J.expm1(a)), lambda a: a),
    ("log2 a = log a / ln 2", [(0.3, 4)], lambda a: J.log2(a), lambda a: J.log(a) / LN2),
    (
        "log10 a = log a / ln 10",
        [(0.3, 4)],
        lambda a: J.log10(a),
        lambda a: J.log(a) / math.log(10.0),
    ),
    ("exp2 a = exp(a ln 2)", [(-2, 2)], lambda a: J.exp2(a), lambda a: J.exp(a * LN2)),
    (
        "a**b = exp(b log a)",
        [(0.3, 3), (-2, 2)],
        lambda a, b: a**b,
        lambda a, b: J.exp(b * J.log(a)),
    ),
    ("a**p a**q = a**(p+q)", [(0.3, 3)], lambda a: a**0.3 * a**1.45, lambda a: a**1.75),
    ("(a**p)**q = a**(pq)", [(0.3, 3)], lambda a: (a**1.5) ** (1 / 3), lambda a: a**0.5),
    (
        "hypot(a,b)^2 = a^2 + b^2",
        [(0.5, 3), (-3, 3)],
        lambda a, b: J.hypot(a, b) ** 2,
        lambda a, b: a * a + b * b,
    ),
    (
        "logaddexp(a,b) = log(e^a + e^b)",
        [(-3, 3), (-3, 3)],
        lambda a, b: J.logaddexp(a, b),
        lambda a, b: J.log(J.exp(a) + J.exp(b)),
    ),
    (
        "logaddexp2(a,b) = log2(2^a + 2^b)",
        [(-3, 3), (-3, 3)],
        lambda a, b: J.logaddexp2(a, b),
        lambda a, b: J.log2(J.exp2(a) + J.exp2(b)),
    ),
    ("deg2rad(rad2deg a) = a", [(-3, 3)], lambda a: J.deg2rad(J.rad2deg(a)), lambda a: a),
    ("rad2deg a = a 180/pi", [(-3, 3)], lambda a: J.rad2deg(a), lambda a: a * (180 / math.pi)),
    ("erf + erfc = 1", [(-2, 2)], lambda a: J.erf(a) + J.erfc(a), lambda a: 1.0),
    ("erf(-a) = -erf(a)", [(-2, 2)], lambda a: J.erf(-a), lambda a: -J.erf(a)),
    ("gamma(a+1) = a gamma(a)", [(0.8, 4)], lambda a: J.gamma(a + 1), lambda a: a * J.gamma(a)),
    (
        "gamma(a+1) = a gamma(a), a in (-2, -1)",
        [(-1.8, -1.2)],
        lambda a: J.gamma(a + 1),
        lambda a: a * J.gamma(a),
    ),
    ("lgamma = log gamma", [(0.8, 4)], lambda a: J.lgamma(a), lambda a: J.log(J.gamma(a))),
    (
        "lgamma = log|gamma|, a in (-2, -1)",
        [(-1.8, -1.2)],
        lambda a: J.lgamma(a),
        lambda a: J.log(abs(J.gamma(a))),
    ),
    (
        "digamma(a+1) = digamma(a) + 1/a, a in (-2, -1)",
        [(-1.8, -1.2)],
        lambda a: J.digamma(a + 1),
        lambda a: J.digamma(a) + 1 / a,
    ),
    (
        "digamma(a+1) = digamma(a) + 1/a",
        [(0.8, 4)],
        lambda a: J.digamma(a + 1),
        lambda a: J.digamma(a) + 1 / a,
    ),
    ("|a| = a sign a", [(0.5, 3)], lambda a: abs(-a), lambda a: a * J.sign(a)),
    (
        "max(a,b) + min(a,b) = a + b",
        [(-3, -0.5), (0.5, 3)],
        lambda a, b: J.maximum(a, b) + J.minimum(a, b),
        lambda a, b: a + b,
    ),
    ("clip(a, lo, hi) = a inside", [(-0.9, 0.9)], lambda a: J.clip(a, -1.0, 1.0), lambda a: a),
    ("clip(a, lo, hi) = hi above", [(1.5, 3)], lambda a: J.clip(a, -1.0, 1.0), lambda a: 1.0),
    (
        "floor/ceil/trunc/rint are flat",
        [(0.1, 0.4)],
        lambda a: J.floor(a) + J.ceil(a) + J.trunc(a) + J.rint(a),
        lambda a: 1.0,
    ),
    (
        "positive a = a, negative a = -a",
        [(-3, 3)],
        lambda a: J.positive(a) - J.negative(a),
        lambda a: 2 * a,
    ),
]


@pytest.mark.parametrize("ident", IDENTITIES, ids=[i[0] for i in IDENTITIES])
@SETTINGS
@given(data=st.data())
def test_identity(ident, data):
    name, domains, lhs, rhs = ident
    S = data.draw(spaces(), label="space")
    shape = data.draw(batch_shapes, label="shape")
    args = [
        data.draw(random_jet(S, shape, lo, hi), label=f"arg{i}")
        for i, (lo, hi) in enumerate(domains)
    ]
    assert_jets_close(lhs(*args), rhs(*args), what=name)


# ------------------------------------------------------- truncation consistency
#: functions of a list of 1-3 variables, smooth near the sampled points
EXPRESSIONS = [
    ("exp(sin(prod))/(1+x0^2)", lambda v: J.exp(J.sin(math.prod(v))) / (1 + v[0] ** 2)),
    ("log(1+sum^2) * cos(x_last)", lambda v: J.log(1 + sum(v) ** 2) * J.cos(v[-1])),
    ("sqrt(1+x0^2) * tanh(sum)", lambda v: J.sqrt(1 + v[0] ** 2) * J.tanh(sum(v))),
    ("arctan2(x_last, 2+x0^2) + x0**3", lambda v: J.arctan2(v[-1], 2 + v[0] ** 2) + v[0] ** 3),
    ("hypot(x0, 1+x_last^2)^1.5", lambda v: J.hypot(v[0], 1 + v[-1] ** 2) ** 1.5),
    ("erf(prod) + lgamma(2+x0^2)", lambda v: J.erf(math.prod(v)) + J.lgamma(2 + v[0] ** 2)),
    ("(1+x0^2)**x_last", lambda v: (1 + v[0] ** 2) ** v[-1]),
]


@SETTINGS
@given(data=st.data())
def test_total_and_per_variable_orders_agree(data):
    n = data.draw(st.integers(1, 3), label="nvars")
    k = data.draw(st.integers(0, 5), label="total order")
    caps = tuple(data.draw(st.integers(0, 4), label="cap") for _ in range(n))
    point = [data.draw(st.floats(-1, 1), label="x0") for _ in range(n)]
    name, f = data.draw(st.sampled_from(EXPRESSIONS), label="f")
    a = f(list(jets.variables(point, k)))
    b = f(list(jets.variables(point, caps)))
    common = [al for al in a.space.index if al in b.space.index]
    assert common and common[0] == (0,) * n
    ca = np.array([a.coefficient(al) for al in common])
    cb = np.array([b.coefficient(al) for al in common])
    scale = max(1.0, np.abs(ca).max(), np.abs(cb).max())
    assert np.all(np.abs(ca - cb) <= RTOL * scale), (name, k, caps, point)


@SETTINGS
@given(data=st.data())
def test_monomials_outside_a_smaller_space_do_not_leak_in(data):
    """Truncating at order k then reading degree <= j equals truncating at j."""
    n = data.draw(st.integers(1, 3))
    k = data.draw(st.integers(1, 5))
    j = data.draw(st.integers(0, k))
    point = [data.draw(st.floats(-1, 1)) for _ in range(n)]
    name, f = data.draw(st.sampled_from(EXPRESSIONS))
    big, small = f(list(jets.variables(point, k))), f(list(jets.variables(point, j)))
    for al in small.space.index:
        assert np.isclose(big.coefficient(al), small.coefficient(al), rtol=RTOL, atol=RTOL), (
            name,
            al,
        )


# ---------------------------------------------------------- batch == pointwise
@SETTINGS
@given(data=st.data())
def test_batch_equals_point_by_point(data):
    S = data.draw(spaces(), label="space")
    m = data.draw(st.integers(1, 5), label="points")
    pts = data.draw(hnp.arrays(np.float64, (S.nvars, m), elements=st.floats(-1, 1)), label="points")
    name, f = data.draw(st.sampled_from(EXPRESSIONS), label="f")
    batch = f(list(jets.variables(list(pts), S.order)))
    assert batch.shape == (m,)
    for i in range(m):  # a loop over points, in a test only
        one = f(list(jets.variables(list(pts[:, i]), S.order)))
        assert one.shape == ()
        np.testing.assert_allclose(
            batch.coeffs[:, i], one.coeffs, rtol=1e-13, atol=1e-13, err_msg=f"{name} at point {i}"
        )
        item = batch[i]
        np.testing.assert_array_equal(item.coeffs, batch.coeffs[:, i])


@SETTINGS
@given(data=st.data())
def test_broadcast_batch_equals_point_by_point(data):
    """A (m, 1) batch against a (k,) batch and a plain (k,) array: (m, k) jets."""
    m, k = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    xs = data.draw(hnp.arrays(np.float64, (m, 1), elements=st.floats(0.2, 2)))
    ys = data.draw(hnp.arrays(np.float64, (k,), elements=st.floats(-1, 1)))
    cs = data.draw(hnp.arrays(np.float64, (k,), elements=st.floats(-2, 2)))
    order = data.draw(st.sampled_from([3, (2, 2)]))
    x, y = jets.variables([xs, ys], order)
    g = J.log(x) * J.sin(y) + cs * x / (1 + y**2)
    assert g.shape == (m, k)
    for i in range(m):
        for j in range(k):
            xi, yj = jets.variables([xs[i, 0], ys[j]], order)
            one = J.log(xi) * J.sin(yj) + cs[j] * xi / (1 + yj**2)
            np.testing.assert_allclose(g.coeffs[:, i, j], one.coeffs, rtol=1e-13, atol=1e-13)


@SETTINGS
@given(data=st.data())
def test_random_jets_batch_equals_point_by_point(data):
    """Identities aside: random (full/sparse/const) jets, one function at a time."""
    S = data.draw(spaces(), label="space")
    a = data.draw(random_jet(S, (3,), 0.3, 2.0), label="a")
    b = data.draw(random_jet(S, (3,), -1.0, 1.0), label="b")
    fns = [
        lambda a, b: J.exp(b) / a,
        lambda a, b: J.arctan2(b, a),
        lambda a, b: a**b,
        lambda a, b: J.hypot(a, b) * J.tanh(b),
        lambda a, b: J.digamma(a) - J.erfc(b),
    ]
    f = data.draw(st.sampled_from(fns), label="f")
    out = f(a, b)
    for i in range(3):
        np.testing.assert_allclose(out[i].coeffs, f(a[i], b[i]).coeffs, rtol=1e-13, atol=1e-13)


# ------------------------------------------------ storage does not matter
#: binary operations on two jets of one space (batch shape (3,))
BINARY_OPS = [
    ("a*b + a/(b+3)", lambda a, b: a * b + a / (b + 3)),
    ("(a+2)**(b+1)", lambda a, b: (a + 2) ** (b + 1)),
    ("stack", lambda a, b: np.stack([a, b, 1.5])),
    ("concatenate", lambda a, b: np.concatenate([a, b[:1]])),
    ("where", lambda a, b: np.where(a.value > b.value, a, b)),
    ("maximum/minimum", lambda a, b: J.maximum(a, b) - 2 * J.minimum(a, b)),
    ("hypot/arctan2", lambda a, b: J.hypot(a + 2, b) * J.arctan2(a, b + 3)),
    ("logaddexp", lambda a, b: J.logaddexp(a, b)),
    ("clip", lambda a, b: J.clip(a, b - 0.1, b + 0.1)),
    ("matmul", lambda a, b: a @ b + np.ones(3) @ a),
    ("index/reshape", lambda a, b: a[0] * b[::-1] + a.reshape(3, 1).T[0]),
    ("sum/mean", lambda a, b: np.sum(a * b) + np.mean(a)),
]


@SETTINGS
@given(data=st.data())
def test_results_do_not_depend_on_internal_storage(data):
    """A jet built from seeded variables (stored compactly: only the variables
    and degrees it uses) and its dense copy jets.Jet(space, coeffs) give the
    same results."""
    S = data.draw(spaces(), label="space")
    a = data.draw(random_jet(S, (3,), -1, 1, kinds=("sparse", "const")), label="a")
    b = data.draw(random_jet(S, (3,), -1, 1, kinds=("sparse", "const")), label="b")
    name, f = data.draw(st.sampled_from(BINARY_OPS), label="op")
    dense = [jets.Jet(a.space, np.array(j.coeffs)) for j in (a, b)]
    r1, r2 = f(a, b), f(*dense)
    assert r1.space == r2.space and r1.shape == r2.shape, name
    np.testing.assert_allclose(r1.coeffs, r2.coeffs, rtol=1e-14, atol=1e-14, err_msg=name)
