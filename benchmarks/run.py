"""Entry point of the benchmark suite: ``python -m benchmarks [options]``.

1. computes (or loads from ``benchmarks/.cache``) the high-precision reference
   of every cell;
2. runs each tool in its own fresh process (``benchmarks.worker``), one tool
   after the other, watching it: a cell running past the hard time limit is
   killed and reported as "timeout", a process above the memory cap as "OOM";
   the tool then goes on in a new process with the cells left, minus those at
   least as big as the one that failed;
3. writes the Markdown report (tables, targets, machine facts, versions) into
   the generated part of ``--out``, the W1 plot next to it, and the raw
   results as JSON.

A missing peer is reported as skipped; the exit status is non-zero only when
jets itself fails to import or errors on a cell.
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import time

from . import reference as R
from . import report
from . import tools as T
from . import workloads as W

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

#: Per-mode settings: seconds a steady call may take before bigger sizes are
#: skipped (soft), seconds a cell may run before its process is killed (hard),
#: seconds of repeats per cell (budget), repeat bounds, reference subsample size.
MODES = {
    "full": {
        "soft_limit": 20.0,
        "hard_limit": 180.0,
        "budget": 2.0,
        "min_reps": 3,
        "max_reps": 500,
        "nsub": 128,
    },
    "quick": {
        "soft_limit": 1.0,
        "hard_limit": 15.0,
        "budget": 0.02,
        "min_reps": 2,
        "max_reps": 10,
        "nsub": 8,
    },
}


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Time jets and its peers on higher-order derivative workloads W1-W4 "
        "(see docs/performance.md).",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="small sizes and few repeats: a smoke run of well under a minute",
    )
    p.add_argument(
        "--tools",
        default=",".join(T.TOOLS),
        help=f"comma-separated tools (default: all of {','.join(T.TOOLS)})",
    )
    p.add_argument(
        "--workloads",
        default="W1,W2,W3,W4",
        help="comma-separated workloads (default: W1,W2,W3,W4)",
    )
    p.add_argument(
        "--out",
        default=os.path.join(ROOT, "docs", "performance.md"),
        help="Markdown file whose generated section is (re)written (default: docs/performance.md)",
    )
    p.add_argument(
        "--plot", default=None, help="PNG of W1 time vs order (default: perf_w1.png next to --out)"
    )
    p.add_argument(
        "--json", default=None, help="raw results (default: <cache-dir>/results-<mode>.json)"
    )
    p.add_argument(
        "--cache-dir",
        default=os.path.join(HERE, ".cache"),
        help="where references, logs and raw results go (default: benchmarks/.cache)",
    )
    p.add_argument("--soft-limit", type=float, help="override: seconds per steady call")
    p.add_argument("--hard-limit", type=float, help="override: seconds per cell before a kill")
    p.add_argument("--budget", type=float, help="override: seconds of repeats per cell")
    p.add_argument(
        "--from-json",
        metavar="PATH",
        help="do not run anything: rewrite the report (and plot) from raw results",
    )
    p.add_argument(
        "--mem-limit-gib",
        type=float,
        default=None,
        help="memory cap per tool process (default: min(8, 40%% of available))",
    )
    args = p.parse_args(argv)
    args.tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    for t in args.tools:
        if t not in T.TOOLS:
            p.error(f"unknown tool {t!r}: choose from {','.join(T.TOOLS)}")
    if "jets" not in args.tools:
        args.tools.insert(0, "jets")  # every ratio is against jets
    args.workloads = [w.strip().upper() for w in args.workloads.split(",") if w.strip()]
    for w in args.workloads:
        if w not in W.FULL:
            p.error(f"unknown workload {w!r}: choose from W1,W2,W3,W4")
    return args


def _mem_available_kib():
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _read_events(path, offset):
    """New complete JSON lines of `path` from byte `offset`: (events, new offset)."""
    events = []
    try:
        with open(path) as fh:
            fh.seek(offset)
            while True:
                line = fh.readline()
                if not line or not line.endswith("\n"):
                    break
                offset = fh.tell()
                events.append(json.loads(line))
    except FileNotFoundError:
        pass
    return events, offset


def _drive(
    name,
    phase,
    todo,
    failed,
    refs,
    settings,
    workdir,
    log_path,
    mem_cap_kib,
    on_event,
    env_extra=None,
):
    """Run one worker process over `todo`, feeding its events to `on_event`;
    kill it when a cell passes the hard time limit or the memory cap.
    Returns (exit status, id of the cell running when it ended or None,
    (status, reason) if it was killed)."""
    spec_path = os.path.join(workdir, f"{name}.{phase}.json")
    events_path = os.path.join(workdir, f"{name}.{phase}.events.jsonl")
    open(events_path, "w").close()
    with open(spec_path, "w") as fh:
        json.dump(
            {
                "tool": name,
                "phase": phase,
                "cells": todo,
                "failed": failed,
                "refs": refs,
                "events": events_path,
                **settings,
            },
            fh,
        )
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(env_extra or {})
    with open(log_path, "a") as errlog:
        proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.worker", spec_path],
            cwd=ROOT,
            env=env,
            stdout=errlog,
            stderr=errlog,
        )
    offset, current, started, killed = 0, None, time.monotonic(), None
    while True:
        rc = proc.poll()
        events, offset = _read_events(events_path, offset)
        for ev in events:
            if ev["event"] == "cell_start":
                current, started = ev["id"], time.monotonic()
            elif ev["event"] in ("cell", "memory"):
                current = None
            on_event(ev)
        if rc is not None:
            return rc, current, killed
        if current is not None and killed is None:
            if time.monotonic() - started > settings["hard_limit"]:
                killed = ("timeout", f"killed after {settings['hard_limit']:.0f} s")
            elif mem_cap_kib and _rss_kib(proc.pid) > mem_cap_kib:
                killed = ("OOM", f"resident memory above the cap of {mem_cap_kib / 2**20:.1f} GiB")
            if killed:
                proc.kill()
                proc.wait()
                continue
        time.sleep(0.05)


def run_tool(name, cells, refs, settings, cache_dir, mem_cap_kib, log):
    """Run one tool's cells in fresh worker processes; returns its record.

    Timing phase: the cells in order, a new process after a kill.  Memory
    phase: the cells marked for memory that ran, in one more process with a
    fixed glibc mmap threshold (see ``worker._peak_memory_mib``)."""
    mod = T.load(name)
    rec = {"label": mod.LABEL, "status": "ok", "results": {}}
    by_id = {W.cell_id(c): c for c in cells}
    workdir = os.path.join(cache_dir, "run")
    os.makedirs(workdir, exist_ok=True)
    log_path = os.path.join(workdir, f"{name}.log")
    open(log_path, "w").close()

    def on_timing(ev):
        kind = ev.pop("event")
        if kind == "unavailable":
            rec.update(status="skipped", reason=ev["reason"])
        elif kind == "ready" and "startup_s" not in rec:
            rec.update(startup_s=ev["startup_s"], versions=ev["versions"], threads=ev["threads"])
        elif kind == "cell":
            cid = ev.pop("id")
            rec["results"][cid] = ev
            log(name, cid, ev)

    todo, failed, launches = list(cells), [], 0
    while todo:
        launches += 1
        rc, current, killed = _drive(
            name, "timing", todo, failed, refs, settings, workdir, log_path, mem_cap_kib, on_timing
        )
        if rec["status"] == "skipped":
            return rec
        if current is not None:
            status, reason = killed or (
                "OOM" if rc in (-9, 137) else "error",
                f"worker process died (exit status {rc})",
            )
            rec["results"][current] = {"status": status, "reason": reason}
            log(name, current, rec["results"][current])
            failed.append(by_id[current])
        elif rc != 0 and not rec["results"]:
            rec.update(status="skipped", reason=f"worker exited with status {rc} (see {log_path})")
            return rec
        todo = [c for c in todo if W.cell_id(c) not in rec["results"]]
        if launches > len(cells) + 1:
            for c in todo:
                rec["results"][W.cell_id(c)] = {"status": "error", "reason": "worker kept dying"}
            break

    def on_memory(ev):
        if ev.get("event") == "memory":
            res = rec["results"][ev["id"]]
            res["mem_mib"] = ev.get("mem_mib")
            if ev.get("reason"):
                res["mem_reason"] = ev["reason"]

    todo = [
        c
        for c in cells
        if c.get("memory") and rec["results"].get(W.cell_id(c), {}).get("status") == "ok"
    ]
    while todo:
        rc, current, killed = _drive(
            name,
            "memory",
            todo,
            [],
            refs,
            settings,
            workdir,
            log_path,
            mem_cap_kib,
            on_memory,
            {"MALLOC_MMAP_THRESHOLD_": "131072"},
        )
        if current is not None:
            rec["results"][current]["mem_reason"] = (killed or ("crash", f"exit status {rc}"))[1]
            if killed and killed[0] == "OOM":
                rec["results"][current]["mem_mib"] = "OOM"
        done = {cid for cid, r in rec["results"].items() if "mem_mib" in r or "mem_reason" in r}
        todo = [c for c in todo if W.cell_id(c) not in done]
        if rc != 0 and current is None:
            break
    return rec


def _git_state():
    """Commit of the working tree being measured, and whether jets/ has local edits."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "jets"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return f"{head}" + (" with uncommitted changes in jets/" if dirty else "") if head else None
    except (OSError, subprocess.SubprocessError):
        return None


