"""Laplacian timings: jets.laplacian (n univariate order-2 jets on an extra batch
axis) against the trace of jets.hessian (one total-order-2 jet, C(n+2, 2)
coefficients), and torch.func nested jacrev under vmap when torch is installed.

Run from the repository root:

    python -m benchmarks.laplacian [--points 200] [--sizes 10,50,100] [--repeat 5]

Prints a Markdown table of median wall times (seconds) and the largest
difference between the two jets results (they must agree to rounding).
Never part of the test suite's timing checks: nothing here asserts a time.
"""

import argparse
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import jets  # noqa: E402


def f(x):
    """A coupled test function of n variables (rows of x), elementwise over the batch."""
    return jets.log(1 + np.sum(x**2, axis=0)) + jets.exp(np.mean(x, axis=0)) * np.sum(
        jets.sin(x), axis=0
    )


def f_torch(torch, x):
    return torch.log(1 + torch.sum(x**2)) + torch.exp(torch.mean(x)) * torch.sum(torch.sin(x))


def median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--points",
        type=int,
        default=20,
        help="batch size B (the Hessian jet at n = 100 holds 5151 coefficients "
        "per variable and point)",
    )
    ap.add_argument("--sizes", default="10,50,100", help="numbers of variables n")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    try:
        import torch
        from torch.func import jacrev, vmap
    except ImportError:
        torch = None
    B = args.points
    rows = []
    for n in (int(s) for s in args.sizes.split(",")):
        x = np.random.default_rng(n).uniform(-1, 1, size=(n, B))
        lap = jets.laplacian(f, x)
        tr = np.trace(jets.hessian(f, x), axis1=0, axis2=1)
        diff = float(np.max(np.abs(lap - tr) / (1 + np.abs(tr))))
        t_lap = median_time(lambda: jets.laplacian(f, x), args.repeat)
        t_hes = median_time(lambda: np.trace(jets.hessian(f, x), axis1=0, axis2=1), args.repeat)
        t_torch = None
        if torch is not None:
            xt = torch.tensor(x.T.copy(), dtype=torch.float64)
            hess = vmap(jacrev(jacrev(lambda z: f_torch(torch, z))))
            t_torch = median_time(
                lambda: torch.diagonal(hess(xt), dim1=1, dim2=2).sum(1), args.repeat
            )
        rows.append((n, t_lap, t_hes, t_torch, diff))
    print(
        f"B = {B} points, median of {args.repeat}; numpy {np.__version__}, "
        f"Python {platform.python_version()}, {platform.machine()}"
    )
    print()
    head = "| n | jets.laplacian (s) | trace(jets.hessian) (s) | hessian / laplacian |"
    sep = "| ---: | ---: | ---: | ---: |"
    if torch is not None:
        head += " torch.func vmap(jacrev(jacrev)) (s) |"
        sep += " ---: |"
    head += " max rel. difference |"
    sep += " ---: |"
    print(head)
    print(sep)
    for n, a, b, c, d in rows:
        line = f"| {n} | {a:.4g} | {b:.4g} | {b / a:.3g} |"
        if torch is not None:
            line += f" {c:.4g} |"
        print(line + f" {d:.1e} |")


if __name__ == "__main__":
    main()
