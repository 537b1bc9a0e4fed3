"""jets with structural sparsity, recorded once: ``jets.sparse.trace`` in the
first call, then per call only ``plan.tensor(X)`` (the terms run and their
second partials written into the Hessian) (W4 only).

This is the reuse a compiled path (``jets.jit``) is to make of a recorded
function, measured through the internal ``jets.sparse`` module: the peer to
compare it with is a jitted JAX Hessian, whose tracing is also in its first call.
"""

import numpy as np

from ..workloads import rosen
from . import NotApplicable

NAME = "jets-sparse-plan"
LABEL = "jets.sparse.trace(rosen) once (first call), then plan.tensor(X) per call"
PACKAGES = ("jets", "numpy")

jets = None


def startup():
    global jets
    import jets as _jets
    import jets.sparse  # noqa: F401

    jets = _jets
    jets.sparse.trace(lambda x: x[0] * x[1], 2, 2).tensor(np.ones(2))


def reset():
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
    if cell["workload"] != "W4":
        raise NotApplicable("sparse=True is for functions of many variables (W4)")
    X0 = inp["X"]
    state = {}

    def run():
        plan = state.get("plan")
        if plan is None:
            plan = state["plan"] = jets.sparse.trace(rosen, X0.shape[0], 2, X0.shape[1:])
        return plan.tensor(X0)

    return run
