"""The benchmark workloads W1-W4: cells, input points and output layouts.

A *cell* is one (workload, size) combination, a plain dict so it travels as
JSON to the per-tool worker processes.  Every tool returns the same standard
layout for a cell, so one error metric compares them all:

* W1  derivatives f, f', ..., f^(k) of exp(sin(x))/(1 + x**2):  (k+1, B)
* W2  the 35 partials of order <= 4 of exp(x*y)*sin(z + x)/(1 + y**2 + z**2),
      in graded order (``W2_ALPHAS``):                           (35, B)
* W3  "cube": x**3 at 4, derivatives of order 0..3:              (4,)
      "hess": Hessian of (x + 2*y)**3 at (4, 3):                  (2, 2)
* W4  Hessian of the chained (scipy.optimize.rosen) Rosenbrock
      function in n variables:                                   (n, n, B)
"""

import numpy as np

__all__ = [
    "W2_ALPHAS",
    "FULL",
    "QUICK",
    "make_cells",
    "cell_id",
    "inputs",
    "dominates",
    "subsample",
    "max_rel_err",
    "rosen_terms",
]

#: Multi-indices of W2 in graded order, first variable's exponent descending
#: (the order of jets' ``partials()``): (0,0,0), (1,0,0), (0,1,0), (0,0,1), (2,0,0), ...
W2_ALPHAS = tuple(
    (a, b, d - a - b) for d in range(5) for a in range(d, -1, -1) for b in range(d - a, -1, -1)
)
assert len(W2_ALPHAS) == 35

#: Sizes of the full run (the issue's contract).
FULL = {
    "W1": {"k": [2, 4, 8, 16, 32], "B": [1, 10**3, 10**5]},
    "W2": {"B": [1, 10**2, 10**4]},
    "W3": {"case": ["cube", "hess"]},
    "W4": {"n": [2, 5, 10, 20, 50, 100], "B": [1, 10**3]},
}

#: Sizes of ``--quick`` (a smoke run that must finish in well under a minute).
QUICK = {
    "W1": {"k": [2, 4], "B": [100]},
    "W2": {"B": [10]},
    "W3": {"case": ["cube", "hess"]},
    "W4": {"n": [2, 3], "B": [10]},
}


def make_cells(sizes, workloads=("W1", "W2", "W3", "W4")):
    """Cells of the chosen workloads, smaller sizes first (so a size that runs
    over the time limit can stop the bigger ones).  Peak memory is measured at
    the largest B of W1 and W2."""
    cells = []
    if "W1" in workloads:
        bmax = max(sizes["W1"]["B"])
        for B in sorted(sizes["W1"]["B"]):
            for k in sorted(sizes["W1"]["k"]):
                cells.append({"workload": "W1", "k": k, "B": B, "memory": B == bmax})
    if "W2" in workloads:
        bmax = max(sizes["W2"]["B"])
        for B in sorted(sizes["W2"]["B"]):
            cells.append({"workload": "W2", "B": B, "memory": B == bmax})
    if "W3" in workloads:
        for case in sizes["W3"]["case"]:
            cells.append({"workload": "W3", "case": case, "memory": False})
    if "W4" in workloads:
        bs = sizes["W4"]["B"]
        for B in sorted(bs if isinstance(bs, (list, tuple)) else [bs]):
            for n in sorted(sizes["W4"]["n"]):
                cells.append({"workload": "W4", "n": n, "B": B, "memory": False})
    return cells


def _fmt_b(B):
    if B >= 1000 and B == 10 ** round(np.log10(B)):
        return f"1e{round(np.log10(B))}"
    return str(B)


def cell_id(cell):
    """Short stable name of a cell, e.g. 'W1 k=8 B=1e5'."""
    w = cell["workload"]
    if w == "W1":
        return f"W1 k={cell['k']} B={_fmt_b(cell['B'])}"
    if w == "W2":
        return f"W2 B={_fmt_b(cell['B'])}"
    if w == "W3":
        return f"W3 {cell['case']}"
    return f"W4 n={cell['n']} B={_fmt_b(cell['B'])}"


