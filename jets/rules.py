"""THE rule table: every elementary function of jets, defined once.

Each :class:`Rule` names a function, how its constant coefficient is computed
(always the accurate scalar function: ``np.log1p``, ``scipy.special.erfc``),
and how its higher coefficients are (a kind: zero, linear, derivative,
recurrence, composition).  The table feeds ``jets.<name>``, ``np.<name>(jet)``
through ``__array_ufunc__``, the Python operators, the command line's list of
names, the docs' function table and the parametrised tests.
"""
from dataclasses import dataclass, field
from math import factorial, log as _mlog, pi, sqrt as _msqrt
from typing import Callable, Optional

import numpy as np

from . import backend as B
from . import kernels as K
from .jet import Jet, _all_numbers, embed, union_vars

__all__ = ["Rule", "RULES", "ALIASES", "lookup", "apply", "common_space", "FUNCTIONS"]

_LN2, _LN10 = _mlog(2.0), _mlog(10.0)


class Const:
    """A plain (non-jet) argument of a rule: a numpy array without derivatives."""

    __slots__ = ("v",)

    def __init__(self, v):
        self.v = v


@dataclass(frozen=True)
class Rule:
    """One elementary function.

    ``value(*plain)`` evaluates it on plain arrays (the constant coefficient),
    ``jet(S, *args)`` returns the coefficient array; each arg is a coefficient
    array (S.ncoeffs, *batch) or a :class:`Const`.  ``domain(*values)`` is a
    boolean mask of points where the function is smooth (``domain_text`` says
    it in words, for error messages).
    """

    name: str
    nargs: int
    kind: str
    value: Callable
    jet: Callable
    formula: str
    domain: Optional[Callable] = None
    domain_text: str = ""
    aliases: tuple = ()
    analytic: bool = True       # valid on complex input
    rational: bool = False      # exact on Fraction (object) coefficients
    extra: Optional[str] = None  # optional dependency ("special" -> scipy)
    consts_ok: bool = False     # jet() accepts Const arguments itself


RULES: dict = {}
ALIASES: dict = {}


def _rule(name, nargs, kind, value, formula, **kw):
    """Decorator: register the coefficient function of `name` in RULES."""
    def register(jet_fn):
        rule = Rule(name, nargs, kind, value, jet_fn, formula, **kw)
        RULES[name] = rule
        for a in rule.aliases:
            ALIASES[a] = name
        return jet_fn
    return register


def lookup(name):
    """The Rule for a numpy name or alias; KeyError-free: ValueError naming it."""
    rule = RULES.get(ALIASES.get(name, name))
    if rule is None:
        raise ValueError(f"jets has no function named {name!r}")
    return rule


# ------------------------------------------------------------------ helpers
def _lift(S, x):
    """Coefficient array of an argument (Const -> constant jet coefficients)."""
    return K.constant_like(S, x.v) if isinstance(x, Const) else x


def _col(v, ndim):
    """A batch-shaped constant as a row that broadcasts against (L, *batch)."""
    v = B.asarray(v)
    return v.reshape((1,) + v.shape) if ndim else v


def _from_derivative(S, A, g_coeffs, f0):
    """F with F_0 = f0 and F' = g(A) A':  D F = (D A) G, so F = f0 + D^{-1}(DA G)."""
    return K.integrate(S, K.product(S, K.euler(S, A), g_coeffs), f0)


def _scipy():
    try:
        import scipy.special as sc
    except ImportError:  # pragma: no cover - exercised by a test that hides scipy
        raise ImportError("this function needs scipy: install it with "
                          "pip install 'jets[special]'") from None
    return sc


def _special(fname):
    def value(*args):
        return getattr(_scipy(), fname)(*args)
    value.__name__ = fname
    return value


def _pos(x):
    return x > 0


def _nonzero(x):
    return x != 0


def _open_unit(x):
    return np.abs(x) < 1


def _not_pole(x):
    return ~((x <= 0) & (x == np.round(x)))


# ------------------------------------------------------------ arithmetic
def _plus(S, X, Y, sign=1):
    """X + sign*Y for coefficient arrays of possibly different degree prefixes."""
    if X.shape[0] == Y.shape[0]:
        return X + Y if sign == 1 else X - Y
    n = max(X.shape[0], Y.shape[0])
    out = B.zeros((n,) + B.broadcast_shapes(X.shape[1:], Y.shape[1:]),
                  dtype=B.result_dtype(X, Y))
    out[: X.shape[0]] = X
    if sign == 1:
        out[: Y.shape[0]] += Y
    else:
        out[: Y.shape[0]] -= Y
    return out


