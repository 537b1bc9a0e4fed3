"""Every example in the docs runs, and the generated docs are up to date.

* Each ```python fenced block of README.md and docs/*.md is a doctest
  (``>>> `` prompts, expected output below). The blocks of one file run in
  order in one fresh namespace, like a reader following the page; nothing is
  pre-imported, so every page imports what it uses. A ```python block without
  any ``>>>`` example fails: it would never be checked (use ```text or
  ```bash for code that is not meant to run). A page whose examples need an optional
  library names it in a comment, ``<!-- requires: dask -->``, and is skipped without it.
* Every module of the ``jets`` package (found by walking the package, none
  skipped) runs its docstring examples; ``jets.__main__`` is read with ast
  instead of imported, as importing it runs the command line.
* docs/functions.md is exactly what docs/gen_functions.py renders from the
  rule table, so a rule added without regenerating the page fails here.

Failures report the file and the line of the example in it.
"""

import ast
import difflib
import doctest
import importlib
import importlib.util
import io
import pkgutil
import re
from pathlib import Path

import numpy as np
import pytest

import jets

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS

# An opening fence ```python (optionally indented, optionally with trailing
# words such as ```python title="x"), and the closing fence of the same indent.
_FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<ticks>`{3,}|~{3,})\s*python\b.*$")


def markdown_files():
    files = [ROOT / "README.md"] + sorted(DOCS.glob("*.md"))
    return [f for f in files if f.exists()]


def python_blocks(text):
    """(line, source) of each ```python block; line is the 1-based line of
    the opening fence.  Indentation common to the fence is removed."""
    lines = text.splitlines()
    blocks, i = [], 0
    while i < len(lines):
        m = _FENCE_OPEN.match(lines[i])
        if not m:
            i += 1
            continue
        indent, ticks = m.group("indent"), m.group("ticks")
        close = re.compile(
            r"^" + re.escape(indent) + re.escape(ticks[0]) + "{" + str(len(ticks)) + r",}\s*$"
        )
        start, body = i, []
        i += 1
        while i < len(lines) and not close.match(lines[i]):
            line = lines[i]
            body.append(line[len(indent) :] if line.startswith(indent) else line.lstrip())
            i += 1
        if i == len(lines):
            raise ValueError(f"line {start + 1}: ```python block is never closed")
        blocks.append((start + 1, "\n".join(body) + "\n"))
        i += 1
    return blocks


def _rel(path):
    try:
        return str(Path(path).relative_to(ROOT))
    except ValueError:
        return str(path)


def _run(tests, clear_globs=True):
    """Run doctests in order; return the report of the failures ('' if none)."""
    out = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    saved = np.get_printoptions()
    try:
        for test in tests:
            runner.run(test, out=out.write, clear_globs=clear_globs)
    finally:
        np.set_printoptions(**saved)
    return out.getvalue()


# ------------------------------------------------------------------ markdown
def markdown_problems(text, relname):
    """Run the ```python blocks of one page; return a failure report ('' if none)."""
    parser = doctest.DocTestParser()
    globs = {"__name__": "__doc__"}
    tests, problems = [], []
    for line, source in python_blocks(text):
        name = f"{relname}, block at line {line}"
        # lineno is 0-based and doctest adds the example's 0-based offset + 1,
        # so reports name the example's 1-based line in the markdown file.
        test = parser.get_doctest(source, globs, name, relname, line)
        test.globs = globs  # get_doctest copies: share one namespace per page
        if not test.examples:
            problems.append(
                f"{relname}:{line}: ```python block has no '>>> ' example, so "
                f"it is never checked: write it as a doctest, or fence it "
                f"as ```text"
            )
        tests.append(test)
    try:
        report = _run(tests, clear_globs=False)
    finally:
        globs.clear()
    if report:
        problems.append(report)
    return "\n".join(problems)


#: a page whose examples need an optional library says so in an HTML comment (not
#: rendered): ``<!-- requires: dask, distributed -->``; without it the page is skipped
_REQUIRES = re.compile(r"^<!--\s*requires:\s*(?P<mods>[\w., ]+?)\s*-->\s*$", re.M)


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: _rel(p))
def test_markdown_examples(path):
    text = path.read_text(encoding="utf-8")
    for m in _REQUIRES.finditer(text):
        for mod in m.group("mods").split(","):
            pytest.importorskip(mod.strip(), reason=f"{_rel(path)} needs {mod.strip()}")
    problems = markdown_problems(text, _rel(path))
    if problems:
        pytest.fail(problems, pytrace=False)


