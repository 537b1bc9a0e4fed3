"""The benchmark suite keeps running and reporting (never asserts timings).

The main test runs ``python -m benchmarks --quick`` in a subprocess with every
optional peer hidden (a directory of stub modules that raise ImportError goes
first on PYTHONPATH), so it passes, and checks the same thing, whether or not
torch, jax, numba, algopy, daceypy or matplotlib are installed: the missing
ones are reported as skipped, never as an error.  A slow test runs the quick
mode with whatever peers this machine has.  The rest checks the pieces the
numbers rest on: the error metric, the reference values (against sympy and
mpmath.diff), the multi-index order, the report writer.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from benchmarks import reference as R  # noqa: E402
from benchmarks import report  # noqa: E402
from benchmarks import tools as T  # noqa: E402
from benchmarks import workloads as W  # noqa: E402

HIDDEN = ("torch", "jax", "jaxlib", "numba", "algopy", "daceypy", "matplotlib", "threadpoolctl")
PEERS_HIDDEN = (
    "torch-autograd",
    "torch-func",
    "jax-jet",
    "jax-nested",
    "algopy",
    "daceypy",
    "numba",
)


def _run_quick(tmp_path, extra_env=None, args=()):
    out = tmp_path / "perf.md"
    env = dict(os.environ)
    env.update(extra_env or {})
    cmd = [
        sys.executable,
        "-m",
        "benchmarks",
        "--quick",
        "--out",
        str(out),
        "--cache-dir",
        str(tmp_path / "cache"),
        "--json",
        str(tmp_path / "raw.json"),
        *args,
    ]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    with open(tmp_path / "raw.json") as fh:
        raw = json.load(fh)
    return out.read_text(), raw, proc.stdout


def _check_report(text, raw):
    assert report.BEGIN in text and report.END in text
    assert "### Targets (issue 6)" in text and "### Machine" in text
    jets = raw["tools"]["jets"]
    assert jets["status"] == "ok"
    ids = [c["id"] for c in raw["cells"]]
    assert set(jets["results"]) == set(ids)
    for cid, res in jets["results"].items():
        assert res["status"] == "ok", (cid, res)
        assert res["first_s"] > 0 and res["steady_s"] > 0 and res["reps"] >= 1
        assert res["err"] is not None and res["err"] < 1e-9, (cid, res["err"])
    for w in ("W1", "W2", "W3", "W4"):
        assert f"### {w}:" in text
    for t in raw["tools"]:
        assert f"| {t} |" in text  # every tool is listed, ran or skipped


def test_quick_without_peers(tmp_path):
    """Peers missing: reported as skipped; jets and sympy run; a report is written."""
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    for mod in HIDDEN:
        (stubs / f"{mod}.py").write_text(
            f"raise ImportError('{mod} hidden by tests/test_benchmarks.py')\n"
        )
    env = {"PYTHONPATH": str(stubs) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    text, raw, stdout = _run_quick(tmp_path, env)
    _check_report(text, raw)
    for t in PEERS_HIDDEN:
        rec = raw["tools"][t]
        assert rec["status"] == "skipped", (t, rec)
        assert "hidden by tests/test_benchmarks.py" in rec["reason"]
        assert f"| {t} |" in text and "skipped" in text
    assert raw["tools"]["sympy"]["status"] == "ok"
    assert "no plot" in stdout
    # a second call only re-renders: the generated part is replaced, not duplicated
    code = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--from-json",
            str(tmp_path / "raw.json"),
            "--out",
            str(tmp_path / "perf.md"),
        ],
        cwd=ROOT,
        env=dict(os.environ, **env),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert code.returncode == 0, code.stderr
    again = (tmp_path / "perf.md").read_text()
    assert again.count(report.BEGIN) == 1


@pytest.mark.slow
def test_quick_with_installed_peers(tmp_path):
    """Whatever peers are installed run (or are skipped with a reason)."""
    text, raw, _ = _run_quick(tmp_path)
    _check_report(text, raw)
    for t, rec in raw["tools"].items():
        assert rec["status"] in ("ok", "skipped")
        if rec["status"] == "ok":
            for cid, res in rec["results"].items():
                assert res["status"] in ("ok", "n/a", "limit", "timeout", "OOM", "skipped"), (
                    t,
                    cid,
                    res,
                )


def test_bad_tool_name_is_an_error(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--tools",
            "jets,pytorch",
            "--out",
            str(tmp_path / "x.md"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "unknown tool 'pytorch'" in proc.stderr


# ----------------------------------------------------------------- the pieces
def test_w2_alphas_follow_jets_graded_order():
    import jets

    x, y, z = jets.variables([0.1, 0.2, 0.3], order=4)
    assert tuple(((x * y) * z).partials()) == W.W2_ALPHAS


def test_max_rel_err():
    ref = np.array([[1.0, 2.0, -4.0], [0.0, 0.0, 0.0]])
    assert W.max_rel_err(ref, ref) == 0
    got = ref.copy()
    got[0, 2] = -4.0 * (1 + 1e-10)
    assert W.max_rel_err(got, ref) == pytest.approx(1e-10, rel=1e-3)
    got = ref.copy()
    got[1, 0] = 4e-12  # a zero component: against 1e-3 of the output's scale (4)
    assert W.max_rel_err(got, ref) == pytest.approx(1e-9, rel=1e-3)
    got = ref.copy()
    got[0, 0] = 1.0 + 2e-15  # 1e-3 of the component's largest |ref| is the floor
    assert W.max_rel_err(got, ref) == pytest.approx(2e-15, rel=1e-2)
    got[0, 0] = np.nan
    assert W.max_rel_err(got, ref) == float("inf")
    with pytest.raises(ValueError, match="shape"):
        W.max_rel_err(ref[:1], ref)


def test_w1_reference_matches_sympy_and_mpmath_diff():
    import mpmath as mp
    import sympy as sp

    pts = np.array([-1.3, 0.4, 1.9])
    ref = R.w1_reference(pts, 12)
    x = sp.Symbol("x")
    f = sp.exp(sp.sin(x)) / (1 + x**2)
    for j in range(6):
        d = sp.diff(f, x, j)
        want = [float(d.subs(x, sp.Float(float(p), 30)).evalf(25)) for p in pts]
        np.testing.assert_allclose(ref[j], want, rtol=1e-13)
    with mp.workdps(40):
        g = lambda t: mp.exp(mp.sin(t)) / (1 + t**2)  # noqa: E731
        want12 = float(mp.diff(g, mp.mpf(float(pts[1])), 12))
    assert ref[12, 1] == pytest.approx(want12, rel=1e-12)


def test_sympy_references_of_w2_w3_w4(tmp_path):
    cells = [
        {"workload": "W2", "B": 3},
        {"workload": "W3", "case": "cube"},
        {"workload": "W3", "case": "hess"},
        {"workload": "W4", "n": 3, "B": 4},
    ]
    for cell in cells:
        path = R.reference_file(cell, 4, str(tmp_path))
        assert R.reference_file(cell, 4, str(tmp_path)) == path  # cached
        ref, idx = R.load_reference(path, cell)
        if cell["workload"] == "W3":
            want = [64, 48, 24, 6] if cell["case"] == "cube" else [[60, 120], [120, 240]]
            np.testing.assert_array_equal(ref, want)
            assert idx is None
    ref, idx = R.load_reference(R.reference_file(cells[0], 4, str(tmp_path)), cells[0])
    X = W.inputs(cells[0])["X"][:, idx]
    x, y, z = X
    value = np.exp(x * y) * np.sin(z + x) / (1 + y**2 + z**2)
    np.testing.assert_allclose(ref[0], value, rtol=1e-14)
    ref, idx = R.load_reference(R.reference_file(cells[3], 4, str(tmp_path)), cells[3])
    X = W.inputs(cells[3])["X"][:, idx]
    np.testing.assert_allclose(ref[0, 0], 1200 * X[0] ** 2 - 400 * X[1] + 2, rtol=1e-13)
    np.testing.assert_allclose(ref[0, 1], -400 * X[0], rtol=1e-13)
    np.testing.assert_array_equal(ref[0, 2], 0)


def test_cells_and_dominance():
    cells = W.make_cells(W.FULL)
    ids = [W.cell_id(c) for c in cells]
    assert len(ids) == len(set(ids)) == 15 + 3 + 2 + 12
    assert "W1 k=8 B=1e5" in ids and "W2 B=1e4" in ids and "W4 n=20 B=1e3" in ids
    assert "W4 n=100 B=1" in ids and "W4 n=100 B=1e3" in ids
    small = {"workload": "W1", "k": 8, "B": 1000}
    assert W.dominates(small, {"workload": "W1", "k": 16, "B": 10**5})
    assert not W.dominates(small, {"workload": "W1", "k": 4, "B": 10**5})
    assert not W.dominates({"workload": "W3", "case": "cube"}, {"workload": "W3", "case": "hess"})
    assert [c["memory"] for c in cells if c["workload"] == "W2"] == [False, False, True]


def test_every_tool_module_declares_its_interface():
    for name in T.TOOLS:
        mod = T.load(name)
        assert mod.NAME == name
        for attr in ("LABEL", "PACKAGES", "startup", "reset", "build"):
            assert hasattr(mod, attr), (name, attr)


def test_report_write_replaces_only_the_generated_part(tmp_path):
    path = tmp_path / "p.md"
    path.write_text(
        "# Title\n\nprose before\n\n" + report.BEGIN + "\nold\n" + report.END + "\n\nprose after\n"
    )
    report.write(str(path), report.BEGIN + "\nnew\n" + report.END + "\n")
    text = path.read_text()
    assert "prose before" in text and "prose after" in text
    assert "new" in text and "old" not in text


def test_jit_start_table(capsys):
    pytest.importorskip("numba")
    from benchmarks import jit_start

    jit_start.main(["--runs", "1", "--workloads", "W3"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("| workload | disk cache | import jets | first result")
    assert [line.split("|")[1:3] for line in lines[2:]] == [
        [" W3 ", " empty "],
        [" W3 ", " full "],
    ]
    assert all(cell.strip().endswith(" ms") for line in lines[2:] for cell in line.split("|")[3:-1])
