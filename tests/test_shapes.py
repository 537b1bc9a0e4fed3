"""Shape operations on jets act on the batch axes only and match numpy on the
values exactly, numpy's errors included.

The reference: every shape function here is linear and acts on the batch only,
so ``op(jet).coeffs[i]`` must equal ``op(jet.coeffs[i])`` computed by numpy for
every coefficient i; where numpy refuses ``op`` on an array of the jet's batch
shape, the jet must raise the same exception type with the same message.
Products of two jets are checked against the bilinear formula on coefficients
and against sympy.
"""

import itertools
import warnings

import numpy as np
import pytest
import sympy as sp

import jets
from jets import Jet

AxisError = np.exceptions.AxisError

SHAPES = [(), (1,), (4,), (2, 3), (3, 1), (2, 1, 3), (1, 2, 1, 2)]


def _values(shape, offset=0.0):
    """Distinct points of a batch shape, with a nan in batches of 3 or more."""
    v = np.arange(int(np.prod(shape)), dtype=float).reshape(shape) / 7 + 0.3 + offset
    if v.size >= 3:
        v.flat[2] = np.nan
    return v


_N = 512
#: one seeding of two variables over a flat batch, so that every jet of these
#: tests (any shape, any offset) comes from it and they combine; a nan at flat
#: index 2 (batches of 3 or more points get one)
_U, _W = jets.variables([_values((_N,)), np.cos(np.nan_to_num(_values((_N,)))) + 0.1], 2)


def _jet(shape, kind="dense", offset=0.0):
    """A jet of two variables, order 2, batch `shape` (points shifted by
    `offset`): 'dense' has 6 distinct coefficients per point; 'seed' is a seeded
    variable (stored compactly: one variable, degrees 0 and 1)."""
    n = int(np.prod(shape))
    x = _U[:n].reshape(shape)
    if offset:
        x = x + offset
    y = _W[:n].reshape(shape)
    return x if kind == "seed" else jets.exp(x) * y + x**2 * (y - 1)


def _numpy_on_coeffs(op, jet):
    """op applied by numpy to each coefficient array (batch shape) of the jet."""
    return [op(np.asarray(c)) for c in jet.coeffs]


def check(op, jet, exact_message=True):
    """op(jet) matches numpy's op on every coefficient, or raises what numpy raises."""
    try:
        want = _numpy_on_coeffs(op, jet)
    except Exception as exc:  # numpy refuses: so must the jet, in numpy's words
        with pytest.raises(type(exc)) as info:
            op(jet)
        assert type(info.value) is type(exc)
        if exact_message:
            assert str(info.value) == str(exc)
        else:
            assert str(exc) in str(info.value)
        return exc
    got = op(jet)
    assert isinstance(got, Jet)
    assert got.shape == np.shape(want[0])
    assert got.coeffs.shape == (len(want),) + np.shape(want[0])
    np.testing.assert_array_equal(got.coeffs, np.stack(want))
    return None


def _axes(ndim, extra=1):
    """Every valid axis, a few out of range (both sides), and odd ones."""
    return list(range(-ndim - extra - 1, ndim + extra + 1))


# ------------------------------------------------------------ reductions
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("kind", ["dense", "seed"])
def test_sum_and_mean_over_any_axis(shape, kind):
    J = _jet(shape, kind)
    nd = len(shape)
    axes = [None, (), (0, 0), (0, -1), [0], 1.0, (0, 1) if nd > 1 else (0,)] + _axes(nd)
    if nd >= 2:
        axes += list(itertools.permutations(range(-nd, nd), 2))
    for axis in axes:
        for keepdims in (False, True):
            check(lambda a: np.sum(a, axis=axis, keepdims=keepdims), J)
            check(lambda a: a.sum(axis=axis, keepdims=keepdims), J)
            check(lambda a: np.mean(a, axis=axis, keepdims=keepdims), J)
            check(lambda a: a.mean(axis=axis, keepdims=keepdims), J)
        if axis is not None:
            check(lambda a: np.add.reduce(a, axis=axis), J)


