"""Per-element variable sets (jets.slots): jets.stack of seeded variables keeps
each item's own variables, and every result equals the dense computation.

The reference is the same expression on the dense stack of the same seeds
(``jets.numpy_api.STACK_HOOK`` switched off), which is the path every other
test of the suite checks against sympy; the Rosenbrock Hessian is also checked
against sympy directly.  Points include 0, large values, inf and nan.
"""

import math
import pickle
import re
import warnings

import numpy as np
import pytest
import sympy as sp

import jets
from jets import numpy_api
from jets.slots import SLOT_MIN_VARS, SlotJet


def _stacks(x0, order):
    """(slot stack, dense stack) of one seeding of the points x0 (n, *batch)."""
    seeds = jets.variables(x0, order)
    X = jets.stack(seeds)
    hook, numpy_api.STACK_HOOK[0] = numpy_api.STACK_HOOK[0], None
    try:
        D = jets.stack(seeds)
    finally:
        numpy_api.STACK_HOOK[0] = hook
    assert type(D) is jets.Jet
    return X, D


def _close(a, b, rtol=1e-13, inf_points=False):
    """Same jets: shapes, nan positions and coefficients to rounding.

    inf_points: the points include infinite coordinates.  There the dense stack
    multiplies an infinite value by the zero coefficients of the variables an
    element does not depend on (0 * inf = nan) and adds those nans into its own
    coefficients, where the slot jet, like jets of separately stored variables
    (``x1 * x2`` of two seeds, see test_inf_point_like_separate_jets), keeps
    them out: where the dense numbers are not nan, both must agree."""
    ca, cb = np.asarray(a.coeffs), np.asarray(b.coeffs)
    assert ca.shape == cb.shape
    assert a.shape == b.shape
    if inf_points:
        ca = np.where(np.isnan(cb), np.nan, ca)
    np.testing.assert_array_equal(np.isnan(ca), np.isnan(cb))
    np.testing.assert_array_equal(np.isinf(ca), np.isinf(cb))
    fin = np.isfinite(ca) & np.isfinite(cb)
    scale = np.maximum(np.abs(cb), 1.0)
    with np.errstate(invalid="ignore"):
        diff = np.abs(ca - cb)
    assert np.all(diff[fin] <= rtol * scale[fin]), np.max(diff[fin])
    np.testing.assert_array_equal(ca[~fin], cb[~fin])


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2.0) ** 2.0 + (1 - x[:-1]) ** 2.0, axis=0)


# --------------------------------------------------------------- construction
def test_stack_of_seeds_keeps_slots():
    X = jets.stack(jets.variables(np.arange(1.0, SLOT_MIN_VARS + 1), 2))
    assert isinstance(X, SlotJet) and isinstance(X, jets.Jet)
    # seeds store degrees 0 and 1
    assert X.shape == (SLOT_MIN_VARS,) and X._loc.shape == (2, SLOT_MIN_VARS)
    small = jets.stack(jets.variables(np.arange(1.0, SLOT_MIN_VARS), 2))
    assert type(small) is jets.Jet


@pytest.mark.parametrize(
    "make",
    [
        lambda v: [v[0], v[0]] + list(v[2:]),  # fine: distinct items in one variable each
        lambda v: [v[0] + v[1]] + list(v[2:]),  # items of different variable counts
        lambda v: list(v) + [2.0],  # a constant among them
    ],
)
def test_stack_of_other_jets(make):
    """Stacks that do not qualify (or do, with repeated variables) are still right."""
    x0 = np.linspace(0.5, 2.0, 10)
    seeds = jets.variables(x0, 2)
    X = jets.stack(make(seeds))
    hook, numpy_api.STACK_HOOK[0] = numpy_api.STACK_HOOK[0], None
    try:
        D = jets.stack(make(seeds))
    finally:
        numpy_api.STACK_HOOK[0] = hook
    _close(X, D, 0)
    _close(np.sin(X) * X[::-1], np.sin(D) * D[::-1])


