"""``jets.jit``: record a function once per kind of call, then run the recording.

``jets.jit(f)`` returns a callable that behaves like ``f`` on jets and on plain
arrays.  The first call with jets for a given *signature* (the space's number
of variables, order and magnitude scale; the dtype; the batch rank; which
arguments are jets, arrays or fixed Python values; how the jets are stored)
records f's operations into a :class:`jets.program.Program` -- the recording
the ODE integrator and ``jets.define`` use -- on tracers whose control flow on
values is refused with a message, never frozen to one branch.  Later calls
with the same signature run the recording:

* with numba installed (``pip install jets[jit]``): one generated, fused
  kernel -- one loop over the points, the coefficients of every node of one
  point in a small buffer, every node's recurrence inside, with the degree
  ranges of each operand (a seed has degrees 0 and 1 only) fixed in the code.
  The generated source is written to a cache directory (``$JETS_CACHE_DIR``,
  else ``~/.cache/jets``) under the hash of its text and compiled by numba with
  ``cache=True``, so a second process loads the machine code from disk.
  Programs with rules the kernel does not have (special functions, real powers
  of jets, array constants, complex or exact dtypes) take the replay below.
  Points where a value is nan or infinite, or a real power meets 0 or an
  extreme value (where the eager rules take special paths), are recomputed
  by the replay, so every stored coefficient is what eager jets stores;
* without numba: a replay of the recorded nodes through the engine (the eager
  rules, no Python-level dispatch, no Jet objects in between), after one
  warning that the extra makes it faster.

Jets with error tracking (``track_error=True``) run ``f`` eagerly.

Layer: after jets.program; knows Jet, the engine and Program.
"""

import hashlib
import importlib.util
import math
import os
import sys
import threading
import warnings

import numpy as np

from . import engine
from . import kernels as K
from .engine import Operand
from .jet import Jet, common_space
from .numpy_api import stack
from .program import Program, Tracer, TracerVector, _Ref
from .rules import Const

__all__ = ["jit", "Jitted"]


# ------------------------------------------------------------------ tracing
class _NeedStructure(Exception):
    """f indexes, iterates or reduces an argument traced as one elementwise
    value: retrace with its leading axis as separate values."""


class _Unsupported(Exception):
    """f does something a recording cannot hold: run it eagerly."""


def _control(what):
    return TypeError(
        f"jets.jit: the function {what} of a traced jet, i.e. it branches on the "
        f"values of its input; a compiled function records each operation once, so it "
        f"cannot follow one branch: use jets.where, np.maximum or np.abs instead of "
        f"if/and/or, or call the function without jets.jit"
    )


class _JitTracer(Tracer):
    """A Tracer whose refusals name jets.jit (control flow), or ask for a
    retrace with more structure (indexing), or for the eager path."""

    __slots__ = ()

    def _jets_record(self, rule, args):
        for a in args:
            if isinstance(a, Jet):
                raise _Unsupported("it combines its arguments with a jet from outside")
            if isinstance(a, _TracerArray):
                return NotImplemented
        return self.program.record(rule, args)

    def __bool__(self):
        raise _control("takes the truth value")

    def _compare(self, other):
        raise _control("compares values")

    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = _compare
    __hash__ = object.__hash__

    def __float__(self):
        raise _control("converts to a number (float) the value")

    def __int__(self):
        raise _control("converts to a number (int) the value")

    __index__ = __int__

    def __complex__(self):
        raise _control("converts to a number (complex) the value")

    def __len__(self):
        raise _NeedStructure

    def __iter__(self):
        raise _NeedStructure

    def __getitem__(self, key):
        raise _NeedStructure

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise _NeedStructure if name in ("sum", "prod", "shape", "T") else _Unsupported(name)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if any(isinstance(i, _TracerArray) for i in inputs):
            return NotImplemented
        try:
            return Tracer.__array_ufunc__(self, ufunc, method, *inputs, **kwargs)
        except TypeError as e:
            raise _Unsupported(str(e)) from None

    def __array_function__(self, func, types, args, kwargs):
        if func is np.stack:
            return _stack(*args, **kwargs)
        raise _NeedStructure


def _stack(arrays, axis=0):
    """np.stack / jets.stack of traced values along a new leading axis."""
    if axis != 0:
        raise _Unsupported("a stack along a batch axis")
    arrays = list(arrays)
    parts = [a.items if isinstance(a, _TracerArray) else a for a in arrays]
    shapes = {p.shape if isinstance(p, np.ndarray) and p.dtype == object else () for p in parts}
    if len(shapes) != 1 or any(isinstance(p, np.ndarray) and p.dtype != object for p in parts):
        raise _Unsupported("a stack of values of different shapes")
    out = np.empty((len(parts),) + shapes.pop(), dtype=object)
    for i, p in enumerate(parts):
        out[i] = p
    return _TracerArray(out)


def _map(fn, *xs):
    """fn elementwise over object arrays of tracers (and scalars), broadcast."""
    arrs = [x.items if isinstance(x, _TracerArray) else x for x in xs]
    for a in arrs:
        if isinstance(a, np.ndarray) and a.dtype != object and a.ndim:
            raise _Unsupported("it combines indexed jets with a constant array")
    objs = [a if isinstance(a, np.ndarray) and a.dtype == object else None for a in arrs]
    shape = np.broadcast_shapes(*(o.shape for o in objs if o is not None))
    cols = [np.broadcast_to(o, shape).ravel() if o is not None else None for o in objs]
    n = int(np.prod(shape, dtype=np.int64))
    out = np.empty(n, dtype=object)
    for k in range(n):
        out[k] = fn(*(c[k] if c is not None else a for c, a in zip(cols, arrs, strict=False)))
    return _wrap(out.reshape(shape))


def _wrap(r):
    """An object array of tracers as a _TracerArray (0-d: its tracer)."""
    if isinstance(r, np.ndarray) and r.dtype == object:
        return _TracerArray(r) if r.ndim else r.item()
    return r


