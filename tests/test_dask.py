"""Dask arrays of points (jets/chunked.py): lazy, chunked along the batch, and equal to the
numpy results bit for bit (np.array_equal, nan positions included), on one machine and on a
dask.distributed LocalCluster of two worker processes listening on 127.0.0.1 only.

Skipped, with the reason, when dask (or distributed, for the cluster tests) is not
installed: ``pip install 'jets[dask]'``.
"""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import jets

da = pytest.importorskip("dask.array", reason="dask is not installed: pip install 'jets[dask]'")
dask = pytest.importorskip("dask")

ROOT = Path(__file__).resolve().parent.parent


# ------------------------------------------------------------------- helpers
def same(a, b):
    """Bit-for-bit equality of results (arrays, tuples, dicts), nan where nan: shapes,
    dtypes and, for dicts, the keys in order."""
    if isinstance(b, tuple):
        return isinstance(a, tuple) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in b)
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind in "fc":
        # equal bits where both are numbers (signed zeros too), nan exactly where nan
        return bool(
            np.array_equal(np.isnan(a), np.isnan(b))
            and np.array_equal(np.signbit(a.real), np.signbit(b.real))
            and np.array_equal(a, b, equal_nan=True)
        )
    return bool(np.array_equal(a, b))


def lazy(r):
    """Every array of a result is a dask array (nothing computed)."""
    if isinstance(r, tuple):
        return all(map(lazy, r))
    if isinstance(r, dict):
        return all(map(lazy, r.values()))
    return isinstance(r, da.Array)


def f1(t):
    """W1 of the benchmarks: exp(sin t) / (1 + t^2)."""
    return np.exp(np.sin(t)) / (1 + t**2)


def g3(x):
    """A scalar function of 3 variables with a singular point (x2 = 0: log, 1/x)."""
    return np.exp(x[0]) * np.sin(x[1]) + 0.5 * np.log(x[2] ** 2) / (1 + x[0] ** 2)


def v3(x):
    """A vector function (m = 2) of 3 variables."""
    return [np.exp(x[0]) * np.sin(x[1]), x[0] * x[1] ** 2 + np.sqrt(x[2])]


def points1(size=1000):
    """Points of one variable: a grid with +-inf, 0, -0, huge and tiny values (nan: see
    dask_points)."""
    x = np.linspace(-4.0, 4.0, size)
    x[1:8] = [np.inf, -np.inf, 0.0, -0.0, 1e300, 5e-324, -1e-300]
    return x


def points3(shape=(30, 40), seed=0):
    """(3, *shape) points: random, with inf, a zero third coordinate and a negative one
    (sqrt's domain edge and outside), and the origin (nan: see dask_points)."""
    X = np.random.default_rng(seed).normal(size=(3,) + shape)
    X[1, 0, 1] = np.inf
    X[2, 0, 2] = 0.0
    X[2, 0, 3] = -0.0
    X[:, 1, 1] = 0.0
    return X


def dask_points(X, chunks, va=None):
    """(X with a nan point at the start of every chunk, the dask array of it).

    Every chunk holds a nan point (nan poisoning at the chunk edges); nan in some chunks
    only: test_nan_in_some_chunks_equals_numpy_bit_for_bit."""
    X = np.array(X)
    d = da.from_array(X, chunks=chunks)
    idx = [
        np.arange(s) if i == va else np.cumsum((0,) + c[:-1]).astype(int)
        for i, (s, c) in enumerate(zip(X.shape, d.chunks, strict=True))
    ]
    X[np.ix_(*idx)] = np.nan
    return X, da.from_array(X, chunks=chunks)


