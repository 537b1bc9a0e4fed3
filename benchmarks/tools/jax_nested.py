"""JAX nested transforms under jit, float64 (jax_enable_x64), vmap over points.

W1: the j-th derivative as grad nested j times (j = 1..k), all orders in one
jitted function; W2: jacfwd nested 4 times, each level passing the lower-order
tensors on as aux output (steady time about 7x better than four separate nests
here), the 35 distinct entries gathered inside the jitted function;
W3: nested grad and jax.hessian; W4: vmap(jax.hessian(rosen)).
"""

import numpy as np

from ..workloads import W2_ALPHAS

NAME = "jax-nested"
LABEL = "jax nested grad/jacfwd/hessian + vmap under jax.jit (float64)"
PACKAGES = ("jax", "jaxlib")

jax = jnp = None


def startup():
    global jax, jnp
    import jax as _jax

    _jax.config.update("jax_enable_x64", True)
    import jax.numpy as _jnp

    jax, jnp = _jax, _jnp
    np.asarray(jax.jit(jax.grad(lambda t: (t * t).sum()))(jnp.ones(2)))


def reset():
    jax.clear_caches()


def _index(alpha):
    return tuple(i for i, a in enumerate(alpha) for _ in range(a))


def _jacfwd_chain(f, k):
    """v -> (T_0, ..., T_k), the derivative tensors of f of order 0..k, by k
    nested jacfwd; each level carries the lower-order tensors as aux output, so
    one nest computes them all (faster than k separate nests)."""
    g = lambda v: (f(v), ())  # noqa: E731
    for _ in range(k):

        def level(v, g=g):
            t, lower = g(v)
            return t, (t,) + lower

        g = jax.jacfwd(level, has_aux=True)

    def tensors(v):
        top, lower = g(v)
        return ((top,) + lower)[::-1]

    return tensors


def build(cell, inp, info):
    w = cell["workload"]
    if w == "W1":
        k, x0 = cell["k"], inp["x"]
        fs = [lambda x: jnp.exp(jnp.sin(x)) / (1 + x**2)]
        for _ in range(k):
            fs.append(jax.grad(fs[-1]))
        fn = jax.jit(lambda x: jnp.stack([jax.vmap(f)(x) for f in fs]))
        return lambda: np.asarray(fn(x0))
    if w == "W2":
        X0 = inp["X"]

        def f(v):
            x, y, z = v[0], v[1], v[2]
            return jnp.exp(x * y) * jnp.sin(z + x) / (1 + y**2 + z**2)

        def all_partials(V):
            T = jax.vmap(_jacfwd_chain(f, 4))(V)  # T[d]: (B,) + (3,)*d
            return jnp.stack([T[sum(a)][(slice(None),) + _index(a)] for a in W2_ALPHAS])

        fn = jax.jit(all_partials)
        return lambda: np.asarray(fn(X0.T))
    if w == "W3" and cell["case"] == "cube":
        fs = [lambda x: x**3]
        for _ in range(3):
            fs.append(jax.grad(fs[-1]))
        fn = jax.jit(lambda x: jnp.stack([f(x) for f in fs]))
        return lambda: np.asarray(fn(4.0))
    if w == "W3":
        fn = jax.jit(jax.hessian(lambda v: (v[0] + 2 * v[1]) ** 3))
        return lambda: np.asarray(fn(np.array([4.0, 3.0])))
    X0 = inp["X"]

    def rosen(v):
        a, b = v[:-1], v[1:]
        return (100 * (b - a**2) ** 2 + (1 - a) ** 2).sum()

    fn = jax.jit(lambda V: jnp.transpose(jax.vmap(jax.hessian(rosen))(V), (1, 2, 0)))
    return lambda: np.asarray(fn(X0.T))