@_rule("add", 2, "linear", np.add, "a + b", rational=True, consts_ok=True)
def _add(S, a, b):
    if isinstance(a, Const):
        a, b = b, a
    if isinstance(b, Const):
        out = B.empty(a.shape[:1] + B.broadcast_shapes(a.shape[1:], np.shape(b.v)),
                      dtype=B.result_dtype(a, b.v))
        out[...] = a
        out[0] = a[0] + b.v
        return out
    return _plus(S, a, b)


@_rule("subtract", 2, "linear", np.subtract, "a - b", rational=True, consts_ok=True)
def _subtract(S, a, b):
    if isinstance(b, Const):
        return _add(S, a, Const(B.asarray(-b.v, dtype=b.v.dtype)))
    if isinstance(a, Const):
        return _add(S, Const(a.v), -b)
    return _plus(S, a, b, -1)


@_rule("negative", 1, "linear", np.negative, "-a", rational=True)
def _negative(S, a):
    return -a


@_rule("positive", 1, "linear", np.positive, "+a", rational=True)
def _positive(S, a):
    return a.copy()


@_rule("multiply", 2, "recurrence", np.multiply, "C_d = sum_i A_i B_{d-i}",
       rational=True, consts_ok=True)
def _multiply(S, a, b):
    if isinstance(a, Const):
        a, b = b, a
    if isinstance(b, Const):
        return a * _col(b.v, 1)
    return K.product(S, a, b)


@_rule("divide", 2, "recurrence", np.divide, "Q_d = (A_d - sum_{i>=1} B_i Q_{d-i}) / B_0",
       domain=lambda a, b: b != 0, domain_text="divisor != 0", aliases=("true_divide",),
       rational=True, consts_ok=True)
def _divide(S, a, b):
    if isinstance(b, Const):
        return a / _col(b.v, 1)
    return K.quotient(S, _lift(S, a), b)


@_rule("reciprocal", 1, "recurrence", lambda a: 1 / a, "1 / a (quotient recurrence)",
       domain=_nonzero, domain_text="a != 0", rational=True)
def _reciprocal(S, a):
    return K.quotient(S, K.constant_like(S, np.ones((), dtype=B.result_dtype(a))), a)


@_rule("square", 1, "recurrence", np.square, "a * a", rational=True)
def _square(S, a):
    return K.product(S, a, a)


def _int_exponent(r):
    """The exponent as a Python int if it is a scalar with an integer value."""
    r = B.asarray(r)
    if r.size == 0 or r.dtype.kind in "bc":
        return None
    try:
        v = r.flat[0]
        if r.size > 1 and not np.all(r == v):
            return None
        if v == int(v):
            return int(v)
    except (TypeError, ValueError, OverflowError):
        return None
    return None


#: Integer exponents above this size (in absolute value) take the real-power
#: recurrence instead of repeated squaring: about two products instead of up
#: to 2 log2|n| (a float exponent like 1e308 is an integer of 1024 bits).  The
#: recurrence P_d = (r [DA P]_d - [A DP]_d) / (d A_0) has no cancellation of
#: its own, so it is as accurate; at a zero value (where it would divide by 0)
#: the exact result is used: (0 + h)**n = h**n has degree n > the order, so 0.
MAX_SQUARING_EXPONENT = 2 ** 20


def _int_power(S, a, n):
    """a**n for an integer n by repeated squaring: exact at a zero value.
    |n| > MAX_SQUARING_EXPONENT on float jets: the real-power recurrence, with
    the sign of the value from the parity of n (exact for any size), and the
    exact zeros at a zero value for n > 0."""
    if abs(n) > MAX_SQUARING_EXPONENT and a.dtype.kind == "f" and a.shape[0] > 1 \
            and abs(n) > S.degree:
        huge = n.bit_length() > 1024 or abs(n) > int(np.finfo(a.dtype).max)
        r = np.finfo(a.dtype).max * (1 if n > 0 else -1) if huge else float(n)
        a0 = a[0]
        value = np.power(np.abs(a0), r)
        if n % 2:
            value = np.where(a0 < 0, -value, value)
        out = K.power_real(S, a, np.asarray(r, dtype=a.dtype), value.astype(a.dtype))
        if huge:  # at |a0| = 1 the derivatives overflow, with a sign we do not track
            out[1:] = np.where(np.abs(a0) == 1, np.nan, out[1:])
        if n > 0 and np.any(a0 == 0):
            out = np.where(a0 == 0, 0, out).astype(out.dtype)
        return out
    if n < 0:
        return K.quotient(S, K.constant_like(S, np.ones((), dtype=B.result_dtype(a))),
                          _int_power(S, a, -n))
    result, base = None, a
    while True:
        if n & 1:
            result = base if result is None else K.product(S, result, base)
        n >>= 1
        if not n:
            break
        base = K.product(S, base, base)
    if result is None:  # n == 0: a**0 == 1, also at 0 (numpy's convention)
        return K.constant_like(S, np.ones(a.shape[1:], dtype=B.result_dtype(a)))
    return result if result is not a else a.copy()


