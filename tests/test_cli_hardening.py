"""Command-line hardening: the work guard counts real cost, user text echoed
back cannot drive the terminal, no Python warning ever reaches stderr, comments
are refused, and many --at options are read in one pass.
"""

import os
import subprocess
import sys
from pathlib import Path

import mpmath
import pytest

from jets import cli
from jets.expr import compile_expression

ROOT = Path(__file__).resolve().parent.parent


def run(*args, timeout=60):
    """python -m jets args in a subprocess -> (status, stdout, stderr); the
    worktree's jets comes first on the path."""
    env = dict(
        os.environ,
        PYTHONIOENCODING="utf-8",
        COLUMNS="80",
        PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    )
    p = subprocess.run(
        [sys.executable, "-m", "jets", *args],
        capture_output=True,
        env=env,
        check=False,
        cwd=ROOT,
        timeout=timeout,
    )
    return p.returncode, p.stdout.decode("utf-8"), p.stderr.decode("utf-8", "replace")


def call(capsys, *args):
    status = cli.main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


# ------------------------------------------------------ 1. the work guard
def test_a_huge_float_exponent_is_cheap_work():
    """(x+y)**1e308 at order 96 ran ~2000 squarings of a 4753-coefficient jet
    (27 s); the exponent is above 2**20, so it takes the real-power recurrence.
    (The timeout only stops a hang; no timing is asserted.)"""
    status, out, err = run("(x+y)**1e308", "--at", "x=1,y=2", "--order", "96", timeout=20)
    assert status == 1, err  # 3**1e308 overflows: reported
    assert err.strip() == "jets: power: the value overflows to inf at base 3, exponent 1e+308"
    assert len(out.strip().split("\n")) == 2 + 4753


def test_a_moderate_integer_power_at_high_order_is_exact():
    """Below 2**20 the exponent still goes by squaring: check against mpmath."""
    mpmath.mp.dps = 30
    status, out, err = run("(x/2)**1001", "--at", "x=2", "--order", "3", "--format", "json")
    assert status == 0, err
    import json

    doc = json.loads(out)
    for part in doc["partials"]:
        k = part["index"][0]
        want = mpmath.diff(lambda t: (t / 2) ** 1001, 2, k)
        assert part["derivative"] == pytest.approx(float(want), rel=1e-12)


def test_power_cost_counts_squarings():
    from jets.expr import power_cost

    assert power_cost(2) == 4 and power_cost(3) == 4 and power_cost(1024) == 22
    assert power_cost(-3) == 6
    assert power_cost(2**20) == 42  # still by squaring
    assert power_cost(2**20 + 1) == power_cost(1e308) == power_cost(0.5) == 3
    assert power_cost(float("inf")) == 3 and power_cost(float("nan")) == 3


def test_work_counts_series_functions_per_order_and_powers_by_their_squarings():
    e = compile_expression("digamma(x) + (x + y)**1e308 + x**(2**10) + x**y")
    # digamma: degree + 4; the three + and the one in (x + y): 1 each; power 1e308: 3;
    # x**1024: 22 (2**10 itself is plain numbers: 0); x**y: 5
    assert e.work(10) == 14 + 3 + 1 + 3 + 22 + 5
    assert e.work(100) - e.work(10) == 90
    assert compile_expression("x").work(170) == 0


@pytest.mark.parametrize(
    "expr, order",
    [
        ("digamma(digamma(x + y + 3))", "96"),
        ("gamma(x + y + 3)*lgamma(x + y + 3)", "96"),
        ("(x*y)**(2**19 + 1)*(x+y)**(2**19 + 1)*x**(2**19 + 1)", "96"),
    ],
)
def test_expensive_expressions_are_refused_at_once(capsys, expr, order):
    status, out, err = call(capsys, expr, "--at", "x=1,y=2", "--order", order)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "jet products" in err and "more work than" in err, err


# ------------------------------------------- 5. control characters echoed
@pytest.mark.parametrize(
    "ch",
    ["\x1b", "\r", "\x07", "\x7f", "\x00", "\x9b", "\x85", "\t"],
    ids=["ESC", "CR", "BEL", "DEL", "NUL", "CSI", "NEL", "TAB"],
)
def test_control_characters_from_the_user_are_escaped(capsys, ch):
    cases = [
        ["x", "--at", f"x{ch}y=1"],  # a bad variable name
        ["x", "--at", "x=1", "--partial", f"x{ch}[2J"],
        ["x", "--at", f"x=1,y{ch}z=2"],
        ["x", "--at", "x=1", "--format", f"t{ch}able"],
        ["x", "--at", "x=1", f"--bogus{ch}"],
        [f"x{ch}", "--at", "x=1"],
    ]
    for args in cases:
        status, out, err = call(capsys, *args)
        assert status == 2, (args, err)
        shown = err + out
        assert ch not in shown.replace("\n", ""), (args, shown)
        assert "\\" in shown or "U+" in shown, (args, shown)  # a visible escape


