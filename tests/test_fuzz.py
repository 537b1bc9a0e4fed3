"""Differential fuzzing: random expression trees, jets against sympy.

Each case (``fuzz_gen.make_case``) is a random tree over every rule of the
table and the Python operators, in 1-4 variables, evaluated at a batch of 3
dyadic points in ONE jet; every Taylor coefficient up to the order (10 for one
variable, 5 or 4 for several) is compared with the sympy reference and must lie
within the running error bound of ``fuzz_gen.error_bound`` (see
docs/theory.md, "Accuracy and the tolerance model").  Every case is also run
with ``track_error=True`` seeds: the same coefficients, and the library's own
estimate ``Jet.error()`` must cover the actual error of every coefficient
(docs/theory.md, "Error estimates").

* default run: ``N_DEFAULT`` cases of the fixed seed ``fuzz_gen.SEED``;
* long run: ``pytest -m slow tests/test_fuzz.py`` checks ``JETS_FUZZ_N``
  (default 3000) cases of another seed.

A failure prints the case (jets text, sympy text, points, order), each failing
partial, and the command that replays it: ``python tests/fuzz_gen.py SEED INDEX``.
Run with ``-s`` to see the summary (cases, partials, worst error / bound).
"""

import math
import os
import time
from collections import Counter

import mpmath
import numpy as np
import pytest
import sympy as sp

import fuzz_gen as F
from jets.rules import RULES

N_DEFAULT = 250
N_LONG = int(os.environ.get("JETS_FUZZ_N", "3000"))
LONG_SEED = F.SEED + 1

_STATS = {}


def _record(seed, res, seconds):
    s = _STATS.setdefault(
        seed,
        {
            "cases": 0,
            "partials": 0,
            "worst": 0.0,
            "where": "",
            "seconds": 0.0,
            "by_degree": {},
            "tracked": 0.0,
        },
    )
    s["tracked"] = max(s["tracked"], res.worst_tracked)
    s["cases"] += 1
    s["partials"] += res.npartials
    s["seconds"] += seconds
    if res.worst_ratio > s["worst"]:
        s["worst"] = res.worst_ratio
        s["where"] = f"index {res.case.index}, {res.worst_where}"
    for d, r in res.by_degree.items():
        s["by_degree"][d] = max(s["by_degree"].get(d, 0.0), r)


def _run(seed, index):
    case = F.make_case(index, seed)
    t0 = time.perf_counter()
    try:
        res = F.check_case(case)
    except Exception as exc:  # an engine crash is a failure with the case attached
        pytest.fail(f"{case.describe()}\n  raised {type(exc).__name__}: {exc}")
    _record(seed, res, time.perf_counter() - t0)
    assert not res.failures, "jet outside the error bound\n" + F.report(res)


@pytest.mark.parametrize("index", range(N_DEFAULT))
def test_fuzz(index):
    _run(F.SEED, index)


@pytest.mark.slow
@pytest.mark.parametrize("index", range(N_LONG))
def test_fuzz_long(index):
    _run(LONG_SEED, index)


def test_fuzz_summary():
    """Print what the runs above checked (visible with -s); never fails."""
    for seed, s in _STATS.items():
        degs = ", ".join(f"{d}: {r:.2g}" for d, r in sorted(s["by_degree"].items()))
        print(
            f"\nfuzz seed {seed}: {s['cases']} cases, {s['partials']} coefficients "
            f"(partials x points) in {s['seconds']:.1f} s; worst |error| / bound "
            f"{s['worst']:.3g} at {s['where']}; worst by degree {{{degs}}}; worst "
            f"|error| / Jet.error() (track_error=True) {s['tracked']:.3g}"
        )


# ------------------------------------------------------------ the generator
def test_sample_covers_every_rule_and_every_entry_point():
    rules, styles = Counter(), set()
    for i in range(N_DEFAULT):
        root = F.make_case(i).root
        stack = [root]
        while stack:
            n = stack.pop()
            if n.kind == "rule":
                rules[n.name] += 1
                styles.add((n.name, n.style))
            stack.extend(n.args)
    assert set(RULES) <= set(rules), f"never generated: {set(RULES) - set(rules)}"
    hows = {how for _, (how, _) in styles}
    assert hows == {"op", "np", "jets"}
    aliases = {label for name, (how, label) in styles if label != name}
    assert len(aliases) >= 10, aliases  # asin, atan2, pow, abs, ... are exercised


