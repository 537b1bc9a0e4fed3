"""Structural sparsity: derivatives of functions whose terms touch few variables.

``jets.hessian(f, x, sparse=True)`` (and ``gradient``, ``jacobian``,
``derivative_tensor``) records ``f`` once on a traced array of the shape of
``x`` and evaluates it in small local spaces instead of the space of all n
variables.  A recorded value has the numpy shape ``(*item, *batch)`` of the
dense computation, ``item`` being ``()`` or ``(m,)`` (the leading axis of
``x`` and of slices of it), and *slots*: an int array ``(*item, s)`` naming,
for every item, the s global variables its jet is written in.  Its
coefficients are a jet array of ``space(s, k)`` of shape
``(C(s + k, k), *item, *batch)``: ``x[:-1] ** 2`` is one variable per item,
``x[1:] - x[:-1] ** 2`` two, whatever n is.

* An operation on several recorded values puts their slots side by side; a
  slot of a later operand that names the same variable as an earlier slot in
  every item is merged into it (so ``(b - a**2)**2 + (1 - a)**2`` stays in two
  slots).  Where the items disagree the slots stay apart: a jet in two slots
  that name one variable is still right, because reading the coefficients
  back substitutes every slot by its variable (a ring map: the coefficient of
  v**2 is the sum of u_p**2, u_p u_q and u_q**2), which the final scatter-add
  does.  Each operand is embedded into the result's slots by one index map
  (the same for every item) and the rule of the table runs on the engine
  (``jets.engine.apply``) in ``space(s, k)``, batch and items vectorized.
* ``np.sum(v, axis=0)`` (also ``v.sum(axis=0)`` and ``sum(v)``) gives a *sum
  of terms*; adding or subtracting sums, scalars and constants keeps it one,
  and so does scaling it by a number (applied to the sum afterwards).
  When a sum is the output, every term's local coefficients are scatter-added
  into the dense output (index maps built once, at record time): the cost is
  proportional to the terms, not to the n**2 monomials per operation.  Any
  other operation on a sum first gathers it into the jet of the union of its
  variables (a dense function: still right, at the dense price).

Control flow on values (``if``, comparisons, ``float()``) raises a
TypeError: the recording must never freeze one branch.  Numpy functions other
than ufuncs of the rule table and ``np.sum`` raise a TypeError that says to
use ``sparse=False``.

:func:`trace` returns a :class:`SparsePlan`: the structure (slots, index
maps, scatter tables) depends only on ``f``, n, k and the batch shape, so a
caller that evaluates one function at many point sets (a compiled path)
traces once and calls :meth:`SparsePlan.coefficients` per point set.
"""

from functools import lru_cache
from math import prod

import numpy as np

from . import engine
from . import jet as _jet
from . import kernels as K
from .engine import Operand
from .program import RuleOperators
from .rules import ALIASES, RULES
from .space import check_size
from .space import space as _space

__all__ = ["SparsePlan", "trace", "plan_for", "evaluate", "merge_slots"]

_NO_CONTROL_FLOW = (
    "sparse=True records f once and cannot branch on the values of x (they are "
    "not known while it is recorded): use np.where-free arithmetic, or sparse=False"
)


def _unsupported(what):
    return TypeError(
        f"{what} is not supported with sparse=True (it records f on a traced array "
        f"that knows elementwise operations, ufuncs of the function table, indexing "
        f"of the first axis and np.sum(..., axis=0)): use sparse=False"
    )


class _Node:
    """A recorded value: item shape, slots (*item, s) and how to compute it.

    kind: 'input'; 'index' (src, key); 'rule' (rule, args: tuples ('node',
    id, embed index or None) or ('const', value)); 'gather' (a sum gathered
    into the space of its variables)."""

    __slots__ = ("kind", "item", "slots", "data")

    def __init__(self, kind, item, slots, data):
        self.kind, self.item, self.slots, self.data = kind, item, slots, data


class _Sum:
    """A sum of terms (trace time only): (node id, sign) pairs of nodes whose
    items are all summed, constants (value, sign), and `post`: scalings
    ('*' or '/', number) applied to the whole sum afterwards, in order (so
    ``0.5 * np.sum(...)`` is the sum, then one product, as the dense jets do)."""

    __slots__ = ("terms", "consts", "post")

    def __init__(self, terms, consts, post=()):
        self.terms, self.consts, self.post = terms, consts, post


