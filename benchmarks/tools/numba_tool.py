"""A small numba loop written for this benchmark: the "compiled limit" for W1.

For each point x0 it runs the Taylor recurrences of exp(sin(x))/(1 + x**2)
fused in one loop, using the structure of the seeded variable x = x0 + t:
sin/cos of a linear argument by the two-term recurrence S_d = C_{d-1}/d,
C_d = -S_{d-1}/d; exp by d E_d = sum_i i S_i E_{d-i} (O(k^2)); and the
division by the quadratic 1 + x**2, which has three nonzero coefficients,
by F_d = (E_d - 2 x0 F_{d-1} - F_{d-2}) / (1 + x0**2) (O(k)).  Serial
(one core), no fastmath.
"""

import math

import numpy as np

from . import NotApplicable

NAME = "numba"
LABEL = "numba @njit loop over points, fused Taylor recurrences (W1 only; serial)"
PACKAGES = ("numba", "llvmlite")

numba = None


def startup():
    global numba
    import numba as _numba

    numba = _numba


def reset():
    pass


def _w1_kernel(x, k, fact, out):
    """out[p, d] = d-th derivative at x[p]; out has shape (B, k+1)."""
    S = np.empty(k + 1)
    C = np.empty(k + 1)
    E = np.empty(k + 1)
    F = np.empty(k + 1)
    for p in range(x.shape[0]):
        x0 = x[p]
        S[0] = math.sin(x0)
        C[0] = math.cos(x0)
        for d in range(1, k + 1):
            S[d] = C[d - 1] / d
            C[d] = -S[d - 1] / d
        E[0] = math.exp(S[0])
        for d in range(1, k + 1):
            acc = 0.0
            for i in range(1, d + 1):
                acc += i * S[i] * E[d - i]
            E[d] = acc / d
        q0 = 1.0 + x0 * x0
        q1 = 2.0 * x0
        F[0] = E[0] / q0
        if k >= 1:
            F[1] = (E[1] - q1 * F[0]) / q0
        for d in range(2, k + 1):
            F[d] = (E[d] - q1 * F[d - 1] - F[d - 2]) / q0
        for d in range(k + 1):
            out[p, d] = F[d] * fact[d]


def build(cell, inp, info):
    if cell["workload"] != "W1":
        raise NotApplicable("numba loop written for W1 only")
    # a fresh dispatcher per cell: its first call pays the compilation
    kernel = numba.njit(cache=False)(_w1_kernel)
    k, x = cell["k"], np.ascontiguousarray(inp["x"])

    def run():
        fact = np.array([math.factorial(d) for d in range(k + 1)], dtype=float)
        out = np.empty((x.shape[0], k + 1))
        kernel(x, k, fact, out)
        return out.T

    return run
