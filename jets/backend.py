"""The one place that names the array library.

Kernels and rules create arrays and call the few array primitives they need
through this module only.  numpy is the fast path: a numpy array (or a Python
or numpy scalar) never reaches array-api-compat, and the numpy primitives
below are numpy's own functions.  Other libraries (torch tensors, cupy arrays)
take their namespace from the inputs via array-api-compat
(:func:`namespace`); their coefficient arrays stay in that library and on the
inputs' device, and results are written by assignment (``out[...] = x * y``)
rather than ``out=``, so that torch autograd records every step (see
docs/backends.md).  Mixing libraries or devices is a TypeError naming both.
"""

from contextlib import nullcontext

import numpy as xp

__all__ = [
    "xp",
    "asarray",
    "zeros",
    "empty",
    "result_dtype",
    "broadcast_shapes",
    "contract",
    "segment_sum",
    "is_foreign",
    "namespace",
    "library",
    "check_same",
    "kind",
    "device",
    "index",
    "into",
    "ufunc",
    "ufuncs",
    "to_like",
    "table",
    "zeros_as",
    "grad_context",
    "special",
]

asarray = xp.asarray
zeros = xp.zeros
zeros_like = xp.zeros_like
empty_like = xp.empty_like
multiply = xp.multiply
add = xp.add
subtract = xp.subtract
negative = xp.negative
isnan = xp.isnan
where = xp.where
nan = xp.nan


def take(x, index, out=None):
    """x[index] along the coefficient axis (axis 0), optionally into `out`."""
    # mode="clip": the indices come from our own tables and are always valid,
    # and with out= numpy's default mode="raise" buffers the whole result
    return xp.take(x, index, axis=0, out=out, mode="clip")


empty = xp.empty


_F64 = xp.dtype(xp.float64)


def result_dtype(*arrays):
    """dtype of the coefficients for these inputs: ints promote to float64,
    float32, complex and object (Fraction) are kept, as numpy promotes."""
    for a in arrays:
        if getattr(a, "dtype", None) != _F64:
            if any(type(x) is not xp.ndarray and is_foreign(x) for x in arrays):
                return _foreign_dtype(arrays)
            return xp.result_type(
                *(
                    x
                    if isinstance(x, (xp.ndarray, xp.generic, int, float, complex))
                    else xp.asarray(x)
                    for x in arrays
                ),
                1.0,
            )
    return _F64


def broadcast_shapes(*shapes):
    """numpy.broadcast_shapes, with the common case of equal shapes first."""
    first = shapes[0]
    for s in shapes[1:]:
        if s != first:
            return xp.broadcast_shapes(*shapes)
    return first


try:
    # numpy.einsum without optimize= is exactly this C function behind a Python
    # wrapper (the same result); calling it directly saves the wrapper's cost
    # per degree of small-batch recurrences.  Older numpy: the public function.
    from numpy._core.multiarray import c_einsum as _einsum
except ImportError:  # pragma: no cover
    _einsum = xp.einsum


def contract(x, y, out=None):
    """sum_i x[i] * y[i] over the leading axis, broadcasting the rest:
    (m, *bx), (m, *by) -> broadcast(bx, by) (into `out` when given)."""
    if type(x) is not xp.ndarray and is_foreign(x):
        r = namespace(x).einsum("i...,i...->...", x, y)
        if out is not None:
            out[...] = r
            return out
        return r
    if out is not None:
        return _einsum("i...,i...->...", x, y, out=out, casting="same_kind")
    return xp.asarray(_einsum("i...,i...->...", x, y))


def segment_sum(x, starts):
    """Sums of consecutive runs of x along axis 0 starting at `starts`."""
    return xp.add.reduceat(x, starts, axis=0)


# ------------------------------------------------------------ other libraries
# Everything below is reached only by arrays that are not numpy's: the numpy
# path pays at most an identity check (``type(x) is np.ndarray``).

_SCALARS = frozenset({int, float, complex, bool})
#: types that are numpy's or Python's for sure: one set lookup, no further check
_NUMPYISH = frozenset(
    {xp.ndarray, int, float, complex, bool, xp.float64, xp.float32, xp.complex128, xp.int64}
)


def is_foreign(a):
    """True for an array of another library (torch, cupy, ...): not a numpy
    array, numpy scalar or Python number, and known to array-api-compat."""
    t = type(a)
    if t is xp.ndarray or t in _SCALARS or isinstance(a, xp.generic):
        return False
    mod = t.__module__
    if not mod.startswith(("torch", "cupy", "jax", "dask", "sparse", "ndonnx")):
        return False
    compat = _compat()
    return compat.is_array_api_obj(a) and not compat.is_numpy_array(a)


