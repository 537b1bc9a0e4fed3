"""Guards and clean errors (the trust issue "Guards and clean errors"): the real
cost of huge integer powers, bounded memory, spaces of many variables, the
exception types of bad input, and validated pickles with read-only caches.

References are independent of the engine: mpmath binomials, closed forms of
the graded order, brute-force enumeration with itertools, analytic gradients.
"""

import importlib
import itertools
import pickle
import tracemalloc
from decimal import Decimal

import mpmath
import numpy as np
import pytest

import jets
from jets import kernels as K

space_mod = importlib.import_module("jets.space")


# ------------------------------------------------ 1. huge integer powers
def _count_products(monkeypatch):
    calls = []
    real = K.product

    def counting(*args, **kw):
        calls.append(1)
        return real(*args, **kw)

    monkeypatch.setattr(K, "product", counting)
    return calls


def test_a_huge_integer_exponent_costs_a_few_products_not_its_squarings(monkeypatch):
    """1e308 as an exponent is an integer of 1024 bits: repeated squaring would
    take about 2000 products; above 2**20 the real-power recurrence takes none."""
    x, y = jets.variables([1.0, 2.0], 6)
    calls = _count_products(monkeypatch)
    with np.errstate(all="ignore"):
        f = (x + y) ** 1e308
    assert len(calls) <= 4, len(calls)
    assert f.value == np.inf


@pytest.mark.parametrize("n", [2**21, 2**21 + 1, -(2**21 + 1), 3 * 2**40 + 1])
def test_huge_integer_powers_match_mpmath(n):
    """(x0 + h)**n = sum_d C(n, d) x0**(n - d) h**d, also for negative x0 (the
    sign follows the parity of n exactly, even where float(n) is rounded)."""
    mpmath.mp.dps = 40
    pts = np.array([1.0000001, -1.0000001, 1.0, -1.0, 0.9999999])
    order = 4
    with np.errstate(all="ignore"):
        c = (jets.variable(pts, order) ** n).coeffs
    for k, x0 in enumerate(pts):
        for d in range(order + 1):
            want = mpmath.binomial(n, d) * mpmath.mpf(x0) ** (n - d)
            if abs(want) > 1e300:
                continue
            assert c[d, k] == pytest.approx(float(want), rel=1e-12, abs=1e-300), (n, x0, d)


def test_huge_integer_powers_are_exact_at_a_zero_value():
    """(0 + h)**n = h**n: every coefficient up to the order is exactly 0 for a
    huge n, and the squaring path keeps the exact monomial for small n."""
    pts = np.array([0.0, 0.5, -0.0])
    big = jets.variable(pts, 5) ** (2**21 + 3)
    assert np.all(big.coeffs[:, [0, 2]] == 0)
    assert np.all(np.isfinite(big.coeffs))
    small = jets.variable(0.0, 6) ** 5
    assert small.coeffs.tolist() == [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0]
    u, v = jets.variables([0.0, 0.0], 4)
    assert np.all(((u + v) ** (2**22)).coeffs == 0)


# ------------------------------------------------------- 2. bounded memory
def _peak(fn):
    tracemalloc.start()
    try:
        out = fn()
        return out, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_product_of_jets_on_overlapping_variables_has_a_small_footprint():
    """(a0+...+a30)**3 * (a1+...+a31)**3 in 32 variables of order 3 built a
    (5984 x 5984 x 32) intermediate (9 GB); the tables now hold the pairs only."""
    a = jets.variables(np.arange(1.0, 33.0) / 32, 3)
    A, Bs = sum(a[:31]), sum(a[1:])
    assert A._vars == tuple(range(31)) and Bs._vars == tuple(range(1, 32))
    A3, B3 = A**3, Bs**3
    f, peak = _peak(lambda: A3 * B3)
    assert peak < 300 * 2**20, peak / 2**20
    # analytic: f = A^3 B^3, A = sum a_0..a_30, B = sum a_1..a_31
    av, bv = float(A.value), float(Bs.value)
    g = f.gradient()
    assert f.value == pytest.approx(av**3 * bv**3, rel=1e-14)
    assert g[0] == pytest.approx(3 * av**2 * bv**3, rel=1e-14)  # a0 only in A
    assert g[31] == pytest.approx(3 * av**3 * bv**2, rel=1e-14)  # a31 only in B
    assert g[5] == pytest.approx(3 * av**2 * bv**3 + 3 * av**3 * bv**2, rel=1e-14)
    e = [0] * 32
    e[0] = 1
    e[31] = 1  # d2f/da0 da31 = 9 A^2 B^2
    assert f.partial(tuple(e)) == pytest.approx(9 * av**2 * bv**2, rel=1e-14)


