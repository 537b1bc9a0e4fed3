"""Taylor expansion of sin near 0, to order 15, printed as a table.
================================================================

One call, ``jets.taylor(np.sin, 0.0, 15)``, gives the 16 coefficients
c_k = sin^(k)(0) / k!.  The table shows each c_k next to 1 / c_k (which is
+-k! for odd k), and the script then sums the series at a few points to show
how close the degree-15 polynomial stays to sin.

Run:  python docs/examples/sin_taylor.py
"""

import numpy as np

import jets

ORDER = 15


def coefficients(order=ORDER):
    """c_0 ... c_order of sin at 0: shape (order + 1,)."""
    return jets.taylor(np.sin, 0.0, order)


def partial_sum(c, x):
    """sum_k c_k x**k, by Horner's rule, for an array x."""
    out = np.zeros_like(np.asarray(x, dtype=float))
    for ck in c[::-1]:
        out = out * x + ck
    return out


def table(c):
    """The coefficient table as text lines."""
    lines = [f"{'k':>3}  {'c_k = sin^(k)(0) / k!':>24}  {'1 / c_k':>16}"]
    for k, ck in enumerate(c):
        inv = f"{1 / ck:16.0f}" if ck != 0 else f"{'-':>16}"
        lines.append(f"{k:>3}  {ck:24.17g}  {inv}")
    return lines


def main():
    c = coefficients()
    print("\n".join(table(c)))
    x = np.array([0.5, 1.0, 2.0, 3.0])
    err = np.abs(partial_sum(c, x) - np.sin(x))
    print()
    print("degree-15 polynomial minus sin(x):")
    for xi, e in zip(x, err, strict=True):
        print(f"  x = {xi:3.1f}   |error| = {e:.2e}")
    return c, x, err


if __name__ == "__main__":
    main()
