"""The one-way core: layering, per-degree steps equal to the whole series, the
shared final step, seeding identities, and functions users define."""

import ast
import math
import pathlib

import mpmath as mp
import numpy as np
import pytest
import scipy.special as sc
import sympy as sp

import jets
import jets.kernels as K
from jets.program import Program
from jets.rules import RULES

JETS = pathlib.Path(jets.__file__).resolve().parent

#: the layers, bottom up: a module may import only modules listed before it
LAYERS = [
    "backend",
    "space",
    "kernels",
    "majorants",
    "rules",
    "engine",
    "display",
    "jet",
    "numpy_api",
    "linalg",
    "functions",
    "program",
    "jit",
    "sparse",
    "slots",
    "chunked",
    "api",
    "calculus",
    "ode",
    "expr",
    "cli",
    "__init__",
    "__main__",
]


def _imports(path):
    """Every jets module imported by `path`, at any depth (inside functions too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:  # from . import name: a module, or a name of the package itself
                found.update(
                    a.name if (JETS / f"{a.name}.py").exists() else "__init__" for a in node.names
                )
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("jets"):
            parts = node.module.split(".")
            found.add(parts[1] if len(parts) > 1 else "__init__")
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("jets."):
                    found.add(a.name.split(".")[1])
                elif a.name == "jets":
                    found.add("__init__")
    return found


def test_every_module_has_a_layer():
    modules = {p.stem for p in JETS.glob("*.py")}
    assert modules <= set(LAYERS), f"modules without a layer: {modules - set(LAYERS)}"


@pytest.mark.parametrize("path", sorted(JETS.glob("*.py")), ids=lambda p: p.name)
def test_imports_run_one_way(path):
    """No module imports one above it, not even inside a function: no cycle."""
    me = LAYERS.index(path.stem)
    allowed = set(LAYERS[:me])
    if path.stem == "cli":  # --version reads the package's one version literal
        allowed.add("__init__")
    up = _imports(path) - allowed - {path.stem}
    assert not up, f"{path.name} imports {sorted(up)}, which sit above it"


# ------------------------------------------------- steps equal the whole series
def _args(rule, n, shape=(3,)):
    """Arguments inside the rule's domain, as (points of n variables)."""
    pts = {
        "arccosh": 1.7,
        "lgamma": 2.3,
        "gamma": 2.3,
        "digamma": 2.3,
        "log": 0.8,
        "log2": 0.8,
        "log10": 0.8,
        "sqrt": 0.8,
        "reciprocal": 0.8,
        "log1p": 0.4,
    }
    base = pts.get(rule.name, 0.35)
    vals = base + 0.05 * np.arange(np.prod(shape)).reshape(shape)
    return vals


@pytest.mark.parametrize("name", sorted(RULES))
@pytest.mark.parametrize("nvars, order", [(1, 7), (2, 4)])
def test_per_degree_steps_equal_the_whole_series(name, nvars, order):
    """Every rule run one degree at a time (jets.program's driver) gives the
    coefficients of the eager whole-series driver (the same steps, so to the last
    bit or to rounding)."""
    rule = RULES[name]
    v = _args(rule, nvars)
    seeds = jets.variables([v + 0.1 * i for i in range(nvars)], order)
    a = seeds[0] * 0.5 + (seeds[-1] * seeds[0] * 0.25 if nvars > 1 else seeds[0] ** 2 * 0.1)
    args = [a, 0.3 + 0.5 * seeds[-1], np.full(v.shape, 2.0)][: rule.nargs]
    if name in ("clip",):
        args = [a, 0.1, 2.0]
    if name == "power":
        args = [a + 1.0, 0.5 + 0.25 * seeds[-1]]
    plain_order = rule.kind == "composition" and rule.nargs == 2  # polygamma(n, a), jv(v, a)
    if plain_order:
        args = [2, a + 1.0]
    eager = jets.jet.apply(name, *args)
    S = a.space
    program = Program()
    ins = [x if plain_order and not isinstance(x, jets.Jet) else program.input() for x in args]
    out = jets.jet.apply(name, *ins)
    full = [
        K.pad(S, jets.kernels.embed(S, x._coeffs, x._vars, None)) if isinstance(x, jets.Jet) else x
        for x in args
    ]
    if plain_order:
        full = full[1:]
    vals, step = program.steps(S, [np.array(f) if isinstance(f, np.ndarray) else f for f in full])
    got = vals[out.index]
    if step is not None:
        K.run(S, got, step)
    # the drivers compute the stored series (scaled at order > 4, docs/theory.md "Magnitudes")
    np.testing.assert_allclose(got, eager._stored_full(), rtol=1e-13, atol=1e-13, err_msg=name)


