"""The worked examples of docs/examples/: each runs as a script, and its
numbers agree with sympy or with a closed-form identity."""

import runpy
import subprocess
import sys
from itertools import product
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "examples"
SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py"))


def load(name):
    """The example's functions and constants, without running its main()."""
    return runpy.run_path(str(EXAMPLES / name), run_name="example")


def test_every_example_is_listed():
    assert set(SCRIPTS) == {
        "sin_taylor.py",
        "rosenbrock_hessian.py",
        "curvature.py",
        "physics_sensitivity.py",
        "newton_rosenbrock.py",
        "kepler_halley.py",
        "uncertainty.py",
        "special_mpmath.py",
        "taylor_plot.py",
        "seed_walkthrough.py",
        "series_reversion.py",
        "ode_kepler.py",
        "laplacian_points.py",
    }


@pytest.mark.parametrize("name", SCRIPTS)
def test_example_runs_as_a_script(name):
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / name)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip(), f"{name} printed nothing"


def test_sin_taylor_matches_sympy_series(capsys):
    ex = load("sin_taylor.py")
    c, x, err = ex["main"]()
    out = capsys.readouterr().out
    t = sp.Symbol("t")
    series = sp.Poly(sp.series(sp.sin(t), t, 0, 16).removeO(), t)
    want = [series.coeff_monomial(t**k) for k in range(16)]
    assert len(c) == 16
    for k in range(16):
        assert c[k] == pytest.approx(float(want[k]), rel=1e-15, abs=0)
        if k % 2 == 0:
            assert c[k] == 0
    # 1 / c_k = (-1)^((k-1)/2) k! for odd k, as printed
    assert "-1307674368000" in out and "6227020800" in out
    # the remainder of the degree-15 polynomial is below |x|^17 / 17!
    bound = np.abs(x) ** 17 / float(sp.factorial(17))
    assert np.all(err <= bound * (1 + 1e-6) + 1e-15)


def test_rosenbrock_hessian_matches_sympy(capsys):
    ex = load("rosenbrock_hessian.py")
    x, H, Hmin = ex["main"]()
    capsys.readouterr()
    assert x[0].size == 10**4 and H.shape == (2, 2, 100, 100)
    a, b = sp.symbols("a b")
    f = 100 * (b - a**2) ** 2 + (1 - a) ** 2
    for i, j in product(range(2), repeat=2):
        d = sp.diff(f, (a, b)[i], (a, b)[j])
        want = np.broadcast_to(sp.lambdify((a, b), d, "numpy")(*x), H.shape[2:])
        np.testing.assert_allclose(H[i, j], want, rtol=1e-12, atol=1e-9)
    assert Hmin.tolist() == [[802.0, -400.0], [-400.0, 200.0]]
    # identity: positive definite exactly where y < x^2 + 1/200
    convex = (H[0, 0] > 0) & (H[0, 0] * H[1, 1] - H[0, 1] ** 2 > 0)
    want = x[1] < x[0] ** 2 + 1 / 200
    assert np.array_equal(convex, want)
    assert ex["convex_fraction"](H) == pytest.approx(want.mean())


def test_rosenbrock_in_four_variables_matches_scipy():
    from scipy.optimize import rosen_hess

    import jets

    ex = load("rosenbrock_hessian.py")
    x = np.random.default_rng(1).uniform(-2, 2, (4, 50))
    H = jets.hessian(ex["rosen"], x)
    assert H.shape == (4, 4, 50)
    for p in (0, 17, 49):
        np.testing.assert_allclose(H[:, :, p], rosen_hess(x[:, p]), rtol=1e-13, atol=1e-10)


def test_curvature_identities_and_sympy(capsys):
    ex = load("curvature.py")
    t, k_e, k_h, k_l = ex["main"]()
    capsys.readouterr()
    a, b = 3.0, 1.0
    np.testing.assert_allclose(
        k_e, a * b / (a**2 * np.sin(t) ** 2 + b**2 * np.cos(t) ** 2) ** 1.5, rtol=1e-13
    )
    np.testing.assert_allclose(k_h, 2.0 / (2.0**2 + 0.5**2), rtol=1e-13)
    s = sp.Symbol("s")
    xs, ys = sp.sin(3 * s), sp.sin(2 * s)
    kappa = sp.Abs(xs.diff(s) * ys.diff(s, 2) - ys.diff(s) * xs.diff(s, 2)) / (
        xs.diff(s) ** 2 + ys.diff(s) ** 2
    ) ** sp.Rational(3, 2)
    want = [float(kappa.subs(s, float(ti)).evalf(30)) for ti in t]
    np.testing.assert_allclose(k_l, want, rtol=1e-12, atol=1e-14)
    # any batch of parameters, one call
    tt = np.linspace(-3, 3, 101)
    np.testing.assert_allclose(
        ex["curvature"](ex["ellipse"], tt),
        a * b / (a**2 * np.sin(tt) ** 2 + b**2 * np.cos(tt) ** 2) ** 1.5,
        rtol=1e-12,
    )


def test_physics_sensitivity_matches_sympy(capsys):
    ex = load("physics_sensitivity.py")
    x0, T3, errors, x, s3 = ex["main"]()
    capsys.readouterr()
    v, th, h = sp.symbols("v theta h", positive=True)
    g = sp.Float(ex["G"], 30)
    R = v * sp.cos(th) / g * (v * sp.sin(th) + sp.sqrt(v**2 * sp.sin(th) ** 2 + 2 * g * h))
    syms = (v, th, h)
    at = {v: x0[0], th: x0[1], h: x0[2]}
    for idx in product(range(3), repeat=3):
        if list(idx) != sorted(idx):  # symmetric: compare with the sorted entry
            assert T3[idx] == T3[tuple(sorted(idx))]
            continue
        d = sp.diff(R, *[syms[i] for i in idx])
        want = float(d.evalf(30, subs=at))
        assert T3[idx] == pytest.approx(want, rel=1e-11, abs=1e-12)
    d = sp.lambdify(syms, sp.diff(R, v, v, th), "mpmath")
    for p in range(x.shape[1]):
        assert s3[p] == pytest.approx(float(d(*x[:, p])), rel=1e-11, abs=1e-13)
    # identity: a third-order Taylor polynomial is off by O(s^4)
    assert errors[0] / errors[1] == pytest.approx(16, rel=0.05)
    assert errors[1] / errors[2] == pytest.approx(16, rel=0.05)
