"""Majorant series and the running error estimate of tracked jets.

A jet seeded with ``track_error=True`` carries, next to its coefficients, two
nonnegative arrays of shape (S.ncoeffs, *batch) in the FULL space S (every
variable, every degree; see docs/theory.md, "Error estimates"):

* ``M``, a majorant: M_alpha bounds the magnitude of every term the engine
  adds up for coefficient alpha (the same recurrence run with all signs made
  positive and the absolute values of the point values), and
* ``E``, the estimated ABSOLUTE error of coefficient alpha: the rounding of
  each step, u * (number of terms) * M, plus the inherited input errors carried
  through the majorant of the derivative, plus the scalar function's own error
  at the value (a few ulps; VALUE_ULPS for scipy's).

The first part of this module is pure array code on nonnegative arrays of a
space S (the majorant kernels: ``mul``, ``exp``, ``inv``, ``pow``, ``log``,
``hyp``, ``sinhcosh``, ``tan``), written with the engine's own kernels where
their recurrences have only nonnegative terms on nonnegative input.  The second
part, :class:`Tracker`, applies them to :class:`Track` triples (value, M, E)
the way each rule's algorithm runs; ``jets/rules.py`` gives every rule its
model from these.  Layer: after kernels, before rules; knows no Jet and no rule.
"""

from functools import lru_cache

import numpy as np

from . import kernels as K

__all__ = [
    "Track",
    "Tracker",
    "tracker",
    "unit_roundoff",
    "VALUE_ULPS",
    "mul",
    "exp",
    "inv",
    "pow",
    "log",
    "hyp",
    "sinhcosh",
    "tan",
]

#: ulps of error of scipy's special-function values beyond correct rounding
#: (measured against mpmath: erf/erfc/gamma <= 5, gammaln/digamma <= 30 away
#: from their zeros); numpy's functions count 1 ulp
VALUE_ULPS = {
    "erf": 4,
    "erfc": 8,
    "gamma": 8,
    "lgamma": 64,
    "digamma": 64,
    "expit": 2,
    "logit": 4,
    "erfinv": 8,
    "erfcx": 8,
    "lambertw": 8,
    "ellipk": 8,
    "ellipe": 8,
    "expi": 16,
    "exp1": 16,
    "polygamma": 64,
    "jv": 64,
    "yv": 64,
    "iv": 64,
    "kv": 64,
}
#: relative backward error allowed to scipy's polygamma (digamma's coefficients)
POLYGAMMA_BACKWARD = 64


def unit_roundoff(dtype):
    """(u, eta) of a coefficient dtype: unit roundoff and the smallest subnormal
    (the absolute error of a product in gradual underflow).  Exact (object)
    coefficients: (0, 0); complex: twice the real u (a complex product rounds
    twice)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "O":
        return 0.0, 0.0
    if dtype.kind == "c":
        fi = np.finfo(dtype)
        return float(fi.eps), float(fi.smallest_subnormal)
    if dtype.kind == "f":
        fi = np.finfo(dtype)
        return float(fi.eps) / 2, float(fi.smallest_subnormal)
    return 2.0**-53, 2.0**-1074


# ------------------------------------------------------- majorant kernels
def _full(S, X):
    return K.pad(S, X)


def _nonconst(H):
    out = np.array(H, dtype=float, copy=True)
    out[0] = 0
    return out


def mul(S, A, B):
    """The truncated product of nonnegative series (all terms add)."""
    return _full(S, K.product(S, A, B))


def exp(S, H, c):
    """c * exp(H - H_0)."""
    return K.exp(S, _nonconst(H), c)


def inv(S, c, H):
    """1 / (c - (H - H_0)): the majorant of a quotient's recurrence."""
    Bn = -_nonconst(H)
    Bn[0] = c
    one = np.ones((1,) + Bn.shape[1:])
    return _full(S, K.quotient(S, one, Bn))


def pow(S, c, H, s):
    """(1 - (H - H_0) / c)^(-s), s >= 0."""
    A = -_nonconst(H) / c
    A[0] = 1
    return K.power_real(S, A, -s, np.ones(A.shape[1:]))