def _power_domain(a, b):
    return (a > 0) | (np.round(b) == b)


@_rule("power", 2, "recurrence", np.power,
       "integer n: repeated squaring; real r: d A_0 P_d = sum_i ((r+1) i - d) A_i P_{d-i}; "
       "jet exponent: exp(b log a)",
       domain=_power_domain, domain_text="base > 0 (or an integer exponent)",
       aliases=("pow", "float_power"), rational=True, consts_ok=True)
def _power(S, a, b):
    if isinstance(b, Const):
        n = _int_exponent(b.v)
        if n is not None:
            return _int_power(S, a, n)
        if a.dtype == object:
            raise TypeError("a non-integer power of an object-dtype (e.g. Fraction) jet is "
                            "not exact: convert to float first")
        return K.power_real(S, a, _col(b.v, 0), np.power(a[0], b.v))
    # jet exponent: a**b = exp(b log a), the value from np.power
    A = _lift(S, a)
    if A.dtype == object:
        raise TypeError("a jet exponent on object-dtype (e.g. Fraction) jets is not exact")
    L = K.log(S, A, np.log(A[0]))
    return K.exp(S, K.product(S, b, L), np.power(A[0], b[0]))


# ------------------------------------------------------- exponentials, logs
@_rule("exp", 1, "recurrence", np.exp, "d E_d = sum_i i A_i E_{d-i}")
def _exp(S, a):
    return K.exp(S, a, np.exp(a[0]))


@_rule("exp2", 1, "recurrence", np.exp2, "exp(a ln 2), value np.exp2")
def _exp2(S, a):
    return K.exp(S, a * _LN2, np.exp2(a[0]))


@_rule("expm1", 1, "recurrence", np.expm1, "exp recurrence, value np.expm1")
def _expm1(S, a):
    E = K.exp(S, a, np.exp(a[0]))
    E[0] = np.expm1(a[0])
    return E


@_rule("log", 1, "recurrence", np.log, "d A_0 L_d = d A_d - sum_{i=1}^{d-1} (d-i) A_i L_{d-i}",
       domain=_pos, domain_text="(0, inf)")
def _log(S, a):
    return K.log(S, a, np.log(a[0]))


def _log_base(S, a, ln_base, value):
    """log(a) / ln(base), its value from the accurate numpy function."""
    L = K.log(S, a, np.log(a[0])) / ln_base
    L[0] = value
    return L


@_rule("log2", 1, "recurrence", np.log2, "log(a) / ln 2, value np.log2",
       domain=_pos, domain_text="(0, inf)")
def _log2(S, a):
    return _log_base(S, a, _LN2, np.log2(a[0]))


@_rule("log10", 1, "recurrence", np.log10, "log(a) / ln 10, value np.log10",
       domain=_pos, domain_text="(0, inf)")
def _log10(S, a):
    return _log_base(S, a, _LN10, np.log10(a[0]))


@_rule("log1p", 1, "recurrence", np.log1p, "log recurrence on 1 + a, value np.log1p",
       domain=lambda a: a > -1, domain_text="(-1, inf)")
def _log1p(S, a):
    one_plus = a.copy()
    one_plus[0] = one_plus[0] + 1
    return K.log(S, one_plus, np.log1p(a[0]))


def _logaddexp_core(S, a, b, scale):
    A, Bc = _lift(S, a), _lift(S, b)
    top = S.top_degree[max(A.shape[0], Bc.shape[0])]
    A, Bc = np.broadcast_arrays(K.pad(S, A, top), K.pad(S, Bc, top))
    A, Bc = A * scale, Bc * scale      # fresh arrays of a common shape
    m = np.maximum(A[0], Bc[0])
    m = np.where(np.isfinite(m), m, 0)       # a shift of the values only
    A[0], Bc[0] = A[0] - m, Bc[0] - m
    s = K.exp(S, A, np.exp(A[0])) + K.exp(S, Bc, np.exp(Bc[0]))
    return K.log(S, s, np.log(s[0])) / scale


@_rule("logaddexp", 2, "recurrence", np.logaddexp,
       "m + log(exp(a - m) + exp(b - m)), m = max of the values; value np.logaddexp",
       analytic=False, consts_ok=True)
def _logaddexp(S, a, b):
    F = _logaddexp_core(S, a, b, 1.0)
    F[0] = np.logaddexp(_lift(S, a)[0], _lift(S, b)[0])
    return F


@_rule("logaddexp2", 2, "recurrence", np.logaddexp2,
       "logaddexp(a ln 2, b ln 2) / ln 2; value np.logaddexp2", analytic=False, consts_ok=True)
def _logaddexp2(S, a, b):
    F = _logaddexp_core(S, a, b, _LN2)
    F[0] = np.logaddexp2(_lift(S, a)[0], _lift(S, b)[0])
    return F


