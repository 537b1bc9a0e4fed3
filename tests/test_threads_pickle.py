"""Immutability, pickle / deepcopy round-trips, and the cached space tables
under threads.

Jets are values: no operation changes a jet, no array handed in or out aliases
one, a pickled jet comes back equal and in the same (cached) space, and many
threads building and using new spaces at once get exactly the serial results.
"""

import copy
import importlib
import pickle
import threading
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from functools import lru_cache

import numpy as np
import pytest

import jets

space_module = importlib.import_module("jets.space")


def _fresh_space_cache(monkeypatch):
    """An empty space cache for this test (the session's cache, and the spaces
    other tests hold, come back untouched afterwards)."""
    monkeypatch.setattr(space_module, "_cached", lru_cache(maxsize=256)(space_module.JetSpace))


def _same(a, b):
    """Same space, dtype, shape and coefficients (NaNs in the same places)."""
    assert a.space == b.space and a.dtype == b.dtype and a.shape == b.shape
    ca, cb = np.asarray(a.coeffs), np.asarray(b.coeffs)
    if ca.dtype == object:
        assert ca.tolist() == cb.tolist()
    else:
        np.testing.assert_array_equal(ca, cb)


# ----------------------------------------------------------------- immutability
@pytest.mark.parametrize("op", ["+=", "-=", "*=", "/=", "**=", "@="])
def test_augmented_assignment_never_changes_the_other_name(op):
    x = jets.variable(np.array([1.5, 2.5]), 3)
    before = np.array(x.coeffs)
    y = x
    if op == "+=":
        y += 1
    elif op == "-=":
        y -= x
    elif op == "*=":
        y *= 2.0
    elif op == "/=":
        y /= 3
    elif op == "**=":
        y **= 2
    else:
        y @= x
    assert y is not x
    np.testing.assert_array_equal(x.coeffs, before)


def test_augmented_assignment_into_an_array_or_list():
    x = jets.variable(np.array([1.5, 2.5]), 2)
    items = [x]
    items[0] += 1
    assert float(x.value[0]) == 1.5
    a = np.ones(2)
    with pytest.raises(TypeError):
        a += x  # would silently drop the derivatives
    assert a.tolist() == [1.0, 1.0]


def test_coeffs_value_and_views_are_read_only():
    x, y = jets.variables([np.arange(6.0).reshape(2, 3), np.ones((2, 3))], 2)
    f = x * y
    for arr in (
        f.coeffs,
        f.value,
        f[0].coeffs,
        f.reshape(3, 2).coeffs,
        f.T.coeffs,
        f[:, 1].value,
        f.ravel().coeffs,
        np.squeeze(f[None]).coeffs,
    ):
        assert not arr.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            arr[...] = 0
    np.testing.assert_array_equal(f.value, np.arange(6.0).reshape(2, 3))


def test_item_assignment_raises():
    x = jets.variable(np.arange(3.0), 2)
    with pytest.raises(TypeError, match="immutable"):
        x[0] = 1
    with pytest.raises(TypeError, match="immutable"):
        x[1:] = x[:2]
    assert x.value.tolist() == [0.0, 1.0, 2.0]


def test_results_handed_out_are_copies():
    """Arrays returned by the readers may be modified without touching the jet."""
    x, y = jets.variables([1.0, 2.0], 2)
    f = x * x * y
    ref = np.array(f.coeffs)
    for arr in (
        f.gradient(),
        f.hessian(),
        f.partial((1, 1)),
        f.partials()[(2, 0)],
        jets.variable(np.arange(3.0), 3).derivatives(),
    ):
        arr = np.asarray(arr)
        if arr.flags.writeable:
            arr[...] = -99
    np.testing.assert_array_equal(f.coeffs, ref)


def test_seeding_copies_the_points():
    pts = np.array([1.0, 2.0])
    x = jets.variable(pts, 2)
    pts[0] = 50.0
    assert x.value.tolist() == [1.0, 2.0]
    assert pts.flags.writeable  # the caller's array is left alone


def test_public_constructor_does_not_alias_the_callers_array():
    S = jets.space(1, 2)
    base = np.zeros((3, 2))
    J = jets.Jet(S, base[:, :])
    base[1, 0] = 7.0
    assert J.coeffs[1].tolist() == [0.0, 0.0], "the jet changed when its source changed"
    c = np.zeros((3, 2))
    jets.Jet(S, c)
    assert c.flags.writeable, "jets.Jet made the caller's array read-only"


