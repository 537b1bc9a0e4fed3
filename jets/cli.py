"""The command line: every partial derivative of a formula at a point.

    python -m jets "(x + 2*y)**3" --at x=4,y=3 --order 2 [--format json]

The formula goes through :mod:`jets.expr` (an ``ast`` whitelist, never
``eval``), the variables are seeded together with :func:`jets.variables`, and
the table or JSON is read back with ``Jet.partial`` / ``Jet.coefficient``.
Exit status: 0 when every printed value is finite, 1 when some value is not
(the values are still printed, and stderr names the operation that left its
domain), 2 for usage and parse errors.  No traceback ever reaches the user.
A one-sided choice at a kink (jets.OneSidedWarning) becomes a note on stderr.
"""

import argparse
import json
import keyword
import math
import os
import re
import sys
import textwrap
import warnings

import numpy as np

from .display import format_number
from .expr import (
    CONSTANTS,
    MAX_DEPTH,
    MAX_LENGTH,
    ExpressionError,
    compile_expression,
    did_you_mean,
    escape_controls,
    function_names,
    quote_text,
)
from .rules import RULES
from .space import count_coeffs, count_pairs

__all__ = ["main", "MAX_VARIABLES", "MAX_ORDER", "MAX_COEFFS", "MAX_WORK"]

#: Most variables one command may seed.
MAX_VARIABLES = 32
#: Highest derivative order: 171! overflows a double, so higher derivatives would be inf.
MAX_ORDER = 170
#: Most Taylor coefficients one jet may carry on the command line.
MAX_COEFFS = 10**6
#: Most (product pairs x variables) of the jet space: bounds the time to build
#: the space's tables and every product (about a second at the limit).
MAX_WORK = 10**7
#: Most (cost of EXPR in full jet products x product pairs of the space): bounds
#: the whole evaluation to a few seconds (Expression.work counts the squarings of a
#: power and the per-order products of gamma, lgamma and digamma).
MAX_TOTAL_WORK = 2 * 10**8
#: Longest --partial or --at argument, in characters.
MAX_ARG_LENGTH = 2 * MAX_LENGTH

_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
_UNICODE_PROBE = "∂·⁰¹²³⁴⁵⁶⁷⁸⁹"
_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

SHORT_USAGE = """\
usage: {prog} EXPR --at NAME=VALUE[,...] [--order K | --partial ALPHA ...]
       [--taylor] [--format {{table,json}}] [--digits N]

Every partial derivative of EXPR up to total order K (default 2) at a point:

  {prog} "x**3" --at x=4
  {prog} "(x + 2*y)**3" --at x=4,y=3 --order 2 --format json

'{prog} --help' shows all options and the functions EXPR may use."""

DESCRIPTION = """\
Evaluate EXPR and every partial derivative up to total order K at a point,
exactly (Taylor-mode automatic differentiation, no finite differences).

EXPR uses Python syntax: numbers (1, 2.5, 1e-3), variables, + - * / ** (not ^),
unary minus, parentheses, the constants pi, e and inf, and the functions
listed below by their numpy names or aliases (sin, arctan2/atan2, log1p, ...).
Put EXPR first, and quote it for the shell."""

EPILOG = """\
examples:
  {prog} "x**3" --at x=4
  {prog} "(x + 2*y)**3" --at x=4,y=3 --order 2
  {prog} "sin(x)*exp(y)" --at x=pi/4 --at y=0 --partial xxy --partial 1,1
  {prog} "log1p(x)" --at x=0 --order 4 --taylor --digits 6
  {prog} "atan2(y, x)" --at x=1,y=1 --format json

--partial ALPHA names one derivative: by variable names (xxy or x^2*y for
d3f/dx2dy, y for df/dy) or by an index tuple in the order of --at (2,1).

exit status: 0 every printed value is finite; 1 some value is not (the values
are still printed, and a line on stderr names the operation that left its
domain, e.g. "log: argument -1 is outside (0, inf)"); 2 usage or parse error.
A line "jets: note: ..." on stderr marks derivatives that hold on one side of
a kink only (abs at 0, see the guide); it does not change the exit status.

limits: EXPR up to {maxlen} characters and {maxdepth} levels of nesting; at most
{maxvars} variables; order at most {maxorder}; a bound on the jet size (lower --order
or use --partial when it is reached).

functions:
{functions}"""


