"""sympy ground truth: every partial of a corpus of expressions, every rule.

Each corpus entry is ONE Python function of a namespace ``n`` and the variables.
It is called once with the jets namespace (``jets.<name>`` functions, jet
variables) and once with the sympy namespace (``SYMPY`` twins of the same rule
names, sympy symbols), so the jet expression and its ground truth cannot drift
apart.  Univariate entries are checked to order 12, multivariate ones to total
order 6 (every partial of degree <= 6), at 2-4 points evaluated in ONE jet
batch (and the first point again as a scalar jet); some entries are also
checked in per-variable-order spaces (``order=(k1, ..., kn)``).  The reference
partials are sympy derivatives evaluated with mpmath at 30 digits
(``sympy_ref.reference_partials_batch``; derivatives cached per session).

Acceptance criterion (scaled relative error)
--------------------------------------------
Compare Taylor coefficients c[alpha] = d^alpha f / alpha! (the jet's native
numbers; a partial's error is alpha! times its coefficient's error)::

    |c_jet[alpha] - c_ref[alpha]| <= 1e-10 * max(|c_ref[alpha]|, scale_d),
    d = |alpha|,
    scale_d = max over the coefficient blocks of degree d-1, d, d+1 of |c_ref|

per point.  scale_d is the natural magnitude of degree-d coefficients at that
point: the recurrences build degree d from products of lower degrees, so their
rounding is relative to the size of the neighbouring blocks, not to a single
coefficient that happens to cancel (the even coefficients of sin at 0, an
entry of a degree block that is small next to the others).  It loosens the
pure relative test only by the ratio between adjacent degrees (about the
inverse radius of convergence), so an O(1) relative error in any coefficient
that is not itself negligible next to its neighbours always fails.  If the
three blocks are all exactly zero (a polynomial past its degree, a
piecewise-constant function), scale_d is the largest block of the jet.
Every jet number must be finite.  Points are dyadic (exact in binary), so
sympy and the jet see the same point.

"Well conditioned" is about the Taylor arithmetic, not only the function.
Two shapes of expression lose accuracy at high order in any floating-point
jet, and the corpus avoids them on purpose (they are not engine bugs):
a quotient whose result has much faster decaying coefficients than its
divisor's rounding errors (expm1(x)/x at x0 = 1/8: errors decay like
8**-d, coefficients like 1/(d+1)!, order 12 is off by 1e4 relatively; at
x0 = 1.5 still 1e-9), and a product whose terms cancel
(erfc(x) * exp(x**2) at x0 = 2: condition number 3e8 at degree 12, error
2e-9).

The references come from ``sympy_ref.fast_diff`` (sympy's derivative rule
of each function, chain/product rules on an unevaluated DAG: sympy.diff
itself takes minutes at order 12); ``test_fast_diff_matches_sympy_diff``
checks it against ``sympy.diff`` on every corpus expression at low order.
Each reference is evaluated at 50 and 80 digits and the two must agree to
1e-30 of the scale above, so every reference has at least 30 good digits.

The largest scaled error over the corpus is printed by ``test_report``
(run with ``-s`` to see it).
"""

import math
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pytest
import sympy as sp

import jets
import jets.functions as F
import jets.rules as R
from sympy_ref import SYMPY, evaluate_batch, reference_partials_batch
from sympy_ref import symbols as real_symbols

RTOL = 1e-10
UNI_ORDER = 12
MULTI_ORDER = 6

# ----------------------------------------------------------------- namespaces
#: the jets side: every public function name (rules and aliases)
JET = SimpleNamespace(**F.FUNCTIONS, q=lambda a, b: a / b, pi=math.pi)
#: the sympy side: the same names bound to the SYMPY twins of their rules
SYM = SimpleNamespace(
    **{name: SYMPY[R.lookup(name).name] for name in F.FUNCTIONS}, q=sp.Rational, pi=sp.pi
)
SYMBOLS = real_symbols("x y z")


