"""Taylor coefficients of special functions against mpmath
========================================================

``jets.taylor`` gives the Taylor coefficients of erf, gamma, lgamma and
digamma (these need scipy: ``pip install 'jets[special]'``) and of the
elementary functions; mpmath's ``taylor`` computes the same coefficients in
50-digit arithmetic.  Every coefficient agrees to about 1e-13 relative.
"""

import mpmath
import numpy as np

import jets

mpmath.mp.dps = 50
CASES = [
    ("erf", jets.erf, mpmath.erf, 0.7),
    ("gamma", jets.gamma, mpmath.gamma, 2.5),
    ("lgamma", jets.lgamma, mpmath.loggamma, 3.2),
    ("digamma", jets.digamma, mpmath.digamma, 1.5),
    ("atan", jets.atan, mpmath.atan, 0.4),
    ("sqrt", jets.sqrt, mpmath.sqrt, 2.0),
]
ORDER = 8


def main():
    worst = 0.0
    for name, f, g, x0 in CASES:
        c = jets.taylor(f, x0, ORDER)
        want = np.array([float(v) for v in mpmath.taylor(g, x0, ORDER)])
        err = np.max(np.abs(c - want) / np.maximum(np.abs(want), 1e-300))
        assert err < 1e-12, (name, err)
        worst = max(worst, err)
        print(f"{name:8s} at {x0}: {ORDER + 1} coefficients, max rel. error {err:.1e}")
    return worst


if __name__ == "__main__":
    main()