class Traced(RuleOperators):
    """A value inside ``f`` under ``sparse=True``: shape ``(*item, *batch)``.

    Supports the operators, ufuncs of the rule table, ``jets.<name>``,
    indexing of the first axis (int, slice, int array), ``len``, iteration,
    ``.shape`` / ``.ndim`` (``np.shape``, ``np.ndim``), ``np.sum(v, axis=0)``,
    ``v.sum(axis=0)``, ``sum(v)`` and ``w @ v`` / ``np.dot(w, v)`` with a 1-d
    array of numbers w; anything else is a TypeError."""

    __slots__ = ("plan", "ref")
    __array_priority__ = 1003

    def __init__(self, plan, ref):
        self.plan = plan
        self.ref = ref  # node id (int) or a _Sum

    # ----------------------------------------------------------- shape
    @property
    def _item(self):
        return () if isinstance(self.ref, _Sum) else self.plan.nodes[self.ref].item

    @property
    def shape(self):
        return self._item + self.plan.batch

    @property
    def ndim(self):
        return len(self.shape)

    def __len__(self):
        if not self._item:
            if self.plan.batch:
                raise _unsupported("len() of a value without the variable axis")
            raise TypeError("len() of a 0-d value")
        return self._item[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __repr__(self):
        return f"Traced(shape={self.shape})"

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise _unsupported(f"the attribute .{name} of the traced x")

    def __getitem__(self, key):
        if isinstance(self.ref, _Sum) or not self._item:
            raise _unsupported("indexing a value without the variable axis (x[i][j], x[:, j])")
        if isinstance(key, tuple):
            if len(key) == 1:
                key = key[0]
            else:
                raise _unsupported(f"indexing with a tuple {key!r} (only the first axis)")
        if isinstance(key, (bool, np.bool_)) or key is None or key is Ellipsis:
            raise _unsupported(f"indexing with {key!r}")
        if not isinstance(key, (int, np.integer, slice)):
            key = np.asarray(key)
            if key.dtype.kind not in "iu" or key.ndim != 1:
                raise _unsupported("indexing with anything but an int, a slice or a 1-d int array")
        node = self.plan.nodes[self.ref]
        slots = node.slots[key]
        return self.plan.add(_Node("index", slots.shape[:-1], slots, (self.ref, key)))

    # ----------------------------------------------------------- control flow
    def __bool__(self):
        raise TypeError(_NO_CONTROL_FLOW)

    def _compare(self, other):
        raise TypeError(_NO_CONTROL_FLOW)

    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = _compare
    __hash__ = object.__hash__

    def __float__(self):
        raise TypeError(_NO_CONTROL_FLOW)

    __int__ = __index__ = __complex__ = __float__

    def __array__(self, dtype=None, copy=None):
        raise _unsupported("converting the traced x to a numpy array (np.asarray, np.array)")

    # ----------------------------------------------------------- arithmetic
    def _jets_record(self, rule, args):
        return self.plan.record(rule, args)

    def __matmul__(self, o):
        return _dot(self, o)

    def __rmatmul__(self, o):
        return _dot(o, self)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        name = ufunc.__name__
        if ufunc is np.matmul and method == "__call__" and not kwargs and len(inputs) == 2:
            return _dot(*inputs)
        if method != "__call__" or kwargs or (name not in RULES and name not in ALIASES):
            raise _unsupported(f"numpy.{name}" + ("" if method == "__call__" else f".{method}"))
        return _jet.apply(name, *inputs)

    def __array_function__(self, func, types, args, kwargs):
        if func is np.sum:
            return _np_sum(*args, **kwargs)
        if func is np.dot and len(args) == 2 and not kwargs:
            return _dot(*args)
        if func in (np.shape, np.ndim) and len(args) == 1 and not kwargs:
            return args[0].shape if func is np.shape else args[0].ndim
        raise _unsupported(f"numpy.{func.__name__}")

    def sum(self, axis=None, keepdims=False):
        return _np_sum(self, axis=axis, keepdims=keepdims)


_jet.register_tracer(Traced)


def _dot(a, b):
    """w @ x (np.dot(w, x)) for a 1-d array of numbers w and a traced x of
    shape (m, *batch): np.sum(w * x, axis=0), a sum of terms; also x @ w at
    one point (no batch axes)."""
    t, w, left = (b, a, True) if isinstance(b, Traced) else (a, b, False)
    if isinstance(w, Traced) or isinstance(t.ref, _Sum) or not t._item:
        raise _unsupported("@ / np.dot of two traced values or of a value without items")
    if not left and t.plan.batch:
        raise _unsupported("x @ w with batch axes (it would contract a batch axis): write w @ x")
    w = np.asarray(w)
    if w.ndim != 1 or w.dtype.kind not in "iufc" or len(w) != t._item[0]:
        raise _unsupported(f"@ / np.dot with a constant of shape {w.shape} (a 1-d w of length m)")
    return _np_sum(w.reshape(w.shape + (1,) * len(t.plan.batch)) * t, axis=0)


def _np_sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=None, where=None):
    """np.sum of a traced value over its first (variable) axis: a sum of terms."""
    if dtype is not None or out is not None or keepdims or where is not None:
        raise _unsupported("np.sum with dtype/out/keepdims/where")
    if not isinstance(a, Traced):
        raise _unsupported("np.sum of a list of traced values (stack them by arithmetic)")
    plan = a.plan
    if axis is None and plan.batch:
        raise ValueError(
            "f reduced over the points (np.sum(x) instead of np.sum(x, axis=0)): f must "
            "act pointwise and return shape (*batch)"
        )
    if axis not in (None, 0, -a.ndim) or not a._item:
        raise _unsupported(f"np.sum over axis {axis!r} of a value of shape {a.shape}")
    s = _Sum([(a.ref, 1)], [])
    if initial is not None and initial is not np._NoValue:
        s.consts.append((initial, 1))
    return Traced(plan, s)