# ---------------------------------------------------------------- roots
@_rule("sqrt", 1, "recurrence", np.sqrt, "power recurrence with r = 1/2, value np.sqrt",
       domain=_pos, domain_text="(0, inf)")
def _sqrt(S, a):
    return K.power_real(S, a, 0.5, np.sqrt(a[0]))


@_rule("cbrt", 1, "recurrence", np.cbrt, "power recurrence with r = 1/3, value np.cbrt",
       domain=_nonzero, domain_text="a != 0", analytic=False)
def _cbrt(S, a):
    return K.power_real(S, a, 1.0 / 3.0, np.cbrt(a[0]))


@_rule("hypot", 2, "recurrence", np.hypot,
       "d H_0 H_d = [A DA + B DB]_d - sum_{i=1}^{d-1} H_i (DH)_{d-i}, value np.hypot",
       domain=lambda a, b: (a != 0) | (b != 0), domain_text="(a, b) != (0, 0)",
       analytic=False, consts_ok=True)
def _hypot(S, a, b):
    A, Bc = _lift(S, a), _lift(S, b)
    return K.hypot(S, A, Bc, np.hypot(A[0], Bc[0]))


# --------------------------------------------------------- trigonometric
@_rule("sin", 1, "recurrence", np.sin, "d S_d = sum_i i A_i C_{d-i} (paired with cos)")
def _sin(S, a):
    return K.sincos(S, a, np.sin(a[0]), np.cos(a[0]))[0]


@_rule("cos", 1, "recurrence", np.cos, "d C_d = -sum_i i A_i S_{d-i} (paired with sin)")
def _cos(S, a):
    return K.sincos(S, a, np.sin(a[0]), np.cos(a[0]))[1]


@_rule("tan", 1, "recurrence", np.tan, "d T_d = sum_i i A_i W_{d-i}, W = 1 + T^2",
       domain=lambda a: np.cos(a) != 0, domain_text="cos(a) != 0")
def _tan(S, a):
    return K.tan(S, a, np.tan(a[0]))


def _g_pow(S, base, r):
    """Coefficients of base**r (a helper for derivative rules)."""
    return K.power_real(S, base, r, np.power(base[0], r))


def _one_minus_sq(S, a):
    """1 - a^2 as (1 - a)(1 + a): accurate near |a| = 1, where 1 - a*a cancels."""
    one_minus, one_plus = -a, a.copy()
    one_minus[0] = 1 - a[0]
    one_plus[0] = 1 + a[0]
    return K.product(S, one_minus, one_plus)


def _one_plus_sq(S, a):
    s = K.product(S, a, a)
    s[0] = s[0] + 1
    return s


@_rule("arcsin", 1, "derivative", np.arcsin, "f' = (1 - a^2)^(-1/2)",
       domain=_open_unit, domain_text="(-1, 1)", aliases=("asin",))
def _arcsin(S, a):
    return _from_derivative(S, a, _g_pow(S, _one_minus_sq(S, a), -0.5), np.arcsin(a[0]))


@_rule("arccos", 1, "derivative", np.arccos, "f' = -(1 - a^2)^(-1/2)",
       domain=_open_unit, domain_text="(-1, 1)", aliases=("acos",))
def _arccos(S, a):
    return _from_derivative(S, a, -_g_pow(S, _one_minus_sq(S, a), -0.5), np.arccos(a[0]))


@_rule("arctan", 1, "derivative", np.arctan, "f' = 1 / (1 + a^2)", aliases=("atan",))
def _arctan(S, a):
    return _from_derivative(S, a, _reciprocal(S, _one_plus_sq(S, a)), np.arctan(a[0]))


@_rule("arctan2", 2, "derivative", np.arctan2, "DF = (x Dy - y Dx) / h / h, h = hypot(x, y)",
       domain=lambda y, x: (x != 0) | (y != 0), domain_text="(y, x) != (0, 0)",
       aliases=("atan2",), analytic=False, consts_ok=True)
def _arctan2(S, y, x):
    Y, X = _lift(S, y), _lift(S, x)
    # dF = (X DY - Y DX) / H / H with H = hypot(X, Y): no value is squared, so
    # neither huge nor tiny points overflow or underflow on the way
    H = K.hypot(S, X, Y, np.hypot(X[0], Y[0]))
    num = _plus(S, K.product(S, X, K.euler(S, Y)), K.product(S, Y, K.euler(S, X)), -1)
    return K.integrate(S, K.quotient(S, K.quotient(S, num, H), H), np.arctan2(Y[0], X[0]))


@_rule("deg2rad", 1, "linear", np.deg2rad, "a * pi / 180", aliases=("radians",))
def _deg2rad(S, a):
    return a * (pi / 180)


@_rule("rad2deg", 1, "linear", np.rad2deg, "a * 180 / pi", aliases=("degrees",))
def _rad2deg(S, a):
    return a * (180 / pi)