# ------------------------------------------------------------------ import cost
def test_import_jets_does_not_import_dask():
    """`import jets` and the numpy path never import dask (the routing is a type check)."""
    code = (
        "import sys, numpy as np, jets\n"
        "jets.hessian(lambda x: x[0] * x[1], np.ones((2, 3)))\n"
        "jets.solve_ivp(lambda t, y: [-y[0]], (0, 1), np.ones((1, 3)))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------- one variable
@pytest.mark.parametrize("chunks", [1000, 250, 37, 7])
@pytest.mark.parametrize(
    "fn, args",
    [(jets.derivatives, (8,)), (jets.taylor, (6,)), (jets.derivative, (3,))],
    ids=["derivatives", "taylor", "derivative"],
)
def test_one_variable_equals_numpy(fn, args, chunks):
    x, xd = dask_points(points1(), chunks)
    r = fn(f1, xd, *args)
    assert lazy(r)
    assert r.chunks[-1] == xd.chunks[0]  # batch chunks as x's, new axes one chunk
    with np.errstate(all="ignore"):
        assert same(r.compute(), fn(f1, x, *args))


def test_one_variable_multi_axis_batch_vector_f_and_error():
    x, xd = dask_points(points1(1200).reshape(30, 40), (7, 9))
    vec = lambda t: [f1(t), np.cos(t) * t]
    with np.errstate(all="ignore"):
        for f in (f1, vec):
            r = jets.derivatives(f, xd, 5, error=True)
            assert lazy(r)
            assert same(dask.compute(r)[0], jets.derivatives(f, x, 5, error=True))
        r = jets.taylor(vec, xd, 3)
        assert r.shape == (4, 2, 30, 40)
        assert r.chunks[:2] == ((4,), (2,)) and r.chunks[2:] == xd.chunks
        assert same(r.compute(), jets.taylor(vec, x, 3))


# --------------------------------------------------------- several variables
CALLS = [
    ("gradient", lambda f, X, **k: jets.gradient(f, X, **k)),
    ("jacobian", lambda f, X, **k: jets.jacobian(f, X, **k)),
    ("hessian", lambda f, X, **k: jets.hessian(f, X, **k)),
    ("tensor3", lambda f, X, **k: jets.derivative_tensor(f, X, 3, **k)),
    ("tensor0", lambda f, X, **k: jets.derivative_tensor(f, X, 0, **k)),
    ("partial", lambda f, X, **k: jets.partial(f, X, (1, 2, 0), **k)),
    ("partial-order", lambda f, X, **k: jets.partial(f, X, (1, 0, 1), order=3, **k)),
    ("partials", lambda f, X, **k: jets.partials(f, X, 2, **k)),
    ("partials-caps", lambda f, X, **k: jets.partials(f, X, (1, 2, 1), **k)),
    ("laplacian", lambda f, X, **k: jets.laplacian(f, X, **k)),
    ("value_grad_hessian", lambda f, X, **k: jets.value_grad_hessian(f, X, **k)),
]
ERROR = {"gradient", "jacobian", "hessian", "tensor3", "partial", "partials"}


@pytest.mark.parametrize("f", [g3, v3], ids=["scalar", "vector"])
@pytest.mark.parametrize("name, call", CALLS, ids=[c[0] for c in CALLS])
def test_several_variables_equal_numpy(name, call, f):
    # the variable axis chunked too (rechunked into one), batch chunks of 77 and fewer
    # than 64 points (the kernels' small-batch path)
    X, Xd = dask_points(points3(), (2, 7, 11), va=0)
    with np.errstate(all="ignore"):
        kws = [{}, {"error": True}] if name in ERROR else [{}]
        for kw in kws:
            r = call(f, Xd, **kw)
            assert lazy(r)
            assert same(dask.compute(r)[0], call(f, X, **kw)), kw


@pytest.mark.parametrize("name, call", CALLS, ids=[c[0] for c in CALLS])
def test_variables_last_axis(name, call):
    """axis=-1: points (*batch, n), row-major; f indexes x[..., i]."""
    X, Xd = dask_points(np.moveaxis(points3(), 0, -1), (8, 13, 3), va=2)
    g = lambda x: g3(np.moveaxis(x, -1, 0))
    with np.errstate(all="ignore"):
        r = call(g, Xd, axis=-1)
        assert lazy(r)
        assert same(dask.compute(r)[0], call(g, X, axis=-1))


def test_output_chunks_and_shapes():
    X = points3((50, 20))
    Xd = da.from_array(X, chunks=(1, 10, 20))
    H = jets.hessian(v3, Xd)
    assert H.shape == (2, 3, 3, 50, 20)
    assert H.chunks == ((2,), (3,), (3,), (10,) * 5, (20,))
    g = lambda x: g3(np.moveaxis(x, -1, 0))
    G = jets.gradient(g, da.from_array(np.moveaxis(X, 0, -1), chunks=(10, 5, 1)), axis=-1)
    assert G.chunks == ((10,) * 5, (5,) * 4, (3,))
    d = jets.partials(g3, Xd, 1)
    assert list(d) == [(0, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1)]
    assert all(a.chunks == ((10,) * 5, (20,)) for a in d.values())


def test_few_points_in_many_chunks():
    """At most 64 points in all: one chunk (the kernels' small-batch path, as numpy)."""
    X, Xd = dask_points(points3((3, 5)), (3, 1, 2), va=0)
    with np.errstate(all="ignore"):
        r = jets.hessian(v3, Xd, error=True)
        assert same(dask.compute(r)[0], jets.hessian(v3, X, error=True))
    assert jets.derivatives(f1, da.from_array(points1(10), chunks=3), 4).npartitions == 1
    x, xd = dask_points(points1(50), 50)  # one chunk of 50 points: not padded
    with np.errstate(all="ignore"):
        for f in (g3, v3):
            r = jets.hessian(f, da.stack([xd, xd[::-1], xd * 0.5]), error=True)
            ref = jets.hessian(f, np.stack([x, x[::-1], x * 0.5]), error=True)
            assert same(dask.compute(r)[0], ref)


def test_one_point_without_batch():
    X = np.array([0.5, 1.5, 2.0])
    r = jets.hessian(g3, da.from_array(X, chunks=1))
    assert r.shape == (3, 3)
    assert same(r.compute(), jets.hessian(g3, X))


@pytest.mark.parametrize("vkind", ["one", "numpy", "dask", "broadcast"])
def test_directional_and_hvp(vkind):
    X, Xd = dask_points(points3(), (3, 7, 40), va=0)
    V = np.random.default_rng(1).normal(size=X.shape)
    v = {
        "one": np.array([1.0, -2.0, 0.5]),
        "numpy": V,
        "dask": da.from_array(V, chunks=(1, 30, 9)),
        "broadcast": da.from_array(V[:, :1, :], chunks=(3, 1, 20)),
    }[vkind]
    vn = v.compute() if isinstance(v, da.Array) else v
    with np.errstate(all="ignore"):
        for f in (g3, v3):
            r = jets.directional(f, Xd, v, 4)
            assert lazy(r)
            assert same(r.compute(), jets.directional(f, X, vn, 4))
            r = jets.hvp(f, Xd, v)
            assert same(r.compute(), jets.hvp(f, X, vn))


def test_complex_points():
    z, zd = dask_points((points1(300) + 1j * points1(300)[::-1]).reshape(10, 30), (3, 7))
    with np.errstate(all="ignore"):
        r = jets.derivatives(np.exp, zd, 4)
        assert r.dtype == np.complex128
        assert same(r.compute(), jets.derivatives(np.exp, z, 4))


def test_float32_points():
    x, xd = dask_points(points1(500).astype(np.float32), 33)
    with np.errstate(all="ignore"):
        r = jets.derivatives(np.sin, xd, 3)
        assert same(r.compute(), jets.derivatives(np.sin, x, 3))


def test_nan_in_some_chunks_equals_numpy_bit_for_bit():
    """nan at one point only: the chunks without it equal numpy on the whole batch bit
    for bit (signed zeros, and the numbers at infinite points, too): a point's result
    never depends on another point being nan (engine.finish keeps the batch's layout)."""
    X = points3((2, 100)).reshape(3, 200)  # the infinite coordinate at point 1
    X[:, 130] = np.nan
    Xd = da.from_array(X, chunks=(3, 100))  # (chunks of more than 64 points, see apply)
    with np.errstate(all="ignore"):
        for f in (g3, v3):
            got = jets.hessian(f, Xd, error=True)
            assert same(dask.compute(got)[0], jets.hessian(f, X, error=True))
            ref = [jets.hessian(f, X[:, a : a + 100], error=True) for a in (0, 100)]
            ref = tuple(np.concatenate([r[i] for r in ref], axis=-1) for i in (0, 1))
            assert same(dask.compute(got)[0], ref)


def test_lazy_f_runs_only_on_an_empty_probe_until_compute():
    seen = []

    def f(x):
        seen.append(x.shape)
        return g3(x)

    Xd = da.from_array(points3(), chunks=(3, 10, 40))
    r = jets.hessian(f, Xd)
    assert seen == [(3, 0, 0)]  # the layout probe: no points
    with np.errstate(all="ignore"):
        r.compute(scheduler="sync")
    assert sorted(seen[1:]) == [(3, 10, 40)] * 3


# ------------------------------------------------------------------- errors
def test_errors_name_the_problem():
    Xd = da.from_array(points3(), chunks=(3, 10, 40))
    with pytest.raises(ValueError, match="does not broadcast"):
        jets.directional(g3, Xd, np.ones((3, 7)), 2)
    with pytest.raises(TypeError, match="pass `x` as a dask array too"):
        jets.hvp(g3, points3(), da.ones((3, 30, 40)))
    with pytest.raises(np.exceptions.AxisError):
        jets.gradient(g3, Xd, axis=3)
    with pytest.raises(ValueError, match="alpha"):  # the numpy checks run when building
        jets.partial(g3, Xd, (1, 2))
    y = da.from_array(points1(), chunks=100)
    unknown = y[y > 0]
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        jets.derivatives(f1, unknown, 3)
    with pytest.raises(ValueError, match="0-d dask array"):
        jets.gradient(g3, da.from_array(np.float64(1.0)))


# ---------------------------------------------------------------- solve_ivp
def pendulum(t, y, k):
    return [y[1], -k * np.sin(y[0])]


def ensemble(size=300, seed=0):
    rng = np.random.default_rng(seed)
    y0 = np.stack([rng.uniform(-3, 3, size), rng.uniform(-2, 2, size)])
    y0[:, 3] = [np.pi, 0.0]  # an equilibrium
    y0[:, 4] = [0.0, 0.0]  # at rest
    return y0, rng.uniform(0.5, 2.0, size)


@pytest.mark.parametrize("chunks", [300, 41, 10])
def test_solve_ivp_ensemble_equals_numpy(chunks):
    y0, k = ensemble()
    te = np.linspace(0.0, 4.0, 5)
    # max_steps=15: about half the trajectories fail (status -1, nan after the failure)
    opts = dict(t_eval=te, rtol=1e-9, atol=1e-9, max_steps=15)
    ref = jets.solve_ivp(pendulum, (0.0, 4.0), y0, args=(k,), **opts)
    r = jets.solve_ivp(
        pendulum, (0.0, 4.0), da.from_array(y0, chunks=(1, chunks)), args=(k,), **opts
    )
    assert lazy(r.y) and r.y.shape == (2, 300, 5)
    y, nsteps, statuses, status, success, nfev = dask.compute(
        r.y, r.nsteps, r.statuses, r.status, r.success, r.nfev
    )
    assert same(y, ref.y)
    assert same(nsteps, ref.nsteps) and same(statuses, ref.statuses)
    assert int(status) == ref.status == -1 and bool(success) is ref.success is False
    assert int(nfev) == ref.nfev
    assert same(r.t, ref.t)


def test_solve_ivp_two_batch_axes_dask_args_default_t_eval():
    y0, k = ensemble(240, seed=1)
    y0, k = y0.reshape(2, 12, 20), k.reshape(12, 20)
    ref = jets.solve_ivp(pendulum, (0.0, -2.0), y0, args=(k,), rtol=1e-8, atol=1e-8)
    r = jets.solve_ivp(
        pendulum,
        (0.0, -2.0),
        da.from_array(y0, chunks=(2, 5, 7)),
        args=(da.from_array(k, chunks=(4, 20)),),
        rtol=1e-8,
        atol=1e-8,
    )
    assert same(r.y.compute(), ref.y)
    assert same(r.statuses.compute(), ref.statuses)


def test_solve_ivp_unsupported_options_name_the_fix():
    y0 = da.ones((2, 10), chunks=(2, 5))
    with pytest.raises(ValueError, match="events are not supported"):
        jets.solve_ivp(pendulum, (0, 1), y0, args=(1.0,), events=lambda t, y, k: y[0])
    with pytest.raises(ValueError, match="dense_output"):
        jets.solve_ivp(pendulum, (0, 1), y0, args=(1.0,), dense_output=True)
    with pytest.raises(ValueError, match="batch shape"):
        jets.solve_ivp(pendulum, (0, 1), y0, args=(da.ones(3),))
    with pytest.raises(ValueError, match="ensemble"):
        jets.solve_ivp(pendulum, (0, 1), da.ones(2), args=(1.0,))


# ------------------------------------------------------------- LocalCluster
@pytest.fixture(scope="module")
def client():
    """Two worker processes, one thread each, listening on 127.0.0.1 only; closed after."""
    distributed = pytest.importorskip(
        "distributed", reason="dask.distributed is not installed: pip install 'jets[dask]'"
    )
    cluster = distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
        memory_limit=0,
    )
    c = distributed.Client(cluster)
    try:
        yield c
    finally:
        c.close()
        cluster.close()