class SparsePlan:
    """f recorded on a traced ``x`` of shape ``(n, *batch)`` for jets of total
    order k: nodes with their slots, and the index maps that run them.

    Build with :func:`trace`; :meth:`coefficients` evaluates at points."""

    def __init__(self, n, k, batch):
        self.n, self.k, self.batch = n, k, tuple(batch)
        self._ttab = None
        self.space = _space(n, k)
        self.nodes = []
        self.out = None  # ('const', value) | ('node', id) | ('sum', scatter)
        self.out_item = ()

    def add(self, node):
        self.nodes.append(node)
        return Traced(self, len(self.nodes) - 1)

    # ----------------------------------------------------------- recording
    def _operand(self, a, rule):
        """A recorded argument: ('node', id) for a traced value, ('const', v) else."""
        if isinstance(a, Traced):
            if a.plan is not self:
                raise TypeError(
                    f"{rule.name}: a value of another sparse recording was used here "
                    f"(a traced x kept from another call)"
                )
            if isinstance(a.ref, _Sum):
                return ("node", self._gather(a.ref))
            return ("node", a.ref)
        if isinstance(a, _jet.Jet):
            raise TypeError(
                f"{rule.name}: f combined x with a jet seeded outside it; under sparse=True "
                f"f may use x, numbers and arrays only"
            )
        if isinstance(a, _jet.TRACER_TYPES):
            raise TypeError(f"{rule.name}: a value of another recorded function was used here")
        if isinstance(a, (np.ndarray, list, tuple)):
            v = np.asarray(a)
            if v.ndim > len(self.batch) + 1:
                raise _unsupported(f"an array constant of shape {v.shape} (more axes than x)")
            return ("const", v)
        return ("const", a)

    def record(self, rule, args):
        if rule.name in ("add", "subtract") or (
            rule.name == "negative" and isinstance(args[0].ref, _Sum)
        ):
            s = self._sum_op(rule.name, args)
            if s is not None:
                return Traced(self, s)
        if rule.name in ("multiply", "divide") and len(args) == 2:
            # a sum scaled by a number stays a sum of terms, scaled afterwards
            pos = [i for i, a in enumerate(args) if isinstance(a, Traced)]
            if len(pos) == 1 and isinstance(args[pos[0]].ref, _Sum):
                s, c = args[pos[0]].ref, args[1 - pos[0]]
                number = isinstance(c, (int, float, complex, np.number)) and not isinstance(
                    c, (bool, np.bool_)
                )
                ok = args[pos[0]].plan is self and (rule.name == "multiply" or pos[0] == 0)
                if number and ok:
                    op = "*" if rule.name == "multiply" else "/"
                    return Traced(self, _Sum(s.terms, s.consts, s.post + ((op, c),)))
        ops = [self._operand(a, rule) for a in args]
        nodes = [self.nodes[o[1]] for o in ops if o[0] == "node"]
        item = ()
        for o in ops:
            shape = self.nodes[o[1]].item if o[0] == "node" else self._const_item(o[1])
            if shape == item or shape == () or (shape == (1,) and item != ()):
                continue
            if item not in ((), (1,)):
                raise ValueError(
                    f"{rule.name}: operands of shapes {[self._shape(o) for o in ops]} "
                    f"do not broadcast"
                )
            item = shape
        # the result's slots: the first operand's, then each later operand's
        # slots that no earlier slot names in every item
        W = None
        maps = []
        if len(nodes) == 1 and nodes[0].item == item:  # one jet: its own slots
            W, maps = nodes[0].slots, [None]
            nodes = []
        if nodes:
            W, maps = merge_slots([nd.slots for nd in nodes], item)
        sw = W.shape[-1]
        spec = []
        it = iter(zip(nodes, maps, strict=True)) if nodes else None
        for o in ops:
            if o[0] == "const":
                spec.append(o)
                continue
            if maps[0] is None:
                spec.append(("node", o[1], None))
                continue
            nd, mp = next(it)
            sa = nd.slots.shape[-1]
            same = sa == sw and mp == tuple(range(sw))
            spec.append(("node", o[1], None if same else _embed_index(self.k, sa, sw, mp)))
        check_size(_space(sw, self.k).ncoeffs, max(prod(item + self.batch), 1), "term")
        sub = _space(sw, self.k)
        fast = _linear_kind(rule.name, spec, [self.nodes[o[1]].item for o in ops if o[0] == "node"])
        return self.add(_Node("rule", item, np.ascontiguousarray(W), (rule, spec, sub, fast)))

    def _shape(self, o):
        return (self.nodes[o[1]].item + self.batch) if o[0] == "node" else np.shape(o[1])

    def _const_item(self, v):
        """The item part of a constant's shape (its axes before the batch's)."""
        shape = np.shape(v)
        extra = len(shape) - len(self.batch)
        return tuple(shape[:extra]) if extra > 0 else ()

    def _sum_op(self, name, args):
        """add / subtract of scalars and sums of terms, negative of a sum: a sum
        of terms (None when an operand has items: then sums are gathered)."""
        if name == "negative":
            s = args[0].ref
            return _Sum([(t, -g) for t, g in s.terms], [(c, -g) for c, g in s.consts], s.post)
        terms, consts = [], []
        for a, sign in zip(args, (1, -1 if name == "subtract" else 1), strict=True):
            if isinstance(a, Traced):
                if a.plan is not self:
                    return None
                if isinstance(a.ref, _Sum) and a.ref.post:
                    # a scaled sum is one term: gathered in the space of its variables
                    terms.append((self._gather(a.ref), sign))
                elif isinstance(a.ref, _Sum):
                    terms += [(t, g * sign) for t, g in a.ref.terms]
                    consts += [(c, g * sign) for c, g in a.ref.consts]
                elif self.nodes[a.ref].item == ():
                    terms.append((a.ref, sign))
                else:
                    return None
            elif isinstance(a, (int, float, complex, np.generic)) or (
                isinstance(a, np.ndarray) and self._const_item(a) == ()
            ):
                consts.append((a, sign))
            else:
                return None
        return _Sum(terms, consts)

    def _gather(self, s):
        """A node holding the sum `s` in the space of the union of its variables."""
        union = np.unique(np.concatenate([self.nodes[t].slots.ravel() for t, _ in s.terms]))
        if len(union) == 0:
            union = np.zeros(1, dtype=np.intp)  # a sum of no terms: a constant
        T = _space(len(union), self.k)
        scatter = self._scatter(s, T, union)
        check_size(T.ncoeffs, max(int(np.prod(self.batch)), 1))
        self.nodes.append(_Node("gather", (), union, (scatter, T)))
        return len(self.nodes) - 1

    def _scatter(self, s, T, vars):
        """Tables that add every term of `s` into coefficients of T, whose
        variables are the global `vars` (sorted): (terms, perm, starts, rows)."""
        idx = []
        for t, _ in s.terms:
            nd = self.nodes[t]
            pos = np.searchsorted(vars, nd.slots.reshape(-1, nd.slots.shape[-1]))
            idx.append(_scatter_index(self.k, pos, T).ravel())  # (Ls * M,)
        flat = np.concatenate(idx) if idx else np.zeros(0, dtype=np.intp)
        perm = np.argsort(flat, kind="stable")
        srt = flat[perm]
        starts = np.flatnonzero(np.r_[True, srt[1:] != srt[:-1]]) if len(srt) else srt
        rows = srt[starts] if len(srt) else srt
        return (tuple(s.terms), tuple(s.consts), perm, starts, rows, tuple(s.post))

    def finish(self, out):
        """Record what f returned."""
        if isinstance(out, Traced):
            if out.plan is not self:
                raise TypeError("f returned a value of another sparse recording")
            if isinstance(out.ref, _Sum):
                self.out = ("sum", self._scatter(out.ref, self.space, np.arange(self.n)))
                return
            nd = self.nodes[out.ref]
            self.out_item = nd.item
            M = int(np.prod(nd.item))
            idx = _scatter_index(self.k, nd.slots.reshape(M, -1), self.space)  # (Ls, M)
            self.out = ("node", out.ref, idx * M + np.arange(M))
            return
        if isinstance(out, (list, tuple)):
            raise _unsupported(
                "returning a list from f (return one traced value, e.g. the scalar "
                "np.sum(..., axis=0) or a vector x[1:] * x[:-1])"
            )
        if isinstance(out, _jet.Jet) or isinstance(out, _jet.TRACER_TYPES):
            raise TypeError("f returned a jet that does not come from its argument x")
        v = np.asarray(out)
        if v.dtype.kind not in "iufc":
            raise TypeError(f"f must return a number-valued result, got {type(out).__name__}")
        nb = len(self.batch)
        if not (v.ndim >= nb and v.shape[v.ndim - nb :] == self.batch):
            # a constant is the same at every point: its axes are output axes
            v = np.broadcast_to(v.reshape(v.shape + (1,) * nb), v.shape + self.batch)
        self.out = ("const", v)
        self.out_item = v.shape[: v.ndim - nb]

    # ----------------------------------------------------------- running
    def _values(self, x):
        """Coefficients of every node at the points x (n, *batch)."""
        if x.shape != (self.n,) + self.batch:
            raise ValueError(
                f"this sparse recording is for x of shape {(self.n,) + self.batch}, got {x.shape}"
            )
        k = self.k
        dtype = np.result_type(x.dtype, float)
        seed = np.zeros((k + 1,) + x.shape, dtype=dtype)
        seed[0] = x
        if k:
            seed[1] = 1
        vals = []
        for nd in self.nodes:
            if nd.kind == "input":
                vals.append(seed)
            elif nd.kind == "index":
                src, key = nd.data
                vals.append(vals[src][:, key])
            elif nd.kind == "rule":
                rule, spec, sub, fast = nd.data
                args = []
                for a in spec:
                    if a[0] == "const":
                        args.append(a[1])
                        continue
                    c = vals[a[1]]
                    if a[2] is not None:
                        e = np.zeros((sub.ncoeffs,) + c.shape[1:], dtype=c.dtype)
                        e[a[2]] = c
                        c = e
                    args.append(c)
                if fast in ("sq", "nn*"):
                    if args[0][0].size <= _TABLE_BATCH:
                        y = args[0] if fast == "sq" else args[1]
                        vals.append(_poison(_table_product(sub, args[0], y)))
                        continue
                elif fast:
                    vals.append(_linear(fast, args))
                    continue
                args = [
                    Operand(c, None) if a[0] == "node" else c
                    for a, c in zip(spec, args, strict=True)
                ]
                c, v = engine.apply(rule, sub, args)
                vals.append(K.embed(sub, c, v, None, full=True))
            else:  # gather
                scatter, T = nd.data
                vals.append(self._scatter_into(scatter, vals, T.ncoeffs))
        return vals

    def coefficients(self, x):
        """The stored coefficients of f's jet at the points x (n, *batch):
        shape (ncoeffs, *item, *batch) in ``space(n, k)``, graded order."""
        vals = self._values(x)
        S = self.space
        kind = self.out[0]
        if kind == "sum":
            return self._scatter_into(self.out[1], vals, S.ncoeffs)
        if kind == "node":
            c = vals[self.out[1]]
            M = int(np.prod(self.out_item))
            full = np.broadcast_to(c, c.shape[:1] + self.out_item + self.batch)
            out = np.zeros((S.ncoeffs * M,) + self.batch, dtype=c.dtype)
            flat = full.reshape((-1,) + self.batch)
            np.add.at(out, self.out[2].ravel(), flat)  # slots naming one variable add
            return _poison(out.reshape((S.ncoeffs,) + self.out_item + self.batch))
        v = self.out[1]
        out = np.zeros((S.ncoeffs,) + v.shape, dtype=np.result_type(v, float))
        out[0] = v
        return out

    def tensor(self, x):
        """The symmetric tensor of the k-th partials at the points x, shape
        ``(n,)*k + batch``, written straight from the terms (no array of all
        ncoeffs coefficients); None unless f returned a sum of terms (then
        read the tensor from :meth:`coefficients`)."""
        if self.out[0] != "sum" or self.k == 0:
            return None
        vals = self._values(x)
        seg, dtype = self._segment_sums(self.out[1], vals)
        tpos, src, fac, row0 = self._tensor_tables()
        T = np.zeros((self.n**self.k,) + self.batch, dtype=dtype)
        post = self.out[1][5]
        if seg is not None and len(tpos):
            T[tpos] = _scaled(seg[src], post) * fac.reshape((-1,) + (1,) * len(self.batch))
        value = seg[row0] if seg is not None and row0 is not None else np.zeros(self.batch)
        for c, g in self.out[1][1]:
            value = value + c if g > 0 else value - c
        value = _scaled(value, post)
        if dtype.kind in "fc":
            bad = np.isnan(value)
            if np.any(bad):
                T = np.where(bad, np.nan, T)
        return T.reshape((self.n,) * self.k + self.batch)

    def _tensor_tables(self):
        """(tensor positions, their rows in the segment sums, alpha!, the value's
        row or None) for :meth:`tensor`, built once per plan."""
        tab = self._ttab
        if tab is None:
            S, k = self.space, self.k
            rows = self.out[1][4]
            lo, hi = int(S.offsets[k]), int(S.offsets[k + 1])
            inv = np.full(hi - lo, -1, dtype=np.intp)
            sel = np.flatnonzero((rows >= lo) & (rows < hi))
            inv[rows[sel] - lo] = sel
            rank = _rank_table(self.n, k)
            src = inv[rank]
            tpos = np.flatnonzero(src >= 0)
            fac = S.factorials[lo + rank[tpos]]
            row0 = np.flatnonzero(rows == 0)
            tab = self._ttab = (tpos, src[tpos], fac, int(row0[0]) if len(row0) else None)
        return tab

    def _segment_sums(self, scatter, vals):
        """(sums, dtype): the terms of `scatter` added per target row, shape
        (len(rows), *batch) (None when there is nothing to add)."""
        terms, consts, perm, starts, rows, _ = scatter
        batch = self.batch
        parts = []
        for t, g in terms:
            c = vals[t]
            c = c.reshape(c.shape[:1] + (-1,) + c.shape[1 + len(self.nodes[t].item) :])
            c = np.broadcast_to(c, c.shape[:2] + batch).reshape((-1,) + batch)
            parts.append(c if g > 0 else -c)
        dtype = np.result_type(*parts, *(c for c, _ in consts), float)
        if not parts:
            return None, dtype
        allv = np.concatenate(parts) if len(parts) > 1 else parts[0]
        if not len(allv):
            return None, dtype
        return np.add.reduceat(allv[perm], starts, axis=0), dtype

    def _scatter_into(self, scatter, vals, L):
        """Coefficients (L, *batch) holding the terms and constants of `scatter`."""
        seg, dtype = self._segment_sums(scatter, vals)
        out = np.zeros((L,) + self.batch, dtype=dtype)
        if seg is not None:
            out[scatter[4]] = seg
        for c, g in scatter[1]:
            out[0] = out[0] + c if g > 0 else out[0] - c
        return _poison(_scaled(out, scatter[5]))


