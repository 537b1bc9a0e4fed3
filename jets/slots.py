"""Eager per-element variable sets: jet arrays whose elements each depend on a
few variables.

``jets.stack(jets.variables(x, k))`` of n >= :data:`SLOT_MIN_VARS` seeded
variables gives a :class:`SlotJet`: the array ``x`` of shape ``(n, *batch)``
whose item i depends on variable i only.  Instead of all ``C(n + k, k)``
coefficients per element it stores, per item along its first axis, the *slots*
(an int array ``(m, s)``: the s global variables that item is written in) and
its coefficients in the small space ``space(s, k)``, shape
``(C(s + k, k), m, *batch)``.  So ``x[1:] - x[:-1] ** 2`` costs two variables
per element whatever n is, and the Rosenbrock Hessian
``np.sum(100 * (x[1:] - x[:-1]**2)**2 + (1 - x[:-1])**2, axis=0).hessian()``
costs in proportion to its terms, not n**2 per operation.

What stays sparse (everything else is computed on the dense jet, so it is
always right, at the dense price):

* the rules of the table (operators, numpy ufuncs, ``jets.<name>``) on slot
  jets, jets of the same seeding and constants, when the result's first axis
  is the slot jets' first axis.  The result's slots are the first operand's,
  then each later operand's slots that no earlier slot names in every item
  (jets.sparse does the same).  When some item would name one variable in two
  slots (``x * x[0]``: item 0 is x0 * x0 but item 1 is x1 * x0) the
  operation runs on the dense jets instead;
* indexing the first axis with an int (a jet of that item's variables), a
  slice or a 1-d int or bool array, optionally followed by slices of the batch
  axes;
* sums over the first axis (``np.sum(v, axis=0)``, ``v.sum(0)``): every item
  is added into a jet of the union of the variables (the output of a sum is an
  ordinary :class:`~jets.jet.Jet`), and sums over the batch axes, which keep
  the slots.

A slot jet *is* a Jet: every other method, reader and numpy function reads
its dense coefficients, which it builds once on first use (``coeffs``,
``hessian()``, ``reshape``, ``np.concatenate``, ...), and whose numbers are
those the dense computation gives, to rounding (sums add in another order).
"""

import numpy as np

from . import engine
from . import jet as _jet
from . import kernels as K
from . import numpy_api as _numpy_api
from .engine import Operand
from .jet import Jet
from .space import _freeze, check_size
from .space import space as _space
from .sparse import _embed_index, _poison, _scatter_index, merge_slots

__all__ = ["SlotJet", "SLOT_MIN_VARS", "slot_stack", "seed_stack"]

#: jets.stack of seeded variables keeps per-element variable sets from this many
#: variables of the seeding on (below it the dense jets are as cheap)
SLOT_MIN_VARS = 8


class SlotJet(Jet):
    """An array of jets of shape ``(m, *batch)`` whose items (along the first
    axis) each depend on their own few variables: ``_loc`` the coefficients
    ``(P, m, *batch)`` in ``space(s, k)``, P a whole-degree prefix of its
    ``C(s + k, k)`` (as a Jet stores only its degrees up to the last that may
    be nonzero: seeds hold degrees 0 and 1), ``_slots`` the int array ``(m, s)``
    of the global variable of every slot (distinct within an item).
    ``_coeffs`` / ``_vars`` (what every inherited method reads) are the dense
    jet in the union of the variables, built on first use and kept."""

    __slots__ = ("_loc", "_slots", "_dense")

    @classmethod
    def _make(cls, S, loc, slots):
        jet = object.__new__(cls)
        jet._space = S
        jet._loc = _freeze(loc)
        jet._slots = _freeze(slots)
        jet._dense = None
        jet._err = None
        jet._seeds = None
        return jet

    # ----------------------------------------------------------- the dense jet
    def _densify(self):
        d = self._dense
        if d is None:
            S, W, loc = self._space, self._slots, self._loc
            m = W.shape[0]
            batch = loc.shape[2:]
            vars, rows, idx = _placement(S, W, loc.shape[0])  # idx (P, m)
            check_size(rows, max(m * int(np.prod(batch, dtype=np.int64)), 1))
            out = np.zeros((rows, m) + batch, dtype=loc.dtype)
            out[idx, np.arange(m)] = loc  # distinct slots: one target per coefficient
            d = self._dense = (_freeze(_poison(out)), vars)  # nan: every coefficient
        return d

    @property
    def _coeffs(self):
        return self._densify()[0]

    @property
    def _vars(self):
        return self._densify()[1]

    def dense(self):
        """The same jets as an ordinary :class:`~jets.jet.Jet` (dense in the
        union of the variables)."""
        c, v = self._densify()
        return Jet._wrap(self._space, c, v)

    # ----------------------------------------------------------- shape
    @property
    def value(self):
        return self._loc[0]

    @property
    def shape(self):
        return self._loc.shape[1:]

    @property
    def ndim(self):
        return self._loc.ndim - 1

    @property
    def dtype(self):
        return self._loc.dtype

    def __getitem__(self, key):
        out = _index(self, key)
        return Jet.__getitem__(self, key) if out is None else out

    def sum(self, axis=None, keepdims=False):
        if keepdims:
            return Jet.sum(self, axis=axis, keepdims=keepdims)
        _jet._like_numpy(np.sum, (1,) * self.ndim, axis=axis)  # numpy's errors
        return _sum(self, _jet._shift_axis(axis, self.ndim))

    def _jets_record(self, rule, args):
        """jets.jet.apply hands every rule with a slot jet among its arguments here."""
        for a in args:
            if isinstance(a, _jet.TRACER_TYPES) and not isinstance(a, Jet):
                return a._jets_record(rule, args)  # a recording (jets.jit) decides
        out = _apply(rule, args)
        if out is None:
            return _jet.apply(rule, *(a.dense() if isinstance(a, SlotJet) else a for a in args))
        return out


