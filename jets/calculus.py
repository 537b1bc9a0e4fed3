"""Calculus on series: evaluate and compose, differentiate, integrate, truncate, invert.

A jet of n variables is a truncated Taylor polynomial P(dx) = sum_a c[a] dx^a.
The functions here act on that polynomial as an object of its own, not on the
function it came from:

* :func:`evaluate` -- P at displacements (plain arrays give numbers; jets give
  the composed series P(g) in the space of g), Horner's rule nested by
  variable over the graded coefficients, no table of powers;
* :func:`differentiate` / :func:`integrate` -- d/dx_v and the antiderivative
  in x_v vanishing at the expansion point, as jets of the same space;
* :func:`truncate` -- the jet in a smaller space (lower total order or caps),
  with an identity derived from the jet's own seeding;
* :func:`invert` -- the inverse of dx -> M(x0 + dx) - M(x0) for n maps in n
  variables (series reversion when n = 1), by the fixed-point iteration
  N = L^-1 (y - NL(N)) on the nonlinear part NL.

Every function works on whole batches (no loop over points) and keeps the
coefficient dtype.  ``Jet.__call__`` delegates here through
``jets.jet.CALL_HANDLER``: ``jet(dx, dy)`` is ``evaluate(jet, [dx, dy])``.
"""

import threading
import weakref
from fractions import Fraction
from functools import lru_cache

import numpy as np

from . import backend as B
from . import jet as _jet
from . import kernels as K
from .jet import Jet, common_space, constant
from .numpy_api import concatenate
from .space import _normalize, scale_for
from .space import space as get_space

__all__ = ["evaluate", "differentiate", "integrate", "truncate", "invert"]


# ------------------------------------------------------------- Horner plans
@lru_cache(maxsize=256)
def _plan(nvars, order, length):
    """Horner levels for the first `length` monomials of space(nvars, order).

    The polynomial is nested by variable, the last one innermost:
    P = sum_{a_1} dx_1^{a_1} (... sum_{a_n} dx_n^{a_n} c[a]).  Level v (from the
    last variable to the first) groups the current terms by their exponents in
    the variables before v; ``idx[g, j]`` is the row of the term with exponent
    j in variable v in group g (-1: absent, a zero row).  Horner in variable v
    turns each group into one term of the next level, so the work is one
    multiply-add per stored coefficient, over all groups and points at once.
    Returns a tuple of (v, idx)."""
    mons = get_space(nvars, order).monomials[:length]
    levels = []
    for v in range(nvars - 1, -1, -1):
        e = mons[:, v]
        if v == 0:
            groups = np.zeros((1, 0), dtype=mons.dtype)
            inv = np.zeros(len(mons), dtype=np.intp)
        else:
            groups, inv = np.unique(mons[:, :v], axis=0, return_inverse=True)
            inv = np.ravel(inv)
        idx = np.full((len(groups), int(e.max()) + 1), -1, dtype=np.intp)
        idx[inv, e] = np.arange(len(mons))
        idx.flags.writeable = False
        levels.append((v, idx))
        mons = groups
    return tuple(levels)


def _with_zero_row(C):
    """C (array or jet, first axis = terms) with one zero term appended, so
    that the index -1 of a Horner plan reads zero."""
    zero = np.zeros((1,) + C.shape[1:], dtype=C.dtype)  # object dtype: exact int 0
    if isinstance(C, Jet):
        return concatenate([C, zero])
    return np.concatenate([C, zero])


def _horner(C, levels, xs):
    """sum_a C[a] xs^a by nested Horner: C of shape (L, *pbatch) (an array),
    xs[v] an array or jet broadcasting with pbatch (the batch of C must have
    at least the rank of every xs[v], so the term axis never meets a batch
    axis).  Returns an array or jet of shape broadcast(pbatch, xs)."""
    for v, idx in levels:
        x = xs[v]
        Cx = _with_zero_row(C) if (idx < 0).any() else C
        r = idx.shape[1] - 1
        acc = Cx[idx[:, r]]
        for j in range(r - 1, -1, -1):
            acc = acc * x + Cx[idx[:, j]]
        C = acc
    return C[0]


