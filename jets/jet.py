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

from decimal import Decimal
from math import factorial, prod

import numpy as np

from . import backend as B
from . import engine
from .display import jet_repr
from .engine import Operand, all_numbers
from .kernels import constant_like, embed
from .majorants import unit_roundoff
from .rules import lookup
from .space import JetSpace, _freeze, _ldexp, check_size, count_coeffs, scale_for
from .space import _cached as _cached_space
from .space import _normalize as normalize_order

try:  # numpy >= 2
    from numpy.lib.array_utils import normalize_axis_index
except ImportError:  # numpy 1.25, 1.26
    from numpy.core.multiarray import normalize_axis_index

__all__ = [
    "Jet",
    "variable",
    "variables",
    "constant",
    "is_jet",
    "apply",
    "common_space",
    "ARRAY_FUNCTIONS",
    "register_tracer",
    "CALL_HANDLER",
]

_CONVERT_HINT = (
    "that would drop its derivatives. Use .value for the number, "
    "and numpy or jets functions (np.sin, jets.sin) instead of math.*"
)

#: numpy function -> implementation on jets (NEP-18), filled by jets.numpy_api
ARRAY_FUNCTIONS = {}
#: the ufunc handler (ufunc, method, inputs, kwargs) -> result, set by jets.numpy_api
UFUNC_HANDLER = [None]
#: evaluation of the Taylor polynomial, ``jet(*dx)`` -> handler(jet, dx); set by
#: jets.calculus (``jets.evaluate``), which this module never imports
CALL_HANDLER = [None]
#: types whose operations are recorded rather than computed (jets.program's
#: tracers register here with register_tracer); apply() hands a call with one
#: of them to its ``_jets_record(rule, args)``
TRACER_TYPES = ()


def register_tracer(cls):
    """Let apply() hand operations on instances of `cls` to ``cls._jets_record``."""
    global TRACER_TYPES
    TRACER_TYPES = TRACER_TYPES + (cls,)


def common_space(*jets):
    """The one JetSpace of these jets, or the error that says how to seed them
    together.  A constant jet (it depends on no variable, so carries no
    direction) joins any seeding of an equal space."""
    first = jets[0]._space
    if all(j._space is first for j in jets):
        return first
    if any(type(j._coeffs) is not type(jets[0]._coeffs) for j in jets):
        B.check_same(*(j._coeffs for j in jets))  # numpy with torch: name both
    S = None
    for j in jets:
        if j._space != first:
            raise ValueError(
                f"cannot combine jets of different spaces: one has {first.describe()}, "
                f"another {j._space.describe()}. Seed all variables together with "
                f"jets.variables([...], order) so they share one space"
            )
        if j._vars == ():
            continue
        if S is None:
            S = j._space
        elif j._space is not S:
            raise TypeError(
                "cannot combine jets that were seeded separately (by two calls of "
                "jets.variable/jets.variables, or a jet seeded inside a function given to "
                "jets.derivative and friends): they are different variables. Seed all "
                "variables together with jets.variables([x0, y0, ...], order)"
            )
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
    tracked = False
    for a in args:
        if type(a) is Jet:
            jets.append(a)
            tracked = tracked or a._err is not None
        elif isinstance(a, TRACER_TYPES):  # also jets.slots.SlotJet, a Jet subclass
            return a._jets_record(rule, args)
        elif isinstance(a, Jet):
            jets.append(a)
            tracked = tracked or a._err is not None
    if not jets:
        return rule.value(*args)
    S = jets[0]._space if len(jets) == 1 else common_space(*jets)
    if tracked:
        ops = [Operand(a._coeffs, a._vars, a._err) if isinstance(a, Jet) else a for a in args]
        coeffs, vars, err = engine.apply_tracked(rule, S, ops)
        return Jet._wrap(S, coeffs, vars, err)
    ops = [Operand(a._coeffs, a._vars) if isinstance(a, Jet) else a for a in args]
    coeffs, vars = engine.apply(rule, S, ops)
    return Jet._wrap(S, coeffs, vars)


