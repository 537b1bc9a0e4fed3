"""jets.expr: the whitelist, the limits, and evaluation through the rule table."""

import ast
import math

import numpy as np
import pytest
import sympy as sp

import jets
from jets import expr as E
from jets.expr import ExpressionError, compile_expression
from jets.rules import ALIASES, RULES


def value(text, **point):
    names = list(point)
    seeds = jets.variables([point[n] for n in names], order=3) if names else []
    env = dict(zip(names, seeds, strict=True))
    return compile_expression(text).evaluate(env)


def test_never_eval_exec_compile():
    """The module parses with ast.parse and never calls eval/exec/compile."""
    tree = ast.parse(open(E.__file__).read())
    called = {
        n.func.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
    }
    assert not called & {"eval", "exec", "compile", "__import__", "getattr"}


def test_names_in_order_of_appearance_and_constants():
    e = compile_expression("y*sin(x) + pi*y + e**inf*0")
    assert e.names == ("y", "x")


def test_function_names_are_the_rule_table():
    assert set(E.function_names()) == set(RULES) | set(ALIASES)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("x.real", "attribute access"),
        ("x[0]", "subscripts"),
        ("lambda: 0", "lambda"),
        ("[x for x in y]", "comprehensions"),
        ("x if y else 1", "conditional"),
        ("x < 1", "comparisons"),
        ("x and y", "and/or"),
        ("'a'", "strings"),
        ("b'a'", "strings"),
        ("1j", "complex"),
        ("True", "True"),
        ("None", "None"),
        ("...", "..."),
        ("(x, y)", "tuples"),
        ("{1: 2}", "dicts"),
        ("{1}", "sets"),
        ("(y := 2)", ":="),
        ("f'{x}'", "f-strings"),
        ("sin(*x)", "starred"),
        ("sin(x=1)", "keyword"),
        ("__x", "underscores"),
        ("_x_(1)", "underscores"),
        ("x // 2", "floor"),
        ("x % 2", "remainder"),
        ("x @ y", "matrix"),
        ("x | y", "|"),
        ("not x", "'not'"),
        ("~x", "~"),
        ("sin(x)(y)", "only functions called by name"),
        ("atan2(x)", "takes 2 arguments"),
        ("sin(x, y)", "takes 1 argument"),
        ("pi(2)", "constant, not a function"),
        ("foo(x)", "unknown function"),
    ],
)
def test_whitelist_refusals(text, fragment):
    with pytest.raises(ExpressionError) as info:
        compile_expression(text)
    assert fragment in info.value.message
    assert "\n" not in info.value.message


def test_did_you_mean():
    with pytest.raises(ExpressionError) as info:
        compile_expression("arctna(x)")
    assert "did you mean arctan" in info.value.message
    with pytest.raises(ExpressionError) as info:
        compile_expression("qqqq(x)")
    assert "did you mean" not in info.value.message


@pytest.mark.parametrize(
    "text, column", [("x^2", 1), ("  x ^ 2", 4), ("sin(x", 3), ("x +* 2", 3), ("x // 2", 2)]
)
def test_located_errors(text, column):
    with pytest.raises(ExpressionError) as info:
        compile_expression(text)
    assert info.value.column is not None
    # the caret points at the offending character of the text shown
    shown = info.value.text
    assert shown[info.value.column] in "^(*/" or info.value.column == len(shown)
    if text.strip().startswith("x ^") or text == "x^2":
        assert "**" in info.value.message


@pytest.mark.parametrize(
    "text",
    [
        "(" * 101 + "x" + ")" * 101,  # bracket depth, checked before parsing
        "-" * 150 + "x",  # nested signs
        "x**" * 150 + "x",  # nested powers
        "sin(" * 60 + "cos(" * 60 + "x" + ")" * 120,
        "x" * (E.MAX_LENGTH + 1),
        "x**" * 3000 + "x",  # the parser's own MemoryError
        "+".join(["x"] * 5000),  # the parser's own RecursionError
        "(" * 1000,
    ],
)
def test_limits(text):
    with pytest.raises(ExpressionError) as info:
        compile_expression(text)
    assert "\n" not in info.value.message


