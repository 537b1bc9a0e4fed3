"""The command line, run as a subprocess (``python -m jets``) and in-process.

Derivatives read back from the table and the JSON output are compared with
sympy; every error class is checked for its exit status and its one-line
message; a list of hostile inputs must end with status 1 or 2, one message
line, no traceback and no file created; the examples of docs/cli.md are run
and compared with the output shown there.
"""

import json
import math
import os
import re
import shlex
import subprocess
import sys
from math import factorial
from pathlib import Path

import pytest
import sympy as sp

from jets import cli

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "cli.md"


# ------------------------------------------------------------------ helpers
def run(*args, encoding="utf-8", cwd=None, timeout=20, raw=False):
    """Run ``python -m jets args`` -> (status, stdout, stderr)."""
    env = dict(os.environ, PYTHONIOENCODING=encoding, COLUMNS="80")
    p = subprocess.run(
        [sys.executable, "-m", "jets", *args],
        capture_output=True,
        env=env,
        cwd=cwd,
        timeout=timeout,
    )
    if raw:
        return p.returncode, p.stdout, p.stderr
    return p.returncode, p.stdout.decode(encoding), p.stderr.decode(encoding, "replace")


def call(capsys, *args):
    """main(argv) in-process -> (status, stdout, stderr)."""
    status = cli.main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def table_rows(out):
    """[(order, name, value)] from the table (skipping the header lines)."""
    lines = out.strip().split("\n")
    assert lines[1].split() in (["order", "partial", "value"], ["order", "term", "coefficient"])
    return [tuple(line.split()) for line in lines[2:]]


def sympy_partials(text, point, alphas):
    """{alpha: float} of the sympy derivatives of text at point."""
    syms = sp.symbols(list(point))
    f = sp.sympify(text, locals=dict(zip(point, syms, strict=True)))
    out = {}
    for alpha in alphas:
        d = f
        for s, a in zip(syms, alpha, strict=True):
            if a:
                d = sp.diff(d, s, a)
        out[tuple(alpha)] = float(d.subs(dict(zip(syms, point.values(), strict=True))).evalf(30))
    return out


def one_message(err, start="jets: "):
    """stderr is one message line (or, for located errors, that line plus the
    expression and a caret), and never a traceback."""
    assert "Traceback" not in err
    lines = err.rstrip("\n").split("\n")
    assert lines[0].startswith(start), err
    if len(lines) > 1:
        assert len(lines) == 3 and lines[2].strip() == "^", err
    return lines[0]


# ---------------------------------------------------------------- seed examples
def test_seed_x_cubed_table():
    status, out, err = run("x**3", "--at", "x=4", "--order", "3")
    assert status == 0 and err == ""
    assert out.split("\n")[0] == "f = x**3 at x = 4"
    rows = table_rows(out)
    assert [r[1] for r in rows] == ["f", "∂f/∂x", "∂²f/∂x²", "∂³f/∂x³"]
    x = sp.Symbol("x")
    want = [sp.diff(x**3, x, k).subs(x, 4) for k in range(4)]
    assert [int(r[2]) for r in rows] == want == [64, 48, 24, 6]
    assert all("." not in r[2] for r in rows)  # integers without a trailing .0


def test_seed_two_variables_table_and_json():
    text, point = "(x + 2*y)**3", {"x": 4, "y": 3}
    status, out, err = run(text, "--at", "x=4,y=3", "--order", "2")
    assert status == 0 and err == ""
    rows = table_rows(out)
    names = {
        "f": (0, 0),
        "∂f/∂x": (1, 0),
        "∂f/∂y": (0, 1),
        "∂²f/∂x²": (2, 0),
        "∂²f/∂x∂y": (1, 1),
        "∂²f/∂y²": (0, 2),
    }
    assert [r[1] for r in rows] == list(names)
    want = sympy_partials(text, point, names.values())
    assert {names[r[1]]: float(r[2]) for r in rows} == want
    assert [want[(2, 0)], want[(1, 1)], want[(0, 2)]] == [60, 120, 240]

    status, out, err = run(text, "--at", "x=4,y=3", "--format", "json")
    assert status == 0 and err == ""
    doc = json.loads(out)
    assert doc["expression"] == text and doc["variables"] == ["x", "y"]
    assert doc["point"] == point and doc["order"] == 2
    got = {tuple(p["index"]): p for p in doc["partials"]}
    assert list(got) == list(names.values())  # graded order
    for alpha, p in got.items():
        assert p["derivative"] == want[alpha]
        assert p["coefficient"] == want[alpha] / (factorial(alpha[0]) * factorial(alpha[1]))
    assert got[(1, 1)]["name"] == "d2f/dxdy" and got[(0, 0)]["name"] == "f"