# --------------------------------------------------------------- Rosenbrock against sympy
@pytest.mark.parametrize("batch", [(), (3,)])
def test_rosenbrock_hessian_against_sympy(batch):
    n = 9
    rng = np.random.default_rng(1)
    x0 = rng.uniform(-1.5, 1.5, (n,) + batch)
    X = jets.stack(jets.variables(x0, 2))
    assert isinstance(X, SlotJet)
    y = rosen(X)
    H = y.hessian()
    g = y.gradient()
    s = sp.symbols(f"x0:{n}")
    f = sum(100 * (s[i + 1] - s[i] ** 2) ** 2 + (1 - s[i]) ** 2 for i in range(n - 1))
    Hs = sp.lambdify(s, sp.hessian(f, s), "numpy")
    gs = sp.lambdify(s, [sp.diff(f, v) for v in s], "numpy")
    for p in np.ndindex(*batch):
        pt = x0[(slice(None),) + p]
        np.testing.assert_allclose(H[(slice(None), slice(None)) + p], Hs(*pt), rtol=1e-13)
        np.testing.assert_allclose(
            g[(slice(None),) + p], np.array(gs(*pt), dtype=float), rtol=1e-13, atol=1e-12
        )


@pytest.mark.parametrize("n", [8, 20, 57])
@pytest.mark.parametrize("batch", [(), (4,), (2, 3)])
def test_rosenbrock_equals_dense(n, batch):
    x0 = np.random.default_rng(n).uniform(-2, 2, (n,) + batch)
    X, D = _stacks(x0, 2)
    y, yd = rosen(X), rosen(D)
    assert type(y) is jets.Jet
    _close(y, yd)
    np.testing.assert_allclose(y.hessian(), yd.hessian(), rtol=1e-13)


# --------------------------------------------------------------- a corpus of expressions
CORPUS = {
    "elementwise": lambda x: np.exp(np.sin(x)) / (1 + x**2),
    "neighbours": lambda x: x[1:] * x[:-1] - np.cos(x[2:].sum() if False else x[:-1]),
    "three": lambda x: x[2:] * x[1:-1] + x[:-2] ** 3,
    "strided": lambda x: np.tanh(x[::2] - x[1::2]) if len(x) % 2 == 0 else x[::2] ** 2,
    "fancy": lambda x: x[[3, 1, 4, 1, 5]] * x[[0, 2, 2, 6, 7]],
    "mask": lambda x: np.log1p(x[np.arange(len(x)) % 3 == 0] ** 2),
    "with_item": lambda x: x[1:] * x[0] + x[-1],  # a regular jet in every item
    "self_with_item": lambda x: x * x[0],  # item 0 names x0 twice: dense
    "reverse": lambda x: x * x[::-1],  # the middle item (odd n) names one variable twice
    "column": lambda x: x * np.arange(1.0, len(x) + 1).reshape((-1,) + (1,) * (x.ndim - 1)),
    "power": lambda x: (x[1:] ** 2 + 1) ** 0.5 * x[:-1],
    "divide": lambda x: (x[1:] - 1) / (x[:-1] + 3),
    "hypot": lambda x: np.hypot(x[1:], x[:-1]),
    "arctan2": lambda x: np.arctan2(x[1:], x[:-1] + 2),
    "abs": lambda x: np.abs(x[1:] - x[:-1]),
    "maximum": lambda x: np.maximum(x[1:], x[:-1]),
    "where": lambda x: jets.where(x > 0, x**2, -x),
    "sum_then": lambda x: np.sin(np.sum(x[1:] * x[:-1], axis=0)),
    "batch_sum": lambda x: (x[1:] * x[:-1]).sum(axis=-1) if x.ndim > 1 else x[1:] * x[:-1],
    "index_batch": lambda x: x[1:, ::2] * x[:-1, ::2] if x.ndim > 1 else x[1:] * x[:-1],
    "reshape": lambda x: (x[1:] * x[:-1]).reshape(-1),
    "concatenate": lambda x: np.concatenate([x[:1] ** 2, x[1:] * x[:-1]]),
    "transpose": lambda x: (x[1:] * x[:-1]).T,
    "iterate": lambda x: sum(v**2 for v in x),
    "item_int": lambda x: np.exp(x[3] * x[-2]) + x[5],
    "mean": lambda x: (x[1:] * x[:-1]).mean(axis=0),
    "matmul": lambda x: np.arange(len(x) - 1.0) @ (x[1:] * x[:-1]),
}


