"""daceypy (DACE differential algebra): one DA object per point, so a Python
loop over the points (DA numbers are scalars; that is how the library is
used).  DA.init(order, nvars) is part of each cell's first call."""

import math

import numpy as np

from ..workloads import W2_ALPHAS

NAME = "daceypy"
LABEL = "daceypy DA (per-point loop, DA.init per cell)"
PACKAGES = ("daceypy",)

DA = None


def startup():
    global DA
    from daceypy import DA as _DA

    DA = _DA
    DA.init(1, 1)
    (DA(1) + 1.0).exp()


def reset():
    pass


def build(cell, inp, info):
    w = cell["workload"]
    if w == "W1":
        k, x0 = cell["k"], inp["x"]
        DA.init(k, 1)
        exps = [[j] for j in range(k + 1)]
        fact = np.array([math.factorial(j) for j in range(k + 1)], dtype=float)[:, None]

        def run():
            out = np.empty((k + 1, x0.shape[0]))
            for p, v in enumerate(x0.tolist()):
                x = DA(1) + v
                f = x.sin().exp() / (1 + x**2)
                out[:, p] = [f.getCoefficient(e) for e in exps]
            return out * fact

        return run
    if w == "W2":
        X0 = inp["X"]
        DA.init(4, 3)
        exps = [list(a) for a in W2_ALPHAS]
        fact = np.array([math.prod(math.factorial(a) for a in al) for al in W2_ALPHAS])[:, None]

        def run():
            out = np.empty((len(exps), X0.shape[1]))
            for p, (a, b, c) in enumerate(X0.T.tolist()):
                x, y, z = DA(1) + a, DA(2) + b, DA(3) + c
                f = (x * y).exp() * (z + x).sin() / (1 + y**2 + z**2)
                out[:, p] = [f.getCoefficient(e) for e in exps]
            return out * fact

        return run
    if w == "W3" and cell["case"] == "cube":
        DA.init(3, 1)

        def run():
            f = (DA(1) + 4.0) ** 3
            return np.array([f.getCoefficient([j]) * math.factorial(j) for j in range(4)])

        return run
    if w == "W3":
        DA.init(2, 2)

        def run():
            x, y = DA(1) + 4.0, DA(2) + 3.0
            f = (x + 2 * y) ** 3
            c = f.getCoefficient
            return np.array([[2 * c([2, 0]), c([1, 1])], [c([1, 1]), 2 * c([0, 2])]])

        return run
    X0 = inp["X"]
    n = X0.shape[0]
    DA.init(2, n)
    entries = []
    for i in range(n):
        for j in range(i, n):
            e = [0] * n
            e[i] += 1
            e[j] += 1
            entries.append((i, j, e, 2.0 if i == j else 1.0))

    def run():
        H = np.empty((n, n, X0.shape[1]))
        for p, col in enumerate(X0.T.tolist()):
            xs = [DA(i + 1) + v for i, v in enumerate(col)]
            f = 0
            for i in range(n - 1):
                f = f + 100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2
            for i, j, e, s in entries:
                H[i, j, p] = H[j, i, p] = s * f.getCoefficient(e)
        return H

    return run
