"""A Kepler orbit with jets.solve_ivp: energy and period
=====================================================

The two-body problem ``r'' = -r / |r|^3`` integrated by the adaptive Taylor
method.  Checked against closed forms: the energy ``|v|^2 / 2 - 1 / |r|``
stays at its initial value, and after one period ``2 pi a^(3/2)`` (a the
semi-major axis, ``a = -1 / (2 E)``) the orbit is back at its start.
"""

import numpy as np

import jets


def kepler(t, y):
    r2 = y[0] * y[0] + y[1] * y[1]
    r3 = r2 * np.sqrt(r2)
    return [y[2], y[3], -y[0] / r3, -y[1] / r3]


def energy(y):
    return 0.5 * (y[2] ** 2 + y[3] ** 2) - 1 / np.sqrt(y[0] ** 2 + y[1] ** 2)


def main():
    y0 = np.array([1.0, 0.0, 0.0, 1.2])  # eccentric orbit
    E0 = energy(y0)
    period = 2 * np.pi * (-1 / (2 * E0)) ** 1.5
    ts = np.linspace(0, period, 50)
    r = jets.solve_ivp(kepler, (0, period), y0, t_eval=ts, rtol=1e-14, atol=1e-14)
    assert r.success
    drift = np.abs(energy(r.y) - E0).max()
    assert drift < 1e-12, drift
    assert np.allclose(r.y[:, -1], y0, atol=1e-10), r.y[:, -1] - y0
    print(f"energy drift {drift:.1e}, return error {np.abs(r.y[:, -1] - y0).max():.1e}")
    return drift


if __name__ == "__main__":
    main()
