"""Hessian of the Rosenbrock function at 10^4 points, in one call.
===============================================================

    f(x) = sum_i 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2

is written once with numpy operations along axis 0, so the same code
serves any number of variables and any batch of points.  ``jets.hessian``
calls it once with a jet array of shape (n, 100, 100) and returns the
(n, n, 100, 100) Hessians.  The script reports where the function is
locally convex (both Hessian eigenvalues positive) on a 100 x 100 grid of
the plane, and the Hessian at the minimum (1, 1).

Run:  python docs/examples/rosenbrock_hessian.py
"""

import numpy as np

import jets


def rosen(x):
    """Rosenbrock's function of n variables; x has shape (n, *batch)."""
    return np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2, axis=0)


def grid(m=100):
    """A (2, m, m) grid of points over [-2, 2] x [-1, 3]."""
    u = np.linspace(-2.0, 2.0, m)
    v = np.linspace(-1.0, 3.0, m)
    return np.stack(np.meshgrid(u, v, indexing="ij"))


def convex_fraction(H):
    """Share of points whose 2 x 2 Hessian is positive definite."""
    det = H[0, 0] * H[1, 1] - H[0, 1] * H[1, 0]
    return float(np.mean((H[0, 0] > 0) & (det > 0)))


def main():
    x = grid()
    H = jets.hessian(rosen, x)
    print(f"points: {x.shape[1]} x {x.shape[2]} = {x[0].size}, Hessian array: {H.shape}")
    print(f"share of the grid where f is locally convex: {convex_fraction(H):.4f}")
    Hmin = jets.hessian(rosen, [1.0, 1.0])
    print(f"Hessian at the minimum (1, 1): {Hmin.tolist()}")
    return x, H, Hmin


if __name__ == "__main__":
    main()
