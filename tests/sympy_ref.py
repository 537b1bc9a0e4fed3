"""sympy ground truth for the tests: every rule of the table has a sympy twin.

``SYMPY[name](*args)`` builds the sympy expression of the rule `name`;
``reference_partials`` differentiates a sympy expression symbolically and
evaluates each partial at 30 digits.  sympy is used by the tests only.
"""

import mpmath as _mp
import sympy as sp

__all__ = [
    "SYMPY",
    "ZERO_DERIVATIVE",
    "reference_partials",
    "reference_value",
    "symbols",
    "fast_diff",
    "derivative",
    "evaluate_batch",
    "reference_partials_batch",
]


def _piecewise_constant(name, numeric):
    """A sympy function equal to `numeric` at numbers whose derivative is 0
    (sympy leaves d/dx floor(x) unevaluated; jets documents zero derivatives)."""

    def _eval(cls, a):
        if a.is_Number:
            return numeric(a)
        return None

    def fdiff(self, argindex=1):
        return sp.S.Zero

    return type(name, (sp.Function,), {"eval": classmethod(_eval), "fdiff": fdiff})


_floor = _piecewise_constant("floor_", sp.floor)
_ceil = _piecewise_constant("ceil_", sp.ceiling)
_sign = _piecewise_constant("sign_", sp.sign)
_trunc = _piecewise_constant("trunc_", lambda a: sp.sign(a) * sp.floor(sp.Abs(a)))
_rint = _piecewise_constant("rint_", lambda a: sp.Integer(round(a)))


def symbols(names):
    """Real sympy symbols (so Abs, Max, ... differentiate to sign, Heaviside)."""
    return sp.symbols(names, real=True)


def _cbrt(a):
    return sp.sign(a) * sp.Abs(a) ** sp.Rational(1, 3)


#: rule name -> builder of the equivalent sympy expression
SYMPY = {
    "add": lambda a, b: a + b,
    "subtract": lambda a, b: a - b,
    "negative": lambda a: -a,
    "positive": lambda a: a,
    "multiply": lambda a, b: a * b,
    "divide": lambda a, b: a / b,
    "reciprocal": lambda a: 1 / a,
    "square": lambda a: a**2,
    "power": lambda a, b: a**b,
    "exp": sp.exp,
    "exp2": lambda a: 2**a,
    "expm1": lambda a: sp.exp(a) - 1,
    "log": sp.log,
    "log2": lambda a: sp.log(a) / sp.log(2),
    "log10": lambda a: sp.log(a) / sp.log(10),
    "log1p": lambda a: sp.log(1 + a),
    "logaddexp": lambda a, b: sp.log(sp.exp(a) + sp.exp(b)),
    "logaddexp2": lambda a, b: sp.log(2**a + 2**b) / sp.log(2),
    "sqrt": sp.sqrt,
    "cbrt": _cbrt,
    "hypot": lambda a, b: sp.sqrt(a**2 + b**2),
    "sin": sp.sin,
    "cos": sp.cos,
    "tan": sp.tan,
    "arcsin": sp.asin,
    "arccos": sp.acos,
    "arctan": sp.atan,
    "arctan2": sp.atan2,
    "deg2rad": lambda a: a * sp.pi / 180,
    "rad2deg": lambda a: a * 180 / sp.pi,
    "sinh": sp.sinh,
    "cosh": sp.cosh,
    "tanh": sp.tanh,
    "arcsinh": sp.asinh,
    "arccosh": sp.acosh,
    "arctanh": sp.atanh,
    "absolute": sp.Abs,
    "sign": _sign,
    "floor": _floor,
    "ceil": _ceil,
    "trunc": _trunc,
    "rint": _rint,
    "maximum": sp.Max,
    "minimum": sp.Min,
    "clip": lambda a, lo, hi: sp.Min(sp.Max(a, lo), hi),
    "erf": sp.erf,
    "erfc": sp.erfc,
    "gamma": sp.gamma,
    "lgamma": sp.loggamma,
    "digamma": lambda a: sp.polygamma(0, a),
    "sinpi": lambda a: sp.sin(sp.pi * a),
    "cospi": lambda a: sp.cos(sp.pi * a),
    "sinc": lambda a: sp.sinc(sp.pi * a),  # sympy's sinc is sin(x)/x
    "expit": lambda a: 1 / (1 + sp.exp(-a)),
    "logit": lambda a: sp.log(a / (1 - a)),
    "erfinv": sp.erfinv,
    "erfcx": lambda a: sp.exp(a**2) * sp.erfc(a),
    "lambertw": sp.LambertW,
    "ellipk": sp.elliptic_k,
    "ellipe": sp.elliptic_e,
    "expi": sp.Ei,
    "exp1": lambda a: sp.expint(1, a),
    "polygamma": sp.polygamma,
    "jv": sp.besselj,
    "yv": sp.bessely,
    "iv": sp.besseli,
    "kv": sp.besselk,
}