def test_cross_products_agree_with_the_full_product():
    """The pair tables built from index lists (cross_table) give the same
    product as the full-space product of the embedded factors."""
    rng = np.random.default_rng(3)
    for n, order, U, V in [
        (5, 3, (0, 1, 3), (1, 2, 4)),
        (6, 2, (0,), (1, 2, 3, 4, 5)),
        (4, 4, (0, 1), (1, 2)),
        (3, (2, 1, 2), (0, 1), (1, 2)),
    ]:
        S = jets.space(n, order)
        a, b = S.subspace(U), S.subspace(V)
        X = rng.standard_normal((a.ncoeffs, 2))
        Y = rng.standard_normal((b.ncoeffs, 2))
        got = K.cross_product(S, U, V, X, Y)
        W = tuple(sorted(set(U) | set(V)))
        dst = W if len(W) < n else None
        full = K.product(
            S.subspace(dst),
            jets.jet.embed(S, X, U, dst, full=True),
            jets.jet.embed(S, Y, V, dst, full=True),
        )
        np.testing.assert_allclose(
            K.pad(S.subspace(dst), got), K.pad(S.subspace(dst), full), rtol=1e-13, atol=1e-13
        )


def test_broadcasting_seeds_into_a_huge_result_is_refused_before_allocating():
    """(9000,) + (9000, 1) would make 81e6 points x 3 coefficients: refused with
    the size in GiB and the fix, before anything large is allocated."""
    x, y = jets.variables([np.arange(9000.0), np.arange(9000.0)[:, None]], 1)
    for op in (
        lambda: x + y,
        lambda: x * y,
        lambda: x / (y + 1),
        lambda: np.sin(x) - y,
        lambda: np.hypot(x, y),
    ):

        def attempt(op=op):
            with pytest.raises(ValueError) as info:
                op()
            return str(info.value)

        msg, peak = _peak(attempt)
        assert "GiB" in msg and "points" in msg and "split the batch" in msg, msg
        assert peak < 50 * 2**20, peak / 2**20


def test_broadcasting_within_the_limit_still_works():
    x, y = jets.variables([np.arange(300.0), np.arange(200.0)[:, None]], 1)
    f = x * y
    assert f.shape == (200, 300)
    np.testing.assert_array_equal(f.value, np.arange(200.0)[:, None] * np.arange(300.0))
    np.testing.assert_array_equal(
        f.partial((1, 0)), np.broadcast_to(np.arange(200.0)[:, None], (200, 300))
    )


# --------------------------------------------------- 3. many variables
def test_gradient_of_1000_variables_matches_2x():
    x = np.arange(1000.0)
    g = jets.gradient(lambda v: np.sum(v**2, axis=0), x)
    np.testing.assert_array_equal(g, 2 * x)
    h = jets.gradient(lambda v: np.sum(v**2, axis=0), np.stack([x, -x], axis=1))
    np.testing.assert_array_equal(h, np.stack([2 * x, -2 * x], axis=1))


