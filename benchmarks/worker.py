"""One tool's process: import it, run its cells, append JSON lines to a file.

Started by ``benchmarks.run`` as ``python -m benchmarks.worker SPEC.json``;
each tool gets a fresh process so that its start-up and first-call times are
honest.  Events, one JSON object per line, flushed as they happen (the parent
reads them while the worker runs and can kill it at a time or memory limit):

    {"event": "unavailable", "reason": ...}            the tool cannot be imported
    {"event": "ready", "startup_s": ..., "versions": ..., "threads": ...}
    {"event": "cell_start", "id": ...}
    {"event": "cell", "id": ...,
     "status": "ok" | "n/a" | "error" | "limit" | "OOM" | "skipped", ...}
    {"event": "memory", "id": ..., "mem_mib": ...}     (memory phase only)
"""

import gc
import json
import statistics
import sys
import time
import traceback

import numpy as np

from . import reference as R
from . import tools as T
from . import workloads as W


def _versions(packages):
    """{distribution: version}; jets reports the ``jets.__version__`` of the code that ran
    (the installed metadata may describe another checkout, e.g. an editable install)."""
    from importlib import metadata

    out = {}
    for p in packages:
        if p == "jets" and "jets" in sys.modules:
            out[p] = sys.modules["jets"].__version__
            continue
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            mod = sys.modules.get(p)
            out[p] = getattr(mod, "__version__", "?")
    return out


def _threads():
    info = {}
    torch = sys.modules.get("torch")
    if torch is not None:
        info["torch_threads"] = torch.get_num_threads()
    numba = sys.modules.get("numba")
    if numba is not None:
        info["numba_threads"] = numba.config.NUMBA_NUM_THREADS
    return info


def _status_kib():
    vals = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:")):
                vals[line.split(":")[0]] = int(line.split()[1])
    return vals


def _peak_memory_mib(run):
    """Peak resident memory added by one call, in MiB: the kernel's high-water
    mark is reset (/proc/self/clear_refs), so it covers every allocator (numpy,
    torch, XLA, numba).  None where the kernel does not allow the reset.

    Meaningful in a process started with a fixed MALLOC_MMAP_THRESHOLD_ (the
    memory phase of ``benchmarks.run``): big blocks are then returned to the
    system when freed, instead of staying resident and hiding the next call's
    peak."""
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        base = _status_kib()["VmRSS"]
    except OSError:
        return None
    out = run()
    peak = _status_kib()["VmHWM"]
    del out
    return max(peak - base, 0) / 1024


class _Emitter:
    def __init__(self, path):
        self.fh = open(path, "a")

    def __call__(self, **event):
        self.fh.write(json.dumps(event) + "\n")
        self.fh.flush()


def _error_text(exc):
    text = f"{type(exc).__name__}: {exc}".strip()
    text = " ".join(text.split())
    return text[:300]


def run_cell(mod, cell, spec, ref_path):
    """Time one cell; returns the result fields (without id/event)."""
    inp = W.inputs(cell)
    info = {}
    mod.reset()
    gc.collect()
    t0 = time.perf_counter()
    try:
        run = mod.build(cell, inp, info)
        out = run()
    except T.NotApplicable as exc:
        return {"status": "n/a", "reason": str(exc)}
    except MemoryError:
        return {"status": "OOM", "reason": "MemoryError", "first_s": time.perf_counter() - t0}
    except Exception as exc:  # a peer that breaks is a result, not a crash
        traceback.print_exc(file=sys.stderr)
        return {"status": "error", "reason": _error_text(exc)}
    first = time.perf_counter() - t0
    res = {"status": "ok", "first_s": first, "notes": info}

    # accuracy against the high-precision reference
    try:
        ref, idx = R.load_reference(ref_path, cell)
        got = np.asarray(out, dtype=float)
        if idx is None:
            got, ref = got[..., None], ref[..., None]
        else:
            got = got[..., idx]
        res["err"] = W.max_rel_err(got, ref)
    except Exception as exc:
        res["err"] = None
        res["err_reason"] = _error_text(exc)
    del out

    # steady state: one warm call to size the repeats, then the timed repeats
    try:
        t0 = time.perf_counter()
        run()
        warm = time.perf_counter() - t0
        if warm > spec["soft_limit"]:
            res.update(
                status="limit",
                steady_s=warm,
                reps=1,
                reason=f"one call took {warm:.3g} s > {spec['soft_limit']} s",
            )
            return res
        times = [warm]
        while len(times) < spec["max_reps"]:
            total = sum(times)
            if (total >= spec["budget"] and len(times) >= spec["min_reps"]) or total >= 5 * spec[
                "budget"
            ]:
                break
            t0 = time.perf_counter()
            run()
            times.append(time.perf_counter() - t0)
        reps = len(times)
        res["steady_s"] = statistics.median(times)
        res["min_s"] = min(times)
        res["reps"] = reps
    except MemoryError:
        res.update(status="OOM", reason="MemoryError in a repeat")
    except Exception as exc:
        res.update(status="error", reason=_error_text(exc))
    return res


def measure_memory(mod, cell):
    """Build and call once (compilation, caches), then measure one more call."""
    mod.reset()
    run = mod.build(cell, W.inputs(cell), {})
    out = run()
    del out
    return _peak_memory_mib(run)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    with open(argv[0]) as fh:
        spec = json.load(fh)
    emit = _Emitter(spec["events"])
    t0 = time.perf_counter()
    try:
        mod = T.load(spec["tool"])
        mod.startup()
    except Exception as exc:  # ImportError, or a peer broken by its dependencies
        emit(event="unavailable", reason=_error_text(exc))
        return 0
    startup = time.perf_counter() - t0
    emit(event="ready", startup_s=startup, versions=_versions(mod.PACKAGES), threads=_threads())
    failed = [c for c in spec.get("failed", [])]
    for cell in spec["cells"]:
        cid = W.cell_id(cell)
        blocker = next((f for f in failed if W.dominates(f, cell)), None)
        if blocker is not None:
            emit(
                event="cell",
                id=cid,
                status="skipped",
                reason=f"{W.cell_id(blocker)} already exceeded the limit",
            )
            continue
        emit(event="cell_start", id=cid)
        if spec.get("phase") == "memory":
            try:
                emit(event="memory", id=cid, mem_mib=measure_memory(mod, cell))
            except MemoryError:
                emit(event="memory", id=cid, mem_mib=None, reason="MemoryError")
                failed.append(cell)
            except Exception as exc:
                emit(event="memory", id=cid, mem_mib=None, reason=_error_text(exc))
            continue
        res = run_cell(mod, cell, spec, spec["refs"][cid])
        if res["status"] in ("limit", "OOM"):
            failed.append(cell)
        emit(event="cell", id=cid, **res)
    return 0


if __name__ == "__main__":
    sys.exit(main())