#: rules whose derivatives are zero wherever they exist (piecewise constant)
ZERO_DERIVATIVE = {"sign", "floor", "ceil", "trunc", "rint"}


def reference_value(expr, subs, dps=30):
    """expr evaluated at `subs` with `dps` digits, as a Python complex or float."""
    v = sp.N(expr.subs(subs), dps)
    if v.is_real is False or (v.as_real_imag()[1] != 0):
        return complex(v)
    return float(v)


def reference_partials(expr, symbols, point, alphas, dps=30):
    """{alpha: d^alpha expr at point} with sympy, reusing lower derivatives.

    symbols: sequence of n sympy symbols; point: n numbers (exact rationals
    preferred); alphas: iterable of n-tuples.
    """
    subs = dict(
        zip(
            symbols,
            [sp.nsimplify(p, rational=True) if isinstance(p, float) else p for p in point],
            strict=True,
        )
    )
    memo = {tuple(0 for _ in symbols): expr}

    def deriv(alpha):
        if alpha in memo:
            return memo[alpha]
        i = max(k for k, a in enumerate(alpha) if a > 0)
        lower = list(alpha)
        lower[i] -= 1
        d = sp.diff(deriv(tuple(lower)), symbols[i])
        memo[alpha] = d
        return d

    return {tuple(a): reference_value(deriv(tuple(a)), subs, dps) for a in alphas}


# ------------------------------------------------------------------------------
# Fast batch reference for the corpus: thousands of partials, up to order 12.
#
# ``sympy.diff`` canonicalises every intermediate expression and queries its
# assumptions; at order 12 a composite like arctan2(x, -1 - x**2) takes over a
# minute.  ``fast_diff`` differentiates with sympy's own derivative rule of each
# function (``Function.fdiff``: atan2, Max, loggamma, ...) and the textbook
# sum, product, power and chain rules, building *unevaluated* sympy nodes that
# share subtrees (a DAG, memoised per node), so order 12 takes milliseconds.
# The result is the same exact symbolic derivative, only not simplified;
# ``tests/test_corpus.py`` checks it against ``sympy.diff`` at low order.
# ``reference_partials_batch`` evaluates all partials of an expression at many
# points with mpmath at `dps` digits, compiling the DAG once into a straight-line
# program.  Everything is cached for the test session.

_ZERO, _ONE = sp.S.Zero, sp.S.One
_DMEMO = {}  # (id(node), var) -> (node, derivative); node kept alive
_DERIVATIVES = {}  # (expr, symbols) -> {alpha: derivative}
_PROGRAMS = {}  # (expr, symbols, alphas) -> compiled evaluator


def _mul(factors):
    fs = [f for f in factors if f is not _ONE]
    if any(f is _ZERO for f in fs):
        return _ZERO
    if not fs:
        return _ONE
    return fs[0] if len(fs) == 1 else sp.Mul(*fs, evaluate=False)


def _add(terms):
    ts = [t for t in terms if t is not _ZERO]
    if not ts:
        return _ZERO
    return ts[0] if len(ts) == 1 else sp.Add(*ts, evaluate=False)


def _fdiff(node, i):
    """sympy's derivative of `node` in its i-th argument."""
    if isinstance(node, sp.sign):  # sympy's sign has no fdiff, only _eval_derivative
        return 2 * sp.DiracDelta(node.args[0])
    d = node.fdiff(i + 1)
    if d.has(sp.Derivative, sp.Subs):
        raise NotImplementedError(f"sympy has no derivative rule for {node.func}")
    return d