class Jet:
    """An array of truncated Taylor polynomials sharing one JetSpace.

    Build jets with :func:`jets.variable` / :func:`jets.variables`; combine them
    with operators, numpy ufuncs and ``jets.*`` functions.
    ``coeffs`` has shape ``(ncoeffs, *shape)``, graded order.
    """

    # `_seeds`: set only on the stacked seed array of the functional API (_seeded_stack),
    # which knows its rows; every other jet leaves it unset (read with getattr)
    __slots__ = ("_space", "_coeffs", "_vars", "_err", "_seeds")
    __array_priority__ = 1000
    __hash__ = None

    def __init__(self, space, coeffs, _vars=None):
        """A jet of `space` with the Taylor coefficients `coeffs` (copied), shape
        ``(space.ncoeffs, *shape)`` in graded order.  On a seeding's space (which may
        be scaled, see docs/theory.md "Magnitudes") the true coefficients are
        converted to the stored ones."""
        c = np.array(coeffs, copy=True)
        if isinstance(space, JetSpace) and space.scale is not None and c.dtype.kind in "iu":
            c = c.astype(float)  # a scaled space stores floats
        if (
            isinstance(space, JetSpace)
            and space.scale is not None
            and c.ndim
            and c.dtype.kind in "fc"
            and c.shape[0] in (space.subspace(_vars) if _vars else space).top_degree
        ):
            c = space.from_true(c, _vars)
        self._init(space, c, _vars)

    @classmethod
    def _wrap(cls, space, coeffs, _vars=None, _err=None):
        """Internal constructor: takes ownership of `coeffs` without a copy.
        `_err`: (M, E) of a tracked jet (see :meth:`error`), else None."""
        jet = cls.__new__(cls)
        jet._init(space, coeffs, _vars, _err)
        return jet

    def _init(self, space, coeffs, _vars, _err=None):
        # Internally a jet stores (a) only the variables it depends on, `_vars`
        # (a sorted tuple of indices, None for all): its coefficients live in
        # space.subspace(_vars); and (b) only its degrees up to the last one
        # that may be nonzero: `_coeffs` is a whole-degree prefix of the graded
        # order.  `coeffs` shows the full array of the public space.  A jet
        # seeded with track_error=True also holds `_err` = (M, E): a majorant
        # and the estimated absolute error of every coefficient, float64
        # arrays of the FULL shape (space.ncoeffs, *shape) (jets.majorants);
        # untracked jets hold None and never pay for it.
        if not isinstance(space, JetSpace):
            raise TypeError(f"space must be a JetSpace, got {type(space).__name__}")
        foreign = type(coeffs) is not np.ndarray and B.is_foreign(coeffs)
        if not foreign:
            coeffs = B.asarray(coeffs)
        sub = space.subspace(_vars) if _vars else space
        if coeffs.ndim == 0 or (coeffs.shape[0] not in sub.top_degree and _vars != ()):
            raise ValueError(
                f"coeffs must have shape ({space.ncoeffs}, *shape) for "
                f"{space.describe()}, got {coeffs.shape}"
            )
        if not foreign and coeffs.flags.writeable:
            coeffs.flags.writeable = False
        if _vars is not None and len(_vars) == space.nvars:
            _vars = None
        if _vars == () and coeffs.shape[0] != 1:
            raise ValueError("a jet of no variables holds its value only")
        self._space = space
        self._coeffs = coeffs
        self._vars = _vars
        self._err = _err

    # ---------------------------------------------------------------- storage
    @property
    def space(self):
        """The JetSpace: variables, order and index tables."""
        return self._space

    @property
    def coeffs(self):
        """Taylor coefficients, shape ``(ncoeffs, *shape)``, graded order (read-only).

        Internally a jet may store only its degrees up to the last nonzero one
        (a seeded variable stores degrees 0 and 1); this pads the rest with 0.
        A seeding of order > 4 stores c[a] * sigma**|a| (docs/theory.md,
        "Magnitudes"); this converts back exactly (a power of two), so an entry
        is 0 or inf only where the true coefficient is beyond float64."""
        S = self._space
        if S.scale is None:
            return self._stored_full()
        full = S.to_true(self._stored_full())
        if type(full) is np.ndarray:
            full.flags.writeable = False
        return full

    def _stored_full(self):
        """The stored coefficients padded to the full space, (ncoeffs, *shape)
        (read-only): the series in the scaled variable (see :meth:`coeffs`)."""
        c = self._coeffs
        if self._vars is None and c.shape[0] == self._space.ncoeffs:
            return c
        full = embed(self._space, c, self._vars, None, full=True)  # nan-poisoned
        if type(full) is np.ndarray:
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

    def _new(self, coeffs, err=None):
        """A jet of the same space and variables with new coefficients.  A
        tracked jet must say what becomes of its error (`err`, or :meth:`_map`);
        if it does not, the error is unknown (nan), never silently 0."""
        if self._err is not None and err is None:
            nan = np.full((self._space.ncoeffs,) + coeffs.shape[1:], np.nan)
            err = (nan, nan)
        return Jet._wrap(self._space, coeffs, self._vars, err)

    def _map(self, fn, sums=0):
        """fn applied to the coefficient array (a batch-shape function of numpy:
        indexing, reshape, transpose, sum, ...) and, on a tracked jet, to its
        majorant and error arrays.  `sums` > 0: fn adds that many terms per
        output entry, whose rounding (sums - 1) u M adds to the error."""
        c = fn(self._coeffs)
        if self._err is None:
            return Jet._wrap(self._space, c, self._vars)
        M, E = self._err
        M, E = fn(M), fn(E)
        if sums > 1:
            E = E + (sums - 1) * unit_roundoff(c.dtype)[0] * M
        return Jet._wrap(self._space, c, self._vars, (M, E))

    def error(self):
        """The estimated absolute error of every Taylor coefficient, shape of
        ``coeffs`` ``(ncoeffs, *shape)``, float64: a running majorant estimate of
        the rounding of every step, carried through the expression (see
        docs/theory.md, "Error estimates").  The error of the partial d^alpha
        is ``error()[i] * alpha!``.  Only jets seeded with ``track_error=True``
        (and everything computed from them) carry it.

        >>> import jets, numpy as np
        >>> x = jets.variable(1e-8, order=4, track_error=True)
        >>> f = np.sin(x) / x
        >>> bool(abs(f.coeffs[4] - 1 / 120) <= f.error()[4])
        True
        """
        if self._err is None:
            raise ValueError(
                "this jet carries no error estimate: seed its variables with "
                "jets.variable(x0, order, track_error=True) or "
                "jets.variables(points, order, track_error=True)"
            )
        E = np.broadcast_to(self._err[1], (self._space.ncoeffs,) + self.shape)
        return np.array(self._space.to_true(np.array(E, dtype=float)), dtype=float)

    def _stored_error(self):
        """The error estimate of the STORED coefficients, (ncoeffs, *shape)."""
        E = np.broadcast_to(self._err[1], (self._space.ncoeffs,) + self.shape)
        return np.array(E, dtype=float)

    # ------------------------------------------------------------ coefficients
    def coefficient(self, alpha):
        """Taylor coefficient c[alpha] (the partial divided by alpha!), shape ``self.shape``."""
        alpha = self._space.validate_alpha(alpha)
        c = self._coeffs
        vars = self._vars
        full = alpha
        if vars is not None:
            if any(a for k, a in enumerate(alpha) if k not in vars):
                return B.zeros_as(c.shape[1:], c.dtype, c)[()]
            if not vars:
                return c[0]
            alpha = tuple(alpha[v] for v in vars)
        i = self._space.subspace(vars).index[alpha]
        if i >= c.shape[0]:
            return B.zeros_as(c.shape[1:], c.dtype, c)[()]
        S = self._space
        if S.scale is None:
            return c[i]
        e = sum(m * a for m, a in zip(S.scale, full, strict=False))
        return _ldexp(c[i], -e)[()] if e else c[i]

    def partial(self, alpha):
        """Partial derivative d^alpha f(x0) = alpha! * c[alpha], shape ``self.shape``.

        >>> import jets
        >>> x, y = jets.variables([4.0, 3.0], order=2)
        >>> f = (x + 2*y)**3
        >>> print(f.coefficient((2, 0)), f.partial((2, 0)))
        30.0 60.0
        """
        S = self._space
        alpha = S.validate_alpha(alpha)
        if S.scale is None and sum(alpha) <= 170:
            scale = 1
            for a in alpha:
                scale *= factorial(a)
            return self.coefficient(alpha) * scale
        # stored c[a] sigma**|a| times a! / sigma**|a|, never a! or c[a] alone
        i = S.index[alpha]
        return S.to_derivatives(self._stored_row(i)[None], [i])[0][()]

    def _stored_row(self, i):
        """Stored coefficient i of the full graded order, shape ``self.shape``."""
        c = self._coeffs
        if self._vars is None:
            return c[i] if i < c.shape[0] else B.zeros_as(c.shape[1:], c.dtype, c)
        return self._stored_full()[i]

    def _univariate(self, what):
        if self.nvars != 1:
            raise ValueError(
                f"{what} is for jets of one variable; this jet has "
                f"{self.nvars}: use .partial(alpha) or .partials()"
            )

    def derivative(self, n=1):
        """n-th derivative of a univariate jet, shape ``self.shape``."""
        self._univariate("derivative(n)")
        return self.partial((n,))

    def derivatives(self):
        """All derivatives f, f', ..., f^(k) of a univariate jet: shape ``(k+1, *shape)``."""
        self._univariate("derivatives()")
        return self._space.to_derivatives(self._stored_full())

    def partials(self):
        """Every partial derivative the jet carries: {alpha: array}, graded order.

        >>> import jets
        >>> x, y = jets.variables([1.0, 2.0], order=2)
        >>> {a: float(v) for a, v in (x**2 * y).partials().items()}
        {(0, 0): 2.0, (1, 0): 4.0, (0, 1): 1.0, (2, 0): 4.0, (1, 1): 2.0, (0, 2): 0.0}
        """
        S = self._space
        if S.scale is None and S.degree <= 170:
            c = self.coeffs
            if (
                type(c) is np.ndarray
                and (c.dtype == np.float64 or c.dtype == np.complex128)
                and c[0].size <= 1024
            ):
                # one multiply: c * a! (a float64) is c[i] * int(a!) (an int that came from
                # that float); other dtypes keep numpy's rules for a Python int below, and
                # large batches one array per row (one large temporary here made W2 at
                # 10^4 points 1.2 ms slower: fresh pages for it and for the caller's copy)
                d = c * S.factorials.reshape((-1,) + (1,) * (c.ndim - 1))
                return {alpha: d[i] for alpha, i in S.index_items()}
            return {alpha: c[i] * int(S.factorials[i]) for alpha, i in S.index_items()}
        d = S.to_derivatives(self._stored_full())
        return {alpha: d[i] for alpha, i in S.index_items()}

    def _need(self, alphas, what, hint):
        idx = []
        for a in alphas:
            if a not in self._space.index:
                raise ValueError(
                    f"{what} needs the coefficient {a}, which this jet of "
                    f"{self._space.describe()} does not carry: {hint}"
                )
            idx.append(self._space.index[a])
        return idx

    def gradient(self):
        """First partials, shape ``(nvars, *shape)``."""
        n = self.nvars
        units = [tuple(int(i == j) for j in range(n)) for i in range(n)]
        idx = self._need(units, "gradient()", "seed with order >= 1 in every variable")
        return self._space.to_derivatives(self._stored_full()[idx], idx)

    def hessian(self):
        """Second partials, shape ``(nvars, nvars, *shape)``, symmetric.

        >>> import jets
        >>> x, y = jets.variables([4.0, 3.0], order=2)
        >>> ((x + 2*y)**3).hessian()
        array([[ 60., 120.],
               [120., 240.]])
        """
        S = self._space
        n = S.nvars
        idx = S.hessian_rows()
        if idx is None:  # name the first missing partial
            alphas = [
                tuple(int(m == i) + int(m == j) for m in range(n))
                for i in range(n)
                for j in range(n)
            ]
            self._need(
                alphas,
                "hessian()",
                "seed with order >= 2 (hyper-dual (1, 1) caps carry only mixed partials)",
            )
        c = self._coeffs
        if self._vars is not None or c.shape[0] != S.ncoeffs:
            c = self._stored_full()
        if S.scale is None and c.dtype == np.float64 and type(c) is np.ndarray:
            if c.ndim == 1:  # one point
                return (c[idx] * S.hessian_factors()).reshape(n, n)  # alpha! exactly
            c = c[idx]
            c *= S.hessian_factors().reshape((-1,) + (1,) * (c.ndim - 1))
        else:
            c = S.to_derivatives(c[idx], idx)
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
        """The jets at `key` of the batch, like ndarray indexing on the values: ints,
        slices, Ellipsis, None, bools, integer and boolean arrays (numpy's errors)."""
        if type(key) is int:
            seeds = getattr(self, "_seeds", None)
            if seeds is not None and -len(seeds[2]) <= key < len(seeds[2]):
                return _seed_row(self, seeds, key)
        if not isinstance(key, tuple):
            key = (key,)
        if any(isinstance(k, Jet) for k in key):
            raise TypeError("a jet cannot be used as an index: use its .value")
        _like_numpy(lambda d: d[key], self.shape)  # numpy's IndexError, if any
        if _advanced_apart(key):
            # numpy puts the axes of advanced indices that are not side by side
            # first; with the coefficient axis last they go before the batch only
            tail = (slice(None),) if any(k is Ellipsis for k in key) else ()

            def pick(c):
                return np.moveaxis(np.moveaxis(c, 0, -1)[key + tail], -1, 0)
        else:

            def pick(c):
                return c[(slice(None),) + key]

        return _compact(self._map(pick))

    def __setitem__(self, key, value):
        raise TypeError(
            "jets are immutable: build a new one with np.where, "
            "jets.stack or np.concatenate instead of assigning into it"
        )

    def reshape(self, *shape):
        """Same jets, batch reshaped like ndarray.reshape (-1 allowed; numpy's errors)."""
        args = shape
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        try:
            new = _like_numpy(lambda d: d.reshape(*args), self.shape).shape
        except ValueError as exc:
            raise ValueError(
                f"cannot reshape a jet batch of shape {self.shape} "
                f"({self.size} points) into shape {tuple(shape)} "
                f"(numpy: {exc})"
            ) from None
        return self._map(lambda c: c.reshape(c.shape[:1] + new))

    def transpose(self, *axes):
        """Batch axes permuted like ndarray.transpose (numpy's errors for bad axes)."""
        _like_numpy(lambda d: d.transpose(*axes), self.shape)
        if len(axes) == 1 and (axes[0] is None or np.ndim(axes[0]) == 1):
            axes = () if axes[0] is None else tuple(axes[0])
        if not axes:
            axes = tuple(range(self.ndim))[::-1]
        perm = tuple(_shift_axis(a, self.ndim) for a in axes)
        return self._map(lambda c: c.transpose((0,) + perm))

    @property
    def T(self):
        return self.transpose()

    def ravel(self):
        return self.reshape(-1)

    flatten = ravel

    def squeeze(self, axis=None):
        """Size-1 batch axes removed like ndarray.squeeze (numpy's errors)."""
        new = _like_numpy(lambda d: d.squeeze(axis=axis), self.shape).shape
        return self._map(lambda c: c.reshape(c.shape[:1] + new))

    def sum(self, axis=None, keepdims=False):
        """Sum over batch axes (linear, so coefficient-wise), like ndarray.sum."""
        _like_numpy(np.sum, (1,) * self.ndim, axis=axis, keepdims=keepdims)
        ax = _reduce_axes(axis, self.ndim)
        n = int(np.prod([self._coeffs.shape[i] for i in np.atleast_1d(ax)])) if ax != () else 1
        return self._map(lambda c: c.sum(axis=ax, keepdims=keepdims), sums=n)

    def mean(self, axis=None, keepdims=False):
        """Mean over batch axes (linear, so coefficient-wise), like ndarray.mean."""
        _like_numpy(np.mean, (1,) * self.ndim, axis=axis, keepdims=keepdims)
        ax = _reduce_axes(axis, self.ndim)
        n = int(np.prod([self._coeffs.shape[i] for i in np.atleast_1d(ax)])) if ax != () else 1
        return self._map(lambda c: c.mean(axis=ax, keepdims=keepdims), sums=n + 1)

    def copy(self):
        return self._map(np.copy)

    @property
    def real(self):
        """The real part, coefficient-wise (the variables are real), like ndarray.real."""
        return self._map(np.real)

    @property
    def imag(self):
        """The imaginary part, coefficient-wise; a real jet gives the zero jet."""
        return self._map(np.imag)

    def conj(self):
        """The complex conjugate, coefficient-wise (the variables are real)."""
        return self._map(np.conj)

    conjugate = conj

    def astype(self, dtype, copy=True):
        """The jet with float or complex coefficients of `dtype` (float32, float64,
        complex128, ...); other kinds would drop derivatives (TypeError)."""
        dt = np.dtype(dtype)
        if dt.kind not in "fc":
            raise TypeError(
                f"Jet.astype({dt}): a jet converts only to float or complex "
                f"dtypes (its derivatives are not {dt.kind!r} numbers); use "
                f".value.astype({dt}) for the values"
            )
        if self.dtype.kind == "c" and dt.kind == "f":
            raise TypeError(f"Jet.astype({dt}) would drop the imaginary part: take .real first")
        return self._map(lambda c: c.astype(dt) if c is self._coeffs else c)

    def item(self, *args):
        """The one element of a size-1 jet (or the element at `args`, as in
        ndarray.item), as a 0-d Jet: a jet never becomes a Python number."""
        if not args:
            if self.size != 1:
                raise ValueError("can only convert an array of size 1 to a Python scalar")
            return self.reshape(())
        if len(args) == 1 and isinstance(args[0], (int, np.integer)):
            return self.ravel()[args[0]]
        return self[tuple(args[0]) if len(args) == 1 else args]

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self._map(np.copy)

    def __reduce__(self):
        # format version 4th: pickles from before versions (3 arguments) still load
        err = None if self._err is None else tuple(np.array(e) for e in self._err)
        return (_rebuild, (self._space, np.array(self._coeffs), self._vars, PICKLE_VERSION, err))

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
        raise TypeError(
            "the remainder (%, divmod) of jets is not supported: write a - b * jets.floor(a / b)"
        )

    __rmod__ = __divmod__ = __rdivmod__ = __mod__

    # -------------------------------------------- comparisons compare values
    # (a Comparison: a bool array that also remembers the operands, for where)
    def __lt__(self, other):
        return compare("less", self, other)

    def __le__(self, other):
        return compare("less_equal", self, other)

    def __gt__(self, other):
        return compare("greater", self, other)

    def __ge__(self, other):
        return compare("greater_equal", self, other)

    def __eq__(self, other):
        return compare("equal", self, other)

    def __ne__(self, other):
        return compare("not_equal", self, other)

    def __bool__(self):
        if self.size != 1:
            raise ValueError(
                f"the truth value of a jet array of shape {self.shape} is "
                f"ambiguous: use (jet > 0).any() or .all() on the values"
            )
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
        raise TypeError(
            "a Jet cannot be converted to a plain numpy array: that would drop "
            "its derivatives. Use .value or .coeffs, or jets.stack / np.stack "
            "to build an array of jets"
        )

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
            name = f"{func.__module__}.{func.__name__}".replace(
                "numpy.linalg._linalg", "numpy.linalg"
            )
            raise TypeError(
                f"{name} is not supported for jets: use .value for "
                f"the values, or see docs/guide.md for the supported numpy "
                f"functions"
            )
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


