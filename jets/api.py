"""Functional derivative API: the derivatives of ``f`` at arrays of points, in one call.

Each function here seeds the jet for you, calls ``f`` once on a jet array
holding every point, and reads the requested derivatives off the result.
Shapes follow ``scipy.differentiate``:

* functions of one variable map an array elementwise; ``x`` has any shape and
  results have the shape of ``x`` (with a leading ``order + 1`` axis for
  :func:`derivatives` / :func:`taylor`);
* functions of n variables get ``x`` of shape ``(n, *batch)``, are called with
  a jet array of that shape (so ``x[0]`` and ``np.sum(x**2, axis=0)`` work) and
  return ``(*batch)`` (scalar function), ``(m, *batch)`` or a sequence of m
  jets (vector function).  Output axes of ``f`` come first, then the
  derivative axes, then the batch: ``jacobian`` is ``(m, n, *batch)``.

The jet ``f`` receives is the smallest index set that holds what was asked
(counted with ``count_coeffs`` of :mod:`jets.space`): per-variable caps ``alpha``
for one partial, total degree 2 for a Hessian, total degree k for a k-th
derivative tensor.  Unlike ``scipy.differentiate``, ``order`` here is the
truncation order of the Taylor expansion, not a finite-difference accuracy:
every result is exact up to rounding.

Every function takes ``error=False``.  With ``error=True`` the jets are seeded
with ``track_error=True`` and the function returns ``(result, error)``: the
estimated absolute rounding error of every entry of the result (a derivative,
so the coefficient's error times alpha!), an array (or dict) of the same shape
(docs/theory.md, "Error estimates").

Every function also takes ``x`` (and the directions ``v``) as a dask array and returns dask
arrays, lazily, one task per chunk of points: the batch axes keep ``x``'s chunks, the
variable axis is rechunked into one chunk, new axes are one chunk each; the results equal
the numpy ones (jets.chunked, docs/scale.md).
"""

import numbers
from functools import lru_cache
from math import factorial, prod

import numpy as np

from . import backend as B
from . import jit as _jit
from . import slots as _slots
from . import sparse as _sparse
from .jet import Jet, _seeded_stack, variable, variables
from .kernels import embed
from .numpy_api import stack
from .space import check_size, count_coeffs
from .space import space as _get_space

__all__ = [
    "derivative",
    "derivatives",
    "taylor",
    "partial",
    "partials",
    "gradient",
    "jacobian",
    "hessian",
    "derivative_tensor",
]


# ------------------------------------------------------------- dask points
def _dask(x):
    """True for a dask array of points (a type check: dask is never imported here); the
    functions below then return lazy dask arrays from jets.chunked."""
    return type(x).__module__[:4] == "dask"


def _chunked(fn, f, x, *args, **kwargs):
    """fn over the chunks of dask points (jets.chunked.apply), lazily."""
    from . import chunked

    return chunked.apply(fn, f, x, *args, **kwargs)


# ---------------------------------------------------------------- validation
def _check_callable(f):
    if not callable(f):
        raise TypeError(f"`f` must be callable, got {_describe(f)}")