class _TracerArray:
    """The structural (leading) axes of a traced jet array: an object array of
    tracers, each standing for the batch of one entry.  Indexing, iteration,
    elementwise operators and ufuncs, and sums/products over these axes."""

    __slots__ = ("items",)
    __array_priority__ = 1003

    def __init__(self, items):
        self.items = items

    def __len__(self):
        return len(self.items)

    def __iter__(self):
        return (_wrap(i) if isinstance(i, np.ndarray) else i for i in self.items)

    def __getitem__(self, key):
        try:
            return _wrap(self.items[key])
        except (IndexError, TypeError, ValueError) as e:
            raise _Unsupported(f"indexing: {e}") from None

    def __bool__(self):
        raise _control("takes the truth value")

    def _compare(self, other):
        raise _control("compares values")

    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = _compare
    __hash__ = object.__hash__

    def __add__(self, o):
        return _map(lambda a, b: a + b, self, o)

    def __radd__(self, o):
        return _map(lambda a, b: b + a, self, o)

    def __sub__(self, o):
        return _map(lambda a, b: a - b, self, o)

    def __rsub__(self, o):
        return _map(lambda a, b: b - a, self, o)

    def __mul__(self, o):
        return _map(lambda a, b: a * b, self, o)

    def __rmul__(self, o):
        return _map(lambda a, b: b * a, self, o)

    def __truediv__(self, o):
        return _map(lambda a, b: a / b, self, o)

    def __rtruediv__(self, o):
        return _map(lambda a, b: b / a, self, o)

    def __pow__(self, o):
        return _map(lambda a, b: a**b, self, o)

    def __rpow__(self, o):
        return _map(lambda a, b: b**a, self, o)

    def __neg__(self):
        return _map(lambda a: -a, self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _map(abs, self)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__" or kwargs:
            raise _Unsupported(f"numpy.{ufunc.__name__}.{method}")
        return _map(ufunc, *inputs)

    def _reduce(self, op, axis, kwargs):
        if kwargs or axis is None or not isinstance(axis, int):
            raise _Unsupported("a reduction over the points (axis=None)")
        if not -self.items.ndim <= axis < self.items.ndim:
            raise _Unsupported("a reduction over a batch axis")
        r = np.moveaxis(self.items, axis, 0)
        acc = _wrap(r[0])
        for part in r[1:]:
            acc = _map(op, acc, _wrap(part))
        return acc

    def sum(self, axis=None, **kwargs):
        return self._reduce(lambda a, b: a + b, axis, kwargs)

    def prod(self, axis=None, **kwargs):
        return self._reduce(lambda a, b: a * b, axis, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        if func is np.stack:
            return _stack(*args, **kwargs)
        if func in (np.sum, np.prod) and args and args[0] is self:
            kw = dict(kwargs)
            axis = args[1] if len(args) > 1 else kw.pop("axis", None)
            return (self.sum if func is np.sum else self.prod)(axis, **kw)
        raise _Unsupported(f"numpy.{func.__name__}")

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise _Unsupported(name)


# ------------------------------------------------------------- signatures
#: at most this many traced values per argument (the leading axes f indexes)
_MAX_ITEMS = 64

_STATIC = (bool, int, float, complex, str, bytes, type(None))


def _space_key(S):
    return (S.nvars, S.order, S.scale)


class _Entry:
    """One recording: the program, how arguments map to its inputs, the output
    layout, and the executor (a numba kernel or None for the replay)."""

    __slots__ = ("program", "struct", "out", "kernel", "eager", "direct", "pending")

    def __init__(self):
        self.pending = False  # numba still importing: compile at a later call
        self.direct = None  # jets' coefficient arrays -> the one output's, or None
        self.program = None
        self.struct = None  # per argument: None (not an input) or the struct shape
        self.out = None
        self.kernel = None
        self.eager = None  # a reason: run f eagerly for this signature


def _flatten_out(out, prog):
    """The layout of f's result: ("t", slot) | ("a", shape, [layouts]) |
    ("l", type, [layouts]) | ("c", value)."""
    if isinstance(out, Tracer):
        if out.program is not prog:
            raise _Unsupported("it returned a value of another recorded function")
        return ("t", out.index)
    if isinstance(out, _TracerArray):
        return ("a", out.items.shape, [_flatten_out(o, prog) for o in out.items.ravel()])
    if isinstance(out, (list, tuple)):
        return ("l", type(out), [_flatten_out(o, prog) for o in out])
    if isinstance(out, Jet):
        raise _Unsupported("it returned a jet from outside")
    return ("c", out)


def _slots(layout, acc):
    if layout[0] == "t":
        acc.append(layout[1])
    elif layout[0] in "al":
        for sub in layout[2]:
            _slots(sub, acc)
    return acc


def _build_out(layout, get):
    kind = layout[0]
    if kind == "t":
        return get(layout[1])
    if kind == "c":
        return layout[1]
    if kind == "l":
        return layout[1](_build_out(s, get) for s in layout[2])
    shape, parts = layout[1], [_build_out(s, get) for s in layout[2]]

    def nest(items, shape):
        if len(shape) == 1:
            return stack(items)
        step = len(items) // shape[0]
        return stack([nest(items[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])])

    return nest(parts, shape)


# ------------------------------------------------------------- the wrapper
_NO_NUMBA_WARNED = [False]


_PENDING = object()  # numba is being imported in the background
_NUMBA_READY = threading.Event()  # set once the import has finished (or failed)
_NUMBA = {"module": None, "thread": None, "want": False}
_NUMBA_LOCK = threading.Lock()

# numba's first call of any compiled function, even one loaded from its disk cache,
# sets up its code generation target (about 0.4 s here): done once, with this one
_WARM_SOURCE = """# generated by jets.jit: warms numba's target up; do not edit
from numba import njit


@njit(cache=True)
def warm(a):
    return a.shape[0]
"""


def _import_numba():
    try:
        import numba
    except Exception:  # noqa: BLE001 - not installed, or broken: the replay
        numba = None
    if numba is not None:
        try:
            _load(_WARM_SOURCE).warm(np.zeros(1))
        except Exception:  # noqa: BLE001, S110 - only a warm-up: the first kernel pays
            pass
    _NUMBA["module"] = numba
    _NUMBA_READY.set()


def _start_import():
    """Start numba's background import (once), after the call that asked for it
    has its result: the first result does not share the interpreter with it."""
    with _NUMBA_LOCK:
        if _NUMBA["thread"] is None and not _NUMBA_READY.is_set():
            thread = _NUMBA["thread"] = threading.Thread(
                target=_import_numba, name="jets.jit: import numba", daemon=True
            )
            thread.start()


def _forked_child():
    """In a child forked while numba was importing in the background: the import
    thread is not there, and numba may sit half imported in sys.modules with its
    import lock held by that thread.  The child then never imports numba (its
    jitted functions replay: the same numbers as eager jets)."""
    global _NUMBA_LOCK
    _NUMBA_LOCK = threading.Lock()
    if _NUMBA["thread"] is not None and not _NUMBA_READY.is_set():
        _NUMBA["module"] = None
        _NUMBA["forked"] = True
        _NUMBA_READY.set()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forked_child)


def _numba(wait=False):
    """The numba module; None (not installed, or ``JETS_JIT=replay``); or _PENDING.

    numba's own import takes about half a second, more than most first calls, so
    by default it runs in a background thread, started by the first compilation
    of the process: until it is done, recordings run the replay (the eager
    rules, exact) and compile at their first call after it.  ``wait=True``, or
    ``JETS_JIT=sync``, or numba already imported by the program: import now."""
    mode = os.environ.get("JETS_JIT", "")
    if mode == "replay":
        return None
    if _NUMBA_READY.is_set():
        return _NUMBA["module"]
    with _NUMBA_LOCK:
        thread = _NUMBA["thread"]
        if thread is None and (wait or mode == "sync" or "numba" in sys.modules):
            _import_numba()
            return _NUMBA["module"]
        if thread is None and importlib.util.find_spec("numba") is None:
            _NUMBA_READY.set()
            return None
        _NUMBA["want"] = True  # Jitted.__call__ starts it once it has its result
    if wait:
        _start_import()
        _NUMBA_READY.wait()
        return _NUMBA["module"]
    return _PENDING


class Jitted:
    """The callable :func:`jit` returns (see there).  ``.f`` is the function."""

    def __init__(self, f):
        self.f = f
        self._entries = {}
        self._direct = {}  # the fast path's signatures -> entry.direct
        self._plans = {}  # jets.api's sparse plans of f: (mode, x.shape, k) -> plan or None
        self._ode = {}  # solve_ivp's recordings of f (jets.ode._Problem.record)
        self._lock = threading.Lock()
        self._warned = set()
        try:
            self.__name__ = f.__name__
            self.__qualname__ = getattr(f, "__qualname__", f.__name__)
            self.__doc__ = f.__doc__
            self.__wrapped__ = f
        except AttributeError:
            pass

    def __repr__(self):
        return f"jets.jit({getattr(self.f, '__name__', self.f)!r})"

    # -- the call
    def __call__(self, *args, **kwargs):
        if kwargs:
            return self.f(*args, **kwargs)
        if args and type(args[0]) is Jet:
            # the latency path: jets of one seeding, a signature whose kernel gives
            # one output directly (no structure, no broadcasting, no flagged point)
            S = args[0]._space
            sig = [S.nvars, S.order, S.scale]
            cs = []
            for a in args:
                if type(a) is not Jet or a._space is not S or a._err is not None:
                    break
                c = a._coeffs
                cs.append(c)
                sig.append(c.shape)
                sig.append(a._vars)
                sig.append(c.dtype)
            else:
                direct = self._direct.get(tuple(sig))
                if direct is not None:
                    c = direct(cs)
                    if c is not None:
                        return _jet_of(S, c, None)
        key = []
        jets = []
        for a in args:
            if isinstance(a, Jet):
                if a._err is not None:
                    return self.f(*args)  # error tracking: the eager path
                jets.append(a)
                key.append(("J", a._coeffs.ndim, a._vars, a._coeffs.shape[0], a._coeffs.dtype))
            elif isinstance(a, (Tracer, TracerVector, _TracerArray)):
                return self.f(*args)  # inside another recording (solve_ivp, define)
            elif isinstance(a, np.ndarray):
                key.append(("A", a.shape, a.dtype))
            elif isinstance(a, _STATIC):
                key.append(("S", type(a), a))
            else:
                try:
                    hash(a)
                except TypeError:
                    return self.f(*args)
                key.append(("S", type(a), a))
        if not jets:
            return self.f(*args)
        S = jets[0]._space if len(jets) == 1 else common_space(*jets)
        key = (_space_key(S), tuple(key))
        entry = self._entries.get(key)
        if entry is not None and entry.direct is not None:
            # every argument a jet traced whole, one output: the kernel alone
            c = entry.direct([a._coeffs for a in args])
            if c is not None:
                return _jet_of(S, c, None)
        if entry is None or not self._fits(entry, args):
            with self._lock:
                entry = self._record(args, S)
                self._entries[key] = entry
                self._register(entry, args)
        elif entry.pending and _NUMBA_READY.is_set():  # numba arrived: compile it now
            with self._lock:
                if entry.pending:
                    self._kernel(entry, S, args)
                    self._register(entry, args)
        if entry.eager is not None:
            out = self.f(*args)
        else:
            out = self._run(entry, S, args)
        if _NUMBA["want"] and _NUMBA["thread"] is None:
            _start_import()
        return out

    def _register(self, entry, args):
        """Enter a signature whose kernel gives its one output directly into the
        table of the latency path at the top of __call__ (same key)."""
        if entry.direct is None or not all(
            type(a) is Jet and a._space is args[0]._space for a in args
        ):
            return
        S = args[0]._space
        sig = [S.nvars, S.order, S.scale]
        for a in args:  # the key the fast path at the top builds
            sig += (a._coeffs.shape, a._vars, a._coeffs.dtype)
        one = all(a._coeffs.ndim == 1 for a in args)  # one point each
        self._direct[tuple(sig)] = entry.kernel.point if one else entry.direct

    @staticmethod
    def _fits(entry, args):
        for a, st in zip(args, entry.struct, strict=False):
            if st is not None and st and tuple(a.shape[: len(st)]) != st:
                return False
        return True

    def _note(self, reason):
        if reason not in self._warned:
            self._warned.add(reason)
            warnings.warn(
                f"jets.jit: {getattr(self.f, '__name__', 'the function')} runs eagerly "
                f"(same results, not compiled): {reason}",
                RuntimeWarning,
                stacklevel=4,
            )

    # -- recording
    def _record(self, args, S):
        depth = [0] * len(args)
        while True:
            try:
                entry = self._trace(args, depth)
            except _NeedStructure:
                grown = False
                for i, a in enumerate(args):
                    if isinstance(a, Jet) and depth[i] < a.ndim:
                        depth[i] += 1
                        grown = True
                size = max(
                    (
                        int(np.prod(a.shape[: depth[i]]))
                        for i, a in enumerate(args)
                        if isinstance(a, Jet)
                    ),
                    default=1,
                )
                if not grown or size > _MAX_ITEMS:
                    entry = _Entry()
                    entry.struct = [None] * len(args)
                    entry.eager = "it indexes or reduces over the points"
                    self._note(entry.eager)
                    return entry
                continue
            except _Unsupported as e:
                entry = _Entry()
                entry.struct = [None] * len(args)
                entry.eager = f"a recording cannot hold what it does ({e})"
                self._note(entry.eager)
                return entry
            break
        self._kernel(entry, S, args)
        return entry

    @staticmethod
    def _kernel(entry, S, args):
        """Compile entry's kernel (None: the replay; entry.pending while numba
        is still importing) and its direct path."""
        kernel = _compile(entry, S, args)
        entry.pending = kernel is _PENDING
        entry.kernel = None if entry.pending else kernel
        if (
            entry.kernel is not None
            and all(isinstance(a, Jet) for a in args)
            and all(st == () for st in entry.struct)
            and entry.out[0] == "t"
            and entry.out[1] >= entry.program.ninputs
        ):
            entry.direct = entry.kernel.direct

    def _trace(self, args, depth):
        prog = Program(_JitTracer)
        targs, struct = [], []
        for a, k in zip(args, depth, strict=False):
            if isinstance(a, Jet):
                shape = tuple(a.shape[:k])
                struct.append(shape)
                if not shape:
                    targs.append(prog.input())
                else:
                    items = np.empty(shape, dtype=object)
                    for idx in np.ndindex(*shape):
                        items[idx] = prog.input()
                    targs.append(_TracerArray(items))
            elif isinstance(a, np.ndarray):
                struct.append(())
                targs.append(prog.input())
            else:
                struct.append(None)
                targs.append(a)
        out = self.f(*targs)
        entry = _Entry()
        entry.program = prog
        entry.struct = struct
        entry.out = _flatten_out(out, prog)
        return entry

    # -- running
    def _inputs(self, entry, args):
        vals = []
        for a, st in zip(args, entry.struct, strict=False):
            if st is None:
                continue
            if isinstance(a, Jet):
                if not st:
                    vals.append(Operand(a._coeffs, a._vars))
                else:
                    c = a._coeffs
                    for idx in np.ndindex(*st):
                        vals.append(Operand(c[(slice(None),) + idx], a._vars))
            else:
                vals.append(a)
        return vals

    def _run(self, entry, S, args):
        inputs = self._inputs(entry, args)
        if entry.kernel is not None:
            vals = entry.kernel(S, inputs)
        else:
            vals = replay(entry.program, S, inputs)

        def get(i):
            v = vals[i]
            return _jet_of(S, v.coeffs, v.vars) if isinstance(v, Operand) else v

        return _build_out(entry.out, get)


def _jet_of(S, coeffs, vars):
    """The Jet of a result whose layout the engine or the kernel guarantees:
    no re-validation (Jet._wrap checks what the recording already did)."""
    jet = Jet.__new__(Jet)
    if coeffs.flags.writeable:
        coeffs.flags.writeable = False
    jet._space, jet._coeffs, jet._vars, jet._err = S, coeffs, vars, None
    return jet


def replay(program, S, inputs):
    """Run the recorded nodes through the engine (the eager rules): `inputs`
    are Operands (jets) or plain values; returns the Operand or value of every
    input and node."""
    vals = list(inputs)
    for rule, refs in program.nodes:
        args, jet = [], False
        for r in refs:
            if isinstance(r, _Ref):
                v = vals[r.index]
                jet = jet or isinstance(v, Operand)
            elif isinstance(r, Const):
                v = r.v
            else:
                v = r
            args.append(v)
        if jet:
            c, vs = engine.apply(rule, S, args)
            vals.append(Operand(c, vs))
        else:
            with np.errstate(all="ignore"):
                vals.append(rule.value(*args))
    return vals


def jit(f):
    """Compile a function of jets: record it once per kind of call, then run
    the recording (a fused numba kernel when numba is installed).

    Parameters
    ----------
    f : callable
        A function of jets (and plain values) written with operators, numpy
        ufuncs and ``jets.<name>`` functions, as for ``jets.derivatives``,
        ``jets.hessian`` and ``jets.solve_ivp``.

    Returns
    -------
    Jitted
        A callable that behaves like ``f``: on plain numbers and arrays it is
        ``f``; on jets it returns what ``f`` returns (the same stored
        coefficients, to rounding).  The first call for a signature (space
        size and order, dtype, batch rank, which arguments are jets) records
        ``f`` and compiles it; later calls run the compiled program.  Python
        numbers passed as arguments are part of the signature; numpy arrays
        are inputs (their shape is part of it).

    Notes
    -----
    ``f`` must not branch on the values of its jets (``if x > 0``): that is a
    TypeError naming jets.jit (use ``jets.where``, ``np.maximum``).  Values
    ``f`` reads from outside (globals, closures) are fixed when it is
    recorded.  What a recording cannot hold (numpy functions other than ufuncs
    and sums over the variables' axis, jets from outside) makes that signature
    run ``f`` eagerly, with one RuntimeWarning saying why.  Jets with error
    tracking always run ``f`` eagerly.  See docs/jit.md.

    Examples
    --------
    >>> import numpy as np, jets
    >>> g = jets.jit(lambda x: np.exp(np.sin(x)) / (1 + x**2))
    >>> d = jets.derivatives(g, np.linspace(0, 1, 5), 8)
    >>> bool(np.allclose(d, jets.derivatives(g.f, np.linspace(0, 1, 5), 8), rtol=1e-14))
    True
    """
    if isinstance(f, Jitted):
        return f
    if not callable(f):
        raise TypeError(f"jets.jit needs a callable, got {type(f).__name__}")
    return Jitted(f)


# ------------------------------------------------------------ numba kernels
_TABLES = {}


def _tables(S):
    """Index tables of S for the kernels: DEG (degree of every coefficient),
    DEGF (the same as floats), and the pairs (i, j) of every target t with
    mono(i) + mono(j) = mono(t), sorted by deg(i): PI, PJ and PS[t, e] = the
    first pair of t with deg(i) >= e (PS[t, degree + 1] = the end)."""
    key = (S.nvars, S.order)
    hit = _TABLES.get(key)
    if hit is not None:
        return hit
    L, k = S.ncoeffs, S.degree
    mons = np.asarray(S.monomials).reshape(L, S.nvars)
    deg = mons.sum(axis=1).astype(np.int64)
    index = {tuple(int(v) for v in m): i for i, m in enumerate(mons)}
    PI, PJ = [], []
    PS = np.zeros((L, k + 2), dtype=np.int64)
    for t in range(L):
        mt = mons[t]
        pairs = []
        for i in range(L):
            if deg[i] <= deg[t] and np.all(mons[i] <= mt):
                pairs.append((int(deg[i]), i, index[tuple(int(v) for v in mt - mons[i])]))
        pairs.sort()
        base = len(PI)
        ds = [p[0] for p in pairs]
        for e in range(k + 2):
            PS[t, e] = base + int(np.searchsorted(ds, e))
        PI.extend(p[1] for p in pairs)
        PJ.extend(p[2] for p in pairs)
    out = (
        deg,
        deg.astype(np.float64),
        PS,
        np.asarray(PI, dtype=np.int64),
        np.asarray(PJ, dtype=np.int64),
    )
    _TABLES[key] = out
    return out


#: the rules the kernel generator has templates for
KERNEL_RULES = frozenset(
    "add subtract multiply divide negative positive square reciprocal power sqrt exp log "
    "sin cos tan sinh cosh tanh".split()
)


class _Gen:
    """Kernel source from the program's structure: rule names and integers
    (rows, degrees, constant slots) only, never user text."""

    def __init__(self, S, nrows):
        self.S = S
        self.uni = S.nvars == 1
        self.k = S.degree
        self.L = S.ncoeffs
        self.off = [int(o) for o in S.offsets]
        self.lines = []
        self.nrows = nrows
        self.consts = []

    def row(self):
        self.nrows += 1
        return self.nrows - 1

    def const(self, v):
        self.consts.append(float(v))
        return f"C[{len(self.consts) - 1}]"

    def n(self, top):
        return self.off[top + 1]

    def emit(self, *lines):
        self.lines.extend(lines)

    def sum(self, var, kind, a, b, lo, hi):
        """Lines (inside the loop over targets t of degree d) setting `var` to
        sum over the pairs (i, j) of t with lo <= deg i <= hi of a_i b_j,
        weighted by deg i (kind "w") or deg j ("wj"); plain products: kind "p"."""
        if self.uni:
            term = {
                "p": f"V[{a}, i] * V[{b}, t - i]",
                "w": f"(V[{a}, i] * i) * V[{b}, t - i]",
                "wj": f"V[{a}, i] * (V[{b}, t - i] * (t - i))",
            }[kind]
            return [
                f"    {var} = 0.0",
                f"    for i in range({lo}, {hi} + 1):",
                f"        {var} += {term}",
            ]
        term = {
            "p": f"V[{a}, PI[q]] * V[{b}, PJ[q]]",
            "w": f"(V[{a}, PI[q]] * DEGF[PI[q]]) * V[{b}, PJ[q]]",
            "wj": f"V[{a}, PI[q]] * (V[{b}, PJ[q]] * DEGF[PJ[q]])",
        }[kind]
        return [
            f"    {var} = 0.0",
            f"    for q in range(PS[t, {lo}], PS[t, {hi} + 1]):",
            f"        {var} += {term}",
        ]

    def flag(self, o):
        self.emit(f"if V[{o}, 0] - V[{o}, 0] != 0.0:", "    bad[p] = 1")

    # elementwise
    def copy(self, o, a, ta, sign=""):
        self.emit(f"for t in range({self.n(ta)}):", f"    V[{o}, t] = {sign}V[{a}, t]")
        return ta

    def addjj(self, o, a, ta, b, tb, op):
        to = max(ta, tb)
        self.emit(f"for t in range({self.n(to)}):", f"    V[{o}, t] = V[{a}, t] {op} V[{b}, t]")
        return to

    def addjc(self, o, a, ta, c, op, jet_first):
        sign = "" if jet_first or op == "+" else "-"
        val = f"V[{a}, 0] {op} {c}" if jet_first else f"{c} {op} V[{a}, 0]"
        self.emit(f"V[{o}, 0] = {val}")
        self.emit(f"for t in range(1, {self.n(ta)}):", f"    V[{o}, t] = {sign}V[{a}, t]")
        return ta

    def scale(self, o, a, ta, c, op):
        self.emit(f"for t in range({self.n(ta)}):", f"    V[{o}, t] = V[{a}, t] {op} {c}")
        return ta

    def mul(self, o, a, ta, b, tb):
        to = min(self.k, ta + tb)
        self.emit(
            f"for t in range({self.n(to)}):",
            "    d = DEG[t]",
            *self.sum("s", "p", a, b, f"max(0, d - {tb})", f"min({ta}, d)"),
            f"    V[{o}, t] = s",
        )
        return to

    def div(self, o, a, ta, b, tb, num=None):
        """a / b (a a row, or num a constant expression for const / b)."""
        if tb == 0:
            if num is not None:
                self.emit(f"V[{o}, 0] = {num} / V[{b}, 0]")
                return 0
            self.emit(f"for t in range({self.n(ta)}):", f"    V[{o}, t] = V[{a}, t] / V[{b}, 0]")
            return ta
        at = f"V[{a}, t]" if num is None else "0.0"
        a0 = f"V[{a}, 0]" if num is None else num
        self.emit(
            f"b0 = V[{b}, 0]",
            f"V[{o}, 0] = {a0} / b0",
            f"for t in range(1, {self.L}):",
            "    d = DEG[t]",
            *self.sum("s", "p", b, o, 1, f"min({tb}, d)"),
            f"    V[{o}, t] = ({at} - s) / b0",
        )
        return self.k

    def intpow(self, o, a, ta, n):
        """a**n by repeated squaring (as the eager rule), 1 / a**|n| for n < 0."""
        m, result, base, tr, tbase = abs(n), None, a, 0, ta
        while True:
            if m & 1:
                if result is None:
                    result, tr = base, tbase
                else:
                    r = self.row()
                    tr = self.mul(r, result, tr, base, tbase)
                    result = r
            m >>= 1
            if not m:
                break
            r = self.row()
            tbase = self.mul(r, base, tbase, base, tbase)
            base = r
        if n < 0:
            return self.div(o, None, 0, result, tr, num="1.0")
        return self.copy(o, result, tr)

    def realpow(self, o, a, ta, r, value):
        """a**r, r real: d a_0 P_d = r [DA P]_d - [A DP]_d; a point where a_0 is 0
        or extreme (the eager rule's special paths) is flagged for the replay."""
        if ta == 0:
            self.emit(f"V[{o}, 0] = {value}")
            return 0
        self.emit(
            f"a0 = V[{a}, 0]",
            "if a0 == 0.0 or not (abs(a0) < 2.0 ** 300 and abs(a0) > 2.0 ** -300):",
            "    bad[p] = 1",
            f"V[{o}, 0] = {value}",
            f"for t in range(1, {self.L}):",
            "    d = DEG[t]",
            *self.sum("s1", "w", a, o, 1, f"min({ta}, d)"),
            *self.sum("s2", "wj", a, o, 1, f"min({ta}, d - 1)"),
            f"    V[{o}, t] = ({r} * s1 - s2) / (d * a0)",
        )
        return self.k

    def exp(self, o, a, ta):
        self.emit(f"V[{o}, 0] = np.exp(V[{a}, 0])")
        if ta == 0:
            return 0
        self.emit(
            f"for t in range(1, {self.L}):",
            "    d = DEG[t]",
            *self.sum("s", "w", a, o, 1, f"min({ta}, d)"),
            f"    V[{o}, t] = s * (1.0 / d)",
        )
        return self.k

    def log(self, o, a, ta):
        self.emit(f"V[{o}, 0] = np.log(V[{a}, 0])")
        if ta == 0:
            return 0
        self.emit(
            f"a0 = V[{a}, 0]",
            f"for t in range(1, {self.L}):",
            "    d = DEG[t]",
            *self.sum("s", "wj", a, o, 1, f"min({ta}, d - 1)"),
            f"    V[{o}, t] = (V[{a}, t] - s / d) / a0",
        )
        return self.k

    def paired(self, s, c, a, ta, sign, fs, fc):
        self.emit(f"V[{s}, 0] = np.{fs}(V[{a}, 0])", f"V[{c}, 0] = np.{fc}(V[{a}, 0])")
        if ta == 0:
            return 0
        self.emit(
            f"for t in range(1, {self.L}):",
            "    d = DEG[t]",
            *self.sum("s", "w", a, c, 1, f"min({ta}, d)"),
            f"    V[{s}, t] = s * (1.0 / d)",
            *self.sum("s", "w", a, s, 1, f"min({ta}, d)"),
            f"    V[{c}, t] = s * ({sign} / d)",
        )
        return self.k

    def tan(self, o, w, a, ta, sign):
        if sign > 0:
            self.emit(f"t0 = np.tan(V[{a}, 0])", f"V[{o}, 0] = t0", f"V[{w}, 0] = 1.0 + t0 * t0")
        else:
            self.emit(
                f"V[{o}, 0] = np.tanh(V[{a}, 0])",
                f"ch = np.cosh(V[{a}, 0])",
                f"V[{w}, 0] = 1.0 / ch ** 2",
            )
        if ta == 0:
            return 0
        self.emit(
            f"for t in range(1, {self.L}):",
            "    d = DEG[t]",
            *self.sum("s", "w", a, w, 1, f"min({ta}, d)"),
            f"    V[{o}, t] = s * (1.0 / d)",
            *self.sum("s", "p", o, o, 0, "d"),
            f"    V[{w}, t] = s * {float(sign)}",
        )
        return self.k


def _scalar(v):
    """A constant argument as a Python float, or None if it is not a real scalar."""
    if isinstance(v, Const):
        v = v.v
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, (np.ndarray, np.generic)) and v.ndim == 0 and v.dtype.kind in "iuf":
        return v.item()
    return None