#: Format of a pickled Jet: (space, coeffs, vars, PICKLE_VERSION) for _rebuild.
PICKLE_VERSION = 1


def _rebuild(space, coeffs, vars=None, version=None, err=None):
    """Unpickle a Jet, checking what is restored: a pickle is data from outside,
    so a wrong space, shape, dtype or variable tuple is a clear ValueError here
    rather than a wrong number later.  version None: a pickle from before
    versions (the same layout)."""

    def bad(why):
        return ValueError(
            f"cannot unpickle a Jet: {why} (the pickle is damaged or from "
            f"another version of jets; rebuild the jet)"
        )

    if version is not None and version != PICKLE_VERSION:
        raise bad(f"unknown format version {version!r}, this jets reads version {PICKLE_VERSION}")
    if not isinstance(space, JetSpace):
        raise bad(f"its space is a {type(space).__name__}, not a JetSpace")
    if not isinstance(coeffs, np.ndarray) or coeffs.ndim == 0:
        raise bad(
            f"its coefficients are {type(coeffs).__name__}, not an array of shape (ncoeffs, *batch)"
        )
    if coeffs.dtype.kind not in "iufcO" or (coeffs.dtype.kind == "O" and not all_numbers(coeffs)):
        raise bad(f"its coefficients have dtype {coeffs.dtype}, not numbers")
    if vars is not None:
        if (
            not isinstance(vars, tuple)
            or any(
                isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < space.nvars
                for v in vars
            )
            or list(vars) != sorted(set(vars))
        ):
            raise bad(
                f"its variables {vars!r:.60} are not a sorted tuple of distinct "
                f"indices below {space.nvars}"
            )
    sub = space.subspace(vars) if vars else space
    if coeffs.shape[0] not in sub.top_degree or (vars == () and coeffs.shape[0] != 1):
        raise bad(f"{coeffs.shape[0]} coefficients do not fill whole degrees of {sub.describe()}")
    if err is not None:
        if not (
            isinstance(err, tuple)
            and len(err) == 2
            and all(
                isinstance(e, np.ndarray) and e.shape == (space.ncoeffs,) + coeffs.shape[1:]
                for e in err
            )
        ):
            raise bad("its error estimate is not two arrays of the full coefficient shape")
    return Jet._wrap(space, coeffs, vars, err)


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
    if type(c) is not np.ndarray:
        if getattr(c, "requires_grad", False):
            return jet  # a zero row may still have a gradient: keep it
        lin = c[1:] != 0
        if B.kind(c.dtype) in "fc":
            lin = lin & ~(c[0] != c[0])  # nan points do not decide the layout
        active = lin.reshape(lin.shape[0], -1).any(1).tolist()
    else:
        lin = c[1:] != 0
        if c.dtype.kind in "fc":
            # a nan point is nan in every coefficient whatever is stored (nan
            # poisoning): it must not decide the layout of the other points
            lin = lin & ~np.isnan(c[0])
        active = np.any(lin, axis=tuple(range(1, lin.ndim))) if lin.ndim > 1 else lin
    # the degree-1 rows, one per variable whose cap is >= 1, in variable order
    row_vars = [int(np.argmax(m)) for m in sub.monomials[1 : c.shape[0]]]
    keep = [k for k, a in zip(row_vars, active, strict=False) if a]
    if len(keep) == len(vars):
        return jet
    rows = [0] + [1 + r for r, a in enumerate(active) if a]
    return Jet._wrap(S, c[rows], tuple(vars[k] for k in keep), jet._err)


