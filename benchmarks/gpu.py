"""W1 and W2 on the GPU: jets on torch CUDA tensors and on cupy arrays, against
jax.experimental.jet on the GPU.  Prints a Markdown table of median times.

    python benchmarks/gpu.py [--repeats 7]

Without a CUDA device (or without any of the GPU libraries) it says so and
exits 0: nothing was measured.  Each tool is timed with the device
synchronised after every call (torch.cuda.synchronize, cupy's stream
synchronize, jax's block_until_ready); the first call of a cell (index tables
copied to the device, jit compilation) is a warm-up and is not timed.

W1: f, f', ..., f^(k) of exp(sin(x)) / (1 + x**2) at B points.
W2: the 35 partials of order <= 4 of exp(x*y) * sin(z + x) / (1 + y**2 + z**2)
at B points (jax jet propagates one direction: n/a for W2).
"""

import argparse
import statistics
import sys
import time

W1_CELLS = [(k, B) for B in (10**3, 10**5, 10**6) for k in (4, 8, 16)]
W2_CELLS = [10**3, 10**5, 10**6]


def _cuda_torch():
    try:
        import torch
    except ImportError:
        return None
    return torch if torch.cuda.is_available() else None


def _cuda_cupy():
    try:
        import cupy
    except ImportError:
        return None
    try:
        return cupy if cupy.cuda.runtime.getDeviceCount() > 0 else None
    except Exception:  # no driver, no device
        return None


def _cuda_jax():
    try:
        import jax
    except ImportError:
        return None
    try:
        return jax if any(d.platform == "gpu" for d in jax.devices()) else None
    except RuntimeError:
        return None


def _median(run, sync, repeats):
    run()  # warm-up: tables to the device, compilation
    sync()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        sync()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _w1(jets, x, k):
    t = jets.variable(x, order=k)
    return (jets.exp(jets.sin(t)) / (1 + t**2)).derivatives()


def _w2(jets, X):
    x, y, z = jets.variables(X, order=4)
    return (jets.exp(x * y) * jets.sin(z + x) / (1 + y**2 + z**2)).partials()


def _jets_tools(torch, cupy):
    import numpy as np

    import jets

    tools = {}
    rng = np.random.default_rng(0)
    if torch is not None:

        def make_torch(a):
            return torch.as_tensor(a, dtype=torch.float64, device="cuda")

        tools["jets (torch cuda)"] = (make_torch, torch.cuda.synchronize)
    if cupy is not None:

        def sync_cupy():
            cupy.cuda.get_current_stream().synchronize()

        tools["jets (cupy)"] = (lambda a: cupy.asarray(a, dtype=cupy.float64), sync_cupy)
    return jets, rng, tools


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args(argv)
    torch, cupy, jax = _cuda_torch(), _cuda_cupy(), _cuda_jax()
    if torch is None and cupy is None:
        print(
            "benchmarks/gpu.py: no CUDA device (or neither torch with CUDA nor cupy is "
            "installed): nothing was measured."
        )
        return 0
    jets, rng, tools = _jets_tools(torch, cupy)
    rows = []
    for k, B in W1_CELLS:
        x = rng.uniform(-1, 1, B)
        row = {"cell": f"W1 k={k} B={B:.0e}"}
        for name, (make, sync) in tools.items():
            xd = make(x)
            row[name] = _median(lambda xd=xd: _w1(jets, xd, k), sync, args.repeats)
        if jax is not None:
            row["jax jet (gpu)"] = _jax_w1(jax, x, k, args.repeats)
        rows.append(row)
    for B in W2_CELLS:
        X = rng.uniform(-1, 1, (3, B))
        row = {"cell": f"W2 B={B:.0e}"}
        for name, (make, sync) in tools.items():
            Xd = make(X)
            row[name] = _median(lambda Xd=Xd: _w2(jets, Xd), sync, args.repeats)
        row["jax jet (gpu)"] = None  # one direction only: no mixed partials
        rows.append(row)
    names = list(tools) + (["jax jet (gpu)"] if jax is not None else [])
    print("| cell | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for row in rows:
        cells = ["n/a" if row.get(n) is None else f"{row[n] * 1e3:.3g} ms" for n in names]
        print(f"| {row['cell']} | " + " | ".join(cells) + " |")
    return 0


def _jax_w1(jax, x, k, repeats):
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    from jax.experimental.jet import jet

    def taylor(x):
        one, zero = jnp.ones_like(x), jnp.zeros_like(x)
        f = lambda t: jnp.exp(jnp.sin(t)) / (1 + t**2)  # noqa: E731
        primal, series = jet(f, (x,), ((one,) + (zero,) * (k - 1),))
        return jnp.stack([primal, *series])

    fn = jax.jit(taylor)
    xd = jax.device_put(jnp.asarray(x), jax.devices("gpu")[0])
    out = [None]

    def run():
        out[0] = fn(xd)

    def sync():
        out[0].block_until_ready()

    return _median(run, sync, repeats)


if __name__ == "__main__":
    sys.exit(main())
