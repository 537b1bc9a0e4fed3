"""Series reversion with jets.invert
==================================

``jets.invert`` returns the Taylor expansion of the local inverse of a map.
For ``y = sin(t)`` at t = 0 it is the arcsin series, whose coefficients are
``(2j)! / (4^j (j!)^2 (2j + 1))`` for t^(2j+1); for ``y = t e^t`` (inverse:
Lambert W) they are ``(-j)^(j-1) / j!``.
"""

from math import factorial

import numpy as np

import jets

K = 9


def main():
    t = jets.variable(0.0, order=K)
    (arcsin,) = jets.invert([jets.sin(t)])
    c = arcsin.coeffs
    want = np.zeros(K + 1)
    for j in range(K // 2 + 1):
        want[2 * j + 1] = factorial(2 * j) / (4**j * factorial(j) ** 2 * (2 * j + 1))
    assert np.allclose(c, want, rtol=1e-14, atol=1e-16), c
    (w,) = jets.invert([t * jets.exp(t)])
    lam = [0.0] + [(-j) ** (j - 1) / factorial(j) for j in range(1, K + 1)]
    assert np.allclose(w.coeffs, lam, rtol=1e-13, atol=1e-16), w.coeffs
    print("arcsin", c.tolist())
    print("Lambert W", w.coeffs.tolist())
    return c, w.coeffs


if __name__ == "__main__":
    main()
