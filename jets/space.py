"""JetSpace: the set of monomials a jet carries, and its cached index tables.

A space is fixed by the number of variables n and the truncation `order`:
an int k (all monomials of total degree <= k) or a tuple (k1, ..., kn) of
per-variable caps (monomials with a_i <= k_i; (1, 1) are hyper-dual numbers).
Coefficients are stored in graded order: degree 0, then degree 1, ...; within
a degree, exponents of the first variable descending.  Every table is built
once, when the space is first asked for, and never changes afterwards, so a
space is safe to share between threads.
"""

from collections.abc import Mapping
from functools import lru_cache
from math import comb, factorial, prod

import numpy as np

from . import backend as B

__all__ = ["JetSpace", "space", "MAX_ELEMENTS", "MAX_PAIRS", "check_size", "scale_for"]

#: Largest number of array elements (coefficients times batch size) a jet may
#: hold; above it a ValueError reports the size before anything is allocated.
MAX_ELEMENTS = 2 * 10**8
_F64 = np.dtype(np.float64)
#: Largest number of coefficient pairs a space's product tables may hold.
MAX_PAIRS = 3 * 10**7
#: Temporaries of the table builders hold at most about this many integers
#: (8 bytes each) at a time: larger tables are built in chunks.
CHUNK_ELEMENTS = 2**22
#: The dense `monomials` matrix (ncoeffs x nvars) uses int64 up to this many
#: entries and the smallest integer type that holds twice the degree above.
_DENSE_INT64 = 2**24


def _as_order_scalar(order):
    """A 0-d integer array (np.array(3)) is the integer it holds."""
    if isinstance(order, np.ndarray) and order.ndim == 0:
        return order.item()
    return order


def _normalize(nvars, order):
    """Validate (nvars, order) and return the canonical key.

    A non-integer order (a float, a bool, a string, None) is a TypeError, a
    negative one or a tuple of caps of the wrong length a ValueError, as in
    the functional API (jets.derivatives & co.)."""
    if isinstance(nvars, bool) or not isinstance(nvars, (int, np.integer)) or nvars < 1:
        raise ValueError(f"nvars must be a positive integer, got {nvars!r}")
    nvars = int(nvars)
    order = _as_order_scalar(order)
    if isinstance(order, (tuple, list, np.ndarray)):
        caps = tuple(order)
        if len(caps) != nvars:
            raise ValueError(
                f"order {tuple(order)!r} has {len(caps)} entries, the jet has {nvars} "
                f"variables: give one cap per variable, or an int for total degree"
            )
        out = []
        for c in caps:
            c = _as_order_scalar(c)
            if isinstance(c, (bool, np.bool_)) or not isinstance(c, (int, np.integer)):
                raise TypeError(f"order caps must be non-negative integers, got {tuple(order)!r}")
            if c < 0:
                raise ValueError(f"order caps must be non-negative integers, got {tuple(order)!r}")
            out.append(int(c))
        return nvars, tuple(out)
    if isinstance(order, (float, np.floating)) and float(order).is_integer():
        raise TypeError(f"order must be an integer, got the float {order!r}: write {int(order)}")
    if isinstance(order, (bool, np.bool_)) or not isinstance(order, (int, np.integer)):
        raise TypeError(f"order must be a non-negative integer or a tuple of them, got {order!r}")
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


def _count_text(n):
    """An integer for a message: 3 significant digits, also past the float range."""
    n = int(n)
    if n.bit_length() < 1000:
        return f"{n:.3g}"
    s = str(n)
    return f"{s[0]}.{s[1:3]}e+{len(s) - 1}"


