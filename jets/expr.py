"""Safe expression compiler for the command line: text -> checked tree -> value.

The text is parsed with :func:`ast.parse` and the tree is checked against a
whitelist (numbers, names, ``+ - * / **``, unary minus, calls of the rule
table's functions by name).  Evaluation walks the checked tree and calls
:func:`jets.rules.apply`, so ``sin(x)`` here reaches the same rule as
``np.sin(jet)``.  Nothing is ever passed to ``eval``/``exec``/``compile``.

Limits are checked before the parser runs where the parser itself could
misbehave (length, bracket depth) and on the tree before anything recursive
touches it (nesting depth), so hostile input ends with an
:class:`ExpressionError` at once.
"""

import ast
import difflib
import math
import re
import warnings

import numpy as np

from .jet import Jet, apply
from .rules import ALIASES, RULES

__all__ = [
    "ExpressionError",
    "Expression",
    "compile_expression",
    "function_names",
    "CONSTANTS",
    "MAX_LENGTH",
    "MAX_DEPTH",
]

#: Longest expression accepted, in characters.
MAX_LENGTH = 10_000
#: Deepest nesting accepted: brackets, calls, unary signs, powers, and sums or
#: products inside other operations (a flat sum ``a + b + c + ...`` is one level).
MAX_DEPTH = 100
#: Integer exponents up to this size go to the jet ``**`` as Python ints (exact
#: repeated multiplication, right at a zero base); larger ones stay floats.
MAX_INT_EXPONENT = 2**53

#: Named constants; any other bare name is a variable.
CONSTANTS = {"pi": math.pi, "e": math.e, "inf": math.inf}

_HINT = "use numbers, variables, + - * / **, parentheses and functions such as sin(x)"

_OPS = {
    ast.Add: "add",
    ast.Sub: "subtract",
    ast.Mult: "multiply",
    ast.Div: "divide",
    ast.Pow: "power",
}
_CHAIN = {ast.Add: "sum", ast.Sub: "sum", ast.Mult: "product", ast.Div: "product"}
_BAD_OPS = {
    ast.BitXor: "^ is not a power in Python syntax: use ** (x**2)",
    ast.FloorDiv: "// (floor division) is not supported: use floor(a / b)",
    ast.Mod: "% (remainder) is not supported",
    ast.MatMult: "@ (matrix product) is not supported",
    ast.LShift: "<< is not supported",
    ast.RShift: ">> is not supported",
    ast.BitOr: "| is not supported",
    ast.BitAnd: "& is not supported",
}
_NODE_WORDS = {
    ast.Attribute: "attribute access is",
    ast.Subscript: "subscripts are",
    ast.Lambda: "lambda is",
    ast.IfExp: "conditional expressions (a if c else b) are",
    ast.Compare: "comparisons are",
    ast.BoolOp: "and/or are",
    ast.ListComp: "comprehensions are",
    ast.SetComp: "comprehensions are",
    ast.DictComp: "comprehensions are",
    ast.GeneratorExp: "generator expressions are",
    ast.List: "lists are",
    ast.Tuple: "tuples are",
    ast.Set: "sets are",
    ast.Dict: "dicts are",
    ast.NamedExpr: "assignments (:=) are",
    ast.JoinedStr: "f-strings are",
    ast.FormattedValue: "f-strings are",
    ast.Starred: "starred (*) arguments are",
    ast.Await: "await is",
    ast.Yield: "yield is",
    ast.YieldFrom: "yield is",
    ast.Slice: "slices are",
}


class ExpressionError(ValueError):
    """A bad expression: ``message`` says what and how to fix it.

    ``text`` and ``column`` (0-based), when set, locate the problem so that the
    command line can draw a caret under it.
    """

    def __init__(self, message, text=None, column=None):
        super().__init__(message)
        self.message = message
        self.text = text
        self.column = column


def function_names():
    """Every callable name: the rule table's names and their aliases, sorted."""
    return sorted(set(RULES) | set(ALIASES))