def _points(n, batch, kind):
    rng = np.random.default_rng(n + len(batch))
    x0 = rng.uniform(-1.5, 1.5, (n,) + batch)
    if kind == "edges":
        flat = x0.reshape(n, -1)
        flat[0, 0] = 0.0
        flat[1, -1] = np.nan
        flat[2, 0] = np.inf
        flat[4, -1] = -1e200
    return x0


@pytest.mark.parametrize("name", list(CORPUS))
@pytest.mark.parametrize(
    "n,batch,order,kind",
    [
        (10, (), 2, "plain"),
        (9, (3,), 3, "plain"),
        (12, (2, 2), 1, "plain"),
        (10, (4,), 2, "edges"),
        (8, (), 6, "plain"),  # a scaled seeding (order > 4)
    ],
)
def test_corpus_equals_dense(name, n, batch, order, kind):
    x0 = _points(n, batch, kind)
    X, D = _stacks(x0, order)
    assert isinstance(X, SlotJet)
    f = CORPUS[name]
    with np.errstate(all="ignore"):
        try:
            want = f(D)
        except Exception as exc:  # the slot path must raise the same error
            with pytest.raises(type(exc)):
                f(X)
            return
        got = f(X)
    _close(got, want, 1e-12 if order > 4 else 1e-13, inf_points=kind == "edges")
    if isinstance(got, jets.Jet) and order >= 2 and got.size and got.nvars <= 12:
        pg, pw = got.partials(), want.partials()
        assert pg.keys() == pw.keys()
        for a in pw:
            g, w = pg[a], pw[a]
            if kind == "edges":
                g = np.where(np.isnan(w), np.nan, g)
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-300)


def test_float32_and_complex():
    x0 = np.linspace(0.1, 1.2, 10).astype(np.float32)
    X, D = _stacks(x0, 2)
    assert X.dtype == np.float32
    got, want = rosen(X), rosen(D)
    assert got.dtype == want.dtype == np.float32
    np.testing.assert_allclose(got.hessian(), want.hessian(), rtol=1e-5)
    z0 = np.linspace(0.1, 1.2, 10) + 0.5j
    X, D = _stacks(z0, 2)
    _close(np.exp(X[1:] * X[:-1]), np.exp(D[1:] * D[:-1]))


# --------------------------------------------------------------- indexing and sums
def test_indexing_like_numpy():
    x0 = np.arange(1.0, 11.0)
    X, D = _stacks(x0, 2)
    for key in [0, -1, 9, slice(None, None, -3), [2, 2, 0], np.arange(10) > 4, (slice(2, 5),)]:
        _close(X[key] * 2, D[key] * 2, 0)
    assert type(X[3]) is jets.Jet and X[3]._vars == (3,)
    for key in [10, -11, [11], (0, 0)]:
        with pytest.raises(IndexError):
            D[key]
        with pytest.raises(IndexError):
            X[key]
    with pytest.raises(TypeError, match="cannot be used as an index"):
        X[X[0]]


def test_item_of_a_product_reorders_its_slots():
    x0 = np.linspace(0.5, 1.5, 10)
    X, D = _stacks(x0, 3)
    y, yd = X[1:] * X[:-1] ** 2, D[1:] * D[:-1] ** 2
    for i in range(9):
        assert y[i]._vars == (i, i + 1)
        _close(y[i], yd[i])


@pytest.mark.parametrize(
    "axis,keepdims",
    [(0, False), (None, False), (1, False), ((0, 1), False), (0, True), (-2, False)],
)
def test_sums(axis, keepdims):
    x0 = np.random.default_rng(3).uniform(-1, 1, (10, 4))
    X, D = _stacks(x0, 2)
    y, yd = X[1:] * X[:-1], D[1:] * D[:-1]
    _close(y.sum(axis=axis, keepdims=keepdims), yd.sum(axis=axis, keepdims=keepdims))
    _close(np.sum(y, axis=axis, keepdims=keepdims), np.sum(yd, axis=axis, keepdims=keepdims))
    with pytest.raises(np.exceptions.AxisError if hasattr(np, "exceptions") else ValueError):
        y.sum(axis=2)


def test_nan_point_poisons_every_coefficient():
    x0 = np.array([1.0, 2.0, np.nan, 0.5, 1.5, 2.5, 3.0, 0.1, 0.2, 0.3])
    X, D = _stacks(x0, 2)
    y = rosen(X)
    assert np.all(np.isnan(np.asarray(y.coeffs)))
    z = X[1:] * X[:-1]
    c = np.asarray(z.coeffs)
    assert np.all(np.isnan(c[:, 1])) and np.all(np.isnan(c[:, 2]))
    assert not np.isnan(c[:, 0]).any()


