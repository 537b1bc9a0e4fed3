"""Random expression trees over every rule of ``jets.rules.RULES``, evaluated
three ways: with jets, with sympy (symbolic derivatives at 40 digits), and
with a *running error bound* built from majorant series.

A case is ``make_case(index, seed)``: a tree over 1-4 variables (depth <= 6
for the operations the generator chooses; a child may get an affine wrapper
``c*a + t`` that moves it into a domain), an order (10 for one variable, 5 or
4 for several) and a batch of points (all evaluated in ONE jet batch).  Every
number the generator uses is dyadic (k / 2^m), so jets and sympy see exactly
the same function: constants, points, exponents.

Domains: each rule is applied only where it is comfortably smooth at every
point of the batch: ``Rule.domain`` must hold, and :data:`SAFE` keeps a margin
from domain edges, poles and the kinks of abs / sign / floor / maximum / clip
(see ``docs/theory.md``, "Accuracy and the tolerance model").  A child whose
values miss the domain is wrapped in an affine map or shifted by a constant,
else another operation is drawn.

Tolerance model: :func:`error_bound` runs, alongside the jet, the same
recurrences on majorant series (all signs made positive, absolute values of
the point values), which bounds the magnitude M of every term the engine
adds, and propagates a first-order error series E (the rounding of each step,
u * (terms) * M, plus the inherited input errors through the majorant of the
derivative).  A coefficient passes when |jet - sympy| <= E.  The docs explain
and justify the constants.

Replay a failing case with ``python tests/fuzz_gen.py SEED INDEX``: it prints
the expression in jets and sympy form, the points and every failing partial.
"""

import math
import sys
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache, lru_cache
from math import factorial

import mpmath
import numpy as np
import sympy as sp

import jets
from jets.majorants import VALUE_ULPS  # scipy's measured value errors
from jets.rules import RULES

try:  # the tests directory is on sys.path under pytest (rootdir conftest)
    from sympy_ref import SYMPY
except ImportError:  # pragma: no cover - run as a script from the repo root
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    from sympy_ref import SYMPY

__all__ = [
    "Node",
    "Case",
    "make_case",
    "check_case",
    "error_bound",
    "reference_coeffs",
    "SAFE",
    "FIT",
    "SEED",
    "Result",
    "replay",
]

SEED = 20240605
MARGIN = 1 / 8  # distance kept from domain edges, poles and kinks
VMAX = 1e4  # largest |value| a subtree may take at a point
U64 = 2.0**-53  # unit roundoff of float64
U32 = 2.0**-24  # unit roundoff of float32
#: unit roundoff -> smallest subnormal of that format (absolute error of a
#: product or quotient in gradual underflow)
ETA = {U64: 2.0**-1074, U32: 2.0**-149}
#: rules whose first argument is a plain order (polygamma(n, a), jv(v, a)) and
#: the orders the generator draws for them
ORDERS = {
    "polygamma": [0, 1, 2, 3],
    "jv": [0, 1, 2, Fraction(1, 2), Fraction(-3, 2)],
    "yv": [0, 1, Fraction(5, 2), Fraction(-1, 2)],
    "iv": [0, 1, 3, Fraction(1, 2)],
    "kv": [0, 1, Fraction(3, 2), Fraction(-5, 2)],
}
#: relative backward error allowed to scipy's polygamma (the digamma / lgamma /
#: gamma coefficients, at a0 >= 1/2: the engine reflects below): accurate as if
#: evaluated at a0 * (1 + 64 u), see theory.md
POLYGAMMA_BACKWARD = 64


# ============================================================ expression trees
@dataclass(eq=False)
class Node:
    """One node: a variable x<index>, a dyadic constant, or a rule applied to
    children.  ``style`` says how the jets side calls the rule (operator,
    numpy ufunc, jets function, alias); ``vals`` are float64 values at the
    batch points, used for domain checks and branch choices."""

    kind: str  # "var", "const", "rule"
    name: str = ""
    args: tuple = ()
    index: int = 0
    const: Fraction = None
    as_int: bool = False  # an integer exponent given as Python int
    style: tuple = ("jets", "")
    vals: np.ndarray = None

    # ---------------------------------------------------------------- sizes
    def size(self):
        return 1 + sum(a.size() for a in self.args)

    def depth(self):
        return 0 if not self.args else 1 + max(a.depth() for a in self.args)

    def rules(self):
        out = {self.name} if self.kind == "rule" else set()
        for a in self.args:
            out |= a.rules()
        return out

    def variables(self):
        out = {self.index} if self.kind == "var" else set()
        for a in self.args:
            out |= a.variables()
        return out

    # ----------------------------------------------------------- renderings
    def text(self):
        """The expression as the Python a user would write with jets."""
        if self.kind == "var":
            return f"x{self.index}"
        if self.kind == "const":
            return str(int(self.const)) if self.as_int else repr(float(self.const))
        a = [c.text() for c in self.args]
        how, label = self.style
        if how == "op":
            return OPERATORS[self.name][1].format(*a)
        prefix = "np" if how == "np" else "jets"
        return f"{prefix}.{label}({', '.join(a)})"

    def to_sympy(self, syms):
        if self.kind == "var":
            return syms[self.index]
        if self.kind == "const":
            return sp.Rational(self.const.numerator, self.const.denominator)
        return SYMPY[self.name](*[c.to_sympy(syms) for c in self.args])

    def evaluate(self, xs):
        """Evaluate with jets: xs are the seeded variables (Jets)."""
        if self.kind == "var":
            return xs[self.index]
        if self.kind == "const":
            return int(self.const) if self.as_int else float(self.const)
        args = [c.evaluate(xs) for c in self.args]
        return call_style(self.name, self.style)(*args)


#: rule name -> (callable, text template) of the Python operator form
OPERATORS = {
    "add": (lambda a, b: a + b, "({} + {})"),
    "subtract": (lambda a, b: a - b, "({} - {})"),
    "multiply": (lambda a, b: a * b, "({} * {})"),
    "divide": (lambda a, b: a / b, "({} / {})"),
    "power": (lambda a, b: a**b, "({} ** {})"),
    "negative": (lambda a: -a, "(-{})"),
    "positive": (lambda a: +a, "(+{})"),
    "absolute": (lambda a: abs(a), "abs({})"),
}


def styles(name):
    """Every way to call the rule `name`: operators, numpy ufuncs (numpy's
    own names and aliases) and jets functions (name and aliases)."""
    rule = RULES[name]
    out = []
    if name in OPERATORS:
        out.append(("op", name))
    for nm in (name,) + rule.aliases:
        f = getattr(np, nm, None)
        if isinstance(f, np.ufunc) or (nm == "clip" and f is not None):
            out.append(("np", nm))
        if hasattr(jets, nm):
            out.append(("jets", nm))
    return out


def call_style(name, style):
    how, label = style
    if how == "op":
        return OPERATORS[name][0]
    return getattr(np if how == "np" else jets, label)


def plain_value(name, vals):
    """The rule's value at float64 points (domain checks, branch choices)."""
    with np.errstate(all="ignore"):
        return np.asarray(RULES[name].value(*vals), dtype=float)


# ================================================== domains, kinks and margins
def _dist_int(a):
    return np.abs(a - np.round(a))


def _gamma_ok(a):
    return (a > MARGIN) | ((_dist_int(a) > MARGIN) & (a > -4))


#: rule name -> mask of points that are comfortably inside the smooth domain
#: (a margin MARGIN from edges, poles and kinks).  Every rule with a
#: ``Rule.domain`` or a kink must be here (a test checks).
SAFE = {
    "divide": lambda a, b: np.abs(b) > MARGIN,
    "reciprocal": lambda a: np.abs(a) > MARGIN,
    "power": None,  # depends on the exponent: see _power_ok
    "log": lambda a: a > MARGIN,
    "log2": lambda a: a > MARGIN,
    "log10": lambda a: a > MARGIN,
    "log1p": lambda a: a > -1 + MARGIN,
    "sqrt": lambda a: a > MARGIN,
    "cbrt": lambda a: np.abs(a) > MARGIN,
    "hypot": lambda a, b: np.hypot(a, b) > MARGIN,
    # (and off the branch cut y = 0, x < 0, where a -0.0 from rint picks -pi
    # and sympy's atan2 +pi)
    "arctan2": lambda y, x: (np.hypot(x, y) > MARGIN) & ~((y == 0) & (x < 0)),
    "tan": lambda a: np.abs(np.cos(a)) > 0.2,
    "arcsin": lambda a: np.abs(a) < 1 - MARGIN,
    "arccos": lambda a: np.abs(a) < 1 - MARGIN,
    "arctanh": lambda a: np.abs(a) < 1 - MARGIN,
    "arccosh": lambda a: a > 1 + MARGIN,
    "absolute": lambda a: np.abs(a) > MARGIN,
    "sign": lambda a: np.abs(a) > MARGIN,
    "floor": lambda a: _dist_int(a) > MARGIN,
    "ceil": lambda a: _dist_int(a) > MARGIN,
    "trunc": lambda a: _dist_int(a) > MARGIN,
    "rint": lambda a: _dist_int(a - 0.5) > MARGIN,
    "maximum": lambda a, b: np.abs(a - b) > MARGIN,
    "minimum": lambda a, b: np.abs(a - b) > MARGIN,
    "clip": lambda a, lo, hi: (
        (hi - lo > 2 * MARGIN) & (np.abs(a - lo) > MARGIN) & (np.abs(a - hi) > MARGIN)
    ),
    "gamma": _gamma_ok,
    "lgamma": _gamma_ok,
    "digamma": _gamma_ok,
    # the sympy twins' derivative expressions are singular at 0 (sinc, lambertw,
    # ellipk, ellipe): the reference, not the jet, keeps the margin there
    "sinc": lambda a: np.abs(a) > MARGIN,
    # exp(a^2) erfc(a): the twin's derivatives cancel ~ (2 a^2)^k, beyond 40 digits
    "erfcx": lambda a: a < 6,
    "logit": lambda a: (a > MARGIN) & (a < 1 - MARGIN),
    "erfinv": lambda a: np.abs(a) < 1 - MARGIN,
    "lambertw": lambda a: (a > -np.exp(-1.0) + MARGIN) & (np.abs(a) > MARGIN),
    "ellipk": lambda a: (a < 1 - MARGIN) & (np.abs(a) > MARGIN),
    "ellipe": lambda a: (a < 1 - MARGIN) & (np.abs(a) > MARGIN),
    "expi": lambda a: np.abs(a) > MARGIN,
    "exp1": lambda a: a > MARGIN,
    "polygamma": lambda n, a: _gamma_ok(a),
    "jv": lambda v, a: a > MARGIN,
    "yv": lambda v, a: a > MARGIN,
    "iv": lambda v, a: a > MARGIN,
    "kv": lambda v, a: a > MARGIN,
}