class UsageError(Exception):
    """A usage problem (exit status 2); ``text``/``column`` locate it for a caret."""

    def __init__(self, message, text=None, column=None):
        super().__init__(message)
        self.message, self.text, self.column = message, text, column


class _Parser(argparse.ArgumentParser):
    """argparse, but errors become one-line UsageErrors instead of usage dumps."""

    def error(self, message):
        hint = ""
        m = re.search(r"unrecognized arguments: (-\S*)", message)
        if m and not m.group(1).startswith("--"):
            hint = (
                ": an expression that starts with '-' must follow '--', as in "
                f'{self.prog} --at x=1 -- "-x**2" (or write it as " -x**2")'
            )
        if len(message) > 200:  # argparse quotes the user's text: keep the line short
            message = message[:200] + "..."
        raise UsageError(
            message.encode("ascii", "backslashreplace").decode("ascii")
            + hint
            + f" (see {self.prog} --help)"
        )


def _function_list():
    items = []
    for name in sorted(RULES):
        rule = RULES[name]
        text = name
        if rule.aliases:
            text += " (" + ", ".join(rule.aliases) + ")"
        if rule.nargs > 1:
            text += f" [{rule.nargs} args]"
        if rule.extra == "special":
            text += " [scipy]"
        items.append(text)
    return textwrap.fill(
        ", ".join(items),
        width=78,
        initial_indent="  ",
        subsequent_indent="  ",
        break_on_hyphens=False,
    )


def _prog():
    argv0 = sys.argv[0] if sys.argv and sys.argv[0] else ""
    return "python -m jets" if argv0.endswith("__main__.py") else "jets"


