"""JAX Taylor mode: jax.experimental.jet under jit, float64 (jax_enable_x64).

jet propagates one direction, so it gives univariate derivative series (W1,
x**3 in W3); mixed partials (W2, W4, the W3 Hessian) would need several
directions and an interpolation step, which jet does not offer: n/a.
"""

import numpy as np

from . import NotApplicable

NAME = "jax-jet"
LABEL = "jax.experimental.jet under jax.jit (float64)"
PACKAGES = ("jax", "jaxlib")

jax = jnp = jet = None


def startup():
    global jax, jnp, jet
    import jax as _jax

    _jax.config.update("jax_enable_x64", True)
    import jax.numpy as _jnp
    from jax.experimental.jet import jet as _jet

    jax, jnp, jet = _jax, _jnp, _jet
    np.asarray(jax.jit(lambda t: t * 2)(jnp.ones(2)))


def reset():
    jax.clear_caches()


def _series_fn(f, k):
    """jitted x -> (k+1, *x.shape) stack of f, f', ..., f^(k) along x + t."""

    def taylor(x):
        one, zero = jnp.ones_like(x), jnp.zeros_like(x)
        primal, series = jet(f, (x,), ((one,) + (zero,) * (k - 1),))
        return jnp.stack([primal, *series])

    return jax.jit(taylor)


def build(cell, inp, info):
    w = cell["workload"]
    if w == "W1":
        fn = _series_fn(lambda x: jnp.exp(jnp.sin(x)) / (1 + x**2), cell["k"])
        x0 = inp["x"]
        return lambda: np.asarray(fn(x0))
    if w == "W3" and cell["case"] == "cube":
        fn = _series_fn(lambda x: x**3, 3)
        return lambda: np.asarray(fn(4.0))
    raise NotApplicable("jet propagates a single direction: no mixed partials")
