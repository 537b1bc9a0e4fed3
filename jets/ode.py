"""Taylor-series integration of ODE initial value problems (:func:`solve_ivp`).

The method is the adaptive Taylor method of Jorba & Zou (2005), as in heyoka
and TaylorIntegration.jl.  The right-hand side ``fun(t, y, *args)`` is recorded
ONCE as a :class:`jets.program.Program` (tracers for t, every component of y
and every jet argument).  On each step the Taylor coefficients of the solution
in the local time tau (t = t0 + tau) are computed degree by degree, with the
per-degree steps of every recorded node: X_d = F(X)_{d-1} / d, then every node
at degree d (``Program.steps``); O(p^2) work per step for order p, never p
evaluations of ``fun``.

* order: p = ceil(-log(tol) / 2) + 1 (tol = min(rtol, atol)), 20 at the default
  tolerance 2**-52;
* step: h = min over j in {p-1, p} of (tol_b / max_i |x_{i,j}|)^(1/j), times the
  safety factor exp(-0.7 / (p - 1)), tol_b = max(atol, rtol * max_i |y_i|);
* dense output, t_eval and events evaluate the step polynomials (exact to the
  tolerance within a step); event crossings are roots of the event's own Taylor
  polynomial on the step (it is recorded with ``fun``), found by safeguarded
  Newton on a bracket to machine precision;
* ensembles: y0 of shape (n, *batch) integrates every trajectory at once, each
  with its own step size (no loop over trajectories);
* jet transport: jets among y0 and args (one ``jets.variables`` seeding of m
  variables, order k or caps) give the solution as jets, the derivatives of the
  flow to order k: the step series live in the product space of tau and the
  seeded variables, caps (p, k, ..., k).

Layer: after jets.program, jets.jit and jets.api; knows Program, Tracer, Jet and Jitted.
"""

import math

import numpy as np

from .jet import Jet, common_space
from .jit import Jitted
from .program import Program, Tracer, TracerVector
from .space import space as _space

__all__ = ["solve_ivp", "OdeResult", "OdeSolution", "default_order"]

_EPS = float(np.finfo(float).eps)
#: default tolerance: machine precision (both rtol and atol)
DEFAULT_TOL = 2.0**-52
#: points where each step's event polynomials are sampled for sign changes
_EVENT_GRID = 8


def default_order(tol):
    """Taylor order for the tolerance tol: ceil(-log(tol) / 2) + 1 (Jorba & Zou)."""
    return max(2, int(math.ceil(-0.5 * math.log(tol))) + 1)