def test_transcendental_json_against_sympy():
    text, point = "sin(x)*exp(y) + atan2(y, x)/(1 + x**2)", {"x": 0.7, "y": -0.3}
    status, out, _ = run(text, "--at", "x=0.7,y=-0.3", "--order", "4", "--format", "json")
    assert status == 0
    doc = json.loads(out)
    want = sympy_partials(
        text.replace("atan2", "atan2"), point, [p["index"] for p in doc["partials"]]
    )
    assert len(doc["partials"]) == 15
    for p in doc["partials"]:
        assert p["derivative"] == pytest.approx(want[tuple(p["index"])], rel=1e-12, abs=1e-12)


def test_ascii_fallback_names():
    status, out, err = run(
        "(x + 2*y)**3", "--at", "x=4,y=3", "--partial", "xxy", "y", "1,1", encoding="ascii"
    )
    assert status == 0 and err == ""
    out.encode("ascii")
    assert [r[1] for r in table_rows(out)] == ["d3f/dx2dy", "df/dy", "d2f/dxdy"]
    assert [int(r[2]) for r in table_rows(out)] == [12, 600, 120]


# ---------------------------------------------------------- options in-process
def test_partial_forms_and_space_choice(capsys):
    text, point = "sin(x)*exp(y)*cos(z)", {"x": 0.4, "y": 0.2, "z": -0.5}
    at = "x=0.4,y=0.2,z=-0.5"
    status, out, _ = call(
        capsys,
        text,
        "--at",
        at,
        "--partial",
        "xxy",
        "x^2*y",
        "2,1,0",
        "--partial",
        "y z",
        "--format",
        "json",
    )
    assert status == 0
    doc = json.loads(out)
    # duplicates collapse, order kept; caps (2, 1, 1) hold 12 coefficients, total degree 3 holds 20
    assert [p["index"] for p in doc["partials"]] == [[2, 1, 0], [0, 1, 1]]
    assert doc["order"] == [2, 1, 1]
    want = sympy_partials(text, point, [(2, 1, 0), (0, 1, 1)])
    for p in doc["partials"]:
        assert p["derivative"] == pytest.approx(want[tuple(p["index"])], rel=1e-13)
    # a single first partial: caps (1, 0, 0), 2 coefficients instead of 4
    status, out, _ = call(capsys, text, "--at", at, "--partial", "x", "--format", "json")
    assert json.loads(out)["order"] == [1, 0, 0]
    # mixed partials of every variable: total degree is the smaller space
    status, out, _ = call(capsys, text, "--at", at, "--partial", "x", "y", "z", "--format", "json")
    assert json.loads(out)["order"] == 1