def test_cluster_listens_on_localhost_and_runs_this_jets(client):
    info = client.scheduler_info()
    addresses = [info["address"]] + list(info["workers"])
    assert len(info["workers"]) == 2
    assert all(a.startswith("tcp://127.0.0.1:") for a in addresses)
    where = client.run(lambda: __import__("jets").__file__)
    assert set(where.values()) == {jets.__file__}


def test_cluster_results_equal_numpy(client):
    x, xd = dask_points(points1(20_000), 2500)
    X, Xd = dask_points(points3((60, 50)), (3, 15, 25), va=0)
    y0, k = ensemble()
    with np.errstate(all="ignore"):
        ref = (
            jets.derivatives(f1, x, 8),
            jets.hessian(v3, X, error=True),
            jets.partials(g3, X, 2),
            jets.solve_ivp(pendulum, (0.0, 3.0), y0, args=(k,), rtol=1e-9, atol=1e-9).y,
        )
    lazy_results = (
        jets.derivatives(f1, xd, 8),
        jets.hessian(v3, Xd, error=True),
        jets.partials(g3, Xd, 2),
        jets.solve_ivp(
            pendulum,
            (0.0, 3.0),
            da.from_array(y0, chunks=(2, 75)),
            args=(da.from_array(k, chunks=75),),
            rtol=1e-9,
            atol=1e-9,
        ).y,
    )
    got = dask.compute(*lazy_results, scheduler=client.get)  # on the cluster's workers
    for a, b in zip(got, ref, strict=True):
        assert same(a, b)