def _gib_text(nelements, itemsize=8):
    """Size in GiB of nelements numbers, also for counts past the float range."""
    nbytes = int(nelements) * itemsize
    if nbytes.bit_length() < 1000:
        return f"{nbytes / 2**30:.3g}"
    return _count_text(nbytes // 2**30)


def check_size(ncoeffs, batch_size, what="jet"):
    """Raise ValueError before allocating more than MAX_ELEMENTS elements.

    Every array a jet operation allocates (coefficients x batch points) goes
    through here first: the limit (2e8 numbers, 1.5 GiB of float64) bounds the
    memory of one operation; the message gives the size and the way out."""
    total = int(ncoeffs) * int(batch_size)
    if total > MAX_ELEMENTS:
        raise ValueError(
            f"this {what} would hold {_count_text(ncoeffs) if ncoeffs > 10**12 else ncoeffs} "
            f"coefficients x {batch_size} points = "
            f"{_count_text(total)} numbers (~{_gib_text(total)} GiB), above the limit of "
            f"{MAX_ELEMENTS:.3g}: lower the order, use per-variable caps, or split the batch"
        )


class JetSpace:
    """Monomial set, graded offsets and product tables for (nvars, order).

    Get instances with :func:`space` (cached); two spaces are equal when their
    (nvars, order) are.
    """

    # Every table lives in the instance __dict__, which the seeded views of a
    # space share by reference (:meth:`seeded`): a table built lazily through
    # any view is built once for all of them.  Only the per-seeding scale is a
    # slot of its own.
    __slots__ = ("scale", "__dict__", "__weakref__")

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
                f"and {_count_text(npairs)} product pairs, above the limit of {MAX_PAIRS:.3g}: "
                f"lower the order or use per-variable caps"
            )
        self._monomials = self._index = self._msets = self._comb = None
        #: per-seeding scale (see :meth:`seeded`): None (sigma = 1) on canonical spaces
        self.scale = None
        if self._dense:
            # per-variable caps or one variable: the dense exponent matrix is small
            mons = self._graded_monomials()
            _freeze(mons)
            self._monomials = mons
            self.degrees = mons.sum(axis=1)
        else:
            # total degree in several variables: degree d holds C(n-1+d, d) monomials;
            # the tables work on sorted index lists (x0^2 x2 -> (0, 0, 2)), whose size
            # grows with the degree, not with the number of variables
            sizes = [comb(nvars - 1 + d, d) for d in range(self.degree + 1)]
            self.degrees = np.repeat(np.arange(self.degree + 1), sizes)
        self.offsets = np.searchsorted(self.degrees, np.arange(self.degree + 2))
        if self._dense:
            self._index = {tuple(int(v) for v in m): i for i, m in enumerate(mons)}
            self.factorials = np.array(
                [_as_float(prod(factorial(int(v)) for v in m)) for m in mons], dtype=float
            )
        else:
            self._index = _RankIndex(self)
            self.factorials = self._multiset_factorials()
        for a in (self.degrees, self.offsets, self.factorials):
            _freeze(a)
        # pair tables are built per degree on first use: univariate kernels
        # never need them, and a space of high order would pay for nothing
        self._pairs = [None] * (self.degree + 1)
        #: prefix length -> highest degree it holds (arrays store whole degrees)
        self.top_degree = {int(self.offsets[p + 1]): p for p in range(self.degree + 1)}
        self._interior = {}
        self._embeddings = {}
        self._subspaces = {}
        self._blocks = tuple(
            slice(int(self.offsets[d]), int(self.offsets[d + 1])) for d in range(self.degree + 1)
        )

    @property
    def _dense(self):
        """True when the tables work on the dense exponent matrix (caps, or no
        more variables than the degree: a monomial is n numbers); False for
        total degree in more variables than the degree (index lists: a monomial
        of degree d is d numbers, so 1000 variables of order 2 stay small)."""
        return self.caps is not None or self.nvars <= self.degree

    @property
    def monomials(self):
        """Exponents, shape (ncoeffs, nvars), graded order (read-only).  Built on
        first use for total-degree spaces: nothing in the product tables needs
        it, and for many variables it is large (1000 variables of order 2:
        501501 x 1000); its integer type is int64 unless it has more than 2**24
        entries (then the smallest type holding twice the degree)."""
        mons = self._monomials
        if mons is None:
            mons = self._monomials = _freeze(self._dense_from_lists())
        return mons

    def _dense_from_lists(self):
        """The dense exponent matrix of a total-degree space, from its index lists."""
        n, k = self.nvars, self.degree
        dtype = np.int64
        if self.ncoeffs * n > _DENSE_INT64:
            dtype = next(
                t for t in (np.int8, np.int16, np.int32, np.int64) if 2 * k <= np.iinfo(t).max
            )
        mons = np.zeros((self.ncoeffs, n), dtype=dtype)
        flat = mons.reshape(-1)
        for d in range(1, k + 1):
            ms = self._ms(d)
            rows = np.arange(self.offsets[d], self.offsets[d + 1], dtype=np.intp)
            np.add.at(flat, (rows[:, None] * n + ms).ravel(), 1)
        return mons

    @property
    def index(self):
        """Mapping exponent tuple -> coefficient index (graded order when iterated)."""
        return self._index

    def _graded_monomials(self):
        """Dense exponents of a caps (or one-variable) space, graded order: the
        cartesian product of the caps, first exponent descending, then a
        stable sort by degree (no recursion: any number of variables)."""
        if self.caps is None and self.nvars > 1:
            offsets = np.cumsum([0] + [comb(self.nvars - 1 + d, d) for d in range(self.degree + 1)])
            self.offsets = offsets  # _dense_from_lists needs the block starts
            mons = self._dense_from_lists()
            self._msets = None  # rebuilt on demand (a cross table may need them)
            return mons
        caps = self.caps if self.caps is not None else (self.degree,)
        mons = np.zeros((1, 0), dtype=np.int64)
        for c in caps:
            vals = np.arange(c, -1, -1, dtype=np.int64)
            mons = np.concatenate(
                [np.repeat(mons, c + 1, axis=0), np.tile(vals, len(mons))[:, None]], axis=1
            )
        return np.ascontiguousarray(mons[np.argsort(mons.sum(axis=1), kind="stable")])

    # ------------------------------------- index lists (total degree, n > 1)
    def _ms(self, d):
        """The degree-d monomials as sorted variable-index lists, shape
        (C(n-1+d, d), d), in graded order (lexicographic order of the lists is
        'first exponent descending').  Total-degree spaces only."""
        if self.nvars == 1:
            return np.zeros((1, d), dtype=np.intp)
        msets = self._msets
        if msets is None:
            msets = self._msets = _multisets(self.nvars, self.degree)
        return msets[d]

    def _rank_rows(self, ms, d):
        """Index within degree d of the sorted index lists `ms` (m, d): the
        number of degree-d monomials before each in graded order.  With
        s_0 = 0 and r = d - p, position p adds C(n - s_{p-1} + r, r + 1) -
        C(n - s_p + r, r + 1) (the lists with a smaller entry there)."""
        n = self.nvars
        if n == 1 or d == 0:
            return np.zeros(len(ms), dtype=np.intp)
        T = self._comb
        if T is None:
            T = self._comb = _freeze(_comb_table(n + self.degree, self.degree))
        prev = np.empty_like(ms)
        prev[:, 0] = 0
        prev[:, 1:] = ms[:, :-1]
        r = d - 1 - np.arange(d)
        return (T[n - prev + r, r + 1] - T[n - ms + r, r + 1]).sum(axis=1)

    def _rank_alpha(self, alpha):
        """Coefficient index of the exponent tuple alpha (KeyError if absent)."""
        n = self.nvars
        if not isinstance(alpha, tuple) or len(alpha) != n:
            raise KeyError(alpha)
        d, parts = 0, []
        for v, a in enumerate(alpha):
            if isinstance(a, (bool, np.bool_)) or not isinstance(a, (int, np.integer)) or a < 0:
                raise KeyError(alpha)
            if a:
                parts.append((v, int(a)))
                d += int(a)
        if d > self.degree:
            raise KeyError(alpha)
        rank, prev, p = 0, 0, 0
        for v, a in parts:
            r = d - p - 1
            rank += comb(n - prev + r, r + 1) - comb(n - v + r, r + 1)
            p, prev = p + a, v
        return int(self.offsets[d]) + rank

    def _multiset_factorials(self):
        """alpha! for every monomial, from the run lengths of the index lists
        (a run of m equal entries contributes m!), exactly rounded."""
        out = np.ones(self.ncoeffs, dtype=float)
        for d in range(2, self.degree + 1):
            ms = self._ms(d)
            run = np.ones(ms.shape, dtype=np.int64)
            for p in range(1, d):
                run[:, p] = np.where(ms[:, p] == ms[:, p - 1], run[:, p - 1] + 1, 1)
            blk = slice(int(self.offsets[d]), int(self.offsets[d + 1]))
            if d <= 20:  # 20! < 2**63: exact in int64, then one rounding to float
                out[blk] = run.prod(axis=1).astype(float)
            else:
                out[blk] = [_as_float(prod(int(v) for v in row)) for row in run]
        return out

    def _build_pairs(self, d):
        """Pairs (i, j) of coefficient indices whose monomials multiply into
        degree d, sorted by target, and the segment starts per target."""
        off = self.offsets
        idx_i, idx_j, targets = [], [], []
        for p in range(d + 1):
            q = d - p
            if self._dense:
                ip = np.arange(off[p], off[p + 1])
                iq = np.arange(off[q], off[q + 1])
                if len(ip) == 0 or len(iq) == 0:
                    continue
                caps = None if self.caps is None else np.array(self.caps)
                for ii, jj, sums in _dense_pair_sums(self.monomials, ip, iq, caps):
                    idx_i.append(ii)
                    idx_j.append(jj)
                    targets.append(self._lookup(sums, d))
            else:
                A, Bm = self._ms(p), self._ms(q)
                for ii, jj, merged in _list_pair_sums(A, Bm):
                    idx_i.append(ii + off[p])
                    idx_j.append(jj + off[q])
                    targets.append(off[d] + self._rank_rows(merged, d))
        i = np.concatenate(idx_i).astype(np.intp, copy=False)
        j = np.concatenate(idx_j).astype(np.intp, copy=False)
        t = np.concatenate(targets)
        order = np.argsort(t, kind="stable")
        i, j, t = i[order], j[order], t[order]
        starts = np.flatnonzero(np.r_[True, t[1:] != t[:-1]])
        assert len(starts) == off[d + 1] - off[d]
        for a in (i, j, starts):
            _freeze(a)
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
            return (), _freeze(np.full(ntargets, -1, dtype=np.intp))
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
        perm = np.argsort(-counts, kind="stable")  # targets, most pairs first
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
        iis, jjs, ts = [], [], []
        if c._dense:
            # caps: dense exponent sums, in chunks (never la x lb x n at once)
            ma = c.monomials[self.embedding(U, dst)[:la]]
            mb = c.monomials[self.embedding(V, dst)[:lb]]
            caps = None if c.caps is None else np.array(c.caps)
            for ii, jj, sums in _dense_pair_sums(
                np.concatenate([ma, mb]), np.arange(la), la + np.arange(lb), caps, c.degree
            ):
                deg = sums.sum(axis=1)
                t = np.empty(len(ii), dtype=np.intp)
                for d in np.unique(deg):
                    sel = deg == d
                    t[sel] = c._lookup(sums[sel], int(d))
                iis.append(ii)
                jjs.append(jj - la)
                ts.append(t)
        else:
            # total degree: index lists of U and V renamed into W, merged per degree pair
            wv = np.array(W, dtype=np.intp)
            pu = np.searchsorted(wv, np.array(U, dtype=np.intp))
            pv = np.searchsorted(wv, np.array(V, dtype=np.intp))
            for p in range(tx + 1):
                for q in range(min(ty, c.degree - p) + 1):
                    for ii, jj, merged in _list_pair_sums(pu[a._ms(p)], pv[b._ms(q)]):
                        iis.append(ii + a.offsets[p])
                        jjs.append(jj + b.offsets[q])
                        ts.append(c.offsets[p + q] + c._rank_rows(merged, p + q))
        ii = np.concatenate(iis).astype(np.intp, copy=False)
        jj = np.concatenate(jjs).astype(np.intp, copy=False)
        t = np.concatenate(ts).astype(np.intp, copy=False)
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
                t = self.offsets[d] + np.repeat(
                    np.arange(len(starts)), np.diff(np.r_[starts, len(i)])
                )
                keep = (self.degrees[i] >= xlo) & (self.degrees[i] <= tx) & (self.degrees[j] <= ty)
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
            dst_vars = np.arange(self.nvars) if dst is None else np.array(dst, dtype=np.intp)
            src_vars = np.arange(self.nvars) if src is None else np.array(src, dtype=np.intp)
            pos = np.searchsorted(dst_vars, src_vars)
            table = np.empty(a.ncoeffs, dtype=np.intp)
            for d in range(a.degree + 1):
                blk = a.block(d)
                if b._dense:
                    rows = np.zeros((blk.stop - blk.start, b.nvars), dtype=np.int64)
                    rows[:, pos] = a.monomials[blk]
                    table[blk] = b._lookup(rows, d)
                else:
                    table[blk] = b.offsets[d] + b._rank_rows(pos[a._ms(d)], d)
            _freeze(table)
            self._embeddings[key] = table
        return table

    def hessian_rows(self):
        """Rows of the graded order holding the second partials d2/dx_i dx_j,
        row-major over (i, j): intp array (nvars**2,), cached; None when the
        space does not carry every one (hyper-dual caps lack the pure ones)."""
        rows = self.__dict__.get("_hessian_rows", False)
        if rows is False:
            n, rows = self.nvars, []
            for i in range(n):
                for j in range(n):
                    a = [0] * n
                    a[i] += 1
                    a[j] += 1
                    r = self.index.get(tuple(a))
                    if r is None:
                        rows = None
                        break
                    rows.append(r)
                if rows is None:
                    break
            rows = self._hessian_rows = None if rows is None else _freeze(np.array(rows, np.intp))
        return rows

    def index_items(self):
        """``tuple(self.index.items())``, cached: (exponent tuple, row) in graded
        order (a total-degree index computes each row from its tuple)."""
        items = self.__dict__.get("_index_items")
        if items is None:
            items = self._index_items = tuple(self.index.items())
        return items

    def hessian_factors(self):
        """alpha! of the :meth:`hessian_rows` (1 on the mixed, 2 on the pure
        partials) as float64, cached: the unscaled readers' factors."""
        f = self.__dict__.get("_hessian_factors")
        if f is None:
            rows = self.hessian_rows()
            f = self._hessian_factors = _freeze(self.factorials[rows].astype(np.float64))
        return f

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
            raise ValueError(
                f"alpha must be a tuple of {self.nvars} non-negative ints, got {alpha!r}"
            ) from None
        if len(alpha) != self.nvars:
            raise ValueError(
                f"alpha has {len(alpha)} entries, the jet has {self.nvars} "
                f"variables: give one exponent per variable"
            )
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
                raise ValueError(
                    f"alpha {alpha} has total degree {sum(alpha)}, beyond the "
                    f"jet's order {self.order}: seed with order >= {sum(alpha)}"
                )
            raise ValueError(
                f"alpha {alpha} exceeds the jet's per-variable order "
                f"{self.order}: seed with caps >= {alpha}"
            )
        return alpha

    def __eq__(self, other):
        return isinstance(other, JetSpace) and (self.nvars, self.order) == (
            other.nvars,
            other.order,
        )

    def __hash__(self):
        return hash((self.nvars, self.order))

    def __repr__(self):
        return f"JetSpace(nvars={self.nvars}, order={self.order!r})"

    def __reduce__(self):
        seeded = _cached(self.nvars, self.order) is not self
        if self.scale is not None:  # version 2: a scaled seeding (older jets refuse it)
            return (_unpickle, (2, self.nvars, self.order, seeded, self.scale))
        return (_unpickle, (PICKLE_VERSION, self.nvars, self.order, seeded))

    def seeded(self, scale=None):
        """A new space of the same (nvars, order) with an identity of its own,
        sharing every table: each call of ``jets.variables`` seeds one, so that
        jets seeded separately are different variables and never combine.

        `scale`: None, or one integer m_i >= 0 per variable: the jets of this
        seeding then store the series of f(x0 + sigma * t) with sigma_i = 2**m_i,
        i.e. the Taylor coefficient c[a] times 2**(m . a) (exact: a power of
        two), so that high-order coefficients stay representable (docs/theory.md,
        "Magnitudes: the per-seeding scale").  Readers convert back
        (:meth:`to_true`, :meth:`to_derivatives`)."""
        view = JetSpace.__new__(JetSpace)
        view.__dict__ = self.__dict__  # shared by reference: every table, once
        view.scale = _check_scale(scale, self.nvars) if scale is not None else None
        return view

    # ------------------------------------------- the per-seeding scale (readers)
    def exponents(self, vars=None, length=None):
        """Integer exponents e[i] = m . a_i (stored = true * 2**e) of the first
        `length` monomials of subspace(vars) (all: None), shape (length,), int64;
        None when the space is not scaled."""
        if self.scale is None:
            return None
        sub = self.subspace(vars) if vars else self
        m = self.scale if not vars else tuple(self.scale[v] for v in vars)
        e = _exponent_table(sub.nvars, sub.order, m)
        return e if length is None else e[:length]

    def to_true(self, c, vars=None):
        """Stored coefficients c (L, ...) of subspace(vars) -> the true Taylor
        coefficients: c * 2**-e by np.ldexp, exact unless the true coefficient
        under- or overflows (then that is its float64 value).  Unscaled: c."""
        e = self.exponents(vars, c.shape[0])
        return c if e is None else _ldexp(c, -e)

    def from_true(self, c, vars=None):
        """True Taylor coefficients c (L, ...) of subspace(vars) -> stored ones
        (c * 2**e, exact unless it over/underflows).  Unscaled: c."""
        e = self.exponents(vars, c.shape[0])
        return c if e is None else _ldexp(c, e)

    def to_derivatives(self, c, idx=None):
        """Partial derivatives a! * c[a] from STORED full-space coefficients:
        c has shape (len(idx), ...) (rows idx of the graded order; idx None:
        all, c of shape (ncoeffs, ...)).  Computed as stored * F with
        F = a! / sigma**|a| correctly rounded (one more rounding: the result is
        within 1 ulp of stored * F), never forming a! or c[a] alone, so a
        derivative float64 can represent comes out right even where the
        coefficient or a! (beyond 170!) is not; where F itself is not a normal
        float (unscaled spaces of order > 170) as ldexp(stored * Fm, Fe)."""
        col = (-1,) + (1,) * (c.ndim - 1)
        if type(c) is not np.ndarray and B.is_foreign(c):
            return _foreign_derivatives(self, c, idx, col)
        if idx is None and self.scale is None and c.dtype == _F64 and self.degree <= 20:
            # the most common case: a! (float64: exact up to 18!, correctly
            # rounded to 20!, the same numbers as F below)
            return c * self.factorials.reshape(col)
        if c.dtype.kind in "fc":  # the common case first
            F, Fm, Fe, odd_rows = _factor_table(self.nvars, self.order, self.scale)
            f = F if idx is None else F[np.asarray(idx, dtype=np.intp)]
            if (
                self.scale is None
                and not len(odd_rows)
                and c.dtype.kind == "f"
                and self.degree <= 20
            ):
                return c * f.astype(c.dtype, copy=False).reshape(col)  # exact small a!
            with np.errstate(over="ignore", under="ignore", invalid="ignore"):
                # overflow: the derivative is beyond float64, inf is its value
                out = c * f.astype(c.dtype, copy=False).reshape(col)
                if len(odd_rows):
                    idx = np.arange(self.ncoeffs) if idx is None else np.asarray(idx, np.intp)
                    odd = np.flatnonzero(np.isin(idx, odd_rows))
                    if len(odd):
                        out[odd] = _ldexp(
                            c[odd] * Fm[idx[odd]].reshape(col), Fe[idx[odd]].reshape(col)
                        )
            return out
        idx = np.arange(self.ncoeffs) if idx is None else np.asarray(idx, dtype=np.intp)
        if c.dtype == object:  # exact numbers (never scaled): exact integer a!
            f = [prod(factorial(int(v)) for v in self.monomials[i]) for i in idx]
            return c * np.array(f, dtype=object).reshape(col)
        # integer and bool jets (never scaled) keep their dtype
        return c * self.factorials[idx].astype(c.dtype).reshape(col)