def test_taylor_and_digits(capsys):
    status, out, _ = call(capsys, "exp(x)*y**2", "--at", "x=0,y=1", "--order", "3", "--taylor")
    assert status == 0
    rows = table_rows(out)
    assert rows[0] == ("0", "1", "1") and ("2", "dx·dy", "2") in rows
    want = sympy_partials("exp(x)*y**2", {"x": 0, "y": 1}, [(3, 0), (1, 2)])
    coeff = {r[1]: float(r[2]) for r in rows}
    assert coeff["dx³"] == pytest.approx(want[(3, 0)] / 6, rel=1e-15)
    assert coeff["dx·dy²"] == want[(1, 2)] / 2
    status, out, _ = call(capsys, "sin(x)", "--at", "x=1", "--order", "1", "--digits", "3")
    assert [r[2] for r in table_rows(out)] == ["0.841", "0.54"]
    status, out, _ = call(
        capsys, "sin(x)", "--at", "x=1", "--order", "1", "--digits", "3", "--format", "json"
    )
    assert [p["derivative"] for p in json.loads(out)["partials"]] == [0.841, 0.54]
    # default: the shortest text that reads back to the same float
    status, out, _ = call(capsys, "sin(x)", "--at", "x=1", "--order", "1")
    assert [float(r[2]) for r in table_rows(out)] == [math.sin(1), math.cos(1)]
    assert table_rows(out)[0][2] == repr(math.sin(1))


def test_point_values_and_order_of_variables(capsys):
    status, out, _ = call(
        capsys, "x*y**2", "--at", "y=sqrt(2)*2", "--at", "x=pi/4", "--format", "json"
    )
    doc = json.loads(out)
    assert doc["variables"] == ["y", "x"]
    assert doc["point"] == {"y": 2 * math.sqrt(2), "x": math.pi / 4}
    got = {tuple(p["index"]): p["derivative"] for p in doc["partials"]}
    want = sympy_partials("x*y**2", {"y": 2 * math.sqrt(2), "x": math.pi / 4}, got)
    for alpha in got:
        assert got[alpha] == pytest.approx(want[alpha], rel=1e-14)
    assert got[(1, 1)] == pytest.approx(4 * math.sqrt(2))  # d2/dydx = 2y
    # a function name may be a variable when it is not called
    status, out, _ = call(capsys, "gamma*x + sin(gamma)", "--at", "gamma=2,x=1", "--order", "1")
    assert status == 0 and table_rows(out)[2][2] == "2"


def test_expression_without_variables(capsys):
    status, out, err = call(capsys, "2**10 / 1e3")
    assert status == 0 and err == ""
    assert out.split("\n")[0] == "f = 2**10 / 1e3"
    assert table_rows(out) == [("0", "f", "1.024")]
    status, out, _ = call(capsys, "pi", "--format", "json")
    assert json.loads(out)["partials"] == [
        {"index": [], "name": "f", "derivative": math.pi, "coefficient": math.pi, "error": 0}
    ]


def test_integer_power_exact_at_zero(capsys):
    status, out, _ = call(
        capsys, "x**3 + x**2*y", "--at", "x=0,y=0", "--order", "3", "--format", "json"
    )
    assert status == 0
    got = {tuple(p["index"]): p["derivative"] for p in json.loads(out)["partials"]}
    assert got == sympy_partials("x**3 + x**2*y", {"x": 0, "y": 0}, got)
    assert got[(3, 0)] == 6 and got[(2, 1)] == 2


def test_special_functions_when_scipy_is_there(capsys):
    pytest.importorskip("scipy")
    for text, sym in [
        ("erf(x)", "erf(x)"),
        ("gamma(x)", "gamma(x)"),
        ("lgamma(x)", "loggamma(x)"),
        ("digamma(x)", "digamma(x)"),
        ("erfc(x)", "erfc(x)"),
    ]:
        status, out, _ = call(capsys, text, "--at", "x=1.5", "--order", "3", "--format", "json")
        assert status == 0, text
        got = {tuple(p["index"]): p["derivative"] for p in json.loads(out)["partials"]}
        want = sympy_partials(sym, {"x": 1.5}, got)
        for alpha in got:
            assert got[alpha] == pytest.approx(want[alpha], rel=1e-12), (text, alpha)


def test_json_non_finite_values_are_strings(capsys):
    status, out, err = call(capsys, "1/x", "--at", "x=0", "--format", "json")
    assert status == 1
    doc = json.loads(out)
    assert doc["partials"][0]["derivative"] == "inf"
    assert one_message(err) == "jets: divide: division by zero (1 / 0)"
    status, out, _ = call(capsys, "log(x)", "--at", "x=-1", "--format", "json")
    assert json.loads(out)["partials"][0]["derivative"] == "nan"