def test_reductions_never_wrap_a_bad_axis_around():
    J = _jet((2, 3))
    for call in (
        lambda: J.sum(axis=2),
        lambda: np.sum(J, axis=-3),
        lambda: J.mean(axis=2),
        lambda: np.cumsum(J, axis=2),
        lambda: np.diff(J, axis=2),
    ):
        with pytest.raises(
            AxisError, match="axis -?[23] is out of bounds for array of dimension 2"
        ):
            call()


def test_reductions_of_a_scalar_jet_follow_numpy():
    # numpy lets a reduction of a 0-d array take axis 0 or -1 (a legacy rule);
    # np.mean refuses them.  Never a ZeroDivisionError.
    x = _jet(())
    assert np.sum(np.float64(1.0).reshape(()), axis=0) == 1.0
    np.testing.assert_array_equal(x.sum(axis=0).coeffs, x.coeffs)
    np.testing.assert_array_equal(np.sum(x, axis=-1).coeffs, x.coeffs)
    with pytest.raises(AxisError):
        x.sum(axis=1)
    with pytest.raises(AxisError):
        x.mean(axis=0)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_sum_and_mean_with_where(shape):
    J = _jet(shape)
    masks = [np.ones(shape, bool), np.arange(int(np.prod(shape))).reshape(shape) % 2 == 0]
    masks += [np.ones((5,) + shape, bool), np.array([True, False, True, False, True])]
    for mask in masks:
        for axis in [None] + _axes(len(shape), 0):
            check(lambda a: np.sum(a, axis=axis, where=mask), J)
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # empty means: nan
                check(lambda a: np.mean(a, axis=axis, where=mask), J)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_cumsum_and_diff(shape):
    J = _jet(shape)
    for axis in [None, (0,), 1.0] + _axes(len(shape)):
        check(lambda a: np.cumsum(a, axis=axis), J)
        for n in (0, 1, 2, 3, -1):
            if axis is not None:
                check(lambda a: np.diff(a, n=n, axis=axis), J)
    check(lambda a: np.diff(a), J)


# ------------------------------------------------------ axis permutations
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_transpose(shape):
    J = _jet(shape)
    nd = len(shape)
    check(lambda a: a.T, J)
    check(lambda a: a.transpose(), J)
    check(lambda a: np.transpose(a), J)
    check(lambda a: a.transpose(None), J)
    perms = list(itertools.permutations(range(nd))) + [(-1,) * nd, (nd,) * nd]
    if nd <= 2:
        perms = list(itertools.product(range(-nd - 1, nd + 1), repeat=nd))
    for perm in perms:
        check(lambda a: a.transpose(perm), J)
        check(lambda a: a.transpose(*perm), J)
        check(lambda a: np.transpose(a, perm), J)
        check(lambda a: np.transpose(a, list(perm)), J)
    check(lambda a: a.transpose(tuple(range(nd + 1))), J)  # too many axes
    check(lambda a: np.transpose(a, (0,) * (nd + 1)), J)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_moveaxis_and_swapaxes(shape):
    J = _jet(shape)
    axes = _axes(len(shape))
    for s, d in itertools.product(axes, axes):
        check(lambda a: np.moveaxis(a, s, d), J)
        check(lambda a: np.swapaxes(a, s, d), J)
    nd = len(shape)
    for s in itertools.permutations(range(-nd, nd), min(nd, 2)):
        for d in list(itertools.permutations(range(-nd - 1, nd + 1), len(s)))[::7]:
            check(lambda a: np.moveaxis(a, s, d), J)
            check(lambda a: np.moveaxis(a, list(s), list(d)), J)
    check(lambda a: np.moveaxis(a, (0, 0), (0, 1)), J)
    check(lambda a: np.moveaxis(a, (0,), (0, 1)), J)


