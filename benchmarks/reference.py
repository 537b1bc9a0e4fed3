"""High-precision reference values, computed once per cell and cached on disk.

W1 uses 60-digit mpmath Taylor arithmetic written here from the textbook
recurrences (closed-form sin/cos coefficients of x0 + t, the exp recurrence and
a division by the quadratic 1 + x**2); W2, W3 and W4 differentiate with sympy
and evaluate the derivatives in 40-digit mpmath.  Only a subsample of the
points is referenced (``workloads.subsample``), which keeps the reference cheap
at B = 10^5 while still covering the whole range of points.

The cache lives in ``benchmarks/.cache`` (git-ignored); a file name holds the
workload, the size, the subsample size, a hash of the points and
``REF_VERSION``, so changing any of them computes a fresh reference.
"""

import hashlib
import os

import numpy as np

from . import workloads as W

__all__ = ["REF_VERSION", "K_REF", "reference_file", "w1_reference", "sympy_reference"]

REF_VERSION = 1
#: W1 is referenced to this order once per batch; smaller k use the leading rows.
K_REF = 32


def _key(cell, pts, nsub):
    h = hashlib.sha1(np.ascontiguousarray(pts, dtype=float).tobytes()).hexdigest()[:12]
    w = cell["workload"]
    if w == "W1":
        size = f"B{cell['B']}"
    elif w == "W2":
        size = f"B{cell['B']}"
    elif w == "W3":
        size = cell["case"]
    else:
        size = f"n{cell['n']}_B{cell['B']}"
    return f"{w.lower()}_{size}_s{nsub}_{h}_v{REF_VERSION}.npz"


def reference_file(cell, nsub, cache_dir):
    """Path of the cached reference of `cell` (computed now if missing).

    The file holds ``idx`` (subsample indices, absent for W3) and ``ref``
    (the standard output layout restricted to those points)."""
    inp = W.inputs(cell)
    pts = inp.get("x", inp.get("X"))
    os.makedirs(cache_dir, exist_ok=True)
    path = os.path.join(cache_dir, _key(cell, pts, nsub))
    if os.path.exists(path):
        return path
    w = cell["workload"]
    if w == "W3":
        ref, idx = _w3(cell["case"]), None
    else:
        idx = W.subsample(cell["B"], nsub)
        if w == "W1":
            ref = w1_reference(np.asarray(pts)[idx], K_REF)
        elif w == "W2":
            ref = _w2(np.asarray(pts)[:, idx])
        else:
            ref = _w4(np.asarray(pts)[:, idx])
    tmp = path + f".tmp{os.getpid()}"
    with open(tmp, "wb") as fh:
        if idx is None:
            np.savez(fh, ref=ref)
        else:
            np.savez(fh, ref=ref, idx=idx)
    os.replace(tmp, path)
    return path


def load_reference(path, cell):
    """(ref, idx) of a cell from its cache file, ref cut to the cell's order."""
    with np.load(path) as data:
        ref = data["ref"]
        idx = data["idx"] if "idx" in data.files else None
    if cell["workload"] == "W1":
        ref = ref[: cell["k"] + 1]
    return ref, idx


def w1_reference(points, kmax, dps=60):
    """Derivatives 0..kmax of exp(sin(x))/(1 + x**2) at each point, by Taylor
    arithmetic in `dps`-digit mpmath.  Returns float64, shape (kmax+1, len(points)).

    With x = x0 + t:  sin/cos have coefficients sin(x0 + j pi/2)/j!, ...;
    E = exp(S) obeys d E_d = sum_{i=1..d} i S_i E_{d-i};  F = E / Q with
    Q = (1 + x0^2) + 2 x0 t + t^2 gives F_d = (E_d - 2 x0 F_{d-1} - F_{d-2}) / (1 + x0^2).
    """
    import mpmath as mp

    out = np.empty((kmax + 1, len(points)))
    with mp.workdps(dps):
        fact = [mp.factorial(j) for j in range(kmax + 1)]
        half_pi = mp.pi / 2
        for p, x0f in enumerate(points):
            x0 = mp.mpf(float(x0f))
            S = [mp.sin(x0 + j * half_pi) / fact[j] for j in range(kmax + 1)]
            E = [mp.exp(S[0])]
            for d in range(1, kmax + 1):
                E.append(mp.fsum(i * S[i] * E[d - i] for i in range(1, d + 1)) / d)
            q0, q1 = 1 + x0 * x0, 2 * x0
            F = []
            for d in range(kmax + 1):
                v = E[d]
                if d >= 1:
                    v -= q1 * F[d - 1]
                if d >= 2:
                    v -= F[d - 2]
                F.append(v / q0)
            for d in range(kmax + 1):
                out[d, p] = float(F[d] * fact[d])
    return out


def sympy_reference(exprs, symbols, columns, dps=40):
    """Evaluate sympy expressions at points in `dps`-digit mpmath.

    exprs: list of m expressions; columns: array (nvars, npoints).
    Returns float64 of shape (m, npoints)."""
    import mpmath as mp
    import sympy as sp

    fn = sp.lambdify(symbols, exprs, modules="mpmath")
    cols = np.asarray(columns, dtype=float)
    out = np.empty((len(exprs), cols.shape[1]))
    with mp.workdps(dps):
        for p in range(cols.shape[1]):
            vals = fn(*[mp.mpf(float(v)) for v in cols[:, p]])
            out[:, p] = [float(v) for v in vals]
    return out


def w2_partials_sympy():
    """sympy expressions of the 35 W2 partials (order of ``W2_ALPHAS``), each
    differentiated from a parent one degree lower."""
    import sympy as sp

    x, y, z = sp.symbols("x y z")
    X = (x, y, z)
    F = sp.exp(x * y) * sp.sin(z + x) / (1 + y**2 + z**2)
    got = {(0, 0, 0): F}
    for alpha in W.W2_ALPHAS[1:]:
        i = next(j for j in range(3) if alpha[j] > 0)
        parent = tuple(a - (j == i) for j, a in enumerate(alpha))
        got[alpha] = sp.diff(got[parent], X[i])
    return [got[a] for a in W.W2_ALPHAS], X


def _w2(cols):
    exprs, X = w2_partials_sympy()
    return sympy_reference(exprs, X, cols)


def rosen_sympy(n):
    """(f, symbols) of the chained Rosenbrock function in n variables."""
    import sympy as sp

    xs = sp.symbols(f"x0:{n}")
    f = sum(100 * (xs[j] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i, j in W.rosen_terms(n))
    return f, xs


def _w4(cols):
    import sympy as sp

    n = cols.shape[0]
    f, xs = rosen_sympy(n)
    H = sp.hessian(f, xs)
    flat = sympy_reference([H[i, j] for i in range(n) for j in range(n)], xs, cols)
    return flat.reshape(n, n, -1)


def _w3(case):
    import sympy as sp

    if case == "cube":
        x = sp.Symbol("x")
        return np.array([float(sp.diff(x**3, x, j).subs(x, 4)) for j in range(4)])
    x, y = sp.symbols("x y")
    H = sp.hessian((x + 2 * y) ** 3, (x, y)).subs({x: 4, y: 3})
    return np.array(H.tolist(), dtype=float)