# ------------------------------------------------------------------ evaluate
def _displacement(d, i):
    """Displacement i as a jet or numeric array, or a TypeError naming it."""
    if isinstance(d, Jet):
        return d
    try:
        a = B.asarray(d)
    except (ValueError, TypeError) as exc:
        raise TypeError(
            f"displacement {i} must be a number, an array of numbers or a jet, "
            f"got {type(d).__name__} ({exc})"
        ) from None
    if a.dtype.kind not in "biufcO" or a.dtype.kind == "b":
        raise TypeError(
            f"displacement {i} must be a number, an array of numbers or a jet, "
            f"got {type(d).__name__} of dtype {a.dtype}"
        )
    if a.dtype.kind == "O" and any(isinstance(e, Jet) for e in a.flat):
        raise TypeError(
            f"displacement {i} is an object array of jets: build one jet "
            f"array with jets.stack instead"
        )
    return a


def _split(jet, dx):
    """dx as a list of n displacements, or the ValueError naming the fix."""
    n = jet.nvars
    if isinstance(dx, Jet):
        if n == 1:
            return [dx]
        if dx.ndim >= 1 and dx.shape[0] == n:
            return list(dx)
        raise ValueError(
            f"the jet has {n} variables but dx is one jet of shape {dx.shape}: "
            f"give one displacement per variable, [dx_1, ..., dx_{n}]"
        )
    if isinstance(dx, (list, tuple)):
        items = list(dx)
    elif n == 1:
        items = [dx]
    else:
        arr = _displacement(dx, 0)
        if arr.ndim == 0 or arr.shape[0] != n:
            raise ValueError(
                f"the jet has {n} variables but dx has shape {arr.shape}: give "
                f"one displacement per variable, a list of {n} arrays or an "
                f"array of shape ({n}, *batch)"
            )
        items = list(arr)
    if len(items) != n:
        hint = (
            " (for one array of displacements of a univariate jet pass np.asarray(dx) or [dx])"
            if n == 1
            else ""
        )
        raise ValueError(
            f"the jet has {n} variable(s) but {len(items)} displacement(s) were "
            f"given: give exactly one per variable{hint}"
        )
    return [_displacement(d, i) for i, d in enumerate(items)]


def evaluate(jet, dx):
    """The jet's Taylor polynomial at the displacements `dx` from its expansion point.

    ``evaluate(f, dx) = sum_a c[a] dx^a`` over the coefficients the jet
    carries: for a jet of f at x0 this approximates f(x0 + dx).  When `dx`
    holds jets (of any seeding, with any constant part) the result is the
    composed series P(g) in the space of those jets, truncated to their order:
    ``evaluate(jets.log(1 + u), g)`` with g(0) = 0 is the series of
    log(1 + u0 + g).  Computed by Horner's rule nested by variable (one
    multiply-add per coefficient, grouped over the graded order), never with
    a table of powers.

    Parameters
    ----------
    jet : Jet
        n variables, batch shape ``jet.shape``.
    dx : sequence of n arrays or jets, or one array/jet
        One displacement per variable (an array of shape ``(n, *batch)`` is
        split along its first axis); a univariate jet also takes one array.
        Displacements broadcast with each other and with the jet's batch.

    Returns
    -------
    ndarray or Jet
        Shape ``broadcast(jet.shape, dx shapes)``: a plain array when no
        displacement is a jet, else a jet in the space of the displacements.

    Examples
    --------
    >>> import numpy as np, jets
    >>> x, y = jets.variables([1.0, 2.0], order=3)
    >>> f = x**2 * y
    >>> float(jets.evaluate(f, [0.5, -1.0]))     # (1.5)**2 * 1.0, exact: degree 3
    2.25
    >>> jets.evaluate(f, [[0.0, 0.5], 0.0]).tolist()
    [2.0, 4.5]
    >>> t = jets.variable(0.0, order=4)
    >>> print(jets.evaluate(jets.exp(t), t**2))   # exp(t^2) to order 4
    Jet(1 + dx² + 0.5·dx⁴, order=4)
    """
    if not isinstance(jet, Jet):
        raise TypeError(
            f"evaluate() takes a Jet first, got {type(jet).__name__}: for a "
            f"function use jets.taylor or call it directly"
        )
    xs = _split(jet, dx)
    inner = [d for d in xs if isinstance(d, Jet)]
    if inner:
        common_space(*inner)
    try:
        shape = np.broadcast_shapes(jet.shape, *(d.shape for d in xs))
    except ValueError:
        raise ValueError(
            f"the displacements of shapes {[d.shape for d in xs]} do not "
            f"broadcast with the jet's batch shape {jet.shape}"
        ) from None
    nd = len(shape)
    vars = tuple(range(jet.nvars)) if jet._vars is None else jet._vars
    c = jet._coeffs
    c = c.reshape(c.shape[:1] + (1,) * (nd - jet.ndim) + jet.shape)
    if vars and c.shape[0] > 1:
        sub = jet.space.subspace(jet._vars)
        # a scaled seeding stores the series in t = dx / sigma (docs/theory.md,
        # "Magnitudes"): evaluate it there (sigma a power of two: exact)
        m = jet.space.scale
        ts = [xs[v] if not m or not m[v] else xs[v] * 2.0 ** -m[v] for v in vars]
        with np.errstate(all="ignore"):
            out = _horner(c, _plan(sub.nvars, sub.order, c.shape[0]), ts)
    else:
        out = c[0]
    if inner:
        if not isinstance(out, Jet):
            return constant(np.broadcast_to(out, shape), like=inner[0])
        return out if out.shape == shape else np.broadcast_to(out, shape)
    out = np.asarray(out)
    return np.broadcast_to(out, shape) if out.shape != shape else out