def did_you_mean(name, candidates):
    """' (did you mean a, b or c?)' for close matches of name, or ''.  A name of
    one letter (a variable, almost always) gets no suggestion: y is not a typo
    of yv."""
    if len(name) < 2:
        return ""
    close = difflib.get_close_matches(name, list(candidates), n=3, cutoff=0.6)
    if not close:
        return ""
    text = close[0] if len(close) == 1 else ", ".join(close[:-1]) + " or " + close[-1]
    return f" (did you mean {text}?)"


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def escape_controls(text, keep="\n"):
    """Text with every control character (C0, DEL, C1; `keep` excepted) written
    as a visible \\xNN escape, so user input echoed to a terminal cannot move
    the cursor, ring the bell or start an escape sequence."""
    return _CONTROL.sub(
        lambda m: m.group() if m.group() in keep else f"\\x{ord(m.group()):02x}", text
    )


def quote_text(text, limit=40, always=False):
    """Text for an error message: shortened, control characters and non-ASCII
    escaped, and single-quoted (unless it holds quotes itself and not `always`)."""
    text = text if len(text) <= limit else text[: limit - 3] + "..."
    text = escape_controls(text, keep="").encode("ascii", "backslashreplace").decode("ascii")
    return text if (not always and ("'" in text or '"' in text)) else "'" + text + "'"


# ---------------------------------------------------------------- the tree
class Num:
    """A constant: ``value`` (float) and the text it came from."""

    __slots__ = ("value", "label")

    def __init__(self, value, label):
        self.value, self.label = value, label