# ------------------------------------------------------------- error classes
ERROR_CLASSES = [
    # (args, status, start of the first stderr line, run as a subprocess?)
    (["log(x)", "--at", "x=-1"], 1, "jets: log: argument -1 is outside (0, inf)", True),
    (["x / (y - 1)", "--at", "x=1,y=1"], 1, "jets: divide: division by zero (1 / 0)", True),
    (
        ["(x - 3)**1.5", "--at", "x=1"],
        1,
        "jets: power: base -2 with the non-integer exponent 1.5: the base must be > 0",
        False,
    ),
    (
        ["exp(x)", "--at", "x=800"],
        1,
        "jets: exp: the value overflows to inf at argument 800",
        False,
    ),
    (["sin(x", "--at", "x=1"], 2, "jets: error: syntax error: '(' was never closed", True),
    (["x^2", "--at", "x=1"], 2, "jets: error: ^ is not a power here: use **", True),
    (
        ["arcsni(x)", "--at", "x=0"],
        2,
        "jets: error: unknown function 'arcsni' (did you mean arcsin",
        True,
    ),
    (["x + y", "--at", "x=1"], 2, "jets: error: y has no value: give it with --at y=", True),
    (
        ["x", "--at", "x=1,z=2"],
        2,
        "jets: error: --at gives z a value, but the expression does not use z",
        True,
    ),
    (["x.__class__", "--at", "x=1"], 2, "jets: error: attribute access is not allowed", True),
    (
        ["x", "--at", "x=1", "--order", "100000"],
        2,
        "jets: error: --order 100000 is above the limit",
        True,
    ),
    (
        ["x", "--at", "x=1", "--order", "two"],
        2,
        "jets: error: argument --order: invalid int value",
        True,
    ),
    (
        ["x", "--at", "x=1", "--order", "2", "--partial", "x"],
        2,
        "jets: error: give either --order",
        False,
    ),
    (["--at", "x=1"], 2, "jets: error: missing EXPR", False),
]


@pytest.mark.parametrize(
    "args, status, message, subprocess_", ERROR_CLASSES, ids=[" ".join(a[0]) for a in ERROR_CLASSES]
)
def test_error_classes(capsys, monkeypatch, tmp_path, args, status, message, subprocess_):
    if subprocess_:
        got, out, err = run(*args, cwd=tmp_path)
    else:
        monkeypatch.chdir(tmp_path)
        got, out, err = call(capsys, *args)
    assert got == status
    assert one_message(err).startswith(message), err
    if status == 2:
        assert out == ""  # usage errors print nothing on stdout
    else:
        assert out.startswith("f = ")  # the values are still printed
    assert list(tmp_path.iterdir()) == []


def test_caret_under_the_column():
    status, _, err = run("sin(x) + (2 *", "--at", "x=1")
    assert status == 2
    lines = err.rstrip("\n").split("\n")
    assert lines[1] == "  sin(x) + (2 *"
    assert lines[2] == "  " + " " * 9 + "^"  # under the unclosed '('
    status, _, err = run("x + y^2", "--at", "x=1,y=2")
    lines = err.rstrip("\n").split("\n")
    assert lines[1:] == ["  x + y^2", "       ^"]


def test_no_arguments_help_and_version(capsys):
    status, out, err = run()
    assert status == 2 and out == ""
    assert err.startswith("usage: python -m jets EXPR --at")
    assert err.count('python -m jets "') == 2  # two examples
    status, out, err = run("--help")
    assert status == 0 and err == ""
    for option in [
        "--at",
        "--order",
        "--partial",
        "--taylor",
        "--format",
        "--digits",
        "--version",
        "exit status",
        "erf",
        "arctan2 (atan2)",
    ]:
        assert option in out
    import jets

    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"jets {jets.__version__}"


