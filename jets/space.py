"""JetSpace: the set of monomials a jet carries, and its cached index tables.

A space is fixed by the number of variables n and the truncation `order`:
an int k (all monomials of total degree <= k) or a tuple (k1, ..., kn) of
per-variable caps (monomials with a_i <= k_i; (1, 1) are hyper-dual numbers).
Coefficients are stored in graded order: degree 0, then degree 1, ...; within
a degree, exponents of the first variable descending.  Every table is built
once, when the space is first asked for, and never changes afterwards, so a
space is safe to share between threads.
"""
from functools import lru_cache
from itertools import product as _cartesian
from math import comb, factorial, prod
from operator import attrgetter

import numpy as np

__all__ = ["JetSpace", "space", "MAX_ELEMENTS", "MAX_PAIRS", "check_size"]

#: Largest number of array elements (coefficients times batch size) a jet may
#: hold; above it a ValueError reports the size before anything is allocated.
MAX_ELEMENTS = 2 * 10**8
#: Largest number of coefficient pairs a space's product tables may hold.
MAX_PAIRS = 3 * 10**7


def _normalize(nvars, order):
    """Validate (nvars, order) and return the canonical key."""
    if isinstance(nvars, bool) or not isinstance(nvars, (int, np.integer)) or nvars < 1:
        raise ValueError(f"nvars must be a positive integer, got {nvars!r}")
    nvars = int(nvars)
    if isinstance(order, (tuple, list, np.ndarray)):
        caps = tuple(order)
        if len(caps) != nvars:
            raise ValueError(
                f"order {tuple(order)!r} has {len(caps)} entries, the jet has {nvars} "
                f"variables: give one cap per variable, or an int for total degree")
        out = []
        for c in caps:
            if isinstance(c, bool) or not isinstance(c, (int, np.integer)) or c < 0:
                raise ValueError(
                    f"order caps must be non-negative integers, got {tuple(order)!r}")
            out.append(int(c))
        return nvars, tuple(out)
    if isinstance(order, float) and order.is_integer():
        raise ValueError(f"order must be an integer, got the float {order!r}: write {int(order)}")
    if isinstance(order, bool) or not isinstance(order, (int, np.integer)):
        raise ValueError(f"order must be a non-negative integer or a tuple of them, got {order!r}")
    if order < 0:
        raise ValueError(f"order must be non-negative, got {order}")
    return nvars, int(order)


def count_coeffs(nvars, order):
    """Number of monomials in the space, computed without building it."""
    if isinstance(order, tuple):
        return prod(c + 1 for c in order)
    return comb(nvars + order, order)


def count_pairs(nvars, order):
    """Number of (a, b) pairs with a + b in the space (product table size)."""
    if isinstance(order, tuple):
        return prod(comb(c + 2, 2) for c in order)
    return comb(2 * nvars + order, order)


def check_size(ncoeffs, batch_size, what="jet"):
    """Raise ValueError before allocating more than MAX_ELEMENTS elements."""
    total = ncoeffs * batch_size
    if total > MAX_ELEMENTS:
        raise ValueError(
            f"this {what} would hold {ncoeffs} coefficients x {batch_size} points = "
            f"{total:.3g} numbers (~{total * 8 / 2**30:.3g} GiB), above the limit of "
            f"{MAX_ELEMENTS:.3g}: lower the order, use per-variable caps, or split the batch")