def _freeze(a):
    """Make a cached table read-only: a user holding it cannot corrupt the cache."""
    a.flags.writeable = False
    return a


def _multisets(n, k):
    """[M_0, ..., M_k]: M_d of shape (C(n-1+d, d), d) lists the degree-d monomials
    of n variables as sorted variable indices (x0^2 x2 -> (0, 0, 2)), in
    lexicographic order, which is the graded order (first exponent descending).
    Built degree by degree without recursion: each list of degree d - 1 is
    extended by every index >= its last one."""
    out = [_freeze(np.zeros((1, 0), dtype=np.intp))]
    for d in range(1, k + 1):
        prev = out[-1]
        last = prev[:, -1] if d > 1 else np.zeros(1, dtype=np.intp)
        counts = n - last
        rows = np.repeat(prev, counts, axis=0)
        first = np.cumsum(counts) - counts
        col = np.arange(len(rows), dtype=np.intp) - np.repeat(first - last, counts)
        out.append(_freeze(np.concatenate([rows, col[:, None]], axis=1)))
    return out


def _comb_table(a, k):
    """T[i, b] = C(i, b) for 0 <= i <= a, 0 <= b <= k, int64 (Pascal by cumsum).
    Entries past int64 wrap, but the ranks read only C(i, b) <= ncoeffs."""
    T = np.zeros((a + 1, k + 1), dtype=np.int64)
    T[:, 0] = 1
    for b in range(1, k + 1):
        T[1:, b] = np.cumsum(T[:-1, b - 1])
    return T


