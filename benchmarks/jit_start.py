"""A process's first results from ``jets.jit``, with and without the disk cache.

For W1 (``exp(sin x) / (1 + x^2)``, order 8, 10^5 points), W2 (the 3-variable
function of the benchmarks, order 4, 10^4 points) and W3 (``x**3`` at 4,
order 3), each in fresh processes that share one ``$JETS_CACHE_DIR``: the
first process finds the cache empty, the later ones full.  Per process it
measures, with ``time.perf_counter`` inside the process:

* ``import jets`` (numpy included);
* the first call of the jitted function, to its result (numba is imported in
  a background thread started after that result, docs/jit.md "How it runs",
  so this is one replay of the recording);
* how long after that call numba is ready (import and target set-up), the
  next call (which compiles the kernel, or loads it from the disk cache) and
  the one after it (the kernel).

Run from the repository root: ``python -m benchmarks.jit_start`` (about half a
minute); ``--runs N`` processes per workload after the first (default 3, the
median is printed), ``--workloads W3`` for some.  Prints a markdown table.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

CHILD = r"""
import time, sys, json
t0 = time.perf_counter()
import numpy as np, jets
t1 = time.perf_counter()
import importlib
J = importlib.import_module("jets.jit")
which = sys.argv[1]
if which == "W1":
    g = jets.jit(lambda x: np.exp(np.sin(x)) / (1 + x**2))
    x = np.linspace(-1, 1, 10**5)
    call = lambda: g(jets.variable(x, order=8)).derivatives()
elif which == "W2":
    g = jets.jit(lambda x, y, z: np.exp(x * y) * np.sin(z + x) / (1 + y**2 + z**2))
    X = np.random.default_rng(0).uniform(-1, 1, (3, 10**4))
    call = lambda: g(*jets.variables(X, order=4)).partials()
else:
    g = jets.jit(lambda x: x**3)
    call = lambda: g(jets.variable(4.0, order=3)).derivatives()
t2 = time.perf_counter(); call(); t3 = time.perf_counter()
J._numba(wait=True)
t4 = time.perf_counter(); call(); t5 = time.perf_counter(); call(); t6 = time.perf_counter()
print(json.dumps([t1 - t0, t3 - t2, t4 - t3, t5 - t4, t6 - t5]))
"""

COLUMNS = ["import jets", "first result", "numba ready after", "next call", "kernel call"]


def _run(which, cache):
    env = dict(os.environ, JETS_CACHE_DIR=cache)
    env.pop("JETS_JIT", None)
    out = subprocess.run(
        [sys.executable, "-c", CHILD, which], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.splitlines()[-1])


def _ms(s):
    return f"{s * 1e3:.3g} ms"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="processes with the cache full")
    ap.add_argument("--workloads", default="W1,W2,W3", help="comma-separated, of W1,W2,W3")
    args = ap.parse_args(argv)
    print("| workload | disk cache | " + " | ".join(COLUMNS) + " |")
    print("|---|---|" + "---|" * len(COLUMNS))
    for which in args.workloads.split(","):
        with tempfile.TemporaryDirectory(prefix="jets-jit-start-") as cache:
            first = _run(which, cache)
            later = [_run(which, cache) for _ in range(args.runs)]
        med = [statistics.median(col) for col in zip(*later, strict=True)]
        print(f"| {which} | empty | " + " | ".join(_ms(v) for v in first) + " |")
        print(f"| {which} | full | " + " | ".join(_ms(v) for v in med) + " |")


if __name__ == "__main__":
    main()
