"""ODE workloads: jets.solve_ivp side by side with heyoka and scipy.

Run from the repository root:  python -m benchmarks.ode [--quick] [--ensemble N]
(or python benchmarks/ode.py).  Prints a Markdown table (median wall times over
repeats, achieved errors) and, when matplotlib is installed, draws the
work-precision diagram of the Kepler workload into docs/ode_wp.png.

Workloads
* Kepler e = 0.5, 10 orbits (t = 20 pi): final-state error against the exact
  periodic solution (the initial state), relative energy error;
* Lorenz (10, 28, 8/3) to t = 10 from (1, 1, 1): error against an mpmath
  Taylor reference (mpmath.odefun at 30 digits, on the same double-rounded b);
* Van der Pol mu = 1 to t = 10 from (2, 0): error against mpmath.odefun;
* ensemble of N = 10^4 Kepler orbits, eccentricities evenly in [0, 0.9], one
  period each: jets (one vectorised call) vs heyoka in a Python loop
  (propagate_until per orbit) and heyoka's batch mode (SIMD width 4), with the
  peak memory of the jets call (tracemalloc: numpy's allocations).
heyoka is skipped when not installed; scipy runs DOP853, Radau and LSODA.
"""

import argparse
import math
import os
import statistics
import subprocess
import sys
import time
import tracemalloc

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import jets  # noqa: E402

try:
    import heyoka as hy
except ImportError:  # the table says "skipped"
    hy = None

TWO_PI = 2 * math.pi


def median_time(fn, repeat):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


# ------------------------------------------------------------------ problems
def kepler(t, y):
    x, yy, vx, vy = y
    r3 = (x * x + yy * yy) ** 1.5
    return [vx, vy, -x / r3, -yy / r3]


def kepler_np(t, y):
    x, yy, vx, vy = y
    r3 = (x * x + yy * yy) ** 1.5
    return np.array([vx, vy, -x / r3, -yy / r3])


def kepler_y0(e):
    e = np.asarray(e, dtype=float)
    return np.array([1 - e, 0 * e, 0 * e, np.sqrt((1 + e) / (1 - e))])


def energy(y):
    return 0.5 * (y[2] ** 2 + y[3] ** 2) - 1 / np.hypot(y[0], y[1])


SIGMA, RHO, BETA = 10.0, 28.0, 8.0 / 3.0


def lorenz(t, y):
    return [SIGMA * (y[1] - y[0]), y[0] * (RHO - y[2]) - y[1], y[0] * y[1] - BETA * y[2]]


def lorenz_np(t, y):
    return np.array(lorenz(t, y))


def vdp(t, y):
    return [y[1], (1 - y[0] * y[0]) * y[1] - y[0]]


def vdp_np(t, y):
    return np.array(vdp(t, y))


def mpmath_reference(f, y0, T, dps=30):
    import mpmath

    with mpmath.workdps(dps):
        sol = mpmath.odefun(f, 0, [mpmath.mpf(v) for v in y0])
        return np.array([float(v) for v in sol(mpmath.mpf(T))])


def heyoka_system(name):
    if name == "kepler":
        x, y, vx, vy = hy.make_vars("x", "y", "vx", "vy")
        r3 = (x**2 + y**2) ** 1.5
        return [(x, vx), (y, vy), (vx, -x / r3), (vy, -y / r3)]
    if name == "lorenz":
        x, y, z = hy.make_vars("x", "y", "z")
        return [(x, SIGMA * (y - x)), (y, x * (RHO - z) - y), (z, x * y - BETA * z)]
    x, v = hy.make_vars("x", "v")
    return [(x, v), (v, (1 - x * x) * v - x)]


# ------------------------------------------------------------------ runners
def run_jets(f, y0, T, tol):
    r = jets.solve_ivp(f, (0, T), y0, rtol=tol, atol=tol, t_eval=[T])
    return r.y[:, -1], r.nsteps


