"""The Jet type: storage, operators, numpy protocols and coefficient readers.

A Jet holds ``coeffs`` of shape (ncoeffs, *shape) in the graded order of its
JetSpace: an array of truncated Taylor polynomials, one per batch element.
This module knows no elementary function: operators and numpy ufuncs are
dispatched by name to the rule table in ``jets.rules``.
"""
from math import factorial

import numpy as np

from . import backend as B
from .kernels import pad
from .space import JetSpace, check_size, count_coeffs, space as get_space
from .space import _normalize as normalize_order

__all__ = ["Jet", "variable", "variables", "constant", "is_jet"]

_CONVERT_HINT = ("that would drop its derivatives. Use .value for the number, "
                 "and numpy or jets functions (np.sin, jets.sin) instead of math.*")


def _apply(name, *args):
    from .rules import apply
    return apply(name, *args)


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
        # format version last: pickles from before versions (3 arguments) still load
        return (_rebuild, (self._space, np.array(self._coeffs), self._vars, PICKLE_VERSION))

    # --------------------------------------------------------------- operators
    def __add__(self, other):
        return _apply("add", self, other)

    def __radd__(self, other):
        return _apply("add", other, self)

    def __sub__(self, other):
        return _apply("subtract", self, other)

    def __rsub__(self, other):
        return _apply("subtract", other, self)

    def __mul__(self, other):
        return _apply("multiply", self, other)

    def __rmul__(self, other):
        return _apply("multiply", other, self)

    def __truediv__(self, other):
        return _apply("divide", self, other)

    def __rtruediv__(self, other):
        return _apply("divide", other, self)

    def __pow__(self, other, mod=None):
        if mod is not None:
            raise TypeError("pow(jet, exponent, mod) is not defined for jets")
        return _apply("power", self, other)

    def __rpow__(self, other):
        return _apply("power", other, self)

    def __neg__(self):
        return _apply("negative", self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _apply("absolute", self)

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
        from .numpy_api import array_ufunc
        return array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        from .numpy_api import array_function
        return array_function(func, types, args, kwargs)

    # ------------------------------------------------------------------ repr
    def __repr__(self):
        from .display import jet_repr
        return jet_repr(self)

    __str__ = __repr__


#: Format of a pickled Jet: (space, coeffs, vars, PICKLE_VERSION) for _rebuild.
PICKLE_VERSION = 1


def _rebuild(space, coeffs, vars=None, version=None):
    """Unpickle a Jet, checking what is restored: a pickle is data from outside,
    so a wrong space, shape, dtype or variable tuple is a clear ValueError here
    rather than a wrong number later.  version None: a pickle from before
    versions (the same layout)."""
    def bad(why):
        return ValueError(f"cannot unpickle a Jet: {why} (the pickle is damaged or from "
                          f"another version of jets; rebuild the jet)")
    if version is not None and version != PICKLE_VERSION:
        raise bad(f"unknown format version {version!r}, this jets reads version "
                  f"{PICKLE_VERSION}")
    if not isinstance(space, JetSpace):
        raise bad(f"its space is a {type(space).__name__}, not a JetSpace")
    if not isinstance(coeffs, np.ndarray) or coeffs.ndim == 0:
        raise bad(f"its coefficients are {type(coeffs).__name__}, not an array of shape "
                  f"(ncoeffs, *batch)")
    if coeffs.dtype.kind not in "iufcO" or (coeffs.dtype.kind == "O"
                                            and not _all_numbers(coeffs)):
        raise bad(f"its coefficients have dtype {coeffs.dtype}, not numbers")
    if vars is not None:
        if not isinstance(vars, tuple) or any(
                isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < space.nvars
                for v in vars) or list(vars) != sorted(set(vars)):
            raise bad(f"its variables {vars!r:.60} are not a sorted tuple of distinct "
                      f"indices below {space.nvars}")
    sub = space.subspace(vars) if vars else space
    if coeffs.shape[0] not in sub.top_degree or (vars == () and coeffs.shape[0] != 1):
        raise bad(f"{coeffs.shape[0]} coefficients do not fill whole degrees of "
                  f"{sub.describe()}")
    return Jet._wrap(space, coeffs, vars)


def embed(S, X, src, dst, full=False):
    """Coefficients X of subspace(src) re-indexed into subspace(dst), src being
    a subset of dst (None: all variables); full=True also pads to every degree."""
    if src == dst or X.shape[0] == 1:
        return pad(S.subspace(dst) if dst != () else S, X) if full else X
    a, b = S.subspace(src), S.subspace(dst)
    top = b.degree if full else a.top_degree[X.shape[0]]
    out = B.zeros((b.offsets[top + 1],) + X.shape[1:], dtype=X.dtype)
    out[S.embedding(src, dst)[: X.shape[0]]] = X
    return out


def union_vars(S, jets):
    """The variables a combination of these jets depends on (None: all)."""
    vs = set()
    for j in jets:
        if j._vars is None:
            return None
        vs.update(j._vars)
    return None if len(vs) == S.nvars else tuple(sorted(vs))


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
        from .rules import common_space
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


def _refuse_point_kind(p, what):
    """TypeError for points jets refuses up front: masked arrays (the mask would
    be dropped silently), bools (not numbers here, as in the functional API)
    and Decimals (numpy has no Decimal arithmetic: it fails deep inside)."""
    if isinstance(p, np.ma.MaskedArray):
        raise TypeError(f"{what} is a numpy masked array: jets would drop its mask. Pass "
                        f"p.filled(value) to keep every point, or p.compressed() for the "
                        f"unmasked ones")
    a = p if isinstance(p, np.ndarray) else None
    if a is not None and a.dtype.kind == "b" or isinstance(p, (bool, np.bool_)):
        raise TypeError(f"{what} holds booleans (dtype bool), not numbers: convert with "
                        f"x.astype(float) or float(x)")


def _refuse_decimal(a, what):
    from decimal import Decimal
    if a.dtype.kind == "O" and any(isinstance(v, Decimal) for v in a.flat):
        raise TypeError(f"{what} holds decimal.Decimal numbers, which numpy cannot compute "
                        f"with: convert with float(d), or fractions.Fraction(d) for exact "
                        f"arithmetic")


def _point(p, i):
    """Point i as a numeric array, or a TypeError that names it."""
    _refuse_point_kind(p, f"point {i}")
    try:
        a = B.asarray(p)
    except (ValueError, TypeError) as exc:
        raise TypeError(f"point {i} must be a number or a rectangular array of numbers, "
                        f"got {type(p).__name__} ({exc})") from None
    if a.dtype.kind == "b":
        _refuse_point_kind(a, f"point {i}")
    _refuse_decimal(a, f"point {i}")
    if a.dtype.kind not in "iufcO" or (a.dtype.kind == "O" and not _all_numbers(a)):
        raise TypeError(f"point {i} must be a number or an array of numbers, got "
                        f"{type(p).__name__} {p!r:.60}")
    return a


def _all_numbers(a):
    from numbers import Number
    return all(isinstance(v, Number) and not isinstance(v, bool) for v in a.flat)


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
    _refuse_point_kind(points, "points")
    if isinstance(points, np.ndarray) and points.ndim == 0 or np.isscalar(points) \
            or not hasattr(points, "__iter__"):
        raise TypeError(f"variables(points, order): points must be a sequence of n points "
                        f"(one per variable), got {type(points).__name__} {points!r:.40}: "
                        f"write jets.variables([{points!r:.20}], order) or jets.variable(x0, "
                        f"order)")
    pts = [_point(p, i) for i, p in enumerate(points)]
    if not pts:
        raise ValueError("variables() needs at least one point")
    n, order = normalize_order(len(pts), order)
    for p in pts:  # the size check comes before any table is built
        check_size(count_coeffs(n, order), p.size)
    S = get_space(n, order)
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
    from .kernels import constant_like
    return Jet._wrap(like.space, constant_like(like.space, value), ())