#: rule name -> [(argument index, lo, hi)]: where an affine wrapper moves an
#: argument when its values miss the domain (or would overflow)
FIT = {
    "log": [(0, 0.25, 6)],
    "log2": [(0, 0.25, 6)],
    "log10": [(0, 0.25, 6)],
    "sqrt": [(0, 0.25, 6)],
    "log1p": [(0, -0.75, 5)],
    "arcsin": [(0, -0.8, 0.8)],
    "arccos": [(0, -0.8, 0.8)],
    "arctanh": [(0, -0.8, 0.8)],
    "arccosh": [(0, 1.25, 6)],
    "tan": [(0, -1.2, 1.2)],
    "exp": [(0, -4, 4)],
    "exp2": [(0, -5, 5)],
    "expm1": [(0, -4, 4)],
    "sinh": [(0, -4, 4)],
    "cosh": [(0, -4, 4)],
    "gamma": [(0, 0.25, 5)],
    "lgamma": [(0, 0.25, 6)],
    "digamma": [(0, 0.25, 6)],
    "cbrt": [(0, 0.25, 6)],
    "reciprocal": [(0, 0.25, 4)],
    "divide": [(1, 0.25, 4)],
    "hypot": [(0, 0.5, 3)],
    "arctan2": [(1, 0.5, 3)],
    "logit": [(0, 0.2, 0.8)],
    "erfinv": [(0, -0.8, 0.8)],
    "erfcx": [(0, -2, 5)],
    "lambertw": [(0, 0.25, 6)],
    "ellipk": [(0, 0.25, 0.85)],
    "ellipe": [(0, 0.25, 0.85)],
    "expi": [(0, 0.25, 4)],
    "exp1": [(0, 0.25, 4)],
    "expit": [(0, -8, 8)],
    "polygamma": [(1, 0.25, 6)],
    "jv": [(1, 0.5, 8)],
    "yv": [(1, 0.5, 8)],
    "iv": [(1, 0.5, 5)],
    "kv": [(1, 0.5, 8)],
}
#: shifts tried to move an argument off a kink
SHIFTS = [Fraction(k, 16) for k in (4, -4, 8, -8, 3, -3, 6, -6, 12, -12, 1, -1, 20, -20)]

#: rules whose derivatives are identically zero (piecewise constant)
ZERO_DERIVATIVE = {"sign", "floor", "ceil", "trunc", "rint"}

CONSTANTS = [Fraction(k, 8) for k in range(-24, 25) if k]
#: constant exponents for power: integers (also given as floats like 2.0)
#: and dyadic fractions
EXPONENTS = [Fraction(k) for k in (2, 3, -1, -2, 4, 5, 1, 0, -3)] + [
    Fraction(k, 4) for k in (2, 6, -2, 10, 1, 3, -5, 5)
]
RPOW_BASES = [Fraction(k, 4) for k in (2, 8, 12, 1, 3, 6)]


def admissible(name, args):
    """True if the rule `name` may be applied to the nodes `args` at every point."""
    vals = [a.vals for a in args]
    if any(not np.all(np.isfinite(v)) or np.any(np.abs(v) > VMAX) for v in vals):
        return False
    out = plain_value(name, vals)
    if not np.all(np.isfinite(out)) or np.any(np.abs(out) > VMAX):
        return False
    rule = RULES[name]
    with np.errstate(all="ignore"):
        if rule.domain is not None and not np.all(rule.domain(*vals)):
            return False
        if name == "power":
            b = args[1]
            if b.kind == "const" and b.const.denominator == 1:
                return b.const >= 0 or bool(np.all(np.abs(vals[0]) > MARGIN))
            return bool(np.all(vals[0] > MARGIN))
        ok = SAFE.get(name)
        if ok is not None and not np.all(ok(*vals)):
            return False
    return True


# ==================================================================== generator
class Generator:
    """Draws random trees at a fixed batch of points (see module docstring)."""

    def __init__(self, rng, points, max_depth, max_size):
        self.rng = rng
        self.points = points  # (n, P) float64, dyadic
        self.n = points.shape[0]
        self.max_depth = max_depth
        self.budget = max_size
        self.names = sorted(RULES)

    # -------------------------------------------------------------- leaves
    def var(self, i=None):
        i = int(self.rng.integers(self.n)) if i is None else i
        return Node("var", index=i, vals=self.points[i].astype(float))

    def const(self, value=None, as_int=False):
        if value is None:
            value = CONSTANTS[self.rng.integers(len(CONSTANTS))]
        P = self.points.shape[1]
        return Node("const", const=Fraction(value), as_int=as_int, vals=np.full(P, float(value)))

    def leaf(self):
        return self.var() if self.rng.random() < 0.75 else self.const()

    def rule(self, name, args):
        choices = styles(name)
        style = choices[self.rng.integers(len(choices))]
        vals = plain_value(name, [a.vals for a in args])
        return Node("rule", name=name, args=tuple(args), style=style, vals=vals)

    # -------------------------------------------------------------- fitting
    def affine(self, child, lo, hi):
        """child * s + t with dyadic s, t so the values land inside (lo, hi)."""
        v = child.vals
        if not np.all(np.isfinite(v)):
            return None
        width = float(v.max() - v.min())
        s = Fraction(1)
        while width * s > 0.6 * (hi - lo):
            s /= 2
        mid = (float(v.max()) + float(v.min())) / 2
        t = Fraction(round(((lo + hi) / 2 - float(s) * mid) * 16), 16)
        node = child
        if s != 1:
            node = self.rule("multiply", [node, self.const(s)])
        if t != 0:
            node = self.rule(
                "add", [node, self.const(t)] if self.rng.random() < 0.5 else [self.const(t), node]
            )
        return node

    def repair(self, name, args):
        """Try affine wrappers / shifts of the arguments until admissible."""
        if admissible(name, args):
            return args
        for i, lo, hi in FIT.get(name, []):
            if i < len(args) and args[i].kind != "const":
                new = list(args)
                new[i] = self.affine(args[i], lo, hi)
                if new[i] is not None and admissible(name, new):
                    return new
        for i in range(len(args)):
            if args[i].kind == "const" and name != "clip":
                continue
            for t in SHIFTS:
                new = list(args)
                if args[i].kind == "const":
                    new[i] = self.const(args[i].const + t)
                else:
                    new[i] = self.rule("add", [args[i], self.const(t)])
                if admissible(name, new):
                    return new
        return None

    # ------------------------------------------------------------- subtrees
    def node(self, depth):
        if depth <= 0 or self.budget <= 1 or self.rng.random() < 0.12 * (self.max_depth - depth):
            return self.leaf()
        for _ in range(8):
            name = self.names[self.rng.integers(len(self.names))]
            made = self.make(name, depth)
            if made is not None:
                return made
        return self.leaf()

    def make(self, name, depth):
        rule = RULES[name]
        self.budget -= 1
        if name == "power":
            args = self.power_args(depth)
        elif name == "clip":
            a = self.node(depth - 1)
            lo = self.const()
            hi = self.const(lo.const + Fraction(int(self.rng.integers(2, 24)), 8))
            if self.rng.random() < 0.3:
                lo = self.node(depth - 1)
            args = [a, lo, hi]
        elif name in ORDERS:
            orders = ORDERS[name]
            args = [self.const(orders[self.rng.integers(len(orders))]), self.node(depth - 1)]
        else:
            args = [self.node(depth - 1) for _ in range(rule.nargs)]
        args = self.repair(name, args)
        if args is None:
            return None
        return self.rule(name, args)

    def power_args(self, depth):
        r = self.rng.random()
        if r < 0.55:  # jet ** constant
            base = self.node(depth - 1)
            e = EXPONENTS[self.rng.integers(len(EXPONENTS))]
            as_int = e.denominator == 1 and self.rng.random() < 0.5 and bool(base.variables())
            if e.denominator != 1:
                base = self.affine(base, 0.25, 4) if not np.all(base.vals > MARGIN) else base
                if base is None:
                    return [self.const(1), self.const(1)]
            return [base, self.const(e, as_int=as_int)]
        if r < 0.8:  # jet ** jet
            base = self.node(depth - 1)
            if not np.all(base.vals > MARGIN):
                base = self.affine(base, 0.25, 4)
                if base is None:
                    return [self.const(1), self.const(1)]
            ex = self.node(depth - 1)
            if np.any(np.abs(ex.vals) > 4):
                ex = self.affine(ex, -3, 3) or ex
            return [base, ex]
        base = self.const(RPOW_BASES[self.rng.integers(len(RPOW_BASES))])  # const ** jet
        ex = self.node(depth - 1)
        if np.any(np.abs(ex.vals) > 4):
            ex = self.affine(ex, -3, 3) or ex
        return [base, ex]

    def tree(self):
        root = self.leaf()
        for _ in range(20):  # a piecewise-constant root would test nothing
            root = self.node(self.max_depth)
            if root.kind != "rule" or root.name not in ZERO_DERIVATIVE:
                break
        missing = sorted(set(range(self.n)) - root.variables())
        for i in missing:  # make every variable take part
            ops = ["add", "multiply", "subtract"]
            first = int(self.rng.integers(3))
            for op in ops[first:] + ops[:first]:
                args = [root, self.var(i)] if self.rng.random() < 0.5 else [self.var(i), root]
                if admissible(op, args):
                    root = self.rule(op, args)
                    break
            else:
                root = self.rule("add", [self.const(1), self.var(i)])  # root overflowed
        return root


