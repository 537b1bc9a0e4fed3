"""The Jet type: storage, operators, numpy protocols and coefficient readers.

A Jet holds ``coeffs`` of shape (ncoeffs, *shape) in the graded order of its
JetSpace: an array of truncated Taylor polynomials, one per batch element.
This module knows no elementary function: operators, numpy ufuncs and
``jets.<name>`` go through :func:`apply`, which unwraps the jets, runs the
rule of the table on the engine and wraps the result.  numpy's functions are
handled through the registries :data:`ARRAY_FUNCTIONS` and :data:`UFUNC_HANDLER`
that ``jets.numpy_api`` fills (imports run one way: this module never imports
it).

Each seeding has an identity: :func:`variables` gives its jets a JetSpace of
their own (``JetSpace.seeded``), so jets seeded separately are different
variables; combining them is a TypeError, never a silent shared direction.
"""
from math import factorial

import numpy as np

from . import backend as B
from . import engine
from .display import jet_repr
from .engine import Operand, all_numbers, union_vars
from .kernels import constant_like, embed, pad
from .rules import lookup
from .space import JetSpace, check_size, count_coeffs, space as get_space
from .space import _normalize as normalize_order

__all__ = ["Jet", "variable", "variables", "constant", "is_jet", "apply", "common_space",
           "ARRAY_FUNCTIONS", "TRACER_TYPES", "CALL_HANDLER"]

_CONVERT_HINT = ("that would drop its derivatives. Use .value for the number, "
                 "and numpy or jets functions (np.sin, jets.sin) instead of math.*")

#: numpy function -> implementation on jets (NEP-18), filled by jets.numpy_api
ARRAY_FUNCTIONS = {}
#: the ufunc handler (ufunc, method, inputs, kwargs) -> result, set by jets.numpy_api
UFUNC_HANDLER = [None]
#: evaluation of the Taylor polynomial, ``jet(*dx)`` -> handler(jet, dx); set by
#: jets.calculus (``jets.evaluate``), which this module never imports
CALL_HANDLER = [None]
#: types whose operations are recorded rather than computed (jets.program's
#: tracers register here); apply() hands a call with one of them to its
#: ``_jets_record(rule, args)``
TRACER_TYPES = []


def common_space(*jets):
    """The one JetSpace of these jets, or the error that says how to seed them
    together.  A constant jet (it depends on no variable, so carries no
    direction) joins any seeding of an equal space."""
    first = jets[0]._space
    if all(j._space is first for j in jets):
        return first
    S = None
    for j in jets:
        if j._space != first:
            raise ValueError(
                f"cannot combine jets of different spaces: one has {first.describe()}, "
                f"another {j._space.describe()}. Seed all variables together with "
                f"jets.variables([...], order) so they share one space")
        if j._vars == ():
            continue
        if S is None:
            S = j._space
        elif j._space is not S:
            raise TypeError(
                "cannot combine jets that were seeded separately (by two calls of "
                "jets.variable/jets.variables, or a jet seeded inside a function given to "
                "jets.derivative and friends): they are different variables. Seed all "
                "variables together with jets.variables([x0, y0, ...], order)")
    return first if S is None else S


def apply(name, *args):
    """Evaluate the rule `name` (or a Rule object) on jets and/or plain values.

    With no jet among the arguments this is the plain numpy function; otherwise
    every jet must come from one seeding and the result is a Jet.
    """
    rule = lookup(name) if isinstance(name, str) else name
    if len(args) != rule.nargs:
        raise TypeError(f"{rule.name} takes {rule.nargs} argument(s), got {len(args)}")
    jets = []
    for a in args:
        if isinstance(a, Jet):
            jets.append(a)
        elif TRACER_TYPES and isinstance(a, tuple(TRACER_TYPES)):
            return a._jets_record(rule, args)
    if not jets:
        return rule.value(*args)
    S = jets[0]._space if len(jets) == 1 else common_space(*jets)
    ops = [Operand(a._coeffs, a._vars) if isinstance(a, Jet) else a for a in args]
    coeffs, vars = engine.apply(rule, S, ops)
    return Jet._wrap(S, coeffs, vars)