def test_program_inputs_filled_progressively():
    """The per-degree driver reads an input only up to the degree it computes:
    filling the input one degree at a time gives the same series."""
    S = jets.space(2, 5)
    x, y = jets.variables([0.3, 0.7], 5)
    a = jets.sin(x * y) + x
    program = Program()
    t = program.input()
    out = jets.exp(jets.sqrt(t + 2.0) * t)
    A = np.zeros(S.ncoeffs)
    A[0] = a.coeffs[0]
    vals, step = program.steps(a.space, [A])
    for d in range(1, 6):
        A[S.block(d)] = a.coeffs[S.block(d)]
        step(d)
    want = jets.exp(jets.sqrt(a + 2.0) * a)
    np.testing.assert_allclose(vals[out.index], want.coeffs, rtol=1e-14, atol=1e-15)


# ---------------------------------------------------------- the final step
def test_fast_path_and_dense_path_give_one_answer_with_nan():
    x, y = jets.variables([np.array([np.nan, 1.0]), np.array([2.0, np.nan])], 2)
    fast = x * y
    dense = jets.Jet(x.space, np.array((x + 0 * y).coeffs)) * jets.Jet(
        x.space, np.array((y + 0 * x).coeffs)
    )
    np.testing.assert_array_equal(fast.coeffs, dense.coeffs)
    assert np.all(np.isnan(fast.coeffs))


def test_nan_poisons_degrees_and_variables_not_stored():
    x = jets.variable(0.0, 3)
    assert np.all(np.isnan((x / 0.0).coeffs))  # 0/0
    c = (jets.variable(1.0, 3) / 0.0).coeffs  # (1 + dx)/0
    assert np.all(np.isinf(c[:2])) and np.all(np.isnan(c[2:]))
    u, v = jets.variables([-1.0, 2.0], 2)
    assert np.all(np.isnan(jets.log(u).coeffs))  # dy rows too


# ------------------------------------------------------- seeding identities
def test_separately_seeded_jets_never_share_a_direction():
    with pytest.raises(TypeError, match="seeded separately"):
        jets.variable(1.0, 2) * jets.variable(2.0, 2)
    with pytest.raises(TypeError, match="seeded separately"):
        jets.derivative(lambda t: jets.variable(3.0, 1) * 2, 1.0)
    with pytest.raises(TypeError, match="seeded separately"):
        jets.derivative(lambda t: jets.derivative(lambda s: s * t, 1.0), 2.0)
    x = jets.variable(1.0, 2)
    c = jets.constant(5.0, like=x)
    assert (c * x).partial((1,)) == 5.0  # constants join
    x2, y2 = jets.variables([1.0, 2.0], 2)
    assert (x2 * y2).partial((1, 1)) == 1.0


def test_a_constant_of_another_seeding_joins():
    """A constant jet carries no direction: returning one from f is fine."""
    other = jets.constant(3.0, like=jets.variable(1.0, 1))
    assert jets.derivative(lambda t: other + t * 2, 1.0) == 2.0
    assert jets.derivative(lambda t: other, 1.0) == 0.0


