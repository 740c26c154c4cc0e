"""Indexing: ``x[key]``, gather, scatter/scatter_add/scatter_reduce, index_select/index_add/
index_fill/index_copy, masked_fill/masked_select, take/take_along_dim, nonzero, tril, triu.

Reading at indices and adding at indices are each other's backward:
``x[key]`` <-> ``IndexScatter`` (add into zeros at key), gather <-> scatter_add,
index_select <-> index_add. Repeated indices accumulate, through one helper
(``_add_at``) that works the same on NumPy and CuPy and for every float dtype; the other
reductions at indices (prod, amax, amin) go through ``_reduce_at``.
"""
from __future__ import annotations

import functools
import numbers

import numpy as np

from .._checks import bool_arg, int_arg, scalar_arg, tensor_arg
from .._spellings import numpy_spellings
from ..autograd.function import Function
from ..backend import array_module, to_numpy
from ..tensor import Tensor
from ._util import normalize_dim, reduced_dims
from .arithmetic import where
from .reduction import sum_to_shape


def _add_at(shape, dtype, xp, linear, values):
    """zeros(shape) with ``values`` added at flat positions ``linear`` (repeats accumulate)."""
    size = 1
    for s in shape:
        size *= s
    summed = xp.bincount(linear.ravel(), weights=values.ravel().astype("float64"), minlength=size)
    return summed.astype(dtype, copy=False).reshape(shape)


def _items(key):
    return key if isinstance(key, tuple) else (key,)


def _is_int(k):
    return isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_))


def is_basic(key):
    """Only ints, slices, None and Ellipsis: the result is a view, no index repeats."""
    return all(k is None or k is Ellipsis or isinstance(k, slice) or _is_int(k) for k in _items(key))


def torch_key(key, shape):
    """``key`` read with PyTorch's rules, as ``(key, advanced)``: NumPy keys to apply one after
    the other (``advanced`` is None when one suffices).

    - a slice step must be positive (NumPy reverses with a negative one; PyTorch refuses: use
      ``flip``);
    - ints next to advanced (array) indices select first: the basic part (ints select, slices
      cut, each advanced index keeps its dims) is applied, then the advanced indices on what is
      left. NumPy treats such ints as advanced indices too, which moves the indexed dims to the
      front: ``x[1, :, idx]`` has shape (5, 2, 2) in PyTorch for x of shape (2, 5, 6) and a
      (2, 2) idx, and (2, 2, 5) in NumPy.
    """
    if type(key) is slice and (key.step is None or key.step > 0) or type(key) is int:
        return key, None                        # the common cases, quickly
    items = _items(key)
    basic = True
    has_int = False
    for k in items:
        if isinstance(k, slice):
            if k.step is not None and k.step <= 0:
                raise ValueError(f"getitem: step must be greater than zero, got {k} (tensor shape "
                                 f"{tuple(shape)}; use flip() to reverse)")
        elif _is_int(k):
            has_int = True
        elif k is not None and k is not Ellipsis:
            basic = False
    if basic or not has_int:
        return key, None
    first, then = [], []
    for k in items:
        if _is_int(k):
            first.append(k)
        elif k is None or k is Ellipsis or isinstance(k, slice):
            first.append(k)
            then.append(Ellipsis if k is Ellipsis else slice(None))
        else:                                   # an array: a bool mask covers mask.ndim dims
            is_mask = getattr(k, "dtype", None) is not None and k.dtype.kind == "b"
            first.extend([slice(None)] * (k.ndim if is_mask else 1))
            then.append(k)
    return tuple(first), tuple(then)


def _check_index(op, index, dim, dim_size, error=RuntimeError, negative=False, dtypes=("int32", "int64")):
    """An index array of one of ``dtypes`` (PyTorch's: int32 or int64; int64 only for take,
    index_fill and index_copy) whose entries all lie in [0, dim_size) -- in [-dim_size, dim_size)
    when ``negative`` indices count from the end; else ``error``: PyTorch raises RuntimeError
    from gather, scatter, index_select and index_add, IndexError from index_fill, index_copy
    and take."""
    xp = array_module(index)
    if index.dtype.kind not in "iu":
        raise RuntimeError(f"{op}: index must be an integer tensor, got {index.dtype}")
    if index.dtype.name not in dtypes:
        raise RuntimeError(f"{op}: index must be an {' or '.join(dtypes)} tensor, got {index.dtype}")
    low = -dim_size if negative else 0
    if index.size and (int(xp.min(index)) < low or int(xp.max(index)) >= dim_size):
        bad = int(xp.max(index)) if int(xp.max(index)) >= dim_size else int(xp.min(index))
        raise error(f"{op}: index {bad} is out of bounds for dimension {dim} with size {dim_size}")


