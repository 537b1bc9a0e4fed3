"""Halley's method for Kepler's equation on 10^5 values
=====================================================

Solve ``E - e sin E = M`` for the eccentric anomaly E at 10^5 mean anomalies
M and eccentricities e at once.  Halley's step needs g, g' and g'' of
``g(E) = E - e sin E - M``: ``jets.derivatives(g, E, 2)`` gives all three
for the whole array in one call.  Checked: the residual of Kepler's equation.
"""

import numpy as np

import jets


def solve_kepler(M, e, steps=8):
    E = M + e * np.sin(M)  # a standard starting guess
    for _ in range(steps):
        g, g1, g2 = jets.derivatives(lambda E: E - e * np.sin(E) - M, E, 2)
        E = E - 2 * g * g1 / (2 * g1**2 - g * g2)
    return E


def main():
    rng = np.random.default_rng(1)
    M = rng.uniform(0.0, 2 * np.pi, 10**5)
    e = rng.uniform(0.0, 0.9, 10**5)
    E = solve_kepler(M, e)
    residual = np.abs(E - e * np.sin(E) - M)
    assert residual.max() < 1e-12, residual.max()
    print(f"10^5 solutions, max residual {residual.max():.1e}")
    return E


if __name__ == "__main__":
    main()