def test_markdown_parser_finds_blocks():
    """The fence parser itself: indented fences, other languages ignored."""
    text = (
        "intro\n```python\n>>> 1 + 1\n2\n```\n"
        "```bash\necho hi\n```\n"
        "- item\n\n  ```python\n  >>> 2 * 3\n  6\n  ```\n"
    )
    assert python_blocks(text) == [(2, ">>> 1 + 1\n2\n"), (11, ">>> 2 * 3\n6\n")]
    with pytest.raises(ValueError, match="never closed"):
        python_blocks("```python\n>>> 1\n")


def test_markdown_failures_name_file_and_line():
    """A wrong expected output is reported at its line; blocks share names;
    a block without prompts is an error, not a silent pass."""
    page = (
        "# t\n\n```python\n>>> a = 2\n```\n\ntext\n\n"
        "```python\n>>> a + 1\n3\n>>> a * 10\n21\n```\n\n"
        "```python\nprint('never run')\n```\n"
    )
    report = markdown_problems(page, "page.md")
    assert 'File "page.md", line 12' in report  # the `>>> a * 10` line
    assert "line 10" not in report  # `a + 1` passed, using block 1's `a`
    assert "page.md:16: ```python block has no '>>> ' example" in report
    assert markdown_problems("no code here\n", "empty.md") == ""


# ------------------------------------------------------------------ modules
def jets_modules():
    names = ["jets"] + sorted(m.name for m in pkgutil.walk_packages(jets.__path__, "jets."))
    return names


def _main_module_tests(modname):
    """Doctests of a ``__main__`` module, read from its source with ast.

    Importing ``jets.__main__`` is running the program (that is what
    ``python -m jets`` does), so its docstrings are parsed, not imported."""
    spec = importlib.util.find_spec(modname)
    source = Path(spec.origin).read_text(encoding="utf-8")
    tree = ast.parse(source)
    parser = doctest.DocTestParser()
    tests = []
    nodes = [tree] + [
        n
        for n in ast.walk(tree)
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    ]
    for node in nodes:
        doc = ast.get_docstring(node, clean=True)
        if not doc:
            continue
        name = modname if node is tree else f"{modname}.{node.name}"
        lineno = 0 if node is tree else node.lineno
        test = parser.get_doctest(doc, {"__name__": name}, name, spec.origin, lineno)
        if test.examples:
            tests.append(test)
    return tests


@pytest.mark.parametrize("modname", jets_modules())
def test_module_docstrings(modname):
    if modname.rsplit(".", 1)[-1] == "__main__":
        tests = _main_module_tests(modname)
    else:
        module = importlib.import_module(modname)
        finder = doctest.DocTestFinder(exclude_empty=True)
        tests = sorted(finder.find(module), key=lambda t: t.name)
    report = _run(tests)
    if report:
        pytest.fail(report, pytrace=False)


# ------------------------------------------------------- generated function table
def _load_generator():
    spec = importlib.util.spec_from_file_location("gen_functions", DOCS / "gen_functions.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_function_table_is_generated():
    gen = _load_generator()
    want = gen.render()
    target = DOCS / "functions.md"
    have = target.read_text(encoding="utf-8") if target.exists() else ""
    if have != want:
        diff = "".join(
            difflib.unified_diff(
                have.splitlines(True),
                want.splitlines(True),
                "docs/functions.md (on disk)",
                "docs/functions.md (from the rule table)",
                n=1,
            )
        )
        pytest.fail(
            "docs/functions.md is out of date: run `python docs/gen_functions.py`\n" + diff[:4000],
            pytrace=False,
        )


def test_function_table_lists_every_rule_and_alias():
    from jets.rules import RULES

    text = (DOCS / "functions.md").read_text(encoding="utf-8")
    rows = {
        line.split("|")[1].strip().strip("`"): line
        for line in text.splitlines()
        if line.startswith("| `")
    }
    assert set(rows) == set(RULES)
    for name, rule in RULES.items():
        for alias in rule.aliases:
            assert f"`{alias}`" in rows[name]
        assert f"| {rule.kind} |" in rows[name]