def _chunks(rows, per_row):
    """Row ranges of `rows` rows so that a chunk holds about CHUNK_ELEMENTS."""
    step = max(1, CHUNK_ELEMENTS // max(1, per_row))
    return [(lo, min(rows, lo + step)) for lo in range(0, rows, step)]


def _dense_pair_sums(mons, ip, iq, caps=None, degree=None):
    """(i, j, mons[i] + mons[j]) for every i in ip, j in iq whose sum stays
    within `caps` and total `degree` (when given), in chunks of ip."""
    n = mons.shape[1]
    mq = mons[iq].astype(np.int64)
    for lo, hi in _chunks(len(ip), len(iq) * n):
        sums = mons[ip[lo:hi]].astype(np.int64)[:, None, :] + mq[None, :, :]
        keep = np.ones(sums.shape[:2], dtype=bool)
        if degree is not None:
            keep &= sums.sum(axis=2) <= degree
        if caps is not None:
            keep &= np.all(sums <= caps, axis=2)
        a, b = np.nonzero(keep)
        yield ip[lo:hi][a], iq[b], sums[a, b]


def _list_pair_sums(A, Bm):
    """(i, j, sorted(A[i] + B[j])) for all rows i of A and j of B (index lists:
    the product of two monomials is the merged list), in chunks of A."""
    na, nb = len(A), len(Bm)
    width = A.shape[1] + Bm.shape[1]
    for lo, hi in _chunks(na, nb * max(width, 1)):
        i = np.repeat(np.arange(lo, hi, dtype=np.intp), nb)
        j = np.tile(np.arange(nb, dtype=np.intp), hi - lo)
        merged = np.concatenate([A[i], Bm[j]], axis=1)
        merged.sort(axis=1)
        yield i, j, merged


class _RankIndex(Mapping):
    """exponent tuple -> coefficient index of a total-degree space in several
    variables, computed from the tuple (no table of ncoeffs x nvars tuples);
    iteration yields the tuples in graded order."""

    __slots__ = ("_space", "_cache")

    def __init__(self, space):
        self._space = space
        self._cache = {}

    def __getitem__(self, alpha):
        i = self._cache.get(alpha) if isinstance(alpha, tuple) else None
        if i is None:
            i = self._space._rank_alpha(alpha)
            if len(self._cache) < 100_000:
                self._cache[alpha] = i
        return i

    def __iter__(self):
        S = self._space
        n = S.nvars
        for d in range(S.degree + 1):
            for row in S._ms(d):
                alpha = [0] * n
                for v in row:
                    alpha[v] += 1
                yield tuple(alpha)

    def __len__(self):
        return self._space.ncoeffs


def _as_float(n):
    """n as a float, inf when it overflows (alpha! beyond 170!)."""
    try:
        return float(n)
    except OverflowError:
        return float("inf")


#: Format of a pickled JetSpace: (PICKLE_VERSION, nvars, order) for _unpickle.
PICKLE_VERSION = 1


def _unpickle(version, nvars, order, seeded=False, scale=None):
    """Unpickle a JetSpace: check the format version and the content (a pickle
    is data from outside), then return the cached space, or for a seeding's
    space a fresh identity (jets pickled together share it) with its scale
    (version 2: a scaled seeding)."""
    if version not in (PICKLE_VERSION, 2) or (version == PICKLE_VERSION) != (scale is None):
        raise ValueError(
            f"cannot unpickle a JetSpace: unknown format version {version!r}, "
            f"this jets reads version {PICKLE_VERSION} (rebuild the space)"
        )
    try:
        S = space(nvars, order)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"cannot unpickle a JetSpace: {exc}") from None
    if scale is not None:
        try:
            scale = _check_scale(scale, S.nvars)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"cannot unpickle a JetSpace: {exc}") from None
        return S.seeded(scale)
    return S.seeded() if seeded is True else S