def _call(jet, dx):
    """``jet(*dx)``: one displacement per variable."""
    n = jet.nvars
    if len(dx) != n:
        raise ValueError(
            f"the jet has {n} variable(s) but was called with {len(dx)} "
            f"argument(s): call it with one displacement per variable, "
            f"jet(dx_1, ..., dx_{n})"
        )
    return evaluate(jet, list(dx))


_jet.CALL_HANDLER[0] = _call


# --------------------------------------------------- differentiate, integrate
def _check_var(jet, var, what):
    if not isinstance(jet, Jet):
        raise TypeError(f"{what}() takes a Jet, got {type(jet).__name__}")
    if isinstance(var, (bool, np.bool_)) or not isinstance(var, (int, np.integer)):
        raise TypeError(f"`var` must be the index of a variable (an int), got {var!r}")
    if not 0 <= var < jet.nvars:
        raise ValueError(
            f"`var` must be in range({jet.nvars}) for a jet of {jet.nvars} variable(s), got {var}"
        )
    return int(var)


def _factors(values, dtype, invert):
    """Integer factors (or their reciprocals) as a column in the coefficients' dtype."""
    if np.dtype(dtype).kind == "O":
        return np.array([Fraction(1, int(v)) if invert else int(v) for v in values], dtype=object)
    f = np.asarray(values, dtype=float)
    f = 1 / f if invert else f
    return f.astype(dtype) if dtype.kind in "fc" else f


def _finish(S, out, vars, c):
    """The result jet; where the input's value c[0] is nan, every coefficient is nan
    (as the engine's final step does for every rule)."""
    if out.shape[0] == 1:
        vars = ()
    if c.dtype.kind in "fc":
        bad = np.isnan(c[0])
        if bad.any():
            full = K.embed(S, out, vars, None, full=True)
            full = np.where(bad, np.nan, full) if full.ndim > 1 else np.full_like(full, np.nan)
            return Jet._wrap(S, full, None)
    return Jet._wrap(S, out, vars)


@lru_cache(maxsize=256)
def _shift_table(nvars, order, pos, length, up):
    """For the result monomials b of space(nvars, order): the row of
    b + e_pos (up) or b - e_pos (down) among the first `length` monomials, -1
    when absent, and the exponent of pos in the larger of the two."""
    S = get_space(nvars, order)
    top = S.top_degree[length]
    if up:
        rlen = int(S.offsets[top])  # degrees < top
    else:
        rlen = int(S.offsets[min(top + 1, S.degree) + 1])
    src = np.full(rlen, -1, dtype=np.intp)
    fac = np.zeros(rlen, dtype=np.int64)
    for r, m in enumerate(S.monomials[:rlen]):
        a = [int(e) for e in m]
        a[pos] += 1 if up else -1
        i = S.index.get(tuple(a), -1) if a[pos] >= 0 else -1
        if 0 <= i < length:
            src[r] = i
            fac[r] = a[pos] if up else m[pos]
    for t in (src, fac):
        t.flags.writeable = False
    return src, fac