def _value(x):
    return x.value if isinstance(x, Jet) else x


def _stand_in(shape):
    """A read-only array of the given shape that holds no memory (one broadcast
    byte): numpy's functions applied to it check axes and shapes as they would
    for the jet's batch, without touching any coefficient."""
    return np.broadcast_to(np.zeros((), dtype=np.int8), shape)


def _like_numpy(fn, *shapes, **kwargs):
    """numpy's `fn` applied to stand-ins of these batch shapes: raises numpy's own
    error (type, wording and quirks: AxisError for a bad axis, ...) for arguments
    numpy refuses; returns the stand-in result (its shape is numpy's result shape)."""
    return fn(*(_stand_in(s) for s in shapes), **kwargs)


class Comparison(np.ndarray):
    """The result of comparing jets (``x > 0``, ``np.less(x, y)``): a numpy bool
    array of the values' comparison, shape the broadcast batch shape (0-d for
    one point), that also remembers what was compared (``_operands``: the
    ufunc name, the left and the right operand).

    jets.where reads the operands to choose by the series at a tie (where the
    values are equal), see docs/guide.md "Edge points".  Everything computed
    from a Comparison (``~c``, ``c & d``, ``c[0]``, ``np.asarray(c)``) is a plain
    bool array, which where reads by its values."""

    def __array_finalize__(self, obj):
        self._operands = None

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        def plain(x):
            return x.view(np.ndarray) if isinstance(x, Comparison) else x

        if "out" in kwargs:
            kwargs["out"] = tuple(plain(o) for o in kwargs["out"])
        return getattr(ufunc, method)(*(plain(x) for x in inputs), **kwargs)

    def __getitem__(self, key):
        return self.view(np.ndarray)[key]

    def __repr__(self):
        return repr(self.view(np.ndarray))

    def __reduce__(self):
        return self.view(np.ndarray).__reduce__()