def test_console_script_entry_point():
    """pyproject's jets = "jets.cli:main" resolves to this main."""
    from importlib.metadata import entry_points

    eps = [e for e in entry_points(group="console_scripts") if e.name == "jets"]
    if not eps:
        pytest.skip("jets is not installed with its console script")
    assert eps[0].value == "jets.cli:main" and eps[0].load() is cli.main


def test_missing_scipy_is_a_usage_error(tmp_path):
    code = (
        "import sys; sys.modules['scipy'] = None; sys.modules['scipy.special'] = None\n"
        "from jets.cli import main; raise SystemExit(main(['erf(x)', '--at', 'x=1']))"
    )
    p = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=20
    )
    assert p.returncode == 2
    assert one_message(p.stderr) == (
        "jets: error: erf needs scipy: install it with pip install 'jets[special]'"
    )


def test_unexpected_failure_is_one_line(capsys, monkeypatch):
    import jets.expr

    def broken(*args):
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(jets.expr, "apply", broken)
    status, out, err = call(capsys, "sin(x)", "--at", "x=1")
    assert status == 1 and out == ""
    assert one_message(err) == "jets: error: the evaluation failed: boom second line"


@pytest.mark.parametrize(
    "args, message",
    [
        (["x", "--at", "x"], "--at expects NAME=VALUE"),
        (["x", "--at", "x="], "--at x= has no value"),
        (["x", "--at", "1x=2"], "is not a variable name"),
        (["x", "--at", "x=1,x=2"], "--at gives x twice"),
        (["x", "--at", "x=y"], "must be a number or an expression of constants"),
        (["x", "--at", "x=1/0"], "the value of x is inf (divide: division by zero"),
        (["x", "--at", "x=log(-1)"], "the value of x is nan (log: argument -1"),
        (["e*x", "--at", "e=1,x=1"], "e is the constant 2.718281828459045"),
        (["x", "--at", "lambda=1"], "lambda is a Python keyword"),
        (["x", "--at", "x=sin("], "in --at x=sin(: syntax error"),
        (["sin", "--at", "x=1"], "sin is a function: call it as sin(...)"),
        (["xx", "--at", "x=1"], "xx has no value (did you mean x?)"),
        (
            ["x*y", "--at", "x=1,y=1", "--partial", "3"],
            "an index tuple needs one entry per variable",
        ),
        (["x*y", "--at", "x=1,y=1", "--partial", "xq"], "cannot read 'q'"),
        (["x*y", "--at", "x=1,y=1", "--partial", " "], "--partial needs a derivative"),
        (["2", "--partial", "x"], "--partial needs variables"),
        (["x", "--at", "x=1", "--partial", "x^200"], "the limit is 170"),
        (["x", "--at", "x=1", "--order", "-1"], "--order must be >= 0"),
        (["x", "--at", "x=1", "--digits", "18"], "--digits must be between 1 and 17"),
        (["x", "--at", "x=1", "--format", "xml"], "argument --format: invalid choice"),
        (["x", "--at", "x=1", "--bogus"], "unrecognized arguments: --bogus"),
        (["--at", "x=1", "-x"], "an expression that starts with '-' must follow '--'"),
        (
            [
                " + ".join(f"v{i}" for i in range(33)),
                "--at",
                ",".join(f"v{i}=1" for i in range(33)),
            ],
            "--at gives 33 variables; the limit is 32",
        ),
        (["x*y*z", "--at", "x=1,y=2,z=3", "--order", "60"], "more than the command line allows"),
        (
            ["+".join(["sin(x*y)"] * 800), "--at", "x=1,y=2", "--order", "100"],
            "more work than the command line allows",
        ),
    ],
)
def test_usage_errors_in_process(capsys, args, message):
    status, out, err = call(capsys, *args)
    assert status == 2 and out == ""
    assert message in one_message(err, "jets: error: "), err