def _fmt_s(v):
    return report.fmt_time(v) if isinstance(v, (int, float)) else "-"


def _log_line(tool, cid, res):
    st = res.get("status")
    if st == "ok":
        err = res.get("err")
        msg = (
            f"first {_fmt_s(res.get('first_s'))}, steady {_fmt_s(res.get('steady_s'))} "
            f"({res.get('reps')} reps), err {err:.1e}"
            if isinstance(err, float)
            else f"first {_fmt_s(res.get('first_s'))}, steady {_fmt_s(res.get('steady_s'))}"
        )
    else:
        msg = f"{st}: {res.get('reason', '')}"
    print(f"[{tool:>14}] {cid:<16} {msg}", flush=True)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    if args.from_json:
        with open(args.from_json) as fh:
            results = json.load(fh)
        return _write_outputs(results, args, None)
    mode = "quick" if args.quick else "full"
    settings = dict(MODES[mode])
    for key in ("soft_limit", "hard_limit", "budget"):
        if getattr(args, key) is not None:
            settings[key] = getattr(args, key)
    nsub = settings.pop("nsub")
    sizes = W.QUICK if args.quick else W.FULL
    cells = W.make_cells(sizes, args.workloads)
    avail = _mem_available_kib()
    if args.mem_limit_gib is not None:
        mem_cap = int(args.mem_limit_gib * 2**20)
    else:
        mem_cap = int(min(8 * 2**20, 0.4 * avail)) if avail else 8 * 2**20
    t_start = time.time()
    machine = report.machine_facts()  # load average at the start
    commit = _git_state()  # the engine being measured (jets runs first)
    command = "python -m benchmarks" + ("" if not argv else " " + shlex.join(argv))
    print(f"{command}\n{len(cells)} cells x {len(args.tools)} tools ({mode} mode)", flush=True)

    t0 = time.perf_counter()
    refs = {W.cell_id(c): R.reference_file(c, nsub, args.cache_dir) for c in cells}
    ref_s = time.perf_counter() - t0
    print(f"references ready in {ref_s:.1f} s (cache: {args.cache_dir})", flush=True)

    tools = {}
    for name in args.tools:
        t1 = time.perf_counter()
        tools[name] = run_tool(name, cells, refs, settings, args.cache_dir, mem_cap, _log_line)
        tools[name]["wall_s"] = time.perf_counter() - t1
        if tools[name]["status"] != "ok":
            print(f"[{name:>14}] skipped: {tools[name].get('reason')}", flush=True)

    try:
        load_end = [round(v, 2) for v in os.getloadavg()]
    except OSError:
        load_end = None
    results = {
        "command": command,
        "mode": mode,
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(t_start)),
        "wall_s": time.time() - t_start,
        "reference_s": ref_s,
        "commit": commit,
        "settings": dict(settings, nsub=nsub, mem_cap_gib=mem_cap / 2**20),
        "machine": dict(machine, load_average_end=load_end),
        "cells": [dict(c, id=W.cell_id(c)) for c in cells],
        "tools": tools,
    }
    json_path = args.json or os.path.join(args.cache_dir, f"results-{mode}.json")
    return _write_outputs(results, args, json_path)


