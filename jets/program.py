"""Recorded programs of rule applications, run one degree at a time, and
functions users define (:func:`define`).

A :class:`Program` is recorded by calling ordinary code (operators, numpy
ufuncs, ``jets.<name>``) on :class:`Tracer` inputs: each operation appends a
node (a rule of the table, or a defined function, and its arguments).  The
per-degree driver (:meth:`Program.steps`) instantiates every node's step
(``jets.rules.rule_steps``) on progressively filled coefficient arrays; one
pass over the degrees then computes degree d of every node from degrees <= d
of its inputs.  That is what a function defined through its own derivative
(f' = g(x, f)) needs: F_d = [DA G]_d / d reads G below degree d, and G at
degree d may read F_d.  The Taylor ODE integrator and the compiled path build
on the same programs.
"""

import numpy as np

from . import backend as B
from . import jet as _jet
from . import kernels as K
from .rules import ALIASES, RULES, Const, Rule, Stepped, _chain

__all__ = ["Program", "Tracer", "TracerVector", "define"]


class _Ref:
    """An argument that refers to input or node `index` of a program."""

    __slots__ = ("index",)

    def __init__(self, index):
        self.index = index


class Program:
    """Nodes (rule, args) recorded from code run on tracers; inputs come first."""

    def __init__(self, tracer=None):
        self.ninputs = 0
        self.nodes = []
        # the class of the values handed out (jets.jit records with a subclass
        # whose errors name jets.jit); a Tracer by default
        self.tracer = Tracer if tracer is None else tracer

    def input(self):
        """A new input of the program, as a Tracer (inputs before any node)."""
        if self.nodes:
            raise RuntimeError("program inputs must be declared before its nodes")
        self.ninputs += 1
        return self.tracer(self, self.ninputs - 1)

    def record(self, rule, args):
        refs = []
        for a in args:
            if isinstance(a, Tracer):
                if a.program is not self:
                    raise TypeError(
                        "a value of another recorded function was used here: "
                        "record each function with its own inputs"
                    )
                refs.append(_Ref(a.index))
            elif isinstance(a, _jet.Jet):
                raise TypeError(
                    f"{rule.name}: a recorded function (jets.define's derivative, an ODE "
                    f"right-hand side) cannot use a jet from outside; pass it as an "
                    f"argument or use its .value"
                )
            elif isinstance(a, (np.ndarray, np.generic)):
                # a plain array is a constant argument, not coefficients
                refs.append(Const(B.asarray(a)))
            else:
                refs.append(a)
        self.nodes.append((rule, refs))
        return self.tracer(self, self.ninputs + len(self.nodes) - 1)

    def steps(self, S, inputs):
        """Instantiate the program on `inputs` (full-length coefficient arrays of
        S, possibly still being filled; their degree 0 must be set).  Returns
        (arrays of every input and node, one step running all nodes at degree d,
        in order)."""
        call = Stepped(S)
        vals = list(inputs)
        for rule, refs in self.nodes:
            args = [vals[a.index] if isinstance(a, _Ref) else a for a in refs]
            vals.append(call(rule, *args))
        return vals, (_chain(call.steps) if call.steps else None)


_NO_CONTROL_FLOW = (
    "a recorded function cannot branch on the values of its inputs (they "
    "are not known while it is recorded): use np.where / jets.where, "
    "np.maximum, np.abs instead of if/and/or"
)