@dataclass(frozen=True)
class Case:
    id: str
    fn: object
    points: tuple
    caps: tuple = ()  # per-variable orders to check as well

    @property
    def nvars(self):
        return len(self.points[0])

    @property
    def order(self):
        return UNI_ORDER if self.nvars == 1 else MULTI_ORDER


def C(id, fn, *points, caps=()):
    return Case(id, fn, tuple(tuple(float(c) for c in p) for p in points), tuple(caps))


# ------------------------------------------------------------------- corpus
CORPUS = [
    # ---- univariate, order 12
    C("exp(sin x)", lambda n, x: n.exp(n.sin(x)), (-0.5,), (0.25,), (1.125,)),
    C("cos x * exp2 x", lambda n, x: n.cos(x) * n.exp2(x), (-1,), (0.5,), (2.25,)),
    C("expm1(x)/(2+x)", lambda n, x: n.expm1(x) / (2 + x), (-0.75,), (0.125,), (1.5,)),
    C("log x * sqrt x", lambda n, x: n.log(x) * n.sqrt(x), (0.5,), (1.5,), (3,)),
    C("log2 x + log10(1+x^2)", lambda n, x: n.log2(x) + n.log10(1 + x**2), (0.25,), (1,), (2.5,)),
    C("log1p(x)/(1+x)", lambda n, x: n.log1p(x) / (1 + x), (-0.5,), (0.375,), (2,)),
    C("tan x", lambda n, x: n.tan(x), (-1,), (0.25,), (1.25,)),
    C(
        "arcsin x + arccos(x/2)",
        lambda n, x: n.arcsin(x) + n.arccos(x / 2),
        (-0.625,),
        (0.125,),
        (0.75,),
    ),
    C("x arctan x", lambda n, x: x * n.arctan(x), (-2,), (0.5,), (3,)),
    C("sinh x cosh(x/2)", lambda n, x: n.sinh(x) * n.cosh(x / 2), (-1.5,), (0.25,), (2,)),
    C("tanh(x^2)", lambda n, x: n.tanh(x**2), (-0.75,), (0.5,), (1.25,)),
    C(
        "arcsinh x - arctanh(x/2)",
        lambda n, x: n.arcsinh(x) - n.arctanh(x / 2),
        (-1,),
        (0.25,),
        (1.5,),
    ),
    C("arccosh x", lambda n, x: n.arccosh(x), (1.25,), (2,), (5,)),
    C("cbrt(x) (1-x)", lambda n, x: n.cbrt(x) * (1 - x), (-2,), (-0.5,), (0.75,), (3,)),
    C("reciprocal(1+square x)", lambda n, x: n.reciprocal(1 + n.square(x)), (-1.5,), (0,), (0.75,)),
    C(
        "square(sin x) - negative(cos x)",
        lambda n, x: n.square(n.sin(x)) - n.negative(n.cos(x)),
        (-0.5,),
        (0,),
        (1,),
    ),
    C("x^(3/2) + (1+x)^-3", lambda n, x: x ** n.q(3, 2) + (1 + x) ** (-3), (0.25,), (1,), (2.5,)),
    C("sin(deg2rad x)", lambda n, x: n.sin(n.deg2rad(x)), (30,), (45,), (100,)),
    C("rad2deg(arctan x)", lambda n, x: n.rad2deg(n.arctan(x)), (-1,), (0.5,), (2,)),
    C("erf x", lambda n, x: n.erf(x), (-1,), (0.25,), (1.5,)),
    C("erfc(x) exp(x^2)", lambda n, x: n.erfc(x) * n.exp(x**2), (-0.5,), (0.5,), (1,)),
    C("erfc x", lambda n, x: n.erfc(x), (-1,), (2,), (4.5,)),
    C("gamma x", lambda n, x: n.gamma(x), (-0.5,), (0.75,), (2.5,), (4.25,)),
    C("lgamma x", lambda n, x: n.lgamma(x), (0.25,), (1.5,), (6,)),
    C("sinpi x + cospi x^2", lambda n, x: n.sinpi(x) + n.cospi(x**2), (-1.5,), (0.25,), (2,)),
    C("sinc x", lambda n, x: n.sinc(x), (-2.5,), (0.375,), (1,), (4.25,)),
    C("expit x logit(x/4)", lambda n, x: n.expit(x) * n.logit(x / 4), (0.5,), (2,), (3.5,)),
    C("sigmoid(-x)", lambda n, x: n.sigmoid(-x), (-30,), (0.5,), (12,)),
    C("erfinv x", lambda n, x: n.erfinv(x), (-0.875,), (0.25,), (0.96875,)),
    C("erfcx x", lambda n, x: n.erfcx(x), (-1.5,), (0.25,), (0.75,), (6,)),
    C("lambertw x", lambda n, x: n.lambertw(x), (-0.3125,), (0.5,), (20,)),
    C("ellipk x + ellipe x", lambda n, x: n.ellipk(x) + n.ellipe(x), (-3,), (0.375,), (0.875,)),
    C("expi x - exp1 x", lambda n, x: n.expi(x) - n.exp1(x), (0.25,), (1.5,), (6,)),
    C("polygamma(1, x)", lambda n, x: n.polygamma(1, x), (-2.5,), (0.75,), (5,)),
    C("jv(1, x) yv(0.5, x)", lambda n, x: n.jv(1, x) * n.yv(0.5, x), (0.75,), (3,), (12,)),
    C("iv(2, x) + kv(1.5, x)", lambda n, x: n.iv(2, x) + n.kv(1.5, x), (0.75,), (3,), (12,)),
    C("digamma x", lambda n, x: n.digamma(x), (0.75,), (2,), (5.5,)),
    C(
        "abs(sin x) + abs(x-1)",
        lambda n, x: n.absolute(n.sin(x)) + abs(x - 1),
        (-2,),
        (0.5,),
        (3.5,),
    ),
    C(
        "sign(x) exp x + floor(x) x",
        lambda n, x: n.sign(x) * n.exp(x) + n.floor(x) * x,
        (-1.5,),
        (0.5,),
        (2.25,),
    ),
    C(
        "ceil cos - trunc sin + rint x^2",
        lambda n, x: n.ceil(x) * n.cos(x) - n.trunc(x) * n.sin(x) + n.rint(x) * x**2,
        (-1.75,),
        (0.25,),
        (2.375,),
    ),
    C("maximum(sin x, cos x)", lambda n, x: n.maximum(n.sin(x), n.cos(x)), (-2,), (0.25,), (1.5,)),
    C("minimum(x^2, 1.5-x)", lambda n, x: n.minimum(x**2, 1.5 - x), (-2,), (0.5,), (1.25,)),
    C("clip(x, 0.5, 2) exp x", lambda n, x: n.clip(x, 0.5, 2.0) * n.exp(x), (0.25,), (1,), (3,)),
    C("x**x", lambda n, x: x**x, (0.5,), (1.5,), (2.75,)),
    C("logaddexp(x, -x)", lambda n, x: n.logaddexp(x, -x), (-3,), (0.25,), (5,)),
    C("logaddexp2(x, x^2)", lambda n, x: n.logaddexp2(x, x**2), (-1,), (0.5,), (2,)),
    C("hypot(x, 1.5)", lambda n, x: n.hypot(x, 1.5), (-2,), (0,), (1,)),
    C("arctan2(x, -1-x^2)", lambda n, x: n.arctan2(x, -1 - x**2), (-0.5,), (0.75,), (2,)),
    C(
        "positive(sin x) - negative(x)^3",
        lambda n, x: n.positive(n.sin(x)) - n.negative(x) ** 3,
        (-1,),
        (0.5,),
        (2,),
    ),
    C("sqrt(1-x^2)/(2-x)", lambda n, x: n.sqrt(1 - x**2) / (2 - x), (-0.5,), (0.25,), (0.875,)),
    C("exp(-x^2) cos(3x)", lambda n, x: n.exp(-(x**2)) * n.cos(3 * x), (-1,), (0,), (0.625,)),
    C("1/(1 + exp(-x))", lambda n, x: 1 / (1 + n.exp(-x)), (-4,), (0,), (2.5,)),
    C("pow(x, 2.5) log x", lambda n, x: n.pow(x, 2.5) * n.log(x), (0.5,), (1.75,)),
    # ---- bivariate, total order 6
    C("(x+2y)^3", lambda n, x, y: (x + 2 * y) ** 3, (4, 3), (-1, 0.5), (0, 0)),
    C(
        "exp(xy)",
        lambda n, x, y: n.exp(x * y),
        (0.5, -1),
        (1, 1),
        (-0.25, 2),
        caps=[(3, 3), (6, 0), (1, 1)],
    ),
    C(
        "sin x cos y",
        lambda n, x, y: n.sin(x) * n.cos(y),
        (0.5, 0.25),
        (-1, 2),
        (0, 0),
        caps=[(6, 6), (2, 5)],
    ),
    C("x/y + y/x", lambda n, x, y: x / y + y / x, (1, 2), (-0.5, 0.75), (3, -1.5)),
    C("log(x^2+y^2)", lambda n, x, y: n.log(x**2 + y**2), (1, 0.5), (-0.75, 2), (0.25, -0.25)),
    C("sqrt(xy+1)", lambda n, x, y: n.sqrt(x * y + 1), (0.5, 0.5), (2, 3), (-0.25, 1.5)),
    C(
        "arctan2(y, x)",
        lambda n, x, y: n.arctan2(y, x),
        (1, 0.5),
        (-1, 0.75),
        (-0.5, -1.5),
        (0.25, -2),
        caps=[(4, 2)],
    ),
    C("hypot(x, y)", lambda n, x, y: n.hypot(x, y), (3, 4), (-1, 0.5), (0.25, -2)),
    C("x**y", lambda n, x, y: x**y, (0.5, 1.5), (2, -0.5), (1.25, 3)),
    C("logaddexp(x, y)", lambda n, x, y: n.logaddexp(x, y), (0, 0), (1, -2), (-3, 5)),
    C(
        "logaddexp2(xy, x-y)",
        lambda n, x, y: n.logaddexp2(x * y, x - y),
        (0.5, 0.5),
        (1, -2),
        (-1.5, 0.25),
    ),
    C(
        "tan(x + y/2)",
        lambda n, x, y: n.tan(x + y / 2),
        (0.25, 0.5),
        (-1, 1),
        (1, 0.25),
        caps=[(2, 4)],
    ),
    C(
        "arcsin(xy) + arccos(x-y)",
        lambda n, x, y: n.arcsin(x * y) + n.arccos(x - y),
        (0.5, 0.25),
        (-0.5, 0.125),
        (0.75, 0.875),
    ),
    C(
        "sinh(x-y) tanh(xy)",
        lambda n, x, y: n.sinh(x - y) * n.tanh(x * y),
        (0.5, -0.5),
        (1, 2),
        (-1.5, 0.25),
    ),
    C("cosh x / cosh y", lambda n, x, y: n.cosh(x) / n.cosh(y), (0.5, 1), (-1, 0), (2, -1.5)),
    C(
        "arcsinh(xy) + arccosh(x^2+y^2)",
        lambda n, x, y: n.arcsinh(x * y) + n.arccosh(x**2 + y**2),
        (1, 0.5),
        (-1.5, 0.25),
        (0.75, -1),
    ),
    C("arctanh(xy)", lambda n, x, y: n.arctanh(x * y), (0.5, 0.5), (-1, 0.75), (2, 0.125)),
    C(
        "erf(xy) + erfc(x+y)",
        lambda n, x, y: n.erf(x * y) + n.erfc(x + y),
        (0.5, 0.25),
        (-1, 1.5),
        (1, 1),
    ),
    C("gamma(x+y)", lambda n, x, y: n.gamma(x + y), (0.5, 1), (2, 1.5), (-0.25, -0.5)),
    C(
        "jv(0, xy) + lambertw(x+y)",
        lambda n, x, y: n.jv(0, x * y) + n.lambertw(x + y),
        (0.5, 0.25),
        (-1, 1.5),
        (2, 1),
    ),
    C(
        "erfcx(xy) expit(x-y)",
        lambda n, x, y: n.erfcx(x * y) * n.expit(x - y),
        (0.5, 0.25),
        (-1, 1.5),
        (2, 1),
    ),
    C(
        "lgamma(xy) + digamma(x+y)",
        lambda n, x, y: n.lgamma(x * y) + n.digamma(x + y),
        (1, 0.5),
        (2, 1.5),
        (0.25, 3),
    ),
    C(
        "maximum(x, y) sin(xy)",
        lambda n, x, y: n.maximum(x, y) * n.sin(x * y),
        (1, 0.5),
        (-1, 2),
        (0.25, -0.75),
    ),
    C("minimum(xy, x+y)", lambda n, x, y: n.minimum(x * y, x + y), (2, 3), (0.5, 0.25), (-1, 2)),
    C(
        "clip(x, y-1, y+1) exp y",
        lambda n, x, y: n.clip(x, y - 1, y + 1) * n.exp(y),
        (0.5, 0.25),
        (3, 0.5),
        (-2, 0.75),
    ),
    C(
        "abs(x-y) exp y",
        lambda n, x, y: n.absolute(x - y) * n.exp(y),
        (1, 0.5),
        (-1, 0.25),
        (0.5, 2),
    ),
    C(
        "floor(x) y^2 + ceil(y) x + sign(x-y) xy",
        lambda n, x, y: n.floor(x) * y**2 + n.ceil(y) * x + n.sign(x - y) * x * y,
        (1.5, 0.25),
        (-0.5, 2.5),
        (2.25, -1.75),
    ),
    C(
        "trunc(x+y) x + rint(xy) y",
        lambda n, x, y: n.trunc(x + y) * x + n.rint(x * y) * y,
        (1.5, 0.25),
        (-0.75, -1.5),
        (2.25, 1.125),
    ),
    C(
        "expm1(xy) - log1p(xy)",
        lambda n, x, y: n.expm1(x * y) - n.log1p(x * y),
        (0.5, 0.25),
        (-0.5, 1),
        (1.5, 1),
    ),
    C(
        "exp2(x-y) log2(xy) + log10(x+y)",
        lambda n, x, y: n.exp2(x - y) * n.log2(x * y) + n.log10(x + y),
        (1, 0.5),
        (2, 3),
        (0.25, 4),
    ),
    C("cbrt(xy - 1)", lambda n, x, y: n.cbrt(x * y - 1), (0.5, 1), (2, 1.5), (-1, 2)),
    C(
        "square(x-y) reciprocal(x+y)",
        lambda n, x, y: n.square(x - y) * n.reciprocal(x + y),
        (1, 0.5),
        (-2, 0.5),
        (3, 4),
    ),
    C(
        "deg2rad(x) rad2deg(y) + sin(deg2rad(xy))",
        lambda n, x, y: n.deg2rad(x) * n.rad2deg(y) + n.sin(n.deg2rad(x * y)),
        (30, 2),
        (-45, 0.5),
        (10, 10),
    ),
    C(
        "(1+x^2+y^2)^(-1/2)",
        lambda n, x, y: (1 + x**2 + y**2) ** -0.5,
        (0, 0),
        (1, -0.5),
        (-2, 1.5),
    ),
    C(
        "exp(sin(xy))/(1+x^2)",
        lambda n, x, y: n.exp(n.sin(x * y)) / (1 + x**2),
        (0.5, 0.75),
        (-1, 1.5),
        caps=[(5, 1)],
    ),
    C("x^2 y - 3 y/x", lambda n, x, y: x**2 * y - 3 * y / x, (1, 1), (-2, 0.5), (0.5, -3)),
    # ---- trivariate, total order 6
    C(
        "xyz + exp(x-z)",
        lambda n, x, y, z: x * y * z + n.exp(x - z),
        (0.5, 1, -0.5),
        (-1, 2, 0.25),
        caps=[(1, 1, 1)],
    ),
    C("sin(x + yz)", lambda n, x, y, z: n.sin(x + y * z), (0.5, 1, -0.5), (-1, 2, 0.25)),
    C(
        "1/sqrt(x^2+y^2+z^2)",
        lambda n, x, y, z: 1 / n.sqrt(x**2 + y**2 + z**2),
        (1, 0.5, -0.5),
        (-1, 2, 0.25),
        caps=[(2, 2, 2)],
    ),
    C("log(x+y+z)", lambda n, x, y, z: n.log(x + y + z), (1, 0.5, -0.5), (0.25, 2, 0.25)),
    C("arctan2(y, x) z", lambda n, x, y, z: n.arctan2(y, x) * z, (1, 0.5, -0.5), (-1, -2, 0.25)),
    C(
        "hypot(hypot(x, y), z)",
        lambda n, x, y, z: n.hypot(n.hypot(x, y), z),
        (1, 0.5, -0.5),
        (-1, 2, 0.25),
    ),
    C("(x+y+z)^4", lambda n, x, y, z: (x + y + z) ** 4, (1, 0.5, -0.5), (-1, 2, 0.25)),
    C(
        "exp(x) cos(y) sinh(z)",
        lambda n, x, y, z: n.exp(x) * n.cos(y) * n.sinh(z),
        (1, 0.5, -0.5),
        (-1, 2, 0.25),
    ),
    C("xy/(1+z^2)", lambda n, x, y, z: x * y / (1 + z**2), (1, 0.5, -0.5), (-1, 2, 0.25)),
]