# ------------------------------------------------ axes added or removed
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_expand_dims_and_squeeze(shape):
    J = _jet(shape)
    nd = len(shape)
    for axis in _axes(nd + 1) + [(0, 1), (0, -1), (0, 0), (-1, nd + 1), 1.0]:
        check(lambda a: np.expand_dims(a, axis), J)
    for axis in [None, (), 1.0, [0]] + _axes(nd) + list(itertools.combinations(range(nd), 2)):
        check(lambda a: np.squeeze(a, axis=axis), J)
        check(lambda a: a.squeeze(axis), J)
    for kind in ("dense", "seed"):
        check(lambda a: np.atleast_1d(a), _jet(shape, kind))


def test_atleast_1d_of_several_operands():
    x = _jet(())
    r = np.atleast_1d(x, 2.0, np.ones((2, 2)))
    want = np.atleast_1d(x.value, 2.0, np.ones((2, 2)))
    assert type(r) is type(want) and len(r) == 3
    assert [np.shape(a) for a in r] == [np.shape(a) for a in want]
    np.testing.assert_array_equal(r[1], want[1])


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("kind", ["dense", "seed"])
def test_broadcast_to(shape, kind):
    J = _jet(shape, kind)
    for target in [
        shape,
        (3,) + shape,
        (2, 2) + shape,
        (5,),
        (2, 3),
        (3, 2),
        (4, 2, 3),
        (2, 4, 2, 3),
        (1, 2, 4, 2, 2),
        (),
        4,
        (3, 0),
    ]:
        check(lambda a: np.broadcast_to(a, target), J)


def test_broadcast_to_keeps_the_derivatives_of_a_scalar_jet():
    # the reported bug: the hidden coefficient axis was broadcast against (3, 2)
    u = jets.variable(np.array([1.0, 2.0]), 2)
    b = np.broadcast_to(u, (3, 2))
    np.testing.assert_array_equal(b.value, np.broadcast_to([1.0, 2.0], (3, 2)))
    np.testing.assert_array_equal(b.derivative(1), np.ones((3, 2)))
    np.testing.assert_array_equal(b.derivative(2), np.zeros((3, 2)))


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_reshape_ravel_flatten(shape):
    J = _jet(shape)
    n = int(np.prod(shape))
    for new in [
        (-1,),
        (n,),
        (1, -1),
        (-1, 1),
        (n, 1, 1),
        (1, n),
        (),
        (-1, -1),
        (n + 1,),
        (2, -1),
        (-1, 2, 1),
        (0, -1),
    ]:
        check(lambda a: a.reshape(new), J, exact_message=False)
        check(lambda a: a.reshape(*new), J, exact_message=False)
        check(lambda a: np.reshape(a, new), J, exact_message=False)
    check(lambda a: a.ravel(), J)
    check(lambda a: np.ravel(a), J)
    check(lambda a: a.flatten(), J)


# -------------------------------------------------------------- indexing
def _keys(shape):
    nd = len(shape)
    keys = [
        (),
        Ellipsis,
        None,
        True,
        False,
        (None, Ellipsis),
        (Ellipsis, None),
        np.ones(shape, bool),
        np.zeros(shape, bool),
    ]
    if nd:
        mask = np.arange(int(np.prod(shape))).reshape(shape) % 2 == 1
        keys += [
            0,
            -1,
            shape[0],
            -shape[0] - 1,
            slice(None, None, -1),
            slice(1, None),
            [0],
            [0, 0, -1],
            np.array([[0], [0]]),
            mask,
            (mask,),
            (Ellipsis, 0),
            (0, Ellipsis),
            (None, 0, None),
            np.array(0),
            [True] * shape[0],
            (slice(None),) * (nd + 1),
            (0,) * (nd + 1),
            (Ellipsis, Ellipsis),
            1.0,
            "a",
            np.ones(shape + (1,), bool),
            np.ones(shape[:1] + (7,) * (nd > 1), bool),
        ]
    if nd >= 2:
        keys += [
            (0, 0),
            (slice(None), 0),
            ([0, 0], 0),
            (0, [0, 0]),
            ([0], [0]),
            (slice(None), [0, 0]),
            ([0, 0], slice(None)),
            (Ellipsis, [0, 0]),
            ([0, 0], Ellipsis),
            (None, [0, 0], None),
            ([[0], [0]], [0, 0]),
        ]
    if nd >= 3:
        keys += [
            ([0, 1], slice(None), [0, 1]),
            (0, slice(None), [0, 1]),
            ([0, 1], slice(None), 0),
            ([0, 1], Ellipsis, [0, 1]),
            ([0, 1], None, [0, 1]),
            (slice(None), [0, 1], [0, 1]),
            (np.ones(shape[:2], bool), [0]),
            ([0, 1], np.ones(shape[1:], bool)),
            (True, [0, 1], slice(None), [0]),
        ]
    return keys


