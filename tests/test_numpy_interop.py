"""numpy interop: ufuncs, array functions, batch indexing and broadcasting.

``np.<f>(jet)`` must give exactly ``jets.<f>(jet)`` for every rule that numpy
names; linear array functions (sum, mean, dot, matmul, stack, concatenate,
where, reshape, indexing) must act on every coefficient as numpy acts on a
plain array; anything else raises TypeError naming the numpy function.
"""

import numpy as np
import pytest

import jets
import jets.rules as R

#: input values inside every rule's smooth domain (arccosh needs > 1)
VALUES = {"arccosh": [1.3, 2.0, 3.5]}
DEFAULT = [0.3, 0.55, 0.8]
#: a second argument for binary rules (as a jet and as a constant)
SECOND = [0.7, 0.25, 1.5]


def _args(name, order=3):
    rule = R.RULES[name]
    v = np.array(VALUES.get(name, DEFAULT))
    if rule.nargs == 1:
        return [jets.variable(v, order)], []
    if rule.kind == "composition" and rule.nargs == 2:  # a plain order: jv(1, x)
        return [1, jets.variable(v, order)], [(np.array([0, 1, 2]), jets.variable(v, order))]
    x, y = jets.variables([v, np.array(SECOND)], order)
    if rule.nargs == 2:
        # jet-jet, jet-constant, constant-jet
        return [x, y], [(x, 0.5), (1.25, x), (x, np.array(SECOND))]
    assert name == "clip"
    return [x, 0.4, 0.6], [(x, y - 0.5, y + 0.2)]


def _same(a, b):
    assert isinstance(a, jets.Jet) and isinstance(b, jets.Jet)
    assert a.space == b.space and a.shape == b.shape
    np.testing.assert_array_equal(a.coeffs, b.coeffs)


NUMPY_RULES = sorted(n for n in R.RULES if getattr(np, n, None) is not None)
SCIPY_RULES = sorted(n for n in R.RULES if getattr(np, n, None) is None)


def test_the_rules_numpy_does_not_name_are_the_special_functions():
    assert set(SCIPY_RULES) == {
        "erf",
        "erfc",
        "gamma",
        "lgamma",
        "digamma",
        "sinpi",
        "cospi",
        "expit",
        "logit",
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


@pytest.mark.parametrize("name", NUMPY_RULES)
def test_numpy_function_equals_jets_function(name):
    np_f, jets_f = getattr(np, name), getattr(jets, name)
    args, more = _args(name)
    _same(np_f(*args), jets_f(*args))
    for extra in more:
        _same(np_f(*extra), jets_f(*extra))


@pytest.mark.parametrize("alias", sorted(R.ALIASES))
def test_aliases_are_the_same_function(alias):
    canonical = R.ALIASES[alias]
    args, _ = _args(canonical)
    _same(getattr(jets, alias)(*args), getattr(jets, canonical)(*args))
    if isinstance(getattr(np, alias, None), np.ufunc):
        _same(getattr(np, alias)(*args), getattr(jets, canonical)(*args))


@pytest.mark.parametrize(
    "name, scipy_name",
    [
        ("erf", "erf"),
        ("erfc", "erfc"),
        ("gamma", "gamma"),
        ("lgamma", "gammaln"),
        ("digamma", "psi"),
        ("expit", "expit"),
        ("logit", "logit"),
        ("erfinv", "erfinv"),
        ("erfcx", "erfcx"),
        ("ellipk", "ellipk"),
        ("ellipe", "ellipe"),
        ("expi", "expi"),
        ("exp1", "exp1"),
        ("jv", "jv"),
        ("yv", "yv"),
        ("iv", "iv"),
        ("kv", "kv"),
    ],
)
def test_scipy_special_ufuncs_dispatch_to_the_rules(name, scipy_name):
    sc = pytest.importorskip("scipy.special")
    args, _ = _args(name)
    _same(getattr(sc, scipy_name)(*args), getattr(jets, name)(*args))


def test_operators_are_the_ufuncs():
    x, y = jets.variables([np.array([0.5, 2.0]), np.array([1.5, 0.25])], 3)
    _same(x + y, np.add(x, y))
    _same(x - y, np.subtract(x, y))
    _same(x * y, np.multiply(x, y))
    _same(x / y, np.divide(x, y))
    _same(x**y, np.power(x, y))
    _same(-x, np.negative(x))
    _same(abs(x - y), np.absolute(x - y))


# ------------------------------------------------------------ reductions
def _jet_matrix(order=2):
    """A (3, 4) batch of 2-variable jets with distinct coefficients."""
    x, y = jets.variables(
        [np.arange(12.0).reshape(3, 4) / 10 + 0.1, np.linspace(-1, 1, 12).reshape(3, 4)], order
    )
    return jets.exp(x) * y + x**2


@pytest.mark.parametrize("fn", [np.sum, np.mean])
@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_sum_and_mean(fn, axis, keepdims):
    f = _jet_matrix()
    r = fn(f, axis=axis, keepdims=keepdims)
    want = np.stack([fn(c, axis=axis, keepdims=keepdims) for c in f.coeffs])
    assert isinstance(r, jets.Jet) and r.shape == want.shape[1:]
    np.testing.assert_allclose(r.coeffs, want, rtol=1e-15)
    # method forms agree
    m = getattr(f, fn.__name__)(axis=axis, keepdims=keepdims)
    np.testing.assert_array_equal(m.coeffs, r.coeffs)


def test_sum_of_a_batch_is_the_jet_of_the_sum():
    t = jets.variable(np.linspace(0, 1, 7), 4)
    s = np.sum(jets.sin(t))
    # d^k/dt^k sum sin(t_i) with each t_i seeded by the same dt
    for k in range(5):
        want = np.sum(np.sin(np.linspace(0, 1, 7) + k * np.pi / 2))
        np.testing.assert_allclose(s.derivative(k), want, rtol=1e-14)


# ------------------------------------------------------------ dot / matmul
M = np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.0]])  # (2, 3)