def log(S, c, H):
    """-log(1 - (H - H_0) / c)."""
    A = -_nonconst(H) / c
    A[0] = 1
    return -K.log(S, A, np.zeros(A.shape[1:]))


def hyp(S, h0, Q):
    """G with d h0 G_d = Q_d + [(G - G_0) DG]_d: the hypot recurrence, signs positive."""
    G = np.zeros(Q.shape)
    DG = np.zeros(Q.shape)
    G[0] = h0
    for d in range(1, S.degree + 1):
        blk = S.block(d)
        G[blk] = (Q[blk] + K.degree_product(S, G, DG, d, xlo=1, ylo=1, yhi=d - 1)) / (d * h0)
        DG[blk] = d * G[blk]
    return G


def sinhcosh(S, H, s0, c0):
    """The pair with S' = C H', C' = S H' (the majorant of sin/cos and sinh/cosh)."""
    return K.sinhcosh(S, _nonconst(H), s0, c0)


def tan(S, H, t0):
    """tan(arctan t0 + H - H_0) and W = 1 + T^2: the majorant of tan and tanh."""
    T, W, step = K.tan_steps(S, _nonconst(H), t0, 1 + t0 * t0, 1)
    K.run(S, T, step)
    return T, W


# --------------------------------------------------------------- tracks
class Track:
    """A tracked operand of a rule: signed value ``v`` (*batch), majorant ``M``
    and error estimate ``E`` (S.ncoeffs, *batch), both nonnegative float64."""

    __slots__ = ("v", "M", "E")

    def __init__(self, v, M, E):
        self.v, self.M, self.E = v, M, E