def compare(op, lhs, rhs):
    """numpy's comparison `op` ("less", ...) of the values, as a Comparison
    (torch / cupy jets: a bool array of their library, compared there)."""
    lv, rv = _value(lhs), _value(rhs)
    if type(lv) is not np.ndarray and B.is_foreign(lv) or B.is_foreign(rv):
        B.check_same(lv, rv)
        return B.ufunc(getattr(np, op))(lv, rv)
    c = np.asarray(getattr(np, op)(_value(lhs), _value(rhs))).view(Comparison)
    c._operands = (op, lhs, rhs)
    return c


def _shift_axis(axis, ndim):
    """A batch axis (an int, a sequence of them, or None for all) as the axis of
    the coefficient array, shape (L, *batch): batch axis + 1, so that the
    coefficient axis 0 is never named.  Negative axes count from the end like
    numpy; out of range raises numpy's AxisError (never wraps around)."""
    if axis is None:
        return tuple(range(1, ndim + 1))
    if isinstance(axis, (tuple, list)):
        return type(axis)(_shift_axis(a, ndim) for a in axis)
    return normalize_axis_index(axis, ndim) + 1


def _reduce_axes(axis, ndim):
    """`_shift_axis` for reductions checked by numpy first: numpy lets a reduction
    of a 0-d array take axis 0 or -1 (none named), so a 0-d batch reduces over ()."""
    return () if ndim == 0 else _shift_axis(axis, ndim)


def _advanced_apart(key):
    """True if the index `key` (a tuple) has advanced entries (arrays, lists, bools,
    and then ints too) that are not side by side: numpy then puts their axes first."""
    basic = (slice, type(None), type(Ellipsis))
    if all(
        isinstance(k, basic)
        or (
            np.ndim(k) == 0
            and not isinstance(k, (bool, np.bool_))
            and not isinstance(k, np.ndarray)
        )
        for k in key
    ):
        return False  # basic indexing only
    where = [i for i, k in enumerate(key) if not isinstance(k, basic)]
    return where[-1] - where[0] + 1 != len(where)


def _matmul_shape(ashape, bshape):
    """The shape of a @ b for operands of these shapes, by numpy's rules (1-d
    operands promoted and the promoted axis removed, batch axes broadcast), or
    numpy's own error (0-d operand, core mismatch, batch mismatch)."""
    if ashape and bshape:
        a2 = ashape if len(ashape) > 1 else (1,) + ashape
        b2 = bshape if len(bshape) > 1 else bshape + (1,)
        if a2[-1] == b2[-2]:
            try:
                batch = np.broadcast_shapes(a2[:-2], b2[:-2])
            except ValueError:
                pass
            else:
                return batch + ashape[-2:-1] * (len(ashape) > 1) + b2[-1:] * (len(bshape) > 1)
    _like_numpy(np.matmul, ashape, bshape)
    raise ValueError(f"matmul: operands of shapes {ashape} and {bshape} do not match")