def _compat():
    try:
        import array_api_compat
    except ImportError:  # pragma: no cover - the extras bring it
        raise ImportError(
            "jets needs array-api-compat for torch/cupy arrays: install it with "
            "pip install 'jets[torch]' (or 'jets[cupy]')"
        ) from None
    return array_api_compat


def namespace(*arrays):
    """The array namespace of these arrays: numpy itself when none is another
    library's (no array-api-compat call at all), else array-api-compat's
    namespace of the foreign ones (after :func:`check_same`)."""
    foreign = [a for a in arrays if type(a) is not xp.ndarray and is_foreign(a)]
    if not foreign:
        return xp
    check_same(*foreign)
    return _compat().array_namespace(*foreign)


def library(a):
    """A short name for the array library and device of `a`, for messages:
    'numpy', 'torch (cpu)', 'cupy (cuda:0)'."""
    if not is_foreign(a):
        return "numpy"
    name = type(a).__module__.split(".")[0]
    return f"{name} ({device(a)})"


def check_same(*arrays):
    """TypeError naming both when the arrays come from two libraries, or from
    one library on two devices (numpy arrays count as a library; Python and
    numpy scalars go with anything)."""
    first = None
    for a in arrays:
        if type(a) in _SCALARS or isinstance(a, xp.generic) or not hasattr(a, "shape"):
            continue
        if type(a) is xp.ndarray and a.ndim == 0 and a.dtype.kind in "iufc":
            continue  # a numpy scalar in an array: a number
        lib = library(a)
        if first is None:
            first = (lib, a)
        elif lib != first[0]:
            raise TypeError(
                f"cannot combine a {first[0]} array with a {lib} array in one jet "
                f"computation: convert one of them (torch.as_tensor(x, device=...), "
                f"x.to(device), cupy.asarray, or .cpu().numpy())"
            )


def device(a):
    """The device of a foreign array (array-api-compat's device)."""
    return _compat().device(a)


def kind(dtype):
    """numpy's dtype.kind ('b', 'i', 'u', 'f', 'c', 'O') for a numpy, cupy or
    torch dtype."""
    k = getattr(dtype, "kind", None)
    if k is not None:
        return k
    if getattr(dtype, "is_complex", False):
        return "c"
    if getattr(dtype, "is_floating_point", False):
        return "f"
    if str(dtype).endswith("bool"):
        return "b"
    return "u" if "uint" in str(dtype) else "i"


def _foreign_dtype(arrays):
    """result_dtype for arrays of another library: their promoted dtype, ints
    and bools as float64 (as numpy promotes); a Python complex makes it complex."""
    foreign = [a for a in arrays if is_foreign(a)]
    ns = namespace(*foreign)
    dts = [a.dtype for a in foreign]
    dt = dts[0]
    for d in dts[1:]:
        dt = ns.result_type(dt, d)
    k = kind(dt)
    if k not in "fc":
        dt = ns.float64
    if any(type(a) is complex or isinstance(a, xp.complexfloating) for a in arrays):
        if kind(dt) != "c":
            dt = ns.complex64 if dt == ns.float32 else ns.complex128
    return dt


def zeros_as(shape, dtype, like):
    """Zeros of `shape` and `dtype` in the library and on the device of `like`."""
    if type(like) is xp.ndarray or not is_foreign(like):
        return xp.zeros(shape, dtype=dtype)
    return namespace(like).zeros(tuple(shape), dtype=dtype, device=device(like))


#: scipy.special names -> torch.special names (the functions torch has)
_TORCH_SPECIAL = {
    "expit": "expit",
    "logit": "logit",
    "erf": "erf",
    "erfc": "erfc",
    "erfinv": "erfinv",
    "erfcx": "erfcx",
    "gammaln": "gammaln",
    "psi": "digamma",
    "digamma": "digamma",
    "polygamma": "polygamma",
    "gamma": None,  # _torch_gamma
}