@pytest.mark.parametrize("shape", SHAPES + [(2, 2, 3), (3, 2, 2, 2)], ids=str)
@pytest.mark.parametrize("kind", ["dense", "seed"])
def test_indexing_matches_numpy(shape, kind):
    J = _jet(shape, kind)
    for key in _keys(shape):
        check(lambda a: a[key], J)


def test_indexing_with_separated_index_arrays_keeps_the_coefficient_axis_first():
    # numpy puts the axes of index arrays that are not side by side first; with
    # a coefficient axis in front of the batch that used to land before it
    J = _jet((2, 3, 2))
    r = J[[0, 1], :, [0, 1]]
    assert r.shape == (2, 3)
    np.testing.assert_array_equal(r.value, J.value[[0, 1], :, [0, 1]])
    np.testing.assert_array_equal(r.partial((1, 1)), J.partial((1, 1))[[0, 1], :, [0, 1]])


# ------------------------------------------------ stack / concatenate / where
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_stack_and_concatenate(shape):
    A, Bj = _jet(shape), _jet(shape, "seed", offset=1.0)
    C = np.linspace(-1, 1, int(np.prod(shape))).reshape(shape)
    nd = len(shape)
    for axis in [None, 1.0] + _axes(nd + 1):
        for fn in (np.stack, jets.stack, np.concatenate, jets.concatenate):

            def op(a, fn=fn, axis=axis):
                # a: the first operand; the others ride along coefficient-wise
                return fn([a, 2 * a, a[::-1] if nd else a], axis=axis)

            check(op, A)
        # a jet, another jet and a constant array: compare with numpy on each coefficient
        for fn in (np.stack, np.concatenate):
            try:
                want = [
                    fn([a, b, c], axis=axis)
                    for a, b, c in zip(
                        A.coeffs, Bj.coeffs, [C] + [np.zeros(shape)] * 5, strict=False
                    )
                ]
            except Exception as exc:
                with pytest.raises(type(exc)):
                    fn([A, Bj, C], axis=axis)
                continue
            np.testing.assert_array_equal(fn([A, Bj, C], axis=axis).coeffs, np.stack(want))


def test_stack_and_concatenate_refuse_mismatched_jets_like_numpy():
    a, b = _jet((3,)), _jet((1,))
    for fn, np_fn in (
        (jets.stack, np.stack),
        (np.stack, np.stack),
        (jets.concatenate, np.concatenate),
        (np.concatenate, np.concatenate),
    ):
        operands = [a, _jet((2, 3))] if np_fn is np.concatenate else [a, b]
        with pytest.raises(ValueError) as info:
            fn(operands)
        with pytest.raises(ValueError) as want:
            np_fn([np.asarray(o.value) for o in operands])
        assert str(info.value) == str(want.value)
    with pytest.raises(ValueError, match="zero-dimensional"):
        np.concatenate([_jet(()), _jet(())])
    with pytest.raises(AxisError, match="axis 2 is out of bounds for array of dimension 2"):
        np.stack([a, a], axis=2)