def _check_scale(scale, nvars):
    """None, or a tuple of nvars ints 0 <= m <= 64 (None when all are 0)."""
    if scale is None:
        return None
    if (
        not isinstance(scale, tuple)
        or len(scale) != nvars
        or any(
            isinstance(m, bool) or not isinstance(m, (int, np.integer)) or not 0 <= m <= 64
            for m in scale
        )
    ):
        raise ValueError(f"a space's scale must be {nvars} integers in [0, 64], got {scale!r:.60}")
    scale = tuple(int(m) for m in scale)
    return scale if any(scale) else None


@lru_cache(maxsize=1024)
def scale_for(order, nvars):
    """The per-variable scale exponents m_i of a seeding of this order: sigma_i =
    2**m_i ~ k_i / e for the variable's order k_i (its cap, or the total order),
    which keeps sigma**d / d! within a few hundred orders of magnitude of 1 for
    every d <= k_i (it peaks at e**sigma ~ e**(k/e) and ends near 1/sqrt(2 pi k));
    m = 0 for k <= 4 so that low orders are untouched.  None when all are 0."""
    ks = order if isinstance(order, tuple) else (order,) * nvars
    return _check_scale(tuple(0 if k <= 4 else max(0, round(np.log2(k / np.e))) for k in ks), nvars)