def test_spaces_of_1000_variables_build_small():
    """Order 1 and 2 in 1000 variables: no recursion, nothing of ncoeffs x nvars
    (order 2 has 501501 coefficients), and the index follows the graded order:
    degree 2 lists x_i x_j (i <= j) with i ascending, then j."""
    n = 1000
    S1 = space_mod.JetSpace(n, 1)
    S2, peak2 = _peak(lambda: space_mod.JetSpace(n, 2))
    assert peak2 < 100 * 2**20, peak2 / 2**20
    assert S2.ncoeffs == 501501 and S1.ncoeffs == 1001
    off2 = 1 + n
    for i, j in [(0, 0), (0, 1), (0, 999), (1, 1), (17, 400), (998, 999), (999, 999)]:
        alpha = [0] * n
        alpha[i] += 1
        alpha[j] += 1
        want = off2 + sum(n - a for a in range(i)) + (j - i)
        assert S2.index[tuple(alpha)] == want, (i, j)
        assert S2.factorials[want] == (2.0 if i == j else 1.0)
    assert S1.index[tuple(int(k == 5) for k in range(n))] == 6
    assert tuple(int(k == 5) for k in range(n)) in S2.index
    assert (0,) * (n - 1) + (3,) not in S2.index


@pytest.mark.parametrize(
    "n, order",
    [(1, 6), (2, 5), (3, 4), (5, 2), (6, 3), (4, 1), (3, 0), (2, (2, 3)), (3, (1, 0, 2))],
)
def test_space_tables_match_brute_force(n, order):
    """Monomials in graded order (degree, then first exponent descending) from
    itertools, factorials from math, and every pair (i, j) landing on t with
    monomial(i) + monomial(j) == monomial(t), each product exactly once."""
    from math import factorial, prod

    S = jets.space(n, order)
    caps = order if isinstance(order, tuple) else (S.degree,) * n
    allm = [m for m in itertools.product(*[range(c + 1) for c in caps]) if sum(m) <= S.degree]
    allm.sort(key=lambda m: (sum(m), tuple(-v for v in m)))
    assert [tuple(int(v) for v in m) for m in S.monomials] == allm
    assert list(S.index) == allm and all(S.index[m] == k for k, m in enumerate(allm))
    assert S.factorials.tolist() == [float(prod(factorial(v) for v in m)) for m in allm]
    for d in range(S.degree + 1):
        i, j, starts = S.pairs(d)
        t = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(i)])) + S.offsets[d]
        np.testing.assert_array_equal(S.monomials[i] + S.monomials[j], S.monomials[t])
        want = {
            (a, b)
            for a in range(S.ncoeffs)
            for b in range(S.ncoeffs)
            if sum(allm[a]) + sum(allm[b]) == d
            and all(x + y <= c for x, y, c in zip(allm[a], allm[b], caps, strict=False))
        }
        assert set(zip(i.tolist(), j.tolist(), strict=False)) == want


# ------------------------------------------------- 4. exception types
def test_stack_of_no_jets_is_a_clear_error():
    np.testing.assert_array_equal(jets.stack([1.0, 2.0]), np.stack([1.0, 2.0]))  # no jet
    with pytest.raises(ValueError, match="stack needs at least one jet"):
        jets.stack([])
    with pytest.raises(ValueError, match="concatenate needs at least one jet"):
        jets.concatenate([])


def test_variables_of_a_scalar_is_a_type_error():
    for bad in (5, 2.5, np.float64(1.0), np.array(3.0)):
        with pytest.raises(TypeError, match="points must be a sequence"):
            jets.variables(bad, 1)


@pytest.mark.parametrize(
    "order",
    [np.array(3), np.int64(3), np.int32(3), np.array(3, np.int8)],
    ids=["0-d array", "int64", "int32", "int8 array"],
)
def test_numpy_integer_orders_work_everywhere(order):
    assert jets.variable(0.5, order).order == 3
    assert jets.variables([0.5, 1.0], order)[0].order == 3
    np.testing.assert_allclose(jets.derivatives(np.sin, 0.0, order), [0, 1, 0, -1], atol=0)
    np.testing.assert_allclose(jets.taylor(np.exp, 0.0, order), [1, 1, 1 / 2, 1 / 6])
    assert float(jets.derivative(np.sin, 0.0, order)) == -1.0
    d = jets.partials(lambda v: v[0] ** 2 * v[1], [3.0, 2.0], order)
    assert float(d[(2, 1)]) == 2.0 and float(d[(1, 1)]) == 6.0
    assert float(jets.partial(lambda v: v[0] * v[1], [3.0, 2.0], (1, 1), order=order)) == 1.0
    T = jets.derivative_tensor(lambda v: v[0] ** 2 * v[1], [3.0, 2.0], order)
    assert T[0, 0, 1] == 2.0