def _build_parser(prog):
    from . import __version__

    fmt = dict(
        prog=prog, maxlen=MAX_LENGTH, maxdepth=MAX_DEPTH, maxvars=MAX_VARIABLES, maxorder=MAX_ORDER
    )
    usage = (
        "%(prog)s EXPR --at NAME=VALUE[,...] [--order K | --partial ALPHA ...]\n"
        "       [--taylor] [--format {table,json}] [--digits N]"
    )
    p = _Parser(
        prog=prog,
        usage=usage,
        description=DESCRIPTION,
        epilog=EPILOG.format(functions=_function_list(), **fmt),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    p.add_argument(
        "expr",
        metavar="EXPR",
        nargs="?",
        help='the formula, e.g. "(x + 2*y)**3" (quote it for the shell)',
    )
    p.add_argument(
        "--at",
        metavar="NAME=VALUE[,...]",
        action="append",
        default=[],
        help="the point: a value for each variable, e.g. --at x=4,y=3 or "
        "--at x=4 --at y=3; values may be constant expressions (x=pi/4). "
        "This order is the variables' order in the output",
    )
    p.add_argument(
        "--order",
        metavar="K",
        type=int,
        default=None,
        help="all partials of total order <= K (default 2)",
    )
    p.add_argument(
        "--partial",
        metavar="ALPHA",
        nargs="+",
        action="extend",
        default=[],
        help="only these partials: by names (xxy, x^2*y, y) or index tuples "
        "(2,1); instead of --order",
    )
    p.add_argument(
        "--taylor",
        action="store_true",
        help="print Taylor coefficients (derivative / alpha!) instead of derivatives",
    )
    p.add_argument(
        "--format",
        choices=("table", "json"),
        default="table",
        help="output format (default table); json holds both derivatives and coefficients",
    )
    p.add_argument(
        "--digits",
        metavar="N",
        type=int,
        default=None,
        help="significant digits of the printed values (default: the shortest "
        "text that reads back to the same float)",
    )
    p.add_argument("--version", action="version", version=f"jets {__version__}")
    return p


# ------------------------------------------------------------------ messages
def _say(stream, text):
    """Write text + newline, escaping control characters (user input echoed in a
    message must not drive the terminal) and what the stream's encoding cannot show."""
    text = escape_controls(text)
    try:
        stream.write(text + "\n")
    except UnicodeEncodeError:
        stream.write(text.encode("ascii", "backslashreplace").decode("ascii") + "\n")
    stream.flush()


def _report(ex):
    """One line 'jets: error: ...', plus the text and a caret when it is located."""
    message = " ".join(str(ex.message).split("\n"))
    _say(sys.stderr, f"jets: error: {message}")
    text, col = ex.text, ex.column
    if text is None or col is None or not all(" " <= c <= "~" for c in text):
        return
    width = 76
    start = 0
    if len(text) > width:
        start = max(0, min(col - width // 2, len(text) - width))
    shown = text[start : start + width]
    pre = "..." if start > 0 else ""
    post = "..." if start + width < len(text) else ""
    _say(sys.stderr, "  " + pre + shown + post)
    _say(sys.stderr, "  " + " " * (len(pre) + col - start) + "^")


def _quote(text, limit=40):
    return quote_text(text, limit, always=True)


def _unicode_ok(stream):
    enc = getattr(stream, "encoding", None) or "ascii"
    try:
        _UNICODE_PROBE.encode(enc)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


# --------------------------------------------------------------- the point
def _split_top(text, sep=","):
    """Split at `sep` outside parentheses: 'x=atan2(1,2),y=3' -> two items."""
    out, depth, cur = [], 0, []
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == sep and depth <= 0:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out


def _check_variable_name(name, where):
    if not _NAME_RE.match(name):
        raise UsageError(
            f"{where}: {_quote(name)} is not a variable name (ASCII letters, "
            f"digits and _, not starting with a digit)"
        )
    if keyword.iskeyword(name):
        raise UsageError(f"{where}: {name} is a Python keyword; choose another variable name")
    if name.startswith("__") or (name.startswith("_") and name.endswith("_")):
        raise UsageError(
            f"{where}: names like {name} (with surrounding underscores) are not allowed"
        )
    if name in CONSTANTS:
        raise UsageError(
            f"{where}: {name} is the constant {format_number(CONSTANTS[name])}; "
            f"choose another variable name"
        )


def _parse_point(at_args):
    """{name: float} from the --at arguments, in the order given."""
    items = []
    for arg in at_args:
        if len(arg) > MAX_ARG_LENGTH:
            raise UsageError(
                f"an --at argument is {len(arg)} characters long; the limit is {MAX_ARG_LENGTH}"
            )
        items.extend(s.strip() for s in _split_top(arg) if s.strip())
    if len(items) > MAX_VARIABLES:
        raise UsageError(f"--at gives {len(items)} variables; the limit is {MAX_VARIABLES}")
    point = {}
    for item in items:
        if "=" not in item:
            raise UsageError(f"--at expects NAME=VALUE, got {_quote(item)}: e.g. --at x=4,y=3")
        name, value = (s.strip() for s in item.split("=", 1))
        _check_variable_name(name, f"--at {_quote(item)}")
        if name in point:
            raise UsageError(f"--at gives {name} twice; give each variable one value")
        if not value:
            raise UsageError(f"--at {name}= has no value: write e.g. --at {name}=1")
        try:
            e = compile_expression(value)
            if e.names:
                raise UsageError(
                    f"the value of {name} must be a number or an expression of constants "
                    f"such as pi/4, but {_quote(value)} uses {e.names[0]}"
                )
            v, problem = e.evaluate({})
        except ExpressionError as ex:
            raise UsageError(
                f"in --at {name}={_quote(value, 30)[1:-1]}: {ex.message}", ex.text, ex.column
            ) from None
        v = float(v)
        if not math.isfinite(v):
            why = f" ({problem})" if problem else ""
            raise UsageError(
                f"the value of {name} is {format_number(v)}{why}: give a finite number"
            )
        point[name] = v
    return point


def _check_names(expr, point):
    used = set(expr.names)  # a set: thousands of --at names stay linear
    missing = [n for n in expr.names if n not in point]
    if missing:
        n = missing[0]
        if n in set(function_names()):
            raise UsageError(
                f"{n} is a function: call it as {n}(...), or give the "
                f"variable {n} a value with --at {n}=VALUE"
            )
        unused = [p for p in point if p not in used]
        hint = did_you_mean(n, unused + list(CONSTANTS) + function_names())
        them = ", ".join(missing)
        verb = "has no value" if len(missing) == 1 else "have no values"
        example = ",".join(f"{m}=..." for m in missing)
        raise UsageError(
            f"{them} {verb}{hint}: give {'it' if len(missing) == 1 else 'them'} with --at {example}"
        )
    unused = [p for p in point if p not in used]
    if unused:
        n = unused[0]
        raise UsageError(
            f"--at gives {n} a value, but the expression does not use {n}"
            f"{did_you_mean(n, list(expr.names)) or ' (a typo?)'}"
        )


# ------------------------------------------------------------ the partials
def _parse_alpha(text, names):
    """An index tuple from --partial: 'xxy', 'x^2*y', 'y' or '2,1'."""
    n = len(names)
    s = text.strip()
    if len(s) > MAX_ARG_LENGTH:
        raise UsageError(f"a --partial argument is {len(s)} characters long")
    if not s:
        raise UsageError("--partial needs a derivative, e.g. --partial xy or --partial 1,1")
    if n == 0:
        raise UsageError("--partial needs variables, and the expression has none")
    if re.fullmatch(r"\d+(\s*,\s*\d+)*", s):
        parts = [p.strip() for p in s.split(",")]
        if any(len(p) > 6 for p in parts):
            raise UsageError(f"--partial {_quote(s)}: the order is above the limit of {MAX_ORDER}")
        if len(parts) != n:
            raise UsageError(
                f"--partial {_quote(s)}: an index tuple needs one entry per "
                f"variable ({', '.join(names)}), got {len(parts)}"
            )
        return tuple(int(p) for p in parts)
    counts = [0] * n
    by_length = sorted(range(n), key=lambda i: -len(names[i]))
    power = re.compile(r"\s*(\^|\*\*)\s*(\d{1,6})")
    i = 0
    while i < len(s):
        if s[i] in " *":
            i += 1
            continue
        for j in by_length:
            if s.startswith(names[j], i):
                break
        else:
            raise UsageError(
                f"--partial {_quote(s)}: cannot read {_quote(s[i:], 20)}; write variable "
                f"names ({', '.join(names)}), e.g. xxy or x^2*y for d3f/dx2dy, or an index "
                f"tuple such as {','.join(['1'] * n)}"
            )
        i += len(names[j])
        m = power.match(s, i)
        k = 1
        if m:
            k, i = int(m.group(2)), m.end()
        counts[j] += k
    return tuple(counts)


def _factorial_overflows(order):
    caps = order if isinstance(order, tuple) else (order,)
    return sum(math.lgamma(c + 1) for c in caps) > math.log(sys.float_info.max)


def _check_size(n, order, how, operations=1):
    """Refuse a jet space (or an evaluation) too large for the command line,
    before building anything; `operations` is the evaluation's cost in full jet
    products (Expression.work)."""
    if _factorial_overflows(order):
        raise UsageError(
            f"{how} asks for derivatives whose factorial overflows a float "
            f"(171! > 1.8e308): the order limit is {MAX_ORDER}"
        )
    if n == 0:
        return
    ncoeffs = count_coeffs(n, order)
    work = count_pairs(n, order) * n
    if ncoeffs > MAX_COEFFS or work > MAX_WORK:
        s = "" if n == 1 else "s"
        raise UsageError(
            f"{how} with {n} variable{s} needs {ncoeffs} coefficients and "
            f"{count_pairs(n, order):.3g} product pairs, more than the command line allows: "
            f"lower the order, or ask only for the derivatives you need with --partial"
        )
    if operations * count_pairs(n, order) > MAX_TOTAL_WORK:
        raise UsageError(
            f"{how}: EXPR costs about {operations} jet products (a power a**n counts its "
            f"squarings, gamma/lgamma/digamma one product per order) on jets of {ncoeffs} "
            f"coefficients, more work than the command line allows: lower the order, use "
            f"--partial, or simplify EXPR"
        )


def _choose_order(n, alphas):
    """Smallest space holding every requested alpha: total degree or per-variable caps."""
    k = max(sum(a) for a in alphas)
    caps = tuple(max(a[i] for a in alphas) for i in range(n))
    if max(caps) > MAX_ORDER or k > 10**6:
        raise UsageError(f"--partial asks for a derivative of order {k}; the limit is {MAX_ORDER}")
    if count_coeffs(n, caps) < count_coeffs(n, k):
        return caps
    return k


def _partial_name(alpha, names, unicode):
    k = sum(alpha)
    if k == 0:
        return "f"
    if unicode:
        top = "∂f" if k == 1 else "∂" + str(k).translate(_SUPERSCRIPTS) + "f"
        bottom = "".join(
            "∂" + nm + (str(a).translate(_SUPERSCRIPTS) if a > 1 else "")
            for nm, a in zip(names, alpha, strict=False)
            if a
        )
    else:
        top = "df" if k == 1 else f"d{k}f"
        bottom = "".join(
            "d" + nm + ((("^" if nm[-1].isdigit() else "") + str(a)) if a > 1 else "")
            for nm, a in zip(names, alpha, strict=False)
            if a
        )
    return top + "/" + bottom


def _term_name(alpha, names, unicode):
    if sum(alpha) == 0:
        return "1"
    if unicode:
        return "·".join(
            "d" + nm + (str(a).translate(_SUPERSCRIPTS) if a > 1 else "")
            for nm, a in zip(names, alpha, strict=False)
            if a
        )
    return "*".join(
        "d" + nm + (f"^{a}" if a > 1 else "") for nm, a in zip(names, alpha, strict=False) if a
    )


# ------------------------------------------------------------------ output
def _text_number(v, digits):
    v = float(v)
    if digits is None or not math.isfinite(v):
        return format_number(v)
    s = f"{v:.{digits}g}"
    return "0" if s == "-0" else s


def _json_number(v, digits):
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if digits is not None:
        v = float(f"{v:.{digits}g}")
    if v.is_integer() and abs(v) < 2**53:
        return int(v)
    return v


#: a partial whose estimated error exceeds this fraction of it has fewer than
#: 6 trustworthy digits: the table marks it with a trailing "~"
_TRUST = 1e-6


def _untrusted(deriv, err):
    """True if fewer than 6 digits of `deriv` survive its estimated error `err`
    (errors below 1e-300, subnormal noise of exact zeros, never count).  A
    derivative that came out 0 with a nonzero error is untrusted: no digit of
    it can be certified (sin(x)/x at 1e-8 gives f' = 0 +- 3e-7, truth -3e-9)."""
    if not math.isfinite(deriv) or err < 1e-300:
        return False
    return not err <= _TRUST * abs(deriv)


def _error_number(v):
    """An error estimate rounded UP to 2 significant digits (JSON)."""
    v = float(v)
    if v < 1e-300 or not math.isfinite(v):  # (subnormal steps would underflow)
        return _json_number(v, None)
    step = 10.0 ** (math.floor(math.log10(v)) - 1)
    return float(f"{math.ceil(v / step) * step:.2g}")


def _table(expr_text, point, rows, taylor, digits, unicode):
    names = list(point)
    head = f"f = {expr_text}"
    if point:
        head += " at " + ", ".join(f"{n} = {format_number(v)}" for n, v in point.items())
    label = _term_name if taylor else _partial_name
    body = [("order", "term" if taylor else "partial", "coefficient" if taylor else "value")]
    for alpha, deriv, coef, err in rows:
        mark = "~" if _untrusted(deriv, err) else ""
        body.append(
            (
                str(sum(alpha)),
                label(alpha, names, unicode),
                _text_number(coef if taylor else deriv, digits) + mark,
            )
        )
    w0 = max(len(r[0]) for r in body)
    w1 = max(len(r[1]) for r in body)
    lines = [head] + [f"{a:<{w0}}  {b:<{w1}}  {c}" for a, b, c in body]
    return "\n".join(lines)


def _json(expr_text, point, order, rows, digits):
    """The JSON document: valid JSON (non-finite numbers as strings), one partial a line."""
    names = list(point)
    d = json.dumps
    head = [
        f'"expression": {d(expr_text)}',
        f'"variables": {d(names)}',
        f'"point": {d({n: _json_number(v, None) for n, v in point.items()})}',
        f'"order": {d(list(order) if isinstance(order, tuple) else order)}',
    ]
    parts = [
        d(
            {
                "index": list(alpha),
                "name": _partial_name(alpha, names, False),
                "derivative": _json_number(dv, digits),
                "coefficient": _json_number(cv, digits),
                "error": _error_number(ev),
            }
        )
        for alpha, dv, cv, ev in rows
    ]
    return (
        "{\n  "
        + ",\n  ".join(head)
        + ',\n  "partials": [\n    '
        + ",\n    ".join(parts)
        + "\n  ]\n}"
    )


# -------------------------------------------------------------------- main
def _evaluate(expr, env):
    """expr.evaluate(env) -> (result, problem, notes): `notes` are the lines
    'jets: note: abs is one-sided at this point (the branch a >= 0)', one per
    one-sided choice a non-smooth function made (jets.OneSidedWarning), in
    order and without repeats; no Python warning text reaches stderr."""
    import warnings

    from .rules import OneSidedWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result, problem = expr.evaluate(env)
    notes = [
        f"jets: note: {w.message.function} is one-sided at this point (the branch "
        f"{w.message.branch})"
        for w in caught
        if isinstance(w.message, OneSidedWarning)
    ]
    return result, problem, list(dict.fromkeys(notes))


def _run(argv, state):
    prog = _prog()
    if not argv:
        _say(sys.stderr, SHORT_USAGE.format(prog=prog))
        return 2
    parser = _build_parser(prog)
    argv, at_args = _take_at(argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as ex:  # --help and --version print and exit 0
        return ex.code if isinstance(ex.code, int) else 0
    args.at = at_args + args.at
    if args.expr is None:
        raise UsageError(f'missing EXPR: e.g. {prog} "x**3" --at x=4 (see {prog} --help)')
    if args.digits is not None and not 1 <= args.digits <= 17:
        raise UsageError(f"--digits must be between 1 and 17, got {args.digits}")
    if args.order is not None and args.partial:
        raise UsageError(
            "give either --order (all partials up to an order) or --partial (just these), not both"
        )
    if args.order is not None and args.order < 0:
        raise UsageError(f"--order must be >= 0, got {args.order}")
    if args.order is not None and args.order > MAX_ORDER:
        shown = str(args.order) if args.order < 10**12 else "(a huge number)"
        raise UsageError(
            f"--order {shown} is above the limit of {MAX_ORDER} (derivatives "
            f"of order 171 and up overflow a float: 171! > 1.8e308)"
        )

    expr = compile_expression(args.expr)
    point = _parse_point(args.at)
    _check_names(expr, point)
    names = list(point)
    n = len(names)

    if args.partial:
        alphas = list(dict.fromkeys(_parse_alpha(a, names) for a in args.partial))
        order = _choose_order(n, alphas)
        _check_size(
            n,
            order,
            "--partial " + " ".join(args.partial)[:40],
            expr.work(sum(order) if isinstance(order, tuple) else order),
        )
    else:
        order = 2 if args.order is None else args.order
        alphas = None
        _check_size(n, order, f"--order {order}", expr.work(order))

    state["phase"] = "evaluate"
    import jets

    env = (
        dict(
            zip(
                names,
                jets.variables([point[m] for m in names], order=order, track_error=True),
                strict=False,
            )
        )
        if n
        else {}
    )
    result, problem, notes = _evaluate(expr, env)

    if isinstance(result, jets.Jet):
        S = result.space
        if alphas is None:
            alphas = sorted(S.index, key=S.index.get)
        E = result.error() if result._err is not None else [0.0] * S.ncoeffs
        rows = [
            (
                a,
                float(result.partial(a)),
                float(result.coefficient(a)),
                float(E[S.index[a]]) * math.prod(math.factorial(k) for k in a),
            )
            for a in alphas
        ]
    else:  # no variable: a plain number, every derivative 0
        if alphas is None:
            alphas = (
                [()]
                if n == 0
                else sorted(jets.space(n, order).index, key=jets.space(n, order).index.get)
            )
        value = float(result)
        rows = [
            (a, value if sum(a) == 0 else 0.0, value if sum(a) == 0 else 0.0, 0.0) for a in alphas
        ]

    text = args.expr.strip()
    if args.format == "json":
        out = _json(text, point, order, rows, args.digits)
        finite = all(math.isfinite(d) and math.isfinite(c) for _, d, c, _ in rows)
    else:
        out = _table(text, point, rows, args.taylor, args.digits, _unicode_ok(sys.stdout))
        finite = all(math.isfinite(c if args.taylor else d) for _, d, c, _ in rows)
    _say(sys.stdout, out)
    for note in notes:
        _say(sys.stderr, note)
    uni = _unicode_ok(sys.stderr)
    lost = [
        _partial_name(a, names, uni) for a, d, _, e in rows if math.isfinite(d) and _untrusted(d, e)
    ]
    if lost:
        _say(
            sys.stderr,
            f"jets: warning: fewer than 6 trustworthy digits (estimated rounding "
            f"error, marked ~ in the table): {', '.join(lost)}",
        )
    if finite:
        return 0
    _say(sys.stderr, f"jets: {problem or 'the result is not finite'}")
    return 1


def _take_at(argv):
    """(argv without the --at options, their values in order): argparse takes
    quadratic time over thousands of repeated options, this one pass is linear.
    Stops at '--'; a trailing --at without a value is left for argparse."""
    rest, values = [], []
    i, n = 0, len(argv)
    while i < n:
        a = argv[i]
        if a == "--":
            rest.extend(argv[i:])
            break
        if a == "--at" and i + 1 < n and not argv[i + 1].startswith("--"):
            values.append(argv[i + 1])
            i += 2
            continue
        if a.startswith("--at="):
            values.append(a[len("--at=") :])
        else:
            rest.append(a)
        i += 1
    return rest, values


def main(argv=None):
    """Run the command line on ``argv`` (default ``sys.argv[1:]``); return the exit status.

    0: every printed value is finite; 1: some value is not (or the evaluation
    failed); 2: usage or parse error.  Messages go to stderr, one line each
    (plus the expression and a caret for syntax errors), never a traceback.
    """
    if argv is None:
        argv = sys.argv[1:]
    state = {"phase": "parse"}
    try:
        # no Python warning ever reaches stderr (overflow in a derivative is
        # reported by the exit status and one line naming the operation)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return _run(list(argv), state)
    except (UsageError, ExpressionError) as ex:
        _report(ex)
        return 2
    except KeyboardInterrupt:
        _say(sys.stderr, "jets: interrupted")
        return 130
    except BrokenPipeError:
        try:  # the reader went away (| head): stop quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        return 1
    except Exception as ex:  # noqa: BLE001 - the last line of defence: one line, no traceback
        code = 1 if state["phase"] == "evaluate" else 2
        what = "the evaluation failed" if code == 1 else "cannot run"
        detail = " ".join(str(ex).split()) or type(ex).__name__
        try:
            _say(sys.stderr, f"jets: error: {what}: {detail[:300]}")
        except Exception:  # noqa: BLE001
            pass
        return code
