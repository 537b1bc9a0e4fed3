"""THE rule table: every elementary function of jets, defined once.

Each :class:`Rule` names a function, how its constant coefficient is computed
(always the accurate scalar function: ``np.log1p``, ``scipy.special.erfc``),
and how its higher coefficients are, by kind: zero, linear, derivative,
recurrence, composition.  The kind constructors below (:func:`zero`,
:func:`from_derivative`, :func:`composition`, :func:`recurrence` and the
:func:`_rule` decorator for hand-written linear rules) turn one entry into

* ``jet(S, *args)``: the whole series (the eager driver), and
* ``steps(S, *args) -> (out, step)``: the same computation one degree at a
  time (the per-degree driver of ``jets.program``: ``jets.define`` and ODEs).

Arguments are raw coefficient arrays (L, *batch) of the space ``S`` or
:class:`Const` plain values; this module is pure array code and knows no Jet.
The table feeds ``jets.<name>`` (``jets/functions.py``), ``np.<name>(jet)``,
the Python operators, the command line's list of names, the docs' function
table and the parametrised tests.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from math import comb, factorial, pi
from math import log as _mlog
from math import sqrt as _msqrt

import numpy as np

from . import backend as B
from . import kernels as K
from .majorants import POLYGAMMA_BACKWARD, VALUE_ULPS, Track

#: numpy functions that follow their arguments' library (numpy's own call for
#: numpy arrays; torch's or cupy's for theirs: backend.ufunc)
U = B.ufuncs


def _ns(a):
    """numpy itself for a numpy coefficient array (no wrapper on the fast path),
    else the argument-following functions U."""
    return np if type(a) is np.ndarray else U


__all__ = [
    "Rule",
    "Const",
    "RULES",
    "ALIASES",
    "lookup",
    "rule_steps",
    "Eager",
    "Stepped",
    "Tracked",
    "zero",
    "recurrence",
    "from_derivative",
    "composition",
    "scipy_special",
]

_LN2, _LN10 = _mlog(2.0), _mlog(10.0)


class Const:
    """A plain (non-jet) argument of a rule: a numpy array without derivatives."""

    __slots__ = ("v",)

    def __init__(self, v):
        self.v = v


@dataclass(frozen=True)
class Rule:
    """One elementary function.

    ``value(*plain)`` evaluates it on plain arrays (the constant coefficient);
    ``jet(S, *args)`` returns the whole coefficient array and ``steps(S, *args)``
    returns ``(out, step)`` for the per-degree driver (None: the engine falls
    back to recomputing the series on the inputs truncated at each degree,
    O(k) evaluations).  Each arg is a coefficient array (L, *batch) or a
    :class:`Const` when ``consts_ok`` (otherwise Consts are lifted to constant
    jets first).  ``domain(*values)`` is a boolean mask of points where the
    function is smooth (``domain_text`` says it in words, for error messages);
    ``fast(S, x, y)`` an optional shortcut on (coeffs, vars) operands that
    returns (coeffs, vars) or None (it sets its own floating-point error
    state).  ``error(T, v, *args)`` is the error model:
    on a :class:`jets.majorants.Tracker` T, the result's value v and Tracks /
    Consts, it returns the Track (value, majorant, error estimate) of the result
    (None: no model, a tracked result then has error nan).
    """

    name: str
    nargs: int
    kind: str
    value: Callable
    jet: Callable
    formula: str
    steps: Callable | None = None
    domain: Callable | None = None
    domain_text: str = ""
    aliases: tuple = ()
    analytic: bool = True  # valid on complex input
    rational: bool = False  # exact on Fraction (object) coefficients
    extra: str | None = None  # optional dependency ("special" -> scipy)
    consts_ok: bool = False  # jet()/steps() accept Const arguments themselves
    fast: Callable | None = None
    error: Callable | None = None


RULES: dict = {}
ALIASES: dict = {}
_BY_NAME: dict = {}  # every name and alias -> its Rule (one lookup per call)


def _register(rule):
    if rule.name in _BY_NAME or any(a in _BY_NAME for a in rule.aliases):
        raise ValueError(f"the rule table already has a function named {rule.name!r}")
    RULES[rule.name] = rule
    _BY_NAME[rule.name] = rule
    for a in rule.aliases:
        ALIASES[a] = rule.name
        _BY_NAME[a] = rule
    return rule


def _rule(name, nargs, kind, value, formula, **kw):
    """Decorator: register a hand-written whole-series coefficient function
    ``jet(S, *args)`` as the rule `name` (per-degree steps: ``steps=`` or the
    truncated-recompute fallback)."""

    def register(jet_fn):
        _register(Rule(name, nargs, kind, value, jet_fn, formula, **kw))
        return jet_fn

    return register


def lookup(name):
    """The Rule for a numpy name or alias; KeyError-free: ValueError naming it."""
    rule = _BY_NAME.get(name)
    if rule is None:
        raise ValueError(
            f"jets has no function named {name!r}: see docs/functions.md for "
            f"the table, or jets.define to add your own"
        )
    return rule


# ------------------------------------------------------------ rule calls
def _as_arg(x, like):
    """A rule argument: coefficient arrays and Consts pass, numbers become Consts
    (weak, like numpy's Python scalars: they take the dtype of `like`)."""
    if isinstance(x, Const) or (hasattr(x, "shape") and hasattr(x, "dtype")):
        return x
    if like is not None and type(like) is not np.ndarray:  # torch, cupy: like's library
        return Const(B.to_like(x, like))
    dtype = np.result_type(like.dtype, x) if like is not None and like.dtype.kind in "fc" else None
    return Const(B.asarray(x, dtype=dtype))


def _lift(S, x):
    """Coefficient array of an argument (Const -> constant jet coefficients)."""
    return K.constant_like(S, x.v) if isinstance(x, Const) else x


def _prepare(rule, S, args):
    like = next((a for a in args if not isinstance(a, Const) and hasattr(a, "dtype")), None)
    args = [_as_arg(a, like) for a in args]
    # a Const gets the batch rank of the arrays (leading axes of size 1), so that
    # the coefficient axis never meets a batch axis
    ndim = max((a.ndim - 1 for a in args if not isinstance(a, Const)), default=0)
    args = [
        Const(a.v.reshape((1,) * (ndim - a.v.ndim) + a.v.shape))
        if isinstance(a, Const) and a.v.ndim < ndim
        else a
        for a in args
    ]
    if not rule.consts_ok:
        args = [_lift(S, a) for a in args]
    return args


class Eager:
    """Calls rules by name on whole coefficient arrays of the space S: the way
    composite rules (``from_derivative``'s g) are written once for both drivers."""

    __slots__ = ("S",)

    def __init__(self, S):
        self.S = S

    def __call__(self, name, *args):
        rule = RULES[name] if isinstance(name, str) else name
        return rule.jet(self.S, *_prepare(rule, self.S, args))


class Stepped:
    """Calls rules by name in the per-degree driver: each call returns its output
    array (every degree; degree 0 set now, the rest by its step) and appends
    the step to ``self.steps``, in call order (inputs before the nodes that
    read them)."""

    __slots__ = ("S", "steps")

    def __init__(self, S):
        self.S = S
        self.steps = []

    def __call__(self, name, *args):
        rule = RULES[name] if isinstance(name, str) else name
        out, step = rule_steps(rule, self.S, _prepare(rule, self.S, args))
        if step is not None:
            self.steps.append(step)
        return out


class Tracked:
    """The third driver: calls rules by name on Tracks (value, majorant, error
    estimate; jets.majorants) through their error models, so that a composite
    written once as ``g(call, a)`` also gets its error model."""

    __slots__ = ("T",)

    def __init__(self, T):
        self.T = T

    def __call__(self, name, *args):
        rule = RULES[name] if isinstance(name, str) else name
        nd = max((np.ndim(a.v) for a in args if isinstance(a, Track)), default=0)
        args = [a if isinstance(a, Track) else _const_rank(a, nd) for a in args]
        with np.errstate(all="ignore"):
            v = B.asarray(rule.value(*(a.v for a in args)))
        return error_model(rule)(self.T, v, *args)


def _const_rank(a, nd):
    """A plain argument as a Const of `nd` batch axes (leading ones): it then
    broadcasts against the Tracks' (N, *batch) arrays."""
    v = B.asarray(a.v if isinstance(a, Const) else a)
    return Const(v.reshape((1,) * (nd - v.ndim) + v.shape) if v.ndim < nd else v)


def error_model(rule):
    """The rule's error model, or the error that names the missing one."""
    if rule.error is None:
        raise NotImplementedError(
            f"{rule.name} has no error model: give its Rule an error= (see jets/majorants.py)"
        )
    return rule.error


def _full(S, X):
    return K.pad(S, _lift(S, X))


def _chain(steps):
    """One step running several in order."""
    steps = [s for s in steps if s is not None]
    if len(steps) == 1:
        return steps[0]

    def step(d):
        for s in steps:
            s(d)

    return step


def _recompute_steps(rule, S, args):
    """Fallback per-degree driver for a rule without steps: at degree d, the
    whole series of the inputs truncated after degree d (exact up to d), O(k)
    evaluations of the rule in all."""

    def at(d):
        n = S.offsets[d + 1]
        with np.errstate(all="ignore"):
            return rule.jet(S, *(a if isinstance(a, Const) else a[:n] for a in args))

    first = at(0)
    out = B.zeros((S.ncoeffs,) + first.shape[1:], dtype=first.dtype)
    out[0] = first[0]

    def step(d):
        r = at(d)
        blk = S.block(d)
        if r.shape[0] > blk.start:
            out[blk] = r[blk]

    return out, step


def rule_steps(rule, S, args):
    """``(out, step)`` of `rule` on progressively filled full-length arrays (or
    Consts): its own steps, or the truncated-recompute fallback."""
    args = [a if isinstance(a, Const) else K.pad(S, a) for a in args]
    if rule.steps is not None:
        return rule.steps(S, *args)
    return _recompute_steps(rule, S, args)


# ------------------------------------------------------------ kind constructors
def zero(name, fn, formula, **kw):
    """A function whose higher coefficients are all 0 (value from `fn`)."""

    def jet(S, a):
        return K.constant_like(S, fn(a[0]))

    def steps(S, a):
        out = K.pad(S, K.constant_like(S, fn(a[0])))
        return out, None

    kw.setdefault("analytic", False)
    kw.setdefault("rational", True)
    kw.setdefault("error", _zero_error)
    return _register(Rule(name, 1, "zero", fn, jet, formula, steps=steps, **kw))


def recurrence(name, nargs, value, formula, **kw):
    """Decorator for a recurrence rule written once as ``body(S, *args) -> (out,
    step)`` with kernels' ``*_steps``: the eager driver runs the step over every
    degree, the per-degree driver interleaves it with other nodes."""

    def register(body):
        def jet(S, *args):
            out, step = body(S, *args)
            return K.run(S, out, step) if step is not None else out

        _register(Rule(name, nargs, "recurrence", value, jet, formula, steps=body, **kw))
        return body

    return register


def from_derivative(name, value, g, formula, **kw):
    """f with f' = g(a), g written with rule calls: ``g(call, A)`` where
    ``call(name, *args)`` applies a rule of the table.  F = f0 + D^{-1}(DA G):
    F_d = [DA G]_d / d reads G below degree d only."""
    uvalue = B.ufunc(value)  # the value in the coefficients' library

    def jet(S, a):
        G = g(Eager(S), a)
        v0 = value(a[0]) if type(a) is np.ndarray else uvalue(a[0])
        return K.run(S, *K.antiderivative_steps(S, a, G, v0))

    def steps(S, a):
        sub = Stepped(S)
        G = K.pad(S, g(sub, a))
        v0 = value(a[0]) if type(a) is np.ndarray else uvalue(a[0])
        F, fstep = K.antiderivative_steps(S, a, G, v0)
        return F, _chain([fstep] + sub.steps)  # F_d first: it reads G below d

    def error(T, v, a):
        a = T.lift(a)
        return T.from_derivative(a, g(Tracked(T), a), v, VALUE_ULPS.get(name, 1))

    kw.setdefault("error", error)
    return _register(Rule(name, 1, "derivative", value, jet, formula, steps=steps, **kw))


def composition(name, value, taylor, formula, backward=0.0, **kw):
    """f from its univariate Taylor coefficients at the value, ``taylor(a0, k)``
    -> sequence of k+1 arrays f^(j)(a0)/j!; f(A) = sum_j taylor[j] (A - a0)^j,
    the powers advanced one degree at a time (kernels.compose_steps).
    `backward`: the error model's relative backward error of the coefficients
    (as if evaluated at a0 (1 + backward u); majorants.Tracker.horner)."""

    def steps(S, a):
        t = taylor(a[0], S.degree)
        F, step = K.compose_steps(S, a, t)
        F[0] = value(a[0])
        return F, step

    def jet(S, a):
        return K.run(S, *steps(S, a))

    def error(T, v, a):
        a = T.lift(a)
        t = taylor(a.v, T.S.degree + 1)
        return T.horner(
            a,
            t[:-1],
            [(j + 1) * t[j + 1] for j in range(len(t) - 1)],
            VALUE_ULPS.get(name, 1),
            backward=backward,
        )

    kw.setdefault("error", error)
    return _register(Rule(name, 1, "composition", value, jet, formula, steps=steps, **kw))


def _zero_error(T, v, a):
    """A zero rule: the value only, exact (floor, sign, ...: no rounding)."""
    return T.const(v)


# ------------------------------------------------------------------ helpers
def _as_row(v, ndim):
    """A batch-shaped constant as a row that broadcasts against (L, *batch)."""
    if not B.is_foreign(v):
        v = B.asarray(v)
    return v.reshape((1,) + v.shape) if ndim else v


def scipy_special():
    """scipy.special, or an ImportError naming the extra that brings it."""
    try:
        import scipy.special as sc
    except ImportError:  # pragma: no cover - exercised by a test that hides scipy
        raise ImportError(
            "this function needs scipy: install it with pip install 'jets[special]'"
        ) from None
    return sc


_scipy = scipy_special


def _special(fname):
    """scipy.special's `fname` on numpy values, torch.special's on torch tensors
    (backend.special: a TypeError for the others)."""

    def value(*args):
        for x in args:
            if type(x) is not np.ndarray and B.is_foreign(x):
                return B.special(fname, x)(*args)
        return getattr(_scipy(), fname)(*args)

    value.__name__ = fname
    value._jets_generic = True
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
    out = B.zeros_as((n,) + B.broadcast_shapes(X.shape[1:], Y.shape[1:]), B.result_dtype(X, Y), X)
    out[: X.shape[0]] = X
    if sign == 1:
        out[: Y.shape[0]] += Y
    else:
        out[: Y.shape[0]] -= Y
    return out


def _linear_steps(S, args, value, lin):
    """Per-degree driver of a linear rule: value row from `value` on the values,
    block d = lin(*blocks d) with Consts passed as None (their blocks are 0)."""
    vals = [a.v if isinstance(a, Const) else a[0] for a in args]
    like = next(a for a in args if not isinstance(a, Const))
    if type(like) is not np.ndarray:  # torch, cupy: the value in like's library
        v0 = B.ufunc(value)(*vals)
    else:
        v0 = B.asarray(value(*vals))
    shape = B.broadcast_shapes(*(a.shape[1:] for a in args if not isinstance(a, Const)), v0.shape)
    dtype = B.result_dtype(v0, *(a for a in args if not isinstance(a, Const)))
    out = B.zeros_as((S.ncoeffs,) + shape, dtype, like)
    out[0] = v0

    def step(d):
        blk = S.block(d)
        out[blk] = lin(*(None if isinstance(a, Const) else a[blk] for a in args))

    return out, step


def _add_steps(S, a, b):
    return _linear_steps(
        S, [a, b], np.add, lambda x, y: x if y is None else (y if x is None else x + y)
    )


@_rule("add", 2, "linear", np.add, "a + b", rational=True, consts_ok=True, steps=_add_steps)
def _add(S, a, b):
    if isinstance(a, Const):
        a, b = b, a
    if isinstance(b, Const):
        shape = a.shape[:1] + B.broadcast_shapes(a.shape[1:], np.shape(b.v))
        if type(a) is np.ndarray:
            out = B.empty(shape, dtype=B.result_dtype(a, b.v))
        else:
            out = B.zeros_as(shape, B.result_dtype(a, b.v), a)
        out[...] = a
        out[0] = a[0] + b.v
        return out
    return _plus(S, a, b)


def _subtract_steps(S, a, b):
    return _linear_steps(
        S, [a, b], np.subtract, lambda x, y: x if y is None else (-y if x is None else x - y)
    )


@_rule(
    "subtract",
    2,
    "linear",
    np.subtract,
    "a - b",
    rational=True,
    consts_ok=True,
    steps=_subtract_steps,
)
def _subtract(S, a, b):
    if isinstance(b, Const):
        if type(b.v) is not np.ndarray:
            return _add(S, a, Const(-b.v))
        return _add(S, a, Const(B.asarray(-b.v, dtype=b.v.dtype)))
    if isinstance(a, Const):
        return _add(S, Const(a.v), -b)
    return _plus(S, a, b, -1)


def _scaled(name, value, factor, formula, **kw):
    """The linear rule factor * a (value from the accurate numpy function)."""

    def jet(S, a):
        return a * factor  # value too: numpy's deg2rad is x * (pi/180)

    def steps(S, a):
        return _linear_steps(S, [a], lambda x: x * factor, lambda x: x * factor)

    def error(T, v, a):
        return T.scale(T.lift(a), factor, exact=abs(factor) == 1)

    return _register(Rule(name, 1, "linear", value, jet, formula, steps=steps, error=error, **kw))


_scaled("negative", np.negative, -1, "-a", rational=True)
_scaled("positive", np.positive, 1, "+a", rational=True)
_scaled("deg2rad", np.deg2rad, pi / 180, "a * pi / 180", aliases=("radians",))
_scaled("rad2deg", np.rad2deg, 180 / pi, "a * 180 / pi", aliases=("degrees",))


def _scale_steps(S, a, v):
    """Per-degree a * v for a plain batch array v (the value a_0 v, blocks a_d v)."""
    col = _as_row(v, 1)
    return _linear_steps(S, [a], lambda x: x * v, lambda x: x * col)


def _cross_multiply(S, x, y):
    """x*y for jets on different variable subsets (x-and-y times x-and-z): the
    product visits only the pairs the two can hold.  None when not applicable."""
    (X, U), (Y, V) = x, y
    if U == V or U == () or V == () or X.shape[0] == 1 or Y.shape[0] == 1:
        return None
    if X.dtype.kind not in "fc" or Y.dtype.kind not in "fc":
        return None
    all_vars = tuple(range(S.nvars))
    U = all_vars if U is None else U
    V = all_vars if V is None else V
    if X.ndim != Y.ndim:
        nd = max(X.ndim, Y.ndim)
        X = X.reshape(X.shape[:1] + (1,) * (nd - X.ndim) + X.shape[1:])
        Y = Y.reshape(Y.shape[:1] + (1,) * (nd - Y.ndim) + Y.shape[1:])
    with np.errstate(all="ignore"):
        out = K.cross_product(S, U, V, X, Y)
    W = tuple(sorted(set(U) | set(V)))
    return out, (None if len(W) == S.nvars else W)


def _multiply_steps(S, a, b):
    if isinstance(a, Const):
        a, b = b, a
    if isinstance(b, Const):
        return _scale_steps(S, a, b.v)
    return K.product_steps(S, a, b)


@_rule(
    "multiply",
    2,
    "recurrence",
    np.multiply,
    "C_d = sum_i A_i B_{d-i}",
    rational=True,
    consts_ok=True,
    steps=_multiply_steps,
    fast=_cross_multiply,
)
def _multiply(S, a, b):
    if isinstance(a, Const):
        a, b = b, a
    if isinstance(b, Const):
        return a * _as_row(b.v, 1)
    return K.product(S, a, b)


def _divide_by_fewer(S, x, y):
    """a / b when b depends on fewer variables than a (f(x, y, z) / g(y, z)):
    the quotient recurrence visits only the coefficients b can hold."""
    (X, U), (Y, V) = x, y
    if (
        not V
        or U == V
        or Y.shape[0] == 1
        or X.dtype.kind not in "fc"
        or Y.dtype.kind not in "fc"
        or X.ndim != Y.ndim
    ):
        return None
    W = tuple(range(S.nvars)) if U is None else U
    if not set(V) < set(W):
        return None
    sub = S.subspace(U)
    support = tuple(int(i) for i in S.embedding(V, U)[: Y.shape[0]])
    Bc = K.embed(S, Y, V, U)
    with np.errstate(all="ignore"):
        return K.quotient(sub, X, Bc, support), U


def _divide_steps(S, a, b):
    if isinstance(b, Const):
        return _scale_steps(S, a, 1 / b.v)
    return K.quotient_steps(S, _full(S, a), b)


@_rule(
    "divide",
    2,
    "recurrence",
    np.divide,
    "Q_d = (A_d - sum_{i>=1} B_i Q_{d-i}) / B_0",
    domain=lambda a, b: b != 0,
    domain_text="divisor != 0",
    aliases=("true_divide",),
    rational=True,
    consts_ok=True,
    steps=_divide_steps,
    fast=_divide_by_fewer,
)
def _divide(S, a, b):
    if isinstance(b, Const):
        if U.any(b.v == 0):  # a / 0: every coefficient is x/0, the unstored 0/0 = nan
            a = K.pad(S, a)
        return a / _as_row(b.v, 1)
    return K.quotient(S, _lift(S, a), b)


def _one(S, a):
    if type(a) is not np.ndarray:
        return K.constant_like(S, B.zeros_as((), B.result_dtype(a), a) + 1)
    return K.constant_like(S, np.ones((), dtype=B.result_dtype(a)))


def _ones_of_batch(a):
    """Ones of a's batch shape and dtype, in a's library."""
    if type(a) is not np.ndarray:
        return B.zeros_as(a.shape[1:], B.result_dtype(a), a) + 1
    return np.ones(a.shape[1:], dtype=B.result_dtype(a))


@recurrence(
    "reciprocal",
    1,
    lambda a: 1 / a,
    "1 / a (quotient recurrence)",
    domain=_nonzero,
    domain_text="a != 0",
    rational=True,
)
def _reciprocal(S, a):
    return K.quotient_steps(S, _one(S, a), a)


@_rule(
    "square",
    1,
    "recurrence",
    np.square,
    "a * a",
    rational=True,
    steps=lambda S, a: K.product_steps(S, a, a),
)
def _square(S, a):
    return K.product(S, a, a)


def _int_exponent(r):
    """The exponent as a Python int if it is a scalar with an integer value."""
    if B.is_foreign(r):  # torch/cupy: an integer unless it needs a gradient
        if getattr(r, "requires_grad", False) or B.kind(r.dtype) not in "iuf":
            return None
        flat = r.reshape(-1)
        if flat.shape[0] == 0 or not bool((flat == flat[0]).all()):
            return None
        v = float(flat[0])
        return int(v) if math.isfinite(v) and v == int(v) else None
    r = B.asarray(r)
    if r.size == 0 or r.dtype.kind == "b":
        return None
    if r.dtype.kind == "c":  # (0j jets promote the exponent 2 to 2+0j)
        if U.any(r.imag != 0):
            return None
        r = r.real
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
MAX_SQUARING_EXPONENT = 2**20


def _int_power(S, a, n):
    """a**n for an integer n by repeated squaring: exact at a zero value.
    |n| > MAX_SQUARING_EXPONENT on float jets: the real-power recurrence, with
    the sign of the value from the parity of n (exact for any size), and the
    exact zeros at a zero value for n > 0."""
    if (
        abs(n) > MAX_SQUARING_EXPONENT
        and type(a) is np.ndarray
        and a.dtype.kind == "f"
        and a.shape[0] > 1
        and abs(n) > S.degree
    ):
        huge = n.bit_length() > 1024 or abs(n) > int(np.finfo(a.dtype).max)
        r = np.finfo(a.dtype).max * (1 if n > 0 else -1) if huge else float(n)
        a0 = a[0]
        value = U.power(U.abs(a0), r)
        if n % 2:
            value = U.where(a0 < 0, -value, value)
        out = K.power_real(S, a, np.asarray(r, dtype=a.dtype), value.astype(a.dtype))
        if huge:  # at |a0| = 1 the derivatives overflow, with a sign we do not track
            out[1:] = U.where(U.abs(a0) == 1, np.nan, out[1:])
        if n > 0 and U.any(a0 == 0):
            out = U.where(a0 == 0, 0, out).astype(out.dtype)
        return out
    if n < 0:
        return K.quotient(S, _one(S, a), _int_power(S, a, -n))
    result, base = None, a
    while True:
        if n & 1:
            result = base if result is None else K.product(S, result, base)
        n >>= 1
        if not n:
            break
        base = K.product(S, base, base)
    if result is None:  # n == 0: a**0 == 1, also at 0 (numpy's convention)
        return K.constant_like(S, _ones_of_batch(a))
    if result is a:
        return a.copy() if type(a) is np.ndarray else a + 0
    return result


def _int_power_steps(S, a, n):
    """Per-degree a**n for an integer n: the squarings of _int_power as a chain
    of product steps (exact at a zero value, as the eager path)."""
    steps = []
    if n == 0:
        out = K.pad(S, K.constant_like(S, _ones_of_batch(a)))
        return out, None
    m, result, base = abs(n), None, a
    while True:
        if m & 1:
            if result is None:
                result = base
            else:
                result, s = K.product_steps(S, result, base)
                steps.append(s)
        m >>= 1
        if not m:
            break
        base, s = K.product_steps(S, base, base)
        steps.append(s)
    if n < 0:
        result, s = K.quotient_steps(S, _full(S, _one(S, a)), result)
        steps.append(s)
    elif result is a:
        result, s = _linear_steps(S, [a], lambda x: x, lambda x: x)
        steps.append(s)
    return result, _chain(steps)


def _falling(r, d):
    """r (r-1) ... (r-d+1) / d!: the binomial coefficient of (1 + u)^r at u^d."""
    out = 1.0
    for i in range(d):
        out = out * (r - i) / (i + 1)
    return out


def _power_at_zero(S, A, r, P):
    """A**r for a real non-integer r where the value A_0 is exactly 0 (the
    recurrence divides by it; eager driver only).  If A vanishes to degree p
    there (A_p its first nonzero block), |A**r| <= C|e|^(p r), so every
    coefficient of degree below p r is exactly 0; from p r on no two-sided
    derivative exists in general (sqrt(x**2) = |x|): for p = 1 (A leaves 0
    linearly) the one-sided limit along A > 0 is +-inf, the sign of
    r(r-1)...(r-d+1); otherwise nan.  A identically 0 gives
    0 for r > 0 (numpy's 0**r), nan derivatives for r < 0."""
    zero = A[0] == 0
    if not U.any(zero):
        return P
    if type(A) is not np.ndarray:
        return _power_at_zero_foreign(S, A, r, P, zero)
    r = B.asarray(r)
    p = np.full(A.shape[1:], np.inf)
    for d in range(K.top(S, A), 0, -1):
        p = U.where(U.any(A[S.block(d)] != 0, axis=0), d, p)
    pr = p * r
    Z = B.zeros(P.shape, dtype=P.dtype)
    Z[0] = P[0]
    for d in range(1, S.degree + 1):
        limit = U.where(p == 1, U.copysign(np.inf, _falling(r, d)), np.nan)
        Z[S.block(d)] = U.where(d >= pr, limit, 0.0)
    return U.where(_as_row(zero, 1), Z, P)


def _power_at_zero_foreign(S, A, r, P, zero):
    """_power_at_zero for torch/cupy coefficients: the exact zeros and limits
    (constants, computed on the host from the detached values) replace P at
    the points whose value is 0; elsewhere P, as computed."""
    host = B.namespace(A)

    def to_np(x):
        if not B.is_foreign(x):
            return np.asarray(x)
        x = x.detach() if hasattr(x, "detach") else x
        return np.asarray(x.cpu() if hasattr(x, "cpu") else x.get())

    An, Pn = to_np(A), to_np(P)
    Z = _power_at_zero(S, An, to_np(r), Pn)
    Zt = host.asarray(np.ascontiguousarray(Z), dtype=P.dtype, device=B.device(P))
    row = host.asarray(np.asarray(to_np(zero))[None], device=B.device(P))
    out = host.where(row, Zt, P)
    out[0] = P[0]
    return out


def _power_domain(a, b):
    return (a > 0) | (np.round(b) == b)


def _real_power(S, a, r):
    """a**r for a real constant r (array of the batch or scalar)."""
    kind = B.kind(a.dtype)
    if kind == "f" and type(a) is np.ndarray and _extreme_shift(a[0]) is not None:
        P, step = _extreme_power_steps(S, _full(S, a), r)
        P = K.run(S, P, step)
    else:
        P = K.power_real(S, a, _as_row(r, 0), U.power(a[0], r))
    if kind == "f":
        P = _power_at_zero(S, a, r, P)
    return P


#: |log2 |a0|| above which a real power is computed on the rescaled base
_EXTREME_LOG2 = 300


def _extreme_shift(a0):
    """s (int64, batch shape) with a0 = m 2**s, 0.5 <= |m| < 1, where |a0| is
    outside [2**-300, 2**300] (0 elsewhere); None when no point is."""
    with np.errstate(all="ignore"):
        m, e = np.frexp(a0)
    s = U.where(U.isfinite(a0) & (a0 != 0) & (U.abs(e) > _EXTREME_LOG2), e, 0)
    return s.astype(np.int64) if U.any(s) else None


def _pow2_split(r, s):
    """(n, g) with 2**(r s) = g * 2**n, n an integer (int64) and 1 <= g < 2 within
    an ulp: r s is split exactly (Veltkamp: r = r_hi + r_lo with 26-bit r_hi,
    so r_hi s and r_lo s are exact for |s| < 2**11)."""
    r = np.asarray(r, dtype=float)
    c = 134217729.0 * r
    hi = c - (c - r)
    lo = r - hi
    p1, p2 = hi * s, lo * s
    n = np.floor(p1)
    f = (p1 - n) + p2
    k = np.floor(f)
    return (n + k).astype(np.int64), U.exp2(f - k)


def _extreme_power_steps(S, A, r):
    """Per-degree A**r where some value A_0 is tiny or huge (|log2 A_0| > 300:
    A_0**r, or A_0**(r - d), may under/overflow while a derivative does not;
    the plain recurrence starts from the value and would lose it).  With
    rho = 2**s ~ |A_0| (exact), A(t) = rho Ã(t / rho) where Ã_d = A_d rho**(d-1)
    is O(1); Q = Ã**r by the recurrence (Q_0 = (A_0 / rho)**r), and
    P_d = Q_d rho**(r - d) = Q_d g 2**(n - d s) with rho**r = g 2**n split
    exactly (_pow2_split): a few roundings, and 0 or inf only where the true
    coefficient is.  Points with ordinary values have s = 0: today's path."""
    r = B.asarray(r)
    s = _extreme_shift(A[0])
    if s is None:
        s = np.zeros(np.shape(A[0]), dtype=np.int64)
    At = B.zeros(A.shape, dtype=A.dtype)
    At[0] = np.ldexp(A[0], -s)
    Q, qstep = K.power_real_steps(S, At, _as_row(r, 0), U.power(At[0], r))
    n, g = _pow2_split(r, s)
    P = B.zeros(Q.shape, dtype=Q.dtype)
    P[0] = U.power(A[0], r)  # the value: numpy's (0 or inf where it is)

    def step(d):
        blk = S.block(d)
        with np.errstate(over="ignore", under="ignore"):
            if d:
                At[blk] = np.ldexp(A[blk], (d - 1) * s)
            qstep(d)
            P[blk] = np.ldexp(Q[blk] * g, n - d * s)

    return P, step


def _power_steps(S, a, b):
    if isinstance(b, Const):
        n = _int_exponent(b.v)
        if n is not None and np.broadcast_shapes(b.v.shape, a.shape[1:]) == a.shape[1:]:
            return _int_power_steps(S, a, n)  # exact at a zero value, as eager
        if type(a) is np.ndarray and a.dtype.kind == "f" and _extreme_shift(a[0]) is not None:
            return _extreme_power_steps(S, _full(S, a), b.v)
        return K.power_real_steps(S, a, _as_row(b.v, 0), U.power(a[0], b.v))
    A = _full(S, a)
    sub = Stepped(S)
    L = sub("log", A)
    E, step = K.exp_steps(S, sub("multiply", b, L), U.power(A[0], b[0]))
    return E, _chain(sub.steps + [step])


@_rule(
    "power",
    2,
    "recurrence",
    np.power,
    "integer n: repeated squaring; real r: d A_0 P_d = sum_i ((r+1) i - d) A_i P_{d-i} "
    "(exact zeros below the order of vanishing at a zero value); jet exponent: exp(b log a)",
    domain=_power_domain,
    domain_text="base > 0 (or an integer exponent)",
    aliases=("pow", "float_power"),
    rational=True,
    consts_ok=True,
    steps=_power_steps,
)
def _power(S, a, b):
    if isinstance(b, Const):
        n = _int_exponent(b.v)
        if n is not None:  # also an array of equal integers: the result has the
            out = _int_power(S, a, n)  # broadcast shape of base and exponent
            shape = B.broadcast_shapes(a.shape[1:], b.v.shape)
            if out.shape[1:] != shape:
                if type(out) is not np.ndarray:
                    return B.namespace(out).broadcast_to(out, out.shape[:1] + shape) + 0
                out = np.array(np.broadcast_to(out, out.shape[:1] + shape))
            return out
        if a.dtype == object:
            raise TypeError(
                "a non-integer power of an object-dtype (e.g. Fraction) jet is "
                "not exact: convert to float first"
            )
        return _real_power(S, a, b.v)
    # jet exponent: a**b = exp(b log a), the value from np.power
    A = _lift(S, a)
    if A.dtype == object:
        raise TypeError("a jet exponent on object-dtype (e.g. Fraction) jets is not exact")
    L = K.log(S, A, U.log(A[0]))
    return K.exp(S, K.product(S, b, L), U.power(A[0], b[0]))


# ------------------------------------------------------- exponentials, logs
@recurrence("exp", 1, np.exp, "d E_d = sum_i i A_i E_{d-i}")
def _exp(S, a):
    return K.exp_steps(S, a, _ns(a).exp(a[0]))


@recurrence("exp2", 1, np.exp2, "exp(a ln 2), value np.exp2")
def _exp2(S, a):
    return K.exp_steps(S, a, _ns(a).exp2(a[0]), scale=_LN2)


@recurrence("expm1", 1, np.expm1, "d E_d = [DA (E + 1)]_d (E = exp(a) - 1), value np.expm1")
def _expm1(S, a):
    return K.exp_steps(S, a, _ns(a).expm1(a[0]), shift=1)


@recurrence(
    "log",
    1,
    np.log,
    "d A_0 L_d = d A_d - sum_{i=1}^{d-1} (d-i) A_i L_{d-i}",
    domain=_pos,
    domain_text="(0, inf)",
)
def _log(S, a):
    return K.log_steps(S, a, _ns(a).log(a[0]))


def _log_base(S, a, ln_base, value):
    """log(a) / ln(base), its value from the accurate numpy function."""
    L, step = K.log_steps(S, a, value)
    if ln_base == 1:
        return L, step

    def scaled(d):
        step(d)  # reads its own blocks through D L, never L itself
        L[S.block(d)] /= ln_base

    return L, scaled


@recurrence("log2", 1, np.log2, "log(a) / ln 2, value np.log2", domain=_pos, domain_text="(0, inf)")
def _log2(S, a):
    return _log_base(S, a, _LN2, _ns(a).log2(a[0]))


@recurrence(
    "log10", 1, np.log10, "log(a) / ln 10, value np.log10", domain=_pos, domain_text="(0, inf)"
)
def _log10(S, a):
    return _log_base(S, a, _LN10, _ns(a).log10(a[0]))


@recurrence(
    "log1p",
    1,
    np.log1p,
    "log recurrence on 1 + a, value np.log1p",
    domain=lambda a: a > -1,
    domain_text="(-1, inf)",
)
def _log1p(S, a):
    return K.log_steps(S, a, _ns(a).log1p(a[0]), a0=1 + a[0])


def _logaddexp_core(S, a, b, scale):
    A, Bc = _lift(S, a), _lift(S, b)
    top = S.top_degree[max(A.shape[0], Bc.shape[0])]
    A, Bc = _ns(A).broadcast_arrays(K.pad(S, A, top), K.pad(S, Bc, top))
    A, Bc = A * scale, Bc * scale  # fresh arrays of a common shape
    m = U.maximum(A[0], Bc[0])
    m = U.where(U.isfinite(m), m, 0)  # a shift of the values only
    A[0], Bc[0] = A[0] - m, Bc[0] - m
    s = K.exp(S, A, U.exp(A[0])) + K.exp(S, Bc, U.exp(Bc[0]))
    return K.log(S, s, U.log(s[0])) / scale


@_rule(
    "logaddexp",
    2,
    "recurrence",
    np.logaddexp,
    "m + log(exp(a - m) + exp(b - m)), m = max of the values; value np.logaddexp",
    analytic=False,
    consts_ok=True,
)
def _logaddexp(S, a, b):
    F = _logaddexp_core(S, a, b, 1.0)
    F[0] = _ns(F).logaddexp(_lift(S, a)[0], _lift(S, b)[0])
    return F


@_rule(
    "logaddexp2",
    2,
    "recurrence",
    np.logaddexp2,
    "logaddexp(a ln 2, b ln 2) / ln 2; value np.logaddexp2",
    analytic=False,
    consts_ok=True,
)
def _logaddexp2(S, a, b):
    F = _logaddexp_core(S, a, b, _LN2)
    F[0] = _ns(F).logaddexp2(_lift(S, a)[0], _lift(S, b)[0])
    return F


# ---------------------------------------------------------------- roots
def _root(r, fn):
    """The rule body of a**r for a fixed real r (sqrt, cbrt): the power
    recurrence, exact zeros / inf at a zero value (eager driver)."""
    ufn = B.ufunc(fn)  # torch / cupy values

    def jet(S, a):
        if type(a) is not np.ndarray:
            P = K.power_real(S, a, r, ufn(a[0]))
            return _power_at_zero(S, a, r, P) if B.kind(a.dtype) == "f" else P
        P = K.power_real(S, a, r, fn(a[0]))
        return _power_at_zero(S, a, r, P) if a.dtype.kind == "f" else P

    def steps(S, a):
        return K.power_real_steps(S, a, r, (fn if type(a) is np.ndarray else ufn)(a[0]))

    return jet, steps


_sqrt, _sqrt_steps = _root(0.5, np.sqrt)
_rule(
    "sqrt",
    1,
    "recurrence",
    np.sqrt,
    "power recurrence with r = 1/2, value np.sqrt",
    domain=_pos,
    domain_text="(0, inf)",
    steps=_sqrt_steps,
)(_sqrt)
_cbrt, _cbrt_steps = _root(1.0 / 3.0, np.cbrt)
_rule(
    "cbrt",
    1,
    "recurrence",
    np.cbrt,
    "power recurrence with r = 1/3, value np.cbrt",
    domain=_nonzero,
    domain_text="a != 0",
    analytic=False,
    steps=_cbrt_steps,
)(_cbrt)


@recurrence(
    "hypot",
    2,
    np.hypot,
    "d H_0 H_d = [A DA + B DB]_d - sum_{i=1}^{d-1} H_i (DH)_{d-i}, value np.hypot",
    domain=lambda a, b: (a != 0) | (b != 0),
    domain_text="(a, b) != (0, 0)",
    analytic=False,
)
def _hypot(S, a, b):
    return K.hypot_steps(S, a, b, _ns(a).hypot(a[0], b[0]))


# --------------------------------------------------------- trigonometric
@recurrence("sin", 1, np.sin, "d S_d = sum_i i A_i C_{d-i} (paired with cos)")
def _sin(S, a):
    Sn, _, step = K.paired_steps(S, a, _ns(a).sin(a[0]), _ns(a).cos(a[0]), -1)
    return Sn, step


@recurrence("cos", 1, np.cos, "d C_d = -sum_i i A_i S_{d-i} (paired with sin)")
def _cos(S, a):
    _, Cs, step = K.paired_steps(S, a, _ns(a).sin(a[0]), _ns(a).cos(a[0]), -1)
    return Cs, step


@recurrence(
    "tan",
    1,
    np.tan,
    "d T_d = sum_i i A_i W_{d-i}, W = 1 + T^2",
    domain=lambda a: U.cos(a) != 0,
    domain_text="cos(a) != 0",
)
def _tan(S, a):
    t0 = _ns(a).tan(a[0])
    T, _, step = K.tan_steps(S, a, t0, 1 + t0 * t0, 1)
    return T, step


def _arctan2(S, y, x):
    Y, X = _lift(S, y), _lift(S, x)
    # dF = (X DY - Y DX) / H / H with H = hypot(X, Y): no value is squared, so
    # neither huge nor tiny points overflow or underflow on the way
    H = K.hypot(S, X, Y, U.hypot(X[0], Y[0]))
    num = _plus(S, K.product(S, X, K.euler(S, Y)), K.product(S, Y, K.euler(S, X)), -1)
    return K.integrate(S, K.quotient(S, K.quotient(S, num, H), H), U.arctan2(Y[0], X[0]))


_rule(
    "arctan2",
    2,
    "derivative",
    np.arctan2,
    "DF = (x Dy - y Dx) / h / h, h = hypot(x, y)",
    domain=lambda y, x: (x != 0) | (y != 0),
    domain_text="(y, x) != (0, 0)",
    aliases=("atan2",),
    analytic=False,
    consts_ok=True,
)(_arctan2)


def _one_minus_sq(call, a):
    """1 - a^2 as (1 - a)(1 + a): accurate near |a| = 1, where 1 - a*a cancels."""
    return call("multiply", call("subtract", 1, a), call("add", 1, a))


def _one_plus_sq(call, a):
    return call("add", 1, call("square", a))


from_derivative(
    "arcsin",
    np.arcsin,
    lambda call, a: call("power", _one_minus_sq(call, a), -0.5),
    "f' = (1 - a^2)^(-1/2)",
    domain=_open_unit,
    domain_text="(-1, 1)",
    aliases=("asin",),
)
from_derivative(
    "arccos",
    np.arccos,
    lambda call, a: call("negative", call("power", _one_minus_sq(call, a), -0.5)),
    "f' = -(1 - a^2)^(-1/2)",
    domain=_open_unit,
    domain_text="(-1, 1)",
    aliases=("acos",),
)
from_derivative(
    "arctan",
    np.arctan,
    lambda call, a: call("reciprocal", _one_plus_sq(call, a)),
    "f' = 1 / (1 + a^2)",
    aliases=("atan",),
)

# ------------------------------------------------------------ hyperbolic


@recurrence("sinh", 1, np.sinh, "d S_d = sum_i i A_i C_{d-i} (paired with cosh)")
def _sinh(S, a):
    Sn, _, step = K.paired_steps(S, a, _ns(a).sinh(a[0]), _ns(a).cosh(a[0]), 1)
    return Sn, step


@recurrence("cosh", 1, np.cosh, "d C_d = sum_i i A_i S_{d-i} (paired with sinh)")
def _cosh(S, a):
    _, Cs, step = K.paired_steps(S, a, _ns(a).sinh(a[0]), _ns(a).cosh(a[0]), 1)
    return Cs, step


@recurrence(
    "tanh",
    1,
    np.tanh,
    "d T_d = sum_i i A_i W_{d-i}, W = 1 - T^2 (W_0 = 1/cosh^2 a_0: no cancellation)",
)
def _tanh(S, a):
    a0 = a[0]
    with np.errstate(over="ignore"):
        w0 = 1 / _ns(a).cosh(a0) ** 2 if B.kind(a.dtype) != "O" else 1 - _ns(a).tanh(a0) ** 2
    T, _, step = K.tan_steps(S, a, _ns(a).tanh(a0), w0, -1)
    return T, step


from_derivative(
    "arcsinh",
    np.arcsinh,
    lambda call, a: call("power", _one_plus_sq(call, a), -0.5),
    "f' = (1 + a^2)^(-1/2)",
    aliases=("asinh",),
)
# (a - 1)^(-1/2) (a + 1)^(-1/2): accurate near 1, and the principal branch for
# complex a (where (a^2 - 1)^(-1/2) can take the other sign)
from_derivative(
    "arccosh",
    np.arccosh,
    lambda call, a: call(
        "multiply",
        call("power", call("subtract", a, 1), -0.5),
        call("power", call("add", a, 1), -0.5),
    ),
    "f' = (a - 1)^(-1/2) (a + 1)^(-1/2)",
    domain=lambda a: a > 1,
    domain_text="(1, inf)",
    aliases=("acosh",),
)
from_derivative(
    "arctanh",
    np.arctanh,
    lambda call, a: call("reciprocal", _one_minus_sq(call, a)),
    "f' = 1 / (1 - a^2)",
    domain=_open_unit,
    domain_text="(-1, 1)",
    aliases=("atanh",),
)


# --------------------------------------------------------- non-smooth
# At a tie (abs at a = 0, maximum at a = b, floor at an integer, a comparison
# between equal values) the value alone cannot say which side a function is
# on: the series of the difference D (the argument minus the tie value, or a - b)
# can.  Its first nonzero homogeneous part, of degree p, decides near the point:
# even p and a definite part (D > 0 or D < 0 on both sides): the function is
# smooth there and equals that side; odd p, or an indefinite part: D changes
# sign, the function has a kink (a one-sided expansion, OneSidedWarning) or a
# jump (nan derivatives); D zero to the order: abs, maximum, minimum agree on
# both sides to the order, a jump or where cannot tell (nan).  docs/guide.md,
# "Edge points", says it for users.


class OneSidedWarning(UserWarning):
    """A non-smooth function met a kink at some point of the batch and returned
    the expansion of one documented branch, valid on that side only.

    Attributes: ``function`` (e.g. "abs"), ``branch`` (e.g. "a >= 0"),
    ``count`` (how many points of the batch)."""

    def __init__(self, function, branch, count):
        super().__init__(
            f"{function} is one-sided at {count} point(s) (the branch "
            f"{branch}): the expansion holds on that side only"
        )
        self.function, self.branch, self.count = function, branch, count


# how D behaves near a point where its value is 0 (codes of _tie_codes)
_FLAT, _POS, _NEG, _ODD, _MIXED, _UNKNOWN, _SOME_POS, _SOME_NEG = 0, 1, -1, 2, 3, 4, 5, -5
#   _FLAT      every coefficient to the order is 0: the side lies beyond the order
#   _POS/_NEG  D > 0 / D < 0 on a punctured neighbourhood (even p, definite part)
#   _ODD       one variable, odd p: D changes sign and is nonzero off the point
#   _MIXED     several variables, odd p or an indefinite part: D takes both signs
#              near the point (each on an open set) and vanishes on a surface
#   _SOME_POS/_SOME_NEG  even p, a semidefinite part (or one not shown definite):
#              D > 0 (< 0) on an open set near the point, the other sign unknown
#   _UNKNOWN   a nan coefficient where the decision falls, a sign jets cannot
#              find, or (per-variable caps) a degree the caps do not hold whole


def _one_sided(mask, function, branch):
    """Emit a OneSidedWarning (pointing at the caller outside jets) if any of
    `mask` (a batch-shaped bool array) is set."""
    count = int(np.count_nonzero(mask))
    if not count:
        return
    import os
    import sys
    import warnings

    here, level, f = os.path.dirname(os.path.abspath(__file__)) + os.sep, 1, sys._getframe()
    while f is not None and f.f_code.co_filename.startswith(here):
        f, level = f.f_back, level + 1
    warnings.warn(OneSidedWarning(function, branch, count), stacklevel=level)


def _active_vars(S):
    """Variables of S that the space differentiates in (a cap of 0 is a fixed one)."""
    return [i for i in range(S.nvars) if S.caps is None or S.caps[i] >= 1]


def _form_sign(S, p, act, blk):
    """Codes (_POS, _NEG, _SOME_POS, _SOME_NEG, _MIXED, _UNKNOWN) of the
    degree-p part, p even, with coefficients `blk` (m, n), float and finite,
    in the variables `act` (the space holds all its monomials).

    One variable: the sign of its coefficient.  p = 2: the eigenvalues of the
    form's symmetric matrix (np.linalg.eigvalsh over the n points; those within
    rounding of 0 count as 0).  p >= 4: definite if every pure power c_i x_i^p
    has one sign s and |c_i| > sum over the mixed monomials c_m x^m of
    (m_i / p) |c_m| (weighted AM-GM: |x^m| <= sum_i (m_i / p) |x_i|^p); else the
    signs of the form on the directions e_i and e_i +- e_j say which sides
    exist (on an open cone around such a direction D has the form's sign)."""
    mons = S.monomials[S.offsets[p] : S.offsets[p + 1]][:, act]
    k, n = len(act), blk.shape[1]
    eps = np.finfo(float).eps
    if k == 1:
        return np.sign(blk[0]).astype(np.int8)
    if p == 2:
        Q = np.zeros((n, k, k))
        for r, m in enumerate(mons):
            ij = np.flatnonzero(m)
            if len(ij) == 1:
                Q[:, ij[0], ij[0]] = blk[r]
            else:
                Q[:, ij[0], ij[1]] = Q[:, ij[1], ij[0]] = blk[r] / 2
        ev = np.linalg.eigvalsh(Q)
        tol = 32 * k * eps * np.max(np.abs(ev), axis=1)
        plus, minus = ev[:, -1] > tol, ev[:, 0] < -tol
        definite = np.where(ev[:, 0] > tol, _POS, np.where(ev[:, -1] < -tol, _NEG, 0))
    else:
        pure = np.count_nonzero(mons, axis=1) == 1
        c = np.zeros((k, n))
        rows = np.flatnonzero(pure)
        c[np.argmax(mons[rows], axis=1)] = blk[rows]
        bound = (mons[~pure].T / p) @ np.abs(blk[~pure])
        s = np.sign(c[0])
        ok = np.all((np.sign(c) == s) & (np.abs(c) > bound * (1 + 64 * eps)), axis=0)
        definite = np.where(ok, s, 0)
        dirs = [np.eye(k)[i] for i in range(k)]
        dirs += [
            np.eye(k)[i] + sg * np.eye(k)[j]
            for i in range(k)
            for j in range(i + 1, k)
            for sg in (1, -1)
        ]
        T = np.prod(np.array(dirs)[:, None, :] ** mons[None], axis=2)  # (ndirs, m)
        F = T @ blk
        tol = 64 * len(mons) * eps * (np.abs(T) @ np.abs(blk))
        plus, minus = np.any(F > tol, axis=0), np.any(F < -tol, axis=0)
    side = np.where(
        plus & minus, _MIXED, np.where(plus, _SOME_POS, np.where(minus, _SOME_NEG, _UNKNOWN))
    )
    return np.where(definite != 0, definite, side).astype(np.int8)


def _tie_side(S, D):
    """Codes (_FLAT, ...) of D (L, n): the first degree p >= 1 where a point has a
    nonzero coefficient decides it (D's own value is not read).  With
    per-variable caps only the degrees up to the smallest cap hold every
    monomial; a first nonzero degree beyond gives _UNKNOWN."""
    n = D.shape[1]
    code = np.zeros(n, dtype=np.int8)
    undecided = np.ones(n, dtype=bool)
    act = _active_vars(S)
    whole = S.degree if S.caps is None else min(S.caps[i] for i in act)
    for p in range(1, S.top_degree[D.shape[0]] + 1):
        blk = D[S.offsets[p] : S.offsets[p + 1]]
        hit = undecided & np.any(blk != 0, axis=0)
        if not hit.any():
            continue
        undecided &= ~hit
        b = np.asarray(blk[:, hit], dtype=float)  # exact zeros were tested above
        finite = np.all(np.isfinite(b), axis=0)
        if p > whole:
            c = np.full(b.shape[1], _UNKNOWN, dtype=np.int8)
        elif p % 2:
            c = np.full(b.shape[1], _ODD if len(act) == 1 else _MIXED, dtype=np.int8)
        else:
            c = np.full(b.shape[1], _UNKNOWN, dtype=np.int8)
            if finite.any():
                c[finite] = _form_sign(S, p, act, b[:, finite])
        code[hit] = np.where(np.any(np.isnan(b), axis=0), _UNKNOWN, c)
        if not undecided.any():
            break
    return code


def _tie_codes(S, D, tie):
    """Batch-shaped codes of D (L, *batch) at the points `tie` (batch-shaped
    bool), _FLAT elsewhere; only the tie points are examined."""
    code = np.zeros(tie.shape, dtype=np.int8)
    if D.shape[0] > 1 and tie.any():
        D = np.broadcast_to(D, D.shape[:1] + tie.shape)
        code[tie] = _tie_side(S, D[:, tie])
    return code


#: codes of a kink where the default side (a >= 0, a > b) is taken: it exists
_KINK_UP = (_ODD, _MIXED, _SOME_POS)


def _nan_derivatives(S, out, mask):
    """out, padded to the order, with every coefficient but the value set to
    nan where `mask`, and where the value is nan (nan in, nan everywhere)."""
    if out.dtype.kind == "f":
        mask = mask | np.isnan(out[0])
    if not np.any(mask):
        return out
    out = K.pad(S, out.astype(np.result_type(out.dtype, float)))
    out[1:] = np.where(mask, np.nan, out[1:])
    return out


def _host(x):
    """A torch/cupy array as a numpy array (detached from autograd), for the
    host-side decisions of the non-smooth rules at ties."""
    x = x.detach() if hasattr(x, "detach") else x
    return np.asarray(x.cpu()) if hasattr(x, "cpu") else x.get()


def _on_device(h, like):
    """A host (numpy) array in like's library, on its device."""
    return B.namespace(like).asarray(np.ascontiguousarray(h), device=B.device(like))


def _nan_derivatives_foreign(S, out, mask=None):
    """_nan_derivatives on torch/cupy coefficients: every coefficient but the
    value nan where `mask` (a device bool array, batch-shaped, or None) or where
    the value is nan."""
    xp = B.namespace(out)
    bad = out[0] != out[0]
    if mask is not None:
        bad = bad | mask
    if not bool(bad.any()):
        return out
    out = K.pad(S, out)
    nan = xp.asarray(float("nan"), dtype=out.dtype, device=B.device(out))
    out[1:] = xp.where(bad[None], nan, out[1:])
    return out


def _absolute_foreign(S, a):
    """abs on torch/cupy coefficients: a * sign(a_0) on the device; at a tie
    (a_0 == 0) the side is the one the numpy rule takes (its tie analysis runs
    on the host copy, warnings included), nan where it cannot tell."""
    xp = B.namespace(a)
    a0 = a[0]
    tie = a0 == 0
    if not bool(tie.any()) or a.shape[0] == 1:
        s = xp.where(a0 < 0, -xp.ones_like(a0), xp.ones_like(a0))
        out = a * s[None]
        out[0] = xp.abs(a0)
        return out
    ha = _host(a)
    htie = np.asarray(ha[0] == 0)
    code = _tie_codes(S, ha, htie)
    hs = np.where(ha[0] < 0, -1.0, 1.0)
    hs = np.where((code == _NEG) | (code == _SOME_NEG), -1.0, hs)
    _one_sided(htie & np.isin(code, _KINK_UP), "abs", "a >= 0")
    _one_sided(htie & (code == _SOME_NEG), "abs", "a <= 0")
    dev = B.device(a)
    s = xp.asarray(np.ascontiguousarray(hs), dtype=a.dtype, device=dev)
    out = a * s[None]
    out[0] = xp.abs(a0)
    unknown = np.asarray(code == _UNKNOWN)
    if unknown.any():
        out = K.pad(S, out)
        mask = xp.asarray(np.ascontiguousarray(unknown), device=dev)
        nan = xp.asarray(float("nan"), dtype=out.dtype, device=dev)
        out[1:] = xp.where(mask[None], nan, out[1:])
    return out


@_rule(
    "absolute",
    1,
    "linear",
    np.absolute,
    "sign(a_0) * a; at a_0 = 0 the side the series of a takes (the first nonzero "
    "degree); at a kink the branch a >= 0 (one-sided, OneSidedWarning)",
    aliases=("abs", "fabs"),
    analytic=False,
    rational=True,
)
def _absolute(S, a):
    if type(a) is not np.ndarray:
        return _absolute_foreign(S, a)
    s = np.where(a[0] < 0, -1, 1)
    tie = B.asarray(a[0] == 0)
    code = _tie_codes(S, a, tie)
    s = np.where((code == _NEG) | (code == _SOME_NEG), -1, s)
    _one_sided(tie & np.isin(code, _KINK_UP), "abs", "a >= 0")
    _one_sided(tie & (code == _SOME_NEG), "abs", "a <= 0")
    out = a * _as_row(s, 1)
    out[0] = np.absolute(a[0])
    return _nan_derivatives(S, out, code == _UNKNOWN)


@_rule(
    "sign",
    1,
    "zero",
    np.sign,
    "value np.sign, higher coefficients 0; nan at a_0 = 0 (no side of 0 has the value 0)",
    domain=_nonzero,
    domain_text="a != 0",
    analytic=False,
    rational=True,
)
def _sign(S, a):
    if type(a) is not np.ndarray:  # torch/cupy: numpy's sign (nan at nan) there
        out = K.constant_like(S, B.ufunc(np.sign)(a[0]))
        return _nan_derivatives_foreign(S, out, (a[0] == 0) if a.shape[0] > 1 else None)
    out = K.constant_like(S, np.sign(a[0]))
    # at a_0 = 0 sign jumps whichever way a goes, also when the jet sees no slope:
    # a flat jet may be x**3 seen at order 2 (a constant jet never gets here)
    return _nan_derivatives(S, out, (a[0] == 0) if a.shape[0] > 1 else False)


def _step(S, a, name, fn):
    """floor, ceil, trunc, rint: constant between jumps.  At a jump the function
    keeps its value on one side only (`keep`: +1 above, -1 below); there the
    derivatives are 0 if the series of a stays on that side, else (also when
    the series is flat to the order) nan."""
    if type(a) is not np.ndarray:
        return _step_foreign(S, a, name)
    x = a[0]
    out = K.constant_like(S, fn(x))
    if a.shape[0] == 1:
        return out
    if name == "rint":
        low = np.floor(x)
        tie = (x - low) == 0.5
        keep = np.where(out[0] == low + 1, 1, -1)  # rint rounds half to even
    else:
        tie = x == np.floor(x)
        if x.dtype.kind == "f":
            tie &= np.isfinite(x)
        keep = {"floor": 1, "ceil": -1}.get(name)
        if name == "trunc":
            tie &= x != 0  # trunc is 0 on (-1, 1)
            keep = np.where(x > 0, 1, -1)
    code = _tie_codes(S, a, B.asarray(tie))
    # _FLAT too: the side is beyond the order (1 - x**2 at order 1), not known
    return _nan_derivatives(S, out, tie & (code != keep))


def _step_foreign(S, a, name):
    """_step on torch/cupy coefficients: values and masks on the device, the
    series' side at the jumps decided by _tie_codes on a host copy."""
    xp = B.namespace(a)
    x = a[0]
    low = xp.floor(x)
    fn = {"floor": xp.floor, "ceil": xp.ceil, "trunc": xp.trunc, "rint": xp.round}[name]
    out = K.constant_like(S, fn(x))
    if a.shape[0] == 1:
        return out
    if name == "rint":
        tie = (x - low) == 0.5
    else:
        tie = (x == low) & xp.isfinite(x)
        if name == "trunc":
            tie = tie & (x != 0)  # trunc is 0 on (-1, 1)
    if not bool(tie.any()):
        return _nan_derivatives_foreign(S, out)
    hx, htie = _host(x), np.asarray(_host(tie))
    if name == "rint":
        keep = np.where(_host(out[0]) == np.floor(hx) + 1, 1, -1)  # half to even
    elif name == "trunc":
        keep = np.where(hx > 0, 1, -1)
    else:
        keep = {"floor": 1, "ceil": -1}[name]
    code = _tie_codes(S, _host(a), htie)
    # _FLAT too: the side is beyond the order (1 - x**2 at order 1), not known
    return _nan_derivatives_foreign(S, out, _on_device(htie & (code != keep), a))


def _zero_rule(name, fn, text):
    @_rule(name, 1, "zero", fn, text, analytic=False, rational=True)
    def _z(S, a):
        return _step(S, a, name, fn)

    return _z


_STEP_TEXT = {
    "floor": "a_0 an integer: 0 if the series of a keeps a above it",
    "ceil": "a_0 an integer: 0 if the series of a keeps a below it",
    "trunc": "a_0 a nonzero integer: 0 if the series of a keeps a away from 0",
    "rint": "a_0 a half-integer: 0 if the series of a keeps a on the side rounded to",
}
for _n, _f in (("floor", np.floor), ("ceil", np.ceil), ("trunc", np.trunc), ("rint", np.rint)):
    _zero_rule(
        _n, _f, f"value np.{_n}, higher coefficients 0; at a jump ({_STEP_TEXT[_n]}, else nan)"
    )


def _select(S, cond, A, Bc, value):
    """Choose jet A where cond else Bc; NaN values poison every coefficient."""
    n = max(A.shape[0], Bc.shape[0])
    out = np.where(_as_row(cond, 1), K.pad(S, A, S.top_degree[n]), K.pad(S, Bc, S.top_degree[n]))
    bad = np.isnan(value) if out.dtype.kind in "fc" else False
    if np.any(bad):
        out = np.where(_as_row(bad, 1), np.nan, out)
    out[0] = value
    return out


def _extreme(S, a, b, larger, name, branches):
    """maximum (larger) or minimum of a and b; at a tie the side the series of
    a - b takes; at a kink the side a > b, or a < b where only that side is
    known to exist (one-sided: OneSidedWarning naming `name` and the text of
    `branches` for the two sides)."""
    A, Bc = _lift(S, a), _lift(S, b)
    if type(A) is not np.ndarray or type(Bc) is not np.ndarray:
        return _extreme_foreign(S, A, Bc, larger, name, branches)
    a0, b0 = A[0], Bc[0]
    value = np.maximum(a0, b0) if larger else np.minimum(a0, b0)
    tie = B.asarray(a0 == b0)
    code = np.zeros(tie.shape, dtype=np.int8)
    if tie.any() and max(A.shape[0], Bc.shape[0]) > 1:
        top = S.top_degree[max(A.shape[0], Bc.shape[0])]
        code = _tie_codes(S, _plus(S, K.pad(S, A, top), K.pad(S, Bc, top), -1), tie)
        _one_sided(tie & np.isin(code, _KINK_UP), name, branches[0])
        _one_sided(tie & (code == _SOME_NEG), name, branches[1])
    # away from ties by the values; at a tie the side a < b nearby (for
    # maximum b, for minimum a) where D < 0 there, else the side a > b
    below = (code == _NEG) | (code == _SOME_NEG)
    pick_a = np.where(tie, ~below, a0 > b0) if larger else np.where(tie, below, a0 < b0)
    out = _select(S, pick_a, A, Bc, value)
    return _nan_derivatives(S, out, code == _UNKNOWN)


def _extreme_foreign(S, A, Bc, larger, name, branches):
    """_extreme on torch/cupy coefficients A, Bc: the choice and the result on
    the device; at ties the side of a - b (and its OneSidedWarnings) from
    _tie_codes on a host copy, as on numpy."""
    xp = B.namespace(A)
    a0, b0 = A[0], Bc[0]
    value = xp.maximum(a0, b0) if larger else xp.minimum(a0, b0)
    tie = a0 == b0
    n = max(A.shape[0], Bc.shape[0])
    top = S.top_degree[n]
    A, Bc = K.pad(S, A, top), K.pad(S, Bc, top)
    unknown = None
    if n > 1 and bool(tie.any()):
        htie = np.asarray(_host(tie))
        code = _tie_codes(S, _host(_plus(S, A, Bc, -1)), htie)
        _one_sided(htie & np.isin(code, _KINK_UP), name, branches[0])
        _one_sided(htie & (code == _SOME_NEG), name, branches[1])
        below = _on_device((code == _NEG) | (code == _SOME_NEG), A)
        unknown = _on_device(code == _UNKNOWN, A)
        pick_a = xp.where(tie, ~below, a0 > b0) if larger else xp.where(tie, below, a0 < b0)
    else:  # a tie takes a for maximum, b for minimum (as the numpy code, code 0)
        pick_a = (a0 >= b0) if larger else (a0 < b0)
    out = xp.where(pick_a[None], A, Bc)
    bad = value != value
    if bool(bad.any()):
        nan = xp.asarray(float("nan"), dtype=out.dtype, device=B.device(out))
        out = xp.where(bad[None], nan, out)
    out[0] = value
    return _nan_derivatives_foreign(S, out, unknown)


@_rule(
    "maximum",
    2,
    "linear",
    np.maximum,
    "the larger argument; at a tie the side the series of a - b takes (the first "
    "nonzero degree); at a kink the first (the side a > b, OneSidedWarning)",
    analytic=False,
    rational=True,
    consts_ok=True,
)
def _maximum(S, a, b):
    return _extreme(
        S, a, b, True, "maximum", ("a > b, the first argument", "a < b, the second argument")
    )


@_rule(
    "minimum",
    2,
    "linear",
    np.minimum,
    "the smaller argument; at a tie the side the series of a - b takes (the first "
    "nonzero degree); at a kink the second (the side a > b, OneSidedWarning)",
    analytic=False,
    rational=True,
    consts_ok=True,
)
def _minimum(S, a, b):
    return _extreme(
        S, a, b, False, "minimum", ("a > b, the second argument", "a < b, the first argument")
    )


def _clip_value(a, lo, hi):
    xp = np if type(a) is np.ndarray else U  # U: torch's maximum for torch tensors
    return xp.minimum(xp.maximum(a, lo), hi)


_clip_value._jets_generic = True


@_rule(
    "clip",
    3,
    "linear",
    _clip_value,
    "minimum(maximum(a, lo), hi), ties as there: at a kink a at lo, hi at hi",
    analytic=False,
    rational=True,
    consts_ok=True,
)
def _clip(S, a, lo, hi):
    m = _extreme(S, a, lo, True, "clip", ("a > lo, a itself", "a < lo, the bound lo"))
    return _extreme(S, m, hi, False, "clip", ("a > hi, the bound hi", "a < hi, a itself"))


_NEAR_OPS = {"less": -1, "less_equal": -1, "greater": 1, "greater_equal": 1}


def _where_ties(S, op, cond, A, Bc, D):
    """where(cond, A, Bc) for a condition `op`(lhs, rhs) with D = lhs - rhs:
    coefficient arrays (L, *batch) of one length; cond batch-shaped bool.

    At a tie (D's value 0) the condition near the point follows the series of D.
    Where it holds on a whole punctured neighbourhood but not at the point (or
    the reverse), the function is the near branch around the point: its jet if
    the two values agree, else a jump (nan derivatives).  Where the condition
    takes both values near the point, branches agreeing in value make a kink:
    the branch the condition takes on an open side of the point (for < <= > >=
    its value at the point, unless only one sign of D is known to occur; for
    == != the one off the surface D = 0), one-sided (OneSidedWarning);
    disagreeing values, a jump (nan).  D flat to the order, or undecidable:
    the side is unknown, nan.  Identical branches need no choice."""
    A, Bc, D = np.broadcast_arrays(A, Bc, D)
    cond = np.broadcast_to(cond, A.shape[1:])
    out = np.where(cond, A, Bc)
    tie = B.asarray(D[0] == 0)
    if not tie.any():
        return out
    code = _tie_codes(S, D, tie)
    same = np.all(A == Bc, axis=0)
    level = A[0] == Bc[0]
    some = (code == _SOME_POS) | (code == _SOME_NEG)
    if op in _NEAR_OPS:
        exact = (code == _POS) | (code == _NEG)
        near = code * _NEAR_OPS[op] > 0
        kink = (code == _ODD) | (code == _MIXED) | some
        side = np.where(some, near, cond)
    else:  # equal, not_equal: near the point D != 0, but for a surface D = 0
        exact = (code == _POS) | (code == _NEG) | (code == _ODD)
        near = side = np.full(tie.shape, op == "not_equal")
        kink = (code == _MIXED) | some
    flips = tie & exact & (near != cond) & ~same
    kink = tie & kink & ~same
    out = np.where((flips | kink) & level, np.where(near & flips | side & kink, A, Bc), out)
    _one_sided(kink & level, "where", "the condition selects on one side of the point")
    # _FLAT: the condition near the point is decided beyond the order, unknown
    unknown = tie & ((code == _UNKNOWN) | (code == _FLAT)) & ~same
    jump = ((flips | kink) & ~level) | unknown
    return _nan_derivatives(S, out, jump)


# --------------------------------------------------- special (scipy extra)
_SQRT_PI_2 = 2 / _msqrt(pi)
_SQRT_PI = _msqrt(pi)


def _erf_slope(sign):
    """g(a) = sign * 2/sqrt(pi) * exp(-a^2): the derivative of erf (1) / erfc (-1)."""

    def g(call, a):
        return call("multiply", call("exp", call("negative", call("square", a))), sign * _SQRT_PI_2)

    return g


from_derivative(
    "erf",
    _special("erf"),
    _erf_slope(1),
    "f' = 2/sqrt(pi) exp(-a^2), value scipy erf",
    extra="special",
)
from_derivative(
    "erfc",
    _special("erfc"),
    _erf_slope(-1),
    "f' = -2/sqrt(pi) exp(-a^2), value scipy erfc",
    extra="special",
)


def _polygamma_taylor(S, x, first, shift):
    """[first(x), psi^(shift)(x)/1!, psi^(shift+1)(x)/2!, ...] up to the order."""
    if type(x) is not np.ndarray and B.is_foreign(x):
        pg = B.special("polygamma", x)
        return [first(x)] + [pg(j - 1 + shift, x) / factorial(j) for j in range(1, S.degree + 1)]
    sc = _scipy()
    return [first(x)] + [
        sc.polygamma(j - 1 + shift, x) / factorial(j) for j in range(1, S.degree + 1)
    ]


def _cot_pi(S, a):
    """cot(pi a) with exact argument reduction: r = a_0 - round(a_0) is exact,
    and near r = +-1/2 (a zero of cot) it is -tan(pi (r -+ 1/2)), whose even
    coefficients vanish exactly there.  (torch/cupy: the same in their library.)"""
    xp = _ns(a)
    x = a[0]
    r = x - xp.round(x)
    far = xp.abs(r) > 0.25
    h = xp.where(far, 0.5 * xp.sign(r), 0.0 if xp is np else xp.zeros_like(r))
    b = a * pi
    b[0] = pi * (r - h)
    t = -K.tan(S, b, xp.tan(b[0]))
    b[0] = pi * r
    sn, cs = K.sincos(S, b, xp.sin(b[0]), xp.cos(b[0]))
    return xp.where(far, t, K.quotient(S, cs, sn))


def _hurwitz_complex(s_values, z):
    """zeta(s, z) = sum_{i>=0} (z + i)^-s for integers s >= 2 and complex z (not a
    pole): the first N terms summed, then the Euler-Maclaurin tail at w = z + N
    with Re w >= max(s) + 25 (10 Bernoulli terms: below 1e-17 relative)."""
    bern = [
        1 / 6,
        -1 / 30,
        1 / 42,
        -1 / 30,
        5 / 66,
        -691 / 2730,
        7 / 6,
        -3617 / 510,
        43867 / 798,
        -174611 / 330,
    ]
    z = B.asarray(z)
    smax = max(s_values)
    re = np.real(z)
    low = float(np.min(re[np.isfinite(re)])) if np.any(np.isfinite(re)) else 0.0
    n = int(max(0, np.ceil(smax + 25 - low)))
    w = z + n
    out = []
    for s in s_values:
        head = sum((1 / (z + i) ** s for i in range(n)), np.zeros_like(z))
        tail = w ** (1 - s) / (s - 1) + w ** (-s) / 2
        rf, p = float(s), w ** (-s - 1)
        for k, b in enumerate(bern, start=1):
            tail = tail + b / factorial(2 * k) * rf * p
            rf *= (s + 2 * k - 1) * (s + 2 * k)
            p = p / (w * w)
        out.append(head + tail)
    return out


def _digamma_complex(S, a):
    """Complex digamma: psi^(m)(z)/m! = (-1)^(m+1) zeta(m+1, z) (Hurwitz zeta by
    shift and Euler-Maclaurin: scipy's polygamma takes no complex), value scipy psi."""
    z = a[0]
    k = S.degree
    zeta = _hurwitz_complex(list(range(2, k + 2)), z)
    t = [_scipy().psi(z)] + [(-1) ** (m + 1) * zeta[m - 1] for m in range(1, k + 1)]
    return K.compose(S, a, t)


def _digamma_jet(S, a):
    """digamma by composition with polygamma at a_0 >= 1/2; below, where the
    polygamma values cancel, the reflection digamma(a) = digamma(1 - a) - pi cot(pi a).
    Complex a: the Hurwitz zeta values of _digamma_complex."""
    if type(a) is not np.ndarray:  # torch/cupy: the same steps in their library
        return _digamma_foreign(S, a)
    if a.dtype.kind == "c":
        return _digamma_complex(S, a)
    sc = _scipy()
    x = a[0]
    neg = x < 0.5
    a_eff = np.where(neg, -a, a) if np.any(neg) else a
    if a_eff is not a:
        a_eff[0] = np.where(neg, 1 - x, x)
    D = K.compose(S, a_eff, _polygamma_taylor(S, a_eff[0], sc.digamma, 1))
    if a_eff is not a:
        D = np.where(neg, D - pi * _cot_pi(S, a), D)
    D[0] = sc.digamma(x)
    return D


def _digamma_foreign(S, a):
    """_digamma_jet on torch coefficients (real), torch.special's digamma and
    polygamma in place of scipy's (backend.special: TypeError elsewhere)."""
    if B.kind(a.dtype) == "c":
        raise TypeError(
            "jets.digamma is not available for complex torch arrays (needs scipy); convert to numpy"
        )
    xp, dg = B.namespace(a), B.special("digamma", a)
    x = a[0]
    neg = x < 0.5
    a_eff = xp.where(neg, -a, a) if bool(neg.any()) else a
    if a_eff is not a:
        a_eff[0] = xp.where(neg, 1 - x, x)
    D = K.compose(S, a_eff, _polygamma_taylor(S, a_eff[0], dg, 1))
    if a_eff is not a:
        D = xp.where(neg, D - pi * _cot_pi(S, a), D)
    D[0] = dg(x)
    return D


_rule(
    "digamma",
    1,
    "composition",
    _special("digamma"),
    "sum_j psi^(j)(a_0)/j! (a - a_0)^j (polygamma) for a_0 >= 1/2; below, "
    "digamma(1 - a) - pi cot(pi a); complex: (-1)^(j+1) zeta(j+1, a_0) (shift + "
    "Euler-Maclaurin); value scipy digamma",
    domain=_not_pole,
    domain_text="not 0, -1, -2, ...",
    aliases=("psi",),
    extra="special",
)(_digamma_jet)


def gammaln(x):
    """scipy.special.gammaln (log|gamma|) on real input, loggamma (the principal
    branch of log gamma, continuous off the negative axis) on complex input;
    torch.special.gammaln on a real torch tensor (backend.special)."""
    if type(x) is not np.ndarray and B.is_foreign(x):
        return B.special("gammaln", x)(x)
    sc = _scipy()
    return sc.loggamma(x) if np.iscomplexobj(x) else sc.gammaln(x)


gammaln._jets_generic = True
_gamma_value = _special("gamma")  # scipy's gamma; torch: backend._torch_gamma


from_derivative(
    "lgamma",
    gammaln,
    lambda call, a: call("digamma", a),
    "f' = digamma(a), value scipy gammaln (loggamma on complex)",
    domain=_not_pole,
    domain_text="not 0, -1, -2, ...",
    aliases=("gammaln",),
    extra="special",
)


def _gamma_steps(S, a):
    sub = Stepped(S)
    E, step = K.exp_steps(S, sub("lgamma", a), _gamma_value(a[0]))
    return E, _chain(sub.steps + [step])


@_rule(
    "gamma",
    1,
    "recurrence",
    _special("gamma"),
    "exp recurrence on lgamma(a), value scipy gamma (carries the sign)",
    domain=_not_pole,
    domain_text="not 0, -1, -2, ...",
    extra="special",
    steps=_gamma_steps,
)
def _gamma(S, a):
    return K.exp(S, RULES["lgamma"].jet(S, a), _gamma_value(a[0]))


# ------------------------------------- more special functions (scipy extra)
# Each one entry made with a kind constructor; the univariate Taylor
# coefficients of the compositions come from recurrences chosen for their
# stability at the value (docs/functions.md names them in "higher coefficients").
def _scaled_input(S, a, c):
    """c * a as a full array filled one degree at a time (the per-degree driver
    fills `a` progressively, so the product cannot be formed up front).
    Returns (P, pre) with pre(d) writing degree d of P."""
    P = B.zeros_as((S.ncoeffs,) + tuple(a.shape[1:]), B.result_dtype(a), a)
    P[0] = a[0] * c
    ta = K.top(S, a)

    def pre(d):
        if d <= ta:
            blk = S.block(d)
            P[blk] = a[blk] * c

    return P, pre


def _sincospi(x):
    """(sin(pi x), cos(pi x)) with exact argument reduction: x = m + h/2 + t with
    m, h integers and |t| <= 1/4 (every step exact), so that both are exact at
    integers and half-integers (sin(pi) is 0, not 1.2e-16).  torch/cupy arrays:
    the same steps in their library."""
    if type(x) is not np.ndarray and B.is_foreign(x):
        xp = B.namespace(x)
    else:
        xp, x = np, B.asarray(x)
    m = xp.round(x)
    f = x - m
    h = xp.round(2 * f)
    t = f - h / 2
    q = xp.remainder(2 * xp.fmod(m, 2) + h, 4)
    s, c = xp.sin(pi * t), xp.cos(pi * t)
    sn = xp.where(q == 0, s, xp.where(q == 1, c, xp.where(q == 2, -s, -c)))
    cs = xp.where(q == 0, c, xp.where(q == 1, -s, xp.where(q == 2, -c, s)))
    return (sn[()], cs[()]) if xp is np else (sn, cs)


def sinpi(x):
    """sin(pi x) with exact argument reduction (exact at integers and half-integers)."""
    return _sincospi(x)[0]


def cospi(x):
    """cos(pi x) with exact argument reduction (exact at integers and half-integers)."""
    return _sincospi(x)[1]


sinpi._jets_generic = cospi._jets_generic = True  # they follow their argument's library


def _pi_pair(S, a, which):
    P, pre = _scaled_input(S, a, pi)
    s0, c0 = _sincospi(a[0])
    Sn, Cs, pstep = K.paired_steps(S, P, s0, c0, -1)

    def step(d):
        pre(d)
        pstep(d)

    return (Sn if which == 0 else Cs), step


@recurrence(
    "sinpi",
    1,
    sinpi,
    "sin/cos recurrence on pi a, value with exact argument "
    "reduction (exact at integers and half-integers)",
    analytic=False,
)
def _sinpi(S, a):
    return _pi_pair(S, a, 0)


@recurrence(
    "cospi",
    1,
    cospi,
    "sin/cos recurrence on pi a, value with exact argument "
    "reduction (exact at integers and half-integers)",
    analytic=False,
)
def _cospi(S, a):
    return _pi_pair(S, a, 1)


def _sinc_taylor(x, k):
    """Taylor coefficients c_j of sinc(x) = sin(pi x)/(pi x) at x from
    x c_j + c_{j-1} = s_j / pi (s_j those of sin(pi x)): for |x| < 5/2 backwards
    from c_{k+50} = 0 (the minimal solution: exact at x = 0, no division by the
    value), beyond forwards (errors shrink by 1/|x| per step).  torch/cupy
    arrays: the same steps in their library."""
    foreign = type(x) is not np.ndarray and B.is_foreign(x)
    xp = B.namespace(x) if foreign else np
    if not foreign:
        x = B.asarray(x)
    s0, c0 = _sincospi(x)
    cyc = (s0, c0, -s0, -c0)
    top = k + 50
    w = [1.0]
    for j in range(1, top + 1):
        w.append(w[-1] * pi / j)
    s = [w[j] * cyc[j % 4] / pi for j in range(top + 1)]
    near = xp.abs(x) < 2.5
    if foreign:
        xs = xp.where(near, xp.full_like(x, 3.0), x)  # forward on the far points
        xb = xp.where(near, x, xp.zeros_like(x))
    else:
        xs = np.where(near, 3.0, x).astype(x.dtype)  # forward on the far points
        xb = np.where(near, x, 0.0).astype(x.dtype)
    fwd = [s[0] / xs]
    for j in range(1, k + 1):
        fwd.append((s[j] - fwd[-1]) / xs)
    back = [None] * (top + 1)
    c = xp.zeros_like(s[0])
    for j in range(top, 0, -1):
        c = s[j] - xb * c
        if j - 1 <= k:
            back[j - 1] = c
    return [xp.where(near, back[j], fwd[j]) for j in range(k + 1)]


def sinc(x):
    """sin(pi x)/(pi x), 1 at 0 (numpy's normalised sinc), exact 0 at the integers."""
    if type(x) is not np.ndarray and B.is_foreign(x):
        xp = B.namespace(x)
        one, zero = xp.ones_like(x), x == 0
        return xp.where(zero, one, sinpi(x) / (pi * xp.where(zero, one, x)))
    x = B.asarray(x)
    with np.errstate(all="ignore"):
        return np.where(x == 0, 1.0, sinpi(x) / (pi * np.where(x == 0, 1.0, x)))[()]


sinc._jets_generic = True


composition(
    "sinc",
    sinc,
    _sinc_taylor,
    "composition; x c_j + c_{j-1} = s_j/pi (s_j: sin(pi x)'s), backwards for "
    "|a_0| < 5/2 (exact at 0), forwards beyond; value sinpi(a)/(pi a), 1 at 0",
    backward=POLYGAMMA_BACKWARD,
    analytic=False,
)


_expit_value = _special("expit")  # scipy's expit; torch.special's on torch


@recurrence(
    "expit",
    1,
    _special("expit"),
    "(1 + T)/2, T = tanh(a/2) by the tanh recurrence with W_0 = 2 expit(a) expit(-a) "
    "(no 1 - f cancellation); value scipy expit",
    aliases=("sigmoid",),
    analytic=False,
    extra="special",
)
def _expit(S, a):
    a0 = a[0]
    p, q = _expit_value(a0), _expit_value(-a0)
    T, _, tstep = K.tan_steps(S, a, p - q, 2 * p * q, -0.5)
    F = B.zeros_as(T.shape, T.dtype, T)
    F[0] = p

    def step(d):
        tstep(d)
        blk = S.block(d)
        F[blk] = 0.5 * T[blk]

    return F, step


def _logit_slope(call, a):
    return call("reciprocal", call("multiply", a, call("subtract", 1, a)))


from_derivative(
    "logit",
    _special("logit"),
    _logit_slope,
    "f' = 1 / (a (1 - a)), value scipy logit",
    domain=lambda a: (a > 0) & (a < 1),
    domain_text="(0, 1)",
    analytic=False,
    extra="special",
)


def _erfinv_taylor(x, k):
    """erfinv's Taylor coefficients at x from y' = sqrt(pi)/2 exp(y^2):
    Y_d = c E_{d-1} / d, Q = Y^2, d E_d = sum_i i Q_i E_{d-i} (E = exp(Q))."""
    y0 = _special("erfinv")(x)
    c = _msqrt(pi) / 2
    Y, Q, E = [y0], [y0 * y0], [_ns(y0).exp(y0 * y0)]
    for d in range(1, k + 1):
        Y.append(c * E[d - 1] / d)
        Q.append(sum(Y[i] * Y[d - i] for i in range(d + 1)))
        E.append(sum(i * Q[i] * E[d - i] for i in range(1, d + 1)) / d)
    return Y


composition(
    "erfinv",
    _special("erfinv"),
    _erfinv_taylor,
    "composition; y' = sqrt(pi)/2 exp(y^2) as univariate recurrences; value scipy erfinv",
    domain=_open_unit,
    domain_text="(-1, 1)",
    backward=POLYGAMMA_BACKWARD,
    analytic=False,
    extra="special",
)


def _erfcx_taylor(x, k):
    """erfcx's Taylor coefficients c_n = (-2)^n u_n, u_n = exp(x^2) i^n erfc(x)
    (repeated integrals), 2n u_n = u_{n-2} - 2x u_{n-1}: forwards for x <= 1/2
    (no cancellation), for x > 1/2 from the ratios r_n = u_n/u_{n-1} =
    1/(2x + 2(n+1) r_{n+1}) run backwards (the minimal solution; no overflow)."""
    foreign = type(x) is not np.ndarray and B.is_foreign(x)
    xp = B.namespace(x) if foreign else np
    if not foreign:
        x = B.asarray(x)
    y0 = _special("erfcx")(x)
    fwd = [y0, 2 * x * y0 - _SQRT_PI_2]
    for n in range(2, k + 1):
        fwd.append((2 * x * fwd[-1] + 2 * fwd[-2]) / n)
    far = x > 0.5
    if foreign:
        xs = xp.where(far, x, xp.full_like(x, 2.0))
        top = k + (200 if bool((xs >= 2).all()) else 1000)
    else:
        xs = np.where(far, x, 2.0).astype(y0.dtype)
        # the continued fraction converges slowly near x = 1: more terms there
        top = k + (200 if np.all(xs >= 2) else 1000)
    r = xp.zeros_like(xs)
    ratios = {}
    for n in range(top, 0, -1):
        r = 1 / (2 * xs + 2 * (n + 1) * r)
        if n <= k:
            ratios[n] = r
    back, u = [y0], y0
    for n in range(1, k + 1):
        u = u * ratios[n]
        back.append((-2.0) ** n * u)
    return [xp.where(far, back[j], fwd[j]) for j in range(k + 1)]


composition(
    "erfcx",
    _special("erfcx"),
    _erfcx_taylor,
    "composition; f' = 2 a f - 2/sqrt(pi): forwards for a_0 <= 1/2, the repeated "
    "integrals of erfc backwards (ratios) beyond; value scipy erfcx",
    backward=POLYGAMMA_BACKWARD,
    analytic=False,
    extra="special",
)


def lambertw(x):
    """scipy.special.lambertw(x).real on the principal real branch (nan below -1/e)."""
    x = B.asarray(x)
    w = _scipy().lambertw(x).real
    return np.where(x >= -np.exp(-1.0), w, np.nan)[()]


def _lambertw_taylor(x, k):
    """W's Taylor coefficients from W E = x, E = exp(W) (E_0 = x/W_0, or 1 at
    0: no overflow): W_d E_0 (1 + W_0) = [d == 1] - W_0 R_d - sum_{0<i<d} W_i
    E_{d-i}, E_d = W_d E_0 + R_d, R_d = sum_{0<i<d} i W_i E_{d-i} / d.  Valid at
    x = 0; the division by 1 + W_0 is the branch point at -1/e."""
    x = B.asarray(x)
    w0 = B.asarray(lambertw(x))
    with np.errstate(all="ignore"):
        e0 = np.where(w0 != 0, x / np.where(w0 != 0, w0, 1), 1.0)
    den = e0 * (1 + w0)
    W, E = [w0], [e0]
    for d in range(1, k + 1):
        R = sum((i * W[i] * E[d - i] for i in range(1, d)), np.zeros_like(w0)) / d
        rest = sum((W[i] * E[d - i] for i in range(1, d)), np.zeros_like(w0))
        W.append(((1.0 if d == 1 else 0.0) - w0 * R - rest) / den)
        E.append(W[d] * e0 + R)
    return W


composition(
    "lambertw",
    lambertw,
    _lambertw_taylor,
    "composition; W e^W = a as univariate recurrences (W' = exp(-W)/(1 + W), valid "
    "at 0); value scipy lambertw, principal branch",
    domain=lambda a: a > -np.exp(-1.0),
    domain_text="(-1/e, inf)",
    backward=POLYGAMMA_BACKWARD,
    analytic=False,
    extra="special",
)


def _ellip_taylor(m, k):
    """(K, E) Taylor coefficients at m.  m < 1/2: the derivatives of the
    hypergeometric series, K^(j)/j! = pi/2 ((1/2)_j / j!)^2 2F1(1/2+j, 1/2+j;
    1+j; m) and E^(j)/j! = pi/2 (-1/2)_j (1/2)_j / j!^2 2F1(-1/2+j, 1/2+j; 1+j; m)
    (regular at 0, where the ODE is singular); m >= 1/2: forwards through
    2m(1-m) K' = E - (1-m) K, 2m E' = E - K (stable: no nearer singularity)."""
    sc = _scipy()
    m = B.asarray(m)
    low = m < 0.5
    ml = np.where(low, m, 0.0)
    Kl, El = [], []
    pk = pe = 1.0
    for j in range(k + 1):
        Kl.append(pi / 2 * pk * sc.hyp2f1(0.5 + j, 0.5 + j, 1.0 + j, ml))
        El.append(pi / 2 * pe * sc.hyp2f1(-0.5 + j, 0.5 + j, 1.0 + j, ml))
        pk = pk * ((0.5 + j) / (j + 1)) ** 2
        pe = pe * (-0.5 + j) * (0.5 + j) / (j + 1) ** 2
    mh = np.where(low, 0.75, m).astype(m.dtype)
    Kh, Eh = [sc.ellipk(mh)], [sc.ellipe(mh)]
    p0, p1, p2 = 2 * mh * (1 - mh), 2 * (1 - 2 * mh), -2.0
    with np.errstate(all="ignore"):
        for d in range(k):
            km = Kh[d - 1] if d >= 1 else 0.0
            Kh.append(
                (Eh[d] - (1 - mh) * Kh[d] + km - p1 * d * Kh[d] - p2 * (d - 1) * km)
                / (p0 * (d + 1))
            )
            Eh.append((Eh[d] - Kh[d] - 2 * d * Eh[d]) / (2 * mh * (d + 1)))
    return (
        [np.where(low, Kl[j], Kh[j]) for j in range(k + 1)],
        [np.where(low, El[j], Eh[j]) for j in range(k + 1)],
    )


composition(
    "ellipk",
    _special("ellipk"),
    lambda m, k: _ellip_taylor(m, k)[0],
    "composition; hypergeometric derivatives for m < 1/2, the paired recurrence of "
    "K' = (E - (1-m)K)/(2m(1-m)), E' = (E - K)/(2m) beyond; value scipy ellipk "
    "(parameter m)",
    domain=lambda m: m < 1,
    domain_text="m < 1",
    backward=POLYGAMMA_BACKWARD,
    analytic=False,
    extra="special",
)
composition(
    "ellipe",
    _special("ellipe"),
    lambda m, k: _ellip_taylor(m, k)[1],
    "composition; hypergeometric derivatives for m < 1/2, the paired recurrence of "
    "E' = (E - K)/(2m), K' = (E - (1-m)K)/(2m(1-m)) beyond; value scipy ellipe "
    "(parameter m)",
    domain=lambda m: m < 1,
    domain_text="m < 1",
    backward=POLYGAMMA_BACKWARD,
    analytic=False,
    extra="special",
)


def _expi_slope(call, a):
    return call("divide", call("exp", a), a)


def _exp1_slope(call, a):
    return call("negative", call("divide", call("exp", call("negative", a)), a))


from_derivative(
    "expi",
    _special("expi"),
    _expi_slope,
    "f' = exp(a) / a, value scipy expi",
    domain=_nonzero,
    domain_text="a != 0",
    analytic=False,
    extra="special",
)
from_derivative(
    "exp1",
    _special("exp1"),
    _exp1_slope,
    "f' = -exp(-a) / a, value scipy exp1",
    domain=_pos,
    domain_text="(0, inf)",
    analytic=False,
    extra="special",
)


def _order_composition(
    name, value, taylor, formula, order_ok, order_text, backward=POLYGAMMA_BACKWARD, **kw
):
    """f(v, a) for a plain parameter v (an order) and a jet a: composition with
    ``taylor(v, a0, k)`` (k+1 arrays f^(j)(a0)/j!), the parameter checked by
    `order_ok` (v as a batch array)."""

    def plain(v):
        if not isinstance(v, Const):
            raise TypeError(
                f"{name}: the order (first argument) must be a plain number or "
                f"array, not a jet: pass v as a number"
            )
        if type(v.v) is not np.ndarray and B.is_foreign(v.v):  # checked on a host copy
            if not np.all(order_ok(_host(v.v))):
                raise ValueError(f"{name}: the order must be {order_text}")
            return v.v.real if B.kind(v.v.dtype) == "c" else v.v
        if not np.all(order_ok(v.v)):
            raise ValueError(f"{name}: the order must be {order_text}")
        return v.v.real if v.v.dtype.kind == "c" else v.v

    def steps(S, v, a):
        vv = plain(v)
        t = taylor(vv, a[0], S.degree)
        F, step = K.compose_steps(S, a, t)
        F[0] = value(vv, a[0])
        return F, step

    def jet(S, v, a):
        return K.run(S, *steps(S, v, a))

    def error(T, v0, v, a):
        a = T.lift(a)
        t = taylor(plain(v), a.v, T.S.degree + 1)
        return T.horner(
            a,
            t[:-1],
            [(j + 1) * t[j + 1] for j in range(len(t) - 1)],
            VALUE_ULPS.get(name, 1),
            backward=backward,
        )

    kw.setdefault("error", error)
    return _register(
        Rule(name, 2, "composition", value, jet, formula, steps=steps, consts_ok=True, **kw)
    )


def _polygamma_order_taylor(n, x, k):
    if type(x) is not np.ndarray and B.is_foreign(x):  # torch: backend._torch_polygamma
        pg = B.special("polygamma", x)
        return [pg(n + j, x) / factorial(j) for j in range(k + 1)]
    sc = _scipy()
    n = np.asarray(n)
    return [sc.polygamma(n + j, x) / factorial(j) for j in range(k + 1)]


_order_composition(
    "polygamma",
    _special("polygamma"),
    _polygamma_order_taylor,
    "composition; sum_j psi^(n+j)(a_0)/j! (a - a_0)^j (n plain); value scipy polygamma",
    lambda n: (n >= 0) & (n == np.round(n)),
    "a nonnegative integer",
    domain=lambda n, a: _not_pole(a),
    domain_text="n >= 0 an integer; a not 0, -1, -2, ...",
    analytic=False,
    extra="special",
)


def _bessel_taylor(fname, signs):
    """Taylor coefficients of a Bessel function of plain order v at x from the
    recurrence on the order: f^(j)/j! = sum_i s(i, j) C(j, i) f_{v-j+2i}(x)
    / (2^j j!) (J, Y: s = (-1)^i; I: 1; K: (-1)^j)."""

    def taylor(v, x, k):
        fn = getattr(_scipy(), fname)
        vals = {m: fn(v + m, x) for m in range(-k, k + 1)}
        out = []
        for j in range(k + 1):
            acc = sum(signs(i, j) * comb(j, i) * vals[2 * i - j] for i in range(j + 1))
            out.append(acc / (2.0**j * factorial(j)))
        return out

    return taylor


def _is_int(v):
    return v == np.round(v)


def _any_order(v):
    return np.isfinite(v)


_order_composition(
    "jv",
    _special("jv"),
    _bessel_taylor("jv", lambda i, j: (-1) ** i),
    "composition; J_v^(j)/j! = sum_i (-1)^i C(j,i) J_{v-j+2i}(a_0) / (2^j j!); value scipy jv",
    _any_order,
    "a finite real number",
    domain=lambda v, a: (a > 0) | _is_int(v),
    domain_text="a > 0 (any a for an integer v)",
    analytic=False,
    extra="special",
)
_order_composition(
    "yv",
    _special("yv"),
    _bessel_taylor("yv", lambda i, j: (-1) ** i),
    "composition; Y_v^(j)/j! = sum_i (-1)^i C(j,i) Y_{v-j+2i}(a_0) / (2^j j!); value scipy yv",
    _any_order,
    "a finite real number",
    domain=lambda v, a: a > 0,
    domain_text="a > 0",
    analytic=False,
    extra="special",
)
_order_composition(
    "iv",
    _special("iv"),
    _bessel_taylor("iv", lambda i, j: 1),
    "composition; I_v^(j)/j! = sum_i C(j,i) I_{v-j+2i}(a_0) / (2^j j!); value scipy iv",
    _any_order,
    "a finite real number",
    domain=lambda v, a: (a > 0) | _is_int(v),
    domain_text="a > 0 (any a for an integer v)",
    analytic=False,
    extra="special",
)
_order_composition(
    "kv",
    _special("kv"),
    _bessel_taylor("kv", lambda i, j: (-1) ** j),
    "composition; K_v^(j)/j! = (-1)^j sum_i C(j,i) K_{v-j+2i}(a_0) / (2^j j!); value scipy kv",
    _any_order,
    "a finite real number",
    domain=lambda v, a: a > 0,
    domain_text="a > 0",
    analytic=False,
    extra="special",
)


# ------------------------------------------------------------ error models
# The error model of each hand-written rule (the kind constructors above give
# theirs generically): on a jets.majorants.Tracker T, the value v of the result
# and the arguments as Tracks (value, majorant M, error estimate E) or Consts,
# the Track of the result, mirroring the rule's algorithm (docs/theory.md,
# "Error estimates").  Registered last, so that the rule bodies stay as they are.
def _error_model(*names):
    def register(model):
        for n in names:
            rule = RULES[n] = replace(RULES[n], error=model)
            for name in (n, *rule.aliases):
                _BY_NAME[name] = rule
        return model

    return register


def _ones(v):
    return np.ones(np.shape(v))


@_error_model("add")
def _add_error(T, v, a, b):
    return T.add(T.lift(a), T.lift(b))


@_error_model("subtract")
def _subtract_error(T, v, a, b):
    return T.add(T.lift(a), T.lift(b), -1)


@_error_model("multiply")
def _multiply_error(T, v, a, b):
    if isinstance(a, Const):
        a, b = b, a
    if isinstance(b, Const):
        return T.scale(T.lift(a), b.v, exact=True)
    return T.mul(a, b)


@_error_model("divide")
def _divide_error(T, v, a, b):
    if isinstance(b, Const):
        with np.errstate(all="ignore"):
            return T.scale(T.lift(a), 1 / b.v, exact=True)
    return T.quotient(T.lift(a), b)


@_error_model("reciprocal")
def _reciprocal_error(T, v, a):
    return T.quotient(T.const(_ones(v)), T.lift(a))


@_error_model("square")
def _square_error(T, v, a):
    a = T.lift(a)
    return T.mul(a, a)


@_error_model("power")
def _power_error(T, v, a, b):
    a = T.lift(a)
    if isinstance(b, Const):
        n = _int_exponent(b.v)
        if n is not None and abs(n) <= MAX_SQUARING_EXPONENT:
            return T.power_int(a, n)
        # a huge integer exponent takes the real-power recurrence (as _int_power)
        r = b.v if n is None else np.asarray(float(np.clip(n, -1e308, 1e308)))
        return T.power_real(a, r, v)
    L = T.log(a, np.log(a.v))
    return T.exp(T.mul(b, L), v)


@_error_model("exp")
def _exp_error(T, v, a):
    return T.exp(T.lift(a), v)


@_error_model("exp2")
def _exp2_error(T, v, a):
    return T.exp(T.scale(T.lift(a), _LN2), v)


@_error_model("expm1")
def _expm1_error(T, v, a):
    a = T.lift(a)
    e = np.exp(a.v)
    return T.set_value(T.exp(a, e), v, np.abs(e) * a.E[0] + 2 * T.u * np.abs(v))


@_error_model("log")
def _log_error(T, v, a):
    return T.log(T.lift(a), v)


def _log_base_error(ln_base):
    def model(T, v, a):
        a = T.lift(a)
        out = T.scale(T.log(a, np.log(a.v)), 1 / ln_base)
        return T.set_value(out, v, a.E[0] / np.abs(a.v * ln_base) + 2 * T.u * np.abs(v))

    return model


_error_model("log2")(_log_base_error(_LN2))
_error_model("log10")(_log_base_error(_LN10))


@_error_model("log1p")
def _log1p_error(T, v, a):
    a = T.lift(a)
    return T.log(T.add(a, T.const(_ones(a.v))), v)


def _logaddexp_error(base2):
    """m + log(exp(a - m) + exp(b - m)) as _logaddexp_core runs it; numpy's value
    m + log1p(exp(-|a - b|)) is accurate to a few u of the two terms."""
    s = _LN2 if base2 else 1.0

    def model(T, v, a, b):
        a, b = T.lift(a), T.lift(b)
        m = np.maximum(a.v, b.v) * s
        m = np.where(np.isfinite(m), m, 0)
        ea = T.add(T.scale(a, s) if base2 else a, T.const(m), -1)
        eb = T.add(T.scale(b, s) if base2 else b, T.const(m), -1)
        tot = T.add(T.exp(ea, np.exp(ea.v)), T.exp(eb, np.exp(eb.v)))
        out = T.log(tot, np.log(tot.v))
        if base2:
            out = T.scale(out, 1 / s)
        ga, gb = np.exp(s * (a.v - v)), np.exp(s * (b.v - v))
        m0 = np.maximum(a.v, b.v)
        err0 = ga * a.E[0] + gb * b.E[0] + 2 * T.u * (np.abs(m0) + 2 * np.abs(v - m0))
        return T.set_value(out, v, err0)

    return model


_error_model("logaddexp")(_logaddexp_error(False))
_error_model("logaddexp2")(_logaddexp_error(True))


@_error_model("sqrt")
def _sqrt_error(T, v, a):
    return T.power_real(T.lift(a), 0.5, v)


@_error_model("cbrt")
def _cbrt_error(T, v, a):
    return T.power_real(T.lift(a), 1 / 3, v, r_err=T.u)


@_error_model("hypot")
def _hypot_error(T, v, a, b):
    return T.hypot(T.lift(a), T.lift(b), v)


@_error_model("sin")
def _sin_error(T, v, a):
    a = T.lift(a)
    return T.sincos(a, v, np.cos(a.v))[0]


@_error_model("cos")
def _cos_error(T, v, a):
    a = T.lift(a)
    return T.sincos(a, np.sin(a.v), v)[1]


@_error_model("sinh")
def _sinh_error(T, v, a):
    a = T.lift(a)
    return T.sincos(a, v, np.cosh(a.v))[0]


@_error_model("cosh")
def _cosh_error(T, v, a):
    a = T.lift(a)
    return T.sincos(a, np.sinh(a.v), v)[1]


@_error_model("tan", "tanh")
def _tan_error(T, v, a):
    return T.tan_like(T.lift(a), v)


@_error_model("arctan2")
def _arctan2_error(T, v, y, x):
    """dF = (x dy - y dx) / h / h with h = hypot(x, y), as _arctan2 builds it."""
    y, x = T.lift(y), T.lift(x)
    num = T.add(T.mul(x, T.euler(y)), T.mul(y, T.euler(x)), -1)
    h = T.hypot(x, y, np.hypot(x.v, y.v))
    q = T.quotient(T.quotient(num, h), h)
    r2 = np.abs(x.v) ** 2 + np.abs(y.v) ** 2
    err0 = (np.abs(x.v) * y.E[0] + np.abs(y.v) * x.E[0]) / r2 + 2 * T.u * np.abs(v)
    return T.integrate(q, v, err0)


# non-smooth rules: the chosen argument's error (one-sided at kinks, as documented)
@_error_model("absolute")
def _absolute_error(T, v, a):
    a = T.lift(a)
    return Track(v, a.M, a.E)


_error_model("sign", "floor", "ceil", "trunc", "rint")(_zero_error)


@_error_model("maximum")
def _maximum_error(T, v, a, b):
    a, b = T.lift(a), T.lift(b)
    return T.select(a.v >= b.v, a, b)


@_error_model("minimum")
def _minimum_error(T, v, a, b):
    a, b = T.lift(a), T.lift(b)
    return T.select(a.v < b.v, a, b)


@_error_model("clip")
def _clip_error(T, v, a, lo, hi):
    a, lo, hi = T.lift(a), T.lift(lo), T.lift(hi)
    m = T.select(a.v >= lo.v, a, lo)
    return T.select(m.v < hi.v, m, hi)


def _cot_pi_error(T, a):
    """cot(pi a) as _cot_pi builds it: exact reduction r = a0 - round(a0);
    -tan(pi (r -+ 1/2)) for |r| > 1/4, else cos / sin of pi r."""
    x = a.v
    r = x - np.round(x)
    far = np.abs(r) > 0.25
    shift = np.where(far, 0.5 * np.sign(r), 0.0)
    out = []
    for v0 in (pi * (r - shift), pi * r):
        arg = T.scale(a, pi)
        arg = T.set_value(arg, v0, pi * a.E[0] + 2 * T.u * np.abs(v0))
        out.append(arg)
    t = T.neg(T.tan_like(out[0], np.tan(out[0].v)))
    sn, cs = T.sincos(out[1], np.sin(out[1].v), np.cos(out[1].v))
    return T.select(far, t, T.quotient(cs, sn))


@_error_model("digamma")
def _digamma_error(T, v, a):
    """Horner with scipy's polygamma at a0 >= 1/2; below, the reflection
    digamma(1 - a) - pi cot(pi a) (_digamma_jet); complex: Horner with the
    Hurwitz zeta values."""
    sc = _scipy()
    a = T.lift(a)
    k = T.S.degree
    if np.iscomplexobj(a.v):
        zeta = _hurwitz_complex(list(range(2, k + 3)), a.v)
        t = [sc.psi(a.v)] + [(-1) ** (m + 1) * zeta[m - 1] for m in range(1, k + 2)]
        return T.horner(
            a,
            t[: k + 1],
            [(j + 1) * t[j + 1] for j in range(k + 1)],
            VALUE_ULPS["digamma"],
            backward=POLYGAMMA_BACKWARD,
        )
    x = a.v
    neg = x < 0.5
    xe = np.where(neg, 1 - x, x)
    a_eff = T.set_value(a, xe, a.E[0] + np.where(neg, T.u * np.abs(xe), 0.0))
    t = [sc.digamma(xe)] + [sc.polygamma(j, xe) / factorial(j) for j in range(1, k + 2)]
    D = T.horner(
        a_eff,
        t[: k + 1],
        [(j + 1) * t[j + 1] for j in range(k + 1)],
        VALUE_ULPS["digamma"],
        backward=POLYGAMMA_BACKWARD,
    )
    if np.any(neg):
        D = T.select(neg, T.add(D, T.scale(_cot_pi_error(T, a), pi), -1), D)
    p1 = sc.polygamma(1, x)
    err0 = np.abs(p1) * a.E[0] + VALUE_ULPS["digamma"] * 2 * T.u * (np.abs(v) + np.abs(x * p1))
    return T.set_value(D, v, err0)


@_error_model("gamma")
def _gamma_error(T, v, a):
    sc = _scipy()
    a = T.lift(a)
    lg = Tracked(T)("lgamma", a)
    out = T.exp(lg, v)
    # the exp recurrence never reads lgamma's value, only gamma's (scipy)
    return T.set_value(
        out, v, np.abs(v * sc.digamma(a.v)) * a.E[0] + VALUE_ULPS["gamma"] * 2 * T.u * np.abs(v)
    )


def _pi_pair_error(which):
    """sin(pi a) / cos(pi a) as _pi_pair builds them: the sin/cos recurrence on
    pi a, the value from the exact reduction (sinpi, cospi)."""

    def model(T, v, a):
        a = T.lift(a)
        s0, c0 = _sincospi(a.v)
        out = T.sincos(T.scale(a, pi), s0, c0)[which]
        other = c0 if which == 0 else s0
        return T.set_value(out, v, pi * np.abs(other) * a.E[0] + 2 * T.u * np.abs(v))

    return model


_error_model("sinpi")(_pi_pair_error(0))
_error_model("cospi")(_pi_pair_error(1))


@_error_model("expit")
def _expit_error(T, v, a):
    """(1 + tanh(a/2))/2 as _expit builds it (the tanh recurrence, W_0 exact to
    a few u), the value scipy's expit."""
    sc = _scipy()
    a = T.lift(a)
    p, q = sc.expit(a.v), sc.expit(-a.v)
    out = T.scale(T.tan_like(T.scale(a, 0.5, exact=True), p - q), 0.5, exact=True)
    return T.set_value(out, v, p * q * a.E[0] + VALUE_ULPS.get("expit", 1) * 2 * T.u * np.abs(v))


def _conditioned_error(name, slope):
    """A from_derivative rule whose scipy value is accurate to a few ulps of its
    conditioning, not of itself, near a root (logit at 1/2, expi at 0.3725):
    the generic model plus ulps * 2u |a f'(a)|."""

    def model(T, v, a):
        a = T.lift(a)
        g = slope(Tracked(T), a)
        ulps = VALUE_ULPS.get(name, 1)
        out = T.from_derivative(a, g, v, ulps)
        return T.set_value(out, v, out.E[0] + ulps * 2 * T.u * np.abs(a.v * g.v))

    return model


_error_model("logit")(_conditioned_error("logit", _logit_slope))
_error_model("expi")(_conditioned_error("expi", _expi_slope))
_error_model("exp1")(_conditioned_error("exp1", _exp1_slope))