def merge_slots(slots, item):
    """The slots of an operation's result from its operands' slots (arrays
    ``(*item_j, s_j)`` that broadcast to ``item``): the first operand's, then
    each later operand's slots that no earlier slot names in every item (a slot
    that names the same variable as an earlier one at some items only stays
    apart).  Returns (W of shape ``(*item, sw)``, per operand the tuple mp of
    the result slot of each of its slots)."""
    W = None
    maps = []
    for sl in slots:
        sl = np.broadcast_to(sl, item + sl.shape[-1:])
        if W is None:
            W = sl
            maps.append(tuple(range(sl.shape[-1])))
            continue
        flat_b = sl.reshape(-1, sl.shape[-1])
        flat_w = W.reshape(-1, W.shape[-1])
        uniform = False
        if len(flat_b):
            eq = flat_b[:, :, None] == flat_w[:, None, :]
            uniform = bool((eq == eq[:1]).all())
        mp, extra = [], []
        for p in range(sl.shape[-1]):
            hits = np.flatnonzero(eq[0, p]) if uniform else ()
            if len(hits):
                mp.append(int(hits[0]))
            else:
                mp.append(W.shape[-1] + len(extra))
                extra.append(p)
        if extra:
            W = np.concatenate([W, sl[..., extra]], axis=-1)
        maps.append(tuple(mp))
    return W, maps


