"""A Laplacian on 10^4 points
==========================

``jets.laplacian`` seeds one univariate order-2 jet per coordinate (3n
coefficients per point) instead of the C(n+2, 2) of a full Hessian.  For
``f(x) = exp(-|x|^2)`` in n = 5 dimensions the closed form is
``(4 |x|^2 - 2 n) exp(-|x|^2)``; here on 10^4 random points at once, and
against the trace of ``jets.hessian`` on the same points.
"""

import numpy as np

import jets

N = 5


def f(x):
    return np.exp(-np.sum(x**2, axis=0))


def main():
    x = np.random.default_rng(2).normal(size=(N, 10**4))
    lap = jets.laplacian(f, x)
    r2 = np.sum(x**2, axis=0)
    exact = (4 * r2 - 2 * N) * np.exp(-r2)
    assert np.allclose(lap, exact, rtol=1e-12, atol=1e-15)
    trace = np.trace(jets.hessian(f, x))
    assert np.allclose(lap, trace, rtol=1e-12, atol=1e-15)
    print(f"10^4 Laplacians, max |error| {np.abs(lap - exact).max():.1e}")
    return lap


if __name__ == "__main__":
    main()
