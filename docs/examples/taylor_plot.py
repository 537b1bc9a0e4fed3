"""A function and its Taylor polynomials of orders 1..8
=====================================================

One call, ``jets.taylor(f, 0.5, 8)``, gives every coefficient; the
polynomial of order j is the partial sum of the first j + 1.  Checked: the
error of each polynomial near the centre shrinks like ``|x - 0.5|^(j+1)``.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import jets  # noqa: E402

X0 = 0.5


def f(x):
    return np.sin(3 * x) * np.exp(-x)


def main():
    c = jets.taylor(f, X0, 8)
    x = np.linspace(-0.5, 1.5, 201)
    polys = [np.polyval(c[: j + 1][::-1], x - X0) for j in range(1, 9)]
    fig, ax = plt.subplots()
    ax.plot(x, f(x), "k", lw=2, label="f")
    for j, p in enumerate(polys, 1):
        ax.plot(x, p, lw=1, label=f"order {j}")
    ax.set_ylim(-2, 2)
    ax.legend(fontsize=7)
    h = 0.01
    for j in range(1, 9):
        err = abs(np.polyval(c[: j + 1][::-1], h) - f(X0 + h))
        assert err < 10 * abs(c[j + 1] if j < 8 else 1) * h ** (j + 1) + 1e-15, (j, err)
    print("coefficients", np.round(c, 6).tolist())
    return c


if __name__ == "__main__":
    main()