def _torch_polygamma(n, x):
    """scipy.special.polygamma(n, x) on a torch tensor x, n a number or a tensor of
    integers (broadcast with x), as scipy computes it: digamma(x) where n = 0,
    else (-1)^(n+1) n! zeta(n+1, x) (torch.special.polygamma's trigamma is only
    ~5e-10 accurate), 0 at x = +inf, nan where n is not a nonnegative integer."""
    import math

    import torch

    if not isinstance(n, torch.Tensor) or n.numel() == 1:
        n = float(n)
        if not (n >= 0 and n == math.floor(n)):  # scipy: nan off the orders 0, 1, ...
            return torch.full_like(x, float("nan"))
        n = int(n)
        if n == 0:
            return torch.special.digamma(x)
        s = torch.as_tensor(float(n + 1), dtype=x.dtype, device=x.device)
        z = torch.special.zeta(s, x)
        z = torch.where(x == float("inf"), torch.zeros_like(z), z)  # torch: nan; scipy: 0
        return (-1.0) ** (n + 1) * math.factorial(n) * z
    n = n.to(dtype=x.dtype)
    table = torch.tensor(
        [float(math.factorial(k)) for k in range(171)], dtype=x.dtype, device=x.device
    )
    fact = table[torch.nan_to_num(n, nan=0.0).clamp(0, 170).to(torch.int64)]
    fact = torch.where(n > 170, torch.full_like(fact, float("inf")), fact)
    sign = torch.where(torch.remainder(n, 2) == 1, torch.ones_like(n), -torch.ones_like(n))
    z = torch.special.zeta(n + 1, x)
    z = torch.where(x == float("inf"), torch.zeros_like(z), z)
    out = torch.where(n == 0, torch.special.digamma(x), sign * fact * z)
    bad = (n < 0) | (n != torch.floor(n)) | (n != n)  # scipy: nan off the orders 0, 1, ...
    return torch.where(bad, torch.full_like(out, float("nan")), out)


def _torch_gamma(x):
    """scipy.special.gamma on a torch tensor (torch has no gamma): sign *
    exp(gammaln(x)), the sign (-1)^floor(x) below 0; at 0 +-inf (the sign of the
    zero), at the negative integers nan, as scipy.  exp(gammaln) costs
    |gammaln(x)| ulps of relative accuracy (up to ~700 ulps near overflow)."""
    import torch

    fl = torch.floor(x)
    odd = torch.remainder(fl, 2) == 1
    one = torch.ones_like(x)
    sign = torch.where((x < 0) & odd, -one, one)
    g = sign * torch.exp(torch.special.gammaln(x))
    pole = (x <= 0) & (x == fl)
    inf = torch.copysign(torch.full_like(x, float("inf")), x)
    return torch.where(pole, torch.where(x == 0, inf, torch.full_like(x, float("nan"))), g)


def special(name, like):
    """scipy.special's function `name` for arrays of like's library: torch.special's
    for real torch tensors (the names of _TORCH_SPECIAL); a TypeError for any
    other library, complex tensors or function (scipy is CPU numpy code: convert
    to numpy)."""
    lib = type(like).__module__.split(".")[0]
    if lib == "torch" and getattr(like, "is_complex", bool)():
        lib = "complex torch"
    elif lib == "torch" and name in _TORCH_SPECIAL:
        import torch

        if name == "gamma":
            return _torch_gamma
        if name == "polygamma":
            return _torch_polygamma
        return getattr(torch.special, _TORCH_SPECIAL[name])
    raise TypeError(
        f"scipy.special.{name} is not available for {lib} arrays (needs scipy); convert "
        f"to numpy (see docs/backends.md for the functions that are)"
    )


def to_like(v, like, dtype=None):
    """A plain value (number, or an array of like's library) as an array in the
    library and on the device of `like` (numpy: numpy.asarray)."""
    if type(like) is xp.ndarray or not is_foreign(like):
        return xp.asarray(v, dtype=dtype)
    ns = namespace(like)
    if is_foreign(v):
        check_same(v, like)
        return v if dtype is None or v.dtype == dtype else ns.astype(v, dtype)
    if isinstance(v, xp.ndarray) and v.dtype != object and v.ndim:
        raise TypeError(
            f"cannot combine a numpy array with a {library(like)} jet: convert it "
            f"with torch.as_tensor(x, device=...) (or cupy.asarray)"
        )
    if isinstance(v, xp.ndarray):
        v = v[()]
    if isinstance(v, xp.generic):
        v = v.item()
    return ns.asarray(v, dtype=like.dtype if dtype is None else dtype, device=device(like))


_INDEX = {}


def index(table, like, cache=True):
    """An index table (a numpy int array of a JetSpace, cached there) where the
    coefficients `like` live: the table itself for numpy, else converted once
    per (table, device) and cached (the table is held, so its id stays its).
    cache=False for a temporary index (converted every time)."""
    if type(like) is xp.ndarray or not is_foreign(like):
        return table
    if not cache:
        return namespace(like).asarray(xp.array(table, dtype=xp.int64), device=device(like))
    key = (id(table), str(device(like)))
    hit = _INDEX.get(key)
    if hit is not None and hit[0] is table:
        return hit[1]
    conv = namespace(like).asarray(xp.array(table, dtype=xp.int64), device=device(like))
    _INDEX[key] = (table, conv)  # a dict store is atomic: racing threads agree
    return conv


