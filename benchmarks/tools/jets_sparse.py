"""jets with structural sparsity: ``jets.hessian(rosen, X, sparse=True)`` (W4 only).

Every call records ``rosen`` on a traced x, evaluates each term in the space
of its two variables and scatter-adds the terms into the Hessian: the one-off
call a user makes, tracing included.  W1-W3 have no sparsity to exploit.
"""

from ..workloads import rosen
from . import NotApplicable

NAME = "jets-sparse"
LABEL = "jets.hessian(f, X, sparse=True) (records f every call)"
PACKAGES = ("jets", "numpy")

jets = None


def startup():
    global jets
    import jets as _jets

    jets = _jets
    jets.hessian(lambda x: x[0] * x[1], [1.0, 2.0], sparse=True)


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

    def run():
        return jets.hessian(rosen, X0, sparse=True)

    return run