# ------------------------------------------------------------- hostile input
# (args, allowed statuses); each must end at once with one message line, no traceback,
# and create no file in the working directory.
HOSTILE = [
    (["__import__('os').system('touch pwned')"], {2}),
    (["__import__('os').system('touch pwned')", "--at", "x=1"], {2}),
    (["().__class__"], {2}),
    (["().__class__.__bases__[0].__subclasses__()"], {2}),
    (["x.__dict__", "--at", "x=1"], {2}),
    (["open('pwned', 'w')"], {2}),
    (["open('pwned', 'w').write('x')"], {2}),
    (["lambda: 0"], {2}),
    (["[x for x in ()]"], {2}),
    (["x if x else x", "--at", "x=1"], {2}),
    (['exec(\'open("pwned", "w")\')'], {2}),
    (["eval('1')"], {2}),
    (["compile('1', 'f', 'eval')"], {2}),
    (["globals()"], {2}),
    (["__builtins__"], {2}),
    (["sin.__globals__"], {2}),
    (["getattr(sin, '__globals__')"], {2}),
    (["print(1)"], {2}),
    (["x[0]", "--at", "x=1"], {2}),
    (["{'a': 1}"], {2}),
    (["'a' * 10**9"], {2}),
    (["f'{x}'", "--at", "x=1"], {2}),
    (["(y := 1)"], {2}),
    (["import os"], {2}),
    (["x; import os", "--at", "x=1"], {2}),
    (["sin(*[1])"], {2}),
    (["abs(x).real", "--at", "x=1"], {2}),
    (["x", "--at", "x=__import__('os').system('touch pwned')"], {2}),
    (["x", "--at", "x=open('pwned')"], {2}),
    (["9**9**9**9"], {1, 2}),
    (["10**10**10**10 - x", "--at", "x=1"], {1, 2}),
    (["x**1e300", "--at", "x=1.5"], {1, 2}),
    (["(" * 100_000], {2}),
    (["(" * 150 + "x" + ")" * 150, "--at", "x=1"], {2}),
    (["sin(" * 150 + "x" + ")" * 150, "--at", "x=1"], {2}),
    (["--at", "x=1", "--", "-" * 5000 + "x"], {2}),
    (["- " * 2000 + "x", "--at", "x=1"], {2}),
    (["x**" * 3000 + "x", "--at", "x=1"], {2}),
    (["+".join(["x"] * 4999), "--at", "x=1"], {2}),
    (["x" * 10**6], {2}),  # a 1 MB expression
    (["1" + "0" * 5000], {2}),
    (["1" + "0" * 400], {2}),
    (["x\udcff\udcfe", "--at", "x=1"], {2}),  # non-UTF-8 bytes from argv
    (["x\x00"], {2}),
    (["x\n+__import__('os')", "--at", "x=1"], {2}),
    (["\u0455in(x)", "--at", "x=1"], {2}),  # Cyrillic 's'
    (["\uff53\uff49\uff4e(x)", "--at", "x=1"], {2}),  # full-width 'sin' (NFKC)
    (["x", "--at", "x=1", "--order", "100000"], {2}),
    (["x", "--at", "x=1", "--order", "9" * 100], {2}),
    (["x*y*z*w", "--at", "x=1,y=1,z=1,w=1", "--order", "170"], {2}),
    (["x", "--at", "x=1", "--partial", "9" * 5000], {2}),
    (["x", "--at", "x=1", "--partial", "x" * 100_000], {2}),
    (["x", "--at", "x=1", "--digits", "9" * 5000], {2}),
    (["x", "--at", "x=9**9**9**9"], {2}),
    (["x", "--at", ",".join(f"x{i}=1" for i in range(10**4))], {2}),
]