def _linear_kind(name, spec, items):
    """The kind of a linear rule the plan runs without the engine (None: the
    engine): 'nn+' / 'nn-' / 'nn*' (two jets of one item shape), 'nc+', 'nc-',
    'cn+', 'cn-', 'nc*', 'cn*' (a jet and a scalar constant), 'neg', 'sq' (the
    power 2, a product)."""
    if name == "negative":
        return "neg"
    if name == "power" and spec[0][0] == "node" and spec[1][0] == "const":
        v = spec[1][1]
        ok = isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
        return "sq" if ok and v == 2 else None
    if name not in ("add", "subtract", "multiply") or len(spec) != 2:
        return None
    kinds = "".join("n" if a[0] == "node" else "c" for a in spec)
    for a in spec:
        if a[0] == "const":
            v = a[1]
            if isinstance(v, (bool, np.bool_)) or not isinstance(
                v, (int, float, complex, np.number)
            ):
                return None
    if kinds == "nn" and items[0] != items[1]:
        return None
    op = {"add": "+", "subtract": "-", "multiply": "*"}[name]
    return kinds + op if kinds != "cc" else None


#: node batches (items x points) up to this size multiply by one gather and one
#: segmented sum over the whole product table of the local space
_TABLE_BATCH = 4096


def _table_product(S, X, Y):
    """X*Y of full arrays of the (small) space S, every pair at once: the
    one-shot path of jets.kernels.product (a**2 is the product a*a there too)."""
    i, j, starts, targets, _ = S.product_table(S.degree, S.degree, 0)
    shape = np.broadcast_shapes(X.shape[1:], Y.shape[1:])
    out = np.zeros((S.ncoeffs,) + shape, dtype=np.result_type(X, Y))
    with np.errstate(all="ignore"):
        out[targets] = np.add.reduceat(X[i] * Y[j], starts, axis=0)
    return out