class OdeResult(dict):
    """The result of :func:`solve_ivp`: a dict with attribute access, fields as
    scipy.integrate.solve_ivp's (t, y, sol, t_events, y_events, nfev, njev, nlu,
    status, message, success) plus nsteps, order and, for ensembles, statuses."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __repr__(self):
        keys = ", ".join(self.keys())
        return f"OdeResult({keys}; status={self.get('status')}, message={self.get('message')!r})"


# ----------------------------------------------------------------- validation
def _err(msg, kind=ValueError):
    return kind(f"solve_ivp: {msg}")


def _check_scalars(fun, t_span, rtol, atol, order, max_step, max_steps, args):
    if not callable(fun):
        raise _err(f"fun must be a callable fun(t, y, *args), got {type(fun).__name__}", TypeError)
    try:
        t0, t1 = t_span
        t0, t1 = float(t0), float(t1)
    except (TypeError, ValueError):
        raise _err(f"t_span must be two real numbers (t0, t1), got {t_span!r}") from None
    if not (math.isfinite(t0) and math.isfinite(t1)):
        raise _err(f"t_span must be finite, got {(t0, t1)}: give finite start and end times")
    for name, v in (("rtol", rtol), ("atol", atol)):
        if np.ndim(v) != 0:
            raise _err(f"{name} must be a scalar, got shape {np.shape(v)}: pass one number")
        if not (math.isfinite(float(v)) and float(v) > 0):
            raise _err(f"{name} must be a positive finite number, got {v!r}")
    if order is not None:
        if isinstance(order, bool) or not isinstance(order, (int, np.integer)) or order < 2:
            raise _err(
                f"order must be an integer >= 2 (or None for the tolerance's), got {order!r}"
            )
    if not (float(max_step) > 0):
        raise _err(f"max_step must be positive, got {max_step!r}")
    if isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)) or max_steps < 1:
        raise _err(f"max_steps must be a positive integer, got {max_steps!r}")
    if not isinstance(args, tuple):
        raise _err(
            f"args must be a tuple of extra arguments of fun, got "
            f"{type(args).__name__}: write args=(a,)",
            TypeError,
        )
    return t0, t1


def _split_y0(y0):
    """y0 as a list of components: Jets or float arrays (all broadcast to one
    batch shape).  Returns (items, batch, jets)."""
    if isinstance(y0, Jet):
        if y0.ndim == 0:
            raise _err("y0 must be a sequence of n components, got a scalar jet: write [y0]")
        items = [y0[i] for i in range(y0.shape[0])]
    elif isinstance(y0, (list, tuple)) and any(isinstance(v, Jet) for v in y0):
        items = list(y0)
    else:
        try:
            arr = np.asarray(y0, dtype=float)
        except (TypeError, ValueError):
            raise _err(
                "y0 must be an array of real numbers of shape (n,) or (n, *batch) "
                "(or a sequence of jets)",
                TypeError,
            ) from None
        if arr.ndim == 0:
            arr = arr[None]
        if arr.shape[0] == 0:
            raise _err("y0 is empty: give at least one component")
        items = list(arr)
    out, jets_ = [], []
    for i, v in enumerate(items):
        if isinstance(v, Jet):
            if v.coeffs.dtype.kind not in "fiu":
                raise _err(f"y0[{i}] must be a real jet", TypeError)
            if not np.all(np.isfinite(v.coeffs)):
                raise _err(
                    f"y0[{i}] has non-finite coefficients (nan or inf): give finite initial values"
                )
            jets_.append(v)
            out.append(v)
        else:
            try:
                a = np.asarray(v, dtype=float)
            except (TypeError, ValueError):
                raise _err(f"y0[{i}] is not a real number or array", TypeError) from None
            if not np.all(np.isfinite(a)):
                raise _err(
                    f"y0[{i}] has non-finite entries (nan or inf): give finite initial values"
                )
            out.append(a)
    batch = np.broadcast_shapes(*(np.shape(v) for v in out))
    return out, batch, jets_


def _components(out, n, what):
    """The n components returned by fun (Tracers or plain values)."""
    if isinstance(out, Tracer):
        items = [out]
    elif isinstance(out, (TracerVector, list, tuple)):
        items = list(out)
    elif isinstance(out, np.ndarray):
        items = list(out) if out.ndim else [out[()]]
    elif isinstance(out, Jet):
        raise _err(
            f"{what} returned a jet from outside: write it with its arguments (t, y, *args) only",
            TypeError,
        )
    elif np.isscalar(out) and n == 1:
        items = [out]
    else:
        raise _err(
            f"{what} must return a sequence or array of {n} components, got {type(out).__name__}",
            TypeError,
        )
    if len(items) != n:
        raise _err(
            f"{what} returned {len(items)} components for {n} state variables: "
            f"return one derivative per component of y0"
        )
    for i, c in enumerate(items):
        if isinstance(c, Jet):
            raise _err(
                f"{what}: component {i} is a jet from outside: pass it through args", TypeError
            )
        if not isinstance(c, Tracer):
            try:
                a = np.asarray(c, dtype=float)
            except (TypeError, ValueError):
                raise _err(
                    f"{what}: component {i} is neither a number nor computed from "
                    f"(t, y): got {type(c).__name__}",
                    TypeError,
                ) from None
            items[i] = a
    return items


def _event_output(out, k):
    if isinstance(out, Tracer):
        return out
    if isinstance(out, Jet):
        raise _err(f"event {k} returned a jet from outside", TypeError)
    try:
        return np.asarray(out, dtype=float)
    except (TypeError, ValueError):
        raise _err(
            f"event {k} must return one number (a scalar function of t, y), got "
            f"{type(out).__name__}",
            TypeError,
        ) from None


# ----------------------------------------------------------------- polynomials
def _horner(poly, tau):
    """sum_a poly[:, a] tau^a: poly (n, p+1, Ls, M), tau (M,) -> (n, Ls, M)."""
    acc = poly[:, -1].copy()
    for a in range(poly.shape[1] - 2, -1, -1):
        acc *= tau
        acc += poly[:, a]
    return acc


def _horner1(coef, x):
    """Value and derivative of sum_a coef[a] x^a: coef (p+1, M), x (M,)."""
    g = coef[-1].copy()
    dg = np.zeros_like(g)
    for a in range(coef.shape[0] - 2, -1, -1):
        dg = dg * x + g
        g = g * x + coef[a]
    return g, dg


def _bracket_root(coef, a, b, ga, t0):
    """A root of the polynomial coef (p+1, M) in sigma on (a, b], where it changes
    sign (ga = value at a): safeguarded Newton, each iterate kept in the bracket,
    to machine precision in t = t0 +- sigma."""
    x = 0.5 * (a + b)
    done = np.zeros(x.shape, dtype=bool)
    for _ in range(200):
        g, dg = _horner1(coef, x)
        same = np.sign(g) == np.sign(ga)
        upd = ~done
        a = np.where(upd & same, x, a)
        ga = np.where(upd & same, g, ga)
        b = np.where(upd & ~same, x, b)
        with np.errstate(all="ignore"):
            xn = x - g / dg
        bad = ~((xn > a) & (xn < b))
        xn = np.where(bad, 0.5 * (a + b), xn)
        tol = 2 * _EPS * (np.abs(t0) + np.abs(b))
        now = (g == 0) | (np.abs(xn - x) <= tol) | (b - a <= tol)
        x = np.where(done | (g == 0), x, xn)
        done |= now
        if done.all():
            break
    return x


# ----------------------------------------------------------------- dense output
class OdeSolution:
    """Dense output: ``sol(t)`` evaluates the step polynomials (vectorised over t).

    Returns shape (n, *batch) for scalar t, (n, *batch, len(t)) for an array
    (a Jet in jet transport).  Times outside a trajectory's integrated interval
    use its first or last step's polynomial (extrapolation)."""

    def __init__(self, traj, t0, h, poly, sign, n, batch, wrap):
        order = np.argsort(traj, kind="stable")  # by trajectory, then in time
        self._traj, self._t0, self._h = traj[order], t0[order], h[order]
        self._poly = poly[..., order]
        self._sign, self.n, self.batch, self._wrap = sign, n, batch, wrap
        nb = int(np.prod(batch, dtype=np.int64))
        self._start = np.searchsorted(self._traj, np.arange(nb))
        self._count = np.searchsorted(self._traj, np.arange(nb), side="right") - self._start
        ends = self._t0 + self._h
        self.t_min = float(np.min(np.minimum(self._t0, ends))) if len(ends) else np.nan
        self.t_max = float(np.max(np.maximum(self._t0, ends))) if len(ends) else np.nan

    def __call__(self, t):
        t = np.asarray(t, dtype=float)
        scalar = t.ndim == 0
        tq = np.atleast_1d(t).ravel()
        nb = len(self._start)
        if len(self._traj) == 0:
            raise ValueError("sol: no step was taken (t0 == t1 or a failure at t0)")
        # every (trajectory, time) pair; binary search over the trajectory's steps
        b = np.repeat(np.arange(nb), len(tq))
        q = np.tile(tq, nb) * self._sign
        key = self._t0 * self._sign
        lo = self._start[b].copy()
        hi = lo + np.maximum(self._count[b], 1) - 1
        while np.any(lo < hi):
            mid = (lo + hi + 1) // 2
            ok = key[np.minimum(mid, len(key) - 1)] <= q
            lo = np.where(ok & (lo < hi), mid, lo)
            hi = np.where(~ok & (lo < hi), mid - 1, hi)
        tau = tq[np.arange(len(b)) % len(tq)] - self._t0[lo]
        vals = _horner(self._poly[..., lo], tau)  # (n, Ls, nb * nt)
        if np.any(self._count == 0):
            vals[..., np.repeat(self._count == 0, len(tq))] = np.nan
        vals = vals.reshape(vals.shape[:2] + self.batch + (len(tq),))
        if scalar:
            vals = vals[..., 0]
        return self._wrap(vals)