# ------------------------------------------------------------- evaluation
_STATS = {"cases": 0, "partials": 0, "worst": (0.0, None), "worst_rel": (0.0, None)}
_REFS = {}


def _space_alphas(nvars, order):
    return list(jets.space(nvars, order).index)


def _reference(case):
    """{alpha: partials at every point} for all alphas the case needs (cached)."""
    if case.id not in _REFS:
        wanted = _space_alphas(case.nvars, case.order)
        for caps in case.caps:
            wanted += [a for a in _space_alphas(case.nvars, caps) if a not in wanted]
        syms = SYMBOLS[: case.nvars]
        expr = case.fn(SYM, *syms)
        vals = reference_partials_batch(expr, syms, case.points, wanted)
        _REFS[case.id] = dict(zip(wanted, vals, strict=True))
    return _REFS[case.id]


def _jet_partials(case, order, points):
    cols = [np.array([p[i] for p in points]) for i in range(case.nvars)]
    if len(points) == 1:
        cols = [c[0] for c in cols]
    f = case.fn(JET, *jets.variables(cols, order))
    return f.space, f.partials()


def check_against(case, order, points, where):
    """Compare the jet's partials with sympy's; return the largest scaled error."""
    S, got = _jet_partials(case, order, points)
    ref_all = _reference(case)
    idx = [case.points.index(p) for p in points]
    alphas = list(S.index)
    assert list(got) == alphas, "partials() keys must be the space's monomials, graded"
    fact = S.factorials[:, None]
    g = np.array([np.reshape(got[a], -1) for a in alphas]) / fact
    r = np.array([ref_all[a][idx] for a in alphas]) / fact
    assert np.all(np.isfinite(g)), f"{case.id} ({where}): non-finite coefficients"
    deg = S.degrees
    top = int(deg.max())
    block = np.array([np.max(np.abs(r[deg == d]), axis=0) for d in range(top + 1)])
    scale = np.array([block[max(d - 1, 0) : d + 2].max(axis=0) for d in range(top + 1)])
    fallback = np.where(block.max(axis=0) > 0, block.max(axis=0), 1.0)
    scale = np.where(scale > 0, scale, fallback)[deg]
    err = np.abs(g - r) / np.maximum(np.abs(r), scale)
    k, j = np.unravel_index(np.argmax(err), err.shape)
    worst = float(err[k, j])
    _STATS["partials"] += err.size
    if worst > _STATS["worst"][0]:
        _STATS["worst"] = (worst, f"{case.id} {where} alpha={alphas[k]} point={points[j]}")
    nz = np.abs(r) > 1e-6 * scale  # plain relative error, for the report only
    if np.any(nz):
        rel = np.abs(g - r)[nz] / np.abs(r[nz])
        if rel.max() > _STATS["worst_rel"][0]:
            _STATS["worst_rel"] = (float(rel.max()), f"{case.id} {where}")
    assert worst <= RTOL, (
        f"{case.id} ({where}, order={order}): partial {alphas[k]} at {points[j]}: "
        f"jet {g[k, j] * fact[k, 0]!r} vs sympy {r[k, j] * fact[k, 0]!r} "
        f"(scaled error {worst:.3g} > {RTOL})"
    )
    return worst