# ========================================================================= cases
@dataclass
class Case:
    """One fuzz case: the tree, the points (nvars, npoints) and the order."""

    seed: int
    index: int
    nvars: int
    order: int
    points: np.ndarray
    root: Node

    def describe(self):
        syms = _symbols(self.nvars)
        pts = "; ".join(
            "("
            + ", ".join(f"x{i}={_frac_text(self.points[i, p])}" for i in range(self.nvars))
            + ")"
            for p in range(self.points.shape[1])
        )
        return (
            f"case seed={self.seed} index={self.index} (replay: python tests/fuzz_gen.py "
            f"{self.seed} {self.index})\n"
            f"  jets : {self.root.text()}\n"
            f"  sympy: {sp.sstr(self.root.to_sympy(syms))}\n"
            f"  order={self.order}, points: {pts}"
        )


def _frac_text(v):
    f = Fraction(float(v))
    return str(f) if f.denominator != 1 else str(f.numerator)


def make_case(index, seed=SEED, nvars=None, order=None, npoints=3, max_size=None):
    """The deterministic case number `index` of the stream `seed`."""
    rng = np.random.default_rng([seed, index])
    if nvars is None:
        nvars = int(rng.choice([1, 1, 2, 2, 3, 4]))
    if order is None:
        order = {1: 10, 2: 5, 3: 5, 4: 4}[nvars]
    max_depth = int(rng.integers(1, 7))
    if max_size is None:
        max_size = {1: 14, 2: 12, 3: 10, 4: 10}[nvars]
    points = rng.integers(-96, 97, size=(nvars, npoints)) / 32.0
    gen = Generator(rng, points, max_depth, max_size)
    root = gen.tree()
    return Case(seed, index, nvars, order, points, root)


# ===================================================================== reference
@cache
def _symbols(n):
    return tuple(sp.symbols(f"x0:{n}", real=True))


def _dirac(*a):
    return mpmath.mpf(0)  # the generator keeps every point away from kinks


def _loggamma(z):
    return mpmath.log(abs(mpmath.gamma(z)))  # scipy's gammaln is log|Gamma|


def _trunc(a):
    return mpmath.sign(a) * mpmath.floor(abs(a))


MPMATH_NAMES = {
    "DiracDelta": _dirac,
    "loggamma": _loggamma,
    "sign_": mpmath.sign,
    "floor_": mpmath.floor,
    "ceil_": mpmath.ceil,
    "trunc_": _trunc,
    "rint_": mpmath.nint,
    "sign": mpmath.sign,
    "floor": mpmath.floor,
    "ceiling": mpmath.ceil,
}


def reference_coeffs(expr, syms, points, alphas, dps=40):
    """Taylor coefficients d^alpha expr / alpha! at each point, as mpf.

    Symbolic derivatives (each from the one a degree lower), one lambdified
    mpmath function for all of them, evaluated at `dps` digits.
    Returns a list (per alpha) of lists (per point)."""
    memo = {(0,) * len(syms): expr}
    for a in alphas:  # graded order: the lower partial exists
        if a in memo:
            continue
        i = max(k for k, v in enumerate(a) if v > 0)
        lower = a[:i] + (a[i] - 1,) + a[i + 1 :]
        memo[a] = sp.diff(memo[lower], syms[i])
    fn = sp.lambdify(syms, [memo[a] for a in alphas], modules=[MPMATH_NAMES, "mpmath"], cse=True)
    scale = [math.prod(factorial(v) for v in a) for a in alphas]
    out = [[None] * points.shape[1] for _ in alphas]
    with mpmath.workdps(dps):
        for p in range(points.shape[1]):
            args = [mpmath.mpf(float(points[i, p])) for i in range(len(syms))]
            vals = fn(*args)
            for j, v in enumerate(vals):
                v = mpmath.mpmathify(v)
                if isinstance(v, mpmath.mpc):
                    if abs(v.imag) > mpmath.mpf(10) ** (-dps + 5) * max(abs(v.real), 1):
                        raise ValueError(f"complex reference {v} for alpha {alphas[j]}")
                    v = v.real
                out[j][p] = v / scale[j]
    return out


# ================================================= majorant series and the bound
class Ctx:
    """Index tables of a space, built here (independently of the engine's pair
    tables) for the nonnegative series arithmetic of the bound."""

    def __init__(self, nvars, order):
        S = jets.space(nvars, order)
        mons = np.array(S.monomials)
        self.alphas = [tuple(int(v) for v in m) for m in mons]
        self.N = len(self.alphas)
        self.k = int(mons.sum(1).max())
        self.deg = mons.sum(1).astype(float)[:, None]
        self.terms = np.prod(mons + 1, axis=1).astype(float)[:, None]
        self.blocks = [np.flatnonzero(self.deg[:, 0] == d) for d in range(self.k + 1)]
        index = {a: i for i, a in enumerate(self.alphas)}
        self.pairs = []
        for d in range(self.k + 1):
            I, J, T = [], [], []
            first = self.blocks[d][0]
            for i, a in enumerate(self.alphas):
                for j, b in enumerate(self.alphas):
                    if self.deg[i, 0] + self.deg[j, 0] == d:
                        t = index.get(tuple(x + y for x, y in zip(a, b, strict=True)))
                        if t is not None:
                            I.append(i)
                            J.append(j)
                            T.append(t - first)
            self.pairs.append((np.array(I), np.array(J), np.array(T)))
        self.units = [index[tuple(int(i == j) for j in range(nvars))] for i in range(nvars)]
        #: rounding factors per coefficient: a sum of `terms` products, and a
        #: recurrence that re-uses the (rounded) lower degrees d times
        self.loc_mul = self.terms
        self.loc_rec = (self.deg + 1) * (self.terms + 2)

    def blk(self, A, B, d):
        I, J, T = self.pairs[d]
        out = np.zeros((len(self.blocks[d]),) + A.shape[1:])
        np.add.at(out, T, A[I] * B[J])
        return out

    def mul(self, A, B):
        out = np.zeros_like(A)
        for d in range(self.k + 1):
            out[self.blocks[d]] = self.blk(A, B, d)
        return out

    def nonconst(self, A):
        H = A.copy()
        H[0] = 0
        return H

    # positive recurrences (all terms >= 0): the majorants of the engine's
    def exp(self, H, c):
        """c * exp(H - H_0)."""
        F = np.zeros_like(H)
        F[0] = c
        DH = self.deg * self.nonconst(H)
        for d in range(1, self.k + 1):
            F[self.blocks[d]] = self.blk(DH, F, d) / d
        return F

    def inv(self, c, H):
        """1 / (c - (H - H_0))."""
        R = np.zeros_like(H)
        R[0] = 1 / c
        Hn = self.nonconst(H)
        for d in range(1, self.k + 1):
            R[self.blocks[d]] = self.blk(Hn, R, d) / c
        return R

    def pow(self, c, H, s):
        """(1 - (H - H_0) / c)^(-s), s >= 0."""
        Q, DQ = np.zeros_like(H), np.zeros_like(H)
        Q[0] = 1
        Hn = self.nonconst(H)
        DH = self.deg * Hn
        for d in range(1, self.k + 1):
            b = self.blocks[d]
            Q[b] = (s * self.blk(DH, Q, d) + self.blk(Hn, DQ, d)) / (d * c)
            DQ[b] = d * Q[b]
        return Q

    def log(self, c, H):
        """-log(1 - (H - H_0) / c)."""
        L, DL = np.zeros_like(H), np.zeros_like(H)
        Hn = self.nonconst(H)
        DH = self.deg * Hn
        for d in range(1, self.k + 1):
            b = self.blocks[d]
            DL[b] = (DH[b] + self.blk(Hn, DL, d)) / c
            L[b] = DL[b] / d
        return L

    def hyp(self, h0, Q):
        """G with d h0 G_d = Q_d + [(G - G_0) DG]_d: the hypot recurrence, signs positive."""
        G, DG = np.zeros_like(Q), np.zeros_like(Q)
        G[0] = h0
        for d in range(1, self.k + 1):
            b = self.blocks[d]
            Gn = self.nonconst(G)
            G[b] = (Q[b] + self.blk(Gn, DG, d)) / (d * h0)
            DG[b] = d * G[b]
        return G

    def sinhcosh(self, H, s0, c0):
        Sn, Cs = np.zeros_like(H), np.zeros_like(H)
        Sn[0], Cs[0] = s0, c0
        DH = self.deg * self.nonconst(H)
        for d in range(1, self.k + 1):
            b = self.blocks[d]
            Sn[b] = self.blk(DH, Cs, d) / d
            Cs[b] = self.blk(DH, Sn, d) / d
        return Sn, Cs

    def tan(self, H, t0):
        """tan(arctan t0 + H - H_0): the majorant of tan and tanh."""
        T, W = np.zeros_like(H), np.zeros_like(H)
        T[0], W[0] = t0, 1 + t0 * t0
        DH = self.deg * self.nonconst(H)
        for d in range(1, self.k + 1):
            b = self.blocks[d]
            T[b] = self.blk(DH, W, d) / d
            W[b] = self.blk(T, T, d)
        return T, W