def run_heyoka(name, y0, T, tol):
    ta = hy.taylor_adaptive(heyoka_system(name), list(y0), tol=tol)

    def go():
        ta.time = 0.0
        ta.state[:] = y0
        ta.propagate_until(T)
        return ta.state.copy(), None

    return go


def run_scipy(method, f, y0, T, tol):
    from scipy.integrate import solve_ivp

    r = solve_ivp(f, (0, T), y0, method=method, rtol=tol, atol=tol, t_eval=[T])
    return r.y[:, -1], r.nfev


def workload(name, hname, f_jets, f_np, y0, T, ref, repeat, tols, rows, wp, energy_of=None):
    y0 = np.asarray(y0, dtype=float)

    def add(tool, setting, seconds, y):
        err = float(np.max(np.abs(y - ref)))
        en = float(abs(energy_of(y) / energy_of(y0) - 1)) if energy_of is not None else None
        rows.append((name, tool, setting, seconds, err, en))
        wp.setdefault((name, tool), []).append((seconds, err))

    for tol in tols["taylor"]:
        sec, (y, _) = median_time(lambda: run_jets(f_jets, y0, T, tol), repeat)
        add("jets", f"tol={tol:.0e}", sec, y)
        if hy is not None:
            go = run_heyoka(hname, y0, T, tol)
            sec, (y, _) = median_time(go, max(repeat, 5))
            add("heyoka", f"tol={tol:.0e}", sec, y)
    for method in ("DOP853", "Radau", "LSODA"):
        for tol in tols[method]:
            sec, (y, _) = median_time(lambda: run_scipy(method, f_np, y0, T, tol), repeat)
            add(f"scipy {method}", f"rtol=atol={tol:.0e}", sec, y)