# ------------------------------------------------------------------ tests
def test_corpus_size_and_shape():
    ids = [c.id for c in CORPUS]
    assert len(ids) == len(set(ids)), "corpus ids must be unique"
    assert len(CORPUS) >= 60
    assert {c.nvars for c in CORPUS} == {1, 2, 3}
    assert all(len(c.points) >= 2 for c in CORPUS)


def test_corpus_uses_every_rule(monkeypatch):
    """The set of rules the corpus runs through is exactly set(RULES)."""
    used = set()
    real_apply = jets.jet.apply

    def recording_apply(name, *args):
        used.add(R.lookup(name).name if isinstance(name, str) else name.name)
        return real_apply(name, *args)

    monkeypatch.setattr(jets.jet, "apply", recording_apply)
    for case in CORPUS:
        cols = [np.array([p[i] for p in case.points]) for i in range(case.nvars)]
        case.fn(JET, *jets.variables(cols, 1))
    assert used == set(R.RULES), (
        f"rules never used by the corpus: {sorted(set(R.RULES) - used)}; "
        f"used but not in RULES: {sorted(used - set(R.RULES))}"
    )


def test_fast_diff_matches_sympy_diff():
    """The reference differentiator agrees with sympy.diff on every corpus
    expression for all partials of degree <= 2 (univariate: <= 3)."""
    for case in CORPUS:
        syms = SYMBOLS[: case.nvars]
        expr = case.fn(SYM, *syms)
        alphas = [a for a in _space_alphas(case.nvars, 3 if case.nvars == 1 else 2)]
        ours = reference_partials_batch(expr, syms, case.points, alphas)
        theirs = []
        for a in alphas:
            d = expr
            for i, k in enumerate(a):
                if k:
                    d = sp.diff(d, syms[i], k)
            theirs.append(d)
        theirs = evaluate_batch(theirs, syms, case.points)
        scale = np.maximum(np.abs(theirs).max(axis=0), 1e-300)
        assert np.all(np.abs(ours - theirs) <= 1e-25 * scale), case.id


