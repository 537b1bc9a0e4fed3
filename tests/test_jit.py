"""jets.jit: compiled functions give what eager jets gives.

Every test compares jets.jit(f) with eager f on the same jets (to 1e-14 of
the size of the coefficients of each degree, or exactly where the replay runs
the eager rules), with sympy on a few, at batches, edge points and nan; and
checks the retracing, the refusal of control flow, the path without numba (and
its one warning), the disk cache across processes, and the corpus and fuzz
expressions through jets.jit.
"""

import importlib
import json
import math
import os
import subprocess
import sys
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

import fuzz_gen as FG
import jets

J = importlib.import_module("jets.jit")
ROOT = Path(__file__).resolve().parents[1]
HAVE_NUMBA = J._numba(wait=True) is not None


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("JETS_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "jets-cache"))


def close(got, want, rtol=1e-14):
    """got == want to rtol of max(|want|, the largest |want| of its row (one
    coefficient over the points)); nan and inf at the same places."""
    got, want = np.asarray(got, dtype=complex), np.asarray(want, dtype=complex)
    assert got.shape == want.shape
    same_nan = np.isnan(got) == np.isnan(want)
    assert same_nan.all(), "nan at different places"
    fin = np.isfinite(want)
    assert np.all(np.isfinite(got) == fin), "inf at different places"
    assert np.all(got[~fin & ~np.isnan(want)] == want[~fin & ~np.isnan(want)])
    g, w = np.where(fin, got, 0), np.where(fin, want, 0)
    rows = w.reshape(w.shape[0], -1) if w.ndim else w.reshape(1, 1)
    scale = np.abs(rows).max(axis=1)
    scale = scale.reshape((-1,) + (1,) * (w.ndim - 1)) if w.ndim else scale[0]
    err = np.abs(g - w)
    assert np.all(err <= rtol * np.maximum(np.abs(w), scale) + 1e-300), float(
        np.max(err / np.maximum(np.maximum(np.abs(w), scale), 1e-300))
    )


def w1(x):
    return np.exp(np.sin(x)) / (1 + x**2)


def run_script(script, cache, jit_mode=None):
    """Run `script` in a fresh Python with JETS_CACHE_DIR=cache (JETS_JIT=jit_mode, or
    unset); the CompletedProcess (a nonzero exit code fails the test, showing stderr)."""
    env = dict(os.environ, JETS_CACHE_DIR=str(cache), PYTHONPATH=str(ROOT))
    env.pop("JETS_JIT", None)
    if jit_mode is not None:
        env["JETS_JIT"] = jit_mode
    r = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        cwd=str(ROOT),
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    return r


def w2(X):
    x, y, z = X
    return np.exp(x * y) * np.sin(z + x) / (1 + y**2 + z**2)


# ---------------------------------------------------------------- agreement
@pytest.mark.parametrize("k", [0, 1, 3, 4, 8, 32])
@pytest.mark.parametrize("shape", [(), (7,), (2, 3)])
def test_univariate_matches_eager(k, shape):
    x = np.linspace(-2.5, 2.5, math.prod(shape)).reshape(shape)
    g = jets.jit(w1)
    for _ in range(2):  # recording call, then the compiled one
        close(jets.derivatives(g, x, k), jets.derivatives(w1, x, k))


def test_univariate_matches_sympy():
    t = sp.Symbol("t")
    expr = sp.exp(sp.sin(t)) / (1 + t**2)
    xs = [-1.5, 0.25, 2.0]
    want = np.array(
        [
            [float(sp.diff(expr, t, d).subs(t, sp.Rational(v).limit_denominator())) for v in xs]
            for d in range(7)
        ]
    )
    got = jets.derivatives(jets.jit(w1), np.array(xs), 6)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    g = jets.jit(lambda t: t**3)
    assert jets.derivatives(g, 4.0, 3).tolist() == [64.0, 48.0, 24.0, 6.0]
    h = jets.jit(lambda X: (X[0] + 2 * X[1]) ** 3)
    assert jets.hessian(h, [4.0, 3.0]).tolist() == [[60.0, 120.0], [120.0, 240.0]]


@pytest.mark.parametrize(
    "f",
    [
        w2,
        lambda X: np.log(1 + X[0] ** 2) * np.sqrt(2 + X[1]) + np.tan(X[2] / 3),
        lambda X: np.cosh(X[0] - X[1]) / np.sinh(2 + X[2] ** 2) - np.tanh(X[0] * X[2]),
        lambda X: (X[0] * X[1] * X[2]) ** -2 + X[1] ** 0.75 - 1 / X[2] + np.cos(X[0]) ** 3,
        lambda X: [X[0] * X[1], np.exp(X[2]), 2.0],
    ],
    ids=["w2", "log-sqrt-tan", "hyperbolic", "powers", "vector"],
)
@pytest.mark.parametrize("order", [2, 4, 6, (2, 3, 1)])
def test_multivariate_matches_eager(f, order):
    X = np.array([[0.5, 1.25, -0.75, 2.0], [0.25, 1.5, 0.125, 0.75], [1.0, 0.5, 1.75, 0.375]])
    g = jets.jit(f)
    for _ in range(2):
        V = jets.variables(list(X), order)
        got, want = g(jets.stack(V)), f(jets.stack(V))
        if isinstance(want, list):
            for a, b in zip(got, want, strict=True):
                close(
                    np.asarray(a.coeffs if jets.is_jet(a) else a),
                    np.asarray(b.coeffs if jets.is_jet(b) else b),
                )
        else:
            close(got.coeffs, want.coeffs)
    if order == 2:
        close(jets.hessian(g, X), jets.hessian(f, X))
        close(
            jets.jacobian(jets.jit(lambda X: jets.stack([X[0] * X[1], np.sin(X[2])])), X),
            jets.jacobian(lambda X: jets.stack([X[0] * X[1], np.sin(X[2])]), X),
        )


def test_api_entry_points_and_structure():
    """f indexes, unpacks and sums over the variables' axis (a retrace gives
    that axis separate values); the batch is any shape."""
    rosen = lambda X: (100 * (X[1:] - X[:-1] ** 2) ** 2 + (1 - X[:-1]) ** 2).sum(axis=0)
    X = np.random.default_rng(1).uniform(-1, 1, (5, 4, 3))
    g = jets.jit(rosen)
    for _ in range(2):
        close(jets.hessian(g, X), jets.hessian(rosen, X))
    close(jets.gradient(g, X), jets.gradient(rosen, X))
    close(jets.partials(jets.jit(w2), X[:3], 4)[(1, 2, 1)], jets.partials(w2, X[:3], 4)[(1, 2, 1)])
    s = jets.jit(lambda X: np.sum(X**2, axis=0))
    close(jets.laplacian(s, X), jets.laplacian(lambda X: np.sum(X**2, axis=0), X))


# ------------------------------------------------------- edges and nan
def test_edge_points_and_nan():
    x = np.array([0.0, -1.0, np.nan, 1e-310, 1e300, np.inf, 2.0])
    fns = [
        lambda t: np.log(t) + t,
        lambda t: np.sqrt(t) * 2,
        lambda t: t**0.5 - t**1.5,
        lambda t: 1 / t + t**-2,
        lambda t: np.exp(-t) * np.sin(t),
        lambda t: t**0 + t**1 + np.tanh(t),
    ]
    for f in fns:
        g = jets.jit(f)
        with np.errstate(all="ignore"):
            for k in (3, 6):
                close(jets.derivatives(g, x, k), jets.derivatives(f, x, k))


def test_nan_poisoning_like_eager():
    g = jets.jit(lambda x, y: x * y + np.log(x))
    x, y = jets.variables([np.array([-1.0, 1.0]), np.array([2.0, np.nan])], 3)
    with np.errstate(all="ignore"):
        got, want = g(x, y), g.f(x, y)
    assert np.isnan(got.coeffs[:, 0]).all() and np.isnan(got.coeffs[:, 1]).all()
    close(got.coeffs, want.coeffs)


def test_infinite_values_like_eager():
    """A value of inf (division by a zero value, exp overflow): the kernel's
    points go through the replay, so inf and nan land where eager puts them."""
    fns = [
        lambda x, y: x * y / (x - 1),
        lambda x, y: np.exp(800 * x) * y + 1 / y,
        lambda x, y: np.log(x - 1) * np.sin(y) - np.sqrt(x - 1) / (x - y),
    ]
    for f in fns:
        g = jets.jit(f)
        for order in (2, 5):
            x, y = jets.variables([np.array([1.0, 2.0, 1.0]), np.array([0.0, 1.0, 1.0])], order)
            with np.errstate(all="ignore"):
                for _ in range(2):
                    close(g(x, y).coeffs, f(x, y).coeffs)


# ------------------------------------------------------------ signatures
def test_retrace_on_space_dtype_and_batch_rank():
    g = jets.jit(lambda x: np.sin(x) * x)
    jets.derivatives(g, 0.5, 3)
    jets.derivatives(g, np.array([0.5, 1.0]), 3)
    jets.derivatives(g, np.array([0.5, 1.0, 2.0]), 3)  # same rank: no new recording
    assert len(g._entries) == 2
    jets.derivatives(g, 0.5, 5)
    jets.derivatives(g, np.float32(0.5), 3)
    assert len(g._entries) == 4
    x32 = jets.variable(np.float32([0.5, 1.5]), 4)
    got, want = g(x32), g.f(x32)
    assert got.dtype == want.dtype == np.float32
    np.testing.assert_array_equal(got.coeffs, want.coeffs)  # the replay: the eager rules


def test_exact_fractions_and_static_arguments():
    g = jets.jit(lambda x, n: (x + 1) ** n / 3)
    x = jets.variable(Fraction(1, 2), 3)
    assert g(x, 3).coeffs.tolist() == g.f(x, 3).coeffs.tolist()
    assert g(x, 2).coeffs.tolist() == g.f(x, 2).coeffs.tolist()  # a new recording
    assert g(x, 3).coeffs.tolist()[0] == Fraction(9, 8)


def test_plain_arrays_and_array_arguments():
    g = jets.jit(lambda x, w: np.sin(x) * w + x)
    x = np.linspace(0, 1, 4)
    w = np.array([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(g(x, w), np.sin(x) * w + x)
    t = jets.variable(x, 4)
    close(g(t, w).coeffs, g.f(t, w).coeffs)
    close(g(t, 2 * w).coeffs, g.f(t, 2 * w).coeffs)  # arrays are inputs, not frozen


def test_control_flow_is_refused():
    g = jets.jit(lambda x: x if x > 0 else -x)
    with pytest.raises(TypeError, match="jets.jit.*branches on the values"):
        jets.derivatives(g, 1.0, 2)
    h = jets.jit(lambda x: x * 2 if x else x)
    with pytest.raises(TypeError, match="jets.jit"):
        jets.derivatives(h, 1.0, 2)
    m = jets.jit(lambda X: X[0] if X[0] > X[1] else X[1])
    with pytest.raises(TypeError, match="jets.jit"):
        jets.hessian(m, [1.0, 2.0])


def test_unsupported_runs_eagerly_with_one_warning():
    f = lambda x: jets.erf(x) * x.value  # .value: not something a recording holds
    g = jets.jit(f)
    with pytest.warns(RuntimeWarning, match="runs eagerly"):
        a = jets.derivatives(g, np.array([0.5, 1.0]), 3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        b = jets.derivatives(g, np.array([0.5, 1.0]), 3)
    np.testing.assert_array_equal(a, jets.derivatives(f, np.array([0.5, 1.0]), 3))
    np.testing.assert_array_equal(a, b)


def test_rules_without_a_template_replay_exactly():
    f = lambda x: jets.erf(x) + np.arctan(x) * jets.expm1(x)
    g = jets.jit(f)
    x = np.linspace(-1, 1, 5)
    np.testing.assert_array_equal(jets.derivatives(g, x, 5), jets.derivatives(f, x, 5))


def test_error_tracking_runs_eagerly():
    g = jets.jit(w1)
    x = jets.variable(np.array([0.5, 1.0]), 4, track_error=True)
    got, want = g(x), w1(x)
    np.testing.assert_array_equal(got.coeffs, want.coeffs)
    np.testing.assert_array_equal(got.error(), want.error())


def test_solve_ivp_through_jit():
    fun = lambda t, y: [y[1], -np.sin(y[0])]
    a = jets.solve_ivp(jets.jit(fun), (0, 2), [1.0, 0.0], order=12, rtol=1e-12)
    b = jets.solve_ivp(fun, (0, 2), [1.0, 0.0], order=12, rtol=1e-12)
    np.testing.assert_array_equal(a.y, b.y)
    np.testing.assert_array_equal(a.t, b.t)


def test_solve_ivp_keeps_the_recording_of_a_jitted_fun():
    calls = []

    def fun(t, y, mu):
        calls.append(1)
        return [y[1], mu * (1 - y[0] ** 2) * y[1] - y[0]]

    g = jets.jit(fun)
    y0 = [np.array([2.0, 1.0, -0.5]), np.array([0.0, 0.5, 0.0])]  # an ensemble
    for mu in (1.0, 1.0, 2.0, 2.0):
        a = jets.solve_ivp(g, (0, 3), y0, args=(mu,), order=14, rtol=1e-11)
        b = jets.solve_ivp(fun, (0, 3), y0, args=(mu,), order=14, rtol=1e-11)
        np.testing.assert_array_equal(a.y, b.y)  # the same recording: the same numbers
        np.testing.assert_array_equal(a.t, b.t)
    assert len(g._ode) == 2  # one per value of mu, each recorded once
    # a jet argument is an input of the recording: one recording for every value
    h = jets.jit(fun)
    for m in (0.5, 1.5):
        mu = jets.variable(m, 2)
        a = jets.solve_ivp(h, (0, 1), [1.0, 0.0], args=(mu,), order=12, rtol=1e-11)
        b = jets.solve_ivp(fun, (0, 1), [1.0, 0.0], args=(mu,), order=12, rtol=1e-11)
        np.testing.assert_array_equal(a.y.coeffs, b.y.coeffs)
    assert len(h._ode) == 1
    # an unhashable plain argument: recorded every time, still right
    k = jets.jit(lambda t, y, c: [c[0] * y[0]])
    r = jets.solve_ivp(k, (0, 1), [1.0], args=([-1.0],), order=12, rtol=1e-12)
    assert abs(r.y[0, -1] - np.exp(-1.0)) < 1e-11 and not k._ode


def test_without_numba_replays_and_warns_once(monkeypatch):
    monkeypatch.setattr(J, "_numba", lambda: None)
    monkeypatch.setattr(J, "_NO_NUMBA_WARNED", [False])
    g = jets.jit(w1)
    x = np.linspace(-2, 2, 9)
    with pytest.warns(RuntimeWarning, match=r"jets\[jit\]"):
        a = jets.derivatives(g, x, 8)
    assert all(e.kernel is None for e in g._entries.values())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        b = jets.hessian(jets.jit(w2), np.ones((3, 4)))
        jets.derivatives(g, x, 8)
    np.testing.assert_array_equal(a, jets.derivatives(w1, x, 8))  # the eager rules
    np.testing.assert_array_equal(b, jets.hessian(w2, np.ones((3, 4))))


@pytest.mark.skipif(not HAVE_NUMBA, reason="numba is not installed")
def test_numba_kernel_is_used_and_cached_on_disk(tmp_path):
    before = set(J._MODULES)
    g = jets.jit(lambda x: np.exp(np.sin(x)) / (1 + x**2) + 0.25)  # a kernel of its own
    jets.derivatives(g, np.linspace(0, 1, 3), 8)
    jets.derivatives(g, 0.5, 8)  # one point: the point path, the same kernel
    assert all(e.kernel is not None for e in g._entries.values())
    if HAVE_NUMBA:  # compiled once: the no-point first call types its inputs as jets do
        new = [J._MODULES[h] for h in set(J._MODULES) - before]
        sigs = [m.kernel.signatures for m in new if hasattr(m, "kernel")]
        assert sigs and all(len(s) == 1 for s in sigs), sigs
    # a fresh process: the first call replays while numba imports in the background
    # (the replay is eager jets bit for bit), the first call after the import compiles
    # (first process) or loads the kernel from the disk cache (second process)
    script = (
        "import importlib, json, sys\n"
        "import numpy as np, jets\n"
        "J = importlib.import_module('jets.jit')\n"
        "g = jets.jit(lambda x: np.exp(np.sin(x)) / (1 + x**2))\n"
        "x = np.linspace(-1, 1, 5)\n"
        "d1 = jets.derivatives(g, x, 8)\n"
        "background = J._NUMBA['thread'] is not None\n"
        "replayed = all(e.kernel is None and e.pending for e in g._entries.values())\n"
        "J._numba(wait=True)\n"
        "d2 = jets.derivatives(g, x, 8)\n"
        "compiled = all(e.kernel is not None for e in g._entries.values())\n"
        "print(json.dumps([d1.tolist(), d2.tolist(), background, replayed, compiled]))\n"
    )
    runs = [run_script(script, tmp_path) for _ in range(2)]
    assert list(tmp_path.glob("jets_kernel_*.py")), "no kernel source written"
    assert list(tmp_path.glob("__pycache__/*.nbi")), "numba wrote no cache index"
    want = jets.derivatives(w1, np.linspace(-1, 1, 5), 8)
    outs = [json.loads(r.stdout.splitlines()[-1]) for r in runs]
    for d1, d2, background, replayed, compiled in outs:
        assert background and replayed and compiled
        np.testing.assert_array_equal(np.array(d1), want)  # the replay: eager exactly
        close(np.array(d2), want)
    assert outs[0][1] == outs[1][1]  # the compiled and the loaded kernel agree


# ------------------------------------------------------------ corpus and fuzz
def _corpus():
    import test_corpus as TC

    return TC


@pytest.mark.parametrize("index", range(0, 80, 1))
def test_corpus_through_jit(index, monkeypatch):
    """Every corpus expression through jets.jit: within the corpus tolerance of
    sympy (its own checker) and within 1e-13 of eager jets."""
    TC = _corpus()
    if index >= len(TC.CORPUS):
        pytest.skip("corpus is shorter")
    case = TC.CORPUS[index]
    eager = TC._jet_partials

    def through_jit(case, order, points):
        S, want = eager(case, order, points)
        g = jets.jit(lambda *v: case.fn(TC.JET, *v))
        cols = [np.array([p[i] for p in points]) for i in range(case.nvars)]
        if len(points) == 1:
            cols = [c[0] for c in cols]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            f = g(*jets.variables(cols, order))
            f = g(*jets.variables(cols, order))
        got = f.partials()
        fact = S.factorials
        close(
            np.array([np.reshape(got[a], -1) for a in got]) / fact[:, None],
            np.array([np.reshape(want[a], -1) for a in want]) / fact[:, None],
            1e-13,
        )
        return f.space, got

    monkeypatch.setattr(TC, "_jet_partials", through_jit)
    TC.check_against(case, case.order, case.points, "jit batch")
    TC.check_against(case, case.order, case.points[:1], "jit scalar")


N_FUZZ = 250  # the default case count of tests/test_fuzz.py
N_FUZZ_REF = 40  # of which checked against the reference and its bound as well


@pytest.mark.parametrize("index", range(N_FUZZ))
def test_fuzz_through_jit(index):
    """The fuzz cases of tests/test_fuzz.py through jets.jit: within 1e-13 of
    eager jets (which tests/test_fuzz.py checks against the reference); the
    first N_FUZZ_REF also inside the same error bound against the reference."""
    case = FG.make_case(index, FG.SEED)
    xs = jets.variables([case.points[i] for i in range(case.nvars)], case.order)
    g = jets.jit(lambda *v: case.root.evaluate(list(v)))
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        want = case.root.evaluate(xs)
        g(*xs)
        f = g(*xs)
    close(np.broadcast_to(f.coeffs, want.coeffs.shape), want.coeffs, 1e-13)
    if index >= N_FUZZ_REF:
        return
    alphas, M, E = FG.error_bound(case)
    P = case.points.shape[1]
    got = np.stack([np.broadcast_to(f.coefficient(a), (P,)) for a in alphas]).astype(float)
    ref = FG.reference_dd(case)
    with np.errstate(all="ignore"):
        err = np.abs((got - ref.hi) - ref.lo)
    assert np.all(np.isfinite(got)), case.describe()
    assert np.all(err <= E), case.describe()


# ------------------------------------------------------- many variables: the sparse plan
def rosen(X):
    a, b = X[:-1], X[1:]
    return (100 * (b - a**2) ** 2 + (1 - a) ** 2).sum(axis=0)


def coupled(X):
    """Not a sum of terms: the plan's coefficients, not its scattered tensor."""
    return np.exp(X[0] * X[-1]) * np.sin(X[1:3]).sum(axis=0) + X[3] * X[4:6]


def _rosen_hessian_sympy(x):
    syms = sp.symbols(f"x0:{len(x)}")
    e = sum(100 * (syms[i + 1] - syms[i] ** 2) ** 2 + (1 - syms[i]) ** 2 for i in range(len(x) - 1))
    H = sp.hessian(e, syms).subs(dict(zip(syms, x, strict=True)))
    return np.array(H.tolist(), dtype=float)


@pytest.mark.parametrize(
    "n", [J_MIN := importlib.import_module("jets.api").JIT_SPARSE_MIN_VARS, 13]
)
@pytest.mark.parametrize("batch", [(), (4,), (2, 3)])
def test_many_variables_run_through_the_sparse_plan(n, batch):
    rng = np.random.default_rng(n + len(batch))
    x = rng.uniform(-1.5, 1.5, (n, *batch))
    if batch:
        x[2].flat[1] = np.nan  # one nan point: nan there only, as eager
        x[4].flat[0] = np.inf  # infinite points: what eager gives (the dense path)
        x[0].flat[-1] = -np.inf
    g = jets.jit(rosen)
    for name, extra in [
        ("hessian", ()),
        ("gradient", ()),
        ("jacobian", ()),
        ("derivative_tensor", (3,)),
        ("derivative_tensor", (5,)),  # a scaled seeding on the dense path
    ]:
        want = getattr(jets, name)(rosen, x, *extra)
        for _ in range(2):
            got = getattr(jets, name)(g, x, *extra)
            close(got, want)
    got = jets.partials(g, x, 2)
    want = jets.partials(rosen, x, 2)
    assert list(got) == list(want)
    for a in want:
        close(got[a], want[a])
    assert {k[0] for k in g._plans} == {"auto"} and all(p is not None for p in g._plans.values())
    # the recording is kept: one plan per (x.shape, order), not one per call
    assert len(g._plans) == 4
    if not batch:
        close(jets.hessian(g, x), _rosen_hessian_sympy(x))


def test_many_variables_not_a_sum_and_fewer_variables():
    x = np.linspace(-1, 1, 10)[:, None] * np.array([1.0, 0.5, 1.0])
    x[3, 2] = np.inf  # not a sum either: the point is eager's
    g = jets.jit(coupled)
    close(jets.jacobian(g, x), jets.jacobian(coupled, x))
    close(jets.hessian(g, x), jets.hessian(coupled, x))
    assert all(p is not None for p in g._plans.values())
    # below the threshold: the dense compiled path, no plan
    h = jets.jit(rosen)
    y = x[: J_MIN - 1]
    close(jets.hessian(h, y), jets.hessian(rosen, y))
    assert not h._plans


def test_many_variables_untraceable_fall_back_to_the_dense_path():
    def f(X):
        return np.prod(X[:3], axis=0) + X[-1] ** 2  # np.prod: not in the sparse tracer

    x = np.linspace(0.5, 1.5, 9)
    g = jets.jit(f)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the dense jit may run eagerly
        close(jets.hessian(g, x), jets.hessian(f, x))
        close(jets.hessian(g, x), jets.hessian(f, x))
    assert list(g._plans.values()) == [None]  # tried once, remembered
    with pytest.raises(TypeError, match="sparse=True"):
        jets.hessian(g, x, sparse=True)


def test_sparse_true_on_a_jitted_function_keeps_its_plan():
    x = np.linspace(-1, 1, 4)
    g = jets.jit(rosen)
    for _ in range(2):
        close(jets.hessian(g, x, sparse=True), jets.hessian(rosen, x))
    assert list(g._plans) == [("sparse", (4,), 2)]
    with pytest.raises(ValueError, match="does not track errors"):
        jets.hessian(g, x, sparse=True, error=True)
    # error tracking on many variables: the dense path, not the plan
    H, E = jets.hessian(g, np.linspace(-1, 1, 9), error=True)
    close(H, jets.hessian(rosen, np.linspace(-1, 1, 9)))
    from fractions import Fraction as Fr

    with pytest.raises(TypeError, match="sparse=True works on int, float and complex"):
        jets.hessian(g, np.array([Fr(1), Fr(2), Fr(3), Fr(4)], dtype=object), sparse=True)


def test_a_process_may_exit_while_numba_imports(tmp_path):
    # the import thread is a daemon: a short script ends cleanly, whatever it was doing
    script = (
        "import numpy as np, jets\n"
        "g = jets.jit(lambda x: np.exp(np.sin(x)) / (1 + x**2))\n"
        "print(jets.derivatives(g, 0.5, 3).tolist())\n"
    )
    for _ in range(3):
        r = run_script(script, tmp_path)
        assert r.stderr == "", r.stderr
        close(np.array(json.loads(r.stdout)), jets.derivatives(w1, 0.5, 3))


def test_long_recordings_replay_instead_of_compiling_for_minutes(monkeypatch):
    # the object API on 20 elements: 151 nodes, too long for either kernel: the replay
    x = np.linspace(-1, 1, 20)
    g = jets.jit(rosen)
    with pytest.warns(RuntimeWarning, match="too long for a fused kernel"):
        got = g(jets.stack(jets.variables(x, order=2))).hessian()
    np.testing.assert_array_equal(got, rosen(jets.stack(jets.variables(x, order=2))).hessian())
    assert all(e.kernel is None and not e.pending for e in g._entries.values())


def test_a_kernel_numba_cannot_compile_replays(monkeypatch):
    if not HAVE_NUMBA:
        pytest.skip("numba is not installed")

    def broken(source):  # numba failing at compile time, as on a huge loop kernel
        mod = type(sys)("broken")

        def kernel(*args):
            raise RecursionError("maximum recursion depth exceeded")

        mod.kernel = kernel
        return mod

    monkeypatch.setattr(J, "_load", broken)
    g = jets.jit(w1)
    x = np.linspace(-1, 1, 4)
    with pytest.warns(RuntimeWarning, match="could not compile the kernel"):
        got = jets.derivatives(g, x, 6)
    np.testing.assert_array_equal(got, jets.derivatives(w1, x, 6))  # the replay: eager exactly
    np.testing.assert_array_equal(jets.derivatives(g, x, 6), got)


def test_jets_jit_sync_compiles_at_the_first_call(tmp_path):
    script = (
        "import importlib, json, sys\n"
        "import numpy as np, jets\n"
        "J = importlib.import_module('jets.jit')\n"
        "g = jets.jit(lambda x: np.exp(np.sin(x)) / (1 + x**2))\n"
        "d = jets.derivatives(g, np.linspace(-1, 1, 5), 8)\n"
        "print(json.dumps([d.tolist(), J._NUMBA['thread'] is None,\n"
        "    all(e.kernel is not None for e in g._entries.values())]))\n"
    )
    r = run_script(script, tmp_path, jit_mode="sync")
    d, no_thread, compiled = json.loads(r.stdout.splitlines()[-1])
    assert no_thread and compiled
    close(np.array(d), jets.derivatives(w1, np.linspace(-1, 1, 5), 8))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_child_forked_during_the_import_replays(tmp_path):
    # forked while numba imports in the background: the child never waits for the
    # parent's import thread (it is not there); its jitted functions replay
    script = (
        "import importlib, json, os, sys\n"
        "import numpy as np, jets\n"
        "J = importlib.import_module('jets.jit')\n"
        "g = jets.jit(lambda x: np.exp(np.sin(x)) / (1 + x**2))\n"
        "x = np.linspace(-1, 1, 5)\n"
        "d = jets.derivatives(g, x, 6)\n"
        "r, w = os.pipe()\n"
        "ready = J._NUMBA_READY.is_set()\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    os.close(r)\n"
        "    m = J._numba(wait=True)\n"
        "    c = jets.derivatives(g, x, 6)\n"
        "    os.write(w, json.dumps([c.tolist(), ready, m is None]).encode())\n"
        "    os._exit(0)\n"
        "os.close(w)\n"
        "out = os.read(r, 1 << 20).decode()\n"
        "os.waitpid(pid, 0)\n"
        "print(json.dumps([d.tolist(), json.loads(out)]))\n"
    )
    r = run_script(script, tmp_path)
    d, (c, ready_at_fork, no_numba) = json.loads(r.stdout.splitlines()[-1])
    want = jets.derivatives(w1, np.linspace(-1, 1, 5), 6)
    np.testing.assert_array_equal(np.array(d), want)
    if not ready_at_fork:  # forked mid-import (the usual case): the child replays
        assert no_numba
        np.testing.assert_array_equal(np.array(c), want)
    else:
        close(np.array(c), want)