# ------------------------------------------------------------ hyperbolic
@_rule("sinh", 1, "recurrence", np.sinh, "d S_d = sum_i i A_i C_{d-i} (paired with cosh)")
def _sinh(S, a):
    return K.sinhcosh(S, a, np.sinh(a[0]), np.cosh(a[0]))[0]


@_rule("cosh", 1, "recurrence", np.cosh, "d C_d = sum_i i A_i S_{d-i} (paired with sinh)")
def _cosh(S, a):
    return K.sinhcosh(S, a, np.sinh(a[0]), np.cosh(a[0]))[1]


@_rule("tanh", 1, "recurrence", np.tanh, "d T_d = sum_i i A_i W_{d-i}, W = 1 - T^2")
def _tanh(S, a):
    return K.tanh(S, a, np.tanh(a[0]))


@_rule("arcsinh", 1, "derivative", np.arcsinh, "f' = (1 + a^2)^(-1/2)", aliases=("asinh",))
def _arcsinh(S, a):
    return _from_derivative(S, a, _g_pow(S, _one_plus_sq(S, a), -0.5), np.arcsinh(a[0]))


@_rule("arccosh", 1, "derivative", np.arccosh, "f' = (a^2 - 1)^(-1/2)",
       domain=lambda a: a > 1, domain_text="(1, inf)", aliases=("acosh",))
def _arccosh(S, a):
    # (a - 1)^(-1/2) (a + 1)^(-1/2): accurate near 1, and the principal branch
    # for complex a (where (a^2 - 1)^(-1/2) can take the other sign)
    am, ap = a.copy(), a.copy()
    am[0], ap[0] = a[0] - 1, a[0] + 1
    g = K.product(S, _g_pow(S, am, -0.5), _g_pow(S, ap, -0.5))
    return _from_derivative(S, a, g, np.arccosh(a[0]))


@_rule("arctanh", 1, "derivative", np.arctanh, "f' = 1 / (1 - a^2)",
       domain=_open_unit, domain_text="(-1, 1)", aliases=("atanh",))
def _arctanh(S, a):
    return _from_derivative(S, a, _reciprocal(S, _one_minus_sq(S, a)), np.arctanh(a[0]))


# --------------------------------------------------------- non-smooth
def _has_slope(a):
    """Points where some higher coefficient of `a` is nonzero."""
    return np.any(a[1:] != 0, axis=0) if a.shape[0] > 1 else np.zeros(a.shape[1:], bool)


@_rule("absolute", 1, "linear", np.absolute,
       "sign(a_0) * a; at a_0 = 0 the branch a >= 0 (one-sided, documented)",
       aliases=("abs", "fabs"), analytic=False, rational=True)
def _absolute(S, a):
    s = np.where(a[0] < 0, -1, 1)
    out = a * _col(s, 1)
    out[0] = np.absolute(a[0])
    return out


@_rule("sign", 1, "zero", np.sign,
       "value np.sign, higher coefficients 0; nan at a_0 = 0 when a varies",
       domain=_nonzero, domain_text="a != 0", analytic=False, rational=True)
def _sign(S, a):
    out = K.constant_like(S, np.sign(a[0]))
    jump = (a[0] == 0) & _has_slope(a)
    if np.any(jump):
        out = K.pad(S, out.astype(np.result_type(out.dtype, float)))
        out[1:] = np.where(jump, np.nan, out[1:])
    return out


def _zero_rule(name, fn, text):
    @_rule(name, 1, "zero", fn, text, analytic=False, rational=True)
    def _z(S, a):
        return K.constant_like(S, fn(a[0]))
    return _z


for _n, _f in (("floor", np.floor), ("ceil", np.ceil), ("trunc", np.trunc), ("rint", np.rint)):
    _zero_rule(_n, _f, f"value np.{_n}, higher coefficients 0 (one-sided at jumps)")


def _select(S, cond, A, Bc, value):
    """Choose jet A where cond else Bc; NaN values poison every coefficient."""
    n = max(A.shape[0], Bc.shape[0])
    out = np.where(_col(cond, 1), K.pad(S, A, S.top_degree[n]), K.pad(S, Bc, S.top_degree[n]))
    bad = np.isnan(value) if out.dtype.kind in "fc" else False
    if np.any(bad):
        out = np.where(_col(bad, 1), np.nan, out)
    out[0] = value
    return out


@_rule("maximum", 2, "linear", np.maximum,
       "the larger argument; at a tie the first (the side a > b)",
       analytic=False, rational=True, consts_ok=True)
def _maximum(S, a, b):
    A, Bc = _lift(S, a), _lift(S, b)
    return _select(S, A[0] >= Bc[0], A, Bc, np.maximum(A[0], Bc[0]))


