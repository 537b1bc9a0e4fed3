"""PyTorch nested reverse mode: torch.autograd.grad(..., create_graph=True)
applied repeatedly, the approach of the well-known higher-derivatives walkthrough.

Elementwise functions are differentiated through ``g.sum()`` (one backward
pass gives the derivative at every point); W2 walks the multi-indices degree by
degree, one backward pass per distinct lower partial giving its three children;
W4 builds the Hessian row by row from the gradient, n backward passes.
"""

from ..workloads import W2_ALPHAS

NAME = "torch-autograd"
LABEL = "torch nested torch.autograd.grad(create_graph=True)"
PACKAGES = ("torch",)

torch = None


def startup():
    global torch
    import torch as _torch

    torch = _torch
    x = torch.ones(2, dtype=torch.float64, requires_grad=True)
    torch.autograd.grad((x * x).sum(), x)


def reset():
    pass


def _leaf(a):
    return torch.tensor(a, dtype=torch.float64, requires_grad=True)


def _rosen(X):
    a, b = X[:-1], X[1:]
    return (100 * (b - a**2) ** 2 + (1 - a) ** 2).sum(dim=0)


def build(cell, inp, info):
    grad = torch.autograd.grad
    w = cell["workload"]
    if w == "W1":
        k, x0 = cell["k"], inp["x"]

        def run():
            x = _leaf(x0)
            g = torch.exp(torch.sin(x)) / (1 + x**2)
            outs = [g.detach()]
            for j in range(k):
                (g,) = grad(g.sum(), x, create_graph=j < k - 1)
                outs.append(g.detach())
            return torch.stack(outs).numpy()

        return run
    if w == "W2":
        X0 = inp["X"]

        def run():
            xs = [_leaf(row) for row in X0]
            x, y, z = xs
            vals = {(0, 0, 0): torch.exp(x * y) * torch.sin(z + x) / (1 + y**2 + z**2)}
            for alpha in W2_ALPHAS:
                d = sum(alpha)
                if d == 4:
                    break
                children = [tuple(a + (j == i) for j, a in enumerate(alpha)) for i in range(3)]
                if all(c in vals for c in children):
                    continue
                gs = grad(
                    vals[alpha].sum(), xs, create_graph=d < 3, retain_graph=True, allow_unused=True
                )
                for c, g in zip(children, gs, strict=True):
                    if c not in vals:
                        vals[c] = g if g is not None else torch.zeros_like(x)
            return torch.stack([vals[a].detach() for a in W2_ALPHAS]).numpy()

        return run
    if w == "W3" and cell["case"] == "cube":

        def run():
            x = _leaf(4.0)
            g = x**3
            outs = [g.detach()]
            for j in range(3):
                (g,) = grad(g, x, create_graph=j < 2)
                outs.append(g.detach())
            return torch.stack(outs).numpy()

        return run
    if w == "W3":

        def run():
            x, y = _leaf(4.0), _leaf(3.0)
            g = grad((x + 2 * y) ** 3, (x, y), create_graph=True)
            rows = [torch.stack(grad(gi, (x, y), retain_graph=True)) for gi in g]
            return torch.stack(rows).numpy()

        return run
    X0 = inp["X"]

    def run():
        X = _leaf(X0)
        (g,) = grad(_rosen(X).sum(), X, create_graph=True)
        rows = [grad(g[i].sum(), X, retain_graph=True)[0] for i in range(X.shape[0])]
        return torch.stack(rows).numpy()

    return run