def _shifted(jet, c, vars, var, up):
    S = jet.space
    m = S.scale[var] if S.scale else 0  # stored b = (a_v + 1) c[a + e_v] / sigma_v
    sub = S.subspace(vars) if vars != () else S
    pos = var if vars is None else vars.index(var)
    src, fac = _shift_table(sub.nvars, sub.order, pos, c.shape[0], up)
    ok = src >= 0
    out = B.zeros((len(src),) + c.shape[1:], dtype=B.result_dtype(c))
    if ok.any():
        col = _factors(fac[ok], out.dtype, not up)
        out[ok] = c[src[ok]] * col.reshape((-1,) + (1,) * (c.ndim - 1))
        if m:
            out[ok] = out[ok] * 2.0 ** (-m if up else m)
    if out.shape[0] == 0:
        out = B.zeros((1,) + c.shape[1:], dtype=out.dtype)
    return _finish(S, out, vars, c)


def differentiate(jet, var=0):
    """The partial derivative d/dx_var of the jet's polynomial, a jet of the same space.

    Coefficient b of the result is ``(b_var + 1) c[b + e_var]``.  Truncation
    rule: the result keeps the jet's space (so it combines with the jet), and
    its coefficients whose ``b + e_var`` lies outside the space -- the top
    total degree for an int order, exponent ``cap_var`` in ``var`` for caps --
    are 0: this is the exact derivative of the truncated polynomial (as
    TaylorSeries.jl does), but as the series of f' those coefficients are
    unknown.  Use ``truncate(differentiate(f), order - 1)`` to keep only what
    is known of f'.

    Parameters
    ----------
    jet : Jet
    var : int
        Index of the variable, ``0 <= var < jet.nvars``.

    Returns
    -------
    Jet
        Same space and batch shape.

    Examples
    --------
    >>> import jets
    >>> x, y = jets.variables([0.0, 0.0], order=3)
    >>> print(jets.differentiate(x**2 * y + y**3, 1))
    Jet(0 + dx² + 3·dy², order=3)
    """
    var = _check_var(jet, var, "differentiate")
    vars, c = jet._vars, jet._coeffs
    if vars is not None and var not in vars:  # does not depend on x_var
        return _finish(jet.space, B.zeros((1,) + jet.shape, dtype=B.result_dtype(c)), (), c)
    return _shifted(jet, jet._coeffs, vars, var, True)


def integrate(jet, var=0):
    """The antiderivative in x_var of the jet's polynomial, zero at the expansion point.

    Coefficient b of the result is ``c[b - e_var] / b_var`` (0 where
    ``b_var = 0``).  Truncation rule: a coefficient pushed past the order (to
    total degree order + 1, or above the cap of ``var``) is dropped, so the
    result is the series of the antiderivative to the jet's order, exact when
    the jet is the series of f to its order.  Where the jet's value is nan,
    every coefficient of the result is nan.

    Parameters
    ----------
    jet : Jet
    var : int
        Index of the variable, ``0 <= var < jet.nvars``.

    Returns
    -------
    Jet
        Same space and batch shape.

    Examples
    --------
    >>> import jets
    >>> t = jets.variable(0.0, order=5)
    >>> print(jets.integrate(jets.cos(t)))     # sin to order 5
    Jet(0 + dx - 0.16666666666666666·dx³ + 0.008333333333333333·dx⁵, order=5)
    """
    var = _check_var(jet, var, "integrate")
    S, vars = jet.space, jet._vars
    new = None if vars is None else tuple(sorted(set(vars) | {var}))
    if new is not None and len(new) == S.nvars:
        new = None
    c = jet._coeffs if new == vars else K.embed(S, jet._coeffs, vars, new)
    return _shifted(jet, c, new, var, False)


# ------------------------------------------------------------------ truncate
_LOCK = threading.Lock()
#: id(space) -> (weakref to it, its root seeding or None, derived spaces by order)
_FAMILY = {}


def _entry(S):
    e = _FAMILY.get(id(S))
    if e is not None and e[0]() is S:
        return e
    key = id(S)

    def gone(ref, key=key):
        cur = _FAMILY.get(key)
        if cur is not None and cur[0] is ref:
            del _FAMILY[key]

    e = (weakref.ref(S, gone), None, weakref.WeakValueDictionary())
    _FAMILY[key] = e
    return e