class Jet:
    """An array of truncated Taylor polynomials sharing one JetSpace.

    Build jets with :func:`jets.variable` / :func:`jets.variables`; combine them
    with operators, numpy ufuncs and ``jets.*`` functions.
    ``coeffs`` has shape (ncoeffs, *shape), graded order.
    """

    __slots__ = ("_space", "_coeffs", "_vars")
    __array_priority__ = 1000
    __hash__ = None

    def __init__(self, space, coeffs, _vars=None):
        """A jet of `space` with the Taylor coefficients `coeffs` (copied), shape
        (space.ncoeffs, *shape) in graded order."""
        self._init(space, np.array(coeffs, copy=True), _vars)

    @classmethod
    def _wrap(cls, space, coeffs, _vars=None):
        """Internal constructor: takes ownership of `coeffs` without a copy."""
        jet = cls.__new__(cls)
        jet._init(space, coeffs, _vars)
        return jet

    def _init(self, space, coeffs, _vars):
        # Internally a jet stores (a) only the variables it depends on, `_vars`
        # (a sorted tuple of indices, None for all): its coefficients live in
        # space.subspace(_vars); and (b) only its degrees up to the last one
        # that may be nonzero: `_coeffs` is a whole-degree prefix of the graded
        # order.  `coeffs` shows the full array of the public space.
        if not isinstance(space, JetSpace):
            raise TypeError(f"space must be a JetSpace, got {type(space).__name__}")
        coeffs = B.asarray(coeffs)
        sub = space.subspace(_vars) if _vars else space
        if coeffs.ndim == 0 or (coeffs.shape[0] not in sub.top_degree and _vars != ()):
            raise ValueError(f"coeffs must have shape ({space.ncoeffs}, *shape) for "
                             f"{space.describe()}, got {coeffs.shape}")
        if coeffs.flags.writeable:
            coeffs.flags.writeable = False
        if _vars is not None and len(_vars) == space.nvars:
            _vars = None
        if _vars == () and coeffs.shape[0] != 1:
            raise ValueError("a jet of no variables holds its value only")
        self._space = space
        self._coeffs = coeffs
        self._vars = _vars

    # ---------------------------------------------------------------- storage
    @property
    def space(self):
        """The JetSpace: variables, order and index tables."""
        return self._space

    @property
    def coeffs(self):
        """Taylor coefficients, shape (ncoeffs, *shape), graded order (read-only).

        Internally a jet may store only its degrees up to the last nonzero one
        (a seeded variable stores degrees 0 and 1); this pads the rest with 0."""
        c = self._coeffs
        if self._vars is None and c.shape[0] == self._space.ncoeffs:
            return c
        full = embed(self._space, c, self._vars, None, full=True)
        full.flags.writeable = False
        return full

    @property
    def value(self):
        """The value f(x0), shape ``self.shape``."""
        return self._coeffs[0]

    @property
    def order(self):
        """Truncation order: an int (total degree) or a tuple of per-variable caps."""
        return self._space.order

    @property
    def nvars(self):
        """Number of seeded variables."""
        return self._space.nvars

    @property
    def shape(self):
        """Batch shape (the numpy shape of this array of jets)."""
        return self._coeffs.shape[1:]

    @property
    def ndim(self):
        return self._coeffs.ndim - 1

    @property
    def size(self):
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def dtype(self):
        return self._coeffs.dtype

    def _new(self, coeffs):
        return Jet._wrap(self._space, coeffs, self._vars)

    # ------------------------------------------------------------ coefficients
    def coefficient(self, alpha):
        """Taylor coefficient c[alpha] (the partial divided by alpha!), shape ``self.shape``."""
        alpha = self._space.validate_alpha(alpha)
        c = self._coeffs
        vars = self._vars
        if vars is not None:
            if any(a for k, a in enumerate(alpha) if k not in vars):
                return B.zeros(c.shape[1:], dtype=c.dtype)[()]
            if not vars:
                return c[0]
            alpha = tuple(alpha[v] for v in vars)
        i = self._space.subspace(vars).index[alpha]
        return c[i] if i < c.shape[0] else B.zeros(c.shape[1:], dtype=c.dtype)[()]

    def partial(self, alpha):
        """Partial derivative d^alpha f(x0) = alpha! * c[alpha], shape ``self.shape``.

        >>> import jets
        >>> x, y = jets.variables([4.0, 3.0], order=2)
        >>> f = (x + 2*y)**3
        >>> print(f.coefficient((2, 0)), f.partial((2, 0)))
        30.0 60.0
        """
        scale = 1
        for a in self._space.validate_alpha(alpha):
            scale *= factorial(a)
        return self.coefficient(alpha) * scale

    def _univariate(self, what):
        if self.nvars != 1:
            raise ValueError(f"{what} is for jets of one variable; this jet has "
                             f"{self.nvars}: use .partial(alpha) or .partials()")

    def derivative(self, n=1):
        """n-th derivative of a univariate jet, shape ``self.shape``."""
        self._univariate("derivative(n)")
        return self.partial((n,))

    def derivatives(self):
        """All derivatives f, f', ..., f^(k) of a univariate jet: shape (k+1, *shape)."""
        self._univariate("derivatives()")
        f = self._space.factorials.astype(self.dtype) if self.dtype != object else \
            np.array([factorial(i) for i in range(self._space.ncoeffs)], dtype=object)
        return self.coeffs * f.reshape((-1,) + (1,) * self.ndim)

    def partials(self):
        """Every partial derivative the jet carries: {alpha: array}, graded order.

        >>> import jets
        >>> x, y = jets.variables([1.0, 2.0], order=2)
        >>> {a: float(v) for a, v in (x**2 * y).partials().items()}
        {(0, 0): 2.0, (1, 0): 4.0, (0, 1): 1.0, (2, 0): 4.0, (1, 1): 2.0, (0, 2): 0.0}
        """
        S = self._space
        c = self.coeffs
        return {alpha: c[i] * int(S.factorials[i]) for alpha, i in S.index.items()}

    def _need(self, alphas, what, hint):
        idx = []
        for a in alphas:
            if a not in self._space.index:
                raise ValueError(f"{what} needs the coefficient {a}, which this jet of "
                                 f"{self._space.describe()} does not carry: {hint}")
            idx.append(self._space.index[a])
        return idx

    def gradient(self):
        """First partials, shape (nvars, *shape)."""
        n = self.nvars
        units = [tuple(int(i == j) for j in range(n)) for i in range(n)]
        idx = self._need(units, "gradient()", "seed with order >= 1 in every variable")
        return self.coeffs[idx]

    def hessian(self):
        """Second partials, shape (nvars, nvars, *shape), symmetric.

        >>> import jets
        >>> x, y = jets.variables([4.0, 3.0], order=2)
        >>> ((x + 2*y)**3).hessian()
        array([[ 60., 120.],
               [120., 240.]])
        """
        n = self.nvars
        alphas, scale = [], []
        for i in range(n):
            for j in range(n):
                a = [0] * n
                a[i] += 1
                a[j] += 1
                alphas.append(tuple(a))
                scale.append(2 if i == j else 1)
        idx = self._need(alphas, "hessian()",
                         "seed with order >= 2 (hyper-dual (1, 1) caps carry only mixed partials)")
        c = self.coeffs[idx] * np.array(scale).reshape((-1,) + (1,) * self.ndim)
        return c.reshape((n, n) + self.shape)

    # ------------------------------------------------------------ batch shape
    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a scalar jet: it holds one point")
        return self.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a scalar jet: it holds one point")
        for i in range(self.shape[0]):
            yield self[i]

    def __getitem__(self, key):
        if not isinstance(key, tuple):
            key = (key,)
        if any(isinstance(k, Jet) for k in key):
            raise TypeError("a jet cannot be used as an index: use its .value")
        return _compact(self._new(self._coeffs[(slice(None),) + key]))

    def __setitem__(self, key, value):
        raise TypeError("jets are immutable: build a new one with np.where, "
                        "jets.stack or np.concatenate instead of assigning into it")

    def reshape(self, *shape):
        """Same jets, batch reshaped like ndarray.reshape."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        try:
            return self._new(self._coeffs.reshape(self._coeffs.shape[:1] + tuple(shape)))
        except ValueError:
            raise ValueError(f"cannot reshape a jet batch of shape {self.shape} "
                             f"({self.size} points) into shape {tuple(shape)}") from None

    def transpose(self, *axes):
        """Batch axes permuted like ndarray.transpose."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        if not axes:
            axes = tuple(range(self.ndim))[::-1]
        axes = tuple(int(a) % self.ndim + 1 if self.ndim else a for a in axes)
        return self._new(self._coeffs.transpose((0,) + axes))

    @property
    def T(self):
        return self.transpose()

    def ravel(self):
        return self.reshape(-1)

    flatten = ravel

    def squeeze(self, axis=None):
        if axis is None:
            axes = tuple(i + 1 for i, s in enumerate(self.shape) if s == 1)
        else:
            axes = tuple(a % self.ndim + 1 for a in np.atleast_1d(axis))
        return self._new(self._coeffs.squeeze(axis=axes))

    def sum(self, axis=None, keepdims=False):
        """Sum over batch axes (linear, so coefficient-wise)."""
        return self._new(self._coeffs.sum(axis=_shift_axis(axis, self.ndim), keepdims=keepdims))

    def mean(self, axis=None, keepdims=False):
        """Mean over batch axes (linear, so coefficient-wise)."""
        return self._new(self._coeffs.mean(axis=_shift_axis(axis, self.ndim), keepdims=keepdims))

    def copy(self):
        return self._new(self._coeffs.copy())

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self._new(self._coeffs.copy())

    def __reduce__(self):
        return (_rebuild, (self._space, np.array(self._coeffs), self._vars))

    # --------------------------------------------------------------- operators
    def __add__(self, other):
        return apply("add", self, other)

    def __radd__(self, other):
        return apply("add", other, self)

    def __sub__(self, other):
        return apply("subtract", self, other)

    def __rsub__(self, other):
        return apply("subtract", other, self)

    def __mul__(self, other):
        return apply("multiply", self, other)

    def __rmul__(self, other):
        return apply("multiply", other, self)

    def __truediv__(self, other):
        return apply("divide", self, other)

    def __rtruediv__(self, other):
        return apply("divide", other, self)

    def __pow__(self, other, mod=None):
        if mod is not None:
            raise TypeError("pow(jet, exponent, mod) is not defined for jets")
        return apply("power", self, other)

    def __rpow__(self, other):
        return apply("power", other, self)

    def __neg__(self):
        return apply("negative", self)

    def __pos__(self):
        return self

    def __abs__(self):
        return apply("absolute", self)

    def __matmul__(self, other):
        return _matmul(self, other)

    def __rmatmul__(self, other):
        return _matmul(other, self)

    def __floordiv__(self, other):
        raise TypeError("floor division of jets is not supported: use jets.floor(a / b)")

    __rfloordiv__ = __floordiv__

    def __mod__(self, other):
        raise TypeError("the remainder (%, divmod) of jets is not supported: write "
                        "a - b * jets.floor(a / b)")

    __rmod__ = __divmod__ = __rdivmod__ = __mod__

    # -------------------------------------------- comparisons compare values
    def __lt__(self, other):
        return np.less(self.value, _value(other))

    def __le__(self, other):
        return np.less_equal(self.value, _value(other))

    def __gt__(self, other):
        return np.greater(self.value, _value(other))

    def __ge__(self, other):
        return np.greater_equal(self.value, _value(other))

    def __eq__(self, other):
        return np.equal(self.value, _value(other))

    def __ne__(self, other):
        return np.not_equal(self.value, _value(other))

    def __bool__(self):
        if self.size != 1:
            raise ValueError(f"the truth value of a jet array of shape {self.shape} is "
                             f"ambiguous: use (jet > 0).any() or .all() on the values")
        return bool(self.value)

    # -------------------------------------------- conversions that lose derivatives
    def __round__(self, ndigits=None):
        raise TypeError(f"round() of a Jet: {_CONVERT_HINT} (np.rint(jet) keeps the jet)")

    def __trunc__(self):
        raise TypeError(f"math.trunc() of a Jet: {_CONVERT_HINT} (np.trunc(jet) keeps the jet)")

    def __floor__(self):
        raise TypeError(f"math.floor() of a Jet: {_CONVERT_HINT} (np.floor(jet) keeps the jet)")

    def __ceil__(self):
        raise TypeError(f"math.ceil() of a Jet: {_CONVERT_HINT} (np.ceil(jet) keeps the jet)")

    def __float__(self):
        raise TypeError(f"a Jet cannot be converted to a Python float: {_CONVERT_HINT}")

    def __int__(self):
        raise TypeError(f"a Jet cannot be converted to a Python int: {_CONVERT_HINT}")

    def __complex__(self):
        raise TypeError(f"a Jet cannot be converted to a Python complex: {_CONVERT_HINT}")

    def __index__(self):
        raise TypeError(f"a Jet cannot be used as an integer index: {_CONVERT_HINT}")

    def __array__(self, dtype=None, copy=None):
        raise TypeError("a Jet cannot be converted to a plain numpy array: that would drop "
                        "its derivatives. Use .value or .coeffs, or jets.stack / np.stack "
                        "to build an array of jets")

    # ----------------------------------------------------------- numpy protocols
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        handler = UFUNC_HANDLER[0]
        if handler is None:
            return NotImplemented
        return handler(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        for t in types:
            if not (issubclass(t, Jet) or issubclass(t, np.ndarray)):
                return NotImplemented
        impl = ARRAY_FUNCTIONS.get(func)
        if impl is None:
            name = f"{func.__module__}.{func.__name__}".replace("numpy.linalg._linalg",
                                                                "numpy.linalg")
            raise TypeError(f"{name} is not supported for jets: use .value for "
                            f"the values, or see docs/guide.md for the supported numpy "
                            f"functions")
        return impl(*args, **kwargs)

    # ------------------------------------------------------------ evaluation
    def __call__(self, *dx):
        """The Taylor polynomial at the displacements dx, one per variable:
        ``jet(dx, dy)`` is ``jets.evaluate(jet, [dx, dy])`` (plain arrays give an
        array; jets give the composed jet in their space)."""
        handler = CALL_HANDLER[0]
        if handler is None:
            raise TypeError("evaluating a jet needs jets.calculus: import jets")
        return handler(self, dx)

    # ------------------------------------------------------------------ repr
    def __repr__(self):
        return jet_repr(self)

    __str__ = __repr__


def _rebuild(space, coeffs, vars=None):
    return Jet._wrap(space, coeffs, vars)


def _compact(jet):
    """Drop the variables a jet of degree <= 1 does not depend on (a row picked
    from a stack of seeded variables depends on one variable only)."""
    c = jet._coeffs
    S = jet._space
    if c.shape[0] == 1 or jet._vars == ():
        return jet
    sub = S.subspace(jet._vars)
    if c.shape[0] != sub.offsets[min(sub.degree, 1) + 1]:
        return jet  # holds degree 2 or more
    vars = tuple(range(S.nvars)) if jet._vars is None else jet._vars
    lin = c[1:]
    active = np.any(lin != 0, axis=tuple(range(1, lin.ndim))) if lin.ndim > 1 else lin != 0
    # the degree-1 rows, one per variable whose cap is >= 1, in variable order
    row_vars = [int(np.argmax(m)) for m in sub.monomials[1:c.shape[0]]]
    keep = [k for k, a in zip(row_vars, active) if a]
    if len(keep) == len(vars):
        return jet
    rows = [0] + [1 + r for r, a in enumerate(active) if a]
    return Jet._wrap(S, c[rows], tuple(vars[k] for k in keep))


def _value(x):
    return x.value if isinstance(x, Jet) else x


def _shift_axis(axis, ndim):
    if axis is None:
        return tuple(range(1, ndim + 1))
    if isinstance(axis, (tuple, list)):
        return tuple(int(a) % ndim + 1 for a in axis)
    return int(axis) % ndim + 1


def _matmul(a, b):
    """a @ b where either side is a jet; linear in each jet factor."""
    if isinstance(a, Jet) and isinstance(b, Jet):
        common_space(a, b)
        if a.ndim == 1 and b.ndim == 1:
            return (a * b).sum()
        if b.ndim == 1:
            return (a * b).sum(axis=-1)
        if a.ndim == 1:
            return (a[..., :, None] * b).sum(axis=-2)
        return (a[..., :, :, None] * b[..., None, :, :]).sum(axis=-2)
    if isinstance(a, Jet):
        m = B.asarray(b)
        return a._new(np.matmul(a._coeffs, m))
    m = B.asarray(a)
    c = b._coeffs
    if b.ndim == 1:
        return b._new(np.matmul(c, m.T) if m.ndim == 2 else np.matmul(m, c[..., None])[..., 0])
    return b._new(np.matmul(m, c))


def is_jet(x):
    """True if x is a Jet."""
    return isinstance(x, Jet)


def _points_dtype(points):
    return B.result_dtype(*points)


def _point(p, i):
    """Point i as a numeric array, or a TypeError that names it."""
    try:
        a = B.asarray(p)
    except (ValueError, TypeError) as exc:
        raise TypeError(f"point {i} must be a number or a rectangular array of numbers, "
                        f"got {type(p).__name__} ({exc})") from None
    if a.dtype.kind not in "biufcO" or (a.dtype.kind == "O" and not all_numbers(a)):
        raise TypeError(f"point {i} must be a number or an array of numbers, got "
                        f"{type(p).__name__} {p!r:.60}")
    return a


def variables(points, order):
    """Seed n variables x_i = points[i] + e_i in one shared space.

    Parameters
    ----------
    points : sequence of n scalars or arrays (or an array of shape (n, *batch))
    order : int (total degree) or tuple of n per-variable caps

    Returns
    -------
    tuple of n Jets, each of the shape of its point.

    Examples
    --------
    >>> import jets
    >>> x, y = jets.variables([4.0, 3.0], order=2)
    >>> (x + 2*y)**3
    Jet(1000 + 300·dx + 600·dy + 30·dx² + 120·dx·dy + 120·dy², order=2)
    >>> u, v = jets.variables([0.0, 0.0], order=(1, 1))     # hyper-dual
    >>> u * v
    Jet(0 + dx·dy, order=(1, 1))
    """
    if isinstance(points, Jet):
        raise TypeError("variables() takes plain numbers or arrays, not jets")
    pts = [_point(p, i) for i, p in enumerate(points)]
    if not pts:
        raise ValueError("variables() needs at least one point")
    n, order = normalize_order(len(pts), order)
    for p in pts:  # the size check comes before any table is built
        check_size(count_coeffs(n, order), p.size)
    S = get_space(n, order).seeded()      # this seeding's own identity
    dtype = _points_dtype(pts)
    out = []
    for i, p in enumerate(pts):
        sub = S.subspace((i,))
        c = B.zeros((sub.offsets[min(sub.degree, 1) + 1],) + p.shape, dtype=dtype)
        c[0] = p
        if c.shape[0] > 1:
            # the seed e_i; for object dtype keep the points' own number type
            c[1] = p.flat[0] ** 0 if dtype == object and p.size else 1
        out.append(Jet._wrap(S, c, (i,)))
    return tuple(out)


def variable(x0, order):
    """Seed one variable x = x0 + e of the given order; x0 a scalar or array.

    ``order`` is an int k or a 1-tuple (k,).  Returns a Jet of shape x0.shape.

    >>> import jets
    >>> t = jets.variable(4.0, order=3)
    >>> (t**3).derivatives()
    array([64., 48., 24.,  6.])
    """
    if isinstance(order, (tuple, list)) and len(order) != 1:
        raise ValueError(f"variable() seeds one variable, so order must be an int or a "
                         f"1-tuple, got {tuple(order)!r}: use jets.variables for several")
    return variables([x0], order)[0]


def constant(value, like):
    """The constant jet `value` (no derivatives) in the space of the jet `like`."""
    if not isinstance(like, Jet):
        raise TypeError("constant(value, like) needs a Jet as `like`")
    return Jet._wrap(like.space, constant_like(like.space, value), ())