def test_escape_controls():
    from jets.expr import escape_controls

    assert escape_controls("a\x1b[31mb\r\nc\x07\x7f\x9b") == "a\\x1b[31mb\\x0d\nc\\x07\\x7f\\x9b"
    assert escape_controls("a\nb", keep="") == "a\\x0ab"
    assert escape_controls("∂f/∂x · é") == "∂f/∂x · é"


# ------------------------------------------------------- 5. no warnings
@pytest.mark.parametrize(
    "args",
    [
        ["exp(2*x)", "--at", "x=354", "--order", "170"],  # overflow in a partial
        ["exp(2*x)", "--at", "x=354", "--order", "170", "--format", "json"],
        ["1if x else 2", "--at", "x=1"],  # SyntaxWarning from ast
        ["x*1e308*10 + 0x1for", "--at", "x=1"],
        ["gamma(x)", "--at", "x=-1", "--order", "3"],
        ["x**y", "--at", "x=-8,y=1e-300"],
    ],
    ids=["overflow", "overflow json", "1if", "invalid literal", "gamma pole", "power"],
)
def test_no_python_warning_reaches_stderr(args):
    status, _, err = run(*args)
    assert "Warning" not in err and "warn" not in err.lower(), err
    assert status in (0, 1, 2) and "Traceback" not in err


def test_no_warning_even_when_python_turns_them_on():
    env = dict(
        os.environ,
        PYTHONWARNINGS="always",
        PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    )
    p = subprocess.run(
        [sys.executable, "-W", "always", "-m", "jets", "1if x else 2", "--at", "x=1"],
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    err = p.stderr.decode("utf-8", "replace")
    assert "Warning" not in err and p.returncode == 2, err


# -------------------------------------------------------------- comments
@pytest.mark.parametrize("expr, col", [("x # comment", 2), ("#x", 0), ("x*2#", 3)])
def test_comments_are_refused(capsys, expr, col):
    status, out, err = call(capsys, expr, "--at", "x=1")
    assert status == 2 and out == ""
    lines = err.rstrip("\n").split("\n")
    assert lines[0].startswith("jets: error: comments are not allowed"), err
    assert lines[2] == "  " + " " * col + "^", err


def test_a_comment_in_an_at_value_is_refused(capsys):
    status, _, err = call(capsys, "x", "--at", "x=1 # one")
    assert status == 2 and "comments are not allowed" in err


# ------------------------------------------------------------ many --at
def test_at_options_are_taken_in_one_pass():
    argv = [
        "x+y",
        "--at",
        "x=1",
        "--order",
        "3",
        "--at=y=2",
        "--partial",
        "xy",
        "--",
        "--at",
        "z=3",
    ]
    rest, values = cli._take_at(argv)
    assert values == ["x=1", "y=2"]
    assert rest == ["x+y", "--order", "3", "--partial", "xy", "--", "--at", "z=3"]
    assert cli._take_at(["x", "--at"]) == (["x", "--at"], [])  # argparse reports it


def test_thousands_of_at_options_get_the_limit_message(capsys):
    args = ["x0"] + [a for i in range(5000) for a in ("--at", f"x{i}=1")]
    status, _, err = call(capsys, *args)
    assert status == 2 and "--at gives 5000 variables; the limit is 32" in err, err
    args = ["x0", "--at", ",".join(f"x{i}=1" for i in range(2000))]
    status, _, err = call(capsys, *args)
    assert status == 2 and "--at gives 2000 variables; the limit is 32" in err, err


def test_at_options_mixed_with_others_keep_their_order(capsys):
    status, out, err = call(
        capsys,
        "x*y**2*z**3",
        "--at",
        "z=1",
        "--order",
        "1",
        "--at=x=2",
        "--at",
        "y=3",
        "--format",
        "json",
    )
    assert status == 0, err
    import json

    doc = json.loads(out)
    assert doc["variables"] == ["z", "x", "y"]
    grads = {tuple(p["index"]): p["derivative"] for p in doc["partials"]}
    assert grads[(1, 0, 0)] == 3 * 2 * 9 and grads[(0, 1, 0)] == 9 and grads[(0, 0, 1)] == 12


def test_check_names_with_many_variables_is_linear_and_right(capsys):
    names = [f"v{i}" for i in range(32)]
    expr = " + ".join(names[:31])
    status, _, err = call(capsys, expr, "--at", ",".join(f"{n}=1" for n in names))
    assert status == 2 and "--at gives v31 a value, but the expression does not use v31" in err