def fast_diff(node, var):
    """d node / d var as an unevaluated sympy expression (memoised DAG)."""
    key = (id(node), var)
    hit = _DMEMO.get(key)
    if hit is not None:
        return hit[1]
    if node.is_Symbol:
        d = _ONE if node == var else _ZERO
    elif node.is_Atom:
        d = _ZERO
    elif node.is_Add:
        d = _add([fast_diff(a, var) for a in node.args])
    elif node.is_Mul:
        args, terms = node.args, []
        for i, a in enumerate(args):
            da = fast_diff(a, var)
            if da is not _ZERO:
                terms.append(_mul(args[:i] + (da,) + args[i + 1 :]))
        d = _add(terms)
    elif node.is_Pow:
        b, e = node.args
        db, de = fast_diff(b, var), fast_diff(e, var)
        terms = []
        if db is not _ZERO:
            if e is _ONE:
                terms.append(db)
            else:
                em1 = e - 1 if e.is_Number else sp.Add(e, -1, evaluate=False)
                terms.append(_mul([e, sp.Pow(b, em1, evaluate=False), db]))
        if de is not _ZERO:
            terms.append(_mul([node, sp.log(b, evaluate=False), de]))
        d = _add(terms)
    elif hasattr(node, "fdiff"):  # sympy functions, Max/Min, the twins above
        terms = []
        for i, a in enumerate(node.args):
            da = fast_diff(a, var)
            if da is not _ZERO:
                terms.append(_mul([_fdiff(node, i), da]))
        d = _add(terms)
    else:
        raise NotImplementedError(f"cannot differentiate {type(node).__name__}")
    _DMEMO[key] = (node, d)
    return d


def derivative(expr, symbols, alpha):
    """d^alpha expr (unevaluated sympy), each partial from one of degree one lower."""
    symbols = tuple(symbols)
    memo = _DERIVATIVES.setdefault((expr, symbols), {(0,) * len(symbols): expr})
    alpha = tuple(int(a) for a in alpha)
    todo, a = [], alpha
    while a not in memo:
        todo.append(a)
        i = max(k for k, v in enumerate(a) if v > 0)
        a = a[:i] + (a[i] - 1,) + a[i + 1 :]
    for a in reversed(todo):
        i = max(k for k, v in enumerate(a) if v > 0)
        memo[a] = fast_diff(memo[a[:i] + (a[i] - 1,) + a[i + 1 :]], symbols[i])
    return memo[alpha]


# ---------------------------------------------------------------- evaluation
def _away(name):
    def check(a, *rest):
        if a == 0:
            raise ValueError(
                f"reference evaluated on a kink ({name} at 0): move the test point away from it"
            )
        return a

    return check


def _heaviside(a, *h0):
    _away("Heaviside")(a)
    return _mp.mpf(1) if a > 0 else _mp.mpf(0)


def _dirac(a, *k):
    _away("DiracDelta")(a)
    return _mp.mpf(0)


def _sign_derivative_side(a):
    _away("sign")(a)
    return _mp.sign(a)


#: mpmath function for each sympy function name that can occur
MPMATH_FUNCTIONS = {
    "exp": _mp.exp,
    "log": _mp.log,
    "sin": _mp.sin,
    "cos": _mp.cos,
    "tan": _mp.tan,
    "cot": _mp.cot,
    "sec": _mp.sec,
    "csc": _mp.csc,
    "asin": _mp.asin,
    "acos": _mp.acos,
    "atan": _mp.atan,
    "atan2": _mp.atan2,
    "sinh": _mp.sinh,
    "cosh": _mp.cosh,
    "tanh": _mp.tanh,
    "asinh": _mp.asinh,
    "acosh": _mp.acosh,
    "atanh": _mp.atanh,
    "erf": _mp.erf,
    "erfc": _mp.erfc,
    "gamma": _mp.gamma,
    "loggamma": _mp.loggamma,
    "polygamma": _mp.polygamma,
    "Abs": _mp.fabs,
    "sign": _sign_derivative_side,
    "Heaviside": _heaviside,
    "DiracDelta": _dirac,
    "Max": max,
    "Min": min,
    "sign_": _mp.sign,
    "floor_": _mp.floor,
    "ceil_": _mp.ceil,
    "trunc_": lambda a: _mp.sign(a) * _mp.floor(abs(a)),
    "rint_": _mp.nint,
    "sinc": _mp.sinc,
    "erfinv": _mp.erfinv,
    "LambertW": _mp.lambertw,
    "elliptic_k": _mp.ellipk,
    "elliptic_e": _mp.ellipe,
    "Ei": _mp.ei,
    "expint": _mp.expint,
    "besselj": _mp.besselj,
    "bessely": _mp.bessely,
    "besseli": _mp.besseli,
    "besselk": _mp.besselk,
}


def _constant(node):
    if node.is_Integer:
        return lambda: _mp.mpf(int(node))
    if node.is_Rational:
        return lambda: _mp.mpf(int(node.p)) / int(node.q)
    if node.is_Float:
        return lambda: _mp.mpf(node._mpf_)
    if node.is_NumberSymbol:
        return lambda: _mp.mpmathify(node.evalf(_mp.mp.dps + 10))
    raise ValueError(f"unexpected constant {node!r} in a reference expression")


