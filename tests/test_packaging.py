"""Packaging habits: the PEP 561 marker ships, and the version is written once.

These read the source tree (pyproject.toml, jets/), not an installed copy, so
they hold for a source checkout, an editable install and CI alike.
"""
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