def _decoded_nodes(program):
    """Every node of `program` as (row, rule name, argument rows, constants): an
    argument is a row (an input or an earlier node; its constant None) or a
    scalar constant (its row None).  None when a node has no kernel template or
    a constant is not a scalar: the program then replays."""
    nodes = []
    for n, (rule, refs) in enumerate(program.nodes):
        if rule.name not in KERNEL_RULES:
            return None
        rows, consts = [], []
        for r in refs:
            if isinstance(r, _Ref):
                rows.append(r.index)
                consts.append(None)
            else:
                v = _scalar(r)
                if v is None:
                    return None
                rows.append(None)
                consts.append(v)
        nodes.append((program.ninputs + n, rule.name, rows, consts))
    return nodes


def _generate(program, S, tops):
    """(source, constants, output rows) of the kernel of `program` on S whose
    inputs have the top degrees `tops`; None if a node has no template."""
    g = _Gen(S, program.ninputs + len(program.nodes))
    top = dict(enumerate(tops))  # row -> top degree of its coefficients
    nodes = _decoded_nodes(program)
    if nodes is None:
        return None
    for o, name, rows, consts in nodes:
        g.emit(f"# node {o}: {name}")
        a = rows[0]
        ta = top[a] if a is not None else None
        if name in ("add", "subtract"):
            op = "+" if name == "add" else "-"
            b = rows[1]
            if a is not None and b is not None:
                to = g.addjj(o, a, ta, b, top[b], op)
            elif a is not None:
                to = g.addjc(o, a, ta, g.const(consts[1]), op, True)
            else:
                to = g.addjc(o, b, top[b], g.const(consts[0]), op, False)
        elif name == "multiply":
            b = rows[1]
            if a is not None and b is not None:
                to = g.mul(o, a, ta, b, top[b])
            elif a is not None:
                to = g.scale(o, a, ta, g.const(consts[1]), "*")
            else:
                to = g.scale(o, b, top[b], g.const(consts[0]), "*")
        elif name == "divide":
            b = rows[1]
            if a is not None and b is not None:
                to = g.div(o, a, ta, b, top[b])
            elif a is not None:
                c = consts[1]
                to = g.scale(o, a, ta if c != 0 else g.k, g.const(c), "/")
            else:
                to = g.div(o, None, 0, b, top[b], num=g.const(consts[0]))
        elif name == "reciprocal":
            to = g.div(o, None, 0, a, ta, num="1.0")
        elif name == "negative":
            to = g.copy(o, a, ta, "-")
        elif name == "positive":
            to = g.copy(o, a, ta)
        elif name == "square":
            to = g.mul(o, a, ta, a, ta)
        elif name == "power":
            if a is None or rows[1] is not None:
                return None
            r = consts[1]
            if isinstance(r, int) or float(r).is_integer():
                n_ = int(r)
                if abs(n_) > 2**20:
                    return None
                if n_ == 0:
                    g.emit(f"V[{o}, 0] = 1.0")
                    to = 0
                else:
                    to = g.intpow(o, a, ta, n_)
            else:
                c = g.const(r)
                to = g.realpow(o, a, ta, c, f"np.power(V[{a}, 0], {c})")
        elif name == "sqrt":
            to = g.realpow(o, a, ta, "0.5", f"np.sqrt(V[{a}, 0])")
        elif name == "exp":
            to = g.exp(o, a, ta)
        elif name == "log":
            to = g.log(o, a, ta)
        elif name in ("sin", "cos", "sinh", "cosh"):
            aux = g.row()
            hyper = name in ("sinh", "cosh")
            s, c = (o, aux) if name in ("sin", "sinh") else (aux, o)
            fs, fc = ("sinh", "cosh") if hyper else ("sin", "cos")
            to = g.paired(s, c, a, ta, "1.0" if hyper else "-1.0", fs, fc)
        elif name in ("tan", "tanh"):
            to = g.tan(o, g.row(), a, ta, 1 if name == "tan" else -1)
        else:  # pragma: no cover - KERNEL_RULES lists the branches above
            return None
        g.flag(o)
        top[o] = to
    return g