_jet.register_tracer(SlotJet)


# ------------------------------------------------------------------ building
def slot_stack(arrays, axis=0):
    """jets.stack(arrays) as a SlotJet when it pays (every entry a jet of one
    seeding of >= SLOT_MIN_VARS variables and an int order, each depending on the
    same number s of variables, fewer than the stack's), else None."""
    if axis != 0 or len(arrays) < 2:
        return None
    first = arrays[0]
    if type(first) is not Jet:
        return None
    S = first._space
    if S.nvars < SLOT_MIN_VARS or S.caps is not None or S.degree < 1:
        return None
    s = None
    rows = []
    for a in arrays:
        if type(a) is not Jet or a._space is not S or a._err is not None:
            return None
        v = a._vars
        if v is None or v == () or (s is not None and len(v) != s):
            return None
        s = len(v)
        if type(a._coeffs) is not np.ndarray or a.shape != first.shape:
            return None
        rows.append(v)
    slots = np.array(rows, dtype=np.intp)
    if len(np.unique(slots)) <= s:
        return None  # every item in the same variables: the dense jet is as small
    loc_space = _space(s, S.degree)
    P = max(a._coeffs.shape[0] for a in arrays)  # the longest degree prefix
    top = loc_space.top_degree[P]
    cs = [a._coeffs for a in arrays]
    if all(c.shape[0] == P for c in cs):
        loc = np.stack(cs, axis=1)  # one prefix (seeds: degrees 0 and 1): nothing to pad
    else:
        loc = np.zeros((P, len(arrays)) + first.shape, dtype=np.result_type(*cs))
        for i, c in enumerate(cs):  # a loop over the stacked jets (items), not points
            loc[:, i] = K.pad(loc_space, c, top)  # nan rows at nan points
    return SlotJet._make(S, loc, slots)


_numpy_api.STACK_HOOK[0] = slot_stack


def seed_stack(x, order):
    """``jets.stack(jets.variables(x, order))`` built directly for the functional
    API: float64 points x (n, *batch) with n >= SLOT_MIN_VARS and an int order
    >= 1, else None.  The same SlotJet as that stack, bit for bit: local
    coefficients (2, n, *batch) = (x, sigma_i), the seed nan at nan points, and
    the slots [[0], [1], ..., [n - 1]]."""
    if (
        type(x) is not np.ndarray
        or x.dtype != np.float64
        or x.ndim == 0
        or x.shape[0] < SLOT_MIN_VARS
        or x.size == 0
        or type(order) is not int
        or order < 1
    ):
        return None
    n = x.shape[0]
    base, scale, seeded, per = _jet._seed_plan(n, order)
    sigma = np.array([p[0] for p in per]).reshape((n,) + (1,) * (x.ndim - 1))
    loc = np.empty((2,) + x.shape)
    loc[0] = x
    loc[1] = sigma
    nan = np.isnan(x)
    if nan.any():
        loc[1][nan] = np.nan  # nan poisoning, as the seeds of jets.variables
    return SlotJet._make(base.seeded(scale), loc, np.arange(n, dtype=np.intp)[:, None])


