"""Readable repr of a jet: the polynomial in the seeded infinitesimals."""

from fractions import Fraction

import numpy as np

__all__ = ["jet_repr", "variable_names", "format_number"]

_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def variable_names(n):
    """Default names of the infinitesimals: dx, dy, dz, or dx1..dxn beyond three."""
    if n <= 3:
        return ["dx", "dy", "dz"][:n]
    return [f"dx{i + 1}" for i in range(n)]


def format_number(v):
    """Shortest round-tripping text; integral floats without a trailing .0."""
    if (
        isinstance(v, (float, np.floating))
        and np.isfinite(v)
        and float(v).is_integer()
        and abs(v) < 1e16
    ):
        return str(int(v))
    if isinstance(v, (np.floating, np.complexfloating, np.integer)):
        v = v.item()
    if isinstance(v, Fraction):
        return str(v)
    return repr(v)


def _monomial(alpha, names):
    parts = []
    for a, name in zip(alpha, names, strict=False):
        if a == 1:
            parts.append(name)
        elif a > 1:
            parts.append(name + str(a).translate(_SUP))
    return "·".join(parts)


def _polynomial(jet):
    S = jet.space
    names = variable_names(S.nvars)
    c = jet.coeffs
    terms = []
    for i, m in enumerate(S.monomials):
        v = c[i].item() if hasattr(c[i], "item") else c[i]
        if i > 0 and v == 0:
            continue
        text = format_number(v)
        mono = _monomial(tuple(int(x) for x in m), names)
        if not mono:
            terms.append(text)
            continue
        if text == "1":
            text = ""
        elif text == "-1":
            text = "-"
        else:
            text += "·"
        terms.append(text + mono)
    out = terms[0]
    for t in terms[1:]:
        out += " - " + t[1:] if t.startswith("-") else " + " + t
    return out


def jet_repr(jet):
    order = jet.order
    if jet.ndim == 0:
        return f"Jet({_polynomial(jet)}, order={order!r})"
    value = np.array2string(
        np.asarray(jet.value), threshold=6, edgeitems=2, separator=", ", prefix="    value="
    )
    return f"Jet(shape={jet.shape}, nvars={jet.nvars}, order={order!r},\n    value={value})"