@pytest.mark.parametrize("args, statuses", HOSTILE, ids=[repr(a[0][:30]) for a in HOSTILE])
def test_hostile_in_process(capsys, monkeypatch, tmp_path, args, statuses):
    monkeypatch.chdir(tmp_path)
    status, out, err = call(capsys, *args)
    assert status in statuses
    one_message(err)
    if status == 2:
        assert out == ""
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args, statuses",
    [
        (["__import__('os').system('touch pwned')", "--at", "x=1"], {2}),
        (["open('pwned', 'w')"], {2}),
        (["9**9**9**9"], {1, 2}),
        (["(" * 100_000], {2}),
        ([b"x\xff\xfe", "--at", "x=1"], {2}),
        (["x", "--at", "x=1", "--order", "100000"], {2}),
    ],
    ids=["import", "open", "power-tower", "parens", "non-utf8", "order"],
)
def test_hostile_subprocess(tmp_path, args, statuses):
    status, out, err = run(*args, cwd=tmp_path, timeout=10, raw=True)
    assert status in statuses
    one_message(err.decode("utf-8", "backslashreplace"))
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------- docs/cli.md
def doc_examples():
    """(line number, command, expected output) of each '$ ' line in the console blocks."""
    lines = DOC.read_text(encoding="utf-8").split("\n")
    out, block, i = [], False, 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```console"):
            block = True
        elif line.startswith("```"):
            block = False
        elif block and line.startswith("$ "):
            start, expected = i + 1, []
            i += 1
            while not lines[i].startswith("$ ") and not lines[i].startswith("```"):
                expected.append(lines[i])
                i += 1
            out.append((start, line[2:], expected))
            continue
        i += 1
    return out


EXAMPLES = doc_examples()


def test_doc_has_every_option():
    text = " ".join(cmd for _, cmd, _ in EXAMPLES)
    for option in [
        "--at",
        "--order",
        "--partial",
        "--taylor",
        "--format json",
        "--digits",
        "--help",
        "--version",
        "PYTHONIOENCODING=ascii",
    ]:
        assert option in text, option
    assert any(cmd.strip() == "python -m jets; echo $?" for _, cmd, _ in EXAMPLES)


def _same_line(want, got):
    """Equal, or want ends in ' ...' and got begins with the rest (the version line)."""
    if want.endswith(" ..."):
        return got.startswith(want[:-3])
    return got == want


def _matches(expected, got):
    """Line-by-line equality; a line '...' in expected stands for any rest, a line
    ending in ' ...' for any line that begins like it."""
    if "..." in expected:
        cut = expected.index("...")
        return [" ".join(s.split()) for s in got[:cut]] == [
            " ".join(s.split()) for s in expected[:cut]
        ]
    return len(got) == len(expected) and all(map(_same_line, expected, got))


@pytest.mark.parametrize(
    "line, command, expected", EXAMPLES, ids=[f"cli.md:{n}" for n, _, _ in EXAMPLES]
)
def test_doc_example(capsys, monkeypatch, line, command, expected):
    echo = command.endswith("; echo $?")
    if echo:
        command = command[: -len("; echo $?")]
    words = shlex.split(command)
    env = {}
    while re.fullmatch(r"[A-Z_]+=.*", words[0]):
        key, value = words.pop(0).split("=", 1)
        env[key] = value
    assert words[:3] == ["python", "-m", "jets"], command
    if env:  # an environment setting (the encoding) needs a real process
        p = subprocess.run(
            [sys.executable, "-m", "jets", *words[3:]],
            capture_output=True,
            env=dict(os.environ, COLUMNS="80", **env),
            timeout=20,
        )
        enc = env.get("PYTHONIOENCODING", "utf-8")
        status, out, err = p.returncode, p.stdout.decode(enc), p.stderr.decode(enc)
    else:  # in-process for speed, as `python -m jets` would name itself
        monkeypatch.setattr(sys, "argv", [str(ROOT / "jets" / "__main__.py")])
        monkeypatch.setenv("COLUMNS", "80")
        status, out, err = call(capsys, *words[3:])
    got = (out + err).rstrip("\n").split("\n") if (out + err).strip() else []
    if echo:
        got.append(str(status))
    assert _matches(expected, got), (
        f"docs/cli.md line {line}: {command}\n--- shown\n"
        + "\n".join(expected)
        + "\n--- printed\n"
        + "\n".join(got)
    )
