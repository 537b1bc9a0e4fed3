"""sympy ground truth for the tests: every rule of the table has a sympy twin.

``SYMPY[name](*args)`` builds the sympy expression of the rule `name`;
``reference_partials`` differentiates a sympy expression symbolically and
evaluates each partial at 30 digits.  sympy is used by the tests only.
"""
import sympy as sp

__all__ = ["SYMPY", "ZERO_DERIVATIVE", "reference_partials", "reference_value", "symbols"]


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
    subs = dict(zip(symbols, [sp.nsimplify(p, rational=True) if isinstance(p, float)
                              else p for p in point]))
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