def check_key_bounds(op, shape, key):
    """IndexError for an integer index array (or list) in ``key`` that points outside its axis.
    NumPy raises on its own, but CuPy silently wraps such indices around, so the check is made
    for every device: one min/max per index array, read back to the host in one transfer."""
    if type(key) is slice or type(key) is int:      # the common cases: nothing to check
        return
    items = key if isinstance(key, tuple) else (key,)

    def n_axes(k):
        if k is None:
            return 0
        return k.ndim if getattr(k, "dtype", None) is not None and k.dtype.kind == "b" else 1
    used = sum(n_axes(k) for k in items if k is not Ellipsis)
    axis = 0
    for k in items:
        if k is Ellipsis:
            axis += len(shape) - used
            continue
        if isinstance(k, list):
            k = np.asarray(k)
        if getattr(k, "dtype", None) is not None and k.dtype.kind in "iu" and k.size and axis < len(shape):
            xp = array_module(k)
            lo, hi = (int(v) for v in to_numpy(xp.stack([k.min(), k.max()])))
            n = shape[axis]
            if hi >= n or lo < -n:
                raise IndexError(f"{op}: index {hi if hi >= n else lo} is out of bounds for axis {axis} "
                                 f"with size {n} (tensor shape {tuple(shape)})")
        axis += n_axes(k)


def unwrap_key(key):
    """Tensors inside an index become their arrays."""
    if isinstance(key, tuple):
        return tuple([k.data if isinstance(k, Tensor) else k for k in key])
    return key.data if isinstance(key, Tensor) else key


class GetItem(Function):
    """x[key];  backward: the gradient added into zeros at key (IndexScatter)"""
    is_view = True      # with a basic key (ints, slices, None, ...), the result is a view

    @staticmethod
    def forward(ctx, x, key):
        ctx.shape, ctx.key = x.shape, key
        check_key_bounds("getitem", x.shape, key)
        try:
            out = x[key]
            if isinstance(out, np.generic):     # x[0] of a vector: a 0-d view, not a scalar
                out = x[_items(key) + (Ellipsis,)]
            return out
        except IndexError as e:
            raise IndexError(f"getitem: {e} (tensor shape {tuple(x.shape)}, index {key!r})") from None

    @staticmethod
    def backward(ctx, g):
        return IndexScatter.apply(g, ctx.shape, ctx.key), None


def getitem(input, key):
    """``input[key]``: basic and advanced indexing, differentiable, with PyTorch's rules: a basic
    key gives a view (sharing memory and version counter), ints next to advanced indices select
    first (``split_key``), a slice step must be positive."""
    key, advanced = torch_key(unwrap_key(key), input.data.shape)
    out = GetItem.apply(input, key)
    return out if advanced is None else GetItem.apply(out, advanced)


class IndexScatter(Function):
    """zeros(shape) with g added at key;  backward: the gradient read at key"""

    @staticmethod
    def forward(ctx, g, shape, key):
        ctx.key = key
        xp = array_module(g)
        if is_basic(key):
            out = xp.zeros(shape, dtype=g.dtype)
            out[key] = g
            return out
        size = 1
        for s in shape:
            size *= s
        linear = xp.arange(size).reshape(shape)[key]
        return _add_at(shape, g.dtype, xp, linear, xp.broadcast_to(g, linear.shape))

    @staticmethod
    def backward(ctx, gg):
        return GetItem.apply(gg, ctx.key), None, None


class IndexPut(Function):
    """x with ``values`` written (or, with ``accumulate``, added) at ``key``;
    d/dx = 1 outside the key (everywhere with accumulate), d/dvalues = the gradient at the key"""

    @staticmethod
    def forward(ctx, x, key, values, accumulate):
        xp = array_module(x)
        ctx.key, ctx.accumulate = key, accumulate
        ctx.values_shape = getattr(values, "shape", ())
        check_key_bounds("index_put", x.shape, key)
        out = x.copy()
        try:
            if accumulate:
                region = out[key]
                xp.add.at(out, key, xp.broadcast_to(xp.asarray(values, dtype=x.dtype), region.shape))
            else:
                out[key] = values
        except IndexError as e:
            raise IndexError(f"index_put: {e} (tensor shape {tuple(x.shape)})") from None
        return out

    @staticmethod
    def backward(ctx, g):
        nx, _, nv, _ = ctx.needs_input_grad
        gx = gv = None
        if nx:
            gx = g
            if not ctx.accumulate:
                keep = array_module(g.data).ones(g.shape, dtype=g.dtype)
                keep[ctx.key] = 0
                gx = g * Tensor._make(keep, False, None, 0)
        if nv:
            gv = sum_to_shape(GetItem.apply(g, ctx.key), ctx.values_shape)
        return gx, None, gv, None