class JetSpace:
    """Monomial set, graded offsets and product tables for (nvars, order).

    Get instances with :func:`space` (cached); two spaces are equal when their
    (nvars, order) are.
    """

    __slots__ = ("nvars", "order", "caps", "degree", "ncoeffs", "monomials", "degrees",
                 "offsets", "index", "factorials", "top_degree", "_pairs", "_interior",
                 "_embeddings", "_subspaces", "_blocks", "__weakref__")

    def __init__(self, nvars, order):
        nvars, order = _normalize(nvars, order)
        self.nvars, self.order = nvars, order
        self.caps = order if isinstance(order, tuple) else None
        self.degree = sum(order) if self.caps else order
        self.ncoeffs = count_coeffs(nvars, order)
        check_size(self.ncoeffs, 1, "space")
        npairs = count_pairs(nvars, order)
        if npairs > MAX_PAIRS:
            raise ValueError(
                f"order {order!r} in {nvars} variables needs {self.ncoeffs} coefficients "
                f"and {npairs:.3g} product pairs, above the limit of {MAX_PAIRS:.3g}: "
                f"lower the order or use per-variable caps")
        mons = self._graded_monomials()
        self.monomials = mons
        self.monomials.flags.writeable = False
        self.degrees = mons.sum(axis=1)
        self.degrees.flags.writeable = False
        self.offsets = np.searchsorted(self.degrees, np.arange(self.degree + 2))
        self.offsets.flags.writeable = False
        self.index = {tuple(int(v) for v in m): i for i, m in enumerate(mons)}
        self.factorials = np.array(
            [_as_float(prod(factorial(int(v)) for v in m)) for m in mons], dtype=float)
        self.factorials.flags.writeable = False
        # pair tables are built per degree on first use: univariate kernels
        # never need them, and a space of high order would pay for nothing
        self._pairs = [None] * (self.degree + 1)
        #: prefix length -> highest degree it holds (arrays store whole degrees)
        self.top_degree = {int(self.offsets[p + 1]): p for p in range(self.degree + 1)}
        self._interior = {}
        self._embeddings = {}
        self._subspaces = {}
        self._blocks = tuple(slice(int(self.offsets[d]), int(self.offsets[d + 1]))
                             for d in range(self.degree + 1))

    def _graded_monomials(self):
        n, caps, k = self.nvars, self.caps, self.degree
        rows = []
        for d in range(k + 1):
            rows.extend(_compositions(d, n, caps))
        return np.array(rows, dtype=np.int64).reshape(-1, n)

    def _build_pairs(self, d):
        """Pairs (i, j) of coefficient indices whose monomials multiply into
        degree d, sorted by target, and the segment starts per target."""
        mons, off = self.monomials, self.offsets
        idx_i, idx_j, targets = [], [], []
        lo_t = off[d]
        for p in range(d + 1):
            q = d - p
            ip = np.arange(off[p], off[p + 1])
            iq = np.arange(off[q], off[q + 1])
            if len(ip) == 0 or len(iq) == 0:
                continue
            sums = mons[ip][:, None, :] + mons[iq][None, :, :]
            ii, jj = np.meshgrid(ip, iq, indexing="ij")
            sums = sums.reshape(-1, self.nvars)
            ii, jj = ii.ravel(), jj.ravel()
            if self.caps is not None:
                keep = np.all(sums <= np.array(self.caps), axis=1)
                sums, ii, jj = sums[keep], ii[keep], jj[keep]
            t = self._lookup(sums, d)
            idx_i.append(ii)
            idx_j.append(jj)
            targets.append(t)
        i = np.concatenate(idx_i)
        j = np.concatenate(idx_j)
        t = np.concatenate(targets)
        order = np.argsort(t, kind="stable")
        i, j, t = i[order], j[order], t[order]
        starts = np.flatnonzero(np.r_[True, t[1:] != t[:-1]])
        assert len(starts) == off[d + 1] - lo_t
        for a in (i, j, starts):
            a.flags.writeable = False
        return i, j, starts

    def _lookup(self, rows, d):
        """Global indices of the degree-d monomials `rows` (each must exist)."""
        lo, hi = self.offsets[d], self.offsets[d + 1]
        block = np.ascontiguousarray(self.monomials[lo:hi])
        void = np.dtype((np.void, block.dtype.itemsize * self.nvars))
        keys = block.view(void).ravel()
        order = np.argsort(keys)
        want = np.ascontiguousarray(rows, dtype=block.dtype).view(void).ravel()
        pos = np.searchsorted(keys[order], want)
        return lo + order[pos]

    # ------------------------------------------------------------------ queries
    def pairs(self, d):
        """(i, j, starts): coefficient pairs landing in degree d, grouped by target
        (built on first use; a racing thread builds the same table)."""
        table = self._pairs[d]
        if table is None:
            table = self._pairs[d] = self._build_pairs(d)
        return table

    def support_pairs(self, d, lo, hi, xsupport):
        """The pairs X_p Y_{d-p}, lo <= p <= hi, landing in H_d, with X's
        coefficients restricted to `xsupport` (a tuple of indices that may be
        nonzero; None: all), as (ranks, inverse): rank r is (i, j, m), the r-th
        pair of each of the first m targets, with the targets permuted so that
        those with more pairs come first (each rank covers a prefix: no scatter
        is needed).  `inverse` (None when the order is already right) maps H_d
        to the computed rows, -1 for targets no pair reaches (they are zero;
        without `xsupport` every target has divisors of every degree, so rank 0
        covers all of H_d).  Cached."""
        key = (d, lo, hi, xsupport)
        table = self._interior.get(key)
        if table is None:
            table = self._build_interior(d, lo, hi, xsupport)
            self._interior[key] = table  # a dict store is atomic: racing threads agree
        return table

    def _build_interior(self, d, lo, hi, xsupport=None):
        i, j, starts = self.pairs(d)
        t = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(i)]))
        p = self.degrees[i]
        keep = (p >= lo) & (p <= hi)
        if xsupport is not None:
            keep &= np.isin(i, np.array(xsupport, dtype=np.intp))
        i, j, t = i[keep], j[keep], t[keep]
        ntargets = int(self.offsets[d + 1] - self.offsets[d])
        if len(t) == 0:
            return (), np.full(ntargets, -1, dtype=np.intp)
        if xsupport is not None and len(np.unique(t)) < ntargets:
            # some targets are unreachable: compact the target numbering
            present, t = np.unique(t, return_inverse=True)
            ranks, inverse = self._ranks(i, j, t, len(present))
            full = np.full(ntargets, -1, dtype=np.intp)
            full[present] = np.arange(len(present)) if inverse is None else inverse
            full.flags.writeable = False
            return ranks, full
        return self._ranks(i, j, t, ntargets)

    def _ranks(self, i, j, t, ntargets):
        """Rank decomposition of pairs (i, j) -> target t (sorted by t)."""
        starts = np.flatnonzero(np.r_[True, t[1:] != t[:-1]])
        assert len(starts) == ntargets
        counts = np.diff(np.r_[starts, len(i)])
        perm = np.argsort(-counts, kind="stable")      # targets, most pairs first
        position = np.empty(ntargets, dtype=np.intp)
        position[perm] = np.arange(ntargets)
        rank = np.arange(len(i)) - np.repeat(starts, counts)
        ranks = []
        for r in range(int(counts.max())):
            sel = np.flatnonzero(rank == r)
            order = np.argsort(position[t[sel]])
            ri, rj = i[sel][order], j[sel][order]
            for a in (ri, rj):
                a.flags.writeable = False
            ranks.append((ri, rj, len(sel)))
        inverse = None if np.array_equal(perm, np.arange(ntargets)) else position
        if inverse is not None:
            inverse.flags.writeable = False
        return tuple(ranks), inverse

    def cross_table(self, U, V, tx, ty):
        """Product table for X in subspace(U) (degrees <= tx) times Y in
        subspace(V) (degrees <= ty), landing in subspace(U | V).

        Returns (ranks, targets, length): rank r is (i, j, m), the r-th pair of
        the first m targets (targets ordered by decreasing pair count, so each
        rank covers a prefix); `targets` are the result indices of those rows,
        and `length` the result's prefix length.  Only pairs of monomials that
        the two factors can hold are visited: a jet in (x, y) times one in
        (x, z) skips every pair with a y^a z^b on one side.  Cached."""
        key = ("cross", U, V, tx, ty)
        table = self._interior.get(key)
        if table is None:
            table = self._build_cross(U, V, tx, ty)
            self._interior[key] = table
        return table

    def _build_cross(self, U, V, tx, ty):
        W = tuple(sorted(set(U) | set(V)))
        a, b = self.subspace(U), self.subspace(V)
        c = self.subspace(W if len(W) < self.nvars else None)
        dst = W if len(W) < self.nvars else None
        la, lb = int(a.offsets[tx + 1]), int(b.offsets[ty + 1])
        ma = c.monomials[self.embedding(U, dst)[:la]]
        mb = c.monomials[self.embedding(V, dst)[:lb]]
        sums = ma[:, None, :] + mb[None, :, :]
        keep = sums.sum(axis=2) <= c.degree
        if c.caps is not None:
            keep &= np.all(sums <= np.array(c.caps), axis=2)
        ii, jj = np.nonzero(keep)
        sums = sums[ii, jj]
        deg = sums.sum(axis=1)
        t = np.empty(len(ii), dtype=np.intp)
        for d in np.unique(deg):
            sel = deg == d
            t[sel] = c._lookup(sums[sel], int(d))
        order = np.lexsort((ii, t))
        ii, jj, t = ii[order], jj[order], t[order]
        starts = np.flatnonzero(np.r_[True, t[1:] != t[:-1]])
        counts = np.diff(np.r_[starts, len(t)])
        targets = t[starts]
        perm = np.argsort(-counts, kind="stable")
        position = np.empty(len(targets), dtype=np.intp)
        position[perm] = np.arange(len(targets))
        rank = np.arange(len(t)) - np.repeat(starts, counts)
        tpos = np.repeat(position, counts)
        ranks = []
        for r in range(int(counts.max())):
            sel = np.flatnonzero(rank == r)
            o = np.argsort(tpos[sel])
            ri, rj = ii[sel][o], jj[sel][o]
            for arr in (ri, rj):
                arr.flags.writeable = False
            ranks.append((ri, rj, len(sel)))
        targets = targets[perm]
        targets.flags.writeable = False
        length = int(c.offsets[min(c.degree, tx + ty) + 1])
        return tuple(ranks), targets, length

    def product_table(self, tx, ty, xlo):
        """(i, j, starts, targets) for a whole product X*Y at once, where X holds
        degrees xlo..tx and Y degrees 0..ty: every pair, grouped by target, and
        the targets reached (a segmented sum; used for small batches).  Cached."""
        key = ("full", tx, ty, xlo)
        table = self._interior.get(key)
        if table is None:
            deg = min(self.degree, tx + ty)
            ii, jj, tt = [], [], []
            for d in range(deg + 1):
                i, j, starts = self.pairs(d)
                t = self.offsets[d] + np.repeat(np.arange(len(starts)),
                                                np.diff(np.r_[starts, len(i)]))
                keep = ((self.degrees[i] >= xlo) & (self.degrees[i] <= tx)
                        & (self.degrees[j] <= ty))
                ii.append(i[keep])
                jj.append(j[keep])
                tt.append(t[keep])
            i, j, t = np.concatenate(ii), np.concatenate(jj), np.concatenate(tt)
            starts = np.flatnonzero(np.r_[True, t[1:] != t[:-1]]) if len(t) else t
            table = (i, j, starts, t[starts], int(self.offsets[deg + 1]))
            for a in table[:4]:
                a.flags.writeable = False
            self._interior[key] = table
        return table

    # ------------------------------------------------------- variable subsets
    def subspace(self, vars):
        """The space of the variables `vars` (a sorted tuple of indices) alone,
        with the same truncation: jets that depend on few variables live there."""
        if vars is None or len(vars) == self.nvars:
            return self
        sub = self._subspaces.get(vars)
        if sub is None:
            order = self.order if self.caps is None else tuple(self.caps[v] for v in vars)
            sub = self._subspaces[vars] = space(len(vars), order)
        return sub

    def embedding(self, src, dst):
        """Index array mapping the monomials of subspace(src) into subspace(dst)
        (src a subset of dst; None means all variables).  Cached."""
        key = (src, dst)
        table = self._embeddings.get(key)
        if table is None:
            a, b = self.subspace(src), self.subspace(dst)
            dst_vars = tuple(range(self.nvars)) if dst is None else dst
            src_vars = tuple(range(self.nvars)) if src is None else src
            pos = [dst_vars.index(v) for v in src_vars]
            table = np.empty(a.ncoeffs, dtype=np.intp)
            for k, m in enumerate(a.monomials):
                full = [0] * len(dst_vars)
                for p, e in zip(pos, m):
                    full[p] = int(e)
                table[k] = b.index[tuple(full)]
            table.flags.writeable = False
            self._embeddings[key] = table
        return table

    def block(self, d):
        """Slice of the coefficient axis holding the homogeneous part of degree d."""
        return self._blocks[d]

    def describe(self):
        """Human description used in error messages."""
        if self.caps is not None:
            return f"{self.nvars} variable(s) with per-variable order {self.order}"
        return f"{self.nvars} variable(s) of total order {self.order}"

    def validate_alpha(self, alpha):
        """Return alpha as a tuple of ints, or raise ValueError saying what is allowed."""
        if isinstance(alpha, (int, np.integer)) and not isinstance(alpha, bool):
            alpha = (int(alpha),)
        try:
            alpha = tuple(alpha)
        except TypeError:
            raise ValueError(f"alpha must be a tuple of {self.nvars} non-negative ints, "
                             f"got {alpha!r}") from None
        if len(alpha) != self.nvars:
            raise ValueError(f"alpha has {len(alpha)} entries, the jet has {self.nvars} "
                             f"variables: give one exponent per variable")
        out = []
        for a in alpha:
            if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
                raise ValueError(f"alpha entries must be non-negative ints, got {alpha!r}")
            if a < 0:
                raise ValueError(f"alpha entries must be non-negative, got {alpha!r}")
            out.append(int(a))
        alpha = tuple(out)
        if alpha not in self.index:
            if self.caps is None:
                raise ValueError(f"alpha {alpha} has total degree {sum(alpha)}, beyond the "
                                 f"jet's order {self.order}: seed with order >= {sum(alpha)}")
            raise ValueError(f"alpha {alpha} exceeds the jet's per-variable order "
                             f"{self.order}: seed with caps >= {alpha}")
        return alpha

    def __eq__(self, other):
        return isinstance(other, JetSpace) and (self.nvars, self.order) == (other.nvars, other.order)

    def __hash__(self):
        return hash((self.nvars, self.order))

    def __repr__(self):
        return f"JetSpace(nvars={self.nvars}, order={self.order!r})"

    def __reduce__(self):
        if _cached(self.nvars, self.order) is self:
            return (space, (self.nvars, self.order))
        return (_seeded_space, (self.nvars, self.order))

    def seeded(self):
        """A new space of the same (nvars, order) with an identity of its own,
        sharing every table: each call of ``jets.variables`` seeds one, so that
        jets seeded separately are different variables and never combine."""
        view = JetSpace.__new__(JetSpace)
        for name, value in zip(_SHARED, _get_shared(self)):
            setattr(view, name, value)
        return view


def _compositions(d, n, caps):
    """Exponent tuples of degree d in n variables (first exponent descending)."""
    if n == 1:
        if caps is None or d <= caps[0]:
            yield (d,)
        return
    top = d if caps is None else min(d, caps[0])
    for a in range(top, -1, -1):
        rest_caps = None if caps is None else caps[1:]
        for rest in _compositions(d - a, n - 1, rest_caps):
            yield (a,) + rest


def _as_float(n):
    """n as a float, inf when it overflows (alpha! beyond 170!)."""
    try:
        return float(n)
    except OverflowError:
        return float("inf")


@lru_cache(maxsize=256)
def _cached(nvars, order):
    return JetSpace(nvars, order)


_SHARED = JetSpace.__slots__[:-1]          # every slot but __weakref__
_get_shared = attrgetter(*_SHARED)


def _seeded_space(nvars, order):
    """Unpickling a seeded space: a fresh identity (pickled together, jets share it)."""
    return space(nvars, order).seeded()


def space(nvars, order):
    """The cached JetSpace for (nvars, order)."""
    return _cached(*_normalize(nvars, order))