# --------------------------------------------------------------- everything else reads dense
def test_readers_pickle_and_numpy_functions():
    x0 = np.linspace(-1, 1, 10)
    X, D = _stacks(x0, 2)
    y, yd = X[1:] * np.sin(X[:-1]), D[1:] * np.sin(D[:-1])
    assert isinstance(y, SlotJet)
    np.testing.assert_array_equal(y.value, yd.value)
    _close(pickle.loads(pickle.dumps(y)), yd)
    np.testing.assert_allclose(y.hessian(), yd.hessian(), rtol=1e-14)
    np.testing.assert_allclose(y.gradient(), yd.gradient(), rtol=1e-14)
    _close(np.stack([y, y]), np.stack([yd, yd]))
    _close(y.copy(), yd)
    assert repr(y) == repr(yd)
    assert len(y) == 9 and [v.value for v in y] == list(yd.value)
    assert np.array_equal(np.asarray(y > 0), np.asarray(yd > 0))


def test_separate_seedings_still_refuse():
    X = jets.stack(jets.variables(np.arange(1.0, 11.0), 2))
    Y = jets.stack(jets.variables(np.arange(1.0, 11.0), 2))
    with pytest.raises(TypeError, match="seeded separately"):
        X * Y
    with pytest.raises(TypeError, match="seeded separately"):
        X[1:] + X.dense()[0] * Y[0]
    with pytest.raises(ValueError, match="different spaces"):
        X[1:] + jets.variable(1.0, 2)


def test_functional_api_with_sparse_inside():
    """A SlotJet built inside a function is an ordinary jet to the readers."""

    def f(v):
        X = jets.stack([v[i] for i in range(len(v))])
        return rosen(X)

    x0 = np.random.default_rng(7).uniform(-1, 1, 12)
    H = jets.hessian(f, x0)
    np.testing.assert_allclose(H, jets.hessian(rosen, x0), rtol=1e-13)
    assert math.isfinite(H.sum())


def test_inf_point_like_separate_jets():
    """At a point with an infinite coordinate a slot jet holds what the jets of
    each element's own variables give (checked against separately stored seeds
    combined one item at a time); the finite partials are the true ones."""
    x0 = np.array([np.inf, 2.0, 3.0, 0.5, 1.5, 2.5, 1.0, 0.25, 4.0, 5.0])
    seeds = jets.variables(x0, 2)
    X = jets.stack(seeds)
    y = X[2:] * X[1:-1] + X[:-2] ** 3
    for i in range(8):
        want = seeds[i + 2] * seeds[i + 1] + seeds[i] ** 3
        _close(y[i], want, 0)
    # item 0 = x2 x1 + x0**3 at x0 = inf: d/dx2 = x1 = 2, d/dx1 = x2 = 3
    g = y[0].gradient()
    assert g[1] == 3.0 and g[2] == 2.0 and g[0] == np.inf


# --------------------------------------------------------------- the functional API
def test_seed_stack_is_the_stack_of_the_seeds():
    from jets.slots import seed_stack

    for x0 in [
        np.linspace(-1, 1, 9),
        np.random.default_rng(2).uniform(-1, 1, (10, 3)),
        np.array([1.0, np.nan, 0.0, -0.0, np.inf, 1e300, -2.0, 3.0]),
    ]:
        for order in (1, 2, 6):
            a = seed_stack(x0, order)
            b = jets.stack(jets.variables(x0, order))
            assert isinstance(a, SlotJet) and isinstance(b, SlotJet)
            assert a._space == b._space and a._space.scale == b._space.scale
            np.testing.assert_array_equal(a._slots, b._slots)
            assert a._loc.dtype == b._loc.dtype
            np.testing.assert_array_equal(a._loc, b._loc)
    assert seed_stack(np.ones(SLOT_MIN_VARS - 1), 2) is None
    assert seed_stack(np.ones(9, dtype=np.float32), 2) is None
    assert seed_stack(np.ones(9), (2,) * 9) is None


def _vec(x):
    return np.sin(x[1:]) * x[:-1]