def test_stack_broadcasts_plain_constants_to_the_jets_shape():
    t = _jet((2,))
    s = jets.stack([t, t**2, 1.0])
    assert s.shape == (3, 2)
    np.testing.assert_array_equal(s.coeffs[:, 2], np.stack([np.full(2, 1.0)] + [np.zeros(2)] * 5))
    with pytest.raises(ValueError, match="could not be broadcast"):
        jets.stack([t, np.ones(3)])


@pytest.mark.parametrize(
    "cshape, ashape, bshape",
    [
        ((), (3,), (3,)),
        ((3,), (), ()),
        ((2, 3), (3,), (3,)),
        ((2, 1), (3,), (2, 3)),
        ((4, 2, 3), (2, 3), ()),
        ((2,), (3,), (3,)),
        ((1, 3), (2, 1), (1,)),
        ((6, 2), (2,), (2,)),
    ],
)
def test_where_broadcasts_condition_and_branches(cshape, ashape, bshape):
    # (6, 2) with (2,) jets: a condition of more axes than the jets must not meet
    # the coefficient axis (6 coefficients here)
    cond = (np.arange(int(np.prod(cshape))).reshape(cshape) % 3) == 0
    a, b = _jet(ashape), _jet(bshape, "seed", offset=2.0)
    try:
        np.broadcast_shapes(cshape, ashape, bshape)
    except ValueError:
        with pytest.raises(ValueError) as info:
            np.where(cond, a, b)
        with pytest.raises(ValueError) as want:
            np.where(cond, np.asarray(a.value), np.asarray(b.value))
        assert str(info.value) == str(want.value)
        return
    r = np.where(cond, a, b)
    want = np.stack([np.where(cond, ca, cb) for ca, cb in zip(a.coeffs, b.coeffs, strict=False)])
    np.testing.assert_array_equal(r.coeffs, want)
    r2 = jets.where(cond, a, 0.5)
    want = np.stack([np.where(cond, ca, 0.5 if i == 0 else 0.0) for i, ca in enumerate(a.coeffs)])
    np.testing.assert_array_equal(r2.coeffs, want)


# ------------------------------------------------------------ matmul / dot
CORE = {"a": {1: (3,), 2: (2, 3), 3: (4, 2, 3)}, "b": {1: (3,), 2: (3, 5), 3: (4, 3, 5)}}


def _operand_shapes():
    """Every pair of ndims 0..3 with matching core sizes, plus mismatches."""
    out = []
    for na, nb in itertools.product(range(4), repeat=2):
        sa = CORE["a"].get(na, ())
        sb = CORE["b"].get(nb, ())
        out.append((sa, sb))
    out += [
        ((2, 3), (2,)),
        ((3,), (2, 5)),
        ((4, 2, 3), (6, 3, 5)),
        ((1, 2, 3), (4, 3, 5)),
        ((6, 1, 2, 3), (4, 3, 5)),
        ((2, 3), (6, 4, 3, 5)),
        ((5, 3), (3,)),
        ((7, 1, 3), (3, 7)),
    ]
    return out