_TABLES = {}


def table(arr, like):
    """A numpy float table of a JetSpace (cached there, e.g. a!) in the library,
    on the device and in the float dtype of `like`; converted once per
    (table, device, dtype) and cached like :func:`index`."""
    key = (id(arr), str(device(like)), str(like.dtype))
    hit = _TABLES.get(key)
    if hit is not None and hit[0] is arr:
        return hit[1]
    ns = namespace(like)
    conv = ns.asarray(xp.array(arr, dtype=xp.float64), device=device(like))
    if conv.dtype != like.dtype and kind(like.dtype) == "f":
        conv = ns.astype(conv, like.dtype)
    _TABLES[key] = (arr, conv)
    return conv


class _NumpyInto:
    """numpy's out= primitives (the fast path)."""

    multiply = staticmethod(xp.multiply)
    add = staticmethod(xp.add)
    subtract = staticmethod(xp.subtract)
    negative = staticmethod(xp.negative)


def _assign(op):
    def into(x, y, out=None):
        out[...] = op(x, y)
        return out

    return into


def _neg_into(x, out=None):
    out[...] = -x
    return out


class _AssignInto:
    """The same primitives for other libraries: the result is computed and then
    assigned (``out[...] = x * y``), which torch autograd records (an out=
    argument it does not)."""

    multiply = staticmethod(_assign(lambda x, y: x * y))
    add = staticmethod(_assign(lambda x, y: x + y))
    subtract = staticmethod(_assign(lambda x, y: x - y))
    negative = staticmethod(_neg_into)


def into(x):
    """The out= primitives (multiply, add, subtract, negative) for arrays like x:
    numpy's ufuncs, or assignment for other libraries."""
    return _NumpyInto if type(x) is xp.ndarray or not is_foreign(x) else _AssignInto


#: numpy names whose array-api-compat (torch, cupy) name differs
_RENAMES = {
    "arcsin": "asin",
    "arccos": "acos",
    "arctan": "atan",
    "arctan2": "atan2",
    "arcsinh": "asinh",
    "arccosh": "acosh",
    "arctanh": "atanh",
    "absolute": "abs",
    "power": "pow",
    "rint": "round",
    "true_divide": "divide",
}


def _cbrt(ns):
    def cbrt(x):
        return ns.sign(x) * ns.abs(x) ** (1.0 / 3.0)

    return cbrt


def _sign(ns):
    def sign(x):
        return ns.where(x != x, x, ns.sign(x))  # torch.sign(nan) is 0; numpy's nan

    return sign


def _foreign_fn(fn, ns):
    if getattr(fn, "_jets_generic", False):
        return fn  # a jets function that follows its arguments' library itself
    name = getattr(fn, "__name__", None)
    if name == "cbrt" and not hasattr(ns, "cbrt"):
        return _cbrt(ns)
    if name == "sign":
        return _sign(ns)
    alt = getattr(ns, _RENAMES.get(name, name), None)
    if alt is None:
        alt = getattr(ns, name, None)
    # not a library function (a lambda of operators): called as it is
    return fn if alt is None else alt


def ufunc(fn):
    """fn (a numpy function of plain arrays, e.g. numpy.sin) made to follow its
    arguments: numpy's own call for numpy arrays and scalars (an identity
    check), the namespace's function of the same name for torch or cupy."""

    def call(*args, **kw):
        for a in args:
            if type(a) not in _NUMPYISH and is_foreign(a):
                return _foreign_fn(fn, namespace(*args))(*args, **kw)
        return fn(*args, **kw)

    call.__name__ = getattr(fn, "__name__", "ufunc")
    call.__wrapped__ = fn
    return call


class _Ufuncs:
    """``ufuncs.sin(x)`` etc.: :func:`ufunc` of every numpy function named."""

    def __getattr__(self, name):
        f = ufunc(getattr(xp, name))
        setattr(self, name, f)
        return f


ufuncs = _Ufuncs()


def _clone(t):
    return t.clone()


def _same(t):
    return t


def grad_context(a):
    """The context in which jets computes on `a`'s library: for torch tensors,
    saved-tensor hooks that copy what autograd saves, so that the kernels may
    fill their coefficient buffers degree by degree (in place) while autograd
    still differentiates the whole computation; nothing for other libraries."""
    if type(a) is not xp.ndarray and type(a).__module__.startswith("torch"):
        import torch

        if torch.is_grad_enabled():
            return torch.autograd.graph.saved_tensors_hooks(_clone, _same)
    return nullcontext()