API_CALLS = {
    "hessian": lambda f, x: jets.hessian(f, x),
    "gradient": lambda f, x: jets.gradient(f, x),
    "jacobian": lambda f, x: jets.jacobian(_vec, x),
    "hessian_vector": lambda f, x: jets.hessian(_vec, x),
    "partials3": lambda f, x: jets.partials(f, x, 3),
    "tensor3": lambda f, x: jets.derivative_tensor(f, x, 3),
    "vgh": lambda f, x: jets.value_grad_hessian(f, x),
    "laplacian": lambda f, x: jets.laplacian(f, x),
    "axis_last": lambda f, x: jets.hessian(
        lambda v: f(np.moveaxis(v, -1, 0)), np.moveaxis(x, 0, -1), axis=-1
    ),
}


def _api_f(x):
    return np.sum(np.exp(x[1:] * x[:-1]) + np.cos(x)[1:] ** 2, axis=0)


@pytest.mark.parametrize("call", list(API_CALLS))
@pytest.mark.parametrize("f", [rosen, _api_f], ids=["rosen", "expcos"])
@pytest.mark.parametrize("shape", [(9,), (11, 4)])
def test_functional_api_equals_the_dense_path(call, f, shape, monkeypatch):
    import jets.api as A

    x0 = np.random.default_rng(len(shape)).uniform(-1, 1, shape)
    x0.reshape(shape[0], -1)[3, 0] = np.nan
    with np.errstate(all="ignore"):
        got = API_CALLS[call](f, x0)
        monkeypatch.setattr(A._slots, "seed_stack", lambda x, order: None)
        want = API_CALLS[call](f, x0)
    flat = lambda r: (
        list(r.values()) if isinstance(r, dict) else list(r) if isinstance(r, tuple) else [r]
    )  # noqa: E731
    for g, w in zip(flat(got), flat(want), strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-13, atol=1e-13)


def test_functional_rosenbrock_against_sympy():
    n = 10
    x0 = np.random.default_rng(5).uniform(-2, 2, n)
    s = sp.symbols(f"x0:{n}")
    f = sum(100 * (s[i + 1] - s[i] ** 2) ** 2 + (1 - s[i]) ** 2 for i in range(n - 1))
    want = np.array(sp.lambdify(s, sp.hessian(f, s), "numpy")(*x0), dtype=float)
    np.testing.assert_allclose(jets.hessian(rosen, x0), want, rtol=1e-13)
    T3 = jets.derivative_tensor(rosen, x0, 3)
    i = 4  # the only third partials: d3/dx_i^3 = 2400 x_i and d3/dx_i^2 dx_{i+1} = -400
    assert T3[i, i, i] == pytest.approx(2400 * x0[i], rel=1e-14)
    assert T3[i, i, i + 1] == T3[i + 1, i, i] == -400
    assert np.count_nonzero(T3) == (n - 1) * 4


_A = np.random.default_rng(0).uniform(-1, 1, (10, 10))
#: functions a user hands the functional API: most of them leave the slots (numpy
#: functions, @, reshapes) and run on the dense jet, which must change nothing
FALLBACKS = {
    "quad": lambda x: x @ _A @ x,
    "norm": lambda x: np.linalg.norm(x),
    "cumsum": lambda x: np.cumsum(x)[-1] * x[0],
    "prod": lambda x: np.prod(x[:5]),
    "mean": lambda x: x.mean() ** 2,
    "identity": lambda x: x,
    "list": lambda x: [x[0] * x[1], x[2]],
    "dot": lambda x: np.dot(x, x),
    "where": lambda x: np.sum(np.where(x > 0, x, x**2)),
    "max": lambda x: np.max(x * x[::-1]),
    "abs_against_one": lambda x: np.sum(np.abs(x - x[3])),
    "tanh_sum": lambda x: np.tanh(x.sum()),
    "einsum": lambda x: np.einsum("i,i->", x, x),
    "outer": lambda x: np.sum(np.outer(x, x)),
    "concat": lambda x: np.sum(np.concatenate([x, x**2]) ** 2),
    "min_pair": lambda x: np.sum(np.minimum(x[1:], x[:-1])),
}