ctx = lru_cache(maxsize=None)(Ctx)


@dataclass
class Maj:
    """A node of the bound: signed value v (npoints,), majorant M and error
    bound E (ncoeffs, npoints), both nonnegative."""

    v: np.ndarray
    M: np.ndarray
    E: np.ndarray


class Bound:
    """Evaluates a tree on Maj values, mirroring each rule's algorithm."""

    def __init__(self, nvars, order, points, u=U64):
        self.c = ctx(nvars, order)
        self.points = points
        self.P = points.shape[1]
        self.u = u
        self.eta = ETA[u]

    def zeros(self):
        return np.zeros((self.c.N, self.P))

    def rnd(self, loc, M):
        """Rounding of a step that adds `loc` terms of size <= M: relative u per
        operation, plus eta (the smallest subnormal) per product in gradual
        underflow."""
        return loc * (self.u * M + self.eta)

    def seed(self, response):
        """A recurrence seeded with a rounded value carries the value's error
        into every degree.  The relative part u is in rnd(); the absolute part,
        eta when the value is subnormal, travels along `response`: the
        recurrence's majorant seeded with 1 (for exp: exp(H - H_0))."""
        return self.eta * response

    def const(self, v, err=0.0):
        v = np.broadcast_to(np.asarray(v, dtype=float), (self.P,)).copy()
        M, E = self.zeros(), self.zeros()
        M[0] = np.abs(v)
        E[0] = err * np.abs(v)
        return Maj(v, M, E)

    def var(self, i):
        x = self.points[i].astype(float)
        m = self.const(x)
        m.M[self.c.units[i]] = 1
        return m

    # ------------------------------------------------------------ primitives
    def add(self, a, b, sign=1):
        M = a.M + b.M
        return Maj(a.v + sign * b.v, M, a.E + b.E + self.u * M)

    def neg(self, a):
        return Maj(-a.v, a.M, a.E)

    def scale(self, a, s, exact=False):
        """a * s; an inexact s (pi/180, ln 2) adds its own rounding."""
        M = abs(s) * a.M
        return Maj(a.v * s, M, abs(s) * a.E + (1 if exact else 2) * self.u * M)

    def mul(self, a, b):
        c = self.c
        M = c.mul(a.M, b.M)
        E = c.mul(a.M, b.E) + c.mul(a.E, b.M) + self.rnd(c.loc_mul, M)
        return Maj(a.v * b.v, M, E)

    def quotient(self, a, b):
        c = self.c
        R = c.inv(np.abs(b.v), b.M)
        Q = c.mul(a.M, R)
        E = (
            c.mul(R, a.E)
            + c.mul(c.mul(Q, R), b.E)
            + self.rnd(c.loc_rec, Q)
            + self.seed(np.abs(b.v) * R)
        )
        return Maj(a.v / b.v, Q, E)

    def exp(self, a, value):
        c = self.c
        M = c.exp(a.M, np.abs(value))
        return Maj(value, M, c.mul(M, a.E) + self.rnd(c.loc_rec, M) + self.seed(c.exp(a.M, 1.0)))

    def log(self, a, value):
        c = self.c
        M = c.log(np.abs(a.v), a.M)
        M[0] = np.abs(value)
        R = c.inv(np.abs(a.v), a.M)
        return Maj(value, M, c.mul(R, a.E) + self.rnd(c.loc_rec, M))

    def power_real(self, a, r, value, r_err=0.0):
        c = self.c
        a0 = np.abs(a.v)
        M = np.abs(value) * c.pow(a0, a.M, abs(r))
        Mp = abs(r) * a0 ** (r - 1) * c.pow(a0, a.M, abs(r - 1))
        # r_err: relative error of r itself (1/3 is not a binary number)
        E = (
            c.mul(Mp, a.E)
            + self.rnd(c.loc_rec * (1 + abs(r)), M)
            + self.seed(c.pow(a0, a.M, abs(r)))
            + r_err * abs(r) * (np.abs(np.log(a0)) + c.deg) * M
        )
        return Maj(value, M, E)

    def sincos(self, a, hyperbolic=False):
        c = self.c
        v = a.v
        s0, c0 = (np.sinh(v), np.cosh(v)) if hyperbolic else (np.sin(v), np.cos(v))
        Sn, Cs = c.sinhcosh(a.M, np.abs(s0), np.abs(c0))
        seed = self.seed(2 * c.exp(a.M, 1.0))
        sin = Maj(s0, Sn, c.mul(Cs, a.E) + self.rnd(c.loc_rec, Sn) + seed)
        cos = Maj(c0, Cs, c.mul(Sn, a.E) + self.rnd(c.loc_rec, Cs) + seed)
        return sin, cos

    def hypot(self, a, b, value):
        """sqrt(a^2 + b^2) by H DH = A DA + B DB (kernels.hypot, no value squared)."""
        c = self.c
        Q = c.mul(a.M, c.deg * a.M) + c.mul(b.M, c.deg * b.M)
        h0 = np.abs(value)
        G = c.hyp(h0, Q)
        R = c.inv(h0, G)
        d = np.maximum(c.deg, 1)
        E = (
            c.mul(c.mul(a.M, R), a.E)
            + c.mul(c.mul(b.M, R), b.E)
            + c.mul(R, self.rnd(c.loc_mul, Q / d))
            + self.rnd(c.loc_rec, G)
            + self.seed(h0 * R)
        )
        E[0] = (np.abs(a.v) * a.E[0] + np.abs(b.v) * b.E[0]) / h0 + 2 * self.u * h0
        return Maj(value, G, E)

    def tan_like(self, a, value):
        c = self.c
        T, W = c.tan(a.M, np.abs(value))
        return Maj(value, T, c.mul(W, a.E) + self.rnd(c.loc_rec, T + W) + self.seed(W / W[0]))

    def euler(self, a):
        return Maj(np.zeros_like(a.v), self.c.deg * a.M, self.c.deg * a.E)

    def integrate(self, a, value, value_err):
        """F = value + D^{-1} a; value_err bounds the error of the value."""
        c = self.c
        d = np.maximum(c.deg, 1)
        M, E = a.M / d, a.E / d + self.rnd(1, a.M / d)
        M[0] = np.abs(value)
        E[0] = value_err
        return Maj(value, M, E)

    def from_derivative(self, a, g, value, ulps=1):
        """f(a) with f' = g(a): F = f0 + D^{-1}(DA G)."""
        prod = self.mul(self.euler(a), g)
        err0 = np.abs(g.v) * a.E[0] + ulps * 2 * self.u * np.abs(value)
        return self.integrate(prod, value, err0)

    def set_value(self, a, value, err0):
        M, E = a.M.copy(), a.E.copy()
        M[0], E[0] = np.abs(value), err0
        return Maj(value, M, E)

    def horner(self, a, taylor, dtaylor, value_ulps):
        """sum_j taylor[j] (a - a0)^j, taylor[j] arrays over points (the
        polygamma coefficients); dtaylor[j] = (j+1) taylor[j+1]."""
        c = self.c
        H = c.nonconst(a.M)
        M, Mp, Hj = self.zeros(), self.zeros(), self.zeros()
        Hj[0] = 1
        for j in range(len(taylor)):
            M += np.abs(taylor[j]) * Hj
            Mp += np.abs(dtaylor[j]) * Hj
            Hj = c.mul(Hj, H)
        backward = POLYGAMMA_BACKWARD * self.u * np.abs(a.v)
        E = (
            c.mul(Mp, a.E)
            + Mp * backward
            + self.rnd((len(taylor) + 1) * c.loc_mul, M)
            + value_ulps * 2 * self.u * M
        )
        return Maj(taylor[0], M, E)

    # --------------------------------------------------------------- trees
    def eval(self, node):
        if node.kind == "var":
            return self.var(node.index)
        if node.kind == "const":
            return self.const(float(node.const))
        args = [self.eval(a) for a in node.args]
        if all(a.kind == "const" for a in node.args) or not node.variables():
            # a constant subtree: numpy computes it on plain numbers
            val = plain_value(node.name, [a.v for a in args])
            ulps = VALUE_ULPS.get(node.name, 1)
            out = _RULE_BOUNDS[node.name](self, node, *args)
            return self.set_value(out, val, out.E[0] + ulps * 2 * self.u * np.abs(val))
        return _RULE_BOUNDS[node.name](self, node, *args)