def size_label(cell):
    """The cell's size without the workload name (table rows)."""
    return cell_id(cell).split(" ", 1)[1]


def dominates(a, b):
    """True if cell `a` is no bigger than cell `b` in every size parameter of the
    same workload: a tool that failed on `a` (time limit, OOM) is not run on `b`."""
    if a["workload"] != b["workload"] or a["workload"] == "W3":
        return False
    keys = {"W1": ("k", "B"), "W2": ("B",), "W4": ("n", "B")}[a["workload"]]
    return all(a[key] <= b[key] for key in keys)


def _rng(*key):
    return np.random.default_rng([int(v) for v in key])


def inputs(cell):
    """Input points of a cell (deterministic).  W1: x (B,); W2: X (3, B);
    W3: the fixed points; W4: X (n, B)."""
    w = cell["workload"]
    if w == "W1":
        return {"x": _rng(1, cell["B"]).uniform(-2.0, 2.0, cell["B"])}
    if w == "W2":
        return {"X": _rng(2, cell["B"]).uniform(-1.0, 1.0, (3, cell["B"]))}
    if w == "W3":
        return {"x": 4.0} if cell["case"] == "cube" else {"X": np.array([4.0, 3.0])}
    return {"X": _rng(4, cell["n"], cell["B"]).uniform(-1.5, 1.5, (cell["n"], cell["B"]))}


def subsample(B, nsub):
    """Indices of the points where the high-precision reference is computed:
    up to `nsub` points spread evenly over the batch (always the first and last)."""
    if B <= nsub:
        return np.arange(B)
    return np.unique(np.linspace(0, B - 1, nsub).round().astype(np.int64))


def batched(cell):
    """True if the cell's outputs carry a trailing batch axis."""
    return cell["workload"] != "W3"


def max_rel_err(got, ref):
    """Largest relative error of `got` against `ref` (same shape, last axis the
    points).  Each output component (a derivative order, a partial, a Hessian
    entry) is compared relative to |ref|, floored at 1e-3 times the largest
    |ref| of that component over the points (so a derivative that happens to
    vanish near one point does not turn round-off into a huge ratio); a
    component that is exactly zero everywhere is measured against the whole
    output's scale.  NaN or inf in `got` gives inf."""
    got = np.asarray(got, dtype=float)
    ref = np.asarray(ref, dtype=float)
    if got.shape != ref.shape:
        raise ValueError(f"output shape {got.shape}, expected {ref.shape}")
    if not np.all(np.isfinite(got)):
        return float("inf")
    mag = np.abs(ref)
    comp = mag.max(axis=-1, keepdims=True)
    overall = mag.max() if mag.size else 1.0
    comp = np.where(comp > 0, comp, overall if overall > 0 else 1.0)
    denom = np.maximum(mag, 1e-3 * comp)
    return float(np.max(np.abs(got - ref) / denom)) if got.size else 0.0


def rosen_terms(n):
    """Pairs (i, i+1) of the chained Rosenbrock function
    f(x) = sum_{i=0}^{n-2} 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2."""
    return [(i, i + 1) for i in range(n - 1)]


# ------------------------------------------------------- the functions, numpy-generic
# written with numpy ufuncs and operators, so that numpy arrays, jets, jets.jit and the
# sparse tracer all evaluate the same code (the tools of jets share them)
def w1(x):
    """W1: exp(sin x) / (1 + x^2)."""
    return np.exp(np.sin(x)) / (1 + x**2)


def w2(x, y, z):
    """W2: exp(x y) sin(z + x) / (1 + y^2 + z^2)."""
    return np.exp(x * y) * np.sin(z + x) / (1 + y**2 + z**2)


def rosen(X):
    """W4: the chained Rosenbrock function of X (n, *batch), summed over axis 0."""
    a, b = X[:-1], X[1:]
    return np.sum(100 * (b - a**2) ** 2 + (1 - a) ** 2, axis=0)