def _matrix(m):
    """A constant operand of @ as an array of numbers, or TypeError naming its type."""
    try:
        arr = B.asarray(m)
    except (TypeError, ValueError):
        arr = None
    if (
        arr is None
        or arr.dtype.kind not in "biufcO"
        or (arr.dtype.kind == "O" and not all_numbers(arr))
    ):
        raise TypeError(
            f"matmul: cannot combine a jet with {type(m).__name__}: use "
            f"numbers, numpy arrays of numbers, or jets of the same space"
        )
    return arr


def _matmul(a, b):
    """a @ b like np.matmul where either side is a jet: numpy's shapes and errors,
    and the coefficient axis never takes part.  Linear in each jet factor: with a
    constant M, (M @ J).coeffs[i] == M @ J.coeffs[i] for every coefficient i."""
    ja, jb = isinstance(a, Jet), isinstance(b, Jet)
    a = a if ja else _matrix(a)
    b = b if jb else _matrix(b)
    shape = _matmul_shape(a.shape, b.shape)
    if ja and jb:
        common_space(a, b)
        a2 = a if a.ndim > 1 else a.reshape((1,) + a.shape)  # (..., p, k)
        b2 = b if b.ndim > 1 else b.reshape(b.shape + (1,))  # (..., k, q)
        return (a2[..., :, :, None] * b2[..., None, :, :]).sum(axis=-2).reshape(shape)
    if jb:  # M @ J

        def by(c, w):
            L = c.shape[0]
            if b.ndim == 1:  # M (..., k) @ C.T (k, L) -> (..., L): L to the front
                out = np.moveaxis(np.matmul(w, c.T), -1, 0)
            else:  # batch axes of C padded so that M's batch never meets the axis L
                out = np.matmul(w, c.reshape((L,) + (1,) * max(0, w.ndim - b.ndim) + b.shape))
            return out.reshape((L,) + shape)

        return _by_matrix(b, by, a, a.shape[-1])

    def by(c, w):  # J @ N
        L = c.shape[0]
        if a.ndim == 1:  # C (L, k) @ N: L is the row axis of the product
            out = np.matmul(c, w)
            out = np.moveaxis(out, -2, 0) if w.ndim > 1 else out
        else:
            out = np.matmul(c.reshape((L,) + (1,) * max(0, w.ndim - a.ndim) + a.shape), w)
        return out.reshape((L,) + shape)

    return _by_matrix(a, by, b, b.shape[-2] if b.ndim > 1 else b.shape[0])


def _by_matrix(jet, f, m, n):
    """f(coeffs, m) for a plain matrix m (linear in the jet); on a tracked jet
    the error is f(E, |m|) plus the rounding of the n-term sums."""
    c = f(jet._coeffs, m)
    if jet._err is None:
        return jet._new(c)
    w = np.abs(m)
    M = f(jet._err[0], w)
    E = f(jet._err[1], w) + n * unit_roundoff(c.dtype)[0] * M
    return jet._new(c, (M, E))


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
        raise TypeError(
            f"{what} is a numpy masked array: jets would drop its mask. Pass "
            f"p.filled(value) to keep every point, or p.compressed() for the "
            f"unmasked ones"
        )
    a = p if isinstance(p, np.ndarray) else None
    if a is not None and a.dtype.kind == "b" or isinstance(p, (bool, np.bool_)):
        raise TypeError(
            f"{what} holds booleans (dtype bool), not numbers: convert with "
            f"x.astype(float) or float(x)"
        )


def _refuse_decimal(a, what):
    if a.dtype.kind == "O" and any(isinstance(v, Decimal) for v in a.flat):
        raise TypeError(
            f"{what} holds decimal.Decimal numbers, which numpy cannot compute "
            f"with: convert with float(d), or fractions.Fraction(d) for exact "
            f"arithmetic"
        )


def _point(p, i):
    """Point i as a numeric array, or a TypeError that names it."""
    tp = type(p)
    if tp is float or tp is int or (tp is np.ndarray and p.dtype.kind in "iufc"):
        return B.asarray(p)  # the common cases: nothing to refuse
    if B.is_foreign(p):  # a torch tensor or cupy array: it stays where it is
        if B.kind(p.dtype) not in "iufc":
            raise TypeError(
                f"point {i} holds {p.dtype}, not numbers: convert with x.to(float) or x.astype"
            )
        return p
    _refuse_point_kind(p, f"point {i}")
    try:
        a = B.asarray(p)
    except (ValueError, TypeError) as exc:
        raise TypeError(
            f"point {i} must be a number or a rectangular array of numbers, "
            f"got {type(p).__name__} ({exc})"
        ) from None
    if a.dtype.kind == "b":
        _refuse_point_kind(a, f"point {i}")
    _refuse_decimal(a, f"point {i}")
    if a.dtype.kind not in "iufcO" or (a.dtype.kind == "O" and not all_numbers(a)):
        raise TypeError(
            f"point {i} must be a number or an array of numbers, got {type(p).__name__} {p!r:.60}"
        )
    return a


def _check_points_container(points):
    """The refusals of variables() for a `points` that is not a list or tuple."""
    if isinstance(points, Jet):
        raise TypeError("variables() takes plain numbers or arrays, not jets")
    _refuse_point_kind(points, "points")
    if (
        isinstance(points, np.ndarray)
        and points.ndim == 0
        or np.isscalar(points)
        or not hasattr(points, "__iter__")
    ):
        raise TypeError(
            f"variables(points, order): points must be a sequence of n points "
            f"(one per variable), got {type(points).__name__} {points!r:.40}: "
            f"write jets.variables([{points!r:.20}], order) or jets.variable(x0, "
            f"order)"
        )