def _one_minus_sq(b, a):
    """1 - a^2 as the engine builds it: (1 - a)(1 + a), each constant rounded."""
    one = b.const(1.0)
    return b.mul(b.add(one, a, -1), b.add(one, a))


def _b_arccosh(b, node, a):
    """f' = (a - 1)^(-1/2) (a + 1)^(-1/2), as the engine builds it."""
    one = b.const(1.0)
    am, ap = b.add(a, one, -1), b.add(a, one)
    g = b.mul(_g_pow(b, am, -0.5), _g_pow(b, ap, -0.5))
    return b.from_derivative(a, g, np.arccosh(a.v))


def _one_plus_sq(b, a):
    return b.add(b.const(1.0), b.mul(a, a))


def _pow_value(x, r):
    with np.errstate(all="ignore"):
        return np.power(x, r)


def _b_power(b, node, a, e):
    base_node, exp_node = node.args
    if exp_node.kind == "const":
        r = exp_node.const
        if r.denominator == 1:
            n = int(r)
            if n == 0:
                return b.const(np.ones(b.P))
            out, m = None, abs(n)
            acc = a
            while True:  # repeated squaring, like the engine
                if m & 1:
                    out = acc if out is None else b.mul(out, acc)
                m >>= 1
                if not m:
                    break
                acc = b.mul(acc, acc)
            return out if n > 0 else b.quotient(b.const(np.ones(b.P)), out)
        r = float(r)
        return b.power_real(a, r, _pow_value(a.v, r))
    # jet exponent (or constant base): exp(e * log(a)), value np.power
    L = b.log(a, np.log(a.v))
    return b.exp(b.mul(e, L), _pow_value(a.v, e.v))


def _b_logaddexp(b, node, a, c, base2=False):
    s = math.log(2.0) if base2 else 1.0
    m = np.maximum(a.v, c.v) * s
    ea = b.add(b.scale(a, s), b.const(m), -1) if base2 else b.add(a, b.const(m), -1)
    ec = b.add(b.scale(c, s), b.const(m), -1) if base2 else b.add(c, b.const(m), -1)
    ea = b.exp(ea, np.exp(ea.v))
    ec = b.exp(ec, np.exp(ec.v))
    tot = b.add(ea, ec)
    out = b.log(tot, np.log(tot.v))
    if base2:
        out = b.scale(out, 1 / s)
    val = np.logaddexp2(a.v, c.v) if base2 else np.logaddexp(a.v, c.v)
    ga = np.exp(s * a.v - s * val) * 1.0
    gc = np.exp(s * c.v - s * val) * 1.0
    # numpy computes m + log1p(exp(-|a - c|)): accurate to a few u of the two
    # terms, not of their sum (which may cancel near 0)
    m0 = np.maximum(a.v, c.v)
    err0 = ga * a.E[0] + gc * c.E[0] + 2 * b.u * (np.abs(m0) + 2 * np.abs(val - m0))
    return b.set_value(out, val, err0)


def _select(b, cond, x, y):
    w = cond[None, :]
    return Maj(np.where(cond, x.v, y.v), np.where(w, x.M, y.M), np.where(w, x.E, y.E))


def _zero_rule(fn):
    def bound(b, node, a):
        return b.const(fn(a.v))

    return bound


def _b_cot_pi(b, a):
    """cot(pi a) as the engine builds it: exact reduction r = a0 - round(a0);
    -tan(pi (r -+ 1/2) + pi h) for |r| > 1/4, else cos / sin of pi r + pi h."""
    x = a.v
    r = x - np.round(x)
    far = np.abs(r) > 0.25
    shift = np.where(far, 0.5 * np.sign(r), 0.0)
    out = []
    for v0 in (math.pi * (r - shift), math.pi * r):
        arg = b.scale(a, math.pi)
        arg.v = v0
        arg.M[0] = np.abs(v0)
        arg.E[0] = math.pi * a.E[0] + 2 * b.u * np.abs(v0)
        out.append(arg)
    with np.errstate(all="ignore"):
        t = b.neg(b.tan_like(out[0], np.tan(out[0].v)))
        sn, cs = b.sincos(out[1])
        q = b.quotient(cs, sn)
    return _select(b, far, t, q)


def _b_digamma_jet(b, a):
    """digamma: Horner with scipy's polygamma at a0 >= 1/2; below, the
    reflection digamma(1 - a) - pi cot(pi a) (jets/rules.py _digamma_jet)."""
    import scipy.special as sc

    k = b.c.k
    x = a.v
    neg = x < 0.5
    xe = np.where(neg, 1 - x, x)
    a_eff = Maj(xe, a.M.copy(), a.E.copy())
    a_eff.M[0] = np.abs(xe)
    a_eff.E[0] = a.E[0] + np.where(neg, b.u * np.abs(xe), 0.0)
    taylor = [sc.digamma(xe)] + [sc.polygamma(j, xe) / factorial(j) for j in range(1, k + 2)]
    dtaylor = [(j + 1) * taylor[j + 1] for j in range(k + 1)]
    D = b.horner(a_eff, taylor[: k + 1], dtaylor, VALUE_ULPS["digamma"])
    if np.any(neg):
        D = _select(b, neg, b.add(D, b.scale(_b_cot_pi(b, a), math.pi), -1), D)
    val = sc.digamma(x)
    err0 = np.abs(sc.polygamma(1, x)) * a.E[0] + VALUE_ULPS["digamma"] * 2 * b.u * (
        np.abs(val) + np.abs(x * sc.polygamma(1, x))
    )
    return b.set_value(D, val, err0)


def _b_digamma(b, node, a):
    return _b_digamma_jet(b, a)


def _b_lgamma(b, node, a):
    """lgamma from its derivative: F = gammaln(a0) + D^{-1}(DA digamma(a))."""
    import scipy.special as sc

    return b.from_derivative(a, _b_digamma_jet(b, a), sc.gammaln(a.v), VALUE_ULPS["lgamma"])


def _b_gamma(b, node, a):
    import scipy.special as sc

    lg = _b_lgamma(b, node, a)
    g = sc.gamma(a.v)
    out = b.exp(lg, g)
    # the exp recurrence never reads lgamma's value: only gamma's (scipy)
    return b.set_value(
        out, g, np.abs(g * sc.digamma(a.v)) * a.E[0] + VALUE_ULPS["gamma"] * 2 * b.u * np.abs(g)
    )


def _b_erf(b, node, a, sign):
    import scipy.special as sc

    m = b.neg(b.mul(a, a))
    g = b.scale(b.exp(m, np.exp(m.v)), sign * 2 / math.sqrt(math.pi))
    val = sc.erf(a.v) if sign > 0 else sc.erfc(a.v)
    return b.from_derivative(a, g, val, VALUE_ULPS["erf" if sign > 0 else "erfc"])


def _b_arctan2(b, node, y, x):
    """dF = (x dy - y dx) / h / h with h = hypot(x, y), as the engine builds it."""
    num = b.add(b.mul(x, b.euler(y)), b.mul(y, b.euler(x)), -1)
    h = b.hypot(x, y, np.hypot(x.v, y.v))
    q = b.quotient(b.quotient(num, h), h)
    val = np.arctan2(y.v, x.v)
    r2 = x.v**2 + y.v**2
    err0 = (np.abs(x.v) * y.E[0] + np.abs(y.v) * x.E[0]) / r2 + 2 * b.u * np.abs(val)
    return b.integrate(q, val, err0)


def _b_clip(b, node, a, lo, hi):
    m = _select(b, a.v >= lo.v, a, lo)
    return _select(b, m.v < hi.v, m, hi)


def _b_hypot(b, node, x, y):
    return b.hypot(x, y, np.hypot(x.v, y.v))


_LN2, _LN10 = math.log(2.0), math.log(10.0)


def _b_pi_pair(which):
    """sin(pi a) / cos(pi a): the sin/cos recurrence on pi a, the value exactly
    reduced (jets/rules.py _pi_pair)."""

    def bound(b, node, a):
        out = b.sincos(b.scale(a, math.pi))[which]
        s0, c0 = np.sin(math.pi * a.v), np.cos(math.pi * a.v)
        val = RULES[node.name].value(a.v)
        other = c0 if which == 0 else s0
        return b.set_value(out, val, math.pi * np.abs(other) * a.E[0] + 2 * b.u * np.abs(val))

    return bound


def _b_expit(b, node, a):
    """(1 + tanh(a/2))/2 by the tanh recurrence (jets/rules.py _expit)."""
    import scipy.special as sc

    p, q = sc.expit(a.v), sc.expit(-a.v)
    out = b.scale(b.tan_like(b.scale(a, 0.5, exact=True), p - q), 0.5, exact=True)
    return b.set_value(out, p, p * q * a.E[0] + VALUE_ULPS["expit"] * 2 * b.u * p)


def _b_composition(taylor_of):
    """A composition rule: Horner with the rule's univariate Taylor coefficients
    (their magnitudes make the majorant; their errors are the value ulps)."""

    def bound(b, node, *args):
        a = args[-1]
        k = b.c.k
        if len(args) == 2:
            v = float(node.args[0].const)
            t = taylor_of(v, a.v, k + 1)
        else:
            t = taylor_of(a.v, k + 1)
        t = [np.broadcast_to(np.asarray(c, dtype=float), a.v.shape) for c in t]
        return b.horner(
            a, t[: k + 1], [(j + 1) * t[j + 1] for j in range(k + 1)], VALUE_ULPS.get(node.name, 1)
        )

    return bound


