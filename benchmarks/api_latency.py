"""Per-call latency of the functional API at one point and small batches.

jets.hessian, gradient, jacobian, partials (order 2), derivative_tensor (k = 3) and
value_grad_hessian on a polynomial in n variables that indexes every variable
(``(x[0] + 2 x[1] + ... + n x[n-1])**3``; jacobian: two components), at one point
(x a list of n Python floats, B = 1) and at B points (x an (n, B) float64 array).

Run from the repository root:

    python -m benchmarks.api_latency [--n 2,3,10] [--batch 1,100] [--number 2000] [--repeat 5]

Prints a Markdown table: the minimum over `repeat` runs of `number` calls, per call
in microseconds, and the object API (``jets.variables`` + ``.hessian()``) as a peer.
Never part of the test suite's timing checks: nothing here asserts a time.
"""

import argparse
import os
import sys
import timeit

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import jets  # noqa: E402


def scalar_f(n):
    def f(x):
        s = x[0]
        for i in range(1, n):
            s = s + (i + 1) * x[i]
        return s**3

    return f


def vector_f(x):
    return [x[0] * x[1], x[0] + x[-1] ** 2]


def cells(n, b):
    """(name, callable) of every timed call at n variables and batch b."""
    f = scalar_f(n)
    if b == 1:
        x = [float(4 - i) for i in range(n)]
    else:
        x = np.random.default_rng(0).normal(size=(n, b))
    out = [
        ("hessian", lambda: jets.hessian(f, x)),
        ("gradient", lambda: jets.gradient(f, x)),
        ("jacobian", lambda: jets.jacobian(vector_f, x)),
        ("partials(2)", lambda: jets.partials(f, x, 2)),
        ("derivative_tensor(3)", lambda: jets.derivative_tensor(f, x, 3)),
        ("value_grad_hessian", lambda: jets.value_grad_hessian(f, x)),
    ]
    if b == 1:

        def obj():
            return f(jets.variables(x, order=2)).hessian()

        out.append(("object API .hessian()", obj))
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", default="2,3,10")
    p.add_argument("--batch", default="1,100")
    p.add_argument("--number", type=int, default=2000)
    p.add_argument("--repeat", type=int, default=5)
    a = p.parse_args(argv)
    ns = [int(v) for v in a.n.split(",")]
    bs = [int(v) for v in a.batch.split(",")]
    print("| call | " + " | ".join(f"n={n}, B={b}" for b in bs for n in ns) + " |")
    print("|---|" + "---|" * (len(ns) * len(bs)))
    rows = {}
    for b in bs:
        for n in ns:
            for name, fn in cells(n, b):
                fn()  # tables built, caches warm
                t = min(timeit.repeat(fn, number=a.number, repeat=a.repeat)) / a.number
                rows.setdefault(name, {})[(n, b)] = t
    for name, row in rows.items():
        vals = [row.get((n, b)) for b in bs for n in ns]
        print(
            f"| {name} | " + " | ".join("" if v is None else f"{v * 1e6:.1f}" for v in vals) + " |"
        )


if __name__ == "__main__":
    main()