def index_put(input, indices, values, accumulate=False):
    """``input`` with ``values`` put at ``indices`` (a tuple or list of index tensors, one per
    leading dim; None skips a dim): written, or added with ``accumulate=True`` (repeats add up)."""
    tensor_arg("index_put", "input", input)
    if not isinstance(indices, (tuple, list)) or not all(i is None or isinstance(i, Tensor) for i in indices):
        raise TypeError(f"index_put: indices must be a tuple of Tensors, got {type(indices).__name__}"
                        + (f" of {', '.join(type(i).__name__ for i in indices)}"
                           if isinstance(indices, (tuple, list)) else ""))
    return put_key(input, tuple(indices), values, accumulate)


def put_key(input, key, values, accumulate=False):
    """``input`` with ``values`` put at ``key`` (any key ``input[key]`` accepts), written or added:
    the out-of-place op behind ``input[key] = values`` and ``index_put``."""
    key, advanced = torch_key(unwrap_key(key), input.shape)
    if advanced is not None:                 # put into the view the basic part selects
        return put_key(input, key, put_key(input[key], advanced, values, accumulate))
    if isinstance(values, Tensor) and values.device != input.device:
        values = values.to(input.device)
    return IndexPut.apply(input, key, values, accumulate)


def _along_key(xp, shape, dim, index):
    """The fancy key that picks ``index`` along ``dim`` and, along every other dim ``d``, the
    position the element sits at in ``index`` (its leading ``shape[d]`` elements): one arange
    per dim, each shaped to broadcast along its own dim, with ``index`` in place of the one at
    ``dim``. What ``take_along_axis`` builds on every call; NumPy's aranges are cached."""
    aranges = _numpy_aranges(shape) if xp is np else _aranges(xp, shape)
    return aranges[:dim] + (index,) + aranges[dim + 1:]


def _aranges(xp, shape):
    nd = len(shape)
    return tuple(xp.arange(n).reshape((1,) * d + (n,) + (1,) * (nd - d - 1)) for d, n in enumerate(shape))


@functools.lru_cache(maxsize=256)
def _numpy_aranges(shape):
    """``_aranges`` for NumPy, read-only so that the cached arrays cannot be changed."""
    aranges = _aranges(np, shape)
    for r in aranges:
        r.flags.writeable = False
    return aranges


def _along_dim_linear(xp, shape, dim, index):
    """Flat positions in an array of ``shape`` of the elements picked by ``index`` along ``dim``."""
    return xp.ravel_multi_index(tuple(xp.broadcast_arrays(*_along_key(xp, index.shape, dim, index))), shape)


def take_along(xp, x, index, dim):
    """``x`` read at ``index`` along ``dim`` and at the same position along the other dims, over
    the leading ``index.shape[d]`` elements of every other dim ``d`` (gather's forward)."""
    return x[_along_key(xp, index.shape, dim, index)]


class Gather(Function):
    """out[i][j] = x[index[i][j]][j] (dim 0);  backward: scatter_add of the gradient into zeros.

    ``distinct=True`` says that no position is picked twice (the indices sort and topk find):
    the backward then writes the gradient into zeros (``PlaceDistinct``), with nothing to add up.
    """

    @staticmethod
    def forward(ctx, x, dim, index, distinct=False):
        ctx.shape, ctx.dim, ctx.distinct = x.shape, dim, distinct
        ctx.save_for_backward(index)
        return take_along(array_module(x), x, index, dim)

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        # the index was checked on the way in: straight to the Functions, not the checking scatter_add
        if ctx.distinct:
            return PlaceDistinct.apply(g, ctx.shape, ctx.dim, index), None, None
        return ScatterAdd.apply(g.new_zeros(ctx.shape), ctx.dim, index, g), None, None


class PlaceDistinct(Function):
    """zeros(shape) with ``g`` written at ``index`` along ``dim``, where no position repeats:
    scatter_add into zeros without the adding up;  backward: gather of the gradient"""

    @staticmethod
    def forward(ctx, g, shape, dim, index):
        ctx.dim = dim
        ctx.save_for_backward(index)
        xp = array_module(g)
        out = xp.zeros(shape, dtype=g.dtype)
        out[_along_key(xp, index.shape, dim, index)] = g
        return out

    @staticmethod
    def backward(ctx, gg):
        (index,) = ctx.saved_tensors
        return Gather.apply(gg, ctx.dim, index, distinct=True), None, None, None


@numpy_spellings
def gather(input, dim, index):
    """Pick, along ``dim``, the elements at ``index`` (``out[i][j] = input[index[i][j]][j]`` for dim 0)."""
    d = normalize_dim(dim, tensor_arg("gather", "input", input).ndim, "gather")
    _check_index("gather", tensor_arg("gather", "index", index).data, d, input.shape[d])
    if index.ndim != input.ndim or any(index.shape[i] > input.shape[i] for i in range(input.ndim) if i != d):
        raise RuntimeError(f"gather: index shape {tuple(index.shape)} does not fit input shape "
                           f"{tuple(input.shape)} along dims other than {d}")
    return Gather.apply(input, d, index)