# ----------------------------------------------------------- powers at zero
def test_real_powers_at_a_zero_value():
    d = (jets.variable(0.0, 4) ** 3.1).derivatives()
    assert d[:4].tolist() == [0.0, 0.0, 0.0, 0.0] and d[4] == np.inf
    d = (jets.variable(np.array([0.0, 0.5]), 4) ** 2.5).derivatives()
    np.testing.assert_array_equal(d[:3, 0], 0.0)
    assert np.all(np.isinf(d[3:, 0]))
    want = [
        float(
            sp.diff(sp.Symbol("x") ** sp.Rational(5, 2), sp.Symbol("x"), k).subs(
                sp.Symbol("x"), sp.Rational(1, 2)
            )
        )
        for k in range(5)
    ]
    np.testing.assert_allclose(d[:, 1], want, rtol=1e-14)
    t = jets.variable(1.0, 3)
    np.testing.assert_array_equal(np.sqrt(0 * t).coeffs, np.sqrt(jets.constant(0.0, t)).coeffs)
    assert np.all(np.isnan(np.sqrt(jets.variable(0.0, 3) ** 2).coeffs[1:]))


def test_integer_power_of_a_complex_zero_is_exact():
    f = jets.variable(0j, 3) ** 2
    np.testing.assert_array_equal(f.coeffs, [0, 0, 1, 0])


def test_tanh_slope_far_out_has_no_cancellation():
    d = jets.derivatives(np.tanh, np.array([20.0, -30.0]), 3)
    for j, x in enumerate([20, -30]):
        with mp.workdps(40):
            want = [mp.diff(mp.tanh, x, k) for k in range(4)]
        np.testing.assert_allclose(d[:, j], [float(w) for w in want], rtol=1e-13)


# --------------------------------------------------------- jets.define
logistic = jets.define("logistic", value=sc.expit, derivative=lambda x, f: f * (1 - f))
lambertw = jets.define(
    "lambertw", value=lambda x: sc.lambertw(x).real, derivative=lambda x, f: f / (x * (1 + f))
)


def _mp_derivatives(fn, x, k):
    with mp.workdps(40):
        return [float(mp.diff(fn, mp.mpf(float(x)), j)) for j in range(k + 1)]


@pytest.mark.parametrize(
    "fn, mpfn, points",
    [
        (logistic, lambda t: 1 / (1 + mp.exp(-t)), [-3.0, 0.0, 0.7, 5.0]),
        (lambertw, lambda t: mp.lambertw(t), [0.25, 1.0, 3.0]),
    ],
)
def test_defined_by_derivative_matches_mpmath_to_order_12(fn, mpfn, points):
    got = jets.derivatives(fn, np.array(points), 12)
    for j, x in enumerate(points):
        want = _mp_derivatives(mpfn, x, 12)
        scale = np.maximum(np.abs(want), 1e-300)
        rel = np.abs(got[:, j] - want) / np.maximum(scale, np.max(np.abs(want)) * 1e-12)
        assert np.all(rel < 1e-9), (x, rel)


def test_defined_in_two_variables_matches_sympy():
    x, y = jets.variables([np.array([0.3, -0.4]), np.array([0.7, 1.1])], 4)
    f = logistic(x * y + y)
    X, Y = sp.symbols("x y")
    expr = 1 / (1 + sp.exp(-(X * Y + Y)))
    for alpha in [(0, 0), (1, 0), (2, 1), (1, 3), (0, 4), (2, 2)]:
        d = sp.diff(expr, X, alpha[0], Y, alpha[1])
        want = [float(d.subs({X: a, Y: b})) for a, b in [(0.3, 0.7), (-0.4, 1.1)]]
        np.testing.assert_allclose(f.partial(alpha), want, rtol=1e-12, atol=1e-14)
    H = jets.hessian(lambda v: logistic(v[0] * v[1]), np.array([[0.3], [0.7]]))
    e = 1 / (1 + sp.exp(-X * Y))
    want = [[float(sp.diff(e, a, b).subs({X: 0.3, Y: 0.7})) for b in (X, Y)] for a in (X, Y)]
    np.testing.assert_allclose(H[..., 0], want, rtol=1e-13)