@_rule("minimum", 2, "linear", np.minimum,
       "the smaller argument; at a tie the second (the side a > b)",
       analytic=False, rational=True, consts_ok=True)
def _minimum(S, a, b):
    A, Bc = _lift(S, a), _lift(S, b)
    return _select(S, A[0] < Bc[0], A, Bc, np.minimum(A[0], Bc[0]))


def _clip_value(a, lo, hi):
    return np.minimum(np.maximum(a, lo), hi)


@_rule("clip", 3, "linear", _clip_value, "minimum(maximum(a, lo), hi)",
       analytic=False, rational=True, consts_ok=True)
def _clip(S, a, lo, hi):
    return _minimum(S, _maximum(S, a, lo), hi)


# --------------------------------------------------- special (scipy extra)
_SQRT_PI_2 = 2 / _msqrt(pi)


def _erf_slope(S, a, sign):
    """sign * 2/sqrt(pi) * exp(-a^2), the derivative of erf (sign=1) / erfc (-1)."""
    m = -K.product(S, a, a)
    return K.exp(S, m, np.exp(m[0])) * (sign * _SQRT_PI_2)


@_rule("erf", 1, "derivative", _special("erf"), "f' = 2/sqrt(pi) exp(-a^2), value scipy erf",
       extra="special")
def _erf(S, a):
    return _from_derivative(S, a, _erf_slope(S, a, 1), _scipy().erf(a[0]))


@_rule("erfc", 1, "derivative", _special("erfc"),
       "f' = -2/sqrt(pi) exp(-a^2), value scipy erfc", extra="special")
def _erfc(S, a):
    return _from_derivative(S, a, _erf_slope(S, a, -1), _scipy().erfc(a[0]))


def _polygamma_taylor(S, x, first, shift):
    """[first(x), psi^(shift)(x)/1!, psi^(shift+1)(x)/2!, ...] up to the order."""
    sc = _scipy()
    return [first(x)] + [sc.polygamma(j - 1 + shift, x) / factorial(j)
                         for j in range(1, S.degree + 1)]


def _cot_pi(S, a):
    """cot(pi a) with exact argument reduction: r = a_0 - round(a_0) is exact,
    and near r = +-1/2 (a zero of cot) it is -tan(pi (r -+ 1/2)), whose even
    coefficients vanish exactly there."""
    x = a[0]
    r = x - np.round(x)
    far = np.abs(r) > 0.25
    h = np.where(far, 0.5 * np.sign(r), 0.0)
    b = a * pi
    b[0] = pi * (r - h)
    t = -K.tan(S, b, np.tan(b[0]))
    b[0] = pi * r
    sn, cs = K.sincos(S, b, np.sin(b[0]), np.cos(b[0]))
    return np.where(far, t, K.quotient(S, cs, sn))


def _digamma_jet(S, a):
    """digamma by composition with polygamma at a_0 >= 1/2; below, where the
    polygamma values cancel, the reflection digamma(a) = digamma(1 - a) - pi cot(pi a)."""
    sc = _scipy()
    x = a[0]
    neg = x < 0.5
    a_eff = np.where(neg, -a, a) if np.any(neg) else a
    if a_eff is not a:
        a_eff[0] = np.where(neg, 1 - x, x)
    D = K.horner(S, a_eff, _polygamma_taylor(S, a_eff[0], sc.digamma, 1))
    if a_eff is not a:
        D = np.where(neg, D - pi * _cot_pi(S, a), D)
    D[0] = sc.digamma(x)
    return D


def _lgamma_jet(S, a):
    """lgamma from its derivative digamma: F = f_0 + D^{-1}(DA digamma(a))."""
    return _from_derivative(S, a, _digamma_jet(S, a), _scipy().gammaln(a[0]))


@_rule("lgamma", 1, "derivative", _special("gammaln"),
       "f' = digamma(a), value scipy gammaln",
       domain=_not_pole, domain_text="not 0, -1, -2, ...", aliases=("gammaln",),
       analytic=False, extra="special")
def _lgamma(S, a):
    return _lgamma_jet(S, a)


@_rule("gamma", 1, "recurrence", _special("gamma"),
       "exp recurrence on lgamma(a), value scipy gamma (carries the sign)",
       domain=_not_pole, domain_text="not 0, -1, -2, ...", analytic=False, extra="special")
def _gamma(S, a):
    return K.exp(S, _lgamma_jet(S, a), _scipy().gamma(a[0]))


@_rule("digamma", 1, "composition", _special("digamma"),
       "sum_j psi^(j)(a_0)/j! (a - a_0)^j (polygamma) for a_0 >= 1/2; below, "
       "digamma(1 - a) - pi cot(pi a); value scipy digamma",
       domain=_not_pole, domain_text="not 0, -1, -2, ...", aliases=("psi",),
       analytic=False, extra="special")
def _digamma(S, a):
    return _digamma_jet(S, a)