def _b_from_derivative(g, name):
    """scipy's value accurate to ulps of its conditioning |a f'(a)| (near a root:
    logit at 1/2, expi at 0.3725), not of itself."""

    def bound(b, node, a):
        val = RULES[name].value(a.v)
        ulps = VALUE_ULPS.get(name, 1)
        gv = g(b, a)
        out = b.from_derivative(a, gv, val, ulps)
        return b.set_value(out, val, out.E[0] + ulps * 2 * b.u * np.abs(a.v * gv.v))

    return bound


def _b_ones(b):
    return b.const(np.ones(b.P))


def _special_bounds():
    import jets.rules as R

    out = {
        "sinpi": _b_pi_pair(0),
        "cospi": _b_pi_pair(1),
        "expit": _b_expit,
        "sinc": _b_composition(R._sinc_taylor),
        "erfinv": _b_composition(R._erfinv_taylor),
        "erfcx": _b_composition(R._erfcx_taylor),
        "lambertw": _b_composition(R._lambertw_taylor),
        "ellipk": _b_composition(lambda m, k: R._ellip_taylor(m, k)[0]),
        "ellipe": _b_composition(lambda m, k: R._ellip_taylor(m, k)[1]),
        "polygamma": _b_composition(R._polygamma_order_taylor),
        "logit": _b_from_derivative(
            lambda b, a: b.quotient(_b_ones(b), b.mul(a, b.add(_b_ones(b), a, -1))), "logit"
        ),
        "expi": _b_from_derivative(lambda b, a: b.quotient(b.exp(a, np.exp(a.v)), a), "expi"),
        "exp1": _b_from_derivative(
            lambda b, a: b.neg(b.quotient(b.exp(b.neg(a), np.exp(-a.v)), a)), "exp1"
        ),
    }
    for name in ("jv", "yv", "iv", "kv"):
        sign = {
            "jv": lambda i, j: (-1) ** i,
            "yv": lambda i, j: (-1) ** i,
            "iv": lambda i, j: 1,
            "kv": lambda i, j: (-1) ** j,
        }[name]
        out[name] = _b_composition(R._bessel_taylor(name, sign))
    return out


#: rule name -> bound function (Bound, node, *Maj args) -> Maj, each mirroring
#: the algorithm of the rule in jets/rules.py
_RULE_BOUNDS = {
    "add": lambda b, n, x, y: b.add(x, y),
    "subtract": lambda b, n, x, y: b.add(x, y, -1),
    "negative": lambda b, n, x: b.neg(x),
    "positive": lambda b, n, x: x,
    "multiply": lambda b, n, x, y: b.mul(x, y),
    "divide": lambda b, n, x, y: b.quotient(x, y),
    "reciprocal": lambda b, n, x: b.quotient(b.const(np.ones(b.P)), x),
    "square": lambda b, n, x: b.mul(x, x),
    "power": _b_power,
    "exp": lambda b, n, x: b.exp(x, np.exp(x.v)),
    "exp2": lambda b, n, x: b.exp(b.scale(x, _LN2), np.exp2(x.v)),
    "expm1": lambda b, n, x: b.set_value(
        b.exp(x, np.exp(x.v)), np.expm1(x.v), np.exp(x.v) * x.E[0] + 2 * b.u * np.abs(np.expm1(x.v))
    ),
    "log": lambda b, n, x: b.log(x, np.log(x.v)),
    "log2": lambda b, n, x: b.set_value(
        b.scale(b.log(x, np.log(x.v)), 1 / _LN2),
        np.log2(x.v),
        x.E[0] / np.abs(x.v * _LN2) + 2 * b.u * np.abs(np.log2(x.v)),
    ),
    "log10": lambda b, n, x: b.set_value(
        b.scale(b.log(x, np.log(x.v)), 1 / _LN10),
        np.log10(x.v),
        x.E[0] / np.abs(x.v * _LN10) + 2 * b.u * np.abs(np.log10(x.v)),
    ),
    "log1p": lambda b, n, x: b.log(b.add(x, b.const(1.0)), np.log1p(x.v)),
    "logaddexp": lambda b, n, x, y: _b_logaddexp(b, n, x, y),
    "logaddexp2": lambda b, n, x, y: _b_logaddexp(b, n, x, y, base2=True),
    "sqrt": lambda b, n, x: b.power_real(x, 0.5, np.sqrt(x.v)),
    "cbrt": lambda b, n, x: b.power_real(x, 1 / 3, np.cbrt(x.v), r_err=b.u),
    "hypot": _b_hypot,
    "sin": lambda b, n, x: b.sincos(x)[0],
    "cos": lambda b, n, x: b.sincos(x)[1],
    "tan": lambda b, n, x: b.tan_like(x, np.tan(x.v)),
    "arcsin": lambda b, n, x: b.from_derivative(
        x, _g_pow(b, _one_minus_sq(b, x), -0.5), np.arcsin(x.v)
    ),
    "arccos": lambda b, n, x: b.from_derivative(
        x, b.neg(_g_pow(b, _one_minus_sq(b, x), -0.5)), np.arccos(x.v)
    ),
    "arctan": lambda b, n, x: b.from_derivative(
        x, b.quotient(b.const(np.ones(b.P)), _one_plus_sq(b, x)), np.arctan(x.v)
    ),
    "arctan2": _b_arctan2,
    "deg2rad": lambda b, n, x: b.scale(x, math.pi / 180),
    "rad2deg": lambda b, n, x: b.scale(x, 180 / math.pi),
    "sinh": lambda b, n, x: b.sincos(x, hyperbolic=True)[0],
    "cosh": lambda b, n, x: b.sincos(x, hyperbolic=True)[1],
    "tanh": lambda b, n, x: b.tan_like(x, np.tanh(x.v)),
    "arcsinh": lambda b, n, x: b.from_derivative(
        x, _g_pow(b, _one_plus_sq(b, x), -0.5), np.arcsinh(x.v)
    ),
    "arccosh": _b_arccosh,
    "arctanh": lambda b, n, x: b.from_derivative(
        x, b.quotient(b.const(np.ones(b.P)), _one_minus_sq(b, x)), np.arctanh(x.v)
    ),
    "absolute": lambda b, n, x: Maj(np.abs(x.v), x.M, x.E),
    "sign": _zero_rule(np.sign),
    "floor": _zero_rule(np.floor),
    "ceil": _zero_rule(np.ceil),
    "trunc": _zero_rule(np.trunc),
    "rint": _zero_rule(np.rint),
    "maximum": lambda b, n, x, y: _select(b, x.v >= y.v, x, y),
    "minimum": lambda b, n, x, y: _select(b, x.v < y.v, x, y),
    "clip": _b_clip,
    "erf": lambda b, n, x: _b_erf(b, n, x, 1),
    "erfc": lambda b, n, x: _b_erf(b, n, x, -1),
    "lgamma": _b_lgamma,
    "gamma": _b_gamma,
    "digamma": _b_digamma,
    **_special_bounds(),
}


def _g_pow(b, s, r):
    return b.power_real(s, r, _pow_value(s.v, r))


def error_bound(case, u=U64):
    """(M, E): majorant and error bound of every coefficient, (ncoeffs, npoints),
    rows in the order of ``Ctx(nvars, order).alphas``."""
    b = Bound(case.nvars, case.order, case.points, u)
    with np.errstate(all="ignore"):
        out = b.eval(case.root)
    return b.c.alphas, out.M, out.E


# ------------------------------------------- composed reference (the default)
# Differentiating a whole depth-6 tree symbolically costs seconds per case.
# The default reference differentiates each *elementary function* with sympy
# once per session (its twin SYMPY[name](z), derivatives evaluated with mpmath
# at 40 digits at the point), and composes the tree by substituting series
# into those Taylor polynomials, f(A) = sum_j f_j(a0) (A - a0)^j (Horner), in
# double-double arithmetic (~32 digits, vectorised over the batch).  That is a
# different algorithm from the engine's recurrences; `reference_coeffs`
# (whole-tree symbolic) cross-checks it in tests/test_fuzz.py.

_SPLIT = 134217729.0  # 2^27 + 1


def _two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _quick(a, b):
    s = a + b
    return s, b - (s - a)


def _split(a):
    t = _SPLIT * a
    hi = t - (t - a)
    return hi, a - hi


def _two_prod(a, b):
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


class DD:
    """Double-double numbers (hi + lo, ~106 bits), numpy-vectorised."""

    __slots__ = ("hi", "lo")

    def __init__(self, hi, lo=None):
        self.hi = np.asarray(hi, dtype=float)
        self.lo = np.zeros_like(self.hi) if lo is None else np.asarray(lo, dtype=float)

    @staticmethod
    def from_mp(values, shape=None):
        """DD array from mpmath numbers (nested lists allowed)."""
        arr = np.asarray(values, dtype=object)
        if not arr.size:
            return DD(np.zeros(arr.shape))
        with mpmath.workdps(60):
            hi = np.vectorize(float, otypes=[float])(arr)
            lo = np.vectorize(lambda v, h: float(mpmath.mpf(v) - h), otypes=[float])(arr, hi)
        return DD(hi, lo)

    def to_mp(self, idx):
        """One entry as an mpmath number (exact: 60 digits hold hi + lo)."""
        with mpmath.workdps(60):
            return mpmath.mpf(float(self.hi[idx])) + mpmath.mpf(float(self.lo[idx]))

    def __getitem__(self, key):
        return DD(self.hi[key], self.lo[key])

    def __add__(self, o):
        s, e = _two_sum(self.hi, o.hi)
        t, f = _two_sum(self.lo, o.lo)
        s, e = _quick(s, e + t)
        return DD(*_quick(s, e + f))

    def __neg__(self):
        return DD(-self.hi, -self.lo)

    def __sub__(self, o):
        return self + (-o)

    def __mul__(self, o):
        p, e = _two_prod(self.hi, o.hi)
        return DD(*_quick(p, e + (self.hi * o.lo + self.lo * o.hi)))

    def copy(self):
        return DD(self.hi.copy(), self.lo.copy())