def _vec():
    x, y = jets.variables([np.array([0.5, 1.0, 2.0]), np.array([1.0, -1.0, 0.5])], 3)
    return jets.sin(x) * y  # shape (3,)


def _per_coeff(op, f):
    return np.stack([op(c) for c in f.coeffs])


@pytest.mark.parametrize(
    "expr, op",
    [
        (lambda v: M @ v, lambda c: M @ c),
        (lambda v: np.dot(M, v), lambda c: np.dot(M, c)),
        (lambda v: np.matmul(M, v), lambda c: M @ c),
        (lambda v: v @ M.T, lambda c: c @ M.T),
        (lambda v: np.dot(v, M.T), lambda c: np.dot(c, M.T)),
        (lambda v: v @ np.array([1.0, 2.0, 3.0]), lambda c: c @ np.array([1.0, 2.0, 3.0])),
        (lambda v: np.dot(np.array([1.0, 2.0, 3.0]), v), lambda c: np.dot([1.0, 2.0, 3.0], c)),
        (lambda v: np.dot(v, 2.5), lambda c: c * 2.5),
        (lambda v: np.dot(2.5, v), lambda c: 2.5 * c),
    ],
)
def test_dot_and_matmul_with_a_constant_vector(expr, op):
    v = _vec()
    r = expr(v)
    want = _per_coeff(op, v)
    assert isinstance(r, jets.Jet) and r.shape == want.shape[1:]
    np.testing.assert_allclose(r.coeffs, want, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize(
    "expr, op",
    [
        (lambda A: A @ np.arange(4.0), lambda c: c @ np.arange(4.0)),
        (lambda A: A @ np.ones((4, 2)), lambda c: c @ np.ones((4, 2))),
        (lambda A: np.arange(6.0).reshape(2, 3) @ A, lambda c: np.arange(6.0).reshape(2, 3) @ c),
        (lambda A: np.dot(A, np.ones((4, 2))), lambda c: np.dot(c, np.ones((4, 2)))),
        (lambda A: np.dot(np.arange(3.0), A), lambda c: np.dot(np.arange(3.0), c)),
    ],
)
def test_dot_and_matmul_with_a_constant_matrix(expr, op):
    A = _jet_matrix()
    r = expr(A)
    want = _per_coeff(op, A)
    assert r.shape == want.shape[1:]
    np.testing.assert_allclose(r.coeffs, want, rtol=1e-14, atol=1e-14)


def test_matmul_of_two_jets_is_the_sum_of_products():
    v = _vec()
    w = jets.cos(v)
    _close(v @ w, (v * w).sum())
    A = _jet_matrix()
    r = A.T @ A  # (4, 3) @ (3, 4)
    assert r.shape == (4, 4)
    _close(r[1, 2], (A[:, 1] * A[:, 2]).sum())


def _close(a, b):
    np.testing.assert_allclose(a.coeffs, b.coeffs, rtol=1e-13, atol=1e-13)


# ------------------------------------------------- stack / concatenate / where
def test_stack_and_concatenate():
    A = _jet_matrix()
    for axis in (0, 1, -1):
        s = np.stack([A, 2 * A], axis=axis)
        want = np.stack([A.coeffs, 2 * A.coeffs], axis=axis % 3 + 1)
        np.testing.assert_array_equal(s.coeffs, want)
        assert jets.stack([A, 2 * A], axis=axis).shape == s.shape
    for axis in (0, 1, -1):
        c = np.concatenate([A, A[:1]] if axis == 0 else [A, A[:, :1]], axis=axis)
        want = np.concatenate(
            [A.coeffs, A.coeffs[:, :1]] if axis == 0 else [A.coeffs, A.coeffs[:, :, :1]],
            axis=axis % 2 + 1,
        )
        np.testing.assert_array_equal(c.coeffs, want)


def test_stack_with_constants_and_scalar_jets():
    x, y = jets.variables([1.0, 2.0], 2)
    s = np.stack([x, y, 3.0])
    assert s.shape == (3,)
    np.testing.assert_array_equal(s.value, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(s.gradient(), [[1, 0, 0], [0, 1, 0]])


def test_where_chooses_whole_jets():
    t = jets.variable(np.array([-1.0, 0.5, 2.0]), 3)
    r = np.where(t > 0, jets.exp(t), t**2)
    for i, ti in enumerate([-1.0, 0.5, 2.0]):
        want = jets.exp(t[i]) if ti > 0 else t[i] ** 2
        np.testing.assert_array_equal(r.coeffs[:, i], want.coeffs)
    r2 = jets.where(t > 0, t, 0.0)  # constant branch
    np.testing.assert_array_equal(r2.derivatives()[:, 0], [0, 0, 0, 0])
    np.testing.assert_array_equal(r2.derivatives()[:, 2], [2, 1, 0, 0])


# ------------------------------------------------------ batch shape handling
def test_indexing_slicing_reshape_transpose():
    A = _jet_matrix()
    assert A.shape == (3, 4) and len(A) == 3
    np.testing.assert_array_equal(A[1].coeffs, A.coeffs[:, 1])
    np.testing.assert_array_equal(A[1, 2].coeffs, A.coeffs[:, 1, 2])
    np.testing.assert_array_equal(A[:, 1:3].coeffs, A.coeffs[:, :, 1:3])
    np.testing.assert_array_equal(A[..., -1].coeffs, A.coeffs[..., -1])
    np.testing.assert_array_equal(A[[0, 2]].coeffs, A.coeffs[:, [0, 2]])
    mask = np.array([True, False, True])
    np.testing.assert_array_equal(A[mask].coeffs, A.coeffs[:, mask])
    np.testing.assert_array_equal(A.reshape(2, 6).coeffs, A.coeffs.reshape(-1, 2, 6))
    np.testing.assert_array_equal(A.reshape((4, 3)).coeffs, A.coeffs.reshape(-1, 4, 3))
    np.testing.assert_array_equal(np.reshape(A, (12,)).coeffs, A.coeffs.reshape(-1, 12))
    np.testing.assert_array_equal(A.T.coeffs, A.coeffs.transpose(0, 2, 1))
    np.testing.assert_array_equal(np.transpose(A).coeffs, A.coeffs.transpose(0, 2, 1))
    assert A.T.shape == (4, 3) and A[0].shape == (4,) and A[0, 0].shape == ()
    assert A.ravel().shape == (12,)


def test_iteration_over_the_batch():
    A = _jet_matrix()
    rows = list(A)
    assert len(rows) == 3
    for i, row in enumerate(rows):
        assert isinstance(row, jets.Jet) and row.shape == (4,)
        np.testing.assert_array_equal(row.coeffs, A.coeffs[:, i])
    with pytest.raises(TypeError, match="scalar"):
        len(A[0, 0])
    with pytest.raises(TypeError, match="scalar"):
        iter(A[0, 0]).__next__()


def test_broadcast_1000_points_with_a_plain_array():
    pts = np.linspace(0.1, 2.0, 1000)
    w = np.cos(np.arange(1000.0))
    x = jets.variable(pts, 4)
    f = w * jets.log(x) + x / w
    assert f.shape == (1000,)
    k = np.arange(5)
    # d^k log(x) = (-1)^(k-1) (k-1)! / x^k for k >= 1
    np.testing.assert_allclose(f.derivative(0), w * np.log(pts) + pts / w, rtol=1e-13)
    np.testing.assert_allclose(f.derivative(1), w / pts + 1 / w, rtol=1e-13)
    for kk in k[2:]:
        want = w * (-1.0) ** (kk - 1) * np.prod(np.arange(1, kk)) / pts**kk
        np.testing.assert_allclose(f.derivative(int(kk)), want, rtol=1e-12)
    g = x * w.reshape(1000, 1)[:5]  # (1000,) with (5, 1) -> (5, 1000)
    assert g.shape == (5, 1000)


@pytest.mark.parametrize("op", ["__add__", "__sub__", "__mul__", "__truediv__", "__pow__"])
def test_plain_array_on_the_left(op):
    a = np.array([1.5, 2.0, 0.5])
    x = jets.variable(np.array([0.25, 0.5, 1.0]), 3)
    r = getattr(a, op)(x)  # ndarray.__add__ -> np.add -> the jet
    assert isinstance(r, jets.Jet)
    rop = {
        "__add__": "__radd__",
        "__sub__": "__rsub__",
        "__mul__": "__rmul__",
        "__truediv__": "__rtruediv__",
        "__pow__": "__rpow__",
    }[op]
    _same(r, getattr(x, rop)(a))
    _same(r, eval_binary(op, a, x))


def eval_binary(op, a, b):
    return {
        "__add__": lambda: a + b,
        "__sub__": lambda: a - b,
        "__mul__": lambda: a * b,
        "__truediv__": lambda: a / b,
        "__pow__": lambda: a**b,
    }[op]()


def test_numpy_scalars_on_the_left():
    x = jets.variable(0.5, 2)
    for s in (np.float64(2.0), np.int64(3), np.float32(1.5)):
        assert isinstance(s * x, jets.Jet) and isinstance(s + x, jets.Jet)
        assert (s * x).value == float(s) * 0.5


# ---------------------------------------------------------------- refusals
@pytest.mark.parametrize(
    "call, name",
    [
        (lambda x: np.linalg.svd(x), "svd"),
        (lambda x: np.sort(x), "sort"),
        (lambda x: np.gcd(x, x), "gcd"),
        (lambda x: np.median(x), "median"),
        (lambda x: np.ptp(x), "ptp"),
        (lambda x: np.fmod(x, 2.0), "fmod"),
        (lambda x: np.add.accumulate(x), "add"),
        (lambda x: np.sin(x, out=np.empty(3)), "sin"),
    ],
)
def test_unsupported_numpy_functions_raise_naming_them(call, name):
    x = jets.variable(np.array([0.5, 1.0, 2.0]), 2)
    with pytest.raises(TypeError, match=name):
        call(x)


@pytest.mark.parametrize(
    "convert",
    [np.asarray, np.array, lambda j: np.float64(j), lambda j: np.zeros(3) + np.asarray(j)],
)
def test_conversion_to_a_plain_array_raises(convert):
    x = jets.variable(np.array([0.5, 1.0, 2.0]), 2)
    with pytest.raises(TypeError, match=r"\.value"):
        convert(x)


# ---------------------------------------------- keywords: honoured or refused
_VALS = np.array([1.0, 2.0, 4.0])
_MASK = np.array([True, False, True])
_GRID = np.arange(6.0).reshape(2, 3)


def _coeffwise(fn, first_only=None):
    """Expected coefficients: fn on every coefficient array (first_only: fn for
    the value, fn0 for the others, as for `initial`, which adds to the value)."""

    def want(c):
        if first_only is None:
            return np.stack([fn(ci) for ci in c])
        return np.stack([fn(c[0])] + [first_only(ci) for ci in c[1:]])

    return want


KEYWORD_CASES = [
    pytest.param(
        lambda a: np.sum(a, where=_MASK),
        _VALS,
        _coeffwise(lambda c: np.sum(c, where=_MASK)),
        id="sum-where",
    ),
    pytest.param(
        lambda a: np.sum(a, initial=10.0),
        _VALS,
        _coeffwise(lambda c: np.sum(c, initial=10.0), lambda c: np.sum(c)),
        id="sum-initial",
    ),
    pytest.param(
        lambda a: np.mean(a, where=_MASK),
        _VALS,
        _coeffwise(lambda c: np.mean(c, where=_MASK)),
        id="mean-where",
    ),
    pytest.param(
        lambda a: np.add.reduce(a, where=_MASK),
        _VALS,
        _coeffwise(lambda c: np.add.reduce(c, where=_MASK)),
        id="add.reduce-where",
    ),
    pytest.param(
        lambda a: np.add.reduce(a, initial=10.0),
        _VALS,
        _coeffwise(lambda c: np.add.reduce(c, initial=10.0), lambda c: np.add.reduce(c)),
        id="add.reduce-initial",
    ),
    pytest.param(
        lambda a: np.reshape(a, (3, 2), order="F"),
        _GRID,
        _coeffwise(lambda c: np.reshape(c, (3, 2), order="F")),
        id="reshape-order-F",
    ),
    pytest.param(
        lambda a: np.ravel(a, order="F"),
        _GRID,
        _coeffwise(lambda c: np.ravel(c, order="F")),
        id="ravel-order-F",
    ),
]


@pytest.mark.parametrize("call, point, want", KEYWORD_CASES)
def test_numpy_keywords_are_honoured_or_refused(call, point, want):
    """A keyword numpy understands must act on every coefficient as it acts on a
    plain array, or raise TypeError; dropping it silently gives wrong numbers."""
    x = jets.sin(jets.variable(point, 2))
    try:
        r = call(x)
    except TypeError:
        return
    np.testing.assert_allclose(r.coeffs, want(x.coeffs), rtol=1e-15)
