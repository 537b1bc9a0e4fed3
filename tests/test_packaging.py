"""Packaging habits: the PEP 561 marker ships, and the version is written once.

These read the source tree (pyproject.toml, jets/), not an installed copy, so
they hold for a source checkout, an editable install and CI alike.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _pyproject():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_py_typed_marker_exists_and_ships():
    # PEP 561: without the marker in the wheel, type checkers ignore jets' annotations.
    assert (ROOT / "jets" / "py.typed").is_file()
    data = _pyproject()["tool"]["setuptools"]["package-data"]
    assert "py.typed" in data["jets"]


# Files that may name a version because they record history, not the current version:
# the changelog's release headings, and the record of one measured benchmark run.
_HISTORY = {"CHANGELOG.md", "docs/performance.md"}


def _version_literal():
    """The string jets/__init__.py assigns to __version__, read without importing jets."""
    tree = ast.parse((ROOT / "jets" / "__init__.py").read_text(encoding="utf-8"))
    found = [
        node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and [getattr(t, "id", None) for t in node.targets] == ["__version__"]
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    ]
    assert len(found) == 1, "jets/__init__.py must assign __version__ one string literal"
    return found[0]


def _text_files():
    for path in sorted(ROOT.rglob("*")):
        rel = path.relative_to(ROOT)
        if any(
            part.startswith(".")
            and part != ".ci"
            or part == "__pycache__"
            or part.endswith(".egg-info")
            or part in ("build", "dist")
            for part in rel.parts
        ):
            continue
        # the Sphinx site's build output and generated pages (gitignored; sphinx-build)
        if rel.parts[:2] in (("docs", "_build"), ("docs", "auto_examples")) or rel.parts[:3] == (
            "docs",
            "reference",
            "generated",
        ):
            continue
        if path.is_file() and (
            path.suffix in (".py", ".md", ".toml", ".txt", ".cfg") or rel.as_posix() == ".ci/run"
        ):
            yield rel.as_posix(), path.read_text(encoding="utf-8")


def test_version_is_written_once():
    import jets

    version = _version_literal()
    assert jets.__version__ == version
    project = _pyproject()
    assert "version" not in project["project"]
    assert "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "jets.__version__"}
    pattern = re.compile(r"(?<![\d.])" + re.escape(version) + r"(?!\.?\d)")
    where = [
        (rel, text.count(version))
        for rel, text in _text_files()
        if rel not in _HISTORY and pattern.search(text)
    ]
    assert where == [("jets/__init__.py", 1)], (
        f"version {version} is repeated in {where}: read jets.__version__ instead"
    )