def _write_outputs(results, args, json_path):
    """Raw JSON (when given a path), plot, Markdown; exit status from jets' rows."""
    if json_path:
        os.makedirs(os.path.dirname(os.path.abspath(json_path)), exist_ok=True)
        with open(json_path, "w") as fh:
            json.dump(results, fh, indent=1)
    out_dir = os.path.dirname(os.path.abspath(args.out))
    plot_path = args.plot or os.path.join(out_dir, "perf_w1.png")
    results["plot"] = report.plot_w1(results, plot_path)
    report.write(args.out, report.render(results, args.out))
    print(
        f"report written to {args.out}"
        + (
            f", plot {results['plot']}"
            if results["plot"]
            else ", no plot (matplotlib missing or no W1 data)"
        )
        + (f", raw results {json_path}" if json_path else "")
        + f"; run took {results['wall_s']:.0f} s",
        flush=True,
    )
    tools = results["tools"]
    jets = tools.get("jets", {})
    if jets.get("status") != "ok":
        print(f"jets could not run: {jets.get('reason')}", file=sys.stderr)
        return 1
    bad = [cid for cid, r in jets["results"].items() if r.get("status") == "error"]
    if bad:
        print(f"jets failed on: {', '.join(bad)}", file=sys.stderr)
        return 1
    return 0
