"""One module per tool.  Each module defines

* ``NAME`` (command-line name), ``LABEL`` (what it runs, for the report),
  ``PACKAGES`` (distribution names whose versions the report shows);
* ``startup()``: import the library and run one trivial operation (the
  process's fixed start-up cost, reported once per tool); returns nothing;
* ``reset()``: drop the tool's caches (compiled functions, symbolic caches,
  jet tables) so that every cell's first call does its own compile/symbolic work;
* ``build(cell, inputs, info)``: return a callable computing the cell's standard
  output (see ``benchmarks.workloads``) from ``inputs``; anything the build does
  (tracing, symbolic differentiation, compilation on first call) belongs to the
  cell's first-call time.  ``info`` is a dict for notes (e.g. symbolic time).
  Raise :class:`NotApplicable` for a workload the tool cannot do sensibly.
"""

import importlib

__all__ = ["TOOLS", "NotApplicable", "load"]

#: Tool names in report order (jets first; the numba "compiled limit" last).
TOOLS = (
    "jets",
    "jets-sparse",
    "jets-sparse-plan",
    "torch-autograd",
    "torch-func",
    "jax-jet",
    "jax-nested",
    "sympy",
    "algopy",
    "daceypy",
    "numba",
)

_MODULES = {
    "jets": "jets_tool",
    "jets-sparse": "jets_sparse",
    "jets-sparse-plan": "jets_sparse_plan",
    "torch-autograd": "torch_autograd",
    "torch-func": "torch_func",
    "jax-jet": "jax_jet",
    "jax-nested": "jax_nested",
    "sympy": "sympy_tool",
    "algopy": "algopy_tool",
    "daceypy": "daceypy_tool",
    "numba": "numba_tool",
}


class NotApplicable(Exception):
    """The tool has no sensible way to compute this workload (reported as n/a)."""


def load(name):
    """The module of tool `name` (importing it does not import the peer library)."""
    if name not in _MODULES:
        raise ValueError(f"unknown tool {name!r}: choose from {', '.join(TOOLS)}")
    return importlib.import_module(f"{__name__}.{_MODULES[name]}")
