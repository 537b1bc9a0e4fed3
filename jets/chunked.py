"""Dask arrays of points: the functional API and ``solve_ivp`` ensembles, lazily, chunk by chunk.

:mod:`jets.api` and :func:`jets.solve_ivp` route here when their points are a dask array
(``type(x).__module__`` starts with ``"dask"``: a type check, so ``import jets`` and the
numpy path never import dask).  The result is lazy: dask arrays (or a dict / tuple of them,
as the numpy function returns), one task per chunk of the points, nothing computed here.

How: every api function maps the batch elementwise, so each chunk of points is a call of
the same numpy function on that chunk (``dask.array.map_blocks``).  The results are the
numpy results bit for bit: every point goes through the same numpy operations whatever
chunk it is in (the tests assert ``np.array_equal``, nan positions included).

* Chunks: the batch axes keep the chunks of `x`; the variable axis (axis 0 of ``x`` of
  shape ``(n, *batch)``, or the ``axis=`` one) is rechunked into one chunk, as every
  point needs all of its n coordinates.  New leading axes of the result (derivative
  order, output index m, the n's of a gradient or Hessian) are one chunk each.
* The shape of the result (its output axes m) is read from one call of the numpy
  function on an EMPTY batch (``np.empty`` with every batch axis of length 0): `f`
  runs once on zero points when the graph is built, and argument errors (a bad order,
  alpha, axis) are raised then, as on the numpy path.
* `f` travels to the workers with the graph: for ``dask.distributed`` it must pickle with
  cloudpickle (lambdas, closures and module functions do; an open file or a lock in its
  closure does not).

Layer: below jets.api and jets.ode, which call in here with their own numpy function
(passed in, so the imports run one way); imports dask only when called.
"""

import functools

import numpy as np

from . import kernels as K

__all__ = ["is_dask", "apply", "solve_ivp"]


def is_dask(obj):
    """True for a dask collection (a type check: dask is not imported)."""
    return type(obj).__module__.startswith("dask")


def _dask_array():
    import dask.array as da

    return da


def _checked(x, name):
    """`x` as a dask array of numbers with known chunk sizes."""
    da = _dask_array()
    if not isinstance(x, da.Array):
        raise TypeError(
            f"`{name}` is a dask {type(x).__name__}, not a dask array: pass a dask.array.Array "
            f"(e.g. dask.array.from_array(values, chunks=...))"
        )
    if any(np.isnan(c) for cs in x.chunks for c in cs):
        raise ValueError(
            f"`{name}` has unknown chunk sizes (shape {x.shape}): call "
            f"{name}.compute_chunk_sizes() first, the result's chunks follow {name}'s"
        )
    return x


def _var_axis(x, axis, name="x"):
    """The variable axis of x as a non-negative int (numpy's AxisError otherwise)."""
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(
            f"`axis` must be an int (the axis of `{name}` that holds the variables), got {axis!r}"
        )
    if x.ndim == 0:
        raise ValueError(
            f"`{name}` must have an axis of variables, got a 0-d dask array: for a function "
            f"of one variable use jets.derivative, or pass {name} of shape (1, *batch)"
        )
    if not -x.ndim <= int(axis) < x.ndim:
        raise np.exceptions.AxisError(
            int(axis), x.ndim, f"`axis` names the axis of `{name}` (shape {x.shape})"
        )
    return int(axis) % x.ndim


# ------------------------------------------------------------ result trees
def _leaves(res, out):
    """Append the arrays of a result (ndarray, tuple or dict of them) to out; return its
    structure: None for an array, ("tuple", [...]) or ("dict", keys, [...])."""
    if isinstance(res, tuple):
        return ("tuple", [_leaves(r, out) for r in res])
    if isinstance(res, dict):
        return ("dict", list(res), [_leaves(r, out) for r in res.values()])
    out.append(np.asarray(res))
    return None


def _build(spec, leaves):
    """The result of structure spec from an iterator of its arrays."""
    if spec is None:
        return next(leaves)
    if spec[0] == "tuple":
        return tuple(_build(s, leaves) for s in spec[1])
    return {k: _build(s, leaves) for k, s in zip(spec[1], spec[2], strict=True)}