@pytest.mark.parametrize(
    "call",
    [
        lambda o: jets.variable(1.0, o),
        lambda o: jets.variables([1.0, 2.0], o),
        lambda o: jets.derivatives(np.sin, 1.0, o),
        lambda o: jets.taylor(np.sin, 1.0, o),
        lambda o: jets.partials(lambda v: v[0], [1.0, 2.0], o),
        lambda o: jets.space(2, o),
    ],
    ids=["variable", "variables", "derivatives", "taylor", "partials", "space"],
)
def test_a_float_order_is_the_same_type_error_everywhere(call):
    with pytest.raises(TypeError, match="write 2"):
        call(2.0)
    with pytest.raises(TypeError):
        call(True)


def test_a_space_too_large_for_a_float_count_is_a_value_error():
    with pytest.raises(ValueError) as info:
        jets.space(600, 600)
    msg = str(info.value)
    assert "coefficients" in msg and "GiB" in msg and "e+359" in msg, msg
    with pytest.raises(ValueError, match="coefficients"):
        jets.variables([0.0] * 600, 600)


@pytest.mark.parametrize(
    "seed",
    [
        lambda p: jets.variable(p, 2),
        lambda p: jets.variables([p, 1.0], 2),
        lambda p: jets.derivative(np.sin, p),
        lambda p: jets.gradient(np.sum, [p, 1.0]),
    ],
    ids=["variable", "variables", "derivative", "gradient"],
)
def test_decimal_points_are_refused_up_front(seed):
    for p in (Decimal("1.5"), [Decimal("1.5"), Decimal(2)]):
        with pytest.raises(TypeError) as info:
            seed(p)
        msg = str(info.value)
        assert "Decimal" in msg and "float(d)" in msg and "Fraction" in msg, msg


@pytest.mark.parametrize(
    "seed",
    [
        lambda p: jets.variable(p, 2),
        lambda p: jets.variables([p, p], 2),
        lambda p: jets.variables(np.ma.stack([p, p]), 2),
        lambda p: jets.derivative(np.sin, p),
        lambda p: jets.derivatives(np.sin, p, 2),
        lambda p: jets.gradient(lambda v: v[0] * v[1], np.ma.stack([p, p])),
    ],
    ids=[
        "variable",
        "variables",
        "variables of a masked stack",
        "derivative",
        "derivatives",
        "gradient",
    ],
)
def test_masked_arrays_are_refused_not_unmasked(seed):
    p = np.ma.masked_array([1.0, 2.0, 3.0], mask=[False, True, False])
    with pytest.raises(TypeError) as info:
        seed(p)
    msg = str(info.value)
    assert "masked" in msg and ".filled(" in msg and ".compressed()" in msg, msg


@pytest.mark.parametrize(
    "p", [True, np.bool_(False), np.array([True, False])], ids=["bool", "numpy bool", "bool array"]
)
def test_bool_points_are_refused_by_variable_and_derivative_alike(p):
    """Booleans are not numbers here (as in the functional API before): both
    seeding paths give the same TypeError."""
    for seed in (
        lambda: jets.variable(p, 2),
        lambda: jets.variables([p], 2),
        lambda: jets.derivative(np.sin, p),
        lambda: jets.gradient(np.sum, [p, p]),
    ):
        with pytest.raises(TypeError, match="bool"):
            seed()