class Var:
    """A variable, looked up by name at evaluation."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name


class Call:
    """A rule applied to argument nodes (operators are rules too)."""

    __slots__ = ("rule", "args")

    def __init__(self, rule, args):
        self.rule, self.args = rule, args


class Chain:
    """A left-associative run ``first op1 a1 op2 a2 ...`` of + - or * /,
    kept flat so that long sums do not nest."""

    __slots__ = ("first", "rest")

    def __init__(self, first, rest):
        self.first, self.rest = first, rest


# ------------------------------------------------------------- prechecks
def _precheck(text):
    if not isinstance(text, str):
        raise ExpressionError(f"the expression must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression is {len(text)} characters long; the limit is {MAX_LENGTH}"
        )
    if not text.strip():
        raise ExpressionError("the expression is empty: write one such as 'sin(x)*y'")
    for i, ch in enumerate(text):
        if ch == "^":
            raise ExpressionError("^ is not a power here: use ** (x**2, not x^2)", text, i)
        if ch == "#":
            raise ExpressionError(
                "comments are not allowed in an expression: remove the # and what follows it",
                text,
                i,
            )
        if not (" " <= ch <= "~"):
            raise ExpressionError(
                f"the expression has the character {ch!a} (U+{ord(ch):04X}) at column "
                f"{i + 1}: only ASCII letters, digits, spaces and + - * / ( ) , . are used"
            )
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
            if depth > MAX_DEPTH:
                raise ExpressionError(
                    f"brackets are nested more than {MAX_DEPTH} deep "
                    f"(at column {i + 1}); simplify the expression"
                )
        elif ch in ")]}":
            depth -= 1


def _parse(text):
    lead = len(text) - len(text.lstrip())  # ast.parse refuses leading blanks (indent)
    try:
        with warnings.catch_warnings():  # e.g. SyntaxWarning for '1if x': never printed
            warnings.simplefilter("ignore")
            return ast.parse(text[lead:], mode="eval")
    except SyntaxError as ex:
        msg = (ex.msg or "invalid syntax").split("\n")[0]
        if "integer string conversion" in msg:  # Python's digit limit on int literals
            raise ExpressionError(
                "a number in the expression has more than 4300 digits, far too large for a float"
            ) from None
        col = (ex.offset - 1 + lead) if ex.offset and (ex.lineno in (None, 1)) else None
        if col is not None:
            col = max(0, min(col, len(text)))
        raise ExpressionError(f"syntax error: {msg}", text, col) from None
    except (RecursionError, MemoryError):
        raise ExpressionError(
            "the expression is too long or nested too deeply for Python's parser; simplify it"
        ) from None
    except ValueError as ex:  # e.g. null bytes (already rejected) or digit limits
        raise ExpressionError(f"cannot parse the expression: {ex}") from None


def _same_chain(parent, child):
    return (
        isinstance(parent, ast.BinOp)
        and isinstance(child, ast.BinOp)
        and child is parent.left
        and _CHAIN.get(type(parent.op)) is not None
        and _CHAIN.get(type(parent.op)) == _CHAIN.get(type(child.op))
    )


def _check_depth(tree):
    """Nesting depth of the tree, without recursion; raise past MAX_DEPTH."""
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError(
                f"the expression is nested more than {MAX_DEPTH} levels deep; simplify it"
            )
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.expr_context, ast.operator, ast.unaryop)):
                continue
            stack.append((child, depth if _same_chain(node, child) else depth + 1))


# ------------------------------------------------------------ conversion
class _Converter:
    """ast -> (Num | Var | Call | Chain), enforcing the whitelist."""

    def __init__(self, text):
        self.text = text
        self.names = {}  # variable name -> None, in order of appearance
        self.operations = 0  # rule calls the evaluation will make

    def snippet(self, node):
        seg = ast.get_source_segment(self.text, node) or type(node).__name__
        return quote_text(seg)

    def convert(self, node):
        if isinstance(node, ast.Expression):
            return self.convert(node.body)
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                self.operations += 1
                return Call("negative", [self.convert(node.operand)])
            if isinstance(node.op, ast.UAdd):
                return self.convert(node.operand)
            word = "'not'" if isinstance(node.op, ast.Not) else "~"
            raise ExpressionError(f"{word} is not allowed in an expression: {_HINT}")
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        word = _NODE_WORDS.get(type(node), f"{type(node).__name__} is")
        raise ExpressionError(
            f"{word} not allowed in an expression ({self.snippet(node)}): {_HINT}"
        )

    def constant(self, node):
        v = node.value
        label = ast.get_source_segment(self.text, node) or repr(v)
        if isinstance(v, bool) or v is None or v is Ellipsis:
            raise ExpressionError(f"{label} is not allowed in an expression: {_HINT}")
        if isinstance(v, int):
            try:
                return Num(float(v), label)
            except OverflowError:
                raise ExpressionError(
                    f"the integer {quote_text(label, 30)} ({len(str(v))} "
                    f"digits) is too large for a float (max ~1.8e308)"
                ) from None
        if isinstance(v, float):
            return Num(v, label)
        if isinstance(v, complex):
            raise ExpressionError(
                f"complex numbers ({quote_text(label)}) are not supported: "
                f"jets evaluates real expressions here"
            )
        if isinstance(v, (str, bytes)):
            raise ExpressionError(
                f"strings ({quote_text(label)}) are not allowed in an expression: {_HINT}"
            )
        raise ExpressionError(f"the constant {quote_text(label)} is not allowed: {_HINT}")

    def check_name(self, name):
        if name.startswith("__") or (name.startswith("_") and name.endswith("_")):
            raise ExpressionError(
                f"names like {quote_text(name)} (with surrounding underscores) are not allowed"
            )

    def name(self, node):
        self.check_name(node.id)
        if node.id in CONSTANTS:
            return Num(CONSTANTS[node.id], node.id)
        self.names.setdefault(node.id, None)
        return Var(node.id)

    def binop(self, node):
        op = type(node.op)
        if op in _BAD_OPS:
            col = self.operator_column(node)
            raise ExpressionError(_BAD_OPS[op], self.text if col is not None else None, col)
        if op not in _OPS:
            raise ExpressionError(f"the operator in {self.snippet(node)} is not supported: {_HINT}")
        if op is ast.Pow:
            self.operations += 1
            return Call("power", [self.convert(node.left), self.convert(node.right)])
        # walk the left spine of a + - (or * /) run iteratively: long sums stay flat
        kind = _CHAIN[op]
        rest = []
        cur = node
        while isinstance(cur, ast.BinOp) and _CHAIN.get(type(cur.op)) == kind:
            rest.append((_OPS[type(cur.op)], cur.right))
            cur = cur.left
        first = self.convert(cur)
        self.operations += len(rest)
        return Chain(first, [(rule, self.convert(r)) for rule, r in reversed(rest)])

    def operator_column(self, node):
        """Column of the operator of a BinOp (between its operands), if found."""
        try:
            lo, hi = node.left.end_col_offset, node.right.col_offset
        except AttributeError:
            return None
        if lo is None or hi is None or node.lineno != node.end_lineno:
            return None
        gap = self.text[lo:hi]
        m = re.search(r"[^\s()]", gap)
        return lo + m.start() if m else None

    def call(self, node):
        func = node.func
        if not isinstance(func, ast.Name):
            if isinstance(func, ast.Attribute):
                raise ExpressionError(
                    f"attribute access ({self.snippet(func)}) is not "
                    f"allowed in an expression: {_HINT}"
                )
            raise ExpressionError(
                f"only functions called by name can be called, not {self.snippet(func)}: {_HINT}"
            )
        name = func.id
        self.check_name(name)
        if name not in RULES and name not in ALIASES:
            if name in CONSTANTS:
                raise ExpressionError(
                    f"{name} is a constant, not a function: write {name}*(...) to multiply"
                )
            raise ExpressionError(
                f"unknown function {quote_text(name)}"
                f"{did_you_mean(name, function_names())}; "
                f"python -m jets --help lists the functions"
            )
        rule = RULES[ALIASES.get(name, name)]
        if node.keywords:
            kw = node.keywords[0]
            raise ExpressionError(
                f"keyword arguments ({self.snippet(kw)}) are not allowed: "
                f"write {name}(...) with positional arguments"
            )
        for a in node.args:
            if isinstance(a, ast.Starred):
                raise ExpressionError(
                    f"starred arguments ({self.snippet(a)}) are not allowed: {_HINT}"
                )
        if len(node.args) != rule.nargs:
            s = "" if rule.nargs == 1 else "s"
            raise ExpressionError(
                f"{name} takes {rule.nargs} argument{s}, got "
                f"{len(node.args)} in {self.snippet(node)}"
            )
        if rule.extra == "special":
            try:
                import scipy.special  # noqa: F401
            except ImportError:
                raise ExpressionError(
                    f"{name} needs scipy: install it with pip install 'jets[special]'"
                ) from None
        self.operations += 1
        return Call(rule.name, [self.convert(a) for a in node.args])


def compile_expression(text):
    """Parse and check ``text``; return an :class:`Expression` ready to evaluate.

    Raises :class:`ExpressionError` (a ValueError) for anything outside the
    whitelist or the limits, with a message that says what to change.
    """
    _precheck(text)
    tree = _parse(text)
    _check_depth(tree)
    conv = _Converter(text.lstrip())
    root = conv.convert(tree)
    return Expression(text, root, tuple(conv.names), conv.operations)


# ------------------------------------------------------------ evaluation
def _as_float(v):
    """A scalar argument or value as a Python float (for messages and checks)."""
    if isinstance(v, Jet):
        v = v.value
    return float(np.asarray(v, dtype=float).reshape(-1)[0]) if np.size(v) else float("nan")


def _finite(v):
    arr = v.coeffs if isinstance(v, Jet) else np.asarray(v)
    return bool(np.all(np.isfinite(arr)))


def _number(v):
    from .display import format_number

    return format_number(float(v))


#: names for the arguments of two-argument rules in domain messages
_ARG_NAMES = {
    "divide": ("dividend", "divisor"),
    "power": ("base", "exponent"),
    "arctan2": ("y", "x"),
}


def _domain_message(rule, values):
    """'log: argument -1 is outside (0, inf)' and its kin for a call outside its domain."""
    name, text = rule.name, rule.domain_text
    if name == "divide":
        return f"divide: division by zero ({_number(values[0])} / {_number(values[1])})"
    if name == "power":
        return (
            f"power: base {_number(values[0])} with the non-integer exponent "
            f"{_number(values[1])}: the base must be > 0"
        )
    interval = re.fullmatch(r"[(\[][^()\[\]]*[)\]]", text)
    where = f"outside {text}" if interval else f"not in the domain ({text})"
    if len(values) == 1:
        return f"{name}: argument {_number(values[0])} is {where}"
    labels = _ARG_NAMES.get(name, tuple("abc"[: len(values)]))
    args = ", ".join(f"{n} = {_number(v)}" for n, v in zip(labels, values, strict=False))
    return f"{name}: arguments {args} are {where}"


def _overflow_message(rule, values, out):
    v = _as_float(out)
    what = (
        "a derivative is not finite"
        if math.isfinite(v)
        else "the value is nan"
        if math.isnan(v)
        else f"the value overflows to {v}"
    )
    labels = _ARG_NAMES.get(rule.name, ("a", "b", "c")) if len(values) > 1 else ("argument",)
    args = ", ".join(f"{n} {_number(v)}" for n, v in zip(labels, values, strict=False))
    return f"{rule.name}: {what} at {args}"


#: Cost in full jet products of one call, by the rule's kind (see rules.Rule):
#: the recurrences run about two products' worth of degree steps.
_KIND_COST = {"linear": 1, "zero": 1, "recurrence": 2, "derivative": 3}
#: Functions that compose with a Taylor series: one product per degree.
_SERIES = {"digamma", "lgamma", "gamma"}


def _has_var(node):
    stack = [node]
    while stack:
        n = stack.pop()
        if isinstance(n, Var):
            return True
        if isinstance(n, Chain):
            stack.append(n.first)
            stack.extend(a for _, a in n.rest)
        elif isinstance(n, Call):
            stack.extend(n.args)
    return False


def power_cost(p):
    """Full products that ``jet ** p`` costs for a constant exponent p: repeated
    squaring takes up to 2 log2|n| for an integer n (plus a quotient when n < 0),
    up to rules.MAX_SQUARING_EXPONENT; the real-power recurrence about 3."""
    from .rules import MAX_SQUARING_EXPONENT

    p = float(p)
    if not math.isfinite(p) or not p.is_integer() or abs(p) > MAX_SQUARING_EXPONENT:
        return 3
    n = abs(int(p))
    return max(1, 2 * n.bit_length()) + (2 if p < 0 else 0)


class Expression:
    """A checked expression: ``text``, the tree, ``names`` (its variables, in
    order of first appearance) and ``operations`` (how many rule calls it makes)."""

    def __init__(self, text, root, names, operations=0):
        self.text, self.root, self.names = text, root, names
        self.operations = operations

    def work(self, degree):
        """The evaluation's cost in full jet products at truncation degree
        `degree`, counted before anything runs: an operator or a recurrence 1-3,
        ``a ** n`` up to 2 log2|n| (the squarings), gamma/lgamma/digamma one
        product per degree.  The command line multiplies it by the space's pair
        count to refuse input that would run for long."""
        total = 0
        stack = [self.root]
        while stack:
            node = stack.pop()
            if isinstance(node, Chain):
                total += sum(1 if rule in ("add", "subtract") else 2 for rule, _ in node.rest)
                stack.append(node.first)
                stack.extend(a for _, a in node.rest)
            elif isinstance(node, Call):
                stack.extend(node.args)
                if node.rule == "power":
                    base, expo = node.args
                    if _has_var(expo):
                        total += 5  # exp(b log a)
                    elif _has_var(base):
                        with np.errstate(all="ignore"):
                            total += power_cost(_Evaluator({}).eval(expo))
                elif node.rule in _SERIES:
                    total += degree + 4
                else:
                    total += _KIND_COST.get(RULES[node.rule].kind, degree + 2)
        return total

    def evaluate(self, env):
        """Value of the expression with variables from ``env`` (name -> Jet or number).

        Returns ``(result, problem)``: result is a Jet (or a numpy float when no
        variable is involved); ``problem`` is None, or one line naming the first
        operation that turned finite input into a non-finite result (``log:
        argument -1 is outside (0, inf)``).
        """
        missing = [n for n in self.names if n not in env]
        if missing:
            raise ExpressionError(f"no value for {', '.join(missing)}")
        ev = _Evaluator(env)
        with np.errstate(all="ignore"):
            result = ev.eval(self.root)
        return result, ev.problem


class _Evaluator:
    def __init__(self, env):
        self.env = env
        self.problem = None

    def eval(self, node):
        if isinstance(node, Num):
            if self.problem is None and not math.isfinite(node.value):
                extra = "" if node.label == repr(node.value) else f" ({node.value})"
                self.problem = f"the constant {node.label} is not finite{extra}"
            return np.float64(node.value)
        if isinstance(node, Var):
            return self.env[node.name]
        if isinstance(node, Chain):
            acc = self.eval(node.first)
            for rule, arg in node.rest:
                acc = self.call(rule, [acc, self.eval(arg)])
            return acc
        args = [self.eval(a) for a in node.args]
        if node.rule == "power" and isinstance(args[0], Jet) and not isinstance(args[1], Jet):
            p = float(args[1])
            if math.isfinite(p) and p.is_integer() and abs(p) <= MAX_INT_EXPONENT:
                args[1] = int(p)  # exact repeated multiplication, right at a zero base
        return self.call(node.rule, args)

    def call(self, name, args):
        rule = RULES[name]
        out = apply(name, *args)
        if self.problem is None and not _finite(out) and all(_finite(a) for a in args):
            values = [_as_float(a) for a in args]
            inside = True
            if rule.domain is not None:
                inside = bool(np.all(rule.domain(*[np.float64(v) for v in values])))
            self.problem = (
                _domain_message(rule, values)
                if not inside
                else _overflow_message(rule, values, out)
            )
        return out