class ScatterAdd(Function):
    """out = x; out[index[i][j]][j] += src[i][j] (dim 0);  d/dx = 1, d/dsrc = gather(g)"""

    @staticmethod
    def forward(ctx, x, dim, index, src):
        xp = array_module(x)
        ctx.dim, ctx.src_shape = dim, src.shape
        ctx.save_for_backward(index)
        linear = _along_dim_linear(xp, x.shape, dim, index)
        return x + _add_at(x.shape, x.dtype, xp, linear, _leading_block(src, index.shape))

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        _, _, _, nsrc = ctx.needs_input_grad
        gsrc = _src_grad(gather(g, ctx.dim, index), ctx.src_shape) if nsrc else None
        return g, None, None, gsrc


@numpy_spellings
def scatter_add(input, dim, index, src):
    """``input`` with each ``src`` element added at its ``index`` along ``dim`` (repeats add up)."""
    d = normalize_dim(dim, input.ndim, "scatter_add")
    _check_scatter("scatter_add", input, d, index, tensor_arg("scatter_add", "src", src))
    return ScatterAdd.apply(input, d, index, src)


def _check_scatter(op, input, d, index, src):
    """PyTorch's checks of a scatter: int64 indices within the dim, an index no larger than
    ``src`` and the input (but along ``d``), and a ``src`` tensor of the input's dtype."""
    _check_index(op, index.data, d, input.shape[d])
    if isinstance(src, Tensor) and src.dtype != input.dtype:
        raise RuntimeError(f"{op}: expected src ({src.dtype}) to have the input's dtype ({input.dtype})")
    src_shape = tuple(src.shape) if isinstance(src, Tensor) else None
    if index.ndim != input.ndim or (src_shape is not None and (
            len(src_shape) != index.ndim or any(index.shape[i] > src_shape[i] for i in range(index.ndim)))) or \
            any(index.shape[i] > input.shape[i] for i in range(input.ndim) if i != d):
        raise RuntimeError(f"{op}: index shape {tuple(index.shape)} does not fit input shape "
                           f"{tuple(input.shape)}" + (f" and src shape {src_shape}" if src_shape else "")
                           + f" (index must have the input's number of dims and be no larger than "
                           f"src, and than the input along dims other than {d})")


def _written(xp, shape, linear):
    """A bool array of ``shape``, True at the flat positions ``linear``."""
    size = 1
    for n in shape:
        size *= n
    return xp.bincount(linear.ravel(), minlength=size).reshape(shape) > 0


class Scatter(Function):
    """out = x; out[index[i][j]][j] = src[i][j] (dim 0);
    d/dx = 1 where nothing was written, else 0;  d/dsrc = gather(g) (every src element, as PyTorch)"""

    @staticmethod
    def forward(ctx, x, dim, index, src):
        xp = array_module(x)
        ctx.dim = dim
        ctx.src_shape = getattr(src, "shape", None)
        linear = _along_dim_linear(xp, x.shape, dim, index)
        written = _written(xp, x.shape, linear)
        ctx.save_for_backward(index, written)
        out = x.copy()
        flat = out.reshape(-1)
        flat[linear.ravel()] = _leading_block(src, index.shape).ravel() if hasattr(src, "shape") else src
        return out

    @staticmethod
    def backward(ctx, g):
        index, written = ctx.saved_tensors
        _, _, _, nsrc = ctx.needs_input_grad
        gsrc = _src_grad(gather(g, ctx.dim, index), ctx.src_shape) if nsrc else None
        return where(written, 0.0, g), None, None, gsrc


def _leading_block(src, shape):
    """The part of ``src`` that an index of ``shape`` reads (src may be larger than the index)."""
    return src if src.shape == tuple(shape) else src[tuple(slice(0, n) for n in shape)]


def _src_grad(g, src_shape):
    """The gradient of the part of src that was read, placed into zeros of src's full shape."""
    if tuple(g.shape) == tuple(src_shape):
        return g
    return IndexScatter.apply(g, tuple(src_shape), tuple(slice(0, n) for n in g.shape))