# ------------------------------------------------------------ dispatch
def common_space(*jets):
    """The one JetSpace of these jets, or ValueError describing the mismatch."""
    S = jets[0]._space
    for j in jets[1:]:
        if j._space is S or j._space == S:
            continue
        a, b = S, j._space
        raise ValueError(
            f"cannot combine jets of different spaces: one has {a.describe()}, another "
            f"{b.describe()}. Seed all variables together with "
            f"jets.variables([...], order) so they share one space")
    return S


def _check_dtype(rule, arrays):
    for c in arrays:
        kind = c.dtype.kind
        if kind == "c" and not rule.analytic:
            raise TypeError(f"{rule.name} is not analytic, so it has no complex derivative: "
                            f"use it on real jets only")
        if kind == "O" and not rule.rational:
            raise TypeError(f"{rule.name} of an object-dtype (e.g. Fraction) jet cannot be "
                            f"exact: only + - * / and integer powers are; convert to float")


def _plain(a, jet_dtype, rule):
    """A non-jet argument as a Const: Python scalars are weak (they take the
    jets' dtype, as in numpy), ints become Fractions next to exact jets."""
    if isinstance(a, (int, float, complex)) and not isinstance(a, bool):
        if jet_dtype == object:
            return Const(B.asarray(_exact(a), dtype=object))
        return Const(B.asarray(a, dtype=np.result_type(jet_dtype, a)))
    try:
        v = B.asarray(a)
    except (ValueError, TypeError):
        v = None
    if v is None or v.dtype.kind not in "biufcO" or (
            v.dtype.kind == "O" and not _all_numbers(v)):
        raise TypeError(f"{rule.name}: cannot combine a jet with {type(a).__name__}: "
                        f"use numbers, numpy arrays of numbers, or jets of the same space")
    if jet_dtype == object and v.dtype != object:
        v = v.astype(object)
        if v.dtype.kind == "O":
            v = np.vectorize(_exact, otypes=[object])(v) if v.size else v
    return Const(v)


def _exact(x):
    """Integers as Fractions, so that exact (object) arithmetic stays exact."""
    from fractions import Fraction
    return Fraction(x) if isinstance(x, (int, np.integer)) and not isinstance(x, bool) else x


def align(S, jets):
    """Coefficient arrays of jets in one space, on a common variable subset and
    batch rank: returns (union vars, subspace, arrays)."""
    if len(jets) == 1:
        j = jets[0]
        return j._vars, (S.subspace(j._vars) if j._vars != () else S), [j._coeffs]
    vars = union_vars(S, jets)
    ndim = max(j._coeffs.ndim for j in jets)
    arrays = []
    for j in jets:
        c = j._coeffs if j._vars == vars else embed(S, j._coeffs, j._vars, vars)
        if c.ndim < ndim:
            c = c.reshape(c.shape[:1] + (1,) * (ndim - c.ndim) + c.shape[1:])
        arrays.append(c)
    return vars, (S.subspace(vars) if vars != () else S), arrays


def _to_rank(c, ndim):
    """Give a coefficient array or a Const `ndim` batch axes (leading ones of
    size 1), so that the coefficient axis never meets a batch axis."""
    if isinstance(c, Const):
        v = c.v
        return c if v.ndim == ndim else Const(v.reshape((1,) * (ndim - v.ndim) + v.shape))
    if c.ndim - 1 == ndim:
        return c
    return c.reshape(c.shape[:1] + (1,) * (ndim + 1 - c.ndim) + c.shape[1:])


def _cross_multiply(S, a, b):
    """a*b for jets on different variable subsets (x-and-y times x-and-z): the
    product visits only the pairs the two can hold.  None when not applicable."""
    U, V = a._vars, b._vars
    if U == V or U == () or V == () or a._coeffs.shape[0] == 1 or b._coeffs.shape[0] == 1:
        return None
    if a.dtype.kind not in "fc" or b.dtype.kind not in "fc":
        return None
    all_vars = tuple(range(S.nvars))
    U = all_vars if U is None else U
    V = all_vars if V is None else V
    X, Y = a._coeffs, b._coeffs
    if X.ndim != Y.ndim:
        nd = max(X.ndim, Y.ndim)
        X = X.reshape(X.shape[:1] + (1,) * (nd - X.ndim) + X.shape[1:])
        Y = Y.reshape(Y.shape[:1] + (1,) * (nd - Y.ndim) + Y.shape[1:])
    with np.errstate(all="ignore"):
        out = K.cross_product(S, U, V, X, Y)
    W = tuple(sorted(set(U) | set(V)))
    return Jet._wrap(S, out, None if len(W) == S.nvars else W)


def _poison_nan(out):
    """Where the value is nan (outside the domain) no derivative is meaningful
    either: set every coefficient there to nan."""
    if out.dtype.kind in "fc" and out.shape[0] > 1:
        v = out[0]
        bad = (v != v) if v.ndim == 0 else np.isnan(v)
        if bad.any():
            out[1:] = np.where(bad, np.nan, out[1:])
    return out


