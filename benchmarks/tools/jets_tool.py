"""jets, through its object API: seed variables, evaluate, read coefficients."""

import numpy as np

from ..workloads import W2_ALPHAS
from ..workloads import rosen as _rosen
from ..workloads import w1 as _w1
from ..workloads import w2 as _w2

NAME = "jets"
LABEL = (
    "jets (object API: variable/variables, .derivatives(), .partials(), .hessian(); "
    "W4: stack() of 8 or more variables keeps per-element variable sets)"
)
PACKAGES = ("jets", "numpy")

jets = None


def startup():
    global jets
    import jets as _jets

    jets = _jets
    jets.variable(0.5, order=1) * 2.0


def reset():
    # every cell's first call rebuilds the JetSpace index tables
    import sys

    for module, name in (
        ("jets.space", "_cached"),
        ("jets.api", "_tensor_rank"),
        ("jets.sparse", "_embed_index"),
        ("jets.sparse", "_local_lists"),
    ):
        cached = getattr(sys.modules.get(module), name, None)
        if hasattr(cached, "cache_clear"):
            cached.cache_clear()


def build(cell, inp, info):
    w = cell["workload"]
    if w == "W1":
        k, x0 = cell["k"], inp["x"]

        def run():
            return _w1(jets.variable(x0, order=k)).derivatives()

        return run
    if w == "W2":
        X0 = inp["X"]

        def run():
            p = _w2(*jets.variables(X0, order=4)).partials()
            return np.stack([p[a] for a in W2_ALPHAS])

        return run
    if w == "W3" and cell["case"] == "cube":

        def run():
            return (jets.variable(4.0, order=3) ** 3).derivatives()

        return run
    if w == "W3":

        def run():
            x, y = jets.variables([4.0, 3.0], order=2)
            return ((x + 2 * y) ** 3).hessian()

        return run
    X0 = inp["X"]

    def run():  # from 8 variables on, jets.stack keeps per-element variable sets
        return _rosen(jets.stack(jets.variables(X0, order=2))).hessian()

    return run