def test_every_rule_has_a_domain_margin_a_bound_and_a_reference():
    kinks = {"absolute", "sign", "floor", "ceil", "trunc", "rint", "maximum", "minimum", "clip"}
    for name, rule in RULES.items():
        if rule.domain is not None or name in kinks:
            assert name in F.SAFE, f"{name}: add its margin to fuzz_gen.SAFE"
        assert name in F._RULE_BOUNDS, f"{name}: add its majorant to fuzz_gen._RULE_BOUNDS"


def test_cases_are_deterministic_and_keep_to_the_limits():
    for i in range(40):
        a, b = F.make_case(i), F.make_case(i)
        assert a.root.text() == b.root.text()
        assert np.array_equal(a.points, b.points)
        assert 1 <= a.nvars <= 4
        assert a.root.variables() == set(range(a.nvars))
        assert a.order == {1: 10, 2: 5, 3: 5, 4: 4}[a.nvars]
        # every point value is dyadic, so jets and sympy see the same numbers
        assert np.all(a.points * 32 == np.round(a.points * 32))


def test_generated_points_stay_inside_every_domain():
    for i in range(60):
        stack = [F.make_case(i).root]
        while stack:
            n = stack.pop()
            if n.kind == "rule":
                assert F.admissible(n.name, list(n.args)), (n.name, n.text())
            stack.extend(n.args)


# ------------------------------------------------- the reference and the bound
def _small_cases(count):
    """Small cases without max/min/clip (whose sympy derivatives carry
    Heaviside terms that make whole-tree differentiation slow)."""
    out, i = [], 0
    while len(out) < count:
        k = len(out) % 3
        case = F.make_case(i, seed=F.SEED + 7, nvars=k + 1, order=[6, 4, 3][k], max_size=6)
        i += 1
        if case.root.size() <= 9 and not case.root.rules() & {"maximum", "minimum", "clip"}:
            out.append(case)
    return out


@pytest.mark.parametrize("case", _small_cases(12), ids=lambda c: str(c.index))
def test_composed_reference_matches_whole_tree_sympy(case):
    """The default reference (elementary sympy derivatives composed in
    double-double) agrees with differentiating the whole tree in sympy."""
    alphas = F.ctx(case.nvars, case.order).alphas
    syms = F._symbols(case.nvars)
    sym = F.reference_coeffs(case.root.to_sympy(syms), syms, case.points, alphas)
    dd = F.reference_dd(case)
    for j in range(len(alphas)):
        for p in range(case.points.shape[1]):
            got = dd.to_mp((j, p))
            assert abs(got - sym[j][p]) <= 1e-26 * (1 + abs(sym[j][p])), (
                case.describe(),
                alphas[j],
                p,
                got,
                sym[j][p],
            )


def test_bound_is_tight_enough_to_catch_small_errors():
    """The bound is at most ~1e-11 of the coefficient's magnitude, so a wrong
    digit anywhere past the 11th fails; and a perturbed jet does fail."""
    worst = 0.0
    for i in range(60):
        _, M, E = F.error_bound(F.make_case(i))
        with np.errstate(all="ignore"):
            worst = max(worst, float(np.max(np.where(M > 0, E / M, 0))))
    assert worst < 1e-10


def test_checker_flags_a_wrong_coefficient(monkeypatch):
    case = F.make_case(1)
    res = F.check_case(case)
    assert not res.failures
    real = F.Node.evaluate

    def tampered(self, xs):
        out = real(self, xs)
        if self is case.root:
            import jets

            c = np.array(out.coeffs)
            c[-1] = c[-1] * (1 + 1e-9) + 1e-300
            return jets.Jet(out.space, c)
        return out

    monkeypatch.setattr(F.Node, "evaluate", tampered)
    bad = F.check_case(case)
    assert bad.failures and "replay: python tests/fuzz_gen.py" in F.report(bad)


@pytest.mark.parametrize("key", ["ellipk", "ellipe", "lambertw"])
def test_numeric_elementary_reference_equals_the_sympy_derivatives(key):
    """Above order 4 the fuzz reference of the functions whose sympy derivatives
    swell is mpmath.taylor; at order 5 it equals the sympy derivatives."""
    numeric = F._numeric_elementary(key, 5)
    z, ds = F._derivatives(key, 5)
    exact = sp.lambdify((z,), [d / math.factorial(j) for j, d in enumerate(ds)], "mpmath")
    for x in ("0.3", "-0.55", "0.8"):
        with mpmath.workdps(40):
            x = mpmath.mpf(x)
            if key == "lambertw":
                x = abs(x) + 0.2  # inside the real domain
            for a, b in zip(numeric(x), exact(x), strict=True):
                b = mpmath.mpmathify(b)
                assert abs(a - b) <= mpmath.mpf(10) ** -34 * max(1, abs(b)), (key, x)