# ----------------------------------------------------------------- the solver
class _Problem:
    """The recorded right-hand side and events, and the spaces and index maps of
    one integration."""

    def __init__(self, fun, events, n, p, Ss, argspecs):
        self.n, self.p, self.Ss = n, p, Ss
        if Ss is None:
            self.S, self.Ls = _space(1, p), 1
            caps = ()
        else:
            caps = Ss.caps if Ss.caps is not None else (Ss.order,) * Ss.nvars
            self.S, self.Ls = _space(1 + Ss.nvars, (p,) + tuple(caps)), Ss.ncoeffs
        S = self.S
        self.L = S.ncoeffs
        self.tau1 = S.index[(1,) + (0,) * len(caps)]
        # idx[a, beta]: the product-space index of tau^a x^beta
        if Ss is None:
            self.idx = np.arange(p + 1)[:, None]
        else:
            mons = [tuple(int(v) for v in m) for m in Ss.monomials]
            self.idx = np.array([[S.index[(a,) + m] for m in mons] for a in range(p + 1)])
        self.univariate = Ss is None
        if not self.univariate:
            # per total degree d: Y's monomials tau^a x^beta with a >= 1 come from F's
            # tau^(a-1) x^beta (degree d - 1), divided by a
            self.maps = [None]
            for d in range(1, S.degree + 1):
                blk = S.block(d)
                mons = S.monomials[blk]
                sel = np.flatnonzero(mons[:, 0] >= 1)
                dst = blk.start + sel
                src = np.array(
                    [S.index[(int(m[0]) - 1,) + tuple(int(v) for v in m[1:])] for m in mons[sel]],
                    dtype=np.intp,
                )
                div = mons[sel, 0].astype(float)
                self.maps.append((dst, src, div))
        self.fun, self.events, self.argspecs = fun, events, argspecs

    def record(self, args):
        """Record fun (and the events) on tracers; `args` are the current
        arguments (jets replaced by their coefficient arrays, see argspecs).

        A jets.jit ``fun`` keeps its recordings (``Jitted._ode``), keyed by the
        state size, the argument kinds, the plain arguments (which a recording
        holds as constants; only hashable ones) and the events, so that a later
        solve_ivp of the same kind records nothing."""
        key = None
        if isinstance(self.fun, Jitted) and "batch" not in self.argspecs:
            plain = tuple(a for s, a in zip(self.argspecs, args, strict=False) if s != "jet")
            try:
                key = (self.n, tuple(self.argspecs), plain, tuple(self.events))
                hit = self.fun._ode.get(key)
            except TypeError:  # an unhashable plain argument: record every time
                key = hit = None
            if hit is not None:
                self.prog, self.comps, self.evs = hit
                self.arg_inputs = [
                    a for s, a in zip(self.argspecs, args, strict=False) if s == "jet"
                ]
                return
        self._record(args)
        if key is not None:
            self.fun._ode[key] = (self.prog, self.comps, self.evs)

    def _record(self, args):
        prog = Program()
        t = prog.input()
        ys = TracerVector(prog.input() for _ in range(self.n))
        call = []
        self.arg_inputs = []
        for spec, a in zip(self.argspecs, args, strict=False):
            if spec == "jet":
                call.append(prog.input())
                self.arg_inputs.append(a)
            else:
                call.append(a)
        try:
            comps = _components(self.fun(t, ys, *call), self.n, "fun")
            evs = [_event_output(ev(t, ys, *call), k) for k, ev in enumerate(self.events)]
        except TypeError as e:
            if str(e).startswith("solve_ivp"):
                raise
            raise TypeError(f"solve_ivp: fun(t, y, *args) could not be recorded: {e}") from None
        for c in comps + evs:
            if isinstance(c, Tracer) and c.program is not prog:
                raise _err("fun returned a value of another recorded function", TypeError)
        self.prog, self.comps, self.evs = prog, comps, evs

    def series(self, t, Z, nb, with_events):
        """Taylor coefficients of the step from (t, Z): Z (n, Ls, nb) -> poly
        (n, p+1, Ls, nb) and the event polynomials (p+1, nb) in tau (values)."""
        S, n, _p = self.S, self.n, self.p
        T = np.zeros((self.L, nb))
        T[0] = t
        T[self.tau1] = 1.0
        Y = np.zeros((n, self.L, nb))
        Y[:, self.idx[0]] = Z
        vals, step = self.prog.steps(S, [T] + [Y[i] for i in range(n)] + self.arg_inputs)
        F = [vals[c.index] if isinstance(c, Tracer) else None for c in self.comps]
        for i, Fi in enumerate(F):
            if Fi is None:  # a constant derivative: y_i = y_i(t0) + c tau
                Y[i, self.tau1] = self.comps[i]
            elif Fi.shape != (self.L, nb):
                raise _err(
                    f"fun's component {i} has batch shape {Fi.shape[1:]}, the "
                    f"state {(nb,)}: per-trajectory arrays must have y0's batch "
                    f"shape"
                )
        top = S.degree if with_events else S.degree - 1
        for d in range(1, S.degree + 1):
            if self.univariate:
                for i in range(n):
                    if F[i] is not None:
                        np.multiply(F[i][d - 1], 1.0 / d, out=Y[i, d])
            else:
                dst, src, div = self.maps[d]
                for i in range(n):
                    if F[i] is not None:
                        Y[i, dst] = F[i][src] / div[:, None]
            if step is not None and d <= top:
                step(d)
        poly = Y[:, self.idx]
        G = []
        if with_events:
            for e in self.evs:
                G.append(vals[e.index][self.idx[:, 0]] if isinstance(e, Tracer) else None)
        return poly, G