@lru_cache(maxsize=256)
def _exponent_table(nvars, order, m):
    """e[i] = m . a_i for every monomial of space(nvars, order), int64, read-only."""
    S = space(nvars, order)
    if len(set(m)) == 1:
        e = S.degrees.astype(np.int64) * m[0]
    else:
        e = S.monomials.astype(np.int64) @ np.array(m, dtype=np.int64)
    return _freeze(e)


@lru_cache(maxsize=256)
def _factor_table(nvars, order, m):
    """(F, Fm, Fe) for every monomial a of space(nvars, order) and scale m:
    F = a! / 2**(m . a) as a float (correctly rounded: a! is, and the power of
    two is exact in the normal range), and where F is not a normal float
    (a! beyond 170! unscaled, or an extreme scale) F = Fm * 2**Fe with
    0.5 <= Fm <= 1 correctly rounded from the exact integers."""
    S = space(nvars, order)
    fac = S.factorials
    e = _exponent_table(nvars, order, m) if m is not None else np.zeros(S.ncoeffs, np.int64)
    with np.errstate(all="ignore"):
        F = np.ldexp(fac, -e)
    Fm = np.ones(S.ncoeffs)
    Fe = np.zeros(S.ncoeffs, dtype=np.int64)
    for i in np.flatnonzero(~_normal(F)):
        N = prod(factorial(int(v)) for v in S.monomials[i])
        b = N.bit_length()
        Fm[i] = N / (1 << b)
        Fe[i] = b - int(e[i])
        F[i] = _as_float_ldexp(Fm[i], Fe[i])
    for a in (F, Fm, Fe):
        _freeze(a)
    return F, Fm, Fe, _freeze(np.flatnonzero(~_normal(F)))