# ------------------------------------------------------------- 6. pickles
def test_pickles_carry_a_version_and_round_trip():
    x, y = jets.variables([np.array([1.0, 2.0]), 3.0], (2, 1))
    for j in (x, y, x * y + np.sin(x), jets.constant(2.0, x)):
        _, args = j.__reduce__()
        assert args[3] == jets.jet.PICKLE_VERSION
        back = pickle.loads(pickle.dumps(j))
        np.testing.assert_array_equal(back.coeffs, j.coeffs)
        assert back.space == j.space  # a seeding's space comes back as a seeding
    _, args = x.space.__reduce__()
    assert args[0] == space_mod.PICKLE_VERSION
    assert pickle.loads(pickle.dumps(x.space)) == x.space
    S = jets.space(2, 3)  # the cached space comes back as itself
    assert pickle.loads(pickle.dumps(S)) is S


def test_unpickling_checks_version_and_content():
    from jets.jet import _rebuild

    S = jets.space(2, 3)
    good = np.zeros((10, 2))
    _rebuild(S, good, None, 1)
    _rebuild(S, good, None)  # a pickle from before versions
    bad = [
        ((S, good, None, 99), "unknown format version 99"),
        ((S, np.zeros((7, 2)), None, 1), "do not fill whole degrees"),
        ((S, np.zeros(()), None, 1), "not an array of shape"),
        ((S, np.array([["a"]] * 10), None, 1), "not numbers"),
        ((S, np.zeros((10, 2), dtype=bool), None, 1), "not numbers"),
        ((S, good, (1, 0), 1), "sorted tuple"),
        ((S, good, (0, 7), 1), "sorted tuple"),
        ((S, good, [0], 1), "sorted tuple"),
        (("not a space", good, None, 1), "not a JetSpace"),
    ]
    for args, words in bad:
        with pytest.raises(ValueError, match="cannot unpickle a Jet") as info:
            _rebuild(*args)
        assert words in str(info.value), (args[2:], str(info.value))
    with pytest.raises(ValueError, match="unknown format version"):
        space_mod._unpickle(7, 2, 3)
    with pytest.raises(ValueError, match="cannot unpickle a JetSpace"):
        space_mod._unpickle(1, 2, -3)
    # a tampered pickle stream is refused the same way
    blob = pickle.dumps(jets.variable(1.0, 2)).replace(b"K\x01", b"K\x09")
    with pytest.raises(ValueError, match="version"):
        pickle.loads(blob)


def _arrays(obj, seen=None):
    """Every ndarray reachable from a space's slots and caches."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return []
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        return [obj]
    out = []
    if isinstance(obj, (list, tuple)):
        for o in obj:
            out += _arrays(o, seen)
    elif isinstance(obj, dict):
        for o in obj.values():
            out += _arrays(o, seen)
    elif isinstance(obj, space_mod.JetSpace):
        for name in space_mod.JetSpace.__slots__:
            if name != "__weakref__" and hasattr(obj, name):
                out += _arrays(getattr(obj, name), seen)
    return out


@pytest.mark.parametrize("n, order", [(3, 3), (2, (2, 2)), (6, 2)])
def test_cached_tables_are_read_only(n, order):
    rng = np.random.default_rng(0)
    pts = rng.standard_normal(n)
    xs = jets.variables([np.full(100, p) for p in pts], order)
    f = (xs[0] + xs[1]) * (xs[1] + xs[-1]) / (2 + xs[1] ** 2)  # cross, divide
    f = np.exp(f) * np.sin(xs[0] * xs[-1]) + jets.stack(xs).sum(axis=0) ** 2
    f[:3] * f[:3]  # the small-batch table
    S = f.space
    for d in range(S.degree + 1):
        S.support_pairs(d, d, d, (0,))  # no pair at all for d > 0 (the constant has degree 0)
    arrays = _arrays(S)
    assert len(arrays) > 10
    for a in arrays:
        assert not a.flags.writeable, a.shape
        if a.size:
            with pytest.raises(ValueError, match="read-only"):
                a.reshape(-1)[0] = a.reshape(-1)[0]