def _derived_space(S, order):
    """The space of order `order` derived from the seeding of S: the same
    object for every truncation of jets of one seeding (truncated jets of one
    seeding combine), distinct from every other seeding's."""
    n = S.nvars
    if order == S.order:
        return S
    with _LOCK:
        root = _entry(S)[1] or S
        if root is get_space(n, root.order):
            return get_space(n, order)  # unseeded spaces are shared anyway
        if order == root.order:
            return root
        derived = _entry(root)[2]
        T = derived.get(order)
        if T is None:
            T = get_space(n, order).seeded(root.scale)  # same sigma: same stored series
            derived[order] = T
            ref = _entry(T)[0]
            _FAMILY[id(T)] = (ref, root, weakref.WeakValueDictionary())
        return T


def _contains(big, small):
    """True if every monomial of the order `small` is in the order `big`."""
    if isinstance(small, int) and isinstance(big, int):
        return small <= big
    if isinstance(small, tuple) and isinstance(big, tuple):
        return all(s <= b for s, b in zip(small, big, strict=False))
    if isinstance(small, tuple):  # caps inside a total degree
        return sum(small) <= big
    return small <= min(big) if big else True  # total degree inside caps


def truncate(jet, order):
    """The jet in the smaller space of `order`: the coefficients it carries, dropped beyond.

    Parameters
    ----------
    jet : Jet
    order : int or tuple of n ints
        A total degree or per-variable caps whose monomials the jet's space
        carries (``order <= jet.order``; caps (a, b) inside total degree k
        need a + b <= k; total degree k inside caps needs k <= min(caps)).

    Returns
    -------
    Jet
        Same batch shape, space ``(n, order)``.  Its seeding identity is
        derived from the jet's own: every jet of one seeding truncated to one
        order lands in the same space, so they combine with each other (and
        truncations of truncations agree with direct ones), while they never
        combine with another seeding's jets, truncated or not.  Truncating to
        the jet's own order returns the jet.

    Examples
    --------
    >>> import jets
    >>> x, y = jets.variables([0.0, 0.0], order=4)
    >>> f, g = jets.exp(x + y), jets.sin(x)
    >>> print(jets.truncate(f, 1) * jets.truncate(g, 1))
    Jet(0 + dx, order=1)
    """
    if not isinstance(jet, Jet):
        raise TypeError(f"truncate() takes a Jet, got {type(jet).__name__}")
    S = jet.space
    _, order = _normalize(S.nvars, order)
    if not _contains(S.order, order):
        raise ValueError(
            f"cannot truncate a jet of order {S.order!r} to order {order!r}: "
            f"that space has monomials the jet does not carry; give a lower "
            f"order (truncation only drops coefficients)"
        )
    T = _derived_space(S, order)
    if T is S:
        return jet
    vars, c = jet._vars, jet._coeffs
    if vars == () or c.shape[0] == 1:
        return Jet._wrap(T, c[:1], ())
    src_sub, dst_sub = S.subspace(vars), T.subspace(vars)
    top = min(src_sub.top_degree[c.shape[0]], dst_sub.degree)
    rows = np.array(
        [
            src_sub.index[tuple(int(e) for e in m)]
            for m in dst_sub.monomials[: dst_sub.offsets[top + 1]]
        ],
        dtype=np.intp,
    )
    return Jet._wrap(T, c[rows], vars)