@pytest.mark.parametrize("case", CORPUS, ids=[c.id for c in CORPUS])
def test_corpus_partials(case):
    """All points in one batch, then the first point as a scalar jet."""
    check_against(case, case.order, case.points, "batch")
    check_against(case, case.order, case.points[:1], "scalar")
    _STATS["cases"] += 1


CAPS_CASES = [(c, caps) for c in CORPUS for caps in c.caps]


@pytest.mark.parametrize("case, caps", CAPS_CASES, ids=[f"{c.id}-{caps}" for c, caps in CAPS_CASES])
def test_corpus_per_variable_order(case, caps):
    check_against(case, caps, case.points, f"caps {caps}")


def test_report(capsys):
    """Print the corpus size, partials checked and the largest errors seen."""
    if not _STATS["partials"]:
        pytest.skip("run together with the corpus tests")
    with capsys.disabled():
        print(
            f"\n[corpus] {len(CORPUS)} expressions, {_STATS['cases']} checked, "
            f"{_STATS['partials']} partial-point comparisons; "
            f"largest scaled error {_STATS['worst'][0]:.3g} ({_STATS['worst'][1]}); "
            f"largest plain relative error on nonzero references "
            f"{_STATS['worst_rel'][0]:.3g} ({_STATS['worst_rel'][1]})"
        )
    assert _STATS["worst"][0] <= RTOL