def _divide_by_fewer(S, a, b):
    """a / b when b depends on fewer variables than a (f(x, y, z) / g(y, z)):
    the quotient recurrence visits only the coefficients b can hold."""
    U, V = a._vars, b._vars
    if not V or U == V or b._coeffs.shape[0] == 1 or a.dtype.kind not in "fc" \
            or b.dtype.kind not in "fc" or a._coeffs.ndim != b._coeffs.ndim:
        return None
    W = tuple(range(S.nvars)) if U is None else U
    if not set(V) < set(W):
        return None
    dst = None if U is None else U
    sub = S.subspace(dst)
    support = tuple(int(i) for i in S.embedding(V, dst)[: b._coeffs.shape[0]])
    Bc = embed(S, b._coeffs, V, dst)
    with np.errstate(all="ignore"):
        out = _poison_nan(K.quotient(sub, a._coeffs, Bc, support))
    return Jet._wrap(S, out, dst)


def apply(name, *args):
    """Evaluate the rule `name` on jets and/or plain values.

    With no jet among the arguments this is the plain numpy function; otherwise
    every jet must share one space and the result is a Jet.
    """
    rule = lookup(name)
    if len(args) != rule.nargs:
        raise TypeError(f"{rule.name} takes {rule.nargs} argument(s), got {len(args)}")
    jets = [a for a in args if isinstance(a, Jet)]
    if not jets:
        return rule.value(*args)
    S = jets[0]._space if len(jets) == 1 else common_space(*jets)
    if rule.extra == "special":
        _scipy()
    if rule.name == "multiply" and len(jets) == 2 == len(args):
        out = _cross_multiply(S, *jets)
        if out is not None:
            return out
    if rule.name == "divide" and len(jets) == 2 == len(args):
        out = _divide_by_fewer(S, *jets)
        if out is not None:
            return out
    vars, sub, arrays = align(S, jets)
    K.check_broadcast(sub, [c.shape[1:] for c in arrays] + _plain_shapes(args))
    jet_dtype = B.result_dtype(*arrays)
    if len(jets) == len(args):
        conv = arrays
    else:
        it = iter(arrays)
        conv = [next(it) if isinstance(a, Jet) else _plain(a, jet_dtype, rule) for a in args]
        ndim = max(c.v.ndim if isinstance(c, Const) else c.ndim - 1 for c in conv)
        conv = [_to_rank(c, ndim) for c in conv]
    if jet_dtype.kind in "cO" or any(isinstance(c, Const) and c.v.dtype.kind in "cO"
                                     for c in conv):
        _check_dtype(rule, [c if not isinstance(c, Const) else c.v for c in conv])
    with np.errstate(all="ignore"):
        if all(isinstance(c, Const) or c.shape[0] == 1 for c in conv):
            # every argument is constant: so is the result (value only)
            out = B.asarray(rule.value(*(c.v if isinstance(c, Const) else c[0] for c in conv)))
            return Jet._wrap(S, out[None], ())
        if not rule.consts_ok:
            conv = [_lift(sub, c) for c in conv]
        out = rule.jet(sub, *conv)
        if jet_dtype != out.dtype and jet_dtype.kind in "fc":
            # internal float64 constants must not promote float32 jets: the
            # result has the dtype numpy gives the inputs
            want = B.result_dtype(*(c.v if isinstance(c, Const) else c for c in conv))
            if want != out.dtype and out.dtype.kind in "fc":
                out = out.astype(want)
        out = _poison_nan(out)
    return Jet._wrap(S, out, vars)


def _plain_shapes(args):
    """Batch shapes of the non-jet arguments (for the memory guard)."""
    shapes = []
    for a in args:
        if not isinstance(a, Jet):
            try:
                shapes.append(np.shape(a))
            except ValueError:  # ragged: _plain reports it
                pass
    return shapes


def _make_function(rule):
    def f(*args):
        return apply(rule.name, *args)
    f.__name__ = f.__qualname__ = rule.name
    args = ", ".join("abc"[: rule.nargs]) if rule.nargs > 1 else "a"
    needs = " Needs scipy (pip install 'jets[special]')." if rule.extra else ""
    f.__doc__ = (f"{rule.name}({args}) on jets or plain arrays, elementwise over the batch.\n\n"
                 f"Coefficients: {rule.formula}.{needs}")
    return f


#: name -> public function (numpy names and aliases), exported as jets.<name>
FUNCTIONS = {}
for _rule_obj in RULES.values():
    _fn = _make_function(_rule_obj)
    FUNCTIONS[_rule_obj.name] = _fn
    for _alias in _rule_obj.aliases:
        FUNCTIONS[_alias] = _fn