#: above this many product terms, or lines of code, the unrolled kernel would take
#: long to compile (numba's time grows faster than the code: 2.3 s for 680 lines,
#: 7 s for 1700, 74 s for 6700 here): the loop kernel (index tables) is generated
#: instead, for programs of at most MAX_LOOP_NODES nodes (numba's passes recurse
#: over the loop kernel's blocks: a Hessian of 20 variables' chained Rosenbrock
#: terms, 151 nodes, took 20 s to fail with a RecursionError), else the replay
MAX_UNROLLED_TERMS = 20000
MAX_UNROLLED_LINES = 1000
MAX_LOOP_NODES = 32


class _Unrolled:
    """Straight-line kernel text: every coefficient of every node of one point
    is a local variable ``v<row>_<index>``, and every sum is written out over
    the pairs of coefficients that can be nonzero (the *support* of each row:
    a seed has its value and one unit coefficient, a product of two seeds four
    coefficients, ...).  Rule names and integers only, never user text."""

    def __init__(self, S, pairs, deg):
        self.S, self.pairs, self.deg = S, pairs, deg
        self.L = S.ncoeffs
        self.sup = {}  # row -> sorted list of possibly nonzero coefficient indices
        self.lines = []
        self.consts = []
        self.terms = 0
        self.nrows = 0

    def const(self, v):
        self.consts.append(float(v))
        return f"c{len(self.consts) - 1}"

    def row(self):
        self.nrows += 1
        return f"x{self.nrows - 1}"

    @staticmethod
    def v(r, t):
        return f"v{r}_{t}"

    def emit(self, *lines):
        self.lines.extend(lines)

    def _sum(self, terms):
        self.terms += len(terms)
        return " + ".join(terms) if terms else "0.0"

    def pair_terms(self, t, a, b, fmt, skip_i0=False, skip_j0=False, jset=None):
        sa, sb = self.sup_set(a), jset if jset is not None else self.sup_set(b)
        out = []
        for i, j in self.pairs[t]:
            if (skip_i0 and i == 0) or (skip_j0 and j == 0):
                continue
            if i in sa and j in sb:
                out.append(fmt(i, j))
        return out

    def sup_set(self, r):
        return set(self.sup[r])

    def da_times(self, a, b):
        """The term (d a)_i b_j of the Euler-operator recurrences: a's degree-i
        coefficient times its degree, times b's coefficient j."""
        return lambda i, j: f"({self.v(a, i)} * {float(self.deg[i])}) * {self.v(b, j)}"

    # -------- nodes
    def copy(self, o, a, sign=""):
        for t in self.sup[a]:
            self.emit(f"{self.v(o, t)} = {sign}{self.v(a, t)}")
        self.sup[o] = list(self.sup[a])

    def addjj(self, o, a, b, op):
        sa, sb = self.sup_set(a), self.sup_set(b)
        sup = sorted(sa | sb)
        for t in sup:
            if t in sa and t in sb:
                e = f"{self.v(a, t)} {op} {self.v(b, t)}"
            elif t in sa:
                e = self.v(a, t)
            else:
                e = f"{op}{self.v(b, t)}" if op == "-" else self.v(b, t)
            self.emit(f"{self.v(o, t)} = {e}")
        self.sup[o] = sup

    def addjc(self, o, a, c, op, jet_first):
        sign = "" if jet_first or op == "+" else "-"
        self.emit(
            f"{self.v(o, 0)} = "
            + (f"{self.v(a, 0)} {op} {c}" if jet_first else f"{c} {op} {self.v(a, 0)}")
        )
        for t in self.sup[a][1:]:
            self.emit(f"{self.v(o, t)} = {sign}{self.v(a, t)}")
        self.sup[o] = list(self.sup[a])

    def scale(self, o, a, c, op, full=False):
        sup = list(range(self.L)) if full else self.sup[a]
        sa = self.sup_set(a)
        for t in sup:
            src = self.v(a, t) if t in sa else "0.0"
            self.emit(f"{self.v(o, t)} = {src} {op} {c}")
        self.sup[o] = list(sup)

    def mul(self, o, a, b):
        sup = []
        for t in range(self.L):
            terms = self.pair_terms(t, a, b, lambda i, j: f"{self.v(a, i)} * {self.v(b, j)}")
            if terms:
                self.emit(f"{self.v(o, t)} = {self._sum(terms)}")
                sup.append(t)
        self.sup[o] = sup

    def div(self, o, a, b, num=None):
        """a / b; num: a constant expression instead of the row a."""
        sa = {0} if num is None and a is None else (self.sup_set(a) if num is None else {0})
        a0 = num if num is not None else self.v(a, 0)
        b0 = self.v(b, 0)
        self.emit(f"{self.v(o, 0)} = {a0} / {b0}")
        done = {0}
        for t in range(1, self.L):
            terms = self.pair_terms(
                t, b, o, lambda i, j: f"{self.v(b, i)} * {self.v(o, j)}", skip_i0=True, jset=done
            )
            at = self.v(a, t) if num is None and t in sa else None
            if not terms and at is None:
                continue
            s = self._sum(terms)
            self.emit(f"{self.v(o, t)} = ({at or '0.0'} - ({s})) / {b0}")
            done.add(t)
        self.sup[o] = sorted(done)

    def intpow(self, o, a, n):
        m, result, base = abs(n), None, a
        while True:
            if m & 1:
                if result is None:
                    result = base
                else:
                    r = self.row()
                    self.mul(r, result, base)
                    result = r
            m >>= 1
            if not m:
                break
            r = self.row()
            self.mul(r, base, base)
            base = r
        if n < 0:
            self.div(o, None, result, num="1.0")
        else:
            self.copy(o, result)

    def _series(self, o, a, first, term_fn, jrow=None, skip_j0=False, tail=None):
        """Progressive support: o_t for t >= 1 from pairs (i in sup a, i != 0,
        j in what o (or jrow) has so far)."""
        done = {0}
        jdone = done if jrow is None else self.sup_set(jrow)
        self.emit(f"{self.v(o, 0)} = {first}")
        for t in range(1, self.L):
            terms = self.pair_terms(t, a, o, term_fn, skip_i0=True, skip_j0=skip_j0, jset=jdone)
            extra = tail(t) if tail else None
            if not terms and extra is None:
                continue
            self.emit(
                f"{self.v(o, t)} = "
                + (
                    extra(self._sum(terms))
                    if extra
                    else f"({self._sum(terms)}) * (1.0 / {self.deg[t]})"
                )
            )
            done.add(t)
        self.sup[o] = sorted(done)

    def exp(self, o, a):
        self._series(
            o,
            a,
            f"np.exp({self.v(a, 0)})",
            self.da_times(a, o),
        )

    def log(self, o, a):
        sa = self.sup_set(a)
        a0 = self.v(a, 0)

        def tail(t):
            at = self.v(a, t) if t in sa else "0.0"
            return lambda s: f"({at} - ({s}) / {self.deg[t]}) / {a0}"

        self._series(
            o,
            a,
            f"np.log({a0})",
            lambda i, j: f"{self.v(a, i)} * ({self.v(o, j)} * {float(self.deg[j])})",
            skip_j0=True,
            tail=tail,
        )

    def realpow(self, o, a, r, value):
        a0 = self.v(a, 0)
        self.emit(
            f"if {a0} == 0.0 or not (abs({a0}) < 2.0 ** 300 and abs({a0}) > 2.0 ** -300):",
            "    bad[p] = 1",
            f"{self.v(o, 0)} = {value}",
        )
        done = {0}
        for t in range(1, self.L):
            t1 = self.pair_terms(
                t,
                a,
                o,
                self.da_times(a, o),
                skip_i0=True,
                jset=done,
            )
            t2 = self.pair_terms(
                t,
                a,
                o,
                lambda i, j: f"{self.v(a, i)} * ({self.v(o, j)} * {float(self.deg[j])})",
                skip_i0=True,
                skip_j0=True,
                jset=done,
            )
            if not t1 and not t2:
                continue
            self.emit(
                f"{self.v(o, t)} = ({r} * ({self._sum(t1)}) - ({self._sum(t2)})) / "
                f"({float(self.deg[t])} * {a0})"
            )
            done.add(t)
        self.sup[o] = sorted(done)

    def paired(self, s, c, a, sign, fs, fc):
        a0 = self.v(a, 0)
        self.emit(f"{self.v(s, 0)} = np.{fs}({a0})", f"{self.v(c, 0)} = np.{fc}({a0})")
        ds, dc = {0}, {0}
        for t in range(1, self.L):
            ts = self.pair_terms(
                t,
                a,
                c,
                self.da_times(a, c),
                skip_i0=True,
                jset=dc,
            )
            tc = self.pair_terms(
                t,
                a,
                s,
                self.da_times(a, s),
                skip_i0=True,
                jset=ds,
            )
            if ts:
                self.emit(f"{self.v(s, t)} = ({self._sum(ts)}) * (1.0 / {self.deg[t]})")
            if tc:
                self.emit(f"{self.v(c, t)} = ({self._sum(tc)}) * ({sign} / {self.deg[t]})")
            if ts:
                ds.add(t)
            if tc:
                dc.add(t)
        self.sup[s], self.sup[c] = sorted(ds), sorted(dc)

    def tan(self, o, w, a, sign):
        a0 = self.v(a, 0)
        if sign > 0:
            self.emit(
                f"{self.v(o, 0)} = np.tan({a0})",
                f"{self.v(w, 0)} = 1.0 + {self.v(o, 0)} * {self.v(o, 0)}",
            )
        else:
            self.emit(
                f"{self.v(o, 0)} = np.tanh({a0})", f"{self.v(w, 0)} = 1.0 / np.cosh({a0}) ** 2"
            )
        dt, dw = {0}, {0}
        for t in range(1, self.L):
            tt = self.pair_terms(
                t,
                a,
                w,
                self.da_times(a, w),
                skip_i0=True,
                jset=dw,
            )
            if tt:
                self.emit(f"{self.v(o, t)} = ({self._sum(tt)}) * (1.0 / {self.deg[t]})")
                dt.add(t)
            self.sup[o] = sorted(dt)
            tw = [
                f"{self.v(o, i)} * {self.v(o, j)}" for i, j in self.pairs[t] if i in dt and j in dt
            ]
            if tw:
                self.emit(f"{self.v(w, t)} = ({self._sum(tw)}) * {float(sign)}")
                dw.add(t)
        self.sup[o], self.sup[w] = sorted(dt), sorted(dw)