def variables(points, order, track_error=False):
    """Seed n variables x_i = points[i] + e_i in one shared space.

    Parameters
    ----------
    points : sequence of n scalars or arrays (or an array of shape ``(n, *batch)``)
    order : int (total degree) or tuple of n per-variable caps
    track_error : bool
        Carry a running estimate of the absolute rounding error of every Taylor
        coefficient through every operation (:meth:`Jet.error`; the points are
        taken as exact).  Costs a majorant computation per operation; off, it
        costs nothing.

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
    if (type(points) is list or type(points) is tuple) and type(order) is int and not track_error:
        seeds = _float_seeds(points, order)
        if seeds is not None:
            return seeds
    if type(points) is np.ndarray and type(order) is int and not track_error:
        if points.ndim == 1 and points.dtype == np.float64:  # n points: their floats
            seeds = _float_seeds(points.tolist(), order)
        else:
            seeds = _array_seeds(points, order)
        if seeds is not None:
            return seeds
    if type(points) is not list and type(points) is not tuple:  # lists: the usual case
        _check_points_container(points)
        if B.is_foreign(points) and points.ndim > 0:
            points = list(points)  # an (n, *batch) tensor: its rows
    pts = [_point(p, i) for i, p in enumerate(points)]
    if not pts:
        raise ValueError("variables() needs at least one point")
    for p in pts:
        if type(p) is not np.ndarray:  # a torch tensor or cupy array (else _point gives numpy)
            return _foreign_variables(pts, order, track_error)
    n, order = normalize_order(len(pts), order)
    for p in pts:  # the size check comes before any table is built
        check_size(count_coeffs(n, order), p.size)
    dtype = _points_dtype(pts)
    # this seeding's own identity; float jets of order > 4 are scaled (sigma_i =
    # 2**m_i, docs/theory.md "Magnitudes"): they carry f(x0 + sigma t)
    # (n, order) are normalized already: the cached space directly
    S = _cached_space(n, order).seeded(scale_for(order, n) if dtype.kind in "fc" else None)
    if track_error and dtype.kind not in "iufc":
        raise TypeError(
            "track_error=True needs float or complex points: exact (Fraction) "
            "jets have no rounding error to track"
        )
    out = []
    for i, p in enumerate(pts):
        sub = S.subspace((i,))
        c = B.zeros((sub.offsets[min(sub.degree, 1) + 1],) + p.shape, dtype=dtype)
        c[0] = p
        if c.shape[0] > 1:
            # the seed sigma_i e_i; for object dtype keep the points' own number type
            c[1] = (
                p.flat[0] ** 0
                if dtype.kind == "O" and p.size
                else 2.0 ** (S.scale[i] if S.scale else 0)
            )
            if dtype.kind in "fc" and np.isnan(p).any():
                c[1] = np.where(np.isnan(p), np.nan, c[1])  # nan poisoning, as engine.finish
        out.append(Jet._wrap(S, c, (i,), _seed_error(S, i, p) if track_error else None))
    return tuple(out)


#: (n, order) -> (space, scale, seeded, ((sigma_i, vars_i), ...)) of the fast path below
_FLOAT_PLANS = {}
_new = object.__new__


def _seed_jet(S, c, vs):
    """The seed jet of the fast paths below: `c` (its own new array) made read-only
    and stored as is (the general path's Jet._wrap checks what the plan guarantees)."""
    c.flags.writeable = False
    jet = _new(Jet)
    jet._space = S
    jet._coeffs = c
    jet._vars = vs
    jet._err = None
    return jet


def _seed_plan(n, order):
    """The cached plan of the fast seeding paths for n variables and an int order:
    (space, scale, whether seeds carry a degree-1 row, ((sigma_i, vars_i), ...)),
    or None for n = 0; a bad order raises here as in the general path."""
    plan = _FLOAT_PLANS.get((n, order))
    if plan is None and n:
        nn, norder = normalize_order(n, order)
        check_size(count_coeffs(nn, norder), 1)
        base = _cached_space(nn, norder)
        scale = scale_for(norder, nn)
        sub = base.subspace((0,))
        rows = sub.offsets[min(sub.degree, 1) + 1]
        sigma = tuple(2.0 ** (scale[i] if scale else 0) for i in range(n))
        varsets = tuple((i,) for i in range(n)) if n > 1 else (None,)
        plan = _FLOAT_PLANS[(n, order)] = (
            base,
            scale,
            rows == 2,
            tuple(zip(sigma, varsets, strict=True)),
        )
    return plan


def _float_seeds(points, order):
    """variables(points, order) for n Python floats (or 0-d float64 arrays) and an
    int order (single-point calls: the W3 latency), or None for anything else.

    The same jets as the general path below (tests/test_fast_paths.py compares
    them bit for bit): one cached plan per (n, order), then per call a new
    seeding and n arrays (x0, sigma_i), the seed sigma_i nan at a nan point."""
    plan = _FLOAT_PLANS.get((len(points), order))
    if plan is None:
        for p in points:
            if type(p) is not float and not (
                type(p) is np.ndarray and p.ndim == 0 and p.dtype == np.float64
            ):
                return None
        plan = _seed_plan(len(points), order)
        if plan is None:
            return None
    base, scale, seeded, per = plan
    S = base.seeded(scale)
    out = []
    for p, (sigma, vs) in zip(points, per, strict=True):
        if type(p) is not float:
            if not (type(p) is np.ndarray and p.ndim == 0 and p.dtype == np.float64):
                return None
            p = float(p)
        c = np.array((p, sigma if p == p else p) if seeded else (p,))
        out.append(_seed_jet(S, c, vs))
    return tuple(out)


#: (n, order) -> (space, scale, degree-1 rows, sigma, has) of _seeded_stack, or None
_STACK_PLANS = {}


def _seeded_stack(x, order):
    """``stack(variables(list(x), order))`` for a float64 ndarray x of shape (n, *batch),
    n >= 2, without nan and with at least one point, or None for anything else (the caller
    then takes that path).  The caller has applied the size check.

    The same jet, bit for bit (tests/test_api_latency.py): coefficients (L, n, *batch)
    with L = 1 + the variables of cap >= 1, row 0 the points, row index[e_i] of column i
    the seed sigma_i.  It also knows its rows: ``X[i]`` for an int i returns the jet the
    general indexing would give (Jet.__getitem__ then _compact: the value and the seed,
    variables (i,); value only, variables (), for a variable of cap 0) without building
    the (L, *batch) slice and compacting it.  A nan point takes the general path, whose
    stack poisons every coefficient of the point."""
    if (
        type(x) is not np.ndarray
        or (type(order) is not int and type(order) is not tuple)
        or x.dtype != np.float64
        or x.ndim == 0
        or x.shape[0] < 2
        or x.size == 0
    ):
        return None
    n = x.shape[0]
    plan = _STACK_PLANS.get((n, order))
    if plan is None:
        nn, norder = normalize_order(n, order)
        base = _cached_space(nn, norder)
        scale = scale_for(norder, nn)
        units = [tuple(int(i == j) for j in range(n)) for i in range(n)]
        has = tuple(u in base.index for u in units)
        sigma = np.array([2.0 ** (scale[i] if scale else 0) for i in range(n)])
        cols = [i for i in range(n) if has[i]]
        # the degree-1 rows (L - 1, n): the seed sigma_i at row index[e_i] of column i
        lin = np.zeros((len(cols), n))
        lin[[base.index[units[i]] - 1 for i in cols], cols] = sigma[cols]
        plan = (base, scale, _freeze(lin), _freeze(sigma), has) if cols else None
        _STACK_PLANS[(n, order)] = plan
    if plan is None or np.isnan(x).any():
        return None
    base, scale, lin, sigma, has = plan
    batch = x.shape[1:]
    tail = (1,) * len(batch)
    c = np.empty((1 + lin.shape[0], n) + batch)
    c[0] = x
    c[1:] = lin.reshape(lin.shape + tail)
    X = Jet._wrap(base.seeded(scale), c, None)
    X._seeds = [sigma, has, [None] * n, None]  # the rows, built on first use (_seed_row)
    return X


def _seed_row(X, seeds, i):
    """X[i] of a _seeded_stack X: the jet of variable i, built once per X: coefficients
    (2, *batch) = (x[i], sigma_i) and variables (i,), or for a variable of cap 0 (no
    seed row) the value alone (1, *batch) and variables (), as _compact gives them.  The
    first row asked for builds them all as one array R (n, 2, *batch), each R[i]
    contiguous (f mostly reads every variable)."""
    sigma, has, cache, R = seeds
    jet = cache[i]
    if jet is None:
        if R is None:
            c0 = X._coeffs[0]
            R = np.empty((len(cache), 2) + c0.shape[1:])
            R[:, 0] = c0
            R[:, 1] = sigma.reshape((-1,) + (1,) * (c0.ndim - 1))
            R.flags.writeable = False  # so are its views R[i], as _wrap would make them
            seeds[3] = R
        i %= len(cache)
        c = R[i] if has[i] else R[i, :1]
        jet = Jet.__new__(Jet)  # what _wrap would store (the shapes are known good)
        jet._space, jet._coeffs, jet._vars, jet._err = X._space, c, (i,) if has[i] else (), None
        cache[i] = jet
    return jet


def _array_seeds(points, order):
    """variables(points, order) for a float64 ndarray of shape (n, *batch), n >= 1 and
    batch not empty, with an int order; None for anything else.  The same jets as the
    general path below, bit for bit (tests/test_fast_paths.py): per variable
    (x_i, sigma_i) as an array (2, *batch) (the value alone at order 0), the seed nan
    at nan points, after the same size check; the plan of _seed_plan."""
    if points.dtype != np.float64 or points.ndim < 2 or points.shape[0] == 0:
        return None
    base, scale, seeded, per = _seed_plan(points.shape[0], order)
    batch = points.shape[1:]
    check_size(base.ncoeffs, prod(batch))
    S = base.seeded(scale)
    out = []
    for p, (sigma, vs) in zip(points, per, strict=True):
        c = np.empty((2 if seeded else 1,) + batch)
        c[0] = p
        if seeded:
            c[1] = sigma
            nan = np.isnan(p)
            if nan.any():
                c[1][nan] = np.nan  # nan poisoning, as engine.finish
        out.append(_seed_jet(S, c, vs))
    return tuple(out)


def _foreign_variables(pts, order, track_error):
    """variables() for torch tensors / cupy arrays (all of one library and
    device, else TypeError naming both): the seeds' coefficients are arrays of
    that library on that device, of the points' float dtype (ints: float64)."""
    B.check_same(*pts)  # numbers go with any library; arrays must agree
    like = next(p for p in pts if B.is_foreign(p))
    pts = [B.to_like(p, like) if not B.is_foreign(p) else p for p in pts]
    if track_error:
        raise TypeError(
            f"track_error=True is numpy-only, not available for {B.library(like)} "
            f"arrays: convert the points to numpy"
        )
    n, order = normalize_order(len(pts), order)
    for p in pts:
        check_size(count_coeffs(n, order), prod(p.shape))
    dtype = _points_dtype(pts)
    S = _cached_space(n, order).seeded(scale_for(order, n))
    out = []
    for i, p in enumerate(pts):
        sub = S.subspace((i,))
        c = B.zeros_as((sub.offsets[min(sub.degree, 1) + 1],) + tuple(p.shape), dtype, like)
        c[0] = p
        if c.shape[0] > 1:
            c[1] = 2.0 ** (S.scale[i] if S.scale else 0)
        out.append(Jet._wrap(S, c, (i,)))
    return tuple(out)


def _seed_error(S, i, p):
    """(M, E) of the seeded variable i at the exact points p: M = |p| + e_i, E = 0."""
    M = np.zeros((S.ncoeffs,) + p.shape)
    M[0] = np.abs(p)
    unit = tuple(int(j == i) for j in range(S.nvars))
    if unit in S.index:
        M[S.index[unit]] = 2.0 ** (S.scale[i] if S.scale else 0)  # the seed sigma_i
    return M, np.zeros(M.shape)


def variable(x0, order, track_error=False):
    """Seed one variable x = x0 + e of the given order; x0 a scalar or array.

    ``order`` is an int k or a 1-tuple (k,).  Returns a Jet of shape x0.shape.
    ``track_error=True``: see :func:`variables`.

    >>> import jets
    >>> t = jets.variable(4.0, order=3)
    >>> (t**3).derivatives()
    array([64., 48., 24.,  6.])
    """
    if isinstance(order, (tuple, list)) and len(order) != 1:
        raise ValueError(
            f"variable() seeds one variable, so order must be an int or a "
            f"1-tuple, got {tuple(order)!r}: use jets.variables for several"
        )
    return variables([x0], order, track_error)[0]


def constant(value, like):
    """The constant jet `value` (no derivatives) in the space of the jet `like`."""
    if not isinstance(like, Jet):
        raise TypeError("constant(value, like) needs a Jet as `like`")
    return Jet._wrap(like.space, constant_like(like.space, value), ())