# ------------------------------------------------------------------ operations
def _operand_slots(a, nd, m):
    """(local coefficients, slots (m or 1, s)) of a jet argument of a result of
    ndim nd and first axis m, or None when it cannot take part."""
    if isinstance(a, SlotJet):
        if a.ndim != nd:
            return None  # its items would sit on a batch axis of the result
        return a._loc, a._slots
    if a._err is not None or type(a._coeffs) is not np.ndarray:
        return None
    v = a._vars
    if v is None:
        return None  # depends on every variable: the dense jet is no larger
    slots = np.array(v, dtype=np.intp).reshape(1, len(v))
    return a._coeffs, slots


def _apply(rule, args):
    """rule(*args) kept in slots (a SlotJet), or None: then the caller runs it
    on the dense jets."""
    jets = [a for a in args if isinstance(a, Jet)]
    if len(jets) == 1 and all(a is jets[0] or type(a) in engine._NUMBERS for a in args):
        # one slot jet and Python numbers (x**2, 100 * x, 1 - x): its own slots
        x = jets[0]
        k = x._space.degree
        sw = x._slots.shape[1]
        eargs = [Operand(x._loc, None) if a is x else a for a in args]
        c, v = engine.apply(rule, _space(sw, k), eargs)
        return SlotJet._make(x._space, K.embed(_space(sw, k), c, v, None), x._slots)
    S = jets[0]._space
    if any(j._space is not S for j in jets):
        return None  # common_space on the dense jets says why (or joins constants)
    try:
        R = np.broadcast_shapes(*(a.shape if isinstance(a, Jet) else np.shape(a) for a in args))
    except ValueError:
        return None  # the dense path raises numpy's error
    nd = len(R)
    if nd == 0 or R[0] == 0:
        return None
    m = R[0]
    ops = []
    for a in args:
        if isinstance(a, Jet):
            o = _operand_slots(a, nd, m)
            if o is None:
                return None
            ops.append(o)
        else:
            ops.append(None)
    W, maps = _merged(m, [o[1] for o in ops if o is not None])
    if W is None:
        return None  # some item names one variable in two slots, or no slot
    it = iter(maps)
    maps = [None if o is None else next(it) for o in ops]
    sw = W.shape[1]
    k = S.degree
    sub = _space(sw, k)
    check_size(sub.ncoeffs, max(int(np.prod(R, dtype=np.int64)), 1), "term")
    eargs = []
    for a, o, mp in zip(args, ops, maps, strict=True):
        if o is None:
            eargs.append(a)
            continue
        # the operand in its own slots (an Operand of those variables of the
        # result's space, as the dense engine takes a jet of few variables: a
        # variable it does not depend on is structurally zero, never 0 * inf)
        c = _sorted_slots(k, o[0], mp)
        vs = tuple(sorted(mp))
        eargs.append(Operand(c, None if len(vs) == sw else vs))
    c, v = engine.apply(rule, sub, eargs)
    c = K.embed(sub, c, v, None)  # a degree prefix of the slots' space
    if c.shape[1:] != R:  # a result of constants and jets of no item axis
        c = np.broadcast_to(c, c.shape[:1] + R).copy()
    return SlotJet._make(S, c, W)


#: index tables of slot jets, by slot arrays (the same function called again
#: meets the same slots): bounded, cleared when full
_CACHE = {}
_CACHE_SIZE = 256


def _cached(key, build):
    out = _CACHE.get(key)
    if out is None:
        out = build()
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        _CACHE[key] = out
    return out


def _merged(m, slots):
    """(W (m, sw) read-only, maps) of merge_slots for operands with these slot
    arrays, or (None, None) when an item would name one variable in two slots
    (or there is no slot)."""

    def build():
        W, maps = merge_slots(slots, (m,))
        sw = W.shape[1]
        if sw == 0:
            return None, None  # constants only (jets of no variable)
        if sw > 1:
            srt = np.sort(W, axis=1)
            if (srt[:, 1:] == srt[:, :-1]).any():
                return None, None
        return _freeze(np.ascontiguousarray(W)), maps

    key = ("merge", m) + tuple((sl.shape, sl.tobytes()) for sl in slots)
    return _cached(key, build)


def _placement(S, W, P):
    """Where the items' local coefficients (P, m, ...) go in the dense jet of the
    union of their variables: (vars, rows of the dense prefix, idx (P, m) of
    their rows there), cached by the slots."""

    def build():
        union = np.unique(W)
        vars = None if len(union) == S.nvars else tuple(int(v) for v in union)
        T = S.subspace(vars)
        rows = int(T.offsets[_space(W.shape[1], S.degree).top_degree[P] + 1])
        idx = _scatter_index(S.degree, np.searchsorted(union, W), T)[:P]
        return vars, rows, _freeze(np.ascontiguousarray(idx))

    key = ("place", S.nvars, S.degree, P, W.shape, W.tobytes())
    return _cached(key, build)