def test_graph_keys_are_unique_per_call():
    """Two calls that differ only in f (or in an argument) computed together keep their
    own results (the task keys hash the arguments)."""
    X = da.from_array(points3((20, 10)), chunks=(3, 10, 5))
    fa, fb = (lambda x: x[0] ** 2 * x[1]), (lambda x: x[0] ** 3 * x[1])
    with np.errstate(all="ignore"):
        A, B = dask.compute(jets.hessian(fa, X), jets.hessian(fb, X))
        assert same(A, jets.hessian(fa, X.compute())) and same(B, jets.hessian(fb, X.compute()))
    y0 = da.from_array(ensemble(40)[0], chunks=(2, 10))
    ra, rb = (jets.solve_ivp(pendulum, (0, 1), y0, args=(k,)).y for k in (1.0, 2.0))
    ya, yb = dask.compute(ra, rb)
    assert same(ya, jets.solve_ivp(pendulum, (0, 1), y0.compute(), args=(1.0,)).y)
    assert same(yb, jets.solve_ivp(pendulum, (0, 1), y0.compute(), args=(2.0,)).y)


def test_solve_ivp_checks_arguments_when_building():
    """The numpy solver's argument errors come at once, not at compute time."""
    y0 = da.ones((2, 10), chunks=(2, 5))
    with pytest.raises(ValueError, match="t_eval values must lie within t_span"):
        jets.solve_ivp(pendulum, (0, 1), y0, args=(1.0,), t_eval=[0.5, 2.0])
    with pytest.raises(ValueError, match="max_steps"):
        jets.solve_ivp(pendulum, (0, 1), y0, args=(1.0,), max_steps=0)
    with pytest.raises(ValueError, match="t_span"):
        jets.solve_ivp(pendulum, (0, np.inf), y0, args=(1.0,))
    with pytest.raises(TypeError):
        jets.solve_ivp(pendulum, (0, 1), y0)  # k missing


def test_directional_and_hvp_variables_last_axis():
    X, Xd = dask_points(np.moveaxis(points3(), 0, -1), (8, 13, 3), va=2)
    V = np.random.default_rng(2).normal(size=X.shape)
    g = lambda x: g3(np.moveaxis(x, -1, 0))
    with np.errstate(all="ignore"):
        for v in (V, da.from_array(V, chunks=(30, 7, 1)), np.array([0.5, 1.0, -1.0])):
            vn = v.compute() if isinstance(v, da.Array) else v
            got = jets.directional(g, Xd, v, 3, axis=-1)
            assert same(got.compute(), jets.directional(g, X, vn, 3, axis=-1))
            got = jets.hvp(g, Xd, v, axis=-1)
            assert same(got.compute(), jets.hvp(g, X, vn, axis=-1))
