"""PyTorch functional transforms: nested torch.func.jacfwd / jacrev / hessian,
vectorised over the points with torch.func.vmap.

W1 nests jacfwd j times for the j-th derivative (j = 1..k, each its own
transform); W2 builds the derivative tensors of order 1..4 as
jacfwd(jacfwd(jacfwd(jacrev(f)))) and gathers the 35 distinct entries; W4 is
vmap(hessian(rosen)).
"""

import numpy as np

from ..workloads import W2_ALPHAS

NAME = "torch-func"
LABEL = "torch.func nested jacfwd/jacrev/hessian + vmap"
PACKAGES = ("torch",)

torch = None


def startup():
    global torch
    import torch as _torch
    import torch.func  # noqa: F401

    torch = _torch
    torch.func.grad(lambda t: (t * t).sum())(torch.ones(2, dtype=torch.float64))


def reset():
    pass


def _t(a):
    return torch.as_tensor(np.asarray(a, dtype=float))


def _index(alpha):
    """Tensor index of a multi-index: (2, 1, 0) -> (0, 0, 1)."""
    return tuple(i for i, a in enumerate(alpha) for _ in range(a))


def build(cell, inp, info):
    F = torch.func
    w = cell["workload"]
    if w == "W1":
        k, x0 = cell["k"], inp["x"]
        fs = [lambda x: torch.exp(torch.sin(x)) / (1 + x**2)]
        for _ in range(k):
            fs.append(F.jacfwd(fs[-1]))
        vfs = [F.vmap(f) for f in fs]

        def run():
            x = _t(x0)
            return torch.stack([f(x) for f in vfs]).numpy()

        return run
    if w == "W2":
        X0 = inp["X"]

        def f(v):
            x, y, z = v[0], v[1], v[2]
            return torch.exp(x * y) * torch.sin(z + x) / (1 + y**2 + z**2)

        ts = [f, F.jacrev(f)]
        for _ in range(3):
            ts.append(F.jacfwd(ts[-1]))
        vts = [F.vmap(t) for t in ts]

        def run():
            V = _t(X0).T.contiguous()
            T = [t(V) for t in vts]  # T[d] has shape (B,) + (3,)*d
            rows = [T[sum(a)][(slice(None),) + _index(a)] for a in W2_ALPHAS]
            return torch.stack(rows).numpy()

        return run
    if w == "W3" and cell["case"] == "cube":
        fs = [lambda x: x**3]
        for _ in range(3):
            fs.append(F.jacfwd(fs[-1]))

        def run():
            x = _t(4.0)
            return torch.stack([f(x) for f in fs]).numpy()

        return run
    if w == "W3":
        h = F.hessian(lambda v: (v[0] + 2 * v[1]) ** 3)

        def run():
            return h(_t([4.0, 3.0])).numpy()

        return run
    X0 = inp["X"]

    def rosen(v):
        a, b = v[:-1], v[1:]
        return (100 * (b - a**2) ** 2 + (1 - a) ** 2).sum()

    vh = F.vmap(F.hessian(rosen))

    def run():
        return vh(_t(X0).T.contiguous()).permute(1, 2, 0).numpy()

    return run