def _generate_unrolled(program, S, supports):
    """The straight-line kernel body of `program` (see _Unrolled), or None if a
    node has no template or the code would be too long."""
    deg, _, PS, PI, PJ = _tables(S)
    pairs = [
        list(
            zip(PI[PS[t, 0] : PS[t, -1]].tolist(), PJ[PS[t, 0] : PS[t, -1]].tolist(), strict=False)
        )
        for t in range(S.ncoeffs)
    ]
    g = _Unrolled(S, pairs, deg.tolist())
    for i, sup in enumerate(supports):
        g.sup[i] = sorted(sup)
    nodes = _decoded_nodes(program)
    if nodes is None:
        return None
    for o, name, rows, consts in nodes:
        a = rows[0]
        if name in ("add", "subtract"):
            op = "+" if name == "add" else "-"
            b = rows[1]
            if a is not None and b is not None:
                g.addjj(o, a, b, op)
            elif a is not None:
                g.addjc(o, a, g.const(consts[1]), op, True)
            else:
                g.addjc(o, b, g.const(consts[0]), op, False)
        elif name == "multiply":
            b = rows[1]
            if a is not None and b is not None:
                g.mul(o, a, b)
            elif a is not None:
                g.scale(o, a, g.const(consts[1]), "*")
            else:
                g.scale(o, b, g.const(consts[0]), "*")
        elif name == "divide":
            b = rows[1]
            if a is not None and b is not None:
                g.div(o, a, b)
            elif a is not None:
                g.scale(o, a, g.const(consts[1]), "/", full=consts[1] == 0)
            else:
                g.div(o, None, b, num=g.const(consts[0]))
        elif name == "reciprocal":
            g.div(o, None, a, num="1.0")
        elif name == "negative":
            g.copy(o, a, "-")
        elif name == "positive":
            g.copy(o, a)
        elif name == "square":
            g.mul(o, a, a)
        elif name == "power":
            if a is None or rows[1] is not None:
                return None
            r = consts[1]
            if isinstance(r, int) or float(r).is_integer():
                n_ = int(r)
                if abs(n_) > 2**20:
                    return None
                if n_ == 0:
                    g.emit(f"{g.v(o, 0)} = 1.0")
                    g.sup[o] = [0]
                else:
                    g.intpow(o, a, n_)
            else:
                c = g.const(r)
                g.realpow(o, a, c, f"np.power({g.v(a, 0)}, {c})")
        elif name == "sqrt":
            g.realpow(o, a, "0.5", f"np.sqrt({g.v(a, 0)})")
        elif name == "exp":
            g.exp(o, a)
        elif name == "log":
            g.log(o, a)
        elif name in ("sin", "cos", "sinh", "cosh"):
            aux = g.row()
            hyper = name in ("sinh", "cosh")
            sr, cr = (o, aux) if name in ("sin", "sinh") else (aux, o)
            fs, fc = ("sinh", "cosh") if hyper else ("sin", "cos")
            g.paired(sr, cr, a, "1.0" if hyper else "-1.0", fs, fc)
        elif name in ("tan", "tanh"):
            g.tan(o, g.row(), a, 1 if name == "tan" else -1)
        else:  # pragma: no cover - KERNEL_RULES lists the branches above
            return None
        g.emit(f"if {g.v(o, 0)} - {g.v(o, 0)} != 0.0:", "    bad[p] = 1")
        if g.terms > MAX_UNROLLED_TERMS or len(g.lines) > MAX_UNROLLED_LINES:
            return None
    return g