def _as_float_ldexp(m, e):
    with np.errstate(all="ignore"):
        return float(np.ldexp(m, int(max(min(e, 10**6), -(10**6)))))


def _normal(f):
    """True where f is a finite float of the normal range (or zero: exact)."""
    a = np.abs(f)
    return np.isfinite(a) & ((a >= np.finfo(float).tiny) | (a == 0))


def _foreign_derivatives(S, c, idx, col):
    """JetSpace.to_derivatives for coefficients of another library (torch,
    cupy): stored * F with the table F = a! / sigma**|a| on c's device (where F
    is not a normal float: ldexp(stored * Fm, Fe), in two exact halves)."""
    F, Fm, Fe, odd_rows = _factor_table(S.nvars, S.order, S.scale)
    rows = np.arange(S.ncoeffs) if idx is None else np.asarray(idx, dtype=np.intp)
    if not len(odd_rows) or not np.isin(rows, odd_rows).any():
        f = B.table(F, c)
        f = f if idx is None else f[B.index(rows, c, cache=False)]
        return c * f.reshape(col)
    f = B.table(Fm, c)[B.index(rows, c, cache=False)]
    return _ldexp(c * f.reshape(col), Fe[rows])


def _ldexp(c, e):
    """c * 2**e with integer exponents e (one per row of c, broadcast over the
    batch), exact unless the result under/overflows; complex parts apart."""
    if type(c) is not np.ndarray and B.is_foreign(c):
        # another library: two exact power-of-two factors (2**e alone may
        # overflow where c * 2**e does not)
        e = np.asarray(e, dtype=np.int64)
        h = e // 2
        e = e.reshape((-1,) + (1,) * (c.ndim - 1)) if e.ndim == 1 else e
        h = h.reshape(e.shape)
        ns = B.namespace(c)
        real = (
            ns.float32
            if B.kind(c.dtype) in "fc" and c.dtype in (ns.float32, ns.complex64)
            else ns.float64
        )
        p1 = ns.asarray(np.ldexp(1.0, h), dtype=real, device=B.device(c))
        p2 = ns.asarray(np.ldexp(1.0, e - h), dtype=real, device=B.device(c))
        return c * p1 * p2
    e = np.asarray(e).reshape((-1,) + (1,) * (np.ndim(c) - 1)) if np.ndim(e) == 1 else e
    with np.errstate(over="ignore", under="ignore"):
        if np.iscomplexobj(c):
            out = np.empty(np.broadcast_shapes(np.shape(c), np.shape(e)), dtype=c.dtype)
            out.real = np.ldexp(c.real, e)
            out.imag = np.ldexp(c.imag, e)
            return out
        return np.ldexp(c, e)


@lru_cache(maxsize=256)
def _cached(nvars, order):
    return JetSpace(nvars, order)


#: every slot but the per-seeding scale and __weakref__


def space(nvars, order):
    """The cached JetSpace for (nvars, order)."""
    return _cached(*_normalize(nvars, order))