def test_flat_sums_and_products_are_one_level():
    n = 2000
    r, _ = value("+".join(["x"] * n), x=0.5)
    assert r.partial((1,)) == n
    r, _ = value("*".join(["x"] * 300), x=1.0)
    assert r.partial((1,)) == 300
    r, _ = value("-".join(["x"] * 500) + "/2/2", x=1.0)  # x - x - ... - (x/2/2)
    assert r.value == 1 - 498 - 0.25


def test_left_associativity_matches_python():
    for text in [
        "10 - 4 - 3",
        "64 / 4 / 2",
        "2 ** 3 ** 2",
        "-2 ** 2",
        "2 * 3 / 4 * 5",
        "1 - 2 + 3 - 4",
        "(1 - 2) * -3 ** 2 / 7",
    ]:
        r, problem = compile_expression(text).evaluate({})
        assert float(r) == pytest.approx(float(sp.sympify(text))), text
        assert problem is None


def test_integer_powers_are_exact_at_zero():
    r, problem = value("x**3", x=0.0)
    assert [float(r.partial((k,))) for k in range(4)] == [0, 0, 0, 6]
    assert problem is None
    r, problem = value("x**2.0 + x**(6/2)", x=0.0)
    assert [float(r.partial((k,))) for k in range(4)] == [0, 0, 2, 6]


def test_constant_folding_bombs_are_floats():
    r, problem = compile_expression("9**9**9**9").evaluate({})
    assert r == math.inf and problem.startswith("power:")
    r, problem = compile_expression("-(10**10**10)").evaluate({})
    assert r == -math.inf


def test_huge_integer_literal():
    with pytest.raises(ExpressionError, match="too large for a float"):
        compile_expression("1" + "0" * 400)


@pytest.mark.parametrize(
    "text, point, message",
    [
        ("log(x)", {"x": -1.0}, "log: argument -1 is outside (0, inf)"),
        ("sqrt(x)", {"x": 0.0}, "sqrt: argument 0 is outside (0, inf)"),
        ("1/x", {"x": 0.0}, "divide: division by zero (1 / 0)"),
        ("x**0.5", {"x": -2.0}, "power: base -2 with the non-integer exponent 0.5"),
        ("arcsin(x)", {"x": 2.0}, "arcsin: argument 2 is outside (-1, 1)"),
        (
            "atan2(x, y)",
            {"x": 0.0, "y": 0.0},
            "arctan2: arguments y = 0, x = 0 are not in the domain",
        ),
        ("exp(x)", {"x": 1000.0}, "exp: the value overflows to inf at argument 1000"),
        ("sqrt(1) + log(x)", {"x": -3.0}, "log: argument -3"),  # the culprit, not sqrt
        ("x + inf", {"x": 1.0}, "the constant inf is not finite"),
    ],
)
def test_problem_names_the_culprit(text, point, message):
    _, problem = value(text, **point)
    assert problem is not None and problem.startswith(message), problem


def test_no_problem_when_finite():
    _, problem = value("sqrt(x)*log(x)", x=2.0)
    assert problem is None


def test_every_rule_reaches_the_engine():
    """Each name (and alias) evaluates to exactly what jets.rules.apply gives."""
    pytest.importorskip("scipy")
    x, y, z = jets.variables([0.3, 0.6, 0.9], order=2)
    args = {1: "x", 2: "x, y", 3: "x, y, z"}
    for name in E.function_names():
        rule = RULES[ALIASES.get(name, name)]
        call, jargs = args[rule.nargs], [x, y, z][: rule.nargs]
        if rule.kind == "composition" and rule.nargs == 2:  # a plain order: jv(2, x)
            call, jargs = "2, x", [2, x]
        r, _ = compile_expression(f"{name}({call})").evaluate({"x": x, "y": y, "z": z})
        want = jets.jet.apply(rule.name, *jargs)
        np.testing.assert_array_equal(r.coeffs, want.coeffs, err_msg=name)