class SeriesRing:
    """Truncated multivariate series in DD: products by an index table built
    from the space's monomial list (targets grouped, summed in DD)."""

    def __init__(self, nvars, order, npoints):
        c = ctx(nvars, order)
        self.c, self.P = c, npoints
        I, J, T = [], [], []
        for d in range(c.k + 1):
            i, j, t = c.pairs[d]
            I.append(i)
            J.append(j)
            T.append(t + c.blocks[d][0])
        I, J, T = (np.concatenate(x) for x in (I, J, T))
        npairs = len(I)
        groups = [np.flatnonzero(T == t) for t in range(c.N)]
        width = max(len(g) for g in groups)
        G = np.full((c.N, width), npairs)  # padding -> an extra zero row
        for t, g in enumerate(groups):
            G[t, : len(g)] = g
        self.I, self.J, self.G = I, J, G

    def zeros(self):
        return DD(np.zeros((self.c.N, self.P)))

    def const(self, v):
        out = self.zeros()
        out.hi[0], out.lo[0] = v.hi, v.lo
        return out

    def mul(self, A, B):
        prod = A[self.I] * B[self.J]
        pad = DD(
            np.vstack([prod.hi, np.zeros((1, self.P))]), np.vstack([prod.lo, np.zeros((1, self.P))])
        )
        acc = pad[self.G[:, 0]]
        for g in range(1, self.G.shape[1]):
            acc = acc + pad[self.G[:, g]]
        return acc

    def scale(self, A, s):
        """A times per-point DD scalars s (shape (P,))."""
        return A * DD(np.broadcast_to(s.hi, A.hi.shape), np.broadcast_to(s.lo, A.lo.shape))

    def compose(self, taylor, A):
        """sum_j taylor[j] (A - A_0)^j by Horner; taylor[j] DD of shape (P,)."""
        H = A.copy()
        H.hi[0] = 0
        H.lo[0] = 0
        F = self.const(taylor[-1])
        for t in reversed(taylor[:-1]):
            F = self.mul(F, H) + self.const(t)
        return F


#: key -> [z, f, f', f'', ...]: the sympy derivatives of each elementary function,
#: extended only as far as a case needs (repeated sympy differentiation swells the
#: expressions: ellipk and Bessel functions take seconds per derivative from ~6 on)
_DERIVATIVES = {}


def _derivatives(key, k):
    """(z, [f, f', ..., f^(k)]) for the sympy twin of `key`, computed once."""
    got = _DERIVATIVES.get(key)
    if got is None:
        z = sp.Symbol("z", real=True)
        if isinstance(key, tuple) and key[0] == "order":  # polygamma(n, z), besselj(v, z)
            f = SYMPY[key[1]](sp.Rational(key[2].numerator, key[2].denominator), z)
        elif isinstance(key, tuple):
            f = z ** sp.Rational(key[1].numerator, key[1].denominator)
        elif key == "cbrt_pos":
            f = z ** sp.Rational(1, 3)
        else:
            f = SYMPY[key](z)
        got = _DERIVATIVES[key] = (z, [f])
    z, ds = got
    while len(ds) <= k:
        ds.append(sp.diff(ds[-1], z))
    return z, ds[: k + 1]


#: elementary functions whose repeated sympy derivatives swell (seconds per
#: derivative from about the 6th, half a minute for ellipe to order 10): above
#: order 4 their Taylor coefficients come from mpmath.taylor of the same sympy
#: twin (numerical differentiation at raised working precision), which agrees
#: with the sympy derivatives to ~1e-38 (tests/test_fuzz.py checks it)
NUMERIC_ABOVE_4 = frozenset({"ellipk", "ellipe", "lambertw"})


def _taylor_of(key, k):
    """mpmath function of z returning [f(z), f'(z)/1!, ..., f^(k)(z)/k!] for the
    sympy twin of `key`: for NUMERIC_ABOVE_4, mpmath.taylor above order 4 and
    the sympy derivatives to order k up to it; for the others the sympy
    derivatives to order max(k, 10) (one table serves every case; lambdify per
    order would cost more)."""
    if key in NUMERIC_ABOVE_4:
        return _numeric_elementary(key, k) if k > 4 else _elementary(key, k)
    return _elementary(key, max(k, 10))


@cache
def _elementary(key, k):
    """mpmath function of z returning [f(z), f'(z)/1!, ..., f^(k)(z)/k!] for the
    sympy twin of `key` (a rule name, or ("power", r) for z**r)."""
    z, ds = _derivatives(key, k)
    ds = [d / factorial(j) for j, d in enumerate(ds)]
    return sp.lambdify((z,), ds, modules=[MPMATH_NAMES, "mpmath"], cse=True)


@cache
def _numeric_elementary(key, k):
    """[f(z), ..., f^(k)(z)/k!] by mpmath.taylor of the sympy twin of `key`."""
    z, (f,) = _derivatives(key, 0)
    g = sp.lambdify((z,), f, modules=[MPMATH_NAMES, "mpmath"])
    return lambda x: mpmath.taylor(g, x, k)


class ComposedReference:
    """Evaluates a tree to DD series, every elementary function through its
    sympy twin's derivatives (see the section comment)."""

    def __init__(self, case, dps=40):
        self.case = case
        self.k = ctx(case.nvars, case.order).k
        self.R = SeriesRing(case.nvars, case.order, case.points.shape[1])
        self.dps = dps

    def a0(self, A):
        return [A.to_mp((0, p)) for p in range(self.R.P)]

    def unary(self, key, A):
        k = self.k
        fn = _taylor_of(key, k)
        rows = [[None] * self.R.P for _ in range(k + 1)]
        with mpmath.workdps(self.dps):
            for p, x in enumerate(self.a0(A)):
                vals = fn(x)
                for j in range(k + 1):
                    v = mpmath.mpmathify(vals[j])
                    if isinstance(v, mpmath.mpc):
                        v = v.real
                    rows[j][p] = v
        taylor = [DD.from_mp(r) for r in rows]
        return self.R.compose(taylor, A)

    def select(self, cond, X, Y):
        w = np.asarray(cond)[None, :]
        return DD(np.where(w, X.hi, Y.hi), np.where(w, X.lo, Y.lo))

    def values(self, A):
        return np.array([float(v) for v in self.a0(A)])

    def var(self, i):
        out = self.R.zeros()
        out.hi[0] = self.case.points[i]
        out.hi[self.R.c.units[i]] = 1
        return out

    def const(self, q):
        out = self.R.zeros()
        with mpmath.workdps(self.dps):
            v = mpmath.mpf(q.numerator) / q.denominator
        d = DD.from_mp([v] * self.R.P)
        out.hi[0], out.lo[0] = d.hi, d.lo
        return out

    def eval(self, node):
        if node.kind == "var":
            return self.var(node.index)
        if node.kind == "const":
            return self.const(node.const)
        name = node.name
        if name == "power" and node.args[1].kind == "const":
            A = self.eval(node.args[0])
            r = node.args[1].const
            if r == 0:
                return self.const(Fraction(1))
            return self.unary(("power", r), A)
        args = [self.eval(a) for a in node.args]
        R = self.R
        if name in ("add", "subtract", "multiply"):
            a, b = args
            return a + b if name == "add" else a - b if name == "subtract" else R.mul(a, b)
        if name == "negative":
            return -args[0]
        if name == "positive":
            return args[0]
        if name == "divide":
            return R.mul(args[0], self.unary("reciprocal", args[1]))
        if name == "power":  # jet exponent: exp(b log a), a > 0
            return self.unary("exp", R.mul(args[1], self.unary("log", args[0])))
        if name in ("logaddexp", "logaddexp2"):
            a, b = args
            m = np.maximum(self.values(a), self.values(b))
            mm = R.const(DD(m))
            f_exp, f_log = ("exp", "log") if name == "logaddexp" else ("exp2", "log2")
            s = self.unary(f_exp, a - mm) + self.unary(f_exp, b - mm)
            return self.unary(f_log, s) + mm
        if name == "hypot":
            a, b = args
            return self.unary("sqrt", R.mul(a, a) + R.mul(b, b))
        if name == "arctan2":
            y, x = args
            yv, xv = self.values(y), self.values(x)
            # away from (0, 0): d atan2 = d atan(y/x) (x != 0) = d(-atan(x/y)) (y != 0)
            use_x = np.abs(xv) >= np.abs(yv)
            xs = self.select(use_x, x, R.const(DD(np.ones(R.P))))
            ys = self.select(use_x, R.const(DD(np.ones(R.P))), y)
            t1 = self.unary("arctan", R.mul(y, self.unary("reciprocal", xs)))
            t2 = -self.unary("arctan", R.mul(x, self.unary("reciprocal", ys)))
            F = self.select(use_x, t1, t2)
            with mpmath.workdps(self.dps):
                val = [mpmath.atan2(yy, xx) for yy, xx in zip(self.a0(y), self.a0(x), strict=True)]
            v = DD.from_mp(val)
            F.hi[0], F.lo[0] = v.hi, v.lo
            return F
        if name == "cbrt":  # sign(a) * (sign(a) a)^(1/3): sympy's cbrt twin is slow
            a = args[0]
            s = DD(np.sign(self.values(a)))
            return R.scale(self.unary("cbrt_pos", R.scale(a, s)), s)
        if name == "maximum":
            a, b = args
            return self.select(self.values(a) >= self.values(b), a, b)
        if name == "minimum":
            a, b = args
            return self.select(self.values(a) < self.values(b), a, b)
        if name == "clip":
            a, lo, hi = args
            m = self.select(self.values(a) >= self.values(lo), a, lo)
            return self.select(self.values(m) < self.values(hi), m, hi)
        if name in ORDERS:
            return self.unary(("order", name, Fraction(node.args[0].const)), args[1])
        if name == "sinc":  # Leibniz on sinpi(x) * 1/(pi x): exact 0 at integers
            A = args[0]
            rows = [[None] * R.P for _ in range(self.k + 1)]
            with mpmath.workdps(self.dps + 40):
                for p, x in enumerate(self.a0(A)):
                    s, c = mpmath.sinpi(x), mpmath.cospi(x)
                    cyc = (s, c, -s, -c)
                    sj = [mpmath.pi**j / factorial(j) * cyc[j % 4] for j in range(self.k + 1)]
                    rj = [(-1) ** m / (mpmath.pi * x ** (m + 1)) for m in range(self.k + 1)]
                    for j in range(self.k + 1):
                        rows[j][p] = mpmath.fsum(sj[i] * rj[j - i] for i in range(j + 1))
            return R.compose([DD.from_mp(r) for r in rows], A)
        if name in ("sinpi", "cospi"):  # mpmath's sinpi/cospi: exact 0 at integers
            A = args[0]
            rows = [[None] * R.P for _ in range(self.k + 1)]
            with mpmath.workdps(self.dps):
                for p, x in enumerate(self.a0(A)):
                    s, c = mpmath.sinpi(x), mpmath.cospi(x)
                    cyc = (s, c, -s, -c) if name == "sinpi" else (c, -s, -c, s)
                    for j in range(self.k + 1):
                        rows[j][p] = mpmath.pi**j / factorial(j) * cyc[j % 4]
            return R.compose([DD.from_mp(r) for r in rows], A)
        if RULES[name].nargs != 1:
            raise NotImplementedError(
                f"no reference for the {RULES[name].nargs}-argument "
                f"rule {name!r}: add it to ComposedReference"
            )
        return self.unary(name, args[0])