def _linear(kind, args):
    """A linear rule on full local arrays, with the numbers the engine's rules
    (jets.rules _add, _subtract, _multiply, negative) give, then nan poisoning."""
    if kind == "neg":
        out = args[0] * -1
    elif kind == "nn+":
        out = args[0] + args[1]
    elif kind == "nn-":
        out = args[0] - args[1]
    elif kind in ("nc*", "cn*"):
        a, c = (args[0], args[1]) if kind == "nc*" else (args[1], args[0])
        out = a * c
    else:
        a, c = (args[0], args[1]) if kind[0] == "n" else (args[1], args[0])
        if kind == "cn-":
            out = a * -1
            out[0] = c + out[0]
        else:
            out = a.copy()
            out[0] = a[0] + c if kind == "nc+" or kind == "cn+" else a[0] - c
    return _poison(out)


def _scaled(out, post):
    """out after the scalings of a sum: * c and / c in order, as the engine's
    multiply and divide by a number do (on every coefficient)."""
    for op, c in post:
        out = out * c if op == "*" else out / c
    return out


def _poison(out):
    """Where the value is nan every coefficient is nan (the engine's rule)."""
    if out.dtype.kind in "fc":
        bad = np.isnan(out[0])
        if np.any(bad):
            out = np.where(bad, np.nan, out)
    return out


