"""jets.jit: functions compiled by ``jets.jit`` (a fused numba kernel when numba
is installed, else the replay), called through the jets tool's object API on
W1-W3 and through ``jets.hessian`` on W4 (from 8 variables on, the sparse plan).

Each cell builds a fresh ``jets.jit`` wrapper and, in ``reset``, points
``JETS_CACHE_DIR`` at a fresh directory and forgets the kernels loaded in
the process, so a cell's first call pays the recording and the numba
compilation (no disk cache from an earlier cell).  numba's own start (its
import and target set-up, 0.5-3 s here) is paid in ``startup``.
"""

import importlib
import os
import tempfile

import numpy as np

from ..workloads import W2_ALPHAS
from ..workloads import rosen as _rosen
from ..workloads import w1 as _w1
from ..workloads import w2 as _w2

NAME = "jets-jit"
LABEL = "jets.jit (recorded once, fused numba kernel per signature; W4 through jets.hessian)"
PACKAGES = ("jets", "numpy", "numba")

jets = None


def startup():
    global jets
    import jets as _jets

    jets = _jets
    jets.variable(0.5, order=1) * 2.0
    # numba's import and target set-up now, not in a background thread during the
    # first cells: every first call then records and compiles (or loads) its kernel
    importlib.import_module("jets.jit")._numba(wait=True)


def reset():
    import sys

    cached = getattr(sys.modules.get("jets.space"), "_cached", None)
    if hasattr(cached, "cache_clear"):
        cached.cache_clear()
    os.environ["JETS_CACHE_DIR"] = tempfile.mkdtemp(prefix="jets-jit-bench-")
    jit = sys.modules.get("jets.jit")
    if jit is not None:  # kernels loaded in this process
        jit._MODULES.clear()
        jit._TABLES.clear()


def build(cell, inp, info):
    w = cell["workload"]
    if w == "W1":
        k, x0 = cell["k"], inp["x"]
        f = jets.jit(_w1)

        def run():
            return f(jets.variable(x0, order=k)).derivatives()

        return run
    if w == "W2":
        X0 = inp["X"]
        f = jets.jit(_w2)

        def run():
            p = f(*jets.variables(X0, order=4)).partials()
            return np.stack([p[a] for a in W2_ALPHAS])

        return run
    if w == "W3" and cell["case"] == "cube":
        f = jets.jit(lambda x: x**3)

        def run():
            return f(jets.variable(4.0, order=3)).derivatives()

        return run
    if w == "W3":
        f = jets.jit(lambda x, y: (x + 2 * y) ** 3)

        def run():
            return f(*jets.variables([4.0, 3.0], order=2)).hessian()

        return run
    X0 = inp["X"]
    f = jets.jit(_rosen)

    def run():
        # the functional API: from JIT_SPARSE_MIN_VARS variables on, a jets.jit function
        # runs through its sparse plan (recorded once), below through its dense kernel
        return jets.hessian(f, X0)

    return run