def _compile(roots, symbols):
    """Straight-line program over the DAG of `roots`: (ops, root slots)."""
    slot, ops = {}, []
    for root in roots:
        stack = [(root, False)]
        while stack:
            node, ready = stack.pop()
            if id(node) in slot:
                continue
            if not ready and not node.is_Atom:
                stack.append((node, True))
                stack.extend((a, False) for a in node.args if id(a) not in slot)
                continue
            if node.is_Symbol:
                ops.append(("var", symbols.index(node)))
            elif node.is_Atom:
                ops.append(("const", _constant(node)))
            else:
                kids = [slot[id(a)] for a in node.args]
                if node.is_Add:
                    ops.append(("add", kids))
                elif node.is_Mul:
                    ops.append(("mul", kids))
                elif node.is_Pow:
                    ops.append(("pow", kids))
                else:
                    name = type(node).__name__
                    if name not in MPMATH_FUNCTIONS:
                        raise NotImplementedError(f"no mpmath twin for sympy {name}")
                    ops.append(("fn", (MPMATH_FUNCTIONS[name], kids)))
            slot[id(node)] = len(ops) - 1
    return ops, [slot[id(r)] for r in roots]


def _run(program, point):
    ops, outs = program
    v = [None] * len(ops)
    for i, (kind, arg) in enumerate(ops):
        if kind == "var":
            v[i] = point[arg]
        elif kind == "const":
            v[i] = arg()
        elif kind == "add":
            s = v[arg[0]]
            for j in arg[1:]:
                s = s + v[j]
            v[i] = s
        elif kind == "mul":
            s = v[arg[0]]
            for j in arg[1:]:
                s = s * v[j]
            v[i] = s
        elif kind == "pow":
            v[i] = _mp.power(v[arg[0]], v[arg[1]])
        else:
            fn, kids = arg
            v[i] = fn(*[v[j] for j in kids])
    return [v[j] for j in outs]


def _to_float(v):
    """An mpmath number as a float; a non-negligible imaginary part is an error."""
    if isinstance(v, _mp.mpc):
        if abs(v.imag) > 1e-25 * max(abs(v.real), 1):
            raise ValueError(
                f"reference is complex ({v}): the point is outside the "
                f"real domain of the expression"
            )
        v = v.real
    return float(v)


def _evaluate(program, points, dps, degrees=None):
    """Run `program` at every point with at least `dps` correct digits.

    The straight-line program does not adapt its precision (sp.N does), and a
    high derivative is often a sum of huge terms that cancel (the 12th
    derivative of expm1(x)/x at 1/8 loses 20 digits).  So it runs at dps + 20
    and dps + 50 digits; the two must agree to 10**-dps of each value's scale
    (the largest value of derivative degree d-1, d or d+1 at that point, for an
    output of degree d; `degrees` gives each output's degree), else ValueError.
    """
    import numpy as np

    lo = np.empty((len(program[1]), len(points)))
    hi = np.empty_like(lo)
    for out, extra in ((lo, 20), (hi, 50)):
        with _mp.workdps(dps + extra):
            for j, p in enumerate(points):
                out[:, j] = [_to_float(v) for v in _run(program, [_mp.mpf(float(c)) for c in p])]
    degrees = np.zeros(len(lo), int) if degrees is None else np.asarray(degrees)
    scale = np.zeros_like(hi)
    for d in set(degrees.tolist()):
        rows = np.abs(degrees - d) <= 1
        scale[degrees == d] = np.max(np.abs(hi[rows]), axis=0)
    if np.any(np.abs(hi - lo) > 10.0**-dps * np.maximum(scale, 1e-300)):
        raise ValueError(
            "reference values lost more than 20 digits to cancellation: raise dps or move the point"
        )
    return hi


def evaluate_batch(exprs, symbols, points, dps=30):
    """sympy expressions (evaluated or not) at many points with mpmath:
    array of shape (len(exprs), len(points)); points (n-tuples of floats) are
    used exactly."""
    return _evaluate(_compile(list(exprs), list(symbols)), points, dps)


def reference_partials_batch(expr, symbols, points, alphas, dps=30):
    """Partials d^alpha expr at many points: array of shape (len(alphas), npoints).

    points: sequence of n-tuples of floats (each an exact binary rational, used
    exactly); alphas: sequence of n-tuples.  Derivatives (``fast_diff``) and the
    compiled program are cached for the session.
    """
    symbols = tuple(symbols)
    alphas = tuple(tuple(int(v) for v in a) for a in alphas)
    key = (expr, symbols, alphas)
    program = _PROGRAMS.get(key)
    if program is None:
        program = _compile([derivative(expr, symbols, a) for a in alphas], list(symbols))
        _PROGRAMS[key] = program
    return _evaluate(program, points, dps, [sum(a) for a in alphas])