def _check_count(value, name):
    """A non-negative Python int from `value`, or ValueError/TypeError naming `name`
    (a 0-d integer array such as np.array(3) is the integer it holds)."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"`{name}` must be a non-negative integer, got the bool {value!r}")
    if isinstance(value, (float, np.floating)):
        hint = f": write {int(value)}" if float(value).is_integer() else ""
        raise TypeError(f"`{name}` must be a non-negative integer, got the float {value!r}{hint}")
    if not isinstance(value, (int, np.integer)):
        raise TypeError(f"`{name}` must be a non-negative integer, got {_describe(value)}")
    if value < 0:
        raise ValueError(f"`{name}` must be a non-negative integer, got {int(value)}")
    return int(value)


def _check_order(order, n, name="order"):
    """`order` as an int (total degree) or a tuple of n per-variable caps."""
    if isinstance(order, (tuple, list)) or isinstance(order, np.ndarray) and order.ndim:
        caps = tuple(order.tolist() if isinstance(order, np.ndarray) else order)
        if len(caps) != n:
            raise ValueError(
                f"`{name}` {caps!r} has {len(caps)} per-variable caps, but `x` holds {n} "
                f"variable(s): give one cap per variable, or an int for total degree"
            )
        return tuple(_check_count(c, f"{name}[{i}]") for i, c in enumerate(caps))
    return _check_count(order, name)


def _check_alpha(alpha, n, shape):
    """`alpha` as a tuple of n non-negative ints (an int is accepted when n == 1)."""
    if isinstance(alpha, (int, np.integer)) and not isinstance(alpha, (bool, np.bool_)):
        alpha = (alpha,)
    if isinstance(alpha, np.ndarray):
        alpha = alpha.tolist()
    if not isinstance(alpha, (tuple, list)):
        raise TypeError(
            f"`alpha` must be a tuple of {n} non-negative integers (one exponent "
            f"per variable), got {_describe(alpha)}"
        )
    if len(alpha) != n:
        raise ValueError(
            f"`alpha` {tuple(alpha)!r} has {len(alpha)} entries, but `x` has shape {shape}, "
            f"i.e. {n} variable(s) along its first axis: give one exponent per variable, "
            f"and x of shape (n, *batch) with one row per variable"
        )
    return tuple(_check_count(a, f"alpha[{i}]") for i, a in enumerate(alpha))


def _points(x, several):
    """`x` as a numeric ndarray; for functions of several variables, shape (n, *batch).

    A list or tuple of rows is broadcast first, so ``[xs, 3.0]`` is accepted.
    """
    if several and (type(x) is list or type(x) is tuple) and x and all(type(e) is float for e in x):
        return np.array(x)  # n Python floats, one point: what the rows below give
    if isinstance(x, Jet):
        raise TypeError(
            "`x` must hold plain numbers, not a Jet: the functions of "
            "jets.api seed the jet themselves; pass x.value, or use the "
            "jet's own methods (.partial, .gradient, ...)"
        )
    if isinstance(x, np.ma.MaskedArray):
        raise TypeError(
            "`x` is a numpy masked array: jets would drop its mask. Pass "
            "x.filled(value) to keep every point, or x.compressed() for the "
            "unmasked ones"
        )
    if B.is_foreign(x):  # a torch tensor or cupy array: results stay in its library
        if B.kind(x.dtype) not in "iufc":
            raise TypeError(f"`x` must hold numbers, got an array of dtype {x.dtype}")
        if several and (x.ndim == 0 or x.shape[0] == 0):
            raise ValueError(
                f"`x` must have shape (n, *batch), one row per variable, got {tuple(x.shape)}"
            )
        return x
    if several and isinstance(x, (list, tuple)):
        if len(x) == 0:
            raise ValueError("`x` is empty: give one row per variable, shape (n, *batch)")
        rows = [_points(r, False) for r in x]
        try:
            rows = np.broadcast_arrays(*rows)
        except ValueError:
            raise ValueError(
                f"the rows of `x` have shapes {[r.shape for r in rows]}, which "
                f"do not broadcast to one batch shape"
            ) from None
        arr = np.stack(rows)
    else:
        if isinstance(x, (list, tuple)) and any(isinstance(e, Jet) for e in x):
            raise TypeError("`x` must hold plain numbers, not jets")
        try:
            arr = np.asarray(x)
        except ValueError as e:
            raise ValueError(f"`x` is not a rectangular array of numbers: {e}") from None
    kind = arr.dtype.kind
    # (object arrays, e.g. of Fractions, are evaluated element by element by numpy
    # itself, so checking their elements here adds no loop of a different order)
    if kind == "b":
        raise TypeError("`x` must hold numbers, got booleans (dtype bool)")
    if kind not in "iufcO":
        raise TypeError(f"`x` must hold numbers, got an array of dtype {arr.dtype}")
    if kind == "O":
        from decimal import Decimal

        for e in arr.flat:
            if isinstance(e, Jet):
                raise TypeError("`x` must hold plain numbers, not jets")
            if isinstance(e, Decimal):
                raise TypeError(
                    "`x` holds decimal.Decimal numbers, which numpy cannot "
                    "compute with: convert with float(d), or fractions.Fraction(d) "
                    "for exact arithmetic"
                )
            if not isinstance(e, numbers.Number) or isinstance(e, bool):
                raise TypeError(f"`x` must hold numbers, got an element that is {_describe(e)}")
    if several:
        if arr.ndim == 0:
            raise ValueError(
                "`x` must have shape (n, *batch), one row per variable, got a scalar: for a "
                "function of one variable use jets.derivative, or pass x=[x0]"
            )
        if arr.shape[0] == 0:
            raise ValueError(
                f"`x` has shape {arr.shape}: it needs at least one variable along its first axis"
            )
    return arr


def _describe(obj):
    """What an object is, for error messages: "a str ('abc')", "None", ..."""
    if obj is None:
        return "None"
    if isinstance(obj, (bool, np.bool_)):
        return f"the bool {bool(obj)}"
    if isinstance(obj, np.ndarray):
        return f"an ndarray of shape {obj.shape} and dtype {obj.dtype}"
    name = type(obj).__name__
    text = repr(obj)
    if len(text) > 60:
        text = text[:57] + "..."
    article = "an" if name[:1].lower() in "aeiou" else "a"
    return f"{article} {name} ({text})"


def _cheapest(n, candidates):
    """The candidate order with the fewest coefficients (ties: the first, which
    callers make the total degree: for one variable both are the same set)."""
    return min(candidates, key=lambda order: count_coeffs(n, order))


# ------------------------------------------------------------------ seeding
def _seed(x, order, several, error=False, slots=True):
    """The jet array f receives: x + e, shape x.shape, in space (n, order).

    Float64 points of SLOT_MIN_VARS or more variables and an int order (untracked)
    give a ``jets.slots.SlotJet`` (slots=True), the stack whose items each keep their
    own variable: f's elementwise work then costs a few variables per element.

    Seeded by the engine's own ``variables`` (and ``stack`` for several), so
    the jets carry whatever compact form the engine gives fresh variables; float64
    points without nan (untracked) get that very jet from ``jet._seeded_stack``, built
    directly, whose ``X[i]`` returns variable i's seed jet without slicing the stack.
    """
    n = x.shape[0] if several else 1
    if B.is_foreign(x):
        check_size(_get_space(n, order).ncoeffs, max(prod(x.shape), 1))
        if not several:
            return variable(x, order, track_error=error)
        return _foreign_stack(variables(list(x), order, track_error=error))
    if several and slots and not error:
        X = _slots.seed_stack(x, order)  # n >= SLOT_MIN_VARS: per-element variable sets
        if X is not None:
            return X
    check_size(_get_space(n, order).ncoeffs, max(x.size, 1))
    if not several:
        return variable(x, order, track_error=error)
    X = None if error else _seeded_stack(x, order)  # float64 points: the same jet, directly
    return X if X is not None else stack(variables(list(x), order, track_error=error))


def _foreign_stack(jets):
    """stack() of freshly seeded torch/cupy jets (one seeding, degree <= 1):
    their coefficients embedded in the whole space, stacked on axis 1."""
    S = jets[0].space
    n = max(j._coeffs.shape[0] for j in jets)
    full = S.offsets[S.top_degree[n] + 1] if len(jets) == 1 else S.offsets[min(S.degree, 1) + 1]
    cs = []
    for j in jets:
        c = embed(S, j._coeffs, j._vars, None)
        if c.shape[0] < full:
            pad = B.zeros_as((full,) + tuple(c.shape[1:]), c.dtype, c)
            pad[: c.shape[0]] = c
            c = pad
        cs.append(c)
    return Jet._wrap(S, B.namespace(cs[0]).stack(cs, axis=1), None)


def _evaluate(f, x, order, several, error=False):
    """Call f once on the seeded jet array; return (space, coefficients, output
    ndim, errors).

    Coefficients have shape (ncoeffs, *out, *batch) where batch is x.shape
    (one variable) or x.shape[1:] (several); errors (error=True: the jets are
    seeded with track_error) the estimated absolute errors of the same shape,
    else None.
    """
    X = _seed(x, order, several, error, not isinstance(f, _jit.Jitted))
    batch = x.shape[1:] if several else x.shape
    out = f(X)
    c = _collect(out, X.space, batch, out, ())
    e = _collect(out, X.space, batch, out, (), True) if error else None
    return X.space, c, c.ndim - 1 - len(batch), e


#: a jets.jit function of at least this many variables runs the api's several-variable
#: functions through its sparse plan (docs/jit.md "Many variables"): its dense kernel
#: writes out every coefficient each element can hold and compiles for seconds (n = 20)
#: to minutes (n = 50), while the plan is recorded in milliseconds
JIT_SPARSE_MIN_VARS = 8
_NO_PLAN = object()


def _plan(f, x, k, error, axis, sparse):
    """The SparsePlan to evaluate f with, or None for the dense path.

    sparse=True: always a plan (or the error saying why not).  A jets.jit function
    keeps its plans, one per (x.shape, k), so later calls only evaluate; without
    sparse=True one of JIT_SPARSE_MIN_VARS or more variables (numpy points, no error
    tracking, axis 0) takes its plan when f records on the sparse tracer, and the
    dense path (which raises f's own errors) when it does not."""
    jitted = isinstance(f, _jit.Jitted)
    if not _check_sparse(sparse):
        if not (
            jitted
            and not error
            and axis == 0
            and type(x) is np.ndarray
            and x.ndim >= 1
            and x.shape[0] >= JIT_SPARSE_MIN_VARS
            and x.dtype.kind in "iufc"
            and isinstance(k, int)
        ):
            return None
        key = ("auto", x.shape, k)
    else:
        if not jitted:
            return _sparse_plan(f, x, k, error, axis)
        if x.dtype.kind not in "iufc":
            return _sparse_plan(f.f, x, k, error, axis)  # the error that says why
        _sparse_plan(None, x, k, error, axis)  # its checks: every call
        key = ("sparse", x.shape, k)
    plan = f._plans.get(key, _NO_PLAN)
    if plan is _NO_PLAN:
        if key[0] == "sparse":
            plan = _sparse_plan(f.f, x, k, error, axis)
        else:
            try:
                plan = _EagerEdges(_sparse.plan_for(f.f, x, k), f.f, k)
            except Exception:  # noqa: BLE001 - not recordable sparsely: the dense path
                plan = None
        f._plans[key] = plan
    return plan


class _EagerEdges:
    """A SparsePlan taken without sparse=True, whose points with an infinite or nan
    coordinate are recomputed eagerly (f on the jets of _evaluate: from
    SLOT_MIN_VARS variables on a jets.slots.SlotJet), so that they hold what eager
    jets gives there (the plan handles 0 * inf in its local spaces otherwise than
    eager jets do).  Other points: the plan's."""

    def __init__(self, plan, f, k):
        self.plan, self.f, self.k = plan, f, k
        self.space, self.out_item = plan.space, plan.out_item

    def _edges(self, x):
        bad = ~np.isfinite(x).all(axis=0)
        return bad if bad.any() else None

    def _dense(self, x, bad):
        """(space, stored coefficients, output ndim) of eager jets at x's bad points."""
        S, c, mdim, _ = _evaluate(self.f, x[:, bad], self.k, True)
        return S, c, mdim

    def coefficients(self, x):
        c = self.plan.coefficients(x)
        bad = self._edges(x)
        if bad is not None:
            S, cb, _ = self._dense(x, bad)
            c = np.array(c, dtype=np.result_type(c, cb))
            c[(Ellipsis, bad)] = S.to_true(cb)  # the plan's space is not scaled
        return c

    def tensor(self, x):
        T = self.plan.tensor(x)
        bad = self._edges(x) if T is not None else None
        if bad is not None:
            S, cb, mdim = self._dense(x, bad)
            T = np.array(T, dtype=np.result_type(T, cb))
            T[(Ellipsis, bad)] = _tensor(S, cb, self.k, mdim)
        return T


def _sparse_plan(f, x, k, error, axis):
    """f recorded on a traced x for sparse=True (jets.sparse.SparsePlan)."""
    if error:
        raise ValueError("sparse=True does not track errors: use error=False, or sparse=False")
    if axis != 0:
        raise ValueError(
            f"sparse=True needs x of shape (n, *batch) (axis=0), got axis={axis}: "
            f"move the variable axis first (np.moveaxis(x, {axis}, 0)) or use sparse=False"
        )
    return _sparse.plan_for(f, x, k) if f is not None else None


def _check_sparse(sparse):
    if not isinstance(sparse, (bool, np.bool_)):
        raise TypeError(f"sparse must be True or False, got {sparse!r}")
    return bool(sparse)


def _result(get, c, e):
    """get(c), or (get(c), get(e)) when errors were tracked: the extraction
    (picking coefficients, scaling by alpha!) applies to the errors alike."""
    return get(c) if e is None else (get(c), get(e))


def _check_error(error):
    if not isinstance(error, (bool, np.bool_)):
        raise TypeError(f"error must be True or False, got {error!r}")
    return bool(error)


def _bad_return(top, path, what, extra=""):
    """TypeError for a bad return value; `path` locates it inside a returned sequence."""
    if path:
        where = "".join(f"[{i}]" for i in path)
        lead = f"it returned a {type(top).__name__} whose item {where} is {what}"
    else:
        lead = f"it returned {what}"
    return TypeError(
        f"`f` must return a jet, a number, an array, or a list/tuple of those; {lead}{extra}"
    )


def _collect(out, S, batch, top, path, err=False):
    """Coefficients (ncoeffs, *m, *batch) of what f returned, constants lifted into S
    (err=True: their error estimates instead; constants and untracked jets exact)."""
    if isinstance(out, Jet):
        if out._space is not S and out._space != S:
            raise _bad_return(
                top,
                path,
                f"a jet of {out.space.describe()}",
                f", but `x` was seeded as {S.describe()}: compute with the jet "
                f"array f receives instead of seeding new variables",
            )
        if out.space is not S and out._vars != ():
            raise TypeError(
                "`f` returned a jet seeded separately from the jets it received (by "
                "jets.variable/jets.variables or a nested jets.derivative inside f): its "
                "derivatives are with respect to another variable, not x. Compute with the "
                "jet array f receives; for derivatives of a derivative use a higher order "
                "(jets.derivatives(f, x, 2)) or jets.partials with several variables"
            )
        # the STORED coefficients (and errors) of the seeding: the readers below
        # convert them (_scales, _true), also where a! or c[a] alone is not a float
        c = (
            out._stored_full()
            if not err
            else out._stored_error()
            if out._err is not None
            else np.zeros(out._stored_full().shape)
        )
        return _fit(_full(S, c), out.shape, batch, True, top, path)
    if (
        isinstance(out, np.ndarray)
        and out.dtype == object
        and out.ndim > 0
        and any(isinstance(e, Jet) for e in out.flat)
    ):
        out = list(out)
    if isinstance(out, (list, tuple)):
        if len(out) == 0:
            raise _bad_return(top, path, f"an empty {type(out).__name__}")
        parts = [_collect(o, S, batch, top, path + (i,), err) for i, o in enumerate(out)]
        shapes = [p.shape[1:] for p in parts]
        if len(set(shapes)) > 1:
            raise ValueError(
                f"`f` returned a {type(out).__name__} whose items have different shapes "
                f"{shapes}: every item must have shape (*batch) = {batch}, or all the same "
                f"shape (k, *batch)"
            )
        if B.is_foreign(parts[0]):
            return B.namespace(parts[0]).stack(parts, axis=1)
        return np.stack(parts, axis=1)
    if (
        isinstance(out, (str, bytes))
        or out is None
        or not isinstance(out, (numbers.Number, np.ndarray, np.generic))
    ):
        raise _bad_return(top, path, _describe(out))
    arr = np.asarray(out)
    if arr.dtype.kind == "b":
        raise _bad_return(
            top,
            path,
            _describe(out),
            "; booleans (a comparison) have no derivatives: return a number-"
            "valued jet, e.g. jets.where(cond, a, b) to select",
        )
    if arr.dtype.kind not in "iufcO":
        raise _bad_return(top, path, f"an array of dtype {arr.dtype}")
    if arr.dtype.kind == "O":
        for e in arr.flat:
            if not isinstance(e, numbers.Number) or isinstance(e, bool):
                raise _bad_return(top, path, f"an object array holding {_describe(e)}")
    c = np.zeros((1,) + arr.shape) if err else arr[None]
    return _fit(_full(S, c), arr.shape, batch, False, top, path)


def _full(S, c):
    """Coefficients c padded with zero rows to all S.ncoeffs (constants and short
    prefixes of the graded order hold only their low degrees)."""
    if c.shape[0] == S.ncoeffs:
        return c
    out = B.zeros_as((S.ncoeffs,) + tuple(c.shape[1:]), B.result_dtype(c), c)
    out[: c.shape[0]] = c
    return out


def _fit(c, shape, batch, is_jet, top, path):
    """Check or broadcast coefficients c of shape (ncoeffs, *shape) to (ncoeffs, *m, *batch)."""
    nb = len(batch)
    if len(shape) >= nb and tuple(shape[len(shape) - nb :]) == tuple(batch):
        return c
    if is_jet:
        where = "" if not path else f" (item {''.join(f'[{i}]' for i in path)})"
        raise ValueError(
            f"`f` returned a jet of shape {shape}{where}, which does not end with the batch "
            f"shape {batch} of the points: f must act pointwise and return shape (*batch) "
            f"or (m, *batch). Did it reduce over the points (np.sum(x) instead of "
            f"np.sum(x, axis=0))?"
        )
    # A constant is the same at every point: its own axes become output axes.
    full = (c.shape[0],) + tuple(shape) + tuple(batch)
    return np.broadcast_to(c.reshape(c.shape + (1,) * nb), full)


# ------------------------------------------------------------- extraction
def _col(v, ndim):
    return np.asarray(v).reshape((-1,) + (1,) * (ndim - 1))


def _derivs(S, c, idx):
    """Partials alpha! c[alpha] of the coefficient indices idx from the STORED
    coefficients c (ncoeffs, ...) of the seeding S: exact ints for object
    dtype; else stored * (alpha! / sigma**|alpha|) (JetSpace.to_derivatives).
    idx None: every row (no gather)."""
    if idx is None:
        if type(c) is np.ndarray and c.dtype.kind in "fc":
            return S.to_derivatives(c)
        idx = np.arange(S.ncoeffs)
    idx = np.asarray(idx, dtype=np.intp)
    if c.dtype == object:
        f = np.array([prod(factorial(int(a)) for a in S.monomials[i]) for i in idx], dtype=object)
        return c[idx] * _col(f, c.ndim)
    if B.is_foreign(c):
        return S.to_derivatives(c[B.index(idx, c, cache=False)], idx)
    if c.dtype.kind not in "fc":
        c = c.astype(float)
    return S.to_derivatives(c[idx], idx)


def _true(S, c):
    """The true Taylor coefficients from the STORED ones c (ncoeffs, ...) of S."""
    if B.is_foreign(c):
        return S.to_true(c) * 1
    return np.array(S.to_true(c)) if c.dtype.kind in "fc" else np.array(c)


def _moveaxis(a, src, dst):
    """np.moveaxis, in a's library for torch/cupy results (a itself when nothing moves)."""
    if src == dst:
        return a
    if B.is_foreign(a):
        src = tuple(src) if isinstance(src, list) else src
        dst = tuple(dst) if isinstance(dst, list) else dst
        return B.namespace(a).moveaxis(a, src, dst)
    return np.moveaxis(a, src, dst)


def _own(a):
    """A result array of its own (np.array: a copy), in a's library."""
    return a * 1 if B.is_foreign(a) else np.array(a)


def _pick(S, c, alphas):
    """Partials d^alpha for a list of alphas: shape (len(alphas), *c.shape[1:])."""
    return _derivs(S, c, [S.index[a] for a in alphas])


@lru_cache(maxsize=64)
def _units(n):
    """The n unit exponents e_i, cached (a tuple of tuples: read only)."""
    return tuple(tuple(int(i == j) for j in range(n)) for i in range(n))


@lru_cache(maxsize=64)
def _index_items(n, order):
    """space(n, order).index.items() as a tuple, cached: (alpha, row) in graded order
    (the index of a total-degree space computes each row from alpha)."""
    return tuple(_get_space(n, order).index.items())


@lru_cache(maxsize=64)
def _tensor_rank(n, order, k):
    """For every index tuple (i1, ..., ik) in C order, the rank of its monomial
    within the degree-k block of space(n, order), shape (n**k,), read-only."""
    S = _get_space(n, order)
    grid = np.sort(np.indices((n,) * k).reshape(k, -1).T, axis=1)  # (n**k, k) index lists
    if S._dense:  # caps, or n <= k: look the exponent rows up
        counts = (grid[:, :, None] == np.arange(n)).sum(axis=1)
        rank = S._lookup(counts, k) - int(S.offsets[k])
    else:
        rank = S._rank_rows(grid, k)
    rank = np.asarray(rank, dtype=np.intp)
    rank.flags.writeable = False
    return rank


def _tensor(S, c, k, mdim):
    """Symmetric k-th derivative tensor: (*m, n, ..., n, *batch) with k axes of size n."""
    n = S.nvars
    if B.is_foreign(c):
        return _foreign_tensor(S, c, k, mdim)
    if k == 0:
        return np.array(c[0])
    check_size(n**k, max(prod(c.shape[1:]), 1), "derivative tensor")
    if type(c) is np.ndarray and c.dtype == np.float64 and S.scale is None and S.degree <= 20:
        # unscaled float64 (a! exact): the degree-k block (a slice, no gather) times a!, as
        # S.to_derivatives computes it, then each index tuple's entry
        blk = S.block(k)
        vals = c[blk] * S.factorials[blk].reshape((-1,) + (1,) * (c.ndim - 1))
        T = vals[_tensor_rank(n, S.order, k)].reshape((n,) * k + c.shape[1:])
        return T if mdim == 0 else np.moveaxis(T, tuple(range(k)), tuple(range(mdim, mdim + k)))
    # every k-th partial once (the degree-k block), then each index tuple's rank in it
    lo = int(S.offsets[k])
    vals = _derivs(S, c, np.arange(lo, int(S.offsets[k + 1])))
    T = vals[_tensor_rank(n, S.order, k)].reshape((n,) * k + c.shape[1:])
    return np.moveaxis(T, tuple(range(k)), tuple(range(mdim, mdim + k)))


def _foreign_tensor(S, c, k, mdim):
    """_tensor for torch/cupy coefficients (the same index work on the host)."""
    n = S.nvars
    if k == 0:
        return c[0]
    check_size(n**k, max(prod(c.shape[1:]), 1), "derivative tensor")
    grid = np.indices((n,) * k).reshape(k, -1).T
    counts = (grid[:, :, None] == np.arange(n)).sum(axis=1)
    uniq, inverse = np.unique(counts, axis=0, return_inverse=True)
    vals = _pick(S, c, [tuple(int(v) for v in row) for row in uniq])
    T = vals[B.index(np.ravel(inverse), c, cache=False)].reshape((n,) * k + tuple(c.shape[1:]))
    return B.namespace(T).moveaxis(T, tuple(range(k)), tuple(range(mdim, mdim + k)))


# ------------------------------------------------------- one variable
def derivative(f, x, n=1, *, error=False):
    """The n-th derivative of a function of one variable, at every point of `x`.

    Parameters
    ----------
    f : callable
        ``f(t)`` maps a jet array of the shape of `x` elementwise to a jet array
        of the same shape (or returns a sequence of m of them, or a constant).
    x : array_like
        Points, any shape (a scalar too).
    n : int, optional
        How many times to differentiate, ``n >= 0`` (0 gives ``f(x)``).  Default 1.

    error : bool, optional
        True: return ``(result, error)``, the error the estimated absolute
        rounding error of each entry (same shape).  Default False.

    Returns
    -------
    ndarray
        ``f^(n)(x)``, shape ``x.shape`` (``(m, *x.shape)`` for a vector f).

    Examples
    --------
    >>> import numpy as np, jets
    >>> [float(jets.derivative(lambda t: t**3, 4.0, n)) for n in (1, 2, 3)]
    [48.0, 24.0, 6.0]
    >>> jets.derivative(np.sin, np.zeros((2, 3)), 3).tolist()
    [[-1.0, -1.0, -1.0], [-1.0, -1.0, -1.0]]
    """
    if _dask(x):
        return _chunked(derivative, f, x, n, several=False, error=error)
    _check_callable(f)
    n = _check_count(n, "n")
    x = _points(x, False)
    S, c, _, e = _evaluate(f, x, n, False, _check_error(error))
    return _result(lambda c: _derivs(S, c, [n])[0], c, e)


def derivatives(f, x, order, *, error=False):
    """The derivatives ``f, f', ..., f^(order)`` of a function of one variable.

    Parameters
    ----------
    f : callable
        As for :func:`derivative`.
    x : array_like
        Points, any shape.
    order : int or 1-tuple
        Highest derivative, ``order >= 0``.

    error : bool, optional
        True: return ``(result, error)``, the error the estimated absolute
        rounding error of each entry (same shape).  Default False.

    Returns
    -------
    ndarray
        Shape ``(order + 1, *x.shape)``: entry ``k`` is ``f^(k)(x)``
        (``(order + 1, m, *x.shape)`` for a vector f).

    Examples
    --------
    >>> import jets
    >>> jets.derivatives(lambda t: t**3, 4.0, 4).tolist()
    [64.0, 48.0, 24.0, 6.0, 0.0]
    >>> jets.derivatives(lambda t: t**3, [1.0, 2.0], 2).tolist()
    [[1.0, 8.0], [3.0, 12.0], [6.0, 12.0]]
    """
    if _dask(x):
        return _chunked(derivatives, f, x, order, several=False, error=error)
    _check_callable(f)
    order = _check_order(order, 1)
    x = _points(x, False)
    S, c, _, e = _evaluate(f, x, order, False, _check_error(error))
    return _result(lambda c: _derivs(S, c, None), c, e)


def taylor(f, x, order, *, error=False):
    """Taylor coefficients ``f^(k)(x) / k!`` for ``k = 0..order``, one variable.

    ``f(x + h) = sum_k taylor(f, x, order)[k] * h**k + O(h**(order + 1))``.

    Parameters
    ----------
    f : callable
        As for :func:`derivative`.
    x : array_like
        Expansion points, any shape.
    order : int or 1-tuple
        Truncation order, ``order >= 0``.

    error : bool, optional
        True: return ``(result, error)``, the error the estimated absolute
        rounding error of each entry (same shape).  Default False.

    Returns
    -------
    ndarray
        Shape ``(order + 1, *x.shape)`` (``(order + 1, m, *x.shape)`` for a vector f).

    Examples
    --------
    >>> import jets
    >>> jets.taylor(lambda t: 1 / (1 - t), 0.0, 5).tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    >>> jets.taylor(lambda t: t**3, 4.0, 3).tolist()
    [64.0, 48.0, 12.0, 1.0]
    """
    if _dask(x):
        return _chunked(taylor, f, x, order, several=False, error=error)
    _check_callable(f)
    order = _check_order(order, 1)
    x = _points(x, False)
    S, c, _, e = _evaluate(f, x, order, False, _check_error(error))
    return _result(lambda c: _true(S, c), c, e)


# ------------------------------------------------------- several variables
# The variable axis (``axis=``): the functions below compute with the variables on axis 0
# (x0 = np.moveaxis(x, axis, 0)), call f with x's own layout, and put the derivative axes of
# each result where `axis` says (_place).
def _points_axis(x, axis):
    """(x0, axis): `x` as an ndarray with its variable axis moved first, and `axis` checked.

    ``axis=0`` is the historical path (a list of rows is broadcast, see _points); otherwise
    `x` is read as one array and `axis` must name one of its axes (numpy's AxisError)."""
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(
            f"`axis` must be an int (the axis of `x` that holds the variables), "
            f"got {_describe(axis)}"
        )
    axis = int(axis)
    if axis == 0:
        return _points(x, True), 0
    arr = _points(x, False)
    if arr.ndim == 0:
        raise ValueError(
            "`x` must have an axis of variables, got a scalar: for a function of "
            "one variable use jets.derivative, or pass x=[x0]"
        )
    if not -arr.ndim <= axis < arr.ndim:
        raise np.exceptions.AxisError(
            axis,
            arr.ndim,
            f"`axis` names the axis of `x` (shape {arr.shape}) that holds the variables",
        )
    x0 = np.moveaxis(arr, axis, 0)
    if x0.shape[0] == 0:
        raise ValueError(
            f"`x` has shape {arr.shape}: it needs at least one variable along axis {axis}"
        )
    return x0, axis


def _on_axis(f, axis, copies=False):
    """f called with the variables on `axis`: f0(X0) = f(X0 with axis 0 moved to `axis`).

    copies=True (hvp, laplacian: X0 is (n, n copies, *batch)): for axis != 0 the copies go
    to a new leading axis (so f's results are (copies, *batch), as _collect expects) and the
    variables to `axis` counted from the end (`axis` itself if negative)."""
    if axis == 0:
        return f
    if not copies:
        return lambda X: f(np.moveaxis(X, 0, axis))
    last = axis if axis < 0 else None

    def f_copies(X):
        # X (n, copies, *batch) -> (copies, ..., n at `axis` of x counted from the end)
        at = last if last is not None else axis - X.ndim + 1
        return f(np.moveaxis(np.moveaxis(X, 1, 0), 1, at))

    return f_copies


def _place(r, start, d, axis, nb):
    """Result r (*m, n^d, *batch) (start = len(m)) with its d derivative axes moved where the
    variable axis is in x: after `axis` batch axes (axis >= 0), or before -axis - 1 of
    them (axis < 0); nb = len(batch).  A tuple (result, error) is moved alike."""
    if isinstance(r, tuple):
        return tuple(_place(a, start, d, axis, nb) for a in r)
    p = axis if axis >= 0 else nb + 1 + axis
    if p == 0 or d == 0:
        return r
    src = list(range(start, start + d))
    return _moveaxis(r, src, [i + p for i in src])


def _vectors_axis(v, axis):
    """Directions `v` laid out like x (variables on `axis`) with their variables moved
    first; a 1-d v is one direction for every point, whatever `axis`."""
    if axis == 0:
        return v
    v = _points(v, False)
    if v.ndim <= 1:
        return v
    if not -v.ndim <= axis < v.ndim:
        raise np.exceptions.AxisError(
            axis, v.ndim, f"`axis` names the axis of `v` (shape {v.shape}) that holds the variables"
        )
    return np.moveaxis(v, axis, 0)


def partial(f, x, alpha, *, order=None, error=False, axis=0):
    """One mixed partial derivative ``d^alpha f`` of a function of n variables.

    By default ``f`` receives jets with per-variable caps ``alpha``: the
    smallest set of coefficients that holds ``alpha`` (for ``alpha = (2, 2)``:
    9 coefficients, against 15 for total degree 4).

    Parameters
    ----------
    f : callable
        ``f(x)`` gets a jet array of shape ``(n, *batch)`` and returns
        ``(*batch)``, ``(m, *batch)``, a sequence of m jets, or a constant.
    x : array_like
        Points, shape ``(n, *batch)``: row i holds variable i.
    alpha : tuple of n ints
        How many times to differentiate in each variable.
    order : int or tuple of n ints, optional
        Truncation to compute in (total degree or per-variable caps); must
        contain `alpha`.  Default: the cheaper of caps `alpha` and total
        degree ``sum(alpha)``, which is always caps `alpha`.

    error : bool, optional
        True: return ``(result, error)``, the error the estimated absolute
        rounding error of each entry (same shape).  Default False.

    axis : int, optional
        The axis of `x` that holds the variables: 0 (default, ``x`` of shape
        ``(n, *batch)``) or e.g. -1 for row-major points ``(*batch, n)``. ``f`` receives
        the jet array in the layout of `x` (write it with ``x[..., i]`` for ``axis=-1``).
        The result has no variable axis: its batch is `x`'s shape without `axis`.

    Returns
    -------
    ndarray
        Shape ``(*batch)`` (``(m, *batch)`` for a vector f).

    Examples
    --------
    >>> import jets
    >>> f = lambda x: (x[0] + 2 * x[1])**3
    >>> [float(jets.partial(f, [4.0, 3.0], a)) for a in [(2, 0), (1, 1), (0, 2)]]
    [60.0, 120.0, 240.0]
    >>> jets.partial(f, [[4.0, 0.0], [3.0, 1.0]], (1, 1)).tolist()
    [120.0, 24.0]
    """
    if _dask(x):
        return _chunked(partial, f, x, alpha, several=True, order=order, error=error, axis=axis)
    _check_callable(f)
    x, axis = _points_axis(x, axis)
    f = _on_axis(f, axis)
    n = x.shape[0]
    alpha = _check_alpha(alpha, n, x.shape)
    if order is None:
        order = _cheapest(n, [sum(alpha), alpha])
    else:
        order = _check_order(order, n)
        inside = (
            sum(alpha) <= order
            if isinstance(order, int)
            else all(a <= k for a, k in zip(alpha, order, strict=False))
        )
        if not inside:
            raise ValueError(
                f"`alpha` {alpha} is not carried by `order` {order!r}: use "
                f"order >= {sum(alpha)} or caps >= {alpha}, or leave order unset"
            )
    S, c, _, e = _evaluate(f, x, order, True, _check_error(error))
    return _result(lambda c: _pick(S, c, [alpha])[0], c, e)


def partials(f, x, order, *, error=False, axis=0, sparse=False):
    """Every partial derivative up to `order`, as a dict in graded order.

    Parameters
    ----------
    f : callable
        As for :func:`partial`.
    x : array_like
        Points, shape ``(n, *batch)``.
    order : int or tuple of n ints
        Total degree k (every ``alpha`` with ``sum(alpha) <= k``) or
        per-variable caps ``(k1, ..., kn)`` (every ``alpha`` with
        ``alpha[i] <= k[i]``).

    error : bool, optional
        True: return ``(result, error)``, the error the estimated absolute
        rounding error of each entry (same shape).  Default False.

    axis : int, optional
        The axis of `x` that holds the variables: 0 (default, ``x`` of shape
        ``(n, *batch)``) or e.g. -1 for row-major points ``(*batch, n)``. ``f`` receives
        the jet array in the layout of `x` (write it with ``x[..., i]`` for ``axis=-1``).
        The arrays have no variable axis: their batch is `x`'s shape without `axis`.

    sparse : bool, optional
        True: record ``f`` once on a traced ``x`` and evaluate every term in the
        space of the few variables it depends on (``jets.sparse``), as for
        :func:`hessian`; a total order (an int) only, ``axis=0``, ``error=False``.
        Default False.

    Returns
    -------
    dict
        ``{alpha: ndarray}``, alpha tuples in graded order (degree 0, 1, ...;
        within a degree the first exponent descending); each array has shape
        ``(*batch)`` (``(m, *batch)`` for a vector f).

    Examples
    --------
    >>> import jets
    >>> d = jets.partials(lambda x: x[0]**2 * x[1], [3.0, 2.0], 2)
    >>> {a: float(v) for a, v in d.items()}
    {(0, 0): 18.0, (1, 0): 12.0, (0, 1): 9.0, (2, 0): 4.0, (1, 1): 6.0, (0, 2): 0.0}
    >>> list(jets.partials(lambda x: x[0] * x[1], [3.0, 2.0], (1, 1)))
    [(0, 0), (1, 0), (0, 1), (1, 1)]
    """
    if _dask(x):
        return _chunked(partials, f, x, order, several=True, error=error, axis=axis)
    _check_callable(f)
    x, axis = _points_axis(x, axis)
    order = _check_order(order, x.shape[0])
    if _check_sparse(sparse) and isinstance(order, tuple):
        raise ValueError(
            f"sparse=True takes a total order (an int), got the caps {order}: "
            f"use order={max(order) if order else 0} or sparse=False"
        )
    plan = _plan(f, x, order, _check_error(error), axis, sparse)
    if plan is not None:
        S, c, e = plan.space, plan.coefficients(x), None
    else:
        S, c, _, e = _evaluate(_on_axis(f, axis), x, order, True, _check_error(error))

    def get(c):
        d = _derivs(S, c, None)  # every row: the same numbers as the rows arange(ncoeffs)
        return {alpha: d[i] for alpha, i in _index_items(S.nvars, S.order)}

    return _result(get, c, e)


def gradient(f, x, *, error=False, axis=0, sparse=False):
    """First partial derivatives of a function of n variables (total order 1).

    Parameters
    ----------
    f : callable
        As for :func:`partial`.
    x : array_like
        Points, shape ``(n, *batch)``.

    error : bool, optional
        True: return ``(result, error)``, the error the estimated absolute
        rounding error of each entry (same shape).  Default False.

    axis : int, optional
        The axis of `x` that holds the variables: 0 (default, ``x`` of shape
        ``(n, *batch)``) or e.g. -1 for row-major points ``(*batch, n)``. ``f`` receives
        the jet array in the layout of `x` (write it with ``x[..., i]`` for ``axis=-1``).
        The gradient axis takes the place of `axis`: with ``axis=-1`` and `x` of shape
        ``(B, n)`` the result is ``(B, n)`` (``(m, B, n)`` for a vector f).

    sparse : bool, optional
        True: record ``f`` once on a traced ``x`` and evaluate every term in the
        space of the few variables it depends on (``jets.sparse``): for a sum
        of terms such as the chained Rosenbrock function the cost grows with the
        terms, not with n**2 per operation.  ``f`` may use operators, ufuncs,
        indexing of the first axis and ``np.sum(..., axis=0)``, no control flow
        on values; needs ``axis=0`` and ``error=False``.  Default False.

    Returns
    -------
    ndarray
        Shape ``(n, *batch)``; for a vector f this is the Jacobian,
        ``(m, n, *batch)``.

    Examples
    --------
    >>> import numpy as np, jets
    >>> jets.gradient(lambda x: np.sum(x**2, axis=0), [1.0, 2.0, 3.0]).tolist()
    [2.0, 4.0, 6.0]
    """
    return jacobian(f, x, error=error, axis=axis, sparse=sparse)


def jacobian(f, x, *, error=False, axis=0, sparse=False):
    """Jacobian matrix of a vector function of n variables (total order 1).

    Parameters
    ----------
    f : callable
        As for :func:`partial`; returns ``(m, *batch)`` or a sequence of m jets.
    x : array_like
        Points, shape ``(n, *batch)``.

    error : bool, optional
        True: return ``(result, error)``, the error the estimated absolute
        rounding error of each entry (same shape).  Default False.

    axis : int, optional
        The axis of `x` that holds the variables: 0 (default, ``x`` of shape
        ``(n, *batch)``) or e.g. -1 for row-major points ``(*batch, n)``. ``f`` receives
        the jet array in the layout of `x` (write it with ``x[..., i]`` for ``axis=-1``).
        The derivative axis n takes the place of `axis` among the batch axes, output axes
        stay first: with ``axis=-1`` and `x` of shape ``(B, n)`` the result is
        ``(m, B, n)``.

    sparse : bool, optional
        True: record ``f`` once on a traced ``x`` and evaluate every term in the
        space of the few variables it depends on (``jets.sparse``): for a sum
        of terms such as the chained Rosenbrock function the cost grows with the
        terms, not with n**2 per operation.  ``f`` may use operators, ufuncs,
        indexing of the first axis and ``np.sum(..., axis=0)``, no control flow
        on values; needs ``axis=0`` and ``error=False``.  Default False.

    Returns
    -------
    ndarray
        Shape ``(m, n, *batch)``: entry ``[i, j]`` is ``d f_i / d x_j``
        (``(n, *batch)`` for a scalar f, like :func:`gradient`).

    Examples
    --------
    >>> import jets
    >>> f = lambda x: [x[0] * x[1], x[0] + x[1]**2]
    >>> jets.jacobian(f, [3.0, 2.0]).tolist()
    [[2.0, 3.0], [1.0, 4.0]]
    >>> jets.jacobian(f, [[3.0, 1.0, 0.0], [2.0, 5.0, 1.0]]).shape
    (2, 2, 3)
    """
    if _dask(x):
        return _chunked(jacobian, f, x, several=True, error=error, axis=axis)
    _check_callable(f)
    x, axis = _points_axis(x, axis)
    n = x.shape[0]
    plan = _plan(f, x, 1, _check_error(error), axis, sparse)
    if plan is not None:
        G = plan.tensor(x)  # a sum of terms: the gradient straight from the terms
        if G is not None:
            return G
        S, c, mdim, e = plan.space, plan.coefficients(x), len(plan.out_item), None
    else:
        S, c, mdim, e = _evaluate(
            _on_axis(f, axis), x, _cheapest(n, [1, (1,) * n]), True, _check_error(error)
        )
    return _place(
        _result(lambda c: _moveaxis(_pick(S, c, _units(n)), 0, mdim), c, e),
        mdim,
        1,
        axis,
        x.ndim - 1,
    )


def hessian(f, x, *, error=False, axis=0, sparse=False):
    """Matrix of second partial derivatives of a function of n variables (total order 2).

    Parameters
    ----------
    f : callable
        As for :func:`partial`.
    x : array_like
        Points, shape ``(n, *batch)``.

    error : bool, optional
        True: return ``(result, error)``, the error the estimated absolute
        rounding error of each entry (same shape).  Default False.

    axis : int, optional
        The axis of `x` that holds the variables: 0 (default, ``x`` of shape
        ``(n, *batch)``) or e.g. -1 for row-major points ``(*batch, n)``. ``f`` receives
        the jet array in the layout of `x` (write it with ``x[..., i]`` for ``axis=-1``).
        The two derivative axes take the place of `axis`: with ``axis=-1`` and `x` of
        shape ``(B, n)`` the result is ``(B, n, n)`` (``(m, B, n, n)`` for a vector f).

    sparse : bool, optional
        True: record ``f`` once on a traced ``x`` and evaluate every term in the
        space of the few variables it depends on (``jets.sparse``): for a sum
        of terms such as the chained Rosenbrock function the cost grows with the
        terms, not with n**2 per operation.  ``f`` may use operators, ufuncs,
        indexing of the first axis and ``np.sum(..., axis=0)``, no control flow
        on values; needs ``axis=0`` and ``error=False``.  Default False.

    Returns
    -------
    ndarray
        Shape ``(n, n, *batch)``, symmetric in its first two axes
        (``(m, n, n, *batch)`` for a vector f).

    Examples
    --------
    >>> import jets
    >>> jets.hessian(lambda x: (x[0] + 2 * x[1])**3, [4.0, 3.0]).tolist()
    [[60.0, 120.0], [120.0, 240.0]]
    """
    return derivative_tensor(f, x, 2, error=error, axis=axis, sparse=sparse)


def derivative_tensor(f, x, k, *, error=False, axis=0, sparse=False):
    """The symmetric tensor of all k-th partial derivatives (total order k).

    ``T[i1, ..., ik] = d^k f / dx_i1 ... dx_ik``; every entry is read from the
    one jet of total degree k, whose ``C(n + k, k)`` coefficients are the
    fewest that hold every k-th partial.

    Parameters
    ----------
    f : callable
        As for :func:`partial`.
    x : array_like
        Points, shape ``(n, *batch)``.
    k : int
        Derivative order, ``k >= 0`` (0 gives ``f(x)``, 1 the gradient,
        2 the Hessian).

    error : bool, optional
        True: return ``(result, error)``, the error the estimated absolute
        rounding error of each entry (same shape).  Default False.

    axis : int, optional
        The axis of `x` that holds the variables: 0 (default, ``x`` of shape
        ``(n, *batch)``) or e.g. -1 for row-major points ``(*batch, n)``. ``f`` receives
        the jet array in the layout of `x` (write it with ``x[..., i]`` for ``axis=-1``).
        The k derivative axes take the place of `axis`: with ``axis=-1`` and `x` of shape
        ``(B, n)`` the result is ``(B,) + (n,) * k`` (output axes of a vector f stay
        first).

    sparse : bool, optional
        True: record ``f`` once on a traced ``x`` and evaluate every term in the
        space of the few variables it depends on (``jets.sparse``): for a sum
        of terms such as the chained Rosenbrock function the cost grows with the
        terms, not with n**2 per operation.  ``f`` may use operators, ufuncs,
        indexing of the first axis and ``np.sum(..., axis=0)``, no control flow
        on values; needs ``axis=0`` and ``error=False``.  Default False.

    Returns
    -------
    ndarray
        Shape ``(n,) * k + batch``; for a vector f the output axes come
        first: ``(m,) + (n,) * k + batch``.

    Examples
    --------
    >>> import jets
    >>> T = jets.derivative_tensor(lambda x: x[0]**2 * x[1], [3.0, 2.0], 3)
    >>> T.shape
    (2, 2, 2)
    >>> print(T[0, 0, 1], T[0, 1, 0], T[1, 0, 0], T[0, 0, 0])
    2.0 2.0 2.0 0.0
    """
    if _dask(x):
        return _chunked(derivative_tensor, f, x, k, several=True, error=error, axis=axis)
    _check_callable(f)
    k = _check_count(k, "k")
    x, axis = _points_axis(x, axis)
    n = x.shape[0]
    plan = _plan(f, x, k, _check_error(error), axis, sparse)
    if plan is not None:
        T = plan.tensor(x)  # a sum of terms: the tensor straight from the terms
        if T is not None:
            return T
        S, c, mdim, e = plan.space, plan.coefficients(x), len(plan.out_item), None
    else:
        S, c, mdim, e = _evaluate(
            _on_axis(f, axis), x, _cheapest(n, [k, (k,) * n]), True, _check_error(error)
        )
    return _place(_result(lambda c: _tensor(S, c, k, mdim), c, e), mdim, k, axis, x.ndim - 1)


# ----------------------------------------------------- directional operators
__all__ += ["directional", "hvp", "laplacian", "value_grad_hessian"]


def _direction(v, x, name="v"):
    """`v` as an array (n, *vbatch) matching the n rows of x, and the broadcast batch."""
    v = _points(v, True)
    n = x.shape[0]
    if v.shape[0] != n:
        raise ValueError(
            f"`{name}` has shape {v.shape} but `x` has {n} variable(s) along its "
            f"first axis: give `{name}` of shape ({n},) or ({n}, *batch)"
        )
    try:
        batch = np.broadcast_shapes(x.shape[1:], v.shape[1:])
    except ValueError:
        raise ValueError(
            f"the batch shapes of `x` {x.shape[1:]} and `{name}` {v.shape[1:]} do not broadcast"
        ) from None
    return v, batch


def _rows(a, batch):
    """a of shape (n, *b) broadcast to (n, *batch)."""
    return np.broadcast_to(
        a.reshape(a.shape[:1] + (1,) * (len(batch) + 1 - a.ndim) + a.shape[1:]),
        a.shape[:1] + tuple(batch),
    )


def directional(f, x, v, k, *, axis=0):
    """Derivatives along a line: ``d^j/dt^j f(x + t v)`` at t = 0, for j = 0..k.

    One univariate jet of order k per point and direction (k + 1 coefficients),
    never a tensor of k-th partials: the cost is that of ``jets.derivatives``
    on ``f(x + t v)``.

    Parameters
    ----------
    f : callable
        As for :func:`partial`: ``f`` gets a jet array of shape ``(n, *batch)``.
    x : array_like
        Points, shape ``(n, *xbatch)``.
    v : array_like
        Directions, shape ``(n,)`` (one for every point) or ``(n, *vbatch)``;
        ``xbatch`` and ``vbatch`` broadcast to ``batch``, so x of shape (n,)
        with v of shape (n, d) gives d directions at one point.
    k : int
        Highest derivative, ``k >= 0``.

    axis : int, optional
        The axis of `x` that holds the variables: 0 (default, ``x`` of shape
        ``(n, *batch)``) or e.g. -1 for row-major points ``(*batch, n)``. ``f`` receives
        the jet array in the layout of `x` (write it with ``x[..., i]`` for ``axis=-1``);
        `v` is laid out like `x` (a 1-d `v` is one direction for every point). The result
        has no variable axis: ``(k + 1, *batch)`` as for ``axis=0``.

    Returns
    -------
    ndarray
        Shape ``(k + 1, *batch)`` (``(k + 1, m, *batch)`` for a vector f);
        entry j is the j-th directional derivative (``v`` is not normalised).

    Examples
    --------
    >>> import numpy as np, jets
    >>> f = lambda x: x[0]**2 * x[1]
    >>> jets.directional(f, [1.0, 2.0], [1.0, 1.0], 3).tolist()   # (1+t)^2 (2+t)
    [2.0, 5.0, 8.0, 6.0]
    >>> jets.directional(f, [1.0, 2.0], np.eye(2), 1).tolist()    # two directions
    [[2.0, 2.0], [4.0, 1.0]]
    """
    if _dask(x) or _dask(v):
        return _chunked(directional, f, x, k, several=True, v=v, axis=axis)
    _check_callable(f)
    k = _check_count(k, "k")
    x, axis = _points_axis(x, axis)
    v, batch = _direction(_vectors_axis(v, axis), x)
    check_size(k + 1, max(int(np.prod((x.shape[0],) + batch)), 1))
    t = variable(np.zeros(batch), k)
    X = _rows(x, batch) + _rows(v, batch) * t[None]
    out = _on_axis(f, axis)(X)
    c = _collect(out, t.space, batch, out, ())
    return _derivs(t.space, c, np.arange(k + 1))


def hvp(f, x, v, *, axis=0):
    """Hessian-vector product ``H(x) v`` of a scalar (or vector) f, without the Hessian.

    Entry i is ``d^2/ds dt f(x + s e_i + t v)`` at s = t = 0: one hyper-dual
    jet (two variables with caps (1, 1), 4 coefficients) per point and
    coordinate i, the n coordinates on an extra batch axis.  Cost: f runs on
    n times the points with 4 coefficients each, so O(n) coefficients per
    point against C(n + 2, 2) for the total-order-2 jet behind
    :func:`hessian` (a seeding of n + 1 variables that carries the s_i t
    products must carry all of degree 2, or 2^(n+1) coefficients with caps).

    Parameters
    ----------
    f : callable
        As for :func:`partial`; it must act pointwise over the batch axes
        (it receives ``(n, n, *batch)``, the coordinates i on axis 1).
    x : array_like
        Points, shape ``(n, *xbatch)``.
    v : array_like
        Vectors, shape ``(n,)`` or ``(n, *vbatch)``, broadcasting to ``batch``.

    axis : int, optional
        The axis of `x` that holds the variables: 0 (default, ``x`` of shape
        ``(n, *batch)``) or e.g. -1 for row-major points ``(*batch, n)``. ``f`` receives
        the jet array in the layout of `x` (write it with ``x[..., i]`` for ``axis=-1``);
        for ``axis != 0`` the n copies of each point are on a new leading axis, so index
        the variables from the end (``x[..., i]``); `v` is laid out like `x`. The
        product's axis n takes the place of `axis`: with ``axis=-1`` and `x`, `v` of shape
        ``(B, n)`` the result is ``(B, n)``.

    Returns
    -------
    ndarray
        Shape ``(n, *batch)`` (``(m, n, *batch)`` for a vector f).

    Examples
    --------
    >>> import jets
    >>> f = lambda x: x[0]**2 * x[1]                  # H = [[2y, 2x], [2x, 0]]
    >>> jets.hvp(f, [1.0, 2.0], [1.0, -1.0]).tolist()
    [2.0, 2.0]
    """
    if _dask(x) or _dask(v):
        return _chunked(hvp, f, x, several=True, v=v, axis=axis)
    _check_callable(f)
    x, axis = _points_axis(x, axis)
    v, batch = _direction(_vectors_axis(v, axis), x)
    n = x.shape[0]
    inner = (n,) + tuple(batch)
    check_size(4, n * max(int(np.prod(inner)), 1))
    s, t = variables([np.zeros(inner), np.zeros(inner)], (1, 1))
    eye = np.eye(n).reshape((n, n) + (1,) * len(batch))
    X = _rows(x, batch)[:, None] + eye * s[None] + _rows(v, batch)[:, None] * t[None]
    out = _on_axis(f, axis, copies=True)(X)
    c = _collect(out, s.space, inner, out, ())
    return _place(_own(c[s.space.index[(1, 1)]]), c.ndim - 1 - len(inner), 1, axis, len(batch))


def laplacian(f, x, *, axis=0):
    """The Laplacian ``sum_i d^2 f / dx_i^2`` at every point, from n univariate jets.

    Seeds ONE univariate variable t of order 2 over an extra batch axis of
    size n: point i of that axis is ``x + t e_i``, so f runs once on n times
    the points with 3 coefficients each, and the Laplacian is twice the sum
    of the t^2 coefficients.  Cost: 3n coefficients per point, where the
    trace of :func:`hessian` needs the C(n + 2, 2) of a total-order-2 jet.

    Parameters
    ----------
    f : callable
        As for :func:`partial`; it must act pointwise over the batch axes
        (it receives ``(n, n, *batch)``, the directions on axis 1).
    x : array_like
        Points, shape ``(n, *batch)``.

    axis : int, optional
        The axis of `x` that holds the variables: 0 (default, ``x`` of shape
        ``(n, *batch)``) or e.g. -1 for row-major points ``(*batch, n)``. ``f`` receives
        the jet array in the layout of `x` (write it with ``x[..., i]`` for ``axis=-1``);
        for ``axis != 0`` the n copies of each point are on a new leading axis, so index
        the variables from the end (``x[..., i]``). The result has no variable axis: its
        batch is `x`'s shape without `axis`.

    Returns
    -------
    ndarray
        Shape ``batch`` (``(m, *batch)`` for a vector f).

    Examples
    --------
    >>> import numpy as np, jets
    >>> f = lambda x: x[0]**2 * x[1] + np.sin(x[1])   # 2y - sin(y)
    >>> float(jets.laplacian(f, [1.0, 0.0]))
    0.0
    >>> jets.laplacian(lambda x: np.sum(x**2, axis=0), np.ones((3, 4))).tolist()
    [6.0, 6.0, 6.0, 6.0]
    """
    if _dask(x):
        return _chunked(laplacian, f, x, several=True, axis=axis)
    _check_callable(f)
    x, axis = _points_axis(x, axis)
    n = x.shape[0]
    batch = x.shape[1:]
    inner = (n,) + tuple(batch)
    check_size(3, n * max(int(np.prod(inner)), 1))
    if B.is_foreign(x):  # torch / cupy: the seed and the directions in x's library
        t = variable(B.zeros_as(inner, B.result_dtype(x), x), 2)
        xp = B.namespace(x)
        eye = xp.eye(n, dtype=B.result_dtype(x), device=B.device(x))
        X = t[None] * eye.reshape((n, n) + (1,) * len(batch)) + x[:, None]
        out = _on_axis(f, axis, copies=True)(X)
        c = _collect(out, t.space, inner, out, ())
        return 2 * xp.sum(c[2], axis=-len(inner))
    t = variable(np.zeros(inner), 2)
    eye = np.eye(n).reshape((n, n) + (1,) * len(batch))
    X = x[:, None] + eye * t[None]
    out = _on_axis(f, axis, copies=True)(X)
    c = _collect(out, t.space, inner, out, ())
    return 2 * c[2].sum(axis=-len(inner))


def value_grad_hessian(f, x, *, axis=0):
    """Value, gradient and Hessian of f from ONE total-order-2 jet (one call of f).

    Parameters
    ----------
    f : callable
        As for :func:`partial`.
    x : array_like
        Points, shape ``(n, *batch)``.

    axis : int, optional
        The axis of `x` that holds the variables: 0 (default, ``x`` of shape
        ``(n, *batch)``) or e.g. -1 for row-major points ``(*batch, n)``. ``f`` receives
        the jet array in the layout of `x` (write it with ``x[..., i]`` for ``axis=-1``).
        The derivative axes take the place of `axis`: with ``axis=-1`` and `x` of shape
        ``(B, n)`` the shapes are ``(B,)``, ``(B, n)``, ``(B, n, n)``.

    Returns
    -------
    tuple of ndarray
        ``(value, gradient, hessian)`` of shapes ``batch``, ``(n, *batch)``,
        ``(n, n, *batch)``; for a vector f each has a leading m axis, as in
        :func:`hessian`.

    Examples
    --------
    >>> import jets
    >>> val, g, H = jets.value_grad_hessian(lambda x: (x[0] + 2 * x[1])**3, [4.0, 3.0])
    >>> float(val), g.tolist(), H.tolist()
    (1000.0, [300.0, 600.0], [[60.0, 120.0], [120.0, 240.0]])
    """
    if _dask(x):
        return _chunked(value_grad_hessian, f, x, several=True, axis=axis)
    _check_callable(f)
    x, axis = _points_axis(x, axis)
    n = x.shape[0]
    S, c, mdim, _ = _evaluate(_on_axis(f, axis), x, _cheapest(n, [2, (2,) * n]), True)
    nb = x.ndim - 1
    return (
        _own(c[0]),
        _place(_tensor(S, c, 1, mdim), mdim, 1, axis, nb),
        _place(_tensor(S, c, 2, mdim), mdim, 2, axis, nb),
    )