@numpy_spellings
def scatter(input, dim, index, src=None, value=None, *, reduce=None):
    """``input`` with ``src`` (a tensor, or a number: ``value``) written at ``index`` along ``dim``;
    with ``reduce='add'`` or ``'multiply'`` combined with what is there (as scatter_reduce's sum
    and prod). Where an index repeats, one of its writes wins (which one is unspecified)."""
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter: expected src (a tensor) or value (a number)")
    if not isinstance(src, (Tensor, numbers.Number, np.bool_)):
        raise TypeError(f"scatter: src must be a Tensor and value a number, got {src!r} ({type(src).__name__})")
    d = normalize_dim(dim, input.ndim, "scatter")
    _check_scatter("scatter", input, d, index, src)
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError(f"scatter: reduce argument must be either 'add' or 'multiply', got {reduce!r}")
        if not isinstance(src, Tensor):
            src = input.new_full(tuple(index.shape), src)
        return ScatterReduce.apply(input, d, index, src, "sum" if reduce == "add" else "prod", True)
    return Scatter.apply(input, d, index, src)


def _reduce_at(op, flat, linear, values):
    """``flat[linear] = op(flat[linear], values)`` for the ufunc ``op`` ('multiply', 'maximum',
    'minimum'), repeats included, in place: NumPy's ``ufunc.at``; elsewhere a stable sort of
    the positions and a log-step segmented scan, whose last element per position is its
    reduction."""
    xp = array_module(flat)
    ufunc = getattr(xp, op)
    if xp is np:
        ufunc.at(flat, linear, values)
        return flat
    order = xp.argsort(linear, kind="stable")
    pos, acc = linear[order], values[order]
    k, m = 1, pos.shape[0]
    while k < m:
        same = pos[k:] == pos[:-k]
        acc[k:] = xp.where(same, ufunc(acc[k:], acc[:-k]), acc[k:])
        k *= 2
    last = xp.concatenate([pos[1:] != pos[:-1], xp.ones(min(m, 1), dtype=bool)])
    flat[pos[last]] = ufunc(flat[pos[last]], acc[last])
    return flat


