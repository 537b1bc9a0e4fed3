"""algopy: univariate Taylor polynomial arithmetic (UTPM), vectorised over the
points by algopy's own broadcasting (data of shape (D, P, *shape)).

W1 propagates one direction of degree k; W2 and W4 use algopy's exact
interpolation (Griewank, Utke & Walther): the rays and Gamma matrix of
``algopy.exact_interpolation`` for each degree d give the degree-d Taylor
coefficients (W2: one propagation per degree 1..4; W4: degree 2).
"""

import math

import numpy as np

from ..workloads import W2_ALPHAS

NAME = "algopy"
LABEL = "algopy UTPM (+ exact interpolation for mixed partials)"
PACKAGES = ("algopy", "numpy")

algopy = UTPM = exint = None


def startup():
    global algopy, UTPM, exint
    import algopy as _algopy
    import algopy.exact_interpolation as _exint
    from algopy import UTPM as _UTPM

    algopy, UTPM, exint = _algopy, _UTPM, _exint
    x = UTPM(np.zeros((2, 1, 2)))
    UTPM.exp(x)


def reset():
    pass


def _fact(alpha):
    return math.prod(math.factorial(int(a)) for a in alpha)


def _w2(x, y, z):
    return UTPM.exp(x * y) * UTPM.sin(z + x) / (1 + y**2 + z**2)


def _interpolation(n, d):
    """Gamma matrix, rays (P, n) and multi-indices of degree d in n variables:
    computed once per cell, in the build (algopy's generator is slow Python)."""
    Gamma, rays = exint.generate_Gamma_and_rays(n, d)
    return Gamma, rays, exint.generate_multi_indices(n, d)


def _seed(X0, rays, d):
    """UTPM seeded along the interpolation rays; X0 has shape (n, B)."""
    data = np.zeros((d + 1, rays.shape[0]) + X0.shape)
    data[0] = X0
    data[1] = rays[:, :, None]
    return UTPM(data)


def build(cell, inp, info):
    w = cell["workload"]
    if w == "W1":
        k, x0 = cell["k"], inp["x"]
        fact = np.array([math.factorial(j) for j in range(k + 1)], dtype=float)[:, None]

        def run():
            data = np.zeros((k + 1, 1) + x0.shape)
            data[0, 0] = x0
            data[1, 0] = 1
            u = UTPM(data)
            y = UTPM.exp(UTPM.sin(u)) / (1 + u**2)
            return y.data[:, 0] * fact

        return run
    if w == "W2":
        X0 = inp["X"]
        pos = {a: i for i, a in enumerate(W2_ALPHAS)}
        tables = {d: _interpolation(3, d) for d in range(1, 5)}

        def run():
            out = np.empty((len(W2_ALPHAS),) + X0.shape[1:])
            for d in range(1, 5):
                Gamma, rays, mi = tables[d]
                u = _seed(X0, rays, d)
                y = _w2(u[0], u[1], u[2])
                if d == 1:
                    out[0] = y.data[0, 0]
                coef = np.tensordot(Gamma, y.data[d], axes=1)  # (len(mi), B)
                for row, alpha in zip(coef, mi, strict=True):
                    alpha = tuple(int(a) for a in alpha)
                    out[pos[alpha]] = row * _fact(alpha)
            return out

        return run
    if w == "W3" and cell["case"] == "cube":

        def run():
            data = np.zeros((4, 1))
            data[0, 0], data[1, 0] = 4.0, 1.0
            y = UTPM(data) ** 3
            return y.data[:, 0] * np.array([1.0, 1.0, 2.0, 6.0])

        return run
    if w == "W3":

        def run():
            u = UTPM.init_hessian(np.array([4.0, 3.0]))
            return UTPM.extract_hessian(2, (u[0] + 2 * u[1]) ** 3)

        return run
    X0 = inp["X"]
    n = X0.shape[0]
    Gamma, rays, mi = _interpolation(n, 2)

    def run():
        u = _seed(X0, rays, 2)
        a, b = u[:-1], u[1:]
        y = (100 * (b - a**2) ** 2 + (1 - a) ** 2).sum(axis=0)
        coef = np.tensordot(Gamma, y.data[2], axes=1)
        H = np.zeros((n, n) + X0.shape[1:])
        for row, alpha in zip(coef, mi, strict=True):
            idx = [i for i, a_i in enumerate(alpha) for _ in range(int(a_i))]
            i, j = idx
            H[i, j] = H[j, i] = row * (2 if i == j else 1)
        return H

    return run