def _unrolled_source(g, inputs, outputs):
    """Module text of the straight-line kernel; inputs: (row, [(stored row q,
    full index)]) of the coefficients each input may hold."""
    nin, nout = len(inputs), len(outputs)
    params = [f"in{i}" for i in range(nin)] + ["C"] + [f"out{j}" for j in range(nout)] + ["bad"]
    body = [f"c{k} = C[{k}]" for k in range(len(g.consts))]
    body += ["npts = bad.shape[0]", "nbad = 0", "for p in range(npts):"]
    inner = ["bad[p] = 0"]
    for i, (row, rows) in enumerate(inputs):
        for q, e in rows:
            inner.append(f"{g.v(row, e)} = in{i}[{q}, p]")
        inner += [f"if {g.v(row, 0)} - {g.v(row, 0)} != 0.0:", "    bad[p] = 1"]
    inner += g.lines
    for j, row in enumerate(outputs):
        sup = set(g.sup[row])
        for t in range(g.L):
            inner.append(f"out{j}[{t}, p] = {g.v(row, t) if t in sup else '0.0'}")
    inner.append("nbad += bad[p]")
    body += ["    " + line for line in inner]
    body.append("return nbad")
    head = [
        "# generated by jets.jit from rule templates; do not edit",
        "import numpy as np",
        "from numba import njit",
        "",
        "",
        '@njit(cache=True, error_model="numpy")',
        f"def kernel({', '.join(params)}):",
    ]
    return "\n".join(head + ["    " + line for line in body]) + "\n"