def solve_ivp(
    fun,
    t_span,
    y0,
    *,
    rtol=DEFAULT_TOL,
    atol=DEFAULT_TOL,
    order=None,
    t_eval=None,
    dense_output=False,
    events=None,
    args=(),
    max_step=np.inf,
    max_steps=100_000,
):
    """Solve ``y' = fun(t, y, *args)``, ``y(t0) = y0`` with the adaptive Taylor method.

    Parameters
    ----------
    fun : callable
        ``fun(t, y, *args)`` written with operators, numpy ufuncs and
        ``jets.<name>``; y is a sequence of n components (``y[0]``, ``x, v = y``,
        elementwise ``-y``); returns n components (list, tuple or array).  It is
        recorded once, on tracers: it must not branch on values (use
        np.where-free formulas, np.abs, np.maximum).
    t_span : (t0, t1)
        Finite; t1 < t0 integrates backward.
    y0 : array ``(n,)`` or ``(n, *batch)``, or a sequence of n jets
        Initial state.  A batch integrates every trajectory at once, each with
        its own steps.  A dask array ``(n, *batch)`` integrates chunk by chunk of
        trajectories and returns dask arrays, lazily (docs/scale.md).  Jets (from
        one ``jets.variables`` seeding) give jet transport: the solution as jets of
        the seeded variables.
    rtol, atol : float
        Tolerances (positive); the local error per step is kept below
        ``max(atol, rtol * max_i |y_i|)``.  Default ``2**-52`` (machine precision).
    order : int, optional
        Taylor order; default ceil(-log(min(rtol, atol)) / 2) + 1.
    t_eval : array, optional
        Output times (sorted in the direction of integration, inside t_span);
        evaluated on the step polynomials.  Default: every step (one
        trajectory), [t0, t1] (an ensemble).
    dense_output : bool
        Keep the step polynomials: ``result.sol(t)``.
    events : callable or list of callables
        ``event(t, y, *args)`` -> one number; zeros located on the event's Taylor
        polynomial of each step.  Attributes ``terminal`` (stop at the first
        zero) and ``direction`` (+1: only rising, -1: only falling, 0: both).
    args : tuple
        Extra arguments of fun and the events: numbers, arrays (an array of the
        batch shape is per trajectory) or jets of the seeding of y0.
    max_step : float
        Largest step size.
    max_steps : int
        Step budget per trajectory (status -1 when exhausted).

    Returns
    -------
    OdeResult
        ``t`` ``(nt,)``, ``y`` ``(n, *batch, nt)`` (a Jet in jet transport), ``sol``
        (OdeSolution or None), ``t_events`` / ``y_events`` (per event: (k,) and
        ``(k, n)`` for one trajectory; ``(*batch, K)`` and ``(n, *batch, K)``, nan-padded,
        for an ensemble), ``status`` (0 end reached, 1 terminal event, -1
        failure: any trajectory), ``message``, ``success``, ``nsteps`` (int, or
        per trajectory), ``order``, ``statuses`` (per trajectory), ``nfev``
        (Taylor steps: each evaluates the recorded fun once as a series).
    """
    if type(y0).__module__[:4] == "dask":  # an ensemble over dask chunks (jets.chunked)
        from . import chunked

        return chunked.solve_ivp(
            solve_ivp,
            fun,
            t_span,
            y0,
            rtol=rtol,
            atol=atol,
            order=order,
            t_eval=t_eval,
            dense_output=dense_output,
            events=events,
            args=args,
            max_step=max_step,
            max_steps=max_steps,
        )
    t0, t1 = _check_scalars(fun, t_span, rtol, atol, order, max_step, max_steps, args)
    rtol, atol, max_step = float(rtol), float(atol), float(max_step)
    items, batch, jets_ = _split_y0(y0)
    n = len(items)
    ensemble = batch != ()
    nb = int(np.prod(batch, dtype=np.int64))
    if nb == 0:
        raise _err("y0 has an empty batch: give at least one trajectory")
    if events is None:
        events = []
    elif callable(events):
        events = [events]
    else:
        events = list(events)
    for k, ev in enumerate(events):
        if not callable(ev):
            raise _err(
                f"events[{k}] must be a callable event(t, y, *args), got {type(ev).__name__}",
                TypeError,
            )
    arg_jets = [a for a in args if isinstance(a, Jet)]
    all_jets = jets_ + arg_jets
    Ss = common_space(*all_jets) if all_jets else None
    p = int(order) if order is not None else default_order(min(rtol, atol))
    sign = 1.0 if t1 >= t0 else -1.0

    # ---- t_eval
    if t_eval is not None:
        t_eval = np.asarray(t_eval, dtype=float)
        if t_eval.ndim != 1 or t_eval.size == 0:
            raise _err("t_eval must be a non-empty 1-d array of times")
        if not np.all(np.isfinite(t_eval)):
            raise _err("t_eval has non-finite times")
        lo, hi = min(t0, t1), max(t0, t1)
        if np.any(t_eval < lo) or np.any(t_eval > hi):
            raise _err(f"t_eval values must lie within t_span {(t0, t1)}")
        if np.any(np.diff(t_eval) * sign < 0):
            raise _err("t_eval must be sorted in the direction of integration")
    elif ensemble:
        t_eval = np.array([t0, t1]) if t1 != t0 else np.array([t0])

    # ---- state (flattened batch) and arguments
    Ls = 1 if Ss is None else Ss.ncoeffs
    Z = np.empty((n, Ls, nb))
    for i, v in enumerate(items):
        if isinstance(v, Jet):
            Z[i] = np.broadcast_to(v.coeffs, (Ls,) + batch).reshape(Ls, nb)
        else:
            Z[i] = 0.0
            Z[i, 0] = np.broadcast_to(v, batch).reshape(nb)  # a constant of the seeding
    argspecs, argvals = [], []
    for a in args:
        if isinstance(a, Jet):
            argspecs.append("jet")
            argvals.append(np.broadcast_to(a.coeffs, (Ls,) + batch).reshape(Ls, nb))
        elif ensemble and isinstance(a, np.ndarray) and a.shape == batch:
            argspecs.append("batch")
            argvals.append(a.reshape(nb).astype(float, copy=False))
        else:
            argspecs.append("plain")
            argvals.append(a)
    prob = _Problem(fun, events, n, p, Ss, argspecs)
    _S, idx = prob.S, prob.idx

    def to_product(cols):
        """jet-argument coefficients (Ls, m) -> product-space arrays (L, m), constant in tau."""
        out = np.zeros((prob.L, cols.shape[1]))
        out[idx[0]] = cols
        return out

    def current_args(live):
        out = []
        for spec, a in zip(argspecs, argvals, strict=False):
            if spec == "jet":
                out.append(to_product(a[:, live]))
            elif spec == "batch":
                out.append(a[live])
            else:
                out.append(a)
        return out

    # ---- outputs
    nt = None if t_eval is None else len(t_eval)
    if nt is not None:
        Yout = np.full((n, Ls, nb, nt), np.nan)
        next_k = np.zeros(nb, dtype=np.intp)
        key_eval = t_eval * sign
    else:
        ts_list, ys_list = [np.array([t0])], [Z[:, :, 0][..., None].copy()]
    seg = [] if dense_output else None
    ev_rec = [[] for _ in events]  # per event: (traj, t, y (n, Ls, m))
    t = np.full(nb, t0)
    status = np.zeros(nb, dtype=np.int8)
    fail_msg = np.full(nb, "", dtype=object)
    nsteps = np.zeros(nb, dtype=np.int64)
    active = np.ones(nb, dtype=bool)
    live = np.arange(nb)  # trajectories held by the work arrays
    if t1 == t0:
        active[:] = False
        if nt is not None:
            Yout[..., :] = Z[..., None]
    prob.record(current_args(live))
    span = abs(t1 - t0)
    safety = math.exp(-0.7 / (p - 1))
    dirs = [float(getattr(ev, "direction", 0) or 0) for ev in events]
    terminal = [bool(getattr(ev, "terminal", False)) for ev in events]

    with np.errstate(all="ignore"):
        while active.any():
            if active[live].sum() < 0.8 * len(live) and len(live) > 16:
                live = live[active[live]]  # compact: finished trajectories leave
                prob.record(current_args(live))
            act = active[live]
            tl = t[live]
            Zl = Z[:, :, live]
            poly, G = prob.series(tl, Zl, len(live), bool(events))
            # ---- step size (value coefficients)
            v = poly[:, :, 0]  # (n, p+1, m)
            norm = np.max(np.abs(v[:, 0]), axis=0)
            tolb = np.maximum(atol, rtol * norm)
            h = np.full(len(live), np.inf)
            for j in (p - 1, p):
                xj = np.max(np.abs(v[:, j]), axis=0)
                h = np.minimum(h, np.where(xj > 0, (tolb / xj) ** (1.0 / j), np.inf))
            h *= safety
            remaining = np.abs(t1 - tl)
            h = np.minimum(np.minimum(h, max_step), remaining)
            finite = np.all(np.isfinite(v), axis=(0, 1)) & ~np.isnan(h)
            tiny = h <= 4 * _EPS * np.maximum(np.abs(tl), span)
            reach = h >= remaining
            bad = act & (~finite | (tiny & ~reach))
            # failures: record and stop
            if bad.any():
                bi = live[bad]
                status[bi] = -1
                for k in bi:  # messages only (the failed few), not the computation
                    fail_msg[k] = (
                        f"the Taylor coefficients became non-finite at t = {t[k]:.17g} (the "
                        f"solution blows up or leaves the domain of fun)"
                        if not finite[np.searchsorted(live, k)]
                        else f"the step size became too small at t = {t[k]:.17g} (the solution "
                        f"may blow up there)"
                    )
                active[bi] = False
                act = act & ~bad
            h = np.where(act, h, 0.0)
            sigma_end = h.copy()  # |tau| at the step end
            # ---- events on the step polynomials
            if events:
                grid = np.linspace(0.0, 1.0, _EVENT_GRID + 1)
                found = []
                for e, Ge in enumerate(G):
                    if Ge is None:
                        continue
                    coef = Ge * (sign ** np.arange(p + 1))[:, None]  # in sigma = |tau|
                    sg = grid[:, None] * h[None]  # (grid, m)
                    gv = np.stack([_horner1(coef, s)[0] for s in sg])
                    for j in range(_EVENT_GRID):
                        ga, gb = gv[j], gv[j + 1]
                        up = (ga < 0) & (gb >= 0)
                        down = (ga > 0) & (gb <= 0)
                        hit = up if dirs[e] > 0 else down if dirs[e] < 0 else up | down
                        hit &= act & (h > 0)
                        if not hit.any():
                            continue
                        w = np.flatnonzero(hit)
                        root = np.where(
                            gb[w] == 0,
                            sg[j + 1, w],
                            _bracket_root(coef[:, w], sg[j, w], sg[j + 1, w], ga[w], tl[w]),
                        )
                        found.append((e, w, root))
                term_hit = np.zeros(len(live), dtype=bool)
                for e, w, root in found:
                    if terminal[e]:
                        sigma_end[w] = np.minimum(sigma_end[w], root)
                        term_hit[w] = True
                for e, w, root in found:
                    keep = root <= sigma_end[w]
                    w, root = w[keep], root[keep]
                    if len(w):
                        tau = sign * root
                        ye = _horner(poly[..., w], tau)
                        ev_rec[e].append((live[w], tl[w] + tau, ye))
                stopped = act & term_hit
                if stopped.any():
                    status[live[stopped]] = 1
            else:
                stopped = np.zeros(len(live), dtype=bool)
            # ---- outputs inside the step
            tau_end = sign * sigma_end
            t_new = np.where(act & (sigma_end == remaining) & (sigma_end == h), t1, tl + tau_end)
            if nt is not None:
                kl = next_k[live]
                knew = np.searchsorted(key_eval, t_new * sign, side="right")
                knew = np.where(act, knew, kl)
                cnt = np.maximum(knew - kl, 0)
                tot = int(cnt.sum())
                if tot:
                    bb = np.repeat(np.arange(len(live)), cnt)
                    first = np.repeat(np.cumsum(cnt) - cnt, cnt)
                    jj = np.repeat(kl, cnt) + (np.arange(tot) - first)
                    Yout[:, :, live[bb], jj] = _horner(poly[..., bb], t_eval[jj] - tl[bb])
                    next_k[live] = np.maximum(knew, kl)
            Znew = _horner(poly, tau_end)
            if dense_output:
                w = np.flatnonzero(act & (sigma_end > 0))
                if len(w):
                    seg.append((live[w], tl[w], tau_end[w], poly[..., w]))
            Z[:, :, live] = np.where(act, Znew, Zl)
            t[live] = np.where(act, t_new, tl)
            nsteps[live] += act
            if nt is None and act[0]:
                ts_list.append(t_new[:1])
                ys_list.append(Znew[:, :, :1])
            done = act & ((t_new == t1) | stopped)
            active[live[done]] = False
            over = active & (nsteps >= max_steps)
            if over.any():
                status[over] = -1
                for k in np.flatnonzero(over):  # messages of the failed only
                    fail_msg[k] = (
                        f"the step budget max_steps = {max_steps} was exhausted at t = {t[k]:.17g}"
                    )
                active[over] = False

    # ---- assemble
    def wrap(vals):
        """(n, Ls, ...) -> plain (n, ...) or a Jet of the seeding."""
        if Ss is None:
            return vals[:, 0]
        # true coefficients -> the seeding's stored (scaled) ones, docs/theory.md "Magnitudes"
        return Jet._wrap(Ss, Ss.from_true(np.moveaxis(vals, 1, 0).copy()))

    if nt is not None:
        y = wrap(Yout.reshape((n, Ls) + batch + (nt,)))
        t_out = t_eval
        if not ensemble:
            reached = next_k[0]
            t_out = t_eval[:reached]
            y = y[..., :reached]
    else:
        t_out = np.concatenate(ts_list)
        y = wrap(np.concatenate(ys_list, axis=-1))
    sol = None
    if dense_output:
        if seg:
            tr = np.concatenate([s[0] for s in seg])
            sol = OdeSolution(
                tr,
                np.concatenate([s[1] for s in seg]),
                np.concatenate([s[2] for s in seg]),
                np.concatenate([s[3] for s in seg], axis=-1),
                sign,
                n,
                batch,
                wrap,
            )
    t_events = y_events = None
    if events:
        t_events, y_events = [], []
        for e in range(len(events)):
            recs = ev_rec[e]
            tr = np.concatenate([r[0] for r in recs]) if recs else np.zeros(0, dtype=np.intp)
            te = np.concatenate([r[1] for r in recs]) if recs else np.zeros(0)
            ye = np.concatenate([r[2] for r in recs], axis=-1) if recs else np.zeros((n, Ls, 0))
            ye = ye[:, 0]  # values
            if not ensemble:
                t_events.append(te)
                y_events.append(ye.T.copy())
            else:
                order_ = np.argsort(tr, kind="stable")
                tr, te, ye = tr[order_], te[order_], ye[:, order_]
                counts = np.bincount(tr, minlength=nb)
                K = int(counts.max()) if len(tr) else 0
                pos = np.arange(len(tr)) - np.repeat(np.cumsum(counts) - counts, counts)
                T_e = np.full((nb, K), np.nan)
                Y_e = np.full((n, nb, K), np.nan)
                T_e[tr, pos] = te
                Y_e[:, tr, pos] = ye
                t_events.append(T_e.reshape(batch + (K,)))
                y_events.append(Y_e.reshape((n,) + batch + (K,)))
    worst = -1 if (status == -1).any() else (1 if (status == 1).any() else 0)
    if worst == -1:
        k = int(np.flatnonzero(status == -1)[0])
        msg = str(fail_msg[k])
        if ensemble:
            msg = (
                f"{int((status == -1).sum())} of {nb} trajectories failed; the first "
                f"(flat index {k}): {msg}"
            )
    elif worst == 1:
        msg = "A termination event occurred."
    else:
        msg = "The solver successfully reached the end of the integration interval."
    total_steps = int(nsteps.sum())
    return OdeResult(
        t=t_out,
        y=y,
        sol=sol,
        t_events=t_events,
        y_events=y_events,
        nfev=total_steps,
        njev=0,
        nlu=0,
        status=worst,
        message=msg,
        success=worst >= 0,
        nsteps=(nsteps.reshape(batch) if ensemble else int(nsteps[0])),
        order=p,
        statuses=(status.reshape(batch) if ensemble else int(status[0])),
    )