# ---------------------------------------------------------- pickle and deepcopy
def _examples():
    x, y, z = jets.variables(
        [np.array([0.5, 1.5]), np.array([2.0, -1.0]), np.array([0.25, 0.75])], 3
    )
    h1, h2 = jets.variables([1.0, 2.0], (1, 1))
    c1, c2 = jets.variables([1.0, 2.0], (4, 2))
    q = jets.variable(np.array([Fraction(1, 3), Fraction(2, 5)], dtype=object), 3)
    return {
        "batch": jets.sin(x * y) + z**3,
        "depends on a subset": jets.exp(x) + 0 * y,
        "one variable of three": jets.log(z),
        "constant jet": jets.floor(x),
        "scalar": jets.variable(0.5, 4) ** 0.5,
        "float32": jets.variable(np.float32(0.5), 3) * 2,
        "complex": jets.exp(jets.variable(1j, 3)),
        "fraction": q * q / (1 + q),
        "hyper-dual": h1 * h2 + jets.sin(h1),
        "caps": c1**3 * c2,
        "nan and inf": jets.log(jets.variable(np.array([0.0, -1.0, 2.0]), 2)),
        "2-d batch": jets.variable(np.arange(6.0).reshape(2, 3), 2) ** 2,
    }


@pytest.mark.parametrize("name", sorted(_examples()))
@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_pickle_round_trip(name, protocol):
    f = _examples()[name]
    g = pickle.loads(pickle.dumps(f, protocol=protocol))
    _same(f, g)
    assert g.space == f.space
    assert not g.coeffs.flags.writeable
    assert g.partials().keys() == f.partials().keys()
    _same(g + g, 2 * f)


def test_pickled_together_jets_stay_one_seeding_apart_not():
    """Jets pickled together keep sharing their seeding; an unpickled copy is a
    seeding of its own, so it never silently shares a direction with the original."""
    x, y = jets.variables([1.0, 2.0], 2)
    u, v = pickle.loads(pickle.dumps((x, y)))
    _same(u * v, x * y)
    with pytest.raises(TypeError, match="seeded separately"):
        u + x


@pytest.mark.parametrize("name", sorted(_examples()))
def test_deepcopy_and_copy_round_trip(name):
    f = _examples()[name]
    g = copy.deepcopy(f)
    _same(f, g)
    assert not np.shares_memory(np.asarray(f.coeffs), np.asarray(g.coeffs))
    assert not g.coeffs.flags.writeable
    _same(copy.copy(f), f)
    # deep-copying a container keeps jets usable together
    d = copy.deepcopy({"a": f, "b": [f, f]})
    _same(d["b"][0] - d["a"], 0 * f)


def test_spaces_pickle_to_the_cached_instance():
    S = jets.space(3, (2, 1, 4))
    assert pickle.loads(pickle.dumps(S)) is S
    assert copy.deepcopy(S) is S or copy.deepcopy(S) == S


# --------------------------------------------------------------------- threads
def _task(spec):
    """Build jets in a (possibly new) space and compute with variable subsets,
    products (few and many points) and recurrences; return coefficient arrays."""
    nvars, order, seed, npts = spec
    rng = np.random.default_rng(seed)
    pts = [rng.uniform(0.2, 1.5, npts) for _ in range(nvars)]
    xs = jets.variables(pts, order)
    x0 = xs[0]
    f = jets.sin(x0) * jets.exp(xs[-1]) + x0**3 / (1 + xs[-1] ** 2)
    if nvars > 1:
        f = f + jets.log(xs[1] + 2) * jets.arctan2(xs[0], xs[1]) + jets.sqrt(xs[1])
    g = jets.tanh(f) + jets.lgamma(x0 + 1) + jets.hypot(x0, f)
    h = pickle.loads(pickle.dumps(g * g))
    return [np.asarray(t.coeffs) for t in (f, g, h)] + [np.asarray(g[0].coeffs)]


SPECS = [
    (n, k, s, p)
    for s, (n, k) in enumerate(
        [
            (1, 9),
            (2, 5),
            (3, 4),
            (4, 3),
            (2, (3, 2)),
            (3, (1, 1, 1)),
            (5, 2),
            (2, 7),
            (3, 5),
            (1, 17),
            (4, (2, 1, 1, 2)),
            (6, 2),
        ]
    )
    for p in (1, 3, 40)
]


def test_threads_building_and_using_new_spaces_get_the_serial_results(monkeypatch):
    _fresh_space_cache(monkeypatch)
    serial = [_task(s) for s in SPECS]
    _fresh_space_cache(monkeypatch)  # the threads build every space anew
    barrier = threading.Barrier(8)

    def run(spec):
        try:
            barrier.wait(timeout=5)  # start together: maximal contention
        except threading.BrokenBarrierError:
            pass
        return _task(spec)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(run, SPECS * 3))
    for k, got in enumerate(results):
        want = serial[k % len(SPECS)]
        for a, b in zip(got, want, strict=True):
            np.testing.assert_array_equal(a, b)


def test_threads_share_one_space_object_per_key_or_equal_ones(monkeypatch):
    _fresh_space_cache(monkeypatch)
    with ThreadPoolExecutor(max_workers=8) as pool:
        spaces = list(pool.map(lambda _: jets.space(3, 6), range(32)))
    assert all(s == spaces[0] for s in spaces)
    # jets seeded in different threads are different variables, as anywhere
    with ThreadPoolExecutor(max_workers=4) as pool:
        parts = list(pool.map(lambda v: jets.variables([v, 1.0, 2.0], 6)[0], [0.5, 1.5]))
    with pytest.raises(TypeError, match="seeded separately"):
        parts[0] + parts[1]