def _kernel_source(g, inputs, outputs, uni):
    """The module text: helpers, then kernel(ins..., embs..., C, tables, outs..., bad)."""
    nin, nout = len(inputs), len(outputs)
    params = (
        [f"in{i}" for i in range(nin)]
        + [f"emb{i}" for i in range(nin)]
        + ["C", "DEG", "DEGF", "PS", "PI", "PJ"]
        + [f"out{j}" for j in range(nout)]
        + ["bad"]
    )
    body = [
        "npts = bad.shape[0]",
        "nbad = 0",
        f"V = np.zeros(({g.nrows}, {g.L}))",
        "for p in range(npts):",
    ]
    inner = ["bad[p] = 0"]
    for i, (row, lin) in enumerate(inputs):
        inner += [f"for q in range({lin}):", f"    V[{row}, emb{i}[q]] = in{i}[q, p]"]
        inner += [f"if V[{row}, 0] - V[{row}, 0] != 0.0:", "    bad[p] = 1"]
    inner += g.lines
    for j, row in enumerate(outputs):
        inner += [f"for q in range({g.L}):", f"    out{j}[q, p] = V[{row}, q]"]
    inner.append("nbad += bad[p]")
    body += ["    " + line for line in inner]
    body.append("return nbad")
    head = [
        "# generated by jets.jit from rule templates; do not edit",
        "import numpy as np",
        "from numba import njit",
        "",
        '@njit(cache=True, error_model="numpy")',
        f"def kernel({', '.join(params)}):",
    ]
    return "\n".join(head + ["    " + line for line in body]) + "\n"