def _layout(shape, nb):
    """(batch positions, lead shape) of a leaf computed on an empty batch: its axes of
    length 0 are the nb batch axes (in order), the others are new axes (lengths >= 1)."""
    where = [i for i, s in enumerate(shape) if s == 0]
    if len(where) != nb:
        raise ValueError(
            f"a result of shape {shape} on an empty batch of {nb} axis(es) does not show where "
            f"its batch axes are (an output axis of length 0?): return results of shape "
            f"(*batch) or (m, *batch) with m >= 1"
        )
    return where, tuple(s for i, s in enumerate(shape) if s != 0)


def _packed_block(fn, f, args, kwargs, layouts, dtype, pad, *blocks):
    """One chunk: fn on the block(s), every result array with its batch axes moved last,
    flattened in front to (size, *batch) and concatenated: (P, *batch).

    pad: None, or (axis, small): a block of at most `small` points is first padded along
    that batch axis (its last value repeated) to more than `small` points, and the padding
    cut off again, so that it takes the kernels' path of large batches as the whole batch
    of x does (kernels.py: batches of up to _SMALL_BATCH points sum products in another
    order, a last-bit difference)."""
    keep = None
    if pad is not None:
        axis, small = pad
        points = int(np.prod([blocks[0].shape[i] for i in axis[1]], dtype=np.int64))
        if 0 < points <= small:
            keep = blocks[0].shape[axis[0]]
            rest = points // keep
            width = [(0, 0)] * blocks[0].ndim
            width[axis[0]] = (0, -(-(small + 1) // rest) - keep)
            blocks = tuple(np.pad(b, width, mode="edge") for b in blocks)
    x = blocks[0]
    if len(blocks) > 1:  # a direction block (directional, hvp) comes after the points
        args = (blocks[1],) + tuple(args)
    res = fn(f, x, *args, **kwargs)
    leaves = []
    _leaves(res, leaves)
    parts = []
    for leaf, (where, lead) in zip(leaves, layouts, strict=True):
        moved = np.moveaxis(leaf, where, range(leaf.ndim - len(where), leaf.ndim))
        if keep is not None:
            moved = moved[..., :keep]
        size = int(np.prod(lead, dtype=np.int64))
        parts.append(moved.reshape((size,) + moved.shape[len(lead) :]))
    return np.concatenate(parts, axis=0).astype(dtype, copy=False)


# ------------------------------------------------------------------- api
def apply(fn, f, x, *args, several, v=None, axis=0, **kwargs):
    """``fn(f, x, *args, **kwargs)`` (a function of jets.api) over the chunks of dask `x`.

    several: `x` has a variable axis (``axis``; one variable: every axis is a batch
    axis).  `v`: the directions of :func:`jets.directional` / :func:`jets.hvp`, None
    for the others: a 1-d array of n numbers (one direction for every point), or an
    array (numpy or dask) that broadcasts to the shape of `x`, chunked as `x`.

    Returns what fn returns (an array, a tuple or a dict of them) with dask arrays:
    batch chunks as `x`'s, every other axis one chunk; lazy.
    """
    da = _dask_array()
    if not is_dask(x):
        raise TypeError(
            f"`v` is a dask array but `x` is {type(x).__name__}: pass `x` as a dask array too "
            f"(dask.array.from_array(x, chunks=...)); the batch is chunked along `x`"
        )
    x = _checked(x, "x")
    if several:
        va = _var_axis(x, axis)
        kwargs["axis"] = axis
        if x.numblocks[va] > 1:
            x = x.rechunk({va: -1})  # each point needs all its n coordinates in one chunk
    else:
        va = None
    batch_axes = [i for i in range(x.ndim) if i != va]
    operands = [x]
    probe_args = args
    if v is not None:
        operands.append(_directions(da, v, x, va))
        probe_args = (np.empty(tuple(0 if i != va else s for i, s in enumerate(x.shape))),) + args
    # the layout of the result: fn on an empty batch (f runs on zero points)
    probe = np.empty(tuple(0 if i != va else s for i, s in enumerate(x.shape)), dtype=x.dtype)
    with np.errstate(all="ignore"):
        res = fn(f, probe, *probe_args, **kwargs)
    leaves = []
    spec = _leaves(res, leaves)
    layouts = [_layout(leaf.shape, len(batch_axes)) for leaf in leaves]
    dtype = np.result_type(*leaves)
    if any(leaf.dtype != dtype for leaf in leaves):
        raise TypeError(
            f"the results of {fn.__name__} on dask arrays must share one dtype, got "
            f"{[str(leaf.dtype) for leaf in leaves]}: return floats from f"
        )
    sizes = [int(np.prod(lead, dtype=np.int64)) for _, lead in layouts]
    # chunks of few points take the kernels' path of large batches when x's batch does
    small = K._SMALL_BATCH
    points = int(np.prod([x.shape[i] for i in batch_axes], dtype=np.int64))
    pad = None
    if points <= small:
        if x.npartitions > 1:  # a few points: one chunk, as numpy's one call
            x = x.rechunk({i: -1 for i in batch_axes})
            operands[1:] = [op.rechunk(x.chunks) for op in operands[1:]]
    elif batch_axes:
        pad = ((batch_axes[-1], batch_axes), small)
    operands[0] = x
    block = functools.partial(_packed_block, fn, f, args, kwargs, layouts, dtype, pad)
    batch_chunks = tuple(x.chunks[i] for i in batch_axes)
    packed = da.map_blocks(
        block,
        *operands,
        chunks=((sum(sizes),),) + batch_chunks,
        drop_axis=[] if va is None else [va],
        new_axis=[0],
        dtype=dtype,
        meta=np.empty((0,) * (1 + len(batch_axes)), dtype=dtype),
        token=f"jets-{fn.__name__}",
    )
    batch = tuple(x.shape[i] for i in batch_axes)
    out, start = [], 0
    for (where, lead), size in zip(layouts, sizes, strict=True):
        if len(lead) == 1 and len(sizes) == 1:
            part = packed  # already (m, *batch)
        elif lead == ():
            part = packed[start]
        else:
            part = packed[start : start + size].reshape(lead + batch)
        start += size
        last = list(range(len(lead), part.ndim))
        out.append(da.moveaxis(part, last, where) if where != last else part)
    return _build(spec, iter(out))


def _directions(da, v, x, va):
    """Directions v as a dask array of x's shape and chunks (a 1-d v: one direction for
    every point, laid along the variable axis)."""
    n = x.shape[va]
    if is_dask(v):
        v = _checked(v, "v")
    else:
        v = np.asarray(v)
    if v.ndim == 1 and v.shape[0] == n:
        v = v.reshape(tuple(n if i == va else 1 for i in range(x.ndim)))
    try:
        shape = np.broadcast_shapes(v.shape, x.shape)
    except ValueError:
        shape = None
    if shape != x.shape:
        raise ValueError(
            f"`v` of shape {v.shape} does not broadcast to the shape {x.shape} of the dask "
            f"array `x`: give one direction of {n} numbers, or directions broadcasting to "
            f"x's shape (the batch is chunked along x)"
        )
    v = da.broadcast_to(da.asarray(v), x.shape)
    return v.rechunk(x.chunks)


# --------------------------------------------------------------- solve_ivp
def solve_ivp(solver, fun, t_span, y0, *, events=None, dense_output=False, args=(), **options):
    """An ensemble of :func:`jets.solve_ivp` (`solver`) over the batch chunks of dask `y0`.

    `y0` has shape ``(n, *batch)``; each chunk of trajectories is integrated by one call
    of the numpy solver.  Every trajectory takes its own steps there (the step size,
    the stop and the failure are per trajectory), so a trajectory's result does not
    depend on which other trajectories share its chunk: the results equal the numpy
    ensemble's bit for bit.

    Returns an OdeResult with ``t`` (numpy: ``t_eval``, default ``[t0, t1]``), lazy dask
    arrays ``y`` ``(n, *batch, nt)``, ``nsteps`` and ``statuses`` ``(*batch)``, and
    0-d dask arrays ``status`` (-1 if any trajectory failed, else 0), ``success``
    and ``nfev`` (the steps of all trajectories); ``message`` says to compute them.
    Not supported here (ValueError): events, dense output, jets in y0 or args.
    Arguments of the batch shape (numpy or dask) are per trajectory, chunked as `y0`.
    """
    da = _dask_array()
    y0 = _checked(y0, "y0")
    if events is not None and events != []:
        raise ValueError(
            "solve_ivp: events are not supported for a dask y0 (each chunk finds a different "
            "number of crossings): integrate with numpy y0, or chunk by hand"
        )
    if dense_output:
        raise ValueError(
            "solve_ivp: dense_output is not supported for a dask y0: give t_eval, the times "
            "the solution is wanted at"
        )
    if y0.ndim < 2:
        raise ValueError(
            f"solve_ivp: a dask y0 must be an ensemble of shape (n, *batch), got shape "
            f"{y0.shape}: for one trajectory pass a numpy array"
        )
    if y0.numblocks[0] > 1:
        y0 = y0.rechunk({0: -1})  # each trajectory needs all its n components
    n, batch = y0.shape[0], y0.shape[1:]
    args = tuple(args)
    if any(type(a).__name__ == "Jet" for a in args) or y0.dtype == object:
        raise ValueError(
            "solve_ivp: jet transport (jets in y0 or args) is not supported for a dask y0: "
            "use numpy arrays"
        )
    per = []  # positions of the per-trajectory arguments (numpy ones of the batch shape too)
    for i, a in enumerate(args):
        if is_dask(a) or isinstance(a, np.ndarray) and a.shape == batch:
            if tuple(a.shape) != batch:
                raise ValueError(
                    f"solve_ivp: args[{i}] is a dask array of shape {a.shape}: a dask argument "
                    f"must have the batch shape {batch} of y0 (one value per trajectory)"
                )
            per.append(i)
    # argument errors now, as on the numpy path: the solver on one trajectory (of ones)
    # with a budget of one step (every argument checked but max_steps; the ensemble's
    # output times come back as probe.t), then over no time with max_steps
    probe_args = tuple(np.ones((1,)) if i in per else a for i, a in enumerate(args))
    one = np.ones((n, 1))
    with np.errstate(all="ignore"):
        probe = solver(fun, t_span, one, args=probe_args, **dict(options, max_steps=1))
    t0 = float(t_span[0])
    solver(fun, (t0, t0), one, args=probe_args, **dict(options, t_eval=None))
    t_eval = np.array(probe.t)
    options["t_eval"] = t_eval
    nt = len(t_eval)
    operands = [y0] + [da.asarray(args[i]).rechunk(y0.chunks[1:]) for i in per]
    block = functools.partial(_ode_block, solver, fun, t_span, args, per, options)
    ind = tuple(range(1, y0.ndim))
    packed = da.blockwise(
        block,
        (0,) + ind + (y0.ndim,),
        y0,
        (0,) + ind,
        *[a for op in operands[1:] for a in (op, ind)],
        new_axes={y0.ndim: nt},
        adjust_chunks={0: n + 2},
        dtype=float,
        meta=np.empty((0,) * (y0.ndim + 1)),
        token="jets-solve_ivp",
    )
    y = packed[:n]
    nsteps = packed[n, ..., 0].astype(np.int64)
    statuses = packed[n + 1, ..., 0].astype(np.int8)
    status = da.where((statuses == -1).any(), -1, 0)
    return type(probe)(
        t=t_eval,
        y=y,
        sol=None,
        t_events=None,
        y_events=None,
        nfev=nsteps.sum(),
        njev=0,
        nlu=0,
        status=status,
        message="lazy (dask): compute `status` and `statuses` to see whether every "
        "trajectory reached the end",
        success=status >= 0,
        nsteps=nsteps,
        order=probe.order,
        statuses=statuses,
    )


def _ode_block(solver, fun, t_span, args, per, options, y0, *per_args):
    """One chunk of trajectories: (n + 2, *chunk, nt) floats, rows n and n + 1 holding
    nsteps and the status at time index 0 (exact in float: small integers)."""
    args = list(args)
    for i, a in zip(per, per_args, strict=True):
        args[i] = a
    r = solver(fun, t_span, y0, args=tuple(args), **options)
    n = y0.shape[0]
    out = np.full((n + 2,) + r.y.shape[1:], np.nan)
    out[:n] = r.y
    out[n, ..., 0] = r.nsteps
    out[n + 1, ..., 0] = r.statuses
    return out