def _identity(xp, reduce, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "f":
        return -xp.inf if reduce == "amax" else xp.inf
    info = xp.iinfo(dtype) if dtype.kind in "iu" else None
    return (info.min if reduce == "amax" else info.max) if info else (reduce == "amin")


class ScatterReduce(Function):
    """out = x (or, with include_self=False, nothing) reduced with every src[i][j] sent to
    index[i][j] along dim, by sum, prod, mean, amax or amin;
    d/dx, d/dsrc: sum: 1; mean: 1/count; prod: the product of the other contributors;
    amax/amin: 1/(number of contributors equal to the result) for those, 0 for the rest"""

    @staticmethod
    def forward(ctx, x, dim, index, src, reduce, include_self):
        xp = array_module(x)
        values = _leading_block(src, index.shape).ravel()
        linear = _along_dim_linear(xp, x.shape, dim, index).ravel()
        written = _written(xp, x.shape, linear)
        base = x if include_self else xp.where(written, xp.asarray(_identity(xp, reduce, x.dtype), x.dtype), x)
        count = None
        if reduce in ("sum", "mean"):
            out = base + _add_at(x.shape, x.dtype, xp, linear, values)
            if reduce == "mean":
                count = _add_at(x.shape, x.dtype, xp, linear, xp.ones_like(values)) + (1 if include_self else 0)
                count = xp.where(written, count, 1).astype(x.dtype, copy=False)
                out = out // count if x.dtype.kind in "iu" else out / count
        else:
            op = {"prod": "multiply", "amax": "maximum", "amin": "minimum"}[reduce]
            out = _reduce_at(op, base.copy().reshape(-1), linear, values).reshape(x.shape)
        ctx.dim, ctx.reduce, ctx.include_self = dim, reduce, include_self
        ctx.linear, ctx.count, ctx.src_shape = linear, count, src.shape
        ctx.save_for_backward(x, index, src, written, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, index, src, written, out = ctx.saved_tensors
        nsrc = ctx.needs_input_grad[3]
        dim, xp = ctx.dim, array_module(g.data)
        src = _leading_block(src, index.shape)
        if ctx.reduce in ("sum", "mean"):
            gr = g if ctx.reduce == "sum" else g / Tensor(ctx.count)
            gx = where(written, gr if ctx.include_self else 0.0, g)
            gsrc = gather(gr, dim, index)
        elif ctx.reduce == "prod":
            others_x, others_src = _products_of_others(ctx, x, index, src, out)
            gx = where(written, g * others_x if ctx.include_self else 0.0, g)
            gsrc = gather(g, dim, index) * others_src
        else:                               # amax / amin: ties share the gradient
            hit_src = src == gather(out, dim, index)
            hit_x = (x == out) & written if ctx.include_self else Tensor(xp.zeros(x.shape, dtype=bool))
            count = _add_at(x.shape, g.dtype, xp, ctx.linear, hit_src.data.ravel()) + hit_x.data
            share = g / Tensor(xp.maximum(count, 1))
            gx = where(written, share * hit_x.to(g.dtype), g)
            gsrc = gather(share, dim, index) * hit_src.to(g.dtype)
        return gx, None, None, _src_grad(gsrc, ctx.src_shape) if nsrc else None, None, None


def _products_of_others(ctx, x, index, src, out):
    """For each contributor of a prod scatter, the product of the other contributors at its
    position: out / v without zeros (differentiable again), else counted exactly."""
    xp = array_module(x.data)
    if not bool((src.data == 0).any()) and not (ctx.include_self and bool((x.data == 0).any())):
        return out / x, gather(out, ctx.dim, index) / src
    shape, linear = x.shape, ctx.linear
    sv = src.data.ravel()
    xv = x.data if ctx.include_self else xp.ones_like(x.data)
    zeros = _add_at(shape, "float64", xp, linear, (sv == 0).astype("float64")) + (xv == 0)
    nonzero_prod = _reduce_at("multiply", xp.where(xv == 0, 1, xv).astype(x.dtype).reshape(-1), linear,
                              xp.where(sv == 0, 1, sv)).reshape(shape)

    def others(v, z, p, full):
        return xp.where(z == 0, full / xp.where(v == 0, 1, v), xp.where((z == 1) & (v == 0), p, 0))

    ox = others(x.data, zeros, nonzero_prod, out.data)
    src_z, src_p, src_full = (a.reshape(-1)[linear].reshape(src.shape) for a in (zeros, nonzero_prod, out.data))
    return Tensor(ox.astype(x.dtype)), Tensor(others(src.data, src_z, src_p, src_full).astype(x.dtype))


@numpy_spellings
def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """``input`` with each ``src`` element reduced into position ``index`` along ``dim``, by
    ``reduce`` = 'sum', 'prod', 'mean', 'amax' or 'amin'; ``include_self=False`` leaves the
    input's own values at the written positions out of the reduction."""
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise RuntimeError(f"scatter_reduce: reduce argument must be one of sum, prod, mean, amax, "
                           f"amin, got {reduce!r}")
    d = normalize_dim(dim, input.ndim, "scatter_reduce")
    _check_scatter("scatter_reduce", input, d, index, src)
    if src.dtype != input.dtype:
        raise RuntimeError(f"scatter_reduce: expected src ({src.dtype}) to have the input's dtype ({input.dtype})")
    return ScatterReduce.apply(input, d, index, src, reduce, include_self)


class IndexSelect(Function):
    """pick entries ``index`` along dim;  backward: add the gradient back at those entries"""

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.shape, ctx.dim = x.shape, dim
        ctx.save_for_backward(index)
        return array_module(x).take(x, index, axis=dim)

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        return IndexAdd.apply(g, ctx.shape, ctx.dim, index), None, None


@numpy_spellings
def index_select(input, dim, index):
    """The entries ``index`` (a 1-D integer tensor) of ``input`` along ``dim``."""
    d = normalize_dim(dim, tensor_arg("index_select", "input", input).ndim, "index_select")
    if tensor_arg("index_select", "index", index).ndim > 1:
        raise RuntimeError(f"index_select: index must be 0-d or 1-d, got shape {tuple(index.shape)}")
    if input.ndim == 0:               # one element, as PyTorch takes it: index 0 gives it back, 0-d
        _check_index("index_select", index.data, 0, 1)
        picked = IndexSelect.apply(input.reshape(1), 0, index.reshape(-1))
        return picked.reshape(()) if picked.numel() == 1 else picked
    _check_index("index_select", index.data, d, input.shape[d])
    return IndexSelect.apply(input, d, index.reshape(-1))


class IndexAdd(Function):
    """zeros(shape) with the slices of g added at ``index`` along dim;  backward: index_select"""

    @staticmethod
    def forward(ctx, g, shape, dim, index):
        xp = array_module(g)
        ctx.dim = dim
        ctx.save_for_backward(index)
        inner = 1
        for d, n in enumerate(shape):
            inner *= n if d != dim else 1
        rows = xp.moveaxis(g, dim, 0).reshape(len(index), inner)
        linear = index.reshape(-1, 1) * inner + xp.arange(inner)
        moved_shape = (shape[dim],) + tuple(s for d, s in enumerate(shape) if d != dim)
        out = _add_at(moved_shape, g.dtype, xp, linear, rows)
        return xp.moveaxis(out, 0, dim)

    @staticmethod
    def backward(ctx, gg):
        (index,) = ctx.saved_tensors
        return IndexSelect.apply(gg, ctx.dim, index), None, None, None


def _check_index_op(op, input, d, index, source=None, error=IndexError, dtypes=("int64",)):
    if index.ndim > 1:
        raise IndexError(f"{op}: index must be 0-d or 1-d, got shape {tuple(index.shape)}")
    _check_index(op, index.data, d, input.shape[d], error, dtypes=dtypes)
    if source is not None:
        expected = input.shape[:d] + (index.numel(),) + input.shape[d + 1:]
        if tuple(source.shape) != expected and not (source.ndim == 0 and expected == ()):
            raise RuntimeError(f"{op}: source shape {tuple(source.shape)} must be the input's shape "
                               f"{tuple(input.shape)} with dim {d} of size len(index) = {index.numel()}")


@numpy_spellings
def index_add(input, dim, index, source, *, alpha=1):
    """``input`` with ``alpha * source[i]`` added at entry ``index[i]`` along ``dim`` (repeats add up)."""
    d = normalize_dim(dim, input.ndim, "index_add")
    _check_index_op("index_add", input, d, index, source, RuntimeError, ("int32", "int64"))
    src = source if alpha == 1 else source * alpha
    if input.ndim == 0:
        src = src.reshape(1)
    added = IndexAdd.apply(src, input.shape if input.ndim else (1,), d, index.reshape(-1))
    return input + (added.reshape(()) if input.ndim == 0 else added)


def _entries(input, d, index):
    """A bool tensor broadcastable to ``input``: True on the entries ``index`` along ``d``."""
    xp = array_module(input.data)
    hit = xp.zeros(input.shape[d] if input.ndim else 1, dtype=bool)
    hit[index.data.reshape(-1)] = True
    return Tensor(hit.reshape((-1,) + (1,) * (input.ndim - 1 - d)) if input.ndim else hit.reshape(()))


@numpy_spellings
def index_fill(input, dim, index, value):
    """``input`` with the entries ``index`` along ``dim`` set to ``value`` (a number or 0-d tensor)."""
    tensor_arg("index_fill", "input", input)
    tensor_arg("index_fill", "index", index)
    d = normalize_dim(dim, input.ndim, "index_fill")
    _check_index_op("index_fill", input, d, index)
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(f"index_fill: only supports a 0-dimensional value tensor, got a tensor of shape "
                           f"{tuple(value.shape)}")
    return where(_entries(input, d, index), value, input)


@numpy_spellings
def index_copy(input, dim, index, source):
    """``input`` with ``source[i]`` copied to entry ``index[i]`` along ``dim`` (indices must not repeat)."""
    tensor_arg("index_copy", "input", input)
    tensor_arg("index_copy", "index", index)
    tensor_arg("index_copy", "source", source)
    d = normalize_dim(dim, input.ndim, "index_copy")
    _check_index_op("index_copy", input, d, index, source)
    if input.ndim == 0:
        return where(_entries(input, d, index), source.reshape(()), input)
    placed = IndexAdd.apply(source, input.shape, d, index.reshape(-1))
    return where(_entries(input, d, index), placed, input)


class Triangle(Function):
    """keep the lower (tril) or upper (triu) triangle;  backward: the same triangle of g"""

    @staticmethod
    def forward(ctx, x, diagonal, upper):
        ctx.diagonal, ctx.upper = diagonal, upper
        xp = array_module(x)
        return xp.triu(x, diagonal) if upper else xp.tril(x, diagonal)

    @staticmethod
    def backward(ctx, g):
        return Triangle.apply(g, ctx.diagonal, ctx.upper), None, None


def tril(input, diagonal=0):
    """The lower triangle (at and below ``diagonal``) of the last two dims, zeros elsewhere."""
    tensor_arg("tril", "input", input)
    if input.ndim < 2:
        raise RuntimeError(f"tril: input needs at least 2 dims, got shape {tuple(input.shape)}")
    return Triangle.apply(input, int_arg("tril", "diagonal", diagonal), False)


def triu(input, diagonal=0):
    """The upper triangle (at and above ``diagonal``) of the last two dims, zeros elsewhere."""
    tensor_arg("triu", "input", input)
    if input.ndim < 2:
        raise RuntimeError(f"triu: input needs at least 2 dims, got shape {tuple(input.shape)}")
    return Triangle.apply(input, int_arg("triu", "diagonal", diagonal), True)


# ----------------------------------------------------------------------------- composites

def masked_fill(input, mask, value):
    """``value`` (a number or a 0-d tensor) where ``mask`` is True, else ``input``; ``input``
    and ``mask`` broadcast together, as in PyTorch (``masked_fill_`` keeps the input's shape)."""
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"masked_fill: value must be a number or a 0-dimensional tensor, got a "
                           f"tensor of shape {tuple(value.shape)}")
    if mask.dtype.kind != "b":
        raise RuntimeError(f"masked_fill: mask must be a bool tensor, got {mask.dtype}")
    try:
        shape = np.broadcast_shapes(tuple(mask.shape), tuple(input.shape))
    except ValueError:
        shape = None
    if shape is None:
        raise RuntimeError(f"masked_fill: mask of shape {tuple(mask.shape)} does not broadcast with "
                           f"the input's shape {tuple(input.shape)}")
    return where(mask, _fill_value(value, input.dtype), input)


def _fill_value(value, dtype):
    """masked_fill's ``value`` in the input's ``dtype``, as PyTorch casts it (a float into an
    integer tensor is truncated, a non-zero number into a bool tensor is True; one beyond the type's range, or a complex into a real tensor, is
    refused: ``scalar_arg``)."""
    if isinstance(value, Tensor):
        return value if value.dtype == dtype else value.to(dtype)
    value = scalar_arg("masked_fill", "value", value, dtype)
    if dtype.kind == "b":
        return bool(value)
    return int(value) if dtype.kind in "iu" and isinstance(value, float) else value


def masked_select(input, mask):
    """The elements of ``input`` where ``mask`` (a bool tensor; both broadcast) is True, as a 1-D tensor."""
    tensor_arg("masked_select", "input", input)
    tensor_arg("masked_select", "mask", mask)
    if mask.dtype.kind != "b":
        raise RuntimeError(f"masked_select: expected a bool mask, got {mask.dtype}")
    try:
        shape = np.broadcast_shapes(tuple(mask.shape), tuple(input.shape))
    except ValueError:
        raise RuntimeError(f"masked_select: the mask's shape {tuple(mask.shape)} and the input's "
                           f"shape {tuple(input.shape)} do not broadcast") from None
    xp = array_module(input.data)
    x = input if tuple(input.shape) == shape else input.expand(shape)
    return GetItem.apply(x, xp.broadcast_to(mask.data, shape))


def take(input, index):
    """The elements of ``input`` flattened, at ``index`` (the result has the index's shape; a
    negative index counts from the end)."""
    tensor_arg("take", "input", input)
    tensor_arg("take", "index", index)
    _check_index("take", index.data, 0, input.numel(), IndexError, negative=True, dtypes=("int64",))
    return GetItem.apply(input.reshape(-1), index.data)


@numpy_spellings
def take_along_dim(input, indices, dim=None):
    """Pick along ``dim`` the elements at ``indices`` (which broadcast with ``input`` over the
    other dims); with ``dim=None`` both are flattened. An index outside the dim is a RuntimeError,
    as in ``gather`` (PyTorch 2.13's take_along_dim wraps it without a check)."""
    tensor_arg("take_along_dim", "input", input)
    tensor_arg("take_along_dim", "indices", indices)
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    d = normalize_dim(dim, input.ndim, "take_along_dim")
    if indices.ndim != input.ndim:
        raise RuntimeError(f"take_along_dim: input {tuple(input.shape)} and indices "
                           f"{tuple(indices.shape)} should have the same number of dims")
    shape_i = list(np.broadcast_shapes(*[tuple(s if k != d else 1 for k, s in enumerate(t.shape))
                                         for t in (input, indices)]))
    xs, ix = list(shape_i), list(shape_i)
    xs[d], ix[d] = input.shape[d], indices.shape[d]
    x = input if list(input.shape) == xs else input.expand(*xs)
    idx = indices if list(indices.shape) == ix else indices.expand(*ix)
    return gather(x, d, idx)


def nonzero(input, *, as_tuple=False):
    """The indices of the non-zero elements: an (n, ndim) int64 tensor, or with ``as_tuple``
    one 1-D tensor per dim (for a 0-d input, one tensor, as PyTorch)."""
    tensor_arg("nonzero", "input", input)
    as_tuple = bool_arg("nonzero", "as_tuple", as_tuple)
    xp = array_module(input.data)
    x = input.data
    if x.ndim == 0:
        found = xp.nonzero(x.reshape(1))
        return (Tensor(found[0]),) if as_tuple else Tensor(xp.zeros((int(found[0].size), 0), "int64"))
    found = xp.nonzero(x)
    if as_tuple:
        return tuple(Tensor(f.astype("int64", copy=False)) for f in found)
    return Tensor(xp.stack(found, axis=1).astype("int64", copy=False))


def argwhere(input):
    """The (n, ndim) indices of the non-zero elements (as ``nonzero``)."""
    return nonzero(input)


@numpy_spellings
def count_nonzero(input, dim=None):
    """The number of non-zero elements over ``dim`` (all when None), int64."""
    xp = array_module(tensor_arg("count_nonzero", "input", input).data)
    axis = reduced_dims(dim, input.ndim, "count_nonzero")
    return Tensor(xp.asarray(xp.count_nonzero(input.data, axis=axis)).astype("int64"))


__all__ = ["gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add",
           "index_fill", "index_copy", "index_put", "masked_fill", "masked_select", "take", "take_along_dim",
           "nonzero", "argwhere", "count_nonzero", "tril", "triu"]