def _constant(shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def _bilinear(fn, A, B):
    """fn(A, B) of two jets from the coefficients: C_g = sum_{a+b=g} fn(A_a, B_b)."""
    S = A.space
    mono = [tuple(m) for m in S.monomials]
    ca, cb = A.coeffs, B.coeffs
    out = None
    for i, j in itertools.product(range(S.ncoeffs), repeat=2):
        g = tuple(p + q for p, q in zip(mono[i], mono[j], strict=False))
        if g not in S.index:
            continue
        term = fn(ca[i], cb[j])
        if out is None:
            out = np.zeros((S.ncoeffs,) + np.shape(term))
        out[S.index[g]] += term
    return out


@pytest.mark.parametrize("sa, sb", _operand_shapes(), ids=str)
@pytest.mark.parametrize(
    "fn", [np.matmul, np.dot, lambda a, b: a @ b], ids=["np.matmul", "np.dot", "@"]
)
@pytest.mark.parametrize("kind", ["dense", "seed"])
def test_matmul_and_dot_shapes_and_values(fn, sa, sb, kind):
    M, N = _constant(sa, 1), _constant(sb, 2)
    A, B = _jet(sa), _jet(sb, kind, offset=0.5)
    A0, B0 = np.nan_to_num(A.value), np.nan_to_num(B.value)  # numpy's shapes/errors
    try:
        want_shape = np.shape(fn(M, N))
    except Exception as exc:
        for a, b in ((M, B), (A, N), (A, B)):
            with pytest.raises(type(exc)) as info:
                fn(a, b)
            assert str(info.value) == str(exc)
        return
    for a, b in ((M, B), (A, N)):  # with a constant: coefficient-wise
        r = fn(a, b)
        assert isinstance(r, Jet) and r.shape == want_shape
        jet = a if isinstance(a, Jet) else b
        if fn is np.dot and not (sa and sb):  # numpy: np.dot with a 0-d operand is a * b
            np.testing.assert_array_equal(r.coeffs, (a * b).coeffs)
            continue
        want = [fn(np.asarray(c), b) if jet is a else fn(a, np.asarray(c)) for c in jet.coeffs]
        # sums of products in another order: rounding relative to the terms' size
        size = [
            fn(np.abs(np.asarray(c)), np.abs(b))
            if jet is a
            else fn(np.abs(a), np.abs(np.asarray(c)))
            for c in jet.coeffs
        ]
        err = np.abs(np.asarray(r.coeffs) - np.stack(want))
        assert np.all((err <= 1e-14 * (1 + np.stack(size))) | np.isnan(np.stack(want)))
    r = fn(A, B)  # two jets: the bilinear formula
    assert isinstance(r, Jet) and r.shape == want_shape == np.shape(fn(A0, B0))
    # (np.dot with a 0-d operand is multiplication; numpy's BLAS path would give
    # 0 * nan == 0, so the reference multiplies)
    ref = np.multiply if fn is np.dot and not (sa and sb) else fn
    want = _bilinear(lambda x, y: ref(np.asarray(x), np.asarray(y)), A, B)
    np.testing.assert_allclose(r.coeffs, want, rtol=1e-13, atol=1e-13)


def test_matmul_of_a_scalar_jet_raises_like_numpy():
    x = _jet(())
    M = np.ones((2, 2))
    for a, b, va, vb in (
        (x, M, np.float64(1.0), M),
        (M, x, M, np.float64(1.0)),
        (x, x, np.float64(1.0), np.float64(1.0)),
    ):
        with pytest.raises(ValueError) as info:
            a @ b
        with pytest.raises(ValueError) as want:
            np.matmul(va, vb)
        assert str(info.value) == str(want.value)
        assert "does not have enough dimensions" in str(info.value)
    with pytest.raises(TypeError, match="cannot combine a jet with str"):
        _jet((3,)) @ "abc"
    # np.dot with a 0-d operand is multiplication
    np.testing.assert_array_equal(np.dot(x, M).coeffs, (x * M).coeffs)
    np.testing.assert_array_equal(np.dot(M, x).coeffs, (M * x).coeffs)


@pytest.mark.parametrize(
    "shapes", [((4, 2, 3), (3,)), ((4, 2, 3), (3, 5)), ((4, 2, 3), (4, 3, 5))], ids=str
)
def test_stacked_constant_times_jet_is_coefficientwise(shapes):
    # the reported bug: the coefficient axis was used as a matmul batch axis
    M = _constant(shapes[0])
    J = _jet(shapes[1])
    r = M @ J
    for i, c in enumerate(J.coeffs):
        np.testing.assert_allclose(r.coeffs[i], M @ c, rtol=1e-14, atol=1e-15)
    N = _constant((4, 3, 5))
    for Js in [(3,), (2, 3), (4, 2, 3), (1, 2, 3)]:
        J = _jet(Js)
        r = J @ N
        assert r.shape == np.shape(np.ones(Js) @ N)
        for i, c in enumerate(J.coeffs):
            np.testing.assert_allclose(r.coeffs[i], c @ N, rtol=1e-14, atol=1e-15)


def test_jet_matmul_jet_second_order_coefficients_match_sympy():
    x, y = sp.symbols("x y")
    x0, y0 = 0.3, -0.7
    A_expr = sp.Matrix([[sp.sin(x) * y, x**2, sp.exp(y)], [x * y, sp.cos(x + y), 1 + x]])
    B_expr = sp.Matrix([[sp.exp(x), y], [x - y, x * y**2], [sp.sin(y), sp.cos(x)]])
    P = A_expr @ B_expr  # (2, 2)
    X, Y = jets.variables([x0, y0], 2)
    env = {"sin": jets.sin, "cos": jets.cos, "exp": jets.exp}
    f_a = sp.lambdify((x, y), A_expr.tolist(), modules=[env, "numpy"])
    f_b = sp.lambdify((x, y), B_expr.tolist(), modules=[env, "numpy"])

    def as_jets(rows):
        return jets.stack(
            [jets.stack([e if isinstance(e, Jet) else e + 0 * X for e in r]) for r in rows]
        )

    A, B = as_jets(f_a(X, Y)), as_jets(f_b(X, Y))
    for R in (A @ B, np.matmul(A, B), np.dot(A, B)):
        assert R.shape == (2, 2)
        for i, j in itertools.product(range(2), repeat=2):
            for alpha in [(0, 0), (1, 0), (0, 1), (2, 0), (1, 1), (0, 2)]:
                want = float(sp.diff(P[i, j], x, alpha[0], y, alpha[1]).subs({x: x0, y: y0}))
                np.testing.assert_allclose(R[i, j].partial(alpha), want, rtol=1e-13, atol=1e-13)


# ------------------------------------------------------------- powers
@pytest.mark.parametrize(
    "exponent",
    [
        np.array([2.0, 2.0]),
        np.array([2.0, 3.0]),
        np.array([2, 2]),
        np.full((2, 3), 2.0),
        np.array([[2.0, 3.0, 0.5], [-1.0, 0.0, 4.0]]),
        np.array([[3.0], [3.0]]),
        np.array([0.0, 0.0]),
        np.array([-2.0, -2.0, -2.0]),
    ],
    ids=lambda e: str(e.tolist()),
)
@pytest.mark.parametrize(
    "base",
    [1.5, np.array([0.5, 2.0]), np.array([[1.5], [np.nan]])],
    ids=["scalar", "(2,)", "(2, 1) with nan"],
)
def test_power_with_an_exponent_array_has_numpy_shape_and_derivatives(base, exponent):
    try:
        shape = np.shape(np.power(base, exponent))
    except ValueError:
        with pytest.raises(ValueError):
            jets.variable(base, 3) ** exponent
        return
    x = jets.variable(base, 3)
    r = x**exponent
    assert r.shape == shape
    # d^k/dx^k x^e = e (e-1) ... (e-k+1) x^(e-k), by numpy on the values
    b, e = np.broadcast_arrays(np.asarray(base, float), exponent.astype(float))
    fall = np.ones(shape)
    bad = np.isnan(b)  # nan points
    with np.errstate(all="ignore"):
        for k in range(4):
            want = np.where(fall == 0, 0.0, fall * b ** (e - k))
            got = r.derivative(k)
            np.testing.assert_allclose(got[~bad], want[~bad], rtol=1e-13, atol=1e-13)
            # at a nan point: nan, or the exact number where it does not depend on
            # the point (a vanishing derivative of x**2; numpy's nan**0 == 1)
            assert np.all(np.isnan(got[bad]) | (got[bad] == want[bad]))
            fall = fall * (e - k)
