"""Scale-out measurement for docs/scale.md: W1 on dask arrays, 1 and 2 local worker processes.

``jets.derivatives(f, x, 8)`` of W1's ``exp(sin x) / (1 + x^2)`` on 10^6 and 10^7 points
(``dask.array.linspace(-4, 4, N)``, made on the workers, chunks of ``--chunk`` points),
computed on a ``distributed.LocalCluster`` of 1 or 2 worker processes (one thread each,
127.0.0.1 only).  The result (9, N) is reduced on the workers to its sum over the points,
(9,), so that shipping 8 * 9 * N bytes to this process is not what is timed.

Per cell: the median wall time of ``--repeat`` computations, the median CPU time (user +
system) summed over the worker processes (less sensitive than the wall time to other work
on a shared machine; the client's and scheduler's are not counted), and the peak resident memory
(RSS) of each worker process during them, sampled every 5 ms by a thread inside the worker
(psutil, a dependency of distributed), next to the worker's RSS when idle before the run.
The numpy peer: the same call on a numpy array of N points in a fresh process (one core),
its time (median) and peak RSS (``resource.getrusage``).

Run from the repository root:  ``python -m benchmarks.scale`` (about 2 minutes on 2 cores);
``--sizes 1e5 --repeat 1`` for a quick look.  Prints a markdown table.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

ORDER = 8


def w1(t):
    """W1 of benchmarks/workloads.py: exp(sin t) / (1 + t^2)."""
    return np.exp(np.sin(t)) / (1 + t**2)


# ------------------------------------------------------------ inside the workers
def _start_sampler(period=0.005):
    """Start a thread sampling this process's RSS; returns the RSS now (bytes)."""
    import threading

    import psutil

    proc = psutil.Process()
    state = {"peak": proc.memory_info().rss, "stop": threading.Event()}
    state["cpu"] = sum(proc.cpu_times()[:2])

    def run():
        while not state["stop"].wait(period):
            state["peak"] = max(state["peak"], proc.memory_info().rss)

    state["thread"] = threading.Thread(target=run, daemon=True)
    state["thread"].start()
    _start_sampler.state = state
    return state["peak"]


def _stop_sampler():
    """Stop the sampler; returns (the peak RSS seen (bytes), CPU seconds since the start)."""
    import psutil

    state = _start_sampler.state
    state["stop"].set()
    state["thread"].join()
    proc = psutil.Process()
    return max(state["peak"], proc.memory_info().rss), sum(proc.cpu_times()[:2]) - state["cpu"]


# ---------------------------------------------------------------------- cells
def dask_cell(client, n_points, chunk, repeat):
    import dask.array as da

    import jets

    # by reference (python -m runs this file as __main__, whose functions travel by value)
    from benchmarks.scale import _start_sampler, _stop_sampler

    times, cpus, peaks, idle, per = [], [], {}, None, {}
    for _ in range(repeat):
        x = da.linspace(-4.0, 4.0, n_points, chunks=chunk)
        total = jets.derivatives(w1, x, ORDER).sum(axis=1)
        rss0 = client.run(_start_sampler)
        idle = idle or rss0
        t = time.perf_counter()
        total.compute(scheduler=client.get)
        times.append(time.perf_counter() - t)
        stopped = client.run(_stop_sampler)
        for w, (p, c) in stopped.items():
            peaks[w] = max(peaks.get(w, 0), p)
            per.setdefault(w, []).append(c)
        cpus.append(sum(c for _, c in stopped.values()))
    per = {w: statistics.median(c) for w, c in per.items()}
    return statistics.median(times), statistics.median(cpus), peaks, idle, per


NUMPY_CODE = """
import json, resource, statistics, sys, time
import numpy as np
import jets
from benchmarks.scale import ORDER, w1
n, repeat = int(sys.argv[1]), int(sys.argv[2])
times, cpus = [], []
for _ in range(repeat):
    x = np.linspace(-4.0, 4.0, n)
    t, c = time.perf_counter(), time.process_time()
    jets.derivatives(w1, x, ORDER).sum(axis=1)
    times.append(time.perf_counter() - t)
    cpus.append(time.process_time() - c)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps([statistics.median(times), statistics.median(cpus), rss]))
"""


def numpy_cell(n_points, repeat):
    out = subprocess.run(
        [sys.executable, "-c", NUMPY_CODE, str(n_points), str(repeat)],
        capture_output=True,
        text=True,
        check=True,
        env=dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1"),
    )
    seconds, cpu, maxrss_kib = json.loads(out.stdout)
    return seconds, cpu, maxrss_kib * 1024


def check_equal(client, chunk):
    """The cluster's result equals numpy's bit for bit (10^5 points, a few chunks)."""
    import dask.array as da

    import jets

    x = np.linspace(-4.0, 4.0, 10**5)
    got = jets.derivatives(w1, da.from_array(x, chunks=chunk // 8), ORDER)
    assert np.array_equal(got.compute(scheduler=client.get), jets.derivatives(w1, x, ORDER))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="1e6,1e7", help="numbers of points, comma-separated")
    p.add_argument("--workers", default="1,2", help="worker counts, comma-separated")
    p.add_argument("--chunk", type=float, default=2.5e5, help="points per chunk")
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args(argv)
    from distributed import Client, LocalCluster

    sizes = [int(float(s)) for s in a.sizes.split(",")]
    chunk = int(a.chunk)
    mib = 2.0**20
    rows = []
    for n in sizes:
        seconds, cpu, rss = numpy_cell(n, a.repeat)
        rows.append(("numpy, 1 process", n, seconds, cpu, f"{rss / mib:.0f} (the process)"))
    print(f"load average before the dask runs: {os.getloadavg()}", file=sys.stderr)
    for nw in [int(w) for w in a.workers.split(",")]:
        with (
            LocalCluster(
                n_workers=nw,
                processes=True,
                threads_per_worker=1,
                host="127.0.0.1",
                dashboard_address=None,
                memory_limit=0,
            ) as cluster,
            Client(cluster) as client,
        ):
            check_equal(client, chunk)
            for n in sizes:
                seconds, cpu, peaks, idle, per = dask_cell(client, n, chunk, a.repeat)
                mem = ", ".join(
                    f"{peaks[w] / mib:.0f} (idle {idle[w] / mib:.0f}), {per[w]:.2f} s CPU"
                    for w in sorted(peaks)
                )
                rows.append((f"dask, {nw} worker{'s' * (nw > 1)}", n, seconds, cpu, mem))
    print(f"jets.derivatives(w1, x, {ORDER}), chunks of {chunk} points, median of {a.repeat}\n")
    print("| run | points | time (s) | CPU (s, all workers) | per worker: peak RSS (MiB), CPU |")
    print("|---|---:|---:|---:|---|")
    for run, n, seconds, cpu, mem in sorted(rows, key=lambda r: (r[1], r[0])):
        print(f"| {run} | 10^{round(np.log10(n))} | {seconds:.2f} | {cpu:.2f} | {mem} |")


if __name__ == "__main__":
    main()