def cache_dir():
    """The directory of generated kernels: $JETS_CACHE_DIR, else ~/.cache/jets."""
    d = os.environ.get("JETS_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "jets")
    return d


_MODULES = {}
_U8 = np.uint8


def _c_ro(a):
    """`a` as a C-contiguous read-only array, the one argument type every kernel is
    compiled for (numba compiles again for strided or writable arrays): jets'
    coefficients are read-only; a copy or a reshaped view is flagged here."""
    if not a.flags.c_contiguous:
        a = np.ascontiguousarray(a)
    if a.flags.writeable:
        a = a.view()
        a.flags.writeable = False  # on this view only: the caller's array is untouched
    return a


def _load(source):
    """Import the generated module (written once under the hash of its text)."""
    h = hashlib.sha256(source.encode()).hexdigest()[:24]
    mod = _MODULES.get(h)
    if mod is not None:
        return mod
    d = cache_dir()
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, f"jets_kernel_{h}.py")
    if not os.path.exists(path):
        tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
        with open(tmp, "w") as fh:
            fh.write(source)
        os.replace(tmp, path)
    spec = importlib.util.spec_from_file_location(f"jets_kernel_{h}", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # numba's disk cache re-imports it by name
    spec.loader.exec_module(mod)
    _MODULES[h] = mod
    return mod


def _compile(entry, S, args):
    """The numba executor of entry, or None (replay): when numba is importable,
    the dtype is float64, every input is a jet and every node has a template."""
    prog = entry.program
    nb = _numba()
    if nb is _PENDING:
        return _PENDING
    if nb is None:
        if os.environ.get("JETS_JIT", "") == "replay":
            return None  # asked for: nothing to warn about
        if not _NO_NUMBA_WARNED[0]:
            _NO_NUMBA_WARNED[0] = True
            warnings.warn(
                "jets.jit: this process forked while numba was importing, so its compiled "
                "functions replay their recording with numpy (same results, slower)"
                if _NUMBA.get("forked")
                else "jets.jit: numba is not installed, so compiled functions replay their "
                "recording with numpy; pip install 'jets[jit]' (numba) makes them faster",
                RuntimeWarning,
                stacklevel=5,
            )
        return None
    # inputs: per program input (row), its Lin and embedding in the full space,
    # and the rows that are zero in this first call (a seed's other directions)
    specs = []
    for a, st in zip(args, entry.struct, strict=False):
        if st is None:
            continue
        if not isinstance(a, Jet) or a._coeffs.dtype != np.float64:
            return None
        sub = S.subspace(a._vars) if a._vars else S
        lin = a._coeffs.shape[0]
        if a._vars == ():
            emb, t = np.zeros(1, dtype=np.int64), 0
        else:
            emb = np.asarray(
                S.embedding(a._vars, None)[:lin] if a._vars is not None else np.arange(lin),
                dtype=np.int64,
            )
            t = int(sub.top_degree[lin])
        c = a._coeffs
        for idx in np.ndindex(*st):
            ci = c[(slice(None),) + idx]
            nz = ci.reshape(lin, -1).any(axis=1) if ci.size else np.zeros(lin, dtype=bool)
            zero = np.flatnonzero(~nz)
            specs.append((lin, emb, t, zero[zero > 0]))
    if len(specs) != prog.ninputs or not prog.nodes:
        return None
    outs = sorted({i for i in _slots(entry.out, []) if i >= prog.ninputs})
    sups = [[int(e) for q, e in enumerate(sp[1]) if q not in set(sp[3])] for sp in specs]
    g = _generate_unrolled(prog, S, sups)
    if g is not None:
        ins = [
            (i, [(q, int(e)) for q, e in enumerate(sp[1]) if q not in set(sp[3])])
            for i, sp in enumerate(specs)
        ]
        src = _unrolled_source(g, ins, outs)
        checks = [(i, sp[3]) for i, sp in enumerate(specs) if len(sp[3])]
        extra = []
    else:
        if len(prog.nodes) > MAX_LOOP_NODES:
            warnings.warn(
                f"jets.jit: the recording of {len(prog.nodes)} operations is too long for "
                f"a fused kernel; it replays (same results, not fused). A function of many "
                f"variables is faster through jets.hessian(jets.jit(f), x) and friends, "
                f"which evaluate its sparse plan",
                RuntimeWarning,
                stacklevel=5,
            )
            return None
        g = _generate(prog, S, [sp[2] for sp in specs])
        if g is None:
            return None
        src = _kernel_source(g, [(i, sp[0]) for i, sp in enumerate(specs)], outs, S.nvars == 1)
        checks = []
        extra = [sp[1] for sp in specs]
    try:
        kern = _load(src).kernel
    except Exception as e:  # noqa: BLE001 - an unwritable cache dir etc.: replay
        warnings.warn(f"jets.jit: the kernel could not be built ({e}); replaying", stacklevel=5)
        return None
    consts = np.asarray(g.consts + [0.0], dtype=np.float64)
    tables = _tables(S) if extra else ()
    L = S.ncoeffs
    try:  # compile (or load) now, on no points: a program numba cannot take replays
        empty = [np.empty((sp[0], 0)) for sp in specs]
        for a in empty:  # as a jet's coefficients: numba types read-only arrays apart
            a.flags.writeable = False
        outs0 = [np.empty((L, 0)) for _ in outs]
        kern(*empty, *extra, consts, *tables, *outs0, np.empty(0, _U8))
    except Exception as e:  # noqa: BLE001 - numba's own limits (RecursionError on huge code)
        warnings.warn(
            f"jets.jit: numba could not compile the kernel ({type(e).__name__}: "
            f"{str(e)[:200]}); this signature replays the recording (same results, slower)",
            RuntimeWarning,
            stacklevel=5,
        )
        return None

    def run(S, inputs):
        coeffs = [op.coeffs for op in inputs]
        shapes = [c.shape[1:] for c in coeffs]
        batch = shapes[0]
        if any(s != batch for s in shapes):
            batch = np.broadcast_shapes(*shapes)
            coeffs = [np.broadcast_to(c, c.shape[:1] + batch) for c in coeffs]
        npts = math.prod(batch)
        flat = [_c_ro(c.reshape(c.shape[0], npts)) for c in coeffs]
        for i, zero in checks:  # the kernel assumes these rows are zero
            if flat[i][zero].any():
                return replay(prog, S, inputs)
        out = np.empty((len(outs), L, npts))
        bad = np.empty(npts, dtype=np.uint8)
        if kern(*flat, *extra, consts, *tables, *out, bad):
            idx = np.flatnonzero(bad)
            sub = [Operand(f[:, idx], op.vars) for f, op in zip(flat, inputs, strict=False)]
            vals = replay(prog, S, sub)
            for o, slot in zip(out, outs, strict=False):
                v = vals[slot]
                o[:, idx] = K.embed(S, v.coeffs, v.vars, None, full=True)
        vals = list(inputs) + [None] * len(prog.nodes)
        for o, slot in zip(out, outs, strict=False):
            vals[slot] = Operand(o.reshape((L,) + batch) if len(batch) != 1 else o, None)
        return vals

    def direct(coeffs):
        """The one output's coefficients from the inputs' arrays (of one batch
        shape), or None when the general path must run (broadcasting, flagged
        points, an input holding what the kernel assumed zero)."""
        batch = coeffs[0].shape[1:]
        for c in coeffs:
            if c.shape[1:] != batch:
                return None
        if len(batch) == 1:
            flat, npts = [_c_ro(c) for c in coeffs], batch[0]
        elif not batch:  # one point: the latency path
            flat, npts = [_c_ro(c[:, None]) for c in coeffs], 1
        else:
            npts = math.prod(batch)
            flat = [_c_ro(c.reshape(c.shape[0], npts)) for c in coeffs]
        for i, zero in checks:
            if flat[i][zero].any():
                return None
        out = np.empty((L, npts))
        if kern(*flat, *extra, consts, *tables, out, np.empty(npts, _U8)):
            return None
        return out if len(batch) == 1 else out.reshape((L,) + batch)

    scratch = np.empty(1, _U8)  # the point path's flags: written, never read

    def point(coeffs):
        """direct() for inputs of one point each (coefficient arrays (rows,), as
        the signature guarantees): the W3 latency path."""
        flat = [_c_ro(c[:, None]) for c in coeffs]
        for i, zero in checks:
            if flat[i][zero].any():
                return None
        out = np.empty(L)
        if kern(*flat, *extra, consts, *tables, out[:, None], scratch):
            return None
        return out

    if not checks and not extra and len(specs) == 1:
        # (no _c_ro here: the seeds of jets.variables are C-contiguous and read-only
        # already, and another layout only costs numba one more compilation)
        def point(coeffs):  # noqa: F811 - the same for one input without checks
            out = np.empty(L)
            if kern(coeffs[0][:, None], consts, out[:, None], scratch):
                return None
            return out

    elif not checks and not extra and len(specs) == 2:

        def point(coeffs):  # noqa: F811 - the same for two inputs without checks
            out = np.empty(L)
            if kern(coeffs[0][:, None], coeffs[1][:, None], consts, out[:, None], scratch):
                return None
            return out

    run.direct = direct
    run.point = point

    return run