# -------------------------------------------------------------------- invert
def invert(maps):
    """The inverse of the map dx -> M(x0 + dx) - M(x0), as n jets in its displacement y.

    For n jets M_1..M_n of n variables (total order k) whose linear part L
    (the Jacobian at x0) is invertible, returns N_1..N_n with
    ``M(x0 + N(y)) - M(x0) = y + O(|y|^(k+1))``: the Taylor expansion of the
    local inverse function around M(x0).  For n = 1 this is series reversion
    (``invert([jets.sin(t)])`` at t = 0 is the arcsin series).

    Method (as audi/DACE): write M(x0 + dx) - M(x0) = L dx + NL(dx), NL of
    degree >= 2; then N = L^-1 (y - NL(N)), iterated from N = L^-1 y; each
    iteration makes one more degree exact, k - 1 iterations in all.  L is
    factorised once per batch point (an SVD, which also decides singularity);
    each iteration composes the n maps at once (one Horner pass).

    Parameters
    ----------
    maps : sequence of n jets (or one jet of shape ``(n, *batch)``)
        Of one seeding, n variables, total order k >= 1.

    Returns
    -------
    tuple of n Jets
        In a new seeding of n variables of order k (the displacement y of
        the map's value), batch shape the broadcast of the maps' shapes.
        Where a map's value or linear part is nan, the result is nan.

    Raises
    ------
    ValueError
        Non-square input, per-variable caps, order 0, or a singular linear part.

    Examples
    --------
    >>> import jets
    >>> t = jets.variable(0.0, order=5)
    >>> (arcsin,) = jets.invert([jets.sin(t)])
    >>> print(arcsin)
    Jet(0 + dx + 0.16666666666666666·dx³ + 0.075·dx⁵, order=5)
    """
    if isinstance(maps, Jet):
        maps = list(maps) if maps.ndim >= 1 else [maps]
    maps = list(maps)
    if not maps or not all(isinstance(m, Jet) for m in maps):
        raise TypeError(
            "invert() takes a list of n jets of one seeding (the components of the map)"
        )
    S = common_space(*maps)
    n = S.nvars
    if len(maps) != n:
        raise ValueError(
            f"invert() needs a square map: {len(maps)} jet(s) of {n} "
            f"variable(s); give exactly one jet per variable"
        )
    if S.caps is not None:
        raise ValueError(
            f"invert() needs jets of total order (an int), got per-variable "
            f"caps {S.order}: seed with jets.variables(points, order=k)"
        )
    k = S.order
    if k < 1:
        raise ValueError("invert() needs order >= 1: the inverse is built on the linear part")
    dtype = B.result_dtype(*(m._coeffs for m in maps))
    if dtype.kind not in "fc":
        raise TypeError(f"invert() needs float or complex jets, got dtype {dtype}")
    batch = np.broadcast_shapes(*(m.shape for m in maps))
    C = np.stack(
        [
            np.broadcast_to(
                m.coeffs.reshape(m.coeffs.shape[:1] + (1,) * (len(batch) - m.ndim) + m.shape),
                m.coeffs.shape[:1] + batch,
            )
            for m in maps
        ],
        axis=1,
    ).astype(dtype, copy=False)  # (L, n, *batch)
    lin = np.moveaxis(C[1 : 1 + n], (0, 1), (-1, -2))  # (*batch, n maps, n vars)
    bad = ~np.isfinite(lin).all(axis=(-2, -1)) | ~np.isfinite(C[0]).all(axis=0)
    lin = np.where(bad[..., None, None], np.eye(n, dtype=dtype), lin)
    U, s, Vh = np.linalg.svd(lin)
    singular = s[..., -1] <= n * np.finfo(s.dtype).eps * s[..., 0]
    if singular.any():
        first = np.unravel_index(int(np.argmax(singular)), singular.shape)
        at = f" at batch index {tuple(int(i) for i in first)}" if batch else ""
        raise ValueError(
            f"the linear part (Jacobian) of the map is singular{at}: the map has "
            f"no local inverse series there; check the maps or the point"
        )
    Linv = np.conj(np.swapaxes(Vh, -1, -2)) @ (np.conj(np.swapaxes(U, -1, -2)) / s[..., :, None])
    LinvT = np.moveaxis(Linv, (-2, -1), (0, 1))  # (n, n, *batch)
    Y = get_space(n, k).seeded()
    Nc = np.zeros((Y.ncoeffs, n) + batch, dtype=dtype)
    Nc[1 : 1 + n] = np.moveaxis(LinvT, 1, 0)  # row 1+j: L^-1 e_j
    if k >= 2:
        NL = C.copy()
        NL[: 1 + n] = 0
        levels = _plan(n, k, S.ncoeffs)
        with np.errstate(all="ignore"):
            for _ in range(k - 1):
                N = [Jet._wrap(Y, Nc[:, i], None) for i in range(n)]
                R = _horner(NL, levels, N)
                Rc = -np.array(
                    R.coeffs if isinstance(R, Jet) else K.pad(Y, np.asarray(R)[None]), dtype=dtype
                )
                Rc = np.broadcast_to(Rc, (Y.ncoeffs, n) + batch).copy()
                Rc[1 + np.arange(n), np.arange(n)] += 1
                Nc = np.einsum("ij...,cj...->ci...", LinvT, Rc)
    if bad.any():
        Nc = np.where(bad, np.nan, Nc)
    Ys = Y.seeded(scale_for(k, n))  # the result seeding, scaled as jets.variables would be
    return tuple(
        Jet._wrap(Ys, Ys.from_true(np.ascontiguousarray(Nc[:, i])), None) for i in range(n)
    )