def ensemble(N, repeat, rows):
    e = np.linspace(0.0, 0.9, N)
    y0 = kepler_y0(e)
    T = TWO_PI

    def jets_run():
        r = jets.solve_ivp(kepler, (0, T), y0, t_eval=[T])
        return r.y[..., -1]

    sec, y = median_time(jets_run, repeat)
    tracemalloc.start()
    jets_run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    err = float(np.max(np.abs(y - y0)))
    en = float(np.max(np.abs(energy(y) / energy(y0) - 1)))
    rows.append(
        (f"Kepler ensemble N={N}", "jets (one call)", f"peak {peak / 2**20:.0f} MiB", sec, err, en)
    )
    if hy is None:
        rows.append(
            (f"Kepler ensemble N={N}", "heyoka", "skipped: not installed", None, None, None)
        )
        return
    ta = hy.taylor_adaptive(heyoka_system("kepler"), list(y0[:, 0]))

    def loop():
        out = np.empty_like(y0)
        for k in range(N):  # the peer's way: one trajectory at a time
            ta.time = 0.0
            ta.state[:] = y0[:, k]
            ta.propagate_until(T)
            out[:, k] = ta.state
        return out

    sec, y = median_time(loop, repeat)
    rows.append(
        (
            f"Kepler ensemble N={N}",
            "heyoka loop",
            "propagate_until",
            sec,
            float(np.max(np.abs(y - y0))),
            float(np.max(np.abs(energy(y) / energy(y0) - 1))),
        )
    )
    width = 4
    Np = -(-N // width) * width
    y0p = np.concatenate([y0, np.repeat(y0[:, -1:], Np - N, axis=1)], axis=1)
    tb = hy.taylor_adaptive_batch(heyoka_system("kepler"), y0p[:, :width].copy())

    def batch():
        out = np.empty_like(y0p)
        for k in range(0, Np, width):
            tb.set_time(0.0)
            tb.state[:] = y0p[:, k : k + width]
            tb.propagate_until(T)
            out[:, k : k + width] = tb.state
        return out[:, :N]

    sec, y = median_time(batch, repeat)
    rows.append(
        (
            f"Kepler ensemble N={N}",
            "heyoka batch",
            f"SIMD width {width}",
            sec,
            float(np.max(np.abs(y - y0))),
            float(np.max(np.abs(energy(y) / energy(y0) - 1))),
        )
    )


def fmt(v, spec):
    return "" if v is None else format(v, spec)


def table(rows):
    lines = [
        "| workload | tool | setting | median time (s) | final error | rel. energy error |",
        "|---|---|---|---:|---:|---:|",
    ]
    for name, tool, setting, sec, err, en in rows:
        lines.append(
            f"| {name} | {tool} | {setting} | {fmt(sec, '.4f')} | "
            f"{fmt(err, '.2e')} | {fmt(en, '.2e')} |"
        )
    return "\n".join(lines)


def plot(wp, path):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print(f"(matplotlib is not installed: {path} not drawn)")
        return
    names = sorted({k[0] for k in wp})
    fig, axes = plt.subplots(1, len(names), figsize=(5 * len(names), 4))
    for ax, name in zip(np.atleast_1d(axes), names, strict=False):
        for (n, tool), pts in sorted(wp.items()):
            if n != name:
                continue
            pts = sorted(pts)
            ax.loglog([p[0] for p in pts], [max(p[1], 1e-17) for p in pts], "o-", label=tool)
        ax.set_xlabel("median time (s)")
        ax.set_ylabel("final error")
        ax.set_title(name)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"(work-precision diagram written to {path})")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer tolerances and repeats")
    ap.add_argument("--ensemble", type=int, default=10_000, help="ensemble size")
    ap.add_argument("--no-plot", action="store_true")
    a = ap.parse_args(argv)
    repeat = 1 if a.quick else 3
    if a.quick:
        tols = {"taylor": [2.0**-52], "DOP853": [1e-12], "Radau": [1e-10], "LSODA": [1e-10]}
    else:
        tols = {
            "taylor": [1e-8, 1e-11, 1e-14, 2.0**-52],
            "DOP853": [1e-8, 1e-10, 1e-12, 1e-13, 1e-14],
            "Radau": [1e-8, 1e-10, 1e-12],
            "LSODA": [1e-8, 1e-10, 1e-12],
        }
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    print(
        f"# ODE benchmark (commit {commit}, numpy {np.__version__}, heyoka "
        f"{getattr(hy, '__version__', 'not installed')})\n"
    )
    rows, wp = [], {}
    y0 = kepler_y0(0.5)
    workload(
        "Kepler e=0.5, 10 orbits",
        "kepler",
        kepler,
        kepler_np,
        y0,
        10 * TWO_PI,
        y0,
        repeat,
        tols,
        rows,
        wp,
        energy_of=energy,
    )
    t0 = time.perf_counter()
    import mpmath

    T = 3.0 if a.quick else 10.0
    ref = mpmath_reference(
        lambda t, y: [
            SIGMA * (y[1] - y[0]),
            y[0] * (RHO - y[2]) - y[1],
            y[0] * y[1] - mpmath.mpf(BETA) * y[2],
        ],
        [1.0, 1.0, 1.0],
        T,
    )
    print(f"(mpmath Lorenz reference to t = {T}: {time.perf_counter() - t0:.1f} s)")
    workload(
        f"Lorenz to t={T:g}",
        "lorenz",
        lorenz,
        lorenz_np,
        [1.0, 1.0, 1.0],
        T,
        ref,
        repeat,
        tols,
        rows,
        wp,
    )
    ref = mpmath_reference(lambda t, y: [y[1], (1 - y[0] ** 2) * y[1] - y[0]], [2.0, 0.0], 10.0)
    workload(
        "Van der Pol mu=1 to t=10",
        "vdp",
        vdp,
        vdp_np,
        [2.0, 0.0],
        10.0,
        ref,
        repeat,
        tols,
        rows,
        wp,
    )
    ensemble(a.ensemble if not a.quick else min(a.ensemble, 1000), repeat, rows)
    print(table(rows))
    if not a.no_plot:
        plot(wp, os.path.join(ROOT, "docs", "ode_wp.png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