def test_f_prime_equals_f_is_exp():
    myexp = jets.define("myexp", value=np.exp, derivative=lambda x, f: f)
    x, y = jets.variables([np.linspace(-2, 2, 5), np.linspace(0, 1, 5)], 6)
    a = jets.sin(x) * y
    np.testing.assert_allclose(myexp(a).coeffs, jets.exp(a).coeffs, rtol=1e-15, atol=1e-16)


def test_defined_by_taylor_coefficients():
    def sin_taylor(a, k):
        return np.array([np.sin(a + j * np.pi / 2) / math.factorial(j) for j in range(k + 1)])

    mysin = jets.define("mysin", value=np.sin, taylor=sin_taylor)
    x, y = jets.variables([np.array([0.2, 1.0]), np.array([0.5, -0.3])], 5)
    np.testing.assert_allclose(
        mysin(x * y + x).coeffs, jets.sin(x * y + x).coeffs, rtol=1e-13, atol=1e-15
    )
    assert mysin(0.5) == np.sin(0.5)
    bad = jets.define("bad", value=np.sin, taylor=lambda a, k: np.zeros(k))
    with pytest.raises(ValueError, match=r"shape \(k\+1, \*a.shape\)"):
        bad(jets.variable(0.5, 3))


def test_defined_functions_on_plain_numbers_and_arrays():
    assert logistic(0.0) == 0.5
    np.testing.assert_array_equal(logistic(np.array([0.0, 1.0])), sc.expit([0.0, 1.0]))
    assert logistic.__name__ == "logistic"


def test_define_refuses_bad_definitions():
    with pytest.raises(TypeError, match="exactly one of derivative="):
        jets.define("f", value=np.sin)
    with pytest.raises(TypeError, match="exactly one of derivative="):
        jets.define("f", value=np.sin, derivative=np.cos, taylor=lambda a, k: a)
    with pytest.raises(TypeError, match="value must be a callable"):
        jets.define("f", value=3.0, derivative=lambda x, f: f)
    with pytest.raises(TypeError, match="derivative must be callable"):
        jets.define("f", value=np.exp, derivative=2.0)
    with pytest.raises(TypeError, match="identifier"):
        jets.define("not a name", value=np.exp, derivative=lambda x, f: f)
    branchy = jets.define("branchy", value=np.abs, derivative=lambda x, f: 1.0 if x > 0 else -1.0)
    with pytest.raises(TypeError, match="cannot branch on the values"):
        branchy(jets.variable(1.0, 2))
    outside = jets.variable(2.0, 2)
    leaky = jets.define("leaky", value=np.exp, derivative=lambda x, f: f * outside)
    with pytest.raises(TypeError, match="cannot use a jet from outside"):
        leaky(jets.variable(1.0, 2))


def test_defined_function_keeps_nan_and_float32():
    d = logistic(jets.variable(np.array([np.nan, 0.0], dtype=np.float32), 3))
    assert d.dtype == np.float32
    assert np.all(np.isnan(d.coeffs[:, 0])) and not np.any(np.isnan(d.coeffs[:, 1]))


def test_integer_powers_stay_exact_in_the_per_degree_driver():
    """y**2 at y = 0 inside a recorded program (an ODE right-hand side) takes the
    exact product path, not the real-power recurrence that divides by 0."""
    S = jets.space(1, 6)
    program = Program()
    y = program.input()
    out = (y**2 + 1.0) ** 1.5
    Y = np.zeros((S.ncoeffs, 2))
    Y[0] = [0.0, 0.5]
    Y[1] = 1.0
    vals, step = program.steps(S, [Y])
    K.run(S, vals[out.index], step)
    t = jets.variable(np.array([0.0, 0.5]), 6)
    np.testing.assert_allclose(vals[out.index], ((t**2 + 1.0) ** 1.5).coeffs, rtol=1e-14)


def test_a_derivative_that_grows_the_batch_is_refused():
    grows = jets.define("grows", value=np.exp, derivative=lambda x, f: f * np.array([1.0, 1.0]))
    with pytest.raises(ValueError, match="must act pointwise"):
        jets.derivatives(grows, 0.0, 3)