@pytest.mark.parametrize("name", list(FALLBACKS))
@pytest.mark.parametrize("call", ["hessian", "jacobian"])
def test_functional_api_fallbacks_equal_the_dense_path(name, call, monkeypatch):
    import jets.api as A

    x0 = np.random.default_rng(1).uniform(-1, 1, 10)
    f, fn = FALLBACKS[name], getattr(jets, call)
    got = fn(f, x0)
    monkeypatch.setattr(A._slots, "seed_stack", lambda x, order: None)
    want = fn(f, x0)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-13)


#: numpy protocols and methods on a slot jet (10, 3): the same result (or the
#: same error) as on the dense stack
PROTOCOLS = {
    "reduce": lambda x: np.add.reduce(x, axis=0),
    "reduce1": lambda x: np.add.reduce(x, axis=1),
    "accumulate": lambda x: np.add.accumulate(x, axis=0),
    "outer": lambda x: np.multiply.outer(x[0], x[1]),
    "neg": lambda x: -x,
    "abs": lambda x: abs(x - 1),
    "powpow": lambda x: x ** x[::-1],
    "floordiv": lambda x: x // 2,
    "mod": lambda x: x % 0.7,
    "eq": lambda x: np.asarray(x == x),
    "isfinite": lambda x: np.isfinite(x),
    "isnan": lambda x: np.isnan(x),
    "round": lambda x: np.round(x, 1),
    "out": lambda x: np.sin(x, out=None),
    "sq": lambda x: np.square(x),
    "recip": lambda x: np.reciprocal(x),
    "clip": lambda x: np.clip(x, 0.5, 1.0),
    "T": lambda x: x.T,
    "swap": lambda x: np.swapaxes(x, 0, 1),
    "getitem_ellipsis": lambda x: x[..., 0],
    "getitem_none": lambda x: x[None],
    "getitem_tuple_int": lambda x: x[2, 1],
    "getitem_col": lambda x: x[:, 1],
    "getitem_col_negative": lambda x: x[1:, -1] * x[:-1, 0],
    "getitem_col_out_of_range": lambda x: x[:, 3],
    "getitem_item_point": lambda x: x[4, 2],
    "getitem_bool_col": lambda x: x[:, np.True_],
    "getitem_bool_col_python": lambda x: x[:, True],
    "getitem_int_arr_col": lambda x: x[[1, 2], 0],
    "real": lambda x: x.real,
    "astype": lambda x: x.astype(np.complex128),
    "copy": lambda x: x.copy(),
    "mean1": lambda x: x.mean(axis=1),
    "std": lambda x: np.std(x, axis=0),
    "max": lambda x: np.max(x, axis=0),
    "broadcast_batch": lambda x: x * np.arange(3.0),
    "broadcast_new_axis": lambda x: x * np.ones((2, 10, 3)),
    "sum_keep": lambda x: x.sum(axis=0, keepdims=True),
    "where_np": lambda x: np.where(x > 1, x, 0.0),
    "matmul_batch": lambda x: np.ones(10) @ x,
    "call": lambda x: x[:, 0](*([0.1] * 10)),
    "derivative_reader": lambda x: (x[1:] * x[:-1]).gradient(),
    "partial_reader": lambda x: (x[1:] * x[:-1]).partial((1,) + (0,) * 9),
    "error": lambda x: (x * 2).error(),
}


@pytest.mark.parametrize("name", list(PROTOCOLS))
def test_numpy_protocols_equal_the_dense_stack(name):
    x0 = np.random.default_rng(1).uniform(0.2, 1.5, (10, 3))
    X, D = _stacks(x0, 2)
    f = PROTOCOLS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            want = f(D)
        except Exception as exc:
            with pytest.raises(type(exc), match=re.escape(str(exc)[:60])):
                f(X)
            return
        got = f(X)
    if isinstance(want, jets.Jet):
        _close(got, want)
    else:
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-13, atol=0)


def test_index_tables_are_cached_bounded_and_keyed_by_shape(monkeypatch):
    """The merge and placement tables of a call are reused by the next call with
    the same slots (same numbers), the cache stays within its size, and slot
    arrays with equal bytes but other shapes get their own tables."""
    from jets import slots as SL

    monkeypatch.setattr(SL, "_CACHE_SIZE", 3)
    SL._CACHE.clear()
    x0 = np.random.default_rng(4).uniform(-1, 1, (16, 2))
    X, D = _stacks(x0, 2)
    first = rosen(X)
    assert len(SL._CACHE) <= 3
    _close(rosen(X), first, 0)
    _close(rosen(X), rosen(D))
    # (16,) items in one slot and (8,) items in two slots share the bytes of 0..15
    a = X[1:] * X[:-1]  # slots (15, 2)
    b = X[::2] + X[1::2]  # slots (8, 2)
    _close(a.sum(axis=0), (D[1:] * D[:-1]).sum(axis=0))
    _close(b.sum(axis=0), (D[::2] + D[1::2]).sum(axis=0))
    _close(X.sum(axis=0), D.sum(axis=0))
    assert len(SL._CACHE) <= 3


