"""Second-order uncertainty propagation
=====================================

For X = mu + noise with covariance Sigma, the second-order estimate of the
mean of f(X) is ``f(mu) + tr(H Sigma) / 2`` and of its variance (Gaussian
noise, first order) ``g^T Sigma g``.  ``jets.value_grad_hessian`` gives f, g
and H in one call.  Checked on ``f = exp(x) * y`` with independent Gaussian
x, y, whose exact mean is ``exp(mu_x + s_x^2 / 2) mu_y``: the second-order
estimate is off by O(s^4).
"""

import numpy as np

import jets


def f(x):
    return np.exp(x[0]) * x[1]


def propagate(mu, Sigma):
    val, g, H = jets.value_grad_hessian(f, mu)
    mean = val + 0.5 * np.einsum("ij,ji->", H, Sigma)
    var = g @ Sigma @ g
    return mean, var


def main():
    mu = np.array([0.3, 2.0])
    errors = []
    for s in (0.1, 0.05):
        Sigma = np.diag([s**2, s**2])
        mean, var = propagate(mu, Sigma)
        exact = np.exp(mu[0] + s**2 / 2) * mu[1]
        errors.append(abs(mean - exact))
        # the first-order variance against its closed form: (e^mu y)^2 s^2 + e^(2 mu) s^2
        assert np.isclose(var, np.exp(2 * mu[0]) * (mu[1] ** 2 + 1) * s**2, rtol=1e-14)
    assert 12 < errors[0] / errors[1] < 20, errors  # O(s^4): halving s divides by ~16
    print("mean errors", errors)
    return errors


if __name__ == "__main__":
    main()