@lru_cache(maxsize=64)
def _rank_table(n, k):
    """For every index tuple (i1, ..., ik) in C order, the rank of its monomial
    within the degree-k block of space(n, k), shape (n**k,), read-only."""
    S = _space(n, k)
    grid = np.sort(np.indices((n,) * k).reshape(k, -1).T, axis=1)
    if S._dense:
        counts = (grid[:, :, None] == np.arange(n)).sum(axis=1)
        rank = S._lookup(counts, k) - int(S.offsets[k])
    else:
        rank = S._rank_rows(grid, k)
    rank = np.asarray(rank, dtype=np.intp)
    rank.flags.writeable = False
    return rank


@lru_cache(maxsize=4096)
def _embed_index(k, sa, sw, mp):
    """Index array: monomials of space(sa, k) -> space(sw, k), slot p -> mp[p]
    (injective), read-only."""
    A, W = _space(sa, k), _space(sw, k)
    E = np.asarray(A.monomials)
    rows = np.zeros((len(E), sw), dtype=np.int64)
    rows[:, list(mp)] = E
    out = np.array([W.index[tuple(int(v) for v in r)] for r in rows], dtype=np.intp)
    out.flags.writeable = False
    return out


@lru_cache(maxsize=256)
def _local_lists(s, k):
    """Per degree d: (rows, lists): the monomials of space(s, k) of degree d
    and their slot-index lists (x0^2 x2 -> (0, 0, 2)), shape (len(rows), d)."""
    E = np.asarray(_space(s, k).monomials)
    deg = E.sum(axis=1)
    out = []
    for d in range(k + 1):
        rows = np.flatnonzero(deg == d)
        lists = np.array([np.repeat(np.arange(s), E[r]) for r in rows], dtype=np.intp)
        out.append((rows, lists.reshape(len(rows), d)))
    return tuple(out)


