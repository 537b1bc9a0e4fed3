"""sympy: symbolic diff, then lambdify(..., modules="numpy", cse=True).

The symbolic part (differentiation and lambdify) is done in the cell's first
call and reported separately in the notes; steady calls only evaluate the
generated numpy function.  sympy's cache is cleared before every cell.
"""

import time

import numpy as np

from ..workloads import W2_ALPHAS, rosen_terms

NAME = "sympy"
LABEL = "sympy diff + lambdify(numpy, cse=True)"
PACKAGES = ("sympy", "mpmath")

sp = None


def startup():
    global sp
    import sympy as _sp

    sp = _sp
    sp.diff(sp.Symbol("t") ** 2, sp.Symbol("t"))


def reset():
    from sympy.core.cache import clear_cache

    clear_cache()


def _stack(values, shape):
    """lambdify returns plain numbers for constant entries: broadcast them."""
    return np.stack([np.broadcast_to(np.asarray(v, dtype=float), shape) for v in values])


def build(cell, inp, info):
    t0 = time.perf_counter()
    w = cell["workload"]
    if w == "W1":
        x = sp.Symbol("x")
        ders = [sp.exp(sp.sin(x)) / (1 + x**2)]
        for _ in range(cell["k"]):
            ders.append(sp.diff(ders[-1], x))
        fn = sp.lambdify(x, ders, modules="numpy", cse=True)
        x0 = inp["x"]
        run = lambda: _stack(fn(x0), x0.shape)  # noqa: E731
    elif w == "W2":
        x, y, z = X = sp.symbols("x y z")
        got = {(0, 0, 0): sp.exp(x * y) * sp.sin(z + x) / (1 + y**2 + z**2)}
        for alpha in W2_ALPHAS[1:]:
            i = next(j for j in range(3) if alpha[j] > 0)
            parent = tuple(a - (j == i) for j, a in enumerate(alpha))
            got[alpha] = sp.diff(got[parent], X[i])
        fn = sp.lambdify(X, [got[a] for a in W2_ALPHAS], modules="numpy", cse=True)
        X0 = inp["X"]
        run = lambda: _stack(fn(*X0), X0.shape[1:])  # noqa: E731
    elif w == "W3" and cell["case"] == "cube":
        x = sp.Symbol("x")
        fn = sp.lambdify(x, [sp.diff(x**3, x, j) for j in range(4)], modules="numpy", cse=True)
        run = lambda: _stack(fn(4.0), ())  # noqa: E731
    elif w == "W3":
        x, y = sp.symbols("x y")
        H = sp.hessian((x + 2 * y) ** 3, (x, y))
        fn = sp.lambdify((x, y), list(H), modules="numpy", cse=True)
        run = lambda: _stack(fn(4.0, 3.0), ()).reshape(2, 2)  # noqa: E731
    else:
        n = cell["n"]
        xs = sp.symbols(f"x0:{n}")
        f = sum(100 * (xs[j] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i, j in rosen_terms(n))
        H = sp.hessian(f, xs)
        fn = sp.lambdify(xs, list(H), modules="numpy", cse=True)
        X0 = inp["X"]
        run = lambda: _stack(fn(*X0), X0.shape[1:]).reshape((n, n) + X0.shape[1:])  # noqa: E731
    info["symbolic_s"] = time.perf_counter() - t0
    return run