class RuleOperators:
    """Python's arithmetic operators as applications of the rule table
    (``jets.jet.apply``), which hands them to the operand's ``_jets_record``:
    shared by the recording types (:class:`Tracer`, ``jets.sparse.Traced``)."""

    __slots__ = ()

    def __add__(self, o):
        return _jet.apply("add", self, o)

    def __radd__(self, o):
        return _jet.apply("add", o, self)

    def __sub__(self, o):
        return _jet.apply("subtract", self, o)

    def __rsub__(self, o):
        return _jet.apply("subtract", o, self)

    def __mul__(self, o):
        return _jet.apply("multiply", self, o)

    def __rmul__(self, o):
        return _jet.apply("multiply", o, self)

    def __truediv__(self, o):
        return _jet.apply("divide", self, o)

    def __rtruediv__(self, o):
        return _jet.apply("divide", o, self)

    def __pow__(self, o, mod=None):
        if mod is not None:
            raise TypeError("pow(x, exponent, mod) is not defined for jets")
        return _jet.apply("power", self, o)

    def __rpow__(self, o):
        return _jet.apply("power", o, self)

    def __neg__(self):
        return _jet.apply("negative", self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _jet.apply("absolute", self)


class Tracer(RuleOperators):
    """A value inside a recorded function: operations on it are recorded.

    Supports the operators, numpy ufuncs of the rule table and ``jets.<name>``;
    anything else (control flow on values, indexing, numpy array functions) is a
    TypeError that says so."""

    __slots__ = ("program", "index")
    __array_priority__ = 1001

    def __init__(self, program, index):
        self.program = program
        self.index = index

    def _jets_record(self, rule, args):
        return self.program.record(rule, args)

    def __repr__(self):
        return f"Tracer(#{self.index})"

    def __bool__(self):
        raise TypeError(_NO_CONTROL_FLOW)

    def _compare(self, other):
        raise TypeError(_NO_CONTROL_FLOW)

    __lt__ = __le__ = __gt__ = __ge__ = _compare

    def __eq__(self, other):
        raise TypeError(_NO_CONTROL_FLOW)

    __ne__ = __eq__
    __hash__ = object.__hash__

    def __float__(self):
        raise TypeError(_NO_CONTROL_FLOW)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        name = ufunc.__name__
        if method != "__call__" or kwargs or (name not in RULES and name not in ALIASES):
            raise TypeError(
                f"numpy.{name} is not supported in a recorded function: use "
                f"operators, the ufuncs of the function table, or jets.<name>"
            )
        return _jet.apply(name, *inputs)

    def __array_function__(self, func, types, args, kwargs):
        raise TypeError(
            f"numpy.{func.__name__} is not supported in a recorded function "
            f"(jets.define's derivative): write it with elementwise operations"
        )


_jet.register_tracer(Tracer)


class TracerVector:
    """The state vector y handed to a recorded right-hand side ``fun(t, y)``: a
    fixed-length sequence of Tracers (or plain values).

    Supports ``y[i]``, slices (a TracerVector), ``len(y)``, iteration and
    unpacking (``x, v = y``), ``np.asarray(y)`` (an object array of the
    components) and elementwise operators and numpy ufuncs (``-y``, ``2 * y``,
    ``np.sin(y)``), each giving a TracerVector.  Vector algebra beyond
    elementwise operations (``y @ y``, ``np.dot``) goes through the object array:
    ``np.dot(np.asarray(y), w)``."""

    __slots__ = ("items",)
    __array_priority__ = 1002

    def __init__(self, items):
        self.items = tuple(items)

    def __len__(self):
        return len(self.items)

    def __iter__(self):
        return iter(self.items)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return TracerVector(self.items[i])
        if isinstance(i, (int, np.integer)) and not isinstance(i, bool):
            return self.items[i]
        raise TypeError(
            f"a recorded state vector takes an int index or a slice, got "
            f"{type(i).__name__}: write y[0], y[1:3]"
        )

    def __repr__(self):
        return f"TracerVector({list(self.items)!r})"

    def __array__(self, dtype=None, copy=None):
        out = np.empty(len(self.items), dtype=object)
        out[:] = self.items
        return out

    def _map(self, f, *others):
        n = len(self.items)
        cols = []
        for o in others:
            if isinstance(o, TracerVector):
                if len(o) != n:
                    raise ValueError(
                        f"state vectors of lengths {n} and {len(o)} do not combine elementwise"
                    )
                cols.append(o.items)
            else:
                cols.append((o,) * n)
        return TracerVector(f(a, *(c[i] for c in cols)) for i, a in enumerate(self.items))

    def __add__(self, o):
        return self._map(lambda a, b: a + b, o)

    def __radd__(self, o):
        return self._map(lambda a, b: b + a, o)

    def __sub__(self, o):
        return self._map(lambda a, b: a - b, o)

    def __rsub__(self, o):
        return self._map(lambda a, b: b - a, o)

    def __mul__(self, o):
        return self._map(lambda a, b: a * b, o)

    def __rmul__(self, o):
        return self._map(lambda a, b: b * a, o)

    def __truediv__(self, o):
        return self._map(lambda a, b: a / b, o)

    def __rtruediv__(self, o):
        return self._map(lambda a, b: b / a, o)

    def __pow__(self, o):
        return self._map(lambda a, b: a**b, o)

    def __neg__(self):
        return self._map(lambda a: -a)

    def __pos__(self):
        return self

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__" or kwargs:
            return NotImplemented
        first = next(i for i in inputs if isinstance(i, TracerVector))
        pos = inputs.index(first)

        def f(a, *rest):
            args = list(rest)
            args.insert(pos, a)
            return ufunc(*args)

        return first._map(f, *(x for k, x in enumerate(inputs) if k != pos))


def _check_define(name, value, derivative, taylor):
    if not isinstance(name, str) or not name.isidentifier():
        raise TypeError(f"define: name must be an identifier string, got {name!r}")
    if not callable(value):
        raise TypeError(
            f"define({name!r}): value must be a callable that evaluates the "
            f"function on numbers and arrays, got {type(value).__name__}"
        )
    given = [k for k, v in (("derivative", derivative), ("taylor", taylor)) if v is not None]
    if len(given) != 1:
        raise TypeError(
            f"define({name!r}) needs exactly one of derivative= (f' as a function "
            f"(x, f) of jets) or taylor= (the Taylor coefficients (a, k) -> "
            f"array (k+1, *a.shape)); got {', '.join(given) or 'neither'}"
        )
    fn = derivative if derivative is not None else taylor
    if not callable(fn):
        raise TypeError(f"define({name!r}): {given[0]} must be callable, got {type(fn).__name__}")


def _derivative_rule(name, value, g):
    """The rule of f with f(a0) = value(a0) and f'(x) = g(x, f(x)):
    F = f0 + D^{-1}(DA G), G = g(A, F) recorded once per application and run
    degree by degree with F (one degree_product per degree for F, plus the
    nodes of g)."""

    def steps(S, a):
        a = K.pad(S, a)
        f0 = B.asarray(value(a[0]))
        program = Program()
        x, f = program.input(), program.input()
        out = g(x, f)
        dtype = np.result_type(a.dtype, f0.dtype)
        G = B.zeros((S.ncoeffs,) + np.broadcast_shapes(a.shape[1:], f0.shape), dtype=dtype)
        F, fstep = K.antiderivative_steps(S, a, G, f0)
        if isinstance(out, Tracer):
            if out.program is not program:
                raise TypeError(
                    f"{name}: the derivative returned a value of another recorded function"
                )
            vals, gstep = program.steps(S, [a, F])
            Gout = vals[out.index]
        elif isinstance(out, _jet.Jet):
            raise TypeError(
                f"{name}: the derivative must be written with its arguments "
                f"(x, f), not with jets from outside"
            )
        else:
            Gout, gstep = K.pad(S, K.constant_like(S, B.asarray(out, dtype=dtype))), None
        if np.broadcast_shapes(Gout.shape[1:], G.shape[1:]) != G.shape[1:]:
            raise ValueError(
                f"{name}: the derivative has batch shape {Gout.shape[1:]}, larger than "
                f"its argument's {G.shape[1:]}: it must act pointwise (no arrays that "
                f"add batch axes inside the derivative; broadcast the argument instead)"
            )
        G[0] = Gout[0]

        def step(d):
            fstep(d)  # F_d from G below d
            if gstep is not None:
                gstep(d)  # every node of g at degree d (may read F_d)
            blk = S.block(d)
            G[blk] = Gout[blk]

        return F, step

    def jet(S, a):
        return K.run(S, *steps(S, a))

    return Rule(
        name, 1, "derivative", value, jet, "f' = g(x, f) (user-defined)", steps=steps, analytic=True
    )


def _taylor_rule(name, value, taylor):
    def coefficients(a0, k):
        t = B.asarray(taylor(a0, k))
        want = (k + 1,) + np.shape(a0)
        if t.shape != want:
            raise ValueError(
                f"{name}: taylor(a, k) must return an array of shape (k+1, "
                f"*a.shape) = {want}, got {t.shape}"
            )
        return t

    def steps(S, a):
        a = K.pad(S, a)
        F, step = K.compose_steps(S, a, coefficients(a[0], S.degree))
        F[0] = value(a[0])
        return F, step

    def jet(S, a):
        return K.run(S, *steps(S, a))

    return Rule(
        name,
        1,
        "composition",
        value,
        jet,
        "sum_j taylor[j] (a - a_0)^j (user-defined)",
        steps=steps,
        analytic=True,
    )


def define(name, *, value, derivative=None, taylor=None):
    """Define an elementary function that works on numbers, arrays and jets.

    Parameters
    ----------
    name : str
        The function's name (in error messages and its ``__name__``).
    value : callable
        ``value(x)`` on numbers and numpy arrays: the function itself (its
        constant coefficient, so make it accurate).
    derivative : callable, optional
        ``derivative(x, f)``: f'(x) written with jets operations (operators,
        numpy ufuncs, ``jets.<name>``), where ``f`` is the function's own jet,
        so functions defined by a differential equation work to any order:
        ``f * (1 - f)`` for the logistic function, ``f / (x * (1 + f))`` for
        Lambert W.  It is recorded once per call and run degree by degree
        (one pass, not k re-evaluations).
    taylor : callable, optional
        ``taylor(a, k)``: the univariate Taylor coefficients f^(j)(a)/j!,
        j = 0..k, as an array of shape ``(k+1, *a.shape)``; jets composes them
        with the argument's series.

    Exactly one of ``derivative`` and ``taylor`` is required.

    Returns
    -------
    callable
        ``f(x)``: ``value(x)`` on plain input; on a jet (any batch shape, any
        number of variables, inside ``jets.hessian`` and friends) the jet of
        f(x), shape of x.

    Examples
    --------
    >>> import numpy as np, jets
    >>> logistic = jets.define("logistic", value=lambda x: 1 / (1 + np.exp(-x)),
    ...                        derivative=lambda x, f: f * (1 - f))
    >>> jets.derivatives(logistic, 0.0, 3).tolist()
    [0.5, 0.25, 0.0, -0.125]
    """
    _check_define(name, value, derivative, taylor)
    rule = (
        _derivative_rule(name, value, derivative)
        if derivative is not None
        else _taylor_rule(name, value, taylor)
    )

    def f(x):
        return _jet.apply(rule, x)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = (
        f"{name}(x): user-defined with jets.define "
        f"({'derivative' if derivative is not None else 'taylor'}=...)."
    )
    f.rule = rule
    return f
