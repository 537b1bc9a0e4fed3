"""Curvature of parametric curves from their first and second derivatives.
=======================================================================

For a curve r(t) the curvature is::

    kappa = |r' x r''| / |r'|^3        (in the plane: |x'y'' - y'x''| / |r'|^3).

``jets.derivatives(curve, t, 2)`` calls the curve once with a jet array of
all the parameter values and returns r, r', r'' for every component and
every t: shape (3, dim, len(t)).  Three curves: an ellipse, a helix (whose
curvature is the constant r / (r^2 + c^2)) and a Lissajous figure.

Run:  python docs/examples/curvature.py
"""

import numpy as np

import jets


def ellipse(t, a=3.0, b=1.0):
    return [a * np.cos(t), b * np.sin(t)]


def helix(t, r=2.0, c=0.5):
    return [r * np.cos(t), r * np.sin(t), c * t]


def lissajous(t):
    return [np.sin(3 * t), np.sin(2 * t)]


def curvature(curve, t):
    """kappa(t) for a curve in 2 or 3 dimensions; t any 1-d array."""
    d = jets.derivatives(curve, t, 2)  # (3, dim, len(t)): r, r', r''
    r1, r2 = d[1], d[2]
    if r1.shape[0] == 2:
        cross = np.abs(r1[0] * r2[1] - r1[1] * r2[0])
    else:
        cross = np.linalg.norm(np.cross(r1, r2, axis=0), axis=0)
    return cross / np.linalg.norm(r1, axis=0) ** 3


def main():
    t = np.linspace(0.0, np.pi / 2, 5)
    print(f"{'t':>6}  {'ellipse 3x1':>12}  {'helix r=2 c=0.5':>15}  {'Lissajous 3:2':>13}")
    k_e, k_h, k_l = curvature(ellipse, t), curvature(helix, t), curvature(lissajous, t)
    for row in zip(t, k_e, k_h, k_l, strict=True):
        print(f"{row[0]:6.3f}  {row[1]:12.6f}  {row[2]:15.6f}  {row[3]:13.6f}")
    print(f"helix: r / (r^2 + c^2) = {2.0 / (4.0 + 0.25):.6f}")
    return t, k_e, k_h, k_l


if __name__ == "__main__":
    main()