def reference_dd(case, dps=40):
    """The composed reference: DD coefficients (ncoeffs, npoints) in the order of
    ``ctx(nvars, order).alphas``."""
    with np.errstate(all="ignore"):
        return ComposedReference(case, dps).eval(case.root)


# ===================================================================== checking
@dataclass
class Result:
    """What one case checked: how many partials, the worst error / bound."""

    case: Case
    npartials: int = 0
    worst_ratio: float = 0.0
    worst_where: str = ""
    failures: list = field(default_factory=list)
    by_degree: dict = field(default_factory=dict)  # degree -> worst ratio
    dtype: object = None  # dtype of the jet's result
    worst_tracked: float = 0.0  # worst |error| / Jet.error()


def check_case(case, max_fail=5, symbolic=False, dtype=np.float64, track=True):
    """Compare every Taylor coefficient of the jet with the reference, against
    the bound.  symbolic=True uses the whole-tree sympy derivatives instead of
    the composed reference (slow; for cross-checks).  dtype=np.float32 seeds
    float32 variables and uses the float32 unit roundoff in the bound.
    track=True also evaluates with ``track_error=True`` seeds: the coefficients
    must be the same numbers, and the library's own estimate ``Jet.error()``
    must cover the actual error of every coefficient."""
    res = Result(case)
    u = U32 if np.dtype(dtype) == np.float32 else U64
    xs = jets.variables([case.points[i].astype(dtype) for i in range(case.nvars)], case.order)
    f = case.root.evaluate(xs)
    res.dtype = f.dtype
    alphas, M, E = error_bound(case, u)
    if symbolic:
        syms = _symbols(case.nvars)
        ref = reference_coeffs(case.root.to_sympy(syms), syms, case.points, alphas)
        ref = DD.from_mp(ref)
    else:
        ref = reference_dd(case)
    P = case.points.shape[1]
    got = np.stack([np.broadcast_to(f.coefficient(a), (P,)) for a in alphas]).astype(float)
    with np.errstate(all="ignore"):
        err = np.abs((got - ref.hi) - ref.lo)
        ratio = np.where(E > 0, err / np.where(E > 0, E, 1), np.where(err == 0, 0.0, np.inf))
    ratio = np.where(np.isfinite(got), ratio, np.inf)
    if track:
        _check_tracked(case, dtype, alphas, got, err, res)
    res.npartials = ratio.size
    degs = np.array([sum(a) for a in alphas])
    for d in range(degs.max() + 1):
        res.by_degree[d] = float(ratio[degs == d].max())
    j, p = np.unravel_index(np.argmax(ratio), ratio.shape)
    res.worst_ratio = float(ratio[j, p])
    res.worst_where = f"alpha={alphas[j]} point #{p}"
    for j, p in zip(*np.nonzero(~(ratio <= 1.0)), strict=True):
        if len(res.failures) >= max_fail:
            break
        alpha = alphas[j]
        scale = math.prod(factorial(v) for v in alpha)
        r = ref.to_mp((j, p))
        res.failures.append(
            f"  partial d^{alpha} at point #{p}: jet {float(got[j, p]) * scale!r} "
            f"(coefficient {float(got[j, p])!r}), reference {mpmath.nstr(r * scale, 20)} "
            f"(coefficient {mpmath.nstr(r, 20)}), |error| / bound = {ratio[j, p]:.3g} "
            f"(bound {E[j, p]:.3g}, magnitude {M[j, p]:.3g})"
        )
    return res


def _has_constant_subtree(node):
    if node.kind == "rule" and not node.variables():
        return True
    return any(_has_constant_subtree(a) for a in node.args)


def _evaluate_tracked(node, xs, zero):
    """Evaluate with tracked jets; a constant subtree (which the plain run
    computes with numpy on floats, whose rounding no jet sees) is computed on
    tracked constant jets zero + c instead, so that its rounding is estimated
    too (an integer exponent and the order of jv, polygamma stay plain)."""
    if node.kind != "rule":
        return node.evaluate(xs)
    if node.variables():
        args = [_evaluate_tracked(a, xs, zero) for a in node.args]
    else:
        args = [
            a.evaluate(xs)
            if a.kind == "const"
            and ((node.name == "power" and i == 1) or (node.name in ORDERS and i == 0))
            else zero + float(a.const)
            if a.kind == "const"
            else _evaluate_tracked(a, xs, zero)
            for i, a in enumerate(node.args)
        ]
    return call_style(node.name, node.style)(*args)


def _check_tracked(case, dtype, alphas, got, err, res):
    """The library's estimate (track_error=True) against the actual error."""
    xs = jets.variables(
        [case.points[i].astype(dtype) for i in range(case.nvars)], case.order, track_error=True
    )
    zero = xs[0] * 0.0  # a tracked exact 0 (lifts constant subtrees)
    ft = _evaluate_tracked(case.root, xs, zero)
    P = case.points.shape[1]
    S = ft.space
    rows = [S.index[a] for a in alphas]
    gt = np.broadcast_to(ft.coeffs, (S.ncoeffs, P))[rows].astype(float)
    Et = np.broadcast_to(ft.error(), (S.ncoeffs, P))[rows]
    same = (gt == got) | (np.isnan(gt) & np.isnan(got)) | _has_constant_subtree(case.root)
    with np.errstate(all="ignore"):
        ratio = np.where(Et > 0, err / np.where(Et > 0, Et, 1), np.where(err == 0, 0.0, np.inf))
    ratio = np.where(np.isfinite(got), ratio, np.inf)
    res.worst_tracked = float(np.max(ratio)) if ratio.size else 0.0
    for j, p in zip(*np.nonzero(~same | ~(ratio <= 1.0)), strict=False):
        if len(res.failures) >= 10:
            break
        res.failures.append(
            f"  track_error: coefficient {alphas[j]} at point #{p}: tracked {gt[j, p]!r} "
            f"(untracked {got[j, p]!r}), |error| {err[j, p]:.3g} > Jet.error() "
            f"{Et[j, p]:.3g}"
        )


def report(result):
    """Failure message: the case (replayable) and its failing partials."""
    return result.case.describe() + "\n" + "\n".join(result.failures)


def replay(seed, index):
    case = make_case(index, seed)
    res = check_case(case, max_fail=1000)
    print(case.describe())
    print(
        f"{res.npartials} coefficients, worst error/bound {res.worst_ratio:.3g} "
        f"at {res.worst_where}"
    )
    print("\n".join(res.failures) or "  all within the bound")


if __name__ == "__main__":  # pragma: no cover
    replay(int(sys.argv[1]), int(sys.argv[2]))