def _sorted_slots(k, c, mp):
    """Local coefficients c (P, ...) whose slot p is variable mp[p] re-ordered
    so that the slots are in increasing order of mp."""
    s = len(mp)
    if s < 2 or c.shape[0] == 1 or all(mp[p] < mp[p + 1] for p in range(s - 1)):
        return c
    rank = np.argsort(np.argsort(mp))  # slot p goes to position rank[p]
    e = np.empty_like(c)
    e[_embed_index(k, s, s, tuple(int(r) for r in rank))[: len(c)]] = c
    return e


def _index(x, key):
    """x[key] for a key on the first axis (int, slice, 1-d int/bool array),
    optionally followed by slices of the batch axes (and ints, after an int or
    a slice: all basic indexing, so the first axis stays first); None for any
    other key (the dense path)."""
    rest = ()
    if isinstance(key, tuple):
        if not key:
            return None
        key, rest = key[0], key[1:]
        basic = isinstance(key, (int, np.integer, slice)) and not isinstance(key, (bool, np.bool_))
        for r in rest:
            if isinstance(r, slice):
                continue
            if not basic or isinstance(r, (bool, np.bool_)) or not isinstance(r, (int, np.integer)):
                return None
        if len(rest) > x.ndim - 1:
            return None
        for r, size in zip(rest, x.shape[1:], strict=False):
            if not isinstance(r, slice) and not -size <= r < size:
                return None  # numpy's IndexError from the dense path
    if isinstance(key, Jet):
        return None
    if isinstance(key, (bool, np.bool_)) or key is None or key is Ellipsis:
        return None
    if isinstance(key, (int, np.integer)):
        m = x.shape[0]
        if not -m <= key < m:
            return None  # numpy's IndexError from the dense path
        loc = x._loc[(slice(None), key) + rest]
        return _item_jet(x._space, loc, x._slots[key])
    if not isinstance(key, slice):
        try:
            key = np.asarray(key)
        except (ValueError, TypeError):
            return None
        if key.ndim != 1 or key.dtype.kind not in "iub":
            return None
        if key.dtype.kind == "b" and len(key) != x.shape[0]:
            return None
        if (
            key.dtype.kind in "iu"
            and len(key)
            and not (-x.shape[0] <= key.min() and key.max() < x.shape[0])
        ):
            return None
    slots = x._slots[key]
    loc = x._loc[(slice(None), key) + rest]
    if not len(slots):
        return None
    return SlotJet._make(x._space, loc, np.ascontiguousarray(slots))


def _item_jet(S, loc, vars_):
    """One item as an ordinary Jet: its local coefficients (Ls, *batch) in
    slots `vars_` (distinct), re-ordered to the sorted variables."""
    s = len(vars_)
    loc = _sorted_slots(S.degree, loc, tuple(int(v) for v in vars_))
    vars_ = tuple(int(v) for v in np.sort(vars_))
    return Jet._wrap(S, np.ascontiguousarray(loc), vars_ if s < S.nvars else None)


def _sum(x, ax):
    """x.sum over the coefficient-array axes `ax` (batch axis + 1, checked by
    numpy): over the first axis an ordinary Jet of the union of the variables,
    over batch axes only a SlotJet."""
    ax = tuple(ax) if isinstance(ax, (tuple, list)) else (ax,)
    batch_axes = tuple(a for a in ax if a > 1)
    loc = x._loc.sum(axis=batch_axes) if batch_axes else x._loc
    if 1 not in ax:
        return SlotJet._make(x._space, loc, x._slots)
    S, W = x._space, x._slots
    batch = loc.shape[2:]
    P = loc.shape[0]
    vars, rows, idx = _placement(S, W, P)  # idx (P, m)
    check_size(rows, max(int(np.prod(batch, dtype=np.int64)), 1))

    def segments():
        flat = idx.ravel()
        perm = np.argsort(flat, kind="stable")
        srt = flat[perm]
        starts = np.flatnonzero(np.r_[True, srt[1:] != srt[:-1]])
        return perm, starts, srt[starts]

    key = ("segments", S.nvars, S.degree, P, W.shape, W.tobytes())
    perm, starts, targets = _cached(key, segments)
    vals = loc.reshape((-1,) + batch)  # (P * m, *batch), the order of idx.ravel()
    out = np.zeros((rows,) + batch, dtype=loc.dtype)
    with np.errstate(all="ignore"):
        out[targets] = np.add.reduceat(vals[perm], starts, axis=0)
    return Jet._wrap(S, _poison(out), vars)