# --------------------------------------------------------------- random programs
UNARY = [
    np.sin,
    np.cos,
    np.tanh,
    np.arctan,
    np.square,
    np.negative,
    lambda a: np.exp(0.3 * a),
    lambda a: np.log1p(a**2),
    lambda a: np.sqrt(a**2 + 0.5),
    lambda a: 1 / (a**2 + 2),
    lambda a: a**3,
    lambda a: abs(a),
]
BINARY = [np.add, np.subtract, np.multiply, lambda a, b: a / (b**2 + 1), np.hypot, np.maximum]


def _program(seed):
    """A random f(x) of slot operations (rules, fancy indexing with repeats,
    slices, masks, items, sums, constants), built from the seed: the same
    operations whatever x is (a slot jet or the dense stack)."""
    rng = np.random.default_rng(seed)
    steps = []
    for _ in range(int(rng.integers(4, 9))):
        kind = rng.choice(["unary", "binary", "const", "index", "sum", "item", "column"])
        steps.append((kind, int(rng.integers(0, 2**31))))

    def f(x):
        pool = [x]
        n = len(x)
        for kind, s in steps:
            r = np.random.default_rng(s)
            a = pool[int(r.integers(len(pool)))]
            la = a.shape[0] if a.ndim == x.ndim else None
            if kind == "unary":
                pool.append(UNARY[int(r.integers(len(UNARY)))](a))
            elif kind == "binary":
                b = pool[int(r.integers(len(pool)))]
                lb = b.shape[0] if b.ndim == x.ndim else None
                if la and lb:
                    m = int(r.integers(1, n + 1))
                    a = a[r.integers(0, la, m)]  # repeats: items that may meet twice
                    b = b[r.integers(0, lb, m)]
                pool.append(BINARY[int(r.integers(len(BINARY)))](a, b))
            elif kind == "const" and la:
                c = r.uniform(-2, 2, (la,) + (1,) * (x.ndim - 1))
                pool.append(a * c + float(r.uniform(-1, 1)))
            elif kind == "index" and la:
                how = int(r.integers(3))
                if how == 0:
                    lo = int(r.integers(0, la))
                    pool.append(a[lo : lo + int(r.integers(1, la + 1)) : int(r.integers(1, 3))])
                elif how == 1:
                    pool.append(a[r.uniform(size=la) < 0.6] if la > 1 else a)
                else:
                    pool.append(a[::-1])
            elif kind == "sum" and la:
                pool.append(a.sum(axis=0))
            elif kind == "item" and la:
                pool.append(a[int(r.integers(-la, la))])
            elif kind == "column" and a.ndim > 1:
                pool.append(a[:, int(r.integers(-a.shape[1], a.shape[1]))])
        return pool

    return f


@pytest.mark.parametrize("seed", range(40))
def test_random_programs_equal_the_dense_stack(seed):
    _check_program(seed)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(40, 1040))
def test_random_programs_long(seed):
    _check_program(seed)


def _check_program(seed):
    rng = np.random.default_rng(10**6 + seed)
    n = int(rng.integers(8, 15))
    batch = [(), (3,), (2, 2)][seed % 3]
    order = [1, 2, 3][(seed // 3) % 3]
    x0 = rng.uniform(-1.5, 1.5, (n,) + batch)
    if seed % 5 == 4:
        x0.reshape(n, -1)[int(rng.integers(n)), 0] = np.nan
    X, D = _stacks(x0, order)
    f = _program(seed)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            want = f(D)
        except ValueError as exc:  # shapes the program combined do not broadcast
            with pytest.raises(ValueError, match=re.escape(str(exc))):
                f(X)
            return
        for g, w in zip(f(X), want, strict=True):
            _close(g, w, 1e-12)