def _scatter_index(k, pos, T):
    """Global index in T of every local monomial of space(s, k) for every item:
    pos (M, s) gives the T-variable of each slot; returns (Ls, M).  Slots
    naming one variable multiply into its powers (the ring map)."""
    M, s = pos.shape
    Ls = _space(s, k).ncoeffs
    idx = np.empty((Ls, M), dtype=np.intp)
    for d, (rows, lists) in enumerate(_local_lists(s, k)):
        if not len(rows) or not M:
            continue
        if d == 0:
            idx[rows] = 0
            continue
        g = np.sort(pos[:, lists], axis=-1)  # (M, Ld, d) variable lists
        if T._dense:
            flat = g.reshape(-1, d)
            counts = np.zeros((len(flat), T.nvars), dtype=np.int64)
            np.add.at(counts, (np.repeat(np.arange(len(flat)), d), flat.ravel()), 1)
            r = T._lookup(counts, d)
        else:
            r = T.offsets[d] + T._rank_rows(g.reshape(-1, d), d)
        idx[rows] = np.asarray(r, dtype=np.intp).reshape(M, len(rows)).T
    return idx


def trace(f, n, k, batch=()):
    """Record f on a traced x of shape (n, *batch) for jets of total order k.

    Returns a :class:`SparsePlan`; ``plan.coefficients(x)`` gives the stored
    coefficients of f's jet in ``space(n, k)`` at points x of that shape."""
    plan = SparsePlan(n, k, batch)
    plan.nodes.append(_Node("input", (n,), np.arange(n, dtype=np.intp)[:, None], None))
    plan.finish(f(Traced(plan, 0)))
    return plan


def plan_for(f, x, k):
    """The plan of f for the points x (n, *batch) and total order k (checks x)."""
    if x.dtype.kind not in "iufc":
        raise TypeError(
            f"sparse=True works on int, float and complex points, got dtype {x.dtype}: "
            f"use sparse=False"
        )
    return trace(f, x.shape[0], k, x.shape[1:])


def evaluate(f, x, k):
    """(space, coefficients (ncoeffs, *out, *batch), output ndim) of f at the
    points x (n, *batch), as the dense path of jets.api computes them."""
    plan = plan_for(f, x, k)
    return plan.space, plan.coefficients(x), len(plan.out_item)