class Tracker:
    """The error model of the engine's algorithms on one space, for one unit
    roundoff u: each method mirrors a kernel or rule and returns a Track.

    Rounding of a step that adds n terms of size <= M: n u M (plus eta per
    product in gradual underflow).  A recurrence re-uses its own rounded lower
    degrees, each of which was itself rounded: its local rounding is taken as
    (d + 1)(terms + 2) u M at degree d (``loc_rec``), a product's as terms u M
    (``loc_mul``), terms = prod(alpha_i + 1) being the number of products in a
    coefficient of a product."""

    def __init__(self, S, u, eta):
        self.S, self.u, self.eta = S, u, eta
        mons = np.asarray(S.monomials)
        self.deg = S.degrees.astype(float)
        self.terms = np.prod(mons + 1, axis=1).astype(float)
        self.loc_mul = self.terms
        self.loc_rec = (self.deg + 1) * (self.terms + 2)

    def col(self, v, ndim):
        """A per-coefficient vector shaped to broadcast against (N, *batch) of ndim axes."""
        return v.reshape(v.shape + (1,) * (ndim - 1))

    def zeros(self, shape):
        return np.zeros((self.S.ncoeffs,) + tuple(shape))

    def rnd(self, loc, M):
        """Rounding of steps adding `loc` (per-coefficient vector) terms <= M."""
        return self.col(loc, M.ndim) * (self.u * M + self.eta)

    # --------------------------------------------------------- leaves
    def const(self, v, err=0.0):
        """A plain value (no derivatives), exact unless `err` (relative) is given."""
        v = np.asarray(v)
        a = np.abs(v).astype(float)
        M, E = self.zeros(v.shape), self.zeros(v.shape)
        M[0] = a
        E[0] = err * a
        return Track(v, M, E)

    def exact(self, coeffs):
        """An untracked jet's full coefficients, taken as exact."""
        M = np.abs(coeffs).astype(float)
        return Track(coeffs[0], M, np.zeros(M.shape))

    def lift(self, x):
        """A Track for a Track or a Const-like plain value (attribute .v)."""
        return x if isinstance(x, Track) else self.const(x.v)

    def set_value(self, a, value, err0):
        M, E = a.M.copy(), a.E.copy()
        M[0], E[0] = np.abs(value), err0
        return Track(value, M, E)

    def value_error(self, a, value, ulps=1):
        """The error of a scalar function's value: `ulps` ulps of it, plus what the
        input's value error does through the slope already in a.E[0]."""
        return self.set_value(a, value, a.E[0] + ulps * 2 * self.u * np.abs(value))

    # ----------------------------------------------------- arithmetic
    def add(self, a, b, sign=1):
        M = a.M + b.M
        return Track(a.v + sign * b.v, M, a.E + b.E + self.u * M)

    def neg(self, a):
        return Track(-a.v, a.M, a.E)

    def scale(self, a, s, exact=False):
        """a * s for a plain s (a batch array or number); an inexact s (pi/180,
        ln 2) adds its own rounding."""
        s = np.asarray(s)
        m = np.abs(s)
        M = m * a.M
        return Track(a.v * s, M, m * a.E + (1 if exact else 2) * self.u * M)

    def mul(self, a, b):
        S = self.S
        M = mul(S, a.M, b.M)
        E = mul(S, a.M, b.E) + mul(S, a.E, b.M) + self.rnd(self.loc_mul, M)
        return Track(a.v * b.v, M, E)

    def quotient(self, a, b):
        S = self.S
        R = inv(S, np.abs(b.v), b.M)
        Q = mul(S, a.M, R)
        E = (
            mul(S, R, a.E)
            + mul(S, mul(S, Q, R), b.E)
            + self.rnd(self.loc_rec, Q)
            + self.eta * np.abs(b.v) * R
        )
        with np.errstate(all="ignore"):
            return Track(a.v / b.v, Q, E)

    def power_int(self, a, n):
        """a**n by repeated squaring (negative n: 1 / a**|n|), like the engine."""
        if n == 0:
            return self.const(np.ones(np.shape(a.v)))
        out, m, base = None, abs(n), a
        while True:
            if m & 1:
                out = base if out is None else self.mul(out, base)
            m >>= 1
            if not m:
                break
            base = self.mul(base, base)
        return out if n > 0 else self.quotient(self.const(np.ones(np.shape(a.v))), out)

    # ------------------------------------------------ recurrences
    def exp(self, a, value):
        S = self.S
        M = exp(S, a.M, np.abs(value))
        return Track(
            value, M, mul(S, M, a.E) + self.rnd(self.loc_rec, M) + self.eta * exp(S, a.M, 1.0)
        )

    def log(self, a, value, a0=None):
        """log(a) with value `value`; `a0` the value the recurrence divides by
        (log1p: 1 + a's value)."""
        S = self.S
        c = np.abs(a.v if a0 is None else a0)
        M = log(S, c, a.M)
        M[0] = np.abs(value)
        R = inv(S, c, a.M)
        return Track(value, M, mul(S, R, a.E) + self.rnd(self.loc_rec, M))

    def power_real(self, a, r, value, r_err=0.0):
        """a**r for a plain real r (r_err: relative error of r itself, 1/3)."""
        S = self.S
        a0 = np.abs(a.v)
        ar = np.abs(r)
        with np.errstate(all="ignore"):
            M = np.abs(value) * pow(S, a0, a.M, ar)
            Mp = ar * a0 ** (np.asarray(r) - 1) * pow(S, a0, a.M, np.abs(np.asarray(r) - 1))
            deg = self.col(self.deg, M.ndim)
            E = (
                mul(S, Mp, a.E)
                + self.rnd(self.loc_rec, M) * (1 + ar)
                + self.eta * pow(S, a0, a.M, ar)
                + r_err * ar * (np.abs(np.log(a0)) + deg) * M
            )
            # the value itself (np.power, np.sqrt) is rounded once; an exact
            # input (a.E[0] = 0) adds nothing, also at a0 = 0 where Mp is inf
            E[0] = np.where(a.E[0] == 0, 0.0, Mp[0] * a.E[0]) + 3 * self.u * np.abs(value)
        return Track(value, M, E)

    def sincos(self, a, s0, c0):
        """(sin a, cos a) or (sinh a, cosh a) with values s0, c0."""
        S = self.S
        Sn, Cs = sinhcosh(S, a.M, np.abs(s0), np.abs(c0))
        seed = self.eta * 2 * exp(S, a.M, 1.0)
        return (
            Track(s0, Sn, mul(S, Cs, a.E) + self.rnd(self.loc_rec, Sn) + seed),
            Track(c0, Cs, mul(S, Sn, a.E) + self.rnd(self.loc_rec, Cs) + seed),
        )

    def tan_like(self, a, value):
        S = self.S
        T, W = tan(S, a.M, np.abs(value))
        return Track(value, T, mul(S, W, a.E) + self.rnd(self.loc_rec, T + W) + self.eta * W / W[0])

    def hypot(self, a, b, value):
        """sqrt(a^2 + b^2) by H DH = A DA + B DB (kernels.hypot, no value squared)."""
        S = self.S
        deg = self.col(self.deg, a.M.ndim)
        Q = mul(S, a.M, deg * a.M) + mul(S, b.M, deg * b.M)
        h0 = np.abs(value)
        with np.errstate(all="ignore"):
            G = hyp(S, h0, Q)
            R = inv(S, h0, G)
            d = np.maximum(deg, 1)
            E = (
                mul(S, mul(S, a.M, R), a.E)
                + mul(S, mul(S, b.M, R), b.E)
                + mul(S, R, self.rnd(self.loc_mul, Q / d))
                + self.rnd(self.loc_rec, G)
                + self.eta * h0 * R
            )
            E[0] = (np.abs(a.v) * a.E[0] + np.abs(b.v) * b.E[0]) / h0 + 2 * self.u * h0
        return Track(value, G, E)

    def euler(self, a):
        deg = self.col(self.deg, a.M.ndim)
        return Track(np.zeros(np.shape(a.v)), deg * a.M, deg * a.E)

    def integrate(self, a, value, value_err):
        """F = value + D^{-1} a; value_err bounds the error of the value."""
        d = np.maximum(self.col(self.deg, a.M.ndim), 1)
        M = a.M / d
        E = a.E / d + self.rnd(np.ones_like(self.deg), M)
        M[0] = np.abs(value)
        E[0] = value_err
        return Track(value, M, E)

    def from_derivative(self, a, g, value, ulps=1):
        """f(a) with f' = g (a Track of g(a)): F = f0 + D^{-1}(DA G)."""
        prod = self.mul(self.euler(a), g)
        err0 = np.abs(g.v) * a.E[0] + ulps * 2 * self.u * np.abs(value)
        return self.integrate(prod, value, err0)

    def horner(self, a, taylor, dtaylor, value_ulps, backward=0.0):
        """sum_j taylor[j] (a - a0)^j (kernels.compose), taylor[j] batch arrays,
        dtaylor[j] = (j+1) taylor[j+1] (the derivative's, for inherited errors);
        `backward`: relative backward error of the taylor values."""
        S = self.S
        H = _nonconst(a.M)
        M, Mp, Hj = (np.zeros(a.M.shape) for _ in range(3))
        Hj[0] = 1
        for j in range(len(taylor)):
            M = M + np.abs(taylor[j]) * Hj
            Mp = Mp + np.abs(dtaylor[j]) * Hj
            Hj = mul(S, Hj, H)
        E = (
            mul(S, Mp, a.E)
            + Mp * backward * self.u * np.abs(a.v)
            + self.rnd((len(taylor) + 1) * self.loc_mul, M)
            + value_ulps * 2 * self.u * M
        )
        return Track(taylor[0], M, E)

    def select(self, cond, x, y):
        w = np.asarray(cond)[None]
        return Track(np.where(cond, x.v, y.v), np.where(w, x.M, y.M), np.where(w, x.E, y.E))


@lru_cache(maxsize=256)
def _tracker(S, u, eta):
    return Tracker(S, u, eta)


def tracker(S, dtype):
    """The Tracker of space S for coefficients of `dtype` (cached)."""
    u, eta = unit_roundoff(dtype)
    return _tracker(S, u, eta)
